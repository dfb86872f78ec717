//! The webhook intake (WH-2, WH-3, WH-5): the worker that makes accepted deliveries durable. The
//! webhook route (`http::webhooks`) verifies a delivery, reads its keys and hands it to
//! [`InboxWriter::store`]; the answer comes once the delivery is committed to the inbox (or
//! recognised as a duplicate), and only then does the route acknowledge it. The inbox worker
//! ([`super::inbox`]) is woken for each commit that stored a new delivery.
//!
//! The writer is a supervised worker like the others ([`super::supervisor::supervise`], named
//! `intake`): if it ends unexpectedly, the deliveries waiting for it are answered with an error
//! (not acknowledged, so the platform sends them again), it is shown as down in `/metrics` and
//! `/readyz`, and it starts again on the same queue. It ends for good once no route can hand it a
//! delivery any more (the server is gone).

use crate::store::inbox::{InboxConnection, NewDelivery, Stored, PG_LANES};
use crate::store::Store;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use tokio::sync::{watch, Mutex, Notify};

/// Groups webhook deliveries into shared commits (WH-2): each handler hands its delivery over and
/// waits; the writer stores whatever has queued up (up to `MAX_BATCH`) in one transaction, then
/// answers every waiting handler. A delivery is acknowledged only after its commit.
///
/// On PostgreSQL up to [`PG_LANES`] batches are in flight at once: while one waits for its WAL
/// flush the next is sent and written (and commits that meet share a flush). A batch takes
/// what queued up while the others were being written, so batches stay large under load and a lone
/// delivery is written at once. A delivery whose order, webhook id or event id is in a batch still
/// in flight waits for that batch: duplicates are then seen by the lookup, and one order's
/// deliveries are stored in their order of arrival (WH-3, WH-5). SQLite has one writer: one lane.
///
/// A lane keeps its database connection from batch to batch while deliveries keep coming, and
/// gives it back when none wait, when the inbox worker waits for it, or after [`HOLD_CONNECTION`]
/// (on SQLite the connection is the one writer's, which the inbox worker and the syncs wait for).
#[derive(Clone)]
pub struct InboxWriter {
    tx: tokio::sync::mpsc::Sender<Queued>,
    waiting: Arc<std::sync::atomic::AtomicUsize>,
}

type Queued = (
    NewDelivery,
    tokio::sync::oneshot::Sender<crate::Result<Stored>>,
);

const MAX_BATCH: usize = 256;

/// The longest a lane keeps its connection while deliveries keep coming.
const HOLD_CONNECTION: std::time::Duration = std::time::Duration::from_millis(100);

/// How long a lane keeps the connection while the inbox worker waits for it: acknowledgements
/// stay fast during a burst, and the burst is applied while it arrives, not only after it.
const INBOX_TURN: std::time::Duration = std::time::Duration::from_millis(10);

impl InboxWriter {
    /// Starts the writer's task under supervision (worker `intake`, restarted by `policy`);
    /// `wakeup` wakes the inbox worker when a commit stored a new delivery.
    pub fn start(
        store: Store,
        wakeup: Arc<Notify>,
        metrics: Arc<crate::metrics::Metrics>,
        policy: super::supervisor::RestartPolicy,
    ) -> InboxWriter {
        Self::start_with(store, wakeup, metrics, policy, Arc::default())
    }

    fn start_with(
        store: Store,
        wakeup: Arc<Notify>,
        metrics: Arc<crate::metrics::Metrics>,
        policy: super::supervisor::RestartPolicy,
        crash: Arc<CrashHook>,
    ) -> InboxWriter {
        let waiting = store.ack_counter();
        let lanes = match store.backend() {
            sea_orm::DbBackend::Postgres => PG_LANES,
            _ => 1,
        };
        let (tx, rx) = tokio::sync::mpsc::channel::<Queued>(4 * MAX_BATCH);
        // the queue outlives a writer that panicked: the next start takes it up
        let rx = Arc::new(Mutex::new(rx));
        // set by the writer itself when its queue is closed: then it is not started again
        let (closed_tx, closed_rx) = watch::channel(false);
        let closed_tx = Arc::new(closed_tx);
        tokio::spawn(super::supervisor::supervise(
            "intake",
            metrics,
            policy,
            closed_rx,
            move || {
                write_batches(
                    store.clone(),
                    wakeup.clone(),
                    rx.clone(),
                    lanes,
                    closed_tx.clone(),
                    crash.clone(),
                )
            },
        ));
        InboxWriter { tx, waiting }
    }

    /// Stores one delivery with the next commit.
    pub async fn store(&self, d: NewDelivery) -> crate::Result<Stored> {
        use std::sync::atomic::Ordering::Relaxed;
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.waiting.fetch_add(1, Relaxed);
        let answer = async {
            self.tx
                .send((d, tx))
                .await
                .map_err(|_| crate::Error::Internal("the inbox writer stopped".into()))?;
            rx.await
                .map_err(|_| crate::Error::Internal("the inbox writer stopped".into()))?
        }
        .await;
        self.waiting.fetch_sub(1, Relaxed);
        answer
    }
}

/// What two deliveries must not be written by concurrent batches for: the same order, webhook id
/// or event id of a source.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Key {
    Order(i64, String),
    Webhook(i64, String),
    Event(i64, String),
}

fn keys(d: &NewDelivery) -> impl Iterator<Item = Key> + '_ {
    let s = d.source_id.0;
    let order = d.external_order_id.clone().map(|o| Key::Order(s, o));
    let webhook = d.webhook_id.clone().map(|w| Key::Webhook(s, w));
    let event = d.event_id.clone().map(|e| Key::Event(s, e));
    order.into_iter().chain(webhook).chain(event)
}

/// The next batch from `waiting`, in order of arrival, leaving behind (in order) every delivery
/// that shares a key with a batch in flight (`busy`) or with a delivery left behind before it.
fn next_batch(waiting: &mut VecDeque<Queued>, busy: &HashSet<Key>) -> Vec<Queued> {
    let mut batch = vec![];
    let mut held: HashSet<Key> = HashSet::new();
    let mut kept = VecDeque::new();
    while let Some(q) = waiting.pop_front() {
        let blocked = keys(&q.0).any(|k| busy.contains(&k) || held.contains(&k));
        if blocked || batch.len() >= MAX_BATCH {
            held.extend(keys(&q.0));
            kept.push_back(q);
        } else {
            batch.push(q);
        }
    }
    *waiting = kept;
    batch
}

/// A test's way to make the writer panic once, on its next turn (unit tests only).
#[derive(Default)]
struct CrashHook {
    #[cfg(test)]
    next: std::sync::atomic::AtomicBool,
}

impl CrashHook {
    fn check(&self) {
        #[cfg(test)]
        if self.next.swap(false, std::sync::atomic::Ordering::SeqCst) {
            panic!("the intake broke (a test)");
        }
    }
}

async fn write_batches(
    store: Store,
    wakeup: Arc<Notify>,
    rx: Arc<Mutex<tokio::sync::mpsc::Receiver<Queued>>>,
    lanes: usize,
    closed: Arc<watch::Sender<bool>>,
    crash: Arc<CrashHook>,
) {
    let mut rx = rx.lock().await;
    let mut waiting: VecDeque<Queued> = VecDeque::new();
    let mut busy: HashSet<Key> = HashSet::new();
    // the keys each batch in flight holds, by its task (a task that panicked still gives them back)
    let mut held: HashMap<tokio::task::Id, Vec<Key>> = HashMap::new();
    let mut flying: tokio::task::JoinSet<Option<InboxConnection>> = tokio::task::JoinSet::new();
    // connections of lanes between two batches
    let mut idle: Vec<InboxConnection> = vec![];
    let mut open = true;
    loop {
        crash.check();
        while waiting.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(q) => waiting.push_back(q),
                Err(_) => break,
            }
        }
        if flying.len() < lanes {
            let batch = next_batch(&mut waiting, &busy);
            if !batch.is_empty() {
                let keys: Vec<Key> = batch.iter().flat_map(|(d, _)| keys(d)).collect();
                busy.extend(keys.iter().cloned());
                let task = flying.spawn(write_batch(
                    store.clone(),
                    wakeup.clone(),
                    idle.pop(),
                    batch,
                ));
                held.insert(task.id(), keys);
                continue;
            }
        }
        if waiting.is_empty() {
            idle.clear();
        }
        if !open && flying.is_empty() {
            closed.send_replace(true);
            break;
        }
        tokio::select! {
            Some(done) = flying.join_next_with_id(), if !flying.is_empty() => {
                let (id, conn) = match done {
                    Ok((id, conn)) => (id, conn),
                    Err(e) => (e.id(), None),
                };
                for k in held.remove(&id).unwrap_or_default() {
                    busy.remove(&k);
                }
                // kept for the next batch unless held long enough, or for a turn while the inbox
                // worker waits
                idle.extend(conn.filter(|c| {
                    c.held() < HOLD_CONNECTION
                        && !(c.held() >= INBOX_TURN && store.inbox_waits_for_writer())
                }));
            }
            q = rx.recv(), if open && flying.len() < lanes && waiting.len() < MAX_BATCH => match q {
                Some(q) => waiting.push_back(q),
                None => open = false,
            },
        }
    }
}

/// Writes one batch, wakes the inbox worker when it stored a new delivery, and answers its
/// handlers; gives back the connection, unless it failed.
async fn write_batch(
    store: Store,
    wakeup: Arc<Notify>,
    conn: Option<InboxConnection>,
    batch: Vec<Queued>,
) -> Option<InboxConnection> {
    let (deliveries, waiters): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
    let conn = match conn {
        Some(c) => Ok(c),
        None => store.inbox_connection().await,
    };
    let (stored, conn) = match conn {
        Ok(mut c) => (store.store_deliveries_on(&mut c, deliveries).await, Some(c)),
        Err(e) => (Err(e), None),
    };
    match stored {
        Ok(answers) => {
            if answers.iter().any(|a| matches!(a, Stored::New)) {
                wakeup.notify_one();
            }
            for (w, a) in waiters.into_iter().zip(answers) {
                let _ = w.send(Ok(a));
            }
            conn
        }
        Err(e) => {
            let message = e.to_string();
            for w in waiters {
                let _ = w.send(Err(crate::Error::Internal(message.clone())));
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SourceId;

    fn delivery(order: &str, webhook: &str) -> Queued {
        let d = NewDelivery {
            source_id: SourceId(1),
            platform: "shopify".into(),
            topic: Some("orders/updated".into()),
            webhook_id: Some(webhook.into()),
            event_id: None,
            external_order_id: Some(order.into()),
            platform_updated_at: None,
            headers: serde_json::json!({}),
            body: vec![],
            state: "pending",
            last_error: None,
        };
        (d, tokio::sync::oneshot::channel().0)
    }

    /// Deliveries `(order, webhook id)` waiting in this order.
    fn queue(items: &[(&str, &str)]) -> VecDeque<Queued> {
        items.iter().map(|(o, w)| delivery(o, w)).collect()
    }

    fn webhooks(batch: &[Queued]) -> Vec<String> {
        batch
            .iter()
            .filter_map(|(d, _)| d.webhook_id.clone())
            .collect()
    }

    /// WH-3, WH-5: a delivery for an order that a batch in flight holds waits, and so does every
    /// later delivery of that order, even one that would be free on its own keys; the rest go on.
    #[test]
    fn next_batch_defers_busy_orders_and_keeps_their_order() {
        let mut waiting = queue(&[("A", "w1"), ("B", "w2"), ("A", "w3"), ("C", "w4")]);
        let busy: HashSet<Key> = [Key::Order(1, "B".into())].into_iter().collect();
        let batch = next_batch(&mut waiting, &busy);
        assert_eq!(webhooks(&batch), ["w1", "w3", "w4"]);
        assert_eq!(webhooks(&Vec::from(std::mem::take(&mut waiting))), ["w2"]);

        // the same webhook id in flight holds its twin back, and a later delivery of the twin's
        // order with it: they are written after the first batch commits, so the lookup sees it
        let mut waiting = queue(&[("D", "w1"), ("D", "w9"), ("E", "w8")]);
        let busy: HashSet<Key> = [Key::Webhook(1, "w1".into())].into_iter().collect();
        let batch = next_batch(&mut waiting, &busy);
        assert_eq!(webhooks(&batch), ["w8"]);
        let rest = next_batch(&mut waiting, &HashSet::new());
        assert_eq!(webhooks(&rest), ["w1", "w9"]);
        assert!(waiting.is_empty());
    }

    /// WH-2 (issue 17): the writer is a supervised worker. A writer that panics answers the
    /// delivery it held with an error (not acknowledged), is shown as down and counted, and is
    /// started again on the same queue: the next delivery is stored, and `/readyz` is ready again.
    #[tokio::test]
    async fn a_writer_that_panics_is_started_again_on_the_same_queue() {
        use crate::metrics::Metrics;
        use crate::sync::supervisor::RestartPolicy;
        use std::time::{Duration, Instant};
        let dir = std::env::temp_dir().join(format!(
            "orderhub-intake-{}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.join("intake.db").display());
        let metrics = Arc::new(Metrics::default());
        let store = Store::connect(&url, metrics.clone(), crate::platforms::FACTS)
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let source = store
            .create_source(
                crate::domain::Platform::Shopify,
                crate::store::sources::SourceSettings {
                    name: Some("S".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let crash = Arc::new(CrashHook::default());
        let policy = RestartPolicy {
            first: Duration::from_millis(200),
            max: Duration::from_millis(200),
            healthy_after: Duration::from_secs(60),
        };
        let writer = InboxWriter::start_with(
            store.clone(),
            Arc::new(Notify::new()),
            metrics.clone(),
            policy,
            crash.clone(),
        );
        let deliver = |webhook: &str| {
            let (mut d, _) = delivery("A", webhook);
            d.source_id = SourceId(source.id);
            writer.store(d)
        };
        assert!(matches!(deliver("w1").await, Ok(Stored::New)));
        assert!(metrics
            .render(None)
            .contains("orderhub_worker_up{worker=\"intake\"} 1"));

        crash.next.store(true, std::sync::atomic::Ordering::SeqCst);
        let lost = deliver("w2").await;
        assert!(
            lost.is_err(),
            "a delivery the writer held is not acknowledged"
        );
        // the answer goes out as the writer unwinds; the supervisor sees it end just after
        let deadline = Instant::now() + Duration::from_secs(5);
        while metrics.workers_down().is_empty() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let down = metrics.workers_down();
        assert!(
            down.len() == 1 && down[0].contains("intake") && down[0].contains("the intake broke"),
            "{down:?}"
        );
        assert!(metrics
            .render(None)
            .contains("orderhub_worker_restarts_total{worker=\"intake\"} 1"));

        // started again after the policy's wait, on the same queue: the route's handle still works
        let began = Instant::now();
        let again = tokio::time::timeout(Duration::from_secs(10), deliver("w2"))
            .await
            .expect("the restarted writer answers");
        assert!(matches!(again, Ok(Stored::New)), "{again:?}");
        assert!(metrics.workers_down().is_empty());
        assert!(metrics
            .render(None)
            .contains("orderhub_worker_up{worker=\"intake\"} 1"));
        assert!(began.elapsed() < Duration::from_secs(10));
        assert!(matches!(deliver("w2").await, Ok(Stored::Duplicate)));

        // once no route can hand it a delivery, it ends for good and is no longer reported
        drop(writer);
        let deadline = Instant::now() + Duration::from_secs(5);
        while metrics.render(None).contains("worker=\"intake\"") && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(!metrics.render(None).contains("worker=\"intake\""));
        store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A batch holds at most MAX_BATCH deliveries; the rest wait in order of arrival.
    #[test]
    fn next_batch_is_bounded() {
        let mut waiting: VecDeque<Queued> = (0..MAX_BATCH + 3)
            .map(|i| delivery(&format!("o{i}"), &format!("w{i}")))
            .collect();
        let batch = next_batch(&mut waiting, &HashSet::new());
        assert_eq!(batch.len(), MAX_BATCH);
        assert_eq!(
            webhooks(&Vec::from(std::mem::take(&mut waiting))),
            [
                format!("w{}", MAX_BATCH),
                format!("w{}", MAX_BATCH + 1),
                format!("w{}", MAX_BATCH + 2)
            ]
        );
    }
}
