//! The inbox worker's index: a source's waiting deliveries in order of arrival (WH-2, WH-5).
//! Without it, taking the next 100 deliveries of a source meant reading every pending delivery of
//! that source and sorting them (bodies included), so a burst of 20 000 deliveries was applied at
//! a fraction of the rate it was acknowledged. `(state, source_id, id)` answers "the next pending
//! deliveries of source S" by a range read that stops after the first rows, and "which sources
//! have pending deliveries" from the index alone. It replaces `(state, id)`, whose uses it covers.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum WebhookDeliveries {
    Table,
    State,
    SourceId,
    Id,
}

const NEW: &str = "idx_webhook_deliveries_state_source_id_id";
const OLD: &str = "idx_webhook_deliveries_state_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use WebhookDeliveries::*;
        manager
            .create_index(
                Index::create()
                    .name(NEW)
                    .table(Table)
                    .col(State)
                    .col(SourceId)
                    .col(Id)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(Index::drop().name(OLD).table(Table).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use WebhookDeliveries::*;
        manager
            .create_index(
                Index::create()
                    .name(OLD)
                    .table(Table)
                    .col(State)
                    .col(Id)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(Index::drop().name(NEW).table(Table).to_owned())
            .await
    }
}
