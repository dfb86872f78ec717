//! The inbox worker (WH-2, WH-4, WH-5): takes stored webhook deliveries of each source in order of
//! arrival and applies them through the same merge as a poll. A source's deliveries are handled by
//! one instance at a time (a lease); after a restart, stored but unprocessed deliveries are simply
//! still pending, so nothing acknowledged is lost.

use crate::domain::{Platform, SourceId};
use crate::store::inbox::DeliveryRow;
use crate::store::orders::Actor;
use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};

/// What the mapping of a delivery produced.
pub enum Mapped {
    Order(Box<crate::domain::orders::ImportedOrder>),
    /// IMP-6: not imported, with the reason the user sees.
    Skip(String),
    /// A topic orderhub does not act on; acknowledged and recorded (WH-4).
    Ignore(String),
}

/// Turns one delivery into what to do. Platform specifics live in the platform folders.
pub fn map_delivery(d: &DeliveryRow) -> Result<Mapped, String> {
    let platform: Platform = d
        .platform
        .parse()
        .map_err(|_| format!("unknown platform {}", d.platform))?;
    let topic = d.topic.clone().unwrap_or_default();
    crate::platforms::webhook_mapping(platform, &topic, &d.body)
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
    let mut done = 0;
    let batch = store.next_deliveries(source_id, 100).await;
    let result = async {
        for d in batch? {
            let outcome = match map_delivery(&d) {
                Ok(Mapped::Order(o)) => store
                    .apply_orders(source_id, std::slice::from_ref(o.as_ref()), Actor::Webhook(crate::domain::WebhookDeliveryId(d.id)))
                    .await
                    .map(|_| ("done", None))
                    .map_err(|e| e.to_string()),
                Ok(Mapped::Skip(reason)) => {
                    store.add_source_event(source_id, "order_skipped", &reason).await?;
                    Ok(("skipped", Some(reason)))
                }
                Ok(Mapped::Ignore(note)) => Ok(("ignored", Some(note))),
                Err(e) => Err(e),
            };
            if let Err(e) = &outcome {
                tracing::warn!(source_id = source_id.0, delivery_id = d.id, error = %e, "webhook delivery failed");
            }
            store.finish_delivery(&d, outcome).await?;
            done += 1;
        }
        Ok::<_, crate::Error>(())
    }
    .await;
    store.release_lease(&lease, instance).await?;
    result.map(|_| done)
}

/// Processes every source's waiting deliveries once.
pub async fn drain(store: &Store, instance: &str) -> crate::Result<usize> {
    let mut total = 0;
    for source in store.sources_with_pending_deliveries().await? {
        total += process_source(store, SourceId(source), instance).await?;
    }
    Ok(total)
}

/// Runs until `stop` turns true: drains the inbox when woken and at least every second.
pub async fn run(
    store: Store,
    wakeup: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
    instance: String,
) {
    loop {
        if let Err(e) = drain(&store, &instance).await {
            tracing::warn!(error = %e, "inbox worker round failed");
        }
        tokio::select! {
            _ = wakeup.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            break;
        }
    }
}
