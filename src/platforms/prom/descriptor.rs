//! What orderhub knows about Prom, for the rest of the crate ([`crate::platforms::descriptor`]).

use super::settings::PromSettings;
use crate::domain::credentials::Credentials;
use crate::domain::orders::ImportFacts;
use crate::domain::push::{PushFacts, RuleTargets, TrackingRule};
use crate::platforms::settings::{parse_one, PlatformSettings, SettingDoc};
use crate::platforms::{
    given, on_site, PlatformClient, PlatformDescriptor, PlatformError, SourceConfig,
};
use std::sync::Arc;

pub struct Prom;

impl PlatformDescriptor for Prom {
    fn client(&self, config: SourceConfig) -> Result<Arc<dyn PlatformClient>, PlatformError> {
        Ok(Arc::new(super::client::PromClient::new(config)?))
    }

    fn required_credentials(&self) -> &'static [&'static str] {
        &["token"]
    }

    fn account_identity(&self, c: &Credentials, base_url: Option<&str>) -> Option<String> {
        given(&c.token).map(|t| on_site(t, base_url))
    }

    fn status_label(&self, code: &str) -> Option<String> {
        super::status_label(code).map(str::to_string)
    }

    fn import_facts(&self) -> ImportFacts {
        ImportFacts {
            initial_status_follows_platform: true,
            cancellation_propagates: true,
            skips_incomplete_orders: false,
        }
    }

    fn production_base_url(&self) -> Option<&'static str> {
        Some("https://my.prom.ua/api/v1")
    }

    fn has_language(&self) -> bool {
        true
    }

    /// Rules per status group; cancelling needs one of Prom's reasons (ST-5).
    fn push_facts(&self) -> PushFacts {
        let strings = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        PushFacts {
            targets: RuleTargets {
                by_group: true,
                statuses: Some(strings(super::SET_STATUS_TARGETS)),
                cancel_status: Some("canceled".into()),
                cancellation_reasons: strings(super::CANCELLATION_REASONS),
                ..RuleTargets::any_status()
            },
            after_write_off: None,
            tracking: TrackingRule::Always,
        }
    }

    fn settings_keys(&self) -> &'static [SettingDoc] {
        PromSettings::KEYS
    }

    fn check_setting(&self, one: serde_json::Value) -> Result<(), String> {
        parse_one::<PromSettings>(one)
    }
}
