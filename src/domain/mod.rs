//! Pure Rust rules of the SPEC: no SQL, no HTTP, no GraphQL. Everything here is unit-tested beside it.

#[deny(clippy::arithmetic_side_effects)]
pub mod auth;
#[deny(clippy::arithmetic_side_effects)]
pub mod budget;
#[deny(clippy::arithmetic_side_effects)]
pub mod changes;
#[deny(clippy::arithmetic_side_effects)]
pub mod contact;
#[deny(clippy::arithmetic_side_effects)]
pub mod credentials;
#[deny(clippy::arithmetic_side_effects)]
pub mod expenses;
#[deny(clippy::arithmetic_side_effects)]
pub mod ids;
#[deny(clippy::arithmetic_side_effects)]
pub mod merge;
#[deny(clippy::arithmetic_side_effects)]
pub mod money;
#[deny(clippy::arithmetic_side_effects)]
pub mod order_edit;
#[deny(clippy::arithmetic_side_effects)]
pub mod orders;
#[deny(clippy::arithmetic_side_effects)]
pub mod paging;
#[deny(clippy::arithmetic_side_effects)]
pub mod phone;
#[deny(clippy::arithmetic_side_effects)]
pub mod platform;
#[deny(clippy::arithmetic_side_effects)]
pub mod publication;
#[deny(clippy::arithmetic_side_effects)]
pub mod push;
#[deny(clippy::arithmetic_side_effects)]
pub mod status;
#[deny(clippy::arithmetic_side_effects)]
pub mod stock;
#[deny(clippy::arithmetic_side_effects)]
pub mod time;

pub use ids::*;
pub use platform::Platform;
pub use status::StatusGroup;
