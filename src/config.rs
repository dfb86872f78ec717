//! Settings read once from `ORDERHUB_*` and validated; secrets never print.

use crate::secrets::SecretKey;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://orderhub.db?mode=rwc";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(600);

/// A secret string: `Debug` and `Display` show nothing of it.
#[derive(Clone)]
pub struct SecretString(String);

impl SecretString {
    pub fn new(s: impl Into<String>) -> Self {
        SecretString(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub database_url: String,
    pub listen: SocketAddr,
    pub secret_key: SecretKey,
    pub admin_token: Option<SecretString>,
    pub poll_interval: Duration,
    /// Retry schedule of pushes to the platforms (not an environment setting).
    pub outbox: crate::sync::outbox::OutboxPolicy,
    /// Timeouts and retries of calls to the platforms (not an environment setting).
    pub platform_http: crate::platforms::http::HttpPolicy,
    /// `ORDERHUB_PUBLIC_URL`: where Shopify and WooCommerce reach this server; webhook
    /// subscriptions are managed only when it is set.
    pub public_url: Option<String>,
}

impl Settings {
    /// Reads the environment. `generate_key` lets `demo` run without a configured key.
    pub fn from_env(generate_key: bool) -> Result<Settings, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let secret_key =
            match var("ORDERHUB_SECRET_KEY") {
                Some(k) => SecretKey::from_base64(&k)?,
                None if generate_key => SecretKey::generate(),
                None => return Err(
                    "ORDERHUB_SECRET_KEY is not set: it encrypts platform credentials at rest. \
                     Create one with `openssl rand -base64 32`"
                        .into(),
                ),
            };
        let listen_raw = var("ORDERHUB_LISTEN").unwrap_or_else(|| DEFAULT_LISTEN.into());
        let listen = listen_raw.parse().map_err(|_| {
            format!("ORDERHUB_LISTEN `{listen_raw}` is not an address such as 127.0.0.1:8080")
        })?;
        let poll_interval = match var("ORDERHUB_POLL_INTERVAL") {
            Some(v) => parse_duration(&v).map_err(|e| format!("ORDERHUB_POLL_INTERVAL: {e}"))?,
            None => DEFAULT_POLL_INTERVAL,
        };
        Ok(Settings {
            database_url: var("ORDERHUB_DATABASE_URL")
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
            listen,
            secret_key,
            admin_token: var("ORDERHUB_ADMIN_TOKEN").map(SecretString::new),
            poll_interval,
            platform_http: Default::default(),
            outbox: Default::default(),
            public_url: var("ORDERHUB_PUBLIC_URL"),
        })
    }
}

/// Parses `10m`, `30s`, `1h`, `500ms`, `1h30m`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let mut total = Duration::ZERO;
    let mut rest = s;
    if rest.is_empty() {
        return Err("empty duration".into());
    }
    while !rest.is_empty() {
        let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return Err(format!("`{s}` is not a duration such as 10m, 30s or 1h"));
        }
        let n: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("`{s}` is too large"))?;
        rest = &rest[digits..];
        let unit_len = rest.chars().take_while(|c| c.is_ascii_alphabetic()).count();
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        total += match unit {
            "ms" => Duration::from_millis(n),
            "s" | "" => Duration::from_secs(n),
            "m" => Duration::from_secs(n * 60),
            "h" => Duration::from_secs(n * 3600),
            _ => {
                return Err(format!(
                    "unknown unit `{unit}` in `{s}` (use ms, s, m or h)"
                ))
            }
        };
    }
    if total.is_zero() {
        return Err("duration must be above zero".into());
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("5d").is_err());
    }

    #[test]
    fn secret_strings_do_not_print() {
        assert_eq!(format!("{:?}", SecretString::new("abc")), "<redacted>");
    }
}
