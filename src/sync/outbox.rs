//! The outbox worker: sends queued pushes (status ST-4..7, tracking TRK-1..3, stock STK-1) to the
//! platforms, outside any database transaction, and records each outcome. Jobs survive restarts
//! (they are rows); a claim expires, so a crashed instance's jobs are taken over. Platform calls
//! are idempotent where it matters (a status or number already there answers success), so a
//! push whose answer was lost in a crash is not made twice on the platform.

use super::SyncEngine;
use crate::domain::push::{self, TrackingReadiness};
use crate::domain::{OrderId, Platform, SourceId, StatusId};
use crate::platforms::{PlatformClient, PlatformError, StockRefusal, StockUpdate};
use crate::store::publications::StockLine;
use crate::store::push::{JobKind, JobOutcome, JobRow};
use chrono::{DateTime, Utc};
use std::time::Duration;
use tokio::sync::watch;

/// How the outbox retries.
#[derive(Clone, Debug)]
pub struct OutboxPolicy {
    /// First retry after this; doubled each attempt, capped at an hour.
    pub retry_base: Duration,
    /// Transient failures are retried this many times, then the job fails.
    pub max_attempts: i32,
    /// A job waiting for a platform state is looked at again this often (TRK-2).
    pub wait_recheck: Duration,
    /// And given up after this long.
    pub max_wait: chrono::Duration,
}

impl Default for OutboxPolicy {
    fn default() -> Self {
        OutboxPolicy {
            retry_base: Duration::from_secs(5),
            max_attempts: 8,
            wait_recheck: Duration::from_secs(60),
            max_wait: chrono::Duration::days(14),
        }
    }
}

impl OutboxPolicy {
    /// Short delays for tests.
    pub fn fast() -> Self {
        OutboxPolicy {
            retry_base: Duration::from_millis(300),
            max_attempts: 4,
            wait_recheck: Duration::from_millis(500),
            max_wait: chrono::Duration::days(14),
        }
    }
}

/// Turns a platform's answer into what happens to the job next. Pure, unit-tested below.
pub fn classify(
    e: &PlatformError,
    attempt: i32,
    policy: &OutboxPolicy,
    now: chrono::DateTime<Utc>,
) -> JobOutcome {
    let retry = |min: Option<Duration>, error: String| {
        if attempt >= policy.max_attempts {
            return JobOutcome::Failed(format!("gave up after {attempt} attempts: {error}"));
        }
        let delay =
            push::retry_delay(attempt as u32, policy.retry_base).max(min.unwrap_or_default());
        JobOutcome::Retry {
            at: now + chrono::Duration::from_std(delay).unwrap_or_default(),
            error,
        }
    };
    match e {
        PlatformError::RateLimited { retry_after } => retry(*retry_after, e.to_string()),
        PlatformError::Transient(_) | PlatformError::BadResponse(_) => retry(None, e.to_string()),
        PlatformError::Unauthorized(_) => retry(
            None,
            format!("{e}; re-authorize the source to let pushes through"),
        ),
        PlatformError::Refused { .. } | PlatformError::Unsupported(_) => {
            JobOutcome::Failed(e.to_string())
        }
        PlatformError::NotFound => {
            JobOutcome::Failed("the order is not found on the platform".into())
        }
    }
}

/// Platform refusals that mean "not in this state yet" for a tracking number (TRK-2): the
/// number is offered again later instead of failing.
fn tracking_refusal_waits(e: &PlatformError) -> bool {
    matches!(e, PlatformError::Refused { code: Some(c), .. }
        if c == "ttn_not_allowed_in_status" || c == "declaration_ukrposhta")
}

/// The longest an idle worker sleeps without being woken: what another instance queued, or left
/// behind when it died, is taken up within this time.
pub const IDLE_MAX: Duration = Duration::from_secs(30);

/// How long an idle worker sleeps: until its next item is due (a retry time, a claim that ends),
/// at least 100 ms and at most [`IDLE_MAX`]; one second when something is due already but could
/// not be taken (another instance has it), as the old fixed tick did.
pub fn idle_wait(next_due: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Duration {
    match next_due {
        None => IDLE_MAX,
        Some(at) if at <= now => Duration::from_secs(1),
        Some(at) => (at - now)
            .to_std()
            .unwrap_or(IDLE_MAX)
            .clamp(Duration::from_millis(100), IDLE_MAX),
    }
}

/// Runs until `stop` turns true: sends what is due, then sleeps until a push is queued here or
/// the next job is due (issue 20: an idle server makes a statement or two per 30 s, not every
/// second).
pub async fn run(engine: SyncEngine, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            break;
        }
        match drain(&engine).await {
            Ok(n) if n > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "outbox: cannot take jobs"),
        }
        let wait = match engine.store.outbox_next_due().await {
            Ok(next) => idle_wait(next, Utc::now()),
            Err(e) => {
                tracing::warn!(error = %e, "outbox: cannot read when the next job is due");
                Duration::from_secs(1)
            }
        };
        tokio::select! {
            _ = engine.store.outbox_woken() => {}
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => {}
        }
    }
}

/// Sends every job that is due, once; returns how many were taken.
pub async fn drain(engine: &SyncEngine) -> crate::Result<usize> {
    let jobs = engine
        .store
        .claim_jobs(engine.instance(), 25, Duration::from_secs(300))
        .await?;
    for job in &jobs {
        // a panic while sending one job is that job's failure: retried, then failed (shown on the
        // order's feed); the other jobs go on
        let (outcome, note) = match crate::sync::supervisor::isolate(execute(engine, job)).await {
            Ok(attempt) => attempt,
            Err(panic) => (
                classify(
                    &PlatformError::Transient(panic),
                    job.attempts + 1,
                    engine.outbox_policy(),
                    Utc::now(),
                ),
                None,
            ),
        };
        if let JobOutcome::Failed(e) | JobOutcome::Retry { error: e, .. } = &outcome {
            tracing::warn!(job_id = job.id, kind = %job.kind, source_id = job.source_id, error = %e, "push not made");
        }
        if let Err(e) = engine.store.finish_job(job, outcome, note).await {
            // the claim expires and the job is taken again
            tracing::warn!(job_id = job.id, error = %e, "cannot record a push's outcome");
        }
    }
    Ok(jobs.len())
}

type Attempt = (JobOutcome, Option<String>);

async fn execute(engine: &SyncEngine, job: &JobRow) -> Attempt {
    let policy = engine.outbox_policy();
    let now = Utc::now();
    let wait = |reason: String| JobOutcome::Wait {
        at: now + chrono::Duration::from_std(policy.wait_recheck).unwrap_or_default(),
        reason,
    };
    let src = match engine.store.source_row(SourceId(job.source_id)).await {
        Ok(Some(s)) => s,
        Ok(None) => return (JobOutcome::Failed("the source was deleted".into()), None),
        Err(e) => return (retry_db(&e, job, policy), None),
    };
    if !src.enabled {
        return (wait("the source is disabled".into()), None);
    }
    if src.needs_reauth {
        return (wait("the source needs re-authorization".into()), None);
    }
    let Ok(platform) = src.platform.parse::<Platform>() else {
        return (JobOutcome::Failed("unknown platform".into()), None);
    };
    let client = match engine.client_of(&src) {
        Ok(c) => c,
        Err(e) => return (JobOutcome::Failed(e.public_message()), None),
    };
    match JobKind::parse(&job.kind) {
        Some(JobKind::Status) => status(engine, job, platform, client.as_ref(), policy).await,
        Some(JobKind::Tracking) => tracking(engine, job, platform, client.as_ref(), policy).await,
        Some(JobKind::Stock) => stock(engine, job, platform, client.as_ref(), policy).await,
        None => (
            JobOutcome::Failed(format!("unknown job kind {}", job.kind)),
            None,
        ),
    }
}

fn retry_db(e: &crate::Error, job: &JobRow, policy: &OutboxPolicy) -> JobOutcome {
    classify(
        &PlatformError::Transient(format!("database: {e}")),
        job.attempts + 1,
        policy,
        Utc::now(),
    )
}

fn payload_str<'a>(job: &'a JobRow, key: &str) -> Option<&'a str> {
    job.payload.get(key).and_then(|v| v.as_str())
}

/// The order of an order job, with its status group and platform id; `Err` = the attempt's end.
async fn order_of(
    engine: &SyncEngine,
    job: &JobRow,
    policy: &OutboxPolicy,
) -> Result<
    (
        crate::store::rows::OrderRow,
        crate::domain::StatusGroup,
        String,
    ),
    Attempt,
> {
    let id = job.order_id.map(OrderId);
    let order = match id {
        Some(id) => engine.store.order_row(id).await,
        None => Ok(None),
    };
    let order = match order {
        Ok(Some(o)) => o,
        Ok(None) => return Err((JobOutcome::Failed("the order was deleted".into()), None)),
        Err(e) => return Err((retry_db(&e, job, policy), None)),
    };
    let Some(external_id) = order.external_id.clone() else {
        return Err((
            JobOutcome::Failed("the order has no platform id".into()),
            None,
        ));
    };
    let group = match engine.store.status(StatusId(order.status_id)).await {
        Ok(Some(s)) => s
            .status_group
            .parse()
            .unwrap_or(crate::domain::StatusGroup::New),
        Ok(None) => crate::domain::StatusGroup::New,
        Err(e) => return Err((retry_db(&e, job, policy), None)),
    };
    Ok((order, group, external_id))
}

async fn status(
    engine: &SyncEngine,
    job: &JobRow,
    platform: Platform,
    client: &dyn PlatformClient,
    policy: &OutboxPolicy,
) -> Attempt {
    let (order, _, external_id) = match order_of(engine, job, policy).await {
        Ok(o) => o,
        Err(end) => return end,
    };
    let target = payload_str(job, "platformStatus").unwrap_or_default();
    let reason = payload_str(job, "cancellationReason");
    let wanted_status = job.payload.get("statusId").and_then(|v| v.as_i64());
    if wanted_status.is_some_and(|s| s != order.status_id) {
        return (
            JobOutcome::Skipped("the order's status changed again before this one was sent".into()),
            None,
        );
    }
    let facts = crate::platforms::push_facts(platform);
    if let Some(why) = push::held_for_write_off(platform, &facts, target, order.written_off) {
        return (JobOutcome::Skipped(why), None);
    }
    let mut sent = Vec::new();
    let result = client
        .change_status_steps(&external_id, target, reason, &mut sent)
        .await;
    // ST-6: every status set on the way is its own event (and the order's platform status),
    // also when a later step failed; the target's own event is the job's end below
    let reached = result.is_ok() && sent.last().map(String::as_str) == Some(target);
    let on_the_way = if reached {
        &sent[..sent.len() - 1]
    } else {
        &sent[..]
    };
    for step in on_the_way {
        let message = format!(
            "Status {} sent to {} on the way to status {target}",
            status_named(platform, step),
            platform.title()
        );
        if let Err(e) = engine
            .store
            .record_status_step(OrderId(order.id), step, message)
            .await
        {
            tracing::warn!(error = %e, "cannot record a status step; the next sync brings it");
        }
    }
    match result {
        Ok(()) => {
            if let Err(e) = engine
                .store
                .record_pushed_status(OrderId(order.id), target)
                .await
            {
                tracing::warn!(error = %e, "cannot record a pushed status; the next sync brings it");
            }
            let note = if sent.is_empty() {
                format!(
                    "{} has status {} already",
                    platform.title(),
                    status_named(platform, target)
                )
            } else {
                format!(
                    "Status {} sent to {}",
                    status_named(platform, target),
                    platform.title()
                )
            };
            (JobOutcome::Done, Some(note))
        }
        Err(e) => (classify(&e, job.attempts + 1, policy, Utc::now()), None),
    }
}

/// A platform status as the feed names it: `"26" (Опрацьовується менеджером)`.
fn status_named(platform: Platform, code: &str) -> String {
    match crate::platforms::source_status_label(platform, code) {
        Some(label) => format!("\"{code}\" ({label})"),
        None => format!("\"{code}\""),
    }
}

async fn tracking(
    engine: &SyncEngine,
    job: &JobRow,
    platform: Platform,
    client: &dyn PlatformClient,
    policy: &OutboxPolicy,
) -> Attempt {
    let (order, group, external_id) = match order_of(engine, job, policy).await {
        Ok(o) => o,
        Err(end) => return end,
    };
    let number = payload_str(job, "trackingNumber").unwrap_or_default();
    if order.tracking_number.as_deref() != Some(number) {
        return (
            JobOutcome::Skipped("the order's tracking number changed before it was sent".into()),
            None,
        );
    }
    let now = Utc::now();
    let give_up = |reason: String| {
        if now - job.created_at > policy.max_wait {
            JobOutcome::Failed(format!(
                "gave up after waiting {} days: {reason}",
                policy.max_wait.num_days()
            ))
        } else if group.is_final() {
            JobOutcome::Skipped(format!(
                "the order was closed before {} took it: {reason}",
                platform.title()
            ))
        } else {
            JobOutcome::Wait {
                at: now + chrono::Duration::from_std(policy.wait_recheck).unwrap_or_default(),
                reason,
            }
        }
    };
    let rule = crate::platforms::push_facts(platform).tracking;
    match push::tracking_readiness(rule, order.source_status.as_deref()) {
        TrackingReadiness::Ready => {}
        TrackingReadiness::Wait(reason) => return (give_up(reason), None),
        TrackingReadiness::Never(reason) => return (JobOutcome::Failed(reason), None),
    }
    match client.set_tracking_number(&external_id, number).await {
        Ok(()) => (
            JobOutcome::Done,
            Some(format!(
                "Tracking number {number} sent to {}",
                platform.title()
            )),
        ),
        Err(e) if tracking_refusal_waits(&e) => (give_up(e.to_string()), None),
        Err(e) => (classify(&e, job.attempts + 1, policy, Utc::now()), None),
    }
}

async fn stock(
    engine: &SyncEngine,
    job: &JobRow,
    platform: Platform,
    client: &dyn PlatformClient,
    policy: &OutboxPolicy,
) -> Attempt {
    let all = job
        .payload
        .get("all")
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    let source = SourceId(job.source_id);
    let lines = match engine.store.stock_lines(source, all).await {
        Ok(l) => l,
        Err(e) => return (retry_db(&e, job, policy), None),
    };
    if lines.is_empty() {
        return (JobOutcome::Done, None);
    }
    let updates: Vec<StockUpdate> = lines
        .iter()
        .map(|l| StockUpdate {
            external_id: l.publication.external_id.clone(),
            sku: l.publication.sku.clone(),
            quantity: l.quantity,
            price: None,
        })
        .collect();
    let (outcome, errors) = stock_outcome(
        client.push_stock(&updates).await,
        &lines,
        job.attempts + 1,
        policy,
    );
    if let JobOutcome::Failed(message) = &outcome {
        let _ = engine
            .store
            .add_source_event(
                source,
                "stock_push_failed",
                &format!("Stock not pushed to {}: {message}", platform.title()),
            )
            .await;
    }
    if let Some(errors) = errors {
        let results: Vec<_> = lines
            .iter()
            .zip(errors.iter().map(Option::as_deref))
            .collect();
        if let Err(e) = engine.store.record_stock_push(&results).await {
            tracing::warn!(error = %e, "cannot record a stock push");
        }
    }
    (outcome, None)
}

/// The job's outcome and what each line records: `None` for a line the platform took, its
/// refusal for one it did not. Nothing is recorded while the push is retried.
fn stock_outcome(
    result: Result<Vec<StockRefusal>, PlatformError>,
    lines: &[StockLine],
    attempt: i32,
    policy: &OutboxPolicy,
) -> (JobOutcome, Option<Vec<Option<String>>>) {
    match result {
        Ok(refused) if refused.is_empty() => (JobOutcome::Done, Some(vec![None; lines.len()])),
        Ok(refused) => {
            let message = format!(
                "{} of {} listing(s) refused: {}",
                refused.len(),
                lines.len(),
                refused
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            );
            let own = |l: &StockLine| {
                refused
                    .iter()
                    .find(|r| r.external_id == l.publication.external_id)
            };
            // a refusal the platform did not tie to one of our listings leaves none of the
            // others certain: they keep the whole answer and are pushed again
            let all_placed = refused.iter().all(|r| {
                lines
                    .iter()
                    .any(|l| l.publication.external_id == r.external_id)
            });
            let errors = lines
                .iter()
                .map(|l| match own(l) {
                    Some(r) => Some(r.message.clone()),
                    None if all_placed => None,
                    None => Some(message.clone()),
                })
                .collect();
            let whole = PlatformError::Refused {
                code: refused[0].code.clone(),
                message,
            };
            (classify(&whole, attempt, policy, Utc::now()), Some(errors))
        }
        Err(e) => match classify(&e, attempt, policy, Utc::now()) {
            JobOutcome::Failed(message) => {
                let errors = vec![Some(message.clone()); lines.len()];
                (JobOutcome::Failed(message), Some(errors))
            }
            retry => (retry, None),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // covers: ST-4 (pushes and retries are sent when due), WH-4 (retries of deliveries)
    #[test]
    fn an_idle_worker_sleeps_until_its_next_item_is_due() {
        let now = Utc::now();
        assert_eq!(idle_wait(None, now), IDLE_MAX);
        assert_eq!(
            idle_wait(Some(now + chrono::Duration::seconds(2)), now),
            Duration::from_secs(2)
        );
        assert_eq!(
            idle_wait(Some(now + chrono::Duration::milliseconds(5)), now),
            Duration::from_millis(100)
        );
        assert_eq!(
            idle_wait(Some(now + chrono::Duration::days(3)), now),
            IDLE_MAX
        );
        // due already but not taken (another instance has it): the old one-second tick
        assert_eq!(idle_wait(Some(now), now), Duration::from_secs(1));
    }

    fn line(external_id: &str) -> StockLine {
        StockLine {
            publication: entity::publication::Model {
                id: 1,
                source_id: 1,
                external_id: external_id.into(),
                name: external_id.into(),
                sku: None,
                price: None,
                currency: None,
                stock: None,
                state: None,
                url: None,
                product_id: Some(1),
                raw: serde_json::Value::Null,
                pushed_stock: None,
                push_error: None,
                product_link: None,
                synced_at: Utc::now(),
                created_at: Utc::now(),
            },
            quantity: 5,
        }
    }

    fn refusal(external_id: &str) -> StockRefusal {
        StockRefusal {
            external_id: external_id.into(),
            code: Some("no".into()),
            message: format!("{external_id} is not taken"),
        }
    }

    // covers: STK-1
    #[test]
    fn each_listing_records_its_own_part_of_a_stock_push() {
        let p = OutboxPolicy::default();
        let lines = [line("a"), line("b")];
        let (outcome, errors) = stock_outcome(Ok(vec![]), &lines, 1, &p);
        assert_eq!(
            (outcome, errors),
            (JobOutcome::Done, Some(vec![None, None]))
        );

        // one refused: it keeps its own reason, the other is taken
        let (outcome, errors) = stock_outcome(Ok(vec![refusal("b")]), &lines, 1, &p);
        assert!(
            matches!(&outcome, JobOutcome::Failed(m) if m.contains("1 of 2 listing(s) refused: b: b is not taken")),
            "{outcome:?}"
        );
        assert_eq!(errors, Some(vec![None, Some("b is not taken".into())]));

        // a refusal tied to none of the lines: none counts as taken
        let (_, errors) = stock_outcome(Ok(vec![refusal("?")]), &lines, 1, &p);
        let errors = errors.unwrap();
        assert!(errors
            .iter()
            .all(|e| e.as_deref().is_some_and(|e| e.contains("? is not taken"))));

        // a transient failure records nothing and retries
        let (outcome, errors) =
            stock_outcome(Err(PlatformError::Transient("reset".into())), &lines, 1, &p);
        assert!(matches!(outcome, JobOutcome::Retry { .. }), "{outcome:?}");
        assert_eq!(errors, None);
    }

    // covers: ST-4
    #[test]
    fn transient_errors_retry_with_backoff_then_fail_and_refusals_fail_at_once() {
        let p = OutboxPolicy {
            retry_base: Duration::from_secs(2),
            max_attempts: 3,
            ..OutboxPolicy::default()
        };
        let now = Utc::now();
        let t = PlatformError::Transient("HTTP 503".into());
        assert!(
            matches!(classify(&t, 1, &p, now), JobOutcome::Retry { at, .. } if at == now + chrono::Duration::seconds(2))
        );
        assert!(
            matches!(classify(&t, 2, &p, now), JobOutcome::Retry { at, .. } if at == now + chrono::Duration::seconds(4))
        );
        assert!(
            matches!(classify(&t, 3, &p, now), JobOutcome::Failed(m) if m.contains("gave up after 3 attempts"))
        );
        let limited = PlatformError::RateLimited {
            retry_after: Some(Duration::from_secs(30)),
        };
        assert!(
            matches!(classify(&limited, 1, &p, now), JobOutcome::Retry { at, .. } if at == now + chrono::Duration::seconds(30))
        );
        let refused = PlatformError::Refused {
            code: None,
            message: "Неможливо змінити статус".into(),
        };
        assert_eq!(
            classify(&refused, 1, &p, now),
            JobOutcome::Failed("platform refused: Неможливо змінити статус".into())
        );
    }

    // covers: TRK-2, TRK-3
    #[test]
    fn only_state_refusals_make_a_tracking_number_wait() {
        let state = PlatformError::Refused {
            code: Some("ttn_not_allowed_in_status".into()),
            message: "x".into(),
        };
        let post = PlatformError::Refused {
            code: Some("declaration_ukrposhta".into()),
            message: "x".into(),
        };
        let recipient = PlatformError::Refused {
            code: Some("422".into()),
            message: "recipient differs".into(),
        };
        assert!(tracking_refusal_waits(&state));
        assert!(tracking_refusal_waits(&post));
        assert!(!tracking_refusal_waits(&recipient));
    }
}
