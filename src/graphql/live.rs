//! Live order events: `Subscription.orderEvents` over graphql-transport-ws (`GET /graphql/ws`).
//!
//! One tail per process reads the order events written after its cursor from the shared database
//! (so events written by any instance reach the subscribers of every instance) and fans them out
//! to the subscriptions; each subscription keeps the ones its user may see.

use super::guards::{parse_id, principal, state, GqlResult};
use super::types::OrderEvent;
use crate::domain::auth::Principal;
use crate::domain::SourceId;
use crate::store::rows::OrderEventRow;
use crate::store::Store;
use crate::Error;
use async_graphql::{Context, ErrorExtensions, Subscription, ID};
use futures_util::Stream;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// How often the tail reads the database while anyone is subscribed.
const POLL: Duration = Duration::from_millis(250);
/// Events read per statement.
const BATCH: u64 = 500;
/// How long an id skipped over is still waited for (its transaction may commit late, or never:
/// a rolled-back insert burns its id on PostgreSQL).
const GAP_TTL: Duration = Duration::from_secs(30);
/// Skipped ids remembered at most, and asked for again per statement.
const MAX_GAPS: usize = 10_000;
const GAPS_PER_READ: usize = 1_000;
/// Events buffered per subscriber; one that falls further behind is told how many it missed.
const BUFFER: usize = 4_096;
/// A subscriber's token is checked again this often (by default): a removed user or a withdrawn
/// source stops reaching it.
pub const RECHECK: Duration = Duration::from_secs(10);

/// Which ids of an id-ordered table a reader has seen. Ids are handed out before commit, so on
/// PostgreSQL a later id can be visible before an earlier one: an id stepped over is remembered
/// for a while and asked for again, and delivered once when it shows up.
#[derive(Debug)]
pub struct Tail {
    cursor: i64,
    gaps: BTreeMap<i64, Instant>,
}

impl Tail {
    pub fn new(cursor: i64) -> Tail {
        Tail {
            cursor,
            gaps: BTreeMap::new(),
        }
    }

    pub fn cursor(&self) -> i64 {
        self.cursor
    }

    /// The skipped ids to ask for again (the newest ones, when there are many).
    pub fn gaps(&self) -> Vec<i64> {
        self.gaps
            .keys()
            .rev()
            .take(GAPS_PER_READ)
            .copied()
            .collect()
    }

    /// Takes one id read (a read hands them in ascending order); `true` the first time it is seen.
    pub fn take(&mut self, id: i64, now: Instant) -> bool {
        if id > self.cursor {
            let from = (self.cursor + 1).max(id - MAX_GAPS as i64);
            for missing in from..id {
                self.gaps.insert(missing, now);
            }
            while self.gaps.len() > MAX_GAPS {
                self.gaps.pop_first();
            }
            self.cursor = id;
            true
        } else {
            self.gaps.remove(&id).is_some()
        }
    }

    /// Forgets skipped ids waited for longer than [`GAP_TTL`].
    pub fn expire(&mut self, now: Instant) {
        self.gaps
            .retain(|_, since| now.duration_since(*since) < GAP_TTL);
    }
}

/// One event as the tail read it, with the source of its order (for access checks).
#[derive(Debug)]
pub struct LiveEvent {
    pub event: OrderEventRow,
    pub source_id: i64,
}

/// The process's fan-out of order events to its subscriptions.
#[derive(Clone)]
pub struct OrderEventFeed {
    tx: broadcast::Sender<Arc<LiveEvent>>,
    /// Where an idle tail starts: the newest event id when its first subscriber came (the
    /// lowest, when several came at once).
    start: Arc<std::sync::Mutex<Option<i64>>>,
    /// How often a subscription checks its token again.
    recheck: Duration,
}

impl Default for OrderEventFeed {
    fn default() -> Self {
        OrderEventFeed::new(RECHECK)
    }
}

impl OrderEventFeed {
    pub fn new(recheck: Duration) -> Self {
        OrderEventFeed {
            tx: broadcast::channel(BUFFER).0,
            start: Default::default(),
            recheck,
        }
    }

    /// A receiver of every event written after this call.
    pub async fn subscribe(
        &self,
        store: &Store,
    ) -> crate::Result<broadcast::Receiver<Arc<LiveEvent>>> {
        let rx = self.tx.subscribe();
        let newest = store.last_order_event_id().await?;
        let mut start = self.start.lock().expect("feed start");
        *start = Some(start.map_or(newest, |s| s.min(newest)));
        Ok(rx)
    }

    fn take_start(&self) -> Option<i64> {
        self.start.lock().expect("feed start").take()
    }
}

/// The tail. While nobody is subscribed it reads nothing; the first subscriber tells it where to
/// start (the newest event when it subscribed).
pub async fn run(store: Store, feed: OrderEventFeed, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut tail: Option<Tail> = None;
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            _ = tokio::time::sleep(POLL) => {}
        }
        if *stop.borrow() {
            break;
        }
        if feed.tx.receiver_count() == 0 {
            tail = None;
            // a start left by a subscriber that is gone already
            feed.take_start();
            continue;
        }
        let t = match tail.as_mut() {
            Some(t) => {
                // later subscribers join the running tail where it is
                feed.take_start();
                t
            }
            None => match feed.take_start() {
                Some(start) => tail.insert(Tail::new(start)),
                // the subscriber is still reading where to start
                None => continue,
            },
        };
        loop {
            let now = Instant::now();
            t.expire(now);
            let rows = match store.order_events_after(t.cursor(), &t.gaps(), BATCH).await {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::warn!(error = %e, "the live event feed cannot read the database");
                    break;
                }
            };
            let full = rows.len() as u64 == BATCH;
            for (event, source_id) in rows {
                if t.take(event.id, now) {
                    // no receiver left is not an error: the next tick sees it
                    let _ = feed.tx.send(Arc::new(LiveEvent { event, source_id }));
                }
            }
            if !full {
                break;
            }
        }
    }
}

/// The bearer token a websocket connection was opened with, to check its access again.
#[derive(Clone)]
pub struct ConnectionToken(pub String);

struct Subscriber {
    rx: broadcast::Receiver<Arc<LiveEvent>>,
    principal: Principal,
    token: Option<String>,
    store: Store,
    checked: Instant,
    recheck: Duration,
    only_source: Option<i64>,
    kinds: Option<Vec<String>>,
    ended: bool,
}

impl Subscriber {
    fn wants(&self, e: &LiveEvent) -> bool {
        self.principal.can_see_source(SourceId(e.source_id))
            && self.only_source.is_none_or(|s| s == e.source_id)
            && self
                .kinds
                .as_ref()
                .is_none_or(|k| k.contains(&e.event.kind))
    }

    /// Re-reads who the token belongs to now; `false` when it no longer opens anything.
    async fn still_allowed(&mut self) -> bool {
        if self.checked.elapsed() < self.recheck {
            return true;
        }
        self.checked = Instant::now();
        let Some(token) = &self.token else {
            return true;
        };
        match self.store.principal_by_token(token).await {
            Ok(Some(p)) => {
                self.principal = p;
                true
            }
            Ok(None) => false,
            // the database is away for a moment: keep what was known
            Err(_) => true,
        }
    }

    async fn next(mut self) -> Option<(async_graphql::Result<OrderEvent>, Subscriber)> {
        if self.ended {
            return None;
        }
        loop {
            match self.rx.recv().await {
                Ok(e) => {
                    if !self.still_allowed().await {
                        self.ended = true;
                        return Some((Err(Error::Unauthenticated.extend()), self));
                    }
                    if self.wants(&e) {
                        return Some((Ok(OrderEvent(e.event.clone())), self));
                    }
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    let err = Error::RateLimited {
                        message: format!(
                            "this subscription fell behind and missed {missed} order events; \
                             re-read the orders it shows (the stream goes on)"
                        ),
                        retry_at: None,
                    };
                    return Some((Err(err.extend()), self));
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

#[derive(Default)]
pub struct Subscription;

#[Subscription]
impl Subscription {
    /// Order events as they are written, on the orders the caller may see: imports, changes a
    /// re-sync or a webhook brought, status changes, pushes to the platform and their outcome,
    /// comments. `sourceId` keeps one source's, `kinds` some kinds (as `OrderEvent.kind`).
    /// Events written by every orderhub instance on the database arrive, about a quarter of a
    /// second after their commit. A subscriber that falls far behind gets an error item
    /// (`RATE_LIMITED`) saying how many it missed, and the stream goes on.
    async fn order_events(
        &self,
        ctx: &Context<'_>,
        source_id: Option<ID>,
        kinds: Option<Vec<String>>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<OrderEvent>>> {
        let p = principal(ctx)?.clone();
        if let Some(kinds) = &kinds {
            use super::limits::{check_len, check_list, MAX_EVENT_KINDS, MAX_EVENT_KIND_LEN};
            check_list("kinds", kinds, MAX_EVENT_KINDS)?;
            for k in kinds {
                check_len("kinds", k, MAX_EVENT_KIND_LEN)?;
            }
        }
        let only_source = match source_id {
            Some(id) => {
                let s: SourceId = parse_id("sourceId", &id)?;
                if !p.can_see_source(s) {
                    return Err(Error::not_found("source").extend());
                }
                Some(s.0)
            }
            None => None,
        };
        let st = state(ctx);
        let sub = Subscriber {
            rx: st.live.subscribe(&st.store).await.gql()?,
            principal: p,
            token: ctx.data_opt::<ConnectionToken>().map(|t| t.0.clone()),
            store: st.store.clone(),
            checked: Instant::now(),
            recheck: st.live.recheck,
            only_source,
            kinds,
            ended: false,
        };
        Ok(futures_util::stream::unfold(sub, Subscriber::next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_in_order_are_each_taken_once() {
        let now = Instant::now();
        let mut t = Tail::new(10);
        assert!(t.take(11, now));
        assert!(t.take(12, now));
        assert!(!t.take(12, now), "seen already");
        assert!(!t.take(9, now), "before the cursor and never skipped");
        assert_eq!(t.cursor(), 12);
        assert!(t.gaps().is_empty());
    }

    #[test]
    fn a_skipped_id_is_asked_for_again_and_taken_once_when_it_commits() {
        let now = Instant::now();
        let mut t = Tail::new(10);
        assert!(t.take(11, now));
        assert!(t.take(14, now), "12 and 13 not committed yet");
        assert_eq!(t.gaps(), vec![13, 12]);
        assert!(t.take(13, now));
        assert!(!t.take(13, now));
        assert_eq!(t.gaps(), vec![12]);
        assert_eq!(t.cursor(), 14);
    }

    #[test]
    fn a_skipped_id_is_given_up_after_a_while() {
        let start = Instant::now();
        let mut t = Tail::new(0);
        assert!(t.take(2, start));
        t.expire(start + GAP_TTL / 2);
        assert_eq!(t.gaps(), vec![1]);
        t.expire(start + GAP_TTL);
        assert!(
            t.gaps().is_empty(),
            "a rolled-back id is not waited for forever"
        );
        assert!(
            !t.take(1, start + GAP_TTL),
            "too late: not delivered out of the blue"
        );
    }

    #[test]
    fn a_huge_jump_remembers_a_bounded_number_of_gaps() {
        let now = Instant::now();
        let mut t = Tail::new(0);
        assert!(t.take(1_000_000, now));
        assert_eq!(t.gaps.len(), MAX_GAPS);
        assert_eq!(t.gaps().len(), GAPS_PER_READ);
        assert_eq!(
            t.gaps()[0],
            999_999,
            "the newest skipped ids are asked for first"
        );
    }
}
