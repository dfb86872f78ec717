//! Rozetka Marketplace Seller API: client, wire types, mapping and simulator
//! (the facts behind them are in the platform note kept with the project's docs).

pub mod client;
pub mod map;
pub mod sim;
pub mod statuses;
pub mod wire;

#[cfg(test)]
mod tests;
