//! The MySQL/MariaDB connection: one dedicated connection that executes
//! statements, takes the migration lock with `GET_LOCK`, and introspects
//! `information_schema` with a fixed number of queries.
//!
//! MySQL commits every DDL statement implicitly, so a migration is not run
//! in a transaction here: `begin_migration`, `commit_migration` and
//! `rollback_migration` do nothing, and the runner records progress after
//! each statement instead (DESIGN §6).
//!
//! The session is made strict (`STRICT_ALL_TABLES` added to the server's
//! modes) as soon as it connects: a change that would truncate values or
//! turn NULLs into 0 fails instead of losing data silently.

use super::catalog::{CatalogRows, Flavor, catalog_from_rows};
use crate::{Database, DatabaseUrl, DbError, Dialect, Guard, Value, lock_key};
use async_trait::async_trait;
use remodel_model::catalog::Catalog;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlRow};
use sqlx::{ConnectOptions, Connection, Row, TypeInfo, ValueRef};
use std::str::FromStr;
use std::time::Duration;

/// A connection to a MySQL or MariaDB database.
pub struct MysqlDatabase {
    url: DatabaseUrl,
    conn: MySqlConnection,
    flavor: Flavor,
    database: String,
    version: String,
    lock_timeout: Duration,
    waiting: Option<Box<dyn Fn() + Send + Sync>>,
    queries: usize,
}

/// A server error with the server's error number (`… (error 1146)`), the
/// number MySQL's documentation and its client show, not the SQLSTATE.
fn stmt_err(e: sqlx::Error) -> DbError {
    match e {
        sqlx::Error::Database(d) => match d.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
            Some(m) => DbError::Statement(format!("{} (error {})", m.message(), m.number())),
            None => match d.code() {
                Some(code) => DbError::Statement(format!("{} (error {code})", d.message())),
                None => DbError::Statement(d.message().to_string()),
            },
        },
        other => DbError::Statement(other.to_string()),
    }
}

/// Makes the session strict, whatever the server's default: without
/// `STRICT_ALL_TABLES` a `MODIFY` that narrows a column silently truncates
/// values and turns NULLs into 0 or ''. The server's other modes stay (and
/// `PIPES_AS_CONCAT` stays off, as the connect options leave it).
const STRICT_SQL: &str = "SET SESSION sql_mode = \
     CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), 'STRICT_ALL_TABLES')";

/// How a column's values are read, by the driver's type name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Unsigned,
    Float,
    Bytes,
    Temporal,
    Text,
}

fn kind(type_name: &str) -> Kind {
    match type_name {
        "BOOLEAN" | "TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "BIGINT" | "YEAR" => Kind::Int,
        n if n.ends_with("UNSIGNED") => Kind::Unsigned,
        "FLOAT" | "DOUBLE" => Kind::Float,
        "DATE" | "TIME" | "DATETIME" | "TIMESTAMP" => Kind::Temporal,
        n if n.contains("BLOB") || n.contains("BINARY") || n == "BIT" || n == "GEOMETRY" => {
            Kind::Bytes
        }
        _ => Kind::Text,
    }
}

/// A DATE, DATETIME or TIME in the binary protocol (length byte first) as text.
fn binary_temporal(b: &[u8], type_name: &str) -> Option<String> {
    let (&len, rest) = b.split_first()?;
    let micros = |r: &[u8]| -> String {
        match r {
            [a, b, c, d] => {
                let us = u32::from_le_bytes([*a, *b, *c, *d]);
                if us == 0 {
                    String::new()
                } else {
                    format!(".{us:06}")
                }
            }
            _ => String::new(),
        }
    };
    if type_name == "TIME" {
        if len == 0 {
            return Some("00:00:00".into());
        }
        let neg = *rest.first()? == 1;
        let days = u32::from_le_bytes(rest.get(1..5)?.try_into().ok()?);
        let (h, m, s) = (*rest.get(5)?, *rest.get(6)?, *rest.get(7)?);
        let hours = days * 24 + u32::from(h);
        return Some(format!(
            "{}{hours:02}:{m:02}:{s:02}{}",
            if neg { "-" } else { "" },
            micros(rest.get(8..).unwrap_or_default())
        ));
    }
    if len == 0 {
        return Some("0000-00-00 00:00:00".into());
    }
    let year = u16::from_le_bytes(rest.get(0..2)?.try_into().ok()?);
    let (mo, d) = (*rest.get(2)?, *rest.get(3)?);
    let date = format!("{year:04}-{mo:02}-{d:02}");
    if type_name == "DATE" {
        return Some(date);
    }
    let (h, m, s) = (
        rest.get(4).copied().unwrap_or(0),
        rest.get(5).copied().unwrap_or(0),
        rest.get(6).copied().unwrap_or(0),
    );
    Some(format!(
        "{date} {h:02}:{m:02}:{s:02}{}",
        micros(rest.get(7..).unwrap_or_default())
    ))
}

/// One row as [`Value`]s; `binary` for rows of a prepared statement (with
/// parameters), text-protocol rows otherwise.
fn row_values(row: &MySqlRow, binary: bool) -> Vec<Value> {
    (0..row.len())
        .map(|i| {
            let Ok(raw) = row.try_get_raw(i) else {
                return Value::Null;
            };
            if raw.is_null() {
                return Value::Null;
            }
            let type_name = raw.type_info().name().to_string();
            let text = || {
                row.try_get_unchecked::<Vec<u8>, _>(i)
                    .map(|b| Value::Text(String::from_utf8_lossy(&b).into_owned()))
                    .unwrap_or(Value::Null)
            };
            match kind(&type_name) {
                Kind::Int => row
                    .try_get_unchecked::<i64, _>(i)
                    .map(Value::Int)
                    .unwrap_or_else(|_| text()),
                Kind::Unsigned => match row.try_get_unchecked::<u64, _>(i) {
                    Ok(u) => i64::try_from(u)
                        .map(Value::Int)
                        .unwrap_or_else(|_| Value::Text(u.to_string())),
                    Err(_) => text(),
                },
                Kind::Float if binary => row
                    .try_get::<f64, _>(i)
                    .or_else(|_| row.try_get::<f32, _>(i).map(f64::from))
                    .map(Value::Float)
                    .unwrap_or_else(|_| text()),
                Kind::Float => match text() {
                    Value::Text(s) => s.parse().map(Value::Float).unwrap_or(Value::Text(s)),
                    other => other,
                },
                // The driver flags text in a binary collation (MariaDB's
                // JSON, `utf8mb4_bin`) like binary strings, and does not
                // give the collation: bytes that are UTF-8 read as text.
                Kind::Bytes => match row.try_get_unchecked::<Vec<u8>, _>(i) {
                    Ok(b) => match String::from_utf8(b) {
                        Ok(s) => Value::Text(s),
                        Err(e) => Value::Bytes(e.into_bytes()),
                    },
                    Err(_) => Value::Null,
                },
                Kind::Temporal if binary => row
                    .try_get_unchecked::<Vec<u8>, _>(i)
                    .ok()
                    .and_then(|b| binary_temporal(&b, &type_name))
                    .map(Value::Text)
                    .unwrap_or(Value::Null),
                Kind::Temporal | Kind::Text => text(),
            }
        })
        .collect()
}

type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

// The sqlx calls live in plain functions returning boxed Send futures: inside
// `async_trait` methods the compiler cannot prove `&mut MySqlConnection:
// Executor` for every lifetime (rust-lang/rust#102211).
fn raw_execute<'a>(
    conn: &'a mut MySqlConnection,
    sql: &'a str,
) -> BoxFuture<'a, Result<u64, DbError>> {
    Box::pin(async move {
        sqlx::Executor::execute(conn, sql)
            .await
            .map(|r| r.rows_affected())
            .map_err(stmt_err)
    })
}

fn raw_fetch<'a>(
    conn: &'a mut MySqlConnection,
    sql: &'a str,
) -> BoxFuture<'a, Result<Vec<Vec<Value>>, DbError>> {
    Box::pin(async move {
        let rows = sqlx::Executor::fetch_all(conn, sql)
            .await
            .map_err(stmt_err)?;
        Ok(rows.iter().map(|r| row_values(r, false)).collect())
    })
}

fn exec_params<'a>(
    conn: &'a mut MySqlConnection,
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

fn fetch_params<'a>(
    conn: &'a mut MySqlConnection,
    sql: &'a str,
    params: &'a [Value],
) -> BoxFuture<'a, Result<Vec<Vec<Value>>, DbError>> {
    Box::pin(async move {
        let rows = bind(sqlx::query(sql).persistent(false), params)
            .fetch_all(conn)
            .await
            .map_err(stmt_err)?;
        Ok(rows.iter().map(|r| row_values(r, true)).collect())
    })
}

fn bind<'q>(
    mut q: sqlx::query::Query<'q, sqlx::MySql, sqlx::mysql::MySqlArguments>,
    params: &'q [Value],
) -> sqlx::query::Query<'q, sqlx::MySql, sqlx::mysql::MySqlArguments> {
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

// The catalog queries. MySQL 8 returns information_schema text as binary
// strings: every column is cast to CHAR (numbers too, read back as text).
const TABLES_SQL: &str = "SELECT CAST(t.TABLE_NAME AS CHAR), CAST(t.TABLE_COMMENT AS CHAR), \
     CAST(t.TABLE_COLLATION AS CHAR), CAST(co.CHARACTER_SET_NAME AS CHAR), CAST(co.IS_DEFAULT AS CHAR) \
     FROM information_schema.TABLES t \
     LEFT JOIN information_schema.COLLATIONS co ON co.COLLATION_NAME = t.TABLE_COLLATION \
     WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE' \
     ORDER BY 1";
const COLUMNS_SQL: &str = "SELECT CAST(c.TABLE_NAME AS CHAR), CAST(c.COLUMN_NAME AS CHAR), \
     CAST(c.COLUMN_TYPE AS CHAR), CAST(c.IS_NULLABLE AS CHAR), CAST(c.COLUMN_DEFAULT AS CHAR), \
     CAST(c.EXTRA AS CHAR), CAST(c.COLUMN_COMMENT AS CHAR), CAST(c.GENERATION_EXPRESSION AS CHAR), \
     CAST(c.CHARACTER_SET_NAME AS CHAR), CAST(c.COLLATION_NAME AS CHAR), CAST(t.TABLE_COLLATION AS CHAR), \
     CAST(tc.CHARACTER_SET_NAME AS CHAR), CAST(cc.IS_DEFAULT AS CHAR) \
     FROM information_schema.COLUMNS c JOIN information_schema.TABLES t \
       ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME \
     LEFT JOIN information_schema.COLLATIONS tc ON tc.COLLATION_NAME = t.TABLE_COLLATION \
     LEFT JOIN information_schema.COLLATIONS cc ON cc.COLLATION_NAME = c.COLLATION_NAME \
     WHERE c.TABLE_SCHEMA = DATABASE() \
     ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION";
const INDEXES_MARIADB_SQL: &str = "SELECT CAST(TABLE_NAME AS CHAR), CAST(INDEX_NAME AS CHAR), \
     CAST(NON_UNIQUE AS CHAR), CAST(SEQ_IN_INDEX AS CHAR), CAST(COLUMN_NAME AS CHAR), \
     CAST(SUB_PART AS CHAR), CAST(INDEX_TYPE AS CHAR), CAST(COLLATION AS CHAR), NULL \
     FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
     ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX";
/// MySQL 8 reports an expression key part's SQL.
const INDEXES_MYSQL_SQL: &str = "SELECT CAST(TABLE_NAME AS CHAR), CAST(INDEX_NAME AS CHAR), \
     CAST(NON_UNIQUE AS CHAR), CAST(SEQ_IN_INDEX AS CHAR), CAST(COLUMN_NAME AS CHAR), \
     CAST(SUB_PART AS CHAR), CAST(INDEX_TYPE AS CHAR), CAST(COLLATION AS CHAR), \
     CAST(EXPRESSION AS CHAR) \
     FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
     ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX";
const FOREIGN_KEYS_SQL: &str = "SELECT CAST(k.TABLE_NAME AS CHAR), CAST(k.CONSTRAINT_NAME AS CHAR), \
     CAST(k.COLUMN_NAME AS CHAR), CAST(k.ORDINAL_POSITION AS CHAR), \
     CAST(k.REFERENCED_TABLE_NAME AS CHAR), CAST(k.REFERENCED_COLUMN_NAME AS CHAR), \
     CAST(r.DELETE_RULE AS CHAR), CAST(r.UPDATE_RULE AS CHAR) \
     FROM information_schema.KEY_COLUMN_USAGE k \
     JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
       ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME \
      AND r.TABLE_NAME = k.TABLE_NAME \
     WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL \
     ORDER BY 1, 2, 4";
// MariaDB names checks per table and lists the table in CHECK_CONSTRAINTS;
// MySQL 8 names them per schema and lists the table only in TABLE_CONSTRAINTS.
const CHECKS_MARIADB_SQL: &str = "SELECT CAST(TABLE_NAME AS CHAR), CAST(CONSTRAINT_NAME AS CHAR), \
     CAST(CHECK_CLAUSE AS CHAR) \
     FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() \
     ORDER BY 1, 2";
const CHECKS_MYSQL_SQL: &str = "SELECT CAST(t.TABLE_NAME AS CHAR), CAST(c.CONSTRAINT_NAME AS CHAR), \
     CAST(c.CHECK_CLAUSE AS CHAR) \
     FROM information_schema.TABLE_CONSTRAINTS t \
     JOIN information_schema.CHECK_CONSTRAINTS c \
       ON c.CONSTRAINT_SCHEMA = t.CONSTRAINT_SCHEMA AND c.CONSTRAINT_NAME = t.CONSTRAINT_NAME \
     WHERE t.TABLE_SCHEMA = DATABASE() AND t.CONSTRAINT_TYPE = 'CHECK' \
     ORDER BY 1, 2";

// The schema's other objects in one query (kind, name, table, definition):
// views, triggers, functions and procedures, events, sequences (MariaDB),
// partitioned tables and their partitions (once each, subpartitions aside).
const OBJECTS_SQL: &str = "SELECT CAST('view' AS CHAR), CAST(TABLE_NAME AS CHAR), CAST(NULL AS CHAR), \
     CAST(VIEW_DEFINITION AS CHAR) \
     FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() \
     UNION ALL SELECT CAST('trigger' AS CHAR), CAST(TRIGGER_NAME AS CHAR), \
     CAST(EVENT_OBJECT_TABLE AS CHAR), CAST(ACTION_STATEMENT AS CHAR) \
     FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() \
     UNION ALL SELECT CAST(LOWER(ROUTINE_TYPE) AS CHAR), CAST(ROUTINE_NAME AS CHAR), CAST(NULL AS CHAR), \
     CAST(ROUTINE_DEFINITION AS CHAR) \
     FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() \
     UNION ALL SELECT CAST('event' AS CHAR), CAST(EVENT_NAME AS CHAR), CAST(NULL AS CHAR), \
     CAST(EVENT_DEFINITION AS CHAR) \
     FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE() \
     UNION ALL SELECT CAST('sequence' AS CHAR), CAST(TABLE_NAME AS CHAR), CAST(NULL AS CHAR), CAST('' AS CHAR) \
     FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'SEQUENCE' \
     UNION ALL SELECT DISTINCT CAST('partitioned table' AS CHAR), CAST(TABLE_NAME AS CHAR), \
     CAST(TABLE_NAME AS CHAR), CAST(CONCAT(PARTITION_METHOD, ' (', COALESCE(PARTITION_EXPRESSION, ''), ')') AS CHAR) \
     FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = DATABASE() AND PARTITION_NAME IS NOT NULL \
     UNION ALL SELECT DISTINCT CAST('partition' AS CHAR), CAST(PARTITION_NAME AS CHAR), CAST(TABLE_NAME AS CHAR), \
     CAST(COALESCE(PARTITION_DESCRIPTION, '') AS CHAR) \
     FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = DATABASE() AND PARTITION_NAME IS NOT NULL \
     ORDER BY 1, 3, 2";

impl MysqlDatabase {
    /// Connects to the server at `raw` (a `mysql://` URL naming a database).
    pub async fn open(url: DatabaseUrl, raw: &str) -> Result<MysqlDatabase, DbError> {
        let fail = |reason: String| DbError::Connect {
            target: url.display(),
            reason,
        };
        let opts = MySqlConnectOptions::from_str(raw)
            .map_err(|e| fail(e.to_string()))?
            // Keep the server's meaning of `||` (OR) for RunSql.
            .pipes_as_concat(false);
        let host = format!("{}:{}", opts.get_host(), opts.get_port());
        let conn = opts
            .connect()
            .await
            .map_err(|e| fail(format!("{e} (server {host})")))?;
        MysqlDatabase::with_connection(url, conn).await
    }

    /// Wraps a connection opened elsewhere (an application's pool, for the
    /// embedded runner), set up as [`MysqlDatabase::open`] sets up its own;
    /// `url` names it in messages.
    pub async fn from_connection(
        url: DatabaseUrl,
        conn: MySqlConnection,
    ) -> Result<MysqlDatabase, DbError> {
        MysqlDatabase::with_connection(url, conn).await
    }

    /// Sets up a new connection for remodel (a strict session) and reads
    /// which database and server it is on.
    pub(super) async fn with_connection(
        url: DatabaseUrl,
        mut conn: MySqlConnection,
    ) -> Result<MysqlDatabase, DbError> {
        let fail = |reason: String| DbError::Connect {
            target: url.display(),
            reason,
        };
        raw_execute(&mut conn, STRICT_SQL)
            .await
            .map_err(|e| fail(format!("setting a strict sql_mode: {e}")))?;
        let rows = raw_fetch(&mut conn, "SELECT DATABASE(), VERSION()")
            .await
            .map_err(|e| fail(e.to_string()))?;
        let row = rows.into_iter().next().unwrap_or_default();
        let database = match row.first() {
            Some(Value::Text(d)) => d.clone(),
            _ => {
                return Err(fail(
                    "the URL names no database; add one, as in mysql://user@host:3306/DATABASE"
                        .into(),
                ));
            }
        };
        let version = match row.get(1) {
            Some(Value::Text(v)) => v.clone(),
            _ => String::new(),
        };
        Ok(MysqlDatabase {
            url,
            conn,
            flavor: Flavor::from_version(&version),
            database,
            version,
            lock_timeout: Duration::from_secs(60),
            waiting: None,
            queries: 0,
        })
    }

    /// How many statements and queries this connection has sent (tests
    /// check that introspection sends a fixed number).
    pub fn queries_sent(&self) -> usize {
        self.queries
    }

    /// The server's `VERSION()`.
    pub fn server_version(&self) -> &str {
        &self.version
    }

    /// The current database (`DATABASE()`).
    pub fn database_name(&self) -> &str {
        &self.database
    }

    /// The migration lock's key: `remodel:` + database + database (MySQL
    /// has no schemas inside a database), at most 64 characters.
    pub fn lock_name(&self) -> String {
        lock_key(&self.database, &self.database)
    }

    async fn fetch(&mut self, sql: &str) -> Result<Vec<Vec<Value>>, DbError> {
        self.queries += 1;
        raw_fetch(&mut self.conn, sql).await
    }

    async fn get_lock(&mut self, key: &str, secs: u64) -> Result<Option<i64>, DbError> {
        let rows = self
            .query(
                "SELECT GET_LOCK(?, ?)",
                &[Value::Text(key.into()), Value::Int(secs as i64)],
            )
            .await?;
        Ok(rows.first().and_then(|r| r.first()).and_then(Value::as_i64))
    }
}

#[async_trait]
impl Database for MysqlDatabase {
    fn dialect(&self) -> &'static dyn Dialect {
        &super::MysqlDialect
    }

    fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    async fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        self.queries += 1;
        if params.is_empty() {
            // The text protocol runs every statement (some cannot be prepared).
            return raw_execute(&mut self.conn, sql).await;
        }
        exec_params(&mut self.conn, sql, params).await
    }

    async fn guard(&mut self, guard: &Guard) -> Result<(), DbError> {
        crate::keeps::guard(self, guard).await
    }

    async fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, DbError> {
        if params.is_empty() {
            return self.fetch(sql).await;
        }
        self.queries += 1;
        fetch_params(&mut self.conn, sql, params).await
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
        let key = self.lock_name();
        if self.get_lock(&key, 0).await? == Some(1) {
            return Ok(());
        }
        if let Some(w) = &self.waiting {
            w();
        }
        // GET_LOCK takes whole seconds: round up.
        let t = self.lock_timeout;
        let secs = t.as_secs() + u64::from(t.subsec_nanos() > 0);
        match self.get_lock(&key, secs).await? {
            Some(1) => Ok(()),
            Some(_) => Err(DbError::LockTimeout(format!(
                "another process held the migration lock of database `{}` (GET_LOCK '{key}') for {secs}s, the lock timeout; nothing was applied by this run. \
                 Wait for the other migration to finish, or raise --lock-timeout",
                self.database
            ))),
            None => Err(DbError::Statement(format!(
                "GET_LOCK('{key}') failed on database `{}`",
                self.database
            ))),
        }
    }

    async fn unlock(&mut self) -> Result<(), DbError> {
        let key = self.lock_name();
        self.query("SELECT RELEASE_LOCK(?)", &[Value::Text(key)])
            .await
            .map(|_| ())
    }

    async fn estimate_rows(&mut self, table: &str) -> Result<Option<i64>, DbError> {
        // InnoDB's estimate: no scan of a large table.
        let rows = self
            .query(
                "SELECT CAST(TABLE_ROWS AS CHAR) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
                &[Value::Text(table.into())],
            )
            .await?;
        Ok(rows.first().and_then(|r| r.first()).and_then(Value::as_i64))
    }

    async fn table_exists(&mut self, name: &str) -> Result<bool, DbError> {
        let rows = self
            .query(
                "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
                &[Value::Text(name.into())],
            )
            .await?;
        Ok(!rows.is_empty())
    }

    async fn object_sql(&mut self) -> Result<Vec<crate::ObjectSql>, DbError> {
        super::objects::object_sql(self).await
    }

    async fn introspect(&mut self) -> Result<Catalog, DbError> {
        let ie = |e: DbError| DbError::Introspect(e.to_string());
        let (checks_sql, indexes_sql) = match self.flavor {
            Flavor::Mariadb => (CHECKS_MARIADB_SQL, INDEXES_MARIADB_SQL),
            Flavor::Mysql => (CHECKS_MYSQL_SQL, INDEXES_MYSQL_SQL),
        };
        let rows = CatalogRows {
            tables: self.fetch(TABLES_SQL).await.map_err(ie)?,
            columns: self.fetch(COLUMNS_SQL).await.map_err(ie)?,
            indexes: self.fetch(indexes_sql).await.map_err(ie)?,
            foreign_keys: self.fetch(FOREIGN_KEYS_SQL).await.map_err(ie)?,
            checks: self.fetch(checks_sql).await.map_err(ie)?,
            objects: self.fetch(OBJECTS_SQL).await.map_err(ie)?,
        };
        Ok(catalog_from_rows(self.flavor, &rows))
    }

    async fn introspect_tables(&mut self, tables: &[String]) -> Result<Catalog, DbError> {
        let ie = |e: DbError| DbError::Introspect(e.to_string());
        // The same queries, each limited to the tables named.
        let names: Vec<String> = tables
            .iter()
            .map(|t| super::table::string_literal(t))
            .collect();
        let list = if names.is_empty() {
            "NULL".to_string()
        } else {
            names.join(", ")
        };
        let only = |sql: &str, column: &str| {
            let at = sql.rfind(" ORDER BY ").unwrap_or(sql.len());
            format!("{} AND {column} IN ({list}){}", &sql[..at], &sql[at..])
        };
        let (checks_sql, checks_table, indexes_sql) = match self.flavor {
            Flavor::Mariadb => (CHECKS_MARIADB_SQL, "TABLE_NAME", INDEXES_MARIADB_SQL),
            Flavor::Mysql => (CHECKS_MYSQL_SQL, "t.TABLE_NAME", INDEXES_MYSQL_SQL),
        };
        let rows = CatalogRows {
            tables: self
                .fetch(&only(TABLES_SQL, "TABLE_NAME"))
                .await
                .map_err(ie)?,
            columns: self
                .fetch(&only(COLUMNS_SQL, "c.TABLE_NAME"))
                .await
                .map_err(ie)?,
            indexes: self
                .fetch(&only(indexes_sql, "TABLE_NAME"))
                .await
                .map_err(ie)?,
            foreign_keys: self
                .fetch(&only(FOREIGN_KEYS_SQL, "k.TABLE_NAME"))
                .await
                .map_err(ie)?,
            checks: self
                .fetch(&only(checks_sql, checks_table))
                .await
                .map_err(ie)?,
            objects: Vec::new(),
        };
        Ok(catalog_from_rows(self.flavor, &rows))
    }

    async fn begin_migration(&mut self, _atomic: bool) -> Result<(), DbError> {
        // MySQL commits DDL implicitly: a transaction around a migration would
        // end at its first DDL statement and promise an atomicity MySQL does
        // not give. No transaction is opened; the runner records progress
        // after each statement and reverses completed operations on failure.
        Ok(())
    }

    async fn commit_migration(&mut self, _atomic: bool) -> Result<(), DbError> {
        // Nothing to commit: every statement has committed as it ran.
        Ok(())
    }

    async fn rollback_migration(&mut self) -> Result<(), DbError> {
        // Nothing can be rolled back: DDL has committed as it ran.
        Ok(())
    }

    async fn close(self: Box<Self>) {
        let _ = self.conn.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_temporals_read_as_text() {
        let mut dt = vec![11u8];
        dt.extend(2024u16.to_le_bytes());
        dt.extend([2, 29, 13, 5, 9]);
        dt.extend(1500u32.to_le_bytes());
        assert_eq!(
            binary_temporal(&dt, "DATETIME").unwrap(),
            "2024-02-29 13:05:09.001500"
        );
        let mut d = vec![4u8];
        d.extend(2024u16.to_le_bytes());
        d.extend([1, 2]);
        assert_eq!(binary_temporal(&d, "DATE").unwrap(), "2024-01-02");
        let mut t = vec![8u8, 0];
        t.extend(1u32.to_le_bytes());
        t.extend([2, 3, 4]);
        assert_eq!(binary_temporal(&t, "TIME").unwrap(), "26:03:04");
    }

    #[test]
    fn driver_types_pick_a_reader() {
        assert_eq!(kind("BIGINT"), Kind::Int);
        assert_eq!(kind("BIGINT UNSIGNED"), Kind::Unsigned);
        assert_eq!(kind("VARBINARY"), Kind::Bytes);
        assert_eq!(kind("DECIMAL"), Kind::Text);
        assert_eq!(kind("DATETIME"), Kind::Temporal);
    }
}
