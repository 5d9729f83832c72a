//! MySQL 8 / MariaDB: rendering, introspection from `information_schema`,
//! and the connection that applies migrations as DESIGN §6 describes.
//!
//! MySQL commits every DDL statement as it runs, so nothing here is wrapped
//! in a transaction. The runner records progress after each statement and,
//! when one fails, reverses the operations already completed; for that, each
//! operation renders to one statement wherever MySQL allows it (one
//! `CREATE TABLE` with everything inline, one `ALTER TABLE` with several
//! clauses). The exceptions are listed on [`MysqlDialect`].

mod catalog;
#[cfg(feature = "mysql")]
mod connection;
mod guard;
mod objects;
mod render;
mod table;

#[cfg(feature = "mysql")]
pub use connection::MysqlDatabase;

use crate::{Capabilities, Dialect, DialectKind, MigrationNotes, RenderError, Statement};
use remodel_differ::Op;
use remodel_model::catalog::Catalog;
use remodel_model::{Field, Schema};

/// The MySQL/MariaDB dialect (MySQL 8.0.19+, MariaDB 10.5.2+; InnoDB, utf8mb4).
///
/// Operations that render to more than one statement:
/// - `AddField` with a one-off default: `ALTER TABLE … ADD COLUMN … DEFAULT
///   <value>` fills the existing rows, then `ALTER TABLE … ALTER COLUMN …
///   DROP DEFAULT`.
/// - `AlterField` making a nullable column NOT NULL with a default: an
///   `UPDATE … WHERE col IS NULL` first.
/// - An operation that changes a foreign key but keeps its name (a new
///   `on_delete` or target, or a new type for its column): InnoDB cannot drop
///   and add a foreign key of the same name in one statement, so the add
///   follows in a second `ALTER TABLE`.
/// - Renaming a table (`RenameModel`, `AlterModelTable`) along with other
///   changes (derived index and check names): `RENAME TABLE` first, then the
///   `ALTER TABLE` under the new name. In one statement with a clause that
///   makes InnoDB copy the table (a check, a MODIFY), the foreign keys of
///   other tables would keep referencing the old name.
/// - `AlterField` giving a new type to a column other tables' foreign keys
///   point at: those foreign keys are dropped first and added back after.
/// - `RunSql` with several statements.
///
/// Each statement but the last of such an operation carries its
/// [`Statement::undo`]: what puts the structure back as it was before it
/// (nothing for an UPDATE), so a failure part-way can be undone. RunSql's
/// statements are the user's: their undo is unknown.
#[derive(Debug, Clone, Copy, Default)]
pub struct MysqlDialect;

impl Dialect for MysqlDialect {
    fn kind(&self) -> DialectKind {
        DialectKind::Mysql
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            transactional_ddl: false,
            alter_column: true,
            comments: true,
        }
    }

    fn quote(&self, ident: &str) -> String {
        table::q(ident)
    }

    fn column_type(&self, field: &Field) -> String {
        table::column_type(field)
    }

    fn render(
        &self,
        op: &Op,
        before: &Schema,
        after: &Schema,
    ) -> Result<Vec<Statement>, RenderError> {
        render::render(op, before, after)
    }

    /// Folds what MySQL cannot tell apart: `tinyint(1)` and boolean,
    /// `timestamptz` stored as `DATETIME(6)` in UTC (its default converted),
    /// `CHAR(36)` and uuid, raw spellings of remodel's types (and integer
    /// display widths), unique indexes and unique constraints, the index
    /// InnoDB makes for a foreign key, literal defaults as the column reads
    /// them back (decimals padded to their scale, times with microseconds),
    /// `CURRENT_TIMESTAMP` and its synonyms, and check expressions as MySQL
    /// reprints them. Empty comments are no comments; key columns are NOT NULL.
    fn normalize(&self, catalog: &mut Catalog) {
        catalog::normalize(catalog);
    }

    fn guard_script(&self, guard: &crate::Guard) -> Vec<String> {
        guard::guard_script(guard)
    }

    fn placeholder(&self, _n: usize) -> String {
        "?".into()
    }

    fn now_iso_sql(&self) -> &'static str {
        r#"DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%dT%H:%i:%sZ')"#
    }

    fn migration_notes(&self) -> MigrationNotes {
        MigrationNotes {
            before: vec![
                "MySQL commits each DDL statement as it runs: no transaction; remodel records progress after each statement",
            ],
            before_commit: Vec::new(),
            after: Vec::new(),
        }
    }
}

#[cfg(all(test, feature = "mysql"))]
mod tests;
