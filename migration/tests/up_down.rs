//! Runs the migrations up, down and up again on SQLite (in memory) and, when
//! `ORDERHUB_TEST_DATABASE_URL` is set, on a freshly created PostgreSQL database.

use migration::sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend};
use migration::{Migrator, MigratorTrait, SchemaManager};

type Res = Result<(), Box<dyn std::error::Error>>;

const TABLES: [&str; 19] = [
    "users",
    "sources",
    "source_managers",
    "user_sources",
    "statuses",
    "status_rules",
    "customers",
    "categories",
    "products",
    "publications",
    "orders",
    "order_items",
    "order_events",
    "expenses",
    "source_events",
    "webhook_deliveries",
    "outbox_jobs",
    "sync_runs",
    "leases",
];

const INDEXES: [(&str, &str); 4] = [
    ("users", "uq_users_token_hash"),
    ("orders", "uq_orders_source_id_external_id"),
    ("orders", "idx_orders_platform_created_at_id"),
    ("outbox_jobs", "idx_outbox_jobs_state_next_attempt_at"),
];

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+).into());
        }
    };
}

async fn check_tables(db: &DatabaseConnection, present: bool) -> Res {
    let manager = SchemaManager::new(db);
    for table in TABLES {
        let has = manager.has_table(table).await?;
        ensure!(
            has == present,
            "table {table}: exists={has}, want {present}"
        );
    }
    if present {
        for (table, index) in INDEXES {
            ensure!(
                manager.has_index(table, index).await?,
                "index {index} on {table} missing"
            );
        }
    }
    Ok(())
}

/// Exercises defaults, foreign keys, cascades and unique constraints with portable SQL.
async fn check_constraints(db: &DatabaseConnection) -> Res {
    let ts = "'2026-01-02T03:04:05Z'";
    db.execute_unprepared(&format!(
        "INSERT INTO users (name, token_hash, created_at) VALUES ('u', 'h', {ts})"
    ))
    .await?;
    ensure!(
        db.execute_unprepared(&format!(
            "INSERT INTO users (name, token_hash, created_at) VALUES ('u2', 'h', {ts})"
        ))
        .await
        .is_err(),
        "duplicate token_hash accepted"
    );
    db.execute_unprepared(&format!(
        "INSERT INTO sources (name, platform, currency, credentials_enc, expense_type, \
         identify_products_by, created_at, updated_at) \
         VALUES ('s', 'prom', 'UAH', '', 'commission', 'sku', {ts}, {ts})"
    ))
    .await?;
    db.execute_unprepared(&format!(
        "INSERT INTO statuses (name, status_group, system_key, created_at) \
         VALUES ('New', 'new', 'new', {ts})"
    ))
    .await?;
    db.execute_unprepared(&format!(
        "INSERT INTO orders (source_id, external_id, number, status_id, total, currency, \
         platform_created_at, created_at, updated_at) \
         VALUES (1, 'e1', '1', 1, 12.3456, 'UAH', {ts}, {ts}, {ts})"
    ))
    .await?;
    ensure!(
        db.execute_unprepared(&format!(
            "INSERT INTO orders (source_id, external_id, number, status_id, total, currency, \
             platform_created_at, created_at, updated_at) \
             VALUES (1, 'e1', '2', 1, 1, 'UAH', {ts}, {ts}, {ts})"
        ))
        .await
        .is_err(),
        "duplicate (source_id, external_id) accepted"
    );
    // Orders created in the hub (NULL source) do not collide.
    for n in ["3", "4"] {
        db.execute_unprepared(&format!(
            "INSERT INTO orders (number, status_id, total, currency, \
             platform_created_at, created_at, updated_at) \
             VALUES ('{n}', 1, 1, 'UAH', {ts}, {ts}, {ts})"
        ))
        .await?;
    }
    ensure!(
        db.execute_unprepared(&format!(
            "INSERT INTO order_items (order_id, name, quantity, price, created_at) \
             VALUES (999, 'x', 1, 1, {ts})"
        ))
        .await
        .is_err(),
        "foreign key order_items.order_id not enforced"
    );
    db.execute_unprepared(&format!(
        "INSERT INTO order_items (order_id, name, quantity, price, created_at) \
         VALUES (1, 'x', 1, 1, {ts})"
    ))
    .await?;
    ensure!(
        db.execute_unprepared("DELETE FROM sources WHERE id = 1")
            .await
            .is_err(),
        "ON DELETE RESTRICT on orders.source_id not enforced"
    );
    db.execute_unprepared("DELETE FROM orders WHERE id = 1")
        .await?;
    let left = db
        .query_one_raw(migration::sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM order_items",
        ))
        .await?
        .ok_or("no row")?
        .try_get::<i64>("", "n")?;
    ensure!(left == 0, "order_items not cascaded: {left} left");
    // Defaults.
    let row = db
        .query_one_raw(migration::sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT enabled, next_manager_index, send_tracking FROM sources WHERE id = 1",
        ))
        .await?
        .ok_or("no source")?;
    ensure!(row.try_get::<bool>("", "enabled")?, "enabled default");
    ensure!(
        row.try_get::<i32>("", "next_manager_index")? == 0,
        "next_manager_index default"
    );
    ensure!(
        !row.try_get::<bool>("", "send_tracking")?,
        "send_tracking default"
    );
    Ok(())
}

async fn up_down_up(db: &DatabaseConnection) -> Res {
    Migrator::up(db, None).await?;
    check_tables(db, true).await?;
    check_constraints(db).await?;
    Migrator::down(db, None).await?;
    check_tables(db, false).await?;
    Migrator::up(db, None).await?;
    check_tables(db, true).await?;
    ensure!(
        Migrator::get_pending_migrations(db).await?.is_empty(),
        "pending migrations after up"
    );
    Ok(())
}

#[tokio::test]
async fn sqlite_up_down_up() {
    let db = Database::connect("sqlite::memory:").await.unwrap();
    assert_eq!(db.get_database_backend(), DbBackend::Sqlite);
    up_down_up(&db).await.unwrap();
    db.close().await.unwrap();
}

/// Replaces the database name in a `postgres://...` URL.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{name}?{q}"),
        None => format!("{host_part}/{name}"),
    }
}

#[tokio::test]
async fn postgres_up_down_up() {
    let Ok(url) = std::env::var("ORDERHUB_TEST_DATABASE_URL") else {
        eprintln!("ORDERHUB_TEST_DATABASE_URL not set; skipping PostgreSQL migration test");
        return;
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let name = format!("mig_{}_{nanos}", std::process::id());

    let admin = Database::connect(url.as_str()).await.unwrap();
    assert_eq!(admin.get_database_backend(), DbBackend::Postgres);
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();

    let result = async {
        let db = Database::connect(with_database(&url, &name)).await?;
        let res = up_down_up(&db).await;
        db.close().await?;
        res
    }
    .await;

    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
    admin.close().await.unwrap();
    result.unwrap();
}
