//! Prom: client, wire types, mapping and simulator (see docs/platforms in the README).

pub mod client;
pub mod descriptor;
pub mod map;
pub mod settings;
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

/// Prom's names of its order statuses (prom.md §4): Ukrainian where the note gives it (the
/// example order's `status_name`), else the note's own words. Shop-defined `custom-<id>`
/// statuses have no name here.
const STATUS_LABELS: &[(&str, &str)] = &[
    ("pending", "New"),
    ("received", "Accepted"),
    ("paid", "Оплачено"),
    ("delivered", "Delivered"),
    ("canceled", "Cancelled"),
    ("draft", "Draft"),
];

/// Prom's name of a status code; `None` for one the note does not name.
pub fn status_label(code: &str) -> Option<&'static str> {
    let code = code.trim();
    STATUS_LABELS.iter().find(|s| s.0 == code).map(|s| s.1)
}

#[cfg(test)]
mod tests;
