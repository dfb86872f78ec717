//! Rozetka Marketplace Seller API: client, wire types, mapping and simulator
//! (the facts behind them are in the platform note kept with the project's docs).

pub mod client;
pub mod descriptor;
pub mod map;
pub mod settings;
pub mod sim;
pub mod statuses;
pub mod wire;

/// PUB-2: sell statuses (`rz_sell_status`) that make a good a publication: 2 "call",
/// 3 "running out", 4 "in stock".
pub const PUBLISHED_SELL_STATUSES: &[&str] = &["2", "3", "4"];

#[cfg(test)]
mod tests;
