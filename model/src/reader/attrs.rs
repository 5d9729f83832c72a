//! Parsing `#[model(...)]` and `#[field(...)]` attributes into values with spans.

use super::{Errors, suggest};
use crate::default::Literal;
use crate::schema::Auto;
use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned as _;
use syn::{Attribute, Expr, Lit, LitStr, Token, UnOp};

/// A value and where it was written.
pub(crate) type Spanned<T> = Option<(T, Span)>;

pub(crate) const FIELD_KEYS: &[&str] = &[
    "primary_key",
    "auto",
    "unique",
    "index",
    "skip",
    "max_length",
    "max_digits",
    "decimal_places",
    "default",
    "default_sql",
    "column",
    "comment",
    "references",
    "to_field",
    "on_delete",
    "on_update",
    "fk_name",
    "sql_type",
    "renamed_from",
    "collation",
    "charset",
    "on_update_sql",
    "generated",
    "stored",
];

pub(crate) const MODEL_KEYS: &[&str] = &[
    "app",
    "table",
    "comment",
    "managed",
    "renamed_from",
    "index",
    "unique",
    "check",
    "primary_key",
    "pk_name",
    "charset",
    "collation",
    "partition_by",
];

#[derive(Default)]
pub(crate) struct FieldAttrs {
    pub primary_key: Spanned<bool>,
    pub auto: Spanned<Auto>,
    pub unique: Spanned<bool>,
    pub index: Spanned<bool>,
    pub skip: Spanned<bool>,
    pub max_length: Spanned<u32>,
    pub max_digits: Spanned<u32>,
    pub decimal_places: Spanned<u32>,
    pub default: Spanned<Literal>,
    pub default_sql: Spanned<String>,
    pub column: Spanned<String>,
    pub comment: Spanned<String>,
    pub references: Spanned<String>,
    pub to_field: Spanned<String>,
    pub on_delete: Spanned<String>,
    pub on_update: Spanned<String>,
    pub fk_name: Spanned<String>,
    pub sql_type: Spanned<String>,
    pub renamed_from: Spanned<String>,
    pub collation: Spanned<String>,
    pub charset: Spanned<String>,
    pub on_update_sql: Spanned<String>,
    pub generated: Spanned<String>,
    pub stored: Spanned<bool>,
    /// Every key given, with its span, in order (for "does not apply" errors).
    pub given: Vec<(&'static str, Span)>,
    /// A value could not be read: the field's other checks would only repeat the problem.
    pub broken: bool,
}

impl FieldAttrs {
    pub fn span_of(&self, key: &str) -> Option<Span> {
        self.given.iter().find(|(k, _)| *k == key).map(|(_, s)| *s)
    }
}

pub(crate) struct IndexAttr {
    pub name: Spanned<String>,
    /// As written: a field name, possibly followed by ` DESC`/` ASC`.
    pub fields: Vec<(String, Span)>,
    pub unique: bool,
    pub concurrently: bool,
    /// As written: SQL, possibly followed by ` DESC`/` ASC`.
    pub expressions: Vec<(String, Span)>,
    pub using: Spanned<String>,
    pub predicate: Spanned<String>,
    pub include: Vec<(String, Span)>,
    pub opclasses: Spanned<Vec<(String, Span)>>,
    pub prefix_lengths: Spanned<Vec<(u32, Span)>>,
}

pub(crate) struct UniqueAttr {
    pub name: Spanned<String>,
    pub fields: Vec<(String, Span)>,
}

pub(crate) struct CheckAttr {
    pub name: Spanned<String>,
    pub expr: Spanned<String>,
}

#[derive(Default)]
pub(crate) struct ModelAttrs {
    pub app: Spanned<String>,
    pub table: Spanned<String>,
    pub comment: Spanned<String>,
    pub managed: Spanned<bool>,
    pub renamed_from: Spanned<String>,
    pub indexes: Vec<(IndexAttr, Span)>,
    pub uniques: Vec<(UniqueAttr, Span)>,
    pub checks: Vec<(CheckAttr, Span)>,
    pub primary_key: Spanned<Vec<(String, Span)>>,
    pub pk_name: Spanned<String>,
    pub charset: Spanned<String>,
    pub collation: Spanned<String>,
    pub partition_by: Spanned<String>,
}

fn key_of(meta: &ParseNestedMeta) -> String {
    meta.path
        .get_ident()
        .map(|i| i.to_string())
        .unwrap_or_else(|| {
            meta.path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect::<Vec<_>>()
                .join("::")
        })
}

/// `key` alone means true; `key = true|false` says which.
fn flag(meta: &ParseNestedMeta) -> syn::Result<bool> {
    if meta.input.peek(Token![=]) {
        let key = key_of(meta);
        let lit: syn::LitBool = meta.value()?.parse().map_err(|e: syn::Error| {
            syn::Error::new(
                e.span(),
                format!("`{key}` takes true or false, or nothing: {key} = false"),
            )
        })?;
        Ok(lit.value)
    } else {
        Ok(true)
    }
}

/// `auto` alone or `= true|false`, or a key form `= "rowid"|"sequence"`.
fn auto_value(meta: &ParseNestedMeta) -> syn::Result<Auto> {
    if !meta.input.peek(Token![=]) {
        return Ok(Auto::Yes);
    }
    let lit: Lit = meta.value()?.parse()?;
    let bad = |span: Span| {
        syn::Error::new(
            span,
            "`auto` takes true or false, or a key form: auto = \"rowid\" (SQLite's row-id key), auto = \"sequence\" (a PostgreSQL sequence default)",
        )
    };
    match &lit {
        Lit::Bool(b) => Ok(Auto::from_flag(b.value)),
        Lit::Str(s) => Auto::parse(&s.value()).ok_or_else(|| bad(s.span())),
        other => Err(bad(other.span())),
    }
}

fn string(meta: &ParseNestedMeta) -> syn::Result<(String, Span)> {
    let key = key_of(meta);
    let lit: LitStr = meta.value()?.parse().map_err(|e: syn::Error| {
        syn::Error::new(
            e.span(),
            format!("`{key}` takes a string in double quotes: {key} = \"…\""),
        )
    })?;
    Ok((lit.value(), lit.span()))
}

fn number(meta: &ParseNestedMeta) -> syn::Result<(u32, Span)> {
    let key = key_of(meta);
    let lit: syn::LitInt = meta.value()?.parse().map_err(|e: syn::Error| {
        syn::Error::new(
            e.span(),
            format!("`{key}` takes a whole number: {key} = 100"),
        )
    })?;
    let n = lit.base10_parse::<u32>().map_err(|_| {
        syn::Error::new(
            lit.span(),
            format!(
                "`{key} = {}` is too large (at most {})",
                lit.base10_digits(),
                u32::MAX
            ),
        )
    })?;
    Ok((n, lit.span()))
}

/// A Rust literal for `default = …`: string, integer (possibly negative), float, bool.
fn literal(meta: &ParseNestedMeta) -> syn::Result<(Literal, Span)> {
    let expr: Expr = meta.value()?.parse()?;
    let span = expr.span();
    let bad = || {
        syn::Error::new(
            span,
            "default must be a literal: a string (\"ACTIVO\"), a number (0, 2.5) or true/false; \
             for an SQL expression use default_sql = \"…\"",
        )
    };
    let (lit, negative) = match &expr {
        Expr::Lit(l) => (&l.lit, false),
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => match &*u.expr {
            Expr::Lit(l) => (&l.lit, true),
            _ => return Err(bad()),
        },
        _ => return Err(bad()),
    };
    let value = match (lit, negative) {
        (Lit::Str(s), false) => Literal::Str(s.value()),
        (Lit::Bool(b), false) => Literal::Bool(b.value),
        (Lit::Int(i), neg) => {
            let text = if neg {
                format!("-{}", i.base10_digits())
            } else {
                i.base10_digits().to_string()
            };
            Literal::Int(text.parse::<i64>().map_err(|_| {
                syn::Error::new(
                    span,
                    format!("default {text} does not fit in 64 bits (i64)"),
                )
            })?)
        }
        (Lit::Float(f), neg) => {
            let x: f64 = f.base10_parse()?;
            Literal::Float(if neg { -x } else { x })
        }
        _ => return Err(bad()),
    };
    Ok((value, span))
}

/// `(10, 0, 4)`: whole numbers in parentheses.
fn parenthesized_numbers(meta: &ParseNestedMeta) -> syn::Result<Vec<(u32, Span)>> {
    let key = key_of(meta);
    let content;
    syn::parenthesized!(content in meta.input);
    let lits = Punctuated::<syn::LitInt, Token![,]>::parse_terminated(&content).map_err(|e| {
        syn::Error::new(
            e.span(),
            format!("`{key}` takes whole numbers in parentheses: {key}(10, 0)"),
        )
    })?;
    lits.iter()
        .map(|l| {
            l.base10_parse::<u32>()
                .map(|n| (n, l.span()))
                .map_err(|_| syn::Error::new(l.span(), format!("`{key}` takes whole numbers")))
        })
        .collect()
}

fn parenthesized_strings(meta: &ParseNestedMeta) -> syn::Result<Vec<(String, Span)>> {
    let content;
    syn::parenthesized!(content in meta.input);
    let lits = Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?;
    Ok(lits.iter().map(|l| (l.value(), l.span())).collect())
}

fn set<T>(slot: &mut Spanned<T>, value: (T, Span), key: &str, key_span: Span, errs: &mut Errors) {
    if slot.is_some() {
        errs.push(key_span, format!("duplicate attribute `{key}`"), None);
    } else {
        *slot = Some(value);
    }
}

fn unknown(context: &str, key: &str, known: &[&str]) -> (String, Option<String>) {
    let help = match suggest(key, known) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("expected one of: {}", known.join(", ")),
    };
    (
        format!("unknown attribute `{key}` in {context}"),
        Some(help),
    )
}

/// Skips the value of an unknown key (`= expr` or `(…)`) so later keys are still read.
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        let _: Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        let _: proc_macro2::TokenTree = meta.input.parse()?;
    }
    Ok(())
}

/// Reads every `#[field(...)]` on a field.
pub(crate) fn field_attrs(attrs: &[Attribute], errs: &mut Errors) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("field")) {
        let result = attr.parse_nested_meta(|meta| {
            let key = key_of(&meta);
            let ks = meta.path.span();
            let Some(&known) = FIELD_KEYS.iter().find(|k| **k == key) else {
                let (msg, help) = unknown("#[field(...)]", &key, FIELD_KEYS);
                errs.push(ks, msg, help);
                return skip_value(&meta);
            };
            out.given.push((known, ks));
            match known {
                "primary_key" => set(&mut out.primary_key, (flag(&meta)?, ks), known, ks, errs),
                "auto" => set(&mut out.auto, (auto_value(&meta)?, ks), known, ks, errs),
                "unique" => set(&mut out.unique, (flag(&meta)?, ks), known, ks, errs),
                "index" => set(&mut out.index, (flag(&meta)?, ks), known, ks, errs),
                "skip" => set(&mut out.skip, (flag(&meta)?, ks), known, ks, errs),
                "max_length" => set(&mut out.max_length, number(&meta)?, known, ks, errs),
                "max_digits" => set(&mut out.max_digits, number(&meta)?, known, ks, errs),
                "decimal_places" => set(&mut out.decimal_places, number(&meta)?, known, ks, errs),
                "default" => set(&mut out.default, literal(&meta)?, known, ks, errs),
                "default_sql" => set(&mut out.default_sql, string(&meta)?, known, ks, errs),
                "column" => set(&mut out.column, string(&meta)?, known, ks, errs),
                "comment" => set(&mut out.comment, string(&meta)?, known, ks, errs),
                "references" => set(&mut out.references, string(&meta)?, known, ks, errs),
                "to_field" => set(&mut out.to_field, string(&meta)?, known, ks, errs),
                "on_delete" => set(&mut out.on_delete, string(&meta)?, known, ks, errs),
                "on_update" => set(&mut out.on_update, string(&meta)?, known, ks, errs),
                "fk_name" => set(&mut out.fk_name, string(&meta)?, known, ks, errs),
                "sql_type" => set(&mut out.sql_type, string(&meta)?, known, ks, errs),
                "renamed_from" => set(&mut out.renamed_from, string(&meta)?, known, ks, errs),
                "collation" => set(&mut out.collation, string(&meta)?, known, ks, errs),
                "charset" => set(&mut out.charset, string(&meta)?, known, ks, errs),
                "on_update_sql" => set(&mut out.on_update_sql, string(&meta)?, known, ks, errs),
                "generated" => set(&mut out.generated, string(&meta)?, known, ks, errs),
                "stored" => set(&mut out.stored, (flag(&meta)?, ks), known, ks, errs),
                _ => unreachable!("FIELD_KEYS and this match list the same keys"),
            }
            Ok(())
        });
        if let Err(e) = result {
            out.broken = true;
            errs.push(e.span(), e.to_string(), None);
        }
    }
    out
}

fn index_attr(meta: &ParseNestedMeta, errs: &mut Errors) -> syn::Result<IndexAttr> {
    let (mut name, mut fields, mut unique, mut concurrently) = (None, None, None, None);
    let (mut expressions, mut using, mut predicate, mut include) = (None, None, None, None);
    let (mut opclasses, mut prefix_lengths) = (None, None);
    meta.parse_nested_meta(|inner| {
        let key = key_of(&inner);
        let ks = inner.path.span();
        match key.as_str() {
            "name" => set(&mut name, string(&inner)?, "name", ks, errs),
            "fields" => set(
                &mut fields,
                (parenthesized_strings(&inner)?, ks),
                "fields",
                ks,
                errs,
            ),
            "unique" => set(&mut unique, (flag(&inner)?, ks), "unique", ks, errs),
            "concurrently" => set(
                &mut concurrently,
                (flag(&inner)?, ks),
                "concurrently",
                ks,
                errs,
            ),
            "expressions" => set(
                &mut expressions,
                (parenthesized_strings(&inner)?, ks),
                "expressions",
                ks,
                errs,
            ),
            "using" => set(&mut using, string(&inner)?, "using", ks, errs),
            "where" => set(&mut predicate, string(&inner)?, "where", ks, errs),
            "include" => set(
                &mut include,
                (parenthesized_strings(&inner)?, ks),
                "include",
                ks,
                errs,
            ),
            "opclasses" => set(
                &mut opclasses,
                (parenthesized_strings(&inner)?, ks),
                "opclasses",
                ks,
                errs,
            ),
            "prefix_lengths" => set(
                &mut prefix_lengths,
                (parenthesized_numbers(&inner)?, ks),
                "prefix_lengths",
                ks,
                errs,
            ),
            other => {
                let known = [
                    "name",
                    "fields",
                    "unique",
                    "concurrently",
                    "expressions",
                    "using",
                    "where",
                    "include",
                    "opclasses",
                    "prefix_lengths",
                ];
                let (msg, help) = unknown("#[model(index(...))]", other, &known);
                errs.push(ks, msg, help);
                skip_value(&inner)?;
            }
        }
        Ok(())
    })?;
    Ok(IndexAttr {
        name,
        fields: fields.map(|(f, _)| f).unwrap_or_default(),
        unique: unique.is_some_and(|(v, _)| v),
        concurrently: concurrently.is_some_and(|(v, _)| v),
        expressions: expressions.map(|(e, _)| e).unwrap_or_default(),
        using,
        predicate,
        include: include.map(|(f, _)| f).unwrap_or_default(),
        opclasses,
        prefix_lengths,
    })
}

fn unique_attr(meta: &ParseNestedMeta, errs: &mut Errors) -> syn::Result<UniqueAttr> {
    let (mut name, mut fields) = (None, None);
    meta.parse_nested_meta(|inner| {
        let key = key_of(&inner);
        let ks = inner.path.span();
        match key.as_str() {
            "name" => set(&mut name, string(&inner)?, "name", ks, errs),
            "fields" => set(
                &mut fields,
                (parenthesized_strings(&inner)?, ks),
                "fields",
                ks,
                errs,
            ),
            other => {
                let (msg, help) = unknown("#[model(unique(...))]", other, &["name", "fields"]);
                errs.push(ks, msg, help);
                skip_value(&inner)?;
            }
        }
        Ok(())
    })?;
    Ok(UniqueAttr {
        name,
        fields: fields.map(|(f, _)| f).unwrap_or_default(),
    })
}

fn check_attr(meta: &ParseNestedMeta, errs: &mut Errors) -> syn::Result<CheckAttr> {
    let mut out = CheckAttr {
        name: None,
        expr: None,
    };
    meta.parse_nested_meta(|inner| {
        let key = key_of(&inner);
        let ks = inner.path.span();
        match key.as_str() {
            "name" => set(&mut out.name, string(&inner)?, "name", ks, errs),
            "expr" => set(&mut out.expr, string(&inner)?, "expr", ks, errs),
            other => {
                let (msg, help) = unknown("#[model(check(...))]", other, &["name", "expr"]);
                errs.push(ks, msg, help);
                skip_value(&inner)?;
            }
        }
        Ok(())
    })?;
    Ok(out)
}

/// Reads every `#[model(...)]` on a struct.
pub(crate) fn model_attrs(attrs: &[Attribute], errs: &mut Errors) -> ModelAttrs {
    let mut out = ModelAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("model")) {
        let result = attr.parse_nested_meta(|meta| {
            let key = key_of(&meta);
            let ks = meta.path.span();
            match key.as_str() {
                "app" => set(&mut out.app, string(&meta)?, "app", ks, errs),
                "table" => set(&mut out.table, string(&meta)?, "table", ks, errs),
                "comment" => set(&mut out.comment, string(&meta)?, "comment", ks, errs),
                "managed" => set(&mut out.managed, (flag(&meta)?, ks), "managed", ks, errs),
                "pk_name" => set(&mut out.pk_name, string(&meta)?, "pk_name", ks, errs),
                "charset" => set(&mut out.charset, string(&meta)?, "charset", ks, errs),
                "collation" => set(&mut out.collation, string(&meta)?, "collation", ks, errs),
                "partition_by" => set(
                    &mut out.partition_by,
                    string(&meta)?,
                    "partition_by",
                    ks,
                    errs,
                ),
                "renamed_from" => set(
                    &mut out.renamed_from,
                    string(&meta)?,
                    "renamed_from",
                    ks,
                    errs,
                ),
                "index" => out.indexes.push((index_attr(&meta, errs)?, ks)),
                "unique" => out.uniques.push((unique_attr(&meta, errs)?, ks)),
                "check" => out.checks.push((check_attr(&meta, errs)?, ks)),
                "primary_key" => {
                    let fields = parenthesized_strings(&meta)?;
                    set(&mut out.primary_key, (fields, ks), "primary_key", ks, errs)
                }
                other => {
                    let (msg, help) = unknown("#[model(...)]", other, MODEL_KEYS);
                    errs.push(ks, msg, help);
                    skip_value(&meta)?;
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            errs.push(e.span(), e.to_string(), None);
        }
    }
    out
}

/// The doc comment of an item, lines joined, or None.
pub(crate) fn doc_comment(attrs: &[Attribute]) -> Option<String> {
    let mut lines = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("doc")) {
        if let syn::Meta::NameValue(nv) = &attr.meta
            && let Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s), ..
            }) = &nv.value
        {
            let v = s.value();
            lines.push(v.strip_prefix(' ').unwrap_or(&v).trim_end().to_string());
        }
    }
    let text = lines.join("\n").trim().to_string();
    (!text.is_empty()).then_some(text)
}
