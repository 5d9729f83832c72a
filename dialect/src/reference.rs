//! Where a foreign key points, for every dialect's CREATE and ALTER.

use crate::RenderError;
use remodel_model::{Field, OnDelete, Reference, Schema, Table};

/// The table and column the reference of field `f` of table `t` points to.
/// A reference to `t` itself is resolved against `t` (the definition being
/// rendered, which may not be in `schema` yet); anything else must exist in
/// `schema`, or it is an error naming the field.
pub(crate) fn referenced_column(
    schema: &Schema,
    t: &Table,
    f: &Field,
    r: &Reference,
) -> Result<(String, String), RenderError> {
    if r.model == t.key() {
        let pk = t.primary_key();
        let target = r
            .to_field
            .clone()
            .or_else(|| (pk.len() == 1).then(|| pk[0].clone()))
            .unwrap_or_default();
        let column = t
            .field(&target)
            .map(|f| f.column_name().to_string())
            .unwrap_or(target);
        return Ok((t.table_name(), column));
    }
    match schema.referenced(r) {
        Some((rt, rf)) => Ok((rt.table_name(), rf.column_name().to_string())),
        None => Err(RenderError(format!(
            "field `{}` of {} references {}{}, which does not exist at this point of the history",
            f.name,
            t.key(),
            r.model,
            r.to_field
                .as_ref()
                .map(|tf| format!(".{tf}"))
                .unwrap_or_default()
        ))),
    }
}

/// A foreign key's actions as SQL: ` ON DELETE …` and ` ON UPDATE …`, each
/// left out when it is NO ACTION (the default everywhere).
pub(crate) fn actions_sql(on_delete: OnDelete, on_update: OnDelete) -> String {
    let mut out = String::new();
    if on_delete != OnDelete::NoAction {
        out.push_str(&format!(" ON DELETE {}", on_delete.sql()));
    }
    if on_update != OnDelete::NoAction {
        out.push_str(&format!(" ON UPDATE {}", on_update.sql()));
    }
    out
}
