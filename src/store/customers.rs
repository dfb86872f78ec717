//! The customer list (API-1): a user sees the buyers of the orders they may see, as those orders'
//! sources show them (API-3).

use super::keyset::{self, Keyset, ListOrder};
use super::{orders::customers_matching, rows::*, Store};
use crate::domain::auth::SourceScope;
use crate::domain::paging::KeysetPage;
use crate::error::Result;
use entity::{customer, order};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter};

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
    /// Newest first, one page as `page` asks for it (API-1: Relay paging both ways). Answers
    /// the rows, whether older ones follow (`hasNextPage`) and whether newer ones precede
    /// (`hasPreviousPage`); the side the page did not travel towards is looked at only when a
    /// cursor bounds it (without one nothing lies there).
    pub async fn customers_page(
        &self,
        scope: &SourceScope,
        search: Option<&str>,
        page: KeysetPage,
    ) -> Result<(Vec<CustomerRow>, bool, bool)> {
        let Some(cond) = customer_condition(scope, search) else {
            return Ok((vec![], false, false));
        };
        let (rows, has_next, has_previous) = keyset::page::<customer::Entity>(
            &self.db,
            cond,
            Keyset::by_id(customer::Column::Id, ListOrder::NewestFirst),
            page,
        )
        .await?;
        Ok((
            self.customers_as_seen(scope, rows).await?,
            has_next,
            has_previous,
        ))
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
