//! Epicentr simulator: the platform's endpoints with state, rules and faults. Epicentr has no test
//! environment, so this is the only safe target for the client.
//!
//! Platform endpoints (Bearer token; every answer goes through `sim::Faults`):
//! - `GET /v3/oms/orders` (also `/v4`): `limit` 1..=100 (else 400), `sort[]` `-createdAt`|`createdAt`,
//!   `cursor`, repeatable `filter[statusCode][]`, `filter[number]`; summaries without settlement/office;
//! - `GET /v5/oms/orders/{uuid}`: the detail; contacts `null` while `new` (ASSUMPTION 2);
//! - `GET /v2/oms/orders/{uuid}/allowed-statuses`, `POST /v2/oms/orders/{uuid}/change-status/to/{code}`
//!   (graph of the note §4 as data; `sent` only with a TTN; cancellations need a known `reason_code`);
//! - `PATCH /v1/oms/orders/{uuid}/shipment-number` `{"number"}`: only in `confirmed`; Nova Poshta numbers
//!   must be 14 digits, and a number registered for another recipient is refused (TRK-3);
//! - `GET /v2/oms/order-cancel-reasons/customer`, `GET /v2/pim/products`, `POST /v1/offers`,
//!   `GET /v1/offers/update-results/{requestId}`; unknown routes: 404 `{"message":"No route configured"}`.
//!
//! Control API (no token):
//! - `POST /_sim/seed` `{"count": 200, "days": 90}` → `{"created": [uuid…]}`;
//! - `POST /_sim/orders` `{"buyer": 5, "items": [{"product": 0, "quantity": 2}], "status": "new",
//!   "provider": "nova_poshta", "recipient": 9, "created_secs_ago": 3600}` (all but `items` optional;
//!   `buyer`/`recipient` index `FakeData::person`, `product` indexes `PRODUCTS`) → the stored order;
//! - `PATCH /_sim/orders/{uuid or number}` with any of `{"add_item": {"product": i, "quantity": q}}`,
//!   `{"set_quantity": {"line": "<offerId>", "quantity": q}}`, `{"remove_line": "<offerId>"}`,
//!   `{"tracking_number": "…"}`, `{"status": "…"}`, `{"cancel": true}` — each bumps `updatedAt`;
//! - `GET /_sim/orders/{uuid or number}` → `{"order", "changedAt", "pushed": [status changes and
//!   shipment numbers orderhub sent]}`;
//! - `POST /_sim/ttns` `{"number": "20451450921650", "phone": "380631234567", "last_name": "Шевчук"}`
//!   says whose parcel a Nova Poshta TTN is (phone compared on its last 9 digits, else last name);
//!   unregistered numbers are accepted unless `require_registered_ttn`;
//! - `GET /_sim/offers` → `{"pushed": [offer updates received], "listings": [products]}`;
//! - `POST /_sim/revoke` (the token stops working: 401 `{"message": …}`), `POST /_sim/restore`;
//! - `/_sim/faults`, `/_sim/latency` from `sim::fault_routes`.

use super::wire;
use crate::platforms::sim::{fault_routes, serve, FakeData, Fault, Faults, SimServer, PRODUCTS};
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use chrono::{DateTime, Duration as ChronoDuration, SecondsFormat, Utc};
use rand::Rng;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const MSG_UNAUTHORIZED: &str = "Invalid or revoked API token";
pub const MSG_NOT_FOUND: &str = "entity.not_found";
pub const MSG_NO_ROUTE: &str = "No route configured";
pub const MSG_TTN_STATE: &str =
    "Shipment number can be set only for orders in status \"confirmed\"";
pub const MSG_TTN_RECIPIENT: &str = "Recipient of the waybill does not match the order";
pub const MSG_TTN_FORMAT: &str = "Invalid Nova Poshta waybill number";
pub const MSG_TTN_UNKNOWN: &str = "Waybill not found";
pub const MSG_TTN_EMPTY: &str = "Shipment number is required";
pub const MSG_REASON_REQUIRED: &str = "Cancel reason is required";
pub const MSG_LIMIT: &str = "limit must be between 1 and 100";

pub fn msg_transition(from: &str, to: &str) -> String {
    format!("Status \"{to}\" is not allowed for the order in status \"{from}\"")
}

pub fn msg_unknown_reason(code: &str) -> String {
    format!("Unknown cancel reason \"{code}\"")
}

/// Ukrainian labels of the status codes (note §4).
pub fn status_title(code: &str) -> &'static str {
    super::status_label(code).unwrap_or("")
}

/// Every ASSUMPTION of the note as data, with the note's defaults.
#[derive(Clone, Debug)]
pub struct SimOptions {
    pub seed: u64,
    /// Page size when the request has no `limit`.
    pub page_size: u32,
    /// Largest `limit` accepted (the note: 100).
    pub max_limit: u32,
    /// The API token the simulator accepts.
    pub token: String,
    /// ASSUMPTION 2: names, phone and e-mail are `null` while the order is `new`.
    pub hide_contacts_while_new: bool,
    /// The list holds summaries: no `settlement`/`office` (those come with the detail).
    pub list_omits_delivery: bool,
    /// ASSUMPTION 1: orders carry `updatedAt`.
    pub send_updated_at: bool,
    /// ASSUMPTION 7: HTTP status of business refusals.
    pub refusal_status: u16,
    /// HTTP status for a bad or revoked token (401 or 403).
    pub auth_status: u16,
    /// ASSUMPTION 6: the transition graph, from → allowed targets (`sent` also needs a TTN).
    pub transitions: Vec<(String, Vec<String>)>,
    /// Known cancellation reasons (code, title).
    pub cancel_reasons: Vec<(String, String)>,
    /// Background platform moves (`sent → delivered → completed|returned`, buyer cancels of `new`)
    /// every this many seconds; 0 = off (tests drive changes through `/_sim/orders`).
    pub auto_advance_secs: u64,
    /// Share of `new` orders the buyer cancels on a background tick, in percent.
    pub buyer_cancel_percent: u32,
    /// Refuse Nova Poshta numbers not registered through `/_sim/ttns`.
    pub require_registered_ttn: bool,
}

impl Default for SimOptions {
    fn default() -> Self {
        let graph: &[(&str, &[&str])] = &[
            ("new", &["confirmed_by_merchant", "canceled_by_merchant"]),
            ("confirmed_by_merchant", &["confirmed", "canceled"]),
            ("confirmed", &["sent", "canceled"]),
        ];
        let reasons: &[(&str, &str)] = &[
            (
                "customer_dissatisfied_with_the_shipping_cost",
                "Не влаштовує вартість доставки",
            ),
            (
                "customer_delivery_speed_too_slow",
                "Не влаштовує термін доставки",
            ),
            (
                "customer_product_characteristics_are_not_suitable",
                "Не підходять характеристики товару",
            ),
            (
                "customer_not_timely_confirmation_of_the_availability_of_goods",
                "Несвоєчасне підтвердження наявності",
            ),
            ("customer_failed_to_contact", "Не вдалося зв'язатися"),
            ("customer_other_reason", "Інша причина"),
            (
                "customer_bought_elsewhere_as_a_gift",
                "Купив в іншому місці",
            ),
            ("customer_order_duplicate", "Дублікат замовлення"),
            ("customer_prepayment_required", "Потрібна передоплата"),
            ("product_not_available", "Товару немає в наявності"),
        ];
        SimOptions {
            seed: 42,
            page_size: 50,
            max_limit: 100,
            token: "epicentr-sim-token".into(),
            hide_contacts_while_new: true,
            list_omits_delivery: true,
            send_updated_at: true,
            refusal_status: 422,
            auth_status: 401,
            transitions: graph
                .iter()
                .map(|(f, t)| (f.to_string(), t.iter().map(|s| s.to_string()).collect()))
                .collect(),
            cancel_reasons: reasons
                .iter()
                .map(|(c, t)| (c.to_string(), t.to_string()))
                .collect(),
            auto_advance_secs: 0,
            buyer_cancel_percent: 5,
            require_registered_ttn: false,
        }
    }
}

/// Something orderhub sent to the simulator, kept on the order.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Pushed {
    Status {
        from: String,
        to: String,
        reason_code: Option<String>,
        comment: Option<String>,
    },
    ShipmentNumber {
        number: String,
    },
}

/// An order as the simulator keeps it: contacts always present, the views hide them.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredOrder {
    pub order: wire::Order,
    #[serde(skip)]
    pub created: DateTime<Utc>,
    pub changed_at: DateTime<Utc>,
    pub pushed: Vec<Pushed>,
}

/// Whose parcel a Nova Poshta TTN is.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct TtnRecipient {
    pub number: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
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
    /// Another person of the pool collects the parcel.
    #[serde(default)]
    pub recipient: Option<u64>,
    #[serde(default)]
    pub created_secs_ago: Option<i64>,
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

/// `PATCH /_sim/orders/{id}` body: the platform's or buyer's edits.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SimEdit {
    #[serde(default)]
    pub add_item: Option<NewItem>,
    #[serde(default)]
    pub set_quantity: Option<SetQuantity>,
    #[serde(default)]
    pub remove_line: Option<String>,
    #[serde(default)]
    pub tracking_number: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub cancel: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct SetQuantity {
    pub line: String,
    pub quantity: u32,
}

#[derive(Deserialize)]
struct SeedRequest {
    #[serde(default = "two_hundred")]
    count: u64,
    #[serde(default = "ninety")]
    days: u64,
}

fn two_hundred() -> u64 {
    200
}
fn ninety() -> u64 {
    90
}

struct Inner {
    orders: Vec<StoredOrder>,
    revoked: bool,
    ttns: HashMap<String, TtnRecipient>,
    listings: Vec<wire::Product>,
    offer_requests: HashMap<String, Vec<(wire::OfferResultItem, Option<wire::OfferUpdate>)>>,
    pushed_offers: Vec<wire::OfferUpdate>,
    fake: FakeData,
    next_number: u64,
    next_request: u64,
}

/// The simulator's state: orders, statuses, TTNs, listings and what the client pushed.
pub struct SimState {
    pub options: SimOptions,
    inner: Mutex<Inner>,
}

fn fmt_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

fn offer_id(product: usize) -> String {
    format!("a1f3c2d4-0000-4000-8000-{:012}", product + 1)
}

fn uuid(fake: &mut FakeData) -> String {
    let r = fake.rng();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
        r.gen::<u32>(),
        r.gen::<u16>(),
        r.gen_range(0..0x1000u16),
        r.gen_range(8..12u8),
        r.gen_range(0..0x1000u16),
        r.gen_range(0..1u64 << 48)
    )
}

fn line(product: usize, quantity: u32) -> wire::OrderItem {
    let (title, sku, _, _) = PRODUCTS[product % PRODUCTS.len()];
    let price = FakeData::price(product % PRODUCTS.len());
    wire::OrderItem {
        offer_id: Some(offer_id(product % PRODUCTS.len())),
        sku: Some(sku.into()),
        title: Some(title.into()),
        quantity: Some(Decimal::from(quantity).into()),
        price: Some(price.into()),
        subtotal: Some((price * Decimal::from(quantity)).into()),
        total_price: None,
    }
}

/// Line totals and the order's subtotal after an edit.
fn recompute(o: &mut wire::Order) {
    let mut total = Decimal::ZERO;
    for i in &mut o.items {
        let q = i.quantity.map(|q| q.value()).unwrap_or(Decimal::ONE);
        let p = i.price.map(|p| p.value()).unwrap_or_default();
        i.subtotal = Some((p * q).into());
        total += p * q;
    }
    o.subtotal = Some(total.into());
}

fn digits_tail(s: &str) -> String {
    let d: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
    d[d.len().saturating_sub(9)..].to_string()
}

impl TtnRecipient {
    /// TRK-3: the parcel's recipient against the order's person (recipient, else buyer).
    fn matches(&self, order: &wire::Order) -> bool {
        let Some(a) = &order.address else {
            return true;
        };
        let (phone, last) = match &a.recipient {
            Some(r) if r.phone.is_some() || r.last_name.is_some() => (&r.phone, &r.last_name),
            _ => (&a.phone, &a.last_name),
        };
        if let (Some(want), Some(have)) = (&self.phone, phone) {
            return digits_tail(want) == digits_tail(have);
        }
        if let (Some(want), Some(have)) = (&self.last_name, last) {
            return want.trim().to_lowercase() == have.trim().to_lowercase();
        }
        true
    }
}

/// An error or success answer computed under the lock, sent after it.
type Out = (u16, serde_json::Value);

fn message(status: u16, text: &str) -> Out {
    (status, json!({ "message": text }))
}

impl SimState {
    pub fn new(options: SimOptions) -> Self {
        let listings = PRODUCTS
            .iter()
            .enumerate()
            .map(|(i, (title, sku, price, _))| wire::Product {
                id: Some(format!("{}", 700_100 + i)),
                sku: Some(sku.to_string()),
                title: Some(title.to_string()),
                status: Some("active".into()),
                price: price.parse::<Decimal>().ok().map(Into::into),
                availability: Some("in_stock".into()),
            })
            .collect();
        SimState {
            inner: Mutex::new(Inner {
                orders: Vec::new(),
                revoked: false,
                ttns: HashMap::new(),
                listings,
                offer_requests: HashMap::new(),
                pushed_offers: Vec::new(),
                fake: FakeData::new(options.seed),
                next_number: 61_045_000,
                next_request: 1,
            }),
            options,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // a panicking handler must not take the simulator down with it
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Targets offered from the order's status: the graph, `sent` only with a TTN.
    pub fn allowed(&self, order: &wire::Order) -> Vec<String> {
        let has_ttn = order
            .address
            .as_ref()
            .and_then(|a| a.shipment.as_ref())
            .and_then(|s| s.number.as_ref())
            .is_some_and(|n| !n.is_empty());
        self.options
            .transitions
            .iter()
            .find(|(from, _)| *from == order.status_code)
            .map(|(_, to)| {
                to.iter()
                    .filter(|t| *t != "sent" || has_ttn)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The order as the API shows it: contacts hidden while `new`, summaries without delivery.
    fn view(&self, o: &wire::Order, detail: bool) -> wire::Order {
        let mut v = o.clone();
        if self.options.hide_contacts_while_new && v.status_code == "new" {
            if let Some(a) = v.address.as_mut() {
                a.first_name = None;
                a.last_name = None;
                a.patronymic = None;
                a.phone = None;
                a.email = None;
                a.recipient = None;
            }
        }
        if !detail && self.options.list_omits_delivery {
            v.settlement = None;
            v.office = None;
        }
        if !self.options.send_updated_at {
            v.updated_at = None;
        }
        v
    }

    fn build_order(
        inner: &mut Inner,
        buyer: u64,
        recipient: Option<u64>,
        items: &[(usize, u32)],
        status: &str,
        provider: Option<&str>,
        created: DateTime<Utc>,
    ) -> StoredOrder {
        let person = FakeData::person(buyer);
        let id = uuid(&mut inner.fake);
        inner.next_number += 1;
        let number = inner.next_number;
        let r = inner.fake.rng();
        let provider = provider.map(str::to_string).unwrap_or_else(|| {
            match r.gen_range(0..10) {
                0..=6 => "nova_poshta",
                7 => "ukrposhta",
                8 => "meest",
                _ => "cvz_epicentr",
            }
            .to_string()
        });
        let payment_provider =
            ["pay_on_delivery", "monobank", "easypay", "pay_on_delivery"][r.gen_range(0..4)];
        let delivery_price = [0, 0, 65, 80][r.gen_range(0..4)];
        let shipped = matches!(
            status,
            "sent" | "delivered" | "completed" | "closed" | "returned"
        );
        let ttn_digits = r.gen_range(0..1_000_000_000_000u64);
        let ttn = shipped.then(|| match provider.as_str() {
            "nova_poshta" => format!("20{ttn_digits:012}"),
            "ukrposhta" => format!("05{:011}", ttn_digits % 100_000_000_000),
            _ => format!("{ttn_digits:012}"),
        });
        let payment_status = match (payment_provider, status) {
            ("pay_on_delivery", _) => "none",
            (_, "completed" | "closed") => "hold_unset",
            (_, "canceled" | "canceled_by_merchant" | "returned") => "hold_canceled",
            _ => "hold_set",
        };
        let recipient_person = recipient.map(FakeData::person);
        let (settlement, office) = if provider == "cvz_epicentr" {
            (
                person.city.clone(),
                (
                    format!("Епіцентр К, {}", person.city),
                    "просп. Перемоги, 1".to_string(),
                ),
            )
        } else {
            (
                person.city.clone(),
                (
                    format!("Відділення №{}", person.branch),
                    format!("вул. Центральна, {}", person.branch + 2),
                ),
            )
        };
        let mut order = wire::Order {
            id,
            number: Some(number.to_string()),
            external_id: None,
            created_at: Some(fmt_time(created)),
            updated_at: Some(fmt_time(created)),
            status_code: status.into(),
            subtotal: None,
            payed: Some(false),
            cancel: None,
            items: items.iter().map(|(p, q)| line(*p, *q)).collect(),
            address: Some(wire::Address {
                first_name: Some(person.first_name.clone()),
                last_name: Some(person.last_name.clone()),
                patronymic: None,
                phone: Some(person.phone_digits.clone()),
                email: Some(person.email.clone()),
                recipient: recipient_person.map(|p| wire::Person {
                    first_name: Some(p.first_name),
                    last_name: Some(p.last_name),
                    patronymic: None,
                    phone: Some(p.phone_digits),
                }),
                shipment: Some(wire::Shipment {
                    provider: Some(provider.clone()),
                    number: ttn,
                    payment_provider: Some(payment_provider.into()),
                    payment_status: Some(payment_status.into()),
                    delivery_price: Some(Decimal::from(delivery_price).into()),
                    address: None,
                    settlement_id: Some(format!("settlement-{}", person.city.len())),
                    office_id: Some(format!("office-{}", person.branch)),
                }),
            }),
            settlement: Some(wire::Settlement {
                title: Some(settlement.clone()),
                city: Some(settlement),
                region: None,
                district: None,
                external_id: None,
            }),
            office: Some(wire::Office {
                title: Some(office.0),
                address: Some(office.1),
                external_id: None,
            }),
        };
        if matches!(status, "canceled" | "canceled_by_merchant") {
            order.cancel = Some(wire::Cancel {
                previous_status_code: Some("new".into()),
                reason_code: Some(
                    if status == "canceled" {
                        "customer_other_reason"
                    } else {
                        "product_not_available"
                    }
                    .into(),
                ),
            });
        }
        recompute(&mut order);
        StoredOrder {
            order,
            created,
            changed_at: created,
            pushed: Vec::new(),
        }
    }

    /// Realistic orders over the last `days`: older ones mostly final.
    pub fn seed(&self, count: u64, days: u64) -> Vec<String> {
        let mut inner = self.lock();
        let now = Utc::now();
        let mut ids = Vec::new();
        for _ in 0..count {
            let ago = inner.fake.seconds_ago(days.max(1));
            let basket = inner.fake.basket();
            let buyer = inner.fake.rng().gen_range(0..400u64);
            let r = inner.fake.rng();
            let recipient = (r.gen_range(0..10) == 0).then(|| r.gen_range(0..400u64));
            let roll = r.gen_range(0..100);
            let status = match ago / 86_400 {
                0 => ["new", "confirmed_by_merchant", "confirmed"][roll % 3],
                1..=2 => ["confirmed_by_merchant", "confirmed", "sent"][roll % 3],
                3..=9 => match roll {
                    0..=39 => "sent",
                    40..=69 => "delivered",
                    70..=89 => "completed",
                    _ => "canceled",
                },
                _ => match roll {
                    0..=64 => "completed",
                    65..=72 => "closed",
                    73..=84 => "canceled",
                    85..=92 => "canceled_by_merchant",
                    _ => "returned",
                },
            };
            let created = now - ChronoDuration::seconds(ago);
            let order =
                Self::build_order(&mut inner, buyer, recipient, &basket, status, None, created);
            ids.push(order.order.id.clone());
            inner.orders.push(order);
        }
        ids
    }

    pub fn add_order(&self, new: &NewOrder) -> Result<StoredOrder, String> {
        if new.items.is_empty() {
            return Err("an order needs items".into());
        }
        if let Some(p) = new.items.iter().find(|i| i.product >= PRODUCTS.len()) {
            return Err(format!("no product {}", p.product));
        }
        let mut inner = self.lock();
        let created = Utc::now() - ChronoDuration::seconds(new.created_secs_ago.unwrap_or(0));
        let items: Vec<(usize, u32)> = new.items.iter().map(|i| (i.product, i.quantity)).collect();
        let status = new.status.as_deref().unwrap_or("new");
        let order = Self::build_order(
            &mut inner,
            new.buyer,
            new.recipient,
            &items,
            status,
            new.provider.as_deref(),
            created,
        );
        inner.orders.push(order.clone());
        Ok(order)
    }

    fn find<'a>(inner: &'a mut Inner, id: &str) -> Option<&'a mut StoredOrder> {
        inner
            .orders
            .iter_mut()
            .find(|o| o.order.id == id || o.order.number.as_deref() == Some(id))
    }

    /// The order as stored, contacts included, with what orderhub pushed.
    pub fn order(&self, id: &str) -> Option<StoredOrder> {
        Self::find(&mut self.lock(), id).cloned()
    }

    pub fn orders(&self) -> Vec<StoredOrder> {
        self.lock().orders.clone()
    }

    /// The platform's or buyer's edit; each bumps the changed time.
    pub fn edit(&self, id: &str, edit: &SimEdit) -> Result<StoredOrder, String> {
        let mut inner = self.lock();
        let stored = Self::find(&mut inner, id).ok_or_else(|| format!("no order {id}"))?;
        let o = &mut stored.order;
        if let Some(add) = &edit.add_item {
            if add.product >= PRODUCTS.len() {
                return Err(format!("no product {}", add.product));
            }
            let offer = offer_id(add.product);
            match o
                .items
                .iter_mut()
                .find(|i| i.offer_id.as_deref() == Some(offer.as_str()))
            {
                Some(existing) => {
                    let q = existing.quantity.map(|q| q.value()).unwrap_or(Decimal::ONE);
                    existing.quantity = Some((q + Decimal::from(add.quantity)).into());
                }
                None => o.items.push(line(add.product, add.quantity)),
            }
        }
        if let Some(set) = &edit.set_quantity {
            let item = o
                .items
                .iter_mut()
                .find(|i| i.offer_id.as_deref() == Some(set.line.as_str()))
                .ok_or_else(|| format!("no line {}", set.line))?;
            item.quantity = Some(Decimal::from(set.quantity).into());
        }
        if let Some(line_id) = &edit.remove_line {
            let before = o.items.len();
            o.items
                .retain(|i| i.offer_id.as_deref() != Some(line_id.as_str()));
            if o.items.len() == before {
                return Err(format!("no line {line_id}"));
            }
        }
        if let Some(number) = &edit.tracking_number {
            if let Some(s) = o.address.as_mut().and_then(|a| a.shipment.as_mut()) {
                s.number = Some(number.clone());
            }
        }
        let mut new_status = edit.status.clone();
        if edit.cancel == Some(true) {
            new_status = Some("canceled".into());
        }
        if let Some(status) = new_status {
            if status.starts_with("canceled") {
                o.cancel = Some(wire::Cancel {
                    previous_status_code: Some(o.status_code.clone()),
                    reason_code: Some("customer_other_reason".into()),
                });
            }
            o.status_code = status;
        }
        recompute(o);
        let now = Utc::now();
        o.updated_at = Some(fmt_time(now));
        stored.changed_at = now;
        Ok(stored.clone())
    }

    pub fn register_ttn(&self, ttn: TtnRecipient) {
        self.lock().ttns.insert(ttn.number.clone(), ttn);
    }

    pub fn revoke(&self) {
        self.lock().revoked = true;
    }

    pub fn restore(&self) {
        self.lock().revoked = false;
    }

    /// Offer updates the client pushed, in arrival order.
    pub fn pushed_offers(&self) -> Vec<wire::OfferUpdate> {
        self.lock().pushed_offers.clone()
    }

    pub fn listings(&self) -> Vec<wire::Product> {
        self.lock().listings.clone()
    }

    fn authorized(&self, req: &HttpRequest) -> bool {
        let expected = format!("Bearer {}", self.options.token);
        let given = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        given == Some(expected.as_str()) && !self.lock().revoked
    }

    fn list_orders(&self, query: &[(String, String)]) -> Out {
        let mut limit = self.options.page_size;
        let mut descending = true;
        let mut statuses: Vec<&str> = Vec::new();
        let mut number: Option<&str> = None;
        let mut cursor: Option<(i64, String)> = None;
        for (k, v) in query {
            match k.as_str() {
                "limit" => match v.parse::<u32>() {
                    Ok(n) if (1..=self.options.max_limit).contains(&n) => limit = n,
                    _ => return message(400, MSG_LIMIT),
                },
                "sort[]" | "sort" => descending = v != "createdAt",
                "filter[statusCode][]" | "filter[statusCode]" => statuses.push(v),
                "filter[number]" => number = Some(v),
                "cursor" if !v.is_empty() => match decode_cursor(v) {
                    Some(c) => cursor = Some(c),
                    None => return message(400, "Invalid cursor"),
                },
                _ => {}
            }
        }
        let inner = self.lock();
        let mut rows: Vec<&StoredOrder> = inner
            .orders
            .iter()
            .filter(|o| statuses.is_empty() || statuses.contains(&o.order.status_code.as_str()))
            .filter(|o| number.is_none() || o.order.number.as_deref() == number)
            .collect();
        let key = |o: &StoredOrder| (o.created.timestamp_micros(), o.order.id.clone());
        rows.sort_by_key(|o| key(o));
        if descending {
            rows.reverse();
        }
        // keyset cursor: orders created meanwhile do not shift the pages
        if let Some(c) = &cursor {
            rows.retain(|o| {
                let k = key(o);
                if descending {
                    k < *c
                } else {
                    k > *c
                }
            });
        }
        let page: Vec<wire::Order> = rows
            .iter()
            .take(limit as usize)
            .map(|o| self.view(&o.order, false))
            .collect();
        let next = (rows.len() > limit as usize)
            .then(|| rows.get(limit as usize - 1).map(|o| encode_cursor(&key(o))))
            .flatten();
        let answer = wire::OrderPage {
            items: page,
            current: Some(cursor.as_ref().map(encode_cursor).unwrap_or_default()),
            next,
            prev: None,
            last: None,
            limit: Some(limit),
        };
        (200, serde_json::to_value(answer).unwrap_or_default())
    }

    fn detail(&self, id: &str) -> Out {
        let mut inner = self.lock();
        match Self::find(&mut inner, id) {
            Some(o) => {
                let v = self.view(&o.order, true);
                (200, serde_json::to_value(v).unwrap_or_default())
            }
            None => message(404, MSG_NOT_FOUND),
        }
    }

    fn allowed_answer(&self, id: &str) -> Out {
        let mut inner = self.lock();
        let Some(o) = Self::find(&mut inner, id) else {
            return message(404, MSG_NOT_FOUND);
        };
        let items: Vec<wire::CodeTitle> = self
            .allowed(&o.order)
            .into_iter()
            .map(|code| wire::CodeTitle {
                title: Some(status_title(&code).to_string()),
                code,
            })
            .collect();
        (
            200,
            serde_json::to_value(wire::CodeList { items }).unwrap_or_default(),
        )
    }

    fn change_status(&self, id: &str, to: &str, body: &wire::ChangeStatusBody) -> Out {
        let refuse = self.options.refusal_status;
        let mut inner = self.lock();
        let Some(stored) = Self::find(&mut inner, id) else {
            return message(404, MSG_NOT_FOUND);
        };
        let from = stored.order.status_code.clone();
        if !self.allowed(&stored.order).iter().any(|a| a == to) {
            return message(refuse, &msg_transition(&from, to));
        }
        let cancelling = to.starts_with("canceled");
        if cancelling {
            match body.reason_code.as_deref().filter(|r| !r.is_empty()) {
                None => return message(refuse, MSG_REASON_REQUIRED),
                Some(r) if !self.options.cancel_reasons.iter().any(|(c, _)| c == r) => {
                    return message(refuse, &msg_unknown_reason(r))
                }
                Some(_) => {}
            }
            stored.order.cancel = Some(wire::Cancel {
                previous_status_code: Some(from.clone()),
                reason_code: body.reason_code.clone(),
            });
        }
        stored.order.status_code = to.to_string();
        let now = Utc::now();
        stored.order.updated_at = Some(fmt_time(now));
        stored.changed_at = now;
        stored.pushed.push(Pushed::Status {
            from,
            to: to.to_string(),
            reason_code: if cancelling {
                body.reason_code.clone()
            } else {
                None
            },
            comment: body.comment.clone(),
        });
        let v = self.view(&stored.order, true);
        (200, serde_json::to_value(v).unwrap_or_default())
    }

    fn set_shipment_number(&self, id: &str, body: &wire::ShipmentNumberBody) -> Out {
        let refuse = self.options.refusal_status;
        let require_registered = self.options.require_registered_ttn;
        let mut inner = self.lock();
        let registered = {
            let number = body.number.as_deref().unwrap_or("").trim();
            inner.ttns.get(number).cloned()
        };
        let Some(stored) = Self::find(&mut inner, id) else {
            return message(404, MSG_NOT_FOUND);
        };
        if stored.order.status_code != "confirmed" {
            return message(refuse, MSG_TTN_STATE);
        }
        let number = body.number.as_deref().unwrap_or("").trim().to_string();
        if number.is_empty() {
            return message(refuse, MSG_TTN_EMPTY);
        }
        let provider = stored
            .order
            .address
            .as_ref()
            .and_then(|a| a.shipment.as_ref())
            .and_then(|s| s.provider.clone())
            .unwrap_or_default();
        if provider == "nova_poshta" {
            if number.len() != 14 || !number.bytes().all(|b| b.is_ascii_digit()) {
                return message(refuse, MSG_TTN_FORMAT);
            }
            match registered {
                Some(r) if !r.matches(&stored.order) => return message(refuse, MSG_TTN_RECIPIENT),
                None if require_registered => return message(refuse, MSG_TTN_UNKNOWN),
                _ => {}
            }
        }
        if let Some(s) = stored
            .order
            .address
            .as_mut()
            .and_then(|a| a.shipment.as_mut())
        {
            s.number = Some(number.clone());
        }
        let now = Utc::now();
        stored.order.updated_at = Some(fmt_time(now));
        stored.changed_at = now;
        stored.pushed.push(Pushed::ShipmentNumber { number });
        let v = self.view(&stored.order, true);
        (200, serde_json::to_value(v).unwrap_or_default())
    }

    fn products(&self, query: &[(String, String)]) -> Out {
        let mut limit = self.options.page_size as usize;
        let mut start = 0usize;
        for (k, v) in query {
            match k.as_str() {
                "limit" => match v.parse::<usize>() {
                    Ok(n) if n >= 1 && n <= self.options.max_limit as usize => limit = n,
                    _ => return message(400, MSG_LIMIT),
                },
                "cursor" if !v.is_empty() => match v.parse::<usize>() {
                    Ok(n) => start = n,
                    Err(_) => return message(400, "Invalid cursor"),
                },
                _ => {}
            }
        }
        let inner = self.lock();
        let items: Vec<wire::Product> = inner
            .listings
            .iter()
            .skip(start)
            .take(limit)
            .cloned()
            .collect();
        let next = (start + limit < inner.listings.len()).then(|| (start + limit).to_string());
        (
            200,
            serde_json::to_value(wire::ProductPage { items, next }).unwrap_or_default(),
        )
    }

    fn post_offers(&self, req: &wire::OffersRequest) -> Out {
        let mut inner = self.lock();
        let request_id = format!("req-{}", inner.next_request);
        inner.next_request += 1;
        let mut results = Vec::new();
        for (i, u) in req.items.iter().enumerate() {
            inner.pushed_offers.push(u.clone());
            let known = inner
                .listings
                .iter()
                .any(|l| l.sku.as_deref() == Some(u.sku.as_str()));
            let price = u.prices.as_ref().and_then(|p| p.price).map(|p| p.value());
            let (status, errors, pending) = if !known {
                ("skipped", Some(json!({"sku": ["not_found"]})), None)
            } else if price.is_some_and(|p| p <= Decimal::ZERO) {
                (
                    "forbidden",
                    Some(json!({"prices": ["validation.positive"]})),
                    None,
                )
            } else if u
                .availability
                .as_deref()
                .is_some_and(|a| a != "in_stock" && a != "not_available")
            {
                (
                    "forbidden",
                    Some(json!({"availability": ["validation.choice"]})),
                    None,
                )
            } else {
                ("enqueued", None, Some(u.clone()))
            };
            results.push((
                wire::OfferResultItem {
                    id: Some(i as u64 + 1),
                    id_type: Some("sku".into()),
                    sku: Some(u.sku.clone()),
                    status: status.into(),
                    errors,
                },
                pending,
            ));
        }
        let answer = wire::OffersResult {
            total: Some(results.len() as u64),
            request_id: Some(request_id.clone()),
            items: results.iter().map(|(r, _)| r.clone()).collect(),
        };
        inner.offer_requests.insert(request_id, results);
        (200, serde_json::to_value(answer).unwrap_or_default())
    }

    /// Asking for the results processes what was enqueued: the listing changes then.
    fn offer_results(&self, request_id: &str) -> Out {
        let mut inner = self.lock();
        let Some(mut results) = inner.offer_requests.remove(request_id) else {
            return message(404, MSG_NOT_FOUND);
        };
        for (item, pending) in &mut results {
            if let Some(u) = pending.take() {
                if let Some(l) = inner
                    .listings
                    .iter_mut()
                    .find(|l| l.sku.as_deref() == Some(u.sku.as_str()))
                {
                    if let Some(a) = &u.availability {
                        l.availability = Some(a.clone());
                    }
                    if let Some(p) = u.prices.as_ref().and_then(|p| p.price) {
                        l.price = Some(p);
                    }
                }
                item.status = "processed".into();
            }
        }
        let answer = wire::OffersResult {
            total: Some(results.len() as u64),
            request_id: Some(request_id.to_string()),
            items: results.iter().map(|(r, _)| r.clone()).collect(),
        };
        inner.offer_requests.insert(request_id.to_string(), results);
        (200, serde_json::to_value(answer).unwrap_or_default())
    }

    /// One background tick: the platform moves parcels on and buyers cancel now and then.
    pub fn advance(&self, older_than: ChronoDuration) {
        let cancel_percent = self.options.buyer_cancel_percent;
        let mut inner = self.lock();
        let now = Utc::now();
        let mut rolls: Vec<u32> = (0..inner.orders.len())
            .map(|_| inner.fake.rng().gen_range(0..100))
            .collect();
        for (stored, roll) in inner.orders.iter_mut().zip(rolls.drain(..)) {
            if now - stored.changed_at < older_than {
                continue;
            }
            let next = match stored.order.status_code.as_str() {
                "sent" => Some("delivered"),
                "delivered" if roll < 10 => Some("returned"),
                "delivered" => Some("completed"),
                "new" if roll < cancel_percent => Some("canceled"),
                _ => None,
            };
            if let Some(next) = next {
                if next == "canceled" {
                    stored.order.cancel = Some(wire::Cancel {
                        previous_status_code: Some(stored.order.status_code.clone()),
                        reason_code: Some("customer_bought_elsewhere_as_a_gift".into()),
                    });
                }
                stored.order.status_code = next.into();
                stored.order.updated_at = Some(fmt_time(now));
                stored.changed_at = now;
            }
        }
    }
}

fn encode_cursor(key: &(i64, String)) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{}:{}", key.0, key.1))
}

fn decode_cursor(s: &str) -> Option<(i64, String)> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s.trim())
        .ok()?;
    let raw = String::from_utf8(raw).ok()?;
    let (ts, id) = raw.split_once(':')?;
    Some((ts.parse().ok()?, id.to_string()))
}

// ---- HTTP -----------------------------------------------------------------------------------

type State = web::Data<SimState>;
type Query = web::Query<Vec<(String, String)>>;

async fn send(faults: &Faults, out: Out) -> HttpResponse {
    faults.reply(out.0, out.1).await
}

fn unauthorized(st: &SimState) -> Out {
    message(st.options.auth_status, MSG_UNAUTHORIZED)
}

async fn list_orders(
    st: State,
    faults: web::Data<Faults>,
    req: HttpRequest,
    query: Query,
) -> HttpResponse {
    let out = if st.authorized(&req) {
        st.list_orders(&query)
    } else {
        unauthorized(&st)
    };
    send(&faults, out).await
}

async fn order_detail(
    st: State,
    faults: web::Data<Faults>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let out = if st.authorized(&req) {
        st.detail(&id)
    } else {
        unauthorized(&st)
    };
    send(&faults, out).await
}

async fn allowed_statuses(
    st: State,
    faults: web::Data<Faults>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let out = if st.authorized(&req) {
        st.allowed_answer(&id)
    } else {
        unauthorized(&st)
    };
    send(&faults, out).await
}

async fn change_status(
    st: State,
    faults: web::Data<Faults>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    let out = if !st.authorized(&req) {
        unauthorized(&st)
    } else {
        let parsed: Result<wire::ChangeStatusBody, _> = if body.iter().all(u8::is_ascii_whitespace)
        {
            Ok(wire::ChangeStatusBody::default())
        } else {
            serde_json::from_slice(&body)
        };
        match parsed {
            Ok(b) => st.change_status(&path.0, &path.1, &b),
            Err(e) => message(400, &format!("Invalid JSON: {e}")),
        }
    };
    send(&faults, out).await
}

async fn shipment_number(
    st: State,
    faults: web::Data<Faults>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let out = if !st.authorized(&req) {
        unauthorized(&st)
    } else {
        match serde_json::from_slice::<wire::ShipmentNumberBody>(&body) {
            Ok(b) => st.set_shipment_number(&id, &b),
            Err(e) => message(400, &format!("Invalid JSON: {e}")),
        }
    };
    send(&faults, out).await
}

async fn cancel_reasons(st: State, faults: web::Data<Faults>, req: HttpRequest) -> HttpResponse {
    let out = if st.authorized(&req) {
        let items: Vec<wire::CodeTitle> = st
            .options
            .cancel_reasons
            .iter()
            .map(|(c, t)| wire::CodeTitle {
                code: c.clone(),
                title: Some(t.clone()),
            })
            .collect();
        (
            200,
            serde_json::to_value(wire::CodeList { items }).unwrap_or_default(),
        )
    } else {
        unauthorized(&st)
    };
    send(&faults, out).await
}

async fn products(
    st: State,
    faults: web::Data<Faults>,
    req: HttpRequest,
    query: Query,
) -> HttpResponse {
    let out = if st.authorized(&req) {
        st.products(&query)
    } else {
        unauthorized(&st)
    };
    send(&faults, out).await
}

async fn post_offers(
    st: State,
    faults: web::Data<Faults>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let out = if !st.authorized(&req) {
        unauthorized(&st)
    } else {
        match serde_json::from_slice::<wire::OffersRequest>(&body) {
            Ok(b) => st.post_offers(&b),
            Err(e) => message(400, &format!("Invalid JSON: {e}")),
        }
    };
    send(&faults, out).await
}

async fn offer_results(
    st: State,
    faults: web::Data<Faults>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let out = if st.authorized(&req) {
        st.offer_results(&id)
    } else {
        unauthorized(&st)
    };
    send(&faults, out).await
}

async fn no_route(faults: web::Data<Faults>) -> HttpResponse {
    send(&faults, message(404, MSG_NO_ROUTE)).await
}

// ---- control API ----------------------------------------------------------------------------

async fn ctl_seed(st: State, body: web::Json<SeedRequest>) -> HttpResponse {
    let ids = st.seed(body.count, body.days);
    HttpResponse::Ok().json(json!({ "created": ids }))
}

async fn ctl_add(st: State, body: web::Json<NewOrder>) -> HttpResponse {
    match st.add_order(&body) {
        Ok(o) => HttpResponse::Created().json(o),
        Err(e) => HttpResponse::BadRequest().json(json!({ "message": e })),
    }
}

async fn ctl_edit(st: State, id: web::Path<String>, body: web::Json<SimEdit>) -> HttpResponse {
    match st.edit(&id, &body) {
        Ok(o) => HttpResponse::Ok().json(o),
        Err(e) => HttpResponse::BadRequest().json(json!({ "message": e })),
    }
}

async fn ctl_get(st: State, id: web::Path<String>) -> HttpResponse {
    match st.order(&id) {
        Some(o) => HttpResponse::Ok().json(o),
        None => HttpResponse::NotFound().json(json!({ "message": MSG_NOT_FOUND })),
    }
}

async fn ctl_ttn(st: State, body: web::Json<TtnRecipient>) -> HttpResponse {
    st.register_ttn(body.into_inner());
    HttpResponse::NoContent().finish()
}

async fn ctl_offers(st: State) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "pushed": st.pushed_offers(), "listings": st.listings() }))
}

async fn ctl_revoke(st: State) -> HttpResponse {
    st.revoke();
    HttpResponse::NoContent().finish()
}

async fn ctl_restore(st: State) -> HttpResponse {
    st.restore();
    HttpResponse::NoContent().finish()
}

/// A running Epicentr simulator.
pub struct Sim {
    pub server: SimServer,
    pub state: Arc<SimState>,
    pub faults: web::Data<Faults>,
}

impl Sim {
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    pub fn token(&self) -> &str {
        &self.state.options.token
    }

    pub fn inject(&self, fault: Fault, count: u64) {
        self.faults.inject(fault, count);
    }

    pub async fn stop(&self) {
        self.server.stop().await;
    }
}

/// Starts the simulator on `127.0.0.1:port` (0 = a free port).
pub fn start(port: u16, options: SimOptions) -> std::io::Result<Sim> {
    let auto_advance = options.auto_advance_secs;
    let state = Arc::new(SimState::new(options));
    let faults = web::Data::new(Faults::default());
    let data: State = web::Data::from(state.clone());
    let app_faults = faults.clone();
    let server = serve(port, move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(data.clone())
            .app_data(app_faults.clone())
            .app_data(web::JsonConfig::default().limit(4 << 20));
        fault_routes(cfg);
        cfg.route("/_sim/seed", web::post().to(ctl_seed))
            .route("/_sim/orders", web::post().to(ctl_add))
            .route("/_sim/orders/{id}", web::patch().to(ctl_edit))
            .route("/_sim/orders/{id}", web::get().to(ctl_get))
            .route("/_sim/ttns", web::post().to(ctl_ttn))
            .route("/_sim/offers", web::get().to(ctl_offers))
            .route("/_sim/revoke", web::post().to(ctl_revoke))
            .route("/_sim/restore", web::post().to(ctl_restore))
            .route("/v3/oms/orders", web::get().to(list_orders))
            .route("/v4/oms/orders", web::get().to(list_orders))
            .route("/v5/oms/orders/{id}", web::get().to(order_detail))
            .route(
                "/v2/oms/orders/{id}/allowed-statuses",
                web::get().to(allowed_statuses),
            )
            .route(
                "/v2/oms/orders/{id}/change-status/to/{status}",
                web::post().to(change_status),
            )
            .route(
                "/v1/oms/orders/{id}/shipment-number",
                web::patch().to(shipment_number),
            )
            .route(
                "/v2/oms/order-cancel-reasons/customer",
                web::get().to(cancel_reasons),
            )
            .route("/v2/pim/products", web::get().to(products))
            .route("/v1/offers", web::post().to(post_offers))
            .route(
                "/v1/offers/update-results/{id}",
                web::get().to(offer_results),
            )
            .default_service(web::to(no_route));
    })?;
    if auto_advance > 0 {
        let ticking = state.clone();
        tokio::spawn(async move {
            let every = std::time::Duration::from_secs(auto_advance);
            loop {
                tokio::time::sleep(every).await;
                ticking.advance(ChronoDuration::seconds(auto_advance as i64));
            }
        });
    }
    Ok(Sim {
        server,
        state,
        faults,
    })
}

/// `orderhub simulate epicentr`: 200 orders over 90 days, parcels moving on their own, until Ctrl-C.
pub async fn run_standalone(port: u16) -> std::io::Result<()> {
    let options = SimOptions {
        auto_advance_secs: 120,
        ..SimOptions::default()
    };
    let sim = start(port, options)?;
    sim.state.seed(200, 90);
    println!(
        "Epicentr simulator on {} (token: {}); control API under /_sim/",
        sim.base_url(),
        sim.token()
    );
    tokio::signal::ctrl_c().await?;
    sim.stop().await;
    Ok(())
}
