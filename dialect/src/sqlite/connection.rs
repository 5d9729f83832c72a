//! The SQLite connection: one dedicated connection that applies migrations
//! with foreign keys off outside the transaction, `BEGIN IMMEDIATE` as the
//! lock, and `foreign_key_check` before every commit (DESIGN §6).

use super::introspect;
use crate::{Database, DatabaseUrl, DbError, Dialect, Guard, Statement, Value};
use async_trait::async_trait;
use remodel_model::catalog::Catalog;
use remodel_model::restate::Scope;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{Sqlite, SqliteConnectOptions, SqliteConnection, SqliteRow};
use sqlx::{ConnectOptions, Connection, Row, TypeInfo, ValueRef};
use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::time::Duration;

/// An index or trigger remodel does not manage, saved while a rebuild drops
/// its table and recreated once the table is back.
#[derive(Debug, Clone)]
struct Saved {
    kind: String,
    name: String,
    sql: String,
}

/// The connection a [`SqliteDatabase`] works on: its own (the CLI's), or one
/// borrowed from an application's pool (the embedded runner's).
enum Conn {
    Owned(SqliteConnection),
    Pooled(Pooled),
}

impl Deref for Conn {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        match self {
            Conn::Owned(c) => c,
            Conn::Pooled(p) => &p.conn,
        }
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        match self {
            Conn::Owned(c) => c,
            Conn::Pooled(p) => &mut p.conn,
        }
    }
}

/// A connection of an application's pool, and the settings it had when
/// remodel took it, put back before it returns to the pool.
///
/// It must go back: the pool of an in-memory database (`sqlite::memory:`)
/// shares one database between its connections through a shared cache,
/// and that database lives only while one of them is open; closing the
/// pool's only connection would drop every table just migrated.
struct Pooled {
    conn: PoolConnection<Sqlite>,
    /// `PRAGMA foreign_keys` as the pool had it (sqlx turns it on by
    /// default); `begin_migration` turns it off.
    foreign_keys: bool,
    /// `PRAGMA busy_timeout` in milliseconds as the pool had it (sqlx's
    /// default is 5 seconds); `begin_immediate` and `set_busy_timeout`
    /// change it to remodel's lock timeout. Restored rather than left at
    /// remodel's value, so the application's queries wait as it asked.
    busy_timeout_ms: i64,
    /// Whether [`Pooled::reset`] succeeded: only a connection known to be
    /// clean goes back to the pool.
    clean: bool,
}

impl Pooled {
    /// Puts the connection back as the application had it: no transaction
    /// open (a failure between `BEGIN IMMEDIATE` and `COMMIT` that was not
    /// rolled back — `begin_migration` failing after it turned foreign
    /// keys off, a run cancelled part-way), foreign keys and busy timeout
    /// as they were.
    async fn reset(&mut self) -> Result<(), DbError> {
        if let Err(e) = raw(&mut self.conn, "ROLLBACK").await
            && !e.to_string().contains("no transaction is active")
        {
            return Err(e);
        }
        let fk = if self.foreign_keys { "ON" } else { "OFF" };
        raw(&mut self.conn, &format!("PRAGMA foreign_keys = {fk}")).await?;
        let ms = self.busy_timeout_ms;
        raw(&mut self.conn, &format!("PRAGMA busy_timeout = {ms}")).await?;
        // PRAGMA foreign_keys is a no-op inside a transaction: read it back.
        let now = pragma_int(&mut self.conn, "PRAGMA foreign_keys").await?;
        if now != Some(i64::from(self.foreign_keys)) {
            return Err(DbError::Statement(
                "could not restore PRAGMA foreign_keys on the pool's connection".into(),
            ));
        }
        Ok(())
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        // Not reset (the run was dropped part-way, or the reset failed): a
        // transaction may be open and foreign keys off, so the pool closes
        // the connection rather than hand it to the application.
        if !self.clean {
            self.conn.close_on_drop();
        }
    }
}

async fn pragma_int(conn: &mut SqliteConnection, sql: &str) -> Result<Option<i64>, DbError> {
    Ok(fetch(conn, sql, &[])
        .await?
        .first()
        .and_then(|r| r.first())
        .and_then(Value::as_i64))
}

/// A connection to a SQLite file.
pub struct SqliteDatabase {
    url: DatabaseUrl,
    conn: Conn,
    saved: Vec<Saved>,
    lock_timeout: Duration,
    waiting: Option<Box<dyn Fn() + Send + Sync>>,
    queries: usize,
}

pub(crate) fn stmt_err(e: sqlx::Error) -> DbError {
    match e {
        sqlx::Error::Database(d) => DbError::Statement(d.message().to_string()),
        other => DbError::Statement(other.to_string()),
    }
}

fn row_values(row: &SqliteRow) -> Vec<Value> {
    (0..row.len())
        .map(|i| {
            let Ok(raw) = row.try_get_raw(i) else {
                return Value::Null;
            };
            if raw.is_null() {
                return Value::Null;
            }
            match raw.type_info().name() {
                "INTEGER" | "BOOLEAN" => row
                    .try_get::<i64, _>(i)
                    .map(Value::Int)
                    .unwrap_or(Value::Null),
                "REAL" => row
                    .try_get::<f64, _>(i)
                    .map(Value::Float)
                    .unwrap_or(Value::Null),
                "BLOB" => row
                    .try_get::<Vec<u8>, _>(i)
                    .map(Value::Bytes)
                    .unwrap_or(Value::Null),
                _ => row
                    .try_get::<String, _>(i)
                    .map(Value::Text)
                    .unwrap_or(Value::Null),
            }
        })
        .collect()
}

impl SqliteDatabase {
    /// Opens (and with `create`, creates) a SQLite file.
    pub async fn open(
        url: DatabaseUrl,
        path: &Path,
        create: bool,
    ) -> Result<SqliteDatabase, DbError> {
        if create
            && let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
            && !dir.exists()
        {
            return Err(DbError::Connect {
                target: url.display(),
                reason: format!("the folder {} does not exist", dir.display()),
            });
        }
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(create)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(60))
            // Creating a table makes SQLite read its whole schema table
            // again; with the default 2 MB of page cache, a migration of
            // hundreds of tables keeps re-reading it from the file. Up to
            // 32 MB, used only as the database needs it.
            .pragma("cache_size", "-32768");
        let conn = opts.connect().await.map_err(|e| DbError::Connect {
            target: url.display(),
            reason: e.to_string(),
        })?;
        Ok(SqliteDatabase {
            url,
            conn: Conn::Owned(conn),
            saved: Vec::new(),
            lock_timeout: Duration::from_secs(60),
            waiting: None,
            queries: 0,
        })
    }

    /// Wraps a connection opened elsewhere, closed by [`Database::close`];
    /// `url` names it in messages.
    pub fn from_connection(url: DatabaseUrl, conn: SqliteConnection) -> SqliteDatabase {
        SqliteDatabase::wrap(url, Conn::Owned(conn))
    }

    /// Wraps a connection of an application's pool (the embedded runner's):
    /// [`Database::close`] rolls back a transaction left open, restores
    /// `PRAGMA foreign_keys` and `busy_timeout` as they are now, and gives
    /// the connection back to the pool — or, if that fails, closes it.
    pub async fn from_pool_connection(
        url: DatabaseUrl,
        mut conn: PoolConnection<Sqlite>,
    ) -> Result<SqliteDatabase, DbError> {
        let foreign_keys = pragma_int(&mut conn, "PRAGMA foreign_keys").await? == Some(1);
        let busy_timeout_ms = pragma_int(&mut conn, "PRAGMA busy_timeout")
            .await?
            .unwrap_or(5000);
        Ok(SqliteDatabase::wrap(
            url,
            Conn::Pooled(Pooled {
                conn,
                foreign_keys,
                busy_timeout_ms,
                clean: false,
            }),
        ))
    }

    fn wrap(url: DatabaseUrl, conn: Conn) -> SqliteDatabase {
        SqliteDatabase {
            url,
            conn,
            saved: Vec::new(),
            lock_timeout: Duration::from_secs(60),
            waiting: None,
            queries: 0,
        }
    }

    /// Sets how long a statement waits for another process's lock.
    pub async fn set_busy_timeout(&mut self, timeout: Duration) -> Result<(), DbError> {
        self.exec(&format!("PRAGMA busy_timeout = {}", timeout.as_millis()))
            .await
            .map(|_| ())
    }

    /// How many queries this connection has sent (introspection's cost).
    pub fn queries_sent(&self) -> usize {
        self.queries
    }

    /// `BEGIN IMMEDIATE`, the write lock: first without waiting; if another
    /// process holds it, say so once and wait up to the lock timeout.
    async fn begin_immediate(&mut self) -> Result<(), DbError> {
        self.exec("PRAGMA busy_timeout = 0").await?;
        let first = self.exec("BEGIN IMMEDIATE").await;
        let result = match first {
            Err(e) if e.to_string().contains("locked") || e.to_string().contains("busy") => {
                if let Some(w) = &self.waiting {
                    w();
                }
                let ms = self.lock_timeout.as_millis();
                self.exec(&format!("PRAGMA busy_timeout = {ms}")).await?;
                self.exec("BEGIN IMMEDIATE").await.map_err(|e| {
                    if e.to_string().contains("locked") || e.to_string().contains("busy") {
                        DbError::LockTimeout(format!(
                            "another process kept the database locked for {}s (the lock timeout); nothing was applied by this run from here on",
                            self.lock_timeout.as_secs()
                        ))
                    } else {
                        e
                    }
                })
            }
            other => other,
        };
        // Other statements wait for locks too (a reader in another process).
        let ms = self.lock_timeout.as_millis();
        self.exec(&format!("PRAGMA busy_timeout = {ms}")).await?;
        result.map(|_| ())
    }

    async fn exec(&mut self, sql: &str) -> Result<u64, DbError> {
        raw(&mut self.conn, sql).await
    }

    async fn rows(&mut self, sql: &str) -> Result<Vec<Vec<Value>>, DbError> {
        self.query(sql, &[]).await
    }
}

type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

// The sqlx calls live in plain functions returning boxed Send futures: inside
// `async_trait` methods the compiler cannot prove `&mut SqliteConnection:
// Executor` for every lifetime (rust-lang/rust#102211).
fn raw<'a>(conn: &'a mut SqliteConnection, sql: &'a str) -> BoxFuture<'a, Result<u64, DbError>> {
    Box::pin(async move {
        sqlx::Executor::execute(conn, sql)
            .await
            .map(|r| r.rows_affected())
            .map_err(stmt_err)
    })
}

/// Several statements in one call, run in order until one fails; on
/// failure, how many completed before it (each reports its result as it
/// completes) and the error.
fn raw_batch<'a>(
    conn: &'a mut SqliteConnection,
    sql: &'a str,
) -> BoxFuture<'a, Result<(), (usize, DbError)>> {
    Box::pin(async move {
        use futures_util::StreamExt;
        let mut results = sqlx::Executor::fetch_many(conn, sqlx::raw_sql(sql));
        let mut done = 0;
        while let Some(item) = results.next().await {
            match item {
                Ok(sqlx::Either::Left(_)) => done += 1,
                Ok(sqlx::Either::Right(_)) => {}
                Err(e) => return Err((done, stmt_err(e))),
            }
        }
        Ok(())
    })
}

fn exec_params<'a>(
    conn: &'a mut SqliteConnection,
    sql: &'a str,
    params: &'a [Value],
) -> BoxFuture<'a, Result<u64, DbError>> {
    Box::pin(async move {
        bind(sqlx::query(sql).persistent(false), params)
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
            .map_err(stmt_err)
    })
}

fn fetch<'a>(
    conn: &'a mut SqliteConnection,
    sql: &'a str,
    params: &'a [Value],
) -> BoxFuture<'a, Result<Vec<Vec<Value>>, DbError>> {
    Box::pin(async move {
        let rows = bind(sqlx::query(sql).persistent(false), params)
            .fetch_all(conn)
            .await
            .map_err(stmt_err)?;
        Ok(rows.iter().map(row_values).collect())
    })
}

fn bind<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    params: &'q [Value],
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    for p in params {
        q = match p {
            Value::Null => q.bind(None::<String>),
            Value::Int(i) => q.bind(*i),
            Value::Float(x) => q.bind(*x),
            Value::Text(s) => q.bind(s.as_str()),
            Value::Bytes(b) => q.bind(b.as_slice()),
        };
    }
    q
}

#[async_trait]
impl Database for SqliteDatabase {
    fn dialect(&self) -> &'static dyn Dialect {
        &super::SqliteDialect
    }

    fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    async fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        if params.is_empty() {
            return self.exec(sql).await;
        }
        exec_params(&mut self.conn, sql, params).await
    }

    /// Runs of plain statements go to SQLite in one call each (a call per
    /// statement costs a round trip to sqlx's worker thread: a third of the
    /// time of a migration creating a thousand tables); guards, and SQL
    /// with comments (where one statement could hide the next), go alone.
    /// A failed batch reports the statement that failed: each statement
    /// reports as it completes.
    async fn run_all(&mut self, statements: &[&Statement]) -> Result<(), (usize, DbError)> {
        let batchable =
            |s: &Statement| s.guard.is_none() && !s.sql.contains("--") && !s.sql.contains("/*");
        let mut i = 0;
        while i < statements.len() {
            let start = i;
            while i < statements.len() && batchable(statements[i]) {
                i += 1;
            }
            if i - start > 1 {
                let sql = statements[start..i]
                    .iter()
                    .map(|s| s.sql.as_str())
                    .collect::<Vec<_>>()
                    .join(";\n");
                raw_batch(&mut self.conn, &sql)
                    .await
                    .map_err(|(done, e)| (start + done, e))?;
            } else if i > start {
                self.run(statements[start]).await.map_err(|e| (start, e))?;
            }
            if let Some(s) = statements.get(i) {
                self.run(s).await.map_err(|e| (i, e))?;
                i += 1;
            }
        }
        Ok(())
    }

    async fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, DbError> {
        self.queries += 1;
        fetch(&mut self.conn, sql, params).await
    }

    async fn set_lock_wait(
        &mut self,
        timeout: Duration,
        waiting: Box<dyn Fn() + Send + Sync>,
    ) -> Result<(), DbError> {
        self.lock_timeout = timeout;
        self.waiting = Some(waiting);
        Ok(())
    }

    async fn lock(&mut self) -> Result<(), DbError> {
        // SQLite locks each migration with BEGIN IMMEDIATE (begin_migration).
        Ok(())
    }

    async fn unlock(&mut self) -> Result<(), DbError> {
        Ok(())
    }

    async fn estimate_rows(&mut self, table: &str) -> Result<Option<i64>, DbError> {
        if !self.table_exists(table).await? {
            return Ok(None);
        }
        let sql = format!("SELECT count(*) FROM {}", super::table::q(table));
        Ok(self
            .query(&sql, &[])
            .await?
            .first()
            .and_then(|r| r.first())
            .and_then(Value::as_i64))
    }

    async fn table_exists(&mut self, name: &str) -> Result<bool, DbError> {
        let rows = self
            .query(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                &[Value::Text(name.into())],
            )
            .await?;
        Ok(!rows.is_empty())
    }

    async fn guard(&mut self, guard: &Guard) -> Result<(), DbError> {
        match guard {
            Guard::Keeps { .. } => crate::keeps::guard(self, guard).await,
            Guard::RebuildStart {
                table,
                expected,
                after,
            } => {
                crate::keeps::check(self, table, expected, after, &Scope::Table).await?;
                let rows = self
                    .query(
                        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name",
                        &[Value::Text(table.clone())],
                    )
                    .await?;
                self.saved = rows
                    .iter()
                    .filter_map(|r| match r.as_slice() {
                        [Value::Text(kind), Value::Text(name), Value::Text(sql)] => Some(Saved {
                            kind: kind.clone(),
                            name: name.clone(),
                            sql: sql.clone(),
                        }),
                        _ => None,
                    })
                    .filter(|s| s.kind == "trigger" || !expected.indexes.contains_key(&s.name))
                    .collect();
                Ok(())
            }
            Guard::RebuildEnd { table } => {
                for s in std::mem::take(&mut self.saved) {
                    self.exec(&s.sql).await.map_err(|e| {
                        DbError::Statement(format!(
                            "could not recreate the {} {} after rebuilding \"{table}\": {e}\n  its definition was: {}",
                            s.kind, s.name, s.sql
                        ))
                    })?;
                }
                Ok(())
            }
        }
    }

    async fn introspect(&mut self) -> Result<Catalog, DbError> {
        introspect::introspect(self, None).await
    }

    async fn introspect_tables(&mut self, tables: &[String]) -> Result<Catalog, DbError> {
        introspect::introspect(self, Some(tables)).await
    }

    async fn object_sql(&mut self) -> Result<Vec<crate::ObjectSql>, DbError> {
        super::objects::object_sql(self).await
    }

    async fn begin_migration(&mut self, atomic: bool) -> Result<(), DbError> {
        // PRAGMA foreign_keys is a no-op inside a transaction: set it first and read it back.
        self.exec("PRAGMA foreign_keys = OFF").await?;
        let fk = self.rows("PRAGMA foreign_keys").await?;
        if fk.first().and_then(|r| r.first()).and_then(Value::as_i64) != Some(0) {
            return Err(DbError::Statement(
                "could not turn foreign keys off before migrating (is a transaction open on this connection?)".into(),
            ));
        }
        if atomic {
            self.begin_immediate().await?;
        }
        Ok(())
    }

    async fn commit_migration(&mut self, atomic: bool) -> Result<(), DbError> {
        let violations = self.rows("PRAGMA foreign_key_check").await?;
        if !violations.is_empty() {
            let mut lines = Vec::new();
            for v in violations.iter().take(10) {
                let text = |i: usize| match v.get(i) {
                    Some(Value::Text(s)) => s.clone(),
                    Some(Value::Int(n)) => n.to_string(),
                    _ => "?".into(),
                };
                lines.push(format!(
                    "row {} of {} references a missing row of {}",
                    text(1),
                    text(0),
                    text(2)
                ));
            }
            if violations.len() > 10 {
                lines.push(format!("… and {} more", violations.len() - 10));
            }
            return Err(DbError::ForeignKeys(lines.join("; ")));
        }
        if atomic {
            self.exec("COMMIT").await?;
        }
        self.exec("PRAGMA foreign_keys = ON").await?;
        Ok(())
    }

    async fn rollback_migration(&mut self) -> Result<(), DbError> {
        self.saved.clear();
        let rolled = self.exec("ROLLBACK").await;
        let restored = self.exec("PRAGMA foreign_keys = ON").await;
        // "no transaction is active" is fine: the failure came before BEGIN.
        if let Err(e) = rolled
            && !e.to_string().contains("no transaction is active")
        {
            return Err(e);
        }
        restored.map(|_| ())
    }

    async fn close(self: Box<Self>) {
        match self.conn {
            Conn::Owned(conn) => {
                let _ = conn.close().await;
            }
            // Dropped: back to the pool when clean, closed otherwise.
            Conn::Pooled(mut pooled) => pooled.clean = pooled.reset().await.is_ok(),
        }
    }
}
