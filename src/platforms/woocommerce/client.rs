//! WooCommerce client: the shop's REST API v3 (`/wp-json/wc/v3/…`) with a consumer key pair, for
//! the backfill (IMP-1), the reconciliation poll (WH-6), status pushes, listings, stock and the
//! webhook subscriptions orderhub's self-healing check keeps alive. New orders themselves arrive by
//! webhook; this client never receives them.
//!
//! Settings: [`WooCommerceSettings`] (`settings.rs`: keys, types and defaults; checked when a source is
//! saved).

use super::settings::{AuthMode, WooCommerceSettings};
use super::{map, wire};
use crate::domain::orders::ImportedOrder;
use crate::platforms::http::{decode_value, shared_client, Call, HttpPolicy, Pace, Verdict};
use crate::platforms::{
    decode_list_element, FetchedOrders, PlatformClient, PlatformError, RemotePublication,
    SourceConfig, StockRefusal, StockUpdate, UnreadableOrder,
};
use chrono::{DateTime, Duration, SubsecRound, Utc};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};

/// Names WooCommerce in errors of the shared HTTP path.
const PLATFORM: &str = "WooCommerce";
/// Pages we follow at most, so a shop that keeps answering full pages cannot loop us forever.
const MAX_PAGES: u64 = 10_000;

pub struct WooCommerceClient {
    config: SourceConfig,
    http: reqwest::Client,
    policy: HttpPolicy,
    pace: Pace,
    /// `https://shop/wp-json/wc/v3`
    api: String,
    consumer_key: String,
    consumer_secret: String,
    query_auth: bool,
    settings: WooCommerceSettings,
}

#[derive(Clone, Copy, Debug)]
enum Method {
    Get,
    Post,
    Put,
}

impl WooCommerceClient {
    pub fn new(config: SourceConfig) -> Result<Self, PlatformError> {
        let required = |v: &Option<String>, what: &str| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .ok_or_else(|| {
                    PlatformError::Unauthorized(format!("the WooCommerce {what} is missing"))
                })
        };
        let consumer_key = required(&config.credentials.consumer_key, "consumer key")?;
        let consumer_secret = required(&config.credentials.consumer_secret, "consumer secret")?;
        let settings: WooCommerceSettings = crate::platforms::settings::read(&config.settings);
        let mut policy = config.http.clone();
        let min_interval = std::time::Duration::from_millis(settings.min_interval_ms);
        policy.min_interval = policy.min_interval.max(min_interval);
        let api = format!(
            "{}/{}",
            config.base_url.trim_end_matches('/'),
            settings.api_path.trim_matches('/')
        );
        Ok(WooCommerceClient {
            http: shared_client(PLATFORM, &policy)?,
            policy,
            pace: Pace::default(),
            api,
            consumer_key,
            consumer_secret,
            query_auth: settings.auth == AuthMode::Query,
            settings,
            config,
        })
    }

    /// Where bare national phone numbers are, when the source says (else the currency does).
    fn country(&self) -> Option<crate::domain::phone::Region> {
        self.settings.country.map(|c| c.region())
    }

    fn page_size(&self) -> u64 {
        self.settings.page_size.clamp(1, 100)
    }

    /// One request through the shared retry loop: transport faults, 429, 5xx and 2xx bodies cut
    /// off or not JSON at all (a PHP fatal's HTML) share one attempt budget. Error statuses come
    /// back with whatever JSON their body has.
    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<(u16, Value), PlatformError> {
        let url = format!("{}{}", self.api, path);
        let make = || {
            let req = match method {
                Method::Get => self.http.get(&url),
                Method::Post => self.http.post(&url),
                Method::Put => self.http.put(&url),
            };
            let req = if self.query_auth {
                req.query(&[
                    ("consumer_key", self.consumer_key.as_str()),
                    ("consumer_secret", self.consumer_secret.as_str()),
                ])
            } else {
                req.basic_auth(&self.consumer_key, Some(&self.consumer_secret))
            };
            let req = req.header("Accept", "application/json").query(query);
            match body {
                Some(b) => req.json(b),
                None => req,
            }
        };
        Call::new(PLATFORM, &self.policy, &self.pace)
            .send(make, |answer| {
                if answer.status >= 300 {
                    Verdict::Done((answer.status, answer.json_or_null()))
                } else {
                    answer.parse::<Value>().map(|v| (answer.status, v))
                }
            })
            .await
    }

    /// Like `call`, with error statuses turned into `PlatformError`s.
    async fn call_ok(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value, PlatformError> {
        let (status, value) = self.call(method, path, query, body).await?;
        check_answer(status, &value)?;
        Ok(value)
    }

    /// Every element of a paginated collection, page by page until a short page. Pages are
    /// counted rather than read from `X-WP-TotalPages`, which the shared HTTP helper does not
    /// return; both stop at the same page.
    async fn all_pages(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Vec<Value>, PlatformError> {
        let per_page = self.page_size();
        let mut out = Vec::new();
        for page in 1..=MAX_PAGES {
            let mut q = query.to_vec();
            q.push(("per_page", per_page.to_string()));
            q.push(("page", page.to_string()));
            let value = self.call_ok(Method::Get, path, &q, None).await?;
            let Value::Array(items) = value else {
                return Err(PlatformError::BadResponse(format!(
                    "WooCommerce {path} is not a list"
                )));
            };
            let full = items.len() as u64 >= per_page;
            out.extend(items);
            if !full {
                break;
            }
        }
        Ok(out)
    }

    /// The orders of a filter, oldest id first, each once (an order that changed while we paged
    /// may be seen twice).
    async fn list_orders(
        &self,
        filter: &[(&str, String)],
    ) -> Result<(Vec<wire::Order>, Vec<UnreadableOrder>), PlatformError> {
        let mut query = filter.to_vec();
        query.extend([
            ("dates_are_gmt", "true".to_string()),
            ("orderby", "id".to_string()),
            ("order", "asc".to_string()),
        ]);
        let mut seen = HashSet::new();
        let mut orders = Vec::new();
        let mut unreadable = Vec::new();
        for value in self.all_pages("/orders", &query).await? {
            // each order read alone: a malformed one is skipped, the list goes on
            match decode_list_element::<wire::Order>(value, "id") {
                Ok(order) if seen.insert(order.id) => orders.push(order),
                Ok(_) => {}
                Err(u) => unreadable.push(u),
            }
        }
        tracing::debug!(source_id = %self.config.source_id, count = orders.len(), unreadable = unreadable.len(), "WooCommerce orders read");
        Ok((orders, unreadable))
    }

    /// A product with its categories (PRD-3 needs [`Self::product_categories`] for the tree).
    pub async fn fetch_product(&self, id: u64) -> Result<wire::Product, PlatformError> {
        let value = self
            .call_ok(Method::Get, &format!("/products/{id}"), &[], None)
            .await?;
        decode(value, "product")
    }

    /// A product of `/products` as a listing.
    fn publication(&self, raw: Value) -> Result<RemotePublication, PlatformError> {
        let currency = self.settings.currency.trim();
        let p: wire::ProductListing = decode(raw.clone(), "product")?;
        Ok(RemotePublication {
            external_id: p.id.to_string(),
            name: map::decode_entities(p.name.trim()),
            sku: p.sku.filter(|s| !s.trim().is_empty()),
            price: p.price,
            currency: Some(currency.to_string()).filter(|c| !c.is_empty()),
            // a quantity only means something while the shop manages the stock
            stock: p
                .stock_quantity
                .filter(|_| p.manage_stock == Value::Bool(true)),
            state: p.status,
            url: p.permalink,
            raw,
        })
    }

    /// The shop's whole category tree (`parent` links), all pages.
    pub async fn product_categories(&self) -> Result<Vec<wire::Category>, PlatformError> {
        self.all_pages("/products/categories", &[])
            .await?
            .into_iter()
            .map(|v| decode(v, "category"))
            .collect()
    }

    /// Every webhook subscription of the shop, all pages.
    pub async fn webhooks(&self) -> Result<Vec<wire::Webhook>, PlatformError> {
        self.all_pages("/webhooks", &[])
            .await?
            .into_iter()
            .map(|v| decode(v, "webhook"))
            .collect()
    }

    /// Makes sure each topic has an active subscription delivering to `address`: creates the
    /// missing ones (WooCommerce then pings `address`, WH-7) and re-activates those WooCommerce
    /// disabled after repeated delivery failures (setting `active` also clears the failure count).
    /// Webhooks an admin paused are left alone unless `reactivate_paused` is set. Returns the
    /// topics it created or re-activated a subscription for.
    pub async fn ensure_webhooks(
        &self,
        address: &str,
        topics: &[&str],
    ) -> Result<Vec<String>, PlatformError> {
        let existing = self.webhooks().await?;
        let reactivate_paused = self.settings.reactivate_paused;
        let mut changed = Vec::new();
        for &topic in topics {
            let mine: Vec<&wire::Webhook> = existing
                .iter()
                .filter(|w| w.topic == topic && same_address(&w.delivery_url, address))
                .collect();
            if mine.iter().any(|w| w.status == "active") {
                continue;
            }
            let revivable = mine
                .iter()
                .find(|w| w.status == "disabled" || (reactivate_paused && w.status == "paused"));
            if let Some(w) = revivable {
                self.call_ok(
                    Method::Put,
                    &format!("/webhooks/{}", w.id),
                    &[],
                    Some(&json!({"status": "active"})),
                )
                .await?;
                tracing::info!(source_id = %self.config.source_id, webhook = w.id, topic, "WooCommerce webhook re-activated");
                changed.push(topic.to_string());
                continue;
            }
            if let Some(w) = mine.first() {
                tracing::warn!(source_id = %self.config.source_id, webhook = w.id, topic, status = %w.status, "WooCommerce webhook left as the admin set it");
                continue;
            }
            let secret = self
                .config
                .credentials
                .webhook_secret
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| {
                    PlatformError::Unauthorized("the WooCommerce webhook secret is missing".into())
                })?;
            let created = self
                .call_ok(
                    Method::Post,
                    "/webhooks",
                    &[],
                    Some(&json!({
                        "name": format!("orderhub {topic}"),
                        "topic": topic,
                        "delivery_url": address,
                        "secret": secret,
                        "status": "active",
                    })),
                )
                .await?;
            let created: wire::Webhook = decode(created, "webhook")?;
            tracing::info!(source_id = %self.config.source_id, webhook = created.id, topic, "WooCommerce webhook created");
            changed.push(topic.to_string());
        }
        Ok(changed)
    }

    fn order_path(external_id: &str) -> Option<String> {
        external_id
            .trim()
            .parse::<u64>()
            .ok()
            .map(|id| format!("/orders/{id}"))
    }
}

/// WooCommerce keeps the URL as typed; a trailing slash is not a different receiver.
fn same_address(a: &str, b: &str) -> bool {
    a.trim().trim_end_matches('/') == b.trim().trim_end_matches('/')
}

/// A WordPress error object's words, or the status when the body is not one.
fn error_of(status: u16, value: &Value) -> (Option<String>, String) {
    match serde_json::from_value::<wire::ApiError>(value.clone()) {
        Ok(e) if !e.message.is_empty() => (Some(e.code).filter(|c| !c.is_empty()), e.message),
        _ => (None, format!("HTTP {status}")),
    }
}

fn check_answer(status: u16, value: &Value) -> Result<(), PlatformError> {
    if (200..300).contains(&status) {
        return Ok(());
    }
    let (code, message) = error_of(status, value);
    Err(match status {
        // bad keys (401) or keys without the permission (WordPress: 403 once authenticated)
        401 | 403 => PlatformError::Unauthorized(message),
        404 => PlatformError::NotFound,
        400 | 409 | 410 | 413 | 422 => PlatformError::Refused { code, message },
        _ => PlatformError::BadResponse(format!("HTTP {status}: {message}")),
    })
}

/// A WooCommerce `what` (order, product…) as a wire type; a mismatch names the field.
fn decode<T: DeserializeOwned>(value: Value, what: &str) -> Result<T, PlatformError> {
    decode_value(format_args!("{PLATFORM} {what}"), &value)
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

/// A filter bound as WooCommerce reads it with `dates_are_gmt=true`. The bounds are exclusive and
/// to the second, so we ask from one second earlier and cut at the exact time ourselves.
fn bound(t: DateTime<Utc>) -> String {
    (t - Duration::seconds(1))
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

#[async_trait::async_trait]
impl PlatformClient for WooCommerceClient {
    async fn ensure_webhooks(
        &self,
        address: &str,
        topics: &[&str],
    ) -> Result<Vec<String>, PlatformError> {
        WooCommerceClient::ensure_webhooks(self, address, topics).await
    }

    async fn authorize(&self) -> Result<(), PlatformError> {
        self.call_ok(
            Method::Get,
            "/orders",
            &[("per_page", "1".to_string())],
            None,
        )
        .await
        .map(|_| ())
    }

    /// IMP-1: orders created at or after `from`, without those already final on WooCommerce.
    /// IMP-6 skips are the engine's: every other order is returned.
    async fn orders_created_since(
        &self,
        from: DateTime<Utc>,
    ) -> Result<FetchedOrders, PlatformError> {
        let (orders, unreadable) = self.list_orders(&[("after", bound(from))]).await?;
        // WooCommerce keeps whole seconds: an order of the same second as `from` belongs in
        let from = from.trunc_subsecs(0);
        Ok(map_each(
            orders
                .iter()
                .filter(|o| o.date_created_gmt >= from && !map::excluded_from_backfill(o)),
            unreadable,
            self.country(),
        ))
    }

    /// WH-6: orders modified at or after `since`, every status (trashed ones excepted, which
    /// `status=any` leaves out).
    async fn orders_changed_since(
        &self,
        since: DateTime<Utc>,
        _window_from: DateTime<Utc>,
    ) -> Result<FetchedOrders, PlatformError> {
        let (orders, unreadable) = self
            .list_orders(&[("modified_after", bound(since))])
            .await?;
        let since = since.trunc_subsecs(0);
        Ok(map_each(
            orders
                .iter()
                .filter(|o| map::updated_at(o).is_none_or(|t| t >= since)),
            unreadable,
            self.country(),
        ))
    }

    async fn fetch_order(&self, external_id: &str) -> Result<Option<ImportedOrder>, PlatformError> {
        let Some(path) = Self::order_path(external_id) else {
            return Ok(None);
        };
        match self.call_ok(Method::Get, &path, &[], None).await {
            Ok(value) => {
                let order: wire::Order = decode(value, "order")?;
                map::to_imported_in(&order, self.country()).map(Some)
            }
            Err(PlatformError::NotFound) => Ok(None),
            Err(PlatformError::Refused { code: Some(c), .. })
                if c == "woocommerce_rest_shop_order_invalid_id" =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    async fn allowed_next_statuses(
        &self,
        _external_id: &str,
    ) -> Result<Option<Vec<String>>, PlatformError> {
        Ok(None)
    }

    /// `PUT /orders/{id}` `{"status": …}`. WooCommerce has no cancellation reasons. ST-7 (no
    /// `completed` before the goods are written off) is decided by orderhub before calling this.
    async fn change_status(
        &self,
        external_id: &str,
        status: &str,
        _cancellation_reason: Option<&str>,
    ) -> Result<(), PlatformError> {
        let path = Self::order_path(external_id).ok_or(PlatformError::NotFound)?;
        let value = self
            .call_ok(Method::Put, &path, &[], Some(&json!({ "status": status })))
            .await?;
        let order: wire::Order = decode(value, "order")?;
        if order.status != status {
            return Err(PlatformError::Refused {
                code: None,
                message: format!(
                    "WooCommerce kept order {} in `{}` instead of `{status}`",
                    order.id, order.status
                ),
            });
        }
        Ok(())
    }

    /// WooCommerce core has no tracking field; shipment-tracking plugins read an order meta key,
    /// which the source names in `tracking_meta_key`.
    async fn set_tracking_number(
        &self,
        external_id: &str,
        number: &str,
    ) -> Result<(), PlatformError> {
        let key = self.settings.tracking_meta_key.trim();
        if key.is_empty() {
            return Err(PlatformError::Unsupported(
                "tracking numbers without a `tracking_meta_key` setting",
            ));
        }
        let path = Self::order_path(external_id).ok_or(PlatformError::NotFound)?;
        self.call_ok(
            Method::Put,
            &path,
            &[],
            Some(&json!({"meta_data": [{"key": key, "value": number}]})),
        )
        .await?;
        Ok(())
    }

    async fn list_publications(&self) -> Result<Vec<RemotePublication>, PlatformError> {
        self.all_pages("/products", &[])
            .await?
            .into_iter()
            .map(|raw| self.publication(raw))
            .collect()
    }

    /// `GET /products/{id}`: one product, as in the listing.
    async fn fetch_publication(
        &self,
        external_id: &str,
    ) -> Result<Option<RemotePublication>, PlatformError> {
        let Ok(id) = external_id.trim().parse::<u64>() else {
            return Ok(None);
        };
        match self
            .call_ok(Method::Get, &format!("/products/{id}"), &[], None)
            .await
        {
            // a trashed product is still readable by id (publication_listed leaves it out)
            Ok(raw) => self.publication(raw).map(Some),
            Err(PlatformError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// STK-1: `POST /products/batch` with `manage_stock: true` (WooCommerce ignores a quantity
    /// on a product whose stock it does not manage). Per-item errors come back inside a 200.
    async fn push_stock(
        &self,
        updates: &[StockUpdate],
    ) -> Result<Vec<StockRefusal>, PlatformError> {
        let batch = self.settings.batch_size.clamp(1, 100) as usize;
        let mut refusals = Vec::new();
        let mut by_id: HashMap<u64, &StockUpdate> = HashMap::new();
        let mut sendable = Vec::with_capacity(updates.len());
        for u in updates {
            match u.external_id.trim().parse::<u64>() {
                Ok(id) => {
                    by_id.insert(id, u);
                    sendable.push((id, u));
                }
                Err(_) => refusals.push(StockRefusal {
                    external_id: u.external_id.clone(),
                    code: None,
                    message: "not a WooCommerce product id".into(),
                }),
            }
        }
        for chunk in sendable.chunks(batch) {
            let mut items = Vec::with_capacity(chunk.len());
            for &(id, u) in chunk {
                let mut item =
                    json!({"id": id, "manage_stock": true, "stock_quantity": u.quantity});
                if let Some(price) = u.price {
                    item["regular_price"] = json!(price.to_string());
                }
                items.push(item);
            }
            let answer = self
                .call_ok(
                    Method::Post,
                    "/products/batch",
                    &[],
                    Some(&json!({ "update": items })),
                )
                .await?;
            let results = answer
                .get("update")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            // the answers come in the order of the request; the id says it where there is one
            for (i, r) in results.iter().enumerate() {
                if let Some(err) = r.get("error") {
                    let (code, message) = error_of(400, err);
                    let update = r
                        .get("id")
                        .and_then(Value::as_u64)
                        .and_then(|id| by_id.get(&id).copied())
                        .or_else(|| chunk.get(i).map(|&(_, u)| u));
                    refusals.push(StockRefusal {
                        external_id: update.map(|u| u.external_id.clone()).unwrap_or_default(),
                        code,
                        message,
                    });
                }
            }
        }
        Ok(refusals)
    }
}
