//! The polling schedule (IMP-2, SYNC-1, WH-6), shared by every instance on one database. Each
//! source has its next due time; an instance claims due sources in one statement (as many as it
//! has free slots), runs them, and each run sets the source's next due time from its end plus a
//! little jitter. A claim moves the due time one lease ahead and a run's heartbeat keeps it
//! there, so however many instances poll, each source is read once per interval, and the sources
//! of an instance that died are due again within one lease time. Polled sources are re-read (or
//! backfilled, if their backfill never finished) every `ORDERHUB_POLL_INTERVAL`; Shopify and
//! WooCommerce sources are reconciled every `reconcile_minutes` (their subscriptions checked,
//! then the recent orders re-read).
//!
//! Memory stays bounded whatever the number of sources: at most `concurrency` runs exist at once,
//! and nothing is claimed that has no free slot to run in.

use super::{RunKind, SyncEngine};
use crate::domain::Platform;
use crate::store::rows::SourceRow;
use crate::store::sources::ClaimedSource;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_cron_scheduler::{Job, JobScheduler};

/// How an instance takes part in the schedule.
#[derive(Clone, Debug)]
pub struct SchedulePolicy {
    /// Sources this instance syncs at once (`ORDERHUB_SYNC_CONCURRENCY`). Paced platform calls
    /// mostly wait on the network, so this is far above the number of cores.
    pub concurrency: usize,
    /// How long a claimed run's lease lives without a heartbeat; the heartbeat renews it every
    /// third of that. A dead instance's sources are due again this long after its last beat.
    pub lease: Duration,
    /// The claim loop sleeps at most this long when nothing is due sooner.
    pub max_sleep: Duration,
}

/// The default of `ORDERHUB_SYNC_CONCURRENCY`.
pub const DEFAULT_CONCURRENCY: usize = 64;
/// The largest `ORDERHUB_SYNC_CONCURRENCY` accepted.
pub const MAX_CONCURRENCY: usize = 4096;

impl Default for SchedulePolicy {
    fn default() -> Self {
        SchedulePolicy {
            concurrency: DEFAULT_CONCURRENCY,
            lease: Duration::from_secs(30),
            max_sleep: Duration::from_secs(5),
        }
    }
}

/// At most this share of the interval is added to a source's next due time, so sources that
/// were due together drift apart...
const JITTER_SHARE: f64 = 0.05;
/// ...but never more than this.
const MAX_JITTER: Duration = Duration::from_secs(30);
/// The claim loop never sleeps less than this between claims that found nothing to take.
const MIN_SLEEP: Duration = Duration::from_millis(100);
/// A claim loop's statement that takes longer is given up and tried again, so one stuck
/// statement does not stop the schedule.
const STATEMENT_LIMIT: Duration = Duration::from_secs(30);
/// On shutdown, runs in progress get this long to finish (and release their leases).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The jitter added to one next due time: `unit` (a random number in `[0, 1)`) of the largest
/// jitter for `interval`. Positive only, so a source is never due twice within its interval.
pub fn jitter(interval: Duration, unit: f64) -> Duration {
    let unit = if unit.is_finite() {
        unit.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let most = interval.mul_f64(JITTER_SHARE).min(MAX_JITTER);
    most.mul_f64(unit)
}

/// When a source whose run ended at `finished` is due again: one interval later, plus jitter.
pub fn next_due(finished: DateTime<Utc>, interval: Duration, unit: f64) -> DateTime<Utc> {
    let after = interval.saturating_add(jitter(interval, unit));
    chrono::Duration::from_std(after)
        .ok()
        .and_then(|d| finished.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// How often a source is run by the schedule: polled platforms every poll interval; Shopify and
/// WooCommerce every `reconcile_minutes` of their settings (WH-6; default 60, 0 = every poll
/// interval).
pub fn interval_of(platform: Platform, settings: &serde_json::Value, poll: Duration) -> Duration {
    if crate::platforms::descriptor(platform).is_polled() {
        return poll;
    }
    match crate::platforms::settings::reconcile_minutes(platform, settings) {
        Some(0) => poll,
        Some(m) => Duration::from_secs(m.saturating_mul(60)),
        None => Duration::from_secs(3600),
    }
}

/// [`interval_of`] for a stored source (an unknown platform counts as polled).
pub fn interval_of_source(src: &SourceRow, poll: Duration) -> Duration {
    match src.platform.parse::<Platform>() {
        Ok(p) => interval_of(p, &src.settings, poll),
        Err(_) => poll,
    }
}

/// How long the claim loop sleeps when it has free slots and took every due source: until the
/// earliest due time (`None`: nothing to claim), within `[MIN_SLEEP, max]`.
pub fn sleep_until_due(
    earliest: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    max: Duration,
) -> Duration {
    let until = earliest
        .map(|t| (t - now).to_std().unwrap_or(Duration::ZERO))
        .unwrap_or(max);
    until.clamp(MIN_SLEEP, max.max(MIN_SLEEP))
}

/// Runs one claimed source to its end; its failure is logged, the schedule goes on.
async fn run_claimed(engine: SyncEngine, claimed: ClaimedSource) {
    let id = claimed.source.id;
    if let Err(e) = engine.run_claimed(&claimed).await {
        tracing::warn!(source_id = id, error = %e, "scheduled sync failed");
    }
}

/// One round, for tests and tools: claims as many due sources as `limit` has permits, runs them
/// and waits for them.
pub async fn poll_all(engine: &SyncEngine, limit: &Arc<Semaphore>) {
    let free = limit.available_permits() as u64;
    let claimed = match engine.claim_due(free).await {
        Ok(c) => c.claimed,
        Err(e) => {
            tracing::warn!(error = %e, "cannot claim due sources");
            return;
        }
    };
    let mut running = JoinSet::new();
    for c in claimed {
        let (engine, limit) = (engine.clone(), limit.clone());
        running.spawn(async move {
            let _permit = limit.acquire_owned().await;
            run_claimed(engine, c).await
        });
    }
    while running.join_next().await.is_some() {}
}

/// The shortest nap of the claim loop while sources fall due one after another: 1 % of the poll
/// interval, within `[MIN_SLEEP, 1 s]` and at most `max`. Each claim then takes every source
/// that fell due during the nap in one statement, instead of every instance claiming (mostly
/// nothing) for each due time; a poll starts at most this late.
pub fn claim_gap(poll_interval: Duration, max: Duration) -> Duration {
    poll_interval
        .mul_f64(0.01)
        .clamp(MIN_SLEEP, Duration::from_secs(1))
        .min(max.max(MIN_SLEEP))
}

/// Claims and runs due sources until `stop` turns true. At most the policy's `concurrency` runs
/// at once; a claim asks for no more sources than there are free slots. The claim says when the
/// next of the other sources is due, and the loop sleeps until then (at least
/// [`claim_gap`], at most `max_sleep`) or until stop; when every slot is taken, until a run ends.
pub async fn claim_loop(engine: SyncEngine, mut stop: tokio::sync::watch::Receiver<bool>) {
    let policy = engine.schedule().clone();
    let slots = policy.concurrency.max(1);
    let gap = claim_gap(engine.poll_interval(), policy.max_sleep);
    let mut running: JoinSet<()> = JoinSet::new();
    loop {
        if *stop.borrow() {
            break;
        }
        while running.try_join_next().is_some() {}
        let free = slots.saturating_sub(running.len());
        let mut wait = policy.max_sleep;
        if free > 0 {
            match tokio::time::timeout(STATEMENT_LIMIT, engine.claim_due(free as u64)).await {
                Ok(Ok(claim)) => {
                    let more_due = claim.claimed.len() == free;
                    for c in claim.claimed {
                        running.spawn(run_claimed(engine.clone(), c));
                    }
                    wait = if more_due {
                        Duration::ZERO
                    } else {
                        sleep_until_due(claim.next_due, crate::store::now(), policy.max_sleep)
                            .max(gap)
                    };
                }
                Ok(Err(e)) => tracing::warn!(error = %e, "cannot claim due sources"),
                Err(_) => tracing::warn!("claiming due sources took too long; trying again"),
            }
        }
        if wait.is_zero() && running.len() < slots {
            tokio::task::yield_now().await;
            continue;
        }
        // full: a run that ends frees a slot and wakes the loop; otherwise runs that end are
        // collected at the next wake (their sources are not due again before one interval)
        let full = running.len() >= slots;
        tokio::select! {
            _ = stop.changed() => {}
            Some(_) = running.join_next(), if full => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
    // runs in progress may end and release their leases; the rest are dropped (their leases
    // expire, and their sources are due again within one lease time)
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while running.join_next().await.is_some() {}
    })
    .await;
}

/// Runs the schedule until `stop` turns true: the claim loop, and the repeating jobs that are not
/// per source (publications, stock, inbox purge) on a job scheduler shut down on exit.
pub async fn run(engine: SyncEngine, stop: tokio::sync::watch::Receiver<bool>) {
    let mut sched = match start(engine.clone()).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the repeating jobs");
            return;
        }
    };
    claim_loop(engine, stop).await;
    let _ = sched.shutdown().await;
}

/// Starts the repeating jobs that are not per source; the returned scheduler must be shut down
/// on exit.
pub async fn start(
    engine: SyncEngine,
) -> Result<JobScheduler, tokio_cron_scheduler::JobSchedulerError> {
    let sched = JobScheduler::new().await?;
    let engine_store = engine.store.clone();
    let inbox_store = engine.store.clone();
    // PUB-1: each source's listings weekly (checked hourly, so a new source gets them soon)
    let publications_engine = engine;
    sched
        .add(Job::new_repeated_async(
            Duration::from_secs(3600),
            move |_id, _sched| {
                let engine = publications_engine.clone();
                Box::pin(async move { engine.sync_due_publications().await })
            },
        )?)
        .await?;
    // STK-1: stock of linked listings re-asserted daily, whatever was pushed in between
    let stock_store = engine_store;
    sched
        .add(Job::new_repeated_async(
            Duration::from_secs(24 * 3600),
            move |_id, _sched| {
                let store = stock_store.clone();
                Box::pin(async move {
                    if let Err(e) = store.queue_scheduled_stock_pushes().await {
                        tracing::warn!(error = %e, "cannot queue the scheduled stock push");
                    }
                })
            },
        )?)
        .await?;
    // the webhook inbox keeps settled deliveries (raw bodies included) for a month, not forever
    sched
        .add(Job::new_repeated_async(
            Duration::from_secs(24 * 3600),
            move |_id, _sched| {
                let store = inbox_store.clone();
                Box::pin(async move {
                    let before = crate::store::now()
                        - chrono::Duration::days(crate::store::inbox::KEEP_SETTLED_DAYS);
                    match store.purge_settled_deliveries(before).await {
                        Ok(n) if n > 0 => {
                            tracing::info!(deleted = n, "old webhook deliveries purged")
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "cannot purge old webhook deliveries"),
                    }
                })
            },
        )?)
        .await?;
    sched.start().await?;
    Ok(sched)
}

/// The run a claimed source gets: a backfill until one finished, then polls; Shopify and
/// WooCommerce sources are reconciled (WH-6).
pub fn run_kind(platform: &str, backfilled: bool) -> (RunKind, bool) {
    let kind = if backfilled {
        RunKind::Poll
    } else {
        RunKind::Backfill
    };
    let reconcile = platform
        .parse::<Platform>()
        .is_ok_and(|p| !crate::platforms::descriptor(p).is_polled());
    (kind, reconcile)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, s).unwrap()
    }

    // covers: IMP-2, SYNC-1 — the next poll comes one interval after the end of the last, never
    // sooner, and at most 5 % (30 s at most) later
    #[test]
    fn the_next_due_time_is_one_interval_after_the_end_plus_a_bounded_jitter() {
        let ten = Duration::from_secs(600);
        assert_eq!(
            next_due(at(0), ten, 0.0),
            at(0) + chrono::Duration::minutes(10)
        );
        let late = next_due(at(0), ten, 0.999_999);
        assert!(late > at(0) + chrono::Duration::minutes(10));
        assert!(late <= at(0) + chrono::Duration::seconds(630), "{late}");
        // a 5 % share of one minute: 3 s at most
        let minute = Duration::from_secs(60);
        assert!(next_due(at(0), minute, 0.999) <= at(0) + chrono::Duration::seconds(63));
        // the share is capped: 30 s for a day
        assert_eq!(jitter(Duration::from_secs(86_400), 1.0), MAX_JITTER);
        // whatever the random number, never before the interval nor past the cap
        for unit in [-1.0, 0.0, 0.5, 1.0, 2.0, f64::NAN, f64::INFINITY] {
            let j = jitter(ten, unit);
            assert!(j <= Duration::from_secs(30), "{unit}: {j:?}");
        }
        assert_eq!(jitter(ten, f64::NAN), Duration::ZERO);
    }

    // covers: SYNC-1 — jitter spreads sources that finished together
    #[test]
    fn jitter_spreads_sources_that_finished_together() {
        let ten = Duration::from_secs(600);
        let dues: std::collections::BTreeSet<_> = (0..100)
            .map(|i| next_due(at(0), ten, f64::from(i) / 100.0))
            .collect();
        assert_eq!(dues.len(), 100);
        let spread = *dues.last().unwrap() - *dues.first().unwrap();
        assert!(spread >= chrono::Duration::seconds(29), "{spread}");
    }

    // covers: WH-6, IMP-2
    #[test]
    fn webhook_sources_run_every_reconcile_minutes_and_polled_ones_every_poll_interval() {
        let poll = Duration::from_secs(600);
        let none = serde_json::json!({});
        assert_eq!(interval_of(Platform::Prom, &none, poll), poll);
        assert_eq!(
            interval_of(
                Platform::Prom,
                &serde_json::json!({"reconcile_minutes": 5}),
                poll
            ),
            poll,
            "a polled source has no reconciliation"
        );
        assert_eq!(
            interval_of(Platform::Shopify, &none, poll),
            Duration::from_secs(3600)
        );
        assert_eq!(
            interval_of(
                Platform::Woocommerce,
                &serde_json::json!({"reconcile_minutes": 15}),
                poll
            ),
            Duration::from_secs(900)
        );
        assert_eq!(
            interval_of(
                Platform::Shopify,
                &serde_json::json!({"reconcile_minutes": 0}),
                poll
            ),
            poll,
            "0: every poll interval"
        );
        assert_eq!(
            interval_of(
                Platform::Shopify,
                &serde_json::json!({"reconcile_minutes": u64::MAX}),
                poll
            ),
            Duration::from_secs(u64::MAX),
            "no overflow"
        );
    }

    // covers: IMP-2 — the claim loop wakes for the earliest due time, within its bounds
    #[test]
    fn the_claim_loop_sleeps_until_the_earliest_due_time_within_bounds() {
        let max = Duration::from_secs(5);
        assert_eq!(sleep_until_due(None, at(0), max), max, "nothing to claim");
        assert_eq!(
            sleep_until_due(Some(at(2)), at(0), max),
            Duration::from_secs(2)
        );
        assert_eq!(sleep_until_due(Some(at(50)), at(0), max), max, "capped");
        assert_eq!(
            sleep_until_due(Some(at(0)), at(3), max),
            MIN_SLEEP,
            "overdue but not claimed (another instance is claiming it): a short nap"
        );
    }

    // covers: IMP-2, SYNC-1 — the claim loop naps at least 1 % of the poll interval (100 ms to
    // 1 s, never past its longest sleep) between claims, so instances do not claim once per due
    // time
    #[test]
    fn the_shortest_nap_between_claims_is_a_share_of_the_poll_interval() {
        let five = Duration::from_secs(5);
        assert_eq!(
            claim_gap(Duration::from_secs(60), five),
            Duration::from_millis(600)
        );
        assert_eq!(
            claim_gap(Duration::from_secs(600), five),
            Duration::from_secs(1)
        );
        assert_eq!(claim_gap(Duration::from_secs(2), five), MIN_SLEEP);
        assert_eq!(
            claim_gap(Duration::from_secs(600), Duration::from_millis(200)),
            Duration::from_millis(200),
            "never longer than the longest sleep"
        );
    }

    // covers: IMP-1, WH-6
    #[test]
    fn a_claimed_source_is_backfilled_until_done_and_webhook_sources_are_reconciled() {
        assert_eq!(run_kind("prom", false), (RunKind::Backfill, false));
        assert_eq!(run_kind("prom", true), (RunKind::Poll, false));
        assert_eq!(run_kind("shopify", true), (RunKind::Poll, true));
        assert_eq!(run_kind("woocommerce", false), (RunKind::Backfill, true));
    }
}
