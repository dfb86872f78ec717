//! Polled platforms end to end, against their simulators over real HTTP: createSource checks the
//! credentials and backfills; polls pick up new orders and edits; manual syncs are rate-limited;
//! faults are retried without losing or duplicating orders; a revoked token pauses the source;
//! two instances never sync one source at once.
// covers: SRC-2, SRC-6, IMP-1, IMP-2, IMP-4, SYNC-1, SYNC-4, SYNC-5, ST-1, ST-2, CUS-1, PRD-1

use crate::helpers::*;
use crate::sims::*;
use orderhub::domain::{Platform, SourceId};
use orderhub::sync::RunKind;
use serde_json::json;

async fn external_ids(app: &TestApp, source: &str) -> Vec<String> {
    let d = app
        .data("query($s: ID!) { orders(filter: {sourceId: $s}, first: 200) { totalCount edges { node { externalId } } } }", json!({"s": source}))
        .await;
    let mut ids: Vec<String> = d["orders"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["externalId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        d["orders"]["totalCount"].as_u64().unwrap() as usize,
        ids.len()
    );
    ids.sort();
    ids
}

async fn end_to_end(platform: Platform) {
    let app = spawn_app().await;
    let sim = start(platform);
    sim.control(
        reqwest::Method::POST,
        "/_sim/seed",
        json!({"count": 45, "days": 90}),
    )
    .await;

    // SRC-2: wrong credentials are refused with the platform's words and nothing is saved
    let mut wrong = sim.credentials.clone();
    for k in ["password", "token"] {
        if wrong.get(k).is_some() {
            wrong[k] = json!("wrong-secret");
        }
    }
    let bad = app
        .gql(
            "mutation($i: CreateSourceInput!) { createSource(input: $i) { id } }",
            json!({"i": {"name": "bad", "platform": platform.as_str().to_uppercase(), "currency": "UAH",
                "baseUrl": sim.source_url, "credentials": wrong, "settings": {"min_interval_ms": 0}}}),
        )
        .await;
    assert_eq!(
        bad["errors"][0]["extensions"]["code"], "PLATFORM_ERROR",
        "{platform}: {bad}"
    );
    assert!(
        bad["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("credentials rejected"),
        "{bad}"
    );
    assert_eq!(
        app.data("{ sources { id } }", json!({})).await["sources"],
        json!([])
    );

    // IMP-1: the backfill stores exactly what the platform has in the window, once
    let created = create_source(&app, &sim).await;
    assert!(created.get("errors").is_none(), "{platform}: {created}");
    let source = created["data"]["createSource"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let source_id: SourceId = source.parse().unwrap();
    let run = wait_for_run(&app, &source, "backfill").await;
    assert_eq!(run["state"], "succeeded", "{platform}: {run}");
    let expected = sim.backfill_ids().await;
    assert!(
        expected.len() >= 10,
        "{platform}: the seed gives a real window ({})",
        expected.len()
    );
    assert_eq!(
        external_ids(&app, &source).await,
        expected,
        "{platform}: backfill"
    );
    assert_eq!(
        run["ordersCreated"].as_u64().unwrap() as usize,
        expected.len()
    );

    // IMP-2 / SYNC-1: a new order on the platform arrives with the next poll
    sim.control(reqwest::Method::POST, "/_sim/orders", json!({"buyer": 7, "items": [{"product": 0, "quantity": 1}, {"product": 3, "quantity": 2}]}))
        .await;
    let poll = app
        .engine
        .run(source_id, RunKind::Poll)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(poll.state, "succeeded", "{platform}: {:?}", poll.error);
    assert_eq!(poll.orders_created, 1, "{platform}");
    let newest = app
        .data("query($s: ID!) { orders(filter: {sourceId: $s}, first: 1) { edges { node { id externalId items { name } customer { phone } events { kind syncRun { id kind } webhookDelivery { id } } } } } }", json!({"s": source}))
        .await["orders"]["edges"][0]["node"]
        .clone();
    assert_eq!(
        newest["items"].as_array().unwrap().len(),
        2,
        "{platform}: {newest}"
    );
    if platform == Platform::Epicentr {
        // Epicentr hides the buyer's contacts while an order is new
        assert!(newest["customer"].is_null(), "{newest}");
    } else {
        assert!(
            newest["customer"]["phone"]
                .as_str()
                .unwrap()
                .starts_with("+380"),
            "{platform}: {newest}"
        );
    }
    // SYNC-5: the import names the poll that brought it
    let import = newest["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "imported")
        .unwrap_or_else(|| panic!("{platform}: no import event: {newest}"));
    assert_eq!(
        import["syncRun"]["id"],
        poll.id.to_string(),
        "{platform}: {import}"
    );
    assert_eq!(import["syncRun"]["kind"], "poll", "{platform}: {import}");
    assert!(import["webhookDelivery"].is_null(), "{platform}: {import}");
    let order_id = newest["id"].as_str().unwrap().to_string();
    let external = newest["externalId"].as_str().unwrap().to_string();

    // SYNC-1, SYNC-4, SYNC-5: an item added on the platform arrives by a manual sync, once per 10 minutes
    sim.control(
        reqwest::Method::PATCH,
        &format!("/_sim/orders/{external}"),
        json!({"add_item": {"product": 5, "quantity": 1}}),
    )
    .await;
    let synced = app
        .gql("mutation($o: ID!) { syncOrder(orderId: $o) { items { name upsellCapable } events { kind syncRun { kind } } } }", json!({"o": order_id}))
        .await;
    assert!(synced.get("errors").is_none(), "{platform}: {synced}");
    let items = synced["data"]["syncOrder"]["items"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(items.len(), 3, "{platform}: {synced}");
    assert_eq!(items[2]["upsellCapable"], true);
    let kinds: Vec<&str> = synced["data"]["syncOrder"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"item_added"), "{platform}: {kinds:?}");
    let added = synced["data"]["syncOrder"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "item_added")
        .unwrap();
    assert_eq!(
        added["syncRun"]["kind"], "manual_order",
        "{platform}: {added}"
    );
    let again = app
        .gql(
            "mutation($o: ID!) { syncOrder(orderId: $o) { id } }",
            json!({"o": order_id}),
        )
        .await;
    assert_eq!(
        again["errors"][0]["extensions"]["code"], "RATE_LIMITED",
        "{platform}: {again}"
    );
    assert!(again["errors"][0]["extensions"]["retryAt"].is_string());

    // ST-2: a cancellation on the platform cancels the order here
    sim.control(
        reqwest::Method::PATCH,
        &format!("/_sim/orders/{external}"),
        json!({"cancel": true}),
    )
    .await;
    let poll = app
        .engine
        .run(source_id, RunKind::Poll)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(poll.state, "succeeded");
    let o = app
        .data(
            "query($o: ID!) { order(id: $o) { status { group } sourceStatus } }",
            json!({"o": order_id}),
        )
        .await;
    assert_eq!(
        o["order"]["status"]["group"], "CANCELLED",
        "{platform}: {o}"
    );

    // faults: retried inside the run; nothing lost or doubled (two rounds, so that each round's
    // faults stay within the client's retry budget)
    for round in [
        vec![
            json!({"kind": "rate_limit", "retry_after": 1}),
            json!({"kind": "server_error", "status": 502}),
            json!({"kind": "truncated_json"}),
        ],
        vec![
            json!({"kind": "server_error", "status": 503}),
            json!({"kind": "server_error", "status": 500}),
            json!({"kind": "timeout", "seconds": 3}),
        ],
    ] {
        for fault in round {
            sim.control(reqwest::Method::POST, "/_sim/faults", fault)
                .await;
        }
        let poll = app
            .engine
            .run(source_id, RunKind::Poll)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(poll.state, "succeeded", "{platform}: {:?}", poll.error);
    }
    let mut want = expected.clone();
    want.push(external.clone());
    want.sort();
    assert_eq!(
        external_ids(&app, &source).await,
        want,
        "{platform}: after faults"
    );

    // SRC-6: a revoked token marks the source and pauses polling
    sim.control(reqwest::Method::POST, "/_sim/revoke", json!({}))
        .await;
    let poll = app
        .engine
        .run(source_id, RunKind::Poll)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(poll.state, "failed");
    let s = app
        .data(
            "query($s: ID!) { source(id: $s) { needsReauth lastError } }",
            json!({"s": source}),
        )
        .await;
    assert_eq!(s["source"]["needsReauth"], true, "{platform}: {s}");
    assert!(
        s["source"]["lastError"]
            .as_str()
            .unwrap()
            .contains("rejected the credentials"),
        "{s}"
    );
    assert!(
        app.engine
            .run(source_id, RunKind::Poll)
            .await
            .unwrap()
            .is_none(),
        "polling pauses"
    );
    let manual = app
        .gql(
            "mutation($s: ID!) { syncSource(sourceId: $s) { id } }",
            json!({"s": source}),
        )
        .await;
    assert_eq!(manual["errors"][0]["extensions"]["code"], "CONFLICT");

    // SRC-6: credentials given again (the seller issued them anew) clear the mark; polling resumes
    // with a client built from them
    sim.control(reqwest::Method::POST, "/_sim/restore", json!({}))
        .await;
    let updated = app
        .gql(
            "mutation($s: ID!, $i: UpdateSourceInput!) { updateSource(id: $s, input: $i) { needsReauth } }",
            json!({"s": source, "i": {"credentials": sim.credentials}}),
        )
        .await;
    assert_eq!(
        updated["data"]["updateSource"]["needsReauth"], false,
        "{platform}: {updated}"
    );
    poll_succeeds(&app, source_id).await;
}

#[tokio::test]
async fn rozetka_end_to_end() {
    end_to_end(Platform::Rozetka).await;
}

#[tokio::test]
async fn prom_end_to_end() {
    end_to_end(Platform::Prom).await;
}

#[tokio::test]
async fn epicentr_end_to_end() {
    end_to_end(Platform::Epicentr).await;
}

#[tokio::test]
async fn cartum_end_to_end() {
    end_to_end(Platform::Cartum).await;
}
