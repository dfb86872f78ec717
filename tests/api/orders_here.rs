//! Orders created and edited here (issue 19), over real HTTP: `createOrder` (origin HERE) with a
//! buyer matched as CUS-1 matches one, catalogue and free-text lines, delivery and manager;
//! `updateOrderItems` and `updateOrderCustomer`, each edit one event of the feed with its
//! `changes`; who may do what (API-3); and what a later re-sync does with an order edited here
//! (SYNC-2), against the Rozetka simulator.
// covers: API-2, API-3, API-4, CUS-1, SYNC-2, SYNC-3, SYNC-5, DLV-1

use crate::helpers::*;
use crate::sims::*;
use orderhub::domain::{Platform, SourceId};
use orderhub::sync::RunKind;
use serde_json::{json, Value};

const ORDER: &str = "id number externalId source { id } status { group } total currency
    manager { name } customer { id firstName lastName phone }
    items { id name sku quantity price productId }
    events { kind message user { name } changes { field before after itemId } syncRun { kind } webhookDelivery { id } }";

async fn order(app: &TestApp, id: &str) -> Value {
    app.data(
        &format!("query($o: ID!) {{ order(id: $o) {{ {ORDER} }} }}"),
        json!({"o": id}),
    )
    .await["order"]
        .clone()
}

fn kinds(order: &Value) -> Vec<String> {
    order["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

fn last_event<'a>(order: &'a Value, kind: &str) -> &'a Value {
    order["events"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} event: {order}"))
}

fn code(body: &Value) -> (&str, &str) {
    (
        body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("an error: {body}")),
        body["errors"][0]["extensions"]["field"]
            .as_str()
            .unwrap_or(""),
    )
}

const CREATE: &str = "mutation($i: CreateOrderInput!) { createOrder(input: $i) { id } }";
const EDIT_ITEMS: &str =
    "mutation($o: ID!, $a: [OrderItemInput!], $c: [OrderItemChangeInput!], $r: [ID!]) {
    updateOrderItems(orderId: $o, add: $a, change: $c, remove: $r) { id total } }";
const EDIT_BUYER: &str = "mutation($o: ID!, $c: OrderCustomerInput!) {
    updateOrderCustomer(orderId: $o, customer: $c) { id customer { id firstName lastName phone } } }";

// covers: API-2, API-4, CUS-1, DLV-1, SYNC-2
#[tokio::test]
async fn an_order_created_here_is_found_by_its_buyer_and_edited_event_by_event() {
    let app = spawn_app().await;
    let src = app
        .create_source("Rozetka shop", "ROZETKA", json!({}))
        .await;
    // an imported order: its buyer and its goods are in the lists already
    let imported = app
        .import(src, sample_order("1001", at(1), "Олена", "+380501234567"))
        .await
        .to_string();
    let was = order(&app, &imported).await;
    let buyer = was["customer"]["id"].as_str().unwrap().to_string();
    let kettle = was["items"][0]["productId"].as_str().unwrap().to_string();
    let me = app.data("{ me { id name } }", json!({})).await["me"].clone();

    let created = app
        .data(
            CREATE,
            json!({"i": {
                "currency": "uah",
                // CUS-1: the phone in another spelling finds the same buyer
                "customer": {"phone": "050 123 45 67", "firstName": "Olena"},
                "items": [
                    {"productId": kettle, "price": "899.00", "quantity": 2},
                    {"name": "Подарункова упаковка", "price": "50", "quantity": 1}
                ],
                "delivery": {"carrier": "Нова Пошта", "address": "Київ, відділення №5", "cost": "70"},
                "managerId": me["id"]
            }}),
        )
        .await;
    let id = created["createOrder"]["id"].as_str().unwrap().to_string();
    let o = order(&app, &id).await;
    assert_eq!(o["number"], id, "its number is its id: {o}");
    assert_eq!(o["source"], Value::Null);
    assert_eq!(o["externalId"], Value::Null);
    assert_eq!(o["status"]["group"], "NEW");
    assert_eq!(o["currency"], "UAH");
    assert_eq!(o["total"], "1848.00");
    assert_eq!(o["manager"]["name"], me["name"]);
    assert_eq!(
        o["customer"]["id"],
        buyer.as_str(),
        "CUS-1: reused, not duplicated"
    );
    assert_eq!(
        o["customer"]["firstName"], "Олена",
        "CUS-1: never overwritten"
    );
    let items = o["items"].as_array().unwrap();
    assert_eq!(items[0]["name"], "Чайник електричний", "the product's name");
    assert_eq!(items[0]["sku"], "KET-1");
    assert_eq!(items[0]["productId"], kettle.as_str());
    assert_eq!(
        (items[0]["quantity"].clone(), items[0]["price"].clone()),
        (json!(2), json!("899.00"))
    );
    assert_eq!(items[1]["name"], "Подарункова упаковка");
    assert_eq!(items[1]["productId"], Value::Null);
    assert_eq!(kinds(&o), ["created", "delivery"]);
    let created_event = last_event(&o, "created");
    assert_eq!(created_event["user"]["name"], me["name"]);
    let delivery = last_event(&o, "delivery");
    assert_eq!(
        delivery["changes"],
        json!([{"field": "delivery", "before": null,
            "after": "Delivery: Нова Пошта, Київ, відділення №5, delivery cost 70.00", "itemId": null}])
    );

    // API-2: origin HERE finds it, and only it
    let here = app
        .data(
            "{ orders(filter: {origin: HERE}) { totalCount edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(here["orders"]["totalCount"], 1);
    assert_eq!(here["orders"]["edges"][0]["node"]["id"], id.as_str());
    let integrations = app
        .data(
            "{ orders(filter: {origin: INTEGRATIONS}) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(integrations["orders"]["edges"].as_array().unwrap().len(), 1);

    // lines: one more kettle, the wrapping removed, two filters added; the total follows
    let kettle_line = items[0]["id"].as_str().unwrap().to_string();
    let wrapping = items[1]["id"].as_str().unwrap().to_string();
    let edited = app
        .data(
            EDIT_ITEMS,
            json!({"o": id, "c": [{"id": kettle_line, "quantity": 3}], "r": [wrapping],
                "a": [{"name": "Фільтр", "sku": "FLT-9", "price": "150.50", "quantity": 2}]}),
        )
        .await;
    assert_eq!(edited["updateOrderItems"]["total"], "2998.00");
    let o = order(&app, &id).await;
    let names: Vec<&str> = o["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Чайник електричний", "Фільтр"]);
    let filter_line = o["items"][1]["id"].clone();
    let e = last_event(&o, "items_edited");
    assert_eq!(e["user"]["name"], me["name"]);
    assert_eq!(
        e["changes"],
        json!([
            {"field": "items", "before": "1 × Подарункова упаковка", "after": null, "itemId": wrapping},
            {"field": "quantity", "before": "2", "after": "3", "itemId": kettle_line},
            {"field": "items", "before": null, "after": "2 × Фільтр", "itemId": filter_line},
            {"field": "total", "before": "1848.00", "after": "2998.00", "itemId": null}
        ])
    );
    assert!(
        e["message"].as_str().unwrap().contains("added 2 × Фільтр"),
        "{e}"
    );

    // the buyer's details corrected through the order
    let b = app
        .data(
            EDIT_BUYER,
            json!({"o": id, "c": {"customerId": buyer, "lastName": "Коваль"}}),
        )
        .await;
    assert_eq!(b["updateOrderCustomer"]["customer"]["lastName"], "Коваль");
    let o = order(&app, &id).await;
    let e = last_event(&o, "customer_changed");
    let fields: Vec<&str> = e["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["customer", "customer.lastName"], "{e}");
    assert_eq!(e["changes"][1]["before"], "Шевченко");
    // a phone another customer has is not taken silently (CUS-1 finds buyers by it)
    app.import(src, sample_order("1002", at(1), "Тарас", "+380671112233"))
        .await;
    let clash = app
        .gql(
            EDIT_BUYER,
            json!({"o": id, "c": {"customerId": buyer, "phone": "+380671112233"}}),
        )
        .await;
    assert_eq!(code(&clash).0, "CONFLICT", "{clash}");
    // details alone: the other buyer, found by phone
    let other = app
        .data(
            EDIT_BUYER,
            json!({"o": id, "c": {"phone": "067 111 22 33"}}),
        )
        .await;
    assert_eq!(
        other["updateOrderCustomer"]["customer"]["firstName"],
        "Тарас"
    );
}

// covers: API-3, API-5
#[tokio::test]
async fn who_may_create_and_edit_and_what_is_refused() {
    let app = spawn_app().await;
    let src = app.create_source("Prom shop", "PROM", json!({})).await;
    let other = app
        .create_source("Epicentr shop", "EPICENTR", json!({}))
        .await;
    let mine = app
        .import(src, sample_order("2001", at(2), "Ірина", "+380501110000"))
        .await
        .to_string();
    let theirs = app
        .import(other, sample_order("2002", at(2), "Петро", "+380501110001"))
        .await
        .to_string();
    let (user_id, token) = app.create_user("Оксана", &[src]).await;
    let here = app
        .data(
            CREATE,
            json!({"i": {"currency": "UAH", "items": [{"name": "Послуга", "price": "100", "quantity": 1}]}}),
        )
        .await["createOrder"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // orders created here belong to no source: only admins create them, and manage them
    let refused = app
        .gql_as(
            Some(&token),
            CREATE,
            json!({"i": {"currency": "UAH", "items": [{"name": "x", "price": "1", "quantity": 1}]}}),
        )
        .await;
    assert_eq!(code(&refused).0, "FORBIDDEN", "{refused}");
    let manager = app
        .gql(
            CREATE,
            json!({"i": {"currency": "UAH", "managerId": user_id,
                "items": [{"name": "x", "price": "1", "quantity": 1}]}}),
        )
        .await;
    assert_eq!(code(&manager).0, "FORBIDDEN", "{manager}");
    assert!(manager["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("Оксана"));

    // API-3: a user edits orders of their sources, and nothing else (NOT_FOUND, as for a missing one)
    let add = json!([{"name": "Листівка", "price": "20", "quantity": 1}]);
    for o in [&theirs, &here, &"999999".to_string()] {
        let r = app
            .gql_as(Some(&token), EDIT_ITEMS, json!({"o": o, "a": add}))
            .await;
        assert_eq!(code(&r).0, "NOT_FOUND", "{o}: {r}");
        let r = app
            .gql_as(
                Some(&token),
                EDIT_BUYER,
                json!({"o": o, "c": {"firstName": "X"}}),
            )
            .await;
        assert_eq!(code(&r).0, "NOT_FOUND", "{o}: {r}");
    }
    let ok = app
        .gql_as(Some(&token), EDIT_ITEMS, json!({"o": mine, "a": add}))
        .await;
    assert!(ok.get("errors").is_none(), "{ok}");
    // the buyer a user gives is the buyer the user (and their source's users) read
    let b = app
        .gql_as(
            Some(&token),
            EDIT_BUYER,
            json!({"o": mine, "c": {"firstName": "Ірина", "lastName": "Мельник", "phone": "093 000 11 22"}}),
        )
        .await;
    assert_eq!(
        b["data"]["updateOrderCustomer"]["customer"],
        json!({"id": b["data"]["updateOrderCustomer"]["customer"]["id"], "firstName": "Ірина",
            "lastName": "Мельник", "phone": "+380930001122"}),
        "{b}"
    );
    // a customer of another source is not the user's to pick
    let their_buyer = order(&app, &theirs).await["customer"]["id"].clone();
    let r = app
        .gql_as(
            Some(&token),
            EDIT_BUYER,
            json!({"o": mine, "c": {"customerId": their_buyer}}),
        )
        .await;
    assert_eq!(code(&r).0, "NOT_FOUND", "{r}");

    // bad input names its field and what to give
    let cases = [
        (
            json!([{"name": "x", "price": "12,5 грн", "quantity": 1}]),
            "add[0].price",
        ),
        (
            json!([{"name": "x", "price": "12.50", "quantity": 0}]),
            "add[0].quantity",
        ),
        (
            json!([{"productId": "999999", "price": "1", "quantity": 1}]),
            "add[0].productId",
        ),
        (json!([{"price": "1", "quantity": 1}]), "add[0].name"),
    ];
    for (lines, field) in cases {
        let r = app.gql(EDIT_ITEMS, json!({"o": mine, "a": lines})).await;
        assert_eq!(code(&r), ("BAD_INPUT", field), "{r}");
    }
    let item = order(&app, &mine).await["items"][0]["id"].clone();
    let r = app
        .gql(
            EDIT_ITEMS,
            json!({"o": mine, "c": [{"id": item, "name": "Renamed"}]}),
        )
        .await;
    assert_eq!(code(&r), ("BAD_INPUT", "change[0].name"), "SYNC-2: {r}");
    let r = app
        .gql(EDIT_BUYER, json!({"o": mine, "c": {"phone": "call me"}}))
        .await;
    assert_eq!(code(&r), ("BAD_INPUT", "customer.phone"), "{r}");
    let r = app.gql(EDIT_BUYER, json!({"o": mine, "c": {}})).await;
    assert_eq!(code(&r), ("BAD_INPUT", "customer"), "{r}");
    let r = app
        .gql(
            CREATE,
            json!({"i": {"currency": "гривня", "items": [{"name": "x", "price": "1", "quantity": 1}]}}),
        )
        .await;
    assert_eq!(code(&r), ("BAD_INPUT", "currency"), "{r}");

    // SYNC-3: written off, its lines no longer change
    app.data(
        "mutation($o: ID!) { writeOffOrder(orderId: $o) { id } }",
        json!({"o": mine}),
    )
    .await;
    let r = app.gql(EDIT_ITEMS, json!({"o": mine, "a": add})).await;
    assert_eq!(code(&r).0, "CONFLICT", "{r}");
}

async fn sim_lines(sim: &SimUnderTest, external: &str) -> Vec<Value> {
    let o = sim
        .control(
            reqwest::Method::GET,
            &format!("/_sim/orders/{external}"),
            json!({}),
        )
        .await;
    o["order"]["purchases"]
        .as_array()
        .unwrap_or_else(|| panic!("{o}"))
        .clone()
}

// covers: SYNC-2, SYNC-3, SYNC-5
#[tokio::test]
async fn a_resync_keeps_what_was_edited_here_and_applies_what_the_platform_changed() {
    let app = spawn_app().await;
    let sim = start(Platform::Rozetka);
    let placed = sim
        .control(
            reqwest::Method::POST,
            "/_sim/orders",
            json!({"buyer": 4, "items": [{"product": 0, "quantity": 1}, {"product": 3, "quantity": 2}]}),
        )
        .await;
    let external = placed["order"]["id"].as_i64().unwrap().to_string();
    let created = create_source(&app, &sim).await;
    let source = created["data"]["createSource"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_string();
    let source_id: SourceId = source.parse().unwrap();
    assert_eq!(
        wait_for_run(&app, &source, "backfill").await["state"],
        "succeeded"
    );
    lease_free(&app, source_id).await;
    let id = orders_by_external_id(&app, &source, "id externalId").await[&external]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let o = order(&app, &id).await;
    let first = o["items"][0].clone();
    let second = o["items"][1].clone();
    let first_id = first["id"].as_str().unwrap().to_string();

    // edited here: the first line's quantity 1 → 4, the second removed, a line of our own added
    app.data(
        EDIT_ITEMS,
        json!({"o": id, "c": [{"id": first_id, "quantity": 4}], "r": [second["id"]],
            "a": [{"name": "Листівка", "price": "25", "quantity": 1}]}),
    )
    .await;
    let shown = |o: &Value| -> Vec<(String, i64)> {
        o["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["name"].as_str().unwrap().to_string(),
                    i["quantity"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let edited = shown(&order(&app, &id).await);
    assert_eq!(
        edited,
        [
            (first["name"].as_str().unwrap().to_string(), 4),
            ("Листівка".to_string(), 1)
        ]
    );
    // SYNC-2: nothing was sent to Rozetka
    let on_platform = sim_lines(&sim, &external).await;
    assert_eq!(on_platform.len(), 2);
    assert_eq!(on_platform[0]["quantity"], 1);

    // a re-sync while the platform still shows its order as it was: the edits stand
    let poll = poll_succeeds(&app, source_id).await;
    assert_eq!(poll.state, "succeeded");
    sim.control(
        reqwest::Method::PATCH,
        &format!("/_sim/orders/{external}"),
        json!({"status": 26}),
    )
    .await;
    poll_succeeds(&app, source_id).await;
    let o = order(&app, &id).await;
    assert_eq!(shown(&o), edited, "SYNC-2: {o}");
    let k = kinds(&o);
    for kind in ["item_added", "quantity_changed", "item_removed_on_platform"] {
        assert!(!k.contains(&kind.to_string()), "{kind} in {k:?}");
    }
    // SYNC-5: the platform's status change, field by field, with the poll that brought it
    let status = last_event(&o, "source_status_changed");
    assert_eq!(
        status["changes"],
        json!([{"field": "sourceStatus", "before": "1", "after": "26", "itemId": null}])
    );
    assert_eq!(status["syncRun"]["kind"], "poll");

    // the platform changes its own quantity of the first line: that change is applied (SYNC-3)
    let line = on_platform[0]["id"].as_i64().unwrap();
    sim.control(
        reqwest::Method::PATCH,
        &format!("/_sim/orders/{external}"),
        json!({"set_quantity": {"line": line, "quantity": 2}}),
    )
    .await;
    poll_succeeds(&app, source_id).await;
    let o = order(&app, &id).await;
    assert_eq!(shown(&o)[0].1, 2, "{o}");
    assert_eq!(shown(&o).len(), 2, "the removed line stays away: {o}");
    let q = last_event(&o, "quantity_changed");
    assert_eq!(
        q["changes"],
        json!([{"field": "quantity", "before": "4", "after": "2", "itemId": first_id}])
    );
    assert_eq!(q["syncRun"]["kind"], "poll");

    // a line the platform adds arrives as before, with its change
    sim.control(
        reqwest::Method::PATCH,
        &format!("/_sim/orders/{external}"),
        json!({"add_item": {"product": 5, "quantity": 1}}),
    )
    .await;
    let run = app
        .engine
        .run(source_id, RunKind::Poll)
        .await
        .unwrap()
        .expect("the lease is free");
    assert_eq!(run.state, "succeeded");
    let o = order(&app, &id).await;
    assert_eq!(shown(&o).len(), 3, "{o}");
    let added = last_event(&o, "item_added");
    assert_eq!(added["changes"][0]["field"], "items");
    assert_eq!(added["changes"][0]["before"], Value::Null);
    assert_eq!(added["changes"][0]["itemId"], o["items"][2]["id"]);
}
