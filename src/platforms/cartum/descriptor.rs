//! What orderhub knows about Cartum, for the rest of the crate ([`crate::platforms::descriptor`]).

use super::settings::CartumSettings;
use crate::domain::credentials::Credentials;
use crate::domain::push::{PushFacts, RuleTargets, TrackingRule};
use crate::platforms::settings::Typed;
use crate::platforms::{
    given, on_site, PlatformClient, PlatformDescriptor, PlatformError, SourceConfig,
};
use std::sync::Arc;

pub struct Cartum;

impl PlatformDescriptor for Cartum {
    fn client(&self, config: SourceConfig) -> Result<Arc<dyn PlatformClient>, PlatformError> {
        Ok(Arc::new(super::client::CartumClient::new(config)?))
    }

    fn required_credentials(&self) -> &'static [&'static str] {
        &["login", "password"]
    }

    fn account_identity(&self, c: &Credentials, base_url: Option<&str>) -> Option<String> {
        given(&c.login).map(|l| on_site(l, base_url))
    }

    fn status_label(&self, code: &str) -> Option<String> {
        super::status_label(code).map(str::to_string)
    }

    fn backfill_skips_completed(&self) -> bool {
        true
    }

    /// Shops define their own statuses, so a rule may name any.
    fn push_facts(&self) -> PushFacts {
        PushFacts {
            targets: RuleTargets::any_status(),
            after_write_off: None,
            tracking: TrackingRule::Always,
        }
    }

    /// Goods' names are read in the source's language (SRC-1).
    fn takes_language(&self) -> bool {
        true
    }

    fn settings(&self) -> Typed {
        Typed::of::<CartumSettings>()
    }
}
