//! Giving orders to managers (issue 19): an order goes only to a manager who may open it, other
//! users take orders for themselves, and "my orders" is a filter of the list.
// covers: API-2, API-3, API-4

use crate::helpers::*;
use serde_json::{json, Value};

const ASSIGN: &str = "mutation($o: [ID!]!, $u: ID) { assignManager(orderIds: $o, userId: $u) { id number manager { name } events { kind message user { name } } } }";

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<none>")
}

async fn mine(app: &TestApp, token: &str, manager: &str) -> Vec<String> {
    let d = app
        .gql_as(
            Some(token),
            "query($m: ID) { orders(first: 50, filter: {managerId: $m}) { edges { node { number } } } }",
            json!({"m": manager}),
        )
        .await;
    assert!(d.get("errors").is_none(), "{d}");
    d["data"]["orders"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["number"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn orders_go_only_to_managers_who_may_open_them() {
    let app = spawn_app().await;
    let shop_a = app.create_source("Shop A", "PROM", json!({})).await;
    let shop_b = app.create_source("Shop B", "ROZETKA", json!({})).await;
    let a1 = app
        .import(shop_a, sample_order("a1", at(2), "Олена", "+380501111111"))
        .await
        .to_string();
    let b1 = app
        .import(shop_b, sample_order("b1", at(1), "Богдан", "+380502222222"))
        .await
        .to_string();
    let (anna, anna_token) = app.create_user("Anna", &[shop_a]).await;
    let (boris, _) = app.create_user("Boris", &[shop_b]).await;

    // an admin gives A's order to Anna; the feed says so and who did it
    let d = app.data(ASSIGN, json!({"o": [a1], "u": anna})).await;
    let order = &d["assignManager"][0];
    assert_eq!(order["manager"]["name"], "Anna");
    let event = order["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "manager_changed")
        .unwrap();
    assert_eq!(event["message"], "Manager: Anna");
    assert_eq!(event["user"]["name"], "admin");

    // B's order cannot go to Anna: refused whole, naming the order and the source
    let refused = app.gql(ASSIGN, json!({"o": [a1, b1], "u": boris})).await;
    assert_eq!(code(&refused), "FORBIDDEN", "{refused}");
    let message = refused["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("Boris") && message.contains("R-a1") && message.contains("«Shop A»"),
        "{message}"
    );
    assert_eq!(mine(&app, ADMIN_TOKEN, &boris).await, Vec::<String>::new());
    assert_eq!(mine(&app, ADMIN_TOKEN, &anna).await, ["R-a1"]);

    // Anna takes orders for herself only, and only those she sees
    let other = app
        .gql_as(Some(&anna_token), ASSIGN, json!({"o": [a1], "u": boris}))
        .await;
    assert_eq!(code(&other), "FORBIDDEN", "{other}");
    let unseen = app
        .gql_as(Some(&anna_token), ASSIGN, json!({"o": [b1], "u": anna}))
        .await;
    assert_eq!(code(&unseen), "NOT_FOUND", "{unseen}");
    let taken = app
        .gql_as(Some(&anna_token), ASSIGN, json!({"o": [a1], "u": anna}))
        .await;
    assert!(taken.get("errors").is_none(), "{taken}");
    assert_eq!(mine(&app, &anna_token, &anna).await, ["R-a1"], "my orders");

    // an admin takes the order back from its manager
    let d = app.data(ASSIGN, json!({"o": [a1], "u": null})).await;
    assert!(d["assignManager"][0]["manager"].is_null(), "{d}");
    assert!(d["assignManager"][0]["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["message"] == "Manager removed"));
    assert_eq!(mine(&app, ADMIN_TOKEN, &anna).await, Vec::<String>::new());

    // at most 200 orders at once
    let many: Vec<String> = (0..201).map(|i| i.to_string()).collect();
    let too_many = app.gql(ASSIGN, json!({"o": many, "u": anna})).await;
    assert_eq!(code(&too_many), "BAD_INPUT", "{too_many}");
    assert_eq!(too_many["errors"][0]["extensions"]["field"], "orderIds");
}
