//! The real payloads in tests/fixtures arriving as REST answers instead of webhook bodies: each is
//! loaded into its platform's simulator byte for byte (`POST /_sim/orders/raw`), served by the
//! simulator's order list and single-order GET over real HTTP, read by orderhub's client and
//! stored by the sync engine's reconciliation run (or, for one order, the client's single GET
//! and `Store::apply_orders` as a sync run applies it). The orders must carry the same fields as
//! when the payloads arrive by webhook (webhooks_process.rs).
// covers: WH-6, IMP-1, IMP-3, IMP-5, IMP-7, ST-7, CUS-2, CUS-3, PRD-2, DLV-1

use crate::helpers::*;
use orderhub::domain::{SourceId, SyncRunId};
use orderhub::platforms::{shopify, woocommerce};
use orderhub::store::orders::Actor;
use serde_json::{json, Value};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The bytes of every element of the first JSON array after `key` in `bytes`, exactly as written.
fn elements(bytes: &[u8], key: &str) -> Vec<Vec<u8>> {
    let text = std::str::from_utf8(bytes).unwrap();
    let after = text.find(key).map(|i| i + key.len()).unwrap_or(0);
    let open = after + text[after..].find('[').unwrap();
    let (mut depth, mut in_str, mut escaped, mut start) = (0, false, false, 0);
    let mut out = Vec::new();
    for (i, c) in text[open..].char_indices() {
        let at = open + i;
        match (in_str, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (true, false, '"') => in_str = false,
            (false, _, '"') => in_str = true,
            (false, _, '[' | '{') => {
                if depth == 1 {
                    start = at;
                }
                depth += 1;
            }
            (false, _, ']' | '}') => {
                depth -= 1;
                if depth == 1 {
                    out.push(bytes[start..=at].to_vec());
                }
                if depth == 0 {
                    return out;
                }
            }
            _ => {}
        }
    }
    panic!("the list after {key} does not end");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Loads one order's bytes into a simulator; returns the id the simulator read from them.
async fn load_raw(sim_base: &str, body: &[u8]) -> u64 {
    let r = reqwest::Client::new()
        .post(format!("{sim_base}/_sim/orders/raw"))
        .header("content-type", "application/json")
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "HTTP {}", r.status());
    let answer: Value = r.json().await.unwrap();
    // serde_json keeps integers exact: no f64 on the way
    answer["id"].as_u64().unwrap()
}

/// The reconciliation run (WH-6) after the source's last sync was moved back before the fixtures'
/// years: the engine reads every order changed since then through the platform's REST list.
async fn reconcile_from_2000(app: &TestApp, source: SourceId) -> orderhub::store::rows::SyncRunRow {
    app.app_store
        .record_sync_success(source, "2000-01-01T00:00:00+00:00", false)
        .await
        .unwrap();
    poll_succeeds(app, source).await
}

async fn orders_of(app: &TestApp, source: SourceId) -> Vec<Value> {
    let d = app
        .data(
            r#"query($s: ID!) { orders(filter: {sourceId: $s}, first: 50) { totalCount edges { node {
                externalId number total currency currencyMismatch sourceStatus status { name group }
                platformCreatedAt platformUpdatedAt
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
        .collect()
}

fn find<'a>(orders: &'a [Value], external: &str) -> &'a Value {
    orders
        .iter()
        .find(|n| n["externalId"] == external)
        .unwrap_or_else(|| panic!("order {external} not imported: {orders:#?}"))
}

fn event<'a>(order: &'a Value, kind: &str) -> Vec<&'a str> {
    order["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .map(|e| e["message"].as_str().unwrap())
        .collect()
}

fn skus(order: &Value) -> Vec<Value> {
    order["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["sku"].clone())
        .collect()
}

#[tokio::test]
async fn shopify_fixtures_served_by_rest_become_orders() {
    let app = spawn_app().await;
    // the fixtures are years old: only an app with read_all_orders sees them (the 60-day window)
    let sim = shopify::sim::start(
        0,
        shopify::sim::SimOptions {
            read_all_orders: true,
            ..Default::default()
        },
    )
    .unwrap();
    let listing = fixture("shopify-order-1.json");
    let mut bodies = elements(&listing, "\"orders\"");
    assert_eq!(bodies.len(), 1, "the docs listing holds order #1001");
    bodies.push(fixture("shopify-order-2.json"));
    bodies.push(fixture("shopify-order-3.json"));
    let mut ids = Vec::new();
    for body in &bodies {
        ids.push(load_raw(&sim.base_url(), body).await);
    }
    assert_eq!(ids, [450789469, 820982911946154508, 2998557704341]);

    // what the client will read is the payloads' own bytes, not a re-serialisation
    let list = reqwest::Client::new()
        .get(format!("{}/admin/api/2025-07/orders.json", sim.base_url()))
        .query(&[
            ("status", "any"),
            ("updated_at_min", "2000-01-01T00:00:00Z"),
        ])
        .header("X-Shopify-Access-Token", "shpat_sim_0123456789abcdef")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    for body in &bodies {
        assert!(
            contains(&list, body),
            "the REST list carries the bytes as loaded"
        );
    }

    let src = shopify_source(&app, "USD", &sim).await;
    // IMP-1: the backfill reads the last 60 days; created_at_min leaves the old orders out
    let backfill = backfill_done(&app, &src.to_string()).await;
    assert_eq!(backfill["state"], "succeeded", "{backfill}");
    assert_eq!(backfill["ordersSeen"], 0, "{backfill}");

    let run = reconcile_from_2000(&app, src).await;
    assert_eq!(
        (run.orders_seen, run.orders_created, run.orders_skipped),
        (3, 3, 0)
    );
    let orders = orders_of(&app, src).await;
    assert_eq!(orders.len(), 3);

    let o1 = find(&orders, "450789469");
    assert_eq!(o1["number"], "#1001");
    assert_eq!(o1["total"], "598.94");
    assert_eq!(o1["currency"], "USD");
    assert_eq!(o1["currencyMismatch"], false);
    assert_eq!(o1["sourceStatus"], "partially_refunded/unfulfilled");
    assert_eq!(o1["platformCreatedAt"], "2008-01-10T16:00:00+00:00");
    // CUS-3: the customer with their contact details and address
    assert_eq!(o1["customer"]["firstName"], "Bob");
    assert_eq!(o1["customer"]["lastName"], "Norman");
    assert_eq!(o1["customer"]["email"], "bob.norman@hostmail.com");
    assert_eq!(o1["customer"]["phone"], "+16136120707");
    assert_eq!(
        o1["customer"]["address"],
        "Chestnut Street 92, Louisville, Kentucky, 40202, United States"
    );
    assert_eq!(o1["customer"]["unspecified"], false);
    // PRD-2: three variants of one product, SKU → sku, product id → code
    assert_eq!(
        skus(o1),
        [
            json!("IPOD2008GREEN"),
            json!("IPOD2008RED"),
            json!("IPOD2008BLACK")
        ]
    );
    assert!(o1["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["code"] == "632910392" && i["price"] == "199.00" && i["quantity"] == 1));
    assert_eq!(o1["items"][0]["name"], "IPod Nano - 8gb - green");
    // the only fulfilment failed: no tracking number from it
    assert_eq!(o1["trackingNumber"], Value::Null);
    // DLV-1: method, recipient, address, phone and cost as the delivery event
    assert_eq!(
        event(o1, "delivery"),
        ["Delivery: Free Shipping, Bob Norman, Chestnut Street 92, Louisville, Kentucky, 40202, United States, 555-625-1199, delivery cost 0.00"]
    );

    // ids above 2^53 survive to the digit; a cancelled order still starts at the default (ST-7)
    let o2 = find(&orders, "820982911946154508");
    assert_eq!(o2["number"], "#9999");
    assert_eq!(o2["total"], "403.00");
    assert_eq!(o2["sourceStatus"], "cancelled");
    assert_eq!(
        o2["status"]["group"], "NEW",
        "IMP-7/ST-7: Shopify orders start at the source's default"
    );
    assert_eq!(o2["customer"]["firstName"], "John");
    assert_eq!(o2["customer"]["lastName"], "Smith");
    assert_eq!(o2["customer"]["email"], "john@test.com");
    assert_eq!(skus(o2), [json!("IPOD2008PINK"), json!("IPOD2008PINK")]);
    assert_eq!(o2["items"][1]["code"], "632910392");
    assert_eq!(
        event(o2, "delivery"),
        ["Delivery: Generic Shipping, Steve Shipper, 123 Shipping Street, Shippington, Kentucky, 40003, United States, 555-555-SHIP, delivery cost 10.00"]
    );

    // IMP-5: an AUD order on a USD source is flagged, not converted
    let o3 = find(&orders, "2998557704341");
    assert_eq!(o3["number"], "#1030");
    assert_eq!(o3["currency"], "AUD");
    assert_eq!(o3["currencyMismatch"], true);
    assert_eq!(o3["total"], "59.45");
    assert_eq!(o3["sourceStatus"], "paid/unfulfilled");
    assert_eq!(o3["customer"]["email"], "ryanpwaldon@gmail.com");
    assert_eq!(o3["customer"]["phone"], Value::Null);
    assert_eq!(o3["items"][0]["sku"], Value::Null, "an empty SKU is no SKU");
    assert_eq!(o3["items"][0]["code"], "6122640146581");
    assert_eq!(o3["items"][0]["price"], "44.95");
    assert_eq!(
        event(o3, "delivery"),
        ["Delivery: Standard, Ryan Waldon, 306 / 39 London Circuit, Canberra, Australian Capital Territory, 2601, Australia, delivery cost 10.00"]
    );

    // the single-order GET serves the same bytes: the client reads line ids above 2^53 exactly,
    // and applied as a sync run applies it, the order is unchanged
    let row = app.app_store.source_row(src).await.unwrap().unwrap();
    let client = app.engine.client_of(&row).unwrap();
    let one = client
        .fetch_order("820982911946154508")
        .await
        .unwrap()
        .expect("GET /orders/{id}.json finds it");
    assert_eq!(one.external_id, "820982911946154508");
    let line_ids: Vec<Option<String>> = one.items.iter().map(|i| i.external_id.clone()).collect();
    assert_eq!(
        line_ids,
        [
            Some("866550311766439020".to_string()),
            Some("141249953214522974".to_string())
        ]
    );
    let manual = app
        .app_store
        .start_sync_run(src, "manual_order", None)
        .await
        .unwrap();
    let counts = app
        .app_store
        .apply_orders(src, &[one], Actor::Sync(SyncRunId(manual.id)))
        .await
        .unwrap();
    assert_eq!(
        (counts.created, counts.updated, counts.unchanged),
        (0, 0, 1)
    );
    assert!(client.fetch_order("450789470").await.unwrap().is_none());
    sim.stop().await;
}

#[tokio::test]
async fn woocommerce_fixtures_served_by_rest_become_orders() {
    let app = spawn_app().await;
    let sim = woocommerce::sim::start(0, Default::default()).unwrap();
    let listing = fixture("woocommerce-order-1.json");
    let mut bodies = elements(&listing, "");
    assert_eq!(bodies.len(), 2, "the docs listing holds orders 727 and 723");
    bodies.push(fixture("woocommerce-order-2.json"));
    bodies.push(fixture("woocommerce-order-3.json"));
    let mut ids = Vec::new();
    for body in &bodies {
        ids.push(load_raw(&sim.shop_url(), body).await);
    }
    assert_eq!(ids, [727, 723, 897, 14489]);

    // the REST list carries the payloads' own bytes, and counts them
    let r = reqwest::Client::new()
        .get(format!("{}/wp-json/wc/v3/orders", sim.shop_url()))
        .query(&[
            ("per_page", "100"),
            ("modified_after", "2000-01-01T00:00:00"),
        ])
        .basic_auth(
            "ck_sim0000000000000000000000000000000000000",
            Some("cs_sim0000000000000000000000000000000000000"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-wp-total"], "4");
    let list = r.bytes().await.unwrap();
    for body in &bodies {
        assert!(
            contains(&list, body),
            "the REST list carries the bytes as loaded"
        );
    }

    let src = woocommerce_source(&app, "USD", &sim).await;
    // IMP-1: the backfill reads the last 60 days; `after` leaves the old orders out
    let backfill = backfill_done(&app, &src.to_string()).await;
    assert_eq!(backfill["state"], "succeeded", "{backfill}");
    assert_eq!(backfill["ordersSeen"], 0, "{backfill}");

    // the reconciliation sees all four; IMP-1: completed orders it never imported stay out
    let run = reconcile_from_2000(&app, src).await;
    assert_eq!(
        (run.orders_seen, run.orders_created, run.orders_skipped),
        (4, 2, 2)
    );
    let orders = orders_of(&app, src).await;
    let mut imported: Vec<&str> = orders
        .iter()
        .map(|o| o["externalId"].as_str().unwrap())
        .collect();
    imported.sort();
    assert_eq!(imported, ["727", "897"]);

    // CUS-2: names and e-mail from billing; PRD-2: SKU → sku, product id → code
    let o = find(&orders, "727");
    assert_eq!(o["number"], "727");
    assert_eq!(o["total"], "29.35");
    assert_eq!(o["currencyMismatch"], false);
    assert_eq!(o["sourceStatus"], "processing");
    assert_eq!(o["platformCreatedAt"], "2017-03-22T19:28:02+00:00");
    assert_eq!(o["platformUpdatedAt"], "2017-03-22T19:28:08+00:00");
    assert_eq!(o["customer"]["firstName"], "John");
    assert_eq!(o["customer"]["lastName"], "Doe");
    assert_eq!(o["customer"]["email"], "john.doe@example.com");
    assert_eq!(o["items"].as_array().unwrap().len(), 2);
    assert_eq!(o["items"][0]["name"], "Woo Single #1");
    assert_eq!(o["items"][0]["sku"], Value::Null);
    assert_eq!(o["items"][0]["code"], "93");
    assert_eq!(o["items"][0]["quantity"], 2);
    assert_eq!(o["items"][0]["price"], "3.00");
    assert_eq!(
        o["items"][1]["name"], "Ship Your Idea – Color: Black, Size: M Test",
        "HTML entities decoded"
    );
    assert_eq!(o["items"][1]["sku"], "Bar3");
    assert_eq!(o["items"][1]["code"], "22");
    assert_eq!(o["items"][1]["price"], "12.00");
    // DLV-1: WooCommerce delivery is not imported
    assert!(event(o, "delivery").is_empty());

    let o = find(&orders, "897");
    assert_eq!(o["customer"]["firstName"], "Uyi");
    assert_eq!(o["customer"]["email"], "uyi@penciledge.net");
    assert_eq!(o["items"][0]["price"], "14.99");
    assert_eq!(o["items"][0]["code"], "753");
    assert_eq!(o["total"], "28.44");
    assert_eq!(o["status"]["group"], "NEW");

    // the completed ones by the single-order GET, applied as a sync run applies an order
    let row = app.app_store.source_row(src).await.unwrap().unwrap();
    let client = app.engine.client_of(&row).unwrap();
    let mut fetched = Vec::new();
    for id in ["14489", "723"] {
        fetched.push(
            client
                .fetch_order(id)
                .await
                .unwrap()
                .expect("GET /orders/{id} finds it"),
        );
    }
    assert!(client.fetch_order("724").await.unwrap().is_none());
    let manual = app
        .app_store
        .start_sync_run(src, "manual_order", None)
        .await
        .unwrap();
    let counts = app
        .app_store
        .apply_orders(src, &fetched, Actor::Sync(SyncRunId(manual.id)))
        .await
        .unwrap();
    assert_eq!((counts.created, counts.skipped), (2, 0));
    let orders = orders_of(&app, src).await;
    // a 9.8 order with an all-empty shipping block; CAD on a USD source (IMP-5)
    let o = find(&orders, "14489");
    assert_eq!(o["customer"]["firstName"], "Ben");
    assert_eq!(o["customer"]["lastName"], "Chukwuma");
    assert_eq!(o["customer"]["email"], "benbright066@gmail.com");
    assert_eq!(o["customer"]["phone"], "+2348100599608");
    assert_eq!(o["currency"], "CAD");
    assert_eq!(o["currencyMismatch"], true);
    assert_eq!(o["total"], "24.35");
    assert_eq!(o["sourceStatus"], "completed");
    assert_eq!(
        o["status"]["group"], "NEW",
        "IMP-7: WooCommerce orders start at the default"
    );
    assert_eq!(
        o["items"][0]["name"],
        "Saturday Night at Backroom Comedy Club"
    );
    assert_eq!(o["items"][0]["code"], "4154");
    assert_eq!(o["items"][0]["price"], "24.35");
    let o = find(&orders, "723");
    assert_eq!(o["customer"]["firstName"], "João");
    assert_eq!(o["total"], "39.00");
    assert_eq!(o["items"].as_array().unwrap().len(), 2);
    sim.server.stop().await;
}
