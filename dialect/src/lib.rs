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
mod enums;
mod keeps;
mod key_parts;
mod literal;
pub mod mysql;
mod object_sql;
pub mod postgres;
mod reference;
#[cfg(all(feature = "postgres", feature = "mysql"))]
pub mod scratch;
pub mod split;
pub mod sqlite;
mod url;

pub use database::{Database, DbError, Value, connect, lock_key};
pub use object_sql::ObjectSql;
pub use url::{DatabaseUrl, UrlError};

use remodel_differ::Op;
use remodel_model::catalog::{Catalog, CatalogTable};
use remodel_model::restate::Scope;
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
#[derive(Debug, Clone, PartialEq)]
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
/// migration runs; scripts (`sqlmigrate`, `migrate --plan --sql`) carry
/// them as statements that fail ([`Dialect::guard_script`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Guard {
    /// Before a statement that restates `scope` of `table` from the state
    /// (a MySQL MODIFY, a PostgreSQL type change, a foreign key dropped and
    /// added again, a dropped column): stop if the live table holds there
    /// anything `expected` — the table as the state describes it at that
    /// point — does not, since the statement would drop it silently.
    Keeps {
        /// The table, as it is named when the guard runs.
        table: String,
        /// The table as the state describes it, named as when the guard runs.
        expected: Box<CatalogTable>,
        /// The table as the operation leaves it, named alike: what the
        /// statement writes back as the live table has it is no loss.
        after: Box<CatalogTable>,
        /// What the statement restates.
        scope: Scope,
    },
    /// A SQLite table rebuild begins: stop if the live table holds anything
    /// `expected` does not (a column, a collation, an ON UPDATE action, a
    /// check…), which the rebuild would drop; save its indexes `expected`
    /// does not name, and its triggers, which dropping the table would lose.
    RebuildStart {
        /// The table.
        table: String,
        /// The table as the state describes it just before the rebuild.
        expected: Box<CatalogTable>,
        /// The table the rebuild makes.
        after: Box<CatalogTable>,
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
            Guard::Keeps { table, scope, .. } => match scope {
                Scope::Table => {
                    format!("remodel stops here if \"{table}\" holds anything no migration created")
                }
                Scope::Columns(cols) => format!(
                    "remodel stops here if column{} {} of \"{table}\" hold{} anything no migration created (a collation, a character set, ON UPDATE…), which restating {} would drop",
                    if cols.len() == 1 { "" } else { "s" },
                    cols.iter()
                        .map(|c| format!("\"{c}\""))
                        .collect::<Vec<_>>()
                        .join(", "),
                    if cols.len() == 1 { "s" } else { "" },
                    if cols.len() == 1 { "it" } else { "them" },
                ),
                Scope::DroppedColumn(c) => format!(
                    "remodel stops here if column \"{c}\" of \"{table}\" holds, or an index or constraint no migration created uses, anything unapplying could not bring back"
                ),
                Scope::ForeignKey(fk) => format!(
                    "remodel stops here if foreign key \"{fk}\" of \"{table}\" has anything no migration created (ON UPDATE, DEFERRABLE…), which adding it again would drop"
                ),
            },
            Guard::RebuildStart { table, .. } => format!(
                "remodel stops here if \"{table}\" holds anything no migration created (a column, a collation, a check, a foreign key's ON UPDATE…), and saves its other indexes and its triggers"
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

    /// A guard as statements a script runs in its place, which fail — so a
    /// script run by hand stops (`sqlite3 -bail`, `psql -v
    /// ON_ERROR_STOP=1`, `mysql`) — where the live table holds what
    /// [`Guard`] would refuse to drop; the checks a script can make with
    /// SQL alone, stricter where SQL cannot tell (it never drops what
    /// `migrate` would refuse to). Empty: nothing to check in a script.
    fn guard_script(&self, guard: &Guard) -> Vec<String>;

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
