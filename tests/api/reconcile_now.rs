//! `syncSource` on a Shopify or WooCommerce source runs the reconciliation (WH-6) at once:
//! subscriptions checked and re-created, orders updated since the last run re-read by REST, under
//! the same 10-minute rule as every manual source sync (issue 19).
// covers: WH-6, SYNC-4

use crate::helpers::*;
use serde_json::{json, Value};

const SYNC_SOURCE: &str =
    "mutation($s: ID!) { syncSource(sourceId: $s) { kind state ordersSeen ordersCreated error } }";

async fn order_count(app: &TestApp, source: &str) -> u64 {
    app.data(
        "query($s: ID!) { orders(filter: {sourceId: $s}) { totalCount } }",
        json!({"s": source}),
    )
    .await["orders"]["totalCount"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn shopify_sync_source_resubscribes_and_reads_the_gap_now() {
    use orderhub::platforms::shopify;
    let app = spawn_app().await;
    let sim = shopify::sim::start(0, Default::default()).unwrap();
    let src = shopify_source(&app, "UAH", &sim).await;
    let source = src.to_string();
    backfill_done(&app, &source).await;
    lease_free(&app, src).await;
    assert!(
        !sim.state.subscriptions().is_empty(),
        "subscribed on create"
    );
    let before = order_count(&app, &source).await;

    // Shopify drops every subscription (as after repeated failed deliveries); an order placed
    // meanwhile sends nothing
    for s in sim.state.subscriptions() {
        let r = reqwest::Client::new()
            .delete(format!(
                "{}/admin/api/2025-07/webhooks/{}.json",
                sim.base_url(),
                s.webhook.id
            ))
            .header("X-Shopify-Access-Token", "shpat_sim_0123456789abcdef")
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }
    sim_control(
        &sim.base_url(),
        reqwest::Method::POST,
        "/_sim/orders",
        json!({"buyer": 4, "items": [{"product": 2, "quantity": 1}], "status": "paid"}),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(order_count(&app, &source).await, before, "no webhook came");

    // asked by hand, not in an hour: subscriptions back and the missed order read by REST
    let r = app.gql(SYNC_SOURCE, json!({"s": source})).await;
    assert!(r.get("errors").is_none(), "not CONFLICT any more: {r}");
    let run = &r["data"]["syncSource"];
    assert_eq!(run["kind"], "manual_source", "{run}");
    assert_eq!(run["state"], "succeeded", "{run}");
    assert_eq!(run["ordersCreated"], 1, "{run}");
    assert!(
        !sim.state.subscriptions().is_empty(),
        "subscriptions re-created"
    );
    assert_eq!(order_count(&app, &source).await, before + 1);
    let events = app
        .data(
            "query($s: ID!) { source(id: $s) { events(first: 50) { edges { node { kind message } } } } }",
            json!({"s": source}),
        )
        .await;
    let subscribed = nodes(&events["source"]["events"])
        .iter()
        .filter(|e| e["kind"] == "webhooks_subscribed")
        .count();
    assert_eq!(subscribed, 2, "on create and now: {events}");

    // the 10-minute rule of manual source syncs holds here too
    let again = app.gql(SYNC_SOURCE, json!({"s": source})).await;
    assert_eq!(
        again["errors"][0]["extensions"]["code"], "RATE_LIMITED",
        "{again}"
    );
    assert!(again["errors"][0]["extensions"]["retryAt"].is_string());
}

#[tokio::test]
async fn woocommerce_sync_source_is_a_reconciliation_run_now() {
    use orderhub::platforms::woocommerce;
    let app = spawn_app().await;
    let sim = woocommerce::sim::start(0, Default::default()).unwrap();
    let src = woocommerce_source(&app, "UAH", &sim).await;
    let source = src.to_string();
    backfill_done(&app, &source).await;
    lease_free(&app, src).await;
    let r = app.gql(SYNC_SOURCE, json!({"s": source})).await;
    assert!(r.get("errors").is_none(), "{r}");
    let run: &Value = &r["data"]["syncSource"];
    assert_eq!(run["kind"], "manual_source", "{run}");
    assert_eq!(run["state"], "succeeded", "{run}");
    assert_eq!(run["error"], Value::Null, "{run}");
}
