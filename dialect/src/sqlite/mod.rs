//! SQLite: rendering (with the table-rebuild procedure for what SQLite cannot
//! ALTER), introspection from its catalog, and the connection that applies
//! migrations as DESIGN §6 describes.

#[cfg(feature = "sqlite")]
mod connection;
mod introspect;
mod render;
mod table;

#[cfg(feature = "sqlite")]
pub use connection::SqliteDatabase;

use crate::{Capabilities, Dialect, DialectKind, MigrationNotes, RenderError, Statement};
use remodel_differ::Op;
use remodel_model::catalog::Catalog;
use remodel_model::{ColumnType, Field, Schema};

/// The SQLite dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct SqliteDialect;

impl Dialect for SqliteDialect {
    fn kind(&self) -> DialectKind {
        DialectKind::Sqlite
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            transactional_ddl: true,
            alter_column: false,
            comments: false,
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

    fn placeholder(&self, _n: usize) -> String {
        "?".into()
    }

    fn now_iso_sql(&self) -> &'static str {
        r#"strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"#
    }

    fn migration_notes(&self) -> MigrationNotes {
        MigrationNotes {
            before: vec![
                "PRAGMA foreign_keys = OFF (outside the transaction, read back to confirm)",
            ],
            before_commit: vec![
                "PRAGMA foreign_key_check (any violation rolls the migration back)",
            ],
            after: vec!["PRAGMA foreign_keys = ON"],
        }
    }

    fn normalize(&self, catalog: &mut Catalog) {
        for t in catalog.tables.values_mut() {
            // SQLite keeps no comments.
            t.comment = None;
            let key = t.primary_key.clone();
            for (name, c) in t.columns.iter_mut() {
                c.comment = None;
                // SQLite lets a key column be declared without NOT NULL (and
                // a rowid key can never hold NULL); a model's key never is.
                if key.contains(name) {
                    c.null = false;
                }
                // A raw type SQLite spells like one of ours reads back as ours.
                if let ColumnType::Raw(text) = &c.ty {
                    c.ty = introspect::parse_type(text);
                }
                // REAL holds both f32 and f64.
                if c.ty == ColumnType::Real {
                    c.ty = ColumnType::Double;
                }
                // Every integer type is one INTEGER affinity, stored alike
                // (and INTEGER PRIMARY KEY AUTOINCREMENT holds any integer key).
                if c.ty.is_integer() {
                    c.ty = ColumnType::BigInt;
                }
            }
        }
    }
}

#[cfg(all(test, feature = "sqlite"))]
mod tests;
