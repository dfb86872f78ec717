//! Keeps the rooms' imports one way (issue 17, STYLE.md "How data flows"): `domain` imports no
//! other room; `platforms` takes only `domain`; `store` takes `domain`; `sync` takes `store` and
//! `platforms`; the API (`graphql`, `http`) takes `store` and `sync`, and never talks to a
//! platform itself. Read from the sources with `std::fs`, so a wrong-way `use` fails
//! `cargo test --lib layering` before anyone builds on it.

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
    ("sync", &["graphql", "http", "app", "demo"], &["async_graphql"]),
    ("graphql", &["demo", "app"], &[]),
    ("http", &["demo", "app"], &[]),
];

/// Names the API must not use: a platform is asked through the sync room's source service, and
/// its errors are mapped to the API's there, once.
const API_NEVER_NAMES: &[&str] = &["PlatformError", "client_for(", ".authorize()"];

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

/// Every wrong-way reference under `src/` (`root`), as `file:line: what`.
fn violations(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for (room, modules, crates) in RULES {
        let mut files = Vec::new();
        rust_files(&root.join(room), &mut files);
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("a readable source file");
            let shown = file
                .strip_prefix(root)
                .unwrap_or(&file)
                .display()
                .to_string();
            for (n, line) in text.lines().enumerate() {
                let line = code(line);
                for m in crate_modules(line) {
                    if modules.contains(&m.as_str()) {
                        out.push(format!("src/{shown}:{}: {room} imports crate::{m}", n + 1));
                    }
                }
                for c in *crates {
                    let named = line
                        .match_indices(c)
                        .any(|(i, _)| line[i + c.len()..].starts_with("::"));
                    if named {
                        out.push(format!("src/{shown}:{}: {room} uses {c}", n + 1));
                    }
                }
                if matches!(*room, "graphql" | "http") {
                    for name in API_NEVER_NAMES {
                        if line.contains(name) {
                            out.push(format!("src/{shown}:{}: the API names {name}", n + 1));
                        }
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

// covers: issue 17 (no cycles, one direction)
#[test]
fn every_room_imports_only_in_its_direction() {
    let found = violations(&src());
    assert!(found.is_empty(), "wrong-way imports:\n{}", found.join("\n"));
}

// covers: issue 17 (the check catches what it is for)
#[test]
fn a_planted_wrong_way_import_is_caught() {
    let dir = std::env::temp_dir().join(format!("orderhub-layering-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for room in [
        "domain",
        "platforms/prom",
        "store",
        "sync",
        "graphql",
        "http",
    ] {
        std::fs::create_dir_all(dir.join(room)).unwrap();
    }
    let plant = |path: &str, text: &str| std::fs::write(dir.join(path), text).unwrap();
    plant("platforms/prom/client.rs", "use crate::store::Store;\n");
    plant(
        "store/push.rs",
        "use crate::{domain::Platform, platforms::rule_targets};\n",
    );
    plant(
        "domain/x.rs",
        "// crate::store in a comment is fine\nfn f() -> sea_orm::DbErr { todo!() }\n",
    );
    plant("sync/x.rs", "use crate::graphql::types::Order;\n");
    plant("graphql/x.rs", "use crate::platforms::PlatformError;\n");
    plant("http/x.rs", "use crate::store::Store;\n");
    let found = violations(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        found,
        [
            "src/domain/x.rs:2: domain uses sea_orm",
            "src/platforms/prom/client.rs:1: platforms imports crate::store",
            "src/store/push.rs:1: store imports crate::platforms",
            "src/sync/x.rs:1: sync imports crate::graphql",
            "src/graphql/x.rs:1: the API names PlatformError",
        ]
    );
}
