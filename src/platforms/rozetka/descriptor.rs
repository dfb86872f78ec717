//! What orderhub knows about Rozetka, for the rest of the crate ([`crate::platforms::descriptor`]).

use super::settings::RozetkaSettings;
use crate::domain::credentials::Credentials;
use crate::domain::push::{PushFacts, RuleTargets, TrackingRule};
use crate::platforms::settings::Typed;
use crate::platforms::{
    given, on_site, PlatformClient, PlatformDescriptor, PlatformError, RemotePublication,
    SourceConfig,
};
use std::sync::Arc;

pub struct Rozetka;

impl PlatformDescriptor for Rozetka {
    fn client(&self, config: SourceConfig) -> Result<Arc<dyn PlatformClient>, PlatformError> {
        Ok(Arc::new(super::client::RozetkaClient::new(config)?))
    }

    fn required_credentials(&self) -> &'static [&'static str] {
        &["login", "password"]
    }

    /// The login, in lower case: Rozetka's logins are e-mail addresses.
    fn account_identity(&self, c: &Credentials, base_url: Option<&str>) -> Option<String> {
        given(&c.login).map(|l| on_site(l.to_lowercase(), base_url))
    }

    fn status_label(&self, code: &str) -> Option<String> {
        super::statuses::label(code).map(str::to_string)
    }

    fn production_base_url(&self) -> Option<&'static str> {
        Some("https://api-seller.rozetka.com.ua")
    }

    fn push_facts(&self) -> PushFacts {
        PushFacts {
            targets: RuleTargets {
                statuses: Some(
                    super::statuses::STATUSES
                        .iter()
                        .map(|s| s.0.to_string())
                        .collect(),
                ),
                never: vec![(
                    super::statuses::REPEAT_ORDER.to_string(),
                    "status 49 (repeat order) is never sent to Rozetka (ST-6)".into(),
                )],
                ..RuleTargets::any_status()
            },
            after_write_off: None,
            tracking: TrackingRule::OnlyIn {
                status: "2",
                wait: "Rozetka takes a tracking number only in status 2 (packing, data \
                       confirmed); the order is in status {state}",
            },
        }
    }

    /// Only goods whose sell status is "call" (2), "running out" (3) or "in stock" (4).
    fn publication_listed(&self, p: &RemotePublication) -> bool {
        p.state
            .as_deref()
            .is_some_and(|s| super::PUBLISHED_SELL_STATUSES.contains(&s))
    }

    fn settings(&self) -> Typed {
        Typed::of::<RozetkaSettings>()
    }
}
