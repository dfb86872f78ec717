//! Bearer tokens to principals for GraphQL over HTTP and its websocket, with failed attempts
//! throttled per client address (issue 16) and counted in `/metrics`.
//!
//! A token that opened a principal is remembered for a few seconds (by its hash, never the
//! token), so most requests make no token query (issue 20). A change to users, tokens or grants on
//! this instance forgets every remembered principal at once; one made by another instance of the
//! fleet takes effect here within [`PRINCIPAL_TTL`].

use crate::domain::auth::{AuthThrottle, Gate, Principal};
use crate::error::Error;
use crate::metrics::Metrics;
use crate::store::Store;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a principal is used without asking the database again.
pub const PRINCIPAL_TTL: Duration = Duration::from_secs(5);
/// At most this many tokens are remembered; past it the expired ones go, then all.
const MAX_REMEMBERED: usize = 10_000;

struct Remembered {
    principal: Principal,
    at: Instant,
    epoch: u64,
}

pub const FAILURES_METRIC: &str = "orderhub_auth_failures_total";
pub const THROTTLED_METRIC: &str = "orderhub_auth_throttled_total";

#[derive(Clone)]
pub struct Authenticator {
    store: Store,
    metrics: Arc<Metrics>,
    throttle: Arc<AuthThrottle>,
    /// Principals by token hash.
    remembered: Arc<Mutex<HashMap<String, Remembered>>>,
}

impl Authenticator {
    pub fn new(store: Store, metrics: Arc<Metrics>) -> Self {
        Authenticator {
            store,
            metrics,
            throttle: Arc::new(AuthThrottle::default()),
            remembered: Default::default(),
        }
    }

    /// The principal behind `token`; `None` without a token or with one that opens nothing (the
    /// resolvers then answer UNAUTHENTICATED). `RATE_LIMITED` while `peer` cools down after too
    /// many failures, unless the token already worked from there. A request without a token is
    /// not an attempt: it learns nothing.
    pub async fn authenticate(
        &self,
        token: Option<&str>,
        peer: Option<IpAddr>,
    ) -> Result<Option<Principal>, Error> {
        let Some(token) = token else {
            return Ok(None);
        };
        if let Some(addr) = peer {
            if let Gate::Throttled { retry_at } = self.throttle.gate(addr, token, Instant::now()) {
                self.metrics.incr(THROTTLED_METRIC);
                return Err(throttled(retry_at));
            }
        }
        let principal = self.principal(token).await?;
        match (&principal, peer) {
            (Some(_), Some(addr)) => self.throttle.succeeded(addr, token, Instant::now()),
            (Some(_), None) => {}
            (None, _) => {
                self.metrics.incr(FAILURES_METRIC);
                tracing::info!(peer = ?peer, "a bearer token opened nothing");
                if let Some(addr) = peer {
                    if let Some(retry_at) = self.throttle.failed(addr, Instant::now()) {
                        self.metrics.incr(THROTTLED_METRIC);
                        return Err(throttled(retry_at));
                    }
                }
            }
        }
        Ok(principal)
    }
}

impl Authenticator {
    /// The principal of a token, remembered for [`PRINCIPAL_TTL`] unless this instance changed
    /// users, tokens or grants since. A token that opens nothing is not remembered.
    async fn principal(&self, token: &str) -> Result<Option<Principal>, Error> {
        let hash = crate::domain::auth::hash_token(token);
        let epoch = self.store.auth_epoch();
        let now = Instant::now();
        if let Ok(map) = self.remembered.lock() {
            if let Some(r) = map.get(&hash) {
                if r.epoch == epoch && now.duration_since(r.at) < PRINCIPAL_TTL {
                    return Ok(Some(r.principal.clone()));
                }
            }
        }
        let principal = self.store.principal_by_token(token).await?;
        if let (Some(p), Ok(mut map)) = (&principal, self.remembered.lock()) {
            if map.len() >= MAX_REMEMBERED {
                map.retain(|_, r| now.duration_since(r.at) < PRINCIPAL_TTL);
                if map.len() >= MAX_REMEMBERED {
                    map.clear();
                }
            }
            map.insert(
                hash,
                Remembered {
                    principal: p.clone(),
                    at: now,
                    epoch,
                },
            );
        }
        Ok(principal)
    }
}

fn throttled(retry_at: chrono::DateTime<chrono::Utc>) -> Error {
    Error::RateLimited {
        message: format!(
            "too many failed authentications from this address: try again after {}",
            retry_at.to_rfc3339()
        ),
        retry_at: Some(retry_at),
    }
}
