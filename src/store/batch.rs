//! Batched reads behind the GraphQL DataLoaders: one statement per relation per request,
//! whatever the page size.

use super::{rows::*, Store};
use crate::error::Result;
use entity::{
    customer, expense, order, order_event, order_item, source, status, user, user_source,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
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

    /// Each customer's orders, newest first (the `Customer.orders` resolver keeps the ones the
    /// caller may see).
    pub async fn orders_by_customer_ids(&self, ids: &[i64]) -> Result<HashMap<i64, Vec<OrderRow>>> {
        let rows = order::Entity::find()
            .filter(order::Column::CustomerId.is_in(ids.iter().copied()))
            .order_by_desc(order::Column::PlatformCreatedAt)
            .order_by_desc(order::Column::Id)
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
