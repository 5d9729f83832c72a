//! The SQL that creates and drops each object of a schema that is not a
//! model's table (views, triggers, functions, partitions, …), read from the
//! live catalog, so that `check --adopt` can write a RunSql migration that
//! recreates a database's objects on a fresh one.

use remodel_model::catalog::ObjectKind;
use remodel_model::created::{CreatedKind, CreatedObject};

/// One object and the statements that make and unmake it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectSql {
    /// What it is.
    pub kind: ObjectKind,
    /// Its name as the catalog shows it (a function with its argument types).
    pub name: String,
    /// The table it is on (a trigger, a rule) or belongs to (a partition).
    pub table: Option<String>,
    /// The statements that create it, in order, each without a final `;`.
    pub create: Vec<String>,
    /// The statements that drop it, in order, each without a final `;`.
    pub drop: Vec<String>,
    /// Where it came in the database's own creation order (an object
    /// created later may use one created earlier).
    pub order: i64,
}

impl ObjectSql {
    /// The object as a RunSql's `creates` names it.
    pub fn created(&self) -> CreatedObject {
        CreatedObject {
            kind: CreatedKind::Object(self.kind),
            name: self.name.clone(),
            // Only triggers and rules are named with their table.
            table: match self.kind {
                ObjectKind::Trigger | ObjectKind::Rule => self.table.clone(),
                _ => None,
            },
        }
    }
}

/// A statement as the catalog gives it, without the final `;` and
/// surrounding blank space.
pub(crate) fn statement(text: &str) -> String {
    text.trim().trim_end_matches(';').trim_end().to_string()
}
