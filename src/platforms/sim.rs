//! What every platform simulator shares: fault injection on demand, realistic Ukrainian test data,
//! and starting an HTTP server on a free loopback port. Each platform's `sim.rs` builds its own
//! endpoints (the same JSON as the real platform) on top of these.
//!
//! Control API, mounted by every simulator under `/_sim`:
//! - `POST /_sim/faults` `{"kind": "rate_limit"|"server_error"|"timeout"|"truncated_json", "count": 2,
//!   "retry_after": 1, "status": 503, "seconds": 5}`: the next `count` platform requests fail so;
//!   `{"kind": "rate_limit_text", "retry_after": "Wed, 21 Oct 2026 07:28:00 GMT"}` is a 429 whose
//!   `Retry-After` is that text as given (`-1`, `inf`, `NaN`, a date); `{"kind": "wrong_shape",
//!   "pointer": "/orders", "value": "none"}` is the normal answer, well-formed JSON, with the value
//!   at that JSON pointer replaced (no pointer: the first list in the answer; `value` defaults to
//!   a string), as when a platform changes a field's type;
//! - `GET /_sim/faults`: `{"requests": n, "pending": k, "paths": {"GET /v5/oms/orders/9d1b…": 1, …},
//!   "routes": {"GET /v5/oms/orders/{id}": 3, …}}`: the platform requests answered so far (faults
//!   included), the faults still queued, and every platform request counted by method and path
//!   (query left out) and by method and route (the route's pattern, where it has one), so a test
//!   can assert what a sync cost;
//! - `POST /_sim/latency` `{"ms": 200}`: every platform request waits that long first;
//! - `DELETE /_sim/faults`: clears faults and latency.
//!
//! Platform simulators add their own `/_sim/...` routes for orders (add, edit, read back what
//! orderhub pushed) and for revoking the token.

use actix_web::{web, HttpResponse};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// One injected failure.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// HTTP 429 with `Retry-After: retry_after` seconds.
    RateLimit {
        #[serde(default = "one")]
        retry_after: u64,
    },
    /// HTTP 500, 502 or 503.
    ServerError {
        #[serde(default = "five_hundred")]
        status: u16,
    },
    /// No answer for `seconds` (longer than the client's timeout), then the normal answer.
    Timeout {
        #[serde(default = "one")]
        seconds: u64,
    },
    /// The normal answer with its JSON cut in half.
    TruncatedJson,
    /// HTTP 429 with `Retry-After` exactly as given: `-1`, `inf`, `NaN`, an HTTP-date.
    RateLimitText { retry_after: String },
    /// The normal answer, still well-formed JSON, with one value of another type: the one at the
    /// JSON `pointer` (`/orders`, `/order/price`), else the answer's first list.
    WrongShape {
        #[serde(default)]
        pointer: Option<String>,
        #[serde(default = "not_what_was_expected")]
        value: serde_json::Value,
    },
}

fn not_what_was_expected() -> serde_json::Value {
    serde_json::Value::String("not what you expected".into())
}

/// The answer `body` with the value at `pointer` (or its first list, breadth first) replaced.
fn reshaped(body: &str, pointer: Option<&str>, value: serde_json::Value) -> String {
    let Ok(mut doc) = serde_json::from_str::<serde_json::Value>(body) else {
        return body.to_string();
    };
    let target = match pointer {
        Some(p) => doc.pointer_mut(p),
        None => first_list(&mut doc),
    };
    match target {
        Some(slot) => *slot = value,
        None => doc = value,
    }
    doc.to_string()
}

fn first_list(doc: &mut serde_json::Value) -> Option<&mut serde_json::Value> {
    let mut queue: VecDeque<&mut serde_json::Value> = VecDeque::from([doc]);
    while let Some(v) = queue.pop_front() {
        if v.is_array() {
            return Some(v);
        }
        if let serde_json::Value::Object(map) = v {
            queue.extend(map.values_mut());
        }
    }
    None
}

fn one() -> u64 {
    1
}
fn five_hundred() -> u16 {
    500
}

#[derive(Deserialize)]
struct FaultRequest {
    #[serde(flatten)]
    fault: Fault,
    #[serde(default = "one")]
    count: u64,
}

#[derive(Deserialize)]
struct LatencyRequest {
    ms: u64,
}

/// Faults waiting to hit the next requests, and a latency applied to all of them.
#[derive(Default)]
pub struct Faults {
    queue: Mutex<VecDeque<Fault>>,
    latency: Mutex<Duration>,
    /// Platform requests answered, faults included.
    requests: AtomicU64,
    /// Platform requests received, by `METHOD /path` and by `METHOD route`.
    counts: Mutex<RequestCounts>,
}

/// Platform requests received, counted two ways.
#[derive(Clone, Debug, Default)]
pub struct RequestCounts {
    /// By `METHOD /path`, the query left out: `GET /v5/oms/orders/9d1b…`.
    pub paths: BTreeMap<String, u64>,
    /// By `METHOD route`, the route's pattern where it has one: `GET /v5/oms/orders/{id}`.
    pub routes: BTreeMap<String, u64>,
}

impl RequestCounts {
    /// Requests whose `METHOD /path` starts with `prefix` (e.g. `GET /v5/oms/orders/`).
    pub fn starting_with(&self, prefix: &str) -> u64 {
        self.paths
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(_, n)| *n)
            .fold(0, u64::saturating_add)
    }
}

impl Faults {
    pub fn inject(&self, fault: Fault, count: u64) {
        let mut q = self.queue.lock().unwrap();
        for _ in 0..count {
            q.push_back(fault.clone());
        }
    }

    pub fn set_latency(&self, latency: Duration) {
        *self.latency.lock().unwrap() = latency;
    }

    /// Platform requests answered so far, faults included.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }

    /// Counts one platform request by its method, path and route pattern.
    pub fn count(&self, method: &str, path: &str, pattern: Option<&str>) {
        let mut counts = self.counts.lock().unwrap();
        let n = counts.paths.entry(format!("{method} {path}")).or_default();
        *n = n.saturating_add(1);
        let route = format!("{method} {}", pattern.unwrap_or(path));
        let n = counts.routes.entry(route).or_default();
        *n = n.saturating_add(1);
    }

    /// The platform requests received so far, by path and by route.
    pub fn counts(&self) -> RequestCounts {
        self.counts.lock().unwrap().clone()
    }

    pub fn clear(&self) {
        self.queue.lock().unwrap().clear();
        *self.latency.lock().unwrap() = Duration::ZERO;
    }

    /// Answers a platform request: applies latency and the next queued fault to `body`.
    pub async fn reply(&self, status: u16, body: serde_json::Value) -> HttpResponse {
        self.reply_text(status, body.to_string()).await
    }

    /// Like [`Faults::reply`] for a body that is JSON text already: the bytes go out as given
    /// (a simulator serving a payload verbatim splices it into its answer).
    pub async fn reply_text(&self, status: u16, body: String) -> HttpResponse {
        self.requests.fetch_add(1, Ordering::SeqCst);
        let latency = *self.latency.lock().unwrap();
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        let fault = self.queue.lock().unwrap().pop_front();
        let status_code = actix_web::http::StatusCode::from_u16(status)
            .unwrap_or(actix_web::http::StatusCode::OK);
        let json = |body: String| {
            HttpResponse::build(status_code)
                .content_type("application/json")
                .body(body)
        };
        match fault {
            Some(Fault::RateLimit { retry_after }) => HttpResponse::TooManyRequests()
                .insert_header(("Retry-After", retry_after.to_string()))
                .json(serde_json::json!({"error": "too many requests"})),
            Some(Fault::ServerError { status }) => HttpResponse::build(
                actix_web::http::StatusCode::from_u16(status)
                    .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR),
            )
            .content_type("text/html")
            .body("<html><body><h1>Service Unavailable</h1></body></html>"),
            Some(Fault::Timeout { seconds }) => {
                tokio::time::sleep(Duration::from_secs(seconds)).await;
                json(body)
            }
            Some(Fault::TruncatedJson) => {
                let mut end = body.len() / 2;
                while !body.is_char_boundary(end) {
                    end -= 1;
                }
                json(body[..end].to_string())
            }
            Some(Fault::RateLimitText { retry_after }) => HttpResponse::TooManyRequests()
                .insert_header(("Retry-After", retry_after))
                .json(serde_json::json!({"error": "too many requests"})),
            Some(Fault::WrongShape { pointer, value }) => {
                json(reshaped(&body, pointer.as_deref(), value))
            }
            None => json(body),
        }
    }
}

/// Mounts `/_sim/faults` and `/_sim/latency` for a simulator whose `Faults` is in app data.
pub fn fault_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/_sim/faults", web::post().to(post_fault))
        .route("/_sim/faults", web::get().to(fault_stats))
        .route("/_sim/faults", web::delete().to(clear_faults))
        .route("/_sim/latency", web::post().to(post_latency));
}

async fn post_fault(faults: web::Data<Faults>, req: web::Json<FaultRequest>) -> HttpResponse {
    let req = req.into_inner();
    faults.inject(req.fault, req.count);
    HttpResponse::NoContent().finish()
}

async fn fault_stats(faults: web::Data<Faults>) -> HttpResponse {
    let pending = faults.queue.lock().unwrap().len();
    let counts = faults.counts();
    HttpResponse::Ok().json(serde_json::json!({
        "requests": faults.requests(),
        "pending": pending,
        "paths": counts.paths,
        "routes": counts.routes,
    }))
}

async fn clear_faults(faults: web::Data<Faults>) -> HttpResponse {
    faults.clear();
    HttpResponse::NoContent().finish()
}

async fn post_latency(faults: web::Data<Faults>, req: web::Json<LatencyRequest>) -> HttpResponse {
    faults.set_latency(Duration::from_millis(req.ms));
    HttpResponse::NoContent().finish()
}

/// A running simulator.
pub struct SimServer {
    pub addr: SocketAddr,
    pub handle: actix_web::dev::ServerHandle,
}

impl SimServer {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }
}

/// Starts an HTTP server on `127.0.0.1:port` (0 = a free port) with the given routes.
pub fn serve<F>(port: u16, configure: F) -> std::io::Result<SimServer>
where
    F: Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
{
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
    let addr = listener.local_addr()?;
    let server = actix_web::HttpServer::new(move || {
        actix_web::App::new()
            .app_data(web::JsonConfig::default().limit(4 << 20))
            .configure(configure.clone())
            // every platform request counted by path and route, for tests of what a sync cost
            .wrap_fn(|req, srv| {
                use actix_web::dev::Service;
                if !req.path().starts_with("/_sim") {
                    if let Some(faults) = req.app_data::<web::Data<Faults>>() {
                        let pattern = req.match_pattern();
                        faults.count(req.method().as_str(), req.path(), pattern.as_deref());
                    }
                }
                srv.call(req)
            })
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1)
    .listen(listener)?
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    Ok(SimServer { addr, handle })
}

// ---- realistic data -------------------------------------------------------------------------

const FIRST_NAMES: &[&str] = &[
    "Олена",
    "Тарас",
    "Ірина",
    "Андрій",
    "Наталія",
    "Олександр",
    "Марія",
    "Дмитро",
    "Оксана",
    "Сергій",
    "Юлія",
    "Богдан",
    "Катерина",
    "Максим",
    "Світлана",
    "Василь",
    "Анна",
    "Ігор",
];
const LAST_NAMES: &[&str] = &[
    "Шевченко",
    "Коваленко",
    "Бондаренко",
    "Ткаченко",
    "Кравченко",
    "Олійник",
    "Мельник",
    "Поліщук",
    "Савченко",
    "Руденко",
    "Мороз",
    "Лисенко",
    "Гончаренко",
    "Павленко",
];
const CITIES: &[&str] = &[
    "Київ",
    "Львів",
    "Одеса",
    "Харків",
    "Дніпро",
    "Вінниця",
    "Полтава",
    "Чернігів",
    "Житомир",
    "Запоріжжя",
    "Івано-Франківськ",
    "Ужгород",
];

/// Goods every simulator sells, so one product shows up on several platforms (PRD-1).
pub const PRODUCTS: &[(&str, &str, &str, &[&str])] = &[
    (
        "Чайник електричний Philips HD9350",
        "PH-HD9350",
        "1299.00",
        &["Побутова техніка", "Техніка для кухні", "Чайники"],
    ),
    (
        "Блендер Bosch MSM66110",
        "BO-MSM66110",
        "1649.00",
        &["Побутова техніка", "Техніка для кухні", "Блендери"],
    ),
    (
        "Навушники JBL Tune 510BT",
        "JBL-T510BT",
        "1499.00",
        &["Електроніка", "Аудіо", "Навушники"],
    ),
    (
        "Павербанк Xiaomi 20000 mAh",
        "XM-PB20K",
        "899.00",
        &["Електроніка", "Аксесуари", "Павербанки"],
    ),
    (
        "Сковорода Tefal Ingenio 28 см",
        "TF-ING28",
        "1199.00",
        &["Дім і сад", "Посуд", "Сковороди"],
    ),
    (
        "Термос Stanley Classic 1 л",
        "ST-CL1L",
        "1890.00",
        &["Туризм", "Термоси"],
    ),
    (
        "Рюкзак міський Xiaomi Mi Casual",
        "XM-BAG-C",
        "749.00",
        &["Аксесуари", "Рюкзаки"],
    ),
    (
        "Фітнес-браслет Xiaomi Smart Band 8",
        "XM-SB8",
        "1399.00",
        &["Електроніка", "Гаджети", "Фітнес-браслети"],
    ),
    (
        "Кавоварка DeLonghi EC685",
        "DL-EC685",
        "8999.00",
        &["Побутова техніка", "Техніка для кухні", "Кавоварки"],
    ),
    (
        "Набір ножів Fissler 5 шт",
        "FS-KN5",
        "3499.00",
        &["Дім і сад", "Посуд", "Ножі"],
    ),
    (
        "Зволожувач повітря Philips HU4803",
        "PH-HU4803",
        "2799.00",
        &["Побутова техніка", "Клімат", "Зволожувачі"],
    ),
    (
        "Миша Logitech MX Master 3S",
        "LG-MXM3S",
        "3999.00",
        &["Електроніка", "Комп'ютерна периферія", "Миші"],
    ),
];

/// A seeded source of realistic orders' parts. The same seed gives the same data.
pub struct FakeData {
    rng: StdRng,
}

/// A buyer. `index` picks from a shared pool, so the same person buys on several platforms.
#[derive(Clone, Debug)]
pub struct FakePerson {
    pub first_name: String,
    pub last_name: String,
    /// 12 digits, no `+` (`380501234567`), as Rozetka and Epicentr send it.
    pub phone_digits: String,
    pub email: String,
    pub city: String,
    pub branch: u32,
}

impl FakeData {
    pub fn new(seed: u64) -> Self {
        FakeData {
            rng: StdRng::seed_from_u64(seed),
        }
    }

    pub fn rng(&mut self) -> &mut StdRng {
        &mut self.rng
    }

    /// Person `index` of a pool of 400: the same index is the same person in every simulator.
    pub fn person(index: u64) -> FakePerson {
        let mut r = StdRng::seed_from_u64(0x5eed_0000 + index % 400);
        let first = FIRST_NAMES[r.gen_range(0..FIRST_NAMES.len())];
        let last = LAST_NAMES[r.gen_range(0..LAST_NAMES.len())];
        let operator = [
            "50", "66", "67", "68", "73", "93", "95", "96", "97", "98", "99",
        ][r.gen_range(0..11)];
        let phone_digits = format!("380{operator}{:07}", r.gen_range(0..10_000_000u32));
        FakePerson {
            first_name: first.into(),
            last_name: last.into(),
            email: format!("buyer{}@example.com", index % 400),
            phone_digits,
            city: CITIES[r.gen_range(0..CITIES.len())].into(),
            branch: r.gen_range(1..120),
        }
    }

    /// A random buyer from the shared pool.
    pub fn any_person(&mut self) -> FakePerson {
        let i = self.rng.gen_range(0..400);
        FakeData::person(i)
    }

    /// 1 to 3 distinct products with quantities.
    pub fn basket(&mut self) -> Vec<(usize, u32)> {
        let n = self.rng.gen_range(1..=3);
        let mut picked: Vec<usize> = Vec::new();
        while picked.len() < n {
            let p = self.rng.gen_range(0..PRODUCTS.len());
            if !picked.contains(&p) {
                picked.push(p);
            }
        }
        picked
            .into_iter()
            .map(|p| (p, self.rng.gen_range(1..=2)))
            .collect()
    }

    pub fn price(product: usize) -> Decimal {
        PRODUCTS[product].2.parse().expect("valid price")
    }

    /// A Nova Poshta TTN: 14 digits starting with 20 or 59.
    pub fn ttn(&mut self) -> String {
        let prefix = if self.rng.gen_bool(0.5) { "20" } else { "59" };
        format!(
            "{prefix}{:012}",
            self.rng.gen_range(0..1_000_000_000_000u64)
        )
    }

    /// Seconds back from now, spread over `days`, for orders' creation times.
    pub fn seconds_ago(&mut self, days: u64) -> i64 {
        self.rng.gen_range(60..days * 86_400) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_person_everywhere() {
        let a = FakeData::person(17);
        let b = FakeData::person(17);
        assert_eq!(a.phone_digits, b.phone_digits);
        assert_eq!(a.phone_digits.len(), 12);
        assert!(a.phone_digits.starts_with("380"));
        assert!(crate::domain::phone::Phone::parse(&a.phone_digits).is_some());
    }

    #[test]
    fn baskets_hold_distinct_products() {
        let mut f = FakeData::new(1);
        for _ in 0..50 {
            let b = f.basket();
            assert!((1..=3).contains(&b.len()));
            let mut ids: Vec<_> = b.iter().map(|x| x.0).collect();
            ids.dedup();
            assert_eq!(ids.len(), b.len());
        }
        assert_eq!(f.ttn().len(), 14);
    }
}
