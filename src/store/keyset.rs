//! One page of a list keyed by one id column, as `KeysetPage` asks for it (API-1, issue 17:
//! Relay paging both ways). The customer list runs newest first, the publication list oldest
//! first; `after` is always further down the list and `before` further up.

use crate::domain::paging::KeysetPage;
use crate::error::Result;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect,
};

/// Which way a list runs by its id.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ListOrder {
    NewestFirst,
    OldestFirst,
}

/// The rows of `E` matching `cond` on the page, in list order, whether more follow
/// (`hasNextPage`) and whether some precede (`hasPreviousPage`). The side the page did not travel
/// towards is looked at (one LIMIT 1 read) only when a cursor bounds it.
pub async fn page<E>(
    db: &DatabaseConnection,
    cond: Condition,
    id: E::Column,
    order: ListOrder,
    page: KeysetPage,
) -> Result<(Vec<E::Model>, bool, bool)>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Send + Sync,
{
    let newest_first = order == ListOrder::NewestFirst;
    // rows strictly below `x` in the list, and rows at or above it
    let below = |x: i64| if newest_first { id.lt(x) } else { id.gt(x) };
    let above = |x: i64| if newest_first { id.gt(x) } else { id.lt(x) };
    let at_or_above = |x: i64| if newest_first { id.gte(x) } else { id.lte(x) };
    let at_or_below = |x: i64| if newest_first { id.lte(x) } else { id.gte(x) };

    let mut window = cond.clone();
    if let Some(x) = page.after {
        window = window.add(below(x));
    }
    if let Some(x) = page.before {
        window = window.add(above(x));
    }
    let find = E::find().filter(window);
    // forward reads down the list, backward up it
    let rows = if page.backward == newest_first {
        find.order_by_asc(id)
    } else {
        find.order_by_desc(id)
    }
    .limit(page.fetch())
    .all(db)
    .await?;
    let (rows, more) = page.trim(rows);
    // the other side: rows at or beyond the cursor the page started from
    let other = match (page.backward, page.after, page.before) {
        (false, Some(after), before) => Some(
            before
                .map_or(cond.clone(), |b| cond.clone().add(above(b)))
                .add(at_or_above(after)),
        ),
        (true, after, Some(before)) => Some(
            after
                .map_or(cond.clone(), |a| cond.clone().add(below(a)))
                .add(at_or_below(before)),
        ),
        _ => None,
    };
    let other = match other {
        Some(c) => E::find()
            .select_only()
            .column(id)
            .filter(c)
            .limit(1)
            .into_tuple::<i64>()
            .one(db)
            .await?
            .is_some(),
        None => false,
    };
    Ok(if page.backward {
        (rows, other, more)
    } else {
        (rows, more, other)
    })
}
