//! The polled platforms' simulators as tests use them: one started per test, sources created
//! through the API against it, and its control API.

use crate::helpers::*;
use orderhub::domain::credentials::Credentials;
use orderhub::domain::{Platform, SourceId};
use orderhub::platforms::http::HttpPolicy;
use orderhub::platforms::{client_for, SourceConfig};
use serde_json::{json, Value};
use std::time::Duration;

/// One simulator, started for one test.
pub struct SimUnderTest {
    pub platform: Platform,
    /// The base URL a source points at.
    pub source_url: String,
    /// Where `/_sim/...` lives.
    pub control: String,
    pub credentials: Value,
    _keep: Box<dyn std::any::Any + Send>,
}

impl SimUnderTest {
    /// The Rozetka simulator's own state (its logins, goods, orders).
    pub fn rozetka(&self) -> &orderhub::platforms::rozetka::sim::SimState {
        &self
            ._keep
            .downcast_ref::<orderhub::platforms::rozetka::sim::Sim>()
            .expect("a Rozetka simulator")
            .state
    }
}

pub fn start(platform: Platform) -> SimUnderTest {
    use orderhub::platforms::{cartum, epicentr, prom, rozetka};
    match platform {
        Platform::Rozetka => {
            let sim = rozetka::sim::start(0, Default::default()).unwrap();
            let url = sim.server.base_url();
            SimUnderTest {
                platform,
                source_url: url.clone(),
                control: url,
                credentials: json!({"login": "seller@example.com", "password": "rozetka-pass"}),
                _keep: Box::new(sim),
            }
        }
        Platform::Prom => {
            let sim = prom::sim::start(0, Default::default()).unwrap();
            SimUnderTest {
                platform,
                source_url: sim.api_url(),
                control: sim.server.base_url(),
                credentials: json!({"token": "prom-sim-token"}),
                _keep: Box::new(sim),
            }
        }
        Platform::Epicentr => {
            let sim = epicentr::sim::start(0, Default::default()).unwrap();
            let url = sim.server.base_url();
            SimUnderTest {
                platform,
                source_url: url.clone(),
                control: url,
                credentials: json!({"token": "epicentr-sim-token"}),
                _keep: Box::new(sim),
            }
        }
        Platform::Cartum => {
            let sim = cartum::sim::start(0, Default::default()).unwrap();
            let url = sim.server.base_url();
            SimUnderTest {
                platform,
                source_url: url.clone(),
                control: url,
                credentials: json!({"login": "api_manager", "password": "cartum-secret"}),
                _keep: Box::new(sim),
            }
        }
        _ => unreachable!("not a polled platform"),
    }
}

impl SimUnderTest {
    pub async fn control(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        sim_control(&self.control, method, path, body).await
    }

    /// What the platform's own client reads for the backfill window: the engine must store
    /// exactly these orders.
    pub async fn backfill_ids(&self) -> Vec<String> {
        let creds: Credentials = serde_json::from_value(json!({
            "login": self.credentials.get("login"), "password": self.credentials.get("password"),
            "token": self.credentials.get("token")
        }))
        .unwrap();
        let client = client_for(SourceConfig {
            source_id: SourceId(1),
            platform: self.platform,
            base_url: self.source_url.clone(),
            credentials: creds,
            language: None,
            settings: json!({"min_interval_ms": 0}),
            http: HttpPolicy::fast(),
        })
        .unwrap();
        let mut ids: Vec<String> = client
            .orders_created_since(chrono::Utc::now() - chrono::Duration::days(60))
            .await
            .unwrap()
            .orders
            .into_iter()
            .map(|o| o.external_id)
            .collect();
        ids.sort();
        ids
    }
}

pub async fn create_source(app: &TestApp, sim: &SimUnderTest) -> Value {
    app.gql(
        "mutation($i: CreateSourceInput!) { createSource(input: $i) { id name needsReauth } }",
        json!({"i": {"name": format!("{} test", sim.platform), "platform": sim.platform.as_str().to_uppercase(),
            "currency": "UAH", "baseUrl": sim.source_url, "credentials": sim.credentials,
            "storeCommission": true, "settings": {"min_interval_ms": 0}}}),
    )
    .await
}

pub async fn wait_for_run(app: &TestApp, source: &str, kind: &str) -> Value {
    for _ in 0..200 {
        let d = app
            .data("query($s: ID!) { syncRuns(sourceId: $s) { edges { node { kind state ordersSeen ordersCreated ordersUpdated error } } } }", json!({"s": source}))
            .await;
        if let Some(r) = nodes(&d["syncRuns"])
            .into_iter()
            .find(|r| r["kind"] == kind && r["state"] != "running")
        {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no finished {kind} run");
}
