//! A source's `settings`, typed per platform: refused with the key named when unknown or of the
//! wrong type, listed by `platformSettings` for a form, stored rows of before still read, and the
//! `country` setting reading a shop's bare national phone numbers.
// covers: SRC-1, API-5, CUS-1

use crate::helpers::*;
use crate::sims;
use orderhub::domain::credentials::Credentials;
use orderhub::domain::{Platform, SourceId};
use orderhub::platforms::signature::sign;
use orderhub::store::sources::SourceSettings;
use serde_json::{json, Value};
use std::time::Duration;

const CREATE: &str = "mutation($i: CreateSourceInput!) { createSource(input: $i) { id } }";
const UPDATE: &str =
    "mutation($id: ID!, $s: JSON!) { updateSource(id: $id, input: {settings: $s}) { settings } }";

fn refusal(body: &Value) -> (String, String, String) {
    let e = &body["errors"][0];
    (
        e["extensions"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        e["extensions"]["field"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        e["message"].as_str().unwrap_or_default().to_string(),
    )
}

async fn source_count(app: &TestApp) -> usize {
    app.data("{ sources { id } }", json!({})).await["sources"]
        .as_array()
        .unwrap()
        .len()
}

// covers: SRC-1, API-5
#[tokio::test]
async fn an_unknown_key_or_a_wrong_type_is_refused_naming_the_key() {
    let app = spawn_app().await;
    let sim = sims::start(Platform::Prom);
    let input = |settings: Value| {
        json!({"i": {"name": "Prom", "platform": "PROM", "currency": "UAH", "baseUrl": sim.source_url,
            "credentials": sim.credentials, "settings": settings}})
    };
    // a misspelt key used to fall back to the default silently
    let body = app.gql(CREATE, input(json!({"page_sise": 20}))).await;
    let (code, field, message) = refusal(&body);
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_INPUT", "settings.page_sise"),
        "{body}"
    );
    assert!(
        message.contains("`page_size`"),
        "names the keys Prom takes: {message}"
    );
    assert!(message.contains("`manual_call_burst`"), "{message}");
    let body = app.gql(CREATE, input(json!({"page_size": "20"}))).await;
    let (code, field, _) = refusal(&body);
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_INPUT", "settings.page_size"),
        "{body}"
    );
    // another platform's key is not Prom's
    let body = app
        .gql(CREATE, input(json!({"api_version": "2025-07"})))
        .await;
    assert_eq!(refusal(&body).1, "settings.api_version", "{body}");
    assert_eq!(source_count(&app).await, 0, "nothing saved");

    let d = app
        .data(
            CREATE,
            input(json!({"min_interval_ms": 0, "page_size": 20, "manual_call_burst": 3})),
        )
        .await;
    let id = d["createSource"]["id"].as_str().unwrap().to_string();
    let body = app
        .gql(
            UPDATE,
            json!({"id": id, "s": {"filter_time_zone": "berlin"}}),
        )
        .await;
    let (code, field, message) = refusal(&body);
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_INPUT", "settings.filter_time_zone"),
        "{body}"
    );
    assert!(
        message.contains("kyiv"),
        "names the values it takes: {message}"
    );
    let d = app
        .data(
            UPDATE,
            json!({"id": id, "s": {"min_interval_ms": 0, "filter_time_zone": "kyiv"}}),
        )
        .await;
    assert_eq!(
        d["updateSource"]["settings"],
        json!({"min_interval_ms": 0, "filter_time_zone": "kyiv"})
    );
}

// covers: SRC-1
#[tokio::test]
async fn platform_settings_lists_each_key_with_its_type_default_and_description() {
    let app = spawn_app().await;
    let d = app
        .data(
            "{ platformSettings(platform: SHOPIFY) { key type default allowedValues description } }",
            json!({}),
        )
        .await;
    let keys = d["platformSettings"].as_array().unwrap();
    let find = |k: &str| {
        keys.iter()
            .find(|s| s["key"] == k)
            .unwrap_or_else(|| panic!("no {k} in {d}"))
            .clone()
    };
    assert_eq!(find("reconcile_minutes")["type"], "integer");
    assert_eq!(find("reconcile_minutes")["default"], 60);
    assert_eq!(find("api_version")["default"], "2025-07");
    assert_eq!(find("country")["allowedValues"], json!(["UA", "PL"]));
    assert_eq!(find("country")["default"], Value::Null);
    assert_eq!(find("read_all_orders")["type"], "boolean");
    assert!(find("manual_call_burst")["description"]
        .as_str()
        .unwrap()
        .contains("1 to 1000"));
    for k in keys {
        assert!(!k["description"].as_str().unwrap().is_empty(), "{k}");
    }
    // each platform has its own keys
    let d = app
        .data("{ platformSettings(platform: CARTUM) { key } }", json!({}))
        .await;
    let cartum: Vec<&str> = d["platformSettings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["key"].as_str().unwrap())
        .collect();
    assert!(cartum.contains(&"field_phone") && cartum.contains(&"country"));
    assert!(!cartum.contains(&"api_version"));
    // for signed-in users only, as are the platform's facts
    for q in [
        "{ platformSettings(platform: PROM) { key } }",
        "{ platformFacts(platform: PROM) { takesLanguage } }",
    ] {
        let body = app.gql_as(None, q, json!({})).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{q}"
        );
    }
}

// covers: SRC-1 (issue 17: the API says which platforms read goods' names in the source's
// language, so a form need not know them by name)
#[tokio::test]
async fn platform_facts_say_which_platforms_take_a_language() {
    let app = spawn_app().await;
    let mut taking = vec![];
    // every platform, by its GraphQL name
    let all = orderhub::domain::Platform::ALL.map(|p| p.as_str().to_uppercase());
    for p in all.iter().map(String::as_str) {
        let d = app
            .data(
                &format!("{{ platformFacts(platform: {p}) {{ takesLanguage }} }}"),
                json!({}),
            )
            .await;
        if d["platformFacts"]["takesLanguage"] == json!(true) {
            taking.push(p);
        } else {
            assert_eq!(
                d["platformFacts"]["takesLanguage"],
                json!(false),
                "{p}: {d}"
            );
        }
    }
    assert_eq!(taking, ["PROM", "CARTUM"]);
}

// covers: SRC-1 (sources saved before the settings were typed keep working)
#[tokio::test]
async fn settings_stored_before_they_were_typed_are_still_read() {
    let app = spawn_app().await;
    let sim = sims::start(Platform::Prom);
    sim.control(
        reqwest::Method::POST,
        "/_sim/seed",
        json!({"count": 5, "days": 10}),
    )
    .await;
    let creds: Credentials = serde_json::from_value(sim.credentials.clone()).unwrap();
    // an unknown key and a value of the wrong type, as the untyped settings accepted them
    let row = app
        .app_store
        .create_source(
            Platform::Prom,
            SourceSettings {
                name: Some("Prom of before".into()),
                currency: Some("UAH".into()),
                base_url: Some(Some(sim.source_url.clone())),
                credentials_enc: Some(app.secret_key.encrypt_credentials(&creds)),
                settings: Some(json!({"min_interval_ms": 0, "note": "old", "page_size": "fifty"})),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let run = app
        .engine
        .run(SourceId(row.id), orderhub::sync::RunKind::Backfill)
        .await
        .unwrap()
        .expect("the source's lease is free");
    assert_eq!(run.state, "succeeded", "{:?}", run.error);
    assert_eq!(run.orders_seen, 5, "{run:?}");
    let d = app
        .data(
            "query($id: ID!) { source(id: $id) { settings } }",
            json!({"id": row.id.to_string()}),
        )
        .await;
    assert_eq!(d["source"]["settings"]["note"], "old", "kept as stored");
}

async fn deliver_shopify(app: &TestApp, source: SourceId, id: u64, body: &[u8]) {
    let r = app
        .client
        .post(format!("{}/webhooks/shopify/{source}", app.base))
        .header("content-type", "application/json")
        .header("x-shopify-topic", "orders/create")
        .header("x-shopify-webhook-id", format!("w-{id}"))
        .header(
            "x-shopify-hmac-sha256",
            sign(b"shopify-demo-client-secret", body),
        )
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

async fn phone_of(app: &TestApp, source: SourceId, number: &str) -> Value {
    for _ in 0..100 {
        let d = app
            .data(
                "query($s: ID!) { orders(filter: {sourceId: $s}, first: 10) { edges { node { number customer { phone } } } } }",
                json!({"s": source.to_string()}),
            )
            .await;
        if let Some(n) = d["orders"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["node"]["number"] == number)
        {
            return n["node"]["customer"]["phone"].clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("order {number} not imported");
}

fn order_with_phone(id: u64, phone: &str) -> Vec<u8> {
    format!(
        r##"{{"id":{id},"name":"#{id}","created_at":"2026-11-20T10:00:00+02:00","updated_at":"2026-11-20T10:00:00+02:00","currency":"UAH","total_price":"100.00","financial_status":"paid","fulfillment_status":null,"line_items":[{{"id":1,"product_id":2,"sku":"A","title":"Mug","quantity":1,"price":"100.00"}}],"customer":{{"first_name":"Anna","last_name":"Nowak","email":"anna{id}@example.com","phone":"{phone}"}}}}"##
    )
    .into_bytes()
}

// covers: CUS-1, SRC-1 (the source's country)
#[tokio::test]
async fn a_shop_whose_country_is_poland_reads_bare_numbers_as_polish() {
    let app = spawn_app().await;
    let (src, _sim) = webhook_source(&app, "SHOPIFY", "UAH").await;
    // without the setting, the order's currency (UAH) says Ukraine
    deliver_shopify(&app, src, 9001, &order_with_phone(9001, "501 234 567")).await;
    assert_eq!(phone_of(&app, src, "#9001").await, "+380501234567");
    app.data(
        UPDATE,
        json!({"id": src.to_string(), "s": {"country": "PL"}}),
    )
    .await;
    deliver_shopify(&app, src, 9002, &order_with_phone(9002, "601 234 567")).await;
    assert_eq!(phone_of(&app, src, "#9002").await, "+48601234567");
    // a number written with its country code is that country's whatever the setting
    deliver_shopify(&app, src, 9003, &order_with_phone(9003, "+380671112233")).await;
    assert_eq!(phone_of(&app, src, "#9003").await, "+380671112233");
    let body = app
        .gql(
            UPDATE,
            json!({"id": src.to_string(), "s": {"country": "Poland"}}),
        )
        .await;
    assert_eq!(refusal(&body).1, "settings.country", "{body}");
}
