//! The webhook inbox (WH-2..4): every verified delivery is stored before it is acknowledged, with
//! its raw body, the headers that matter and its outcome. Duplicates are recognised here (WH-3).

use super::{now, Store};
use crate::domain::SourceId;
use crate::error::Result;
use chrono::{DateTime, Utc};
use entity::webhook_delivery;
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

/// The keys duplicate detection compares: source, webhook id, event id, topic, order id,
/// updated-at.
type DeliveryKeys = (
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<DateTime<Utc>>,
);

fn delivery_keys(d: &NewDelivery) -> DeliveryKeys {
    (
        d.source_id.0,
        d.webhook_id.clone(),
        d.event_id.clone(),
        d.topic.clone(),
        d.external_order_id.clone(),
        d.platform_updated_at,
    )
}

/// A stored delivery's id and keys, as the SQLite insert answers them.
type StoredRow = (
    i64,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<DateTime<Utc>>,
);

/// A source's webhook id.
type WebhookKey = (i64, String);
/// A source's (event id, topic).
type EventKey = (i64, String, String);
/// A source's order at a platform updated-at.
type StateKey = (i64, String, DateTime<Utc>);

/// Batches of webhook deliveries in flight at once on PostgreSQL (see the webhook route's writer).
/// Measured at 32 senders: 1 lane 7 600-7 900/s, 2 lanes 7 500-8 700/s, 4 lanes 7 400/s,
/// 8 lanes 6 000-6 300/s (more lanes, smaller batches); at 128 senders 2 lanes were best too.
pub const PG_LANES: usize = 2;

/// The duplicate keys of deliveries seen so far (WH-3).
#[derive(Default)]
struct Twins {
    webhooks: std::collections::HashSet<WebhookKey>,
    events: std::collections::HashSet<EventKey>,
    states: std::collections::HashSet<StateKey>,
}

impl Twins {
    fn keys(d: &NewDelivery) -> (Option<WebhookKey>, Option<EventKey>, Option<StateKey>) {
        let s = d.source_id.0;
        (
            d.webhook_id.clone().map(|w| (s, w)),
            d.event_id
                .clone()
                .zip(d.topic.clone())
                .map(|(e, t)| (s, e, t)),
            d.external_order_id
                .clone()
                .zip(d.platform_updated_at)
                .map(|(o, u)| (s, o, u)),
        )
    }

    fn add(&mut self, d: &NewDelivery) {
        let (w, e, st) = Self::keys(d);
        self.webhooks.extend(w);
        self.events.extend(e);
        self.states.extend(st);
    }

    fn matches(&self, d: &NewDelivery) -> bool {
        let (w, e, st) = Self::keys(d);
        w.is_some_and(|w| self.webhooks.contains(&w))
            || e.is_some_and(|e| self.events.contains(&e))
            || st.is_some_and(|st| self.states.contains(&st))
    }

    /// Whether `d` matches one seen before; remembers it either way.
    fn is_twin(&mut self, d: &NewDelivery) -> bool {
        let twin = self.matches(d);
        self.add(d);
        twin
    }
}

/// A batch of deliveries as PostgreSQL arrays, one per column.
#[derive(Default)]
struct PgColumns {
    n: Vec<i32>,
    source_id: Vec<i64>,
    platform: Vec<String>,
    topic: Vec<Option<String>>,
    webhook_id: Vec<Option<String>>,
    event_id: Vec<Option<String>>,
    external_order_id: Vec<Option<String>>,
    platform_updated_at: Vec<Option<DateTime<Utc>>>,
    headers: Vec<String>,
    body: Vec<Vec<u8>>,
    state: Vec<String>,
    last_error: Vec<Option<String>>,
}

impl PgColumns {
    fn with_capacity(n: usize) -> PgColumns {
        PgColumns {
            n: Vec::with_capacity(n),
            body: Vec::with_capacity(n),
            ..Default::default()
        }
    }
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

    /// Stores a batch of deliveries with one commit (one flush for many webhooks), each unless it
    /// is a duplicate: the same webhook id, the same (topic, event id), or the same order at the
    /// same platform updated-at (WooCommerce's delivery id is not unique), whether the twin is
    /// stored already or earlier in the same batch. Answers in the batch's order.
    pub async fn store_deliveries(&self, batch: Vec<NewDelivery>) -> Result<Vec<Stored>> {
        let mut conn = self.inbox_connection().await?;
        self.store_deliveries_on(&mut conn, batch).await
    }

    /// A connection for [`Store::store_deliveries_on`]: the SQLite writer's, or one of the
    /// PostgreSQL inbox pool's.
    pub async fn inbox_connection(&self) -> Result<InboxConnection> {
        let conn = match self.backend() {
            sea_orm::DbBackend::Postgres => {
                Conn::Postgres(self.inbox.get_postgres_connection_pool().acquire().await)
            }
            _ => Conn::Sqlite(self.writer.get_sqlite_connection_pool().acquire().await),
        };
        let taken = std::time::Instant::now();
        match conn {
            Conn::Postgres(Err(e)) | Conn::Sqlite(Err(e)) => Err(store_error(e)),
            Conn::Postgres(Ok(c)) => Ok(InboxConnection {
                conn: Conn::Postgres(c),
                taken,
            }),
            Conn::Sqlite(Ok(c)) => Ok(InboxConnection {
                conn: Conn::Sqlite(c),
                taken,
            }),
        }
    }

    /// [`Store::store_deliveries`] on a connection the caller holds between batches.
    pub async fn store_deliveries_on(
        &self,
        conn: &mut InboxConnection,
        batch: Vec<NewDelivery>,
    ) -> Result<Vec<Stored>> {
        let mut answers = Vec::with_capacity(batch.len());
        let mut fresh = vec![];
        let mut seen = Twins::default();
        for d in batch {
            if seen.is_twin(&d) {
                answers.push(Stored::Duplicate);
            } else {
                answers.push(Stored::New);
                fresh.push((answers.len() - 1, d));
            }
        }
        if fresh.is_empty() {
            return Ok(answers);
        }
        let (at, fresh): (Vec<usize>, Vec<NewDelivery>) = fresh.into_iter().unzip();
        let started = std::time::Instant::now();
        let stored_twins = match &mut conn.conn {
            Conn::Postgres(c) => insert_new_deliveries_pg(c, fresh).await,
            Conn::Sqlite(c) => insert_new_deliveries(c, fresh).await,
        };
        self.metrics
            .observe_db(started.elapsed(), stored_twins.is_err());
        for i in stored_twins.map_err(store_error)? {
            answers[at[i]] = Stored::Duplicate;
        }
        Ok(answers)
    }
}

/// A database connection held for storing webhook deliveries (see [`Store::inbox_connection`]).
/// The webhook route's writer keeps one from batch to batch while deliveries keep coming: taking
/// it from the pool for every batch cost two pings of the connection and a task switch (on
/// SQLite, where batches are written one at a time, 0.3–0.5 ms of a 1.5–2 ms batch at 32
/// senders).
pub struct InboxConnection {
    conn: Conn<
        sea_orm::sqlx::pool::PoolConnection<sea_orm::sqlx::Sqlite>,
        sea_orm::sqlx::pool::PoolConnection<sea_orm::sqlx::Postgres>,
    >,
    taken: std::time::Instant,
}

enum Conn<S, P> {
    Sqlite(S),
    Postgres(P),
}

impl InboxConnection {
    /// How long this connection has been held. On SQLite it is the one writer's, which others wait
    /// for: the holder gives it back now and then.
    pub fn held(&self) -> std::time::Duration {
        self.taken.elapsed()
    }
}

fn store_error(e: sea_orm::sqlx::Error) -> crate::error::Error {
    crate::error::Error::Internal(format!("cannot store webhook deliveries: {e}"))
}

/// SQLite: inserts the deliveries that have no twin stored, in one statement (one round trip to
/// SQLite's thread, its own transaction); answers the positions of those that had one. The batch
/// goes as a VALUES list padded to a power of two (padding rows are all NULL and skipped), so the
/// statement has nine texts in all, each prepared once per connection. A twin on the webhook id
/// is left to the unique key (another instance may also have stored it meanwhile); the rows
/// stored come back (RETURNING) and are matched to the batch in order of their ids.
async fn insert_new_deliveries(
    conn: &mut sea_orm::sqlx::pool::PoolConnection<sea_orm::sqlx::Sqlite>,
    mut fresh: Vec<NewDelivery>,
) -> Result<Vec<usize>, sea_orm::sqlx::Error> {
    // the webhook route's batches fit one statement; a bigger batch is written in parts
    let mut twins = vec![];
    let mut done = 0;
    while !fresh.is_empty() {
        let rest = fresh.split_off(fresh.len().min(SQLITE_MAX_ROWS));
        let part = std::mem::replace(&mut fresh, rest);
        let n = part.len();
        twins.extend(insert_part(conn, part).await?.into_iter().map(|i| done + i));
        done += n;
    }
    Ok(twins)
}

async fn insert_part(
    conn: &mut sea_orm::sqlx::pool::PoolConnection<sea_orm::sqlx::Sqlite>,
    fresh: Vec<NewDelivery>,
) -> Result<Vec<usize>, sea_orm::sqlx::Error> {
    use sea_orm::sqlx;
    let rows = fresh.len().next_power_of_two();
    let mut q = sqlx::query_as::<_, StoredRow>(sqlite_insert(rows));
    // the keys of each delivery as stored, to match the rows that come back
    let keys: Vec<DeliveryKeys> = fresh.iter().map(delivery_keys).collect();
    for (n, d) in fresh.into_iter().enumerate() {
        q = q
            .bind(n as i64)
            .bind(d.source_id.0)
            .bind(d.platform)
            .bind(d.topic)
            .bind(d.webhook_id)
            .bind(d.event_id)
            .bind(d.external_order_id)
            .bind(d.platform_updated_at)
            .bind(d.headers.to_string())
            .bind(d.body)
            .bind(d.state)
            .bind(d.last_error);
    }
    for _ in keys.len()..rows {
        for _ in 0..SQLITE_COLUMNS {
            q = q.bind(Option::<i64>::None);
        }
    }
    let mut stored = q.bind(now()).fetch_all(&mut **conn).await?;
    stored.sort_by_key(|r| r.0);
    // the rows stored are in the batch's order; a delivery that is not the next one stored is a
    // twin (no two deliveries left in a batch share their keys, see `Twins`)
    let mut stored = stored
        .into_iter()
        .map(|(_, s, w, e, t, o, u)| (s, w, e, t, o, u))
        .peekable();
    let mut twins = vec![];
    for (i, k) in keys.into_iter().enumerate() {
        if stored.peek() == Some(&k) {
            stored.next();
        } else {
            twins.push(i);
        }
    }
    Ok(twins)
}

/// PostgreSQL: the same in one statement with the batch as arrays (one round trip, one commit,
/// one prepared statement whatever the batch's size). Each column is an array parameter
/// (UNNEST); a data-modifying CTE inserts the rows without a stored twin, in the batch's order,
/// and the statement answers the positions of those with one.
async fn insert_new_deliveries_pg(
    conn: &mut sea_orm::sqlx::pool::PoolConnection<sea_orm::sqlx::Postgres>,
    fresh: Vec<NewDelivery>,
) -> Result<Vec<usize>, sea_orm::sqlx::Error> {
    const SQL: &str = r#"
WITH v AS (
    SELECT * FROM UNNEST($1::int4[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[],
                         $7::text[], $8::timestamptz[], $9::text[], $10::bytea[], $11::text[],
                         $12::text[])
        AS v(n, source_id, platform, topic, webhook_id, event_id, external_order_id,
             platform_updated_at, headers, body, state, last_error)
), twin AS (
    SELECT n FROM v WHERE
        (source_id, webhook_id) IN (SELECT source_id, webhook_id FROM webhook_deliveries
            WHERE source_id = ANY($14) AND webhook_id = ANY($5))
     OR (source_id, event_id, topic) IN (SELECT source_id, event_id, topic FROM webhook_deliveries
            WHERE source_id = ANY($14) AND event_id = ANY($6))
     OR (source_id, external_order_id, platform_updated_at) IN (
            SELECT source_id, external_order_id, platform_updated_at FROM webhook_deliveries
            WHERE source_id = ANY($14) AND external_order_id = ANY($7))
), stored AS (
    INSERT INTO webhook_deliveries (source_id, platform, topic, webhook_id, event_id,
        external_order_id, platform_updated_at, headers, body, state, attempts, last_error,
        received_at)
    SELECT source_id, platform, topic, webhook_id, event_id, external_order_id,
        platform_updated_at, headers::jsonb, body, state, 0, last_error, $13
    FROM v WHERE n NOT IN (SELECT n FROM twin) ORDER BY n
    -- another instance may have stored the same webhook id meanwhile: the unique key keeps one
    ON CONFLICT (source_id, webhook_id) DO NOTHING
)
SELECT n FROM twin"#;
    use sea_orm::sqlx;
    let mut cols = PgColumns::with_capacity(fresh.len());
    // the lookups name each source once: with one id per row (32 times the same) PostgreSQL
    // costs every (source, key) pair as an index search and scans the source's rows instead
    let mut sources: Vec<i64> = fresh.iter().map(|d| d.source_id.0).collect();
    sources.sort_unstable();
    sources.dedup();
    for (i, d) in fresh.into_iter().enumerate() {
        cols.n.push(i as i32);
        cols.source_id.push(d.source_id.0);
        cols.platform.push(d.platform);
        cols.topic.push(d.topic);
        cols.webhook_id.push(d.webhook_id);
        cols.event_id.push(d.event_id);
        cols.external_order_id.push(d.external_order_id);
        cols.platform_updated_at.push(d.platform_updated_at);
        cols.headers.push(d.headers.to_string());
        cols.body.push(d.body);
        cols.state.push(d.state.to_string());
        cols.last_error.push(d.last_error);
    }
    let twins: Vec<(i32,)> = sqlx::query_as(SQL)
        .bind(cols.n)
        .bind(cols.source_id)
        .bind(cols.platform)
        .bind(cols.topic)
        .bind(cols.webhook_id)
        .bind(cols.event_id)
        .bind(cols.external_order_id)
        .bind(cols.platform_updated_at)
        .bind(cols.headers)
        .bind(cols.body)
        .bind(cols.state)
        .bind(cols.last_error)
        .bind(now())
        .bind(sources)
        .fetch_all(&mut **conn)
        .await?;
    Ok(twins.into_iter().map(|(i,)| i as usize).collect())
}

impl Store {
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

/// PostgreSQL text cannot hold a NUL, and a note or an error may quote the payload (`\0` is not
/// a date): unwritable, it would fail the delivery's bookkeeping on every try and hold up its
/// source's inbox.
fn storable_text(text: String) -> String {
    if text.contains('\0') {
        text.replace('\0', "\u{fffd}")
    } else {
        text
    }
}

/// Why a delivery could not be applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryFailure {
    /// The payload itself cannot become an order (unreadable JSON, an unknown shape, a value
    /// orderhub cannot hold): parked with the reason until someone replays it.
    Permanent(String),
    /// Something that may pass (a database error, a panic in orderhub): tried again with backoff.
    Retry(String),
}

impl Store {
    /// Sources with deliveries waiting: new ones, or failed ones whose retry time has come. Both
    /// are read from the `(state, source_id, id)` index alone.
    pub async fn sources_with_pending_deliveries(&self) -> Result<Vec<i64>> {
        let mut rows: Vec<i64> = webhook_delivery::Entity::find()
            .select_only()
            .column(webhook_delivery::Column::SourceId)
            .distinct()
            .filter(webhook_delivery::Column::State.eq("pending"))
            .into_tuple()
            .all(&self.db)
            .await?;
        let retry: Vec<i64> = webhook_delivery::Entity::find()
            .select_only()
            .column(webhook_delivery::Column::SourceId)
            .distinct()
            .filter(retry_due())
            .into_tuple()
            .all(&self.db)
            .await?;
        rows.extend(retry);
        rows.sort_unstable();
        rows.dedup();
        Ok(rows)
    }

    /// The next deliveries of a source, in order of arrival: the first `limit` pending ones and
    /// the failed ones due for another try, each read by a range of the `(state, source_id, id)`
    /// index that stops after `limit` rows (a burst of thousands is never read whole).
    pub async fn next_deliveries(
        &self,
        source_id: SourceId,
        limit: u64,
    ) -> Result<Vec<DeliveryRow>> {
        let mut rows = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::State.eq("pending"))
            .filter(webhook_delivery::Column::SourceId.eq(source_id.0))
            .order_by_asc(webhook_delivery::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        let due = webhook_delivery::Entity::find()
            .filter(retry_due())
            .filter(webhook_delivery::Column::SourceId.eq(source_id.0))
            .order_by_asc(webhook_delivery::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        if !due.is_empty() {
            rows.extend(due);
            rows.sort_unstable_by_key(|d| d.id);
            rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        }
        Ok(rows)
    }

    /// The source's pending deliveries after `after`, in order of arrival (the inbox worker reads
    /// ahead while it applies the batch before).
    pub async fn pending_deliveries_after(
        &self,
        source_id: SourceId,
        after: i64,
        limit: u64,
    ) -> Result<Vec<DeliveryRow>> {
        Ok(webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::State.eq("pending"))
            .filter(webhook_delivery::Column::SourceId.eq(source_id.0))
            .filter(webhook_delivery::Column::Id.gt(after))
            .order_by_asc(webhook_delivery::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?)
    }

    /// Records how processing went: `done`, `ignored`, `skipped` (with the reason), or a failure:
    /// a [`DeliveryFailure::Retry`] is tried again later and parked after [`MAX_ATTEMPTS`]; a
    /// [`DeliveryFailure::Permanent`] one is parked at once (its bytes will not change).
    pub async fn finish_delivery(
        &self,
        d: &DeliveryRow,
        outcome: std::result::Result<(&str, Option<String>), DeliveryFailure>,
    ) -> Result<()> {
        let mut am: webhook_delivery::ActiveModel = d.clone().into();
        let attempts = d.attempts + 1;
        am.attempts = Set(attempts);
        match outcome {
            Ok((state, note)) => {
                am.state = Set(state.to_string());
                am.last_error = Set(note.map(storable_text));
                am.processed_at = Set(Some(now()));
                am.next_attempt_at = Set(None);
            }
            Err(failure) => {
                let (error, permanent) = match failure {
                    DeliveryFailure::Permanent(e) => (e, true),
                    DeliveryFailure::Retry(e) => (e, false),
                };
                let parked = permanent || attempts >= MAX_ATTEMPTS;
                am.state = Set(if parked { "parked" } else { "failed" }.to_string());
                am.last_error = Set(Some(storable_text(error)));
                // 2, 4, 8, 16 seconds: a database hiccup passes, a bad payload parks quickly
                let wait = chrono::Duration::seconds(1i64 << attempts.min(10));
                am.next_attempt_at = Set((!parked).then(|| now() + wait));
            }
        }
        sea_orm::ActiveModelTrait::update(am, &self.writer).await?;
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
            .exec(&self.writer)
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
            .exec(&self.writer)
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
        Ok(Some(
            sea_orm::ActiveModelTrait::update(am, &self.writer).await?,
        ))
    }

    pub async fn delivery(&self, id: i64) -> Result<Option<DeliveryRow>> {
        Ok(webhook_delivery::Entity::find_by_id(id)
            .one(&self.db)
            .await?)
    }
}

impl Store {
    /// When the earliest failed delivery is to be tried again (new deliveries wake the worker).
    pub async fn inbox_next_retry(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        Ok(webhook_delivery::Entity::find()
            .select_only()
            .column_as(webhook_delivery::Column::NextAttemptAt.min(), "at")
            .filter(webhook_delivery::Column::State.eq("failed"))
            .filter(webhook_delivery::Column::Attempts.gt(0))
            .into_tuple()
            .one(&self.db)
            .await?
            .flatten())
    }
}

/// Failed deliveries whose next try is due.
fn retry_due() -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(webhook_delivery::Column::State.eq("failed"))
        .add(webhook_delivery::Column::Attempts.gt(0))
        .add(webhook_delivery::Column::NextAttemptAt.lte(now()))
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
                message: Set(storable_text(message.to_string())),
                data: Set(None),
                created_at: Set(now()),
                ..Default::default()
            },
            &self.writer,
        )
        .await?;
        Ok(())
    }
}

/// Columns of a row of the SQLite insert's VALUES list.
const SQLITE_COLUMNS: usize = 12;

/// The most rows one SQLite insert takes (far below SQLite's limit of parameters).
const SQLITE_MAX_ROWS: usize = 256;

/// The SQLite insert of `rows` rows (a power of two up to [`SQLITE_MAX_ROWS`]), made once.
/// The event and order twins are looked up on their indexes; timestamps compare as sqlx writes
/// them (one text for one instant), and only this statement writes the inbox.
fn sqlite_insert(rows: usize) -> &'static str {
    static TEXTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let texts = TEXTS.get_or_init(|| {
        (0..=SQLITE_MAX_ROWS.ilog2())
            .map(|k| {
                let row = format!("({})", ["?"; SQLITE_COLUMNS].join(", "));
                format!(
                    r#"WITH v (n, source_id, platform, topic, webhook_id, event_id, external_order_id,
    platform_updated_at, headers, body, state, last_error) AS (VALUES {})
INSERT INTO webhook_deliveries (source_id, platform, topic, webhook_id, event_id,
    external_order_id, platform_updated_at, headers, body, state, attempts, last_error,
    received_at)
SELECT source_id, platform, topic, webhook_id, event_id, external_order_id,
    platform_updated_at, headers, body, state, 0, last_error, ?
FROM v
WHERE n IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM webhook_deliveries w WHERE w.source_id = v.source_id
        AND w.event_id = v.event_id AND w.topic = v.topic)
    AND NOT EXISTS (SELECT 1 FROM webhook_deliveries w WHERE w.source_id = v.source_id
        AND w.external_order_id = v.external_order_id
        AND w.platform_updated_at = v.platform_updated_at)
ORDER BY n
ON CONFLICT (source_id, webhook_id) DO NOTHING
RETURNING id, source_id, webhook_id, event_id, topic, external_order_id, platform_updated_at"#,
                    vec![row; 1 << k].join(", ")
                )
            })
            .collect()
    });
    &texts[rows.ilog2() as usize]
}
