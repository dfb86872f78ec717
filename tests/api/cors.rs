//! Browser access (issue 19): a frontend on another origin listed in `ORDERHUB_CORS_ORIGINS`
//! calls `/graphql` and opens `/graphql/ws`; other origins, webhooks and the ops routes get no
//! `Access-Control-*` header, and with nothing listed the server adds none.
// covers: API-1, API-5

use crate::helpers::*;
use orderhub::app::App;
use orderhub::config::{SecretString, Settings};
use reqwest::header::HeaderMap;
use serde_json::{json, Value};

const FRONTEND: &str = "http://localhost:5173";
const CRM: &str = "https://crm.example.com";
const STRANGER: &str = "https://evil.example.net";

/// An app whose `ORDERHUB_CORS_ORIGINS` is `origins`, serving in the background; its base URL.
async fn start(origins: &[&str]) -> String {
    let settings = Settings {
        database_url: fresh_database_url().await,
        listen: "127.0.0.1:0".parse().unwrap(),
        secret_key: orderhub::secrets::SecretKey::generate(),
        admin_token: Some(SecretString::new(ADMIN_TOKEN)),
        poll_interval: std::time::Duration::from_secs(600),
        platform_http: orderhub::platforms::http::HttpPolicy::fast(),
        outbox: Default::default(),
        public_url: None,
        live_recheck: orderhub::graphql::live::RECHECK,
        schedule: Default::default(),
        cors_origins: origins.iter().map(|o| o.to_string()).collect(),
    };
    let app = App::build(settings).await.expect("starts");
    let base = format!("http://{}", app.addr());
    tokio::spawn(app.run_until_stopped());
    base
}

/// The browser's preflight before a POST with a bearer token and a JSON body.
async fn preflight(base: &str, path: &str, origin: &str) -> reqwest::Response {
    reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, format!("{base}{path}"))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap()
}

/// The request itself, as `fetch` sends it from a page on `origin`.
async fn post_me(base: &str, origin: &str) -> (HeaderMap, Value) {
    let res = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .header("Origin", origin)
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({ "query": "{ me { name admin } }" }))
        .send()
        .await
        .unwrap();
    let headers = res.headers().clone();
    (headers, res.json().await.unwrap())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|v| v.to_str().unwrap())
}

fn no_cors_headers(headers: &HeaderMap) -> bool {
    !headers
        .keys()
        .any(|k| k.as_str().starts_with("access-control-"))
}

#[tokio::test]
async fn a_listed_origin_passes_the_preflight_and_reads_the_answer() {
    let base = start(&[FRONTEND, CRM]).await;
    for origin in [FRONTEND, CRM] {
        let res = preflight(&base, "/graphql", origin).await;
        assert!(res.status().is_success(), "{}", res.status());
        let h = res.headers();
        assert_eq!(
            header(h, "access-control-allow-origin"),
            Some(origin),
            "echoed"
        );
        let methods = header(h, "access-control-allow-methods").unwrap_or_default();
        assert!(methods.contains("POST"), "{methods}");
        let allowed = header(h, "access-control-allow-headers")
            .unwrap_or_default()
            .to_ascii_lowercase();
        assert!(allowed.contains("authorization"), "{allowed}");
        assert!(allowed.contains("content-type"), "{allowed}");
        assert_eq!(
            header(h, "access-control-allow-credentials"),
            None,
            "the token is a header, not a cookie"
        );
    }
    let (headers, body) = post_me(&base, FRONTEND).await;
    assert_eq!(
        header(&headers, "access-control-allow-origin"),
        Some(FRONTEND)
    );
    assert_eq!(body["data"]["me"]["admin"], true, "{body}");
}

#[tokio::test]
async fn another_origin_gets_no_allow_header() {
    let base = start(&[FRONTEND]).await;
    let res = preflight(&base, "/graphql", STRANGER).await;
    assert!(!res.status().is_success(), "{}", res.status());
    assert_eq!(
        header(res.headers(), "access-control-allow-origin"),
        None,
        "the browser sends nothing after this preflight"
    );
    // a look-alike of a listed origin is another origin
    let res = preflight(&base, "/graphql", "http://localhost:5174").await;
    assert_eq!(header(res.headers(), "access-control-allow-origin"), None);
    // a request sent anyway (a simple one needs no preflight) is served, but the browser keeps
    // the answer from the page: no allow header
    let (headers, _) = post_me(&base, STRANGER).await;
    assert_eq!(header(&headers, "access-control-allow-origin"), None);
}

#[tokio::test]
async fn webhooks_and_ops_routes_are_not_opened_to_browsers() {
    let base = start(&[FRONTEND]).await;
    for path in [
        "/webhooks/shopify/1",
        "/webhooks/woocommerce/1",
        "/metrics",
        "/healthz",
        "/readyz",
    ] {
        let res = preflight(&base, path, FRONTEND).await;
        assert!(
            no_cors_headers(res.headers()),
            "{path}: {:?}",
            res.headers()
        );
        let res = reqwest::Client::new()
            .get(format!("{base}{path}"))
            .header("Origin", FRONTEND)
            .send()
            .await
            .unwrap();
        assert!(
            no_cors_headers(res.headers()),
            "{path}: {:?}",
            res.headers()
        );
    }
}

#[tokio::test]
async fn with_no_origin_listed_nothing_is_added() {
    let base = start(&[]).await;
    let res = preflight(&base, "/graphql", FRONTEND).await;
    assert!(!res.status().is_success(), "{}", res.status());
    assert!(no_cors_headers(res.headers()), "{:?}", res.headers());
    let (headers, body) = post_me(&base, FRONTEND).await;
    assert!(no_cors_headers(&headers), "{headers:?}");
    assert_eq!(
        body["data"]["me"]["admin"], true,
        "the API itself is as before"
    );
}

/// Opens `/graphql/ws` as a browser page on `origin` would (none: a script); the status of the
/// refusal, or None when the connection is acknowledged.
async fn open_websocket(base: &str, origin: Option<&str>) -> Option<u16> {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::{Error, Message};
    let url = format!("{}/graphql/ws", base.replacen("http", "ws", 1));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    if let Some(o) = origin {
        req.headers_mut().insert("Origin", o.parse().unwrap());
    }
    let mut ws = match tokio_tungstenite::connect_async(req).await {
        Ok((ws, _)) => ws,
        Err(Error::Http(res)) => return Some(res.status().as_u16()),
        Err(e) => panic!("{e}"),
    };
    let init = json!({"type": "connection_init",
                      "payload": {"Authorization": format!("Bearer {ADMIN_TOKEN}")}});
    ws.send(Message::Text(init.to_string().into()))
        .await
        .unwrap();
    let Some(Ok(Message::Text(ack))) = ws.next().await else {
        panic!("no answer to connection_init")
    };
    let ack: Value = serde_json::from_str(&ack).unwrap();
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    None
}

#[tokio::test]
async fn the_websocket_opens_from_a_listed_origin_its_own_pages_and_scripts_only() {
    let base = start(&[FRONTEND]).await;
    assert_eq!(open_websocket(&base, Some(FRONTEND)).await, None);
    assert_eq!(open_websocket(&base, None).await, None, "not a browser");
    assert_eq!(
        open_websocket(&base, Some(&base)).await,
        None,
        "GraphiQL served by this server"
    );
    assert_eq!(open_websocket(&base, Some(STRANGER)).await, Some(403));
    let unlisted = start(&[]).await;
    assert_eq!(open_websocket(&unlisted, Some(&unlisted)).await, None);
    assert_eq!(open_websocket(&unlisted, Some(FRONTEND)).await, Some(403));
}
