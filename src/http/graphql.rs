//! GraphQL over HTTP: the bearer token is resolved to a principal once per request.

use super::HttpState;
use crate::domain::auth::Principal;
use crate::graphql::{ensure_error_codes, limits, with_request_data};
use actix_web::{web, HttpRequest, HttpResponse, Responder};
use async_graphql_actix_web::{GraphQLResponse, GraphQLSubscription};
use std::collections::HashMap;
use std::sync::Arc;

pub(super) fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get("authorization")?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
}

async fn principal_for(
    state: &HttpState,
    req: &HttpRequest,
) -> Result<Option<Principal>, crate::Error> {
    let peer = req.peer_addr().map(|a| a.ip());
    state.auth.authenticate(bearer(req), peer).await
}

/// The answer to an authentication that could not be checked: throttled (429, with `retryAt`
/// and Retry-After) or the database away (503).
pub(super) fn auth_error(e: crate::Error) -> HttpResponse {
    if let crate::Error::RateLimited {
        retry_at: Some(at), ..
    } = &e
    {
        let wait = (*at - chrono::Utc::now()).num_seconds().max(1);
        return HttpResponse::TooManyRequests()
            .insert_header(("Retry-After", wait.to_string()))
            .json(serde_json::json!({
                "data": null,
                "errors": [{"message": e.public_message(),
                            "extensions": {"code": e.code(), "retryAt": at.to_rfc3339()}}]
            }));
    }
    request_error(
        actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
        e.code(),
        e.public_message(),
    )
}

/// A GraphQL-shaped error answer for requests that never reached the executor.
pub(super) fn request_error(
    status: actix_web::http::StatusCode,
    code: &str,
    message: String,
) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({
        "data": null,
        "errors": [{"message": message, "extensions": {"code": code}}]
    }))
}

/// Largest GraphQL request body accepted; bigger ones answer 413 without being buffered.
pub const MAX_BODY: usize = 1 << 20;

/// Documents parsed for earlier requests, by their text, with whether their shape is within the
/// limits (issue 20): a frontend sends the same few queries over and over, and parsing one costs
/// more than copying its parsed form. Bounded: only texts up to `MAX_TEXT` bytes are kept, at
/// most `MAX_DOCUMENTS` of them; when full it starts again empty.
#[derive(Clone, Default)]
pub struct Documents(
    Arc<
        std::sync::Mutex<HashMap<String, (async_graphql::parser::types::ExecutableDocument, bool)>>,
    >,
);

impl Documents {
    const MAX_TEXT: usize = 16 * 1024;
    const MAX_DOCUMENTS: usize = 128;

    /// Gives `req` its parsed document and says whether its shape is within the limits; a text
    /// that does not parse is left for the schema to answer.
    pub fn prepare(&self, req: &mut async_graphql::Request) -> bool {
        let cached = self.0.lock().ok().and_then(|m| m.get(&req.query).cloned());
        if let Some((doc, within)) = cached {
            req.set_parsed_query(doc);
            return within;
        }
        let keep = req.query.len() <= Self::MAX_TEXT;
        let text = keep.then(|| req.query.clone());
        let Ok(doc) = req.parsed_query() else {
            return false;
        };
        let within = limits::shape_within(doc);
        if let Some(text) = text {
            let doc = doc.clone();
            if let Ok(mut m) = self.0.lock() {
                if m.len() >= Self::MAX_DOCUMENTS {
                    m.clear();
                }
                m.insert(text, (doc, within));
            }
        }
        within
    }
}

pub async fn execute(
    state: web::Data<HttpState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let mut gql: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return request_error(
                actix_web::http::StatusCode::BAD_REQUEST,
                "BAD_INPUT",
                format!("the body is not a GraphQL request in JSON ({e})"),
            )
        }
    };
    let principal = match principal_for(&state, &req).await {
        Ok(p) => p,
        Err(e) => return auth_error(e),
    };
    // parsed once here (the schema reuses it), or taken parsed from the last requests; a request
    // within the limits' shape runs on the schema without extensions, any other on the one that
    // names each refusal
    let fast = state.documents.prepare(&mut gql);
    let schema = if fast {
        &state.fast_schema
    } else {
        &state.schema
    };
    let request = with_request_data(gql, &state.store, principal.clone());
    let mut resp = schema.execute(request).await;
    if fast && limits::refused_for_cost(&resp) {
        if let Ok(gql) = serde_json::from_slice::<async_graphql::Request>(&body) {
            let request = with_request_data(gql, &state.store, principal);
            resp = state.schema.execute(request).await;
        }
    }
    ensure_error_codes(&mut resp);
    GraphQLResponse::from(resp)
        .respond_to(&req)
        .map_into_boxed_body()
}

/// GraphiQL from files embedded in the binary (issue 19: no CDN, so it works offline); it sends
/// the Authorization header set in its headers tab, and subscriptions go over /graphql/ws.
pub async fn graphiql() -> HttpResponse {
    super::console::graphiql_page()
}

/// API-1, API-5: browsers apply no CORS to websockets but send the page's `Origin`, so the
/// upgrade checks it: a page of this server (GraphiQL; the host it was asked for, or
/// `ORDERHUB_PUBLIC_URL`) or one listed in `ORDERHUB_CORS_ORIGINS`. Clients that are not
/// browsers send no `Origin` and are not concerned. The refused origin comes back as the error.
fn websocket_origin_allowed(
    req: &HttpRequest,
    listed: &[String],
    public_origin: &Option<String>,
) -> Result<(), String> {
    let Some(origin) = req.headers().get(actix_web::http::header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or("an unreadable origin");
    let same_host = origin
        .split_once("://")
        .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(req.connection_info().host()));
    if same_host || listed.iter().any(|o| o == origin) || public_origin.as_deref() == Some(origin) {
        Ok(())
    } else {
        Err(origin.to_string())
    }
}

/// graphql-transport-ws. The token comes in `connection_init` as `{"Authorization": "Bearer …"}`.
pub async fn subscriptions(
    state: web::Data<HttpState>,
    req: HttpRequest,
    payload: web::Payload,
) -> actix_web::Result<HttpResponse> {
    if let Err(origin) = websocket_origin_allowed(&req, &state.cors_origins, &state.public_origin) {
        return Ok(request_error(
            actix_web::http::StatusCode::FORBIDDEN,
            "FORBIDDEN",
            format!(
                "a page on {origin} may not open this websocket: list the origin in \
                 ORDERHUB_CORS_ORIGINS"
            ),
        ));
    }
    let store = state.store.clone();
    let auth = state.auth.clone();
    let peer = req.peer_addr().map(|a| a.ip());
    GraphQLSubscription::new(state.schema.clone())
        .on_connection_init(move |value| {
            let (store, auth) = (store.clone(), auth.clone());
            async move {
                let token = value
                    .get("Authorization")
                    .or_else(|| value.get("authorization"))
                    .and_then(|v| v.as_str())
                    .and_then(|v| v.split_once(' ').map(|(_, t)| t.trim().to_string()));
                // throttled: the connection is refused with the reason; a database error: no
                // principal, as before
                let principal = match auth.authenticate(token.as_deref(), peer).await {
                    Ok(p) => p,
                    Err(e @ crate::Error::RateLimited { .. }) => {
                        return Err(async_graphql::Error::new(e.public_message()))
                    }
                    Err(_) => None,
                };
                let mut data = async_graphql::Data::default();
                data.insert(principal);
                if let Some(t) = token {
                    data.insert(crate::graphql::live::ConnectionToken(t));
                }
                data.insert(crate::graphql::loaders::new_loaders(store));
                data.insert(crate::graphql::loaders::Prefetched::default());
                Ok(data)
            }
        })
        .start(&req, payload)
}
