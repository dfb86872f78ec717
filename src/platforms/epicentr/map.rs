//! Epicentr wire → domain mapping (pure functions): orders, customers, items, delivery and the
//! status classes of ST-1.
#![deny(clippy::arithmetic_side_effects)]

use super::wire;
use crate::domain::money::{checked_div, checked_line_total, checked_sum};
use crate::domain::orders::{Delivery, ImportedCustomer, ImportedItem, ImportedOrder, StatusClass};
use crate::domain::phone::{normalize_email, Phone, Region};
use crate::domain::time::parse_kyiv;
use crate::platforms::{PlatformError, RemotePublication};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// Status codes the note lists as open: the re-read set of SYNC-1 (`filter[statusCode][]`).
pub const OPEN_STATUSES: &[&str] = &[
    "new",
    "confirmed_by_merchant",
    "confirmed",
    "sent",
    "delivered",
    "return_requested",
];

/// Finished orders that land in our `completed` group (ST-1).
pub const COMPLETED_STATUSES: &[&str] = &["completed", "closed"];

/// Finished orders that land in our `cancelled` group; `returned` and the `*_merchant_rejection`
/// codes are ASSUMPTION 5.
pub const CANCELLED_STATUSES: &[&str] = &[
    "canceled",
    "canceled_by_merchant",
    "returned",
    "completed_merchant_rejection",
    "closed_merchant_rejection",
];

/// What the mapping needs beyond the order itself, from the source's settings.
#[derive(Clone, Debug)]
pub struct MapOptions {
    /// ASSUMPTION 4: no currency field on the wire.
    pub currency: String,
    pub completed_statuses: Vec<String>,
    pub cancelled_statuses: Vec<String>,
}

impl Default for MapOptions {
    fn default() -> Self {
        MapOptions {
            currency: "UAH".into(),
            completed_statuses: COMPLETED_STATUSES.iter().map(|s| s.to_string()).collect(),
            cancelled_statuses: CANCELLED_STATUSES.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl MapOptions {
    /// ST-1: where a platform status stands. Unknown codes count as still in processing.
    pub fn status_class(&self, code: &str) -> StatusClass {
        if self.completed_statuses.iter().any(|s| s == code) {
            StatusClass::Completed
        } else if self.cancelled_statuses.iter().any(|s| s == code) {
            StatusClass::Cancelled
        } else {
            StatusClass::Processing
        }
    }

    pub fn is_final(&self, code: &str) -> bool {
        self.status_class(code) != StatusClass::Processing
    }
}

/// Epicentr writes ISO-8601 with an offset; a time without one is read as Kyiv wall-clock time.
pub fn parse_time(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            DateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f%z")
                .map(|t| t.with_timezone(&Utc))
                .ok()
        })
        .or_else(|| parse_kyiv(raw))
}

fn non_blank(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// One order (summary or detail) in our terms.
pub fn map_order(o: &wire::Order, opts: &MapOptions) -> Result<ImportedOrder, PlatformError> {
    if o.id.trim().is_empty() {
        return Err(PlatformError::BadResponse("an order without `id`".into()));
    }
    let created_raw = o
        .created_at
        .as_deref()
        .ok_or_else(|| PlatformError::BadResponse(format!("order {} has no `createdAt`", o.id)))?;
    let created_at = parse_time(created_raw).ok_or_else(|| {
        PlatformError::BadResponse(format!(
            "order {} has an unreadable `createdAt`: {created_raw}",
            o.id
        ))
    })?;
    let updated_at = o.updated_at.as_deref().and_then(parse_time);
    let in_order = |e: String| PlatformError::BadResponse(format!("order {}: {e}", o.id));
    let items = o
        .items
        .iter()
        .enumerate()
        .map(|(i, line)| map_item(i, line))
        .collect::<Result<Vec<_>, _>>()
        .map_err(in_order)?;
    // every line's total must be one orderhub can hold, whichever total the order shows
    let line_totals = items
        .iter()
        .enumerate()
        .map(|(i, l)| checked_line_total(&format!("items[{i}].price"), l.price, l.quantity))
        .collect::<Result<Vec<_>, _>>()
        .map_err(in_order)?;
    let lines_total = checked_sum("items[].total", line_totals).map_err(in_order)?;
    let total = o.subtotal.map_or(lines_total, |a| a.value());
    let status = o.status_code.trim();
    ImportedOrder {
        external_id: o.id.clone(),
        number: non_blank(&o.number).unwrap_or_else(|| o.id.clone()),
        source_status: (!status.is_empty()).then(|| status.to_string()),
        status_class: opts.status_class(status),
        created_at,
        updated_at,
        customer: o.address.as_ref().and_then(map_customer),
        items,
        total,
        currency: opts.currency.clone(),
        tracking_number: o
            .address
            .as_ref()
            .and_then(|a| a.shipment.as_ref())
            .and_then(|s| non_blank(&s.number)),
        // ASSUMPTION 4: Epicentr does not expose its commission
        commission: None,
        delivery: map_delivery(o),
    }
    .within_stored_range()
    .map_err(in_order)
}

/// The buyer; `None` while Epicentr hides the contacts (an order still `new`).
pub fn map_customer(a: &wire::Address) -> Option<ImportedCustomer> {
    let first_name = non_blank(&a.first_name);
    let last_name = non_blank(&a.last_name);
    let phone = a
        .phone
        .as_deref()
        .and_then(|p| Phone::parse_in(p, Some(Region::Ukraine)));
    let email = a.email.as_deref().and_then(normalize_email);
    if first_name.is_none() && last_name.is_none() && phone.is_none() && email.is_none() {
        return None;
    }
    Some(ImportedCustomer {
        first_name,
        last_name,
        phone,
        email,
        address: None,
        unspecified: false,
    })
}

/// Line `index` of the order; an error names the field orderhub cannot hold.
pub fn map_item(index: usize, i: &wire::OrderItem) -> Result<ImportedItem, String> {
    let quantity = i.quantity.map(|q| q.value()).unwrap_or(Decimal::ONE);
    let price = match (i.price, i.subtotal.or(i.total_price)) {
        (Some(p), _) => p.value(),
        // only a line total: the unit price is what it divides into
        (None, Some(t)) if !quantity.is_zero() => {
            checked_div(&format!("items[{index}].subtotal"), t.value(), quantity)?.round_dp(2)
        }
        _ => Decimal::ZERO,
    };
    let offer = non_blank(&i.offer_id);
    Ok(ImportedItem {
        // one line per offer in an Epicentr order: the offer id names the line
        external_id: offer.clone(),
        name: non_blank(&i.title)
            .or_else(|| non_blank(&i.sku))
            .unwrap_or_else(|| "—".into()),
        sku: non_blank(&i.sku),
        code: offer,
        description: None,
        category: Vec::new(),
        quantity,
        price,
    })
}

/// Human name of a carrier code of `address.shipment.provider`.
pub fn carrier_name(provider: &str) -> String {
    match provider {
        "nova_poshta" => "Нова Пошта".into(),
        "ukrposhta" => "Укрпошта".into(),
        "meest" => "Meest".into(),
        "pickup" => "Самовивіз".into(),
        "cvz_epicentr" => "Доставка Епіцентр".into(),
        other => other.into(),
    }
}

fn full_name(first: &Option<String>, last: &Option<String>) -> Option<String> {
    let parts: Vec<String> = [non_blank(first), non_blank(last)]
        .into_iter()
        .flatten()
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// DLV-1: carrier, branch, cost, and the recipient with the address in one line.
pub fn map_delivery(o: &wire::Order) -> Option<Delivery> {
    let address = o.address.as_ref();
    let shipment = address.and_then(|a| a.shipment.as_ref());
    if shipment.is_none() && o.settlement.is_none() && o.office.is_none() {
        return None;
    }
    let (recipient_name, recipient_phone) = match address {
        Some(a) => match &a.recipient {
            Some(r) if full_name(&r.first_name, &r.last_name).is_some() => {
                (full_name(&r.first_name, &r.last_name), r.phone.clone())
            }
            _ => (full_name(&a.first_name, &a.last_name), a.phone.clone()),
        },
        None => (None, None),
    };
    let city = o
        .settlement
        .as_ref()
        .and_then(|s| non_blank(&s.title).or_else(|| non_blank(&s.city)));
    let office_title = o.office.as_ref().and_then(|f| non_blank(&f.title));
    let office_address = o.office.as_ref().and_then(|f| non_blank(&f.address));
    let street = shipment.and_then(|s| non_blank(&s.address));
    let line: Vec<String> = [
        recipient_name,
        city,
        office_title.clone(),
        office_address,
        street,
    ]
    .into_iter()
    .flatten()
    .collect();
    Some(Delivery {
        carrier: shipment
            .and_then(|s| non_blank(&s.provider))
            .map(|p| carrier_name(&p)),
        method: office_title.or_else(|| {
            shipment
                .and_then(|s| non_blank(&s.address))
                .map(|_| "Адресна доставка".to_string())
        }),
        cost: shipment.and_then(|s| s.delivery_price).map(|a| a.value()),
        address: (!line.is_empty()).then(|| line.join(", ")),
        recipient_phone: recipient_phone
            .as_deref()
            .and_then(|p| Phone::parse_in(p, Some(Region::Ukraine)))
            .map(Phone::into_string),
    })
}

/// A PIM product as a publication (PUB-1); Epicentr knows availability, not a stock count.
pub fn map_product(p: &wire::Product) -> Result<RemotePublication, PlatformError> {
    let external_id = non_blank(&p.id)
        .or_else(|| non_blank(&p.sku))
        .ok_or_else(|| PlatformError::BadResponse("a product without `id` and `sku`".into()))?;
    Ok(RemotePublication {
        external_id,
        name: non_blank(&p.title).unwrap_or_default(),
        sku: non_blank(&p.sku),
        price: p.price.map(|a| a.value()),
        currency: Some("UAH".into()),
        stock: None,
        state: non_blank(&p.availability).or_else(|| non_blank(&p.status)),
        url: None,
        raw: serde_json::to_value(p).unwrap_or(serde_json::Value::Null),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    /// The note's example order (§9), verbatim.
    pub(crate) const EXAMPLE: &str = r#"{
      "id": "9d1b7c3e-6a2f-4b8e-a1c4-5e7f90d2b3a6",
      "number": "61045872",
      "createdAt": "2025-03-14T09:12:45+00:00",
      "statusCode": "confirmed",
      "subtotal": 1180,
      "payed": false,
      "cancel": null,
      "items": [
        { "offerId": "a1f3c2d4-0000-4000-8000-000000000001", "sku": "CUP-350-W",
          "title": "Чашка керамічна 350 мл", "quantity": 2, "price": 590 }
      ],
      "address": {
        "firstName": "Ірина", "lastName": "Шевчук", "patronymic": "Олегівна",
        "phone": "380631234567", "email": "Shevchuk@Example.com",
        "recipient": null,
        "shipment": {
          "provider": "nova_poshta", "number": null,
          "paymentProvider": "pay_on_delivery", "paymentStatus": "none",
          "deliveryPrice": 0, "address": null,
          "settlementId": "b3c1e7a2-1111-4d2e-9a0b-2f6d7c8e9a01",
          "officeId": "c4d2f8b3-2222-4e3f-8b1c-3a7e8d9f0b12"
        }
      },
      "settlement": { "title": "Полтава", "city": "Полтава", "region": "Полтавська", "district": null,
                      "external_id": "e2a4c7b1-391c-11dd-90d9-001a92567626" },
      "office": { "title": "Поштомат №31457", "address": "вул. Соборна, 12", "externalId": "5f8e1d2a-e1b8-11e3-8c4a-0050568002cf" }
    }"#;

    fn example() -> wire::Order {
        serde_json::from_str(EXAMPLE).unwrap()
    }

    // covers: IMP-3, CUS-1, PRD-1, DLV-1
    #[test]
    fn the_notes_example_order() {
        let o = map_order(&example(), &MapOptions::default()).unwrap();
        assert_eq!(o.external_id, "9d1b7c3e-6a2f-4b8e-a1c4-5e7f90d2b3a6");
        assert_eq!(o.number, "61045872");
        assert_eq!(o.source_status.as_deref(), Some("confirmed"));
        assert_eq!(o.status_class, StatusClass::Processing);
        assert_eq!(o.created_at.to_rfc3339(), "2025-03-14T09:12:45+00:00");
        assert_eq!(o.updated_at, None);
        assert_eq!(o.total, dec("1180"));
        assert_eq!(o.currency, "UAH");
        assert_eq!(o.tracking_number, None);
        assert_eq!(o.commission, None);
        let c = o.customer.unwrap();
        assert_eq!(c.first_name.as_deref(), Some("Ірина"));
        assert_eq!(c.last_name.as_deref(), Some("Шевчук"));
        assert_eq!(c.phone.unwrap().as_str(), "+380631234567");
        assert_eq!(c.email.as_deref(), Some("shevchuk@example.com"));
        assert_eq!(o.items.len(), 1);
        let i = &o.items[0];
        assert_eq!(i.name, "Чашка керамічна 350 мл");
        assert_eq!(i.sku.as_deref(), Some("CUP-350-W"));
        assert_eq!(
            i.code.as_deref(),
            Some("a1f3c2d4-0000-4000-8000-000000000001")
        );
        assert_eq!(i.quantity, dec("2"));
        assert_eq!(i.price, dec("590"));
        let d = o.delivery.unwrap();
        assert_eq!(d.carrier.as_deref(), Some("Нова Пошта"));
        assert_eq!(d.method.as_deref(), Some("Поштомат №31457"));
        assert_eq!(d.cost, Some(dec("0")));
        assert_eq!(
            d.address.as_deref(),
            Some("Ірина Шевчук, Полтава, Поштомат №31457, вул. Соборна, 12")
        );
        assert_eq!(d.recipient_phone.as_deref(), Some("+380631234567"));
    }

    // covers: ST-1, IMP-1
    #[test]
    fn final_statuses_fall_into_completed_and_cancelled() {
        let m = MapOptions::default();
        for (code, class) in [
            ("new", StatusClass::Processing),
            ("confirmed_by_merchant", StatusClass::Processing),
            ("sent", StatusClass::Processing),
            ("delivered", StatusClass::Processing),
            ("return_requested", StatusClass::Processing),
            ("completed", StatusClass::Completed),
            ("closed", StatusClass::Completed),
            ("canceled", StatusClass::Cancelled),
            ("canceled_by_merchant", StatusClass::Cancelled),
            ("returned", StatusClass::Cancelled),
            ("closed_merchant_rejection", StatusClass::Cancelled),
            ("something_new", StatusClass::Processing),
        ] {
            let mut o = example();
            o.status_code = code.into();
            let got = map_order(&o, &m).unwrap();
            assert_eq!(got.status_class, class, "{code}");
            assert_eq!(got.source_status.as_deref(), Some(code));
        }
        // ASSUMPTION 5 is a setting: a source may count `returned` as completed
        let custom = MapOptions {
            completed_statuses: vec!["completed".into(), "returned".into()],
            ..MapOptions::default()
        };
        assert_eq!(custom.status_class("returned"), StatusClass::Completed);
    }

    // covers: IMP-3, CUS-1
    #[test]
    fn hidden_contacts_give_no_customer_and_recipient_wins_for_delivery() {
        let mut o = example();
        o.status_code = "new".into();
        let a = o.address.as_mut().unwrap();
        a.first_name = None;
        a.last_name = None;
        a.patronymic = None;
        a.phone = None;
        a.email = Some("  ".into());
        let got = map_order(&o, &MapOptions::default()).unwrap();
        assert!(got.customer.is_none());

        let mut o = example();
        o.address.as_mut().unwrap().recipient = Some(wire::Person {
            first_name: Some("Тарас".into()),
            last_name: Some("Мельник".into()),
            patronymic: None,
            phone: Some("0671112233".into()),
        });
        let got = map_order(&o, &MapOptions::default()).unwrap();
        let d = got.delivery.unwrap();
        assert!(d.address.unwrap().starts_with("Тарас Мельник, Полтава"));
        assert_eq!(d.recipient_phone.as_deref(), Some("+380671112233"));
        // the buyer stays the customer
        assert_eq!(got.customer.unwrap().last_name.as_deref(), Some("Шевчук"));
    }

    // covers: CUS-1
    #[test]
    fn phone_formats_become_e164() {
        for raw in ["380631234567", "0631234567", "+38 (063) 123-45-67"] {
            let mut o = example();
            o.address.as_mut().unwrap().phone = Some(raw.into());
            let c = map_order(&o, &MapOptions::default())
                .unwrap()
                .customer
                .unwrap();
            assert_eq!(c.phone.unwrap().as_str(), "+380631234567", "{raw}");
        }
        // a number typed as a JSON number still reads
        let v = EXAMPLE.replace("\"phone\": \"380631234567\"", "\"phone\": 380631234567");
        let o: wire::Order = serde_json::from_str(&v).unwrap();
        let c = map_order(&o, &MapOptions::default())
            .unwrap()
            .customer
            .unwrap();
        assert_eq!(c.phone.unwrap().as_str(), "+380631234567");
    }

    // covers: IMP-3
    #[test]
    fn odd_money_and_line_totals() {
        let v = EXAMPLE
            .replace("\"subtotal\": 1180", "\"subtotal\": \"1 180,50 грн\"")
            .replace("\"price\": 590 }", "\"price\": \"590.25\" }")
            .replace("\"deliveryPrice\": 0", "\"deliveryPrice\": 65.5");
        let o: wire::Order = serde_json::from_str(&v).unwrap();
        let got = map_order(&o, &MapOptions::default()).unwrap();
        assert_eq!(got.total, dec("1180.5"));
        assert_eq!(got.items[0].price, dec("590.25"));
        assert_eq!(got.delivery.unwrap().cost, Some(dec("65.5")));

        // only a line total: unit price from it; no subtotal: the total from the lines
        let o: wire::Order = serde_json::from_str(
            r#"{"id":"u1","number":7,"createdAt":"2026-11-01T10:00:00Z","statusCode":"new",
                "items":[{"offerId":"of-1","title":"Термос","quantity":3,"totalPrice":300}]}"#,
        )
        .unwrap();
        let got = map_order(&o, &MapOptions::default()).unwrap();
        assert_eq!(got.number, "7");
        assert_eq!(got.items[0].price, dec("100"));
        assert_eq!(got.total, dec("300"));
        assert!(got.delivery.is_none());
        assert!(got.customer.is_none());
    }

    // covers: SYNC-2, IMP-3
    #[test]
    fn removed_lines_are_simply_absent_and_tracking_is_read() {
        let mut o = example();
        o.items.clear();
        o.address
            .as_mut()
            .unwrap()
            .shipment
            .as_mut()
            .unwrap()
            .number = Some("20451450921650".into());
        let got = map_order(&o, &MapOptions::default()).unwrap();
        assert!(got.items.is_empty());
        // the platform's subtotal stays the total even when the lines are gone
        assert_eq!(got.total, dec("1180"));
        assert_eq!(got.tracking_number.as_deref(), Some("20451450921650"));
    }

    #[test]
    fn times_with_and_without_zone_and_bad_input() {
        assert_eq!(
            parse_time("2026-11-01T10:00:00.123+02:00")
                .unwrap()
                .to_rfc3339(),
            "2026-11-01T08:00:00.123+00:00"
        );
        assert_eq!(
            parse_time("2026-11-01T10:00:00+0200").unwrap().to_rfc3339(),
            "2026-11-01T08:00:00+00:00"
        );
        // no zone: Kyiv wall-clock time
        assert_eq!(
            parse_time("2026-07-01 12:00:00").unwrap().to_rfc3339(),
            "2026-07-01T09:00:00+00:00"
        );
        let mut o = example();
        o.created_at = Some("yesterday".into());
        assert!(matches!(
            map_order(&o, &MapOptions::default()),
            Err(PlatformError::BadResponse(_))
        ));
        let mut o = example();
        o.id = String::new();
        assert!(matches!(
            map_order(&o, &MapOptions::default()),
            Err(PlatformError::BadResponse(_))
        ));
    }

    // covers: PUB-1
    #[test]
    fn products_become_publications() {
        let p: wire::Product = serde_json::from_str(
            r#"{"id":"p-1","sku":"XM-SB8","title":"Фітнес-браслет","status":"active","price":1399,"availability":"in_stock"}"#,
        )
        .unwrap();
        let r = map_product(&p).unwrap();
        assert_eq!(r.external_id, "p-1");
        assert_eq!(r.sku.as_deref(), Some("XM-SB8"));
        assert_eq!(r.price, Some(dec("1399")));
        assert_eq!(r.state.as_deref(), Some("in_stock"));
        assert_eq!(r.stock, None);
        assert!(map_product(&wire::Product::default()).is_err());
    }

    // covers: IMP-3
    #[test]
    fn amounts_past_the_range_are_errors_naming_the_field() {
        let read = |items: &str| -> String {
            let o: wire::Order = serde_json::from_str(&format!(
                r#"{{"id":"u1","number":7,"createdAt":"2026-11-01T10:00:00Z","statusCode":"new",
                    "items":{items}}}"#
            ))
            .unwrap();
            map_order(&o, &MapOptions::default())
                .unwrap_err()
                .to_string()
        };
        let e =
            read(r#"[{"offerId":"of-1","quantity":2,"price":"79228162514264337593543950335"}]"#);
        assert!(
            e.contains("items[0].price 79228162514264337593543950335"),
            "{e}"
        );
        assert!(e.contains("u1"), "{e}");
        let e = read(
            r#"[{"offerId":"a","quantity":1,"price":"79228162514264337593543950335"},
                {"offerId":"b","quantity":1,"price":"79228162514264337593543950335"}]"#,
        );
        assert!(e.contains("items[1].total"), "{e}");
        let e = read(
            r#"[{"offerId":"a","quantity":0.0000001,"totalPrice":"79228162514264337593543950335"}]"#,
        );
        assert!(e.contains("items[0]"), "{e}");
    }
}
