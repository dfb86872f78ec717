//! The budget of platform calls people ask for (`syncSource`, `syncOrder`, `syncPublication`,
//! `syncPublications`): one row per source, shared by every instance on the database, holding the
//! time the next call is due (generic cell rate algorithm). A deleted source takes its row along.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SourceCallBudgets {
    Table,
    SourceId,
    TatMs,
}

#[derive(DeriveIden)]
enum Sources {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SourceCallBudgets::Table)
                    .if_not_exists()
                    .col(big_integer(SourceCallBudgets::SourceId).primary_key())
                    .col(big_integer(SourceCallBudgets::TatMs))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_source_call_budgets_source_id")
                            .from(SourceCallBudgets::Table, SourceCallBudgets::SourceId)
                            .to(Sources::Table, Sources::Id)
                            .on_delete(ForeignKeyAction::Cascade)
                            .on_update(ForeignKeyAction::NoAction),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SourceCallBudgets::Table).to_owned())
            .await
    }
}
