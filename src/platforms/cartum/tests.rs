//! The Cartum client against the running simulator over real HTTP on 127.0.0.1.
//! covers: SRC-2, SRC-6, IMP-1, IMP-3, SYNC-1, ST-7, TRK-1, TRK-4, PUB-1, STK-1

use super::client::CartumClient;
use super::map::{self, STATUS_DELIVERED};
use super::sim::{self, CustomStatus, NewItem, NewOrder, Sim, SimOptions};
use crate::domain::credentials::Credentials;
use crate::domain::orders::StatusClass;
use crate::domain::{Platform, SourceId};
use crate::platforms::http::HttpPolicy;
use crate::platforms::sim::Fault;
use crate::platforms::{PlatformClient, PlatformError, SourceConfig, StockRefusal, StockUpdate};
use chrono::{Duration, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::collections::BTreeSet;

fn start(options: SimOptions) -> Sim {
    sim::start(0, options).expect("simulator starts")
}

fn config(sim: &Sim, settings: Value) -> SourceConfig {
    let mut all = json!({"min_interval_ms": 0, "page_size": 7});
    if let (Some(all), Some(extra)) = (all.as_object_mut(), settings.as_object()) {
        for (k, v) in extra {
            all.insert(k.clone(), v.clone());
        }
    }
    SourceConfig {
        source_id: SourceId(1),
        platform: Platform::Cartum,
        base_url: sim.base_url(),
        credentials: Credentials {
            login: Some(sim.state.options.login.clone()),
            password: Some(sim.state.options.password.clone()),
            ..Default::default()
        },
        language: Some("uk".into()),
        settings: all,
        http: HttpPolicy::fast(),
    }
}

fn client(sim: &Sim, settings: Value) -> CartumClient {
    CartumClient::new(config(sim, settings)).expect("client builds")
}

fn order_spec(buyer: u64, items: &[(usize, u32)], status: u64) -> NewOrder {
    NewOrder {
        buyer,
        items: items
            .iter()
            .map(|(p, q)| NewItem {
                product: *p,
                quantity: *q,
            })
            .collect(),
        status: Some(status),
        ..Default::default()
    }
}

/// What the backfill must return: the simulator's orders of the window, delivered ones left out.
fn expected_backfill(sim: &Sim, from: chrono::DateTime<Utc>) -> BTreeSet<String> {
    sim.state
        .orders()
        .iter()
        .filter(|o| o.stat_status.0 != STATUS_DELIVERED)
        .filter(|o| map::parse_shop_time(&o.stat_created).unwrap() >= from)
        .map(|o| o.order_id.0.to_string())
        .collect()
}

fn ids(orders: &[crate::domain::orders::ImportedOrder]) -> BTreeSet<String> {
    orders.iter().map(|o| o.external_id.clone()).collect()
}

// covers: SRC-2
#[tokio::test]
async fn authorize_accepts_the_api_user_and_names_the_platforms_refusal() {
    let sim = start(SimOptions::default());
    client(&sim, json!({})).authorize().await.unwrap();

    let mut cfg = config(&sim, json!({}));
    cfg.credentials.password = Some("wrong".into());
    let err = CartumClient::new(cfg)
        .unwrap()
        .authorize()
        .await
        .unwrap_err();
    assert_eq!(
        err,
        PlatformError::Unauthorized("Incorrect login or password".into())
    );

    let mut cfg = config(&sim, json!({}));
    cfg.credentials.login = None;
    assert!(matches!(
        CartumClient::new(cfg).unwrap().authorize().await,
        Err(PlatformError::Unauthorized(_))
    ));

    let no_api = start(SimOptions {
        api_enabled: false,
        ..SimOptions::default()
    });
    assert_eq!(
        client(&no_api, json!({})).authorize().await.unwrap_err(),
        PlatformError::Unauthorized("API access is not available".into())
    );
}

// covers: IMP-1, IMP-3, IMP-4
#[tokio::test]
async fn backfill_reads_every_page_and_leaves_delivered_orders_out() {
    let sim = start(SimOptions {
        custom_statuses: vec![
            CustomStatus {
                id: 7,
                title_ua: "Виконано".into(),
                title_ru: "Выполнен".into(),
                is_successful: true,
            },
            CustomStatus {
                id: 8,
                title_ua: "Оплачено".into(),
                title_ru: "Оплачен".into(),
                is_successful: false,
            },
        ],
        ..SimOptions::default()
    });
    sim.seed(80, 90);
    let done = sim.add_order(&order_spec(5, &[(0, 1)], 7)).unwrap();
    let paid = sim.add_order(&order_spec(6, &[(1, 1)], 8)).unwrap();
    let from = Utc::now() - Duration::days(60);
    let want = expected_backfill(&sim, from);
    assert!(want.len() > 14, "several pages of 7: {}", want.len());

    let orders = client(&sim, json!({}))
        .orders_created_since(from)
        .await
        .unwrap()
        .orders;
    assert_eq!(orders.len(), want.len(), "no order twice");
    assert_eq!(ids(&orders), want);
    assert!(orders
        .iter()
        .all(|o| o.source_status.as_deref() != Some("3")));
    let pages = sim
        .state
        .calls()
        .iter()
        .filter(|c| *c == "orders/get")
        .count();
    assert!(pages >= want.len() / 7, "{pages} pages");

    for o in &orders {
        let expected = match o.source_status.as_deref() {
            Some("4") => StatusClass::Cancelled,
            Some("7") => StatusClass::Completed,
            _ => StatusClass::Processing,
        };
        assert_eq!(o.status_class, expected, "order {}", o.external_id);
        let stored = sim.order(o.external_id.parse().unwrap()).unwrap();
        assert_eq!(o.total, stored.total_sum.unwrap().0);
        assert_eq!(o.items.len(), stored.products.len());
        assert_eq!(o.currency, "UAH");
        assert!(o.customer.as_ref().unwrap().phone.is_some());
    }
    let done = orders
        .iter()
        .find(|o| o.external_id == done.order_id.0.to_string())
        .unwrap();
    assert_eq!(done.status_class, StatusClass::Completed);
    let paid = orders
        .iter()
        .find(|o| o.external_id == paid.order_id.0.to_string())
        .unwrap();
    assert_eq!(paid.status_class, StatusClass::Processing);
}

// covers: SYNC-1, SYNC-2, SYNC-3, TRK-4, ST-2
#[tokio::test]
async fn a_resync_sees_edits_made_in_the_shop() {
    let sim = start(SimOptions::default());
    sim.seed(20, 30);
    let a = sim
        .add_order(&order_spec(11, &[(0, 1), (3, 2)], 1))
        .unwrap()
        .order_id
        .0;
    let b = sim
        .add_order(&order_spec(12, &[(5, 1)], 2))
        .unwrap()
        .order_id
        .0;
    // the whole window every run (spreading the older days is tested on its own)
    let c = client(&sim, json!({"spread_minutes": 0}));
    let window = Utc::now() - Duration::days(60);
    let before = c
        .orders_changed_since(Utc::now(), window)
        .await
        .unwrap()
        .orders;
    let first = before
        .iter()
        .find(|o| o.external_id == a.to_string())
        .unwrap();
    assert_eq!(first.items.len(), 2);

    sim.edit_order(a, json!({"add_item": {"product": 8, "quantity": 1}}))
        .unwrap();
    sim.edit_order(
        a,
        json!({"set_quantity": {"line": "XM-PB20K", "quantity": 5}}),
    )
    .unwrap();
    sim.edit_order(a, json!({"remove_line": "PH-HD9350"}))
        .unwrap();
    sim.edit_order(a, json!({"tracking_number": "20450000000001", "status": 6}))
        .unwrap();
    sim.edit_order(b, json!({"cancel": true})).unwrap();

    let after = c
        .orders_changed_since(Utc::now() - Duration::minutes(10), window)
        .await
        .unwrap()
        .orders;
    assert_eq!(after.len(), before.len(), "every order of the window, once");
    let a = after
        .iter()
        .find(|o| o.external_id == a.to_string())
        .unwrap();
    let skus: Vec<_> = a.items.iter().map(|i| i.sku.clone().unwrap()).collect();
    assert_eq!(skus, ["XM-PB20K", "DL-EC685"]);
    assert_eq!(a.items[0].quantity, Decimal::from(5));
    assert_eq!(a.tracking_number.as_deref(), Some("20450000000001"));
    assert_eq!(a.source_status.as_deref(), Some("6"));
    assert_eq!(a.total, Decimal::from(5 * 899 + 8999));
    let b = after
        .iter()
        .find(|o| o.external_id == b.to_string())
        .unwrap();
    assert_eq!(b.status_class, StatusClass::Cancelled);

    // the note's recipe: only open statuses
    let open = client(&sim, json!({"resync_statuses": "open"}))
        .orders_changed_since(Utc::now(), window)
        .await
        .unwrap()
        .orders;
    assert!(open
        .iter()
        .all(|o| o.status_class == StatusClass::Processing));
    assert!(!open.iter().any(|o| o.external_id == b.external_id));
}

// covers: IMP-4
#[tokio::test]
async fn every_fault_is_retried_and_the_result_stays_complete() {
    let sim = start(SimOptions::default());
    sim.seed(40, 50);
    let from = Utc::now() - Duration::days(60);
    let want = expected_backfill(&sim, from);
    let faults = [
        (Fault::RateLimit { retry_after: 1 }, 1),
        (Fault::ServerError { status: 500 }, 2),
        (Fault::ServerError { status: 502 }, 1),
        (Fault::ServerError { status: 503 }, 2),
        (Fault::Timeout { seconds: 3 }, 1),
        (Fault::TruncatedJson, 2),
    ];
    for (fault, count) in faults {
        // a fresh client each time, so the fault also hits the login
        let c = client(&sim, json!({}));
        sim.inject(fault.clone(), count);
        let orders = c
            .orders_created_since(from)
            .await
            .unwrap_or_else(|e| {
                panic!("{fault:?}: {e}");
            })
            .orders;
        assert_eq!(orders.len(), want.len(), "{fault:?}: no duplicates");
        assert_eq!(ids(&orders), want, "{fault:?}");
    }
    // past the attempts the error is transient, for the sync to retry later
    sim.inject(Fault::ServerError { status: 503 }, 50);
    let err = client(&sim, json!({}))
        .orders_created_since(from)
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    sim.faults.clear();
    // a login whose answer never arrives whole: transient, and no piece of a token in the error
    sim.inject(Fault::TruncatedJson, 50);
    let err = client(&sim, json!({})).authorize().await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert!(!err.to_string().contains("token\""), "{err}");
    sim.faults.clear();
}

// covers: SRC-6
#[tokio::test]
async fn a_revoked_user_is_unauthorized_with_the_platforms_words() {
    let sim = start(SimOptions::default());
    sim.seed(5, 10);
    let c = client(&sim, json!({}));
    c.authorize().await.unwrap();
    assert!(c.fetch_order("10001").await.unwrap().is_some());
    sim.revoke();
    let err = c.fetch_order("10001").await.unwrap_err();
    assert_eq!(
        err,
        PlatformError::Unauthorized("Incorrect login or password".into())
    );
    sim.restore();
    assert!(c.fetch_order("10001").await.unwrap().is_some());
}

#[tokio::test]
async fn an_expired_token_is_renewed_once_and_an_old_one_before_expiry() {
    let sim = start(SimOptions {
        token_ttl: std::time::Duration::from_millis(800),
        ..SimOptions::default()
    });
    sim.seed(3, 5);
    // the client believes the token lives long: the shop's "Invalid token" makes it log in again
    let c = client(&sim, json!({"token_refresh_secs": 600}));
    c.fetch_order("10001").await.unwrap();
    assert_eq!(sim.state.auth_calls(), 1);
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    assert!(c.fetch_order("10002").await.unwrap().is_some());
    assert_eq!(sim.state.auth_calls(), 2);
    assert_eq!(sim.state.token_rejections(), 1);

    // renewed ahead of expiry: no rejection at all
    let sim = start(SimOptions::default());
    sim.seed(3, 5);
    let c = client(&sim, json!({"token_refresh_secs": 1}));
    c.fetch_order("10001").await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    c.fetch_order("10001").await.unwrap();
    assert_eq!(sim.state.auth_calls(), 2);
    assert_eq!(sim.state.token_rejections(), 0);
}

// covers: SYNC-4, IMP-3, DLV-1
#[tokio::test]
async fn fetch_order_reads_one_order_by_number() {
    let sim = start(SimOptions::default());
    let placed = sim
        .add_order(&NewOrder {
            discount: Some(Decimal::from(100).into()),
            delivery: Some("ukrposhta".into()),
            ..order_spec(17, &[(2, 1), (4, 2)], 2)
        })
        .unwrap();
    let c = client(&sim, json!({}));
    let o = c
        .fetch_order(&placed.order_id.0.to_string())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(o.number, placed.order_id.0.to_string());
    assert_eq!(o.total, Decimal::from(1499 + 2 * 1199 - 100));
    let person = crate::platforms::sim::FakeData::person(17);
    let customer = o.customer.unwrap();
    assert_eq!(
        customer.first_name.as_deref(),
        Some(person.first_name.as_str())
    );
    assert_eq!(
        customer.last_name.as_deref(),
        Some(person.last_name.as_str())
    );
    assert_eq!(
        customer.phone.unwrap().as_str(),
        format!("+{}", person.phone_digits)
    );
    let d = o.delivery.unwrap();
    assert_eq!(d.carrier.as_deref(), Some("Укрпошта"));
    assert_eq!(d.cost, Some(Decimal::from(70)));
    assert!(c.fetch_order("999999").await.unwrap().is_none());
    assert!(c.fetch_order("not-a-number").await.unwrap().is_none());
}

// covers: ST-7, TRK-1
#[tokio::test]
async fn status_and_tracking_are_set_and_refusals_carry_the_shops_words() {
    let sim = start(SimOptions::default());
    let id = sim
        .add_order(&order_spec(3, &[(1, 1)], 1))
        .unwrap()
        .order_id
        .0;
    let ext = id.to_string();
    let c = client(&sim, json!({}));
    assert_eq!(c.allowed_next_statuses(&ext).await.unwrap(), None);

    c.change_status(&ext, "6", None).await.unwrap();
    assert_eq!(sim.order(id).unwrap().stat_status.0, 6);
    c.set_tracking_number(&ext, "59000123456789").await.unwrap();
    assert_eq!(
        sim.order(id).unwrap().tracking_code.as_deref(),
        Some("59000123456789")
    );
    let pushed = sim.pushed(id);
    assert_eq!(pushed[0], json!({"order_id": id, "status": 6}));
    assert_eq!(
        pushed[1],
        json!({"order_id": id, "tracking_code": "59000123456789"})
    );
    let back = c.fetch_order(&ext).await.unwrap().unwrap();
    assert_eq!(back.tracking_number.as_deref(), Some("59000123456789"));
    assert!(sim.state.calls().contains(&"orders/update".to_string()));

    assert_eq!(
        c.change_status(&ext, "99", None).await.unwrap_err(),
        PlatformError::Refused {
            code: Some("2".into()),
            message: "Unknown status 99".into()
        }
    );
    assert_eq!(
        c.change_status("424242", "2", None).await.unwrap_err(),
        PlatformError::Refused {
            code: Some("1".into()),
            message: "Order not found".into()
        }
    );
    // any status may follow any other, over POST as well as PUT
    let post = client(&sim, json!({"update_method": "POST"}));
    post.change_status(&ext, "1", None).await.unwrap();
    post.change_status(&ext, "3", None).await.unwrap();
    c.change_status(&ext, "4", Some("buyer changed mind"))
        .await
        .unwrap();
    assert_eq!(sim.order(id).unwrap().stat_status.0, 4);
    // a cancelled order can no longer be edited
    assert_eq!(
        c.change_status(&ext, "2", None).await.unwrap_err(),
        PlatformError::Refused {
            code: Some("3".into()),
            message: "Order is cancelled and cannot be edited".into()
        }
    );
    assert!(matches!(
        c.set_tracking_number(&ext, "59000123456780").await,
        Err(PlatformError::Refused { .. })
    ));
}

// covers: PUB-1, SRC-1
#[tokio::test]
async fn publications_are_read_page_by_page_in_the_source_language() {
    let sim = start(SimOptions::default());
    let list = client(&sim, json!({"catalog_page_size": 5}))
        .list_publications()
        .await
        .unwrap();
    assert_eq!(list.len(), crate::platforms::sim::PRODUCTS.len());
    let kettle = list.iter().find(|p| p.external_id == "PH-HD9350").unwrap();
    assert_eq!(kettle.name, "Чайник електричний Philips HD9350");
    assert_eq!(kettle.sku.as_deref(), Some("PH-HD9350"));
    assert_eq!(kettle.price, Some(Decimal::from(1299)));
    assert_eq!(kettle.stock, None);
    assert!(
        kettle.raw.get("description").is_none(),
        "only the asked fields"
    );

    let mut cfg = config(&sim, json!({}));
    cfg.language = Some("ru".into());
    let ru = CartumClient::new(cfg)
        .unwrap()
        .list_publications()
        .await
        .unwrap();
    let kettle = ru.iter().find(|p| p.external_id == "PH-HD9350").unwrap();
    assert_eq!(kettle.name, "Чайник электрический Philips HD9350");
}

// covers: STK-1
#[tokio::test]
async fn stock_is_pushed_as_presence_without_warehouse_accounting() {
    let sim = start(SimOptions::default());
    let c = client(&sim, json!({}));
    c.push_stock(&[
        StockUpdate {
            external_id: "JBL-T510BT".into(),
            sku: Some("JBL-T510BT".into()),
            quantity: 0,
            price: Some(Decimal::new(139900, 2)),
        },
        StockUpdate {
            external_id: "XM-SB8".into(),
            sku: None,
            quantity: 4,
            price: None,
        },
    ])
    .await
    .unwrap();
    let jbl = sim.state.product("JBL-T510BT").unwrap();
    assert_eq!(jbl.presence, sim::PRESENCE_OUT_OF_STOCK);
    assert_eq!(jbl.price, Decimal::from(1399));
    assert_eq!(
        sim.state.product("XM-SB8").unwrap().presence,
        sim::PRESENCE_IN_STOCK
    );

    // one article refused: named with the log's code, the other taken
    let refused = c
        .push_stock(&[
            StockUpdate {
                external_id: "NO-SUCH".into(),
                sku: None,
                quantity: 1,
                price: None,
            },
            StockUpdate {
                external_id: "XM-SB8".into(),
                sku: None,
                quantity: 0,
                price: None,
            },
        ])
        .await
        .unwrap();
    assert_eq!(
        refused,
        [StockRefusal {
            external_id: "NO-SUCH".into(),
            code: Some("6".into()),
            message: "NO-SUCH: Title is required for a new product".into()
        }]
    );
    assert_eq!(
        sim.state.product("XM-SB8").unwrap().presence,
        sim::PRESENCE_OUT_OF_STOCK
    );
}

// covers: STK-1, PUB-1
#[tokio::test]
async fn warehouse_quantities_go_through_import_residues() {
    let sim = start(SimOptions {
        warehouse_accounting: true,
        warehouses: vec!["Київ".into()],
        ..SimOptions::default()
    });
    let c = client(&sim, json!({"stock_mode": "residues", "warehouse": "Київ"}));
    c.push_stock(&[StockUpdate {
        external_id: "ST-CL1L".into(),
        sku: None,
        quantity: 12,
        price: Some(Decimal::from(1990)),
    }])
    .await
    .unwrap();
    let p = sim.state.product("ST-CL1L").unwrap();
    assert_eq!(p.residues.get("Київ"), Some(&12));
    assert_eq!(p.price, Decimal::from(1990));
    let list = c.list_publications().await.unwrap();
    let termos = list.iter().find(|p| p.external_id == "ST-CL1L").unwrap();
    assert_eq!(termos.stock, Some(12));

    let wrong = client(
        &sim,
        json!({"stock_mode": "residues", "warehouse": "Львів"}),
    );
    let refused = wrong
        .push_stock(&[StockUpdate {
            external_id: "ST-CL1L".into(),
            sku: None,
            quantity: 1,
            price: None,
        }])
        .await
        .unwrap();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].external_id, "ST-CL1L");
    assert_eq!(refused[0].code.as_deref(), Some("2"));
    assert!(refused[0].message.contains("Warehouse Львів not found"));
    // presence cannot be written while the shop counts stock by warehouse
    let refused = client(&sim, json!({}))
        .push_stock(&[StockUpdate {
            external_id: "ST-CL1L".into(),
            sku: None,
            quantity: 1,
            price: None,
        }])
        .await
        .unwrap();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].code.as_deref(), Some("11"));
}

/// The simulator's own rules and control API, over plain HTTP.
#[tokio::test]
async fn simulator_endpoints_and_control_api() {
    let sim = start(SimOptions::default());
    let http = reqwest::Client::new();
    let base = sim.base_url();
    let post = |path: &str, body: Value| http.post(format!("{base}{path}")).json(&body).send();

    let seeded: Value = post("/_sim/seed", json!({"count": 30, "days": 90}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(seeded["created"].as_array().unwrap().len(), 30);
    let added: Value = post(
        "/_sim/orders",
        json!({"buyer": 9, "items": [{"product": 2, "quantity": 1}], "status": 2}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let id = added["order_id"].as_u64().unwrap();
    assert_eq!(added["stat_status"], 2);
    let patched = http
        .patch(format!("{base}/_sim/orders/{id}"))
        .json(&json!({"add_item": {"product": 3, "quantity": 2}}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let read: Value = http
        .get(format!("{base}/_sim/orders/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["order"]["products"].as_array().unwrap().len(), 2);
    assert_eq!(read["order"]["total_sum"], json!(1499 + 2 * 899));
    assert_eq!(
        http.patch(format!("{base}/_sim/orders/1"))
            .json(&json!({"cancel": true}))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    let call = |function: &str, body: Value| {
        let url = format!("{base}/api/{function}/");
        let http = http.clone();
        async move {
            http.post(url)
                .json(&body)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let bad = call("auth", json!({"login": "api_manager", "password": "x"})).await;
    assert_eq!(
        bad,
        json!({"status": "ERROR", "response": {"message": "Incorrect login or password"}})
    );
    let auth = call(
        "auth",
        json!({"login": "api_manager", "password": "cartum-secret"}),
    )
    .await;
    let token = auth["response"]["token"].as_str().unwrap().to_string();
    assert_eq!(
        call("orders/get", json!({"token": "nope"})).await["response"]["message"],
        "Invalid token"
    );
    assert_eq!(
        call("orders/delete", json!({"token": token})).await,
        json!({"status": "UNDEFINED_FUNCTION", "response": []})
    );
    // limit is capped, 0 gives nothing, statuses filter as a scalar or a list
    let all = call("orders/get", json!({"token": token, "limit": 5000})).await;
    assert_eq!(all["response"]["orders"].as_array().unwrap().len(), 31);
    let none = call("orders/get", json!({"token": token, "limit": 0})).await;
    assert_eq!(none["status"], "EMPTY");
    let new = call("orders/get", json!({"token": token, "status": 2})).await;
    assert!(new["response"]["orders"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["stat_status"] == 2));
    let one = call("orders/get", json!({"token": token, "ids": [id]})).await;
    assert_eq!(one["response"]["orders"][0]["order_id"], id);
    // both date formats; a future `from` matches nothing
    let tomorrow = (Utc::now() + Duration::days(2))
        .format("%d.%m.%Y")
        .to_string();
    let later = call("orders/get", json!({"token": token, "from": tomorrow})).await;
    assert_eq!(later["status"], "EMPTY");
    let bad_date = call("orders/get", json!({"token": token, "from": "yesterday"})).await;
    assert_eq!(bad_date["status"], "ERROR");
    let statuses = call("orders/get_available_statuses", json!({"token": token})).await;
    assert_eq!(
        statuses["response"]["statuses"].as_array().unwrap().len(),
        5
    );
    // orders/update over PUT
    let put: Value = http
        .put(format!("{base}/api/orders/update/"))
        .json(&json!({"token": token, "orders": [{"order_id": id, "status": 6}, {"order_id": 5, "payed": 1}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(put["status"], "WARNING");
    assert_eq!(put["response"]["log"][0]["code"], 0);
    assert_eq!(put["response"]["log"][1]["message"], "Order not found");
    // a body that is not JSON
    let raw: Value = http
        .post(format!("{base}/api/orders/get/"))
        .body("\u{feff}{oops")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(raw["status"], "HTTP_ERROR");
    // revoke and restore
    post("/_sim/revoke", json!({})).await.unwrap();
    assert_eq!(
        call("orders/get", json!({"token": token})).await["status"],
        "ERROR"
    );
    post("/_sim/restore", json!({})).await.unwrap();
    let stats: Value = http
        .get(format!("{base}/_sim/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["auth_calls"], 2);

    let live = sim.state.add_live_order().unwrap();
    assert_eq!(live.stat_status.0, 1);
    assert!(!live.products.is_empty());
}

// covers: IMP-1
#[tokio::test]
async fn date_only_filters_of_older_shops_still_give_the_exact_window() {
    let sim = start(SimOptions::default());
    sim.seed(60, 20);
    let from = Utc::now() - Duration::days(10) - Duration::hours(5);
    let want = expected_backfill(&sim, from);
    let orders = client(&sim, json!({"date_format": "date", "page_size": 500}))
        .orders_created_since(from)
        .await
        .unwrap()
        .orders;
    assert_eq!(ids(&orders), want);
}

#[tokio::test]
async fn requests_are_paced_by_the_sources_setting() {
    let sim = start(SimOptions::default());
    sim.seed(3, 5);
    let c = client(&sim, json!({"min_interval_ms": 150}));
    let started = std::time::Instant::now();
    // auth, statuses, orders/get, orders/get
    c.fetch_order("10001").await.unwrap();
    c.fetch_order("10002").await.unwrap();
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(450),
        "{:?}",
        started.elapsed()
    );
}

// covers: SYNC-1, SYNC-2, ST-2 (issue 15: no change time on Cartum, so a re-sync reads the hot
// days every run and spreads the older days of the window over the runs)
#[tokio::test]
async fn a_resync_reads_the_hot_days_and_the_older_days_whose_turn_it_is() {
    let sim = start(SimOptions::default());
    // 100 open orders: 10 of the last hours, 90 over the 50 days before
    let mut ids = Vec::new();
    for i in 0..100u64 {
        let minutes_ago = if i < 10 {
            120 + i * 5
        } else {
            4 * 24 * 60 + (i - 10) * 13 * 60
        };
        let mut spec = order_spec(i, &[((i % 5) as usize, 1)], [1, 2, 6][(i % 3) as usize]);
        spec.minutes_ago = Some(minutes_ago as i64);
        ids.push(sim.add_order(&spec).unwrap().order_id.0);
    }
    let c = client(&sim, json!({"page_size": 500, "spread_minutes": 120}));
    let window = Utc::now() - Duration::days(60);
    // log in and read the status table first, so only `orders/get` is counted below
    c.authorize().await.unwrap();
    c.orders_changed_since(Utc::now(), window).await.unwrap();
    let calls = |c: &crate::platforms::sim::RequestCounts| c.starting_with("POST /api/orders/get/");

    // a run spanning ten minutes: the hot days in one request, the older days whose turn falls
    // in those minutes in at most three ranged requests
    let before = sim.faults.counts();
    let got = c
        .orders_changed_since(Utc::now() - Duration::minutes(10), window)
        .await
        .unwrap();
    let reads = calls(&sim.faults.counts()) - calls(&before);
    assert!((1..=4).contains(&reads), "{reads}");
    let got: std::collections::HashSet<u64> = got
        .orders
        .iter()
        .map(|o| o.external_id.parse().unwrap())
        .collect();
    assert!(
        ids[..10].iter().all(|id| got.contains(id)),
        "the hot days every run"
    );
    assert!(got.len() < 40, "a share of the older days: {}", got.len());

    // a change to an older order arrives when its day's turn comes: at the latest, a run whose
    // span is the whole period reads the whole window
    let old = ids[60];
    sim.edit_order(
        old,
        json!({"status": 6, "tracking_number": "20450000000060"}),
    )
    .unwrap();
    let before = sim.faults.counts();
    let all = c
        .orders_changed_since(Utc::now() - Duration::minutes(121), window)
        .await
        .unwrap();
    assert_eq!(all.orders.len(), 100);
    let reads = calls(&sim.faults.counts()) - calls(&before);
    assert!(reads <= 2, "the hot days and one range: {reads}");
    let o = all
        .orders
        .iter()
        .find(|o| o.external_id == old.to_string())
        .unwrap();
    assert_eq!(o.source_status.as_deref(), Some("6"));
    assert_eq!(o.tracking_number.as_deref(), Some("20450000000060"));
}
