//! Prom.ua's source settings (SRC-1): the note's ASSUMPTIONS a seller may change.

use crate::platforms::settings::{PlatformSettings, SettingDoc};
use serde::{Deserialize, Serialize};

/// Which clock a zone-less time is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Zone {
    Utc,
    Kyiv,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PromSettings {
    pub page_size: u64,
    pub min_interval_ms: u64,
    pub currency: String,
    pub filter_time_zone: Zone,
    pub naive_time_zone: Zone,
    pub filter_overlap_seconds: u64,
    pub default_delivery_type: String,
    pub edit_batch_size: u64,
}

impl Default for PromSettings {
    fn default() -> Self {
        PromSettings {
            page_size: 100,
            min_interval_ms: 500,
            currency: "UAH".into(),
            filter_time_zone: Zone::Utc,
            naive_time_zone: Zone::Kyiv,
            filter_overlap_seconds: 0,
            default_delivery_type: "nova_poshta".into(),
            edit_batch_size: 100,
        }
    }
}

impl PlatformSettings for PromSettings {
    const KEYS: &'static [SettingDoc] = &[
        SettingDoc {
            key: "page_size",
            kind: "integer",
            default: "100",
            allowed: &[],
            description: "Orders and products per page, 1 to 100 (Prom's cap)",
        },
        SettingDoc {
            key: "min_interval_ms",
            kind: "integer",
            default: "500",
            allowed: &[],
            description: "Least time between two requests of this source, in ms (at most 2 a \
                          second)",
        },
        SettingDoc {
            key: "currency",
            kind: "string",
            default: "\"UAH\"",
            allowed: &[],
            description: "Currency of orders that name none",
        },
        SettingDoc {
            key: "filter_time_zone",
            kind: "one of",
            default: "\"utc\"",
            allowed: &["utc", "kyiv"],
            description: "How `date_from` / `last_modified_from` filters are written",
        },
        SettingDoc {
            key: "naive_time_zone",
            kind: "one of",
            default: "\"kyiv\"",
            allowed: &["kyiv", "utc"],
            description: "How order times without a zone are read",
        },
        SettingDoc {
            key: "filter_overlap_seconds",
            kind: "integer",
            default: "0",
            allowed: &[],
            description: "Seconds subtracted from filter times (results are still cut at the \
                          time asked)",
        },
        SettingDoc {
            key: "default_delivery_type",
            kind: "string",
            default: "\"nova_poshta\"",
            allowed: &[],
            description: "Carrier of a tracking number when the order names none",
        },
        SettingDoc {
            key: "edit_batch_size",
            kind: "integer",
            default: "100",
            allowed: &[],
            description: "Products per `/products/edit` call (stock pushes)",
        },
    ];
}
