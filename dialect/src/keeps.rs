//! The guard before a statement that restates part of a table from the
//! state, as the connection checks it when the migration runs: the live
//! table is read (that table alone), both sides are normalised as the
//! drift check normalises them, and anything the live table holds within
//! the statement's reach that the state does not know stops the migration
//! with a message naming each thing.

use crate::{Database, DbError, Guard};
use remodel_model::catalog::{Catalog, CatalogTable};
use remodel_model::restate::Scope;

/// The table as the state describes it before an operation and after it,
/// named as when a guard of the operation runs: what its guards compare the
/// live table with.
#[derive(Debug, Clone)]
pub(crate) struct Expected {
    pub before: CatalogTable,
    pub after: CatalogTable,
}

impl Expected {
    /// A guard of `table` for `scope`.
    pub(crate) fn keeps(&self, table: &str, scope: Scope) -> crate::Statement {
        crate::Statement::guard(Guard::Keeps {
            table: table.to_string(),
            expected: Box::new(self.before.clone()),
            after: Box::new(self.after.clone()),
            scope,
        })
    }
}

/// A guard as PostgreSQL and MySQL check it (the rebuild guards are
/// SQLite's, which checks them itself).
pub(crate) async fn guard(db: &mut dyn Database, guard: &Guard) -> Result<(), DbError> {
    match guard {
        Guard::Keeps {
            table,
            expected,
            after,
            scope,
        } => check(db, table, expected, after, scope).await,
        Guard::RebuildStart { .. } | Guard::RebuildEnd { .. } => Ok(()),
    }
}

/// Refuses (`DbError::Statement`) when `table` holds within `scope` what
/// `expected` does not.
pub(crate) async fn check(
    db: &mut dyn Database,
    table: &str,
    expected: &CatalogTable,
    after: &CatalogTable,
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
    let (expected, after) = (normal(expected.clone()), normal(after.clone()));
    let mut found = normal(found);
    if dialect.kind() == crate::DialectKind::Sqlite {
        // SQLite never uses a constraint's name: an unnamed one reads back
        // under a name derived from the table's names of now.
        found.align_names_to(&expected);
    }
    let lost = found.unknown_to(&[&expected, &after], scope);
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
        "table \"{table}\" holds what no migration created, which {what}:\n    {}\n  = help: remodel does not lose it silently. Where a model can say it (a column, an index, a check, a default, `auto`, `pk_name`), say it: a migration that only records what the table has goes through. What no model can say yet stays in the way of this change until you take it out of the database yourself (for a SQLite rebuild, by rebuilding the table by hand) — or leave the change out of the models",
        lost.join("\n    ")
    )
}
