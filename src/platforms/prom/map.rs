//! Prom wire → domain mapping (pure functions): orders into `ImportedOrder`, products into
//! `RemotePublication`, Prom statuses into `StatusClass`.
#![deny(clippy::arithmetic_side_effects)]

use super::wire;
use crate::domain::money::{checked_div, checked_line_total, checked_sum, parse_amount};
use crate::domain::orders::{Delivery, ImportedCustomer, ImportedItem, ImportedOrder, StatusClass};
use crate::domain::phone::{normalize_email, Phone, Region};
use crate::domain::time::parse_kyiv;
use crate::platforms::RemotePublication;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// What mapping needs to know about the source (the note's ASSUMPTIONS 3 and 4).
#[derive(Clone, Debug)]
pub struct MapOptions {
    /// Prom orders carry no currency; my.prom.ua sells in UAH.
    pub currency: String,
    /// Language of `name_multilang` to prefer when `name` is empty (the source's `X-LANGUAGE`).
    pub language: String,
    /// Read zone-less timestamps as Kyiv wall-clock time (else as UTC).
    pub naive_times_kyiv: bool,
}

impl Default for MapOptions {
    fn default() -> Self {
        MapOptions {
            currency: "UAH".into(),
            language: "uk".into(),
            naive_times_kyiv: true,
        }
    }
}

/// ST-1: `delivered` is final and done, `canceled` final and cancelled; everything else, custom
/// statuses and unknown codes included, is still being processed.
pub fn status_class(status: &str) -> StatusClass {
    match status.trim().to_ascii_lowercase().as_str() {
        "delivered" => StatusClass::Completed,
        // the American spelling is Prom's; the British one guards against a stray variant
        "canceled" | "cancelled" => StatusClass::Cancelled,
        _ => StatusClass::Processing,
    }
}

/// Parses Prom's ISO-8601 times; a time without a zone is read per `MapOptions`.
pub fn parse_time(raw: &str, opts: &MapOptions) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(t.with_timezone(&Utc));
    }
    if opts.naive_times_kyiv {
        parse_kyiv(raw)
    } else {
        ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
            .iter()
            .find_map(|f| chrono::NaiveDateTime::parse_from_str(raw, f).ok())
            .map(|n| n.and_utc())
    }
}

/// An amount as Prom writes it (number, `"39 грн"`, `"1 234,50 грн"` with NBSP).
pub fn amount(a: &wire::Amount) -> Option<Decimal> {
    parse_amount(&a.as_text())
}

fn opt_amount(a: &Option<wire::Amount>) -> Option<Decimal> {
    a.as_ref().and_then(amount)
}

fn non_blank(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The commission the seller pays: a refunded commission (cancelled orders) is not owed, and a
/// zero amount is no commission (own-site orders).
fn commission(c: &Option<wire::CpaCommission>) -> Option<Decimal> {
    let c = c.as_ref()?;
    if c.is_refunded == Some(true) {
        return None;
    }
    opt_amount(&c.amount).filter(|a| !a.is_zero())
}

/// The Prom carrier slug of an order (`nova_poshta`, `ukrposhta`, `meest`, `justin`), from the
/// provider block, else from the shop's delivery option.
pub fn delivery_provider(order: &wire::Order) -> Option<String> {
    if let Some(p) = order
        .delivery_provider_data
        .as_ref()
        .and_then(|d| non_blank(&d.provider))
    {
        return Some(p);
    }
    let option = order.delivery_option.as_ref()?;
    if let Some(s) = non_blank(&option.shipping_service) {
        return Some(s);
    }
    let name = non_blank(&option.name)?.to_lowercase();
    let slug =
        if name.contains("нова пошта") || name.contains("новая почта") || name.contains("nova")
        {
            "nova_poshta"
        } else if name.contains("укрпошт") || name.contains("укрпочт") || name.contains("ukrposhta")
        {
            "ukrposhta"
        } else if name.contains("meest") || name.contains("міст") || name.contains("мист") {
            "meest"
        } else if name.contains("justin") || name.contains("джастін") || name.contains("джастин")
        {
            "justin"
        } else {
            return None;
        };
    Some(slug.into())
}

fn carrier_name(slug: &str) -> &str {
    match slug {
        "nova_poshta" => "Нова Пошта",
        "ukrposhta" => "Укрпошта",
        "meest" => "Meest",
        "justin" => "Justin",
        other => other,
    }
}

fn customer(order: &wire::Order) -> Option<ImportedCustomer> {
    let client = order.client.as_ref();
    let first_name = non_blank(&order.client_first_name)
        .or_else(|| client.and_then(|c| non_blank(&c.first_name)));
    let last_name =
        non_blank(&order.client_last_name).or_else(|| client.and_then(|c| non_blank(&c.last_name)));
    // the buyer's phone first; the recipient may be somebody else
    let phone = [
        order.phone.as_deref(),
        client.and_then(|c| c.phone.as_deref()),
    ]
    .into_iter()
    .flatten()
    .find_map(|p| Phone::parse_in(p, Some(Region::Ukraine)));
    let email = order.email.as_deref().and_then(normalize_email);
    if first_name.is_none() && last_name.is_none() && phone.is_none() && email.is_none() {
        return None;
    }
    Some(ImportedCustomer {
        first_name,
        last_name,
        phone,
        email,
        address: non_blank(&order.delivery_address),
        unspecified: false,
    })
}

fn item(i: usize, line: &wire::OrderProduct, opts: &MapOptions) -> Result<ImportedItem, String> {
    let quantity = opt_amount(&line.quantity).unwrap_or(Decimal::ONE);
    let price = match opt_amount(&line.price) {
        Some(p) => p,
        None => match opt_amount(&line.total_price) {
            Some(total) if !quantity.is_zero() => {
                checked_div(&format!("products[{i}].total_price"), total, quantity)?.round_dp(2)
            }
            _ => return Err(format!("product {} has no readable price", line.id)),
        },
    };
    let multilang = line.name_multilang.as_ref().and_then(|m| {
        let preferred = if opts.language == "ru" { &m.ru } else { &m.uk };
        non_blank(preferred)
            .or_else(|| non_blank(&m.uk))
            .or_else(|| non_blank(&m.ru))
    });
    let name = non_blank(&line.name)
        .or(multilang)
        .unwrap_or_else(|| format!("Prom product {}", line.id));
    Ok(ImportedItem {
        // Prom lines have no id of their own; an order holds a product once, so its id names the line
        external_id: Some(line.id.to_string()),
        name,
        sku: non_blank(&line.sku).or_else(|| non_blank(&line.external_id)),
        code: Some(line.id.to_string()),
        description: None,
        // order lines carry no category; `/products/list` has it for publications
        category: Vec::new(),
        quantity,
        price,
    })
}

fn delivery(order: &wire::Order) -> Option<Delivery> {
    let provider = order.delivery_provider_data.as_ref();
    let carrier = order
        .delivery_option
        .as_ref()
        .and_then(|o| non_blank(&o.name))
        .or_else(|| delivery_provider(order).map(|slug| carrier_name(&slug).to_string()));
    let method = provider.and_then(|p| non_blank(&p.kind));
    let cost = opt_amount(&order.delivery_cost);
    let recipient = order.delivery_recipient.as_ref();
    let recipient_name = recipient
        .map(|r| {
            [non_blank(&r.first_name), non_blank(&r.last_name)]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|s| !s.is_empty());
    let place = non_blank(&order.delivery_address).or_else(|| {
        provider
            .and_then(|p| p.recipient_address.as_ref())
            .and_then(|a| non_blank(&a.city_name))
    });
    let address = match (recipient_name, place) {
        (Some(n), Some(p)) => Some(format!("{n}, {p}")),
        (n, p) => n.or(p),
    };
    let recipient_phone = recipient
        .and_then(|r| r.phone.as_deref())
        .and_then(|p| Phone::parse_in(p, Some(Region::Ukraine)))
        .map(Phone::into_string);
    let d = Delivery {
        carrier,
        method,
        cost,
        address,
        recipient_phone,
    };
    (d != Delivery::default()).then_some(d)
}

/// One Prom order in our terms. `Err` names what could not be read.
pub fn order(o: &wire::Order, opts: &MapOptions) -> Result<ImportedOrder, String> {
    let created_at = o
        .date_created
        .as_deref()
        .and_then(|t| parse_time(t, opts))
        .ok_or_else(|| {
            format!(
                "order {}: unreadable date_created {:?}",
                o.id, o.date_created
            )
        })?;
    let updated_at = o.date_modified.as_deref().and_then(|t| parse_time(t, opts));
    let in_order = |e: String| format!("order {}: {e}", o.id);
    let items = o
        .products
        .iter()
        .enumerate()
        .map(|(i, l)| item(i, l, opts))
        .collect::<Result<Vec<_>, _>>()
        .map_err(in_order)?;
    // every line's total must be one orderhub can hold, whichever total the order shows
    let line_totals = items
        .iter()
        .enumerate()
        .map(|(i, l)| checked_line_total(&format!("products[{i}].price"), l.price, l.quantity))
        .collect::<Result<Vec<_>, _>>()
        .map_err(in_order)?;
    let lines_total = checked_sum("products[].total", line_totals).map_err(in_order)?;
    // full_price includes delivery, which is what the buyer pays
    let total = opt_amount(&o.full_price)
        .or_else(|| opt_amount(&o.price_with_special_offer))
        .or_else(|| opt_amount(&o.price))
        .unwrap_or(lines_total);
    let commission = match commission(&o.cpa_commission) {
        Some(c) => Some(c),
        None => {
            let per_line = o
                .products
                .iter()
                .map(|l| commission(&l.cpa_commission).unwrap_or_default());
            let per_line =
                checked_sum("products[].cpa_commission.amount", per_line).map_err(in_order)?;
            (!per_line.is_zero()).then_some(per_line)
        }
    };
    let tracking_number = o
        .delivery_provider_data
        .as_ref()
        .and_then(|d| non_blank(&d.declaration_number));
    ImportedOrder {
        external_id: o.id.to_string(),
        number: o.id.to_string(),
        source_status: Some(o.status.trim().to_string()).filter(|s| !s.is_empty()),
        status_class: status_class(&o.status),
        created_at,
        updated_at,
        customer: customer(o),
        items,
        total,
        currency: opts.currency.clone(),
        tracking_number,
        commission,
        delivery: delivery(o),
    }
    .within_stored_range()
    .map_err(in_order)
}

/// A Prom product as a publication (PUB-1). The state is the product's `status`
/// (`on_display`, `draft`, …), the stock its `quantity_in_stock`.
pub fn publication(p: &wire::Product, raw: serde_json::Value) -> RemotePublication {
    let name = non_blank(&p.name)
        .or_else(|| p.name_multilang.as_ref().and_then(|m| non_blank(&m.uk)))
        .unwrap_or_else(|| format!("Prom product {}", p.id));
    let stock = opt_amount(&p.quantity_in_stock).and_then(|q| i64::try_from(q.trunc()).ok());
    RemotePublication {
        external_id: p.id.to_string(),
        name,
        sku: non_blank(&p.sku).or_else(|| non_blank(&p.external_id)),
        price: opt_amount(&p.price),
        currency: non_blank(&p.currency),
        stock,
        state: non_blank(&p.status).or_else(|| non_blank(&p.presence)),
        url: None,
        raw,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::str::FromStr;

    pub(crate) const EXAMPLE: &str = r#"{
  "order": {
    "id": 512340017,
    "date_created": "2025-03-14T20:41:07.512344+00:00",
    "date_modified": "2025-03-14T20:42:46.104210+00:00",
    "client_first_name": "Андрій",
    "client_second_name": "Іванович",
    "client_last_name": "Мельник",
    "client_id": 77012345,
    "client": { "id": 77012345, "first_name": "Андрій", "last_name": "Мельник", "second_name": "Іванович", "phone": "+380501112233" },
    "delivery_recipient": { "first_name": "Андрій", "last_name": "Мельник", "second_name": null, "phone": "+380501112233" },
    "client_notes": "",
    "phone": "+380501112233",
    "email": "melnyk@example.com",
    "products": [
      { "id": 2001003004, "external_id": "CUP-350-W", "sku": "CUP-350-W",
        "name": "Чашка керамічна 350 мл", "name_multilang": { "uk": "Чашка керамічна 350 мл", "ru": "Чашка керамическая 350 мл" },
        "quantity": 2, "price": "270 грн", "total_price": "540 грн", "measure_unit": "шт.",
        "image": "https://images.prom.ua/2001003004_w200_h200.jpg", "url": "https://prom.ua/p2001003004.html",
        "cpa_commission": { "amount": "43.20", "is_refunded": false } }
    ],
    "price": "540 грн",
    "full_price": "540 грн",
    "delivery_option": { "id": 12000111, "name": "Нова Пошта", "shipping_service": "nova_poshta" },
    "delivery_provider_data": {
      "provider": "nova_poshta", "type": "W2W",
      "sender_warehouse_id": null, "recipient_warehouse_id": "1ec09d88-e1c2-11e3-8c4a-0050568002cf",
      "declaration_number": null, "unified_status": null,
      "recipient_address": { "city_id": "8d5a980d-391c-11dd-90d9-001a92567626", "city_name": "Київ",
                             "city_katottg": "UA80000000000093317", "warehouse_id": "1ec09d88-e1c2-11e3-8c4a-0050568002cf",
                             "street_id": null, "street_name": null, "building_number": null, "apartment_number": null } },
    "delivery_address": "Київ, Відділення №25",
    "delivery_cost": 0,
    "payment_option": { "id": 9000222, "name": "Пром‑оплата" },
    "payment_data": { "type": "prosale", "status": "paid", "status_modified": "2025-03-14T20:42:46+00:00" },
    "status": "paid",
    "status_name": "Оплачено",
    "source": "portal",
    "has_order_promo_free_delivery": false,
    "cpa_commission": { "amount": "43.20", "is_refunded": false },
    "utm": null,
    "dont_call_customer_back": false,
    "ps_promotion": null,
    "cancellation": null
  }
}"#;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn example() -> wire::Order {
        serde_json::from_str::<wire::OrderEnvelope>(EXAMPLE)
            .unwrap()
            .order
    }

    // covers: IMP-3, CUS-1, EXP-1, DLV-1
    #[test]
    fn the_notes_example_order() {
        let o = order(&example(), &MapOptions::default()).unwrap();
        assert_eq!(o.external_id, "512340017");
        assert_eq!(o.number, "512340017");
        assert_eq!(o.source_status.as_deref(), Some("paid"));
        assert_eq!(o.status_class, StatusClass::Processing);
        assert_eq!(
            o.created_at.to_rfc3339(),
            "2025-03-14T20:41:07.512344+00:00"
        );
        assert_eq!(
            o.updated_at.unwrap().to_rfc3339(),
            "2025-03-14T20:42:46.104210+00:00"
        );
        let c = o.customer.unwrap();
        assert_eq!(c.first_name.as_deref(), Some("Андрій"));
        assert_eq!(c.last_name.as_deref(), Some("Мельник"));
        assert_eq!(c.phone.unwrap().as_str(), "+380501112233");
        assert_eq!(c.email.as_deref(), Some("melnyk@example.com"));
        assert_eq!(o.items.len(), 1);
        let i = &o.items[0];
        assert_eq!(i.name, "Чашка керамічна 350 мл");
        assert_eq!(i.sku.as_deref(), Some("CUP-350-W"));
        assert_eq!(i.code.as_deref(), Some("2001003004"));
        assert_eq!(i.quantity, dec("2"));
        assert_eq!(i.price, dec("270"));
        assert_eq!(o.total, dec("540"));
        assert_eq!(o.currency, "UAH");
        assert_eq!(o.commission, Some(dec("43.20")));
        assert_eq!(o.tracking_number, None);
        let d = o.delivery.unwrap();
        assert_eq!(d.carrier.as_deref(), Some("Нова Пошта"));
        assert_eq!(d.method.as_deref(), Some("W2W"));
        assert_eq!(d.cost, Some(Decimal::ZERO));
        assert_eq!(
            d.address.as_deref(),
            Some("Андрій Мельник, Київ, Відділення №25")
        );
        assert_eq!(d.recipient_phone.as_deref(), Some("+380501112233"));
    }

    /// Every key of `expected` is in `actual` with the same value (extra keys allowed).
    fn assert_subset(expected: &serde_json::Value, actual: &serde_json::Value, path: &str) {
        match (expected, actual) {
            (serde_json::Value::Object(e), serde_json::Value::Object(a)) => {
                for (k, v) in e {
                    let inner = a
                        .get(k)
                        .unwrap_or_else(|| panic!("{path}.{k} missing after round trip"));
                    assert_subset(v, inner, &format!("{path}.{k}"));
                }
            }
            (serde_json::Value::Array(e), serde_json::Value::Array(a)) => {
                assert_eq!(e.len(), a.len(), "{path}");
                for (n, (x, y)) in e.iter().zip(a).enumerate() {
                    assert_subset(x, y, &format!("{path}[{n}]"));
                }
            }
            _ => assert_eq!(expected, actual, "{path}"),
        }
    }

    // The simulator writes with the same types, so they must give back Prom's exact shape.
    #[test]
    fn wire_types_round_trip_the_example() {
        let original: serde_json::Value = serde_json::from_str(EXAMPLE).unwrap();
        let parsed: wire::OrderEnvelope = serde_json::from_str(EXAMPLE).unwrap();
        let written = serde_json::to_value(&parsed).unwrap();
        assert_subset(&original, &written, "");
        assert_eq!(written["order"]["products"][0]["quantity"], 2);
        assert_eq!(written["order"]["price"], "540 грн");
    }

    // covers: ST-1, IMP-1
    #[test]
    fn statuses_fall_into_classes() {
        assert_eq!(status_class("delivered"), StatusClass::Completed);
        assert_eq!(status_class("canceled"), StatusClass::Cancelled);
        for s in [
            "pending",
            "received",
            "paid",
            "draft",
            "custom-1234",
            "accepted",
            "",
        ] {
            assert_eq!(status_class(s), StatusClass::Processing, "{s}");
        }
        let mut w = example();
        w.status = "canceled".into();
        w.cpa_commission = Some(wire::CpaCommission {
            amount: Some(wire::Amount::Text("43.20".into())),
            is_refunded: Some(true),
        });
        w.products[0].cpa_commission = w.cpa_commission.clone();
        let o = order(&w, &MapOptions::default()).unwrap();
        assert_eq!(o.status_class, StatusClass::Cancelled);
        assert_eq!(o.source_status.as_deref(), Some("canceled"));
        // EXP-1: a refunded commission is not owed
        assert_eq!(o.commission, None);
    }

    // covers: IMP-3
    #[test]
    fn odd_money_strings_and_numbers() {
        let mut w = example();
        w.products[0].price = Some(wire::Amount::Text("1\u{a0}234,50\u{a0}грн".into()));
        w.products[0].quantity = Some(wire::Amount::Text("3".into()));
        w.full_price = Some(wire::Amount::Text("3\u{202f}703,50 грн".into()));
        w.delivery_cost = Some(wire::Amount::Text("65 грн".into()));
        let o = order(&w, &MapOptions::default()).unwrap();
        assert_eq!(o.items[0].price, dec("1234.5"));
        assert_eq!(o.items[0].quantity, dec("3"));
        assert_eq!(o.total, dec("3703.5"));
        assert_eq!(o.delivery.unwrap().cost, Some(dec("65")));

        // no unit price: derived from the line total; no totals at all: the lines' sum
        let mut w = example();
        w.products[0].price = None;
        w.products[0].total_price = Some(wire::Amount::Text("540,00 грн".into()));
        w.full_price = None;
        w.price = None;
        let o = order(&w, &MapOptions::default()).unwrap();
        assert_eq!(o.items[0].price, dec("270"));
        assert_eq!(o.total, dec("540"));

        let number: wire::Amount = serde_json::from_str("1299.5").unwrap();
        assert_eq!(amount(&number), Some(dec("1299.5")));
        assert_eq!(amount(&wire::Amount::Text("грн".into())), None);

        // a line with no price at all cannot be imported silently at zero
        let mut w = example();
        w.products[0].price = None;
        w.products[0].total_price = None;
        assert!(order(&w, &MapOptions::default()).is_err());
    }

    // covers: CUS-1
    #[test]
    fn phone_formats_become_e164_and_email_lower_case() {
        for raw in [
            "380501112233",
            "0501112233",
            "+38 (050) 111-22-33",
            "+380501112233",
        ] {
            let mut w = example();
            w.phone = Some(raw.into());
            w.email = Some(" Melnyk@Example.COM ".into());
            let c = order(&w, &MapOptions::default()).unwrap().customer.unwrap();
            assert_eq!(c.phone.unwrap().as_str(), "+380501112233", "{raw}");
            assert_eq!(c.email.as_deref(), Some("melnyk@example.com"));
        }
        // no order-level phone: the client block's
        let mut w = example();
        w.phone = None;
        w.client.as_mut().unwrap().phone = Some("0671234567".into());
        let c = order(&w, &MapOptions::default()).unwrap().customer.unwrap();
        assert_eq!(c.phone.unwrap().as_str(), "+380671234567");
    }

    // covers: IMP-3, CUS-1
    #[test]
    fn missing_customer_and_delivery() {
        let mut w = example();
        w.client_first_name = None;
        w.client_last_name = None;
        w.client_second_name = None;
        w.client = None;
        w.phone = None;
        w.email = None;
        w.delivery_recipient = None;
        w.delivery_option = None;
        w.delivery_provider_data = None;
        w.delivery_address = None;
        w.delivery_cost = None;
        let o = order(&w, &MapOptions::default()).unwrap();
        assert!(o.customer.is_none());
        assert!(o.delivery.is_none());
        assert!(o.tracking_number.is_none());
    }

    // covers: SYNC-1, SYNC-2, TRK-4
    #[test]
    fn removed_and_added_lines_and_tracking() {
        let mut w = example();
        let mut second = w.products[0].clone();
        second.id = 2001003005;
        second.sku = Some("CUP-350-B".into());
        second.name = None;
        second.cpa_commission = None;
        w.products.push(second);
        w.delivery_provider_data
            .as_mut()
            .unwrap()
            .declaration_number = Some("20451450921650".into());
        let o = order(&w, &MapOptions::default()).unwrap();
        assert_eq!(o.items.len(), 2);
        assert_eq!(o.items[1].external_id.as_deref(), Some("2001003005"));
        // no `name`: the multilang name in the source's language
        assert_eq!(o.items[1].name, "Чашка керамічна 350 мл");
        let ru = MapOptions {
            language: "ru".into(),
            ..MapOptions::default()
        };
        assert_eq!(
            order(&w, &ru).unwrap().items[1].name,
            "Чашка керамическая 350 мл"
        );
        assert_eq!(o.tracking_number.as_deref(), Some("20451450921650"));
        // a removed line simply is not in the order any more; the other keeps its id
        w.products.remove(0);
        let o = order(&w, &MapOptions::default()).unwrap();
        assert_eq!(o.items.len(), 1);
        assert_eq!(o.items[0].external_id.as_deref(), Some("2001003005"));
    }

    #[test]
    fn times_without_zone_and_unreadable_ones() {
        let kyiv = MapOptions::default();
        assert_eq!(
            parse_time("2025-03-14T22:41:07", &kyiv)
                .unwrap()
                .to_rfc3339(),
            "2025-03-14T20:41:07+00:00"
        );
        let utc = MapOptions {
            naive_times_kyiv: false,
            ..MapOptions::default()
        };
        assert_eq!(
            parse_time("2025-03-14T22:41:07.5", &utc)
                .unwrap()
                .to_rfc3339(),
            "2025-03-14T22:41:07.500+00:00"
        );
        let mut w = example();
        w.date_created = Some("yesterday".into());
        assert!(order(&w, &kyiv).is_err());
    }

    #[test]
    fn carrier_from_delivery_option_name() {
        let mut w = example();
        w.delivery_provider_data = None;
        w.delivery_option = Some(wire::DeliveryOption {
            id: None,
            name: Some("Укрпошта Стандарт".into()),
            shipping_service: None,
        });
        assert_eq!(delivery_provider(&w).as_deref(), Some("ukrposhta"));
        w.delivery_option = None;
        assert_eq!(delivery_provider(&w), None);
    }

    // covers: PUB-1
    #[test]
    fn products_become_publications() {
        let raw = serde_json::json!({
            "id": 2001003004, "external_id": "CUP-350-W", "sku": "CUP-350-W",
            "name": "Чашка", "presence": "available", "quantity_in_stock": 12,
            "price": 270, "currency": "UAH", "status": "on_display"
        });
        let p: wire::Product = serde_json::from_value(raw.clone()).unwrap();
        let publ = publication(&p, raw);
        assert_eq!(publ.external_id, "2001003004");
        assert_eq!(publ.stock, Some(12));
        assert_eq!(publ.price, Some(dec("270")));
        assert_eq!(publ.state.as_deref(), Some("on_display"));
        assert_eq!(publ.sku.as_deref(), Some("CUP-350-W"));
    }

    // covers: IMP-3
    #[test]
    fn amounts_past_the_range_are_errors_naming_the_field() {
        let max = Decimal::MAX.to_string();
        let mut w = example();
        w.products[0].price = Some(wire::Amount::Text(max.clone()));
        w.products[0].quantity = Some(wire::Amount::Text("2".into()));
        let e = order(&w, &MapOptions::default()).unwrap_err();
        assert!(
            e.contains("products[0].price 79228162514264337593543950335"),
            "{e}"
        );
        assert!(e.contains(&w.id.to_string()), "{e}");

        // two lines each fine alone, together past the range
        let mut w = example();
        let line = w.products[0].clone();
        w.products = vec![line.clone(), line];
        for p in &mut w.products {
            p.price = Some(wire::Amount::Text(max.clone()));
            p.quantity = Some(wire::Amount::Text("1".into()));
        }
        let e = order(&w, &MapOptions::default()).unwrap_err();
        assert!(e.contains("products[1].total"), "{e}");

        // a line total divided by a tiny quantity
        let mut w = example();
        w.products[0].price = None;
        w.products[0].total_price = Some(wire::Amount::Text(max.clone()));
        w.products[0].quantity = Some(wire::Amount::Text("0.0000001".into()));
        let e = order(&w, &MapOptions::default()).unwrap_err();
        assert!(e.contains("products[0].total_price"), "{e}");

        // per-line commissions that cannot be added up
        let mut w = example();
        let line = w.products[0].clone();
        w.products = vec![line.clone(), line];
        w.cpa_commission = None;
        for p in &mut w.products {
            p.cpa_commission = Some(wire::CpaCommission {
                amount: Some(wire::Amount::Text(max.clone())),
                is_refunded: Some(false),
            });
        }
        let e = order(&w, &MapOptions::default()).unwrap_err();
        assert!(e.contains("products[1].cpa_commission.amount"), "{e}");

        // within Decimal's range, past what the store keeps
        let mut w = example();
        w.products[0].price = Some(wire::Amount::Text("10000000000000000".into()));
        w.products[0].quantity = Some(wire::Amount::Text("1".into()));
        let e = order(&w, &MapOptions::default()).unwrap_err();
        assert!(
            e.contains("items[0].price 10000000000000000: more than orderhub stores"),
            "{e}"
        );
    }
}
