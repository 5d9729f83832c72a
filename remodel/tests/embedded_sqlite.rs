//! The embedded runner on an application's `SqlitePool`: the connection it
//! migrates on goes back to the pool, clean. With an in-memory pool
//! (`sqlite::memory:`, one database shared by the pool's connections while
//! one of them is open) closing that connection instead would drop the
//! database just migrated.

use remodel::{EmbeddedMigration, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{Connection, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

const INITIAL: EmbeddedMigration = EmbeddedMigration {
    app: "shop",
    file: "0001_initial.toml",
    path: "migrations/shop/0001_initial.toml",
    text: "initial = true\n\n[[operations]]\nop = \"CreateModel\"\nname = \"Item\"\ntable = \"item\"\nfields = [{ name = \"id\", type = \"bigint\", primary_key = true, auto = true }]\n",
};

const ORDER: EmbeddedMigration = EmbeddedMigration {
    app: "shop",
    file: "0002_order.toml",
    path: "migrations/shop/0002_order.toml",
    text: "dependencies = [\"shop.0001_initial\"]\n\n[[operations]]\nop = \"CreateModel\"\nname = \"Order\"\ntable = \"shop_order\"\nfields = [{ name = \"id\", type = \"bigint\", primary_key = true, auto = true }]\n",
};

/// A migration whose SQL fails: rolled back, the run fails.
const BROKEN: EmbeddedMigration = EmbeddedMigration {
    app: "shop",
    file: "0002_broken.toml",
    path: "migrations/shop/0002_broken.toml",
    text: "dependencies = [\"shop.0001_initial\"]\n\n[[operations]]\nop = \"CreateModel\"\nname = \"Order\"\ntable = \"shop_order\"\nfields = [{ name = \"id\", type = \"bigint\", primary_key = true, auto = true }]\n\n[[operations]]\nop = \"RunSql\"\nsql = \"INSERT INTO no_such_table VALUES (1)\"\nreverse_sql = \"\"\n",
};

static SHOP: Migrator = Migrator::new(&[INITIAL]);
static SHOP_2: Migrator = Migrator::new(&[INITIAL, ORDER]);
static SHOP_BROKEN: Migrator = Migrator::new(&[INITIAL, BROKEN]);

/// The busy timeout the test pools ask for (sqlx's default is 5 s): the
/// runner changes it on its connection, and must put it back.
const BUSY_MS: i64 = 1234;

async fn memory_pool(max_connections: u32) -> SqlitePool {
    let options = SqliteConnectOptions::from_str("sqlite::memory:")
        .unwrap()
        .busy_timeout(Duration::from_millis(BUSY_MS as u64));
    SqlitePoolOptions::new()
        .max_connections(max_connections)
        .connect_with(options)
        .await
        .unwrap()
}

async fn history(pool: &SqlitePool) -> Vec<(String, String, String)> {
    sqlx::query_as("SELECT app, name, state FROM remodel_migrations ORDER BY id")
        .fetch_all(pool)
        .await
        .expect("the history, through the pool")
}

/// Every connection the pool holds: foreign keys on, the pool's busy
/// timeout, no transaction left open (sqlx's `BEGIN` would fail inside one).
async fn assert_clean(pool: &SqlitePool, connections: usize, what: &str) {
    let mut held = Vec::new();
    for _ in 0..connections {
        let mut conn = pool.acquire().await.unwrap();
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(fk, 1, "{what}: PRAGMA foreign_keys on a pool connection");
        let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(busy, BUSY_MS, "{what}: PRAGMA busy_timeout");
        let tx = conn.begin().await.unwrap_or_else(|e| {
            panic!("{what}: a transaction left open on the pool's connection: {e}")
        });
        tx.rollback().await.unwrap();
        held.push(conn);
    }
}

async fn migrates_an_in_memory_pool(max_connections: u32) {
    let what = format!("max_connections({max_connections})");
    let pool = memory_pool(max_connections).await;
    let applied = SHOP.run(&pool).await.unwrap();
    assert_eq!(applied.migrations, ["shop.0001_initial"], "{what}");

    // The database is still there, migrated, for every connection.
    let items: i64 = sqlx::query_scalar("SELECT count(*) FROM item")
        .fetch_one(&pool)
        .await
        .unwrap_or_else(|e| panic!("{what}: the migrated table, through the pool: {e}"));
    assert_eq!(items, 0, "{what}");
    sqlx::query("INSERT INTO item DEFAULT VALUES")
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        history(&pool).await,
        [("shop".into(), "0001_initial".into(), "applied".into())],
        "{what}"
    );
    let connections = max_connections.min(3) as usize;
    assert_clean(&pool, connections, &what).await;
    // Each connection of the pool (a new one among them) sees it.
    let mut held = Vec::new();
    for _ in 0..connections {
        let mut conn = pool.acquire().await.unwrap();
        let items: i64 = sqlx::query_scalar("SELECT count(*) FROM item")
            .fetch_one(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("{what}: the migrated table on a pool connection: {e}"));
        assert_eq!(items, 1, "{what}");
        held.push(conn);
    }
    drop(held);

    // Again: nothing to apply, and the database is still there.
    let again = SHOP.run(&pool).await.unwrap();
    assert!(again.migrations.is_empty(), "{what}: {again:?}");
    assert_eq!(history(&pool).await.len(), 1, "{what}");

    // A new migration later, on the same pool.
    let more = SHOP_2.run(&pool).await.unwrap();
    assert_eq!(more.migrations, ["shop.0002_order"], "{what}");
    let orders: i64 = sqlx::query_scalar("SELECT count(*) FROM shop_order")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(orders, 0, "{what}");
    assert_eq!(history(&pool).await.len(), 2, "{what}");
    assert_clean(&pool, connections, &what).await;
    pool.close().await;
}

#[tokio::test]
async fn an_in_memory_pool_of_one_connection_keeps_its_migrated_database() {
    migrates_an_in_memory_pool(1).await;
}

#[tokio::test]
async fn an_in_memory_pool_of_several_connections_keeps_its_migrated_database() {
    migrates_an_in_memory_pool(4).await;
}

#[tokio::test]
async fn a_failed_migration_leaves_the_pool_connection_clean() {
    let pool = memory_pool(1).await;
    SHOP.run(&pool).await.unwrap();
    let err = SHOP_BROKEN.run(&pool).await.unwrap_err();
    assert!(err.to_string().contains("no_such_table"), "{err}");
    // Rolled back: the table of its first operation is not there, the
    // history says nothing of it; the database and its first table are.
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(tables, ["item", "remodel_migrations"]);
    assert_eq!(history(&pool).await.len(), 1);
    assert_clean(&pool, 1, "after a failed migration").await;
}

/// `BEGIN IMMEDIATE` times out after the runner turned foreign keys off and
/// raised the busy timeout: the connection still goes back as it was.
#[tokio::test]
async fn a_lock_timeout_leaves_the_pool_connection_clean() {
    let dir = tempfile::tempdir().unwrap();
    let options = SqliteConnectOptions::new()
        .filename(dir.path().join("shop.sqlite3"))
        .create_if_missing(true)
        .busy_timeout(Duration::from_millis(BUSY_MS as u64));
    let pool = SqlitePoolOptions::new()
        .max_connections(2)
        .connect_with(options)
        .await
        .unwrap();
    SHOP.run(&pool).await.unwrap();

    // Another writer holds the lock for longer than the runner waits.
    let mut other = pool.acquire().await.unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut *other)
        .await
        .unwrap();
    let err = SHOP_2.lock_timeout(1).run(&pool).await.unwrap_err();
    assert!(err.to_string().contains("locked"), "{err}");
    sqlx::query("ROLLBACK").execute(&mut *other).await.unwrap();
    drop(other);

    assert_clean(&pool, 2, "after a lock timeout").await;
    // And the run goes through once the lock is free.
    let applied = SHOP_2.run(&pool).await.unwrap();
    assert_eq!(applied.migrations, ["shop.0002_order"]);
    assert_clean(&pool, 2, "after the run").await;
    pool.close().await;
}
