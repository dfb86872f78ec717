//! Cartum's (Horoshop's) source settings (SRC-1): the note's ASSUMPTIONS a seller may change,
//! the shop's customer field names among them.

use super::map::NameOrder;
use super::wire::CustomerFields;
use crate::platforms::settings::{Country, IdList, PlatformSettings, SettingDoc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DateFormat {
    /// `YYYY-MM-DD HH:MM:SS`
    Datetime,
    /// `YYYY-MM-DD`, for shops before 3.30.
    Date,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResyncStatuses {
    All,
    Open,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StockMode {
    Presence,
    Residues,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameOrderSetting {
    LastFirst,
    FirstLast,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum UpdateMethod {
    #[serde(alias = "put")]
    Put,
    #[serde(alias = "post")]
    Post,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CartumSettings {
    pub country: Country,
    pub page_size: u64,
    pub catalog_page_size: u64,
    pub min_interval_ms: u64,
    pub token_refresh_secs: u64,
    pub update_method: UpdateMethod,
    pub date_format: DateFormat,
    pub backfill_skip_statuses: IdList,
    pub resync_statuses: ResyncStatuses,
    pub resync_hot_days: u64,
    pub spread_minutes: u64,
    pub completed_statuses: IdList,
    pub cancelled_statuses: IdList,
    pub currency: String,
    pub field_name: String,
    pub field_first_name: String,
    pub field_last_name: String,
    pub field_phone: String,
    pub field_email: String,
    pub field_city: String,
    pub field_address: String,
    pub field_comment: String,
    pub name_order: NameOrderSetting,
    pub stock_mode: StockMode,
    pub warehouse: String,
    pub presence_in_stock: String,
    pub presence_out_of_stock: String,
    pub import_batch_size: u64,
}

impl Default for CartumSettings {
    fn default() -> Self {
        let f = CustomerFields::default();
        CartumSettings {
            country: Country::Ukraine,
            page_size: 100,
            catalog_page_size: 100,
            min_interval_ms: 500,
            token_refresh_secs: 550,
            update_method: UpdateMethod::Put,
            date_format: DateFormat::Datetime,
            backfill_skip_statuses: IdList(vec![super::map::STATUS_DELIVERED]),
            resync_statuses: ResyncStatuses::All,
            resync_hot_days: 3,
            spread_minutes: 120,
            completed_statuses: IdList(vec![]),
            cancelled_statuses: IdList(vec![]),
            currency: "UAH".into(),
            field_name: f.name,
            field_first_name: f.first_name,
            field_last_name: f.last_name,
            field_phone: f.phone,
            field_email: f.email,
            field_city: f.city,
            field_address: f.address,
            field_comment: f.comment,
            name_order: NameOrderSetting::LastFirst,
            stock_mode: StockMode::Presence,
            warehouse: "main".into(),
            presence_in_stock: "В наявності".into(),
            presence_out_of_stock: "Немає".into(),
            import_batch_size: 50,
        }
    }
}

impl CartumSettings {
    pub fn customer_fields(&self) -> CustomerFields {
        CustomerFields {
            name: self.field_name.clone(),
            first_name: self.field_first_name.clone(),
            last_name: self.field_last_name.clone(),
            phone: self.field_phone.clone(),
            email: self.field_email.clone(),
            city: self.field_city.clone(),
            address: self.field_address.clone(),
            comment: self.field_comment.clone(),
        }
    }

    pub fn name_order(&self) -> NameOrder {
        match self.name_order {
            NameOrderSetting::LastFirst => NameOrder::LastFirst,
            NameOrderSetting::FirstLast => NameOrder::FirstLast,
        }
    }
}

const fn field(key: &'static str, default: &'static str, what: &'static str) -> SettingDoc {
    SettingDoc {
        key,
        kind: "string",
        default,
        allowed: &[],
        description: what,
    }
}

const fn int(key: &'static str, default: &'static str, what: &'static str) -> SettingDoc {
    SettingDoc {
        key,
        kind: "integer",
        default,
        allowed: &[],
        description: what,
    }
}

impl PlatformSettings for CartumSettings {
    const KEYS: &'static [SettingDoc] = &[
        SettingDoc {
            key: "country",
            kind: "one of",
            default: "\"UA\"",
            allowed: &["UA", "PL"],
            description: "The shop's country: phone numbers written without a country code are \
                          read in it (CUS-1)",
        },
        int("page_size", "100", "Orders per `orders/get`, 1 to 500"),
        int(
            "catalog_page_size",
            "100",
            "Products per catalogue page, 1 to 500",
        ),
        int(
            "min_interval_ms",
            "500",
            "Least time between two requests of this source, in ms",
        ),
        int(
            "token_refresh_secs",
            "550",
            "Log in again after this many seconds",
        ),
        SettingDoc {
            key: "update_method",
            kind: "one of",
            default: "\"PUT\"",
            allowed: &["PUT", "POST"],
            description: "HTTP method of `orders/update`",
        },
        SettingDoc {
            key: "date_format",
            kind: "one of",
            default: "\"datetime\"",
            allowed: &["datetime", "date"],
            description: "How filter times are written (`date` for shops before 3.30)",
        },
        SettingDoc {
            key: "backfill_skip_statuses",
            kind: "integer list",
            default: "[3]",
            allowed: &[],
            description: "Status ids the first import leaves out (delivered orders)",
        },
        SettingDoc {
            key: "resync_statuses",
            kind: "one of",
            default: "\"all\"",
            allowed: &["all", "open"],
            description: "Which statuses a re-sync reads (`open`: the note's recipe)",
        },
        int(
            "resync_hot_days",
            "3",
            "The last days of the window re-read on every run",
        ),
        int(
            "spread_minutes",
            "120",
            "How often each older day of the window is re-read (0: the whole window every run)",
        ),
        SettingDoc {
            key: "completed_statuses",
            kind: "integer list",
            default: "[]",
            allowed: &[],
            description: "The shop's own status ids that land in our completed group",
        },
        SettingDoc {
            key: "cancelled_statuses",
            kind: "integer list",
            default: "[]",
            allowed: &[],
            description: "The shop's own status ids that land in our cancelled group",
        },
        field(
            "currency",
            "\"UAH\"",
            "Currency of orders without a currency field",
        ),
        field(
            "field_name",
            "\"delivery_name\"",
            "Order field of the buyer's full name",
        ),
        field(
            "field_first_name",
            "\"\"",
            "Order field of the first name (\"\": none)",
        ),
        field(
            "field_last_name",
            "\"\"",
            "Order field of the last name (\"\": none)",
        ),
        field(
            "field_phone",
            "\"delivery_phone\"",
            "Order field of the phone",
        ),
        field(
            "field_email",
            "\"delivery_email\"",
            "Order field of the e-mail",
        ),
        field("field_city", "\"delivery_city\"", "Order field of the city"),
        field(
            "field_address",
            "\"delivery_address\"",
            "Order field of the address",
        ),
        field(
            "field_comment",
            "\"comment\"",
            "Order field of the buyer's comment",
        ),
        SettingDoc {
            key: "name_order",
            kind: "one of",
            default: "\"last_first\"",
            allowed: &["last_first", "first_last"],
            description: "How a full name in one field is split",
        },
        SettingDoc {
            key: "stock_mode",
            kind: "one of",
            default: "\"presence\"",
            allowed: &["presence", "residues"],
            description: "How stock is sent: presence labels, or residues with warehouse \
                          accounting",
        },
        field(
            "warehouse",
            "\"main\"",
            "Warehouse of residues (stock_mode residues)",
        ),
        field(
            "presence_in_stock",
            "\"В наявності\"",
            "Presence label of a listing in stock",
        ),
        field(
            "presence_out_of_stock",
            "\"Немає\"",
            "Presence label of a listing out of stock",
        ),
        int(
            "import_batch_size",
            "50",
            "Products per catalogue or residues import call",
        ),
    ];

    fn country(&self) -> Option<Country> {
        Some(self.country)
    }
}
