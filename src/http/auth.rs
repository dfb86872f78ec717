//! Bearer tokens to principals for GraphQL over HTTP and its websocket, with failed attempts
//! throttled per client address (issue 16) and counted in `/metrics`.

use crate::domain::auth::{AuthThrottle, Gate, Principal};
use crate::error::Error;
use crate::metrics::Metrics;
use crate::store::Store;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

pub const FAILURES_METRIC: &str = "orderhub_auth_failures_total";
pub const THROTTLED_METRIC: &str = "orderhub_auth_throttled_total";

#[derive(Clone)]
pub struct Authenticator {
    store: Store,
    metrics: Arc<Metrics>,
    throttle: Arc<AuthThrottle>,
}

impl Authenticator {
    pub fn new(store: Store, metrics: Arc<Metrics>) -> Self {
        Authenticator {
            store,
            metrics,
            throttle: Arc::new(AuthThrottle::default()),
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
        let principal = self.store.principal_by_token(token).await?;
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

fn throttled(retry_at: chrono::DateTime<chrono::Utc>) -> Error {
    Error::RateLimited {
        message: format!(
            "too many failed authentications from this address: try again after {}",
            retry_at.to_rfc3339()
        ),
        retry_at: Some(retry_at),
    }
}
