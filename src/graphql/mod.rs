//! The GraphQL API (API-1..5): schema, resolvers, DataLoaders and the error mapping.

pub mod guards;
pub mod health;
pub mod input_errors;
pub mod limits;
pub mod live;
pub mod loaders;
pub mod mutation;
pub mod order_edit;
pub mod plan;
pub mod push;
pub mod query;
pub mod sources;
pub mod tokens;
pub mod types;
pub mod walk;

use crate::domain::auth::Principal;
use crate::store::Store;
use async_graphql::{MergedObject, Schema};

#[derive(MergedObject, Default)]
pub struct QueryRoot(
    query::Query,
    push::PushQuery,
    health::HealthQuery,
    sources::SourceQuery,
);

#[derive(MergedObject, Default)]
pub struct MutationRoot(
    mutation::Mutation,
    push::PushMutation,
    tokens::TokenMutation,
    sources::SourceMutation,
    order_edit::OrderEditMutation,
);

pub type AppSchema = Schema<QueryRoot, MutationRoot, live::Subscription>;

/// Everything resolvers share; the per-request principal and loaders are added per request.
#[derive(Clone)]
pub struct ApiState {
    pub store: Store,
    pub secret_key: crate::secrets::SecretKey,
    pub engine: crate::sync::SyncEngine,
    /// The webhook routes' source cache, told when a source changes here.
    pub webhook_sources: crate::http::webhooks::WebhookSources,
    /// Order events as they are written, for `Subscription.orderEvents`.
    pub live: live::OrderEventFeed,
}

/// The schema with every limit checked by `limits::QueryLimits` (depth, cost, root fields,
/// aliases; introspection let through), each refusal named with its figures. Subscriptions and
/// every request the fast schema would refuse run here.
pub fn build_schema(state: Option<ApiState>) -> AppSchema {
    let mut builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        live::Subscription,
    )
    .extension(limits::QueryLimits);
    if let Some(state) = state {
        builder = builder.data(state);
    }
    builder.finish()
}

/// The same schema without the extension, for HTTP requests whose shape `limits::shape_within`
/// found within the limits; its cost limit is async-graphql's own (the same figure). A schema
/// extension makes async-graphql look up every resolved field's type and wrap it in the
/// extension's future (about a thousand fields for a page of 50 orders); without one, fields
/// resolve directly (issue 20). A request it refuses for cost is asked again of `build_schema`'s,
/// which names the cost.
pub fn build_fast_schema(state: ApiState) -> AppSchema {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        live::Subscription,
    )
    .limit_complexity(limits::MAX_COST)
    .data(state)
    .finish()
}

/// The SDL that `orderhub schema` prints and `schema.graphql` holds.
pub fn sdl() -> String {
    build_schema(None).sdl()
}

/// Adds what belongs to one request: who asks, and fresh loaders (a loader's cache is never
/// shared between requests, so one user's rows cannot reach another).
pub fn with_request_data(
    req: async_graphql::Request,
    store: &Store,
    principal: Option<Principal>,
) -> async_graphql::Request {
    req.data(principal)
        .data(loaders::new_loaders(store.clone()))
        .data(loaders::Prefetched::default())
}

/// Errors that left no code (parse and validation errors, bad input values) are the caller's:
/// they become BAD_INPUT so every error carries a code (API-5). A wrong enum value is answered
/// with the enum's valid values.
pub fn ensure_error_codes(resp: &mut async_graphql::Response) {
    for err in &mut resp.errors {
        input_errors::name_valid_enum_values(err);
        let has_code = err
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("code").is_some());
        if !has_code {
            err.extensions
                .get_or_insert_with(Default::default)
                .set("code", "BAD_INPUT");
        }
    }
}
