//! WooCommerce simulator: a shop's REST API v3 under `/wp-json/wc/v3/` (orders, products, stock,
//! categories, webhooks) with key-pair auth, WordPress pagination and error objects, and the
//! webhook sender of `class-wc-webhook.php`: an async queue that collapses bursts per
//! (webhook, order), builds the body at send time, encodes it PHP-style, signs it, sends ONE
//! attempt (no retries), counts consecutive failures and disables the webhook on the failure that
//! finds the count already above the limit. New webhooks are pinged with `webhook_id=<id>`.
//!
//! Control API (besides `/_sim/faults` and `/_sim/latency` of `platforms::sim`):
//! - `POST /_sim/seed` `{"count": 200, "days": 90}` → `{"ids": [...]}`: historical orders, no webhooks;
//! - `POST /_sim/orders` `{"buyer": 7, "items": [{"product": 0, "quantity": 2}], "status":
//!   "processing", "minutes_ago": 0, "email": true, "customer_id": 0}` (all but `items` optional)
//!   → `{"id": …}`; fires `order.created` (and `order.updated`, as a checkout does, unless
//!   `SimOptions::created_also_updates` is off);
//! - `PATCH /_sim/orders/{id}` with any of `{"add_item": {"product": i, "quantity": q}}`,
//!   `{"set_quantity": {"line": <line id>, "quantity": q}}`, `{"remove_line": <line id>}`,
//!   `{"tracking_number": "…"}` (order meta `SimOptions::tracking_meta_key`), `{"status": "…"}`,
//!   `{"cancel": true}` → bumps `date_modified`, fires `order.updated`; `{"trash": true}` fires
//!   `order.deleted` (body `{"id": N}`), `{"restore": true}` fires `order.restored`;
//! - `GET /_sim/orders/{id}` → `{"order": <REST JSON>, "pushed": [writes orderhub made to it]}`;
//! - `POST /_sim/orders/raw` with one order's JSON as WooCommerce wrote it (a webhook body,
//!   `GET /orders/{id}`, or one element of a `GET /orders` answer) → `{"id": N}`: stored under its
//!   own `id` (replacing any order with that id) and served byte for byte in `GET /orders` (a JSON
//!   array; it counts in `X-WP-Total` / `X-WP-TotalPages`) and `GET /orders/{id}`. `status`,
//!   `after`/`before` and `modified_after`/`modified_before` and the sort read its `id`,
//!   `status`, `date_created_gmt` and `date_modified_gmt` (else `date_created` / `date_modified`
//!   in the shop's time) from those bytes. Sends no webhooks (it is already history);
//!   `/_sim/webhooks/send` delivers the same bytes. Read-only: `PATCH /_sim/orders/{id}` and REST
//!   writes (`PUT /orders/{id}`) do not apply to it;
//! - `GET /_sim/products` → the products as stored (stock, price, what was pushed);
//! - `GET /_sim/webhooks` → `{"webhooks": [{id, topic, status, delivery_url, failure_count,
//!   pending_delivery}], "deliveries": [{webhook_id, topic, resource_id, delivery_id, status,
//!   error, success, ping, at}]}`;
//! - `POST /_sim/webhooks/send` `{"order": id, "topic": "order.updated", "duplicates": 2, "stale":
//!   true}` → `{"deliveries": [...]}`: sends now, synchronously: the delivery, then `duplicates`
//!   byte-identical copies (same Delivery-ID), then with `stale` the order's state before its last
//!   change (out of order: older `date_modified_gmt` after newer);
//! - `POST /_sim/revoke` / `POST /_sim/restore`: the key pair stops / starts working.

use super::php_json;
use crate::platforms::sim::{fault_routes, serve, FakeData, Faults, SimServer, PRODUCTS};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use chrono::{DateTime, NaiveDateTime, Utc};
use rand::Rng;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// Where the REST API lives on the shop.
pub const API_PATH: &str = "/wp-json/wc/v3";
/// Statuses a shop without plugins knows (`wc_get_order_statuses()` plus block checkout drafts).
pub const ORDER_STATUSES: &[&str] = &[
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "checkout-draft",
];
const WEBHOOK_STATUSES: &[&str] = &["active", "paused", "disabled"];
const FIRST_ORDER_ID: u64 = 4001;
const FIRST_PRODUCT_ID: u64 = 120;
const FIRST_CATEGORY_ID: u64 = 15;
const BATCH_LIMIT: usize = 100;

/// The simulator's knobs: every ASSUMPTION of the note, with the note's choice as default.
#[derive(Clone, Debug)]
pub struct SimOptions {
    pub seed: u64,
    /// `per_page` when the request names none (WordPress: 10).
    pub default_per_page: usize,
    /// Larger `per_page` → `400 rest_invalid_param` (WordPress: 100).
    pub max_per_page: usize,
    pub consumer_key: String,
    pub consumer_secret: String,
    /// `read`, `write` or `read_write`: writes with a `read` key are refused.
    pub key_permission: String,
    /// Signs deliveries of webhooks created without a secret of their own (and the seeded ones).
    pub webhook_secret: String,
    /// `X-WC-Webhook-Source`; `None` = the simulator's own URL with a trailing `/`.
    pub source_url: Option<String>,
    /// One attempt per delivery, given up after this (WooCommerce: 60 s).
    pub delivery_timeout: Duration,
    /// The filter `woocommerce_max_webhook_delivery_failures` (5): a failure that finds the stored
    /// count already above it disables the webhook — the 7th consecutive failure by default.
    pub max_delivery_failures: u32,
    /// Delay of the async queue between an event and its delivery (ASSUMPTION: seconds on a busy
    /// shop). Events for the same webhook and order while one is pending collapse into it.
    pub queue_delay: Duration,
    /// A new checkout fires `order.updated` as well as `order.created` (WooCommerce #19764).
    pub created_also_updates: bool,
    /// Ping the delivery URL when a webhook is created through REST.
    pub ping_on_create: bool,
    pub user_agent: String,
    /// A new random checkout this often (`run_standalone`); `None` = no live orders.
    pub live_every: Option<Duration>,
    pub currency: String,
    /// The order meta key a shipment-tracking plugin would read (ASSUMPTION: plugin-specific).
    pub tracking_meta_key: String,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            seed: 42,
            default_per_page: 10,
            max_per_page: 100,
            consumer_key: "ck_sim0000000000000000000000000000000000000".into(),
            consumer_secret: "cs_sim0000000000000000000000000000000000000".into(),
            key_permission: "read_write".into(),
            webhook_secret: "wc-demo-webhook-secret".into(),
            source_url: None,
            delivery_timeout: Duration::from_secs(60),
            max_delivery_failures: 5,
            queue_delay: Duration::from_secs(5),
            created_also_updates: true,
            ping_on_create: true,
            user_agent: "WooCommerce/9.8.3 Hookshot (WordPress/6.8.1)".into(),
            live_every: None,
            currency: "UAH".into(),
            tracking_meta_key: "_tracking_number".into(),
        }
    }
}

#[derive(Clone, Debug)]
struct SimLine {
    id: u64,
    product: usize,
    quantity: u32,
    price: Decimal,
}

#[derive(Clone, Debug)]
struct SimOrder {
    id: u64,
    status: String,
    /// The status before it went to the trash, for `order.restored`.
    before_trash: Option<String>,
    created: DateTime<Utc>,
    modified: DateTime<Utc>,
    paid: Option<DateTime<Utc>>,
    completed: Option<DateTime<Utc>>,
    buyer: u64,
    customer_id: u64,
    with_email: bool,
    lines: Vec<SimLine>,
    shipping_line_id: u64,
    shipping_total: Decimal,
    meta: Vec<(u64, String, Value)>,
    order_key: String,
    /// The REST JSON before the last change, for out-of-order deliveries.
    previous: Option<Value>,
}

/// An order loaded as JSON text, with what the list filters read from it.
#[derive(Clone, Debug)]
struct RawOrder {
    status: String,
    created: DateTime<Utc>,
    modified: DateTime<Utc>,
    /// The JSON exactly as it was loaded.
    text: String,
}

impl RawOrder {
    fn value(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }
}

/// An order of either kind, as `GET /orders` filters and sorts it.
#[derive(Clone, Copy)]
enum Listed<'a> {
    Sim(&'a SimOrder),
    Raw(u64, &'a RawOrder),
}

impl Listed<'_> {
    fn id(&self) -> u64 {
        match self {
            Listed::Sim(o) => o.id,
            Listed::Raw(id, _) => *id,
        }
    }

    fn status(&self) -> &str {
        match self {
            Listed::Sim(o) => &o.status,
            Listed::Raw(_, r) => &r.status,
        }
    }

    fn created(&self) -> DateTime<Utc> {
        match self {
            Listed::Sim(o) => o.created,
            Listed::Raw(_, r) => r.created,
        }
    }

    fn modified(&self) -> DateTime<Utc> {
        match self {
            Listed::Sim(o) => o.modified,
            Listed::Raw(_, r) => r.modified,
        }
    }

    /// The JSON text of the answer: a raw order's bytes as loaded.
    fn text(&self, inner: &Inner, options: &SimOptions) -> String {
        match self {
            Listed::Sim(o) => render_order(o, inner, options).to_string(),
            Listed::Raw(_, r) => r.text.clone(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct SimProduct {
    pub id: u64,
    pub index: usize,
    pub manage_stock: bool,
    pub stock_quantity: Option<i64>,
    pub regular_price: Decimal,
    pub modified: DateTime<Utc>,
}

/// A webhook subscription as the shop stores it.
#[derive(Clone, Debug, Serialize)]
pub struct SimWebhook {
    pub id: u64,
    pub name: String,
    pub status: String,
    pub topic: String,
    pub delivery_url: String,
    #[serde(skip)]
    pub secret: String,
    pub failure_count: u32,
    pub pending_delivery: bool,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
}

/// One HTTP request the simulator sent to a webhook's delivery URL.
#[derive(Clone, Debug, Serialize)]
pub struct DeliveryRecord {
    pub webhook_id: u64,
    /// `order.created` …, or `ping`.
    pub topic: String,
    pub resource_id: Option<u64>,
    pub delivery_id: Option<String>,
    /// The receiver's HTTP status; `None` on a network error or timeout.
    pub status: Option<u16>,
    pub error: Option<String>,
    pub success: bool,
    pub ping: bool,
    pub at: DateTime<Utc>,
}

/// A write orderhub made, as the simulator received it.
#[derive(Clone, Debug, Serialize)]
pub struct Pushed {
    pub endpoint: String,
    pub body: Value,
    pub at: DateTime<Utc>,
}

struct Inner {
    orders: BTreeMap<u64, SimOrder>,
    /// Orders loaded through `POST /_sim/orders/raw`, served as given; an id is in `orders` or
    /// here, never in both.
    raw_orders: BTreeMap<u64, RawOrder>,
    products: BTreeMap<u64, SimProduct>,
    webhooks: BTreeMap<u64, SimWebhook>,
    next_order_id: u64,
    next_line_id: u64,
    next_meta_id: u64,
    next_webhook_id: u64,
    revoked: bool,
    fake: FakeData,
    pushed: Vec<Pushed>,
    deliveries: Vec<DeliveryRecord>,
    /// (webhook, resource) pairs with a delivery waiting in the queue.
    queued: HashSet<(u64, u64)>,
    source_url: String,
}

/// Everything the simulator holds, and the sender of its webhooks.
pub struct SimState {
    pub options: SimOptions,
    inner: Mutex<Inner>,
    /// Deliveries run here (the runtime that started the simulator), whichever thread fired them.
    runtime: tokio::runtime::Handle,
    http: reqwest::Client,
}

/// `POST /_sim/orders` body.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewOrder {
    #[serde(default)]
    pub buyer: u64,
    pub items: Vec<NewItem>,
    /// Default `processing` (a paid checkout).
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub minutes_ago: i64,
    /// Billing e-mail present (default true); without it only the phone identifies the buyer.
    #[serde(default)]
    pub email: Option<bool>,
    /// A registered customer's user id; 0 = guest.
    #[serde(default)]
    pub customer_id: u64,
}

#[derive(Clone, Debug, Deserialize)]
pub struct NewItem {
    pub product: usize,
    pub quantity: u32,
}

#[derive(Clone, Debug, Deserialize)]
pub struct SetQuantity {
    pub line: u64,
    pub quantity: u32,
}

/// `PATCH /_sim/orders/{id}` body: any combination of these.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct OrderPatch {
    #[serde(default)]
    pub add_item: Option<NewItem>,
    #[serde(default)]
    pub set_quantity: Option<SetQuantity>,
    #[serde(default)]
    pub remove_line: Option<u64>,
    #[serde(default)]
    pub tracking_number: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub cancel: Option<bool>,
    #[serde(default)]
    pub trash: Option<bool>,
    #[serde(default)]
    pub restore: Option<bool>,
}

/// `POST /_sim/webhooks/send` body.
#[derive(Clone, Debug, Deserialize)]
pub struct SendRequest {
    pub order: u64,
    #[serde(default = "order_updated")]
    pub topic: String,
    #[serde(default)]
    pub duplicates: u32,
    #[serde(default)]
    pub stale: bool,
}

fn order_updated() -> String {
    "order.updated".into()
}

#[derive(Deserialize)]
struct SeedRequest {
    #[serde(default = "two_hundred")]
    count: usize,
    #[serde(default = "sixty")]
    days: u64,
}

fn two_hundred() -> usize {
    200
}
fn sixty() -> u64 {
    60
}

/// A running WooCommerce simulator.
pub struct Sim {
    pub server: SimServer,
    pub state: Arc<SimState>,
    pub faults: Arc<Faults>,
}

/// Starts the simulator on `127.0.0.1:port` (0 = any free port), with products and no orders.
/// Must be called inside a tokio runtime: webhook deliveries run on it.
pub fn start(port: u16, options: SimOptions) -> std::io::Result<Sim> {
    let http = reqwest::Client::builder()
        .timeout(options.delivery_timeout)
        // WooCommerce sets `redirection` to 0: a 301/302 is an answer (and a success)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()
        .map_err(std::io::Error::other)?;
    let live_every = options.live_every;
    let state = Arc::new(SimState::new(
        options,
        tokio::runtime::Handle::current(),
        http,
    ));
    let faults = Arc::new(Faults::default());
    let state_data = web::Data::from(state.clone());
    let faults_data = web::Data::from(faults.clone());
    let server = serve(port, move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(state_data.clone())
            .app_data(faults_data.clone())
            .configure(fault_routes)
            .configure(control_routes)
            .service(
                web::scope(API_PATH)
                    .configure(api_routes)
                    .default_service(web::to(no_route)),
            );
    })?;
    {
        let mut inner = state.lock();
        inner.source_url = state
            .options
            .source_url
            .clone()
            .unwrap_or_else(|| format!("{}/", server.base_url()));
    }
    if let Some(every) = live_every {
        let live = state.clone();
        state.runtime.spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                live.add_random_checkout();
            }
        });
    }
    Ok(Sim {
        server,
        state,
        faults,
    })
}

/// `orderhub simulate woocommerce`: 200 orders of the last 60 days and a new checkout every
/// 30 seconds until Ctrl-C.
pub async fn run_standalone(port: u16) -> std::io::Result<()> {
    let options = SimOptions {
        live_every: Some(Duration::from_secs(30)),
        ..SimOptions::default()
    };
    let sim = start(port, options)?;
    let ids = sim.seed(200, 60);
    println!(
        "WooCommerce simulator on {} with {} orders; consumer key `{}`, secret `{}`, webhook secret `{}` (shop URL for a source: {})",
        sim.server.base_url(),
        ids.len(),
        sim.state.options.consumer_key,
        sim.state.options.consumer_secret,
        sim.state.options.webhook_secret,
        sim.shop_url()
    );
    tokio::signal::ctrl_c().await?;
    sim.server.stop().await;
    Ok(())
}

impl Sim {
    /// The base URL a WooCommerce source points at (the shop, not the API).
    pub fn shop_url(&self) -> String {
        self.server.base_url()
    }

    pub fn seed(&self, count: usize, days: u64) -> Vec<u64> {
        self.state.seed(count, days)
    }

    pub fn add_order(&self, order: NewOrder) -> Result<u64, String> {
        self.state.add_order(order)
    }

    pub fn patch(&self, id: u64, patch: OrderPatch) -> Result<(), String> {
        self.state.patch(id, patch)
    }

    /// Stores an order's JSON to be served verbatim, like `POST /_sim/orders/raw`.
    pub fn add_raw_order(&self, bytes: &[u8]) -> Result<u64, String> {
        self.state.add_raw_order(bytes)
    }

    /// The order's REST JSON now.
    pub fn order_json(&self, id: u64) -> Option<Value> {
        let inner = self.state.lock();
        inner
            .orders
            .get(&id)
            .map(|o| render_order(o, &inner, &self.state.options))
            .or_else(|| inner.raw_orders.get(&id).map(RawOrder::value))
    }

    /// Every order's REST JSON, oldest id first (trashed ones included).
    pub fn orders_json(&self) -> Vec<Value> {
        let inner = self.state.lock();
        let mut all: Vec<(u64, Value)> = inner
            .orders
            .values()
            .map(|o| (o.id, render_order(o, &inner, &self.state.options)))
            .chain(inner.raw_orders.iter().map(|(id, r)| (*id, r.value())))
            .collect();
        all.sort_by_key(|(id, _)| *id);
        all.into_iter().map(|(_, v)| v).collect()
    }

    pub fn products(&self) -> Vec<SimProduct> {
        self.state.lock().products.values().cloned().collect()
    }

    pub fn webhooks(&self) -> Vec<SimWebhook> {
        self.state.lock().webhooks.values().cloned().collect()
    }

    pub fn deliveries(&self) -> Vec<DeliveryRecord> {
        self.state.lock().deliveries.clone()
    }

    pub fn pushed(&self) -> Vec<Pushed> {
        self.state.lock().pushed.clone()
    }

    /// A webhook created as an admin would, without the REST ping.
    pub fn add_webhook(&self, topic: &str, delivery_url: &str) -> u64 {
        self.state.add_webhook(
            format!("admin {topic}"),
            topic.into(),
            delivery_url.into(),
            None,
            "active".into(),
        )
    }

    /// What an admin does in wp-admin: pause, disable or activate a webhook.
    pub fn set_webhook_status(&self, id: u64, status: &str) -> bool {
        self.state.set_webhook_status(id, status)
    }

    pub fn delete_webhook(&self, id: u64) -> bool {
        self.state.lock().webhooks.remove(&id).is_some()
    }

    pub async fn send_now(&self, req: SendRequest) -> Result<Vec<DeliveryRecord>, String> {
        self.state.send_now(req).await
    }

    pub fn revoke(&self) {
        self.state.lock().revoked = true;
    }

    pub fn restore(&self) {
        self.state.lock().revoked = false;
    }
}

// ---- state ----------------------------------------------------------------------------------

impl SimState {
    pub fn new(
        options: SimOptions,
        runtime: tokio::runtime::Handle,
        http: reqwest::Client,
    ) -> Self {
        let now = now_s();
        let mut fake = FakeData::new(options.seed);
        let products = PRODUCTS
            .iter()
            .enumerate()
            .map(|(index, (_, _, price, _))| {
                let id = FIRST_PRODUCT_ID + index as u64;
                // half the shop manages stock, as real shops mix both
                let managed = index % 2 == 0;
                let product = SimProduct {
                    id,
                    index,
                    manage_stock: managed,
                    stock_quantity: managed.then(|| fake.rng().gen_range(0..40)),
                    regular_price: price.parse().unwrap_or_default(),
                    modified: now,
                };
                (id, product)
            })
            .collect();
        SimState {
            inner: Mutex::new(Inner {
                orders: BTreeMap::new(),
                raw_orders: BTreeMap::new(),
                products,
                webhooks: BTreeMap::new(),
                next_order_id: FIRST_ORDER_ID,
                next_line_id: 90_001,
                next_meta_id: 7_001,
                next_webhook_id: 1,
                revoked: false,
                fake,
                pushed: Vec::new(),
                deliveries: Vec::new(),
                queued: HashSet::new(),
                source_url: "http://127.0.0.1/".into(),
            }),
            options,
            runtime,
            http,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Historical orders over the last `days`; they fire no webhooks (they happened before).
    pub fn seed(&self, count: usize, days: u64) -> Vec<u64> {
        let now = now_s();
        let mut inner = self.lock();
        let mut ids = Vec::with_capacity(count);
        for _ in 0..count {
            let fake = &mut inner.fake;
            let created = now - chrono::Duration::seconds(fake.seconds_ago(days.max(1)));
            let basket = fake.basket();
            let buyer = fake.rng().gen_range(0..400u64);
            let status = match fake.rng().gen_range(0..100) {
                0..=9 => "pending",
                10..=44 => "processing",
                45..=54 => "on-hold",
                55..=79 => "completed",
                80..=89 => "cancelled",
                90..=94 => "refunded",
                _ => "failed",
            };
            let with_email = fake.rng().gen_bool(0.85);
            let customer_id = if fake.rng().gen_bool(0.3) {
                buyer + 1
            } else {
                0
            };
            let changed_after = fake.rng().gen_range(0..6 * 3600);
            let modified = (created + chrono::Duration::seconds(changed_after)).min(now);
            let items = basket
                .into_iter()
                .map(|(product, quantity)| NewItem { product, quantity })
                .collect();
            let id = inner.insert_order(
                buyer,
                items,
                status,
                created,
                modified,
                with_email,
                customer_id,
            );
            ids.push(id);
        }
        ids
    }

    /// A checkout: stores the order and fires `order.created` (and `order.updated`).
    pub fn add_order(self: &Arc<Self>, new: NewOrder) -> Result<u64, String> {
        if new.items.is_empty() {
            return Err("an order needs items".into());
        }
        if let Some(bad) = new.items.iter().find(|i| i.product >= PRODUCTS.len()) {
            return Err(format!("no product {}", bad.product));
        }
        let status = new.status.as_deref().unwrap_or("processing").to_string();
        if !ORDER_STATUSES.contains(&status.as_str()) {
            return Err(format!("unknown status {status}"));
        }
        let created = now_s() - chrono::Duration::minutes(new.minutes_ago.max(0));
        let id = self.lock().insert_order(
            new.buyer,
            new.items,
            &status,
            created,
            created,
            new.email.unwrap_or(true),
            new.customer_id,
        );
        self.fire("order.created", id);
        if self.options.created_also_updates {
            self.fire("order.updated", id);
        }
        Ok(id)
    }

    /// Stores one order's JSON as WooCommerce wrote it, to be served verbatim (`POST
    /// /_sim/orders/raw`); returns its id. No webhooks: loading is not an event on the shop.
    pub fn add_raw_order(&self, bytes: &[u8]) -> Result<u64, String> {
        let text =
            std::str::from_utf8(bytes).map_err(|e| format!("the order is not UTF-8: {e}"))?;
        let value: Value =
            serde_json::from_str(text).map_err(|e| format!("the order is not JSON: {e}"))?;
        if !value.is_object() {
            return Err("the order must be one JSON object".into());
        }
        // integers stay integers (never through f64): ids may be any u64
        let id = match value.get("id") {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        }
        .filter(|id| *id > 0)
        .ok_or("the order has no numeric `id`")?;
        let date = |gmt_key: &str, local_key: &str| -> Result<Option<DateTime<Utc>>, String> {
            let text = |key: &str| {
                value
                    .get(key)
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
            };
            if let Some(s) = text(gmt_key) {
                return super::wire::gmt::parse(s)
                    .map(Some)
                    .ok_or_else(|| format!("`{gmt_key}` is not a date: {s}"));
            }
            match text(local_key) {
                // the shop's own time (the simulator's shop is in Kyiv)
                Some(s) => NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                    .map(|n| Some(crate::domain::time::kyiv_to_utc(n)))
                    .map_err(|_| format!("`{local_key}` is not a date: {s}")),
                None => Ok(None),
            }
        };
        let created = date("date_created_gmt", "date_created")?
            .ok_or("the order has no `date_created_gmt` or `date_created`")?;
        let modified = date("date_modified_gmt", "date_modified")?.unwrap_or(created);
        let status = value
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let mut inner = self.lock();
        inner.orders.remove(&id);
        inner.raw_orders.insert(
            id,
            RawOrder {
                status,
                created,
                modified,
                text: text.to_string(),
            },
        );
        Ok(id)
    }

    fn add_random_checkout(self: &Arc<Self>) {
        let (buyer, basket) = {
            let mut inner = self.lock();
            let buyer = inner.fake.rng().gen_range(0..400u64);
            (buyer, inner.fake.basket())
        };
        let items = basket
            .into_iter()
            .map(|(product, quantity)| NewItem { product, quantity })
            .collect();
        let _ = self.add_order(NewOrder {
            buyer,
            items,
            ..NewOrder::default()
        });
    }

    /// An edit in wp-admin: bumps `date_modified` and fires the matching topic.
    pub fn patch(self: &Arc<Self>, id: u64, patch: OrderPatch) -> Result<(), String> {
        let topic = {
            let mut inner = self.lock();
            let options = &self.options;
            let snapshot = match inner.orders.get(&id) {
                Some(o) => render_order(o, &inner, options),
                None => return Err(format!("no order {id}")),
            };
            if let Some(s) = &patch.status {
                if !ORDER_STATUSES.contains(&s.as_str()) {
                    return Err(format!("unknown status {s}"));
                }
            }
            if let Some(add) = &patch.add_item {
                if add.product >= PRODUCTS.len() {
                    return Err(format!("no product {}", add.product));
                }
            }
            let line_id = inner.next_line_id;
            let meta_id = inner.next_meta_id;
            let now = now_s();
            let Some(o) = inner.orders.get_mut(&id) else {
                return Err(format!("no order {id}"));
            };
            let mut topic = "order.updated";
            let mut used_line = false;
            let mut used_meta = false;
            if let Some(add) = patch.add_item {
                o.lines.push(SimLine {
                    id: line_id,
                    product: add.product,
                    quantity: add.quantity.max(1),
                    price: FakeData::price(add.product),
                });
                used_line = true;
            }
            if let Some(sq) = patch.set_quantity {
                let line = o
                    .lines
                    .iter_mut()
                    .find(|l| l.id == sq.line)
                    .ok_or_else(|| format!("no line {} in order {id}", sq.line))?;
                line.quantity = sq.quantity;
            }
            if let Some(line) = patch.remove_line {
                let before = o.lines.len();
                o.lines.retain(|l| l.id != line);
                if o.lines.len() == before {
                    return Err(format!("no line {line} in order {id}"));
                }
            }
            if let Some(number) = patch.tracking_number {
                used_meta = set_meta(o, &options.tracking_meta_key, json!(number), meta_id);
            }
            if let Some(s) = patch.status {
                set_status(o, &s, now);
            }
            if patch.cancel == Some(true) {
                set_status(o, "cancelled", now);
            }
            if patch.trash == Some(true) && o.status != "trash" {
                o.before_trash = Some(o.status.clone());
                o.status = "trash".into();
                topic = "order.deleted";
            }
            if patch.restore == Some(true) && o.status == "trash" {
                o.status = o.before_trash.take().unwrap_or_else(|| "pending".into());
                topic = "order.restored";
            }
            o.modified = now.max(o.modified + chrono::Duration::seconds(1));
            o.previous = Some(snapshot);
            if used_line {
                inner.next_line_id += 1;
            }
            if used_meta {
                inner.next_meta_id += 1;
            }
            topic
        };
        self.fire(topic, id);
        Ok(())
    }

    fn add_webhook(
        &self,
        name: String,
        topic: String,
        delivery_url: String,
        secret: Option<String>,
        status: String,
    ) -> u64 {
        let now = now_s();
        let mut inner = self.lock();
        let id = inner.next_webhook_id;
        inner.next_webhook_id += 1;
        inner.webhooks.insert(
            id,
            SimWebhook {
                id,
                name,
                status,
                topic,
                delivery_url,
                secret: secret.unwrap_or_else(|| self.options.webhook_secret.clone()),
                failure_count: 0,
                pending_delivery: true,
                created: now,
                modified: now,
            },
        );
        id
    }

    /// Setting `active` also clears the failure count, so a re-activated webhook gets the full
    /// allowance of failures again.
    fn set_webhook_status(&self, id: u64, status: &str) -> bool {
        let mut inner = self.lock();
        let Some(w) = inner.webhooks.get_mut(&id) else {
            return false;
        };
        if status == "active" {
            w.failure_count = 0;
        }
        w.status = status.into();
        w.modified = now_s();
        true
    }

    /// Queues a delivery per active webhook of `topic`, unless one for the same webhook and
    /// resource is already waiting (WooCommerce's pending-job check): the waiting one will carry
    /// the state at send time anyway.
    fn fire(self: &Arc<Self>, topic: &str, resource_id: u64) {
        let due: Vec<u64> = {
            let mut inner = self.lock();
            if topic.starts_with("order.") {
                // order webhooks skip drafts (`draft`, `auto-draft`, `new`)
                let draft = inner
                    .orders
                    .get(&resource_id)
                    .is_some_and(|o| matches!(o.status.as_str(), "draft" | "auto-draft" | "new"));
                if draft {
                    return;
                }
            }
            let ids: Vec<u64> = inner
                .webhooks
                .values()
                .filter(|w| w.status == "active" && w.topic == topic)
                .map(|w| w.id)
                .collect();
            ids.into_iter()
                .filter(|wid| inner.queued.insert((*wid, resource_id)))
                .collect()
        };
        for webhook_id in due {
            let state = self.clone();
            let topic = topic.to_string();
            self.runtime.spawn(async move {
                tokio::time::sleep(state.options.queue_delay).await;
                state.lock().queued.remove(&(webhook_id, resource_id));
                if let Some(prepared) = state.prepare(webhook_id, &topic, resource_id, false) {
                    state.send(prepared).await;
                }
            });
        }
    }

    /// The request of one delivery, built now (the body is the state at send time). `None` when
    /// the webhook is gone or not active, or the resource is gone.
    fn prepare(
        &self,
        webhook_id: u64,
        topic: &str,
        resource_id: u64,
        stale: bool,
    ) -> Option<Prepared> {
        let inner = self.lock();
        let w = inner.webhooks.get(&webhook_id)?;
        if w.status != "active" {
            return None;
        }
        if topic.starts_with("order.") && topic != "order.deleted" && !stale {
            if let Some(raw) = inner.raw_orders.get(&resource_id) {
                // a raw order goes out as the bytes it was loaded as
                return Some(Prepared {
                    webhook_id,
                    url: w.delivery_url.clone(),
                    topic: topic.to_string(),
                    resource_id,
                    signature: crate::platforms::signature::sign(
                        w.secret.as_bytes(),
                        raw.text.as_bytes(),
                    ),
                    delivery_id: delivery_id(webhook_id, now_s().timestamp()),
                    source: inner.source_url.clone(),
                    body: raw.text.clone(),
                });
            }
        }
        let body = match topic {
            "order.deleted" | "product.deleted" => json!({ "id": resource_id }),
            t if t.starts_with("order.") => {
                let o = inner.orders.get(&resource_id)?;
                if stale {
                    o.previous.clone()?
                } else {
                    render_order(o, &inner, &self.options)
                }
            }
            t if t.starts_with("product.") => {
                render_product(inner.products.get(&resource_id)?, &inner.source_url)
            }
            _ => return None,
        };
        let body = php_json::encode(&body);
        Some(Prepared {
            webhook_id,
            url: w.delivery_url.clone(),
            topic: topic.to_string(),
            resource_id,
            signature: crate::platforms::signature::sign(w.secret.as_bytes(), body.as_bytes()),
            delivery_id: delivery_id(webhook_id, now_s().timestamp()),
            source: inner.source_url.clone(),
            body,
        })
    }

    /// One attempt, no retry; the outcome moves the webhook's failure count (`log_delivery` /
    /// `failed_delivery` of `class-wc-webhook.php`).
    async fn send(&self, p: Prepared) -> DeliveryRecord {
        let (resource, event) = p.topic.split_once('.').unwrap_or((p.topic.as_str(), ""));
        let result = self
            .http
            .post(&p.url)
            .version(reqwest::Version::HTTP_10)
            .header("User-Agent", &self.options.user_agent)
            .header("Content-Type", "application/json")
            .header("X-WC-Webhook-Source", &p.source)
            .header("X-WC-Webhook-Topic", &p.topic)
            .header("X-WC-Webhook-Resource", resource)
            .header("X-WC-Webhook-Event", event)
            .header("X-WC-Webhook-Signature", &p.signature)
            .header("X-WC-Webhook-ID", p.webhook_id.to_string())
            .header("X-WC-Webhook-Delivery-ID", &p.delivery_id)
            .body(p.body.clone())
            .send()
            .await;
        let (status, error) = outcome(result).await;
        let success = status.is_some_and(|s| (200..303).contains(&s));
        let record = DeliveryRecord {
            webhook_id: p.webhook_id,
            topic: p.topic.clone(),
            resource_id: Some(p.resource_id),
            delivery_id: Some(p.delivery_id.clone()),
            status,
            error,
            success,
            ping: false,
            at: now_s(),
        };
        let mut inner = self.lock();
        if let Some(w) = inner.webhooks.get_mut(&p.webhook_id) {
            if success {
                w.failure_count = 0;
            } else if w.failure_count > self.options.max_delivery_failures {
                w.status = "disabled".into();
                w.modified = now_s();
            } else {
                w.failure_count += 1;
            }
        }
        inner.deliveries.push(record.clone());
        record
    }

    /// `deliver_ping`: `webhook_id=<id>` as a form, no `X-WC-*` headers; only a 200 clears
    /// `pending_delivery`. It does not count as a delivery failure.
    async fn ping(&self, webhook_id: u64) -> Option<DeliveryRecord> {
        let url = self.lock().webhooks.get(&webhook_id)?.delivery_url.clone();
        let result = self
            .http
            .post(&url)
            .header("User-Agent", &self.options.user_agent)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(format!("webhook_id={webhook_id}"))
            .send()
            .await;
        let (status, error) = outcome(result).await;
        let record = DeliveryRecord {
            webhook_id,
            topic: "ping".into(),
            resource_id: None,
            delivery_id: None,
            status,
            error,
            success: status == Some(200),
            ping: true,
            at: now_s(),
        };
        let mut inner = self.lock();
        if record.success {
            if let Some(w) = inner.webhooks.get_mut(&webhook_id) {
                w.pending_delivery = false;
            }
        }
        inner.deliveries.push(record.clone());
        Some(record)
    }

    /// Sends `topic` for an order to every active webhook of the topic right now: the delivery,
    /// `duplicates` identical copies, then with `stale` the previous state.
    pub async fn send_now(&self, req: SendRequest) -> Result<Vec<DeliveryRecord>, String> {
        let webhooks: Vec<u64> = {
            let inner = self.lock();
            if !inner.orders.contains_key(&req.order) && !inner.raw_orders.contains_key(&req.order)
            {
                return Err(format!("no order {}", req.order));
            }
            let no_previous = inner
                .orders
                .get(&req.order)
                .is_none_or(|o| o.previous.is_none());
            if req.stale && no_previous {
                return Err(format!("order {} has no earlier state", req.order));
            }
            inner
                .webhooks
                .values()
                .filter(|w| w.topic == req.topic)
                .map(|w| w.id)
                .collect()
        };
        let mut records = Vec::new();
        for wid in webhooks {
            let Some(current) = self.prepare(wid, &req.topic, req.order, false) else {
                continue;
            };
            for _ in 0..=req.duplicates {
                records.push(self.send(current.clone()).await);
            }
            if req.stale {
                if let Some(old) = self.prepare(wid, &req.topic, req.order, true) {
                    records.push(self.send(old).await);
                }
            }
        }
        Ok(records)
    }
}

#[derive(Clone, Debug)]
struct Prepared {
    webhook_id: u64,
    url: String,
    topic: String,
    resource_id: u64,
    signature: String,
    delivery_id: String,
    source: String,
    body: String,
}

async fn outcome(result: reqwest::Result<reqwest::Response>) -> (Option<u16>, Option<String>) {
    match result {
        Ok(resp) => {
            let status = resp.status().as_u16();
            // the answer's body is read (and dropped) like WordPress does
            let _ = resp.bytes().await;
            (Some(status), None)
        }
        Err(e) if e.is_timeout() => (None, Some("timed out".into())),
        Err(e) => (None, Some(format!("cannot reach the delivery URL: {e}"))),
    }
}

/// `wp_hash($webhook_id . time())`: 32 hex characters, the same for one webhook within a second.
pub fn delivery_id(webhook_id: u64, unix_second: i64) -> String {
    let digest = Sha256::digest(format!("wp-sim-salt|{webhook_id}{unix_second}").as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

impl Inner {
    #[allow(clippy::too_many_arguments)]
    fn insert_order(
        &mut self,
        buyer: u64,
        items: Vec<NewItem>,
        status: &str,
        created: DateTime<Utc>,
        modified: DateTime<Utc>,
        with_email: bool,
        customer_id: u64,
    ) -> u64 {
        // an id a raw order already took is not handed out again
        while self.raw_orders.contains_key(&self.next_order_id) {
            self.next_order_id += 1;
        }
        let id = self.next_order_id;
        self.next_order_id += 1;
        let lines = items
            .into_iter()
            .map(|i| {
                let line_id = self.next_line_id;
                self.next_line_id += 1;
                SimLine {
                    id: line_id,
                    product: i.product,
                    quantity: i.quantity.max(1),
                    price: FakeData::price(i.product),
                }
            })
            .collect();
        let shipping_line_id = self.next_line_id;
        self.next_line_id += 1;
        let shipping_total = if self.fake.rng().gen_bool(0.5) {
            Decimal::new(80, 0)
        } else {
            Decimal::ZERO
        };
        let order_key = format!("wc_order_{:013x}", self.fake.rng().gen::<u64>() >> 12);
        let paid = matches!(status, "processing" | "completed" | "refunded").then_some(created);
        let completed = (status == "completed").then_some(modified);
        self.orders.insert(
            id,
            SimOrder {
                id,
                status: status.into(),
                before_trash: None,
                created,
                modified,
                paid,
                completed,
                buyer,
                customer_id,
                with_email,
                lines,
                shipping_line_id,
                shipping_total,
                meta: Vec::new(),
                order_key,
                previous: None,
            },
        );
        id
    }
}

fn set_status(o: &mut SimOrder, status: &str, now: DateTime<Utc>) {
    if matches!(status, "processing" | "completed") && o.paid.is_none() {
        o.paid = Some(now);
    }
    if status == "completed" {
        o.completed = Some(now);
    }
    o.status = status.into();
}

/// `update_meta_data`: replaces the key's value or adds it. True when a new meta id was used.
fn set_meta(o: &mut SimOrder, key: &str, value: Value, new_id: u64) -> bool {
    match o.meta.iter_mut().find(|(_, k, _)| k == key) {
        Some(m) => {
            m.2 = value;
            false
        }
        None => {
            o.meta.push((new_id, key.into(), value));
            true
        }
    }
}

/// Now, to the second: WooCommerce stores and compares times in whole seconds.
fn now_s() -> DateTime<Utc> {
    use chrono::SubsecRound;
    Utc::now().trunc_subsecs(0)
}

// ---- rendering --------------------------------------------------------------------------------

fn money(d: Decimal) -> String {
    let mut d = d.round_dp(2);
    d.rescale(2);
    d.to_string()
}

/// Line-item `price` is a PHP number: `875` when whole, `14.99` otherwise.
fn php_number(d: Decimal) -> Value {
    let d = d.normalize();
    if d.scale() == 0 {
        d.to_string()
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or(Value::Null)
    } else {
        d.to_string()
            .parse::<f64>()
            .map(Value::from)
            .unwrap_or(Value::Null)
    }
}

fn local(t: DateTime<Utc>) -> String {
    crate::domain::time::utc_to_kyiv(t)
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

fn gmt(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

fn opt_local(t: Option<DateTime<Utc>>) -> Value {
    t.map(|t| json!(local(t))).unwrap_or(Value::Null)
}

fn opt_gmt(t: Option<DateTime<Utc>>) -> Value {
    t.map(|t| json!(gmt(t))).unwrap_or(Value::Null)
}

/// The REST v3 order, also the webhook body.
fn render_order(o: &SimOrder, inner: &Inner, options: &SimOptions) -> Value {
    let p = FakeData::person(o.buyer);
    let phone = format!("+{}", p.phone_digits);
    let items_total: Decimal = o
        .lines
        .iter()
        .map(|l| l.price * Decimal::from(l.quantity))
        .sum();
    let total = items_total + o.shipping_total;
    let line_items: Vec<Value> = o
        .lines
        .iter()
        .map(|l| {
            let (name, sku, _, _) = PRODUCTS[l.product];
            let line_total = l.price * Decimal::from(l.quantity);
            json!({
                "id": l.id,
                "name": name,
                "product_id": FIRST_PRODUCT_ID + l.product as u64,
                "variation_id": 0,
                "quantity": l.quantity,
                "tax_class": "",
                "subtotal": money(line_total),
                "subtotal_tax": "0.00",
                "total": money(line_total),
                "total_tax": "0.00",
                "taxes": [],
                "meta_data": [],
                "sku": sku,
                "price": php_number(l.price),
                "image": {"id": 0, "src": ""},
                "parent_name": null,
            })
        })
        .collect();
    let site = inner.source_url.trim_end_matches('/');
    let mut order = json!({
        "id": o.id,
        "parent_id": 0,
        "number": o.id.to_string(),
        "order_key": o.order_key,
        "created_via": "checkout",
        "version": "9.8.3",
        "status": o.status,
        "currency": options.currency,
        "date_created": local(o.created),
        "date_created_gmt": gmt(o.created),
        "date_modified": local(o.modified),
        "date_modified_gmt": gmt(o.modified),
        "discount_total": "0.00",
        "discount_tax": "0.00",
        "shipping_total": money(o.shipping_total),
        "shipping_tax": "0.00",
        "cart_tax": "0.00",
        "total": money(total),
        "total_tax": "0.00",
        "prices_include_tax": false,
        "customer_id": o.customer_id,
    });
    let rest = json!({
        "customer_ip_address": "203.0.113.10",
        "customer_user_agent": "Mozilla/5.0",
        "customer_note": "",
        "billing": {
            "first_name": p.first_name,
            "last_name": p.last_name,
            "company": "",
            "address_1": format!("Нова пошта, відділення №{}", p.branch),
            "address_2": "",
            "city": p.city,
            "state": "",
            "postcode": "",
            "country": "UA",
            "email": if o.with_email { json!(p.email) } else { Value::Null },
            "phone": phone,
        },
        "shipping": {
            "first_name": p.first_name,
            "last_name": p.last_name,
            "company": "",
            "address_1": format!("Нова пошта, відділення №{}", p.branch),
            "address_2": "",
            "city": p.city,
            "state": "",
            "postcode": "",
            "country": "UA",
            "phone": "",
        },
        "payment_method": "cod",
        "payment_method_title": "Оплата при отриманні",
        "transaction_id": "",
        "date_paid": opt_local(o.paid),
        "date_paid_gmt": opt_gmt(o.paid),
        "date_completed": opt_local(o.completed),
        "date_completed_gmt": opt_gmt(o.completed),
        "cart_hash": "",
        "meta_data": o.meta.iter().map(|(id, k, v)| json!({"id": id, "key": k, "value": v})).collect::<Vec<_>>(),
        "line_items": line_items,
        "tax_lines": [],
        "shipping_lines": [{
            "id": o.shipping_line_id,
            "method_title": "Нова пошта",
            "method_id": "flat_rate",
            "instance_id": "3",
            "total": money(o.shipping_total),
            "total_tax": "0.00",
            "taxes": [],
            "meta_data": [],
        }],
        "fee_lines": [],
        "coupon_lines": [],
        "refunds": [],
        "payment_url": format!("{site}/checkout/order-pay/{}/?pay_for_order=true&key={}", o.id, o.order_key),
        "is_editable": matches!(o.status.as_str(), "pending" | "on-hold"),
        "needs_payment": o.status == "pending",
        "needs_processing": true,
        "currency_symbol": "₴",
        "_links": {
            "self": [{"href": format!("{site}{API_PATH}/orders/{}", o.id)}],
            "collection": [{"href": format!("{site}{API_PATH}/orders")}],
        },
    });
    // two halves: one `json!` of the whole order is beyond the macro's recursion limit
    if let (Value::Object(head), Value::Object(tail)) = (&mut order, rest) {
        head.extend(tail);
    }
    order
}

/// The category tree of `PRODUCTS`' paths: (id, name, parent), ids in order of first appearance.
fn categories() -> Vec<(u64, String, u64)> {
    let mut out: Vec<(u64, String, u64)> = Vec::new();
    for (_, _, _, path) in PRODUCTS {
        let mut parent = 0;
        for name in path.iter() {
            let found = out
                .iter()
                .find(|(_, n, p)| n == name && *p == parent)
                .map(|c| c.0);
            parent = match found {
                Some(id) => id,
                None => {
                    let id = FIRST_CATEGORY_ID + out.len() as u64;
                    out.push((id, name.to_string(), parent));
                    id
                }
            };
        }
    }
    out
}

fn slug(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect()
}

fn render_product(p: &SimProduct, source_url: &str) -> Value {
    let (name, sku, _, path) = PRODUCTS[p.index];
    let tree = categories();
    // the deepest category of the product's path
    let mut parent = 0;
    let mut deepest = None;
    for name in path.iter() {
        if let Some(c) = tree.iter().find(|(_, n, par)| n == name && *par == parent) {
            parent = c.0;
            deepest = Some(c.clone());
        }
    }
    let site = source_url.trim_end_matches('/');
    let stock_status = match (p.manage_stock, p.stock_quantity) {
        (true, Some(q)) if q <= 0 => "outofstock",
        _ => "instock",
    };
    json!({
        "id": p.id,
        "name": name,
        "slug": slug(sku),
        "permalink": format!("{site}/product/{}/", slug(sku)),
        "date_modified": local(p.modified),
        "date_modified_gmt": gmt(p.modified),
        "type": "simple",
        "status": "publish",
        "sku": sku,
        "price": money(p.regular_price),
        "regular_price": money(p.regular_price),
        "sale_price": "",
        "manage_stock": p.manage_stock,
        "stock_quantity": p.stock_quantity,
        "stock_status": stock_status,
        "parent_id": 0,
        "categories": deepest.map(|(id, name, _)| vec![json!({"id": id, "name": name, "slug": slug(&name)})]).unwrap_or_default(),
        "variations": [],
        "_links": {
            "self": [{"href": format!("{site}{API_PATH}/products/{}", p.id)}],
            "collection": [{"href": format!("{site}{API_PATH}/products")}],
        },
    })
}

fn hooks_of(topic: &str) -> Vec<&'static str> {
    match topic {
        "order.created" => vec!["woocommerce_new_order"],
        "order.updated" => vec![
            "woocommerce_update_order",
            "woocommerce_order_refunded",
            "woocommerce_delete_order_refund",
        ],
        "order.deleted" => vec!["wp_trash_post", "woocommerce_trash_order"],
        "order.restored" => vec!["untrashed_post", "woocommerce_untrash_order"],
        "product.created" => vec![
            "woocommerce_process_product_meta",
            "woocommerce_new_product",
        ],
        "product.updated" => vec!["woocommerce_update_product"],
        _ => vec![],
    }
}

fn render_webhook(w: &SimWebhook, source_url: &str) -> Value {
    let (resource, event) = w.topic.split_once('.').unwrap_or((w.topic.as_str(), ""));
    let site = source_url.trim_end_matches('/');
    json!({
        "id": w.id,
        "name": w.name,
        "status": w.status,
        "topic": w.topic,
        "resource": resource,
        "event": event,
        "hooks": hooks_of(&w.topic),
        "delivery_url": w.delivery_url,
        "date_created": local(w.created),
        "date_created_gmt": gmt(w.created),
        "date_modified": local(w.modified),
        "date_modified_gmt": gmt(w.modified),
        "_links": {
            "self": [{"href": format!("{site}{API_PATH}/webhooks/{}", w.id)}],
            "collection": [{"href": format!("{site}{API_PATH}/webhooks")}],
        },
    })
}

fn valid_topic(topic: &str) -> bool {
    if topic.starts_with("action.") && topic.len() > 7 {
        return true;
    }
    matches!(topic.split_once('.'), Some((r, e))
        if ["order", "product", "customer", "coupon"].contains(&r)
            && ["created", "updated", "deleted", "restored"].contains(&e))
}

// ---- platform endpoints -----------------------------------------------------------------------

fn api_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/orders", web::get().to(list_orders))
        .route("/orders/{id}", web::get().to(get_order))
        .route("/orders/{id}", web::put().to(update_order))
        .route("/orders/{id}", web::post().to(update_order))
        .route("/orders/{id}", web::patch().to(update_order))
        .route("/products", web::get().to(list_products))
        .route("/products/batch", web::post().to(batch_products))
        .route("/products/batch", web::put().to(batch_products))
        .route("/products/batch", web::patch().to(batch_products))
        .route("/products/categories", web::get().to(list_categories))
        .route("/products/{id}", web::get().to(get_product))
        .route("/products/{id}", web::put().to(update_product))
        .route("/products/{id}", web::post().to(update_product))
        .route("/products/{id}", web::patch().to(update_product))
        .route("/webhooks", web::get().to(list_webhooks))
        .route("/webhooks", web::post().to(create_webhook))
        .route("/webhooks/{id}", web::get().to(get_webhook))
        .route("/webhooks/{id}", web::put().to(update_webhook))
        .route("/webhooks/{id}", web::post().to(update_webhook))
        .route("/webhooks/{id}", web::patch().to(update_webhook))
        .route("/webhooks/{id}", web::delete().to(delete_webhook));
}

type Query = web::Query<Vec<(String, String)>>;

/// A WordPress error object.
fn wp_error(code: &str, message: &str, status: u16) -> Value {
    json!({"code": code, "message": message, "data": {"status": status}})
}

fn invalid_param(name: &str, why: &str) -> Value {
    json!({
        "code": "rest_invalid_param",
        "message": format!("Invalid parameter(s): {name}"),
        "data": {"status": 400, "params": {name: why}},
    })
}

async fn no_route(faults: web::Data<Faults>) -> HttpResponse {
    faults
        .reply(
            404,
            wp_error(
                "rest_no_route",
                "No route was found matching the URL and request method.",
                404,
            ),
        )
        .await
}

fn param<'a>(q: &'a [(String, String)], key: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// `class-wc-rest-authentication.php`: Basic auth or the key pair as query parameters.
fn check_auth(
    req: &HttpRequest,
    q: &[(String, String)],
    state: &SimState,
    write: bool,
) -> Result<(), Value> {
    let basic = req
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            s.split_once(':')
                .map(|(k, s)| (k.to_string(), s.to_string()))
        });
    let given = basic.or_else(|| {
        Some((
            param(q, "consumer_key")?.to_string(),
            param(q, "consumer_secret")?.to_string(),
        ))
    });
    let Some((key, secret)) = given else {
        return Err(if write {
            wp_error(
                "woocommerce_rest_cannot_edit",
                "Sorry, you are not allowed to edit this resource.",
                401,
            )
        } else {
            wp_error(
                "woocommerce_rest_cannot_view",
                "Sorry, you cannot list resources.",
                401,
            )
        });
    };
    if key != state.options.consumer_key || state.lock().revoked {
        return Err(wp_error(
            "woocommerce_rest_authentication_error",
            "Consumer key is invalid.",
            401,
        ));
    }
    if secret != state.options.consumer_secret {
        return Err(wp_error(
            "woocommerce_rest_authentication_error",
            "Consumer secret is invalid.",
            401,
        ));
    }
    if write && state.options.key_permission == "read" {
        return Err(wp_error(
            "woocommerce_rest_authentication_error",
            "The API key provided does not have write permissions.",
            401,
        ));
    }
    Ok(())
}

macro_rules! authorized {
    ($req:expr, $q:expr, $state:expr, $faults:expr, $write:expr) => {
        if let Err(e) = check_auth(&$req, &$q, &$state, $write) {
            return $faults.reply(401, e).await;
        }
    };
}

/// `per_page` and `page` as WordPress validates them.
fn paging(q: &[(String, String)], state: &SimState) -> Result<(usize, usize, usize), Value> {
    let max = state.options.max_per_page;
    let per_page = match param(q, "per_page") {
        None => state.options.default_per_page,
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => n,
            _ => {
                return Err(invalid_param(
                    "per_page",
                    &format!("per_page must be between 1 (inclusive) and {max} (inclusive)"),
                ))
            }
        },
    };
    let page = match param(q, "page") {
        None => 1,
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if n >= 1 => n,
            _ => {
                return Err(invalid_param(
                    "page",
                    "page must be greater than or equal to 1",
                ))
            }
        },
    };
    let offset = match param(q, "offset") {
        None => None,
        Some(v) => Some(
            v.trim()
                .parse::<usize>()
                .map_err(|_| invalid_param("offset", "offset is not of type integer."))?,
        ),
    };
    let start = offset.unwrap_or((page - 1) * per_page);
    Ok((per_page, page, start))
}

#[allow(clippy::too_many_arguments)]
/// One page of a collection with `X-WP-Total`, `X-WP-TotalPages` and `Link` prev/next. Faults
/// apply first (through `Faults::reply`); the headers are added to whatever came back.
async fn reply_page(
    req: &HttpRequest,
    q: &[(String, String)],
    state: &SimState,
    faults: &Faults,
    all: Vec<Value>,
    per_page: usize,
    page: usize,
    start: usize,
) -> HttpResponse {
    let total = all.len();
    let items = all
        .into_iter()
        .skip(start)
        .take(per_page)
        .map(|v| v.to_string())
        .collect();
    reply_page_text(req, q, state, faults, total, items, per_page, page).await
}

#[allow(clippy::too_many_arguments)]
/// [`reply_page`] with the page's items as JSON text already (spliced as they are) and the
/// collection's size.
async fn reply_page_text(
    req: &HttpRequest,
    q: &[(String, String)],
    state: &SimState,
    faults: &Faults,
    total: usize,
    items: Vec<String>,
    per_page: usize,
    page: usize,
) -> HttpResponse {
    let total_pages = total.div_ceil(per_page);
    let mut resp = faults
        .reply_text(200, format!("[{}]", items.join(",")))
        .await;
    if resp.status() != actix_web::http::StatusCode::OK {
        return resp;
    }
    let source = state.lock().source_url.clone();
    let link_to = |n: usize| -> Option<String> {
        let mut url =
            reqwest::Url::parse(&format!("{}{}", source.trim_end_matches('/'), req.path())).ok()?;
        {
            let mut pairs = url.query_pairs_mut();
            // the key pair is not echoed into links
            for (k, v) in q
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "page" | "consumer_key" | "consumer_secret"))
            {
                pairs.append_pair(k, v);
            }
            pairs.append_pair("page", &n.to_string());
        }
        Some(url.to_string())
    };
    let mut links = Vec::new();
    if page > 1 {
        let prev = (page - 1).min(total_pages.max(1));
        if let Some(u) = link_to(prev) {
            links.push(format!("<{u}>; rel=\"prev\""));
        }
    }
    if page < total_pages {
        if let Some(u) = link_to(page + 1) {
            links.push(format!("<{u}>; rel=\"next\""));
        }
    }
    let headers = resp.headers_mut();
    let mut set = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), v);
        }
    };
    set("x-wp-total", total.to_string());
    set("x-wp-totalpages", total_pages.to_string());
    if !links.is_empty() {
        set("link", links.join(", "));
    }
    resp
}

/// `after`/`before` bounds: an offset in the value makes it absolute; otherwise it is the site's
/// local time unless `dates_are_gmt`.
fn date_param(
    q: &[(String, String)],
    key: &str,
    gmt: bool,
) -> Result<Option<DateTime<Utc>>, Value> {
    let Some(raw) = param(q, key).map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    let naive = [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.f",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
    .ok_or_else(|| invalid_param(key, "Invalid date."))?;
    Ok(Some(if gmt {
        naive.and_utc()
    } else {
        crate::domain::time::kyiv_to_utc(naive)
    }))
}

async fn list_orders(
    req: HttpRequest,
    q: Query,
    state: web::Data<SimState>,
    faults: web::Data<Faults>,
) -> HttpResponse {
    authorized!(req, q, state, faults, false);
    let (per_page, page, start) = match paging(&q, &state) {
        Ok(p) => p,
        Err(e) => return faults.reply(400, e).await,
    };
    let gmt = matches!(param(&q, "dates_are_gmt"), Some("true" | "1"));
    let mut bounds = Vec::new();
    for key in ["after", "before", "modified_after", "modified_before"] {
        match date_param(&q, key, gmt) {
            Ok(b) => bounds.push(b),
            Err(e) => return faults.reply(400, e).await,
        }
    }
    let mut statuses: Vec<String> = q
        .iter()
        .filter(|(k, _)| k == "status" || k == "status[]")
        .flat_map(|(_, v)| v.split(',').map(|s| s.trim().to_string()))
        .filter(|s| !s.is_empty())
        .collect();
    if statuses.is_empty() {
        statuses.push("any".into());
    }
    if let Some((i, bad)) = statuses.iter().enumerate().find(|(_, s)| {
        !ORDER_STATUSES.contains(&s.as_str()) && !matches!(s.as_str(), "any" | "trash")
    }) {
        let allowed = ["any", "trash"]
            .iter()
            .chain(ORDER_STATUSES)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        return faults
            .reply(
                400,
                invalid_param(
                    "status",
                    &format!("status[{i}] is not one of {allowed}. (`{bad}`)"),
                ),
            )
            .await;
    }
    let ascending = param(&q, "order") == Some("asc");
    let orderby = param(&q, "orderby").unwrap_or("date").to_string();
    let (total, items) = {
        let inner = state.lock();
        let mut orders: Vec<Listed> = inner
            .orders
            .values()
            .map(Listed::Sim)
            .chain(inner.raw_orders.iter().map(|(id, r)| Listed::Raw(*id, r)))
            .filter(|o| {
                statuses.iter().any(|s| match s.as_str() {
                    // WordPress "any" leaves the trash out
                    "any" => o.status() != "trash",
                    s => o.status() == s,
                })
            })
            .filter(|o| bounds[0].is_none_or(|b| o.created() > b))
            .filter(|o| bounds[1].is_none_or(|b| o.created() < b))
            .filter(|o| bounds[2].is_none_or(|b| o.modified() > b))
            .filter(|o| bounds[3].is_none_or(|b| o.modified() < b))
            .collect();
        orders.sort_by(|a, b| {
            let key = match orderby.as_str() {
                "modified" => a.modified().cmp(&b.modified()),
                "date" => a.created().cmp(&b.created()),
                _ => std::cmp::Ordering::Equal,
            };
            key.then(a.id().cmp(&b.id()))
        });
        if !ascending {
            orders.reverse();
        }
        let items: Vec<String> = orders
            .iter()
            .skip(start)
            .take(per_page)
            .map(|o| o.text(&inner, &state.options))
            .collect();
        (orders.len(), items)
    };
    reply_page_text(&req, &q, &state, &faults, total, items, per_page, page).await
}

async fn get_order(
    req: HttpRequest,
    q: Query,
    id: web::Path<String>,
    state: web::Data<SimState>,
    faults: web::Data<Faults>,
) -> HttpResponse {
    authorized!(req, q, state, faults, false);
    let order = {
        let inner = state.lock();
        id.parse::<u64>().ok().and_then(|id| {
            match (inner.orders.get(&id), inner.raw_orders.get(&id)) {
                (Some(o), _) => Some(Listed::Sim(o)),
                (None, Some(r)) => Some(Listed::Raw(id, r)),
                (None, None) => None,
            }
            .map(|o| o.text(&inner, &state.options))
        })
    };
    match order {
        Some(text) => faults.reply_text(200, text).await,
        None => {
            faults
                .reply(
                    404,
                    wp_error("woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 404),
                )
                .await
        }
    }
}

/// `PUT /orders/{id}`: status (WooCommerce's transition), `meta_data`, `customer_note`; fires
/// `order.updated`.
async fn update_order(
    req: HttpRequest,
    q: Query,
    id: web::Path<String>,
    body: web::Json<Value>,
    state: web::Data<SimState>,
    faults: web::Data<Faults>,
) -> HttpResponse {
    authorized!(req, q, state, faults, true);
    let body = body.into_inner();
    let state: Arc<SimState> = state.into_inner();
    state.lock().pushed.push(Pushed {
        endpoint: format!("{} /orders/{}", req.method(), id),
        body: body.clone(),
        at: now_s(),
    });
    let Some(id) = id
        .parse::<u64>()
        .ok()
        .filter(|id| state.lock().orders.contains_key(id))
    else {
        return faults
            .reply(
                400,
                wp_error("woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 400),
            )
            .await;
    };
    let status = body
        .get("status")
        .and_then(Value::as_str)
        .map(str::to_string);
    if let Some(s) = &status {
        if !ORDER_STATUSES.contains(&s.as_str()) {
            let allowed = ORDER_STATUSES.join(", ");
            return faults
                .reply(
                    400,
                    invalid_param("status", &format!("status is not one of {allowed}.")),
                )
                .await;
        }
    }
    let Some(rendered) = apply_order_update(&state, id, status.as_deref(), &body) else {
        return faults
            .reply(
                400,
                wp_error("woocommerce_rest_shop_order_invalid_id", "Invalid ID.", 400),
            )
            .await;
    };
    state.fire("order.updated", id);
    faults.reply(200, rendered).await
}

/// Applies a REST order update; `None` when the order is gone.
fn apply_order_update(
    state: &SimState,
    id: u64,
    status: Option<&str>,
    body: &Value,
) -> Option<Value> {
    let mut inner = state.lock();
    let snapshot = render_order(inner.orders.get(&id)?, &inner, &state.options);
    let mut meta_id = inner.next_meta_id;
    let now = now_s();
    let o = inner.orders.get_mut(&id)?;
    o.previous = Some(snapshot);
    if let Some(s) = status {
        set_status(o, s, now);
    }
    if let Some(meta) = body.get("meta_data").and_then(Value::as_array) {
        for m in meta {
            if let Some(key) = m.get("key").and_then(Value::as_str) {
                let value = m.get("value").cloned().unwrap_or(Value::Null);
                if set_meta(o, key, value, meta_id) {
                    meta_id += 1;
                }
            }
        }
    }
    o.modified = now.max(o.modified + chrono::Duration::seconds(1));
    inner.next_meta_id = meta_id;
    inner
        .orders
        .get(&id)
        .map(|o| render_order(o, &inner, &state.options))
}

async fn list_products(
    req: HttpRequest,
    q: Query,
    state: web::Data<SimState>,
    faults: web::Data<Faults>,
) -> HttpResponse {
    authorized!(req, q, state, faults, false);
    let (per_page, page, start) = match paging(&q, &state) {
        Ok(p) => p,
        Err(e) => return faults.reply(400, e).await,
    };
    let all = {
        let inner = state.lock();
        inner
            .products
            .values()
            .map(|p| render_product(p, &inner.source_url))
            .collect::<Vec<_>>()
    };
    reply_page(&req, &q, &state, &faults, all, per_page, page, start).await
}

async fn list_categories(
    req: HttpRequest,
    q: Query,
    state: web::Data<SimState>,
    faults: web::Data<Faults>,
) -> HttpResponse {
    authorized!(req, q, state, faults, false);
    let (per_page, page, start) = match paging(&q, &state) {
        Ok(p) => p,
        Err(e) => return faults.reply(400, e).await,
    };
    let mut tree = categories();
    // WooCommerce orders categories by name by default
    tree.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    let all = tree
        .into_iter()
        .map(|(id, name, parent)| {
            let count = PRODUCTS
                .iter()
                .filter(|p| p.3.contains(&name.as_str()))
                .count();
            json!({"id": id, "name": name, "slug": slug(&name), "parent": parent, "description": "",
                   "display": "default", "image": null, "menu_order": 0, "count": count})
        })
        .collect();
    reply_page(&req, &q, &state, &faults, all, per_page, page, start).await
}

async fn get_product(
    req: HttpRequest,
    q: Query,
    id: web::Path<String>,
    state: web::Data<SimState>,
    faults: web::Data<Faults>,
) -> HttpResponse {
    authorized!(req, q, state, faults, false);
    let product = {
        let inner = state.lock();
        id.parse::<u64>()
            .ok()
            .and_then(|id| inner.products.get(&id))
            .map(|p| render_product(p, &inner.source_url))
    };
    match product {
        Some(p) => faults.reply(200, p).await,
        None => {
            faults
                .reply(
                    404,
                    wp_error("woocommerce_rest_product_invalid_id", "Invalid ID.", 404),
                )
                .await
        }
    }
}

/// Applies one product update: `manage_stock` first, then `stock_quantity` only while the stock
/// is managed (WooCommerce drops the quantity of an unmanaged product), `regular_price`.
fn apply_product_update(state: &SimState, id: u64, body: &Value) -> Result<Value, Value> {
    let mut inner = state.lock();
    let source = inner.source_url.clone();
    let Some(p) = inner.products.get_mut(&id) else {
        return Err(wp_error(
            "woocommerce_rest_product_invalid_id",
            "Invalid ID.",
            400,
        ));
    };
    let price = match body.get("regular_price") {
        None | Some(Value::Null) => None,
        Some(v) => {
            let text = v
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string());
            Some(text.trim().parse::<Decimal>().map_err(|_| {
                invalid_param("regular_price", "regular_price is not of type string.")
            })?)
        }
    };
    let quantity = match body.get("stock_quantity") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_i64().ok_or_else(|| {
            invalid_param("stock_quantity", "stock_quantity is not of type integer.")
        })?),
    };
    if let Some(m) = body.get("manage_stock").and_then(Value::as_bool) {
        p.manage_stock = m;
    }
    if p.manage_stock {
        if let Some(q) = quantity {
            p.stock_quantity = Some(q);
        }
    } else {
        p.stock_quantity = None;
    }
    if let Some(price) = price {
        p.regular_price = price;
    }
    p.modified = now_s();
    Ok(render_product(p, &source))
}

async fn update_product(
    req: HttpRequest,
    q: Query,
    id: web::Path<String>,
    body: web::Json<Value>,
    state: web::Data<SimState>,
    faults: web::Data<Faults>,
) -> HttpResponse {
    authorized!(req, q, state, faults, true);
    let body = body.into_inner();
    let state: Arc<SimState> = state.into_inner();
    state.lock().pushed.push(Pushed {
        endpoint: format!("{} /products/{}", req.method(), id),
        body: body.clone(),
        at: now_s(),
    });
    let id = id.parse::<u64>().unwrap_or(0);
    match apply_product_update(&state, id, &body) {
        Ok(p) => {
            state.fire("product.updated", id);
            faults.reply(200, p).await
        }
        Err(e) => faults.reply(400, e).await,
    }
}

/// `POST /products/batch`: at most 100 objects; per-item errors inside the 200 answer.
async fn batch_products(
    req: HttpRequest,
    q: Query,
    body: web::Json<Value>,
    state: web::Data<SimState>,
    faults: web::Data<Faults>,
) -> HttpResponse {
    authorized!(req, q, state, faults, true);
    let body = body.into_inner();
    let state: Arc<SimState> = state.into_inner();
    state.lock().pushed.push(Pushed {
        endpoint: format!("{} /products/batch", req.method()),
        body: body.clone(),
        at: now_s(),
    });
    let count = |k: &str| body.get(k).and_then(Value::as_array).map_or(0, Vec::len);
    if count("create") + count("update") + count("delete") > BATCH_LIMIT {
        return faults
            .reply(
                413,
                wp_error(
                    "woocommerce_rest_request_entity_too_large",
                    &format!("Unable to accept more than {BATCH_LIMIT} items for this request."),
                    413,
                ),
            )
            .await;
    }
    let mut updated = Vec::new();
    for item in body
        .get("update")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
    {
        let id = item.get("id").and_then(Value::as_u64).unwrap_or(0);
        match apply_product_update(&state, id, &item) {
            Ok(p) => {
                state.fire("product.updated", id);
                updated.push(p);
            }
            Err(e) => updated.push(json!({"id": id, "error": e})),
        }
    }
    faults.reply(200, json!({ "update": updated })).await
}

async fn list_webhooks(
    req: HttpRequest,
    q: Query,
    state: web::Data<SimState>,
    faults: web::Data<Faults>,
) -> HttpResponse {
    authorized!(req, q, state, faults, false);
    let (per_page, page, start) = match paging(&q, &state) {
        Ok(p) => p,
        Err(e) => return faults.reply(400, e).await,
    };
    let wanted = param(&q, "status").unwrap_or("all").to_string();
    let all = {
        let inner = state.lock();
        inner
            .webhooks
            .values()
            .filter(|w| wanted == "all" || w.status == wanted)
            .map(|w| render_webhook(w, &inner.source_url))
            .collect::<Vec<_>>()
    };
    reply_page(&req, &q, &state, &faults, all, per_page, page, start).await
}

fn invalid_webhook_id() -> Value {
    wp_error(
        "woocommerce_rest_shop_webhook_invalid_id",
        "Invalid ID.",
        404,
    )
}

async fn get_webhook(
    req: HttpRequest,
    q: Query,
    id: web::Path<String>,
    state: web::Data<SimState>,
    faults: web::Data<Faults>,
) -> HttpResponse {
    authorized!(req, q, state, faults, false);
    let found = {
        let inner = state.lock();
        id.parse::<u64>()
            .ok()
            .and_then(|id| inner.webhooks.get(&id))
            .map(|w| render_webhook(w, &inner.source_url))
    };
    match found {
        Some(w) => faults.reply(200, w).await,
        None => faults.reply(404, invalid_webhook_id()).await,
    }
}

fn valid_delivery_url(url: &str) -> bool {
    (url.starts_with("http://") || url.starts_with("https://")) && reqwest::Url::parse(url).is_ok()
}

/// `POST /webhooks`: saves, then pings the delivery URL (its outcome does not change the answer).
async fn create_webhook(
    req: HttpRequest,
    q: Query,
    body: web::Json<Value>,
    state: web::Data<SimState>,
    faults: web::Data<Faults>,
) -> HttpResponse {
    authorized!(req, q, state, faults, true);
    let body = body.into_inner();
    let state: Arc<SimState> = state.into_inner();
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    let topic = text("topic").unwrap_or_default().to_lowercase();
    if !valid_topic(&topic) {
        return faults
            .reply(
                400,
                wp_error(
                    "woocommerce_rest_shop_webhook_invalid_topic",
                    "Webhook topic is required and must be valid.",
                    400,
                ),
            )
            .await;
    }
    let delivery_url = text("delivery_url").unwrap_or_default();
    if !valid_delivery_url(&delivery_url) {
        return faults
            .reply(
                400,
                wp_error(
                    "woocommerce_rest_shop_webhook_invalid_delivery_url",
                    "Webhook delivery URL must be a valid URL starting with http:// or https://.",
                    400,
                ),
            )
            .await;
    }
    let status = text("status").unwrap_or_else(|| "active".into());
    if !WEBHOOK_STATUSES.contains(&status.as_str()) {
        return faults
            .reply(
                400,
                invalid_param(
                    "status",
                    "status is not one of active, paused, and disabled.",
                ),
            )
            .await;
    }
    let name = text("name").unwrap_or_else(|| {
        format!(
            "Webhook created on {}",
            now_s().format("%b %d, %Y @ %I:%M %p")
        )
    });
    let id = state.add_webhook(
        name,
        topic,
        delivery_url,
        text("secret").filter(|s| !s.is_empty()),
        status,
    );
    if state.options.ping_on_create {
        let pinger = state.clone();
        // the ping runs on the simulator's runtime like every delivery; the answer waits for it
        let _ = state
            .runtime
            .spawn(async move { pinger.ping(id).await })
            .await;
    }
    let rendered = {
        let inner = state.lock();
        inner
            .webhooks
            .get(&id)
            .map(|w| render_webhook(w, &inner.source_url))
    };
    match rendered {
        Some(w) => faults.reply(201, w).await,
        None => faults.reply(404, invalid_webhook_id()).await,
    }
}

async fn update_webhook(
    req: HttpRequest,
    q: Query,
    id: web::Path<String>,
    body: web::Json<Value>,
    state: web::Data<SimState>,
    faults: web::Data<Faults>,
) -> HttpResponse {
    authorized!(req, q, state, faults, true);
    let body = body.into_inner();
    let Some(id) = id
        .parse::<u64>()
        .ok()
        .filter(|id| state.lock().webhooks.contains_key(id))
    else {
        return faults.reply(404, invalid_webhook_id()).await;
    };
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    if let Some(topic) = text("topic") {
        if !valid_topic(&topic) {
            return faults
                .reply(
                    400,
                    wp_error(
                        "woocommerce_rest_shop_webhook_invalid_topic",
                        "Webhook topic is required and must be valid.",
                        400,
                    ),
                )
                .await;
        }
    }
    if let Some(url) = text("delivery_url") {
        if !valid_delivery_url(&url) {
            return faults
                .reply(
                    400,
                    wp_error(
                        "woocommerce_rest_shop_webhook_invalid_delivery_url",
                        "Webhook delivery URL must be a valid URL starting with http:// or https://.",
                        400,
                    ),
                )
                .await;
        }
    }
    if let Some(status) = text("status") {
        if !WEBHOOK_STATUSES.contains(&status.as_str()) {
            return faults
                .reply(
                    400,
                    invalid_param(
                        "status",
                        "status is not one of active, paused, and disabled.",
                    ),
                )
                .await;
        }
        state.set_webhook_status(id, &status);
    }
    let rendered = {
        let mut inner = state.lock();
        let source = inner.source_url.clone();
        inner.webhooks.get_mut(&id).map(|w| {
            if let Some(v) = text("name") {
                w.name = v;
            }
            if let Some(v) = text("topic") {
                w.topic = v;
            }
            if let Some(v) = text("delivery_url") {
                w.delivery_url = v;
            }
            if let Some(v) = text("secret").filter(|s| !s.is_empty()) {
                w.secret = v;
            }
            w.modified = now_s();
            render_webhook(w, &source)
        })
    };
    let Some(rendered) = rendered else {
        return faults.reply(404, invalid_webhook_id()).await;
    };
    faults.reply(200, rendered).await
}

async fn delete_webhook(
    req: HttpRequest,
    q: Query,
    id: web::Path<String>,
    state: web::Data<SimState>,
    faults: web::Data<Faults>,
) -> HttpResponse {
    authorized!(req, q, state, faults, true);
    if !matches!(param(&q, "force"), Some("true" | "1")) {
        return faults
            .reply(
                501,
                wp_error(
                    "woocommerce_rest_trash_not_supported",
                    "Webhooks do not support trashing.",
                    501,
                ),
            )
            .await;
    }
    let removed = {
        let mut inner = state.lock();
        let source = inner.source_url.clone();
        id.parse::<u64>()
            .ok()
            .and_then(|id| inner.webhooks.remove(&id))
            .map(|w| render_webhook(&w, &source))
    };
    match removed {
        Some(w) => faults.reply(200, w).await,
        None => faults.reply(404, invalid_webhook_id()).await,
    }
}

// ---- control API ------------------------------------------------------------------------------

fn control_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/_sim/seed", web::post().to(control_seed))
        .route("/_sim/orders", web::post().to(control_add_order))
        .route("/_sim/orders/raw", web::post().to(control_add_raw_order))
        .route("/_sim/orders/{id}", web::patch().to(control_patch_order))
        .route("/_sim/orders/{id}", web::get().to(control_get_order))
        .route("/_sim/products", web::get().to(control_products))
        .route("/_sim/webhooks", web::get().to(control_webhooks))
        .route("/_sim/webhooks/send", web::post().to(control_send))
        .route("/_sim/revoke", web::post().to(control_revoke))
        .route("/_sim/restore", web::post().to(control_restore));
}

async fn control_seed(state: web::Data<SimState>, req: web::Json<SeedRequest>) -> HttpResponse {
    let ids = state.seed(req.count, req.days);
    HttpResponse::Ok().json(json!({ "ids": ids }))
}

async fn control_add_order(state: web::Data<SimState>, req: web::Json<NewOrder>) -> HttpResponse {
    match state.into_inner().add_order(req.into_inner()) {
        Ok(id) => HttpResponse::Created().json(json!({ "id": id })),
        Err(e) => HttpResponse::BadRequest().json(json!({ "error": e })),
    }
}

/// `POST /_sim/orders/raw`: the request body's bytes, not a re-serialisation of them.
async fn control_add_raw_order(state: web::Data<SimState>, body: web::Bytes) -> HttpResponse {
    match state.add_raw_order(&body) {
        Ok(id) => HttpResponse::Created().json(json!({ "id": id })),
        Err(e) => HttpResponse::BadRequest().json(json!({ "error": e })),
    }
}

async fn control_patch_order(
    state: web::Data<SimState>,
    id: web::Path<u64>,
    req: web::Json<OrderPatch>,
) -> HttpResponse {
    let state = state.into_inner();
    let id = id.into_inner();
    match state.patch(id, req.into_inner()) {
        Ok(()) => {
            let inner = state.lock();
            let order = inner
                .orders
                .get(&id)
                .map(|o| render_order(o, &inner, &state.options));
            HttpResponse::Ok().json(json!({ "order": order }))
        }
        Err(e) if e.starts_with("no order") => HttpResponse::NotFound().json(json!({ "error": e })),
        Err(e) => HttpResponse::BadRequest().json(json!({ "error": e })),
    }
}

async fn control_get_order(state: web::Data<SimState>, id: web::Path<u64>) -> HttpResponse {
    let id = id.into_inner();
    let inner = state.lock();
    let order = match (inner.orders.get(&id), inner.raw_orders.get(&id)) {
        (Some(o), _) => render_order(o, &inner, &state.options),
        (None, Some(r)) => r.value(),
        (None, None) => {
            return HttpResponse::NotFound().json(json!({"error": format!("no order {id}")}))
        }
    };
    let path = format!("/orders/{id}");
    let pushed: Vec<&Pushed> = inner
        .pushed
        .iter()
        .filter(|p| p.endpoint.ends_with(&path))
        .collect();
    HttpResponse::Ok().json(json!({
        "order": order,
        "pushed": pushed,
    }))
}

async fn control_products(state: web::Data<SimState>) -> HttpResponse {
    let inner = state.lock();
    let pushed: Vec<&Pushed> = inner
        .pushed
        .iter()
        .filter(|p| p.endpoint.contains("/products"))
        .collect();
    HttpResponse::Ok().json(json!({
        "products": inner.products.values().collect::<Vec<_>>(),
        "pushed": pushed,
    }))
}

async fn control_webhooks(state: web::Data<SimState>) -> HttpResponse {
    let inner = state.lock();
    HttpResponse::Ok().json(json!({
        "webhooks": inner.webhooks.values().collect::<Vec<_>>(),
        "deliveries": inner.deliveries,
    }))
}

async fn control_send(state: web::Data<SimState>, req: web::Json<SendRequest>) -> HttpResponse {
    let state = state.into_inner();
    let runner = state.clone();
    let req = req.into_inner();
    // sent from the simulator's runtime, where its HTTP client lives
    match state
        .runtime
        .spawn(async move { runner.send_now(req).await })
        .await
    {
        Ok(Ok(records)) => HttpResponse::Ok().json(json!({ "deliveries": records })),
        Ok(Err(e)) if e.starts_with("no order") => {
            HttpResponse::NotFound().json(json!({ "error": e }))
        }
        Ok(Err(e)) => HttpResponse::BadRequest().json(json!({ "error": e })),
        Err(e) => HttpResponse::InternalServerError().json(json!({ "error": e.to_string() })),
    }
}

async fn control_revoke(state: web::Data<SimState>) -> HttpResponse {
    state.lock().revoked = true;
    HttpResponse::NoContent().finish()
}

async fn control_restore(state: web::Data<SimState>) -> HttpResponse {
    state.lock().revoked = false;
    HttpResponse::NoContent().finish()
}
