//! Leases: one instance at a time works on a named thing (a source's poll). A lease expires, so a
//! crashed instance's work is taken over; one upsert decides, on SQLite and PostgreSQL alike.

use super::{now, Store};
use crate::error::Result;
use entity::lease;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use std::time::Duration;

impl Store {
    /// Takes the lease when it is free, expired or already ours (then it is extended).
    pub async fn try_acquire_lease(&self, name: &str, holder: &str, ttl: Duration) -> Result<bool> {
        let t = now();
        let expires = t + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::minutes(5));
        let affected = lease::Entity::insert(lease::ActiveModel {
            name: Set(name.to_string()),
            holder: Set(holder.to_string()),
            expires_at: Set(expires),
            acquired_at: Set(t),
        })
        .on_conflict(
            OnConflict::column(lease::Column::Name)
                .update_columns([
                    lease::Column::Holder,
                    lease::Column::ExpiresAt,
                    lease::Column::AcquiredAt,
                ])
                .action_and_where(
                    Expr::col((lease::Entity, lease::Column::ExpiresAt))
                        .lt(t)
                        .or(Expr::col((lease::Entity, lease::Column::Holder)).eq(holder)),
                )
                .to_owned(),
        )
        .exec_without_returning(&self.db)
        .await?;
        Ok(affected == 1)
    }

    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        lease::Entity::delete_many()
            .filter(lease::Column::Name.eq(name))
            .filter(lease::Column::Holder.eq(holder))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}
