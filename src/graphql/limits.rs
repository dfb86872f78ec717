//! What one GraphQL request may ask for (API-1, API-5): the query's cost, its root fields,
//! aliases and depth, and the size of every string and list input. A refusal is `BAD_INPUT`
//! and names the limit and by how much it was passed.
//!
//! Cost: a field costs 1 plus its selection; a list or page costs its selection times the
//! number of items it can return (`first`, the default page size when `first` is absent, or an
//! estimate for lists without paging), so nested pages multiply. Introspection (`__schema`,
//! `__type`) is not counted against the depth limit: tools send graphql-js'
//! `getIntrospectionQuery()`, whose `ofType` chain is 14 levels deep. It is bounded instead
//! the way graphql-js' `MaxIntrospectionDepthRule` bounds it: type lists (`fields`,
//! `inputFields`, `interfaces`, `possibleTypes`) nest at most twice.

use crate::Error;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{
    ErrorExtensionValues, ErrorExtensions, Positioned, ServerError, ServerResult, ValidationResult,
    Variables,
};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// Largest cost of one request (roughly: fields resolved, items of every page included).
pub const MAX_COST: usize = 50_000;
/// Deepest nesting of fields, introspection aside.
pub const MAX_DEPTH: usize = 12;
/// Most fields at the top of one operation.
pub const MAX_ROOT_FIELDS: usize = 20;
/// Most aliased fields in one operation (fragments counted where they are spread).
pub const MAX_ALIASES: usize = 50;
/// Most fields in one operation once its fragments are spread; above this nothing else is
/// computed (a document of nested fragments can otherwise grow exponentially).
pub const MAX_FIELDS: usize = 20_000;
/// Type lists nested in an introspection query (graphql-js refuses the third level too).
pub const MAX_INTROSPECTION_LISTS: usize = 2;

/// Items assumed for a list that has no `first`: sources, statuses, users, rules, the events of
/// an order, expense groups.
pub const LIST_ESTIMATE: usize = 50;
/// Items assumed for a short list: the items and expenses of an order, a source's managers.
pub const SHORT_LIST_ESTIMATE: usize = 10;
/// Largest page (`first` or `last`) of a connection besides orders and customers
/// (`domain::orders::MAX_PAGE_SIZE`, `domain::paging::MAX_PAGE_SIZE`).
pub const MAX_SYNC_RUNS: u64 = 200;
pub const MAX_PRODUCTS: u64 = 500;
pub const MAX_DELIVERIES: u64 = 100;
pub const MAX_SOURCE_EVENTS: u64 = 500;
pub const MAX_PUBLICATIONS: u64 = 500;
pub const MAX_CUSTOMER_ORDERS: u64 = 200;
/// The page of those connections when neither `first` nor `last` is given.
pub const SYNC_RUNS_PAGE: u64 = 20;
pub const PRODUCTS_PAGE: u64 = 100;
pub const DELIVERIES_PAGE: u64 = 50;
pub const SOURCE_EVENTS_PAGE: u64 = 50;
pub const CUSTOMER_ORDERS_PAGE: u64 = 20;
/// A webhook delivery's raw body (up to 2 MiB) costs this many fields.
pub const BODY_COST: usize = 2_000;
/// Large enough never to be allowed, small enough that sums of it never overflow.
const COST_CAP: usize = 1 << 40;

/// Cost of a list of `n` items, each costing `child` (at least 1).
pub fn list_cost(n: usize, child: usize) -> usize {
    n.saturating_mul(child.max(1))
        .saturating_add(1)
        .min(COST_CAP)
}

/// Cost of a page whose `first` has a default value in the schema.
pub fn page_cost(first: i32, max: u64, child: usize) -> usize {
    list_cost((first.max(0) as u64).min(max) as usize, child)
}

/// Cost of a page whose `first` is optional: the default page size when absent.
pub fn optional_page_cost(first: Option<i32>, default: u64, max: u64, child: usize) -> usize {
    match first {
        Some(f) => page_cost(f, max, child),
        None => list_cost(default.min(max) as usize, child),
    }
}

fn refusal(limit: &str, message: String) -> ServerError {
    let mut e = ServerError::new(message, None);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", "BAD_INPUT");
    ext.set("limit", limit);
    e.extensions = Some(ext);
    e
}

/// The shape of one operation, fragments spread in place.
#[derive(Default, Debug, PartialEq, Eq)]
pub struct Shape {
    pub fields: usize,
    pub root_fields: usize,
    pub aliases: usize,
    pub depth: usize,
    pub introspection_lists: usize,
}

struct Walk<'a> {
    doc: &'a ExecutableDocument,
    shape: Shape,
    spreading: HashSet<&'a str>,
}

const INTROSPECTION_ROOTS: [&str; 2] = ["__schema", "__type"];
const INTROSPECTION_LISTS: [&str; 4] = ["fields", "inputFields", "interfaces", "possibleTypes"];

impl<'a> Walk<'a> {
    /// `depth` counts fields outside introspection; `lists` is `Some(n)` inside it.
    fn selection_set(
        &mut self,
        set: &'a Positioned<SelectionSet>,
        depth: usize,
        lists: Option<usize>,
        root: bool,
    ) {
        for item in &set.node.items {
            if self.shape.fields > MAX_FIELDS {
                return;
            }
            match &item.node {
                Selection::Field(f) => {
                    let f = &f.node;
                    self.shape.fields += 1;
                    if root {
                        self.shape.root_fields += 1;
                    }
                    if f.alias.is_some() {
                        self.shape.aliases += 1;
                    }
                    let name = f.name.node.as_str();
                    let (depth, lists) = match lists {
                        None if INTROSPECTION_ROOTS.contains(&name) => (depth, Some(0)),
                        None => {
                            self.shape.depth = self.shape.depth.max(depth + 1);
                            (depth + 1, None)
                        }
                        Some(n) if INTROSPECTION_LISTS.contains(&name) => {
                            self.shape.introspection_lists =
                                self.shape.introspection_lists.max(n + 1);
                            (depth, Some(n + 1))
                        }
                        Some(n) => (depth, Some(n)),
                    };
                    self.selection_set(&f.selection_set, depth, lists, false);
                }
                Selection::FragmentSpread(s) => {
                    let name = s.node.fragment_name.node.as_str();
                    // a cycle is refused by validation; here it must only not loop
                    if let Some(fragment) = self.doc.fragments.get(&s.node.fragment_name.node) {
                        if self.spreading.insert(name) {
                            self.selection_set(&fragment.node.selection_set, depth, lists, root);
                            self.spreading.remove(name);
                        }
                    }
                }
                Selection::InlineFragment(i) => {
                    self.selection_set(&i.node.selection_set, depth, lists, root)
                }
            }
        }
    }
}

/// The largest shape among the document's operations (each measured on its own).
pub fn shape_of(doc: &ExecutableDocument) -> Shape {
    let mut worst = Shape::default();
    for (_, op) in doc.operations.iter() {
        let mut walk = Walk {
            doc,
            shape: Shape::default(),
            spreading: HashSet::new(),
        };
        walk.selection_set(&op.node.selection_set, 0, None, true);
        let s = walk.shape;
        worst = Shape {
            fields: worst.fields.max(s.fields),
            root_fields: worst.root_fields.max(s.root_fields),
            aliases: worst.aliases.max(s.aliases),
            depth: worst.depth.max(s.depth),
            introspection_lists: worst.introspection_lists.max(s.introspection_lists),
        };
    }
    worst
}

/// What is wrong with a shape, one refusal per limit passed.
fn shape_refusals(s: &Shape) -> Vec<ServerError> {
    let mut out = vec![];
    if s.root_fields > MAX_ROOT_FIELDS {
        out.push(refusal(
            "rootFields",
            format!(
                "the operation has {} root fields, over the limit of {MAX_ROOT_FIELDS}",
                s.root_fields
            ),
        ));
    }
    if s.aliases > MAX_ALIASES {
        out.push(refusal(
            "aliases",
            format!(
                "the operation has {} aliased fields, over the limit of {MAX_ALIASES}",
                s.aliases
            ),
        ));
    }
    if s.depth > MAX_DEPTH {
        out.push(refusal(
            "depth",
            format!("query depth {} exceeds the limit of {MAX_DEPTH}", s.depth),
        ));
    }
    if s.introspection_lists > MAX_INTROSPECTION_LISTS {
        out.push(refusal(
            "introspectionDepth",
            format!(
                "introspection nests {} type lists (fields, inputFields, interfaces, \
                 possibleTypes), over the limit of {MAX_INTROSPECTION_LISTS}",
                s.introspection_lists
            ),
        ));
    }
    out
}

/// The document is within every limit that does not need the schema (fields, depth, root
/// fields, aliases, introspection lists): it may run on the fast schema, which checks only cost.
pub fn shape_within(doc: &ExecutableDocument) -> bool {
    let shape = shape_of(doc);
    shape.fields <= MAX_FIELDS && shape_refusals(&shape).is_empty()
}

/// The fast schema refused the request for its cost (async-graphql's own message).
pub fn refused_for_cost(resp: &async_graphql::Response) -> bool {
    resp.errors
        .iter()
        .any(|e| e.message == "Query is too complex.")
}

/// The schema extension that applies the limits to every request (HTTP and WebSocket).
pub struct QueryLimits;

impl ExtensionFactory for QueryLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(QueryLimitsExtension::default())
    }
}

#[derive(Default)]
struct QueryLimitsExtension {
    /// Refusals found in the document's shape, reported together with the cost.
    found: Mutex<Vec<ServerError>>,
}

#[async_trait::async_trait]
impl Extension for QueryLimitsExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        let shape = shape_of(&doc);
        if shape.fields > MAX_FIELDS {
            // too big to even measure its cost
            return Err(refusal(
                "fields",
                format!(
                    "the operation has more than {MAX_FIELDS} fields once its fragments are \
                     spread"
                ),
            ));
        }
        *self.found.lock().unwrap_or_else(|e| e.into_inner()) = shape_refusals(&shape);
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await;
        let mut refusals = vec![];
        if let Ok(r) = &result {
            if r.complexity > MAX_COST {
                refusals.push(refusal(
                    "cost",
                    format!(
                        "query cost {} exceeds the limit of {MAX_COST}; ask for smaller pages \
                         (`first`) or fewer nested lists",
                        r.complexity
                    ),
                ));
            }
        }
        refusals.append(&mut self.found.lock().unwrap_or_else(|e| e.into_inner()));
        match result {
            Ok(r) if refusals.is_empty() => Ok(r),
            Ok(_) => Err(refusals),
            Err(mut errors) => {
                errors.append(&mut refusals);
                Err(errors)
            }
        }
    }
}

// ---- input bounds --------------------------------------------------------------------------

/// Ids are numbers; anything longer is not one.
pub const MAX_ID_LEN: usize = 40;
/// Names of sources, users and statuses.
pub const MAX_NAME_LEN: usize = 200;
/// `search` of orders, customers and products; `OrderFilter.sourceStatus`.
pub const MAX_SEARCH_LEN: usize = 200;
/// Cancellation reasons (ours and the platform's).
pub const MAX_REASON_LEN: usize = 500;
/// A status name on the platform.
pub const MAX_PLATFORM_STATUS_LEN: usize = 100;
pub const MAX_TRACKING_NUMBER_LEN: usize = 100;
pub const MAX_EXPENSE_TYPE_LEN: usize = 100;
/// An order comment (`addOrderComment`).
pub const MAX_COMMENT_LEN: usize = 2_000;
pub const MAX_LANGUAGE_LEN: usize = 20;
pub const MAX_CURRENCY_LEN: usize = 3;
pub const MAX_URL_LEN: usize = 2_000;
/// Each credential (tokens, keys, secrets, logins, passwords, shop domains).
pub const MAX_CREDENTIAL_LEN: usize = 4_000;
/// `after` cursors.
pub const MAX_CURSOR_LEN: usize = 200;
/// A source's platform options, as JSON text.
pub const MAX_SETTINGS_BYTES: usize = 16 * 1024;
/// Lists of ids (`managerIds`, `trackingStatusIds`, `sourceIds`).
pub const MAX_ID_LIST: usize = 200;
/// Status rules given at once.
pub const MAX_RULES: usize = 200;
/// `orderEvents(kinds:)`: event kinds at once, and the length of each.
pub const MAX_EVENT_KINDS: usize = 50;
pub const MAX_EVENT_KIND_LEN: usize = 100;

/// How an input is shown back in an error: at most 40 characters, then "…".
pub fn shown(value: &str) -> String {
    let mut chars = value.chars();
    let head: String = chars.by_ref().take(40).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

/// Refuses a string longer than `max` characters, naming the field.
pub fn check_len(field: &str, value: &str, max: usize) -> async_graphql::Result<()> {
    let n = value.chars().count();
    if n > max {
        return Err(Error::bad_input(
            field,
            format!("must be at most {max} characters (this one has {n})"),
        )
        .extend());
    }
    Ok(())
}

pub fn check_opt_len(field: &str, value: Option<&str>, max: usize) -> async_graphql::Result<()> {
    value.map_or(Ok(()), |v| check_len(field, v, max))
}

/// Refuses a list of more than `max` items, naming the field.
pub fn check_list<T>(field: &str, items: &[T], max: usize) -> async_graphql::Result<()> {
    if items.len() > max {
        return Err(Error::bad_input(
            field,
            format!(
                "must have at most {max} items (this one has {})",
                items.len()
            ),
        )
        .extend());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(q: &str) -> Shape {
        shape_of(&async_graphql::parser::parse_query(q).unwrap())
    }

    // covers: API-5
    #[test]
    fn introspection_is_not_counted_in_depth_but_its_type_lists_are() {
        let q = format!(
            "{{ __schema {{ types {{ fields {{ type {{ {} name {} }} }} }} }} }}",
            "ofType { ".repeat(9),
            "} ".repeat(9)
        );
        let s = shape(&q);
        assert_eq!(s.depth, 0);
        assert_eq!(s.introspection_lists, 1);
        let s = shape("{ __type(name: \"Order\") { fields { type { fields { type { fields { name } } } } } } }");
        assert_eq!(s.introspection_lists, 3);
        assert_eq!(shape_refusals(&s).len(), 1);
    }

    // covers: API-5
    #[test]
    fn fragments_count_where_they_are_spread_and_cycles_end() {
        let s = shape(
            "query { ...A ...A } fragment A on Query { a: me { id } b: me { ...B } } \
             fragment B on User { id ...A }",
        );
        assert_eq!(s.root_fields, 4);
        assert_eq!(s.aliases, 4);
        assert_eq!(s.depth, 2);
    }

    #[test]
    fn costs_multiply_and_saturate() {
        assert_eq!(page_cost(200, 200, 3), 601);
        assert_eq!(page_cost(-5, 200, 3), 1);
        assert_eq!(optional_page_cost(None, 50, 200, 2), 101);
        assert_eq!(page_cost(5000, 200, 1), 201);
        assert_eq!(list_cost(usize::MAX, usize::MAX), COST_CAP);
    }

    #[test]
    fn long_values_are_shown_cut() {
        assert_eq!(shown("12"), "12");
        let long = "x".repeat(100);
        assert_eq!(shown(&long), format!("{}…", "x".repeat(40)));
    }
}
