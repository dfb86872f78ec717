//! One page of a keyset list, as `KeysetPage` asks for it (API-1, issue 17: Relay paging both
//! ways). A list runs by its id, or by a key column and then its id (products by name: rows
//! with the same name keep one order); `after` is always further down the list and `before`
//! further up. A cursor names a row by its id: the key it stands at is read in the same
//! statement (a subquery on the row), so a cursor stays short whatever the key holds.

use crate::domain::paging::KeysetPage;
use crate::error::Result;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, FromQueryResult, IdenStatic,
    QueryFilter, QueryOrder, QuerySelect, Select,
};

/// Which way a list runs by its key (and its id).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ListOrder {
    /// Highest first: by id, newest first.
    NewestFirst,
    /// Lowest first: by id, oldest first; by a name, A to Z.
    OldestFirst,
}

/// How a list of `C`'s table is ordered.
#[derive(Clone, Copy)]
pub struct Keyset<C> {
    /// Compared before the id; `None` for a list by id alone.
    pub key: Option<C>,
    pub id: C,
    pub order: ListOrder,
}

impl<C: ColumnTrait + IdenStatic> Keyset<C> {
    pub fn by_id(id: C, order: ListOrder) -> Keyset<C> {
        Keyset {
            key: None,
            id,
            order,
        }
    }

    pub fn by(key: C, id: C, order: ListOrder) -> Keyset<C> {
        Keyset {
            key: Some(key),
            id,
            order,
        }
    }

    /// Rows strictly below row `x` in the list (after it), or strictly above it; with `x`
    /// itself when `with_x`.
    fn beyond(&self, x: i64, down: bool, with_x: bool) -> Condition {
        // down a newest-first list is towards lower values
        let lower = down == (self.order == ListOrder::NewestFirst);
        let id = Expr::col(self.id.as_column_ref());
        let past_id = match (lower, with_x) {
            (true, false) => id.lt(x),
            (true, true) => id.lte(x),
            (false, false) => id.gt(x),
            (false, true) => id.gte(x),
        };
        let Some(key) = self.key else {
            return Condition::all().add(past_id);
        };
        // the key of row x, read where it is compared
        let row = Alias::new("cursor_row");
        let at_x = || {
            Expr::from(
                Query::select()
                    .column((row.clone(), key))
                    .from_as(self.id.entity_name(), row.clone())
                    .and_where(Expr::col((row.clone(), self.id)).eq(x))
                    .to_owned(),
            )
        };
        let col = || Expr::col(key.as_column_ref());
        let past_key = if lower {
            col().lt(at_x())
        } else {
            col().gt(at_x())
        };
        Condition::any()
            .add(past_key)
            .add(Condition::all().add(col().eq(at_x())).add(past_id))
    }

    /// Rows strictly below row `x` (after it in the list).
    pub fn below(&self, x: i64) -> Condition {
        self.beyond(x, true, false)
    }

    /// Rows strictly above row `x` (before it in the list).
    pub fn above(&self, x: i64) -> Condition {
        self.beyond(x, false, false)
    }

    /// The rows of `cond` between the page's cursors.
    pub fn window(&self, cond: Condition, page: KeysetPage) -> Condition {
        let mut window = cond;
        if let Some(x) = page.after {
            window = window.add(self.below(x));
        }
        if let Some(x) = page.before {
            window = window.add(self.above(x));
        }
        window
    }

    /// The rows of `cond` on the side the page did not travel towards: at or beyond the cursor
    /// it started from (within the other cursor). `None` when no cursor bounds that side, so
    /// nothing lies there.
    pub fn other_side(&self, cond: Condition, page: KeysetPage) -> Option<Condition> {
        match (page.backward, page.after, page.before) {
            (false, Some(after), before) => Some(
                before
                    .map_or(cond.clone(), |b| cond.clone().add(self.above(b)))
                    .add(self.beyond(after, false, true)),
            ),
            (true, after, Some(before)) => Some(
                after
                    .map_or(cond.clone(), |a| cond.clone().add(self.below(a)))
                    .add(self.beyond(before, true, true)),
            ),
            _ => None,
        }
    }

    /// The order rows are read in: down the list forward, up it backward (key, then id).
    pub fn read_order(&self, backward: bool) -> Vec<(C, Order)> {
        let dir = if backward == (self.order == ListOrder::NewestFirst) {
            Order::Asc
        } else {
            Order::Desc
        };
        self.key
            .into_iter()
            .chain([self.id])
            .map(|c| (c, dir.clone()))
            .collect()
    }
}

/// The rows of `E` matching `cond` on the page, in list order, whether more follow
/// (`hasNextPage`) and whether some precede (`hasPreviousPage`). The side the page did not travel
/// towards is looked at (one LIMIT 1 read) only when a cursor bounds it.
pub async fn page<E>(
    db: &DatabaseConnection,
    cond: Condition,
    keyset: Keyset<E::Column>,
    page: KeysetPage,
) -> Result<(Vec<E::Model>, bool, bool)>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Send + Sync,
{
    page_of::<E, E::Model>(db, E::find(), cond, keyset, page).await
}

/// [`page`] read through `select` (the columns it names) into `M`.
pub async fn page_of<E, M>(
    db: &DatabaseConnection,
    select: Select<E>,
    cond: Condition,
    keyset: Keyset<E::Column>,
    page: KeysetPage,
) -> Result<(Vec<M>, bool, bool)>
where
    E: EntityTrait,
    M: FromQueryResult + Send + Sync,
{
    let mut find = select.filter(keyset.window(cond.clone(), page));
    for (col, dir) in keyset.read_order(page.backward) {
        find = find.order_by(col, dir);
    }
    let rows = find.limit(page.fetch()).into_model::<M>().all(db).await?;
    let (rows, more) = page.trim(rows);
    let other = match keyset.other_side(cond, page) {
        Some(c) => E::find()
            .select_only()
            .column(keyset.id)
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

/// [`page`] for many lists at once: the page of the rows of `cond` for each value of `partition`
/// in `ids` (one source's sync runs, one customer's orders…), as `page` asks for each of them, with
/// whether more follow and some precede. One statement for all of them (each list numbered by a
/// window and cut one past the page, so no list is read whole); a second one, only when a cursor
/// bounds the side the page did not travel towards, tells which lists have rows there. `of` reads
/// a row's partition value.
pub async fn pages_by<E>(
    db: &DatabaseConnection,
    partition: E::Column,
    ids: &[i64],
    cond: Condition,
    keyset: Keyset<E::Column>,
    page: KeysetPage,
    of: impl Fn(&E::Model) -> Option<i64>,
) -> Result<std::collections::HashMap<i64, (Vec<E::Model>, bool, bool)>>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Send + Sync,
{
    use sea_orm::sea_query::{Asterisk, WindowStatement};
    use std::collections::{HashMap, HashSet};
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let cond = cond.add(partition.is_in(ids.iter().copied()));
    let mut window = WindowStatement::partition_by(partition);
    for (col, dir) in keyset.read_order(page.backward) {
        window.order_by(col, dir);
    }
    let numbered = Query::select()
        .column(Asterisk)
        .expr_window_as(Expr::cust("ROW_NUMBER()"), window, Alias::new("rn"))
        .from(E::default())
        .cond_where(keyset.window(cond.clone(), page))
        .to_owned();
    let paged = Query::select()
        .column(Asterisk)
        .from_subquery(numbered, Alias::new("numbered"))
        .and_where(Expr::col(Alias::new("rn")).lte(i64::try_from(page.fetch()).unwrap_or(i64::MAX)))
        .order_by(Alias::new("rn"), Order::Asc)
        .to_owned();
    let stmt = db.get_database_backend().build(&paged);
    let rows = E::find().from_raw_sql(stmt).all(db).await?;
    let mut read: HashMap<i64, Vec<E::Model>> = HashMap::new();
    for r in rows {
        if let Some(k) = of(&r) {
            read.entry(k).or_default().push(r);
        }
    }
    let other: HashSet<i64> = match keyset.other_side(cond, page) {
        Some(c) => E::find()
            .select_only()
            .column(partition)
            .distinct()
            .filter(c)
            .into_tuple::<Option<i64>>()
            .all(db)
            .await?
            .into_iter()
            .flatten()
            .collect(),
        None => HashSet::new(),
    };
    Ok(ids
        .iter()
        .map(|&k| {
            let (rows, more) = page.trim(read.remove(&k).unwrap_or_default());
            let other = other.contains(&k);
            let flags = if page.backward {
                (other, more)
            } else {
                (more, other)
            };
            (k, (rows, flags.0, flags.1))
        })
        .collect())
}
