//! The tracking number as the platform last showed it, beside the order's own (TRK-1, TRK-4).
//! A re-sync applies the platform's number only when the platform changed it, so a number set here
//! is not put back to the platform's older one; and a number that came from the platform is not
//! sent back to it. Existing orders start with none known: their first re-sync behaves as before.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Orders {
    Table,
    PlatformTrackingNumber,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .add_column(
                        ColumnDef::new(Orders::PlatformTrackingNumber)
                            .string()
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .drop_column(Orders::PlatformTrackingNumber)
                    .to_owned(),
            )
            .await
    }
}
