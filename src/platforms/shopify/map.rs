//! Shopify wire → domain mapping (pure functions): raw bodies to [`wire`] types, wire orders to
//! [`ImportedOrder`], and the import rules that only need the order (IMP-1, CUS-3, DLV-1, WH-5).
#![deny(clippy::arithmetic_side_effects)]

use super::wire;
use crate::domain::money::checked_sum;
use crate::domain::orders::{Delivery, ImportedCustomer, ImportedItem, ImportedOrder, StatusClass};
use crate::domain::phone::{normalize_email, Phone, Region};
use crate::platforms::{decode_list_element, PlatformError, UnreadableOrder};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// One order from a webhook body (bare order) or a REST answer (`{"order": {…}}`).
pub fn parse_order(body: &[u8]) -> Result<wire::Order, PlatformError> {
    // a webhook's bare order reads straight from its bytes (once per delivery: half the work of
    // going through a `Value`); an envelope (no top-level `id`) or a body that fails goes the way
    // that unwraps it or names what is wrong
    if let Ok(order) = serde_json::from_slice::<wire::Order>(body) {
        return Ok(order);
    }
    let value = parse_json(body)?;
    from_value(unwrap_envelope(value, "order"), "order")
}

/// The orders of a REST list answer (`{"orders": […]}`).
pub fn parse_orders(body: &[u8]) -> Result<Vec<wire::Order>, PlatformError> {
    let value = parse_json(body)?;
    match value {
        Value::Object(mut map) => match map.remove("orders") {
            Some(list) => from_value(list, "order list"),
            None => Err(PlatformError::BadResponse(
                "Shopify order list: no `orders` key".into(),
            )),
        },
        _ => Err(PlatformError::BadResponse(
            "Shopify order list: not a JSON object".into(),
        )),
    }
}

/// The orders of a REST list answer, each read alone so one malformed order fails alone (with
/// its id where readable); an error means the answer is not an order list at all.
pub fn parse_orders_each(
    body: &[u8],
) -> Result<Vec<Result<wire::Order, UnreadableOrder>>, PlatformError> {
    match parse_json(body)? {
        Value::Object(mut map) => match map.remove("orders") {
            Some(Value::Array(list)) => Ok(list
                .into_iter()
                .map(|raw| decode_list_element(raw, "id"))
                .collect()),
            Some(_) => Err(PlatformError::BadResponse(
                "Shopify order list: `orders` is not a list".into(),
            )),
            None => Err(PlatformError::BadResponse(
                "Shopify order list: no `orders` key".into(),
            )),
        },
        _ => Err(PlatformError::BadResponse(
            "Shopify order list: not a JSON object".into(),
        )),
    }
}

/// A refund from a `refunds/create` body (bare) or a REST answer (`{"refund": {…}}`).
pub fn parse_refund(body: &[u8]) -> Result<wire::Refund, PlatformError> {
    let value = parse_json(body)?;
    from_value(unwrap_envelope(value, "refund"), "refund")
}

/// The order id of any order body, including `orders/delete` (`{"id": …}`), without reading the
/// rest. The order's external id is this number in decimal.
pub fn order_id(body: &[u8]) -> Result<u64, PlatformError> {
    let value = unwrap_envelope(parse_json(body)?, "order");
    match value.get("id") {
        Some(Value::Number(n)) => n.as_u64(),
        // tolerate a quoted id; never read it through f64
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| PlatformError::BadResponse("Shopify body without a numeric `id`".into()))
}

/// When the order last changed on Shopify, in UTC (WH-5 compares it with the stored one).
pub fn updated_at(order: &wire::Order) -> Option<DateTime<Utc>> {
    order.updated_at.map(|t| t.with_timezone(&Utc))
}

/// IMP-1: the backfill leaves out orders already final on Shopify — fulfilled, cancelled,
/// refunded or returned (restocked).
pub fn excluded_from_backfill(order: &wire::Order) -> bool {
    order.cancelled_at.is_some()
        || matches!(
            order.fulfillment_status.as_deref(),
            Some("fulfilled" | "restocked")
        )
        || order.financial_status.as_deref() == Some("refunded")
}

/// Where the order stands. Shopify has no single status: cancellation, payment and fulfilment
/// are separate fields (ST-7: and no status sync).
pub fn status_class(order: &wire::Order) -> StatusClass {
    if order.cancelled_at.is_some()
        || order.financial_status.as_deref() == Some("refunded")
        || order.fulfillment_status.as_deref() == Some("restocked")
    {
        StatusClass::Cancelled
    } else if order.fulfillment_status.as_deref() == Some("fulfilled") {
        StatusClass::Completed
    } else {
        StatusClass::Processing
    }
}

/// The source status shown beside ours: `cancelled`, else `<financial>/<fulfillment>`, e.g.
/// `paid/unfulfilled` (Shopify writes `null` for "nothing fulfilled").
pub fn source_status(order: &wire::Order) -> String {
    if order.cancelled_at.is_some() {
        return "cancelled".into();
    }
    let financial = non_blank(order.financial_status.as_deref()).unwrap_or("unknown");
    let fulfillment = non_blank(order.fulfillment_status.as_deref()).unwrap_or("unfulfilled");
    format!("{financial}/{fulfillment}")
}

/// IMP-3: the order in our terms; an error names the field whose value orderhub cannot hold.
pub fn to_imported(order: &wire::Order) -> Result<ImportedOrder, PlatformError> {
    to_imported_in(order, None)
}

/// [`to_imported`] for a source whose `country` setting says where its bare national phone
/// numbers are (else the order's currency says, CUS-1).
pub fn to_imported_in(
    order: &wire::Order,
    country: Option<Region>,
) -> Result<ImportedOrder, PlatformError> {
    ImportedOrder {
        external_id: order.id.to_string(),
        number: non_blank(order.name.as_deref())
            .map(str::to_string)
            .or_else(|| order.order_number.map(|n| format!("#{n}")))
            .unwrap_or_else(|| order.id.to_string()),
        source_status: Some(source_status(order)),
        status_class: status_class(order),
        created_at: order.created_at.with_timezone(&Utc),
        updated_at: updated_at(order),
        customer: Some(customer_in(order, country)),
        items: order.line_items.iter().map(item).collect(),
        total: order.total_price,
        currency: non_blank(order.currency.as_deref())
            .or(non_blank(order.presentment_currency.as_deref()))
            .unwrap_or_default()
            .to_ascii_uppercase(),
        tracking_number: tracking_number(order),
        commission: None,
        delivery: delivery(order)?,
    }
    .within_stored_range()
    .map_err(|e| PlatformError::BadResponse(format!("order {}: {e}", order.id)))
}

/// CUS-3: the buyer with their address; "Unspecified" when the store's plan (or a missing
/// customer) leaves no name, e-mail or phone. The address then stays with the delivery only.
pub fn customer(order: &wire::Order) -> ImportedCustomer {
    customer_in(order, None)
}

/// [`customer`] with the source's country (see [`to_imported_in`]).
pub fn customer_in(order: &wire::Order, country: Option<Region>) -> ImportedCustomer {
    let c = order.customer.as_ref();
    // names: the customer record, else the billing address (the payer), never the shipping
    // address — its recipient may be someone else
    let name_sources = [
        c.map(|c| (c.first_name.as_deref(), c.last_name.as_deref())),
        order
            .billing_address
            .as_ref()
            .map(|a| (a.first_name.as_deref(), a.last_name.as_deref())),
    ];
    let (first_name, last_name) = name_sources
        .into_iter()
        .flatten()
        .map(|(f, l)| (non_blank(f), non_blank(l)))
        .find(|(f, l)| f.is_some() || l.is_some())
        .unwrap_or((None, None));
    let email = [
        c.and_then(|c| c.email.as_deref()),
        order.email.as_deref(),
        order.contact_email.as_deref(),
    ]
    .into_iter()
    .flatten()
    .find_map(normalize_email);
    // the customer's own contact phone, else the order's, else the payer's address
    // nine bare digits are national in the shop's country, known by its currency (CUS-1)
    let region = country.or_else(|| order.currency.as_deref().and_then(Region::for_currency));
    let phone = [
        c.and_then(|c| c.phone.as_deref()),
        order.phone.as_deref(),
        order
            .billing_address
            .as_ref()
            .and_then(|a| a.phone.as_deref()),
    ]
    .into_iter()
    .flatten()
    .find_map(|p| Phone::parse_in(p, region));
    if first_name.is_none() && last_name.is_none() && email.is_none() && phone.is_none() {
        return ImportedCustomer {
            unspecified: true,
            ..ImportedCustomer::default()
        };
    }
    let address = [
        c.and_then(|c| c.default_address.as_ref()),
        order.billing_address.as_ref(),
        order.shipping_address.as_ref(),
    ]
    .into_iter()
    .flatten()
    .find_map(address_line);
    ImportedCustomer {
        first_name: first_name.map(str::to_string),
        last_name: last_name.map(str::to_string),
        phone,
        email,
        address,
        unspecified: false,
    }
}

/// PRD-2: SKU → SKU, product id → code; the line id identifies the line.
fn item(line: &wire::LineItem) -> ImportedItem {
    let name = non_blank(line.name.as_deref())
        .or(non_blank(line.title.as_deref()))
        .unwrap_or_default()
        .to_string();
    ImportedItem {
        external_id: Some(line.id.to_string()),
        name,
        sku: non_blank(line.sku.as_deref()).map(str::to_string),
        code: line.product_id.map(|id| id.to_string()),
        description: None,
        category: Vec::new(),
        quantity: Decimal::from(line.quantity),
        price: line.price.unwrap_or_default(),
    }
}

/// The tracking number of the newest fulfilment that did not fail: a failed or cancelled
/// fulfilment never shipped, so its number tracks nothing.
pub fn tracking_number(order: &wire::Order) -> Option<String> {
    order
        .fulfillments
        .iter()
        .rev()
        .filter(|f| fulfillment_counts(f))
        .find_map(|f| {
            non_blank(f.tracking_number.as_deref())
                .or_else(|| {
                    f.tracking_numbers
                        .iter()
                        .find_map(|n| non_blank(Some(n.as_str())))
                })
                .map(str::to_string)
        })
}

fn fulfillment_counts(f: &wire::Fulfillment) -> bool {
    !matches!(f.status.as_deref(), Some("failure" | "error" | "cancelled"))
}

/// DLV-1: method(s) and cost from `shipping_lines`, recipient and address from
/// `shipping_address`; the carrier from a shipped fulfilment or a carrier-calculated rate.
pub fn delivery(order: &wire::Order) -> Result<Option<Delivery>, PlatformError> {
    if order.shipping_lines.is_empty() && order.shipping_address.is_none() {
        return Ok(None);
    }
    let titles: Vec<&str> = order
        .shipping_lines
        .iter()
        .filter_map(|l| non_blank(l.title.as_deref()).or(non_blank(l.code.as_deref())))
        .collect();
    let method = (!titles.is_empty()).then(|| titles.join(", "));
    let cost = if order.shipping_lines.is_empty() {
        None
    } else {
        let paid = order
            .shipping_lines
            .iter()
            // what the buyer paid for shipping, after shipping discounts
            .map(|l| l.discounted_price.or(l.price).unwrap_or_default());
        Some(checked_sum("shipping_lines[].price", paid).map_err(PlatformError::BadResponse)?)
    };
    let carrier = order
        .fulfillments
        .iter()
        .rev()
        .filter(|f| fulfillment_counts(f))
        .find_map(|f| non_blank(f.tracking_company.as_deref()))
        .or_else(|| {
            order
                .shipping_lines
                .iter()
                .filter_map(|l| non_blank(l.source.as_deref()))
                .find(|s| *s != "shopify")
        })
        .map(str::to_string);
    let ship = order.shipping_address.as_ref();
    let address = ship.and_then(|a| {
        let recipient = non_blank(a.name.as_deref())
            .map(str::to_string)
            .or_else(|| join_words(&[a.first_name.as_deref(), a.last_name.as_deref()]));
        let line = address_line(a);
        let parts: Vec<String> = recipient.into_iter().chain(line).collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    });
    // as the buyer typed it: this goes into a comment, and foreign national formats
    // (`555-625-1199`) would be misread by the E.164 normaliser, which knows UA and PL only
    let recipient_phone = ship
        .and_then(|a| non_blank(a.phone.as_deref()))
        .map(str::to_string);
    Ok(Some(Delivery {
        carrier,
        method,
        cost,
        address,
        recipient_phone,
    }))
}

/// Sum of the successful refund transactions: what actually went back to the buyer.
pub fn refund_amount(refund: &wire::Refund) -> Result<Decimal, PlatformError> {
    let refunded = refund
        .transactions
        .iter()
        .filter(|t| t.kind.as_deref() == Some("refund") && t.status.as_deref() == Some("success"))
        .filter_map(|t| t.amount);
    checked_sum("transactions[].amount", refunded).map_err(PlatformError::BadResponse)
}

/// "street, street 2, city, province, zip, country" without the blanks.
fn address_line(a: &wire::Address) -> Option<String> {
    let parts: Vec<&str> = [
        a.address1.as_deref(),
        a.address2.as_deref(),
        a.city.as_deref(),
        a.province.as_deref(),
        a.zip.as_deref(),
        a.country.as_deref(),
    ]
    .into_iter()
    .filter_map(non_blank)
    .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn join_words(words: &[Option<&str>]) -> Option<String> {
    let words: Vec<&str> = words.iter().copied().filter_map(non_blank).collect();
    (!words.is_empty()).then(|| words.join(" "))
}

fn non_blank(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

fn parse_json(body: &[u8]) -> Result<Value, PlatformError> {
    serde_json::from_slice(body)
        .map_err(|e| PlatformError::BadResponse(format!("Shopify body is not JSON: {e}")))
}

/// REST wraps single resources (`{"order": {…}}`); webhooks send them bare.
fn unwrap_envelope(value: Value, key: &str) -> Value {
    match value {
        Value::Object(mut map) if map.len() == 1 && map.contains_key(key) => {
            map.remove(key).unwrap_or(Value::Null)
        }
        other => other,
    }
}

/// A Shopify `what` (order, refund…) as a wire type; a mismatch names the field.
fn from_value<T: DeserializeOwned>(value: Value, what: &str) -> Result<T, PlatformError> {
    crate::platforms::http::decode_value(format_args!("Shopify {what}"), &value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ORDER_1: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/shopify-order-1.json"
    ));
    const MAX: &str = "79228162514264337593543950335";

    // covers: IMP-3, DLV-1
    #[test]
    fn amounts_past_the_range_are_errors_naming_the_field() {
        let mut o = parse_orders(ORDER_1).unwrap().remove(0);
        let line = json!({"title": "Standard", "price": MAX});
        o.shipping_lines = serde_json::from_value(json!([line, line])).unwrap();
        let e = to_imported(&o).unwrap_err().to_string();
        assert!(
            e.contains(
                "shipping_lines[1].price 79228162514264337593543950335: the sum does not fit"
            ),
            "{e}"
        );

        let refund: wire::Refund = serde_json::from_value(json!({
            "id": 1,
            "transactions": [
                {"id": 1, "kind": "refund", "status": "success", "amount": MAX},
                {"id": 2, "kind": "refund", "status": "success", "amount": MAX}
            ]
        }))
        .unwrap();
        let e = refund_amount(&refund).unwrap_err().to_string();
        assert!(e.contains("transactions[1].amount"), "{e}");
    }
}
