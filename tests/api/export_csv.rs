//! `GET /export/orders.csv` over real HTTP (issue 19): the selection `orders(filter:)` would show,
//! with the same token and scope, streamed in pages, in UTF-8 with a BOM, with no cell a
//! spreadsheet would run as a formula.
// covers: API-2, API-3, API-5

use crate::helpers::*;
use orderhub::domain::orders::ImportedOrder;
use orderhub::store::orders::Actor;
use serde_json::{json, Value};

/// The header row the README documents.
const HEADER: [&str; 24] = [
    "id",
    "number",
    "created_at",
    "source",
    "platform",
    "status",
    "status_group",
    "source_status",
    "source_status_label",
    "customer_first_name",
    "customer_last_name",
    "customer_phone",
    "customer_email",
    "customer_address",
    "items",
    "items_quantity",
    "total",
    "currency",
    "tracking_number",
    "manager",
    "delivery",
    "written_off",
    "last_synced_at",
    "external_id",
];

/// RFC 4180 as the export writes it (quotes doubled inside quoted cells, CRLF between rows).
fn parse_csv(text: &str, delimiter: char) -> Vec<Vec<String>> {
    let mut rows = vec![];
    let mut row = vec![];
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, c) if c == delimiter => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    assert!(
        cell.is_empty() && row.is_empty(),
        "the last row ends with CRLF"
    );
    rows
}

async fn export(app: &TestApp, token: Option<&str>, query: &str) -> reqwest::Response {
    let mut req = app
        .client
        .get(format!("{}/export/orders.csv?{query}", app.base));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

/// The rows of a successful export (header first), its BOM checked.
async fn rows(app: &TestApp, token: &str, query: &str) -> Vec<Vec<String>> {
    let resp = export(app, Some(token), query).await;
    assert_eq!(resp.status(), 200, "{query}");
    assert_eq!(
        resp.headers()["content-type"],
        "text/csv; charset=utf-8",
        "{query}"
    );
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(
        &bytes[..3],
        b"\xEF\xBB\xBF",
        "UTF-8 BOM first, so Excel reads Cyrillic"
    );
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let delimiter = if query.contains("delimiter=semicolon") {
        ';'
    } else {
        ','
    };
    let rows = parse_csv(text, delimiter);
    assert_eq!(rows[0], HEADER, "{query}");
    rows
}

fn column(rows: &[Vec<String>], name: &str) -> Vec<String> {
    let i = HEADER.iter().position(|h| *h == name).unwrap();
    rows[1..].iter().map(|r| r[i].clone()).collect()
}

/// Numbers of the orders `orders(filter:)` shows, newest first.
async fn listed(app: &TestApp, token: &str, filter: Value) -> Vec<String> {
    let d = app
        .gql_as(
            Some(token),
            "query($f: OrderFilter) { orders(filter: $f, first: 200) { edges { node { number } } } }",
            json!({"f": filter}),
        )
        .await;
    d["data"]["orders"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{d}"))
        .iter()
        .map(|e| e["node"]["number"].as_str().unwrap().to_string())
        .collect()
}

// covers: API-2, API-3, API-5
#[tokio::test]
async fn the_export_is_the_lists_selection_in_a_spreadsheet_safe_csv() {
    let app = spawn_app().await;
    let prom = app.create_source("Prom shop", "PROM", json!({})).await;
    let rozetka = app
        .create_source("Rozetka shop", "ROZETKA", json!({}))
        .await;
    let mut evil = sample_order(
        "p-1",
        at(3),
        "=HYPERLINK(\"http://evil.example\")",
        "+380501234567",
    );
    evil.tracking_number = Some("@SUM(1+1)".into());
    app.import(prom, evil).await;
    app.import(prom, sample_order("p-2", at(2), "Олена", "+380501234568"))
        .await;
    app.import(
        rozetka,
        sample_order("r-1", at(1), "Тарас", "+380501234569"),
    )
    .await;

    // the token is the API's
    let anonymous = export(&app, None, "").await;
    assert_eq!(anonymous.status(), 401);
    let body: Value = anonymous.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");

    // everything, newest first, as the list
    let all = rows(&app, ADMIN_TOKEN, "").await;
    assert_eq!(column(&all, "number"), ["R-r-1", "R-p-2", "R-p-1"]);
    assert_eq!(
        column(&all, "number"),
        listed(&app, ADMIN_TOKEN, json!({})).await
    );
    let first = &all[3];
    let cell = |name: &str| first[HEADER.iter().position(|h| *h == name).unwrap()].clone();
    // no cell runs as a formula: = + - @ first are made text
    assert_eq!(
        cell("customer_first_name"),
        "'=HYPERLINK(\"http://evil.example\")"
    );
    assert_eq!(cell("customer_phone"), "'+380501234567");
    assert_eq!(cell("tracking_number"), "'@SUM(1+1)");
    assert_eq!(cell("customer_last_name"), "Шевченко");
    assert_eq!(cell("customer_address"), "Київ, вул. Хрещатик, 1");
    assert_eq!(
        cell("items"),
        "1 × Чайник електричний [KET-1] @ 899.00; 2 × Фільтр для води [FLT-2] @ 150.50"
    );
    assert_eq!(cell("items_quantity"), "3");
    assert_eq!(cell("total"), "1200.00");
    assert_eq!(cell("currency"), "UAH");
    assert_eq!(cell("source"), "Prom shop");
    assert_eq!(cell("platform"), "PROM");
    assert_eq!(cell("status_group"), "NEW");
    assert_eq!(cell("delivery"), "Нова Пошта, Київ, відділення №1");
    assert_eq!(cell("external_id"), "p-1");
    assert_eq!(cell("created_at"), "2026-11-17T12:00:00Z");

    // the filter of orders(filter:), as query parameters
    for (query, filter) in [
        ("platform=PROM", json!({"platform": "PROM"})),
        (
            &format!("sourceId={}", rozetka.0) as &str,
            json!({"sourceId": rozetka.0.to_string()}),
        ),
        (
            "search=%D0%9E%D0%BB%D0%B5%D0%BD%D0%B0",
            json!({"search": "Олена"}),
        ),
        (
            "createdFrom=2026-11-18T00:00:00Z&createdTo=2026-11-20T00:00:00%2B02:00",
            json!({"createdFrom": "2026-11-18T00:00:00Z", "createdTo": "2026-11-20T00:00:00+02:00"}),
        ),
        ("origin=HERE", json!({"origin": "HERE"})),
        ("statusGroup=cancelled", json!({"statusGroup": "CANCELLED"})),
    ] {
        let got = column(&rows(&app, ADMIN_TOKEN, query).await, "number");
        assert_eq!(got, listed(&app, ADMIN_TOKEN, filter).await, "{query}");
    }
    // Excel with a semicolon list separator
    let semi = rows(&app, ADMIN_TOKEN, "delimiter=semicolon&platform=ROZETKA").await;
    assert_eq!(
        column(&semi, "customer_address"),
        ["Київ, вул. Хрещатик, 1"]
    );

    // API-3: a user exports what they may see, whatever they ask for
    let (_, token) = app.create_user("Оксана", &[prom]).await;
    let theirs = rows(&app, &token, "").await;
    assert_eq!(column(&theirs, "number"), ["R-p-2", "R-p-1"]);
    let asked = rows(&app, &token, &format!("sourceId={}", rozetka.0)).await;
    assert_eq!(asked.len(), 1, "the header only");

    // a bad parameter is refused naming it, and what it takes
    for (query, field, needle) in [
        (
            "platform=ROZETK",
            "platform",
            "ROZETKA, PROM, EPICENTR, CARTUM, SHOPIFY, WOOCOMMERCE",
        ),
        (
            "createdFrom=2026-11-18",
            "createdFrom",
            "2026-11-23T00:00:00Z",
        ),
        ("colour=red", "colour", "sourceId, platform"),
        ("sourceId=abc", "sourceId", "not a valid id"),
        ("search=a&search=b", "search", "twice"),
    ] {
        let resp = export(&app, Some(ADMIN_TOKEN), query).await;
        assert_eq!(resp.status(), 400, "{query}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_INPUT",
            "{body}"
        );
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(needle),
            "{body}"
        );
    }
}

// covers: API-2
#[tokio::test]
async fn a_large_selection_is_streamed_page_by_page() {
    let app = spawn_app().await;
    let src = app.create_source("Prom shop", "PROM", json!({})).await;
    // 1 203 orders over several pages of the export, some at the same second (the cursor
    // breaks ties by id)
    let orders: Vec<ImportedOrder> = (0..1203)
        .map(|i| {
            let mut o = sample_order(
                &format!("{i:05}"),
                at(0) - chrono::Duration::minutes(i / 3),
                "Олена",
                &format!("+38050{:07}", i),
            );
            o.delivery = None;
            o
        })
        .collect();
    for chunk in orders.chunks(400) {
        app.app_store
            .apply_orders(src, chunk, Actor::System)
            .await
            .unwrap();
    }
    let resp = export(&app, Some(ADMIN_TOKEN), "").await;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.content_length().is_none(),
        "streamed: no length known in advance"
    );
    let bytes = resp.bytes().await.unwrap();
    let all = parse_csv(std::str::from_utf8(&bytes[3..]).unwrap(), ',');
    assert_eq!(all.len(), 1 + 1203);
    let ids: Vec<i64> = column(&all, "id")
        .iter()
        .map(|i| i.parse().unwrap())
        .collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 1203, "every order once");
    let created = column(&all, "created_at");
    assert!(
        created.windows(2).all(|w| w[0] >= w[1]),
        "newest first, as the list"
    );
}
