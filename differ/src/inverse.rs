//! The inverse of each operation, to unapply a migration.

use crate::op::{Op, SqlText};
use remodel_model::Schema;

/// Why an operation cannot be reversed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InverseError {
    /// A RunSql without `reverse_sql`.
    #[error(
        "RunSql has no reverse_sql, so it cannot be unapplied; give it a reverse_sql (an empty one makes unapplying it a no-op), or record it as unapplied without running anything with --fake"
    )]
    Irreversible,
    /// The state before the operation lacks what the inverse must recreate.
    #[error("{0}")]
    State(String),
}

fn missing(what: String) -> InverseError {
    InverseError::State(format!(
        "{what} does not exist in the state before this operation"
    ))
}

impl Op {
    /// The operations that undo this one, given the state before it was applied.
    pub fn inverse(&self, before: &Schema) -> Result<Vec<Op>, InverseError> {
        let table = |model: &str| {
            before
                .table(model)
                .ok_or_else(|| missing(format!("model {model}")))
        };
        Ok(vec![match self {
            Op::CreateModel { table } => Op::DeleteModel { model: table.key() },
            Op::DeleteModel { model } => Op::CreateModel {
                table: table(model)?.clone(),
            },
            Op::RenameModel { app, old, new } => Op::RenameModel {
                app: app.clone(),
                old: new.clone(),
                new: old.clone(),
            },
            Op::AlterModelTable { model, .. } => Op::AlterModelTable {
                model: model.clone(),
                table: table(model)?.db_table.clone(),
            },
            Op::AlterModelComment { model, .. } => Op::AlterModelComment {
                model: model.clone(),
                comment: table(model)?.comment.clone(),
            },
            Op::AlterPrimaryKeyName { model, .. } => Op::AlterPrimaryKeyName {
                model: model.clone(),
                pk_name: table(model)?.pk_name.clone(),
            },
            Op::AlterModelCharset { model, .. } => Op::AlterModelCharset {
                model: model.clone(),
                charset: table(model)?.charset.clone(),
                collation: table(model)?.collation.clone(),
            },
            Op::AddField { model, field, .. } => Op::RemoveField {
                model: model.clone(),
                field: field.name.clone(),
            },
            Op::RemoveField { model, field } => Op::AddField {
                model: model.clone(),
                field: table(model)?
                    .field(field)
                    .ok_or_else(|| missing(format!("field {model}.{field}")))?
                    .clone(),
                preserve_default: true,
            },
            Op::AlterField { model, field, .. } => Op::AlterField {
                model: model.clone(),
                field: table(model)?
                    .field(&field.name)
                    .ok_or_else(|| missing(format!("field {model}.{}", field.name)))?
                    .clone(),
                preserve_default: true,
            },
            Op::RenameField { model, old, new } => Op::RenameField {
                model: model.clone(),
                old: new.clone(),
                new: old.clone(),
            },
            Op::AddIndex { model, index } => {
                let mut after = before.clone();
                self.apply_to(&mut after)
                    .map_err(|e| InverseError::State(e.0))?;
                let t = after
                    .table(model)
                    .ok_or_else(|| missing(format!("model {model}")))?;
                Op::RemoveIndex {
                    model: model.clone(),
                    name: t.index_name(index).name,
                }
            }
            Op::RemoveIndex { model, name } => {
                let t = table(model)?;
                let index = t
                    .indexes
                    .iter()
                    .find(|ix| t.index_name(ix).name == *name)
                    .ok_or_else(|| missing(format!("index {name} of {model}")))?;
                Op::AddIndex {
                    model: model.clone(),
                    index: index.clone(),
                }
            }
            Op::RenameIndex { model, old, new } => Op::RenameIndex {
                model: model.clone(),
                old: new.clone(),
                new: old.clone(),
            },
            Op::AddConstraint { model, constraint } => {
                let t = table(model)?;
                Op::RemoveConstraint {
                    model: model.clone(),
                    name: t.constraint_name(constraint).name,
                }
            }
            Op::RemoveConstraint { model, name } => {
                let t = table(model)?;
                let c = t
                    .constraints
                    .iter()
                    .find(|c| t.constraint_name(c).name == *name)
                    .ok_or_else(|| missing(format!("constraint {name} of {model}")))?;
                Op::AddConstraint {
                    model: model.clone(),
                    constraint: c.clone(),
                }
            }
            Op::CreateEnum { db_enum } => Op::DeleteEnum {
                name: db_enum.key(),
            },
            Op::DeleteEnum { name } => Op::CreateEnum {
                db_enum: before
                    .enums
                    .get(name)
                    .ok_or_else(|| missing(format!("enum {name}")))?
                    .clone(),
            },
            Op::RunSql {
                sql, reverse_sql, ..
            } => match reverse_sql {
                None => return Err(InverseError::Irreversible),
                // Undoing it creates nothing (it drops what it created).
                Some(rev) => Op::RunSql {
                    sql: rev.clone(),
                    reverse_sql: Some(sql.clone()),
                    creates: Vec::new(),
                },
            },
        }])
    }

    /// Whether an empty reverse makes this a no-op when unapplied.
    pub fn is_noop_sql(text: &SqlText) -> bool {
        match text {
            SqlText::All(s) => s.trim().is_empty(),
            SqlText::PerDialect(m) => m.values().all(|s| s.trim().is_empty()),
        }
    }
}
