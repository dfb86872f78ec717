//! `OrderEvent.changes` (issue 19, SYNC-5): every change a webhook delivery applied is kept with
//! its event as `{field, before, after}`, beside the delivery that brought it; over real HTTP
//! against the Shopify simulator, which signs and sends its webhooks to the test server. (Polls
//! and re-syncs: `orders_here.rs`.)
// covers: SYNC-1, SYNC-5, TRK-4, WH-2

use crate::helpers::*;
use serde_json::{json, Value};
use std::time::Duration;

async fn feed(app: &TestApp, source: &str) -> Option<(String, Vec<Value>)> {
    let d = app
        .data(
            "query($s: ID!) { orders(filter: {sourceId: $s}) { edges { node { externalId events {
                kind changes { field before after itemId } webhookDelivery { id topic } syncRun { id } } items { id } } } } }",
            json!({"s": source}),
        )
        .await;
    let node = d["orders"]["edges"].get(0)?["node"].clone();
    Some((
        node["externalId"].as_str()?.to_string(),
        node["events"].as_array()?.clone(),
    ))
}

// covers: SYNC-1, SYNC-5, TRK-4
#[tokio::test]
async fn a_webhooks_changes_are_kept_field_by_field_with_its_delivery() {
    let app = spawn_app().await;
    let (source, sim) = webhook_source(&app, "SHOPIFY", "UAH").await;
    let source = source.to_string();
    sim.control(
        reqwest::Method::POST,
        "/_sim/orders",
        json!({"buyer": 3, "items": [{"product": 0, "quantity": 1}]}),
    )
    .await;
    let mut external = None;
    for _ in 0..100 {
        if let Some((ext, _)) = feed(&app, &source).await {
            external = Some(ext);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let external = external.expect("the order arrived by webhook");
    sim.control(
        reqwest::Method::PATCH,
        &format!("/_sim/orders/{external}"),
        json!({"tracking_number": "20450000000077"}),
    )
    .await;
    sim.control(
        reqwest::Method::PATCH,
        &format!("/_sim/orders/{external}"),
        json!({"add_item": {"product": 2, "quantity": 2}}),
    )
    .await;
    let mut events = vec![];
    for _ in 0..100 {
        events = feed(&app, &source).await.unwrap().1;
        let kinds: Vec<&str> = events.iter().filter_map(|e| e["kind"].as_str()).collect();
        if kinds.contains(&"tracking_number_synced") && kinds.contains(&"item_added") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let tracking = events
        .iter()
        .find(|e| e["kind"] == "tracking_number_synced")
        .unwrap_or_else(|| panic!("{events:?}"));
    assert_eq!(
        tracking["changes"],
        json!([{"field": "trackingNumber", "before": null, "after": "20450000000077", "itemId": null}])
    );
    assert!(tracking["webhookDelivery"]["id"].is_string(), "{tracking}");
    assert_eq!(tracking["syncRun"], Value::Null);
    let added = events
        .iter()
        .find(|e| e["kind"] == "item_added")
        .unwrap_or_else(|| panic!("{events:?}"));
    let change = &added["changes"][0];
    assert_eq!(change["field"], "items");
    assert_eq!(change["before"], Value::Null);
    assert!(
        change["after"].as_str().unwrap().starts_with("2 × "),
        "{change}"
    );
    assert!(change["itemId"].is_string(), "{change}");
    assert!(added["webhookDelivery"]["id"].is_string());
    // events that change no field carry none
    let imported = events.iter().find(|e| e["kind"] == "imported").unwrap();
    assert_eq!(imported["changes"], json!([]));
}
