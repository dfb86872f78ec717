//! Pushing back to the platforms, end to end against the simulators over real HTTP: status
//! rules with their preview, the outbox (retries, restart, no ping-pong), tracking numbers under
//! each platform's conditions, publications and stock.

use crate::helpers::*;
use crate::sims::*;
use orderhub::domain::auth::SourceScope;
use orderhub::domain::{OrderId, Platform, SourceId, StatusId};
use orderhub::store::orders::Actor;
use orderhub::sync::RunKind;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;

/// Seeded status ids by their system key (`new`, `confirmed`, `packing`, …).
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

const ORDER_FIELDS: &str =
    "id externalId sourceStatus pushError trackingNumber status { systemKey } events { kind message }";

async fn enable_rules(app: &TestApp, source: &str) {
    app.data(
        "mutation($s: ID!) { enableStatusRules(sourceId: $s, enabled: true) { id } }",
        json!({"s": source}),
    )
    .await;
}

/// Our id of the source's order with this external id.
async fn order_id(app: &TestApp, source: &str, external_id: &str) -> String {
    orders_by_external_id(app, source, ORDER_FIELDS).await[external_id]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn order(app: &TestApp, id: &str) -> Value {
    app.data(
        &format!("query($o: ID!) {{ order(id: $o) {{ {ORDER_FIELDS} }} }}"),
        json!({"o": id}),
    )
    .await["order"]
        .clone()
}

async fn change_status(app: &TestApp, order: &str, status: &str, reason: Option<&str>) -> Value {
    app.gql(
        "mutation($o: ID!, $s: ID!, $r: String) { changeOrderStatus(orderId: $o, statusId: $s, cancellationReason: $r) { id } }",
        json!({"o": order, "s": status, "r": reason}),
    )
    .await
}

/// Polls `check` until it answers `Some`, for at most `secs` seconds.
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

fn has_event(order: &Value, kind: &str, needle: &str) -> bool {
    order["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == kind && e["message"].as_str().unwrap_or("").contains(needle))
}

/// A polled source created through the API, its backfill finished.
async fn connected(app: &TestApp, sim: &SimUnderTest, extra: Value) -> String {
    let mut input = json!({"name": format!("{} push", sim.platform),
        "platform": sim.platform.as_str().to_uppercase(), "currency": "UAH",
        "baseUrl": sim.source_url, "credentials": sim.credentials,
        "settings": {"min_interval_ms": 0}});
    for (k, v) in extra.as_object().unwrap() {
        input[k] = v.clone();
    }
    let created = app
        .gql(
            "mutation($i: CreateSourceInput!) { createSource(input: $i) { id statusRulesEnabled } }",
            json!({"i": input}),
        )
        .await;
    assert!(created.get("errors").is_none(), "{created}");
    assert_eq!(
        created["data"]["createSource"]["statusRulesEnabled"], false,
        "ST-3: rules are off on a new source"
    );
    let id = created["data"]["createSource"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let run = wait_for_run(app, &id, "backfill").await;
    assert_eq!(run["state"], "succeeded", "{run}");
    id
}

async fn sim_order(sim: &SimUnderTest, id: &str) -> Value {
    sim.control(Method::GET, &format!("/_sim/orders/{id}"), Value::Null)
        .await
}

fn rozetka_pushed_statuses(sim_order: &Value) -> Vec<i64> {
    sim_order["pushed"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["update"]["status"].as_i64())
        .collect()
}

async fn add_rozetka_order(sim: &SimUnderTest, status: i64) -> String {
    let o = sim
        .control(
            Method::POST,
            "/_sim/orders",
            json!({"buyer": 3, "items": [{"product": 0, "quantity": 1}], "status": status}),
        )
        .await;
    o["order"]["id"].as_i64().unwrap().to_string()
}

async fn set_rules(app: &TestApp, source: &str, rules: Value) -> Value {
    app.gql(
        "mutation($s: ID!, $r: [StatusRuleInput!]!) { setStatusRules(sourceId: $s, rules: $r) { id statusId statusGroup platformStatus platformCancellationReason } }",
        json!({"s": source, "r": rules}),
    )
    .await
}

// covers: ST-3, ST-4, ST-6
#[tokio::test]
async fn rozetka_rules_preview_enable_and_walk_the_status_sequence() {
    let app = spawn_app().await;
    let sim = start(Platform::Rozetka);
    let fresh: Vec<String> = add_rozetka_orders(&sim, &[1, 1, 1]).await;
    let already = add_rozetka_order(&sim, 26).await;
    let source = connected(&app, &sim, json!({})).await;
    let st = status_ids(&app).await;

    // ST-6: repeat order is never a rule target; unknown statuses are named
    let bad = set_rules(
        &app,
        &source,
        json!([{"statusId": st["repeat_order"], "platformStatus": "49"}]),
    )
    .await;
    assert_eq!(bad["errors"][0]["extensions"]["code"], "BAD_INPUT", "{bad}");
    assert_eq!(bad["errors"][0]["extensions"]["field"], "platformStatus");
    let bad = set_rules(
        &app,
        &source,
        json!([{"statusId": st["new"], "platformStatus": "999"}]),
    )
    .await;
    assert!(
        bad["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("\"999\""),
        "{bad}"
    );

    let rules = json!([
        {"statusId": st["new"], "platformStatus": "26"},
        {"statusId": st["packing"], "platformStatus": "2"},
        {"statusId": st["shipped"], "platformStatus": "3"},
    ]);
    // a change while rules are off says so and pushes nothing
    let orders = orders_by_external_id(&app, &source, ORDER_FIELDS).await;
    let a = orders[&fresh[0]]["id"].as_str().unwrap().to_string();
    assert!(change_status(&app, &a, &st["confirmed"], None)
        .await
        .get("errors")
        .is_none());
    let o = order(&app, &a).await;
    assert!(has_event(&o, "push_skipped", "status rules are off"), "{o}");
    change_status(&app, &a, &st["new"], None).await;

    // ST-3: the preview counts, changes nothing
    let p = app
        .data(
            "mutation($s: ID!, $r: [StatusRuleInput!]!) { previewStatusRules(sourceId: $s, rules: $r) { openOrders unchanged moves { platformStatus count } notSent { reason count } } }",
            json!({"s": source, "r": rules}),
        )
        .await["previewStatusRules"]
        .clone();
    assert_eq!(
        p["moves"],
        json!([{"platformStatus": "26", "count": 3}]),
        "{p}"
    );
    assert_eq!(p["unchanged"], 1, "{p}");
    assert_eq!(p["openOrders"], 4, "{p}");
    assert!(rozetka_pushed_statuses(&sim_order(&sim, &fresh[0]).await).is_empty());
    let enabled = app
        .gql(
            "mutation($s: ID!) { enableStatusRules(sourceId: $s, enabled: true) { statusRulesEnabled } }",
            json!({"s": source}),
        )
        .await;
    assert_eq!(
        enabled["errors"][0]["extensions"]["field"], "enabled",
        "no rules yet: {enabled}"
    );
    let saved = set_rules(&app, &source, rules.clone()).await;
    assert_eq!(
        saved["data"]["setStatusRules"].as_array().unwrap().len(),
        3,
        "{saved}"
    );
    let d = app
        .data(
            "mutation($s: ID!) { enableStatusRules(sourceId: $s, enabled: true) { statusRulesEnabled } }",
            json!({"s": source}),
        )
        .await;
    assert_eq!(d["enableStatusRules"]["statusRulesEnabled"], true);

    // enabling moves every open order the rules cover, once each
    for id in &fresh {
        eventually(10, "the enabled rule pushed", || async {
            (sim_order(&sim, id).await["order"]["status"] == 26).then_some(())
        })
        .await;
    }
    for id in &fresh {
        assert_eq!(
            rozetka_pushed_statuses(&sim_order(&sim, id).await),
            vec![26]
        );
    }
    assert!(rozetka_pushed_statuses(&sim_order(&sim, &already).await).is_empty());

    // ST-6: from 1, "packing, data confirmed" (2) is reached through 26, step by step
    let late = add_rozetka_order(&sim, 1).await;
    app.engine
        .run(SourceId(source.parse().unwrap()), RunKind::Poll)
        .await
        .unwrap();
    let late_id = order_id(&app, &source, &late).await;
    change_status(&app, &late_id, &st["packing"], None).await;
    eventually(10, "the step-by-step push", || async {
        (sim_order(&sim, &late).await["order"]["status"] == 2).then_some(())
    })
    .await;
    assert_eq!(
        rozetka_pushed_statuses(&sim_order(&sim, &late).await),
        vec![26, 2]
    );
    let o = eventually(10, "the pushed event", || async {
        let o = order(&app, &late_id).await;
        has_event(&o, "pushed", "\"2\"").then_some(o)
    })
    .await;
    assert_eq!(o["sourceStatus"], "2");
    assert_eq!(o["pushError"], Value::Null);

    // entering the same status again pushes nothing more: the platform already has it
    change_status(&app, &late_id, &st["confirmed"], None).await;
    change_status(&app, &late_id, &st["packing"], None).await;
    let o = order(&app, &late_id).await;
    assert!(
        has_event(&o, "push_skipped", "already has status \"2\""),
        "{o}"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        rozetka_pushed_statuses(&sim_order(&sim, &late).await),
        vec![26, 2]
    );

    // ST-6: "handed to delivery" (3) needs a TTN, which the order has not: refused, with the
    // allowed next statuses named, shown on the order, not retried
    let b = order_id(&app, &source, &fresh[1]).await;
    change_status(&app, &b, &st["shipped"], None).await;
    let o = eventually(10, "the refusal on the order", || async {
        let o = order(&app, &b).await;
        o["pushError"].is_string().then_some(o)
    })
    .await;
    let err = o["pushError"].as_str().unwrap();
    assert!(err.contains("allowed next statuses: 2, 47"), "{err}");
    assert!(has_event(&o, "push_failed", "allowed next statuses"), "{o}");
    let jobs = app
        .app_store
        .jobs_of_order(OrderId(b.parse().unwrap()))
        .await
        .unwrap();
    assert_eq!(jobs[0].state, "failed");
    assert_eq!(jobs[0].attempts, 1, "a refusal is not retried");
    assert_eq!(sim_order(&sim, &fresh[1]).await["order"]["status"], 26);
}

async fn add_rozetka_orders(sim: &SimUnderTest, statuses: &[i64]) -> Vec<String> {
    let mut ids = Vec::new();
    for s in statuses {
        ids.push(add_rozetka_order(sim, *s).await);
    }
    ids
}

// covers: ST-4, ST-2
#[tokio::test]
async fn transient_failures_retry_and_platform_changes_never_bounce_back() {
    let app = spawn_app().await;
    let sim = start(Platform::Rozetka);
    let ext = add_rozetka_order(&sim, 1).await;
    let source = connected(&app, &sim, json!({})).await;
    let st = status_ids(&app).await;
    set_rules(
        &app,
        &source,
        json!([{"statusId": st["confirmed"], "platformStatus": "26"}]),
    )
    .await;
    enable_rules(&app, &source).await;
    let id = order_id(&app, &source, &ext).await;

    // the platform is down for a while: the push is retried with backoff and then made once
    sim.control(
        Method::POST,
        "/_sim/faults",
        json!({"kind": "server_error", "status": 503, "count": 12}),
    )
    .await;
    change_status(&app, &id, &st["confirmed"], None).await;
    let o = eventually(10, "a retry on the order's feed", || async {
        let o = order(&app, &id).await;
        has_event(&o, "push_retrying", "").then_some(o)
    })
    .await;
    assert_eq!(
        o["pushError"],
        Value::Null,
        "a transient failure is not final"
    );
    sim.control(Method::DELETE, "/_sim/faults", Value::Null)
        .await;
    eventually(15, "the push after the outage", || async {
        (sim_order(&sim, &ext).await["order"]["status"] == 26).then_some(())
    })
    .await;
    assert_eq!(
        rozetka_pushed_statuses(&sim_order(&sim, &ext).await),
        vec![26]
    );

    // many re-syncs while the platform moves the order on by itself: our status stays (ST-2),
    // nothing is pushed back
    let source_id = SourceId(source.parse().unwrap());
    for status in [47, 26, 2, 61, 26] {
        sim.control(
            Method::PATCH,
            &format!("/_sim/orders/{ext}"),
            json!({"status": status}),
        )
        .await;
        app.engine.run(source_id, RunKind::Poll).await.unwrap();
        app.engine.run(source_id, RunKind::Poll).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        rozetka_pushed_statuses(&sim_order(&sim, &ext).await),
        vec![26],
        "no ping-pong: platform changes are never sent back"
    );
    let o = order(&app, &id).await;
    assert_eq!(o["status"]["systemKey"], "confirmed");
    assert!(app.app_store.open_jobs(source_id).await.unwrap().is_empty());
}

// covers: ST-4
#[tokio::test]
async fn a_push_committed_before_a_crash_is_made_after_the_restart_exactly_once() {
    let url = fresh_database_url().await;
    let sim = start(Platform::Rozetka);
    let ext = add_rozetka_order(&sim, 1).await;
    let app = spawn_app_on(&url).await;
    let source = connected(&app, &sim, json!({})).await;
    let st = status_ids(&app).await;
    set_rules(
        &app,
        &source,
        json!([{"statusId": st["confirmed"], "platformStatus": "26"}]),
    )
    .await;
    enable_rules(&app, &source).await;
    let id: i64 = order_id(&app, &source, &ext).await.parse().unwrap();
    app.handle.stop(true).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;

    // the instance commits the change and its job, then dies before its worker runs
    let store =
        orderhub::store::Store::connect(&url, Default::default(), orderhub::platforms::FACTS)
            .await
            .unwrap();
    store
        .change_order_status(
            &SourceScope::All,
            OrderId(id),
            StatusId(st["confirmed"].parse().unwrap()),
            None,
            Actor::System,
        )
        .await
        .unwrap();
    let open = store
        .open_jobs(SourceId(source.parse().unwrap()))
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    // a claim of a worker that crashed mid-push expires and is taken over
    let claimed = store
        .claim_jobs("crashed", 10, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    store.close().await;
    assert!(rozetka_pushed_statuses(&sim_order(&sim, &ext).await).is_empty());

    let again = restart_app(&app, &url).await;
    eventually(10, "the push after the restart", || async {
        (sim_order(&sim, &ext).await["order"]["status"] == 26).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        rozetka_pushed_statuses(&sim_order(&sim, &ext).await),
        vec![26]
    );
    let jobs = again.app_store.jobs_of_order(OrderId(id)).await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].state, "done");
}

// covers: ST-5
#[tokio::test]
async fn prom_rules_map_groups_and_cancellation_reasons() {
    let app = spawn_app().await;
    let sim = start(Platform::Prom);
    let mut ids = Vec::new();
    for _ in 0..2 {
        let o = sim
            .control(
                Method::POST,
                "/_sim/orders",
                json!({"items": [{"product": 1, "quantity": 1}], "status": "pending"}),
            )
            .await;
        ids.push(o["id"].as_i64().unwrap().to_string());
    }
    let source = connected(&app, &sim, json!({})).await;
    let st = status_ids(&app).await;
    let bad = set_rules(
        &app,
        &source,
        json!([{"statusId": st["new"], "platformStatus": "received"}]),
    )
    .await;
    assert_eq!(
        bad["errors"][0]["extensions"]["field"], "statusGroup",
        "{bad}"
    );
    let bad = set_rules(
        &app,
        &source,
        json!([{"statusGroup": "CANCELLED", "platformStatus": "canceled"}]),
    )
    .await;
    assert_eq!(
        bad["errors"][0]["extensions"]["field"], "platformCancellationReason",
        "{bad}"
    );
    let saved = set_rules(
        &app,
        &source,
        json!([
            {"statusGroup": "APPROVAL", "platformStatus": "received"},
            {"statusGroup": "CANCELLED", "cancellationReason": "Немає в наявності", "platformStatus": "canceled", "platformCancellationReason": "not_available"},
            {"statusGroup": "CANCELLED", "platformStatus": "canceled", "platformCancellationReason": "buyers_request"},
        ]),
    )
    .await;
    assert!(saved.get("errors").is_none(), "{saved}");
    enable_rules(&app, &source).await;
    let orders = orders_by_external_id(&app, &source, ORDER_FIELDS).await;
    let (a, b) = (
        orders[&ids[0]]["id"].as_str().unwrap().to_string(),
        orders[&ids[1]]["id"].as_str().unwrap().to_string(),
    );
    // any status of the group maps to the group's Prom status
    change_status(&app, &a, &st["awaiting_confirmation"], None).await;
    eventually(10, "received on Prom", || async {
        (sim_order(&sim, &ids[0]).await["order"]["status"] == "received").then_some(())
    })
    .await;
    // the cancelled group maps our reason to Prom's
    let d = change_status(&app, &b, &st["cancelled"], Some("Немає в наявності")).await;
    assert!(d.get("errors").is_none(), "{d}");
    let o = eventually(10, "cancelled on Prom", || async {
        let o = sim_order(&sim, &ids[1]).await;
        (o["order"]["status"] == "canceled").then_some(o)
    })
    .await;
    assert_eq!(o["cancellation_reason"], "not_available", "{o}");
}

// covers: ST-7
#[tokio::test]
async fn woocommerce_completes_only_after_write_off_and_shopify_has_no_status_sync() {
    let app = spawn_app().await;
    let (shop, _shop_sim) = webhook_source(&app, "SHOPIFY", "UAH").await;
    let st = status_ids(&app).await;
    let bad = set_rules(
        &app,
        &shop.to_string(),
        json!([{"statusId": st["completed"], "platformStatus": "fulfilled"}]),
    )
    .await;
    assert!(
        bad["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no status sync"),
        "{bad}"
    );

    let (woo, sim) = webhook_source(&app, "WOOCOMMERCE", "UAH").await;
    let woo_s = woo.to_string();
    let created = sim
        .control(
            Method::POST,
            "/_sim/orders",
            json!({"items": [{"product": 0, "quantity": 1}], "status": "processing"}),
        )
        .await;
    let ext = created["id"].as_i64().unwrap().to_string();
    let id = eventually(15, "the webhook order", || async {
        orders_by_external_id(&app, &woo_s, ORDER_FIELDS)
            .await
            .get(&ext)
            .map(|o| o["id"].as_str().unwrap().to_string())
    })
    .await;
    set_rules(
        &app,
        &woo_s,
        json!([{"statusId": st["completed"], "platformStatus": "completed"}]),
    )
    .await;
    enable_rules(&app, &woo_s).await;
    change_status(&app, &id, &st["completed"], None).await;
    let o = order(&app, &id).await;
    assert!(has_event(&o, "push_skipped", "written off"), "{o}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sim_woo_status(&sim, &ext).await, "processing");
    app.data(
        "mutation($o: ID!) { writeOffOrder(orderId: $o) { id } }",
        json!({"o": id}),
    )
    .await;
    eventually(10, "completed on WooCommerce", || async {
        (sim_woo_status(&sim, &ext).await == "completed").then_some(())
    })
    .await;
}

async fn sim_woo_status(sim: &ShopSim, id: &str) -> String {
    sim.control(Method::GET, &format!("/_sim/orders/{id}"), Value::Null)
        .await["order"]["status"]
        .as_str()
        .unwrap()
        .to_string()
}

// covers: TRK-1, TRK-2, TRK-4
#[tokio::test]
async fn rozetka_tracking_waits_for_packing_confirmed_and_goes_when_it_arrives() {
    let app = spawn_app().await;
    let sim = start(Platform::Rozetka);
    let ext = add_rozetka_order(&sim, 26).await;
    let st = status_ids(&app).await;
    let source = connected(
        &app,
        &sim,
        json!({"sendTracking": true, "trackingStatusIds": [st["shipped"]]}),
    )
    .await;
    let id = order_id(&app, &source, &ext).await;
    // a number set outside the trigger statuses is kept here only
    app.data(
        "mutation($o: ID!) { setTrackingNumber(orderId: $o, trackingNumber: \"20450000000777\") { id } }",
        json!({"o": id}),
    )
    .await;
    assert!(app
        .app_store
        .jobs_of_order(OrderId(id.parse().unwrap()))
        .await
        .unwrap()
        .is_empty());
    // entering a trigger status sends it, but Rozetka is in 26, not 2: not attempted, waiting
    change_status(&app, &id, &st["shipped"], None).await;
    let o = eventually(10, "the wait on the order", || async {
        let o = order(&app, &id).await;
        has_event(&o, "push_waiting", "status 2").then_some(o)
    })
    .await;
    assert_eq!(o["pushError"], Value::Null);
    assert!(sim_order(&sim, &ext).await["pushed"]
        .as_array()
        .unwrap()
        .is_empty());
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let waits = order(&app, &id).await["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "push_waiting")
        .count();
    assert_eq!(waits, 1, "the feed says it once, not on every re-check");

    // the seller confirms on Rozetka; the re-sync brings status 2 and the number goes
    sim.control(
        Method::PATCH,
        &format!("/_sim/orders/{ext}"),
        json!({"status": 2}),
    )
    .await;
    app.engine
        .run(SourceId(source.parse().unwrap()), RunKind::Poll)
        .await
        .unwrap();
    let o = eventually(10, "the number on Rozetka", || async {
        let o = sim_order(&sim, &ext).await;
        (o["order"]["ttn"] == "20450000000777").then_some(o)
    })
    .await;
    assert_eq!(o["pushed"].as_array().unwrap().len(), 1, "{o}");
    let mine = eventually(10, "the pushed event", || async {
        let o = order(&app, &id).await;
        has_event(&o, "pushed", "20450000000777").then_some(o)
    })
    .await;
    assert_eq!(mine["trackingNumber"], "20450000000777");
}

/// One poll of the source, run now; it must succeed.
async fn poll(app: &TestApp, source: &str) {
    poll_succeeds(app, SourceId(source.parse().unwrap())).await;
}

fn tracking_pushes(sim_order: &Value) -> Vec<String> {
    sim_order["pushed"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["update"]["ttn"].as_str().map(String::from))
        .collect()
}

// covers: TRK-1, TRK-4, SYNC-1
#[tokio::test]
async fn a_platform_number_is_not_sent_back_and_a_number_set_here_is_not_reverted() {
    let app = spawn_app().await;
    let sim = start(Platform::Rozetka);
    let o = sim
        .control(
            Method::POST,
            "/_sim/orders",
            json!({"buyer": 3, "items": [{"product": 0, "quantity": 1}], "status": 2,
                   "ttn": "20450000000001"}),
        )
        .await;
    let ext = o["order"]["id"].as_i64().unwrap().to_string();
    let st = status_ids(&app).await;
    let source = connected(
        &app,
        &sim,
        json!({"sendTracking": true, "trackingStatusIds": [st["shipped"]]}),
    )
    .await;
    let id = order_id(&app, &source, &ext).await;
    assert_eq!(order(&app, &id).await["trackingNumber"], "20450000000001");
    let oid = OrderId(id.parse().unwrap());

    // entering a trigger status with the platform's own number sends nothing back
    change_status(&app, &id, &st["shipped"], None).await;
    assert!(app.app_store.jobs_of_order(oid).await.unwrap().is_empty());

    // the seller moves the order back on Rozetka; a number set here now has to wait
    sim.control(
        Method::PATCH,
        &format!("/_sim/orders/{ext}"),
        json!({"status": 26}),
    )
    .await;
    poll(&app, &source).await;
    app.data(
        "mutation($o: ID!) { setTrackingNumber(orderId: $o, trackingNumber: \"20450000000777\") { id } }",
        json!({"o": id}),
    )
    .await;
    eventually(10, "the wait on the order", || async {
        let o = order(&app, &id).await;
        has_event(&o, "push_waiting", "status 2").then_some(())
    })
    .await;
    // Rozetka still shows its old number: the re-sync keeps ours
    poll(&app, &source).await;
    let mine = order(&app, &id).await;
    assert_eq!(mine["trackingNumber"], "20450000000777", "{mine}");
    assert!(!has_event(
        &mine,
        "tracking_number_synced",
        "20450000000001"
    ));

    // back in status 2 the number goes, once
    sim.control(
        Method::PATCH,
        &format!("/_sim/orders/{ext}"),
        json!({"status": 2}),
    )
    .await;
    poll(&app, &source).await;
    eventually(10, "the number on Rozetka", || async {
        let o = sim_order(&sim, &ext).await;
        (o["order"]["ttn"] == "20450000000777").then_some(())
    })
    .await;
    eventually(10, "the push recorded here", || async {
        let o = order(&app, &id).await;
        has_event(&o, "pushed", "20450000000777").then_some(())
    })
    .await;
    // a newer number set here before any re-sync: reading back the sent one does not undo it
    app.data(
        "mutation($o: ID!) { setTrackingNumber(orderId: $o, trackingNumber: \"20450000000888\") { id } }",
        json!({"o": id}),
    )
    .await;
    poll(&app, &source).await;
    let mine = order(&app, &id).await;
    assert_eq!(mine["trackingNumber"], "20450000000888", "{mine}");
    assert!(!has_event(
        &mine,
        "tracking_number_synced",
        "20450000000777"
    ));
    assert_eq!(
        tracking_pushes(&sim_order(&sim, &ext).await),
        ["20450000000777"],
        "Rozetka takes a number only in status 2: the newer one waits"
    );

    // a number the platform changes afterwards is taken, and not sent back
    sim.control(
        Method::PATCH,
        &format!("/_sim/orders/{ext}"),
        json!({"tracking_number": "20450000000002"}),
    )
    .await;
    poll(&app, &source).await;
    let mine = order(&app, &id).await;
    assert_eq!(mine["trackingNumber"], "20450000000002");
    assert!(has_event(&mine, "tracking_number_synced", "20450000000002"));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        tracking_pushes(&sim_order(&sim, &ext).await),
        ["20450000000777"]
    );
}

// covers: SRC-6, ST-4, PUB-1
#[tokio::test]
async fn one_login_serves_the_sources_polls_pushes_and_listings() {
    let app = spawn_app().await;
    let sim = start(Platform::Rozetka);
    let ext = add_rozetka_order(&sim, 1).await;
    let source = connected(&app, &sim, json!({})).await;
    // createSource checks the credentials with a login of its own; the backfill logs in once
    let logins = sim.rozetka().logins();
    assert_eq!(logins, 2);
    let st = status_ids(&app).await;
    set_rules(
        &app,
        &source,
        json!([{"statusId": st["confirmed"], "platformStatus": "26"}]),
    )
    .await;
    enable_rules(&app, &source).await;
    poll(&app, &source).await;
    let id = order_id(&app, &source, &ext).await;
    change_status(&app, &id, &st["confirmed"], None).await;
    eventually(10, "the status on Rozetka", || async {
        let o = sim_order(&sim, &ext).await;
        (rozetka_pushed_statuses(&o) == [26]).then_some(())
    })
    .await;
    app.data(
        "mutation($s: ID!) { syncPublications(sourceId: $s) { created } }",
        json!({"s": source}),
    )
    .await;
    poll(&app, &source).await;
    assert_eq!(
        sim.rozetka().logins(),
        logins,
        "the backfill's token (valid 24 h) serves every later call"
    );
}

// covers: TRK-2, TRK-3
#[tokio::test]
async fn epicentr_refuses_another_recipients_number_once_and_says_so() {
    let app = spawn_app().await;
    let sim = start(Platform::Epicentr);
    let created = sim
        .control(
            Method::POST,
            "/_sim/orders",
            json!({"buyer": 5, "recipient": 9, "items": [{"product": 0, "quantity": 1}], "status": "confirmed", "provider": "nova_poshta"}),
        )
        .await;
    let ext = created["id"]
        .as_str()
        .or_else(|| created["order"]["id"].as_str())
        .unwrap()
        .to_string();
    sim.control(
        Method::POST,
        "/_sim/ttns",
        json!({"number": "20451450921650", "phone": "380630000001", "last_name": "Нікому"}),
    )
    .await;
    let source = connected(&app, &sim, json!({"sendTracking": true})).await;
    let id = order_id(&app, &source, &ext).await;
    app.data(
        "mutation($o: ID!) { setTrackingNumber(orderId: $o, trackingNumber: \"20451450921650\") { id } }",
        json!({"o": id}),
    )
    .await;
    let o = eventually(10, "the refusal on the order", || async {
        let o = order(&app, &id).await;
        o["pushError"].is_string().then_some(o)
    })
    .await;
    assert!(
        o["pushError"]
            .as_str()
            .unwrap()
            .starts_with("platform refused"),
        "{o}"
    );
    assert!(
        has_event(&o, "push_failed", "Tracking number not sent"),
        "{o}"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let jobs = app
        .app_store
        .jobs_of_order(OrderId(id.parse().unwrap()))
        .await
        .unwrap();
    assert_eq!(
        (jobs.len(), jobs[0].state.as_str(), jobs[0].attempts),
        (1, "failed", 1),
        "not retried forever"
    );
}

/// The quantities Rozetka's simulator took for one good, in order.
async fn rozetka_stock_pushes(sim: &SimUnderTest, good: i64) -> Vec<i64> {
    let g = sim.control(Method::GET, "/_sim/goods", Value::Null).await;
    g["stock_pushes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["item_rz_id"] == good)
        .map(|p| p["stock_quantity"].as_i64().unwrap())
        .collect()
}

/// Waits until the good's last stock push on Rozetka is `quantity`.
async fn stock_reaches(sim: &SimUnderTest, good: i64, quantity: i64, what: &str) {
    eventually(10, what, || async {
        (rozetka_stock_pushes(sim, good).await.last() == Some(&quantity)).then_some(())
    })
    .await;
}

/// The source's publications by external id, each with `fields` (and `externalId`).
async fn listings(app: &TestApp, source: &str, fields: &str) -> HashMap<String, Value> {
    let d = app
        .data(
            &format!("query($s: ID!) {{ publications(sourceId: $s, first: 500) {{ edges {{ node {{ externalId {fields} }} }} }} }}"),
            json!({"s": source}),
        )
        .await;
    d["publications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let ext = e["node"]["externalId"].as_str().unwrap().to_string();
            (ext, e["node"].clone())
        })
        .collect()
}

async fn set_stock(app: &TestApp, product: &str, quantity: i64) {
    app.data(
        "mutation($p: ID!, $q: Int!) { setProductStock(productId: $p, quantity: $q) { stockQuantity } }",
        json!({"p": product, "q": quantity}),
    )
    .await;
}

// covers: PUB-1, PUB-2, PUB-3, STK-1, SYNC-3
#[tokio::test]
async fn publications_sync_link_and_stock_follows_everywhere() {
    let app = spawn_app().await;
    let sim = start(Platform::Rozetka);
    let ext = add_rozetka_order(&sim, 1).await;
    let source = connected(&app, &sim, json!({})).await;
    let r = app
        .data(
            "mutation($s: ID!) { syncPublications(sourceId: $s) { created updated unlisted } }",
            json!({"s": source}),
        )
        .await;
    let goods = sim.control(Method::GET, "/_sim/goods", Value::Null).await;
    let published: Vec<String> = goods["goods"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| [2, 3, 4].contains(&g["rz_sell_status"].as_i64().unwrap()))
        .map(|g| g["rz_item_id"].as_i64().unwrap().to_string())
        .collect();
    assert!(published.len() < goods["goods"].as_array().unwrap().len());
    assert_eq!(r["syncPublications"]["created"], published.len());
    // PUB-1: by hand at most once a day
    let again = app
        .gql(
            "mutation($s: ID!) { syncPublications(sourceId: $s) { created } }",
            json!({"s": source}),
        )
        .await;
    assert_eq!(
        again["errors"][0]["extensions"]["code"], "RATE_LIMITED",
        "{again}"
    );

    let pubs: HashMap<String, String> = listings(&app, &source, "id")
        .await
        .into_iter()
        .map(|(ext, node)| (ext, node["id"].as_str().unwrap().to_string()))
        .collect();
    let mut got: Vec<_> = pubs.keys().cloned().collect();
    let mut want = published.clone();
    got.sort();
    want.sort();
    assert_eq!(got, want, "PUB-2: only call / running out / in stock");

    // PUB-3 + STK-1: a product made from an "API" listing; its stock change reaches Rozetka
    let api_good = goods["goods"].as_array().unwrap()[0]["rz_item_id"]
        .as_i64()
        .unwrap();
    // PUB-1: one publication on demand
    let one = app
        .data(
            "mutation($p: ID!) { syncPublication(id: $p) { externalId state } }",
            json!({"p": pubs[&api_good.to_string()]}),
        )
        .await;
    assert_eq!(one["syncPublication"]["externalId"], api_good.to_string());
    assert_eq!(one["syncPublication"]["state"], "4");
    let made = app
        .data(
            "mutation($p: ID!) { createProductFromPublication(publicationId: $p) { product { id stockQuantity } } }",
            json!({"p": pubs[&api_good.to_string()]}),
        )
        .await;
    let product = made["createProductFromPublication"]["product"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    set_stock(&app, &product, 7).await;
    stock_reaches(&sim, api_good, 7, "the stock on Rozetka").await;
    assert_eq!(rozetka_stock_pushes(&sim, api_good).await, [7]);

    // SYNC-3 + STK-1: writing off an order that sold the product lowers the stock everywhere
    let oid = order_id(&app, &source, &ext).await;
    let item = app
        .data(
            "query($o: ID!) { order(id: $o) { items { productId quantity } } }",
            json!({"o": oid}),
        )
        .await;
    let sold = item["order"]["items"][0]["productId"]
        .as_str()
        .unwrap()
        .to_string();
    let qty = item["order"]["items"][0]["quantity"].as_i64().unwrap();
    app.data(
        "mutation($p: ID!, $x: ID) { linkPublication(publicationId: $p, productId: $x) { product { id } } }",
        json!({"p": pubs[&api_good.to_string()], "x": sold}),
    )
    .await;
    set_stock(&app, &sold, 20).await;
    stock_reaches(&sim, api_good, 20, "the linked product's stock").await;
    app.data(
        "mutation($o: ID!) { writeOffOrder(orderId: $o) { id } }",
        json!({"o": oid}),
    )
    .await;
    stock_reaches(&sim, api_good, 20 - qty, "the stock after the write-off").await;

    // STK-1: a listing whose price list is not "by API" gets a clear error, kept on it
    let yml_good = goods["goods"].as_array().unwrap()[3]["rz_item_id"]
        .as_i64()
        .unwrap();
    app.data(
        "mutation($p: ID!, $x: ID) { linkPublication(publicationId: $p, productId: $x) { id } }",
        json!({"p": pubs[&yml_good.to_string()], "x": product}),
    )
    .await;
    let yml_key = yml_good.to_string();
    let err = eventually(10, "the refusal on the listing", || async {
        listings(&app, &source, "pushError").await[&yml_key]["pushError"]
            .as_str()
            .map(str::to_string)
    })
    .await;
    assert!(err.contains("\"by API\""), "{err}");

    // STK-1: a push the platform takes in part — the taken listing records its stock, the
    // refused one keeps its reason, the source's feed names what was refused
    set_stock(&app, &sold, 30).await;
    stock_reaches(&sim, api_good, 30, "the taken part on Rozetka").await;
    let api_key = api_good.to_string();
    let recorded = eventually(10, "both listings recorded", || async {
        let by_id = listings(&app, &source, "stock pushError").await;
        (by_id[&api_key]["stock"] == 30).then_some(by_id)
    })
    .await;
    assert_eq!(recorded[&api_key]["pushError"], Value::Null, "{recorded:?}");
    assert!(
        recorded[&yml_key]["pushError"]
            .as_str()
            .is_some_and(|e| e.contains("\"by API\"") && !e.contains(&api_key)),
        "only its own reason: {:?}",
        recorded[&yml_key]
    );
    assert!(rozetka_stock_pushes(&sim, yml_good).await.is_empty());
    let feed = app
        .data(
            "query($s: ID!) { source(id: $s) { events { edges { node { kind message } } } } }",
            json!({"s": source}),
        )
        .await;
    let feed = nodes(&feed["source"]["events"]);
    let refusals: Vec<&str> = feed
        .iter()
        .filter(|e| e["kind"] == "stock_push_failed")
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert!(
        refusals
            .iter()
            .any(|m| m.contains("1 of 2 listing(s) refused") && m.contains(&yml_key)),
        "{refusals:?}"
    );
}

fn id_text(v: &Value) -> String {
    v.as_str()
        .map(str::to_string)
        .or_else(|| v.as_u64().map(|n| n.to_string()))
        .unwrap_or_else(|| panic!("not an id: {v}"))
}

// covers: ST-7, ST-4
#[tokio::test]
async fn cartum_statuses_follow_the_rules() {
    let app = spawn_app().await;
    let sim = start(Platform::Cartum);
    let created = sim
        .control(
            Method::POST,
            "/_sim/orders",
            json!({"items": [{"product": 0, "quantity": 1}], "status": 1}),
        )
        .await;
    let ext = id_text(&created["order_id"]);
    let source = connected(&app, &sim, json!({})).await;
    let st = status_ids(&app).await;
    set_rules(
        &app,
        &source,
        json!([{"statusId": st["shipped"], "platformStatus": "6"}]),
    )
    .await;
    enable_rules(&app, &source).await;
    let id = order_id(&app, &source, &ext).await;
    change_status(&app, &id, &st["shipped"], None).await;
    eventually(10, "status 6 on Cartum", || async {
        (id_text(&sim_order(&sim, &ext).await["order"]["stat_status"]) == "6").then_some(())
    })
    .await;
    let o = eventually(10, "the pushed event", || async {
        let o = order(&app, &id).await;
        has_event(&o, "pushed", "\"6\"").then_some(o)
    })
    .await;
    assert_eq!(o["sourceStatus"], "6");
}

// covers: TRK-2
#[tokio::test]
async fn prom_takes_an_ukrposhta_number_once_the_parcel_is_at_the_post_office() {
    let app = spawn_app().await;
    let sim = start(Platform::Prom);
    let created = sim
        .control(
            Method::POST,
            "/_sim/orders",
            json!({"items": [{"product": 1, "quantity": 1}], "status": "received", "provider": "ukrposhta"}),
        )
        .await;
    let ext = created["id"].as_i64().unwrap().to_string();
    let source = connected(&app, &sim, json!({"sendTracking": true})).await;
    let id = order_id(&app, &source, &ext).await;
    app.data(
        "mutation($o: ID!) { setTrackingNumber(orderId: $o, trackingNumber: \"0500012345678\") { id } }",
        json!({"o": id}),
    )
    .await;
    let o = eventually(10, "the wait on the order", || async {
        let o = order(&app, &id).await;
        has_event(&o, "push_waiting", "").then_some(o)
    })
    .await;
    assert_eq!(o["pushError"], Value::Null, "{o}");
    sim.control(
        Method::PATCH,
        &format!("/_sim/orders/{ext}"),
        json!({"parcel_at_post_office": true}),
    )
    .await;
    eventually(10, "the number on Prom", || async {
        let o = order(&app, &id).await;
        has_event(&o, "pushed", "0500012345678").then_some(())
    })
    .await;
    let jobs = app
        .app_store
        .jobs_of_order(OrderId(id.parse().unwrap()))
        .await
        .unwrap();
    assert_eq!(jobs[0].state, "done");
}

// covers: ST-4, ST-5
#[tokio::test]
async fn refusals_of_prom_and_epicentr_are_shown_on_the_order() {
    let app = spawn_app().await;
    let st = status_ids(&app).await;

    // Prom: a delivered order takes no further change
    let prom = start(Platform::Prom);
    let done = prom
        .control(
            Method::POST,
            "/_sim/orders",
            json!({"items": [{"product": 1, "quantity": 1}], "status": "delivered"}),
        )
        .await;
    let prom_ext = done["id"].as_i64().unwrap().to_string();
    let prom_source = connected(&app, &prom, json!({})).await;
    set_rules(
        &app,
        &prom_source,
        json!([{"statusGroup": "APPROVAL", "platformStatus": "received"}]),
    )
    .await;
    enable_rules(&app, &prom_source).await;
    let prom_id = order_id(&app, &prom_source, &prom_ext).await;
    change_status(&app, &prom_id, &st["awaiting_confirmation"], None).await;
    let o = eventually(10, "Prom's refusal on the order", || async {
        let o = order(&app, &prom_id).await;
        o["pushError"].is_string().then_some(o)
    })
    .await;
    assert!(
        o["pushError"]
            .as_str()
            .unwrap()
            .starts_with("platform refused"),
        "{o}"
    );
    assert_eq!(
        sim_order(&prom, &prom_ext).await["order"]["status"],
        "delivered"
    );

    // Epicentr: "sent" needs a shipment number; the walk stops there and says why
    let epi = start(Platform::Epicentr);
    let created = epi
        .control(
            Method::POST,
            "/_sim/orders",
            json!({"items": [{"product": 0, "quantity": 1}], "status": "new"}),
        )
        .await;
    let epi_ext = created["id"]
        .as_str()
        .or_else(|| created["order"]["id"].as_str())
        .unwrap()
        .to_string();
    let epi_source = connected(&app, &epi, json!({})).await;
    set_rules(
        &app,
        &epi_source,
        json!([{"statusId": st["shipped"], "platformStatus": "sent"}]),
    )
    .await;
    enable_rules(&app, &epi_source).await;
    let epi_id = order_id(&app, &epi_source, &epi_ext).await;
    change_status(&app, &epi_id, &st["shipped"], None).await;
    let o = eventually(10, "Epicentr's refusal on the order", || async {
        let o = order(&app, &epi_id).await;
        o["pushError"].is_string().then_some(o)
    })
    .await;
    assert!(has_event(&o, "push_failed", "platform refused"), "{o}");
    let on_platform = sim_order(&epi, &epi_ext).await["order"]["statusCode"].clone();
    assert!(on_platform.is_string(), "{on_platform}");
    assert_ne!(on_platform, "sent");
}
