//! Cartum (Horoshop store API) wire types: the JSON of `POST <shop>/api/<function>/` exactly as it is
//! sent, shared by the client (reading) and the simulator (writing).
#![deny(clippy::arithmetic_side_effects)]

use rust_decimal::Decimal;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

// ---- answer envelope ------------------------------------------------------------------------

pub const STATUS_OK: &str = "OK";
pub const STATUS_EMPTY: &str = "EMPTY";
pub const STATUS_WARNING: &str = "WARNING";
pub const STATUS_ERROR: &str = "ERROR";
pub const STATUS_EXCEPTION: &str = "EXCEPTION";
pub const STATUS_HTTP_ERROR: &str = "HTTP_ERROR";
pub const STATUS_UNDEFINED_FUNCTION: &str = "UNDEFINED_FUNCTION";

/// `{"status": "OK"|"EMPTY"|…, "response": …}`; `orders/update` adds a top-level `message`.
/// HTTP is 200 whatever the status, so the body decides.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Envelope {
    pub status: String,
    #[serde(default)]
    pub response: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Value>,
}

impl Envelope {
    pub fn new(status: &str, response: Value) -> Self {
        Envelope {
            status: status.into(),
            response,
            message: None,
        }
    }

    /// The reason of a failed answer: `response.message`, else the top-level `message`.
    pub fn error_message(&self) -> Option<String> {
        self.response
            .get("message")
            .or(self.message.as_ref())
            .and_then(|m| match m {
                Value::String(s) => Some(s.clone()),
                Value::Null => None,
                other => Some(other.to_string()),
            })
    }

    /// `response.code` of an `HTTP_ERROR`, as text.
    pub fn error_code(&self) -> Option<String> {
        self.response.get("code").and_then(|c| match c {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    }
}

// ---- lenient scalars ------------------------------------------------------------------------

/// A money or quantity value: Cartum writes JSON numbers (`590`, `12.5`); strings are read too.
/// Written back as a JSON number without going through floats in our code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Amount(pub Decimal);

impl From<Decimal> for Amount {
    fn from(d: Decimal) -> Self {
        Amount(d)
    }
}

impl From<i64> for Amount {
    fn from(v: i64) -> Self {
        Amount(Decimal::from(v))
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let n = serde_json::Number::from_str(&self.0.normalize().to_string())
            .map_err(serde::ser::Error::custom)?;
        n.serialize(s)
    }
}

struct AmountVisitor;

impl Visitor<'_> for AmountVisitor {
    type Value = Amount;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number or a decimal string")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Amount, E> {
        Ok(Amount(Decimal::from(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Amount, E> {
        Ok(Amount(Decimal::from(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Amount, E> {
        // the shortest text that reads back as this number is what the platform wrote
        Decimal::from_str(&v.to_string())
            .or_else(|_| Decimal::from_scientific(&format!("{v:e}")))
            .map(Amount)
            .map_err(|_| E::custom(format!("`{v}` is not an amount")))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Amount, E> {
        crate::domain::money::parse_amount(v)
            .map(Amount)
            .ok_or_else(|| E::custom(format!("`{v}` is not an amount")))
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Amount, D::Error> {
        d.deserialize_any(AmountVisitor)
    }
}

/// An integer id written as a number or as a numeric string.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Id(pub u64);

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

struct IdVisitor;

impl Visitor<'_> for IdVisitor {
    type Value = Id;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a non-negative integer id")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Id, E> {
        Ok(Id(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Id, E> {
        u64::try_from(v)
            .map(Id)
            .map_err(|_| E::custom(format!("negative id {v}")))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Id, E> {
        v.trim()
            .parse()
            .map(Id)
            .map_err(|_| E::custom(format!("`{v}` is not an id")))
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Id, D::Error> {
        d.deserialize_any(IdVisitor)
    }
}

/// A text that is either plain or per language (`{"ua": "…", "ru": "…"}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Text {
    Plain(String),
    ByLanguage(BTreeMap<String, Option<String>>),
}

impl Text {
    /// The text in `language` (`uk` and `ua` are the same language; Horoshop writes `ua`), else
    /// Ukrainian, else any non-empty one.
    pub fn pick(&self, language: Option<&str>) -> Option<String> {
        match self {
            Text::Plain(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
            Text::ByLanguage(map) => {
                let get = |key: &str| {
                    map.get(key)
                        .and_then(|v| v.as_deref())
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                };
                let wanted = language.map(|l| l.trim().to_lowercase());
                let aliases: &[&str] = match wanted.as_deref() {
                    Some("uk") | Some("ua") => &["ua", "uk"],
                    _ => &[],
                };
                wanted
                    .as_deref()
                    .and_then(get)
                    .or_else(|| aliases.iter().find_map(|k| get(k)))
                    .or_else(|| get("ua"))
                    .or_else(|| get("uk"))
                    .or_else(|| map.keys().find_map(|k| get(k)))
            }
        }
    }
}

// ---- auth -----------------------------------------------------------------------------------

#[derive(Clone, Serialize, Deserialize)]
pub struct AuthRequest {
    pub login: String,
    pub password: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AuthResponse {
    pub token: String,
}

// ---- orders ---------------------------------------------------------------------------------

/// `status` of `orders/get`: one id or several.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StatusFilter {
    One(Id),
    Many(Vec<Id>),
}

impl StatusFilter {
    pub fn ids(&self) -> Vec<u64> {
        match self {
            StatusFilter::One(id) => vec![id.0],
            StatusFilter::Many(ids) => ids.iter().map(|i| i.0).collect(),
        }
    }
}

/// Body of `orders/get` (the token is added by the client to every body).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct OrdersGetRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// `YYYY-MM-DD[ HH:mm:ss]` or `DD.MM.YYYY[ HH:mm:ss]`, shop local time, inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<Id>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusFilter>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    #[serde(
        default,
        rename = "additionalData",
        skip_serializing_if = "Option::is_none"
    )]
    pub additional_data: Option<bool>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct OrdersResponse {
    #[serde(default)]
    pub orders: Vec<Order>,
}

/// `{id, title}` of `payment_type` and `delivery_type`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IdTitle {
    #[serde(default)]
    pub id: Option<Value>,
    #[serde(default)]
    pub title: Option<Text>,
}

/// The carrier block (Nova Poshta); every field is written, `null` until known.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryData {
    #[serde(default)]
    pub delivery_operator_type: Option<String>,
    /// The TTN, `null` until created.
    #[serde(default)]
    pub tn_number: Option<Value>,
    #[serde(default)]
    pub tn_id: Option<Value>,
    #[serde(default)]
    pub tn_status_name: Option<String>,
    #[serde(default)]
    pub tn_tracking_update_date: Option<String>,
    #[serde(default)]
    pub estimated_delivery_date: Option<String>,
    #[serde(default, rename = "ownTTNPicked")]
    pub own_ttn_picked: Option<bool>,
    #[serde(default)]
    pub departure: Option<Value>,
    #[serde(default)]
    pub destination: Option<Value>,
}

/// One line of an order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderProduct {
    /// The product code, our SKU (PRD-2).
    #[serde(default)]
    pub article: Option<String>,
    #[serde(default)]
    pub title: Option<Text>,
    /// Unit price with product discounts applied.
    #[serde(default)]
    pub price: Option<Amount>,
    #[serde(default)]
    pub quantity: Option<Amount>,
    #[serde(default)]
    pub total_price: Option<Amount>,
    /// `product`, `gift`, `gift_parent`, `set_main`, `set_item`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_marker: Option<String>,
}

/// An order of `orders/get`. Customer fields (`delivery_name`, `delivery_phone`, …) are not
/// confirmed by the sources, so they live in `extra` and are read by configurable names.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// The order number the shop shows; our external id.
    pub order_id: Id,
    pub stat_status: Id,
    /// `YYYY-MM-DD HH:MM:SS`, shop local time (Kyiv).
    pub stat_created: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default)]
    pub total_default: Option<Amount>,
    /// Lines after discounts, without delivery: the goods total.
    #[serde(default)]
    pub total_sum: Option<Amount>,
    #[serde(default)]
    pub total_quantity: Option<Amount>,
    #[serde(default)]
    pub discount_value: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_percent: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_discount_value: Option<Amount>,
    /// `-1` = not calculated.
    #[serde(default)]
    pub delivery_price: Option<Amount>,
    #[serde(default)]
    pub payed: Option<Value>,
    #[serde(default)]
    pub payment_type: Option<IdTitle>,
    #[serde(default)]
    pub delivery_type: Option<IdTitle>,
    #[serde(default)]
    pub delivery_data: Option<DeliveryData>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_data: Option<Value>,
    /// Set through `orders/update` (shown in the buyer's cabinet); whether `orders/get` returns
    /// it is not confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_code: Option<String>,
    #[serde(default)]
    pub products: Vec<OrderProduct>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analytics: Option<Value>,
    /// Not a customer id (almost unique per order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<Value>,
    /// Customer and address fields and anything else the shop adds.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Names of the customer fields of an order (ASSUMPTION 2 of the note: not confirmed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomerFields {
    /// Full name as typed by the buyer.
    pub name: String,
    /// Separate first/last name fields, when the shop has them (empty = none).
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub email: String,
    pub city: String,
    pub address: String,
    pub comment: String,
}

impl Default for CustomerFields {
    fn default() -> Self {
        CustomerFields {
            name: "delivery_name".into(),
            first_name: String::new(),
            last_name: String::new(),
            phone: "delivery_phone".into(),
            email: "delivery_email".into(),
            city: "delivery_city".into(),
            address: "delivery_address".into(),
            comment: "comment".into(),
        }
    }
}

/// One line of an `orders/update` body.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderUpdate {
    pub order_id: Id,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payed: Option<u8>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct OrdersUpdateRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    pub orders: Vec<OrderUpdate>,
}

/// One entry of the per-order log of `orders/update` (shape: ASSUMPTION 5); code 0 = updated.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UpdateLogEntry {
    pub order_id: Id,
    pub code: i64,
    #[serde(default)]
    pub message: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct UpdateLog {
    #[serde(default)]
    pub log: Vec<UpdateLogEntry>,
}

/// A status of `orders/get_available_statuses`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatusInfo {
    pub id: Id,
    #[serde(default)]
    pub title: Option<Text>,
    /// `0`/`1` (platform v4+); absent on older shops.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_successful: Option<Value>,
}

impl StatusInfo {
    pub fn successful(&self) -> bool {
        match &self.is_successful {
            Some(Value::Bool(b)) => *b,
            Some(Value::Number(n)) => n.as_i64().unwrap_or(0) != 0,
            Some(Value::String(s)) => matches!(s.trim(), "1" | "true"),
            _ => false,
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct StatusesResponse {
    #[serde(default)]
    pub statuses: Vec<StatusInfo>,
}

// ---- catalog --------------------------------------------------------------------------------

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CatalogExportRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    #[serde(
        default,
        rename = "includedParams",
        skip_serializing_if = "Option::is_none"
    )]
    pub included_params: Option<Vec<String>>,
}

/// A product of `catalog/export`; only the requested fields are present.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CatalogProduct {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_article: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_old: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Text such as "В наявності" / "Немає" / "Очікується".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence: Option<Text>,
    /// Not reliable stock: 0 on shops without warehouse accounting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_in_showcase: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CatalogExportResponse {
    #[serde(default)]
    pub products: Vec<CatalogProduct>,
}

/// One row of `catalog/import` (upsert by `article`); only the fields being changed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CatalogImportRow {
    pub article: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Text>,
    /// Other fields as the shop's catalog template names them.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CatalogImportRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    pub products: Vec<CatalogImportRow>,
}

/// One row of `catalog/importResidues` (payload: ASSUMPTION 7).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResidueRow {
    pub article: String,
    pub warehouse: String,
    pub quantity: i64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ResiduesRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    pub products: Vec<ResidueRow>,
}

/// `code` 0 updated, 6 title required for a new product, 11 field not in the catalog template,
/// 13 duplicate link, 22/26 image loaded/failed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportInfo {
    pub code: i64,
    #[serde(default)]
    pub message: String,
}

/// Result of one article (shape: ASSUMPTION).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportLogEntry {
    #[serde(default)]
    pub article: String,
    #[serde(default)]
    pub info: Vec<ImportInfo>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ImportLog {
    #[serde(default)]
    pub log: Vec<ImportLogEntry>,
}

/// Import codes that are not a failure of the row (images are best effort).
pub const IMPORT_CODES_OK: &[i64] = &[0, 22, 26];
