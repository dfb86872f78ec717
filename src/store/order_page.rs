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
use rust_decimal::Decimal;
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, JoinType, Order as Direction, Query, QueryStatementBuilder,
    SelectStatement, Value,
};
use sea_orm::{
    ColumnTrait, ColumnType, ConnectionTrait, DbBackend, EntityName, EntityTrait, IdenStatic,
    Iterable, ModelTrait, QueryFilter, QueryOrder, QueryResult, QuerySelect, QueryTrait,
};
use std::collections::{BTreeSet, HashMap};

/// Which columns of a table the page reads: every one, or only those named (the others read
/// as their defaults: the page's caller asks only for what its fields show).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageParts {
    pub order: Columns,
    pub customer: Option<Columns>,
    pub items: Option<Columns>,
    pub source: Option<Columns>,
    pub status: Option<Columns>,
    /// Count every order the filter matches (whatever the cursor) in the same statement.
    pub total: bool,
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

/// A column as the page row carries it, `prefix` + name.
fn select_columns<E: EntityTrait>(
    q: &mut SelectStatement,
    from: &str,
    prefix: &str,
    columns: &Columns,
) {
    for c in wanted::<E>(columns) {
        let name = c.as_str();
        q.expr_as(
            Expr::col((Alias::new(from), Alias::new(name))),
            Alias::new(format!("{prefix}{name}")),
        );
    }
}

/// One model of `E` from the row's columns `prefix` + name: the wanted columns decoded as the
/// model's own field types, every other field its default.
fn read_model<E>(row: &QueryResult, prefix: &str, columns: &Columns) -> Result<E::Model>
where
    E: EntityTrait,
    E::Model: Default,
{
    let mut model = E::Model::default();
    for c in wanted::<E>(columns) {
        let col = format!("{prefix}{}", c.as_str());
        let value = match model.get(c) {
            Value::BigInt(_) => Value::BigInt(row.try_get::<Option<i64>>("", &col)?),
            Value::Int(_) => Value::Int(row.try_get::<Option<i32>>("", &col)?),
            Value::String(_) => Value::String(row.try_get::<Option<String>>("", &col)?),
            Value::Bool(_) => Value::Bool(row.try_get::<Option<bool>>("", &col)?),
            Value::Decimal(_) => Value::Decimal(row.try_get::<Option<Decimal>>("", &col)?),
            Value::ChronoDateTimeUtc(_) => {
                Value::ChronoDateTimeUtc(row.try_get::<Option<DateTime<Utc>>>("", &col)?)
            }
            Value::Json(_) => Value::Json(
                row.try_get::<Option<serde_json::Value>>("", &col)?
                    .map(Box::new),
            ),
            other => return Err(unexpected(&col, &other)),
        };
        model.try_set(c, value)?;
    }
    Ok(model)
}

fn unexpected(col: &str, v: &Value) -> crate::error::Error {
    crate::error::Error::Internal(format!("orders page: no reader for {col} ({v:?})"))
}

/// A column's value written as text (the items' rows), read back as the model's field type.
fn value_from_text(col: &str, like: Value, text: Option<&str>) -> Result<Value> {
    let bad = || crate::error::Error::Internal(format!("orders page: unreadable {col}"));
    Ok(match like {
        Value::BigInt(_) => Value::BigInt(text.map(str::parse).transpose().map_err(|_| bad())?),
        Value::Int(_) => Value::Int(text.map(str::parse).transpose().map_err(|_| bad())?),
        Value::String(_) => Value::String(text.map(str::to_owned)),
        Value::Bool(_) => Value::Bool(
            text.map(|t| match t {
                "t" | "true" | "1" => Ok(true),
                "f" | "false" | "0" => Ok(false),
                _ => Err(bad()),
            })
            .transpose()?,
        ),
        Value::Decimal(_) => Value::Decimal(text.map(str::parse).transpose().map_err(|_| bad())?),
        Value::ChronoDateTimeUtc(_) => Value::ChronoDateTimeUtc(
            text.map(|t| {
                DateTime::parse_from_rfc3339(t)
                    .or_else(|_| DateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f%#z"))
                    .map(|d| d.with_timezone(&Utc))
                    .map_err(|_| bad())
            })
            .transpose()?,
        ),
        Value::Json(_) => Value::Json(
            text.map(serde_json::from_str::<serde_json::Value>)
                .transpose()
                .map_err(|_| bad())?
                .map(Box::new),
        ),
        other => return Err(unexpected(col, &other)),
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
    columns: &Columns,
) -> Result<Vec<OrderItemRow>> {
    let cols: Vec<order_item::Column> = wanted::<order_item::Entity>(columns).collect();
    let flat: Vec<Option<String>> = match backend {
        DbBackend::Sqlite => {
            let text: Option<String> = row.try_get("", "i_rows")?;
            let rows: Vec<Vec<serde_json::Value>> = match text {
                Some(t) => serde_json::from_str(&t).map_err(|e| {
                    crate::error::Error::Internal(format!("orders page, items: {e}"))
                })?,
                None => vec![],
            };
            rows.into_iter()
                .flatten()
                .map(|v| match v {
                    serde_json::Value::Null => None,
                    serde_json::Value::String(s) => Some(s),
                    other => Some(other.to_string()),
                })
                .collect()
        }
        _ => match row.try_get::<Option<String>>("", "i_rows")? {
            Some(text) => super::pg_array::parse_flat(&text)
                .map_err(|e| crate::error::Error::Internal(format!("orders page, items: {e}")))?,
            None => vec![],
        },
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
    for values in flat.chunks(cols.len()) {
        let mut item = OrderItemRow::default();
        for (c, text) in cols.iter().zip(values) {
            let value = value_from_text(c.as_str(), item.get(*c), text.as_deref())?;
            item.try_set(*c, value)?;
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
fn join<E: EntityTrait>(q: &mut SelectStatement, j: &Joined, columns: &Columns) {
    q.join_as(
        JoinType::LeftJoin,
        Alias::new(E::default().table_name()),
        Alias::new(j.alias),
        Expr::col((Alias::new(j.alias), Alias::new("id")))
            .equals((Alias::new(PAGE), Alias::new(j.key))),
    );
    select_columns::<E>(q, j.alias, j.prefix, columns);
}

/// The model of the row's joined `E`, once per id (`seen`); none when the page row names none.
fn read_joined<E>(
    row: &QueryResult,
    j: &Joined,
    columns: &Columns,
    seen: &mut BTreeSet<i64>,
) -> Result<Option<E::Model>>
where
    E: EntityTrait,
    E::Model: Default,
{
    let id: Option<i64> = row.try_get("", &format!("{}id", j.prefix))?;
    match id {
        Some(id) if seen.insert(id) => Ok(Some(read_model::<E>(row, j.prefix, columns)?)),
        _ => Ok(None),
    }
}

/// Reads a JSON column of the row (text; null when the page did not send one there).
fn json_col<M: serde::de::DeserializeOwned>(row: &QueryResult, col: &str) -> Result<Option<M>> {
    let text: Option<String> = row.try_get("", col)?;
    text.map(|t| {
        serde_json::from_str(&t)
            .map_err(|e| crate::error::Error::Internal(format!("orders page, {col}: {e}")))
    })
    .transpose()
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

impl Store {
    /// A page of orders with the columns and relations `parts` names, in one statement.
    pub async fn orders_page_with(
        &self,
        scope: &SourceScope,
        filter: &OrderFilter,
        first: u64,
        after: Option<OrderCursor>,
        sort: OrderSort,
        parts: &PageParts,
    ) -> Result<(OrderPage, PageRelations)> {
        let Some(mut cond) = order_condition(scope, filter) else {
            return Ok((
                OrderPage {
                    rows: vec![],
                    has_next: false,
                    total: Some(0),
                },
                PageRelations::default(),
            ));
        };
        // the count: every order of the filter, whatever the cursor; PostgreSQL and SQLite
        // both run a subquery that names nothing of the row once per statement
        let count = parts.total.then(|| {
            order::Entity::find()
                .filter(cond.clone())
                .select_only()
                .expr(Expr::cust("count(*)"))
                .into_query()
        });
        let from_start = after.is_none();
        if let Some(c) = after {
            cond = cond.add(page_after(&c, sort));
        }
        let direction = if sort.descending {
            Direction::Desc
        } else {
            Direction::Asc
        };
        let sort_column = sort_column(sort.field);
        let page = order::Entity::find()
            .filter(cond)
            .order_by(sort_column, direction.clone())
            .order_by(order::Column::Id, direction.clone())
            .limit(first.saturating_add(1))
            .into_query();
        let backend = self.db.get_database_backend();
        let o = Alias::new(PAGE);
        let mut q = Query::select();
        q.from_subquery(page, o.clone());
        // the cursor of each order: its id and the sort's column
        let order_columns = match with_id(&parts.order) {
            Columns::Only(mut set) => {
                set.insert(sort_column.as_str());
                Columns::Only(set)
            }
            all => all,
        };
        select_columns::<order::Entity>(&mut q, PAGE, "", &order_columns);
        // a user of some sources: the buyers as those sources showed them
        let seen_by = match scope {
            SourceScope::All => None,
            SourceScope::Only(ids) => Some(ids.iter().map(|s| s.0).collect::<Vec<i64>>()),
        };
        let customer_columns = parts.customer.as_ref().map(with_id);
        if let Some(columns) = &customer_columns {
            join::<customer::Entity>(&mut q, &CUSTOMER, columns);
            if let Some(sources) = seen_by.as_deref().filter(|s| !s.is_empty()) {
                q.expr_as(
                    Expr::cust(contacts_of_buyer(
                        backend,
                        sources,
                        &format!(
                            "\"{PAGE}\".\"{col}\" {dir}, \"{PAGE}\".\"id\" {dir}",
                            col = sort_column.as_str(),
                            dir = if sort.descending { "DESC" } else { "ASC" },
                        ),
                    )),
                    Alias::new("cc_json"),
                );
            }
        }
        let source_columns = parts.source.as_ref().map(with_id);
        if let Some(columns) = &source_columns {
            join::<source::Entity>(&mut q, &SOURCE, columns);
        }
        let status_columns = parts.status.as_ref().map(with_id);
        if let Some(columns) = &status_columns {
            join::<status::Entity>(&mut q, &STATUS, columns);
        }
        if let Some(columns) = &parts.items {
            q.expr_as(
                Expr::cust(items_of_order(backend, columns)),
                Alias::new("i_rows"),
            );
        }
        if let Some(count) = count {
            q.expr_as(
                Expr::SubQuery(None, Box::new(count.into_sub_query_statement())),
                Alias::new("total_count"),
            );
        }
        q.order_by(
            (o.clone(), Alias::new(sort_column.as_str())),
            direction.clone(),
        )
        .order_by((o.clone(), Alias::new("id")), direction);
        let rows = self.db.query_all(&q).await?;

        let mut orders: Vec<OrderRow> = Vec::with_capacity(rows.len());
        let mut rel = PageRelations::default();
        let mut customers: Vec<CustomerRow> = vec![];
        let mut contacts: HashMap<i64, Vec<Contact>> = HashMap::new();
        let (mut seen_customers, mut seen_sources, mut seen_statuses) =
            (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        for row in &rows {
            let order: OrderRow = read_model::<order::Entity>(row, "", &order_columns)?;
            if let Some(columns) = &parts.items {
                rel.items
                    .insert(order.id, read_items(row, backend, columns)?);
            }
            if let Some(columns) = &customer_columns {
                if let Some(c) =
                    read_joined::<customer::Entity>(row, &CUSTOMER, columns, &mut seen_customers)?
                {
                    if seen_by.is_some() {
                        let shown: Vec<Contact> = json_col(row, "cc_json")?.unwrap_or_default();
                        contacts.insert(c.id, shown);
                    }
                    customers.push(c);
                }
            }
            if let Some(columns) = &source_columns {
                rel.sources.extend(read_joined::<source::Entity>(
                    row,
                    &SOURCE,
                    columns,
                    &mut seen_sources,
                )?);
            }
            if let Some(columns) = &status_columns {
                rel.statuses.extend(read_joined::<status::Entity>(
                    row,
                    &STATUS,
                    columns,
                    &mut seen_statuses,
                )?);
            }
            orders.push(order);
        }
        // an empty page after a cursor (past the end) carries no count: the caller counts apart
        let total = match rows.first() {
            _ if !parts.total => None,
            Some(row) => Some(u64::try_from(row.try_get::<i64>("", "total_count")?).unwrap_or(0)),
            None if from_start => Some(0),
            None => None,
        };
        let has_next = orders.len() as u64 > first;
        if has_next {
            if let Some(extra) = orders.pop() {
                rel.items.remove(&extra.id);
            }
        }
        if seen_by.is_some() {
            super::contacts::seen_through(&mut customers, &contacts);
        }
        rel.customers = customers;
        Ok((
            OrderPage {
                rows: orders,
                has_next,
                total,
            },
            rel,
        ))
    }
}
