//! Token lifecycle of users (issue 16): when a token was made and last used, and which admin is the
//! bootstrap admin of `ORDERHUB_ADMIN_TOKEN`, so a changed value replaces that admin's token
//! instead of adding a second admin. Existing tokens count as made with their user; the bootstrap
//! admin of an existing database is the first admin named `admin` (the name the start gives it).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Name,
    Admin,
    CreatedAt,
    TokenCreatedAt,
    TokenLastUsedAt,
    Bootstrap,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // one column a statement: SQLite alters one thing at a time
        for column in [
            ColumnDef::new(Users::TokenCreatedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(Users::TokenLastUsedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(Users::Bootstrap)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .exec_stmt(
                Query::update()
                    .table(Users::Table)
                    .value(Users::TokenCreatedAt, Expr::col(Users::CreatedAt))
                    .to_owned(),
            )
            .await?;
        let first_admin = Query::select()
            .expr(Expr::col(Users::Id).min())
            .from(Users::Table)
            .and_where(Expr::col(Users::Admin).eq(true))
            .and_where(Expr::col(Users::Name).eq("admin"))
            .to_owned();
        manager
            .exec_stmt(
                Query::update()
                    .table(Users::Table)
                    .value(Users::Bootstrap, true)
                    .and_where(Expr::col(Users::Id).in_subquery(first_admin))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Users::Bootstrap,
            Users::TokenLastUsedAt,
            Users::TokenCreatedAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
