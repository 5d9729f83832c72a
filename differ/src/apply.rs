//! Applying operations to a state: how a history is replayed.

use crate::op::Op;
use remodel_model::{Constraint, Field, Schema, Table, expr};

/// Why an operation cannot apply to the state it was given (a broken or
/// hand-edited migration file, or files applied out of order).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StateError(pub String);

fn err<T>(msg: String) -> Result<T, StateError> {
    Err(StateError(msg))
}

fn table_mut<'a>(state: &'a mut Schema, model: &str) -> Result<&'a mut Table, StateError> {
    state.tables.get_mut(model).ok_or_else(|| {
        StateError(format!(
            "model {model} does not exist at this point of the history"
        ))
    })
}

/// Checks that what a field references exists once `key` holds `table`: a
/// migration that runs before the one creating its target is missing a dependency.
fn check_references<'a>(
    state: &Schema,
    key: &str,
    table: &Table,
    fields: impl IntoIterator<Item = &'a Field>,
) -> Result<(), StateError> {
    for f in fields {
        let Some(r) = &f.references else { continue };
        let target = if r.model == key {
            Some(table)
        } else {
            state.table(&r.model)
        };
        let Some(target) = target else {
            return err(format!(
                "field `{}` of {key} references {}, which does not exist at this point of the history (a dependency on the migration creating it is missing)",
                f.name, r.model
            ));
        };
        let to = match &r.to_field {
            Some(tf) => Some(tf.clone()),
            None => {
                let pk = target.primary_key();
                (pk.len() == 1).then(|| pk[0].clone())
            }
        };
        if to.as_ref().is_none_or(|tf| target.field(tf).is_none()) {
            return err(format!(
                "field `{}` of {key} references {}.{}, which does not exist at this point of the history",
                f.name,
                r.model,
                to.unwrap_or_else(|| "<primary key>".into())
            ));
        }
    }
    Ok(())
}

/// Checks that the enums fields use exist, and that a field's literal
/// default is one of its enum's values.
fn check_enums<'a>(
    state: &Schema,
    key: &str,
    fields: impl IntoIterator<Item = &'a Field>,
) -> Result<(), StateError> {
    for f in fields {
        let remodel_model::ColumnType::Enum(e) = &f.ty else {
            continue;
        };
        let Some(db_enum) = state.enums.get(e) else {
            return err(format!(
                "field `{}` of {key} uses enum {e}, which does not exist at this point of the history (a dependency on the migration creating it is missing)",
                f.name
            ));
        };
        if let Some(remodel_model::ColumnDefault::Value(remodel_model::Literal::Str(v))) =
            &f.default
            && !db_enum.values().contains(&v.as_str())
        {
            return err(format!(
                "field `{}` of {key} defaults to '{v}', which is not a value of enum {e} ({})",
                f.name,
                db_enum.values().join(", ")
            ));
        }
    }
    Ok(())
}

/// Checks that the fields a table's indexes, constraints and key name exist.
fn check_table(t: &Table) -> Result<(), StateError> {
    let key = t.key();
    for f in t.primary_key() {
        if t.field(&f).is_none() {
            return err(format!(
                "primary key of {key} names `{f}`, which is not a field"
            ));
        }
    }
    for ix in &t.indexes {
        for f in ix.fields.iter().chain(&ix.include) {
            if t.field(f).is_none() {
                return err(format!(
                    "index {} of {key} names `{f}`, which is not a field",
                    t.index_name(ix)
                ));
            }
        }
    }
    for c in &t.constraints {
        if let Constraint::Unique { fields, .. } = c {
            for f in fields {
                if t.field(f).is_none() {
                    return err(format!(
                        "constraint {} of {key} names `{f}`, which is not a field",
                        t.constraint_name(c)
                    ));
                }
            }
        }
    }
    let mut cols: Vec<&str> = Vec::new();
    for f in &t.fields {
        if cols.contains(&f.column_name()) {
            return err(format!(
                "{key} has two fields on column `{}`",
                f.column_name()
            ));
        }
        cols.push(f.column_name());
    }
    Ok(())
}

impl Op {
    /// Applies this operation to a state.
    pub fn apply_to(&self, state: &mut Schema) -> Result<(), StateError> {
        match self {
            Op::CreateModel { table } => {
                let key = table.key();
                if state.tables.contains_key(&key) {
                    return err(format!("model {key} already exists"));
                }
                check_table(table)?;
                check_references(state, &key, table, &table.fields)?;
                check_enums(state, &key, &table.fields)?;
                state.insert(table.clone());
            }
            Op::DeleteModel { model } => {
                if state.tables.remove(model).is_none() {
                    return err(format!(
                        "model {model} does not exist at this point of the history"
                    ));
                }
            }
            Op::RenameModel { app, old, new } => {
                let old_key = format!("{app}.{old}");
                let new_key = format!("{app}.{new}");
                if state.tables.contains_key(&new_key) {
                    return err(format!(
                        "cannot rename {old_key} to {new}: {new_key} already exists"
                    ));
                }
                let mut t = state.tables.remove(&old_key).ok_or_else(|| {
                    StateError(format!(
                        "model {old_key} does not exist at this point of the history"
                    ))
                })?;
                t.name = new.clone();
                state.insert(t);
                for t in state.tables.values_mut() {
                    for f in &mut t.fields {
                        if let Some(r) = &mut f.references
                            && r.model == old_key
                        {
                            r.model = new_key.clone();
                        }
                    }
                }
            }
            Op::AlterModelTable { model, table } => {
                table_mut(state, model)?.db_table = table.clone();
            }
            Op::AlterModelComment { model, comment } => {
                table_mut(state, model)?.comment = comment.clone();
            }
            Op::AlterPrimaryKeyName { model, pk_name } => {
                table_mut(state, model)?.pk_name = pk_name.clone();
            }
            Op::AlterModelCharset {
                model,
                charset,
                collation,
            } => {
                let t = table_mut(state, model)?;
                t.charset = charset.clone();
                t.collation = collation.clone();
            }
            Op::AddField {
                model,
                field,
                preserve_default,
            } => {
                let snapshot = state.table(model).cloned();
                if let Some(t) = &snapshot {
                    check_references(state, model, t, [field])?;
                    check_enums(state, model, [field])?;
                }
                let t = table_mut(state, model)?;
                if t.field(&field.name).is_some() {
                    return err(format!("{model} already has a field `{}`", field.name));
                }
                let mut f = field.clone();
                if !preserve_default {
                    f.default = None;
                }
                if f.primary_key && !t.primary_key().is_empty() {
                    return err(format!(
                        "{model} already has a primary key; cannot add `{}` as another",
                        f.name
                    ));
                }
                t.fields.push(f);
                check_table(t)?;
            }
            Op::RemoveField { model, field } => {
                let t = table_mut(state, model)?;
                let Some(pos) = t.fields.iter().position(|f| f.name == *field) else {
                    return err(format!("{model} has no field `{field}` to remove"));
                };
                let column = t.fields[pos].column_name().to_string();
                if t.primary_key().contains(field) {
                    return err(format!(
                        "cannot remove `{field}` from {model}: it is (part of) the primary key"
                    ));
                }
                for ix in &t.indexes {
                    if ix.fields.contains(field)
                        || ix.include.contains(field)
                        || ix.options.columns().contains(&column)
                    {
                        return err(format!(
                            "cannot remove `{field}` from {model}: index {} uses it; remove the index first",
                            t.index_name(ix)
                        ));
                    }
                }
                for c in &t.constraints {
                    let uses = match c {
                        Constraint::Unique { fields, .. } => fields.contains(field),
                        Constraint::Check { expr: e, .. } => {
                            expr::columns(e).unwrap_or_default().contains(&column)
                        }
                    };
                    if uses {
                        return err(format!(
                            "cannot remove `{field}` from {model}: constraint {} uses it; remove the constraint first",
                            t.constraint_name(c)
                        ));
                    }
                }
                t.fields.remove(pos);
            }
            Op::AlterField {
                model,
                field,
                preserve_default,
            } => {
                if let Some(t) = state.table(model) {
                    check_references(state, model, t, [field])?;
                    check_enums(state, model, [field])?;
                }
                let t = table_mut(state, model)?;
                let Some(slot) = t.field_mut(&field.name) else {
                    return err(format!("{model} has no field `{}` to alter", field.name));
                };
                let mut f = field.clone();
                if !preserve_default {
                    f.default = None;
                }
                *slot = f;
                if t.fields.iter().filter(|f| f.primary_key).count() > 1
                    || (!t.composite_primary_key.is_empty()
                        && t.fields.iter().any(|f| f.primary_key))
                {
                    return err(format!(
                        "{model} would have two primary keys after altering `{}`",
                        field.name
                    ));
                }
                check_table(t)?;
            }
            Op::RenameField { model, old, new } => {
                let t = table_mut(state, model)?;
                if t.field(new).is_some() {
                    return err(format!(
                        "cannot rename `{old}` on {model} to `{new}`: that field exists"
                    ));
                }
                let Some(f) = t.field_mut(old) else {
                    return err(format!("{model} has no field `{old}` to rename"));
                };
                let old_column = f.column_name().to_string();
                f.name = new.clone();
                let new_column = f.column_name().to_string();
                let rename = |names: &mut Vec<String>| {
                    for n in names.iter_mut().filter(|n| *n == old) {
                        *n = new.clone();
                    }
                };
                rename(&mut t.composite_primary_key);
                if let Some(p) = &mut t.partition_by
                    && old_column != new_column
                {
                    *p = remodel_model::partition::rename_column(p, &old_column, &new_column)
                        .map_err(StateError)?;
                }
                for ix in &mut t.indexes {
                    rename(&mut ix.fields);
                    rename(&mut ix.include);
                    if old_column != new_column {
                        ix.options = ix
                            .options
                            .rename_column(&old_column, &new_column)
                            .map_err(StateError)?;
                    }
                }
                for c in &mut t.constraints {
                    match c {
                        Constraint::Unique { fields, .. } => rename(fields),
                        Constraint::Check { expr: e, .. } if old_column != new_column => {
                            *e = expr::rename_column(e, &old_column, &new_column)
                                .map_err(StateError)?;
                        }
                        Constraint::Check { .. } => {}
                    }
                }
                for other in state.tables.values_mut() {
                    for f in &mut other.fields {
                        if let Some(r) = &mut f.references
                            && r.model == *model
                            && r.to_field.as_deref() == Some(old.as_str())
                        {
                            r.to_field = Some(new.clone());
                        }
                    }
                }
            }
            Op::AddIndex { model, index } => {
                let t = table_mut(state, model)?;
                let name = t.index_name(index).name;
                if t.all_object_names().iter().any(|(n, _)| *n == name) {
                    return err(format!(
                        "{model} already has an index or constraint named {name}"
                    ));
                }
                t.indexes.push(index.clone());
                check_table(t)?;
            }
            Op::RemoveIndex { model, name } => {
                let t = table_mut(state, model)?;
                let Some(pos) = t
                    .indexes
                    .iter()
                    .position(|ix| t.index_name(ix).name == *name)
                else {
                    return err(format!("{model} has no index named {name}"));
                };
                t.indexes.remove(pos);
            }
            Op::RenameIndex { model, old, new } => {
                let t = table_mut(state, model)?;
                let snapshot = t.clone();
                let Some(ix) = t
                    .indexes
                    .iter_mut()
                    .find(|ix| snapshot.index_name(ix).name == *old)
                else {
                    return err(format!("{model} has no index named {old}"));
                };
                let derived = snapshot
                    .index_name(&remodel_model::Index {
                        name: None,
                        ..ix.clone()
                    })
                    .name;
                ix.name = (derived != *new).then(|| new.clone());
            }
            Op::AddConstraint { model, constraint } => {
                let t = table_mut(state, model)?;
                let name = t.constraint_name(constraint).name;
                if t.all_object_names().iter().any(|(n, _)| *n == name) {
                    return err(format!(
                        "{model} already has an index or constraint named {name}"
                    ));
                }
                if let Constraint::Check { expr: e, .. } = constraint {
                    for c in expr::columns(e).map_err(StateError)? {
                        if t.field_by_column(&c).is_none() {
                            return err(format!(
                                "check {name} on {model} refers to `{c}`, which is not a column"
                            ));
                        }
                    }
                }
                t.constraints.push(constraint.clone());
                check_table(t)?;
            }
            Op::RemoveConstraint { model, name } => {
                let t = table_mut(state, model)?;
                let Some(pos) = t
                    .constraints
                    .iter()
                    .position(|c| t.constraint_name(c).name == *name)
                else {
                    return err(format!("{model} has no constraint named {name}"));
                };
                t.constraints.remove(pos);
            }
            Op::RunSql { .. } => {}
            Op::CreateEnum { db_enum } => {
                let key = db_enum.key();
                if state.enums.contains_key(&key) {
                    return err(format!("enum {key} already exists"));
                }
                if let Some(problem) = db_enum.problem() {
                    return err(problem);
                }
                let name = db_enum.db_name();
                if let Some(other) = state.enums.values().find(|e| e.db_name() == name) {
                    return err(format!(
                        "enum {key} takes the type name {name}, which enum {} has",
                        other.key()
                    ));
                }
                state.enums.insert(key, db_enum.clone());
            }
            Op::DeleteEnum { name } => {
                if !state.enums.contains_key(name) {
                    return err(format!(
                        "enum {name} does not exist at this point of the history"
                    ));
                }
                let ty = remodel_model::ColumnType::Enum(name.clone());
                if let Some((t, f)) = state
                    .tables
                    .values()
                    .find_map(|t| t.fields.iter().find(|f| f.ty == ty).map(|f| (t, f)))
                {
                    return err(format!(
                        "enum {name} is still used by field `{}` of {}",
                        f.name,
                        t.key()
                    ));
                }
                state.enums.remove(name);
            }
        }
        Ok(())
    }
}

/// Replays operations onto a copy of `state`.
pub fn replay<'a>(
    state: &Schema,
    ops: impl IntoIterator<Item = &'a Op>,
) -> Result<Schema, (usize, StateError)> {
    let mut s = state.clone();
    for (i, op) in ops.into_iter().enumerate() {
        op.apply_to(&mut s).map_err(|e| (i, e))?;
    }
    Ok(s)
}
