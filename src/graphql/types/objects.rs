//! Object types over store rows; nested fields load through the request's DataLoader.

use super::enums::*;
use crate::domain::auth::SourceScope;
use crate::domain::money::format_amount;
use crate::domain::orders::{OrderCursor, OrderFilter as DomainFilter};
use crate::domain::{Platform, SourceId, StatusGroup};
use crate::graphql::guards::{principal, state, GqlResult};
use crate::graphql::loaders::*;
use crate::graphql::query::keyset_page;
use crate::graphql::walk::{self, ready, Nested, Walk, Walked};
use crate::store::rows::*;
use async_graphql::connection::{
    Connection, DefaultConnectionName, DefaultEdgeName, DisableNodesField, Edge, EmptyFields,
};
use async_graphql::{ComplexObject, Context, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use std::sync::Arc;

fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}

/// What the orders page read with its orders (none outside that query).
fn prefetched<'a>(ctx: &Context<'a>) -> Option<&'a crate::graphql::loaders::Prefetched> {
    ctx.data_opt::<crate::graphql::loaders::Prefetched>()
}

fn load_err(e: Arc<crate::Error>) -> async_graphql::Error {
    use async_graphql::ErrorExtensions;
    e.extend()
}

pub struct Source(pub SourceRow);

#[Object]
impl Source {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The source's platform settings as last set (page sizes, pace, field names…; each client
    /// lists its keys). Never credentials: those are write-only.
    async fn settings(&self) -> async_graphql::Json<serde_json::Value> {
        async_graphql::Json(self.0.settings.clone())
    }
    async fn platform(&self) -> async_graphql::Result<PlatformGql> {
        let p: Platform = self
            .0
            .platform
            .parse()
            .map_err(|_| crate::Error::Internal(format!("unknown platform {}", self.0.platform)))
            .gql()?;
        Ok(p.into())
    }
    async fn enabled(&self) -> bool {
        self.0.enabled
    }
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    async fn language(&self) -> Option<&str> {
        self.0.language.as_deref()
    }
    /// The URL orderhub talks to: the override, else the platform's production URL.
    async fn base_url(&self) -> Option<String> {
        self.0.base_url.clone().or_else(|| {
            self.0
                .platform
                .parse::<Platform>()
                .ok()
                .and_then(|p| crate::platforms::descriptor(p).production_base_url())
                .map(str::to_string)
        })
    }
    /// The platform rejected the stored credentials; polling pauses until they are replaced (SRC-6).
    async fn needs_reauth(&self) -> bool {
        self.0.needs_reauth
    }
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    async fn last_sync_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_sync_at
    }
    async fn send_tracking(&self) -> bool {
        self.0.send_tracking
    }
    async fn tracking_status_ids(&self) -> Vec<ID> {
        self.0
            .tracking_status_ids
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_i64())
                    .map(|i| ID(i.to_string()))
                    .collect()
            })
            .unwrap_or_default()
    }
    async fn store_commission(&self) -> bool {
        self.0.store_commission
    }
    async fn expense_type(&self) -> &str {
        &self.0.expense_type
    }
    async fn identify_products_by(&self) -> ProductIdentity {
        ProductIdentity::parse(&self.0.identify_products_by)
    }
    async fn status_rules_enabled(&self) -> bool {
        self.0.status_rules_enabled
    }
    async fn default_status(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Status>> {
        match self.0.default_status_id {
            Some(id) => Ok(loaders(ctx)
                .load_one(StatusKey(id))
                .await
                .map_err(load_err)?
                .map(Status)),
            None => Ok(None),
        }
    }
    /// New orders are assigned to these users in turn (SRC-4).
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::SHORT_LIST_ESTIMATE, child_complexity)"
    )]
    async fn managers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<User>> {
        let ids = state(ctx)
            .store
            .source_manager_ids(SourceId(self.0.id))
            .await
            .gql()?;
        let keys: Vec<UserKey> = ids.iter().map(|u| UserKey(u.0)).collect();
        let mut found = loaders(ctx).load_many(keys).await.map_err(load_err)?;
        Ok(ids
            .iter()
            .filter_map(|u| found.remove(&UserKey(u.0)))
            .map(User)
            .collect())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// What happened to the source: skipped orders (IMP-6), webhook subscriptions, newest
    /// first. A Relay connection both ways: `first` (50 when neither is given) with `after`, or
    /// `last` with `before`, at most 500; cursors are opaque and belong to this list only.
    #[graphql(
        complexity = "crate::graphql::limits::optional_page_cost(first.or(last), crate::graphql::limits::SOURCE_EVENTS_PAGE, crate::graphql::limits::MAX_SOURCE_EVENTS, child_complexity)"
    )]
    async fn events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<SourceEventConnection> {
        use crate::graphql::limits::{MAX_SOURCE_EVENTS, SOURCE_EVENTS_PAGE};
        let page = keyset_page::<SourceEventCursor>(
            first,
            after.as_deref(),
            last,
            before.as_deref(),
            SOURCE_EVENTS_PAGE,
            MAX_SOURCE_EVENTS,
        )?;
        // the feeds of all the sources of a request are read together
        let key = crate::graphql::loaders::SourceEventsPage {
            source: self.0.id,
            page,
        };
        let read = loaders(ctx)
            .load_one(key)
            .await
            .map_err(load_err)?
            .unwrap_or_default();
        Ok(keyset_connection(read, EmptyFields, |e| {
            (
                SourceEventCursor(e.id),
                SourceEvent {
                    kind: e.kind,
                    message: e.message,
                    created_at: e.created_at,
                },
            )
        }))
    }

    /// The source's sync runs, newest first. A Relay connection both ways: `first` (20 when
    /// neither is given) with `after`, or `last` with `before`, at most 200; cursors are opaque
    /// and belong to this list only (the same as `Query.syncRuns`).
    #[graphql(
        complexity = "crate::graphql::limits::optional_page_cost(first.or(last), crate::graphql::limits::SYNC_RUNS_PAGE, crate::graphql::limits::MAX_SYNC_RUNS, child_complexity)"
    )]
    async fn sync_runs(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<SyncRunConnection> {
        use crate::graphql::limits::{MAX_SYNC_RUNS, SYNC_RUNS_PAGE};
        let page = keyset_page::<SyncRunCursor>(
            first,
            after.as_deref(),
            last,
            before.as_deref(),
            SYNC_RUNS_PAGE,
            MAX_SYNC_RUNS,
        )?;
        sync_run_connection(ctx, SourceId(self.0.id), page).await
    }
}

pub struct Status(pub StatusRow);

#[Object]
impl Status {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn group(&self) -> async_graphql::Result<StatusGroupGql> {
        let g: StatusGroup = self
            .0
            .status_group
            .parse()
            .map_err(crate::Error::Internal)
            .gql()?;
        Ok(g.into())
    }
    async fn position(&self) -> i32 {
        self.0.position
    }
    /// Seeded defaults carry a stable key (e.g. `repeat_order`); user-made statuses have none.
    async fn system_key(&self) -> Option<&str> {
        self.0.system_key.as_deref()
    }
}

pub struct Order(pub OrderRow);

#[Object]
impl Order {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }
    async fn number(&self) -> &str {
        &self.0.number
    }
    /// Where the order came from; null for an order created here.
    async fn source(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Source>> {
        if let Some(s) = self.0.source_id.and_then(|id| prefetched(ctx)?.source(id)) {
            return Ok(Some(Source(s)));
        }
        match self.0.source_id {
            Some(id) => Ok(loaders(ctx)
                .load_one(SourceKey(id))
                .await
                .map_err(load_err)?
                .map(Source)),
            None => Ok(None),
        }
    }
    async fn status(&self, ctx: &Context<'_>) -> async_graphql::Result<Status> {
        if let Some(s) = prefetched(ctx).and_then(|p| p.status(self.0.status_id)) {
            return Ok(Status(s));
        }
        loaders(ctx)
            .load_one(StatusKey(self.0.status_id))
            .await
            .map_err(load_err)?
            .map(Status)
            .ok_or_else(|| crate::Error::Internal("order without status".into()))
            .gql()
    }
    /// The order's status on the platform, shown "in brackets" beside ours.
    async fn source_status(&self) -> Option<&str> {
        self.0.source_status.as_deref()
    }
    /// The platform's own name of `sourceStatus` (Rozetka "26" → "Опрацьовується менеджером"),
    /// in Ukrainian where its platform note gives one; null for a code the platform does not name.
    async fn source_status_label(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<String>> {
        let Some(code) = self.0.source_status.as_deref() else {
            return Ok(None);
        };
        let Some(source) = self.source(ctx).await? else {
            return Ok(None);
        };
        Ok(source
            .0
            .platform
            .parse::<Platform>()
            .ok()
            .and_then(|p| crate::platforms::source_status_label(p, code)))
    }
    async fn customer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Customer>> {
        match self.0.customer_id {
            Some(id) => {
                let key = CustomerKey::new(id, &principal(ctx)?.scope());
                if let Some(c) = prefetched(ctx).and_then(|p| p.customer(&key)) {
                    return Ok(Some(Customer(c)));
                }
                Ok(loaders(ctx)
                    .load_one(key)
                    .await
                    .map_err(load_err)?
                    .map(Customer))
            }
            None => Ok(None),
        }
    }
    async fn manager(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        match self.0.manager_id {
            Some(id) => Ok(loaders(ctx)
                .load_one(UserKey(id))
                .await
                .map_err(load_err)?
                .map(User)),
            None => Ok(None),
        }
    }
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::SHORT_LIST_ESTIMATE, child_complexity)"
    )]
    async fn items(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OrderItem>> {
        if let Some(rows) = prefetched(ctx).and_then(|p| p.items(self.0.id)) {
            return Ok(rows.into_iter().map(OrderItem).collect());
        }
        let rows = loaders(ctx)
            .load_one(ItemsOf(self.0.id))
            .await
            .map_err(load_err)?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(OrderItem)
            .collect())
    }
    /// Decimal string.
    async fn total(&self) -> String {
        format_amount(self.0.total)
    }
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// The order's currency differs from its source's (IMP-5); amounts are not converted.
    async fn currency_mismatch(&self) -> bool {
        self.0.currency_mismatch
    }
    async fn tracking_number(&self) -> Option<&str> {
        self.0.tracking_number.as_deref()
    }
    /// Marketplace commission as the platform reported it (decimal string).
    async fn commission(&self) -> Option<String> {
        self.0.commission.map(format_amount)
    }
    async fn written_off(&self) -> bool {
        self.0.written_off
    }
    async fn written_off_at(&self) -> Option<DateTime<Utc>> {
        self.0.written_off_at
    }
    async fn platform_created_at(&self) -> DateTime<Utc> {
        self.0.platform_created_at
    }
    async fn platform_updated_at(&self) -> Option<DateTime<Utc>> {
        self.0.platform_updated_at
    }
    async fn last_synced_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_synced_at
    }
    /// Why the last push to the platform failed, in the platform's words.
    async fn push_error(&self) -> Option<&str> {
        self.0.push_error.as_deref()
    }
    async fn delivery(&self) -> Option<async_graphql::Json<serde_json::Value>> {
        self.0.delivery.clone().map(async_graphql::Json)
    }
    /// The order's feed: imports, status changes, sync changes, comments (SYNC-5, DLV-1).
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::LIST_ESTIMATE, child_complexity)"
    )]
    async fn events(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OrderEvent>> {
        let rows = loaders(ctx)
            .load_one(EventsOf(self.0.id))
            .await
            .map_err(load_err)?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(OrderEvent)
            .collect())
    }
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::SHORT_LIST_ESTIMATE, child_complexity)"
    )]
    async fn expenses(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Expense>> {
        let rows = loaders(ctx)
            .load_one(ExpensesOf(self.0.id))
            .await
            .map_err(load_err)?;
        Ok(rows.unwrap_or_default().into_iter().map(Expense).collect())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

pub struct OrderItem(pub OrderItemRow);

#[Object]
impl OrderItem {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn sku(&self) -> Option<&str> {
        self.0.sku.as_deref()
    }
    async fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }
    /// Pieces (the unit is always "piece", PRD-2).
    async fn quantity(&self) -> i64 {
        self.0.quantity.trunc().try_into().unwrap_or(i64::MAX)
    }
    /// Unit price, decimal string.
    async fn price(&self) -> String {
        format_amount(self.0.price)
    }
    async fn upsell(&self) -> bool {
        self.0.upsell
    }
    /// Added on the platform after import, so it may be marked as upsell (SYNC-1).
    async fn upsell_capable(&self) -> bool {
        self.0.added_by_sync
    }
    /// Removed on the platform; kept here (SYNC-2).
    async fn removed_on_platform(&self) -> bool {
        self.0.removed_on_platform
    }
    async fn written_off(&self) -> bool {
        self.0.written_off
    }
    async fn product_id(&self) -> Option<ID> {
        self.0.product_id.map(|p| ID(p.to_string()))
    }
}

pub struct Customer(pub CustomerRow);

#[Object]
impl Customer {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn first_name(&self) -> Option<&str> {
        self.0.first_name.as_deref()
    }
    async fn last_name(&self) -> Option<&str> {
        self.0.last_name.as_deref()
    }
    /// E.164.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// One line, as the platform gives it.
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }
    /// The platform hides the buyer (CUS-3).
    async fn unspecified(&self) -> bool {
        self.0.unspecified
    }
    /// The customer's orders the caller may see (API-3), newest first. A Relay connection both
    /// ways: `first` (20 when neither is given) with `after`, or `last` with `before`, at most
    /// 200; cursors are opaque and belong to this list only. The pages of all the customers of a
    /// request are read together.
    #[graphql(
        complexity = "crate::graphql::limits::optional_page_cost(first.or(last), crate::graphql::limits::CUSTOMER_ORDERS_PAGE, crate::graphql::limits::MAX_CUSTOMER_ORDERS, child_complexity)"
    )]
    async fn orders(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CustomerOrderConnection> {
        use crate::graphql::limits::{CUSTOMER_ORDERS_PAGE, MAX_CUSTOMER_ORDERS};
        let scope = principal(ctx)?.scope();
        let page = keyset_page::<CustomerOrderCursor>(
            first,
            after.as_deref(),
            last,
            before.as_deref(),
            CUSTOMER_ORDERS_PAGE,
            MAX_CUSTOMER_ORDERS,
        )?;
        let seen = CustomerKey::new(self.0.id, &scope);
        let key = CustomerOrdersPage {
            customer: self.0.id,
            sources: seen.sources.clone(),
            page,
        };
        let read = loaders(ctx)
            .load_one(key)
            .await
            .map_err(load_err)?
            .unwrap_or_default();
        Ok(keyset_connection(
            read,
            CustomerOrderListFields(CustomerOrderCount(seen)),
            |o| (CustomerOrderCursor(o.id), Order(o)),
        ))
    }
}

/// Defines the cursor type of a keyset list (domain::paging): opaque text tagged with the list,
/// refused by other lists (issue 17).
macro_rules! keyset_cursor {
    ($(#[$m:meta])* $name:ident, $tag:literal, $refusal:literal) => {
        $(#[$m])*
        pub struct $name(pub i64);

        impl async_graphql::connection::CursorType for $name {
            type Error = &'static str;

            fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
                crate::domain::paging::decode_cursor($tag, s)
                    .map($name)
                    .ok_or($refusal)
            }

            fn encode_cursor(&self) -> String {
                crate::domain::paging::encode_cursor($tag, self.0)
            }
        }

        impl From<$name> for i64 {
            fn from(c: $name) -> i64 {
                c.0
            }
        }
    };
}
pub(crate) use keyset_cursor;

keyset_cursor!(
    /// A customer's place in the customer list.
    CustomerCursor,
    "customer",
    "not a cursor the customer list returned"
);

keyset_cursor!(
    /// A sync run's place in its source's sync history.
    SyncRunCursor,
    "sync_run",
    "not a cursor the sync run list returned"
);

keyset_cursor!(
    /// A webhook delivery's place in its source's deliveries.
    DeliveryCursor,
    "delivery",
    "not a cursor the webhook delivery list returned"
);

keyset_cursor!(
    /// A product's place in the catalogue: the product's id, the list running by its name and
    /// then its id (names never change, so the product stands where it stood).
    ProductCursor,
    "product",
    "not a cursor the product list returned"
);

keyset_cursor!(
    /// An order's place in a customer's orders.
    CustomerOrderCursor,
    "customer_order",
    "not a cursor a customer's order list returned"
);

keyset_cursor!(
    /// An event's place in its source's feed.
    SourceEventCursor,
    "source_event",
    "not a cursor the source event list returned"
);

/// async-graphql's Relay connection over a keyset list (edges and page info, no `nodes`), with
/// `A`'s fields beside them.
pub type KeysetConnection<
    C,
    N,
    A = EmptyFields,
    Name = DefaultConnectionName,
    EdgeName = DefaultEdgeName,
> = Connection<C, N, A, EmptyFields, Name, EdgeName, DisableNodesField>;

/// The connection of a page the store read (its rows, whether more follow, whether some
/// precede), each row made an edge by `edge`.
pub fn keyset_connection<R, C, N, A, Name, EdgeName>(
    (rows, has_next, has_previous): (Vec<R>, bool, bool),
    fields: A,
    mut edge: impl FnMut(R) -> (C, N),
) -> KeysetConnection<C, N, A, Name, EdgeName>
where
    C: async_graphql::connection::CursorType + Send + Sync,
    N: async_graphql::OutputType,
    A: async_graphql::ObjectType,
    Name: async_graphql::connection::ConnectionNameType,
    EdgeName: async_graphql::connection::EdgeNameType,
{
    let mut c = Connection::with_additional_fields(has_previous, has_next, fields);
    c.edges = rows
        .into_iter()
        .map(|row| {
            let (cursor, node) = edge(row);
            Edge::new(cursor, node)
        })
        .collect();
    c
}

/// A source's sync runs, newest first.
pub type SyncRunConnection = KeysetConnection<SyncRunCursor, SyncRun>;
/// A source's webhook deliveries, newest first (WH-4).
pub type WebhookDeliveryConnection = KeysetConnection<DeliveryCursor, WebhookDelivery>;
/// A source's feed, newest first.
pub type SourceEventConnection = KeysetConnection<SourceEventCursor, SourceEvent>;
/// The catalogue by name, then id.
pub type ProductConnection = KeysetConnection<ProductCursor, Product, ProductListFields>;

/// `CustomerOrderConnection` and `CustomerOrderEdge`: `OrderConnection` and `OrderEdge` are the
/// orders list's own.
pub struct CustomerOrderNames;

impl async_graphql::connection::ConnectionNameType for CustomerOrderNames {
    fn type_name<T: async_graphql::OutputType>() -> String {
        "CustomerOrderConnection".into()
    }
}

impl async_graphql::connection::EdgeNameType for CustomerOrderNames {
    fn type_name<T: async_graphql::OutputType>() -> String {
        "CustomerOrderEdge".into()
    }
}

/// A customer's orders, newest first.
pub type CustomerOrderConnection = KeysetConnection<
    CustomerOrderCursor,
    Order,
    CustomerOrderListFields,
    CustomerOrderNames,
    CustomerOrderNames,
>;

/// What a customer's order list shows beside its edges and page info.
pub struct CustomerOrderListFields(CustomerOrderCount);

#[Object]
impl CustomerOrderListFields {
    /// All the customer's orders the caller may see, whatever the cursor; counted only when
    /// asked for, for all the customers of a request at once.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        let n = loaders(ctx)
            .load_one(self.0.clone())
            .await
            .map_err(load_err)?
            .unwrap_or_default();
        Ok(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

/// The sync runs of source `id` on `page`.
pub async fn sync_run_connection(
    ctx: &Context<'_>,
    id: SourceId,
    page: crate::domain::paging::KeysetPage,
) -> async_graphql::Result<SyncRunConnection> {
    // the runs of all the sources of a request are read together (the console's health view
    // asks for each source's last run)
    let key = crate::graphql::loaders::SourceSyncRunsPage { source: id.0, page };
    let read = loaders(ctx)
        .load_one(key)
        .await
        .map_err(load_err)?
        .unwrap_or_default();
    Ok(keyset_connection(read, EmptyFields, |r| {
        (SyncRunCursor(r.id), SyncRun(r))
    }))
}

/// What the product list shows beside its edges and page info.
pub struct ProductListFields {
    pub search: Option<String>,
}

#[Object]
impl ProductListFields {
    /// All products matching the search, whatever the cursor; counted only when asked for.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        let n = state(ctx)
            .store
            .products_count(self.search.as_deref())
            .await
            .gql()?;
        Ok(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

/// What the customer list shows beside its edges and page info.
pub struct CustomerListFields {
    scope: SourceScope,
    search: Option<String>,
}

#[Object]
impl CustomerListFields {
    /// All customers matching the search, whatever the cursor; counted only when asked for.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        Ok(state(ctx)
            .store
            .customers_count(&self.scope, self.search.as_deref())
            .await
            .gql()? as i64)
    }
}

/// A page of customers, newest first (async-graphql's Relay connection).
pub type CustomerConnection = KeysetConnection<CustomerCursor, Customer, CustomerListFields>;

/// The page of customers the store read, with what lies beyond it either way.
pub fn customer_connection(
    rows: Vec<CustomerRow>,
    has_next: bool,
    has_previous: bool,
    scope: SourceScope,
    search: Option<String>,
) -> CustomerConnection {
    keyset_connection(
        (rows, has_next, has_previous),
        CustomerListFields { scope, search },
        |row| (CustomerCursor(row.id), Customer(row)),
    )
}

/// One field an order event changed (SYNC-5). `field` names the field of `Order` or
/// `OrderItem` it changed: `sourceStatus`, `status` (our status's name), `trackingNumber`,
/// `customer` (`name, phone, e-mail`; `customer.firstName`… for a correction made here),
/// `delivery` (the delivery comment), `total`, and of a line (`itemId`) `quantity`, `price`,
/// `name`, `sku`, `removedOnPlatform`, or `items` for a line added (`before` null) or removed
/// (`after` null), written `2 × name`. Values are as the API shows them (amounts as decimal
/// strings); null where there was none.
#[derive(SimpleObject)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
    /// The order line (`OrderItem.id`) the change concerns; null for the order's own fields.
    pub item_id: Option<ID>,
}

pub struct OrderEvent(pub OrderEventRow);

#[Object]
impl OrderEvent {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    async fn message(&self) -> &str {
        &self.0.message
    }
    async fn data(&self) -> Option<async_graphql::Json<serde_json::Value>> {
        self.0.data.clone().map(async_graphql::Json)
    }
    /// What the event changed, field by field: every change a sync (poll, webhook delivery,
    /// re-sync) applied (SYNC-5) and every edit made here; empty for events that change no
    /// field (imports, comments, pushes).
    async fn changes(&self) -> Vec<FieldChange> {
        crate::domain::changes::changes_in(self.0.data.as_ref())
            .into_iter()
            .map(|c| FieldChange {
                field: c.field,
                before: c.before,
                after: c.after,
                item_id: c.item_id.map(|i| ID(i.to_string())),
            })
            .collect()
    }
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        match self.0.user_id {
            Some(id) => Ok(loaders(ctx)
                .load_one(UserKey(id))
                .await
                .map_err(load_err)?
                .map(User)),
            None => Ok(None),
        }
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The sync run (backfill, poll or manual sync) that brought this change (SYNC-5); null when
    /// a person, a webhook delivery or orderhub itself made it.
    async fn sync_run(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<SyncRun>> {
        match self.0.sync_run_id {
            Some(id) => Ok(loaders(ctx)
                .load_one(SyncRunKey(id))
                .await
                .map_err(load_err)?
                .map(SyncRun)),
            None => Ok(None),
        }
    }
    /// The webhook delivery that brought this change (SYNC-5); null otherwise, or when the
    /// delivery was purged (settled deliveries are kept 30 days).
    async fn webhook_delivery(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<WebhookDelivery>> {
        match self.0.webhook_delivery_id {
            Some(id) => Ok(loaders(ctx)
                .load_one(DeliveryKey(id))
                .await
                .map_err(load_err)?
                .map(WebhookDelivery)),
            None => Ok(None),
        }
    }
    /// The order the event belongs to (for a live event, its state now).
    async fn order(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Order>> {
        Ok(loaders(ctx)
            .load_one(OrderKey(self.0.order_id))
            .await
            .map_err(load_err)?
            .map(Order))
    }
}

pub struct Expense(pub ExpenseRow);

#[Object]
impl Expense {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Decimal string.
    async fn amount(&self) -> String {
        format_amount(self.0.amount)
    }
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    async fn expense_type(&self) -> &str {
        &self.0.expense_type
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn source(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Source>> {
        Ok(loaders(ctx)
            .load_one(SourceKey(self.0.source_id))
            .await
            .map_err(load_err)?
            .map(Source))
    }
    async fn order(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Order>> {
        Ok(loaders(ctx)
            .load_one(OrderKey(self.0.order_id))
            .await
            .map_err(load_err)?
            .map(Order))
    }
}

/// One group of `commissionExpenses` (EXP-2); currencies are never summed together.
#[derive(SimpleObject)]
pub struct ExpenseTotal {
    pub key: String,
    /// Decimal string.
    pub amount: String,
    pub currency: String,
    pub count: i64,
}

pub struct User(pub UserRow);

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn admin(&self) -> bool {
        self.0.admin
    }
    /// When this user's current token was made; null while they have none. Shown to the user
    /// and to admins only.
    async fn token_created_at(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<DateTime<Utc>>> {
        Ok(self
            .token_times_visible(ctx)?
            .then_some(self.0.token_created_at)
            .flatten())
    }
    /// When this user's current token last opened a request, to the minute (null: not since it
    /// was made). Shown to the user and to admins only.
    async fn token_last_used_at(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<DateTime<Utc>>> {
        Ok(self
            .token_times_visible(ctx)?
            .then_some(self.0.token_last_used_at)
            .flatten())
    }
    /// Sources this user may see: all of them for an admin, the granted ones otherwise (API-3).
    /// Only sources the asking user may see are listed.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::LIST_ESTIMATE, child_complexity)"
    )]
    async fn sources(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Source>> {
        let viewer = principal(ctx)?.scope();
        let store = &state(ctx).store;
        let rows = if self.0.admin {
            store.sources(&viewer).await.gql()?
        } else {
            let granted = loaders(ctx)
                .load_one(GrantsOf(self.0.id))
                .await
                .map_err(load_err)?;
            let ids: Vec<SourceId> = granted
                .unwrap_or_default()
                .into_iter()
                .map(SourceId)
                .filter(|s| viewer.allows(*s))
                .collect();
            store.sources(&SourceScope::Only(ids)).await.gql()?
        };
        Ok(rows.into_iter().map(Source).collect())
    }
}

impl User {
    fn token_times_visible(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let viewer = principal(ctx)?;
        Ok(viewer.admin || viewer.user_id.0 == self.0.id)
    }
}

#[derive(SimpleObject)]
pub struct CreatedUser {
    pub user: User,
    /// The bearer token, shown this once; only its hash is stored.
    pub token: String,
}

/// Relay's page info, as async-graphql's connections show it (issue 17).
pub use async_graphql::connection::PageInfo;

#[derive(SimpleObject)]
pub struct OrderEdge {
    pub cursor: String,
    pub node: Order,
}

impl Walk for OrderEdge {
    fn nested(&self, ctx: &Context<'_>) -> Nested {
        match ctx.item.node.name.node.as_str() {
            "node" => Nested::Walked(walk::optional(ctx, Some(&self.node))),
            _ => Nested::Leaf,
        }
    }
}

/// The relations of the orders page were read with it: the walk resolves them in place.
impl Walk for Order {
    fn nested(&self, ctx: &Context<'_>) -> Nested {
        Nested::Walked(match ctx.item.node.name.node.as_str() {
            "customer" => ready!(self.customer(ctx))
                .and_then(Result::ok)
                .and_then(|c| walk::optional(ctx, c.as_ref())),
            "source" => ready!(self.source(ctx))
                .and_then(Result::ok)
                .and_then(|s| walk::optional(ctx, s.as_ref())),
            "status" => ready!(self.status(ctx))
                .and_then(Result::ok)
                .and_then(|s| walk::optional(ctx, Some(&s))),
            "items" => ready!(self.items(ctx))
                .and_then(Result::ok)
                .and_then(|items| walk::list(ctx, items.iter())),
            _ => return Nested::Leaf,
        })
    }
}

impl Walk for Customer {}
impl Walk for Source {}
impl Walk for Status {}
impl Walk for OrderItem {}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct OrderConnection {
    // resolved in one pass over the selection when it can be (`graphql::walk`, issue 20)
    pub edges: Walked<OrderEdge>,
    pub page_info: PageInfo,
    #[graphql(skip)]
    pub scope: SourceScope,
    #[graphql(skip)]
    pub filter: DomainFilter,
    /// Counted with the page when `totalCount` was selected.
    #[graphql(skip)]
    pub total: Option<u64>,
}

#[ComplexObject]
impl OrderConnection {
    /// All orders matching the filter, whatever the cursor; counted only when asked for.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        let n = match self.total {
            Some(n) => n,
            None => state(ctx)
                .store
                .orders_count(&self.scope, &self.filter)
                .await
                .gql()?,
        };
        Ok(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl OrderConnection {
    pub fn new(
        page: crate::store::orders::OrderPage,
        scope: SourceScope,
        filter: DomainFilter,
        sort: crate::domain::orders::OrderSort,
    ) -> Self {
        let edges: Vec<OrderEdge> = page
            .rows
            .into_iter()
            .map(|o| OrderEdge {
                cursor: OrderCursor::of(
                    sort,
                    o.id,
                    o.platform_created_at,
                    o.updated_at,
                    o.total,
                    &o.number,
                )
                .encode(sort),
                node: Order(o),
            })
            .collect();
        let page_info = PageInfo {
            has_previous_page: page.has_previous,
            has_next_page: page.has_next,
            start_cursor: edges.first().map(|e| e.cursor.clone()),
            end_cursor: edges.last().map(|e| e.cursor.clone()),
        };
        OrderConnection {
            edges: Walked(edges),
            page_info,
            scope,
            filter,
            total: page.total,
        }
    }
}

/// One sync of a source: backfill, scheduled poll or manual sync, with what it did (SYNC-5).
pub struct SyncRun(pub SyncRunRow);

#[Object]
impl SyncRun {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// `backfill`, `poll`, `manual_source` or `manual_order`.
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    /// `running`, `succeeded` or `failed`.
    async fn state(&self) -> &str {
        &self.0.state
    }
    async fn started_at(&self) -> DateTime<Utc> {
        self.0.started_at
    }
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.finished_at
    }
    async fn orders_seen(&self) -> i32 {
        self.0.orders_seen
    }
    async fn orders_created(&self) -> i32 {
        self.0.orders_created
    }
    async fn orders_updated(&self) -> i32 {
        self.0.orders_updated
    }
    async fn orders_skipped(&self) -> i32 {
        self.0.orders_skipped
    }
    async fn error_count(&self) -> i32 {
        self.0.error_count
    }
    /// The platform's answer when the run failed.
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    async fn source(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Source>> {
        Ok(loaders(ctx)
            .load_one(SourceKey(self.0.source_id))
            .await
            .map_err(load_err)?
            .map(Source))
    }
}

/// One webhook delivery as received, and what became of it (WH-2..4).
pub struct WebhookDelivery(pub crate::store::inbox::DeliveryRow);

#[Object]
impl WebhookDelivery {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn topic(&self) -> Option<&str> {
        self.0.topic.as_deref()
    }
    /// `pending`, `done`, `skipped`, `ignored`, `failed` (retried), or `parked` (replay it).
    async fn state(&self) -> &str {
        &self.0.state
    }
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// Why it failed, or why it was skipped or ignored.
    async fn error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    async fn external_order_id(&self) -> Option<&str> {
        self.0.external_order_id.as_deref()
    }
    async fn received_at(&self) -> DateTime<Utc> {
        self.0.received_at
    }
    async fn processed_at(&self) -> Option<DateTime<Utc>> {
        self.0.processed_at
    }
    /// The raw body as received (UTF-8, lossy), read only when asked for; a body may be 2 MiB,
    /// so it costs 2000 (ask for bodies in pages of at most 20).
    #[graphql(complexity = "crate::graphql::limits::BODY_COST")]
    async fn body(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let body = loaders(ctx)
            .load_one(BodyOf(self.0.id))
            .await
            .map_err(load_err)?
            .unwrap_or_default();
        Ok(String::from_utf8_lossy(&body).into_owned())
    }
}

/// Something that happened to a source.
#[derive(SimpleObject)]
pub struct SourceEvent {
    pub kind: String,
    pub message: String,
    pub created_at: DateTime<Utc>,
}

/// A product of the catalogue (PRD-1/2).
#[derive(SimpleObject)]
pub struct Product {
    pub id: ID,
    pub name: String,
    pub sku: Option<String>,
    pub code: Option<String>,
    pub unit: String,
    /// Category path from the most general to the deepest.
    pub category: Vec<String>,
    pub stock_quantity: i64,
    /// Pieces written off that the stock did not have, since the stock was last set (a write-off
    /// stops the stock at 0; `setProductStock` settles it). 0 when none.
    pub stock_shortage: i64,
}

impl Product {
    pub fn from_row(p: ProductRow, category: Vec<String>) -> Self {
        Product {
            id: ID(p.id.to_string()),
            name: p.name,
            sku: p.sku,
            code: p.code,
            unit: p.unit,
            category,
            stock_quantity: p.stock_quantity,
            stock_shortage: p.stock_shortage,
        }
    }
}
