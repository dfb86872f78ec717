//! Incoming platform webhooks, stored before processing.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub source_id: i64,
    pub platform: String,
    pub topic: Option<String>,
    pub webhook_id: Option<String>,
    pub event_id: Option<String>,
    pub external_order_id: Option<String>,
    pub platform_updated_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "JsonBinary")]
    pub headers: Json,
    #[sea_orm(column_type = "Blob")]
    pub body: Vec<u8>,
    /// `pending` | `done` | `failed` | `parked` | `skipped` | `duplicate`.
    pub state: String,
    pub attempts: i32,
    #[sea_orm(column_type = "Text")]
    pub last_error: Option<String>,
    pub next_attempt_at: Option<DateTimeUtc>,
    pub received_at: DateTimeUtc,
    pub processed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
