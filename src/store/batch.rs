//! Batched reads behind the GraphQL DataLoaders: one statement per relation per request,
//! whatever the page size.

use super::{rows::*, Store};
use crate::domain::auth::SourceScope;
use crate::error::Result;
use entity::{
    customer, expense, order, order_event, order_item, source, status, user, user_source,
};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

fn group<K: std::hash::Hash + Eq, V>(rows: Vec<V>, key: impl Fn(&V) -> K) -> HashMap<K, Vec<V>> {
    let mut map: HashMap<K, Vec<V>> = HashMap::new();
    for r in rows {
        map.entry(key(&r)).or_default().push(r);
    }
    map
}

impl Store {
    pub async fn customers_by_ids(&self, ids: &[i64]) -> Result<Vec<CustomerRow>> {
        Ok(customer::Entity::find()
            .filter(customer::Column::Id.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?)
    }

    /// Including deleted sources: an order keeps showing where it came from (SRC-5).
    pub async fn sources_by_ids(&self, ids: &[i64]) -> Result<Vec<SourceRow>> {
        Ok(source::Entity::find()
            .filter(source::Column::Id.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?)
    }

    pub async fn statuses_by_ids(&self, ids: &[i64]) -> Result<Vec<StatusRow>> {
        Ok(status::Entity::find()
            .filter(status::Column::Id.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?)
    }

    pub async fn orders_by_ids(&self, ids: &[i64]) -> Result<Vec<OrderRow>> {
        Ok(order::Entity::find()
            .filter(order::Column::Id.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?)
    }

    pub async fn users_by_ids(&self, ids: &[i64]) -> Result<Vec<UserRow>> {
        Ok(user::Entity::find()
            .filter(user::Column::Id.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?)
    }

    /// One page of each customer's orders within the scope, newest first (`Customer.orders`):
    /// one statement for every customer of the request, each customer's orders numbered by a
    /// window and cut at `first`, so no customer's whole history is read. `after` is the id of
    /// the last order of the page before; the page continues below its (created-at, id).
    pub async fn orders_of_customers_page(
        &self,
        customer_ids: &[i64],
        scope: &SourceScope,
        first: u64,
        after: Option<i64>,
    ) -> Result<HashMap<i64, Vec<OrderRow>>> {
        use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Order, Query, WindowStatement};
        if first == 0 || customer_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let mut cond =
            Condition::all().add(order::Column::CustomerId.is_in(customer_ids.iter().copied()));
        if let SourceScope::Only(ids) = scope {
            if ids.is_empty() {
                return Ok(HashMap::new());
            }
            cond = cond.add(order::Column::SourceId.is_in(ids.iter().map(|s| s.0)));
        }
        if let Some(after) = after {
            let Some(last) = order::Entity::find_by_id(after).one(&self.db).await? else {
                return Ok(HashMap::new());
            };
            cond = cond.add(
                Condition::any()
                    .add(order::Column::PlatformCreatedAt.lt(last.platform_created_at))
                    .add(
                        Condition::all()
                            .add(order::Column::PlatformCreatedAt.eq(last.platform_created_at))
                            .add(order::Column::Id.lt(last.id)),
                    ),
            );
        }
        let mut window = WindowStatement::partition_by(order::Column::CustomerId);
        window
            .order_by(order::Column::PlatformCreatedAt, Order::Desc)
            .order_by(order::Column::Id, Order::Desc);
        let numbered = Query::select()
            .column(Asterisk)
            .expr_window_as(Expr::cust("ROW_NUMBER()"), window, Alias::new("rn"))
            .from(order::Entity)
            .cond_where(cond)
            .to_owned();
        let paged = Query::select()
            .column(Asterisk)
            .from_subquery(numbered, Alias::new("numbered"))
            .and_where(Expr::col(Alias::new("rn")).lte(first as i64))
            .order_by(Alias::new("rn"), Order::Asc)
            .to_owned();
        let stmt = self.db.get_database_backend().build(&paged);
        let rows = order::Entity::find()
            .from_raw_sql(stmt)
            .all(&self.db)
            .await?;
        Ok(group(rows, |o| o.customer_id.unwrap_or_default()))
    }

    pub async fn items_by_order_ids(&self, ids: &[i64]) -> Result<HashMap<i64, Vec<OrderItemRow>>> {
        let rows = order_item::Entity::find()
            .filter(order_item::Column::OrderId.is_in(ids.iter().copied()))
            .order_by_asc(order_item::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group(rows, |r| r.order_id))
    }

    pub async fn events_by_order_ids(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, Vec<OrderEventRow>>> {
        let rows = order_event::Entity::find()
            .filter(order_event::Column::OrderId.is_in(ids.iter().copied()))
            .order_by_asc(order_event::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group(rows, |r| r.order_id))
    }

    pub async fn expenses_by_order_ids(
        &self,
        ids: &[i64],
    ) -> Result<HashMap<i64, Vec<ExpenseRow>>> {
        let rows = expense::Entity::find()
            .filter(expense::Column::OrderId.is_in(ids.iter().copied()))
            .order_by_asc(expense::Column::Id)
            .all(&self.db)
            .await?;
        Ok(group(rows, |r| r.order_id))
    }

    pub async fn grants_by_user_ids(&self, ids: &[i64]) -> Result<HashMap<i64, Vec<i64>>> {
        let rows = user_source::Entity::find()
            .filter(user_source::Column::UserId.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?;
        let mut map: HashMap<i64, Vec<i64>> = HashMap::new();
        for r in rows {
            map.entry(r.user_id).or_default().push(r.source_id);
        }
        Ok(map)
    }
}

impl Store {
    /// The catalogue (PRD-1/2), by name, with each product's category path.
    pub async fn products(
        &self,
        search: Option<&str>,
        limit: u64,
    ) -> Result<Vec<(ProductRow, Vec<String>)>> {
        use entity::product;
        use sea_orm::QuerySelect;
        let mut q = product::Entity::find()
            .order_by_asc(product::Column::Name)
            .limit(limit);
        if let Some(s) = search.map(str::trim).filter(|s| !s.is_empty()) {
            q = q.filter(
                sea_orm::Condition::any()
                    .add(product::Column::Name.contains(s))
                    .add(product::Column::Sku.contains(s)),
            );
        }
        let rows = q.all(&self.db).await?;
        self.with_category_paths(rows).await
    }

    /// Products by id, with their category paths (the products loader).
    pub async fn products_by_ids(&self, ids: &[i64]) -> Result<Vec<(ProductRow, Vec<String>)>> {
        use entity::product;
        let rows = product::Entity::find()
            .filter(product::Column::Id.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?;
        self.with_category_paths(rows).await
    }

    async fn with_category_paths(
        &self,
        rows: Vec<ProductRow>,
    ) -> Result<Vec<(ProductRow, Vec<String>)>> {
        use entity::category;
        if rows.iter().all(|p| p.category_id.is_none()) {
            return Ok(rows.into_iter().map(|p| (p, vec![])).collect());
        }
        let categories: HashMap<i64, category::Model> = category::Entity::find()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        Ok(rows
            .into_iter()
            .map(|p| {
                let mut path = vec![];
                let mut next = p.category_id;
                while let Some(c) = next.and_then(|id| categories.get(&id)) {
                    path.insert(0, c.name.clone());
                    next = c.parent_id;
                    if path.len() > 20 {
                        break;
                    }
                }
                (p, path)
            })
            .collect())
    }
}

impl Store {
    /// A source's webhook deliveries, newest first, without their bodies or headers (WH-4):
    /// a body of up to 2 MiB is read only when `WebhookDelivery.body` asks for it
    /// ([`Store::delivery_bodies`]). `before` is the id of the last delivery of the page before.
    pub async fn delivery_list(
        &self,
        source_id: crate::domain::SourceId,
        limit: u64,
        before: Option<i64>,
    ) -> Result<Vec<super::inbox::DeliveryRow>> {
        use entity::webhook_delivery as wd;
        let mut cond = Condition::all().add(wd::Column::SourceId.eq(source_id.0));
        if let Some(before) = before {
            cond = cond.add(wd::Column::Id.lt(before));
        }
        self.deliveries_without_bodies(cond, Some(limit)).await
    }

    /// Webhook deliveries by id, without their bodies (SYNC-5: the delivery an order event names).
    pub async fn deliveries_by_ids(&self, ids: &[i64]) -> Result<Vec<super::inbox::DeliveryRow>> {
        use entity::webhook_delivery as wd;
        let cond = Condition::all().add(wd::Column::Id.is_in(ids.iter().copied()));
        self.deliveries_without_bodies(cond, None).await
    }

    /// Sync runs by id (SYNC-5: the poll an order event names).
    pub async fn sync_runs_by_ids(&self, ids: &[i64]) -> Result<Vec<SyncRunRow>> {
        Ok(entity::sync_run::Entity::find()
            .filter(entity::sync_run::Column::Id.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?)
    }

    /// Deliveries matching `cond`, newest first, their bodies and headers left empty.
    async fn deliveries_without_bodies(
        &self,
        cond: Condition,
        limit: Option<u64>,
    ) -> Result<Vec<super::inbox::DeliveryRow>> {
        use chrono::{DateTime, Utc};
        use entity::webhook_delivery as wd;
        use sea_orm::{FromQueryResult, QuerySelect};
        #[derive(FromQueryResult)]
        struct Listed {
            id: i64,
            source_id: i64,
            platform: String,
            topic: Option<String>,
            webhook_id: Option<String>,
            event_id: Option<String>,
            external_order_id: Option<String>,
            platform_updated_at: Option<DateTime<Utc>>,
            state: String,
            attempts: i32,
            last_error: Option<String>,
            next_attempt_at: Option<DateTime<Utc>>,
            received_at: DateTime<Utc>,
            processed_at: Option<DateTime<Utc>>,
        }
        let mut q = wd::Entity::find()
            .select_only()
            .columns([
                wd::Column::Id,
                wd::Column::SourceId,
                wd::Column::Platform,
                wd::Column::Topic,
                wd::Column::WebhookId,
                wd::Column::EventId,
                wd::Column::ExternalOrderId,
                wd::Column::PlatformUpdatedAt,
                wd::Column::State,
                wd::Column::Attempts,
                wd::Column::LastError,
                wd::Column::NextAttemptAt,
                wd::Column::ReceivedAt,
                wd::Column::ProcessedAt,
            ])
            .filter(cond)
            .order_by_desc(wd::Column::Id);
        if let Some(limit) = limit {
            q = q.limit(limit);
        }
        let rows = q.into_model::<Listed>().all(&self.db).await?;
        Ok(rows
            .into_iter()
            .map(|r| wd::Model {
                id: r.id,
                source_id: r.source_id,
                platform: r.platform,
                topic: r.topic,
                webhook_id: r.webhook_id,
                event_id: r.event_id,
                external_order_id: r.external_order_id,
                platform_updated_at: r.platform_updated_at,
                headers: serde_json::Value::Null,
                body: vec![],
                state: r.state,
                attempts: r.attempts,
                last_error: r.last_error,
                next_attempt_at: r.next_attempt_at,
                received_at: r.received_at,
                processed_at: r.processed_at,
            })
            .collect())
    }

    /// Raw bodies of webhook deliveries, by delivery id (the bodies loader).
    pub async fn delivery_bodies(&self, ids: &[i64]) -> Result<HashMap<i64, Vec<u8>>> {
        use entity::webhook_delivery as wd;
        use sea_orm::QuerySelect;
        let rows: Vec<(i64, Vec<u8>)> = wd::Entity::find()
            .select_only()
            .columns([wd::Column::Id, wd::Column::Body])
            .filter(wd::Column::Id.is_in(ids.iter().copied()))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().collect())
    }
}
