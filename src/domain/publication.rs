//! A listing as a platform shows it (PUB-1..3): what the platform clients read and the store
//! keeps.

/// A listing of the seller on a platform (PUB-1..3).
#[derive(Clone, Debug, PartialEq)]
pub struct RemotePublication {
    pub external_id: String,
    pub name: String,
    pub sku: Option<String>,
    pub price: Option<rust_decimal::Decimal>,
    pub currency: Option<String>,
    pub stock: Option<i64>,
    /// The platform's state of the listing, e.g. Rozetka's sell status.
    pub state: Option<String>,
    pub url: Option<String>,
    pub raw: serde_json::Value,
}
