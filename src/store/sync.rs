//! Applying what a platform sent: new orders are inserted with their customer, products and
//! first events (IMP-3..5, ST-1, CUS-1, PRD-1/2, DLV-1, EXP-1, SRC-4); known ones are merged
//! (SYNC-1..3, SYNC-5, ST-2, TRK-4). One transaction per page, never across an HTTP call.

use super::contacts::note_contacts;
use super::orders::{add_event, find_or_create_customer, Actor};
use super::{now, rows::*, Store};
use crate::domain::changes::{event_data, field, line_text, quantity_text, FieldChange};
use crate::domain::contact::Contact;
use crate::domain::merge::{delivery_comment, merge, Change, RemovedLine, StoredItem, StoredOrder};
use crate::domain::order_edit::buyer_text;
use crate::domain::orders::incomplete_order_reason;
use crate::domain::orders::{
    currency_mismatch, next_manager, Delivery, ImportedCustomer, ImportedItem, ImportedOrder,
    StatusClass,
};
use crate::domain::{OrderId, SourceId, StatusGroup, SyncRunId};
use crate::error::{Error, Result};
use entity::{
    category, customer, expense, lease, order, order_event, order_item, product, source, status,
    sync_run,
};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, Set, Statement,
};
use std::collections::HashMap;

/// What one page did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ApplyCounts {
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
    pub skipped: u32,
}

/// Our statuses a platform state maps to (IMP-7, ST-1, ST-2).
struct StatusTargets {
    default: i64,
    completed: i64,
    cancelled: i64,
    cancelled_group: Vec<i64>,
    /// Every status's name, for the feed's changes (SYNC-5).
    names: HashMap<i64, String>,
}

impl Store {
    async fn status_targets(&self, src: &SourceRow) -> Result<StatusTargets> {
        let all = status::Entity::find()
            .order_by_asc(status::Column::Position)
            .all(&self.db)
            .await?;
        let by_key = |k: &str| {
            all.iter()
                .find(|s| s.system_key.as_deref() == Some(k))
                .map(|s| s.id)
        };
        let first_of = |g: StatusGroup| {
            all.iter()
                .find(|s| s.status_group == g.as_str())
                .map(|s| s.id)
        };
        let missing = || Error::Internal("a default status is missing".into());
        Ok(StatusTargets {
            default: src
                .default_status_id
                .or_else(|| by_key("new"))
                .ok_or_else(missing)?,
            completed: by_key("completed")
                .or_else(|| first_of(StatusGroup::Completed))
                .ok_or_else(missing)?,
            cancelled: by_key("cancelled")
                .or_else(|| first_of(StatusGroup::Cancelled))
                .ok_or_else(missing)?,
            cancelled_group: all
                .iter()
                .filter(|s| s.status_group == StatusGroup::Cancelled.as_str())
                .map(|s| s.id)
                .collect(),
            names: all.iter().map(|s| (s.id, s.name.clone())).collect(),
        })
    }

    /// Applies one page of orders from a source in one transaction.
    pub async fn apply_orders(
        &self,
        source_id: SourceId,
        orders: &[ImportedOrder],
        actor: Actor,
    ) -> Result<ApplyCounts> {
        self.apply_orders_with(source_id, orders, actor, false)
            .await
    }

    /// `skip_new_completed`: a re-sync of a platform whose backfill leaves finished orders out
    /// does not create finished orders it has never seen (IMP-1); they count as skipped.
    pub async fn apply_orders_with(
        &self,
        source_id: SourceId,
        orders: &[ImportedOrder],
        actor: Actor,
        skip_new_completed: bool,
    ) -> Result<ApplyCounts> {
        self.apply_page(source_id, orders, &|_| actor, skip_new_completed)
            .await
    }

    /// Applies webhook deliveries' orders in one transaction, each order's events naming the
    /// delivery that brought it (`deliveries[i]` brought `orders[i]`). An order id appears at most
    /// once: the caller splits a run of deliveries where an order repeats, so each update is merged
    /// over the one before it (WH-5).
    pub async fn apply_webhook_orders(
        &self,
        source_id: SourceId,
        orders: &[ImportedOrder],
        deliveries: &[crate::domain::WebhookDeliveryId],
    ) -> Result<ApplyCounts> {
        self.apply_page(source_id, orders, &|i| Actor::Webhook(deliveries[i]), false)
            .await
    }

    async fn apply_page(
        &self,
        source_id: SourceId,
        orders: &[ImportedOrder],
        actor_of: &(dyn Fn(usize) -> Actor + Sync),
        skip_new_completed: bool,
    ) -> Result<ApplyCounts> {
        let mut counts = ApplyCounts::default();
        if orders.is_empty() {
            return Ok(counts);
        }
        let (src, platform) = self.source_and_platform(source_id).await?;
        let import = (self.facts.import)(platform);
        let targets = self.status_targets(&src).await?;
        let managers = self.source_manager_ids(source_id).await?;
        let t = now();
        let txn = self.write_txn().await?;
        let ids: Vec<String> = orders.iter().map(|o| o.external_id.clone()).collect();
        let existing: HashMap<String, OrderRow> = order::Entity::find()
            .filter(order::Column::SourceId.eq(source_id.0))
            .filter(order::Column::ExternalId.is_in(ids))
            .all(&txn)
            .await?
            .into_iter()
            .filter_map(|o| o.external_id.clone().map(|e| (e, o)))
            .collect();
        let existing_ids: Vec<i64> = existing.values().map(|o| o.id).collect();
        let mut items_of: HashMap<i64, Vec<OrderItemRow>> = HashMap::new();
        if !existing_ids.is_empty() {
            for item in order_item::Entity::find()
                .filter(order_item::Column::OrderId.is_in(existing_ids))
                .order_by_asc(order_item::Column::Id)
                .all(&txn)
                .await?
            {
                items_of.entry(item.order_id).or_default().push(item);
            }
        }
        let mut manager_index = src.next_manager_index;
        let mut seen_existing = vec![];
        let mut new_orders: Vec<NewOrder> = vec![];
        let mut in_page: HashMap<&str, ()> = HashMap::new();
        for (i, o) in orders.iter().enumerate() {
            let actor = actor_of(i);
            // a page may repeat an order (cursor overlap): the first copy wins within the page
            if in_page.insert(o.external_id.as_str(), ()).is_some() {
                continue;
            }
            match existing.get(&o.external_id) {
                Some(row) => {
                    seen_existing.push(row.id);
                    let stored = stored_order(
                        row,
                        items_of.get(&row.id).map(Vec::as_slice).unwrap_or(&[]),
                        &targets,
                    );
                    let mut changes = merge(&stored, o);
                    if !import.cancellation_propagates {
                        changes.retain(|c| *c != Change::CancelHere);
                    }
                    if changes.is_empty() {
                        counts.unchanged += 1;
                    } else {
                        apply_changes(&txn, &src, row, o, &changes, &targets, actor).await?;
                        counts.updated += 1;
                    }
                }
                None if skip_new_completed && o.status_class == StatusClass::Completed => {
                    counts.skipped += 1;
                }
                None if import.skips_incomplete_orders && incomplete_order_reason(o).is_some() => {
                    counts.skipped += 1;
                    let reason = incomplete_order_reason(o).unwrap_or_default();
                    entity::source_event::ActiveModel {
                        source_id: Set(src.id),
                        kind: Set("order_skipped".into()),
                        message: Set(reason),
                        data: Set(None),
                        created_at: Set(t),
                        ..Default::default()
                    }
                    .insert(&txn)
                    .await?;
                }
                None => {
                    let (manager, next) = next_manager(&managers, manager_index);
                    manager_index = next;
                    let initial = if import.initial_status_follows_platform {
                        o.status_class
                    } else {
                        StatusClass::Processing
                    };
                    new_orders.push(NewOrder {
                        order: o,
                        initial,
                        manager: manager.map(|m| m.0),
                        actor,
                    });
                }
            }
        }
        counts.created += insert_new_orders(&txn, &src, &new_orders, &targets).await?;
        if !seen_existing.is_empty() {
            order::Entity::update_many()
                .col_expr(order::Column::LastSyncedAt, Expr::value(t))
                .filter(order::Column::Id.is_in(seen_existing))
                .exec(&txn)
                .await?;
        }
        if manager_index != src.next_manager_index {
            source::Entity::update_many()
                .col_expr(source::Column::NextManagerIndex, Expr::value(manager_index))
                .filter(source::Column::Id.eq(source_id.0))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(counts)
    }

    // ---- sync runs and source sync state ----------------------------------------------------

    pub async fn start_sync_run(
        &self,
        source_id: SourceId,
        kind: &str,
        cursor_before: Option<String>,
    ) -> Result<SyncRunRow> {
        start_run(&self.writer, source_id, kind, cursor_before, now()).await
    }

    pub async fn finish_sync_run(&self, run: SyncRunRow) -> Result<SyncRunRow> {
        let mut am: sync_run::ActiveModel = run.into();
        am.finished_at = Set(Some(now()));
        // every field was changed by the caller on the row; write them all
        am = am.reset_all();
        Ok(am.update(&self.writer).await?)
    }

    /// Closes a source's runs still marked running as failed with `error` (a run whose task
    /// panicked; the caller holds the source's sync lease, so no other run of it is live).
    pub async fn fail_running_sync_runs(&self, source_id: SourceId, error: &str) -> Result<u64> {
        use sea_orm::sea_query::ExprTrait;
        let r = sync_run::Entity::update_many()
            .col_expr(sync_run::Column::State, Expr::value("failed"))
            .col_expr(sync_run::Column::Error, Expr::value(error))
            .col_expr(
                sync_run::Column::ErrorCount,
                Expr::col(sync_run::Column::ErrorCount).add(1),
            )
            .col_expr(sync_run::Column::FinishedAt, Expr::value(now()))
            .filter(sync_run::Column::SourceId.eq(source_id.0))
            .filter(sync_run::Column::State.eq("running"))
            .exec(&self.writer)
            .await?;
        Ok(r.rows_affected)
    }

    /// Marks one run failed with `error` if it is still shown running (a run whose end could not
    /// be written).
    pub async fn fail_sync_run(&self, id: SyncRunId, error: &str) -> Result<()> {
        use sea_orm::sea_query::ExprTrait;
        sync_run::Entity::update_many()
            .col_expr(sync_run::Column::State, Expr::value("failed"))
            .col_expr(sync_run::Column::Error, Expr::value(error))
            .col_expr(
                sync_run::Column::ErrorCount,
                Expr::col(sync_run::Column::ErrorCount).add(1),
            )
            .col_expr(sync_run::Column::FinishedAt, Expr::value(now()))
            .filter(sync_run::Column::Id.eq(id.0))
            .filter(sync_run::Column::State.eq("running"))
            .exec(&self.writer)
            .await?;
        Ok(())
    }

    /// Marks failed the source's runs still shown running that hold the source's lease (all but
    /// one-order syncs, which take none) — called by a run that holds the lease itself, so they
    /// were left by an instance that stopped. Returns how many.
    pub async fn fail_abandoned_sync_runs(&self, source_id: SourceId) -> Result<u64> {
        super::sources::fail_abandoned_runs(&self.writer, &[source_id.0], now()).await
    }

    pub async fn sync_runs(&self, source_id: SourceId, limit: u64) -> Result<Vec<SyncRunRow>> {
        use sea_orm::QuerySelect;
        Ok(sync_run::Entity::find()
            .filter(sync_run::Column::SourceId.eq(source_id.0))
            .order_by_desc(sync_run::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?)
    }

    pub async fn sync_run(&self, id: SyncRunId) -> Result<Option<SyncRunRow>> {
        Ok(sync_run::Entity::find_by_id(id.0).one(&self.db).await?)
    }

    /// The cursor moves only past what was stored; `backfilled` marks the one-time backfill done.
    pub async fn record_sync_success(
        &self,
        source_id: SourceId,
        cursor: &str,
        backfilled: bool,
    ) -> Result<()> {
        let mut q = source::Entity::update_many()
            .col_expr(source::Column::SyncCursor, Expr::value(cursor))
            .col_expr(source::Column::LastSyncAt, Expr::value(now()))
            .col_expr(
                source::Column::LastError,
                Expr::value(Option::<String>::None),
            )
            .filter(source::Column::Id.eq(source_id.0));
        if backfilled {
            q = q.col_expr(source::Column::BackfillDoneAt, Expr::value(now()));
        }
        q.exec(&self.writer).await?;
        Ok(())
    }

    /// Ends a run that holds the source's lease, in one statement on PostgreSQL (one
    /// transaction on SQLite): releases the lease; if the lease was still the run's, moves the
    /// source's cursor (a run that succeeded) and sets its next due time; writes the source's
    /// last error and the run's row. A run that succeeded but whose lease is another's now
    /// moves nothing and is written failed with `end.lost_message`, as is the source's error.
    /// Returns the run as written and whether the lease was still the run's.
    pub async fn end_sync_run(&self, end: RunEnd) -> Result<(SyncRunRow, bool)> {
        let t = now();
        if self.backend() != DbBackend::Postgres {
            return self.end_sync_run_in_txn(end, t).await;
        }
        let run = &end.run;
        let sql = "WITH released AS (\
               DELETE FROM leases WHERE name = $1 AND holder = $2 RETURNING name), \
             v AS (SELECT EXISTS (SELECT 1 FROM released) AS ours), \
             src AS (\
               UPDATE sources SET \
                 sync_cursor = CASE WHEN v.ours AND $3::text IS NOT NULL THEN $3 \
                   ELSE sources.sync_cursor END, \
                 last_sync_at = CASE WHEN v.ours AND $3::text IS NOT NULL THEN $5 \
                   ELSE sources.last_sync_at END, \
                 backfill_done_at = CASE WHEN v.ours AND $3::text IS NOT NULL AND $4 THEN $5 \
                   ELSE sources.backfill_done_at END, \
                 last_error = CASE WHEN v.ours AND $3::text IS NOT NULL THEN NULL \
                   WHEN $3::text IS NOT NULL THEN $7 \
                   ELSE COALESCE($6, sources.last_error) END, \
                 next_due_at = CASE WHEN v.ours THEN $8 ELSE sources.next_due_at END \
               FROM v \
               WHERE sources.id = $9 AND (v.ours OR $3::text IS NOT NULL OR $6::text IS NOT NULL)), \
             run AS (\
               UPDATE sync_runs SET \
                 finished_at = $5, \
                 state = CASE WHEN $3::text IS NOT NULL AND NOT v.ours THEN 'failed' ELSE $10 END, \
                 error = CASE WHEN $3::text IS NOT NULL AND NOT v.ours THEN $7 ELSE $11 END, \
                 error_count = $12 + CASE WHEN $3::text IS NOT NULL AND NOT v.ours THEN 1 ELSE 0 END, \
                 cursor_after = CASE WHEN v.ours THEN $13 ELSE NULL END, \
                 orders_seen = $14, orders_created = $15, orders_updated = $16, \
                 orders_skipped = $17, note = $18 \
               FROM v WHERE sync_runs.id = $19 \
               RETURNING sync_runs.*) \
             SELECT run.*, v.ours FROM v LEFT JOIN run ON true";
        let row = self
            .writer
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                sql,
                [
                    end.lease_name.clone().into(),
                    end.holder.clone().into(),
                    end.cursor.clone().into(),
                    end.backfilled.into(),
                    t.into(),
                    end.source_error.clone().into(),
                    end.lost_message.clone().into(),
                    end.next_due.into(),
                    run.source_id.into(),
                    run.state.clone().into(),
                    run.error.clone().into(),
                    run.error_count.into(),
                    run.cursor_after.clone().into(),
                    run.orders_seen.into(),
                    run.orders_created.into(),
                    run.orders_updated.into(),
                    run.orders_skipped.into(),
                    run.note.clone().into(),
                    run.id.into(),
                ],
            ))
            .await?
            .ok_or_else(|| Error::Internal("ending a sync run returned nothing".into()))?;
        let ours: bool = row.try_get("", "ours")?;
        if row.try_get::<Option<i64>>("", "id")?.is_none() {
            return Err(Error::Internal(format!("sync run {} not found", run.id)));
        }
        Ok((SyncRunRow::from_query_result(&row, "")?, ours))
    }

    /// [`Store::end_sync_run`] as statements in one transaction (SQLite's single writer).
    async fn end_sync_run_in_txn(
        &self,
        end: RunEnd,
        t: chrono::DateTime<chrono::Utc>,
    ) -> Result<(SyncRunRow, bool)> {
        let txn = self.write_txn().await?;
        let ours = lease::Entity::delete_many()
            .filter(lease::Column::Name.eq(end.lease_name.as_str()))
            .filter(lease::Column::Holder.eq(end.holder.as_str()))
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
        let mut run = end.run;
        let mut q = source::Entity::update_many().filter(source::Column::Id.eq(run.source_id));
        let mut write = false;
        match (&end.cursor, ours) {
            (Some(cursor), true) => {
                q = q
                    .col_expr(source::Column::SyncCursor, Expr::value(cursor.as_str()))
                    .col_expr(source::Column::LastSyncAt, Expr::value(t))
                    .col_expr(
                        source::Column::LastError,
                        Expr::value(Option::<String>::None),
                    );
                if end.backfilled {
                    q = q.col_expr(source::Column::BackfillDoneAt, Expr::value(t));
                }
                write = true;
            }
            (Some(_), false) => {
                q = q.col_expr(
                    source::Column::LastError,
                    Expr::value(end.lost_message.as_str()),
                );
                write = true;
            }
            (None, _) => {
                if let Some(e) = &end.source_error {
                    q = q.col_expr(source::Column::LastError, Expr::value(e.as_str()));
                    write = true;
                }
            }
        }
        if ours {
            q = q.col_expr(source::Column::NextDueAt, Expr::value(end.next_due));
            write = true;
        }
        if write {
            q.exec(&txn).await?;
        }
        if end.cursor.is_some() && !ours {
            run.state = "failed".into();
            run.error = Some(end.lost_message.clone());
            run.error_count += 1;
        }
        if !ours {
            run.cursor_after = None;
        }
        run.finished_at = Some(t);
        let run = sync_run::ActiveModel::from(run)
            .reset_all()
            .update(&txn)
            .await?;
        txn.commit().await?;
        Ok((run, ours))
    }

    /// SRC-6: the platform rejected the credentials; polling pauses until they are replaced.
    pub async fn mark_needs_reauth(&self, source_id: SourceId, message: &str) -> Result<()> {
        source::Entity::update_many()
            .col_expr(source::Column::NeedsReauth, Expr::value(true))
            .col_expr(source::Column::LastError, Expr::value(message))
            .col_expr(source::Column::UpdatedAt, Expr::value(now()))
            .filter(source::Column::Id.eq(source_id.0))
            .exec(&self.writer)
            .await?;
        Ok(())
    }

    pub async fn record_sync_error(&self, source_id: SourceId, message: &str) -> Result<()> {
        source::Entity::update_many()
            .col_expr(source::Column::LastError, Expr::value(message))
            .filter(source::Column::Id.eq(source_id.0))
            .exec(&self.writer)
            .await?;
        Ok(())
    }

    /// SYNC-4: claims the manual-sync slot of an order; `Err(RateLimited)` says when it opens.
    pub async fn claim_manual_sync(&self, id: OrderId) -> Result<()> {
        let t = now();
        let earliest =
            t - chrono::Duration::minutes(crate::domain::orders::MANUAL_SYNC_INTERVAL_MINUTES);
        let claimed = order::Entity::update_many()
            .col_expr(order::Column::LastManualSyncAt, Expr::value(t))
            .filter(order::Column::Id.eq(id.0))
            .filter(
                sea_orm::Condition::any()
                    .add(order::Column::LastManualSyncAt.is_null())
                    .add(order::Column::LastManualSyncAt.lte(earliest)),
            )
            .exec(&self.writer)
            .await?;
        if claimed.rows_affected == 1 {
            return Ok(());
        }
        let row = order::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .ok_or_else(|| Error::not_found("order"))?;
        let next = crate::domain::orders::manual_sync_allowed(row.last_manual_sync_at, t).err();
        Err(Error::RateLimited {
            message: format!(
                "this order was synced manually less than {} minutes ago; try again after {}",
                crate::domain::orders::MANUAL_SYNC_INTERVAL_MINUTES,
                next.map(|n| n.format("%H:%M:%S UTC").to_string())
                    .unwrap_or_default()
            ),
            retry_at: next,
        })
    }
}

/// How a run that holds its source's lease ends (see [`Store::end_sync_run`]).
#[derive(Clone, Debug)]
pub struct RunEnd {
    /// The run as it ends: its state, counts, error, note and `cursor_after`.
    pub run: SyncRunRow,
    pub lease_name: String,
    pub holder: String,
    /// Where the source's cursor moves: `Some` for a run that succeeded.
    pub cursor: Option<String>,
    /// The run was a backfill that succeeded: the source's backfill is done.
    pub backfilled: bool,
    /// The source's last error after a failed run (`None`: left as it is).
    pub source_error: Option<String>,
    /// What a run that succeeded but lost its lease says, on the run and the source.
    pub lost_message: String,
    /// The source's next due time, if the lease was still the run's.
    pub next_due: chrono::DateTime<chrono::Utc>,
}

/// Inserts a run of the source, running since `at`.
pub(crate) async fn start_run<C: ConnectionTrait>(
    db: &C,
    source_id: SourceId,
    kind: &str,
    cursor_before: Option<String>,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<SyncRunRow> {
    Ok(sync_run::ActiveModel {
        source_id: Set(source_id.0),
        kind: Set(kind.to_string()),
        state: Set("running".into()),
        started_at: Set(at),
        finished_at: Set(None),
        orders_seen: Set(0),
        orders_created: Set(0),
        orders_updated: Set(0),
        orders_skipped: Set(0),
        error_count: Set(0),
        error: Set(None),
        note: Set(None),
        cursor_before: Set(cursor_before),
        cursor_after: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

fn stored_order(row: &OrderRow, items: &[OrderItemRow], targets: &StatusTargets) -> StoredOrder {
    // lines a person removed here are matched too, so that they do not come back (SYNC-2)
    let removed_here: Vec<RemovedLine> = row
        .items_removed_here
        .clone()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    StoredOrder {
        source_status: row.source_status.clone(),
        tracking_number: row.tracking_number.clone(),
        platform_tracking_number: row.platform_tracking_number.clone(),
        written_off: row.written_off,
        cancelled_here: targets.cancelled_group.contains(&row.status_id),
        platform_updated_at: row.platform_updated_at,
        items: items
            .iter()
            .map(|i| StoredItem {
                id: i.id,
                external_id: i.external_id.clone(),
                name: i.name.clone(),
                sku: i.sku.clone(),
                quantity: i.quantity,
                removed_on_platform: i.removed_on_platform,
                added_here: i.added_here,
                platform_quantity: i.platform_quantity,
                removed_here: false,
            })
            .chain(removed_here.iter().map(RemovedLine::as_stored))
            .collect(),
        has_customer: row.customer_id.is_some(),
        delivery: row
            .delivery
            .clone()
            .and_then(|d| serde_json::from_value::<Delivery>(d).ok()),
    }
}

/// Applies a re-sync's changes to one stored order: one event per change, naming the sync run
/// or webhook delivery (the actor) and keeping what it changed as `{field, before, after}`
/// (SYNC-5).
async fn apply_changes<C: ConnectionTrait>(
    db: &C,
    src: &SourceRow,
    row: &OrderRow,
    o: &ImportedOrder,
    changes: &[Change],
    targets: &StatusTargets,
    actor: Actor,
) -> Result<()> {
    let id = OrderId(row.id);
    let mut am: order::ActiveModel = row.clone().into();
    let changed = |c: FieldChange| Some(event_data(&[c]));
    for c in changes {
        match c {
            Change::SourceStatus { from, to } => {
                am.source_status = Set(to.clone());
                let msg = format!(
                    "Platform status changed from {} to {}",
                    from.as_deref().unwrap_or("—"),
                    to.as_deref().unwrap_or("—")
                );
                let data = changed(FieldChange::new(
                    field::SOURCE_STATUS,
                    from.clone(),
                    to.clone(),
                ));
                add_event(db, id, "source_status_changed", msg, data, actor).await?;
            }
            Change::CancelHere => {
                am.status_id = Set(targets.cancelled);
                let data = changed(FieldChange::new(
                    field::STATUS,
                    targets.names.get(&row.status_id).cloned(),
                    targets.names.get(&targets.cancelled).cloned(),
                ));
                add_event(
                    db,
                    id,
                    "cancelled_on_platform",
                    "Cancelled on the platform, so cancelled here too".into(),
                    data,
                    actor,
                )
                .await?;
            }
            Change::TrackingNumber { from, to } => {
                am.tracking_number = Set(Some(to.clone()));
                am.platform_tracking_number = Set(Some(to.clone()));
                let data = changed(FieldChange::new(
                    field::TRACKING_NUMBER,
                    from.clone(),
                    Some(to.clone()),
                ));
                add_event(
                    db,
                    id,
                    "tracking_number_synced",
                    format!("Tracking number {to} set on the platform"),
                    data,
                    actor,
                )
                .await?;
            }
            Change::PlatformTracking(number) => {
                am.platform_tracking_number = Set(Some(number.clone()));
            }
            Change::ItemAdded(item) => {
                let product_id = match_product(db, src, item).await?;
                let item_id = insert_item(db, row.id, item, product_id, true).await?;
                let msg = format!("{} × {} added on the platform", item.quantity, item.name);
                let data = changed(FieldChange::of_item(
                    item_id,
                    field::ITEMS,
                    None,
                    Some(line_text(item.quantity, &item.name)),
                ));
                add_event(db, id, "item_added", msg, data, actor).await?;
            }
            Change::Quantity {
                item_id,
                name,
                from,
                to,
            } => {
                // the platform's quantity now: nothing set here is remembered beside it
                order_item::Entity::update_many()
                    .col_expr(order_item::Column::Quantity, Expr::value(*to))
                    .col_expr(
                        order_item::Column::PlatformQuantity,
                        Expr::value(Option::<rust_decimal::Decimal>::None),
                    )
                    .filter(order_item::Column::Id.eq(*item_id))
                    .exec(db)
                    .await?;
                let data = changed(FieldChange::of_item(
                    *item_id,
                    field::QUANTITY,
                    Some(quantity_text(*from)),
                    Some(quantity_text(*to)),
                ));
                add_event(
                    db,
                    id,
                    "quantity_changed",
                    format!("{name}: quantity {from} → {to} on the platform"),
                    data,
                    actor,
                )
                .await?;
            }
            Change::PlatformQuantity { item_id } => {
                order_item::Entity::update_many()
                    .col_expr(
                        order_item::Column::PlatformQuantity,
                        Expr::value(Option::<rust_decimal::Decimal>::None),
                    )
                    .filter(order_item::Column::Id.eq(*item_id))
                    .exec(db)
                    .await?;
            }
            Change::ItemRemoved { item_id, name } => {
                order_item::Entity::update_many()
                    .col_expr(order_item::Column::RemovedOnPlatform, Expr::value(true))
                    .filter(order_item::Column::Id.eq(*item_id))
                    .exec(db)
                    .await?;
                let data = changed(FieldChange::of_item(
                    *item_id,
                    field::REMOVED_ON_PLATFORM,
                    Some("false".into()),
                    Some("true".into()),
                ));
                add_event(
                    db,
                    id,
                    "item_removed_on_platform",
                    format!("{name} was removed on the platform; kept here"),
                    data,
                    actor,
                )
                .await?;
            }
            Change::CustomerRevealed => {
                if let Some(c) = &o.customer {
                    let customer = find_or_create_customer(db, c).await?;
                    let contact = Contact::of(c);
                    let after = buyer_text(
                        contact.first_name.as_deref(),
                        contact.last_name.as_deref(),
                        contact.phone.as_deref(),
                        contact.email.as_deref(),
                    );
                    note_contacts(db, &[(customer, src.id, contact)]).await?;
                    am.customer_id = Set(Some(customer));
                    add_event(
                        db,
                        id,
                        "customer_revealed",
                        "The platform now shows the buyer".into(),
                        changed(FieldChange::new(field::CUSTOMER, None, after)),
                        actor,
                    )
                    .await?;
                }
            }
            Change::Delivery(d) => {
                am.delivery = Set(serde_json::to_value(d).ok());
                let before = row
                    .delivery
                    .clone()
                    .and_then(|v| serde_json::from_value::<Delivery>(v).ok())
                    .map(|b| delivery_comment(&b));
                let comment = delivery_comment(d);
                let data = changed(FieldChange::new(
                    field::DELIVERY,
                    before,
                    Some(comment.clone()),
                ));
                add_event(db, id, "delivery", comment, data, actor).await?;
            }
        }
    }
    if o.updated_at.is_some() {
        am.platform_updated_at = Set(o.updated_at);
    }
    am.last_synced_at = Set(Some(now()));
    am.updated_at = Set(now());
    am.update(db).await?;
    Ok(())
}

/// A new order of a page, with the status and manager it gets.
struct NewOrder<'a> {
    order: &'a ImportedOrder,
    initial: StatusClass,
    manager: Option<i64>,
    /// Who brought it (the sync run or webhook delivery its first events name).
    actor: Actor,
}

/// Inserts the page's new orders with a fixed number of statements (customers, products, orders,
/// items, events, expenses each in one batch; only customers and products never seen before are
/// created one by one). Returns how many orders were created.
async fn insert_new_orders<C: ConnectionTrait>(
    db: &C,
    src: &SourceRow,
    news: &[NewOrder<'_>],
    targets: &StatusTargets,
) -> Result<u32> {
    if news.is_empty() {
        return Ok(0);
    }
    let t = now();
    let customers =
        resolve_customers(db, news.iter().filter_map(|n| n.order.customer.as_ref())).await?;
    let products =
        resolve_products(db, src, news.iter().flat_map(|n| n.order.items.iter())).await?;
    let rows: Vec<order::ActiveModel> = news
        .iter()
        .map(|n| {
            let o = n.order;
            let tracking = o
                .tracking_number
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            order::ActiveModel {
                source_id: Set(Some(src.id)),
                external_id: Set(Some(o.external_id.clone())),
                number: Set(o.number.clone()),
                status_id: Set(match n.initial {
                    StatusClass::Processing => targets.default,
                    StatusClass::Completed => targets.completed,
                    StatusClass::Cancelled => targets.cancelled,
                }),
                source_status: Set(o.source_status.clone()),
                customer_id: Set(o
                    .customer
                    .as_ref()
                    .and_then(|c| customers.get(&customer_key(c)).copied())),
                manager_id: Set(n.manager),
                total: Set(o.total),
                currency: Set(o.currency.to_ascii_uppercase()),
                currency_mismatch: Set(currency_mismatch(&o.currency, &src.currency)),
                tracking_number: Set(tracking.clone()),
                platform_tracking_number: Set(tracking),
                delivery: Set(o
                    .delivery
                    .as_ref()
                    .and_then(|d| serde_json::to_value(d).ok())),
                payments: Set(None),
                discounts: Set(None),
                commission: Set(o.commission),
                written_off: Set(false),
                written_off_at: Set(None),
                platform_created_at: Set(o.created_at),
                platform_updated_at: Set(o.updated_at),
                last_synced_at: Set(Some(t)),
                last_manual_sync_at: Set(None),
                push_error: Set(None),
                created_at: Set(t),
                updated_at: Set(t),
                ..Default::default()
            }
        })
        .collect();
    order::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([order::Column::SourceId, order::Column::ExternalId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    // API-3: what this source's orders say about each customer, apart from the shared record
    let contacts: Vec<(i64, i64, Contact)> = news
        .iter()
        .filter_map(|n| {
            let c = n.order.customer.as_ref()?;
            let id = customers.get(&customer_key(c)).copied()?;
            Some((id, src.id, Contact::of(c)))
        })
        .collect();
    note_contacts(db, &contacts).await?;
    // IMP-4: an order another instance stored first keeps its own created_at and is left alone
    let ids: HashMap<String, i64> = order::Entity::find()
        .filter(order::Column::SourceId.eq(src.id))
        .filter(order::Column::ExternalId.is_in(news.iter().map(|n| n.order.external_id.clone())))
        .filter(order::Column::CreatedAt.eq(t))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|o| o.external_id.map(|e| (e, o.id)))
        .collect();
    let mut items = vec![];
    let mut events = vec![];
    let mut expenses = vec![];
    for n in news {
        let (o, actor) = (n.order, n.actor);
        let Some(&id) = ids.get(&o.external_id) else {
            continue;
        };
        for item in &o.items {
            items.push(item_row(
                id,
                item,
                product_key(src, item).and_then(|k| products.get(&k).copied()),
                false,
                t,
            ));
        }
        events.push(event_row(
            id,
            "imported",
            format!("Imported from {} as order {}", src.name, o.number),
            actor,
            t,
        ));
        if let Some(d) = &o.delivery {
            events.push(event_row(id, "delivery", delivery_comment(d), actor, t));
        }
        if currency_mismatch(&o.currency, &src.currency) {
            let msg = format!(
                "Order currency {} differs from the source's {}; amounts are kept as sent, not converted",
                o.currency, src.currency
            );
            events.push(event_row(id, "currency_mismatch", msg, actor, t));
        }
        if let (true, Some(c)) = (src.store_commission, o.commission) {
            expenses.push(expense::ActiveModel {
                order_id: Set(id),
                source_id: Set(src.id),
                amount: Set(c),
                currency: Set(o.currency.to_ascii_uppercase()),
                expense_type: Set(src.expense_type.clone()),
                created_at: Set(o.created_at),
                ..Default::default()
            });
        }
    }
    if !items.is_empty() {
        order_item::Entity::insert_many(items)
            .exec_without_returning(db)
            .await?;
    }
    if !events.is_empty() {
        order_event::Entity::insert_many(events)
            .exec_without_returning(db)
            .await?;
    }
    if !expenses.is_empty() {
        expense::Entity::insert_many(expenses)
            .on_conflict(
                OnConflict::columns([expense::Column::OrderId, expense::Column::ExpenseType])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(ids.len() as u32)
}

fn event_row(
    order_id: i64,
    kind: &str,
    message: String,
    actor: Actor,
    t: chrono::DateTime<chrono::Utc>,
) -> order_event::ActiveModel {
    order_event::ActiveModel {
        order_id: Set(order_id),
        kind: Set(kind.to_string()),
        message: Set(message),
        data: Set(None),
        user_id: Set(None),
        sync_run_id: Set(match actor {
            Actor::Sync(r) => Some(r.0),
            _ => None,
        }),
        webhook_delivery_id: Set(match actor {
            Actor::Webhook(w) => Some(w.0),
            _ => None,
        }),
        created_at: Set(t),
        ..Default::default()
    }
}

fn item_row(
    order_id: i64,
    item: &ImportedItem,
    product_id: Option<i64>,
    added_by_sync: bool,
    t: chrono::DateTime<chrono::Utc>,
) -> order_item::ActiveModel {
    order_item::ActiveModel {
        order_id: Set(order_id),
        product_id: Set(product_id),
        external_id: Set(item.external_id.clone()),
        name: Set(item.name.clone()),
        sku: Set(item.sku.clone()),
        code: Set(item.code.clone()),
        quantity: Set(item.quantity),
        price: Set(item.price),
        upsell: Set(false),
        added_by_sync: Set(added_by_sync),
        removed_on_platform: Set(false),
        written_off: Set(false),
        created_at: Set(t),
        ..Default::default()
    }
}

/// How a page refers to one buyer before it has an id: the phone, else the e-mail, else the
/// name (buyers with neither are never merged with anyone).
fn customer_key(c: &ImportedCustomer) -> String {
    match (&c.phone, &c.email) {
        (Some(p), _) => format!("p:{}", p.as_str()),
        (None, Some(e)) => format!("e:{e}"),
        (None, None) => format!(
            "n:{}:{}:{}",
            c.first_name.as_deref().unwrap_or(""),
            c.last_name.as_deref().unwrap_or(""),
            c.unspecified
        ),
    }
}

/// CUS-1 for a whole page: existing customers by phone and by e-mail in two statements; the
/// ones never seen are created in one more, once each, even when they bought twice in the page
/// (matched within the page by phone, else e-mail, as against the stored ones).
async fn resolve_customers<'a, C: ConnectionTrait>(
    db: &C,
    wanted: impl Iterator<Item = &'a ImportedCustomer>,
) -> Result<HashMap<String, i64>> {
    let wanted: Vec<&ImportedCustomer> = wanted.collect();
    let phones: Vec<String> = wanted
        .iter()
        .filter_map(|c| c.phone.as_ref().map(|p| p.as_str().to_string()))
        .collect();
    let emails: Vec<String> = wanted.iter().filter_map(|c| c.email.clone()).collect();
    let mut by_phone: HashMap<String, i64> = HashMap::new();
    let mut by_email: HashMap<String, i64> = HashMap::new();
    if !phones.is_empty() {
        for c in customer::Entity::find()
            .filter(customer::Column::Phone.is_in(phones))
            .order_by_desc(customer::Column::Id)
            .all(db)
            .await?
        {
            by_phone.insert(c.phone.clone().unwrap_or_default(), c.id);
        }
    }
    if !emails.is_empty() {
        for c in customer::Entity::find()
            .filter(customer::Column::Email.is_in(emails))
            .order_by_desc(customer::Column::Id)
            .all(db)
            .await?
        {
            by_email.insert(c.email.clone().unwrap_or_default(), c.id);
        }
    }
    let mut resolved: HashMap<String, i64> = HashMap::new();
    // the page's new buyers: each key points at one row to create
    let mut new_rows: Vec<customer::ActiveModel> = vec![];
    // what each of `new_rows` holds, to find its id among the inserted rows
    let mut identities: Vec<String> = vec![];
    let mut new_of_key: HashMap<String, usize> = HashMap::new();
    let mut new_by_phone: HashMap<String, usize> = HashMap::new();
    let mut new_by_email: HashMap<String, usize> = HashMap::new();
    let mut new_by_row: HashMap<String, usize> = HashMap::new();
    let t = now();
    for c in wanted {
        let key = customer_key(c);
        if resolved.contains_key(&key) || new_of_key.contains_key(&key) {
            continue;
        }
        let phone = c.phone.as_ref().map(|p| p.as_str().to_string());
        let stored = phone
            .as_ref()
            .and_then(|p| by_phone.get(p).copied())
            .or_else(|| c.email.as_ref().and_then(|e| by_email.get(e).copied()));
        if let Some(id) = stored {
            resolved.insert(key, id);
            continue;
        }
        let row = super::orders::new_customer_row(c, t);
        let identity = row_identity(&row);
        let index = phone
            .as_ref()
            .and_then(|p| new_by_phone.get(p).copied())
            .or_else(|| c.email.as_ref().and_then(|e| new_by_email.get(e).copied()))
            .or_else(|| new_by_row.get(&identity).copied())
            .unwrap_or_else(|| {
                new_rows.push(row);
                identities.push(identity.clone());
                new_by_row.insert(identity, new_rows.len() - 1);
                new_rows.len() - 1
            });
        if let Some(p) = phone {
            new_by_phone.entry(p).or_insert(index);
        }
        if let Some(e) = &c.email {
            new_by_email.entry(e.clone()).or_insert(index);
        }
        new_of_key.insert(key, index);
    }
    if !new_rows.is_empty() {
        // RETURNING hands rows back in no promised order (SQLite says so): match them by content
        let mut id_of_row: HashMap<String, i64> = HashMap::new();
        for m in customer::Entity::insert_many(new_rows)
            .exec_with_returning(db)
            .await?
        {
            let identity = identity_of(
                m.phone.as_deref(),
                m.email.as_deref(),
                m.first_name.as_deref(),
                m.last_name.as_deref(),
                m.unspecified,
            );
            id_of_row.insert(identity, m.id);
        }
        for (key, index) in new_of_key {
            let id = id_of_row
                .get(&identities[index])
                .ok_or_else(|| Error::Internal("a new customer was not returned".into()))?;
            resolved.insert(key, *id);
        }
    }
    Ok(resolved)
}

/// What a new customer row holds, as one string (rows of one page differ in it).
fn row_identity(row: &customer::ActiveModel) -> String {
    let text = |v: &sea_orm::ActiveValue<Option<String>>| v.try_as_ref().cloned().flatten();
    identity_of(
        text(&row.phone).as_deref(),
        text(&row.email).as_deref(),
        text(&row.first_name).as_deref(),
        text(&row.last_name).as_deref(),
        row.unspecified.try_as_ref().copied().unwrap_or(false),
    )
}

fn identity_of(
    phone: Option<&str>,
    email: Option<&str>,
    first: Option<&str>,
    last: Option<&str>,
    unspecified: bool,
) -> String {
    // each part prefixed with whether it is there, so None and "" differ
    let part = |v: Option<&str>| match v {
        Some(v) => format!("+{v}\u{1f}"),
        None => "-\u{1f}".to_string(),
    };
    format!(
        "{}{}{}{}{unspecified}",
        part(phone),
        part(email),
        part(first),
        part(last)
    )
}

/// The key PRD-1 matches a line on, by the source's "identify products by".
fn product_key(src: &SourceRow, item: &ImportedItem) -> Option<String> {
    match src.identify_products_by.as_str() {
        "name" => Some(item.name.clone()),
        "id" => item.code.clone(),
        _ => item.sku.clone(),
    }
    .filter(|k| !k.trim().is_empty())
}

/// PRD-1 for a whole page: existing products in one statement; new ones created once each.
async fn resolve_products<'a, C: ConnectionTrait>(
    db: &C,
    src: &SourceRow,
    items: impl Iterator<Item = &'a ImportedItem>,
) -> Result<HashMap<String, i64>> {
    let items: Vec<&ImportedItem> = items.collect();
    let keys: Vec<String> = items.iter().filter_map(|i| product_key(src, i)).collect();
    let mut found: HashMap<String, i64> = HashMap::new();
    if keys.is_empty() {
        return Ok(found);
    }
    let column = match src.identify_products_by.as_str() {
        "name" => product::Column::Name,
        "id" => product::Column::Code,
        _ => product::Column::Sku,
    };
    for p in product::Entity::find()
        .filter(column.is_in(keys))
        .order_by_desc(product::Column::Id)
        .all(db)
        .await?
    {
        let key = match src.identify_products_by.as_str() {
            "name" => Some(p.name.clone()),
            "id" => p.code.clone(),
            _ => p.sku.clone(),
        };
        if let Some(k) = key {
            found.insert(k, p.id);
        }
    }
    for item in items {
        let Some(k) = product_key(src, item) else {
            continue;
        };
        if let std::collections::hash_map::Entry::Vacant(slot) = found.entry(k) {
            if let Some(id) = match_product(db, src, item).await? {
                slot.insert(id);
            }
        }
    }
    Ok(found)
}

async fn insert_item<C: ConnectionTrait>(
    db: &C,
    order_id: i64,
    item: &ImportedItem,
    product_id: Option<i64>,
    added_by_sync: bool,
) -> Result<i64> {
    let row = order_item::ActiveModel {
        order_id: Set(order_id),
        product_id: Set(product_id),
        external_id: Set(item.external_id.clone()),
        name: Set(item.name.clone()),
        sku: Set(item.sku.clone()),
        code: Set(item.code.clone()),
        quantity: Set(item.quantity),
        price: Set(item.price),
        upsell: Set(false),
        added_by_sync: Set(added_by_sync),
        removed_on_platform: Set(false),
        written_off: Set(false),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

/// PRD-1/2: the catalogue product for an order line, by the source's "identify products by";
/// created (with its category) when there is none. A match is never duplicated.
async fn match_product<C: ConnectionTrait>(
    db: &C,
    src: &SourceRow,
    item: &ImportedItem,
) -> Result<Option<i64>> {
    let filter = match src.identify_products_by.as_str() {
        "name" => Some(product::Column::Name.eq(item.name.clone())),
        "id" => item.code.clone().map(|c| product::Column::Code.eq(c)),
        _ => item.sku.clone().map(|s| product::Column::Sku.eq(s)),
    };
    let Some(filter) = filter else {
        // nothing to identify it by: the line stays without a product
        return Ok(None);
    };
    if let Some(p) = product::Entity::find()
        .filter(filter)
        .order_by_asc(product::Column::Id)
        .one(db)
        .await?
    {
        return Ok(Some(p.id));
    }
    let category_id = category_for_path(db, &item.category).await?;
    let t = now();
    let p = product::ActiveModel {
        name: Set(item.name.clone()),
        description: Set(item.description.clone()),
        sku: Set(item.sku.clone()),
        code: Set(item.code.clone()),
        unit: Set("piece".into()),
        category_id: Set(category_id),
        stock_quantity: Set(0),
        created_at: Set(t),
        updated_at: Set(t),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(Some(p.id))
}

/// PRD-2: a category that exists is reused, else created, level by level.
async fn category_for_path<C: ConnectionTrait>(db: &C, path: &[String]) -> Result<Option<i64>> {
    let mut parent: Option<i64> = None;
    for name in path.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let mut q = category::Entity::find().filter(category::Column::Name.eq(name));
        q = match parent {
            Some(p) => q.filter(category::Column::ParentId.eq(p)),
            None => q.filter(category::Column::ParentId.is_null()),
        };
        parent = Some(match q.one(db).await? {
            Some(c) => c.id,
            None => {
                category::ActiveModel {
                    name: Set(name.to_string()),
                    parent_id: Set(parent),
                    created_at: Set(now()),
                    ..Default::default()
                }
                .insert(db)
                .await?
                .id
            }
        });
    }
    Ok(parent)
}
