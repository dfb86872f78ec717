//! Rozetka wire types: the platform's JSON exactly as it is sent. The client reads with them and the
//! simulator writes with them, so field names and string-for-number choices follow the Seller API.
//! Reading is lenient (numbers may come as strings and the other way round, blocks may be missing).
#![deny(clippy::arithmetic_side_effects)]

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `{"success": true, "content": …}` / `{"success": false, "errors": {…}}`, mostly with HTTP 200.
#[derive(Debug, Clone, Deserialize)]
pub struct Envelope {
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub success: bool,
    #[serde(default)]
    pub content: Value,
    /// An object `{message, code, description, details}` per field reports, an array per the
    /// apidoc, or `{"<item id>": {"reason": […]}}` from `/items/mass-update`.
    #[serde(default)]
    pub errors: Value,
}

/// The usual shape of `errors`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ApiError {
    #[serde(default, deserialize_with = "lenient::string")]
    pub message: String,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub code: Option<i64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub details: Value,
}

/// `POST /sites` body. `password` is Base64 of the cabinet password.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LoginContent {
    #[serde(default, deserialize_with = "lenient::int")]
    pub id: i64,
    #[serde(default, deserialize_with = "lenient::string")]
    pub access_token: String,
    #[serde(default)]
    pub permissions: Vec<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub seller: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub market: Option<Market>,
    #[serde(default, deserialize_with = "lenient::string")]
    pub lang: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Market {
    #[serde(default, deserialize_with = "lenient::int")]
    pub id: i64,
    #[serde(default, deserialize_with = "lenient::string")]
    pub title: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub title_translit: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub business_model: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub market_url: String,
    #[serde(default, deserialize_with = "lenient::int")]
    pub status: i64,
    #[serde(default, deserialize_with = "lenient::string")]
    pub status_label: String,
}

/// `_meta` of every paged list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    #[serde(default, deserialize_with = "lenient::int")]
    pub total_count: i64,
    #[serde(default, deserialize_with = "lenient::int")]
    pub page_count: i64,
    #[serde(default, deserialize_with = "lenient::int")]
    pub current_page: i64,
    #[serde(default, deserialize_with = "lenient::int")]
    pub per_page: i64,
}

/// `content` of `GET /orders/search`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OrderList {
    #[serde(default)]
    pub orders: Vec<Order>,
    #[serde(rename = "_meta", default)]
    pub meta: Meta,
    /// Sums over the whole result: `amount`, `amount_with_discount`, `cost`, `cost_with_discount`.
    #[serde(
        rename = "totalFields",
        default,
        skip_serializing_if = "Value::is_null"
    )]
    pub total_fields: Value,
}

/// The same `content` read order by order (the client's view), so one malformed order fails alone.
#[derive(Debug, Clone, Deserialize)]
pub struct OrderListRaw {
    #[serde(default)]
    pub orders: Vec<Value>,
    #[serde(rename = "_meta", default)]
    pub meta: Meta,
}

/// An order (`OrderModel`). Blocks named by `expand` are `None` when not asked for.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Order {
    #[serde(deserialize_with = "lenient::int")]
    pub id: i64,
    /// Kyiv local time `YYYY-MM-DD HH:MM:SS`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub created: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub changed: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub amount: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub amount_with_discount: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub cost: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub cost_with_discount: String,
    #[serde(default, deserialize_with = "lenient::int")]
    pub status: i64,
    #[serde(default, deserialize_with = "lenient::int")]
    pub status_group: i64,
    #[serde(default, deserialize_with = "lenient::int")]
    pub total_quantity: i64,
    /// Digits with the country code, no `+`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub user_phone: String,
    #[serde(default)]
    pub user_title: Option<UserTitle>,
    #[serde(default, deserialize_with = "lenient::string")]
    pub comment: String,
    /// `""` when the order has none.
    #[serde(default, deserialize_with = "lenient::string")]
    pub ttn: String,
    #[serde(default, deserialize_with = "lenient::int")]
    pub created_type: i64,
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub is_fulfillment: bool,
    #[serde(default, deserialize_with = "lenient::int")]
    pub callback_off: i64,
    /// `[{"comment","created","seller_id","seller_fio"}]`.
    #[serde(default)]
    pub seller_comment: Value,
    #[serde(default, deserialize_with = "lenient::string")]
    pub current_seller_comment: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_int"
    )]
    pub duplicate_order_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<DeliveryInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchases: Option<Vec<Purchase>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_data: Option<StatusData>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_available: Option<Vec<StatusAvailable>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_status_history: Option<Vec<StatusHistory>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub payment_type_name: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct UserTitle {
    #[serde(default, deserialize_with = "lenient::string")]
    pub first_name: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub last_name: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub second_name: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub full_name: String,
}

/// `expand=user`. `email` is a flag (`"true"` / `""`), never the address.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct User {
    #[serde(default, deserialize_with = "lenient::int")]
    pub id: i64,
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub has_email: bool,
    #[serde(default, deserialize_with = "lenient::string")]
    pub contact_fio: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub email: String,
}

/// `expand=delivery`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DeliveryInfo {
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub delivery_service_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub delivery_service_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub delivery_method_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub recipient_title: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub recipient_first_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub recipient_last_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub recipient_second_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub recipient_phone: Option<String>,
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub another_recipient: bool,
    #[serde(default)]
    pub city: Option<City>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub place_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub place_street: Option<String>,
    /// The branch number for branch deliveries.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub place_number: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub place_house: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub place_flat: Option<String>,
    /// Delivery cost as a decimal string, or null.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub cost: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub ref_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name_logo: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub reserve_date: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub email: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct City {
    #[serde(default, deserialize_with = "lenient::int")]
    pub id: i64,
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub name_ua: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub title: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub region_title: String,
    #[serde(default, deserialize_with = "lenient::int")]
    pub status: i64,
}

/// An order line (`expand=purchases`). `status`: 1 current, 2 returned, 0 removed during an edit.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Purchase {
    #[serde(default, deserialize_with = "lenient::int")]
    pub id: i64,
    /// Rozetka item id (= `rz_item_id` of the listing).
    #[serde(default, deserialize_with = "lenient::int")]
    pub item_id: i64,
    #[serde(default, deserialize_with = "lenient::string")]
    pub item_name: String,
    #[serde(default, deserialize_with = "lenient::int")]
    pub quantity: i64,
    #[serde(default, deserialize_with = "lenient::string")]
    pub price: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub price_with_discount: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub cost: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub cost_with_discount: String,
    #[serde(default, deserialize_with = "lenient::int")]
    pub kit_id: i64,
    #[serde(default = "one", deserialize_with = "lenient::int")]
    pub status: i64,
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub is_additional_item: bool,
    #[serde(default)]
    pub item: Option<PurchaseItem>,
}

fn one() -> i64 {
    1
}

/// The product of an order line.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PurchaseItem {
    #[serde(default, deserialize_with = "lenient::int")]
    pub id: i64,
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub name_ua: String,
    /// The seller's SKU.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub article: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub price_offer_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    pub price: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog_category: Option<CatalogCategory>,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub commission_percent: Value,
    /// Commission per unit, UAH ("informative, may lag").
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub commission_sum: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct CatalogCategory {
    #[serde(default, deserialize_with = "lenient::int")]
    pub id: i64,
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: String,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub parent_id: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct StatusData {
    #[serde(default, deserialize_with = "lenient::int")]
    pub id: i64,
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub name_uk: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub name_en: String,
    #[serde(default, deserialize_with = "lenient::int")]
    pub status_group: i64,
    #[serde(default, deserialize_with = "lenient::int")]
    pub status: i64,
    #[serde(default, deserialize_with = "lenient::string")]
    pub color: String,
}

/// One edge of the transition graph: `parent_id → child_id` for a delivery type
/// (1 the seller's own delivery, 0 an external carrier).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct StatusAvailable {
    #[serde(default, deserialize_with = "lenient::int")]
    pub id: i64,
    #[serde(default, deserialize_with = "lenient::int")]
    pub parent_id: i64,
    #[serde(default, deserialize_with = "lenient::int")]
    pub child_id: i64,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub delivery_type: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub market_group: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct StatusHistory {
    #[serde(default, deserialize_with = "lenient::int")]
    pub status_id: i64,
    #[serde(default, deserialize_with = "lenient::string")]
    pub created: String,
}

/// `content` of `GET /order-statuses/search?expand=status_available`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OrderStatusList {
    #[serde(rename = "orderStatus", default)]
    pub order_status: Vec<OrderStatus>,
    #[serde(rename = "_meta", default)]
    pub meta: Meta,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OrderStatus {
    #[serde(default, deserialize_with = "lenient::int")]
    pub id: i64,
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub name_uk: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub name_en: String,
    #[serde(default, deserialize_with = "lenient::int")]
    pub status_group: i64,
    /// 0 blocked, 1 active.
    #[serde(default, deserialize_with = "lenient::int")]
    pub status: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_available: Option<Vec<StatusAvailable>>,
}

/// `PUT /orders/{id}` body.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct OrderUpdate {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_int"
    )]
    pub status: Option<i64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub ttn: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_string"
    )]
    pub seller_comment: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_int"
    )]
    pub duplicate_order_id: Option<i64>,
}

/// `content` of `GET /goods/all`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GoodsList {
    /// Kept raw so a publication carries the platform's whole record.
    #[serde(default)]
    pub items: Vec<Value>,
    #[serde(rename = "_meta", default)]
    pub meta: Meta,
}

/// A listing of the seller.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Good {
    /// Rozetka id: used in orders' `item_id` and in `/items/mass-update`.
    #[serde(default, deserialize_with = "lenient::int")]
    pub rz_item_id: i64,
    #[serde(default, deserialize_with = "lenient::int")]
    pub item_id: i64,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub price_offer_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub article: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub name_ua: String,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub price: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub stock_quantity: Option<i64>,
    /// 0 no, 1 yes, 2 removed from the price list.
    #[serde(default, deserialize_with = "lenient::int")]
    pub available: i64,
    #[serde(default, deserialize_with = "lenient::int")]
    pub rz_status: i64,
    /// 2 call, 3 running out, 4 in stock, … (`/items/sell-statuses`).
    #[serde(default, deserialize_with = "lenient::int")]
    pub rz_sell_status: i64,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub sync_source_id: Option<i64>,
    #[serde(default)]
    pub sync_source: Option<SyncSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rz_category: Option<RzCategory>,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub commission_percent: Value,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub commission_sum: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SyncSource {
    #[serde(default, deserialize_with = "lenient::int")]
    pub id: i64,
    /// 4 = availability by API; pushes of stock only work then.
    #[serde(default, deserialize_with = "lenient::int")]
    pub availability: i64,
    #[serde(default, deserialize_with = "lenient::boolean")]
    pub is_virtual_source: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct RzCategory {
    #[serde(default, deserialize_with = "lenient::int")]
    pub id: i64,
    #[serde(default, deserialize_with = "lenient::string")]
    pub title: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub title_ua: String,
}

/// `content` of `GET /markets/sources-list`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SourcesList {
    #[serde(default)]
    pub sources: Vec<PriceSource>,
}

/// A price list of the seller.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PriceSource {
    #[serde(default, deserialize_with = "lenient::int")]
    pub id: i64,
    #[serde(default, deserialize_with = "lenient::string")]
    pub title: String,
    /// 1 from price, 2 by availability, 3 by stock, 4 by API.
    #[serde(default, deserialize_with = "lenient::int")]
    pub availability: i64,
    #[serde(default, deserialize_with = "lenient::int")]
    pub sync_type: i64,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub last_sync_api: Option<String>,
}

/// `PUT /items/mass-update` body.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MassUpdate {
    #[serde(default)]
    pub is_ignore_check: i64,
    #[serde(default)]
    pub items: Vec<UpdatingItem>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct UpdatingItem {
    #[serde(deserialize_with = "lenient::int")]
    pub item_rz_id: i64,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient::opt_int"
    )]
    pub stock_quantity: Option<i64>,
    /// UAH as a JSON number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<serde_json::Number>,
}

/// Readers that accept what Rozetka actually sends: numbers as strings, strings as numbers, nulls.
pub mod lenient {
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    fn text(v: Value) -> Option<String> {
        match v {
            Value::Null => None,
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            other => Some(other.to_string()),
        }
    }

    pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(text(Value::deserialize(d)?).unwrap_or_default())
    }

    pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(text(Value::deserialize(d)?))
    }

    fn number(v: &Value) -> Option<i64> {
        match v {
            // a float only when it is a whole number i64 holds: `as` would saturate 1e300 into
            // i64::MAX and cut 1.5 to 1, another order's id or a wrong count
            Value::Number(n) => n.as_i64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e18)
                    .map(|f| f as i64)
            }),
            Value::String(s) => s.trim().parse().ok(),
            Value::Bool(b) => Some(*b as i64),
            _ => None,
        }
    }

    pub fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        let v = Value::deserialize(d)?;
        match (&v, number(&v)) {
            (Value::Null, _) => Ok(None),
            (Value::String(s), None) if s.trim().is_empty() => Ok(None),
            (_, Some(n)) => Ok(Some(n)),
            _ => Err(serde::de::Error::custom(format!("not an integer: {v}"))),
        }
    }

    pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        opt_int(d).map(Option::unwrap_or_default)
    }

    pub fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Bool(b) => b,
            Value::Number(n) => n.as_i64().unwrap_or(0) != 0,
            Value::String(s) => matches!(s.trim(), "1" | "true"),
            _ => false,
        })
    }
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize)]
    struct Lenient {
        #[serde(deserialize_with = "super::lenient::opt_int")]
        n: Option<i64>,
    }

    fn read(v: &str) -> Result<Option<i64>, serde_json::Error> {
        serde_json::from_str::<Lenient>(&format!(r#"{{"n": {v}}}"#)).map(|l| l.n)
    }

    // covers: IMP-3
    #[test]
    fn integers_are_whole_numbers_i64_holds() {
        assert_eq!(read("12").unwrap(), Some(12));
        assert_eq!(read("12.0").unwrap(), Some(12));
        assert_eq!(read(r#""7""#).unwrap(), Some(7));
        assert_eq!(read("null").unwrap(), None);
        // never another number than the one sent
        assert!(read("1.5").is_err());
        assert!(read("1e300").is_err());
        assert!(read("-1e19").is_err());
        assert!(read(r#""99999999999999999999""#).is_err());
    }
}
