//! The Rozetka client against the running simulator over real HTTP on 127.0.0.1.

use super::client::RozetkaClient;
use super::sim::{self, Edit, NewItem, NewOrder, Sim, SimOptions};
use crate::domain::credentials::Credentials;
use crate::domain::orders::StatusClass;
use crate::domain::{Platform, SourceId};
use crate::platforms::http::HttpPolicy;
use crate::platforms::test_support::reads_one_by_one;
use crate::platforms::{PlatformClient, PlatformError, SourceConfig, StockUpdate};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use std::collections::HashSet;

fn start() -> Sim {
    sim::start(0, SimOptions::default()).expect("simulator starts")
}

fn config(sim: &Sim, password: &str) -> SourceConfig {
    SourceConfig {
        source_id: SourceId(7),
        platform: Platform::Rozetka,
        base_url: sim.base_url(),
        credentials: Credentials {
            login: Some(sim.state.options.login.clone()),
            password: Some(password.to_string()),
            ..Default::default()
        },
        language: Some("uk".into()),
        settings: json!({"min_interval_ms": 0, "changed_overlap_secs": 0}),
        http: HttpPolicy::fast(),
    }
}

fn client(sim: &Sim) -> RozetkaClient {
    RozetkaClient::new(config(sim, &sim.state.options.password.clone())).unwrap()
}

fn spec(status: i64, ttn: Option<&str>) -> NewOrder {
    NewOrder {
        buyer: 11,
        items: vec![
            NewItem {
                product: 0,
                quantity: 1,
            },
            NewItem {
                product: 2,
                quantity: 2,
            },
        ],
        status: Some(status),
        ttn: ttn.map(str::to_string),
        minutes_ago: Some(30),
        delivery_cost: None,
    }
}

/// A token for raw calls that check the simulator's own rules.
async fn raw_token(sim: &Sim) -> String {
    let pw = base64::engine::general_purpose::STANDARD.encode(&sim.state.options.password);
    let v: Value = reqwest::Client::new()
        .post(format!("{}/sites", sim.base_url()))
        .json(&json!({"username": sim.state.options.login, "password": pw}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["content"]["access_token"].as_str().unwrap().to_string()
}

async fn raw_put(sim: &Sim, token: &str, id: &str, body: Value) -> Value {
    reqwest::Client::new()
        .put(format!("{}/orders/{id}", sim.base_url()))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn ids(orders: &[crate::domain::orders::ImportedOrder]) -> Vec<String> {
    orders.iter().map(|o| o.external_id.clone()).collect()
}

// covers: SRC-2
#[tokio::test]
async fn authorize_accepts_the_password_and_names_rozetkas_refusal() {
    let sim = start();
    client(&sim).authorize().await.unwrap();
    assert_eq!(sim.state.logins(), 1);

    let wrong = RozetkaClient::new(config(&sim, "not-the-password")).unwrap();
    match wrong.authorize().await {
        Err(PlatformError::Unauthorized(m)) => {
            assert!(m.contains("incorrect_username_password"), "{m}");
            assert!(m.contains("Неправильний логін або пароль"), "{m}");
        }
        other => panic!("expected Unauthorized, got {other:?}"),
    }

    // the simulator takes only the Base64 form: the clear-text password is refused with 1004
    let v: Value = reqwest::Client::new()
        .post(format!("{}/sites", sim.base_url()))
        .json(&json!({"username": sim.state.options.login, "password": sim.state.options.password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["success"], false);
    assert_eq!(v["errors"]["code"], 1004);

    // a form-encoded login (Base64 may carry `+`, `/`, `=`: percent-encoded)
    let pw = base64::engine::general_purpose::STANDARD.encode(&sim.state.options.password);
    let enc: String = pw
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let v: Value = reqwest::Client::new()
        .post(format!("{}/sites", sim.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("username=seller%40example.com&password={enc}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["success"], true, "{v}");
    sim.stop().await;
}

// covers: IMP-1, IMP-3, IMP-4, SYNC-2
#[tokio::test]
async fn backfill_reads_every_page_of_the_window() {
    let sim = start();
    sim.state.seed(75, 90);
    // one order just outside a 60-day window
    let mut old = spec(6, Some("20450000000009"));
    old.minutes_ago = Some(61 * 24 * 60);
    let old_id = sim.state.add_order(&old);

    let from: DateTime<Utc> = Utc::now() - Duration::days(60);
    let got = client(&sim)
        .orders_created_since(from)
        .await
        .unwrap()
        .orders;

    let expected: Vec<_> = sim
        .state
        .orders()
        .into_iter()
        .filter(|o| o.created_utc.timestamp() >= from.timestamp())
        .collect();
    assert!(expected.len() > 40, "several pages of 20 expected");
    let got_ids: HashSet<_> = ids(&got).into_iter().collect();
    assert_eq!(got_ids.len(), got.len(), "no order twice");
    let want_ids: HashSet<_> = expected.iter().map(|o| o.order.id.to_string()).collect();
    assert_eq!(got_ids, want_ids);
    assert!(!got_ids.contains(&old_id.to_string()));

    let mut classes = Vec::new();
    for stored in &expected {
        let o = got
            .iter()
            .find(|g| g.external_id == stored.order.id.to_string())
            .unwrap();
        let want = match stored.order.status_group {
            2 => StatusClass::Completed,
            3 => StatusClass::Cancelled,
            _ => StatusClass::Processing,
        };
        assert_eq!(o.status_class, want, "order {}", stored.order.id);
        if !classes.contains(&want) {
            classes.push(want);
        }
        assert_eq!(o.source_status, Some(stored.order.status.to_string()));
        let live = stored
            .order
            .purchases
            .iter()
            .flatten()
            .filter(|p| p.status != 0)
            .count();
        assert_eq!(o.items.len(), live, "removed lines are skipped");
        assert!(o.customer.as_ref().unwrap().phone.is_some());
        assert!(o.commission.is_some());
        assert_eq!(o.created_at.timestamp(), stored.created_utc.timestamp());
    }
    assert_eq!(classes.len(), 3, "final orders are imported too");
    sim.stop().await;
}

// covers: SYNC-1, SYNC-3, TRK-4, ST-2
#[tokio::test]
async fn changed_since_sees_every_kind_of_edit() {
    let sim = start();
    sim.state.seed(30, 30);
    let c = client(&sim);
    let a = sim.state.add_order(&spec(1, None));
    let b = sim.state.add_order(&spec(26, None));
    let t = sim.state.add_order(&spec(2, None));
    let s = sim.state.add_order(&spec(1, None));
    let x = sim.state.add_order(&spec(1, None));
    // make the new orders look old, so only the edits bring them back
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let since = Utc::now();
    let untouched = c
        .orders_changed_since(since, since - Duration::days(60))
        .await
        .unwrap()
        .orders;
    assert!(untouched.is_empty(), "{:?}", ids(&untouched));

    sim.state
        .edit(
            a,
            &Edit::AddItem {
                product: 5,
                quantity: 1,
            },
        )
        .unwrap();
    let line = sim.state.order(b).unwrap().order.purchases.unwrap()[0].id;
    sim.state
        .edit(b, &Edit::SetQuantity { line, quantity: 4 })
        .unwrap();
    sim.state
        .edit(t, &Edit::TrackingNumber("59000123456789".into()))
        .unwrap();
    // through the control API, as the README documents it
    let http = reqwest::Client::new();
    let r = http
        .patch(format!("{}/_sim/orders/{s}", sim.base_url()))
        .json(&json!({"status": 26}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let r = http
        .patch(format!("{}/_sim/orders/{x}", sim.base_url()))
        .json(&json!({"cancel": true}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());

    let got = c
        .orders_changed_since(since, since - Duration::days(60))
        .await
        .unwrap()
        .orders;
    let got_ids: HashSet<_> = ids(&got).into_iter().collect();
    let want: HashSet<_> = [a, b, t, s, x].iter().map(|i| i.to_string()).collect();
    assert_eq!(got_ids, want);
    let find = |id: i64| {
        got.iter()
            .find(|o| o.external_id == id.to_string())
            .unwrap()
    };
    assert_eq!(find(a).items.len(), 3);
    assert_eq!(find(b).items[0].quantity, rust_decimal::Decimal::from(4));
    assert_eq!(find(t).tracking_number.as_deref(), Some("59000123456789"));
    assert_eq!(find(s).source_status.as_deref(), Some("26"));
    assert_eq!(find(x).status_class, StatusClass::Cancelled);
    assert_eq!(find(x).source_status.as_deref(), Some("45"));
    sim.stop().await;
}

// covers: IMP-4 (retries never duplicate)
#[tokio::test]
async fn every_fault_kind_is_retried_without_duplicates() {
    let sim = start();
    sim.state.seed(45, 30);
    let c = client(&sim);
    let from = Utc::now() - Duration::days(60);
    let baseline = ids(&c.orders_created_since(from).await.unwrap().orders);
    assert_eq!(baseline.len(), 45);
    let http = reqwest::Client::new();
    for fault in [
        json!({"kind": "rate_limit", "retry_after": 1, "count": 2}),
        json!({"kind": "server_error", "status": 500, "count": 1}),
        json!({"kind": "server_error", "status": 502, "count": 1}),
        json!({"kind": "server_error", "status": 503, "count": 2}),
        json!({"kind": "timeout", "seconds": 3, "count": 1}),
        json!({"kind": "truncated_json", "count": 2}),
    ] {
        let r = http
            .post(format!("{}/_sim/faults", sim.base_url()))
            .json(&fault)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        let got = ids(&c.orders_created_since(from).await.unwrap().orders);
        assert_eq!(got, baseline, "after {fault}");
    }
    // a fault on the login itself
    sim.state
        .faults
        .inject(crate::platforms::sim::Fault::TruncatedJson, 1);
    let fresh = client(&sim);
    fresh.authorize().await.unwrap();
    // more faults than attempts: a transient error, not a wrong answer
    sim.state.faults.inject(
        crate::platforms::sim::Fault::ServerError { status: 503 },
        10,
    );
    let err = c.orders_created_since(from).await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    sim.state.faults.clear();
    sim.stop().await;
}

// covers: SRC-6
#[tokio::test]
async fn expired_tokens_relogin_once_and_revoked_ones_are_unauthorized() {
    let sim = start();
    let id = sim.state.add_order(&spec(1, None));
    let c = client(&sim);
    assert!(c.fetch_order(&id.to_string()).await.unwrap().is_some());
    assert_eq!(sim.state.logins(), 1);

    sim.state.expire_tokens();
    assert!(c.fetch_order(&id.to_string()).await.unwrap().is_some());
    assert_eq!(sim.state.logins(), 2, "one re-login after 6001");

    let r = reqwest::Client::new()
        .post(format!("{}/_sim/revoke", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    match c.fetch_order(&id.to_string()).await {
        Err(PlatformError::Unauthorized(m)) => {
            assert!(m.contains("incorrect_username_password"), "{m}")
        }
        other => panic!("expected Unauthorized, got {other:?}"),
    }
    sim.state.restore();
    assert!(c.fetch_order(&id.to_string()).await.unwrap().is_some());

    // the expired token answers HTTP 401 with 6001; no token at all answers 5401
    let token = raw_token(&sim).await;
    sim.state.expire_tokens();
    let r = reqwest::Client::new()
        .get(format!("{}/orders/{id}", sim.base_url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["errors"]["code"], 6001);
    let v: Value = reqwest::Client::new()
        .get(format!("{}/orders/{id}", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["errors"]["code"], 5401);
    sim.stop().await;
}

// covers: SYNC-4
#[tokio::test]
async fn fetch_order_finds_one_and_misses_unknown_ids() {
    let sim = start();
    let id = sim.state.add_order(&spec(26, None));
    let c = client(&sim);
    let o = c.fetch_order(&id.to_string()).await.unwrap().unwrap();
    assert_eq!(o.external_id, id.to_string());
    assert_eq!(o.items.len(), 2);
    assert_eq!(o.total, rust_decimal::Decimal::from(1299 + 2 * 1499));
    assert!(o.delivery.unwrap().address.is_some());
    assert!(c.fetch_order("1").await.unwrap().is_none());
    assert!(c.fetch_order("abc").await.unwrap().is_none());
    sim.stop().await;
}

// covers: ST-6
#[tokio::test]
async fn status_changes_follow_the_documented_sequence() {
    let sim = start();
    let c = client(&sim);
    let id = sim.state.add_order(&spec(1, None));
    let ext = id.to_string();

    let next = c.allowed_next_statuses(&ext).await.unwrap().unwrap();
    assert!(next.contains(&"26".to_string()) && next.contains(&"47".to_string()));
    assert!(!next.contains(&"2".to_string()));

    // 1 → 2 is not one step: carried out as 1 → 26 → 2
    c.change_status(&ext, "2", None).await.unwrap();
    let stored = sim.state.order(id).unwrap();
    assert_eq!(stored.order.status, 2);
    let hops: Vec<_> = stored.pushed.iter().map(|p| p.update.status).collect();
    assert_eq!(hops, vec![Some(26), Some(2)]);

    // 2 → 3 needs a TTN the order does not have: refused, nothing sent
    match c.change_status(&ext, "3", None).await {
        Err(PlatformError::Refused { message, .. }) => {
            assert!(message.contains("allowed next statuses"), "{message}")
        }
        other => panic!("expected Refused, got {other:?}"),
    }
    assert_eq!(sim.state.order(id).unwrap().pushed.len(), 2);

    // the hub never sends "repeat order"
    assert!(matches!(
        c.change_status(&ext, "49", None).await,
        Err(PlatformError::Refused { .. })
    ));

    // cancellation with a reason as the seller's comment
    c.change_status(&ext, "40", Some("Клієнт передумав"))
        .await
        .unwrap();
    let stored = sim.state.order(id).unwrap();
    assert_eq!(stored.order.status, 40);
    assert_eq!(stored.order.status_group, 3);
    assert_eq!(stored.order.current_seller_comment, "Клієнт передумав");

    // from a final status nothing is allowed
    assert_eq!(c.allowed_next_statuses(&ext).await.unwrap(), Some(vec![]));
    assert!(matches!(
        c.change_status(&ext, "26", None).await,
        Err(PlatformError::Refused { .. })
    ));
    assert!(matches!(
        c.allowed_next_statuses("999").await,
        Err(PlatformError::NotFound)
    ));
    sim.stop().await;
}

// covers: TRK-2
#[tokio::test]
async fn tracking_numbers_only_in_packing_data_confirmed() {
    let sim = start();
    let c = client(&sim);
    let early = sim.state.add_order(&spec(26, None));
    match c
        .set_tracking_number(&early.to_string(), "20450000000001")
        .await
    {
        Err(PlatformError::Refused { message, .. }) => {
            assert!(
                message.contains("Комплектується. Дані підтверджені"),
                "{message}"
            )
        }
        other => panic!("expected Refused, got {other:?}"),
    }
    assert!(sim.state.order(early).unwrap().pushed.is_empty());

    let ready = sim.state.add_order(&spec(2, None));
    c.set_tracking_number(&ready.to_string(), "20450000000001")
        .await
        .unwrap();
    let stored = sim.state.order(ready).unwrap();
    assert_eq!(stored.order.ttn, "20450000000001");
    assert_eq!(stored.order.status, 61);
    // the same number again is not an error
    c.set_tracking_number(&ready.to_string(), "20450000000001")
        .await
        .unwrap();
    let fetched = c.fetch_order(&ready.to_string()).await.unwrap().unwrap();
    assert_eq!(fetched.tracking_number.as_deref(), Some("20450000000001"));
    sim.stop().await;
}

// covers: ST-6, TRK-2 (the simulator refuses what Rozetka refuses)
#[tokio::test]
async fn the_simulator_enforces_rozetkas_rules() {
    let sim = start();
    let token = raw_token(&sim).await;
    let new = sim.state.add_order(&spec(1, None)).to_string();
    let packing = sim.state.add_order(&spec(2, None)).to_string();
    let manager = sim.state.add_order(&spec(26, None)).to_string();

    // skipping steps: 1 → 6
    let v = raw_put(&sim, &token, &new, json!({"status": 6})).await;
    assert_eq!(v["success"], false);
    assert_eq!(v["errors"]["code"], 1005);
    let details = v["errors"]["details"].as_str().unwrap();
    assert!(
        details.contains("allowed next statuses: 26, 47"),
        "{details}"
    );
    // a TTN outside "packing, data confirmed"
    let v = raw_put(
        &sim,
        &token,
        &new,
        json!({"status": 26, "ttn": "20450000000002"}),
    )
    .await;
    assert_eq!(v["errors"]["code"], 1005);
    assert!(v["errors"]["details"]
        .as_str()
        .unwrap()
        .contains("ttn is accepted only in status 2"));
    // 61 needs the TTN
    let v = raw_put(&sim, &token, &manager, json!({"status": 61})).await;
    assert_eq!(v["errors"]["code"], 1001);
    // 26 → 61 with a TTN (the field report)
    let v = raw_put(
        &sim,
        &token,
        &manager,
        json!({"status": 61, "ttn": "20450000000003"}),
    )
    .await;
    assert_eq!(v["success"], true, "{v}");
    assert_eq!(v["content"]["status"], 61);
    // 2 + TTN → 61 by itself
    let v = raw_put(
        &sim,
        &token,
        &packing,
        json!({"status": 2, "ttn": "20450000000004"}),
    )
    .await;
    assert_eq!(v["content"]["status"], 61);
    assert_eq!(v["content"]["ttn"], "20450000000004");
    // the duplicate status needs the duplicate's id
    let v = raw_put(&sim, &token, &new, json!({"status": 31})).await;
    assert_eq!(v["errors"]["code"], 1001);
    let v = raw_put(
        &sim,
        &token,
        &new,
        json!({"status": 31, "duplicate_order_id": 1}),
    )
    .await;
    assert_eq!(v["success"], true);
    // empty body, unknown order, unknown route
    assert_eq!(
        raw_put(&sim, &token, &new, json!({})).await["errors"]["code"],
        1005
    );
    assert_eq!(
        raw_put(&sim, &token, "1", json!({"status": 26})).await["errors"]["code"],
        1019
    );
    let v: Value = reqwest::Client::new()
        .get(format!("{}/no/such/route", sim.base_url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["errors"]["code"], 5404);
    // a stock push to a price list that is not "by API"
    let not_api = sim
        .state
        .goods()
        .into_iter()
        .find(|g| g.sync_source.as_ref().unwrap().availability != 4)
        .unwrap();
    let v: Value = reqwest::Client::new()
        .put(format!("{}/items/mass-update", sim.base_url()))
        .bearer_auth(&token)
        .json(&json!({"items": [{"item_rz_id": not_api.rz_item_id, "stock_quantity": 3}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["success"], false);
    assert!(v["errors"][not_api.rz_item_id.to_string()]["reason"].is_array());
    // the carrier moves handed-over orders on
    sim.state.carrier_tick();
    assert_eq!(
        sim.state
            .order(manager.parse().unwrap())
            .unwrap()
            .order
            .status,
        3
    );
    sim.stop().await;
}

// covers: PUB-1, PUB-2
#[tokio::test]
async fn publications_carry_the_sell_status() {
    let sim = start();
    let pubs = client(&sim).list_publications().await.unwrap();
    let goods = sim.state.goods();
    assert_eq!(pubs.len(), goods.len());
    assert!(goods.len() > sim.state.options.goods_page_size / 2);
    for g in &goods {
        let p = pubs
            .iter()
            .find(|p| p.external_id == g.rz_item_id.to_string())
            .unwrap();
        assert_eq!(p.state, Some(g.rz_sell_status.to_string()));
        assert_eq!(p.sku, g.article);
        assert_eq!(p.stock, g.stock_quantity);
    }
    let published = pubs
        .iter()
        .filter(|p| matches!(p.state.as_deref(), Some("2" | "3" | "4")))
        .count();
    assert!(published > 0 && published < pubs.len());

    // a page size smaller than the list: still all of them
    let mut cfg = config(&sim, &sim.state.options.password.clone());
    cfg.settings = json!({"min_interval_ms": 0, "goods_page_size": 5});
    let paged = RozetkaClient::new(cfg)
        .unwrap()
        .list_publications()
        .await
        .unwrap();
    assert_eq!(paged.len(), goods.len());

    // one good by its id (the rz_item_id filter), as the listing shows it
    let c = client(&sim);
    reads_one_by_one(&c, &[pubs.last().unwrap()], &["999999999", "x"]).await;
    sim.stop().await;
}

// covers: STK-1
#[tokio::test]
async fn stock_is_pushed_only_to_api_price_lists() {
    let sim = start();
    let c = client(&sim);
    let goods = sim.state.goods();
    let api = goods
        .iter()
        .find(|g| g.sync_source.as_ref().unwrap().availability == 4)
        .unwrap();
    let not_api = goods
        .iter()
        .find(|g| g.sync_source.as_ref().unwrap().availability != 4)
        .unwrap();

    c.push_stock(&[StockUpdate {
        external_id: api.rz_item_id.to_string(),
        sku: api.article.clone(),
        quantity: 17,
        price: Some(rust_decimal::Decimal::from(1199)),
    }])
    .await
    .unwrap();
    let after = sim.state.goods();
    let g = after
        .iter()
        .find(|g| g.rz_item_id == api.rz_item_id)
        .unwrap();
    assert_eq!(g.stock_quantity, Some(17));
    assert_eq!(g.price.as_deref(), Some("1199.00"));

    let mixed = [
        StockUpdate {
            external_id: not_api.rz_item_id.to_string(),
            sku: None,
            quantity: 5,
            price: None,
        },
        StockUpdate {
            external_id: api.rz_item_id.to_string(),
            sku: None,
            quantity: 9,
            price: None,
        },
    ];
    let refused = c.push_stock(&mixed).await.unwrap();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].external_id, not_api.rz_item_id.to_string());
    assert_eq!(
        refused[0].code.as_deref(),
        Some("price_list_sync_type_not_api")
    );
    assert!(
        refused[0].message.contains("availability is 4"),
        "{refused:?}"
    );
    let pushes = sim.state.stock_pushes();
    assert!(pushes.iter().all(|p| p.item_rz_id == api.rz_item_id));
    assert_eq!(pushes.last().unwrap().stock_quantity, Some(9));

    // a few listings are looked up by id; past `stock_lookup_max` the whole listing is read
    let reads = sim.state.goods_reads();
    c.push_stock(&mixed).await.unwrap();
    assert_eq!(sim.state.goods_reads() - reads, 2, "one lookup per listing");
    let mut cfg = config(&sim, &sim.state.options.password.clone());
    cfg.settings = json!({"min_interval_ms": 0, "goods_page_size": 5, "stock_lookup_max": 1});
    let paging = RozetkaClient::new(cfg).unwrap();
    let reads = sim.state.goods_reads();
    let refused = paging.push_stock(&mixed).await.unwrap();
    assert_eq!(
        sim.state.goods_reads() - reads,
        goods.len().div_ceil(5) as u64,
        "every page of the listing"
    );
    assert_eq!(refused.len(), 1, "the same answer either way");
    sim.stop().await;
}

// covers: PUB-1, STK-1
#[tokio::test]
async fn an_unapplied_item_filter_falls_back_to_the_whole_listing() {
    let sim = sim::start(
        0,
        SimOptions {
            ignore_item_filter: true,
            // an unfiltered answer without pageSize holds only the first three goods
            goods_page_size: 3,
            ..SimOptions::default()
        },
    )
    .unwrap();
    let c = client(&sim);
    let pubs = c.list_publications().await.unwrap();
    assert!(
        pubs.len() > sim.state.options.goods_page_size,
        "the last good is past page 1"
    );
    // found in the listing, not taken as unlisted
    reads_one_by_one(&c, &[pubs.last().unwrap()], &[]).await;
    let goods = sim.state.goods();
    let not_api = goods
        .iter()
        .rev()
        .find(|g| g.sync_source.as_ref().unwrap().availability != 4)
        .unwrap();
    let refused = c
        .push_stock(&[StockUpdate {
            external_id: not_api.rz_item_id.to_string(),
            sku: None,
            quantity: 1,
            price: None,
        }])
        .await
        .unwrap();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].message.contains("availability is 4"),
        "refused for its price list, not as unknown: {refused:?}"
    );
    sim.stop().await;
}

// covers: SRC-6 (the 24 h token is renewed before it ends)
#[tokio::test]
async fn the_token_is_renewed_before_it_expires() {
    let sim = start();
    let id = sim.state.add_order(&spec(1, None)).to_string();
    let mut cfg = config(&sim, &sim.state.options.password.clone());
    cfg.settings =
        json!({"min_interval_ms": 0, "token_ttl_secs": 2, "token_refresh_margin_secs": 1});
    let c = RozetkaClient::new(cfg).unwrap();
    c.fetch_order(&id).await.unwrap().unwrap();
    c.fetch_order(&id).await.unwrap().unwrap();
    assert_eq!(sim.state.logins(), 1);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    c.fetch_order(&id).await.unwrap().unwrap();
    assert_eq!(sim.state.logins(), 2);

    // a login answer cut off never shows up in the error text
    sim.state
        .faults
        .inject(crate::platforms::sim::Fault::TruncatedJson, 10);
    let err = client(&sim).authorize().await.unwrap_err();
    assert!(err.is_transient());
    assert!(!err.to_string().contains("access_token"), "{err}");
    sim.state.faults.clear();
    sim.stop().await;
}

// the control API as documented in sim.rs, and the background carrier
#[tokio::test]
async fn control_api_seeds_adds_and_reads_orders() {
    let sim = sim::start(
        0,
        SimOptions {
            carrier_tick: Some(std::time::Duration::from_millis(50)),
            ..SimOptions::default()
        },
    )
    .unwrap();
    let http = reqwest::Client::new();
    let v: Value = http
        .post(format!("{}/_sim/seed", sim.base_url()))
        .json(&json!({"count": 3, "days": 10}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["ids"].as_array().unwrap().len(), 3);
    let v: Value = http
        .post(format!("{}/_sim/orders", sim.base_url()))
        .json(&json!({"buyer": 4, "items": [{"product": 1, "quantity": 2}], "status": 61, "ttn": "20450000000005"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = v["order"]["id"].as_i64().unwrap();
    assert_eq!(v["order"]["amount"], "3298.00");
    assert_eq!(v["order"]["user_phone"].as_str().unwrap().len(), 12);
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let v: Value = http
        .get(format!("{}/_sim/orders/{id}", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let status = v["order"]["status"].as_i64().unwrap();
    assert!(
        [6, 12].contains(&status),
        "the carrier delivered it: {status}"
    );
    assert!(v["pushed"].as_array().unwrap().is_empty());
    let r = http
        .patch(format!("{}/_sim/orders/{id}", sim.base_url()))
        .json(&json!({"remove_line": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400, "no such line");
    sim.stop().await;
}
