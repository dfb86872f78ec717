//! Epicentr: client, wire types, mapping and simulator (see docs/platforms in the README).

pub mod client;
pub mod descriptor;
pub mod map;
pub mod settings;
pub mod sim;
pub mod wire;

/// The statuses a seller moves an order to (epicentr.md: the forward line and the seller's cancel).
pub const RULE_TARGETS: &[&str] = &[
    "confirmed_by_merchant",
    "confirmed",
    "sent",
    "delivered",
    "completed",
    "canceled_by_merchant",
];

/// Epicentr's Ukrainian labels of its status codes (epicentr.md §4).
const STATUS_LABELS: &[(&str, &str)] = &[
    ("new", "Новий"),
    ("confirmed_by_merchant", "Підтверджено продавцем"),
    ("confirmed", "Підтверджено"),
    ("sent", "Відправлено"),
    ("delivered", "Готовий до видачі"),
    ("completed", "Завершено"),
    ("closed", "Закрито"),
    ("canceled", "Скасовано"),
    ("canceled_by_merchant", "Скасовано продавцем"),
    ("returned", "Повернено"),
    ("return_requested", "Запит на повернення"),
    ("completed_merchant_rejection", "Завершено (відмова)"),
    ("closed_merchant_rejection", "Закрито (відмова)"),
];

/// Epicentr's label of a status code; `None` for a code the note does not list.
pub fn status_label(code: &str) -> Option<&'static str> {
    let code = code.trim();
    STATUS_LABELS.iter().find(|s| s.0 == code).map(|s| s.1)
}

#[cfg(test)]
mod tests;
