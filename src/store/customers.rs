//! The customer list (API-1): a user sees the buyers of the orders they may see, as those orders'
//! sources show them (API-3).

use super::{orders::customers_matching, rows::*, Store};
use crate::domain::auth::SourceScope;
use crate::error::Result;
use entity::{customer, order};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// The WHERE clause of the customer list; `None` when the scope sees nothing.
fn customer_condition(scope: &SourceScope, search: Option<&str>) -> Option<Condition> {
    let mut c = Condition::all();
    if let SourceScope::Only(ids) = scope {
        if ids.is_empty() {
            return None;
        }
        c = c.add(
            customer::Column::Id.in_subquery(
                Query::select()
                    .column(order::Column::CustomerId)
                    .from(order::Entity)
                    .and_where(order::Column::SourceId.is_in(ids.iter().map(|s| s.0)))
                    .to_owned(),
            ),
        );
    }
    if let Some(text) = search.map(str::trim).filter(|t| !t.is_empty()) {
        c = c.add(customer::Column::Id.in_subquery(customers_matching(scope, text)));
    }
    Some(c)
}

impl Store {
    /// Newest first; `after` is the id of the last customer of the page before.
    pub async fn customers_page(
        &self,
        scope: &SourceScope,
        search: Option<&str>,
        first: u64,
        after: Option<i64>,
    ) -> Result<(Vec<CustomerRow>, bool)> {
        let Some(mut cond) = customer_condition(scope, search) else {
            return Ok((vec![], false));
        };
        if let Some(id) = after {
            cond = cond.add(customer::Column::Id.lt(id));
        }
        let mut rows = customer::Entity::find()
            .filter(cond)
            .order_by_desc(customer::Column::Id)
            .limit(first + 1)
            .all(&self.db)
            .await?;
        let has_next = rows.len() as u64 > first;
        rows.truncate(first as usize);
        Ok((self.customers_as_seen(scope, rows).await?, has_next))
    }

    pub async fn customers_count(&self, scope: &SourceScope, search: Option<&str>) -> Result<u64> {
        let Some(cond) = customer_condition(scope, search) else {
            return Ok(0);
        };
        Ok(customer::Entity::find()
            .filter(cond)
            .count(&self.db)
            .await?)
    }

    /// A customer the scope may see; `None` for one that does not exist or is not visible.
    pub async fn customer(&self, scope: &SourceScope, id: i64) -> Result<Option<CustomerRow>> {
        let Some(cond) = customer_condition(scope, None) else {
            return Ok(None);
        };
        let row = customer::Entity::find_by_id(id)
            .filter(cond)
            .one(&self.db)
            .await?;
        Ok(self
            .customers_as_seen(scope, row.into_iter().collect())
            .await?
            .pop())
    }
}
