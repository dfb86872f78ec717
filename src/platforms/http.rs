//! Outbound HTTP shared by every client: one `reqwest::Client` with timeouts, one bounded retry
//! loop ([`Call::send`]) whose attempt budget counts every request of a call (transport faults,
//! 429, 5xx and answers cut off alike), waits that obey `Retry-After` within a cap, and a
//! per-source request pace. An answer cut off is retried; an answer of the wrong shape is a
//! permanent [`PlatformError::BadResponse`] naming the platform and the field, after one request.
//! Each platform's facts (its error bodies, its rate-limit headers, which of its answers are worth
//! asking again) stay in its folder and reach the loop as the `read` closure and [`Call`] options.

use super::PlatformError;
use chrono::{DateTime, NaiveDateTime, Utc};
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::error::Category;
use serde_json::Value;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How a client retries and paces its requests. Tests shorten the waits.
#[derive(Clone, Debug)]
pub struct HttpPolicy {
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Requests per call, the first included: every kind of retry counts against it.
    pub max_attempts: u32,
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// The longest wait between two requests a platform may ask for (`Retry-After`, a rate-limit
    /// header); what it asks beyond this is cut to this.
    pub max_wait: Duration,
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
            max_wait: Duration::from_secs(60),
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
            max_wait: Duration::from_millis(500),
            min_interval: Duration::ZERO,
        }
    }

    /// The wait before attempt `attempt + 1`: what the platform asked (within `max_wait`), else
    /// exponential backoff with full jitter (a random wait up to the attempt's ceiling).
    pub fn backoff(&self, attempt: u32, asked: Option<Duration>) -> Duration {
        if let Some(asked) = asked {
            return asked.min(self.max_wait);
        }
        let ceiling = self
            .base_backoff
            .saturating_mul(1 << attempt.clamp(1, 16).saturating_sub(1))
            .min(self.max_backoff);
        ceiling.mul_f64(rand::random::<f64>())
    }
}

/// What configures a `reqwest::Client`: sources that agree on it share one client and its
/// connection pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct ClientKey {
    /// The tokio runtime the client's connections live on (one in production; tests run many,
    /// and a connection must not outlive its runtime's tasks).
    runtime: Option<tokio::runtime::Id>,
    platform: &'static str,
    timeout: Duration,
    connect_timeout: Duration,
}

/// Clients kept for sharing. A handful in production (one per platform and policy); tests start
/// a runtime each, so the map is emptied when it grows past this (clients in use live on in
/// their sources).
const SHARED_CLIENTS_MAX: usize = 64;

static SHARED_CLIENTS: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<ClientKey, reqwest::Client>>,
> = std::sync::LazyLock::new(Default::default);

/// The process's one `reqwest::Client` (connection pool) for a platform and an HTTP policy,
/// shared by every source of that platform (issue 15: one client per source cost about 40 KB
/// each). What is the source's own stays in its client: credentials, sessions and its pace.
/// Only the timeouts configure the client; the retry budget, backoff and pace are read per call.
pub fn shared_client(
    platform: &'static str,
    policy: &HttpPolicy,
) -> Result<reqwest::Client, PlatformError> {
    let key = ClientKey {
        runtime: tokio::runtime::Handle::try_current().ok().map(|h| h.id()),
        platform,
        timeout: policy.timeout,
        connect_timeout: policy.connect_timeout,
    };
    if key.runtime.is_none() {
        // outside a runtime there is nothing to share safely
        return build_client(policy);
    }
    let mut clients = SHARED_CLIENTS.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(client) = clients.get(&key) {
        return Ok(client.clone());
    }
    let client = build_client(policy)?;
    if clients.len() >= SHARED_CLIENTS_MAX {
        clients.clear();
    }
    clients.insert(key, client.clone());
    Ok(client)
}

/// A client of its own (prefer [`shared_client`]).
pub fn build_client(policy: &HttpPolicy) -> Result<reqwest::Client, PlatformError> {
    reqwest::Client::builder()
        .timeout(policy.timeout)
        .connect_timeout(policy.connect_timeout)
        .user_agent(concat!("orderhub/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| PlatformError::Transient(format!("cannot build the HTTP client: {e}")))
}

/// A `Retry-After` value (RFC 9110 §10.2.3): delta-seconds or an HTTP-date, read as a wait from
/// `now` of at most `cap`. A past date or a negative number is no wait; infinity or a far future
/// is `cap`; what cannot be read (`NaN`, garbage) is `None`, and the caller backs off on its own.
pub fn parse_retry_after(raw: &str, now: DateTime<Utc>, cap: Duration) -> Option<Duration> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    if let Ok(seconds) = raw.parse::<f64>() {
        return if seconds.is_nan() {
            None
        } else if seconds <= 0.0 {
            Some(Duration::ZERO)
        } else if seconds >= cap.as_secs_f64() {
            Some(cap)
        } else {
            Some(Duration::from_secs_f64(seconds))
        };
    }
    let at = http_date(raw)?;
    let ahead = (at - now).to_std().unwrap_or(Duration::ZERO);
    Some(ahead.min(cap))
}

/// An HTTP-date in any of the three forms RFC 9110 §5.6.7 tells recipients to accept.
fn http_date(raw: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc2822(raw) {
        return Some(t.with_timezone(&Utc));
    }
    // RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`)
    ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
        .map(|t| t.and_utc())
}

/// An HTTP answer read whole, for a client to make sense of.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    platform: &'static str,
    secret: bool,
}

/// What a client makes of an answer that arrived whole.
#[derive(Debug)]
pub enum Verdict<T> {
    /// The call's result.
    Done(T),
    /// Worth asking again (a body cut off, a proxy's error page, Cartum's `EXCEPTION`): the loop
    /// sends the request again while the call's budget lasts, then returns this error.
    Retry(PlatformError),
    /// Final: returned at once, without another request.
    Fail(PlatformError),
}

impl<T> Verdict<T> {
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Verdict<U> {
        match self {
            Verdict::Done(v) => Verdict::Done(f(v)),
            Verdict::Retry(e) => Verdict::Retry(e),
            Verdict::Fail(e) => Verdict::Fail(e),
        }
    }

    /// Chains a step that may itself fail (a platform's error in a readable body).
    pub fn and_then<U>(self, f: impl FnOnce(T) -> Verdict<U>) -> Verdict<U> {
        match self {
            Verdict::Done(v) => f(v),
            Verdict::Retry(e) => Verdict::Retry(e),
            Verdict::Fail(e) => Verdict::Fail(e),
        }
    }
}

impl Answer {
    /// An answer as the loop would hand it over, for tests of a client's error reading.
    pub fn new(platform: &'static str, status: u16, body: impl Into<Vec<u8>>) -> Self {
        Answer {
            status,
            headers: HeaderMap::new(),
            body: body.into(),
            platform,
            secret: false,
        }
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// A header's value, if it is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as `T`. A body cut off, or one that is not JSON at all (a proxy's HTML page), is
    /// worth asking again; JSON of the wrong shape (serde's `Data`) or malformed JSON is not: the
    /// platform would send the same again, so it is a `BadResponse` naming the field.
    pub fn parse<T: DeserializeOwned>(&self) -> Verdict<T> {
        match serde_json::from_slice(&self.body) {
            Ok(v) => Verdict::Done(v),
            Err(e) => self.unreadable(e),
        }
    }

    /// Whatever JSON the body holds, `Null` if none: for error statuses, whose bodies vary.
    pub fn json_or_null(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The start of the body for an error message; nothing when the body may hold a secret.
    pub fn snippet(&self) -> String {
        if self.secret {
            return "(not shown: it may hold a secret)".into();
        }
        String::from_utf8_lossy(&self.body)
            .chars()
            .take(120)
            .collect()
    }

    fn unreadable<T>(&self, e: serde_json::Error) -> Verdict<T> {
        let (platform, status) = (self.platform, self.status);
        match e.classify() {
            Category::Eof | Category::Io => Verdict::Retry(PlatformError::Transient(format!(
                "{platform} answer cut off (HTTP {status}): {}",
                self.snippet()
            ))),
            Category::Syntax if !looks_like_json(&self.body) => {
                Verdict::Retry(PlatformError::Transient(format!(
                    "{platform} answered HTTP {status} with something other than JSON: {}",
                    self.snippet()
                )))
            }
            Category::Syntax => Verdict::Fail(PlatformError::BadResponse(format!(
                "{platform} answered malformed JSON (HTTP {status}) {}",
                describe(&e, &self.body, self.secret)
            ))),
            Category::Data => Verdict::Fail(PlatformError::BadResponse(format!(
                "{platform} answer of an unexpected shape (HTTP {status}) {}",
                describe(&e, &self.body, self.secret)
            ))),
        }
    }
}

/// Reads a value already parsed as JSON as `T`; a mismatch is a `BadResponse` naming the
/// platform and the field (`orders[3].price`), as [`Answer::parse`] does for a whole body.
pub fn decode_value<T: DeserializeOwned>(
    platform: impl std::fmt::Display,
    value: &Value,
) -> Result<T, PlatformError> {
    T::deserialize(value).map_err(|e| {
        // a value has no positions; its compact text has them, and fails the same way
        let text = value.to_string();
        let detail = match serde_json::from_str::<T>(&text) {
            Err(again) => describe(&again, text.as_bytes(), false),
            Ok(_) => format!(": {e}"),
        };
        PlatformError::BadResponse(format!("{platform} answer of an unexpected shape {detail}"))
    })
}

/// `at `orders[0].id`: invalid type: …` — where serde stopped, as a path, and what it said (only
/// the path when the body may hold a secret: serde quotes the values it rejects).
fn describe(e: &serde_json::Error, body: &[u8], secret: bool) -> String {
    let path = offset_of(body, e.line(), e.column()).and_then(|at| json_path_at(body, at));
    let place = match path.as_deref() {
        Some("") => "at the top level".to_string(),
        Some(p) => format!("at `{p}`"),
        None => format!("at line {} column {}", e.line(), e.column()),
    };
    let full = e.to_string();
    let message = full
        .strip_suffix(&format!(" at line {} column {}", e.line(), e.column()))
        .unwrap_or(&full);
    if secret && !message.starts_with("missing field") {
        place
    } else {
        format!("{place}: {message}")
    }
}

/// Text that at least starts as JSON would; an HTML page or plain text does not.
fn looks_like_json(body: &[u8]) -> bool {
    matches!(
        body.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n')
    )
}

/// The byte offset serde_json means by a 1-based line and a column (bytes after the line start).
fn offset_of(body: &[u8], line: usize, column: usize) -> Option<usize> {
    if line == 0 {
        return None;
    }
    let mut start = 0;
    for _ in 1..line {
        start += body[start..].iter().position(|b| *b == b'\n')? + 1;
    }
    Some((start + column).min(body.len()))
}

#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

/// The path (`orders[0].id`) of the innermost value serde_json was reading when it stopped at
/// byte `at`: the value that ends just before `at`, or else the one that starts at or after it
/// (serde rejects some values having only peeked at their first byte).
fn json_path_at(body: &[u8], at: usize) -> Option<String> {
    let ends_value = |b: u8| matches!(b, b'}' | b']' | b'"') || b.is_ascii_alphanumeric();
    let target = match at.checked_sub(1).map(|i| body[i]) {
        Some(b) if ends_value(b) => at - 1,
        _ => {
            at + body
                .get(at..)?
                .iter()
                .position(|b| !b.is_ascii_whitespace())?
        }
    };
    let mut walker = PathWalker {
        body,
        target,
        path: Vec::new(),
        found: None,
    };
    // the walk ends early past the target; what it found is all that matters
    let _ = walker.value(skip_ws(body, 0));
    let steps = walker.found?;
    let mut out = String::new();
    for step in steps {
        match step {
            Step::Key(k) if out.is_empty() => out.push_str(&k),
            Step::Key(k) => {
                out.push('.');
                out.push_str(&k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    Some(out)
}

fn skip_ws(body: &[u8], mut i: usize) -> usize {
    while body.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
        i += 1;
    }
    i
}

/// Walks JSON text far enough to know which value holds byte `target`.
struct PathWalker<'a> {
    body: &'a [u8],
    target: usize,
    path: Vec<Step>,
    found: Option<Vec<Step>>,
}

impl PathWalker<'_> {
    /// Reads the value starting at `i`; its end (exclusive), or `None` where the text stops making
    /// sense (after the target that no longer matters).
    fn value(&mut self, i: usize) -> Option<usize> {
        if self.found.is_some() || i > self.target {
            return None;
        }
        let end = match *self.body.get(i)? {
            b'{' => self.object(i),
            b'[' => self.array(i),
            b'"' => self.string_end(i),
            _ => {
                let scalar = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.');
                let len = self.body[i..].iter().take_while(|b| scalar(b)).count();
                (len > 0).then_some(i + len)
            }
        };
        // a container whose walk stopped past the target holds it between its members
        if self.found.is_none() && end.is_none_or(|end| (i..end).contains(&self.target)) {
            self.found = Some(self.path.clone());
        }
        end
    }

    fn object(&mut self, start: usize) -> Option<usize> {
        let mut i = skip_ws(self.body, start + 1);
        if self.body.get(i) == Some(&b'}') {
            return Some(i + 1);
        }
        loop {
            let key_end = self.string_end(i)?;
            let key = serde_json::from_slice::<String>(&self.body[i..key_end]).ok()?;
            i = skip_ws(self.body, key_end);
            if self.body.get(i) != Some(&b':') {
                return None;
            }
            self.path.push(Step::Key(key));
            let end = self.value(skip_ws(self.body, i + 1));
            self.path.pop();
            i = skip_ws(self.body, end?);
            match self.body.get(i)? {
                b',' => i = skip_ws(self.body, i + 1),
                b'}' => return Some(i + 1),
                _ => return None,
            }
        }
    }

    fn array(&mut self, start: usize) -> Option<usize> {
        let mut i = skip_ws(self.body, start + 1);
        if self.body.get(i) == Some(&b']') {
            return Some(i + 1);
        }
        let mut index = 0;
        loop {
            self.path.push(Step::Index(index));
            let end = self.value(i);
            self.path.pop();
            i = skip_ws(self.body, end?);
            match self.body.get(i)? {
                b',' => i = skip_ws(self.body, i + 1),
                b']' => return Some(i + 1),
                _ => return None,
            }
            index += 1;
        }
    }

    fn string_end(&self, start: usize) -> Option<usize> {
        if self.body.get(start) != Some(&b'"') {
            return None;
        }
        let mut i = start + 1;
        loop {
            match *self.body.get(i)? {
                b'\\' => i += 2,
                b'"' => return Some(i + 1),
                _ => i += 1,
            }
        }
    }
}

/// A platform's reading of an answer as a wait before its next request.
pub type PauseAfter<'a> = &'a (dyn Fn(&Answer) -> Option<Duration> + Sync);

/// One call to a platform: its name for errors, its policy and pace, and its options.
#[derive(Clone, Copy)]
pub struct Call<'a> {
    platform: &'static str,
    policy: &'a HttpPolicy,
    pace: &'a Pace,
    secret: bool,
    pause: Option<PauseAfter<'a>>,
}

impl<'a> Call<'a> {
    /// `platform` names it in errors and logs: "Prom", "WooCommerce".
    pub fn new(platform: &'static str, policy: &'a HttpPolicy, pace: &'a Pace) -> Self {
        Call {
            platform,
            policy,
            pace,
            secret: false,
            pause: None,
        }
    }

    /// The answers may hold a secret (a login's token): their bodies are never quoted in errors.
    pub fn secret(self, secret: bool) -> Self {
        Call { secret, ..self }
    }

    /// A platform's own slow-down signal (Shopify's call-limit header): after each answer,
    /// `pause` may hold the source's next request back (within the policy's `max_wait`).
    pub fn pause_after(self, pause: PauseAfter<'a>) -> Self {
        Call {
            pause: Some(pause),
            ..self
        }
    }

    /// Sends the request `make` builds until `read` makes sense of an answer, at most
    /// `max_attempts` requests in all. Connection failures, timeouts, bodies cut off in transit,
    /// 429 and 5xx are retried here (obeying `Retry-After`); every other answer goes to `read`,
    /// whose [`Verdict`] ends the call or asks for another request. When the budget is spent the
    /// last error comes back (`RateLimited` after 429s, else `Transient`).
    pub async fn send<T>(
        &self,
        mut make: impl FnMut() -> reqwest::RequestBuilder,
        mut read: impl FnMut(Answer) -> Verdict<T>,
    ) -> Result<T, PlatformError> {
        let attempts = self.policy.max_attempts.max(1);
        let platform = self.platform;
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.pace.wait(self.policy.min_interval).await;
            let (error, asked) = match make().send().await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    match resp.bytes().await {
                        Ok(body) => {
                            let answer = Answer {
                                status,
                                headers,
                                body: body.to_vec(),
                                platform,
                                secret: self.secret,
                            };
                            if let Some(pause) = self.pause.and_then(|p| p(&answer)) {
                                self.pace.hold(pause.min(self.policy.max_wait));
                            }
                            let asked = answer.header("retry-after").and_then(|v| {
                                parse_retry_after(v, Utc::now(), self.policy.max_wait)
                            });
                            if status == 429 {
                                let error = PlatformError::RateLimited { retry_after: asked };
                                (error, asked)
                            } else if status >= 500 {
                                let error = PlatformError::Transient(format!(
                                    "{platform} HTTP {status}: {}",
                                    answer.snippet()
                                ));
                                (error, asked)
                            } else {
                                match read(answer) {
                                    Verdict::Done(v) => return Ok(v),
                                    Verdict::Fail(e) => return Err(e),
                                    Verdict::Retry(e) => (e, None),
                                }
                            }
                        }
                        Err(e) => (
                            PlatformError::Transient(format!(
                                "{platform} answer cut off in transit (HTTP {status}): {}",
                                without_url(&e)
                            )),
                            None,
                        ),
                    }
                }
                Err(e) if e.is_timeout() => (
                    PlatformError::Transient(format!("{platform} timed out")),
                    None,
                ),
                Err(e) => (
                    PlatformError::Transient(format!(
                        "{platform} connection failed: {}",
                        without_url(&e)
                    )),
                    None,
                ),
            };
            if attempt >= attempts {
                return Err(error);
            }
            let wait = self.policy.backoff(attempt, asked);
            tracing::debug!(platform, attempt, wait_ms = wait.as_millis() as u64, %error, "retrying a platform request");
            tokio::time::sleep(wait).await;
        }
    }
}

/// reqwest errors print the URL, which may carry credentials in the query (WooCommerce keys).
fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(url) = e.url() {
        s = s.replace(url.as_str(), "<url>");
    }
    s
}

/// Keeps a minimum gap between requests of one client, and holds them back when the platform
/// asked for a pause.
#[derive(Default)]
pub struct Pace {
    last: Mutex<Option<Instant>>,
    not_before: std::sync::Mutex<Option<Instant>>,
}

impl Pace {
    pub async fn wait(&self, min_interval: Duration) {
        let held = *self.not_before.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(until) = held {
            let now = Instant::now();
            if until > now {
                tokio::time::sleep(until - now).await;
            }
        }
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

    /// No request of this client before `wait` from now.
    pub fn hold(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut held = self.not_before.lock().unwrap_or_else(|p| p.into_inner());
        if held.is_none_or(|t| t < until) {
            *held = Some(until);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde::Deserialize;

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
        assert_eq!(p.backoff(3, Some(Duration::from_secs(7_000))), p.max_wait);
    }

    // covers: SYNC-1 — a platform's Retry-After never panics and never waits past the cap
    #[test]
    fn retry_after_is_read_as_seconds_or_a_date_and_clamped() {
        let now = Utc.with_ymd_and_hms(2026, 10, 21, 7, 28, 0).unwrap();
        let cap = Duration::from_secs(60);
        let read = |raw: &str| parse_retry_after(raw, now, cap);
        assert_eq!(read("5"), Some(Duration::from_secs(5)));
        assert_eq!(read(" 0 "), Some(Duration::ZERO));
        assert_eq!(read("1.5"), Some(Duration::from_millis(1500)));
        assert_eq!(read("-1"), Some(Duration::ZERO));
        assert_eq!(read("-inf"), Some(Duration::ZERO));
        assert_eq!(read("inf"), Some(cap));
        assert_eq!(read("Infinity"), Some(cap));
        assert_eq!(read("1e300"), Some(cap));
        assert_eq!(read("99999999999999999999"), Some(cap));
        assert_eq!(read("NaN"), None);
        assert_eq!(read(""), None);
        assert_eq!(read("soon"), None);
        assert_eq!(read("12 seconds"), None);
        // HTTP-dates: IMF-fixdate, RFC 850, asctime
        assert_eq!(
            read("Wed, 21 Oct 2026 07:28:30 GMT"),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            read("Wednesday, 21-Oct-26 07:28:10 GMT"),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            read("Wed Oct 21 07:28:20 2026"),
            Some(Duration::from_secs(20))
        );
        assert_eq!(read("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        assert_eq!(read("Fri, 31 Dec 9999 23:59:59 GMT"), Some(cap));
        assert_eq!(read("Wed, 32 Oct 2026 07:28:00 GMT"), None);
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Page {
        orders: Vec<Order>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Order {
        id: i64,
        #[serde(default)]
        tags: Vec<String>,
    }

    fn verdict(body: &str) -> Verdict<Page> {
        Answer::new("Prom", 200, body).parse::<Page>()
    }

    fn bad_response(v: Verdict<Page>) -> String {
        match v {
            Verdict::Fail(PlatformError::BadResponse(m)) => m,
            other => panic!("expected a permanent BadResponse, got {other:?}"),
        }
    }

    // covers: SYNC-1, IMP-4 — a body cut off is worth another request; one of the wrong shape is not
    #[test]
    fn answers_cut_off_are_retried_and_wrong_shapes_name_the_field() {
        let whole = r#"{"orders": [{"id": 1}, {"id": 2, "tags": ["a"]}]}"#;
        assert!(matches!(verdict(whole), Verdict::Done(p) if p.orders.len() == 2));
        for cut in [10, 20, whole.len() - 1, 0] {
            assert!(
                matches!(
                    verdict(&whole[..cut]),
                    Verdict::Retry(PlatformError::Transient(_))
                ),
                "cut at {cut}"
            );
        }
        // a proxy's page instead of JSON: transient too
        assert!(matches!(
            verdict("<html><body>502 Bad Gateway</body></html>"),
            Verdict::Retry(PlatformError::Transient(_))
        ));

        let m = bad_response(verdict(r#"{"orders": "none today"}"#));
        assert!(m.starts_with("Prom answer of an unexpected shape"), "{m}");
        assert!(m.contains("at `orders`"), "{m}");
        let m = bad_response(verdict(r#"{"orders": [{"id": 1}, {"id": "2"}]}"#));
        assert!(m.contains("at `orders[1].id`"), "{m}");
        let m = bad_response(verdict(
            "{\n  \"orders\": [\n    {\"id\": 1, \"tags\": [\"a\", 7]}\n  ]\n}",
        ));
        assert!(m.contains("at `orders[0].tags[1]`"), "{m}");
        let m = bad_response(verdict(r#"{"orders": [{"id": 1}, {"tags": []}]}"#));
        assert!(m.contains("at `orders[1]`: missing field `id`"), "{m}");
        let m = bad_response(verdict(r#"{"orders": {"id": 1}}"#));
        assert!(m.contains("at `orders`"), "{m}");
        let m = bad_response(verdict(r#""no orders""#));
        assert!(m.contains("at the top level"), "{m}");
        // JSON that is broken mid-way is not cut off: the platform would send it again
        let m = bad_response(verdict(r#"{"orders": [{"id": 1,}]}"#));
        assert!(m.starts_with("Prom answered malformed JSON"), "{m}");
    }

    #[test]
    fn secret_answers_are_never_quoted() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Login {
            token: i64,
        }
        let mut a = Answer::new("Cartum", 200, r#"{"token": "s3cr3t-t0k3n"}"#);
        a.secret = true;
        match a.parse::<Login>() {
            Verdict::Fail(PlatformError::BadResponse(m)) => {
                assert!(m.contains("at `token`"), "{m}");
                assert!(!m.contains("s3cr3t"), "{m}");
            }
            other => panic!("{other:?}"),
        }
        let mut a = Answer::new("Cartum", 200, r#"{"token": "s3cr3t-t0"#);
        a.secret = true;
        match a.parse::<Login>() {
            Verdict::Retry(e) => assert!(!e.to_string().contains("s3cr3t"), "{e}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn values_already_parsed_name_the_field_too() {
        let value = serde_json::json!({"orders": [{"id": 1}, {"id": 2.5}]});
        let e = decode_value::<Page>("WooCommerce", &value).unwrap_err();
        let PlatformError::BadResponse(m) = e else {
            panic!("{e:?}")
        };
        assert!(
            m.starts_with("WooCommerce answer of an unexpected shape"),
            "{m}"
        );
        assert!(m.contains("at `orders[1].id`"), "{m}");
        assert!(decode_value::<Page>("WooCommerce", &serde_json::json!({"orders": []})).is_ok());
    }

    #[test]
    fn paths_follow_escaped_keys_and_strings() {
        let body = br#"{"a\"b": {"c": "x]},\"y", "d": [true, null, {"e": -1.5e3}]}}"#;
        let at = body.len() - 4; // just after -1.5e3
        assert_eq!(json_path_at(body, at).as_deref(), Some("a\"b.d[2].e"));
        let at = 18; // inside the string of c
        assert_eq!(json_path_at(body, at).as_deref(), Some("a\"b.c"));
    }
}
