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
use crate::domain::orders::{ImportFacts, ImportedOrder};
use crate::domain::platform::FactsOf;
use crate::domain::push::PushFacts;
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

/// Everything orderhub knows about one platform, kept in the platform's folder
/// (`platforms/<name>/descriptor.rs`): the rest of the crate asks [`descriptor`] and holds no
/// `match` on the platform. A new platform is a new folder with its client, wire types, mapping,
/// simulator, settings and descriptor, plus one line in [`descriptor`] (and its [`Platform`]
/// variant).
pub trait PlatformDescriptor: Send + Sync {
    /// A client for one source of the platform.
    fn client(&self, config: SourceConfig) -> Result<Arc<dyn PlatformClient>, PlatformError>;

    /// The credential fields the platform cannot work without, by their GraphQL names (SRC-2).
    /// By default one API token (Prom, Epicentr).
    fn required_credentials(&self) -> &'static [&'static str] {
        &["token"]
    }

    /// The platform account the credentials connect to (see [`account_identity`]), on the API
    /// `base_url` names. By default the API token, as typed.
    fn account_identity(
        &self,
        credentials: &Credentials,
        base_url: Option<&str>,
    ) -> Option<String> {
        given(&credentials.token).map(|t| on_site(t, base_url))
    }

    /// The shop's address the credentials name, for a source given no base URL (Shopify's shop
    /// domain); `None` where they name none.
    fn base_url_from_credentials(&self, _credentials: &Credentials) -> Option<String> {
        None
    }

    /// The platform's own name of one of its order statuses (see [`source_status_label`]).
    fn status_label(&self, code: &str) -> Option<String>;

    /// What a status rule may name, and when statuses and tracking numbers are taken (ST-5..7,
    /// TRK-2).
    fn push_facts(&self) -> PushFacts;

    /// How the platform's orders are imported: their first status, cancellations, incomplete
    /// orders (ST-1, ST-2, ST-7, IMP-6, IMP-7). By default as on a polled platform: the first
    /// status and a cancellation follow the platform, and no order is skipped as incomplete.
    fn import_facts(&self) -> ImportFacts {
        ImportFacts {
            initial_status_follows_platform: true,
            cancellation_propagates: true,
            skips_incomplete_orders: false,
        }
    }

    /// SRC-1: whether the names of the platform's goods are read in the source's `language`
    /// (Prom, Cartum), so a form offers that field (`platformFacts.takesLanguage`).
    fn takes_language(&self) -> bool {
        false
    }

    /// Polled platforms are re-read on a schedule; the others push webhooks (IMP-2).
    fn is_polled(&self) -> bool {
        self.webhooks().is_none()
    }

    /// The production base URL, used when a source has no override (SRC-1); `None` for a
    /// platform that lives on the seller's own domain.
    fn production_base_url(&self) -> Option<&'static str> {
        None
    }

    /// IMP-1: whether the backfill leaves finished orders out; a later poll must not bring them
    /// in either (only orders it already knows may become finished).
    fn backfill_skips_completed(&self) -> bool {
        false
    }

    /// PUB-2: whether a listing read from the platform counts as a publication.
    fn publication_listed(&self, _publication: &RemotePublication) -> bool {
        true
    }

    /// The platform's typed settings (SRC-1): `settings::Typed::of::<its settings.rs struct>()`,
    /// whose keys `platformSettings` lists and `createSource`/`updateSource` check, and which say
    /// a source's country (CUS-1) and reconciliation interval (WH-6) where the platform has them.
    fn settings(&self) -> settings::Typed;

    /// How the platform delivers webhooks and what a delivery means; `None` for the polled
    /// platforms.
    fn webhooks(&self) -> Option<&'static Webhooks> {
        None
    }
}

/// The registry of platforms: one line per platform.
pub fn descriptor(platform: Platform) -> &'static dyn PlatformDescriptor {
    match platform {
        Platform::Rozetka => &rozetka::descriptor::Rozetka,
        Platform::Prom => &prom::descriptor::Prom,
        Platform::Epicentr => &epicentr::descriptor::Epicentr,
        Platform::Cartum => &cartum::descriptor::Cartum,
        Platform::Shopify => &shopify::descriptor::Shopify,
        Platform::Woocommerce => &woocommerce::descriptor::WooCommerce,
    }
}

/// PUB-2: whether a listing read from the platform counts as a publication. Rozetka: only goods
/// whose sell status is "call" (2), "running out" (3) or "in stock" (4); WooCommerce: not trashed.
pub fn publication_listed(platform: Platform, p: &RemotePublication) -> bool {
    descriptor(platform).publication_listed(p)
}

/// The platform's push facts (ST-5..7, TRK-2), as the store is given them ([`FACTS`]).
pub fn push_facts(platform: Platform) -> PushFacts {
    descriptor(platform).push_facts()
}

/// How the platform's orders are imported (ST-1, ST-2, ST-7, IMP-6, IMP-7), as the store is
/// given them ([`FACTS`]).
pub fn import_facts(platform: Platform) -> ImportFacts {
    descriptor(platform).import_facts()
}

/// The platforms' facts the store needs, handed to `Store::connect` (the store does not import
/// the platforms).
pub const FACTS: FactsOf = FactsOf {
    push: push_facts,
    import: import_facts,
};

/// The platform's own name of one of its order statuses (the source status shown beside ours),
/// from its platform note: Rozetka `"26"` → "Опрацьовується менеджером". Ukrainian where the
/// note gives it, else as the note names it; `None` for a code the note does not name (a
/// shop's own status, a code a newer API added).
pub fn source_status_label(platform: Platform, code: &str) -> Option<String> {
    descriptor(platform).status_label(code)
}

/// The client for a source's platform.
pub fn client_for(config: SourceConfig) -> Result<Arc<dyn PlatformClient>, PlatformError> {
    descriptor(config.platform).client(config)
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
    descriptor(platform).account_identity(credentials, base_url)
}

/// A credential as typed, trimmed; `None` when empty.
pub(crate) fn given(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// An account on the API at `base_url` (where one is given): `account@site`.
pub(crate) fn on_site(account: String, base_url: Option<&str>) -> String {
    match base_url {
        Some(url) => format!("{account}@{}", site(url)),
        None => account,
    }
}

/// A shop's address as one text for one site: `https://WWW.Shop.com.ua/` and `shop.com.ua` are
/// both `shop.com.ua`; a path (a shop under a folder) stays.
pub(crate) fn site(url: &str) -> String {
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

/// How a webhook platform delivers (WH-1..7), kept in its folder.
#[derive(Debug)]
pub struct Webhooks {
    pub headers: WebhookHeaders,
    /// The topics each source subscribes (WH-6).
    pub topics: &'static [&'static str],
    /// The body's key telling when the order last changed (to recognise stale duplicates, WH-3).
    pub updated_at_key: &'static str,
    pub updated_at_format: TimeFormat,
    /// What a delivery about a topic means (WH-4), its body read with the source's country for
    /// bare phone numbers: see [`webhook_mapping`].
    pub map: MapDelivery,
}

/// A webhook platform's reading of one delivery: `(topic, body, country)`.
pub type MapDelivery =
    fn(&str, &[u8], Option<crate::domain::phone::Region>) -> Result<Mapped, String>;

/// How a webhook body writes a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeFormat {
    /// RFC 3339 with an offset (`2026-03-01T10:00:00+02:00`).
    Rfc3339,
    /// UTC without an offset (`2026-03-01T08:00:00`).
    UtcWithoutOffset,
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

/// What the mapping of a delivery produced.
pub enum Mapped {
    Order(Box<crate::domain::orders::ImportedOrder>),
    /// IMP-6: not imported, with the reason the user sees.
    Skip(String),
    /// A topic orderhub does not act on; acknowledged and recorded (WH-4).
    Ignore(String),
}

impl Mapped {
    /// A delivery about `topic`, which orderhub does not act on (WH-4).
    pub fn ignored(topic: &str) -> Mapped {
        Mapped::Ignore(format!("topic `{topic}` is recorded but not acted on"))
    }
}

/// What a webhook delivery means (WH-4): an order to apply, a skip with its reason (IMP-6), or a
/// topic orderhub does not act on. `country`: the source's ([`settings::country`]).
pub fn webhook_mapping(
    platform: Platform,
    topic: &str,
    body: &[u8],
    country: Option<crate::domain::phone::Region>,
) -> Result<Mapped, String> {
    match descriptor(platform).webhooks() {
        Some(webhooks) => (webhooks.map)(topic, body, country),
        None => Err(format!("{platform} does not send webhooks")),
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

    // covers: ST-1, ST-2, ST-7, IMP-6, IMP-7 (moved here from domain/platform.rs, issue 17)
    #[test]
    fn status_rules_per_platform() {
        assert!(import_facts(Platform::Prom).initial_status_follows_platform);
        assert!(!import_facts(Platform::Woocommerce).initial_status_follows_platform);
        assert!(!import_facts(Platform::Shopify).initial_status_follows_platform);
        assert!(import_facts(Platform::Woocommerce).cancellation_propagates);
        assert!(!import_facts(Platform::Shopify).cancellation_propagates);
        let skipping: Vec<_> = Platform::ALL
            .into_iter()
            .filter(|p| import_facts(*p).skips_incomplete_orders)
            .collect();
        assert_eq!(skipping, [Platform::Woocommerce]);
        // ST-1 follows the platform exactly where orders are polled (IMP-7)
        for p in Platform::ALL {
            assert_eq!(
                import_facts(p).initial_status_follows_platform,
                descriptor(p).is_polled(),
                "{p}"
            );
        }
    }

    // covers: IMP-1, IMP-2, SRC-1 (moved here from domain/platform.rs, issue 17)
    #[test]
    fn only_marketplaces_are_polled() {
        let of = |f: fn(&dyn PlatformDescriptor) -> bool| -> Vec<Platform> {
            Platform::ALL
                .into_iter()
                .filter(|p| f(descriptor(*p)))
                .collect()
        };
        use Platform::*;
        assert_eq!(of(|d| d.is_polled()), [Rozetka, Prom, Epicentr, Cartum]);
        assert_eq!(
            of(|d| d.backfill_skips_completed()),
            [Cartum, Shopify, Woocommerce]
        );
        assert_eq!(
            of(|d| d.production_base_url().is_some()),
            [Rozetka, Prom, Epicentr]
        );
        assert_eq!(
            descriptor(Prom).production_base_url(),
            Some("https://my.prom.ua/api/v1")
        );
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

#[cfg(test)]
mod descriptor_tests {
    use super::*;
    use crate::domain::push::{
        plan_status_push, tracking_readiness, validate_rules, OrderFacts, Rule, StatusPush,
        TrackingReadiness,
    };

    fn rule(status_id: i64, target: &str) -> Rule {
        Rule {
            status_id: Some(status_id),
            status_group: None,
            cancellation_reason: None,
            platform_status: target.into(),
            platform_cancellation_reason: None,
        }
    }

    // covers: ST-7
    #[test]
    fn shopify_has_no_rules_and_woocommerce_completes_only_after_write_off() {
        let (shopify, woo) = (
            push_facts(Platform::Shopify),
            push_facts(Platform::Woocommerce),
        );
        let known = |_| Some(crate::domain::StatusGroup::New);
        assert!(validate_rules(Platform::Shopify, &shopify.targets, &[], known).is_err());
        // the rule itself is domain::push's (its tests); here: these are the platforms' facts
        let done = rule(5, "completed");
        let open = OrderFacts {
            source_status: Some("processing"),
            written_off: false,
        };
        assert!(matches!(
            plan_status_push(Platform::Woocommerce, &woo, true, Some(&done), &open),
            StatusPush::NotSent(m) if m.starts_with("WooCommerce \"completed\" is sent only after")
        ));
        assert!(matches!(
            plan_status_push(Platform::Shopify, &shopify, true, Some(&done), &open),
            StatusPush::NotSent(m) if m == "Shopify statuses are not synchronised (ST-7)"
        ));
        // no other platform holds a status back for the write-off
        for p in Platform::ALL {
            let waits = push_facts(p).after_write_off.is_some();
            assert_eq!(waits, p == Platform::Woocommerce, "{p}");
        }
    }

    // covers: TRK-2
    #[test]
    fn tracking_numbers_go_in_the_platform_state_that_takes_them() {
        let ready = |p, s| tracking_readiness(push_facts(p).tracking, s);
        assert_eq!(
            ready(Platform::Rozetka, Some("2")),
            TrackingReadiness::Ready
        );
        assert!(
            matches!(ready(Platform::Rozetka, Some("26")), TrackingReadiness::Wait(m) if m.contains("status 2") && m.ends_with("in status 26"))
        );
        assert_eq!(
            ready(Platform::Epicentr, Some("confirmed")),
            TrackingReadiness::Ready
        );
        assert_eq!(
            ready(Platform::Epicentr, Some("new")),
            TrackingReadiness::Wait(
                "Epicentr takes a tracking number only when the order is confirmed; it is new"
                    .into()
            )
        );
        assert!(matches!(
            ready(Platform::Shopify, None),
            TrackingReadiness::Never(_)
        ));
        assert_eq!(
            ready(Platform::Prom, Some("received")),
            TrackingReadiness::Ready
        );
        assert_eq!(ready(Platform::Cartum, None), TrackingReadiness::Ready);
        assert_eq!(ready(Platform::Woocommerce, None), TrackingReadiness::Ready);
    }

    // covers: SRC-2
    #[test]
    fn each_platform_names_the_credentials_it_needs() {
        let c = Credentials {
            login: Some("me".into()),
            ..Default::default()
        };
        let check = |p| c.check_complete(descriptor(p).required_credentials());
        assert_eq!(check(Platform::Rozetka), Err("password"));
        assert_eq!(check(Platform::Cartum), Err("password"));
        assert_eq!(check(Platform::Prom), Err("token"));
        assert_eq!(check(Platform::Epicentr), Err("token"));
        assert_eq!(check(Platform::Shopify), Err("shopDomain"));
        assert_eq!(check(Platform::Woocommerce), Err("consumerKey"));
        let shop = Credentials {
            shop_domain: Some("x.myshopify.com".into()),
            access_token: Some("shpat".into()),
            webhook_secret: Some(" ".into()),
            ..Default::default()
        };
        assert_eq!(
            shop.check_complete(descriptor(Platform::Shopify).required_credentials()),
            Err("webhookSecret")
        );
        assert_eq!(
            descriptor(Platform::Shopify)
                .base_url_from_credentials(&shop)
                .as_deref(),
            Some("https://x.myshopify.com")
        );
        assert_eq!(
            descriptor(Platform::Woocommerce).base_url_from_credentials(&shop),
            None
        );
    }

    // covers: WH-6 (the topics each webhook platform subscribes; the polled ones have none)
    #[test]
    fn only_the_webhook_platforms_describe_deliveries() {
        let topics = |p| descriptor(p).webhooks().map(|w| w.topics.to_vec());
        assert_eq!(
            topics(Platform::Shopify),
            Some(vec![
                "orders/create",
                "orders/updated",
                "orders/cancelled",
                "app/uninstalled"
            ])
        );
        assert_eq!(
            topics(Platform::Woocommerce),
            Some(vec![
                "order.created",
                "order.updated",
                "order.deleted",
                "order.restored"
            ])
        );
        for p in Platform::ALL {
            assert_eq!(topics(p).is_none(), descriptor(p).is_polled(), "{p}");
        }
        assert!(
            webhook_mapping(Platform::Prom, "orders/create", b"{}", None)
                .is_err_and(|e| e == "prom does not send webhooks")
        );
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
