//! Sources (SRC-1..6): connected shops and marketplace accounts, with encrypted credentials.

use super::{now, rows::SourceRow, Store};
use crate::domain::auth::SourceScope;
use crate::domain::{Platform, SourceId, StatusId, UserId};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use entity::{source, source_manager, status, user};
use sea_orm::sea_query::{Expr, NullOrdering};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, Order, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};

/// Settings of a source as the API gives them; credentials arrive already encrypted.
#[derive(Clone, Debug, Default)]
pub struct SourceSettings {
    pub name: Option<String>,
    pub currency: Option<String>,
    pub language: Option<Option<String>>,
    pub base_url: Option<Option<String>>,
    pub credentials_enc: Option<String>,
    pub default_status_id: Option<StatusId>,
    pub manager_ids: Option<Vec<UserId>>,
    pub send_tracking: Option<bool>,
    pub tracking_status_ids: Option<Vec<StatusId>>,
    pub store_commission: Option<bool>,
    pub expense_type: Option<String>,
    pub identify_products_by: Option<String>,
    pub enabled: Option<bool>,
    /// Platform options (a JSON object).
    pub settings: Option<serde_json::Value>,
}

/// A new source is due for the scheduler this long after it is stored (see `create_source`).
pub const NEW_SOURCE_GRACE: chrono::Duration = chrono::Duration::seconds(60);

/// The platform of a stored source.
pub fn platform_of(src: &SourceRow) -> Result<Platform> {
    src.platform
        .parse()
        .map_err(|_| Error::Internal(format!("unknown platform {}", src.platform)))
}

impl Store {
    /// A source that is not deleted, with its platform; NOT_FOUND otherwise.
    pub async fn source_and_platform(&self, id: SourceId) -> Result<(SourceRow, Platform)> {
        let src = self
            .source_row(id)
            .await?
            .ok_or_else(|| Error::not_found("source"))?;
        let platform = platform_of(&src)?;
        Ok((src, platform))
    }

    pub async fn create_source(&self, platform: Platform, s: SourceSettings) -> Result<SourceRow> {
        self.check_source_refs(&s).await?;
        let t = now();
        let txn = self.write_txn().await?;
        let row = source::ActiveModel {
            name: Set(s.name.clone().unwrap_or_default()),
            platform: Set(platform.as_str().to_string()),
            enabled: Set(s.enabled.unwrap_or(true)),
            currency: Set(s.currency.clone().unwrap_or_else(|| "UAH".into())),
            language: Set(s.language.clone().flatten()),
            base_url: Set(s.base_url.clone().flatten()),
            credentials_enc: Set(s.credentials_enc.clone().unwrap_or_default()),
            default_status_id: Set(s.default_status_id.map(|x| x.0)),
            send_tracking: Set(s.send_tracking.unwrap_or(false)),
            tracking_status_ids: Set(ids_json(s.tracking_status_ids.as_deref().unwrap_or(&[]))),
            store_commission: Set(s.store_commission.unwrap_or(false)),
            expense_type: Set(s
                .expense_type
                .clone()
                .unwrap_or_else(|| "commission".into())),
            identify_products_by: Set(s
                .identify_products_by
                .clone()
                .unwrap_or_else(|| "sku".into())),
            status_rules_enabled: Set(false),
            needs_reauth: Set(false),
            last_error: Set(None),
            last_sync_at: Set(None),
            sync_cursor: Set(None),
            backfill_done_at: Set(None),
            next_manager_index: Set(0),
            // createSource starts the backfill itself at once; the scheduler takes the source
            // over if that run never started (its instance died meanwhile)
            next_due_at: Set(Some(t + NEW_SOURCE_GRACE)),
            settings: Set(s.settings.clone().unwrap_or_else(|| serde_json::json!({}))),
            deleted_at: Set(None),
            created_at: Set(t),
            updated_at: Set(t),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        if let Some(managers) = &s.manager_ids {
            replace_managers(&txn, SourceId(row.id), managers).await?;
        }
        txn.commit().await?;
        Ok(row)
    }

    pub async fn update_source(&self, id: SourceId, s: SourceSettings) -> Result<SourceRow> {
        let row = self
            .source_row(id)
            .await?
            .ok_or_else(|| Error::not_found("source"))?;
        self.check_source_refs(&s).await?;
        // a source switched back on, or given new options, is due at once
        let due_now = (s.enabled == Some(true) && !row.enabled) || s.settings.is_some();
        let mut am: source::ActiveModel = row.into();
        if due_now {
            am.next_due_at = Set(None);
        }
        if let Some(v) = s.name {
            am.name = Set(v);
        }
        if let Some(v) = s.currency {
            am.currency = Set(v);
        }
        if let Some(v) = s.language {
            am.language = Set(v);
        }
        if let Some(v) = s.base_url {
            am.base_url = Set(v);
        }
        if let Some(v) = s.credentials_enc {
            am.credentials_enc = Set(v);
            // new credentials clear the re-authorization mark (SRC-6)
            am.needs_reauth = Set(false);
            am.last_error = Set(None);
        }
        if let Some(v) = s.default_status_id {
            am.default_status_id = Set(Some(v.0));
        }
        if let Some(v) = s.send_tracking {
            am.send_tracking = Set(v);
        }
        if let Some(v) = &s.tracking_status_ids {
            am.tracking_status_ids = Set(ids_json(v));
        }
        if let Some(v) = s.store_commission {
            am.store_commission = Set(v);
        }
        if let Some(v) = s.expense_type {
            am.expense_type = Set(v);
        }
        if let Some(v) = s.identify_products_by {
            am.identify_products_by = Set(v);
        }
        if let Some(v) = s.enabled {
            am.enabled = Set(v);
        }
        if let Some(v) = s.settings {
            am.settings = Set(v);
        }
        am.updated_at = Set(now());
        let txn = self.write_txn().await?;
        let row = am.update(&txn).await?;
        if let Some(managers) = &s.manager_ids {
            replace_managers(&txn, id, managers).await?;
        }
        txn.commit().await?;
        Ok(row)
    }

    /// Deleting keeps the source's orders (SRC-5): the row is only marked deleted and disabled.
    pub async fn delete_source(&self, id: SourceId) -> Result<()> {
        let row = self
            .source_row(id)
            .await?
            .ok_or_else(|| Error::not_found("source"))?;
        let mut am: source::ActiveModel = row.into();
        am.deleted_at = Set(Some(now()));
        am.enabled = Set(false);
        am.updated_at = Set(now());
        am.update(&self.writer).await?;
        Ok(())
    }

    /// A source that is not deleted, whoever asks; callers check the scope.
    pub async fn source_row(&self, id: SourceId) -> Result<Option<SourceRow>> {
        Ok(source::Entity::find_by_id(id.0)
            .filter(source::Column::DeletedAt.is_null())
            .one(&self.db)
            .await?)
    }

    pub async fn sources(&self, scope: &SourceScope) -> Result<Vec<SourceRow>> {
        let mut q = source::Entity::find()
            .filter(source::Column::DeletedAt.is_null())
            .order_by_asc(source::Column::Id);
        if let SourceScope::Only(ids) = scope {
            q = q.filter(source::Column::Id.is_in(ids.iter().map(|s| s.0)));
        }
        Ok(q.all(&self.db).await?)
    }

    pub async fn source_manager_ids(&self, id: SourceId) -> Result<Vec<UserId>> {
        Ok(source_manager::Entity::find()
            .filter(source_manager::Column::SourceId.eq(id.0))
            .order_by_asc(source_manager::Column::Position)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| UserId(m.user_id))
            .collect())
    }

    pub async fn check_source_refs(&self, s: &SourceSettings) -> Result<()> {
        if let Some(managers) = &s.manager_ids {
            let found = user::Entity::find()
                .filter(user::Column::Id.is_in(managers.iter().map(|m| m.0)))
                .count(&self.db)
                .await?;
            let unique: std::collections::HashSet<_> = managers.iter().collect();
            if found as usize != unique.len() {
                return Err(Error::bad_input(
                    "managerIds",
                    "one or more users do not exist",
                ));
            }
        }
        let mut status_ids: Vec<i64> = s
            .tracking_status_ids
            .iter()
            .flatten()
            .map(|x| x.0)
            .collect();
        status_ids.extend(s.default_status_id.map(|x| x.0));
        status_ids.sort_unstable();
        status_ids.dedup();
        if !status_ids.is_empty() {
            let found = status::Entity::find()
                .filter(status::Column::Id.is_in(status_ids.clone()))
                .count(&self.db)
                .await?;
            if found as usize != status_ids.len() {
                return Err(Error::bad_input(
                    "trackingStatusIds",
                    "one or more statuses do not exist",
                ));
            }
        }
        Ok(())
    }
}

/// A source an instance claimed for its scheduled run (see [`Store::claim_due_sources`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimedSource {
    pub id: SourceId,
    pub platform: String,
    /// Its backfill finished once: the run is a poll (or a reconciliation), else a backfill.
    pub backfilled: bool,
}

impl Store {
    /// Claims up to `limit` sources whose next due time has passed (or that have none: new,
    /// re-enabled, never run): enabled, not deleted, not waiting for new credentials, longest
    /// due first. Their next due time becomes `until`, so no other instance claims them while
    /// this one runs them; a run that starts keeps it one lease ahead and its end sets the next
    /// one. One statement: on PostgreSQL the rows another instance is claiming at the same
    /// moment are skipped (`FOR UPDATE SKIP LOCKED`), on SQLite the statement runs alone on the
    /// single writer.
    pub async fn claim_due_sources(
        &self,
        limit: u64,
        until: DateTime<Utc>,
    ) -> Result<Vec<ClaimedSource>> {
        if limit == 0 {
            return Ok(vec![]);
        }
        let backend = self.backend();
        let sql = match backend {
            DbBackend::Postgres => {
                "UPDATE sources SET next_due_at = $1 WHERE id IN (\
                   SELECT id FROM sources \
                   WHERE deleted_at IS NULL AND enabled AND NOT needs_reauth \
                     AND (next_due_at IS NULL OR next_due_at < $2) \
                   ORDER BY next_due_at ASC NULLS FIRST, id \
                   LIMIT $3 FOR UPDATE SKIP LOCKED) \
                 RETURNING id, platform, backfill_done_at IS NOT NULL AS backfilled"
            }
            _ => {
                "UPDATE sources SET next_due_at = ? WHERE id IN (\
                   SELECT id FROM sources \
                   WHERE deleted_at IS NULL AND enabled AND NOT needs_reauth \
                     AND (next_due_at IS NULL OR next_due_at < ?) \
                   ORDER BY next_due_at ASC NULLS FIRST, id \
                   LIMIT ?) \
                 RETURNING id, platform, backfill_done_at IS NOT NULL AS backfilled"
            }
        };
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self
            .writer
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [until.into(), now().into(), limit.into()],
            ))
            .await?;
        let mut claimed = Vec::with_capacity(rows.len());
        for r in rows {
            claimed.push(ClaimedSource {
                id: SourceId(r.try_get("", "id")?),
                platform: r.try_get("", "platform")?,
                backfilled: r.try_get("", "backfilled")?,
            });
        }
        // RETURNING gives no order; the longest due was picked, any order runs them
        claimed.sort_by_key(|c| c.id.0);
        Ok(claimed)
    }

    /// The earliest next due time of the sources a claim could take (`None`: there are none);
    /// a source with no due time is due now.
    pub async fn earliest_due(&self) -> Result<Option<DateTime<Utc>>> {
        let first: Option<Option<DateTime<Utc>>> = source::Entity::find()
            .select_only()
            .column(source::Column::NextDueAt)
            .filter(source::Column::DeletedAt.is_null())
            .filter(source::Column::Enabled.eq(true))
            .filter(source::Column::NeedsReauth.eq(false))
            .order_by_with_nulls(source::Column::NextDueAt, Order::Asc, NullOrdering::First)
            .into_tuple()
            .one(&self.db)
            .await?;
        Ok(first.map(|due| due.unwrap_or_else(now)))
    }

    /// Sets when the source is next due (`None`: at once).
    pub async fn set_next_due(&self, id: SourceId, at: Option<DateTime<Utc>>) -> Result<()> {
        source::Entity::update_many()
            .col_expr(source::Column::NextDueAt, Expr::value(at))
            .filter(source::Column::Id.eq(id.0))
            .exec(&self.writer)
            .await?;
        Ok(())
    }
}

fn ids_json(ids: &[StatusId]) -> serde_json::Value {
    serde_json::Value::Array(ids.iter().map(|i| i.0.into()).collect())
}

/// Managers in the given order; the order is the round robin's (SRC-4).
async fn replace_managers<C: ConnectionTrait>(
    db: &C,
    id: SourceId,
    managers: &[UserId],
) -> Result<()> {
    source_manager::Entity::delete_many()
        .filter(source_manager::Column::SourceId.eq(id.0))
        .exec(db)
        .await?;
    let mut seen = std::collections::HashSet::new();
    let rows: Vec<_> = managers
        .iter()
        .filter(|m| seen.insert(**m))
        .enumerate()
        .map(|(i, m)| source_manager::ActiveModel {
            source_id: Set(id.0),
            user_id: Set(m.0),
            position: Set(i as i32),
        })
        .collect();
    if !rows.is_empty() {
        source_manager::Entity::insert_many(rows).exec(db).await?;
    }
    Ok(())
}
