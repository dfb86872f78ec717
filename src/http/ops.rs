//! `/healthz` (the process answers), `/readyz` (database reachable, migrations applied, every
//! background worker running) and
//! `/metrics` (Prometheus text).

use super::HttpState;
use actix_web::{web, HttpResponse};

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

pub async fn readyz(state: web::Data<HttpState>) -> HttpResponse {
    let down = state.metrics.workers_down();
    if !down.is_empty() {
        return HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .body(down.join("\n"));
    }
    let check = tokio::time::timeout(std::time::Duration::from_secs(3), state.store.ready()).await;
    match check {
        Ok(Ok(true)) => HttpResponse::Ok().content_type("text/plain").body("ready"),
        Ok(Ok(false)) => HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .body("migrations pending"),
        Ok(Err(_)) | Err(_) => HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .body("database unreachable"),
    }
}

pub async fn metrics(state: web::Data<HttpState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render(state.store.pool_stats()))
}
