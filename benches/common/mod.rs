//! What the benchmarks share.

/// The database a benchmark runs on: `ORDERHUB_BENCH_DATABASE_URL` (an empty PostgreSQL
/// database), else a fresh SQLite file in the temp folder, removed with its log when this drops.
pub struct BenchDb {
    pub url: String,
    file: Option<std::path::PathBuf>,
}

impl BenchDb {
    pub fn new(tag: &str) -> BenchDb {
        if let Ok(url) = std::env::var("ORDERHUB_BENCH_DATABASE_URL") {
            return BenchDb { url, file: None };
        }
        let path = std::env::temp_dir().join(format!("orderhub-{tag}-{}.db", std::process::id()));
        let db = BenchDb {
            url: format!("sqlite://{}?mode=rwc", path.display()),
            file: Some(path),
        };
        db.remove();
        db
    }

    fn remove(&self) {
        for suffix in ["", "-wal", "-shm"] {
            if let Some(path) = &self.file {
                let mut name = path.clone().into_os_string();
                name.push(suffix);
                let _ = std::fs::remove_file(name);
            }
        }
    }
}

impl Drop for BenchDb {
    fn drop(&mut self) {
        self.remove();
    }
}
