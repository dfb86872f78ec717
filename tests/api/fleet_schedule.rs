//! A fleet of instances on one database shares the polling: each source is claimed by one
//! instance when it is due, polled once per interval whatever the number of instances, and a
//! manual sync runs at once and moves the schedule.
// covers: IMP-2, SYNC-1, SYNC-4, SRC-5, WH-6

use crate::helpers::*;
use chrono::Utc;
use orderhub::domain::SourceId;
use orderhub::platforms::prom;
use orderhub::sync::scheduler::SchedulePolicy;
use serde_json::json;
use std::time::{Duration, Instant};

/// A Prom source created through the API (its backfill starts at once) against its own
/// simulator, so the simulator's request count is this source's.
async fn prom_source(app: &TestApp, sim: &prom::sim::Sim, name: &str) -> SourceId {
    let d = app
        .data(
            "mutation($i: CreateSourceInput!) { createSource(input: $i) { id } }",
            json!({"i": {"name": name, "platform": "PROM", "currency": "UAH", "baseUrl": sim.api_url(),
                "credentials": {"token": "prom-sim-token"}, "settings": {"min_interval_ms": 0}}}),
        )
        .await;
    d["createSource"]["id"].as_str().unwrap().parse().unwrap()
}

/// A short schedule for tests: the claim loop naps at most 200 ms.
fn quick(lease: Duration) -> SchedulePolicy {
    SchedulePolicy {
        concurrency: 16,
        lease,
        max_sleep: Duration::from_millis(200),
    }
}

/// Waits until `check` holds, polling every 50 ms; panics naming `what` after `limit`.
async fn until<F, Fut>(what: &str, limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What a wait for a source looks at: its poll runs, oldest first, and who holds its sync lease.
struct SourceNow {
    polls: Vec<orderhub::store::rows::SyncRunRow>,
    holder: Option<String>,
}

/// Waits until `check` holds of the source's polls and lease (read every 50 ms); panics naming
/// `what` after `seconds`.
async fn until_source(
    app: &TestApp,
    src: SourceId,
    what: &str,
    seconds: u64,
    check: impl Fn(&SourceNow) -> bool,
) {
    let lease = &format!("sync:source:{}", src.0);
    let check = &check;
    until(what, Duration::from_secs(seconds), move || async move {
        let now = SourceNow {
            polls: polls(app, src).await,
            holder: app.app_store.lease_holder(lease).await.unwrap(),
        };
        check(&now)
    })
    .await;
}

/// The source's poll runs, oldest first.
async fn polls(app: &TestApp, src: SourceId) -> Vec<orderhub::store::rows::SyncRunRow> {
    let mut runs: Vec<_> = app
        .app_store
        .sync_runs(src, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.kind == "poll")
        .collect();
    runs.reverse();
    runs
}

/// `n` instances on one database, 6 sources, a 2-second interval: over three intervals each
/// source is read at most once per interval at its simulator (the old schedule read each source
/// once per instance), every source is read, two polls of one source are never less than one
/// interval apart, and each source was backfilled once.
async fn a_fleet_polls_each_source_once_per_interval(n: usize) {
    let interval = Duration::from_secs(2);
    let url = fresh_database_url().await;
    let first = spawn_instance(&url, None, interval, quick(Duration::from_secs(30))).await;
    let mut fleet = vec![];
    for _ in 1..n {
        fleet.push(
            spawn_instance(&url, Some(&first), interval, quick(Duration::from_secs(30))).await,
        );
    }
    let mut sources = vec![];
    for i in 0..6 {
        let sim = prom::sim::start(0, Default::default()).unwrap();
        let src = prom_source(&first, &sim, &format!("Prom {i}")).await;
        sources.push((src, sim));
    }
    for (src, _) in &sources {
        backfill_done(&first, &src.0.to_string()).await;
    }
    // each source has been polled by the schedule at least once: the fleet is in its rhythm
    for (src, _) in &sources {
        until_source(&first, *src, "a first scheduled poll", 20, |s| {
            s.polls.iter().any(|r| r.state != "running")
        })
        .await;
    }
    let before: Vec<u64> = sources.iter().map(|(_, s)| s.faults.requests()).collect();
    let window = interval * 3;
    let started = Instant::now();
    tokio::time::sleep(window).await;
    let elapsed = started.elapsed();
    let most = (elapsed.as_secs_f64() / interval.as_secs_f64()).ceil() as u64;
    for ((src, sim), before) in sources.iter().zip(before) {
        let read = sim.faults.requests() - before;
        assert!(
            read <= most,
            "source {}: {read} reads in {elapsed:?} with {n} instances (at most {most}: one per interval)",
            src.0
        );
        assert!(read >= 1, "source {} was not read in {elapsed:?}", src.0);
        let runs = polls(&first, *src).await;
        for pair in runs.windows(2) {
            let gap = pair[1].started_at - pair[0].started_at;
            assert!(
                gap >= chrono::Duration::from_std(interval).unwrap(),
                "source {}: two polls {gap} apart with {n} instances",
                src.0
            );
        }
        let backfills = first
            .app_store
            .sync_runs(*src, 1000)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.kind == "backfill")
            .count();
        assert_eq!(backfills, 1, "source {}: backfilled once", src.0);
    }
}

// covers: IMP-2, SYNC-1 — two instances share the polling instead of doubling it
#[tokio::test]
async fn two_instances_poll_each_source_once_per_interval() {
    a_fleet_polls_each_source_once_per_interval(2).await;
}

// covers: IMP-2, SYNC-1 — three instances share the polling instead of tripling it
#[tokio::test]
async fn three_instances_poll_each_source_once_per_interval() {
    a_fleet_polls_each_source_once_per_interval(3).await;
}

// covers: SYNC-4, IMP-2 — `syncSource` while the schedule's poll of the source runs answers
// CONFLICT; afterwards it runs at once and moves the source's next due time one interval on
#[tokio::test]
async fn a_manual_sync_during_a_scheduled_one_answers_conflict_and_moves_the_schedule() {
    let url = fresh_database_url().await;
    let app = spawn_instance(
        &url,
        None,
        Duration::from_secs(600),
        quick(Duration::from_secs(30)),
    )
    .await;
    let sim = prom::sim::start(0, Default::default()).unwrap();
    sim.seed(3, 5);
    let src = prom_source(&app, &sim, "Prom").await;
    backfill_done(&app, &src.0.to_string()).await;
    let due = app
        .app_store
        .source_row(src)
        .await
        .unwrap()
        .unwrap()
        .next_due_at;
    assert!(
        due.is_some_and(|d| d > Utc::now() + chrono::Duration::seconds(590)),
        "the backfill's end set the next poll one interval on: {due:?}"
    );
    // slow answers keep the scheduled poll running while syncSource is asked
    sim.faults.set_latency(Duration::from_millis(1200));
    app.app_store.set_next_due(src, None).await.unwrap();
    until_source(&app, src, "the scheduled poll to start", 10, |s| {
        s.holder.is_some()
    })
    .await;
    let manual = app
        .gql(
            "mutation($s: ID!) { syncSource(sourceId: $s) { id state } }",
            json!({"s": src.0.to_string()}),
        )
        .await;
    assert_eq!(
        manual["errors"][0]["extensions"]["code"], "CONFLICT",
        "{manual}"
    );
    until_source(&app, src, "the scheduled poll to end", 15, |s| {
        s.polls.iter().any(|r| r.state == "succeeded")
    })
    .await;
    lease_free(&app, src).await;
    sim.faults.clear();
    // the schedule set the next poll one interval on; a manual sync runs at once all the same,
    // and moves the next poll one interval after its own end
    app.app_store
        .set_next_due(src, Some(Utc::now() + chrono::Duration::seconds(30)))
        .await
        .unwrap();
    let asked = Utc::now();
    let manual = app
        .data(
            "mutation($s: ID!) { syncSource(sourceId: $s) { state } }",
            json!({"s": src.0.to_string()}),
        )
        .await;
    assert_eq!(manual["syncSource"]["state"], "succeeded", "{manual}");
    let due = app
        .app_store
        .source_row(src)
        .await
        .unwrap()
        .unwrap()
        .next_due_at
        .unwrap();
    assert!(
        due >= asked + chrono::Duration::seconds(600),
        "the manual sync moved the next poll: {due}"
    );
}

// covers: SRC-5, IMP-2 — a disabled source is not polled; enabled again it is due at once
#[tokio::test]
async fn a_re_enabled_source_is_polled_at_once() {
    let url = fresh_database_url().await;
    let app = spawn_instance(
        &url,
        None,
        Duration::from_secs(600),
        quick(Duration::from_secs(30)),
    )
    .await;
    let sim = prom::sim::start(0, Default::default()).unwrap();
    let src = prom_source(&app, &sim, "Prom").await;
    backfill_done(&app, &src.0.to_string()).await;
    let set_enabled = |on: bool| {
        let app = &app;
        async move {
            app.data(
                "mutation($id: ID!, $on: Boolean!) { updateSource(id: $id, input: {enabled: $on}) { id } }",
                json!({"id": src.0.to_string(), "on": on}),
            )
            .await;
        }
    };
    set_enabled(false).await;
    // due, but disabled: never claimed
    app.app_store.set_next_due(src, None).await.unwrap();
    let requests = sim.faults.requests();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        sim.faults.requests(),
        requests,
        "a disabled source is not polled"
    );
    assert!(polls(&app, src).await.is_empty());
    // enabled again after its due time was pushed far away: due at once all the same
    app.app_store
        .set_next_due(src, Some(Utc::now() + chrono::Duration::hours(1)))
        .await
        .unwrap();
    set_enabled(true).await;
    until_source(&app, src, "a poll of the re-enabled source", 10, |s| {
        s.polls.iter().any(|r| r.state == "succeeded")
    })
    .await;
}

// covers: IMP-2, IMP-4, SYNC-1 — an instance killed while its polls wait on the platform (its
// leases not released, as after `kill -9`): the other instance polls each of those sources
// within the lease time, once
#[tokio::test]
async fn a_killed_instances_sources_are_polled_again_within_the_lease_time() {
    let lease = Duration::from_secs(3);
    let url = fresh_database_url().await;
    let doomed = spawn_instance(&url, None, Duration::from_secs(600), quick(lease)).await;
    let mut sources = vec![];
    for i in 0..4 {
        let sim = prom::sim::start(0, Default::default()).unwrap();
        let src = prom_source(&doomed, &sim, &format!("Prom {i}")).await;
        sources.push((src, sim));
    }
    for (src, _) in &sources {
        backfill_done(&doomed, &src.0.to_string()).await;
    }
    // slow answers: the doomed instance's polls are in flight when it dies
    for (src, sim) in &sources {
        sim.faults.set_latency(Duration::from_millis(1500));
        doomed.app_store.set_next_due(*src, None).await.unwrap();
    }
    let me = doomed.engine.instance().to_string();
    for (src, _) in &sources {
        until_source(
            &doomed,
            *src,
            "the doomed instance's polls to start",
            10,
            |s| {
                s.holder.as_deref().is_some_and(|h| h.starts_with(&me))
                    && s.polls.iter().any(|r| r.state == "running")
            },
        )
        .await;
    }
    doomed.kill().await;
    let killed = Utc::now();
    let killed_at = Instant::now();
    for (_, sim) in &sources {
        sim.faults.clear();
    }
    let survivor =
        spawn_instance(&url, Some(&doomed), Duration::from_secs(600), quick(lease)).await;
    for (src, _) in &sources {
        until_source(
            &survivor,
            *src,
            "the survivor's poll",
            lease.as_secs() * 4,
            |s| {
                s.polls
                    .iter()
                    .any(|r| r.started_at > killed && r.state == "succeeded")
            },
        )
        .await;
    }
    let waited = killed_at.elapsed();
    // a generous bound for a loaded machine; the old 5-minute lease is far beyond it
    assert!(waited < lease * 4, "resumed after {waited:?}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    for (src, _) in &sources {
        let runs = polls(&survivor, *src).await;
        let after: Vec<_> = runs.iter().filter(|r| r.started_at > killed).collect();
        assert_eq!(after.len(), 1, "source {}: polled once: {after:?}", src.0);
        // the dead instance's own poll never finished (nor moved the cursor): the survivor's
        // run, holding the lease, shows it as abandoned instead of running for ever
        assert!(
            runs.iter().any(|r| r.started_at < killed
                && r.state == "failed"
                && r.error.as_deref().unwrap_or("").contains("abandoned")),
            "{runs:?}"
        );
        assert!(runs.iter().all(|r| r.state != "running"), "{runs:?}");
    }
}

// covers: IMP-4 — the heartbeat keeps a run's lease while it waits on a slow platform longer
// than the lease time, so no other instance can take the source meanwhile
#[tokio::test]
async fn the_heartbeat_keeps_the_lease_of_a_run_longer_than_the_lease_time() {
    // 3 s, renewed every second: a loaded machine may delay one renewal, not three
    let lease = Duration::from_secs(3);
    let url = fresh_database_url().await;
    let app = spawn_instance(&url, None, Duration::from_secs(600), quick(lease)).await;
    let sim = prom::sim::start(0, Default::default()).unwrap();
    // a poll reads three pages of one order, each answered 1.5 s late (the tests' platform
    // timeout is 2 s): the run lasts longer than the lease time
    for _ in 0..3 {
        reqwest::Client::new()
            .post(format!("{}/_sim/orders", sim.server.base_url()))
            .json(&json!({"buyer": 1, "items": [{"product": 2, "quantity": 1}]}))
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap();
    }
    let d = app
        .data(
            "mutation($i: CreateSourceInput!) { createSource(input: $i) { id } }",
            json!({"i": {"name": "Prom", "platform": "PROM", "currency": "UAH", "baseUrl": sim.api_url(),
                "credentials": {"token": "prom-sim-token"}, "settings": {"min_interval_ms": 0, "page_size": 1}}}),
        )
        .await;
    let src: SourceId = d["createSource"]["id"].as_str().unwrap().parse().unwrap();
    backfill_done(&app, &src.0.to_string()).await;
    sim.faults.set_latency(Duration::from_millis(1500));
    let lease_name = format!("sync:source:{}", src.0);
    let started = Instant::now();
    let engine = app.engine.clone();
    let run = tokio::spawn(async move { engine.run(src, orderhub::sync::RunKind::Poll).await });
    until_source(&app, src, "the run to take the lease", 5, |s| {
        s.holder.is_some()
    })
    .await;
    // the run's own holder name (its instance's, numbered per run)
    let first = app.app_store.lease_holder(&lease_name).await.unwrap();
    assert!(first
        .as_deref()
        .is_some_and(|h| h.starts_with(app.engine.instance())));
    while !run.is_finished() {
        let holder = app.app_store.lease_holder(&lease_name).await.unwrap();
        if run.is_finished() {
            break;
        }
        assert_eq!(
            holder,
            first,
            "the lease lapsed or went to another run {:?} into the run",
            started.elapsed()
        );
        assert!(
            !app.app_store
                .try_acquire_lease(&lease_name, "another-instance", Duration::from_secs(60))
                .await
                .unwrap(),
            "another instance took the source {:?} into the run",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(started.elapsed() > lease, "the run outlived its lease time");
    let run = run.await.unwrap().unwrap().expect("the run took the lease");
    assert_eq!(run.state, "succeeded", "{:?}", run.error);
}

// covers: IMP-4 — a run whose lease another instance took over (after this one stalled past its
// lease) stops without moving the source's cursor
#[tokio::test]
async fn a_run_that_lost_its_lease_stops_without_moving_the_cursor() {
    let url = fresh_database_url().await;
    let app = spawn_instance(
        &url,
        None,
        Duration::from_secs(600),
        quick(Duration::from_secs(1)),
    )
    .await;
    let sim = prom::sim::start(0, Default::default()).unwrap();
    let src = prom_source(&app, &sim, "Prom").await;
    backfill_done(&app, &src.0.to_string()).await;
    let cursor = app
        .app_store
        .source_row(src)
        .await
        .unwrap()
        .unwrap()
        .sync_cursor;
    assert!(cursor.is_some());
    sim.faults.set_latency(Duration::from_millis(1500));
    let lease_name = format!("sync:source:{}", src.0);
    let engine = app.engine.clone();
    let run = tokio::spawn(async move { engine.run(src, orderhub::sync::RunKind::Poll).await });
    until_source(&app, src, "the run to take the lease", 5, |s| {
        s.holder.is_some()
    })
    .await;
    // another instance holds the lease now, as when this one stalled past its lease time
    let holder = app
        .app_store
        .lease_holder(&lease_name)
        .await
        .unwrap()
        .unwrap();
    app.app_store
        .release_lease(&lease_name, &holder)
        .await
        .unwrap();
    assert!(app
        .app_store
        .try_acquire_lease(&lease_name, "another-instance", Duration::from_secs(60))
        .await
        .unwrap());
    let run = run.await.unwrap().unwrap().expect("the run had started");
    assert_eq!(run.state, "failed");
    assert!(
        run.error.as_deref().is_some_and(|e| e.contains("lease")),
        "{:?}",
        run.error
    );
    assert_eq!(run.cursor_after, None);
    assert_eq!(
        app.app_store
            .source_row(src)
            .await
            .unwrap()
            .unwrap()
            .sync_cursor,
        cursor,
        "the cursor did not move"
    );
    assert_eq!(
        app.app_store
            .lease_holder(&lease_name)
            .await
            .unwrap()
            .as_deref(),
        Some("another-instance"),
        "the lost run did not release its new holder's lease"
    );
}

// covers: SRC-6, IMP-2 — new credentials make a source due at once, a paused one (needs
// re-authorization) as well as one polled on schedule
#[tokio::test]
async fn new_credentials_make_a_source_due_at_once() {
    let url = fresh_database_url().await;
    let app = spawn_instance(
        &url,
        None,
        Duration::from_secs(600),
        quick(Duration::from_secs(30)),
    )
    .await;
    let sim = prom::sim::start(0, Default::default()).unwrap();
    let src = prom_source(&app, &sim, "Prom").await;
    backfill_done(&app, &src.0.to_string()).await;
    let new_credentials = || {
        let app = &app;
        async move {
            app.data(
                "mutation($id: ID!) { updateSource(id: $id, input: {credentials: {token: \"prom-sim-token\"}}) { id needsReauth } }",
                json!({"id": src.0.to_string()}),
            )
            .await
        }
    };
    // polled on schedule, next due in an hour: new credentials make it due at once
    app.app_store
        .set_next_due(src, Some(Utc::now() + chrono::Duration::hours(1)))
        .await
        .unwrap();
    new_credentials().await;
    until_source(&app, src, "a poll with the new credentials", 10, |s| {
        s.polls.iter().any(|r| r.state == "succeeded")
    })
    .await;
    lease_free(&app, src).await;
    // paused for re-authorization: never claimed, however due; new credentials resume it at once
    app.app_store
        .mark_needs_reauth(src, "Prom rejected the credentials")
        .await
        .unwrap();
    app.app_store
        .set_next_due(src, Some(Utc::now() + chrono::Duration::hours(1)))
        .await
        .unwrap();
    let before = polls(&app, src).await.len();
    let d = new_credentials().await;
    assert_eq!(d["updateSource"]["needsReauth"], false, "{d}");
    until_source(&app, src, "a poll after re-authorization", 10, |s| {
        s.polls.len() > before && s.polls.iter().skip(before).any(|r| r.state == "succeeded")
    })
    .await;
}

// covers: IMP-2, SYNC-1 — what a scheduled poll that finds nothing new costs the database. On
// PostgreSQL two statements: the claim, which also takes the lease, closes runs left running and
// starts the run, and the end, which writes the run, moves the cursor and the next due time and
// releases the lease (SQLite does the same in two transactions of several statements)
#[tokio::test]
async fn a_scheduled_poll_with_nothing_new_costs_two_statements_on_postgresql() {
    use orderhub::domain::credentials::Credentials;
    use orderhub::domain::Platform;
    use orderhub::store::sources::SourceSettings;
    use std::sync::Arc;
    let url = fresh_database_url().await;
    let metrics = Arc::new(orderhub::metrics::Metrics::default());
    let store = orderhub::store::Store::connect(&url, metrics.clone(), orderhub::platforms::FACTS)
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let sim = prom::sim::start(0, Default::default()).unwrap();
    sim.seed(3, 5);
    let key = orderhub::secrets::SecretKey::generate();
    let credentials = Credentials {
        token: Some("prom-sim-token".into()),
        ..Default::default()
    };
    let row = store
        .create_source(
            Platform::Prom,
            SourceSettings {
                name: Some("Prom".into()),
                currency: Some("UAH".into()),
                base_url: Some(Some(sim.api_url())),
                credentials_enc: Some(key.encrypt_credentials(&credentials)),
                settings: Some(json!({"min_interval_ms": 0})),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let src = SourceId(row.id);
    let engine = orderhub::sync::SyncEngine::new(
        store.clone(),
        key,
        orderhub::platforms::http::HttpPolicy::fast(),
    );
    let slots = Arc::new(tokio::sync::Semaphore::new(4));
    // the backfill, then a first poll
    for kind in ["backfill", "poll", "poll"] {
        store.set_next_due(src, None).await.unwrap();
        let before = metrics.db_statements();
        orderhub::sync::scheduler::poll_all(&engine, &slots).await;
        let statements = metrics.db_statements() - before;
        let run = store.sync_runs(src, 1).await.unwrap().remove(0);
        assert_eq!(run.kind, kind, "{run:?}");
        assert_eq!(run.state, "succeeded", "{run:?}");
        if kind == "backfill" {
            assert_eq!(run.orders_created, 3);
            continue;
        }
        assert_eq!((run.orders_created, run.orders_updated), (0, 0), "{run:?}");
        let expected = match store.backend() {
            sea_orm::DbBackend::Postgres => 2,
            _ => 8,
        };
        assert_eq!(
            statements, expected,
            "statements of a poll with nothing new"
        );
        // and it did all a run does
        let source = store.source_row(src).await.unwrap().unwrap();
        assert_eq!(source.sync_cursor, run.cursor_after);
        assert!(source.last_sync_at.is_some_and(|t| t >= run.started_at));
        assert!(
            source
                .next_due_at
                .is_some_and(|t| t >= Utc::now() + chrono::Duration::seconds(590)),
            "due again one interval on: {:?}",
            source.next_due_at
        );
        assert_eq!(
            store
                .lease_holder(&format!("sync:source:{}", src.0))
                .await
                .unwrap(),
            None,
            "the lease is released"
        );
    }
    store.close().await;
}
