//! Read side of the API. Every resolver starts from the caller's scope (API-3).

use super::guards::{admin, parse_id, principal, state, GqlResult};
use super::limits::{self, check_opt_len, MAX_CURSOR_LEN, MAX_SEARCH_LEN};
use super::types::*;
use crate::domain::money::format_amount;
use crate::domain::orders::OrderCursor;
use crate::domain::paging::KeysetPage;
use crate::domain::{OrderId, SourceId};
use crate::graphql::input_errors::DateTimeArg;
use crate::Error;
use async_graphql::connection::EmptyFields;
use async_graphql::{Context, ErrorExtensions, Object, ID};

#[derive(Default)]
pub struct Query;

#[Object]
impl Query {
    /// The user behind the bearer token.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<User> {
        let p = principal(ctx)?;
        state(ctx)
            .store
            .user(p.user_id)
            .await
            .gql()?
            .map(User)
            .ok_or_else(|| Error::Unauthenticated.extend())
    }

    /// All users (admins only).
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::LIST_ESTIMATE, child_complexity)"
    )]
    async fn users(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<User>> {
        admin(ctx)?;
        Ok(state(ctx)
            .store
            .users()
            .await
            .gql()?
            .into_iter()
            .map(User)
            .collect())
    }

    /// Sources the caller may see.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::LIST_ESTIMATE, child_complexity)"
    )]
    async fn sources(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Source>> {
        let scope = principal(ctx)?.scope();
        Ok(state(ctx)
            .store
            .sources(&scope)
            .await
            .gql()?
            .into_iter()
            .map(Source)
            .collect())
    }

    async fn source(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Source>> {
        let p = principal(ctx)?;
        let id: SourceId = parse_id("id", &id)?;
        if !p.can_see_source(id) {
            return Ok(None);
        }
        Ok(state(ctx).store.source_row(id).await.gql()?.map(Source))
    }

    /// Our statuses, in display order, each in one of the six groups.
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::LIST_ESTIMATE, child_complexity)"
    )]
    async fn statuses(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Status>> {
        principal(ctx)?;
        Ok(state(ctx)
            .store
            .statuses()
            .await
            .gql()?
            .into_iter()
            .map(Status)
            .collect())
    }

    /// Orders, newest first unless `orderBy` says otherwise, filtered and paged with cursors
    /// (API-2), a Relay connection both ways: `first` (50 when neither is given) with `after`,
    /// or `last` with `before`, at most 200; cursors (at most 200 characters) belong to the same
    /// `orderBy`.
    #[graphql(
        complexity = "crate::graphql::limits::optional_page_cost(first.or(last), crate::domain::orders::DEFAULT_PAGE_SIZE, crate::domain::orders::MAX_PAGE_SIZE, child_complexity)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn orders(
        &self,
        ctx: &Context<'_>,
        filter: Option<OrderFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        order_by: Option<OrderSort>,
    ) -> async_graphql::Result<OrderConnection> {
        let scope = principal(ctx)?.scope();
        let filter = filter.unwrap_or_default().into_domain()?;
        let sort: crate::domain::orders::OrderSort = order_by.map(Into::into).unwrap_or_default();
        let size = KeysetPage::new(
            first,
            last,
            None,
            None,
            crate::domain::orders::DEFAULT_PAGE_SIZE,
            crate::domain::orders::MAX_PAGE_SIZE,
        )
        .map_err(|e| Error::bad_input(e.field, e.message))
        .gql()?;
        let cursor = |name: &str, text: Option<String>| -> async_graphql::Result<_> {
            check_opt_len(name, text.as_deref(), MAX_CURSOR_LEN)?;
            text.map(|c| {
                OrderCursor::decode(&c, sort)
                    .ok_or_else(|| {
                        Error::bad_input(
                            name,
                            "not a cursor this API returned for the same orderBy",
                        )
                    })
                    .gql()
            })
            .transpose()
        };
        let window = crate::store::order_page::OrderWindow {
            size: size.size,
            backward: size.backward,
            after: cursor("after", after)?,
            before: cursor("before", before)?,
        };
        // the columns and relations the page shows are read with it, in one statement (issue 20)
        let look = ctx.look_ahead();
        let mut parts = crate::graphql::plan::orders_page(&look.field("edges").field("node"));
        // counted in the same statement when selected
        parts.total = look.field("totalCount").exists();
        let (page, relations) = state(ctx)
            .store
            .orders_page_with(&scope, &filter, window, sort, &parts)
            .await
            .gql()?;
        if let Some(p) = ctx.data_opt::<crate::graphql::loaders::Prefetched>() {
            p.fill(&scope, relations);
        }
        Ok(OrderConnection::new(page, scope, filter, sort))
    }

    /// Buyers of the orders the caller may see (CUS-1: one per phone, else e-mail), newest
    /// first; `search` (at most 200 characters) matches name, e-mail or phone in any form.
    /// A Relay connection both ways: `first` (50 when neither is given) with `after`, or `last`
    /// with `before`, at most 200; cursors are opaque and belong to this list only.
    #[graphql(
        complexity = "crate::graphql::limits::optional_page_cost(first.or(last), crate::domain::paging::DEFAULT_PAGE_SIZE, crate::domain::paging::MAX_PAGE_SIZE, child_complexity)"
    )]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CustomerConnection> {
        use crate::domain::paging::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
        let scope = principal(ctx)?.scope();
        check_opt_len("search", search.as_deref(), MAX_SEARCH_LEN)?;
        let page = keyset_page::<CustomerCursor>(
            first,
            after.as_deref(),
            last,
            before.as_deref(),
            DEFAULT_PAGE_SIZE,
            MAX_PAGE_SIZE,
        )?;
        let (rows, has_next, has_previous) = state(ctx)
            .store
            .customers_page(&scope, search.as_deref(), page)
            .await
            .gql()?;
        Ok(customer_connection(
            rows,
            has_next,
            has_previous,
            scope,
            search,
        ))
    }

    async fn customer(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Customer>> {
        let scope = principal(ctx)?.scope();
        let id: crate::domain::CustomerId = parse_id("id", &id)?;
        Ok(state(ctx)
            .store
            .customer(&scope, id.0)
            .await
            .gql()?
            .map(Customer))
    }

    /// One order; `null` when it does not exist or the caller may not see it (API-3: the two
    /// are not told apart). Mutations on such an order answer `NOT_FOUND`.
    async fn order(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Order>> {
        let scope = principal(ctx)?.scope();
        let id: OrderId = parse_id("id", &id)?;
        Ok(state(ctx).store.order(&scope, id).await.gql()?.map(Order))
    }

    /// Sync history of a source, newest first. A Relay connection both ways: `first` (20 when
    /// neither is given) with `after`, or `last` with `before`, at most 200; cursors are opaque
    /// and belong to this list only.
    #[graphql(
        complexity = "crate::graphql::limits::optional_page_cost(first.or(last), crate::graphql::limits::SYNC_RUNS_PAGE, crate::graphql::limits::MAX_SYNC_RUNS, child_complexity)"
    )]
    async fn sync_runs(
        &self,
        ctx: &Context<'_>,
        source_id: ID,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<SyncRunConnection> {
        let p = principal(ctx)?;
        let id: SourceId = parse_id("sourceId", &source_id)?;
        if !p.can_see_source(id) {
            return Err(Error::not_found("source").extend());
        }
        let page = keyset_page::<SyncRunCursor>(
            first,
            after.as_deref(),
            last,
            before.as_deref(),
            limits::SYNC_RUNS_PAGE,
            limits::MAX_SYNC_RUNS,
        )?;
        sync_run_connection(ctx, id, page).await
    }

    /// The product catalogue by name, then id (products are shared by all sources); `search`
    /// (at most 200 characters) finds a name or SKU and applies to every page. A Relay
    /// connection both ways: `first` (100 when neither is given) with `after`, or `last` with
    /// `before`, at most 500; cursors are opaque and belong to this list only.
    #[graphql(
        complexity = "crate::graphql::limits::optional_page_cost(first.or(last), crate::graphql::limits::PRODUCTS_PAGE, crate::graphql::limits::MAX_PRODUCTS, child_complexity)"
    )]
    async fn products(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<ProductConnection> {
        principal(ctx)?;
        check_opt_len("search", search.as_deref(), MAX_SEARCH_LEN)?;
        let page = keyset_page::<ProductCursor>(
            first,
            after.as_deref(),
            last,
            before.as_deref(),
            limits::PRODUCTS_PAGE,
            limits::MAX_PRODUCTS,
        )?;
        let read = state(ctx)
            .store
            .products_page(search.as_deref(), page)
            .await
            .gql()?;
        Ok(keyset_connection(
            read,
            ProductListFields { search },
            |(p, category)| (ProductCursor(p.id), Product::from_row(p, category)),
        ))
    }

    /// Webhook deliveries of a source, newest first (WH-4). A Relay connection both ways:
    /// `first` (50 when neither is given) with `after`, or `last` with `before`, at most 100;
    /// cursors are opaque and belong to this list only. A delivery's `body` is read only when
    /// asked for, and costs 2000 (see the README's API limits): ask for bodies in small pages.
    #[graphql(
        complexity = "crate::graphql::limits::optional_page_cost(first.or(last), crate::graphql::limits::DELIVERIES_PAGE, crate::graphql::limits::MAX_DELIVERIES, child_complexity)"
    )]
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        source_id: ID,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<WebhookDeliveryConnection> {
        let p = principal(ctx)?;
        let id: SourceId = parse_id("sourceId", &source_id)?;
        if !p.can_see_source(id) {
            return Err(Error::not_found("source").extend());
        }
        let page = keyset_page::<DeliveryCursor>(
            first,
            after.as_deref(),
            last,
            before.as_deref(),
            limits::DELIVERIES_PAGE,
            limits::MAX_DELIVERIES,
        )?;
        let read = state(ctx).store.delivery_page(id, page).await.gql()?;
        Ok(keyset_connection(read, EmptyFields, |d| {
            (DeliveryCursor(d.id), WebhookDelivery(d))
        }))
    }

    /// Commission expenses over `[from, to)`, grouped (EXP-2).
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::LIST_ESTIMATE, child_complexity)"
    )]
    async fn commission_expenses(
        &self,
        ctx: &Context<'_>,
        from: DateTimeArg,
        to: DateTimeArg,
        group_by: ExpenseGroupingGql,
    ) -> async_graphql::Result<Vec<ExpenseTotal>> {
        let scope = principal(ctx)?.scope();
        let (from, to) = (from.get("from")?, to.get("to")?);
        if to <= from {
            return Err(Error::bad_input("to", "must be after `from`").extend());
        }
        let totals = state(ctx)
            .store
            .expense_totals(&scope, from, to, group_by.into())
            .await
            .gql()?;
        Ok(totals
            .into_iter()
            .map(|r| ExpenseTotal {
                key: r.key,
                amount: format_amount(r.amount),
                currency: r.currency,
                count: r.count,
            })
            .collect())
    }
}

/// The page Relay's arguments ask for of the keyset list whose cursor type is `C`: `first` with
/// `after`, or `last` with `before`, `default` rows when neither size is given, at most `max`.
/// BAD_INPUT naming the argument for a cursor the list did not hand out, both sizes at once, or
/// a negative one.
pub(crate) fn keyset_page<C>(
    first: Option<i32>,
    after: Option<&str>,
    last: Option<i32>,
    before: Option<&str>,
    default: u64,
    max: u64,
) -> async_graphql::Result<KeysetPage>
where
    C: async_graphql::connection::CursorType<Error = &'static str> + Into<i64>,
{
    let after = keyset_cursor_arg::<C>("after", after)?;
    let before = keyset_cursor_arg::<C>("before", before)?;
    KeysetPage::new(first, last, after, before, default, max)
        .map_err(|e| Error::bad_input(e.field, e.message))
        .gql()
}

/// The row id in the cursor argument `field` (at most 200 characters) of the keyset list whose
/// cursor type is `C`; BAD_INPUT naming `field` for anything that list did not hand out (raw
/// ids and other lists' cursors too).
pub(crate) fn keyset_cursor_arg<C>(
    field: &str,
    cursor: Option<&str>,
) -> async_graphql::Result<Option<i64>>
where
    C: async_graphql::connection::CursorType<Error = &'static str> + Into<i64>,
{
    check_opt_len(field, cursor, MAX_CURSOR_LEN)?;
    cursor
        .map(|c| {
            C::decode_cursor(c)
                .map(Into::into)
                .map_err(|m| Error::bad_input(field, m).extend())
        })
        .transpose()
}
