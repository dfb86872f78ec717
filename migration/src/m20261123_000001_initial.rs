//! Initial schema: all orderhub tables, foreign keys, unique constraints and indexes.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in tables() {
            manager.create_table(table).await?;
        }
        for index in indexes() {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Reverse FK order; indexes go away together with their tables.
        let tables: [DynIden; 19] = [
            Leases::Table.into_iden(),
            SyncRuns::Table.into_iden(),
            OutboxJobs::Table.into_iden(),
            WebhookDeliveries::Table.into_iden(),
            SourceEvents::Table.into_iden(),
            Expenses::Table.into_iden(),
            OrderEvents::Table.into_iden(),
            OrderItems::Table.into_iden(),
            Orders::Table.into_iden(),
            Publications::Table.into_iden(),
            Products::Table.into_iden(),
            Categories::Table.into_iden(),
            Customers::Table.into_iden(),
            StatusRules::Table.into_iden(),
            Statuses::Table.into_iden(),
            UserSources::Table.into_iden(),
            SourceManagers::Table.into_iden(),
            Sources::Table.into_iden(),
            Users::Table.into_iden(),
        ];
        for table in tables {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// Foreign key `fk_<from_table>_<from_col>` referencing `to_table.to_col`.
fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .on_update(ForeignKeyAction::NoAction)
        .to_owned()
}

/// Plain (non-unique) index over `cols` of `table`.
fn index<T: IntoIden, C: IntoIndexColumn>(
    name: &str,
    table: T,
    cols: impl IntoIterator<Item = C>,
) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(col);
    }
    stmt
}

/// Unique index over `cols` of `table` (used for all unique constraints).
fn unique<T: IntoIden, C: IntoIndexColumn>(
    name: &str,
    table: T,
    cols: impl IntoIterator<Item = C>,
) -> IndexCreateStatement {
    index(name, table, cols).unique().to_owned()
}

fn tables() -> Vec<TableCreateStatement> {
    use ForeignKeyAction::{Cascade, Restrict, SetNull};

    vec![
        Table::create()
            .table(Users::Table)
            .col(big_pk_auto(Users::Id))
            .col(string(Users::Name))
            .col(boolean(Users::Admin).default(false))
            .col(string(Users::TokenHash))
            .col(timestamp_with_time_zone(Users::CreatedAt))
            .to_owned(),
        Table::create()
            .table(Sources::Table)
            .col(big_pk_auto(Sources::Id))
            .col(string(Sources::Name))
            .col(string(Sources::Platform))
            .col(boolean(Sources::Enabled).default(true))
            .col(string(Sources::Currency))
            .col(string_null(Sources::Language))
            .col(string_null(Sources::BaseUrl))
            .col(text(Sources::CredentialsEnc))
            .col(big_integer_null(Sources::DefaultStatusId))
            .col(boolean(Sources::SendTracking).default(false))
            .col(json_binary(Sources::TrackingStatusIds).default("[]"))
            .col(boolean(Sources::StoreCommission).default(false))
            .col(string(Sources::ExpenseType))
            .col(string(Sources::IdentifyProductsBy))
            .col(boolean(Sources::StatusRulesEnabled).default(false))
            .col(boolean(Sources::NeedsReauth).default(false))
            .col(text_null(Sources::LastError))
            .col(timestamp_with_time_zone_null(Sources::LastSyncAt))
            .col(string_null(Sources::SyncCursor))
            .col(timestamp_with_time_zone_null(Sources::BackfillDoneAt))
            .col(timestamp_with_time_zone_null(Sources::PublicationsSyncedAt))
            .col(integer(Sources::NextManagerIndex).default(0))
            .col(json_binary(Sources::Settings).default("{}"))
            .col(timestamp_with_time_zone_null(Sources::DeletedAt))
            .col(timestamp_with_time_zone(Sources::CreatedAt))
            .col(timestamp_with_time_zone(Sources::UpdatedAt))
            .to_owned(),
        Table::create()
            .table(SourceManagers::Table)
            .col(big_integer(SourceManagers::SourceId))
            .col(big_integer(SourceManagers::UserId))
            .col(integer(SourceManagers::Position).default(0))
            .primary_key(
                Index::create()
                    .col(SourceManagers::SourceId)
                    .col(SourceManagers::UserId),
            )
            .foreign_key(&mut fk(
                "fk_source_managers_source_id",
                (SourceManagers::Table, SourceManagers::SourceId),
                (Sources::Table, Sources::Id),
                Cascade,
            ))
            .foreign_key(&mut fk(
                "fk_source_managers_user_id",
                (SourceManagers::Table, SourceManagers::UserId),
                (Users::Table, Users::Id),
                Cascade,
            ))
            .to_owned(),
        Table::create()
            .table(UserSources::Table)
            .col(big_integer(UserSources::UserId))
            .col(big_integer(UserSources::SourceId))
            .primary_key(
                Index::create()
                    .col(UserSources::UserId)
                    .col(UserSources::SourceId),
            )
            .foreign_key(&mut fk(
                "fk_user_sources_user_id",
                (UserSources::Table, UserSources::UserId),
                (Users::Table, Users::Id),
                Cascade,
            ))
            .foreign_key(&mut fk(
                "fk_user_sources_source_id",
                (UserSources::Table, UserSources::SourceId),
                (Sources::Table, Sources::Id),
                Cascade,
            ))
            .to_owned(),
        Table::create()
            .table(Statuses::Table)
            .col(big_pk_auto(Statuses::Id))
            .col(string(Statuses::Name))
            .col(string(Statuses::StatusGroup))
            .col(integer(Statuses::Position).default(0))
            .col(string_null(Statuses::SystemKey))
            .col(timestamp_with_time_zone(Statuses::CreatedAt))
            .to_owned(),
        Table::create()
            .table(StatusRules::Table)
            .col(big_pk_auto(StatusRules::Id))
            .col(big_integer(StatusRules::SourceId))
            .col(big_integer_null(StatusRules::StatusId))
            .col(string_null(StatusRules::StatusGroup))
            .col(string_null(StatusRules::CancellationReason))
            .col(string(StatusRules::PlatformStatus))
            .col(string_null(StatusRules::PlatformCancellationReason))
            .col(timestamp_with_time_zone(StatusRules::CreatedAt))
            .foreign_key(&mut fk(
                "fk_status_rules_source_id",
                (StatusRules::Table, StatusRules::SourceId),
                (Sources::Table, Sources::Id),
                Cascade,
            ))
            .foreign_key(&mut fk(
                "fk_status_rules_status_id",
                (StatusRules::Table, StatusRules::StatusId),
                (Statuses::Table, Statuses::Id),
                Cascade,
            ))
            .to_owned(),
        Table::create()
            .table(Customers::Table)
            .col(big_pk_auto(Customers::Id))
            .col(string_null(Customers::FirstName))
            .col(string_null(Customers::LastName))
            .col(string_null(Customers::Phone))
            .col(string_null(Customers::Email))
            .col(text_null(Customers::Address))
            .col(boolean(Customers::Unspecified).default(false))
            .col(text(Customers::SearchText).default(""))
            .col(timestamp_with_time_zone(Customers::CreatedAt))
            .col(timestamp_with_time_zone(Customers::UpdatedAt))
            .to_owned(),
        Table::create()
            .table(Categories::Table)
            .col(big_pk_auto(Categories::Id))
            .col(string(Categories::Name))
            .col(big_integer_null(Categories::ParentId))
            .col(timestamp_with_time_zone(Categories::CreatedAt))
            .foreign_key(&mut fk(
                "fk_categories_parent_id",
                (Categories::Table, Categories::ParentId),
                (Categories::Table, Categories::Id),
                SetNull,
            ))
            .to_owned(),
        Table::create()
            .table(Products::Table)
            .col(big_pk_auto(Products::Id))
            .col(string(Products::Name))
            .col(text_null(Products::Description))
            .col(string_null(Products::Sku))
            .col(string_null(Products::Code))
            .col(string(Products::Unit).default("piece"))
            .col(big_integer_null(Products::CategoryId))
            .col(big_integer(Products::StockQuantity).default(0))
            .col(timestamp_with_time_zone(Products::CreatedAt))
            .col(timestamp_with_time_zone(Products::UpdatedAt))
            .foreign_key(&mut fk(
                "fk_products_category_id",
                (Products::Table, Products::CategoryId),
                (Categories::Table, Categories::Id),
                SetNull,
            ))
            .to_owned(),
        Table::create()
            .table(Publications::Table)
            .col(big_pk_auto(Publications::Id))
            .col(big_integer(Publications::SourceId))
            .col(string(Publications::ExternalId))
            .col(string(Publications::Name))
            .col(string_null(Publications::Sku))
            .col(decimal_len_null(Publications::Price, 19, 4))
            .col(string_null(Publications::Currency))
            .col(big_integer_null(Publications::Stock))
            .col(string_null(Publications::State))
            .col(string_null(Publications::Url))
            .col(big_integer_null(Publications::ProductId))
            .col(json_binary(Publications::Raw).default("{}"))
            .col(big_integer_null(Publications::PushedStock))
            .col(text_null(Publications::PushError))
            .col(timestamp_with_time_zone(Publications::SyncedAt))
            .col(timestamp_with_time_zone(Publications::CreatedAt))
            .foreign_key(&mut fk(
                "fk_publications_source_id",
                (Publications::Table, Publications::SourceId),
                (Sources::Table, Sources::Id),
                Cascade,
            ))
            .foreign_key(&mut fk(
                "fk_publications_product_id",
                (Publications::Table, Publications::ProductId),
                (Products::Table, Products::Id),
                SetNull,
            ))
            .to_owned(),
        Table::create()
            .table(Orders::Table)
            .col(big_pk_auto(Orders::Id))
            .col(big_integer_null(Orders::SourceId))
            .col(string_null(Orders::ExternalId))
            .col(string(Orders::Number))
            .col(big_integer(Orders::StatusId))
            .col(string_null(Orders::SourceStatus))
            .col(big_integer_null(Orders::CustomerId))
            .col(big_integer_null(Orders::ManagerId))
            .col(decimal_len(Orders::Total, 19, 4))
            .col(string(Orders::Currency))
            .col(boolean(Orders::CurrencyMismatch).default(false))
            .col(string_null(Orders::TrackingNumber))
            .col(json_binary_null(Orders::Delivery))
            .col(json_binary_null(Orders::Payments))
            .col(json_binary_null(Orders::Discounts))
            .col(decimal_len_null(Orders::Commission, 19, 4))
            .col(boolean(Orders::WrittenOff).default(false))
            .col(timestamp_with_time_zone_null(Orders::WrittenOffAt))
            .col(timestamp_with_time_zone(Orders::PlatformCreatedAt))
            .col(timestamp_with_time_zone_null(Orders::PlatformUpdatedAt))
            .col(timestamp_with_time_zone_null(Orders::LastSyncedAt))
            .col(timestamp_with_time_zone_null(Orders::LastManualSyncAt))
            .col(text_null(Orders::PushError))
            .col(timestamp_with_time_zone(Orders::CreatedAt))
            .col(timestamp_with_time_zone(Orders::UpdatedAt))
            .foreign_key(&mut fk(
                "fk_orders_source_id",
                (Orders::Table, Orders::SourceId),
                (Sources::Table, Sources::Id),
                Restrict,
            ))
            .foreign_key(&mut fk(
                "fk_orders_status_id",
                (Orders::Table, Orders::StatusId),
                (Statuses::Table, Statuses::Id),
                Restrict,
            ))
            .foreign_key(&mut fk(
                "fk_orders_customer_id",
                (Orders::Table, Orders::CustomerId),
                (Customers::Table, Customers::Id),
                SetNull,
            ))
            .foreign_key(&mut fk(
                "fk_orders_manager_id",
                (Orders::Table, Orders::ManagerId),
                (Users::Table, Users::Id),
                SetNull,
            ))
            .to_owned(),
        Table::create()
            .table(OrderItems::Table)
            .col(big_pk_auto(OrderItems::Id))
            .col(big_integer(OrderItems::OrderId))
            .col(big_integer_null(OrderItems::ProductId))
            .col(string_null(OrderItems::ExternalId))
            .col(string(OrderItems::Name))
            .col(string_null(OrderItems::Sku))
            .col(string_null(OrderItems::Code))
            .col(decimal_len(OrderItems::Quantity, 19, 4))
            .col(decimal_len(OrderItems::Price, 19, 4))
            .col(boolean(OrderItems::Upsell).default(false))
            .col(boolean(OrderItems::AddedBySync).default(false))
            .col(boolean(OrderItems::RemovedOnPlatform).default(false))
            .col(boolean(OrderItems::WrittenOff).default(false))
            .col(timestamp_with_time_zone(OrderItems::CreatedAt))
            .foreign_key(&mut fk(
                "fk_order_items_order_id",
                (OrderItems::Table, OrderItems::OrderId),
                (Orders::Table, Orders::Id),
                Cascade,
            ))
            .foreign_key(&mut fk(
                "fk_order_items_product_id",
                (OrderItems::Table, OrderItems::ProductId),
                (Products::Table, Products::Id),
                SetNull,
            ))
            .to_owned(),
        Table::create()
            .table(OrderEvents::Table)
            .col(big_pk_auto(OrderEvents::Id))
            .col(big_integer(OrderEvents::OrderId))
            .col(string(OrderEvents::Kind))
            .col(text(OrderEvents::Message))
            .col(json_binary_null(OrderEvents::Data))
            .col(big_integer_null(OrderEvents::UserId))
            .col(big_integer_null(OrderEvents::SyncRunId))
            .col(big_integer_null(OrderEvents::WebhookDeliveryId))
            .col(timestamp_with_time_zone(OrderEvents::CreatedAt))
            .foreign_key(&mut fk(
                "fk_order_events_order_id",
                (OrderEvents::Table, OrderEvents::OrderId),
                (Orders::Table, Orders::Id),
                Cascade,
            ))
            .to_owned(),
        Table::create()
            .table(Expenses::Table)
            .col(big_pk_auto(Expenses::Id))
            .col(big_integer(Expenses::OrderId))
            .col(big_integer(Expenses::SourceId))
            .col(decimal_len(Expenses::Amount, 19, 4))
            .col(string(Expenses::Currency))
            .col(string(Expenses::ExpenseType))
            .col(timestamp_with_time_zone(Expenses::CreatedAt))
            .foreign_key(&mut fk(
                "fk_expenses_order_id",
                (Expenses::Table, Expenses::OrderId),
                (Orders::Table, Orders::Id),
                Cascade,
            ))
            .foreign_key(&mut fk(
                "fk_expenses_source_id",
                (Expenses::Table, Expenses::SourceId),
                (Sources::Table, Sources::Id),
                Restrict,
            ))
            .to_owned(),
        Table::create()
            .table(SourceEvents::Table)
            .col(big_pk_auto(SourceEvents::Id))
            .col(big_integer(SourceEvents::SourceId))
            .col(string(SourceEvents::Kind))
            .col(text(SourceEvents::Message))
            .col(json_binary_null(SourceEvents::Data))
            .col(timestamp_with_time_zone(SourceEvents::CreatedAt))
            .foreign_key(&mut fk(
                "fk_source_events_source_id",
                (SourceEvents::Table, SourceEvents::SourceId),
                (Sources::Table, Sources::Id),
                Cascade,
            ))
            .to_owned(),
        Table::create()
            .table(WebhookDeliveries::Table)
            .col(big_pk_auto(WebhookDeliveries::Id))
            .col(big_integer(WebhookDeliveries::SourceId))
            .col(string(WebhookDeliveries::Platform))
            .col(string_null(WebhookDeliveries::Topic))
            .col(string_null(WebhookDeliveries::WebhookId))
            .col(string_null(WebhookDeliveries::EventId))
            .col(string_null(WebhookDeliveries::ExternalOrderId))
            .col(timestamp_with_time_zone_null(
                WebhookDeliveries::PlatformUpdatedAt,
            ))
            .col(json_binary(WebhookDeliveries::Headers).default("{}"))
            .col(blob(WebhookDeliveries::Body))
            .col(string(WebhookDeliveries::State).default("pending"))
            .col(integer(WebhookDeliveries::Attempts).default(0))
            .col(text_null(WebhookDeliveries::LastError))
            .col(timestamp_with_time_zone_null(
                WebhookDeliveries::NextAttemptAt,
            ))
            .col(timestamp_with_time_zone(WebhookDeliveries::ReceivedAt))
            .col(timestamp_with_time_zone_null(
                WebhookDeliveries::ProcessedAt,
            ))
            .foreign_key(&mut fk(
                "fk_webhook_deliveries_source_id",
                (WebhookDeliveries::Table, WebhookDeliveries::SourceId),
                (Sources::Table, Sources::Id),
                Cascade,
            ))
            .to_owned(),
        Table::create()
            .table(OutboxJobs::Table)
            .col(big_pk_auto(OutboxJobs::Id))
            .col(string(OutboxJobs::Kind))
            .col(big_integer(OutboxJobs::SourceId))
            .col(big_integer_null(OutboxJobs::OrderId))
            .col(big_integer_null(OutboxJobs::ProductId))
            .col(json_binary(OutboxJobs::Payload))
            .col(string_null(OutboxJobs::DedupeKey))
            .col(string(OutboxJobs::State).default("pending"))
            .col(integer(OutboxJobs::Attempts).default(0))
            .col(timestamp_with_time_zone(OutboxJobs::NextAttemptAt))
            .col(text_null(OutboxJobs::LastError))
            .col(string_null(OutboxJobs::LockedBy))
            .col(timestamp_with_time_zone_null(OutboxJobs::LockedUntil))
            .col(timestamp_with_time_zone(OutboxJobs::CreatedAt))
            .col(timestamp_with_time_zone(OutboxJobs::UpdatedAt))
            .foreign_key(&mut fk(
                "fk_outbox_jobs_source_id",
                (OutboxJobs::Table, OutboxJobs::SourceId),
                (Sources::Table, Sources::Id),
                Cascade,
            ))
            .foreign_key(&mut fk(
                "fk_outbox_jobs_order_id",
                (OutboxJobs::Table, OutboxJobs::OrderId),
                (Orders::Table, Orders::Id),
                Cascade,
            ))
            .foreign_key(&mut fk(
                "fk_outbox_jobs_product_id",
                (OutboxJobs::Table, OutboxJobs::ProductId),
                (Products::Table, Products::Id),
                Cascade,
            ))
            .to_owned(),
        Table::create()
            .table(SyncRuns::Table)
            .col(big_pk_auto(SyncRuns::Id))
            .col(big_integer(SyncRuns::SourceId))
            .col(string(SyncRuns::Kind))
            .col(string(SyncRuns::State))
            .col(timestamp_with_time_zone(SyncRuns::StartedAt))
            .col(timestamp_with_time_zone_null(SyncRuns::FinishedAt))
            .col(integer(SyncRuns::OrdersSeen).default(0))
            .col(integer(SyncRuns::OrdersCreated).default(0))
            .col(integer(SyncRuns::OrdersUpdated).default(0))
            .col(integer(SyncRuns::OrdersSkipped).default(0))
            .col(integer(SyncRuns::ErrorCount).default(0))
            .col(text_null(SyncRuns::Error))
            .col(text_null(SyncRuns::Note))
            .col(string_null(SyncRuns::CursorBefore))
            .col(string_null(SyncRuns::CursorAfter))
            .foreign_key(&mut fk(
                "fk_sync_runs_source_id",
                (SyncRuns::Table, SyncRuns::SourceId),
                (Sources::Table, Sources::Id),
                Cascade,
            ))
            .to_owned(),
        Table::create()
            .table(Leases::Table)
            .col(string(Leases::Name).primary_key())
            .col(string(Leases::Holder))
            .col(timestamp_with_time_zone(Leases::ExpiresAt))
            .col(timestamp_with_time_zone(Leases::AcquiredAt))
            .to_owned(),
    ]
}

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        unique("uq_users_token_hash", Users::Table, [Users::TokenHash]),
        index("idx_sources_platform", Sources::Table, [Sources::Platform]),
        index(
            "idx_user_sources_source_id",
            UserSources::Table,
            [UserSources::SourceId],
        ),
        unique(
            "uq_statuses_system_key",
            Statuses::Table,
            [Statuses::SystemKey],
        ),
        index(
            "idx_status_rules_source_id",
            StatusRules::Table,
            [StatusRules::SourceId],
        ),
        index("idx_customers_phone", Customers::Table, [Customers::Phone]),
        index("idx_customers_email", Customers::Table, [Customers::Email]),
        index(
            "idx_categories_parent_id_name",
            Categories::Table,
            [Categories::ParentId, Categories::Name],
        ),
        index("idx_products_sku", Products::Table, [Products::Sku]),
        index("idx_products_code", Products::Table, [Products::Code]),
        index("idx_products_name", Products::Table, [Products::Name]),
        unique(
            "uq_publications_source_id_external_id",
            Publications::Table,
            [Publications::SourceId, Publications::ExternalId],
        ),
        index(
            "idx_publications_product_id",
            Publications::Table,
            [Publications::ProductId],
        ),
        index(
            "idx_outbox_jobs_order_id",
            OutboxJobs::Table,
            [OutboxJobs::OrderId],
        ),
        unique(
            "uq_orders_source_id_external_id",
            Orders::Table,
            [Orders::SourceId, Orders::ExternalId],
        ),
        index(
            "idx_orders_platform_created_at_id",
            Orders::Table,
            [Orders::PlatformCreatedAt, Orders::Id],
        ),
        index("idx_orders_status_id", Orders::Table, [Orders::StatusId]),
        index(
            "idx_orders_customer_id",
            Orders::Table,
            [Orders::CustomerId],
        ),
        index(
            "idx_order_items_order_id",
            OrderItems::Table,
            [OrderItems::OrderId],
        ),
        index(
            "idx_order_events_order_id_id",
            OrderEvents::Table,
            [OrderEvents::OrderId, OrderEvents::Id],
        ),
        unique(
            "uq_expenses_order_id_expense_type",
            Expenses::Table,
            [Expenses::OrderId, Expenses::ExpenseType],
        ),
        index(
            "idx_expenses_created_at",
            Expenses::Table,
            [Expenses::CreatedAt],
        ),
        index(
            "idx_source_events_source_id_id",
            SourceEvents::Table,
            [SourceEvents::SourceId, SourceEvents::Id],
        ),
        unique(
            "uq_webhook_deliveries_source_id_webhook_id",
            WebhookDeliveries::Table,
            [WebhookDeliveries::SourceId, WebhookDeliveries::WebhookId],
        ),
        index(
            "idx_webhook_deliveries_state_id",
            WebhookDeliveries::Table,
            [WebhookDeliveries::State, WebhookDeliveries::Id],
        ),
        unique(
            "uq_outbox_jobs_dedupe_key",
            OutboxJobs::Table,
            [OutboxJobs::DedupeKey],
        ),
        index(
            "idx_outbox_jobs_state_next_attempt_at",
            OutboxJobs::Table,
            [OutboxJobs::State, OutboxJobs::NextAttemptAt],
        ),
        index(
            "idx_sync_runs_source_id_id",
            SyncRuns::Table,
            [SyncRuns::SourceId, SyncRuns::Id],
        ),
    ]
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Name,
    Admin,
    TokenHash,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Sources {
    Table,
    Id,
    Name,
    Platform,
    Enabled,
    Currency,
    Language,
    BaseUrl,
    CredentialsEnc,
    DefaultStatusId,
    SendTracking,
    TrackingStatusIds,
    StoreCommission,
    ExpenseType,
    IdentifyProductsBy,
    StatusRulesEnabled,
    NeedsReauth,
    LastError,
    LastSyncAt,
    SyncCursor,
    BackfillDoneAt,
    PublicationsSyncedAt,
    NextManagerIndex,
    Settings,
    DeletedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SourceManagers {
    Table,
    SourceId,
    UserId,
    Position,
}

#[derive(DeriveIden)]
enum UserSources {
    Table,
    UserId,
    SourceId,
}

#[derive(DeriveIden)]
enum Statuses {
    Table,
    Id,
    Name,
    StatusGroup,
    Position,
    SystemKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum StatusRules {
    Table,
    Id,
    SourceId,
    StatusId,
    StatusGroup,
    CancellationReason,
    PlatformStatus,
    PlatformCancellationReason,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
    FirstName,
    LastName,
    Phone,
    Email,
    Address,
    Unspecified,
    CreatedAt,
    UpdatedAt,
    SearchText,
}

#[derive(DeriveIden)]
enum Categories {
    Table,
    Id,
    Name,
    ParentId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
    Name,
    Description,
    Sku,
    Code,
    Unit,
    CategoryId,
    StockQuantity,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Publications {
    Table,
    Id,
    SourceId,
    ExternalId,
    Name,
    Sku,
    Price,
    Currency,
    Stock,
    State,
    Url,
    ProductId,
    Raw,
    PushedStock,
    PushError,
    SyncedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    SourceId,
    ExternalId,
    Number,
    StatusId,
    SourceStatus,
    CustomerId,
    ManagerId,
    Total,
    Currency,
    CurrencyMismatch,
    TrackingNumber,
    Delivery,
    Payments,
    Discounts,
    Commission,
    WrittenOff,
    WrittenOffAt,
    PlatformCreatedAt,
    PlatformUpdatedAt,
    LastSyncedAt,
    LastManualSyncAt,
    PushError,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OrderItems {
    Table,
    Id,
    OrderId,
    ProductId,
    ExternalId,
    Name,
    Sku,
    Code,
    Quantity,
    Price,
    Upsell,
    AddedBySync,
    RemovedOnPlatform,
    WrittenOff,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OrderEvents {
    Table,
    Id,
    OrderId,
    Kind,
    Message,
    Data,
    UserId,
    SyncRunId,
    WebhookDeliveryId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Expenses {
    Table,
    Id,
    OrderId,
    SourceId,
    Amount,
    Currency,
    ExpenseType,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SourceEvents {
    Table,
    Id,
    SourceId,
    Kind,
    Message,
    Data,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    SourceId,
    Platform,
    Topic,
    WebhookId,
    EventId,
    ExternalOrderId,
    PlatformUpdatedAt,
    Headers,
    Body,
    State,
    Attempts,
    LastError,
    NextAttemptAt,
    ReceivedAt,
    ProcessedAt,
}

#[derive(DeriveIden)]
enum OutboxJobs {
    Table,
    Id,
    Kind,
    SourceId,
    OrderId,
    ProductId,
    Payload,
    DedupeKey,
    State,
    Attempts,
    NextAttemptAt,
    LastError,
    LockedBy,
    LockedUntil,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SyncRuns {
    Table,
    Id,
    SourceId,
    Kind,
    State,
    StartedAt,
    FinishedAt,
    OrdersSeen,
    OrdersCreated,
    OrdersUpdated,
    OrdersSkipped,
    ErrorCount,
    Error,
    Note,
    CursorBefore,
    CursorAfter,
}

#[derive(DeriveIden)]
enum Leases {
    Table,
    Name,
    Holder,
    ExpiresAt,
    AcquiredAt,
}
