//! Enum columns as each database holds them: a field of an enum type is
//! rendered as the database's own form of it — PostgreSQL's named type,
//! MySQL's inline `ENUM(…)`, SQLite's `TEXT` with a CHECK — by giving the
//! table's field that type before the table's SQL is made.

use crate::{DialectKind, RenderError};
use remodel_model::catalog::CatalogTable;
use remodel_model::names::{NameKind, derived_name};
use remodel_model::{ColumnType, Constraint, DbEnum, Schema, Table};

/// `t` with each enum field's type made `form(enum)`; an error when the
/// schema does not have the enum a field uses.
pub(crate) fn lower(
    t: &Table,
    schema: &Schema,
    form: impl Fn(&DbEnum) -> ColumnType,
) -> Result<Table, RenderError> {
    let mut out = t.clone();
    for f in out.fields.iter_mut() {
        if let ColumnType::Enum(key) = &f.ty {
            let e = schema.enums.get(key).ok_or_else(|| {
                RenderError(format!(
                    "field `{}` of {} uses enum {key}, which no migration before it creates",
                    f.name,
                    t.key()
                ))
            })?;
            f.ty = form(e);
        }
    }
    Ok(out)
}

/// `t` as `kind` holds it: PostgreSQL a column of the enum's named type;
/// MySQL an inline `ENUM(…)` of the values in order; SQLite `TEXT` with a
/// CHECK of the values, named `<table>_<column>_enum`.
pub(crate) fn for_dialect(
    t: &Table,
    schema: &Schema,
    kind: DialectKind,
) -> Result<Table, RenderError> {
    match kind {
        DialectKind::Postgres => lower(t, schema, |e| ColumnType::Enum(e.db_name())),
        DialectKind::Mysql => lower(t, schema, |e| {
            let values: Vec<String> = e.values().into_iter().map(literal).collect();
            ColumnType::Raw(format!("ENUM({})", values.join(",")))
        }),
        DialectKind::Sqlite => {
            let checks: Vec<Constraint> = columns(t, schema)
                .into_iter()
                .map(|(column, e)| Constraint::Check {
                    name: Some(derived_name(&t.table_name(), &[&column], NameKind::Enum)),
                    expr: e.check(&column),
                })
                .collect();
            let mut out = lower(t, schema, |_| ColumnType::Text)?;
            out.constraints.extend(checks);
            Ok(out)
        }
    }
}

/// The catalog of `t` as `kind` holds it (see [`for_dialect`]): what the
/// guards of an operation compare the live table with.
pub(crate) fn table_catalog(schema: &Schema, t: &Table, kind: DialectKind) -> CatalogTable {
    match for_dialect(t, schema, kind) {
        Ok(held) => schema.table_catalog(&held),
        Err(_) => schema.table_catalog(t),
    }
}

/// The enums `t`'s fields use, with the column of each: `(column, enum)`.
pub(crate) fn columns<'a>(t: &Table, schema: &'a Schema) -> Vec<(String, &'a DbEnum)> {
    t.fields
        .iter()
        .filter_map(|f| match &f.ty {
            ColumnType::Enum(key) => schema
                .enums
                .get(key)
                .map(|e| (f.column_name().to_string(), e)),
            _ => None,
        })
        .collect()
}

/// A value as an SQL string literal.
pub(crate) fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}
