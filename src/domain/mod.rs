//! Pure Rust rules of the SPEC: no SQL, no HTTP, no GraphQL. Everything here is unit-tested beside it.

pub mod auth;
pub mod credentials;
pub mod expenses;
pub mod ids;
pub mod merge;
pub mod money;
pub mod orders;
pub mod phone;
pub mod platform;
pub mod push;
pub mod status;
pub mod time;

pub use ids::*;
pub use platform::Platform;
pub use status::StatusGroup;
