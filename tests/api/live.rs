//! `Subscription.orderEvents` over graphql-transport-ws: events written by any instance on the
//! database reach every instance's subscribers, each user gets only the sources granted to them,
//! and a subscription without a good token or for a source not granted is refused with a code.
// covers: API-1, API-3, API-5

use crate::helpers::*;
use futures_util::{SinkExt, StreamExt};
use orderhub::platforms::prom;
use orderhub::sync::RunKind;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A graphql-transport-ws connection to `app`, initialised with `token` (none: no payload).
async fn connect(app: &TestApp, token: Option<&str>) -> Ws {
    let url = format!("{}/graphql/ws", app.base.replacen("http", "ws", 1));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let payload = match token {
        Some(t) => json!({"Authorization": format!("Bearer {t}")}),
        None => json!({}),
    };
    send(
        &mut ws,
        json!({"type": "connection_init", "payload": payload}),
    )
    .await;
    assert_eq!(next(&mut ws).await["type"], "connection_ack");
    ws
}

async fn send(ws: &mut Ws, msg: Value) {
    ws.send(Message::text(msg.to_string())).await.unwrap();
}

/// The next graphql-transport-ws message (pings answered), waiting up to 10 s.
async fn next(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message within 10 s")
            .expect("the connection is open")
            .unwrap();
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] == "ping" {
                send(ws, json!({"type": "pong"})).await;
                continue;
            }
            return v;
        }
    }
}

async fn subscribe(ws: &mut Ws, id: &str, variables: Value) {
    send(
        ws,
        json!({"id": id, "type": "subscribe", "payload": {
            "query": "subscription($s: ID, $k: [String!]) { orderEvents(sourceId: $s, kinds: $k) { kind message order { externalId source { id } } } }",
            "variables": variables,
        }}),
    )
    .await;
}

/// The `next` payloads of subscription `id` until `want` of them have come (other messages fail).
async fn events(ws: &mut Ws, id: &str, want: usize) -> Vec<Value> {
    let mut got = vec![];
    while got.len() < want {
        let m = next(ws).await;
        assert_eq!(m["id"], id, "{m}");
        assert_eq!(m["type"], "next", "{m}");
        assert!(m["payload"]["errors"].is_null(), "{m}");
        got.push(m["payload"]["data"]["orderEvents"].clone());
    }
    got
}

/// Events of subscription `id` until one satisfies `found` (up to 10 s each); returns them all.
async fn events_until(ws: &mut Ws, id: &str, found: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let mut got = vec![];
    while !found(&got) {
        got.extend(events(ws, id, 1).await);
    }
    got
}

/// No graphql-transport-ws message arrives on `ws` for a while (websocket pings aside).
async fn quiet(ws: &mut Ws) {
    let until = tokio::time::Instant::now() + Duration::from_millis(1200);
    while let Ok(Some(m)) = tokio::time::timeout_at(until, ws.next()).await {
        if let Message::Text(t) = m.unwrap() {
            panic!("nothing more was expected, got {t}");
        }
    }
}

fn source_of(e: &Value) -> &str {
    e["order"]["source"]["id"].as_str().unwrap()
}

async fn prom_source(app: &TestApp, name: &str) -> (prom::sim::Sim, orderhub::domain::SourceId) {
    let sim = prom::sim::start(0, Default::default()).unwrap();
    let d = app
        .data(
            "mutation($i: CreateSourceInput!) { createSource(input: $i) { id } }",
            json!({"i": {"name": name, "platform": "PROM", "currency": "UAH", "baseUrl": sim.api_url(),
                "credentials": {"token": "prom-sim-token"}, "settings": {"min_interval_ms": 0}}}),
        )
        .await;
    let id = orderhub::domain::SourceId(d["createSource"]["id"].as_str().unwrap().parse().unwrap());
    backfill_done(app, &id.0.to_string()).await;
    (sim, id)
}

async fn new_order(sim: &prom::sim::Sim) {
    reqwest::Client::new()
        .post(format!("{}/_sim/orders", sim.server.base_url()))
        .json(&json!({"buyer": 1, "items": [{"product": 2, "quantity": 1}]}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
}

#[tokio::test]
async fn order_events_reach_every_instances_subscribers_each_seeing_only_their_sources() {
    let url = fresh_database_url().await;
    let a = spawn_app_on(&url).await;
    let b = another_instance(&a, &url).await;
    let (sim_p, p) = prom_source(&a, "Prom P").await;
    let (sim_q, q) = prom_source(&a, "Prom Q").await;
    let (_, only_p) = a.create_user("only P", &[p]).await;

    // the admin listens on instance b to everything; the user granted P on instance a, twice:
    // imports and status changes, and P's imports only
    let mut admin = connect(&b, Some(ADMIN_TOKEN)).await;
    subscribe(&mut admin, "all", json!({})).await;
    let mut user = connect(&a, Some(&only_p)).await;
    let kinds = json!(["imported", "status_changed"]);
    subscribe(&mut user, "mine", json!({"k": kinds})).await;
    subscribe(
        &mut user,
        "p-imports",
        json!({"s": p.0.to_string(), "k": ["imported"]}),
    )
    .await;
    // a subscription starts with what is written after it
    tokio::time::sleep(Duration::from_millis(600)).await;

    // instance a imports one new order on each source
    new_order(&sim_p).await;
    new_order(&sim_q).await;
    for src in [p, q] {
        let run = a.engine.run(src, RunKind::Poll).await.unwrap().unwrap();
        assert_eq!(run.state, "succeeded", "{:?}", run.error);
        assert_eq!(run.orders_created, 1);
    }

    // the admin, on the other instance, gets both imports in the order they were written
    let (ps, qs) = (p.0.to_string(), q.0.to_string());
    let got = events_until(&mut admin, "all", |got| {
        got.iter()
            .any(|e| e["kind"] == "imported" && source_of(e) == qs)
    })
    .await;
    let imports: Vec<&str> = got
        .iter()
        .filter(|e| e["kind"] == "imported")
        .map(source_of)
        .collect();
    assert_eq!(imports, [ps.as_str(), qs.as_str()], "{got:?}");
    assert!(got
        .iter()
        .all(|e| [&ps, &qs].contains(&&source_of(e).to_string())));

    // the user's two subscriptions each get P's import, and nothing of Q
    let mut by_sub: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
    for _ in 0..2 {
        let m = next(&mut user).await;
        assert_eq!(m["type"], "next", "{m}");
        by_sub
            .entry(m["id"].as_str().unwrap().to_string())
            .or_default()
            .push(m["payload"]["data"]["orderEvents"].clone());
    }
    for sub in ["mine", "p-imports"] {
        let got = &by_sub[sub];
        assert_eq!(got.len(), 1, "{sub}: {by_sub:?}");
        assert_eq!(got[0]["kind"], "imported");
        assert_eq!(source_of(&got[0]), ps);
    }
    quiet(&mut user).await;

    // a change made here on b is an event too; the kind filter leaves it out of "p-imports"
    let order_id = a
        .data(
            "query($s: ID!) { orders(filter: {sourceId: $s}, first: 1) { edges { node { id } } } }",
            json!({"s": p.0.to_string()}),
        )
        .await["orders"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let statuses = b.data("{ statuses { id group } }", json!({})).await;
    let approval = statuses["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["group"] == "APPROVAL")
        .unwrap()["id"]
        .clone();
    b.data(
        "mutation($o: ID!, $s: ID!) { changeOrderStatus(orderId: $o, statusId: $s) { id } }",
        json!({"o": order_id, "s": approval}),
    )
    .await;
    let changed = events(&mut user, "mine", 1).await;
    assert_eq!(changed[0]["kind"], "status_changed", "{changed:?}");
    assert_eq!(source_of(&changed[0]), ps);
    events_until(&mut admin, "all", |got| {
        got.iter().any(|e| e["kind"] == "status_changed")
    })
    .await;
    quiet(&mut user).await;

    // a subscription can be stopped; the others go on
    send(&mut admin, json!({"id": "all", "type": "complete"})).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(300), admin.next()).await {} // what was on its way before the stop
    new_order(&sim_q).await;
    a.engine.run(q, RunKind::Poll).await.unwrap().unwrap();
    quiet(&mut admin).await;
}

#[tokio::test]
async fn a_subscription_needs_a_token_and_a_granted_source() {
    let app = spawn_app().await;
    let (_sim_p, p) = prom_source(&app, "Prom P").await;
    let (_sim_q, q) = prom_source(&app, "Prom Q").await;
    let (_, only_p) = app.create_user("only P", &[p]).await;

    // a refusal is the subscription's one result, with the error's code, and then its end
    async fn refused(ws: &mut Ws, id: &str, variables: Value) -> Value {
        subscribe(ws, id, variables).await;
        let m = next(ws).await;
        assert_eq!((&m["id"], &m["type"]), (&json!(id), &json!("next")), "{m}");
        assert!(m["payload"]["data"].is_null(), "{m}");
        let end = next(ws).await;
        assert_eq!(
            (&end["id"], &end["type"]),
            (&json!(id), &json!("complete")),
            "{end}"
        );
        m["payload"]["errors"][0]["extensions"]["code"].clone()
    }

    let mut anon = connect(&app, None).await;
    assert_eq!(refused(&mut anon, "1", json!({})).await, "UNAUTHENTICATED");
    let mut wrong = connect(&app, Some("not-a-token")).await;
    assert_eq!(refused(&mut wrong, "1", json!({})).await, "UNAUTHENTICATED");

    let mut user = connect(&app, Some(&only_p)).await;
    assert_eq!(
        refused(&mut user, "q", json!({"s": q.0.to_string()})).await,
        "NOT_FOUND"
    );
    assert_eq!(
        refused(&mut user, "bad", json!({"s": "not-an-id"})).await,
        "BAD_INPUT"
    );
    // the source granted is open
    subscribe(&mut user, "p", json!({"s": p.0.to_string()})).await;
    quiet(&mut user).await;
}

// covers: API-3 — a source withdrawn from a user stops reaching their open subscription (the
// token is checked again on the test app's short interval)
#[tokio::test]
async fn a_withdrawn_source_stops_reaching_an_open_subscription() {
    let app = spawn_app().await;
    let (sim, p) = prom_source(&app, "Prom P").await;
    let (user_id, token) = app.create_user("only P", &[p]).await;
    let mut ws = connect(&app, Some(&token)).await;
    subscribe(&mut ws, "mine", json!({"k": ["imported"]})).await;
    tokio::time::sleep(Duration::from_millis(600)).await;

    new_order(&sim).await;
    poll_succeeds(&app, p).await;
    assert_eq!(events(&mut ws, "mine", 1).await[0]["kind"], "imported");

    app.data(
        "mutation($u: ID!) { setUserSources(userId: $u, sourceIds: []) { id } }",
        json!({"u": user_id}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    new_order(&sim).await;
    poll_succeeds(&app, p).await;
    quiet(&mut ws).await;

    // granted again: it reaches them again, on the same subscription
    app.data(
        "mutation($u: ID!, $s: [ID!]!) { setUserSources(userId: $u, sourceIds: $s) { id } }",
        json!({"u": user_id, "s": [p.0.to_string()]}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    new_order(&sim).await;
    poll_succeeds(&app, p).await;
    assert_eq!(events(&mut ws, "mine", 1).await[0]["kind"], "imported");
}

// covers: API-5 (inputs bounded)
#[tokio::test]
async fn a_subscription_asking_for_too_many_kinds_is_refused_naming_the_field() {
    let app = spawn_app().await;
    let mut ws = connect(&app, Some(ADMIN_TOKEN)).await;
    let kinds: Vec<String> = (0..51).map(|i| format!("kind_{i}")).collect();
    subscribe(&mut ws, "many", json!({"k": kinds})).await;
    let m = next(&mut ws).await;
    assert_eq!(m["id"], "many", "{m}");
    let errors = if m["type"] == "error" {
        m["payload"].clone()
    } else {
        m["payload"]["errors"].clone()
    };
    assert_eq!(errors[0]["extensions"]["code"], "BAD_INPUT", "{m}");
    assert_eq!(errors[0]["extensions"]["field"], "kinds", "{m}");
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 50 items"),
        "{m}"
    );
    assert_eq!(next(&mut ws).await["type"], "complete");
    // a kind of 101 characters is refused too; 50 short ones are taken
    subscribe(&mut ws, "long", json!({"k": ["x".repeat(101)]})).await;
    let m = next(&mut ws).await;
    assert!(m.to_string().contains("at most 100 characters"), "{m}");
    assert_eq!(next(&mut ws).await["type"], "complete");
    let fifty: Vec<String> = (0..50).map(|i| format!("kind_{i}")).collect();
    subscribe(&mut ws, "fine", json!({"k": fifty})).await;
    quiet(&mut ws).await;
}
