//! DataLoaders: every nested field of a list is fetched in one batched statement per relation.

use crate::error::Error;
use crate::store::rows::*;
use crate::store::Store;
use async_graphql::dataloader::{DataLoader, Loader};
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CustomerKey(pub i64);
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SourceKey(pub i64);
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusKey(pub i64);
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct OrderKey(pub i64);
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct UserKey(pub i64);
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ItemsOf(pub i64);
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventsOf(pub i64);
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExpensesOf(pub i64);
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct GrantsOf(pub i64);
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProductKey(pub i64);
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct OrdersOfCustomer(pub i64);

pub struct Db(Store);

pub type Loaders = DataLoader<Db>;

pub fn new_loaders(store: Store) -> Loaders {
    DataLoader::new(Db(store), tokio::spawn)
}

/// Wraps library errors so the loader can clone them to every waiting key.
pub type LoadError = Arc<Error>;

macro_rules! by_id {
    ($key:ident, $row:ty, $method:ident) => {
        impl Loader<$key> for Db {
            type Value = $row;
            type Error = LoadError;
            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, $row>, LoadError> {
                let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
                let rows = self.0.$method(&ids).await.map_err(Arc::new)?;
                Ok(rows.into_iter().map(|r| ($key(r.id), r)).collect())
            }
        }
    };
}

macro_rules! many_of {
    ($key:ty, $row:ty, $method:ident) => {
        impl Loader<$key> for Db {
            type Value = Vec<$row>;
            type Error = LoadError;
            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Vec<$row>>, LoadError> {
                let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
                let mut grouped = self.0.$method(&ids).await.map_err(Arc::new)?;
                // every key gets an answer, empty when nothing matched
                Ok(keys
                    .iter()
                    .map(|k| (*k, grouped.remove(&k.0).unwrap_or_default()))
                    .collect())
            }
        }
    };
}

by_id!(CustomerKey, CustomerRow, customers_by_ids);
by_id!(SourceKey, SourceRow, sources_by_ids);
by_id!(StatusKey, StatusRow, statuses_by_ids);
by_id!(OrderKey, OrderRow, orders_by_ids);
by_id!(UserKey, UserRow, users_by_ids);
many_of!(ItemsOf, OrderItemRow, items_by_order_ids);
many_of!(EventsOf, OrderEventRow, events_by_order_ids);
many_of!(ExpensesOf, ExpenseRow, expenses_by_order_ids);
many_of!(GrantsOf, i64, grants_by_user_ids);
many_of!(OrdersOfCustomer, OrderRow, orders_by_customer_ids);

impl Loader<ProductKey> for Db {
    type Value = (ProductRow, Vec<String>);
    type Error = LoadError;
    async fn load(
        &self,
        keys: &[ProductKey],
    ) -> Result<HashMap<ProductKey, (ProductRow, Vec<String>)>, LoadError> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let rows = self.0.products_by_ids(&ids).await.map_err(Arc::new)?;
        Ok(rows
            .into_iter()
            .map(|(p, path)| (ProductKey(p.id), (p, path)))
            .collect())
    }
}
