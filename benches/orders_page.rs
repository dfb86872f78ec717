//! The cost of the orders page the frontend asks for most: 50 orders with customer, items, source
//! and status, over real HTTP against a real database, next to a baseline request (`/healthz`)
//! measured in the same run. `cargo bench --bench orders_page`; PostgreSQL with
//! `ORDERHUB_BENCH_DATABASE_URL=postgres://…/dbname` (an empty database).

mod common;
use chrono::{Duration, Utc};
use common::BenchDb;
use criterion::{criterion_group, criterion_main, Criterion};
use orderhub::app::App;
use orderhub::config::{SecretString, Settings};
use orderhub::domain::orders::{ImportedCustomer, ImportedItem, ImportedOrder};
use orderhub::domain::phone::Phone;
use orderhub::domain::{Platform, SourceId};
use orderhub::secrets::SecretKey;
use orderhub::store::sources::SourceSettings;
use rust_decimal::Decimal;
use serde_json::json;

const TOKEN: &str = "bench-admin-token-0123456789";
const ORDERS: usize = 2_000;
const QUERY: &str =
    "query { orders(first: 50) { edges { node { id number total currency sourceStatus \
    customer { firstName lastName phone } items { name sku quantity price } \
    source { name platform } status { name group } } } pageInfo { hasNextPage endCursor } } }";

fn order(i: usize) -> ImportedOrder {
    let created = Utc::now() - Duration::minutes(i as i64 * 40);
    ImportedOrder {
        external_id: i.to_string(),
        number: format!("B-{i}"),
        source_status: Some("new".into()),
        status_class: Default::default(),
        created_at: created,
        updated_at: Some(created),
        customer: Some(ImportedCustomer {
            first_name: Some("Олена".into()),
            last_name: Some(format!("Покупець {}", i % 500)),
            phone: Phone::parse(&format!("067{:07}", i % 500)),
            ..Default::default()
        }),
        items: (0..3)
            .map(|k| ImportedItem {
                external_id: Some(format!("{i}-{k}")),
                name: format!("Товар {k}"),
                sku: Some(format!("SKU-{k}")),
                code: None,
                quantity: Decimal::from(k + 1),
                price: Decimal::new(19_990, 2),
                ..Default::default()
            })
            .collect(),
        total: Decimal::new(119_940, 2),
        currency: "UAH".into(),
        tracking_number: None,
        commission: None,
        delivery: None,
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = BenchDb::new("orders-page");
    let url = db.url.clone();
    let base = rt.block_on(async {
        let app = App::build(Settings {
            database_url: url,
            listen: "127.0.0.1:0".parse().unwrap(),
            secret_key: SecretKey::generate(),
            admin_token: Some(SecretString::new(TOKEN)),
            poll_interval: std::time::Duration::from_secs(600),
            platform_http: orderhub::platforms::http::HttpPolicy::fast(),
            outbox: Default::default(),
            public_url: None,
            live_recheck: orderhub::graphql::live::RECHECK,
            schedule: Default::default(),
            cors_origins: Vec::new(),
        })
        .await
        .expect("app starts");
        let store = app.store().clone();
        let mut sources: Vec<SourceId> = vec![];
        for p in [Platform::Rozetka, Platform::Prom] {
            let s = SourceSettings {
                name: Some(p.to_string()),
                currency: Some("UAH".into()),
                ..Default::default()
            };
            sources.push(SourceId(store.create_source(p, s).await.unwrap().id));
        }
        for i in 0..ORDERS {
            store
                .import_new_order(sources[i % 2], &order(i))
                .await
                .unwrap();
        }
        let base = format!("http://{}", app.addr());
        tokio::spawn(app.run_until_stopped());
        base
    });
    let client = reqwest::Client::new();
    let mut group = c.benchmark_group("orders_page");
    group.bench_function("baseline_healthz", |b| {
        b.to_async(&rt).iter(|| async {
            let r = client.get(format!("{base}/healthz")).send().await.unwrap();
            assert!(r.status().is_success());
            r.bytes().await.unwrap()
        })
    });
    group.bench_function("orders_first_50_nested", |b| {
        b.to_async(&rt).iter(|| async {
            let r = client
                .post(format!("{base}/graphql"))
                .bearer_auth(TOKEN)
                .json(&json!({ "query": QUERY }))
                .send()
                .await
                .unwrap();
            let body = r.bytes().await.unwrap();
            assert!(body.len() > 10_000, "a full page came back");
            body
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(8));
    targets = bench
}
criterion_main!(benches);
