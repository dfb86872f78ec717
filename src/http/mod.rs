//! HTTP routes: GraphQL, GraphiQL, the console, and the ops endpoints.

pub mod auth;
pub mod console;
pub mod export;
pub mod graphql;
pub mod ops;
pub mod webhooks;

use crate::graphql::AppSchema;
use crate::metrics::Metrics;
use crate::store::Store;
use actix_web::dev::Service;
use actix_web::web;
use std::sync::Arc;
use std::time::Instant;

/// Shared by every handler.
#[derive(Clone)]
pub struct HttpState {
    pub store: Store,
    /// Every limit checked by the schema extension; subscriptions, refusals.
    pub schema: AppSchema,
    /// Requests whose shape is within the limits (`graphql::build_fast_schema`).
    pub fast_schema: AppSchema,
    /// Parsed GraphQL documents of the last requests.
    pub documents: graphql::Documents,
    pub metrics: Arc<Metrics>,
    pub secret_key: crate::secrets::SecretKey,
    /// Stores webhook deliveries in grouped commits (a worker of `sync`).
    pub inbox_writer: crate::sync::intake::InboxWriter,
    /// Sources as webhooks need them, cached for a few seconds.
    pub webhook_sources: webhooks::WebhookSources,
    /// Bearer tokens to principals, failed attempts throttled per address.
    pub auth: auth::Authenticator,
    /// `ORDERHUB_CORS_ORIGINS`, as a browser writes them.
    pub cors_origins: Arc<[String]>,
    /// The origin of `ORDERHUB_PUBLIC_URL`: this server's own pages as a browser reaches them.
    pub public_origin: Option<String>,
}

/// The routes. `cors_origins` (`ORDERHUB_CORS_ORIGINS`) may call the GraphQL routes from a
/// browser; webhooks and the ops endpoints are never opened to browsers.
pub fn configure(cfg: &mut web::ServiceConfig, cors_origins: &[String]) {
    cfg.service(
        web::resource("/graphql")
            .wrap(browser_access(cors_origins))
            .route(web::post().to(graphql::execute))
            .route(web::get().to(graphql::graphiql)),
    )
    .service(
        web::resource("/graphql/ws")
            .wrap(browser_access(cors_origins))
            .route(web::get().to(graphql::subscriptions)),
    )
    .service(
        web::resource("/export/orders.csv")
            .wrap(browser_access(cors_origins))
            .route(web::get().to(export::orders_csv)),
    )
    .service(
        web::scope("/webhooks")
            .app_data(web::PayloadConfig::new(webhooks::MAX_WEBHOOK_BODY))
            .route("/{platform}/{source_id}", web::post().to(webhooks::deliver)),
    )
    .configure(console::configure)
    .route("/healthz", web::get().to(ops::healthz))
    .route("/readyz", web::get().to(ops::readyz))
    .route("/metrics", web::get().to(ops::metrics));
}

/// API-1, API-5: a frontend on a listed origin calls the API with its bearer token: the
/// preflight is answered (POST and GET, `Authorization` and `Content-Type` allowed) and the
/// answer names the origin. Other origins get no `Access-Control-*` header, so the browser keeps
/// the answer from the page; with no origin listed nothing is added at all (OPTIONS answers 405,
/// as any method without a route). No credentials mode: the token is a header, not a cookie.
fn browser_access(origins: &[String]) -> actix_web::middleware::Condition<actix_cors::Cors> {
    use actix_web::http::{header, Method};
    let cors = origins.iter().fold(
        actix_cors::Cors::default()
            .allowed_methods([Method::GET, Method::POST])
            .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
            .max_age(3600),
        |cors, origin| cors.allowed_origin(origin),
    );
    actix_web::middleware::Condition::new(!origins.is_empty(), cors)
}

/// Counts every request by route pattern (not raw path, so ids do not explode the label set).
pub fn app(
    state: HttpState,
) -> actix_web::App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<actix_web::body::BoxBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let metrics = state.metrics.clone();
    let cors_origins = state.cors_origins.clone();
    actix_web::App::new()
        .app_data(web::Data::new(state))
        .app_data(web::PayloadConfig::new(graphql::MAX_BODY))
        .configure(|cfg| configure(cfg, &cors_origins))
        .wrap_fn(move |req, srv| {
            let started = Instant::now();
            let method = req.method().to_string();
            let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
            let metrics = metrics.clone();
            let fut = srv.call(req);
            async move {
                let res = fut.await?;
                metrics.observe_http(&method, &route, res.status().as_u16(), started.elapsed());
                Ok(res)
            }
        })
}
