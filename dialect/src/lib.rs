//! remodel's databases. Each dialect lives in its own module behind the
//! [`Dialect`] trait: its capabilities, type mapping, quoting, and how each
//! operation renders to SQL (pure), plus a [`Database`] connection that
//! executes statements and introspects the live catalog.
//!
//! Dialect facts such as "SQLite must rebuild a table to change a column"
//! are decided here, when rendering, never in the differ.
//!
//! Connections need a database's feature (`sqlite`, `postgres`, `mysql`, all
//! on by default); rendering is always there.

// With a database's feature off, what reads its catalog goes unused.
#![cfg_attr(
    not(all(feature = "sqlite", feature = "postgres", feature = "mysql")),
    allow(dead_code, unused_imports)
)]

mod database;
mod literal;
pub mod mysql;
pub mod postgres;
mod reference;
#[cfg(all(feature = "postgres", feature = "mysql"))]
pub mod scratch;
pub mod split;
pub mod sqlite;
mod url;

pub use database::{Database, DbError, Value, connect, lock_key};
pub use url::{DatabaseUrl, UrlError};

use remodel_differ::Op;
use remodel_model::catalog::Catalog;
use remodel_model::{Field, Schema};

/// The supported databases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DialectKind {
    /// SQLite 3.35+.
    Sqlite,
    /// PostgreSQL 13+.
    Postgres,
    /// MySQL 8.0.19+ / MariaDB 10.5.2+.
    Mysql,
}

impl DialectKind {
    /// The name used in flags, files and remodel.toml: `sqlite`, `postgres`, `mysql`.
    pub fn name(self) -> &'static str {
        match self {
            DialectKind::Sqlite => "sqlite",
            DialectKind::Postgres => "postgres",
            DialectKind::Mysql => "mysql",
        }
    }

    /// Parses a dialect name.
    pub fn parse(name: &str) -> Option<DialectKind> {
        match name {
            "sqlite" => Some(DialectKind::Sqlite),
            "postgres" | "postgresql" => Some(DialectKind::Postgres),
            "mysql" | "mariadb" => Some(DialectKind::Mysql),
            _ => None,
        }
    }
}

/// What a database can do directly; the renderer works around the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// DDL runs inside transactions (and rolls back with them).
    pub transactional_ddl: bool,
    /// Columns can change type, nullability or default in place.
    pub alter_column: bool,
    /// Tables and columns carry comments.
    pub comments: bool,
}

/// One step of a migration: SQL to execute, or a check the connection makes
/// against the live database at that point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The SQL, without a trailing semicolon: exactly one statement (runs of
    /// statements may be sent to the database in one call, which reports the
    /// one that failed by counting them); for a guard, what it does (shown
    /// by `sqlmigrate` as a comment).
    pub sql: String,
    /// A guard, or `None` for SQL to execute.
    pub guard: Option<Guard>,
    /// What puts the structure back as it was before this statement, when
    /// it is one of several of an operation on a database whose DDL commits
    /// as it goes: if a later statement of the same operation fails, the
    /// runner runs the undos of those that completed, newest first. `None`:
    /// unknown (a failure after it leaves the operation half applied);
    /// `Some(vec![])`: nothing to undo (data only, or nothing structural).
    pub undo: Option<Vec<Statement>>,
}

/// Checks that need the live database, made by the connection as the
/// migration runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Guard {
    /// A SQLite table rebuild begins: stop if the table has columns besides
    /// `columns` (the rebuild would drop them); save its indexes besides
    /// `indexes`, and its triggers, which dropping the table would lose.
    RebuildStart {
        /// The table.
        table: String,
        /// The columns the history knows.
        columns: Vec<String>,
        /// The indexes the history knows.
        indexes: Vec<String>,
    },
    /// The rebuild is done: recreate what `RebuildStart` saved.
    RebuildEnd {
        /// The table.
        table: String,
    },
}

impl Statement {
    /// SQL to execute.
    pub fn new(sql: impl Into<String>) -> Statement {
        Statement {
            sql: sql.into(),
            guard: None,
            undo: None,
        }
    }

    /// This statement, with what undoes it (see [`Statement::undo`]).
    pub fn with_undo(mut self, undo: Vec<Statement>) -> Statement {
        self.undo = Some(undo);
        self
    }

    /// A guard, described for `sqlmigrate`.
    pub fn guard(guard: Guard) -> Statement {
        let sql = match &guard {
            Guard::RebuildStart { table, .. } => format!(
                "remodel stops here if \"{table}\" has columns no migration created, and saves its other indexes and its triggers"
            ),
            Guard::RebuildEnd { table } => {
                format!("remodel recreates the saved indexes and triggers of \"{table}\"")
            }
        };
        Statement {
            sql,
            guard: Some(guard),
            undo: None,
        }
    }
}

/// Why an operation cannot be rendered for a dialect.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RenderError(pub String);

/// One database's SQL and catalog conventions.
pub trait Dialect: Send + Sync {
    /// Which database.
    fn kind(&self) -> DialectKind;

    /// What it can do directly.
    fn capabilities(&self) -> Capabilities;

    /// Quotes an identifier.
    fn quote(&self, ident: &str) -> String;

    /// The column type a field gets.
    fn column_type(&self, field: &Field) -> String;

    /// The statements that apply `op`, given the states before and after it.
    fn render(
        &self,
        op: &Op,
        before: &Schema,
        after: &Schema,
    ) -> Result<Vec<Statement>, RenderError>;

    /// Folds what this database cannot tell apart, so a model state and an
    /// introspected catalog compare equal when they mean the same (applied to both).
    fn normalize(&self, catalog: &mut Catalog);

    /// [`Dialect::normalize`] for a catalog that becomes models
    /// (`inspectdb`): what compares equal either way, but keeping the
    /// spelling the rendered SQL should repeat where the fold would lose it.
    fn normalize_for_models(&self, catalog: &mut Catalog) {
        self.normalize(catalog);
    }

    /// The n-th (1-based) bind parameter: `?` or `$n`.
    fn placeholder(&self, n: usize) -> String;

    /// What happens around a migration's statements besides them, as
    /// `sqlmigrate` shows it.
    fn migration_notes(&self) -> MigrationNotes;

    /// An SQL expression for the current UTC time as `YYYY-MM-DDTHH:MM:SSZ`
    /// (the history's `applied_at`, in scripts applied by hand).
    fn now_iso_sql(&self) -> &'static str;

    /// What cleans up after `statement` failed outside a transaction, when
    /// its failure leaves something behind (PostgreSQL: a failed CREATE INDEX
    /// CONCURRENTLY leaves an INVALID index that blocks the next attempt).
    fn after_failure(&self, _statement: &str) -> Option<Statement> {
        None
    }

    /// Whether a statement cannot run inside a transaction (PostgreSQL's
    /// `CREATE INDEX CONCURRENTLY`, `ALTER TYPE … ADD VALUE`): an atomic
    /// migration holding one is refused.
    fn needs_autocommit(&self, _statement: &str) -> bool {
        false
    }
}

/// The steps a dialect takes around each migration, shown by `sqlmigrate` as
/// comments (and BEGIN/COMMIT where DDL is transactional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationNotes {
    /// Before the transaction begins.
    pub before: Vec<&'static str>,
    /// Just before COMMIT.
    pub before_commit: Vec<&'static str>,
    /// After COMMIT.
    pub after: Vec<&'static str>,
}

/// The dialect for a kind.
pub fn dialect_for(kind: DialectKind) -> Option<&'static dyn Dialect> {
    match kind {
        DialectKind::Sqlite => Some(&sqlite::SqliteDialect),
        DialectKind::Postgres => Some(&postgres::PostgresDialect),
        DialectKind::Mysql => Some(&mysql::MysqlDialect),
    }
}
