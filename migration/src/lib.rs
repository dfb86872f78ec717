//! Database migrations of orderhub (SeaORM migrator, SQLite and PostgreSQL).

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_initial;
mod m20261124_000001_webhook_lookup_indexes;
mod m20261203_000001_platform_tracking_number;
mod m20261203_000002_inbox_without_source_fk;
mod m20261206_000001_user_token_lifecycle;
mod m20261206_000002_inbox_ready_index;
mod m20261206_000010_source_call_budget;
mod m20261206_000011_customer_contacts;
mod m20261206_000020_source_next_due;
mod m20261206_000030_sync_runs_running_index;
mod m20261207_000015_source_accounts;
mod m20261207_000020_local_order_edits;
mod m20261207_000040_data_repairs;

/// Runs all orderhub migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_initial::Migration),
            Box::new(m20261124_000001_webhook_lookup_indexes::Migration),
            Box::new(m20261203_000001_platform_tracking_number::Migration),
            Box::new(m20261203_000002_inbox_without_source_fk::Migration),
            Box::new(m20261206_000001_user_token_lifecycle::Migration),
            Box::new(m20261206_000002_inbox_ready_index::Migration),
            Box::new(m20261206_000010_source_call_budget::Migration),
            Box::new(m20261206_000011_customer_contacts::Migration),
            Box::new(m20261206_000020_source_next_due::Migration),
            Box::new(m20261206_000030_sync_runs_running_index::Migration),
            Box::new(m20261207_000015_source_accounts::Migration),
            Box::new(m20261207_000020_local_order_edits::Migration),
            Box::new(m20261207_000040_data_repairs::Migration),
        ]
    }
}
