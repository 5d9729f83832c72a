//! Live connections: one trait every database implements, so the runner in
//! `migrate` is written once.

use crate::{DatabaseUrl, Dialect, Guard, Statement};
use async_trait::async_trait;
use remodel_model::catalog::Catalog;

/// A value passed to or read from the database.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// NULL.
    Null,
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// Text.
    Text(String),
    /// Bytes.
    Bytes(Vec<u8>),
}

impl Value {
    /// The text, if this is text.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if this is one.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Text(s) => s.parse().ok(),
            _ => None,
        }
    }
}

/// A database error, with what the driver said.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DbError {
    /// The database cannot be reached or opened.
    #[error("cannot connect to {target}: {reason}")]
    Connect {
        /// The URL (no password).
        target: String,
        /// The driver's reason.
        reason: String,
    },
    /// A statement failed.
    #[error("{0}")]
    Statement(String),
    /// Rows violate foreign keys after a migration (SQLite's foreign_key_check).
    #[error("foreign key check failed: {0}")]
    ForeignKeys(String),
    /// The catalog could not be read.
    #[error("cannot read the database catalog: {0}")]
    Introspect(String),
    /// Another process held the migration lock for the whole timeout.
    #[error("{0}")]
    LockTimeout(String),
}

/// A connection to a live database.
#[async_trait]
pub trait Database: Send {
    /// The dialect of this database.
    fn dialect(&self) -> &'static dyn Dialect;

    /// Where it is.
    fn url(&self) -> &DatabaseUrl;

    /// Executes one statement with positional parameters (`?` on SQLite and
    /// MySQL, `$1` on PostgreSQL) and returns the rows affected.
    async fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError>;

    /// Makes a guard's check against the live database (see [`Guard`]).
    async fn guard(&mut self, guard: &Guard) -> Result<(), DbError>;

    /// Runs one step of a migration: executes its SQL, or makes its guard's check.
    async fn run(&mut self, statement: &Statement) -> Result<(), DbError> {
        match &statement.guard {
            Some(g) => self.guard(g).await,
            None => self.execute(&statement.sql, &[]).await.map(|_| ()),
        }
    }

    /// Runs steps of a migration in order, inside its open transaction, as
    /// [`run`](Database::run) would one by one; on failure, the position of
    /// the step that failed and its error (nothing after it has run). A
    /// database may send several together (SQLite does).
    async fn run_all(&mut self, statements: &[&Statement]) -> Result<(), (usize, DbError)> {
        for (i, s) in statements.iter().enumerate() {
            self.run(s).await.map_err(|e| (i, e))?;
        }
        Ok(())
    }

    /// Runs a query and returns its rows.
    async fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, DbError>;

    /// How long to wait for the migration lock another process holds before
    /// giving up, and what to call (once) when the wait begins, so the user
    /// is told.
    async fn set_lock_wait(
        &mut self,
        timeout: std::time::Duration,
        waiting: Box<dyn Fn() + Send + Sync>,
    ) -> Result<(), DbError>;

    /// Takes the migration lock for the whole run, on this connection and
    /// outside any transaction: PostgreSQL `pg_advisory_lock`, MySQL
    /// `GET_LOCK`, on a key derived from `remodel:` + database + schema. SQLite
    /// has no run-wide lock: each migration takes `BEGIN IMMEDIATE` instead.
    /// Waits as [`Database::set_lock_wait`] says; then [`DbError::LockTimeout`].
    async fn lock(&mut self) -> Result<(), DbError>;

    /// Releases the migration lock.
    async fn unlock(&mut self) -> Result<(), DbError>;

    /// About how many rows a table holds (a catalog estimate where the
    /// database keeps one), for `migrate --plan` to say what a drop loses.
    async fn estimate_rows(&mut self, _table: &str) -> Result<Option<i64>, DbError> {
        Ok(None)
    }

    /// Whether a table exists.
    async fn table_exists(&mut self, name: &str) -> Result<bool, DbError>;

    /// Reads the live catalog: every user table (the database's internal
    /// tables excluded; callers filter remodel's history and ignored tables).
    async fn introspect(&mut self) -> Result<Catalog, DbError>;

    /// The SQL that creates and drops each of the schema's objects that
    /// are not a model's table (as [`Catalog::objects`] lists them), for
    /// `check --adopt` to recreate them on a fresh database. A kind the
    /// database cannot script is left out.
    ///
    /// [`Catalog::objects`]: remodel_model::catalog::Catalog::objects
    async fn object_sql(&mut self) -> Result<Vec<crate::ObjectSql>, DbError>;

    /// Reads only the named tables (those that exist), with the same
    /// queries as [`Database::introspect`]: what a guard looks at before an
    /// operation restates a table.
    async fn introspect_tables(&mut self, tables: &[String]) -> Result<Catalog, DbError> {
        let mut catalog = self.introspect().await?;
        catalog.tables.retain(|name, _| tables.contains(name));
        catalog.unreadable.retain(|name, _| tables.contains(name));
        Ok(catalog)
    }

    /// Starts applying one migration; `atomic` runs it in one transaction.
    /// SQLite: foreign keys off (checked), `BEGIN IMMEDIATE` — the write lock
    /// that serialises concurrent runs.
    async fn begin_migration(&mut self, atomic: bool) -> Result<(), DbError>;

    /// Finishes a migration. SQLite: runs `foreign_key_check` (an error if any
    /// row violates a key), commits, turns foreign keys back on.
    async fn commit_migration(&mut self, atomic: bool) -> Result<(), DbError>;

    /// Abandons a migration: rolls back and restores the connection's settings.
    async fn rollback_migration(&mut self) -> Result<(), DbError>;

    /// Closes the connection.
    async fn close(self: Box<Self>);
}

/// The migration lock's key: `remodel:` + database + schema, at most 64
/// characters (MySQL's limit for GET_LOCK); a longer one keeps a prefix and a hash.
pub fn lock_key(database: &str, schema: &str) -> String {
    let key = format!("remodel:{database}:{schema}");
    if key.len() <= 64 {
        return key;
    }
    remodel_model::names::shorten_identifier(&key)
        .chars()
        .take(64)
        .collect()
}

/// Opens a connection. A missing SQLite file is created only when `create`
/// is set (by `migrate`); otherwise `Ok(None)` means "an empty database".
pub async fn connect(
    url: &DatabaseUrl,
    create: bool,
) -> Result<Option<Box<dyn Database>>, DbError> {
    let _ = create;
    match url {
        #[cfg(feature = "sqlite")]
        DatabaseUrl::Sqlite { path } => {
            if !create && !path.exists() {
                return Ok(None);
            }
            Ok(Some(Box::new(
                crate::sqlite::SqliteDatabase::open(url.clone(), path, create).await?,
            )))
        }
        #[cfg(feature = "postgres")]
        DatabaseUrl::Postgres(raw) => Ok(Some(Box::new(
            crate::postgres::PostgresDatabase::open(url.clone(), raw).await?,
        ))),
        #[cfg(feature = "mysql")]
        DatabaseUrl::Mysql(raw) => Ok(Some(Box::new(
            crate::mysql::MysqlDatabase::open(url.clone(), raw).await?,
        ))),
        #[allow(unreachable_patterns)]
        _ => Err(DbError::Connect {
            target: url.display(),
            reason: format!(
                "this build of remodel has no {} support (its `{}` feature)",
                url.dialect().name(),
                url.dialect().name()
            ),
        }),
    }
}
