//! Shopify and WooCommerce end to end against their simulators: createSource authorizes, subscribes
//! the webhooks and backfills by REST; orders created on the platform arrive by signed webhook;
//! a dropped subscription is re-created and the gap is read back by the reconciliation.
// covers: SRC-2, IMP-1, IMP-2, IMP-6, WH-1, WH-2, WH-6, ST-7

use crate::helpers::*;
use serde_json::{json, Value};
use std::time::Duration;

async fn control(base: &str, method: reqwest::Method, path: &str, body: Value) -> Value {
    let r = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{path}: {}", r.status());
    r.json().await.unwrap_or(Value::Null)
}

async fn order_count(app: &TestApp, source: &str) -> u64 {
    app.data(
        "query($s: ID!) { orders(filter: {sourceId: $s}) { totalCount } }",
        json!({"s": source}),
    )
    .await["orders"]["totalCount"]
        .as_u64()
        .unwrap()
}

async fn wait_for_count(app: &TestApp, source: &str, want: u64) {
    for _ in 0..100 {
        if order_count(app, source).await == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "expected {want} orders, have {}",
        order_count(app, source).await
    );
}

async fn backfill_done(app: &TestApp, source: &str) -> Value {
    for _ in 0..100 {
        let d = app.data("query($s: ID!) { syncRuns(sourceId: $s) { kind state ordersCreated ordersSkipped note error } }", json!({"s": source})).await;
        if let Some(r) = d["syncRuns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["kind"] == "backfill" && r["state"] != "running")
        {
            return r.clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("backfill did not finish");
}

#[tokio::test]
async fn shopify_backfill_live_webhooks_and_self_healing() {
    let app = spawn_app().await;
    let (src, sim) = webhook_source(&app, "SHOPIFY", "UAH").await;
    let ShopSim::Shopify(sim) = sim else {
        unreachable!()
    };
    let source = src.to_string();
    let run = backfill_done(&app, &source).await;
    assert_eq!(run["state"], "succeeded", "{run}");
    // the subscriptions orderhub made point at its own webhook route
    let subs = sim.state.subscriptions();
    assert!(
        subs.iter().any(|s| s.webhook.topic == "orders/create"
            && s.webhook
                .address
                .ends_with(&format!("/webhooks/shopify/{source}"))),
        "{subs:?}"
    );

    // a checkout on the platform arrives by signed webhook within seconds (IMP-2)
    let before = order_count(&app, &source).await;
    control(
        &sim.base_url(),
        reqwest::Method::POST,
        "/_sim/orders",
        json!({"buyer": 3, "items": [{"product": 1, "quantity": 1}], "status": "paid"}),
    )
    .await;
    wait_for_count(&app, &source, before + 1).await;
    let d = app
        .data(
            "query($s: ID!) { webhookDeliveries(sourceId: $s) { topic state } }",
            json!({"s": source}),
        )
        .await;
    assert!(
        d["webhookDeliveries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["state"] == "done"),
        "{d}"
    );

    // Shopify drops the subscriptions (as after 8 failed deliveries); an order placed meanwhile
    // sends nothing; the self-healing check re-subscribes and the reconciliation reads it back
    for s in sim.state.subscriptions() {
        let client = reqwest::Client::new();
        let url = format!(
            "{}/admin/api/2025-07/webhooks/{}.json",
            sim.base_url(),
            s.webhook.id
        );
        let r = client
            .delete(url)
            .header("X-Shopify-Access-Token", "shpat_sim_0123456789abcdef")
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }
    assert!(sim.state.subscriptions().is_empty());
    control(
        &sim.base_url(),
        reqwest::Method::POST,
        "/_sim/orders",
        json!({"buyer": 4, "items": [{"product": 2, "quantity": 1}], "status": "paid"}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        order_count(&app, &source).await,
        before + 1,
        "no webhook for the missed order"
    );
    assert!(
        app.engine.ensure_webhooks(src).await,
        "subscriptions re-created"
    );
    assert!(!sim.state.subscriptions().is_empty());
    let run = app
        .engine
        .run(src, orderhub::sync::RunKind::Poll)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(run.state, "succeeded", "{:?}", run.error);
    assert_eq!(
        order_count(&app, &source).await,
        before + 2,
        "the reconciliation repaired the gap"
    );
    let events = app
        .data(
            "query($s: ID!) { source(id: $s) { events { kind message } } }",
            json!({"s": source}),
        )
        .await;
    assert!(
        events["source"]["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "webhooks_subscribed"),
        "{events}"
    );
}

#[tokio::test]
async fn woocommerce_backfill_exclusions_skips_and_live_webhooks() {
    let app = spawn_app().await;
    use orderhub::platforms::woocommerce;
    // the simulator's queue delay (5 s by default, as WP-Cron) shortened for the test
    let options = woocommerce::sim::SimOptions {
        queue_delay: Duration::from_millis(50),
        ..Default::default()
    };
    let sim = woocommerce::sim::start(0, options).unwrap();
    // history: a mix of statuses, some final (IMP-1 leaves those out) and one without items (IMP-6)
    control(
        &sim.shop_url(),
        reqwest::Method::POST,
        "/_sim/seed",
        json!({"count": 40, "days": 50}),
    )
    .await;
    let empty = control(
        &sim.shop_url(),
        reqwest::Method::POST,
        "/_sim/orders",
        json!({"buyer": 9, "items": [{"product": 1, "quantity": 1}], "minutes_ago": 30}),
    )
    .await;
    let id = empty["id"].as_u64().unwrap();
    let stored = control(
        &sim.shop_url(),
        reqwest::Method::GET,
        &format!("/_sim/orders/{id}"),
        json!({}),
    )
    .await;
    let line = stored["order"]["line_items"][0]["id"]
        .as_u64()
        .unwrap_or_else(|| panic!("{stored}"));
    control(
        &sim.shop_url(),
        reqwest::Method::PATCH,
        &format!("/_sim/orders/{id}"),
        json!({"remove_line": line}),
    )
    .await;
    let d = app
        .data(
            "mutation($i: CreateSourceInput!) { createSource(input: $i) { id } }",
            json!({"i": {"name": "Woo", "platform": "WOOCOMMERCE", "currency": "UAH", "baseUrl": sim.shop_url(),
                "credentials": {"consumerKey": "ck_sim0000000000000000000000000000000000000",
                    "consumerSecret": "cs_sim0000000000000000000000000000000000000", "webhookSecret": "wc-demo-webhook-secret"}}}),
        )
        .await;
    let source = d["createSource"]["id"].as_str().unwrap().to_string();
    let run = backfill_done(&app, &source).await;
    assert_eq!(run["state"], "succeeded", "{run}");
    assert!(
        run["ordersSkipped"].as_u64().unwrap() >= 1,
        "IMP-6 skip counted: {run}"
    );
    let events = app
        .data(
            "query($s: ID!) { source(id: $s) { events { kind message } } }",
            json!({"s": source}),
        )
        .await;
    assert!(
        events["source"]["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "order_skipped"
                && e["message"].as_str().unwrap().contains("no items")),
        "{events}"
    );
    let statuses = app
        .data("query($s: ID!) { orders(filter: {sourceId: $s}, first: 200) { edges { node { sourceStatus status { group } } } } }", json!({"s": source}))
        .await;
    let edges = statuses["orders"]["edges"].as_array().unwrap();
    assert!(!edges.is_empty());
    for e in edges {
        let s = e["node"]["sourceStatus"].as_str().unwrap_or("");
        assert!(
            !["completed", "cancelled", "refunded", "failed", "trash"].contains(&s),
            "IMP-1 excluded {s}"
        );
        assert_eq!(e["node"]["status"]["group"], "NEW", "IMP-7");
    }
    // a new order arrives by signed webhook
    let before = order_count(&app, &source).await;
    control(
        &sim.shop_url(),
        reqwest::Method::POST,
        "/_sim/orders",
        json!({"buyer": 2, "items": [{"product": 0, "quantity": 1}]}),
    )
    .await;
    wait_for_count(&app, &source, before + 1).await;
}
