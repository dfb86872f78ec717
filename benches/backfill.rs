//! Backfill throughput (IMP-1): N orders from the Prom simulator (100 per page, as Prom serves
//! them) into a fresh SQLite database. Reports, in one run:
//! - fetch: the client reading every page from the simulator (HTTP + JSON + mapping; the simulator
//!   runs in this process, so this CPU includes it);
//! - store: orderhub writing those orders, one transaction per page (orderhub's own CPU);
//! - end to end: the engine's backfill run as a user gets it.
//!
//! `cargo bench --bench backfill` (ORDERHUB_BENCH_ORDERS, default 20000;
//! ORDERHUB_BENCH_DATABASE_URL for PostgreSQL, an empty database).

mod common;
use common::BenchDb;
use orderhub::domain::credentials::Credentials;
use orderhub::domain::{Platform, SourceId};
use orderhub::platforms::http::HttpPolicy;
use orderhub::platforms::{client_for, prom, SourceConfig};
use orderhub::secrets::SecretKey;
use orderhub::store::orders::Actor;
use orderhub::store::sources::SourceSettings;
use orderhub::store::Store;
use orderhub::sync::{RunKind, SyncEngine};
use std::time::Instant;

/// Process CPU time (user + system) in seconds, from /proc (Linux).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

async fn source(store: &Store, key: &SecretKey, base_url: &str) -> SourceId {
    source_with(
        store,
        key,
        base_url,
        serde_json::json!({"min_interval_ms": 0}),
    )
    .await
}

async fn source_with(
    store: &Store,
    key: &SecretKey,
    base_url: &str,
    settings: serde_json::Value,
) -> SourceId {
    let creds = Credentials {
        token: Some("prom-sim-token".into()),
        ..Default::default()
    };
    let s = SourceSettings {
        name: Some("Prom".into()),
        currency: Some("UAH".into()),
        base_url: Some(Some(base_url.to_string())),
        credentials_enc: Some(key.encrypt_credentials(&creds)),
        settings: Some(settings),
        ..Default::default()
    };
    SourceId(store.create_source(Platform::Prom, s).await.unwrap().id)
}

fn main() {
    let n: usize = std::env::var("ORDERHUB_BENCH_ORDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let sim = prom::sim::start(0, Default::default()).unwrap();
        sim.seed(n, 59);
        let key = SecretKey::generate();

        // fetch only
        let client = client_for(SourceConfig {
            source_id: SourceId(1),
            platform: Platform::Prom,
            base_url: sim.api_url(),
            credentials: Credentials {
                token: Some("prom-sim-token".into()),
                ..Default::default()
            },
            language: None,
            settings: serde_json::json!({"min_interval_ms": 0}),
            http: HttpPolicy::default(),
        })
        .unwrap();
        let (t, c) = (Instant::now(), cpu_seconds());
        let orders = client
            .orders_created_since(chrono::Utc::now() - chrono::Duration::days(60))
            .await
            .unwrap()
            .orders;
        let (fetch_wall, fetch_cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - c);
        let got = orders.len();

        // store only
        let metrics = std::sync::Arc::new(orderhub::metrics::Metrics::default());
        let db = BenchDb::new("backfill-store");
        let store = Store::connect(&db.url, metrics.clone(), orderhub::platforms::FACTS).await.unwrap();
        store.migrate().await.unwrap();
        let src = source(&store, &key, &sim.api_url()).await;
        let (t, c) = (Instant::now(), cpu_seconds());
        for page in orders.chunks(100) {
            store.apply_orders(src, page, Actor::System).await.unwrap();
        }
        let (store_wall, store_cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - c);
        let statements = metrics.db_statements();

        // end to end through the engine
        let db2 = BenchDb::new("backfill-engine");
        let store2 = Store::connect(&db2.url, Default::default(), orderhub::platforms::FACTS)
            .await
            .unwrap();
        store2.migrate().await.unwrap();
        let src2 = source(&store2, &key, &sim.api_url()).await;
        let engine = SyncEngine::new(store2.clone(), key.clone(), HttpPolicy::default());
        let t = Instant::now();
        let run = engine.run(src2, RunKind::Backfill).await.unwrap().unwrap();
        let e2e_wall = t.elapsed().as_secs_f64();
        assert_eq!(run.orders_created as usize, got);

        // the same backfill at Prom's real pace (the client's default: 2 pages a second)
        let paced_n: usize = std::env::var("ORDERHUB_BENCH_PACED_ORDERS").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000);
        let paced_sim = prom::sim::start(0, Default::default()).unwrap();
        paced_sim.seed(paced_n, 59);
        let db3 = BenchDb::new("backfill-paced");
        let store3 = Store::connect(&db3.url, Default::default(), orderhub::platforms::FACTS).await.unwrap();
        store3.migrate().await.unwrap();
        let src3 = source_with(&store3, &key, &paced_sim.api_url(), serde_json::json!({})).await;
        let engine3 = SyncEngine::new(store3.clone(), key.clone(), HttpPolicy::default());
        let (t, c) = (Instant::now(), cpu_seconds());
        let run3 = engine3.run(src3, RunKind::Backfill).await.unwrap().unwrap();
        let (paced_wall, paced_cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - c);
        let paced_got = run3.orders_created as f64;

        println!(
            "backfill of {got} orders ({n} seeded over 59 days), Prom simulator, 100 per page"
        );
        println!(
            "fetch (simulator + client):  {:>8.0} orders/s   {:>6.1} µs CPU/order",
            got as f64 / fetch_wall,
            fetch_cpu * 1e6 / got as f64
        );
        println!(
            "store (orderhub):            {:>8.0} orders/s   {:>6.1} µs CPU/order",
            got as f64 / store_wall,
            store_cpu * 1e6 / got as f64
        );
        println!(
            "end to end (engine backfill): {:>7.0} orders/s   {:.1} s",
            got as f64 / e2e_wall,
            e2e_wall
        );
        println!(
            "at Prom's pace (2 pages/s): {:>5.0} orders/s, {:.1} µs CPU per order for the whole process (client, simulator, store), busy {:.0}% of the time",
            paced_got / paced_wall,
            paced_cpu * 1e6 / paced_got,
            paced_cpu * 100.0 / paced_wall
        );
        let db_time: f64 = metrics
            .render(None)
            .lines()
            .find(|l| l.starts_with("orderhub_db_statement_duration_seconds_sum"))
            .and_then(|l| l.rsplit_once(' ').and_then(|(_, v)| v.parse().ok()))
            .unwrap_or(0.0);
        println!(
            "store phase: {statements} SQL statements ({:.1} per page of 100), {:.2} s in the database",
            statements as f64 / (got as f64 / 100.0),
            db_time
        );
    });
}
