//! Shopify: wire types and mapping of webhook and REST payloads, the REST client (backfill,
//! reconciliation, webhook subscriptions) and the simulator that also sends signed webhooks.

pub mod client;
pub mod descriptor;
pub mod map;
pub mod settings;
pub mod sim;
pub mod wire;

/// Shopify's delivery headers (shopify.md, webhooks).
pub const WEBHOOK_HEADERS: super::WebhookHeaders = super::WebhookHeaders {
    signature: "x-shopify-hmac-sha256",
    topic: "x-shopify-topic",
    kept: &[
        "x-shopify-topic",
        "x-shopify-shop-domain",
        "x-shopify-api-version",
        "x-shopify-webhook-id",
        "x-shopify-event-id",
        "x-shopify-triggered-at",
    ],
    webhook_id: Some("x-shopify-webhook-id"),
    event_id: Some("x-shopify-event-id"),
    unsigned_ping: None,
};

/// Shopify's words for an order's payment state (`financial_status`, shopify.md §2.5).
const FINANCIAL_LABELS: &[(&str, &str)] = &[
    ("pending", "Payment pending"),
    ("authorized", "Authorized"),
    ("partially_paid", "Partially paid"),
    ("paid", "Paid"),
    ("partially_refunded", "Partially refunded"),
    ("refunded", "Refunded"),
    ("voided", "Voided"),
    ("expired", "Expired"),
];

/// And for its fulfilment (`fulfillment_status`; none yet is "unfulfilled").
const FULFILLMENT_LABELS: &[(&str, &str)] = &[
    ("unfulfilled", "Unfulfilled"),
    ("partial", "Partially fulfilled"),
    ("fulfilled", "Fulfilled"),
    ("restocked", "Restocked"),
];

/// The label of the source status [`map::source_status`] writes: `cancelled`, or
/// `<financial>/<fulfillment>` as "Paid · Unfulfilled"; `None` when a part is a value Shopify's
/// reference does not list.
pub fn status_label(code: &str) -> Option<String> {
    let code = code.trim();
    if code == "cancelled" {
        return Some("Cancelled".into());
    }
    let (financial, fulfillment) = code.split_once('/')?;
    let find =
        |table: &[(&str, &'static str)], key: &str| table.iter().find(|s| s.0 == key).map(|s| s.1);
    let fulfillment = find(FULFILLMENT_LABELS, fulfillment)?;
    if financial == "unknown" {
        // the order carried no payment state (map::source_status's placeholder)
        return Some(fulfillment.to_string());
    }
    Some(format!(
        "{} · {fulfillment}",
        find(FINANCIAL_LABELS, financial)?
    ))
}

#[cfg(test)]
mod live_tests;
#[cfg(test)]
mod tests;
