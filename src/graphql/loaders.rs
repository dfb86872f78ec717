//! DataLoaders: every nested field of a list is fetched in one batched statement per relation.

use crate::domain::auth::SourceScope;
use crate::domain::paging::KeysetPage;
use crate::domain::SourceId;
use crate::error::Error;
use crate::store::rows::*;
use crate::store::Store;
use async_graphql::dataloader::{DataLoader, Loader};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A customer as the caller sees them (API-3: through the granted sources' contacts).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CustomerKey {
    pub id: i64,
    /// The caller's sources; `None` for all of them.
    pub sources: Option<Vec<i64>>,
}

impl CustomerKey {
    pub fn new(id: i64, scope: &SourceScope) -> CustomerKey {
        CustomerKey {
            id,
            sources: match scope {
                SourceScope::All => None,
                SourceScope::Only(ids) => Some(ids.iter().map(|s| s.0).collect()),
            },
        }
    }
}
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
pub struct SyncRunKey(pub i64);
/// A webhook delivery without its body.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeliveryKey(pub i64);
/// One page of a customer's orders, as `Customer.orders` asks for it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CustomerOrdersPage {
    pub customer: i64,
    /// The caller's sources; `None` for all of them.
    pub sources: Option<Vec<i64>>,
    pub page: KeysetPage,
}
/// How many orders of a customer the caller may see (`CustomerOrderConnection.totalCount`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CustomerOrderCount(pub CustomerKey);
/// The raw body of a webhook delivery.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct BodyOf(pub i64);

/// Relations read together with the orders page (`Store::orders_page_with`), handed to the
/// page's nested fields so that they make no statement of their own. Request-scoped, like the
/// loaders; filled only by the `orders` query, so nothing a mutation changed is ever served from it.
#[derive(Default)]
pub struct Prefetched {
    customers: Mutex<HashMap<CustomerKey, CustomerRow>>,
    items: Mutex<HashMap<i64, Vec<OrderItemRow>>>,
    sources: Mutex<HashMap<i64, SourceRow>>,
    statuses: Mutex<HashMap<i64, StatusRow>>,
}

impl Prefetched {
    pub fn fill(&self, scope: &SourceScope, rel: crate::store::order_page::PageRelations) {
        if let Ok(mut m) = self.customers.lock() {
            m.extend(
                rel.customers
                    .into_iter()
                    .map(|c| (CustomerKey::new(c.id, scope), c)),
            );
        }
        if let Ok(mut m) = self.items.lock() {
            m.extend(rel.items);
        }
        if let Ok(mut m) = self.sources.lock() {
            m.extend(rel.sources.into_iter().map(|s| (s.id, s)));
        }
        if let Ok(mut m) = self.statuses.lock() {
            m.extend(rel.statuses.into_iter().map(|s| (s.id, s)));
        }
    }
    pub fn customer(&self, key: &CustomerKey) -> Option<CustomerRow> {
        self.customers.lock().ok()?.get(key).cloned()
    }
    pub fn items(&self, order: i64) -> Option<Vec<OrderItemRow>> {
        self.items.lock().ok()?.get(&order).cloned()
    }
    pub fn source(&self, id: i64) -> Option<SourceRow> {
        self.sources.lock().ok()?.get(&id).cloned()
    }
    pub fn status(&self, id: i64) -> Option<StatusRow> {
        self.statuses.lock().ok()?.get(&id).cloned()
    }
}

/// The scope a key's `sources` stands for (`None`: all of them).
fn scope_of(sources: &Option<Vec<i64>>) -> SourceScope {
    match sources {
        None => SourceScope::All,
        Some(ids) => SourceScope::Only(ids.iter().copied().map(SourceId).collect()),
    }
}

/// The customers' ids of `keys`, by the scope they are seen in.
fn by_scope<'a>(
    keys: impl Iterator<Item = &'a CustomerKey>,
) -> HashMap<Option<Vec<i64>>, Vec<i64>> {
    let mut groups: HashMap<Option<Vec<i64>>, Vec<i64>> = HashMap::new();
    for k in keys {
        groups.entry(k.sources.clone()).or_default().push(k.id);
    }
    groups
}

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

by_id!(SourceKey, SourceRow, sources_by_ids);
by_id!(StatusKey, StatusRow, statuses_by_ids);
by_id!(OrderKey, OrderRow, orders_by_ids);
by_id!(UserKey, UserRow, users_by_ids);
by_id!(SyncRunKey, SyncRunRow, sync_runs_by_ids);
by_id!(
    DeliveryKey,
    crate::store::inbox::DeliveryRow,
    deliveries_by_ids
);
many_of!(ItemsOf, OrderItemRow, items_by_order_ids);
many_of!(EventsOf, OrderEventRow, events_by_order_ids);
many_of!(ExpensesOf, ExpenseRow, expenses_by_order_ids);
many_of!(GrantsOf, i64, grants_by_user_ids);

impl Loader<CustomerOrdersPage> for Db {
    /// The page's orders, whether more follow, whether some precede.
    type Value = (Vec<OrderRow>, bool, bool);
    type Error = LoadError;
    /// One statement per distinct (scope, page), two when a cursor bounds the side the page did
    /// not travel towards: in practice one or two for the whole request.
    async fn load(
        &self,
        keys: &[CustomerOrdersPage],
    ) -> Result<HashMap<CustomerOrdersPage, Self::Value>, LoadError> {
        type Group = (Option<Vec<i64>>, KeysetPage);
        let mut groups: HashMap<Group, Vec<i64>> = HashMap::new();
        for k in keys {
            groups
                .entry((k.sources.clone(), k.page))
                .or_default()
                .push(k.customer);
        }
        let mut out = HashMap::new();
        for ((sources, page), customers) in groups {
            let scope = scope_of(&sources);
            let mut pages = self
                .0
                .orders_of_customers_page(&customers, &scope, page)
                .await
                .map_err(Arc::new)?;
            for customer in customers {
                let key = CustomerOrdersPage {
                    customer,
                    sources: sources.clone(),
                    page,
                };
                out.insert(key, pages.remove(&customer).unwrap_or_default());
            }
        }
        Ok(out)
    }
}

impl Loader<CustomerOrderCount> for Db {
    type Value = u64;
    type Error = LoadError;
    /// One statement per distinct scope: in practice one for the whole request.
    async fn load(
        &self,
        keys: &[CustomerOrderCount],
    ) -> Result<HashMap<CustomerOrderCount, u64>, LoadError> {
        let mut out = HashMap::new();
        for (sources, customers) in by_scope(keys.iter().map(|k| &k.0)) {
            let scope = scope_of(&sources);
            let counts = self
                .0
                .order_counts_of_customers(&customers, &scope)
                .await
                .map_err(Arc::new)?;
            for id in customers {
                let key = CustomerOrderCount(CustomerKey {
                    id,
                    sources: sources.clone(),
                });
                out.insert(key, counts.get(&id).copied().unwrap_or(0));
            }
        }
        Ok(out)
    }
}

impl Loader<CustomerKey> for Db {
    type Value = CustomerRow;
    type Error = LoadError;
    /// One statement for the customers, one for their contacts when the caller sees only some
    /// sources.
    async fn load(
        &self,
        keys: &[CustomerKey],
    ) -> Result<HashMap<CustomerKey, CustomerRow>, LoadError> {
        let mut out = HashMap::new();
        for (sources, ids) in by_scope(keys.iter()) {
            let scope = scope_of(&sources);
            let rows = self.0.customers_by_ids(&ids).await.map_err(Arc::new)?;
            for row in self
                .0
                .customers_as_seen(&scope, rows)
                .await
                .map_err(Arc::new)?
            {
                let key = CustomerKey {
                    id: row.id,
                    sources: sources.clone(),
                };
                out.insert(key, row);
            }
        }
        Ok(out)
    }
}

impl Loader<BodyOf> for Db {
    type Value = Vec<u8>;
    type Error = LoadError;
    async fn load(&self, keys: &[BodyOf]) -> Result<HashMap<BodyOf, Vec<u8>>, LoadError> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let bodies = self.0.delivery_bodies(&ids).await.map_err(Arc::new)?;
        Ok(bodies.into_iter().map(|(id, b)| (BodyOf(id), b)).collect())
    }
}

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

/// One page of a source's sync runs, as `Source.syncRuns` asks for it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SourceSyncRunsPage {
    pub source: i64,
    pub page: KeysetPage,
}

/// One page of a source's feed, as `Source.events` asks for it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SourceEventsPage {
    pub source: i64,
    pub page: KeysetPage,
}

/// The sources of `keys` by the page they ask for (in practice one page for the whole request).
fn sources_by_page(keys: impl Iterator<Item = (i64, KeysetPage)>) -> HashMap<KeysetPage, Vec<i64>> {
    let mut groups: HashMap<KeysetPage, Vec<i64>> = HashMap::new();
    for (source, page) in keys {
        groups.entry(page).or_default().push(source);
    }
    groups
}

/// The loader of `$key` (a source and a page) through `Store::$method`: one statement per
/// distinct page, two when a cursor bounds the side the page did not travel towards. The
/// console's health view (`syncRuns(first: 1)` on every source) costs one.
macro_rules! pages_of_sources {
    ($key:ident, $row:ty, $method:ident) => {
        impl Loader<$key> for Db {
            /// The page's rows, whether more follow, whether some precede.
            type Value = (Vec<$row>, bool, bool);
            type Error = LoadError;
            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, LoadError> {
                let mut out = HashMap::new();
                for (page, sources) in sources_by_page(keys.iter().map(|k| (k.source, k.page))) {
                    let pages = self.0.$method(&sources, page).await.map_err(Arc::new)?;
                    out.extend(
                        pages
                            .into_iter()
                            .map(|(source, read)| ($key { source, page }, read)),
                    );
                }
                Ok(out)
            }
        }
    };
}

pages_of_sources!(SourceSyncRunsPage, SyncRunRow, sync_runs_of_sources_page);
pages_of_sources!(
    SourceEventsPage,
    SourceEventRow,
    source_events_of_sources_page
);
