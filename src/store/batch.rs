//! Batched reads behind the GraphQL DataLoaders: one statement per relation per request,
//! whatever the page size.

use super::keyset::{self, Keyset, ListOrder};
use super::{rows::*, Store};
use crate::domain::auth::SourceScope;
use crate::domain::paging::KeysetPage;
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

/// The orders of these customers the scope sees; `None` when it sees none.
fn customers_orders(customer_ids: &[i64], scope: &SourceScope) -> Option<Condition> {
    if customer_ids.is_empty() {
        return None;
    }
    let cond = Condition::all().add(order::Column::CustomerId.is_in(customer_ids.iter().copied()));
    match scope {
        SourceScope::All => Some(cond),
        SourceScope::Only(ids) if ids.is_empty() => None,
        SourceScope::Only(ids) => {
            Some(cond.add(order::Column::SourceId.is_in(ids.iter().map(|s| s.0))))
        }
    }
}

/// `Store::$name`: one page of each source's rows of `$entity`, newest first by id, as
/// [`keyset::pages_by`] reads them: one statement for all the sources of a request.
macro_rules! newest_first_of_sources {
    ($(#[$m:meta])* $name:ident, $entity:ident, $row:ty) => {
        impl Store {
            $(#[$m])*
            pub async fn $name(
                &self,
                source_ids: &[i64],
                page: KeysetPage,
            ) -> Result<HashMap<i64, (Vec<$row>, bool, bool)>> {
                keyset::pages_by::<entity::$entity::Entity>(
                    &self.db,
                    entity::$entity::Column::SourceId,
                    source_ids,
                    Condition::all(),
                    Keyset::by_id(entity::$entity::Column::Id, ListOrder::NewestFirst),
                    page,
                    |r| Some(r.source_id),
                )
                .await
            }
        }
    };
}

newest_first_of_sources!(
    /// One page of each source's sync runs, newest first (`Source.syncRuns`, API-1).
    sync_runs_of_sources_page,
    sync_run,
    SyncRunRow
);
newest_first_of_sources!(
    /// One page of each source's feed, newest first (`Source.events`, API-1).
    source_events_of_sources_page,
    source_event,
    SourceEventRow
);

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

    /// One page of each customer's orders within the scope, newest first by (created-at, id)
    /// (`Customer.orders`, API-1: Relay paging both ways), as `page` asks for it: one statement
    /// for every customer of the request, each customer's orders numbered by a window and cut
    /// one past the page, so no customer's whole history is read; a second one, only when a
    /// cursor bounds the side the page did not travel towards, tells which customers have orders
    /// there. Each customer's page comes with whether older orders follow and newer ones precede.
    pub async fn orders_of_customers_page(
        &self,
        customer_ids: &[i64],
        scope: &SourceScope,
        page: KeysetPage,
    ) -> Result<HashMap<i64, (Vec<OrderRow>, bool, bool)>> {
        let Some(cond) = customers_orders(customer_ids, scope) else {
            return Ok(HashMap::new());
        };
        keyset::pages_by::<order::Entity>(
            &self.db,
            order::Column::CustomerId,
            customer_ids,
            cond,
            Keyset::by(
                order::Column::PlatformCreatedAt,
                order::Column::Id,
                ListOrder::NewestFirst,
            ),
            page,
            |o| o.customer_id,
        )
        .await
    }

    /// How many orders each customer has within the scope (`Customer.orders`' `totalCount`),
    /// in one statement; a customer without any is absent.
    pub async fn order_counts_of_customers(
        &self,
        customer_ids: &[i64],
        scope: &SourceScope,
    ) -> Result<HashMap<i64, u64>> {
        use sea_orm::QuerySelect;
        let Some(cond) = customers_orders(customer_ids, scope) else {
            return Ok(HashMap::new());
        };
        let rows: Vec<(Option<i64>, i64)> = order::Entity::find()
            .select_only()
            .column(order::Column::CustomerId)
            .column_as(order::Column::Id.count(), "n")
            .filter(cond)
            .group_by(order::Column::CustomerId)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(c, n)| Some((c?, u64::try_from(n).unwrap_or(0))))
            .collect())
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

/// The products `search` (trimmed; none when blank) finds in a name or SKU.
fn product_condition(search: Option<&str>) -> Condition {
    use entity::product;
    let mut c = Condition::all();
    if let Some(s) = search.map(str::trim).filter(|s| !s.is_empty()) {
        c = c.add(
            Condition::any()
                .add(product::Column::Name.contains(s))
                .add(product::Column::Sku.contains(s)),
        );
    }
    c
}

impl Store {
    /// The catalogue (PRD-1/2) by name, then id (products of one name keep one order), with
    /// each product's category path; one page as `page` asks for it (API-1: Relay paging both
    /// ways), `search` applying to every page. Answers whether more follow and whether some
    /// precede.
    pub async fn products_page(
        &self,
        search: Option<&str>,
        page: KeysetPage,
    ) -> Result<(Vec<(ProductRow, Vec<String>)>, bool, bool)> {
        use entity::product;
        let (rows, has_next, has_previous) = keyset::page::<product::Entity>(
            &self.db,
            product_condition(search),
            Keyset::by(
                product::Column::Name,
                product::Column::Id,
                ListOrder::OldestFirst,
            ),
            page,
        )
        .await?;
        Ok((
            self.with_category_paths(rows).await?,
            has_next,
            has_previous,
        ))
    }

    /// Products matching `search`, whatever the page.
    pub async fn products_count(&self, search: Option<&str>) -> Result<u64> {
        use sea_orm::PaginatorTrait;
        Ok(entity::product::Entity::find()
            .filter(product_condition(search))
            .count(&self.db)
            .await?)
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

/// A webhook delivery as lists show it: every column but the body and headers.
#[derive(sea_orm::FromQueryResult)]
struct ListedDelivery {
    id: i64,
    source_id: i64,
    platform: String,
    topic: Option<String>,
    webhook_id: Option<String>,
    event_id: Option<String>,
    external_order_id: Option<String>,
    platform_updated_at: Option<chrono::DateTime<chrono::Utc>>,
    state: String,
    attempts: i32,
    last_error: Option<String>,
    next_attempt_at: Option<chrono::DateTime<chrono::Utc>>,
    received_at: chrono::DateTime<chrono::Utc>,
    processed_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl ListedDelivery {
    /// The deliveries' columns a list reads.
    fn select() -> sea_orm::Select<entity::webhook_delivery::Entity> {
        use entity::webhook_delivery as wd;
        use sea_orm::QuerySelect;
        wd::Entity::find().select_only().columns([
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
    }

    /// The row, its body and headers left empty.
    fn row(self) -> super::inbox::DeliveryRow {
        entity::webhook_delivery::Model {
            id: self.id,
            source_id: self.source_id,
            platform: self.platform,
            topic: self.topic,
            webhook_id: self.webhook_id,
            event_id: self.event_id,
            external_order_id: self.external_order_id,
            platform_updated_at: self.platform_updated_at,
            headers: serde_json::Value::Null,
            body: vec![],
            state: self.state,
            attempts: self.attempts,
            last_error: self.last_error,
            next_attempt_at: self.next_attempt_at,
            received_at: self.received_at,
            processed_at: self.processed_at,
        }
    }
}

impl Store {
    /// A source's webhook deliveries, newest first, without their bodies or headers (WH-4): a
    /// body of up to 2 MiB is read only when `WebhookDelivery.body` asks for it
    /// ([`Store::delivery_bodies`]). One page as `page` asks for it (API-1: Relay paging both
    /// ways), with whether older ones follow and whether newer ones precede.
    pub async fn delivery_page(
        &self,
        source_id: crate::domain::SourceId,
        page: KeysetPage,
    ) -> Result<(Vec<super::inbox::DeliveryRow>, bool, bool)> {
        use entity::webhook_delivery as wd;
        let (rows, has_next, has_previous) = keyset::page_of::<wd::Entity, ListedDelivery>(
            &self.db,
            ListedDelivery::select(),
            Condition::all().add(wd::Column::SourceId.eq(source_id.0)),
            Keyset::by_id(wd::Column::Id, ListOrder::NewestFirst),
            page,
        )
        .await?;
        Ok((
            rows.into_iter().map(ListedDelivery::row).collect(),
            has_next,
            has_previous,
        ))
    }

    /// Webhook deliveries by id, without their bodies (SYNC-5: the delivery an order event names).
    pub async fn deliveries_by_ids(&self, ids: &[i64]) -> Result<Vec<super::inbox::DeliveryRow>> {
        use entity::webhook_delivery as wd;
        let rows = ListedDelivery::select()
            .filter(wd::Column::Id.is_in(ids.iter().copied()))
            .into_model::<ListedDelivery>()
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(ListedDelivery::row).collect())
    }

    /// Sync runs by id (SYNC-5: the poll an order event names).
    pub async fn sync_runs_by_ids(&self, ids: &[i64]) -> Result<Vec<SyncRunRow>> {
        Ok(entity::sync_run::Entity::find()
            .filter(entity::sync_run::Column::Id.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?)
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
