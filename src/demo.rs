//! `orderhub demo`: the whole product on one machine. orderhub on an embedded SQLite file (or
//! `ORDERHUB_DATABASE_URL`), the six platform simulators on free loopback ports with two months
//! of history and new orders arriving, one source per platform connected through the API (so
//! credentials are checked, webhooks subscribed and backfills run exactly as for a real shop).

use crate::app::App;
use crate::config::Settings;
use crate::platforms::{cartum, epicentr, prom, rozetka, shopify, woocommerce};
use serde_json::{json, Value};
use std::time::Duration;

/// Orders of history each simulator starts with.
const HISTORY: u64 = 300;

struct DemoSource {
    name: &'static str,
    platform: &'static str,
    base_url: String,
    control_url: String,
    credentials: Value,
}

fn io(e: std::io::Error) -> crate::Error {
    crate::Error::Internal(e.to_string())
}

/// Runs until Ctrl-C.
pub async fn run(config: &crate::config::Config) -> crate::Result<()> {
    let mut settings = Settings::load(config, true).map_err(crate::Error::Internal)?;
    if config.get("ORDERHUB_DATABASE_URL").is_none() {
        let path = std::env::temp_dir().join(format!("orderhub-demo-{}.db", std::process::id()));
        settings.database_url = format!("sqlite://{}?mode=rwc", path.display());
    }
    if config.get("ORDERHUB_POLL_INTERVAL").is_none() {
        settings.poll_interval = Duration::from_secs(15);
    }
    settings.platform_http = crate::platforms::http::HttpPolicy::fast();
    settings.outbox = crate::sync::outbox::OutboxPolicy::fast();
    let listen = settings.listen;
    settings.public_url = Some(format!("http://{listen}"));
    let database = settings.database_url.clone();
    let configured_token = settings
        .admin_token
        .as_ref()
        .map(|t| t.expose().to_string());
    let app = App::build(settings).await?;
    let token = configured_token
        .or(app.new_admin_token.clone())
        .unwrap_or_default();
    let base = format!("http://{}", app.addr());
    let server = tokio::spawn(app.run_until_stopped());

    let sources = start_simulators()?;
    let client = reqwest::Client::new();
    let gql = |query: &'static str, variables: Value| {
        let client = client.clone();
        let base = base.clone();
        let token = token.clone();
        async move {
            client
                .post(format!("{base}/graphql"))
                .bearer_auth(token)
                .json(&json!({"query": query, "variables": variables}))
                .send()
                .await
                .map_err(|e| crate::Error::Internal(e.to_string()))?
                .json::<Value>()
                .await
                .map_err(|e| crate::Error::Internal(e.to_string()))
        }
    };
    let mut ids = vec![];
    for s in &sources {
        // the webhook platforms' reconciliation every 5 minutes (a setting only they take)
        let webhooks = s
            .platform
            .parse::<crate::domain::Platform>()
            .is_ok_and(|p| crate::platforms::descriptor(p).webhooks().is_some());
        let settings = if webhooks {
            json!({"min_interval_ms": 0, "reconcile_minutes": 5})
        } else {
            json!({"min_interval_ms": 0})
        };
        let answer = gql(
            "mutation($i: CreateSourceInput!) { createSource(input: $i) { id } }",
            json!({"i": {"name": s.name, "platform": s.platform, "currency": "UAH", "baseUrl": s.base_url,
                "credentials": s.credentials, "storeCommission": true, "settings": settings}}),
        )
        .await?;
        match answer["data"]["createSource"]["id"].as_str() {
            Some(id) => ids.push((s.name, s.platform, id.to_string())),
            None => println!("could not connect {}: {}", s.name, answer["errors"]),
        }
    }
    // ST-3..6: Rozetka's source gets status rules, so a status change here moves the order there
    let statuses = gql("{ statuses { id systemKey } }", json!({})).await?;
    let status_id = |key: &str| -> String {
        statuses["data"]["statuses"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["systemKey"] == key)
            .and_then(|s| s["id"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    let packing = status_id("packing");
    if let Some((_, _, rozetka)) = ids.iter().find(|(_, p, _)| *p == "ROZETKA") {
        let rules = json!([
            {"statusId": status_id("confirmed"), "platformStatus": "26"},
            {"statusId": packing, "platformStatus": "2"},
            {"statusId": status_id("cancelled"), "platformStatus": "16"},
        ]);
        let set = gql(
            "mutation($s: ID!, $r: [StatusRuleInput!]!) { setStatusRules(sourceId: $s, rules: $r) { id } }",
            json!({"s": rozetka, "r": rules}),
        )
        .await?;
        let on = gql(
            "mutation($s: ID!) { enableStatusRules(sourceId: $s, enabled: true) { id } }",
            json!({"s": rozetka}),
        )
        .await?;
        for answer in [set, on] {
            if let Some(e) = answer.get("errors") {
                println!("could not set Rozetka's status rules: {e}");
            }
        }
    }

    println!("\norderhub demo is running.");
    println!("  console:     {base}/   (open it in a browser; sign in with the admin token)");
    println!("  admin token: {token}");
    println!("  GraphiQL:    {base}/graphql   (header: Authorization: Bearer {token})");
    println!("  database:    {database}");
    println!("\nTry in GraphiQL:");
    println!("  {{ orders(first: 20) {{ totalCount edges {{ node {{ number platformCreatedAt total currency source {{ platform }} status {{ name }} customer {{ firstName phone }} }} }} }} }}");
    println!("  {{ sources {{ name platform lastSyncAt syncRuns(first: 3) {{ edges {{ node {{ kind state ordersCreated ordersUpdated }} }} }} }} }}");
    println!("  {{ commissionExpenses(from: \"2026-01-01T00:00:00Z\", to: \"2030-01-01T00:00:00Z\", groupBy: PLATFORM) {{ key amount currency count }} }}");
    println!(
        "\nA status change that is pushed to Rozetka (its source has status rules): take an order"
    );
    println!("  {{ orders(filter: {{platform: ROZETKA, statusGroup: NEW}}, first: 1) {{ edges {{ node {{ id number sourceStatus }} }} }} }}");
    println!(
        "and move it to \"packing\" (Rozetka: 1 → 26 → 2, step by step); its feed shows the push:"
    );
    println!(
        "  mutation {{ changeOrderStatus(orderId: \"<id>\", statusId: \"{packing}\") {{ id }} }}"
    );
    println!("  {{ order(id: \"<id>\") {{ sourceStatus pushError events {{ kind message }} }} }}");
    println!("\nOrders as they arrive and change, live (the same header; GraphiQL sends it over /graphql/ws):");
    println!("  subscription {{ orderEvents {{ kind message order {{ number source {{ platform }} status {{ name }} }} }} }}");
    println!("  {{ customers(first: 10) {{ totalCount edges {{ node {{ firstName phone orders(first: 5) {{ edges {{ node {{ number }} }} }} }} }} }} }}");
    println!("\nBackfill progress:");

    let feeder = tokio::spawn(feed_live_orders(
        sources.iter().map(|s| s.control_url.clone()).collect(),
    ));
    let progress = tokio::spawn({
        let gql_base = base.clone();
        let token = token.clone();
        async move {
            let client = reqwest::Client::new();
            let mut last = String::new();
            loop {
                let body = json!({"query": "{ sources { name syncRuns(first: 20) { edges { node { kind state ordersCreated } } } } }"});
                let answer: Value = match client
                    .post(format!("{gql_base}/graphql"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(r) => r.json().await.unwrap_or(Value::Null),
                    Err(_) => Value::Null,
                };
                let mut parts = vec![];
                let mut done = true;
                for s in answer["data"]["sources"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                {
                    let runs: Vec<Value> = s["syncRuns"]["edges"]
                        .as_array()
                        .map(|e| e.iter().map(|e| e["node"].clone()).collect())
                        .unwrap_or_default();
                    let backfill = runs.iter().find(|r| r["kind"] == "backfill");
                    let state = backfill
                        .map(|r| r["state"].as_str().unwrap_or("?").to_string())
                        .unwrap_or_else(|| "waiting".into());
                    let created: i64 = runs
                        .iter()
                        .map(|r| r["ordersCreated"].as_i64().unwrap_or(0))
                        .sum();
                    done &= state == "succeeded" || state == "failed";
                    parts.push(format!(
                        "{} {} ({created} orders)",
                        s["name"].as_str().unwrap_or("?"),
                        state
                    ));
                }
                let line = parts.join(" | ");
                if line != last {
                    println!("  {line}");
                    last = line;
                }
                if done && !parts.is_empty() {
                    println!(
                        "\nBackfill finished; new orders and edits keep arriving (Ctrl-C stops)."
                    );
                    break;
                }
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    });
    let result = server
        .await
        .map_err(|e| crate::Error::Internal(e.to_string()))?;
    feeder.abort();
    progress.abort();
    let _ = ids;
    result.map_err(io)
}

fn start_simulators() -> crate::Result<Vec<DemoSource>> {
    let roz = rozetka::sim::start(
        0,
        rozetka::sim::SimOptions {
            live: true,
            carrier_tick: Some(Duration::from_secs(30)),
            ..Default::default()
        },
    )
    .map_err(io)?;
    roz.state.seed(HISTORY, 60);
    let pr = prom::sim::start(0, Default::default()).map_err(io)?;
    pr.seed(HISTORY as usize, 60);
    let ep = epicentr::sim::start(
        0,
        epicentr::sim::SimOptions {
            auto_advance_secs: 60,
            ..Default::default()
        },
    )
    .map_err(io)?;
    ep.state.seed(HISTORY, 60);
    let ca = cartum::sim::start(0, Default::default()).map_err(io)?;
    ca.seed(HISTORY, 60);
    // the live generator runs for the life of the process
    drop(ca.spawn_live_orders(Duration::from_secs(20)));
    let sh = shopify::sim::start(
        0,
        shopify::sim::SimOptions {
            live: Some(Duration::from_secs(20)),
            ..Default::default()
        },
    )
    .map_err(io)?;
    sh.state.seed(HISTORY as usize, 60);
    let wo = woocommerce::sim::start(
        0,
        woocommerce::sim::SimOptions {
            live_every: Some(Duration::from_secs(20)),
            queue_delay: Duration::from_secs(2),
            ..Default::default()
        },
    )
    .map_err(io)?;
    wo.seed(HISTORY as usize, 60);
    let sources = vec![
        DemoSource {
            name: "Rozetka",
            platform: "ROZETKA",
            base_url: roz.base_url(),
            control_url: roz.base_url(),
            credentials: json!({"login": "seller@example.com", "password": "rozetka-pass"}),
        },
        DemoSource {
            name: "Prom.ua",
            platform: "PROM",
            base_url: pr.api_url(),
            control_url: pr.server.base_url(),
            credentials: json!({"token": "prom-sim-token"}),
        },
        DemoSource {
            name: "Epicentr",
            platform: "EPICENTR",
            base_url: ep.base_url(),
            control_url: ep.base_url(),
            credentials: json!({"token": "epicentr-sim-token"}),
        },
        DemoSource {
            name: "Cartum shop",
            platform: "CARTUM",
            base_url: ca.base_url(),
            control_url: ca.base_url(),
            credentials: json!({"login": "api_manager", "password": "cartum-secret"}),
        },
        DemoSource {
            name: "Shopify store",
            platform: "SHOPIFY",
            base_url: sh.base_url(),
            control_url: sh.base_url(),
            credentials: json!({"shopDomain": "demo-store.myshopify.com", "accessToken": "shpat_sim_0123456789abcdef", "webhookSecret": "shopify-demo-client-secret"}),
        },
        DemoSource {
            name: "WooCommerce shop",
            platform: "WOOCOMMERCE",
            base_url: wo.shop_url(),
            control_url: wo.shop_url(),
            credentials: json!({"consumerKey": "ck_sim0000000000000000000000000000000000000", "consumerSecret": "cs_sim0000000000000000000000000000000000000", "webhookSecret": "wc-demo-webhook-secret"}),
        },
    ];
    // the simulators live as long as the process
    std::mem::forget((roz, pr, ep, ca, sh, wo));
    Ok(sources)
}

/// New orders on the polled platforms every few seconds (the webhook simulators make their own),
/// so a user sees polls bring them in.
async fn feed_live_orders(controls: Vec<String>) {
    let client = reqwest::Client::new();
    let mut n: u64 = 0;
    // orders this feeder made, per simulator, oldest first: the ones it edits later
    let mut made: Vec<std::collections::VecDeque<String>> = vec![Default::default(); 4];
    loop {
        tokio::time::sleep(Duration::from_secs(8)).await;
        n += 1;
        let i = (n as usize) % 4;
        let url = &controls[i];
        let body = json!({"buyer": n % 400, "items": [{"product": n % 12, "quantity": 1 + n % 2}]});
        if let Ok(r) = client
            .post(format!("{url}/_sim/orders"))
            .json(&body)
            .send()
            .await
        {
            let v: Value = r.json().await.unwrap_or(Value::Null);
            let id = [&v["order"]["id"], &v["id"], &v["order_id"]]
                .into_iter()
                .find_map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .or_else(|| x.as_u64().map(|n| n.to_string()))
                });
            if let Some(id) = id {
                made[i].push_back(id);
            }
        }
        // every third tick an earlier order changes on its platform: an added item, a tracking
        // number or a cancellation, which the next re-sync brings here (SYNC-1, TRK-4, ST-2)
        if n.is_multiple_of(3) {
            let j = ((n / 3) as usize) % 4;
            if let Some(id) = made[j].pop_front() {
                let edit = match (n / 3) % 3 {
                    0 => json!({"add_item": {"product": (n + 5) % 12, "quantity": 1}}),
                    1 => json!({"tracking_number": format!("2045{:010}", n)}),
                    _ => json!({"cancel": true}),
                };
                let _ = client
                    .patch(format!("{}/_sim/orders/{id}", controls[j]))
                    .json(&edit)
                    .send()
                    .await;
            }
        }
    }
}
