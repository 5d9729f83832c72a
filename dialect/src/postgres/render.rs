//! Operations to PostgreSQL statements.

use super::table::{Extras, TableDef, default_value, q, transition};
use crate::keeps::Expected;
use crate::{DialectKind, RenderError, Statement, split};
use remodel_differ::Op;
use remodel_model::{Schema, Table, model_key};

fn table<'a>(schema: &'a Schema, key: &str, when: &str) -> Result<&'a Table, RenderError> {
    schema
        .table(key)
        .ok_or_else(|| RenderError(format!("model {key} does not exist {when} this operation")))
}

/// Renders one operation for PostgreSQL.
pub(crate) fn render(
    op: &Op,
    before: &Schema,
    after: &Schema,
) -> Result<Vec<Statement>, RenderError> {
    match op {
        Op::CreateModel { table: t } => {
            if !t.managed {
                return Ok(Vec::new());
            }
            Ok(TableDef::of(t, after)?.create())
        }
        // A named type, made before and dropped after the columns of it.
        Op::CreateEnum { db_enum } => {
            let values: Vec<String> = db_enum
                .values()
                .into_iter()
                .map(crate::enums::literal)
                .collect();
            Ok(vec![Statement::new(format!(
                "CREATE TYPE {} AS ENUM ({})",
                q(&db_enum.db_name()),
                values.join(", ")
            ))])
        }
        Op::DeleteEnum { name } => {
            let e = before.enums.get(name).ok_or_else(|| {
                RenderError(format!("enum {name} does not exist before this operation"))
            })?;
            Ok(vec![Statement::new(format!(
                "DROP TYPE {}",
                q(&e.db_name())
            ))])
        }
        Op::DeleteModel { model } => {
            let t = table(before, model, "before")?;
            if !t.managed {
                return Ok(Vec::new());
            }
            Ok(vec![Statement::new(format!(
                "DROP TABLE {}",
                q(&t.table_name())
            ))])
        }
        Op::RunSql { sql, .. } => {
            let text = sql.for_dialect("postgres").ok_or_else(|| {
                RenderError(
                    "RunSql has no SQL for postgres (add postgres = \"…\" to its sql table)".into(),
                )
            })?;
            let statements = split::split(text, DialectKind::Postgres)
                .map_err(|e| RenderError(format!("RunSql: {e}")))?;
            Ok(statements.into_iter().map(Statement::new).collect())
        }
        _ => render_table_change(op, before, after),
    }
}

/// Every other operation changes one table: compare its definition before
/// and after, and emit the ALTERs between them.
fn render_table_change(
    op: &Op,
    before: &Schema,
    after: &Schema,
) -> Result<Vec<Statement>, RenderError> {
    let key_after = op
        .model_key()
        .ok_or_else(|| RenderError("this operation names no model".into()))?;
    let key_before = match op {
        Op::RenameModel { app, old, .. } => model_key(app, old),
        _ => key_after.clone(),
    };
    let old_t = table(before, &key_before, "before")?;
    let new_t = table(after, &key_after, "after")?;
    if !old_t.managed || !new_t.managed {
        return Ok(Vec::new());
    }

    let mut extras = Extras {
        concurrently: matches!(op, Op::AddIndex { .. }),
        ..Extras::default()
    };
    // Column renames: fields keep their names except through RenameField.
    let field_renamed = |name: &str| match op {
        Op::RenameField { old, new, .. } if old == name => new.clone(),
        _ => name.to_string(),
    };
    for f in &old_t.fields {
        if let Some(nf) = new_t.field(&field_renamed(&f.name))
            && nf.column_name() != f.column_name()
        {
            extras
                .renames
                .push((f.column_name().to_string(), nf.column_name().to_string()));
        }
    }

    match op {
        Op::AddField {
            field,
            preserve_default: false,
            ..
        } => {
            if let Some(d) = &field.default {
                extras
                    .one_off
                    .insert(field.column_name().to_string(), default_value(d, &field.ty));
            }
        }
        Op::AlterField { field, .. } => {
            let was_null = old_t.field(&field.name).is_some_and(|f| f.null);
            if was_null && !field.null {
                // The new default (kept, or a one-off value) fills the NULL rows.
                if let Some(d) = &field.default {
                    extras
                        .fills
                        .insert(field.column_name().to_string(), default_value(d, &field.ty));
                }
            }
        }
        _ => {}
    }

    let old_def = TableDef::of(old_t, before)?;
    let new_def = TableDef::of(new_t, after)?;
    // Named as the table is before the operation, which its guards precede.
    let back: Vec<(String, String)> = extras
        .renames
        .iter()
        .map(|(o, n)| (n.clone(), o.clone()))
        .collect();
    let known = Expected {
        before: before.table_catalog(old_t),
        after: after
            .table_catalog(new_t)
            .renamed(Some((&new_def.name, &old_def.name)), &back),
    };
    Ok(transition(&old_def, &new_def, &extras, &known))
}
