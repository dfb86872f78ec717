//! The only code that touches SeaORM: connecting, migrating, and loading and saving domain values.

pub mod batch;
pub mod budget;
pub mod contacts;
pub mod customers;
pub mod expenses;
pub mod export;
pub mod inbox;
mod keyset;
pub mod leases;
pub mod live;
pub mod order_edit;
pub mod order_page;
pub mod orders;
mod pg_array;
pub mod publications;
pub mod push;
pub mod repairs;
pub mod source_accounts;
pub mod sources;
pub mod statuses;
pub mod stock;
pub mod sync;
pub mod users;

use crate::error::Result;
use crate::metrics::Metrics;
use chrono::{DateTime, SubsecRound, Utc};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend};
use std::sync::Arc;
use std::time::Duration;

/// Rows as the store hands them out. Resolvers read them; only the store writes them.
pub mod rows {
    pub use entity::category::Model as CategoryRow;
    pub use entity::customer::Model as CustomerRow;
    pub use entity::expense::Model as ExpenseRow;
    pub use entity::order::Model as OrderRow;
    pub use entity::order_event::Model as OrderEventRow;
    pub use entity::order_item::Model as OrderItemRow;
    pub use entity::product::Model as ProductRow;
    pub use entity::publication::Model as PublicationRow;
    pub use entity::source::Model as SourceRow;
    pub use entity::source_event::Model as SourceEventRow;
    pub use entity::status::Model as StatusRow;
    pub use entity::status_rule::Model as StatusRuleRow;
    pub use entity::sync_run::Model as SyncRunRow;
    pub use entity::user::Model as UserRow;
}

#[derive(Clone)]
pub struct Store {
    pub(crate) db: DatabaseConnection,
    /// Where every write runs, a transaction or a single statement. On SQLite one connection of
    /// its own: SQLite has one writer anyway, writers queue in the pool instead of spinning on the
    /// lock (a write from another connection meets SQLITE_BUSY and sleeps in the busy handler, in
    /// steps of up to 100 ms, while acknowledgements wait behind the lock), and the connection's
    /// page cache stays valid (a connection drops it whenever another one has written). On
    /// PostgreSQL the same pool as `db`.
    writer: DatabaseConnection,
    /// Where webhook deliveries are stored: `writer` on SQLite, a pool of its own on PostgreSQL
    /// (one connection per batch in flight, prepared statements planned once).
    inbox: DatabaseConnection,
    /// Where the orders page is read (`orders_page_with`): `db` on SQLite, a pool of its own on
    /// PostgreSQL that leaves PostgreSQL its default planning (a statement run often is planned
    /// once and its plan kept, when that plan costs no more than planning each run would). The
    /// page is the API's most frequent statement and its planning cost more than its run:
    /// 0.1-0.3 ms of ~1 ms by pgbench on the bench's database (issue 20).
    pages: DatabaseConnection,
    /// The orders page statements of the last requests (`order_page::PagePlans`).
    page_plans: order_page::PagePlans,
    /// For statements run on sqlx directly (sea-orm's reach the metrics by its callback).
    metrics: Arc<Metrics>,
    /// What each platform takes from status rules and pushes (ST-5..7) and how its orders are
    /// imported (ST-1, ST-2, IMP-6, IMP-7), given by the caller.
    facts: crate::domain::platform::FactsOf,
    /// Rung when a push is queued, so the outbox worker does not wait for its next tick.
    outbox_wakeup: Arc<tokio::sync::Notify>,
    /// Webhook deliveries waiting for their inbox commit (see [`Store::acks_waiting`]).
    acks_waiting: Arc<std::sync::atomic::AtomicUsize>,
    /// The inbox worker waiting for or holding the writer (see [`Store::inbox_wants_writer`]).
    inbox_applying: Arc<std::sync::atomic::AtomicUsize>,
    /// Counts this instance's changes to users, tokens and grants: a principal cached before the
    /// latest change is not used again (see `http::auth`).
    auth_epoch: Arc<std::sync::atomic::AtomicU64>,
}

/// Held while the inbox worker applies a run: the acknowledgement writer then gives the SQLite
/// writer connection back after its current batch instead of keeping it for the next one.
pub struct WriterWanted(Arc<std::sync::atomic::AtomicUsize>);

impl Drop for WriterWanted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Timestamps are kept to the microsecond so SQLite text and PostgreSQL `timestamptz` compare alike
/// (cursors depend on exact equality).
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

impl Store {
    /// How many changes to users, tokens and grants this instance has made.
    pub fn auth_epoch(&self) -> u64 {
        self.auth_epoch.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Called after a change to users, tokens or grants has been committed.
    pub(crate) fn auth_changed(&self) {
        self.auth_epoch
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    /// Opens the pool. SQLite runs in WAL mode with a busy timeout so readers never block the writer.
    /// `facts`: what each platform takes from status rules and pushes and how its orders are
    /// imported (the platforms' `FACTS` table, handed in by the caller: the store does not
    /// import the platforms).
    pub async fn connect(
        url: &str,
        metrics: Arc<Metrics>,
        facts: crate::domain::platform::FactsOf,
    ) -> Result<Store> {
        let sqlite = url.starts_with("sqlite:");
        let open = |connections: u32, planner: &'static [(&'static str, &'static str)]| {
            let metrics = metrics.clone();
            let mut opts = ConnectOptions::new(url.to_string());
            opts.max_connections(connections)
                .min_connections(1)
                .connect_timeout(Duration::from_secs(5))
                .acquire_timeout(Duration::from_secs(10))
                .sqlx_logging(false);
            if sqlite {
                // a SQLite connection is a file in this process: it cannot have gone away, so
                // pinging it before each use (a round trip to its thread) buys nothing
                opts.test_before_acquire(false);
            } else {
                // sqlx pings every connection as it goes back to the pool; pinging it again as
                // it comes out is one more round trip per request (the orders page at one
                // connection spends it on every request). A connection back within the last
                // second answered that ping: only one idle for longer (a server restart, a
                // proxy's idle cut) is tried before use.
                opts.test_before_acquire_if_idle_for(Duration::from_secs(1));
            }
            opts
                // FULL: every commit reaches the disk before it returns, as PostgreSQL's does.
                // An acknowledged webhook must outlive a power cut, not only a crash of orderhub
                // (WH-2); WAL's NORMAL would leave the last commits in the OS's cache.
                .map_sqlx_sqlite_opts(|o| {
                    o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                        .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Full)
                        .busy_timeout(Duration::from_secs(10))
                        .foreign_keys(true)
                })
                .map_sqlx_postgres_opts(move |o| o.options(planner.iter().copied()));
            async move {
                let mut db = Database::connect(opts).await.map_err(|e| {
                    crate::error::Error::Internal(format!("cannot open the database: {e}"))
                })?;
                db.set_metric_callback(move |info| metrics.observe_db(info.elapsed, info.failed));
                Ok::<_, crate::error::Error>(db)
            }
        };
        // Prepared statements are planned for their values every time. After five runs
        // PostgreSQL may switch a statement to a generic plan, costed on the statistics of the
        // moment; on a young database (tables filling up within minutes) those say "nearly
        // empty" and the plan scans where it should probe an index. Our statements are simple,
        // so planning each run costs little: the backfill bench's store phase ran 1 530 orders/s
        // this way against 821/s without it.
        let custom_plans = &[("plan_cache_mode", "force_custom_plan")];
        let db = open(if sqlite { 8 } else { 16 }, custom_plans).await?;
        let writer = if sqlite {
            open(1, &[]).await?
        } else {
            db.clone()
        };
        // The webhook inbox's one statement is the exception: planning it cost as much as running
        // it, so its plan is made once per connection and kept. That plan must probe the indexes
        // whatever the statistics say (made on an empty table, a kept plan would scan it for
        // good), and the pool runs nothing else: scans are ruled out for it.
        let inbox = if sqlite {
            writer.clone()
        } else {
            let kept_index_plans = &[
                ("plan_cache_mode", "force_generic_plan"),
                ("enable_seqscan", "off"),
                ("enable_bitmapscan", "off"),
            ];
            open(inbox::PG_LANES as u32, kept_index_plans).await?
        };
        let pages = if sqlite {
            db.clone()
        } else {
            open(8, &[]).await?
        };
        Ok(Store {
            db,
            writer,
            inbox,
            pages,
            metrics,
            facts,
            outbox_wakeup: Arc::new(tokio::sync::Notify::new()),
            acks_waiting: Default::default(),
            inbox_applying: Default::default(),
            auth_epoch: Default::default(),
            page_plans: Default::default(),
        })
    }

    /// The process's metrics, which the store's statements count into.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// How many webhook deliveries wait for their commit right now. The inbox worker applies short
    /// runs while this is above zero, so acknowledgements do not wait long behind it for SQLite's
    /// single write lock.
    pub fn acks_waiting(&self) -> usize {
        self.acks_waiting.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Says that the inbox worker wants the writer until the guard drops. Acknowledgements and
    /// the inbox then take turns at SQLite's one writer, so a burst is applied while it is still
    /// being acknowledged instead of only after it.
    pub fn inbox_wants_writer(&self) -> WriterWanted {
        self.inbox_applying
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        WriterWanted(self.inbox_applying.clone())
    }

    /// Whether the inbox worker waits for the writer (see [`Store::inbox_wants_writer`]).
    pub fn inbox_waits_for_writer(&self) -> bool {
        self.inbox_applying
            .load(std::sync::atomic::Ordering::Relaxed)
            > 0
    }

    pub(crate) fn ack_counter(&self) -> Arc<std::sync::atomic::AtomicUsize> {
        self.acks_waiting.clone()
    }

    pub fn wake_outbox(&self) {
        self.outbox_wakeup.notify_one();
    }

    /// Resolves when a push was queued since the last call (see [`Store::wake_outbox`]).
    pub async fn outbox_woken(&self) {
        self.outbox_wakeup.notified().await
    }

    pub async fn migrate(&self) -> Result<()> {
        Migrator::up(&self.db, None).await?;
        statuses::seed_defaults(&self.db).await?;
        repairs::run(&self.writer).await?;
        Ok(())
    }

    /// Ready = reachable and no migration pending (`/readyz`).
    pub async fn ready(&self) -> Result<bool> {
        self.db.ping().await?;
        Ok(Migrator::get_pending_migrations(&self.db).await?.is_empty())
    }

    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// (open, idle) connections of the pool, for `/metrics`.
    pub fn pool_stats(&self) -> Option<(u32, usize)> {
        match self.backend() {
            DbBackend::Sqlite => {
                let p = self.db.get_sqlite_connection_pool();
                Some((p.size(), p.num_idle()))
            }
            DbBackend::Postgres => {
                let p = self.db.get_postgres_connection_pool();
                Some((p.size(), p.num_idle()))
            }
            _ => None,
        }
    }

    /// SQLite's journal mode (`wal` when opened by `connect`); `None` on PostgreSQL.
    pub async fn sqlite_journal_mode(&self) -> Result<Option<String>> {
        use sea_orm::ConnectionTrait;
        if self.backend() != DbBackend::Sqlite {
            return Ok(None);
        }
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA journal_mode",
            ))
            .await?;
        Ok(match row {
            Some(r) => Some(r.try_get_by_index::<String>(0)?),
            None => None,
        })
    }

    /// A write transaction. On SQLite it takes the write lock at BEGIN (IMMEDIATE): a deferred
    /// transaction that reads first and writes later fails with SQLITE_BUSY_SNAPSHOT when another
    /// connection committed in between, and busy_timeout cannot help with that.
    pub(crate) async fn write_txn(&self) -> Result<sea_orm::DatabaseTransaction> {
        use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
        let options = TransactionOptions {
            sqlite_transaction_mode: (self.backend() == DbBackend::Sqlite)
                .then_some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        Ok(self.writer.begin_with_options(options).await?)
    }

    pub async fn close(self) {
        if self.backend() == DbBackend::Sqlite {
            let _ = self.writer.close().await;
        } else {
            let _ = self.inbox.close().await;
            let _ = self.pages.close().await;
        }
        let _ = self.db.close().await;
    }
}

/// `LIKE` pattern for a user's search text, with the wildcards they typed escaped.
pub(crate) fn like_pattern(text: &str) -> String {
    let escaped = text
        .trim()
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}
