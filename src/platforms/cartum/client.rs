//! Cartum client: `POST <base_url>/api/<function>/` with a JSON body carrying a 600-second token,
//! `{status, response}` answers read whatever the HTTP status, offset/limit paging, and re-reading
//! the window instead of a change-time filter (the API has none).
//!
//! Re-syncs (issue 15). `orders/get` answers whole orders (there is no separate detail read) but
//! carries no change time and takes no modified-since filter, so nothing tells a changed order
//! from an unchanged one before it is read: the reads are spread over the runs instead. Every run
//! reads the orders created in the last `resync_hot_days` (or since `since`, if that is earlier),
//! where most changes happen; the older days of the window are each read once per
//! `spread_minutes`, a run reading the days whose turn falls in its span (`since`, the last run's
//! start minus the engine's overlap, to now), consecutive days in one ranged request
//! ([`crate::platforms::resync::due_day_ranges`]). A change to an older order therefore arrives
//! within `spread_minutes`. With W orders in the window, R of them in the hot days, pages of p,
//! and runs spanning s minutes (interval plus overlap):
//! - before: ⌈W/p⌉ `orders/get` requests every run (the whole window, every status);
//! - now: ⌈R/p⌉ + at most 3 ranged reads of about (W−R)·s/`spread_minutes` orders
//!   (⌈·/p⌉ pages each); all of the window once per `spread_minutes`;
//! - plus, as before, `auth` every `token_refresh_secs` and the status table hourly.
//!
//! Settings: [`CartumSettings`] (`settings.rs`: keys, types and defaults; checked when a source is
//! saved).

use super::map::{self, MapContext};
use super::settings::{CartumSettings, DateFormat, ResyncStatuses, StockMode, UpdateMethod};
use super::wire::{self, Envelope, Id};
use crate::domain::orders::{ImportedOrder, StatusClass};
use crate::platforms::http::{decode_value, shared_client, Call, HttpPolicy, Pace, Verdict};
use crate::platforms::{
    decode_list_element, resync, FetchedOrders, PlatformClient, PlatformError, RemotePublication,
    SourceConfig, StockRefusal, StockUpdate, UnreadableOrder,
};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// Names Cartum in errors of the shared HTTP path.
const PLATFORM: &str = "Cartum";
/// The platform's cap on `limit` for `orders/get` and `catalog/export`.
pub const MAX_LIMIT: u64 = 500;
/// A guard against a shop that never returns a short page.
const MAX_PAGES: u64 = 10_000;
/// Custom statuses change rarely; re-read them this often.
const STATUS_TABLE_TTL: Duration = Duration::from_secs(3600);

struct Session {
    token: String,
    obtained: Instant,
}

/// What one exchange with the shop gave.
enum Outcome {
    Answer(Envelope),
    /// The token was not accepted (expired, unknown): log in again once.
    TokenRejected(String),
}

pub struct CartumClient {
    config: SourceConfig,
    http: reqwest::Client,
    policy: HttpPolicy,
    pace: Pace,
    /// `<base_url>/api`
    api_base: String,
    session: Mutex<Option<Session>>,
    statuses: Mutex<Option<(Instant, HashMap<u64, StatusClass>)>>,
    page_size: u64,
    catalog_page_size: u64,
    token_refresh: Duration,
    settings: CartumSettings,
}

impl CartumClient {
    pub fn new(config: SourceConfig) -> Result<Self, PlatformError> {
        let settings: CartumSettings = crate::platforms::settings::read(&config.settings);
        let mut policy = config.http.clone();
        let min_interval = Duration::from_millis(settings.min_interval_ms);
        policy.min_interval = policy.min_interval.max(min_interval);
        let http = shared_client(PLATFORM, &policy)?;
        // the shop's URL is the base URL; the domain credential stands in when it is blank
        let base_url = match config.credentials.shop_domain.as_deref() {
            Some(domain) if config.base_url.trim().is_empty() => domain.to_string(),
            _ => config.base_url.clone(),
        };
        let api_base = api_base(&base_url)?;
        Ok(CartumClient {
            page_size: settings.page_size.clamp(1, MAX_LIMIT),
            catalog_page_size: settings.catalog_page_size.clamp(1, MAX_LIMIT),
            token_refresh: Duration::from_secs(settings.token_refresh_secs),
            settings,
            config,
            http,
            policy,
            pace: Pace::default(),
            api_base,
            session: Mutex::new(None),
            statuses: Mutex::new(None),
        })
    }

    fn residues_mode(&self) -> bool {
        self.settings.stock_mode == StockMode::Residues
    }

    async fn map_context(&self) -> Result<MapContext, PlatformError> {
        Ok(MapContext {
            language: self.config.language.clone(),
            statuses: self.status_table().await?,
            fields: self.settings.customer_fields(),
            name_order: self.settings.name_order(),
            default_currency: self.settings.currency.clone(),
            region: self.settings.country.region(),
        })
    }

    // ---- transport ----------------------------------------------------------------------

    /// One function call without the token logic, through the shared retry loop: transport
    /// faults, 429, 5xx, bodies cut off and `EXCEPTION` answers (server failures) share one
    /// attempt budget. The answer to `auth` holds the token, so it is never quoted.
    async fn exchange(&self, function: &str, body: &Value) -> Result<Outcome, PlatformError> {
        let url = format!("{}/{}/", self.api_base, function);
        let method =
            if function == "orders/update" && self.settings.update_method == UpdateMethod::Put {
                reqwest::Method::PUT
            } else {
                reqwest::Method::POST
            };
        Call::new(PLATFORM, &self.policy, &self.pace)
            .secret(function == "auth")
            .send(
                || self.http.request(method.clone(), &url).json(body),
                |answer| {
                    let parsed = answer.parse::<Envelope>();
                    if answer.status == 401 || answer.status == 403 {
                        let message = match parsed {
                            Verdict::Done(env) => env.error_message(),
                            _ => None,
                        };
                        let message = message.unwrap_or_else(|| format!("HTTP {}", answer.status));
                        return Verdict::Done(Outcome::TokenRejected(message));
                    }
                    let parsed = match parsed {
                        // another status whose body is no envelope: nothing worth asking again
                        Verdict::Retry(_) | Verdict::Fail(_) if answer.status != 200 => {
                            return Verdict::Fail(PlatformError::BadResponse(format!(
                                "{PLATFORM} `{function}` answered HTTP {}: {}",
                                answer.status,
                                answer.snippet()
                            )))
                        }
                        other => other,
                    };
                    parsed.and_then(|env| {
                        if env.status == wire::STATUS_EXCEPTION {
                            Verdict::Retry(PlatformError::Transient(format!(
                                "{PLATFORM} `{function}` failed on the server: {}",
                                env.error_message().unwrap_or_default()
                            )))
                        } else {
                            Verdict::Done(Outcome::Answer(env))
                        }
                    })
                },
            )
            .await
    }

    /// A fresh token from `auth`. A refusal is `Unauthorized` with the shop's words (SRC-2, SRC-6).
    async fn login(&self) -> Result<Session, PlatformError> {
        let creds = &self.config.credentials;
        let (Some(login), Some(password)) = (
            creds.login.as_deref().filter(|s| !s.trim().is_empty()),
            creds.password.as_deref().filter(|s| !s.is_empty()),
        ) else {
            return Err(PlatformError::Unauthorized(
                "Cartum needs the API user's login (username, not e-mail) and password".into(),
            ));
        };
        let body = serde_json::to_value(wire::AuthRequest {
            login: login.trim().to_string(),
            password: password.to_string(),
        })
        .map_err(|e| PlatformError::BadResponse(e.to_string()))?;
        let env = match self.exchange("auth", &body).await? {
            Outcome::TokenRejected(message) => return Err(PlatformError::Unauthorized(message)),
            Outcome::Answer(env) => env,
        };
        if env.status != wire::STATUS_OK {
            let message = env
                .error_message()
                .unwrap_or_else(|| format!("auth answered {}", env.status));
            return Err(PlatformError::Unauthorized(message));
        }
        let auth: wire::AuthResponse = serde_json::from_value(env.response)
            // serde's message would quote the value, which is the token
            .map_err(|_| PlatformError::BadResponse("Cartum auth answered no token".into()))?;
        if auth.token.trim().is_empty() {
            return Err(PlatformError::BadResponse(
                "Cartum auth answered an empty token".into(),
            ));
        }
        tracing::debug!(source_id = %self.config.source_id, "Cartum token obtained");
        Ok(Session {
            token: auth.token,
            obtained: Instant::now(),
        })
    }

    /// The current token, renewed before it expires (600 s on the platform).
    async fn token(&self) -> Result<String, PlatformError> {
        let mut session = self.session.lock().await;
        if let Some(s) = session.as_ref() {
            if s.obtained.elapsed() < self.token_refresh {
                return Ok(s.token.clone());
            }
        }
        let fresh = self.login().await?;
        let token = fresh.token.clone();
        *session = Some(fresh);
        Ok(token)
    }

    async fn forget_token(&self, rejected: &str) {
        let mut session = self.session.lock().await;
        if session.as_ref().is_some_and(|s| s.token == rejected) {
            *session = None;
        }
    }

    /// Calls a function with the token; an answer of `OK`, `EMPTY` or `WARNING` comes back, any
    /// other is an error. A rejected token is renewed once.
    async fn call(&self, function: &str, mut body: Value) -> Result<Envelope, PlatformError> {
        let mut renewed = false;
        loop {
            let token = self.token().await?;
            if let Some(obj) = body.as_object_mut() {
                obj.insert("token".into(), Value::String(token.clone()));
            }
            let env = match self.exchange(function, &body).await? {
                Outcome::Answer(env) => env,
                Outcome::TokenRejected(message) => {
                    if renewed {
                        return Err(PlatformError::Unauthorized(message));
                    }
                    self.forget_token(&token).await;
                    renewed = true;
                    continue;
                }
            };
            match env.status.as_str() {
                wire::STATUS_OK | wire::STATUS_EMPTY | wire::STATUS_WARNING => return Ok(env),
                wire::STATUS_ERROR | wire::STATUS_HTTP_ERROR => {
                    let message = env
                        .error_message()
                        .unwrap_or_else(|| format!("`{function}` answered {}", env.status));
                    if message.to_lowercase().contains("token") {
                        if renewed {
                            return Err(PlatformError::Unauthorized(message));
                        }
                        tracing::debug!(source_id = %self.config.source_id, function, "Cartum token rejected, logging in again");
                        self.forget_token(&token).await;
                        renewed = true;
                        continue;
                    }
                    return Err(PlatformError::Refused {
                        code: env.error_code().or(Some(env.status.clone())),
                        message,
                    });
                }
                wire::STATUS_UNDEFINED_FUNCTION => {
                    return Err(PlatformError::Refused {
                        code: Some(wire::STATUS_UNDEFINED_FUNCTION.into()),
                        message: format!(
                            "the shop has no API function `{function}` (check the tariff and the platform version)"
                        ),
                    })
                }
                other => {
                    return Err(PlatformError::BadResponse(format!(
                        "Cartum `{function}` answered status `{other}`"
                    )))
                }
            }
        }
    }

    fn response_list<T: DeserializeOwned>(
        env: &Envelope,
        key: &str,
        function: &str,
    ) -> Result<Vec<(T, Value)>, PlatformError> {
        Self::response_rows(env, key, function)?
            .into_iter()
            .map(|raw| match T::deserialize(&raw) {
                Ok(t) => Ok((t, raw)),
                Err(_) => {
                    let id = raw
                        .get("order_id")
                        .or_else(|| raw.get("article"))
                        .map(|v| v.to_string())
                        .unwrap_or_default();
                    // the same mismatch again, named: the row and the field
                    let row = format!("{PLATFORM} `{function}` row {id}");
                    decode_value::<T>(&row, &raw).map(|t| (t, raw))
                }
            })
            .collect()
    }

    /// The rows of a list answer, each still raw JSON.
    fn response_rows(
        env: &Envelope,
        key: &str,
        function: &str,
    ) -> Result<Vec<Value>, PlatformError> {
        if env.status == wire::STATUS_EMPTY {
            return Ok(Vec::new());
        }
        let list = match &env.response {
            Value::Object(o) => match o.get(key) {
                Some(Value::Array(a)) => a.clone(),
                None | Some(Value::Null) => Vec::new(),
                Some(_) => {
                    return Err(PlatformError::BadResponse(format!(
                        "Cartum `{function}`: `{key}` is not a list"
                    )))
                }
            },
            Value::Array(a) if a.is_empty() => Vec::new(),
            Value::Null => Vec::new(),
            _ => {
                return Err(PlatformError::BadResponse(format!(
                    "Cartum `{function}`: unexpected response shape"
                )))
            }
        };
        Ok(list)
    }

    // ---- orders -------------------------------------------------------------------------

    /// Status id → class, from `orders/get_available_statuses` (custom statuses by
    /// `is_successful`) and the source's overrides.
    async fn status_table(&self) -> Result<HashMap<u64, StatusClass>, PlatformError> {
        let mut cache = self.statuses.lock().await;
        if let Some((at, table)) = cache.as_ref() {
            if at.elapsed() < STATUS_TABLE_TTL {
                return Ok(table.clone());
            }
        }
        let mut table = match self.call("orders/get_available_statuses", json!({})).await {
            Ok(env) => {
                let list: Vec<(wire::StatusInfo, Value)> =
                    Self::response_list(&env, "statuses", "orders/get_available_statuses")?;
                let list: Vec<wire::StatusInfo> = list.into_iter().map(|(s, _)| s).collect();
                map::status_classes(&list)
            }
            // older shops: the five defaults are all there is
            Err(e @ (PlatformError::Refused { .. } | PlatformError::BadResponse(_))) => {
                tracing::warn!(source_id = %self.config.source_id, error = %e, "Cartum statuses unavailable, using the five defaults");
                map::default_status_classes()
            }
            Err(e) => return Err(e),
        };
        for &id in &self.settings.completed_statuses.0 {
            table.insert(id, StatusClass::Completed);
        }
        for &id in &self.settings.cancelled_statuses.0 {
            table.insert(id, StatusClass::Cancelled);
        }
        *cache = Some((Instant::now(), table.clone()));
        Ok(table)
    }

    fn shop_time(&self, t: DateTime<Utc>) -> String {
        let local = crate::domain::time::utc_to_kyiv(t);
        if self.settings.date_format == DateFormat::Date {
            local.format("%Y-%m-%d").to_string()
        } else {
            local.format("%Y-%m-%d %H:%M:%S").to_string()
        }
    }

    /// Every order created at or after `from` (optionally of these statuses), all pages, each once.
    async fn fetch_orders(
        &self,
        from: DateTime<Utc>,
        statuses: Option<Vec<u64>>,
    ) -> Result<(Vec<wire::Order>, Vec<UnreadableOrder>), PlatformError> {
        let mut seen = HashSet::new();
        let mut out = (Vec::new(), Vec::new());
        self.fetch_range(self.shop_time(from), None, &statuses, &mut seen, &mut out)
            .await?;
        Ok(out)
    }

    /// The orders created between `from` and `to` (shop time, inclusive), all pages, added to
    /// `out` unless `seen` has them already.
    async fn fetch_range(
        &self,
        from: String,
        to: Option<String>,
        statuses: &Option<Vec<u64>>,
        seen: &mut HashSet<Id>,
        (out, unreadable): &mut (Vec<wire::Order>, Vec<UnreadableOrder>),
    ) -> Result<(), PlatformError> {
        let limit = self.page_size;
        let mut offset = 0;
        for _ in 0..MAX_PAGES {
            let request = wire::OrdersGetRequest {
                from: Some(from.clone()),
                to: to.clone(),
                status: statuses
                    .as_ref()
                    .map(|s| wire::StatusFilter::Many(s.iter().copied().map(Id).collect())),
                offset: Some(offset),
                limit: Some(limit),
                ..Default::default()
            };
            let body = serde_json::to_value(&request)
                .map_err(|e| PlatformError::BadResponse(e.to_string()))?;
            let env = self.call("orders/get", body).await?;
            let page = Self::response_rows(&env, "orders", "orders/get")?;
            let n = page.len() as u64;
            for raw in page {
                // each order read alone: a malformed one is skipped, the page goes on
                match decode_list_element::<wire::Order>(raw, "order_id") {
                    // an order created while paging shifts the offsets: keep the first copy
                    Ok(o) if seen.insert(o.order_id) => out.push(o),
                    Ok(_) => {}
                    Err(u) => unreadable.push(u),
                }
            }
            if n < limit {
                return Ok(());
            }
            offset += limit;
        }
        Err(PlatformError::BadResponse(format!(
            "Cartum `orders/get` did not end after {MAX_PAGES} pages"
        )))
    }

    /// A re-sync's reads: the hot days (or since `since`) in full, and of the older days of the
    /// window those whose turn it is (see the module's header).
    async fn fetch_resync(
        &self,
        since: DateTime<Utc>,
        window_from: DateTime<Utc>,
        statuses: Option<Vec<u64>>,
    ) -> Result<(Vec<wire::Order>, Vec<UnreadableOrder>), PlatformError> {
        let period = Duration::from_secs(self.settings.spread_minutes.saturating_mul(60));
        if period.is_zero() {
            return self.fetch_orders(window_from, statuses).await;
        }
        let now = Utc::now();
        let hot_days = i64::try_from(self.settings.resync_hot_days).unwrap_or(i64::MAX);
        let hot_from = chrono::Duration::try_days(hot_days)
            .and_then(|d| now.checked_sub_signed(d))
            .unwrap_or(window_from)
            .min(since)
            .max(window_from);
        let mut seen = HashSet::new();
        let mut out = (Vec::new(), Vec::new());
        self.fetch_range(
            self.shop_time(hot_from),
            None,
            &statuses,
            &mut seen,
            &mut out,
        )
        .await?;
        let first = crate::domain::time::utc_to_kyiv(window_from).date();
        let last = crate::domain::time::utc_to_kyiv(hot_from).date();
        let ranges = resync::due_day_ranges(first, last, since, now, period);
        tracing::debug!(source_id = %self.config.source_id, ?ranges, "Cartum re-sync reads the hot days and the days whose turn it is");
        let date_only = self.settings.date_format == DateFormat::Date;
        for (a, b) in ranges {
            let (from, to) = if date_only {
                (
                    a.format("%Y-%m-%d").to_string(),
                    b.format("%Y-%m-%d").to_string(),
                )
            } else {
                (
                    a.format("%Y-%m-%d 00:00:00").to_string(),
                    b.format("%Y-%m-%d 23:59:59").to_string(),
                )
            };
            self.fetch_range(from, Some(to), &statuses, &mut seen, &mut out)
                .await?;
        }
        Ok(out)
    }

    fn map_all(
        (orders, unreadable): (Vec<wire::Order>, Vec<UnreadableOrder>),
        ctx: &MapContext,
        from: DateTime<Utc>,
        skip: &[u64],
    ) -> FetchedOrders {
        let mut out = FetchedOrders {
            orders: Vec::new(),
            unreadable,
        };
        for o in &orders {
            if skip.contains(&o.stat_status.0) {
                continue;
            }
            match map::order(o, ctx) {
                // `from` may have been sent as a date only
                Ok(m) if m.created_at >= from => out.orders.push(m),
                Ok(_) => {}
                Err(e) => out.unreadable.push(UnreadableOrder {
                    external_id: Some(o.order_id.0.to_string()),
                    reason: e.reason(),
                }),
            }
        }
        out
    }

    async fn update_order(&self, update: wire::OrderUpdate) -> Result<(), PlatformError> {
        let order_id = update.order_id;
        let body = serde_json::to_value(wire::OrdersUpdateRequest {
            token: None,
            orders: vec![update],
        })
        .map_err(|e| PlatformError::BadResponse(e.to_string()))?;
        let env = self.call("orders/update", body).await?;
        let log: wire::UpdateLog = serde_json::from_value(env.response.clone()).unwrap_or_default();
        match log.log.iter().find(|e| e.order_id == order_id) {
            Some(entry) if entry.code != 0 => Err(PlatformError::Refused {
                code: Some(entry.code.to_string()),
                message: entry.message.clone(),
            }),
            Some(_) => Ok(()),
            None if env.status == wire::STATUS_OK => Ok(()),
            None => Err(PlatformError::Refused {
                code: Some(env.status.clone()),
                message: env
                    .error_message()
                    .unwrap_or_else(|| "the order was not updated".into()),
            }),
        }
    }

    fn order_id(external_id: &str) -> Result<Id, PlatformError> {
        external_id
            .trim()
            .parse()
            .map(Id)
            .map_err(|_| PlatformError::NotFound)
    }

    // ---- catalog ------------------------------------------------------------------------

    async fn import_rows(
        &self,
        rows: Vec<wire::CatalogImportRow>,
    ) -> Result<Vec<ImportFailure>, PlatformError> {
        let batch = self.settings.import_batch_size.max(1) as usize;
        let mut failures = Vec::new();
        for chunk in rows.chunks(batch) {
            let body = serde_json::to_value(wire::CatalogImportRequest {
                token: None,
                products: chunk.to_vec(),
            })
            .map_err(|e| PlatformError::BadResponse(e.to_string()))?;
            let env = self.call("catalog/import", body).await?;
            failures.extend(import_failures(&env));
        }
        Ok(failures)
    }

    async fn import_residues(
        &self,
        rows: Vec<wire::ResidueRow>,
    ) -> Result<Vec<ImportFailure>, PlatformError> {
        let batch = self.settings.import_batch_size.max(1) as usize;
        let mut failures = Vec::new();
        for chunk in rows.chunks(batch) {
            let body = serde_json::to_value(wire::ResiduesRequest {
                token: None,
                products: chunk.to_vec(),
            })
            .map_err(|e| PlatformError::BadResponse(e.to_string()))?;
            let env = self.call("catalog/importResidues", body).await?;
            failures.extend(import_failures(&env));
        }
        Ok(failures)
    }
}

/// `<base_url>/api` whether or not the source's URL already ends in `/api`.
fn api_base(base_url: &str) -> Result<String, PlatformError> {
    let trimmed = base_url.trim().trim_end_matches('/');
    if trimmed.is_empty() {
        return Err(PlatformError::BadResponse(
            "Cartum needs the shop's URL (https://<shop-domain>)".into(),
        ));
    }
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_string()
    } else {
        format!("https://{trimmed}")
    };
    Ok(if with_scheme.ends_with("/api") {
        with_scheme
    } else {
        format!("{with_scheme}/api")
    })
}

/// Publications are keyed by article; the SKU stands in for a blank external id.
fn article_of(update: &StockUpdate) -> String {
    let id = update.external_id.trim();
    if id.is_empty() {
        update.sku.clone().unwrap_or_default()
    } else {
        id.to_string()
    }
}

/// (code, "article: message") of every row an import did not take.
/// An article a catalog import did not take, with the import log's code and message.
struct ImportFailure {
    article: String,
    code: i64,
    message: String,
}

fn import_failures(env: &Envelope) -> Vec<ImportFailure> {
    let log: wire::ImportLog = serde_json::from_value(env.response.clone()).unwrap_or_default();
    log.log
        .iter()
        .flat_map(|entry| {
            entry
                .info
                .iter()
                .filter(|i| !wire::IMPORT_CODES_OK.contains(&i.code))
                .map(move |i| ImportFailure {
                    article: entry.article.clone(),
                    code: i.code,
                    message: i.message.clone(),
                })
        })
        .collect()
}

/// The import log's failures as refusals of the updates they name (by article).
fn refusals(updates: &[StockUpdate], failures: Vec<ImportFailure>) -> Vec<StockRefusal> {
    failures
        .into_iter()
        .map(|f| StockRefusal {
            external_id: updates
                .iter()
                .find(|u| article_of(u) == f.article)
                .map_or_else(|| f.article.clone(), |u| u.external_id.clone()),
            code: Some(f.code.to_string()),
            message: format!("{}: {}", f.article, f.message),
        })
        .collect()
}

#[async_trait::async_trait]
impl PlatformClient for CartumClient {
    #[tracing::instrument(skip_all, fields(source_id = %self.config.source_id, platform = "cartum"))]
    async fn authorize(&self) -> Result<(), PlatformError> {
        let fresh = self.login().await?;
        *self.session.lock().await = Some(fresh);
        Ok(())
    }

    /// IMP-1: orders of the window except those already delivered (status 3).
    #[tracing::instrument(skip_all, fields(source_id = %self.config.source_id, platform = "cartum"))]
    async fn orders_created_since(
        &self,
        from: DateTime<Utc>,
    ) -> Result<FetchedOrders, PlatformError> {
        let ctx = self.map_context().await?;
        let orders = self.fetch_orders(from, None).await?;
        let skip = self.settings.backfill_skip_statuses.0.clone();
        Ok(Self::map_all(orders, &ctx, from, &skip))
    }

    /// SYNC-1 without a change-time filter: the orders of the window are re-read (all statuses
    /// by default, so cancellations and deliveries arrive too), the hot days every run and the
    /// older days spread over the runs, and the merge finds what changed.
    #[tracing::instrument(skip_all, fields(source_id = %self.config.source_id, platform = "cartum"))]
    async fn orders_changed_since(
        &self,
        since: DateTime<Utc>,
        window_from: DateTime<Utc>,
    ) -> Result<FetchedOrders, PlatformError> {
        let ctx = self.map_context().await?;
        let statuses = (self.settings.resync_statuses == ResyncStatuses::Open).then(|| {
            let mut open: Vec<u64> = ctx
                .statuses
                .iter()
                .filter(|(_, c)| **c == StatusClass::Processing)
                .map(|(id, _)| *id)
                .collect();
            open.sort_unstable();
            open
        });
        let orders = self.fetch_resync(since, window_from, statuses).await?;
        Ok(Self::map_all(orders, &ctx, window_from, &[]))
    }

    #[tracing::instrument(skip_all, fields(source_id = %self.config.source_id, platform = "cartum", external_id = %external_id))]
    async fn fetch_order(&self, external_id: &str) -> Result<Option<ImportedOrder>, PlatformError> {
        let Ok(id) = Self::order_id(external_id) else {
            return Ok(None);
        };
        let ctx = self.map_context().await?;
        let request = wire::OrdersGetRequest {
            ids: Some(vec![id]),
            ..Default::default()
        };
        let body = serde_json::to_value(&request)
            .map_err(|e| PlatformError::BadResponse(e.to_string()))?;
        let env = self.call("orders/get", body).await?;
        let page: Vec<(wire::Order, Value)> = Self::response_list(&env, "orders", "orders/get")?;
        page.iter()
            .find(|(o, _)| o.order_id == id)
            .map(|(o, _)| map::order(o, &ctx))
            .transpose()
    }

    /// Cartum imposes no sequence of statuses.
    async fn allowed_next_statuses(
        &self,
        _external_id: &str,
    ) -> Result<Option<Vec<String>>, PlatformError> {
        Ok(None)
    }

    /// ST-7. Cartum has no cancellation reasons; the reason stays here.
    #[tracing::instrument(skip_all, fields(source_id = %self.config.source_id, platform = "cartum", external_id = %external_id, status = %status))]
    async fn change_status(
        &self,
        external_id: &str,
        status: &str,
        _cancellation_reason: Option<&str>,
    ) -> Result<(), PlatformError> {
        let order_id = Self::order_id(external_id)?;
        let status: u64 = status.trim().parse().map_err(|_| PlatformError::Refused {
            code: None,
            message: format!("`{status}` is not a Cartum status id"),
        })?;
        self.update_order(wire::OrderUpdate {
            order_id,
            status: Some(Id(status)),
            ..Default::default()
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(source_id = %self.config.source_id, platform = "cartum", external_id = %external_id))]
    async fn set_tracking_number(
        &self,
        external_id: &str,
        number: &str,
    ) -> Result<(), PlatformError> {
        let order_id = Self::order_id(external_id)?;
        self.update_order(wire::OrderUpdate {
            order_id,
            tracking_code: Some(number.trim().to_string()),
            ..Default::default()
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(source_id = %self.config.source_id, platform = "cartum"))]
    async fn list_publications(&self) -> Result<Vec<RemotePublication>, PlatformError> {
        let ctx = MapContext {
            language: self.config.language.clone(),
            ..MapContext::default()
        };
        let residues = self.residues_mode();
        let limit = self.catalog_page_size;
        let mut offset = 0;
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for _ in 0..MAX_PAGES {
            let request = wire::CatalogExportRequest {
                token: None,
                offset: Some(offset),
                limit: Some(limit),
                // full rows carry HTML descriptions and images: ask for what we use
                included_params: Some(
                    [
                        "article",
                        "parent_article",
                        "title",
                        "price",
                        "currency",
                        "presence",
                        "quantity",
                        "display_in_showcase",
                        "parent",
                        "link",
                    ]
                    .map(String::from)
                    .to_vec(),
                ),
            };
            let body = serde_json::to_value(&request)
                .map_err(|e| PlatformError::BadResponse(e.to_string()))?;
            let env = self.call("catalog/export", body).await?;
            let page: Vec<(wire::CatalogProduct, Value)> =
                Self::response_list(&env, "products", "catalog/export")?;
            let n = page.len() as u64;
            for (p, raw) in page {
                let publication = map::publication(&p, raw, &ctx, residues)?;
                if seen.insert(publication.external_id.clone()) {
                    out.push(publication);
                }
            }
            if n < limit {
                return Ok(out);
            }
            offset += limit;
        }
        Err(PlatformError::BadResponse(format!(
            "Cartum `catalog/export` did not end after {MAX_PAGES} pages"
        )))
    }

    /// STK-1: warehouse quantities through `catalog/importResidues` on shops with warehouse
    /// accounting, else in-stock/out-of-stock `presence` through `catalog/import`.
    #[tracing::instrument(skip_all, fields(source_id = %self.config.source_id, platform = "cartum"))]
    async fn push_stock(
        &self,
        updates: &[StockUpdate],
    ) -> Result<Vec<StockRefusal>, PlatformError> {
        if updates.is_empty() {
            return Ok(Vec::new());
        }
        let in_stock = self.settings.presence_in_stock.clone();
        let out_of_stock = self.settings.presence_out_of_stock.clone();
        if self.residues_mode() {
            let warehouse = self.settings.warehouse.clone();
            let rows = updates
                .iter()
                .map(|u| wire::ResidueRow {
                    article: article_of(u),
                    warehouse: warehouse.clone(),
                    quantity: u.quantity.max(0),
                })
                .collect();
            let mut failures = self.import_residues(rows).await?;
            let prices: Vec<wire::CatalogImportRow> = updates
                .iter()
                .filter_map(|u| {
                    u.price.map(|p| wire::CatalogImportRow {
                        article: article_of(u),
                        price: Some(p.into()),
                        ..Default::default()
                    })
                })
                .collect();
            if !prices.is_empty() {
                failures.extend(self.import_rows(prices).await?);
            }
            return Ok(refusals(updates, failures));
        }
        let rows = updates
            .iter()
            .map(|u| wire::CatalogImportRow {
                article: article_of(u),
                presence: Some(if u.quantity > 0 {
                    in_stock.clone()
                } else {
                    out_of_stock.clone()
                }),
                price: u.price.map(Into::into),
                ..Default::default()
            })
            .collect();
        Ok(refusals(updates, self.import_rows(rows).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_path_is_appended_once() {
        assert_eq!(
            api_base("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080/api"
        );
        assert_eq!(
            api_base("https://shop.example/api/").unwrap(),
            "https://shop.example/api"
        );
        assert_eq!(
            api_base("shop.example").unwrap(),
            "https://shop.example/api"
        );
        assert!(api_base(" ").is_err());
    }
}
