//! Reads behind the live order-event feed (`Subscription.orderEvents`): the newest event id, and
//! the events written after a cursor, each with the source of its order. The feed reads the
//! shared database, so events written by any instance reach subscribers of every instance.

use super::{rows::*, Store};
use crate::error::Result;
use entity::{order, order_event};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

impl Store {
    /// The id of the newest order event (0 when there is none).
    pub async fn last_order_event_id(&self) -> Result<i64> {
        Ok(order_event::Entity::find()
            .select_only()
            .column(order_event::Column::Id)
            .order_by_desc(order_event::Column::Id)
            .limit(1)
            .into_tuple::<i64>()
            .one(&self.db)
            .await?
            .unwrap_or(0))
    }

    /// Up to `limit` events with an id above `after`, or one of `also` (ids skipped earlier that
    /// may have been committed since), in id order, each with its order's source id.
    pub async fn order_events_after(
        &self,
        after: i64,
        also: &[i64],
        limit: u64,
    ) -> Result<Vec<(OrderEventRow, i64)>> {
        let mut which = Condition::any().add(order_event::Column::Id.gt(after));
        if !also.is_empty() {
            which = which.add(order_event::Column::Id.is_in(also.iter().copied()));
        }
        let events = order_event::Entity::find()
            .filter(which)
            .order_by_asc(order_event::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        if events.is_empty() {
            return Ok(vec![]);
        }
        let mut order_ids: Vec<i64> = events.iter().map(|e| e.order_id).collect();
        order_ids.sort_unstable();
        order_ids.dedup();
        let source_of: HashMap<i64, i64> = order::Entity::find()
            .select_only()
            .column(order::Column::Id)
            .column(order::Column::SourceId)
            .filter(order::Column::Id.is_in(order_ids))
            .into_tuple::<(i64, i64)>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        Ok(events
            .into_iter()
            .filter_map(|e| source_of.get(&e.order_id).copied().map(|s| (e, s)))
            .collect())
    }
}
