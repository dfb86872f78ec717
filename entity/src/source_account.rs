//! The platform account a source is connected to, as a keyed hash (one account, one source
//! unless asked).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "source_accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub source_id: i64,
    pub platform: String,
    /// HMAC-SHA256 (keyed by `ORDERHUB_SECRET_KEY`) of the account's identity, hex; empty when
    /// the credentials name no account.
    pub account_key: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
