//! Epicentr: client, wire types, mapping and simulator (see docs/platforms in the README).

pub mod client;
pub mod map;
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

#[cfg(test)]
mod tests;
