//! A customer as one source's orders show them: what a user granted only that source reads
//! (customers themselves are shared across sources, CUS-1).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "customer_contacts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub customer_id: i64,
    pub source_id: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// E.164 phone number.
    pub phone: Option<String>,
    /// Lower-cased e-mail address.
    pub email: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub address: Option<String>,
    pub unspecified: bool,
    /// Lower-case name, phone and e-mail, for search.
    #[sea_orm(column_type = "Text")]
    pub search_text: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
