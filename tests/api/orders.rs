//! Orders through the API: filters and cursor paging (API-2), the cost of a page (DataLoaders),
//! status changes, tracking numbers, write-off (SYNC-3), the upsell switch (SYNC-1), the event
//! feed, import uniqueness (IMP-4), currency mismatch (IMP-5), customer dedup (CUS-1),
//! manager round robin (SRC-4), commission expense (EXP-1).
// covers: API-2, API-4, IMP-4, IMP-5, CUS-1, SRC-4, SYNC-1, SYNC-3, EXP-1, PRD-4

use crate::helpers::*;
use orderhub::domain::orders::ImportedItem;
use serde_json::{json, Value};

const PAGE: &str = r#"query($f: OrderFilter, $first: Int, $after: String) {
  orders(filter: $f, first: $first, after: $after) {
    edges { cursor node { id number sourceStatus total currency
      customer { firstName lastName phone } status { name group } source { name platform }
      items { name sku quantity price } } }
    pageInfo { hasNextPage endCursor }
  }
}"#;

fn numbers(data: &Value) -> Vec<String> {
    data["orders"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["number"].as_str().unwrap().to_string())
        .collect()
}

// covers: API-2
#[tokio::test]
async fn cursor_pages_walk_every_order_once_newest_first() {
    let app = spawn_app().await;
    let src = app
        .create_source("Rozetka shop", "ROZETKA", json!({}))
        .await;
    for i in 0..7 {
        app.import(
            src,
            sample_order(&format!("{i}"), at(i), "Олена", &format!("050123450{i}")),
        )
        .await;
    }
    let mut seen = vec![];
    let mut after: Option<String> = None;
    loop {
        let d = app.data(PAGE, json!({"first": 3, "after": after})).await;
        seen.extend(numbers(&d));
        let info = &d["orders"]["pageInfo"];
        if !info["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = info["endCursor"].as_str().map(str::to_string);
    }
    let want: Vec<String> = (0..7).map(|i| format!("R-{i}")).collect();
    assert_eq!(seen, want, "newest first, no gaps, no repeats");

    let total = app
        .data("{ orders(first: 2) { totalCount } }", json!({}))
        .await;
    assert_eq!(total["orders"]["totalCount"], 7);

    let bad = app.gql(PAGE, json!({"after": "garbage"})).await;
    assert_eq!(bad["errors"][0]["extensions"]["code"], "BAD_INPUT");
    assert_eq!(bad["errors"][0]["extensions"]["field"], "after");
}

/// Every page of `orders(orderBy: $sort)`, `first` at a time, as numbers.
async fn walk(app: &TestApp, sort: Value, first: i64, scoped: Option<&str>) -> Vec<String> {
    const SORTED: &str = r#"query($first: Int, $after: String, $sort: OrderSort) {
      orders(first: $first, after: $after, orderBy: $sort) {
        edges { cursor node { number customer { firstName phone } } }
        pageInfo { hasNextPage endCursor }
      } }"#;
    let mut seen = vec![];
    let mut after: Option<String> = None;
    loop {
        let vars = json!({"first": first, "after": after, "sort": sort});
        let body = app
            .gql_as(Some(scoped.unwrap_or(ADMIN_TOKEN)), SORTED, vars)
            .await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        let d = &body["data"];
        for e in d["orders"]["edges"].as_array().unwrap() {
            assert_eq!(e["node"]["customer"]["firstName"], "Олена", "{e}");
        }
        seen.extend(numbers(d));
        let info = &d["orders"]["pageInfo"];
        if !info["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = info["endCursor"].as_str().map(str::to_string);
    }
    seen
}

// covers: API-2, API-3 (issue 19: sorting by created, updated, total and number, both ways)
#[tokio::test]
async fn orders_sort_by_created_updated_total_and_number_both_ways() {
    let app = spawn_app().await;
    let src = app
        .create_source("Rozetka shop", "ROZETKA", json!({}))
        .await;
    // totals not in the order of creation, two equal (ties go by id), numbers "10" < "9" as text
    let totals = [
        "500.00", "75.50", "1200.00", "75.50", "9.99", "20000.00", "310.00",
    ];
    for (i, total) in totals.iter().enumerate() {
        let mut o = sample_order(&format!("{}", i + 5), at(i as i64), "Олена", "0501234500");
        o.total = dec(total);
        app.import(src, o).await;
    }
    let by_number = |v: &[&str]| -> Vec<String> { v.iter().map(|s| s.to_string()).collect() };
    let created_desc = by_number(&["R-5", "R-6", "R-7", "R-8", "R-9", "R-10", "R-11"]);
    assert_eq!(walk(&app, json!(null), 3, None).await, created_desc);
    assert_eq!(
        walk(
            &app,
            json!({"field": "CREATED_AT", "direction": "DESC"}),
            2,
            None
        )
        .await,
        created_desc
    );
    let mut created_asc = created_desc.clone();
    created_asc.reverse();
    assert_eq!(
        walk(&app, json!({"direction": "ASC"}), 3, None).await,
        created_asc
    );
    // R-6 and R-8 have the same total: the later id (R-8) first when descending
    let total_desc = by_number(&["R-10", "R-7", "R-5", "R-11", "R-8", "R-6", "R-9"]);
    assert_eq!(
        walk(
            &app,
            json!({"field": "TOTAL", "direction": "DESC"}),
            2,
            None
        )
        .await,
        total_desc
    );
    let mut total_asc = total_desc.clone();
    total_asc.reverse();
    assert_eq!(
        walk(&app, json!({"field": "TOTAL", "direction": "ASC"}), 3, None).await,
        total_asc
    );
    let number_asc = by_number(&["R-10", "R-11", "R-5", "R-6", "R-7", "R-8", "R-9"]);
    assert_eq!(
        walk(
            &app,
            json!({"field": "NUMBER", "direction": "ASC"}),
            4,
            None
        )
        .await,
        number_asc
    );
    // imported oldest-changed last: R-5 was imported first, so it was updated first
    let updated_desc = by_number(&["R-11", "R-10", "R-9", "R-8", "R-7", "R-6", "R-5"]);
    assert_eq!(
        walk(&app, json!({"field": "UPDATED_AT"}), 3, None).await,
        updated_desc
    );
    // a user of the source reads the buyer as the source showed it, in any order
    let (_, token) = app.create_user("manager-sort", &[src]).await;
    assert_eq!(
        walk(
            &app,
            json!({"field": "TOTAL", "direction": "ASC"}),
            3,
            Some(&token)
        )
        .await,
        total_asc
    );

    // a cursor belongs to its order
    let d = app
        .data(
            "{ orders(first: 1, orderBy: {field: TOTAL}) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await;
    let cursor = d["orders"]["pageInfo"]["endCursor"]
        .as_str()
        .unwrap()
        .to_string();
    let bad = app
        .gql(
            "query($a: String) { orders(first: 1, after: $a) { edges { cursor } } }",
            json!({"a": cursor}),
        )
        .await;
    assert_eq!(bad["errors"][0]["extensions"]["code"], "BAD_INPUT", "{bad}");
    assert_eq!(bad["errors"][0]["extensions"]["field"], "after");
}

// covers: API-2
#[tokio::test]
async fn filters_by_source_platform_status_dates_and_text() {
    let app = spawn_app().await;
    let roz = app.create_source("Rozetka", "ROZETKA", json!({})).await;
    let prom = app.create_source("Prom", "PROM", json!({})).await;
    app.import(roz, sample_order("1", at(1), "Олена", "0501111111"))
        .await;
    app.import(roz, sample_order("2", at(10), "Тарас", "0502222222"))
        .await;
    let mut p = sample_order("3", at(3), "Ірина", "0503333333");
    p.source_status = Some("received".into());
    let prom_order = app.import(prom, p).await;

    let by = |f: Value| {
        let app = &app;
        async move { numbers(&app.data(PAGE, json!({"f": f})).await) }
    };
    assert_eq!(
        by(json!({"sourceId": roz.to_string()})).await,
        ["R-1", "R-2"]
    );
    assert_eq!(by(json!({"platform": "PROM"})).await, ["R-3"]);
    assert_eq!(by(json!({"sourceStatus": "received"})).await, ["R-3"]);
    assert_eq!(by(json!({"origin": "HERE"})).await, Vec::<String>::new());
    assert_eq!(by(json!({"origin": "INTEGRATIONS"})).await.len(), 3);
    assert_eq!(
        by(json!({"createdFrom": at(5).to_rfc3339(), "createdTo": at(0).to_rfc3339()})).await,
        ["R-1", "R-3"]
    );
    // text: number, customer name, phone in any written form
    assert_eq!(by(json!({"search": "r-2"})).await, ["R-2"]);
    assert_eq!(by(json!({"search": "Тарас"})).await, ["R-2"]);
    assert_eq!(by(json!({"search": "050 333 33"})).await, ["R-3"]);
    // the whole number in the old Ukrainian spelling (trunk 8) finds +380503333333 (CUS-1)
    assert_eq!(by(json!({"search": "8 050 333 33 33"})).await, ["R-3"]);
    assert_eq!(by(json!({"search": "+38 (050) 333-33-33"})).await, ["R-3"]);
    assert_eq!(by(json!({"search": "100%_"})).await, Vec::<String>::new());

    // status group: move the Prom order to a cancelled status
    let statuses = app.data("{ statuses { id group } }", json!({})).await;
    let cancelled = statuses["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["group"] == "CANCELLED")
        .unwrap()["id"]
        .clone();
    app.data(
        "mutation($o: ID!, $s: ID!) { changeOrderStatus(orderId: $o, statusId: $s) { id } }",
        json!({"o": prom_order.to_string(), "s": cancelled}),
    )
    .await;
    assert_eq!(by(json!({"statusGroup": "CANCELLED"})).await, ["R-3"]);
    assert_eq!(by(json!({"statusGroup": "NEW"})).await, ["R-1", "R-2"]);
    assert_eq!(by(json!({"statusId": cancelled})).await, ["R-3"]);
}

// The whole page of 50 orders with customer, items, source and status is one statement (issue
// 20): the page and its relations are read together, the token's principal remembered from the
// request before; a user who sees only some sources adds one for the customers' contacts as those
// sources gave them (API-3). Every filter of API-2 keeps it at one.
// covers: API-1, API-2, API-3
#[tokio::test]
async fn a_page_with_its_relations_is_one_statement_whatever_its_size_and_filter() {
    let app = spawn_app().await;
    let roz = app.create_source("Rozetka", "ROZETKA", json!({})).await;
    let prom = app.create_source("Prom", "PROM", json!({})).await;
    for i in 0..60 {
        let src = if i % 2 == 0 { roz } else { prom };
        app.import(
            src,
            sample_order(
                &format!("{i}"),
                at(i % 30),
                "Покупець",
                &format!("067{i:07}"),
            ),
        )
        .await;
    }
    let (_, user) = app.create_user("Two shops", &[roz, prom]).await;
    let mut costs = vec![];
    let all = json!({});
    for (token, first, filter) in [
        (ADMIN_TOKEN, 5, &all),
        (ADMIN_TOKEN, 50, &all),
        (user.as_str(), 5, &all),
        (user.as_str(), 50, &all),
    ] {
        let (cheapest, answer) =
            cheapest_run(&app, token, PAGE, json!({"first": first, "f": filter})).await;
        let d = answer["data"].clone();
        costs.push(cheapest);
        let edges = d["orders"]["edges"].as_array().unwrap();
        assert_eq!(edges.len(), first as usize);
        assert!(edges
            .iter()
            .all(|e| e["node"]["items"].as_array().unwrap().len() == 2));
        assert!(edges
            .iter()
            .all(|e| e["node"]["customer"]["phone"].is_string()));
        assert!(edges
            .iter()
            .all(|e| e["node"]["source"]["platform"].is_string()));
    }
    eprintln!("statements per page (admin 5, 50; user 5, 50): {costs:?}");
    assert!(costs[1] <= 1, "a page of 50 cost {} statements", costs[1]);
    assert!(
        costs[3] <= 1,
        "a user's page of 50 (buyers as the user's sources showed them) cost {} statements",
        costs[3]
    );
    assert_eq!(costs[0], costs[1], "cost must not grow with the page size");
    assert_eq!(costs[2], costs[3], "cost must not grow with the page size");

    // each filter of API-2, and the cursor, stays one statement
    let statuses = app.data("{ statuses { id } }", json!({})).await;
    let status = statuses["statuses"][0]["id"].clone();
    let after =
        app.data(PAGE, json!({"first": 1})).await["orders"]["pageInfo"]["endCursor"].clone();
    for (filter, after) in [
        (json!({"sourceId": roz.to_string()}), Value::Null),
        (json!({"platform": "PROM"}), Value::Null),
        (json!({"origin": "INTEGRATIONS"}), Value::Null),
        (json!({"statusId": status}), Value::Null),
        (json!({"statusGroup": "NEW"}), Value::Null),
        (json!({"sourceStatus": "new"}), Value::Null),
        (
            json!({"createdFrom": "2026-10-01T00:00:00Z", "createdTo": "2026-12-01T00:00:00Z"}),
            Value::Null,
        ),
        (json!({"search": "0670000001"}), Value::Null),
        (json!({}), after),
    ] {
        let vars = json!({"first": 50, "f": filter, "after": after});
        let (cheapest, answer) = cheapest_run(&app, ADMIN_TOKEN, PAGE, vars).await;
        assert!(
            !answer["data"]["orders"]["edges"]
                .as_array()
                .unwrap()
                .is_empty(),
            "{filter}: {answer}"
        );
        assert_eq!(cheapest, 1, "{filter} cost {cheapest} statements");
    }
}

// covers: IMP-4, IMP-5, CUS-1, SRC-4, EXP-1, PRD-4
#[tokio::test]
async fn imports_are_unique_customers_deduped_managers_rotated() {
    let app = spawn_app().await;
    let (m1, _) = app.create_user("Manager One", &[]).await;
    let (m2, _) = app.create_user("Manager Two", &[]).await;
    let src = app
        .create_source(
            "Rozetka",
            "ROZETKA",
            json!({"managerIds": [m1, m2], "storeCommission": true, "expenseType": "marketplace fee"}),
        )
        .await;
    let a = app
        .import(src, sample_order("100", at(1), "Олена", "380501234567"))
        .await;
    let again = app
        .import(src, sample_order("100", at(1), "Олена", "380501234567"))
        .await;
    assert_eq!(a, again, "IMP-4: the same external id is one order");
    let b = app
        .import(
            src,
            sample_order("101", at(2), "Олена", "+38 050 123 45 67"),
        )
        .await;
    let mut other = sample_order("102", at(3), "Ольга", "0671112233");
    other.currency = "PLN".into();
    let c = app.import(src, other).await;

    let q = r#"query($id: ID!) { order(id: $id) { currencyMismatch customer { id phone }
        manager { name } items { quantity price writtenOff } events { kind message }
        expenses { amount currency expenseType source { name } order { number } } } }"#;
    let oa = app.data(q, json!({"id": a.to_string()})).await["order"].clone();
    let ob = app.data(q, json!({"id": b.to_string()})).await["order"].clone();
    let oc = app.data(q, json!({"id": c.to_string()})).await["order"].clone();
    assert_eq!(
        oa["customer"]["id"], ob["customer"]["id"],
        "CUS-1: same phone, one customer"
    );
    assert_eq!(oa["customer"]["phone"], "+380501234567");
    assert_ne!(oa["customer"]["id"], oc["customer"]["id"]);
    assert_eq!(
        [
            &oa["manager"]["name"],
            &ob["manager"]["name"],
            &oc["manager"]["name"]
        ],
        [
            &json!("Manager One"),
            &json!("Manager Two"),
            &json!("Manager One")
        ]
    );
    assert_eq!(oa["currencyMismatch"], false);
    assert_eq!(oc["currencyMismatch"], true);
    assert!(oc["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "currency_mismatch"));
    assert_eq!(
        oa["items"][1],
        json!({"quantity": 2, "price": "150.50", "writtenOff": false})
    );
    assert_eq!(
        oa["expenses"],
        json!([{"amount": "96.00", "currency": "UAH", "expenseType": "marketplace fee",
                "source": {"name": "Rozetka"}, "order": {"number": "R-100"}}])
    );
    let total = app.data("{ orders { totalCount } }", json!({})).await;
    assert_eq!(total["orders"]["totalCount"], 3);
}

// covers: API-4, SYNC-3, SYNC-1
#[tokio::test]
async fn status_tracking_write_off_and_upsell_are_recorded_in_the_feed() {
    let app = spawn_app().await;
    let src = app.create_source("Prom", "PROM", json!({})).await;
    let id = app
        .import(src, sample_order("7", at(1), "Олена", "0501234567"))
        .await
        .to_string();
    let statuses = app.data("{ statuses { id name group } }", json!({})).await;
    let find = |name: &str| {
        statuses["statuses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap()["id"]
            .clone()
    };

    let d = app
        .data(
            "mutation($o: ID!, $s: ID!) { changeOrderStatus(orderId: $o, statusId: $s) { status { name group } } }",
            json!({"o": id, "s": find("Packing")}),
        )
        .await;
    assert_eq!(
        d["changeOrderStatus"]["status"],
        json!({"name": "Packing", "group": "PRODUCTION"})
    );

    let wrong_reason = app
        .gql(
            "mutation($o: ID!, $s: ID!) { changeOrderStatus(orderId: $o, statusId: $s, cancellationReason: \"x\") { id } }",
            json!({"o": id, "s": find("Shipped")}),
        )
        .await;
    assert_eq!(wrong_reason["errors"][0]["extensions"]["code"], "BAD_INPUT");

    let d = app
        .data(
            "mutation($o: ID!) { setTrackingNumber(orderId: $o, trackingNumber: \" 20450000000001 \") { trackingNumber } }",
            json!({"o": id}),
        )
        .await;
    assert_eq!(d["setTrackingNumber"]["trackingNumber"], "20450000000001");

    // upsell only for items added on the platform after import
    let items = app
        .data(
            "query($o: ID!) { order(id: $o) { items { id upsellCapable } } }",
            json!({"o": id}),
        )
        .await;
    let item = items["order"]["items"][0]["id"].clone();
    assert_eq!(items["order"]["items"][0]["upsellCapable"], false);
    let refused = app
        .gql(
            "mutation($i: ID!) { setItemUpsell(itemId: $i, upsell: true) { upsell } }",
            json!({"i": item}),
        )
        .await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "BAD_INPUT");
    assert_eq!(refused["errors"][0]["extensions"]["field"], "itemId");

    let d = app
        .data(
            "mutation($o: ID!) { writeOffOrder(orderId: $o) { writtenOff items { writtenOff } } }",
            json!({"o": id}),
        )
        .await;
    assert_eq!(d["writeOffOrder"]["writtenOff"], true);
    assert!(d["writeOffOrder"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["writtenOff"] == true));
    let twice = app
        .gql(
            "mutation($o: ID!) { writeOffOrder(orderId: $o) { id } }",
            json!({"o": id}),
        )
        .await;
    assert_eq!(twice["errors"][0]["extensions"]["code"], "CONFLICT");

    let feed = app
        .data(
            "query($o: ID!) { order(id: $o) { events { kind message user { name } } } }",
            json!({"o": id}),
        )
        .await;
    let kinds: Vec<&str> = feed["order"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "imported",
            "delivery",
            "status_changed",
            "push_skipped",
            "tracking_number_set",
            "written_off"
        ]
    );
    // ST-4: the order says why its new status did not go to the platform
    assert_eq!(
        feed["order"]["events"][3]["message"],
        "Status not sent to Prom.ua: status rules are off for this source"
    );
    assert_eq!(
        feed["order"]["events"][2]["message"],
        "Status changed from New to Packing"
    );
    assert_eq!(feed["order"]["events"][2]["user"]["name"], "admin");
}

// covers: SYNC-1
#[tokio::test]
async fn an_item_added_by_a_resync_can_be_marked_as_upsell() {
    let app = spawn_app().await;
    let src = app.create_source("Rozetka", "ROZETKA", json!({})).await;
    let id = app
        .import(src, sample_order("9", at(1), "Олена", "0501234567"))
        .await;
    let added = ImportedItem {
        external_id: Some("9-3".into()),
        name: "Чохол".into(),
        sku: Some("CASE".into()),
        code: None,
        quantity: dec("1"),
        price: dec("99"),
        ..Default::default()
    };
    let item_id = app
        .app_store
        .add_item_from_platform(orderhub::domain::OrderId(id), &added)
        .await
        .unwrap();
    let d = app
        .data(
            "mutation($i: ID!) { setItemUpsell(itemId: $i, upsell: true) { upsell upsellCapable } }",
            json!({"i": item_id.to_string()}),
        )
        .await;
    assert_eq!(
        d["setItemUpsell"],
        json!({"upsell": true, "upsellCapable": true})
    );
}

// covers: PRD-1, PRD-2 — new goods become products with their category path; a second order of
// the same SKU reuses the product
#[tokio::test]
async fn goods_become_products_with_categories_once() {
    let app = spawn_app().await;
    let src = app.create_source("Rozetka", "ROZETKA", json!({})).await;
    let mut first = sample_order("1", at(2), "Олена", "0501111111");
    first.items[0].category = vec![
        "Побутова техніка".into(),
        "Техніка для кухні".into(),
        "Чайники".into(),
    ];
    first.items[1].category = vec!["Побутова техніка".into(), "Фільтри".into()];
    app.import(src, first).await;
    let mut second = sample_order("2", at(1), "Тарас", "0502222222");
    second.items[0].name = "Чайник (інша назва в іншому магазині)".into();
    app.import(src, second).await;
    let d = app
        .data(
            "{ products { edges { node { name sku unit category } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        Value::Array(nodes(&d["products"])),
        json!([
            {"name": "Фільтр для води", "sku": "FLT-2", "unit": "piece", "category": ["Побутова техніка", "Фільтри"]},
            {"name": "Чайник електричний", "sku": "KET-1", "unit": "piece", "category": ["Побутова техніка", "Техніка для кухні", "Чайники"]}
        ])
    );
}

// covers: CUS-1, CUS-3, API-1, API-3 — one page of new orders: each new buyer is created once (matched
// within the page by phone, else e-mail, as against the stored ones), a stored buyer is reused,
// buyers with neither phone nor e-mail are kept apart, hidden buyers are "Unspecified"
#[tokio::test]
async fn a_page_of_new_orders_creates_each_new_buyer_once() {
    use orderhub::domain::orders::ImportedCustomer;
    use orderhub::domain::phone::Phone;
    let app = spawn_app().await;
    let src = app.create_source("Prom", "PROM", json!({})).await;
    let stored = app
        .import(src, sample_order("1", at(1), "Олена", "380501234567"))
        .await;
    let buyer = |first: &str, phone: Option<&str>, email: Option<&str>| ImportedCustomer {
        first_name: Some(first.to_string()),
        last_name: None,
        phone: phone.and_then(Phone::parse),
        email: email.map(str::to_string),
        address: None,
        unspecified: false,
    };
    let hidden = ImportedCustomer {
        unspecified: true,
        ..Default::default()
    };
    let page: Vec<_> = [
        ("2", Some(buyer("Олена", Some("+38 050 123 45 67"), None))), // the stored buyer
        (
            "3",
            Some(buyer(
                "Ірина",
                Some("0671112233"),
                Some("iryna@example.com"),
            )),
        ),
        ("4", Some(buyer("Ірина", Some("067 111 22 33"), None))), // 3's phone
        ("5", Some(buyer("Ira", None, Some("iryna@example.com")))), // 3's e-mail
        ("6", Some(buyer("Петро", None, Some("petro@example.com")))),
        ("7", Some(buyer("Анна", None, None))),
        ("8", Some(buyer("Марта", None, None))),
        ("9", Some(hidden.clone())),
        ("10", None),
    ]
    .into_iter()
    .map(|(id, c)| {
        let mut o = sample_order(id, at(2), "x", "0500000000");
        o.customer = c;
        o
    })
    .collect();
    let counts = app
        .app_store
        .apply_orders_with(src, &page, orderhub::store::orders::Actor::System, false)
        .await
        .unwrap();
    assert_eq!(counts.created, 9);

    let d = app
        .data(
            "{ orders(first: 20) { edges { node { externalId customer { id firstName phone email } } } } }",
            json!({}),
        )
        .await;
    let customer: std::collections::HashMap<String, Value> = d["orders"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["externalId"].as_str().unwrap().to_string(),
                e["node"]["customer"].clone(),
            )
        })
        .collect();
    let id = |ext: &str| customer[ext]["id"].clone();
    let stored_customer = app
        .data(
            "query($id: ID!) { order(id: $id) { customer { id } } }",
            json!({"id": stored.to_string()}),
        )
        .await["order"]["customer"]["id"]
        .clone();
    assert_eq!(id("2"), stored_customer, "a stored buyer is reused");
    assert_eq!(id("3"), id("4"), "same phone within the page");
    assert_eq!(id("3"), id("5"), "same e-mail within the page");
    assert_eq!(customer["3"]["email"], "iryna@example.com");
    assert_eq!(customer["3"]["phone"], "+380671112233");
    let distinct: std::collections::BTreeSet<String> = ["2", "3", "6", "7", "8", "9"]
        .iter()
        .map(|e| id(e).as_str().unwrap().to_string())
        .collect();
    assert_eq!(distinct.len(), 6, "{customer:?}");
    assert_eq!(customer["7"]["firstName"], "Анна");
    assert_eq!(customer["8"]["firstName"], "Марта");
    assert_eq!(customer["9"]["firstName"], "Unspecified");
    assert!(customer["10"].is_null());

    // API-1, API-3: the customer list, paged, searched, each with its orders; a user granted one
    // source sees that source's buyers only
    let other = app.create_source("Rozetka", "ROZETKA", json!({})).await;
    app.import(other, sample_order("r1", at(3), "Богдан", "0931234567"))
        .await;
    let (_, only_prom) = app.create_user("Prom only", &[src]).await;
    let list = |token: Option<&str>, vars: Value| {
        let app = &app;
        let token = token.map(str::to_string);
        async move {
            app.gql_as(
                token.as_deref(),
                "query($s: String, $f: Int, $a: String) { customers(search: $s, first: $f, after: $a) {
                    totalCount edges { cursor node { id firstName orders { edges { node { externalId } } } } }
                    pageInfo { hasNextPage endCursor } } }",
                vars,
            )
            .await["data"]["customers"]
                .clone()
        }
    };
    assert_eq!(list(None, json!({})).await["totalCount"], Value::Null);
    assert_eq!(list(Some(ADMIN_TOKEN), json!({})).await["totalCount"], 7);
    let mine = list(Some(&only_prom), json!({})).await;
    assert_eq!(mine["totalCount"], 6, "{mine}");
    assert!(mine["edges"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["node"]["firstName"] != "Богдан"));
    let first = list(Some(&only_prom), json!({"f": 4})).await;
    assert_eq!(first["edges"].as_array().unwrap().len(), 4);
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    let rest = list(
        Some(&only_prom),
        json!({"f": 4, "a": first["pageInfo"]["endCursor"]}),
    )
    .await;
    assert_eq!(rest["edges"].as_array().unwrap().len(), 2);
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);
    for search in ["iryna@", "067 111 22", "+380671112233", "ІРИНА"] {
        let found = list(Some(&only_prom), json!({"s": search})).await;
        assert_eq!(found["totalCount"], 1, "{search}: {found}");
        let orders = nodes(&found["edges"][0]["node"]["orders"]);
        let mut orders: Vec<&str> = orders
            .iter()
            .map(|o| o["externalId"].as_str().unwrap())
            .collect();
        orders.sort();
        assert_eq!(orders, ["3", "4", "5"], "{search}");
    }
    let bohdan =
        list(Some(ADMIN_TOKEN), json!({"s": "0931234567"})).await["edges"][0]["node"]["id"].clone();
    let q = "query($id: ID!) { customer(id: $id) { firstName } }";
    assert_eq!(
        app.gql_as(Some(ADMIN_TOKEN), q, json!({"id": bohdan}))
            .await["data"]["customer"]["firstName"],
        "Богдан"
    );
    assert_eq!(
        app.gql_as(Some(&only_prom), q, json!({"id": bohdan})).await["data"]["customer"],
        Value::Null,
        "another source's buyer is not visible"
    );
}

// covers: API-1, API-2, API-3
/// The planned page (`orders` reads the relations with the page, as JSON the database builds) shows
/// every field of the customer, source, status and items exactly as the order read alone does
/// (DataLoaders): text, decimals, booleans set both ways, JSON settings, timestamps, nulls; for an
/// admin and for a user of some sources.
#[tokio::test]
async fn the_planned_page_shows_every_relation_field_as_the_order_alone_does() {
    let app = spawn_app().await;
    let roz = app
        .create_source(
            "Rozetka «Дім»",
            "ROZETKA",
            json!({"sendTracking": true, "storeCommission": true, "language": "UK"}),
        )
        .await;
    let prom = app.create_source("Prom", "PROM", json!({})).await;
    app.data(
        "mutation($id: ID!, $s: JSON!) { updateSource(id: $id, input: {settings: $s}) { id } }",
        json!({"id": prom.to_string(), "s": {"page_size": 50}}),
    )
    .await;
    let mut ids = vec![];
    for i in 0..8 {
        let src = if i % 2 == 0 { roz } else { prom };
        let mut order = sample_order(&format!("p{i}"), at(i), "Ірина", "0671112233");
        if i == 3 {
            order.customer = None;
        }
        if i == 5 {
            order.items.clear();
        }
        if i == 6 {
            order.items[0].sku = None;
            order.items[0].price = dec("0.0001");
            order.items[1].quantity = dec("12345");
        }
        ids.push(app.import(src, order).await.to_string());
    }
    // booleans both ways: an item a re-sync added, marked upsell, and a written-off order's items
    let added = ImportedItem {
        external_id: Some("p0-3".into()),
        name: "Чохол".into(),
        sku: Some("CASE".into()),
        quantity: dec("1"),
        price: dec("99"),
        ..Default::default()
    };
    let item = app
        .app_store
        .add_item_from_platform(orderhub::domain::OrderId(ids[0].parse().unwrap()), &added)
        .await
        .unwrap();
    app.data(
        "mutation($i: ID!) { setItemUpsell(itemId: $i, upsell: true) { id } }",
        json!({"i": item.to_string()}),
    )
    .await;
    app.data(
        "mutation($o: ID!) { writeOffOrder(orderId: $o) { id } }",
        json!({"o": ids[2]}),
    )
    .await;

    let node = "id number total currency sourceStatus \
        customer { id firstName lastName phone email address unspecified } \
        source { id name settings platform enabled currency language baseUrl needsReauth lastError \
          lastSyncAt sendTracking trackingStatusIds storeCommission expenseType identifyProductsBy \
          statusRulesEnabled createdAt defaultStatus { id name } } \
        status { id name group position systemKey } \
        items { id name sku code quantity price upsell upsellCapable removedOnPlatform writtenOff productId }";
    let (_, user) = app.create_user("Rozetka only", &[roz]).await;
    for token in [ADMIN_TOKEN, user.as_str()] {
        let page = app
            .gql_as(
                Some(token),
                &format!("{{ orders(first: 50) {{ edges {{ node {{ {node} }} }} }} }}"),
                json!({}),
            )
            .await;
        assert!(page.get("errors").is_none(), "{page}");
        let edges = page["data"]["orders"]["edges"].as_array().unwrap();
        assert_eq!(edges.len(), if token == ADMIN_TOKEN { 8 } else { 4 });
        for e in edges {
            let id = e["node"]["id"].clone();
            let alone = app
                .gql_as(
                    Some(token),
                    &format!("query($o: ID!) {{ order(id: $o) {{ {node} }} }}"),
                    json!({"o": id}),
                )
                .await;
            assert_eq!(e["node"], alone["data"]["order"], "order {id}");
        }
        let upsell = edges
            .iter()
            .flat_map(|e| e["node"]["items"].as_array().unwrap())
            .filter(|i| i["upsell"] == true)
            .count();
        assert_eq!(upsell, 1, "{page}");
        let tiny = edges
            .iter()
            .flat_map(|e| e["node"]["items"].as_array().unwrap())
            .any(|i| i["price"] == "0.0001");
        assert!(tiny, "{page}");
    }

    // each field alone: the page reads only the columns of what it selects, so every field of
    // an order, its buyer and its items is asked for by itself and compared with the order read
    // alone (a field the page's plan maps to the wrong column shows here)
    let mut alone = std::collections::HashMap::new();
    let mut selections = vec![];
    for (ty, wrap) in [
        ("Order", "{}"),
        ("Customer", "customer { {} }"),
        ("OrderItem", "items { {} }"),
    ] {
        let t = app
            .data(
                "query($t: String!) { __type(name: $t) { fields { name \
                   args { name type { kind } defaultValue } \
                   type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }",
                json!({"t": ty}),
            )
            .await;
        for f in t["__type"]["fields"].as_array().unwrap() {
            let required_args = f["args"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["type"]["kind"] == "NON_NULL" && a["defaultValue"].is_null());
            if required_args {
                continue;
            }
            let mut t = &f["type"];
            while t["kind"] == "NON_NULL" || t["kind"] == "LIST" {
                t = &t["ofType"];
            }
            let name = f["name"].as_str().unwrap();
            let field = if t["kind"] == "OBJECT" {
                format!("{name} {{ __typename }}")
            } else {
                name.to_string()
            };
            selections.push(format!("id {}", wrap.replace("{}", &field)));
        }
    }
    // items with none of their columns shown: still one per item
    selections.push("id items { __typename }".into());
    assert!(selections.len() > 30, "{selections:?}");
    for id in &ids {
        let everything = selections.join(" ");
        let d = app
            .data(
                &format!("query($o: ID!) {{ order(id: $o) {{ {everything} }} }}"),
                json!({"o": id}),
            )
            .await;
        alone.insert(id.clone(), d["order"].clone());
    }
    for selection in &selections {
        let page = app
            .data(
                &format!("{{ orders(first: 50) {{ edges {{ node {{ {selection} }} }} }} }}"),
                json!({}),
            )
            .await;
        for e in page["orders"]["edges"].as_array().unwrap() {
            let node = &e["node"];
            let whole = &alone[node["id"].as_str().unwrap()];
            for (key, value) in node.as_object().unwrap() {
                let expected = match (&whole[key], value) {
                    // a nested object or list: compare the same keys
                    (Value::Object(w), Value::Object(v)) => {
                        Value::Object(v.keys().map(|k| (k.clone(), w[k].clone())).collect())
                    }
                    (Value::Array(w), Value::Array(v))
                        if v.first().is_some_and(Value::is_object) =>
                    {
                        let keys: Vec<String> = v[0].as_object().unwrap().keys().cloned().collect();
                        Value::Array(
                            w.iter()
                                .map(|x| {
                                    Value::Object(
                                        keys.iter().map(|k| (k.clone(), x[k].clone())).collect(),
                                    )
                                })
                                .collect(),
                        )
                    }
                    (w, _) => w.clone(),
                };
                assert_eq!(value, &expected, "`{selection}` of order {}", node["id"]);
            }
        }
    }
}

/// The `orderhub_graphql_walked_lists_total` series of `result`.
fn walked(app: &TestApp, result: &str) -> u64 {
    let series = format!("orderhub_graphql_walked_lists_total{{result=\"{result}\"}} ");
    app.metrics
        .render(None)
        .lines()
        .find_map(|l| l.strip_prefix(&series))
        .map_or(0, |n| n.trim().parse().unwrap())
}

// covers: API-1, API-2, API-3 (issue 20: the page resolved in one pass over its selection answers
// exactly as async-graphql's own resolution of the same fields, for an admin and a user of one
// source, with fragments, aliases, __typename, @include and totalCount)
#[tokio::test]
async fn the_walked_page_answers_as_async_graphql_does() {
    let app = spawn_app().await;
    let roz = app.create_source("Rozetka", "ROZETKA", json!({})).await;
    let prom = app.create_source("Prom", "PROM", json!({})).await;
    for i in 0..7 {
        let src = if i % 2 == 0 { roz } else { prom };
        let mut order = sample_order(&format!("w{i}"), at(i), "Ірина", &format!("067000000{i}"));
        if i == 2 {
            order.customer = None;
        }
        if i == 4 {
            order.items.clear();
        }
        order.source_status = Some(if i % 2 == 0 { "26" } else { "pending" }.into());
        app.import(src, order).await;
    }
    // an item whose text PostgreSQL must quote and escape in the page's array literal
    let nasty = ImportedItem {
        external_id: Some("w0-nasty".into()),
        name: "Сукня \"Літо\", {42} \\ NULL ".into(),
        sku: Some("NULL".into()),
        quantity: dec("2"),
        price: dec("10.5"),
        ..Default::default()
    };
    let first = app
        .data("{ orders(first: 1) { edges { node { id } } } }", json!({}))
        .await;
    let first: i64 = first["orders"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    app.app_store
        .add_item_from_platform(orderhub::domain::OrderId(first), &nasty)
        .await
        .unwrap();
    let (_, user) = app.create_user("Rozetka only", &[roz]).await;
    let page = |extra: &str| {
        format!(
            r#"query($items: Boolean!) {{ orders(first: 5) {{ totalCount edges {{ ...E }}
              pageInfo {{ hasNextPage endCursor }} }} }}
            fragment E on OrderEdge {{ __typename cursor node {{ __typename id n: number
              ... on Order {{ total currency }} ...O {extra}
              customer {{ __typename firstName last: lastName phone }}
              status {{ name group }} source {{ name platform baseUrl }}
              items @include(if: $items) {{ __typename name sku quantity price upsellCapable }} }} }}
            fragment O on Order {{ sourceStatus sourceStatusLabel platformCreatedAt writtenOff }}"#
        )
    };
    for token in [ADMIN_TOKEN, user.as_str()] {
        for items in [true, false] {
            let vars = json!({ "items": items });
            let (walked_before, given_up_before) =
                (walked(&app, "walked"), walked(&app, "given_up"));
            let fast = app.gql_as(Some(token), &page(""), vars.clone()).await;
            assert!(fast.get("errors").is_none(), "{fast}");
            assert_eq!(
                walked(&app, "walked"),
                walked_before + 1,
                "the page was not walked"
            );
            assert_eq!(walked(&app, "given_up"), given_up_before);

            // the order's events wait for a DataLoader: the walk gives the list to async-graphql
            let slow = app
                .gql_as(Some(token), &page("events { id }"), vars.clone())
                .await;
            assert!(slow.get("errors").is_none(), "{slow}");
            assert_eq!(walked(&app, "given_up"), given_up_before + 1);
            let mut slow = slow["data"].clone();
            for e in slow["orders"]["edges"].as_array_mut().unwrap() {
                e["node"].as_object_mut().unwrap().remove("events").unwrap();
            }
            assert_eq!(fast["data"], slow, "walked and resolved pages differ");
            let edges = fast["data"]["orders"]["edges"].as_array().unwrap();
            assert_eq!(edges.len(), 5.min(if token == ADMIN_TOKEN { 7 } else { 4 }));
            assert_eq!(
                fast["data"]["orders"]["totalCount"],
                if token == ADMIN_TOKEN { 7 } else { 4 }
            );
            assert_eq!(edges[0]["__typename"], "OrderEdge");
            assert_eq!(edges[0]["node"]["__typename"], "Order");
            assert_eq!(edges[0]["node"]["items"].is_array(), items);
            assert!(edges.iter().any(|e| e["node"]["customer"].is_null()));
            assert!(edges
                .iter()
                .any(|e| e["node"]["sourceStatusLabel"].is_string()));
            if items {
                let items = edges[0]["node"]["items"].as_array().unwrap();
                let item = items.last().unwrap();
                assert_eq!(item["name"], nasty.name.as_str(), "{item}");
                assert_eq!(item["sku"], "NULL");
                assert_eq!(item["price"], "10.50");
            }
        }
    }
}

// covers: API-2 (issue 20: totalCount comes with the page in its one statement, whatever the
// cursor; past the last order it is still the filter's count)
#[tokio::test]
async fn total_count_is_counted_in_the_page_statement() {
    let app = spawn_app().await;
    let roz = app.create_source("Rozetka", "ROZETKA", json!({})).await;
    for i in 0..12 {
        app.import(
            roz,
            sample_order(&format!("t{i}"), at(i), "Олег", "0501234567"),
        )
        .await;
    }
    let q =
        "query($after: String, $f: OrderFilter) { orders(first: 5, after: $after, filter: $f) { \
             totalCount edges { node { number } } pageInfo { endCursor } } }";
    let mut after = Value::Null;
    let mut pages = 0;
    loop {
        let (cheapest, answer) =
            cheapest_run(&app, ADMIN_TOKEN, q, json!({ "after": after })).await;
        let d = answer["data"].clone();
        assert_eq!(d["orders"]["totalCount"], 12, "{d}");
        let edges = d["orders"]["edges"].as_array().unwrap().len();
        if edges == 0 {
            break;
        }
        assert_eq!(
            cheapest, 1,
            "a page with totalCount cost {cheapest} statements"
        );
        pages += 1;
        after = d["orders"]["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(pages, 3);
    let none = app
        .data(q, json!({ "f": { "search": "nobody at all" } }))
        .await;
    assert_eq!(none["orders"]["totalCount"], 0);
}

// covers: API-1, API-2 (issue 17: the orders connection pages both ways; hasPreviousPage and
// hasNextPage are exact on both sides, in the page's one statement)
#[tokio::test]
async fn orders_page_backwards_with_last_and_before() {
    let app = spawn_app().await;
    let roz = app.create_source("Rozetka", "ROZETKA", json!({})).await;
    for i in 0..12 {
        app.import(
            roz,
            sample_order(&format!("b{i}"), at(i), "Олег", "0501234567"),
        )
        .await;
    }
    let q = "query($first: Int, $after: String, $last: Int, $before: String, $o: OrderSort) { \
             orders(first: $first, after: $after, last: $last, before: $before, orderBy: $o) { \
             edges { cursor node { number } } \
             pageInfo { hasPreviousPage hasNextPage startCursor endCursor } } }";
    let all = numbers(&app.data(q, json!({"first": 50})).await);
    assert_eq!(all.len(), 12);

    // backwards from the end, five at a time: the same orders in the same order
    let mut seen: Vec<String> = vec![];
    let mut before = Value::Null;
    let mut pages = vec![];
    loop {
        let vars = json!({"last": 5, "before": before});
        let (cheapest, answer) = cheapest_run(&app, ADMIN_TOKEN, q, vars).await;
        let d = answer["data"].clone();
        assert_eq!(cheapest, 1, "a backward page cost {cheapest} statements");
        let info = d["orders"]["pageInfo"].clone();
        let mut page = numbers(&d);
        pages.push((
            page.len(),
            info["hasPreviousPage"].clone(),
            info["hasNextPage"].clone(),
        ));
        page.extend(seen);
        seen = page;
        if info["hasPreviousPage"] == false {
            break;
        }
        before = info["startCursor"].clone();
    }
    assert_eq!(seen, all);
    assert_eq!(
        pages,
        vec![
            (5, json!(true), json!(false)),
            (5, json!(true), json!(true)),
            (2, json!(false), json!(true)),
        ]
    );

    // forwards after a cursor: orders precede it
    let first = app.data(q, json!({"first": 3})).await;
    assert_eq!(first["orders"]["pageInfo"]["hasPreviousPage"], false);
    let after = first["orders"]["pageInfo"]["endCursor"].clone();
    let next = app.data(q, json!({"first": 3, "after": after})).await;
    assert_eq!(next["orders"]["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(numbers(&next), all[3..6].to_vec());
    // between two cursors
    let before = next["orders"]["pageInfo"]["endCursor"].clone();
    let between = app
        .data(q, json!({"last": 10, "after": first["orders"]["pageInfo"]["endCursor"], "before": before}))
        .await;
    assert_eq!(numbers(&between), all[3..5].to_vec());
    // past the end: empty, and still exact
    let last = app.data(q, json!({"first": 50})).await["orders"]["pageInfo"]["endCursor"].clone();
    let past = app.data(q, json!({"first": 5, "after": last})).await;
    assert_eq!(numbers(&past).len(), 0);
    assert_eq!(past["orders"]["pageInfo"]["hasPreviousPage"], true);
    // by total, ascending, backwards: the reverse sort's orders
    let by_total = json!({"field": "TOTAL", "direction": "ASC"});
    let asc = numbers(&app.data(q, json!({"first": 50, "o": by_total})).await);
    let tail = numbers(&app.data(q, json!({"last": 4, "o": by_total})).await);
    assert_eq!(tail, asc[8..].to_vec());

    // refusals: both sizes, a cursor of another orderBy, a garbled one
    for (vars, field) in [
        (json!({"first": 2, "last": 2}), "last"),
        (
            json!({"last": 2, "before": all_cursor(&app, q).await, "o": by_total}),
            "before",
        ),
        (json!({"last": 2, "before": "garbled"}), "before"),
    ] {
        let e = app.gql(q, vars).await;
        assert_eq!(e["errors"][0]["extensions"]["code"], "BAD_INPUT", "{e}");
        assert_eq!(e["errors"][0]["extensions"]["field"], field, "{e}");
    }
}

/// A cursor of the default order.
async fn all_cursor(app: &TestApp, q: &str) -> Value {
    app.data(q, json!({"first": 1})).await["orders"]["pageInfo"]["endCursor"].clone()
}
