//! A customer seen through a source (API-3 with CUS-1): customers are shared across sources by
//! phone or e-mail, but a user granted only some sources reads a customer as those sources'
//! orders show them — never a name, e-mail or address another source brought — and cannot find a
//! customer by it either. An admin reads the shared record.

use crate::helpers::*;
use serde_json::{json, Value};

const CUSTOMER: &str = "id firstName lastName phone email address";

async fn seen(app: &TestApp, token: &str, order_search: &str) -> (Value, Value) {
    let d = app
        .gql_as(
            Some(token),
            &format!(
                "query($q: String) {{ orders(first: 10, filter: {{search: $q}}) {{ edges {{ node {{ number customer {{ {CUSTOMER} }} }} }} }}
                   customers(first: 10) {{ edges {{ node {{ {CUSTOMER} }} }} }} }}"
            ),
            json!({"q": order_search}),
        )
        .await;
    assert!(d.get("errors").is_none(), "{d}");
    (d["data"]["orders"].clone(), d["data"]["customers"].clone())
}

fn nodes(connection: &Value) -> Vec<Value> {
    connection["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

async fn customers_found(app: &TestApp, token: &str, search: &str) -> usize {
    let d = app
        .gql_as(
            Some(token),
            "query($q: String) { customers(first: 10, search: $q) { edges { node { id } } } }",
            json!({"q": search}),
        )
        .await;
    d["data"]["customers"]["edges"].as_array().unwrap().len()
}

async fn orders_found(app: &TestApp, token: &str, search: &str) -> usize {
    let d = app
        .gql_as(
            Some(token),
            "query($q: String) { orders(first: 10, filter: {search: $q}) { edges { node { id } } } }",
            json!({"q": search}),
        )
        .await;
    d["data"]["orders"]["edges"].as_array().unwrap().len()
}

// covers: API-3, CUS-1
#[tokio::test]
async fn a_user_reads_a_shared_customer_only_as_their_sources_show_them() {
    let app = spawn_app().await;
    let shop_b = app.create_source("Shop B", "ROZETKA", json!({})).await;
    let shop_a = app.create_source("Shop A", "PROM", json!({})).await;
    // B brings the buyer first, with an e-mail and an address
    let mut b = sample_order("B-1", at(3), "Богдан", "+380501234567");
    if let Some(c) = b.customer.as_mut() {
        c.email = Some("bohdan.b@example.com".into());
        c.address = Some("Львів, вул. Городоцька, 5".into());
        c.last_name = Some("Коваль".into());
    }
    app.import(shop_b, b).await;
    // A's order of the same phone (CUS-1: the same customer) carries no e-mail, no address
    let mut a = sample_order("A-1", at(2), "Bohdan", "050 123 45 67");
    if let Some(c) = a.customer.as_mut() {
        c.address = None;
        c.last_name = Some("Koval".into());
    }
    app.import(shop_a, a).await;

    // the admin reads the shared record: one customer, first seen through B
    let (orders, customers) = seen(&app, ADMIN_TOKEN, "").await;
    assert_eq!(nodes(&customers).len(), 1, "CUS-1: one customer");
    let shared = &nodes(&customers)[0];
    assert_eq!(shared["firstName"], "Богдан");
    assert_eq!(shared["email"], "bohdan.b@example.com");
    for o in nodes(&orders) {
        assert_eq!(o["customer"]["id"], shared["id"]);
        assert_eq!(o["customer"]["email"], "bohdan.b@example.com");
    }

    // a user of A alone reads A's contact, everywhere the customer shows
    let (_, token_a) = app.create_user("Anna (A)", &[shop_a]).await;
    let (orders, customers) = seen(&app, &token_a, "").await;
    let want_a = json!({"id": shared["id"], "firstName": "Bohdan", "lastName": "Koval",
        "phone": "+380501234567", "email": null, "address": null});
    assert_eq!(nodes(&customers), std::slice::from_ref(&want_a));
    let orders = nodes(&orders);
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0]["customer"], want_a);
    let one = app
        .gql_as(
            Some(&token_a),
            &format!("query($c: ID!) {{ customer(id: $c) {{ {CUSTOMER} }} }}"),
            json!({"c": shared["id"]}),
        )
        .await;
    assert_eq!(one["data"]["customer"], want_a, "{one}");
    // … and cannot find the customer by what B brought, only by what A's orders say
    assert_eq!(customers_found(&app, &token_a, "bohdan.b@").await, 0);
    assert_eq!(customers_found(&app, &token_a, "Богдан").await, 0);
    assert_eq!(orders_found(&app, &token_a, "bohdan.b@").await, 0);
    assert_eq!(customers_found(&app, &token_a, "Koval").await, 1);
    assert_eq!(orders_found(&app, &token_a, "Koval").await, 1);
    assert_eq!(orders_found(&app, &token_a, "0501234567").await, 1);
    // the admin finds them by either
    assert_eq!(customers_found(&app, ADMIN_TOKEN, "bohdan.b@").await, 1);

    // a user of B reads B's contact
    let (_, token_b) = app.create_user("Borys (B)", &[shop_b]).await;
    let (_, customers) = seen(&app, &token_b, "").await;
    assert_eq!(nodes(&customers)[0]["email"], "bohdan.b@example.com");
    assert_eq!(nodes(&customers)[0]["address"], "Львів, вул. Городоцька, 5");

    // a later order of A that carries an e-mail fills A's gap with A's own e-mail (the first
    // value seen stays: B's e-mail remains the shared record's)
    let mut a2 = sample_order("A-2", at(1), "Bohdan", "+380501234567");
    if let Some(c) = a2.customer.as_mut() {
        c.email = Some("koval.a@example.com".into());
        c.address = None;
    }
    app.import(shop_a, a2).await;
    let (_, customers) = seen(&app, &token_a, "").await;
    assert_eq!(nodes(&customers)[0]["email"], "koval.a@example.com");
    assert_eq!(nodes(&customers)[0]["firstName"], "Bohdan");
    let (_, customers) = seen(&app, ADMIN_TOKEN, "").await;
    assert_eq!(nodes(&customers)[0]["email"], "bohdan.b@example.com");

    // a user of both reads the older source's contact, its gaps filled from the other
    let (_, token_ab) = app.create_user("Olha (A+B)", &[shop_a, shop_b]).await;
    let (_, customers) = seen(&app, &token_ab, "").await;
    let both = &nodes(&customers)[0];
    assert_eq!(both["firstName"], "Богдан");
    assert_eq!(both["email"], "bohdan.b@example.com");
}
