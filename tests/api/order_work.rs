//! A seller's everyday order work through the API (issue 19): the platform's own name of an
//! order's platform status, re-syncing a selection, moving a selection to a status, and comments
//! in the order's feed.
// covers: SYNC-4, ST-2, ST-4, API-3, API-4, API-5

use crate::helpers::*;
use crate::sims::*;
use orderhub::domain::{Platform, SourceId};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::HashMap;

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<none>")
}

/// An order of `source` with this platform status, imported as a sync would; its id.
async fn order_with_status(app: &TestApp, source: SourceId, ext: &str, status: &str) -> String {
    let mut o = sample_order(ext, at(1), "Олена", "+380501234567");
    o.source_status = Some(status.to_string());
    app.import(source, o).await.to_string()
}

// covers: ST-2 (the platform's status shown beside ours, by the platform's own name)
#[tokio::test]
async fn each_order_shows_its_platform_status_by_the_platforms_own_name() {
    let app = spawn_app().await;
    let cases = [
        ("ROZETKA", "26", Some("Опрацьовується менеджером")),
        ("ROZETKA", "2", Some("Комплектується. Дані підтверджені")),
        ("ROZETKA", "9999", None),
        ("PROM", "paid", Some("Оплачено")),
        ("PROM", "custom-12", None),
        (
            "EPICENTR",
            "confirmed_by_merchant",
            Some("Підтверджено продавцем"),
        ),
        ("CARTUM", "6", Some("Доставляється")),
        ("CARTUM", "17", None),
        ("WOOCOMMERCE", "on-hold", Some("On hold")),
        ("SHOPIFY", "paid/unfulfilled", Some("Paid · Unfulfilled")),
        ("SHOPIFY", "cancelled", Some("Cancelled")),
    ];
    let mut sources: HashMap<&str, SourceId> = HashMap::new();
    let mut want: HashMap<String, Option<&str>> = HashMap::new();
    for (i, (platform, status, label)) in cases.iter().enumerate() {
        let source = match sources.get(platform) {
            Some(s) => *s,
            None => {
                let s = app.create_source(platform, platform, json!({})).await;
                sources.insert(platform, s);
                s
            }
        };
        let id = order_with_status(&app, source, &format!("lbl{i}"), status).await;
        want.insert(id, *label);
    }
    let d = app
        .data(
            "{ orders(first: 50) { edges { node { id sourceStatus sourceStatusLabel source { platform } } } } }",
            json!({}),
        )
        .await;
    let edges = d["orders"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), cases.len(), "{d}");
    for e in edges {
        let node = &e["node"];
        let expected = want[node["id"].as_str().unwrap()];
        assert_eq!(
            node["sourceStatusLabel"].as_str(),
            expected,
            "{node}: the label of an unknown code is null"
        );
    }

    // one order alone, without its source selected, names it too
    let (id, _) = want.iter().find(|(_, l)| **l == Some("Оплачено")).unwrap();
    let d = app
        .data(
            "query($o: ID!) { order(id: $o) { sourceStatusLabel } }",
            json!({"o": id}),
        )
        .await;
    assert_eq!(d["order"]["sourceStatusLabel"], "Оплачено");
}

/// A Rozetka source on the simulator whose budget of manual calls is 3 at once, then 1 a
/// minute; its backfill done.
async fn rozetka_source(app: &TestApp, sim: &SimUnderTest) -> String {
    let created = app
        .gql(
            "mutation($i: CreateSourceInput!) { createSource(input: $i) { id } }",
            json!({"i": {"name": "Rozetka daily", "platform": "ROZETKA", "currency": "UAH",
                "baseUrl": sim.source_url, "credentials": sim.credentials,
                "settings": {"min_interval_ms": 0, "manual_call_burst": 3, "manual_calls_per_minute": 1}}}),
        )
        .await;
    assert!(created.get("errors").is_none(), "{created}");
    let id = created["data"]["createSource"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let run = wait_for_run(app, &id, "backfill").await;
    assert_eq!(run["state"], "succeeded", "{run}");
    lease_free(app, SourceId(id.parse().unwrap())).await;
    id
}

/// Platform requests the simulator answered so far.
async fn platform_requests(sim: &SimUnderTest) -> u64 {
    sim.control(Method::GET, "/_sim/faults", Value::Null).await["requests"]
        .as_u64()
        .unwrap()
}

const SYNC_ORDERS: &str = "mutation($o: [ID!]!) { syncOrders(orderIds: $o) { orderId outcome reason code retryAt order { id sourceStatus sourceStatusLabel items { name } } } }";

/// The outcome of each order id in a `syncOrders` answer.
fn outcomes(answer: &Value) -> Vec<(String, String)> {
    answer["syncOrders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["orderId"].as_str().unwrap().to_string(),
                r["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

// covers: SYNC-4, API-3
#[tokio::test]
async fn a_selection_is_resynced_order_by_order_within_the_ten_minute_rule_and_the_budget() {
    let app = spawn_app().await;
    let sim = start(Platform::Rozetka);
    let mut external = Vec::new();
    for _ in 0..5 {
        let o = sim
            .control(
                Method::POST,
                "/_sim/orders",
                json!({"buyer": 3, "items": [{"product": 0, "quantity": 1}], "status": 1}),
            )
            .await;
        external.push(o["order"]["id"].as_i64().unwrap().to_string());
    }
    let source = rozetka_source(&app, &sim).await;
    let orders = orders_by_external_id(&app, &source, "id externalId").await;
    let ids: Vec<String> = external
        .iter()
        .map(|e| orders[e]["id"].as_str().unwrap().to_string())
        .collect();

    // changes on Rozetka after the import: a manager took order 0, order 1 got an item
    sim.control(
        Method::PATCH,
        &format!("/_sim/orders/{}", external[0]),
        json!({"status": 26}),
    )
    .await;
    sim.control(
        Method::PATCH,
        &format!("/_sim/orders/{}", external[1]),
        json!({"add_item": {"product": 1, "quantity": 1}}),
    )
    .await;

    // more than 200 ids are refused whole, naming the field
    let many: Vec<String> = (1..=201).map(|i| i.to_string()).collect();
    let r = app.gql(SYNC_ORDERS, json!({"o": many})).await;
    assert_eq!(code(&r), "BAD_INPUT", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "orderIds", "{r}");

    // a webhook platform's order and an id that names nothing are refused with the reason;
    // of the five Rozetka orders, the budget (3 at once) lets three through, the other two are
    // told when they may go; a repeated id is answered once
    let shop = app.create_source("Shop", "SHOPIFY", json!({})).await;
    let shopify_order = order_with_status(&app, shop, "sh1", "paid/unfulfilled").await;
    let mut asked = ids.clone();
    asked.push(shopify_order.clone());
    asked.push("999999".into());
    asked.push(ids[0].clone());
    let before = platform_requests(&sim).await;
    let r = app.data(SYNC_ORDERS, json!({"o": asked})).await;
    let answers = r["syncOrders"].as_array().unwrap();
    assert_eq!(answers.len(), 7, "each distinct order once: {r}");
    let got: Vec<String> = outcomes(&r).into_iter().map(|(id, _)| id).collect();
    let mut in_order = ids.clone();
    in_order.push(shopify_order.clone());
    in_order.push("999999".into());
    assert_eq!(got, in_order, "answered in the order asked");
    let by_id: HashMap<String, Value> = answers
        .iter()
        .map(|a| (a["orderId"].as_str().unwrap().to_string(), a.clone()))
        .collect();
    // one after the other, in the order asked: the first three take the budget
    let synced: Vec<&String> = ids[..3].iter().collect();
    let not_yet: Vec<&String> = ids[3..].iter().collect();
    for id in &synced {
        assert_eq!(by_id[*id]["outcome"], "SYNCED", "{r}");
    }
    assert_eq!(
        platform_requests(&sim).await - before,
        3,
        "refused orders cost no platform request"
    );
    for id in &not_yet {
        let a = &by_id[*id];
        assert_eq!(a["code"], "RATE_LIMITED", "{a}");
        assert!(
            a["reason"]
                .as_str()
                .unwrap()
                .contains("budget of platform calls"),
            "{a}"
        );
        let retry: chrono::DateTime<chrono::Utc> = a["retryAt"].as_str().unwrap().parse().unwrap();
        assert!(retry > chrono::Utc::now(), "{a}");
        assert!(a["order"]["id"] == **id, "the order as it is: {a}");
    }
    let shopify = &by_id[&shopify_order];
    assert_eq!(shopify["outcome"], "REFUSED", "{shopify}");
    assert_eq!(shopify["code"], "CONFLICT", "{shopify}");
    assert!(
        shopify["reason"].as_str().unwrap().contains("webhook"),
        "{shopify}"
    );
    let missing = &by_id["999999"];
    assert_eq!(missing["outcome"], "REFUSED", "{missing}");
    assert_eq!(missing["code"], "NOT_FOUND", "{missing}");
    assert_eq!(missing["order"], Value::Null, "{missing}");

    // what the synced orders brought (SYNC-1)
    let o = &by_id[&ids[0]]["order"];
    assert_eq!(o["sourceStatus"], "26", "{o}");
    assert_eq!(o["sourceStatusLabel"], "Опрацьовується менеджером", "{o}");
    let items = by_id[&ids[1]]["order"]["items"].as_array().unwrap().len();
    assert_eq!(items, 2, "{r}");

    // asked again at once: the synced ones wait for their 10 minutes, the others for the budget
    let before = platform_requests(&sim).await;
    let r = app.data(SYNC_ORDERS, json!({"o": ids})).await;
    assert_eq!(platform_requests(&sim).await, before, "{r}");
    for a in r["syncOrders"].as_array().unwrap() {
        assert_eq!(a["outcome"], "NOT_YET", "{a}");
        let retry: chrono::DateTime<chrono::Utc> = a["retryAt"].as_str().unwrap().parse().unwrap();
        let id = a["orderId"].as_str().unwrap().to_string();
        if synced.contains(&&id) {
            assert!(a["reason"].as_str().unwrap().contains("10 minutes"), "{a}");
            assert!(
                retry > chrono::Utc::now() + chrono::Duration::minutes(9),
                "{a}"
            );
        }
    }

    // API-3: a user without the source cannot sync its orders, nor learn they exist
    let other = app.create_source("Other", "PROM", json!({})).await;
    let (_, token) = app.create_user("Oksana", &[other]).await;
    let r = app
        .gql_as(Some(&token), SYNC_ORDERS, json!({"o": [ids[4]]}))
        .await;
    let a = &r["data"]["syncOrders"][0];
    assert_eq!(a["outcome"], "REFUSED", "{r}");
    assert_eq!(a["code"], "NOT_FOUND", "{r}");
    assert_eq!(a["order"], Value::Null, "{r}");
}

const CHANGE_ORDERS: &str = "mutation($o: [ID!]!, $s: ID!, $r: String) { changeOrdersStatus(orderIds: $o, statusId: $s, cancellationReason: $r) { orderId outcome reason code order { id status { systemKey } events { kind message user { name } } } } }";

async fn status_id(app: &TestApp, key: &str) -> String {
    let d = app.data("{ statuses { id systemKey } }", json!({})).await;
    d["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["systemKey"] == key)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

// covers: ST-4, API-3, API-4
#[tokio::test]
async fn a_selection_moves_to_a_status_each_order_answering_for_itself() {
    let app = spawn_app().await;
    let shop_a = app.create_source("Shop A", "PROM", json!({})).await;
    let shop_b = app.create_source("Shop B", "ROZETKA", json!({})).await;
    let a1 = order_with_status(&app, shop_a, "a1", "received").await;
    let a2 = order_with_status(&app, shop_a, "a2", "received").await;
    let b1 = order_with_status(&app, shop_b, "b1", "1").await;
    let confirmed = status_id(&app, "confirmed").await;
    let new = status_id(&app, "new").await;
    let (_, anna) = app.create_user("Anna", &[shop_a]).await;

    // Anna sees Shop A only: its two orders move, Shop B's is "not found" and unchanged
    app.data(CHANGE_ORDERS, json!({"o": [a2], "s": confirmed}))
        .await;
    let r = app
        .gql_as(
            Some(&anna),
            CHANGE_ORDERS,
            json!({"o": [a1, a2, b1, "424242"], "s": confirmed}),
        )
        .await;
    assert!(r.get("errors").is_none(), "{r}");
    let answers = r["data"]["changeOrdersStatus"].as_array().unwrap();
    let outcome: Vec<(&str, &str)> = answers
        .iter()
        .map(|a| {
            (
                a["orderId"].as_str().unwrap(),
                a["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        outcome,
        [
            (a1.as_str(), "CHANGED"),
            (a2.as_str(), "UNCHANGED"),
            (b1.as_str(), "REFUSED"),
            ("424242", "REFUSED")
        ],
        "{r}"
    );
    assert_eq!(answers[2]["code"], "NOT_FOUND", "API-3: {r}");
    assert_eq!(answers[2]["order"], Value::Null, "{r}");
    let moved = &answers[0]["order"];
    assert_eq!(moved["status"]["systemKey"], "confirmed");
    let events = moved["events"].as_array().unwrap();
    let changed = events
        .iter()
        .find(|e| e["kind"] == "status_changed")
        .unwrap();
    assert_eq!(changed["user"]["name"], "Anna", "{moved}");
    // ST-4: the same push decision as one order's change (rules are off here, and it says so)
    assert!(
        events.iter().any(|e| e["kind"] == "push_skipped"
            && e["message"]
                .as_str()
                .unwrap()
                .contains("status rules are off")),
        "{moved}"
    );
    let b = app
        .data(
            "query($o: ID!) { order(id: $o) { status { systemKey } } }",
            json!({"o": b1}),
        )
        .await;
    assert_eq!(b["order"]["status"]["systemKey"], "new", "{b}");

    // a status that does not exist, or a reason outside the cancelled group, refuses the call
    let r = app
        .gql(CHANGE_ORDERS, json!({"o": [a1], "s": "777777"}))
        .await;
    assert_eq!(code(&r), "BAD_INPUT", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "statusId", "{r}");
    let r = app
        .gql(
            CHANGE_ORDERS,
            json!({"o": [a1], "s": new, "r": "Передумав"}),
        )
        .await;
    assert_eq!(
        r["errors"][0]["extensions"]["field"], "cancellationReason",
        "{r}"
    );
    let many: Vec<String> = (1..=201).map(|i| i.to_string()).collect();
    let r = app.gql(CHANGE_ORDERS, json!({"o": many, "s": new})).await;
    assert_eq!(r["errors"][0]["extensions"]["field"], "orderIds", "{r}");
}

// covers: API-4, API-3
#[tokio::test]
async fn comments_go_to_the_orders_feed_with_their_author() {
    let app = spawn_app().await;
    let shop_a = app.create_source("Shop A", "PROM", json!({})).await;
    let shop_b = app.create_source("Shop B", "ROZETKA", json!({})).await;
    let a1 = order_with_status(&app, shop_a, "a1", "received").await;
    let b1 = order_with_status(&app, shop_b, "b1", "1").await;
    let (_, anna) = app.create_user("Anna", &[shop_a]).await;
    const COMMENT: &str = "mutation($o: ID!, $t: String!) { addOrderComment(orderId: $o, text: $t) { id kind message createdAt user { name } } }";

    let r = app
        .gql_as(
            Some(&anna),
            COMMENT,
            json!({"o": a1, "t": "  Клієнт просить подзвонити після 18:00  "}),
        )
        .await;
    assert!(r.get("errors").is_none(), "{r}");
    let c = &r["data"]["addOrderComment"];
    assert_eq!(c["kind"], "comment");
    assert_eq!(c["message"], "Клієнт просить подзвонити після 18:00");
    assert_eq!(c["user"]["name"], "Anna");
    let feed = app
        .data(
            "query($o: ID!) { order(id: $o) { events { id kind message user { name } } } }",
            json!({"o": a1}),
        )
        .await;
    let last = feed["order"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "comment")
        .cloned()
        .unwrap();
    assert_eq!(last["id"], c["id"], "{feed}");
    assert_eq!(last["user"]["name"], "Anna");

    // API-3: another source's order is not found; empty and over-long comments are bad input
    let r = app
        .gql_as(Some(&anna), COMMENT, json!({"o": b1, "t": "hello"}))
        .await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    let r = app.gql(COMMENT, json!({"o": a1, "t": "   "})).await;
    assert_eq!(code(&r), "BAD_INPUT", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "text", "{r}");
    let long = "я".repeat(2_001);
    let r = app.gql(COMMENT, json!({"o": a1, "t": long})).await;
    assert_eq!(r["errors"][0]["extensions"]["field"], "text", "{r}");
    let fits = "я".repeat(2_000);
    let r = app.gql(COMMENT, json!({"o": a1, "t": fits})).await;
    assert!(r.get("errors").is_none(), "{r}");
}
