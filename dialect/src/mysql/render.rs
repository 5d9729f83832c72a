//! Operations to MySQL/MariaDB statements: one statement per operation
//! wherever MySQL allows it (see [`super::table::transition`]).

use super::table::{Change, ForeignKeyDef, TableDef, column_type, literal_sql, q, transition};
use crate::keeps::Expected;
use crate::{DialectKind, RenderError, Statement, split};
use remodel_differ::Op;
use remodel_model::restate::Scope;
use remodel_model::{ColumnDefault, Field, Schema, Table, model_key};

fn table<'a>(schema: &'a Schema, key: &str, when: &str) -> Result<&'a Table, RenderError> {
    schema
        .table(key)
        .ok_or_else(|| RenderError(format!("model {key} does not exist {when} this operation")))
}

/// Renders one operation for MySQL/MariaDB.
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
            Ok(vec![TableDef::of(t, after)?.create()])
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
            let text = sql.for_dialect("mysql").ok_or_else(|| {
                RenderError(
                    "RunSql has no SQL for mysql (add mysql = \"…\" to its sql table)".into(),
                )
            })?;
            let statements = split::split(text, DialectKind::Mysql)
                .map_err(|e| RenderError(format!("RunSql: {e}")))?;
            Ok(statements.into_iter().map(Statement::new).collect())
        }
        _ => {
            let mut statements = render_table_change(op, before, after)?;
            // Only the statements before another need an undo (see
            // `Statement::undo`); a lone statement is undone by the
            // operation's reverse.
            if let Some(last) = statements.last_mut() {
                last.undo = None;
            }
            Ok(statements)
        }
    }
}

/// A fill value (for existing rows) from a default.
fn fill_value(d: &ColumnDefault, f: &Field) -> String {
    match d {
        ColumnDefault::Value(lit) => literal_sql(lit, &f.ty),
        ColumnDefault::Sql(_) => {
            let sql = super::table::default_sql(d, f);
            if sql.starts_with('(') {
                sql
            } else {
                format!("({sql})")
            }
        }
    }
}

/// Every other operation changes one table: compare its definition before
/// and after, and turn the difference into one ALTER TABLE.
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
    let mut change = Change::default();
    for f in &old_t.fields {
        if let Some(nf) = new_t.field(&field_renamed(&f.name))
            && nf.column_name() != f.column_name()
        {
            change
                .renames
                .push((f.column_name().to_string(), nf.column_name().to_string()));
        }
    }

    // The definition the ALTER creates: for a one-off default on AddField,
    // the column is added with it (filling existing rows), then it is dropped.
    let mut target = new_t.clone();
    match op {
        Op::AddField {
            field,
            preserve_default: false,
            ..
        } if field.default.is_some() => {
            if let Some(f) = target.field_mut(&field.name) {
                f.default = field.default.clone();
            }
            change.drop_default_after = Some(field.column_name().to_string());
        }
        Op::AlterField {
            field,
            preserve_default,
            ..
        } => {
            // A column becomes generated, or changes kind, by being dropped
            // and added again, which would drop what is built on it; MariaDB
            // cannot make a virtual column plain in place at all.
            if let Some(old_f) = old_t.field(&field.name) {
                let was = old_f.generated.as_ref();
                let recreated = field.generated.is_some()
                    && was.map(|g| g.stored) != field.generated.as_ref().map(|g| g.stored);
                let column = old_f.column_name();
                let used = old_f.index
                    || old_f.unique
                    || old_f.primary_key
                    || old_f.references.is_some()
                    || old_t.indexes.iter().any(|ix| {
                        ix.fields.contains(&old_f.name)
                            || ix.include.contains(&old_f.name)
                            || ix.options.columns().iter().any(|c| c == column)
                    })
                    || old_t.constraints.iter().any(|c| match c {
                        remodel_model::Constraint::Unique { fields, .. } => {
                            fields.contains(&old_f.name)
                        }
                        remodel_model::Constraint::Check { expr: e, .. } => {
                            remodel_model::expr::columns(e)
                                .unwrap_or_default()
                                .iter()
                                .any(|c| c == column)
                        }
                    });
                let refused = if recreated && used {
                    Some("an index or constraint uses it, and adding it again would drop that")
                } else if was.is_some_and(|g| !g.stored) && field.generated.is_none() {
                    Some("MariaDB cannot make a virtual generated column plain in place")
                } else {
                    None
                };
                if let Some(why) = refused {
                    return Err(RenderError(format!(
                        "MySQL/MariaDB cannot change `{}` on {} as the model says: {why}; remove the field in one migration and add it again in the next",
                        field.name,
                        new_t.table_name()
                    )));
                }
            }
            let was_null = old_t.field(&field.name).is_some_and(|f| f.null);
            if was_null && !field.null {
                let fill = match (&field.default, preserve_default) {
                    (Some(d @ ColumnDefault::Value(_)), _) => Some(fill_value(d, field)),
                    (Some(d @ ColumnDefault::Sql(_)), true) => Some(fill_value(d, field)),
                    _ => None,
                };
                if let Some(v) = fill {
                    change.fill_nulls.push((field.column_name().to_string(), v));
                }
            }
        }
        _ => {}
    }

    let old_def = TableDef::of(old_t, before)?;
    let new_def = TableDef::of(&target, after)?;
    // Named as the table is before the operation, which its guards precede.
    let back: Vec<(String, String)> = change
        .renames
        .iter()
        .map(|(o, n)| (n.clone(), o.clone()))
        .collect();
    let known = Expected {
        before: crate::enums::table_catalog(before, old_t, DialectKind::Mysql),
        after: crate::enums::table_catalog(after, new_t, DialectKind::Mysql)
            .renamed(Some((&new_def.name, &old_def.name)), &back),
    };
    let statements = transition(&old_def, &new_def, &change, &known);

    // A new type for a column other tables' foreign keys point at: InnoDB
    // refuses it while they exist, so they are dropped first and added back.
    if let Op::AlterField { field, .. } = op
        && let Some(old_f) = old_t.field(&field.name)
        && column_type(old_f) != column_type(field)
    {
        let new_ty = column_type(field);
        // Its own foreign key is added back after the change: the target
        // column must accept the new type.
        if let Some(r) = &field.references
            && let Some((rt, rf)) = after.referenced(r)
            && !compatible(&column_type(rf), &new_ty)
        {
            return Err(RenderError(format!(
                "field `{}` of {} becomes {new_ty}, but the column it references, {}.{}, is {}: \
                 MySQL refuses a foreign key between them. Change both in a RunSql migration",
                field.name,
                old_t.key(),
                rt.table_name(),
                rf.column_name(),
                column_type(rf),
            )));
        }
        let referencing = referencing_foreign_keys(before, old_t, old_f)?;
        if let Some((child, fk, ty)) = referencing
            .iter()
            .find(|(_, _, ty)| !compatible(ty, &new_ty))
        {
            return Err(RenderError(format!(
                "field `{}` of {} is referenced by foreign key {} of table {child}, whose column is {ty}: \
                 MySQL cannot change a referenced column to {new_ty} while that foreign key exists. \
                 Write a RunSql migration that drops the foreign key, changes both columns and adds it back",
                field.name,
                old_t.key(),
                fk.name,
            )));
        }
        let referencing: Vec<_> = referencing
            .into_iter()
            .filter(|(child, _, _)| *child != old_def.name)
            .collect();
        if !referencing.is_empty() {
            let drop = |child: &str, fk: &ForeignKeyDef| {
                Statement::new(format!(
                    "ALTER TABLE {} DROP FOREIGN KEY {}",
                    q(child),
                    q(&fk.name)
                ))
            };
            let add = |child: &str, fk: &ForeignKeyDef| {
                Statement::new(format!("ALTER TABLE {} ADD {}", q(child), fk.sql()))
            };
            // Each is restated from the state: it must hold nothing more.
            let mut out: Vec<Statement> = Vec::new();
            for (child, fk, _) in &referencing {
                let of = |s: &Schema| {
                    s.tables
                        .values()
                        .find(|t| t.table_name() == *child)
                        .map(|t| crate::enums::table_catalog(s, t, DialectKind::Mysql))
                };
                if let (Some(before), Some(after)) = (of(before), of(after)) {
                    let known = Expected { before, after };
                    out.push(known.keeps(child, Scope::ForeignKey(fk.name.clone())));
                }
            }
            out.extend(
                referencing
                    .iter()
                    .map(|(child, fk, _)| drop(child, fk).with_undo(vec![add(child, fk)])),
            );
            out.extend(statements);
            out.extend(
                referencing
                    .iter()
                    .map(|(child, fk, _)| add(child, fk).with_undo(vec![drop(child, fk)])),
            );
            return Ok(out);
        }
    }
    Ok(statements)
}

/// Foreign keys that point at `field` of `t` (from other tables, or other
/// columns of `t`): (table, key, SQL type of its column).
fn referencing_foreign_keys(
    schema: &Schema,
    t: &Table,
    field: &Field,
) -> Result<Vec<(String, ForeignKeyDef, String)>, RenderError> {
    let mut out = Vec::new();
    for other in schema.tables.values() {
        if !other.managed {
            continue;
        }
        for f in &other.fields {
            if other.key() == t.key() && f.name == field.name {
                continue;
            }
            let Some(r) = &f.references else { continue };
            let points_here = schema
                .referenced(r)
                .is_some_and(|(rt, rf)| rt.key() == t.key() && rf.name == field.name);
            if !points_here {
                continue;
            }
            let def = TableDef::of(other, schema)?;
            if let Some(fk) = def
                .foreign_keys
                .iter()
                .find(|fk| fk.column == f.column_name())
            {
                out.push((def.name.clone(), fk.clone(), column_type(f)));
            }
        }
    }
    Ok(out)
}

/// Whether InnoDB accepts a foreign key from a column of type `a` to one of
/// type `b`: the same type, or strings of any length.
fn compatible(a: &str, b: &str) -> bool {
    let string = |t: &str| {
        let t = t.trim().to_ascii_uppercase();
        t.starts_with("VARCHAR(") || t.starts_with("CHAR(")
    };
    a.trim().eq_ignore_ascii_case(b.trim()) || (string(a) && string(b))
}
