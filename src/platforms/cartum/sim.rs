//! Cartum simulator: one shop's `POST /api/<function>/` endpoints (auth with expiring tokens,
//! `orders/get`, `orders/update`, `orders/get_available_statuses`, `catalog/export`,
//! `catalog/import`, `catalog/importResidues`) with state, the platform's rules and injectable faults.
//!
//! Control API (besides `/_sim/faults` and `/_sim/latency` of `platforms::sim`):
//! - `POST /_sim/seed` `{"count": 200, "days": 60}`: realistic orders spread over the last `days`,
//!   some already delivered or not delivered; answers `{"created": [order ids]}`;
//! - `POST /_sim/orders` `{"buyer": 17, "items": [{"product": 0, "quantity": 2}], "status": 1,
//!   "minutes_ago": 30, "delivery": "novaposhta"|"ukrposhta"|"pickup", "discount": "100",
//!   "currency": "UAH"}` (all but `items` optional): adds one order, answers it as `orders/get` would;
//! - `PATCH /_sim/orders/{id}` with any of `{"add_item": {"product": i, "quantity": q}}`,
//!   `{"set_quantity": {"line": "<article>", "quantity": q}}`, `{"remove_line": "<article>"}`,
//!   `{"tracking_number": "…"}` (a TTN made in the shop: `delivery_data.tnNumber`),
//!   `{"status": 6}`, `{"cancel": true}`; each edit moves the order's changed time;
//! - `GET /_sim/orders/{id}`: `{"order": …, "changed_at": …, "pushed": [what orderhub sent]}`;
//! - `GET /_sim/products`: the catalogue with presence and warehouse residues;
//! - `GET /_sim/stats`: `{"auth_calls", "token_rejections", "calls"}`;
//! - `POST /_sim/revoke`: tokens and the API user's password stop working; `POST /_sim/restore`.

use super::map::{DEFAULT_STATUSES, STATUS_NOT_DELIVERED};
use super::wire::{
    self, Amount, CustomerFields, DeliveryData, Envelope, Id, IdTitle, OrderProduct, StatusInfo,
    Text,
};
use crate::platforms::sim::{
    fault_routes, serve, FakeData, FakePerson, Fault, Faults, SimServer, PRODUCTS,
};
use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use rand::Rng;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Russian titles of `PRODUCTS`, for shops with two languages.
const PRODUCT_TITLES_RU: &[&str] = &[
    "Чайник электрический Philips HD9350",
    "Блендер Bosch MSM66110",
    "Наушники JBL Tune 510BT",
    "Павербанк Xiaomi 20000 mAh",
    "Сковорода Tefal Ingenio 28 см",
    "Термос Stanley Classic 1 л",
    "Рюкзак городской Xiaomi Mi Casual",
    "Фитнес-браслет Xiaomi Smart Band 8",
    "Кофеварка DeLonghi EC685",
    "Набор ножей Fissler 5 шт",
    "Увлажнитель воздуха Philips HU4803",
    "Мышь Logitech MX Master 3S",
];

pub const PRESENCE_IN_STOCK: &str = "В наявності";
pub const PRESENCE_OUT_OF_STOCK: &str = "Немає";

/// A shop-defined status.
#[derive(Clone, Debug)]
pub struct CustomStatus {
    pub id: u64,
    pub title_ua: String,
    pub title_ru: String,
    pub is_successful: bool,
}

/// How the simulated shop behaves; every ASSUMPTION of the note is a field.
#[derive(Clone, Debug)]
pub struct SimOptions {
    pub seed: u64,
    /// Cap on `limit` of `orders/get` and `catalog/export` (500 on the platform).
    pub page_size: u64,
    /// The API user (a username, not an e-mail).
    pub login: String,
    pub password: String,
    /// 600 s on the platform.
    pub token_ttl: Duration,
    /// ASSUMPTION 4: using a token does not extend it.
    pub token_extends_on_use: bool,
    /// The tariff includes the API.
    pub api_enabled: bool,
    pub currency: String,
    pub custom_statuses: Vec<CustomStatus>,
    /// ASSUMPTION 2: names of the customer fields of an order.
    pub customer_fields: CustomerFields,
    /// ASSUMPTION 9: order lines carry the title in the shop's default language as plain text;
    /// `true` writes `{"ua": …, "ru": …}` instead.
    pub order_titles_by_language: bool,
    /// `ua` or `ru`: the shop's default language.
    pub shop_language: String,
    /// With warehouse accounting `presence` cannot be imported and `quantity` is the stock.
    pub warehouse_accounting: bool,
    pub warehouses: Vec<String>,
    pub first_order_id: u64,
    /// ASSUMPTION 4: wording of the errors.
    pub bad_credentials_message: String,
    pub invalid_token_message: String,
    pub no_api_message: String,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            seed: 42,
            page_size: 500,
            login: "api_manager".into(),
            password: "cartum-secret".into(),
            token_ttl: Duration::from_secs(600),
            token_extends_on_use: false,
            api_enabled: true,
            currency: "UAH".into(),
            custom_statuses: Vec::new(),
            customer_fields: CustomerFields::default(),
            order_titles_by_language: false,
            shop_language: "ua".into(),
            warehouse_accounting: false,
            warehouses: vec!["main".into()],
            first_order_id: 10001,
            bad_credentials_message: "Incorrect login or password".into(),
            invalid_token_message: "Invalid token".into(),
            no_api_message: "API access is not available".into(),
        }
    }
}

/// An order as the shop stores it.
#[derive(Clone, Debug)]
pub struct StoredOrder {
    pub order: wire::Order,
    pub changed_at: DateTime<Utc>,
    /// Every `orders/update` line orderhub sent for this order.
    pub pushed: Vec<Value>,
}

/// A catalogue product.
#[derive(Clone, Debug, Serialize)]
pub struct SimProduct {
    pub article: String,
    pub title_ua: String,
    pub title_ru: String,
    pub price: Decimal,
    pub presence: String,
    pub residues: BTreeMap<String, i64>,
    pub category: Vec<String>,
}

struct Inner {
    orders: BTreeMap<u64, StoredOrder>,
    next_id: u64,
    /// token → expiry
    tokens: HashMap<String, Instant>,
    revoked: bool,
    products: Vec<SimProduct>,
    fake: FakeData,
    auth_calls: u64,
    token_rejections: u64,
    calls: Vec<String>,
}

/// The shop's state, shared by the endpoints and the tests.
pub struct SimState {
    pub options: SimOptions,
    inner: Mutex<Inner>,
}

/// A running simulator.
pub struct Sim {
    pub server: SimServer,
    pub state: Arc<SimState>,
    pub faults: web::Data<Faults>,
}

/// Body of `POST /_sim/orders`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewOrder {
    #[serde(default)]
    pub buyer: u64,
    pub items: Vec<NewItem>,
    #[serde(default)]
    pub status: Option<u64>,
    #[serde(default)]
    pub minutes_ago: Option<i64>,
    #[serde(default)]
    pub delivery: Option<String>,
    #[serde(default)]
    pub discount: Option<Amount>,
    #[serde(default)]
    pub currency: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewItem {
    pub product: usize,
    #[serde(default = "one")]
    pub quantity: u32,
}

fn one() -> u32 {
    1
}

#[derive(Clone, Copy)]
enum DeliveryKind {
    NovaPoshta,
    Ukrposhta,
    Pickup,
}

fn kyiv_text(t: DateTime<Utc>) -> String {
    crate::domain::time::utc_to_kyiv(t)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// The phone as different buyers type it (CUS-1 normalises all of them).
fn phone_as_typed(p: &FakePerson, style: u64) -> String {
    let d = &p.phone_digits;
    match style % 4 {
        0 => format!("+{d}"),
        1 => d.clone(),
        2 => d[2..].to_string(),
        _ => format!(
            "+38 ({}) {}-{}-{}",
            &d[2..5],
            &d[5..8],
            &d[8..10],
            &d[10..12]
        ),
    }
}

impl SimState {
    fn new(options: SimOptions) -> Self {
        let mut fake = FakeData::new(options.seed);
        let products = PRODUCTS
            .iter()
            .enumerate()
            .map(|(i, (name, sku, price, category))| {
                let stock = fake.rng().gen_range(0..20);
                let mut residues = BTreeMap::new();
                if let Some(w) = options.warehouses.first() {
                    residues.insert(w.clone(), stock);
                }
                SimProduct {
                    article: sku.to_string(),
                    title_ua: name.to_string(),
                    title_ru: PRODUCT_TITLES_RU
                        .get(i)
                        .copied()
                        .unwrap_or(name)
                        .to_string(),
                    price: price.parse().unwrap_or_default(),
                    presence: if stock > 0 {
                        PRESENCE_IN_STOCK
                    } else {
                        PRESENCE_OUT_OF_STOCK
                    }
                    .into(),
                    residues,
                    category: category.iter().map(|c| c.to_string()).collect(),
                }
            })
            .collect();
        SimState {
            inner: Mutex::new(Inner {
                orders: BTreeMap::new(),
                next_id: options.first_order_id,
                tokens: HashMap::new(),
                revoked: false,
                products,
                fake,
                auth_calls: 0,
                token_rejections: 0,
                calls: Vec::new(),
            }),
            options,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // a panicking test thread must not wedge the simulator for the others
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn statuses(&self) -> Vec<StatusInfo> {
        let mut list: Vec<StatusInfo> = DEFAULT_STATUSES
            .iter()
            .map(|(id, ua, ru, class)| StatusInfo {
                id: Id(*id),
                title: Some(Text::ByLanguage(BTreeMap::from([
                    ("ua".to_string(), Some(ua.to_string())),
                    ("ru".to_string(), Some(ru.to_string())),
                ]))),
                is_successful: Some(json!(u8::from(
                    *class == crate::domain::orders::StatusClass::Completed
                ))),
            })
            .collect();
        list.extend(self.options.custom_statuses.iter().map(|c| StatusInfo {
            id: Id(c.id),
            title: Some(Text::ByLanguage(BTreeMap::from([
                ("ua".to_string(), Some(c.title_ua.clone())),
                ("ru".to_string(), Some(c.title_ru.clone())),
            ]))),
            is_successful: Some(json!(u8::from(c.is_successful))),
        }));
        list
    }

    fn status_exists(&self, id: u64) -> bool {
        self.statuses().iter().any(|s| s.id.0 == id)
    }

    fn product_title(&self, p: &SimProduct) -> Text {
        if self.options.order_titles_by_language {
            Text::ByLanguage(BTreeMap::from([
                ("ua".to_string(), Some(p.title_ua.clone())),
                ("ru".to_string(), Some(p.title_ru.clone())),
            ]))
        } else if self.options.shop_language == "ru" {
            Text::Plain(p.title_ru.clone())
        } else {
            Text::Plain(p.title_ua.clone())
        }
    }

    fn line(&self, inner: &Inner, product: usize, quantity: u32) -> Result<OrderProduct, String> {
        let p = inner
            .products
            .get(product)
            .ok_or_else(|| format!("no product {product}"))?;
        let quantity = Decimal::from(quantity);
        Ok(OrderProduct {
            article: Some(p.article.clone()),
            title: Some(self.product_title(p)),
            price: Some(Amount(p.price)),
            quantity: Some(Amount(quantity)),
            total_price: Some(Amount(p.price * quantity)),
            kind: Some("product".into()),
            discount_marker: Some("NONE".into()),
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn build_order(
        &self,
        inner: &Inner,
        id: u64,
        buyer: u64,
        items: &[(usize, u32)],
        status: u64,
        created: DateTime<Utc>,
        delivery: DeliveryKind,
        discount: Decimal,
        ttn: Option<String>,
        currency: &str,
    ) -> Result<wire::Order, String> {
        let person = FakeData::person(buyer);
        let products = items
            .iter()
            .map(|(p, q)| self.line(inner, *p, *q))
            .collect::<Result<Vec<_>, _>>()?;
        let f = &self.options.customer_fields;
        let mut extra = Map::new();
        let full_name = format!("{} {}", person.last_name, person.first_name);
        if !f.first_name.is_empty() && !f.last_name.is_empty() {
            extra.insert(f.first_name.clone(), json!(person.first_name));
            extra.insert(f.last_name.clone(), json!(person.last_name));
        } else {
            extra.insert(f.name.clone(), json!(full_name));
        }
        extra.insert(f.phone.clone(), json!(phone_as_typed(&person, id)));
        // one buyer in seven leaves the e-mail empty
        let email = if buyer % 7 == 3 {
            String::new()
        } else if buyer % 5 == 1 {
            person.email.to_uppercase()
        } else {
            person.email.clone()
        };
        extra.insert(f.email.clone(), json!(email));
        extra.insert(f.city.clone(), json!(person.city));
        let (delivery_type, address, price, data) = match delivery {
            DeliveryKind::NovaPoshta => (
                (3, "Нова Пошта"),
                format!("Відділення №{}", person.branch),
                Decimal::NEGATIVE_ONE,
                Some(DeliveryData {
                    delivery_operator_type: Some("novaposhta".into()),
                    tn_number: ttn.clone().map(Value::String),
                    tn_id: None,
                    tn_status_name: ttn.as_ref().map(|_| "Відправлення у місті".into()),
                    tn_tracking_update_date: ttn.as_ref().map(|_| kyiv_text(created)),
                    estimated_delivery_date: None,
                    own_ttn_picked: Some(false),
                    departure: None,
                    destination: None,
                }),
            ),
            DeliveryKind::Ukrposhta => (
                (5, "Укрпошта"),
                format!("вул. Шевченка, {}", person.branch),
                Decimal::from(70),
                None,
            ),
            DeliveryKind::Pickup => ((1, "Самовивіз"), String::new(), Decimal::ZERO, None),
        };
        extra.insert(f.address.clone(), json!(address));
        extra.insert(f.comment.clone(), json!(""));
        let mut order = wire::Order {
            order_id: Id(id),
            stat_status: Id(status),
            stat_created: kyiv_text(created),
            currency: Some(currency.to_string()),
            discount_value: Some(Amount(discount)),
            delivery_price: Some(Amount(price)),
            payed: Some(json!(u8::from(status == 3))),
            payment_type: Some(IdTitle {
                id: Some(json!(13)),
                title: Some(Text::Plain("Накладений платіж".into())),
            }),
            delivery_type: Some(IdTitle {
                id: Some(json!(delivery_type.0)),
                title: Some(Text::Plain(delivery_type.1.into())),
            }),
            delivery_data: data,
            products,
            analytics: Some(json!({
                "utm_source": "google", "utm_medium": "cpc", "utm_campaign": 21000000000u64 + id,
                "utm_term": "", "utm_content": "", "google_client_id": format!("GA1.2.{id}.{buyer}")
            })),
            user: Some(json!(40000 + id)),
            extra,
            ..Default::default()
        };
        recompute_totals(&mut order);
        Ok(order)
    }

    /// Adds `count` orders created over the last `days`; older ones are more often final.
    pub fn seed(&self, count: u64, days: u64) -> Vec<u64> {
        let mut inner = self.lock();
        let now = Utc::now();
        let mut plans = Vec::new();
        for _ in 0..count {
            let ago = inner.fake.seconds_ago(days.max(1));
            let buyer = inner.fake.rng().gen_range(0..400);
            let basket = inner.fake.basket();
            let roll = inner.fake.rng().gen_range(0..100);
            let status = match roll {
                0..=24 => 1,
                25..=44 => 2,
                45..=59 => 6,
                60..=87 => 3,
                _ => 4,
            };
            let delivery = match inner.fake.rng().gen_range(0..10) {
                0..=6 => DeliveryKind::NovaPoshta,
                7..=8 => DeliveryKind::Ukrposhta,
                _ => DeliveryKind::Pickup,
            };
            let ttn = (matches!(status, 3 | 6) && matches!(delivery, DeliveryKind::NovaPoshta))
                .then(|| inner.fake.ttn());
            let with_discount = inner.fake.rng().gen_bool(0.15);
            plans.push((ago, buyer, basket, status, delivery, ttn, with_discount));
        }
        // numbers grow with creation time, as in a real shop
        plans.sort_by_key(|p| std::cmp::Reverse(p.0));
        let mut created_ids = Vec::new();
        for (ago, buyer, basket, status, delivery, ttn, with_discount) in plans {
            let id = inner.next_id;
            let created = now - chrono::Duration::seconds(ago);
            let goods: Decimal = basket
                .iter()
                .map(|(p, q)| FakeData::price(*p) * Decimal::from(*q))
                .sum();
            let discount = if with_discount {
                (goods * Decimal::new(5, 2)).round()
            } else {
                Decimal::ZERO
            };
            let currency = self.options.currency.clone();
            if let Ok(order) = self.build_order(
                &inner, id, buyer, &basket, status, created, delivery, discount, ttn, &currency,
            ) {
                inner.next_id += 1;
                inner.orders.insert(
                    id,
                    StoredOrder {
                        order,
                        changed_at: created,
                        pushed: Vec::new(),
                    },
                );
                created_ids.push(id);
            }
        }
        created_ids
    }

    /// Adds one order (`POST /_sim/orders`).
    pub fn add_order(&self, spec: &NewOrder) -> Result<wire::Order, String> {
        if spec.items.is_empty() {
            return Err("an order needs at least one item".into());
        }
        let status = spec.status.unwrap_or(1);
        if !self.status_exists(status) {
            return Err(format!("unknown status {status}"));
        }
        let delivery = match spec.delivery.as_deref() {
            None | Some("novaposhta") => DeliveryKind::NovaPoshta,
            Some("ukrposhta") => DeliveryKind::Ukrposhta,
            Some("pickup") => DeliveryKind::Pickup,
            Some(other) => return Err(format!("unknown delivery `{other}`")),
        };
        let mut inner = self.lock();
        let id = inner.next_id;
        let created = Utc::now() - chrono::Duration::minutes(spec.minutes_ago.unwrap_or(0));
        let items: Vec<(usize, u32)> = spec.items.iter().map(|i| (i.product, i.quantity)).collect();
        let currency = spec
            .currency
            .clone()
            .unwrap_or_else(|| self.options.currency.clone());
        let order = self.build_order(
            &inner,
            id,
            spec.buyer,
            &items,
            status,
            created,
            delivery,
            spec.discount.map(|a| a.0).unwrap_or_default(),
            None,
            &currency,
        )?;
        inner.next_id += 1;
        inner.orders.insert(
            id,
            StoredOrder {
                order: order.clone(),
                changed_at: Utc::now(),
                pushed: Vec::new(),
            },
        );
        Ok(order)
    }

    /// A buyer places a new order right now (the demo's live traffic).
    pub fn add_live_order(&self) -> Result<wire::Order, String> {
        let (buyer, basket) = {
            let mut inner = self.lock();
            let buyer = inner.fake.rng().gen_range(0..400);
            (buyer, inner.fake.basket())
        };
        self.add_order(&NewOrder {
            buyer,
            items: basket
                .into_iter()
                .map(|(product, quantity)| NewItem { product, quantity })
                .collect(),
            ..Default::default()
        })
    }

    /// Applies a `PATCH /_sim/orders/{id}` body: edits made in the shop's admin.
    pub fn edit_order(&self, id: u64, patch: &Value) -> Result<wire::Order, String> {
        let obj = patch
            .as_object()
            .ok_or_else(|| "the patch must be a JSON object".to_string())?;
        let mut inner = self.lock();
        let mut order = inner
            .orders
            .get(&id)
            .ok_or_else(|| format!("no order {id}"))?
            .order
            .clone();
        for (key, value) in obj {
            match key.as_str() {
                "add_item" => {
                    let item: NewItem =
                        serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
                    let line = self.line(&inner, item.product, item.quantity)?;
                    match order
                        .products
                        .iter_mut()
                        .find(|l| l.article == line.article)
                    {
                        Some(existing) => {
                            let q = existing.quantity.map(|a| a.0).unwrap_or_default()
                                + Decimal::from(item.quantity);
                            existing.quantity = Some(Amount(q));
                        }
                        None => order.products.push(line),
                    }
                }
                "set_quantity" => {
                    let article = value
                        .get("line")
                        .and_then(Value::as_str)
                        .ok_or("set_quantity needs `line` (the article)")?;
                    let quantity = value
                        .get("quantity")
                        .and_then(Value::as_u64)
                        .ok_or("set_quantity needs a whole `quantity`")?;
                    let line = order
                        .products
                        .iter_mut()
                        .find(|l| l.article.as_deref() == Some(article))
                        .ok_or_else(|| format!("no line {article}"))?;
                    line.quantity = Some(Amount(Decimal::from(quantity)));
                    if quantity == 0 {
                        order
                            .products
                            .retain(|l| l.article.as_deref() != Some(article));
                    }
                }
                "remove_line" => {
                    let article = value.as_str().ok_or("remove_line takes the article")?;
                    let before = order.products.len();
                    order
                        .products
                        .retain(|l| l.article.as_deref() != Some(article));
                    if order.products.len() == before {
                        return Err(format!("no line {article}"));
                    }
                }
                "tracking_number" => {
                    let number = value
                        .as_str()
                        .ok_or("tracking_number takes a string")?
                        .to_string();
                    let data = order.delivery_data.get_or_insert_with(|| DeliveryData {
                        delivery_operator_type: Some("novaposhta".into()),
                        own_ttn_picked: Some(false),
                        ..Default::default()
                    });
                    data.tn_number = Some(Value::String(number));
                    data.tn_status_name = Some("Відправлення у місті".into());
                    data.tn_tracking_update_date = Some(kyiv_text(Utc::now()));
                }
                "status" => {
                    let status = value
                        .as_u64()
                        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
                        .ok_or("status takes a status id")?;
                    if !self.status_exists(status) {
                        return Err(format!("unknown status {status}"));
                    }
                    order.stat_status = Id(status);
                }
                "cancel" => {
                    if value.as_bool() == Some(true) {
                        order.stat_status = Id(STATUS_NOT_DELIVERED);
                    }
                }
                other => return Err(format!("unknown edit `{other}`")),
            }
        }
        recompute_totals(&mut order);
        let stored = inner
            .orders
            .get_mut(&id)
            .ok_or_else(|| format!("no order {id}"))?;
        stored.order = order.clone();
        stored.changed_at = Utc::now();
        Ok(order)
    }

    pub fn stored_order(&self, id: u64) -> Option<StoredOrder> {
        self.lock().orders.get(&id).cloned()
    }

    pub fn order_ids(&self) -> Vec<u64> {
        self.lock().orders.keys().copied().collect()
    }

    pub fn orders(&self) -> Vec<wire::Order> {
        self.lock()
            .orders
            .values()
            .map(|s| s.order.clone())
            .collect()
    }

    pub fn product(&self, article: &str) -> Option<SimProduct> {
        self.lock()
            .products
            .iter()
            .find(|p| p.article == article)
            .cloned()
    }

    pub fn products(&self) -> Vec<SimProduct> {
        self.lock().products.clone()
    }

    /// Tokens and the API user's password stop working (the owner changed it).
    pub fn revoke(&self) {
        let mut inner = self.lock();
        inner.revoked = true;
        inner.tokens.clear();
    }

    pub fn restore(&self) {
        self.lock().revoked = false;
    }

    pub fn auth_calls(&self) -> u64 {
        self.lock().auth_calls
    }

    pub fn token_rejections(&self) -> u64 {
        self.lock().token_rejections
    }

    /// Functions called so far, in order.
    pub fn calls(&self) -> Vec<String> {
        self.lock().calls.clone()
    }

    // ---- platform functions -------------------------------------------------------------

    fn error(message: &str) -> Envelope {
        Envelope::new(wire::STATUS_ERROR, json!({ "message": message }))
    }

    fn http_error(message: String) -> Envelope {
        Envelope::new(
            wire::STATUS_HTTP_ERROR,
            json!({ "code": 400, "message": message }),
        )
    }

    /// Answers one call of `/api/<function>/`.
    pub fn call(&self, function: &str, body: &[u8]) -> Envelope {
        let body: Value = match serde_json::from_slice(body) {
            Ok(v @ Value::Object(_)) => v,
            _ => {
                return Self::http_error(
                    "Request body is not valid JSON (UTF-8 without BOM expected)".into(),
                )
            }
        };
        {
            let mut inner = self.lock();
            // a long demo run keeps the recent calls only
            if inner.calls.len() >= 10_000 {
                inner.calls.drain(..5_000);
            }
            inner.calls.push(function.to_string());
        }
        if !self.options.api_enabled {
            return Self::error(&self.options.no_api_message);
        }
        const FUNCTIONS: &[&str] = &[
            "orders/get",
            "orders/update",
            "orders/get_available_statuses",
            "catalog/export",
            "catalog/import",
            "catalog/importResidues",
        ];
        if function == "auth" {
            return self.auth(&body);
        }
        if !FUNCTIONS.contains(&function) {
            return Envelope::new(wire::STATUS_UNDEFINED_FUNCTION, json!([]));
        }
        if !self.token_valid(body.get("token").and_then(Value::as_str)) {
            self.lock().token_rejections += 1;
            return Self::error(&self.options.invalid_token_message);
        }
        match function {
            "orders/get" => self.orders_get(&body),
            "orders/update" => self.orders_update(&body),
            "orders/get_available_statuses" => {
                Envelope::new(wire::STATUS_OK, json!({ "statuses": self.statuses() }))
            }
            "catalog/export" => self.catalog_export(&body),
            "catalog/import" => self.catalog_import(&body),
            _ => self.import_residues(&body),
        }
    }

    fn auth(&self, body: &Value) -> Envelope {
        let mut inner = self.lock();
        inner.auth_calls += 1;
        let login = body.get("login").and_then(Value::as_str).unwrap_or("");
        let password = body.get("password").and_then(Value::as_str).unwrap_or("");
        if inner.revoked || login != self.options.login || password != self.options.password {
            return Self::error(&self.options.bad_credentials_message);
        }
        let token = format!("{:032x}", rand::random::<u128>());
        inner
            .tokens
            .insert(token.clone(), Instant::now() + self.options.token_ttl);
        Envelope::new(wire::STATUS_OK, json!({ "token": token }))
    }

    fn token_valid(&self, token: Option<&str>) -> bool {
        let Some(token) = token else { return false };
        let mut inner = self.lock();
        if inner.revoked {
            return false;
        }
        let now = Instant::now();
        match inner.tokens.get(token).copied() {
            Some(expires) if expires > now => {
                if self.options.token_extends_on_use {
                    inner
                        .tokens
                        .insert(token.to_string(), now + self.options.token_ttl);
                }
                true
            }
            Some(_) => {
                inner.tokens.remove(token);
                false
            }
            None => false,
        }
    }

    fn limit(&self, asked: Option<u64>) -> u64 {
        asked
            .unwrap_or(self.options.page_size)
            .min(self.options.page_size)
    }

    fn orders_get(&self, body: &Value) -> Envelope {
        let req: wire::OrdersGetRequest = match serde_json::from_value(body.clone()) {
            Ok(r) => r,
            Err(e) => return Self::http_error(format!("Invalid parameters: {e}")),
        };
        let from = match req.from.as_deref().map(|s| filter_time(s, false)) {
            Some(None) => return Self::error("Invalid date format in `from`"),
            other => other.flatten(),
        };
        let to = match req.to.as_deref().map(|s| filter_time(s, true)) {
            Some(None) => return Self::error("Invalid date format in `to`"),
            other => other.flatten(),
        };
        let statuses = req.status.as_ref().map(wire::StatusFilter::ids);
        let ids: Option<Vec<u64>> = req.ids.as_ref().map(|v| v.iter().map(|i| i.0).collect());
        let offset = req.offset.unwrap_or(0) as usize;
        let limit = self.limit(req.limit) as usize;
        let inner = self.lock();
        let page: Vec<wire::Order> = inner
            .orders
            .values()
            .map(|s| &s.order)
            .filter(|o| ids.as_ref().is_none_or(|ids| ids.contains(&o.order_id.0)))
            .filter(|o| {
                statuses
                    .as_ref()
                    .is_none_or(|s| s.contains(&o.stat_status.0))
            })
            .filter(|o| {
                let created = NaiveDateTime::parse_from_str(&o.stat_created, "%Y-%m-%d %H:%M:%S")
                    .unwrap_or_default();
                from.is_none_or(|f| created >= f) && to.is_none_or(|t| created <= t)
            })
            .skip(offset)
            .take(limit)
            .cloned()
            .collect();
        if page.is_empty() {
            return Envelope::new(wire::STATUS_EMPTY, json!([]));
        }
        Envelope::new(wire::STATUS_OK, json!({ "orders": page }))
    }

    fn orders_update(&self, body: &Value) -> Envelope {
        let req: wire::OrdersUpdateRequest = match serde_json::from_value(body.clone()) {
            Ok(r) => r,
            Err(e) => return Self::http_error(format!("Invalid parameters: {e}")),
        };
        if req.orders.is_empty() {
            return Self::error("No orders to update");
        }
        let statuses: Vec<u64> = self.statuses().iter().map(|s| s.id.0).collect();
        let mut inner = self.lock();
        let mut log = Vec::new();
        for update in &req.orders {
            let entry = |code: i64, message: &str| wire::UpdateLogEntry {
                order_id: update.order_id,
                code,
                message: message.into(),
            };
            let Some(stored) = inner.orders.get_mut(&update.order_id.0) else {
                log.push(entry(1, "Order not found"));
                continue;
            };
            stored
                .pushed
                .push(serde_json::to_value(update).unwrap_or_default());
            if stored.order.stat_status.0 == STATUS_NOT_DELIVERED {
                log.push(entry(3, "Order is cancelled and cannot be edited"));
                continue;
            }
            if let Some(status) = update.status {
                if !statuses.contains(&status.0) {
                    log.push(entry(2, &format!("Unknown status {}", status.0)));
                    continue;
                }
                // status 4 through the API leaves the goods written off: stock is not touched
                stored.order.stat_status = status;
            }
            if let Some(code) = &update.tracking_code {
                stored.order.tracking_code = Some(code.clone());
            }
            if let Some(payed) = update.payed {
                stored.order.payed = Some(json!(payed));
            }
            stored.changed_at = Utc::now();
            log.push(entry(0, "UPDATED"));
        }
        let all_ok = log.iter().all(|e| e.code == 0);
        Envelope {
            status: if all_ok {
                wire::STATUS_OK
            } else {
                wire::STATUS_WARNING
            }
            .into(),
            response: json!({ "log": log }),
            message: all_ok.then(|| json!("UPDATED")),
        }
    }

    fn product_json(&self, p: &SimProduct) -> Value {
        let quantity: i64 = if self.options.warehouse_accounting {
            p.residues.values().sum()
        } else {
            0
        };
        json!({
            "article": p.article,
            "parent_article": Value::Null,
            "title": {"ua": p.title_ua, "ru": p.title_ru},
            "description": {"ua": format!("<p>{}</p>", p.title_ua), "ru": format!("<p>{}</p>", p.title_ru)},
            "price": Amount(p.price),
            "price_old": Amount(p.price),
            "currency": self.options.currency,
            "presence": p.presence,
            "quantity": quantity,
            "display_in_showcase": 1,
            "parent": {"id": 1, "value": p.category.last().cloned().unwrap_or_default()},
            "link": format!("/{}/", p.article.to_lowercase()),
            "images": [format!("/content/images/{}.jpg", p.article.to_lowercase())],
        })
    }

    fn catalog_export(&self, body: &Value) -> Envelope {
        let req: wire::CatalogExportRequest = match serde_json::from_value(body.clone()) {
            Ok(r) => r,
            Err(e) => return Self::http_error(format!("Invalid parameters: {e}")),
        };
        let offset = req.offset.unwrap_or(0) as usize;
        let limit = self.limit(req.limit) as usize;
        let inner = self.lock();
        let products: Vec<Value> = inner
            .products
            .iter()
            .skip(offset)
            .take(limit)
            .map(|p| {
                let mut full = self.product_json(p);
                if let (Some(keep), Some(obj)) = (&req.included_params, full.as_object_mut()) {
                    obj.retain(|k, _| keep.iter().any(|w| w == k));
                }
                full
            })
            .collect();
        if products.is_empty() {
            return Envelope::new(wire::STATUS_EMPTY, json!([]));
        }
        Envelope::new(wire::STATUS_OK, json!({ "products": products }))
    }

    fn catalog_import(&self, body: &Value) -> Envelope {
        let Some(rows) = body.get("products").and_then(Value::as_array) else {
            return Self::error("No products to import");
        };
        const KNOWN: &[&str] = &[
            "article",
            "title",
            "price",
            "price_old",
            "presence",
            "quantity",
            "display_in_showcase",
            "parent_article",
            "currency",
        ];
        let mut inner = self.lock();
        let mut log = Vec::new();
        for row in rows {
            let article = row
                .get("article")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let mut info = Vec::new();
            if article.is_empty() {
                log.push(wire::ImportLogEntry {
                    article,
                    info: vec![wire::ImportInfo {
                        code: 1,
                        message: "Article is required".into(),
                    }],
                });
                continue;
            }
            let title = row
                .get("title")
                .and_then(|t| serde_json::from_value::<Text>(t.clone()).ok());
            let index = match inner.products.iter().position(|p| p.article == article) {
                Some(i) => i,
                None => {
                    let Some(title) = title.as_ref() else {
                        log.push(wire::ImportLogEntry {
                            article,
                            info: vec![wire::ImportInfo {
                                code: 6,
                                message: "Title is required for a new product".into(),
                            }],
                        });
                        continue;
                    };
                    inner.products.push(SimProduct {
                        article: article.clone(),
                        title_ua: title.pick(Some("ua")).unwrap_or_default(),
                        title_ru: title.pick(Some("ru")).unwrap_or_default(),
                        price: Decimal::ZERO,
                        presence: PRESENCE_OUT_OF_STOCK.into(),
                        residues: BTreeMap::new(),
                        category: Vec::new(),
                    });
                    inner.products.len() - 1
                }
            };
            let product = &mut inner.products[index];
            if let Some(obj) = row.as_object() {
                for (key, value) in obj {
                    match key.as_str() {
                        "presence" if self.options.warehouse_accounting => {
                            info.push(wire::ImportInfo {
                                code: 11,
                                message: "Field presence is not available: warehouse stock accounting is on".into(),
                            })
                        }
                        "presence" => match value.as_str() {
                            Some(p) => product.presence = p.to_string(),
                            None => info.push(wire::ImportInfo {
                                code: 11,
                                message: "Field presence must be text".into(),
                            }),
                        },
                        "price" => match serde_json::from_value::<Amount>(value.clone()) {
                            Ok(a) => product.price = a.0,
                            Err(_) => info.push(wire::ImportInfo {
                                code: 11,
                                message: "Field price must be a number".into(),
                            }),
                        },
                        "title" => {
                            if let Some(t) = &title {
                                product.title_ua =
                                    t.pick(Some("ua")).unwrap_or(product.title_ua.clone());
                                product.title_ru =
                                    t.pick(Some("ru")).unwrap_or(product.title_ru.clone());
                            }
                        }
                        // quantity is silently ignored here (measured on the platform)
                        k if KNOWN.contains(&k) => {}
                        k => info.push(wire::ImportInfo {
                            code: 11,
                            message: format!("Field {k} is not in the catalog template"),
                        }),
                    }
                }
            }
            if info.is_empty() {
                info.push(wire::ImportInfo {
                    code: 0,
                    message: "Product updated".into(),
                });
            }
            log.push(wire::ImportLogEntry { article, info });
        }
        import_answer(log)
    }

    fn import_residues(&self, body: &Value) -> Envelope {
        let Some(rows) = body.get("products").and_then(Value::as_array) else {
            return Self::error("No products to import");
        };
        let mut inner = self.lock();
        let mut log = Vec::new();
        for row in rows {
            let article = row
                .get("article")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let fail = |code: i64, message: &str| wire::ImportLogEntry {
                article: article.clone(),
                info: vec![wire::ImportInfo {
                    code,
                    message: message.into(),
                }],
            };
            let Ok(r) = serde_json::from_value::<wire::ResidueRow>(row.clone()) else {
                log.push(fail(
                    3,
                    "article, warehouse and a whole quantity are required",
                ));
                continue;
            };
            if r.quantity < 0 {
                log.push(fail(3, "Quantity must not be negative"));
                continue;
            }
            if !self.options.warehouses.contains(&r.warehouse) {
                log.push(fail(2, &format!("Warehouse {} not found", r.warehouse)));
                continue;
            }
            let Some(product) = inner.products.iter_mut().find(|p| p.article == r.article) else {
                log.push(fail(1, "Product not found"));
                continue;
            };
            product.residues.insert(r.warehouse.clone(), r.quantity);
            let total: i64 = product.residues.values().sum();
            product.presence = if total > 0 {
                PRESENCE_IN_STOCK
            } else {
                PRESENCE_OUT_OF_STOCK
            }
            .into();
            log.push(wire::ImportLogEntry {
                article: r.article,
                info: vec![wire::ImportInfo {
                    code: 0,
                    message: "Residues updated".into(),
                }],
            });
        }
        import_answer(log)
    }
}

fn import_answer(log: Vec<wire::ImportLogEntry>) -> Envelope {
    let all_ok = log.iter().all(|e| {
        e.info
            .iter()
            .all(|i| wire::IMPORT_CODES_OK.contains(&i.code))
    });
    Envelope::new(
        if all_ok {
            wire::STATUS_OK
        } else {
            wire::STATUS_WARNING
        },
        json!({ "log": log }),
    )
}

/// Line totals, units and the goods total after an edit.
fn recompute_totals(order: &mut wire::Order) {
    let mut total = Decimal::ZERO;
    let mut units = Decimal::ZERO;
    for line in &mut order.products {
        let q = line.quantity.map(|a| a.0).unwrap_or_default();
        let p = line.price.map(|a| a.0).unwrap_or_default();
        line.total_price = Some(Amount(p * q));
        total += p * q;
        units += q;
    }
    let discount = order.discount_value.map(|a| a.0).unwrap_or_default();
    order.total_default = Some(Amount(total));
    order.total_sum = Some(Amount((total - discount).max(Decimal::ZERO)));
    order.total_quantity = Some(Amount(units));
}

/// `from`/`to` of `orders/get`: `YYYY-MM-DD` or `DD.MM.YYYY`, optionally with `HH:mm:ss`; a date
/// alone means the start of the day for `from` and its end for `to` (both inclusive).
fn filter_time(s: &str, end_of_day: bool) -> Option<NaiveDateTime> {
    let s = s.trim();
    for f in ["%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(t);
        }
    }
    for f in ["%Y-%m-%d", "%d.%m.%Y"] {
        if let Ok(d) = chrono::NaiveDate::parse_from_str(s, f) {
            return d.and_hms_opt(
                if end_of_day { 23 } else { 0 },
                if end_of_day { 59 } else { 0 },
                if end_of_day { 59 } else { 0 },
            );
        }
    }
    None
}

// ---- HTTP -----------------------------------------------------------------------------------

async fn api(
    state: web::Data<SimState>,
    faults: web::Data<Faults>,
    function: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let function = function.into_inner();
    let envelope = state.call(function.trim_matches('/'), &body);
    faults
        .reply(200, serde_json::to_value(envelope).unwrap_or_default())
        .await
}

#[derive(Deserialize)]
struct SeedRequest {
    #[serde(default = "default_count")]
    count: u64,
    #[serde(default = "default_days")]
    days: u64,
}

fn default_count() -> u64 {
    50
}
fn default_days() -> u64 {
    60
}

async fn control_seed(state: web::Data<SimState>, req: web::Json<SeedRequest>) -> HttpResponse {
    let created = state.seed(req.count, req.days);
    HttpResponse::Ok().json(json!({ "created": created }))
}

async fn control_add(state: web::Data<SimState>, req: web::Json<NewOrder>) -> HttpResponse {
    match state.add_order(&req) {
        Ok(order) => HttpResponse::Created().json(order),
        Err(e) => HttpResponse::BadRequest().json(json!({ "error": e })),
    }
}

async fn control_edit(
    state: web::Data<SimState>,
    id: web::Path<u64>,
    req: web::Json<Value>,
) -> HttpResponse {
    match state.edit_order(*id, &req) {
        Ok(order) => HttpResponse::Ok().json(order),
        Err(e) if e.starts_with("no order") => HttpResponse::NotFound().json(json!({ "error": e })),
        Err(e) => HttpResponse::BadRequest().json(json!({ "error": e })),
    }
}

async fn control_get(state: web::Data<SimState>, id: web::Path<u64>) -> HttpResponse {
    match state.stored_order(*id) {
        Some(s) => HttpResponse::Ok().json(json!({
            "order": s.order,
            "changed_at": s.changed_at.to_rfc3339(),
            "pushed": s.pushed,
        })),
        None => HttpResponse::NotFound().json(json!({ "error": format!("no order {id}") })),
    }
}

async fn control_products(state: web::Data<SimState>) -> HttpResponse {
    HttpResponse::Ok().json(state.products())
}

async fn control_stats(state: web::Data<SimState>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "auth_calls": state.auth_calls(),
        "token_rejections": state.token_rejections(),
        "calls": state.calls(),
    }))
}

async fn control_revoke(state: web::Data<SimState>) -> HttpResponse {
    state.revoke();
    HttpResponse::NoContent().finish()
}

async fn control_restore(state: web::Data<SimState>) -> HttpResponse {
    state.restore();
    HttpResponse::NoContent().finish()
}

/// Starts the simulator on `127.0.0.1:port` (0 = a free port).
pub fn start(port: u16, options: SimOptions) -> std::io::Result<Sim> {
    let state = Arc::new(SimState::new(options));
    let faults = web::Data::new(Faults::default());
    let data = web::Data::from(state.clone());
    let faults_data = faults.clone();
    let server = serve(port, move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(data.clone())
            .app_data(faults_data.clone())
            .configure(fault_routes)
            .route("/_sim/seed", web::post().to(control_seed))
            .route("/_sim/orders", web::post().to(control_add))
            .route("/_sim/orders/{id}", web::patch().to(control_edit))
            .route("/_sim/orders/{id}", web::get().to(control_get))
            .route("/_sim/products", web::get().to(control_products))
            .route("/_sim/stats", web::get().to(control_stats))
            .route("/_sim/revoke", web::post().to(control_revoke))
            .route("/_sim/restore", web::post().to(control_restore))
            // every function is a POST; `orders/update` is also sent with PUT by a tested client
            .route("/api/{function:.*}", web::post().to(api))
            .route("/api/{function:.*}", web::put().to(api));
    })?;
    Ok(Sim {
        server,
        state,
        faults,
    })
}

impl Sim {
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    pub fn seed(&self, count: u64, days: u64) -> Vec<u64> {
        self.state.seed(count, days)
    }

    pub fn add_order(&self, spec: &NewOrder) -> Result<wire::Order, String> {
        self.state.add_order(spec)
    }

    pub fn edit_order(&self, id: u64, patch: Value) -> Result<wire::Order, String> {
        self.state.edit_order(id, &patch)
    }

    pub fn order(&self, id: u64) -> Option<wire::Order> {
        self.state.stored_order(id).map(|s| s.order)
    }

    pub fn pushed(&self, id: u64) -> Vec<Value> {
        self.state
            .stored_order(id)
            .map(|s| s.pushed)
            .unwrap_or_default()
    }

    pub fn inject(&self, fault: Fault, count: u64) {
        self.faults.inject(fault, count);
    }

    pub fn revoke(&self) {
        self.state.revoke();
    }

    pub fn restore(&self) {
        self.state.restore();
    }

    /// Adds a new order every `every` until the returned task is aborted.
    pub fn spawn_live_orders(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let state = self.state.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tick.tick().await;
                if let Err(e) = state.add_live_order() {
                    tracing::warn!(error = %e, "Cartum simulator could not add a live order");
                }
            }
        })
    }

    pub async fn stop(&self) {
        self.server.stop().await;
    }
}

/// `orderhub simulate cartum`: a shop with 200 orders of the last two months until Ctrl-C.
pub async fn run_standalone(port: u16) -> std::io::Result<()> {
    let options = SimOptions::default();
    let (login, password) = (options.login.clone(), options.password.clone());
    let sim = start(port, options)?;
    let created = sim.seed(200, 60);
    println!(
        "Cartum simulator on {} with {} orders; API user `{login}`, password `{password}`",
        sim.base_url(),
        created.len()
    );
    let live = sim.spawn_live_orders(Duration::from_secs(60));
    tokio::signal::ctrl_c().await?;
    live.abort();
    sim.stop().await;
    Ok(())
}
