//! PostgreSQL: placeholder until its renderer, introspector and connection land.

mod connection;

pub use connection::PostgresDatabase;

use crate::{Capabilities, Dialect, DialectKind, MigrationNotes, RenderError, Statement};
use remodel_differ::Op;
use remodel_model::catalog::Catalog;
use remodel_model::{Field, Schema};

/// The PostgreSQL dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostgresDialect;

impl Dialect for PostgresDialect {
    fn kind(&self) -> DialectKind {
        DialectKind::Postgres
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            transactional_ddl: false,
            alter_column: true,
            comments: true,
        }
    }

    fn quote(&self, ident: &str) -> String {
        format!("\"{}\"", ident.replace('"', "\"\""))
    }

    fn column_type(&self, field: &Field) -> String {
        field.ty.to_string()
    }

    fn render(
        &self,
        _op: &Op,
        _before: &Schema,
        _after: &Schema,
    ) -> Result<Vec<Statement>, RenderError> {
        Err(RenderError(
            "rendering for PostgreSQL is not part of this build yet".into(),
        ))
    }

    fn normalize(&self, _catalog: &mut Catalog) {}

    fn placeholder(&self, _n: usize) -> String {
        "?".into()
    }

    fn migration_notes(&self) -> MigrationNotes {
        MigrationNotes::default()
    }
}
