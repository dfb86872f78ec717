//! What the orders page reads, planned from what the query selects (issue 20): which columns of
//! the orders, their buyers and items (a column no selected field shows is not read: the
//! database builds less, sends less, and orderhub decodes less), and which relations come with
//! the page. A field this plan does not know reads every column of its table, so a new field is
//! never served a default by mistake; `tests/api/orders.rs` compares every field of the page
//! with the order read alone.

use crate::store::order_page::{Columns, PageParts};
use async_graphql::{context::SelectionField, Lookahead};
use entity::{customer, order, order_item, source, status};
use sea_orm::{EntityTrait, IdenStatic, Iterable};
use std::collections::BTreeSet;

/// Fields that read other columns than their own name in snake case (none: a relation read
/// through the key its table always reads).
type Reads = &'static [(&'static str, &'static [&'static str])];

const ORDER_READS: Reads = &[
    ("source", &["source_id"]),
    ("status", &["status_id"]),
    ("customer", &["customer_id"]),
    ("manager", &["manager_id"]),
    // the platform's name of the status: the code, and the source's platform (read with the page)
    ("sourceStatusLabel", &["source_status"]),
    ("items", &[]),
    ("events", &[]),
    ("expenses", &[]),
    ("__typename", &[]),
];
/// Read whatever is selected: the keys of the nested fields and the cursor.
const ORDER_KEYS: &[&str] = &[
    "id",
    "source_id",
    "status_id",
    "customer_id",
    "manager_id",
    "platform_created_at",
];

const CUSTOMER_READS: Reads = &[("orders", &[]), ("__typename", &[])];
const CUSTOMER_KEYS: &[&str] = &["id"];

const SOURCE_READS: Reads = &[
    ("baseUrl", &["base_url", "platform"]),
    ("defaultStatus", &["default_status_id"]),
    ("managers", &[]),
    ("events", &[]),
    ("syncRuns", &[]),
    ("__typename", &[]),
];
const STATUS_READS: Reads = &[("group", &["status_group"]), ("__typename", &[])];
const ID_KEY: &[&str] = &["id"];

const ITEM_READS: Reads = &[("upsellCapable", &["added_by_sync"]), ("__typename", &[])];
/// None: the page reads the items of each order in their order, under the order; a selection
/// that shows no column of them reads their ids, one value per item (`items_of_order`).
const ITEM_KEYS: &[&str] = &[];

fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The columns of `E` that `fields` show, with `keys`; every column when one of the fields is
/// not known here.
fn columns<'a, E: EntityTrait>(
    fields: impl IntoIterator<Item = SelectionField<'a>>,
    reads: Reads,
    keys: &[&'static str],
) -> Columns {
    let mut set: BTreeSet<&'static str> = keys.iter().copied().collect();
    for field in fields {
        let name = field.name();
        if let Some((_, cols)) = reads.iter().find(|(n, _)| *n == name) {
            set.extend(cols.iter().copied());
            continue;
        }
        let snake = snake_case(name);
        match E::Column::iter().map(|c| c.as_str()).find(|c| *c == snake) {
            Some(c) => {
                set.insert(c);
            }
            None => return Columns::All,
        }
    }
    Columns::Only(set)
}

/// The page's plan from the selection of `orders { edges { node { … } } }`.
pub fn orders_page(node: &Lookahead<'_>) -> PageParts {
    let fields: Vec<SelectionField<'_>> = node
        .selection_fields()
        .into_iter()
        .flat_map(|n| n.selection_set().collect::<Vec<_>>())
        .collect();
    let named = |name: &str| -> Option<Vec<SelectionField<'_>>> {
        let of: Vec<_> = fields.iter().filter(|f| f.name() == name).collect();
        (!of.is_empty()).then(|| of.iter().flat_map(|f| f.selection_set()).collect())
    };
    PageParts {
        order: columns::<order::Entity>(fields.iter().copied(), ORDER_READS, ORDER_KEYS),
        customer: named("customer")
            .map(|f| columns::<customer::Entity>(f, CUSTOMER_READS, CUSTOMER_KEYS)),
        items: named("items").map(|f| {
            match columns::<order_item::Entity>(f, ITEM_READS, ITEM_KEYS) {
                Columns::Only(set) if set.is_empty() => Columns::Only(BTreeSet::from(["id"])),
                cols => cols,
            }
        }),
        // the platform's name of a status needs the source's platform
        source: match (named("source"), named("sourceStatusLabel")) {
            (None, None) => None,
            (fields, label) => Some({
                let mut cols =
                    columns::<source::Entity>(fields.unwrap_or_default(), SOURCE_READS, ID_KEY);
                if label.is_some() {
                    if let Columns::Only(set) = &mut cols {
                        set.insert("platform");
                    }
                }
                cols
            }),
        },
        status: named("status").map(|f| columns::<status::Entity>(f, STATUS_READS, ID_KEY)),
        total: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_become_column_names() {
        assert_eq!(snake_case("platformCreatedAt"), "platform_created_at");
        assert_eq!(snake_case("total"), "total");
        assert_eq!(snake_case("removedOnPlatform"), "removed_on_platform");
    }
}
