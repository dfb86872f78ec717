//! Shopify simulator: the REST Admin API endpoints the hub uses (orders with cursor pagination,
//! the 60-day window, the leaky-bucket rate limit, products (`products.json`,
//! `products/{id}.json`), webhook subscriptions) and the webhook sender (signed deliveries,
//! 8 retries of the same delivery with backoff, then the subscription is deleted). Every REST
//! answer goes through `Faults::reply`.
//!
//! Control API (no auth, never faulted):
//! - `POST /_sim/seed` `{"count": 50, "days": 90}` → `{"ids": […]}`: realistic orders over the last
//!   `days`, some already final; sends no webhooks (history);
//! - `POST /_sim/orders` `{"buyer": 3, "items": [{"product": 0, "quantity": 2}], "status": "paid",
//!   "minutes_ago": 0}` (all but `items` optional; statuses: `pending`, `authorized`, `paid`,
//!   `partially_paid`, `partial`, `fulfilled`, `cancelled`, `refunded`) → `{"order": …,
//!   "webhook_ids": […]}`; sends `orders/create` and `orders/updated` (one event id);
//! - `PATCH /_sim/orders/{id}` one of `{"add_item": {"product": i, "quantity": q}}`,
//!   `{"set_quantity": {"line": id, "quantity": q}}`, `{"remove_line": id}`,
//!   `{"tracking_number": "…"}`, `{"status": "paid"}`, `{"cancel": true}` → `{"order": …,
//!   "webhook_ids": […]}`; bumps `updated_at` and sends `orders/updated` (plus `orders/paid`,
//!   `orders/fulfilled`, `orders/partially_fulfilled`, `orders/cancelled` where they apply);
//! - `GET /_sim/orders/{id}` → `{"order": …, "previous": [earlier states]}`;
//! - `POST /_sim/orders/raw` with one order's JSON as Shopify wrote it (a webhook body, or one
//!   element of a `GET /orders.json` answer) → `{"id": …}`: stored under its own `id` (replacing
//!   any order with that id) and served byte for byte inside `GET /orders.json` (`{"orders":
//!   [...]}`) and `GET /orders/{id}.json` (`{"order": ...}`); the list filters, the 60-day window
//!   and the sort read its `id`, `created_at`, `updated_at`, `processed_at`, `closed_at`,
//!   `cancelled_at` and statuses from those bytes. Sends no webhooks (it is already history);
//!   `/_sim/webhooks/send` then delivers the same bytes. `fields=` or a `basic_plan` shop rework
//!   its JSON as for any order; an edit through `PATCH` turns it into a simulator order;
//! - `GET /_sim/webhooks` → `{"subscriptions": [… with "consecutive_failures", "delivered",
//!   "failed"], "removed": [{"webhook": …, "reason": …}], "deliveries": [{"webhook_id", "topic",
//!   "attempt", "status", "error", …}]}`;
//! - `POST /_sim/webhooks/send` `{"order": id, "topic": "orders/updated", "duplicates": 1,
//!   "stale": false}` → `{"webhook_ids": […]}`: the delivery plus `duplicates` identical copies;
//!   `stale` sends the state before the last edit (out of order);
//! - `POST /_sim/revoke` (the token stops working → 401) / `POST /_sim/restore`;
//! - `/_sim/faults`, `/_sim/latency` from `platforms::sim`.

use super::wire;
use crate::platforms::signature;
use crate::platforms::sim::{fault_routes, serve, FakeData, Faults, SimServer, PRODUCTS};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration as ChronoDuration, FixedOffset, Timelike, Utc};
use rand::seq::SliceRandom;
use rand::Rng;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

/// Topics the simulator accepts for subscriptions (the note's §1.1).
pub const TOPICS: &[&str] = &[
    "orders/create",
    "orders/updated",
    "orders/paid",
    "orders/cancelled",
    "orders/fulfilled",
    "orders/partially_fulfilled",
    "orders/edited",
    "orders/delete",
    "refunds/create",
    "products/create",
    "products/update",
    "products/delete",
    "customers/create",
    "customers/update",
    "customers/delete",
    "app/uninstalled",
];

/// The 401 text of the note's §3.
pub const INVALID_TOKEN: &str =
    "[API] Invalid API key or access token (unrecognized login or wrong password)";

/// Everything the note leaves open, with its defaults.
#[derive(Clone, Debug)]
pub struct SimOptions {
    pub seed: u64,
    /// Orders per page when the request has no `limit` (Shopify: 50).
    pub page_size: usize,
    /// Largest accepted `limit`; more is refused with 400 (ASSUMPTION: Shopify may clamp).
    pub max_limit: usize,
    pub shop_domain: String,
    /// The only `X-Shopify-Access-Token` accepted.
    pub access_token: String,
    /// Signs deliveries (the app's client secret).
    pub webhook_secret: String,
    /// The version new subscriptions get (echoed in `X-Shopify-API-Version`).
    pub api_version: String,
    pub currency: String,
    /// A delivery not answered completely within this is a failure (Shopify: 5 s).
    pub webhook_timeout: Duration,
    /// Shopify: 1 s for the connection.
    pub webhook_connect_timeout: Duration,
    /// Retries of one delivery after its first attempt; when all fail, the subscription is deleted.
    pub retries: u32,
    /// Gap before retry n (1-based → index n-1); the last one repeats if the list is short
    /// (ASSUMPTION: 1, 2, 4, 8, 16, 32, 64, 113 minutes ≈ 4 h).
    pub retry_delays: Vec<Duration>,
    /// Send `orders/updated` along with `orders/create` for a new order, as Shopify often does.
    pub updated_with_create: bool,
    /// The shop's plan hides protected customer data (CUS-3): names, e-mails, phones and
    /// addresses are null in REST answers and webhooks.
    pub basic_plan: bool,
    /// The app holds `read_all_orders`; without it orders older than `history_days` are invisible.
    pub read_all_orders: bool,
    pub history_days: i64,
    /// Leaky bucket: size and leak rate (standard plans: 40, 2/s).
    pub bucket_size: u32,
    pub leak_per_sec: u32,
    /// Share of deliveries sent twice on their own (at-least-once delivery), 0.0..=1.0.
    pub random_duplicates: f64,
    /// Live generator: every tick a new order arrives or an open one changes (webhooks fire).
    pub live: Option<Duration>,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            seed: 42,
            page_size: 50,
            max_limit: 250,
            shop_domain: "demo-store.myshopify.com".into(),
            access_token: "shpat_sim_0123456789abcdef".into(),
            webhook_secret: "shopify-demo-client-secret".into(),
            api_version: "2025-07".into(),
            currency: "UAH".into(),
            webhook_timeout: Duration::from_secs(5),
            webhook_connect_timeout: Duration::from_secs(1),
            retries: 8,
            retry_delays: [1u64, 2, 4, 8, 16, 32, 64, 113]
                .iter()
                .map(|m| Duration::from_secs(m * 60))
                .collect(),
            updated_with_create: true,
            basic_plan: false,
            read_all_orders: false,
            history_days: 60,
            bucket_size: 40,
            leak_per_sec: 2,
            random_duplicates: 0.0,
            live: None,
        }
    }
}

/// An order as the simulator keeps it, with its earlier states (for out-of-order deliveries).
#[derive(Clone, Debug, Serialize)]
pub struct StoredOrder {
    pub order: wire::Order,
    pub previous: Vec<wire::Order>,
}

/// A subscription with its delivery record.
#[derive(Clone, Debug, Serialize)]
pub struct Subscription {
    #[serde(flatten)]
    pub webhook: wire::Webhook,
    pub consecutive_failures: u32,
    pub delivered: u64,
    pub failed: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct RemovedSubscription {
    pub webhook: wire::Webhook,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// One HTTP attempt of one delivery.
#[derive(Clone, Debug, Serialize)]
pub struct DeliveryLog {
    pub subscription_id: u64,
    pub address: String,
    pub topic: String,
    pub webhook_id: String,
    pub event_id: String,
    pub order_id: Option<u64>,
    /// 0 = the first attempt, 1..=8 the retries.
    pub attempt: u32,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub ok: bool,
    pub at: DateTime<Utc>,
}

/// A delivery as triggered: retries re-send exactly this.
#[derive(Clone, Debug)]
struct Delivery {
    subscription_id: u64,
    address: String,
    topic: String,
    api_version: String,
    webhook_id: String,
    event_id: String,
    triggered_at: String,
    body: Vec<u8>,
    signature: String,
    order_id: Option<u64>,
}

struct Inner {
    fake: FakeData,
    orders: BTreeMap<u64, StoredOrder>,
    /// Orders loaded through `POST /_sim/orders/raw`: their JSON exactly as given, served
    /// verbatim while the order stays as loaded (`orders` holds the same order, parsed).
    raw: BTreeMap<u64, String>,
    next_order_id: u64,
    next_line_id: u64,
    next_number: u64,
    next_fulfillment_id: u64,
    subscriptions: BTreeMap<u64, Subscription>,
    next_webhook_id: u64,
    removed: Vec<RemovedSubscription>,
    deliveries: Vec<DeliveryLog>,
    stock: Vec<i64>,
    revoked: bool,
    bucket_level: f64,
    bucket_at: Instant,
}

pub struct SimState {
    pub options: SimOptions,
    pub faults: Arc<Faults>,
    inner: Mutex<Inner>,
    webhook_http: reqwest::Client,
}

pub struct Sim {
    pub server: SimServer,
    pub state: Arc<SimState>,
}

/// `POST /_sim/orders` body.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewOrder {
    #[serde(default)]
    pub buyer: u64,
    pub items: Vec<NewItem>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub minutes_ago: Option<i64>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct NewItem {
    pub product: usize,
    pub quantity: i64,
}

/// `PATCH /_sim/orders/{id}` body.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Edit {
    AddItem { product: usize, quantity: i64 },
    SetQuantity { line: u64, quantity: i64 },
    RemoveLine(u64),
    TrackingNumber(String),
    Status(String),
    Cancel(bool),
}

/// `POST /_sim/webhooks/send` body.
#[derive(Clone, Debug, Deserialize)]
pub struct SendRequest {
    pub order: u64,
    #[serde(default = "default_topic")]
    pub topic: String,
    #[serde(default)]
    pub duplicates: u32,
    #[serde(default)]
    pub stale: bool,
}

fn default_topic() -> String {
    "orders/updated".into()
}

#[derive(Deserialize)]
struct SeedRequest {
    #[serde(default = "fifty")]
    count: usize,
    #[serde(default = "ninety")]
    days: u64,
}

fn fifty() -> usize {
    50
}
fn ninety() -> u64 {
    90
}

/// Order ids start above 2^53, where an `f64` would round them: they must stay `u64` everywhere.
pub const FIRST_ORDER_ID: u64 = (1 << 53) + 1;

/// Shopify's product id of `PRODUCTS[i]` (and `+ 37_000_000_000_000` its only variant).
pub fn product_id(i: usize) -> u64 {
    8_001_234_567_890 + i as u64 * 11
}

fn variant_id(i: usize) -> u64 {
    product_id(i) + 37_000_000_000_000
}

/// The shop's offset (Kyiv winter time, as in the note's examples).
fn shop_time(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    let offset =
        FixedOffset::east_opt(2 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).unwrap());
    t.with_timezone(&offset)
}

/// Shopify times have whole seconds.
fn now_seconds() -> DateTime<Utc> {
    let now = Utc::now();
    now.with_nanosecond(0).unwrap_or(now)
}

fn price(product: usize) -> Decimal {
    FakeData::price(product)
}

/// A UUID-like id (version 4 layout) for webhook and event ids.
fn uuid_like() -> String {
    let mut n: u128 = rand::random();
    n = (n & !(0xF << 76)) | (0x4 << 76);
    n = (n & !(0x3 << 62)) | (0x2 << 62);
    let h = format!("{n:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The order as the shop shows it: on a plan without protected customer data (CUS-3) every
/// personal field is null, only the customer id remains.
pub fn redact(order: &wire::Order) -> wire::Order {
    let mut o = order.clone();
    o.email = None;
    o.contact_email = None;
    o.phone = None;
    if let Some(c) = o.customer.as_mut() {
        c.email = None;
        c.first_name = None;
        c.last_name = None;
        c.phone = None;
        c.default_address = None;
    }
    for a in [o.shipping_address.as_mut(), o.billing_address.as_mut()]
        .into_iter()
        .flatten()
    {
        a.first_name = None;
        a.last_name = None;
        a.name = None;
        a.company = None;
        a.address1 = None;
        a.address2 = None;
        a.phone = None;
    }
    o
}

fn recalc(order: &mut wire::Order) {
    let subtotal: Decimal = order
        .line_items
        .iter()
        .map(|l| l.price.unwrap_or_default() * Decimal::from(l.quantity))
        .sum();
    let shipping: Decimal = order
        .shipping_lines
        .iter()
        .map(|l| l.price.unwrap_or_default())
        .sum();
    order.subtotal_price = Some(subtotal);
    order.total_price = subtotal + shipping;
    order.current_total_price = Some(subtotal + shipping);
}

impl Inner {
    fn line(&mut self, product: usize, quantity: i64) -> wire::LineItem {
        self.next_line_id += 13;
        let (name, sku, _, _) = PRODUCTS[product];
        wire::LineItem {
            id: self.next_line_id,
            product_id: Some(product_id(product)),
            variant_id: Some(variant_id(product)),
            sku: Some(sku.to_string()),
            title: Some(name.to_string()),
            variant_title: None,
            name: Some(name.to_string()),
            vendor: name.split_whitespace().nth(1).map(str::to_string),
            quantity,
            price: Some(price(product)),
            total_discount: Some(Decimal::new(0, 2)),
            fulfillment_status: None,
            fulfillable_quantity: Some(quantity),
            properties: Vec::new(),
        }
    }

    fn build_order(
        &mut self,
        options: &SimOptions,
        buyer: u64,
        items: &[(usize, i64)],
        created: DateTime<Utc>,
    ) -> wire::Order {
        let person = FakeData::person(buyer);
        // an id a raw order already took is not handed out again
        while self.orders.contains_key(&self.next_order_id) {
            self.next_order_id += 7;
        }
        let id = self.next_order_id;
        self.next_order_id += 7;
        self.next_number += 1;
        let order_number = 1000 + self.next_number;
        let phone = format!("+{}", person.phone_digits);
        let address = wire::Address {
            id: None,
            first_name: Some(person.first_name.clone()),
            last_name: Some(person.last_name.clone()),
            name: Some(format!("{} {}", person.first_name, person.last_name)),
            company: None,
            address1: Some(format!("Відділення №{}", person.branch)),
            address2: None,
            city: Some(person.city.clone()),
            province: None,
            province_code: None,
            country: Some("Ukraine".into()),
            country_code: Some("UA".into()),
            zip: Some(format!("0{:04}", 1000 + person.branch)),
            phone: Some(phone.clone()),
        };
        let customer_id = 7_012_345_678_901 + buyer;
        let line_items = items
            .iter()
            .map(|(p, q)| self.line(p % PRODUCTS.len(), *q))
            .collect();
        let mut order = wire::Order {
            id,
            name: Some(format!("#{order_number}")),
            order_number: Some(order_number),
            number: Some(self.next_number),
            email: Some(person.email.clone()),
            contact_email: Some(person.email.clone()),
            phone: None,
            created_at: shop_time(created),
            updated_at: Some(shop_time(created)),
            processed_at: Some(shop_time(created)),
            closed_at: None,
            cancelled_at: None,
            cancel_reason: None,
            currency: Some(options.currency.clone()),
            presentment_currency: Some(options.currency.clone()),
            total_price: Decimal::ZERO,
            subtotal_price: None,
            total_tax: Some(Decimal::new(0, 2)),
            total_discounts: Some(Decimal::new(0, 2)),
            current_total_price: None,
            financial_status: Some("pending".into()),
            fulfillment_status: None,
            test: false,
            source_name: Some("web".into()),
            note: None,
            note_attributes: Vec::new(),
            tags: Some(String::new()),
            discount_codes: Vec::new(),
            customer: Some(wire::Customer {
                id: Some(customer_id),
                email: Some(person.email.clone()),
                first_name: Some(person.first_name.clone()),
                last_name: Some(person.last_name.clone()),
                phone: Some(phone),
                default_address: Some(wire::Address {
                    id: Some(customer_id + 2_000_000_000_000),
                    ..address.clone()
                }),
            }),
            billing_address: Some(address.clone()),
            shipping_address: Some(address),
            line_items,
            shipping_lines: vec![wire::ShippingLine {
                id: Some(4_401_234_567_890 + id % 1_000_000),
                title: Some("Нова Пошта".into()),
                code: Some("nova-poshta".into()),
                source: Some("shopify".into()),
                carrier_identifier: None,
                phone: None,
                price: Some(Decimal::new(7000, 2)),
                discounted_price: Some(Decimal::new(7000, 2)),
            }],
            fulfillments: Vec::new(),
            refunds: Vec::new(),
        };
        recalc(&mut order);
        order
    }

    /// Moves the order to a simulator status; returns the topics this change fires besides
    /// `orders/updated`.
    fn apply_status(
        &mut self,
        order: &mut wire::Order,
        status: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<&'static str>, String> {
        let at = shop_time(at);
        let paid = |o: &mut wire::Order| o.financial_status = Some("paid".into());
        Ok(match status {
            "pending" | "authorized" | "partially_paid" => {
                order.financial_status = Some(status.into());
                vec![]
            }
            "open" => vec![],
            "paid" => {
                paid(order);
                vec!["orders/paid"]
            }
            "partial" | "partially_fulfilled" => {
                paid(order);
                order.fulfillment_status = Some("partial".into());
                vec!["orders/partially_fulfilled"]
            }
            "fulfilled" => {
                paid(order);
                order.fulfillment_status = Some("fulfilled".into());
                for l in order.line_items.iter_mut() {
                    l.fulfillment_status = Some("fulfilled".into());
                    l.fulfillable_quantity = Some(0);
                }
                if order.fulfillments.is_empty() {
                    let ttn = self.fake.ttn();
                    self.add_fulfillment(order, &ttn, at);
                }
                vec!["orders/fulfilled"]
            }
            "cancelled" => {
                order.cancelled_at = Some(at);
                order.cancel_reason = Some("customer".into());
                order.closed_at = Some(at);
                order.financial_status = Some(
                    if order.financial_status.as_deref() == Some("paid") {
                        "refunded"
                    } else {
                        "voided"
                    }
                    .into(),
                );
                vec!["orders/cancelled"]
            }
            "refunded" => {
                order.financial_status = Some("refunded".into());
                vec![]
            }
            other => return Err(format!("unknown simulator status `{other}`")),
        })
    }

    fn add_fulfillment(
        &mut self,
        order: &mut wire::Order,
        number: &str,
        at: DateTime<FixedOffset>,
    ) {
        self.next_fulfillment_id += 1;
        order.fulfillments.push(wire::Fulfillment {
            id: 255_858_046_000 + self.next_fulfillment_id,
            order_id: Some(order.id),
            status: Some("success".into()),
            created_at: Some(at),
            updated_at: Some(at),
            tracking_company: Some("Nova Poshta".into()),
            tracking_number: Some(number.to_string()),
            tracking_numbers: vec![number.to_string()],
            tracking_url: Some(format!(
                "https://novaposhta.ua/tracking/?cargo_number={number}"
            )),
        });
    }

    fn visible(&self, options: &SimOptions, order: &wire::Order, now: DateTime<Utc>) -> bool {
        options.read_all_orders
            || order.created_at.with_timezone(&Utc)
                >= now - ChronoDuration::days(options.history_days)
    }

    /// One call into the leaky bucket: the new level and size, or the seconds to wait.
    fn take_call(&mut self, options: &SimOptions) -> Result<(u32, u32), f64> {
        let now = Instant::now();
        let leak = f64::from(options.leak_per_sec.max(1));
        let size = f64::from(options.bucket_size.max(1));
        let leaked = now.duration_since(self.bucket_at).as_secs_f64() * leak;
        self.bucket_level = (self.bucket_level - leaked).max(0.0);
        self.bucket_at = now;
        if self.bucket_level + 1.0 > size {
            Err(((self.bucket_level + 1.0 - size) / leak).max(0.1))
        } else {
            self.bucket_level += 1.0;
            Ok((self.bucket_level.ceil() as u32, options.bucket_size.max(1)))
        }
    }
}

impl SimState {
    fn new(options: SimOptions) -> Self {
        let webhook_http = reqwest::Client::builder()
            .timeout(options.webhook_timeout)
            .connect_timeout(options.webhook_connect_timeout)
            // a 3xx is a failed delivery, not something to follow
            .redirect(reqwest::redirect::Policy::none())
            // deliveries run on whichever runtime fired them: no pooled connections across them
            .pool_max_idle_per_host(0)
            .user_agent("Shopify-Captain-Hook")
            .build()
            .unwrap_or_default();
        let products = PRODUCTS.len();
        SimState {
            inner: Mutex::new(Inner {
                fake: FakeData::new(options.seed),
                orders: BTreeMap::new(),
                raw: BTreeMap::new(),
                next_order_id: FIRST_ORDER_ID,
                next_line_id: 14_001_234_567_890,
                next_number: 0,
                next_fulfillment_id: 0,
                subscriptions: BTreeMap::new(),
                next_webhook_id: 1_047_897_672_000,
                removed: Vec::new(),
                deliveries: Vec::new(),
                stock: (0..products).map(|i| 5 + (i as i64 * 3) % 17).collect(),
                revoked: false,
                bucket_level: 0.0,
                bucket_at: Instant::now(),
            }),
            faults: Arc::new(Faults::default()),
            webhook_http,
            options,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // a panicked handler must not take the whole simulator down with it
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Realistic history over the last `days`; no webhooks (they happened long ago).
    pub fn seed(&self, count: usize, days: u64) -> Vec<u64> {
        let mut inner = self.lock();
        let now = now_seconds();
        let mut ids = Vec::new();
        let mut specs = Vec::new();
        for _ in 0..count {
            let basket: Vec<(usize, i64)> = inner
                .fake
                .basket()
                .into_iter()
                .map(|(p, q)| (p, i64::from(q)))
                .collect();
            let ago = inner.fake.seconds_ago(days.max(1));
            let buyer = inner.fake.rng().gen_range(0..400);
            let roll = inner.fake.rng().gen_range(0..100);
            let status = match roll {
                0..=14 => "pending",
                15..=59 => "paid",
                60..=66 => "partial",
                67..=81 => "fulfilled",
                82..=91 => "cancelled",
                _ => "refunded",
            };
            let later = inner.fake.rng().gen_range(0..3600);
            specs.push((basket, ago, buyer, status, later));
        }
        // oldest first, so ids and numbers grow with time as on Shopify
        specs.sort_by_key(|s| std::cmp::Reverse(s.1));
        for (basket, ago, buyer, status, later) in specs {
            let created = now - ChronoDuration::seconds(ago);
            let mut order = inner.build_order(&self.options, buyer, &basket, created);
            let changed =
                (created + ChronoDuration::seconds(later)).min(now - ChronoDuration::seconds(1));
            let changed = changed.max(created);
            let _ = inner.apply_status(&mut order, status, changed);
            order.updated_at = Some(shop_time(changed));
            ids.push(order.id);
            inner.orders.insert(
                order.id,
                StoredOrder {
                    order,
                    previous: Vec::new(),
                },
            );
        }
        ids
    }

    /// A new order; returns it (unredacted). Webhooks are fired by [`fire_create`].
    pub fn add_order(&self, spec: &NewOrder) -> Result<wire::Order, String> {
        let mut inner = self.lock();
        let now = now_seconds();
        let created = now - ChronoDuration::minutes(spec.minutes_ago.unwrap_or(0).max(0));
        if spec.items.is_empty() {
            return Err("an order needs items".into());
        }
        if let Some(bad) = spec
            .items
            .iter()
            .find(|i| i.product >= PRODUCTS.len() || i.quantity < 1)
        {
            return Err(format!(
                "no product {} or bad quantity {}",
                bad.product, bad.quantity
            ));
        }
        let items: Vec<(usize, i64)> = spec.items.iter().map(|i| (i.product, i.quantity)).collect();
        let mut order = inner.build_order(&self.options, spec.buyer, &items, created);
        if let Some(status) = spec.status.as_deref() {
            inner.apply_status(&mut order, status, created)?;
        }
        inner.orders.insert(
            order.id,
            StoredOrder {
                order: order.clone(),
                previous: Vec::new(),
            },
        );
        Ok(order)
    }

    /// Applies an edit; returns the new state and the extra topics it fires.
    pub fn edit_order(
        &self,
        id: u64,
        edit: &Edit,
    ) -> Result<(wire::Order, Vec<&'static str>), String> {
        let mut inner = self.lock();
        let mut order = inner
            .orders
            .get(&id)
            .map(|s| s.order.clone())
            .ok_or_else(|| format!("no order {id}"))?;
        let before = order.clone();
        let previous_update = order
            .updated_at
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(now_seconds);
        // a later state always has a later updated_at, even within one second (WH-5 relies on it)
        let now = now_seconds().max(previous_update + ChronoDuration::seconds(1));
        let mut topics = Vec::new();
        match edit {
            Edit::AddItem { product, quantity } => {
                if *product >= PRODUCTS.len() || *quantity < 1 {
                    return Err("bad product or quantity".into());
                }
                let line = inner.line(*product, *quantity);
                order.line_items.push(line);
            }
            Edit::SetQuantity { line, quantity } => {
                let l = order
                    .line_items
                    .iter_mut()
                    .find(|l| l.id == *line)
                    .ok_or_else(|| format!("no line {line}"))?;
                l.quantity = *quantity;
                l.fulfillable_quantity = Some(*quantity);
            }
            Edit::RemoveLine(line) => {
                let len = order.line_items.len();
                order.line_items.retain(|l| l.id != *line);
                if order.line_items.len() == len {
                    return Err(format!("no line {line}"));
                }
            }
            Edit::TrackingNumber(number) => {
                inner.add_fulfillment(&mut order, number, shop_time(now));
                topics.extend(inner.apply_status(&mut order, "fulfilled", now)?);
            }
            Edit::Status(status) => topics.extend(inner.apply_status(&mut order, status, now)?),
            Edit::Cancel(true) => {
                topics.extend(inner.apply_status(&mut order, "cancelled", now)?)
            }
            Edit::Cancel(false) => {}
        }
        recalc(&mut order);
        order.updated_at = Some(shop_time(now));
        if let Some(stored) = inner.orders.get_mut(&id) {
            stored.previous.push(before);
            stored.order = order.clone();
        }
        // the edited state is the simulator's rendering, no longer the bytes as loaded
        inner.raw.remove(&id);
        Ok((order, topics))
    }

    /// Stores one order's JSON as Shopify wrote it, to be served verbatim (`POST
    /// /_sim/orders/raw`); returns its id. No webhooks: loading is not an event on the shop.
    pub fn add_raw_order(&self, bytes: &[u8]) -> Result<u64, String> {
        let text =
            std::str::from_utf8(bytes).map_err(|e| format!("the order is not UTF-8: {e}"))?;
        if !text.trim_start().starts_with('{') {
            return Err("the order must be one JSON object".into());
        }
        // ids, times and statuses as the filters need them, read from the bytes themselves
        let order: wire::Order =
            serde_json::from_str(text).map_err(|e| format!("not a Shopify order: {e}"))?;
        let id = order.id;
        let mut inner = self.lock();
        let previous = match inner.orders.remove(&id) {
            Some(mut old) => {
                old.previous.push(old.order);
                old.previous
            }
            None => Vec::new(),
        };
        inner.orders.insert(id, StoredOrder { order, previous });
        inner.raw.insert(id, text.to_string());
        Ok(id)
    }

    /// The JSON an order loaded through [`SimState::add_raw_order`] is served as, while unedited.
    pub fn raw_order(&self, id: u64) -> Option<String> {
        self.lock().raw.get(&id).cloned()
    }

    pub fn order(&self, id: u64) -> Option<StoredOrder> {
        self.lock().orders.get(&id).cloned()
    }

    /// Every stored order (unredacted), including those outside the 60-day window.
    pub fn orders(&self) -> Vec<wire::Order> {
        self.lock()
            .orders
            .values()
            .map(|s| s.order.clone())
            .collect()
    }

    pub fn subscriptions(&self) -> Vec<Subscription> {
        self.lock().subscriptions.values().cloned().collect()
    }

    pub fn removed_subscriptions(&self) -> Vec<RemovedSubscription> {
        self.lock().removed.clone()
    }

    pub fn deliveries(&self) -> Vec<DeliveryLog> {
        self.lock().deliveries.clone()
    }

    /// Subscribes directly (as if created through the Admin API).
    pub fn subscribe(&self, topic: &str, address: &str) -> wire::Webhook {
        let mut inner = self.lock();
        new_subscription(&mut inner, &self.options, topic, address)
    }

    pub fn set_revoked(&self, revoked: bool) {
        self.lock().revoked = revoked;
    }

    fn retry_delay(&self, retry: u32) -> Duration {
        let delays = &self.options.retry_delays;
        delays
            .get(retry.saturating_sub(1) as usize)
            .or(delays.last())
            .copied()
            .unwrap_or(Duration::from_secs(60))
    }
}

fn new_subscription(
    inner: &mut Inner,
    options: &SimOptions,
    topic: &str,
    address: &str,
) -> wire::Webhook {
    inner.next_webhook_id += 1;
    let now = shop_time(now_seconds());
    let webhook = wire::Webhook {
        id: inner.next_webhook_id,
        address: address.to_string(),
        topic: topic.to_string(),
        format: Some("json".into()),
        api_version: Some(options.api_version.clone()),
        created_at: Some(now),
        updated_at: Some(now),
        fields: Vec::new(),
        metafield_namespaces: Vec::new(),
    };
    inner.subscriptions.insert(
        webhook.id,
        Subscription {
            webhook: webhook.clone(),
            consecutive_failures: 0,
            delivered: 0,
            failed: 0,
        },
    );
    webhook
}

/// Sends `topics` for the order to every matching subscription, each delivery `1 + copies` times
/// (identical copies: duplicates). `stale` sends the state before the last edit. Returns the
/// webhook ids. Needs a tokio runtime (deliveries run as background tasks).
pub fn fire(
    state: &Arc<SimState>,
    order_id: u64,
    topics: &[&str],
    stale: bool,
    copies: u32,
) -> Vec<String> {
    let now = Utc::now();
    let event_id = uuid_like();
    let mut ids = Vec::new();
    let mut deliveries = Vec::new();
    {
        let inner = state.lock();
        let Some(stored) = inner.orders.get(&order_id) else {
            return ids;
        };
        let order = if stale {
            stored.previous.last().unwrap_or(&stored.order)
        } else {
            &stored.order
        };
        let triggered = if stale {
            order
                .updated_at
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or(now)
        } else {
            now
        };
        // an order loaded raw goes out as its bytes, unless the stale state is asked for
        let raw = if stale {
            None
        } else {
            inner.raw.get(&order_id).map(String::as_str)
        };
        let body = order_text(order, raw, &state.options, None).into_bytes();
        let signature = signature::sign(state.options.webhook_secret.as_bytes(), &body);
        for topic in topics {
            for sub in inner
                .subscriptions
                .values()
                .filter(|s| s.webhook.topic == *topic)
            {
                let delivery = Delivery {
                    subscription_id: sub.webhook.id,
                    address: sub.webhook.address.clone(),
                    topic: topic.to_string(),
                    api_version: sub
                        .webhook
                        .api_version
                        .clone()
                        .unwrap_or_else(|| state.options.api_version.clone()),
                    webhook_id: uuid_like(),
                    event_id: event_id.clone(),
                    triggered_at: triggered.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string(),
                    body: body.clone(),
                    signature: signature.clone(),
                    order_id: Some(order_id),
                };
                ids.push(delivery.webhook_id.clone());
                let extra = u32::from(
                    rand::thread_rng().gen_bool(state.options.random_duplicates.clamp(0.0, 1.0)),
                );
                for _ in 0..=copies + extra {
                    deliveries.push(delivery.clone());
                }
            }
        }
    }
    for delivery in deliveries {
        tokio::spawn(deliver(state.clone(), delivery));
    }
    ids
}

/// What a new order fires: `orders/create` and (usually) `orders/updated`, one event, in random order.
pub fn fire_create(state: &Arc<SimState>, order_id: u64) -> Vec<String> {
    let mut topics = vec!["orders/create"];
    if state.options.updated_with_create {
        topics.push("orders/updated");
        topics.shuffle(&mut rand::thread_rng());
    }
    fire(state, order_id, &topics, false, 0)
}

/// One delivery with Shopify's failure behaviour: any non-2xx or no full answer within the
/// timeout fails; the same delivery (same id, body, trigger time) is retried `retries` times;
/// when the last retry fails too, the subscription is deleted and nothing more goes to it.
async fn deliver(state: Arc<SimState>, d: Delivery) {
    let retries = state.options.retries;
    for attempt in 0..=retries {
        if !state.lock().subscriptions.contains_key(&d.subscription_id) {
            return;
        }
        let result = state
            .webhook_http
            .post(&d.address)
            .header("Content-Type", "application/json")
            .header("X-Shopify-Topic", &d.topic)
            .header("X-Shopify-Hmac-Sha256", &d.signature)
            .header("X-Shopify-Shop-Domain", &state.options.shop_domain)
            .header("X-Shopify-API-Version", &d.api_version)
            .header("X-Shopify-Webhook-Id", &d.webhook_id)
            .header("X-Shopify-Event-Id", &d.event_id)
            .header("X-Shopify-Triggered-At", &d.triggered_at)
            .body(d.body.clone())
            .send()
            .await;
        let (status, error) = match result {
            // the whole answer must arrive within the timeout, body included
            Ok(resp) => {
                let status = resp.status().as_u16();
                match resp.bytes().await {
                    Ok(_) => (Some(status), None),
                    Err(e) if e.is_timeout() => (Some(status), Some("timed out".to_string())),
                    Err(e) => (Some(status), Some(format!("answer cut off: {e}"))),
                }
            }
            Err(e) if e.is_timeout() => (None, Some("timed out".to_string())),
            Err(e) => (
                None,
                Some(format!("connection failed: {}", e.without_url())),
            ),
        };
        let ok = error.is_none() && status.is_some_and(|s| (200..300).contains(&s));
        {
            let mut inner = state.lock();
            inner.deliveries.push(DeliveryLog {
                subscription_id: d.subscription_id,
                address: d.address.clone(),
                topic: d.topic.clone(),
                webhook_id: d.webhook_id.clone(),
                event_id: d.event_id.clone(),
                order_id: d.order_id,
                attempt,
                status,
                error,
                ok,
                at: Utc::now(),
            });
            let Some(sub) = inner.subscriptions.get_mut(&d.subscription_id) else {
                return;
            };
            if ok {
                sub.consecutive_failures = 0;
                sub.delivered += 1;
                return;
            }
            sub.consecutive_failures += 1;
            sub.failed += 1;
            if attempt == retries {
                if let Some(sub) = inner.subscriptions.remove(&d.subscription_id) {
                    let reason = format!(
                        "deleted after {} consecutive failed attempts (delivery {} and its {retries} retries)",
                        sub.consecutive_failures, d.webhook_id
                    );
                    inner.removed.push(RemovedSubscription {
                        webhook: sub.webhook,
                        reason,
                        at: Utc::now(),
                    });
                }
                return;
            }
        }
        tokio::time::sleep(state.retry_delay(attempt + 1)).await;
    }
}

// ---- REST ------------------------------------------------------------------------------------

type State = web::Data<SimState>;
type Query = web::Query<HashMap<String, String>>;

/// Status, body and extra headers (lower-case names) of a platform answer.
struct Answer {
    status: u16,
    body: Value,
    /// The body as JSON text, when it splices orders' bytes; `body` is then unused.
    text: Option<String>,
    headers: Vec<(&'static str, String)>,
}

fn answer(status: u16, body: Value) -> Answer {
    Answer {
        status,
        body,
        text: None,
        headers: Vec::new(),
    }
}

fn answer_text(status: u16, text: String) -> Answer {
    Answer {
        text: Some(text),
        ..answer(status, Value::Null)
    }
}

fn errors(status: u16, errors: Value) -> Answer {
    answer(status, json!({ "errors": errors }))
}

/// Every platform request: faults, the token, the leaky bucket, then the handler.
async fn platform(
    state: &SimState,
    req: &HttpRequest,
    handle: impl FnOnce(&mut Inner, &SimState) -> Answer,
) -> HttpResponse {
    let result = {
        let mut inner = state.lock();
        let token = req
            .headers()
            .get("x-shopify-access-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if inner.revoked || token != state.options.access_token {
            errors(401, json!(INVALID_TOKEN))
        } else {
            match inner.take_call(&state.options) {
                Err(wait) => {
                    let mut a = errors(
                        429,
                        json!(format!(
                            "Exceeded {} calls per second for api client. Reduce request rates to resume uninterrupted service.",
                            state.options.leak_per_sec
                        )),
                    );
                    a.headers.push(("retry-after", format!("{wait:.1}")));
                    a.headers.push((
                        "x-shopify-shop-api-call-limit",
                        format!("{0}/{0}", state.options.bucket_size),
                    ));
                    a
                }
                Ok((used, size)) => {
                    let mut a = handle(&mut inner, state);
                    a.headers
                        .push(("x-shopify-shop-api-call-limit", format!("{used}/{size}")));
                    a
                }
            }
        }
    };
    let mut resp = match result.text {
        Some(text) => state.faults.reply_text(result.status, text).await,
        None => state.faults.reply(result.status, result.body).await,
    };
    // headers belong to the real answer, not to an injected fault
    if resp.status().as_u16() == result.status {
        for (name, value) in result.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                resp.headers_mut().insert(HeaderName::from_static(name), v);
            }
        }
    }
    resp
}

/// Filters fixed in a cursor: Shopify refuses them next to `page_info`.
const FILTER_KEYS: &[&str] = &[
    "status",
    "created_at_min",
    "created_at_max",
    "updated_at_min",
    "updated_at_max",
    "processed_at_min",
    "processed_at_max",
    "since_id",
    "ids",
    "financial_status",
    "fulfillment_status",
];

#[derive(Serialize, Deserialize)]
struct Cursor {
    filters: BTreeMap<String, String>,
    /// Sort key of the edge item: (created_at seconds, id).
    last_value: i64,
    last_id: u64,
    direction: String,
}

fn encode_cursor(c: &Cursor) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(c).unwrap_or_default())
}

fn decode_cursor(s: &str) -> Option<Cursor> {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(s).ok()?).ok()
}

fn parse_time(key: &str, value: &str) -> Result<DateTime<Utc>, Answer> {
    DateTime::parse_from_rfc3339(value.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| errors(400, json!({ key: format!("{key} is not a valid date") })))
}

/// Whether the order passes the list filters; `Err` is the 400 for a malformed filter.
fn matches(order: &wire::Order, filters: &BTreeMap<String, String>) -> Result<bool, Answer> {
    let created = order.created_at.with_timezone(&Utc);
    let updated = order
        .updated_at
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(created);
    let processed = order
        .processed_at
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(created);
    let status = filters.get("status").map(String::as_str).unwrap_or("open");
    let ok_status = match status {
        "any" => true,
        "closed" => order.closed_at.is_some(),
        "cancelled" => order.cancelled_at.is_some(),
        "open" => order.closed_at.is_none() && order.cancelled_at.is_none(),
        other => {
            return Err(errors(
                400,
                json!({"status": format!("status {other} is invalid")}),
            ))
        }
    };
    if !ok_status {
        return Ok(false);
    }
    for (key, value) in filters {
        let pass = match key.as_str() {
            "created_at_min" => created >= parse_time(key, value)?,
            "created_at_max" => created <= parse_time(key, value)?,
            "updated_at_min" => updated >= parse_time(key, value)?,
            "updated_at_max" => updated <= parse_time(key, value)?,
            "processed_at_min" => processed >= parse_time(key, value)?,
            "processed_at_max" => processed <= parse_time(key, value)?,
            "since_id" => order.id > value.trim().parse::<u64>().unwrap_or(0),
            "ids" => value
                .split(',')
                .filter_map(|s| s.trim().parse::<u64>().ok())
                .any(|id| id == order.id),
            "financial_status" => {
                value == "any" || order.financial_status.as_deref() == Some(value.as_str())
            }
            "fulfillment_status" => match value.as_str() {
                "any" => true,
                "shipped" => order.fulfillment_status.as_deref() == Some("fulfilled"),
                "partial" => order.fulfillment_status.as_deref() == Some("partial"),
                "unshipped" => order.fulfillment_status.is_none(),
                "unfulfilled" => {
                    matches!(order.fulfillment_status.as_deref(), None | Some("partial"))
                }
                _ => false,
            },
            _ => true,
        };
        if !pass {
            return Ok(false);
        }
    }
    Ok(true)
}

fn limit_of(params: &HashMap<String, String>, options: &SimOptions) -> Result<usize, Answer> {
    match params.get("limit") {
        None => Ok(options.page_size),
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if (1..=options.max_limit).contains(&n) => Ok(n),
            _ => Err(errors(
                400,
                json!({"limit": format!("limit must be between 1 and {}", options.max_limit)}),
            )),
        },
    }
}

/// `fields=id,name`: only those top-level keys.
fn project(value: Value, fields: Option<&String>) -> Value {
    match (value, fields) {
        (Value::Object(map), Some(fields)) => {
            let wanted: Vec<&str> = fields.split(',').map(str::trim).collect();
            Value::Object(
                map.into_iter()
                    .filter(|(k, _)| wanted.contains(&k.as_str()))
                    .collect(),
            )
        }
        (value, _) => value,
    }
}

fn shown(order: &wire::Order, options: &SimOptions) -> Value {
    let order = if options.basic_plan {
        redact(order)
    } else {
        order.clone()
    };
    serde_json::to_value(order).unwrap_or(Value::Null)
}

/// [`redact`] on an order's JSON (a raw order keeps every other key as it was).
fn redact_value(order: &mut Value) {
    let Some(o) = order.as_object_mut() else {
        return;
    };
    let blank = |map: &mut serde_json::Map<String, Value>, keys: &[&str]| {
        for key in keys {
            if let Some(v) = map.get_mut(*key) {
                *v = Value::Null;
            }
        }
    };
    blank(o, &["email", "contact_email", "phone"]);
    if let Some(c) = o.get_mut("customer").and_then(Value::as_object_mut) {
        blank(
            c,
            &[
                "email",
                "first_name",
                "last_name",
                "phone",
                "default_address",
            ],
        );
    }
    for key in ["shipping_address", "billing_address"] {
        if let Some(a) = o.get_mut(key).and_then(Value::as_object_mut) {
            blank(
                a,
                &[
                    "first_name",
                    "last_name",
                    "name",
                    "company",
                    "address1",
                    "address2",
                    "phone",
                ],
            );
        }
    }
}

/// The JSON text of an order as an answer or a delivery carries it: an order loaded raw is its
/// bytes exactly as given, unless `fields=` projects it or the plan hides customer data.
fn order_text(
    order: &wire::Order,
    raw: Option<&str>,
    options: &SimOptions,
    fields: Option<&String>,
) -> String {
    match raw {
        Some(raw) if fields.is_none() && !options.basic_plan => raw.to_string(),
        Some(raw) => {
            let mut value: Value = serde_json::from_str(raw).unwrap_or(Value::Null);
            if options.basic_plan {
                redact_value(&mut value);
            }
            project(value, fields).to_string()
        }
        None => project(shown(order, options), fields).to_string(),
    }
}

fn base_of(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

fn sort_key(o: &wire::Order) -> (i64, u64) {
    (o.created_at.timestamp(), o.id)
}

/// `GET /admin/api/{version}/orders.json`: newest first (ASSUMPTION), cursor pagination.
fn list_orders(
    inner: &mut Inner,
    options: &SimOptions,
    params: &HashMap<String, String>,
    list_url: &str,
) -> Answer {
    let limit = match limit_of(params, options) {
        Ok(l) => l,
        Err(a) => return a,
    };
    let (filters, cursor) = match params.get("page_info") {
        Some(page_info) => {
            if let Some(key) = FILTER_KEYS.iter().find(|k| params.contains_key(**k)) {
                return errors(
                    400,
                    json!({ *key: format!("{key} cannot be passed when page_info is present.") }),
                );
            }
            match decode_cursor(page_info) {
                Some(c) => (c.filters.clone(), Some(c)),
                None => return errors(400, json!({"page_info": "Invalid value."})),
            }
        }
        None => (
            params
                .iter()
                .filter(|(k, _)| FILTER_KEYS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<BTreeMap<_, _>>(),
            None,
        ),
    };
    let now = Utc::now();
    let mut selected = Vec::new();
    for stored in inner.orders.values() {
        if !inner.visible(options, &stored.order, now) {
            continue;
        }
        match matches(&stored.order, &filters) {
            Ok(true) => selected.push(&stored.order),
            Ok(false) => {}
            Err(a) => return a,
        }
    }
    // newest first
    selected.sort_by_key(|o| std::cmp::Reverse(sort_key(o)));
    let (page, has_next, has_prev): (Vec<&wire::Order>, bool, bool) = match &cursor {
        Some(c) if c.direction == "prev" => {
            let edge = (c.last_value, c.last_id);
            let before: Vec<&wire::Order> = selected
                .iter()
                .copied()
                .filter(|o| sort_key(o) > edge)
                .collect();
            let start = before.len().saturating_sub(limit);
            (before[start..].to_vec(), true, start > 0)
        }
        Some(c) => {
            let edge = (c.last_value, c.last_id);
            let after: Vec<&wire::Order> = selected
                .iter()
                .copied()
                .filter(|o| sort_key(o) < edge)
                .collect();
            let more = after.len() > limit;
            (after.into_iter().take(limit).collect(), more, true)
        }
        None => {
            let more = selected.len() > limit;
            (selected.into_iter().take(limit).collect(), more, false)
        }
    };
    let mut links = Vec::new();
    let link = |o: &wire::Order, direction: &str, rel: &str| {
        let (last_value, last_id) = sort_key(o);
        let c = Cursor {
            filters: filters.clone(),
            last_value,
            last_id,
            direction: direction.into(),
        };
        format!(
            "<{list_url}?limit={limit}&page_info={}>; rel=\"{rel}\"",
            encode_cursor(&c)
        )
    };
    if has_prev {
        if let Some(first) = page.first() {
            links.push(link(first, "prev", "previous"));
        }
    }
    if has_next {
        if let Some(last) = page.last() {
            links.push(link(last, "next", "next"));
        }
    }
    let fields = params.get("fields");
    // spliced as text: a raw order's bytes go out exactly as they were loaded
    let orders: Vec<String> = page
        .iter()
        .map(|o| order_text(o, inner.raw.get(&o.id).map(String::as_str), options, fields))
        .collect();
    let mut a = answer_text(200, format!("{{\"orders\":[{}]}}", orders.join(",")));
    if !links.is_empty() {
        a.headers.push(("link", links.join(", ")));
    }
    a
}

async fn orders_list(
    state: State,
    req: HttpRequest,
    q: Query,
    path: web::Path<String>,
) -> HttpResponse {
    let url = format!(
        "{}/admin/api/{}/orders.json",
        base_of(&req),
        path.into_inner()
    );
    platform(&state, &req, |inner, s| {
        list_orders(inner, &s.options, &q, &url)
    })
    .await
}

async fn orders_count(state: State, req: HttpRequest, q: Query) -> HttpResponse {
    platform(&state, &req, |inner, s| {
        let filters: BTreeMap<String, String> = q
            .iter()
            .filter(|(k, _)| FILTER_KEYS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let now = Utc::now();
        let mut count = 0;
        for stored in inner.orders.values() {
            if !inner.visible(&s.options, &stored.order, now) {
                continue;
            }
            match matches(&stored.order, &filters) {
                Ok(true) => count += 1,
                Ok(false) => {}
                Err(a) => return a,
            }
        }
        answer(200, json!({ "count": count }))
    })
    .await
}

async fn order_get(
    state: State,
    req: HttpRequest,
    path: web::Path<(String, u64)>,
    q: Query,
) -> HttpResponse {
    let id = path.into_inner().1;
    platform(&state, &req, |inner, s| match inner.orders.get(&id) {
        // outside the 60-day window an order is as good as unknown
        Some(stored) if inner.visible(&s.options, &stored.order, Utc::now()) => {
            let raw = inner.raw.get(&id).map(String::as_str);
            let text = order_text(&stored.order, raw, &s.options, q.get("fields"));
            answer_text(200, format!("{{\"order\":{text}}}"))
        }
        _ => errors(404, json!("Not Found")),
    })
    .await
}

fn product(i: usize, stock: i64) -> wire::Product {
    let (name, sku, _, category) = PRODUCTS[i];
    wire::Product {
        id: product_id(i),
        title: Some(name.to_string()),
        product_type: category.last().map(|c| c.to_string()),
        vendor: name.split_whitespace().nth(1).map(str::to_string),
        handle: Some(sku.to_ascii_lowercase()),
        status: Some("active".into()),
        variants: vec![wire::Variant {
            id: variant_id(i),
            product_id: Some(product_id(i)),
            title: Some("Default Title".into()),
            sku: Some(sku.to_string()),
            price: Some(price(i)),
            inventory_quantity: Some(stock),
        }],
    }
}

/// `GET /products/{id}.json` → `{"product": {…}}`.
async fn product_get(
    state: State,
    req: HttpRequest,
    path: web::Path<(String, u64)>,
) -> HttpResponse {
    let id = path.into_inner().1;
    platform(&state, &req, |inner, _| {
        match (0..PRODUCTS.len()).find(|&i| product_id(i) == id) {
            Some(i) => answer(200, json!({ "product": product(i, inner.stock[i]) })),
            None => errors(404, json!("Not Found")),
        }
    })
    .await
}

/// `GET /products.json`: the shared catalogue, cursor = base64 of the next offset.
async fn products_list(
    state: State,
    req: HttpRequest,
    q: Query,
    path: web::Path<String>,
) -> HttpResponse {
    let url = format!(
        "{}/admin/api/{}/products.json",
        base_of(&req),
        path.into_inner()
    );
    platform(&state, &req, |inner, s| {
        let limit = match limit_of(&q, &s.options) {
            Ok(l) => l,
            Err(a) => return a,
        };
        let offset = match q.get("page_info") {
            Some(p) => match URL_SAFE_NO_PAD
                .decode(p)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|s| s.parse::<usize>().ok())
            {
                Some(o) => o,
                None => return errors(400, json!({"page_info": "Invalid value."})),
            },
            None => 0,
        };
        let all: Vec<wire::Product> = (0..PRODUCTS.len())
            .map(|i| product(i, inner.stock[i]))
            .collect();
        let page: Vec<&wire::Product> = all.iter().skip(offset).take(limit).collect();
        let mut a = answer(200, json!({ "products": page }));
        if offset + limit < all.len() {
            let next = URL_SAFE_NO_PAD.encode((offset + limit).to_string());
            a.headers.push((
                "link",
                format!("<{url}?limit={limit}&page_info={next}>; rel=\"next\""),
            ));
        }
        a
    })
    .await
}

async fn webhooks_list(state: State, req: HttpRequest, q: Query) -> HttpResponse {
    platform(&state, &req, |inner, _| {
        let list: Vec<&wire::Webhook> = inner
            .subscriptions
            .values()
            .map(|s| &s.webhook)
            .filter(|w| q.get("topic").is_none_or(|t| *t == w.topic))
            .filter(|w| q.get("address").is_none_or(|a| *a == w.address))
            .collect();
        answer(200, json!({ "webhooks": list }))
    })
    .await
}

async fn webhooks_create(state: State, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    platform(&state, &req, |inner, s| {
        let value: Value = match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(_) => return errors(400, json!("Bad Request")),
        };
        let w = &value["webhook"];
        let topic = w["topic"].as_str().unwrap_or("");
        let address = w["address"].as_str().unwrap_or("");
        if !TOPICS.contains(&topic) {
            return errors(
                422,
                json!({"topic": [format!("Invalid topic specified: {topic}")]}),
            );
        }
        if !(address.starts_with("https://") || address.starts_with("http://")) {
            return errors(422, json!({"address": ["is invalid"]}));
        }
        if inner
            .subscriptions
            .values()
            .any(|sub| sub.webhook.topic == topic && sub.webhook.address == address)
        {
            return errors(
                422,
                json!({"address": ["for this topic has already been taken"]}),
            );
        }
        let webhook = new_subscription(inner, &s.options, topic, address);
        answer(201, json!({ "webhook": webhook }))
    })
    .await
}

async fn webhooks_delete(
    state: State,
    req: HttpRequest,
    path: web::Path<(String, u64)>,
) -> HttpResponse {
    let id = path.into_inner().1;
    platform(&state, &req, |inner, _| {
        match inner.subscriptions.remove(&id) {
            Some(_) => answer(200, json!({})),
            None => errors(404, json!("Not Found")),
        }
    })
    .await
}

async fn unknown_route(state: State) -> HttpResponse {
    state
        .faults
        .reply(404, json!({"errors": "Not Found"}))
        .await
}

// ---- control API -----------------------------------------------------------------------------

async fn control_seed(state: State, body: web::Json<SeedRequest>) -> HttpResponse {
    let ids = state.seed(body.count, body.days);
    HttpResponse::Ok().json(json!({ "ids": ids }))
}

async fn control_add(state: State, body: web::Json<NewOrder>) -> HttpResponse {
    match state.add_order(&body) {
        Ok(order) => {
            let ids = fire_create(&state.into_inner(), order.id);
            HttpResponse::Ok().json(json!({ "order": order, "webhook_ids": ids }))
        }
        Err(e) => HttpResponse::BadRequest().json(json!({ "error": e })),
    }
}

async fn control_patch(state: State, path: web::Path<u64>, body: web::Json<Edit>) -> HttpResponse {
    let id = path.into_inner();
    match state.edit_order(id, &body) {
        Ok((order, extra)) => {
            let mut topics = vec!["orders/updated"];
            topics.extend(extra);
            let ids = fire(&state.into_inner(), id, &topics, false, 0);
            HttpResponse::Ok().json(json!({ "order": order, "webhook_ids": ids }))
        }
        Err(e) => HttpResponse::BadRequest().json(json!({ "error": e })),
    }
}

/// `POST /_sim/orders/raw`: the request body's bytes, not a re-serialisation of them.
async fn control_add_raw(state: State, body: web::Bytes) -> HttpResponse {
    match state.add_raw_order(&body) {
        Ok(id) => HttpResponse::Ok().json(json!({ "id": id })),
        Err(e) => HttpResponse::BadRequest().json(json!({ "error": e })),
    }
}

async fn control_get(state: State, path: web::Path<u64>) -> HttpResponse {
    match state.order(path.into_inner()) {
        Some(stored) => HttpResponse::Ok().json(stored),
        None => HttpResponse::NotFound().json(json!({"error": "no such order"})),
    }
}

async fn control_webhooks(state: State) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "subscriptions": state.subscriptions(),
        "removed": state.removed_subscriptions(),
        "deliveries": state.deliveries(),
    }))
}

async fn control_send(state: State, body: web::Json<SendRequest>) -> HttpResponse {
    if state.order(body.order).is_none() {
        return HttpResponse::NotFound().json(json!({"error": "no such order"}));
    }
    let ids = fire(
        &state.into_inner(),
        body.order,
        &[body.topic.as_str()],
        body.stale,
        body.duplicates,
    );
    HttpResponse::Ok().json(json!({ "webhook_ids": ids }))
}

async fn control_revoke(state: State) -> HttpResponse {
    state.set_revoked(true);
    HttpResponse::NoContent().finish()
}

async fn control_restore(state: State) -> HttpResponse {
    state.set_revoked(false);
    HttpResponse::NoContent().finish()
}

impl Sim {
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    pub async fn stop(&self) {
        self.server.stop().await;
    }

    /// Adds an order and fires its webhooks, like `POST /_sim/orders`.
    pub fn create_order(&self, spec: &NewOrder) -> Result<(wire::Order, Vec<String>), String> {
        let order = self.state.add_order(spec)?;
        let ids = fire_create(&self.state, order.id);
        Ok((order, ids))
    }

    /// Stores an order's JSON to be served verbatim, like `POST /_sim/orders/raw`.
    pub fn add_raw_order(&self, bytes: &[u8]) -> Result<u64, String> {
        self.state.add_raw_order(bytes)
    }

    /// Edits an order and fires `orders/updated` (and the specific topics), like the PATCH route.
    pub fn edit_order(&self, id: u64, edit: &Edit) -> Result<(wire::Order, Vec<String>), String> {
        let (order, extra) = self.state.edit_order(id, edit)?;
        let mut topics = vec!["orders/updated"];
        topics.extend(extra);
        let ids = fire(&self.state, id, &topics, false, 0);
        Ok((order, ids))
    }
}

/// One tick of the live generator: a new order, or a change to an open one.
fn live_tick(state: &Arc<SimState>) {
    let (new, target, buyer, basket) = {
        let mut inner = state.lock();
        let new = inner.fake.rng().gen_bool(0.5);
        let open: Vec<u64> = inner
            .orders
            .values()
            .filter(|s| s.order.cancelled_at.is_none() && s.order.fulfillment_status.is_none())
            .map(|s| s.order.id)
            .collect();
        let target = open.choose(inner.fake.rng()).copied();
        let buyer = inner.fake.rng().gen_range(0..400);
        let basket = inner.fake.basket();
        (new, target, buyer, basket)
    };
    match (new, target) {
        (false, Some(id)) => {
            let edit = match rand::thread_rng().gen_range(0..4) {
                0 => Edit::Status("paid".into()),
                1 => Edit::Status("fulfilled".into()),
                2 => Edit::Cancel(true),
                _ => Edit::AddItem {
                    product: basket[0].0,
                    quantity: 1,
                },
            };
            if let Ok((_, extra)) = state.edit_order(id, &edit) {
                let mut topics = vec!["orders/updated"];
                topics.extend(extra);
                fire(state, id, &topics, false, 0);
            }
        }
        _ => {
            let spec = NewOrder {
                buyer,
                items: basket
                    .into_iter()
                    .map(|(product, q)| NewItem {
                        product,
                        quantity: i64::from(q),
                    })
                    .collect(),
                status: Some("paid".into()),
                minutes_ago: Some(0),
            };
            if let Ok(order) = state.add_order(&spec) {
                fire_create(state, order.id);
            }
        }
    }
}

pub fn start(port: u16, options: SimOptions) -> std::io::Result<Sim> {
    let live = options.live;
    let state = Arc::new(SimState::new(options));
    let data: State = web::Data::from(state.clone());
    let faults: web::Data<Faults> = web::Data::from(state.faults.clone());
    let server = serve(port, move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(data.clone())
            .app_data(faults.clone())
            .configure(fault_routes)
            .route("/_sim/seed", web::post().to(control_seed))
            .route("/_sim/orders", web::post().to(control_add))
            .route("/_sim/orders/raw", web::post().to(control_add_raw))
            .route("/_sim/orders/{id}", web::get().to(control_get))
            .route("/_sim/orders/{id}", web::patch().to(control_patch))
            .route("/_sim/webhooks", web::get().to(control_webhooks))
            .route("/_sim/webhooks/send", web::post().to(control_send))
            .route("/_sim/revoke", web::post().to(control_revoke))
            .route("/_sim/restore", web::post().to(control_restore))
            .route(
                "/admin/api/{version}/orders.json",
                web::get().to(orders_list),
            )
            .route(
                "/admin/api/{version}/orders/count.json",
                web::get().to(orders_count),
            )
            .route(
                r"/admin/api/{version}/orders/{id:\d+}.json",
                web::get().to(order_get),
            )
            .route(
                "/admin/api/{version}/products.json",
                web::get().to(products_list),
            )
            .route(
                r"/admin/api/{version}/products/{id:\d+}.json",
                web::get().to(product_get),
            )
            .route(
                "/admin/api/{version}/webhooks.json",
                web::get().to(webhooks_list),
            )
            .route(
                "/admin/api/{version}/webhooks.json",
                web::post().to(webhooks_create),
            )
            .route(
                r"/admin/api/{version}/webhooks/{id:\d+}.json",
                web::delete().to(webhooks_delete),
            )
            .default_service(web::to(unknown_route));
    })?;
    if let Some(every) = live {
        let weak: Weak<SimState> = Arc::downgrade(&state);
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(every);
            interval.tick().await;
            loop {
                interval.tick().await;
                match weak.upgrade() {
                    Some(s) => live_tick(&s),
                    None => break,
                }
            }
        });
    }
    Ok(Sim { server, state })
}

/// `orderhub simulate shopify`: 200 orders, live changes, real retry gaps; runs until Ctrl-C.
pub async fn run_standalone(port: u16) -> std::io::Result<()> {
    let options = SimOptions {
        live: Some(Duration::from_secs(30)),
        random_duplicates: 0.05,
        ..SimOptions::default()
    };
    let (shop, token, secret) = (
        options.shop_domain.clone(),
        options.access_token.clone(),
        options.webhook_secret.clone(),
    );
    let sim = start(port, options)?;
    sim.state.seed(200, 90);
    println!(
        "Shopify simulator on {} (shop {shop}, access token {token}, webhook secret {secret}); Ctrl-C stops it",
        sim.base_url()
    );
    tokio::signal::ctrl_c().await?;
    sim.stop().await;
    Ok(())
}
