//! The one reader of `#[derive(Model)]` items (DESIGN §2, "Where each check
//! happens"). The derive macro and the CLI's source scanner both call
//! [`read_model`]; every check about a single struct lives here, so both
//! report the same errors — the derive at the attribute's span, the scanner as
//! `file:line:col`. Its inverse, [`printer`], writes structs it reads back
//! as the same tables.

mod attrs;
mod db_enum;
pub mod printer;
mod rust_type;

use crate::def::TableDef;
use crate::default::ColumnDefault;
use crate::expr;
use crate::index::{IndexMethod, IndexOptions, split_order};
use crate::schema::{Auto, Constraint, Field, Index, OnDelete, Reference, Table};
use crate::types::{ColumnType, check_decimal};
use attrs::{FieldAttrs, IndexAttr, ModelAttrs};
use proc_macro2::Span;
use rust_type::RustKind;
use std::collections::BTreeMap;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields};

pub use db_enum::read_enum;

/// One problem in a model definition, at the span of the offending attribute.
#[derive(Debug, Clone)]
pub struct ReadError {
    /// Where: the attribute key, value, field or struct name.
    pub span: Span,
    /// What is wrong.
    pub message: String,
    /// What to do, when there is something specific to say.
    pub help: Option<String>,
}

/// Collected errors; reading goes on after one so every error is reported at once.
#[derive(Default)]
pub(crate) struct Errors(Vec<ReadError>);

impl Errors {
    pub(crate) fn push(&mut self, span: Span, message: String, help: Option<String>) {
        self.0.push(ReadError {
            span,
            message,
            help,
        });
    }
}

pub(crate) use crate::names::closest as suggest;

/// What the model-level checks need to know of each field, including those
/// that failed (so their names do not cause a second, misleading error).
struct FieldInfo {
    name: String,
    span: Span,
    column: String,
    column_span: Option<Span>,
    pk_span: Option<Span>,
    /// `fk_name = "…"`, where it was written (for name clashes).
    fk_name: Option<(String, Span)>,
    failed: bool,
}

/// Reads one struct deriving `Model`. Its `module_path` is left empty: the
/// caller knows where the struct lives.
pub fn read_model(input: &DeriveInput) -> Result<TableDef, Vec<ReadError>> {
    let mut errs = Errors::default();
    let struct_name = input.ident.to_string();
    let named = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(n) => &n.named,
            _ => {
                return Err(vec![ReadError {
                    span: input.ident.span(),
                    message: format!("`{struct_name}` must have named fields to derive Model"),
                    help: None,
                }]);
            }
        },
        _ => {
            return Err(vec![ReadError {
                span: input.ident.span(),
                message: "Model can only be derived for structs".into(),
                help: None,
            }]);
        }
    };

    let mattrs = attrs::model_attrs(&input.attrs, &mut errs);
    let mut table = Table::new("", struct_name.clone());
    let mut field_renamed_from = BTreeMap::new();
    let mut field_docs = BTreeMap::new();
    let mut infos: Vec<FieldInfo> = Vec::new();
    let mut skipped: Vec<String> = Vec::new();

    for f in named {
        let Some(ident) = &f.ident else { continue };
        let name = ident.to_string();
        let fattrs = attrs::field_attrs(&f.attrs, &mut errs);
        if fattrs.skip.as_ref().is_some_and(|(v, _)| *v) {
            if let Some((key, span)) = fattrs.given.iter().find(|(k, _)| *k != "skip") {
                errs.push(
                    *span,
                    format!("`{key}` has no effect on a skipped field `{name}`"),
                    Some("remove it, or remove `skip` to make the field a column".into()),
                );
            }
            skipped.push(name);
            continue;
        }
        let field = read_field(&name, ident.span(), &f.ty, &fattrs, &mut errs);
        infos.push(FieldInfo {
            name: name.clone(),
            span: ident.span(),
            column: fattrs
                .column
                .as_ref()
                .map(|(c, _)| c.clone())
                .unwrap_or_else(|| name.clone()),
            column_span: fattrs.column.as_ref().map(|(_, s)| *s),
            pk_span: fattrs
                .primary_key
                .as_ref()
                .filter(|(v, _)| *v)
                .map(|(_, s)| *s)
                // An unreadable `primary_key = …` still meant a key.
                .or(if fattrs.broken {
                    fattrs.span_of("primary_key")
                } else {
                    None
                }),
            fk_name: fattrs.fk_name.clone(),
            failed: field.is_none(),
        });
        let Some(field) = field else { continue };
        if let Some((old, span)) = &fattrs.renamed_from {
            if *old == name {
                errs.push(
                    *span,
                    format!("`renamed_from` names the field itself (`{name}`)"),
                    None,
                );
            } else {
                field_renamed_from.insert(name.clone(), old.clone());
            }
        }
        if let Some(doc) = attrs::doc_comment(&f.attrs) {
            field_docs.insert(name.clone(), doc);
        }
        table.fields.push(field);
    }

    read_model_level(
        &mut table,
        &mattrs,
        &infos,
        &skipped,
        input.ident.span(),
        &mut errs,
    );

    if !errs.0.is_empty() {
        return Err(errs.0);
    }
    Ok(TableDef {
        module_path: String::new(),
        app_label: mattrs.app.map(|(a, _)| a),
        table,
        renamed_from: mattrs.renamed_from.map(|(r, _)| r),
        doc: attrs::doc_comment(&input.attrs),
        field_renamed_from,
        field_docs,
    })
}

fn read_field(
    name: &str,
    name_span: Span,
    ty: &syn::Type,
    a: &FieldAttrs,
    errs: &mut Errors,
) -> Option<Field> {
    if a.broken {
        // A value could not be read; checking the rest would repeat that error.
        return None;
    }
    let ft = rust_type::field_type(ty);
    let start = errs.0.len();
    if ft.nested_option {
        errs.push(
            ty.span(),
            format!("field `{name}`: `Option<Option<…>>` is not a column type"),
            None,
        );
        return None;
    }
    let does_not_apply = |errs: &mut Errors, key: &str, what: &str| {
        if let Some(span) = a.span_of(key) {
            errs.push(
                span,
                format!("`{key}` does not apply to field `{name}`: {what}"),
                None,
            );
        }
    };

    let column_type = if let Some((sql, span)) = &a.sql_type {
        if sql.trim().is_empty() {
            errs.push(*span, "`sql_type` is empty".into(), None);
        }
        for key in ["max_length", "max_digits", "decimal_places"] {
            does_not_apply(errs, key, "the column type is given by `sql_type`");
        }
        Some(ColumnType::Raw(sql.trim().to_string()))
    } else {
        if !matches!(ft.kind, RustKind::String) {
            does_not_apply(errs, "max_length", "it is only for String fields");
        }
        if !matches!(ft.kind, RustKind::Decimal) {
            does_not_apply(errs, "max_digits", "it is only for Decimal fields");
            does_not_apply(errs, "decimal_places", "it is only for Decimal fields");
        }
        match &ft.kind {
            RustKind::Bool => Some(ColumnType::Boolean),
            RustKind::Unsigned(bits) => Some(ColumnType::Unsigned(*bits)),
            RustKind::I16 => Some(ColumnType::SmallInt),
            RustKind::I32 => Some(ColumnType::Integer),
            RustKind::I64 => Some(ColumnType::BigInt),
            RustKind::F32 => Some(ColumnType::Real),
            RustKind::F64 => Some(ColumnType::Double),
            RustKind::String => match &a.max_length {
                Some((0, span)) => {
                    errs.push(*span, "`max_length` must be at least 1".into(), None);
                    None
                }
                Some((n, _)) => Some(ColumnType::Varchar(*n)),
                None => Some(ColumnType::Text),
            },
            RustKind::Bytes => Some(ColumnType::Blob),
            RustKind::Decimal => match (&a.max_digits, &a.decimal_places) {
                (Some((p, ps)), Some((s, ss))) => match check_decimal(*p, *s) {
                    Ok(()) => Some(ColumnType::Decimal {
                        precision: *p,
                        scale: *s,
                    }),
                    Err(e) => {
                        let span = if *p == 0 || *p > 1000 { *ps } else { *ss };
                        errs.push(span, format!("field `{name}`: {e}"), None);
                        None
                    }
                },
                (None, None) => {
                    errs.push(
                        ty.span(),
                        format!("Decimal field `{name}` needs `max_digits` and `decimal_places`"),
                        Some(
                            "add #[field(max_digits = 10, decimal_places = 2)] with your precision and scale"
                                .into(),
                        ),
                    );
                    None
                }
                (p, _) => {
                    let (missing, given) = if p.is_none() {
                        ("max_digits", "decimal_places")
                    } else {
                        ("decimal_places", "max_digits")
                    };
                    errs.push(
                        a.span_of(given).unwrap_or(name_span),
                        format!("Decimal field `{name}` needs `{missing}` too"),
                        Some("Decimal fields need both max_digits and decimal_places".into()),
                    );
                    None
                }
            },
            RustKind::Date => Some(ColumnType::Date),
            RustKind::Time => Some(ColumnType::Time),
            RustKind::Timestamp => Some(ColumnType::Timestamp),
            RustKind::TimestampTz => Some(ColumnType::TimestampTz),
            RustKind::Uuid => Some(ColumnType::Uuid),
            RustKind::Json => Some(ColumnType::Json),
            // Resolving finds the project's `#[derive(DbEnum)]` of that name.
            RustKind::Named(name) => Some(ColumnType::Enum(name.clone())),
            RustKind::Unknown(spelling) => {
                errs.push(
                    ty.span(),
                    format!("field `{name}` has type `{spelling}`, which has no column type"),
                    Some(format!(
                        "give the SQL type: #[field(sql_type = \"…\")]{}",
                        if spelling == "u128" || spelling == "i128" {
                            " (128-bit integers have no SQL type; a decimal may hold them)"
                        } else {
                            ""
                        }
                    )),
                );
                None
            }
        }
    };

    let mut field = Field::new(name, column_type.clone().unwrap_or(ColumnType::Text));
    field.null = ft.nullable;
    field.primary_key = a.primary_key.as_ref().is_some_and(|(v, _)| *v);
    field.unique = a.unique.as_ref().is_some_and(|(v, _)| *v);

    if let Some((_, span)) = a.primary_key.as_ref().filter(|(v, _)| *v) {
        if ft.nullable {
            errs.push(
                *span,
                format!("primary key `{name}` cannot be an Option"),
                None,
            );
        }
        if field.unique {
            errs.push(
                a.span_of("unique").unwrap_or(*span),
                format!("`unique` is redundant on primary key `{name}`"),
                Some("a primary key is already unique; remove `unique`".into()),
            );
        }
    }
    let is_int = column_type.as_ref().is_some_and(ColumnType::is_integer);
    // `auto` written out may also number a raw integer type (`sql_type =
    // "int unsigned"`); only the token types are numbered without it.
    let is_int_like = column_type
        .as_ref()
        .is_some_and(ColumnType::is_integer_like);
    match &a.auto {
        // A field that is not the sole key may be numbered (an identity or
        // a sequence on PostgreSQL, AUTO_INCREMENT on MySQL; the dialects
        // are checked when models are resolved), but not as SQLite's row id.
        Some((Auto::RowId, span)) if !field.primary_key => {
            errs.push(
                *span,
                format!(
                    "`auto = \"rowid\"` does not apply to field `{name}`: it is not the primary key"
                ),
                Some("a row id numbers the key only; `auto` numbers another field".into()),
            );
        }
        Some((Auto::No, span)) if !field.primary_key => {
            errs.push(
                *span,
                format!(
                    "`auto = false` does not apply to field `{name}`: it is not the primary key"
                ),
                Some("remove it: only the key is numbered unless it says so".into()),
            );
        }
        Some((form, span)) if form.is_auto() && !is_int_like && column_type.is_some() => {
            errs.push(
                *span,
                format!(
                    "`auto` does not apply to field `{name}`: only integer {} auto-increment",
                    if field.primary_key {
                        "primary keys"
                    } else {
                        "fields"
                    }
                ),
                None,
            );
        }
        Some((form, span)) => {
            field.auto = if is_int_like { *form } else { Auto::No };
            if field.auto.is_auto() && ft.nullable && !field.primary_key {
                errs.push(
                    *span,
                    format!("`auto` field `{name}` cannot be an Option: the sequence gives every row a value"),
                    None,
                );
            }
        }
        None => field.auto = Auto::from_flag(field.primary_key && is_int),
    }

    if let Some((col, span)) = &a.column {
        if col.trim().is_empty() {
            errs.push(*span, "`column` is empty".into(), None);
        } else if col != name {
            field.column = Some(col.clone());
        }
    }
    if let Some((c, _)) = &a.comment {
        field.comment = Some(c.clone());
    }
    // What an update sets a timestamp to.
    if let Some((sql, span)) = &a.on_update_sql {
        if !matches!(
            field.ty,
            ColumnType::Timestamp | ColumnType::TimestampTz | ColumnType::Raw(_)
        ) {
            does_not_apply(
                errs,
                "on_update_sql",
                "it is only for timestamp fields (or a type given by `sql_type`)",
            );
        } else {
            match crate::expr::normalize(sql) {
                Ok(n) => field.on_update_sql = Some(n),
                Err(e) => errs.push(
                    *span,
                    format!("`on_update_sql` is not an SQL expression: {e}"),
                    None,
                ),
            }
        }
    }
    // A collation or character set is a property of characters: of String
    // fields, or of a type given with `sql_type`.
    for (key, value) in [("collation", &a.collation), ("charset", &a.charset)] {
        let Some((v, span)) = value else { continue };
        if v.trim().is_empty() {
            errs.push(*span, format!("`{key}` is empty"), None);
        } else if matches!(
            field.ty,
            ColumnType::Varchar(_) | ColumnType::Text | ColumnType::Raw(_)
        ) {
            let v = Some(v.trim().to_string());
            if key == "collation" {
                field.collation = v;
            } else {
                field.charset = v;
            }
        } else {
            does_not_apply(
                errs,
                key,
                "it is only for String fields (or a type given by `sql_type`)",
            );
        }
    }

    match (&a.default, &a.default_sql) {
        (Some(_), Some((_, span))) => {
            errs.push(
                *span,
                format!("field `{name}` has both `default` and `default_sql`"),
                Some("keep one".into()),
            );
        }
        (Some((lit, span)), None) => {
            if let Some(ty) = &column_type {
                match lit.check_for(ty) {
                    Ok(v) => field.default = Some(ColumnDefault::Value(v)),
                    Err(e) => errs.push(*span, format!("field `{name}`: {e}"), None),
                }
            }
        }
        (None, Some((sql, span))) => match expr::normalize(sql) {
            Ok(n) => field.default = Some(ColumnDefault::Sql(n)),
            Err(e) => errs.push(
                *span,
                format!("field `{name}`: default_sql is not an SQL expression: {e}"),
                None,
            ),
        },
        (None, None) => {}
    }
    if field.auto.is_auto() && field.default.is_some() {
        errs.push(
            a.span_of("default")
                .or(a.span_of("default_sql"))
                .unwrap_or(name_span),
            format!("auto-increment key `{name}` cannot have a default"),
            Some("remove the default, or set `auto = false`".into()),
        );
    }

    match &a.references {
        Some((target, span)) => {
            let t = target.trim();
            let valid = !t.is_empty()
                && t.split('.').count() <= 2
                && t.split('.').all(crate::names::is_identifier);
            if !valid {
                errs.push(
                    *span,
                    format!("`references = \"{target}\"` is not a model name"),
                    Some("write \"Model\" or \"app.Model\"".into()),
                );
            }
            let mut action = |given: &Option<(String, Span)>, key: &str| match given {
                Some((s, span)) => OnDelete::parse(s).unwrap_or_else(|| {
                    let names: Vec<&str> = OnDelete::ALL.iter().map(|(_, n)| *n).collect();
                    errs.push(
                        *span,
                        format!("unknown {key} action `{s}`"),
                        Some(format!("expected one of: {}", names.join(", "))),
                    );
                    OnDelete::NoAction
                }),
                None => OnDelete::NoAction,
            };
            let on_delete = action(&a.on_delete, "on_delete");
            let on_update = action(&a.on_update, "on_update");
            // `set_null` on a field that is not an Option is allowed, as
            // databases allow it (PostgreSQL, SQLite): the scanner warns
            // (`resolve::field_warnings`), MySQL's portability check refuses.
            for (act, key) in [(on_delete, "on_delete"), (on_update, "on_update")] {
                if act == OnDelete::SetDefault && a.default.is_none() && a.default_sql.is_none() {
                    errs.push(
                        a.span_of(key).unwrap_or(*span),
                        format!("{key} = \"set_default\" needs a default on field `{name}`"),
                        None,
                    );
                }
            }
            field.references = Some(Reference {
                model: t.to_string(),
                to_field: a.to_field.as_ref().map(|(f, _)| f.clone()),
                on_delete,
                on_update,
                name: name_value(&a.fk_name, "fk_name", errs),
            });
        }
        None => {
            does_not_apply(errs, "to_field", "it has no `references`");
            does_not_apply(errs, "on_delete", "it has no `references`");
            does_not_apply(errs, "on_update", "it has no `references`");
            does_not_apply(errs, "fk_name", "it has no `references`");
        }
    }

    field.index = match &a.index {
        Some((true, span)) if field.unique || field.primary_key => {
            errs.push(
                *span,
                format!("`index` is redundant on field `{name}`: a unique or primary key column is already indexed"),
                None,
            );
            false
        }
        Some((v, _)) => *v,
        None => field.default_index(),
    };

    // A generated column computes its values: nothing else gives it one.
    match &a.generated {
        Some((sql, span)) => {
            for (key, why) in [
                ("default", "a generated column has no default"),
                ("default_sql", "a generated column has no default"),
                ("auto", "a generated column is computed, not numbered"),
                ("primary_key", "a generated column cannot be the key"),
                ("on_update_sql", "a generated column is computed"),
            ] {
                does_not_apply(errs, key, why);
            }
            match crate::expr::normalize(sql) {
                Ok(expr) => {
                    field.generated = Some(crate::schema::Generated {
                        expr,
                        stored: a.stored.is_some_and(|(s, _)| s),
                    });
                }
                Err(e) => errs.push(
                    *span,
                    format!("`generated` is not an SQL expression: {e}"),
                    None,
                ),
            }
        }
        None => does_not_apply(errs, "stored", "it has no `generated` expression"),
    }

    (errs.0.len() == start && column_type.is_some()).then_some(field)
}

fn check_fields(
    table: &Table,
    fields: &[(String, Span)],
    infos: &[FieldInfo],
    skipped: &[String],
    what: &str,
    errs: &mut Errors,
) -> bool {
    let mut ok = true;
    for (f, span) in fields {
        if infos.iter().any(|i| i.failed && i.name == *f) {
            // Already reported on the field itself.
            ok = false;
            continue;
        }
        if table.field(f).is_none() {
            ok = false;
            let help = if skipped.contains(f) {
                Some(format!("`{f}` is skipped, so it is not a column"))
            } else {
                let names: Vec<&str> = table.fields.iter().map(|f| f.name.as_str()).collect();
                suggest(f, &names).map(|s| format!("did you mean `{s}`?"))
            };
            errs.push(
                *span,
                format!(
                    "{what} names `{f}`, which is not a field of `{}`",
                    table.name
                ),
                help,
            );
        }
    }
    let mut seen: Vec<&str> = Vec::new();
    for (f, span) in fields {
        if seen.contains(&f.as_str()) {
            ok = false;
            errs.push(*span, format!("{what} names `{f}` twice"), None);
        }
        seen.push(f);
    }
    ok
}

/// An SQL expression over the table's columns (a check, an index key part
/// or predicate), in normal spelling; `None` after reporting what is wrong.
fn sql_over_columns(
    table: &Table,
    infos: &[FieldInfo],
    text: &str,
    span: Span,
    what: &str,
    errs: &mut Errors,
) -> Option<String> {
    let normal = match expr::normalize(text) {
        Ok(n) => n,
        Err(e) => {
            errs.push(span, format!("{what} is not valid SQL: {e}"), None);
            return None;
        }
    };
    let cols = expr::columns(&normal).unwrap_or_default();
    if cols
        .iter()
        .any(|c| infos.iter().any(|i| i.failed && i.column == *c))
    {
        return None; // the failed field is reported already
    }
    let unknown: Vec<&String> = cols
        .iter()
        .filter(|c| table.field_by_column(c).is_none())
        .collect();
    if !unknown.is_empty() {
        let names: Vec<&str> = table.fields.iter().map(|f| f.column_name()).collect();
        errs.push(
            span,
            format!(
                "{what} refers to {}, not a column of `{}`",
                unknown
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                table.name
            ),
            Some(format!("columns are: {}", names.join(", "))),
        );
        return None;
    }
    Some(normal)
}

/// One `#[model(index(...))]` as an index of `table`, or `None` after
/// reporting what is wrong with it.
fn index_of(
    table: &Table,
    ia: &IndexAttr,
    span: Span,
    infos: &[FieldInfo],
    skipped: &[String],
    errs: &mut Errors,
) -> Option<Index> {
    if ia.fields.is_empty() && ia.expressions.is_empty() {
        errs.push(
            span,
            "index(...) needs fields(\"a\", …) or expressions(\"lower(a)\", …)".into(),
            None,
        );
        return None;
    }
    let before = errs.0.len();
    let mut descending: Vec<bool> = Vec::new();
    let fields: Vec<(String, Span)> = ia
        .fields
        .iter()
        .map(|(f, s)| {
            let (name, desc) = split_order(f);
            descending.push(desc);
            (name.to_string(), *s)
        })
        .collect();
    let fields_ok = check_fields(table, &fields, infos, skipped, "index", errs);
    let mut expressions: Vec<String> = Vec::new();
    for (e, s) in &ia.expressions {
        let (sql, desc) = split_order(e);
        descending.push(desc);
        if let Some(n) = sql_over_columns(table, infos, sql, *s, "index expression", errs) {
            expressions.push(n);
        }
    }
    if !ia.expressions.is_empty() && ia.name.is_none() {
        errs.push(
            span,
            "an index with expressions needs a name: there are no columns to derive one from"
                .into(),
            Some("add name = \"…\" to the index(...)".into()),
        );
    }
    let include_ok = check_fields(table, &ia.include, infos, skipped, "include", errs);
    let using = match &ia.using {
        None => None,
        Some((u, s)) => match IndexMethod::parse(u) {
            Some(m) => m,
            None => {
                errs.push(
                    *s,
                    format!("unknown index method `{u}`"),
                    Some(format!(
                        "expected one of: {}",
                        IndexMethod::NAMES.join(", ")
                    )),
                );
                None
            }
        },
    };
    let predicate = ia
        .predicate
        .as_ref()
        .and_then(|(p, s)| sql_over_columns(table, infos, p, *s, "index predicate (where)", errs));
    let parts = ia.fields.len() + ia.expressions.len();
    let mut opclasses: Vec<String> = Vec::new();
    if let Some((list, s)) = &ia.opclasses {
        if list.len() > parts {
            errs.push(
                *s,
                format!(
                    "opclasses names {} operator classes for {parts} key parts",
                    list.len()
                ),
                Some("give one per key part, in order (\"\" for the default)".into()),
            );
        }
        opclasses = list.iter().map(|(o, _)| o.trim().to_string()).collect();
    }
    let mut prefix_lengths: Vec<u32> = Vec::new();
    if let Some((list, s)) = &ia.prefix_lengths {
        if list.len() > parts {
            errs.push(
                *s,
                format!(
                    "prefix_lengths gives {} lengths for {parts} key parts",
                    list.len()
                ),
                Some("give one per key part, in order (0 for the whole value)".into()),
            );
        }
        for (i, (n, ns)) in list.iter().enumerate() {
            if *n > 0 && i >= ia.fields.len() && i < parts {
                errs.push(
                    *ns,
                    format!(
                        "key part {} is an expression, which takes no prefix length",
                        i + 1
                    ),
                    Some("give 0 for it".into()),
                );
            }
        }
        prefix_lengths = list.iter().map(|(n, _)| *n).collect();
    }
    if ia.unique && using.is_some() {
        let s = ia.using.as_ref().map_or(span, |(_, s)| *s);
        errs.push(
            s,
            format!(
                "a unique index is a B-tree: `using = \"{}\"` cannot enforce uniqueness",
                using.map_or("btree", IndexMethod::as_str)
            ),
            Some("drop `unique`, or `using`".into()),
        );
    }
    if errs.0.len() > before || !fields_ok || !include_ok {
        return None;
    }
    Some(Index {
        name: name_value(&ia.name, "name", errs),
        fields: fields.into_iter().map(|(f, _)| f).collect(),
        unique: ia.unique,
        concurrently: ia.concurrently,
        include: ia.include.iter().map(|(f, _)| f.clone()).collect(),
        options: IndexOptions {
            expressions,
            descending,
            using,
            predicate,
            opclasses,
            prefix_lengths,
        }
        .tidy(parts),
    })
}

fn name_value(name: &Option<(String, Span)>, key: &str, errs: &mut Errors) -> Option<String> {
    let (n, span) = name.as_ref()?;
    if n.trim().is_empty() {
        errs.push(*span, format!("`{key}` is empty"), None);
        return None;
    }
    if n.len() > crate::names::MAX_IDENTIFIER_LEN {
        errs.push(*span, format!("name `{n}` is longer than 63 bytes"), None);
    }
    Some(n.clone())
}

fn read_model_level(
    table: &mut Table,
    m: &ModelAttrs,
    infos: &[FieldInfo],
    skipped: &[String],
    struct_span: Span,
    errs: &mut Errors,
) {
    if let Some((t, span)) = &m.table {
        if t.trim().is_empty() {
            errs.push(*span, "`table` is empty".into(), None);
        } else if *t != table.table_name() {
            table.db_table = Some(t.clone());
        }
    }
    if let Some((app, span)) = &m.app
        && !crate::names::is_identifier(app)
    {
        errs.push(
            *span,
            format!("app label `{app}` must be an identifier (letters, digits, _)"),
            None,
        );
    }
    if let Some((r, span)) = &m.renamed_from
        && (*r == table.name || !crate::names::is_identifier(r))
    {
        errs.push(
            *span,
            format!("`renamed_from = \"{r}\"` must name the struct's previous name"),
            None,
        );
    }
    table.comment = m.comment.as_ref().map(|(c, _)| c.clone());
    table.managed = m.managed.as_ref().is_none_or(|(v, _)| *v);

    // Primary key: one field, or the model-level list.
    let pk_fields: Vec<(&String, Span)> = infos
        .iter()
        .filter(|i| table.field(&i.name).is_some_and(|f| f.primary_key))
        .map(|i| (&i.name, i.pk_span.unwrap_or(i.span)))
        .collect();
    let failed_pk = infos.iter().any(|i| i.failed && i.pk_span.is_some());
    match (&m.primary_key, pk_fields.len()) {
        (Some((_, span)), n) if n > 0 => errs.push(
            *span,
            "the primary key is given both on a field and in #[model(primary_key(...))]".into(),
            Some("keep one".into()),
        ),
        (Some((fields, span)), _) => {
            if fields.is_empty() {
                errs.push(*span, "`primary_key(...)` lists no fields".into(), None);
            } else if check_fields(table, fields, infos, skipped, "primary_key", errs) {
                for (f, fspan) in fields {
                    if table.field(f).is_some_and(|f| f.null) {
                        errs.push(
                            *fspan,
                            format!("primary key field `{f}` cannot be an Option"),
                            None,
                        );
                    }
                }
                table.composite_primary_key = fields.iter().map(|(f, _)| f.clone()).collect();
            }
        }
        (None, 0) if failed_pk => {}
        (None, 0) => errs.push(
            struct_span,
            format!("model `{}` has no primary key", table.name),
            Some(
                "add #[field(primary_key)] pub id: i64, or #[model(primary_key(\"a\", \"b\"))]"
                    .into(),
            ),
        ),
        (None, 1) => {}
        (None, _) => {
            for (name, span) in &pk_fields[1..] {
                errs.push(
                    *span,
                    format!("`{name}` is a second primary key field of `{}`", table.name),
                    Some(format!(
                        "for a composite key write #[model(primary_key({}))] on the struct",
                        pk_fields
                            .iter()
                            .map(|(n, _)| format!("\"{n}\""))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                );
            }
        }
    }

    for (key, value) in [("charset", &m.charset), ("collation", &m.collation)] {
        let Some((v, span)) = value else { continue };
        if v.trim().is_empty() {
            errs.push(*span, format!("`{key}` is empty"), None);
        } else if key == "charset" {
            table.charset = Some(v.trim().to_string());
        } else {
            table.collation = Some(v.trim().to_string());
        }
    }

    if let Some((key, span)) = &m.partition_by {
        match crate::partition::normalize(key) {
            Ok(normal) => {
                let unknown: Vec<String> = crate::partition::columns(&normal)
                    .into_iter()
                    .filter(|c| table.field_by_column(c).is_none())
                    .collect();
                if unknown.is_empty() {
                    table.partition_by = Some(normal);
                } else {
                    let names: Vec<&str> = table.fields.iter().map(|f| f.column_name()).collect();
                    errs.push(
                        *span,
                        format!(
                            "partition_by names {}, not a column of `{}`",
                            unknown
                                .iter()
                                .map(|c| format!("`{c}`"))
                                .collect::<Vec<_>>()
                                .join(", "),
                            table.name
                        ),
                        Some(format!("columns are: {}", names.join(", "))),
                    );
                }
            }
            Err(e) => errs.push(*span, e, None),
        }
    }

    if let Some((n, span)) = &m.pk_name {
        if n.trim().is_empty() {
            errs.push(*span, "`pk_name` is empty".into(), None);
        } else if *n != table.derived_primary_key_name() {
            // A name equal to the derived one is the derived one (it follows renames).
            table.pk_name = Some(n.clone());
        }
    }

    // Two fields on one column.
    let mut columns: Vec<(&str, &str)> = Vec::new();
    let mut column_clash = false;
    for i in infos {
        if let Some((other, _)) = columns.iter().find(|(c, _)| *c == i.column) {
            column_clash = true;
            errs.push(
                i.column_span.unwrap_or(i.span),
                format!(
                    "fields `{other}` and `{}` both map to column `{}`",
                    i.name, i.column
                ),
                Some("give one of them another column = \"…\"".into()),
            );
        }
        columns.push((&i.column, &i.name));
    }

    for (ia, span) in &m.indexes {
        if let Some(ix) = index_of(table, ia, *span, infos, skipped, errs) {
            table.indexes.push(ix);
        }
    }
    for (ua, span) in &m.uniques {
        if ua.fields.is_empty() {
            errs.push(*span, "unique(...) needs fields(\"a\", …)".into(), None);
            continue;
        }
        if !check_fields(table, &ua.fields, infos, skipped, "unique", errs) {
            continue;
        }
        table.constraints.push(Constraint::Unique {
            name: name_value(&ua.name, "name", errs),
            fields: ua.fields.iter().map(|(f, _)| f.clone()).collect(),
        });
    }
    for (ca, span) in &m.checks {
        let Some((text, espan)) = &ca.expr else {
            errs.push(*span, "check(...) needs expr = \"…\"".into(), None);
            continue;
        };
        let Some(normal) = sql_over_columns(table, infos, text, *espan, "check expression", errs)
        else {
            continue;
        };
        table.constraints.push(Constraint::Check {
            name: name_value(&ca.name, "name", errs),
            expr: normal,
        });
    }

    // A generated column is computed from the table's other columns.
    let generated: Vec<(String, String, String)> = table
        .fields
        .iter()
        .filter_map(|f| {
            f.generated
                .as_ref()
                .map(|g| (f.name.clone(), f.column_name().to_string(), g.expr.clone()))
        })
        .collect();
    for (field, column, sql) in generated {
        let span = infos
            .iter()
            .find(|i| i.name == field)
            .map_or(struct_span, |i| i.span);
        let what = format!("the generated expression of `{field}`");
        if let Some(normal) = sql_over_columns(table, infos, &sql, span, &what, errs)
            && expr::columns(&normal).unwrap_or_default().contains(&column)
        {
            errs.push(span, format!("{what} refers to the column itself"), None);
        }
    }

    // Explicit names that equal the derived ones are stored as derived, so
    // renames treat both spellings alike.
    let t = table.clone();
    for idx in table
        .indexes
        .iter_mut()
        .filter(|ix| ix.options.expressions.is_empty())
    {
        let derived = t
            .index_name(&Index {
                name: None,
                ..idx.clone()
            })
            .name;
        if idx.name.as_deref() == Some(derived.as_str()) {
            idx.name = None;
        }
    }
    for c in &mut table.constraints {
        let mut unnamed = c.clone();
        unnamed.set_name(None);
        if c.explicit_name() == Some(t.constraint_name(&unnamed).name.as_str()) {
            c.set_name(None);
        }
    }
    for f in &mut table.fields {
        let derived = t.derived_fk_name(f);
        if let Some(r) = &mut f.references
            && r.name.as_deref() == Some(derived.as_str())
        {
            r.name = None;
        }
    }

    // Names must be unique within the struct (across the project: the scanner).
    // Only checked on an otherwise sound struct: a column clash or a failed
    // field would make this a second report of the same mistake.
    if column_clash || infos.iter().any(|i| i.failed) {
        return;
    }
    let explicit_spans: Vec<(String, Span)> = m
        .indexes
        .iter()
        .filter_map(|(ia, _)| ia.name.clone())
        .chain(m.uniques.iter().filter_map(|(ua, _)| ua.name.clone()))
        .chain(m.checks.iter().filter_map(|(ca, _)| ca.name.clone()))
        .chain(infos.iter().filter_map(|i| i.fk_name.clone()))
        .collect();
    let mut seen: Vec<(String, crate::NamedObject<'_>)> = Vec::new();
    for (name, what) in table.all_object_names() {
        if let Some((_, other)) = seen.iter().find(|(n, _)| *n == name) {
            let span = explicit_spans
                .iter()
                .rev()
                .find(|(n, _)| *n == name)
                .map(|(_, s)| *s)
                .unwrap_or(struct_span);
            errs.push(
                span,
                format!(
                    "`{}` has two objects named `{name}`: {other} and {what}",
                    table.name
                ),
                Some("give one of them another name = \"…\"".into()),
            );
        }
        seen.push((name, what));
    }
}

#[cfg(test)]
mod tests;
