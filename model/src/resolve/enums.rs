//! Resolving enums: each `#[derive(DbEnum)]` gets its app, and each field of
//! a project type (`Rating`) becomes the enum of that name — the field's own
//! app's first — or an error saying how to give its column a type.

use super::ResolveError;
use crate::def::EnumDef;
use crate::schema::Schema;
use crate::types::ColumnType;
use crate::{ColumnDefault, Literal};
use std::collections::BTreeMap;

/// What is said of field `field` whose type `name` is no enum of the
/// project: the message and the help.
pub fn no_column_type(field: &str, name: &str) -> (String, String) {
    (
        format!("field `{field}` has type `{name}`, which has no column type"),
        format!(
            "derive remodel::DbEnum on `{name}` to store its variants, or give the SQL type: #[field(sql_type = \"…\")]"
        ),
    )
}

/// Puts `enums` into `schema` and resolves the enum fields of its models
/// (`owners`: model key → definition index).
pub(super) fn resolve(
    schema: &mut Schema,
    enums: &[EnumDef],
    owners: &BTreeMap<String, usize>,
    dialects: &[String],
    errs: &mut Vec<ResolveError>,
) {
    let mut from: BTreeMap<String, usize> = BTreeMap::new();
    for (i, def) in enums.iter().enumerate() {
        let mut e = def.db_enum.clone();
        e.app = def.app();
        let key = e.key();
        if let Some(&other) = from.get(&key) {
            errs.push(ResolveError::on_enum(
                i,
                format!(
                    "two enums are named {key}: in {} and in {}",
                    enums[other].module_path, def.module_path
                ),
                Some("rename one, or give it another app with #[db_enum(app = \"…\")]"),
            ));
            continue;
        }
        let type_name = e.db_name();
        if let Some(other) = schema.enums.values().find(|o| o.db_name() == type_name) {
            errs.push(ResolveError::on_enum(
                i,
                format!(
                    "enums {} and {key} both map to the type name `{type_name}`",
                    other.key()
                ),
                Some("give one of them #[db_enum(name = \"…\")]"),
            ));
            continue;
        }
        if dialects.iter().any(|d| d == "postgres")
            && let Some(t) = schema.tables.values().find(|t| t.table_name() == type_name)
        {
            errs.push(ResolveError::on_enum(
                i,
                format!(
                    "enum {key}'s type name `{type_name}` is also the table of {}, and PostgreSQL keeps types and tables in one namespace",
                    t.key()
                ),
                Some("give the enum #[db_enum(name = \"…\")]"),
            ));
            continue;
        }
        if dialects.iter().any(|d| d == "mysql" || d == "mariadb") {
            let values = e.values();
            if let Some((a, b)) = values.iter().enumerate().find_map(|(n, a)| {
                values[..n]
                    .iter()
                    .find(|b| b.to_lowercase() == a.to_lowercase())
                    .map(|b| (*b, *a))
            }) {
                errs.push(ResolveError::on_enum(
                    i,
                    format!(
                        "enum {key} has the values '{a}' and '{b}', which MySQL's ENUM holds as one (its values compare without case)"
                    ),
                    Some("give one of them another #[db_enum(value = \"…\")]"),
                ));
            }
        }
        from.insert(key.clone(), i);
        schema.enums.insert(key, e);
    }

    // Enums by Rust name, for fields that name one.
    let mut by_name: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for e in schema.enums.values() {
        by_name.entry(e.name.as_str()).or_default().push(e.key());
    }
    let mut resolved: Vec<(String, String, String)> = Vec::new();
    for (key, t) in &schema.tables {
        let i = owners.get(key).copied().unwrap_or(0);
        for f in &t.fields {
            let ColumnType::Enum(name) = &f.ty else {
                continue;
            };
            if name.contains('.') {
                continue;
            }
            let found = by_name.get(name.as_str()).cloned().unwrap_or_default();
            let own = found
                .iter()
                .find(|k| crate::split_key(k).0 == t.app)
                .cloned();
            let target = match (own, found.len()) {
                (Some(k), _) => k,
                (None, 1) => found[0].clone(),
                (None, 0) => {
                    let (message, help) = no_column_type(&f.name, name);
                    errs.push(ResolveError::new(i, Some(&f.name), None, message).help(help));
                    continue;
                }
                (None, _) => {
                    errs.push(
                        ResolveError::new(
                            i,
                            Some(&f.name),
                            None,
                            format!(
                                "field `{}` has type `{name}`, and the enums {} have that name",
                                f.name,
                                found.join(" and ")
                            ),
                        )
                        .help("rename one of the enums"),
                    );
                    continue;
                }
            };
            let e = &schema.enums[&target];
            if let Some(ColumnDefault::Value(Literal::Str(v))) = &f.default
                && !e.values().contains(&v.as_str())
            {
                errs.push(
                    ResolveError::new(
                        i,
                        Some(&f.name),
                        Some("default"),
                        format!(
                            "default \"{v}\" of field `{}` is not a value of enum {}",
                            f.name, e.name
                        ),
                    )
                    .help(format!("one of: {}", e.values().join(", "))),
                );
            }
            resolved.push((key.clone(), f.name.clone(), target));
        }
    }
    for (key, field, target) in resolved {
        if let Some(f) = schema
            .tables
            .get_mut(&key)
            .and_then(|t| t.field_mut(&field))
        {
            f.ty = ColumnType::Enum(target);
        }
    }
}
