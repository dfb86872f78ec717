//! A seller's everyday order work through the API (issue 19): the platform's own name of an
//! order's platform status.
// covers: ST-2

use crate::helpers::*;
use orderhub::domain::SourceId;
use serde_json::json;
use std::collections::HashMap;

/// An order of `source` with this platform status, imported as a sync would; its id.
async fn order_with_status(app: &TestApp, source: SourceId, ext: &str, status: &str) -> String {
    let mut o = sample_order(ext, at(1), "Олена", "+380501234567");
    o.source_status = Some(status.to_string());
    app.import(source, o).await.to_string()
}

// covers: ST-2 (the platform's status shown beside ours, by the platform's own name)
#[tokio::test]
async fn each_order_shows_its_platform_status_by_the_platforms_own_name() {
    let app = spawn_app().await;
    let cases = [
        ("ROZETKA", "26", Some("Опрацьовується менеджером")),
        ("ROZETKA", "2", Some("Комплектується. Дані підтверджені")),
        ("ROZETKA", "9999", None),
        ("PROM", "paid", Some("Оплачено")),
        ("PROM", "custom-12", None),
        (
            "EPICENTR",
            "confirmed_by_merchant",
            Some("Підтверджено продавцем"),
        ),
        ("CARTUM", "6", Some("Доставляється")),
        ("CARTUM", "17", None),
        ("WOOCOMMERCE", "on-hold", Some("On hold")),
        ("SHOPIFY", "paid/unfulfilled", Some("Paid · Unfulfilled")),
        ("SHOPIFY", "cancelled", Some("Cancelled")),
    ];
    let mut sources: HashMap<&str, SourceId> = HashMap::new();
    let mut want: HashMap<String, Option<&str>> = HashMap::new();
    for (i, (platform, status, label)) in cases.iter().enumerate() {
        let source = match sources.get(platform) {
            Some(s) => *s,
            None => {
                let s = app.create_source(platform, platform, json!({})).await;
                sources.insert(platform, s);
                s
            }
        };
        let id = order_with_status(&app, source, &format!("lbl{i}"), status).await;
        want.insert(id, *label);
    }
    let d = app
        .data(
            "{ orders(first: 50) { edges { node { id sourceStatus sourceStatusLabel source { platform } } } } }",
            json!({}),
        )
        .await;
    let edges = d["orders"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), cases.len(), "{d}");
    for e in edges {
        let node = &e["node"];
        let expected = want[node["id"].as_str().unwrap()];
        assert_eq!(
            node["sourceStatusLabel"].as_str(),
            expected,
            "{node}: the label of an unknown code is null"
        );
    }

    // one order alone, without its source selected, names it too
    let (id, _) = want.iter().find(|(_, l)| **l == Some("Оплачено")).unwrap();
    let d = app
        .data(
            "query($o: ID!) { order(id: $o) { sourceStatusLabel } }",
            json!({"o": id}),
        )
        .await;
    assert_eq!(d["order"]["sourceStatusLabel"], "Оплачено");
}
