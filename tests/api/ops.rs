//! Ops routes: liveness, readiness (503 when the database is gone or a worker is down),
//! Prometheus metrics.

use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn health_ready_and_metrics() {
    let app = spawn_app().await;
    let get = |path: &str| app.client.get(format!("{}{path}", app.base)).send();
    assert_eq!(get("/healthz").await.unwrap().status(), 200);
    assert_eq!(get("/readyz").await.unwrap().status(), 200);
    app.data("{ statuses { id } }", json!({})).await;
    let m = get("/metrics").await.unwrap();
    assert_eq!(m.status(), 200);
    let text = m.text().await.unwrap();
    assert!(
        text.contains(
            "orderhub_http_requests_total{method=\"POST\",route=\"/graphql\",status=\"200\"}"
        ),
        "{text}"
    );
    assert!(text.contains("orderhub_http_request_duration_seconds_bucket{route=\"/graphql\""));
    assert!(text.contains("orderhub_db_statements_total"));
    assert!(text.contains("orderhub_db_pool_connections{state=\"open\"}"));
    // every background worker runs under supervision (issue 14); they start beside the server
    let mut text = text;
    for _ in 0..100 {
        if text.contains("orderhub_worker_up{worker=\"scheduler\"}") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        text = get("/metrics").await.unwrap().text().await.unwrap();
    }
    for worker in ["inbox", "outbox", "scheduler", "live", "intake"] {
        assert!(
            text.contains(&format!("orderhub_worker_up{{worker=\"{worker}\"}} 1")),
            "{worker}: {text}"
        );
        assert!(text.contains(&format!(
            "orderhub_worker_restarts_total{{worker=\"{worker}\"}} 0"
        )));
    }
    let graphiql = get("/graphql").await.unwrap();
    assert_eq!(graphiql.status(), 200);
    assert!(graphiql
        .text()
        .await
        .unwrap()
        .to_lowercase()
        .contains("graphiql"));

    // a background worker that is down makes the instance not ready, saying which, until it
    // runs again (issue 14: the supervisor marks it so while it waits to start it again)
    app.metrics
        .worker_down("inbox", "internal error while processing: a test");
    let r = get("/readyz").await.unwrap();
    assert_eq!(r.status(), 503);
    let why = r.text().await.unwrap();
    assert!(
        why.contains("worker inbox is down") && why.contains("a test"),
        "{why}"
    );
    let text = get("/metrics").await.unwrap().text().await.unwrap();
    assert!(
        text.contains("orderhub_worker_up{worker=\"inbox\"} 0"),
        "{text}"
    );
    assert!(text.contains("orderhub_worker_restarts_total{worker=\"inbox\"} 1"));
    app.metrics.worker_up("inbox", true);
    assert_eq!(get("/readyz").await.unwrap().status(), 200);

    // the database goes away: not ready, but still alive
    app.app_store.clone().close().await;
    assert_eq!(get("/readyz").await.unwrap().status(), 503);
    assert_eq!(get("/healthz").await.unwrap().status(), 200);
    app.handle.stop(false).await;
}

// Migrations run on start and again without harm (a second instance, a restart).
#[tokio::test]
async fn a_second_start_on_the_same_database_is_harmless() {
    let url = fresh_database_url().await;
    let first = spawn_app_on(&url).await;
    let src = first.create_source("R", "ROZETKA", json!({})).await;
    first
        .import(src, sample_order("1", at(1), "Олена", "0501234567"))
        .await;
    let second = spawn_app_on(&url).await;
    let d = second
        .data("{ orders { totalCount } statuses { id } }", json!({}))
        .await;
    assert_eq!(d["orders"]["totalCount"], 1);
    assert_eq!(
        d["statuses"].as_array().unwrap().len(),
        10,
        "default statuses seeded once"
    );
}

// covers: API-1 — connections the database server dropped (a restart, a proxy's idle cut) are
// found out before use: the next request is answered, not failed. PostgreSQL only (a SQLite
// connection cannot go away); the pool pings a connection only after it sat idle (issue 20).
#[tokio::test]
async fn requests_are_answered_after_the_database_dropped_its_connections() {
    let url = fresh_database_url().await;
    let app = spawn_app_on(&url).await;
    let src = app.create_source("R", "ROZETKA", json!({})).await;
    app.import(src, sample_order("1", at(1), "Олена", "0501234567"))
        .await;
    let page = "{ orders(first: 5) { totalCount edges { node { number } } } }";
    assert_eq!(app.data(page, json!({})).await["orders"]["totalCount"], 1);
    if !url.starts_with("postgres") {
        return;
    }
    use sea_orm::ConnectionTrait;
    let admin = sea_orm::Database::connect(&url).await.unwrap();
    for round in 0..2 {
        // past the pool's idle threshold, then every other backend of this database ends
        tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
        let ended = admin
            .query_all_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
            ))
            .await
            .unwrap();
        assert!(
            !ended.is_empty(),
            "round {round}: the app's connections were open"
        );
        let answer = app.gql(page, json!({})).await;
        assert!(answer["errors"].is_null(), "round {round}: {answer}");
        assert_eq!(answer["data"]["orders"]["totalCount"], 1);
    }
    admin.close().await.ok();
}

// covers: API-5 — malformed requests get a coded answer, never a crash
#[tokio::test]
async fn malformed_requests_are_refused_with_a_code() {
    let app = spawn_app().await;
    let post = |body: Vec<u8>| {
        app.client
            .post(format!("{}/graphql", app.base))
            .bearer_auth(ADMIN_TOKEN)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    for body in [
        &b"{\"query\": broken"[..],
        b"",
        b"[]",
        b"\xff\xfe",
        b"{\"query\": 5}",
    ] {
        let r = post(body.to_vec()).await.unwrap();
        // `[]` is a well-formed (empty) request to serde, so the executor answers it
        assert!(
            matches!(r.status().as_u16(), 200 | 400),
            "{:?}",
            String::from_utf8_lossy(body)
        );
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["errors"][0]["extensions"]["code"], "BAD_INPUT");
    }
    let huge = vec![b' '; 3 << 20];
    assert_eq!(post(huge).await.unwrap().status(), 413);
    for q in [
        "{",
        "{ orders(first: 1) { edges { node { nope } } } }",
        "query { __typename ",
        "mutation { createSource }",
    ] {
        let v = app.gql(q, json!({})).await;
        assert_eq!(
            v["errors"][0]["extensions"]["code"], "BAD_INPUT",
            "{q}: {v}"
        );
    }
    // still serving
    assert_eq!(
        app.data("{ me { name } }", json!({})).await["me"]["name"],
        "admin"
    );
}

// The first start without ORDERHUB_ADMIN_TOKEN creates an admin and hands its token out once.
#[tokio::test]
async fn first_start_creates_an_admin_once() {
    use orderhub::app::App;
    use orderhub::config::Settings;
    let url = fresh_database_url().await;
    let settings = || Settings {
        database_url: url.clone(),
        listen: "127.0.0.1:0".parse().unwrap(),
        secret_key: orderhub::secrets::SecretKey::generate(),
        admin_token: None,
        poll_interval: std::time::Duration::from_secs(600),
        platform_http: orderhub::platforms::http::HttpPolicy::fast(),
        outbox: Default::default(),
        public_url: None,
        live_recheck: orderhub::graphql::live::RECHECK,
        schedule: Default::default(),
        cors_origins: Vec::new(),
    };
    let first = App::build(settings()).await.unwrap();
    let token = first
        .new_admin_token
        .clone()
        .expect("a token on the first start");
    let store = first.store().clone();
    let p = store
        .principal_by_token(&token)
        .await
        .unwrap()
        .expect("the token works");
    assert!(p.admin);
    let second = App::build(settings()).await.unwrap();
    assert!(
        second.new_admin_token.is_none(),
        "no second admin on restart"
    );
}

// SQLite runs in WAL mode, so API reads do not wait for a sync's write transaction.
#[tokio::test]
async fn sqlite_runs_in_wal_mode() {
    let url = fresh_database_url().await;
    if !url.starts_with("sqlite:") {
        return; // PostgreSQL run: nothing to check
    }
    let app = spawn_app_on(&url).await;
    assert_eq!(
        app.app_store
            .sqlite_journal_mode()
            .await
            .unwrap()
            .as_deref(),
        Some("wal")
    );
}

/// A free port on 127.0.0.1.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

// covers: INTERFACE.md "Configuration" (no SPEC ID) — `serve --config FILE` takes the same settings as the environment, the
// environment winning; a file with an unknown key is refused by name before anything starts
#[tokio::test]
async fn serve_reads_a_config_file_and_the_environment_wins() {
    use std::process::{Command, Stdio};
    let dir = std::env::temp_dir().join(format!("orderhub-config-{:x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    // the file's port stays taken by this test: were the file to win, serve could not start
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let in_file = held.local_addr().unwrap().port();
    let in_env = free_port();
    let file = dir.join("orderhub.toml");
    std::fs::write(
        &file,
        format!(
            "# orderhub settings\ndatabase_url = \"{}\"\nlisten = \"127.0.0.1:{in_file}\"\n\
             admin_token = \"token-from-the-file-0123456789\"\nsecret_key = \"{}\"\npoll_interval = \"1h\"\n",
            fresh_database_url().await,
            orderhub::secrets::SecretKey::generate().to_base64()
        ),
    )
    .unwrap();
    let clean = |c: &mut Command| {
        for k in [
            "ORDERHUB_DATABASE_URL",
            "ORDERHUB_LISTEN",
            "ORDERHUB_ADMIN_TOKEN",
            "ORDERHUB_SECRET_KEY",
            "ORDERHUB_POLL_INTERVAL",
            "ORDERHUB_PUBLIC_URL",
            "ORDERHUB_CONFIG",
        ] {
            c.env_remove(k);
        }
        c.env("RUST_LOG", "error").stdout(Stdio::null());
    };

    let mut serve = Command::new(env!("CARGO_BIN_EXE_orderhub"));
    clean(&mut serve);
    serve
        .args(["serve", "--config"])
        .arg(&file)
        .env("ORDERHUB_LISTEN", format!("127.0.0.1:{in_env}"))
        .stderr(Stdio::null());
    let mut child = serve.spawn().expect("orderhub serve starts");
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{in_env}");
    let mut me = serde_json::Value::Null;
    for _ in 0..200 {
        if let Ok(r) = client
            .post(format!("{base}/graphql"))
            .bearer_auth("token-from-the-file-0123456789")
            .json(&json!({"query": "{ me { admin } }"}))
            .send()
            .await
        {
            me = r.json().await.unwrap();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    drop(held);
    assert_eq!(
        me["data"]["me"]["admin"], true,
        "serve listens where ORDERHUB_LISTEN says, not on the file's (taken) port, and the \
         file's admin token opens: {me}"
    );

    let typo = dir.join("typo.toml");
    std::fs::write(&typo, "databse_url = \"sqlite://x.db\"\n").unwrap();
    let mut bad = Command::new(env!("CARGO_BIN_EXE_orderhub"));
    clean(&mut bad);
    let out = bad.args(["serve", "--config"]).arg(&typo).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("typo.toml") && err.contains("unknown key `databse_url`"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
