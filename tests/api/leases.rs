//! Several orderhub instances on one database never sync the same source at once, and a crashed
//! instance's lease is taken over when it expires. The scheduler polls on its own.
// covers: IMP-2, IMP-4, SYNC-1

use crate::helpers::*;
use orderhub::platforms::prom;
use orderhub::sync::RunKind;
use serde_json::json;
use std::time::Duration;

async fn prom_source(app: &TestApp, sim: &prom::sim::Sim) -> orderhub::domain::SourceId {
    let d = app
        .data(
            "mutation($i: CreateSourceInput!) { createSource(input: $i) { id } }",
            json!({"i": {"name": "Prom", "platform": "PROM", "currency": "UAH", "baseUrl": sim.api_url(),
                "credentials": {"token": "prom-sim-token"}, "settings": {"min_interval_ms": 0}}}),
        )
        .await;
    d["createSource"]["id"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn two_instances_never_sync_one_source_at_once() {
    let url = fresh_database_url().await;
    let a = spawn_app_on(&url).await;
    let b = another_instance(&a, &url).await;
    let sim = prom::sim::start(0, Default::default()).unwrap();
    sim.seed(40, 50);
    let src = prom_source(&a, &sim).await;
    // the backfill started by createSource holds the lease while it runs; wait for it to finish
    backfill_done(&a, &src.0.to_string()).await;
    // slow platform answers make the two runs overlap in time
    reqwest::Client::new()
        .post(format!("{}/_sim/latency", sim.server.base_url()))
        .json(&json!({"ms": 400}))
        .send()
        .await
        .unwrap();
    let (ra, rb) = tokio::join!(
        a.engine.run(src, RunKind::Poll),
        b.engine.run(src, RunKind::Poll)
    );
    let ran: Vec<_> = [ra.unwrap(), rb.unwrap()].into_iter().flatten().collect();
    assert_eq!(
        ran.len(),
        1,
        "exactly one instance ran the poll; the other saw the lease"
    );
    assert_eq!(ran[0].state, "succeeded", "{:?}", ran[0].error);
    let count = a.data("{ orders { totalCount } }", json!({})).await["orders"]["totalCount"]
        .as_u64()
        .unwrap();
    assert!(count > 0);
    // no order stored twice: as many orders as distinct external ids
    assert_eq!(
        count,
        a.data(
            "{ orders(first: 200) { edges { node { externalId } } } }",
            json!({})
        )
        .await["orders"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["externalId"].as_str().unwrap().to_string())
            .collect::<std::collections::BTreeSet<_>>()
            .len() as u64
    );
}

#[tokio::test]
async fn a_crashed_instances_lease_is_taken_over_when_it_expires() {
    let app = spawn_app().await;
    let sim = prom::sim::start(0, Default::default()).unwrap();
    let src = prom_source(&app, &sim).await;
    backfill_done(&app, &src.0.to_string()).await;
    let lease = format!("sync:source:{}", src.0);
    assert!(app
        .app_store
        .try_acquire_lease(&lease, "crashed-instance", Duration::from_millis(400))
        .await
        .unwrap());
    assert!(
        app.engine.run(src, RunKind::Poll).await.unwrap().is_none(),
        "held by the other instance"
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    let run = app
        .engine
        .run(src, RunKind::Poll)
        .await
        .unwrap()
        .expect("taken over after expiry");
    assert_eq!(run.state, "succeeded");
}

// covers: IMP-2 — the scheduler re-reads sources on its own interval
#[tokio::test]
async fn the_scheduler_polls_on_its_interval() {
    let url = fresh_database_url().await;
    let app = spawn_app_with(&url, Duration::from_secs(1)).await;
    let sim = prom::sim::start(0, Default::default()).unwrap();
    let src = prom_source(&app, &sim).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = app.data("{ orders { totalCount } }", json!({})).await["orders"]["totalCount"]
        .as_u64()
        .unwrap();
    reqwest::Client::new()
        .post(format!("{}/_sim/orders", sim.server.base_url()))
        .json(&json!({"buyer": 1, "items": [{"product": 2, "quantity": 1}]}))
        .send()
        .await
        .unwrap();
    // the order becomes visible before the run that stored it is finished: wait for the run
    for _ in 0..60 {
        let runs = app.app_store.sync_runs(src, 20).await.unwrap();
        if runs
            .iter()
            .any(|r| r.kind == "poll" && r.state == "succeeded" && r.orders_created == 1)
        {
            let now = app.data("{ orders { totalCount } }", json!({})).await["orders"]
                ["totalCount"]
                .as_u64()
                .unwrap();
            assert_eq!(now, before + 1);
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no scheduled poll stored the new order");
}

// covers: IMP-4 — a lease is taken once, even by its own holder; only its holder extends or
// releases it, and a holder whose lease expired and was taken over cannot extend it any more
#[tokio::test]
async fn a_lease_is_held_once_and_extended_only_by_its_holder() {
    let app = spawn_app().await;
    let s = &app.app_store;
    let ttl = Duration::from_secs(60);
    assert!(s.try_acquire_lease("job", "one", ttl).await.unwrap());
    assert!(
        !s.try_acquire_lease("job", "one", ttl).await.unwrap(),
        "a second run of the same holder waits as any other would"
    );
    assert!(!s.try_acquire_lease("job", "two", ttl).await.unwrap());
    assert!(s.renew_lease("job", "one", ttl).await.unwrap());
    assert!(!s.renew_lease("job", "two", ttl).await.unwrap());
    s.release_lease("job", "two").await.unwrap();
    assert_eq!(s.lease_holder("job").await.unwrap().as_deref(), Some("one"));
    s.release_lease("job", "one").await.unwrap();
    assert_eq!(s.lease_holder("job").await.unwrap(), None);

    // an expired lease is nobody's: taken over, and its former holder can no longer extend it
    assert!(s
        .try_acquire_lease("job", "one", Duration::from_millis(100))
        .await
        .unwrap());
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(s.lease_holder("job").await.unwrap(), None);
    assert!(s.try_acquire_lease("job", "two", ttl).await.unwrap());
    assert!(!s.renew_lease("job", "one", ttl).await.unwrap());
    assert_eq!(s.lease_holder("job").await.unwrap().as_deref(), Some("two"));
}
