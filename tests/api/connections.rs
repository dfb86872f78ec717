//! Relay connections (API-1, issue 17): the customer list pages both ways with opaque cursors;
//! a raw id, another list's cursor or a garbled one is refused naming its argument.
// covers: API-1

use crate::helpers::*;
use serde_json::{json, Value};

const PAGE: &str = "query($f: Int, $a: String, $l: Int, $b: String) {
    customers(first: $f, after: $a, last: $l, before: $b) {
        totalCount
        edges { cursor node { id firstName } }
        pageInfo { hasPreviousPage hasNextPage startCursor endCursor } } }";

fn names(page: &Value) -> Vec<String> {
    page["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["firstName"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn customers_page_both_ways_with_opaque_cursors() {
    let app = spawn_app().await;
    let src = app.create_source("Prom", "PROM", json!({})).await;
    // seven buyers, C1 the oldest; the list is newest first: C7 … C1
    for i in 1..=7 {
        app.import(
            src,
            sample_order(
                &i.to_string(),
                at(10 - i),
                &format!("C{i}"),
                &format!("05012345{i:02}"),
            ),
        )
        .await;
    }
    let page = |vars: Value| {
        let app = &app;
        async move { app.data(PAGE, vars).await["customers"].clone() }
    };

    // forward: C7 C6 C5, then C4 C3 C2, then C1
    let p1 = page(json!({"f": 3})).await;
    assert_eq!(names(&p1), ["C7", "C6", "C5"]);
    assert_eq!(p1["totalCount"], 7);
    assert_eq!(p1["pageInfo"]["hasNextPage"], true);
    assert_eq!(
        p1["pageInfo"]["hasPreviousPage"], false,
        "the top of the list"
    );
    assert_eq!(p1["pageInfo"]["startCursor"], p1["edges"][0]["cursor"]);
    assert_eq!(p1["pageInfo"]["endCursor"], p1["edges"][2]["cursor"]);
    // opaque: not the customer's id
    for e in p1["edges"].as_array().unwrap() {
        assert_ne!(e["cursor"], e["node"]["id"], "{e}");
        assert!(!e["cursor"].as_str().unwrap().is_empty());
    }
    let p2 = page(json!({"f": 3, "a": p1["pageInfo"]["endCursor"]})).await;
    assert_eq!(names(&p2), ["C4", "C3", "C2"]);
    assert_eq!(p2["pageInfo"]["hasNextPage"], true);
    assert_eq!(p2["pageInfo"]["hasPreviousPage"], true, "C7 … C5 precede");
    let p3 = page(json!({"f": 3, "a": p2["pageInfo"]["endCursor"]})).await;
    assert_eq!(names(&p3), ["C1"]);
    assert_eq!(p3["pageInfo"]["hasNextPage"], false);

    // backward from the last page: the three before C1, then the three before those
    let b1 = page(json!({"l": 3, "b": p3["pageInfo"]["startCursor"]})).await;
    assert_eq!(
        names(&b1),
        ["C4", "C3", "C2"],
        "newest first within the page too"
    );
    assert_eq!(b1["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(b1["pageInfo"]["hasNextPage"], true, "C1 follows");
    let b2 = page(json!({"l": 3, "b": b1["pageInfo"]["startCursor"]})).await;
    assert_eq!(names(&b2), ["C7", "C6", "C5"]);
    assert_eq!(b2["pageInfo"]["hasPreviousPage"], false);
    // the cursors round-trip: going back lands on the very page handed out before
    assert_eq!(b2["edges"], p1["edges"]);
    assert_eq!(b1["edges"], p2["edges"]);
    // `last` alone: the oldest
    let tail = page(json!({"l": 2})).await;
    assert_eq!(names(&tail), ["C2", "C1"]);
    assert_eq!(tail["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(
        tail["pageInfo"]["hasNextPage"], false,
        "the bottom of the list"
    );
    // a window between two cursors
    let between = page(json!({
        "f": 10,
        "a": p1["edges"][0]["cursor"],
        "b": p3["edges"][0]["cursor"],
    }))
    .await;
    assert_eq!(names(&between), ["C6", "C5", "C4", "C3", "C2"]);

    // refused, naming the argument: the raw id the list used to hand out, an order's cursor,
    // garbage, both sizes at once, a negative size
    let raw_id = p1["edges"][0]["node"]["id"].clone();
    let order_cursor = app
        .data("{ orders(first: 1) { pageInfo { endCursor } } }", json!({}))
        .await["orders"]["pageInfo"]["endCursor"]
        .clone();
    assert!(order_cursor.is_string());
    for (vars, field) in [
        (json!({"f": 3, "a": raw_id}), "after"),
        (json!({"l": 3, "b": raw_id}), "before"),
        (json!({"f": 3, "a": order_cursor}), "after"),
        (json!({"f": 3, "a": "not a cursor!"}), "after"),
        (json!({"f": 3, "a": "Y3VzdG9tZXI6eA"}), "after"),
        (json!({"f": 3, "l": 3}), "last"),
        (json!({"l": -1}), "last"),
        (json!({"f": -1}), "first"),
    ] {
        let body = app.gql(PAGE, vars.clone()).await;
        let err = &body["errors"][0];
        assert_eq!(err["extensions"]["code"], "BAD_INPUT", "{vars}: {body}");
        assert_eq!(err["extensions"]["field"], field, "{vars}: {body}");
    }
}

const PUBLICATIONS: &str = "query($s: ID!, $f: Int, $a: String, $l: Int, $b: String) {
    publications(sourceId: $s, first: $f, after: $a, last: $l, before: $b) {
        edges { cursor node { id externalId } }
        pageInfo { hasPreviousPage hasNextPage startCursor endCursor } } }";

fn external_ids(page: &Value) -> Vec<String> {
    page["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["externalId"].as_str().unwrap().to_string())
        .collect()
}

// covers: API-1, PUB-1 (issue 17: publications page both ways with opaque cursors)
#[tokio::test]
async fn publications_page_both_ways_with_opaque_cursors() {
    let app = spawn_app().await;
    let src = app.create_source("Rozetka", "ROZETKA", json!({})).await;
    // five listings stored in this order: the list is oldest first, P1 … P5
    let listings: Vec<_> = (1..=5)
        .map(|i| orderhub::domain::publication::RemotePublication {
            external_id: format!("P{i}"),
            name: format!("Listing {i}"),
            sku: None,
            price: None,
            currency: None,
            stock: None,
            state: None,
            url: None,
            raw: json!({}),
        })
        .collect();
    app.app_store
        .upsert_publications(src, &listings, true)
        .await
        .unwrap();
    let s = src.0.to_string();
    let page = |mut vars: Value| {
        let app = &app;
        vars["s"] = json!(s);
        async move { app.data(PUBLICATIONS, vars).await["publications"].clone() }
    };

    // forward: P1 P2, then P3 P4, then P5
    let p1 = page(json!({"f": 2})).await;
    assert_eq!(external_ids(&p1), ["P1", "P2"]);
    assert_eq!(p1["pageInfo"]["hasNextPage"], true);
    assert_eq!(p1["pageInfo"]["hasPreviousPage"], false);
    assert_eq!(p1["pageInfo"]["startCursor"], p1["edges"][0]["cursor"]);
    assert_eq!(p1["pageInfo"]["endCursor"], p1["edges"][1]["cursor"]);
    for e in p1["edges"].as_array().unwrap() {
        assert_ne!(e["cursor"], e["node"]["id"], "opaque: {e}");
    }
    let p2 = page(json!({"f": 2, "a": p1["pageInfo"]["endCursor"]})).await;
    assert_eq!(external_ids(&p2), ["P3", "P4"]);
    assert_eq!(p2["pageInfo"]["hasPreviousPage"], true, "P1 P2 precede");
    assert_eq!(p2["pageInfo"]["hasNextPage"], true);
    let p3 = page(json!({"f": 2, "a": p2["pageInfo"]["endCursor"]})).await;
    assert_eq!(external_ids(&p3), ["P5"]);
    assert_eq!(p3["pageInfo"]["hasNextPage"], false);

    // backward from the last page lands on the pages handed out before (round trip)
    let b1 = page(json!({"l": 2, "b": p3["pageInfo"]["startCursor"]})).await;
    assert_eq!(b1["edges"], p2["edges"], "oldest first within the page too");
    assert_eq!(b1["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(b1["pageInfo"]["hasNextPage"], true, "P5 follows");
    let b2 = page(json!({"l": 2, "b": b1["pageInfo"]["startCursor"]})).await;
    assert_eq!(b2["edges"], p1["edges"]);
    assert_eq!(b2["pageInfo"]["hasPreviousPage"], false);
    // `last` alone: the newest
    let tail = page(json!({"l": 2})).await;
    assert_eq!(external_ids(&tail), ["P4", "P5"]);
    assert_eq!(tail["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(tail["pageInfo"]["hasNextPage"], false);
    // a window between two cursors
    let between = page(json!({
        "f": 10,
        "a": p1["edges"][0]["cursor"],
        "b": p3["edges"][0]["cursor"],
    }))
    .await;
    assert_eq!(external_ids(&between), ["P2", "P3", "P4"]);

    // refused, naming the argument: the raw id this list used to hand out, a customer's
    // cursor, garbage
    let raw_id = p1["edges"][0]["node"]["id"].clone();
    app.import(src, sample_order("1", at(1), "C1", "0501234501"))
        .await;
    let customer_cursor = app
        .data(
            "{ customers(first: 1) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await["customers"]["pageInfo"]["endCursor"]
        .clone();
    assert!(customer_cursor.is_string());
    for (vars, field) in [
        (json!({"s": s, "f": 2, "a": raw_id}), "after"),
        (json!({"s": s, "l": 2, "b": raw_id}), "before"),
        (json!({"s": s, "f": 2, "a": customer_cursor}), "after"),
        (json!({"s": s, "l": 2, "b": "not a cursor!"}), "before"),
        (json!({"s": s, "f": 2, "l": 2}), "last"),
        (json!({"s": s, "f": -1}), "first"),
    ] {
        let body = app.gql(PUBLICATIONS, vars.clone()).await;
        let err = &body["errors"][0];
        assert_eq!(err["extensions"]["code"], "BAD_INPUT", "{vars}: {body}");
        assert_eq!(err["extensions"]["field"], field, "{vars}: {body}");
    }
}
