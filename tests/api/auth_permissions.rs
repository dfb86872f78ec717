//! Authentication and the permission matrix: a user never sees a source, order, customer or
//! expense of a source not granted to them, through any query or mutation.
// covers: API-3, API-5, SRC-3

use crate::helpers::*;
use serde_json::{json, Value};

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<none>")
}

// covers: API-5
#[tokio::test]
async fn no_token_or_a_wrong_token_is_unauthenticated() {
    let app = spawn_app().await;
    for token in [None, Some("not-a-real-token")] {
        for q in [
            "{ me { id } }",
            "{ orders { totalCount } }",
            "{ sources { id } }",
            "{ statuses { id } }",
        ] {
            let body = app.gql_as(token, q, json!({})).await;
            assert_eq!(code(&body), "UNAUTHENTICATED", "{q} with {token:?}: {body}");
        }
    }
    let m = app
        .gql_as(
            None,
            "mutation { createUser(input: {name: \"x\"}) { token } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&m), "UNAUTHENTICATED");
}

// covers: API-3
#[tokio::test]
async fn permission_matrix_across_every_query_and_mutation() {
    let app = spawn_app().await;
    let mine = app
        .create_source("Mine", "ROZETKA", json!({"storeCommission": true}))
        .await;
    let theirs = app
        .create_source("Theirs", "PROM", json!({"storeCommission": true}))
        .await;
    let my_order = app
        .import(mine, sample_order("1", at(1), "Олена", "0501111111"))
        .await;
    let their_order = app
        .import(theirs, sample_order("2", at(1), "Тарас", "0502222222"))
        .await;
    let (user_id, token) = app.create_user("Manager", &[mine]).await;
    let t = Some(token.as_str());
    let statuses = app.data("{ statuses { id } }", json!({})).await;
    let status = statuses["statuses"][4]["id"].clone();
    let their_item = app
        .data(
            "query($o: ID!) { order(id: $o) { items { id } } }",
            json!({"o": their_order.to_string()}),
        )
        .await["order"]["items"][0]["id"]
        .clone();

    // reads: only the granted source and what hangs off it
    let d = app.gql_as(t, "{ sources { name } }", json!({})).await;
    assert_eq!(d["data"]["sources"], json!([{"name": "Mine"}]));
    let d = app
        .gql_as(
            t,
            "query($id: ID!) { source(id: $id) { name } }",
            json!({"id": theirs.to_string()}),
        )
        .await;
    assert_eq!(d["data"]["source"], Value::Null);
    let d = app
        .gql_as(
            t,
            "{ orders { totalCount edges { node { number source { name } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(d["data"]["orders"]["totalCount"], 1);
    assert_eq!(d["data"]["orders"]["edges"][0]["node"]["number"], "R-1");
    for filter in [
        json!({"sourceId": theirs.to_string()}),
        json!({"platform": "PROM"}),
        json!({"search": "Тарас"}),
    ] {
        let d = app
            .gql_as(t, "query($f: OrderFilter) { orders(filter: $f) { totalCount edges { node { id } } } }", json!({"f": filter}))
            .await;
        assert_eq!(d["data"]["orders"]["totalCount"], 0, "filter {filter}");
    }
    let d = app
        .gql_as(
            t,
            "query($id: ID!) { order(id: $id) { id customer { phone } } }",
            json!({"id": their_order.to_string()}),
        )
        .await;
    assert_eq!(d["data"]["order"], Value::Null);
    let d = app
        .gql_as(
            t,
            "query($id: ID!) { order(id: $id) { number } }",
            json!({"id": my_order.to_string()}),
        )
        .await;
    assert_eq!(d["data"]["order"]["number"], "R-1");
    let d = app
        .gql_as(
            t,
            "query($f: DateTime!, $t: DateTime!) { commissionExpenses(from: $f, to: $t, groupBy: SOURCE) { key count } }",
            json!({"f": at(30).to_rfc3339(), "t": at(-1).to_rfc3339()}),
        )
        .await;
    assert_eq!(
        d["data"]["commissionExpenses"],
        json!([{"key": "Mine", "count": 1}])
    );
    let d = app
        .gql_as(t, "{ me { name admin sources { name } } }", json!({}))
        .await;
    assert_eq!(
        d["data"]["me"],
        json!({"name": "Manager", "admin": false, "sources": [{"name": "Mine"}]})
    );
    let d = app.gql_as(t, "{ users { id } }", json!({})).await;
    assert_eq!(code(&d), "FORBIDDEN");

    // mutations on what is not theirs: not found, and nothing changed
    let their = their_order.to_string();
    let denied_as_not_found = [
        (
            "mutation($o: ID!, $s: ID!) { changeOrderStatus(orderId: $o, statusId: $s) { id } }",
            json!({"o": their, "s": status}),
        ),
        (
            "mutation($o: ID!) { setTrackingNumber(orderId: $o, trackingNumber: \"1\") { id } }",
            json!({"o": their}),
        ),
        (
            "mutation($o: ID!) { writeOffOrder(orderId: $o) { id } }",
            json!({"o": their}),
        ),
        (
            "mutation($i: ID!) { setItemUpsell(itemId: $i, upsell: false) { id } }",
            json!({"i": their_item}),
        ),
    ];
    // a source that is not theirs: its publications and rules do not exist for them
    let denied_as_not_found = denied_as_not_found.into_iter().chain([
        (
            "query($s: ID!) { publications(sourceId: $s) { edges { cursor } } }",
            json!({"s": theirs.to_string()}),
        ),
        (
            "query($s: ID!) { statusRules(sourceId: $s) { id } }",
            json!({"s": theirs.to_string()}),
        ),
        (
            "mutation($s: ID!) { syncPublications(sourceId: $s) { created } }",
            json!({"s": theirs.to_string()}),
        ),
    ]);
    for (m, vars) in denied_as_not_found {
        let d = app.gql_as(t, m, vars).await;
        assert_eq!(code(&d), "NOT_FOUND", "{m}: {d}");
    }
    // admin-only mutations
    let admin_only = [
        ("mutation { createSource(input: {name: \"x\", platform: PROM, currency: \"UAH\", credentials: {token: \"t\"}}) { id } }", json!({})),
        ("mutation($id: ID!) { updateSource(id: $id, input: {name: \"y\"}) { id } }", json!({"id": mine.to_string()})),
        ("mutation($id: ID!) { disableSource(id: $id) { id } }", json!({"id": mine.to_string()})),
        ("mutation($id: ID!) { enableSource(id: $id) { id } }", json!({"id": mine.to_string()})),
        ("mutation($id: ID!) { deleteSource(id: $id) }", json!({"id": mine.to_string()})),
        ("mutation { createUser(input: {name: \"x\", admin: true}) { token } }", json!({})),
        ("mutation($u: ID!, $s: ID!) { setUserSources(userId: $u, sourceIds: [$s]) { id } }", json!({"u": user_id, "s": theirs.to_string()})),
        ("mutation { createStatus(input: {name: \"x\", group: NEW}) { id } }", json!({})),
        ("mutation($id: ID!) { updateStatus(id: $id, input: {name: \"x\"}) { id } }", json!({"id": status})),
        ("mutation($id: ID!) { deleteStatus(id: $id) }", json!({"id": status})),
        ("mutation($s: ID!) { setStatusRules(sourceId: $s, rules: []) { id } }", json!({"s": mine.to_string()})),
        ("mutation($s: ID!) { previewStatusRules(sourceId: $s, rules: []) { unchanged } }", json!({"s": mine.to_string()})),
        ("mutation($s: ID!) { enableStatusRules(sourceId: $s, enabled: false) { id } }", json!({"s": mine.to_string()})),
        ("mutation { setProductStock(productId: \"1\", quantity: 3) { id } }", json!({})),
    ];
    for (m, vars) in admin_only {
        let d = app.gql_as(t, m, vars).await;
        assert_eq!(code(&d), "FORBIDDEN", "{m}: {d}");
    }
    let after = app
        .data(
            "query($o: ID!) { order(id: $o) { trackingNumber writtenOff status { name } } }",
            json!({"o": their}),
        )
        .await;
    assert_eq!(
        after["order"],
        json!({"trackingNumber": null, "writtenOff": false, "status": {"name": "New"}})
    );

    // on their own order the same user may act
    let d = app
        .gql_as(t, "mutation($o: ID!) { setTrackingNumber(orderId: $o, trackingNumber: \"59000\") { trackingNumber } }", json!({"o": my_order.to_string()}))
        .await;
    assert_eq!(d["data"]["setTrackingNumber"]["trackingNumber"], "59000");

    // a grant given later takes effect at once; taking it away hides the source again
    app.data(
        "mutation($u: ID!, $s: [ID!]!) { setUserSources(userId: $u, sourceIds: $s) { id } }",
        json!({"u": user_id, "s": [mine.to_string(), theirs.to_string()]}),
    )
    .await;
    let d = app.gql_as(t, "{ orders { totalCount } }", json!({})).await;
    assert_eq!(d["data"]["orders"]["totalCount"], 2);
    app.data(
        "mutation($u: ID!) { setUserSources(userId: $u, sourceIds: []) { id } }",
        json!({"u": user_id}),
    )
    .await;
    let d = app
        .gql_as(t, "{ orders { totalCount } sources { id } }", json!({}))
        .await;
    assert_eq!(d["data"]["orders"]["totalCount"], 0);
    assert_eq!(d["data"]["sources"], json!([]));
}

// Tokens are stored hashed: the database never holds the token itself.
#[tokio::test]
async fn tokens_are_shown_once_and_stored_hashed() {
    let app = spawn_app().await;
    let (_, token) = app.create_user("Someone", &[]).await;
    let users = app.app_store.users().await.unwrap();
    assert!(users
        .iter()
        .all(|u| u.token_hash != token && !u.token_hash.contains(&token)));
    let me = app.gql_as(Some(&token), "{ me { name } }", json!({})).await;
    assert_eq!(me["data"]["me"]["name"], "Someone");
}
