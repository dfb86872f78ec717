//! Webhook acknowledgement (WH-2): signed Shopify order deliveries posted over loopback to
//! orderhub (verify → store → 200, with the inbox worker applying them meanwhile), next to the
//! same machine's ceiling for a route that only verifies the signature and answers 200.
//! Reports acknowledged deliveries per second and p50/p99 latency with 32, 64 and 128 concurrent
//! senders (the ceiling measured with the same senders), p50/p99 at a steady 500
//! deliveries/s, and what the store alone spends per delivery (batches of 32, no HTTP).
//!
//! `cargo bench --bench webhook_ingest` (ORDERHUB_BENCH_DATABASE_URL for PostgreSQL).
//! Diagnostics: BENCH_PARKED=1 stores deliveries for a disabled source (no processing meanwhile);
//! BENCH_STORE_ONLY=1 stops after the store-alone figure.

mod common;
use actix_web::{web, HttpRequest, HttpResponse};
use common::BenchDb;
use orderhub::app::App;
use orderhub::config::{SecretString, Settings};
use orderhub::domain::credentials::Credentials;
use orderhub::domain::Platform;
use orderhub::platforms::signature::{sign, verify};
use orderhub::secrets::SecretKey;
use orderhub::store::sources::SourceSettings;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SECRET: &str = "shopify-demo-client-secret";
const SATURATION: usize = 12_000;
/// Concurrent senders: a modest burst, more, and a platform delivering a backlog.
const CONCURRENCY: [usize; 3] = [32, 64, 128];
const STEADY_RATE: u64 = 500;
const STEADY_SECONDS: u64 = 5;

fn body(i: usize) -> Vec<u8> {
    format!(
        r##"{{"id":{},"name":"#{i}","order_number":{i},"email":"buyer{i}@example.com","created_at":"2026-11-20T14:05:12+02:00","updated_at":"2026-11-20T14:05:14+02:00","currency":"UAH","total_price":"1850.00","financial_status":"paid","fulfillment_status":null,"cancelled_at":null,"customer":{{"id":7012345678901,"first_name":"Olena","last_name":"Koval","email":"buyer{}@example.com","phone":"+38050{:07}"}},"line_items":[{{"id":{},"product_id":8001234567890,"variant_id":45001234567890,"sku":"MUG-01","title":"Ceramic mug","quantity":2,"price":"875.00"}}]}}"##,
        5_000_000_000_000u64 + i as u64,
        i % 400,
        i % 400,
        14_000_000_000_000u64 + i as u64
    )
    .into_bytes()
}

struct Delivery {
    body: Vec<u8>,
    signature: String,
    id: String,
}

fn deliveries(from: usize, n: usize) -> Vec<Delivery> {
    (from..from + n)
        .map(|i| {
            let body = body(i);
            Delivery {
                signature: sign(SECRET.as_bytes(), &body),
                body,
                id: format!("bench-{i}"),
            }
        })
        .collect()
}

async fn post(client: &reqwest::Client, url: &str, d: &Delivery) -> Duration {
    let t = Instant::now();
    let r = client
        .post(url)
        .header("content-type", "application/json")
        .header("x-shopify-topic", "orders/create")
        .header("x-shopify-webhook-id", &d.id)
        .header("x-shopify-hmac-sha256", &d.signature)
        .body(d.body.clone())
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200);
    t.elapsed()
}

/// All deliveries with `senders` concurrent senders: (deliveries/s, sorted latencies).
async fn saturate(url: &str, senders: usize, items: Vec<Delivery>) -> (f64, Vec<Duration>) {
    let client = reqwest::Client::new();
    let items = Arc::new(items);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = vec![];
    for _ in 0..senders {
        let (client, items, next, url) =
            (client.clone(), items.clone(), next.clone(), url.to_string());
        tasks.push(tokio::spawn(async move {
            let mut lat = vec![];
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(d) = items.get(i) else { break };
                lat.push(post(&client, &url, d).await);
            }
            lat
        }));
    }
    let mut all = vec![];
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let rate = all.len() as f64 / started.elapsed().as_secs_f64();
    all.sort();
    (rate, all)
}

/// A steady `STEADY_RATE` per second for `STEADY_SECONDS`: sorted latencies.
async fn steady(url: &str, items: Vec<Delivery>) -> Vec<Duration> {
    let client = reqwest::Client::new();
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / STEADY_RATE));
    let mut tasks = vec![];
    for d in items {
        tick.tick().await;
        let (client, url) = (client.clone(), url.to_string());
        tasks.push(tokio::spawn(async move { post(&client, &url, &d).await }));
    }
    let mut all = vec![];
    for t in tasks {
        all.push(t.await.unwrap());
    }
    all.sort();
    all
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

async fn verify_only(req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let sig = req
        .headers()
        .get("x-shopify-hmac-sha256")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if verify(SECRET.as_bytes(), &body, sig) {
        HttpResponse::Ok().finish()
    } else {
        HttpResponse::Unauthorized().finish()
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        // the ceiling: the same framework and machine, verification only
        let ceiling = actix_web::HttpServer::new(|| {
            actix_web::App::new()
                .app_data(web::PayloadConfig::new(2 << 20))
                .route("/verify", web::post().to(verify_only))
        })
        .workers(2)
        .bind("127.0.0.1:0")
        .unwrap();
        let ceiling_addr = ceiling.addrs()[0];
        let ceiling = ceiling.run();
        let ceiling_handle = ceiling.handle();
        tokio::spawn(ceiling);

        let db = BenchDb::new("ingest");
        let url = db.url.clone();
        let key = SecretKey::generate();
        let app = App::build(Settings {
            database_url: url.clone(),
            listen: "127.0.0.1:0".parse().unwrap(),
            secret_key: key.clone(),
            admin_token: Some(SecretString::new("bench-admin-token-0123456789")),
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
            shop_domain: Some("demo-store.myshopify.com".into()),
            access_token: Some("x".into()),
            webhook_secret: Some(SECRET.into()),
            ..Default::default()
        };
        let src = app
            .store()
            .create_source(
                Platform::Shopify,
                SourceSettings {
                    name: Some("bench".into()),
                    currency: Some("UAH".into()),
                    credentials_enc: Some(key.encrypt_credentials(&creds)),
                    enabled: std::env::var("BENCH_PARKED").ok().map(|_| false),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        // the store alone: the same deliveries written in batches of 32, no HTTP
        let store_us = {
            use orderhub::store::inbox::NewDelivery;
            let n = 3_200;
            let items: Vec<NewDelivery> = (0..n)
                .map(|i| {
                    let b = body(100_000 + i);
                    NewDelivery {
                        source_id: orderhub::domain::SourceId(src.id),
                        platform: "shopify".into(),
                        topic: Some("orders/create".into()),
                        webhook_id: Some(format!("store-{i}")),
                        event_id: None,
                        external_order_id: Some((5_100_000_000_000u64 + i as u64).to_string()),
                        platform_updated_at: Some(chrono::Utc::now()),
                        headers: serde_json::json!({"x-shopify-topic": "orders/create", "x-shopify-webhook-id": format!("store-{i}")}),
                        body: b,
                        state: "parked",
                        last_error: None,
                    }
                })
                .collect();
            let t = Instant::now();
            let mut it = items.into_iter().peekable();
            while it.peek().is_some() {
                let batch: Vec<_> = it.by_ref().take(32).collect();
                app.store().store_deliveries(batch).await.unwrap();
            }
            t.elapsed().as_secs_f64() * 1e6 / n as f64
        };
        if std::env::var("BENCH_STORE_ONLY").is_ok() {
            println!("store alone (batches of 32, no HTTP): {store_us:.0} µs per delivery");
            return;
        }
        let hub = format!("http://{}/webhooks/shopify/{}", app.addr(), src.id);
        tokio::spawn(app.run_until_stopped());

        let kind = if db.url.starts_with("sqlite") { "SQLite" } else { "PostgreSQL" };
        println!("webhook acknowledgement, {SATURATION} signed Shopify orders per run ({kind})");
        // the best of each over the sender counts: each route's own most
        let (mut best_ceiling, mut best_hub) = (0f64, 0f64);
        for (k, senders) in CONCURRENCY.into_iter().enumerate() {
            let (ceiling_rate, ceiling_lat) = saturate(&format!("http://{ceiling_addr}/verify"), senders, deliveries(0, SATURATION)).await;
            let (hub_rate, hub_lat) = saturate(&hub, senders, deliveries(k * SATURATION, SATURATION)).await;
            println!("{senders:>3} senders, verify-only ceiling: {ceiling_rate:>7.0}/s  p50 {:.2} ms  p99 {:.2} ms", pct(&ceiling_lat, 0.5), pct(&ceiling_lat, 0.99));
            println!("{senders:>3} senders, orderhub (durable):  {hub_rate:>7.0}/s  p50 {:.2} ms  p99 {:.2} ms  = {:.0}% of the ceiling", pct(&hub_lat, 0.5), pct(&hub_lat, 0.99), hub_rate * 100.0 / ceiling_rate);
            best_ceiling = best_ceiling.max(ceiling_rate);
            best_hub = best_hub.max(hub_rate);
        }
        println!("best against best: orderhub {best_hub:.0}/s, ceiling {best_ceiling:.0}/s = {:.0}%", best_hub * 100.0 / best_ceiling);
        let steady_lat = steady(&hub, deliveries(CONCURRENCY.len() * SATURATION, (STEADY_RATE * STEADY_SECONDS) as usize)).await;
        ceiling_handle.stop(false).await;
        println!("orderhub at a steady {STEADY_RATE}/s for {STEADY_SECONDS} s: p50 {:.2} ms  p99 {:.2} ms", pct(&steady_lat, 0.5), pct(&steady_lat, 0.99));
        println!("store alone (batches of 32, no HTTP): {store_us:.0} µs per delivery");
    });
}
