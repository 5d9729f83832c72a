//! The guard before a statement that restates part of a table from the
//! state, as the connection checks it when the migration runs: the live
//! table is read (that table alone), both sides are normalised as the
//! drift check normalises them, and anything the live table holds within
//! the statement's reach that the state does not know stops the migration
//! with a message naming each thing.

use crate::{Database, DbError};
use remodel_model::catalog::{Catalog, CatalogTable};
use remodel_model::restate::Scope;

/// Refuses (`DbError::Statement`) when `table` holds within `scope` what
/// `expected` does not.
pub(crate) async fn check(
    db: &mut dyn Database,
    table: &str,
    expected: &CatalogTable,
    scope: &Scope,
) -> Result<(), DbError> {
    let mut live = db.introspect_tables(&[table.to_string()]).await?;
    if let Some(why) = live.unreadable.get(table) {
        return Err(DbError::Statement(format!(
            "table \"{table}\": {why}, so remodel cannot tell what this operation would drop; nothing of it ran\n  = help: give the table a definition remodel reads, then migrate again"
        )));
    }
    let Some(found) = live.tables.remove(table) else {
        // Not there: the statement itself fails, saying so.
        return Ok(());
    };
    let dialect = db.dialect();
    let normal = |t: CatalogTable| {
        let mut c = Catalog::default();
        c.tables.insert(table.to_string(), t);
        dialect.normalize(&mut c);
        c.tables.remove(table).unwrap_or_default()
    };
    let lost = normal(found).unknown_to(&normal(expected.clone()), scope);
    if lost.is_empty() {
        return Ok(());
    }
    Err(DbError::Statement(refusal(table, scope, &lost)))
}

/// The message of a guard that refused.
pub(crate) fn refusal(table: &str, scope: &Scope, lost: &[String]) -> String {
    let what = match scope {
        Scope::Table => "rebuilding it would drop".to_string(),
        Scope::Columns(cols) => format!(
            "restating column{} {} would drop",
            if cols.len() == 1 { "" } else { "s" },
            cols.join(", ")
        ),
        Scope::DroppedColumn(c) => {
            format!("dropping column {c} would lose for good (unapplying could not bring back)")
        }
        Scope::ForeignKey(fk) => format!("adding foreign key {fk} again would drop"),
    };
    format!(
        "table \"{table}\" holds what no migration created, which {what}:\n    {}\n  = help: remodel refuses to lose it silently. Say it in the model where remodel can (a column, an index, a check, a default); otherwise remove it from the database yourself (a RunSql migration can add it again afterwards), or leave this change out of the models",
        lost.join("\n    ")
    )
}
