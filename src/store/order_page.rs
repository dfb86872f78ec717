//! The orders page with what each order shows beside it (customer, items, source, status) in one
//! statement (issue 20): the page is chosen in a subquery (filter, API-3 scope, cursor, limit) and
//! each of its rows carries the planned columns of its order and, joined, of its buyer, source and
//! status, as plain columns the driver decodes natively; the order's items come as one flat text
//! array (PostgreSQL) or a JSON array of text rows (SQLite), read back by position. Columns no
//! selected field shows are not read: the database builds less, sends less, and orderhub decodes
//! less. A user who sees only some sources reads each buyer as those sources showed it (their
//! contacts, API-3), in the same statement.

use super::orders::{order_condition, page_after, sort_column, OrderPage};
use super::{rows::*, Store};
use crate::domain::auth::SourceScope;
use crate::domain::contact::Contact;
use crate::domain::orders::{OrderCursor, OrderFilter, OrderSort};
use crate::error::Result;
use chrono::{DateTime, Utc};
use entity::{customer, customer_contact, order, order_item, source, status};
use futures_util::future::Either;
use futures_util::TryStreamExt;
use rust_decimal::Decimal;
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, JoinType, Order as Direction, Query, QueryStatementBuilder,
    SelectStatement, Value,
};
use sea_orm::Condition;
use sea_orm::{
    ColumnTrait, ColumnType, ConnectionTrait, DbBackend, EntityName, EntityTrait, IdenStatic,
    Iterable, ModelTrait, QueryFilter, QueryOrder, QueryResult, QuerySelect, QueryTrait,
    StreamTrait,
};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

/// Which columns of a table the page reads: every one, or only those named (the others read
/// as their defaults: the page's caller asks only for what its fields show).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Columns {
    #[default]
    All,
    Only(BTreeSet<&'static str>),
}

impl Columns {
    pub fn wants(&self, column: &str) -> bool {
        match self {
            Columns::All => true,
            Columns::Only(set) => set.contains(column),
        }
    }
}

/// What the page reads: the orders' columns, and which relations with which columns.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PageParts {
    pub order: Columns,
    pub customer: Option<Columns>,
    pub items: Option<Columns>,
    pub source: Option<Columns>,
    pub status: Option<Columns>,
    /// Count every order the filter matches (whatever the cursor) in the same statement.
    pub total: bool,
}

/// Which orders of the list a page holds (Relay's arguments): `size` of them, from the top
/// or from after `after`, or (`backward`) the `size` just before `before` (or the last ones).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OrderWindow {
    pub size: u64,
    pub backward: bool,
    pub after: Option<OrderCursor>,
    pub before: Option<OrderCursor>,
}

/// The page's relations, read with it. `items` has an entry for every order of the page when
/// items were asked for (empty for an order without any).
#[derive(Debug, Default)]
pub struct PageRelations {
    pub customers: Vec<CustomerRow>,
    pub items: HashMap<i64, Vec<OrderItemRow>>,
    pub sources: Vec<SourceRow>,
    pub statuses: Vec<StatusRow>,
}

const PAGE: &str = "o";

/// A relation joined to the page: its table alias, the prefix of its columns in the row, and
/// the page's key naming it.
struct Joined {
    alias: &'static str,
    prefix: &'static str,
    key: &'static str,
}

const CUSTOMER: Joined = Joined {
    alias: "c",
    prefix: "c__",
    key: "customer_id",
};
const SOURCE: Joined = Joined {
    alias: "s",
    prefix: "s__",
    key: "source_id",
};
const STATUS: Joined = Joined {
    alias: "t",
    prefix: "t__",
    key: "status_id",
};

/// The wanted columns of `E`, in the entity's order.
fn wanted<E: EntityTrait>(columns: &Columns) -> impl Iterator<Item = E::Column> + '_ {
    E::Column::iter().filter(move |c| columns.wants(c.as_str()))
}

/// How a column's value is read: the type of its model field.
#[derive(Clone, Copy, Debug)]
enum Kind {
    BigInt,
    Int,
    String,
    Bool,
    Decimal,
    Time,
    Json,
}

impl Kind {
    /// The kind of `E`'s field for `c`, told by the value a default model holds there.
    fn of<E>(c: E::Column) -> Result<Kind>
    where
        E: EntityTrait,
        E::Model: Default,
    {
        Ok(match E::Model::default().get(c) {
            Value::BigInt(_) => Kind::BigInt,
            Value::Int(_) => Kind::Int,
            Value::String(_) => Kind::String,
            Value::Bool(_) => Kind::Bool,
            Value::Decimal(_) => Kind::Decimal,
            Value::ChronoDateTimeUtc(_) => Kind::Time,
            Value::Json(_) => Kind::Json,
            other => {
                return Err(crate::error::Error::Internal(format!(
                    "orders page: no reader for {} ({other:?})",
                    c.as_str()
                )))
            }
        })
    }
}

/// Where the wanted columns of `E` sit in the page row and how each is read: worked out once
/// per statement, so a row is read by position (no column name is formatted or looked up).
struct Layout<E: EntityTrait> {
    cols: Vec<(E::Column, Kind, usize)>,
}

impl<E: EntityTrait> Layout<E> {
    /// The position of `column`, when it is read.
    fn position(&self, column: &str) -> Option<usize> {
        self.cols
            .iter()
            .find(|(c, _, _)| c.as_str() == column)
            .map(|(_, _, i)| *i)
    }
}

/// The select list of the page statement, counting its expressions.
struct Select {
    q: SelectStatement,
    next: usize,
}

impl Select {
    /// Adds `expr` as `alias`; its position in the row.
    fn add(&mut self, expr: Expr, alias: &str) -> usize {
        self.q.expr_as(expr, Alias::new(alias));
        self.next += 1;
        self.next - 1
    }

    /// Adds the wanted columns of `E` of the table aliased `from`, each as `prefix` + name.
    fn columns<E>(&mut self, from: &str, prefix: &str, columns: &Columns) -> Result<Layout<E>>
    where
        E: EntityTrait,
        E::Model: Default,
    {
        let mut cols = vec![];
        for c in wanted::<E>(columns) {
            let name = c.as_str();
            let at = self.add(
                Expr::col((Alias::new(from), Alias::new(name))),
                &format!("{prefix}{name}"),
            );
            cols.push((c, Kind::of::<E>(c)?, at));
        }
        Ok(Layout { cols })
    }
}

/// One model of `E` from the row, at the positions of `layout`: the wanted columns decoded as
/// the model's own field types, every other field its default.
fn read_model<E>(row: &QueryResult, layout: &Layout<E>) -> Result<E::Model>
where
    E: EntityTrait,
    E::Model: Default,
{
    let mut model = E::Model::default();
    for &(c, kind, at) in &layout.cols {
        let value = match kind {
            Kind::BigInt => Value::BigInt(row.try_get_by_index::<Option<i64>>(at)?),
            Kind::Int => Value::Int(row.try_get_by_index::<Option<i32>>(at)?),
            Kind::String => Value::String(row.try_get_by_index::<Option<String>>(at)?),
            Kind::Bool => Value::Bool(row.try_get_by_index::<Option<bool>>(at)?),
            Kind::Decimal => Value::Decimal(row.try_get_by_index::<Option<Decimal>>(at)?),
            Kind::Time => {
                Value::ChronoDateTimeUtc(row.try_get_by_index::<Option<DateTime<Utc>>>(at)?)
            }
            Kind::Json => Value::Json(
                row.try_get_by_index::<Option<serde_json::Value>>(at)?
                    .map(Box::new),
            ),
        };
        model.try_set(c, value)?;
    }
    Ok(model)
}

/// A column's value written as text (the items' rows), read back as the model's field type.
fn value_from_text(col: &str, kind: Kind, owned: Option<String>) -> Result<Value> {
    let bad = || crate::error::Error::Internal(format!("orders page: unreadable {col}"));
    let text = owned.as_deref();
    Ok(match kind {
        Kind::BigInt => Value::BigInt(text.map(str::parse).transpose().map_err(|_| bad())?),
        Kind::Int => Value::Int(text.map(str::parse).transpose().map_err(|_| bad())?),
        // the text is the value: moved, not copied
        Kind::String => Value::String(owned),
        Kind::Bool => Value::Bool(
            text.map(|t| match t {
                "t" | "true" | "1" => Ok(true),
                "f" | "false" | "0" => Ok(false),
                _ => Err(bad()),
            })
            .transpose()?,
        ),
        Kind::Decimal => Value::Decimal(text.map(str::parse).transpose().map_err(|_| bad())?),
        Kind::Time => Value::ChronoDateTimeUtc(
            text.map(|t| {
                DateTime::parse_from_rfc3339(t)
                    .or_else(|_| DateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f%#z"))
                    .map(|d| d.with_timezone(&Utc))
                    .map_err(|_| bad())
            })
            .transpose()?,
        ),
        Kind::Json => Value::Json(
            text.map(serde_json::from_str::<serde_json::Value>)
                .transpose()
                .map_err(|_| bad())?
                .map(Box::new),
        ),
    })
}

/// An SQL expression giving `column` of the row `from` as text that `value_from_text` reads.
fn as_text(backend: DbBackend, from: &str, column: &impl ColumnTrait) -> String {
    let col = format!("\"{from}\".\"{}\"", column.as_str());
    let sqlite = backend == DbBackend::Sqlite;
    match (column.def().get_column_type(), sqlite) {
        (ColumnType::Decimal(_) | ColumnType::Money(_), true) => {
            format!("CASE WHEN {col} IS NULL THEN NULL ELSE printf('%.4f', {col}) END")
        }
        (_, true) => format!("CAST({col} AS TEXT)"),
        (
            ColumnType::TimestampWithTimeZone | ColumnType::Timestamp | ColumnType::DateTime,
            false,
        ) => {
            format!("to_json({col}) #>> '{{}}'")
        }
        (_, false) => format!("{col}::text"),
    }
}

/// The order's items, oldest first, their wanted columns as text one after the other:
/// PostgreSQL a two-dimensional `text[]` as text, SQLite a JSON array of arrays.
fn items_of_order(backend: DbBackend, columns: &Columns) -> String {
    let table = order_item::Entity.table_name();
    let values: Vec<String> = wanted::<order_item::Entity>(columns)
        .map(|c| as_text(backend, "i", &c))
        .collect();
    let values = values.join(", ");
    match backend {
        DbBackend::Sqlite => format!(
            "(SELECT json_group_array(json_array({values})) FROM \
             (SELECT * FROM \"{table}\" WHERE \"order_id\" = \"{PAGE}\".\"id\" ORDER BY \"id\") AS \"i\")"
        ),
        // one row of text per item, in id order, the whole as text (PostgreSQL's array literal,
        // read by `pg_array`): cheaper for PostgreSQL than unnesting into one flat array,
        // `array_agg` or JSON, and the shape PostGraphile 5 asks for
        _ => format!(
            "ARRAY(SELECT ARRAY[{values}] FROM \"{table}\" AS \"i\" \
             WHERE \"i\".\"order_id\" = \"{PAGE}\".\"id\" ORDER BY \"i\".\"id\")::text"
        ),
    }
}

/// The items of the row's order from `items_of_order`'s column.
fn read_items(
    row: &QueryResult,
    backend: DbBackend,
    at: usize,
    cols: &[(order_item::Column, Kind)],
) -> Result<Vec<OrderItemRow>> {
    let text: Option<String> = row.try_get_by_index(at)?;
    let flat: Vec<Option<String>> = match (backend, text) {
        (_, None) => vec![],
        (DbBackend::Sqlite, Some(t)) => {
            let rows: Vec<Vec<serde_json::Value>> = serde_json::from_str(&t)
                .map_err(|e| crate::error::Error::Internal(format!("orders page, items: {e}")))?;
            rows.into_iter()
                .flatten()
                .map(|v| match v {
                    serde_json::Value::Null => None,
                    serde_json::Value::String(s) => Some(s),
                    other => Some(other.to_string()),
                })
                .collect()
        }
        (_, Some(t)) => super::pg_array::parse_flat(&t)
            .map_err(|e| crate::error::Error::Internal(format!("orders page, items: {e}")))?,
    };
    if cols.is_empty() {
        return Ok(vec![]);
    }
    if !flat.len().is_multiple_of(cols.len()) {
        return Err(crate::error::Error::Internal(format!(
            "orders page, items: {} values for rows of {}",
            flat.len(),
            cols.len()
        )));
    }
    let mut items = Vec::with_capacity(flat.len() / cols.len());
    let mut values = flat.into_iter();
    while values.len() > 0 {
        let mut item = OrderItemRow::default();
        for (&(c, kind), text) in cols.iter().zip(values.by_ref()) {
            item.try_set(c, value_from_text(c.as_str(), kind, text)?)?;
        }
        items.push(item);
    }
    Ok(items)
}

/// An SQL expression giving one row of `E` (the row of table alias `from`) as a JSON object whose
/// keys are the column names and whose values read back with the model's `Deserialize`.
fn json_row<E: EntityTrait>(backend: DbBackend, from: &str, columns: &Columns) -> String {
    let sqlite = backend == DbBackend::Sqlite;
    let mut pairs = vec![];
    for c in wanted::<E>(columns) {
        let name = c.as_str();
        let col = format!("\"{from}\".\"{name}\"");
        let value = match (c.def().get_column_type(), sqlite) {
            (ColumnType::Boolean, true) => format!(
                "json(CASE WHEN {col} IS NULL THEN 'null' WHEN {col} THEN 'true' ELSE 'false' END)"
            ),
            _ => col,
        };
        pairs.push(format!("'{name}', {value}"));
    }
    let pairs = pairs.join(", ");
    if sqlite {
        format!("json_object({pairs})")
    } else {
        format!("json_build_object({pairs})")
    }
}

/// The contacts of the page row's buyer that `sources` showed (API-3: a user who sees only some
/// sources sees a buyer as those sources did), as a JSON array, oldest first, only on the first
/// row of the page that names the buyer.
/// `order_by` is the page's order, so the first mention is the row read first.
fn contacts_of_buyer(backend: DbBackend, sources: &[i64], order_by: &str) -> String {
    let table = customer_contact::Entity.table_name();
    let columns = Columns::Only(
        [
            "first_name",
            "last_name",
            "phone",
            "email",
            "address",
            "unspecified",
        ]
        .into(),
    );
    let row = json_row::<customer_contact::Entity>(backend, "cc", &columns);
    let agg = match backend {
        DbBackend::Sqlite => format!("json_group_array(json({row}) ORDER BY \"cc\".\"id\")"),
        _ => format!("json_agg({row} ORDER BY \"cc\".\"id\")::text"),
    };
    // the caller's own source ids, numbers: written into the statement
    let ids: Vec<String> = sources.iter().map(i64::to_string).collect();
    let contacts = format!(
        "(SELECT {agg} FROM \"{table}\" AS \"cc\" WHERE \"cc\".\"customer_id\" = \"{PAGE}\".\"customer_id\" \
         AND \"cc\".\"source_id\" IN ({}))",
        ids.join(", ")
    );
    format!(
        "CASE WHEN \"{PAGE}\".\"customer_id\" IS NOT NULL AND row_number() OVER (PARTITION BY \
         \"{PAGE}\".\"customer_id\" ORDER BY {order_by}) = 1 \
         THEN {contacts} END"
    )
}

/// Joins `E` to the page by `j.key` and selects its wanted columns.
fn join<E>(select: &mut Select, j: &Joined, columns: &Columns) -> Result<Layout<E>>
where
    E: EntityTrait,
    E::Model: Default,
{
    select.q.join_as(
        JoinType::LeftJoin,
        Alias::new(E::default().table_name()),
        Alias::new(j.alias),
        Expr::col((Alias::new(j.alias), Alias::new("id")))
            .equals((Alias::new(PAGE), Alias::new(j.key))),
    );
    select.columns::<E>(j.alias, j.prefix, columns)
}

/// The model of the row's joined `E`, once per id (`seen`); none when the page row names none.
fn read_joined<E>(
    row: &QueryResult,
    layout: &Layout<E>,
    seen: &mut BTreeSet<i64>,
) -> Result<Option<E::Model>>
where
    E: EntityTrait,
    E::Model: Default,
{
    let at = layout.position("id").ok_or_else(|| {
        crate::error::Error::Internal("orders page: a relation without id".into())
    })?;
    let id: Option<i64> = row.try_get_by_index(at)?;
    match id {
        Some(id) if seen.insert(id) => Ok(Some(read_model::<E>(row, layout)?)),
        _ => Ok(None),
    }
}

/// Reads a JSON column of the row (text; null when the page did not send one there).
fn json_col<M: serde::de::DeserializeOwned>(row: &QueryResult, at: usize) -> Result<Option<M>> {
    let text: Option<String> = row.try_get_by_index(at)?;
    text.map(|t| {
        serde_json::from_str(&t)
            .map_err(|e| crate::error::Error::Internal(format!("orders page, contacts: {e}")))
    })
    .transpose()
}

/// The statement with its `LIMIT`s written as numbers instead of parameters (PostgreSQL's
/// `$n`, the rest renumbered). PostgreSQL keeps one plan for a prepared statement only when that
/// plan costs no more than planning for the values would: with the page's size a parameter it
/// cannot know how many rows the kept plan would read, so it planned the page again on every
/// request (pgbench on the bench's data: 0.75 ms a page with the parameter, 0.50 ms with the
/// number; issue 20). A page's size is one of a few numbers, so the texts stay few. Placeholders
/// are numbered in the order they appear, and the values the caller gave are never in the text,
/// so one pass over the text finds them.
fn limits_written_out(statement: sea_orm::Statement) -> sea_orm::Statement {
    let sea_orm::Statement {
        sql,
        values,
        db_backend,
    } = statement;
    let Some(sea_orm::Values(values)) = values else {
        return sea_orm::Statement {
            sql,
            values: None,
            db_backend,
        };
    };
    let mut out = String::with_capacity(sql.len());
    let mut kept = Vec::with_capacity(values.len());
    let mut rest = sql.as_str();
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let digits = rest[at + 1..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len() - at - 1);
        let number = rest[at + 1..at + 1 + digits].parse::<usize>().ok();
        let value = number
            .and_then(|n| n.checked_sub(1))
            .and_then(|n| values.get(n));
        match value {
            Some(Value::BigUnsigned(Some(limit))) if out.ends_with(" LIMIT ") => {
                out.push_str(&limit.to_string());
            }
            Some(v) => {
                kept.push(v.clone());
                out.push('$');
                out.push_str(&kept.len().to_string());
            }
            None => out.push_str(&rest[at..at + 1 + digits]),
        }
        rest = &rest[at + 1 + digits..];
    }
    out.push_str(rest);
    sea_orm::Statement {
        sql: out,
        values: Some(sea_orm::Values(kept)),
        db_backend,
    }
}

/// `columns` with `id`: a joined relation is told apart by it.
fn with_id(columns: &Columns) -> Columns {
    match columns {
        Columns::All => Columns::All,
        Columns::Only(set) => {
            let mut set = set.clone();
            set.insert("id");
            Columns::Only(set)
        }
    }
}

/// The page statement and where each part of its rows sits, for one request shape: built
/// once and kept (`PagePlans`), since building it (sea-query's select with its joins, the SQL
/// text) cost about a third of reading the page's rows (issue 20).
struct PagePlan {
    statement: sea_orm::Statement,
    order: Layout<order::Entity>,
    customer: Option<Layout<customer::Entity>>,
    contacts_at: Option<usize>,
    source: Option<Layout<source::Entity>>,
    status: Option<Layout<status::Entity>>,
    items: Option<(usize, Vec<(order_item::Column, Kind)>)>,
    total_at: Option<usize>,
    beyond_at: Option<usize>,
    /// The orders beyond the cursor on the side the page did not travel (asked apart when the
    /// page is empty).
    beyond: Option<Condition>,
}

/// What a page plan is built from.
struct PageKey {
    scope: SourceScope,
    filter: OrderFilter,
    window: OrderWindow,
    sort: OrderSort,
    parts: PageParts,
}

/// The page plans of the last requests, by what they were built from (a frontend asks for the
/// same few pages over and over: the first page of each list it shows). Bounded: at most
/// `MAX_PLANS`; when full it starts again empty.
#[derive(Clone, Default)]
pub(crate) struct PagePlans(Arc<PlansInner>);

#[derive(Default)]
struct PlansInner {
    /// Random keys: a caller cannot choose inputs that land on one hash.
    hasher: std::hash::RandomState,
    kept: Mutex<Kept>,
}

/// A kept plan; `None` for a scope that sees no source (nothing to read).
type KeptPlan = Arc<Option<PagePlan>>;

#[derive(Default)]
struct Kept {
    len: usize,
    by_hash: HashMap<u64, Vec<(PageKey, KeptPlan)>>,
}

impl PagePlans {
    const MAX_PLANS: usize = 256;

    /// The plan for these inputs, built by `build` when none is kept.
    fn get_or_build(
        &self,
        key: (
            &SourceScope,
            &OrderFilter,
            &OrderWindow,
            OrderSort,
            &PageParts,
        ),
        build: impl FnOnce() -> Result<Option<PagePlan>>,
    ) -> Result<KeptPlan> {
        let (scope, filter, window, sort, parts) = key;
        let hash = std::hash::BuildHasher::hash_one(&self.0.hasher, key);
        let same = |k: &PageKey| {
            k.scope == *scope
                && k.filter == *filter
                && k.window == *window
                && k.sort == sort
                && k.parts == *parts
        };
        let kept = self.0.kept.lock().ok().and_then(|kept| {
            kept.by_hash
                .get(&hash)?
                .iter()
                .find(|(k, _)| same(k))
                .map(|(_, plan)| plan.clone())
        });
        if let Some(plan) = kept {
            return Ok(plan);
        }
        let plan = Arc::new(build()?);
        if let Ok(mut kept) = self.0.kept.lock() {
            if kept.len >= Self::MAX_PLANS {
                kept.by_hash.clear();
                kept.len = 0;
            }
            let key = PageKey {
                scope: scope.clone(),
                filter: filter.clone(),
                window: window.clone(),
                sort,
                parts: parts.clone(),
            };
            kept.by_hash
                .entry(hash)
                .or_default()
                .push((key, plan.clone()));
            kept.len += 1;
        }
        Ok(plan)
    }
}

/// The page statement for these inputs; `None` when the scope sees no source.
fn plan_page(
    backend: DbBackend,
    scope: &SourceScope,
    filter: &OrderFilter,
    window: &OrderWindow,
    sort: OrderSort,
    parts: &PageParts,
) -> Result<Option<PagePlan>> {
    let Some(base) = order_condition(scope, filter) else {
        return Ok(None);
    };
    // the count: every order of the filter, whatever the cursor; PostgreSQL and SQLite
    // both run a subquery that names nothing of the row once per statement
    let count = parts.total.then(|| {
        order::Entity::find()
            .filter(base.clone())
            .select_only()
            .expr(Expr::cust("count(*)"))
            .into_query()
    });
    let mut cond = base.clone();
    if let Some(c) = &window.after {
        cond = cond.add(page_after(c, sort));
    }
    if let Some(c) = &window.before {
        cond = cond.add(page_after(c, sort.reversed()));
    }
    // the side the page did not travel: whether any order lies beyond its cursor there,
    // asked in the same statement (`beyond`), apart when the page is empty
    let beyond = if window.backward {
        window
            .before
            .as_ref()
            .map(|c| page_after(c, sort.reversed()))
    } else {
        window.after.as_ref().map(|c| page_after(c, sort))
    }
    .map(|bound| base.clone().add(bound.not()));
    // a backward page is read from its end, then turned round
    let read = if window.backward {
        sort.reversed()
    } else {
        sort
    };
    let direction = if read.descending {
        Direction::Desc
    } else {
        Direction::Asc
    };
    let sort_column = sort_column(sort.field);
    let page = order::Entity::find()
        .filter(cond)
        .order_by(sort_column, direction.clone())
        .order_by(order::Column::Id, direction.clone())
        .limit(window.size.saturating_add(1))
        .into_query();
    let o = Alias::new(PAGE);
    let mut select = Select {
        q: Query::select(),
        next: 0,
    };
    select.q.from_subquery(page, o.clone());
    // the cursor of each order: its id and the sort's column
    let order_columns = match with_id(&parts.order) {
        Columns::Only(mut set) => {
            set.insert(sort_column.as_str());
            Columns::Only(set)
        }
        all => all,
    };
    let order_layout = select.columns::<order::Entity>(PAGE, "", &order_columns)?;
    // a user of some sources: the buyers as those sources showed them
    let seen_by = match scope {
        SourceScope::All => None,
        SourceScope::Only(ids) => Some(ids.iter().map(|s| s.0).collect::<Vec<i64>>()),
    };
    let mut customer_layout = None;
    let mut contacts_at = None;
    if let Some(columns) = parts.customer.as_ref().map(with_id) {
        customer_layout = Some(join::<customer::Entity>(&mut select, &CUSTOMER, &columns)?);
        if let Some(sources) = seen_by.as_deref().filter(|s| !s.is_empty()) {
            let contacts = contacts_of_buyer(
                backend,
                sources,
                &format!(
                    "\"{PAGE}\".\"{col}\" {dir}, \"{PAGE}\".\"id\" {dir}",
                    col = sort_column.as_str(),
                    dir = if read.descending { "DESC" } else { "ASC" },
                ),
            );
            contacts_at = Some(select.add(Expr::cust(contacts), "cc_json"));
        }
    }
    let source_layout = match parts.source.as_ref().map(with_id) {
        Some(columns) => Some(join::<source::Entity>(&mut select, &SOURCE, &columns)?),
        None => None,
    };
    let status_layout = match parts.status.as_ref().map(with_id) {
        Some(columns) => Some(join::<status::Entity>(&mut select, &STATUS, &columns)?),
        None => None,
    };
    let items = match &parts.items {
        Some(columns) => {
            let at = select.add(Expr::cust(items_of_order(backend, columns)), "i_rows");
            let kinds = wanted::<order_item::Entity>(columns)
                .map(|c| Ok((c, Kind::of::<order_item::Entity>(c)?)))
                .collect::<Result<Vec<_>>>()?;
            Some((at, kinds))
        }
        None => None,
    };
    let total_at = count.map(|count| {
        select.add(
            Expr::SubQuery(None, Box::new(count.into_sub_query_statement())),
            "total_count",
        )
    });
    let beyond_at = beyond.clone().map(|c| {
        let exists = order::Entity::find()
            .filter(c)
            .select_only()
            .expr(Expr::val(1))
            .limit(1)
            .into_query();
        select.add(Expr::exists(exists), "beyond")
    });
    let mut q = select.q;
    q.order_by(
        (o.clone(), Alias::new(sort_column.as_str())),
        direction.clone(),
    )
    .order_by((o.clone(), Alias::new("id")), direction);
    let statement = backend.build(&q);
    let statement = match backend {
        DbBackend::Postgres => limits_written_out(statement),
        _ => statement,
    };
    Ok(Some(PagePlan {
        statement,
        order: order_layout,
        customer: customer_layout,
        contacts_at,
        source: source_layout,
        status: status_layout,
        items,
        total_at,
        beyond_at,
        beyond,
    }))
}

impl Store {
    /// A page of orders with the columns and relations `parts` names, in one statement.
    pub async fn orders_page_with(
        &self,
        scope: &SourceScope,
        filter: &OrderFilter,
        window: OrderWindow,
        sort: OrderSort,
        parts: &PageParts,
    ) -> Result<(OrderPage, PageRelations)> {
        let backend = self.db.get_database_backend();
        let plan = self
            .page_plans
            .get_or_build((scope, filter, &window, sort, parts), || {
                plan_page(backend, scope, filter, &window, sort, parts)
            })?;
        let Some(plan) = plan.as_ref() else {
            return Ok((
                OrderPage {
                    rows: vec![],
                    has_next: false,
                    has_previous: false,
                    total: Some(0),
                },
                PageRelations::default(),
            ));
        };
        let from_start = window.after.is_none() && window.before.is_none();
        let seen_by = matches!(scope, SourceScope::Only(_));
        // PostgreSQL: rows are read as they arrive, orderhub decoding the first ones while
        // PostgreSQL still makes the rest (it sends a page in several packets). SQLite: all at
        // once, its rows come from sqlx's worker thread and taking them one by one as it made them
        // was slower (bench A/B at 8 connections: ~10 % fewer pages)
        let mut rows = match backend {
            DbBackend::Postgres => {
                Either::Left(self.pages.stream_raw(plan.statement.clone()).await?)
            }
            _ => Either::Right(futures_util::stream::iter(
                self.pages
                    .query_all_raw(plan.statement.clone())
                    .await?
                    .into_iter()
                    .map(Ok::<_, sea_orm::DbErr>),
            )),
        };

        let mut orders: Vec<OrderRow> =
            Vec::with_capacity(usize::try_from(Ord::min(window.size, 1_000)).unwrap_or(0) + 1);
        let mut rel = PageRelations::default();
        let mut customers: Vec<CustomerRow> = vec![];
        let mut contacts: HashMap<i64, Vec<Contact>> = HashMap::new();
        let (mut seen_customers, mut seen_sources, mut seen_statuses) =
            (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        // what the first row says of the whole list: the count, and whether orders lie beyond
        let mut first: Option<(Option<i64>, Option<bool>)> = None;
        while let Some(row) = rows.try_next().await? {
            let row = &row;
            if first.is_none() {
                first = Some((
                    plan.total_at
                        .map(|at| row.try_get_by_index::<i64>(at))
                        .transpose()?,
                    plan.beyond_at
                        .map(|at| row.try_get_by_index::<bool>(at))
                        .transpose()?,
                ));
            }
            let order: OrderRow = read_model(row, &plan.order)?;
            if let Some((at, kinds)) = &plan.items {
                rel.items
                    .insert(order.id, read_items(row, backend, *at, kinds)?);
            }
            if let Some(layout) = &plan.customer {
                if let Some(c) = read_joined(row, layout, &mut seen_customers)? {
                    if let Some(at) = plan.contacts_at {
                        let shown: Vec<Contact> = json_col(row, at)?.unwrap_or_default();
                        contacts.insert(c.id, shown);
                    }
                    customers.push(c);
                }
            }
            if let Some(layout) = &plan.source {
                rel.sources
                    .extend(read_joined(row, layout, &mut seen_sources)?);
            }
            if let Some(layout) = &plan.status {
                rel.statuses
                    .extend(read_joined(row, layout, &mut seen_statuses)?);
            }
            orders.push(order);
        }
        // the connection goes back to the pool before anything else is asked
        drop(rows);
        // an empty page after a cursor (past the end) carries no count: the caller counts apart
        let total = match first {
            _ if !parts.total => None,
            Some((count, _)) => count.map(|n| u64::try_from(n).unwrap_or(0)),
            None if from_start => Some(0),
            None => None,
        };
        let beyond_cursor = match (first, &plan.beyond) {
            (Some((_, Some(beyond))), _) => beyond,
            (None, Some(c)) => order::Entity::find()
                .filter(c.clone())
                .select_only()
                .column(order::Column::Id)
                .into_tuple::<i64>()
                .one(&self.pages)
                .await?
                .is_some(),
            _ => false,
        };
        let more = orders.len() as u64 > window.size;
        if more {
            if let Some(extra) = orders.pop() {
                rel.items.remove(&extra.id);
            }
        }
        if window.backward {
            orders.reverse();
        }
        let (has_next, has_previous) = if window.backward {
            (beyond_cursor, more)
        } else {
            (more, beyond_cursor)
        };
        if seen_by {
            super::contacts::seen_through(&mut customers, &contacts);
        }
        rel.customers = customers;
        Ok((
            OrderPage {
                rows: orders,
                has_next,
                has_previous,
                total,
            },
            rel,
        ))
    }
}

#[cfg(test)]
mod statement_tests {
    use super::*;

    fn window(size: u64) -> OrderWindow {
        OrderWindow {
            size,
            backward: false,
            after: None,
            before: None,
        }
    }

    // covers: API-1, API-2 — a page's statement is built once for the same inputs and again
    // for any other (scope, filter, window, parts); the kept plans are bounded
    #[test]
    fn page_plans_are_kept_per_inputs_and_bounded() {
        let plans = PagePlans::default();
        let built = std::cell::Cell::new(0);
        let get =
            |scope: &SourceScope, filter: &OrderFilter, w: &OrderWindow, parts: &PageParts| {
                plans
                    .get_or_build((scope, filter, w, OrderSort::default(), parts), || {
                        built.set(built.get() + 1);
                        plan_page(
                            DbBackend::Postgres,
                            scope,
                            filter,
                            w,
                            OrderSort::default(),
                            parts,
                        )
                    })
                    .unwrap()
            };
        let all = SourceScope::All;
        let some = SourceScope::Only(vec![crate::domain::SourceId(2)]);
        let none = OrderFilter::default();
        let searched = OrderFilter {
            search: Some("Олена".into()),
            ..Default::default()
        };
        let parts = PageParts {
            items: Some(Columns::All),
            ..Default::default()
        };
        let first = get(&all, &none, &window(50), &parts);
        let again = get(&all, &none, &window(50), &parts);
        assert!(Arc::ptr_eq(&first, &again));
        assert_eq!(built.get(), 1);
        // another scope, filter, size or selection: another statement
        let scoped = get(&some, &none, &window(50), &parts);
        let filtered = get(&all, &searched, &window(50), &parts);
        let smaller = get(&all, &none, &window(10), &parts);
        let plain = get(&all, &none, &window(50), &PageParts::default());
        assert_eq!(built.get(), 5);
        let sql = |plan: &KeptPlan| {
            plan.as_ref()
                .as_ref()
                .expect("a plan")
                .statement
                .sql
                .clone()
        };
        assert!(sql(&scoped).contains("\"source_id\" IN"));
        assert!(sql(&filtered).contains("LIKE"));
        assert!(sql(&smaller).contains("LIMIT 11"));
        assert!(!sql(&plain).contains("order_items"));
        assert_eq!(sql(&first), sql(&again));
        // bounded: when full it starts again
        for size in 100..(100 + PagePlans::MAX_PLANS as u64) {
            get(&all, &none, &window(size), &parts);
        }
        let after = get(&all, &none, &window(50), &parts);
        assert!(!Arc::ptr_eq(&first, &after));
        assert!(plans.0.kept.lock().unwrap().len <= PagePlans::MAX_PLANS);
    }

    // covers: API-1 — the page statement's limits are numbers, its other values parameters
    #[test]
    fn limits_are_written_out_and_the_rest_renumbered() {
        let statement = sea_orm::Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT * FROM (SELECT * FROM o WHERE a = $1 LIMIT $2) AS p \
             WHERE EXISTS (SELECT 1 FROM o WHERE b = $3 LIMIT $4) AND c = $5 AND d IN ($6, $10)",
            [
                Value::BigInt(Some(7)),
                Value::BigUnsigned(Some(51)),
                Value::String(Some("x LIMIT $1".into())),
                Value::BigUnsigned(Some(1)),
                Value::BigUnsigned(Some(9)),
                Value::Int(Some(3)),
            ],
        );
        let out = limits_written_out(statement);
        assert_eq!(
            out.sql,
            "SELECT * FROM (SELECT * FROM o WHERE a = $1 LIMIT 51) AS p \
             WHERE EXISTS (SELECT 1 FROM o WHERE b = $2 LIMIT 1) AND c = $3 AND d IN ($4, $10)"
        );
        assert_eq!(
            out.values.map(|v| v.0),
            Some(vec![
                Value::BigInt(Some(7)),
                Value::String(Some("x LIMIT $1".into())),
                Value::BigUnsigned(Some(9)),
                Value::Int(Some(3)),
            ])
        );
    }
}
