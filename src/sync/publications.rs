//! Publication sync (PUB-1..2): the seller's listings read from the platform into the hub,
//! weekly by the scheduler, by hand at most once a day, or one listing on demand. A sync also
//! queues a stock push for linked listings whose stock differs (STK-1).

use super::engine::platform_error;
use super::SyncEngine;
use crate::domain::SourceId;
use crate::error::{Error, Result};
use crate::platforms::{self, RemotePublication};
use crate::store::publications::{
    PublicationCounts, AUTO_PUBLICATION_SYNC, MANUAL_PUBLICATION_SYNC,
};
use crate::store::rows::PublicationRow;

/// Why a sync of publications runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PublicationSync {
    /// The weekly schedule: skipped quietly when not due.
    Scheduled,
    /// A person asked: refused (RATE_LIMITED) within a day of the last one.
    Manual,
}

impl SyncEngine {
    /// Reads all of a source's listings and stores those the platform counts as published.
    pub async fn sync_publications(
        &self,
        source_id: SourceId,
        why: PublicationSync,
    ) -> Result<PublicationCounts> {
        let (src, platform) = self.store.source_and_platform(source_id).await?;
        let interval = match why {
            PublicationSync::Scheduled => AUTO_PUBLICATION_SYNC,
            PublicationSync::Manual => MANUAL_PUBLICATION_SYNC,
        };
        // a manual sync the daily rule lets through costs one call of the source's budget
        let allowed = src
            .publications_synced_at
            .is_none_or(|last| crate::store::now() - last >= interval);
        if why == PublicationSync::Manual && allowed {
            self.spend_manual_call(&src).await?;
        }
        self.store
            .claim_publication_sync(source_id, interval)
            .await?;
        let listed = match self.client_of(&src) {
            Ok(client) => client
                .list_publications()
                .await
                .map_err(|e| platform_error(platform, e)),
            Err(e) => Err(e),
        };
        let remote = match listed {
            Ok(r) => r,
            Err(e) => {
                // the slot is given back: a failed read is not a sync
                self.store
                    .release_publication_sync(source_id, src.publications_synced_at)
                    .await?;
                let _ = self
                    .store
                    .add_source_event(
                        source_id,
                        "publications_failed",
                        &format!("Publications not synced: {}", e.public_message()),
                    )
                    .await;
                return Err(e);
            }
        };
        let wanted: Vec<RemotePublication> = remote
            .into_iter()
            .filter(|p| platforms::publication_listed(platform, p))
            .collect();
        let counts = self
            .store
            .upsert_publications(source_id, &wanted, true)
            .await?;
        self.store
            .add_source_event(
                source_id,
                "publications_synced",
                &format!(
                    "{} publications read: {} new, {} updated, {} no longer listed",
                    wanted.len(),
                    counts.created,
                    counts.updated,
                    counts.unlisted
                ),
            )
            .await?;
        self.store.queue_stock_push(source_id).await?;
        Ok(counts)
    }

    /// PUB-1: one listing on demand (by its id where the platform can, else from its listing).
    pub async fn sync_publication(&self, publication: &PublicationRow) -> Result<PublicationRow> {
        let source_id = SourceId(publication.source_id);
        let (src, platform) = self.store.source_and_platform(source_id).await?;
        self.spend_manual_call(&src).await?;
        let mut found: Vec<RemotePublication> = self
            .client_of(&src)?
            .fetch_publication(&publication.external_id)
            .await
            .map_err(|e| platform_error(platform, e))?
            .into_iter()
            .collect();
        for p in &mut found {
            if !platforms::publication_listed(platform, p) {
                p.state = Some("unlisted".into());
            }
        }
        if found.is_empty() {
            found.push(RemotePublication {
                external_id: publication.external_id.clone(),
                name: publication.name.clone(),
                sku: publication.sku.clone(),
                price: publication.price,
                currency: publication.currency.clone(),
                stock: publication.stock,
                state: Some("unlisted".into()),
                url: publication.url.clone(),
                raw: publication.raw.clone(),
            });
        }
        self.store
            .upsert_publications(source_id, &found, false)
            .await?;
        self.store
            .publication(publication.id)
            .await?
            .ok_or_else(|| Error::not_found("publication"))
    }

    /// PUB-1's schedule: every source whose weekly sync is due.
    pub async fn sync_due_publications(&self) {
        let due = match self.store.sources_due_for_publications().await {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "cannot list sources for the publication sync");
                return;
            }
        };
        for src in due {
            match self
                .sync_publications(SourceId(src.id), PublicationSync::Scheduled)
                .await
            {
                Ok(_) | Err(Error::RateLimited { .. }) => {}
                Err(e) => {
                    tracing::warn!(source_id = src.id, error = %e, "publication sync failed")
                }
            }
        }
    }
}
