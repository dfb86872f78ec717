//! What orderhub knows about WooCommerce, for the rest of the crate
//! ([`crate::platforms::descriptor`]).

use super::settings::WooCommerceSettings;
use crate::domain::credentials::Credentials;
use crate::domain::orders::ImportFacts;
use crate::domain::phone::Region;
use crate::domain::push::{PushFacts, RuleTargets, TrackingRule};
use crate::platforms::settings::Typed;
use crate::platforms::{
    site, Mapped, PlatformClient, PlatformDescriptor, PlatformError, RemotePublication,
    SourceConfig, TimeFormat, Webhooks,
};
use std::sync::Arc;

pub struct WooCommerce;

/// WooCommerce's deliveries (woocommerce.md, webhooks) and the topics a source subscribes (WH-6).
pub const WEBHOOKS: Webhooks = Webhooks {
    headers: super::WEBHOOK_HEADERS,
    topics: &[
        "order.created",
        "order.updated",
        "order.deleted",
        "order.restored",
    ],
    updated_at_key: "date_modified_gmt",
    updated_at_format: TimeFormat::UtcWithoutOffset,
    map: map_delivery,
};

impl PlatformDescriptor for WooCommerce {
    fn client(&self, config: SourceConfig) -> Result<Arc<dyn PlatformClient>, PlatformError> {
        Ok(Arc::new(super::client::WooCommerceClient::new(config)?))
    }

    fn required_credentials(&self) -> &'static [&'static str] {
        &["consumerKey", "consumerSecret", "webhookSecret"]
    }

    /// The site: its keys are per site, and a site is one shop.
    fn account_identity(&self, _c: &Credentials, base_url: Option<&str>) -> Option<String> {
        base_url.map(site)
    }

    fn status_label(&self, code: &str) -> Option<String> {
        super::status_label(code).map(str::to_string)
    }

    fn import_facts(&self) -> ImportFacts {
        ImportFacts {
            initial_status_follows_platform: false,
            cancellation_propagates: true,
            skips_incomplete_orders: true,
        }
    }

    fn backfill_skips_completed(&self) -> bool {
        true
    }

    /// Shops (and plugins) define statuses, so a rule may name any; "completed" waits for the
    /// order's write-off (ST-7).
    fn push_facts(&self) -> PushFacts {
        PushFacts {
            targets: RuleTargets::any_status(),
            after_write_off: Some("completed"),
            tracking: TrackingRule::Always,
        }
    }

    /// The listing leaves trashed products out; read by id, they still answer.
    fn publication_listed(&self, p: &RemotePublication) -> bool {
        p.state.as_deref() != Some("trash")
    }

    fn settings(&self) -> Typed {
        Typed::of::<WooCommerceSettings>()
    }

    fn webhooks(&self) -> Option<&'static Webhooks> {
        Some(&WEBHOOKS)
    }
}

/// What a delivery means (WH-4): an order created, updated or restored is read (one WooCommerce
/// would not import is skipped, IMP-6); the other topics are recorded.
fn map_delivery(topic: &str, body: &[u8], country: Option<Region>) -> Result<Mapped, String> {
    match topic {
        "order.created" | "order.updated" | "order.restored" => {
            let order = super::map::parse_order(body).map_err(|e| e.to_string())?;
            if let Some(reason) = super::map::import_skip_reason(&order) {
                return Ok(Mapped::Skip(format!(
                    "order {} not imported: {reason}",
                    order.id
                )));
            }
            let imported = super::map::to_imported_in(&order, country)
                .map_err(|e| format!("order {} could not be read: {}", order.id, e.reason()))?;
            Ok(Mapped::Order(Box::new(imported)))
        }
        other => Ok(Mapped::ignored(other)),
    }
}
