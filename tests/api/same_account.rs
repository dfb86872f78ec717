//! Connecting one platform account twice (issue 19): refused with CONFLICT naming the source that
//! has it (same token, login, shop domain or site, however spelt), unless asked with
//! `allowSameAccount`; a deleted source's account may be connected again; sources stored before
//! accounts were recorded are found too.
// covers: SRC-1, SRC-2, SRC-3, API-5

use crate::helpers::*;
use crate::sims;
use orderhub::domain::credentials::Credentials;
use orderhub::domain::Platform;
use orderhub::store::sources::SourceSettings;
use serde_json::{json, Value};

const CREATE: &str = "mutation($i: CreateSourceInput!) { createSource(input: $i) { id name } }";

fn input(name: &str, platform: &str, base_url: &str, credentials: Value) -> Value {
    json!({"i": {"name": name, "platform": platform, "currency": "UAH", "baseUrl": base_url,
        "credentials": credentials, "settings": {"min_interval_ms": 0}}})
}

fn with_flag(mut v: Value) -> Value {
    v["i"]["allowSameAccount"] = json!(true);
    v
}

fn conflict(body: &Value) -> String {
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "CONFLICT",
        "{body}"
    );
    body["errors"][0]["message"].as_str().unwrap().to_string()
}

async fn source_names(app: &TestApp) -> Vec<String> {
    app.data("{ sources { name } }", json!({})).await["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

// covers: SRC-2, API-5
#[tokio::test]
async fn the_same_prom_token_is_refused_naming_the_source_unless_asked() {
    let app = spawn_app().await;
    let sim = sims::start(Platform::Prom);
    let first = app
        .data(
            CREATE,
            input(
                "Prom main",
                "PROM",
                &sim.source_url,
                sim.credentials.clone(),
            ),
        )
        .await;
    let first_id = first["createSource"]["id"].as_str().unwrap().to_string();
    // the same token, with blanks around it: the same account
    let token = format!("  {}  ", sim.credentials["token"].as_str().unwrap());
    let body = app
        .gql(
            CREATE,
            input(
                "Prom again",
                "PROM",
                &sim.source_url,
                json!({"token": token}),
            ),
        )
        .await;
    let message = conflict(&body);
    assert!(message.contains("«Prom main»"), "{message}");
    assert!(message.contains(&format!("id {first_id}")), "{message}");
    assert!(message.contains("allowSameAccount"), "{message}");
    assert!(
        !message.contains(sim.credentials["token"].as_str().unwrap()),
        "no secret in {message}"
    );
    assert_eq!(source_names(&app).await, ["Prom main"]);
    // asked explicitly: a second view of the same shop
    let second = app
        .data(
            CREATE,
            with_flag(input(
                "Prom again",
                "PROM",
                &sim.source_url,
                json!({"token": token}),
            )),
        )
        .await;
    let second_id = second["createSource"]["id"].as_str().unwrap().to_string();
    assert_eq!(source_names(&app).await, ["Prom main", "Prom again"]);

    // new credentials on an update are checked the same way, against the other sources
    let update =
        "mutation($id: ID!, $i: UpdateSourceInput!) { updateSource(id: $id, input: $i) { id } }";
    let other = app
        .create_source("Prom other", "PROM", json!({"baseUrl": sim.source_url}))
        .await
        .to_string();
    let body = app
        .gql(
            update,
            json!({"id": other, "i": {"credentials": sim.credentials}}),
        )
        .await;
    assert!(conflict(&body).contains("«Prom main»"));
    app.data(
        update,
        json!({"id": other, "i": {"credentials": sim.credentials, "allowSameAccount": true}}),
    )
    .await;
    // a source given the account it has already is no second connection, though others share it
    app.data(
        update,
        json!({"id": first_id, "i": {"credentials": sim.credentials}}),
    )
    .await;

    // a deleted source's account may be connected again
    for id in [&second_id, &other] {
        app.data(
            "mutation($id: ID!) { deleteSource(id: $id) }",
            json!({ "id": id }),
        )
        .await;
    }
    app.data(
        "mutation($id: ID!) { deleteSource(id: $id) }",
        json!({"id": first_id}),
    )
    .await;
    app.data(
        CREATE,
        input("Prom new", "PROM", &sim.source_url, sim.credentials.clone()),
    )
    .await;
}

// covers: SRC-2 (Rozetka login, Shopify shop domain, WooCommerce site, however written)
#[tokio::test]
async fn a_login_a_shop_domain_or_a_site_is_one_account_however_it_is_written() {
    let app = spawn_app().await;
    let rozetka = sims::start(Platform::Rozetka);
    app.data(
        CREATE,
        input(
            "Rozetka",
            "ROZETKA",
            &rozetka.source_url,
            rozetka.credentials.clone(),
        ),
    )
    .await;
    let body = app
        .gql(
            CREATE,
            input(
                "Rozetka 2",
                "ROZETKA",
                &rozetka.source_url,
                json!({"login": "Seller@Example.com", "password": "another"}),
            ),
        )
        .await;
    assert!(conflict(&body).contains("«Rozetka»"));

    let (shop, shop_sim) = webhook_source(&app, "SHOPIFY", "UAH").await;
    let ShopSim::Shopify(shopify) = &shop_sim else {
        unreachable!()
    };
    let body = app
        .gql(
            CREATE,
            input("Shop 2", "SHOPIFY", &shopify.base_url(),
                json!({"shopDomain": " Demo-Store.myshopify.com ", "accessToken": "shpat_other", "webhookSecret": "s"})),
        )
        .await;
    assert!(conflict(&body).contains(&format!("id {shop}")), "{body}");

    let (woo, woo_sim) = webhook_source(&app, "WOOCOMMERCE", "UAH").await;
    let ShopSim::Woo(sim) = &woo_sim else {
        unreachable!()
    };
    // the scheme in capitals and a trailing slash: the same site
    let site = sim.shop_url().replace("http://", "HTTP://") + "/";
    let body = app
        .gql(
            CREATE,
            input("Woo 2", "WOOCOMMERCE", &site,
                json!({"consumerKey": "ck_other", "consumerSecret": "cs_other", "webhookSecret": "w"})),
        )
        .await;
    assert!(conflict(&body).contains(&format!("id {woo}")), "{body}");
    // another platform's account of the same text is another account
    let names = source_names(&app).await;
    assert_eq!(names.len(), 3, "{names:?}");
}

// covers: SRC-2 (sources stored before accounts were recorded)
#[tokio::test]
async fn a_source_stored_before_accounts_were_recorded_is_found_too() {
    let app = spawn_app().await;
    let sim = sims::start(Platform::Epicentr);
    let creds: Credentials = serde_json::from_value(sim.credentials.clone()).unwrap();
    let old = app
        .app_store
        .create_source(
            Platform::Epicentr,
            SourceSettings {
                name: Some("Epicentr of before".into()),
                currency: Some("UAH".into()),
                base_url: Some(Some(sim.source_url.clone())),
                credentials_enc: Some(app.secret_key.encrypt_credentials(&creds)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let body = app
        .gql(
            CREATE,
            input(
                "Epicentr",
                "EPICENTR",
                &sim.source_url,
                sim.credentials.clone(),
            ),
        )
        .await;
    assert!(
        conflict(&body).contains(&format!("«Epicentr of before» (id {})", old.id)),
        "{body}"
    );
}
