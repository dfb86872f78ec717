//! The customer-contacts migration on a database that already has orders: each customer gets one
//! contact per source it has orders from (copied from the shared record), none for orders created
//! in the hub. SQLite (in memory) and, when `ORDERHUB_TEST_DATABASE_URL` is set, a fresh
//! PostgreSQL database.

use migration::sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use migration::{Migrator, MigratorTrait};

/// Migrations before the customer-contacts one.
const BEFORE: u32 = 7;

// covers: API-3, CUS-1
async fn backfills_contacts(db: &DatabaseConnection) {
    Migrator::up(db, Some(BEFORE)).await.unwrap();
    let t = "'2026-01-02T03:04:05Z'";
    for sql in [
        format!("INSERT INTO statuses (name, status_group, created_at) VALUES ('New', 'new', {t})"),
        format!(
            "INSERT INTO sources (name, platform, currency, credentials_enc, expense_type, \
             identify_products_by, created_at, updated_at) VALUES \
             ('A', 'prom', 'UAH', 'x', 'commission', 'sku', {t}, {t}), \
             ('B', 'rozetka', 'UAH', 'x', 'commission', 'sku', {t}, {t})"
        ),
        format!(
            "INSERT INTO customers (first_name, phone, email, unspecified, search_text, \
             created_at, updated_at) VALUES \
             ('Olena', '+380501234567', 'o@example.com', false, 'olena', {t}, {t}), \
             ('Jan', '+48501234567', NULL, false, 'jan', {t}, {t})"
        ),
    ] {
        db.execute_unprepared(&sql).await.unwrap();
    }
    let ids = |table: &str| format!("(SELECT MIN(id) FROM {table})");
    let (status, a, olena) = (ids("statuses"), ids("sources"), ids("customers"));
    let b = "(SELECT MAX(id) FROM sources)";
    let jan = "(SELECT MAX(id) FROM customers)";
    // Olena bought twice from A and once from B; Jan once in the hub (no source)
    for (source, customer, number) in [
        (a.as_str(), olena.as_str(), "1"),
        (a.as_str(), olena.as_str(), "2"),
        (b, olena.as_str(), "3"),
        ("NULL", jan, "4"),
    ] {
        db.execute_unprepared(&format!(
            "INSERT INTO orders (source_id, number, status_id, customer_id, total, currency, \
             platform_created_at, created_at, updated_at) VALUES \
             ({source}, '{number}', {status}, {customer}, 10, 'UAH', {t}, {t}, {t})"
        ))
        .await
        .unwrap();
    }
    Migrator::up(db, None).await.unwrap();
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT c.first_name, c.email, s.name FROM customer_contacts c \
             JOIN sources s ON s.id = c.source_id ORDER BY s.name",
        ))
        .await
        .unwrap();
    let got: Vec<(String, Option<String>, String)> = rows
        .iter()
        .map(|r| {
            (
                r.try_get("", "first_name").unwrap(),
                r.try_get("", "email").unwrap(),
                r.try_get("", "name").unwrap(),
            )
        })
        .collect();
    let o = || Some("o@example.com".to_string());
    assert_eq!(
        got,
        [
            ("Olena".to_string(), o(), "A".to_string()),
            ("Olena".to_string(), o(), "B".to_string())
        ]
    );
    Migrator::down(db, None).await.unwrap();
    Migrator::up(db, None).await.unwrap();
}

#[tokio::test]
async fn sqlite_backfills_contacts() {
    let db = Database::connect("sqlite::memory:").await.unwrap();
    backfills_contacts(&db).await;
}

#[tokio::test]
async fn postgres_backfills_contacts() {
    let Ok(url) = std::env::var("ORDERHUB_TEST_DATABASE_URL") else {
        return;
    };
    let name = format!(
        "mig_cc_{:x}",
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
    backfills_contacts(&db).await;
    db.close().await.unwrap();
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
}
