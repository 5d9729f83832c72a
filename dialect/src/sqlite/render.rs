//! Operations to SQLite statements.

use super::table::{Fills, TableSql, fill_literal, q, transition};
use crate::keeps::Expected;
use crate::{RenderError, Statement, split};
use remodel_differ::Op;
use remodel_model::names::{NameKind, derived_name};
use remodel_model::{ColumnDefault, Schema, Table, model_key};

fn table<'a>(schema: &'a Schema, key: &str, when: &str) -> Result<&'a Table, RenderError> {
    schema
        .table(key)
        .ok_or_else(|| RenderError(format!("model {key} does not exist {when} this operation")))
}

/// Renders one operation for SQLite.
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
            Ok(TableSql::of(t, after)?.create())
        }
        // An enum has no type of its own here: its columns carry it.
        Op::CreateEnum { .. } | Op::DeleteEnum { .. } => Ok(Vec::new()),
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
            let text = sql.for_dialect("sqlite").ok_or_else(|| {
                RenderError(
                    "RunSql has no SQL for sqlite (add sqlite = \"…\" to its sql table)".into(),
                )
            })?;
            let statements = split::split(text, crate::DialectKind::Sqlite)
                .map_err(|e| RenderError(format!("RunSql: {e}")))?;
            Ok(statements.into_iter().map(Statement::new).collect())
        }
        Op::AlterModelComment { .. } => Ok(Vec::new()),
        _ => render_table_change(op, before, after),
    }
}

/// Every other operation changes one table: compare its definition before and
/// after, and let [`transition`] pick native ALTERs or a rebuild.
fn render_table_change(
    op: &Op,
    before: &Schema,
    after: &Schema,
) -> Result<Vec<Statement>, RenderError> {
    let key_after = op.model_key().expect("table operations name a model");
    let key_before = match op {
        Op::RenameModel { app, old, .. } => model_key(app, old),
        _ => key_after.clone(),
    };
    let old_t = table(before, &key_before, "before")?;
    let new_t = table(after, &key_after, "after")?;
    if !old_t.managed || !new_t.managed {
        return Ok(Vec::new());
    }

    // Column renames: fields keep their names except through RenameField.
    let field_renamed = |name: &str| match op {
        Op::RenameField { old, new, .. } if old == name => new.clone(),
        _ => name.to_string(),
    };
    let mut renames = Vec::new();
    for f in &old_t.fields {
        if let Some(nf) = new_t.field(&field_renamed(&f.name))
            && nf.column_name() != f.column_name()
        {
            renames.push((f.column_name().to_string(), nf.column_name().to_string()));
        }
    }

    let mut fills = Fills::new();
    match op {
        Op::AddField {
            field,
            preserve_default: false,
            ..
        } => {
            if let Some(ColumnDefault::Value(lit)) = &field.default {
                fills.insert(field.column_name().to_string(), fill_literal(lit, field));
            }
        }
        Op::AlterField {
            field,
            preserve_default,
            ..
        } => {
            let was_null = old_t.field(&field.name).is_some_and(|f| f.null);
            if was_null && !field.null {
                match (&field.default, preserve_default) {
                    (Some(ColumnDefault::Value(lit)), _) => {
                        fills.insert(field.column_name().to_string(), fill_literal(lit, field));
                    }
                    (Some(d @ ColumnDefault::Sql(_)), true) => {
                        let sql = crate::literal::default_sql(d, &field.ty, '"', true);
                        fills.insert(field.column_name().to_string(), format!("({sql})"));
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }

    let old_sql = TableSql::of(old_t, before)?;
    let new_sql = TableSql::of(new_t, after)?;
    // The table as the state knows it once the renames ran: what the
    // guards compare the live table with.
    let mut known = crate::enums::table_catalog(before, old_t, crate::DialectKind::Sqlite)
        .renamed(Some((&old_sql.name, &new_sql.name)), &renames);
    if old_t.pk_name.is_none() && !known.primary_key.is_empty() {
        // SQLite's key is unnamed: it reads back with the name derived from
        // the table and columns it has now.
        known.primary_key_name = Some(derived_name(
            &new_sql.name,
            &known.primary_key,
            NameKind::PrimaryKey,
        ));
    }
    let known = Expected {
        before: known,
        after: crate::enums::table_catalog(after, new_t, crate::DialectKind::Sqlite),
    };
    Ok(transition(&old_sql, &new_sql, &renames, &fills, &known))
}
