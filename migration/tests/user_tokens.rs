//! The token-lifecycle migration on a database that already has users: existing tokens count as
//! made with their user, and the first admin named `admin` becomes the bootstrap admin. SQLite (in
//! memory) and, when `ORDERHUB_TEST_DATABASE_URL` is set, a fresh PostgreSQL database.

use migration::sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use migration::{Migrator, MigratorTrait};

/// Migrations before the token lifecycle one.
const BEFORE: u32 = 4;

async fn backfills_existing_users(db: &DatabaseConnection) {
    Migrator::up(db, Some(BEFORE)).await.unwrap();
    for (name, admin, hash) in [
        ("ops", true, "h1"),
        ("admin", false, "h2"),
        ("admin", true, "h3"),
        ("admin", true, "h4"),
    ] {
        db.execute_unprepared(&format!(
            "INSERT INTO users (name, admin, token_hash, created_at) \
             VALUES ('{name}', {admin}, '{hash}', '2026-01-02T03:04:05Z')"
        ))
        .await
        .unwrap();
    }
    Migrator::up(db, None).await.unwrap();
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT token_hash, bootstrap FROM users ORDER BY id",
        ))
        .await
        .unwrap();
    let bootstrap: Vec<String> = rows
        .iter()
        .filter(|r| r.try_get::<bool>("", "bootstrap").unwrap())
        .map(|r| r.try_get("", "token_hash").unwrap())
        .collect();
    assert_eq!(bootstrap, ["h3"], "the first admin named admin");
    let same = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM users \
             WHERE token_created_at = created_at AND token_last_used_at IS NULL",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(same, 4, "tokens count as made with their user, never used");
    Migrator::down(db, None).await.unwrap();
    Migrator::up(db, None).await.unwrap();
}

#[tokio::test]
async fn sqlite_backfills_existing_users() {
    let db = Database::connect("sqlite::memory:").await.unwrap();
    backfills_existing_users(&db).await;
}

#[tokio::test]
async fn postgres_backfills_existing_users() {
    let Ok(url) = std::env::var("ORDERHUB_TEST_DATABASE_URL") else {
        return;
    };
    let name = format!(
        "mig_tok_{:x}",
        std::process::id() as u64 * 1_000_003
            + std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos() as u64
    );
    let admin = Database::connect(url.as_str()).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    let base = url.split('?').next().unwrap();
    let db_url = format!("{}/{name}", base.rsplit_once('/').unwrap().0);
    let db = Database::connect(db_url.as_str()).await.unwrap();
    backfills_existing_users(&db).await;
    db.close().await.unwrap();
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
}
