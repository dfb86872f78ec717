//! The errors a newcomer meets on the first day say what to do (issue 19, API-5), over real
//! HTTP: a wrong enum value names the valid ones; a bad `DateTime` names its field and the RFC
//! 3339 form with an example; `order(id)` of an order that does not exist or is not visible is
//! `null` (API-3), and `NOT_FOUND` is what mutations answer.
// covers: API-3, API-5

use crate::helpers::*;
use serde_json::{json, Value};

fn error(body: &Value) -> (String, String, String) {
    let e = &body["errors"][0];
    (
        e["extensions"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        e["extensions"]["field"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        e["message"].as_str().unwrap_or_default().to_string(),
    )
}

// covers: API-5
#[tokio::test]
async fn a_wrong_enum_value_is_answered_with_the_valid_ones() {
    let app = spawn_app().await;
    for body in [
        app.gql(
            "{ orders(filter: {platform: ROZETK}) { totalCount } }",
            json!({}),
        )
        .await,
        app.gql(
            "query($f: OrderFilter) { orders(filter: $f) { totalCount } }",
            json!({"f": {"platform": "ROZETK"}}),
        )
        .await,
    ] {
        let (code, field, message) = error(&body);
        assert_eq!(code, "BAD_INPUT", "{body}");
        assert_eq!(field, "filter.platform", "{body}");
        assert!(message.contains("\"ROZETK\""), "{message}");
        assert!(
            message.ends_with(
                "valid values are ROZETKA, PROM, EPICENTR, CARTUM, SHOPIFY, WOOCOMMERCE"
            ),
            "{message}"
        );
    }
    let body = app
        .gql(
            "query($g: ExpenseGrouping!) { commissionExpenses(from: \"2026-10-01T00:00:00Z\", to: \"2026-11-01T00:00:00Z\", groupBy: $g) { key } }",
            json!({"g": "WEEK"}),
        )
        .await;
    let (code, field, message) = error(&body);
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_INPUT", "groupBy"),
        "{body}"
    );
    assert!(
        message.ends_with("valid values are SOURCE, PLATFORM, EXPENSE_TYPE, DAY, MONTH"),
        "{message}"
    );
}

// covers: API-5
#[tokio::test]
async fn a_bad_date_time_names_its_field_and_the_form_expected() {
    let app = spawn_app().await;
    for (body, want) in [
        (
            app.gql(
                "{ orders(filter: {createdFrom: \"2026-11-23\"}) { totalCount } }",
                json!({}),
            )
            .await,
            "filter.createdFrom",
        ),
        (
            app.gql(
                "query($f: OrderFilter) { orders(filter: $f) { totalCount } }",
                json!({"f": {"createdTo": "yesterday"}}),
            )
            .await,
            "filter.createdTo",
        ),
        (
            app.gql(
                "{ commissionExpenses(from: \"01.10.2026\", to: \"2026-11-01T00:00:00Z\", groupBy: PLATFORM) { key } }",
                json!({}),
            )
            .await,
            "from",
        ),
    ] {
        let (code, field, message) = error(&body);
        assert_eq!((code.as_str(), field.as_str()), ("BAD_INPUT", want), "{body}");
        assert!(message.contains("RFC 3339"), "{message}");
        assert!(message.contains("2026-11-23T00:00:00Z"), "an example: {message}");
    }
    // the right form works, in any offset
    let ok = app
        .gql(
            "{ orders(filter: {createdFrom: \"2026-11-23T02:00:00+02:00\"}) { totalCount } }",
            json!({}),
        )
        .await;
    assert!(ok.get("errors").is_none(), "{ok}");
}

// covers: API-3, API-5
#[tokio::test]
async fn a_missing_or_invisible_order_is_null_and_mutations_say_not_found() {
    let app = spawn_app().await;
    let mine = app.create_source("Prom shop", "PROM", json!({})).await;
    let other = app
        .create_source("Rozetka shop", "ROZETKA", json!({}))
        .await;
    let hidden = app
        .import(other, sample_order("h-1", at(1), "Петро", "+380501110001"))
        .await
        .to_string();
    let (_, token) = app.create_user("Оксана", &[mine]).await;
    for (who, id) in [
        (ADMIN_TOKEN, "987654"),
        (token.as_str(), "987654"),
        (token.as_str(), hidden.as_str()),
    ] {
        let q = app
            .gql_as(
                Some(who),
                "query($o: ID!) { order(id: $o) { id } }",
                json!({"o": id}),
            )
            .await;
        assert_eq!(q, json!({"data": {"order": null}}), "{id}");
        let m = app
            .gql_as(
                Some(who),
                "mutation($o: ID!) { addOrderComment(orderId: $o, text: \"?\") { id } }",
                json!({"o": id}),
            )
            .await;
        assert_eq!(error(&m).0, "NOT_FOUND", "{m}");
    }
}
