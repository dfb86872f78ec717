//! Line items of an order.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, Default, PartialEq, DeriveEntityModel, serde::Deserialize)]
// a column the orders page did not ask for reads as its default (`graphql::plan` picks them)
#[serde(default)]
#[sea_orm(table_name = "order_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: i64,
    pub product_id: Option<i64>,
    pub external_id: Option<String>,
    pub name: String,
    pub sku: Option<String>,
    pub code: Option<String>,
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub quantity: Decimal,
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub price: Decimal,
    pub upsell: bool,
    pub added_by_sync: bool,
    pub removed_on_platform: bool,
    pub written_off: bool,
    pub created_at: DateTimeUtc,
    /// Added here by a person (never matched with a platform line by a re-sync, SYNC-2).
    pub added_here: bool,
    /// The quantity the platform last showed, when a person changed `quantity` here since
    /// (`None`: `quantity` is the platform's).
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub platform_quantity: Option<Decimal>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
