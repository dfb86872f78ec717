//! Rozetka simulator: the Seller API endpoints the hub uses, with state, Rozetka's rules (Base64
//! login, 24 h tokens, the transition graph, TTN only from "packing, data confirmed", stock only for
//! "by API" price lists) and injectable faults. Every platform answer goes through `Faults::reply`.
//!
//! Control API (no auth, never faulted):
//! - `POST /_sim/seed` `{"count": 50, "days": 90}` → `{"ids": […]}`: realistic orders over the last `days`;
//! - `POST /_sim/orders` `{"buyer": 3, "items": [{"product": 0, "quantity": 2}], "status": 1,
//!   "ttn": "20450000000001", "minutes_ago": 0, "delivery_cost": "70.00"}` (all but `items`
//!   optional) → the stored order;
//! - `PATCH /_sim/orders/{id}` one of `{"add_item": {"product": i, "quantity": q}}`,
//!   `{"set_quantity": {"line": id, "quantity": q}}`, `{"remove_line": id}`,
//!   `{"tracking_number": "…"}`, `{"status": 26}`, `{"cancel": true}` (status 45): bumps `changed`;
//! - `GET /_sim/orders/{id}` → `{"order": …, "pushed": [what orderhub sent]}`;
//! - `GET /_sim/goods` → `{"goods": […], "sources": […], "stock_pushes": […]}`;
//! - `POST /_sim/revoke` (tokens dropped, the password stops working) / `POST /_sim/restore`;
//! - `POST /_sim/expire` (every issued token expires → HTTP 401 code 6001);
//! - `/_sim/faults`, `/_sim/latency` from `platforms::sim`.

use super::statuses::{self, CANCELLATIONS, HANDOVER_SCHEDULED, PACKING_CONFIRMED};
use super::wire;
use crate::domain::time::{parse_kyiv, utc_to_kyiv};
use crate::platforms::sim::{fault_routes, serve, FakeData, Faults, SimServer, PRODUCTS};
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use chrono::{DateTime, Duration as ChronoDuration, NaiveDate, Utc};
use rand::Rng;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// Everything the note leaves open, with its defaults.
#[derive(Clone, Debug)]
pub struct SimOptions {
    pub seed: u64,
    /// Orders per page of `/orders/search` (ASSUMPTION 1: fixed 20, no size parameter).
    pub page_size: usize,
    /// Goods per page of `/goods/all` when `pageSize` is not given.
    pub goods_page_size: usize,
    pub login: String,
    /// The clear-text password; `/sites` accepts only its Base64 form.
    pub password: String,
    pub token_ttl: Duration,
    /// The transition graph (ASSUMPTION 5), from → allowed next statuses.
    pub transitions: Vec<(i64, Vec<i64>)>,
    /// Statuses that need a TTN in the same request.
    pub ttn_statuses: Vec<i64>,
    /// Statuses that need `duplicate_order_id` (ASSUMPTION 7).
    pub duplicate_id_statuses: Vec<i64>,
    /// `/orders/search` sorts by id descending unless `sort` says otherwise (ASSUMPTION 1).
    pub sort_desc_by_default: bool,
    /// Background carrier: orders in 61/3/4/5 move on every tick; `None` = only on demand.
    pub carrier_tick: Option<Duration>,
    /// With the carrier: new orders arrive and buyers cancel now and then.
    pub live: bool,
    /// `/goods/all` ignores its `rz_item_id` filter (a platform that does not apply it).
    pub ignore_item_filter: bool,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            seed: 42,
            page_size: 20,
            goods_page_size: 20,
            login: "seller@example.com".into(),
            password: "rozetka-pass".into(),
            token_ttl: Duration::from_secs(24 * 3600),
            transitions: statuses::default_transitions(),
            ttn_statuses: vec![3, HANDOVER_SCHEDULED],
            duplicate_id_statuses: vec![31],
            sort_desc_by_default: true,
            carrier_tick: None,
            live: false,
            ignore_item_filter: false,
        }
    }
}

/// An order as the simulator keeps it: the full model plus what orderhub pushed.
#[derive(Clone, Debug, Serialize)]
pub struct StoredOrder {
    pub order: wire::Order,
    #[serde(skip)]
    pub created_utc: DateTime<Utc>,
    #[serde(skip)]
    pub changed_utc: DateTime<Utc>,
    pub pushed: Vec<Pushed>,
}

/// One `PUT /orders/{id}` that Rozetka accepted.
#[derive(Clone, Debug, Serialize)]
pub struct Pushed {
    pub update: wire::OrderUpdate,
    /// The status the order ended in (2 + TTN ends in 61).
    pub resulting_status: i64,
}

struct Inner {
    fake: FakeData,
    orders: BTreeMap<i64, StoredOrder>,
    next_order_id: i64,
    next_line_id: i64,
    /// token → expiry
    tokens: HashMap<String, Instant>,
    revoked: bool,
    logins: u64,
    /// Answered `/goods/all` requests.
    goods_reads: u64,
    goods: Vec<wire::Good>,
    sources: Vec<wire::PriceSource>,
    stock_pushes: Vec<wire::UpdatingItem>,
}

pub struct SimState {
    pub options: SimOptions,
    pub faults: Arc<Faults>,
    inner: Mutex<Inner>,
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
    /// (product index in `PRODUCTS`, quantity)
    pub items: Vec<NewItem>,
    #[serde(default)]
    pub status: Option<i64>,
    #[serde(default)]
    pub ttn: Option<String>,
    #[serde(default)]
    pub minutes_ago: Option<i64>,
    #[serde(default)]
    pub delivery_cost: Option<String>,
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
    SetQuantity { line: i64, quantity: i64 },
    RemoveLine(i64),
    TrackingNumber(String),
    Status(wire_int::Int),
    Cancel(bool),
}

/// A status in a control body may be `26` or `"26"`.
mod wire_int {
    use serde::Deserialize;
    #[derive(Clone, Debug, Deserialize)]
    #[serde(untagged)]
    pub enum Int {
        Number(i64),
        Text(String),
    }
    impl Int {
        pub fn value(&self) -> Option<i64> {
            match self {
                Int::Number(n) => Some(*n),
                Int::Text(s) => s.trim().parse().ok(),
            }
        }
    }
}

/// Rozetka's item id of product `i` of `PRODUCTS` (the same in orders and listings).
pub fn rz_item_id(product: usize) -> i64 {
    344_560_000 + product as i64 * 7
}

fn kyiv(t: DateTime<Utc>) -> String {
    utc_to_kyiv(t).format("%Y-%m-%d %H:%M:%S").to_string()
}

fn money(d: Decimal) -> String {
    format!("{:.2}", d.round_dp(2))
}

fn dec(s: &str) -> Decimal {
    crate::domain::money::parse_amount(s).unwrap_or_default()
}

fn commission_percent(product: usize) -> i64 {
    8 + (product as i64 % 5) * 2
}

type Reply = (u16, Value);

fn ok(content: impl Serialize) -> Reply {
    (200, json!({"success": true, "content": content}))
}

/// Rozetka's error body; errors come with HTTP 200 except the expired session.
fn fail(http: u16, code: i64, message: &str, details: Option<String>) -> Reply {
    let mut errors = json!({"message": message, "code": code});
    if let Some(d) = details {
        errors["details"] = Value::String(d);
    }
    (http, json!({"success": false, "errors": errors}))
}

impl Inner {
    fn status_data(id: i64) -> wire::StatusData {
        wire::StatusData {
            id,
            name: statuses::name_uk(id).to_string(),
            name_uk: statuses::name_uk(id).to_string(),
            name_en: statuses::name_en(id).to_string(),
            status_group: statuses::group_of(id),
            status: 1,
            color: "#FFAB00".into(),
        }
    }

    fn purchase(&mut self, product: usize, quantity: i64) -> wire::Purchase {
        let (name, sku, price, category) = PRODUCTS[product % PRODUCTS.len()];
        let product = product % PRODUCTS.len();
        let price = dec(price);
        let pct = commission_percent(product);
        self.next_line_id += 1;
        wire::Purchase {
            id: self.next_line_id,
            item_id: rz_item_id(product),
            item_name: name.into(),
            quantity,
            price: money(price),
            price_with_discount: money(price),
            cost: money(price * Decimal::from(quantity)),
            cost_with_discount: money(price * Decimal::from(quantity)),
            kit_id: 0,
            status: 1,
            is_additional_item: false,
            item: Some(wire::PurchaseItem {
                id: rz_item_id(product),
                name: name.into(),
                name_ua: name.into(),
                article: Some(sku.into()),
                price_offer_id: Some(format!("OFF-{sku}")),
                price: money(price),
                catalog_category: Some(wire::CatalogCategory {
                    id: 4_000 + product as i64,
                    name: category.last().copied().unwrap_or_default().into(),
                    parent_id: None,
                }),
                commission_percent: json!(pct),
                commission_sum: Some(money(price * Decimal::from(pct) / Decimal::from(100))),
            }),
        }
    }

    fn create_order(&mut self, spec: &NewOrder, created: DateTime<Utc>) -> i64 {
        self.next_order_id += 1;
        let id = self.next_order_id;
        let person = FakeData::person(spec.buyer);
        let purchases: Vec<wire::Purchase> = spec
            .items
            .iter()
            .map(|i| self.purchase(i.product, i.quantity.max(1)))
            .collect();
        let status = spec.status.unwrap_or(1);
        let has_email = self.fake.rng().gen_bool(0.6);
        let full = format!("{} {}", person.last_name, person.first_name);
        let order = wire::Order {
            id,
            created: kyiv(created),
            changed: kyiv(created),
            status,
            user_phone: person.phone_digits.clone(),
            user_title: Some(wire::UserTitle {
                first_name: person.first_name.clone(),
                last_name: person.last_name.clone(),
                second_name: String::new(),
                full_name: full.clone(),
            }),
            comment: String::new(),
            ttn: spec.ttn.clone().unwrap_or_default(),
            created_type: 4,
            seller_comment: json!([]),
            user: Some(wire::User {
                id: 51_000_000 + spec.buyer as i64,
                has_email,
                contact_fio: full.clone(),
                email: if has_email {
                    "true".into()
                } else {
                    String::new()
                },
            }),
            delivery: Some(wire::DeliveryInfo {
                delivery_service_id: Some(5),
                delivery_service_name: Some("Нова Пошта".into()),
                delivery_method_id: Some(1),
                recipient_title: Some(full),
                recipient_first_name: Some(person.first_name.clone()),
                recipient_last_name: Some(person.last_name.clone()),
                recipient_phone: Some(person.phone_digits.clone()),
                city: Some(wire::City {
                    id: 1,
                    name: person.city.clone(),
                    name_ua: person.city.clone(),
                    title: person.city.clone(),
                    region_title: String::new(),
                    status: 1,
                }),
                place_id: Some(20_000 + person.branch as i64),
                place_number: Some(person.branch.to_string()),
                cost: spec.delivery_cost.clone(),
                name_logo: Some("nova-pochta".into()),
                ..Default::default()
            }),
            purchases: Some(purchases),
            order_status_history: Some(vec![wire::StatusHistory {
                status_id: status,
                created: kyiv(created),
            }]),
            payment_type_name: Some("Оплата під час отримання товару".into()),
            ..Default::default()
        };
        let mut stored = StoredOrder {
            order,
            created_utc: created,
            changed_utc: created,
            pushed: Vec::new(),
        };
        recompute(&mut stored.order);
        self.orders.insert(id, stored);
        id
    }

    fn seed(&mut self, count: u64, days: u64) -> Vec<i64> {
        let now = Utc::now();
        let mut ids = Vec::new();
        for _ in 0..count {
            let secs = self.fake.seconds_ago(days.max(1));
            let created = now - ChronoDuration::seconds(secs);
            let buyer = self.fake.rng().gen_range(0..400);
            let items: Vec<NewItem> = self
                .fake
                .basket()
                .into_iter()
                .map(|(product, q)| NewItem {
                    product,
                    quantity: q as i64,
                })
                .collect();
            let roll = self.fake.rng().gen_range(0..100);
            let status = match roll {
                0..=29 => 1,
                30..=39 => 26,
                40..=44 => 47,
                45..=52 => 2,
                53..=59 => 61,
                60..=65 => 3,
                66..=71 => 4,
                72..=84 => 6,
                85..=94 => {
                    let i = self.fake.rng().gen_range(0..=CANCELLATIONS.len());
                    CANCELLATIONS.get(i).copied().unwrap_or(45)
                }
                _ => 12,
            };
            let ttn = [61, 3, 4, 6, 12].contains(&status).then(|| self.fake.ttn());
            let delivery_cost = self.fake.rng().gen_bool(0.2).then(|| "70.00".to_string());
            let spec = NewOrder {
                buyer,
                items,
                status: Some(status),
                ttn,
                minutes_ago: None,
                delivery_cost,
            };
            let id = self.create_order(&spec, created);
            // some orders were edited later: a removed line, a later change time
            let later = (created + ChronoDuration::minutes(self.fake.rng().gen_range(5..600)))
                .min(now - ChronoDuration::seconds(30));
            if let Some(o) = self.orders.get_mut(&id) {
                if later > created {
                    o.changed_utc = later;
                    o.order.changed = kyiv(later);
                }
            }
            if self.fake.rng().gen_bool(0.05) {
                let p = self.fake.rng().gen_range(0..PRODUCTS.len());
                let mut line = self.purchase(p, 1);
                line.status = 0;
                if let Some(o) = self.orders.get_mut(&id) {
                    o.order.purchases.get_or_insert_with(Vec::new).push(line);
                    recompute(&mut o.order);
                }
            }
            ids.push(id);
        }
        ids
    }

    fn touch(order: &mut StoredOrder) {
        let now = Utc::now();
        order.changed_utc = now;
        order.order.changed = kyiv(now);
    }

    fn set_status(order: &mut StoredOrder, status: i64) {
        order.order.status = status;
        let at = Utc::now();
        order
            .order
            .order_status_history
            .get_or_insert_with(Vec::new)
            .push(wire::StatusHistory {
                status_id: status,
                created: kyiv(at),
            });
        recompute(&mut order.order);
        Inner::touch(order);
    }
}

/// Totals, group and `status_data` from the lines and the status.
fn recompute(o: &mut wire::Order) {
    let live: Vec<&wire::Purchase> = o
        .purchases
        .iter()
        .flatten()
        .filter(|p| p.status != 0)
        .collect();
    let amount: Decimal = live.iter().map(|p| dec(&p.cost)).sum();
    let discounted: Decimal = live.iter().map(|p| dec(&p.cost_with_discount)).sum();
    let delivery = o
        .delivery
        .as_ref()
        .and_then(|d| d.cost.as_deref())
        .map(dec)
        .unwrap_or_default();
    o.amount = money(amount);
    o.amount_with_discount = money(discounted);
    o.cost = money(amount + delivery);
    o.cost_with_discount = money(discounted + delivery);
    o.total_quantity = live.iter().map(|p| p.quantity).sum();
    o.status_group = statuses::group_of(o.status);
    o.status_data = Some(Inner::status_data(o.status));
}

impl SimState {
    fn new(options: SimOptions) -> SimState {
        let mut fake = FakeData::new(options.seed);
        let sources = vec![
            wire::PriceSource {
                id: 101,
                title: "API".into(),
                availability: 4,
                sync_type: 1,
                last_sync_api: Some(kyiv(Utc::now())),
            },
            wire::PriceSource {
                id: 102,
                title: "Прайс YML".into(),
                availability: 3,
                sync_type: 0,
                last_sync_api: None,
            },
        ];
        // sell statuses cover the published (2, 3, 4) and the hidden ones
        const SELL: [i64; 12] = [4, 4, 3, 2, 4, 0, 7, 4, 5, 4, 3, 8];
        let goods = PRODUCTS
            .iter()
            .enumerate()
            .map(|(i, (name, sku, price, category))| {
                let source = if i % 4 == 3 { &sources[1] } else { &sources[0] };
                wire::Good {
                    rz_item_id: rz_item_id(i),
                    item_id: 9_000 + i as i64,
                    price_offer_id: Some(format!("OFF-{sku}")),
                    article: Some(sku.to_string()),
                    name: name.to_string(),
                    name_ua: name.to_string(),
                    url: Some(format!(
                        "https://rozetka.com.ua/ua/{0}/p{0}/",
                        rz_item_id(i)
                    )),
                    price: Some(price.to_string()),
                    stock_quantity: Some(fake.rng().gen_range(0..50)),
                    available: 1,
                    rz_status: 1,
                    rz_sell_status: SELL[i % SELL.len()],
                    sync_source_id: Some(source.id),
                    sync_source: Some(wire::SyncSource {
                        id: source.id,
                        availability: source.availability,
                        is_virtual_source: false,
                    }),
                    rz_category: Some(wire::RzCategory {
                        id: 4_000 + i as i64,
                        title: category.last().copied().unwrap_or_default().into(),
                        title_ua: category.last().copied().unwrap_or_default().into(),
                    }),
                    commission_percent: json!(commission_percent(i)),
                    commission_sum: None,
                }
            })
            .collect();
        SimState {
            inner: Mutex::new(Inner {
                fake,
                orders: BTreeMap::new(),
                next_order_id: 612_345_000,
                next_line_id: 873_451_000,
                tokens: HashMap::new(),
                revoked: false,
                logins: 0,
                goods_reads: 0,
                goods,
                sources,
                stock_pushes: Vec::new(),
            }),
            faults: Arc::new(Faults::default()),
            options,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn allowed(&self, from: i64) -> Vec<i64> {
        self.options
            .transitions
            .iter()
            .find(|(f, _)| *f == from)
            .map(|(_, to)| to.clone())
            .unwrap_or_default()
    }

    fn edges(&self, from: i64) -> Vec<wire::StatusAvailable> {
        self.allowed(from)
            .into_iter()
            .map(|to| wire::StatusAvailable {
                id: from * 1000 + to,
                parent_id: from,
                child_id: to,
                delivery_type: Some(0),
                market_group: Some(1),
            })
            .collect()
    }

    /// The order as the API shows it with the given `expand`.
    fn render(&self, stored: &StoredOrder, expand: &HashSet<String>) -> wire::Order {
        let mut o = stored.order.clone();
        let has = |k: &str| expand.contains(k);
        if !has("user") {
            o.user = None;
        }
        if !has("delivery") {
            o.delivery = None;
        }
        if !has("purchases") {
            o.purchases = None;
        }
        if !has("status_data") {
            o.status_data = None;
        }
        if !has("order_status_history") {
            o.order_status_history = None;
        }
        if !has("payment_type_name") {
            o.payment_type_name = None;
        }
        o.status_available = has("status_available").then(|| self.edges(o.status));
        o
    }

    // ---- convenience for tests and the control API ----

    pub fn seed(&self, count: u64, days: u64) -> Vec<i64> {
        self.lock().seed(count, days)
    }

    pub fn add_order(&self, spec: &NewOrder) -> i64 {
        let created = Utc::now() - ChronoDuration::minutes(spec.minutes_ago.unwrap_or(0));
        self.lock().create_order(spec, created)
    }

    pub fn order(&self, id: i64) -> Option<StoredOrder> {
        let mut o = self.lock().orders.get(&id).cloned()?;
        o.order.status_available = Some(self.edges(o.order.status));
        Some(o)
    }

    /// Every order as stored (all blocks), oldest id first.
    pub fn orders(&self) -> Vec<StoredOrder> {
        self.lock().orders.values().cloned().collect()
    }

    pub fn revoke(&self) {
        let mut inner = self.lock();
        inner.revoked = true;
        inner.tokens.clear();
    }

    pub fn restore(&self) {
        self.lock().revoked = false;
    }

    /// Every issued token is past its 24 h.
    pub fn expire_tokens(&self) {
        let now = Instant::now();
        for exp in self.lock().tokens.values_mut() {
            *exp = now;
        }
    }

    pub fn logins(&self) -> u64 {
        self.lock().logins
    }

    /// How many `/goods/all` requests were answered.
    pub fn goods_reads(&self) -> u64 {
        self.lock().goods_reads
    }

    pub fn goods(&self) -> Vec<wire::Good> {
        self.lock().goods.clone()
    }

    pub fn stock_pushes(&self) -> Vec<wire::UpdatingItem> {
        self.lock().stock_pushes.clone()
    }

    pub fn edit(&self, id: i64, edit: &Edit) -> Result<(), String> {
        let mut inner = self.lock();
        let new_line = match edit {
            Edit::AddItem { product, quantity } => Some(inner.purchase(*product, *quantity)),
            _ => None,
        };
        let o = inner
            .orders
            .get_mut(&id)
            .ok_or_else(|| format!("no order {id}"))?;
        match edit {
            Edit::AddItem { .. } => {
                let mut line = new_line.ok_or("no line")?;
                line.is_additional_item = true;
                o.order.purchases.get_or_insert_with(Vec::new).push(line);
            }
            Edit::SetQuantity { line, quantity } => {
                let p = o
                    .order
                    .purchases
                    .iter_mut()
                    .flatten()
                    .find(|p| p.id == *line)
                    .ok_or_else(|| format!("no line {line}"))?;
                let unit = dec(&p.price);
                let unit_d = dec(&p.price_with_discount);
                p.quantity = *quantity;
                p.cost = money(unit * Decimal::from(*quantity));
                p.cost_with_discount = money(unit_d * Decimal::from(*quantity));
            }
            Edit::RemoveLine(line) => {
                let p = o
                    .order
                    .purchases
                    .iter_mut()
                    .flatten()
                    .find(|p| p.id == *line)
                    .ok_or_else(|| format!("no line {line}"))?;
                p.status = 0;
            }
            Edit::TrackingNumber(ttn) => o.order.ttn = ttn.clone(),
            Edit::Status(s) => {
                let s = s.value().ok_or("status must be an integer")?;
                Inner::set_status(o, s);
            }
            Edit::Cancel(true) => Inner::set_status(o, 45),
            Edit::Cancel(false) => {}
        }
        recompute(&mut o.order);
        Inner::touch(o);
        Ok(())
    }

    /// One tick of the carrier: 61 → 3 → 4 → 5 → 6 (some refuse at receipt: 12); in live mode new
    /// orders arrive and buyers cancel.
    pub fn carrier_tick(&self) {
        let mut inner = self.lock();
        let ids: Vec<i64> = inner.orders.keys().copied().collect();
        for id in ids {
            let refuse = inner.fake.rng().gen_bool(0.1);
            let Some(o) = inner.orders.get_mut(&id) else {
                continue;
            };
            let next = match o.order.status {
                HANDOVER_SCHEDULED => Some(3),
                3 => Some(4),
                4 => Some(5),
                5 if refuse => Some(12),
                5 => Some(6),
                _ => None,
            };
            if let Some(n) = next {
                Inner::set_status(o, n);
            }
        }
        if self.options.live {
            if inner.fake.rng().gen_bool(0.3) {
                let buyer = inner.fake.rng().gen_range(0..400);
                let items = inner
                    .fake
                    .basket()
                    .into_iter()
                    .map(|(product, q)| NewItem {
                        product,
                        quantity: q as i64,
                    })
                    .collect();
                inner.create_order(
                    &NewOrder {
                        buyer,
                        items,
                        ..Default::default()
                    },
                    Utc::now(),
                );
            }
            if inner.fake.rng().gen_bool(0.1) {
                if let Some(o) = inner.orders.values_mut().find(|o| o.order.status == 1) {
                    Inner::set_status(o, 45);
                }
            }
        }
    }

    // ---- the platform's rules ----

    fn check_token(&self, req: &HttpRequest) -> Result<(), Reply> {
        let token = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let Some(token) = token else {
            return Err(fail(200, 5401, "invalid_credentials", None));
        };
        match self.lock().tokens.get(token) {
            None => Err(fail(200, 5401, "invalid_credentials", None)),
            Some(exp) if Instant::now() >= *exp => Err(fail(401, 6001, "session_expired", None)),
            Some(_) => Ok(()),
        }
    }

    fn login(&self, body: &[u8]) -> Reply {
        let parsed = serde_json::from_slice(body)
            .ok()
            .or_else(|| form_login(body));
        let req: wire::LoginRequest = match parsed {
            Some(r) => r,
            None => {
                return fail(
                    200,
                    1001,
                    "required_parameter",
                    Some("username and password are required".into()),
                )
            }
        };
        let mut inner = self.lock();
        let expected =
            base64::engine::general_purpose::STANDARD.encode(self.options.password.as_bytes());
        if inner.revoked || req.username != self.options.login || req.password != expected {
            let (s, mut v) = fail(200, 1004, "incorrect_username_password", None);
            v["errors"]["description"] = json!("Неправильний логін або пароль");
            return (s, v);
        }
        let token: String = (0..32)
            .map(|_| {
                let c = inner.fake.rng().gen_range(0..62u8);
                (match c {
                    0..=9 => b'0' + c,
                    10..=35 => b'a' + c - 10,
                    _ => b'A' + c - 36,
                }) as char
            })
            .collect();
        inner
            .tokens
            .insert(token.clone(), Instant::now() + self.options.token_ttl);
        inner.logins += 1;
        ok(wire::LoginContent {
            id: 111,
            access_token: token,
            permissions: vec!["order_edit".into(), "correspondence".into()],
            roles: vec!["default_owner".into()],
            seller: json!({"fio": "Тестовий продавець", "email": self.options.login}),
            market: Some(wire::Market {
                id: 4211,
                title: "orderhub_sim".into(),
                title_translit: "orderhub_sim".into(),
                business_model: "b2c".into(),
                market_url: "https://rozetka.com.ua/seller/orderhub_sim".into(),
                status: 6,
                status_label: "Активний".into(),
            }),
            lang: "uk".into(),
        })
    }

    fn search(&self, q: &HashMap<String, String>) -> Reply {
        let date = |k: &str| -> Option<DateTime<Utc>> {
            let v = q.get(k)?;
            parse_kyiv(v).or_else(|| {
                NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(crate::domain::time::kyiv_to_utc)
            })
        };
        let (cf, ct, chf, cht) = (
            date("created_from"),
            date("created_to"),
            date("changed_from"),
            date("changed_to"),
        );
        let status: Option<i64> = q.get("status").and_then(|s| s.trim().parse().ok());
        let types: Option<i64> = q.get("types").and_then(|s| s.trim().parse().ok());
        let expand = expand_of(q);
        let inner = self.lock();
        // the filters compare whole seconds, as the Kyiv strings do
        let secs = |t: DateTime<Utc>| t.timestamp();
        let mut hits: Vec<&StoredOrder> = inner
            .orders
            .values()
            .filter(|o| cf.is_none_or(|t| secs(o.created_utc) >= secs(t)))
            .filter(|o| ct.is_none_or(|t| secs(o.created_utc) <= secs(t)))
            .filter(|o| chf.is_none_or(|t| secs(o.changed_utc) >= secs(t)))
            .filter(|o| cht.is_none_or(|t| secs(o.changed_utc) <= secs(t)))
            .filter(|o| status.is_none_or(|s| o.order.status == s))
            .filter(|o| match types {
                Some(2) => o.order.status_group == 1,
                Some(3) => o.order.status_group == 2,
                Some(4) => o.order.status == 1,
                Some(5) => [3, 4, 5, HANDOVER_SCHEDULED].contains(&o.order.status),
                Some(6) => o.order.status_group == 3,
                _ => true,
            })
            .collect();
        let sort =
            q.get("sort")
                .map(String::as_str)
                .unwrap_or(if self.options.sort_desc_by_default {
                    "-id"
                } else {
                    "id"
                });
        match sort.trim_start_matches('-') {
            "created" => hits.sort_by_key(|o| (o.created_utc, o.order.id)),
            "changed" => hits.sort_by_key(|o| (o.changed_utc, o.order.id)),
            _ => hits.sort_by_key(|o| o.order.id),
        }
        if sort.starts_with('-') {
            hits.reverse();
        }
        let per_page = self.options.page_size.max(1);
        let total = hits.len();
        let page_count = total.div_ceil(per_page);
        let sum = |f: fn(&wire::Order) -> &String| -> String {
            money(hits.iter().map(|o| dec(f(&o.order))).sum())
        };
        let total_fields = json!({
            "amount": sum(|o| &o.amount),
            "amount_with_discount": sum(|o| &o.amount_with_discount),
            "cost": sum(|o| &o.cost),
            "cost_with_discount": sum(|o| &o.cost_with_discount),
        });
        let page: usize = q
            .get("page")
            .and_then(|p| p.trim().parse().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1);
        let orders: Vec<wire::Order> = hits
            .into_iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .map(|o| self.render(o, &expand))
            .collect();
        ok(wire::OrderList {
            orders,
            meta: wire::Meta {
                total_count: total as i64,
                page_count: page_count as i64,
                current_page: page as i64,
                per_page: per_page as i64,
            },
            total_fields,
        })
    }

    fn get_order(&self, id: &str, q: &HashMap<String, String>) -> Reply {
        let inner = self.lock();
        match id.parse::<i64>().ok().and_then(|id| inner.orders.get(&id)) {
            Some(o) => ok(self.render(o, &expand_of(q))),
            None => fail(200, 1019, "entity_not_found", Some(format!("order {id}"))),
        }
    }

    /// `PUT /orders/{id}`: the transition graph, the TTN rules and the duplicate id.
    fn update_order(&self, id: &str, body: &[u8], q: &HashMap<String, String>) -> Reply {
        let upd: wire::OrderUpdate = match serde_json::from_slice::<Value>(body) {
            Ok(v) if v.as_object().is_some_and(|o| !o.is_empty()) => {
                match serde_json::from_value(v) {
                    Ok(u) => u,
                    Err(e) => return fail(200, 1002, "incorrect_data_format", Some(e.to_string())),
                }
            }
            _ => return fail(200, 1005, "check_correctness_of_data", None),
        };
        let mut inner = self.lock();
        let Some(o) = id
            .parse::<i64>()
            .ok()
            .and_then(|id| inner.orders.get_mut(&id))
        else {
            return fail(200, 1019, "entity_not_found", Some(format!("order {id}")));
        };
        let Some(target) = upd.status else {
            return fail(200, 1001, "required_parameter", Some("status".into()));
        };
        let current = o.order.status;
        let ttn = upd.ttn.as_deref().map(str::trim).filter(|t| !t.is_empty());
        if let Some(_ttn) = ttn {
            let accepted = (current == PACKING_CONFIRMED
                && [PACKING_CONFIRMED, 3, HANDOVER_SCHEDULED].contains(&target))
                || (current == 26 && target == HANDOVER_SCHEDULED)
                || (current == HANDOVER_SCHEDULED && target == 3);
            if !accepted {
                return fail(
                    200,
                    1005,
                    "check_correctness_of_data",
                    Some(format!(
                        "ttn is accepted only in status {PACKING_CONFIRMED} \"{}\"; the order is in status {current} \"{}\"",
                        statuses::name_uk(PACKING_CONFIRMED),
                        statuses::name_uk(current)
                    )),
                );
            }
        }
        let allowed = self.allowed(current);
        if target != current && !allowed.contains(&target) {
            return fail(
                200,
                1005,
                "check_correctness_of_data",
                Some(format!(
                    "status {target} \"{}\" is not available after status {current} \"{}\"; allowed next statuses: {}",
                    statuses::name_uk(target),
                    statuses::name_uk(current),
                    if allowed.is_empty() {
                        "none".to_string()
                    } else {
                        allowed.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ")
                    }
                )),
            );
        }
        let has_ttn = ttn.is_some() || !o.order.ttn.trim().is_empty();
        if target != current && self.options.ttn_statuses.contains(&target) && !has_ttn {
            return fail(
                200,
                1001,
                "required_parameter",
                Some(format!("ttn is required for status {target}")),
            );
        }
        if self.options.duplicate_id_statuses.contains(&target) && upd.duplicate_order_id.is_none()
        {
            return fail(
                200,
                1001,
                "required_parameter",
                Some(format!(
                    "duplicate_order_id is required for status {target}"
                )),
            );
        }
        if let Some(t) = ttn {
            o.order.ttn = t.to_string();
        }
        if let Some(c) = upd.seller_comment.as_deref().filter(|c| !c.is_empty()) {
            if let Value::Array(list) = &mut o.order.seller_comment {
                list.push(json!({"comment": c, "created": kyiv(Utc::now()), "seller_id": 111, "seller_fio": "API"}));
            } else {
                o.order.seller_comment = json!([{"comment": c}]);
            }
            o.order.current_seller_comment = c.to_string();
        }
        if upd.duplicate_order_id.is_some() {
            o.order.duplicate_order_id = upd.duplicate_order_id;
        }
        // status 2 with a TTN: Rozetka moves the order to 61 by itself
        let resulting = if target == PACKING_CONFIRMED && ttn.is_some() {
            HANDOVER_SCHEDULED
        } else {
            target
        };
        if resulting != current {
            Inner::set_status(o, resulting);
        } else {
            Inner::touch(o);
        }
        o.pushed.push(Pushed {
            update: upd.clone(),
            resulting_status: resulting,
        });
        let o = o.clone();
        drop(inner);
        ok(self.render(&o, &expand_of(q)))
    }

    fn order_statuses(&self, q: &HashMap<String, String>) -> Reply {
        let expand = expand_of(q);
        let per_page = self.options.page_size.max(1);
        let all: Vec<wire::OrderStatus> = statuses::STATUSES
            .iter()
            .map(|(id, uk, en, group)| wire::OrderStatus {
                id: *id,
                name: uk.to_string(),
                name_uk: uk.to_string(),
                name_en: en.to_string(),
                status_group: *group,
                status: 1,
                status_available: expand.contains("status_available").then(|| self.edges(*id)),
            })
            .collect();
        let page: usize = q
            .get("page")
            .and_then(|p| p.trim().parse().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1);
        let total = all.len();
        ok(wire::OrderStatusList {
            order_status: all
                .into_iter()
                .skip((page - 1) * per_page)
                .take(per_page)
                .collect(),
            meta: wire::Meta {
                total_count: total as i64,
                page_count: total.div_ceil(per_page) as i64,
                current_page: page as i64,
                per_page: per_page as i64,
            },
        })
    }

    fn goods_page(&self, q: &HashMap<String, String>) -> Reply {
        let mut inner = self.lock();
        inner.goods_reads += 1;
        let per_page = q
            .get("pageSize")
            .and_then(|p| p.trim().parse::<usize>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(self.options.goods_page_size)
            .min(1000);
        let filter = |key: &str| -> Option<i64> { q.get(key).and_then(|s| s.trim().parse().ok()) };
        let sell = filter("rz_sell_status");
        let item = filter("rz_item_id").filter(|_| !self.options.ignore_item_filter);
        let hits: Vec<&wire::Good> = inner
            .goods
            .iter()
            .filter(|g| sell.is_none_or(|s| g.rz_sell_status == s))
            .filter(|g| item.is_none_or(|i| g.rz_item_id == i))
            .collect();
        let page: usize = q
            .get("page")
            .and_then(|p| p.trim().parse().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1);
        let total = hits.len();
        let items: Vec<Value> = hits
            .into_iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .map(|g| serde_json::to_value(g).unwrap_or(Value::Null))
            .collect();
        ok(wire::GoodsList {
            items,
            meta: wire::Meta {
                total_count: total as i64,
                page_count: total.div_ceil(per_page) as i64,
                current_page: page as i64,
                per_page: per_page as i64,
            },
        })
    }

    /// `PUT /items/mass-update`: items of a price list that is not "by API" are refused per item.
    fn mass_update(&self, body: &[u8]) -> Reply {
        let upd: wire::MassUpdate = match serde_json::from_slice(body) {
            Ok(u) => u,
            Err(e) => return fail(200, 1002, "incorrect_data_format", Some(e.to_string())),
        };
        if upd.items.is_empty() {
            return fail(200, 1001, "required_parameter", Some("items".into()));
        }
        let mut inner = self.lock();
        let mut errors = serde_json::Map::new();
        for item in &upd.items {
            let reason = |text: &str| json!({"reason": [{"id": 1, "value": [text]}]});
            let Some(i) = inner
                .goods
                .iter()
                .position(|g| g.rz_item_id == item.item_rz_id)
            else {
                errors.insert(item.item_rz_id.to_string(), reason("Товар не знайдено"));
                continue;
            };
            if item.stock_quantity.is_none() && item.price.is_none() {
                errors.insert(
                    item.item_rz_id.to_string(),
                    reason("price або stock_quantity обов'язкові"),
                );
                continue;
            }
            let availability = inner.goods[i]
                .sync_source
                .as_ref()
                .map(|s| s.availability)
                .unwrap_or(0);
            if availability != 4 {
                errors.insert(
                    item.item_rz_id.to_string(),
                    reason("Тип синхронізації прайс-листа не API: залишки оновлюються з прайсу"),
                );
                continue;
            }
            let g = &mut inner.goods[i];
            if let Some(q) = item.stock_quantity {
                g.stock_quantity = Some(q);
            }
            if let Some(p) = &item.price {
                g.price = Some(money(dec(&p.to_string())));
            }
            inner.stock_pushes.push(item.clone());
        }
        if errors.is_empty() {
            (200, json!({"success": true, "content": null}))
        } else {
            (200, json!({"success": false, "errors": errors}))
        }
    }
}

/// `username=…&password=…` (form-encoded logins work too, per the note).
fn form_login(body: &[u8]) -> Option<wire::LoginRequest> {
    let text = std::str::from_utf8(body).ok()?;
    let mut fields = HashMap::new();
    for pair in text.split('&') {
        let (k, v) = pair.split_once('=')?;
        fields.insert(k.to_string(), percent_decode(v)?);
    }
    Some(wire::LoginRequest {
        username: fields.remove("username")?,
        password: fields.remove("password")?,
    })
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

fn expand_of(q: &HashMap<String, String>) -> HashSet<String> {
    q.get("expand")
        .map(|e| {
            e.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

// ---- HTTP handlers -------------------------------------------------------------------------

type State = web::Data<SimState>;
type Query = web::Query<HashMap<String, String>>;

async fn answer(state: &SimState, (status, body): Reply) -> HttpResponse {
    state.faults.reply(status, body).await
}

async fn sites(state: State, body: web::Bytes) -> HttpResponse {
    let r = state.login(&body);
    answer(&state, r).await
}

async fn logout(state: State, req: HttpRequest) -> HttpResponse {
    let r = match state.check_token(&req) {
        Err(e) => e,
        Ok(()) => {
            if let Some(t) = req
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
            {
                state.lock().tokens.remove(t.trim());
            }
            ok(json!({"logout": true}))
        }
    };
    answer(&state, r).await
}

async fn orders_search(state: State, req: HttpRequest, q: Query) -> HttpResponse {
    let r = state
        .check_token(&req)
        .map_or_else(|e| e, |_| state.search(&q));
    answer(&state, r).await
}

async fn order_get(
    state: State,
    req: HttpRequest,
    path: web::Path<String>,
    q: Query,
) -> HttpResponse {
    let r = state
        .check_token(&req)
        .map_or_else(|e| e, |_| state.get_order(&path, &q));
    answer(&state, r).await
}

async fn order_put(
    state: State,
    req: HttpRequest,
    path: web::Path<String>,
    q: Query,
    body: web::Bytes,
) -> HttpResponse {
    let r = state
        .check_token(&req)
        .map_or_else(|e| e, |_| state.update_order(&path, &body, &q));
    answer(&state, r).await
}

async fn statuses_search(state: State, req: HttpRequest, q: Query) -> HttpResponse {
    let r = state
        .check_token(&req)
        .map_or_else(|e| e, |_| state.order_statuses(&q));
    answer(&state, r).await
}

async fn goods_all(state: State, req: HttpRequest, q: Query) -> HttpResponse {
    let r = state
        .check_token(&req)
        .map_or_else(|e| e, |_| state.goods_page(&q));
    answer(&state, r).await
}

async fn sources_list(state: State, req: HttpRequest) -> HttpResponse {
    let r = state.check_token(&req).map_or_else(
        |e| e,
        |_| {
            ok(wire::SourcesList {
                sources: state.lock().sources.clone(),
            })
        },
    );
    answer(&state, r).await
}

async fn items_mass_update(state: State, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let r = state
        .check_token(&req)
        .map_or_else(|e| e, |_| state.mass_update(&body));
    answer(&state, r).await
}

async fn unknown_route(state: State) -> HttpResponse {
    answer(&state, fail(200, 5404, "not_found", None)).await
}

#[derive(Deserialize)]
struct SeedRequest {
    #[serde(default = "default_seed_count")]
    count: u64,
    #[serde(default = "default_seed_days")]
    days: u64,
}

fn default_seed_count() -> u64 {
    50
}
fn default_seed_days() -> u64 {
    90
}

async fn control_seed(state: State, req: web::Json<SeedRequest>) -> HttpResponse {
    let ids = state.seed(req.count, req.days);
    HttpResponse::Ok().json(json!({ "ids": ids }))
}

async fn control_add(state: State, req: web::Json<NewOrder>) -> HttpResponse {
    if req.items.is_empty() {
        return HttpResponse::BadRequest().json(json!({"error": "items must not be empty"}));
    }
    let id = state.add_order(&req);
    HttpResponse::Ok().json(state.order(id))
}

async fn control_get(state: State, path: web::Path<i64>) -> HttpResponse {
    match state.order(*path) {
        Some(o) => HttpResponse::Ok().json(o),
        None => HttpResponse::NotFound().json(json!({"error": "no such order"})),
    }
}

async fn control_patch(state: State, path: web::Path<i64>, req: web::Json<Edit>) -> HttpResponse {
    match state.edit(*path, &req) {
        Ok(()) => HttpResponse::Ok().json(state.order(*path)),
        Err(e) => HttpResponse::BadRequest().json(json!({ "error": e })),
    }
}

async fn control_goods(state: State) -> HttpResponse {
    let inner = state.lock();
    HttpResponse::Ok().json(json!({
        "goods": inner.goods,
        "sources": inner.sources,
        "stock_pushes": inner.stock_pushes,
    }))
}

async fn control_revoke(state: State) -> HttpResponse {
    state.revoke();
    HttpResponse::NoContent().finish()
}

async fn control_restore(state: State) -> HttpResponse {
    state.restore();
    HttpResponse::NoContent().finish()
}

async fn control_expire(state: State) -> HttpResponse {
    state.expire_tokens();
    HttpResponse::NoContent().finish()
}

/// Starts the simulator on `127.0.0.1:port` (0 = a free port).
pub fn start(port: u16, options: SimOptions) -> std::io::Result<Sim> {
    let tick = options.carrier_tick;
    let state = Arc::new(SimState::new(options));
    let data: State = web::Data::from(state.clone());
    let faults: web::Data<Faults> = web::Data::from(state.faults.clone());
    let server = serve(port, move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(data.clone())
            .app_data(faults.clone())
            .configure(fault_routes)
            .route("/_sim/seed", web::post().to(control_seed))
            .route("/_sim/orders", web::post().to(control_add))
            .route("/_sim/orders/{id}", web::get().to(control_get))
            .route("/_sim/orders/{id}", web::patch().to(control_patch))
            .route("/_sim/goods", web::get().to(control_goods))
            .route("/_sim/revoke", web::post().to(control_revoke))
            .route("/_sim/restore", web::post().to(control_restore))
            .route("/_sim/expire", web::post().to(control_expire))
            .route("/sites", web::post().to(sites))
            .route("/sites/logout", web::post().to(logout))
            .route("/orders/search", web::get().to(orders_search))
            .route("/orders/{id}", web::get().to(order_get))
            .route("/orders/{id}", web::put().to(order_put))
            .route("/orders/{id}", web::patch().to(order_put))
            .route("/order-statuses/search", web::get().to(statuses_search))
            .route("/goods/all", web::get().to(goods_all))
            .route("/markets/sources-list", web::get().to(sources_list))
            .route("/items/mass-update", web::put().to(items_mass_update))
            .default_service(web::to(unknown_route));
    })?;
    if let Some(every) = tick {
        let weak: Weak<SimState> = Arc::downgrade(&state);
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(every);
            interval.tick().await;
            loop {
                interval.tick().await;
                match weak.upgrade() {
                    Some(s) => s.carrier_tick(),
                    None => break,
                }
            }
        });
    }
    Ok(Sim { server, state })
}

impl Sim {
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    pub async fn stop(&self) {
        self.server.stop().await;
    }
}

/// `orderhub simulate rozetka`: 200 orders over 90 days, a live carrier, until Ctrl-C.
pub async fn run_standalone(port: u16) -> std::io::Result<()> {
    let options = SimOptions {
        carrier_tick: Some(Duration::from_secs(30)),
        live: true,
        ..SimOptions::default()
    };
    let (login, password) = (options.login.clone(), options.password.clone());
    let sim = start(port, options)?;
    sim.state.seed(200, 90);
    println!(
        "Rozetka simulator on {} (login {login}, password {password}); Ctrl-C stops it",
        sim.base_url()
    );
    tokio::signal::ctrl_c().await?;
    sim.stop().await;
    Ok(())
}
