//! Marketplace / shop integrations that orders are imported from.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, Default, PartialEq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "sources")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    /// `rozetka` | `prom` | `epicentr` | `cartum` | `shopify` | `woocommerce`.
    pub platform: String,
    pub enabled: bool,
    pub currency: String,
    pub language: Option<String>,
    pub base_url: Option<String>,
    /// Base64 of nonce + ciphertext.
    #[sea_orm(column_type = "Text")]
    pub credentials_enc: String,
    pub default_status_id: Option<i64>,
    pub send_tracking: bool,
    /// JSON array of status ids.
    #[sea_orm(column_type = "JsonBinary")]
    pub tracking_status_ids: Json,
    pub store_commission: bool,
    pub expense_type: String,
    /// `name` | `sku` | `id`.
    pub identify_products_by: String,
    pub status_rules_enabled: bool,
    pub needs_reauth: bool,
    #[sea_orm(column_type = "Text")]
    pub last_error: Option<String>,
    pub last_sync_at: Option<DateTimeUtc>,
    pub sync_cursor: Option<String>,
    pub backfill_done_at: Option<DateTimeUtc>,
    /// Last full sync of the source's publications (PUB-1: weekly, manual at most daily).
    pub publications_synced_at: Option<DateTimeUtc>,
    pub next_manager_index: i32,
    /// When the source is due for its next scheduled poll or reconciliation; empty = at once.
    /// A run in progress keeps it one lease ahead, so no other instance claims the source.
    pub next_due_at: Option<DateTimeUtc>,
    /// Platform-specific options (`{}` by default).
    #[sea_orm(column_type = "JsonBinary")]
    pub settings: Json,
    pub deleted_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
