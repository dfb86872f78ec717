//! The seller's console at `/` (issue 18) and GraphiQL at `GET /graphql` (issue 19), both from
//! files embedded in the binary: no CDN, so both work offline.
//!
//! Assets live under `/console/{version}/…`, where the version is a hash of every embedded file:
//! a URL names one content for ever, so it is cached as immutable; the HTML pages are answered
//! with `no-cache` and name the current version. The console's screens are routes of the page
//! itself (History API), so each of them answers the same `index.html`. Every page carries a
//! Content-Security-Policy without inline scripts or `eval`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

struct Asset {
    path: &'static str,
    bytes: &'static [u8],
    mime: &'static str,
}

macro_rules! asset {
    ($path:literal, $mime:literal) => {
        Asset {
            path: $path,
            bytes: include_bytes!(concat!("../../console/", $path)),
            mime: $mime,
        }
    };
}

static ASSETS: &[Asset] = &[
    asset!("app.js", "text/javascript; charset=utf-8"),
    asset!("api.js", "text/javascript; charset=utf-8"),
    asset!("i18n.js", "text/javascript; charset=utf-8"),
    asset!("ui.js", "text/javascript; charset=utf-8"),
    asset!("orders.js", "text/javascript; charset=utf-8"),
    asset!("order.js", "text/javascript; charset=utf-8"),
    asset!("sources.js", "text/javascript; charset=utf-8"),
    asset!("rules.js", "text/javascript; charset=utf-8"),
    asset!("commission.js", "text/javascript; charset=utf-8"),
    asset!("style.css", "text/css; charset=utf-8"),
    asset!("favicon.svg", "image/svg+xml"),
    asset!("graphiql.js", "text/javascript; charset=utf-8"),
    asset!("vendor/preact.module.js", "text/javascript; charset=utf-8"),
    asset!("vendor/hooks.module.js", "text/javascript; charset=utf-8"),
    asset!("vendor/htm.module.js", "text/javascript; charset=utf-8"),
    asset!(
        "vendor/graphiql/graphiql.umd.js",
        "text/javascript; charset=utf-8"
    ),
    asset!("vendor/graphiql/graphiql.css", "text/css; charset=utf-8"),
    asset!(
        "vendor/graphiql/react.production.min.js",
        "text/javascript; charset=utf-8"
    ),
    asset!(
        "vendor/graphiql/react-dom.production.min.js",
        "text/javascript; charset=utf-8"
    ),
];

/// The hash of every embedded file (and its name): the assets' path prefix.
pub static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut h = Sha256::new();
    for a in ASSETS {
        h.update(a.path.as_bytes());
        h.update((a.bytes.len() as u64).to_le_bytes());
        h.update(a.bytes);
    }
    h.update(INDEX_TEMPLATE.as_bytes());
    h.update(GRAPHIQL_TEMPLATE.as_bytes());
    h.finalize()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
});

const INDEX_TEMPLATE: &str = include_str!("../../console/index.html");
const GRAPHIQL_TEMPLATE: &str = include_str!("../../console/graphiql.html");

static INDEX: LazyLock<String> = LazyLock::new(|| INDEX_TEMPLATE.replace("{{VERSION}}", &VERSION));
static GRAPHIQL: LazyLock<String> =
    LazyLock::new(|| GRAPHIQL_TEMPLATE.replace("{{VERSION}}", &VERSION));

/// The console's policy: scripts and styles of this server only (Preact sets styles through
/// the DOM, which CSP allows), the API and its websocket, nothing framed.
const CONSOLE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// GraphiQL's: the same, except that its editors set `style` attributes and its fonts are
/// `data:` URLs inside its stylesheet.
const GRAPHIQL_CSP: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; font-src 'self' data:; img-src 'self' data:; \
     connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// The console's screens: each answers the page, which routes itself.
pub const SCREENS: &[&str] = &[
    "/",
    "/signin",
    "/orders",
    "/orders/{id}",
    "/sources",
    "/sources/{id}",
    "/rules",
    "/rules/{id}",
    "/commission",
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    for screen in SCREENS {
        cfg.route(screen, web::get().to(index));
    }
    // GraphiQL's bundle is 1 MB: gzip for the browsers that ask (each URL is fetched once)
    cfg.service(
        web::resource("/console/{version}/{path:.*}")
            .wrap(actix_web::middleware::Compress::default())
            .route(web::get().to(asset)),
    );
}

fn page(html: &'static str, csp: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_SECURITY_POLICY, csp))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .body(html)
}

async fn index() -> HttpResponse {
    page(INDEX.as_str(), CONSOLE_CSP)
}

/// GraphiQL, as `GET /graphql` answers it.
pub fn graphiql_page() -> HttpResponse {
    page(GRAPHIQL.as_str(), GRAPHIQL_CSP)
}

/// An embedded file. The current version's are immutable; a page of an earlier version (open
/// across an upgrade) still gets today's files, but uncached.
async fn asset(req: HttpRequest, path: web::Path<(String, String)>) -> HttpResponse {
    let (version, path) = path.into_inner();
    let Some(a) = ASSETS.iter().find(|a| a.path == path) else {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body(format!("no console file {path}"));
    };
    let cache = if version == *VERSION {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let etag = format!("\"{}/{}\"", *VERSION, a.path);
    if req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag)
    {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, cache))
            .finish();
    }
    HttpResponse::Ok()
        .content_type(a.mime)
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::ETAG, etag))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(a.bytes)
}
