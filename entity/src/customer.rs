//! Customers (buyers) of orders.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, Default, PartialEq, DeriveEntityModel, serde::Deserialize)]
// a column the orders page did not ask for reads as its default (`graphql::plan` picks them)
#[serde(default)]
#[sea_orm(table_name = "customers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// E.164 phone number.
    pub phone: Option<String>,
    /// Lower-cased e-mail address.
    pub email: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub address: Option<String>,
    /// The platform hid the customer data (CUS-3).
    pub unspecified: bool,
    /// Lower-case name, phone and e-mail, for Unicode-aware search on every database.
    #[sea_orm(column_type = "Text")]
    pub search_text: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
