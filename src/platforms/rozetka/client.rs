//! Rozetka client: logs in with the Base64 password, keeps the 24 h token (re-login before expiry
//! and once on an expired-token answer), reads `{success, content}` bodies whatever the HTTP status,
//! pages orders by `_meta.pageCount`, and walks the `status_available` graph for status changes.
//!
//! Re-syncs (issue 15): `/orders/search?changed_from=` filters by each order's `changed` time on
//! the platform and answers whole orders (`expand`), so a re-sync reads only what changed and no
//! order's detail: with O open orders and C changed since `since` − `changed_overlap_secs`,
//! ⌈C/20⌉ requests (Rozetka's pages hold 20; at least one), whatever O, plus a login once the
//! token nears its end. The same before and after issue 15.
//!
//! Source `settings` it reads: [`RozetkaSettings`] (`settings.rs`, keys, types and defaults).

use super::map::{self, CommissionFormula, MapOptions};
use super::settings::{CommissionSetting, RozetkaSettings};
use super::statuses::{self, HANDOVER_SCHEDULED, PACKING_CONFIRMED, REPEAT_ORDER};
use super::wire;
use crate::domain::orders::ImportedOrder;
use crate::domain::time::utc_to_kyiv;
use crate::platforms::http::{decode_value, shared_client, Answer, Call, Pace};
use crate::platforms::{
    decode_list_element, FetchedOrders, PlatformClient, PlatformError, RemotePublication,
    SourceConfig, StockRefusal, StockUpdate,
};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// Names Rozetka in errors of the shared HTTP path.
const PLATFORM: &str = "Rozetka";

/// Rozetka's answer codes that mean "who are you?" (note §7).
const BAD_LOGIN: [i64; 2] = [1004, 1020];
const SESSION_GONE: [i64; 3] = [6001, 5401, 1018];
const NOT_FOUND: [i64; 2] = [1019, 1404];
/// Price-list source availability "by API": the only one that takes stock pushes (STK-1).
const AVAILABILITY_API: i64 = 4;
/// Statuses a hop into needs a TTN (note §3).
const NEED_TTN: [i64; 2] = [3, HANDOVER_SCHEDULED];

struct Token {
    value: String,
    obtained: Instant,
}

pub struct RozetkaClient {
    config: SourceConfig,
    http: reqwest::Client,
    pace: Pace,
    base_url: String,
    token: Mutex<Option<Token>>,
    token_ttl: Duration,
    refresh_margin: Duration,
    changed_overlap: chrono::Duration,
    goods_page_size: u64,
    stock_batch: usize,
    /// Up to this many listings a stock push looks up one by one; more, and it reads all goods.
    stock_lookup_max: usize,
    expand: String,
    language: String,
    map_options: MapOptions,
}

/// An answer's body that said `success: false`.
struct ApiFailure {
    http_status: u16,
    code: Option<i64>,
    message: String,
}

enum Outcome {
    Content(Value),
    Failed(ApiFailure),
}

impl RozetkaClient {
    pub fn new(config: SourceConfig) -> Result<Self, PlatformError> {
        let settings: RozetkaSettings = crate::platforms::settings::read(&config.settings);
        let mut policy = config.http.clone();
        // the note's own pace: ≤ 5 requests/s per source (ASSUMPTION 8)
        policy.min_interval = Duration::from_millis(
            settings
                .min_interval_ms
                .unwrap_or_else(|| policy.min_interval.as_millis().max(200) as u64),
        );
        let http = shared_client(PLATFORM, &policy)?;
        let config = SourceConfig {
            http: policy,
            ..config
        };
        Ok(RozetkaClient {
            base_url: config.base_url.trim_end_matches('/').to_string(),
            http,
            pace: Pace::default(),
            token: Mutex::new(None),
            token_ttl: Duration::from_secs(settings.token_ttl_secs),
            refresh_margin: Duration::from_secs(settings.token_refresh_margin_secs),
            changed_overlap: chrono::Duration::seconds(
                // a year at most: chrono's durations end long before u64's seconds
                settings.changed_overlap_secs.min(31_536_000) as i64,
            ),
            goods_page_size: settings.goods_page_size.max(1),
            stock_batch: settings.stock_batch_size.max(1) as usize,
            stock_lookup_max: settings.stock_lookup_max as usize,
            language: config
                .language
                .clone()
                .unwrap_or_else(|| settings.language.clone()),
            map_options: MapOptions {
                currency: settings.currency.clone(),
                commission: match settings.commission_formula {
                    CommissionSetting::CommissionSum => CommissionFormula::PerItemSum,
                    CommissionSetting::CommissionPercent => CommissionFormula::Percent,
                    CommissionSetting::Off => CommissionFormula::Off,
                },
            },
            expand: settings.expand,
            config,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// Sends through the shared retry loop until the body is a readable `{success, content}`
    /// envelope, whatever the HTTP status (Rozetka reports errors in it). Transport faults, 429,
    /// 5xx and bodies cut off share one attempt budget; an envelope of the wrong shape is a
    /// `BadResponse` after one request. `carries_secret`: the body holds the access token, so it
    /// is never quoted.
    async fn send_json(
        &self,
        make: impl Fn() -> reqwest::RequestBuilder,
        carries_secret: bool,
    ) -> Result<(Answer, wire::Envelope), PlatformError> {
        Call::new(PLATFORM, &self.config.http, &self.pace)
            .secret(carries_secret)
            .send(make, |answer| {
                answer
                    .parse::<wire::Envelope>()
                    .map(|envelope| (answer, envelope))
            })
            .await
    }

    fn outcome(answer: &Answer, env: wire::Envelope) -> Outcome {
        if env.success {
            return Outcome::Content(env.content);
        }
        let (code, message) = describe_errors(&env.errors);
        Outcome::Failed(ApiFailure {
            http_status: answer.status,
            code,
            message,
        })
    }

    /// Logs in (`POST /sites`); the password travels Base64-encoded, as Rozetka requires.
    async fn login(&self) -> Result<String, PlatformError> {
        let creds = &self.config.credentials;
        let (Some(login), Some(password)) = (creds.login.as_deref(), creds.password.as_deref())
        else {
            return Err(PlatformError::Unauthorized(
                "Rozetka needs the cabinet login and password".into(),
            ));
        };
        let body = wire::LoginRequest {
            username: login.to_string(),
            password: base64::engine::general_purpose::STANDARD.encode(password.as_bytes()),
        };
        let url = self.url("/sites");
        let (answer, env) = self
            .send_json(
                || {
                    self.http
                        .post(&url)
                        .header("Content-Language", &self.language)
                        .json(&body)
                },
                true,
            )
            .await?;
        match Self::outcome(&answer, env) {
            Outcome::Content(content) => {
                // serde's message would quote the value it rejects, which may be the token
                let content: wire::LoginContent =
                    serde_json::from_value(content).map_err(|_| {
                        PlatformError::BadResponse(format!(
                            "{PLATFORM} login answer without a readable access_token"
                        ))
                    })?;
                if content.access_token.is_empty() {
                    return Err(PlatformError::BadResponse(
                        "login answer without access_token".into(),
                    ));
                }
                tracing::debug!(source_id = %self.config.source_id, "logged in to Rozetka");
                Ok(content.access_token)
            }
            Outcome::Failed(f) => Err(match f.code {
                Some(c) if BAD_LOGIN.contains(&c) || SESSION_GONE.contains(&c) => {
                    PlatformError::Unauthorized(f.message)
                }
                _ => failure_to_error(f),
            }),
        }
    }

    /// A static API token from the cabinet, when the source has one instead of a password.
    fn static_token(&self) -> Option<String> {
        let c = &self.config.credentials;
        if c.login.is_some() && c.password.is_some() {
            return None;
        }
        c.token.clone().or_else(|| c.access_token.clone())
    }

    /// The current token, logging in when there is none or it is close to its 24 h end.
    async fn token(&self, force_login: bool) -> Result<String, PlatformError> {
        if let Some(t) = self.static_token() {
            return Ok(t);
        }
        let mut guard = self.token.lock().await;
        if let Some(t) = guard.as_ref() {
            let fresh = t.obtained.elapsed() + self.refresh_margin < self.token_ttl;
            if fresh && !force_login {
                return Ok(t.value.clone());
            }
        }
        *guard = None;
        let value = self.login().await?;
        *guard = Some(Token {
            value: value.clone(),
            obtained: Instant::now(),
        });
        Ok(value)
    }

    /// One authorised call; on an expired or unknown session it logs in again once and repeats.
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value, PlatformError> {
        let url = self.url(path);
        let mut relogged = false;
        loop {
            let token = self.token(false).await?;
            let (answer, env) = self
                .send_json(
                    || {
                        let mut rb = self
                            .http
                            .request(method.clone(), &url)
                            .bearer_auth(&token)
                            .header("Content-Language", &self.language)
                            .query(query);
                        if let Some(b) = body {
                            rb = rb.json(b);
                        }
                        rb
                    },
                    false,
                )
                .await?;
            let failure = match Self::outcome(&answer, env) {
                Outcome::Content(c) => return Ok(c),
                Outcome::Failed(f) => f,
            };
            let session_gone = failure.http_status == 401
                || failure.code.is_some_and(|c| SESSION_GONE.contains(&c));
            if session_gone {
                if !relogged && self.static_token().is_none() {
                    relogged = true;
                    tracing::debug!(source_id = %self.config.source_id, "Rozetka session ended, logging in again");
                    self.token(true).await?;
                    continue;
                }
                return Err(PlatformError::Unauthorized(failure.message));
            }
            return Err(failure_to_error(failure));
        }
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, PlatformError> {
        let content = self.call(reqwest::Method::GET, path, query, None).await?;
        decode_value(format_args!("{PLATFORM} GET {path}"), &content)
    }

    /// Every page of `/orders/search` with the given filter, each order once. Each order is read
    /// and mapped alone: one that cannot be is returned as unreadable, the others are kept.
    async fn search_orders(
        &self,
        filter: (&str, DateTime<Utc>),
    ) -> Result<FetchedOrders, PlatformError> {
        let from = utc_to_kyiv(filter.1)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string();
        let mut seen = HashSet::new();
        let mut out = FetchedOrders::default();
        let mut page = 1i64;
        loop {
            let query = [
                (filter.0, from.clone()),
                ("page", page.to_string()),
                ("expand", self.expand.clone()),
            ];
            let list: wire::OrderListRaw = self.get("/orders/search", &query).await?;
            let empty = list.orders.is_empty();
            for raw in list.orders {
                let order = match decode_list_element::<wire::Order>(raw, "id") {
                    Ok(order) => order,
                    Err(u) => {
                        out.unreadable.push(u);
                        continue;
                    }
                };
                // orders shift between pages while we read (new ones on top): keep each once
                if seen.insert(order.id) {
                    let mapped =
                        map::order_to_imported(&order, &self.map_options).map_err(|e| e.reason());
                    out.push(order.id.to_string(), mapped);
                }
            }
            if empty || page >= list.meta.page_count {
                break;
            }
            page = page.saturating_add(1);
        }
        tracing::debug!(source_id = %self.config.source_id, orders = out.orders.len(), unreadable = out.unreadable.len(), pages = page, "read Rozetka orders");
        Ok(out)
    }

    async fn order(&self, id: i64, expand: &str) -> Result<wire::Order, PlatformError> {
        self.get(&format!("/orders/{id}"), &[("expand", expand.to_string())])
            .await
    }

    async fn put_order(
        &self,
        id: i64,
        update: &wire::OrderUpdate,
    ) -> Result<wire::Order, PlatformError> {
        let body = serde_json::to_value(update)
            .map_err(|e| PlatformError::BadResponse(format!("order update: {e}")))?;
        let content = self
            .call(
                reqwest::Method::PUT,
                &format!("/orders/{id}"),
                &[("expand", "status_available".to_string())],
                Some(&body),
            )
            .await?;
        serde_json::from_value(content)
            .map_err(|e| PlatformError::BadResponse(format!("PUT /orders/{id}: {e}")))
    }

    /// The account's whole transition graph (`/order-statuses/search?expand=status_available`).
    async fn global_graph(&self) -> Result<Vec<wire::StatusAvailable>, PlatformError> {
        let mut edges = Vec::new();
        let mut page = 1i64;
        loop {
            let list: wire::OrderStatusList = self
                .get(
                    "/order-statuses/search",
                    &[
                        ("expand", "status_available".to_string()),
                        ("page", page.to_string()),
                    ],
                )
                .await?;
            for s in &list.order_status {
                for e in s.status_available.iter().flatten() {
                    let mut e = e.clone();
                    if e.parent_id == 0 {
                        e.parent_id = s.id;
                    }
                    edges.push(e);
                }
            }
            if list.order_status.is_empty() || page >= list.meta.page_count {
                break;
            }
            page += 1;
        }
        Ok(edges)
    }

    /// Every listing of the seller, all pages of `/goods/all`.
    /// `GET /goods/all?rz_item_id=…`: the goods of that id (one, or none; others only where the
    /// filter was not applied).
    async fn goods_by_id(&self, rz_id: i64) -> Result<Vec<Value>, PlatformError> {
        let list: wire::GoodsList = self
            .get("/goods/all", &[("rz_item_id", rz_id.to_string())])
            .await?;
        Ok(list.items)
    }

    /// The goods of a few updates, looked up one by one; `None` when there are too many to look up
    /// or an answer shows the filter was not applied (then only the whole listing tells).
    async fn goods_looked_up(
        &self,
        updates: &[StockUpdate],
    ) -> Result<Option<Vec<Value>>, PlatformError> {
        if updates.len() > self.stock_lookup_max {
            return Ok(None);
        }
        let mut found = Vec::with_capacity(updates.len());
        for rz_id in updates
            .iter()
            .filter_map(|u| parse_order_id(&u.external_id))
        {
            let answer = self.goods_by_id(rz_id).await?;
            // ids may come as numbers or strings: read them as the listing does
            let only_it = answer.iter().all(|g| {
                serde_json::from_value::<wire::Good>(g.clone()).is_ok_and(|g| g.rz_item_id == rz_id)
            });
            if !only_it {
                return Ok(None);
            }
            found.extend(answer);
        }
        Ok(Some(found))
    }

    async fn all_goods(&self) -> Result<Vec<Value>, PlatformError> {
        let mut items = Vec::new();
        let mut page = 1i64;
        loop {
            let list: wire::GoodsList = self
                .get(
                    "/goods/all",
                    &[
                        ("page", page.to_string()),
                        ("pageSize", self.goods_page_size.to_string()),
                    ],
                )
                .await?;
            let empty = list.items.is_empty();
            items.extend(list.items);
            if empty || page >= list.meta.page_count {
                break;
            }
            page += 1;
        }
        Ok(items)
    }
}

fn parse_order_id(external_id: &str) -> Option<i64> {
    external_id.trim().parse::<i64>().ok().filter(|id| *id > 0)
}

fn parse_status(status: &str) -> Result<i64, PlatformError> {
    status
        .trim()
        .parse::<i64>()
        .map_err(|_| PlatformError::Refused {
            code: None,
            message: format!("`{status}` is not a Rozetka status id"),
        })
}

/// Children of `from` in `status_available`.
fn children(edges: &[wire::StatusAvailable], from: i64) -> Vec<i64> {
    let mut out = Vec::new();
    for e in edges {
        if e.parent_id == from && !out.contains(&e.child_id) {
            out.push(e.child_id);
        }
    }
    out
}

/// Breadth-first path `from → … → to` (without `from`); hops into 3/61 only when a TTN exists.
fn find_path(
    edges: &[wire::StatusAvailable],
    from: i64,
    to: i64,
    has_ttn: bool,
) -> Option<Vec<i64>> {
    let mut prev: HashMap<i64, i64> = HashMap::new();
    let mut queue = VecDeque::from([from]);
    let mut seen = HashSet::from([from]);
    while let Some(at) = queue.pop_front() {
        if at == to {
            let mut path = vec![to];
            let mut cur = to;
            while let Some(p) = prev.get(&cur) {
                if *p == from {
                    break;
                }
                path.push(*p);
                cur = *p;
            }
            path.reverse();
            return Some(path);
        }
        for next in children(edges, at) {
            if NEED_TTN.contains(&next) && !has_ttn {
                continue;
            }
            if seen.insert(next) {
                prev.insert(next, at);
                queue.push_back(next);
            }
        }
    }
    None
}

/// `errors` as (code, the platform's words). Handles the object, the apidoc's array and the
/// per-item object of `/items/mass-update`.
fn describe_errors(errors: &Value) -> (Option<i64>, String) {
    let first = match errors {
        Value::Array(a) => a.first().cloned().unwrap_or(Value::Null),
        other => other.clone(),
    };
    if let Ok(e) = serde_json::from_value::<wire::ApiError>(first.clone()) {
        if !e.message.is_empty() || e.code.is_some() {
            let mut text = e.message.clone();
            if let Some(d) = e.description.as_deref().filter(|d| !d.is_empty()) {
                text = if text.is_empty() {
                    d.to_string()
                } else {
                    format!("{text}: {d}")
                };
            }
            match &e.details {
                Value::Null => {}
                Value::String(s) if s.is_empty() => {}
                Value::String(s) => text = format!("{text}: {s}"),
                other => text = format!("{text}: {other}"),
            }
            return (e.code, text);
        }
    }
    match first {
        Value::Null => (None, "Rozetka answered success:false without errors".into()),
        Value::String(s) => (None, s),
        other => (None, other.to_string()),
    }
}

fn failure_to_error(f: ApiFailure) -> PlatformError {
    match f.code {
        Some(c) if BAD_LOGIN.contains(&c) || SESSION_GONE.contains(&c) => {
            PlatformError::Unauthorized(f.message)
        }
        Some(c) if NOT_FOUND.contains(&c) => PlatformError::NotFound,
        // server_error, technical_maintenance: worth another try later
        Some(0) | Some(5503) => PlatformError::Transient(f.message),
        code => PlatformError::Refused {
            code: code.map(|c| c.to_string()),
            message: f.message,
        },
    }
}

#[async_trait::async_trait]
impl PlatformClient for RozetkaClient {
    async fn authorize(&self) -> Result<(), PlatformError> {
        if self.static_token().is_some() {
            // a cabinet API token: any protected read tells whether it works
            self.call(reqwest::Method::GET, "/markets/sources-list", &[], None)
                .await?;
            return Ok(());
        }
        self.token(true).await.map(|_| ())
    }

    /// IMP-1 for Rozetka: every order created since `from`, whatever its state; final ones are
    /// mapped to the completed/cancelled class by `status_group`.
    async fn orders_created_since(
        &self,
        from: DateTime<Utc>,
    ) -> Result<FetchedOrders, PlatformError> {
        self.search_orders(("created_from", from)).await
    }

    async fn orders_changed_since(
        &self,
        since: DateTime<Utc>,
        _window_from: DateTime<Utc>,
    ) -> Result<FetchedOrders, PlatformError> {
        // Kyiv wall-clock filters lose an hour each autumn and the clocks differ: re-read a margin
        self.search_orders(("changed_from", since - self.changed_overlap))
            .await
    }

    async fn fetch_order(&self, external_id: &str) -> Result<Option<ImportedOrder>, PlatformError> {
        let Some(id) = parse_order_id(external_id) else {
            return Ok(None);
        };
        match self.order(id, &self.expand).await {
            Ok(o) => map::order_to_imported(&o, &self.map_options).map(Some),
            Err(PlatformError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn allowed_next_statuses(
        &self,
        external_id: &str,
    ) -> Result<Option<Vec<String>>, PlatformError> {
        let id = parse_order_id(external_id).ok_or(PlatformError::NotFound)?;
        let order = self.order(id, "status_available").await?;
        let edges = order.status_available.unwrap_or_default();
        Ok(Some(
            children(&edges, order.status)
                .into_iter()
                .map(|c| c.to_string())
                .collect(),
        ))
    }

    async fn change_status(
        &self,
        external_id: &str,
        status: &str,
        cancellation_reason: Option<&str>,
    ) -> Result<(), PlatformError> {
        self.change_status_steps(external_id, status, cancellation_reason, &mut Vec::new())
            .await
    }

    /// ST-6: one step when `status_available` allows it, else the shortest documented path step by
    /// step, each step sent told in `sent`; no path → refused with nothing sent, naming the
    /// statuses Rozetka allows next (or saying it allows none).
    async fn change_status_steps(
        &self,
        external_id: &str,
        status: &str,
        cancellation_reason: Option<&str>,
        sent: &mut Vec<String>,
    ) -> Result<(), PlatformError> {
        let id = parse_order_id(external_id).ok_or(PlatformError::NotFound)?;
        let target = parse_status(status)?;
        if target == REPEAT_ORDER {
            return Err(PlatformError::Refused {
                code: None,
                message:
                    "status 49 \"Повторне замовлення\" (repeat order) is never sent to Rozetka"
                        .into(),
            });
        }
        let order = self.order(id, "status_available").await?;
        if order.status == target {
            return Ok(());
        }
        let own_edges = order.status_available.clone().unwrap_or_default();
        let has_ttn = !order.ttn.trim().is_empty();
        let direct = children(&own_edges, order.status).contains(&target)
            && (has_ttn || !NEED_TTN.contains(&target));
        let path = if direct {
            vec![target]
        } else {
            // the order's delivery type picks the branch of the global graph
            let types: HashSet<Option<i64>> = own_edges.iter().map(|e| e.delivery_type).collect();
            let mut edges: Vec<wire::StatusAvailable> = self
                .global_graph()
                .await?
                .into_iter()
                .filter(|e| {
                    types.is_empty()
                        || e.delivery_type.is_none()
                        || types.contains(&e.delivery_type)
                })
                .collect();
            // the order's own list is the truth for its current status
            edges.retain(|e| e.parent_id != order.status);
            edges.extend(own_edges.iter().cloned());
            find_path(&edges, order.status, target, has_ttn).ok_or_else(|| {
                let next = children(&own_edges, order.status);
                PlatformError::Refused {
                    code: Some("no_status_path".into()),
                    message: format!(
                        "Rozetka allows no sequence from status {} \"{}\" to {} \"{}\"{}; {}",
                        order.status,
                        statuses::name_uk(order.status),
                        target,
                        statuses::name_uk(target),
                        if has_ttn {
                            ""
                        } else {
                            " (statuses 3 and 61 need the order's TTN, which it has not)"
                        },
                        if next.is_empty() {
                            "Rozetka allows no status change from this status at all".to_string()
                        } else {
                            format!(
                                "allowed next statuses: {}",
                                next.iter()
                                    .map(|c| c.to_string())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        }
                    ),
                }
            })?
        };
        let comment = cancellation_reason
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string);
        for hop in path {
            let update = wire::OrderUpdate {
                status: Some(hop),
                ttn: (NEED_TTN.contains(&hop) && has_ttn).then(|| order.ttn.trim().to_string()),
                seller_comment: if hop == target { comment.clone() } else { None },
                duplicate_order_id: None,
            };
            tracing::debug!(source_id = %self.config.source_id, order = id, from = order.status, hop, "changing Rozetka status");
            let after = self.put_order(id, &update).await?;
            sent.push(hop.to_string());
            if after.status == target {
                break;
            }
        }
        Ok(())
    }

    /// TRK-2: only in status 2 "packing, data confirmed", sent as `{status: 61, ttn}` (or `{status: 2,
    /// ttn}`, which Rozetka moves to 61, when 61 is not offered).
    async fn set_tracking_number(
        &self,
        external_id: &str,
        number: &str,
    ) -> Result<(), PlatformError> {
        let id = parse_order_id(external_id).ok_or(PlatformError::NotFound)?;
        let number = number.trim();
        if number.is_empty() {
            return Err(PlatformError::Refused {
                code: None,
                message: "an empty tracking number".into(),
            });
        }
        let order = self.order(id, "status_available").await?;
        if order.ttn.trim() == number {
            return Ok(());
        }
        if order.status != PACKING_CONFIRMED {
            return Err(PlatformError::Refused {
                code: Some("ttn_not_allowed_in_status".into()),
                message: format!(
                    "Rozetka takes a tracking number only in status 2 \"{}\" (packing, data confirmed); order {id} is in status {} \"{}\"",
                    statuses::name_uk(PACKING_CONFIRMED),
                    order.status,
                    statuses::name_uk(order.status)
                ),
            });
        }
        let edges = order.status_available.unwrap_or_default();
        let status = if children(&edges, order.status).contains(&HANDOVER_SCHEDULED) {
            HANDOVER_SCHEDULED
        } else {
            PACKING_CONFIRMED
        };
        self.put_order(
            id,
            &wire::OrderUpdate {
                status: Some(status),
                ttn: Some(number.to_string()),
                ..Default::default()
            },
        )
        .await
        .map(|_| ())
    }

    /// Every good with its sell status in `state`; PUB-2's filter is the sync engine's.
    async fn list_publications(&self) -> Result<Vec<RemotePublication>, PlatformError> {
        self.all_goods()
            .await?
            .into_iter()
            .map(|raw| map::good_to_publication(raw, &self.map_options.currency))
            .collect()
    }

    /// `GET /goods/all?rz_item_id=…`: the one good, as in the listing.
    async fn fetch_publication(
        &self,
        external_id: &str,
    ) -> Result<Option<RemotePublication>, PlatformError> {
        let Some(rz_id) = parse_order_id(external_id) else {
            return Ok(None);
        };
        let wanted = rz_id.to_string();
        let items = self.goods_by_id(rz_id).await?;
        let answered = !items.is_empty();
        for raw in items {
            let p = map::good_to_publication(raw, &self.map_options.currency)?;
            if p.external_id == wanted {
                return Ok(Some(p));
            }
        }
        if !answered {
            return Ok(None);
        }
        // goods came back but not this one: the filter was not applied; read the listing
        Ok(self
            .list_publications()
            .await?
            .into_iter()
            .find(|p| p.external_id == wanted))
    }

    /// STK-1: only goods whose price-list source is "by API" (availability 4) are pushed; the
    /// others are refused with that rule named (the pushable ones are still sent).
    async fn push_stock(
        &self,
        updates: &[StockUpdate],
    ) -> Result<Vec<StockRefusal>, PlatformError> {
        if updates.is_empty() {
            return Ok(Vec::new());
        }
        // each listing's price list decides whether Rozetka takes its stock: a few are looked up
        // by id, many through the whole listing
        let raw_goods = match self.goods_looked_up(updates).await? {
            Some(found) => found,
            None => self.all_goods().await?,
        };
        let goods: Vec<wire::Good> = raw_goods
            .into_iter()
            .filter_map(|raw| serde_json::from_value(raw).ok())
            .collect();
        let needs_sources = goods.iter().any(|g| g.sync_source.is_none());
        let source_availability: HashMap<i64, i64> = if needs_sources {
            let list: wire::SourcesList = self.get("/markets/sources-list", &[]).await?;
            list.sources
                .iter()
                .map(|s| (s.id, s.availability))
                .collect()
        } else {
            HashMap::new()
        };
        let availability_of = |g: &wire::Good| -> Option<i64> {
            g.sync_source.as_ref().map(|s| s.availability).or_else(|| {
                g.sync_source_id
                    .and_then(|id| source_availability.get(&id).copied())
            })
        };
        let by_id: HashMap<i64, &wire::Good> = goods.iter().map(|g| (g.rz_item_id, g)).collect();

        let mut refused = Vec::new();
        let refuse = |u: &StockUpdate, code: Option<&str>, message: String| StockRefusal {
            external_id: u.external_id.clone(),
            code: code.map(str::to_string),
            message,
        };
        let mut items = Vec::new();
        for u in updates {
            let Some(rz_id) = parse_order_id(&u.external_id) else {
                refused.push(refuse(u, None, "not a Rozetka item id".into()));
                continue;
            };
            match by_id.get(&rz_id).map(|g| availability_of(g)) {
                None => refused.push(refuse(u, None, "not among the seller's goods".into())),
                Some(Some(AVAILABILITY_API)) => items.push(wire::UpdatingItem {
                    item_rz_id: rz_id,
                    stock_quantity: Some(u.quantity.max(0)),
                    price: u
                        .price
                        .and_then(|p| p.normalize().to_string().parse::<serde_json::Number>().ok()),
                }),
                Some(a) => refused.push(refuse(
                    u,
                    Some("price_list_sync_type_not_api"),
                    format!(
                        "its price list's sync type is {} — Rozetka takes stock by API only when the price list's availability is 4 (\"by API\")",
                        a.map(|a| a.to_string()).unwrap_or_else(|| "unknown".into())
                    ),
                )),
            }
        }
        for chunk in items.chunks(self.stock_batch) {
            let body = serde_json::to_value(wire::MassUpdate {
                is_ignore_check: 0,
                items: chunk.to_vec(),
            })
            .map_err(|e| PlatformError::BadResponse(format!("mass update: {e}")))?;
            self.call(reqwest::Method::PUT, "/items/mass-update", &[], Some(&body))
                .await?;
        }
        Ok(refused)
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    fn edge(p: i64, c: i64) -> wire::StatusAvailable {
        wire::StatusAvailable {
            parent_id: p,
            child_id: c,
            ..Default::default()
        }
    }

    // covers: ST-6
    #[test]
    fn paths_follow_the_graph_and_need_a_ttn_for_handover() {
        let g: Vec<_> = statuses::default_transitions()
            .into_iter()
            .flat_map(|(p, cs)| cs.into_iter().map(move |c| edge(p, c)))
            .collect();
        assert_eq!(find_path(&g, 1, 2, false), Some(vec![26, 2]));
        assert_eq!(find_path(&g, 1, 26, false), Some(vec![26]));
        assert_eq!(find_path(&g, 1, 3, false), None);
        assert_eq!(find_path(&g, 1, 3, true), Some(vec![26, 2, 3]));
        assert_eq!(find_path(&g, 6, 2, false), None);
    }

    #[test]
    fn error_bodies_in_every_shape() {
        let (c, m) = describe_errors(
            &serde_json::json!({"message": "incorrect_username_password", "code": 1004, "description": "Неправильний логін або пароль"}),
        );
        assert_eq!(c, Some(1004));
        assert_eq!(
            m,
            "incorrect_username_password: Неправильний логін або пароль"
        );
        let (c, m) =
            describe_errors(&serde_json::json!([{"message": "entity_not_found", "code": "1019"}]));
        assert_eq!((c, m.as_str()), (Some(1019), "entity_not_found"));
        let (c, m) = describe_errors(
            &serde_json::json!({"344560030": {"reason": [{"id": 1, "value": ["x"]}]}}),
        );
        assert_eq!(c, None);
        assert!(m.contains("344560030"));
    }
}
