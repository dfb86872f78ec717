//! The catalogue and stock stay correct (issue 19), over real HTTP against the Rozetka
//! simulator: `createProductFromPublication` links the product that has the listing's SKU instead
//! of making a duplicate and says so; a write-off never takes stock below zero, and the pieces the
//! stock lacked are shown on the product and in the order's feed (its write-off event).
// covers: PUB-3, PRD-1, STK-1, SYNC-3

use crate::helpers::*;
use crate::sims::*;
use orderhub::domain::Platform;
use serde_json::{json, Value};
use std::time::Duration;

async fn publications(app: &TestApp, source: &str) -> Vec<Value> {
    app.data(
        "query($s: ID!) { publications(sourceId: $s, first: 500) { edges { node { id externalId sku productLinkKind product { id } } } } }",
        json!({"s": source}),
    )
    .await["publications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

async fn products(app: &TestApp) -> Vec<Value> {
    let d = app
        .data(
            "{ products(first: 500) { edges { node { id sku stockQuantity stockShortage } } } }",
            json!({}),
        )
        .await;
    nodes(&d["products"])
}

async fn stock_pushes(sim: &SimUnderTest, good: &str) -> Vec<i64> {
    let g = sim
        .control(reqwest::Method::GET, "/_sim/goods", Value::Null)
        .await;
    g["stock_pushes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["item_rz_id"].as_i64().map(|i| i.to_string()).as_deref() == Some(good))
        .map(|p| p["stock_quantity"].as_i64().unwrap())
        .collect()
}

const MAKE: &str = "mutation($p: ID!) { createProductFromPublication(publicationId: $p) {
    id productLinkKind product { id sku stockQuantity } } }";

// covers: PUB-3, PRD-1, STK-1
#[tokio::test]
async fn a_product_is_made_from_a_listing_only_when_its_sku_is_new() {
    let app = spawn_app().await;
    let sim = start(Platform::Rozetka);
    // an order of the first good: its product is in the catalogue (PRD-1)
    sim.control(
        reqwest::Method::POST,
        "/_sim/orders",
        json!({"buyer": 2, "items": [{"product": 0, "quantity": 1}]}),
    )
    .await;
    let created = create_source(&app, &sim).await;
    let source = created["data"]["createSource"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_string();
    assert_eq!(
        wait_for_run(&app, &source, "backfill").await["state"],
        "succeeded"
    );
    let ordered = app
        .data(
            "{ orders { edges { node { items { productId sku } } } } }",
            json!({}),
        )
        .await["orders"]["edges"][0]["node"]["items"][0]
        .clone();
    let product = ordered["productId"].as_str().unwrap().to_string();
    let sku = ordered["sku"].as_str().unwrap().to_string();
    app.data(
        "mutation($p: ID!) { setProductStock(productId: $p, quantity: 5) { id } }",
        json!({"p": product}),
    )
    .await;
    app.data(
        "mutation($s: ID!) { syncPublications(sourceId: $s) { created } }",
        json!({"s": source}),
    )
    .await;
    let listings = publications(&app, &source).await;
    let same = listings
        .iter()
        .find(|p| p["sku"] == sku.as_str())
        .unwrap_or_else(|| panic!("a listing of {sku}: {listings:?}"));
    let new = listings
        .iter()
        .find(|p| p["sku"].is_string() && p["sku"] != sku.as_str())
        .expect("a listing of other goods");
    let before = products(&app).await.len();

    // PRD-1: the listing of goods the catalogue has is linked to that product, not copied
    let linked = app.data(MAKE, json!({"p": same["id"]})).await;
    assert_eq!(
        linked["createProductFromPublication"]["productLinkKind"], "SAME_SKU",
        "{linked}"
    );
    assert_eq!(
        linked["createProductFromPublication"]["product"]["id"],
        product.as_str()
    );
    assert_eq!(
        linked["createProductFromPublication"]["product"]["stockQuantity"], 5,
        "the product keeps its stock"
    );
    assert_eq!(products(&app).await.len(), before, "no duplicate");
    // STK-1: and the listing is told the product's stock
    let good = same["externalId"].as_str().unwrap().to_string();
    for _ in 0..100 {
        if stock_pushes(&sim, &good).await.last() == Some(&5) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(stock_pushes(&sim, &good).await.last(), Some(&5));

    // goods the catalogue does not have: a product is made from the listing
    let made = app.data(MAKE, json!({"p": new["id"]})).await;
    assert_eq!(
        made["createProductFromPublication"]["productLinkKind"],
        "CREATED"
    );
    assert_eq!(
        made["createProductFromPublication"]["product"]["sku"],
        new["sku"]
    );
    assert_eq!(products(&app).await.len(), before + 1);
    // asked again: already linked
    let again = app.gql(MAKE, json!({"p": new["id"]})).await;
    assert_eq!(
        again["errors"][0]["extensions"]["code"], "CONFLICT",
        "{again}"
    );
    // what each link is stays readable; a link by hand says so
    let by_hand = listings
        .iter()
        .find(|p| p["id"] != same["id"] && p["id"] != new["id"])
        .expect("a third listing");
    app.data(
        "mutation($p: ID!, $x: ID) { linkPublication(publicationId: $p, productId: $x) { id } }",
        json!({"p": by_hand["id"], "x": product}),
    )
    .await;
    let kinds: Vec<(Value, Value)> = publications(&app, &source)
        .await
        .into_iter()
        .filter(|p| [&same["id"], &new["id"], &by_hand["id"]].contains(&&p["id"]))
        .map(|p| (p["id"].clone(), p["productLinkKind"].clone()))
        .collect();
    assert!(
        kinds.contains(&(same["id"].clone(), json!("SAME_SKU"))),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&(new["id"].clone(), json!("CREATED"))),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&(by_hand["id"].clone(), json!("BY_HAND"))),
        "{kinds:?}"
    );
}

// covers: STK-1, SYNC-3
#[tokio::test]
async fn a_write_off_never_takes_stock_below_zero_and_says_what_was_short() {
    let app = spawn_app().await;
    let src = app.create_source("Prom shop", "PROM", json!({})).await;
    let mut short = sample_order("3001", at(1), "Олена", "+380501234567");
    short.items[0].quantity = dec("3"); // KET-1
    short.items[1].quantity = dec("2"); // FLT-2
    let id = app.import(src, short).await.to_string();
    let items = app
        .data(
            "query($o: ID!) { order(id: $o) { items { productId sku } } }",
            json!({"o": id}),
        )
        .await["order"]["items"]
        .clone();
    let kettle = items[0]["productId"].as_str().unwrap().to_string();
    let filter = items[1]["productId"].as_str().unwrap().to_string();
    let set = |p: &str, q: i64| {
        app.data(
            "mutation($p: ID!, $q: Int!) { setProductStock(productId: $p, quantity: $q) { stockQuantity stockShortage } }",
            json!({"p": p, "q": q}),
        )
    };
    set(&kettle, 1).await;
    set(&filter, 10).await;

    let done = app
        .data(
            "mutation($o: ID!) { writeOffOrder(orderId: $o) { writtenOff events { kind message data } } }",
            json!({"o": id}),
        )
        .await;
    assert_eq!(
        done["writeOffOrder"]["writtenOff"], true,
        "the write-off goes through"
    );
    let by_id: std::collections::HashMap<String, Value> = products(&app)
        .await
        .into_iter()
        .map(|p| (p["id"].as_str().unwrap().to_string(), p))
        .collect();
    assert_eq!(by_id[&kettle]["stockQuantity"], 0, "never below zero");
    assert_eq!(
        by_id[&kettle]["stockShortage"], 2,
        "the two pieces it lacked"
    );
    assert_eq!(by_id[&filter]["stockQuantity"], 8);
    assert_eq!(by_id[&filter]["stockShortage"], 0);
    let events = done["writeOffOrder"]["events"].as_array().unwrap();
    let written = events.iter().find(|e| e["kind"] == "written_off").unwrap();
    let message = written["message"].as_str().unwrap();
    assert!(
        message.contains("not enough in stock")
            && message.contains("«Чайник електричний» had 1, 3 written off: 2 short"),
        "{written}"
    );
    assert!(!message.contains("Фільтр"), "{written}");
    assert_eq!(
        written["data"],
        json!({"stockShort": [{"productId": kettle.parse::<i64>().unwrap(), "name": "Чайник електричний",
            "inStock": 1, "writtenOff": 3, "short": 2}]})
    );

    // counted again: the stock is set and the shortage settled
    let reset = set(&kettle, 4).await;
    assert_eq!(
        reset["setProductStock"],
        json!({"stockQuantity": 4, "stockShortage": 0})
    );
}
