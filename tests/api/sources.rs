//! Sources through the API: settings, validation with the field named, write-only encrypted
//! credentials, disable/enable, delete keeping orders.
// covers: SRC-1, SRC-2, SRC-3, SRC-5, API-5

use crate::helpers::*;
use serde_json::{json, Value};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

const PLANTED: &str = "planted-secret-7f3a9c";

/// Everything the process logs, from every test in this binary.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer_buf = buf.clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter("trace,h2=info,hyper=info,rustls=info")
            .with_writer(move || BufWriter(writer_buf.clone()))
            .try_init();
        buf
    })
    .clone()
}

struct BufWriter(Arc<Mutex<Vec<u8>>>);
impl Write for BufWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// covers: SRC-3
#[tokio::test]
async fn a_planted_secret_never_reaches_responses_logs_or_the_database_in_clear() {
    let logs = captured_logs();
    let app = spawn_app().await;
    let create = r#"mutation($i: CreateSourceInput!) { createSource(input: $i) { id name platform baseUrl } }"#;
    let sim = orderhub::platforms::shopify::sim::start(0, Default::default()).unwrap();
    let input = json!({"name": "Shop", "platform": "SHOPIFY", "currency": "UAH", "baseUrl": sim.base_url(),
        "credentials": {"shopDomain": "demo-store.myshopify.com", "accessToken": "shpat_sim_0123456789abcdef", "webhookSecret": PLANTED}});
    let body = app.gql(create, json!({"i": input})).await;
    let id = body["data"]["createSource"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut responses = vec![body.to_string()];
    // every field of Source, and error paths that echo input
    let all_fields = r#"query($id: ID!) { source(id: $id) { id name platform enabled currency language baseUrl
        needsReauth lastError lastSyncAt sendTracking trackingStatusIds storeCommission expenseType
        identifyProductsBy statusRulesEnabled defaultStatus { id } managers { id } createdAt } sources { id } }"#;
    responses.push(app.gql(all_fields, json!({"id": id})).await.to_string());
    let bad = json!({"credentials": {"accessToken": PLANTED}, "currency": "hryvnia"});
    responses.push(
        app.gql("mutation($id: ID!, $i: UpdateSourceInput!) { updateSource(id: $id, input: $i) { id } }", json!({"id": id, "i": bad}))
            .await
            .to_string(),
    );
    let missing = json!({"name": "x", "platform": "ROZETKA", "currency": "UAH", "credentials": {"login": "me", "password": ""}});
    responses.push(app.gql(create, json!({"i": missing})).await.to_string());
    // the platform refuses a planted token: the refusal names the platform's words, not the token
    let refused = json!({"name": "x", "platform": "SHOPIFY", "currency": "UAH", "baseUrl": sim.base_url(),
        "credentials": {"shopDomain": "demo-store.myshopify.com", "accessToken": PLANTED, "webhookSecret": PLANTED},
        "allowSameAccount": true});
    let refusal = app.gql(create, json!({"i": refused})).await;
    assert_eq!(
        refusal["errors"][0]["extensions"]["code"], "PLATFORM_ERROR",
        "{refusal}"
    );
    responses.push(refusal.to_string());
    for r in &responses {
        assert!(!r.contains(PLANTED), "a response carries the secret: {r}");
    }
    // no type of the schema has a field that could return credentials
    let schema = app
        .gql(
            "{ __type(name: \"Source\") { fields { name } } }",
            json!({}),
        )
        .await
        .to_string();
    for word in ["credential", "password", "token", "secret"] {
        assert!(
            !schema.to_lowercase().contains(word),
            "Source exposes `{word}`"
        );
    }
    let row = app
        .app_store
        .source_row(id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(!row.credentials_enc.contains(PLANTED));
    assert!(!row.credentials_enc.is_empty());
    let logged = String::from_utf8_lossy(&logs.lock().unwrap()).to_string();
    assert!(
        logged.len() > 100,
        "the log capture saw nothing, so it proves nothing"
    );
    assert!(!logged.contains(PLANTED), "the secret reached the log");
}

// covers: SRC-2, API-5
#[tokio::test]
async fn bad_source_input_names_the_field() {
    let app = spawn_app().await;
    let create = "mutation($i: CreateSourceInput!) { createSource(input: $i) { id } }";
    let cases = [
        (
            json!({"name": "R", "platform": "ROZETKA", "currency": "UAH", "credentials": {"login": "me"}}),
            "credentials.password",
        ),
        (
            json!({"name": "S", "platform": "SHOPIFY", "currency": "UAH", "credentials": {"shopDomain": "a.myshopify.com", "accessToken": "x"}}),
            "credentials.webhookSecret",
        ),
        (
            json!({"name": "P", "platform": "PROM", "currency": "гривня", "credentials": {"token": "t"}}),
            "currency",
        ),
        (
            json!({"name": " ", "platform": "PROM", "currency": "UAH", "credentials": {"token": "t"}}),
            "name",
        ),
        (
            json!({"name": "P", "platform": "PROM", "currency": "UAH", "baseUrl": "ftp://x", "credentials": {"token": "t"}}),
            "baseUrl",
        ),
        (
            json!({"name": "W", "platform": "WOOCOMMERCE", "currency": "UAH", "credentials": {"consumerKey": "ck", "consumerSecret": "cs", "webhookSecret": "w"}}),
            "baseUrl",
        ),
        (
            json!({"name": "P", "platform": "PROM", "currency": "UAH", "managerIds": ["999"], "credentials": {"token": "t"}}),
            "managerIds",
        ),
        (
            json!({"name": "P", "platform": "PROM", "currency": "UAH", "managerIds": ["abc"], "credentials": {"token": "t"}}),
            "managerIds",
        ),
    ];
    for (input, field) in cases {
        let body = app.gql(create, json!({"i": input})).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_INPUT",
            "{input}: {body}"
        );
        assert_eq!(
            body["errors"][0]["extensions"]["field"], field,
            "{input}: {body}"
        );
        assert!(!body["errors"][0]["message"].as_str().unwrap().is_empty());
    }
    // a wrong type is BAD_INPUT too, and the message names the argument
    let body = app
        .gql("{ orders(first: \"ten\") { totalCount } }", json!({}))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_INPUT");
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("first"));
    let body = app
        .gql("query { order(id: \"-5\") { id } }", json!({}))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "id");
    let none = app.data("{ sources { id } }", json!({})).await;
    assert_eq!(
        none["sources"],
        json!([]),
        "nothing was stored by bad input"
    );
}

// covers: SRC-1, SRC-5
#[tokio::test]
async fn settings_update_disable_and_delete_keeps_orders() {
    let app = spawn_app().await;
    let (manager, _) = app.create_user("Oksana", &[]).await;
    let statuses = app.data("{ statuses { id name } }", json!({})).await;
    let shipped = statuses["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Shipped")
        .unwrap()["id"]
        .clone();
    // through the API, against a Shopify simulator (createSource checks the credentials there)
    let sim = orderhub::platforms::shopify::sim::start(0, Default::default()).unwrap();
    let created = app
        .data(
            "mutation($i: CreateSourceInput!) { createSource(input: $i) { id } }",
            json!({"i": {"name": "Prom UA", "platform": "SHOPIFY", "currency": "UAH",
                "credentials": {"shopDomain": "demo-store.myshopify.com", "accessToken": "shpat_sim_0123456789abcdef", "webhookSecret": "whsec"},
                "language": "UK", "managerIds": [manager], "sendTracking": true,
                "trackingStatusIds": [shipped], "storeCommission": true, "identifyProductsBy": "NAME",
                "baseUrl": format!("{}/", sim.base_url())}}),
        )
        .await;
    let src: orderhub::domain::SourceId = created["createSource"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let q = r#"query($id: ID!) { source(id: $id) { name platform enabled currency language baseUrl needsReauth
        sendTracking trackingStatusIds storeCommission expenseType identifyProductsBy statusRulesEnabled managers { name } } }"#;
    let s: Value = app.data(q, json!({"id": src.to_string()})).await["source"].clone();
    assert_eq!(
        s,
        json!({"name": "Prom UA", "platform": "SHOPIFY", "enabled": true, "currency": "UAH", "language": "uk",
               "baseUrl": sim.base_url(), "needsReauth": false, "sendTracking": true,
               "trackingStatusIds": [shipped], "storeCommission": true, "expenseType": "commission",
               "identifyProductsBy": "NAME", "statusRulesEnabled": false, "managers": [{"name": "Oksana"}]})
    );
    let d = app
        .data(
            "mutation($id: ID!) { updateSource(id: $id, input: {name: \"Prom 2\", currency: \"pln\", baseUrl: \"\", managerIds: []}) { name currency baseUrl managers { id } } }",
            json!({"id": src.to_string()}),
        )
        .await;
    assert_eq!(
        d["updateSource"],
        json!({"name": "Prom 2", "currency": "PLN", "baseUrl": null, "managers": []})
    );
    // SRC-1: a source's platform settings read back as set; credentials never
    let d = app
        .data(
            "mutation($id: ID!) { updateSource(id: $id, input: {settings: {reconcile_minutes: 15, api_version: \"2025-01\"}}) { settings } }",
            json!({"id": src.to_string()}),
        )
        .await;
    assert_eq!(
        d["updateSource"]["settings"],
        json!({"reconcile_minutes": 15, "api_version": "2025-01"})
    );
    let read = app
        .data(
            q.replace("managers { name }", "settings").as_str(),
            json!({"id": src.to_string()}),
        )
        .await;
    assert_eq!(read["source"]["settings"]["reconcile_minutes"], 15);
    assert!(!read.to_string().contains("shpat_sim"), "{read}");
    let d = app
        .data(
            "mutation($id: ID!) { disableSource(id: $id) { enabled } }",
            json!({"id": src.to_string()}),
        )
        .await;
    assert_eq!(d["disableSource"]["enabled"], false);
    let d = app
        .data(
            "mutation($id: ID!) { enableSource(id: $id) { enabled } }",
            json!({"id": src.to_string()}),
        )
        .await;
    assert_eq!(d["enableSource"]["enabled"], true);

    let order = app
        .import(src, sample_order("1", at(1), "Олена", "0501234567"))
        .await;
    backfill_done(&app, &src.to_string()).await;
    assert_eq!(
        app.engine.cached_clients(),
        1,
        "the backfill's client is kept"
    );
    app.data(
        "mutation($id: ID!) { deleteSource(id: $id) }",
        json!({"id": src.to_string()}),
    )
    .await;
    assert_eq!(
        app.engine.cached_clients(),
        0,
        "a deleted source's client is dropped"
    );
    let d = app.data("{ sources { id } }", json!({})).await;
    assert_eq!(d["sources"], json!([]));
    let d = app
        .data(
            "query($id: ID!) { order(id: $id) { number source { name enabled } } }",
            json!({"id": order.to_string()}),
        )
        .await;
    assert_eq!(
        d["order"],
        json!({"number": "R-1", "source": {"name": "Prom 2", "enabled": false}})
    );
}

// covers: API-4 (statuses are data, groups are fixed)
#[tokio::test]
async fn statuses_are_seeded_in_six_groups_and_editable() {
    let app = spawn_app().await;
    let d = app
        .data("{ statuses { name group systemKey } }", json!({}))
        .await;
    let groups: std::collections::BTreeSet<String> = d["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["group"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(groups.len(), 6);
    assert!(d["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["systemKey"] == "repeat_order"));
    let c = app.data("mutation { createStatus(input: {name: \"Waiting for payment\", group: APPROVAL}) { id name group } }", json!({})).await;
    let id = c["createStatus"]["id"].clone();
    let u = app
        .data("mutation($id: ID!) { updateStatus(id: $id, input: {name: \"Awaiting payment\", group: NEW}) { name group } }", json!({"id": id}))
        .await;
    assert_eq!(
        u["updateStatus"],
        json!({"name": "Awaiting payment", "group": "NEW"})
    );
    let del = app
        .data(
            "mutation($id: ID!) { deleteStatus(id: $id) }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(del["deleteStatus"], true);
    let seeded = d["statuses"][0]["name"].clone();
    let statuses = app.data("{ statuses { id name } }", json!({})).await;
    let first = statuses["statuses"][0]["id"].clone();
    assert_eq!(statuses["statuses"][0]["name"], seeded);
    let refused = app
        .gql(
            "mutation($id: ID!) { deleteStatus(id: $id) }",
            json!({"id": first}),
        )
        .await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "CONFLICT");
}
