//! The budget of platform calls people ask for, one row per source that has spent some of it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "source_call_budgets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub source_id: i64,
    /// When the next call is due in the generic cell rate algorithm, in milliseconds since the
    /// Unix epoch (see `orderhub::domain::budget`).
    pub tat_ms: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
