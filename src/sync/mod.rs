//! Keeping orders in step with the platforms: the sync engine (backfill, polls, manual syncs),
//! leases so that several instances never poll one source at once, the scheduler, and the workers
//! behind webhooks (the intake that commits accepted deliveries, the inbox that applies them).

pub mod budget;
pub mod engine;
pub mod inbox;
pub mod intake;
pub mod outbox;
pub mod publications;
pub mod scheduler;
pub mod sources;
pub mod supervisor;

pub use engine::{RunKind, SyncEngine};
