//! Users of the hub (operators, managers, API clients).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub admin: bool,
    /// Hex-encoded SHA-256 of the bearer token; `revoked:` and random text when the user has no
    /// valid token (a SHA-256 in hex never starts so, so no token matches it).
    #[sea_orm(unique)]
    pub token_hash: String,
    pub created_at: DateTimeUtc,
    /// When the current token was made; `None` while the user has none.
    pub token_created_at: Option<DateTimeUtc>,
    /// When the current token last opened a request, written at most once a minute.
    pub token_last_used_at: Option<DateTimeUtc>,
    /// The admin whose token is `ORDERHUB_ADMIN_TOKEN`: each start binds the configured token to it.
    pub bootstrap: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
