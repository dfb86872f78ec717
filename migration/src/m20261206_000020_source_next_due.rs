//! Due-based polling (issue 15): each source's next due time. Instances claim the sources whose
//! time has come (`next_due_at` before now) and move it on when they start and finish a run, so a
//! fleet polls each source once per interval instead of once per instance. Empty means due at
//! once: existing sources, new ones, and ones re-enabled or given new credentials or options.
//! The index serves the claim's "due first" read.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Sources {
    Table,
    NextDueAt,
}

const INDEX: &str = "idx_sources_next_due_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Sources::Table)
                    .add_column(
                        ColumnDef::new(Sources::NextDueAt)
                            .timestamp_with_time_zone()
                            .null()
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Sources::Table)
                    .col(Sources::NextDueAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Sources::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Sources::Table)
                    .drop_column(Sources::NextDueAt)
                    .to_owned(),
            )
            .await
    }
}
