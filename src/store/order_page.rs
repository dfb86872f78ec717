//! The orders page with what each order shows beside it (customer, items, source, status) in one
//! statement (issue 20): the page is chosen in a subquery (filter, API-3 scope, cursor, limit) and
//! each of its rows carries its relations as JSON built by the database: the order's items as one
//! array, and its source, status and buyer only on the first row of the page that names them (a
//! source shared by 50 orders is sent once). One row per order, nothing repeated; the JSON reads
//! back into the entities' models with `serde`. A user who sees only some sources reads each
//! buyer as those sources showed it (their contacts, API-3), in the same statement.

use super::orders::{order_condition, page_after, OrderPage};
use super::{rows::*, Store};
use crate::domain::auth::SourceScope;
use crate::domain::contact::Contact;
use crate::domain::orders::{OrderCursor, OrderFilter};
use crate::error::Result;
use entity::{customer, customer_contact, order, order_item, source, status};
use sea_orm::sea_query::{Alias, Expr, Order as Direction, Query};
use sea_orm::{
    ColumnTrait, ColumnType, ConnectionTrait, DbBackend, EntityName, EntityTrait, IdenStatic,
    Iterable, QueryFilter, QueryOrder, QueryResult, QuerySelect, QueryTrait,
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
    pub source: bool,
    pub status: bool,
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

/// An SQL expression giving one row of `E` (the row of table alias `from`) as a JSON object whose
/// keys are the column names and whose values read back with the model's `Deserialize`: decimals
/// as text (no float on the way), booleans as JSON booleans and JSON columns as JSON on SQLite too
/// (SQLite keeps them as integers and text).
fn json_row<E: EntityTrait>(backend: DbBackend, from: &str, columns: &Columns) -> String {
    let sqlite = backend == DbBackend::Sqlite;
    let mut pairs = vec![];
    for c in E::Column::iter() {
        let name = c.as_str();
        if !columns.wants(name) {
            continue;
        }
        let col = format!("\"{from}\".\"{name}\"");
        let value = match (c.def().get_column_type(), sqlite) {
            (ColumnType::Decimal(_) | ColumnType::Money(_), false) => format!("{col}::text"),
            (ColumnType::Decimal(_) | ColumnType::Money(_), true) => {
                format!("CASE WHEN {col} IS NULL THEN NULL ELSE printf('%.4f', {col}) END")
            }
            (ColumnType::Boolean, true) => format!(
                "json(CASE WHEN {col} IS NULL THEN 'null' WHEN {col} THEN 'true' ELSE 'false' END)"
            ),
            (ColumnType::Json | ColumnType::JsonBinary, true) => format!("json({col})"),
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

/// `value` (a scalar subquery on the page row) only on the first row of the page whose `key`
/// names that row: a source, status or buyer shared by many orders is sent once.
fn first_mention(key: &str, value: &str) -> String {
    format!(
        "CASE WHEN \"{PAGE}\".\"{key}\" IS NOT NULL AND row_number() OVER (PARTITION BY \
         \"{PAGE}\".\"{key}\" ORDER BY \"{PAGE}\".\"platform_created_at\" DESC, \"{PAGE}\".\"id\" DESC) = 1 \
         THEN {value} END"
    )
}

/// The row of `E` whose id is the page row's `key`, as JSON text.
fn row_by_key<E: EntityTrait>(backend: DbBackend, key: &str, columns: &Columns) -> String {
    let table = E::default().table_name().to_string();
    let cast = if backend == DbBackend::Sqlite {
        ""
    } else {
        "::text"
    };
    format!(
        "(SELECT {json}{cast} FROM \"{table}\" AS \"r\" WHERE \"r\".\"id\" = \"{PAGE}\".\"{key}\")",
        json = json_row::<E>(backend, "r", columns),
    )
}

/// The contacts of the page row's buyer that `sources` showed (API-3: a user who sees only some
/// sources sees a buyer as those sources did), as a JSON array, oldest first.
fn contacts_of_buyer(backend: DbBackend, sources: &[i64]) -> String {
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
    format!(
        "(SELECT {agg} FROM \"{table}\" AS \"cc\" WHERE \"cc\".\"customer_id\" = \"{PAGE}\".\"customer_id\" \
         AND \"cc\".\"source_id\" IN ({}))",
        ids.join(", ")
    )
}

/// The order's items as one JSON array of rows, oldest first; `[]` for an order without any.
fn items_of_order(backend: DbBackend, columns: &Columns) -> String {
    let table = order_item::Entity.table_name();
    let row = json_row::<order_item::Entity>(backend, "i", columns);
    match backend {
        DbBackend::Sqlite => format!(
            "(SELECT json_group_array(json({row}) ORDER BY \"i\".\"id\") FROM \"{table}\" AS \"i\" \
             WHERE \"i\".\"order_id\" = \"{PAGE}\".\"id\")"
        ),
        _ => format!(
            "(SELECT COALESCE(json_agg({row} ORDER BY \"i\".\"id\"), '[]')::text FROM \"{table}\" AS \"i\" \
             WHERE \"i\".\"order_id\" = \"{PAGE}\".\"id\")"
        ),
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

impl Store {
    /// A page of orders with the columns and relations `parts` names, in one statement.
    pub async fn orders_page_with(
        &self,
        scope: &SourceScope,
        filter: &OrderFilter,
        first: u64,
        after: Option<OrderCursor>,
        parts: &PageParts,
    ) -> Result<(OrderPage, PageRelations)> {
        let Some(mut cond) = order_condition(scope, filter) else {
            return Ok((
                OrderPage {
                    rows: vec![],
                    has_next: false,
                },
                PageRelations::default(),
            ));
        };
        if let Some(c) = after {
            cond = cond.add(page_after(&c));
        }
        let page = order::Entity::find()
            .filter(cond)
            .order_by_desc(order::Column::PlatformCreatedAt)
            .order_by_desc(order::Column::Id)
            .limit(first.saturating_add(1))
            .into_query();
        let backend = self.db.get_database_backend();
        let o = Alias::new(PAGE);
        let mut q = Query::select();
        q.from_subquery(page, o.clone());
        let cast = if backend == DbBackend::Sqlite {
            ""
        } else {
            "::text"
        };
        q.expr_as(
            Expr::cust(format!(
                "{}{cast}",
                json_row::<order::Entity>(backend, PAGE, &parts.order)
            )),
            Alias::new("o_json"),
        );
        // a user of some sources: the buyers as those sources showed them
        let seen_by = match scope {
            SourceScope::All => None,
            SourceScope::Only(ids) => Some(ids.iter().map(|s| s.0).collect::<Vec<i64>>()),
        };
        if let Some(columns) = &parts.customer {
            q.expr_as(
                Expr::cust(first_mention(
                    "customer_id",
                    &row_by_key::<customer::Entity>(backend, "customer_id", columns),
                )),
                Alias::new("c_json"),
            );
            if let Some(sources) = seen_by.as_deref().filter(|s| !s.is_empty()) {
                q.expr_as(
                    Expr::cust(first_mention(
                        "customer_id",
                        &contacts_of_buyer(backend, sources),
                    )),
                    Alias::new("cc_json"),
                );
            }
        }
        if parts.source {
            q.expr_as(
                Expr::cust(first_mention(
                    "source_id",
                    &row_by_key::<source::Entity>(backend, "source_id", &Columns::All),
                )),
                Alias::new("s_json"),
            );
        }
        if parts.status {
            q.expr_as(
                Expr::cust(first_mention(
                    "status_id",
                    &row_by_key::<status::Entity>(backend, "status_id", &Columns::All),
                )),
                Alias::new("t_json"),
            );
        }
        if let Some(columns) = &parts.items {
            q.expr_as(
                Expr::cust(items_of_order(backend, columns)),
                Alias::new("i_json"),
            );
        }
        q.order_by(
            (o.clone(), Alias::new("platform_created_at")),
            Direction::Desc,
        )
        .order_by((o.clone(), Alias::new("id")), Direction::Desc);
        let rows = self.db.query_all(&q).await?;

        let mut orders: Vec<OrderRow> = Vec::with_capacity(rows.len());
        let mut rel = PageRelations::default();
        let mut customers: Vec<CustomerRow> = vec![];
        let mut contacts: HashMap<i64, Vec<Contact>> = HashMap::new();
        for row in &rows {
            let order: OrderRow = json_col(row, "o_json")?.ok_or_else(|| {
                crate::error::Error::Internal("orders page: a row without its order".into())
            })?;
            if parts.items.is_some() {
                let items: Vec<OrderItemRow> = json_col(row, "i_json")?.unwrap_or_default();
                rel.items.insert(order.id, items);
            }
            if parts.customer.is_some() {
                if let Some(c) = json_col::<CustomerRow>(row, "c_json")? {
                    if seen_by.is_some() {
                        let shown: Vec<Contact> = json_col(row, "cc_json")?.unwrap_or_default();
                        contacts.insert(c.id, shown);
                    }
                    customers.push(c);
                }
            }
            if parts.source {
                rel.sources.extend(json_col::<SourceRow>(row, "s_json")?);
            }
            if parts.status {
                rel.statuses.extend(json_col::<StatusRow>(row, "t_json")?);
            }
            orders.push(order);
        }
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
            },
            rel,
        ))
    }
}
