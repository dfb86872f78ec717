//! Rozetka wire → domain mapping (pure functions): orders to `ImportedOrder`, goods to publications.
#![deny(clippy::arithmetic_side_effects)]

use super::statuses;
use super::wire;
use crate::domain::money::{checked_add, checked_div, checked_line_total, parse_amount};
use crate::domain::orders::{Delivery, ImportedCustomer, ImportedItem, ImportedOrder, StatusClass};
use crate::domain::phone::{Phone, Region};
use crate::domain::time::parse_kyiv;
use crate::platforms::{PlatformError, RemotePublication};
use rust_decimal::Decimal;

/// How the order's marketplace commission is computed (ASSUMPTION 6 of the note).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommissionFormula {
    /// Σ over live lines of `quantity × item.commission_sum` (the note's default).
    PerItemSum,
    /// Σ over live lines of `cost_with_discount × item.commission_percent / 100`.
    Percent,
    /// Do not report a commission.
    Off,
}

/// What the mapping needs from the source's settings.
#[derive(Clone, Debug)]
pub struct MapOptions {
    /// Rozetka has no currency field; amounts are hryvnia (ASSUMPTION 3).
    pub currency: String,
    pub commission: CommissionFormula,
}

impl Default for MapOptions {
    fn default() -> Self {
        MapOptions {
            currency: "UAH".into(),
            commission: CommissionFormula::PerItemSum,
        }
    }
}

/// Purchase status 0: the line was removed while the order was edited on Rozetka.
const PURCHASE_REMOVED: i64 = 0;

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn opt_non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref().and_then(non_empty)
}

/// The class of an order's status: the server's `status_group` wins, the note's table otherwise.
pub fn status_class(order: &wire::Order) -> StatusClass {
    let group = match order.status_group {
        0 => order
            .status_data
            .as_ref()
            .map(|d| d.status_group)
            .filter(|g| *g != 0)
            .unwrap_or_else(|| statuses::group_of(order.status)),
        g => g,
    };
    match group {
        2 => StatusClass::Completed,
        3 => StatusClass::Cancelled,
        _ => StatusClass::Processing,
    }
}

/// One Rozetka order in our terms (IMP-3).
pub fn order_to_imported(
    order: &wire::Order,
    options: &MapOptions,
) -> Result<ImportedOrder, PlatformError> {
    let created_at = parse_kyiv(&order.created).ok_or_else(|| {
        PlatformError::BadResponse(format!(
            "order {}: unreadable `created` {:?}",
            order.id, order.created
        ))
    })?;
    let total = [
        &order.cost_with_discount,
        &order.cost,
        &order.amount_with_discount,
        &order.amount,
    ]
    .into_iter()
    .find_map(|s| parse_amount(s))
    .ok_or_else(|| PlatformError::BadResponse(format!("order {}: no readable total", order.id)))?;

    // (index in `purchases`, purchase): the index names the field in an error
    let live: Vec<(usize, &wire::Purchase)> = order
        .purchases
        .iter()
        .flatten()
        .enumerate()
        .filter(|(_, p)| p.status != PURCHASE_REMOVED)
        .collect();
    let in_order = |e: String| PlatformError::BadResponse(format!("order {}: {e}", order.id));
    let items: Vec<ImportedItem> = live.iter().map(|(_, p)| item(p)).collect();
    // every line's total must be one orderhub can hold
    for ((i, _), line) in live.iter().zip(&items) {
        checked_line_total(&format!("purchases[{i}].price"), line.price, line.quantity)
            .map_err(in_order)?;
    }
    let commission = commission(&live, options.commission).map_err(in_order)?;

    ImportedOrder {
        external_id: order.id.to_string(),
        number: order.id.to_string(),
        source_status: Some(order.status.to_string()),
        status_class: status_class(order),
        created_at,
        updated_at: parse_kyiv(&order.changed),
        customer: customer(order),
        items,
        total,
        currency: options.currency.clone(),
        tracking_number: non_empty(&order.ttn),
        commission,
        delivery: order.delivery.as_ref().map(delivery),
    }
    .within_stored_range()
    .map_err(in_order)
}

/// The buyer: Rozetka exposes no e-mail (`user.email` is only a flag), so matching is by phone (CUS-1).
fn customer(order: &wire::Order) -> Option<ImportedCustomer> {
    let phone = Phone::parse_in(&order.user_phone, Some(Region::Ukraine));
    let title = order.user_title.clone().unwrap_or_default();
    let (mut first, mut last) = (non_empty(&title.first_name), non_empty(&title.last_name));
    if first.is_none() && last.is_none() {
        // only a full name (or the contact's name) given: "Прізвище Ім'я [По батькові]"
        let full = non_empty(&title.full_name)
            .or_else(|| order.user.as_ref().and_then(|u| non_empty(&u.contact_fio)));
        if let Some(full) = full {
            let mut words = full.split_whitespace();
            last = words.next().map(str::to_string);
            first = words.next().map(str::to_string);
        }
    }
    if phone.is_none() && first.is_none() && last.is_none() {
        return None;
    }
    Some(ImportedCustomer {
        first_name: first,
        last_name: last,
        phone,
        email: None,
        address: None,
        unspecified: false,
    })
}

fn item(p: &wire::Purchase) -> ImportedItem {
    let product = p.item.as_ref();
    let name = non_empty(&p.item_name)
        .or_else(|| product.and_then(|i| non_empty(&i.name_ua)))
        .or_else(|| product.and_then(|i| non_empty(&i.name)))
        .unwrap_or_else(|| format!("Rozetka item {}", p.item_id));
    let code = match (p.item_id, product.map(|i| i.id)) {
        (0, Some(id)) if id != 0 => Some(id.to_string()),
        (0, _) => None,
        (id, _) => Some(id.to_string()),
    };
    // the unit price the buyer pays; the discounted one when Rozetka gives it
    let price = parse_amount(&p.price_with_discount)
        .or_else(|| parse_amount(&p.price))
        .or_else(|| product.and_then(|i| parse_amount(&i.price)))
        .unwrap_or_default();
    ImportedItem {
        external_id: (p.id != 0).then(|| p.id.to_string()),
        name,
        sku: product.and_then(|i| opt_non_empty(&i.article)),
        code,
        description: None,
        category: product
            .and_then(|i| i.catalog_category.as_ref())
            .and_then(|c| non_empty(&c.name))
            .into_iter()
            .collect(),
        quantity: Decimal::from(p.quantity),
        price,
    }
}

/// The marketplace commission (EXP-1): Rozetka gives it per product, not per order. An error names
/// the field whose value orderhub cannot hold.
fn commission(
    live: &[(usize, &wire::Purchase)],
    formula: CommissionFormula,
) -> Result<Option<Decimal>, String> {
    let mut sum = Decimal::ZERO;
    let mut any = false;
    for (i, p) in live {
        let Some(product) = p.item.as_ref() else {
            continue;
        };
        let line = match formula {
            CommissionFormula::Off => return Ok(None),
            CommissionFormula::PerItemSum => product
                .commission_sum
                .as_deref()
                .and_then(parse_amount)
                .map(|unit| {
                    checked_line_total(
                        &format!("purchases[{i}].item.commission_sum"),
                        unit,
                        Decimal::from(p.quantity),
                    )
                })
                .transpose()?,
            CommissionFormula::Percent => {
                let pct = match &product.commission_percent {
                    serde_json::Value::Number(n) => parse_amount(&n.to_string()),
                    serde_json::Value::String(s) => parse_amount(s),
                    _ => None,
                };
                let cost = parse_amount(&p.cost_with_discount).or_else(|| parse_amount(&p.cost));
                pct.zip(cost)
                    .map(|(pct, cost)| {
                        let field = format!("purchases[{i}].item.commission_percent");
                        let share = cost.checked_mul(pct).ok_or_else(|| {
                            format!("{field} {pct} × cost {cost}: the product does not fit")
                        })?;
                        // dividing by 100 only makes it smaller
                        checked_div(&field, share, Decimal::ONE_HUNDRED).map(|c| c.round_dp(2))
                    })
                    .transpose()?
            }
        };
        if let Some(line) = line {
            sum = checked_add(sum, &format!("purchases[{i}] commission"), line)?;
            any = true;
        }
    }
    Ok(any.then_some(sum))
}

/// DLV-1: carrier, cost and "recipient, city, branch/address" in one line.
fn delivery(d: &wire::DeliveryInfo) -> Delivery {
    let recipient = opt_non_empty(&d.recipient_title).or_else(|| {
        let parts: Vec<String> = [&d.recipient_last_name, &d.recipient_first_name]
            .into_iter()
            .filter_map(opt_non_empty)
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    });
    let city = d.city.as_ref().and_then(|c| {
        non_empty(&c.title)
            .or_else(|| non_empty(&c.name_ua))
            .or_else(|| non_empty(&c.name))
    });
    let branch = opt_non_empty(&d.place_number).map(|n| format!("відділення №{n}"));
    let street: Vec<String> = [&d.place_street, &d.place_house]
        .into_iter()
        .filter_map(opt_non_empty)
        .collect();
    let mut street = (!street.is_empty()).then(|| street.join(" "));
    if let (Some(s), Some(flat)) = (street.as_mut(), opt_non_empty(&d.place_flat)) {
        s.push_str(&format!(", кв. {flat}"));
    }
    let parts: Vec<String> = [recipient, city, branch, street]
        .into_iter()
        .flatten()
        .collect();
    Delivery {
        carrier: opt_non_empty(&d.delivery_service_name).or_else(|| opt_non_empty(&d.name_logo)),
        method: None,
        cost: d.cost.as_deref().and_then(parse_amount),
        address: (!parts.is_empty()).then(|| parts.join(", ")),
        recipient_phone: d
            .recipient_phone
            .as_deref()
            .and_then(|p| Phone::parse_in(p, Some(Region::Ukraine)))
            .map(Phone::into_string),
    }
}

/// A listing as a publication. All goods are returned with their sell status in `state`; which
/// become publications (PUB-2: 2, 3, 4) is the sync engine's rule.
pub fn good_to_publication(
    raw: serde_json::Value,
    currency: &str,
) -> Result<RemotePublication, PlatformError> {
    let good: wire::Good = serde_json::from_value(raw.clone())
        .map_err(|e| PlatformError::BadResponse(format!("unreadable good: {e}")))?;
    if good.rz_item_id == 0 {
        return Err(PlatformError::BadResponse(
            "a good without rz_item_id".into(),
        ));
    }
    Ok(RemotePublication {
        external_id: good.rz_item_id.to_string(),
        name: non_empty(&good.name_ua)
            .or_else(|| non_empty(&good.name))
            .unwrap_or_else(|| format!("Rozetka item {}", good.rz_item_id)),
        sku: opt_non_empty(&good.article),
        price: good.price.as_deref().and_then(parse_amount),
        currency: Some(currency.to_string()),
        stock: good.stock_quantity,
        state: Some(good.rz_sell_status.to_string()),
        url: opt_non_empty(&good.url),
        raw,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::str::FromStr;

    pub(crate) const EXAMPLE: &str = r##"{
      "success": true,
      "content": {
        "id": 612345678, "created": "2025-03-14 11:49:32", "changed": "2025-03-14 12:05:10",
        "amount": "1280.00", "amount_with_discount": "1180.00", "cost": "1280.00",
        "cost_with_discount": "1180.00", "status": 26, "status_group": 1, "total_quantity": 2,
        "user_phone": "380671234567",
        "user_title": { "first_name": "Олена", "last_name": "Коваль", "second_name": "Петрівна",
                        "full_name": "Коваль Олена Петрівна" },
        "comment": "Зателефонуйте після 18:00", "ttn": "", "created_type": 4, "is_fulfillment": false,
        "callback_off": 0, "seller_comment": [], "current_seller_comment": "",
        "user": { "id": 51234987, "has_email": true, "contact_fio": "Коваль Олена", "email": "true" },
        "delivery": {
          "delivery_service_id": 5, "delivery_service_name": "Нова Пошта", "delivery_method_id": 1,
          "recipient_title": "Коваль Олена Петрівна", "recipient_first_name": "Олена",
          "recipient_last_name": "Коваль", "recipient_second_name": "Петрівна",
          "recipient_phone": "380671234567", "another_recipient": false,
          "city": { "id": 1, "name": "Киев", "name_ua": "Київ", "title": "Київ", "region_title": "", "status": 1 },
          "place_id": 20871, "place_street": "просп. Перемоги", "place_number": "76",
          "place_house": "89а", "place_flat": null, "cost": null,
          "ref_id": "7a9c1e42-5b3d-11e4-8c4a-0050568002cf", "name_logo": "nova-pochta",
          "reserve_date": "2025-03-21", "email": null
        },
        "purchases": [
          { "id": 873451209, "item_id": 401234567, "item_name": "Чашка керамічна 350 мл",
            "quantity": 2, "price": "640.00", "price_with_discount": "590.00",
            "cost": "1280.00", "cost_with_discount": "1180.00",
            "kit_id": 0, "status": 1, "is_additional_item": false,
            "item": { "id": 401234567, "name": "Чашка керамічна 350 мл", "name_ua": "Чашка керамічна 350 мл",
                      "article": "CUP-350-W", "price_offer_id": "A-7731", "price": "640.00",
                      "commission_percent": 12, "commission_sum": "76.80" } }
        ],
        "status_data": { "id": 26, "name": "Обрабатывается менеджером", "name_uk": "Опрацьовується менеджером",
                         "name_en": "Processed by manager", "status_group": 1, "status": 1, "color": "#FFAB00" }
      }
    }"##;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn example() -> wire::Order {
        let env: wire::Envelope = serde_json::from_str(EXAMPLE).unwrap();
        serde_json::from_value(env.content).unwrap()
    }

    // covers: IMP-3, CUS-1, DLV-1, EXP-1, PRD-2
    #[test]
    fn the_notes_example_order() {
        let o = order_to_imported(&example(), &MapOptions::default()).unwrap();
        assert_eq!(o.external_id, "612345678");
        assert_eq!(o.number, "612345678");
        assert_eq!(o.source_status.as_deref(), Some("26"));
        assert_eq!(o.status_class, StatusClass::Processing);
        // Kyiv winter time is UTC+2
        assert_eq!(o.created_at.to_rfc3339(), "2025-03-14T09:49:32+00:00");
        assert_eq!(
            o.updated_at.unwrap().to_rfc3339(),
            "2025-03-14T10:05:10+00:00"
        );
        assert_eq!(o.total, dec("1180"));
        assert_eq!(o.currency, "UAH");
        assert_eq!(o.tracking_number, None);
        // 2 × 76.80
        assert_eq!(o.commission, Some(dec("153.6")));
        let c = o.customer.unwrap();
        assert_eq!(c.first_name.as_deref(), Some("Олена"));
        assert_eq!(c.last_name.as_deref(), Some("Коваль"));
        assert_eq!(c.phone.unwrap().as_str(), "+380671234567");
        assert_eq!(c.email, None, "user.email is a flag, not an address");
        assert_eq!(o.items.len(), 1);
        let i = &o.items[0];
        assert_eq!(i.external_id.as_deref(), Some("873451209"));
        assert_eq!(i.sku.as_deref(), Some("CUP-350-W"));
        assert_eq!(i.code.as_deref(), Some("401234567"));
        assert_eq!(i.quantity, dec("2"));
        assert_eq!(i.price, dec("590"));
        let d = o.delivery.unwrap();
        assert_eq!(d.carrier.as_deref(), Some("Нова Пошта"));
        assert_eq!(d.cost, None);
        assert_eq!(
            d.address.as_deref(),
            Some("Коваль Олена Петрівна, Київ, відділення №76, просп. Перемоги 89а")
        );
        assert_eq!(d.recipient_phone.as_deref(), Some("+380671234567"));
    }

    // covers: IMP-1, ST-2
    #[test]
    fn status_group_decides_the_class() {
        let mut o = example();
        o.status = 6;
        o.status_group = 2;
        assert_eq!(status_class(&o), StatusClass::Completed);
        o.status = 45;
        o.status_group = 3;
        assert_eq!(status_class(&o), StatusClass::Cancelled);
        // no group in the answer: status_data, then the note's table
        o.status_group = 0;
        o.status_data = None;
        assert_eq!(status_class(&o), StatusClass::Cancelled);
        o.status = 87;
        assert_eq!(status_class(&o), StatusClass::Completed);
        o.status = 61;
        assert_eq!(status_class(&o), StatusClass::Processing);
    }

    // covers: SYNC-2, EXP-1
    #[test]
    fn removed_lines_are_skipped_and_earn_no_commission() {
        let mut o = example();
        let mut removed = o.purchases.as_ref().unwrap()[0].clone();
        removed.id = 1;
        removed.status = 0;
        removed.quantity = 5;
        o.purchases.as_mut().unwrap().push(removed);
        let m = order_to_imported(&o, &MapOptions::default()).unwrap();
        assert_eq!(m.items.len(), 1);
        assert_eq!(m.commission, Some(dec("153.6")));
        let pct = MapOptions {
            commission: CommissionFormula::Percent,
            ..MapOptions::default()
        };
        // 12 % of 1180.00
        assert_eq!(
            order_to_imported(&o, &pct).unwrap().commission,
            Some(dec("141.6"))
        );
    }

    // covers: IMP-3, CUS-1
    #[test]
    fn missing_customer_odd_money_and_phone_forms() {
        let json = serde_json::json!({
            "id": "77", "created": "2025-07-01 10:00:00", "changed": null,
            "cost_with_discount": "1 234,50 грн", "status": "1", "status_group": "1",
            "user_phone": "", "ttn": " 20450000000001 ",
            "purchases": [{ "id": 5, "item_id": 9, "item_name": "", "quantity": "3", "price": 100,
                            "price_with_discount": null, "status": 1,
                            "item": { "id": 9, "name_ua": "Товар", "article": "" } }]
        });
        let o: wire::Order = serde_json::from_value(json).unwrap();
        let m = order_to_imported(&o, &MapOptions::default()).unwrap();
        assert!(m.customer.is_none());
        assert_eq!(m.total, dec("1234.5"));
        // summer: UTC+3
        assert_eq!(m.created_at.to_rfc3339(), "2025-07-01T07:00:00+00:00");
        assert_eq!(m.updated_at, None);
        assert_eq!(m.tracking_number.as_deref(), Some("20450000000001"));
        assert_eq!(m.commission, None);
        assert_eq!(m.items[0].name, "Товар");
        assert_eq!(m.items[0].sku, None);
        assert_eq!(m.items[0].price, dec("100"));
        assert_eq!(m.items[0].quantity, dec("3"));
        assert!(m.delivery.is_none());

        for raw in ["0671234567", "+380671234567", "38 067 123 45 67"] {
            let mut o = example();
            o.user_phone = raw.into();
            let c = order_to_imported(&o, &MapOptions::default())
                .unwrap()
                .customer
                .unwrap();
            assert_eq!(c.phone.unwrap().as_str(), "+380671234567", "{raw}");
        }
        // only a full name
        let mut o = example();
        o.user_phone = "n/a".into();
        o.user_title = Some(wire::UserTitle {
            full_name: "Шевченко Тарас".into(),
            ..Default::default()
        });
        let c = order_to_imported(&o, &MapOptions::default())
            .unwrap()
            .customer
            .unwrap();
        assert_eq!(c.phone, None);
        assert_eq!(c.last_name.as_deref(), Some("Шевченко"));
        assert_eq!(c.first_name.as_deref(), Some("Тарас"));
    }

    #[test]
    fn unreadable_dates_and_totals_are_bad_responses() {
        let mut o = example();
        o.created = "14.03.2025".into();
        assert!(matches!(
            order_to_imported(&o, &MapOptions::default()),
            Err(PlatformError::BadResponse(_))
        ));
        let mut o = example();
        for s in [
            &mut o.cost_with_discount,
            &mut o.cost,
            &mut o.amount,
            &mut o.amount_with_discount,
        ] {
            *s = String::new();
        }
        assert!(matches!(
            order_to_imported(&o, &MapOptions::default()),
            Err(PlatformError::BadResponse(_))
        ));
    }

    // covers: PUB-2
    #[test]
    fn goods_keep_their_sell_status() {
        let raw = serde_json::json!({
            "rz_item_id": 344560030, "item_id": 1, "article": "PH-HD9350", "name": "Kettle",
            "name_ua": "Чайник", "price": "1299.00", "stock_quantity": 7, "rz_sell_status": 3,
            "url": "https://rozetka.com.ua/344560030/p344560030/",
            "sync_source": { "id": 101, "availability": 4, "is_virtual_source": false }
        });
        let p = good_to_publication(raw, "UAH").unwrap();
        assert_eq!(p.external_id, "344560030");
        assert_eq!(p.name, "Чайник");
        assert_eq!(p.sku.as_deref(), Some("PH-HD9350"));
        assert_eq!(p.price, Some(dec("1299")));
        assert_eq!(p.stock, Some(7));
        assert_eq!(p.state.as_deref(), Some("3"));
        assert!(good_to_publication(serde_json::json!({"name": "x"}), "UAH").is_err());
    }

    #[test]
    fn wire_round_trips_the_example() {
        let o = example();
        let again: wire::Order = serde_json::from_value(serde_json::to_value(&o).unwrap()).unwrap();
        assert_eq!(o, again);
        let v = serde_json::to_value(&o).unwrap();
        assert_eq!(v["amount"], "1280.00");
        assert_eq!(v["user_phone"], "380671234567");
        assert_eq!(v["purchases"][0]["item"]["commission_percent"], 12);
    }

    // covers: IMP-3, EXP-1
    #[test]
    fn amounts_past_the_range_are_errors_naming_the_field() {
        let max = Decimal::MAX.to_string();
        let mut o = example();
        {
            let p = &mut o.purchases.as_mut().unwrap()[0];
            p.price_with_discount = max.clone();
            p.quantity = 2;
        }
        let e = order_to_imported(&o, &MapOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("purchases[0].price 79228162514264337593543950335"),
            "{e}"
        );
        assert!(e.contains("612345678"), "{e}");

        // commission per item × quantity
        let mut o = example();
        o.purchases.as_mut().unwrap()[0]
            .item
            .as_mut()
            .unwrap()
            .commission_sum = Some(max.clone());
        let e = order_to_imported(&o, &MapOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("purchases[0].item.commission_sum"), "{e}");

        // commission percent × cost
        let mut o = example();
        o.purchases.as_mut().unwrap()[0].cost_with_discount = max.clone();
        let pct = MapOptions {
            commission: CommissionFormula::Percent,
            ..MapOptions::default()
        };
        let e = order_to_imported(&o, &pct).unwrap_err().to_string();
        assert!(e.contains("purchases[0].item.commission_percent"), "{e}");

        // two lines' commissions that cannot be added up
        let mut o = example();
        let mut second = o.purchases.as_ref().unwrap()[0].clone();
        second.id = 2;
        o.purchases.as_mut().unwrap().push(second);
        for p in o.purchases.as_mut().unwrap() {
            p.quantity = 1;
            p.item.as_mut().unwrap().commission_sum = Some(max.clone());
        }
        let e = order_to_imported(&o, &MapOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("purchases[1] commission"), "{e}");
    }
}
