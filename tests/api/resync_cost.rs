//! Re-syncs that cost what changed (issue 15), end to end over real HTTP against the simulators,
//! on SQLite and PostgreSQL: a poll reads the details of the orders that changed on the platform,
//! not of every open order, and each change still arrives. The simulators count every request by
//! path (`GET /_sim/faults`).
// covers: SYNC-1, SYNC-2, SYNC-3, ST-2, TRK-4

use crate::helpers::*;
use crate::sims::*;
use orderhub::domain::{Platform, SourceId};
use serde_json::{json, Value};

/// Requests the simulator answered so far whose `METHOD /path` starts with `prefix`.
async fn requests_to(sim: &SimUnderTest, prefix: &str) -> u64 {
    let stats = sim
        .control(reqwest::Method::GET, "/_sim/faults", json!({}))
        .await;
    stats["paths"]
        .as_object()
        .expect("the simulator counts requests by path")
        .iter()
        .filter(|(k, _)| k.starts_with(prefix))
        .map(|(_, n)| n.as_u64().unwrap())
        .sum()
}

async fn source_on(app: &TestApp, sim: &SimUnderTest, settings: Value) -> (String, SourceId) {
    let created = app
        .gql(
            "mutation($i: CreateSourceInput!) { createSource(input: $i) { id } }",
            json!({"i": {"name": format!("{} re-sync", sim.platform), "platform": sim.platform.as_str().to_uppercase(),
                "currency": "UAH", "baseUrl": sim.source_url, "credentials": sim.credentials,
                "settings": settings}}),
        )
        .await;
    let source = created["data"]["createSource"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_string();
    let run = wait_for_run(app, &source, "backfill").await;
    assert_eq!(run["state"], "succeeded", "{run}");
    let id: SourceId = source.parse().unwrap();
    lease_free(app, id).await;
    (source, id)
}

async fn order_state(app: &TestApp, source: &str, external_id: &str) -> Value {
    let d = app
        .data(
            "query($s: ID!) { orders(filter: {sourceId: $s}, first: 200) { edges { node { externalId sourceStatus status { group } trackingNumber items { sku quantity } } } } }",
            json!({"s": source}),
        )
        .await;
    d["orders"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .find(|n| n["externalId"] == external_id)
        .unwrap_or_else(|| panic!("no order {external_id}"))
}

// covers: SYNC-1, SYNC-2, ST-2, TRK-4
#[tokio::test]
async fn epicentr_resync_of_100_open_orders_with_3_changed_reads_3_details() {
    let app = spawn_app().await;
    let sim = start(Platform::Epicentr);
    let mut ids = Vec::new();
    for i in 0..100u64 {
        // open orders of the last days, created long before any poll's `since`
        let o = sim
            .control(
                reqwest::Method::POST,
                "/_sim/orders",
                json!({"buyer": i, "items": [{"product": i % 5, "quantity": 1}],
                    "status": (["new", "confirmed_by_merchant", "confirmed"][(i % 3) as usize]),
                    "provider": "nova_poshta", "created_secs_ago": 86_400 + i * 60}),
            )
            .await;
        ids.push(o["order"]["id"].as_str().unwrap().to_string());
    }
    let (source, source_id) = source_on(&app, &sim, json!({"min_interval_ms": 0})).await;

    // nothing changed since the backfill: the poll lists, and reads no detail
    let details = requests_to(&sim, "GET /v5/oms/orders/").await;
    poll_succeeds(&app, source_id).await;
    assert_eq!(requests_to(&sim, "GET /v5/oms/orders/").await, details);

    // three orders change on the platform: a status, a line, a tracking number
    let (a, b, c) = (&ids[5], &ids[50], &ids[95]);
    assert!(["confirmed_by_merchant", "confirmed", "new"].contains(
        &order_state(&app, &source, a).await["sourceStatus"]
            .as_str()
            .unwrap()
    ));
    sim.control(
        reqwest::Method::PATCH,
        &format!("/_sim/orders/{a}"),
        json!({"cancel": true}),
    )
    .await;
    sim.control(
        reqwest::Method::PATCH,
        &format!("/_sim/orders/{b}"),
        json!({"add_item": {"product": 8, "quantity": 2}}),
    )
    .await;
    sim.control(
        reqwest::Method::PATCH,
        &format!("/_sim/orders/{c}"),
        json!({"status": "sent", "tracking_number": "20450000000095"}),
    )
    .await;

    let details = requests_to(&sim, "GET /v5/oms/orders/").await;
    let run = poll_succeeds(&app, source_id).await;
    assert_eq!(
        requests_to(&sim, "GET /v5/oms/orders/").await - details,
        3,
        "exactly the three changed orders' details"
    );
    assert_eq!(run.orders_seen, 3);
    assert_eq!(run.orders_updated, 3);

    // and each change arrived
    let oa = order_state(&app, &source, a).await;
    assert_eq!(oa["status"]["group"], "CANCELLED", "{oa}");
    assert_eq!(oa["sourceStatus"], "canceled");
    let ob = order_state(&app, &source, b).await;
    assert_eq!(ob["items"].as_array().unwrap().len(), 2, "{ob}");
    let oc = order_state(&app, &source, c).await;
    assert_eq!(oc["sourceStatus"], "sent", "{oc}");
    assert_eq!(oc["trackingNumber"], "20450000000095");

    // the next poll reaches back the engine's overlap (15 minutes) before the last start: the
    // same three are read again (a change made while a run was reading is never lost), and
    // nothing is updated twice
    let details = requests_to(&sim, "GET /v5/oms/orders/").await;
    let run = poll_succeeds(&app, source_id).await;
    assert_eq!(requests_to(&sim, "GET /v5/oms/orders/").await - details, 3);
    assert_eq!(run.orders_updated, 0);
}

// covers: SYNC-1, SYNC-2, ST-2
#[tokio::test]
async fn cartum_resync_reads_the_hot_days_and_spreads_the_older_ones() {
    let app = spawn_app().await;
    let sim = start(Platform::Cartum);
    // 100 open orders: 10 of the last hours, 90 spread over the 50 days before
    let mut recent = Vec::new();
    let mut older = Vec::new();
    for i in 0..100u64 {
        let minutes_ago = if i < 10 {
            120 + i * 5
        } else {
            (4 * 24 * 60) + (i - 10) * 13 * 60
        };
        let o = sim
            .control(
                reqwest::Method::POST,
                "/_sim/orders",
                json!({"buyer": i, "items": [{"product": i % 5, "quantity": 1}],
                    "status": ([1, 2, 6][(i % 3) as usize]), "minutes_ago": minutes_ago}),
            )
            .await;
        let id = o["order_id"].to_string();
        if i < 10 {
            recent.push(id);
        } else {
            older.push(id);
        }
    }
    let (source, source_id) = source_on(&app, &sim, json!({"min_interval_ms": 0})).await;

    // a poll right after the backfill (its span: the engine's 15-minute overlap) reads the hot
    // days and only the older days whose turn falls in those minutes, not all 100 orders
    let calls = requests_to(&sim, "POST /api/orders/get/").await;
    let run = poll_succeeds(&app, source_id).await;
    let reads = requests_to(&sim, "POST /api/orders/get/").await - calls;
    assert!(
        (1..=4).contains(&reads),
        "the hot days and at most three ranges of older days: {reads}"
    );
    assert!(
        run.orders_seen >= 10 && run.orders_seen < 60,
        "the hot days' 10 orders and a share of the older 90: {}",
        run.orders_seen
    );

    // a change to a recent order arrives with the next poll
    let a = &recent[3];
    sim.control(
        reqwest::Method::PATCH,
        &format!("/_sim/orders/{a}"),
        json!({"cancel": true}),
    )
    .await;
    poll_succeeds(&app, source_id).await;
    let oa = order_state(&app, &source, a).await;
    assert_eq!(oa["status"]["group"], "CANCELLED", "{oa}");

    // a change to an older order arrives when its day's turn comes: a poll whose span reaches
    // back a whole period (here: the source asks for every run) reads the whole window
    let b = &older[40];
    sim.control(
        reqwest::Method::PATCH,
        &format!("/_sim/orders/{b}"),
        json!({"status": 6, "tracking_number": "20450000000040"}),
    )
    .await;
    let updated = app
        .gql(
            "mutation($s: ID!, $i: UpdateSourceInput!) { updateSource(id: $s, input: $i) { id } }",
            json!({"s": source, "i": {"settings": {"min_interval_ms": 0, "spread_minutes": 0}}}),
        )
        .await;
    assert!(updated.get("errors").is_none(), "{updated}");
    let run = poll_succeeds(&app, source_id).await;
    assert_eq!(run.orders_seen, 100);
    let ob = order_state(&app, &source, b).await;
    assert_eq!(ob["sourceStatus"], "6", "{ob}");
    assert_eq!(ob["trackingNumber"], "20450000000040");
}

/// Rozetka and Prom filter their list by change time: a poll after 3 of 100 orders changed costs
/// one list request and reads those 3, and the changes arrive.
async fn filtered_resync(platform: Platform, list_path: &str, status: Value) {
    let app = spawn_app().await;
    let sim = start(platform);
    let mut ids = Vec::new();
    for i in 0..100u64 {
        let o = sim
            .control(
                reqwest::Method::POST,
                "/_sim/orders",
                json!({"buyer": i, "items": [{"product": i % 5, "quantity": 1}],
                    "status": status, "minutes_ago": 24 * 60 + i}),
            )
            .await;
        let id = if o["id"].is_null() {
            o["order"]["id"].clone()
        } else {
            o["id"].clone()
        };
        ids.push(id.to_string());
    }
    let (source, source_id) = source_on(&app, &sim, json!({"min_interval_ms": 0})).await;

    let calls = requests_to(&sim, list_path).await;
    let run = poll_succeeds(&app, source_id).await;
    assert_eq!(run.orders_seen, 0, "{platform}: nothing changed");
    assert_eq!(requests_to(&sim, list_path).await - calls, 1, "{platform}");

    let (a, b) = (&ids[7], &ids[70]);
    sim.control(
        reqwest::Method::PATCH,
        &format!("/_sim/orders/{a}"),
        json!({"cancel": true}),
    )
    .await;
    sim.control(
        reqwest::Method::PATCH,
        &format!("/_sim/orders/{b}"),
        json!({"add_item": {"product": 8, "quantity": 1}}),
    )
    .await;
    sim.control(
        reqwest::Method::PATCH,
        &format!("/_sim/orders/{}", ids[99]),
        json!({"add_item": {"product": 9, "quantity": 1}}),
    )
    .await;
    let calls = requests_to(&sim, list_path).await;
    let requests = requests_to(&sim, "").await;
    let run = poll_succeeds(&app, source_id).await;
    assert_eq!(run.orders_seen, 3, "{platform}");
    assert_eq!(run.orders_updated, 3, "{platform}");
    assert_eq!(requests_to(&sim, list_path).await - calls, 1, "{platform}");
    assert_eq!(
        requests_to(&sim, "").await - requests,
        1,
        "{platform}: one request in all"
    );
    let oa = order_state(&app, &source, a).await;
    assert_eq!(oa["status"]["group"], "CANCELLED", "{platform}: {oa}");
    let ob = order_state(&app, &source, b).await;
    assert_eq!(ob["items"].as_array().unwrap().len(), 2, "{platform}: {ob}");
}

// covers: SYNC-1, SYNC-2, ST-2
#[tokio::test]
async fn rozetka_resync_reads_one_page_of_the_changed_orders() {
    filtered_resync(Platform::Rozetka, "GET /orders/search", json!(1)).await;
}

// covers: SYNC-1, SYNC-2, ST-2
#[tokio::test]
async fn prom_resync_reads_one_page_of_the_changed_orders() {
    filtered_resync(Platform::Prom, "GET /api/v1/orders/list", json!("pending")).await;
}
