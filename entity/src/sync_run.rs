//! Synchronisation runs of a source.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub source_id: i64,
    /// `backfill` | `poll` | `manual_source` | `manual_order` | `reconcile` | `publications`.
    pub kind: String,
    /// `running` | `succeeded` | `failed` | `partial`.
    pub state: String,
    pub started_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    pub orders_seen: i32,
    pub orders_created: i32,
    pub orders_updated: i32,
    pub orders_skipped: i32,
    pub error_count: i32,
    #[sea_orm(column_type = "Text")]
    pub error: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub note: Option<String>,
    pub cursor_before: Option<String>,
    pub cursor_after: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
