//! The webhook inbox (WH-2..4): every verified delivery is stored before it is acknowledged, with
//! its raw body, the headers that matter and its outcome. Duplicates are recognised here (WH-3).

use super::{now, Store};
use crate::domain::SourceId;
use crate::error::Result;
use chrono::{DateTime, Utc};
use entity::webhook_delivery;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

pub use entity::webhook_delivery::Model as DeliveryRow;

/// A verified delivery as received.
#[derive(Clone, Debug)]
pub struct NewDelivery {
    pub source_id: SourceId,
    pub platform: String,
    pub topic: Option<String>,
    /// Shopify `X-Shopify-Webhook-Id`: unique per delivery.
    pub webhook_id: Option<String>,
    /// Shopify `X-Shopify-Event-Id`: one merchant action, possibly several topics.
    pub event_id: Option<String>,
    pub external_order_id: Option<String>,
    pub platform_updated_at: Option<DateTime<Utc>>,
    pub headers: serde_json::Value,
    pub body: Vec<u8>,
    /// `pending`, `parked` (disabled source) or `failed` (unreadable body).
    pub state: &'static str,
    pub last_error: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored {
    New,
    Duplicate,
}

/// The keys of a stored delivery that duplicate detection compares.
#[derive(sea_orm::FromQueryResult)]
struct StoredKeys {
    source_id: i64,
    webhook_id: Option<String>,
    event_id: Option<String>,
    topic: Option<String>,
    external_order_id: Option<String>,
    platform_updated_at: Option<DateTime<Utc>>,
}

/// Stored deliveries matching any of `conds`, in one statement (one round trip for the batch).
async fn stored_keys(
    txn: &sea_orm::DatabaseTransaction,
    conds: Vec<sea_orm::sea_query::SimpleExpr>,
) -> Result<Vec<StoredKeys>> {
    use sea_orm::sea_query::{Query, SelectStatement, UnionType};
    use sea_orm::{ConnectionTrait, FromQueryResult};
    use webhook_delivery::Column as C;
    let select = |cond| -> SelectStatement {
        Query::select()
            .columns([
                C::SourceId,
                C::WebhookId,
                C::EventId,
                C::Topic,
                C::ExternalOrderId,
                C::PlatformUpdatedAt,
            ])
            .from(webhook_delivery::Entity)
            .and_where(cond)
            .to_owned()
    };
    let mut conds = conds.into_iter();
    let Some(first) = conds.next() else {
        return Ok(vec![]);
    };
    let mut query = select(first);
    for cond in conds {
        query.union(UnionType::All, select(cond));
    }
    let stmt = txn.get_database_backend().build(&query);
    Ok(StoredKeys::find_by_statement(stmt).all(txn).await?)
}

impl Store {
    /// Stores one delivery unless it is a duplicate (see [`Store::store_deliveries`]).
    pub async fn store_delivery(&self, d: NewDelivery) -> Result<Stored> {
        Ok(self
            .store_deliveries(vec![d])
            .await?
            .pop()
            .unwrap_or(Stored::Duplicate))
    }

    /// Stores a batch of deliveries in one transaction (one commit for many webhooks), each
    /// unless it is a duplicate: the same webhook id, the same (topic, event id), or the same order
    /// at the same platform updated-at (WooCommerce's delivery id is not unique), whether the twin
    /// is stored already or earlier in the same batch. Answers in the batch's order.
    pub async fn store_deliveries(&self, batch: Vec<NewDelivery>) -> Result<Vec<Stored>> {
        use std::collections::HashSet;
        let txn = self.write_txn().await?;
        let webhook_ids: Vec<String> = batch.iter().filter_map(|d| d.webhook_id.clone()).collect();
        let event_ids: Vec<String> = batch.iter().filter_map(|d| d.event_id.clone()).collect();
        let order_ids: Vec<String> = batch
            .iter()
            .filter_map(|d| d.external_order_id.clone())
            .collect();
        // every lookup names the sources too, so it runs on an index whatever the inbox's size
        let mut sources: Vec<i64> = batch.iter().map(|d| d.source_id.0).collect();
        sources.sort_unstable();
        sources.dedup();
        let of_sources = webhook_delivery::Column::SourceId.is_in(sources);
        let mut seen_webhooks: HashSet<(i64, String)> = HashSet::new();
        let mut seen_events: HashSet<(i64, String, String)> = HashSet::new();
        let mut seen_states: HashSet<(i64, String, String)> = HashSet::new();
        let lookups = [
            (!webhook_ids.is_empty())
                .then(|| webhook_delivery::Column::WebhookId.is_in(webhook_ids)),
            (!event_ids.is_empty()).then(|| webhook_delivery::Column::EventId.is_in(event_ids)),
            (!order_ids.is_empty())
                .then(|| webhook_delivery::Column::ExternalOrderId.is_in(order_ids)),
        ];
        let conds = lookups
            .into_iter()
            .flatten()
            .map(|keys| sea_orm::ExprTrait::and(of_sources.clone(), keys))
            .collect();
        for r in stored_keys(&txn, conds).await? {
            let s = r.source_id;
            seen_webhooks.extend(r.webhook_id.map(|w| (s, w)));
            if let (Some(e), Some(t)) = (r.event_id, r.topic) {
                seen_events.insert((s, e, t));
            }
            if let (Some(o), Some(u)) = (r.external_order_id, r.platform_updated_at) {
                seen_states.insert((s, o, u.to_rfc3339()));
            }
        }
        let t = now();
        let mut answers = Vec::with_capacity(batch.len());
        let mut rows = vec![];
        for d in batch {
            let s = d.source_id.0;
            let dup_webhook = d
                .webhook_id
                .as_ref()
                .is_some_and(|w| !seen_webhooks.insert((s, w.clone())));
            let dup_event = match (&d.event_id, &d.topic) {
                (Some(e), Some(tp)) => !seen_events.insert((s, e.clone(), tp.clone())),
                _ => false,
            };
            let dup_state = match (&d.external_order_id, d.platform_updated_at) {
                (Some(o), Some(u)) => !seen_states.insert((s, o.clone(), u.to_rfc3339())),
                _ => false,
            };
            if dup_webhook || dup_event || dup_state {
                answers.push(Stored::Duplicate);
                continue;
            }
            answers.push(Stored::New);
            rows.push(webhook_delivery::ActiveModel {
                source_id: Set(s),
                platform: Set(d.platform),
                topic: Set(d.topic),
                webhook_id: Set(d.webhook_id),
                event_id: Set(d.event_id),
                external_order_id: Set(d.external_order_id),
                platform_updated_at: Set(d.platform_updated_at),
                headers: Set(d.headers),
                body: Set(d.body),
                state: Set(d.state.to_string()),
                attempts: Set(0),
                last_error: Set(d.last_error),
                next_attempt_at: Set(None),
                received_at: Set(t),
                processed_at: Set(None),
                ..Default::default()
            });
        }
        if !rows.is_empty() {
            // another instance may have stored the same webhook id meanwhile: the unique key keeps one
            webhook_delivery::Entity::insert_many(rows)
                .on_conflict(
                    OnConflict::columns([
                        webhook_delivery::Column::SourceId,
                        webhook_delivery::Column::WebhookId,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(answers)
    }

    pub async fn deliveries(&self, source_id: SourceId, limit: u64) -> Result<Vec<DeliveryRow>> {
        Ok(webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::SourceId.eq(source_id.0))
            .order_by_desc(webhook_delivery::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?)
    }
}

/// Settled deliveries are kept this long: far beyond any platform's redelivery window (Shopify
/// retries for 48 hours), so duplicate detection still sees every twin that can still arrive.
pub const KEEP_SETTLED_DAYS: i64 = 30;

/// After this many failed attempts a delivery is parked until someone replays it (WH-4).
pub const MAX_ATTEMPTS: i32 = 5;

impl Store {
    /// Sources with deliveries waiting: new ones, or failed ones whose retry time has come.
    pub async fn sources_with_pending_deliveries(&self) -> Result<Vec<i64>> {
        let rows: Vec<i64> = webhook_delivery::Entity::find()
            .select_only()
            .column(webhook_delivery::Column::SourceId)
            .distinct()
            .filter(ready_condition())
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows)
    }

    /// The next deliveries of a source, in order of arrival.
    pub async fn next_deliveries(
        &self,
        source_id: SourceId,
        limit: u64,
    ) -> Result<Vec<DeliveryRow>> {
        Ok(webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::SourceId.eq(source_id.0))
            .filter(ready_condition())
            .order_by_asc(webhook_delivery::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?)
    }

    /// Records how processing went: `done`, `ignored`, `skipped` (with the reason), or a failure
    /// that is retried later and parked after [`MAX_ATTEMPTS`].
    pub async fn finish_delivery(
        &self,
        d: &DeliveryRow,
        outcome: Result<(&str, Option<String>), String>,
    ) -> Result<()> {
        let mut am: webhook_delivery::ActiveModel = d.clone().into();
        let attempts = d.attempts + 1;
        am.attempts = Set(attempts);
        match outcome {
            Ok((state, note)) => {
                am.state = Set(state.to_string());
                am.last_error = Set(note);
                am.processed_at = Set(Some(now()));
                am.next_attempt_at = Set(None);
            }
            Err(error) => {
                let parked = attempts >= MAX_ATTEMPTS;
                am.state = Set(if parked { "parked" } else { "failed" }.to_string());
                am.last_error = Set(Some(error));
                // 2, 4, 8, 16 seconds: a database hiccup passes, a bad payload parks quickly
                let wait = chrono::Duration::seconds(1i64 << attempts.min(10));
                am.next_attempt_at = Set((!parked).then(|| now() + wait));
            }
        }
        sea_orm::ActiveModelTrait::update(am, &self.db).await?;
        Ok(())
    }

    /// Marks deliveries applied (`done`) with one statement.
    pub async fn finish_deliveries_done(&self, ids: Vec<i64>) -> Result<()> {
        use sea_orm::sea_query::{Expr, ExprTrait};
        if ids.is_empty() {
            return Ok(());
        }
        webhook_delivery::Entity::update_many()
            .col_expr(webhook_delivery::Column::State, Expr::value("done"))
            .col_expr(
                webhook_delivery::Column::Attempts,
                Expr::col(webhook_delivery::Column::Attempts).add(1),
            )
            .col_expr(
                webhook_delivery::Column::LastError,
                Expr::value(Option::<String>::None),
            )
            .col_expr(webhook_delivery::Column::ProcessedAt, Expr::value(now()))
            .col_expr(
                webhook_delivery::Column::NextAttemptAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(webhook_delivery::Column::Id.is_in(ids))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Deletes settled deliveries (`done`, `ignored`, `skipped`) received before `before`, with
    /// their bodies; failed and parked ones stay until someone replays or inspects them. Order
    /// events keep naming the delivery's id. Returns how many went.
    pub async fn purge_settled_deliveries(&self, before: DateTime<Utc>) -> Result<u64> {
        let r = webhook_delivery::Entity::delete_many()
            .filter(webhook_delivery::Column::State.is_in(["done", "ignored", "skipped"]))
            .filter(webhook_delivery::Column::ReceivedAt.lt(before))
            .exec(&self.db)
            .await?;
        Ok(r.rows_affected)
    }

    /// WH-4: runs a delivery again from its stored bytes.
    pub async fn replay_delivery(&self, id: i64) -> Result<Option<DeliveryRow>> {
        let Some(d) = webhook_delivery::Entity::find_by_id(id)
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let mut am: webhook_delivery::ActiveModel = d.into();
        am.state = Set("pending".into());
        am.attempts = Set(0);
        am.next_attempt_at = Set(None);
        Ok(Some(sea_orm::ActiveModelTrait::update(am, &self.db).await?))
    }

    pub async fn delivery(&self, id: i64) -> Result<Option<DeliveryRow>> {
        Ok(webhook_delivery::Entity::find_by_id(id)
            .one(&self.db)
            .await?)
    }
}

fn ready_condition() -> sea_orm::Condition {
    sea_orm::Condition::any()
        .add(webhook_delivery::Column::State.eq("pending"))
        .add(
            sea_orm::Condition::all()
                .add(webhook_delivery::Column::State.eq("failed"))
                .add(webhook_delivery::Column::Attempts.gt(0))
                .add(webhook_delivery::Column::NextAttemptAt.lte(now())),
        )
}

impl Store {
    /// Something that happened to a source, shown in its feed (IMP-6 skips, subscription repairs).
    pub async fn add_source_event(
        &self,
        source_id: SourceId,
        kind: &str,
        message: &str,
    ) -> Result<()> {
        sea_orm::ActiveModelTrait::insert(
            entity::source_event::ActiveModel {
                source_id: Set(source_id.0),
                kind: Set(kind.to_string()),
                message: Set(message.to_string()),
                data: Set(None),
                created_at: Set(now()),
                ..Default::default()
            },
            &self.db,
        )
        .await?;
        Ok(())
    }
}

impl Store {
    /// A source's feed, newest first.
    pub async fn source_events(
        &self,
        source_id: SourceId,
        limit: u64,
    ) -> Result<Vec<entity::source_event::Model>> {
        use entity::source_event;
        Ok(source_event::Entity::find()
            .filter(source_event::Column::SourceId.eq(source_id.0))
            .order_by_desc(source_event::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?)
    }
}
