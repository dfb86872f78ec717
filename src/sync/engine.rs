//! One sync run of one source: lease → run row → platform client → one transaction per page →
//! cursor. Platform faults never lose or duplicate an order: transient errors are retried inside
//! the client, the cursor moves only past what was stored, and rejected credentials pause the
//! source (SRC-6). Never a transaction across an HTTP call.

use crate::domain::auth::SourceScope;
use crate::domain::credentials::Credentials;
use crate::domain::{OrderId, Platform, SourceId};
use crate::error::{Error, Result};
use crate::platforms::http::HttpPolicy;
use crate::platforms::{client_for, FetchedOrders, PlatformClient, PlatformError, SourceConfig};
use crate::secrets::SecretKey;
use crate::store::orders::Actor;
use crate::store::rows::{OrderRow, SourceRow, SyncRunRow};
use crate::store::sync::RunEnd;
use crate::store::Store;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::sync::Arc;
use tracing::Instrument;

/// IMP-1: the backfill reaches this far back.
pub const BACKFILL_DAYS: i64 = 60;
/// Orders are stored in transactions of this many.
const PAGE: usize = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunKind {
    /// The one-time import after a source is created (IMP-1).
    Backfill,
    /// The scheduled re-read (SYNC-1).
    Poll,
    /// `syncSource` (SYNC-4).
    Manual,
}

impl RunKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RunKind::Backfill => "backfill",
            RunKind::Poll => "poll",
            RunKind::Manual => "manual_source",
        }
    }
}

#[derive(Clone)]
pub struct SyncEngine {
    pub store: Store,
    key: SecretKey,
    http: HttpPolicy,
    /// This instance's name in leases.
    instance: String,
    /// Re-read this much before the cursor, so nothing on the boundary is missed.
    overlap: Duration,
    /// How often polled sources are re-read (`ORDERHUB_POLL_INTERVAL`).
    poll_interval: std::time::Duration,
    /// Concurrency and lease time of scheduled runs.
    schedule: super::scheduler::SchedulePolicy,
    /// Runs started by this instance, numbering their lease holders.
    runs: Arc<std::sync::atomic::AtomicU64>,
    /// Where platforms reach this instance (`ORDERHUB_PUBLIC_URL`), for webhook subscriptions.
    public_url: Option<String>,
    outbox: super::outbox::OutboxPolicy,
    /// One client per source, shared by its polls, pushes and listing syncs: one login (Rozetka's
    /// 24 h token, Cartum's session), one connection pool, and one pace for the platform's rate
    /// limit. Rebuilt when what it was built from changes (credentials, URL, settings).
    clients: Arc<std::sync::Mutex<HashMap<i64, CachedClient>>>,
}

struct CachedClient {
    built_from: u64,
    client: Arc<dyn PlatformClient>,
}

/// What a source's client is built from.
fn client_fingerprint(src: &SourceRow) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (
        &src.platform,
        &src.base_url,
        &src.credentials_enc,
        &src.language,
        src.settings.to_string(),
    )
        .hash(&mut h);
    h.finish()
}

impl SyncEngine {
    pub fn new(store: Store, key: SecretKey, http: HttpPolicy) -> Self {
        let instance = format!("{}-{:08x}", std::process::id(), rand::random::<u32>());
        SyncEngine {
            store,
            key,
            http,
            instance,
            overlap: Duration::minutes(15),
            poll_interval: crate::config::DEFAULT_POLL_INTERVAL,
            schedule: Default::default(),
            runs: Default::default(),
            public_url: None,
            outbox: Default::default(),
            clients: Default::default(),
        }
    }

    /// The schedule this instance takes part in: the poll interval, its concurrency and leases.
    pub fn with_schedule(
        mut self,
        poll_interval: std::time::Duration,
        policy: super::scheduler::SchedulePolicy,
    ) -> Self {
        self.poll_interval = poll_interval;
        self.schedule = policy;
        self
    }

    pub fn schedule(&self) -> &super::scheduler::SchedulePolicy {
        &self.schedule
    }

    /// How often polled sources are re-read (`ORDERHUB_POLL_INTERVAL`).
    pub fn poll_interval(&self) -> std::time::Duration {
        self.poll_interval
    }

    /// When a lease taken or renewed now ends.
    pub fn lease_until(&self) -> DateTime<Utc> {
        crate::store::now()
            + Duration::from_std(self.schedule.lease).unwrap_or(Duration::seconds(30))
    }

    /// The lease of one run of a source. Its holder names the run, not only the instance: a run
    /// whose lease lapsed and was taken by a later run, even one of this instance, can no
    /// longer renew it, so it stops instead of syncing beside the new one.
    fn run_lease(&self, source_id: SourceId) -> RunLease {
        let n = self.runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        RunLease {
            name: sync_lease(source_id),
            holder: format!("{}#{n}", self.instance),
        }
    }

    pub fn with_outbox_policy(mut self, policy: super::outbox::OutboxPolicy) -> Self {
        self.outbox = policy;
        self
    }

    pub fn outbox_policy(&self) -> &super::outbox::OutboxPolicy {
        &self.outbox
    }

    pub fn with_public_url(mut self, url: Option<String>) -> Self {
        self.public_url = url.map(|u| u.trim_end_matches('/').to_string());
        self
    }

    /// Self-healing subscriptions (WH-6): makes sure the platform sends this source's orders to
    /// us, re-creating or re-activating subscriptions it dropped. What happened is written on the
    /// source's feed; a re-created subscription means deliveries were lost, and the caller's
    /// reconciliation run reads the gap back by REST.
    pub async fn ensure_webhooks(&self, source_id: SourceId) -> bool {
        let Ok(Some(src)) = self.store.source_row(source_id).await else {
            return false;
        };
        let Ok(platform) = src.platform.parse::<Platform>() else {
            return false;
        };
        let Some(webhooks) = crate::platforms::descriptor(platform).webhooks() else {
            return false;
        };
        let topics = webhooks.topics;
        let Some(public) = &self.public_url else {
            let message = format!(
                "Subscribe the shop's webhooks by hand (ORDERHUB_PUBLIC_URL is not set): deliver {} to <orderhub URL>/webhooks/{platform}/{}",
                topics.join(", "),
                src.id
            );
            let _ = self
                .store
                .add_source_event(source_id, "webhooks_manual", &message)
                .await;
            return false;
        };
        let address = format!("{public}/webhooks/{platform}/{}", src.id);
        let result = match self.client(&src) {
            Ok(client) => client
                .ensure_webhooks(&address, topics)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.public_message()),
        };
        match result {
            Ok(created) if created.is_empty() => false,
            Ok(created) => {
                // WooCommerce's disabled webhooks are re-activated, not re-created
                let message = format!(
                    "Webhook subscriptions created or re-activated for {}",
                    created.join(", ")
                );
                let _ = self
                    .store
                    .add_source_event(source_id, "webhooks_subscribed", &message)
                    .await;
                true
            }
            Err(e) => {
                let message = format!("Could not check the webhook subscriptions: {e}");
                let _ = self
                    .store
                    .add_source_event(source_id, "webhooks_error", &message)
                    .await;
                false
            }
        }
    }

    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// The key credentials are encrypted with, for the source service.
    pub(super) fn key(&self) -> &SecretKey {
        &self.key
    }

    /// A client for credentials that are not stored yet (SRC-2 on create).
    pub fn client_for_new(
        &self,
        platform: Platform,
        base_url: String,
        credentials: Credentials,
        language: Option<String>,
        settings: serde_json::Value,
    ) -> Result<Arc<dyn PlatformClient>> {
        let config = SourceConfig {
            source_id: SourceId(0),
            platform,
            base_url,
            credentials,
            language,
            settings,
            http: self.http.clone(),
        };
        client_for(config).map_err(|e| platform_error(platform, e))
    }

    /// The client of a stored source (credentials decrypted here, never kept elsewhere).
    pub fn client_of(&self, src: &SourceRow) -> Result<Arc<dyn PlatformClient>> {
        self.client(src)
    }

    fn client(&self, src: &SourceRow) -> Result<Arc<dyn PlatformClient>> {
        let built_from = client_fingerprint(src);
        // building is synchronous and quick: holding the lock meanwhile lets one client serve all
        let mut clients = self.clients.lock().expect("client cache");
        if let Some(c) = clients.get(&src.id).filter(|c| c.built_from == built_from) {
            return Ok(c.client.clone());
        }
        let client = self.new_client(src)?;
        clients.insert(
            src.id,
            CachedClient {
                built_from,
                client: client.clone(),
            },
        );
        Ok(client)
    }

    /// Drops a deleted source's client (its connection pool and session) from the cache.
    pub fn forget_client(&self, source_id: SourceId) {
        self.clients
            .lock()
            .expect("client cache")
            .remove(&source_id.0);
    }

    /// How many platform clients this instance keeps (one per source it has worked on).
    pub fn cached_clients(&self) -> usize {
        self.clients.lock().expect("client cache").len()
    }

    fn new_client(&self, src: &SourceRow) -> Result<Arc<dyn PlatformClient>> {
        let platform: Platform = src
            .platform
            .parse()
            .map_err(|_| Error::Internal("unknown platform".into()))?;
        let credentials = self
            .key
            .decrypt_credentials(&src.credentials_enc)
            .map_err(Error::Internal)?;
        let base_url = src
            .base_url
            .clone()
            .or_else(|| {
                crate::platforms::descriptor(platform)
                    .production_base_url()
                    .map(str::to_string)
            })
            .ok_or_else(|| Error::bad_input("baseUrl", "the source has no base URL"))?;
        let config = SourceConfig {
            source_id: SourceId(src.id),
            platform,
            base_url,
            credentials,
            language: src.language.clone(),
            settings: src.settings.clone(),
            http: self.http.clone(),
        };
        client_for(config).map_err(|e| platform_error(platform, e))
    }

    /// Runs one sync of a source now (a backfill, `syncSource`, or a test's poll). `Ok(None)` when
    /// another run holds the source's lease or the source is not to be polled (disabled, deleted,
    /// needs re-authorization). While it runs the source is not due; its end sets the next due
    /// time, so a manual sync moves the schedule too.
    pub async fn run(&self, source_id: SourceId, kind: RunKind) -> Result<Option<SyncRunRow>> {
        let until = self.lease_until();
        let lease = self.run_lease(source_id);
        if !self
            .store
            .try_acquire_lease_until(&lease.name, &lease.holder, until)
            .await?
        {
            tracing::debug!(
                source_id = source_id.0,
                "another run is syncing this source"
            );
            return Ok(None);
        }
        let src = match self.store.set_next_due(source_id, Some(until)).await {
            Ok(()) => self.store.source_row(source_id).await,
            Err(e) => Err(e),
        };
        match src {
            Ok(Some(src)) if src.enabled && !src.needs_reauth => {
                // `syncSource` on Shopify or WooCommerce is the WH-6 reconciliation, now:
                // subscriptions checked, then the orders updated since the last run re-read
                let (_, webhook) = super::scheduler::run_kind(&src.platform, true);
                let reconcile = webhook && kind == RunKind::Manual;
                self.run_holding(src, kind, reconcile, &lease, None).await
            }
            other => {
                let _ = self.store.release_lease(&lease.name, &lease.holder).await;
                other.map(|_| None)
            }
        }
    }

    /// Claims up to `limit` due sources for this instance's schedule and starts their runs (see
    /// [`crate::store::Store::claim_due_sources`]); their leases end with the claim, one lease
    /// time from now, so when an instance dies both end together.
    pub async fn claim_due(&self, limit: u64) -> Result<crate::store::sources::Claim> {
        let n = self.runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let prefix = format!("{}#{n}:", self.instance);
        self.store
            .claim_due_sources(limit, self.lease_until(), &prefix)
            .await
    }

    /// The scheduled run of a source this instance claimed (its due time moved one lease ahead,
    /// its lease taken and its run started by the claim). `Ok(None)` when another run held the
    /// lease (a `syncSource` that started meanwhile).
    pub async fn run_claimed(
        &self,
        claimed: &crate::store::sources::ClaimedSource,
    ) -> Result<Option<SyncRunRow>> {
        let Some(run) = claimed.run.clone() else {
            tracing::debug!(
                source_id = claimed.source.id,
                "another run is syncing this source"
            );
            return Ok(None);
        };
        let lease = RunLease {
            name: sync_lease(SourceId(claimed.source.id)),
            holder: claimed.holder.clone(),
        };
        let (kind, reconcile) = super::scheduler::run_kind(
            &claimed.source.platform,
            claimed.source.backfill_done_at.is_some(),
        );
        self.run_holding(claimed.source.clone(), kind, reconcile, &lease, Some(run))
            .await
    }

    /// A run under the source's lease (its row already started by a claim, or started here). Its
    /// end releases the lease and sets the next due time in the statement that writes the run;
    /// a run that fails before that (a panic, a database error) does both here. A Shopify or
    /// WooCommerce source being reconciled gets its subscriptions checked first (WH-6).
    async fn run_holding(
        &self,
        src: SourceRow,
        kind: RunKind,
        reconcile: bool,
        lease: &RunLease,
        started: Option<SyncRunRow>,
    ) -> Result<Option<SyncRunRow>> {
        let source_id = SourceId(src.id);
        let interval = super::scheduler::interval_of_source(&src, self.poll_interval);
        let (lost_tx, lost) = tokio::sync::watch::channel(false);
        // a panic inside one source's run fails that run (recorded on it and on the source);
        // the scheduler and the other sources go on
        let work = async {
            if reconcile && self.public_url.is_some() {
                self.ensure_webhooks(source_id).await;
            }
            let span = tracing::info_span!("sync", source_id = src.id, platform = %src.platform, kind = kind.as_str());
            self.run_source(src, kind, lease, lost.clone(), started, interval)
                .instrument(span)
                .await
        };
        // the heartbeat lives as long as the work: one task, so an instance that dies stops both
        let finished = tokio::select! {
            r = crate::sync::supervisor::isolate(work) => r,
            never = self.heartbeat(source_id, lease, lost_tx) => match never {},
        };
        let result = match finished {
            // its end released the lease and set the next due time
            Ok(Ok(run)) => return Ok(Some(run)),
            Ok(Err(e)) => Err(e),
            Err(panic) => {
                tracing::error!(source_id = source_id.0, error = %panic, "a sync run panicked");
                self.store
                    .fail_running_sync_runs(source_id, &panic)
                    .await
                    .and(self.store.record_sync_error(source_id, &panic).await)
                    .and(Err(Error::Internal(panic)))
            }
        };
        // due again one interval after this end, whatever the outcome (a failed run is retried
        // on the schedule, not at once); a run that lost its lease leaves that to its new holder
        if !*lost.borrow() {
            let next = super::scheduler::next_due(crate::store::now(), interval, rand::random());
            if let Err(e) = self.store.set_next_due(source_id, Some(next)).await {
                tracing::warn!(source_id = source_id.0, error = %e, "could not set the next due time; the source is due again when its lease ends");
            }
        }
        if let Err(e) = self.store.release_lease(&lease.name, &lease.holder).await {
            tracing::warn!(source_id = source_id.0, error = %e, "could not release a sync lease; it will expire");
        }
        result
    }

    /// Keeps a run's lease and the source's due time one lease ahead, renewing them every third
    /// of the lease time. When the lease is no longer this instance's (it expired and another
    /// run took it), or could not be renewed for a whole lease time, `lost` turns true and the
    /// run stops without moving the cursor. Never ends by itself.
    async fn heartbeat(
        &self,
        source_id: SourceId,
        lease: &RunLease,
        lost: tokio::sync::watch::Sender<bool>,
    ) -> std::convert::Infallible {
        let every = (self.schedule.lease / 3).max(std::time::Duration::from_millis(10));
        let mut renewed = std::time::Instant::now();
        loop {
            tokio::time::sleep(every).await;
            let kept = self
                .store
                .renew_run_lease(&lease.name, &lease.holder, source_id, self.lease_until())
                .await;
            match kept {
                Ok(true) => renewed = std::time::Instant::now(),
                Ok(false) => break,
                Err(e) if renewed.elapsed() >= self.schedule.lease => {
                    tracing::warn!(source_id = source_id.0, error = %e, "could not renew a sync lease for a whole lease time; the run stops");
                    break;
                }
                Err(e) => {
                    tracing::warn!(source_id = source_id.0, error = %e, "could not renew a sync lease; trying again")
                }
            }
        }
        tracing::warn!(
            source_id = source_id.0,
            "this instance lost the source's lease; the run stops"
        );
        lost.send_replace(true);
        std::future::pending().await
    }

    /// The run itself, from its row (`started`, or a new one) to its end, which is written with
    /// the source's cursor, error and next due time and the lease's release in one statement
    /// ([`crate::store::Store::end_sync_run`]). `Err` only when that end was not written.
    async fn run_source(
        &self,
        src: SourceRow,
        kind: RunKind,
        lease: &RunLease,
        lost: tokio::sync::watch::Receiver<bool>,
        started: Option<SyncRunRow>,
        interval: std::time::Duration,
    ) -> Result<SyncRunRow> {
        let source_id = SourceId(src.id);
        let run = match started {
            Some(run) => run,
            None => {
                // this run holds the source's lease: a run still shown running was left by an
                // instance that stopped (a kill, a lost machine) and will never finish (a
                // claim does this itself)
                if let Err(e) = self.store.fail_abandoned_sync_runs(source_id).await {
                    tracing::warn!(source_id = src.id, error = %e, "cannot close abandoned sync runs");
                }
                self.store
                    .start_sync_run(source_id, kind.as_str(), src.sync_cursor.clone())
                    .await?
            }
        };
        let run_id = run.id;
        let result = self
            .run_started(src, kind, lease, lost, run, interval)
            .await;
        if let Err(e) = &result {
            // its end was not written (a database error): the run is failed with that error
            // now, not shown running until the source's next run calls it abandoned
            if let Err(e2) = self
                .store
                .fail_sync_run(crate::domain::SyncRunId(run_id), &e.public_message())
                .await
            {
                tracing::warn!(source_id = source_id.0, error = %e2, "cannot mark a sync run failed");
            }
        }
        result
    }

    /// [`SyncEngine::run_source`] once the run's row exists.
    async fn run_started(
        &self,
        src: SourceRow,
        kind: RunKind,
        lease: &RunLease,
        mut lost: tokio::sync::watch::Receiver<bool>,
        mut run: SyncRunRow,
        interval: std::time::Duration,
    ) -> Result<SyncRunRow> {
        let source_id = SourceId(src.id);
        let started = crate::store::now();
        let backfill = kind == RunKind::Backfill || src.backfill_done_at.is_none();
        let platform: Platform = src
            .platform
            .parse()
            .map_err(|_| Error::Internal("unknown platform".into()))?;
        let fetched = match self.client(&src) {
            Ok(client) => {
                // a run that lost its lease stops waiting for the platform at once
                let result = tokio::select! {
                    r = self.fetch(client.as_ref(), &src, backfill, started) => r,
                    _ = lost.wait_for(|lost| *lost) => Err(FetchFailed::quiet(lease_lost())),
                };
                // e.g. Shopify's 60-day window without read_all_orders: said, not hidden (the
                // client outlives the run: only a backfill's own note is read)
                if backfill {
                    run.note = client.backfill_note();
                }
                result
            }
            Err(e) => Err(FetchFailed::quiet(e)),
        };
        let (mut cursor, mut source_error) = (None, None::<String>);
        match fetched {
            Ok(FetchedOrders { orders, unreadable }) => {
                run.orders_seen = (orders.len() + unreadable.len()) as i32;
                // an order the platform sent that cannot be read is skipped alone, with its
                // reason on the source's feed; the others are imported and the cursor moves
                for u in &unreadable {
                    tracing::warn!(external_id = u.external_id.as_deref().unwrap_or(""), reason = %u.reason, "order skipped: unreadable");
                    self.store
                        .add_source_event(source_id, "order_skipped", &u.to_string())
                        .await?;
                }
                run.orders_skipped += unreadable.len() as i32;
                let mut failed = None;
                for page in orders.chunks(PAGE) {
                    let skip_new_completed = !backfill
                        && crate::platforms::descriptor(platform).backfill_skips_completed();
                    let actor = Actor::Sync(crate::domain::SyncRunId(run.id));
                    match self
                        .store
                        .apply_orders_with(source_id, page, actor, skip_new_completed)
                        .await
                    {
                        Ok(c) => {
                            run.orders_created += c.created as i32;
                            run.orders_updated += c.updated as i32;
                            run.orders_skipped += c.skipped as i32;
                        }
                        Err(e) => {
                            failed = Some(e);
                            break;
                        }
                    }
                    // the heartbeat keeps the lease; a run that lost it stops
                    if *lost.borrow() {
                        failed = Some(lease_lost());
                        break;
                    }
                }
                match failed {
                    None => {
                        // moved by the run's end only if the lease is still this run's: the
                        // end checks it in the statement that moves the cursor
                        run.state = "succeeded".into();
                        run.cursor_after = Some(started.to_rfc3339());
                        cursor = Some(started.to_rfc3339());
                    }
                    Some(e) => {
                        run.state = "failed".into();
                        run.error_count += 1;
                        run.error = Some(e.public_message());
                        source_error = Some(e.public_message());
                    }
                }
            }
            Err(FetchFailed { error, source }) => {
                run.state = "failed".into();
                run.error_count += 1;
                run.error = Some(error.public_message());
                source_error = source;
                tracing::warn!(error = %error, "sync failed");
            }
        }
        let end = RunEnd {
            run,
            lease_name: lease.name.clone(),
            holder: lease.holder.clone(),
            backfilled: backfill,
            cursor,
            source_error,
            lost_message: lease_lost().public_message(),
            next_due: super::scheduler::next_due(crate::store::now(), interval, rand::random()),
        };
        let (run, ours) = self.store.end_sync_run(end).await?;
        if !ours {
            tracing::warn!(
                source_id = source_id.0,
                "the source's lease was another run's at this run's end: the cursor did not move"
            );
        }
        Ok(run)
    }

    /// The orders the platform sent since the cursor (or the backfill window). Rejected
    /// credentials mark the source `needsReauth` at once (SRC-6); another failure's text is for
    /// the source's last error, written with the run's end.
    async fn fetch(
        &self,
        client: &dyn PlatformClient,
        src: &SourceRow,
        backfill: bool,
        started: DateTime<Utc>,
    ) -> std::result::Result<FetchedOrders, FetchFailed> {
        let platform = src.platform.clone();
        let window_from = started - Duration::days(BACKFILL_DAYS);
        let result = if backfill {
            client.orders_created_since(window_from).await
        } else {
            let cursor = src
                .sync_cursor
                .as_deref()
                .and_then(|c| DateTime::parse_from_rfc3339(c).ok())
                .map(|c| c.with_timezone(&Utc))
                .unwrap_or(window_from);
            client
                .orders_changed_since(cursor - self.overlap, window_from)
                .await
        };
        match result {
            Ok(orders) => Ok(orders),
            Err(PlatformError::Unauthorized(message)) => {
                let text = format!("{platform} rejected the credentials: {message}");
                if let Err(e) = self.store.mark_needs_reauth(SourceId(src.id), &text).await {
                    return Err(FetchFailed::quiet(e));
                }
                Err(FetchFailed::quiet(Error::Platform {
                    platform,
                    message: format!("credentials rejected: {message}"),
                }))
            }
            Err(e) => {
                let text = e.to_string();
                Err(FetchFailed {
                    error: Error::Platform {
                        platform,
                        message: text.clone(),
                    },
                    source: Some(text),
                })
            }
        }
    }

    /// SYNC-4: re-reads one order now, at most once per 10 minutes per order.
    pub async fn sync_order(&self, scope: &SourceScope, id: OrderId) -> Result<OrderRow> {
        let order = self
            .store
            .order(scope, id)
            .await?
            .ok_or_else(|| Error::not_found("order"))?;
        let (Some(source_id), Some(external_id)) = (order.source_id, order.external_id.clone())
        else {
            return Err(Error::Conflict(
                "this order was created here; there is nothing to sync".into(),
            ));
        };
        let (src, platform) = self.store.source_and_platform(SourceId(source_id)).await?;
        if !crate::platforms::descriptor(platform).is_polled() {
            return Err(Error::Conflict(format!(
                "{platform} orders arrive by webhook; they are not synced by hand"
            )));
        }
        // the source's budget of calls is spent only on a sync the 10-minute rule lets through
        // (a repeated click is refused by the claim below without costing a call)
        if crate::domain::orders::manual_sync_allowed(
            order.last_manual_sync_at,
            crate::store::now(),
        )
        .is_ok()
        {
            self.spend_manual_call(&src).await?;
        }
        self.store.claim_manual_sync(id).await?;
        let client = self.client(&src)?;
        let fetched = client.fetch_order(&external_id).await;
        let remote = match fetched {
            Ok(Some(o)) => o,
            Ok(None) => {
                return Err(Error::Platform {
                    platform: src.platform,
                    message: "the order no longer exists".into(),
                })
            }
            Err(PlatformError::Unauthorized(m)) => {
                self.store
                    .mark_needs_reauth(SourceId(source_id), &m)
                    .await?;
                return Err(platform_error(platform, PlatformError::Unauthorized(m)));
            }
            Err(e) => return Err(platform_error(platform, e)),
        };
        let run = self
            .store
            .start_sync_run(SourceId(source_id), "manual_order", None)
            .await?;
        let counts = self
            .store
            .apply_orders(
                SourceId(source_id),
                &[remote],
                Actor::Sync(crate::domain::SyncRunId(run.id)),
            )
            .await?;
        let mut run = run;
        run.state = "succeeded".into();
        run.orders_seen = 1;
        run.orders_updated = counts.updated as i32;
        run.note = Some(format!("order {}", order.number));
        self.store.finish_sync_run(run).await?;
        self.store
            .order(scope, id)
            .await?
            .ok_or_else(|| Error::not_found("order"))
    }

    /// Shopify and WooCommerce sources whose reconciliation (WH-6) is due now: enabled, not
    /// waiting for new credentials, and past their next due time (or with none). The scheduler
    /// claims them with the polled sources ([`crate::store::Store::claim_due_sources`]); this
    /// only reads.
    pub async fn webhook_sources_due(&self) -> Result<Vec<SourceRow>> {
        let now = crate::store::now();
        Ok(self
            .store
            .sources(&SourceScope::All)
            .await?
            .into_iter()
            .filter(|s| s.enabled && !s.needs_reauth)
            .filter(|s| {
                s.platform
                    .parse::<Platform>()
                    .is_ok_and(|p| !crate::platforms::descriptor(p).is_polled())
            })
            .filter(|s| s.next_due_at.is_none_or(|t| t < now))
            .collect())
    }
}

/// Why a run's read of the platform failed: the error for the run, and the text for the
/// source's last error (`None`: nothing to write, or written already).
struct FetchFailed {
    error: Error,
    source: Option<String>,
}

impl FetchFailed {
    fn quiet(error: Error) -> Self {
        FetchFailed {
            error,
            source: None,
        }
    }
}

/// The sync lease of one run: the source's lease name and the run's holder name.
struct RunLease {
    name: String,
    holder: String,
}

/// A run stopped because its source's lease is another instance's now.
fn lease_lost() -> Error {
    Error::Conflict(
        "this instance's lease on the source expired and another instance took the sync over"
            .into(),
    )
}

/// The name of a source's sync lease: one run of the source at a time, across instances.
pub fn sync_lease(source_id: SourceId) -> String {
    format!("sync:source:{}", source_id.0)
}

/// A platform's answer as the API shows it (PLATFORM_ERROR, naming the platform's words).
pub fn platform_error(platform: Platform, e: PlatformError) -> Error {
    Error::Platform {
        platform: platform.to_string(),
        message: e.to_string(),
    }
}
