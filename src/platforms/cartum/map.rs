//! Cartum wire → domain mapping: pure functions from `orders/get` and `catalog/export` rows to
//! `ImportedOrder` and `RemotePublication`.
#![deny(clippy::arithmetic_side_effects)]

use super::wire::{self, CustomerFields};
use crate::domain::money::{checked_div, checked_line_total, checked_sum};
use crate::domain::orders::{Delivery, ImportedCustomer, ImportedItem, ImportedOrder, StatusClass};
use crate::domain::phone::{normalize_email, Phone, Region};
use crate::platforms::{PlatformError, RemotePublication};
use chrono::{DateTime, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::HashMap;

pub const STATUS_NEW: u64 = 1;
pub const STATUS_PROCESSING: u64 = 2;
pub const STATUS_DELIVERED: u64 = 3;
pub const STATUS_NOT_DELIVERED: u64 = 4;
pub const STATUS_SHIPPING: u64 = 6;

/// The five statuses every shop has, with the API's names.
pub const DEFAULT_STATUSES: &[(u64, &str, &str, StatusClass)] = &[
    (STATUS_NEW, "Новий", "Новый", StatusClass::Processing),
    (
        STATUS_PROCESSING,
        "В обробці",
        "В обработке",
        StatusClass::Processing,
    ),
    (
        STATUS_DELIVERED,
        "Доставлено",
        "Доставлен",
        StatusClass::Completed,
    ),
    (
        STATUS_NOT_DELIVERED,
        "Не доставлено",
        "Не доставлен",
        StatusClass::Cancelled,
    ),
    (
        STATUS_SHIPPING,
        "Доставляється",
        "Доставляется",
        StatusClass::Processing,
    ),
];

/// How "Прізвище Ім'я" in one name field is split.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum NameOrder {
    /// "Мирошниченко Тарас": the surname first, as Ukrainian shop forms usually ask.
    #[default]
    LastFirst,
    FirstLast,
}

/// What the mapping needs to know about the source.
#[derive(Clone, Debug)]
pub struct MapContext {
    /// SRC-1: names are stored in this language (`uk`/`ua`, `ru`).
    pub language: Option<String>,
    /// Status id → class; ids not listed are open.
    pub statuses: HashMap<u64, StatusClass>,
    pub fields: CustomerFields,
    pub name_order: NameOrder,
    /// For orders without a `currency` field.
    pub default_currency: String,
    /// The country the shop's bare national phone numbers are in (the source's `country`).
    pub region: Region,
}

impl Default for MapContext {
    fn default() -> Self {
        MapContext {
            language: None,
            statuses: default_status_classes(),
            fields: CustomerFields::default(),
            name_order: NameOrder::default(),
            default_currency: "UAH".into(),
            region: Region::Ukraine,
        }
    }
}

pub fn default_status_classes() -> HashMap<u64, StatusClass> {
    DEFAULT_STATUSES
        .iter()
        .map(|(id, _, _, class)| (*id, *class))
        .collect()
}

/// Classes of the shop's statuses: the five defaults keep theirs; a custom status is completed
/// when the shop marks it `is_successful`, else open.
pub fn status_classes(statuses: &[wire::StatusInfo]) -> HashMap<u64, StatusClass> {
    let mut table = default_status_classes();
    for s in statuses {
        if table.contains_key(&s.id.0) {
            continue;
        }
        let class = if s.successful() {
            StatusClass::Completed
        } else {
            StatusClass::Processing
        };
        table.insert(s.id.0, class);
    }
    table
}

fn bad(order: &wire::Order, what: impl std::fmt::Display) -> PlatformError {
    PlatformError::BadResponse(format!("Cartum order {}: {what}", order.order_id.0))
}

/// `stat_created` (shop local time, Kyiv) → UTC. Both formats `from`/`to` accept are read.
pub fn parse_shop_time(s: &str) -> Option<DateTime<Utc>> {
    crate::domain::time::parse_kyiv(s).or_else(|| {
        let s = s.trim();
        NaiveDateTime::parse_from_str(s, "%d.%m.%Y %H:%M:%S")
            .or_else(|_| {
                chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .map(|d| d.and_time(chrono::NaiveTime::MIN))
            })
            .ok()
            .and_then(crate::domain::time::kyiv_to_utc_checked)
    })
}

fn text_field(order: &wire::Order, name: &str) -> Option<String> {
    if name.is_empty() {
        return None;
    }
    match order.extra.get(name)? {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Splits a full name typed in one field into (first, last).
pub fn split_name(full: &str, order: NameOrder) -> (Option<String>, Option<String>) {
    let words: Vec<&str> = full.split_whitespace().collect();
    match (words.len(), order) {
        (0, _) => (None, None),
        (1, _) => (Some(words[0].to_string()), None),
        (_, NameOrder::LastFirst) => (Some(words[1..].join(" ")), Some(words[0].to_string())),
        (_, NameOrder::FirstLast) => (Some(words[0].to_string()), Some(words[1..].join(" "))),
    }
}

fn customer(order: &wire::Order, ctx: &MapContext) -> Option<ImportedCustomer> {
    let f = &ctx.fields;
    let (mut first, mut last) = (
        text_field(order, &f.first_name),
        text_field(order, &f.last_name),
    );
    if first.is_none() && last.is_none() {
        if let Some(full) = text_field(order, &f.name) {
            (first, last) = split_name(&full, ctx.name_order);
        }
    }
    let phone = text_field(order, &f.phone).and_then(|p| Phone::parse_in(&p, Some(ctx.region)));
    let email = text_field(order, &f.email).and_then(|e| normalize_email(&e));
    let address = address_line(order, ctx);
    if first.is_none() && last.is_none() && phone.is_none() && email.is_none() {
        return None;
    }
    Some(ImportedCustomer {
        first_name: first,
        last_name: last,
        phone,
        email,
        address,
        unspecified: false,
    })
}

fn address_line(order: &wire::Order, ctx: &MapContext) -> Option<String> {
    let parts: Vec<String> = [&ctx.fields.city, &ctx.fields.address]
        .into_iter()
        .filter_map(|n| text_field(order, n))
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// DLV-1: carrier, cost (never the "not calculated" `-1`), recipient and address in one line.
fn delivery(order: &wire::Order, ctx: &MapContext) -> Option<Delivery> {
    let carrier = order
        .delivery_type
        .as_ref()
        .and_then(|t| t.title.as_ref())
        .and_then(|t| t.pick(ctx.language.as_deref()));
    let cost = order
        .delivery_price
        .map(|a| a.0)
        .filter(|c| !c.is_sign_negative());
    let recipient = text_field(order, &ctx.fields.name);
    let address = [recipient, address_line(order, ctx)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>();
    let address = (!address.is_empty()).then(|| address.join(", "));
    let recipient_phone = text_field(order, &ctx.fields.phone)
        .and_then(|p| Phone::parse_in(&p, Some(ctx.region)))
        .map(Phone::into_string);
    if carrier.is_none() && address.is_none() && cost.is_none() {
        return None;
    }
    Some(Delivery {
        carrier,
        // the method (branch, courier) is part of the address the buyer typed
        method: None,
        cost,
        address,
        recipient_phone,
    })
}

fn json_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The TTN made in the shop (`delivery_data.tnNumber`, TRK-4), else the code orderhub sent.
pub fn tracking_number(order: &wire::Order) -> Option<String> {
    order
        .delivery_data
        .as_ref()
        .and_then(|d| d.tn_number.as_ref())
        .and_then(json_text)
        .or_else(|| order.tracking_code.clone().filter(|s| !s.trim().is_empty()))
}

/// Order lines. A line has no id of its own: the article (with `#2`, `#3` for repeats in one order)
/// identifies it. Lines with quantity 0 are gone from the order (SYNC-2 keeps ours).
fn items(order: &wire::Order, ctx: &MapContext) -> Result<Vec<ImportedItem>, PlatformError> {
    let mut seen: HashMap<String, u32> = HashMap::new();
    let mut out = Vec::new();
    for (i, line) in order.products.iter().enumerate() {
        // lines are numbered from 1 for people; `i` is below the list's length, far from the end
        let n = i.saturating_add(1);
        let quantity = line.quantity.map(|a| a.0).unwrap_or(Decimal::ONE);
        if quantity.is_zero() {
            continue;
        }
        if quantity.is_sign_negative() {
            return Err(bad(order, format!("line {n} has quantity {quantity}")));
        }
        let price = match (line.price, line.total_price) {
            (Some(p), _) => p.0,
            (None, Some(t)) => checked_div(&format!("products[{i}].total_price"), t.0, quantity)
                .map_err(|e| bad(order, e))?
                .round_dp(2),
            (None, None) => return Err(bad(order, format!("line {n} has no price"))),
        };
        let article = line
            .article
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string);
        let name = line
            .title
            .as_ref()
            .and_then(|t| t.pick(ctx.language.as_deref()))
            .or_else(|| article.clone())
            .ok_or_else(|| bad(order, format!("line {n} has neither title nor article")))?;
        let external_id = article.as_ref().map(|a| {
            let repeat = seen.entry(a.clone()).or_insert(0);
            // at most one count per line of the order
            *repeat = repeat.saturating_add(1);
            if *repeat == 1 {
                a.clone()
            } else {
                format!("{a}#{repeat}")
            }
        });
        out.push(ImportedItem {
            external_id,
            name,
            // PRD-2: Cartum's product code is the article number
            sku: article.clone(),
            code: article,
            description: None,
            category: Vec::new(),
            quantity,
            price,
        });
    }
    Ok(out)
}

/// One `orders/get` order in our terms (IMP-3).
pub fn order(order: &wire::Order, ctx: &MapContext) -> Result<ImportedOrder, PlatformError> {
    let created_at = parse_shop_time(&order.stat_created).ok_or_else(|| {
        bad(
            order,
            format!("unreadable stat_created `{}`", order.stat_created),
        )
    })?;
    let items = items(order, ctx)?;
    // every line's total must be one orderhub can hold, whichever total the order shows
    let line_totals = items
        .iter()
        .enumerate()
        .map(|(i, l)| checked_line_total(&format!("products[{i}].price"), l.price, l.quantity))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(order, e))?;
    let lines_total = checked_sum("products[].total", line_totals).map_err(|e| bad(order, e))?;
    let total = order.total_sum.map_or(lines_total, |t| t.0);
    let currency = order
        .currency
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .unwrap_or(&ctx.default_currency)
        .to_ascii_uppercase();
    let status = order.stat_status.0;
    ImportedOrder {
        external_id: order.order_id.0.to_string(),
        number: order.order_id.0.to_string(),
        source_status: Some(status.to_string()),
        status_class: ctx
            .statuses
            .get(&status)
            .copied()
            .unwrap_or(StatusClass::Processing),
        created_at,
        updated_at: None,
        customer: customer(order, ctx),
        items,
        total,
        currency,
        tracking_number: tracking_number(order),
        // the seller's own shop: no marketplace commission
        commission: None,
        delivery: delivery(order, ctx),
    }
    .within_stored_range()
    .map_err(|e| bad(order, e))
}

/// A `catalog/export` product as a publication (PUB-1); `raw` is the product as received.
/// `quantity` is stock only on shops with warehouse accounting.
pub fn publication(
    p: &wire::CatalogProduct,
    raw: Value,
    ctx: &MapContext,
    warehouse_accounting: bool,
) -> Result<RemotePublication, PlatformError> {
    let article = p
        .article
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| PlatformError::BadResponse("Cartum product without article".into()))?
        .to_string();
    let name = p
        .title
        .as_ref()
        .and_then(|t| t.pick(ctx.language.as_deref()))
        .unwrap_or_else(|| article.clone());
    let stock = if warehouse_accounting {
        p.quantity.and_then(|q| i64::try_from(q.0.trunc()).ok())
    } else {
        None
    };
    Ok(RemotePublication {
        external_id: article.clone(),
        name,
        sku: Some(article),
        price: p.price.map(|a| a.0),
        currency: p.currency.clone(),
        stock,
        state: p
            .presence
            .as_ref()
            .and_then(|t| t.pick(ctx.language.as_deref())),
        url: p.link.clone(),
        raw,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    /// The note's §8 example, verbatim.
    pub(crate) const EXAMPLE: &str = r#"{
      "status": "OK",
      "response": {
        "orders": [
          {
            "order_id": 10452,
            "stat_status": 2,
            "stat_created": "2025-03-14 12:31:05",
            "currency": "UAH",
            "total_default": 1180,
            "total_sum": 1180,
            "total_quantity": 2,
            "discount_value": 0,
            "delivery_price": -1,
            "payed": 0,
            "delivery_name": "Мирошниченко Тарас",
            "delivery_phone": "+380931112233",
            "delivery_email": "taras@example.com",
            "delivery_city": "Львів",
            "delivery_address": "Відділення №12",
            "payment_type": { "id": 13, "title": "Накладений платіж" },
            "delivery_type": { "id": 3, "title": "Нова Пошта" },
            "delivery_data": {
              "deliveryOperatorType": "novaposhta",
              "tnNumber": null, "tnId": null, "tnStatusName": null,
              "tnTrackingUpdateDate": null, "estimatedDeliveryDate": null,
              "ownTTNPicked": false, "departure": null, "destination": null
            },
            "products": [
              { "article": "CUP-350-W", "title": "Чашка керамічна 350 мл", "price": 590, "quantity": 2,
                "total_price": 1180, "type": "product", "discount_marker": "NONE" }
            ],
            "analytics": { "utm_source": "google", "utm_medium": "cpc", "utm_campaign": 21000000001,
                           "utm_term": "", "utm_content": "", "google_client_id": "GA1.2.111.222" },
            "user": 48211
          }
        ]
      }
    }"#;

    fn example() -> wire::Order {
        let env: wire::Envelope = serde_json::from_str(EXAMPLE).unwrap();
        let resp: wire::OrdersResponse = serde_json::from_value(env.response).unwrap();
        resp.orders.into_iter().next().unwrap()
    }

    // covers: IMP-3, CUS-1, PRD-2, DLV-1
    #[test]
    fn the_notes_example_order() {
        let o = order(&example(), &MapContext::default()).unwrap();
        assert_eq!(o.external_id, "10452");
        assert_eq!(o.number, "10452");
        assert_eq!(o.source_status.as_deref(), Some("2"));
        assert_eq!(o.status_class, StatusClass::Processing);
        // 12:31:05 Kyiv in March before the switch to summer time = UTC+2
        assert_eq!(o.created_at.to_rfc3339(), "2025-03-14T10:31:05+00:00");
        assert_eq!(o.total, dec("1180"));
        assert_eq!(o.currency, "UAH");
        assert_eq!(o.commission, None);
        assert_eq!(o.tracking_number, None);
        let c = o.customer.unwrap();
        assert_eq!(c.first_name.as_deref(), Some("Тарас"));
        assert_eq!(c.last_name.as_deref(), Some("Мирошниченко"));
        assert_eq!(c.phone.unwrap().as_str(), "+380931112233");
        assert_eq!(c.email.as_deref(), Some("taras@example.com"));
        assert_eq!(c.address.as_deref(), Some("Львів, Відділення №12"));
        assert_eq!(o.items.len(), 1);
        let it = &o.items[0];
        assert_eq!(it.sku.as_deref(), Some("CUP-350-W"));
        assert_eq!(it.code.as_deref(), Some("CUP-350-W"));
        assert_eq!(it.external_id.as_deref(), Some("CUP-350-W"));
        assert_eq!(it.name, "Чашка керамічна 350 мл");
        assert_eq!(it.quantity, dec("2"));
        assert_eq!(it.price, dec("590"));
        let d = o.delivery.unwrap();
        assert_eq!(d.carrier.as_deref(), Some("Нова Пошта"));
        assert_eq!(d.cost, None, "-1 means not calculated");
        assert_eq!(
            d.address.as_deref(),
            Some("Мирошниченко Тарас, Львів, Відділення №12")
        );
        assert_eq!(d.recipient_phone.as_deref(), Some("+380931112233"));
    }

    #[test]
    fn the_example_round_trips_through_the_wire_types() {
        let o = example();
        let back: wire::Order = serde_json::from_value(serde_json::to_value(&o).unwrap()).unwrap();
        assert_eq!(back, o);
        let v = serde_json::to_value(&o).unwrap();
        assert_eq!(v["total_sum"], serde_json::json!(1180));
        assert_eq!(v["delivery_price"], serde_json::json!(-1));
        assert_eq!(v["delivery_data"]["tnNumber"], Value::Null);
        assert_eq!(v["delivery_name"], "Мирошниченко Тарас");
    }

    // covers: IMP-1, ST-2
    #[test]
    fn statuses_fall_into_classes() {
        let mut ctx = MapContext::default();
        let mut o = example();
        for (id, class) in [
            (1, StatusClass::Processing),
            (2, StatusClass::Processing),
            (3, StatusClass::Completed),
            (4, StatusClass::Cancelled),
            (6, StatusClass::Processing),
            (99, StatusClass::Processing),
        ] {
            o.stat_status = wire::Id(id);
            assert_eq!(order(&o, &ctx).unwrap().status_class, class, "status {id}");
        }
        let custom: Vec<wire::StatusInfo> = serde_json::from_value(serde_json::json!([
            {"id": 7, "title": {"ua": "Виконано"}, "is_successful": 1},
            {"id": 8, "title": {"ua": "Оплачено"}, "is_successful": 0},
            {"id": 3, "title": {"ua": "Доставлено"}, "is_successful": 1},
            {"id": 4, "title": {"ua": "Не доставлено"}, "is_successful": 1}
        ]))
        .unwrap();
        ctx.statuses = status_classes(&custom);
        o.stat_status = wire::Id(7);
        assert_eq!(
            order(&o, &ctx).unwrap().status_class,
            StatusClass::Completed
        );
        o.stat_status = wire::Id(8);
        assert_eq!(
            order(&o, &ctx).unwrap().status_class,
            StatusClass::Processing
        );
        // the defaults keep their meaning whatever the flag says
        o.stat_status = wire::Id(4);
        assert_eq!(
            order(&o, &ctx).unwrap().status_class,
            StatusClass::Cancelled
        );
    }

    // covers: IMP-3, CUS-1
    #[test]
    fn missing_customer_and_odd_values() {
        let o: wire::Order = serde_json::from_value(serde_json::json!({
            "order_id": "10460",
            "stat_status": "1",
            "stat_created": "14.07.2025 09:00:00",
            "total_sum": "1 234,50",
            "delivery_price": "70.00",
            "delivery_type": {"id": 5, "title": {"ua": "Укрпошта", "ru": "Укрпочта"}},
            "products": [
                {"article": "A-1", "title": {"ua": "Чайник", "ru": "Чайник ру"}, "price": "617.25", "quantity": 2},
                {"article": "A-1", "title": "Чайник подарунок", "price": 0, "quantity": 1, "type": "gift"},
                {"article": "GONE", "title": "Знято", "price": 10, "quantity": 0},
                {"title": "Без артикула", "total_price": 99.9, "quantity": 3}
            ]
        }))
        .unwrap();
        let ctx = MapContext {
            language: Some("ru".into()),
            ..MapContext::default()
        };
        let m = order(&o, &ctx).unwrap();
        assert_eq!(m.external_id, "10460");
        assert!(m.customer.is_none(), "no name, phone or e-mail");
        assert_eq!(m.total, dec("1234.5"));
        assert_eq!(
            m.currency, "UAH",
            "the source's currency when the order has none"
        );
        // 09:00 Kyiv in July = UTC+3
        assert_eq!(m.created_at.to_rfc3339(), "2025-07-14T06:00:00+00:00");
        let d = m.delivery.unwrap();
        assert_eq!(d.carrier.as_deref(), Some("Укрпочта"));
        assert_eq!(d.cost, Some(dec("70")));
        assert_eq!(m.items.len(), 3, "the zero-quantity line is gone");
        assert_eq!(m.items[0].name, "Чайник ру");
        assert_eq!(m.items[0].price, dec("617.25"));
        assert_eq!(m.items[1].external_id.as_deref(), Some("A-1#2"));
        assert_eq!(m.items[2].sku, None);
        assert_eq!(m.items[2].price, dec("33.3"));
        assert_eq!(m.items[2].quantity, dec("3"));
    }

    // covers: CUS-1
    #[test]
    fn phone_formats_and_email_case() {
        let mut o = example();
        for raw in [
            "380931112233",
            "0931112233",
            "+38 (093) 111-22-33",
            "093 111 22 33",
        ] {
            o.extra
                .insert("delivery_phone".into(), Value::String(raw.into()));
            o.extra.insert(
                "delivery_email".into(),
                Value::String(" Taras@Example.COM ".into()),
            );
            let c = order(&o, &MapContext::default()).unwrap().customer.unwrap();
            assert_eq!(c.phone.unwrap().as_str(), "+380931112233", "{raw}");
            assert_eq!(c.email.as_deref(), Some("taras@example.com"));
        }
        o.extra
            .insert("delivery_phone".into(), Value::String("call me".into()));
        let c = order(&o, &MapContext::default()).unwrap().customer.unwrap();
        assert!(c.phone.is_none());
    }

    #[test]
    fn names_split_by_the_configured_order_and_fields_are_configurable() {
        assert_eq!(
            split_name("Тарас Шевченко", NameOrder::FirstLast),
            (Some("Тарас".into()), Some("Шевченко".into()))
        );
        assert_eq!(
            split_name("Шевченко Тарас Григорович", NameOrder::LastFirst),
            (Some("Тарас Григорович".into()), Some("Шевченко".into()))
        );
        assert_eq!(
            split_name("Тарас", NameOrder::LastFirst),
            (Some("Тарас".into()), None)
        );
        assert_eq!(split_name("  ", NameOrder::LastFirst), (None, None));

        let mut o = example();
        o.extra.clear();
        o.extra.insert("buyer_first".into(), "Олена".into());
        o.extra.insert("buyer_last".into(), "Коваленко".into());
        o.extra.insert("buyer_tel".into(), "0501234567".into());
        let ctx = MapContext {
            fields: CustomerFields {
                first_name: "buyer_first".into(),
                last_name: "buyer_last".into(),
                phone: "buyer_tel".into(),
                ..CustomerFields::default()
            },
            ..MapContext::default()
        };
        let c = order(&o, &ctx).unwrap().customer.unwrap();
        assert_eq!(c.first_name.as_deref(), Some("Олена"));
        assert_eq!(c.last_name.as_deref(), Some("Коваленко"));
        assert_eq!(c.phone.unwrap().as_str(), "+380501234567");
    }

    // covers: TRK-4
    #[test]
    fn tracking_from_the_shops_ttn_else_the_pushed_code() {
        let mut o = example();
        o.tracking_code = Some("59000000000001".into());
        assert_eq!(tracking_number(&o).as_deref(), Some("59000000000001"));
        o.delivery_data.as_mut().unwrap().tn_number = Some(serde_json::json!(20451450921650u64));
        assert_eq!(tracking_number(&o).as_deref(), Some("20451450921650"));
    }

    #[test]
    fn unreadable_orders_are_bad_responses() {
        let mut o = example();
        o.stat_created = "вчора".into();
        assert!(matches!(
            order(&o, &MapContext::default()),
            Err(PlatformError::BadResponse(_))
        ));
        let mut o = example();
        o.products[0].price = None;
        o.products[0].total_price = None;
        assert!(matches!(
            order(&o, &MapContext::default()),
            Err(PlatformError::BadResponse(_))
        ));
        assert!(serde_json::from_value::<wire::Order>(serde_json::json!({
            "order_id": 1, "stat_status": 1, "stat_created": "2025-01-01 00:00:00",
            "total_sum": "n/a"
        }))
        .is_err());
    }

    // covers: PUB-1, SRC-1
    #[test]
    fn catalog_products_become_publications_in_the_source_language() {
        let raw = serde_json::json!({
            "article": "ST-CL1L", "title": {"ua": "Термос Stanley Classic 1 л", "ru": "Термос Stanley Classic 1 л (ru)"},
            "price": 1890, "currency": "UAH", "presence": "В наявності", "quantity": 7,
            "link": "https://shop.example/termos"
        });
        let p: wire::CatalogProduct = serde_json::from_value(raw.clone()).unwrap();
        let ctx = MapContext {
            language: Some("uk".into()),
            ..MapContext::default()
        };
        let publ = publication(&p, raw.clone(), &ctx, false).unwrap();
        assert_eq!(publ.external_id, "ST-CL1L");
        assert_eq!(publ.sku.as_deref(), Some("ST-CL1L"));
        assert_eq!(publ.name, "Термос Stanley Classic 1 л");
        assert_eq!(publ.price, Some(dec("1890")));
        assert_eq!(publ.state.as_deref(), Some("В наявності"));
        assert_eq!(
            publ.stock, None,
            "quantity is not stock without warehouse accounting"
        );
        let publ = publication(
            &p,
            raw,
            &MapContext {
                language: Some("ru".into()),
                ..ctx
            },
            true,
        )
        .unwrap();
        assert_eq!(publ.name, "Термос Stanley Classic 1 л (ru)");
        assert_eq!(publ.stock, Some(7));
    }

    // covers: IMP-3
    #[test]
    fn amounts_past_the_range_are_errors_naming_the_field() {
        let read = |products: serde_json::Value| -> String {
            let o: wire::Order = serde_json::from_value(serde_json::json!({
                "order_id": "10461",
                "stat_status": "1",
                "stat_created": "14.07.2025 09:00:00",
                "products": products
            }))
            .unwrap();
            order(&o, &MapContext::default()).unwrap_err().to_string()
        };
        let max = "79228162514264337593543950335";
        let e = read(serde_json::json!([{"article": "A", "price": max, "quantity": 2}]));
        assert!(
            e.contains("products[0].price 79228162514264337593543950335"),
            "{e}"
        );
        assert!(e.contains("10461"), "{e}");
        let e = read(serde_json::json!([
            {"article": "A", "price": max, "quantity": 1},
            {"article": "B", "price": max, "quantity": 1}
        ]));
        assert!(e.contains("products[1].total"), "{e}");
        let e = read(serde_json::json!([
            {"article": "A", "total_price": max, "quantity": 0.0000001}
        ]));
        assert!(e.contains("products[0].total_price"), "{e}");
    }
}
