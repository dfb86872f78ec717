//! Platform adapters: one folder per platform with its wire types, mapping, client and simulator.
//! Everything the sync engine needs from a platform goes through [`PlatformClient`].

pub mod http;
pub mod resync;
pub mod settings;
pub mod signature;
pub mod sim;
pub mod wire_money;

pub mod cartum;
pub mod epicentr;
pub mod prom;
pub mod rozetka;
pub mod shopify;
pub mod woocommerce;

#[cfg(test)]
mod retry_tests;

#[cfg(test)]
mod fuzz_tests;

use crate::domain::credentials::Credentials;
use crate::domain::orders::ImportedOrder;
use crate::domain::{Platform, SourceId};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;

/// What a platform said when it did not do what was asked.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum PlatformError {
    /// The credentials were rejected (SRC-2 on create, SRC-6 later: the source needs re-authorization).
    #[error("credentials rejected: {0}")]
    Unauthorized(String),
    /// Too many requests, still so after the client's own retries.
    #[error("rate limited by the platform{}", .retry_after.map(|d| format!(", retry after {}s", d.as_secs())).unwrap_or_default())]
    RateLimited { retry_after: Option<Duration> },
    /// Timeouts, connection failures, 5xx, truncated bodies: worth retrying later.
    #[error("platform unavailable: {0}")]
    Transient(String),
    /// The platform understood and refused (a status it does not allow now, a wrong tracking number).
    #[error("platform refused: {message}")]
    Refused {
        code: Option<String>,
        message: String,
    },
    /// An answer we cannot read (unknown shape, unexpected field types).
    #[error("unexpected answer from the platform: {0}")]
    BadResponse(String),
    #[error("not found on the platform")]
    NotFound,
    #[error("{0} is not supported by this platform")]
    Unsupported(&'static str),
}

impl PlatformError {
    /// What went wrong in the platform's or the mapping's words, without the kind's prefix: the
    /// reason a skipped order shows.
    pub fn reason(&self) -> String {
        match self {
            PlatformError::BadResponse(m) => m.clone(),
            other => other.to_string(),
        }
    }

    /// Worth another try later without anyone changing anything.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            PlatformError::Transient(_) | PlatformError::RateLimited { .. }
        )
    }
}

/// Everything a client needs to talk to one source.
#[derive(Clone, Debug)]
pub struct SourceConfig {
    pub source_id: SourceId,
    pub platform: Platform,
    /// The production URL or the source's override (simulators in tests and the demo).
    pub base_url: String,
    pub credentials: Credentials,
    /// Language of names (Prom `X-LANGUAGE`, Cartum), e.g. `uk`.
    pub language: Option<String>,
    /// Platform options (the notes' ASSUMPTIONS), e.g. `{"page_size": 100}`, as stored: each
    /// client reads them into its platform's typed settings ([`settings`]).
    pub settings: serde_json::Value,
    /// Client behaviour: timeouts and retries.
    pub http: http::HttpPolicy,
}

pub use crate::domain::publication::RemotePublication;

/// A stock (and optionally price) change for one listing (STK-1).
#[derive(Clone, Debug, PartialEq)]
pub struct StockUpdate {
    pub external_id: String,
    pub sku: Option<String>,
    pub quantity: i64,
    pub price: Option<rust_decimal::Decimal>,
}

/// A listing the platform would not take in a stock push, and why (STK-1). The push's other
/// listings were taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StockRefusal {
    /// The listing's external id, as in its [`StockUpdate`].
    pub external_id: String,
    /// The platform's error code, where it gives one.
    pub code: Option<String>,
    pub message: String,
}

impl std::fmt::Display for StockRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.external_id, self.message)
    }
}

/// An order a listing answered that orderhub could not read (a value it cannot hold, a field of
/// the wrong type): the order is skipped with the reason and the rest of the listing is imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnreadableOrder {
    /// The order's id on the platform, where the answer names one.
    pub external_id: Option<String>,
    pub reason: String,
}

impl std::fmt::Display for UnreadableOrder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.external_id {
            Some(id) => write!(f, "order {id} not imported: {}", self.reason),
            None => write!(
                f,
                "an order without a readable id not imported: {}",
                self.reason
            ),
        }
    }
}

/// What a listing of orders gave: the orders read, and those that could not be read (each fails
/// alone, so one bad order never stops the others).
#[derive(Clone, Debug, Default)]
pub struct FetchedOrders {
    pub orders: Vec<ImportedOrder>,
    pub unreadable: Vec<UnreadableOrder>,
}

impl FetchedOrders {
    /// Orders mapped one by one (each with its external id): one that could not be mapped joins
    /// `unreadable` with why, the others are kept.
    pub fn collect<E: std::fmt::Display>(
        mapped: impl IntoIterator<Item = (String, Result<ImportedOrder, E>)>,
        unreadable: Vec<UnreadableOrder>,
    ) -> FetchedOrders {
        let mut out = FetchedOrders {
            orders: Vec::new(),
            unreadable,
        };
        for (external_id, order) in mapped {
            out.push(external_id, order);
        }
        out
    }

    /// Records one order's mapping: read, or unreadable for the given reason.
    pub fn push<E: std::fmt::Display>(
        &mut self,
        external_id: impl Into<String>,
        mapped: Result<ImportedOrder, E>,
    ) {
        match mapped {
            Ok(order) => self.orders.push(order),
            Err(e) => self.unreadable.push(UnreadableOrder {
                external_id: Some(external_id.into()),
                reason: e.to_string(),
            }),
        }
    }
}

/// An order's wire JSON read alone out of a list, so one malformed element fails alone: `Err`
/// carries the order's id (from `id_key`, where readable) and the reason.
pub fn decode_list_element<T: serde::de::DeserializeOwned>(
    raw: serde_json::Value,
    id_key: &str,
) -> Result<T, UnreadableOrder> {
    let external_id = match raw.get(id_key) {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    serde_json::from_value(raw).map_err(|e| UnreadableOrder {
        external_id,
        reason: format!("the order's JSON could not be read: {e}"),
    })
}

/// One platform's client. Implementations speak exactly the endpoints of `platforms/<name>.md`,
/// read the body even on HTTP 200 (Rozetka, Prom and Cartum report errors that way), and map wire
/// types to domain values in their `map.rs`.
#[async_trait::async_trait]
pub trait PlatformClient: Send + Sync {
    /// Checks the credentials against the platform (SRC-2), logging in where it has sessions.
    async fn authorize(&self) -> Result<(), PlatformError>;

    /// Every order created at or after `from`, all pages (the backfill of IMP-1). Orders the
    /// platform's backfill rule excludes (Cartum: delivered) are left out here. An order that
    /// cannot be read is in `unreadable`; an error means the listing itself failed.
    async fn orders_created_since(
        &self,
        from: DateTime<Utc>,
    ) -> Result<FetchedOrders, PlatformError>;

    /// Orders changed at or after `since`, all pages (SYNC-1). Platforms that cannot filter by
    /// change time (Epicentr, Cartum) return the open orders created at or after `window_from`,
    /// and the merge finds what changed.
    async fn orders_changed_since(
        &self,
        since: DateTime<Utc>,
        window_from: DateTime<Utc>,
    ) -> Result<FetchedOrders, PlatformError>;

    /// One order by its external id (SYNC-4 manual sync).
    async fn fetch_order(&self, external_id: &str) -> Result<Option<ImportedOrder>, PlatformError>;

    /// The platform statuses the order may move to next (Rozetka `status_available`, Epicentr
    /// allowed-statuses); `None` where the platform has no such rule.
    async fn allowed_next_statuses(
        &self,
        external_id: &str,
    ) -> Result<Option<Vec<String>>, PlatformError>;

    /// Moves the order to a platform status (ST-4), with a cancellation reason where needed (ST-5).
    async fn change_status(
        &self,
        external_id: &str,
        status: &str,
        cancellation_reason: Option<&str>,
    ) -> Result<(), PlatformError>;

    /// [`Self::change_status`], telling each platform status it set on the way, in order, into
    /// `sent` — also when a later step fails (ST-6: Rozetka walks 1 → 26 → 2 one step at a time,
    /// and each step is the order's own event). Nothing is added when the order already has the
    /// status. Platforms that set a status in one request add just it.
    async fn change_status_steps(
        &self,
        external_id: &str,
        status: &str,
        cancellation_reason: Option<&str>,
        sent: &mut Vec<String>,
    ) -> Result<(), PlatformError> {
        self.change_status(external_id, status, cancellation_reason)
            .await?;
        sent.push(status.to_string());
        Ok(())
    }

    /// Sends a tracking number (TRK-1, TRK-2).
    async fn set_tracking_number(
        &self,
        external_id: &str,
        number: &str,
    ) -> Result<(), PlatformError>;

    /// The seller's listings (PUB-1, PUB-2).
    async fn list_publications(&self) -> Result<Vec<RemotePublication>, PlatformError>;

    /// One listing by its external id (PUB-1 `syncPublication`); `None` when the platform no
    /// longer lists it. Platforms with a single-listing endpoint override this; the others read
    /// the whole listing.
    async fn fetch_publication(
        &self,
        external_id: &str,
    ) -> Result<Option<RemotePublication>, PlatformError> {
        Ok(self
            .list_publications()
            .await?
            .into_iter()
            .find(|p| p.external_id == external_id))
    }

    /// Pushes stock of listings, batched where the platform has a bulk endpoint (STK-1). Answers
    /// the listings the platform refused, one by one (the others were taken); an error means no
    /// listing can be counted as taken.
    async fn push_stock(&self, updates: &[StockUpdate])
        -> Result<Vec<StockRefusal>, PlatformError>;

    /// What the last backfill could not do, for its sync run (Shopify's 60-day window).
    fn backfill_note(&self) -> Option<String> {
        None
    }

    /// Webhook platforms: subscribes `address` to the topics it lacks, re-activating disabled
    /// subscriptions; returns what it (re)created. Polled platforms have no webhooks.
    async fn ensure_webhooks(
        &self,
        _address: &str,
        _topics: &[&str],
    ) -> Result<Vec<String>, PlatformError> {
        Err(PlatformError::Unsupported("webhooks"))
    }
}

/// PUB-2: whether a listing read from the platform counts as a publication. Rozetka: only goods
/// whose sell status is "call" (2), "running out" (3) or "in stock" (4); WooCommerce: not trashed.
pub fn publication_listed(platform: Platform, p: &RemotePublication) -> bool {
    match platform {
        Platform::Rozetka => p
            .state
            .as_deref()
            .is_some_and(|s| rozetka::PUBLISHED_SELL_STATUSES.contains(&s)),
        // the listing leaves trashed products out; read by id, they still answer
        Platform::Woocommerce => p.state.as_deref() != Some("trash"),
        _ => true,
    }
}

/// What each platform takes as the target of a status rule (ST-5..7), from its platform note.
/// Statuses that shops define themselves (Cartum, WooCommerce plugins) are not listed.
pub fn rule_targets(platform: Platform) -> crate::domain::push::RuleTargets {
    use crate::domain::push::RuleTargets;
    let strings = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let base = RuleTargets {
        supported: true,
        by_group: false,
        statuses: None,
        never: vec![],
        cancel_status: None,
        cancellation_reasons: vec![],
    };
    match platform {
        Platform::Rozetka => RuleTargets {
            statuses: Some(
                rozetka::statuses::STATUSES
                    .iter()
                    .map(|s| s.0.to_string())
                    .collect(),
            ),
            never: vec![(
                rozetka::statuses::REPEAT_ORDER.to_string(),
                "status 49 (repeat order) is never sent to Rozetka (ST-6)".into(),
            )],
            ..base
        },
        Platform::Prom => RuleTargets {
            by_group: true,
            statuses: Some(strings(prom::SET_STATUS_TARGETS)),
            cancel_status: Some("canceled".into()),
            cancellation_reasons: strings(prom::CANCELLATION_REASONS),
            ..base
        },
        Platform::Epicentr => RuleTargets {
            statuses: Some(strings(epicentr::RULE_TARGETS)),
            // the client sends a default reason code when the rule names none
            cancel_status: Some("canceled_by_merchant".into()),
            ..base
        },
        Platform::Cartum => base,
        Platform::Woocommerce => base,
        Platform::Shopify => RuleTargets {
            supported: false,
            ..base
        },
    }
}

/// The platform's own name of one of its order statuses (the source status shown beside ours),
/// from its platform note: Rozetka `"26"` → "Опрацьовується менеджером". Ukrainian where the
/// note gives it, else as the note names it; `None` for a code the note does not name (a
/// shop's own status, a code a newer API added).
pub fn source_status_label(platform: Platform, code: &str) -> Option<String> {
    let known = match platform {
        Platform::Rozetka => rozetka::statuses::label(code),
        Platform::Prom => prom::status_label(code),
        Platform::Epicentr => epicentr::status_label(code),
        Platform::Cartum => cartum::status_label(code),
        Platform::Woocommerce => woocommerce::status_label(code),
        Platform::Shopify => return shopify::status_label(code),
    };
    known.map(str::to_string)
}

/// The client for a source's platform.
pub fn client_for(config: SourceConfig) -> Result<Arc<dyn PlatformClient>, PlatformError> {
    Ok(match config.platform {
        Platform::Rozetka => Arc::new(rozetka::client::RozetkaClient::new(config)?),
        Platform::Prom => Arc::new(prom::client::PromClient::new(config)?),
        Platform::Epicentr => Arc::new(epicentr::client::EpicentrClient::new(config)?),
        Platform::Cartum => Arc::new(cartum::client::CartumClient::new(config)?),
        Platform::Shopify => Arc::new(shopify::client::ShopifyClient::new(config)?),
        Platform::Woocommerce => Arc::new(woocommerce::client::WooCommerceClient::new(config)?),
    })
}

/// The platform account credentials connect to, the same text for the same account however it
/// was typed (issue 19): Prom's and Epicentr's token, Rozetka's login, Cartum's login, Shopify's
/// shop domain, each on the API it was given (`base_url`: the production one, or a shop's own
/// address), and WooCommerce's site. `None` when the credentials name none. Never logged or
/// stored in clear: the store keeps only its keyed hash.
pub fn account_identity(
    platform: Platform,
    credentials: &crate::domain::credentials::Credentials,
    base_url: Option<&str>,
) -> Option<String> {
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let on = |account: String| match base_url {
        Some(url) => format!("{account}@{}", site(url)),
        None => account,
    };
    match platform {
        Platform::Prom | Platform::Epicentr => given(&credentials.token).map(on),
        Platform::Rozetka => given(&credentials.login).map(|l| on(l.to_lowercase())),
        Platform::Cartum => given(&credentials.login).map(on),
        Platform::Shopify => given(&credentials.shop_domain).map(|d| on(site(&d))),
        Platform::Woocommerce => base_url.map(site),
    }
}

/// A shop's address as one text for one site: `https://WWW.Shop.com.ua/` and `shop.com.ua` are
/// both `shop.com.ua`; a path (a shop under a folder) stays.
fn site(url: &str) -> String {
    let url = url.trim();
    let with_scheme = if url.contains("://") {
        url.to_string()
    } else {
        format!("https://{url}")
    };
    match reqwest::Url::parse(&with_scheme) {
        Ok(u) => {
            let host = u.host_str().unwrap_or_default();
            let host = host.strip_prefix("www.").unwrap_or(host);
            let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
            format!("{host}{port}{}", u.path().trim_end_matches('/'))
        }
        Err(_) => url.trim_end_matches('/').to_lowercase(),
    }
}

/// A webhook platform's delivery headers (WH-1, WH-3), kept in its folder.
#[derive(Debug)]
pub struct WebhookHeaders {
    /// The HMAC-SHA256 of the raw body, base64.
    pub signature: &'static str,
    /// What the delivery is about (`orders/create`, `order.updated`).
    pub topic: &'static str,
    /// The headers stored with a delivery.
    pub kept: &'static [&'static str],
    /// The delivery's own id and its event's id, where the platform sends them (duplicates).
    pub webhook_id: Option<&'static str>,
    pub event_id: Option<&'static str>,
    /// The start of an unsigned body the platform sends to test a new subscription, answered
    /// 200 without being stored.
    pub unsigned_ping: Option<&'static [u8]>,
}

/// The delivery headers of a platform that sends webhooks; `None` for the polled ones.
pub fn webhook_headers(platform: Platform) -> Option<&'static WebhookHeaders> {
    match platform {
        Platform::Shopify => Some(&shopify::WEBHOOK_HEADERS),
        Platform::Woocommerce => Some(&woocommerce::WEBHOOK_HEADERS),
        _ => None,
    }
}

/// What the mapping of a delivery produced.
pub enum Mapped {
    Order(Box<crate::domain::orders::ImportedOrder>),
    /// IMP-6: not imported, with the reason the user sees.
    Skip(String),
    /// A topic orderhub does not act on; acknowledged and recorded (WH-4).
    Ignore(String),
}

/// What a webhook delivery means (WH-4): an order to apply, a skip with its reason (IMP-6), or a
/// topic orderhub does not act on. `country`: the source's ([`settings::country`]).
pub fn webhook_mapping(
    platform: Platform,
    topic: &str,
    body: &[u8],
    country: Option<crate::domain::phone::Region>,
) -> Result<Mapped, String> {
    match (platform, topic) {
        (
            Platform::Shopify,
            "orders/create"
            | "orders/updated"
            | "orders/paid"
            | "orders/cancelled"
            | "orders/fulfilled"
            | "orders/partially_fulfilled",
        ) => {
            let order = shopify::map::parse_order(body).map_err(|e| e.to_string())?;
            let imported = shopify::map::to_imported_in(&order, country)
                .map_err(|e| format!("order {} could not be read: {}", order.id, e.reason()))?;
            Ok(Mapped::Order(Box::new(imported)))
        }
        (Platform::Woocommerce, "order.created" | "order.updated" | "order.restored") => {
            let order = woocommerce::map::parse_order(body).map_err(|e| e.to_string())?;
            if let Some(reason) = woocommerce::map::import_skip_reason(&order) {
                return Ok(Mapped::Skip(format!(
                    "order {} not imported: {reason}",
                    order.id
                )));
            }
            let imported = woocommerce::map::to_imported_in(&order, country)
                .map_err(|e| format!("order {} could not be read: {}", order.id, e.reason()))?;
            Ok(Mapped::Order(Box::new(imported)))
        }
        (Platform::Shopify | Platform::Woocommerce, other) => Ok(Mapped::Ignore(format!(
            "topic `{other}` is recorded but not acted on"
        ))),
        _ => Err(format!("{platform} does not send webhooks")),
    }
}

#[cfg(test)]
mod listed_tests {
    use super::*;

    fn with_state(state: &str) -> RemotePublication {
        RemotePublication {
            external_id: "1".into(),
            name: "Kettle".into(),
            sku: None,
            price: None,
            currency: None,
            stock: None,
            state: Some(state.into()),
            url: None,
            raw: serde_json::Value::Null,
        }
    }

    // covers: ST-2 (the source status shown beside ours, by its platform's name)
    #[test]
    fn each_platform_names_its_statuses_and_unknown_codes_have_no_name() {
        let label = |p, c| source_status_label(p, c);
        assert_eq!(
            label(Platform::Rozetka, "26").as_deref(),
            Some("Опрацьовується менеджером")
        );
        assert_eq!(
            label(Platform::Rozetka, "73").as_deref(),
            Some("У черзі на отримання")
        );
        assert_eq!(label(Platform::Rozetka, "9999"), None);
        assert_eq!(label(Platform::Rozetka, "new"), None);
        assert_eq!(label(Platform::Prom, "paid").as_deref(), Some("Оплачено"));
        assert_eq!(label(Platform::Prom, "custom-17"), None);
        assert_eq!(
            label(Platform::Epicentr, "confirmed_by_merchant").as_deref(),
            Some("Підтверджено продавцем")
        );
        assert_eq!(label(Platform::Cartum, "2").as_deref(), Some("В обробці"));
        assert_eq!(label(Platform::Cartum, "7"), None);
        assert_eq!(
            label(Platform::Woocommerce, "on-hold").as_deref(),
            Some("On hold")
        );
        assert_eq!(label(Platform::Woocommerce, "wc-shipped"), None);
        assert_eq!(
            label(Platform::Shopify, "paid/unfulfilled").as_deref(),
            Some("Paid · Unfulfilled")
        );
        assert_eq!(
            label(Platform::Shopify, "cancelled").as_deref(),
            Some("Cancelled")
        );
        assert_eq!(
            label(Platform::Shopify, "unknown/partial").as_deref(),
            Some("Partially fulfilled")
        );
        assert_eq!(label(Platform::Shopify, "paid/pending"), None);
    }

    // covers: PUB-2
    #[test]
    fn listed_means_what_each_platform_shows() {
        assert!(publication_listed(Platform::Rozetka, &with_state("2")));
        assert!(!publication_listed(Platform::Rozetka, &with_state("1")));
        assert!(publication_listed(
            Platform::Woocommerce,
            &with_state("publish")
        ));
        assert!(!publication_listed(
            Platform::Woocommerce,
            &with_state("trash")
        ));
        assert!(publication_listed(
            Platform::Prom,
            &with_state("on_display")
        ));
    }
}

/// Shared checks for the platform clients' tests.
#[cfg(test)]
pub(crate) mod test_support {
    use super::{PlatformClient, RemotePublication};

    /// PUB-1: each listed publication read by its id is what the listing showed; the other ids
    /// (unknown, deleted, not an id at all) read as none.
    pub async fn reads_one_by_one(
        c: &dyn PlatformClient,
        listed: &[&RemotePublication],
        absent: &[&str],
    ) {
        for p in listed {
            let one = c.fetch_publication(&p.external_id).await.unwrap();
            assert_eq!(one.as_ref(), Some(*p), "{}", p.external_id);
        }
        for id in absent {
            assert_eq!(c.fetch_publication(id).await.unwrap(), None, "{id}");
        }
    }
}
