//! The PostgreSQL connection: one dedicated connection that runs each atomic
//! migration in a transaction (DDL included) and holds a session-level
//! advisory lock for the whole run (DESIGN §6).

use super::introspect;
use super::values::{bind, row_values};
use crate::{Database, DatabaseUrl, DbError, Dialect, Guard, Value, lock_key};
use async_trait::async_trait;
use remodel_model::catalog::Catalog;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection};
use std::str::FromStr;
use std::time::{Duration, Instant};

/// How often a waiting `lock()` tries the advisory lock again.
const LOCK_POLL: Duration = Duration::from_millis(200);

/// A connection to a PostgreSQL database.
pub struct PostgresDatabase {
    url: DatabaseUrl,
    conn: PgConnection,
    lock_timeout: Duration,
    waiting: Option<Box<dyn Fn() + Send + Sync>>,
    /// The advisory lock key this connection holds, if any.
    locked: Option<i64>,
    /// Inside a migration's transaction.
    in_transaction: bool,
    /// A statement failed inside the transaction: PostgreSQL has aborted it.
    aborted: bool,
    queries: usize,
    /// How this connection was opened, to open a helper for introspection;
    /// `None` for a connection of an application's pool.
    options: Option<PgConnectOptions>,
}

fn driver_reason(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(d) => d.message().to_string(),
        other => other.to_string(),
    }
}

fn stmt_err(e: sqlx::Error) -> DbError {
    DbError::Statement(driver_reason(&e))
}

type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

// The sqlx calls live in plain functions returning boxed Send futures: inside
// `async_trait` methods the compiler cannot prove `&mut PgConnection:
// Executor` for every lifetime (rust-lang/rust#102211).

/// SQL without parameters: the simple protocol (several statements allowed).
fn raw<'a>(conn: &'a mut PgConnection, sql: &'a str) -> BoxFuture<'a, Result<u64, DbError>> {
    Box::pin(async move {
        sqlx::Executor::execute(conn, sql)
            .await
            .map(|r| r.rows_affected())
            .map_err(stmt_err)
    })
}

fn exec_params<'a>(
    conn: &'a mut PgConnection,
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

pub(crate) fn fetch<'a>(
    conn: &'a mut PgConnection,
    sql: &'a str,
    params: &'a [Value],
) -> BoxFuture<'a, Result<Vec<Vec<Value>>, DbError>> {
    Box::pin(async move {
        let rows = if params.is_empty() {
            // Text format for every type: nothing needs a binary decoder.
            sqlx::Executor::fetch_all(conn, sql).await
        } else {
            bind(sqlx::query(sql).persistent(false), params)
                .fetch_all(conn)
                .await
        }
        .map_err(stmt_err)?;
        Ok(rows.iter().map(row_values).collect())
    })
}

/// A stable 64-bit key for `pg_advisory_lock` (FNV-1a of the lock key's text).
pub(crate) fn advisory_key(key: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h as i64
}

impl PostgresDatabase {
    /// Connects to the server at `raw` (a `postgres://` URL).
    pub async fn open(url: DatabaseUrl, raw: &str) -> Result<PostgresDatabase, DbError> {
        let connect_err = |reason: String| DbError::Connect {
            target: url.display(),
            reason,
        };
        let mut opts =
            PgConnectOptions::from_str(raw).map_err(|e| connect_err(driver_reason(&e)))?;
        if opts.get_application_name().is_none() {
            opts = opts.application_name("remodel");
        }
        let conn = opts
            .connect()
            .await
            .map_err(|e| connect_err(driver_reason(&e)))?;
        Ok(PostgresDatabase {
            url,
            conn,
            lock_timeout: Duration::from_secs(60),
            waiting: None,
            locked: None,
            in_transaction: false,
            aborted: false,
            queries: 0,
            options: Some(opts),
        })
    }

    /// Wraps a connection opened elsewhere (an application's pool, for the
    /// embedded runner); `url` names it in messages.
    pub fn from_connection(url: DatabaseUrl, conn: PgConnection) -> PostgresDatabase {
        PostgresDatabase {
            url,
            conn,
            lock_timeout: Duration::from_secs(60),
            waiting: None,
            locked: None,
            in_transaction: false,
            aborted: false,
            queries: 0,
            options: None,
        }
    }

    /// How to open a second connection to the same database, for catalog
    /// queries run side by side: only for a connection remodel opened, and
    /// outside a migration's transaction (whose changes another connection
    /// would not see).
    pub(crate) fn helper_options(&self) -> Option<PgConnectOptions> {
        if self.in_transaction {
            return None;
        }
        self.options.clone()
    }

    /// Counts queries sent on a [`helper`](Self::helper) as this connection's.
    pub(crate) fn count_helper_queries(&mut self, n: usize) {
        self.queries += n;
    }

    /// How many statements and queries this connection has sent (tests use
    /// it to check that introspection costs a fixed number of queries).
    pub fn queries_sent(&self) -> usize {
        self.queries
    }

    fn note<T>(&mut self, result: Result<T, DbError>) -> Result<T, DbError> {
        self.queries += 1;
        if result.is_err() && self.in_transaction {
            self.aborted = true;
        }
        result
    }

    async fn exec(&mut self, sql: &str) -> Result<u64, DbError> {
        let r = raw(&mut self.conn, sql).await;
        self.note(r)
    }

    /// The migration lock's key and its description, from the connection's
    /// database and schema.
    async fn lock_target(&mut self) -> Result<(i64, String), DbError> {
        let rows = self
            .query(
                "SELECT current_database()::text, coalesce(current_schema()::text, '')",
                &[],
            )
            .await?;
        let text = |i: usize| {
            rows.first()
                .and_then(|r| r.get(i))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let (database, schema) = (text(0), text(1));
        let key = lock_key(&database, &schema);
        Ok((
            advisory_key(&key),
            format!("database \"{database}\", schema \"{schema}\""),
        ))
    }

    async fn try_lock(&mut self, key: i64) -> Result<bool, DbError> {
        let rows = self
            .query("SELECT pg_try_advisory_lock($1)", &[Value::Int(key)])
            .await?;
        Ok(rows.first().and_then(|r| r.first()) == Some(&Value::Int(1)))
    }

    /// Who holds an advisory lock, as far as this role may see.
    async fn holder(&mut self, key: i64) -> Option<String> {
        let hi = ((key as u64) >> 32) as i64;
        let lo = ((key as u64) & 0xffff_ffff) as i64;
        let rows = self
            .query(
                "SELECT l.pid, coalesce(a.application_name, ''), coalesce(a.client_addr::text, 'local') \
                 FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid \
                 WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = $1 \
                 AND l.objid::bigint = $2 AND l.objsubid = 1 AND l.pid <> pg_backend_pid()",
                &[Value::Int(hi), Value::Int(lo)],
            )
            .await
            .ok()?;
        let r = rows.first()?;
        let pid = r.first()?.as_i64()?;
        let app = r.get(1).and_then(Value::as_str).unwrap_or_default();
        let client = r.get(2).and_then(Value::as_str).unwrap_or_default();
        Some(if app.is_empty() {
            format!("server process {pid}, client {client}")
        } else {
            format!("server process {pid} ({app}), client {client}")
        })
    }
}

#[async_trait]
impl Database for PostgresDatabase {
    fn dialect(&self) -> &'static dyn Dialect {
        &super::PostgresDialect
    }

    fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    async fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        if params.is_empty() {
            return self.exec(sql).await;
        }
        let r = exec_params(&mut self.conn, sql, params).await;
        self.note(r)
    }

    async fn guard(&mut self, guard: &Guard) -> Result<(), DbError> {
        crate::keeps::guard(self, guard).await
    }

    async fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, DbError> {
        let r = fetch(&mut self.conn, sql, params).await;
        self.note(r)
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
        if self.locked.is_some() {
            return Ok(());
        }
        let (key, target) = self.lock_target().await?;
        let started = Instant::now();
        if !self.try_lock(key).await? {
            if let Some(w) = &self.waiting {
                w();
            }
            loop {
                let elapsed = started.elapsed();
                if elapsed >= self.lock_timeout {
                    let holder = self
                        .holder(key)
                        .await
                        .map(|h| format!(" (held by {h})"))
                        .unwrap_or_default();
                    return Err(DbError::LockTimeout(format!(
                        "another process held the migration lock on {target}{holder} for {}s, the lock timeout; this run applied nothing. \
                         Wait for it to finish, or give it longer with a higher lock timeout",
                        self.lock_timeout.as_secs_f64().round()
                    )));
                }
                tokio::time::sleep(LOCK_POLL.min(self.lock_timeout - elapsed)).await;
                if self.try_lock(key).await? {
                    break;
                }
            }
        }
        self.locked = Some(key);
        Ok(())
    }

    async fn unlock(&mut self) -> Result<(), DbError> {
        if let Some(key) = self.locked.take() {
            self.query("SELECT pg_advisory_unlock($1)", &[Value::Int(key)])
                .await?;
        }
        Ok(())
    }

    async fn estimate_rows(&mut self, table: &str) -> Result<Option<i64>, DbError> {
        // The planner's estimate: no scan of a large table; none (-1) before
        // the table was first analysed.
        let rows = self
            .query(
                "SELECT CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint::text END FROM pg_catalog.pg_class c \
                 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = current_schema() AND c.relname = $1 AND c.relkind IN ('r', 'p')",
                &[Value::Text(table.into())],
            )
            .await?;
        Ok(rows.first().and_then(|r| r.first()).and_then(Value::as_i64))
    }

    async fn table_exists(&mut self, name: &str) -> Result<bool, DbError> {
        let rows = self
            .query(
                "SELECT 1 FROM pg_catalog.pg_class c \
                 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = current_schema() AND c.relname = $1 AND c.relkind IN ('r', 'p')",
                &[Value::Text(name.into())],
            )
            .await?;
        Ok(!rows.is_empty())
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
        if atomic {
            self.exec("BEGIN").await?;
            self.in_transaction = true;
            self.aborted = false;
        }
        Ok(())
    }

    async fn commit_migration(&mut self, atomic: bool) -> Result<(), DbError> {
        if !atomic {
            return Ok(());
        }
        if self.aborted {
            // PostgreSQL would answer COMMIT with a silent ROLLBACK.
            self.rollback_migration().await?;
            return Err(DbError::Statement(
                "a statement of this migration failed, so PostgreSQL aborted its transaction; it was rolled back".into(),
            ));
        }
        let r = self.exec("COMMIT").await;
        self.in_transaction = false;
        self.aborted = false;
        r.map(|_| ())
    }

    async fn rollback_migration(&mut self) -> Result<(), DbError> {
        self.in_transaction = false;
        self.aborted = false;
        match self.exec("ROLLBACK").await {
            // Outside a transaction PostgreSQL only warns; tolerate an error saying so too.
            Err(e) if !e.to_string().contains("no transaction") => Err(e),
            _ => Ok(()),
        }
    }

    async fn close(self: Box<Self>) {
        let mut this = *self;
        if let Some(key) = this.locked.take() {
            let _ = this
                .query("SELECT pg_advisory_unlock($1)", &[Value::Int(key)])
                .await;
        }
        let _ = this.conn.close().await;
    }
}
