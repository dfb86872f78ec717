//! What orderhub knows about Prom, for the rest of the crate ([`crate::platforms::descriptor`]).

use super::settings::PromSettings;
use crate::domain::push::{PushFacts, RuleTargets, TrackingRule};
use crate::platforms::settings::Typed;
use crate::platforms::{PlatformClient, PlatformDescriptor, PlatformError, SourceConfig};
use std::sync::Arc;

pub struct Prom;

impl PlatformDescriptor for Prom {
    fn client(&self, config: SourceConfig) -> Result<Arc<dyn PlatformClient>, PlatformError> {
        Ok(Arc::new(super::client::PromClient::new(config)?))
    }

    fn status_label(&self, code: &str) -> Option<String> {
        super::status_label(code).map(str::to_string)
    }

    fn production_base_url(&self) -> Option<&'static str> {
        Some("https://my.prom.ua/api/v1")
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

    /// Goods' names are read in the source's language (SRC-1).
    fn takes_language(&self) -> bool {
        true
    }

    fn settings(&self) -> Typed {
        Typed::of::<PromSettings>()
    }
}
