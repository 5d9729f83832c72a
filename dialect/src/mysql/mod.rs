//! MySQL/MariaDB: placeholder until its renderer, introspector and connection land.

mod connection;

pub use connection::MysqlDatabase;

use crate::{Capabilities, Dialect, DialectKind, MigrationNotes, RenderError, Statement};
use remodel_differ::Op;
use remodel_model::catalog::Catalog;
use remodel_model::{Field, Schema};

/// The MySQL/MariaDB dialect.
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
            "rendering for MySQL/MariaDB is not part of this build yet".into(),
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
