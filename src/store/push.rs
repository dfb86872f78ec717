//! Status rules (ST-3..7) and the outbox of pushes to the platforms (ST-4, TRK-1..3, STK-1).
//!
//! A push is a row of `outbox_jobs`, written in the same transaction as the change that causes
//! it, so a crash between the commit and the HTTP call loses nothing: the worker finds the row
//! after the restart. A job holds its `dedupe_key` only while it is open (`pending`, `waiting`,
//! `running`), so one open job per (order, kind, target) exists at a time.

use super::{now, rows::*, Store};
use crate::domain::push::{self, OpenOrder, PushFacts, Rule, StatusPush};
use crate::domain::{OrderId, Platform, SourceId, StatusGroup};
use crate::error::{Error, Result};
use crate::store::orders::{add_event, Actor};
use crate::store::sources::platform_of;
use chrono::{DateTime, Utc};
use entity::{order, outbox_job, publication, source, status, status_rule};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use std::collections::HashMap;
use std::time::Duration;

pub use entity::outbox_job::Model as JobRow;

/// What a job does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobKind {
    Status,
    Tracking,
    Stock,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Status => "status",
            JobKind::Tracking => "tracking",
            JobKind::Stock => "stock",
        }
    }

    pub fn parse(s: &str) -> Option<JobKind> {
        Some(match s {
            "status" => JobKind::Status,
            "tracking" => JobKind::Tracking,
            "stock" => JobKind::Stock,
            _ => return None,
        })
    }
}

/// The end of one attempt.
#[derive(Clone, Debug, PartialEq)]
pub enum JobOutcome {
    Done,
    /// A transient failure: try again at the given time.
    Retry {
        at: DateTime<Utc>,
        error: String,
    },
    /// Not attempted: the platform's state does not allow it yet (TRK-2).
    Wait {
        at: DateTime<Utc>,
        reason: String,
    },
    /// A final failure: shown on the order, never retried by itself.
    Failed(String),
    /// Not sent, and rightly so (superseded by a later change, order closed): said on the order.
    Skipped(String),
}

const OPEN_STATES: [&str; 3] = ["pending", "waiting", "running"];

pub(crate) struct NewJob {
    pub kind: JobKind,
    pub source_id: i64,
    pub order_id: Option<i64>,
    pub payload: serde_json::Value,
    pub dedupe_key: String,
    pub delay: Duration,
}

/// Inserts a job unless an open one holds the same key; `true` when inserted.
pub(crate) async fn enqueue<C: ConnectionTrait>(db: &C, job: NewJob) -> Result<bool> {
    let at = now();
    let res = outbox_job::Entity::insert(outbox_job::ActiveModel {
        kind: Set(job.kind.as_str().into()),
        source_id: Set(job.source_id),
        order_id: Set(job.order_id),
        product_id: Set(None),
        payload: Set(job.payload),
        dedupe_key: Set(Some(job.dedupe_key)),
        state: Set("pending".into()),
        attempts: Set(0),
        next_attempt_at: Set(at + chrono::Duration::from_std(job.delay).unwrap_or_default()),
        last_error: Set(None),
        locked_by: Set(None),
        locked_until: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(outbox_job::Column::DedupeKey)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(res > 0)
}

pub fn rule_of(row: &StatusRuleRow) -> Rule {
    Rule {
        status_id: row.status_id,
        status_group: row.status_group.as_deref().and_then(|g| g.parse().ok()),
        cancellation_reason: row.cancellation_reason.clone(),
        platform_status: row.platform_status.clone(),
        platform_cancellation_reason: row.platform_cancellation_reason.clone(),
    }
}

fn tracking_ids(src: &SourceRow) -> Vec<i64> {
    serde_json::from_value(src.tracking_status_ids.clone()).unwrap_or_default()
}

/// What to push when an order enters a status or gets a tracking number, decided before the
/// write transaction and written inside it.
pub(crate) struct PushContext {
    pub source: SourceRow,
    pub platform: Platform,
    /// What the platform takes (its descriptor's, as the store was given them).
    pub facts: PushFacts,
    pub rules: Vec<Rule>,
}

impl Store {
    pub async fn status_rules(&self, source_id: SourceId) -> Result<Vec<StatusRuleRow>> {
        Ok(status_rule::Entity::find()
            .filter(status_rule::Column::SourceId.eq(source_id.0))
            .order_by_asc(status_rule::Column::Id)
            .all(&self.db)
            .await?)
    }

    async fn group_map(&self) -> Result<HashMap<i64, StatusGroup>> {
        Ok(status::Entity::find()
            .all(&self.db)
            .await?
            .into_iter()
            .filter_map(|s| s.status_group.parse().ok().map(|g| (s.id, g)))
            .collect())
    }

    /// What the platform takes from status rules and pushes (its platform note, ST-5..7).
    pub fn push_facts(&self, platform: Platform) -> PushFacts {
        (self.facts.push)(platform)
    }

    /// Checks `rules` against what the platform takes (ST-5..7); the error names the field.
    pub async fn check_rules(&self, source: &SourceRow, rules: &[Rule]) -> Result<()> {
        let platform = platform_of(source)?;
        let targets = self.push_facts(platform).targets;
        let groups = self.group_map().await?;
        push::validate_rules(platform, &targets, rules, |id| groups.get(&id).copied())
            .map_err(|e| Error::bad_input(e.field, e.message))
    }

    /// Replaces the source's rules (ST-3). Rules already enabled apply to later changes only.
    pub async fn set_status_rules(
        &self,
        source: &SourceRow,
        rules: &[Rule],
    ) -> Result<Vec<StatusRuleRow>> {
        self.check_rules(source, rules).await?;
        let txn = self.write_txn().await?;
        status_rule::Entity::delete_many()
            .filter(status_rule::Column::SourceId.eq(source.id))
            .exec(&txn)
            .await?;
        for r in rules {
            status_rule::ActiveModel {
                source_id: Set(source.id),
                status_id: Set(r.status_id),
                status_group: Set(r.status_group.map(|g| g.as_str().to_string())),
                cancellation_reason: Set(r.cancellation_reason.clone()),
                platform_status: Set(r.platform_status.trim().to_string()),
                platform_cancellation_reason: Set(r.platform_cancellation_reason.clone()),
                created_at: Set(now()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        txn.commit().await?;
        self.status_rules(SourceId(source.id)).await
    }

    /// The source's open orders (not in a final group), as the preview and enabling see them.
    async fn open_orders(&self, source_id: SourceId) -> Result<Vec<(OrderRow, StatusGroup)>> {
        let groups = self.group_map().await?;
        let final_ids: Vec<i64> = groups
            .iter()
            .filter(|(_, g)| g.is_final())
            .map(|(id, _)| *id)
            .collect();
        let rows = order::Entity::find()
            .filter(order::Column::SourceId.eq(source_id.0))
            .filter(order::Column::StatusId.is_not_in(final_ids))
            .order_by_asc(order::Column::Id)
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|o| groups.get(&o.status_id).map(|g| (o, *g)))
            .collect())
    }

    /// ST-3: what enabling `rules` would do now, changing nothing.
    pub async fn preview_status_rules(
        &self,
        source: &SourceRow,
        rules: &[Rule],
    ) -> Result<push::Preview> {
        self.check_rules(source, rules).await?;
        let open: Vec<OpenOrder> = self
            .open_orders(SourceId(source.id))
            .await?
            .into_iter()
            .map(|(o, group)| OpenOrder {
                status_id: o.status_id,
                group,
                source_status: o.source_status,
                written_off: o.written_off,
            })
            .collect();
        let platform = platform_of(source)?;
        Ok(push::preview(
            platform,
            &self.push_facts(platform),
            rules,
            &open,
        ))
    }

    /// ST-3: switches rules on (queuing a push for every open order the rules move) or off.
    /// Switching them on writes one source event with what the preview would have said (how
    /// many open orders are moved where, already there, not sent and why); the orders left
    /// alone get nothing in their feeds. Returns the source and how many pushes were queued.
    pub async fn enable_status_rules(
        &self,
        source: SourceRow,
        enabled: bool,
    ) -> Result<(SourceRow, usize)> {
        let platform = platform_of(&source)?;
        let facts = self.push_facts(platform);
        let rules: Vec<Rule> = self
            .status_rules(SourceId(source.id))
            .await?
            .iter()
            .map(rule_of)
            .collect();
        if enabled {
            push::validate_rules(platform, &facts.targets, &rules, |_| Some(StatusGroup::New))
                .map_err(|e| Error::bad_input("enabled", e.message))?;
            if rules.is_empty() {
                return Err(Error::bad_input(
                    "enabled",
                    "the source has no status rules yet: set them with setStatusRules first",
                ));
            }
        }
        let switched = enabled != source.status_rules_enabled;
        let open = if enabled && switched {
            self.open_orders(SourceId(source.id)).await?
        } else {
            vec![]
        };
        let txn = self.write_txn().await?;
        let mut am: source::ActiveModel = source.clone().into();
        am.status_rules_enabled = Set(enabled);
        am.updated_at = Set(now());
        let row = am.update(&txn).await?;
        let ctx = PushContext {
            source: row.clone(),
            platform,
            facts,
            rules,
        };
        let mut queued = 0;
        let mut seen = Vec::with_capacity(open.len());
        for (o, group) in &open {
            seen.push(OpenOrder {
                status_id: o.status_id,
                group: *group,
                source_status: o.source_status.clone(),
                written_off: o.written_off,
            });
            let Some(external_id) = &o.external_id else {
                continue;
            };
            let rule = push::rule_for(&ctx.rules, o.status_id, *group, None);
            let order = push::OrderFacts {
                source_status: o.source_status.as_deref(),
                written_off: o.written_off,
            };
            if let StatusPush::Send {
                platform_status,
                cancellation_reason,
            } = push::plan_status_push(platform, &ctx.facts, true, rule, &order)
            {
                let send = (platform_status.as_str(), cancellation_reason.as_deref());
                if enqueue_status(&txn, &ctx, o, external_id, send, Actor::System).await? {
                    queued += 1;
                }
            }
        }
        if switched {
            let (message, data) = if enabled {
                let preview = push::preview(platform, &ctx.facts, &ctx.rules, &seen);
                (
                    push::enabling_summary(platform, &preview, seen.len() as u64, queued as u64),
                    Some(push::preview_json(
                        &preview,
                        seen.len() as u64,
                        queued as u64,
                    )),
                )
            } else {
                (
                    format!(
                        "Status rules switched off: statuses are no longer sent to {}",
                        platform.title()
                    ),
                    None,
                )
            };
            entity::source_event::ActiveModel {
                source_id: Set(row.id),
                kind: Set(if enabled {
                    "status_rules_enabled".into()
                } else {
                    "status_rules_disabled".into()
                }),
                message: Set(message),
                data: Set(data),
                created_at: Set(now()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        txn.commit().await?;
        if queued > 0 {
            self.wake_outbox();
        }
        Ok((row, queued))
    }

    /// The rules and settings a push of this order's source needs; `None` for orders created here.
    pub(crate) async fn push_context(&self, o: &OrderRow) -> Result<Option<PushContext>> {
        let Some(sid) = o.source_id else {
            return Ok(None);
        };
        let Some(source) = self.source_row(SourceId(sid)).await? else {
            return Ok(None);
        };
        let platform = platform_of(&source)?;
        let rules = self
            .status_rules(SourceId(sid))
            .await?
            .iter()
            .map(rule_of)
            .collect();
        Ok(Some(PushContext {
            source,
            platform,
            facts: self.push_facts(platform),
            rules,
        }))
    }

    /// Jobs whose time has come, claimed for `ttl` by this instance (expired claims of a crashed
    /// instance are taken over). Oldest first, so one order's pushes keep their order.
    /// When the outbox next has something to do: the earliest retry time of a waiting job, or the
    /// earliest end of a running job's claim (an instance that died leaves it to be taken over).
    pub async fn outbox_next_due(&self) -> Result<Option<DateTime<Utc>>> {
        let waiting: Option<DateTime<Utc>> = outbox_job::Entity::find()
            .select_only()
            .column_as(outbox_job::Column::NextAttemptAt.min(), "at")
            .filter(outbox_job::Column::State.is_in(["pending", "waiting"]))
            .into_tuple()
            .one(&self.db)
            .await?
            .flatten();
        let running: Option<DateTime<Utc>> = outbox_job::Entity::find()
            .select_only()
            .column_as(outbox_job::Column::LockedUntil.min(), "at")
            .filter(outbox_job::Column::State.eq("running"))
            .into_tuple()
            .one(&self.db)
            .await?
            .flatten();
        Ok(match (waiting, running) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        })
    }

    pub async fn claim_jobs(
        &self,
        instance: &str,
        limit: u64,
        ttl: Duration,
    ) -> Result<Vec<JobRow>> {
        let at = now();
        let due = outbox_job::Entity::find()
            .filter(
                Condition::any()
                    .add(
                        Condition::all()
                            .add(outbox_job::Column::State.is_in(["pending", "waiting"]))
                            .add(outbox_job::Column::NextAttemptAt.lte(at)),
                    )
                    .add(
                        Condition::all()
                            .add(outbox_job::Column::State.eq("running"))
                            .add(outbox_job::Column::LockedUntil.lt(at)),
                    ),
            )
            .order_by_asc(outbox_job::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        let until = at + chrono::Duration::from_std(ttl).unwrap_or_default();
        let mut claimed = Vec::new();
        for job in due {
            // the guard on the state seen makes two instances claim a job once
            let mut claim = outbox_job::Entity::update_many();
            let stock = job.kind == JobKind::Stock.as_str();
            if stock {
                // a stock change made while this push runs queues a push of its own
                claim = claim.col_expr(
                    outbox_job::Column::DedupeKey,
                    Expr::value(Option::<String>::None),
                );
            }
            let res = claim
                .col_expr(outbox_job::Column::State, Expr::value("running"))
                .col_expr(outbox_job::Column::LockedBy, Expr::value(instance))
                .col_expr(outbox_job::Column::LockedUntil, Expr::value(until))
                .col_expr(outbox_job::Column::UpdatedAt, Expr::value(at))
                .filter(outbox_job::Column::Id.eq(job.id))
                .filter(outbox_job::Column::State.eq(job.state.clone()))
                .filter(outbox_job::Column::UpdatedAt.eq(job.updated_at))
                .exec(&self.writer)
                .await?;
            if res.rows_affected == 1 {
                claimed.push(JobRow {
                    dedupe_key: if stock { None } else { job.dedupe_key.clone() },
                    state: "running".into(),
                    locked_by: Some(instance.into()),
                    locked_until: Some(until),
                    updated_at: at,
                    ..job
                });
            }
        }
        Ok(claimed)
    }

    /// Records the end of an attempt, on the job and, for order jobs, on the order's feed.
    pub async fn finish_job(
        &self,
        job: &JobRow,
        outcome: JobOutcome,
        note: Option<String>,
    ) -> Result<()> {
        let at = now();
        let txn = self.write_txn().await?;
        let mut am: outbox_job::ActiveModel = job.clone().into();
        am.locked_by = Set(None);
        am.locked_until = Set(None);
        am.updated_at = Set(at);
        let order_id = job.order_id.map(OrderId);
        let kind = JobKind::parse(&job.kind);
        let what = match kind {
            Some(JobKind::Tracking) => "Tracking number",
            _ => "Status",
        };
        // what the order's feed says, and what becomes of Order.pushError (`Some` = set it)
        let mut event: Option<(&str, String)> = None;
        let mut push_error: Option<Option<String>> = None;
        match &outcome {
            JobOutcome::Done => {
                am.state = Set("done".into());
                // a number sent once is not sent again; a status may be entered again later
                if kind != Some(JobKind::Tracking) {
                    am.dedupe_key = Set(None);
                }
                am.attempts = Set(job.attempts + 1);
                am.last_error = Set(None);
                if let Some(message) = note {
                    event = Some(("pushed", message));
                    push_error = Some(None);
                }
            }
            JobOutcome::Retry { at: next, error } => {
                am.state = Set("pending".into());
                am.attempts = Set(job.attempts + 1);
                am.next_attempt_at = Set(*next);
                am.last_error = Set(Some(error.clone()));
                if job.attempts == 0 {
                    event = Some((
                        "push_retrying",
                        format!("{what} not sent yet, retrying: {error}"),
                    ));
                }
            }
            JobOutcome::Wait { at: next, reason } => {
                am.state = Set("waiting".into());
                am.next_attempt_at = Set(*next);
                // the feed says it once, not on every re-check
                if job.last_error.as_deref() != Some(reason.as_str()) {
                    am.last_error = Set(Some(reason.clone()));
                    event = Some(("push_waiting", format!("{what} not sent yet: {reason}")));
                }
            }
            JobOutcome::Failed(error) => {
                am.state = Set("failed".into());
                am.dedupe_key = Set(None);
                am.attempts = Set(job.attempts + 1);
                am.last_error = Set(Some(error.clone()));
                event = Some(("push_failed", format!("{what} not sent: {error}")));
                push_error = Some(Some(error.clone()));
            }
            JobOutcome::Skipped(why) => {
                am.state = Set("skipped".into());
                am.dedupe_key = Set(None);
                am.last_error = Set(Some(why.clone()));
                event = Some(("push_skipped", format!("{what} not sent: {why}")));
            }
        }
        if let Some(id) = order_id {
            // the platform shows the number now: a re-sync that reads it back changes nothing,
            // and one that still reads an older number does not undo a newer one set here
            let sent_number = job.payload.get("trackingNumber").and_then(|v| v.as_str());
            if let (JobOutcome::Done, Some(JobKind::Tracking), Some(number)) =
                (&outcome, kind, sent_number)
            {
                order::Entity::update_many()
                    .col_expr(order::Column::PlatformTrackingNumber, Expr::value(number))
                    .filter(order::Column::Id.eq(id.0))
                    .exec(&txn)
                    .await?;
            }
            if let Some(error) = push_error {
                order::Entity::update_many()
                    .col_expr(order::Column::PushError, Expr::value(error))
                    .filter(order::Column::Id.eq(id.0))
                    .exec(&txn)
                    .await?;
            }
            if let Some((kind, message)) = event {
                add_event(&txn, id, kind, message, None, Actor::System).await?;
            }
        }
        am.update(&txn).await?;
        txn.commit().await?;
        Ok(())
    }

    /// An order by id, whoever asks (workers).
    pub async fn order_row(&self, id: OrderId) -> Result<Option<OrderRow>> {
        Ok(order::Entity::find_by_id(id.0).one(&self.db).await?)
    }

    /// Marks a pushed status as the platform's own, so the order shows it before the next re-sync.
    pub async fn record_pushed_status(
        &self,
        order_id: OrderId,
        platform_status: &str,
    ) -> Result<()> {
        order::Entity::update_many()
            .col_expr(order::Column::SourceStatus, Expr::value(platform_status))
            .filter(order::Column::Id.eq(order_id.0))
            .exec(&self.writer)
            .await?;
        Ok(())
    }

    /// ST-6: one step of a walk through the platform's statuses was set: the order shows it as
    /// its platform status and its feed has the step as its own `pushed` event.
    pub async fn record_status_step(
        &self,
        order_id: OrderId,
        platform_status: &str,
        message: String,
    ) -> Result<()> {
        let txn = self.write_txn().await?;
        order::Entity::update_many()
            .col_expr(order::Column::SourceStatus, Expr::value(platform_status))
            .filter(order::Column::Id.eq(order_id.0))
            .exec(&txn)
            .await?;
        add_event(&txn, order_id, "pushed", message, None, Actor::System).await?;
        txn.commit().await?;
        Ok(())
    }

    /// A job's rows as the API shows them (newest first).
    pub async fn jobs_of_order(&self, order_id: OrderId) -> Result<Vec<JobRow>> {
        Ok(outbox_job::Entity::find()
            .filter(outbox_job::Column::OrderId.eq(order_id.0))
            .order_by_desc(outbox_job::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// Open jobs of a source (for tests and ops).
    pub async fn open_jobs(&self, source_id: SourceId) -> Result<Vec<JobRow>> {
        Ok(outbox_job::Entity::find()
            .filter(outbox_job::Column::SourceId.eq(source_id.0))
            .filter(outbox_job::Column::State.is_in(OPEN_STATES))
            .order_by_asc(outbox_job::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// STK-1: queues a stock push of every source that lists one of `product_ids`, debounced: a
    /// burst of changes becomes one push per source.
    pub(crate) async fn queue_stock_pushes<C: ConnectionTrait>(
        &self,
        db: &C,
        product_ids: &[i64],
        debounce: Duration,
    ) -> Result<usize> {
        if product_ids.is_empty() {
            return Ok(0);
        }
        let sources: Vec<i64> = publication::Entity::find()
            .select_only()
            .column(publication::Column::SourceId)
            .distinct()
            .filter(publication::Column::ProductId.is_in(product_ids.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        let mut queued = 0;
        for sid in sources {
            if enqueue(db, stock_job(sid, false, debounce)).await? {
                queued += 1;
            }
        }
        Ok(queued)
    }
}

pub(crate) fn stock_job(source_id: i64, all: bool, delay: Duration) -> NewJob {
    NewJob {
        kind: JobKind::Stock,
        source_id,
        order_id: None,
        payload: serde_json::json!({ "all": all }),
        dedupe_key: format!("stock:{source_id}"),
        delay,
    }
}

/// ST-4: inside the transaction of a status change, queues the platform push or records on the
/// order why none is made. Only people and the hub itself cause pushes: a status that came from
/// the platform (a sync or a webhook) is never sent back, so there are no ping-pong loops.
pub(crate) async fn queue_status_push<C: ConnectionTrait>(
    db: &C,
    ctx: &PushContext,
    o: &OrderRow,
    group: StatusGroup,
    cancellation_reason: Option<&str>,
    actor: Actor,
) -> Result<bool> {
    if matches!(actor, Actor::Sync(_) | Actor::Webhook(_)) {
        return Ok(false);
    }
    let Some(external_id) = &o.external_id else {
        return Ok(false);
    };
    let rule = push::rule_for(&ctx.rules, o.status_id, group, cancellation_reason);
    let order = push::OrderFacts {
        source_status: o.source_status.as_deref(),
        written_off: o.written_off,
    };
    let enabled = ctx.source.status_rules_enabled;
    match push::plan_status_push(ctx.platform, &ctx.facts, enabled, rule, &order) {
        StatusPush::Send {
            platform_status,
            cancellation_reason,
        } => {
            let send = (platform_status.as_str(), cancellation_reason.as_deref());
            enqueue_status(db, ctx, o, external_id, send, actor).await
        }
        StatusPush::NotSent(why) => {
            add_event(
                db,
                OrderId(o.id),
                "push_skipped",
                format!("Status not sent to {}: {why}", ctx.platform.title()),
                None,
                actor,
            )
            .await?;
            Ok(false)
        }
    }
}

/// Queues the push of one platform status (with its cancellation reason) and says so in the
/// order's feed; `false` when an open push of the same status is queued already.
async fn enqueue_status<C: ConnectionTrait>(
    db: &C,
    ctx: &PushContext,
    o: &OrderRow,
    external_id: &str,
    (platform_status, cancellation_reason): (&str, Option<&str>),
    actor: Actor,
) -> Result<bool> {
    let queued = enqueue(
        db,
        NewJob {
            kind: JobKind::Status,
            source_id: ctx.source.id,
            order_id: Some(o.id),
            payload: serde_json::json!({
                "externalId": external_id,
                "statusId": o.status_id,
                "platformStatus": platform_status,
                "cancellationReason": cancellation_reason,
            }),
            dedupe_key: format!("status:{}:{platform_status}", o.id),
            delay: Duration::ZERO,
        },
    )
    .await?;
    if queued {
        add_event(
            db,
            OrderId(o.id),
            "push_queued",
            format!(
                "Status \"{platform_status}\" will be sent to {}",
                ctx.platform
            ),
            None,
            actor,
        )
        .await?;
    }
    Ok(queued)
}

/// TRK-1: queues the tracking number of an order that entered a trigger status or got a number.
pub(crate) async fn queue_tracking_push<C: ConnectionTrait>(
    db: &C,
    ctx: &PushContext,
    o: &OrderRow,
    moment: push::TrackingMoment,
    actor: Actor,
) -> Result<bool> {
    if matches!(actor, Actor::Sync(_) | Actor::Webhook(_)) {
        return Ok(false);
    }
    let (Some(external_id), Some(number)) = (&o.external_id, &o.tracking_number) else {
        return Ok(false);
    };
    // TRK-4: the platform shows this number already (it came from there): nothing to send
    if o.platform_tracking_number.as_deref() == Some(number.as_str()) {
        return Ok(false);
    }
    if !push::tracking_triggered(
        ctx.source.send_tracking,
        &tracking_ids(&ctx.source),
        o.status_id,
        true,
        moment,
    ) {
        return Ok(false);
    }
    let queued = enqueue(
        db,
        NewJob {
            kind: JobKind::Tracking,
            source_id: ctx.source.id,
            order_id: Some(o.id),
            payload: serde_json::json!({ "externalId": external_id, "trackingNumber": number }),
            dedupe_key: format!("tracking:{}:{number}", o.id),
            delay: Duration::ZERO,
        },
    )
    .await?;
    if queued {
        add_event(
            db,
            OrderId(o.id),
            "push_queued",
            format!(
                "Tracking number {number} will be sent to {}",
                ctx.platform.title()
            ),
            None,
            actor,
        )
        .await?;
    }
    Ok(queued)
}
