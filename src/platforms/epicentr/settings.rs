//! Epicentr's source settings (SRC-1): the note's ASSUMPTIONS a seller may change.

use super::map;
use crate::platforms::settings::{Flag, PlatformSettings, SettingDoc, StringList};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EpicentrSettings {
    pub min_interval_ms: u64,
    pub page_size: u64,
    pub max_pages: u64,
    pub list_path: String,
    pub detail_path: String,
    pub fetch_details: Flag,
    pub open_statuses: StringList,
    pub completed_statuses: StringList,
    pub cancelled_statuses: StringList,
    pub reread_final: Flag,
    pub change_field: String,
    pub spread_minutes: u64,
    pub final_spread_minutes: u64,
    pub default_cancel_reason: String,
    pub merchant_cancel_reason: String,
    pub sent_after_tracking: Flag,
    pub currency: String,
    pub offers_batch: u64,
    pub offers_result_polls: u64,
    pub offers_poll_interval_ms: u64,
}

impl Default for EpicentrSettings {
    fn default() -> Self {
        EpicentrSettings {
            min_interval_ms: 500,
            page_size: 100,
            max_pages: 10_000,
            list_path: "/v3/oms/orders".into(),
            detail_path: "/v5/oms/orders".into(),
            fetch_details: Flag(true),
            open_statuses: StringList::of(map::OPEN_STATUSES),
            completed_statuses: StringList::of(map::COMPLETED_STATUSES),
            cancelled_statuses: StringList::of(map::CANCELLED_STATUSES),
            reread_final: Flag(true),
            change_field: "updatedAt".into(),
            spread_minutes: 60,
            final_spread_minutes: 1440,
            default_cancel_reason: "customer_other_reason".into(),
            merchant_cancel_reason: "product_not_available".into(),
            sent_after_tracking: Flag(true),
            currency: "UAH".into(),
            offers_batch: 200,
            offers_result_polls: 5,
            offers_poll_interval_ms: 1000,
        }
    }
}

impl PlatformSettings for EpicentrSettings {
    const KEYS: &'static [SettingDoc] = &[
        SettingDoc {
            key: "min_interval_ms",
            kind: "integer",
            default: "500",
            allowed: &[],
            description: "Least time between two requests of this source, in ms (120 a minute)",
        },
        SettingDoc {
            key: "page_size",
            kind: "integer",
            default: "100",
            allowed: &[],
            description: "Orders and products per page, 1 to 100",
        },
        SettingDoc {
            key: "max_pages",
            kind: "integer",
            default: "10000",
            allowed: &[],
            description: "A listing that has not ended after this many pages is an error",
        },
        SettingDoc {
            key: "list_path",
            kind: "string",
            default: "\"/v3/oms/orders\"",
            allowed: &[],
            description: "Path of the order list (API versions move)",
        },
        SettingDoc {
            key: "detail_path",
            kind: "string",
            default: "\"/v5/oms/orders\"",
            allowed: &[],
            description: "Path of one order's detail",
        },
        SettingDoc {
            key: "fetch_details",
            kind: "boolean",
            default: "true",
            allowed: &[],
            description: "Read each listed order's detail (the list holds summaries without \
                          settlement or office)",
        },
        SettingDoc {
            key: "open_statuses",
            kind: "string list",
            default: "[\"new\",\"confirmed_by_merchant\",\"confirmed\",\"sent\",\"delivered\",\
                      \"return_requested\"]",
            allowed: &[],
            description: "Status codes of open orders, re-read on every re-sync (a list or a \
                          comma-separated string)",
        },
        SettingDoc {
            key: "completed_statuses",
            kind: "string list",
            default: "[\"completed\",\"closed\"]",
            allowed: &[],
            description: "Status codes that land in our completed group (ASSUMPTION 5)",
        },
        SettingDoc {
            key: "cancelled_statuses",
            kind: "string list",
            default: "[\"canceled\",\"canceled_by_merchant\",\"returned\",\
                      \"completed_merchant_rejection\",\"closed_merchant_rejection\"]",
            allowed: &[],
            description: "Status codes that land in our cancelled group (ASSUMPTION 5)",
        },
        SettingDoc {
            key: "reread_final",
            kind: "boolean",
            default: "true",
            allowed: &[],
            description: "Re-syncs also list finished orders and read those changed, so \
                          platform cancellations arrive (ST-2)",
        },
        SettingDoc {
            key: "change_field",
            kind: "string",
            default: "\"updatedAt\"",
            allowed: &[],
            description: "The list entry's change time (\"\": trust none, spread every order \
                          over the runs)",
        },
        SettingDoc {
            key: "spread_minutes",
            kind: "integer",
            default: "60",
            allowed: &[],
            description: "How often an open order without a change time is read again (0: \
                          every run)",
        },
        SettingDoc {
            key: "final_spread_minutes",
            kind: "integer",
            default: "1440",
            allowed: &[],
            description: "How often a finished order without a change time is read again",
        },
        SettingDoc {
            key: "default_cancel_reason",
            kind: "string",
            default: "\"customer_other_reason\"",
            allowed: &[],
            description: "Reason code of a cancellation that names none",
        },
        SettingDoc {
            key: "merchant_cancel_reason",
            kind: "string",
            default: "\"product_not_available\"",
            allowed: &[],
            description: "Reason code of a merchant's cancellation that names none",
        },
        SettingDoc {
            key: "sent_after_tracking",
            kind: "boolean",
            default: "true",
            allowed: &[],
            description: "After a tracking number is accepted, move the order to `sent` where \
                          allowed",
        },
        SettingDoc {
            key: "currency",
            kind: "string",
            default: "\"UAH\"",
            allowed: &[],
            description: "Currency of Epicentr's amounts (ASSUMPTION 4)",
        },
        SettingDoc {
            key: "offers_batch",
            kind: "integer",
            default: "200",
            allowed: &[],
            description: "Offers per stock update request",
        },
        SettingDoc {
            key: "offers_result_polls",
            kind: "integer",
            default: "5",
            allowed: &[],
            description: "How many times a stock update's result is asked for",
        },
        SettingDoc {
            key: "offers_poll_interval_ms",
            kind: "integer",
            default: "1000",
            allowed: &[],
            description: "Time between two asks for a stock update's result, in ms",
        },
    ];
}
