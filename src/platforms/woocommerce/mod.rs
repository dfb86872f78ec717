//! WooCommerce: wire types and mapping of webhook and REST payloads, the REST client (backfill,
//! reconciliation, status, listings, stock, webhook subscriptions) and the simulator.

pub mod client;
pub mod map;
pub mod php_json;
pub mod sim;
pub mod wire;

#[cfg(test)]
mod sim_tests;
#[cfg(test)]
mod tests;
