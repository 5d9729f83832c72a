//! The SQLite connection: one dedicated connection that applies migrations
//! with foreign keys off outside the transaction, `BEGIN IMMEDIATE` as the
//! lock, and `foreign_key_check` before every commit (DESIGN §6).

use super::introspect;
use crate::{Database, DatabaseUrl, DbError, Dialect, Value};
use async_trait::async_trait;
use remodel_model::catalog::Catalog;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteRow};
use sqlx::{ConnectOptions, Connection, Row, TypeInfo, ValueRef};
use std::path::Path;
use std::time::Duration;

/// A trigger as SQLite stores it, kept across a migration so that a table
/// rebuild (which drops the table's triggers) does not lose it.
#[derive(Debug, Clone)]
struct Trigger {
    name: String,
    table: String,
    sql: String,
}

/// A connection to a SQLite file.
pub struct SqliteDatabase {
    url: DatabaseUrl,
    conn: SqliteConnection,
    triggers: Vec<Trigger>,
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
            .busy_timeout(Duration::from_secs(60));
        let conn = opts.connect().await.map_err(|e| DbError::Connect {
            target: url.display(),
            reason: e.to_string(),
        })?;
        Ok(SqliteDatabase {
            url,
            conn,
            triggers: Vec::new(),
        })
    }

    /// Sets how long a statement waits for another process's lock.
    pub async fn set_busy_timeout(&mut self, timeout: Duration) -> Result<(), DbError> {
        self.exec(&format!("PRAGMA busy_timeout = {}", timeout.as_millis()))
            .await
            .map(|_| ())
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

    async fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, DbError> {
        fetch(&mut self.conn, sql, params).await
    }

    async fn set_lock_timeout(&mut self, timeout: Duration) -> Result<(), DbError> {
        // BEGIN IMMEDIATE waits this long for another writer.
        self.exec(&format!("PRAGMA busy_timeout = {}", timeout.as_millis()))
            .await
            .map(|_| ())
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

    async fn introspect(&mut self) -> Result<Catalog, DbError> {
        introspect::introspect(self).await
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
            self.exec("BEGIN IMMEDIATE").await?;
        }
        let rows = self.rows("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL").await?;
        self.triggers = rows
            .into_iter()
            .filter_map(|r| match r.as_slice() {
                [Value::Text(n), Value::Text(t), Value::Text(s)] => Some(Trigger {
                    name: n.clone(),
                    table: t.clone(),
                    sql: s.clone(),
                }),
                _ => None,
            })
            .collect();
        Ok(())
    }

    async fn commit_migration(&mut self, atomic: bool) -> Result<(), DbError> {
        // A rebuild drops the table's triggers with the old table: put back
        // those whose table still exists.
        for trigger in std::mem::take(&mut self.triggers) {
            let present = self
                .query(
                    "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                    &[Value::Text(trigger.name.clone())],
                )
                .await?;
            if present.is_empty() && self.table_exists(&trigger.table).await? {
                self.exec(&trigger.sql).await.map_err(|e| {
                    DbError::Statement(format!(
                        "could not recreate trigger {} after rebuilding {}: {e}",
                        trigger.name, trigger.table
                    ))
                })?;
            }
        }
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
        self.triggers.clear();
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
        let _ = self.conn.close().await;
    }
}
