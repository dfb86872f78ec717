//! The polling schedule (IMP-2): every `ORDERHUB_POLL_INTERVAL` each enabled polled source is
//! re-read (or backfilled, if its backfill never finished), and each Shopify and WooCommerce source
//! whose reconciliation is due gets its subscriptions checked and its recent orders re-read (WH-6).
//! Leases keep instances apart.

use super::{RunKind, SyncEngine};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio_cron_scheduler::{Job, JobScheduler};

/// At most this many sources sync at once per instance.
const CONCURRENT_SOURCES: usize = 4;

pub async fn poll_all(engine: &SyncEngine, limit: &Arc<Semaphore>) {
    let sources = match engine.sources_to_poll().await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "cannot list sources to poll");
            return;
        }
    };
    let webhook_sources = match engine.webhook_sources_due().await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "cannot list webhook sources to reconcile");
            vec![]
        }
    };
    // webhook sources are reconciled (subscriptions checked, then re-read); polled ones re-read
    let due = webhook_sources
        .into_iter()
        .map(|s| (s, true))
        .chain(sources.into_iter().map(|s| (s, false)));
    let mut tasks = Vec::new();
    for (src, reconcile) in due {
        let engine = engine.clone();
        let limit = limit.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = limit.acquire_owned().await;
            let kind = if src.backfill_done_at.is_none() {
                RunKind::Backfill
            } else {
                RunKind::Poll
            };
            let id = crate::domain::SourceId(src.id);
            let result = if reconcile {
                engine.reconcile(id, kind).await
            } else {
                engine.run(id, kind).await.map(|_| ())
            };
            if let Err(e) = result {
                tracing::warn!(source_id = src.id, error = %e, "scheduled sync failed");
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
}

/// Runs the schedule until `stop` turns true. A watchdog checks that the poll job keeps firing
/// (it notes each tick, even one it skips because the previous round still runs); a schedule that
/// missed three ticks is shut down and this returns, so that its supervisor starts a new one.
pub async fn run(
    engine: SyncEngine,
    interval: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let beat = Arc::new(std::sync::Mutex::new(std::time::Instant::now()));
    let mut sched = match start(engine, interval, beat.clone()).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the poll schedule");
            return;
        }
    };
    let allowed = interval
        .saturating_mul(3)
        .saturating_add(Duration::from_secs(30));
    let check = interval.min(Duration::from_secs(30));
    loop {
        tokio::select! {
            _ = tokio::time::sleep(check) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            break;
        }
        let since = beat.lock().map(|t| t.elapsed()).unwrap_or_default();
        if since > allowed {
            tracing::error!(
                silent_s = since.as_secs(),
                "the poll schedule stopped firing; starting a new one"
            );
            break;
        }
    }
    let _ = sched.shutdown().await;
}

/// Starts the repeating poll job; the returned scheduler must be shut down on exit. Each tick of
/// the poll job writes the time into `beat`.
pub async fn start(
    engine: SyncEngine,
    interval: Duration,
    beat: Arc<std::sync::Mutex<std::time::Instant>>,
) -> Result<JobScheduler, tokio_cron_scheduler::JobSchedulerError> {
    let sched = JobScheduler::new().await?;
    let engine_for_publications = engine.clone();
    let engine_store = engine.store.clone();
    let inbox_store = engine.store.clone();
    let limit = Arc::new(Semaphore::new(CONCURRENT_SOURCES));
    let running = Arc::new(tokio::sync::Mutex::new(()));
    let job = Job::new_repeated_async(interval, move |_id, _sched| {
        let engine = engine.clone();
        let limit = limit.clone();
        let running = running.clone();
        if let Ok(mut t) = beat.lock() {
            *t = std::time::Instant::now();
        }
        Box::pin(async move {
            // a slow round is not overlapped by the next tick
            let Ok(_guard) = running.try_lock() else {
                return;
            };
            poll_all(&engine, &limit).await;
        })
    })?;
    sched.add(job).await?;
    // PUB-1: each source's listings weekly (checked hourly, so a new source gets them soon)
    let publications_engine = engine_for_publications;
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
