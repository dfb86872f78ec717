//! Prometheus metrics in the text format, without a metrics framework: a few counters and
//! histograms behind short locks. Scraped at `GET /metrics`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, secs: f64) {
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                self.counts[i] += 1;
            }
        }
        self.sum += secs;
        self.count += 1;
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (i, b) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {}",
                self.counts[i]
            );
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let _ = writeln!(out, "{name}_sum{{{labels}}} {}", self.sum);
        let _ = writeln!(out, "{name}_count{{{labels}}} {}", self.count);
    }
}

#[derive(Default)]
pub struct Metrics {
    http: Mutex<BTreeMap<(String, String, u16), u64>>,
    http_latency: Mutex<BTreeMap<String, Histogram>>,
    db_latency: Mutex<Histogram>,
    db_statements: AtomicU64,
    db_errors: AtomicU64,
    counters: Mutex<BTreeMap<String, u64>>,
    workers: Mutex<BTreeMap<&'static str, WorkerState>>,
}

/// A supervised background worker: running or not, how often it was started again, and why it
/// last stopped.
#[derive(Default)]
struct WorkerState {
    up: bool,
    restarts: u64,
    last_failure: Option<String>,
}

impl Metrics {
    pub fn observe_http(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        *self
            .http
            .lock()
            .unwrap()
            .entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
        self.http_latency
            .lock()
            .unwrap()
            .entry(route.to_string())
            .or_default()
            .observe(elapsed.as_secs_f64());
    }

    pub fn observe_db(&self, elapsed: Duration, failed: bool) {
        self.db_statements.fetch_add(1, Ordering::Relaxed);
        if failed {
            self.db_errors.fetch_add(1, Ordering::Relaxed);
        }
        self.db_latency
            .lock()
            .unwrap()
            .observe(elapsed.as_secs_f64());
    }

    /// Statements run so far; tests read it to prove a query's cost.
    pub fn db_statements(&self) -> u64 {
        self.db_statements.load(Ordering::Relaxed)
    }

    /// A named counter, e.g. `orderhub_webhook_rejected_total{platform="shopify"}`.
    pub fn incr(&self, series: &str) {
        *self
            .counters
            .lock()
            .unwrap()
            .entry(series.to_string())
            .or_default() += 1;
    }

    /// A supervised worker (re)started.
    pub fn worker_up(&self, name: &'static str, up: bool) {
        self.workers.lock().unwrap().entry(name).or_default().up = up;
    }

    /// A supervised worker ended unexpectedly: down until it starts again.
    pub fn worker_down(&self, name: &'static str, why: &str) {
        let mut workers = self.workers.lock().unwrap();
        let w = workers.entry(name).or_default();
        w.up = false;
        w.restarts += 1;
        w.last_failure = Some(why.chars().take(300).collect());
    }

    /// A supervised worker stopped on shutdown: no longer reported.
    pub fn worker_stopped(&self, name: &'static str) {
        self.workers.lock().unwrap().remove(name);
    }

    /// The workers that are down, each with why (for `/readyz`).
    pub fn workers_down(&self) -> Vec<String> {
        self.workers
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, w)| !w.up)
            .map(|(name, w)| {
                format!(
                    "worker {name} is down ({}); it is being started again",
                    w.last_failure.as_deref().unwrap_or("not running")
                )
            })
            .collect()
    }

    pub fn render(&self, pool: Option<(u32, usize)>) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP orderhub_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE orderhub_http_requests_total counter\n");
        for ((m, r, s), n) in self.http.lock().unwrap().iter() {
            let _ = writeln!(
                out,
                "orderhub_http_requests_total{{method=\"{m}\",route=\"{r}\",status=\"{s}\"}} {n}"
            );
        }
        out.push_str(
            "# HELP orderhub_http_request_duration_seconds HTTP request latency by route.\n",
        );
        out.push_str("# TYPE orderhub_http_request_duration_seconds histogram\n");
        for (r, h) in self.http_latency.lock().unwrap().iter() {
            h.render(
                &mut out,
                "orderhub_http_request_duration_seconds",
                &format!("route=\"{r}\""),
            );
        }
        out.push_str("# HELP orderhub_db_statements_total SQL statements executed.\n");
        out.push_str("# TYPE orderhub_db_statements_total counter\n");
        let _ = writeln!(out, "orderhub_db_statements_total {}", self.db_statements());
        out.push_str("# TYPE orderhub_db_errors_total counter\n");
        let _ = writeln!(
            out,
            "orderhub_db_errors_total {}",
            self.db_errors.load(Ordering::Relaxed)
        );
        out.push_str("# HELP orderhub_db_statement_duration_seconds SQL statement latency.\n");
        out.push_str("# TYPE orderhub_db_statement_duration_seconds histogram\n");
        self.db_latency.lock().unwrap().render(
            &mut out,
            "orderhub_db_statement_duration_seconds",
            "",
        );
        if let Some((size, idle)) = pool {
            out.push_str("# HELP orderhub_db_pool_connections Connections in the database pool.\n");
            out.push_str("# TYPE orderhub_db_pool_connections gauge\n");
            let _ = writeln!(out, "orderhub_db_pool_connections{{state=\"open\"}} {size}");
            let _ = writeln!(out, "orderhub_db_pool_connections{{state=\"idle\"}} {idle}");
        }
        {
            let workers = self.workers.lock().unwrap();
            if !workers.is_empty() {
                out.push_str("# HELP orderhub_worker_up 1 while a background worker runs.\n");
                out.push_str("# TYPE orderhub_worker_up gauge\n");
                for (name, w) in workers.iter() {
                    let _ = writeln!(
                        out,
                        "orderhub_worker_up{{worker=\"{name}\"}} {}",
                        u8::from(w.up)
                    );
                }
                out.push_str("# HELP orderhub_worker_restarts_total Background workers started again after they ended unexpectedly.\n");
                out.push_str("# TYPE orderhub_worker_restarts_total counter\n");
                for (name, w) in workers.iter() {
                    let _ = writeln!(
                        out,
                        "orderhub_worker_restarts_total{{worker=\"{name}\"}} {}",
                        w.restarts
                    );
                }
            }
        }
        let counters = self.counters.lock().unwrap();
        let mut typed = std::collections::BTreeSet::new();
        for (series, n) in counters.iter() {
            let name = series.split('{').next().unwrap_or(series);
            if typed.insert(name.to_string()) {
                let _ = writeln!(out, "# TYPE {name} counter");
            }
            let _ = writeln!(out, "{series} {n}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::default();
        m.observe_http("POST", "/graphql", 200, Duration::from_millis(3));
        m.observe_db(Duration::from_micros(200), false);
        m.incr("orderhub_webhook_rejected_total{platform=\"shopify\"}");
        let text = m.render(Some((4, 2)));
        assert!(text.contains(
            "orderhub_http_requests_total{method=\"POST\",route=\"/graphql\",status=\"200\"} 1"
        ));
        assert!(text.contains(
            "orderhub_http_request_duration_seconds_bucket{route=\"/graphql\",le=\"0.005\"} 1"
        ));
        assert!(text.contains("orderhub_db_statements_total 1"));
        assert!(text.contains("orderhub_db_pool_connections{state=\"idle\"} 2"));
        assert!(text.contains("orderhub_webhook_rejected_total{platform=\"shopify\"} 1"));
    }
}
