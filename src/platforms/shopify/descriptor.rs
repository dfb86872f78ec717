//! What orderhub knows about Shopify, for the rest of the crate
//! ([`crate::platforms::descriptor`]).

use super::settings::ShopifySettings;
use crate::domain::credentials::Credentials;
use crate::domain::orders::ImportFacts;
use crate::domain::phone::Region;
use crate::domain::push::{PushFacts, RuleTargets, TrackingRule};
use crate::platforms::settings::Typed;
use crate::platforms::{
    given, on_site, site, Mapped, PlatformClient, PlatformDescriptor, PlatformError, SourceConfig,
    TimeFormat, Webhooks,
};
use std::sync::Arc;

pub struct Shopify;

/// Shopify's deliveries (shopify.md, webhooks) and the topics a source subscribes (WH-6).
pub const WEBHOOKS: Webhooks = Webhooks {
    headers: super::WEBHOOK_HEADERS,
    topics: &[
        "orders/create",
        "orders/updated",
        "orders/cancelled",
        "app/uninstalled",
    ],
    updated_at_key: "updated_at",
    updated_at_format: TimeFormat::Rfc3339,
    map: map_delivery,
};

impl PlatformDescriptor for Shopify {
    fn client(&self, config: SourceConfig) -> Result<Arc<dyn PlatformClient>, PlatformError> {
        Ok(Arc::new(super::client::ShopifyClient::new(config)?))
    }

    fn required_credentials(&self) -> &'static [&'static str] {
        &["shopDomain", "accessToken", "webhookSecret"]
    }

    fn account_identity(&self, c: &Credentials, base_url: Option<&str>) -> Option<String> {
        given(&c.shop_domain).map(|d| on_site(site(&d), base_url))
    }

    fn base_url_from_credentials(&self, c: &Credentials) -> Option<String> {
        c.shop_domain.as_ref().map(|d| format!("https://{d}"))
    }

    fn status_label(&self, code: &str) -> Option<String> {
        super::status_label(code)
    }

    fn import_facts(&self) -> ImportFacts {
        ImportFacts {
            initial_status_follows_platform: false,
            cancellation_propagates: false,
            skips_incomplete_orders: false,
        }
    }

    fn backfill_skips_completed(&self) -> bool {
        true
    }

    /// No status sync at all, and tracking numbers belong to fulfilments (ST-7).
    fn push_facts(&self) -> PushFacts {
        PushFacts {
            targets: RuleTargets {
                supported: false,
                ..RuleTargets::any_status()
            },
            after_write_off: None,
            tracking: TrackingRule::Never(
                "Shopify tracking numbers belong to fulfilments, which orderhub does not create \
                 (ST-7)",
            ),
        }
    }

    fn settings(&self) -> Typed {
        Typed::of::<ShopifySettings>()
    }

    fn webhooks(&self) -> Option<&'static Webhooks> {
        Some(&WEBHOOKS)
    }
}

/// What a delivery means (WH-4): the order topics are read as orders, the others recorded.
fn map_delivery(topic: &str, body: &[u8], country: Option<Region>) -> Result<Mapped, String> {
    match topic {
        "orders/create"
        | "orders/updated"
        | "orders/paid"
        | "orders/cancelled"
        | "orders/fulfilled"
        | "orders/partially_fulfilled" => {
            let order = super::map::parse_order(body).map_err(|e| e.to_string())?;
            let imported = super::map::to_imported_in(&order, country)
                .map_err(|e| format!("order {} could not be read: {}", order.id, e.reason()))?;
            Ok(Mapped::Order(Box::new(imported)))
        }
        other => Ok(Mapped::ignored(other)),
    }
}
