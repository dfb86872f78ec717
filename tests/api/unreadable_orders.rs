//! One bad order from a polled platform fails alone (issue 14): an order whose total orderhub
//! cannot hold, or whose JSON has a field of the wrong type, is skipped with its reason on the
//! source's feed; the rest of the listing is imported, the run succeeds and the cursor moves.
// covers: IMP-1, IMP-2, IMP-3, SYNC-1

use crate::helpers::*;
use crate::sims::*;
use orderhub::domain::{Platform, SourceId};
use orderhub::sync::RunKind;
use serde_json::{json, Value};

const ABSURD: &str = "79228162514264337593543950335";

/// A normal order on the Prom simulator, created `minutes_ago`; its id and its JSON as Prom
/// serves it.
async fn prom_order(sim: &SimUnderTest, minutes_ago: i64) -> (i64, Value) {
    let created = sim
        .control(
            reqwest::Method::POST,
            "/_sim/orders",
            json!({"buyer": 3, "items": [{"product": 1, "quantity": 1}], "minutes_ago": minutes_ago}),
        )
        .await;
    let id = created["id"].as_i64().unwrap();
    let order = sim
        .control(
            reqwest::Method::GET,
            &format!("/_sim/orders/{id}"),
            json!({}),
        )
        .await["order"]
        .clone();
    (id, order)
}

/// Stores `order` on the simulator as it is, under a new id; answers the id.
async fn raw_order(sim: &SimUnderTest, mut order: Value, id: i64) -> String {
    order["id"] = json!(id);
    let stored = sim
        .control(reqwest::Method::POST, "/_sim/orders/raw", order)
        .await;
    assert_eq!(stored["id"], json!(id), "{stored}");
    id.to_string()
}

/// The order with one line whose price orderhub cannot multiply by its quantity.
fn absurd_total(mut order: Value) -> Value {
    order["products"][0]["price"] = json!(ABSURD);
    order["products"][0]["quantity"] = json!(2);
    order["products"][0]["total_price"] = json!(ABSURD);
    order["price"] = json!(ABSURD);
    order["full_price"] = json!(ABSURD);
    order
}

async fn imported_ids(app: &TestApp, source: &str) -> Vec<String> {
    let d = app
        .data(
            "query($s: ID!) { orders(filter: {sourceId: $s}, first: 100) { edges { node { externalId } } } }",
            json!({"s": source}),
        )
        .await;
    let mut ids: Vec<String> = d["orders"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["externalId"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

async fn skip_events(app: &TestApp, source: &str) -> Vec<String> {
    let d = app
        .data(
            "query($s: ID!) { source(id: $s) { events(first: 100) { edges { node { kind message } } } } }",
            json!({"s": source}),
        )
        .await;
    nodes(&d["source"]["events"])
        .iter()
        .filter(|e| e["kind"] == "order_skipped")
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_prom_order_orderhub_cannot_read_is_skipped_and_the_rest_imported() {
    let app = spawn_app().await;
    let sim = start(Platform::Prom);

    // an hour ago: two good orders, one with a total past Decimal's range, one whose lines are
    // not a list, one with a price past what the store keeps
    let (first, template) = prom_order(&sim, 60).await;
    let (second, _) = prom_order(&sim, 60).await;
    let absurd = raw_order(&sim, absurd_total(template.clone()), first + 1000).await;
    let mut broken = template.clone();
    broken["products"] = json!("not a list");
    let broken = raw_order(&sim, broken, first + 2000).await;
    // within Decimal's range but past the store's NUMERIC(19, 4): skipped too, not a failed page
    let mut huge = template.clone();
    huge["products"][0]["price"] = json!("10000000000000000");
    huge["products"][0]["total_price"] = json!("10000000000000000");
    huge["full_price"] = json!("10000000000000000");
    let huge = raw_order(&sim, huge, first + 3000).await;

    // IMP-1: the backfill imports the good ones, skips the two alone, and succeeds
    let created = create_source(&app, &sim).await;
    assert!(created.get("errors").is_none(), "{created}");
    let source = created["data"]["createSource"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let source_id: SourceId = source.parse().unwrap();
    let run = backfill_done(&app, &source).await;
    assert_eq!(run["state"], "succeeded", "{run}");
    assert_eq!(run["ordersCreated"], 2, "{run}");
    assert_eq!(run["ordersSkipped"], 3, "{run}");
    let mut good = vec![first.to_string(), second.to_string()];
    good.sort();
    assert_eq!(imported_ids(&app, &source).await, good);

    // the source's feed names each skipped order and why
    let skips = skip_events(&app, &source).await;
    assert_eq!(skips.len(), 3, "{skips:?}");
    let about = |id: &str| {
        skips
            .iter()
            .find(|m| m.contains(&format!("order {id} ")))
            .unwrap_or_else(|| panic!("no skip names order {id}: {skips:?}"))
            .clone()
    };
    let m = about(&absurd);
    assert!(
        m.contains(&format!("products[0].price {ABSURD}")) && m.contains("does not fit"),
        "{m}"
    );
    let m = about(&broken);
    assert!(m.contains("could not be read"), "{m}");
    let m = about(&huge);
    assert!(m.contains("more than orderhub stores"), "{m}");

    // the cursor moved past them: the next poll reads none of the hour-old orders again
    let poll = poll_succeeds(&app, source_id).await;
    assert_eq!((poll.orders_seen, poll.orders_skipped), (0, 0), "{poll:?}");
    assert_eq!(skip_events(&app, &source).await.len(), 3);

    // IMP-2 / SYNC-1: a poll meeting a new unreadable order skips it alone as well
    let (third, template) = prom_order(&sim, 0).await;
    let absurd_new = raw_order(&sim, absurd_total(template), third + 1000).await;
    lease_free(&app, source_id).await;
    let poll = app
        .engine
        .run(source_id, RunKind::Poll)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(poll.state, "succeeded", "{:?}", poll.error);
    assert_eq!(
        (poll.orders_seen, poll.orders_created, poll.orders_skipped),
        (2, 1, 1),
        "{poll:?}"
    );
    good.push(third.to_string());
    good.sort();
    assert_eq!(imported_ids(&app, &source).await, good);
    let skips = skip_events(&app, &source).await;
    assert!(
        skips
            .iter()
            .any(|m| m.contains(&format!("order {absurd_new} ")) && m.contains(ABSURD)),
        "{skips:?}"
    );
}
