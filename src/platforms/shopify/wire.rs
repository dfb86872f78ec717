//! Shopify wire types: the platform's JSON exactly as it is sent (REST Admin API resources, which
//! are also the webhook bodies). Only the keys the hub reads are declared; unknown keys are ignored
//! and almost everything is optional, because redacted customer data (protected customer data,
//! `shopify.md` §2.6), custom line items and older API versions leave keys null or out.
//!
//! Ids are `u64`: Shopify ids exceed 2^53 and serde_json reads integers exactly (never via `f64`).
//! The simulator serialises the same types, so they write Shopify's shape too (money as decimal
//! strings, times with the shop's offset).
//!
//! Money is a decimal string on the wire (`"199.00"`), except in a few older nested objects
//! (`refund_line_items[].subtotal` is a JSON number) — [`money`] accepts both into `Decimal`.
#![deny(clippy::arithmetic_side_effects)]

use chrono::{DateTime, FixedOffset};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An order: `GET /orders/{id}.json` → `order`, an element of `GET /orders.json` → `orders`, and
/// the body of every `orders/*` webhook.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Order {
    pub id: u64,
    /// Display number with the shop's prefix/suffix, e.g. `"#1042"`.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub order_number: Option<u64>,
    /// `order_number − 1000`, Shopify's internal sequence.
    #[serde(default)]
    pub number: Option<u64>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub contact_email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// Required: an order without a creation time is not an order we can file.
    pub created_at: DateTime<FixedOffset>,
    #[serde(default)]
    pub updated_at: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub processed_at: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub closed_at: Option<DateTime<FixedOffset>>,
    /// Non-null ⇔ the order is cancelled.
    #[serde(default)]
    pub cancelled_at: Option<DateTime<FixedOffset>>,
    /// `customer`, `fraud`, `inventory`, `declined`, `other`.
    #[serde(default)]
    pub cancel_reason: Option<String>,
    /// Shop currency (ISO 4217); the money fields are in it.
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub presentment_currency: Option<String>,
    #[serde(deserialize_with = "money::required")]
    pub total_price: Decimal,
    #[serde(default, deserialize_with = "money::optional")]
    pub subtotal_price: Option<Decimal>,
    #[serde(default, deserialize_with = "money::optional")]
    pub total_tax: Option<Decimal>,
    #[serde(default, deserialize_with = "money::optional")]
    pub total_discounts: Option<Decimal>,
    /// Newer API versions: the total after refunds and edits.
    #[serde(default, deserialize_with = "money::optional")]
    pub current_total_price: Option<Decimal>,
    /// `pending`, `authorized`, `partially_paid`, `paid`, `partially_refunded`, `refunded`,
    /// `voided` (unknown values pass through).
    #[serde(default)]
    pub financial_status: Option<String>,
    /// `null` (nothing fulfilled), `partial`, `fulfilled`, `restocked`; the test payload sends
    /// `pending`.
    #[serde(default)]
    pub fulfillment_status: Option<String>,
    #[serde(default)]
    pub test: bool,
    #[serde(default)]
    pub source_name: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub note_attributes: Vec<NoteAttribute>,
    #[serde(default)]
    pub tags: Option<String>,
    #[serde(default)]
    pub discount_codes: Vec<DiscountCode>,
    /// Null or absent for orders without a customer, and for apps without protected-data access.
    #[serde(default)]
    pub customer: Option<Customer>,
    #[serde(default)]
    pub billing_address: Option<Address>,
    #[serde(default)]
    pub shipping_address: Option<Address>,
    #[serde(default)]
    pub line_items: Vec<LineItem>,
    #[serde(default)]
    pub shipping_lines: Vec<ShippingLine>,
    #[serde(default)]
    pub fulfillments: Vec<Fulfillment>,
    #[serde(default)]
    pub refunds: Vec<Refund>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct Customer {
    #[serde(default)]
    pub id: Option<u64>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub default_address: Option<Address>,
}

/// `shipping_address`, `billing_address` and `customer.default_address` share these keys.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct Address {
    #[serde(default)]
    pub id: Option<u64>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub company: Option<String>,
    #[serde(default)]
    pub address1: Option<String>,
    #[serde(default)]
    pub address2: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub province: Option<String>,
    #[serde(default)]
    pub province_code: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub country_code: Option<String>,
    #[serde(default)]
    pub zip: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct LineItem {
    pub id: u64,
    /// Null for custom items and deleted products.
    #[serde(default)]
    pub product_id: Option<u64>,
    #[serde(default)]
    pub variant_id: Option<u64>,
    /// `""` or null when the variant has none.
    #[serde(default)]
    pub sku: Option<String>,
    /// Product title.
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub variant_title: Option<String>,
    /// Title and variant, e.g. `"IPod Nano - 8gb - green"`.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub vendor: Option<String>,
    #[serde(default)]
    pub quantity: i64,
    /// Unit price before discounts.
    #[serde(default, deserialize_with = "money::optional")]
    pub price: Option<Decimal>,
    #[serde(default, deserialize_with = "money::optional")]
    pub total_discount: Option<Decimal>,
    #[serde(default)]
    pub fulfillment_status: Option<String>,
    #[serde(default)]
    pub fulfillable_quantity: Option<i64>,
    #[serde(default)]
    pub properties: Vec<NoteAttribute>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct ShippingLine {
    #[serde(default)]
    pub id: Option<u64>,
    /// What the buyer chose, e.g. `"Nova Poshta"`, `"Standard"`.
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    /// `shopify` for the shop's own rates, else the carrier service.
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub carrier_identifier: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default, deserialize_with = "money::optional")]
    pub price: Option<Decimal>,
    #[serde(default, deserialize_with = "money::optional")]
    pub discounted_price: Option<Decimal>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Fulfillment {
    pub id: u64,
    #[serde(default)]
    pub order_id: Option<u64>,
    /// `pending`, `open`, `success`, `cancelled`, `error`, `failure`.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub created_at: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub updated_at: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub tracking_company: Option<String>,
    #[serde(default)]
    pub tracking_number: Option<String>,
    #[serde(default)]
    pub tracking_numbers: Vec<String>,
    #[serde(default)]
    pub tracking_url: Option<String>,
}

/// A refund: the body of `refunds/create` (bare), `GET /orders/{id}/refunds/{id}.json` → `refund`,
/// and the elements of `order.refunds`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Refund {
    pub id: u64,
    #[serde(default)]
    pub order_id: Option<u64>,
    #[serde(default)]
    pub created_at: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub processed_at: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub restock: Option<bool>,
    #[serde(default)]
    pub user_id: Option<u64>,
    #[serde(default)]
    pub refund_line_items: Vec<RefundLineItem>,
    #[serde(default)]
    pub transactions: Vec<Transaction>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct RefundLineItem {
    #[serde(default)]
    pub id: Option<u64>,
    #[serde(default)]
    pub quantity: i64,
    #[serde(default)]
    pub line_item_id: Option<u64>,
    #[serde(default)]
    pub restock_type: Option<String>,
    /// A JSON number in the documentation payloads, a string elsewhere.
    #[serde(default, deserialize_with = "money::optional")]
    pub subtotal: Option<Decimal>,
    #[serde(default, deserialize_with = "money::optional")]
    pub total_tax: Option<Decimal>,
    #[serde(default)]
    pub line_item: Option<LineItem>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Transaction {
    pub id: u64,
    #[serde(default)]
    pub order_id: Option<u64>,
    /// `refund`, `sale`, `capture`, `authorization`, `void`.
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub gateway: Option<String>,
    /// `success`, `pending`, `failure`, `error`.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "money::optional")]
    pub amount: Option<Decimal>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub parent_id: Option<u64>,
    #[serde(default)]
    pub created_at: Option<DateTime<FixedOffset>>,
}

/// `note_attributes[]` of an order and `properties[]` of a line item. Values are usually strings;
/// apps put other JSON there too.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct NoteAttribute {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub value: serde_json::Value,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct DiscountCode {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default, deserialize_with = "money::optional")]
    pub amount: Option<Decimal>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

/// A product of `GET /products.json` → `products` and `GET /products/{id}.json` → `product`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Product {
    pub id: u64,
    #[serde(default)]
    pub title: Option<String>,
    /// A free string: Shopify has no category tree in REST.
    #[serde(default)]
    pub product_type: Option<String>,
    #[serde(default)]
    pub vendor: Option<String>,
    #[serde(default)]
    pub handle: Option<String>,
    /// `active`, `archived`, `draft`.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub variants: Vec<Variant>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Variant {
    pub id: u64,
    #[serde(default)]
    pub product_id: Option<u64>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(default, deserialize_with = "money::optional")]
    pub price: Option<Decimal>,
    #[serde(default)]
    pub inventory_quantity: Option<i64>,
}

/// A webhook subscription of the REST `webhooks.json` resource (key list: ASSUMPTION of the note).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Webhook {
    pub id: u64,
    pub address: String,
    pub topic: String,
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default)]
    pub api_version: Option<String>,
    #[serde(default)]
    pub created_at: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub updated_at: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub fields: Vec<String>,
    #[serde(default)]
    pub metafield_namespaces: Vec<String>,
}

/// Money on the wire: a decimal string (`"199.00"`) or, in older nested objects, a JSON number.
/// Numbers are read through their shortest decimal rendering, which is what the sender wrote.
pub use crate::platforms::wire_money as money;
