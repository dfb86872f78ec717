//! The Prom client against the running simulator over real HTTP on 127.0.0.1.

use super::client::PromClient;
use super::sim::{self, NewItem, NewOrder, OrderPatch, Sim, SimOptions};
use crate::domain::credentials::Credentials;
use crate::domain::orders::{ImportedOrder, StatusClass};
use crate::domain::{Platform, SourceId};
use crate::platforms::http::HttpPolicy;
use crate::platforms::sim::Fault;
use crate::platforms::test_support::reads_one_by_one;
use crate::platforms::{PlatformClient, PlatformError, SourceConfig, StockUpdate};
use chrono::{DateTime, Duration, SubsecRound, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::collections::HashSet;

const TOKEN: &str = "prom-sim-token";

fn start(options: SimOptions) -> Sim {
    sim::start(0, options).expect("simulator starts")
}

fn config(sim: &Sim, token: &str, settings: Value) -> SourceConfig {
    SourceConfig {
        source_id: SourceId(7),
        platform: Platform::Prom,
        base_url: sim.api_url(),
        credentials: Credentials {
            token: Some(token.into()),
            ..Default::default()
        },
        language: Some("uk".into()),
        settings,
        http: HttpPolicy::fast(),
    }
}

fn client(sim: &Sim, settings: Value) -> PromClient {
    let mut settings = settings;
    if settings.get("min_interval_ms").is_none() {
        settings["min_interval_ms"] = json!(0);
    }
    PromClient::new(config(sim, TOKEN, settings)).expect("client")
}

fn order_of(id: i64, items: &[(usize, u32)], provider: &str) -> NewOrder {
    NewOrder {
        buyer: (id as u64) % 400,
        items: items
            .iter()
            .map(|&(product, quantity)| NewItem { product, quantity })
            .collect(),
        provider: Some(provider.into()),
        portal: true,
        minutes_ago: 600,
        ..Default::default()
    }
}

fn ids(orders: &[ImportedOrder]) -> Vec<String> {
    let mut v: Vec<String> = orders.iter().map(|o| o.external_id.clone()).collect();
    v.sort();
    v
}

fn created(o: &super::wire::Order) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(o.date_created.as_deref().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

fn refused_message(r: Result<(), PlatformError>) -> String {
    match r {
        Err(PlatformError::Refused { message, .. }) => message,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

// covers: SRC-2
#[tokio::test]
async fn authorize_accepts_the_token_and_names_the_refusal() {
    let sim = start(SimOptions::default());
    client(&sim, json!({})).authorize().await.unwrap();
    let bad = PromClient::new(config(&sim, "wrong-token", json!({"min_interval_ms": 0}))).unwrap();
    assert_eq!(
        bad.authorize().await,
        Err(PlatformError::Unauthorized("Unauthorized".into()))
    );
    let no_token = SourceConfig {
        credentials: Credentials::default(),
        ..config(&sim, "", json!({}))
    };
    assert!(matches!(
        PromClient::new(no_token),
        Err(PlatformError::Unauthorized(_))
    ));
    sim.server.stop().await;
}

// covers: IMP-1, ST-1, IMP-4
#[tokio::test]
async fn backfill_reads_every_page_of_the_window() {
    let sim = start(SimOptions {
        page_size: 25,
        ..SimOptions::default()
    });
    sim.seed(160, 90);
    let from = (Utc::now() - Duration::days(60)).trunc_subsecs(0);
    let c = client(&sim, json!({"page_size": 25}));
    let got = c.orders_created_since(from).await.unwrap().orders;

    let expected: Vec<String> = {
        let mut v: Vec<String> = sim
            .orders()
            .iter()
            .filter(|o| created(o) >= from)
            .map(|o| o.id.to_string())
            .collect();
        v.sort();
        v
    };
    assert!(expected.len() > 50, "several pages: {}", expected.len());
    assert!(expected.len() < 160, "orders outside the window exist");
    assert_eq!(ids(&got), expected);
    let unique: HashSet<_> = got.iter().map(|o| &o.external_id).collect();
    assert_eq!(unique.len(), got.len(), "no order twice");

    let mut classes = HashSet::new();
    for o in &got {
        let status = o.source_status.as_deref().unwrap();
        let want = match status {
            "delivered" => StatusClass::Completed,
            "canceled" => StatusClass::Cancelled,
            _ => StatusClass::Processing,
        };
        assert_eq!(o.status_class, want, "{status}");
        classes.insert(status.to_string());
        assert!(o.created_at >= from);
        assert_eq!(o.currency, "UAH");
        assert!(!o.items.is_empty());
        assert!(o.total > Decimal::ZERO);
        let phone = o.customer.as_ref().unwrap().phone.as_ref().unwrap();
        assert!(phone.as_str().starts_with("+380"), "{}", phone.as_str());
    }
    // final orders are imported too, with their class (IMP-1 for Prom: all statuses)
    assert!(classes.contains("delivered") && classes.contains("canceled"));
    assert!(got.iter().any(|o| o.commission.is_some()));
    sim.server.stop().await;
}

// covers: SYNC-1, SYNC-2, SYNC-3, TRK-4, ST-2
#[tokio::test]
async fn changed_since_sees_every_kind_of_edit() {
    let sim = start(SimOptions::default());
    let a = sim
        .add_order(order_of(1, &[(0, 1), (1, 1)], "nova_poshta"))
        .unwrap();
    let b = sim
        .add_order(order_of(2, &[(3, 2)], "nova_poshta"))
        .unwrap();
    let untouched = sim.add_order(order_of(3, &[(4, 1)], "meest")).unwrap();
    let c = client(&sim, json!({}));
    let since = Utc::now();
    assert!(c
        .orders_changed_since(since, since - Duration::days(60))
        .await
        .unwrap()
        .orders
        .is_empty());

    let line0 = sim.order(a).unwrap().products[0].id;
    let line1 = sim.order(a).unwrap().products[1].id;
    sim.patch(
        a,
        OrderPatch {
            add_item: Some(NewItem {
                product: 2,
                quantity: 1,
            }),
            set_quantity: Some(sim::SetQuantity {
                line: line0,
                quantity: 3,
            }),
            remove_line: Some(line1),
            tracking_number: Some("20450000012345".into()),
            status: Some("received".into()),
            ..Default::default()
        },
    )
    .unwrap();
    sim.patch(
        b,
        OrderPatch {
            cancel: Some(true),
            ..Default::default()
        },
    )
    .unwrap();

    let changed = c
        .orders_changed_since(since, since - Duration::days(60))
        .await
        .unwrap()
        .orders;
    assert_eq!(ids(&changed), {
        let mut v = vec![a.to_string(), b.to_string()];
        v.sort();
        v
    });
    assert!(!ids(&changed).contains(&untouched.to_string()));
    let oa = changed
        .iter()
        .find(|o| o.external_id == a.to_string())
        .unwrap();
    assert_eq!(oa.items.len(), 2, "one line added, one removed");
    assert_eq!(oa.items[0].quantity, Decimal::new(3, 0));
    assert_eq!(
        oa.items[0].code.as_deref(),
        Some(line0.to_string().as_str())
    );
    assert_eq!(oa.items[1].sku.as_deref(), Some("JBL-T510BT"));
    assert_eq!(oa.tracking_number.as_deref(), Some("20450000012345"));
    assert_eq!(oa.source_status.as_deref(), Some("received"));
    assert_eq!(oa.status_class, StatusClass::Processing);
    let ob = changed
        .iter()
        .find(|o| o.external_id == b.to_string())
        .unwrap();
    assert_eq!(ob.status_class, StatusClass::Cancelled);
    assert!(ob.updated_at.unwrap() >= since.trunc_subsecs(0));
    sim.server.stop().await;
}

async fn created_ids(c: &PromClient, from: DateTime<Utc>) -> Result<Vec<String>, PlatformError> {
    c.orders_created_since(from).await.map(|o| ids(&o.orders))
}

// covers: IMP-4, SYNC-1
#[tokio::test]
async fn every_fault_is_retried_without_losing_or_doubling_orders() {
    let sim = start(SimOptions {
        page_size: 20,
        ..SimOptions::default()
    });
    sim.seed(70, 30);
    let c = client(&sim, json!({"page_size": 20}));
    let from = Utc::now() - Duration::days(60);
    let baseline = created_ids(&c, from).await.unwrap();
    assert_eq!(baseline.len(), 70);
    let faults = [
        Fault::RateLimit { retry_after: 1 },
        Fault::ServerError { status: 500 },
        Fault::ServerError { status: 502 },
        Fault::ServerError { status: 503 },
        Fault::Timeout { seconds: 3 },
        Fault::TruncatedJson,
    ];
    for fault in faults {
        sim.inject(fault.clone(), 2);
        assert_eq!(
            created_ids(&c, from).await,
            Ok(baseline.clone()),
            "{fault:?}"
        );
    }
    // more failures than attempts: a transient error, never a partial list
    sim.inject(Fault::ServerError { status: 503 }, 20);
    let err = created_ids(&c, from).await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    sim.faults.clear();
    sim.inject(Fault::TruncatedJson, 20);
    let err = created_ids(&c, from).await.unwrap_err();
    assert!(matches!(err, PlatformError::Transient(_)), "{err:?}");
    sim.faults.clear();

    // a write whose answer was cut off is sent again and still counts once
    let id = sim.orders()[0].id;
    let status = if sim.orders()[0].status == "received" {
        "paid"
    } else {
        "received"
    };
    let before = sim.order(id).unwrap().status;
    sim.inject(Fault::TruncatedJson, 1);
    let r = c.change_status(&id.to_string(), status, None).await;
    if matches!(before.as_str(), "delivered" | "canceled") {
        assert!(r.is_err());
    } else {
        r.unwrap();
        assert_eq!(sim.order(id).unwrap().status, status);
    }
    sim.server.stop().await;
}

// covers: SRC-6
#[tokio::test]
async fn a_revoked_token_is_unauthorized_until_restored() {
    let sim = start(SimOptions::default());
    let id = sim
        .add_order(order_of(5, &[(0, 1)], "nova_poshta"))
        .unwrap();
    let c = client(&sim, json!({}));
    c.authorize().await.unwrap();
    sim.revoke();
    let unauthorized = PlatformError::Unauthorized("Unauthorized".into());
    assert_eq!(c.authorize().await, Err(unauthorized.clone()));
    assert_eq!(
        c.orders_changed_since(Utc::now(), Utc::now())
            .await
            .unwrap_err(),
        unauthorized
    );
    assert_eq!(
        c.fetch_order(&id.to_string()).await.unwrap_err(),
        unauthorized
    );
    assert_eq!(
        c.change_status(&id.to_string(), "received", None).await,
        Err(unauthorized.clone())
    );
    assert_eq!(c.list_publications().await.unwrap_err(), unauthorized);
    sim.restore();
    c.authorize().await.unwrap();
    sim.server.stop().await;
}

// covers: ST-4, ST-5
#[tokio::test]
async fn status_changes_follow_proms_rules() {
    let sim = start(SimOptions::default());
    let c = client(&sim, json!({}));
    let id = sim
        .add_order(order_of(9, &[(0, 1)], "nova_poshta"))
        .unwrap();
    let ext = id.to_string();
    assert_eq!(c.allowed_next_statuses(&ext).await, Ok(None));

    // a seller cannot set pending or draft; an HTTP 200 with {"error"} is a refusal
    for target in ["pending", "draft", "accepted"] {
        assert_eq!(
            refused_message(c.change_status(&ext, target, None).await),
            sim::STATUS_NOT_ALLOWED,
            "{target}"
        );
    }
    // canceled needs a reason from the documented list
    assert_eq!(
        refused_message(c.change_status(&ext, "canceled", None).await),
        sim::STATUS_NOT_ALLOWED
    );
    assert!(refused_message(
        c.change_status(&ext, "canceled", Some("changed_my_mind"))
            .await
    )
    .contains("cancellation_reason"));
    assert_eq!(sim.order(id).unwrap().status, "pending");

    c.change_status(&ext, "received", None).await.unwrap();
    assert_eq!(sim.order(id).unwrap().status, "received");
    c.change_status(&ext, "paid", None).await.unwrap();
    c.change_status(&ext, "canceled", Some("another: Немає кольору"))
        .await
        .unwrap();
    assert_eq!(
        sim.cancellation_reason(id),
        Some(("another".into(), Some("Немає кольору".into())))
    );
    let o = c.fetch_order(&ext).await.unwrap().unwrap();
    assert_eq!(o.status_class, StatusClass::Cancelled);
    assert_eq!(o.commission, None, "refunded on cancellation");

    // a final order takes no further change: HTTP 200 but not in processed_ids
    let err = c.change_status(&ext, "received", None).await.unwrap_err();
    assert!(
        matches!(&err, PlatformError::Refused { code: Some(c), .. } if c == "not_processed"),
        "{err:?}"
    );
    assert_eq!(sim.order(id).unwrap().status, "canceled");

    let done = sim
        .add_order(order_of(10, &[(1, 1)], "nova_poshta"))
        .unwrap();
    c.change_status(&done.to_string(), "delivered", None)
        .await
        .unwrap();
    assert!(c
        .change_status(&done.to_string(), "paid", None)
        .await
        .is_err());
    // asking again for the status it has is not a change
    c.change_status(&done.to_string(), "delivered", None)
        .await
        .unwrap();
    assert_eq!(
        c.fetch_order(&done.to_string())
            .await
            .unwrap()
            .unwrap()
            .status_class,
        StatusClass::Completed
    );
    // an unknown order is simply not processed
    assert!(c.change_status("1", "received", None).await.is_err());
    let reasons: Vec<String> = sim
        .pushed()
        .iter()
        .filter_map(|p| {
            p.body
                .get("cancellation_reason")
                .and_then(Value::as_str)
                .map(String::from)
        })
        .collect();
    assert_eq!(reasons, vec!["changed_my_mind", "another"]);
    sim.server.stop().await;
}

// covers: TRK-1, TRK-2, TRK-4
#[tokio::test]
async fn tracking_numbers_and_the_ukrposhta_rule() {
    let sim = start(SimOptions::default());
    let c = client(&sim, json!({"default_delivery_type": "meest"}));
    let np = sim
        .add_order(order_of(11, &[(0, 1)], "nova_poshta"))
        .unwrap();
    c.set_tracking_number(&np.to_string(), "20450000000001")
        .await
        .unwrap();
    let o = c.fetch_order(&np.to_string()).await.unwrap().unwrap();
    assert_eq!(o.tracking_number.as_deref(), Some("20450000000001"));

    let up = sim.add_order(order_of(12, &[(1, 1)], "ukrposhta")).unwrap();
    let message = refused_message(
        c.set_tracking_number(&up.to_string(), "0500012345678")
            .await,
    );
    assert_eq!(message, sim::UKRPOSHTA_NOT_AT_POST_OFFICE);
    assert_eq!(
        sim.order(up)
            .unwrap()
            .delivery_provider_data
            .unwrap()
            .declaration_number,
        None
    );
    sim.patch(
        up,
        OrderPatch {
            parcel_at_post_office: Some(true),
            ..Default::default()
        },
    )
    .unwrap();
    c.set_tracking_number(&up.to_string(), "0500012345678")
        .await
        .unwrap();
    assert_eq!(
        c.fetch_order(&up.to_string())
            .await
            .unwrap()
            .unwrap()
            .tracking_number
            .as_deref(),
        Some("0500012345678")
    );

    // no carrier on the order: the configured default delivery type
    let pickup = sim.add_order(order_of(13, &[(2, 1)], "pickup")).unwrap();
    c.set_tracking_number(&pickup.to_string(), "MEEST123456")
        .await
        .unwrap();
    let types: Vec<String> = sim
        .pushed()
        .iter()
        .filter_map(|p| {
            p.body
                .get("delivery_type")
                .and_then(Value::as_str)
                .map(String::from)
        })
        .collect();
    assert_eq!(
        types,
        vec!["nova_poshta", "ukrposhta", "ukrposhta", "meest"]
    );

    assert_eq!(
        c.set_tracking_number("999", "20450000000001").await,
        Err(PlatformError::NotFound)
    );
    assert!(
        refused_message(c.set_tracking_number(&np.to_string(), "bad number!").await)
            .contains("declaration_id")
    );
    sim.server.stop().await;
}

// covers: IMP-2, SYNC-1
#[tokio::test]
async fn online_paid_orders_leave_pending_by_themselves() {
    let sim = start(SimOptions {
        paid_after: std::time::Duration::from_millis(300),
        ..SimOptions::default()
    });
    let c = client(&sim, json!({}));
    let since = Utc::now() - Duration::seconds(1);
    let id = sim
        .add_order(NewOrder {
            online_payment: true,
            ..order_of(20, &[(5, 1)], "nova_poshta")
        })
        .unwrap();
    // created "now" rather than 600 minutes ago for this one
    let fresh = sim
        .add_order(NewOrder {
            online_payment: true,
            minutes_ago: 0,
            ..order_of(21, &[(6, 1)], "nova_poshta")
        })
        .unwrap();
    let first = c.orders_created_since(since).await.unwrap().orders;
    assert_eq!(ids(&first), vec![fresh.to_string()]);
    assert_eq!(first[0].source_status.as_deref(), Some("pending"));
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    // polling by date, not by status=pending, still sees it once it is paid
    let changed = c.orders_changed_since(since, since).await.unwrap().orders;
    let o = changed
        .iter()
        .find(|o| o.external_id == fresh.to_string())
        .expect("the paid order is seen as changed");
    assert_eq!(o.source_status.as_deref(), Some("paid"));
    assert_eq!(
        sim.order(fresh)
            .unwrap()
            .payment_data
            .unwrap()
            .status
            .as_deref(),
        Some("paid")
    );
    assert!(sim.order(id).is_some());
    sim.server.stop().await;
}

// covers: SYNC-4, IMP-3, DLV-1, EXP-1
#[tokio::test]
async fn fetch_order_maps_the_simulators_order() {
    let sim = start(SimOptions::default());
    let c = client(&sim, json!({}));
    let id = sim
        .add_order(order_of(33, &[(8, 1), (0, 2)], "nova_poshta"))
        .unwrap();
    let o = c.fetch_order(&id.to_string()).await.unwrap().unwrap();
    let person = crate::platforms::sim::FakeData::person(33);
    assert_eq!(o.external_id, id.to_string());
    let customer = o.customer.unwrap();
    assert_eq!(
        customer.first_name.as_deref(),
        Some(person.first_name.as_str())
    );
    assert_eq!(
        customer.phone.unwrap().as_str(),
        format!("+{}", person.phone_digits)
    );
    assert_eq!(customer.email.as_deref(), Some(person.email.as_str()));
    // 8999 + 2 × 1299
    assert_eq!(o.total, Decimal::new(11597, 0));
    assert_eq!(o.items[1].quantity, Decimal::new(2, 0));
    assert_eq!(o.items[1].price, Decimal::new(1299, 0));
    // 8% of each line
    assert_eq!(o.commission, Some(Decimal::new(92776, 2)));
    let d = o.delivery.unwrap();
    assert_eq!(d.carrier.as_deref(), Some("Нова Пошта"));
    assert!(d.address.unwrap().contains(&person.city));
    assert!(matches!(c.fetch_order("404").await, Ok(None)));
    assert!(c.fetch_order("not-a-number").await.is_err());
    sim.server.stop().await;
}

// covers: IMP-3
#[tokio::test]
async fn the_source_language_chooses_names() {
    let sim = start(SimOptions::default());
    let id = sim
        .add_order(order_of(40, &[(0, 1)], "nova_poshta"))
        .unwrap();
    let mut cfg = config(&sim, TOKEN, json!({"min_interval_ms": 0}));
    cfg.language = Some("ru".into());
    let ru = PromClient::new(cfg).unwrap();
    let o = ru.fetch_order(&id.to_string()).await.unwrap().unwrap();
    assert_eq!(o.items[0].name, "Чайник электрический Philips HD9350");
    let uk = client(&sim, json!({}));
    let o = uk.fetch_order(&id.to_string()).await.unwrap().unwrap();
    assert_eq!(o.items[0].name, "Чайник електричний Philips HD9350");
    sim.server.stop().await;
}

// covers: PUB-1, STK-1
#[tokio::test]
async fn publications_and_stock_push() {
    let sim = start(SimOptions::default());
    let c = client(&sim, json!({"page_size": 5, "edit_batch_size": 2}));
    let pubs = c.list_publications().await.unwrap();
    // 12 goods on display; the deleted listing is not a publication
    assert_eq!(pubs.len(), crate::platforms::sim::PRODUCTS.len());
    let kettle = pubs
        .iter()
        .find(|p| p.sku.as_deref() == Some("PH-HD9350"))
        .unwrap();
    assert_eq!(kettle.price, Some(Decimal::new(1299, 0)));
    assert_eq!(kettle.currency.as_deref(), Some("UAH"));
    assert_eq!(kettle.state.as_deref(), Some("on_display"));
    assert_eq!(kettle.stock, Some(10));
    // PUB-1: one listing by its id, as the listing shows it; a deleted or unknown one is none
    let deleted = (sim::FIRST_PRODUCT_ID - 1).to_string();
    assert!(!pubs.iter().any(|p| p.external_id == deleted));
    reads_one_by_one(&c, &[kettle], &[&deleted, "999999999", "not-an-id"]).await;

    let blender = pubs
        .iter()
        .find(|p| p.sku.as_deref() == Some("BO-MSM66110"))
        .unwrap();
    let updates = vec![
        StockUpdate {
            external_id: kettle.external_id.clone(),
            sku: kettle.sku.clone(),
            quantity: 0,
            price: None,
        },
        StockUpdate {
            external_id: blender.external_id.clone(),
            sku: blender.sku.clone(),
            quantity: 7,
            price: Some(Decimal::new(159950, 2)),
        },
        StockUpdate {
            external_id: pubs[3].external_id.clone(),
            sku: None,
            quantity: 4,
            price: None,
        },
    ];
    c.push_stock(&updates).await.unwrap();
    let kettle_id: i64 = kettle.external_id.parse().unwrap();
    let blender_id: i64 = blender.external_id.parse().unwrap();
    assert_eq!(
        sim.product_stock(kettle_id),
        Some(("not_available".into(), Some(0)))
    );
    assert_eq!(
        sim.product_stock(blender_id),
        Some(("available".into(), Some(7)))
    );
    assert_eq!(
        sim.pushed()
            .iter()
            .filter(|p| p.endpoint == "/products/edit")
            .count(),
        2,
        "three items in batches of two"
    );
    let after = c.list_publications().await.unwrap();
    let blender = after
        .iter()
        .find(|p| p.external_id == blender.external_id)
        .unwrap();
    assert_eq!(blender.price, Some(Decimal::new(15995, 1)));

    // a listing Prom does not know (or deleted) is named in the refusal
    let refused = c
        .push_stock(&[StockUpdate {
            external_id: "1".into(),
            sku: None,
            quantity: 1,
            price: None,
        }])
        .await
        .unwrap();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].external_id, "1");
    assert!(
        refused[0].message.contains("Product not found"),
        "{refused:?}"
    );
    sim.server.stop().await;
}

// The simulator itself: raw HTTP against its platform and control routes.
#[tokio::test]
async fn simulator_routes_answer_like_prom() {
    let sim = start(SimOptions {
        page_size: 10,
        ..SimOptions::default()
    });
    let http = reqwest::Client::new();
    let base = sim.server.base_url();
    let seeded: Value = http
        .post(format!("{base}/_sim/seed"))
        .json(&json!({"count": 15, "days": 10}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(seeded["ids"].as_array().unwrap().len(), 15);
    let created: Value = http
        .post(format!("{base}/_sim/orders"))
        .json(&json!({"buyer": 3, "items": [{"product": 1, "quantity": 2}], "status": "received"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_i64().unwrap();
    let patched = http
        .patch(format!("{base}/_sim/orders/{id}"))
        .json(&json!({"tracking_number": "20450000099999"}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 204);
    let missing = http
        .patch(format!("{base}/_sim/orders/1"))
        .json(&json!({"cancel": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    // no token: 401 {"error": "Unauthorized"}
    let r = http
        .get(format!("{base}/api/v1/orders/list"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"error": "Unauthorized"})
    );

    // limit is capped, newest first, at /api/v1 and at the root alike
    for prefix in ["/api/v1", ""] {
        let page: Value = http
            .get(format!("{base}{prefix}/orders/list?limit=500"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let orders = page["orders"].as_array().unwrap();
        assert_eq!(orders.len(), 10);
        assert_eq!(orders[0]["id"].as_i64(), Some(id));
        let ids: Vec<i64> = orders.iter().map(|o| o["id"].as_i64().unwrap()).collect();
        assert!(ids.windows(2).all(|w| w[0] > w[1]));
        assert_eq!(
            page.as_object().unwrap().len(),
            1,
            "body is {{\"orders\": …}} only"
        );
    }
    // last_id is "not higher than"
    let page: Value = http
        .get(format!("{base}/api/v1/orders/list?limit=2&last_id={id}"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["orders"][0]["id"].as_i64(), Some(id));

    let one: Value = http
        .get(format!("{base}/api/v1/orders/{id}"))
        .bearer_auth(TOKEN)
        .header("X-LANGUAGE", "ru")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one["order"]["status_name"], "Принят");
    assert_eq!(
        one["order"]["delivery_provider_data"]["declaration_number"],
        "20450000099999"
    );
    let r = http
        .get(format!("{base}/api/v1/orders/1"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // refusals come with HTTP 200
    let r = http
        .post(format!("{base}/api/v1/orders/set_status"))
        .bearer_auth(TOKEN)
        .json(&json!({"ids": [id], "status": "pending"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"error": sim::STATUS_NOT_ALLOWED})
    );
    let r: Value = http
        .post(format!("{base}/api/v1/orders/set_status"))
        .bearer_auth(TOKEN)
        .json(&json!({"ids": [id, 1], "status": "canceled", "cancellation_reason": "duplicate"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["processed_ids"], json!([id]));
    assert!(r["warning_message"].is_string());

    let stored: Value = http
        .get(format!("{base}/_sim/orders/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stored["order"]["status"], "canceled");
    assert_eq!(stored["cancellation_reason"], "duplicate");
    assert_eq!(stored["pushed"].as_array().unwrap().len(), 2);

    let r = http
        .post(format!("{base}/api/v1/products/edit"))
        .bearer_auth(TOKEN)
        .json(&json!({"id": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "the body must be an array");

    http.post(format!("{base}/_sim/revoke"))
        .send()
        .await
        .unwrap();
    let r = http
        .get(format!("{base}/api/v1/products/list"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    http.post(format!("{base}/_sim/restore"))
        .send()
        .await
        .unwrap();
    let r = http
        .get(format!("{base}/api/v1/products/list"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let products: Value = http
        .get(format!("{base}/_sim/products"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(products["products"].as_array().unwrap().len(), 13);
    sim.server.stop().await;
}

// covers: IMP-1, IMP-4 — ASSUMPTION 3: whatever zone Prom reads the filter dates in, the default
// UTC reading only asks for more, and the client cuts the answer at the asked instant.
#[tokio::test]
async fn filter_time_zones_never_lose_orders() {
    for (sim_kyiv, client_zone) in [(false, "utc"), (true, "utc"), (true, "kyiv")] {
        let sim = start(SimOptions {
            filter_dates_kyiv: sim_kyiv,
            ..SimOptions::default()
        });
        sim.seed(230, 50);
        let from = (Utc::now() - Duration::days(20)).trunc_subsecs(0);
        // page_size above Prom's cap of 100 is clamped, so the default cap still pages right
        let c = client(
            &sim,
            json!({"filter_time_zone": client_zone, "page_size": 500}),
        );
        let got = c.orders_created_since(from).await.unwrap().orders;
        let mut expected: Vec<String> = sim
            .orders()
            .iter()
            .filter(|o| created(o) >= from)
            .map(|o| o.id.to_string())
            .collect();
        expected.sort();
        assert!(expected.len() > 50);
        assert_eq!(
            ids(&got),
            expected,
            "sim kyiv {sim_kyiv}, client {client_zone}"
        );
        sim.server.stop().await;
    }
}

// covers: SRC-6 — a token without the products right is a credentials problem too
#[tokio::test]
async fn missing_rights_and_pacing() {
    let sim = start(SimOptions {
        products_right: false,
        ..SimOptions::default()
    });
    let c = client(&sim, json!({"min_interval_ms": 150}));
    assert_eq!(
        c.list_publications().await.unwrap_err(),
        PlatformError::Unauthorized(sim::PRODUCTS_FORBIDDEN.into())
    );
    // orders still work; three requests keep at least two gaps of 150 ms between them
    let started = std::time::Instant::now();
    for _ in 0..3 {
        c.authorize().await.unwrap();
    }
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    sim.server.stop().await;
}

// Many accounts on one simulator (issue 15, the fleet benchmark's simulator): each token sees its
// own account's orders only, the default token its own, and a wrong token is refused as before.
#[tokio::test]
async fn each_account_sees_only_its_own_orders() {
    let sim = sim::start_accounts(0, SimOptions::default(), 3, 4).expect("simulator starts");
    sim.seed(2, 10);
    let http = reqwest::Client::new();
    let base = sim.api_url();
    let list = |token: &'static str| {
        let http = http.clone();
        let url = format!("{base}/orders/list");
        async move {
            let r = http.get(url).bearer_auth(token).send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap())
        }
    };
    let ids_of = |v: &Value| -> HashSet<i64> {
        v["orders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(sim::account_token(TOKEN, 2), "prom-sim-token-2");
    let (s1, one) = list("prom-sim-token-1").await;
    let (s2, two) = list("prom-sim-token-2").await;
    let (s0, default) = list(TOKEN).await;
    assert_eq!((s0, s1, s2), (200, 200, 200));
    let (one, two, default) = (ids_of(&one), ids_of(&two), ids_of(&default));
    assert_eq!((one.len(), two.len(), default.len()), (4, 4, 2));
    assert!(one.is_disjoint(&two), "{one:?} {two:?}");
    assert!(one.is_disjoint(&default) && two.is_disjoint(&default));
    // an order of account 1 is not found with account 2's token
    let of_one = *one.iter().next().unwrap();
    let r = http
        .get(format!("{base}/orders/{of_one}"))
        .bearer_auth("prom-sim-token-2")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = http
        .get(format!("{base}/orders/{of_one}"))
        .bearer_auth("prom-sim-token-1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // the client reads account 2's orders with its token, and only them
    let c = PromClient::new(config(
        &sim,
        "prom-sim-token-2",
        json!({"min_interval_ms": 0}),
    ))
    .unwrap();
    c.authorize().await.unwrap();
    let read: HashSet<i64> = c
        .orders_created_since(Utc::now() - Duration::days(40))
        .await
        .unwrap()
        .orders
        .iter()
        .map(|o| o.external_id.parse().unwrap())
        .collect();
    assert_eq!(read, two);
    // a wrong token (or one past the last account) is refused as before
    for token in ["wrong-token", "prom-sim-token-4"] {
        let (status, body) = list(token).await;
        assert_eq!((status, body), (401, json!({"error": "Unauthorized"})));
        let bad = PromClient::new(config(&sim, token, json!({"min_interval_ms": 0}))).unwrap();
        assert_eq!(
            bad.authorize().await,
            Err(PlatformError::Unauthorized("Unauthorized".into()))
        );
    }
    sim.server.stop().await;
}
