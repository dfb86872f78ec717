//! `spawn_app()`: the real server on a random port with a fresh database, SQLite by default and
//! PostgreSQL when `ORDERHUB_TEST_DATABASE_URL` points at one (each test its own database).

use chrono::{DateTime, Duration, TimeZone, Utc};
use orderhub::app::App;
use orderhub::config::{SecretString, Settings};
use orderhub::domain::credentials::Credentials;
use orderhub::domain::orders::{ImportedCustomer, ImportedItem, ImportedOrder};
use orderhub::domain::phone::Phone;
use orderhub::domain::{Platform, SourceId, StatusId, UserId};
use orderhub::secrets::SecretKey;
use orderhub::store::sources::SourceSettings;
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{json, Value};
use std::str::FromStr;

pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789";

pub struct TestApp {
    pub base: String,
    pub app_store: orderhub::store::Store,
    pub metrics: std::sync::Arc<orderhub::metrics::Metrics>,
    pub client: reqwest::Client,
    pub handle: actix_web::dev::ServerHandle,
    pub secret_key: SecretKey,
    pub engine: orderhub::sync::SyncEngine,
    /// The task running the instance's workers (`run_until_stopped`): aborting it is the death
    /// of the instance (see [`TestApp::kill`]).
    pub task: tokio::task::AbortHandle,
}

/// A database URL only this test uses.
pub async fn fresh_database_url() -> String {
    let suffix: u64 = rand::random();
    match std::env::var("ORDERHUB_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        Some(admin_url) => {
            let name = format!("oh_test_{suffix:x}");
            let db = Database::connect(&admin_url)
                .await
                .expect("connect to the test Postgres");
            db.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create the test database");
            db.close().await.ok();
            let base = admin_url
                .rsplit_once('/')
                .map(|(b, _)| b)
                .unwrap_or(&admin_url);
            format!("{base}/{name}")
        }
        None => {
            let path = std::env::temp_dir().join(format!("orderhub-test-{suffix:x}.db"));
            format!("sqlite://{}?mode=rwc", path.display())
        }
    }
}

pub async fn spawn_app() -> TestApp {
    let database_url = fresh_database_url().await;
    spawn_app_on(&database_url).await
}

pub async fn spawn_app_on(database_url: &str) -> TestApp {
    spawn_app_with(database_url, std::time::Duration::from_secs(600)).await
}

/// With a poll interval of its own (scheduler tests).
pub async fn spawn_app_with(database_url: &str, poll_interval: std::time::Duration) -> TestApp {
    spawn_app_full(
        database_url,
        poll_interval,
        SecretKey::generate(),
        None,
        Default::default(),
    )
    .await
}

/// One instance of a fleet on `database_url`: the same secret key as `first` (if given), its own
/// poll interval and schedule (concurrency, lease time).
pub async fn spawn_instance(
    database_url: &str,
    first: Option<&TestApp>,
    poll_interval: std::time::Duration,
    schedule: orderhub::sync::scheduler::SchedulePolicy,
) -> TestApp {
    let key = first
        .map(|f| f.secret_key.clone())
        .unwrap_or_else(SecretKey::generate);
    spawn_app_full(database_url, poll_interval, key, None, schedule).await
}

/// A second instance of the same deployment: the same database and secret key as `first`.
pub async fn another_instance(first: &TestApp, database_url: &str) -> TestApp {
    restart_app(first, database_url).await
}

/// A restart: the same database and secret key as `before`.
pub async fn restart_app(before: &TestApp, database_url: &str) -> TestApp {
    spawn_app_full(
        database_url,
        std::time::Duration::from_secs(600),
        before.secret_key.clone(),
        None,
        Default::default(),
    )
    .await
}

/// A restart at the same address as `before`, which must have been stopped: the webhook
/// subscriptions made by `before` (ORDERHUB_PUBLIC_URL) reach the new process, as they reach a
/// real server that comes back after an outage.
pub async fn restart_app_at_same_address(before: &TestApp, database_url: &str) -> TestApp {
    let port: u16 = before
        .base
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .expect("the port of the earlier instance");
    spawn_app_full(
        database_url,
        std::time::Duration::from_secs(600),
        before.secret_key.clone(),
        Some(port),
        Default::default(),
    )
    .await
}

async fn spawn_app_full(
    database_url: &str,
    poll_interval: std::time::Duration,
    secret_key: SecretKey,
    port: Option<u16>,
    schedule: orderhub::sync::scheduler::SchedulePolicy,
) -> TestApp {
    let same_address = port.is_some();
    // a known port, so the simulators can be told where to send webhooks (ORDERHUB_PUBLIC_URL)
    let port = port.unwrap_or_else(|| {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    });
    let settings = Settings {
        database_url: database_url.to_string(),
        listen: format!("127.0.0.1:{port}").parse().unwrap(),
        secret_key: secret_key.clone(),
        admin_token: Some(SecretString::new(ADMIN_TOKEN)),
        poll_interval,
        platform_http: orderhub::platforms::http::HttpPolicy::fast(),
        outbox: orderhub::sync::outbox::OutboxPolicy::fast(),
        public_url: Some(format!("http://127.0.0.1:{port}")),
        live_recheck: std::time::Duration::from_millis(300),
        schedule,
        cors_origins: Vec::new(),
    };
    let mut attempts = 0;
    let app = loop {
        match App::build(settings.clone()).await {
            Ok(app) => break app,
            // the address a stopped instance listened on may take a moment to be free again
            Err(_) if same_address && attempts < 50 => {
                attempts += 1;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(e) => panic!("app builds: {e:?}"),
        }
    };
    let base = format!("http://{}", app.addr());
    let store = app.store().clone();
    let metrics = app.metrics();
    let handle = app.handle();
    let engine = app.engine().clone();
    let task = tokio::spawn(app.run_until_stopped()).abort_handle();
    TestApp {
        base,
        app_store: store,
        metrics,
        // the server closes a connection idle for 5 s (actix's keep-alive); a client that kept
        // it longer could send on it just as it closes and see the request fail unanswered
        client: reqwest::Client::builder()
            .pool_idle_timeout(std::time::Duration::from_secs(2))
            .build()
            .unwrap(),
        handle,
        secret_key,
        engine,
        task,
    }
}

impl TestApp {
    /// The instance dies as a killed process does: its workers and runs stop where they are,
    /// nothing is released (its leases expire), its HTTP server stops answering.
    pub async fn kill(&self) {
        self.task.abort();
        self.handle.stop(false).await;
    }

    /// Runs a GraphQL operation with a bearer token; returns the whole response body.
    pub async fn gql_as(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req = self
            .client
            .post(format!("{}/graphql", self.base))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request sent");
        assert!(resp.status().is_success(), "HTTP {}", resp.status());
        resp.json().await.expect("JSON body")
    }

    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.gql_as(Some(ADMIN_TOKEN), query, variables).await
    }

    /// Runs an operation that must succeed and returns its `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.gql(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// Stores a source directly, without asking its platform (tests of other things than SRC-2).
    /// `extra` takes the GraphQL input's names: managerIds, storeCommission, expenseType, language,
    /// sendTracking, trackingStatusIds, identifyProductsBy, baseUrl.
    pub async fn create_source(&self, name: &str, platform: &str, extra: Value) -> SourceId {
        let platform: Platform = platform.to_lowercase().parse().unwrap();
        let ids = |k: &str| -> Option<Vec<i64>> {
            extra.get(k).and_then(|v| v.as_array()).map(|a| {
                a.iter()
                    .map(|x| {
                        x.as_str()
                            .map(|s| s.parse().unwrap())
                            .unwrap_or_else(|| x.as_i64().unwrap())
                    })
                    .collect()
            })
        };
        let text = |k: &str| extra.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let creds = Credentials {
            login: Some("seller".into()),
            password: Some("pw".into()),
            token: Some("tok".into()),
            ..Default::default()
        };
        let settings = SourceSettings {
            name: Some(name.to_string()),
            currency: Some("UAH".into()),
            language: text("language").map(|l| Some(l.to_lowercase())),
            base_url: text("baseUrl").map(Some),
            credentials_enc: Some(self.secret_key.encrypt_credentials(&creds)),
            manager_ids: ids("managerIds").map(|v| v.into_iter().map(UserId).collect()),
            send_tracking: extra.get("sendTracking").and_then(|v| v.as_bool()),
            tracking_status_ids: ids("trackingStatusIds")
                .map(|v| v.into_iter().map(StatusId).collect()),
            store_commission: extra.get("storeCommission").and_then(|v| v.as_bool()),
            expense_type: text("expenseType"),
            identify_products_by: text("identifyProductsBy").map(|s| s.to_lowercase()),
            ..Default::default()
        };
        SourceId(
            self.app_store
                .create_source(platform, settings)
                .await
                .expect("source stored")
                .id,
        )
    }

    pub async fn create_user(&self, name: &str, sources: &[SourceId]) -> (String, String) {
        let ids: Vec<String> = sources.iter().map(|s| s.to_string()).collect();
        let d = self
            .data(
                "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } token } }",
                json!({ "i": { "name": name, "sourceIds": ids } }),
            )
            .await;
        (
            d["createUser"]["user"]["id"].as_str().unwrap().to_string(),
            d["createUser"]["token"].as_str().unwrap().to_string(),
        )
    }

    /// Stores an order as an import would; returns its id.
    pub async fn import(&self, source: SourceId, order: ImportedOrder) -> i64 {
        self.app_store
            .import_new_order(source, &order)
            .await
            .expect("import")
            .0
            .id
    }

    pub fn db_statements(&self) -> u64 {
        self.metrics.db_statements()
    }
}

pub fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

pub fn at(days_ago: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap() - Duration::days(days_ago)
}

/// A realistic order: a Ukrainian buyer, two items, UAH.
pub fn sample_order(
    external_id: &str,
    created: DateTime<Utc>,
    first: &str,
    phone: &str,
) -> ImportedOrder {
    ImportedOrder {
        external_id: external_id.to_string(),
        number: format!("R-{external_id}"),
        source_status: Some("new".into()),
        status_class: Default::default(),
        created_at: created,
        updated_at: Some(created),
        customer: Some(ImportedCustomer {
            first_name: Some(first.to_string()),
            last_name: Some("Шевченко".into()),
            phone: Phone::parse(phone),
            email: None,
            address: Some("Київ, вул. Хрещатик, 1".into()),
            unspecified: false,
        }),
        items: vec![
            ImportedItem {
                external_id: Some(format!("{external_id}-1")),
                name: "Чайник електричний".into(),
                sku: Some("KET-1".into()),
                code: Some("1001".into()),
                quantity: dec("1"),
                price: dec("899.00"),
                ..Default::default()
            },
            ImportedItem {
                external_id: Some(format!("{external_id}-2")),
                name: "Фільтр для води".into(),
                sku: Some("FLT-2".into()),
                code: Some("1002".into()),
                quantity: dec("2"),
                price: dec("150.50"),
                ..Default::default()
            },
        ],
        total: dec("1200.00"),
        currency: "UAH".into(),
        tracking_number: None,
        commission: Some(dec("96.00")),
        delivery: Some(orderhub::domain::orders::Delivery {
            carrier: Some("Нова Пошта".into()),
            address: Some("Київ, відділення №1".into()),
            ..Default::default()
        }),
    }
}

/// A running Shopify or WooCommerce simulator a source can be created against.
pub enum ShopSim {
    Shopify(orderhub::platforms::shopify::sim::Sim),
    Woo(orderhub::platforms::woocommerce::sim::Sim),
}

impl ShopSim {
    pub fn base_url(&self) -> String {
        match self {
            ShopSim::Shopify(s) => s.base_url(),
            ShopSim::Woo(s) => s.shop_url(),
        }
    }

    /// Calls the simulator's control API (`/_sim/...`); the answer must be a success.
    pub async fn control(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        sim_control(&self.base_url(), method, path, body).await
    }
}

/// Calls a simulator's control API at `base`; the answer must be a success.
pub async fn sim_control(base: &str, method: reqwest::Method, path: &str, body: Value) -> Value {
    let r = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{path}: HTTP {}", r.status());
    r.json().await.unwrap_or(Value::Null)
}

/// Creates a Shopify or WooCommerce source through the API, against a fresh simulator of the
/// platform (createSource checks the credentials with the platform, SRC-2). The simulators'
/// webhook secrets are the platform notes' example secrets.
pub async fn webhook_source(app: &TestApp, platform: &str, currency: &str) -> (SourceId, ShopSim) {
    use orderhub::platforms::{shopify, woocommerce};
    if platform == "SHOPIFY" {
        let sim = shopify::sim::start(0, Default::default()).unwrap();
        let src = shopify_source(app, currency, &sim).await;
        (src, ShopSim::Shopify(sim))
    } else {
        let sim = woocommerce::sim::start(0, Default::default()).unwrap();
        let src = woocommerce_source(app, currency, &sim).await;
        (src, ShopSim::Woo(sim))
    }
}

/// A Shopify source created through the API against a running simulator (started with the
/// options a test needs, e.g. `basic_plan`, and seeded as it likes); the credentials are the
/// simulator's defaults.
pub async fn shopify_source(
    app: &TestApp,
    currency: &str,
    sim: &orderhub::platforms::shopify::sim::Sim,
) -> SourceId {
    let creds = json!({"shopDomain": "demo-store.myshopify.com", "accessToken": "shpat_sim_0123456789abcdef",
        "webhookSecret": "shopify-demo-client-secret"});
    create_webhook_source(app, "SHOPIFY", currency, &sim.base_url(), creds).await
}

/// A WooCommerce source created through the API against a running simulator; the credentials
/// are the simulator's defaults.
pub async fn woocommerce_source(
    app: &TestApp,
    currency: &str,
    sim: &orderhub::platforms::woocommerce::sim::Sim,
) -> SourceId {
    let creds = json!({"consumerKey": "ck_sim0000000000000000000000000000000000000",
        "consumerSecret": "cs_sim0000000000000000000000000000000000000", "webhookSecret": "wc-demo-webhook-secret"});
    create_webhook_source(app, "WOOCOMMERCE", currency, &sim.shop_url(), creds).await
}

async fn create_webhook_source(
    app: &TestApp,
    platform: &str,
    currency: &str,
    base_url: &str,
    creds: Value,
) -> SourceId {
    let d = app
        .data(
            "mutation($i: CreateSourceInput!) { createSource(input: $i) { id } }",
            json!({"i": {"name": platform, "platform": platform, "currency": currency,
                "baseUrl": base_url, "credentials": creds}}),
        )
        .await;
    d["createSource"]["id"].as_str().unwrap().parse().unwrap()
}

/// Runs one poll of the source now; it must take the source's lease and succeed.
pub async fn poll_succeeds(app: &TestApp, source: SourceId) -> orderhub::store::rows::SyncRunRow {
    lease_free(app, source).await;
    let run = app
        .engine
        .run(source, orderhub::sync::RunKind::Poll)
        .await
        .unwrap()
        .expect("the source's lease is free");
    assert_eq!(run.state, "succeeded", "{:?}", run.error);
    run
}

/// Waits (up to 10 s) until no run holds the source's sync lease: a finished run's row is written
/// just before its lease is released.
pub async fn lease_free(app: &TestApp, source: SourceId) {
    let lease = format!("sync:source:{}", source.0);
    for _ in 0..200 {
        if app.app_store.lease_holder(&lease).await.unwrap().is_none() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the source's sync lease was never released");
}

/// The source's backfill run once it has finished (waits up to 10 s).
pub async fn backfill_done(app: &TestApp, source: &str) -> Value {
    for _ in 0..200 {
        let d = app
            .data(
                "query($s: ID!) { syncRuns(sourceId: $s) { edges { node { kind state ordersSeen ordersCreated ordersSkipped note error } } } }",
                json!({"s": source}),
            )
            .await;
        if let Some(r) = nodes(&d["syncRuns"])
            .into_iter()
            .find(|r| r["kind"] == "backfill" && r["state"] != "running")
        {
            lease_free(app, SourceId(source.parse().unwrap())).await;
            return r;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the backfill did not finish");
}

/// A source's orders (the first 200) keyed by their platform id, each with `fields` (which must
/// include `externalId`).
pub async fn orders_by_external_id(
    app: &TestApp,
    source: &str,
    fields: &str,
) -> std::collections::BTreeMap<String, Value> {
    let d = app
        .data(
            &format!("query($s: ID!) {{ orders(filter: {{sourceId: $s}}, first: 200) {{ edges {{ node {{ {fields} }} }} }} }}"),
            json!({"s": source}),
        )
        .await;
    d["orders"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["externalId"].as_str().unwrap().to_string(),
                e["node"].clone(),
            )
        })
        .collect()
}

/// The nodes of a connection's `edges { node { … } }` (API-1); empty when it has none.
pub fn nodes(connection: &Value) -> Vec<Value> {
    connection["edges"]
        .as_array()
        .map(|edges| edges.iter().map(|e| e["node"].clone()).collect())
        .unwrap_or_default()
}

/// The statements of the cheapest of six answers to `q` as `token`, with the last answer (free of
/// errors): the app's inbox and outbox workers look for work every second and their statements
/// count too, so the cheapest run is the query's own cost.
pub async fn cheapest_run(app: &TestApp, token: &str, q: &str, vars: Value) -> (u64, Value) {
    let mut cheapest = u64::MAX;
    let mut answer = Value::Null;
    for _ in 0..6 {
        let before = app.db_statements();
        answer = app.gql_as(Some(token), q, vars.clone()).await;
        cheapest = cheapest.min(app.db_statements() - before);
        assert!(answer.get("errors").is_none(), "{answer}");
    }
    (cheapest, answer)
}

/// A Shopify delivery of order `n`, stored parked (kept as it is until replayed, WH-4), with a
/// body of about 1 KB.
pub fn parked_delivery(source: SourceId, n: usize) -> orderhub::store::inbox::NewDelivery {
    orderhub::store::inbox::NewDelivery {
        source_id: source,
        platform: "shopify".into(),
        topic: Some("orders/create".into()),
        webhook_id: Some(format!("wh-{n}")),
        event_id: None,
        external_order_id: Some(n.to_string()),
        platform_updated_at: None,
        headers: json!({}),
        body: format!("{{\"id\": {n}, \"note\": \"{}\"}}", "x".repeat(1000)).into_bytes(),
        state: "parked",
        last_error: None,
    }
}

/// Stores `n` finished poll runs of `source`, noted `run 01`, `run 02`… in the order made.
pub async fn store_finished_runs(app: &TestApp, source: SourceId, n: usize) {
    for i in 1..=n {
        let mut run = app
            .app_store
            .start_sync_run(source, "poll", None)
            .await
            .unwrap();
        run.state = "succeeded".into();
        run.note = Some(format!("run {i:02}"));
        app.app_store.finish_sync_run(run).await.unwrap();
    }
}
