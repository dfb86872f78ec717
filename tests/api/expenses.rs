//! Commission expenses analytics over a period (EXP-2), from commissions stored on import (EXP-1).
// covers: EXP-1, EXP-2

use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn commission_expenses_grouped_by_source_platform_type_and_time() {
    let app = spawn_app().await;
    let roz = app
        .create_source("Rozetka", "ROZETKA", json!({"storeCommission": true}))
        .await;
    let prom = app
        .create_source(
            "Prom",
            "PROM",
            json!({"storeCommission": true, "expenseType": "cpa"}),
        )
        .await;
    let off = app.create_source("No commission", "PROM", json!({})).await;
    app.import(roz, sample_order("1", at(1), "А", "0501000001"))
        .await;
    app.import(roz, sample_order("2", at(40), "Б", "0501000002"))
        .await;
    app.import(prom, sample_order("3", at(2), "В", "0501000003"))
        .await;
    app.import(off, sample_order("4", at(2), "Г", "0501000004"))
        .await;
    let q = "query($f: DateTime!, $t: DateTime!, $g: ExpenseGrouping!) { commissionExpenses(from: $f, to: $t, groupBy: $g) { key amount currency count } }";
    let run = |g: &'static str, from: i64| {
        let app = &app;
        async move {
            app.data(
                q,
                json!({"f": at(from).to_rfc3339(), "t": at(-1).to_rfc3339(), "g": g}),
            )
            .await["commissionExpenses"]
                .clone()
        }
    };
    assert_eq!(
        run("SOURCE", 30).await,
        json!([{"key": "Prom", "amount": "96.00", "currency": "UAH", "count": 1},
               {"key": "Rozetka", "amount": "96.00", "currency": "UAH", "count": 1}])
    );
    assert_eq!(
        run("PLATFORM", 60).await,
        json!([{"key": "prom", "amount": "96.00", "currency": "UAH", "count": 1},
               {"key": "rozetka", "amount": "192.00", "currency": "UAH", "count": 2}])
    );
    assert_eq!(
        run("EXPENSE_TYPE", 60).await,
        json!([{"key": "commission", "amount": "192.00", "currency": "UAH", "count": 2},
               {"key": "cpa", "amount": "96.00", "currency": "UAH", "count": 1}])
    );
    assert_eq!(run("MONTH", 60).await.as_array().unwrap().len(), 2);
    assert_eq!(run("DAY", 60).await.as_array().unwrap().len(), 3);
    let bad = app
        .gql(
            q,
            json!({"f": at(0).to_rfc3339(), "t": at(5).to_rfc3339(), "g": "DAY"}),
        )
        .await;
    assert_eq!(bad["errors"][0]["extensions"]["code"], "BAD_INPUT");
}
