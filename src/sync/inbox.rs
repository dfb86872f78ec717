//! The inbox worker (WH-2, WH-4, WH-5): takes stored webhook deliveries of each source in order of
//! arrival and applies them through the same merge as a poll. A source's deliveries are handled by
//! one instance at a time (a lease); after a restart, stored but unprocessed deliveries are simply
//! still pending, so nothing acknowledged is lost.

use crate::domain::{Platform, SourceId};
use crate::store::inbox::{DeliveryFailure, DeliveryRow};
use crate::store::orders::Actor;
use crate::store::Store;
use crate::sync::supervisor::{isolate, isolate_sync};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};

pub use crate::platforms::Mapped;

/// Turns one delivery into what to do, `settings` being its source's. Platform specifics live in
/// the platform folders.
pub fn map_delivery(d: &DeliveryRow, settings: &serde_json::Value) -> Result<Mapped, String> {
    let platform: Platform = d
        .platform
        .parse()
        .map_err(|_| format!("unknown platform {}", d.platform))?;
    let topic = d.topic.clone().unwrap_or_default();
    let country = crate::platforms::settings::country(platform, settings);
    crate::platforms::webhook_mapping(platform, &topic, &d.body, country)
}

pub async fn process_source(
    store: &Store,
    source_id: SourceId,
    instance: &str,
) -> crate::Result<usize> {
    let lease = format!("inbox:source:{}", source_id.0);
    if !store
        .try_acquire_lease(&lease, instance, Duration::from_secs(60))
        .await?
    {
        return Ok(0);
    }
    let result = isolate(process_batches(store, source_id))
        .await
        .unwrap_or_else(|panic| Err(crate::Error::Internal(panic)));
    store.release_lease(&lease, instance).await?;
    result
}

/// A delivery read and mapped, ready to apply.
type Prepared = (DeliveryRow, Result<Mapped, DeliveryFailure>);

/// Reads the next waiting deliveries of a source (after `after`, or from the start with the
/// failed ones due again) and maps them; a panic while mapping is that delivery's failure.
async fn prepare(
    store: Store,
    source_id: SourceId,
    after: Option<i64>,
    settings: Arc<serde_json::Value>,
) -> crate::Result<Vec<Prepared>> {
    let batch = match after {
        None => store.next_deliveries(source_id, BATCH).await?,
        Some(id) => store.pending_deliveries_after(source_id, id, BATCH).await?,
    };
    Ok(batch
        .into_iter()
        .map(|d| {
            let mapped = match isolate_sync(|| map_delivery(&d, &settings)) {
                Ok(Ok(mapped)) => Ok(mapped),
                Ok(Err(e)) => Err(DeliveryFailure::Permanent(e)),
                Err(panic) => Err(DeliveryFailure::Retry(panic)),
            };
            (d, mapped)
        })
        .collect())
}

/// Up to [`BATCHES`] batches of a source's waiting deliveries, in order of arrival; then the
/// round goes on to the other sources. The next batch is read and mapped on another task while
/// this one is applied (mapping is CPU, applying waits for the database).
async fn process_batches(store: &Store, source_id: SourceId) -> crate::Result<usize> {
    let mut done = 0;
    // the source's settings say how its orders read (its country's phone numbers)
    let settings = Arc::new(
        store
            .source_row(source_id)
            .await?
            .map(|s| s.settings)
            .unwrap_or_default(),
    );
    let mut next = prepare(store.clone(), source_id, None, settings.clone()).await?;
    for round in 1..=BATCHES {
        let Some(last) = next.last().map(|(d, _)| d.id) else {
            break;
        };
        let full = next.len() >= usize::try_from(BATCH).unwrap_or(usize::MAX);
        let prefetch = (full && round < BATCHES).then(|| {
            tokio::spawn(prepare(
                store.clone(),
                source_id,
                Some(last),
                settings.clone(),
            ))
        });
        done += next.len();
        let applied = apply_batch(store, source_id, std::mem::take(&mut next)).await;
        let ahead = match prefetch {
            Some(task) => Some(task.await),
            None => None,
        };
        applied?;
        match ahead {
            Some(Ok(batch)) => next = batch?,
            Some(Err(e)) => return Err(crate::Error::Internal(format!("inbox read task: {e}"))),
            None => break,
        }
    }
    Ok(done)
}

/// Consecutive orders are applied in one transaction; a run is cut where an order repeats, so a
/// later update is merged over the one before it (WH-5). A failing run is re-applied delivery by
/// delivery, so one bad order does not hold back the others. A panic while applying a delivery is
/// that delivery's failure.
async fn apply_batch(
    store: &Store,
    source_id: SourceId,
    batch: Vec<Prepared>,
) -> crate::Result<()> {
    let mut run: Vec<(DeliveryRow, crate::domain::orders::ImportedOrder)> = vec![];
    for (d, mapped) in batch {
        match mapped {
            Ok(Mapped::Order(o)) => {
                if run.len() >= run_limit(store)
                    || run.iter().any(|(_, r)| r.external_id == o.external_id)
                {
                    apply_run(store, source_id, std::mem::take(&mut run)).await?;
                }
                run.push((d, *o));
            }
            Ok(Mapped::Skip(reason)) => {
                store
                    .add_source_event(source_id, "order_skipped", &reason)
                    .await?;
                store
                    .finish_delivery(&d, Ok(("skipped", Some(reason))))
                    .await?;
            }
            Ok(Mapped::Ignore(note)) => {
                store
                    .finish_delivery(&d, Ok(("ignored", Some(note))))
                    .await?;
            }
            Err(e) => fail(store, source_id, &d, e).await?,
        }
    }
    apply_run(store, source_id, run).await
}

/// Batches of one source per round before the other sources get their turn.
const BATCHES: usize = 5;

/// Deliveries read per round of a source.
const BATCH: u64 = 200;

/// Orders applied per transaction: while acknowledgements wait for the database (SQLite has one
/// writer, which they and the inbox take in turns), short runs, so none waits long (Shopify gives
/// up after 5 s); otherwise long runs, which cost less per order.
fn run_limit(store: &Store) -> usize {
    if store.acks_waiting() > 0 {
        50
    } else {
        100
    }
}

async fn apply_run(
    store: &Store,
    source_id: SourceId,
    run: Vec<(DeliveryRow, crate::domain::orders::ImportedOrder)>,
) -> crate::Result<()> {
    use crate::domain::WebhookDeliveryId;
    if run.is_empty() {
        return Ok(());
    }
    // acknowledgements and the inbox take turns at SQLite's one writer (see `intake::InboxWriter`)
    let _turn = store.inbox_wants_writer();
    let (deliveries, orders): (Vec<DeliveryRow>, Vec<_>) = run.into_iter().unzip();
    let ids: Vec<WebhookDeliveryId> = deliveries.iter().map(|d| WebhookDeliveryId(d.id)).collect();
    let batch = isolate(store.apply_webhook_orders(source_id, &orders, &ids)).await;
    match batch {
        Ok(Ok(_)) => {
            return store
                .finish_deliveries_done(deliveries.iter().map(|d| d.id).collect())
                .await;
        }
        Ok(Err(e)) if deliveries.len() > 1 => {
            tracing::debug!(source_id = source_id.0, error = %e, "a run of deliveries failed; applying them one by one")
        }
        Ok(Err(e)) => tracing::debug!(source_id = source_id.0, error = %e, "a delivery failed"),
        Err(panic) => {
            tracing::error!(source_id = source_id.0, error = %panic, "a run of deliveries panicked; applying them one by one")
        }
    }
    for (d, o) in deliveries.iter().zip(&orders) {
        let applied = isolate(store.apply_orders(
            source_id,
            std::slice::from_ref(o),
            Actor::Webhook(WebhookDeliveryId(d.id)),
        ))
        .await;
        match applied {
            Ok(Ok(_)) => store.finish_delivery(d, Ok(("done", None))).await?,
            Ok(Err(e)) => fail(store, source_id, d, DeliveryFailure::Retry(e.to_string())).await?,
            Err(panic) => fail(store, source_id, d, DeliveryFailure::Retry(panic)).await?,
        }
    }
    Ok(())
}

async fn fail(
    store: &Store,
    source_id: SourceId,
    d: &DeliveryRow,
    error: DeliveryFailure,
) -> crate::Result<()> {
    tracing::warn!(source_id = source_id.0, delivery_id = d.id, error = ?error, "webhook delivery failed");
    store.finish_delivery(d, Err(error)).await
}

/// Processes every source's waiting deliveries once.
pub async fn drain(store: &Store, instance: &str) -> crate::Result<usize> {
    let mut total = 0;
    // one source's trouble (a database error on its rows) does not hold back the others
    for source in store.sources_with_pending_deliveries().await? {
        match process_source(store, SourceId(source), instance).await {
            Ok(n) => total += n,
            Err(e) => {
                tracing::warn!(source_id = source, error = %e, "cannot process a source's webhook deliveries")
            }
        }
    }
    Ok(total)
}

/// Runs until `stop` turns true: drains the inbox when a delivery is stored here, when a failed
/// delivery's retry is due, and at least every 30 s (deliveries another instance stored and did
/// not process).
pub async fn run(
    store: Store,
    wakeup: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
    instance: String,
) {
    loop {
        match drain(&store, &instance).await {
            // more may be waiting (a source gives up to BATCH deliveries a round): go on at once
            Ok(n) if n > 0 && !*stop.borrow() => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "inbox worker round failed"),
        }
        let wait = match store.inbox_next_retry().await {
            Ok(next) => super::outbox::idle_wait(next, chrono::Utc::now()),
            Err(e) => {
                tracing::warn!(error = %e, "inbox: cannot read when the next retry is due");
                Duration::from_secs(1)
            }
        };
        tokio::select! {
            _ = wakeup.notified() => {}
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            break;
        }
    }
}
