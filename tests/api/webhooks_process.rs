//! Processing stored webhook deliveries: the real payloads in tests/fixtures become orders with the
//! right fields; unknown topics are recorded; broken JSON is kept and replayable; out-of-order
//! updates never overwrite newer state; deliveries stored before a restart are processed after it.
// covers: WH-2, WH-4, WH-5, IMP-3, IMP-5, IMP-7, CUS-3, ST-7, PRD-2

use crate::helpers::*;
use orderhub::domain::SourceId;
use orderhub::platforms::signature::sign;
use serde_json::{json, Value};
use std::time::Duration;

const SHOPIFY_SECRET: &str = "shopify-demo-client-secret";
const WOO_SECRET: &str = "wc-demo-webhook-secret";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The bytes of the first element of a JSON list inside `bytes` (after `key`), exactly as written.
fn first_element(bytes: &[u8], key: &str) -> Vec<u8> {
    let text = std::str::from_utf8(bytes).unwrap();
    let after = text.find(key).map(|i| i + key.len()).unwrap_or(0);
    let start = after + text[after..].find('{').unwrap();
    let (mut depth, mut in_str, mut escaped) = (0, false, false);
    for (i, c) in text[start..].char_indices() {
        match (in_str, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (true, false, '"') => in_str = false,
            (false, _, '"') => in_str = true,
            (false, _, '{') => depth += 1,
            (false, _, '}') => {
                depth -= 1;
                if depth == 0 {
                    return bytes[start..start + i + 1].to_vec();
                }
            }
            _ => {}
        }
    }
    panic!("no element");
}

async fn deliver(
    app: &TestApp,
    platform: &str,
    source: SourceId,
    topic: &str,
    body: &[u8],
    id: &str,
) {
    let (path, secret, topic_h, sig_h) = if platform == "SHOPIFY" {
        (
            "shopify",
            SHOPIFY_SECRET,
            "x-shopify-topic",
            "x-shopify-hmac-sha256",
        )
    } else {
        (
            "woocommerce",
            WOO_SECRET,
            "x-wc-webhook-topic",
            "x-wc-webhook-signature",
        )
    };
    let r = app
        .client
        .post(format!("{}/webhooks/{path}/{source}", app.base))
        .header("content-type", "application/json")
        .header(topic_h, topic)
        .header("x-shopify-webhook-id", id)
        .header(sig_h, sign(secret.as_bytes(), body))
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// Waits until no delivery of the source is pending, then returns them all.
async fn settled(app: &TestApp, source: SourceId) -> Vec<Value> {
    for _ in 0..100 {
        let d = app
            .data("query($s: ID!) { webhookDeliveries(sourceId: $s) { edges { node { id topic state error attempts } } } }", json!({"s": source.to_string()}))
            .await;
        let rows = nodes(&d["webhookDeliveries"]);
        if rows.iter().all(|r| r["state"] != "pending") {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("deliveries still pending");
}

async fn order_by_external(app: &TestApp, source: SourceId, external: &str) -> Value {
    let d = app
        .data(
            r#"query($s: ID!) { orders(filter: {sourceId: $s}, first: 50) { edges { node {
                externalId number total currency currencyMismatch sourceStatus status { name group }
                customer { firstName lastName phone email address unspecified }
                items { name sku code quantity price } trackingNumber events { kind message } } } } }"#,
            json!({"s": source.to_string()}),
        )
        .await;
    d["orders"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .find(|n| n["externalId"] == external)
        .unwrap_or_else(|| panic!("order {external} not imported: {d}"))
}

// covers: SYNC-5 — an event names the webhook delivery that brought it
#[tokio::test]
async fn an_order_event_names_the_delivery_that_brought_it() {
    let app = spawn_app().await;
    let (src, _sim) = webhook_source(&app, "SHOPIFY", "USD").await;
    let first = first_element(&fixture("shopify-order-1.json"), "\"orders\"");
    deliver(&app, "SHOPIFY", src, "orders/create", &first, "prov-1").await;
    let deliveries = settled(&app, src).await;
    let delivery = deliveries
        .iter()
        .find(|d| d["topic"] == "orders/create")
        .unwrap();
    assert_eq!(delivery["state"], "done", "{delivery}");
    let d = app
        .data(
            "query($s: ID!) { orders(filter: {sourceId: $s}, first: 1) { edges { node { events { kind syncRun { id } webhookDelivery { id topic state } } } } } }",
            json!({"s": src.to_string()}),
        )
        .await;
    let events = d["orders"]["edges"][0]["node"]["events"]
        .as_array()
        .unwrap()
        .clone();
    let import = events
        .iter()
        .find(|e| e["kind"] == "imported")
        .unwrap_or_else(|| panic!("{d}"));
    assert_eq!(import["webhookDelivery"]["id"], delivery["id"], "{import}");
    assert_eq!(import["webhookDelivery"]["topic"], "orders/create");
    assert!(import["syncRun"].is_null(), "{import}");
}

#[tokio::test]
async fn shopify_fixtures_become_orders() {
    let app = spawn_app().await;
    let (src, _sim) = webhook_source(&app, "SHOPIFY", "USD").await;
    let first = first_element(&fixture("shopify-order-1.json"), "\"orders\"");
    deliver(&app, "SHOPIFY", src, "orders/create", &first, "d1").await;
    deliver(
        &app,
        "SHOPIFY",
        src,
        "orders/cancelled",
        &fixture("shopify-order-2.json"),
        "d2",
    )
    .await;
    deliver(
        &app,
        "SHOPIFY",
        src,
        "orders/paid",
        &fixture("shopify-order-3.json"),
        "d3",
    )
    .await;
    deliver(
        &app,
        "SHOPIFY",
        src,
        "refunds/create",
        &fixture("shopify-refund-1.json"),
        "d4",
    )
    .await;
    let rows = settled(&app, src).await;
    let states: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r["topic"].as_str().unwrap(), r["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        states,
        [
            ("refunds/create", "ignored"),
            ("orders/paid", "done"),
            ("orders/cancelled", "done"),
            ("orders/create", "done")
        ]
    );

    let o1 = order_by_external(&app, src, "450789469").await;
    assert_eq!(o1["number"], "#1001");
    assert_eq!(o1["total"], "598.94");
    assert_eq!(o1["currencyMismatch"], false);
    assert_eq!(o1["customer"]["firstName"], "Bob");
    assert_eq!(o1["customer"]["email"], "bob.norman@hostmail.com");
    assert_eq!(o1["customer"]["phone"], "+16136120707");
    assert!(
        o1["customer"]["address"]
            .as_str()
            .unwrap()
            .contains("Louisville"),
        "CUS-3: address imported"
    );
    assert_eq!(o1["items"].as_array().unwrap().len(), 3);
    assert_eq!(o1["items"][0]["sku"], "IPOD2008GREEN");
    assert_eq!(
        o1["items"][0]["code"], "632910392",
        "PRD-2: product id → code"
    );
    assert!(
        o1["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "delivery"),
        "DLV-1"
    );

    // ids above 2^53 survive to the digit; a cancelled order still starts at the default status (ST-7)
    let o2 = order_by_external(&app, src, "820982911946154508").await;
    assert_eq!(o2["number"], "#9999");
    assert_eq!(
        o2["status"]["group"], "NEW",
        "IMP-7/ST-7: Shopify orders start at the source's default"
    );
    assert_eq!(o2["sourceStatus"], "cancelled");

    // IMP-5: an AUD order on a USD source is flagged, not converted
    let o3 = order_by_external(&app, src, "2998557704341").await;
    assert_eq!(o3["currency"], "AUD");
    assert_eq!(o3["currencyMismatch"], true);
    assert_eq!(o3["total"], "59.45");
}

#[tokio::test]
async fn woocommerce_fixtures_become_orders() {
    let app = spawn_app().await;
    let (src, _sim) = webhook_source(&app, "WOOCOMMERCE", "USD").await;
    let first = first_element(&fixture("woocommerce-order-1.json"), "");
    deliver(&app, "WOOCOMMERCE", src, "order.created", &first, "").await;
    deliver(
        &app,
        "WOOCOMMERCE",
        src,
        "order.updated",
        &fixture("woocommerce-order-2.json"),
        "",
    )
    .await;
    deliver(
        &app,
        "WOOCOMMERCE",
        src,
        "order.updated",
        &fixture("woocommerce-order-3.json"),
        "",
    )
    .await;
    let rows = settled(&app, src).await;
    assert!(rows.iter().all(|r| r["state"] == "done"), "{rows:#?}");
    let o = order_by_external(&app, src, "727").await;
    assert_eq!(o["customer"]["firstName"], "John");
    assert_eq!(o["items"].as_array().unwrap().len(), 2);
    let o = order_by_external(&app, src, "897").await;
    assert_eq!(o["customer"]["email"], "uyi@penciledge.net");
    assert_eq!(o["items"][0]["price"], "14.99");
    assert_eq!(o["items"][0]["code"], "753");
    // 9.8 order with an all-empty shipping block; CAD on a USD source
    let o = order_by_external(&app, src, "14489").await;
    assert_eq!(o["customer"]["phone"], "+2348100599608");
    assert_eq!(o["currencyMismatch"], true);
    assert_eq!(
        o["status"]["group"], "NEW",
        "IMP-7: WooCommerce orders start at the default"
    );
}

// covers: WH-4, WH-2 (retention of settled deliveries)
#[tokio::test]
async fn broken_json_and_unknown_topics_are_kept_visible_and_replayable() {
    let app = spawn_app().await;
    let (src, _sim) = webhook_source(&app, "SHOPIFY", "UAH").await;
    deliver(
        &app,
        "SHOPIFY",
        src,
        "orders/create",
        br#"{"id": 1, "line_items": ["#,
        "broken",
    )
    .await;
    deliver(
        &app,
        "SHOPIFY",
        src,
        "app/uninstalled",
        br#"{"id": 55, "name": "demo"}"#,
        "other",
    )
    .await;
    let rows = settled(&app, src).await;
    let broken = rows.iter().find(|r| r["topic"] == "orders/create").unwrap();
    assert_eq!(broken["state"], "failed");
    assert!(
        broken["error"].as_str().unwrap().contains("not valid JSON"),
        "{broken}"
    );
    assert_eq!(
        rows.iter()
            .find(|r| r["topic"] == "app/uninstalled")
            .unwrap()["state"],
        "ignored"
    );
    let replayed = app
        .data(
            "mutation($id: ID!) { replayWebhookDelivery(id: $id) { state attempts error } }",
            json!({"id": broken["id"]}),
        )
        .await;
    assert_eq!(replayed["replayWebhookDelivery"]["state"], "parked");
    assert_eq!(replayed["replayWebhookDelivery"]["attempts"], 1);
    assert!(replayed["replayWebhookDelivery"]["error"]
        .as_str()
        .unwrap()
        .contains("JSON"));

    // retention: settled deliveries go after a month, the failed one stays for someone to look at
    let store = &app.app_store;
    let month_ago = orderhub::store::now() - chrono::Duration::days(30);
    assert_eq!(store.purge_settled_deliveries(month_ago).await.unwrap(), 0);
    let later = orderhub::store::now() + chrono::Duration::seconds(1);
    assert_eq!(store.purge_settled_deliveries(later).await.unwrap(), 1);
    let left = store.deliveries(src, 10).await.unwrap();
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0].state, "parked");
}

fn shopify_state(updated: &str, financial: &str) -> Vec<u8> {
    format!(
        r##"{{"id":777,"name":"#777","created_at":"2026-11-20T10:00:00+02:00","updated_at":"{updated}","currency":"UAH","total_price":"100.00","financial_status":"{financial}","fulfillment_status":null,"line_items":[{{"id":1,"product_id":2,"sku":"A","title":"Mug","quantity":1,"price":"100.00"}}],"customer":{{"first_name":"Olena","last_name":"Koval","email":"olena@example.com","phone":"+380501234567"}}}}"##
    )
    .into_bytes()
}

// covers: WH-5
#[tokio::test]
async fn an_older_update_never_overwrites_a_newer_one() {
    let app = spawn_app().await;
    let (src, _sim) = webhook_source(&app, "SHOPIFY", "UAH").await;
    deliver(
        &app,
        "SHOPIFY",
        src,
        "orders/updated",
        &shopify_state("2026-11-20T10:05:00+02:00", "paid"),
        "new",
    )
    .await;
    settled(&app, src).await;
    deliver(
        &app,
        "SHOPIFY",
        src,
        "orders/updated",
        &shopify_state("2026-11-20T10:01:00+02:00", "pending"),
        "old",
    )
    .await;
    settled(&app, src).await;
    let o = order_by_external(&app, src, "777").await;
    assert_eq!(o["sourceStatus"], "paid/unfulfilled");
}

// covers: WH-2 — acknowledged means stored: a restart processes what was left
#[tokio::test]
async fn deliveries_stored_before_a_restart_are_processed_after_it() {
    use orderhub::store::inbox::NewDelivery;
    let url = fresh_database_url().await;
    let first = spawn_app_on(&url).await;
    let (src, _sim) = webhook_source(&first, "SHOPIFY", "UAH").await;
    first.handle.stop(true).await;
    // as if the process died right after acknowledging: the delivery is in the inbox, unprocessed
    let store =
        orderhub::store::Store::connect(&url, Default::default(), orderhub::platforms::FACTS)
            .await
            .unwrap();
    store
        .store_delivery(NewDelivery {
            source_id: src,
            platform: "shopify".into(),
            topic: Some("orders/create".into()),
            webhook_id: Some("left-behind".into()),
            event_id: None,
            external_order_id: Some("777".into()),
            platform_updated_at: None,
            headers: json!({}),
            body: shopify_state("2026-11-20T10:05:00+02:00", "paid"),
            state: "pending",
            last_error: None,
        })
        .await
        .unwrap();
    let second = restart_app(&first, &url).await;
    let rows = settled(&second, src).await;
    assert_eq!(rows[0]["state"], "done");
    let o = order_by_external(&second, src, "777").await;
    assert_eq!(o["number"], "#777");
}

/// An order whose two shipping lines cost Decimal's maximum each: the sum cannot be held.
fn overflowing_order(id: u64) -> Vec<u8> {
    let huge = "79228162514264337593543950335";
    format!(
        r##"{{"id":{id},"name":"#{id}","created_at":"2026-11-20T10:00:00+02:00","updated_at":"2026-11-20T10:00:00+02:00","currency":"UAH","total_price":"100.00","financial_status":"paid","fulfillment_status":null,"line_items":[{{"id":1,"product_id":2,"sku":"A","title":"Mug","quantity":1,"price":"100.00"}}],"shipping_lines":[{{"title":"Nova Poshta","price":"{huge}"}},{{"title":"Nova Poshta","price":"{huge}"}}]}}"##
    )
    .into_bytes()
}

fn plain_order(id: u64) -> Vec<u8> {
    format!(
        r##"{{"id":{id},"name":"#{id}","created_at":"2026-11-20T10:00:00+02:00","updated_at":"2026-11-20T10:00:00+02:00","currency":"UAH","total_price":"100.00","financial_status":"paid","fulfillment_status":null,"line_items":[{{"id":1,"product_id":2,"sku":"A","title":"Mug","quantity":1,"price":"100.00"}}],"customer":{{"first_name":"Olena","last_name":"Koval","email":"olena@example.com","phone":"+380501234567"}}}}"##
    )
    .into_bytes()
}

async fn order_count(app: &TestApp, source: SourceId) -> u64 {
    app.data(
        "query($s: ID!) { orders(filter: {sourceId: $s}, first: 1) { totalCount } }",
        json!({"s": source.to_string()}),
    )
    .await["orders"]["totalCount"]
        .as_u64()
        .unwrap()
}

async fn wait_for_orders(app: &TestApp, source: SourceId, want: u64) {
    for _ in 0..400 {
        if order_count(app, source).await >= want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "source {source}: {} orders, {want} expected",
        order_count(app, source).await
    );
}

// covers: WH-2, WH-4, WH-5, IMP-3 — one hostile delivery never stops the line (issue 14)
#[tokio::test]
async fn an_order_orderhub_cannot_hold_is_parked_alone_and_the_line_keeps_moving() {
    let url = fresh_database_url().await;
    let app = spawn_app_on(&url).await;
    let (a, _sim_a) = webhook_source(&app, "SHOPIFY", "UAH").await;
    let (b, _sim_b) = webhook_source(&app, "SHOPIFY", "UAH").await;
    deliver(
        &app,
        "SHOPIFY",
        a,
        "orders/create",
        &overflowing_order(900),
        "huge",
    )
    .await;
    for i in 0..100u64 {
        deliver(
            &app,
            "SHOPIFY",
            a,
            "orders/create",
            &plain_order(1_000 + i),
            &format!("a-{i}"),
        )
        .await;
        deliver(
            &app,
            "SHOPIFY",
            b,
            "orders/create",
            &plain_order(2_000 + i),
            &format!("b-{i}"),
        )
        .await;
    }
    wait_for_orders(&app, a, 100).await;
    wait_for_orders(&app, b, 100).await;

    let huge = app
        .app_store
        .deliveries(a, 200)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.webhook_id.as_deref() == Some("huge"))
        .unwrap();
    assert_eq!(huge.state, "parked", "{huge:?}");
    let error = huge.last_error.clone().unwrap();
    assert!(
        error.contains("shipping") && error.contains("79228162514264337593543950335"),
        "the reason names the field and the value: {error}"
    );
    assert_eq!(
        huge.attempts, 1,
        "a payload that cannot be held is not retried"
    );
    assert_eq!(
        order_count(&app, a).await,
        100,
        "the bad order is not imported"
    );

    // a restart does not meet the parked delivery again; later deliveries still flow
    app.handle.stop(true).await;
    let second = restart_app(&app, &url).await;
    deliver(
        &second,
        "SHOPIFY",
        a,
        "orders/create",
        &plain_order(3_000),
        "after",
    )
    .await;
    wait_for_orders(&second, a, 101).await;
    let again = second.app_store.delivery(huge.id).await.unwrap().unwrap();
    assert_eq!((again.state.as_str(), again.attempts), ("parked", 1));

    // a replay answers with the error
    let replayed = second
        .data(
            "mutation($id: ID!) { replayWebhookDelivery(id: $id) { state error } }",
            json!({"id": huge.id.to_string()}),
        )
        .await;
    assert_eq!(replayed["replayWebhookDelivery"]["state"], "parked");
    assert!(replayed["replayWebhookDelivery"]["error"]
        .as_str()
        .unwrap()
        .contains("79228162514264337593543950335"));
}
