//! Epicentr wire types: the platform's JSON exactly as it is sent. The client reads with them and
//! the simulator writes with them, so field names, nesting (`shipment` inside `address`) and the
//! nulls of the note's example are kept as they are.
#![deny(clippy::arithmetic_side_effects)]

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::str::FromStr;

/// An amount or quantity. Epicentr writes JSON numbers (`1180`, `590.5`); some clients have seen
/// strings, so reading takes both, and display strings go through `parse_amount`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Amount(pub Decimal);

impl Amount {
    pub fn value(self) -> Decimal {
        self.0
    }
}

impl From<Decimal> for Amount {
    fn from(d: Decimal) -> Self {
        Amount(d)
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let d = self.0.normalize();
        // JSON numbers without arbitrary precision: integers stay exact, fractions go through the
        // shortest f64 form, which round-trips the two decimals of a price
        if d.scale() == 0 {
            if let Some(i) = d.to_i64() {
                return s.serialize_i64(i);
            }
        }
        match d.to_f64() {
            Some(f) => s.serialize_f64(f),
            None => s.serialize_str(&d.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        let parsed = match &v {
            serde_json::Value::Number(n) => {
                let text = n.to_string();
                Decimal::from_str(&text)
                    .or_else(|_| Decimal::from_scientific(&text))
                    .ok()
            }
            serde_json::Value::String(s) => crate::domain::money::parse_amount(s),
            _ => None,
        };
        parsed
            .map(|d| Amount(d.normalize()))
            .ok_or_else(|| serde::de::Error::custom(format!("not an amount: {v}")))
    }
}

/// Reads an id or number that may come as a JSON string or number (`"61045872"` or `61045872`).
fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// The same page read order by order (the client's view), so one malformed order fails alone.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct OrderPageRaw {
    #[serde(default)]
    pub items: Vec<serde_json::Value>,
    #[serde(default)]
    pub next: Option<String>,
}

/// `GET /v3/oms/orders` answer: one page and its cursors (`next` empty or absent on the last page).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct OrderPage {
    #[serde(default)]
    pub items: Vec<Order>,
    #[serde(default)]
    pub current: Option<String>,
    #[serde(default)]
    pub next: Option<String>,
    #[serde(default)]
    pub prev: Option<String>,
    #[serde(default)]
    pub last: Option<String>,
    #[serde(default)]
    pub limit: Option<u32>,
}

/// An order: the summary of the list and the detail of `GET /v5/oms/orders/{uuid}` share fields;
/// the list leaves out `settlement`/`office`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    #[serde(default)]
    pub id: String,
    #[serde(default, deserialize_with = "lenient_string")]
    pub number: Option<String>,
    /// Seen in some clients, meaning unclear (ASSUMPTION 3).
    #[serde(default, deserialize_with = "lenient_string")]
    pub external_id: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    /// ASSUMPTION 1: not seen in the sources; read when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub status_code: String,
    #[serde(default)]
    pub subtotal: Option<Amount>,
    /// Not reliable (false even for completed orders), kept for completeness.
    #[serde(default)]
    pub payed: Option<bool>,
    #[serde(default)]
    pub cancel: Option<Cancel>,
    #[serde(default)]
    pub items: Vec<OrderItem>,
    #[serde(default)]
    pub address: Option<Address>,
    #[serde(default)]
    pub settlement: Option<Settlement>,
    #[serde(default)]
    pub office: Option<Office>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Cancel {
    #[serde(default)]
    pub previous_status_code: Option<String>,
    /// ASSUMPTION: the reason given when cancelling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OrderItem {
    #[serde(default, deserialize_with = "lenient_string")]
    pub offer_id: Option<String>,
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub quantity: Option<Amount>,
    #[serde(default)]
    pub price: Option<Amount>,
    /// Line total; its name is ASSUMPTION 3 (`subtotal` or `totalPrice`), both are read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtotal: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_price: Option<Amount>,
}

/// The buyer block, with the recipient when another person collects the parcel.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub patronymic: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub phone: Option<String>,
    /// ASSUMPTION 3: only seen as a writable field of `client-data`.
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub recipient: Option<Person>,
    #[serde(default)]
    pub shipment: Option<Shipment>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub patronymic: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub phone: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Shipment {
    /// `nova_poshta`, `ukrposhta`, `meest`, `pickup`, `cvz_epicentr`.
    #[serde(default)]
    pub provider: Option<String>,
    /// The tracking number (TTN).
    #[serde(default, deserialize_with = "lenient_string")]
    pub number: Option<String>,
    #[serde(default)]
    pub payment_provider: Option<String>,
    #[serde(default)]
    pub payment_status: Option<String>,
    #[serde(default)]
    pub delivery_price: Option<Amount>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub settlement_id: Option<String>,
    #[serde(default)]
    pub office_id: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Settlement {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub district: Option<String>,
    /// Nova Poshta CityRef; snake case on the wire, unlike the rest.
    #[serde(default)]
    pub external_id: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Office {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    /// Nova Poshta branch Ref.
    #[serde(default)]
    pub external_id: Option<String>,
}

/// `{"items":[{"code","title"}]}`: allowed statuses and cancellation reasons.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CodeList {
    #[serde(default)]
    pub items: Vec<CodeTitle>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct CodeTitle {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub title: Option<String>,
}

/// Body of `POST /v2/oms/orders/{uuid}/change-status/to/{statusCode}`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ChangeStatusBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<String>,
    #[serde(
        default,
        rename = "translationKey",
        skip_serializing_if = "Option::is_none"
    )]
    pub translation_key: Option<String>,
}

/// Body of `PATCH /v1/oms/orders/{uuid}/shipment-number`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ShipmentNumberBody {
    #[serde(default, deserialize_with = "lenient_string")]
    pub number: Option<String>,
}

/// An error answer: `{"message": …}`, some endpoints `{"error": …}` (ASSUMPTION 7: both read).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// `GET /v2/pim/products` page (field names are ASSUMPTION 9).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ProductPage {
    #[serde(default)]
    pub items: Vec<Product>,
    #[serde(default)]
    pub next: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Product {
    #[serde(default, deserialize_with = "lenient_string")]
    pub id: Option<String>,
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub price: Option<Amount>,
    /// `in_stock` or `not_available`.
    #[serde(default)]
    pub availability: Option<String>,
}

/// `POST /v1/offers` body: price and availability per SKU (no numeric stock, ASSUMPTION 9).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct OffersRequest {
    #[serde(default)]
    pub items: Vec<OfferUpdate>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct OfferUpdate {
    #[serde(default)]
    pub sku: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prices: Option<OfferPrices>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct OfferPrices {
    #[serde(default)]
    pub price: Option<Amount>,
}

/// `POST /v1/offers` answer and `GET /v1/offers/update-results/{requestId}`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OffersResult {
    #[serde(default)]
    pub total: Option<u64>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub request_id: Option<String>,
    #[serde(default)]
    pub items: Vec<OfferResultItem>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OfferResultItem {
    #[serde(default)]
    pub id: Option<u64>,
    #[serde(default)]
    pub id_type: Option<String>,
    #[serde(default)]
    pub sku: Option<String>,
    /// `processed`, `enqueued`, `skipped`, `forbidden`.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub errors: Option<serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_numbers_and_strings_and_write_numbers() {
        let a: Amount = serde_json::from_str("590.5").unwrap();
        assert_eq!(a.0, Decimal::from_str("590.5").unwrap());
        let b: Amount = serde_json::from_str("\"1 180,50 грн\"").unwrap();
        assert_eq!(b.0, Decimal::from_str("1180.5").unwrap());
        assert_eq!(
            serde_json::to_string(&Amount(Decimal::from(1180))).unwrap(),
            "1180"
        );
        assert_eq!(
            serde_json::to_string(&Amount(Decimal::from_str("1299.50").unwrap())).unwrap(),
            "1299.5"
        );
        assert!(serde_json::from_str::<Amount>("\"грн\"").is_err());
    }

    #[test]
    fn shipment_sits_inside_address_and_settlement_id_is_snake_case() {
        let o = Order {
            id: "x".into(),
            address: Some(Address {
                shipment: Some(Shipment::default()),
                ..Default::default()
            }),
            settlement: Some(Settlement {
                external_id: Some("ref".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let v = serde_json::to_value(&o).unwrap();
        assert!(v["address"]["shipment"].is_object());
        assert!(v.get("shipment").is_none());
        assert_eq!(v["settlement"]["external_id"], "ref");
        assert!(v.get("statusCode").is_some());
        assert!(v.get("createdAt").is_some());
    }
}
