//! PostgreSQL: the webhook inbox no longer checks its source by a foreign key. The check ran for
//! every stored delivery (a lookup and a KEY SHARE lock on the source's row, shared by both
//! acknowledgement lanes), about a fifth of what PostgreSQL spends storing one. A delivery is only
//! stored for a source the route has just loaded, and sources are never removed (deleting one
//! only marks it, SRC-5), so the key guarded nothing. SQLite keeps its key: dropping one there
//! means rebuilding the table, and its check costs little.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const FK: &str = "fk_webhook_deliveries_source_id";

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    SourceId,
}

#[derive(DeriveIden)]
enum Sources {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        manager
            .drop_foreign_key(
                ForeignKey::drop()
                    .name(FK)
                    .table(WebhookDeliveries::Table)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        manager
            .create_foreign_key(
                ForeignKey::create()
                    .name(FK)
                    .from(WebhookDeliveries::Table, WebhookDeliveries::SourceId)
                    .to(Sources::Table, Sources::Id)
                    .on_delete(ForeignKeyAction::Cascade)
                    .on_update(ForeignKeyAction::NoAction)
                    .to_owned(),
            )
            .await
    }
}
