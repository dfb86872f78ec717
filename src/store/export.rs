//! The orders of a selection read page by page for the CSV export (`GET /export/orders.csv`):
//! the same WHERE clause as `orders(filter:)` (API-2) and the caller's scope (API-3), in the
//! list's order, each page with what its rows show (lines, buyer as the caller sees them, source,
//! status, manager) in a handful of statements, so an export of any size holds one page at a time.

use super::orders::{order_condition, page_after};
use super::{rows::*, Store};
use crate::domain::auth::SourceScope;
use crate::domain::orders::{OrderCursor, OrderFilter, OrderSort, SortKey};
use crate::error::Result;
use entity::{customer, order, order_item, source, status, user};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

/// One order with what an export row shows of it.
#[derive(Clone, Debug)]
pub struct ExportOrder {
    pub order: OrderRow,
    /// Oldest first.
    pub items: Vec<OrderItemRow>,
    pub customer: Option<CustomerRow>,
    pub source: Option<SourceRow>,
    pub status: Option<StatusRow>,
    pub manager: Option<String>,
}

impl Store {
    /// The next `limit` orders of the selection after `after` (newest first, as the list), and
    /// the cursor after the last of them (`None`: the selection is done).
    pub async fn export_page(
        &self,
        scope: &SourceScope,
        filter: &OrderFilter,
        after: Option<OrderCursor>,
        limit: u64,
    ) -> Result<(Vec<ExportOrder>, Option<OrderCursor>)> {
        let Some(mut cond) = order_condition(scope, filter) else {
            return Ok((vec![], None));
        };
        if let Some(c) = &after {
            cond = cond.add(page_after(c, OrderSort::default()));
        }
        let orders = order::Entity::find()
            .filter(cond)
            .order_by_desc(order::Column::PlatformCreatedAt)
            .order_by_desc(order::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        if orders.is_empty() {
            return Ok((vec![], None));
        }
        let next = (orders.len() as u64 == limit)
            .then(|| orders.last())
            .flatten()
            .map(|o| OrderCursor {
                key: SortKey::At(o.platform_created_at),
                id: o.id,
            });
        let ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
        let mut items: HashMap<i64, Vec<OrderItemRow>> = HashMap::new();
        for i in order_item::Entity::find()
            .filter(order_item::Column::OrderId.is_in(ids))
            .order_by_asc(order_item::Column::Id)
            .all(&self.db)
            .await?
        {
            items.entry(i.order_id).or_default().push(i);
        }
        let customer_ids: Vec<i64> = unique(orders.iter().filter_map(|o| o.customer_id));
        let customers: HashMap<i64, CustomerRow> = if customer_ids.is_empty() {
            HashMap::new()
        } else {
            let rows = customer::Entity::find()
                .filter(customer::Column::Id.is_in(customer_ids))
                .all(&self.db)
                .await?;
            // API-3: a user of some sources reads each buyer as those sources showed them
            self.customers_as_seen(scope, rows)
                .await?
                .into_iter()
                .map(|c| (c.id, c))
                .collect()
        };
        let source_ids = unique(orders.iter().filter_map(|o| o.source_id));
        let sources: HashMap<i64, SourceRow> = if source_ids.is_empty() {
            HashMap::new()
        } else {
            source::Entity::find()
                .filter(source::Column::Id.is_in(source_ids))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|s| (s.id, s))
                .collect()
        };
        let status_ids = unique(orders.iter().map(|o| o.status_id));
        let statuses: HashMap<i64, StatusRow> = status::Entity::find()
            .filter(status::Column::Id.is_in(status_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let manager_ids = unique(orders.iter().filter_map(|o| o.manager_id));
        let managers: HashMap<i64, String> = if manager_ids.is_empty() {
            HashMap::new()
        } else {
            user::Entity::find()
                .filter(user::Column::Id.is_in(manager_ids))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|u| (u.id, u.name))
                .collect()
        };
        let rows = orders
            .into_iter()
            .map(|o| ExportOrder {
                items: items.remove(&o.id).unwrap_or_default(),
                customer: o.customer_id.and_then(|c| customers.get(&c).cloned()),
                source: o.source_id.and_then(|s| sources.get(&s).cloned()),
                status: statuses.get(&o.status_id).cloned(),
                manager: o.manager_id.and_then(|m| managers.get(&m).cloned()),
                order: o,
            })
            .collect();
        Ok((rows, next))
    }
}

fn unique(ids: impl Iterator<Item = i64>) -> Vec<i64> {
    let mut v: Vec<i64> = ids.collect();
    v.sort_unstable();
    v.dedup();
    v
}
