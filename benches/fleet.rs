//! The fleet benchmark (issue 15): 3 orderhub instances on one PostgreSQL share the polling of
//! 1 000 Prom sources, the 10-minute cycle scaled down to 60 s.
//!
//! One Prom simulator (in this process) serves 1 000 accounts of 3 orders each, every platform
//! answer 200 ms late; 1 000 Prom sources, one per account, are stored straight in a fresh
//! database (as `tests/api/helpers.rs` `create_source` does), their first due times spread over
//! the first cycle. Then 3 instances run as child processes of the release binary
//! (`orderhub serve`, `ORDERHUB_POLL_INTERVAL=60s`, the default 30 s lease and concurrency 64),
//! so each one's resident memory is its own and a kill is a real `kill -9`.
//!
//! After a warm-up cycle (each source's first run is its backfill) it watches 3 cycles and
//! reports, from `sync_runs`: polls per source per cycle (each source's polls must be one
//! interval apart: none twice within an interval, none skipped), polls/s sustained; PostgreSQL
//! statements per poll (the instances' `orderhub_db_statements_total`, every statement of the
//! instances counted, divided by the polls); each instance's RSS idle with the sources stored,
//! after the warm-up and after the 3 cycles. Then it kills one instance (SIGKILL) while it holds
//! runs and reports how long until each source it held is polled again (must be within the
//! 30 s lease), and that in the next cycle every source is polled and none twice (no two of a
//! source's polls that succeeded closer than the interval). Every failed poll is printed with its
//! error; each instance's output is kept in a log file of a temporary folder named at the end.
//!
//! `CARGO_TARGET_DIR=… cargo bench --bench fleet`. Needs PostgreSQL at
//! `ORDERHUB_BENCH_PG_URL` (default postgres://postgres:postgres@127.0.0.1:5432/postgres): it
//! creates a database of its own and drops it at the end; without PostgreSQL it says so and exits
//! 0. About 6 minutes; `ORDERHUB_BENCH_SOURCES` changes the 1 000. Linux only (RSS from /proc).

use chrono::{DateTime, Utc};
use orderhub::domain::credentials::Credentials;
use orderhub::domain::{Platform, SourceId};
use orderhub::metrics::Metrics;
use orderhub::platforms::prom;
use orderhub::secrets::SecretKey;
use orderhub::store::sources::SourceSettings;
use orderhub::store::Store;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use std::collections::{BTreeMap, HashMap};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const DEFAULT_PG: &str = "postgres://postgres:postgres@127.0.0.1:5432/postgres";
const INSTANCES: usize = 3;
const INTERVAL: Duration = Duration::from_secs(60);
/// The scheduler's largest jitter for a 60 s interval (5 %).
const MAX_JITTER: Duration = Duration::from_secs(3);
/// The default lease time of a run.
const LEASE: Duration = Duration::from_secs(30);
const MEASURED_CYCLES: u32 = 3;
const PLATFORM_LATENCY: Duration = Duration::from_millis(200);
const ADMIN_TOKEN: &str = "fleet-bench-admin-token-0123456789";

/// One `orderhub serve` child.
struct Instance {
    child: Child,
    base: String,
    alive: bool,
}

impl Instance {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory in MiB (`/proc/<pid>/statm`, pages of 4 KiB).
    fn rss_mib(&self) -> f64 {
        let statm =
            std::fs::read_to_string(format!("/proc/{}/statm", self.pid())).unwrap_or_default();
        let pages: u64 = statm
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        (pages * 4096) as f64 / 1048576.0
    }

    async fn db_statements(&self, http: &reqwest::Client) -> u64 {
        let Ok(r) = http.get(format!("{}/metrics", self.base)).send().await else {
            return 0;
        };
        let text = r.text().await.unwrap_or_default();
        text.lines()
            .find_map(|l| l.strip_prefix("orderhub_db_statements_total "))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .unwrap_or(0.0) as u64
    }

    fn kill(&mut self) {
        if self.alive {
            let _ = self.child.kill();
            let _ = self.child.wait();
            self.alive = false;
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn spawn_instance(db_url: &str, key: &str, log: &std::path::Path) -> Instance {
    let port = free_port();
    let log = std::fs::File::create(log).expect("log file");
    let err = log.try_clone().expect("log file");
    let child = Command::new(env!("CARGO_BIN_EXE_orderhub"))
        .arg("serve")
        .env("ORDERHUB_DATABASE_URL", db_url)
        .env("ORDERHUB_SECRET_KEY", key)
        .env("ORDERHUB_ADMIN_TOKEN", ADMIN_TOKEN)
        .env("ORDERHUB_POLL_INTERVAL", "60s")
        .env("ORDERHUB_LISTEN", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .env_remove("ORDERHUB_CONFIG")
        .env_remove("ORDERHUB_SYNC_CONCURRENCY")
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(err)
        .spawn()
        .expect("orderhub serve");
    let instance = Instance {
        child,
        base: format!("http://127.0.0.1:{port}"),
        alive: true,
    };
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = http.get(format!("{}/readyz", instance.base)).send().await {
            if r.status().is_success() {
                return instance;
            }
        }
        assert!(
            Instant::now() < deadline,
            "orderhub serve did not become ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One row of `sync_runs`.
struct Run {
    source: i64,
    kind: String,
    state: String,
    at: DateTime<Utc>,
    error: Option<String>,
}

/// Every run started at or after `from`, oldest first.
async fn runs_since(db: &DatabaseConnection, from: DateTime<Utc>) -> Vec<Run> {
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "SELECT source_id, kind, state, started_at, error FROM sync_runs WHERE started_at >= $1 ORDER BY started_at",
            [from.into()],
        ))
        .await
        .expect("sync runs");
    rows.iter()
        .map(|r| Run {
            source: r.try_get::<i64>("", "source_id").unwrap(),
            kind: r.try_get::<String>("", "kind").unwrap(),
            state: r.try_get::<String>("", "state").unwrap(),
            at: r.try_get::<DateTime<Utc>>("", "started_at").unwrap(),
            error: r.try_get::<Option<String>>("", "error").unwrap(),
        })
        .collect()
}

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("count")
        .and_then(|r| r.try_get_by_index::<i64>(0).ok())
        .unwrap_or(0)
}

async fn statements(instances: &[Instance], http: &reqwest::Client) -> u64 {
    let mut total = 0;
    for i in instances.iter().filter(|i| i.alive) {
        total += i.db_statements(http).await;
    }
    total
}

fn rss_line(instances: &[Instance]) -> String {
    instances
        .iter()
        .filter(|i| i.alive)
        .map(|i| format!("{:.1}", i.rss_mib()))
        .collect::<Vec<_>>()
        .join(" / ")
}

fn secs(d: chrono::Duration) -> f64 {
    d.num_milliseconds() as f64 / 1000.0
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    // everything within 12 minutes, whatever happens
    let outcome =
        rt.block_on(async { tokio::time::timeout(Duration::from_secs(720), run()).await });
    if outcome.is_err() {
        eprintln!("fleet benchmark: gave up after 12 minutes");
        std::process::exit(1);
    }
}

async fn run() {
    let admin_url = std::env::var("ORDERHUB_BENCH_PG_URL").unwrap_or_else(|_| DEFAULT_PG.into());
    let admin =
        match tokio::time::timeout(Duration::from_secs(5), Database::connect(&admin_url)).await {
            Ok(Ok(db)) => db,
            _ => {
                println!("fleet benchmark: no PostgreSQL at {admin_url}; skipped");
                return;
            }
        };
    let n: usize = std::env::var("ORDERHUB_BENCH_SOURCES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let name = format!("oh_bench_fleet_{:x}", rand::random::<u32>());
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create the benchmark database");
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b)
        .unwrap_or(&admin_url);
    let db_url = format!("{base}/{name}");
    let result = tokio::spawn(bench(db_url, n)).await;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .expect("drop the benchmark database");
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}

async fn bench(db_url: String, n: usize) {
    let http = reqwest::Client::new();
    let sim = prom::sim::start_accounts(0, Default::default(), n, 3).expect("Prom simulator");
    sim.faults.set_latency(PLATFORM_LATENCY);
    let key = SecretKey::generate();
    let store = Store::connect(
        &db_url,
        Arc::new(Metrics::default()),
        orderhub::platforms::FACTS,
    )
    .await
    .expect("connect");
    store.migrate().await.expect("migrations");
    let started = Instant::now();
    let mut ids = Vec::with_capacity(n);
    for i in 1..=n {
        let creds = Credentials {
            token: Some(prom::sim::account_token(&sim.state.options.token, i)),
            ..Default::default()
        };
        let settings = SourceSettings {
            name: Some(format!("Prom {i}")),
            currency: Some("UAH".into()),
            base_url: Some(Some(sim.api_url())),
            credentials_enc: Some(key.encrypt_credentials(&creds)),
            settings: Some(serde_json::json!({"min_interval_ms": 0})),
            ..Default::default()
        };
        let row = store
            .create_source(Platform::Prom, settings)
            .await
            .expect("source stored");
        ids.push(SourceId(row.id));
    }
    println!(
        "{n} Prom sources stored in {:.1} s; one Prom simulator serves their {n} accounts (3 orders each, answers {} ms late)",
        started.elapsed().as_secs_f64(),
        PLATFORM_LATENCY.as_millis()
    );
    let db = Database::connect(&db_url).await.expect("connect");

    // each instance's output (stdout and stderr, warnings and up) in a folder of this run's own,
    // kept after the run
    let logs = std::env::temp_dir().join(format!("orderhub-fleet-{}", std::process::id()));
    std::fs::create_dir_all(&logs).expect("log folder");
    let mut instances = vec![];
    for i in 0..INSTANCES {
        let log = logs.join(format!("instance-{}.log", i + 1));
        instances.push(spawn_instance(&db_url, &key.to_base64(), &log).await);
    }
    // the first runs (backfills) spread over the first cycle, starting in 3 s
    let first = Utc::now() + chrono::Duration::seconds(3);
    for (k, id) in ids.iter().enumerate() {
        let offset = INTERVAL.as_millis() as i64 * k as i64 / n as i64;
        store
            .set_next_due(*id, Some(first + chrono::Duration::milliseconds(offset)))
            .await
            .expect("due time");
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_idle = rss_line(&instances);
    println!(
        "{INSTANCES} instances (orderhub serve, pids {}) ready; RSS idle with {n} sources stored: {rss_idle} MiB",
        instances.iter().map(|i| i.pid().to_string()).collect::<Vec<_>>().join(", ")
    );

    // warm-up: every source's first run (its backfill) has finished
    let deadline = Instant::now() + INTERVAL * 3;
    loop {
        let done = count(
            &db,
            "SELECT count(DISTINCT source_id) FROM sync_runs WHERE kind = 'backfill' AND state = 'succeeded'",
        )
        .await;
        if done as usize >= n {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {done} of {n} backfills finished in {:?}",
            INTERVAL * 3
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let warm = Utc::now();
    let rss_warm = rss_line(&instances);
    println!(
        "warm-up cycle done ({n} backfills) after {:.0} s; RSS: {rss_warm} MiB",
        started.elapsed().as_secs_f64()
    );

    // the measured cycles
    let stmts_before = statements(&instances, &http).await;
    let requests_before = sim.faults.requests();
    let window = INTERVAL * MEASURED_CYCLES;
    tokio::time::sleep(window).await;
    let end = Utc::now();
    let stmts_after = statements(&instances, &http).await;
    let requests = sim.faults.requests() - requests_before;
    let rss_after = rss_line(&instances);
    let runs = runs_since(&db, warm - chrono::Duration::seconds(120)).await;
    let mut by_source: HashMap<i64, Vec<DateTime<Utc>>> = HashMap::new();
    let mut polls = 0u64;
    let mut failed = 0u64;
    let mut failures = vec![];
    for run in &runs {
        if run.kind != "poll" && run.kind != "backfill" {
            continue;
        }
        if run.at >= warm && run.at < end && run.kind == "poll" {
            polls += 1;
            if run.state != "succeeded" {
                failed += 1;
                failures.push(run);
            }
        }
        if run.at < end {
            by_source.entry(run.source).or_default().push(run.at);
        }
    }
    let interval = chrono::Duration::from_std(INTERVAL).unwrap();
    let late_bound =
        interval + chrono::Duration::from_std(MAX_JITTER).unwrap() + chrono::Duration::seconds(5);
    let (mut gaps, mut twice, mut missed) = (vec![], 0usize, 0usize);
    let mut per_source_polls = BTreeMap::<usize, usize>::new();
    for id in &ids {
        let times = by_source.get(&id.0).cloned().unwrap_or_default();
        let in_window = times.iter().filter(|t| **t >= warm).count();
        *per_source_polls.entry(in_window).or_default() += 1;
        let mut source_twice = false;
        let mut source_missed = in_window == 0;
        for pair in times.windows(2) {
            if pair[1] < warm {
                continue;
            }
            let gap = pair[1] - pair[0];
            gaps.push(secs(gap));
            source_twice |= gap < interval;
            source_missed |= gap > late_bound;
        }
        // the last poll before the window's end is no more than one cycle ago
        if let Some(last) = times.last() {
            source_missed |= end - *last > late_bound;
        }
        twice += source_twice as usize;
        missed += source_missed as usize;
    }
    gaps.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let window_s = secs(end - warm);
    let mean_gap = gaps.iter().sum::<f64>() / gaps.len().max(1) as f64;
    let in_range = gaps
        .iter()
        .filter(|g| **g >= secs(interval) && **g <= secs(late_bound))
        .count();
    println!(
        "\n{MEASURED_CYCLES} cycles of {} s watched ({window_s:.0} s):",
        INTERVAL.as_secs()
    );
    println!(
        "  polls per source per cycle: {:.2} ({} of {} intervals between a source's polls within one cycle, {}–{} s; gaps min {:.1} s, mean {:.1} s, max {:.1} s)",
        in_range as f64 / gaps.len().max(1) as f64,
        in_range,
        gaps.len(),
        INTERVAL.as_secs(),
        late_bound.num_seconds(),
        gaps.first().copied().unwrap_or(0.0),
        mean_gap,
        gaps.last().copied().unwrap_or(0.0),
    );
    println!(
        "  polls per source in the window: {} (a cycle is 60 s plus up to 3 s of jitter); {:.2} polls per source per {}-second interval",
        per_source_polls
            .iter()
            .map(|(k, v)| format!("{v} sources {k}"))
            .collect::<Vec<_>>()
            .join(", "),
        polls as f64 / n as f64 / (window_s / INTERVAL.as_secs_f64()),
        INTERVAL.as_secs()
    );
    println!("  sources polled twice within an interval: {twice}; sources that missed a cycle: {missed}; failed polls: {failed}");
    for run in &failures {
        println!(
            "    failed poll of source {} started {}: {}",
            run.source,
            run.at.format("%H:%M:%S%.3f"),
            run.error.as_deref().unwrap_or("(no error recorded)")
        );
    }
    println!(
        "  polls/s sustained: {:.1} ({polls} polls; {n} sources / 60 s = {:.1} needed); platform requests per poll: {:.2}",
        polls as f64 / window_s,
        n as f64 / INTERVAL.as_secs_f64(),
        requests as f64 / polls.max(1) as f64
    );
    println!(
        "  PostgreSQL statements per poll: {:.1} (all {} statements of the {INSTANCES} instances in the window, claims, heartbeats and idle workers included)",
        (stmts_after - stmts_before) as f64 / polls.max(1) as f64,
        stmts_after - stmts_before
    );
    println!("  RSS per instance: idle with {n} sources stored {rss_idle} MiB; after the warm-up {rss_warm} MiB; after the {MEASURED_CYCLES} cycles {rss_after} MiB");

    // kill -9 of one instance while it holds runs
    let doomed = INSTANCES - 1;
    let prefix = format!("{}-", instances[doomed].pid());
    let held_sql = format!(
        "SELECT name FROM leases WHERE name LIKE 'sync:source:%' AND holder LIKE '{prefix}%' AND expires_at > now()"
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let held: Vec<i64> = loop {
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                held_sql.clone(),
            ))
            .await
            .expect("leases");
        let held: Vec<i64> = rows
            .iter()
            .filter_map(|r| r.try_get::<String>("", "name").ok())
            .filter_map(|name| name.rsplit(':').next().and_then(|id| id.parse().ok()))
            .collect();
        if held.len() >= 2 || (Instant::now() >= deadline && !held.is_empty()) {
            break held;
        }
        assert!(
            Instant::now() < deadline + Duration::from_secs(30),
            "the instance never held a run"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    instances[doomed].kill();
    let killed = Utc::now();
    let killed_at = Instant::now();
    println!(
        "\nkill -9 of instance {} (pid {}) while it held {} runs:",
        doomed + 1,
        instances[doomed].pid(),
        held.len()
    );
    let mut resumed: HashMap<i64, f64> = HashMap::new();
    while resumed.len() < held.len() && killed_at.elapsed() < LEASE * 2 {
        for run in runs_since(&db, killed).await {
            if run.kind == "poll" && run.state == "succeeded" && held.contains(&run.source) {
                resumed.entry(run.source).or_insert(secs(run.at - killed));
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut times: Vec<f64> = resumed.values().copied().collect();
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "  its {} sources polled again by the survivors after {} s (lease {} s); {} not within {} s",
        held.len(),
        times.iter().map(|t| format!("{t:.1}")).collect::<Vec<_>>().join(", "),
        LEASE.as_secs(),
        held.len() - resumed.len(),
        (LEASE * 2).as_secs()
    );
    // the cycle after the kill: every source polled by the two survivors, and none twice: as in
    // the measured cycles, no two of a source's polls closer than the interval (the jitter only
    // adds to it). The killed instance's runs never finished and do not count: only polls that
    // succeeded, from the last one before the kill on.
    let next = killed + late_bound;
    let wait = (next - Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait).await;
    let mut succeeded: HashMap<i64, Vec<DateTime<Utc>>> = HashMap::new();
    for run in runs_since(&db, killed - late_bound * 2).await {
        if (run.kind == "poll" || run.kind == "backfill")
            && run.state == "succeeded"
            && run.at < next
        {
            succeeded.entry(run.source).or_default().push(run.at);
        }
    }
    let (mut unpolled, mut doubled, mut closest) = (0usize, 0usize, None::<f64>);
    for id in &ids {
        let times = succeeded.get(&id.0).map(Vec::as_slice).unwrap_or_default();
        if !times.iter().any(|t| *t >= killed) {
            unpolled += 1;
        }
        let mut source_twice = false;
        for pair in times.windows(2) {
            if pair[1] < killed {
                continue;
            }
            let gap = pair[1] - pair[0];
            closest = Some(closest.map_or(secs(gap), |c: f64| c.min(secs(gap))));
            source_twice |= gap < interval;
        }
        doubled += source_twice as usize;
    }
    println!(
        "  in the {} s after the kill: {} of {n} sources polled, {unpolled} not; {doubled} polled twice within an interval (closest polls of a source {:.1} s apart); RSS of the survivors {} MiB",
        late_bound.num_seconds(),
        n - unpolled,
        closest.unwrap_or(0.0),
        rss_line(&instances)
    );
    let failed_after: Vec<Run> = runs_since(&db, killed)
        .await
        .into_iter()
        .filter(|r| r.kind == "poll" && r.state == "failed" && r.at < next)
        .collect();
    for run in &failed_after {
        println!(
            "    failed poll of source {} started {}: {}",
            run.source,
            run.at.format("%H:%M:%S%.3f"),
            run.error.as_deref().unwrap_or("(no error recorded)")
        );
    }
    println!(
        "  instances' logs (stdout and stderr): {}/instance-*.log",
        logs.display()
    );
    for i in &mut instances {
        i.kill();
    }
    db.close().await.ok();
    store.close().await;
    sim.server.stop().await;
}
