//! The WooCommerce client against the running simulator over real HTTP on 127.0.0.1, and the
//! simulator's webhook sender against a tiny receiver that verifies signatures.

use super::client::WooCommerceClient;
use super::map;
use super::sim::{self, NewItem, NewOrder, OrderPatch, SendRequest, Sim, SimOptions};
use crate::domain::credentials::Credentials;
use crate::domain::orders::{ImportedOrder, StatusClass};
use crate::domain::{Platform, SourceId};
use crate::platforms::http::HttpPolicy;
use crate::platforms::sim::{serve, FakeData, Fault, SimServer, PRODUCTS};
use crate::platforms::test_support::reads_one_by_one;
use crate::platforms::{signature, PlatformClient, PlatformError, SourceConfig, StockUpdate};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Duration, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

const SECRET: &str = "wc-demo-webhook-secret";

fn options() -> SimOptions {
    SimOptions {
        queue_delay: std::time::Duration::from_millis(50),
        delivery_timeout: std::time::Duration::from_secs(2),
        ..SimOptions::default()
    }
}

fn start(options: SimOptions) -> Sim {
    sim::start(0, options).expect("simulator starts")
}

fn config(sim: &Sim, key: &str, secret: &str, settings: Value) -> SourceConfig {
    SourceConfig {
        source_id: SourceId(11),
        platform: Platform::Woocommerce,
        base_url: sim.shop_url(),
        credentials: Credentials {
            consumer_key: Some(key.into()),
            consumer_secret: Some(secret.into()),
            webhook_secret: Some(SECRET.into()),
            ..Default::default()
        },
        language: None,
        settings,
        http: HttpPolicy::fast(),
    }
}

fn client_with(sim: &Sim, settings: Value) -> WooCommerceClient {
    let o = &sim.state.options;
    WooCommerceClient::new(config(sim, &o.consumer_key, &o.consumer_secret, settings))
        .expect("client")
}

fn client(sim: &Sim) -> WooCommerceClient {
    client_with(sim, json!({}))
}

fn ids(orders: &[ImportedOrder]) -> BTreeSet<String> {
    orders.iter().map(|o| o.external_id.clone()).collect()
}

fn sim_orders(sim: &Sim) -> Vec<super::wire::Order> {
    sim.orders_json()
        .iter()
        .map(|v| map::parse_order(v.to_string().as_bytes()).expect("the simulator's order parses"))
        .collect()
}

fn one_order(buyer: u64, items: &[(usize, u32)]) -> NewOrder {
    NewOrder {
        buyer,
        items: items
            .iter()
            .map(|&(product, quantity)| NewItem { product, quantity })
            .collect(),
        ..NewOrder::default()
    }
}

fn unauthorized(r: Result<(), PlatformError>) -> String {
    match r {
        Err(PlatformError::Unauthorized(m)) => m,
        other => panic!("expected Unauthorized, got {other:?}"),
    }
}

// ---- a receiver that records deliveries ------------------------------------------------------

#[derive(Clone, Debug)]
struct Received {
    version: actix_web::http::Version,
    headers: HashMap<String, String>,
    body: Vec<u8>,
    verified: bool,
}

/// What the receiver answers: a status and a delay before it.
#[derive(Clone)]
struct Receiver {
    server: Arc<SimServer>,
    got: Arc<Mutex<Vec<Received>>>,
    answer: Arc<Mutex<(u16, u64)>>,
}

impl Receiver {
    fn start() -> Receiver {
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let answer = Arc::new(Mutex::new((200u16, 0u64)));
        let (g, a) = (got.clone(), answer.clone());
        let server = serve(0, move |cfg: &mut web::ServiceConfig| {
            let (g, a) = (g.clone(), a.clone());
            cfg.default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let (g, a) = (g.clone(), a.clone());
                async move {
                    let headers: HashMap<String, String> = req
                        .headers()
                        .iter()
                        .map(|(k, v)| {
                            (
                                k.as_str().to_lowercase(),
                                v.to_str().unwrap_or("").to_string(),
                            )
                        })
                        .collect();
                    let verified = headers
                        .get("x-wc-webhook-signature")
                        .is_some_and(|s| signature::verify(SECRET.as_bytes(), &body, s));
                    g.lock().unwrap().push(Received {
                        version: req.version(),
                        headers,
                        body: body.to_vec(),
                        verified,
                    });
                    let (status, delay) = *a.lock().unwrap();
                    tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
                    HttpResponse::build(
                        actix_web::http::StatusCode::from_u16(status).expect("status"),
                    )
                    .finish()
                }
            }));
        })
        .expect("receiver starts");
        Receiver {
            server: Arc::new(server),
            got,
            answer,
        }
    }

    fn url(&self) -> String {
        format!("{}/webhooks/woocommerce/17", self.server.base_url())
    }

    fn answer(&self, status: u16, delay_ms: u64) {
        *self.answer.lock().unwrap() = (status, delay_ms);
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Deliveries only (pings carry no topic header).
    fn deliveries(&self) -> Vec<Received> {
        self.got()
            .into_iter()
            .filter(|r| r.headers.contains_key("x-wc-webhook-topic"))
            .collect()
    }
}

async fn eventually(what: &str, cond: impl Fn() -> bool) {
    for _ in 0..250 {
        if cond() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

// ---- client: auth, backfill, reconciliation, faults -------------------------------------------

// covers: SRC-2, SRC-6
#[tokio::test]
async fn authorize_accepts_the_keys_and_names_the_refusal() {
    let sim = start(options());
    client(&sim).authorize().await.expect("good keys");
    // the key pair as query parameters, for hosts that strip Authorization
    client_with(&sim, json!({"auth": "query"}))
        .authorize()
        .await
        .expect("query auth");

    let key = sim.state.options.consumer_key.clone();
    let secret = sim.state.options.consumer_secret.clone();
    let bad_secret = WooCommerceClient::new(config(&sim, &key, "cs_wrong", json!({}))).unwrap();
    assert_eq!(
        unauthorized(bad_secret.authorize().await),
        "Consumer secret is invalid."
    );
    let bad_key = WooCommerceClient::new(config(&sim, "ck_wrong", &secret, json!({}))).unwrap();
    assert_eq!(
        unauthorized(bad_key.authorize().await),
        "Consumer key is invalid."
    );

    sim.revoke();
    assert_eq!(
        unauthorized(client(&sim).authorize().await),
        "Consumer key is invalid."
    );
    sim.restore();
    client(&sim).authorize().await.expect("restored");

    let missing = WooCommerceClient::new(config(&sim, "", &secret, json!({})));
    assert!(matches!(missing, Err(PlatformError::Unauthorized(_))));
}

// covers: IMP-1
#[tokio::test]
async fn backfill_reads_every_page_and_leaves_out_final_orders() {
    let sim = start(options());
    sim.seed(150, 90);
    let from = Utc::now() - Duration::days(60);
    let got = client_with(&sim, json!({"page_size": 20}))
        .orders_created_since(from)
        .await
        .unwrap()
        .orders;

    let all = sim_orders(&sim);
    let expected: BTreeSet<String> = all
        .iter()
        .filter(|o| o.date_created_gmt >= from && !map::excluded_from_backfill(o))
        .map(|o| o.id.to_string())
        .collect();
    assert!(expected.len() > 40, "enough orders for several pages");
    assert_eq!(got.len(), expected.len(), "no order twice");
    assert_eq!(ids(&got), expected);
    // older and final orders exist in the shop and were left out
    assert!(all.iter().any(|o| o.date_created_gmt < from));
    assert!(all
        .iter()
        .any(|o| o.date_created_gmt >= from && o.status == "completed"));
    for o in &got {
        assert!(!matches!(
            o.source_status.as_deref(),
            Some("completed" | "cancelled" | "refunded" | "failed" | "trash")
        ));
        assert_eq!(o.status_class, StatusClass::Processing);
        assert_eq!(o.currency, "UAH");
        assert!(o.customer.is_some());
    }
}

// covers: IMP-1 — the REST pagination the client relies on, as WordPress sends it
#[tokio::test]
async fn orders_list_pages_like_wordpress() {
    let sim = start(options());
    sim.seed(25, 30);
    let http = reqwest::Client::new();
    let o = &sim.state.options;
    let url = format!("{}/wp-json/wc/v3/orders", sim.shop_url());
    let resp = http
        .get(&url)
        .basic_auth(&o.consumer_key, Some(&o.consumer_secret))
        .query(&[("per_page", "10"), ("page", "2"), ("status", "any")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let total: usize = header("x-wp-total").parse().unwrap();
    let pages: usize = header("x-wp-totalpages").parse().unwrap();
    assert_eq!(pages, total.div_ceil(10));
    let link = header("link");
    assert!(
        link.contains("rel=\"prev\"") && link.contains("page=1"),
        "{link}"
    );
    assert!(
        link.contains("rel=\"next\"") && link.contains("page=3"),
        "{link}"
    );
    assert!(!link.contains("consumer_"), "no keys in links");
    let page: Vec<Value> = resp.json().await.unwrap();
    assert_eq!(page.len(), 10);

    let too_big = http
        .get(&url)
        .basic_auth(&o.consumer_key, Some(&o.consumer_secret))
        .query(&[("per_page", "101")])
        .send()
        .await
        .unwrap();
    assert_eq!(too_big.status(), 400);
    let body: Value = too_big.json().await.unwrap();
    assert_eq!(body["code"], "rest_invalid_param");
    assert_eq!(body["data"]["status"], 400);

    let anonymous = http.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let body: Value = anonymous.json().await.unwrap();
    assert_eq!(body["code"], "woocommerce_rest_cannot_view");
}

// covers: WH-6, SYNC-1
#[tokio::test]
async fn reconciliation_sees_orders_changed_since() {
    let sim = start(options());
    let seeded = sim.seed(40, 30);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let since = Utc::now();
    let (a, b, c) = (seeded[3], seeded[7], seeded[11]);
    sim.patch(
        a,
        OrderPatch {
            add_item: Some(NewItem {
                product: 4,
                quantity: 3,
            }),
            ..Default::default()
        },
    )
    .unwrap();
    sim.patch(
        b,
        OrderPatch {
            status: Some("completed".into()),
            ..Default::default()
        },
    )
    .unwrap();
    sim.patch(
        c,
        OrderPatch {
            cancel: Some(true),
            ..Default::default()
        },
    )
    .unwrap();
    let got = client(&sim)
        .orders_changed_since(since, since - Duration::days(60))
        .await
        .unwrap()
        .orders;
    let expected: BTreeSet<String> = [a, b, c].iter().map(|i| i.to_string()).collect();
    assert_eq!(
        ids(&got),
        expected,
        "exactly the changed orders, final ones included"
    );
    let by_id = |id: u64| {
        got.iter()
            .find(|o| o.external_id == id.to_string())
            .unwrap()
    };
    assert!(by_id(a)
        .items
        .iter()
        .any(|i| i.sku.as_deref() == Some(PRODUCTS[4].1) && i.quantity == Decimal::from(3)));
    assert_eq!(by_id(b).status_class, StatusClass::Completed);
    assert_eq!(by_id(c).status_class, StatusClass::Cancelled);
}

// covers: IMP-1 — every fault kind is retried and the result is complete and not duplicated
#[tokio::test]
async fn faults_are_retried() {
    let sim = start(options());
    sim.seed(60, 30);
    let c = client_with(&sim, json!({"page_size": 15}));
    let from = Utc::now() - Duration::days(60);
    let clean = ids(&c.orders_created_since(from).await.unwrap().orders);
    for (fault, count) in [
        (Fault::RateLimit { retry_after: 0 }, 2),
        (Fault::ServerError { status: 500 }, 1),
        (Fault::ServerError { status: 502 }, 1),
        (Fault::ServerError { status: 503 }, 2),
        (Fault::Timeout { seconds: 3 }, 1),
        (Fault::TruncatedJson, 2),
    ] {
        sim.faults.inject(fault.clone(), count);
        let got = c.orders_created_since(from).await.unwrap().orders;
        assert_eq!(ids(&got), clean, "after {fault:?}");
        assert_eq!(got.len(), clean.len(), "no duplicates after {fault:?}");
    }
}

// covers: SYNC-4, IMP-6 (the client returns orders the engine will skip)
#[tokio::test]
async fn fetch_order_reads_one_order() {
    let sim = start(options());
    let id = sim.add_order(one_order(12, &[(0, 1), (2, 2)])).unwrap();
    let c = client(&sim);
    let o = c
        .fetch_order(&id.to_string())
        .await
        .unwrap()
        .expect("found");
    let expected = map::to_imported(&sim_orders(&sim)[0]).unwrap();
    assert_eq!(format!("{o:?}"), format!("{expected:?}"));
    assert_eq!(o.items.len(), 2);
    assert_eq!(
        o.total,
        Decimal::from(2) * FakeData::price(2) + FakeData::price(0) + shipping(&sim, id)
    );
    assert!(c.fetch_order("999999").await.unwrap().is_none());
    assert!(c.fetch_order("not-a-number").await.unwrap().is_none());

    // an order without items is still returned: IMP-6 is the engine's decision
    let line = sim.order_json(id).unwrap()["line_items"][0]["id"]
        .as_u64()
        .unwrap();
    let line2 = sim.order_json(id).unwrap()["line_items"][1]["id"]
        .as_u64()
        .unwrap();
    for l in [line, line2] {
        sim.patch(
            id,
            OrderPatch {
                remove_line: Some(l),
                ..Default::default()
            },
        )
        .unwrap();
    }
    let empty = c
        .fetch_order(&id.to_string())
        .await
        .unwrap()
        .expect("still there");
    assert!(empty.items.is_empty());
}

fn shipping(sim: &Sim, id: u64) -> Decimal {
    sim.order_json(id).unwrap()["shipping_total"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

// covers: ST-4, ST-7 (the simulator accepts `completed`; when to send it is orderhub's rule)
#[tokio::test]
async fn status_change_is_put_and_refusals_carry_the_platform_words() {
    let sim = start(options());
    let id = sim.add_order(one_order(3, &[(1, 1)])).unwrap();
    let c = client(&sim);
    c.change_status(&id.to_string(), "completed", None)
        .await
        .unwrap();
    let order = sim.order_json(id).unwrap();
    assert_eq!(order["status"], "completed");
    assert!(order["date_completed_gmt"].is_string());
    let pushed = sim.pushed();
    assert_eq!(pushed.last().unwrap().endpoint, format!("PUT /orders/{id}"));
    assert_eq!(pushed.last().unwrap().body, json!({"status": "completed"}));

    match c.change_status(&id.to_string(), "shipped", None).await {
        Err(PlatformError::Refused { code, message }) => {
            assert_eq!(code.as_deref(), Some("rest_invalid_param"));
            assert_eq!(message, "Invalid parameter(s): status");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    match c.change_status("999999", "processing", None).await {
        Err(PlatformError::Refused { code, message }) => {
            assert_eq!(
                code.as_deref(),
                Some("woocommerce_rest_shop_order_invalid_id")
            );
            assert_eq!(message, "Invalid ID.");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(
        c.allowed_next_statuses(&id.to_string()).await.unwrap(),
        None
    );

    // a read-only key may read but not write
    let ro = start(SimOptions {
        key_permission: "read".into(),
        ..options()
    });
    let rid = ro.add_order(one_order(3, &[(1, 1)])).unwrap();
    let rc = client(&ro);
    rc.authorize().await.unwrap();
    assert_eq!(
        unauthorized(rc.change_status(&rid.to_string(), "completed", None).await),
        "The API key provided does not have write permissions."
    );
}

// covers: TRK-1
#[tokio::test]
async fn tracking_number_goes_to_the_configured_meta_key() {
    let sim = start(options());
    let id = sim.add_order(one_order(5, &[(3, 1)])).unwrap();
    assert!(matches!(
        client(&sim)
            .set_tracking_number(&id.to_string(), "20450000000001")
            .await,
        Err(PlatformError::Unsupported(_))
    ));
    let c = client_with(&sim, json!({"tracking_meta_key": "_tracking_number"}));
    c.set_tracking_number(&id.to_string(), "20450000000001")
        .await
        .unwrap();
    c.set_tracking_number(&id.to_string(), "20450000000002")
        .await
        .unwrap();
    let meta = sim.order_json(id).unwrap()["meta_data"].clone();
    assert_eq!(
        meta.as_array().unwrap().len(),
        1,
        "the key is replaced: {meta}"
    );
    assert_eq!(meta[0]["key"], "_tracking_number");
    assert_eq!(meta[0]["value"], "20450000000002");
}

// covers: PUB-1, STK-1
#[tokio::test]
async fn publications_and_stock_push() {
    let sim = start(options());
    let c = client_with(
        &sim,
        json!({"page_size": 5, "batch_size": 2, "currency": "UAH"}),
    );
    let pubs = c.list_publications().await.unwrap();
    assert_eq!(pubs.len(), PRODUCTS.len());
    for (p, stored) in pubs.iter().zip(sim.products()) {
        assert_eq!(p.external_id, stored.id.to_string());
        assert_eq!(p.sku.as_deref(), Some(PRODUCTS[stored.index].1));
        assert_eq!(p.price, Some(stored.regular_price));
        assert_eq!(p.currency.as_deref(), Some("UAH"));
        // no quantity where the shop does not manage stock
        assert_eq!(p.stock, stored.stock_quantity);
        assert_eq!(p.stock.is_some(), stored.manage_stock);
    }
    let managed = sim.products()[0].clone();
    let unmanaged = sim.products()[1].clone();
    assert!(managed.manage_stock && !unmanaged.manage_stock);
    // PUB-1: one listing by its id, as the listing shows it; an unknown one is none
    reads_one_by_one(&c, &[&pubs[0], &pubs[1]], &["999999", "a-slug"]).await;
    let updates = vec![
        StockUpdate {
            external_id: managed.id.to_string(),
            sku: None,
            quantity: 7,
            price: Some(Decimal::new(119900, 2)),
        },
        StockUpdate {
            external_id: unmanaged.id.to_string(),
            sku: None,
            quantity: 3,
            price: None,
        },
        StockUpdate {
            external_id: sim.products()[2].id.to_string(),
            sku: None,
            quantity: 0,
            price: None,
        },
    ];
    c.push_stock(&updates).await.unwrap();
    let after = sim.products();
    assert_eq!(after[0].stock_quantity, Some(7));
    assert_eq!(after[0].regular_price, Decimal::new(119900, 2));
    assert!(after[1].manage_stock, "the push turns stock management on");
    assert_eq!(after[1].stock_quantity, Some(3));
    assert_eq!(after[2].stock_quantity, Some(0));
    let batches = sim
        .pushed()
        .into_iter()
        .filter(|p| p.endpoint == "POST /products/batch")
        .count();
    assert_eq!(batches, 2, "batch_size 2 → two calls for three updates");

    let refused = c
        .push_stock(&[
            StockUpdate {
                external_id: "999999".into(),
                sku: None,
                quantity: 1,
                price: None,
            },
            StockUpdate {
                external_id: "a-slug".into(),
                sku: None,
                quantity: 1,
                price: None,
            },
        ])
        .await
        .unwrap();
    assert_eq!(refused.len(), 2, "{refused:?}");
    let invalid = refused.iter().find(|r| r.external_id == "999999").unwrap();
    assert_eq!(
        invalid.code.as_deref(),
        Some("woocommerce_rest_product_invalid_id")
    );
    assert!(invalid.message.contains("Invalid ID."), "{invalid:?}");
    assert!(refused
        .iter()
        .any(|r| r.external_id == "a-slug" && r.message.contains("not a WooCommerce product id")));
}

// covers: PRD-3
#[tokio::test]
async fn categories_give_the_products_path() {
    let sim = start(options());
    let c = client_with(&sim, json!({"page_size": 4}));
    let tree = c.product_categories().await.unwrap();
    let product = c.fetch_product(sim.products()[0].id).await.unwrap();
    let path = map::choose_category(&product.categories, &tree);
    let expected: Vec<String> = PRODUCTS[0].3.iter().map(|s| s.to_string()).collect();
    assert_eq!(path, expected);
}

// ---- webhooks ---------------------------------------------------------------------------------

// covers: WH-1, WH-4
#[tokio::test]
async fn delivery_has_the_exact_headers_and_a_php_encoded_signed_body() {
    let receiver = Receiver::start();
    let sim = start(SimOptions {
        created_also_updates: false,
        ..options()
    });
    let wid = sim.add_webhook("order.created", &receiver.url());
    let id = sim.add_order(one_order(0, &[(0, 1), (5, 2)])).unwrap();
    eventually("the delivery", || receiver.deliveries().len() == 1).await;
    let r = &receiver.deliveries()[0];
    let h = |k: &str| r.headers.get(k).cloned().unwrap_or_default();
    assert_eq!(r.version, actix_web::http::Version::HTTP_10);
    assert_eq!(h("content-type"), "application/json");
    assert!(
        h("user-agent").starts_with("WooCommerce/"),
        "{}",
        h("user-agent")
    );
    assert_eq!(h("x-wc-webhook-source"), format!("{}/", sim.shop_url()));
    assert_eq!(h("x-wc-webhook-topic"), "order.created");
    assert_eq!(h("x-wc-webhook-resource"), "order");
    assert_eq!(h("x-wc-webhook-event"), "created");
    assert_eq!(h("x-wc-webhook-id"), wid.to_string());
    let delivery_id = h("x-wc-webhook-delivery-id");
    assert_eq!(delivery_id.len(), 32);
    assert!(delivery_id
        .chars()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert_eq!(
        r.headers.keys().filter(|k| k.starts_with("x-wc-")).count(),
        7
    );

    assert!(r.verified, "the signature verifies over the raw bytes");
    let text = String::from_utf8(r.body.clone()).unwrap();
    assert!(text.is_ascii(), "non-ASCII is escaped");
    assert!(text.contains("\\/") && text.contains("\\u04"), "{text}");
    assert!(!text.contains("https://") && !text.contains("http://"));
    // re-serialising breaks the signature, as the note warns
    let reencoded = serde_json::to_vec(&serde_json::from_slice::<Value>(&r.body).unwrap()).unwrap();
    assert!(!signature::verify(
        SECRET.as_bytes(),
        &reencoded,
        &h("x-wc-webhook-signature")
    ));
    let order = map::parse_order(&r.body).unwrap();
    assert_eq!(order.id, id);
    assert_eq!(map::import_skip_reason(&order), None);
    let imported = map::to_imported(&order).unwrap();
    assert_eq!(imported.items.len(), 2);
    assert_eq!(
        imported.customer.unwrap().first_name,
        Some(FakeData::person(0).first_name)
    );
    assert_eq!(sim.deliveries().last().unwrap().status, Some(200));
    // the delivery id is per webhook and second, not per delivery
    assert_eq!(
        sim::delivery_id(wid, 1_700_000_000),
        sim::delivery_id(wid, 1_700_000_000)
    );
    assert_ne!(
        sim::delivery_id(wid, 1_700_000_000),
        sim::delivery_id(wid, 1_700_000_001)
    );
}

// covers: WH-5 — bursts collapse into one delivery carrying the state at send time
#[tokio::test]
async fn a_burst_of_updates_is_one_delivery_with_the_latest_state() {
    let receiver = Receiver::start();
    let sim = start(SimOptions {
        queue_delay: std::time::Duration::from_millis(400),
        ..options()
    });
    sim.add_webhook("order.updated", &receiver.url());
    sim.add_webhook("order.created", &receiver.url());
    let id = sim.add_order(one_order(9, &[(1, 1)])).unwrap();
    for q in 2..=4 {
        let line = sim.order_json(id).unwrap()["line_items"][0]["id"]
            .as_u64()
            .unwrap();
        sim.patch(
            id,
            OrderPatch {
                set_quantity: Some(sim::SetQuantity { line, quantity: q }),
                ..Default::default()
            },
        )
        .unwrap();
    }
    eventually("both topics", || receiver.deliveries().len() == 2).await;
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let got = receiver.deliveries();
    assert_eq!(got.len(), 2, "one order.created and one order.updated");
    for r in &got {
        let o = map::parse_order(&r.body).unwrap();
        // even order.created carries the state at send time
        assert_eq!(o.line_items[0].quantity, Some(Decimal::from(4)));
    }
    let topics: BTreeSet<String> = got
        .iter()
        .map(|r| r.headers["x-wc-webhook-topic"].clone())
        .collect();
    assert_eq!(topics.len(), 2);
}

// covers: WH-6 — one attempt, no retry; the 7th consecutive failure disables; success resets
#[tokio::test]
async fn failures_are_counted_not_retried_and_disable_the_webhook() {
    let receiver = Receiver::start();
    let sim = start(options());
    let wid = sim.add_webhook("order.updated", &receiver.url());
    let id = sim.add_order(one_order(1, &[(0, 1)])).unwrap();
    eventually("the checkout's update", || receiver.deliveries().len() == 1).await;
    let send = || SendRequest {
        order: id,
        topic: "order.updated".into(),
        duplicates: 0,
        stale: false,
    };
    let count = |sim: &Sim| sim.webhooks()[0].failure_count;

    receiver.answer(500, 0);
    for n in 1..=3u32 {
        let r = sim.send_now(send()).await.unwrap();
        assert_eq!(r.len(), 1, "one attempt");
        assert_eq!(r[0].status, Some(500));
        assert_eq!(count(&sim), n);
    }
    // a redirect is an answer and a success; it resets the count
    receiver.answer(302, 0);
    assert!(sim.send_now(send()).await.unwrap()[0].success);
    assert_eq!(count(&sim), 0);

    receiver.answer(500, 0);
    let before = receiver.deliveries().len();
    for n in 1..=6u32 {
        sim.send_now(send()).await.unwrap();
        assert_eq!(count(&sim), n);
        assert_eq!(sim.webhooks()[0].status, "active", "still active after {n}");
    }
    sim.send_now(send()).await.unwrap();
    assert_eq!(
        sim.webhooks()[0].status,
        "disabled",
        "the 7th failure disables"
    );
    assert_eq!(
        receiver.deliveries().len(),
        before + 7,
        "no retries were sent"
    );

    // a disabled webhook sends nothing, on demand or on events
    receiver.answer(200, 0);
    assert!(sim.send_now(send()).await.unwrap().is_empty());
    sim.patch(
        id,
        OrderPatch {
            status: Some("on-hold".into()),
            ..Default::default()
        },
    )
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(receiver.deliveries().len(), before + 7);

    // orderhub's self-healing: re-activation clears the count and deliveries resume
    let c = client(&sim);
    let healed = c
        .ensure_webhooks(&receiver.url(), &["order.updated"])
        .await
        .unwrap();
    assert_eq!(healed, vec!["order.updated".to_string()]);
    assert_eq!(sim.webhooks()[0].status, "active");
    assert_eq!(count(&sim), 0);
    assert_eq!(sim.webhooks()[0].id, wid, "re-activated, not re-created");
    assert!(sim.send_now(send()).await.unwrap()[0].success);
}

// covers: WH-6 — the threshold is a setting (the docs' "after 5")
#[tokio::test]
async fn timeouts_are_failures_and_the_threshold_is_configurable() {
    let receiver = Receiver::start();
    let sim = start(SimOptions {
        delivery_timeout: std::time::Duration::from_millis(200),
        max_delivery_failures: 3,
        created_also_updates: false,
        ..options()
    });
    sim.add_webhook("order.updated", &receiver.url());
    let id = sim.add_order(one_order(1, &[(0, 1)])).unwrap();
    receiver.answer(200, 500);
    let send = SendRequest {
        order: id,
        topic: "order.updated".into(),
        duplicates: 0,
        stale: false,
    };
    let r = sim.send_now(send.clone()).await.unwrap();
    assert_eq!(r[0].status, None);
    assert_eq!(r[0].error.as_deref(), Some("timed out"));
    assert!(!r[0].success);
    for _ in 0..3 {
        sim.send_now(send.clone()).await.unwrap();
    }
    assert_eq!(sim.webhooks()[0].failure_count, 4);
    assert_eq!(sim.webhooks()[0].status, "active");
    sim.send_now(send.clone()).await.unwrap();
    assert_eq!(
        sim.webhooks()[0].status,
        "disabled",
        "the 5th failure with a limit of 3"
    );
}

// covers: WH-3, WH-5 — duplicates on demand and an out-of-order older state
#[tokio::test]
async fn duplicates_and_stale_deliveries_on_demand_over_the_control_api() {
    let receiver = Receiver::start();
    let sim = start(SimOptions {
        created_also_updates: false,
        ..options()
    });
    sim.add_webhook("order.updated", &receiver.url());
    let http = reqwest::Client::new();
    let base = sim.shop_url();
    let created: Value = http
        .post(format!("{base}/_sim/orders"))
        .json(
            &json!({"buyer": 4, "items": [{"product": 2, "quantity": 1}], "status": "processing"}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_u64().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let patched = http
        .patch(format!("{base}/_sim/orders/{id}"))
        .json(&json!({"status": "on-hold"}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    eventually("the edit's update", || receiver.deliveries().len() == 1).await;

    let sent: Value = http
        .post(format!("{base}/_sim/webhooks/send"))
        .json(&json!({"order": id, "topic": "order.updated", "duplicates": 2, "stale": true}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sent["deliveries"].as_array().unwrap().len(), 4, "{sent}");
    let got = receiver.deliveries();
    assert_eq!(got.len(), 5);
    let (copies, stale) = (&got[1..4], &got[4]);
    for r in copies {
        assert!(r.verified);
        assert_eq!(r.body, copies[0].body, "byte-identical copies");
        assert_eq!(
            r.headers["x-wc-webhook-delivery-id"],
            copies[0].headers["x-wc-webhook-delivery-id"]
        );
        assert_eq!(map::parse_order(&r.body).unwrap().status, "on-hold");
    }
    assert!(stale.verified);
    let old = map::parse_order(&stale.body).unwrap();
    let new = map::parse_order(&copies[0].body).unwrap();
    assert_eq!(old.status, "processing");
    assert!(
        map::updated_at(&old) < map::updated_at(&new),
        "older state after newer"
    );

    let log: Value = http
        .get(format!("{base}/_sim/webhooks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log["webhooks"][0]["failure_count"], 0);
    assert_eq!(log["deliveries"].as_array().unwrap().len(), 5);
    assert!(log["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["status"] == 200));
}

// covers: WH-7 — creation pings; ensure_webhooks creates, keeps, re-creates
#[tokio::test]
async fn ensure_webhooks_creates_pings_and_recreates() {
    let receiver = Receiver::start();
    let sim = start(options());
    let c = client(&sim);
    let topics = ["order.created", "order.updated", "order.deleted"];
    let created = c.ensure_webhooks(&receiver.url(), &topics).await.unwrap();
    assert_eq!(created, topics.map(String::from).to_vec());
    let hooks = sim.webhooks();
    assert_eq!(hooks.len(), 3);
    assert!(hooks
        .iter()
        .all(|w| w.status == "active" && !w.pending_delivery));

    let pings: Vec<Received> = receiver.got();
    assert_eq!(pings.len(), 3, "one ping per new webhook");
    for (p, w) in pings.iter().zip(&hooks) {
        assert_eq!(p.body, format!("webhook_id={}", w.id).into_bytes());
        assert!(
            p.headers.keys().all(|k| !k.starts_with("x-wc-")),
            "no X-WC headers"
        );
        assert_eq!(
            p.headers["content-type"],
            "application/x-www-form-urlencoded"
        );
    }
    assert!(sim.deliveries().iter().all(|d| d.ping && d.success));

    // nothing to do the second time
    assert!(c
        .ensure_webhooks(&receiver.url(), &topics)
        .await
        .unwrap()
        .is_empty());

    // one deleted, one paused by the admin
    let (first, second) = (hooks[0].id, hooks[1].id);
    assert!(sim.delete_webhook(first));
    assert!(sim.set_webhook_status(second, "paused"));
    let healed = c.ensure_webhooks(&receiver.url(), &topics).await.unwrap();
    assert_eq!(
        healed,
        vec!["order.created".to_string()],
        "paused is the admin's choice"
    );
    assert_eq!(
        sim.webhooks()
            .iter()
            .find(|w| w.id == second)
            .unwrap()
            .status,
        "paused"
    );
    let resumed = client_with(&sim, json!({"reactivate_paused": true}))
        .ensure_webhooks(&receiver.url(), &topics)
        .await
        .unwrap();
    assert_eq!(resumed, vec!["order.updated".to_string()]);
    assert_eq!(sim.webhooks().len(), 3);
    assert!(sim.webhooks().iter().all(|w| w.status == "active"));

    // a ping answered with anything but 200 leaves pending_delivery set and is no failure
    receiver.answer(204, 0);
    c.ensure_webhooks(&receiver.url(), &["order.restored"])
        .await
        .unwrap();
    let restored = sim
        .webhooks()
        .into_iter()
        .find(|w| w.topic == "order.restored")
        .unwrap();
    assert!(restored.pending_delivery);
    assert_eq!(restored.failure_count, 0);
}

// covers: WH-4 — trash sends `{"id": N}` for order.deleted, restore the full order
#[tokio::test]
async fn trash_and_restore_fire_their_topics() {
    let receiver = Receiver::start();
    let sim = start(SimOptions {
        created_also_updates: false,
        ..options()
    });
    sim.add_webhook("order.deleted", &receiver.url());
    sim.add_webhook("order.restored", &receiver.url());
    let id = sim.add_order(one_order(2, &[(6, 1)])).unwrap();
    sim.patch(
        id,
        OrderPatch {
            trash: Some(true),
            ..Default::default()
        },
    )
    .unwrap();
    eventually("order.deleted", || receiver.deliveries().len() == 1).await;
    assert_eq!(
        receiver.deliveries()[0].body,
        format!("{{\"id\":{id}}}").into_bytes()
    );
    assert!(receiver.deliveries()[0].verified);
    // trashed orders are not in `status=any`
    let listed = client(&sim)
        .orders_changed_since(Utc::now() - Duration::hours(1), Utc::now())
        .await
        .unwrap()
        .orders;
    assert!(listed.is_empty());
    sim.patch(
        id,
        OrderPatch {
            restore: Some(true),
            ..Default::default()
        },
    )
    .unwrap();
    eventually("order.restored", || receiver.deliveries().len() == 2).await;
    let o = map::parse_order(&receiver.deliveries()[1].body).unwrap();
    assert_eq!(o.status, "processing");
}

// covers: the REST error shapes of the note's §3
#[tokio::test]
async fn rest_errors_are_wordpress_error_objects() {
    let sim = start(options());
    let http = reqwest::Client::new();
    let o = &sim.state.options;
    let get = |path: &str| {
        http.get(format!("{}/wp-json/wc/v3{path}", sim.shop_url()))
            .basic_auth(&o.consumer_key, Some(&o.consumer_secret))
    };
    let r = get("/orders/424242").send().await.unwrap();
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body,
        json!({"code": "woocommerce_rest_shop_order_invalid_id", "message": "Invalid ID.", "data": {"status": 404}})
    );
    let r = get("/nothing-here").send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "rest_no_route");
    let r = http
        .delete(format!("{}/wp-json/wc/v3/webhooks/1", sim.shop_url()))
        .basic_auth(&o.consumer_key, Some(&o.consumer_secret))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 501);
    assert_eq!(
        r.json::<Value>().await.unwrap()["code"],
        "woocommerce_rest_trash_not_supported"
    );
    let r = http
        .post(format!("{}/wp-json/wc/v3/webhooks", sim.shop_url()))
        .basic_auth(&o.consumer_key, Some(&o.consumer_secret))
        .json(&json!({"topic": "order.exploded", "delivery_url": "http://x.example/"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap()["code"],
        "woocommerce_rest_shop_webhook_invalid_topic"
    );
}

// ---- raw orders (`POST /_sim/orders/raw`) ----------------------------------------------------

const RAW_2: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/woocommerce-order-2.json"
));
const RAW_3: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/woocommerce-order-3.json"
));

async fn load_raw(sim: &Sim, body: &[u8]) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/_sim/orders/raw", sim.shop_url()))
        .body(body.to_vec())
        .send()
        .await
        .unwrap()
}

/// `GET /orders?query`: the body's bytes, its ids and `X-WP-Total` / `X-WP-TotalPages`.
async fn raw_list(sim: &Sim, query: &str) -> (Vec<u8>, Vec<u64>, String, String) {
    let o = &sim.state.options;
    let r = reqwest::Client::new()
        .get(format!("{}/wp-json/wc/v3/orders?{query}", sim.shop_url()))
        .basic_auth(&o.consumer_key, Some(&o.consumer_secret))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let header = |name: &str| r.headers()[name].to_str().unwrap().to_string();
    let (total, pages) = (header("x-wp-total"), header("x-wp-totalpages"));
    let body = r.bytes().await.unwrap().to_vec();
    let v: Value = serde_json::from_slice(&body).unwrap();
    let ids = v
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_u64().unwrap())
        .collect();
    (body, ids, total, pages)
}

// covers: WH-6
#[tokio::test]
async fn raw_orders_are_served_byte_for_byte_and_filtered_by_their_own_fields() {
    let sim = start(options());
    sim.seed(5, 30);
    for body in [RAW_3, RAW_2] {
        let r = load_raw(&sim, body).await;
        assert_eq!(r.status(), 201);
        let id = r.json::<Value>().await.unwrap()["id"].as_u64().unwrap();
        assert!(id == 897 || id == 14489);
    }
    let old = "dates_are_gmt=true&before=2026-01-01T00:00:00";

    // the list splices the bytes as loaded, and counts them
    let (body, ids, total, pages) =
        raw_list(&sim, &format!("{old}&orderby=id&order=asc&per_page=5")).await;
    assert_eq!(ids, [897, 14489]);
    assert_eq!((total.as_str(), pages.as_str()), ("2", "1"));
    let mut expected = b"[".to_vec();
    expected.extend_from_slice(RAW_2);
    expected.push(b',');
    expected.extend_from_slice(RAW_3);
    expected.push(b']');
    assert_eq!(body, expected);
    // beside the simulator's own orders, paged
    let (_, ids, total, pages) = raw_list(&sim, "per_page=3&page=3").await;
    assert_eq!((total.as_str(), pages.as_str()), ("7", "3"));
    assert_eq!(ids, [897], "newest first: the 2021 order is last");
    // status, creation and modification bounds read the raw order's own fields
    let (_, ids, total, _) = raw_list(&sim, &format!("{old}&status=completed")).await;
    assert_eq!((ids, total.as_str()), (vec![14489], "1"));
    let (_, ids, _, _) = raw_list(&sim, &format!("{old}&status=processing")).await;
    assert_eq!(ids, [897]);
    let (_, ids, _, _) = raw_list(&sim, &format!("{old}&after=2025-05-10T22:50:31")).await;
    assert_eq!(ids, [14489]);
    let (_, ids, _, _) = raw_list(&sim, &format!("{old}&after=2025-05-10T22:50:32")).await;
    assert!(ids.is_empty(), "`after` is exclusive");
    let (_, ids, _, _) = raw_list(
        &sim,
        "dates_are_gmt=true&modified_after=2021-09-06T18:05:11&modified_before=2021-09-06T18:05:13",
    )
    .await;
    assert_eq!(ids, [897]);
    // without dates_are_gmt the bounds are the shop's time (Kyiv, UTC+3 in May)
    let (_, ids, _, _) =
        raw_list(&sim, "after=2025-05-11T01:50:31&before=2025-05-11T01:50:33").await;
    assert_eq!(ids, [14489]);

    // the single GET is the bytes themselves
    let o = &sim.state.options;
    let r = reqwest::Client::new()
        .get(format!("{}/wp-json/wc/v3/orders/14489", sim.shop_url()))
        .basic_auth(&o.consumer_key, Some(&o.consumer_secret))
        .send()
        .await
        .unwrap();
    assert_eq!(r.bytes().await.unwrap().to_vec(), RAW_3);
    assert_eq!(sim.order_json(897).unwrap()["billing"]["first_name"], "Uyi");

    // the client reads them like any WooCommerce answer
    let since = chrono::DateTime::parse_from_rfc3339("2021-01-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let got = client(&sim)
        .orders_changed_since(since, Utc::now())
        .await
        .unwrap()
        .orders;
    let raw: Vec<&ImportedOrder> = got
        .iter()
        .filter(|o| o.external_id == "897" || o.external_id == "14489")
        .collect();
    assert_eq!(raw.len(), 2);
    assert_eq!(raw[0].external_id, "897", "oldest id first");
    assert_eq!(raw[1].currency, "CAD");

    // read-only: an edit or a REST write does not apply to a raw order
    assert!(sim
        .patch(897, OrderPatch::default())
        .unwrap_err()
        .starts_with("no order"));
    // refused: not an object, no id, no date
    assert_eq!(load_raw(&sim, b"[1]").await.status(), 400);
    assert_eq!(
        load_raw(&sim, br#"{"status": "pending"}"#).await.status(),
        400
    );
    assert_eq!(load_raw(&sim, br#"{"id": 5}"#).await.status(), 400);
}

// covers: WH-3
#[tokio::test]
async fn a_raw_order_is_delivered_as_its_bytes_and_keeps_its_id() {
    let receiver = Receiver::start();
    let sim = start(options());
    sim.add_webhook("order.updated", &receiver.url());
    // the id the next checkout would get, taken by a raw order
    let taken =
        String::from_utf8(RAW_2.to_vec())
            .unwrap()
            .replacen("\"id\": 897,", "\"id\": 4001,", 1);
    assert_eq!(load_raw(&sim, taken.as_bytes()).await.status(), 201);
    let records = sim
        .send_now(SendRequest {
            order: 4001,
            topic: "order.updated".into(),
            duplicates: 0,
            stale: false,
        })
        .await
        .unwrap();
    assert!(records[0].success);
    let got = receiver.deliveries();
    assert_eq!(got.len(), 1);
    assert!(got[0].verified);
    assert_eq!(got[0].body, taken.as_bytes());
    let stale = SendRequest {
        order: 4001,
        topic: "order.updated".into(),
        duplicates: 0,
        stale: true,
    };
    assert!(sim.send_now(stale).await.is_err(), "no earlier state");

    let id = sim.add_order(one_order(1, &[(0, 1)])).unwrap();
    assert_eq!(id, 4002);
    assert_eq!(
        sim.order_json(4001).unwrap()["billing"]["first_name"],
        "Uyi"
    );
}
