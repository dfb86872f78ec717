//! Memory per source of the platform clients (issue 15): builds N Prom clients, as the engine's
//! client cache holds one per source, and has each read its orders once from the Prom simulator
//! (so sessions and connection pools are in use), then reports the growth of the process's
//! resident memory (RSS, from /proc/self/statm) per client. For comparison it then builds N
//! `reqwest::Client`s of their own and sends one request through each: what every source cost
//! on top when each client built its own (before the clients shared one per platform and policy).
//!
//! The simulator runs in a child process (this binary again), so its side of the connections is
//! not counted.
//!
//! `cargo bench --bench client_memory` (ORDERHUB_BENCH_SOURCES, default 2000). Linux only.

use chrono::Utc;
use orderhub::domain::credentials::Credentials;
use orderhub::domain::{Platform, SourceId};
use orderhub::platforms::http::{build_client, HttpPolicy};
use orderhub::platforms::{client_for, prom, PlatformClient, SourceConfig};
use std::sync::Arc;

/// Resident memory of this process in bytes (Linux `/proc/self/statm`, pages of 4 KiB).
fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse::<u64>().ok())
        .unwrap_or(0)
        * 4096
}

fn kib(bytes: i64) -> f64 {
    bytes as f64 / 1024.0
}

/// The child process: a Prom simulator with a few orders; prints its base URL, runs until its
/// parent closes stdin.
fn simulator_child() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let sim = prom::sim::start(0, Default::default()).expect("Prom simulator");
        sim.seed(5, 10);
        println!("{}", sim.api_url());
        tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            let _ = std::io::stdin().read_line(&mut line);
        })
        .await
        .ok();
    });
}

fn main() {
    if std::env::var("ORDERHUB_BENCH_SIM_CHILD").is_ok() {
        return simulator_child();
    }
    let n: usize = std::env::var("ORDERHUB_BENCH_SOURCES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let mut child = std::process::Command::new(std::env::current_exe().expect("this binary"))
        .env("ORDERHUB_BENCH_SIM_CHILD", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("simulator process");
    let api_url = {
        use std::io::BufRead;
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the simulator's URL");
        line.trim().to_string()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let config = |i: usize| SourceConfig {
            source_id: SourceId(i as i64 + 1),
            platform: Platform::Prom,
            base_url: api_url.clone(),
            credentials: Credentials {
                token: Some("prom-sim-token".into()),
                ..Default::default()
            },
            language: None,
            settings: serde_json::json!({"min_interval_ms": 0}),
            http: HttpPolicy::default(),
        };
        // warm up: the runtime and one client of each kind
        let warm = client_for(config(0)).expect("client");
        warm.orders_changed_since(Utc::now() - chrono::Duration::days(1), Utc::now())
            .await
            .expect("orders");
        let own = build_client(&HttpPolicy::default()).expect("client");
        own.get(format!("{api_url}/orders/list"))
            .bearer_auth("prom-sim-token")
            .send()
            .await
            .expect("request");
        drop((warm, own));

        let before = rss_bytes();
        let mut clients: Vec<Arc<dyn PlatformClient>> = Vec::with_capacity(n);
        for i in 0..n {
            clients.push(client_for(config(i)).expect("client"));
        }
        let built = rss_bytes();
        for c in &clients {
            c.orders_changed_since(Utc::now() - chrono::Duration::days(1), Utc::now())
                .await
                .expect("orders");
        }
        let used = rss_bytes();
        println!(
            "{n} Prom clients (one shared reqwest::Client): {:.1} KiB per source built, {:.1} KiB per source after one re-sync each (RSS {:.1} MiB → {:.1} MiB)",
            kib(built as i64 - before as i64) / n as f64,
            kib(used as i64 - before as i64) / n as f64,
            before as f64 / 1048576.0,
            used as f64 / 1048576.0,
        );

        let before_own = rss_bytes();
        let mut own: Vec<reqwest::Client> = Vec::with_capacity(n);
        for _ in 0..n {
            own.push(build_client(&HttpPolicy::default()).expect("client"));
        }
        let built_own = rss_bytes();
        for c in &own {
            c.get(format!("{api_url}/orders/list"))
                .bearer_auth("prom-sim-token")
                .send()
                .await
                .expect("request")
                .bytes()
                .await
                .expect("body");
        }
        let used_own = rss_bytes();
        println!(
            "{n} reqwest::Clients of their own (what each source also cost before): {:.1} KiB per source built, {:.1} KiB per source after one request each (RSS {:.1} MiB → {:.1} MiB)",
            kib(built_own as i64 - before_own as i64) / n as f64,
            kib(used_own as i64 - before_own as i64) / n as f64,
            before_own as f64 / 1048576.0,
            used_own as f64 / 1048576.0,
        );
        drop((clients, own));
    });
    drop(child.stdin.take());
    let _ = child.wait();
}
