//! WooCommerce wire types: the platform's JSON exactly as it is sent (REST v3 resources, which are
//! also the webhook bodies). Only the keys the hub reads are declared; unknown keys are ignored.
//!
//! What the wire looks like (`woocommerce.md` §2.1, §2.5): money as decimal strings (`"29.35"`)
//! but the line-item `price` as a JSON number (`3`, `14.99`); dates without an offset, the `_gmt`
//! twins in UTC; `billing.email` may be null and `shipping.phone` is missing before WC 5.6; the
//! body is PHP-encoded (`\/`, `\uXXXX`), which serde_json decodes like any JSON escape.
#![deny(clippy::arithmetic_side_effects)]

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

/// An order: `GET /orders/{id}`, an element of `GET /orders`, and every `order.*` webhook body
/// except `order.deleted` (which is only `{"id": N}`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Order {
    pub id: u64,
    #[serde(default)]
    pub parent_id: Option<u64>,
    /// Display number; equals the id unless a numbering plugin is active.
    #[serde(default, deserialize_with = "text::optional")]
    pub number: Option<String>,
    #[serde(default)]
    pub order_key: Option<String>,
    #[serde(default)]
    pub created_via: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    /// `pending`, `processing`, `on-hold`, `completed`, `cancelled`, `refunded`, `failed`,
    /// `checkout-draft`, `trash`, plugin statuses.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub currency: Option<String>,
    /// UTC. Required: an order without a creation time is not an order we can file.
    #[serde(deserialize_with = "gmt::required")]
    pub date_created_gmt: DateTime<Utc>,
    #[serde(default, deserialize_with = "gmt::optional")]
    pub date_modified_gmt: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "gmt::optional")]
    pub date_paid_gmt: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "gmt::optional")]
    pub date_completed_gmt: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "money::required")]
    pub total: Decimal,
    #[serde(default, deserialize_with = "money::optional")]
    pub shipping_total: Option<Decimal>,
    #[serde(default, deserialize_with = "money::optional")]
    pub discount_total: Option<Decimal>,
    #[serde(default, deserialize_with = "money::optional")]
    pub total_tax: Option<Decimal>,
    /// `0` for a guest checkout.
    #[serde(default)]
    pub customer_id: u64,
    #[serde(default)]
    pub customer_note: Option<String>,
    #[serde(default, deserialize_with = "php::object_or_empty_array")]
    pub billing: Option<Address>,
    #[serde(default, deserialize_with = "php::object_or_empty_array")]
    pub shipping: Option<Address>,
    #[serde(default)]
    pub payment_method: Option<String>,
    #[serde(default)]
    pub payment_method_title: Option<String>,
    #[serde(default)]
    pub transaction_id: Option<String>,
    #[serde(default)]
    pub meta_data: Vec<MetaData>,
    #[serde(default)]
    pub line_items: Vec<LineItem>,
    #[serde(default)]
    pub shipping_lines: Vec<ShippingLine>,
    #[serde(default)]
    pub refunds: Vec<OrderRefund>,
    #[serde(default)]
    pub payment_url: Option<String>,
}

/// `billing` and `shipping`: strings, empty when unset.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct Address {
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub company: Option<String>,
    #[serde(default)]
    pub address_1: Option<String>,
    #[serde(default)]
    pub address_2: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub postcode: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    /// Billing only; a string or null.
    #[serde(default)]
    pub email: Option<String>,
    /// Billing always; shipping since WC 5.6.
    #[serde(default)]
    pub phone: Option<String>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct LineItem {
    pub id: u64,
    /// May carry HTML entities (`&ndash;`).
    #[serde(default)]
    pub name: String,
    /// The parent product for variations; `0` when the product was deleted.
    #[serde(default)]
    pub product_id: Option<u64>,
    /// `0` when the line is not a variation.
    #[serde(default)]
    pub variation_id: Option<u64>,
    #[serde(default, deserialize_with = "money::optional")]
    pub quantity: Option<Decimal>,
    /// `""` when unset, null when the product no longer exists.
    #[serde(default)]
    pub sku: Option<String>,
    /// Line total ÷ quantity, a JSON number.
    #[serde(default, deserialize_with = "money::optional")]
    pub price: Option<Decimal>,
    /// Before discounts.
    #[serde(default, deserialize_with = "money::optional")]
    pub subtotal: Option<Decimal>,
    /// After discounts.
    #[serde(default, deserialize_with = "money::optional")]
    pub total: Option<Decimal>,
    #[serde(default, deserialize_with = "money::optional")]
    pub total_tax: Option<Decimal>,
    #[serde(default)]
    pub meta_data: Vec<MetaData>,
    /// The product's name for variations, else null.
    #[serde(default)]
    pub parent_name: Option<String>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct ShippingLine {
    #[serde(default)]
    pub id: Option<u64>,
    #[serde(default)]
    pub method_title: Option<String>,
    /// `flat_rate`, `free_shipping`, `local_pickup`, plugin ids (older: `flat_rate:25`).
    #[serde(default)]
    pub method_id: Option<String>,
    #[serde(default, deserialize_with = "money::optional")]
    pub total: Option<Decimal>,
    #[serde(default)]
    pub meta_data: Vec<MetaData>,
}

/// `meta_data[]`: plugin data; values are any JSON.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct MetaData {
    #[serde(default)]
    pub id: Option<u64>,
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub value: serde_json::Value,
}

/// An entry of `order.refunds`: the total is a negative string (`"-10.00"`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct OrderRefund {
    pub id: u64,
    /// The API docs' example spells the key `refund`.
    #[serde(default, alias = "refund")]
    pub reason: Option<String>,
    #[serde(default, deserialize_with = "money::optional")]
    pub total: Option<Decimal>,
}

/// `GET /orders/{id}/refunds/{refund_id}`: the amount is positive here.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Refund {
    pub id: u64,
    #[serde(default, deserialize_with = "gmt::optional")]
    pub date_created_gmt: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "money::optional")]
    pub amount: Option<Decimal>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub refunded_by: Option<u64>,
    #[serde(default)]
    pub refunded_payment: Option<bool>,
    #[serde(default)]
    pub line_items: Vec<LineItem>,
}

/// `GET /products/{id}`: categories carry no parent (PRD-3 needs the category list for that).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Product {
    pub id: u64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(default)]
    pub parent_id: Option<u64>,
    #[serde(default)]
    pub categories: Vec<CategoryRef>,
}

/// A product's category as the product lists it.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct CategoryRef {
    pub id: u64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub slug: Option<String>,
}

/// `GET /products/categories`: `parent` is `0` at the top level.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Category {
    pub id: u64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default)]
    pub parent: u64,
}

/// Money and quantities: decimal strings, or JSON numbers (line-item `price`, quantities).
/// Numbers are read through their shortest decimal rendering, which is what PHP wrote.
pub use crate::platforms::wire_money as money;

/// The `_gmt` dates: `2017-03-22T19:28:02`, UTC without a zone. A `Z` or an offset is accepted
/// too, in case a proxy or plugin adds one.
pub mod gmt {
    use chrono::{DateTime, NaiveDateTime, Utc};
    use serde::de::{self, Deserialize, Deserializer};

    pub fn parse(s: &str) -> Option<DateTime<Utc>> {
        let s = s.trim();
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
            .map(|n| n.and_utc())
            .ok()
            .or_else(|| {
                DateTime::parse_from_rfc3339(s)
                    .ok()
                    .map(|t| t.with_timezone(&Utc))
            })
    }

    pub fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(s) if s.trim().is_empty() => Ok(None),
            Some(s) => parse(&s)
                .map(Some)
                .ok_or_else(|| de::Error::custom(format!("`{s}` is not a date"))),
        }
    }

    pub fn required<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        optional(d)?.ok_or_else(|| de::Error::custom("a date is required here"))
    }
}

/// Text that some plugins send as a number (the order `number` of sequential-numbering plugins).
pub mod text {
    use serde::de::{Deserialize, Deserializer};
    use serde_json::Value;

    pub fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    }
}

/// PHP's `json_encode` writes an empty associative array as `[]`, so an object WooCommerce has
/// nothing for can arrive as an empty JSON array.
pub mod php {
    use serde::de::{self, Deserialize, DeserializeOwned, Deserializer};
    use serde_json::Value;

    pub fn object_or_empty_array<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: DeserializeOwned,
    {
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            Value::Array(a) if a.is_empty() => Ok(None),
            v => serde_json::from_value(v)
                .map(Some)
                .map_err(de::Error::custom),
        }
    }
}

/// Every REST error: a WordPress error object `{"code", "message", "data": {"status"}}`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct ApiError {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
}

/// `GET /webhooks`: a subscription. The secret is write-only and never comes back.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Webhook {
    pub id: u64,
    #[serde(default)]
    pub name: Option<String>,
    /// `active`, `paused` (by the admin) or `disabled` (by delivery failures).
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub topic: String,
    #[serde(default)]
    pub delivery_url: String,
}

/// `GET /products`: a listing with its price and stock.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct ProductListing {
    pub id: u64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub sku: Option<String>,
    /// `publish`, `draft`, `pending`, `private`.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "money::optional")]
    pub price: Option<Decimal>,
    /// Null unless the shop manages the product's stock.
    #[serde(default)]
    pub stock_quantity: Option<i64>,
    /// `true`, `false`, or `"parent"` for variations.
    #[serde(default)]
    pub manage_stock: serde_json::Value,
    /// `instock`, `outofstock`, `onbackorder`.
    #[serde(default)]
    pub stock_status: Option<String>,
    #[serde(default)]
    pub permalink: Option<String>,
}
