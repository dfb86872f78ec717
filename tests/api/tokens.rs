//! Token lifecycle (issue 16): rotating, revoking, deleting users, the bootstrap admin token of
//! `ORDERHUB_ADMIN_TOKEN` across restarts and its minimum length, failed authentications throttled
//! per client address, and when a token was made and last used.
// covers: API-3, API-5

use crate::helpers::*;
use orderhub::app::App;
use orderhub::config::{SecretString, Settings};
use serde_json::{json, Value};

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<none>")
}

const ME: &str = "{ me { id name tokenCreatedAt tokenLastUsedAt } }";
const ROTATE: &str =
    "mutation($u: ID!) { rotateToken(userId: $u) { user { id tokenCreatedAt } token } }";
const REVOKE: &str = "mutation($u: ID!) { revokeToken(userId: $u) { id tokenCreatedAt } }";
const DELETE: &str = "mutation($u: ID!) { deleteUser(id: $u) }";

async fn create_admin(app: &TestApp, name: &str) -> (String, String) {
    let d = app
        .data(
            "mutation($n: String!) { createUser(input: {name: $n, admin: true}) { user { id } token } }",
            json!({ "n": name }),
        )
        .await;
    (
        d["createUser"]["user"]["id"].as_str().unwrap().to_string(),
        d["createUser"]["token"].as_str().unwrap().to_string(),
    )
}

async fn my_id(app: &TestApp, token: &str) -> String {
    let body = app.gql_as(Some(token), ME, json!({})).await;
    body["data"]["me"]["id"].as_str().expect("me").to_string()
}

// covers: API-5
#[tokio::test]
async fn rotating_a_token_stops_the_old_one_at_once() {
    let app = spawn_app().await;
    let (id, old) = app.create_user("manager", &[]).await;
    let (other, _) = app.create_user("other", &[]).await;

    // a user rotates their own token
    let body = app.gql_as(Some(&old), ROTATE, json!({ "u": id })).await;
    let new = body["data"]["rotateToken"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string();
    assert_ne!(new, old);
    assert!(body["data"]["rotateToken"]["user"]["tokenCreatedAt"].is_string());
    assert_eq!(
        code(&app.gql_as(Some(&old), ME, json!({})).await),
        "UNAUTHENTICATED"
    );
    assert_eq!(my_id(&app, &new).await, id);

    // but not another user's
    let body = app.gql_as(Some(&new), ROTATE, json!({ "u": other })).await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");

    // an admin rotates anyone's
    let d = app.data(ROTATE, json!({ "u": id })).await;
    let newer = d["rotateToken"]["token"].as_str().unwrap();
    assert_eq!(
        code(&app.gql_as(Some(&new), ME, json!({})).await),
        "UNAUTHENTICATED"
    );
    assert_eq!(my_id(&app, newer).await, id);
    assert_eq!(
        code(&app.gql(ROTATE, json!({ "u": "99999" })).await),
        "NOT_FOUND"
    );
}

// covers: API-5
#[tokio::test]
async fn a_revoked_user_has_no_valid_token_until_rotated() {
    let app = spawn_app().await;
    let (id, token) = app.create_user("manager", &[]).await;
    assert_eq!(
        code(&app.gql_as(Some(&token), REVOKE, json!({ "u": id })).await),
        "FORBIDDEN",
        "revoking is for admins"
    );
    let d = app.data(REVOKE, json!({ "u": id })).await;
    assert!(d["revokeToken"]["tokenCreatedAt"].is_null(), "{d}");
    assert_eq!(
        code(&app.gql_as(Some(&token), ME, json!({})).await),
        "UNAUTHENTICATED"
    );
    let d = app.data(ROTATE, json!({ "u": id })).await;
    let fresh = d["rotateToken"]["token"].as_str().unwrap();
    assert_eq!(my_id(&app, fresh).await, id);

    // the last admin with a valid token cannot be left without one
    let admin_id = my_id(&app, ADMIN_TOKEN).await;
    let body = app.gql(REVOKE, json!({ "u": admin_id })).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("last admin"),
        "{body}"
    );
    assert_eq!(my_id(&app, ADMIN_TOKEN).await, admin_id);
}

// covers: API-3, API-5
#[tokio::test]
async fn deleting_users_never_removes_the_last_admin() {
    let app = spawn_app().await;
    let source = app.create_source("Shop", "prom", json!({})).await;
    let (id, token) = app.create_user("manager", &[source]).await;
    assert_eq!(
        code(&app.gql_as(Some(&token), DELETE, json!({ "u": id })).await),
        "FORBIDDEN"
    );
    let d = app.data(DELETE, json!({ "u": id })).await;
    assert_eq!(d["deleteUser"], id.as_str());
    assert_eq!(
        code(&app.gql_as(Some(&token), ME, json!({})).await),
        "UNAUTHENTICATED"
    );
    let users = app.data("{ users { id } }", json!({})).await;
    assert!(
        !users["users"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["id"] == id.as_str()),
        "{users}"
    );
    assert_eq!(
        code(&app.gql(DELETE, json!({ "u": id })).await),
        "NOT_FOUND"
    );

    // the only admin cannot delete themself
    let admin_id = my_id(&app, ADMIN_TOKEN).await;
    let body = app.gql(DELETE, json!({ "u": admin_id })).await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("last admin"),
        "{body}"
    );
    // with a second admin it may go, and then the second is the last
    let (second_id, second) = create_admin(&app, "second").await;
    let body = app
        .gql_as(Some(&second), DELETE, json!({ "u": admin_id }))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let body = app
        .gql_as(Some(&second), DELETE, json!({ "u": second_id }))
        .await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
}

fn settings(url: &str, token: Option<&str>) -> Settings {
    Settings {
        database_url: url.to_string(),
        listen: "127.0.0.1:0".parse().unwrap(),
        secret_key: orderhub::secrets::SecretKey::generate(),
        admin_token: token.map(SecretString::new),
        poll_interval: std::time::Duration::from_secs(600),
        platform_http: orderhub::platforms::http::HttpPolicy::fast(),
        outbox: Default::default(),
        public_url: None,
        live_recheck: orderhub::graphql::live::RECHECK,
        schedule: Default::default(),
        cors_origins: Vec::new(),
    }
}

/// Starts an app on `url` with `token` as ORDERHUB_ADMIN_TOKEN; its base URL and handle.
async fn start(url: &str, token: &str) -> (String, actix_web::dev::ServerHandle) {
    let app = App::build(settings(url, Some(token)))
        .await
        .expect("starts");
    let base = format!("http://{}", app.addr());
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    (base, handle)
}

async fn me_as(base: &str, token: &str) -> Value {
    reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": ME }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

// covers: API-5
#[tokio::test]
async fn a_changed_admin_token_replaces_the_old_one_on_restart() {
    let url = fresh_database_url().await;
    let first = "first-admin-token-0123456789abcdef";
    let second = "second-admin-token-0123456789abcdef";
    let (base, handle) = start(&url, first).await;
    let admin_id = me_as(&base, first).await["data"]["me"]["id"].clone();
    assert!(admin_id.is_string());
    handle.stop(true).await;

    let (base, handle) = start(&url, second).await;
    assert_eq!(code(&me_as(&base, first).await), "UNAUTHENTICATED");
    let me = me_as(&base, second).await;
    assert_eq!(me["data"]["me"]["id"], admin_id, "the same admin: {me}");
    // still one admin, not one more per value
    let users: Value = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .bearer_auth(second)
        .json(&json!({ "query": "{ users { admin } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        users["data"]["users"].as_array().unwrap().len(),
        1,
        "{users}"
    );
    handle.stop(true).await;

    // the same value again changes nothing
    let (base, handle) = start(&url, second).await;
    assert_eq!(me_as(&base, second).await["data"]["me"]["id"], admin_id);
    handle.stop(true).await;
}

// covers: INTERFACE.md "Configuration" (no SPEC ID) — a short ORDERHUB_ADMIN_TOKEN is refused at
// start, naming the variable and the minimum
#[tokio::test]
async fn a_short_admin_token_is_refused_at_start() {
    let url = fresh_database_url().await;
    let err = match App::build(settings(&url, Some("short-token"))).await {
        Ok(_) => panic!("started with an 11-character admin token"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("ORDERHUB_ADMIN_TOKEN"), "{err}");
    assert!(err.contains("at least 24"), "{err}");
}

async fn post_as(client: &reqwest::Client, base: &str, token: &str) -> (u16, Value) {
    let resp = client
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": "{ me { id } }" }))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

// covers: API-5
#[tokio::test]
async fn failed_authentications_are_throttled_per_address() {
    let app = spawn_app().await;
    let local = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 1]))
        .build()
        .unwrap();
    // the admin's token worked from here before the guessing
    let (status, _) = post_as(&local, &app.base, ADMIN_TOKEN).await;
    assert_eq!(status, 200);
    let (_, fresh) = app.create_user("fresh", &[]).await;
    for i in 0..10 {
        let (status, body) = post_as(&local, &app.base, &format!("guess-{i}")).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(code(&body), "UNAUTHENTICATED", "attempt {i}: {body}");
    }
    let (status, body) = post_as(&local, &app.base, "guess-10").await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(code(&body), "RATE_LIMITED", "{body}");
    let retry_at = body["errors"][0]["extensions"]["retryAt"]
        .as_str()
        .unwrap_or_else(|| panic!("retryAt: {body}"));
    let retry_at = chrono::DateTime::parse_from_rfc3339(retry_at).unwrap();
    assert!(retry_at > chrono::Utc::now(), "{retry_at}");

    // while cooling down: a token that worked from here still works, a new one is not checked
    let (status, body) = post_as(&local, &app.base, ADMIN_TOKEN).await;
    assert_eq!((status, code(&body)), (200, "<none>"), "{body}");
    let (status, body) = post_as(&local, &app.base, &fresh).await;
    assert_eq!((status, code(&body)), (429, "RATE_LIMITED"), "{body}");

    // another address is not affected
    let other = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let (status, body) = post_as(&other, &app.base, "guess-from-elsewhere").await;
    assert_eq!((status, code(&body)), (200, "UNAUTHENTICATED"), "{body}");
    let (status, body) = post_as(&other, &app.base, &fresh).await;
    assert_eq!((status, code(&body)), (200, "<none>"), "{body}");

    // the websocket's connection_init meets the same limit
    ws_init_is_refused(&app.base).await;

    let metrics = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("orderhub_auth_failures_total 11"),
        "ten guesses here and one elsewhere: {metrics}"
    );
    let throttled: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("orderhub_auth_throttled_total "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("{metrics}"));
    assert!(throttled >= 3, "{metrics}");
}

async fn ws_init_is_refused(base: &str) {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::Message;
    let url = format!("{}/graphql/ws", base.replacen("http", "ws", 1));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let init = json!({"type": "connection_init", "payload": {"Authorization": "Bearer ws-guess"}});
    ws.send(Message::text(init.to_string())).await.unwrap();
    loop {
        let msg = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
            .await
            .expect("an answer within 10 s");
        match msg {
            Some(Ok(Message::Close(Some(frame)))) => {
                assert!(frame.reason.contains("too many failed"), "{}", frame.reason);
                return;
            }
            Some(Ok(Message::Text(t))) => {
                assert!(!t.contains("connection_ack"), "accepted: {t}")
            }
            Some(Ok(_)) => {}
            other => panic!("closed without a reason: {other:?}"),
        }
    }
}

// covers: API-5
#[tokio::test]
async fn me_shows_when_the_token_was_made_and_last_used() {
    let app = spawn_app().await;
    let (_, token) = app.create_user("manager", &[]).await;
    let first = app.gql_as(Some(&token), ME, json!({})).await;
    let me = &first["data"]["me"];
    let made =
        chrono::DateTime::parse_from_rfc3339(me["tokenCreatedAt"].as_str().unwrap()).unwrap();
    let used =
        chrono::DateTime::parse_from_rfc3339(me["tokenLastUsedAt"].as_str().unwrap()).unwrap();
    assert!(used >= made, "{me}");
    // written at most once a minute: later requests leave it as it was
    for _ in 0..5 {
        let again = app.gql_as(Some(&token), ME, json!({})).await;
        assert_eq!(
            again["data"]["me"]["tokenLastUsedAt"],
            me["tokenLastUsedAt"]
        );
    }
    // admins see every user's
    let users = app
        .data(
            "{ users { name tokenCreatedAt tokenLastUsedAt } }",
            json!({}),
        )
        .await;
    let manager = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "manager")
        .unwrap()
        .clone();
    assert_eq!(manager["tokenLastUsedAt"], me["tokenLastUsedAt"]);
    assert_eq!(manager["tokenCreatedAt"], me["tokenCreatedAt"]);
}

async fn sources(app: &TestApp, token: &str) -> Value {
    app.gql_as(Some(token), "{ sources { id } }", json!({}))
        .await
}

// covers: API-3, API-5 — a principal is remembered for a few seconds per instance (issue 20):
// this instance's changes apply at once, another instance's within the remembering time
#[tokio::test]
async fn a_revocation_on_another_instance_applies_within_seconds() {
    let url = fresh_database_url().await;
    let a = spawn_app_on(&url).await;
    let b = another_instance(&a, &url).await;
    let shop = a.create_source("Shop", "prom", json!({})).await;
    let (id, token) = a.create_user("manager", &[]).await;
    assert_eq!(my_id(&b, &token).await, id, "remembered by b now");
    assert_eq!(sources(&b, &token).await["data"]["sources"], json!([]));

    // a grant made on a reaches b's remembered principal within the remembering time
    a.data(
        "mutation($u: ID!, $s: [ID!]!) { setUserSources(userId: $u, sourceIds: $s) { id } }",
        json!({"u": id, "s": [shop.to_string()]}),
    )
    .await;
    let deadline = std::time::Instant::now()
        + orderhub::http::auth::PRINCIPAL_TTL
        + std::time::Duration::from_secs(10);
    loop {
        let r = sources(&b, &token).await;
        if r["data"]["sources"] == json!([{"id": shop.to_string()}]) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{r}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }

    // a revocation on a: refused on a at once, on b within the remembering time
    a.data(REVOKE, json!({ "u": id })).await;
    assert_eq!(
        code(&a.gql_as(Some(&token), ME, json!({})).await),
        "UNAUTHENTICATED"
    );
    let deadline = std::time::Instant::now()
        + orderhub::http::auth::PRINCIPAL_TTL
        + std::time::Duration::from_secs(10);
    loop {
        let body = b.gql_as(Some(&token), ME, json!({})).await;
        if code(&body) == "UNAUTHENTICATED" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{body}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}
