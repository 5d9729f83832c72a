//! Operations: the closed set of changes a migration file holds (DESIGN §5).

use remodel_model::names::snake_case;
use remodel_model::{Constraint, Field, Index, Schema, Table, split_key};
use std::collections::BTreeMap;

/// SQL for [`Op::RunSql`]: one text for every database, or one per dialect.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SqlText {
    /// The same SQL everywhere.
    All(String),
    /// SQL per dialect name (`sqlite`, `postgres`, `mysql`).
    PerDialect(BTreeMap<String, String>),
}

impl SqlText {
    /// The SQL for a dialect, if this text has one for it.
    pub fn for_dialect(&self, dialect: &str) -> Option<&str> {
        match self {
            SqlText::All(s) => Some(s),
            SqlText::PerDialect(m) => m.get(dialect).map(String::as_str),
        }
    }
}

/// One operation. Models are named `app.Model`; fields, indexes and
/// constraints by their names in the state the operation applies to.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Op {
    /// Creates a model and its table, with its indexes and constraints.
    CreateModel {
        /// The whole table.
        table: Table,
    },
    /// Drops a model's table.
    DeleteModel {
        /// `app.Model`.
        model: String,
    },
    /// Renames a model within its app (and its derived table and object names,
    /// and every reference to it).
    RenameModel {
        /// The app.
        app: String,
        /// The old struct name.
        old: String,
        /// The new struct name.
        new: String,
    },
    /// Sets a model's table name.
    AlterModelTable {
        /// `app.Model`.
        model: String,
        /// The explicit table name; `None` for the derived one.
        table: Option<String>,
    },
    /// Sets a model's table comment.
    AlterModelComment {
        /// `app.Model`.
        model: String,
        /// The new comment.
        comment: Option<String>,
    },
    /// Renames a model's primary key constraint (`pk_name`).
    AlterPrimaryKeyName {
        /// `app.Model`.
        model: String,
        /// The explicit name; `None` for the derived one.
        pk_name: Option<String>,
    },
    /// Sets a model's table character set and collation (MySQL/MariaDB).
    AlterModelCharset {
        /// `app.Model`.
        model: String,
        /// The character set; `None` for remodel's (utf8mb4).
        charset: Option<String>,
        /// The collation; `None` for the character set's default.
        collation: Option<String>,
    },
    /// Adds a column.
    AddField {
        /// `app.Model`.
        model: String,
        /// The field; with `preserve_default = false` its default only fills existing rows.
        field: Field,
        /// Whether the default stays in the schema.
        preserve_default: bool,
    },
    /// Drops a column.
    RemoveField {
        /// `app.Model`.
        model: String,
        /// The field name.
        field: String,
    },
    /// Changes a column to the field's whole new definition.
    AlterField {
        /// `app.Model`.
        model: String,
        /// The new definition (same name).
        field: Field,
        /// Whether the default stays; `false` means it only fills NULL rows.
        preserve_default: bool,
    },
    /// Renames a field (and its column when the column name is derived).
    RenameField {
        /// `app.Model`.
        model: String,
        /// The old field name.
        old: String,
        /// The new field name.
        new: String,
    },
    /// Creates a model-level index.
    AddIndex {
        /// `app.Model`.
        model: String,
        /// The index.
        index: Index,
    },
    /// Drops a model-level index.
    RemoveIndex {
        /// `app.Model`.
        model: String,
        /// Its effective name.
        name: String,
    },
    /// Renames a model-level index.
    RenameIndex {
        /// `app.Model`.
        model: String,
        /// The old effective name.
        old: String,
        /// The new name.
        new: String,
    },
    /// Adds a model-level constraint.
    AddConstraint {
        /// `app.Model`.
        model: String,
        /// The constraint.
        constraint: Constraint,
    },
    /// Drops a model-level constraint.
    RemoveConstraint {
        /// `app.Model`.
        model: String,
        /// Its effective name.
        name: String,
    },
    /// Creates an enum (on PostgreSQL, its type), before the fields that use it.
    CreateEnum {
        /// The whole enum.
        db_enum: remodel_model::DbEnum,
    },
    /// Drops an enum (on PostgreSQL, its type), after the fields that used it.
    DeleteEnum {
        /// `app.Enum`.
        name: String,
    },
    /// Raw SQL, with an optional reverse.
    RunSql {
        /// Forward SQL.
        sql: SqlText,
        /// Reverse SQL: `None` is irreversible; an empty text is a no-op reverse.
        reverse_sql: Option<SqlText>,
        /// What it creates that is not a table of the models (`view
        /// film_list`, `index item_note_u`; see
        /// [`remodel_model::created::CreatedObject`]): `check` finds each
        /// in the database.
        creates: Vec<String>,
    },
}

/// The kinds of operation, in the order ties are broken (DESIGN §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OpKind {
    /// RenameModel
    RenameModel,
    /// RenameField
    RenameField,
    /// RenameIndex
    RenameIndex,
    /// RemoveConstraint
    RemoveConstraint,
    /// RemoveIndex
    RemoveIndex,
    /// CreateEnum
    CreateEnum,
    /// CreateModel
    CreateModel,
    /// AddField
    AddField,
    /// AlterField
    AlterField,
    /// AlterModelTable
    AlterModelTable,
    /// AlterModelComment
    AlterModelComment,
    /// AlterPrimaryKeyName
    AlterPrimaryKeyName,
    /// AlterModelCharset
    AlterModelCharset,
    /// AddIndex
    AddIndex,
    /// AddConstraint
    AddConstraint,
    /// RunSql
    RunSql,
    /// RemoveField
    RemoveField,
    /// DeleteModel
    DeleteModel,
    /// DeleteEnum
    DeleteEnum,
}

impl OpKind {
    /// The `op = "…"` name in files.
    pub fn name(self) -> &'static str {
        match self {
            OpKind::RenameModel => "RenameModel",
            OpKind::RenameField => "RenameField",
            OpKind::RenameIndex => "RenameIndex",
            OpKind::RemoveConstraint => "RemoveConstraint",
            OpKind::RemoveIndex => "RemoveIndex",
            OpKind::CreateEnum => "CreateEnum",
            OpKind::CreateModel => "CreateModel",
            OpKind::AddField => "AddField",
            OpKind::AlterField => "AlterField",
            OpKind::AlterModelTable => "AlterModelTable",
            OpKind::AlterModelComment => "AlterModelComment",
            OpKind::AlterPrimaryKeyName => "AlterPrimaryKeyName",
            OpKind::AlterModelCharset => "AlterModelCharset",
            OpKind::AddIndex => "AddIndex",
            OpKind::AddConstraint => "AddConstraint",
            OpKind::RunSql => "RunSql",
            OpKind::RemoveField => "RemoveField",
            OpKind::DeleteModel => "DeleteModel",
            OpKind::DeleteEnum => "DeleteEnum",
        }
    }

    /// Every kind, in tie-break order.
    pub const ALL: [OpKind; 19] = [
        OpKind::RenameModel,
        OpKind::RenameField,
        OpKind::RenameIndex,
        OpKind::RemoveConstraint,
        OpKind::RemoveIndex,
        OpKind::CreateEnum,
        OpKind::CreateModel,
        OpKind::AddField,
        OpKind::AlterField,
        OpKind::AlterModelTable,
        OpKind::AlterModelComment,
        OpKind::AlterPrimaryKeyName,
        OpKind::AlterModelCharset,
        OpKind::AddIndex,
        OpKind::AddConstraint,
        OpKind::RunSql,
        OpKind::RemoveField,
        OpKind::DeleteModel,
        OpKind::DeleteEnum,
    ];

    /// Parses an `op = "…"` name.
    pub fn parse(name: &str) -> Option<OpKind> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// One line describing an operation, as makemigrations and `--plan` print it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description {
    /// `+`, `-`, `~` or `s`.
    pub symbol: char,
    /// `Add field f to patient`.
    pub text: String,
    /// Whether it drops data (printed as `(drops data)`).
    pub destructive: bool,
}

impl std::fmt::Display for Description {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.symbol, self.text)?;
        if self.destructive {
            f.write_str("  (drops data)")?;
        }
        Ok(())
    }
}

fn model_snake(key: &str) -> String {
    snake_case(split_key(key).1)
}

impl Op {
    /// The operation's kind.
    pub fn kind(&self) -> OpKind {
        match self {
            Op::CreateModel { .. } => OpKind::CreateModel,
            Op::DeleteModel { .. } => OpKind::DeleteModel,
            Op::RenameModel { .. } => OpKind::RenameModel,
            Op::AlterModelTable { .. } => OpKind::AlterModelTable,
            Op::AlterModelComment { .. } => OpKind::AlterModelComment,
            Op::AlterPrimaryKeyName { .. } => OpKind::AlterPrimaryKeyName,
            Op::AlterModelCharset { .. } => OpKind::AlterModelCharset,
            Op::AddField { .. } => OpKind::AddField,
            Op::RemoveField { .. } => OpKind::RemoveField,
            Op::AlterField { .. } => OpKind::AlterField,
            Op::RenameField { .. } => OpKind::RenameField,
            Op::AddIndex { .. } => OpKind::AddIndex,
            Op::RemoveIndex { .. } => OpKind::RemoveIndex,
            Op::RenameIndex { .. } => OpKind::RenameIndex,
            Op::AddConstraint { .. } => OpKind::AddConstraint,
            Op::RemoveConstraint { .. } => OpKind::RemoveConstraint,
            Op::RunSql { .. } => OpKind::RunSql,
            Op::CreateEnum { .. } => OpKind::CreateEnum,
            Op::DeleteEnum { .. } => OpKind::DeleteEnum,
        }
    }

    /// The `app.Model` this operation changes (after it, for renames), if any.
    pub fn model_key(&self) -> Option<String> {
        match self {
            Op::CreateModel { table } => Some(table.key()),
            Op::RenameModel { app, new, .. } => Some(format!("{app}.{new}")),
            Op::DeleteModel { model }
            | Op::AlterModelTable { model, .. }
            | Op::AlterModelComment { model, .. }
            | Op::AlterPrimaryKeyName { model, .. }
            | Op::AlterModelCharset { model, .. }
            | Op::AddField { model, .. }
            | Op::RemoveField { model, .. }
            | Op::AlterField { model, .. }
            | Op::RenameField { model, .. }
            | Op::AddIndex { model, .. }
            | Op::RemoveIndex { model, .. }
            | Op::RenameIndex { model, .. }
            | Op::AddConstraint { model, .. }
            | Op::RemoveConstraint { model, .. } => Some(model.clone()),
            Op::RunSql { .. } | Op::CreateEnum { .. } | Op::DeleteEnum { .. } => None,
        }
    }

    /// The `app.Enum` this operation creates or drops, if any.
    pub fn enum_key(&self) -> Option<String> {
        match self {
            Op::CreateEnum { db_enum } => Some(db_enum.key()),
            Op::DeleteEnum { name } => Some(name.clone()),
            _ => None,
        }
    }

    /// The app this operation belongs to, if it names a model or an enum.
    pub fn app(&self) -> Option<String> {
        self.model_key()
            .or_else(|| self.enum_key())
            .map(|k| split_key(&k).0.to_string())
    }

    /// Whether the operation drops data.
    pub fn is_destructive(&self) -> bool {
        matches!(self, Op::DeleteModel { .. } | Op::RemoveField { .. })
    }

    /// Describes the operation in one line, given the state before it.
    pub fn describe(&self, before: &Schema) -> Description {
        let d = |symbol: char, text: String| Description {
            symbol,
            text,
            destructive: self.is_destructive(),
        };
        match self {
            Op::CreateModel { table } => d('+', format!("Create model {}", table.name)),
            Op::DeleteModel { model } => d('-', format!("Delete model {}", split_key(model).1)),
            Op::RenameModel { old, new, .. } => d('~', format!("Rename model {old} to {new}")),
            Op::AlterModelTable { model, table } => {
                let name = table.clone().unwrap_or_else(|| model_snake(model));
                d(
                    '~',
                    format!("Rename table for {} to {name}", model_snake(model)),
                )
            }
            Op::AlterModelComment { model, .. } => d(
                '~',
                format!("Alter table comment on {}", model_snake(model)),
            ),
            Op::AlterPrimaryKeyName { model, pk_name } => d(
                '~',
                format!(
                    "Rename primary key of {} to {}",
                    model_snake(model),
                    pk_name.as_deref().unwrap_or("its derived name")
                ),
            ),
            Op::AlterModelCharset {
                model,
                charset,
                collation,
            } => d(
                '~',
                format!(
                    "Alter character set of {} to {}",
                    model_snake(model),
                    match (charset, collation) {
                        (Some(c), Some(co)) => format!("{c} ({co})"),
                        (Some(c), None) => c.clone(),
                        (None, Some(co)) => co.clone(),
                        (None, None) => "the default".into(),
                    }
                ),
            ),
            Op::AddField { model, field, .. } => d(
                '+',
                format!("Add field {} to {}", field.name, model_snake(model)),
            ),
            Op::RemoveField { model, field } => d(
                '-',
                format!("Remove field {field} from {}", model_snake(model)),
            ),
            Op::AlterField { model, field, .. } => d(
                '~',
                format!("Alter field {} on {}", field.name, model_snake(model)),
            ),
            Op::RenameField { model, old, new } => d(
                '~',
                format!("Rename field {old} on {} to {new}", model_snake(model)),
            ),
            Op::AddIndex { model, index } => {
                let name = index_name(before, model, index);
                d(
                    '+',
                    if index.options.is_plain() && index.include.is_empty() {
                        format!(
                            "Create index {name} on field(s) {} of model {}",
                            index.fields.join(", "),
                            model_snake(model)
                        )
                    } else {
                        format!(
                            "Create index {name} {} of model {}",
                            index.options.describe(&index.fields),
                            model_snake(model)
                        )
                    },
                )
            }
            Op::RemoveIndex { model, name } => d(
                '-',
                format!("Remove index {name} from {}", model_snake(model)),
            ),
            Op::RenameIndex { model, old, new } => d(
                '~',
                format!("Rename index {old} on {} to {new}", model_snake(model)),
            ),
            Op::AddConstraint { model, constraint } => {
                let name = constraint_name(before, model, constraint);
                d(
                    '+',
                    format!("Create constraint {name} on model {}", model_snake(model)),
                )
            }
            Op::RemoveConstraint { model, name } => d(
                '-',
                format!("Remove constraint {name} from model {}", model_snake(model)),
            ),
            Op::CreateEnum { db_enum } => d(
                '+',
                format!(
                    "Create enum {} ({})",
                    db_enum.name,
                    db_enum
                        .values()
                        .iter()
                        .map(|v| format!("'{v}'"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            Op::DeleteEnum { name } => d('-', format!("Delete enum {}", split_key(name).1)),
            Op::RunSql { creates, .. } if creates.is_empty() => d('s', "Raw SQL operation".into()),
            // What it makes, so a long list of them reads at a glance.
            Op::RunSql { creates, .. } => {
                let shown: Vec<&str> = creates.iter().take(3).map(String::as_str).collect();
                let more = match creates.len() {
                    n if n > 3 => format!(" and {} more", n - 3),
                    _ => String::new(),
                };
                d(
                    's',
                    format!("Raw SQL operation creating {}{more}", shown.join(", ")),
                )
            }
        }
    }

    /// The fragment this operation contributes to a migration name
    /// (DESIGN §7), given the state before it; `None` for RunSql.
    pub fn name_fragment(&self, before: &Schema) -> Option<String> {
        Some(match self {
            Op::CreateModel { table } => table.snake_name(),
            Op::DeleteModel { model } => format!("delete_{}", model_snake(model)),
            Op::RenameModel { old, new, .. } => {
                format!("rename_{}_{}", snake_case(old), snake_case(new))
            }
            Op::AlterModelTable { model, .. } => format!("alter_{}_table", model_snake(model)),
            Op::AlterModelComment { model, .. } => {
                format!("alter_{}_table_comment", model_snake(model))
            }
            Op::AlterPrimaryKeyName { model, .. } => {
                format!("alter_{}_pk_name", model_snake(model))
            }
            Op::AlterModelCharset { model, .. } => {
                format!("alter_{}_charset", model_snake(model))
            }
            Op::AddField { model, field, .. } => format!("{}_{}", model_snake(model), field.name),
            Op::RemoveField { model, field } => {
                format!("remove_{}_{}", model_snake(model), field)
            }
            Op::AlterField { model, field, .. } => {
                format!("alter_{}_{}", model_snake(model), field.name)
            }
            Op::RenameField { model, old, new } => {
                format!("rename_{old}_{}_{new}", model_snake(model))
            }
            Op::AddIndex { model, index } => {
                format!(
                    "{}_{}",
                    model_snake(model),
                    index_name(before, model, index)
                )
            }
            Op::AddConstraint { model, constraint } => {
                format!(
                    "{}_{}",
                    model_snake(model),
                    constraint_name(before, model, constraint)
                )
            }
            Op::RemoveIndex { model, name } | Op::RemoveConstraint { model, name } => {
                format!("remove_{}_{name}", model_snake(model))
            }
            Op::RenameIndex { old, new, .. } => format!("rename_{old}_{new}"),
            Op::CreateEnum { db_enum } => snake_case(&db_enum.name),
            Op::DeleteEnum { name } => format!("delete_{}", model_snake(name)),
            Op::RunSql { .. } => return None,
        })
    }
}

fn index_name(before: &Schema, model: &str, index: &Index) -> String {
    match (&index.name, before.table(model)) {
        (Some(n), _) => n.clone(),
        (None, Some(t)) => t.index_name(index).name,
        (None, None) => index.fields.join("_"),
    }
}

fn constraint_name(before: &Schema, model: &str, c: &Constraint) -> String {
    match (c.explicit_name(), before.table(model)) {
        (Some(n), _) => n.to_string(),
        (None, Some(t)) => t.constraint_name(c).name,
        (None, None) => String::from("constraint"),
    }
}
