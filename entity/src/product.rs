//! Products of the hub catalogue.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub description: Option<String>,
    pub sku: Option<String>,
    pub code: Option<String>,
    /// Always `piece`.
    pub unit: String,
    pub category_id: Option<i64>,
    pub stock_quantity: i64,
    /// Pieces written off that the stock did not have, since the stock was last set (the stock
    /// stops at zero; STK-1).
    pub stock_shortage: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
