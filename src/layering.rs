//! Keeps the rooms' imports one way (issue 17, STYLE.md "How data flows"): `domain` imports no
//! other room; `platforms` takes only `domain`; `store` takes `domain`; `sync` takes `store` and
//! `platforms`; the API (`graphql`, `http`) takes `store` and `sync`, and never talks to a
//! platform itself. Read from the sources with `std::fs`, so a wrong-way `use` fails
//! `cargo test --lib layering` before anyone builds on it.
//!
//! A platform's facts live in its folder's descriptor (`platforms/<name>/descriptor.rs`, asked
//! through `platforms::descriptor`): `domain`, `store`, `sync` and `http` name no platform
//! (`Platform::Shopify` in a match arm or a comparison) outside their tests. The enum itself
//! (`domain/platform.rs`) is the one exception. A platform's folder imports no other platform's
//! folder: what two platforms share lives in `platforms/` itself (`platforms/settings.rs`, …).
//!
//! `http` answers requests and starts no task of its own: a worker behind a route (the webhook
//! intake that commits accepted deliveries to the inbox) lives in `sync`.

use std::path::{Path, PathBuf};

/// `(room, the crate modules it must not name, the external crates it must not name)`.
const RULES: &[(&str, &[&str], &[&str])] = &[
    (
        "domain",
        &[
            "store",
            "sync",
            "graphql",
            "http",
            "platforms",
            "app",
            "demo",
            "secrets",
            "config",
        ],
        &["sea_orm", "actix_web", "reqwest", "async_graphql"],
    ),
    (
        "platforms",
        &["store", "sync", "graphql", "http", "app", "demo"],
        &["sea_orm", "async_graphql"],
    ),
    (
        "store",
        &["sync", "graphql", "http", "platforms", "app", "demo"],
        &["actix_web", "async_graphql", "reqwest"],
    ),
    (
        "sync",
        &["graphql", "http", "app", "demo"],
        &["async_graphql"],
    ),
    ("graphql", &["demo", "app"], &[]),
    ("http", &["demo", "app"], &[]),
];

/// The rooms that name no platform: what differs by platform is asked of its descriptor.
const NO_PLATFORM_NAMED: &[&str] = &["domain", "store", "sync", "http"];

/// Where the platforms are listed, and so named one by one.
const PLATFORM_LIST: &str = "domain/platform.rs";

/// Names the API must not use: a platform is asked through the sync room's source service, and
/// its errors are mapped to the API's there, once.
const API_NEVER_NAMES: &[&str] = &["PlatformError", "client_for(", ".authorize()"];

/// What starts or feeds a worker, which `http` never does outside its tests: a handler hands its
/// work to a worker of `sync` (`sync::intake` for webhook deliveries) and waits for its answer.
const HTTP_NEVER_NAMES: &[&str] = &["spawn(", "JoinSet", "mpsc::"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A source file as the checks read it.
struct Source {
    /// Its path below `src/`, `/`-separated (`http/webhooks.rs`).
    path: String,
    text: String,
}

/// Every Rust file under `root/dir`, in path order.
fn sources(root: &Path, dir: &str) -> Vec<Source> {
    let mut files = Vec::new();
    rust_files(&root.join(dir), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|file| Source {
            text: std::fs::read_to_string(&file).expect("a readable source file"),
            path: file
                .strip_prefix(root)
                .unwrap_or(&file)
                .display()
                .to_string()
                .replace('\\', "/"),
        })
        .collect()
}

/// The code of a line: without a `//` comment (and doc comment) at its end.
fn code(line: &str) -> &str {
    match line.find("//") {
        Some(i) => &line[..i],
        None => line,
    }
}

/// The crate modules a line names: `crate::store::…`, and each of `crate::{store, sync::x}`.
fn crate_modules(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            let mut depth = 0;
            let mut item = String::new();
            for c in group[..end].chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        found.push(std::mem::take(&mut item));
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 {
                    item.push(c);
                }
            }
            found.push(item);
        } else {
            found.push(rest.to_string());
        }
    }
    found
        .iter()
        .map(|p| {
            p.trim()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|m| !m.is_empty())
        .collect()
}

/// The platforms a line names one by one: `Platform::Shopify` (not `Platform::ALL`).
fn platforms_named(line: &str) -> Vec<String> {
    line.match_indices("Platform::")
        .filter(|(i, _)| {
            // `Platform::`, not `SomePlatform::` (`PlatformGql`, `MyPlatform` are other types)
            !line[..*i]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        })
        .map(|(i, m)| {
            line[i + m.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|v| {
            v.starts_with(|c: char| c.is_ascii_uppercase()) && v.chars().any(|c| c.is_lowercase())
        })
        .collect()
}

/// A file's lines outside `#[cfg(test)]` items (a test module, a test helper), numbered from 1.
fn non_test_lines(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut after_cfg_test = false;
    // the brace depth of the test item being skipped, while one is
    let mut skipping: Option<i64> = None;
    for (n, line) in text.lines().enumerate() {
        let code = code(line);
        if let Some(depth) = skipping.as_mut() {
            *depth += code.matches('{').count() as i64 - code.matches('}').count() as i64;
            if *depth <= 0 {
                skipping = None;
            }
            continue;
        }
        let trimmed = code.trim();
        if trimmed == "#[cfg(test)]" {
            after_cfg_test = true;
            continue;
        }
        if after_cfg_test && !trimmed.starts_with("#[") && !trimmed.is_empty() {
            after_cfg_test = false;
            let depth = code.matches('{').count() as i64 - code.matches('}').count() as i64;
            if depth > 0 {
                skipping = Some(depth);
            }
            continue;
        }
        out.push((n + 1, code));
    }
    out
}

/// Every wrong-way reference under `src/` (`root`), as `file:line: what`.
fn violations(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for (room, modules, crates) in RULES {
        for Source { path, text } in sources(root, room) {
            for (n, line) in text.lines().enumerate() {
                let line = code(line);
                for m in crate_modules(line) {
                    if modules.contains(&m.as_str()) {
                        out.push(format!("src/{path}:{}: {room} imports crate::{m}", n + 1));
                    }
                }
                for c in *crates {
                    let named = line
                        .match_indices(c)
                        .any(|(i, _)| line[i + c.len()..].starts_with("::"));
                    if named {
                        out.push(format!("src/{path}:{}: {room} uses {c}", n + 1));
                    }
                }
                if matches!(*room, "graphql" | "http") {
                    for name in API_NEVER_NAMES {
                        if line.contains(name) {
                            out.push(format!("src/{path}:{}: the API names {name}", n + 1));
                        }
                    }
                }
            }
            let is_test_file = path.ends_with("tests.rs");
            if *room == "http" && !is_test_file {
                for (n, line) in non_test_lines(&text) {
                    for name in HTTP_NEVER_NAMES.iter().filter(|name| line.contains(*name)) {
                        out.push(format!(
                            "src/{path}:{n}: http starts a worker ({name}; workers live in sync)"
                        ));
                    }
                }
            }
            if NO_PLATFORM_NAMED.contains(room) && !is_test_file && path != PLATFORM_LIST {
                for (n, line) in non_test_lines(&text) {
                    for v in platforms_named(line) {
                        out.push(format!(
                            "src/{path}:{n}: {room} names Platform::{v} (ask its descriptor)"
                        ));
                    }
                }
            }
        }
    }
    out
}

/// The modules a line names right after `platforms::` or `super::super::`: `crate::platforms::
/// shopify::settings` names `shopify`, `crate::platforms::{settings, prom::x}` names both.
fn platform_modules(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    for prefix in ["platforms::", "super::super::"] {
        let mut rest = line;
        while let Some(i) = rest.find(prefix) {
            rest = &rest[i + prefix.len()..];
            let names: Vec<&str> = match rest.strip_prefix('{') {
                Some(group) => group[..group.find('}').unwrap_or(group.len())]
                    .split(',')
                    .collect(),
                None => vec![rest],
            };
            for n in names {
                let m: String = n
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !m.is_empty() {
                    found.push(m);
                }
            }
        }
    }
    found
}

/// A platform's folder importing another platform's folder (issue 17: one platform, one folder).
fn cross_platform_imports(root: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(root.join("platforms")) else {
        return Vec::new();
    };
    let mut folders: Vec<String> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .filter_map(|p| p.file_name().and_then(|f| f.to_str()).map(str::to_string))
        .collect();
    folders.sort();
    let mut out = Vec::new();
    for own in &folders {
        for Source { path, text } in sources(root, &format!("platforms/{own}")) {
            for (n, line) in text.lines().enumerate() {
                for m in platform_modules(code(line)) {
                    if m != *own && folders.contains(&m) {
                        out.push(format!(
                            "src/{path}:{}: platform {own} imports platform {m}",
                            n + 1
                        ));
                    }
                }
            }
        }
    }
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// A `src/` of planted files in a fresh temporary folder, every room of [`RULES`] present (the
/// checks read each); removed when dropped.
struct Planted(PathBuf);

impl Planted {
    fn new(name: &str, files: &[(&str, &str)]) -> Planted {
        let dir = std::env::temp_dir().join(format!("orderhub-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (room, _, _) in RULES {
            std::fs::create_dir_all(dir.join(room)).unwrap();
        }
        for (path, text) in files {
            let file = dir.join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, text).unwrap();
        }
        Planted(dir)
    }
}

impl Drop for Planted {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

// covers: issue 17 (no cycles, one direction)
#[test]
fn every_room_imports_only_in_its_direction() {
    let found = violations(&src());
    assert!(found.is_empty(), "wrong-way imports:\n{}", found.join("\n"));
}

// covers: issue 17 (one platform, one folder: no platform imports another's folder)
#[test]
fn no_platform_imports_another() {
    let found = cross_platform_imports(&src());
    assert!(
        found.is_empty(),
        "cross-platform imports:\n{}",
        found.join("\n")
    );
}

// covers: issue 17 (the cross-platform check catches what it is for)
#[test]
fn a_planted_cross_platform_import_is_caught() {
    let planted = Planted::new(
        "cross",
        &[
            (
                "platforms/woocommerce/settings.rs",
                "use crate::platforms::settings::COUNTRY;\n\
                 use crate::platforms::shopify::settings::{COUNTRY, RECONCILE_MINUTES};\n\
                 // crate::platforms::prom in a comment is fine\n",
            ),
            (
                "platforms/prom/client.rs",
                "use super::super::{woocommerce::x, http};\nuse crate::platforms::prom::wire;\n",
            ),
            ("platforms/shopify/map.rs", "use super::wire;\n"),
            (
                "platforms/settings.rs",
                "use crate::platforms::shopify::x;\n",
            ),
        ],
    );
    assert_eq!(
        cross_platform_imports(&planted.0),
        [
            "src/platforms/prom/client.rs:1: platform prom imports platform woocommerce",
            "src/platforms/woocommerce/settings.rs:2: platform woocommerce imports platform shopify",
        ]
    );
}

// covers: issue 17 (the check catches what it is for)
#[test]
fn a_planted_wrong_way_import_is_caught() {
    let planted = Planted::new(
        "layering",
        &[
            ("platforms/prom/client.rs", "use crate::store::Store;\n"),
            (
                "store/push.rs",
                "use crate::{domain::Platform, platforms::rule_targets};\n",
            ),
            (
                "domain/x.rs",
                "// crate::store in a comment is fine\nfn f() -> sea_orm::DbErr { todo!() }\n",
            ),
            ("sync/x.rs", "use crate::graphql::types::Order;\n"),
            ("graphql/x.rs", "use crate::platforms::PlatformError;\n"),
            ("http/x.rs", "use crate::store::Store;\n"),
        ],
    );
    assert_eq!(
        violations(&planted.0),
        [
            "src/domain/x.rs:2: domain uses sea_orm",
            "src/platforms/prom/client.rs:1: platforms imports crate::store",
            "src/store/push.rs:1: store imports crate::platforms",
            "src/sync/x.rs:1: sync imports crate::graphql",
            "src/graphql/x.rs:1: the API names PlatformError",
        ]
    );
}

// covers: issue 17 (the inbox writer lives with the workers: the check catches a worker in http)
#[test]
fn a_planted_worker_in_http_is_caught() {
    let planted = Planted::new(
        "workers",
        &[
            (
                "http/webhooks.rs",
                "pub fn start(store: Store) -> InboxWriter {\n\
                 \x20   let (tx, rx) = tokio::sync::mpsc::channel::<Queued>(16);\n\
                 \x20   tokio::spawn(write_batches(store, rx));\n\
                 \x20   InboxWriter { tx }\n\
                 }\n\
                 fn flying() -> tokio::task::JoinSet<()> { todo!() } // tokio::spawn( in a comment\n\
                 fn hash(p: String) { tokio::task::spawn_blocking(move || p); }\n\
                 #[cfg(test)]\n\
                 mod tests {\n\
                 \x20   fn t() { tokio::spawn(async {}); }\n\
                 }\n",
            ),
            ("http/tests.rs", "fn t() { tokio::spawn(async {}); }\n"),
            // the workers' own room, and the intake's route handing a delivery over
            ("sync/intake.rs", "fn start() { tokio::spawn(write_batches()); }\n"),
            (
                "http/deliver.rs",
                "async fn receive() { state.inbox_writer.store(delivery).await; }\n",
            ),
        ],
    );
    assert_eq!(
        violations(&planted.0),
        [
            "src/http/webhooks.rs:2: http starts a worker (mpsc::; workers live in sync)",
            "src/http/webhooks.rs:3: http starts a worker (spawn(; workers live in sync)",
            "src/http/webhooks.rs:6: http starts a worker (JoinSet; workers live in sync)",
        ]
    );
}

// covers: issue 17 (one platform, one folder: the check catches a platform named outside it)
#[test]
fn a_planted_platform_match_is_caught() {
    let planted = Planted::new(
        "platforms",
        &[
            (
                "sync/engine.rs",
                "fn topics(p: Platform) -> &'static [&'static str] {\n\
                 \x20   match p {\n\
                 \x20       Platform::Shopify => &[\"orders/create\"],\n\
                 \x20       _ => &[],\n\
                 \x20   }\n\
                 }\n\
                 fn all() -> [Platform; 6] { Platform::ALL }\n\
                 #[cfg(test)]\n\
                 mod tests {\n\
                 \x20   fn t() { assert!(super::topics(Platform::Prom).is_empty()); }\n\
                 }\n\
                 fn after() -> bool { matches!(P, Platform::Cartum) }\n",
            ),
            (
                "store/stock.rs",
                "fn waits(p: Platform) -> bool { p == Platform::Woocommerce } // Platform::Rozetka\n",
            ),
            (
                "domain/push.rs",
                "fn f(p: Platform) -> bool { p != Platform::Shopify }\n",
            ),
            (
                "http/webhooks.rs",
                "fn g() -> PlatformGql { PlatformGql::Shopify }\n",
            ),
            // the enum's own list, test files, the platforms' folders and the API's enum are left
            // alone
            (
                "domain/platform.rs",
                "const ONE: Platform = Platform::Rozetka;\n",
            ),
            ("http/tests.rs", "fn t() { let _ = Platform::Shopify; }\n"),
            (
                "platforms/shopify/descriptor.rs",
                "const P: Platform = Platform::Shopify;\n",
            ),
            (
                "graphql/enums.rs",
                "fn g() -> Platform { Platform::Shopify }\n",
            ),
        ],
    );
    assert_eq!(
        violations(&planted.0),
        [
            "src/domain/push.rs:1: domain names Platform::Shopify (ask its descriptor)",
            "src/store/stock.rs:1: store names Platform::Woocommerce (ask its descriptor)",
            "src/sync/engine.rs:3: sync names Platform::Shopify (ask its descriptor)",
            "src/sync/engine.rs:12: sync names Platform::Cartum (ask its descriptor)",
        ]
    );
}
