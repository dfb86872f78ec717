//! What orders created and edited here, and write-offs and catalogue links, need (issue 19):
//! - `order_items.added_here`: a line a person added here, which a re-sync never matches with a
//!   platform line nor marks removed on the platform (SYNC-2);
//! - `order_items.platform_quantity`: the quantity the platform last showed for a line whose
//!   quantity was edited here (null: the line's own quantity is the platform's), so a re-sync
//!   applies a quantity only when the platform changed it (SYNC-2, SYNC-3);
//! - `orders.items_removed_here`: the platform lines a person removed here (their platform id, SKU
//!   and name), so a re-sync does not bring them back;
//! - `products.stock_shortage`: pieces written off that the stock did not have, since the stock
//!   was last set (a write-off never takes stock below zero, STK-1);
//! - `publications.product_link`: how a listing's product was linked (`created`, `same_sku`,
//!   `by_hand`; PUB-3, PRD-1).
//!
//! One column per ALTER: SQLite takes one change per statement.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OrderItems {
    Table,
    AddedHere,
    PlatformQuantity,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    ItemsRemovedHere,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    StockShortage,
}

#[derive(DeriveIden)]
enum Publications {
    Table,
    ProductLink,
}

fn columns() -> Vec<(DynIden, ColumnDef)> {
    vec![
        (
            OrderItems::Table.into_iden(),
            ColumnDef::new(OrderItems::AddedHere)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
        ),
        (
            OrderItems::Table.into_iden(),
            ColumnDef::new(OrderItems::PlatformQuantity)
                .decimal_len(19, 4)
                .null()
                .to_owned(),
        ),
        (
            Orders::Table.into_iden(),
            ColumnDef::new(Orders::ItemsRemovedHere)
                .json_binary()
                .null()
                .to_owned(),
        ),
        (
            Products::Table.into_iden(),
            ColumnDef::new(Products::StockShortage)
                .big_integer()
                .not_null()
                .default(0)
                .to_owned(),
        ),
        (
            Publications::Table.into_iden(),
            ColumnDef::new(Publications::ProductLink)
                .string()
                .null()
                .to_owned(),
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in columns() {
            manager
                .alter_table(Table::alter().table(table).add_column(column).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in columns().into_iter().rev() {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .drop_column(Alias::new(column.get_column_name()))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
