//! Relay connections (API-1, issue 17): every growing list (customers, publications, sync runs,
//! webhook deliveries, products, a customer's orders, a source's feed) pages both ways with
//! opaque cursors; a raw id, another list's cursor or a garbled one is refused naming its
//! argument.
// covers: API-1, API-3, WH-4

use crate::helpers::*;
use orderhub::domain::SourceId;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::future::Future;

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

/// Walks a connection through, `size` rows a page, both ways (API-1): forward from the top with
/// `first`/`after`, backward from the bottom with `last`/`before`. `page` answers the connection
/// for the arguments `{f, a}` or `{l, b}`. Every page says exactly whether rows precede and follow
/// it, its start and end cursors are its first and last edges', a page with more beyond it is
/// full; the backward walk meets the forward walk's rows in reverse, and no row comes twice.
/// Returns the nodes, top to bottom.
async fn walk_both_ways<F, Fut>(size: usize, page: F) -> Vec<Value>
where
    F: Fn(Value) -> Fut,
    Fut: Future<Output = Value>,
{
    let forward = walk_one_way(size, false, &page).await;
    let mut backward = walk_one_way(size, true, &page).await;
    backward.reverse();
    assert_eq!(backward, forward, "the same rows both ways");
    let cursors: HashSet<String> = forward
        .iter()
        .map(|e| e["cursor"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(cursors.len(), forward.len(), "no row twice: {forward:?}");
    forward.into_iter().map(|e| e["node"].clone()).collect()
}

/// The edges met walking a connection one way through, in the order met (bottom up backward).
async fn walk_one_way<F, Fut>(size: usize, backward: bool, page: &F) -> Vec<Value>
where
    F: Fn(Value) -> Fut,
    Fut: Future<Output = Value>,
{
    // the size and cursor arguments, the flag of the side walked towards and of the side left
    // behind, the cursor the next page starts from
    let (n, at, ahead, behind, next) = if backward {
        ("l", "b", "hasPreviousPage", "hasNextPage", "startCursor")
    } else {
        ("f", "a", "hasNextPage", "hasPreviousPage", "endCursor")
    };
    let mut met: Vec<Value> = vec![];
    let mut vars = json!({ n: size });
    loop {
        let p = page(vars).await;
        let edges = p["edges"].as_array().expect("edges").clone();
        let info = &p["pageInfo"];
        let cursor = |e: Option<&Value>| e.map_or(Value::Null, |e| e["cursor"].clone());
        assert_eq!(info["startCursor"], cursor(edges.first()), "{p}");
        assert_eq!(info["endCursor"], cursor(edges.last()), "{p}");
        assert_eq!(
            info[behind],
            !met.is_empty(),
            "backward {backward}, after {} rows: {p}",
            met.len()
        );
        // a page is shown top to bottom either way
        if backward {
            met.extend(edges.iter().rev().cloned());
        } else {
            met.extend(edges.iter().cloned());
        }
        if info[ahead] == false {
            assert!(edges.len() <= size, "{p}");
            return met;
        }
        assert_eq!(
            edges.len(),
            size,
            "more lie ahead, so the page is full: {p}"
        );
        vars = json!({ n: size, at: info[next] });
    }
}

/// `query` refuses each of `cases` (variables besides `base`, and the argument named) as
/// BAD_INPUT naming the argument.
async fn refused(app: &TestApp, query: &str, base: Value, cases: Vec<(Value, &str)>) {
    for (vars, field) in cases {
        let mut all = base.clone();
        for (k, v) in vars.as_object().unwrap() {
            all[k] = v.clone();
        }
        let body = app.gql(query, all.clone()).await;
        let err = &body["errors"][0];
        assert_eq!(err["extensions"]["code"], "BAD_INPUT", "{all}: {body}");
        assert_eq!(err["extensions"]["field"], field, "{all}: {body}");
    }
}

/// A source that no sync will touch while the test reads it: disabled, its first run (if the
/// scheduler claimed it before) ended.
async fn quiet_source(app: &TestApp, name: &str, platform: &str) -> SourceId {
    let src = app.create_source(name, platform, json!({})).await;
    app.data(
        "mutation($s: ID!) { disableSource(id: $s) { enabled } }",
        json!({ "s": src.to_string() }),
    )
    .await;
    lease_free(app, src).await;
    src
}

/// The cursor of the first row of another list: the customer list's.
async fn customer_cursor(app: &TestApp) -> Value {
    let src = app.create_source("Other", "PROM", json!({})).await;
    app.import(src, sample_order("cc", at(1), "Олена", "0501234599"))
        .await;
    let c = app
        .data(
            "{ customers(first: 1) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await["customers"]["pageInfo"]["endCursor"]
        .clone();
    assert!(c.is_string());
    c
}

fn ids(nodes: &[Value]) -> Vec<String> {
    nodes
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect()
}

const SYNC_RUNS: &str = "query($s: ID!, $f: Int, $a: String, $l: Int, $b: String) {
    syncRuns(sourceId: $s, first: $f, after: $a, last: $l, before: $b) {
        edges { cursor node { id note } }
        pageInfo { hasPreviousPage hasNextPage startCursor endCursor } } }";

const SOURCE_SYNC_RUNS: &str = "query($s: ID!, $f: Int, $a: String, $l: Int, $b: String) {
    source(id: $s) { syncRuns(first: $f, after: $a, last: $l, before: $b) {
        edges { cursor node { id note } }
        pageInfo { hasPreviousPage hasNextPage startCursor endCursor } } } }";

// covers: API-1, SYNC-5 (issue 17: Query.syncRuns and Source.syncRuns page both ways)
#[tokio::test]
async fn sync_runs_page_both_ways_with_opaque_cursors() {
    let app = spawn_app().await;
    let src = quiet_source(&app, "Prom", "PROM").await;
    store_finished_runs(&app, src, 7).await;
    // newest first, as the store lists them (the backfill the scheduler may have started
    // before the source was disabled included)
    let stored: Vec<String> = app
        .app_store
        .sync_runs(src, 1000)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id.to_string())
        .collect();
    assert!(stored.len() >= 7);
    let s = src.to_string();
    for size in [1, 3, 7, 20] {
        let all = walk_both_ways(size, |mut vars| {
            vars["s"] = json!(s);
            let app = &app;
            async move { app.data(SYNC_RUNS, vars).await["syncRuns"].clone() }
        })
        .await;
        assert_eq!(ids(&all), stored, "size {size}");
        assert_eq!(all[0]["note"], "run 07", "newest first");
        let on_source = walk_both_ways(size, |mut vars| {
            vars["s"] = json!(s);
            let app = &app;
            async move { app.data(SOURCE_SYNC_RUNS, vars).await["source"]["syncRuns"].clone() }
        })
        .await;
        assert_eq!(on_source, all, "Source.syncRuns is the same list");
    }
    // the cursors are the list's own: Source.syncRuns takes Query.syncRuns' cursors
    let p = app.data(SYNC_RUNS, json!({"s": s, "f": 2})).await["syncRuns"].clone();
    let next = app
        .data(
            SOURCE_SYNC_RUNS,
            json!({"s": s, "f": 2, "a": p["pageInfo"]["endCursor"]}),
        )
        .await;
    assert_eq!(
        ids(&nodes(&next["source"]["syncRuns"])),
        stored[2..4].to_vec()
    );

    let raw_id = json!(stored[0]);
    let other = customer_cursor(&app).await;
    for q in [SYNC_RUNS, SOURCE_SYNC_RUNS] {
        refused(
            &app,
            q,
            json!({ "s": s }),
            vec![
                (json!({"f": 2, "a": raw_id}), "after"),
                (json!({"l": 2, "b": raw_id}), "before"),
                (json!({"f": 2, "a": other}), "after"),
                (json!({"f": 2, "a": "not a cursor!"}), "after"),
                (json!({"f": 2, "l": 2}), "last"),
                (json!({"l": -1}), "last"),
            ],
        )
        .await;
    }
}

const DELIVERIES: &str = "query($s: ID!, $f: Int, $a: String, $l: Int, $b: String) {
    webhookDeliveries(sourceId: $s, first: $f, after: $a, last: $l, before: $b) {
        edges { cursor node { id externalOrderId } }
        pageInfo { hasPreviousPage hasNextPage startCursor endCursor } } }";

// covers: API-1, WH-4 (issue 17: a source's webhook deliveries page both ways)
#[tokio::test]
async fn webhook_deliveries_page_both_ways_with_opaque_cursors() {
    let app = spawn_app().await;
    let src = app.create_source("Shop", "SHOPIFY", json!({})).await;
    for n in 0..9 {
        app.app_store
            .store_delivery(parked_delivery(src, n))
            .await
            .unwrap();
    }
    let s = src.to_string();
    for size in [1, 2, 4, 9, 50] {
        let all = walk_both_ways(size, |mut vars| {
            vars["s"] = json!(s);
            let app = &app;
            async move { app.data(DELIVERIES, vars).await["webhookDeliveries"].clone() }
        })
        .await;
        let external: Vec<&str> = all
            .iter()
            .map(|d| d["externalOrderId"].as_str().unwrap())
            .collect();
        assert_eq!(
            external,
            ["8", "7", "6", "5", "4", "3", "2", "1", "0"],
            "newest first, size {size}"
        );
    }
    let first = app.data(DELIVERIES, json!({"s": s, "f": 1})).await["webhookDeliveries"].clone();
    let raw_id = first["edges"][0]["node"]["id"].clone();
    let other = customer_cursor(&app).await;
    refused(
        &app,
        DELIVERIES,
        json!({ "s": s }),
        vec![
            (json!({"f": 2, "a": raw_id}), "after"),
            (json!({"l": 2, "b": raw_id}), "before"),
            (json!({"f": 2, "a": other}), "after"),
            (json!({"l": 2, "b": "ZGVsaXZlcnk6MDA3"}), "before"),
            (json!({"f": 2, "l": 2}), "last"),
            (json!({"f": -1}), "first"),
        ],
    )
    .await;
}

const PRODUCTS: &str = "query($q: String, $f: Int, $a: String, $l: Int, $b: String) {
    products(search: $q, first: $f, after: $a, last: $l, before: $b) {
        totalCount
        edges { cursor node { id name sku } }
        pageInfo { hasPreviousPage hasNextPage startCursor endCursor } } }";

// covers: API-1, PRD-1 (issue 17: the catalogue pages both ways by name, then id, so products
// of one name keep their places; the search applies to every page)
#[tokio::test]
async fn products_page_both_ways_stably_when_names_repeat() {
    let app = spawn_app().await;
    let src = app.create_source("Prom", "PROM", json!({})).await;
    // products are told apart by SKU: four cups, two vases and a bowl, stored in a mixed order
    let goods = [
        ("Cup", "CUP-A"),
        ("Vase", "VASE-A"),
        ("Cup", "CUP-B"),
        ("Bowl", "BOWL-A"),
        ("Cup", "CUP-C"),
        ("Vase", "VASE-B"),
        ("Cup", "CUP-D"),
    ];
    let mut order = sample_order("p1", at(1), "Олена", "0501234567");
    let template = order.items[0].clone();
    order.items = goods
        .iter()
        .enumerate()
        .map(|(i, (name, sku))| orderhub::domain::orders::ImportedItem {
            external_id: Some(format!("p1-{i}")),
            name: name.to_string(),
            sku: Some(sku.to_string()),
            code: None,
            ..template.clone()
        })
        .collect();
    app.import(src, order).await;
    let page = |search: Option<&'static str>| {
        let app = &app;
        move |mut vars: Value| {
            vars["q"] = json!(search);
            async move {
                let p = app.data(PRODUCTS, vars).await["products"].clone();
                p
            }
        }
    };
    for size in [1, 2, 3, 7, 100] {
        let all = walk_both_ways(size, page(None)).await;
        let names: Vec<&str> = all.iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            ["Bowl", "Cup", "Cup", "Cup", "Cup", "Vase", "Vase"],
            "size {size}"
        );
        // one name: by id, the order they were made in
        let skus: Vec<&str> = all.iter().map(|p| p["sku"].as_str().unwrap()).collect();
        assert_eq!(
            skus,
            ["BOWL-A", "CUP-A", "CUP-B", "CUP-C", "CUP-D", "VASE-A", "VASE-B"],
            "size {size}"
        );
        // the search holds on every page, both ways
        let cups = walk_both_ways(size, page(Some("Cup"))).await;
        let skus: Vec<&str> = cups.iter().map(|p| p["sku"].as_str().unwrap()).collect();
        assert_eq!(skus, ["CUP-A", "CUP-B", "CUP-C", "CUP-D"], "size {size}");
    }
    // totalCount: all matching, whatever the cursor
    let p = app.data(PRODUCTS, json!({"f": 2})).await["products"].clone();
    assert_eq!(p["totalCount"], 7);
    let p = app
        .data(
            PRODUCTS,
            json!({"q": "Cup", "f": 1, "a": p["pageInfo"]["endCursor"]}),
        )
        .await["products"]
        .clone();
    assert_eq!(p["totalCount"], 4);

    let raw_id = p["edges"][0]["node"]["id"].clone();
    let other = customer_cursor(&app).await;
    refused(
        &app,
        PRODUCTS,
        json!({}),
        vec![
            (json!({"f": 2, "a": raw_id}), "after"),
            (json!({"l": 2, "b": raw_id}), "before"),
            (json!({"f": 2, "a": other}), "after"),
            (json!({"f": 2, "a": "cHJvZHVjdDo"}), "after"),
            (json!({"f": 2, "l": 2}), "last"),
        ],
    )
    .await;
}

const CUSTOMER_ORDERS: &str = "query($c: ID!, $f: Int, $a: String, $l: Int, $b: String) {
    customer(id: $c) { orders(first: $f, after: $a, last: $l, before: $b) {
        totalCount
        edges { cursor node { id number source { name } } }
        pageInfo { hasPreviousPage hasNextPage startCursor endCursor } } } }";

// covers: API-1, API-3, CUS-1 (issue 17: a customer's orders page both ways; a user of some
// sources sees only those sources' orders, on every page)
#[tokio::test]
async fn a_customers_orders_page_both_ways_within_the_granted_sources() {
    let app = spawn_app().await;
    let mine = app.create_source("Mine", "ROZETKA", json!({})).await;
    let other = app.create_source("Other", "PROM", json!({})).await;
    // one buyer (one phone) on both sources, orders interleaved in time; some share a moment,
    // and of those the later (higher id) comes first
    for (tag, days) in [
        ("m0", 20),
        ("o1", 19),
        ("m2", 18),
        ("m3", 10),
        ("o4", 10),
        ("m5", 10),
        ("o6", 5),
        ("m7", 2),
        ("m8", 2),
    ] {
        let src = if tag.starts_with('m') { mine } else { other };
        app.import(src, sample_order(tag, at(days), "Олена", "0501000001"))
            .await;
    }
    let expected_all = [
        "R-m8", "R-m7", "R-o6", "R-m5", "R-o4", "R-m3", "R-m2", "R-o1", "R-m0",
    ];
    let expected_mine = ["R-m8", "R-m7", "R-m5", "R-m3", "R-m2", "R-m0"];
    let (_, viewer) = app.create_user("viewer", &[mine]).await;
    let customer = app
        .data(
            "{ customers(first: 5) { edges { node { id } } } }",
            json!({}),
        )
        .await["customers"]["edges"][0]["node"]["id"]
        .clone();
    // every page counts all the orders the caller sees, whatever its cursor
    let page = |token: String, total: usize| {
        let app = &app;
        let customer = customer.clone();
        move |mut vars: Value| {
            vars["c"] = customer.clone();
            let token = token.clone();
            async move {
                let body = app.gql_as(Some(&token), CUSTOMER_ORDERS, vars).await;
                assert!(body.get("errors").is_none(), "{body}");
                let orders = body["data"]["customer"]["orders"].clone();
                assert_eq!(orders["totalCount"], total, "{body}");
                orders
            }
        }
    };
    let number = |all: &[Value]| -> Vec<String> {
        all.iter()
            .map(|o| o["number"].as_str().unwrap().to_string())
            .collect()
    };
    for size in [1, 2, 4, 20] {
        let all = walk_both_ways(size, page(ADMIN_TOKEN.to_string(), 9)).await;
        assert_eq!(number(&all), expected_all, "admin, size {size}");
        let seen = walk_both_ways(size, page(viewer.clone(), 6)).await;
        assert_eq!(number(&seen), expected_mine, "viewer, size {size}");
        assert!(
            seen.iter().all(|o| o["source"]["name"] == "Mine"),
            "only the granted source's orders: {seen:?}"
        );
    }
    // a cursor of the admin's list does not open the other source's orders to the viewer
    let admin_page = app
        .data(CUSTOMER_ORDERS, json!({"c": customer, "f": 9}))
        .await["customer"]["orders"]
        .clone();
    let others: Vec<&Value> = admin_page["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["source"]["name"] == "Other")
        .collect();
    assert_eq!(others.len(), 3);
    for e in others {
        let body = app
            .gql_as(
                Some(&viewer),
                CUSTOMER_ORDERS,
                json!({"c": customer, "f": 20, "a": e["cursor"]}),
            )
            .await;
        let seen = nodes(&body["data"]["customer"]["orders"]);
        assert!(seen.iter().all(|o| o["source"]["name"] == "Mine"), "{body}");
    }

    let raw_id = admin_page["edges"][0]["node"]["id"].clone();
    let order_cursor = app
        .data("{ orders(first: 1) { pageInfo { endCursor } } }", json!({}))
        .await["orders"]["pageInfo"]["endCursor"]
        .clone();
    let other_list = customer_cursor(&app).await;
    refused(
        &app,
        CUSTOMER_ORDERS,
        json!({ "c": customer }),
        vec![
            (json!({"f": 2, "a": raw_id}), "after"),
            (json!({"l": 2, "b": raw_id}), "before"),
            (json!({"f": 2, "a": order_cursor}), "after"),
            (json!({"f": 2, "a": other_list}), "after"),
            (json!({"f": 2, "l": 2}), "last"),
            (json!({"l": -2}), "last"),
        ],
    )
    .await;
}

// covers: API-1, API-3 (issue 17: a page of customers with a page of each one's orders is read
// in a bounded number of statements, whatever the number of customers, both ways)
#[tokio::test]
async fn a_page_of_customers_with_their_orders_costs_a_bounded_number_of_statements() {
    let app = spawn_app().await;
    let mine = app.create_source("Mine", "ROZETKA", json!({})).await;
    let other = app.create_source("Other", "PROM", json!({})).await;
    for c in 0..12 {
        for o in 0..3 {
            let src = if o == 2 { other } else { mine };
            app.import(
                src,
                sample_order(
                    &format!("c{c}-{o}"),
                    at(30 - o),
                    &format!("Buyer{c}"),
                    &format!("05030000{c:02}"),
                ),
            )
            .await;
        }
    }
    let (_, viewer) = app.create_user("viewer", &[mine]).await;
    let q = "query($n: Int, $f: Int, $l: Int) { customers(first: $n) { edges { node { firstName
        orders(first: $f, last: $l) { totalCount edges { cursor node { number source { name } } }
            pageInfo { hasPreviousPage hasNextPage } } } } } }";
    let mut costs = vec![];
    for token in [ADMIN_TOKEN, viewer.as_str()] {
        for (n, size) in [
            (2, json!({"f": 5})),
            (10, json!({"f": 5})),
            (10, json!({"l": 1})),
        ] {
            let mut vars = size.clone();
            vars["n"] = json!(n);
            let (cost, answer) = cheapest_run(&app, token, q, vars).await;
            let edges = answer["data"]["customers"]["edges"].as_array().unwrap();
            assert_eq!(edges.len(), n, "{answer}");
            for e in edges {
                let orders = nodes(&e["node"]["orders"]);
                let info = &e["node"]["orders"]["pageInfo"];
                if token == ADMIN_TOKEN {
                    let want = if size.get("l").is_some() { 1 } else { 3 };
                    assert_eq!(orders.len(), want, "{e}");
                    assert_eq!(e["node"]["orders"]["totalCount"], 3, "{e}");
                    assert_eq!(info["hasPreviousPage"], size.get("l").is_some(), "{e}");
                } else {
                    assert!(orders.iter().all(|o| o["source"]["name"] == "Mine"), "{e}");
                    let want = if size.get("l").is_some() { 1 } else { 2 };
                    assert_eq!(orders.len(), want, "{e}");
                    assert_eq!(e["node"]["orders"]["totalCount"], 2, "{e}");
                }
                assert_eq!(info["hasNextPage"], false, "{e}");
            }
            costs.push(cost);
        }
    }
    eprintln!("statements (admin, viewer × 2 customers, 10, 10 backward): {costs:?}");
    // the customer page, one read of all their orders' pages, one count of all their orders,
    // one read of the orders' sources; the viewer's buyers are read as the viewer's sources show
    // them (one more)
    assert_eq!(costs[0], costs[1], "10 customers cost what 2 do: {costs:?}");
    assert_eq!(costs[3], costs[4], "10 customers cost what 2 do: {costs:?}");
    assert!(costs[..3].iter().all(|&c| c <= 4), "{costs:?}");
    assert!(costs[3..].iter().all(|&c| c <= 5), "{costs:?}");
}

const SOURCE_EVENTS: &str = "query($s: ID!, $f: Int, $a: String, $l: Int, $b: String) {
    source(id: $s) { events(first: $f, after: $a, last: $l, before: $b) {
        edges { cursor node { kind message } }
        pageInfo { hasPreviousPage hasNextPage startCursor endCursor } } } }";

// covers: API-1, IMP-6 (issue 17: a source's feed pages both ways)
#[tokio::test]
async fn a_sources_events_page_both_ways_with_opaque_cursors() {
    let app = spawn_app().await;
    let src = quiet_source(&app, "Prom", "PROM").await;
    let s = src.to_string();
    let before =
        nodes(&app.data(SOURCE_EVENTS, json!({"s": s, "f": 500})).await["source"]["events"]).len();
    for i in 1..=6 {
        app.app_store
            .add_source_event(src, "note", &format!("event {i}"))
            .await
            .unwrap();
    }
    for size in [1, 4, 6, 50] {
        let all = walk_both_ways(size, |mut vars| {
            vars["s"] = json!(s);
            let app = &app;
            async move { app.data(SOURCE_EVENTS, vars).await["source"]["events"].clone() }
        })
        .await;
        assert_eq!(all.len(), before + 6, "size {size}");
        let mine: Vec<&str> = all[..6]
            .iter()
            .map(|e| e["message"].as_str().unwrap())
            .collect();
        assert_eq!(
            mine,
            ["event 6", "event 5", "event 4", "event 3", "event 2", "event 1"],
            "newest first, size {size}"
        );
    }
    let other = customer_cursor(&app).await;
    refused(
        &app,
        SOURCE_EVENTS,
        json!({ "s": s }),
        vec![
            (json!({"f": 2, "a": "1"}), "after"),
            (json!({"l": 2, "b": other}), "before"),
            (json!({"f": 2, "a": "c291cmNlX2V2ZW50Oi0x"}), "after"),
            (json!({"f": 2, "l": 2}), "last"),
        ],
    )
    .await;
}

/// One source's sync runs and feed, as `Source.syncRuns` and `Source.events` give them for that
/// source alone.
async fn alone(app: &TestApp, s: SourceId, mut vars: Value) -> Value {
    vars["s"] = json!(s.to_string());
    app.data(
        "query($s: ID!, $f: Int, $l: Int) { source(id: $s) {
            syncRuns(first: $f, last: $l) { edges { node { id note } }
                pageInfo { hasPreviousPage hasNextPage } }
            events(first: 2) { edges { node { message } } } } }",
        vars,
    )
    .await["source"]
        .clone()
}

/// Adds a disabled source with `runs` finished sync runs and two feed events of its own.
async fn source_with_history(app: &TestApp, name: &str, runs: usize) -> SourceId {
    let src = quiet_source(app, name, "PROM").await;
    store_finished_runs(app, src, runs).await;
    for i in 1..=2 {
        app.app_store
            .add_source_event(src, "note", &format!("{name} event {i}"))
            .await
            .unwrap();
    }
    src
}

// covers: API-1, SYNC-5, IMP-6 (issue 17: the sources list with each source's last sync run and
// feed, as the console's health view asks for it, costs the same whatever the number of sources)
#[tokio::test]
async fn sources_with_their_sync_runs_and_feeds_cost_a_fixed_number_of_statements() {
    let app = spawn_app().await;
    let q = "query($f: Int, $l: Int) { sources { name
        syncRuns(first: $f, last: $l) { edges { node { id note } }
            pageInfo { hasPreviousPage hasNextPage } }
        events(first: 2) { edges { node { message } } } } }";
    let mut made = vec![];
    let mut costs = vec![];
    for (count, size) in [
        (2, json!({"f": 1})),
        (8, json!({"f": 1})),
        (8, json!({"l": 2})),
    ] {
        while made.len() < count {
            let name = format!("Shop{}", made.len());
            made.push((name.clone(), source_with_history(&app, &name, 3).await));
        }
        let (cost, answer) = cheapest_run(&app, ADMIN_TOKEN, q, size.clone()).await;
        let listed = answer["data"]["sources"].as_array().unwrap();
        assert_eq!(listed.len(), count, "{answer}");
        for (name, src) in &made {
            let got = listed.iter().find(|s| s["name"] == name.as_str()).unwrap();
            let want = alone(&app, *src, size.clone()).await;
            assert_eq!(got["syncRuns"], want["syncRuns"], "{name}");
            assert_eq!(got["events"], want["events"], "{name}");
            let runs = nodes(&got["syncRuns"]);
            let feed = nodes(&got["events"]);
            assert_eq!(feed[0]["message"], format!("{name} event 2"), "{got}");
            if size.get("f").is_some() {
                assert_eq!(runs.len(), 1, "{got}");
                assert_eq!(runs[0]["note"], "run 03", "the newest run: {got}");
                assert_eq!(got["syncRuns"]["pageInfo"]["hasNextPage"], true, "{got}");
            } else {
                assert_eq!(runs.len(), 2, "the oldest two: {got}");
                assert_eq!(
                    got["syncRuns"]["pageInfo"]["hasPreviousPage"], true,
                    "{got}"
                );
            }
        }
        costs.push(cost);
    }
    eprintln!("statements (2 sources, 8, 8 backward): {costs:?}");
    // the sources, one read of all their runs' pages, one of all their feeds' pages
    assert_eq!(costs[0], costs[1], "8 sources cost what 2 do: {costs:?}");
    assert_eq!(
        costs[1], costs[2],
        "a backward page costs the same: {costs:?}"
    );
    assert!(costs.iter().all(|&c| c <= 3), "{costs:?}");
}
