//! orderhub: one place for the orders a seller gets on Rozetka, Prom.ua, Epicentr, Cartum,
//! Shopify and WooCommerce.

pub mod app;
pub mod config;
pub mod demo;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod metrics;
pub mod platforms;
pub mod secrets;
pub mod store;
pub mod sync;

#[cfg(test)]
mod layering;

pub use error::{Error, Result};
