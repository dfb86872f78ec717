//! The orders page resolved in one pass over its selection (issue 20). async-graphql resolves
//! every field of every object as a boxed future in a `FuturesUnordered`, and every list item as
//! another future: about fifteen hundred of them for a page of 50 orders with their buyers,
//! sources, statuses and items, each allocated, woken and polled, although every one of them is
//! ready at once (the page and its relations were read in one statement beforehand).
//!
//! Here each field still resolves through its type's own resolver (`ContainerType::resolve_field`,
//! the code async-graphql generated from the `#[Object]`), so a field's value, its conversion and
//! its guards are the same code on both paths; only the driving differs: the resolver's future is
//! polled once, in place, and the objects a field holds are walked the same way. Whatever this walk
//! cannot finish in that one poll — a field still waiting for a DataLoader, an error, a directive,
//! a fragment on another type, a response key given twice — makes it give up, and the list is
//! resolved by async-graphql from the start, as before; nothing it computed is kept, and computing
//! it had no effect (the page's relations are already in memory).

use async_graphql::indexmap::{map::Entry, IndexMap};
use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::{
    Context, ContextSelectionSet, Name, OutputType, Positioned, ServerResult, Value,
};
use std::borrow::Cow;

/// What a field of a walked object holds.
pub enum Nested {
    /// A value its resolver gives (a scalar, an enum, or an object the walk does not enter).
    Leaf,
    /// Objects the walk resolved itself; `None` when it could not (the walk gives up).
    Walked(Option<Value>),
}

/// An object type whose fields the walk resolves.
pub trait Walk: async_graphql::ContainerType + Sized {
    /// The field `ctx` names, when it holds objects the walk resolves itself (with [`object`],
    /// [`optional`] or [`list`]).
    fn nested(&self, _ctx: &Context<'_>) -> Nested {
        Nested::Leaf
    }
}

/// `root` with the fields `ctx` selects, or `None` when the walk gives up.
pub fn object<T: Walk>(root: &T, ctx: &ContextSelectionSet<'_>) -> Option<Value> {
    let mut out = IndexMap::with_capacity(ctx.item.node.items.len());
    collect(root, ctx, ctx.item, &mut out)?;
    // async-graphql answers null for an object without fields; leave such oddities to it
    (!out.is_empty()).then_some(Value::Object(out))
}

/// The object a field of `ctx` holds, walked; null when there is none.
pub fn optional<T: Walk>(ctx: &Context<'_>, value: Option<&T>) -> Option<Value> {
    match value {
        Some(v) => object(v, &ctx.with_selection_set(&ctx.item.node.selection_set)),
        None => Some(Value::Null),
    }
}

/// The objects a list field of `ctx` holds, each walked.
pub fn list<'v, T: Walk + 'v>(
    ctx: &Context<'_>,
    values: impl ExactSizeIterator<Item = &'v T>,
) -> Option<Value> {
    let set = ctx.with_selection_set(&ctx.item.node.selection_set);
    let mut out = Vec::with_capacity(values.len());
    for (i, v) in values.enumerate() {
        out.push(object(v, &set.with_index(i))?);
    }
    Some(Value::List(out))
}

/// The future's value when it is ready at its first poll. The future is polled where it was
/// made (a resolver's future holds every field's state; moving it into a function to poll it
/// copied kilobytes per field).
macro_rules! ready {
    ($future:expr) => {{
        let future = ::std::pin::pin!($future);
        match ::std::future::Future::poll(
            future,
            &mut ::std::task::Context::from_waker(::std::task::Waker::noop()),
        ) {
            ::std::task::Poll::Ready(value) => Some(value),
            ::std::task::Poll::Pending => None,
        }
    }};
}
pub(crate) use ready;

fn collect<T: Walk>(
    root: &T,
    ctx: &ContextSelectionSet<'_>,
    set: &Positioned<SelectionSet>,
    out: &mut IndexMap<Name, Value>,
) -> Option<()> {
    for selection in &set.node.items {
        match &selection.node {
            Selection::Field(field) => {
                // @skip and @include were applied before execution; any other directive is
                // async-graphql's to run
                if !field.node.directives.is_empty() {
                    return None;
                }
                // one hash of the key: the slot is taken before the value is worked out
                let Entry::Vacant(slot) = out.entry(field.node.response_key().node.clone()) else {
                    return None;
                };
                let value = if field.node.name.node == "__typename" {
                    Value::String(root.introspection_type_name().into_owned())
                } else {
                    let ctx_field = ctx.with_field(field);
                    match root.nested(&ctx_field) {
                        Nested::Leaf => ready!(root.resolve_field(&ctx_field))?.ok()??,
                        Nested::Walked(v) => v?,
                    }
                };
                slot.insert(value);
            }
            Selection::FragmentSpread(spread) => {
                let fragment = ctx
                    .query_env
                    .fragments
                    .get(&spread.node.fragment_name.node)?;
                if !spread.node.directives.is_empty()
                    || fragment.node.type_condition.node.on.node != *T::type_name()
                {
                    return None;
                }
                collect(root, ctx, &fragment.node.selection_set, out)?;
            }
            Selection::InlineFragment(fragment) => {
                let on_other = fragment
                    .node
                    .type_condition
                    .as_ref()
                    .is_some_and(|t| t.node.on.node != *T::type_name());
                if on_other || !fragment.node.directives.is_empty() {
                    return None;
                }
                collect(root, ctx, &fragment.node.selection_set, out)?;
            }
        }
    }
    Some(())
}

/// Lists the walk resolved, and lists it gave to async-graphql (a frontend query whose shape
/// defeats the walk shows here).
pub const WALKED: &str = "orderhub_graphql_walked_lists_total{result=\"walked\"}";
pub const GIVEN_UP: &str = "orderhub_graphql_walked_lists_total{result=\"given_up\"}";

/// A list of objects resolved by the walk, async-graphql resolving it when the walk gives up;
/// in the schema it is the list itself (`[T!]!`).
pub struct Walked<T>(pub Vec<T>);

impl<T: Walk + OutputType> OutputType for Walked<T> {
    fn type_name() -> Cow<'static, str> {
        <Vec<T> as OutputType>::type_name()
    }

    fn qualified_type_name() -> String {
        <Vec<T> as OutputType>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <Vec<T> as OutputType>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        let count = |result: &str| {
            if let Some(state) = ctx.data_opt::<crate::graphql::ApiState>() {
                state.store.metrics().incr(result);
            }
        };
        let mut out = Vec::with_capacity(self.0.len());
        for (i, v) in self.0.iter().enumerate() {
            match object(v, &ctx.with_index(i)) {
                Some(value) => out.push(value),
                None => {
                    count(GIVEN_UP);
                    return <Vec<T> as OutputType>::resolve(&self.0, ctx, field).await;
                }
            }
        }
        count(WALKED);
        Ok(Value::List(out))
    }
}
