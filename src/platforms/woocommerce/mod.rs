//! WooCommerce: wire types and mapping of webhook and REST payloads, the REST client (backfill,
//! reconciliation, status, listings, stock, webhook subscriptions) and the simulator.

pub mod client;
pub mod descriptor;
pub mod map;
pub mod php_json;
pub mod settings;
pub mod sim;
pub mod wire;

/// WooCommerce's delivery headers (woocommerce.md, webhooks). A new webhook is pinged with an
/// unsigned form body `webhook_id=N` (WH-7).
pub const WEBHOOK_HEADERS: super::WebhookHeaders = super::WebhookHeaders {
    signature: "x-wc-webhook-signature",
    topic: "x-wc-webhook-topic",
    kept: &[
        "x-wc-webhook-source",
        "x-wc-webhook-topic",
        "x-wc-webhook-resource",
        "x-wc-webhook-event",
        "x-wc-webhook-id",
        "x-wc-webhook-delivery-id",
    ],
    webhook_id: None,
    event_id: None,
    unsigned_ping: Some(b"webhook_id="),
};

/// WooCommerce's names of its core order statuses (woocommerce.md §2.3); statuses plugins
/// register have no name here.
const STATUS_LABELS: &[(&str, &str)] = &[
    ("pending", "Pending payment"),
    ("processing", "Processing"),
    ("on-hold", "On hold"),
    ("completed", "Completed"),
    ("cancelled", "Cancelled"),
    ("refunded", "Refunded"),
    ("failed", "Failed"),
    ("checkout-draft", "Draft"),
    ("trash", "Trash"),
    ("ready-for-pickup", "Ready for pickup"),
];

/// WooCommerce's name of a status slug (with or without its `wc-` prefix); `None` for one
/// the note does not list.
pub fn status_label(code: &str) -> Option<&'static str> {
    let code = code.trim();
    let code = code.strip_prefix("wc-").unwrap_or(code);
    STATUS_LABELS.iter().find(|s| s.0 == code).map(|s| s.1)
}

#[cfg(test)]
mod sim_tests;
#[cfg(test)]
mod tests;
