//! Epicentr: client, wire types, mapping and simulator (see docs/platforms in the README).

pub mod client;
pub mod map;
pub mod sim;
pub mod wire;

#[cfg(test)]
mod tests;
