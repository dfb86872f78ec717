//! The Epicentr client against the running simulator over real HTTP on 127.0.0.1.

use super::client::EpicentrClient;
use super::sim::{self, NewItem, NewOrder, SimEdit, SimOptions, TtnRecipient};
use crate::domain::credentials::Credentials;
use crate::domain::orders::StatusClass;
use crate::domain::{Platform, SourceId};
use crate::platforms::http::HttpPolicy;
use crate::platforms::sim::{FakeData, Fault};
use crate::platforms::{PlatformClient, PlatformError, SourceConfig, StockUpdate};
use chrono::{Duration, Utc};
use rust_decimal::Decimal;
use serde_json::json;
use std::collections::HashSet;

fn config(base_url: &str, token: &str, settings: serde_json::Value) -> SourceConfig {
    let mut all = json!({ "min_interval_ms": 0, "page_size": 20, "offers_poll_interval_ms": 10 });
    if let (Some(a), Some(extra)) = (all.as_object_mut(), settings.as_object()) {
        for (k, v) in extra {
            a.insert(k.clone(), v.clone());
        }
    }
    SourceConfig {
        source_id: SourceId(7),
        platform: Platform::Epicentr,
        base_url: base_url.into(),
        credentials: Credentials {
            token: Some(token.into()),
            ..Default::default()
        },
        language: None,
        settings: all,
        http: HttpPolicy::fast(),
    }
}

fn client(sim: &sim::Sim) -> EpicentrClient {
    client_with(sim, json!({}))
}

fn client_with(sim: &sim::Sim, settings: serde_json::Value) -> EpicentrClient {
    EpicentrClient::new(config(&sim.base_url(), sim.token(), settings)).unwrap()
}

fn start() -> sim::Sim {
    sim::start(0, SimOptions::default()).unwrap()
}

fn add(sim: &sim::Sim, buyer: u64, status: &str, provider: &str) -> String {
    sim.state
        .add_order(&NewOrder {
            buyer,
            items: vec![NewItem {
                product: 0,
                quantity: 1,
            }],
            status: Some(status.into()),
            provider: Some(provider.into()),
            ..Default::default()
        })
        .unwrap()
        .order
        .id
}

fn class_of(code: &str) -> StatusClass {
    match code {
        "completed" | "closed" => StatusClass::Completed,
        "canceled" | "canceled_by_merchant" | "returned" => StatusClass::Cancelled,
        _ => StatusClass::Processing,
    }
}

fn refused_with(result: Result<(), PlatformError>, want: &str) {
    match result {
        Err(PlatformError::Refused { message, .. }) => assert_eq!(message, want),
        other => panic!("expected a refusal `{want}`, got {other:?}"),
    }
}

// covers: SRC-2
#[tokio::test]
async fn authorize_accepts_the_token_and_names_the_refusal() {
    let sim = start();
    client(&sim).authorize().await.unwrap();

    let wrong = EpicentrClient::new(config(&sim.base_url(), "not-the-token", json!({}))).unwrap();
    assert_eq!(
        wrong.authorize().await,
        Err(PlatformError::Unauthorized(sim::MSG_UNAUTHORIZED.into()))
    );

    let mut no_token = config(&sim.base_url(), "", json!({}));
    no_token.credentials.token = None;
    assert!(matches!(
        EpicentrClient::new(no_token),
        Err(PlatformError::Unauthorized(_))
    ));
}

// covers: IMP-1, IMP-3, IMP-4, ST-1, CUS-1, DLV-1
#[tokio::test]
async fn backfill_reads_every_page_of_the_window_with_final_orders_classified() {
    let sim = start();
    sim.state.seed(150, 90);
    let from = Utc::now() - Duration::days(60);
    let got = client(&sim)
        .orders_created_since(from)
        .await
        .unwrap()
        .orders;

    let stored = sim.state.orders();
    let want: Vec<_> = stored.iter().filter(|o| o.created >= from).collect();
    assert!(
        want.len() < stored.len(),
        "the seed must reach past the window"
    );
    assert!(want.len() > 40, "several pages of 20: {}", want.len());
    let ids: HashSet<_> = got.iter().map(|o| o.external_id.clone()).collect();
    assert_eq!(ids.len(), got.len(), "no order twice");
    let want_ids: HashSet<_> = want.iter().map(|o| o.order.id.clone()).collect();
    assert_eq!(ids, want_ids);

    let mut classes = HashSet::new();
    for o in &got {
        let s = want.iter().find(|w| w.order.id == o.external_id).unwrap();
        assert_eq!(
            o.source_status.as_deref(),
            Some(s.order.status_code.as_str())
        );
        assert_eq!(
            o.status_class,
            class_of(&s.order.status_code),
            "{}",
            o.external_id
        );
        assert_eq!(o.number, s.order.number.clone().unwrap());
        assert_eq!(o.currency, "UAH");
        assert_eq!(
            o.total,
            o.items
                .iter()
                .map(|i| i.price * i.quantity)
                .sum::<Decimal>()
        );
        classes.insert(format!("{:?}", o.status_class));
        // contacts only once the merchant accepted the order (ASSUMPTION 2)
        if s.order.status_code == "new" {
            assert!(o.customer.is_none());
        } else {
            let c = o.customer.as_ref().unwrap();
            assert!(c.phone.as_ref().unwrap().as_str().starts_with("+380"));
            assert!(c.email.as_ref().unwrap().ends_with("@example.com"));
        }
        // the detail was read: the city comes from `settlement`, which summaries lack
        let city = s.order.settlement.as_ref().unwrap().title.clone().unwrap();
        assert!(o
            .delivery
            .as_ref()
            .unwrap()
            .address
            .as_ref()
            .unwrap()
            .contains(&city));
    }
    assert_eq!(
        classes.len(),
        3,
        "processing, completed and cancelled: {classes:?}"
    );
}

// covers: SYNC-1, SYNC-2, SYNC-3, TRK-4, ST-2
#[tokio::test]
async fn changed_since_reads_the_changed_orders_and_sees_every_kind_of_edit() {
    let sim = start();
    sim.state.seed(40, 90);
    let a = add(&sim, 1, "confirmed", "nova_poshta");
    let b = add(&sim, 2, "new", "nova_poshta");
    let c = add(&sim, 3, "confirmed", "nova_poshta");
    let d = add(&sim, 4, "sent", "nova_poshta");
    let e = sim
        .state
        .add_order(&NewOrder {
            buyer: 5,
            items: vec![
                NewItem {
                    product: 1,
                    quantity: 1,
                },
                NewItem {
                    product: 2,
                    quantity: 1,
                },
            ],
            status: Some("confirmed_by_merchant".into()),
            ..Default::default()
        })
        .unwrap()
        .order
        .id;
    let since = Utc::now() - Duration::seconds(2);
    let edit = |id: &str, body: serde_json::Value| {
        let e: SimEdit = serde_json::from_value(body).unwrap();
        sim.state.edit(id, &e).unwrap();
    };
    edit(&a, json!({"add_item": {"product": 3, "quantity": 1}}));
    let line0 = sim.state.order(&a).unwrap().order.items[0]
        .offer_id
        .clone()
        .unwrap();
    edit(&a, json!({"set_quantity": {"line": line0, "quantity": 5}}));
    edit(&b, json!({"status": "confirmed_by_merchant"}));
    edit(&c, json!({"tracking_number": "20450000000001"}));
    edit(&d, json!({"cancel": true}));
    let line_e = sim.state.order(&e).unwrap().order.items[1]
        .offer_id
        .clone()
        .unwrap();
    edit(&e, json!({"remove_line": line_e}));

    let window_from = Utc::now() - Duration::days(60);
    let got = client(&sim)
        .orders_changed_since(since, window_from)
        .await
        .unwrap()
        .orders;
    let ids: Vec<_> = got.iter().map(|o| o.external_id.clone()).collect();
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        ids.len(),
        "no order twice"
    );

    // exactly the orders changed since `since`, open or final (issue 15: the seeded open orders
    // that did not change are not read again)
    let want: HashSet<String> = [&a, &b, &c, &d, &e].into_iter().cloned().collect();
    assert_eq!(ids.iter().cloned().collect::<HashSet<_>>(), want);
    assert!(sim.state.orders().iter().any(|o| o.created >= window_from
        && class_of(&o.order.status_code) == StatusClass::Processing
        && !want.contains(&o.order.id)));

    let by_id = |id: &str| got.iter().find(|o| o.external_id == id).unwrap();
    let oa = by_id(&a);
    assert_eq!(oa.items.len(), 2);
    assert_eq!(oa.items[0].quantity, Decimal::from(5));
    assert_eq!(oa.total, Decimal::from(5 * 1299 + 899));
    let ob = by_id(&b);
    assert_eq!(ob.source_status.as_deref(), Some("confirmed_by_merchant"));
    assert!(ob.customer.is_some(), "contacts revealed after acceptance");
    assert_eq!(by_id(&c).tracking_number.as_deref(), Some("20450000000001"));
    let od = by_id(&d);
    assert_eq!(od.status_class, StatusClass::Cancelled);
    assert_eq!(od.source_status.as_deref(), Some("canceled"));
    assert_eq!(by_id(&e).items.len(), 1);
    assert!(by_id(&e).updated_at.unwrap() >= since - Duration::seconds(1));
}

// covers: IMP-4
#[tokio::test]
async fn every_fault_is_retried_and_the_result_stays_complete() {
    let sim = start();
    sim.state.seed(60, 60);
    let c = client(&sim);
    let from = Utc::now() - Duration::days(60);
    let reference: Vec<String> = c
        .orders_created_since(from)
        .await
        .unwrap()
        .orders
        .into_iter()
        .map(|o| o.external_id)
        .collect();
    assert_eq!(reference.len(), 60);
    for fault in [
        Fault::RateLimit { retry_after: 1 },
        Fault::ServerError { status: 500 },
        Fault::ServerError { status: 502 },
        Fault::ServerError { status: 503 },
        Fault::Timeout { seconds: 3 },
        Fault::TruncatedJson,
    ] {
        sim.inject(fault.clone(), 2);
        let got: Vec<String> = c
            .orders_created_since(from)
            .await
            .unwrap_or_else(|e| panic!("{fault:?}: {e}"))
            .orders
            .into_iter()
            .map(|o| o.external_id)
            .collect();
        assert_eq!(got, reference, "{fault:?}");
    }
    // a platform that stays down is reported as transient, for a later retry
    sim.inject(Fault::ServerError { status: 503 }, 10);
    let err = c.orders_created_since(from).await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    sim.faults.clear();
    sim.inject(Fault::TruncatedJson, 10);
    let err = c.fetch_order(&reference[0]).await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    sim.faults.clear();
    assert!(c.fetch_order(&reference[0]).await.unwrap().is_some());
}

// covers: SRC-6
#[tokio::test]
async fn a_revoked_token_is_unauthorized_until_restored() {
    let sim = start();
    sim.state.seed(5, 10);
    let c = client(&sim);
    sim.state.revoke();
    let from = Utc::now() - Duration::days(60);
    assert_eq!(
        c.orders_created_since(from).await.unwrap_err(),
        PlatformError::Unauthorized(sim::MSG_UNAUTHORIZED.into())
    );
    assert!(!PlatformError::Unauthorized(String::new()).is_transient());
    sim.state.restore();
    assert_eq!(c.orders_created_since(from).await.unwrap().orders.len(), 5);
}

// covers: SYNC-4
#[tokio::test]
async fn fetch_order_reads_one_order_or_none() {
    let sim = start();
    let id = add(&sim, 11, "confirmed", "nova_poshta");
    let c = client(&sim);
    let o = c.fetch_order(&id).await.unwrap().unwrap();
    assert_eq!(o.external_id, id);
    assert_eq!(
        o.number,
        sim.state.order(&id).unwrap().order.number.unwrap()
    );
    assert_eq!(
        o.customer.unwrap().phone.unwrap().as_str(),
        format!("+{}", FakeData::person(11).phone_digits)
    );
    assert!(c
        .fetch_order("00000000-0000-4000-8000-000000000000")
        .await
        .unwrap()
        .is_none());
}

// covers: ST-4, ST-5
#[tokio::test]
async fn status_changes_follow_the_platform_graph() {
    let sim = start();
    let c = client(&sim);
    let id = add(&sim, 20, "new", "nova_poshta");
    assert_eq!(
        c.allowed_next_statuses(&id).await.unwrap(),
        Some(vec![
            "confirmed_by_merchant".to_string(),
            "canceled_by_merchant".into()
        ])
    );
    // a jump along the main line is walked one step at a time (skipping is forbidden)
    c.change_status(&id, "confirmed", None).await.unwrap();
    let stored = sim.state.order(&id).unwrap();
    assert_eq!(stored.order.status_code, "confirmed");
    assert_eq!(
        stored.pushed,
        vec![
            sim::Pushed::Status {
                from: "new".into(),
                to: "confirmed_by_merchant".into(),
                reason_code: None,
                comment: None
            },
            sim::Pushed::Status {
                from: "confirmed_by_merchant".into(),
                to: "confirmed".into(),
                reason_code: None,
                comment: None
            },
        ]
    );
    // already there: nothing is sent again (a retried change)
    c.change_status(&id, "confirmed", None).await.unwrap();
    assert_eq!(sim.state.order(&id).unwrap().pushed.len(), 2);
    // `sent` needs a TTN first
    assert_eq!(
        c.allowed_next_statuses(&id).await.unwrap(),
        Some(vec!["canceled".to_string()])
    );
    refused_with(
        c.change_status(&id, "sent", None).await,
        &sim::msg_transition("confirmed", "sent"),
    );
    // cancellation reasons: unknown refused, none given → the configured default
    refused_with(
        c.change_status(&id, "canceled", Some("because")).await,
        &sim::msg_unknown_reason("because"),
    );
    c.change_status(&id, "canceled", None).await.unwrap();
    let stored = sim.state.order(&id).unwrap();
    assert_eq!(stored.order.status_code, "canceled");
    assert_eq!(
        stored.order.cancel.unwrap().reason_code.as_deref(),
        Some("customer_other_reason")
    );
    refused_with(
        c.change_status(&id, "confirmed", None).await,
        &sim::msg_transition("canceled", "confirmed"),
    );
    let fetched = c.fetch_order(&id).await.unwrap().unwrap();
    assert_eq!(fetched.status_class, StatusClass::Cancelled);

    let other = add(&sim, 21, "new", "nova_poshta");
    c.change_status(
        &other,
        "canceled_by_merchant",
        Some("customer_order_duplicate"),
    )
    .await
    .unwrap();
    assert_eq!(
        sim.state.order(&other).unwrap().pushed,
        vec![sim::Pushed::Status {
            from: "new".into(),
            to: "canceled_by_merchant".into(),
            reason_code: Some("customer_order_duplicate".into()),
            comment: None
        }]
    );
    assert_eq!(
        c.change_status("00000000-0000-4000-8000-000000000000", "confirmed", None)
            .await,
        Err(PlatformError::NotFound)
    );
}

// covers: TRK-1, TRK-2, TRK-3, TRK-4
#[tokio::test]
async fn tracking_numbers_only_in_confirmed_and_only_for_the_right_recipient() {
    let sim = start();
    let c = client(&sim);
    let buyer = FakeData::person(30);
    let stranger = FakeData::person(31);
    assert_ne!(buyer.phone_digits, stranger.phone_digits);

    let new_order = add(&sim, 30, "new", "nova_poshta");
    refused_with(
        c.set_tracking_number(&new_order, "20450000000011").await,
        sim::MSG_TTN_STATE,
    );

    let id = add(&sim, 30, "confirmed", "nova_poshta");
    refused_with(c.set_tracking_number(&id, "123").await, sim::MSG_TTN_FORMAT);
    sim.state.register_ttn(TtnRecipient {
        number: "20450000000022".into(),
        phone: Some(stranger.phone_digits.clone()),
        last_name: None,
    });
    let err = c
        .set_tracking_number(&id, "20450000000022")
        .await
        .unwrap_err();
    assert_eq!(
        err,
        PlatformError::Refused {
            code: Some("422".into()),
            message: sim::MSG_TTN_RECIPIENT.into()
        }
    );
    assert!(!err.is_transient(), "TRK-3: not retried forever");
    assert!(sim.state.order(&id).unwrap().pushed.is_empty());

    sim.state.register_ttn(TtnRecipient {
        number: "20450000000033".into(),
        phone: Some(format!("+{}", buyer.phone_digits)),
        last_name: None,
    });
    c.set_tracking_number(&id, "20450000000033").await.unwrap();
    let stored = sim.state.order(&id).unwrap();
    assert_eq!(
        stored.order.status_code, "sent",
        "the note's recipe: then `sent`"
    );
    assert_eq!(
        stored.pushed,
        vec![
            sim::Pushed::ShipmentNumber {
                number: "20450000000033".into()
            },
            sim::Pushed::Status {
                from: "confirmed".into(),
                to: "sent".into(),
                reason_code: None,
                comment: None
            }
        ]
    );
    // TRK-4: the number comes back with the order
    let fetched = c.fetch_order(&id).await.unwrap().unwrap();
    assert_eq!(fetched.tracking_number.as_deref(), Some("20450000000033"));

    // the parcel goes to a recipient other than the buyer: the recipient must match
    let for_friend = sim
        .state
        .add_order(&NewOrder {
            buyer: 32,
            items: vec![NewItem {
                product: 4,
                quantity: 1,
            }],
            status: Some("confirmed".into()),
            provider: Some("nova_poshta".into()),
            recipient: Some(33),
            ..Default::default()
        })
        .unwrap()
        .order
        .id;
    sim.state.register_ttn(TtnRecipient {
        number: "20450000000044".into(),
        phone: None,
        last_name: Some(FakeData::person(33).last_name),
    });
    let stay = client_with(&sim, json!({"sent_after_tracking": false}));
    stay.set_tracking_number(&for_friend, "20450000000044")
        .await
        .unwrap();
    assert_eq!(
        sim.state.order(&for_friend).unwrap().order.status_code,
        "confirmed"
    );

    // Ukrposhta barcodes are not Nova Poshta TTNs
    let ukr = add(&sim, 34, "confirmed", "ukrposhta");
    c.set_tracking_number(&ukr, "0500123456789").await.unwrap();
}

// covers: PUB-1, STK-1
#[tokio::test]
async fn publications_are_paged_and_stock_is_pushed_as_availability() {
    let sim = start();
    let c = client_with(&sim, json!({"page_size": 5}));
    let pubs = c.list_publications().await.unwrap();
    assert_eq!(pubs.len(), crate::platforms::sim::PRODUCTS.len());
    assert_eq!(
        pubs.iter()
            .map(|p| &p.external_id)
            .collect::<HashSet<_>>()
            .len(),
        pubs.len()
    );
    assert!(pubs.iter().all(|p| p.state.as_deref() == Some("in_stock")));

    c.push_stock(&[
        StockUpdate {
            external_id: "700107".into(),
            sku: Some("XM-SB8".into()),
            quantity: 0,
            price: None,
        },
        StockUpdate {
            external_id: "700100".into(),
            sku: Some("PH-HD9350".into()),
            quantity: 3,
            price: Some(Decimal::new(124950, 2)),
        },
    ])
    .await
    .unwrap();
    let listings = sim.state.listings();
    let by_sku = |s: &str| {
        listings
            .iter()
            .find(|l| l.sku.as_deref() == Some(s))
            .unwrap()
            .clone()
    };
    assert_eq!(
        by_sku("XM-SB8").availability.as_deref(),
        Some("not_available")
    );
    assert_eq!(
        by_sku("PH-HD9350").price.unwrap().value(),
        Decimal::new(124950, 2)
    );
    assert_eq!(sim.state.pushed_offers().len(), 2);

    let refused = c
        .push_stock(&[
            StockUpdate {
                external_id: "x".into(),
                sku: Some("TF-ING28".into()),
                quantity: 1,
                price: Some(Decimal::from(-5)),
            },
            StockUpdate {
                external_id: "no-such".into(),
                sku: None,
                quantity: 1,
                price: None,
            },
        ])
        .await
        .unwrap();
    assert_eq!(refused.len(), 2, "{refused:?}");
    let forbidden = refused.iter().find(|r| r.external_id == "x").unwrap();
    assert_eq!(forbidden.code.as_deref(), Some("forbidden"));
    assert!(
        forbidden.message.contains("TF-ING28 forbidden")
            && forbidden.message.contains("validation.positive"),
        "{forbidden:?}"
    );
    let skipped = refused.iter().find(|r| r.external_id == "no-such").unwrap();
    assert!(skipped.message.contains("no-such skipped"), "{skipped:?}");
}

// covers: IMP-3
#[tokio::test]
async fn the_simulator_speaks_the_platforms_rules_over_http() {
    let sim = start();
    let http = reqwest::Client::new();
    let base = sim.base_url();
    let auth = format!("Bearer {}", sim.token());

    // control API: add, edit, read back
    let created: serde_json::Value = http
        .post(format!("{base}/_sim/orders"))
        .json(&json!({"buyer": 3, "items": [{"product": 2, "quantity": 2}], "status": "new"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["order"]["id"].as_str().unwrap().to_string();
    let number = created["order"]["number"].as_str().unwrap().to_string();
    let seeded: serde_json::Value = http
        .post(format!("{base}/_sim/seed"))
        .json(&json!({"count": 3, "days": 5}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(seeded["created"].as_array().unwrap().len(), 3);
    let r = http
        .patch(format!("{base}/_sim/orders/{number}"))
        .json(&json!({"add_item": {"product": 5, "quantity": 1}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let back: serde_json::Value = http
        .get(format!("{base}/_sim/orders/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(back["order"]["items"].as_array().unwrap().len(), 2);
    assert_eq!(back["order"]["subtotal"], json!(2 * 1499 + 1890));
    assert_eq!(
        back["order"]["address"]["phone"],
        json!(FakeData::person(3).phone_digits)
    );

    // the list: summaries, contacts hidden while new, filters, limit bound
    let page: serde_json::Value = http
        .get(format!(
            "{base}/v3/oms/orders?limit=10&sort[]=-createdAt&filter[number]={number}"
        ))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert!(items[0]["address"]["phone"].is_null());
    assert!(items[0]["settlement"].is_null());
    assert!(items[0]["address"]["shipment"].is_object());
    assert!(page["next"].is_null());
    let r = http
        .get(format!("{base}/v3/oms/orders?limit=101"))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let page: serde_json::Value = http
        .get(format!(
            "{base}/v3/oms/orders?filter%5BstatusCode%5D%5B%5D=new&filter%5BstatusCode%5D%5B%5D=nothing"
        ))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(page["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["statusCode"] == "new"));

    // detail carries settlement/office; a cancellation without a reason is refused
    let detail: serde_json::Value = http
        .get(format!("{base}/v5/oms/orders/{id}"))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(detail["settlement"]["title"].is_string());
    let r = http
        .post(format!(
            "{base}/v2/oms/orders/{id}/change-status/to/canceled_by_merchant"
        ))
        .header("Authorization", &auth)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["message"], sim::MSG_REASON_REQUIRED);
    let reasons: serde_json::Value = http
        .get(format!("{base}/v2/oms/order-cancel-reasons/customer"))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(reasons["items"].as_array().unwrap().len() >= 9);

    // unknown route and missing token
    let r = http.get(format!("{base}/v9/nothing")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["message"], sim::MSG_NO_ROUTE);
    let r = http
        .get(format!("{base}/v5/oms/orders/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn the_background_moves_parcels_on() {
    let sim = start();
    let sent = add(&sim, 40, "sent", "nova_poshta");
    let delivered = add(&sim, 41, "delivered", "nova_poshta");
    sim.state.advance(Duration::zero());
    assert_eq!(
        sim.state.order(&sent).unwrap().order.status_code,
        "delivered"
    );
    let d = sim.state.order(&delivered).unwrap().order.status_code;
    assert!(d == "completed" || d == "returned", "{d}");
}

/// `n` open orders created a day ago and more (long before any re-sync's `since`).
fn open_orders(sim: &sim::Sim, n: u64) -> Vec<String> {
    (0..n)
        .map(|i| {
            sim.state
                .add_order(&NewOrder {
                    buyer: i,
                    items: vec![NewItem {
                        product: (i % 5) as usize,
                        quantity: 1,
                    }],
                    status: Some(
                        ["new", "confirmed_by_merchant", "confirmed"][(i % 3) as usize].into(),
                    ),
                    created_secs_ago: Some(86_400 + i as i64 * 60),
                    ..Default::default()
                })
                .unwrap()
                .order
                .id
        })
        .collect()
}

const DETAIL: &str = "GET /v5/oms/orders/";

// covers: SYNC-1, SYNC-2, ST-2 (issue 15: a re-sync reads the details of what changed only)
#[tokio::test]
async fn a_resync_of_100_open_orders_with_3_changed_reads_3_details() {
    let sim = start();
    let ids = open_orders(&sim, 100);
    let c = client_with(&sim, json!({"page_size": 100}));
    let since = Utc::now() - Duration::seconds(2);
    let window_from = Utc::now() - Duration::days(60);
    let edit = |id: &str, body: serde_json::Value| {
        let e: SimEdit = serde_json::from_value(body).unwrap();
        sim.state.edit(id, &e).unwrap();
    };
    edit(&ids[3], json!({"status": "canceled"}));
    edit(&ids[40], json!({"add_item": {"product": 7, "quantity": 1}}));
    edit(&ids[77], json!({"tracking_number": "20450000000077"}));

    let before = sim.faults.counts();
    let got = c.orders_changed_since(since, window_from).await.unwrap();
    let after = sim.faults.counts();
    assert_eq!(
        after.starting_with(DETAIL) - before.starting_with(DETAIL),
        3,
        "{:?}",
        after.routes
    );
    // one page of open orders, one of final ones
    assert_eq!(
        after.routes["GET /v3/oms/orders"]
            - before
                .routes
                .get("GET /v3/oms/orders")
                .copied()
                .unwrap_or(0),
        2
    );
    let mut got_ids: Vec<_> = got.orders.iter().map(|o| o.external_id.clone()).collect();
    got_ids.sort();
    let mut want = vec![ids[3].clone(), ids[40].clone(), ids[77].clone()];
    want.sort();
    assert_eq!(got_ids, want);
    let cancelled = got.orders.iter().find(|o| o.external_id == ids[3]).unwrap();
    assert_eq!(cancelled.status_class, StatusClass::Cancelled);
    let tracked = got
        .orders
        .iter()
        .find(|o| o.external_id == ids[77])
        .unwrap();
    assert_eq!(tracked.tracking_number.as_deref(), Some("20450000000077"));

    // nothing changed since: no detail at all
    let quiet_since = Utc::now() + Duration::seconds(1);
    let before = sim.faults.counts();
    let none = c
        .orders_changed_since(quiet_since, window_from)
        .await
        .unwrap();
    assert!(none.orders.is_empty());
    assert_eq!(
        sim.faults.counts().starting_with(DETAIL) - before.starting_with(DETAIL),
        0
    );
}

// covers: SYNC-1 (issue 15: without a change time, every open order's detail is read once per
// period, spread over the runs)
#[tokio::test]
async fn without_change_times_details_are_spread_over_the_runs() {
    let sim = sim::start(
        0,
        SimOptions {
            send_updated_at: false,
            ..SimOptions::default()
        },
    )
    .unwrap();
    let ids = open_orders(&sim, 100);
    let c = client_with(
        &sim,
        json!({"page_size": 100, "spread_minutes": 60, "reread_final": false}),
    );
    let window_from = Utc::now() - Duration::days(60);
    // six runs, each covering ten minutes of the hour (the client's clock stands in for `now`, so
    // each run reaches back from now by a whole number of ten-minute steps)
    let now = Utc::now();
    let mut seen: Vec<String> = Vec::new();
    let mut per_run = Vec::new();
    for run in 0..6 {
        let since = now - Duration::minutes(60 - run * 10);
        let until = since + Duration::minutes(10);
        let due: Vec<String> = ids
            .iter()
            .filter(|id| {
                crate::platforms::resync::spread_due(
                    id,
                    since,
                    until,
                    std::time::Duration::from_secs(3600),
                )
            })
            .cloned()
            .collect();
        per_run.push(due.len());
        seen.extend(due);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 100, "every order once per hour: {per_run:?}");
    assert!(per_run.iter().all(|n| *n < 40), "spread: {per_run:?}");

    // one real run reaching back ten minutes reads about a sixth of the details, the new order
    // among them; one reaching back an hour reads them all
    let new = add(&sim, 500, "new", "nova_poshta");
    let before = sim.faults.counts().starting_with(DETAIL);
    let got = c
        .orders_changed_since(Utc::now() - Duration::minutes(10), window_from)
        .await
        .unwrap();
    let details = sim.faults.counts().starting_with(DETAIL) - before;
    assert_eq!(details as usize, got.orders.len());
    assert!((2..45).contains(&details), "{details}");
    assert!(got.orders.iter().any(|o| o.external_id == new));
    let all = c
        .orders_changed_since(Utc::now() - Duration::minutes(61), window_from)
        .await
        .unwrap();
    assert_eq!(all.orders.len(), 101);
}
