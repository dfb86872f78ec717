//! A customer as each source's orders show them (CUS-1 with API-3): a user granted only some
//! sources reads the customer through these rows, never what another source brought into the
//! shared customer record. Existing customers get one row per source they have orders from, copied
//! from the shared record (which source brought which field was not kept before this migration).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum CustomerContacts {
    Table,
    Id,
    CustomerId,
    SourceId,
    FirstName,
    LastName,
    Phone,
    Email,
    Address,
    Unspecified,
    SearchText,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Sources {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use CustomerContacts as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .if_not_exists()
                    .col(big_pk_auto(C::Id))
                    .col(big_integer(C::CustomerId))
                    .col(big_integer(C::SourceId))
                    .col(string_null(C::FirstName))
                    .col(string_null(C::LastName))
                    .col(string_null(C::Phone))
                    .col(string_null(C::Email))
                    .col(text_null(C::Address))
                    .col(boolean(C::Unspecified).default(false))
                    .col(text(C::SearchText).default(""))
                    .col(timestamp_with_time_zone(C::CreatedAt))
                    .col(timestamp_with_time_zone(C::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_customer_contacts_customer_id")
                            .from(C::Table, C::CustomerId)
                            .to(Customers::Table, Customers::Id)
                            .on_delete(ForeignKeyAction::Cascade)
                            .on_update(ForeignKeyAction::NoAction),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_customer_contacts_source_id")
                            .from(C::Table, C::SourceId)
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
                    .name("idx_customer_contacts_customer_id_source_id")
                    .table(C::Table)
                    .col(C::CustomerId)
                    .col(C::SourceId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_customer_contacts_source_id_customer_id")
                    .table(C::Table)
                    .col(C::SourceId)
                    .col(C::CustomerId)
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO customer_contacts (customer_id, source_id, first_name, last_name, \
                 phone, email, address, unspecified, search_text, created_at, updated_at) \
                 SELECT c.id, s.source_id, c.first_name, c.last_name, c.phone, c.email, \
                 c.address, c.unspecified, c.search_text, c.created_at, c.updated_at \
                 FROM customers c JOIN (SELECT DISTINCT customer_id, source_id FROM orders \
                 WHERE customer_id IS NOT NULL AND source_id IS NOT NULL) s \
                 ON s.customer_id = c.id",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CustomerContacts::Table).to_owned())
            .await
    }
}
