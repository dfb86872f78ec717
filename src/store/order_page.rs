//! The orders page with what each order shows beside it (customer, items, source, status) in one
//! statement (issue 20): the page is chosen in a subquery (filter, API-3 scope, cursor, limit) and
//! joined to its relations, one row per item; the rows are read back with the entities' own column
//! decoding, under a prefix per table. A user who sees only some sources reads the customers through
//! their sources' contacts: one statement more (`Store::customers_as_seen`).

use super::orders::{order_condition, page_after, OrderPage};
use super::{rows::*, Store};
use crate::domain::auth::SourceScope;
use crate::domain::orders::{OrderCursor, OrderFilter};
use crate::error::Result;
use entity::{customer, order, order_item, source, status};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order as Direction, Query, SelectStatement};
use sea_orm::{
    ConnectionTrait, EntityName, EntityTrait, FromQueryResult, IdenStatic, Iterable, QueryFilter,
    QueryOrder, QueryResult, QuerySelect, QueryTrait,
};
use std::collections::HashMap;

/// What the page shows of each order besides the order itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PageParts {
    pub customer: bool,
    pub items: bool,
    pub source: bool,
    pub status: bool,
}

impl PageParts {
    pub fn any(&self) -> bool {
        self.customer || self.items || self.source || self.status
    }
}

/// The page's relations, read with it. `items` has an entry for every order of the page when
/// items were asked for (empty for an order without any).
#[derive(Debug, Default)]
pub struct PageRelations {
    pub customers: Vec<CustomerRow>,
    pub items: HashMap<i64, Vec<OrderItemRow>>,
    pub sources: Vec<SourceRow>,
    pub statuses: Vec<StatusRow>,
}

const PAGE: &str = "o";

/// Selects every column of `E` (from the table or alias `from`) as `{prefix}{column}`.
fn select_all<E: EntityTrait>(q: &mut SelectStatement, from: Alias, prefix: &str) {
    for c in E::Column::iter() {
        q.expr_as(
            Expr::col((from.clone(), Alias::new(c.as_str()))),
            Alias::new(format!("{prefix}{}", c.as_str())),
        );
    }
}

/// The row's `E` under `prefix`, or `None` when the left join found none (its id is null).
fn joined<M: FromQueryResult>(row: &QueryResult, prefix: &str) -> Result<Option<M>> {
    let id: Option<i64> = row.try_get("", &format!("{prefix}id"))?;
    match id {
        Some(_) => Ok(Some(M::from_query_result(row, prefix)?)),
        None => Ok(None),
    }
}

impl Store {
    /// `orders_page` with the relations `parts` names, in one statement (two for a user who sees
    /// only some sources and asks for customers).
    pub async fn orders_page_with(
        &self,
        scope: &SourceScope,
        filter: &OrderFilter,
        first: u64,
        after: Option<OrderCursor>,
        parts: PageParts,
    ) -> Result<(OrderPage, PageRelations)> {
        if !parts.any() {
            let page = self.orders_page(scope, filter, first, after).await?;
            return Ok((page, PageRelations::default()));
        }
        let Some(mut cond) = order_condition(scope, filter) else {
            return Ok((
                OrderPage {
                    rows: vec![],
                    has_next: false,
                },
                PageRelations::default(),
            ));
        };
        if let Some(c) = after {
            cond = cond.add(page_after(&c));
        }
        let page = order::Entity::find()
            .filter(cond)
            .order_by_desc(order::Column::PlatformCreatedAt)
            .order_by_desc(order::Column::Id)
            .limit(first.saturating_add(1))
            .into_query();
        let o = Alias::new(PAGE);
        let mut q = Query::select();
        q.from_subquery(page, o.clone());
        select_all::<order::Entity>(&mut q, o.clone(), "o_");
        let col = |table: &str, c: &str| Expr::col((Alias::new(table), Alias::new(c)));
        if parts.customer {
            q.left_join(
                customer::Entity,
                col(customer::Entity.table_name(), "id")
                    .equals((o.clone(), Alias::new("customer_id"))),
            );
            select_all::<customer::Entity>(&mut q, Alias::new(customer::Entity.table_name()), "c_");
        }
        if parts.source {
            q.left_join(
                source::Entity,
                col(source::Entity.table_name(), "id").equals((o.clone(), Alias::new("source_id"))),
            );
            select_all::<source::Entity>(&mut q, Alias::new(source::Entity.table_name()), "s_");
        }
        if parts.status {
            q.left_join(
                status::Entity,
                col(status::Entity.table_name(), "id").equals((o.clone(), Alias::new("status_id"))),
            );
            select_all::<status::Entity>(&mut q, Alias::new(status::Entity.table_name()), "t_");
        }
        if parts.items {
            q.left_join(
                order_item::Entity,
                col(order_item::Entity.table_name(), "order_id")
                    .equals((o.clone(), Alias::new("id"))),
            );
            select_all::<order_item::Entity>(
                &mut q,
                Alias::new(order_item::Entity.table_name()),
                "i_",
            );
        }
        q.order_by(
            (o.clone(), Alias::new("platform_created_at")),
            Direction::Desc,
        )
        .order_by((o.clone(), Alias::new("id")), Direction::Desc);
        if parts.items {
            q.order_by(
                (
                    Alias::new(order_item::Entity.table_name()),
                    Alias::new("id"),
                ),
                Direction::Asc,
            );
        }
        let rows = self.db.query_all(&q).await?;

        let mut orders: Vec<OrderRow> = vec![];
        let mut rel = PageRelations::default();
        let mut customers: HashMap<i64, CustomerRow> = HashMap::new();
        let mut sources: HashMap<i64, SourceRow> = HashMap::new();
        let mut statuses: HashMap<i64, StatusRow> = HashMap::new();
        for row in &rows {
            let id: i64 = row.try_get("", "o_id")?;
            if orders.last().is_none_or(|last| last.id != id) {
                orders.push(order::Model::from_query_result(row, "o_")?);
                if parts.items {
                    rel.items.entry(id).or_default();
                }
                if parts.customer {
                    if let Some(c) = joined::<CustomerRow>(row, "c_")? {
                        customers.entry(c.id).or_insert(c);
                    }
                }
                if parts.source {
                    if let Some(s) = joined::<SourceRow>(row, "s_")? {
                        sources.entry(s.id).or_insert(s);
                    }
                }
                if parts.status {
                    if let Some(s) = joined::<StatusRow>(row, "t_")? {
                        statuses.entry(s.id).or_insert(s);
                    }
                }
            }
            if parts.items {
                if let Some(item) = joined::<OrderItemRow>(row, "i_")? {
                    rel.items.entry(id).or_default().push(item);
                }
            }
        }
        let has_next = orders.len() as u64 > first;
        if has_next {
            if let Some(extra) = orders.pop() {
                rel.items.remove(&extra.id);
            }
        }
        rel.customers = self
            .customers_as_seen(scope, customers.into_values().collect())
            .await?;
        rel.sources = sources.into_values().collect();
        rel.statuses = statuses.into_values().collect();
        Ok((
            OrderPage {
                rows: orders,
                has_next,
            },
            rel,
        ))
    }
}
