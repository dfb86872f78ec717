//! Sources (SRC-1..6): connected shops and marketplace accounts, with encrypted credentials.

use super::{
    now,
    rows::{SourceRow, SyncRunRow},
    Store,
};
use crate::domain::auth::SourceScope;
use crate::domain::{Platform, SourceId, StatusId, UserId};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use entity::{source, source_manager, status, sync_run, user};
use sea_orm::sea_query::{Expr, NullOrdering};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, Order,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, Statement,
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
        // a source switched back on, or given new options or credentials, is due at once
        let due_now = (s.enabled == Some(true) && !row.enabled)
            || s.settings.is_some()
            || s.credentials_enc.is_some();
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
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimedSource {
    /// The source as the claim left it (its next due time one lease ahead).
    pub source: SourceRow,
    /// The holder name of the run's lease: the claim's holder prefix and the source id.
    pub holder: String,
    /// The run the claim started, holding the source's lease: a backfill until one finished,
    /// then a poll. `None` when another run held the lease (a `syncSource` in progress).
    pub run: Option<SyncRunRow>,
}

/// What one claim took, and when the next of the other sources is due.
#[derive(Clone, Debug, Default)]
pub struct Claim {
    pub claimed: Vec<ClaimedSource>,
    /// The earliest due time of the sources the claim left (now for one with none); `None`:
    /// there are none a claim could take.
    pub next_due: Option<DateTime<Utc>>,
}

/// A claimable source: enabled, not deleted, not waiting for new credentials.
const CLAIMABLE: &str = "deleted_at IS NULL AND enabled AND NOT needs_reauth";

/// What a run still shown running is marked with when a new run of its source starts: only a
/// run of an instance that stopped can be left running while another holds the lease.
pub const ABANDONED: &str = "abandoned: the instance running it stopped before it finished";

/// The scheduled run of a claimed source: a backfill until one finished, then a poll.
fn run_kind_of(backfilled: bool) -> &'static str {
    if backfilled {
        "poll"
    } else {
        "backfill"
    }
}

impl Store {
    /// Claims up to `limit` sources whose next due time has passed (or that have none: new,
    /// re-enabled, never run): enabled, not deleted, not waiting for new credentials, longest
    /// due first. Their next due time becomes `until`, so no other instance claims them while
    /// this one runs them; a run keeps it one lease ahead and its end sets the next one. The
    /// claim starts their runs too: it takes each source's lease until `until` (holder
    /// `holder_prefix` and the source id) where the lease is free, marks the source's runs still
    /// shown running as abandoned, and inserts the new run. It also says when the next of the
    /// other sources is due, so the claim loop knows how long to sleep.
    ///
    /// On PostgreSQL all of it is one statement, and the rows another instance is claiming at the
    /// same moment are skipped (`FOR UPDATE SKIP LOCKED`); on SQLite one transaction on the single
    /// writer.
    pub async fn claim_due_sources(
        &self,
        limit: u64,
        until: DateTime<Utc>,
        holder_prefix: &str,
    ) -> Result<Claim> {
        if limit == 0 {
            return Ok(Claim {
                claimed: vec![],
                next_due: self.earliest_due().await?,
            });
        }
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        match self.backend() {
            DbBackend::Postgres => self.claim_due_pg(limit, until, holder_prefix).await,
            _ => self.claim_due_in_txn(limit, until, holder_prefix).await,
        }
    }

    async fn claim_due_pg(
        &self,
        limit: i64,
        until: DateTime<Utc>,
        holder_prefix: &str,
    ) -> Result<Claim> {
        // $1 until, $2 now, $3 limit, $4 holder prefix, $5 the abandoned runs' error
        let sql = format!(
            "WITH picked AS (\
               SELECT id FROM sources \
               WHERE {CLAIMABLE} AND (next_due_at IS NULL OR next_due_at < $2) \
               ORDER BY next_due_at ASC NULLS FIRST, id \
               LIMIT $3 FOR UPDATE SKIP LOCKED), \
             claimed AS (\
               UPDATE sources s SET next_due_at = $1 FROM picked WHERE s.id = picked.id \
               RETURNING s.*), \
             leased AS (\
               INSERT INTO leases (name, holder, expires_at, acquired_at) \
               SELECT 'sync:source:' || id, $4 || id, $1, $2 FROM claimed \
               ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, \
                 expires_at = EXCLUDED.expires_at, acquired_at = EXCLUDED.acquired_at \
               WHERE leases.expires_at < $2 \
               RETURNING name), \
             ours AS (\
               SELECT id, backfill_done_at, sync_cursor FROM claimed \
               WHERE 'sync:source:' || id IN (SELECT name FROM leased)), \
             abandoned AS (\
               UPDATE sync_runs SET state = 'failed', error = $5, finished_at = $2 \
               WHERE source_id IN (SELECT id FROM ours) AND state = 'running' \
                 AND kind <> 'manual_order'), \
             runs AS (\
               INSERT INTO sync_runs (source_id, kind, state, started_at, orders_seen, \
                 orders_created, orders_updated, orders_skipped, error_count, cursor_before) \
               SELECT id, CASE WHEN backfill_done_at IS NULL THEN 'backfill' ELSE 'poll' END, \
                 'running', $2, 0, 0, 0, 0, 0, sync_cursor FROM ours \
               RETURNING id, source_id, kind, started_at) \
             SELECT c.*, r.id AS run_id, r.kind AS run_kind, r.started_at AS run_started_at, \
               (SELECT COALESCE(next_due_at, $2) FROM sources \
                WHERE {CLAIMABLE} AND id NOT IN (SELECT id FROM picked) \
                ORDER BY next_due_at ASC NULLS FIRST LIMIT 1) AS rest_due \
             FROM (SELECT 1) one LEFT JOIN claimed c ON true LEFT JOIN runs r ON r.source_id = c.id"
        );
        let t = now();
        let rows = self
            .writer
            .query_all_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                sql,
                [
                    until.into(),
                    t.into(),
                    limit.into(),
                    holder_prefix.into(),
                    ABANDONED.into(),
                ],
            ))
            .await?;
        let mut claim = Claim::default();
        for r in rows {
            claim.next_due = r.try_get("", "rest_due")?;
            let Some(_) = r.try_get::<Option<i64>>("", "id")? else {
                continue;
            };
            let source = SourceRow::from_query_result(&r, "")?;
            let run = match r.try_get::<Option<i64>>("", "run_id")? {
                Some(id) => Some(SyncRunRow {
                    id,
                    source_id: source.id,
                    kind: r.try_get("", "run_kind")?,
                    state: "running".into(),
                    started_at: r.try_get("", "run_started_at")?,
                    finished_at: None,
                    orders_seen: 0,
                    orders_created: 0,
                    orders_updated: 0,
                    orders_skipped: 0,
                    error_count: 0,
                    error: None,
                    note: None,
                    cursor_before: source.sync_cursor.clone(),
                    cursor_after: None,
                }),
                None => None,
            };
            claim.claimed.push(ClaimedSource {
                holder: format!("{holder_prefix}{}", source.id),
                source,
                run,
            });
        }
        // RETURNING gives no order; the longest due was picked, any order runs them
        claim.claimed.sort_by_key(|c| c.source.id);
        Ok(claim)
    }

    /// [`Store::claim_due_sources`] as statements in one transaction (SQLite's single writer).
    async fn claim_due_in_txn(
        &self,
        limit: i64,
        until: DateTime<Utc>,
        holder_prefix: &str,
    ) -> Result<Claim> {
        let backend = self.backend();
        let t = now();
        let txn = self.write_txn().await?;
        let sql = format!(
            "UPDATE sources SET next_due_at = ? WHERE id IN (\
               SELECT id FROM sources \
               WHERE {CLAIMABLE} AND (next_due_at IS NULL OR next_due_at < ?) \
               ORDER BY next_due_at ASC NULLS FIRST, id \
               LIMIT ?) \
             RETURNING *"
        );
        let rows = txn
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [until.into(), t.into(), limit.into()],
            ))
            .await?;
        let mut sources = rows
            .iter()
            .map(|r| SourceRow::from_query_result(r, ""))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        sources.sort_by_key(|s| s.id);
        let mut claim = Claim::default();
        let mut leased = vec![];
        for source in sources {
            let holder = format!("{holder_prefix}{}", source.id);
            let name = format!("sync:source:{}", source.id);
            if super::leases::acquire(&txn, &name, &holder, until, t).await? {
                leased.push(source.id);
            }
            claim.claimed.push(ClaimedSource {
                source,
                holder,
                run: None,
            });
        }
        if !leased.is_empty() {
            fail_abandoned_runs(&txn, &leased, t).await?;
        }
        for c in claim
            .claimed
            .iter_mut()
            .filter(|c| leased.contains(&c.source.id))
        {
            let kind = run_kind_of(c.source.backfill_done_at.is_some());
            let run = super::sync::start_run(
                &txn,
                SourceId(c.source.id),
                kind,
                c.source.sync_cursor.clone(),
                t,
            )
            .await?;
            c.run = Some(run);
        }
        let claimed: Vec<i64> = claim.claimed.iter().map(|c| c.source.id).collect();
        claim.next_due = earliest_due_on(&txn, &claimed).await?;
        txn.commit().await?;
        Ok(claim)
    }

    /// The earliest next due time of the sources a claim could take (`None`: there are none);
    /// a source with no due time is due now.
    pub async fn earliest_due(&self) -> Result<Option<DateTime<Utc>>> {
        earliest_due_on(&self.db, &[]).await
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

/// [`Store::earliest_due`] on `db`, leaving out the sources `except`.
async fn earliest_due_on<C: ConnectionTrait>(
    db: &C,
    except: &[i64],
) -> Result<Option<DateTime<Utc>>> {
    let mut q = source::Entity::find()
        .select_only()
        .column(source::Column::NextDueAt)
        .filter(source::Column::DeletedAt.is_null())
        .filter(source::Column::Enabled.eq(true))
        .filter(source::Column::NeedsReauth.eq(false));
    if !except.is_empty() {
        q = q.filter(source::Column::Id.is_not_in(except.iter().copied()));
    }
    let first: Option<Option<DateTime<Utc>>> = q
        .order_by_with_nulls(source::Column::NextDueAt, Order::Asc, NullOrdering::First)
        .into_tuple()
        .one(db)
        .await?;
    Ok(first.map(|due| due.unwrap_or_else(now)))
}

/// Marks failed the runs of `sources` still shown running that hold the source's lease (all but
/// one-order syncs, which take none): called by whoever holds those sources' leases now, so they
/// were left by an instance that stopped. Returns how many.
pub(crate) async fn fail_abandoned_runs<C: ConnectionTrait>(
    db: &C,
    sources: &[i64],
    at: DateTime<Utc>,
) -> Result<u64> {
    let r = sync_run::Entity::update_many()
        .col_expr(sync_run::Column::State, Expr::value("failed"))
        .col_expr(sync_run::Column::Error, Expr::value(ABANDONED))
        .col_expr(sync_run::Column::FinishedAt, Expr::value(at))
        .filter(sync_run::Column::SourceId.is_in(sources.iter().copied()))
        .filter(sync_run::Column::State.eq("running"))
        .filter(sync_run::Column::Kind.ne("manual_order"))
        .exec(db)
        .await?;
    Ok(r.rows_affected)
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
