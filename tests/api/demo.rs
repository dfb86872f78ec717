//! `orderhub demo` as a user runs it: a process that comes up, backfills every platform, keeps
//! receiving new orders and shows re-sync changes.
// covers: IMP-1, IMP-2, SYNC-1, TRK-4

use crate::helpers::*;
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn query(base: &str, q: &str, vars: Value) -> Value {
    reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .bearer_auth("demo-test-token-0123456789ab")
        .json(&json!({"query": q, "variables": vars}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn until<F: std::future::Future<Output = bool>>(
    what: &str,
    secs: u64,
    mut check: impl FnMut() -> F,
) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn the_demo_backfills_every_platform_and_keeps_orders_coming() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let _demo = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_orderhub"))
            .arg("demo")
            .env("ORDERHUB_LISTEN", format!("127.0.0.1:{port}"))
            .env("ORDERHUB_ADMIN_TOKEN", "demo-test-token-0123456789ab")
            .env("ORDERHUB_POLL_INTERVAL", "2s")
            .env("ORDERHUB_DATABASE_URL", fresh_database_url().await)
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("orderhub demo starts"),
    );
    let client = reqwest::Client::new();
    until("/readyz", 60, || {
        let (client, base) = (client.clone(), base.clone());
        async move {
            client
                .get(format!("{base}/readyz"))
                .send()
                .await
                .map(|r| r.status() == 200)
                .unwrap_or(false)
        }
    })
    .await;

    // every platform's backfill finishes and brings orders
    until("six finished backfills", 120, || {
        let base = base.clone();
        async move {
            let d = query(
                &base,
                "{ sources { syncRuns(first: 50) { edges { node { kind state } } } } }",
                json!({}),
            )
            .await;
            let sources = d["data"]["sources"].as_array().cloned().unwrap_or_default();
            sources.len() == 6
                && sources.iter().all(|s| {
                    nodes(&s["syncRuns"])
                        .iter()
                        .any(|r| r["kind"] == "backfill" && r["state"] == "succeeded")
                })
        }
    })
    .await;
    for platform in [
        "ROZETKA",
        "PROM",
        "EPICENTR",
        "CARTUM",
        "SHOPIFY",
        "WOOCOMMERCE",
    ] {
        let d = query(
            &base,
            "query($p: Platform) { orders(filter: {platform: $p}) { totalCount } }",
            json!({"p": platform}),
        )
        .await;
        assert!(
            d["data"]["orders"]["totalCount"].as_u64().unwrap() > 50,
            "{platform}: {d}"
        );
    }

    // live orders keep arriving
    let count = |base: String| async move {
        query(&base, "{ orders { totalCount } }", json!({})).await["data"]["orders"]["totalCount"]
            .as_u64()
            .unwrap()
    };
    let before = count(base.clone()).await;
    until("a live order", 60, || {
        let base = base.clone();
        async move { count(base).await > before }
    })
    .await;

    // a change made on the platform shows up by re-sync: a tracking number set on Rozetka
    let d = query(
        &base,
        "{ sources { platform baseUrl } orders(filter: {platform: ROZETKA, statusGroup: NEW}, first: 1) { edges { node { id externalId } } } }",
        json!({}),
    )
    .await;
    let rozetka = d["data"]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["platform"] == "ROZETKA")
        .unwrap()["baseUrl"]
        .as_str()
        .unwrap()
        .to_string();
    let order = d["data"]["orders"]["edges"][0]["node"].clone();
    let r = client
        .patch(format!(
            "{rozetka}/_sim/orders/{}",
            order["externalId"].as_str().unwrap()
        ))
        .json(&json!({"tracking_number": "20450000099999"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    until("the re-synced tracking number", 30, || {
        let (base, id) = (base.clone(), order["id"].clone());
        async move {
            let d = query(
                &base,
                "query($id: ID!) { order(id: $id) { trackingNumber } }",
                json!({"id": id}),
            )
            .await;
            d["data"]["order"]["trackingNumber"] == "20450000099999"
        }
    })
    .await;

    // a status change here is pushed to Rozetka by the demo's status rules (ST-4, ST-6)
    let d = query(
        &base,
        "{ statuses { id systemKey } orders(filter: {platform: ROZETKA, sourceStatus: \"1\"}, first: 1) { edges { node { id externalId } } } }",
        json!({}),
    )
    .await;
    let packing = d["data"]["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["systemKey"] == "packing")
        .unwrap()["id"]
        .clone();
    let fresh = d["data"]["orders"]["edges"][0]["node"].clone();
    let changed = query(
        &base,
        "mutation($o: ID!, $s: ID!) { changeOrderStatus(orderId: $o, statusId: $s) { id } }",
        json!({"o": fresh["id"], "s": packing}),
    )
    .await;
    assert!(changed.get("errors").is_none(), "{changed}");
    until("the status pushed to Rozetka", 30, || {
        let (client, url) = (
            client.clone(),
            format!(
                "{rozetka}/_sim/orders/{}",
                fresh["externalId"].as_str().unwrap()
            ),
        );
        async move {
            let o: Value = client.get(url).send().await.unwrap().json().await.unwrap();
            o["order"]["status"] == 2
        }
    })
    .await;
}
