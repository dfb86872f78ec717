//! WooCommerce wire → domain mapping (pure functions): raw bodies to [`wire`] types, wire orders to
//! [`ImportedOrder`], and the import rules that only need the order or product (IMP-1, IMP-6,
//! CUS-2, PRD-3, WH-5).
#![deny(clippy::arithmetic_side_effects)]

use super::wire;
use crate::domain::money::{checked_div, checked_sum};
use crate::domain::orders::{ImportedCustomer, ImportedItem, ImportedOrder, StatusClass};
use crate::domain::phone::{normalize_email, Phone, Region};
use crate::platforms::PlatformError;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::HashMap;

/// One order from a webhook body or `GET /orders/{id}` (both are the bare order).
pub fn parse_order(body: &[u8]) -> Result<wire::Order, PlatformError> {
    parse(body, "order")
}

/// The orders of `GET /orders` (a JSON array).
pub fn parse_orders(body: &[u8]) -> Result<Vec<wire::Order>, PlatformError> {
    parse(body, "order list")
}

/// `GET /orders/{id}/refunds/{refund_id}`.
pub fn parse_refund(body: &[u8]) -> Result<wire::Refund, PlatformError> {
    parse(body, "refund")
}

/// `GET /products/{id}`.
pub fn parse_product(body: &[u8]) -> Result<wire::Product, PlatformError> {
    parse(body, "product")
}

/// `GET /products/categories` (a JSON array).
pub fn parse_categories(body: &[u8]) -> Result<Vec<wire::Category>, PlatformError> {
    parse(body, "category list")
}

/// The order id of any order body, including `order.deleted` (`{"id": N}`), without reading the
/// rest. The order's external id is this number in decimal.
pub fn order_id(body: &[u8]) -> Result<u64, PlatformError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| PlatformError::BadResponse(format!("WooCommerce body is not JSON: {e}")))?;
    match value.get("id") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| PlatformError::BadResponse("WooCommerce body without a numeric `id`".into()))
}

/// When the order last changed on WooCommerce, in UTC (WH-5 compares it with the stored one).
pub fn updated_at(order: &wire::Order) -> Option<DateTime<Utc>> {
    order.date_modified_gmt
}

/// IMP-1: the backfill leaves out orders already final on WooCommerce.
pub fn excluded_from_backfill(order: &wire::Order) -> bool {
    matches!(
        order.status.as_str(),
        "completed" | "cancelled" | "refunded" | "failed" | "trash"
    )
}

pub fn status_class(order: &wire::Order) -> StatusClass {
    match order.status.as_str() {
        "completed" => StatusClass::Completed,
        "cancelled" | "refunded" | "failed" | "trash" => StatusClass::Cancelled,
        // pending, processing, on-hold, drafts and plugin statuses: not final
        _ => StatusClass::Processing,
    }
}

/// IMP-6: why the order is not imported, in plain words; `None` when it is.
pub fn import_skip_reason(order: &wire::Order) -> Option<String> {
    if order.line_items.is_empty() {
        return Some("the order has no items".into());
    }
    let people = [order.billing.as_ref(), order.shipping.as_ref()];
    let anyone = people.into_iter().flatten().any(|a| {
        [&a.first_name, &a.last_name, &a.company, &a.email, &a.phone]
            .into_iter()
            .any(|f| non_blank(f.as_deref()).is_some())
    });
    if !anyone {
        return Some("the order has no customer: billing and shipping details are empty".into());
    }
    if email(order).is_none() && phone(order, None).is_none() {
        let typed = raw_phone(order)
            .map(|p| format!(" (`{p}` is not a phone number we can read)"))
            .unwrap_or_default();
        return Some(format!(
            "the customer has neither an e-mail nor a phone{typed}"
        ));
    }
    None
}

/// IMP-3: the order in our terms. DLV-1: WooCommerce delivery is not imported. Ask
/// [`import_skip_reason`] first: an order it rejects maps with `customer: None` (CUS-2).
pub fn to_imported(order: &wire::Order) -> Result<ImportedOrder, PlatformError> {
    to_imported_in(order, None)
}

/// [`to_imported`] for a source whose `country` setting says where its bare national phone
/// numbers are (else the order's currency says, CUS-1).
pub fn to_imported_in(
    order: &wire::Order,
    country: Option<Region>,
) -> Result<ImportedOrder, PlatformError> {
    let items = order
        .line_items
        .iter()
        .enumerate()
        .map(|(i, line)| item(i, line))
        .collect::<Result<Vec<_>, _>>()?;
    ImportedOrder {
        external_id: order.id.to_string(),
        number: non_blank(order.number.as_deref())
            .map(str::to_string)
            .unwrap_or_else(|| order.id.to_string()),
        source_status: non_blank(Some(order.status.as_str())).map(str::to_string),
        status_class: status_class(order),
        created_at: order.date_created_gmt,
        updated_at: updated_at(order),
        customer: customer_in(order, country),
        items,
        total: order.total,
        currency: non_blank(order.currency.as_deref())
            .unwrap_or_default()
            .to_ascii_uppercase(),
        // tracking numbers live in plugin meta_data with plugin-specific keys
        tracking_number: None,
        commission: None,
        delivery: None,
    }
    .within_stored_range()
    .map_err(|e| PlatformError::BadResponse(format!("order {}: {e}", order.id)))
}

/// CUS-2: names from billing (else shipping), e-mail from billing, phone from billing else
/// shipping. With neither e-mail nor phone there is no customer (IMP-6 then skips the order).
/// The address is not imported for WooCommerce (IMP-3 names it for Shopify only).
pub fn customer(order: &wire::Order) -> Option<ImportedCustomer> {
    customer_in(order, None)
}

/// [`customer`] with the source's country (see [`to_imported_in`]).
pub fn customer_in(order: &wire::Order, country: Option<Region>) -> Option<ImportedCustomer> {
    let email = email(order);
    let phone = phone(order, country);
    if email.is_none() && phone.is_none() {
        return None;
    }
    let (first_name, last_name) = [order.billing.as_ref(), order.shipping.as_ref()]
        .into_iter()
        .flatten()
        .map(|a| {
            (
                non_blank(a.first_name.as_deref()),
                non_blank(a.last_name.as_deref()),
            )
        })
        .find(|(f, l)| f.is_some() || l.is_some())
        .unwrap_or((None, None));
    Some(ImportedCustomer {
        first_name: first_name.map(str::to_string),
        last_name: last_name.map(str::to_string),
        phone,
        email,
        address: None,
        unspecified: false,
    })
}

fn email(order: &wire::Order) -> Option<String> {
    order
        .billing
        .as_ref()
        .and_then(|b| b.email.as_deref())
        .and_then(normalize_email)
}

fn phone(order: &wire::Order, country: Option<Region>) -> Option<Phone> {
    // nine bare digits are national in the shop's country, known by its currency (CUS-1)
    let region = country.or_else(|| order.currency.as_deref().and_then(Region::for_currency));
    [order.billing.as_ref(), order.shipping.as_ref()]
        .into_iter()
        .flatten()
        .filter_map(|a| a.phone.as_deref())
        .find_map(|p| Phone::parse_in(p, region))
}

fn raw_phone(order: &wire::Order) -> Option<&str> {
    [order.billing.as_ref(), order.shipping.as_ref()]
        .into_iter()
        .flatten()
        .find_map(|a| non_blank(a.phone.as_deref()))
}

/// PRD-2: SKU → SKU, product id → code. The category comes from the product (PRD-3,
/// [`choose_category`]), which the order does not carry.
fn item(i: usize, line: &wire::LineItem) -> Result<ImportedItem, PlatformError> {
    let quantity = line.quantity.unwrap_or_default();
    let price = match (line.price, line.total) {
        (Some(price), _) => price,
        (None, Some(total)) if !quantity.is_zero() => {
            checked_div(&format!("line_items[{i}].total"), total, quantity)
                .map_err(PlatformError::BadResponse)?
        }
        _ => Decimal::ZERO,
    };
    Ok(ImportedItem {
        external_id: Some(line.id.to_string()),
        name: decode_entities(line.name.trim()),
        sku: non_blank(line.sku.as_deref()).map(str::to_string),
        // 0 means the product was deleted: no code rather than a code that matches nothing
        code: line
            .product_id
            .filter(|id| *id != 0)
            .map(|id| id.to_string()),
        description: None,
        category: Vec::new(),
        quantity,
        price,
    })
}

/// PRD-3: the category path (most general → chosen) for a product in `assigned` categories,
/// given the shop's category list `tree` (which has the `parent` links the product lacks).
///
/// One branch → its deepest category; several at one level → the alphabetically first; several
/// at different levels → the most general (highest). Categories on one branch are first reduced
/// to the deepest of that branch, then the highest of what remains wins, ties alphabetically.
/// An assigned category missing from `tree` counts as top level under its own name.
pub fn choose_category(assigned: &[wire::CategoryRef], tree: &[wire::Category]) -> Vec<String> {
    let by_id: HashMap<u64, &wire::Category> = tree.iter().map(|c| (c.id, c)).collect();
    // path from the root to each assigned category, as ids and names
    let paths: Vec<(Vec<u64>, Vec<String>)> = assigned
        .iter()
        .map(|a| {
            let mut ids = vec![a.id];
            let mut names = vec![by_id
                .get(&a.id)
                .map_or(a.name.as_str(), |c| c.name.as_str())
                .to_string()];
            let mut parent = by_id.get(&a.id).map_or(0, |c| c.parent);
            // a broken tree (a cycle) must not hang the import
            while parent != 0 && !ids.contains(&parent) {
                let Some(c) = by_id.get(&parent) else { break };
                ids.push(c.id);
                names.push(c.name.clone());
                parent = c.parent;
            }
            ids.reverse();
            names.reverse();
            (ids, names)
        })
        .collect();
    // drop a category when another assigned one lies below it on the same branch
    let leaves = paths.iter().filter(|(ids, _)| {
        let me = ids.last().copied();
        !paths
            .iter()
            .any(|(other, _)| other.len() > ids.len() && me.is_some_and(|m| other.contains(&m)))
    });
    leaves
        .min_by(|(a_ids, a_names), (b_ids, b_names)| {
            a_ids.len().cmp(&b_ids.len()).then_with(|| {
                let a = a_names.last().map(String::as_str).unwrap_or_default();
                let b = b_names.last().map(String::as_str).unwrap_or_default();
                alphabetical_key(a).cmp(&alphabetical_key(b))
            })
        })
        .map(|(_, names)| {
            names
                .iter()
                .map(String::as_str)
                .map(decode_entities)
                .collect()
        })
        .unwrap_or_default()
}

/// Sort key for "alphabetically first": case-insensitive, Ukrainian letters in the order of the
/// Ukrainian alphabet (Unicode puts Ґ, Є, І, Ї after Я), then the rest by code point.
fn alphabetical_key(s: &str) -> Vec<u32> {
    const UKRAINIAN: &str = "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя";
    s.trim()
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match UKRAINIAN.chars().position(|u| u == c) {
            // the Ukrainian alphabet takes the place of the Cyrillic block
            // both bounded: i < 33 and c ≤ U+04FF, far from u32's end
            Some(i) => 0x0400_u32.saturating_add(i as u32),
            None if ('\u{0400}'..='\u{04FF}').contains(&c) => 0x0500_u32.saturating_add(c as u32),
            None => c as u32,
        })
        .collect()
}

/// WordPress stores product names with HTML entities (`Ship Your Idea &ndash; Color: Black`);
/// the hub shows plain text. Decodes the named entities WordPress produces and numeric ones;
/// anything else stays as it is.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let decoded = rest
            .find(';')
            .filter(|end| *end <= 10)
            .and_then(|end| entity(&rest[1..end]).map(|c| (c, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                // `end` is the position of the one-byte `;`, so the rest starts right after it
                rest = rest
                    .get(end..)
                    .and_then(|r| r.strip_prefix(';'))
                    .unwrap_or("");
            }
            None => {
                out.push('&');
                rest = rest.strip_prefix('&').unwrap_or("");
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "ndash" => '–',
        "mdash" => '—',
        "times" => '×',
        "hellip" => '…',
        "lsquo" => '‘',
        "rsquo" => '’',
        "sbquo" => '‚',
        "ldquo" => '“',
        "rdquo" => '”',
        "bdquo" => '„',
        "laquo" => '«',
        "raquo" => '»',
        "prime" => '′',
        "Prime" => '″',
        "deg" => '°',
        "reg" => '®',
        "copy" => '©',
        "trade" => '™',
        "euro" => '€',
        _ => return None,
    })
}

/// Refunded so far: the `order.refunds` totals are negative strings, the result is positive.
pub fn refunded_total(order: &wire::Order) -> Result<Decimal, PlatformError> {
    let refunded = order
        .refunds
        .iter()
        .filter_map(|r| r.total)
        .map(|t| t.abs());
    checked_sum("refunds[].total", refunded).map_err(PlatformError::BadResponse)
}

fn non_blank(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

fn parse<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, PlatformError> {
    serde_json::from_slice(body).map_err(|e| {
        let reason = if e.is_syntax() || e.is_eof() {
            format!("WooCommerce body is not JSON: {e}")
        } else {
            format!("not a WooCommerce {what}: {e}")
        };
        PlatformError::BadResponse(reason)
    })
}

#[cfg(test)]
mod overflow_tests {
    use super::*;
    use serde_json::json;

    const ORDER_1: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/woocommerce-order-1.json"
    ));
    const MAX: &str = "79228162514264337593543950335";

    // covers: IMP-3
    #[test]
    fn amounts_past_the_range_are_errors_naming_the_field() {
        let mut o = parse_orders(ORDER_1).unwrap().remove(0);
        o.line_items[0].price = None;
        o.line_items[0].total = Some(MAX.parse().unwrap());
        o.line_items[0].quantity = Some("0.0000001".parse().unwrap());
        let e = to_imported(&o).unwrap_err().to_string();
        assert!(
            e.contains("line_items[0].total 79228162514264337593543950335"),
            "{e}"
        );

        let mut o = parse_orders(ORDER_1).unwrap().remove(0);
        let refund = json!({"id": 1, "total": format!("-{MAX}")});
        o.refunds = serde_json::from_value(json!([refund, refund])).unwrap();
        let e = refunded_total(&o).unwrap_err().to_string();
        assert!(e.contains("refunds[1].total"), "{e}");
    }
}
