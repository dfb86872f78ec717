//! Leases: one instance at a time works on a named thing (a source's poll). A lease expires, so a
//! crashed instance's work is taken over; one upsert decides, on SQLite and PostgreSQL alike.

use super::{now, Store};
use crate::domain::SourceId;
use crate::error::Result;
use chrono::{DateTime, Utc};
use entity::lease;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Set, Statement};
use std::time::Duration;

/// When a lease of `ttl` taken now ends.
fn until(ttl: Duration) -> DateTime<Utc> {
    now() + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::minutes(5))
}

impl Store {
    /// Takes the lease when it is free or expired. A lease this holder already has is not taken
    /// again: one holder does not run the same work twice at once (a poll while its own backfill
    /// of the source runs), and the first run's release cannot free the second's lease.
    pub async fn try_acquire_lease(&self, name: &str, holder: &str, ttl: Duration) -> Result<bool> {
        self.try_acquire_lease_until(name, holder, until(ttl)).await
    }

    /// [`Store::try_acquire_lease`] with the end given: a scheduled run's lease ends when its
    /// claim does (see [`Store::claim_due_sources`]).
    pub async fn try_acquire_lease_until(
        &self,
        name: &str,
        holder: &str,
        expires: DateTime<Utc>,
    ) -> Result<bool> {
        acquire(&self.writer, name, holder, expires, now()).await
    }

    /// Extends a lease this holder has. `false` when it is no longer ours (it expired and another
    /// holder took it): the work it guarded must stop.
    pub async fn renew_lease(&self, name: &str, holder: &str, ttl: Duration) -> Result<bool> {
        self.renew_lease_until(name, holder, until(ttl)).await
    }

    /// [`Store::renew_lease`] with the new end given.
    pub async fn renew_lease_until(
        &self,
        name: &str,
        holder: &str,
        expires: DateTime<Utc>,
    ) -> Result<bool> {
        let res = lease::Entity::update_many()
            .col_expr(lease::Column::ExpiresAt, Expr::value(expires))
            .filter(lease::Column::Name.eq(name))
            .filter(lease::Column::Holder.eq(holder))
            .exec(&self.writer)
            .await?;
        Ok(res.rows_affected == 1)
    }

    /// Who holds a lease now (an expired lease is nobody's).
    pub async fn lease_holder(&self, name: &str) -> Result<Option<String>> {
        Ok(lease::Entity::find_by_id(name.to_string())
            .filter(lease::Column::ExpiresAt.gte(now()))
            .one(&self.db)
            .await?
            .map(|l| l.holder))
    }

    /// Renews a run's lease on a source and keeps the source's next due time at its end, so no
    /// instance claims the source while the run lives. `false`: the lease is another's now
    /// (nothing is changed then). One statement on PostgreSQL.
    pub async fn renew_run_lease(
        &self,
        name: &str,
        holder: &str,
        source_id: SourceId,
        expires: DateTime<Utc>,
    ) -> Result<bool> {
        if self.backend() != DbBackend::Postgres {
            if !self.renew_lease_until(name, holder, expires).await? {
                return Ok(false);
            }
            self.set_next_due(source_id, Some(expires)).await?;
            return Ok(true);
        }
        let row = self
            .writer
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "WITH renewed AS (\
                   UPDATE leases SET expires_at = $1 WHERE name = $2 AND holder = $3 \
                   RETURNING name), \
                 due AS (\
                   UPDATE sources SET next_due_at = $1 \
                   WHERE id = $4 AND EXISTS (SELECT 1 FROM renewed)) \
                 SELECT count(*) AS renewed FROM renewed",
                [
                    expires.into(),
                    name.into(),
                    holder.into(),
                    source_id.0.into(),
                ],
            ))
            .await?;
        let renewed: i64 = match row {
            Some(r) => r.try_get("", "renewed")?,
            None => 0,
        };
        Ok(renewed == 1)
    }

    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        lease::Entity::delete_many()
            .filter(lease::Column::Name.eq(name))
            .filter(lease::Column::Holder.eq(holder))
            .exec(&self.writer)
            .await?;
        Ok(())
    }
}

/// Takes the lease `name` for `holder` until `expires` when it is free or expired at `at` (see
/// [`Store::try_acquire_lease`]); on `db`, so a claim takes its leases in its own transaction.
pub(crate) async fn acquire<C: ConnectionTrait>(
    db: &C,
    name: &str,
    holder: &str,
    expires: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Result<bool> {
    let affected = lease::Entity::insert(lease::ActiveModel {
        name: Set(name.to_string()),
        holder: Set(holder.to_string()),
        expires_at: Set(expires),
        acquired_at: Set(at),
    })
    .on_conflict(
        OnConflict::column(lease::Column::Name)
            .update_columns([
                lease::Column::Holder,
                lease::Column::ExpiresAt,
                lease::Column::AcquiredAt,
            ])
            .action_and_where(Expr::col((lease::Entity, lease::Column::ExpiresAt)).lt(at))
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(affected == 1)
}
