//! Which platform account each source is connected to (issue 19: one account, one source unless
//! asked), as a keyed hash of the account's identity (its token, login, shop domain or site URL):
//! equal accounts have equal keys, and the key tells nothing without `ORDERHUB_SECRET_KEY`. Rows
//! of sources stored before are filled in by the application, which alone can decrypt their
//! credentials. A deleted source takes its row along.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SourceAccounts {
    Table,
    SourceId,
    Platform,
    AccountKey,
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
                    .table(SourceAccounts::Table)
                    .if_not_exists()
                    .col(big_integer(SourceAccounts::SourceId).primary_key())
                    .col(string(SourceAccounts::Platform))
                    // empty: the platform has no account identity in these credentials
                    .col(string(SourceAccounts::AccountKey))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_source_accounts_source_id")
                            .from(SourceAccounts::Table, SourceAccounts::SourceId)
                            .to(Sources::Table, Sources::Id)
                            .on_delete(ForeignKeyAction::Cascade)
                            .on_update(ForeignKeyAction::NoAction),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_source_accounts_account")
                    .table(SourceAccounts::Table)
                    .col(SourceAccounts::Platform)
                    .col(SourceAccounts::AccountKey)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SourceAccounts::Table).to_owned())
            .await
    }
}
