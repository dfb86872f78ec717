//! The Shopify client against the running simulator, and the simulator's webhook deliveries
//! against a small receiver, over real HTTP on 127.0.0.1.

use super::client::ShopifyClient;
use super::map;
use super::sim::{self, Edit, NewItem, NewOrder, Sim, SimOptions, INVALID_TOKEN};
use crate::domain::credentials::Credentials;
use crate::domain::orders::{ImportedOrder, StatusClass};
use crate::domain::{Platform, SourceId};
use crate::platforms::http::HttpPolicy;
use crate::platforms::sim::{serve, SimServer, PRODUCTS};
use crate::platforms::test_support::reads_one_by_one;
use crate::platforms::{signature, PlatformClient, PlatformError, SourceConfig, StockUpdate};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration as ChronoDuration, Timelike, Utc};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn start(options: SimOptions) -> Sim {
    sim::start(0, options).expect("simulator starts")
}

/// Webhook tests: retries milliseconds apart, a short answer timeout.
fn fast_webhooks() -> SimOptions {
    SimOptions {
        retry_delays: vec![Duration::from_millis(20)],
        webhook_timeout: Duration::from_millis(700),
        ..SimOptions::default()
    }
}

fn config(sim: &Sim, token: &str, settings: Value) -> SourceConfig {
    SourceConfig {
        source_id: SourceId(42),
        platform: Platform::Shopify,
        base_url: sim.base_url(),
        credentials: Credentials {
            shop_domain: Some(sim.state.options.shop_domain.clone()),
            access_token: Some(token.to_string()),
            webhook_secret: Some(sim.state.options.webhook_secret.clone()),
            ..Default::default()
        },
        language: None,
        settings,
        http: HttpPolicy::fast(),
    }
}

fn client_with(sim: &Sim, settings: Value) -> ShopifyClient {
    ShopifyClient::new(config(sim, &sim.state.options.access_token, settings)).unwrap()
}

fn client(sim: &Sim) -> ShopifyClient {
    client_with(sim, json!({"page_size": 20}))
}

fn ids(orders: &[ImportedOrder]) -> Vec<String> {
    orders.iter().map(|o| o.external_id.clone()).collect()
}

fn id_set(orders: &[ImportedOrder]) -> HashSet<String> {
    let set: HashSet<String> = ids(orders).into_iter().collect();
    assert_eq!(set.len(), orders.len(), "an order came twice");
    set
}

fn created(o: &super::wire::Order) -> DateTime<Utc> {
    o.created_at.with_timezone(&Utc)
}

fn order_spec(buyer: u64, items: &[(usize, i64)]) -> NewOrder {
    NewOrder {
        buyer,
        items: items
            .iter()
            .map(|(product, quantity)| NewItem {
                product: *product,
                quantity: *quantity,
            })
            .collect(),
        status: Some("paid".into()),
        minutes_ago: Some(5),
    }
}

async fn wait_until(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

// ---- a webhook receiver ----------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Received {
    headers: HashMap<String, String>,
    body: Vec<u8>,
    verified: bool,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }
}

/// Verifies every delivery with `signature::verify`, records it, and fails on request.
#[derive(Default)]
struct Receiver {
    secret: String,
    got: Mutex<Vec<Received>>,
    /// The next n deliveries get HTTP 500.
    fail_next: AtomicU32,
    fail_always: AtomicBool,
    /// The next n deliveries are answered only after 2 s (past the 700 ms test timeout).
    slow_next: AtomicU32,
}

impl Receiver {
    fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }
}

fn take_one(counter: &AtomicU32) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

async fn receive(rx: web::Data<Receiver>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let headers: HashMap<String, String> = req
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let claimed = headers
        .get("x-shopify-hmac-sha256")
        .cloned()
        .unwrap_or_default();
    let verified = signature::verify(rx.secret.as_bytes(), &body, &claimed);
    rx.got.lock().unwrap().push(Received {
        headers,
        body: body.to_vec(),
        verified,
    });
    if !verified {
        return HttpResponse::Unauthorized().finish();
    }
    if take_one(&rx.slow_next) {
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    if take_one(&rx.fail_next) || rx.fail_always.load(Ordering::SeqCst) {
        return HttpResponse::InternalServerError().finish();
    }
    HttpResponse::Ok().finish()
}

fn start_receiver(secret: &str) -> (Arc<Receiver>, SimServer, String) {
    let rx = Arc::new(Receiver {
        secret: secret.to_string(),
        ..Receiver::default()
    });
    let data = web::Data::from(rx.clone());
    let server = serve(0, move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(data.clone())
            .route("/webhooks/shopify/42", web::post().to(receive));
    })
    .expect("receiver starts");
    let address = format!("{}/webhooks/shopify/42", server.base_url());
    (rx, server, address)
}

// ---- client vs simulator ---------------------------------------------------------------------

// covers: SRC-2
#[tokio::test]
async fn authorize_accepts_the_token_and_names_the_refusal() {
    let sim = start(SimOptions::default());
    client(&sim)
        .authorize()
        .await
        .expect("the right token works");
    let wrong = ShopifyClient::new(config(&sim, "shpat_wrong", json!({}))).unwrap();
    match wrong.authorize().await {
        Err(PlatformError::Unauthorized(msg)) => assert_eq!(msg, INVALID_TOKEN),
        other => panic!("expected Unauthorized, got {other:?}"),
    }
}

// covers: SRC-6
#[tokio::test]
async fn a_revoked_token_is_unauthorized_until_restored() {
    let sim = start(SimOptions::default());
    let c = client(&sim);
    let http = reqwest::Client::new();
    http.post(format!("{}/_sim/revoke", sim.base_url()))
        .send()
        .await
        .unwrap();
    match c.orders_changed_since(Utc::now(), Utc::now()).await {
        Err(PlatformError::Unauthorized(msg)) => assert!(msg.contains("Invalid API key")),
        other => panic!("expected Unauthorized, got {other:?}"),
    }
    http.post(format!("{}/_sim/restore", sim.base_url()))
        .send()
        .await
        .unwrap();
    c.authorize().await.expect("works again after restore");
}

// covers: IMP-1, IMP-4
#[tokio::test]
async fn backfill_reads_every_page_of_the_window_without_final_orders() {
    let sim = start(SimOptions::default());
    sim.state.seed(150, 90);
    let c = client(&sim);
    let from = Utc::now() - ChronoDuration::days(59);
    let got = c.orders_created_since(from).await.unwrap().orders;
    let all = sim.state.orders();
    let in_window: Vec<_> = all.iter().filter(|o| created(o) >= from).collect();
    let expected: HashSet<String> = in_window
        .iter()
        .filter(|o| !map::excluded_from_backfill(o))
        .map(|o| o.id.to_string())
        .collect();
    assert!(
        in_window.iter().any(|o| map::excluded_from_backfill(o)),
        "the seed must hold final orders for the exclusion to be tested"
    );
    assert!(
        expected.len() > 40,
        "several pages of 20: {}",
        expected.len()
    );
    assert_eq!(id_set(&got), expected);
    assert!(got
        .iter()
        .all(|o| o.status_class == StatusClass::Processing));
    assert_eq!(c.last_backfill_note(), None);

    // 90 days without read_all_orders: what Shopify shows (60 days), and a note saying so
    let from = Utc::now() - ChronoDuration::days(90);
    let got = c.orders_created_since(from).await.unwrap().orders;
    let visible_from = Utc::now() - ChronoDuration::days(60);
    let older = all.iter().filter(|o| created(o) < visible_from).count();
    assert!(older > 0, "the seed must hold orders older than 60 days");
    let expected: HashSet<String> = all
        .iter()
        .filter(|o| created(o) >= visible_from && !map::excluded_from_backfill(o))
        .map(|o| o.id.to_string())
        .collect();
    assert_eq!(id_set(&got), expected);
    let note = c.last_backfill_note().expect("a note on the 60-day window");
    assert!(
        note.contains("read_all_orders") && note.contains("60 days"),
        "{note}"
    );
}

// covers: IMP-1
#[tokio::test]
async fn with_read_all_orders_the_backfill_reaches_past_60_days() {
    let sim = start(SimOptions {
        read_all_orders: true,
        ..SimOptions::default()
    });
    sim.state.seed(120, 90);
    let c = client_with(&sim, json!({"page_size": 50, "read_all_orders": true}));
    let from = Utc::now() - ChronoDuration::days(90);
    let got = c.orders_created_since(from).await.unwrap().orders;
    let expected: HashSet<String> = sim
        .state
        .orders()
        .iter()
        .filter(|o| created(o) >= from && !map::excluded_from_backfill(o))
        .map(|o| o.id.to_string())
        .collect();
    assert_eq!(id_set(&got), expected);
    assert!(got
        .iter()
        .any(|o| o.created_at < Utc::now() - ChronoDuration::days(61)));
    assert_eq!(c.last_backfill_note(), None);
}

// covers: WH-6, SYNC-1
#[tokio::test]
async fn reconciliation_sees_every_kind_of_edit() {
    let sim = start(SimOptions::default());
    sim.state.seed(60, 30);
    let now = Utc::now();
    let since = now.with_nanosecond(0).unwrap();
    let open: Vec<_> = sim
        .state
        .orders()
        .into_iter()
        .filter(|o| o.cancelled_at.is_none() && o.fulfillment_status.is_none())
        .collect();
    assert!(open.len() >= 5);
    let (a, b, cc, d, e) = (&open[0], &open[1], &open[2], &open[3], &open[4]);
    sim.edit_order(
        a.id,
        &Edit::AddItem {
            product: 3,
            quantity: 1,
        },
    )
    .unwrap();
    sim.edit_order(
        b.id,
        &Edit::SetQuantity {
            line: b.line_items[0].id,
            quantity: 7,
        },
    )
    .unwrap();
    sim.edit_order(cc.id, &Edit::TrackingNumber("20450000000001".into()))
        .unwrap();
    sim.edit_order(d.id, &Edit::Status("paid".into())).unwrap();
    sim.edit_order(e.id, &Edit::Cancel(true)).unwrap();
    let (new, _) = sim
        .create_order(&NewOrder {
            minutes_ago: Some(0),
            ..order_spec(3, &[(0, 1)])
        })
        .unwrap();

    let got = client(&sim)
        .orders_changed_since(since, since)
        .await
        .unwrap()
        .orders;
    let expected: HashSet<String> = [a.id, b.id, cc.id, d.id, e.id, new.id]
        .iter()
        .map(u64::to_string)
        .collect();
    assert_eq!(id_set(&got), expected);
    let by_id: HashMap<String, &ImportedOrder> =
        got.iter().map(|o| (o.external_id.clone(), o)).collect();
    assert_eq!(by_id[&a.id.to_string()].items.len(), a.line_items.len() + 1);
    assert_eq!(
        by_id[&b.id.to_string()].items[0].quantity,
        rust_decimal::Decimal::from(7)
    );
    let shipped = by_id[&cc.id.to_string()];
    assert_eq!(shipped.tracking_number.as_deref(), Some("20450000000001"));
    assert_eq!(shipped.status_class, StatusClass::Completed);
    assert_eq!(
        by_id[&d.id.to_string()].source_status.as_deref(),
        Some("paid/unfulfilled")
    );
    assert_eq!(
        by_id[&e.id.to_string()].status_class,
        StatusClass::Cancelled
    );
}

async fn backfill_ids(c: &ShopifyClient) -> Result<Vec<String>, PlatformError> {
    let mut v = ids(&c
        .orders_created_since(Utc::now() - ChronoDuration::days(40))
        .await?
        .orders);
    v.sort();
    Ok(v)
}

// covers: IMP-4
#[tokio::test]
async fn every_fault_is_retried_without_losing_or_doubling_orders() {
    let sim = start(SimOptions {
        bucket_size: 10_000,
        ..SimOptions::default()
    });
    sim.state.seed(60, 30);
    let c = client_with(&sim, json!({"page_size": 10}));
    let baseline = backfill_ids(&c).await.unwrap();
    assert!(baseline.len() > 20);
    let http = reqwest::Client::new();
    for fault in [
        json!({"kind": "rate_limit", "retry_after": 1, "count": 2}),
        json!({"kind": "server_error", "status": 500, "count": 2}),
        json!({"kind": "server_error", "status": 502, "count": 1}),
        json!({"kind": "server_error", "status": 503, "count": 2}),
        json!({"kind": "timeout", "seconds": 3, "count": 1}),
        json!({"kind": "truncated_json", "count": 2}),
    ] {
        let r = http
            .post(format!("{}/_sim/faults", sim.base_url()))
            .json(&fault)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        assert_eq!(backfill_ids(&c).await.unwrap(), baseline, "after {fault}");
    }
    // more faults than attempts: the error says it is worth retrying later
    http.post(format!("{}/_sim/faults", sim.base_url()))
        .json(&json!({"kind": "server_error", "status": 503, "count": 10}))
        .send()
        .await
        .unwrap();
    let err = backfill_ids(&c).await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
}

// covers: IMP-1 (rate limit of the note §2.4)
#[tokio::test]
async fn the_leaky_bucket_answers_429_and_the_client_still_completes() {
    let sim = start(SimOptions {
        bucket_size: 3,
        leak_per_sec: 10,
        ..SimOptions::default()
    });
    sim.state.seed(30, 20);
    let http = reqwest::Client::new();
    let url = format!("{}/admin/api/2025-07/orders/count.json", sim.base_url());
    let mut statuses = Vec::new();
    let mut last = None;
    for _ in 0..5 {
        let r = http
            .get(&url)
            .header("X-Shopify-Access-Token", &sim.state.options.access_token)
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
        if r.status().as_u16() == 429 {
            last = Some((
                r.headers()["retry-after"].to_str().unwrap().to_string(),
                r.headers()["x-shopify-shop-api-call-limit"]
                    .to_str()
                    .unwrap()
                    .to_string(),
                r.text().await.unwrap(),
            ));
        } else {
            assert!(r.headers().contains_key("x-shopify-shop-api-call-limit"));
        }
    }
    assert_eq!(&statuses[..3], &[200, 200, 200]);
    let (retry_after, limit, body) = last.expect("the bucket overflowed");
    assert!(retry_after.parse::<f64>().unwrap() > 0.0);
    assert_eq!(limit, "3/3");
    assert!(body.contains("Exceeded 10 calls per second"), "{body}");

    // the client paces itself on the header, and obeys Retry-After when it still overflows
    let c = client_with(
        &sim,
        json!({"page_size": 3, "bucket_margin": 0, "leak_per_sec": 10}),
    );
    let got = c
        .orders_created_since(Utc::now() - ChronoDuration::days(30))
        .await
        .unwrap()
        .orders;
    let expected = sim
        .state
        .orders()
        .iter()
        .filter(|o| !map::excluded_from_backfill(o))
        .count();
    assert_eq!(id_set(&got).len(), expected);
}

// covers: IMP-1 (pagination rules of the note §2.3)
#[tokio::test]
async fn page_info_refuses_filters_and_limit_is_capped() {
    let sim = start(SimOptions::default());
    sim.state.seed(20, 20);
    let http = reqwest::Client::new();
    let token = sim.state.options.access_token.clone();
    let list = format!("{}/admin/api/2025-07/orders.json", sim.base_url());
    let r = http
        .get(format!("{list}?status=any&limit=5"))
        .header("X-Shopify-Access-Token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let link = r.headers()["link"].to_str().unwrap().to_string();
    assert!(link.contains("rel=\"next\""), "{link}");
    let text = r.text().await.unwrap();
    // ids beyond 2^53 are written as exact integers
    let first_id = sim::FIRST_ORDER_ID;
    assert!(first_id > 1 << 53);
    let v: Value = serde_json::from_str(&text).unwrap();
    assert!(v["orders"][0]["id"].as_u64().unwrap() >= first_id);
    let page_info = super::client::next_page_info(&link).unwrap();

    let r = http
        .get(format!("{list}?limit=5&status=any&page_info={page_info}"))
        .header("X-Shopify-Access-Token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body,
        json!({"errors": {"status": "status cannot be passed when page_info is present."}})
    );
    let r = http
        .get(format!("{list}?limit=5&page_info={page_info}"))
        .header("X-Shopify-Access-Token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let link2 = r.headers()["link"].to_str().unwrap().to_string();
    assert!(link2.contains("rel=\"previous\""), "{link2}");

    let r = http
        .get(format!("{list}?status=any&limit=251"))
        .header("X-Shopify-Access-Token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    // the default status is `open`: cancelled and closed orders are left out
    let r: Value = http
        .get(format!("{list}?limit=250"))
        .header("X-Shopify-Access-Token", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(r["orders"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["cancelled_at"].is_null()));
}

// covers: SYNC-4, IMP-3
#[tokio::test]
async fn fetch_order_finds_one_and_hides_unknown_and_old_ones() {
    let sim = start(SimOptions::default());
    sim.state.seed(100, 90);
    let c = client(&sim);
    let all = sim.state.orders();
    let recent = all
        .iter()
        .find(|o| created(o) > Utc::now() - ChronoDuration::days(30))
        .unwrap();
    let got = c
        .fetch_order(&recent.id.to_string())
        .await
        .unwrap()
        .expect("found");
    // the REST answer maps to exactly what the simulator stores (a lossless round trip)
    assert_eq!(
        format!("{got:?}"),
        format!("{:?}", map::to_imported(recent).unwrap())
    );
    assert_eq!(got.external_id, recent.id.to_string());
    assert!(recent.id > 1 << 53);
    assert!(got
        .customer
        .as_ref()
        .is_some_and(|c| !c.unspecified && c.phone.is_some()));
    assert!(c.fetch_order("1").await.unwrap().is_none());
    assert!(c.fetch_order("not-a-number").await.unwrap().is_none());
    let old = all
        .iter()
        .find(|o| created(o) < Utc::now() - ChronoDuration::days(61))
        .unwrap();
    assert!(c.fetch_order(&old.id.to_string()).await.unwrap().is_none());
}

// covers: ST-7, PUB-1, STK-1
#[tokio::test]
async fn no_status_push_but_products_are_listed() {
    let sim = start(SimOptions::default());
    let ids = sim.state.seed(3, 5);
    let c = client_with(&sim, json!({"page_size": 5}));
    let id = ids[0].to_string();
    assert_eq!(c.allowed_next_statuses(&id).await.unwrap(), None);
    assert!(matches!(
        c.change_status(&id, "fulfilled", None).await,
        Err(PlatformError::Unsupported(_))
    ));
    assert!(matches!(
        c.set_tracking_number(&id, "20450000000001").await,
        Err(PlatformError::Unsupported(_))
    ));
    let update = StockUpdate {
        external_id: sim::product_id(0).to_string(),
        sku: None,
        quantity: 3,
        price: None,
    };
    assert!(matches!(
        c.push_stock(&[update]).await,
        Err(PlatformError::Unsupported(_))
    ));
    let publications = c.list_publications().await.unwrap();
    assert_eq!(publications.len(), PRODUCTS.len(), "three pages of 5");
    for (i, p) in publications.iter().enumerate() {
        assert_eq!(p.external_id, sim::product_id(i).to_string());
        assert_eq!(p.sku.as_deref(), Some(PRODUCTS[i].1));
        assert_eq!(p.price, Some(PRODUCTS[i].2.parse().unwrap()));
        assert!(p.stock.is_some());
    }
    // PUB-1: one product by its id, as the listing shows it; an unknown one is none
    reads_one_by_one(&c, &[publications.last().unwrap()], &["1", "a-handle"]).await;
}

// covers: CUS-3
#[tokio::test]
async fn a_basic_plan_hides_the_customer_in_rest_and_webhooks() {
    let sim = start(SimOptions {
        basic_plan: true,
        ..fast_webhooks()
    });
    let (rx, _server, address) = start_receiver(&sim.state.options.webhook_secret);
    sim.state.subscribe("orders/create", &address);
    let (order, _) = sim.create_order(&order_spec(5, &[(1, 1)])).unwrap();
    let got = client(&sim)
        .fetch_order(&order.id.to_string())
        .await
        .unwrap()
        .unwrap();
    let customer = got.customer.unwrap();
    assert!(customer.unspecified, "{customer:?}");
    wait_until("the delivery", 20, || !rx.got().is_empty()).await;
    let delivered = map::parse_order(&rx.got()[0].body).unwrap();
    assert!(delivered.customer.as_ref().unwrap().email.is_none());
    assert!(delivered.customer.as_ref().unwrap().id.is_some());
    assert!(map::customer(&delivered).unspecified);
    // the stored order still knows the buyer: only the answers hide it
    assert!(sim.state.order(order.id).unwrap().order.email.is_some());
}

// covers: WH-6 (self-healing subscriptions)
#[tokio::test]
async fn ensure_webhooks_creates_the_missing_subscriptions_and_recreates_a_deleted_one() {
    let sim = start(SimOptions::default());
    let c = client(&sim);
    let address = "https://hub.example.com/webhooks/shopify/42";
    let topics = ["orders/create", "orders/updated", "orders/cancelled"];
    sim.state.subscribe("orders/create", address);
    sim.state
        .subscribe("orders/updated", "https://other.example.com/hook");
    let created = c.ensure_webhooks(address, &topics).await.unwrap();
    assert_eq!(created, vec!["orders/updated", "orders/cancelled"]);
    assert!(c
        .ensure_webhooks(address, &topics)
        .await
        .unwrap()
        .is_empty());
    let listed = c.list_webhooks().await.unwrap();
    assert_eq!(listed.len(), 4);
    let updated = listed
        .iter()
        .find(|w| w.topic == "orders/updated" && w.address == address)
        .unwrap();
    assert_eq!(updated.api_version.as_deref(), Some("2025-07"));
    c.delete_webhook(updated.id).await.unwrap();
    assert_eq!(
        c.ensure_webhooks(address, &topics).await.unwrap(),
        vec!["orders/updated"]
    );
    // Shopify's own refusals come back in its words
    match c.create_webhook(address, "orders/create").await {
        Err(PlatformError::Refused { code, message }) => {
            assert_eq!(code.as_deref(), Some("422"));
            assert!(message.contains("already been taken"), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(matches!(
        c.create_webhook(address, "orders/unknown").await,
        Err(PlatformError::Refused { .. })
    ));
}

// ---- webhook deliveries ----------------------------------------------------------------------

// covers: WH-1, WH-3
#[tokio::test]
async fn deliveries_carry_shopifys_headers_and_a_verifiable_signature() {
    let sim = start(fast_webhooks());
    let secret = sim.state.options.webhook_secret.clone();
    let (rx, _server, address) = start_receiver(&secret);
    let c = client(&sim);
    c.ensure_webhooks(&address, &["orders/create", "orders/updated"])
        .await
        .unwrap();
    // through the control API, as the demo does
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/_sim/orders", sim.base_url()))
        .json(&json!({"buyer": 7, "items": [{"product": 2, "quantity": 2}], "status": "paid"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = answer["order"]["id"].as_u64().unwrap();
    assert!(id > 1 << 53);
    wait_until("two deliveries", 20, || rx.got().len() >= 2).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let got = rx.got();
    assert_eq!(got.len(), 2, "one delivery per subscription");
    let mut topics: Vec<&str> = got.iter().map(|r| r.header("x-shopify-topic")).collect();
    topics.sort();
    assert_eq!(topics, vec!["orders/create", "orders/updated"]);
    for r in &got {
        assert!(r.verified, "signature verifies over the raw body");
        assert_eq!(
            r.header("x-shopify-hmac-sha256"),
            signature::sign(secret.as_bytes(), &r.body)
        );
        assert!(!signature::verify(
            b"another-secret",
            &r.body,
            r.header("x-shopify-hmac-sha256")
        ));
        assert_eq!(r.header("content-type"), "application/json");
        assert_eq!(r.header("user-agent"), "Shopify-Captain-Hook");
        assert_eq!(
            r.header("x-shopify-shop-domain"),
            "demo-store.myshopify.com"
        );
        assert_eq!(r.header("x-shopify-api-version"), "2025-07");
        let webhook_id = r.header("x-shopify-webhook-id");
        assert_eq!(webhook_id.len(), 36);
        assert_eq!(webhook_id.matches('-').count(), 4);
        let triggered = r.header("x-shopify-triggered-at");
        assert!(triggered.ends_with('Z'), "{triggered}");
        assert!(
            DateTime::parse_from_rfc3339(triggered).is_ok(),
            "{triggered}"
        );
        let order = map::parse_order(&r.body).unwrap();
        assert_eq!(order.id, id);
        assert_eq!(
            map::to_imported(&order).unwrap().external_id,
            id.to_string()
        );
        assert_eq!(order, sim.state.order(id).unwrap().order);
    }
    assert_ne!(
        got[0].header("x-shopify-webhook-id"),
        got[1].header("x-shopify-webhook-id")
    );
    assert_eq!(
        got[0].header("x-shopify-event-id"),
        got[1].header("x-shopify-event-id"),
        "one merchant action, one event id"
    );
    let log = sim.state.deliveries();
    assert_eq!(log.len(), 2);
    assert!(log.iter().all(|d| d.ok && d.status == Some(200)));
}

// covers: WH-2, WH-3
#[tokio::test]
async fn a_failed_delivery_is_retried_with_the_same_id_body_and_trigger_time() {
    let sim = start(SimOptions {
        updated_with_create: false,
        ..fast_webhooks()
    });
    let (rx, _server, address) = start_receiver(&sim.state.options.webhook_secret);
    let sub = sim.state.subscribe("orders/create", &address);
    rx.fail_next.store(3, Ordering::SeqCst);
    let (order, webhook_ids) = sim.create_order(&order_spec(1, &[(0, 1)])).unwrap();
    assert_eq!(webhook_ids.len(), 1);
    wait_until("four attempts", 20, || rx.got().len() >= 4).await;
    wait_until("the log", 20, || sim.state.deliveries().len() >= 4).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    let got = rx.got();
    assert_eq!(got.len(), 4, "stops after the first success");
    for r in &got {
        assert_eq!(r.header("x-shopify-webhook-id"), webhook_ids[0]);
        assert_eq!(r.body, got[0].body);
        assert_eq!(
            r.header("x-shopify-triggered-at"),
            got[0].header("x-shopify-triggered-at")
        );
        assert_eq!(
            r.header("x-shopify-event-id"),
            got[0].header("x-shopify-event-id")
        );
        assert!(r.verified);
    }
    assert_eq!(map::parse_order(&got[3].body).unwrap().id, order.id);
    let log = sim.state.deliveries();
    let statuses: Vec<Option<u16>> = log.iter().map(|d| d.status).collect();
    assert_eq!(statuses, vec![Some(500), Some(500), Some(500), Some(200)]);
    assert_eq!(
        log.iter().map(|d| d.attempt).collect::<Vec<_>>(),
        vec![0, 1, 2, 3]
    );
    let subs = sim.state.subscriptions();
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].webhook.id, sub.id);
    assert_eq!(subs[0].consecutive_failures, 0);
    assert_eq!((subs[0].failed, subs[0].delivered), (3, 1));
}

// covers: WH-2 (an answer slower than Shopify's limit is a failure)
#[tokio::test]
async fn a_slow_answer_counts_as_a_failure_and_is_retried() {
    let sim = start(SimOptions {
        updated_with_create: false,
        ..fast_webhooks()
    });
    let (rx, _server, address) = start_receiver(&sim.state.options.webhook_secret);
    sim.state.subscribe("orders/create", &address);
    rx.slow_next.store(1, Ordering::SeqCst);
    sim.create_order(&order_spec(2, &[(4, 1)])).unwrap();
    wait_until("the retry", 20, || {
        sim.state.deliveries().iter().any(|d| d.ok)
    })
    .await;
    let log = sim.state.deliveries();
    assert_eq!(log.len(), 2);
    assert!(!log[0].ok);
    assert_eq!(log[0].error.as_deref(), Some("timed out"));
    assert!(log[1].ok);
    let got = rx.got();
    assert_eq!(
        got[0].header("x-shopify-webhook-id"),
        got[1].header("x-shopify-webhook-id")
    );
}

// covers: WH-6 (a deleted subscription is noticed and re-created)
#[tokio::test]
async fn eight_failed_retries_delete_the_subscription_and_nothing_more_is_sent() {
    let sim = start(SimOptions {
        updated_with_create: false,
        ..fast_webhooks()
    });
    let (rx, _server, address) = start_receiver(&sim.state.options.webhook_secret);
    let c = client(&sim);
    c.ensure_webhooks(&address, &["orders/create"])
        .await
        .unwrap();
    rx.fail_always.store(true, Ordering::SeqCst);
    let (_, webhook_ids) = sim.create_order(&order_spec(1, &[(0, 1)])).unwrap();
    wait_until("the removal", 10, || sim.state.subscriptions().is_empty()).await;
    let got = rx.got();
    assert_eq!(got.len(), 9, "the first attempt and 8 retries");
    assert!(got
        .iter()
        .all(|r| r.header("x-shopify-webhook-id") == webhook_ids[0]));
    let log = sim.state.deliveries();
    assert_eq!(
        log.iter().map(|d| d.attempt).collect::<Vec<_>>(),
        (0..=8).collect::<Vec<u32>>()
    );
    assert!(log.iter().all(|d| d.status == Some(500)));
    let removed = sim.state.removed_subscriptions();
    assert_eq!(removed.len(), 1);
    assert!(removed[0].reason.contains("9 consecutive failed attempts"));
    assert!(c.list_webhooks().await.unwrap().is_empty());

    // nothing more goes to a deleted subscription
    sim.create_order(&order_spec(2, &[(1, 1)])).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rx.got().len(), 9);

    // the self-healing check subscribes again, and deliveries resume
    rx.fail_always.store(false, Ordering::SeqCst);
    assert_eq!(
        c.ensure_webhooks(&address, &["orders/create"])
            .await
            .unwrap(),
        vec!["orders/create"]
    );
    let (order, _) = sim.create_order(&order_spec(3, &[(2, 1)])).unwrap();
    wait_until("the new delivery", 20, || rx.got().len() == 10).await;
    assert_eq!(map::parse_order(&rx.got()[9].body).unwrap().id, order.id);
}

// covers: WH-3, WH-5
#[tokio::test]
async fn duplicates_and_stale_deliveries_on_demand() {
    let sim = start(SimOptions {
        updated_with_create: false,
        ..fast_webhooks()
    });
    let (rx, _server, address) = start_receiver(&sim.state.options.webhook_secret);
    sim.state.subscribe("orders/updated", &address);
    let (order, _) = sim.create_order(&order_spec(4, &[(0, 1)])).unwrap();
    let http = reqwest::Client::new();
    let edited: Value = http
        .patch(format!("{}/_sim/orders/{}", sim.base_url(), order.id))
        .json(&json!({"add_item": {"product": 5, "quantity": 1}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(edited["webhook_ids"].as_array().unwrap().len(), 1);
    wait_until("the update", 20, || rx.got().len() == 1).await;

    let sent: Value = http
        .post(format!("{}/_sim/webhooks/send", sim.base_url()))
        .json(&json!({"order": order.id, "topic": "orders/updated", "duplicates": 2}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let dup_id = sent["webhook_ids"][0].as_str().unwrap().to_string();
    wait_until("three copies", 20, || rx.got().len() == 4).await;
    let copies: Vec<Received> = rx
        .got()
        .into_iter()
        .filter(|r| r.header("x-shopify-webhook-id") == dup_id)
        .collect();
    assert_eq!(copies.len(), 3);
    assert!(copies.iter().all(|r| r.body == copies[0].body));

    let sent: Value = http
        .post(format!("{}/_sim/webhooks/send", sim.base_url()))
        .json(&json!({"order": order.id, "topic": "orders/updated", "stale": true}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let stale_id = sent["webhook_ids"][0].as_str().unwrap().to_string();
    wait_until("the stale one", 20, || rx.got().len() == 5).await;
    let got = rx.got();
    let stale = got
        .iter()
        .find(|r| r.header("x-shopify-webhook-id") == stale_id)
        .unwrap();
    let stale_order = map::parse_order(&stale.body).unwrap();
    let current = map::parse_order(&copies[0].body).unwrap();
    assert!(map::updated_at(&stale_order) < map::updated_at(&current));
    assert_eq!(stale_order.line_items.len() + 1, current.line_items.len());
    let control: Value = http
        .get(format!("{}/_sim/webhooks", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(control["deliveries"].as_array().unwrap().len(), 5);
    assert_eq!(control["subscriptions"][0]["delivered"], json!(5));
}

// ---- raw orders (`POST /_sim/orders/raw`) ----------------------------------------------------

const RAW_2: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/shopify-order-2.json"
));
const RAW_3: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/shopify-order-3.json"
));

async fn load_raw(sim: &Sim, body: &[u8]) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/_sim/orders/raw", sim.base_url()))
        .body(body.to_vec())
        .send()
        .await
        .unwrap()
}

/// `GET orders.json` with `query`: the body as bytes and the ids in it.
async fn raw_list(sim: &Sim, query: &str) -> (Vec<u8>, Vec<u64>) {
    let r = reqwest::Client::new()
        .get(format!(
            "{}/admin/api/2025-07/orders.json?{query}",
            sim.base_url()
        ))
        .header("X-Shopify-Access-Token", &sim.state.options.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body = r.bytes().await.unwrap().to_vec();
    let v: Value = serde_json::from_slice(&body).unwrap();
    let ids = v["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_u64().unwrap())
        .collect();
    (body, ids)
}

#[tokio::test]
async fn raw_orders_are_served_byte_for_byte_and_filtered_by_their_own_fields() {
    let sim = start(SimOptions {
        read_all_orders: true,
        ..SimOptions::default()
    });
    sim.state.seed(5, 10);
    for body in [RAW_2, RAW_3] {
        let r = load_raw(&sim, body).await;
        assert_eq!(r.status().as_u16(), 200);
    }
    let (cancelled, paid) = (820982911946154508_u64, 2998557704341_u64);
    assert_eq!(sim.state.raw_order(cancelled).unwrap().as_bytes(), RAW_2);

    // the listing splices the bytes; newest first, the simulator's own orders beside them
    let (body, ids) = raw_list(&sim, "status=any&limit=250").await;
    let text = String::from_utf8(body).unwrap();
    for raw in [RAW_2, RAW_3] {
        assert!(text.contains(std::str::from_utf8(raw).unwrap()));
    }
    assert_eq!(ids.len(), 7);
    assert_eq!(
        &ids[5..],
        [paid, cancelled],
        "2020 before 2019, oldest last"
    );
    // filters read the raw order's own times and statuses
    let (_, ids) = raw_list(&sim, "status=any&created_at_min=2020-01-01T00:00:00Z").await;
    assert!(ids.contains(&paid) && !ids.contains(&cancelled));
    let (_, ids) = raw_list(
        &sim,
        "status=any&updated_at_min=2019-06-04T17:53:06Z&updated_at_max=2019-06-04T17:53:06Z",
    )
    .await;
    assert_eq!(ids, [cancelled]);
    let (_, ids) = raw_list(&sim, "created_at_max=2021-01-01T00:00:00Z").await;
    assert_eq!(
        ids,
        [paid],
        "the default `open` leaves the cancelled one out"
    );
    let (_, ids) = raw_list(&sim, "status=cancelled&created_at_max=2021-01-01T00:00:00Z").await;
    assert_eq!(ids, [cancelled]);
    let (_, ids) = raw_list(
        &sim,
        "status=any&financial_status=voided&created_at_max=2021-01-01T00:00:00Z",
    )
    .await;
    assert_eq!(ids, [cancelled]);
    let (_, ids) = raw_list(&sim, &format!("status=any&ids={cancelled}")).await;
    assert_eq!(ids, [cancelled]);
    // `fields` projects a raw order too, its id still exact
    let (body, _) = raw_list(&sim, &format!("status=any&ids={cancelled}&fields=id,name")).await;
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        json!({"orders": [{"id": cancelled, "name": "#9999"}]})
    );

    // the single GET wraps the same bytes
    let r = reqwest::Client::new()
        .get(format!(
            "{}/admin/api/2025-07/orders/{cancelled}.json",
            sim.base_url()
        ))
        .header("X-Shopify-Access-Token", &sim.state.options.access_token)
        .send()
        .await
        .unwrap();
    let mut expected = b"{\"order\":".to_vec();
    expected.extend_from_slice(RAW_2);
    expected.push(b'}');
    assert_eq!(r.bytes().await.unwrap().to_vec(), expected);

    // and the client reads them like any Shopify answer
    let c = client(&sim);
    let got = c
        .orders_changed_since(
            DateTime::parse_from_rfc3339("2019-01-01T00:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            Utc::now(),
        )
        .await
        .unwrap()
        .orders;
    let two = got.iter().find(|o| o.external_id == "820982911946154508");
    assert_eq!(
        two.unwrap().items[0].external_id.as_deref(),
        Some("866550311766439020")
    );

    // refused: not an object, not an order
    assert_eq!(load_raw(&sim, b"[1, 2]").await.status().as_u16(), 400);
    assert_eq!(
        load_raw(&sim, br##"{"id": 5, "name": "#5"}"##)
            .await
            .status()
            .as_u16(),
        400
    );
}

#[tokio::test]
async fn raw_orders_keep_the_window_and_leave_their_bytes_when_edited() {
    let sim = start(fast_webhooks());
    load_raw(&sim, RAW_3).await;
    let paid = 2998557704341_u64;
    // without read_all_orders a 2020 order is outside the 60-day window
    let (_, ids) = raw_list(&sim, "status=any").await;
    assert!(ids.is_empty());

    // a webhook of the raw order carries its bytes, signed
    let (rx, _server, address) = start_receiver(&sim.state.options.webhook_secret);
    sim.state.subscribe("orders/updated", &address);
    let sent = sim::fire(&sim.state, paid, &["orders/updated"], false, 0);
    assert_eq!(sent.len(), 1);
    wait_until("the delivery", 20, || rx.got().len() == 1).await;
    let got = rx.got();
    assert!(got[0].verified);
    assert_eq!(got[0].body, RAW_3);

    // an edit makes it a simulator order: no longer the bytes as loaded
    sim.state
        .edit_order(paid, &Edit::TrackingNumber("20450000000000".into()))
        .unwrap();
    assert!(sim.state.raw_order(paid).is_none());
    let order = sim.state.order(paid).unwrap();
    assert_eq!(order.previous.len(), 1);
    assert_eq!(order.order.fulfillments.len(), 1);
    // new simulator orders never take a raw order's id
    let (new, _) = sim.create_order(&order_spec(1, &[(0, 1)])).unwrap();
    assert_ne!(new.id, paid);
}

// covers: IMP-3, SYNC-1, WH-6
#[tokio::test]
async fn an_order_the_client_cannot_read_is_returned_apart_and_the_others_kept() {
    let sim = start(SimOptions {
        read_all_orders: true,
        ..SimOptions::default()
    });
    sim.state.seed(3, 10);
    let mut absurd: Value = serde_json::from_slice(RAW_2).unwrap();
    absurd["id"] = json!(820982911946154600_u64);
    let line = json!({"title": "Standard", "price": "79228162514264337593543950335"});
    absurd["shipping_lines"] = json!([line, line]);
    let r = load_raw(&sim, &serde_json::to_vec(&absurd).unwrap()).await;
    assert_eq!(r.status().as_u16(), 200);

    let c = client(&sim);
    let since = DateTime::parse_from_rfc3339("2019-01-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let got = c.orders_changed_since(since, since).await.unwrap();
    assert_eq!(got.orders.len(), 3, "the seeded orders are all read");
    let reason = |id: &str| {
        got.unreadable
            .iter()
            .find(|u| u.external_id.as_deref() == Some(id))
            .unwrap_or_else(|| panic!("{id} not unreadable: {:?}", got.unreadable))
            .reason
            .clone()
    };
    let r = reason("820982911946154600");
    assert!(
        r.contains("shipping_lines[1].price 79228162514264337593543950335: the sum does not fit"),
        "{r}"
    );
    assert_eq!(got.unreadable.len(), 1, "{:?}", got.unreadable);

    // read alone, the absurd one is an error, not a panic
    assert!(matches!(
        c.fetch_order("820982911946154600").await,
        Err(PlatformError::BadResponse(_))
    ));
}
