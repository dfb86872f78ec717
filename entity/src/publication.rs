//! Product listings (offers) published on a source's platform.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "publications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub source_id: i64,
    pub external_id: String,
    pub name: String,
    pub sku: Option<String>,
    #[sea_orm(column_type = "Decimal(Some((19, 4)))")]
    pub price: Option<Decimal>,
    pub currency: Option<String>,
    pub stock: Option<i64>,
    pub state: Option<String>,
    pub url: Option<String>,
    pub product_id: Option<i64>,
    #[sea_orm(column_type = "JsonBinary")]
    pub raw: Json,
    /// The stock last pushed to the platform (STK-1); `None` before the first push.
    pub pushed_stock: Option<i64>,
    /// Why the last stock push of this listing failed.
    #[sea_orm(column_type = "Text")]
    pub push_error: Option<String>,
    /// How `product_id` was linked: `created` (made from this listing), `same_sku` (an existing
    /// product with the listing's SKU, PRD-1) or `by_hand`; `None` for links made before it was kept.
    pub product_link: Option<String>,
    pub synced_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
