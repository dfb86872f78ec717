//! Settings read once from `ORDERHUB_*` (and, when given, a TOML file with the same keys) and
//! validated; secrets never print.

pub use crate::domain::auth::MIN_ADMIN_TOKEN_LEN;
use crate::secrets::SecretKey;
use std::collections::HashMap;
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
    /// How often a live subscription checks its token again (not an environment setting).
    pub live_recheck: Duration,
    /// How this instance takes part in the polling schedule: `ORDERHUB_SYNC_CONCURRENCY` sources
    /// at once; the lease time and the claim loop's longest sleep are not environment settings.
    pub schedule: crate::sync::scheduler::SchedulePolicy,
    /// `ORDERHUB_CORS_ORIGINS`: the browser origins (`scheme://host[:port]`, as a browser sends
    /// them) that may call `/graphql` and open `/graphql/ws`; none by default.
    pub cors_origins: Vec<String>,
}

/// Where settings come from: the environment, then the configuration file (`--config FILE` or
/// `ORDERHUB_CONFIG`). A variable set in the environment wins over the file, so a deployment can
/// override one value of a shared file.
#[derive(Clone, Debug, Default)]
pub struct Config {
    file: HashMap<String, String>,
}

impl Config {
    /// The environment alone.
    pub fn env_only() -> Config {
        Config::default()
    }

    /// The environment over the values of the TOML file at `path`.
    pub fn with_file(path: &std::path::Path) -> Result<Config, String> {
        Ok(Config {
            file: read_config_file(path)?,
        })
    }

    /// A configuration from a file's text (the environment still wins).
    pub fn from_toml(text: &str) -> Result<Config, String> {
        Ok(Config {
            file: parse_config(text)?,
        })
    }

    /// The value of `ORDERHUB_…` `name`: the environment's, else the file's; blank is unset.
    pub fn get(&self, name: &str) -> Option<String> {
        self.lookup(name, |n| std::env::var(n).ok())
    }

    fn lookup(&self, name: &str, env: impl Fn(&str) -> Option<String>) -> Option<String> {
        env(name)
            .filter(|v| !v.trim().is_empty())
            .or_else(|| self.file.get(name).cloned())
            .filter(|v| !v.trim().is_empty())
    }

    pub fn database_url(&self) -> String {
        self.get("ORDERHUB_DATABASE_URL")
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.into())
    }
}

/// The keys a configuration file may hold: each environment variable's name without its
/// `ORDERHUB_` prefix, in lower case (`database_url = "…"`); the variable's own name is accepted
/// too. `RUST_LOG` stays an environment setting.
pub const FILE_KEYS: [&str; 8] = [
    "database_url",
    "listen",
    "secret_key",
    "admin_token",
    "poll_interval",
    "public_url",
    "sync_concurrency",
    "cors_origins",
];

fn read_config_file(path: &std::path::Path) -> Result<HashMap<String, String>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the configuration file {}: {e}", path.display()))?;
    parse_config(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// A file's values by environment-variable name (`ORDERHUB_DATABASE_URL`). Unknown keys and
/// values of the wrong type are refused, naming the key, so a typo never falls back to a default.
fn parse_config(text: &str) -> Result<HashMap<String, String>, String> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| format!("not valid TOML: {}", e.message()))?;
    let mut values = HashMap::new();
    for (key, value) in table {
        let short = key
            .strip_prefix("ORDERHUB_")
            .map(str::to_ascii_lowercase)
            .unwrap_or_else(|| key.clone());
        if !FILE_KEYS.contains(&short.as_str()) {
            return Err(format!(
                "unknown key `{key}` (known: {})",
                FILE_KEYS.join(", ")
            ));
        }
        let value = match value {
            toml::Value::String(s) => s,
            // `poll_interval = 30` means seconds, as ORDERHUB_POLL_INTERVAL=30 does
            toml::Value::Integer(n) if short == "poll_interval" || short == "sync_concurrency" => {
                n.to_string()
            }
            other => {
                return Err(format!(
                    "`{key}` must be a string, not {}",
                    other.type_str()
                ))
            }
        };
        values.insert(format!("ORDERHUB_{}", short.to_ascii_uppercase()), value);
    }
    Ok(values)
}

impl Settings {
    /// Reads the environment. `generate_key` lets `demo` run without a configured key.
    pub fn from_env(generate_key: bool) -> Result<Settings, String> {
        Settings::load(&Config::env_only(), generate_key)
    }

    /// Reads the environment over the configuration file of `config`.
    pub fn load(config: &Config, generate_key: bool) -> Result<Settings, String> {
        Settings::from_lookup(|name| config.get(name), generate_key)
    }

    fn from_lookup(
        var: impl Fn(&str) -> Option<String>,
        generate_key: bool,
    ) -> Result<Settings, String> {
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
        let mut schedule = crate::sync::scheduler::SchedulePolicy::default();
        if let Some(v) = var("ORDERHUB_SYNC_CONCURRENCY") {
            schedule.concurrency = parse_concurrency(&v)?;
        }
        let admin_token = var("ORDERHUB_ADMIN_TOKEN").map(SecretString::new);
        if let Some(t) = &admin_token {
            check_admin_token(t.expose())?;
        }
        let cors_origins = match var("ORDERHUB_CORS_ORIGINS") {
            Some(v) => parse_cors_origins(&v)?,
            None => Vec::new(),
        };
        Ok(Settings {
            database_url: var("ORDERHUB_DATABASE_URL")
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
            listen,
            secret_key,
            admin_token,
            poll_interval,
            platform_http: Default::default(),
            outbox: Default::default(),
            public_url: var("ORDERHUB_PUBLIC_URL"),
            live_recheck: crate::graphql::live::RECHECK,
            schedule,
            cors_origins,
        })
    }
}

impl Settings {
    /// Checks what a caller could have set directly, as `App::build` does before anything starts.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(t) = &self.admin_token {
            check_admin_token(t.expose())?;
        }
        for origin in &self.cors_origins {
            let written = parse_cors_origin(origin)?;
            if written != *origin {
                return Err(format!(
                    "ORDERHUB_CORS_ORIGINS: `{origin}` is not written as a browser sends it \
                     (`{written}`)"
                ));
            }
        }
        Ok(())
    }
}

/// `ORDERHUB_ADMIN_TOKEN` must be long enough not to be guessed: at least
/// [`MIN_ADMIN_TOKEN_LEN`] characters (leading and trailing blanks do not count).
pub fn check_admin_token(token: &str) -> Result<(), String> {
    let len = token.trim().chars().count();
    if len < MIN_ADMIN_TOKEN_LEN {
        return Err(format!(
            "ORDERHUB_ADMIN_TOKEN is {len} characters long; it must have at least \
             {MIN_ADMIN_TOKEN_LEN}, so it cannot be guessed. Make one with \
             `openssl rand -base64 32`"
        ));
    }
    Ok(())
}

/// `ORDERHUB_CORS_ORIGINS`: comma-separated origins such as
/// `http://localhost:5173,https://crm.example.com`. `*` is refused: a bearer-token API names the
/// frontends it serves.
pub fn parse_cors_origins(v: &str) -> Result<Vec<String>, String> {
    let mut origins: Vec<String> = Vec::new();
    for raw in v.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        let origin = parse_cors_origin(raw)?;
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    Ok(origins)
}

/// One origin, written as a browser sends it in `Origin`: lower case, no path, no default port
/// (`https://crm.example.com:443/` is `https://crm.example.com`), so it compares exactly.
pub fn parse_cors_origin(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    if raw == "*" || raw.contains('*') {
        return Err(format!(
            "ORDERHUB_CORS_ORIGINS: `{raw}` would let any web page use the API with a stolen \
             token; list each frontend's origin instead, such as https://crm.example.com"
        ));
    }
    let wrong = || {
        format!(
            "ORDERHUB_CORS_ORIGINS: `{raw}` is not an origin; write scheme://host[:port], such \
             as http://localhost:5173 or https://crm.example.com"
        )
    };
    let lower = raw.to_ascii_lowercase();
    let (scheme, rest) = lower.split_once("://").ok_or_else(wrong)?;
    let default_port = match scheme {
        "http" => 80,
        "https" => 443,
        _ => return Err(wrong()),
    };
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.is_empty() || authority.contains(['/', '?', '#', '@', ' ']) {
        return Err(wrong());
    }
    let uri: actix_web::http::Uri = format!("{scheme}://{authority}")
        .parse()
        .map_err(|_| wrong())?;
    let host = uri.host().filter(|h| !h.is_empty()).ok_or_else(wrong)?;
    // a port given must be a number (`http::Uri` lets `host:` and `host:port` through)
    let after_host = authority
        .rsplit_once(']')
        .map_or(authority, |(_, rest)| rest);
    if let Some((_, port)) = after_host.rsplit_once(':') {
        if port.parse::<u16>().is_err() {
            return Err(wrong());
        }
    }
    Ok(match uri.port_u16() {
        Some(p) if p != default_port => format!("{scheme}://{host}:{p}"),
        _ => format!("{scheme}://{host}"),
    })
}

/// The origin of a URL such as `ORDERHUB_PUBLIC_URL` (`https://hub.example.com/base` →
/// `https://hub.example.com`), if it has one.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    parse_cors_origin(&format!("{scheme}://{authority}")).ok()
}

/// `ORDERHUB_SYNC_CONCURRENCY`: how many sources one instance syncs at once, 1 to
/// [`crate::sync::scheduler::MAX_CONCURRENCY`].
pub fn parse_concurrency(v: &str) -> Result<usize, String> {
    use crate::sync::scheduler::MAX_CONCURRENCY;
    match v.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_CONCURRENCY).contains(&n) => Ok(n),
        _ => Err(format!(
            "ORDERHUB_SYNC_CONCURRENCY `{}` must be a whole number from 1 to {MAX_CONCURRENCY}",
            v.trim()
        )),
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
    fn a_file_gives_the_same_keys_and_the_environment_wins() {
        let file = Config::from_toml(
            "database_url = \"postgres://db/orders\"\nlisten = \"0.0.0.0:9000\"\n\
             ORDERHUB_POLL_INTERVAL = 30\npublic_url = \"https://hub.example\"\n\
             secret_key = \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"\n",
        )
        .unwrap();
        let env: HashMap<&str, &str> = [
            ("ORDERHUB_LISTEN", "127.0.0.1:7000"),
            ("ORDERHUB_PUBLIC_URL", " "),
        ]
        .into_iter()
        .collect();
        let s = Settings::from_lookup(
            |name| file.lookup(name, |n| env.get(n).map(|v| v.to_string())),
            false,
        )
        .unwrap();
        assert_eq!(s.database_url, "postgres://db/orders");
        assert_eq!(
            s.listen.to_string(),
            "127.0.0.1:7000",
            "the environment wins"
        );
        assert_eq!(s.poll_interval, Duration::from_secs(30));
        assert_eq!(
            s.public_url.as_deref(),
            Some("https://hub.example"),
            "a blank variable is unset"
        );
    }

    #[test]
    fn a_file_with_a_typo_or_a_wrong_type_is_refused_by_name() {
        let typo = Config::from_toml("databse_url = \"sqlite://x.db\"").unwrap_err();
        assert!(typo.contains("unknown key `databse_url`"), "{typo}");
        assert!(
            typo.contains("database_url"),
            "names the known keys: {typo}"
        );
        let wrong = Config::from_toml("listen = 8080").unwrap_err();
        assert!(wrong.contains("`listen` must be a string"), "{wrong}");
        let broken = Config::from_toml("listen = ").unwrap_err();
        assert!(broken.contains("not valid TOML"), "{broken}");
        let missing =
            Config::with_file(std::path::Path::new("/nonexistent/orderhub.toml")).unwrap_err();
        assert!(missing.contains("/nonexistent/orderhub.toml"), "{missing}");
    }

    #[test]
    fn a_short_admin_token_is_refused_by_name() {
        let env = |token: &'static str| {
            move |name: &str| match name {
                "ORDERHUB_ADMIN_TOKEN" => Some(token.to_string()),
                _ => None,
            }
        };
        let err = Settings::from_lookup(env("admin"), true).unwrap_err();
        assert!(err.contains("ORDERHUB_ADMIN_TOKEN"), "{err}");
        assert!(err.contains("at least 24"), "{err}");
        let ok = Settings::from_lookup(env("a-long-enough-admin-token-123"), true).unwrap();
        assert!(ok.validate().is_ok());
    }

    // covers: IMP-2 — the concurrency of one instance comes from the environment or the file
    #[test]
    fn sync_concurrency_is_read_and_checked() {
        let d = Settings::from_lookup(|_| None, true).unwrap();
        assert_eq!(
            d.schedule.concurrency,
            crate::sync::scheduler::DEFAULT_CONCURRENCY
        );
        assert!(d.schedule.concurrency > 4);
        let file = Config::from_toml("sync_concurrency = 200").unwrap();
        let s = Settings::from_lookup(|n| file.lookup(n, |_| None), true).unwrap();
        assert_eq!(s.schedule.concurrency, 200);
        for bad in ["0", "-3", "many", "100000"] {
            let err = Settings::from_lookup(
                |n| (n == "ORDERHUB_SYNC_CONCURRENCY").then(|| bad.to_string()),
                true,
            )
            .unwrap_err();
            assert!(err.contains("ORDERHUB_SYNC_CONCURRENCY"), "{err}");
        }
    }

    // covers: API-1, API-5 — the browser origins allowed to call the API are named and checked
    #[test]
    fn cors_origins_are_read_and_checked_by_name() {
        let none = Settings::from_lookup(|_| None, true).unwrap();
        assert!(none.cors_origins.is_empty(), "none by default");
        let file = Config::from_toml(
            "cors_origins = \"http://localhost:5173, HTTPS://CRM.example.com:443/\"",
        )
        .unwrap();
        let s = Settings::from_lookup(|n| file.lookup(n, |_| None), true).unwrap();
        assert_eq!(
            s.cors_origins,
            ["http://localhost:5173", "https://crm.example.com"],
            "as a browser writes them"
        );
        assert!(s.validate().is_ok());
        for bad in [
            "*",
            "https://*.example.com",
            "crm.example.com",
            "ftp://crm.example.com",
            "https://crm.example.com/app",
            "https://",
            "http://localhost:port",
            "https://user@crm.example.com",
        ] {
            let err = Settings::from_lookup(
                |n| (n == "ORDERHUB_CORS_ORIGINS").then(|| format!("http://localhost:5173,{bad}")),
                true,
            )
            .unwrap_err();
            assert!(err.contains("ORDERHUB_CORS_ORIGINS"), "{err}");
            assert!(err.contains(&format!("`{bad}`")), "names {bad}: {err}");
        }
        let star = parse_cors_origins("*").unwrap_err();
        assert!(star.contains("list each frontend's origin"), "{star}");
        // a caller building Settings directly is checked by App::build the same way
        let mut direct = none.clone();
        direct.cors_origins = vec!["*".into()];
        assert!(direct.validate().is_err());
        direct.cors_origins = vec!["https://crm.example.com/".into()];
        assert!(direct.validate().is_err());
        assert_eq!(
            origin_of("https://Hub.example.com:443/base/").as_deref(),
            Some("https://hub.example.com")
        );
        assert_eq!(origin_of("hub.example.com"), None);
    }

    #[test]
    fn secret_strings_do_not_print() {
        assert_eq!(format!("{:?}", SecretString::new("abc")), "<redacted>");
    }
}
