//! Prom: client, wire types, mapping and simulator (see docs/platforms in the README).

pub mod client;
pub mod map;
pub mod sim;
pub mod wire;

/// The statuses `POST /orders/set_status` takes (prom.md §3).
pub const SET_STATUS_TARGETS: &[&str] = &["received", "delivered", "paid", "canceled"];

/// Prom's cancellation reasons (prom.md §3; kept as data, newer API versions may add some).
pub const CANCELLATION_REASONS: &[&str] = &[
    "not_available",
    "price_changed",
    "buyers_request",
    "not_enough_fields",
    "duplicate",
    "invalid_phone_number",
    "less_than_minimal_price",
    "another",
];

#[cfg(test)]
mod tests;
