//! Shopify's source settings (SRC-1): the note's ASSUMPTIONS a seller may change.

use crate::platforms::settings::{
    Country, PlatformSettings, SettingDoc, COUNTRY, RECONCILE_MINUTES,
};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShopifySettings {
    pub country: Option<Country>,
    pub api_version: String,
    pub page_size: u64,
    pub history_days: u64,
    pub read_all_orders: bool,
    pub min_interval_ms: u64,
    pub bucket_margin: u64,
    pub leak_per_sec: u64,
    pub reconcile_minutes: u64,
}

impl Default for ShopifySettings {
    fn default() -> Self {
        ShopifySettings {
            country: None,
            api_version: super::client::DEFAULT_API_VERSION.into(),
            page_size: 250,
            history_days: super::client::DEFAULT_HISTORY_DAYS,
            read_all_orders: false,
            min_interval_ms: 0,
            bucket_margin: 5,
            leak_per_sec: 2,
            reconcile_minutes: 60,
        }
    }
}

impl PlatformSettings for ShopifySettings {
    const KEYS: &'static [SettingDoc] = &[
        COUNTRY,
        SettingDoc {
            key: "api_version",
            kind: "string",
            default: "\"2025-07\"",
            allowed: &[],
            description: "Admin API version of every request",
        },
        SettingDoc {
            key: "page_size",
            kind: "integer",
            default: "250",
            allowed: &[],
            description: "Orders and products per page, 1 to 250",
        },
        SettingDoc {
            key: "history_days",
            kind: "integer",
            default: "60",
            allowed: &[],
            description: "Days of orders visible without the read_all_orders scope",
        },
        SettingDoc {
            key: "read_all_orders",
            kind: "boolean",
            default: "false",
            allowed: &[],
            description: "The app has the read_all_orders scope: the backfill is not cut at \
                          history_days",
        },
        SettingDoc {
            key: "min_interval_ms",
            kind: "integer",
            default: "0",
            allowed: &[],
            description: "Least time between two requests of this source, in ms",
        },
        SettingDoc {
            key: "bucket_margin",
            kind: "integer",
            default: "5",
            allowed: &[],
            description: "Calls kept free in Shopify's leaky bucket before the client slows down",
        },
        SettingDoc {
            key: "leak_per_sec",
            kind: "integer",
            default: "2",
            allowed: &[],
            description: "Calls the bucket leaks per second (2 on standard plans)",
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
