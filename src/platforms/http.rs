//! Outbound HTTP shared by every client: one `reqwest::Client` with timeouts, retries with jitter
//! that obey `Retry-After`, and a per-source request pace.

use super::PlatformError;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How a client retries and paces its requests. Tests shorten the waits.
#[derive(Clone, Debug)]
pub struct HttpPolicy {
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// Minimum gap between two requests to one source (the platform's rate limit).
    pub min_interval: Duration,
}

impl Default for HttpPolicy {
    fn default() -> Self {
        HttpPolicy {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_attempts: 5,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            min_interval: Duration::ZERO,
        }
    }
}

impl HttpPolicy {
    /// Short waits for tests and the demo.
    pub fn fast() -> Self {
        HttpPolicy {
            timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(2),
            max_attempts: 4,
            base_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(200),
            min_interval: Duration::ZERO,
        }
    }

    /// Exponential backoff with full jitter for attempt `n` (1-based), or what the platform asked.
    pub fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(ra) = retry_after {
            return ra.min(self.max_backoff.max(Duration::from_secs(60)));
        }
        let exp = self
            .base_backoff
            .saturating_mul(1 << attempt.min(16).saturating_sub(1));
        let cap = exp.min(self.max_backoff);
        let jitter: f64 = rand::random::<f64>();
        cap.mul_f64(0.5 + jitter / 2.0)
    }
}

pub fn build_client(policy: &HttpPolicy) -> Result<reqwest::Client, PlatformError> {
    reqwest::Client::builder()
        .timeout(policy.timeout)
        .connect_timeout(policy.connect_timeout)
        .user_agent(concat!("orderhub/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| PlatformError::Transient(format!("cannot build the HTTP client: {e}")))
}

/// An HTTP answer read whole: status, `Retry-After`, body bytes.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub body: Vec<u8>,
}

impl Answer {
    /// Parses the body; a body that is not the expected JSON (truncated, HTML error page) is transient.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, PlatformError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            let snippet: String = String::from_utf8_lossy(&self.body)
                .chars()
                .take(120)
                .collect();
            PlatformError::Transient(format!(
                "unreadable answer (HTTP {}): {e}; body starts: {snippet}",
                self.status
            ))
        })
    }
}

/// Sends a request built by `make` until it gets an answer that is not transient: connection
/// errors, timeouts, 429 and 5xx are retried with backoff (429 obeys `Retry-After`). Any other
/// status is returned for the client to interpret (platforms put errors in 200 and 4xx bodies).
pub async fn send_with_retry(
    policy: &HttpPolicy,
    pace: &Pace,
    mut make: impl FnMut() -> reqwest::RequestBuilder,
) -> Result<Answer, PlatformError> {
    let mut last_err = PlatformError::Transient("no attempt made".into());
    for attempt in 1..=policy.max_attempts.max(1) {
        pace.wait(policy.min_interval).await;
        let result = make().send().await;
        let (err, retry_after) = match result {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let retry_after = resp
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<f64>().ok())
                    .map(Duration::from_secs_f64);
                match resp.bytes().await {
                    Ok(_) if status == 429 => {
                        (PlatformError::RateLimited { retry_after }, retry_after)
                    }
                    Ok(body) if status >= 500 => {
                        let snippet: String =
                            String::from_utf8_lossy(&body).chars().take(120).collect();
                        (
                            PlatformError::Transient(format!("HTTP {status}: {snippet}")),
                            None,
                        )
                    }
                    Ok(body) => {
                        return Ok(Answer {
                            status,
                            retry_after,
                            body: body.to_vec(),
                        });
                    }
                    Err(e) => (PlatformError::Transient(format!("body cut off: {e}")), None),
                }
            }
            Err(e) if e.is_timeout() => (PlatformError::Transient("timed out".into()), None),
            Err(e) => (
                PlatformError::Transient(format!("connection failed: {}", without_url(&e))),
                None,
            ),
        };
        last_err = err;
        if attempt < policy.max_attempts {
            let wait = policy.backoff(attempt, retry_after);
            tracing::debug!(attempt, wait_ms = wait.as_millis() as u64, error = %last_err, "retrying platform request");
            tokio::time::sleep(wait).await;
        }
    }
    Err(last_err)
}

/// reqwest errors print the URL, which may carry credentials in the query (WooCommerce keys).
fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(url) = e.url() {
        s = s.replace(url.as_str(), "<url>");
    }
    s
}

/// Keeps a minimum gap between requests of one client.
#[derive(Default)]
pub struct Pace {
    last: Mutex<Option<Instant>>,
}

impl Pace {
    pub async fn wait(&self, min_interval: Duration) {
        if min_interval.is_zero() {
            return;
        }
        let mut last = self.last.lock().await;
        if let Some(t) = *last {
            let since = t.elapsed();
            if since < min_interval {
                tokio::time::sleep(min_interval - since).await;
            }
        }
        *last = Some(Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_obeys_retry_after() {
        let p = HttpPolicy::default();
        for attempt in 1..10 {
            let d = p.backoff(attempt, None);
            assert!(d <= p.max_backoff, "attempt {attempt}: {d:?}");
        }
        assert!(p.backoff(1, None) <= Duration::from_millis(500));
        assert_eq!(
            p.backoff(3, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
    }
}
