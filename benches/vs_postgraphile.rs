//! orderhub beside PostGraphile 5 on the same PostgreSQL database and data (issue 20): the orders
//! page a frontend asks for most (50 orders with source, status, customer and items) over loopback
//! HTTP, driven by one load generator (`wrk`, else `hey`) at 1, 8 and 32 connections, the servers
//! taking turns (orderhub, PostGraphile, orderhub on SQLite, orderhub, PostGraphile, …).
//!
//! The bench creates a fresh PostgreSQL database, seeds it through orderhub's store (2 000 orders,
//! 3 items each, two sources; then `ANALYZE`, as autovacuum would on a live database), starts the
//! release `orderhub serve` binary on it (a process of its own, so its CPU and memory are its
//! own) and PostGraphile 5 (`postgraphile -P postgraphile/presets/amber -c <db> -s public`,
//! production mode) on the same database, checks that both answer the same 50 orders with the same
//! relations, then measures. The same page is measured on SQLite (a file seeded the same way) in
//! the same turns. It prints requests/s, p99, the servers' CPU per request (and PostgreSQL's, its
//! backends serving this database), orderhub ÷ PostGraphile per run, orderhub's SQL statements
//! per request (`orderhub_db_statements_total`), the idle CPU and the servers' RSS after the runs.
//!
//! `cargo bench --bench vs_postgraphile`. Needs a PostgreSQL server where the user may create a
//! database (`ORDERHUB_BENCH_PG`, default postgres://postgres:postgres@127.0.0.1:5432), `npm`
//! (PostGraphile 5 and Node 22 are installed from npm into `ORDERHUB_BENCH_PG5_DIR`, default
//! `<temp>/orderhub-bench-postgraphile5`, on the first run) and `wrk` or `hey`; without one of
//! them it says which and stops without failing. `ORDERHUB_BENCH_SECONDS` (10) per run,
//! `ORDERHUB_BENCH_ROUNDS` (2) turns per connection count, `ORDERHUB_BENCH_ORDERS` (2 000);
//! `ORDERHUB_BENCH_KEEP` set keeps the databases (and says where) for a look afterwards. Linux
//! only (CPU and memory from /proc).

use chrono::{DateTime, Duration, Utc};
use orderhub::domain::orders::{ImportedCustomer, ImportedItem, ImportedOrder};
use orderhub::domain::phone::Phone;
use orderhub::domain::{Platform, SourceId};
use orderhub::metrics::Metrics;
use orderhub::secrets::SecretKey;
use orderhub::store::sources::SourceSettings;
use orderhub::store::Store;
use rust_decimal::Decimal;
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

const TOKEN: &str = "bench-admin-token-0123456789";
const CONNECTIONS: [usize; 3] = [1, 8, 32];

/// The page, as orderhub's frontend asks for it.
const ORDERHUB_QUERY: &str = "query { orders(first: 50) { edges { node { \
    number platformCreatedAt total currency sourceStatus source { name platform } \
    status { name group } customer { firstName lastName phone } \
    items { name sku quantity price } } } pageInfo { hasNextPage endCursor } } }";

/// The same page from PostGraphile's generated schema over orderhub's tables: the same order
/// (newest first, then the highest id), the relations by their foreign keys.
const POSTGRAPHILE_QUERY: &str = "query { allOrders(first: 50, \
    orderBy: [PLATFORM_CREATED_AT_DESC, PRIMARY_KEY_DESC]) { edges { node { \
    number platformCreatedAt total currency sourceStatus sourceBySourceId { name platform } \
    statusByStatusId { name statusGroup } customerByCustomerId { firstName lastName phone } \
    orderItemsByOrderId { nodes { name sku quantity price } } } } \
    pageInfo { hasNextPage endCursor } } }";

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The orders of `benches/orders_page.rs`: one every 40 minutes back from now, a returning buyer
/// of 500, three items.
fn order(i: usize, now: DateTime<Utc>) -> ImportedOrder {
    let created = now - Duration::minutes(i as i64 * 40);
    ImportedOrder {
        external_id: i.to_string(),
        number: format!("B-{i}"),
        source_status: Some("new".into()),
        status_class: Default::default(),
        created_at: created,
        updated_at: Some(created),
        customer: Some(ImportedCustomer {
            first_name: Some("Олена".into()),
            last_name: Some(format!("Покупець {}", i % 500)),
            phone: Phone::parse(&format!("067{:07}", i % 500)),
            ..Default::default()
        }),
        items: (0..3)
            .map(|k| ImportedItem {
                external_id: Some(format!("{i}-{k}")),
                name: format!("Товар {k}"),
                sku: Some(format!("SKU-{k}")),
                code: None,
                quantity: Decimal::from(k + 1),
                price: Decimal::new(19_990, 2),
                ..Default::default()
            })
            .collect(),
        total: Decimal::new(119_940, 2),
        currency: "UAH".into(),
        tracking_number: None,
        commission: None,
        delivery: None,
    }
}

/// Migrates the database at `url` and stores `orders` orders in two sources, which are disabled
/// and point at a closed loopback port, so the servers never call a platform.
async fn seed(url: &str, orders: usize, now: DateTime<Utc>) {
    let store = Store::connect(
        url,
        Arc::new(Metrics::default()),
        orderhub::platforms::FACTS,
    )
    .await
    .expect("the bench database opens");
    store.migrate().await.expect("migrations");
    let mut sources: Vec<SourceId> = vec![];
    for p in [Platform::Rozetka, Platform::Prom] {
        let s = SourceSettings {
            name: Some(p.to_string()),
            currency: Some("UAH".into()),
            base_url: Some(Some("http://127.0.0.1:9".into())),
            enabled: Some(false),
            ..Default::default()
        };
        sources.push(SourceId(store.create_source(p, s).await.unwrap().id));
    }
    for i in 0..orders {
        store
            .import_new_order(sources[i % 2], &order(i, now))
            .await
            .unwrap();
    }
    // statistics, as autovacuum gathers them on a live database (a PostgreSQL server may run
    // without it, and the seed is read at once): both servers plan on the data they serve
    drop(store);
    sea_orm::Database::connect(url)
        .await
        .expect("the bench database opens")
        .execute_unprepared("ANALYZE")
        .await
        .expect("ANALYZE");
}

fn runs(cmd: &str, arg: &str) -> bool {
    Command::new(cmd)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

#[derive(Clone, Copy, PartialEq)]
enum LoadGen {
    Wrk,
    Hey,
}

/// Node 22+ and PostGraphile 5 from npm, installed into `dir` when they are not there yet.
struct PostGraphile {
    dir: PathBuf,
    node: PathBuf,
    cli: PathBuf,
    version: String,
    node_version: String,
}

fn postgraphile(dir: &Path) -> Result<PostGraphile, String> {
    let modules = dir.join("node_modules");
    let node = modules.join("node/bin/node");
    let package = modules.join("postgraphile/package.json");
    if !node.exists() || !package.exists() {
        if !runs("npm", "--version") {
            return Err("npm is not installed (PostGraphile 5 and Node 22 come from npm)".into());
        }
        println!(
            "installing Node 22 and PostGraphile 5 from npm into {}",
            dir.display()
        );
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let status = Command::new("npm")
            .arg("install")
            .arg("--prefix")
            .arg(dir)
            .args(["--no-audit", "--no-fund", "--loglevel=error"])
            .args(["node@22", "postgraphile@5"])
            .status()
            .map_err(|e| format!("npm: {e}"))?;
        if !status.success() {
            return Err(format!(
                "`npm install node@22 postgraphile@5` failed ({status})"
            ));
        }
    }
    let out = Command::new(&node)
        .arg("--version")
        .output()
        .map_err(|e| format!("{}: {e}", node.display()))?;
    let node_version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let major: u32 = node_version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if major < 22 {
        return Err(format!(
            "PostGraphile 5 needs Node 22 or newer; {} is `{node_version}`",
            node.display()
        ));
    }
    let manifest: Value = std::fs::read_to_string(&package)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .ok_or_else(|| format!("cannot read {}", package.display()))?;
    let bin = manifest["bin"]
        .as_str()
        .or_else(|| manifest["bin"]["postgraphile"].as_str())
        .ok_or("postgraphile's package.json names no bin")?;
    Ok(PostGraphile {
        dir: dir.to_path_buf(),
        node,
        cli: modules.join("postgraphile").join(bin),
        version: manifest["version"].as_str().unwrap_or("?").to_string(),
        node_version,
    })
}

/// A server under test: a child process answering the page at `endpoint`.
struct Server {
    label: &'static str,
    child: Child,
    base: String,
    endpoint: String,
    body: String,
    auth: bool,
    /// orderhub's `/metrics` (statements).
    metrics: bool,
    /// PostGraphile's schema (`allOrders`) rather than orderhub's.
    postgraphile: bool,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn log_file(path: &Path) -> (Stdio, Stdio) {
    let f = std::fs::File::create(path).expect("log file");
    (f.try_clone().expect("log file").into(), f.into())
}

/// The release `orderhub serve` on `db_url`, as an operator would start it.
fn start_orderhub(label: &'static str, db_url: &str, work: &Path) -> Server {
    let port = free_port();
    let log = work.join(format!("{}.log", label.replace([' ', '(', ')'], "")));
    let (out, err) = log_file(&log);
    let child = Command::new(env!("CARGO_BIN_EXE_orderhub"))
        .arg("serve")
        .env_remove("ORDERHUB_CONFIG")
        .env_remove("ORDERHUB_PUBLIC_URL")
        .env_remove("ORDERHUB_SYNC_CONCURRENCY")
        .env_remove("ORDERHUB_POLL_INTERVAL")
        .env("ORDERHUB_DATABASE_URL", db_url)
        .env("ORDERHUB_LISTEN", format!("127.0.0.1:{port}"))
        .env("ORDERHUB_SECRET_KEY", SecretKey::generate().to_base64())
        .env("ORDERHUB_ADMIN_TOKEN", TOKEN)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("the orderhub binary starts");
    let base = format!("http://127.0.0.1:{port}");
    Server {
        label,
        child,
        endpoint: format!("{base}/graphql"),
        base,
        body: json!({ "query": ORDERHUB_QUERY }).to_string(),
        auth: true,
        metrics: true,
        postgraphile: false,
        log,
    }
}

fn start_postgraphile(pg: &PostGraphile, db_url: &str, work: &Path) -> Server {
    let port = free_port();
    let log = work.join("postgraphile.log");
    let (out, err) = log_file(&log);
    let node_dir = pg.node.parent().expect("node's folder").to_path_buf();
    let path = match std::env::var_os("PATH") {
        Some(p) => {
            let mut dirs = vec![node_dir];
            dirs.extend(std::env::split_paths(&p));
            std::env::join_paths(dirs).expect("PATH")
        }
        None => node_dir.into_os_string(),
    };
    let child = Command::new(&pg.node)
        .arg(&pg.cli)
        .args([
            "-P",
            "postgraphile/presets/amber",
            "-c",
            db_url,
            "-s",
            "public",
        ])
        .args(["-n", "127.0.0.1", "-p"])
        .arg(port.to_string())
        .current_dir(&pg.dir)
        .env("PATH", path)
        .env_remove("GRAPHILE_ENV")
        .env_remove("NODE_ENV")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("PostGraphile starts");
    let base = format!("http://127.0.0.1:{port}");
    Server {
        label: "PostGraphile",
        child,
        endpoint: format!("{base}/graphql"),
        base,
        body: json!({ "query": POSTGRAPHILE_QUERY }).to_string(),
        auth: false,
        metrics: false,
        postgraphile: true,
        log,
    }
}

async fn post(client: &reqwest::Client, server: &Server, body: String) -> reqwest::Result<Value> {
    let mut req = client
        .post(&server.endpoint)
        .header("content-type", "application/json")
        .body(body);
    if server.auth {
        req = req.bearer_auth(TOKEN);
    }
    req.send().await?.error_for_status()?.json().await
}

/// Waits until the server answers GraphQL (a minute at most).
async fn ready(client: &reqwest::Client, server: &mut Server) {
    let start = Instant::now();
    loop {
        let probe = json!({ "query": "{ __typename }" }).to_string();
        if post(client, server, probe).await.is_ok() {
            return;
        }
        let exited = server.child.try_wait().ok().flatten();
        if exited.is_some() || start.elapsed() > std::time::Duration::from_secs(60) {
            let log = std::fs::read_to_string(&server.log).unwrap_or_default();
            panic!("{} did not start ({exited:?}):\n{log}", server.label);
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

fn num(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        Value::String(s) => s.parse().unwrap_or(f64::NAN),
        _ => f64::NAN,
    }
}

fn micros(v: &Value) -> i64 {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.timestamp_micros())
        .unwrap_or(i64::MIN)
}

fn text(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(s.to_lowercase()),
        other => other.clone(),
    }
}

/// What a page shows, in one form for both servers: values compared as numbers, instants and
/// (platforms, status groups aside, which orderhub answers as enums) the same text.
fn canonical(answer: &Value, postgraphile: bool) -> Value {
    let (conn, source, status, customer) = if postgraphile {
        (
            &answer["data"]["allOrders"],
            "sourceBySourceId",
            "statusByStatusId",
            "customerByCustomerId",
        )
    } else {
        (&answer["data"]["orders"], "source", "status", "customer")
    };
    let edges = conn["edges"].as_array().cloned().unwrap_or_default();
    let orders: Vec<Value> = edges
        .iter()
        .map(|e| {
            let n = &e["node"];
            let items = if postgraphile {
                &n["orderItemsByOrderId"]["nodes"]
            } else {
                &n["items"]
            };
            let items: Vec<Value> = items
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|i| json!([i["name"], i["sku"], num(&i["quantity"]), num(&i["price"])]))
                .collect();
            let c = &n[customer];
            json!([
                n["number"],
                micros(&n["platformCreatedAt"]),
                num(&n["total"]),
                n["currency"],
                n["sourceStatus"],
                [n[source]["name"], text(&n[source]["platform"])],
                n[status]["name"],
                [c["firstName"], c["lastName"], c["phone"]],
                items,
            ])
        })
        .collect();
    json!({ "orders": orders, "hasNextPage": conn["pageInfo"]["hasNextPage"] })
}

/// CPU time of a process (user + system, all its threads) in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<u64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse().ok())
        .collect();
    f.iter().sum()
}

/// CPU time of the PostgreSQL backends connected to `database`, in clock ticks.
fn backend_ticks(database: &str) -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let mut ticks = 0;
    for entry in dir.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let title = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let title = String::from_utf8_lossy(&title);
        if title.starts_with("postgres:") && title.split_whitespace().any(|w| w == database) {
            ticks += cpu_ticks(pid);
        }
    }
    ticks
}

fn ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// `VmRSS` and `VmHWM` (the peak) of a process, in MiB.
fn memory(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (kib("VmRSS:"), kib("VmHWM:"))
}

async fn statements(client: &reqwest::Client, server: &Server) -> Option<u64> {
    if !server.metrics {
        return None;
    }
    let text = client
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("orderhub_db_statements_total "))
        .and_then(|v| v.trim().parse().ok())
}

/// What the load generator saw.
struct Load {
    requests: u64,
    rps: f64,
    p99_ms: f64,
    /// Answers other than 200, socket errors and timeouts.
    failed: u64,
}

fn duration_ms(s: &str) -> Option<f64> {
    let s = s.trim();
    let (n, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic())?);
    let n: f64 = n.parse().ok()?;
    Some(match unit {
        "us" => n / 1000.0,
        "ms" => n,
        "s" => n * 1000.0,
        "m" => n * 60_000.0,
        _ => return None,
    })
}

fn wrk(server: &Server, connections: usize, seconds: u64, work: &Path) -> Load {
    let script = work.join(format!("{}.lua", server.label.replace([' ', '(', ')'], "")));
    let mut lua = format!(
        "wrk.method = \"POST\"\nwrk.body = [==[{}]==]\nwrk.headers[\"Content-Type\"] = \"application/json\"\n",
        server.body
    );
    if server.auth {
        lua.push_str(&format!(
            "wrk.headers[\"Authorization\"] = \"Bearer {TOKEN}\"\n"
        ));
    }
    std::fs::write(&script, lua).expect("wrk script");
    let out = Command::new("wrk")
        .args(["-t1", "--latency", "--timeout", "10s"])
        .arg(format!("-c{connections}"))
        .arg(format!("-d{seconds}s"))
        .arg("-s")
        .arg(&script)
        .arg(&server.endpoint)
        .output()
        .expect("wrk runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix))
            .map(str::trim)
    };
    let requests = text
        .lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let mut failed = field("Non-2xx or 3xx responses:")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    if let Some(errors) = field("Socket errors:") {
        failed += errors
            .split(',')
            .filter_map(|e| e.split_whitespace().last()?.parse::<u64>().ok())
            .sum::<u64>();
    }
    let load = Load {
        requests,
        rps: field("Requests/sec:")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0.0),
        p99_ms: field("99%").and_then(duration_ms).unwrap_or(f64::NAN),
        failed,
    };
    if load.requests == 0 {
        panic!(
            "wrk measured nothing:\n{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    load
}

fn hey(server: &Server, connections: usize, seconds: u64) -> Load {
    let mut cmd = Command::new("hey");
    cmd.args(["-m", "POST", "-T", "application/json", "-t", "10"])
        .arg(format!("-z={seconds}s"))
        .arg(format!("-c={connections}"))
        .args(["-d", &server.body]);
    if server.auth {
        cmd.args(["-H", &format!("Authorization: Bearer {TOKEN}")]);
    }
    let out = cmd.arg(&server.endpoint).output().expect("hey runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut ok = 0;
    let mut failed = 0;
    let mut in_codes = false;
    let mut in_errors = false;
    let mut p99_ms = f64::NAN;
    let mut rps = 0.0;
    for line in text.lines().map(str::trim) {
        if let Some(v) = line.strip_prefix("Requests/sec:") {
            rps = v.trim().parse().unwrap_or(0.0);
        } else if let Some(v) = line.strip_prefix("99% in ") {
            p99_ms = v
                .split_whitespace()
                .next()
                .and_then(|s| s.parse::<f64>().ok())
                .map_or(f64::NAN, |s| s * 1000.0);
        } else if line.starts_with("Status code distribution") {
            in_codes = true;
        } else if line.starts_with("Error distribution") {
            (in_codes, in_errors) = (false, true);
        } else if in_codes || in_errors {
            let count = || {
                line.split(']')
                    .nth(1)
                    .and_then(|r| r.split_whitespace().next())
                    .and_then(|n| n.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            if line.starts_with("[200]") {
                ok += count();
            } else if line.starts_with('[') {
                failed += count();
            }
        }
    }
    if ok == 0 {
        panic!(
            "hey measured nothing:\n{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Load {
        requests: ok + failed,
        rps,
        p99_ms,
        failed,
    }
}

/// One measured run of one server.
struct Run {
    load: Load,
    server_cpu_ms: f64,
    postgres_cpu_ms: f64,
    statements: Option<f64>,
}

struct Bench {
    rt: tokio::runtime::Runtime,
    client: reqwest::Client,
    loadgen: LoadGen,
    work: PathBuf,
    database: String,
    tick_ms: f64,
}

impl Bench {
    fn load(&self, server: &Server, connections: usize, seconds: u64) -> Run {
        let pid = server.child.id();
        let before_stmts = self.rt.block_on(statements(&self.client, server));
        let (cpu0, pg0) = (cpu_ticks(pid), backend_ticks(&self.database));
        let load = match self.loadgen {
            LoadGen::Wrk => wrk(server, connections, seconds, &self.work),
            LoadGen::Hey => hey(server, connections, seconds),
        };
        let (cpu1, pg1) = (cpu_ticks(pid), backend_ticks(&self.database));
        let after_stmts = self.rt.block_on(statements(&self.client, server));
        let per = |ticks: u64| ticks as f64 * self.tick_ms / load.requests.max(1) as f64;
        Run {
            server_cpu_ms: per(cpu1.saturating_sub(cpu0)),
            postgres_cpu_ms: per(pg1.saturating_sub(pg0)),
            statements: match (before_stmts, after_stmts) {
                // the two scrapes of /metrics are requests too, but make no statement
                (Some(a), Some(b)) => Some(b.saturating_sub(a) as f64 / load.requests as f64),
                _ => None,
            },
            load,
        }
    }
}

fn main() {
    let seconds = env_num("ORDERHUB_BENCH_SECONDS", 10).max(1);
    let rounds = env_num("ORDERHUB_BENCH_ROUNDS", 2).max(1);
    let orders = env_num("ORDERHUB_BENCH_ORDERS", 2_000).max(60) as usize;
    let pg_base = std::env::var("ORDERHUB_BENCH_PG")
        .unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432".into())
        .trim_end_matches('/')
        .to_string();
    let skip = |why: &str| println!("vs_postgraphile: skipped: {why}");

    let loadgen = if runs("wrk", "--version") {
        LoadGen::Wrk
    } else if runs("hey", "-h") {
        LoadGen::Hey
    } else {
        return skip("neither `wrk` nor `hey` is installed (apt-get install wrk)");
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let admin = rt.block_on(async {
        let connect = sea_orm::Database::connect(format!("{pg_base}/postgres"));
        match tokio::time::timeout(std::time::Duration::from_secs(5), connect).await {
            Ok(Ok(db)) => Ok(db),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("no answer in 5 s".to_string()),
        }
    });
    let admin = match admin {
        Ok(db) => db,
        Err(e) => {
            return skip(&format!(
                "no PostgreSQL at {pg_base} ({e}); set ORDERHUB_BENCH_PG"
            ))
        }
    };
    let pg_dir = std::env::var_os("ORDERHUB_BENCH_PG5_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("orderhub-bench-postgraphile5"));
    let pg5 = match postgraphile(&pg_dir) {
        Ok(p) => p,
        Err(e) => return skip(&e),
    };

    let database = format!("orderhub_vs_pg5_{}", std::process::id());
    // both servers talk to PostgreSQL over loopback without TLS: PostGraphile's driver does not
    // ask for it, orderhub's (sqlx) would by default where the server offers it
    let db_url = format!("{pg_base}/{database}?sslmode=disable");
    let work = std::env::temp_dir().join(&database);
    std::fs::create_dir_all(&work).expect("work folder");
    let sqlite_file = work.join("orders.db");
    let sqlite_url = format!("sqlite://{}?mode=rwc", sqlite_file.display());
    rt.block_on(async {
        admin
            .execute_unprepared(&format!("CREATE DATABASE {database}"))
            .await
            .expect("CREATE DATABASE");
    });
    println!(
        "orders page, {orders} orders × 3 items; PostGraphile {} on Node {}; load generator {}; \
         {seconds} s per run, {rounds} turns per connection count",
        pg5.version,
        pg5.node_version,
        if loadgen == LoadGen::Wrk {
            "wrk"
        } else {
            "hey"
        },
    );
    let seeded = Instant::now();
    rt.block_on(async {
        let now = Utc::now();
        seed(&db_url, orders, now).await;
        seed(&sqlite_url, orders, now).await;
    });
    println!(
        "seeded PostgreSQL and SQLite in {:.1} s",
        seeded.elapsed().as_secs_f64()
    );

    let bench = Bench {
        client: reqwest::Client::new(),
        loadgen,
        work: work.clone(),
        database: database.clone(),
        tick_ms: 1000.0 / ticks_per_second(),
        rt,
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        measure(&bench, &pg5, &db_url, &sqlite_url, seconds, rounds)
    }));
    if std::env::var_os("ORDERHUB_BENCH_KEEP").is_some() {
        println!("kept: PostgreSQL database {db_url}, SQLite {sqlite_url}");
    } else {
        bench.rt.block_on(async {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
                .await;
        });
        let _ = std::fs::remove_dir_all(&work);
    }
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

fn measure(
    bench: &Bench,
    pg5: &PostGraphile,
    db_url: &str,
    sqlite_url: &str,
    seconds: u64,
    rounds: u64,
) {
    let mut servers = [
        start_orderhub("orderhub (PostgreSQL)", db_url, &bench.work),
        start_postgraphile(pg5, db_url, &bench.work),
        start_orderhub("orderhub (SQLite)", sqlite_url, &bench.work),
    ];
    let client = &bench.client;
    let answers: Vec<Value> = bench.rt.block_on(async {
        let mut answers = vec![];
        for s in servers.iter_mut() {
            ready(client, s).await;
            let answer = post(client, s, s.body.clone()).await.expect("the page");
            if answer.get("errors").is_some() {
                panic!("{} answered errors: {answer}", s.label);
            }
            answers.push(answer);
        }
        answers
    });
    let pages: Vec<Value> = servers
        .iter()
        .zip(&answers)
        .map(|(s, a)| canonical(a, s.postgraphile))
        .collect();
    for (s, page) in servers.iter().zip(&pages).skip(1) {
        assert_eq!(
            &pages[0], page,
            "{} and {} answer different pages",
            servers[0].label, s.label
        );
    }
    let orders = pages[0]["orders"].as_array().cloned().unwrap_or_default();
    let items: usize = orders
        .iter()
        .map(|o| o[8].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(orders.len(), 50, "a page of 50 orders");
    println!(
        "the same page from all three: 50 orders, {items} items; answers of {} bytes",
        answers
            .iter()
            .map(|a| a.to_string().len().to_string())
            .collect::<Vec<_>>()
            .join(" / ")
    );

    // one request after another, the first with a token orderhub has not seen yet
    bench.rt.block_on(async {
        for s in servers.iter().filter(|s| s.metrics) {
            let before = statements(client, s).await.unwrap_or(0);
            post(client, s, s.body.clone()).await.expect("the page");
            let after = statements(client, s).await.unwrap_or(0);
            println!(
                "{}: {} SQL statements for one page (the token remembered since the check above)",
                s.label,
                after - before
            );
        }
    });

    for s in &servers {
        bench.load(s, 8, 3.min(seconds));
    }
    let idle = std::time::Duration::from_secs(5);
    let idle0: Vec<u64> = servers.iter().map(|s| cpu_ticks(s.child.id())).collect();
    std::thread::sleep(idle);
    for (s, t0) in servers.iter().zip(idle0) {
        let ms = cpu_ticks(s.child.id()).saturating_sub(t0) as f64 * bench.tick_ms;
        println!("{}: idle CPU {:.1} ms/s", s.label, ms / idle.as_secs_f64());
    }

    println!(
        "\n{:>3} {:>5}  {:<22} {:>9} {:>9} {:>10} {:>10} {:>8} {:>7}",
        "c", "turn", "server", "req/s", "p99 ms", "server ms", "PG ms", "stmts", "failed"
    );
    let mut summary = vec![];
    for connections in CONNECTIONS {
        for round in 1..=rounds {
            let turn: Vec<Run> = servers
                .iter()
                .map(|s| {
                    let run = bench.load(s, connections, seconds);
                    println!(
                        "{connections:>3} {round:>5}  {:<22} {:>9.1} {:>9.2} {:>10.2} {:>10.2} {:>8} {:>7}",
                        s.label,
                        run.load.rps,
                        run.load.p99_ms,
                        run.server_cpu_ms,
                        run.postgres_cpu_ms,
                        run.statements.map_or("—".into(), |n| format!("{n:.3}")),
                        run.load.failed,
                    );
                    run
                })
                .collect();
            summary.push((connections, round, turn));
        }
    }

    println!(
        "\norderhub ÷ PostGraphile, same PostgreSQL database, each turn's runs back to back:\n\
         {:>3} {:>5} {:>11} {:>12} {:>13} {:>13} {:>13} {:>11}",
        "c",
        "turn",
        "req/s ratio",
        "orderhub r/s",
        "PostGraphile",
        "p99 orderhub",
        "p99 PostGr.",
        "SQLite r/s"
    );
    for (connections, round, turn) in &summary {
        println!(
            "{connections:>3} {round:>5} {:>11.2} {:>12.1} {:>13.1} {:>10.2} ms {:>10.2} ms {:>11.1}",
            turn[0].load.rps / turn[1].load.rps,
            turn[0].load.rps,
            turn[1].load.rps,
            turn[0].load.p99_ms,
            turn[1].load.p99_ms,
            turn[2].load.rps,
        );
    }
    for s in &servers {
        let (rss, peak) = memory(s.child.id());
        println!(
            "{}: RSS after the runs {rss:.1} MiB (peak {peak:.1} MiB)",
            s.label
        );
    }
    let failed: u64 = summary
        .iter()
        .flat_map(|(_, _, t)| t.iter().map(|r| r.load.failed))
        .sum();
    assert_eq!(failed, 0, "every request answered 200");
    // the answers are still the page after the load
    bench.rt.block_on(async {
        for s in &servers {
            let answer = post(client, s, s.body.clone()).await.expect("the page");
            assert_eq!(
                canonical(&answer, s.postgraphile),
                pages[0],
                "{} after the runs",
                s.label
            );
        }
    });
}
