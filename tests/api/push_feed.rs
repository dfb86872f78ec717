//! What pushing statuses back to Rozetka leaves in the feeds (issue 19): every step of a walk
//! through Rozetka's sequence is its own event, a move Rozetka allows no way to is refused naming
//! what it does allow (or saying it allows nothing), and enabling a source's rules is one event
//! on the source with the preview's counts, not an event in every open order's feed.
// covers: ST-3, ST-4, ST-6

use crate::helpers::*;
use crate::sims::*;
use orderhub::domain::{Platform, SourceId};
use orderhub::sync::RunKind;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;

async fn status_ids(app: &TestApp) -> HashMap<String, String> {
    let d = app.data("{ statuses { id systemKey } }", json!({})).await;
    d["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| {
            Some((
                s["systemKey"].as_str()?.to_string(),
                s["id"].as_str()?.to_string(),
            ))
        })
        .collect()
}

async fn add_order(sim: &SimUnderTest, status: i64) -> String {
    let o = sim
        .control(
            Method::POST,
            "/_sim/orders",
            json!({"buyer": 3, "items": [{"product": 0, "quantity": 1}], "status": status}),
        )
        .await;
    o["order"]["id"].as_i64().unwrap().to_string()
}

fn pushed_statuses(sim_order: &Value) -> Vec<i64> {
    sim_order["pushed"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["update"]["status"].as_i64())
        .collect()
}

async fn sim_order(sim: &SimUnderTest, id: &str) -> Value {
    sim.control(Method::GET, &format!("/_sim/orders/{id}"), Value::Null)
        .await
}

const FIELDS: &str = "id sourceStatus sourceStatusLabel pushError events { kind message }";

async fn order(app: &TestApp, id: &str) -> Value {
    app.data(
        &format!("query($o: ID!) {{ order(id: $o) {{ {FIELDS} }} }}"),
        json!({"o": id}),
    )
    .await["order"]
        .clone()
}

fn events_of<'a>(order: &'a Value, kind: &str) -> Vec<&'a str> {
    order["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .map(|e| e["message"].as_str().unwrap())
        .collect()
}

async fn eventually<T, F, Fut>(secs: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn change_status(app: &TestApp, order: &str, status: &str) {
    app.data(
        "mutation($o: ID!, $s: ID!) { changeOrderStatus(orderId: $o, statusId: $s) { id } }",
        json!({"o": order, "s": status}),
    )
    .await;
}

#[tokio::test]
async fn rozetka_walks_show_every_step_and_enabling_rules_is_one_source_event() {
    let app = spawn_app().await;
    let sim = start(Platform::Rozetka);
    let fresh = [add_order(&sim, 1).await, add_order(&sim, 1).await];
    let already = add_order(&sim, 26).await;
    // "handed to the delivery service": open, and Rozetka allows the seller no next status
    let handed = add_order(&sim, 3).await;
    let elsewhere = add_order(&sim, 1).await;
    let created = app
        .gql(
            "mutation($i: CreateSourceInput!) { createSource(input: $i) { id } }",
            json!({"i": {"name": "Rozetka walks", "platform": "ROZETKA", "currency": "UAH",
                "baseUrl": sim.source_url, "credentials": sim.credentials,
                "settings": {"min_interval_ms": 0}}}),
        )
        .await;
    let source = created["data"]["createSource"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let run = wait_for_run(&app, &source, "backfill").await;
    assert_eq!(run["state"], "succeeded", "{run}");
    let st = status_ids(&app).await;
    let orders = orders_by_external_id(&app, &source, "id externalId sourceStatusLabel").await;
    let id = |ext: &str| orders[ext]["id"].as_str().unwrap().to_string();
    assert_eq!(
        orders[&already]["sourceStatusLabel"], "Опрацьовується менеджером",
        "{orders:?}"
    );
    // one open order sits in a status no rule covers (a person moved it while rules were off)
    change_status(&app, &id(&elsewhere), &st["confirmed"]).await;

    let rules = json!([
        {"statusId": st["new"], "platformStatus": "26"},
        {"statusId": st["packing"], "platformStatus": "2"},
    ]);
    let set = app
        .gql(
            "mutation($s: ID!, $r: [StatusRuleInput!]!) { setStatusRules(sourceId: $s, rules: $r) { id } }",
            json!({"s": source, "r": rules}),
        )
        .await;
    assert!(set.get("errors").is_none(), "{set}");
    let preview = app
        .data(
            "mutation($s: ID!, $r: [StatusRuleInput!]!) { previewStatusRules(sourceId: $s, rules: $r) { openOrders unchanged moves { platformStatus count } notSent { reason count } } }",
            json!({"s": source, "r": rules}),
        )
        .await["previewStatusRules"]
        .clone();
    assert_eq!(preview["openOrders"], 5, "{preview}");
    assert_eq!(
        preview["moves"],
        json!([{"platformStatus": "26", "count": 3}]),
        "{preview}"
    );

    // ST-3: enabling writes one source event with the preview's counts, and nothing in the
    // feeds of the orders it leaves alone
    let skipped_before: usize = {
        let mut n = 0;
        for ext in [&fresh[0], &fresh[1], &already, &handed, &elsewhere] {
            n += events_of(&order(&app, &id(ext)).await, "push_skipped").len();
        }
        n
    };
    app.data(
        "mutation($s: ID!) { enableStatusRules(sourceId: $s, enabled: true) { statusRulesEnabled } }",
        json!({"s": source}),
    )
    .await;
    let feed = app
        .data(
            "query($s: ID!) { source(id: $s) { events(first: 100) { edges { node { kind message } } } } }",
            json!({"s": source}),
        )
        .await;
    let events = nodes(&feed["source"]["events"]);
    let enabled: Vec<&Value> = events
        .iter()
        .filter(|e| e["kind"] == "status_rules_enabled")
        .collect();
    assert_eq!(enabled.len(), 1, "{feed}");
    assert_eq!(
        enabled[0]["message"],
        "Status rules enabled: of 5 open order(s), 3 to be sent to Rozetka (\"26\": 3); \
         1 already in their rule's status; 1 not sent (no status rule for this status: 1)",
        "{feed}"
    );
    let mut skipped_after = 0;
    for ext in [&fresh[0], &fresh[1], &already, &handed, &elsewhere] {
        skipped_after += events_of(&order(&app, &id(ext)).await, "push_skipped").len();
    }
    assert_eq!(skipped_after, skipped_before, "no push_skipped per order");

    // ST-6: Rozetka allows nothing after "handed to the delivery service": refused, saying so
    let handed_order = eventually(10, "the refusal of the handed order", || async {
        let o = order(&app, &id(&handed)).await;
        o["pushError"].is_string().then_some(o)
    })
    .await;
    let err = handed_order["pushError"].as_str().unwrap();
    assert!(
        err.contains("Rozetka allows no status change from this status at all"),
        "{err}"
    );
    assert!(!err.contains("allowed next statuses: ;"), "{err}");
    assert!(pushed_statuses(&sim_order(&sim, &handed).await).is_empty());
    for ext in &fresh {
        eventually(10, "the enabled rule pushed", || async {
            (sim_order(&sim, ext).await["order"]["status"] == 26).then_some(())
        })
        .await;
    }

    // ST-6: from 1, "packing, data confirmed" (2) goes through 26; each step is its own event
    let late = add_order(&sim, 1).await;
    app.engine
        .run(SourceId(source.parse().unwrap()), RunKind::Poll)
        .await
        .unwrap();
    let late_id = orders_by_external_id(&app, &source, "id externalId").await[&late]["id"]
        .as_str()
        .unwrap()
        .to_string();
    change_status(&app, &late_id, &st["packing"]).await;
    let o = eventually(10, "both steps in the feed", || async {
        let o = order(&app, &late_id).await;
        (events_of(&o, "pushed").len() == 2).then_some(o)
    })
    .await;
    assert_eq!(pushed_statuses(&sim_order(&sim, &late).await), vec![26, 2]);
    assert_eq!(
        events_of(&o, "pushed"),
        [
            "Status \"26\" (Опрацьовується менеджером) sent to Rozetka on the way to status 2",
            "Status \"2\" (Комплектується. Дані підтверджені) sent to Rozetka",
        ],
        "{o}"
    );
    let o = eventually(10, "the order's platform status", || async {
        let o = order(&app, &late_id).await;
        (o["sourceStatus"] == "2").then_some(o)
    })
    .await;
    assert_eq!(
        o["sourceStatusLabel"], "Комплектується. Дані підтверджені",
        "{o}"
    );
    assert_eq!(o["pushError"], Value::Null, "{o}");
}
