//! The budget of platform calls people ask for: `syncSource`, `syncOrder`, `syncPublication` and
//! `syncPublications` draw on one budget per source, shared by every request, user and instance,
//! so no request (25 aliases) or burst of requests spends the seller's platform quota.

use crate::helpers::*;
use crate::sims::*;
use orderhub::domain::Platform;
use reqwest::Method;
use serde_json::{json, Value};

/// A Rozetka source with a budget of 3 calls at once and 1 a minute, its backfill done.
async fn rozetka_source(app: &TestApp, sim: &SimUnderTest, name: &str) -> String {
    let created = app
        .gql(
            "mutation($i: CreateSourceInput!) { createSource(input: $i) { id } }",
            json!({"i": {"name": name, "platform": "ROZETKA", "currency": "UAH",
                "baseUrl": sim.source_url, "credentials": sim.credentials,
                "settings": {"min_interval_ms": 0, "manual_call_burst": 3, "manual_calls_per_minute": 1},
                "allowSameAccount": true}}),
        )
        .await;
    assert!(created.get("errors").is_none(), "{created}");
    let id = created["data"]["createSource"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let run = wait_for_run(app, &id, "backfill").await;
    assert_eq!(run["state"], "succeeded", "{run}");
    lease_free(app, orderhub::domain::SourceId(id.parse().unwrap())).await;
    id
}

async fn platform_requests(sim: &SimUnderTest) -> u64 {
    sim.control(Method::GET, "/_sim/faults", Value::Null).await["requests"]
        .as_u64()
        .unwrap()
}

/// The errors of a multi-field mutation, by alias.
fn refused(answer: &Value) -> Vec<(String, Value)> {
    answer["errors"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|e| (e["path"][0].as_str().unwrap_or("").to_string(), e))
        .collect()
}

// covers: API-4 (manual syncs), SYNC-4, PUB-1
#[tokio::test]
async fn manual_platform_calls_share_one_budget_per_source_across_instances() {
    let url = fresh_database_url().await;
    let app = spawn_app_on(&url).await;
    let sim = start(Platform::Rozetka);
    sim.control(
        Method::POST,
        "/_sim/orders",
        json!({"buyer": 3, "items": [{"product": 0, "quantity": 1}], "status": 1}),
    )
    .await;
    let source = rozetka_source(&app, &sim, "Rozetka budget").await;

    // call 1 of 3: the source's listings
    let r = app
        .data(
            "mutation($s: ID!) { syncPublications(sourceId: $s) { created } }",
            json!({"s": source}),
        )
        .await;
    assert!(
        r["syncPublications"]["created"].as_i64().unwrap() >= 1,
        "{r}"
    );
    let p = app
        .data(
            "query($s: ID!) { publications(sourceId: $s, first: 1) { edges { node { id } } } }",
            json!({"s": source}),
        )
        .await["publications"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // one request of five aliases: calls 2 and 3 go to Rozetka, the other three are refused
    // without a request
    let reads_before = sim.rozetka().goods_reads();
    let aliases: String = (0..5)
        .map(|i| format!("p{i}: syncPublication(id: $p) {{ externalId }} "))
        .collect();
    let answer = app
        .gql(
            &format!("mutation($p: ID!) {{ {aliases} }}"),
            json!({"p": p}),
        )
        .await;
    assert_eq!(sim.rozetka().goods_reads() - reads_before, 2, "{answer}");
    assert!(answer["data"]["p0"]["externalId"].is_string(), "{answer}");
    assert!(answer["data"]["p1"]["externalId"].is_string(), "{answer}");
    let errors = refused(&answer);
    assert_eq!(
        errors.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>(),
        ["p2", "p3", "p4"],
        "{answer}"
    );
    for (_, e) in &errors {
        assert_eq!(e["extensions"]["code"], "RATE_LIMITED", "{e}");
        let message = e["message"].as_str().unwrap();
        assert!(
            message.contains("budget of platform calls")
                && message.contains("3 calls at once, then 1 a minute"),
            "{message}"
        );
        let retry: chrono::DateTime<chrono::Utc> = e["extensions"]["retryAt"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(retry > chrono::Utc::now(), "{e}");
        assert!(
            retry <= chrono::Utc::now() + chrono::Duration::seconds(61),
            "{e}"
        );
    }

    // the other manual syncs of the source draw on the same budget: refused, nothing sent
    let order = orders_by_external_id(&app, &source, "id externalId")
        .await
        .into_values()
        .next()
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let requests = platform_requests(&sim).await;
    let answer = app
        .gql(
            "mutation($s: ID!, $o: ID!) { a: syncOrder(orderId: $o) { id } b: syncSource(sourceId: $s) { id } }",
            json!({"s": source, "o": order}),
        )
        .await;
    let codes: Vec<Value> = refused(&answer)
        .into_iter()
        .map(|(_, e)| e["extensions"]["code"].clone())
        .collect();
    assert_eq!(
        codes,
        [json!("RATE_LIMITED"), json!("RATE_LIMITED")],
        "{answer}"
    );
    // the order's 10-minute slot was not used up by the refused call
    let row = app
        .app_store
        .order(
            &orderhub::domain::auth::SourceScope::All,
            orderhub::domain::OrderId(order.parse().unwrap()),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.last_manual_sync_at, None);

    // another instance on the same database sees the same budget
    let other = another_instance(&app, &url).await;
    let answer = other
        .gql(
            "mutation($p: ID!) { syncPublication(id: $p) { externalId } }",
            json!({"p": p}),
        )
        .await;
    assert_eq!(
        answer["errors"][0]["extensions"]["code"], "RATE_LIMITED",
        "{answer}"
    );
    assert_eq!(
        platform_requests(&sim).await,
        requests,
        "no platform call was made"
    );

    // the budget is the source's: another source of the same seller syncs at once
    let second = rozetka_source(&app, &sim, "Rozetka second shop").await;
    let run = app
        .data(
            "mutation($s: ID!) { syncSource(sourceId: $s) { state } }",
            json!({"s": second}),
        )
        .await;
    assert_eq!(run["syncSource"]["state"], "succeeded", "{run}");
}
