//! Shopify: wire types and mapping of webhook and REST payloads, the REST client (backfill,
//! reconciliation, webhook subscriptions) and the simulator that also sends signed webhooks.

pub mod client;
pub mod map;
pub mod sim;
pub mod wire;

#[cfg(test)]
mod live_tests;
#[cfg(test)]
mod tests;
