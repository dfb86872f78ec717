//! A flash sale (WH-2, WH-3, issue 14): a burst of signed Shopify `orders/create` deliveries from
//! concurrent senders — one real payload (tests/fixtures/shopify-order-3.json), a new order id
//! each, so every order has the same returning buyer — posted over loopback to a running orderhub.
//! Reports the acknowledgement rate and how long until every acknowledged delivery is an order
//! (the inbox's apply rate), with the deliveries' final states.
//!
//! `cargo bench --bench webhook_burst` (ORDERHUB_BENCH_DATABASE_URL for PostgreSQL;
//! BENCH_BURST=n and BENCH_SENDERS=n change the defaults of 20 000 and 32).

mod common;
use common::BenchDb;
use orderhub::app::App;
use orderhub::config::{SecretString, Settings};
use orderhub::domain::credentials::Credentials;
use orderhub::domain::Platform;
use orderhub::platforms::signature::sign;
use orderhub::secrets::SecretKey;
use orderhub::store::sources::SourceSettings;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SECRET: &str = "shopify-bench-secret";
const TOKEN: &str = "bench-admin-token-0123456789abcdef";

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Delivery {
    body: Vec<u8>,
    signature: String,
    id: String,
}

fn deliveries(n: usize) -> Vec<Delivery> {
    let fixture = include_str!("../tests/fixtures/shopify-order-3.json");
    let mut order: serde_json::Value = serde_json::from_str(fixture).expect("fixture");
    (0..n)
        .map(|i| {
            order["id"] = serde_json::json!(7_000_000_000_000u64 + i as u64);
            let body = serde_json::to_vec(&order).expect("body");
            Delivery {
                signature: sign(SECRET.as_bytes(), &body),
                body,
                id: format!("burst-{i}"),
            }
        })
        .collect()
}

async fn graphql(client: &reqwest::Client, base: &str, query: &str) -> serde_json::Value {
    client
        .post(format!("{base}/graphql"))
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({ "query": query }))
        .send()
        .await
        .expect("graphql")
        .json()
        .await
        .expect("json")
}

fn main() {
    // RUST_LOG=orderhub=debug shows why the inbox does what it does
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let burst = env_usize("BENCH_BURST", 20_000);
    let senders = env_usize("BENCH_SENDERS", 32);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let db = BenchDb::new("burst");
        let key = SecretKey::generate();
        let app = App::build(Settings {
            database_url: db.url.clone(),
            listen: "127.0.0.1:0".parse().unwrap(),
            secret_key: key.clone(),
            admin_token: Some(SecretString::new(TOKEN)),
            poll_interval: Duration::from_secs(3600),
            platform_http: Default::default(),
            outbox: Default::default(),
            public_url: None,
            live_recheck: orderhub::graphql::live::RECHECK,
            schedule: Default::default(),
            cors_origins: Vec::new(),
        })
        .await
        .unwrap();
        let creds = Credentials {
            shop_domain: Some("burst-store.myshopify.com".into()),
            access_token: Some("x".into()),
            webhook_secret: Some(SECRET.into()),
            ..Default::default()
        };
        let src = app
            .store()
            .create_source(
                Platform::Shopify,
                SourceSettings {
                    name: Some("burst".into()),
                    currency: Some("AUD".into()),
                    credentials_enc: Some(key.encrypt_credentials(&creds)),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let base = format!("http://{}", app.addr());
        let url = format!("{base}/webhooks/shopify/{}", src.id);
        let store = app.store().clone();
        let src_id = orderhub::domain::SourceId(src.id);
        tokio::spawn(app.run_until_stopped());
        let items = Arc::new(deliveries(burst));
        let client = reqwest::Client::new();
        let kind = if db.url.starts_with("sqlite") { "SQLite" } else { "PostgreSQL" };
        println!("burst of {burst} signed Shopify orders (one buyer) from {senders} senders ({kind})");

        let started = Instant::now();
        let next = Arc::new(AtomicUsize::new(0));
        let mut tasks = vec![];
        for _ in 0..senders {
            let (client, items, next, url) = (client.clone(), items.clone(), next.clone(), url.clone());
            tasks.push(tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(d) = items.get(i) else { break };
                    let r = client
                        .post(&url)
                        .header("content-type", "application/json")
                        .header("x-shopify-topic", "orders/create")
                        .header("x-shopify-webhook-id", &d.id)
                        .header("x-shopify-hmac-sha256", &d.signature)
                        .body(d.body.clone())
                        .send()
                        .await
                        .expect("sent");
                    assert_eq!(r.status(), 200);
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let acked = started.elapsed();
        let ack_rate = burst as f64 / acked.as_secs_f64();
        let count = "{ orders(first: 1) { totalCount } }";
        let at_ack = graphql(&client, &base, count).await["data"]["orders"]["totalCount"]
            .as_u64()
            .unwrap_or(0);
        println!(
            "acknowledged: {:.2} s = {ack_rate:.0}/s; {at_ack} orders applied by then",
            acked.as_secs_f64()
        );

        // until every acknowledged delivery is an order (bounded: 10 minutes)
        let mut orders = 0;
        let deadline = started + Duration::from_secs(600);
        while Instant::now() < deadline {
            let v = graphql(&client, &base, count).await;
            orders = v["data"]["orders"]["totalCount"].as_u64().unwrap_or(0) as usize;
            if orders >= burst {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let applied = started.elapsed();
        let apply_rate = orders as f64 / applied.as_secs_f64();
        println!(
            "orders: {orders} after {:.2} s = {apply_rate:.0}/s from the first delivery = {:.0}% of the ack rate",
            applied.as_secs_f64(),
            apply_rate * 100.0 / ack_rate
        );
        // orders are committed a moment before their deliveries are marked done
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut states = std::collections::BTreeMap::<String, usize>::new();
        for d in store.deliveries(src_id, burst as u64 + 10).await.unwrap() {
            *states.entry(d.state).or_default() += 1;
        }
        println!("deliveries by state: {states:?}");
        assert!(orders >= burst, "not every delivery became an order: {orders} of {burst}");
    });
}
