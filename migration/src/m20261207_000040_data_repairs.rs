//! The one-time data repairs a database has had (issue 17): the app runs each repair the table
//! does not name yet, at start after the migrations, and names it in the same transaction. A
//! repair needs the app's own rules (reading a phone), which a migration cannot import.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DataRepairs {
    Table,
    Name,
    RanAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DataRepairs::Table)
                    .if_not_exists()
                    .col(string(DataRepairs::Name).primary_key())
                    .col(timestamp_with_time_zone(DataRepairs::RanAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DataRepairs::Table).to_owned())
            .await
    }
}
