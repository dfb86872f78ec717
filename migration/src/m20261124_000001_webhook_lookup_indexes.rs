//! Indexes for the webhook inbox's duplicate checks (WH-3). Without them each acknowledgement batch
//! scanned the whole inbox (bodies included), so the acknowledgement rate fell as the inbox grew.
//! Each index leads with the source so a lookup names both columns; an index on the source alone
//! would tempt PostgreSQL's generic plans to scan all of a source's deliveries instead.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum WebhookDeliveries {
    Table,
    SourceId,
    EventId,
    ExternalOrderId,
    PlatformUpdatedAt,
}

fn indexes() -> [(&'static str, Vec<WebhookDeliveries>); 2] {
    use WebhookDeliveries::*;
    [
        (
            "idx_webhook_deliveries_source_id_event_id",
            vec![SourceId, EventId],
        ),
        (
            "idx_webhook_deliveries_source_id_order",
            vec![SourceId, ExternalOrderId, PlatformUpdatedAt],
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, cols) in indexes() {
            let mut stmt = Index::create();
            stmt.name(name).table(WebhookDeliveries::Table);
            for c in cols {
                stmt.col(c);
            }
            manager.create_index(stmt).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in indexes() {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(WebhookDeliveries::Table)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
