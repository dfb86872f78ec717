//! Shopify REST Admin API client: backfill and reconciliation of orders (IMP-1, WH-6), single
//! orders, products as publications, and webhook subscription upkeep. Statuses are not pushed (ST-7).
//!
//! Settings: [`ShopifySettings`] (`settings.rs`: keys, types and defaults; checked when a source is
//! saved).

use super::settings::ShopifySettings;
use super::{map, wire};
use crate::domain::orders::ImportedOrder;
use crate::platforms::http::{shared_client, Answer, Call, HttpPolicy, Pace, Verdict};
use crate::platforms::{
    FetchedOrders, PlatformClient, PlatformError, RemotePublication, SourceConfig, StockRefusal,
    StockUpdate, UnreadableOrder,
};
use chrono::{DateTime, Duration as ChronoDuration, SecondsFormat, Timelike, Utc};
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

/// Names Shopify in errors of the shared HTTP path.
const PLATFORM: &str = "Shopify";
/// The note's API version (`X-Shopify-API-Version` of its example delivery).
pub const DEFAULT_API_VERSION: &str = "2025-07";
/// Orders older than this are invisible without the `read_all_orders` scope.
pub const DEFAULT_HISTORY_DAYS: u64 = 60;

pub struct ShopifyClient {
    config: SourceConfig,
    http: reqwest::Client,
    pace: Pace,
    /// `https://<shop>` without a trailing slash.
    base: String,
    access_token: String,
    api_version: String,
    page_size: u64,
    history_days: u64,
    read_all_orders: bool,
    min_interval: Duration,
    bucket_margin: u64,
    leak_per_sec: u64,
    /// Where bare national phone numbers are, when the source says (else the currency does).
    country: Option<crate::domain::phone::Region>,
    /// Why the last backfill may be incomplete (60-day window), for the engine to record.
    last_backfill_note: Mutex<Option<String>>,
}

/// A 2xx answer with what pagination needs.
struct Reply {
    status: u16,
    body: Vec<u8>,
    /// `page_info` of the `rel="next"` link, if there is a next page.
    next_page_info: Option<String>,
}

#[derive(Deserialize)]
struct WebhookList {
    #[serde(default)]
    webhooks: Vec<wire::Webhook>,
}

#[derive(Deserialize)]
struct ProductList {
    #[serde(default)]
    products: Vec<wire::Product>,
}

#[derive(Deserialize)]
struct OneProduct {
    product: wire::Product,
}

/// A product as a listing: its first variant's SKU and price, the stock of all its variants.
fn publication(product: wire::Product) -> RemotePublication {
    let raw = serde_json::to_value(&product).unwrap_or(Value::Null);
    let first = product.variants.first();
    let stock = product
        .variants
        .iter()
        .filter_map(|v| v.inventory_quantity)
        .reduce(|a, b| a + b);
    RemotePublication {
        external_id: product.id.to_string(),
        name: product.title.clone().unwrap_or_default(),
        sku: first
            .and_then(|v| v.sku.clone())
            .filter(|s| !s.trim().is_empty()),
        price: first.and_then(|v| v.price),
        currency: None,
        stock,
        state: product.status.clone(),
        url: None,
        raw,
    }
}

impl ShopifyClient {
    pub fn new(config: SourceConfig) -> Result<Self, PlatformError> {
        let access_token = config
            .credentials
            .access_token
            .clone()
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| PlatformError::Unauthorized("Shopify access token is missing".into()))?;
        let base = if config.base_url.trim().is_empty() {
            let shop = config
                .credentials
                .shop_domain
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    PlatformError::Unauthorized("Shopify shop domain is missing".into())
                })?;
            format!("https://{shop}")
        } else {
            config.base_url.trim().trim_end_matches('/').to_string()
        };
        let http = shared_client(PLATFORM, &config.http)?;
        let settings: ShopifySettings = crate::platforms::settings::read(&config.settings);
        Ok(ShopifyClient {
            api_version: settings.api_version,
            page_size: settings.page_size.clamp(1, 250),
            history_days: settings.history_days,
            read_all_orders: settings.read_all_orders,
            min_interval: Duration::from_millis(settings.min_interval_ms)
                .max(config.http.min_interval),
            bucket_margin: settings.bucket_margin,
            leak_per_sec: settings.leak_per_sec.max(1),
            country: settings.country.map(|c| c.region()),
            pace: Pace::default(),
            last_backfill_note: Mutex::new(None),
            base,
            access_token,
            http,
            config,
        })
    }

    /// Why the last `orders_created_since` may have returned fewer orders than asked: Shopify
    /// hides orders older than 60 days from apps without `read_all_orders`.
    pub fn last_backfill_note(&self) -> Option<String> {
        self.last_backfill_note
            .lock()
            .map(|n| n.clone())
            .unwrap_or(None)
    }

    fn api(&self, path: &str) -> String {
        format!("{}/admin/api/{}/{path}", self.base, self.api_version)
    }

    /// Sends through the shared retry loop, keeping what pagination needs (`Link`). Transport
    /// faults, 429, 5xx and 2xx bodies cut off share one attempt budget; the call-limit header
    /// holds the next request back before the leaky bucket overflows.
    async fn send(
        &self,
        make: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Reply, PlatformError> {
        let policy = HttpPolicy {
            min_interval: self.min_interval,
            ..self.config.http.clone()
        };
        let bucket = |answer: &Answer| {
            self.bucket_wait(
                answer
                    .header("x-shopify-shop-api-call-limit")
                    .and_then(parse_call_limit),
            )
        };
        Call::new(PLATFORM, &policy, &self.pace)
            .pause_after(&bucket)
            .send(
                || {
                    make()
                        .header("X-Shopify-Access-Token", &self.access_token)
                        .header("Accept", "application/json")
                },
                |answer| {
                    // a 2xx body is read as JSON here, so one cut off is asked for again
                    if answer.is_success() && !answer.body.is_empty() {
                        match answer.parse::<IgnoredAny>() {
                            Verdict::Done(_) => {}
                            Verdict::Retry(e) => return Verdict::Retry(e),
                            Verdict::Fail(e) => return Verdict::Fail(e),
                        }
                    }
                    Verdict::Done(Reply {
                        status: answer.status,
                        next_page_info: answer.header("link").and_then(next_page_info),
                        body: answer.body,
                    })
                },
            )
            .await
    }

    /// How long to hold back so the leaky bucket keeps `bucket_margin` calls free.
    fn bucket_wait(&self, call_limit: Option<(u64, u64)>) -> Option<Duration> {
        let (used, size) = call_limit?;
        if used + self.bucket_margin < size {
            return None;
        }
        let over = used + self.bucket_margin + 1 - size;
        let wait = Duration::from_millis(over * 1000 / self.leak_per_sec);
        Some(wait.min(Duration::from_secs(20)))
    }

    /// A successful answer, or the platform's refusal in its own words.
    fn check(reply: Reply) -> Result<Reply, PlatformError> {
        let message = || error_message(&reply.body);
        match reply.status {
            200..=299 => Ok(reply),
            401 => Err(PlatformError::Unauthorized(message())),
            // a missing scope or an unapproved protected-data level: the merchant must act
            403 => Err(PlatformError::Unauthorized(message())),
            404 => Err(PlatformError::NotFound),
            402 | 400 | 406 | 415 | 422 | 423 => Err(PlatformError::Refused {
                code: Some(reply.status.to_string()),
                message: message(),
            }),
            other => Err(PlatformError::BadResponse(format!(
                "Shopify HTTP {other}: {}",
                message()
            ))),
        }
    }

    async fn get(&self, url: &str, query: &[(&str, String)]) -> Result<Reply, PlatformError> {
        Self::check(self.send(|| self.http.get(url).query(query)).await?)
    }

    /// Every page of a cursor-paginated list: the first request carries the filters, the next
    /// ones only `limit` and `page_info` (Shopify answers 400 to filters beside `page_info`).
    async fn all_pages(
        &self,
        path: &str,
        filters: &[(&str, String)],
    ) -> Result<Vec<Vec<u8>>, PlatformError> {
        let url = self.api(path);
        let limit = ("limit", self.page_size.to_string());
        let mut query: Vec<(&str, String)> = filters.to_vec();
        query.push(limit.clone());
        let mut pages = Vec::new();
        let mut seen_cursors = HashSet::new();
        loop {
            let reply = self.get(&url, &query).await?;
            pages.push(reply.body);
            match reply.next_page_info {
                // a cursor seen before would loop forever
                Some(cursor) if seen_cursors.insert(cursor.clone()) => {
                    query = vec![limit.clone(), ("page_info", cursor)];
                }
                Some(_) => {
                    return Err(PlatformError::BadResponse(
                        "Shopify repeated a page cursor".into(),
                    ))
                }
                None => return Ok(pages),
            }
        }
    }

    /// Orders of all pages, each once (a page boundary moving under concurrent edits can repeat
    /// one). Each order is read alone: a malformed one is returned apart, the others are kept.
    async fn orders(
        &self,
        filters: &[(&str, String)],
    ) -> Result<(Vec<wire::Order>, Vec<UnreadableOrder>), PlatformError> {
        let mut seen = HashSet::new();
        let mut orders = Vec::new();
        let mut unreadable = Vec::new();
        for page in self.all_pages("orders.json", filters).await? {
            for order in map::parse_orders_each(&page)? {
                match order {
                    Ok(order) if seen.insert(order.id) => orders.push(order),
                    Ok(_) => {}
                    Err(u) => unreadable.push(u),
                }
            }
        }
        Ok((orders, unreadable))
    }

    /// Webhook subscriptions of this app on the shop.
    pub async fn list_webhooks(&self) -> Result<Vec<wire::Webhook>, PlatformError> {
        let reply = self.get(&self.api("webhooks.json"), &[]).await?;
        let list: WebhookList = parse(&reply.body, "webhook list")?;
        Ok(list.webhooks)
    }

    /// Subscribes `address` to `topic`; returns the subscription.
    pub async fn create_webhook(
        &self,
        address: &str,
        topic: &str,
    ) -> Result<wire::Webhook, PlatformError> {
        let url = self.api("webhooks.json");
        let body = json!({"webhook": {"topic": topic, "address": address, "format": "json"}});
        let reply = Self::check(self.send(|| self.http.post(&url).json(&body)).await?)?;
        let value: Value = parse(&reply.body, "webhook")?;
        let webhook = value.get("webhook").cloned().unwrap_or(Value::Null);
        serde_json::from_value(webhook)
            .map_err(|e| PlatformError::BadResponse(format!("not a Shopify webhook: {e}")))
    }

    pub async fn delete_webhook(&self, id: u64) -> Result<(), PlatformError> {
        let url = self.api(&format!("webhooks/{id}.json"));
        Self::check(self.send(|| self.http.delete(&url)).await?).map(|_| ())
    }

    /// Self-healing: subscribes `address` to every topic it lacks. Shopify has no "disabled"
    /// subscription state — it deletes one after repeated failures — so a missing one is
    /// re-created. Returns the topics subscribed now.
    pub async fn ensure_webhooks(
        &self,
        address: &str,
        topics: &[&str],
    ) -> Result<Vec<String>, PlatformError> {
        let existing = self.list_webhooks().await?;
        let mut created = Vec::new();
        for topic in topics {
            let present = existing
                .iter()
                .any(|w| w.topic == *topic && w.address == address);
            if !present {
                self.create_webhook(address, topic).await?;
                tracing::info!(source_id = ?self.config.source_id, topic, "Shopify webhook subscribed");
                created.push(topic.to_string());
            }
        }
        Ok(created)
    }
}

#[async_trait::async_trait]
impl PlatformClient for ShopifyClient {
    fn backfill_note(&self) -> Option<String> {
        self.last_backfill_note()
    }

    async fn ensure_webhooks(
        &self,
        address: &str,
        topics: &[&str],
    ) -> Result<Vec<String>, PlatformError> {
        ShopifyClient::ensure_webhooks(self, address, topics).await
    }

    async fn authorize(&self) -> Result<(), PlatformError> {
        let reply = self
            .get(
                &self.api("orders/count.json"),
                &[("status", "any".to_string())],
            )
            .await?;
        let _: Value = parse(&reply.body, "order count")?;
        Ok(())
    }

    async fn orders_created_since(
        &self,
        from: DateTime<Utc>,
    ) -> Result<FetchedOrders, PlatformError> {
        let now = Utc::now();
        let visible_from = now - ChronoDuration::days(self.history_days as i64);
        let note = (!self.read_all_orders && from < visible_from).then(|| {
            format!(
                "Shopify shows only the last {} days of orders to apps without the read_all_orders scope: orders created between {} and {} could not be imported",
                self.history_days,
                from.format("%Y-%m-%d %H:%M UTC"),
                visible_from.format("%Y-%m-%d %H:%M UTC")
            )
        });
        let (orders, unreadable) = self
            .orders(&[
                ("status", "any".to_string()),
                ("created_at_min", wire_time(from)),
            ])
            .await?;
        if let Some(note) = &note {
            tracing::warn!(source_id = ?self.config.source_id, "{note}");
        }
        if let Ok(mut slot) = self.last_backfill_note.lock() {
            *slot = note;
        }
        Ok(map_each(
            orders
                .iter()
                // IMP-1: orders already final on Shopify are not imported by the backfill
                .filter(|o| !map::excluded_from_backfill(o)),
            unreadable,
            self.country,
        ))
    }

    async fn orders_changed_since(
        &self,
        since: DateTime<Utc>,
        _window_from: DateTime<Utc>,
    ) -> Result<FetchedOrders, PlatformError> {
        let (orders, unreadable) = self
            .orders(&[
                ("status", "any".to_string()),
                ("updated_at_min", wire_time(since)),
            ])
            .await?;
        Ok(map_each(orders.iter(), unreadable, self.country))
    }

    async fn fetch_order(&self, external_id: &str) -> Result<Option<ImportedOrder>, PlatformError> {
        let id: u64 = match external_id.trim().parse() {
            Ok(id) => id,
            Err(_) => return Ok(None),
        };
        match self.get(&self.api(&format!("orders/{id}.json")), &[]).await {
            Ok(reply) => {
                map::to_imported_in(&map::parse_order(&reply.body)?, self.country).map(Some)
            }
            // unknown, or older than the 60-day window
            Err(PlatformError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn allowed_next_statuses(
        &self,
        _external_id: &str,
    ) -> Result<Option<Vec<String>>, PlatformError> {
        Ok(None)
    }

    async fn change_status(
        &self,
        _external_id: &str,
        _status: &str,
        _cancellation_reason: Option<&str>,
    ) -> Result<(), PlatformError> {
        Err(PlatformError::Unsupported(
            "status changes on Shopify (ST-7)",
        ))
    }

    async fn set_tracking_number(
        &self,
        _external_id: &str,
        _number: &str,
    ) -> Result<(), PlatformError> {
        // a tracking number belongs to a fulfilment, which is a status change on Shopify (ST-7)
        Err(PlatformError::Unsupported(
            "tracking numbers on Shopify (ST-7)",
        ))
    }

    async fn list_publications(&self) -> Result<Vec<RemotePublication>, PlatformError> {
        let mut publications = Vec::new();
        for page in self.all_pages("products.json", &[]).await? {
            let list: ProductList = parse(&page, "product list")?;
            publications.extend(list.products.into_iter().map(publication));
        }
        Ok(publications)
    }

    /// `GET /products/{id}.json`: one product, as in the listing.
    async fn fetch_publication(
        &self,
        external_id: &str,
    ) -> Result<Option<RemotePublication>, PlatformError> {
        let Ok(id) = external_id.trim().parse::<u64>() else {
            return Ok(None);
        };
        let url = self.api(&format!("products/{id}.json"));
        match self.get(&url, &[]).await {
            Ok(reply) => {
                let one: OneProduct = parse(&reply.body, "product")?;
                Ok(Some(publication(one.product)))
            }
            Err(PlatformError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn push_stock(
        &self,
        _updates: &[StockUpdate],
    ) -> Result<Vec<StockRefusal>, PlatformError> {
        // inventory levels need location ids and the inventory API, outside the note
        Err(PlatformError::Unsupported("stock push to Shopify"))
    }
}

/// Maps each order alone: one that cannot be read joins `unreadable`, the others are kept.
fn map_each<'a>(
    orders: impl Iterator<Item = &'a wire::Order>,
    unreadable: Vec<UnreadableOrder>,
    country: Option<crate::domain::phone::Region>,
) -> FetchedOrders {
    FetchedOrders::collect(
        orders.map(|o| {
            (
                o.id.to_string(),
                map::to_imported_in(o, country).map_err(|e| e.reason()),
            )
        }),
        unreadable,
    )
}

/// Shopify's filter times: ISO-8601, whole seconds (rounded down, so nothing at the edge is missed).
fn wire_time(t: DateTime<Utc>) -> String {
    t.with_nanosecond(0)
        .unwrap_or(t)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// `32/40` → (32, 40).
fn parse_call_limit(value: &str) -> Option<(u64, u64)> {
    let (used, size) = value.trim().split_once('/')?;
    Some((used.trim().parse().ok()?, size.trim().parse().ok()?))
}

/// The `page_info` of the `rel="next"` entry of a `Link` header. Only the cursor is taken: the
/// client rebuilds the URL on its own base, so the token never goes to a host the link names.
pub fn next_page_info(link: &str) -> Option<String> {
    link.split(',')
        .find(|part| part.contains("rel=\"next\"") || part.contains("rel=next"))
        .and_then(|part| {
            let start = part.find('<')? + 1;
            let end = part[start..].find('>')? + start;
            let url = &part[start..end];
            let query = url.split_once('?')?.1;
            query
                .split('&')
                .find_map(|kv| kv.strip_prefix("page_info="))
                .map(str::to_string)
        })
}

/// Shopify's `errors`: a string, or an object of strings / string arrays.
fn error_message(body: &[u8]) -> String {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(_) => return snippet(body),
    };
    match value.get("errors").or_else(|| value.get("error")) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(key, v)| {
                let text = match v {
                    Value::String(s) => s.clone(),
                    Value::Array(items) => items
                        .iter()
                        .map(|i| {
                            i.as_str()
                                .map(str::to_string)
                                .unwrap_or_else(|| i.to_string())
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                    other => other.to_string(),
                };
                if key == "base" || text.starts_with(key.as_str()) {
                    text
                } else {
                    format!("{key} {text}")
                }
            })
            .collect::<Vec<_>>()
            .join("; "),
        Some(other) => other.to_string(),
        None => snippet(body),
    }
}

fn snippet(body: &[u8]) -> String {
    String::from_utf8_lossy(body).chars().take(200).collect()
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T, PlatformError> {
    serde_json::from_slice(body)
        .map_err(|e| PlatformError::BadResponse(format!("not a Shopify {what}: {e}")))
}
