//! GraphQL over HTTP: the bearer token is resolved to a principal once per request.

use super::HttpState;
use crate::domain::auth::Principal;
use crate::graphql::{ensure_error_codes, with_request_data};
use actix_web::{web, HttpRequest, HttpResponse, Responder};
use async_graphql::http::GraphiQLSource;
use async_graphql_actix_web::{GraphQLResponse, GraphQLSubscription};

fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get("authorization")?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
}

async fn principal_for(
    state: &HttpState,
    token: Option<&str>,
) -> Result<Option<Principal>, crate::Error> {
    match token {
        Some(t) => state.store.principal_by_token(t).await,
        None => Ok(None),
    }
}

/// A GraphQL-shaped error answer for requests that never reached the executor.
fn request_error(status: actix_web::http::StatusCode, code: &str, message: String) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({
        "data": null,
        "errors": [{"message": message, "extensions": {"code": code}}]
    }))
}

/// Largest GraphQL request body accepted; bigger ones answer 413 without being buffered.
pub const MAX_BODY: usize = 1 << 20;

pub async fn execute(
    state: web::Data<HttpState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let gql: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return request_error(
                actix_web::http::StatusCode::BAD_REQUEST,
                "BAD_INPUT",
                format!("the body is not a GraphQL request in JSON ({e})"),
            )
        }
    };
    let principal = match principal_for(&state, bearer(&req)).await {
        Ok(p) => p,
        Err(e) => {
            return request_error(
                actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
                e.code(),
                e.public_message(),
            )
        }
    };
    let request = with_request_data(gql, &state.store, principal);
    let mut resp = state.schema.execute(request).await;
    ensure_error_codes(&mut resp);
    GraphQLResponse::from(resp)
        .respond_to(&req)
        .map_into_boxed_body()
}

pub async fn graphiql() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(
            GraphiQLSource::build()
                .endpoint("/graphql")
                .subscription_endpoint("/graphql/ws")
                .finish(),
        )
}

/// graphql-transport-ws. The token comes in `connection_init` as `{"Authorization": "Bearer …"}`.
pub async fn subscriptions(
    state: web::Data<HttpState>,
    req: HttpRequest,
    payload: web::Payload,
) -> actix_web::Result<HttpResponse> {
    let store = state.store.clone();
    GraphQLSubscription::new(state.schema.clone())
        .on_connection_init(move |value| {
            let store = store.clone();
            async move {
                let token = value
                    .get("Authorization")
                    .or_else(|| value.get("authorization"))
                    .and_then(|v| v.as_str())
                    .and_then(|v| v.split_once(' ').map(|(_, t)| t.trim().to_string()));
                let principal = match &token {
                    Some(t) => store.principal_by_token(t).await.ok().flatten(),
                    None => None,
                };
                let mut data = async_graphql::Data::default();
                data.insert(principal);
                if let Some(t) = token {
                    data.insert(crate::graphql::live::ConnectionToken(t));
                }
                data.insert(crate::graphql::loaders::new_loaders(store));
                Ok(data)
            }
        })
        .start(&req, payload)
}
