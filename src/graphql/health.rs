//! Sources at a glance (issue 18, the console's sources screen; SRC-5, SRC-6, WH-4): when each
//! source is next read and how many of its webhook deliveries wait or are parked, in one
//! request for every source the caller sees (API-3).

use super::guards::{principal, state, GqlResult};
use super::types::Source;
use crate::domain::auth::SourceScope;
use async_graphql::{Context, Object};
use chrono::{DateTime, Utc};
use entity::webhook_delivery;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;

#[derive(Default)]
pub struct HealthQuery;

/// One source's health: what `Source` says (`enabled`, `needsReauth`, `lastError`,
/// `lastSyncAt`, `syncRuns`) plus the scheduler's and the webhook inbox's figures.
pub struct SourceHealth {
    source: crate::store::rows::SourceRow,
    pending: i64,
    parked: i64,
}

#[Object]
impl SourceHealth {
    async fn source(&self) -> Source {
        Source(self.source.clone())
    }

    /// When the scheduler next reads the source: the next poll (Rozetka, Prom, Epicentr,
    /// Cartum) or reconciliation (Shopify, WooCommerce; WH-6). Null while the source is
    /// disabled or needs re-authorization (nothing is read then); a time in the past means
    /// due at the next scheduler tick.
    async fn next_sync_at(&self) -> Option<DateTime<Utc>> {
        let s = &self.source;
        if !s.enabled || s.needs_reauth {
            return None;
        }
        Some(s.next_due_at.unwrap_or(s.created_at))
    }

    /// Webhook deliveries stored and not yet applied: `pending`, or `failed` and to be retried.
    async fn pending_deliveries(&self) -> i64 {
        self.pending
    }

    /// Webhook deliveries `parked` after their retries (or while the source was disabled):
    /// `replayWebhookDelivery` runs one again (WH-4).
    async fn parked_deliveries(&self) -> i64 {
        self.parked
    }
}

#[Object]
impl HealthQuery {
    /// Every source the caller may see with its health, oldest source first (API-3).
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::LIST_ESTIMATE, child_complexity)"
    )]
    async fn sources_health(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SourceHealth>> {
        let scope = principal(ctx)?.scope();
        let store = &state(ctx).store;
        let sources = store.sources(&scope).await.gql()?;
        let mut q = webhook_delivery::Entity::find()
            .select_only()
            .column(webhook_delivery::Column::SourceId)
            .column(webhook_delivery::Column::State)
            .column_as(webhook_delivery::Column::Id.count(), "n")
            .filter(webhook_delivery::Column::State.is_in(["pending", "failed", "parked"]))
            .group_by(webhook_delivery::Column::SourceId)
            .group_by(webhook_delivery::Column::State);
        if let SourceScope::Only(ids) = &scope {
            q = q.filter(webhook_delivery::Column::SourceId.is_in(ids.iter().map(|s| s.0)));
        }
        let counts: Vec<(i64, String, i64)> = q
            .into_tuple()
            .all(&store.db)
            .await
            .map_err(crate::Error::from)
            .gql()?;
        let mut by_source: HashMap<i64, (i64, i64)> = HashMap::new();
        for (source, st, n) in counts {
            let e = by_source.entry(source).or_default();
            if st == "parked" {
                e.1 += n;
            } else {
                e.0 += n;
            }
        }
        Ok(sources
            .into_iter()
            .map(|source| {
                let (pending, parked) = by_source.get(&source.id).copied().unwrap_or_default();
                SourceHealth {
                    source,
                    pending,
                    parked,
                }
            })
            .collect())
    }
}
