//! Prom simulator: the platform's endpoints with state, rules and faults. It speaks the public API
//! v1 (`/api/v1/...`, also mounted at the root) with the wire types of `wire.rs` and enforces the
//! rules of the note: Bearer token, `limit` cap and the `last_id` cursor, HTTP 200 refusals,
//! cancellation reasons, no change of final orders, Ukrposhta numbers only once the parcel is at
//! the post office, online-paid orders leaving `pending` within seconds.
//!
//! Control API (besides `/_sim/faults` and `/_sim/latency` of `platforms::sim`):
//! - `POST /_sim/seed` `{"count": 200, "days": 90}` → `{"ids": [...]}`: realistic orders;
//! - `POST /_sim/orders` `{"buyer": 7, "items": [{"product": 0, "quantity": 2}], "status": "pending",
//!   "provider": "nova_poshta"|"ukrposhta"|"meest"|"justin"|"pickup", "online_payment": false,
//!   "portal": true, "minutes_ago": 0}` (all but `items` optional) → `{"id": …}`;
//! - `POST /_sim/orders/raw` with an order as Prom's JSON (numeric `id`; `date_created`,
//!   `date_modified`, `status` place it) → `{"id": …}`: served as it is among the others, for values
//!   the model cannot hold (amounts past any real total, fields of the wrong type);
//! - `PATCH /_sim/orders/{id}` with any of `{"add_item": {"product": i, "quantity": q}}`,
//!   `{"set_quantity": {"line": <product id>, "quantity": q}}`, `{"remove_line": <product id>}`,
//!   `{"tracking_number": "…"}`, `{"status": "…"}`, `{"cancel": true}`,
//!   `{"parcel_at_post_office": true}`; each bumps `date_modified`;
//! - `GET /_sim/orders/{id}` → `{"order": …, "parcel_at_post_office": …, "cancellation_reason": …,
//!   "cancellation_text": …, "pushed": [what orderhub sent for it]}`;
//! - `GET /_sim/products` → the listings as stored, with what orderhub pushed;
//! - `POST /_sim/revoke` / `POST /_sim/restore`: the token stops / starts working again.
//!
//! Many accounts at once ([`start_accounts`], `orderhub simulate prom --accounts N`): besides the
//! default account (token `prom-sim-token`), accounts 1..=N, each with its own token
//! (`prom-sim-token-<i>`), orders (ids of their own) and listings. A platform request sees only
//! the account its token names; an unknown token is refused as before. The control API acts on
//! the default account; faults, latency and request counts are the whole server's.

use super::wire::{self, Amount};
use crate::platforms::sim::{fault_routes, serve, FakeData, Fault, Faults, SimServer, PRODUCTS};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use rand::Rng;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

/// The simulator's knobs: every ASSUMPTION of the note, with the note's choice as default.
#[derive(Clone, Debug)]
pub struct SimOptions {
    pub seed: u64,
    /// The cap on `limit` (ASSUMPTION 2: 100), also the default page.
    pub page_size: usize,
    /// The personal API token it accepts.
    pub token: String,
    /// Read `date_from`/`last_modified_from` as Kyiv wall-clock time instead of UTC (ASSUMPTION 3).
    pub filter_dates_kyiv: bool,
    /// How long an online-paid order stays `pending` before it turns `paid` (field report).
    pub paid_after: std::time::Duration,
    /// What a seller may set (ASSUMPTION 5).
    pub settable_statuses: Vec<String>,
    /// Orders in these statuses accept no further change (ASSUMPTION 5).
    pub final_statuses: Vec<String>,
    /// The documented cancellation reasons (ASSUMPTION 9: kept as data).
    pub cancellation_reasons: Vec<String>,
    /// `delivery_type` values `save_declaration_id` accepts (ASSUMPTION 7).
    pub delivery_types: Vec<String>,
    /// Items per `/products/edit` call (ASSUMPTION 6).
    pub edit_batch_limit: usize,
    /// Commission on marketplace (`portal`) orders, percent of the line total.
    pub commission_percent: Decimal,
    /// Whether the token has the products right; without it `/products/*` answers 403
    /// (ASSUMPTION 1).
    pub products_right: bool,
}

impl Default for SimOptions {
    fn default() -> Self {
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        SimOptions {
            seed: 42,
            page_size: 100,
            token: "prom-sim-token".into(),
            filter_dates_kyiv: false,
            paid_after: std::time::Duration::from_secs(3),
            settable_statuses: strings(&["received", "delivered", "paid", "canceled"]),
            final_statuses: strings(&["canceled", "delivered"]),
            cancellation_reasons: strings(CANCELLATION_REASONS),
            delivery_types: strings(&["nova_poshta", "ukrposhta", "meest", "justin"]),
            edit_batch_limit: 100,
            commission_percent: Decimal::new(8, 0),
            products_right: true,
        }
    }
}

pub use super::CANCELLATION_REASONS;
const REASONS_WITH_TEXT: &[&str] = &["price_changed", "not_enough_fields", "another"];
pub const PRODUCTS_FORBIDDEN: &str = "Forbidden: the token has no access to products";
pub const STATUS_NOT_ALLOWED: &str = "This status value is not allowed";
pub const UKRPOSHTA_NOT_AT_POST_OFFICE: &str =
    "Відправлення Укрпошти ще не прийняте у відділенні: номер можна зберегти після реєстрації посилки";
const FIRST_ORDER_ID: i64 = 512_340_001;
/// The first seeded product's id; the deleted listing is one below it.
pub const FIRST_PRODUCT_ID: i64 = 2_001_003_000;

#[derive(Clone, Copy, PartialEq)]
enum Lang {
    Uk,
    Ru,
}

#[derive(Clone, Debug)]
struct SimLine {
    product: usize,
    quantity: u32,
    price: Decimal,
}

#[derive(Clone, Debug)]
struct SimOrder {
    id: i64,
    created: DateTime<Utc>,
    modified: DateTime<Utc>,
    status: String,
    buyer: u64,
    lines: Vec<SimLine>,
    /// Carrier slug; `None` is pickup.
    provider: Option<String>,
    ttn: Option<String>,
    parcel_at_post_office: bool,
    online_payment: bool,
    /// When a pending online-paid order turns `paid`.
    pay_due: Option<DateTime<Utc>>,
    paid_at: Option<DateTime<Utc>>,
    /// A marketplace order (pays commission) rather than one from the shop's own site.
    portal: bool,
    /// 0: `"1 299 грн"` with NBSP, 1: `"1299.00"`, 2: `"1299 грн"`.
    money_style: u8,
    /// 0: `+380…`, 1: `380…`, 2: `0…`.
    phone_style: u8,
    with_email: bool,
    cancellation: Option<SimCancellation>,
    delivery_cost: Decimal,
}

#[derive(Clone, Debug)]
struct SimCancellation {
    reason: String,
    text: Option<String>,
    initiator: String,
}

#[derive(Clone, Debug, Serialize)]
struct SimProduct {
    id: i64,
    index: Option<usize>,
    name: String,
    name_ru: String,
    sku: String,
    presence: String,
    quantity_in_stock: Option<i64>,
    price: Decimal,
    status: String,
    category: String,
    modified: DateTime<Utc>,
}

/// A write orderhub made, as the simulator received it.
#[derive(Clone, Debug, Serialize)]
pub struct Pushed {
    pub endpoint: String,
    pub body: Value,
    pub at: DateTime<Utc>,
}

/// An order stored as Prom's JSON exactly as given (`POST /_sim/orders/raw`) and served among the
/// others: values the simulator's own model cannot hold (an amount past any real total, a field
/// of the wrong type) reach the client as a platform could send them.
struct RawOrder {
    created: DateTime<Utc>,
    modified: DateTime<Utc>,
    status: Option<String>,
    body: Value,
}

struct Inner {
    orders: BTreeMap<i64, SimOrder>,
    raw_orders: BTreeMap<i64, RawOrder>,
    products: BTreeMap<i64, SimProduct>,
    next_id: i64,
    revoked: bool,
    fake: FakeData,
    pushed: Vec<Pushed>,
}

/// Everything the simulator holds.
pub struct SimState {
    pub options: SimOptions,
    inner: Mutex<Inner>,
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
    pub provider: Option<String>,
    #[serde(default)]
    pub online_payment: bool,
    #[serde(default = "yes")]
    pub portal: bool,
    #[serde(default)]
    pub minutes_ago: i64,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, Deserialize)]
pub struct NewItem {
    pub product: usize,
    pub quantity: u32,
}

#[derive(Clone, Debug, Deserialize)]
pub struct SetQuantity {
    /// The line's Prom product id (Prom lines have no id of their own).
    pub line: i64,
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
    pub remove_line: Option<i64>,
    #[serde(default)]
    pub tracking_number: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub cancel: Option<bool>,
    #[serde(default)]
    pub parcel_at_post_office: Option<bool>,
}

#[derive(Deserialize)]
struct SeedRequest {
    #[serde(default = "two_hundred")]
    count: usize,
    #[serde(default = "ninety")]
    days: u64,
}

fn two_hundred() -> usize {
    200
}
fn ninety() -> u64 {
    90
}

/// A running Prom simulator.
pub struct Sim {
    pub server: SimServer,
    /// The default account (token `options.token`), the one the control API acts on.
    pub state: Arc<SimState>,
    /// Accounts 1..=N of [`start_accounts`] (index 0 is account 1), each with its own token.
    pub accounts: Vec<Arc<SimState>>,
    pub faults: Arc<Faults>,
}

/// Every account the simulator serves, by token.
struct Accounts {
    default: Arc<SimState>,
    by_token: HashMap<String, Arc<SimState>>,
}

/// The account a platform request speaks for: the one whose token it carries, else the default
/// account, whose token check then refuses it (401 as with one account).
struct Account(Arc<SimState>);

impl std::ops::Deref for Account {
    type Target = SimState;
    fn deref(&self) -> &SimState {
        &self.0
    }
}

impl actix_web::FromRequest for Account {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let Some(accounts) = req.app_data::<web::Data<Accounts>>() else {
            return std::future::ready(Err(actix_web::error::ErrorInternalServerError(
                "the simulator has no accounts",
            )));
        };
        let state = bearer(req)
            .and_then(|t| accounts.by_token.get(t))
            .unwrap_or(&accounts.default)
            .clone();
        std::future::ready(Ok(Account(state)))
    }
}

/// The token of account `i` (1-based) of a simulator whose default token is `default`.
pub fn account_token(default: &str, i: usize) -> String {
    format!("{default}-{i}")
}

/// Order ids of account `i` start this far apart, so no two accounts share an order id.
const ACCOUNT_ID_SPAN: i64 = 1_000_000;

/// Starts the simulator on `127.0.0.1:port` (0 = any free port), with no orders yet.
pub fn start(port: u16, options: SimOptions) -> std::io::Result<Sim> {
    start_accounts(port, options, 0, 0)
}

/// Starts the simulator with `accounts` accounts besides the default one: account `i` (1-based)
/// answers to [`account_token`]`(options.token, i)`, has its own listings and `orders_each`
/// orders of the last 30 days (its own order ids, its own random seed). The default account
/// starts empty, as with [`start`].
pub fn start_accounts(
    port: u16,
    options: SimOptions,
    accounts: usize,
    orders_each: usize,
) -> std::io::Result<Sim> {
    let extra: Vec<Arc<SimState>> = (1..=accounts)
        .map(|i| {
            let state = SimState::new(SimOptions {
                token: account_token(&options.token, i),
                seed: options.seed.wrapping_add(i as u64),
                ..options.clone()
            });
            state.lock().next_id = FIRST_ORDER_ID + ACCOUNT_ID_SPAN * i as i64;
            state.seed(orders_each, 30);
            Arc::new(state)
        })
        .collect();
    let state = Arc::new(SimState::new(options));
    let by_token = extra
        .iter()
        .map(|s| (s.options.token.clone(), s.clone()))
        .collect();
    let accounts_data = web::Data::new(Accounts {
        default: state.clone(),
        by_token,
    });
    let faults = Arc::new(Faults::default());
    let state_data = web::Data::from(state.clone());
    let faults_data = web::Data::from(faults.clone());
    let server = serve(port, move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(state_data.clone())
            .app_data(accounts_data.clone())
            .app_data(faults_data.clone())
            .configure(fault_routes)
            .configure(control_routes)
            .service(web::scope("/api/v1").configure(api_routes))
            .configure(api_routes);
    })?;
    Ok(Sim {
        server,
        state,
        accounts: extra,
        faults,
    })
}

/// Orders each further account of `orderhub simulate prom --accounts N` starts with.
pub const ORDERS_PER_ACCOUNT: usize = 3;

/// `orderhub simulate prom [--accounts N]`: 200 orders of the last 90 days on the default
/// account, and N further accounts with a few orders each, until Ctrl-C.
pub async fn run_standalone(port: u16, accounts: usize) -> std::io::Result<()> {
    let sim = start_accounts(port, SimOptions::default(), accounts, ORDERS_PER_ACCOUNT)?;
    let ids = sim.seed(200, 90);
    println!(
        "Prom simulator on {} with {} orders; token `{}` (base URL for a source: {})",
        sim.server.base_url(),
        ids.len(),
        sim.state.options.token,
        sim.api_url()
    );
    if accounts > 0 {
        let token = &sim.state.options.token;
        println!(
            "and {accounts} more accounts of {ORDERS_PER_ACCOUNT} orders each: tokens `{}` … `{}`",
            account_token(token, 1),
            account_token(token, accounts)
        );
    }
    tokio::signal::ctrl_c().await?;
    sim.server.stop().await;
    Ok(())
}

impl Sim {
    /// The base URL a Prom source points at.
    pub fn api_url(&self) -> String {
        format!("{}/api/v1", self.server.base_url())
    }

    pub fn seed(&self, count: usize, days: u64) -> Vec<i64> {
        self.state.seed(count, days)
    }

    pub fn add_order(&self, order: NewOrder) -> Result<i64, String> {
        self.state.add_order(order)
    }

    pub fn patch(&self, id: i64, patch: OrderPatch) -> Result<(), String> {
        self.state.patch(id, patch)
    }

    /// The order as the platform would send it now (in Ukrainian).
    pub fn order(&self, id: i64) -> Option<wire::Order> {
        let mut inner = self.state.lock();
        inner.tick(Utc::now());
        inner
            .orders
            .get(&id)
            .map(|o| self.state.render(o, Lang::Uk))
    }

    /// Every order as the platform would send it now, newest first.
    pub fn orders(&self) -> Vec<wire::Order> {
        let mut inner = self.state.lock();
        inner.tick(Utc::now());
        inner
            .orders
            .values()
            .rev()
            .map(|o| self.state.render(o, Lang::Uk))
            .collect()
    }

    pub fn cancellation_reason(&self, id: i64) -> Option<(String, Option<String>)> {
        let inner = self.state.lock();
        let c = inner.orders.get(&id)?.cancellation.as_ref()?;
        Some((c.reason.clone(), c.text.clone()))
    }

    /// What orderhub wrote, oldest first.
    pub fn pushed(&self) -> Vec<Pushed> {
        self.state.lock().pushed.clone()
    }

    /// A listing's presence and stock as stored.
    pub fn product_stock(&self, id: i64) -> Option<(String, Option<i64>)> {
        let inner = self.state.lock();
        inner
            .products
            .get(&id)
            .map(|p| (p.presence.clone(), p.quantity_in_stock))
    }

    pub fn product_ids(&self) -> Vec<i64> {
        self.state.lock().products.keys().copied().collect()
    }

    pub fn revoke(&self) {
        self.state.lock().revoked = true;
    }

    pub fn restore(&self) {
        self.state.lock().revoked = false;
    }

    pub fn inject(&self, fault: Fault, count: u64) {
        self.faults.inject(fault, count);
    }
}

impl SimState {
    pub fn new(options: SimOptions) -> Self {
        let now = Utc::now();
        let mut products = BTreeMap::new();
        for (i, (name, sku, price, category)) in PRODUCTS.iter().enumerate() {
            let id = FIRST_PRODUCT_ID + i as i64;
            products.insert(
                id,
                SimProduct {
                    id,
                    index: Some(i),
                    name: name.to_string(),
                    name_ru: RU_NAMES.get(i).unwrap_or(name).to_string(),
                    sku: sku.to_string(),
                    presence: "available".into(),
                    quantity_in_stock: Some(10 + i as i64),
                    price: price.parse().unwrap_or_default(),
                    status: "on_display".into(),
                    category: category.last().unwrap_or(&"").to_string(),
                    modified: now - Duration::days(30),
                },
            );
        }
        // a listing the seller deleted: listed by Prom, not a publication
        let archived = FIRST_PRODUCT_ID - 1;
        products.insert(
            archived,
            SimProduct {
                id: archived,
                index: None,
                name: "Чохол для телефону (архів)".into(),
                name_ru: "Чехол для телефона (архив)".into(),
                sku: "ARCH-CASE".into(),
                presence: "not_available".into(),
                quantity_in_stock: Some(0),
                price: Decimal::new(199, 0),
                status: "deleted".into(),
                category: "Аксесуари".into(),
                modified: now - Duration::days(60),
            },
        );
        SimState {
            inner: Mutex::new(Inner {
                orders: BTreeMap::new(),
                raw_orders: BTreeMap::new(),
                products,
                next_id: FIRST_ORDER_ID,
                revoked: false,
                fake: FakeData::new(options.seed),
                pushed: Vec::new(),
            }),
            options,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // a panicking test thread must not take the simulator down with it
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `count` orders created over the last `days`, ids growing with creation time.
    pub fn seed(&self, count: usize, days: u64) -> Vec<i64> {
        let now = Utc::now();
        let mut inner = self.lock();
        let mut drafts = Vec::with_capacity(count);
        for _ in 0..count {
            let fake = &mut inner.fake;
            let created = now - Duration::seconds(fake.seconds_ago(days.max(1)));
            let basket = fake.basket();
            let buyer = fake.rng().gen_range(0..400u64);
            let roll = fake.rng().gen_range(0..100);
            let status = match roll {
                0..=17 => "pending",
                18..=39 => "received",
                40..=54 => "paid",
                55..=74 => "delivered",
                75..=89 => "canceled",
                90..=93 => "draft",
                _ => "custom-1001",
            };
            let provider = match fake.rng().gen_range(0..20) {
                0..=13 => Some("nova_poshta"),
                14..=16 => Some("ukrposhta"),
                17..=18 => Some("meest"),
                _ => None,
            };
            let age = (now - created).num_seconds().max(1);
            let modified =
                created + Duration::seconds(fake.rng().gen_range(0..age.min(5 * 86_400)));
            let ttn = match (status, provider) {
                ("delivered" | "paid" | "received", Some(p)) if fake.rng().gen_bool(0.7) => {
                    Some(match p {
                        "ukrposhta" => {
                            format!("05{:011}", fake.rng().gen_range(0..100_000_000_000u64))
                        }
                        _ => fake.ttn(),
                    })
                }
                _ => None,
            };
            let online = status == "paid" || fake.rng().gen_bool(0.2);
            let cancellation = (status == "canceled").then(|| {
                let i = fake.rng().gen_range(0..CANCELLATION_REASONS.len());
                SimCancellation {
                    reason: CANCELLATION_REASONS[i].into(),
                    text: None,
                    initiator: if fake.rng().gen_bool(0.5) {
                        "buyer"
                    } else {
                        "seller"
                    }
                    .into(),
                }
            });
            let order = SimOrder {
                id: 0,
                created,
                modified,
                status: status.into(),
                buyer,
                lines: basket
                    .into_iter()
                    .map(|(p, q)| SimLine {
                        product: p,
                        quantity: q,
                        price: FakeData::price(p),
                    })
                    .collect(),
                provider: provider.map(str::to_string),
                parcel_at_post_office: ttn.is_some(),
                ttn,
                online_payment: online && status != "pending",
                pay_due: None,
                paid_at: (online && matches!(status, "paid" | "delivered")).then_some(modified),
                portal: fake.rng().gen_bool(0.8),
                money_style: fake.rng().gen_range(0..3),
                phone_style: fake.rng().gen_range(0..3),
                with_email: fake.rng().gen_bool(0.7),
                cancellation,
                delivery_cost: if provider.is_some() && fake.rng().gen_bool(0.3) {
                    Decimal::new(fake.rng().gen_range(55..120), 0)
                } else {
                    Decimal::ZERO
                },
            };
            drafts.push(order);
        }
        drafts.sort_by_key(|o| o.created);
        let mut ids = Vec::with_capacity(count);
        for mut o in drafts {
            o.id = inner.next_id;
            inner.next_id += 1;
            ids.push(o.id);
            inner.orders.insert(o.id, o);
        }
        ids
    }

    pub fn add_order(&self, new: NewOrder) -> Result<i64, String> {
        if new.items.is_empty() {
            return Err("an order needs at least one item".into());
        }
        if let Some(bad) = new.items.iter().find(|i| i.product >= PRODUCTS.len()) {
            return Err(format!(
                "no product {} (0..{})",
                bad.product,
                PRODUCTS.len()
            ));
        }
        let status = new.status.unwrap_or_else(|| "pending".into());
        let provider = match new.provider.as_deref() {
            None => Some("nova_poshta".to_string()),
            Some("pickup") | Some("") => None,
            Some(p) => Some(p.to_string()),
        };
        let now = Utc::now();
        let created = now - Duration::minutes(new.minutes_ago.max(0));
        let mut inner = self.lock();
        let id = inner.next_id;
        inner.next_id += 1;
        let pay_due = (new.online_payment && status == "pending").then(|| {
            created + Duration::from_std(self.options.paid_after).unwrap_or(Duration::seconds(3))
        });
        let cancellation = (status == "canceled").then(|| SimCancellation {
            reason: "buyers_request".into(),
            text: None,
            initiator: "buyer".into(),
        });
        let order = SimOrder {
            id,
            created,
            modified: created,
            status,
            buyer: new.buyer,
            lines: new
                .items
                .iter()
                .map(|i| SimLine {
                    product: i.product,
                    quantity: i.quantity.max(1),
                    price: FakeData::price(i.product),
                })
                .collect(),
            provider,
            ttn: None,
            parcel_at_post_office: false,
            online_payment: new.online_payment,
            pay_due,
            paid_at: None,
            portal: new.portal,
            money_style: (id % 3) as u8,
            phone_style: (id % 3) as u8,
            with_email: true,
            cancellation,
            delivery_cost: Decimal::ZERO,
        };
        inner.orders.insert(id, order);
        Ok(id)
    }

    pub fn patch(&self, id: i64, patch: OrderPatch) -> Result<(), String> {
        let mut inner = self.lock();
        inner.tick(Utc::now());
        let o = inner
            .orders
            .get_mut(&id)
            .ok_or_else(|| format!("no order {id}"))?;
        if let Some(add) = patch.add_item {
            if add.product >= PRODUCTS.len() {
                return Err(format!("no product {}", add.product));
            }
            if o.lines.iter().any(|l| l.product == add.product) {
                return Err(format!("product {} is already in the order", add.product));
            }
            o.lines.push(SimLine {
                product: add.product,
                quantity: add.quantity.max(1),
                price: FakeData::price(add.product),
            });
        }
        if let Some(set) = patch.set_quantity {
            let line = o
                .lines
                .iter_mut()
                .find(|l| product_id(l.product) == set.line)
                .ok_or_else(|| format!("no line {} in order {id}", set.line))?;
            line.quantity = set.quantity;
        }
        if let Some(remove) = patch.remove_line {
            let before = o.lines.len();
            o.lines.retain(|l| product_id(l.product) != remove);
            if o.lines.len() == before {
                return Err(format!("no line {remove} in order {id}"));
            }
        }
        if let Some(ttn) = patch.tracking_number {
            o.ttn = Some(ttn).filter(|t| !t.trim().is_empty());
        }
        if let Some(at_post_office) = patch.parcel_at_post_office {
            o.parcel_at_post_office = at_post_office;
        }
        if let Some(status) = patch.status {
            if status == "canceled" && o.cancellation.is_none() {
                o.cancellation = Some(SimCancellation {
                    reason: "another".into(),
                    text: None,
                    initiator: "seller".into(),
                });
            }
            if matches!(status.as_str(), "paid" | "delivered") && o.online_payment {
                o.paid_at.get_or_insert(Utc::now());
            }
            o.status = status;
            o.pay_due = None;
        }
        if patch.cancel == Some(true) {
            o.status = "canceled".into();
            o.pay_due = None;
            o.cancellation = Some(SimCancellation {
                reason: "buyers_request".into(),
                text: None,
                initiator: "buyer".into(),
            });
        }
        o.modified = Utc::now().max(o.created);
        Ok(())
    }

    /// The order in Prom's JSON, names and status in the request's language.
    fn render(&self, o: &SimOrder, lang: Lang) -> wire::Order {
        let person = FakeData::person(o.buyer);
        let phone = match o.phone_style {
            0 => format!("+{}", person.phone_digits),
            1 => person.phone_digits.clone(),
            _ => person.phone_digits[2..].to_string(),
        };
        let cancelled = o.status == "canceled";
        let rate = self.options.commission_percent / Decimal::new(100, 0);
        let products: Vec<wire::OrderProduct> = o
            .lines
            .iter()
            .map(|l| {
                let (name, sku, _, _) = PRODUCTS[l.product];
                let name_ru = RU_NAMES.get(l.product).copied().unwrap_or(name);
                let total = l.price * Decimal::from(l.quantity);
                let id = product_id(l.product);
                wire::OrderProduct {
                    id,
                    external_id: Some(sku.into()),
                    sku: Some(sku.into()),
                    name: Some(if lang == Lang::Ru { name_ru } else { name }.into()),
                    name_multilang: Some(wire::Multilang {
                        uk: Some(name.into()),
                        ru: Some(name_ru.into()),
                    }),
                    // quantities come as numbers or strings (both seen)
                    quantity: Some(if o.money_style == 1 {
                        Amount::Text(l.quantity.to_string())
                    } else {
                        Amount::Number(l.quantity.into())
                    }),
                    price: Some(money(l.price, o.money_style)),
                    total_price: Some(money(total, o.money_style)),
                    measure_unit: Some("шт.".into()),
                    image: Some(format!("https://images.prom.ua/{id}_w200_h200.jpg")),
                    url: Some(format!("https://prom.ua/p{id}.html")),
                    cpa_commission: Some(wire::CpaCommission {
                        amount: Some(Amount::Text(
                            if o.portal {
                                (total * rate).round_dp(2)
                            } else {
                                Decimal::ZERO
                            }
                            .round_dp(2)
                            .to_string(),
                        )),
                        is_refunded: Some(cancelled && o.portal),
                    }),
                }
            })
            .collect();
        let goods: Decimal = o
            .lines
            .iter()
            .map(|l| l.price * Decimal::from(l.quantity))
            .sum();
        let commission: Decimal = if o.portal {
            o.lines
                .iter()
                .map(|l| (l.price * Decimal::from(l.quantity) * rate).round_dp(2))
                .sum()
        } else {
            Decimal::ZERO
        };
        let (option_id, option_name) = match o.provider.as_deref() {
            Some("nova_poshta") => (12_000_111, "Нова Пошта"),
            Some("ukrposhta") => (12_000_112, "Укрпошта"),
            Some("meest") => (12_000_113, "Meest ПОШТА"),
            Some("justin") => (12_000_114, "Justin"),
            Some(_) => (12_000_119, "Інша служба доставки"),
            None => (12_000_100, "Самовивіз"),
        };
        let warehouse = format!("1ec09d88-e1c2-11e3-8c4a-{:012x}", person.branch);
        let address = match o.provider {
            Some(_) => format!("{}, Відділення №{}", person.city, person.branch),
            None => format!("{}, самовивіз з магазину", person.city),
        };
        wire::Order {
            id: o.id,
            date_created: Some(prom_time(o.created)),
            date_modified: Some(prom_time(o.modified)),
            client_first_name: Some(person.first_name.clone()),
            client_second_name: None,
            client_last_name: Some(person.last_name.clone()),
            client_id: Some(77_000_000 + o.buyer as i64),
            client: Some(wire::Client {
                id: Some(77_000_000 + o.buyer as i64),
                first_name: Some(person.first_name.clone()),
                last_name: Some(person.last_name.clone()),
                second_name: None,
                phone: Some(phone.clone()),
            }),
            delivery_recipient: Some(wire::Person {
                first_name: Some(person.first_name.clone()),
                last_name: Some(person.last_name.clone()),
                second_name: None,
                phone: Some(phone.clone()),
            }),
            client_notes: Some(String::new()),
            phone: Some(phone),
            email: o.with_email.then(|| person.email.clone()),
            products,
            price: Some(money(goods, o.money_style)),
            full_price: Some(money(goods + o.delivery_cost, o.money_style)),
            price_with_special_offer: None,
            special_offer_discount: None,
            special_offer_promocode: None,
            has_order_promo_free_delivery: Some(false),
            delivery_option: Some(wire::DeliveryOption {
                id: Some(option_id),
                name: Some(option_name.into()),
                shipping_service: o.provider.clone(),
            }),
            delivery_provider_data: o.provider.as_ref().map(|p| wire::DeliveryProviderData {
                provider: Some(p.clone()),
                kind: Some("W2W".into()),
                sender_warehouse_id: None,
                recipient_warehouse_id: Some(warehouse.clone()),
                declaration_number: o.ttn.clone(),
                unified_status: None,
                recipient_address: Some(wire::RecipientAddress {
                    city_name: Some(person.city.clone()),
                    warehouse_id: Some(warehouse.clone()),
                    ..Default::default()
                }),
            }),
            delivery_address: Some(address),
            delivery_cost: Some(Amount::Number(delivery_cost_number(o.delivery_cost))),
            payment_option: Some(if o.online_payment {
                wire::PaymentOption {
                    id: Some(9_000_222),
                    name: Some("Пром-оплата".into()),
                }
            } else {
                wire::PaymentOption {
                    id: Some(9_000_111),
                    name: Some("Накладений платіж".into()),
                }
            }),
            payment_data: o.online_payment.then(|| wire::PaymentData {
                kind: Some("prosale".into()),
                status: Some(
                    if o.paid_at.is_some() {
                        "paid"
                    } else {
                        "unpaid"
                    }
                    .into(),
                ),
                status_modified: o.paid_at.map(prom_time),
            }),
            status_name: Some(status_name(&o.status, lang).into()),
            status: o.status.clone(),
            source: Some(if o.portal { "portal" } else { "company_site" }.into()),
            cpa_commission: Some(wire::CpaCommission {
                amount: Some(Amount::Text(commission.round_dp(2).to_string())),
                is_refunded: Some(cancelled && o.portal),
            }),
            utm: None,
            dont_call_customer_back: Some(false),
            ps_promotion: None,
            cancellation: o.cancellation.as_ref().filter(|_| cancelled).map(|c| {
                wire::Cancellation {
                    title: Some(reason_title(&c.reason, lang).into()),
                    initiator: Some(c.initiator.clone()),
                }
            }),
        }
    }

    fn render_product(p: &SimProduct, lang: Lang) -> wire::Product {
        wire::Product {
            id: p.id,
            external_id: Some(p.sku.clone()),
            name: Some(
                if lang == Lang::Ru {
                    &p.name_ru
                } else {
                    &p.name
                }
                .clone(),
            ),
            name_multilang: Some(wire::Multilang {
                uk: Some(p.name.clone()),
                ru: Some(p.name_ru.clone()),
            }),
            sku: Some(p.sku.clone()),
            keywords: None,
            description: Some(format!("<p>{}</p>", p.name)),
            selling_type: Some("retail".into()),
            presence: Some(p.presence.clone()),
            in_stock: Some(p.presence == "available"),
            quantity_in_stock: p.quantity_in_stock.map(|q| Amount::Number(q.into())),
            price: Some(Amount::Number(delivery_cost_number(p.price))),
            currency: Some("UAH".into()),
            status: Some(p.status.clone()),
            group: Some(
                json!({"id": 9_100_000 + p.index.unwrap_or(99) as i64, "name": p.category}),
            ),
            category: Some(wire::ProductCategory {
                id: Some(3_000 + p.index.unwrap_or(99) as i64),
                caption: Some(p.category.clone()),
            }),
            main_image: Some(format!("https://images.prom.ua/{}_w640_h640.jpg", p.id)),
            measure_unit: Some("шт.".into()),
            date_modified: Some(prom_time(p.modified)),
        }
    }
}

impl Inner {
    /// Online payments land a few seconds after the order: `pending` turns `paid` by itself.
    fn tick(&mut self, now: DateTime<Utc>) {
        for o in self.orders.values_mut() {
            if let Some(due) = o.pay_due {
                if due <= now && o.status == "pending" {
                    o.status = "paid".into();
                    o.paid_at = Some(due);
                    o.modified = due;
                    o.pay_due = None;
                }
            }
        }
    }
}

fn product_id(index: usize) -> i64 {
    FIRST_PRODUCT_ID + index as i64
}

/// Prom's timestamps: microseconds and an explicit UTC offset.
fn prom_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

/// A whole amount as a JSON integer, else as a decimal (only simulator output, never arithmetic).
fn delivery_cost_number(d: Decimal) -> serde_json::Number {
    let d = d.normalize();
    if d.scale() == 0 {
        if let Ok(i) = i64::try_from(d) {
            return i.into();
        }
    }
    d.to_string().parse().unwrap_or_else(|_| 0.into())
}

/// Money the way Prom shows it in this order's style.
fn money(d: Decimal, style: u8) -> Amount {
    let d = d.round_dp(2);
    match style {
        0 => Amount::Text(format!("{}\u{a0}грн", display_amount(d, '\u{a0}'))),
        1 => {
            let mut s = d;
            s.rescale(2);
            Amount::Text(s.to_string())
        }
        _ => Amount::Text(format!("{} грн", display_amount(d, '\0'))),
    }
}

/// `1 234,50` with `sep` between thousands (`'\0'` for none) and a decimal comma when needed.
fn display_amount(d: Decimal, sep: char) -> String {
    let whole = d.trunc();
    let mut frac = (d - whole).abs();
    frac.rescale(2);
    let digits = whole.abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if sep != '\0' && i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(sep);
        }
        grouped.push(c);
    }
    let sign = if d.is_sign_negative() && !d.is_zero() {
        "-"
    } else {
        ""
    };
    if frac.is_zero() {
        format!("{sign}{grouped}")
    } else {
        let f = frac.to_string();
        format!("{sign}{grouped},{}", f.trim_start_matches("0."))
    }
}

fn status_name(status: &str, lang: Lang) -> &'static str {
    let (uk, ru) = match status {
        "pending" => ("Нове", "Новый"),
        "received" => ("Прийнято", "Принят"),
        "paid" => ("Оплачено", "Оплачен"),
        "delivered" => ("Виконано", "Выполнен"),
        "canceled" => ("Скасовано", "Отменен"),
        "draft" => ("Чернетка", "Черновик"),
        _ => ("Уточнення наявності", "Уточнение наличия"),
    };
    if lang == Lang::Ru {
        ru
    } else {
        uk
    }
}

fn reason_title(reason: &str, lang: Lang) -> &'static str {
    let (uk, ru) = match reason {
        "not_available" => ("Немає в наявності", "Нет в наличии"),
        "price_changed" => ("Змінилась ціна", "Изменилась цена"),
        "buyers_request" => ("На прохання покупця", "По просьбе покупателя"),
        "not_enough_fields" => ("Недостатньо даних", "Недостаточно данных"),
        "duplicate" => ("Дублікат замовлення", "Дубликат заказа"),
        "invalid_phone_number" => ("Неправильний номер телефону", "Неверный номер телефона"),
        "less_than_minimal_price" => ("Менше мінімальної суми", "Меньше минимальной суммы"),
        _ => ("Інша причина", "Другая причина"),
    };
    if lang == Lang::Ru {
        ru
    } else {
        uk
    }
}

/// Russian names of `PRODUCTS`, for `X-LANGUAGE: ru`.
const RU_NAMES: &[&str] = &[
    "Чайник электрический Philips HD9350",
    "Блендер Bosch MSM66110",
    "Наушники JBL Tune 510BT",
    "Повербанк Xiaomi 20000 mAh",
    "Сковорода Tefal Ingenio 28 см",
    "Термос Stanley Classic 1 л",
    "Рюкзак городской Xiaomi Mi Casual",
    "Фитнес-браслет Xiaomi Smart Band 8",
    "Кофеварка DeLonghi EC685",
    "Набор ножей Fissler 5 шт",
    "Увлажнитель воздуха Philips HU4803",
    "Мышь Logitech MX Master 3S",
];

// ---- platform endpoints -----------------------------------------------------------------------

fn api_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/orders/list", web::get().to(list_orders))
        .route("/orders/set_status", web::post().to(set_status))
        .route("/orders/{id}", web::get().to(get_order))
        .route(
            "/delivery/save_declaration_id",
            web::post().to(save_declaration),
        )
        .route("/products/list", web::get().to(list_products))
        .route("/products/edit", web::post().to(edit_products))
        .route("/products/{id}", web::get().to(get_product));
}

fn lang(req: &HttpRequest) -> Lang {
    match req
        .headers()
        .get("X-LANGUAGE")
        .and_then(|v| v.to_str().ok())
    {
        Some(l) if l.trim().eq_ignore_ascii_case("ru") => Lang::Ru,
        _ => Lang::Uk,
    }
}

/// The request's Bearer token.
fn bearer(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// The Bearer token check of every platform route (ASSUMPTION 1: 401 `{"error": "Unauthorized"}`).
fn authorized(req: &HttpRequest, state: &SimState) -> bool {
    bearer(req) == Some(state.options.token.as_str()) && !state.lock().revoked
}

/// Keeps every write request orderhub made, refused ones included, for `/_sim/orders/{id}`.
fn record(state: &SimState, endpoint: &str, body: &impl Serialize) {
    state.lock().pushed.push(Pushed {
        endpoint: endpoint.into(),
        body: serde_json::to_value(body).unwrap_or_default(),
        at: Utc::now(),
    });
}

async fn unauthorized(faults: &Faults) -> HttpResponse {
    faults.reply(401, json!({"error": "Unauthorized"})).await
}

/// `YYYY-MM-DDTHH:MM:SS` in the zone the options say.
fn filter_date(
    q: &HashMap<String, String>,
    key: &str,
    kyiv: bool,
) -> Result<Option<DateTime<Utc>>, String> {
    let Some(raw) = q.get(key).map(|s| s.trim()).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let naive = [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d",
    ]
    .iter()
    .find_map(|f| {
        NaiveDateTime::parse_from_str(raw, f).ok().or_else(|| {
            chrono::NaiveDate::parse_from_str(raw, f)
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
    })
    .ok_or_else(|| format!("Invalid value of {key}: {raw}"))?;
    Ok(Some(if kyiv {
        crate::domain::time::kyiv_to_utc(naive)
    } else {
        naive.and_utc()
    }))
}

/// `limit` within the cap, and the `last_id` cursor ("not higher than").
fn paging(q: &HashMap<String, String>, cap: usize) -> Result<(usize, Option<i64>), String> {
    let limit = match q.get("limit") {
        Some(l) => l
            .trim()
            .parse::<usize>()
            .map_err(|_| format!("Invalid value of limit: {l}"))?,
        None => cap,
    };
    let last_id = match q.get("last_id") {
        Some(l) => Some(
            l.trim()
                .parse::<i64>()
                .map_err(|_| format!("Invalid value of last_id: {l}"))?,
        ),
        None => None,
    };
    Ok((limit.clamp(1, cap.max(1)), last_id))
}

async fn list_orders(
    req: HttpRequest,
    state: Account,
    faults: web::Data<Faults>,
    q: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    if !authorized(&req, &state) {
        return unauthorized(&faults).await;
    }
    let kyiv = state.options.filter_dates_kyiv;
    let filters = (|| -> Result<_, String> {
        Ok((
            filter_date(&q, "date_from", kyiv)?,
            filter_date(&q, "date_to", kyiv)?,
            filter_date(&q, "last_modified_from", kyiv)?,
            filter_date(&q, "last_modified_to", kyiv)?,
            paging(&q, state.options.page_size)?,
        ))
    })();
    let (date_from, date_to, modified_from, modified_to, (limit, last_id)) = match filters {
        Ok(f) => f,
        Err(e) => return faults.reply(400, json!({"error": e})).await,
    };
    let status = q.get("status").cloned();
    let ascending = q.get("sort_dir").map(String::as_str) == Some("asc");
    let lang = lang(&req);
    let orders: Vec<Value> = {
        let mut inner = state.lock();
        inner.tick(Utc::now());
        let wanted = |id: i64,
                      created: DateTime<Utc>,
                      modified: DateTime<Utc>,
                      order_status: Option<&String>| {
            date_from.is_none_or(|t| created >= t)
                && date_to.is_none_or(|t| created <= t)
                && modified_from.is_none_or(|t| modified >= t)
                && modified_to.is_none_or(|t| modified <= t)
                && last_id.is_none_or(|last| id <= last)
                && status.as_ref().is_none_or(|s| order_status == Some(s))
        };
        let matching = inner
            .orders
            .values()
            .filter(|o| wanted(o.id, o.created, o.modified, Some(&o.status)));
        let picked: Vec<&SimOrder> = if ascending {
            matching.take(limit).collect()
        } else {
            matching.rev().take(limit).collect()
        };
        let mut page: Vec<(i64, Value)> = picked
            .into_iter()
            .map(|o| {
                let order = serde_json::to_value(state.render(o, lang)).unwrap_or_default();
                (o.id, order)
            })
            .collect();
        // stored raw orders take their place by id, as Prom orders its list
        page.extend(
            inner
                .raw_orders
                .iter()
                .filter(|(id, r)| wanted(**id, r.created, r.modified, r.status.as_ref()))
                .map(|(id, r)| (*id, r.body.clone())),
        );
        page.sort_by_key(|(id, _)| *id);
        if !ascending {
            page.reverse();
        }
        page.truncate(limit);
        page.into_iter().map(|(_, o)| o).collect()
    };
    faults.reply(200, json!({ "orders": orders })).await
}

async fn get_order(
    req: HttpRequest,
    state: Account,
    faults: web::Data<Faults>,
    id: web::Path<String>,
) -> HttpResponse {
    if !authorized(&req, &state) {
        return unauthorized(&faults).await;
    }
    let lang = lang(&req);
    let order = id.parse::<i64>().ok().and_then(|id| {
        let mut inner = state.lock();
        inner.tick(Utc::now());
        match inner.raw_orders.get(&id) {
            Some(raw) => Some(raw.body.clone()),
            None => inner
                .orders
                .get(&id)
                .map(|o| serde_json::to_value(state.render(o, lang)).unwrap_or_default()),
        }
    });
    match order {
        Some(order) => faults.reply(200, json!({ "order": order })).await,
        None => faults.reply(404, json!({"error": "Order not found"})).await,
    }
}

async fn set_status(
    req: HttpRequest,
    state: Account,
    faults: web::Data<Faults>,
    body: web::Bytes,
) -> HttpResponse {
    if !authorized(&req, &state) {
        return unauthorized(&faults).await;
    }
    let request: wire::SetStatusRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return faults
                .reply(400, json!({"error": format!("Invalid request body: {e}")}))
                .await
        }
    };
    record(&state, "/orders/set_status", &request);
    let opts = &state.options;
    let answer = (|| {
        if !opts.settable_statuses.contains(&request.status) {
            return json!({"error": STATUS_NOT_ALLOWED});
        }
        let cancellation = if request.status == "canceled" {
            // ASSUMPTION 5: canceled without a reason is what made live writes fail
            let Some(reason) = request.cancellation_reason.clone() else {
                return json!({"error": STATUS_NOT_ALLOWED});
            };
            if !opts.cancellation_reasons.contains(&reason) {
                return json!({"error": format!("Invalid cancellation_reason: {reason}")});
            }
            let text = request
                .cancellation_text
                .clone()
                .filter(|_| REASONS_WITH_TEXT.contains(&reason.as_str()));
            Some(SimCancellation {
                reason,
                text,
                initiator: "seller".into(),
            })
        } else {
            None
        };
        let now = Utc::now();
        let mut inner = state.lock();
        inner.tick(now);
        let mut processed = Vec::new();
        for id in &request.ids {
            let Some(o) = inner.orders.get_mut(id) else {
                continue;
            };
            if o.status == request.status {
                // a repeated request (a retry) changes nothing and is still a success
                processed.push(*id);
                continue;
            }
            if opts.final_statuses.contains(&o.status) {
                continue;
            }
            o.status = request.status.clone();
            o.pay_due = None;
            if let Some(c) = &cancellation {
                o.cancellation = Some(c.clone());
            }
            if o.online_payment && matches!(o.status.as_str(), "paid" | "delivered") {
                o.paid_at.get_or_insert(now);
            }
            o.modified = now;
            processed.push(*id);
        }
        let mut answer = json!({"processed_ids": processed});
        if processed.len() < request.ids.len() {
            answer["warning_message"] = json!("Some orders were not processed");
        }
        answer
    })();
    faults.reply(200, answer).await
}

async fn save_declaration(
    req: HttpRequest,
    state: Account,
    faults: web::Data<Faults>,
    body: web::Bytes,
) -> HttpResponse {
    if !authorized(&req, &state) {
        return unauthorized(&faults).await;
    }
    let request: wire::SaveDeclarationRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return faults
                .reply(400, json!({"error": format!("Invalid request body: {e}")}))
                .await
        }
    };
    record(&state, "/delivery/save_declaration_id", &request);
    let error = |m: &str| json!({"status": "error", "message": m});
    let answer = (|| {
        if !state
            .options
            .delivery_types
            .contains(&request.delivery_type)
        {
            return error(&format!("Unknown delivery_type: {}", request.delivery_type));
        }
        let number = request.declaration_id.trim();
        if number.is_empty() || !number.chars().all(|c| c.is_ascii_alphanumeric()) {
            return error("Invalid declaration_id");
        }
        let now = Utc::now();
        let mut inner = state.lock();
        let Some(o) = inner.orders.get_mut(&request.order_id) else {
            return error("Order not found");
        };
        // KeyCRM: Ukrposhta numbers only once the parcel is registered at the post office
        if request.delivery_type == "ukrposhta" && !o.parcel_at_post_office {
            return error(UKRPOSHTA_NOT_AT_POST_OFFICE);
        }
        if o.ttn.as_deref() != Some(number) {
            o.ttn = Some(number.to_string());
            o.modified = now;
        }
        json!({"status": "success"})
    })();
    faults.reply(200, answer).await
}

async fn list_products(
    req: HttpRequest,
    state: Account,
    faults: web::Data<Faults>,
    q: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    if !authorized(&req, &state) {
        return unauthorized(&faults).await;
    }
    if !state.options.products_right {
        return faults
            .reply(403, json!({"error": PRODUCTS_FORBIDDEN}))
            .await;
    }
    let kyiv = state.options.filter_dates_kyiv;
    let filters = (|| -> Result<_, String> {
        Ok((
            filter_date(&q, "last_modified_from", kyiv)?,
            filter_date(&q, "last_modified_to", kyiv)?,
            paging(&q, state.options.page_size)?,
        ))
    })();
    let (modified_from, modified_to, (limit, last_id)) = match filters {
        Ok(f) => f,
        Err(e) => return faults.reply(400, json!({"error": e})).await,
    };
    let lang = lang(&req);
    let products: Vec<wire::Product> = {
        let inner = state.lock();
        inner
            .products
            .values()
            .rev()
            .filter(|p| {
                modified_from.is_none_or(|t| p.modified >= t)
                    && modified_to.is_none_or(|t| p.modified <= t)
                    && last_id.is_none_or(|id| p.id <= id)
            })
            .take(limit)
            .map(|p| SimState::render_product(p, lang))
            .collect()
    };
    faults
        .reply(
            200,
            serde_json::to_value(wire::ProductList { products }).unwrap_or_default(),
        )
        .await
}

async fn get_product(
    req: HttpRequest,
    state: Account,
    faults: web::Data<Faults>,
    id: web::Path<String>,
) -> HttpResponse {
    if !authorized(&req, &state) {
        return unauthorized(&faults).await;
    }
    if !state.options.products_right {
        return faults
            .reply(403, json!({"error": PRODUCTS_FORBIDDEN}))
            .await;
    }
    let lang = lang(&req);
    let product = id.parse::<i64>().ok().and_then(|id| {
        state
            .lock()
            .products
            .get(&id)
            .map(|p| SimState::render_product(p, lang))
    });
    match product {
        Some(p) => faults.reply(200, json!({"product": p})).await,
        None => {
            faults
                .reply(404, json!({"error": "Product not found"}))
                .await
        }
    }
}

const PRESENCES: &[&str] = &["available", "not_available", "order", "service", "waiting"];

async fn edit_products(
    req: HttpRequest,
    state: Account,
    faults: web::Data<Faults>,
    body: web::Bytes,
) -> HttpResponse {
    if !authorized(&req, &state) {
        return unauthorized(&faults).await;
    }
    if !state.options.products_right {
        return faults
            .reply(403, json!({"error": PRODUCTS_FORBIDDEN}))
            .await;
    }
    let items: Vec<Value> = match serde_json::from_slice(&body) {
        Ok(Value::Array(items)) => items,
        _ => {
            return faults
                .reply(
                    400,
                    json!({"error": "The body must be a JSON array of products"}),
                )
                .await
        }
    };
    if items.len() > state.options.edit_batch_limit {
        let message = format!(
            "Too many products in one request: at most {}",
            state.options.edit_batch_limit
        );
        return faults.reply(200, json!({"error": message})).await;
    }
    let answer = apply_product_edits(&state, items);
    faults.reply(200, answer).await
}

/// Applies valid items, and names per product id what was wrong with the others.
fn apply_product_edits(state: &SimState, items: Vec<Value>) -> Value {
    let now = Utc::now();
    let mut inner = state.lock();
    inner.pushed.push(Pushed {
        endpoint: "/products/edit".into(),
        body: Value::Array(items.clone()),
        at: now,
    });
    let mut processed = Vec::new();
    let mut errors = serde_json::Map::new();
    for item in items {
        let edit: wire::ProductEdit = match serde_json::from_value(item.clone()) {
            Ok(e) => e,
            Err(e) => {
                let key = item.get("id").map(|v| v.to_string()).unwrap_or_default();
                errors.insert(key, json!({"id": format!("Invalid item: {e}")}));
                continue;
            }
        };
        let mut field_errors = serde_json::Map::new();
        if let Some(p) = edit.presence.as_deref().filter(|p| !PRESENCES.contains(p)) {
            field_errors.insert("presence".into(), json!(format!("Invalid value: {p}")));
        }
        if edit.quantity_in_stock.is_some_and(|q| q < 0) {
            field_errors.insert(
                "quantity_in_stock".into(),
                json!("Must be greater than or equal to 0"),
            );
        }
        let price = match edit
            .price
            .as_ref()
            .map(|a| crate::domain::money::parse_amount(&a.as_text()))
        {
            Some(None) => {
                field_errors.insert("price".into(), json!("Invalid value"));
                None
            }
            Some(Some(p)) if p.is_sign_negative() => {
                field_errors.insert("price".into(), json!("Must be positive"));
                None
            }
            Some(p) => p,
            None => None,
        };
        let Some(product) = inner
            .products
            .get_mut(&edit.id)
            .filter(|p| p.status != "deleted")
        else {
            errors.insert(edit.id.to_string(), json!({"id": "Product not found"}));
            continue;
        };
        if !field_errors.is_empty() {
            errors.insert(edit.id.to_string(), Value::Object(field_errors));
            continue;
        }
        if let Some(p) = edit.presence {
            product.presence = p;
        }
        if let Some(q) = edit.quantity_in_stock {
            product.quantity_in_stock = Some(q);
        }
        if let Some(p) = price {
            product.price = p;
        }
        product.modified = now;
        processed.push(edit.id);
    }
    json!({"processed_ids": processed, "errors": errors})
}

// ---- control API ------------------------------------------------------------------------------

fn control_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/_sim/seed", web::post().to(control_seed))
        .route("/_sim/orders", web::post().to(control_add_order))
        .route("/_sim/orders/raw", web::post().to(control_add_raw_order))
        .route("/_sim/orders/{id}", web::patch().to(control_patch_order))
        .route("/_sim/orders/{id}", web::get().to(control_get_order))
        .route("/_sim/products", web::get().to(control_products))
        .route("/_sim/revoke", web::post().to(control_revoke))
        .route("/_sim/restore", web::post().to(control_restore));
}

async fn control_seed(state: web::Data<SimState>, req: web::Json<SeedRequest>) -> HttpResponse {
    let ids = state.seed(req.count, req.days);
    HttpResponse::Ok().json(json!({"ids": ids}))
}

async fn control_add_order(state: web::Data<SimState>, req: web::Json<NewOrder>) -> HttpResponse {
    match state.add_order(req.into_inner()) {
        Ok(id) => HttpResponse::Created().json(json!({"id": id})),
        Err(e) => HttpResponse::BadRequest().json(json!({"error": e})),
    }
}

/// `POST /_sim/orders/raw`: stores an order as Prom's JSON, as it is. It needs a numeric `id`;
/// `date_created` and `date_modified` (RFC 3339, default now) and `status` place it in the lists.
async fn control_add_raw_order(state: web::Data<SimState>, body: web::Json<Value>) -> HttpResponse {
    let body = body.into_inner();
    let Some(id) = body.get("id").and_then(Value::as_i64) else {
        return HttpResponse::BadRequest()
            .json(json!({"error": "a raw order needs a numeric `id`"}));
    };
    let time = |key: &str| {
        body.get(key)
            .and_then(Value::as_str)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
    };
    let created = time("date_created").unwrap_or_else(Utc::now);
    let modified = time("date_modified").unwrap_or(created);
    let status = body
        .get("status")
        .and_then(Value::as_str)
        .map(str::to_string);
    state.lock().raw_orders.insert(
        id,
        RawOrder {
            created,
            modified,
            status,
            body,
        },
    );
    HttpResponse::Created().json(json!({ "id": id }))
}

async fn control_patch_order(
    state: web::Data<SimState>,
    id: web::Path<i64>,
    req: web::Json<OrderPatch>,
) -> HttpResponse {
    match state.patch(*id, req.into_inner()) {
        Ok(()) => HttpResponse::NoContent().finish(),
        Err(e) if e.starts_with("no order") => HttpResponse::NotFound().json(json!({"error": e})),
        Err(e) => HttpResponse::BadRequest().json(json!({"error": e})),
    }
}

async fn control_get_order(state: web::Data<SimState>, id: web::Path<i64>) -> HttpResponse {
    let id = *id;
    let mut inner = state.lock();
    inner.tick(Utc::now());
    let Some(o) = inner.orders.get(&id) else {
        return HttpResponse::NotFound().json(json!({"error": format!("no order {id}")}));
    };
    let pushed: Vec<&Pushed> = inner
        .pushed
        .iter()
        .filter(|p| {
            p.body.get("order_id").and_then(Value::as_i64) == Some(id)
                || p.body
                    .get("ids")
                    .and_then(Value::as_array)
                    .is_some_and(|ids| ids.iter().any(|v| v.as_i64() == Some(id)))
        })
        .collect();
    HttpResponse::Ok().json(json!({
        "order": state.render(o, Lang::Uk),
        "parcel_at_post_office": o.parcel_at_post_office,
        "cancellation_reason": o.cancellation.as_ref().map(|c| &c.reason),
        "cancellation_text": o.cancellation.as_ref().and_then(|c| c.text.as_ref()),
        "pushed": pushed,
    }))
}

async fn control_products(state: web::Data<SimState>) -> HttpResponse {
    let inner = state.lock();
    let pushed: Vec<&Pushed> = inner
        .pushed
        .iter()
        .filter(|p| p.endpoint == "/products/edit")
        .collect();
    let products: Vec<&SimProduct> = inner.products.values().collect();
    HttpResponse::Ok().json(json!({"products": products, "pushed": pushed}))
}

async fn control_revoke(state: web::Data<SimState>) -> HttpResponse {
    state.lock().revoked = true;
    HttpResponse::NoContent().finish()
}

async fn control_restore(state: web::Data<SimState>) -> HttpResponse {
    state.lock().revoked = false;
    HttpResponse::NoContent().finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_amounts_like_prom() {
        assert_eq!(
            display_amount(Decimal::new(129900, 2), '\u{a0}'),
            "1\u{a0}299"
        );
        assert_eq!(display_amount(Decimal::new(123450, 2), ' '), "1 234,50");
        assert_eq!(display_amount(Decimal::new(1234567, 0), ' '), "1 234 567");
        assert_eq!(display_amount(Decimal::new(999, 0), ' '), "999");
        for style in 0..3 {
            let text = money(Decimal::new(123450, 2), style).as_text();
            assert_eq!(
                crate::domain::money::parse_amount(&text),
                Some(Decimal::new(12345, 1)),
                "{text}"
            );
        }
    }
}
