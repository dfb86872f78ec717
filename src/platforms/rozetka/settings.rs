//! Rozetka's source settings (SRC-1): the note's ASSUMPTIONS a seller may change.

use crate::platforms::settings::{PlatformSettings, SettingDoc};
use serde::{Deserialize, Serialize};

/// How the commission of an order is reported (ASSUMPTION 6).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommissionSetting {
    /// Σ quantity × `commission_sum` of the live lines (the note's default).
    #[default]
    CommissionSum,
    /// Σ `cost_with_discount` × `commission_percent` / 100.
    #[serde(alias = "percent")]
    CommissionPercent,
    /// No commission reported.
    #[serde(alias = "none")]
    Off,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RozetkaSettings {
    pub min_interval_ms: Option<u64>,
    pub token_ttl_secs: u64,
    pub token_refresh_margin_secs: u64,
    pub changed_overlap_secs: u64,
    pub goods_page_size: u64,
    pub stock_batch_size: u64,
    pub stock_lookup_max: u64,
    pub expand: String,
    pub language: String,
    pub currency: String,
    pub commission_formula: CommissionSetting,
}

impl Default for RozetkaSettings {
    fn default() -> Self {
        RozetkaSettings {
            min_interval_ms: None,
            token_ttl_secs: 86_400,
            token_refresh_margin_secs: 600,
            changed_overlap_secs: 900,
            goods_page_size: 100,
            stock_batch_size: 100,
            stock_lookup_max: 10,
            expand: "user,delivery,purchases,status_data,status_available,order_status_history,\
                     payment_type_name"
                .into(),
            language: "uk".into(),
            currency: "UAH".into(),
            commission_formula: CommissionSetting::CommissionSum,
        }
    }
}

impl PlatformSettings for RozetkaSettings {
    const KEYS: &'static [SettingDoc] = &[
        SettingDoc {
            key: "min_interval_ms",
            kind: "integer",
            default: "null",
            allowed: &[],
            description: "Least time between two requests of this source, in ms; 200 when unset \
                          (at most 5 requests a second, ASSUMPTION 8)",
        },
        SettingDoc {
            key: "token_ttl_secs",
            kind: "integer",
            default: "86400",
            allowed: &[],
            description: "How long a login token lives, in seconds",
        },
        SettingDoc {
            key: "token_refresh_margin_secs",
            kind: "integer",
            default: "600",
            allowed: &[],
            description: "Log in again this many seconds before the token ends",
        },
        SettingDoc {
            key: "changed_overlap_secs",
            kind: "integer",
            default: "900",
            allowed: &[],
            description: "Seconds a re-sync's change-time filter reaches back before its cursor",
        },
        SettingDoc {
            key: "goods_page_size",
            kind: "integer",
            default: "100",
            allowed: &[],
            description: "Listings per page when the goods are read",
        },
        SettingDoc {
            key: "stock_batch_size",
            kind: "integer",
            default: "100",
            allowed: &[],
            description: "Listings per stock update request",
        },
        SettingDoc {
            key: "stock_lookup_max",
            kind: "integer",
            default: "10",
            allowed: &[],
            description: "A stock push of up to this many listings looks each up by id instead \
                          of reading all goods",
        },
        SettingDoc {
            key: "expand",
            kind: "string",
            default: "\"user,delivery,purchases,status_data,status_available,\
                      order_status_history,payment_type_name\"",
            allowed: &[],
            description: "The blocks asked for on every order read (note §2.3)",
        },
        SettingDoc {
            key: "language",
            kind: "string",
            default: "\"uk\"",
            allowed: &[],
            description: "Language of names when the source has no language of its own",
        },
        SettingDoc {
            key: "currency",
            kind: "string",
            default: "\"UAH\"",
            allowed: &[],
            description: "Currency of Rozetka's amounts, which name none (ASSUMPTION 3)",
        },
        SettingDoc {
            key: "commission_formula",
            kind: "one of",
            default: "\"commission_sum\"",
            allowed: &["commission_sum", "commission_percent", "off"],
            description: "How an order's commission is computed: Σ commission_sum of the lines, \
                          Σ price × commission_percent, or none",
        },
    ];
}
