//! Writing an order's goods off stock (SYNC-3, STK-1) without ever taking a product's stock below
//! zero (`domain::stock`): pieces the stock did not have are recorded as the product's
//! `stock_shortage` and named in the order's `written_off` event (its message, and `stockShort`
//! in its data); the write-off itself goes through. The linked listings on every platform follow (STK-1), and a WooCommerce order whose
//! `completed` waited for its write-off is pushed (ST-7).

use super::orders::{insert_event, Actor, STOCK_DEBOUNCE};
use super::push::queue_status_push;
use super::{now, rows::*, Store};
use crate::domain::auth::SourceScope;
use crate::domain::orders::check_write_off;
use crate::domain::{OrderId, StatusGroup, StatusId};
use crate::error::{Error, Result};
use entity::{order, order_item, product};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use std::collections::BTreeMap;

/// A product a write-off found short.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shortage {
    pub product_id: i64,
    pub name: String,
    pub in_stock: i64,
    pub written_off: i64,
    pub short: i64,
}

impl Store {
    /// SYNC-3: deducts the order's goods from stock, once; afterwards platform edits no longer
    /// apply. A product's stock stops at zero, the pieces it lacked are its shortage (STK-1).
    pub async fn write_off_goods(
        &self,
        scope: &SourceScope,
        id: OrderId,
        actor: Actor,
    ) -> Result<(OrderRow, Vec<Shortage>)> {
        let order = self
            .order(scope, id)
            .await?
            .ok_or_else(|| Error::not_found("order"))?;
        let push = self.push_context(&order).await?;
        let txn = self.write_txn().await?;
        let items = order_item::Entity::find()
            .filter(order_item::Column::OrderId.eq(id.0))
            .order_by_asc(order_item::Column::Id)
            .all(&txn)
            .await?;
        check_write_off(order.written_off, items.len()).map_err(|m| Error::Conflict(m.into()))?;
        let t = now();
        // the guard on `written_off` makes two concurrent write-offs deduct stock once
        let claimed = order::Entity::update_many()
            .col_expr(order::Column::WrittenOff, Expr::value(true))
            .col_expr(order::Column::WrittenOffAt, Expr::value(t))
            .col_expr(order::Column::UpdatedAt, Expr::value(t))
            .filter(order::Column::Id.eq(id.0))
            .filter(order::Column::WrittenOff.eq(false))
            .exec(&txn)
            .await?;
        if claimed.rows_affected == 0 {
            return Err(Error::Conflict(
                "the order's goods are already written off".into(),
            ));
        }
        order_item::Entity::update_many()
            .col_expr(order_item::Column::WrittenOff, Expr::value(true))
            .filter(order_item::Column::OrderId.eq(id.0))
            .exec(&txn)
            .await?;
        // pieces per product (lines removed on the platform left with nothing, SYNC-2)
        let mut pieces: BTreeMap<i64, i64> = BTreeMap::new();
        for item in items.iter().filter(|i| !i.removed_on_platform) {
            if let Some(pid) = item.product_id {
                let qty: i64 = item.quantity.trunc().try_into().unwrap_or(0);
                let p = pieces.entry(pid).or_default();
                *p = p.saturating_add(qty);
            }
        }
        let mut q =
            product::Entity::find().filter(product::Column::Id.is_in(pieces.keys().copied()));
        if self.backend() == DbBackend::Postgres {
            q = q.lock_exclusive();
        }
        let products = if pieces.is_empty() {
            vec![]
        } else {
            q.all(&txn).await?
        };
        let mut shortages = vec![];
        for p in products {
            let wanted = pieces.get(&p.id).copied().unwrap_or(0);
            let (left, short) = crate::domain::stock::write_off(p.stock_quantity, wanted);
            if short > 0 {
                shortages.push(Shortage {
                    product_id: p.id,
                    name: p.name.clone(),
                    in_stock: p.stock_quantity.max(0),
                    written_off: wanted,
                    short,
                });
            }
            let shortage = p.stock_shortage.saturating_add(short);
            let mut am: product::ActiveModel = p.into();
            am.stock_quantity = Set(left);
            am.stock_shortage = Set(shortage);
            am.updated_at = Set(t);
            am.update(&txn).await?;
        }
        // the order's warning: in the write-off's own event, with the figures as its data
        let mut message = format!("{} items written off from stock", items.len());
        let mut data = None;
        if !shortages.is_empty() {
            let names: Vec<String> = shortages
                .iter()
                .map(|s| {
                    format!(
                        "«{}» had {}, {} written off: {} short",
                        s.name, s.in_stock, s.written_off, s.short
                    )
                })
                .collect();
            message.push_str(&format!(
                "; not enough in stock, the stock stays at 0: {} (set the stock when the goods \
                 are counted)",
                names.join("; ")
            ));
            data = Some(serde_json::json!({
                "stockShort": shortages
                    .iter()
                    .map(|s| serde_json::json!({
                        "productId": s.product_id,
                        "name": s.name,
                        "inStock": s.in_stock,
                        "writtenOff": s.written_off,
                        "short": s.short,
                    }))
                    .collect::<Vec<_>>()
            }));
        }
        insert_event(&txn, id, "written_off", message, data, actor).await?;
        let row = order::Entity::find_by_id(id.0)
            .one(&txn)
            .await?
            .ok_or_else(|| Error::not_found("order"))?;
        // STK-1: the stock shown on every marketplace follows
        let products: Vec<i64> = pieces.keys().copied().collect();
        let mut queued = self
            .queue_stock_pushes(&txn, &products, STOCK_DEBOUNCE)
            .await?
            > 0;
        // ST-7: a platform status that waits for the write-off (WooCommerce "completed") goes now
        if let Some(ctx) = push.as_ref().filter(|c| c.facts.after_write_off.is_some()) {
            let group = self
                .status(StatusId(row.status_id))
                .await?
                .and_then(|s| s.status_group.parse().ok());
            if let Some(group) = group.filter(|g: &StatusGroup| *g == StatusGroup::Completed) {
                queued |= queue_status_push(&txn, ctx, &row, group, None, actor).await?;
            }
        }
        txn.commit().await?;
        if queued {
            self.wake_outbox();
        }
        Ok((row, shortages))
    }
}
