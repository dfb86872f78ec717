//! The one HTTP path of every platform client (`http::Call::send`) against the six simulators over
//! real HTTP: one attempt budget for every kind of retry, `Retry-After` in any form obeyed within
//! the cap, a body cut off retried, a body of the wrong shape refused after one request.
//! covers: IMP-4, SYNC-1

use super::http::{Call, HttpPolicy, Pace, Verdict};
use super::{cartum, epicentr, prom, rozetka, shopify, woocommerce};
use super::{PlatformClient, PlatformError, SourceConfig};
use crate::domain::credentials::Credentials;
use crate::domain::{Platform, SourceId};
use serde_json::{json, Value};
use std::any::Any;
use std::time::{Duration, Instant};

/// One platform's simulator with a client of it and an order it holds.
struct Rig {
    name: &'static str,
    client: Box<dyn PlatformClient>,
    /// Where the simulator's `/_sim` control API lives.
    control: String,
    order: String,
    /// The `wrong_shape` fault for that order's answer: a field its wire type cannot read.
    wrong_shape: Value,
    _sim: Box<dyn Any>,
}

fn config(platform: Platform, base_url: String, credentials: Credentials) -> SourceConfig {
    SourceConfig {
        source_id: SourceId(9),
        platform,
        base_url,
        credentials,
        language: Some("uk".into()),
        settings: json!({"min_interval_ms": 0}),
        http: HttpPolicy::fast(),
    }
}

fn prom_rig() -> Rig {
    let sim = prom::sim::start(0, prom::sim::SimOptions::default()).unwrap();
    let order = sim.seed(3, 5)[0].to_string();
    let token = Credentials {
        token: Some("prom-sim-token".into()),
        ..Default::default()
    };
    let client = prom::client::PromClient::new(config(Platform::Prom, sim.api_url(), token));
    Rig {
        name: "Prom",
        client: Box::new(client.unwrap()),
        control: sim.server.base_url(),
        order,
        wrong_shape: json!({"kind": "wrong_shape"}),
        _sim: Box::new(sim),
    }
}

fn woocommerce_rig() -> Rig {
    let sim = woocommerce::sim::start(0, woocommerce::sim::SimOptions::default()).unwrap();
    let order = sim.seed(3, 5)[0].to_string();
    let o = &sim.state.options;
    let keys = Credentials {
        consumer_key: Some(o.consumer_key.clone()),
        consumer_secret: Some(o.consumer_secret.clone()),
        ..Default::default()
    };
    let cfg = config(Platform::Woocommerce, sim.shop_url(), keys);
    Rig {
        name: "WooCommerce",
        client: Box::new(woocommerce::client::WooCommerceClient::new(cfg).unwrap()),
        control: sim.server.base_url(),
        order,
        wrong_shape: json!({"kind": "wrong_shape", "pointer": "/id", "value": "not a number"}),
        _sim: Box::new(sim),
    }
}

fn epicentr_rig() -> Rig {
    let sim = epicentr::sim::start(0, epicentr::sim::SimOptions::default()).unwrap();
    let order = sim.state.seed(3, 5)[0].clone();
    let token = Credentials {
        token: Some(sim.token().to_string()),
        ..Default::default()
    };
    let cfg = config(Platform::Epicentr, sim.base_url(), token);
    Rig {
        name: "Epicentr",
        client: Box::new(epicentr::client::EpicentrClient::new(cfg).unwrap()),
        control: sim.base_url(),
        order,
        wrong_shape: json!({"kind": "wrong_shape"}),
        _sim: Box::new(sim),
    }
}

fn rozetka_rig() -> Rig {
    let sim = rozetka::sim::start(0, rozetka::sim::SimOptions::default()).unwrap();
    let order = sim.state.seed(3, 5)[0].to_string();
    let o = &sim.state.options;
    let login = Credentials {
        login: Some(o.login.clone()),
        password: Some(o.password.clone()),
        ..Default::default()
    };
    let cfg = config(Platform::Rozetka, sim.base_url(), login);
    Rig {
        name: "Rozetka",
        client: Box::new(rozetka::client::RozetkaClient::new(cfg).unwrap()),
        control: sim.base_url(),
        order,
        wrong_shape: json!({"kind": "wrong_shape"}),
        _sim: Box::new(sim),
    }
}

fn cartum_rig() -> Rig {
    let sim = cartum::sim::start(0, cartum::sim::SimOptions::default()).unwrap();
    let order = sim.seed(3, 5)[0].to_string();
    let o = &sim.state.options;
    let login = Credentials {
        login: Some(o.login.clone()),
        password: Some(o.password.clone()),
        ..Default::default()
    };
    let cfg = config(Platform::Cartum, sim.base_url(), login);
    Rig {
        name: "Cartum",
        client: Box::new(cartum::client::CartumClient::new(cfg).unwrap()),
        control: sim.base_url(),
        order,
        wrong_shape: json!({
            "kind": "wrong_shape",
            "pointer": "/response/orders/0/stat_created",
            "value": [2026, 12, 6],
        }),
        _sim: Box::new(sim),
    }
}

fn shopify_rig() -> Rig {
    let sim = shopify::sim::start(0, shopify::sim::SimOptions::default()).unwrap();
    let order = sim.state.seed(3, 5)[0].to_string();
    let o = &sim.state.options;
    let token = Credentials {
        shop_domain: Some(o.shop_domain.clone()),
        access_token: Some(o.access_token.clone()),
        ..Default::default()
    };
    let cfg = config(Platform::Shopify, sim.base_url(), token);
    Rig {
        name: "Shopify",
        client: Box::new(shopify::client::ShopifyClient::new(cfg).unwrap()),
        control: sim.base_url(),
        order,
        wrong_shape: json!({"kind": "wrong_shape"}),
        _sim: Box::new(sim),
    }
}

/// Every platform, each client warmed up (logged in, status tables read) by one order read.
async fn rigs() -> Vec<Rig> {
    let rigs = vec![
        prom_rig(),
        woocommerce_rig(),
        epicentr_rig(),
        rozetka_rig(),
        cartum_rig(),
        shopify_rig(),
    ];
    for rig in &rigs {
        let found = rig.client.fetch_order(&rig.order).await;
        assert!(matches!(found, Ok(Some(_))), "{}: {found:?}", rig.name);
    }
    rigs
}

async fn inject(rig: &Rig, fault: Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/_sim/faults", rig.control))
        .json(&fault)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}: {fault}", rig.name);
}

/// Platform requests the simulator has answered so far.
async fn requests(rig: &Rig) -> u64 {
    let stats: Value = reqwest::Client::new()
        .get(format!("{}/_sim/faults", rig.control))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    stats["requests"].as_u64().expect("a request count")
}

async fn clear(rig: &Rig) {
    reqwest::Client::new()
        .delete(format!("{}/_sim/faults", rig.control))
        .send()
        .await
        .unwrap();
}

const RETRY_AFTERS: &[&str] = &[
    "-1",
    "inf",
    "NaN",
    "1e300",
    "soon",
    "Wed, 21 Oct 2015 07:28:00 GMT",
    "Fri, 31 Dec 9999 23:59:59 GMT",
];

#[tokio::test]
async fn any_retry_after_is_obeyed_within_the_cap_without_a_panic() {
    let cap = HttpPolicy::fast().max_wait;
    for rig in rigs().await {
        for raw in RETRY_AFTERS {
            inject(&rig, json!({"kind": "rate_limit_text", "retry_after": raw})).await;
            let started = Instant::now();
            let found = rig.client.fetch_order(&rig.order).await;
            assert!(
                matches!(found, Ok(Some(_))),
                "{} {raw}: {found:?}",
                rig.name
            );
            let took = started.elapsed();
            assert!(
                took < cap + Duration::from_millis(700),
                "{} {raw}: {took:?}",
                rig.name
            );
        }
        // a platform that keeps asking for forever: the budget ends it, each wait at the cap
        inject(
            &rig,
            json!({"kind": "rate_limit_text", "retry_after": "inf", "count": 10}),
        )
        .await;
        let before = requests(&rig).await;
        let started = Instant::now();
        let err = rig.client.fetch_order(&rig.order).await.unwrap_err();
        let took = started.elapsed();
        assert_eq!(
            err,
            PlatformError::RateLimited {
                retry_after: Some(cap)
            },
            "{}",
            rig.name
        );
        let attempts = HttpPolicy::fast().max_attempts;
        assert_eq!(
            requests(&rig).await - before,
            attempts as u64,
            "{}",
            rig.name
        );
        assert!(took >= cap * (attempts - 1), "{}: {took:?}", rig.name);
        assert!(
            took < cap * attempts + Duration::from_secs(1),
            "{}: {took:?}",
            rig.name
        );
        clear(&rig).await;
    }
}

#[tokio::test]
async fn every_kind_of_retry_counts_against_one_budget() {
    let attempts = HttpPolicy::fast().max_attempts as u64;
    for rig in rigs().await {
        // three faults of three kinds, then the answer: four requests, one call
        for fault in [
            json!({"kind": "rate_limit_text", "retry_after": "-1"}),
            json!({"kind": "server_error", "status": 503}),
            json!({"kind": "truncated_json"}),
        ] {
            inject(&rig, fault).await;
        }
        let before = requests(&rig).await;
        let found = rig.client.fetch_order(&rig.order).await;
        assert!(matches!(found, Ok(Some(_))), "{}: {found:?}", rig.name);
        assert_eq!(requests(&rig).await - before, attempts, "{}", rig.name);

        // bodies cut off past the budget: a transient error after exactly the budget
        inject(&rig, json!({"kind": "truncated_json", "count": 10})).await;
        let before = requests(&rig).await;
        let err = rig.client.fetch_order(&rig.order).await.unwrap_err();
        assert!(
            matches!(err, PlatformError::Transient(_)),
            "{}: {err:?}",
            rig.name
        );
        assert!(err.to_string().contains(rig.name), "{}: {err}", rig.name);
        assert_eq!(requests(&rig).await - before, attempts, "{}", rig.name);
        clear(&rig).await;

        // faults of every kind past the budget: still the budget, not a budget per kind
        for fault in [
            json!({"kind": "server_error", "status": 502, "count": 2}),
            json!({"kind": "truncated_json", "count": 2}),
            json!({"kind": "rate_limit_text", "retry_after": "0", "count": 2}),
            json!({"kind": "server_error", "status": 500, "count": 10}),
        ] {
            inject(&rig, fault).await;
        }
        let before = requests(&rig).await;
        let err = rig.client.fetch_order(&rig.order).await.unwrap_err();
        assert!(err.is_transient(), "{}: {err:?}", rig.name);
        assert_eq!(requests(&rig).await - before, attempts, "{}", rig.name);
        clear(&rig).await;
    }
}

#[tokio::test]
async fn an_answer_of_the_wrong_shape_is_refused_after_one_request() {
    for rig in rigs().await {
        inject(&rig, rig.wrong_shape.clone()).await;
        let before = requests(&rig).await;
        let err = rig.client.fetch_order(&rig.order).await.unwrap_err();
        assert_eq!(requests(&rig).await - before, 1, "{}: {err:?}", rig.name);
        let PlatformError::BadResponse(message) = &err else {
            panic!("{}: {err:?}", rig.name)
        };
        assert!(message.contains(rig.name), "{message}");
        assert!(message.contains("unexpected shape"), "{message}");
        assert!(message.contains(" at `"), "names no field: {message}");
        // the next read is whole again: nothing was left behind
        let found = rig.client.fetch_order(&rig.order).await;
        assert!(matches!(found, Ok(Some(_))), "{}: {found:?}", rig.name);
    }
}

/// The loop itself, without a client: what comes back when the budget is spent, and that a
/// `read` asking for another request is one more request of the same budget.
#[tokio::test]
async fn the_shared_loop_keeps_its_budget_and_its_waits() {
    let rig = prom_rig();
    let policy = HttpPolicy::fast();
    let pace = Pace::default();
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/orders/list", rig.control);
    let make = || http.get(&url).bearer_auth("prom-sim-token");

    // the client's own reason to ask again counts like any other
    let before = requests(&rig).await;
    let mut reads = 0;
    let err = Call::new("Prom", &policy, &pace)
        .send(make, |_| {
            reads += 1;
            Verdict::<()>::Retry(PlatformError::Transient(format!("read {reads}")))
        })
        .await
        .unwrap_err();
    assert_eq!(err, PlatformError::Transient("read 4".into()));
    assert_eq!(requests(&rig).await - before, 4);

    // an HTTP-date a minute ahead: waited for only up to the cap
    let ahead = (chrono::Utc::now() + chrono::Duration::seconds(60))
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    inject(
        &rig,
        json!({"kind": "rate_limit_text", "retry_after": ahead}),
    )
    .await;
    let started = Instant::now();
    let page = Call::new("Prom", &policy, &pace)
        .send(make, |answer| answer.parse::<Value>())
        .await
        .unwrap();
    assert!(page["orders"].is_array(), "{page}");
    let took = started.elapsed();
    assert!(took >= policy.max_wait, "{took:?}");
    assert!(
        took < policy.max_wait + Duration::from_millis(700),
        "{took:?}"
    );

    // a pause the platform asked for holds the next request back, within the cap
    let pause = |_: &super::http::Answer| Some(Duration::from_secs(3600));
    Call::new("Prom", &policy, &pace)
        .pause_after(&pause)
        .send(make, |answer| answer.parse::<Value>())
        .await
        .unwrap();
    let started = Instant::now();
    Call::new("Prom", &policy, &pace)
        .send(make, |answer| answer.parse::<Value>())
        .await
        .unwrap();
    let took = started.elapsed();
    assert!(
        took >= policy.max_wait - Duration::from_millis(50),
        "{took:?}"
    );
    assert!(
        took < policy.max_wait + Duration::from_millis(700),
        "{took:?}"
    );
}
