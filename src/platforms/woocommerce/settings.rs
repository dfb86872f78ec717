//! WooCommerce's source settings (SRC-1): the note's ASSUMPTIONS a seller may change.

use crate::platforms::settings::{
    Country, PlatformSettings, SettingDoc, COUNTRY, RECONCILE_MINUTES,
};
use serde::{Deserialize, Serialize};

/// How the REST keys are sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// HTTP Basic (the `Authorization` header).
    Basic,
    /// `consumer_key` / `consumer_secret` query parameters, for hosts that strip the header.
    Query,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WooCommerceSettings {
    pub country: Option<Country>,
    pub auth: AuthMode,
    pub api_path: String,
    pub page_size: u64,
    pub min_interval_ms: u64,
    pub batch_size: u64,
    pub tracking_meta_key: String,
    pub currency: String,
    pub reactivate_paused: bool,
    pub reconcile_minutes: u64,
}

impl Default for WooCommerceSettings {
    fn default() -> Self {
        WooCommerceSettings {
            country: None,
            auth: AuthMode::Basic,
            api_path: "/wp-json/wc/v3".into(),
            page_size: 100,
            min_interval_ms: 0,
            batch_size: 100,
            tracking_meta_key: String::new(),
            currency: String::new(),
            reactivate_paused: false,
            reconcile_minutes: 60,
        }
    }
}

impl PlatformSettings for WooCommerceSettings {
    const KEYS: &'static [SettingDoc] = &[
        COUNTRY,
        SettingDoc {
            key: "auth",
            kind: "one of",
            default: "\"basic\"",
            allowed: &["basic", "query"],
            description: "How the REST keys are sent: HTTP Basic, or query parameters for hosts \
                          that strip the Authorization header",
        },
        SettingDoc {
            key: "api_path",
            kind: "string",
            default: "\"/wp-json/wc/v3\"",
            allowed: &[],
            description: "Path of the REST API under the shop's URL",
        },
        SettingDoc {
            key: "page_size",
            kind: "integer",
            default: "100",
            allowed: &[],
            description: "Orders and products per page, 1 to 100",
        },
        SettingDoc {
            key: "min_interval_ms",
            kind: "integer",
            default: "0",
            allowed: &[],
            description: "Least time between two requests of this source, in ms (WooCommerce \
                          itself has no REST rate limit)",
        },
        SettingDoc {
            key: "batch_size",
            kind: "integer",
            default: "100",
            allowed: &[],
            description: "Products per `/products/batch` call (stock pushes), 1 to 100",
        },
        SettingDoc {
            key: "tracking_meta_key",
            kind: "string",
            default: "\"\"",
            allowed: &[],
            description: "The order meta key a shipment-tracking plugin reads (\"\": tracking \
                          numbers are not sent)",
        },
        SettingDoc {
            key: "currency",
            kind: "string",
            default: "\"\"",
            allowed: &[],
            description: "Currency of the listings, when known",
        },
        SettingDoc {
            key: "reactivate_paused",
            kind: "boolean",
            default: "false",
            allowed: &[],
            description: "The webhook upkeep also resumes webhooks an admin paused",
        },
        RECONCILE_MINUTES,
    ];

    fn country(&self) -> Option<Country> {
        self.country
    }

    fn reconcile_minutes(&self) -> Option<u64> {
        Some(self.reconcile_minutes)
    }
}
