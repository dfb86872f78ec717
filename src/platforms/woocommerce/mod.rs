//! WooCommerce: wire types and mapping of webhook and REST payloads, the REST client (backfill,
//! reconciliation, status, listings, stock, webhook subscriptions) and the simulator.

pub mod client;
pub mod map;
pub mod php_json;
pub mod settings;
pub mod sim;
pub mod wire;

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
