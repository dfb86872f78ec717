//! What orderhub knows about Epicentr, for the rest of the crate
//! ([`crate::platforms::descriptor`]).

use super::settings::EpicentrSettings;
use crate::domain::push::{PushFacts, RuleTargets, TrackingRule};
use crate::platforms::settings::Typed;
use crate::platforms::{PlatformClient, PlatformDescriptor, PlatformError, SourceConfig};
use std::sync::Arc;

pub struct Epicentr;

impl PlatformDescriptor for Epicentr {
    fn client(&self, config: SourceConfig) -> Result<Arc<dyn PlatformClient>, PlatformError> {
        Ok(Arc::new(super::client::EpicentrClient::new(config)?))
    }

    fn status_label(&self, code: &str) -> Option<String> {
        super::status_label(code).map(str::to_string)
    }

    fn production_base_url(&self) -> Option<&'static str> {
        Some("https://merchant-api.epicentrm.com.ua")
    }

    fn push_facts(&self) -> PushFacts {
        PushFacts {
            targets: RuleTargets {
                statuses: Some(super::RULE_TARGETS.iter().map(|s| s.to_string()).collect()),
                // the client sends a default reason code when the rule names none
                cancel_status: Some("canceled_by_merchant".into()),
                ..RuleTargets::any_status()
            },
            after_write_off: None,
            tracking: TrackingRule::OnlyIn {
                status: "confirmed",
                wait: "Epicentr takes a tracking number only when the order is confirmed; it \
                       is {state}",
            },
        }
    }

    fn settings(&self) -> Typed {
        Typed::of::<EpicentrSettings>()
    }
}
