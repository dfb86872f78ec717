//! Property tests of the platform mappers (issue 14, "nothing stops the line"): every webhook and
//! REST mapper takes arbitrary JSON, mutations of the real fixtures and of the platform notes'
//! example orders — numbers at the type limits, missing and null fields, wrong types, huge
//! strings, deep nesting, bytes that are not UTF-8 — and answers a value or an error, never a
//! panic. The case counts are bounded so the set stays a few seconds of `cargo test`; the seed is
//! fixed so a failure reproduces (`PROPTEST_RNG_SEED=<n>` explores other cases,
//! `PROPTEST_CASES=<n>` more of them).
// covers: WH-4, IMP-3, IMP-6, CUS-1, CUS-2, CUS-3, DLV-1, PRD-2

use super::{cartum, epicentr, prom, rozetka, shopify, webhook_mapping, woocommerce};
use crate::domain::Platform;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config as ProptestConfig, RngSeed};
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

const SEED: u64 = 14;

fn config(cases: u32) -> ProptestConfig {
    // reads PROPTEST_* from the environment first
    let base = ProptestConfig::default();
    ProptestConfig {
        // PROPTEST_CASES=<n> searches deeper
        cases: if std::env::var_os("PROPTEST_CASES").is_some() {
            base.cases
        } else {
            cases
        },
        failure_persistence: None,
        max_shrink_iters: 512,
        rng_seed: match base.rng_seed {
            RngSeed::Random => RngSeed::Fixed(SEED),
            chosen => chosen,
        },
        ..base
    }
}

// ---------------------------------------------------------------------------------------------
// What each platform sends

const SHOPIFY_ORDERS: &[&str] = &[
    include_str!("../../tests/fixtures/shopify-order-1.json"),
    include_str!("../../tests/fixtures/shopify-order-2.json"),
    include_str!("../../tests/fixtures/shopify-order-3.json"),
];
const SHOPIFY_REFUND: &str = include_str!("../../tests/fixtures/shopify-refund-1.json");
const WOO_ORDERS: &[&str] = &[
    include_str!("../../tests/fixtures/woocommerce-order-1.json"),
    include_str!("../../tests/fixtures/woocommerce-order-2.json"),
    include_str!("../../tests/fixtures/woocommerce-order-3.json"),
];
const WOO_REFUND: &str = include_str!("../../tests/fixtures/woocommerce-refund-1.json");

// The four polled platforms' notes' example orders, as their map.rs tests read them.
use super::cartum::map::tests::EXAMPLE as CARTUM_EXAMPLE;
use super::epicentr::map::tests::EXAMPLE as EPICENTR_EXAMPLE;
use super::prom::map::tests::EXAMPLE as PROM_EXAMPLE;
use super::rozetka::map::tests::EXAMPLE as ROZETKA_EXAMPLE;

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("a fixture is JSON")
}

/// The orders of a fixture: a REST list (`{"orders": […]}` or a bare array) or one order.
fn orders_in(fixture: &Value) -> Vec<Value> {
    match fixture.get("orders").unwrap_or(fixture) {
        Value::Array(items) => items.clone(),
        one => vec![one.clone()],
    }
}

/// Shopify: each fixture order bare (the webhook body) and in `{"order": …}` (REST), each list
/// answer whole, and the refund.
fn shopify_examples() -> &'static [Value] {
    static CELL: OnceLock<Vec<Value>> = OnceLock::new();
    CELL.get_or_init(|| {
        let mut out = Vec::new();
        for fixture in SHOPIFY_ORDERS.iter().map(|t| parse(t)) {
            for order in orders_in(&fixture) {
                out.push(json!({ "order": order }));
                out.push(order);
            }
            out.push(json!({ "orders": orders_in(&fixture) }));
        }
        out.push(parse(SHOPIFY_REFUND));
        out
    })
}

/// WooCommerce: each fixture order (webhook body and `GET /orders/{id}`), each list, the refund.
fn woo_examples() -> &'static [Value] {
    static CELL: OnceLock<Vec<Value>> = OnceLock::new();
    CELL.get_or_init(|| {
        let mut out = Vec::new();
        for fixture in WOO_ORDERS.iter().map(|t| parse(t)) {
            out.extend(orders_in(&fixture));
            out.push(Value::Array(orders_in(&fixture)));
        }
        out.push(parse(WOO_REFUND));
        out
    })
}

fn rozetka_examples() -> &'static [Value] {
    static CELL: OnceLock<Vec<Value>> = OnceLock::new();
    CELL.get_or_init(|| {
        let env = parse(ROZETKA_EXAMPLE);
        let order = env["content"].clone();
        vec![
            order.clone(),
            json!({"success": true, "content": {"orders": [order.clone(), order], "_meta": {"totalCount": 2, "pageCount": 1, "currentPage": 1, "perPage": 20}}}),
            env,
        ]
    })
}

fn prom_examples() -> &'static [Value] {
    static CELL: OnceLock<Vec<Value>> = OnceLock::new();
    CELL.get_or_init(|| {
        let env = parse(PROM_EXAMPLE);
        let order = env["order"].clone();
        vec![json!({ "orders": [order.clone(), order] }), env]
    })
}

fn epicentr_examples() -> &'static [Value] {
    static CELL: OnceLock<Vec<Value>> = OnceLock::new();
    CELL.get_or_init(|| {
        let order = parse(EPICENTR_EXAMPLE);
        vec![
            json!({ "items": [order.clone()], "pages": 1, "total": 1 }),
            order,
        ]
    })
}

fn cartum_examples() -> &'static [Value] {
    static CELL: OnceLock<Vec<Value>> = OnceLock::new();
    CELL.get_or_init(|| vec![parse(CARTUM_EXAMPLE)])
}

// ---------------------------------------------------------------------------------------------
// Entry points: each reads a body the way the engine does and maps what it can. The results are
// dropped; only a panic fails the property.

const SHOPIFY_TOPICS: &[&str] = &[
    "orders/create",
    "orders/updated",
    "orders/paid",
    "orders/cancelled",
    "orders/fulfilled",
    "orders/partially_fulfilled",
    "orders/delete",
    "refunds/create",
    "",
];
const WOO_TOPICS: &[&str] = &[
    "order.created",
    "order.updated",
    "order.restored",
    "order.deleted",
    "action.woocommerce_order_refunded",
    "",
];

fn shopify_reads(body: &[u8]) {
    for topic in SHOPIFY_TOPICS {
        let _ = webhook_mapping(Platform::Shopify, topic, body, None);
    }
    use shopify::map;
    let _ = map::order_id(body);
    if let Ok(order) = map::parse_order(body) {
        map_shopify(&order);
    }
    if let Ok(orders) = map::parse_orders(body) {
        orders.iter().for_each(map_shopify);
    }
    if let Ok(refund) = map::parse_refund(body) {
        let _ = map::refund_amount(&refund);
    }
}

fn map_shopify(order: &shopify::wire::Order) {
    use shopify::map;
    let _ = map::to_imported(order);
    let _ = map::excluded_from_backfill(order);
    let _ = map::updated_at(order);
}

fn woo_reads(body: &[u8]) {
    for topic in WOO_TOPICS {
        let _ = webhook_mapping(Platform::Woocommerce, topic, body, None);
    }
    use woocommerce::map;
    let _ = map::order_id(body);
    if let Ok(order) = map::parse_order(body) {
        map_woo(&order);
    }
    if let Ok(orders) = map::parse_orders(body) {
        orders.iter().for_each(map_woo);
    }
    let _ = map::parse_refund(body);
}

fn map_woo(order: &woocommerce::wire::Order) {
    use woocommerce::map;
    let _ = map::import_skip_reason(order);
    let _ = map::to_imported(order);
    let _ = map::excluded_from_backfill(order);
    let _ = map::refunded_total(order);
}

/// Both ways serde reads a body in the clients: straight from the bytes, or from a `Value`
/// already taken out of an envelope.
fn decode<T: serde::de::DeserializeOwned>(body: &[u8], value: Option<&Value>) -> Vec<T> {
    let mut out: Vec<T> = serde_json::from_slice(body).into_iter().collect();
    if let Some(v) = value {
        out.extend(serde_json::from_value::<T>(v.clone()));
    }
    out
}

fn rozetka_reads(body: &[u8]) {
    use rozetka::{map, wire};
    let value: Option<Value> = serde_json::from_slice(body).ok();
    let content = value.as_ref().map(|v| v.get("content").unwrap_or(v));
    let mut orders: Vec<wire::Order> = decode(body, content);
    for list in decode::<wire::OrderList>(body, content) {
        orders.extend(list.orders);
    }
    let _ = decode::<wire::Envelope>(body, value.as_ref());
    let formulas = [
        map::CommissionFormula::PerItemSum,
        map::CommissionFormula::Percent,
        map::CommissionFormula::Off,
    ];
    for order in &orders {
        for commission in formulas {
            let options = map::MapOptions {
                commission,
                ..map::MapOptions::default()
            };
            let _ = map::order_to_imported(order, &options);
        }
        let _ = map::status_class(order);
    }
}

fn prom_reads(body: &[u8]) {
    use prom::{map, wire};
    let value: Option<Value> = serde_json::from_slice(body).ok();
    let mut orders: Vec<wire::Order> = decode(body, value.as_ref());
    for envelope in decode::<wire::OrderEnvelope>(body, value.as_ref()) {
        orders.push(envelope.order);
    }
    for list in decode::<wire::OrderList>(body, value.as_ref()) {
        orders.extend(list.orders);
    }
    let options = [
        map::MapOptions::default(),
        map::MapOptions {
            language: "ru".into(),
            naive_times_kyiv: false,
            ..map::MapOptions::default()
        },
    ];
    for order in &orders {
        for opts in &options {
            let _ = map::order(order, opts);
        }
        let _ = map::delivery_provider(order);
    }
}

fn epicentr_reads(body: &[u8]) {
    use epicentr::{map, wire};
    let value: Option<Value> = serde_json::from_slice(body).ok();
    let mut orders: Vec<wire::Order> = decode(body, value.as_ref());
    for page in decode::<wire::OrderPage>(body, value.as_ref()) {
        orders.extend(page.items);
    }
    let options = map::MapOptions::default();
    for order in &orders {
        let _ = map::map_order(order, &options);
    }
}

fn cartum_reads(body: &[u8]) {
    use cartum::{map, wire};
    let value: Option<Value> = serde_json::from_slice(body).ok();
    let response = value.as_ref().map(|v| v.get("response").unwrap_or(v));
    let mut orders: Vec<wire::Order> = decode(body, response);
    for page in decode::<wire::OrdersResponse>(body, response) {
        orders.extend(page.orders);
    }
    if let Some(list) = response
        .and_then(|r| r.get("orders"))
        .and_then(Value::as_array)
    {
        orders.extend(
            list.iter()
                .filter_map(|o| serde_json::from_value::<wire::Order>(o.clone()).ok()),
        );
    }
    if let Some(env) = decode::<wire::Envelope>(body, value.as_ref()).first() {
        let _ = env.error_message();
        let _ = env.error_code();
    }
    let contexts = [
        map::MapContext::default(),
        map::MapContext {
            language: Some("ru".into()),
            name_order: map::NameOrder::FirstLast,
            default_currency: String::new(),
            ..map::MapContext::default()
        },
    ];
    for order in &orders {
        for ctx in &contexts {
            let _ = map::order(order, ctx);
        }
        let _ = map::tracking_number(order);
    }
}

fn every_read(body: &[u8]) {
    shopify_reads(body);
    woo_reads(body);
    rozetka_reads(body);
    prom_reads(body);
    epicentr_reads(body);
    cartum_reads(body);
}

// ---------------------------------------------------------------------------------------------
// Hostile values and the mutator

/// Tokens that `serde_json::Value` cannot hold as written (it would round them through `f64` or
/// refuse them), spliced into the body as raw bytes; and bytes that are not UTF-8.
const RAW: &[&[u8]] = &[
    b"1e99999",
    b"-1e99999",
    b"1e-99999",
    b"1E+308",
    b"4.9e-324",
    b"-0",
    b"-0.0",
    b"79228162514264337593543950335",
    b"79228162514264337593543950336",
    b"-79228162514264337593543950336",
    b"792281625142643375935439503350000000000000",
    b"18446744073709551616",
    b"-9223372036854775809",
    b"0.00000000000000000000000000000000000001",
    b"123456789012345678901234567890.1234567890123456789012345678901234567890",
    b"\"\xff\xfe\"",
    b"\"a\xc3(\"",
    b"\"\xed\xa0\x80\"",
    b"\"\xf4\x90\x80\x80\"",
    b"\"\\ud800\"",
    b"\"\\udfff\\ud800\"",
    b"\"\\u0000\"",
    b"NaN",
    b"Infinity",
];

/// Values with a meaning on some platform, pushed to their limits.
fn hostile_values() -> &'static [Value] {
    static CELL: OnceLock<Vec<Value>> = OnceLock::new();
    CELL.get_or_init(|| {
        let long_decimal = format!("1.{}", "9".repeat(200));
        let mut values = vec![
            Value::Null,
            json!(true),
            json!(false),
            json!(0),
            json!(-1),
            json!(u64::MAX),
            json!(i64::MIN),
            json!(i64::MAX),
            json!(1e308),
            json!(-1e308),
            json!(f64::MIN_POSITIVE),
            json!(-0.0),
            json!(0.1),
            json!(7.922816251426434e28),
            json!(-7.922816251426434e28),
            json!({}),
            json!([]),
            json!([null]),
            json!([{}]),
            json!({"": null}),
            json!(""),
            json!(" "),
            json!("\u{a0}"),
            json!("null"),
            json!("true"),
            json!("0"),
            json!("-0"),
            json!("-1"),
            json!("NaN"),
            json!("1e99999"),
            json!("-1e99999"),
            json!("1e-99999"),
            json!("79228162514264337593543950335"),
            json!("79228162514264337593543950336"),
            json!("-79228162514264337593543950335"),
            json!("-79228162514264337593543950336"),
            json!("7.9228162514264337593543950335"),
            json!("0.0000000000000000000000000001"),
            json!("0.00000000000000000000000000001"),
            json!("18446744073709551616"),
            json!("-9223372036854775809"),
            json!("9223372036854775807"),
            json!("1 234,50 грн"),
            json!("1.234.567,89,12"),
            json!("--1"),
            json!("-"),
            json!(".,"),
            json!(long_decimal),
            json!(format!("-{long_decimal}")),
            json!(format!("{}", "9".repeat(400))),
            // times: the ends of chrono's range, impossible dates, Kyiv's spring gap and
            // autumn overlap, offsets out of range
            json!("0000-01-01 00:00:00"),
            json!("0000-01-01T00:00:00+00:00"),
            json!("9999-12-31 23:59:59"),
            json!("9999-12-31T23:59:59-23:59"),
            json!("+262142-12-31T23:59:59Z"),
            json!("-262143-01-01T00:00:00Z"),
            json!("262142-12-31 23:59:59"),
            json!("+262142-12-31 23:59:59"),
            json!("-262143-01-01 00:00:00"),
            json!("-262144-01-01 00:00:00"),
            json!("2025-02-30 10:00:00"),
            json!("2025-03-30 03:30:00"),
            json!("2025-10-26 03:30:00"),
            json!("2025-03-14T25:61:61+99:99"),
            json!("2025-03-14T20:41:07.9999999999999999+00:00"),
            json!("2025-03-14"),
            json!("1970-01-01T00:00:00"),
            json!("-1"),
            // phones, e-mails, entities, text with no ASCII
            json!("+"),
            json!("+380"),
            json!("+3806712345678901234567890"),
            json!(format!("+{}", "3".repeat(5000))),
            json!("@"),
            json!("a@"),
            json!("@b"),
            json!("a@b@c"),
            json!("&#xFFFFFFFF;"),
            json!("&#1114112;"),
            json!("&#55296;"),
            json!("&#x;&#;&;&&&&"),
            json!("&amp"),
            json!("ї"),
            json!("\u{FEFF}\u{200B}\u{202E}e\u{301}\u{0}"),
            json!("👩‍👩‍👧‍👦"),
            json!("Мирошниченко"),
            json!("   Мирошниченко   Тарас   Олегович   "),
        ];
        // 100 KB strings: ASCII, two-byte letters, and an amount-looking one
        values.push(json!("a".repeat(100 * 1024)));
        values.push(json!("ї".repeat(50 * 1024)));
        values.push(json!("9".repeat(100 * 1024)));
        values.push(json!(format!("&{}", "#".repeat(100 * 1024))));
        values.push(Value::Array(vec![json!(u64::MAX); 1000]));
        values
    })
}

/// A small arbitrary JSON value.
fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        any::<String>().prop_map(Value::String),
        "[0-9 .,+-]{0,40}".prop_map(Value::String),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}([+-][0-9]{2}:[0-9]{2}|Z)?"
            .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((any::<String>(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

#[derive(Clone, Debug)]
enum Hostile {
    Json(Value),
    /// An index into [`RAW`].
    Raw(usize),
}

fn hostile() -> impl Strategy<Value = Hostile> {
    prop_oneof![
        3 => select(hostile_values()).prop_map(Hostile::Json),
        2 => (0..RAW.len()).prop_map(Hostile::Raw),
        1 => arbitrary_json().prop_map(Hostile::Json),
    ]
}

#[derive(Clone, Debug)]
enum Edit {
    Replace(Hostile),
    /// Removes an object key or an array element (the root becomes `null`).
    Delete,
    WrapInArray,
    WrapInObject,
    /// Numbers, booleans and containers as their JSON text; strings as a number where they
    /// read as one.
    SwapType,
    /// An array's first element `n` times.
    Repeat(usize),
    /// A key every platform reads (`id`, `status`, …) added to the node with a hostile value.
    AddKey(&'static str, Hostile),
    /// Every number in the node but ids, and every string that reads as one, becomes this
    /// extreme (an index into [`EXTREMES`]): sums and products of amounts overflow at once.
    EveryNumber(usize),
    /// Every string in the node but ids becomes this one (an index into [`ODD_STRINGS`]).
    EveryString(usize),
}

/// Numbers at and past the ends of `Decimal`, `u64` and `i64`, as JSON text.
const EXTREMES: &[&str] = &[
    // as a JSON number this is read through f64: the largest that still reads back as a Decimal
    "79000000000000000000000000000",
    "-79000000000000000000000000000",
    "79228162514264337593543950335",
    "-79228162514264337593543950335",
    "7.9228162514264337593543950335",
    "0.0000000000000000000000000001",
    "18446744073709551615",
    "-9223372036854775808",
    "9223372036854775807",
    "4294967295",
    "99999999999999999999999999999999",
    "1e28",
    "1e99999",
    "-0",
    "0",
];

const ODD_STRINGS: &[&str] = &[
    "",
    " ",
    "\u{0}",
    "ї",
    "&#1114112;",
    "+",
    "-1",
    "null",
    "+262142-12-31T23:59:59Z",
    "2025-03-30 03:30:00",
];

const KEYS: &[&str] = &[
    "id",
    "order",
    "orders",
    "content",
    "response",
    "status",
    "currency",
    "total_price",
    "created_at",
    "line_items",
    "quantity",
    "price",
    "phone",
    "email",
    "billing",
    "customer",
    "shipping_lines",
    "fulfillments",
    "refunds",
    "purchases",
    "products",
    "items",
    "created",
    "date_created",
    "date_created_gmt",
    "stat_created",
    "createdAt",
    "delivery",
    "address",
];

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        6 => hostile().prop_map(Edit::Replace),
        2 => Just(Edit::Delete),
        1 => Just(Edit::WrapInArray),
        1 => Just(Edit::WrapInObject),
        2 => Just(Edit::SwapType),
        1 => (0usize..2000).prop_map(Edit::Repeat),
        1 => (select(KEYS), hostile()).prop_map(|(k, h)| Edit::AddKey(k, h)),
        2 => (0..EXTREMES.len()).prop_map(Edit::EveryNumber),
        1 => (0..ODD_STRINGS.len()).prop_map(Edit::EveryString),
    ]
}

#[derive(Clone, Debug)]
enum Step {
    Key(String),
    At(usize),
}

/// Every node of `v`, the root first, by the steps that lead to it.
fn node_paths(v: &Value) -> Vec<Vec<Step>> {
    fn walk(v: &Value, here: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
        out.push(here.clone());
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    here.push(Step::Key(k.clone()));
                    walk(child, here, out);
                    here.pop();
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    here.push(Step::At(i));
                    walk(child, here, out);
                    here.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, &mut Vec::new(), &mut out);
    out
}

fn node_mut<'a>(v: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |v, step| match step {
        Step::Key(k) => v.get_mut(k.as_str()),
        Step::At(i) => v.get_mut(*i),
    })
}

fn marker(i: usize) -> String {
    format!("@@RAW{i}@@")
}

fn extreme_marker(i: usize) -> String {
    format!("@@NUM{i}@@")
}

/// Applies `f` to every leaf under `v` but ids (`id`, `…_id`, `…Id`): an order whose id no longer
/// reads is refused before its amounts are looked at.
fn each_leaf(v: &mut Value, f: &mut impl FnMut(&mut Value)) {
    match v {
        Value::Object(map) => map
            .iter_mut()
            .filter(|(k, _)| !(k.as_str() == "id" || k.ends_with("_id") || k.ends_with("Id")))
            .for_each(|(_, c)| each_leaf(c, f)),
        Value::Array(items) => items.iter_mut().for_each(|c| each_leaf(c, f)),
        leaf => f(leaf),
    }
}

fn hostile_json(h: &Hostile) -> Value {
    match h {
        Hostile::Json(v) => v.clone(),
        Hostile::Raw(i) => Value::String(marker(*i)),
    }
}

fn swap_type(v: &Value) -> Value {
    match v {
        Value::String(s) => {
            let t = s.trim();
            t.parse::<u64>()
                .map(Value::from)
                .or_else(|_| t.parse::<i64>().map(Value::from))
                .ok()
                .or_else(|| {
                    t.parse::<f64>()
                        .ok()
                        .and_then(serde_json::Number::from_f64)
                        .map(Value::Number)
                })
                .unwrap_or_else(|| json!({ "value": s }))
        }
        Value::Null => json!("null"),
        other => Value::String(other.to_string()),
    }
}

/// Applies one edit at the node `at` picks (modulo their number) among the current nodes.
fn apply(doc: &mut Value, at: usize, edit: &Edit) {
    let paths = node_paths(doc);
    let path = paths[at % paths.len()].clone();
    if let Edit::Delete = edit {
        match path.split_last() {
            None => *doc = Value::Null,
            Some((last, parent)) => match (node_mut(doc, parent), last) {
                (Some(Value::Object(map)), Step::Key(k)) => {
                    map.remove(k);
                }
                (Some(Value::Array(items)), Step::At(i)) if *i < items.len() => {
                    items.remove(*i);
                }
                _ => {}
            },
        }
        return;
    }
    let Some(node) = node_mut(doc, &path) else {
        return;
    };
    match edit {
        Edit::Replace(h) => *node = hostile_json(h),
        Edit::Delete => {}
        Edit::WrapInArray => *node = Value::Array(vec![node.take()]),
        Edit::WrapInObject => *node = json!({ "value": node.take() }),
        Edit::SwapType => *node = swap_type(node),
        Edit::Repeat(n) => {
            if let Value::Array(items) = node {
                if let Some(first) = items.first().cloned() {
                    items.extend(std::iter::repeat_n(first, *n));
                }
            }
        }
        Edit::EveryNumber(i) => each_leaf(node, &mut |leaf| match leaf {
            // integer fields keep integers, or the order is refused before any arithmetic
            Value::Number(n)
                if !(n.is_u64() || n.is_i64())
                    || EXTREMES[*i].parse::<u64>().is_ok()
                    || EXTREMES[*i].parse::<i64>().is_ok() =>
            {
                *leaf = Value::String(extreme_marker(*i))
            }
            Value::String(s) if s.trim().parse::<f64>().is_ok() => {
                *leaf = Value::String(EXTREMES[*i].to_string())
            }
            _ => {}
        }),
        Edit::EveryString(i) => each_leaf(node, &mut |leaf| {
            if leaf.is_string() {
                *leaf = Value::String(ODD_STRINGS[*i].to_string());
            }
        }),
        Edit::AddKey(key, h) => match node {
            Value::Object(map) => {
                map.insert((*key).to_string(), hostile_json(h));
            }
            other => {
                let mut map = Map::new();
                map.insert((*key).to_string(), hostile_json(h));
                *other = Value::Object(map);
            }
        },
    }
}

/// The document as bytes, with every raw marker replaced by its raw token.
fn to_body(doc: &Value) -> Vec<u8> {
    let mut body = serde_json::to_vec(doc).expect("a Value serializes");
    for (i, raw) in RAW.iter().enumerate() {
        let quoted = format!("\"{}\"", marker(i)).into_bytes();
        body = replace_all(&body, &quoted, raw);
    }
    for (i, number) in EXTREMES.iter().enumerate() {
        let quoted = format!("\"{}\"", extreme_marker(i)).into_bytes();
        body = replace_all(&body, &quoted, number.as_bytes());
    }
    body
}

fn replace_all(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

/// A body made from one of `examples` with one to four edits at random places.
fn mutated(examples: &'static [Value]) -> impl Strategy<Value = Vec<u8>> {
    (
        select(examples),
        prop::collection::vec((any::<usize>(), edit()), 1..5),
    )
        .prop_map(|(example, edits)| {
            let mut doc = example;
            for (at, e) in &edits {
                apply(&mut doc, *at, e);
            }
            to_body(&doc)
        })
}

/// An object holding some of the keys the platforms read, with hostile values.
fn keyed_object() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec((select(KEYS), hostile()), 0..12).prop_map(|kv| {
        let map: Map<String, Value> = kv
            .iter()
            .map(|(k, h)| ((*k).to_string(), hostile_json(h)))
            .collect();
        to_body(&Value::Object(map))
    })
}

// ---------------------------------------------------------------------------------------------
// The properties

// The unmutated examples must map, or the properties below would test only the error paths.
// covers: IMP-3, WH-4
#[test]
fn the_examples_map_unmutated() {
    use crate::platforms::Mapped;
    for order in shopify_examples()
        .iter()
        .filter(|v| v.get("line_items").is_some())
    {
        let body = serde_json::to_vec(order).unwrap();
        assert!(matches!(
            webhook_mapping(Platform::Shopify, "orders/create", &body, None),
            Ok(Mapped::Order(_))
        ));
    }
    // orders, not the refund (which has line items too)
    for order in woo_examples().iter().filter(|v| v.get("status").is_some()) {
        let body = serde_json::to_vec(order).unwrap();
        let mapped = webhook_mapping(Platform::Woocommerce, "order.created", &body, None);
        assert!(mapped.is_ok(), "{}: {:?}", order["id"], mapped.err());
    }
    let rozetka: rozetka::wire::Order =
        serde_json::from_value(rozetka_examples()[0].clone()).unwrap();
    rozetka::map::order_to_imported(&rozetka, &Default::default()).unwrap();
    let prom: prom::wire::OrderEnvelope = serde_json::from_str(PROM_EXAMPLE).unwrap();
    prom::map::order(&prom.order, &Default::default()).unwrap();
    let epicentr: epicentr::wire::Order = serde_json::from_str(EPICENTR_EXAMPLE).unwrap();
    epicentr::map::map_order(&epicentr, &Default::default()).unwrap();
    let cartum: cartum::wire::Order =
        serde_json::from_value(cartum_examples()[0]["response"]["orders"][0].clone()).unwrap();
    cartum::map::order(&cartum, &Default::default()).unwrap();
    // and the mutator's raw tokens reach the body as written
    let mut doc = json!({"a": 1});
    apply(&mut doc, 1, &Edit::Replace(Hostile::Raw(0)));
    assert_eq!(to_body(&doc), b"{\"a\":1e99999}");
}

proptest! {
    #![proptest_config(config(256))]

    // covers: WH-4, IMP-3, CUS-3, DLV-1, PRD-2
    #[test]
    fn shopify_mutated_fixtures_never_panic(body in mutated(shopify_examples())) {
        shopify_reads(&body);
    }

    // covers: WH-4, IMP-3, IMP-6, CUS-2, PRD-2
    #[test]
    fn woocommerce_mutated_fixtures_never_panic(body in mutated(woo_examples())) {
        woo_reads(&body);
    }

    // covers: IMP-3, CUS-1, DLV-1, PRD-2
    #[test]
    fn rozetka_mutated_examples_never_panic(body in mutated(rozetka_examples())) {
        rozetka_reads(&body);
    }

    // covers: IMP-3, CUS-1, DLV-1, PRD-2
    #[test]
    fn prom_mutated_examples_never_panic(body in mutated(prom_examples())) {
        prom_reads(&body);
    }

    // covers: IMP-3, CUS-1, DLV-1, PRD-2
    #[test]
    fn epicentr_mutated_examples_never_panic(body in mutated(epicentr_examples())) {
        epicentr_reads(&body);
    }

    // covers: IMP-3, CUS-1, DLV-1, PRD-2
    #[test]
    fn cartum_mutated_examples_never_panic(body in mutated(cartum_examples())) {
        cartum_reads(&body);
    }
}

proptest! {
    #![proptest_config(config(128))]

    // covers: WH-4, IMP-3
    #[test]
    fn arbitrary_json_never_panics_any_mapper(doc in arbitrary_json()) {
        every_read(&to_body(&doc));
    }

    // covers: WH-4, IMP-3
    #[test]
    fn objects_of_known_keys_never_panic_any_mapper(body in keyed_object()) {
        every_read(&body);
    }

    // covers: WH-4
    #[test]
    fn arbitrary_bytes_never_panic_any_mapper(body in prop::collection::vec(any::<u8>(), 0..512)) {
        every_read(&body);
    }
}

/// Nesting far past serde_json's recursion limit (128) is refused, not a stack overflow; the
/// same inside a real order's field.
// covers: WH-4
#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    const DEPTH: usize = 10_000;
    let arrays = format!("{}{}", "[".repeat(DEPTH), "]".repeat(DEPTH));
    let objects = format!("{}1{}", "{\"a\":".repeat(DEPTH), "}".repeat(DEPTH));
    let unclosed = "[{\"id\":".repeat(DEPTH);
    let mut bodies = vec![arrays.clone(), objects.clone(), unclosed];
    for examples in [shopify_examples(), woo_examples(), rozetka_examples()] {
        let mut doc = examples[0].clone();
        apply(
            &mut doc,
            0,
            &Edit::AddKey("line_items", Hostile::Json(json!("@@DEEP@@"))),
        );
        let text = serde_json::to_string(&doc).unwrap();
        bodies.push(text.replace("\"@@DEEP@@\"", &arrays));
        bodies.push(text.replace("\"@@DEEP@@\"", &objects));
    }
    for body in &bodies {
        every_read(body.as_bytes());
        assert!(serde_json::from_slice::<Value>(body.as_bytes()).is_err());
    }
}

/// Every amount of every example at each extreme, and every string at each odd value, all at
/// once: the overflowing sums and products of the mappers, checked without waiting for the
/// random search to pick the right nodes.
// covers: IMP-3, DLV-1, PRD-2
#[test]
fn every_amount_at_the_limits_is_an_answer_not_a_panic() {
    type Reads = fn(&[u8]);
    let platforms: [(&[Value], Reads); 6] = [
        (shopify_examples(), shopify_reads),
        (woo_examples(), woo_reads),
        (rozetka_examples(), rozetka_reads),
        (prom_examples(), prom_reads),
        (epicentr_examples(), epicentr_reads),
        (cartum_examples(), cartum_reads),
    ];
    for (examples, reads) in platforms {
        for example in examples {
            let edits = (0..EXTREMES.len())
                .map(Edit::EveryNumber)
                .chain((0..ODD_STRINGS.len()).map(Edit::EveryString));
            for edit in edits {
                let mut doc = example.clone();
                apply(&mut doc, 0, &edit);
                reads(&to_body(&doc));
            }
        }
    }
}
