//! Prom wire types: the platform's JSON exactly as it is sent. The client reads with them and the
//! simulator writes with them, so field names and the number-or-string amounts stay as Prom has them.
#![deny(clippy::arithmetic_side_effects)]

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An amount or a quantity: Prom sends JSON numbers in some places and display strings such as
/// `"1 234,50 грн"` (NBSP thousand separators) in others, sometimes for the same field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Amount {
    Number(serde_json::Number),
    Text(String),
}

impl Amount {
    /// The number as text, for the lenient money parser.
    pub fn as_text(&self) -> String {
        match self {
            Amount::Number(n) => n.to_string(),
            Amount::Text(s) => s.clone(),
        }
    }
}

/// `GET /orders/list` answer (no paging metadata).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct OrderList {
    #[serde(default)]
    pub orders: Vec<Order>,
}

/// The same answer read order by order (the client's view), so one malformed order fails alone.
#[derive(Clone, Debug, Deserialize)]
pub struct OrderListRaw {
    #[serde(default)]
    pub orders: Vec<Value>,
}

/// `GET /orders/{id}` answer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OrderEnvelope {
    pub order: Order,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Order {
    pub id: i64,
    #[serde(default)]
    pub date_created: Option<String>,
    #[serde(default)]
    pub date_modified: Option<String>,
    #[serde(default)]
    pub client_first_name: Option<String>,
    #[serde(default)]
    pub client_second_name: Option<String>,
    #[serde(default)]
    pub client_last_name: Option<String>,
    #[serde(default)]
    pub client_id: Option<i64>,
    #[serde(default)]
    pub client: Option<Client>,
    #[serde(default)]
    pub delivery_recipient: Option<Person>,
    #[serde(default)]
    pub client_notes: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub products: Vec<OrderProduct>,
    #[serde(default)]
    pub price: Option<Amount>,
    #[serde(default)]
    pub full_price: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_with_special_offer: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub special_offer_discount: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub special_offer_promocode: Option<String>,
    #[serde(default)]
    pub has_order_promo_free_delivery: Option<bool>,
    #[serde(default)]
    pub delivery_option: Option<DeliveryOption>,
    #[serde(default)]
    pub delivery_provider_data: Option<DeliveryProviderData>,
    #[serde(default)]
    pub delivery_address: Option<String>,
    #[serde(default)]
    pub delivery_cost: Option<Amount>,
    #[serde(default)]
    pub payment_option: Option<PaymentOption>,
    #[serde(default)]
    pub payment_data: Option<PaymentData>,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub status_name: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub cpa_commission: Option<CpaCommission>,
    #[serde(default)]
    pub utm: Option<Value>,
    #[serde(default)]
    pub dont_call_customer_back: Option<bool>,
    #[serde(default)]
    pub ps_promotion: Option<Value>,
    #[serde(default)]
    pub cancellation: Option<Cancellation>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Client {
    #[serde(default)]
    pub id: Option<i64>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub second_name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

/// `delivery_recipient`: like `client` without the id.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Person {
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub second_name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderProduct {
    pub id: i64,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub name_multilang: Option<Multilang>,
    #[serde(default)]
    pub quantity: Option<Amount>,
    #[serde(default)]
    pub price: Option<Amount>,
    #[serde(default)]
    pub total_price: Option<Amount>,
    #[serde(default)]
    pub measure_unit: Option<String>,
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub cpa_commission: Option<CpaCommission>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Multilang {
    #[serde(default)]
    pub uk: Option<String>,
    #[serde(default)]
    pub ru: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CpaCommission {
    #[serde(default)]
    pub amount: Option<Amount>,
    #[serde(default)]
    pub is_refunded: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DeliveryOption {
    #[serde(default)]
    pub id: Option<i64>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub shipping_service: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DeliveryProviderData {
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub sender_warehouse_id: Option<String>,
    #[serde(default)]
    pub recipient_warehouse_id: Option<String>,
    #[serde(default)]
    pub declaration_number: Option<String>,
    #[serde(default)]
    pub unified_status: Option<String>,
    #[serde(default)]
    pub recipient_address: Option<RecipientAddress>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RecipientAddress {
    #[serde(default)]
    pub city_id: Option<String>,
    #[serde(default)]
    pub city_name: Option<String>,
    #[serde(default)]
    pub city_katottg: Option<String>,
    #[serde(default)]
    pub warehouse_id: Option<String>,
    #[serde(default)]
    pub street_id: Option<String>,
    #[serde(default)]
    pub street_name: Option<String>,
    #[serde(default)]
    pub building_number: Option<String>,
    #[serde(default)]
    pub apartment_number: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PaymentOption {
    #[serde(default)]
    pub id: Option<i64>,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PaymentData {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub status_modified: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Cancellation {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub initiator: Option<String>,
}

/// `POST /orders/set_status` body.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SetStatusRequest {
    pub ids: Vec<i64>,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation_text: Option<String>,
}

/// Answer of the write endpoints: `processed_ids` is the only proof of success; `error` comes with
/// HTTP 200 on refusals; `errors` (`/products/edit`) is keyed by product id.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProcessedAnswer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processed_ids: Option<Vec<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<Value>,
}

/// `POST /delivery/save_declaration_id` body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SaveDeclarationRequest {
    pub order_id: i64,
    pub declaration_id: String,
    pub delivery_type: String,
}

/// `{"status": "success"}` or `{"status": "error", "message": "…"}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SaveDeclarationAnswer {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `GET /products/list` answer.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ProductList {
    #[serde(default)]
    pub products: Vec<Product>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Product {
    pub id: i64,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub name_multilang: Option<Multilang>,
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(default)]
    pub keywords: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub selling_type: Option<String>,
    #[serde(default)]
    pub presence: Option<String>,
    #[serde(default)]
    pub in_stock: Option<bool>,
    #[serde(default)]
    pub quantity_in_stock: Option<Amount>,
    #[serde(default)]
    pub price: Option<Amount>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub group: Option<Value>,
    #[serde(default)]
    pub category: Option<ProductCategory>,
    #[serde(default)]
    pub main_image: Option<String>,
    #[serde(default)]
    pub measure_unit: Option<String>,
    #[serde(default)]
    pub date_modified: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductCategory {
    #[serde(default)]
    pub id: Option<i64>,
    #[serde(default)]
    pub caption: Option<String>,
}

/// One item of the `POST /products/edit` array: only the fields being changed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductEdit {
    pub id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity_in_stock: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Amount>,
}
