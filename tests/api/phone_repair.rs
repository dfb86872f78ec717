//! Phones stored before the numbering plans were read (before ab2720c, issue 17) are read again
//! once per database at start, and customers that then share a phone become one (CUS-1).
// covers: CUS-1

use crate::helpers::*;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{json, Value};

/// Rewrites stored phones as the old rule wrote them, and forgets that the repair ran: the
/// database as an instance from before the repair left it.
async fn write_old_forms(url: &str, phones: &[(&str, &str)]) {
    let db = Database::connect(url).await.unwrap();
    for (new, old) in phones {
        for table in ["customers", "customer_contacts"] {
            db.execute_unprepared(&format!(
                "UPDATE {table} SET phone = '{old}', search_text = REPLACE(search_text, '{new}', '{old}') WHERE phone = '{new}'"
            ))
            .await
            .unwrap();
        }
    }
    db.execute_unprepared("DELETE FROM data_repairs")
        .await
        .unwrap();
    db.close().await.unwrap();
}

async fn customers(app: &TestApp, token: &str) -> Vec<Value> {
    let mut list = app
        .gql_as(
            Some(token),
            "{ customers(first: 50) { edges { node { firstName phone orders { edges { node { externalId } } } } } } }",
            json!({}),
        )
        .await["data"]["customers"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let mut n = e["node"].clone();
            let mut ids: Vec<String> = nodes(&n["orders"])
                .iter()
                .map(|o| o["externalId"].as_str().unwrap().to_string())
                .collect();
            ids.sort();
            n["orders"] = json!(ids);
            n
        })
        .collect::<Vec<_>>();
    list.sort_by_key(|n| n["phone"].as_str().unwrap_or("").to_string());
    list
}

#[tokio::test]
async fn old_phones_are_read_again_once_and_their_customers_merged() {
    let url = fresh_database_url().await;
    let app = spawn_app_on(&url).await;
    let prom = app.create_source("Prom", "PROM", json!({})).await;
    let pl = app.create_source("Shop PL", "WOOCOMMERCE", json!({})).await;
    let mut polish = sample_order("p1", at(1), "Jan", "+48 501 112 233");
    polish.currency = "PLN".into();
    app.import(pl, polish).await;
    // Олена's first order, stored by the old rule as +80501234567 (`8 050 123 45 67`)
    app.import(prom, sample_order("1", at(9), "Олена", "+380501234567"))
        .await;
    // Ірина typed `671112233`: stored as Polish by the old rule
    app.import(prom, sample_order("3", at(7), "Ірина", "+380671112233"))
        .await;
    // Тарас typed `+380 (093) 123-45-67`: the trunk 0 kept by the old rule
    app.import(prom, sample_order("4", at(6), "Тарас", "+380931234567"))
        .await;
    write_old_forms(
        &url,
        &[
            ("+380501234567", "+80501234567"),
            ("+380671112233", "+48671112233"),
            ("+380931234567", "+3800931234567"),
        ],
    )
    .await;
    // after the upgrade, Олена's second order came in the right form: a second customer, as
    // the old one's phone no longer matched
    app.import(prom, sample_order("2", at(8), "Helena", "050 123 45 67"))
        .await;
    let (_, prom_only) = app.create_user("Prom only", &[prom]).await;
    let before = customers(&app, ADMIN_TOKEN).await;
    assert_eq!(before.len(), 5, "{before:?}");
    app.kill().await;

    // the next start repairs
    let app = restart_app(&app, &url).await;
    let after = customers(&app, ADMIN_TOKEN).await;
    assert_eq!(
        after,
        [
            json!({"firstName": "Олена", "phone": "+380501234567", "orders": ["1", "2"]}),
            json!({"firstName": "Ірина", "phone": "+380671112233", "orders": ["3"]}),
            json!({"firstName": "Тарас", "phone": "+380931234567", "orders": ["4"]}),
            json!({"firstName": "Jan", "phone": "+48501112233", "orders": ["p1"]}),
        ],
        "{after:?}"
    );
    // a user granted the source reads its contacts, repaired too, and finds them by phone
    let seen = customers(&app, &prom_only).await;
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(seen[0]["phone"], "+380501234567", "{seen:?}");
    assert_eq!(seen[0]["orders"], json!(["1", "2"]), "{seen:?}");
    for (search, name) in [("050 123 45 67", "Олена"), ("+380671112233", "Ірина")] {
        let found = app
            .gql_as(
                Some(&prom_only),
                "query($s: String) { customers(search: $s) { edges { node { firstName } } } }",
                json!({"s": search}),
            )
            .await;
        assert_eq!(
            found["data"]["customers"]["edges"][0]["node"]["firstName"], name,
            "{search}: {found}"
        );
    }
    // a new order of the repaired buyer finds them (CUS-1)
    app.import(prom, sample_order("5", at(2), "Ірина", "0671112233"))
        .await;
    let list = customers(&app, ADMIN_TOKEN).await;
    assert_eq!(list.len(), 4, "{list:?}");
    assert_eq!(list[1]["orders"], json!(["3", "5"]), "{list:?}");

    // once per database: an old form written now is left to the rules of today
    app.kill().await;
    let db = Database::connect(&url).await.unwrap();
    db.execute_unprepared(
        "UPDATE customers SET phone = '+80931234567' WHERE phone = '+380931234567'",
    )
    .await
    .unwrap();
    db.close().await.unwrap();
    let app = restart_app(&app, &url).await;
    let again = customers(&app, ADMIN_TOKEN).await;
    assert!(
        again.iter().any(|c| c["phone"] == "+80931234567"),
        "{again:?}"
    );
    app.kill().await;
}
