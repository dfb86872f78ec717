//! Orders, imported from a source or created in the hub.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, Default, PartialEq, DeriveEntityModel, serde::Deserialize)]
// a column the orders page did not ask for reads as its default (`graphql::plan` picks them)
#[serde(default)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `None` = created in the hub, not imported from an integration.
    pub source_id: Option<i64>,
    pub external_id: Option<String>,
    pub number: String,
    pub status_id: i64,
    pub source_status: Option<String>,
    pub customer_id: Option<i64>,
    pub manager_id: Option<i64>,
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub total: Decimal,
    pub currency: String,
    pub currency_mismatch: bool,
    pub tracking_number: Option<String>,
    /// The tracking number as the platform last showed it (`None`: none seen yet).
    pub platform_tracking_number: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub delivery: Option<Json>,
    #[sea_orm(column_type = "JsonBinary")]
    pub payments: Option<Json>,
    #[sea_orm(column_type = "JsonBinary")]
    pub discounts: Option<Json>,
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub commission: Option<Decimal>,
    pub written_off: bool,
    pub written_off_at: Option<DateTimeUtc>,
    pub platform_created_at: DateTimeUtc,
    pub platform_updated_at: Option<DateTimeUtc>,
    pub last_synced_at: Option<DateTimeUtc>,
    pub last_manual_sync_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub push_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The platform lines a person removed here (`domain::merge::RemovedLine`s), so that a re-sync
    /// does not bring them back (SYNC-2).
    #[sea_orm(column_type = "JsonBinary")]
    pub items_removed_here: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
