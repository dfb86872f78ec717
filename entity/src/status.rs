//! Order statuses, each belonging to a status group.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, Default, PartialEq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "statuses")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    /// `new` | `approval` | `production` | `delivery` | `completed` | `cancelled`.
    pub status_group: String,
    pub position: i32,
    /// Stable key of seeded default statuses (e.g. `new`, `repeat_order`).
    #[sea_orm(unique)]
    pub system_key: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
