//! The reader's inverse, the struct printer of `remodel inspectdb` and
//! `check --adopt`: Rust source for models, one `#[derive(Model)]` struct
//! per table, written with exactly the attributes the reader
//! ([`super::read_model`]) accepts, so that reading the text gives back the
//! same tables.
//!
//! It is pure: a schema in, text out. Names Rust cannot spell (a column
//! `Odd Col`, a keyword, a table `order-lines`) get a cleaned-up field or
//! struct name and keep the database's with `column`/`table`. A default no
//! Rust literal can write (an infinite float) is left out with a
//! `// remodel:` comment above its field, so it is not dropped silently.

use crate::names::{is_identifier, snake_case};
use crate::{
    ColumnDefault, ColumnType, Constraint, Field, Literal, OnDelete, Schema, Table, split_key,
};
use std::collections::BTreeMap;

/// Rust source for the models of `tables` (keys `app.Model` of `schema`), one
/// `#[derive(Model)]` struct each, in the given order, with
/// `use remodel::Model;` once at the top. Keys the schema does not hold are
/// skipped.
pub fn render(schema: &Schema, tables: &[String]) -> String {
    let names = Names::of(schema);
    let mut out = String::from("use remodel::Model;\n");
    for key in tables {
        let Some(table) = schema.table(key) else {
            continue;
        };
        out.push('\n');
        render_table(&mut out, table, &names);
    }
    out
}

/// The Rust names every model and field of the schema is printed with:
/// struct and field names as the schema has them when they are usable Rust
/// identifiers, else a cleaned-up spelling (with `table`/`column` keeping
/// the database name).
struct Names {
    /// `app.Model` → the struct name.
    structs: BTreeMap<String, String>,
    /// `app.Model` → field name → the field's identifier.
    fields: BTreeMap<String, BTreeMap<String, String>>,
}

impl Names {
    fn of(schema: &Schema) -> Names {
        let mut structs = BTreeMap::new();
        let mut fields = BTreeMap::new();
        for (key, t) in &schema.tables {
            structs.insert(key.clone(), struct_ident(&t.name));
            let mut taken: Vec<String> = Vec::new();
            let mut map = BTreeMap::new();
            // Usable names first, so a cleaned-up one never takes theirs.
            for f in t.fields.iter().filter(|f| usable(&f.name)) {
                taken.push(f.name.clone());
                map.insert(f.name.clone(), f.name.clone());
            }
            for f in t.fields.iter().filter(|f| !usable(&f.name)) {
                let base = field_ident(&f.name);
                let mut ident = base.clone();
                let mut n = 2;
                while taken.contains(&ident) {
                    let sep = if base.ends_with('_') { "" } else { "_" };
                    ident = format!("{base}{sep}{n}");
                    n += 1;
                }
                taken.push(ident.clone());
                map.insert(f.name.clone(), ident);
            }
            fields.insert(key.clone(), map);
        }
        Names { structs, fields }
    }

    fn field<'a>(&'a self, key: &str, field: &'a str) -> &'a str {
        self.fields
            .get(key)
            .and_then(|m| m.get(field))
            .map_or(field, String::as_str)
    }

    fn fields(&self, key: &str, names: &[String]) -> Vec<String> {
        names
            .iter()
            .map(|n| self.field(key, n).to_string())
            .collect()
    }

    /// `app.Model` as `references` writes it: the target's struct name.
    fn model_ref(&self, key: &str) -> String {
        match self.structs.get(key) {
            Some(s) => format!("{}.{s}", split_key(key).0),
            None => key.to_string(),
        }
    }
}

/// Rust's keywords (strict, reserved, and those a field cannot be named).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "gen", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield", "_",
];

/// Whether a name can be written as it is: an ASCII identifier that is not
/// a keyword. (`r#type` would not do: the reader takes the field's name
/// with its `r#`.)
fn usable(name: &str) -> bool {
    is_identifier(name) && !KEYWORDS.contains(&name)
}

/// A snake_case identifier for a name that is not one.
fn field_ident(name: &str) -> String {
    let mut ident: String = snake_case(name)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    while ident.contains("__") {
        ident = ident.replace("__", "_");
    }
    let mut ident = ident.trim_matches('_').to_string();
    if ident.is_empty() || ident.starts_with(|c: char| c.is_ascii_digit()) {
        ident.insert_str(0, "f_");
    }
    if !usable(&ident) {
        ident.push('_');
    }
    ident
}

/// The struct name: the model's, or PascalCase of it when it is not usable.
fn struct_ident(name: &str) -> String {
    if usable(name) {
        return name.to_string();
    }
    let mut out = String::new();
    for word in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'T');
    }
    if !usable(&out) {
        out.push('_');
    }
    out
}

/// A Rust string literal for `s`: a raw string when it holds quotes or
/// backslashes (and nothing a raw string cannot hold), else an escaped one.
fn lit(s: &str) -> String {
    let plain_raw = !s.chars().any(char::is_control);
    if plain_raw && s.contains(['"', '\\']) {
        let mut hashes = String::from("#");
        while s.contains(&format!("\"{hashes}")) {
            hashes.push('#');
        }
        return format!("r{hashes}\"{s}\"{hashes}");
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `("a", "b")` as the reader's lists are written.
fn lit_list(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|i| lit(i)).collect();
    format!("({})", items.join(", "))
}

/// A float as a Rust literal (always with a point or an exponent), or `None`
/// for what no literal can write (infinities, NaN).
fn float_lit(x: f64) -> Option<String> {
    x.is_finite().then(|| crate::default::format_float(x))
}

/// `default = …` for a literal in its column's normal form (what the reader's
/// check gives back), or why it cannot be written.
fn default_lit(value: &Literal, ty: &ColumnType) -> Result<String, String> {
    let unwritable = |x: f64| format!("the default {x} cannot be written as a Rust literal");
    match (value, ty) {
        // Decimal defaults are kept as strings.
        (Literal::Int(i), ColumnType::Decimal { .. }) => Ok(lit(&i.to_string())),
        (Literal::Float(x), ColumnType::Decimal { .. }) => {
            float_lit(*x).map(|f| lit(&f)).ok_or_else(|| unwritable(*x))
        }
        // Integers given for floats read back as floats.
        (Literal::Int(i), ColumnType::Real | ColumnType::Double) => {
            float_lit(*i as f64).ok_or_else(|| unwritable(*i as f64))
        }
        (Literal::Float(x), _) => float_lit(*x).ok_or_else(|| unwritable(*x)),
        (Literal::Int(i), _) => Ok(i.to_string()),
        (Literal::Bool(b), _) => Ok(b.to_string()),
        (Literal::Str(s), _) => Ok(lit(s)),
    }
}

/// The Rust type of a column type, and the attributes it needs.
fn rust_type(ty: &ColumnType) -> (String, Vec<String>) {
    let plain = |rust: &str| (rust.to_string(), vec![]);
    match ty {
        ColumnType::Boolean => plain("bool"),
        ColumnType::SmallInt => plain("i16"),
        ColumnType::Integer => plain("i32"),
        ColumnType::BigInt => plain("i64"),
        ColumnType::Real => plain("f32"),
        ColumnType::Double => plain("f64"),
        ColumnType::Varchar(n) => ("String".into(), vec![format!("max_length = {n}")]),
        ColumnType::Text => plain("String"),
        ColumnType::Blob => plain("Vec<u8>"),
        ColumnType::Decimal { precision, scale } => (
            "rust_decimal::Decimal".into(),
            vec![
                format!("max_digits = {precision}"),
                format!("decimal_places = {scale}"),
            ],
        ),
        ColumnType::Date => plain("chrono::NaiveDate"),
        ColumnType::Time => plain("chrono::NaiveTime"),
        ColumnType::Timestamp => plain("chrono::NaiveDateTime"),
        ColumnType::TimestampTz => plain("chrono::DateTime<chrono::Utc>"),
        ColumnType::Uuid => plain("uuid::Uuid"),
        ColumnType::Json => plain("serde_json::Value"),
        ColumnType::Unsigned(bits) => (format!("u{bits}"), vec![]),
        ColumnType::Raw(sql) => (raw_rust_type(sql), vec![format!("sql_type = {}", lit(sql))]),
        // The enum, by its Rust name.
        ColumnType::Enum(key) => plain(crate::split_key(key).1),
    }
}

/// The Rust type that holds the values of a column whose type has no token
/// of its own, by the way a database spells the type. Such a field is
/// printed with `sql_type`, which the reader takes on any Rust type, so the
/// choice never changes the column; it tells the reader of the struct what
/// the values are: `Vec<u8>` for MySQL's blobs and binaries,
/// `chrono::DateTime<chrono::Utc>` for MySQL's TIMESTAMP (stored in UTC),
/// `i16` for YEAR, `Vec<T>` for a PostgreSQL array, `String` for ENUM, SET,
/// fixed-length strings and whatever has no closer Rust type (`tsvector`,
/// `interval`, `inet`, an enum or domain type).
pub fn raw_rust_type(sql: &str) -> String {
    let lower = sql.trim().to_ascii_lowercase();
    if let Some(element) = lower.strip_suffix("[]") {
        // PostgreSQL prints an array of any dimension with one `[]`.
        return format!("Vec<{}>", raw_rust_type(element.trim_end_matches("[]")));
    }
    if let Some(unsigned) = unsigned_rust_type(&lower) {
        return unsigned.to_string();
    }
    let name = lower.split('(').next().unwrap_or("").trim();
    let with_zone = lower.contains("with time zone");
    let without_zone = lower.contains("without time zone");
    let rust = match name.split_whitespace().next().unwrap_or("") {
        "bool" | "boolean" => "bool",
        "bit" if lower == "bit" || lower == "bit(1)" => "bool",
        "tinyint" => "i8",
        "smallint" | "int2" | "year" => "i16",
        "mediumint" | "int" | "integer" | "int4" => "i32",
        "bigint" | "int8" => "i64",
        "real" | "float4" => "f32",
        "float" => match float_precision(&lower) {
            Some(p) if p > 24 => "f64",
            _ => "f32",
        },
        "double" | "float8" => "f64",
        "decimal" | "numeric" | "dec" | "fixed" => "rust_decimal::Decimal",
        "date" => "chrono::NaiveDate",
        "datetime" | "datetime2" | "smalldatetime" => "chrono::NaiveDateTime",
        // MySQL's TIMESTAMP is stored in UTC; PostgreSQL says which it is.
        "timestamp" if without_zone => "chrono::NaiveDateTime",
        "timestamp" | "timestamptz" => "chrono::DateTime<chrono::Utc>",
        "time" if !with_zone => "chrono::NaiveTime",
        "uuid" | "uniqueidentifier" => "uuid::Uuid",
        "json" | "jsonb" => "serde_json::Value",
        "tinyblob" | "blob" | "mediumblob" | "longblob" | "binary" | "varbinary" | "bytea"
        | "image" => "Vec<u8>",
        _ => "String",
    };
    rust.to_string()
}

/// The Rust type of an unsigned integer column (MySQL's `int unsigned`,
/// `bigint(20) unsigned`), which a model declares with `sql_type`.
fn unsigned_rust_type(sql: &str) -> Option<&'static str> {
    let lower = sql.to_ascii_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    let [base, "unsigned", rest @ ..] = words.as_slice() else {
        return None;
    };
    if rest.iter().any(|w| *w != "zerofill") {
        return None;
    }
    let base = base.split('(').next().unwrap_or(base);
    Some(match base {
        "tinyint" => "u8",
        "smallint" => "u16",
        "mediumint" | "int" | "integer" => "u32",
        "bigint" => "u64",
        _ => return None,
    })
}

/// The precision of `float(p)` (`float(p, s)` included), if given.
fn float_precision(lower: &str) -> Option<u32> {
    let args = lower.split_once('(')?.1.split_once(')')?.0;
    args.split(',').next()?.trim().parse().ok()
}

/// `#[kind(a, b)]` at `indent`, one item per line when it is too long for one.
fn attribute(out: &mut String, indent: &str, kind: &str, items: &[String]) {
    let one_line = format!("{indent}#[{kind}({})]", items.join(", "));
    if one_line.len() <= 100 {
        out.push_str(&one_line);
        out.push('\n');
        return;
    }
    out.push_str(&format!("{indent}#[{kind}(\n"));
    let last = items.len().saturating_sub(1);
    for (i, item) in items.iter().enumerate() {
        let comma = if i < last { "," } else { "" };
        out.push_str(&format!("{indent}    {item}{comma}\n"));
    }
    out.push_str(&format!("{indent})]\n"));
}

fn render_table(out: &mut String, t: &Table, names: &Names) {
    let key = t.key();
    let ident = &names.structs[&key];
    out.push_str("#[derive(Model)]\n");
    attribute(out, "", "model", &[format!("app = {}", lit(&t.app))]);
    if t.table_name() != snake_case(ident) {
        attribute(
            out,
            "",
            "model",
            &[format!("table = {}", lit(&t.table_name()))],
        );
    }
    if !t.managed {
        attribute(out, "", "model", &["managed = false".into()]);
    }
    if !t.composite_primary_key.is_empty() {
        let fields = names.fields(&key, &t.composite_primary_key);
        attribute(
            out,
            "",
            "model",
            &[format!("primary_key{}", lit_list(&fields))],
        );
    }
    if let Some(n) = &t.pk_name {
        attribute(out, "", "model", &[format!("pk_name = {}", lit(n))]);
    }
    if let Some(p) = &t.partition_by {
        attribute(out, "", "model", &[format!("partition_by = {}", lit(p))]);
    }
    for ix in &t.indexes {
        let mut items = Vec::new();
        let derived = t.index_name(&crate::Index {
            name: None,
            ..ix.clone()
        });
        if let Some(n) = ix
            .name
            .as_ref()
            .filter(|n| **n != derived.name || !ix.options.expressions.is_empty())
        {
            items.push(format!("name = {}", lit(n)));
        }
        let o = &ix.options;
        let ordered = |parts: Vec<String>, first: usize| -> Vec<String> {
            parts
                .into_iter()
                .enumerate()
                .map(|(i, p)| {
                    if o.is_descending(first + i) {
                        format!("{p} DESC")
                    } else {
                        p
                    }
                })
                .collect()
        };
        if !ix.fields.is_empty() {
            items.push(format!(
                "fields{}",
                lit_list(&ordered(names.fields(&key, &ix.fields), 0))
            ));
        }
        if !o.expressions.is_empty() {
            items.push(format!(
                "expressions{}",
                lit_list(&ordered(o.expressions.clone(), ix.fields.len()))
            ));
        }
        if ix.unique {
            items.push("unique".into());
        }
        if ix.concurrently {
            items.push("concurrently".into());
        }
        if let Some(m) = o.using {
            items.push(format!("using = {}", lit(m.as_str())));
        }
        if let Some(p) = &o.predicate {
            items.push(format!("where = {}", lit(p)));
        }
        if !ix.include.is_empty() {
            items.push(format!(
                "include{}",
                lit_list(&names.fields(&key, &ix.include))
            ));
        }
        if !o.opclasses.is_empty() {
            items.push(format!("opclasses{}", lit_list(&o.opclasses)));
        }
        if !o.prefix_lengths.is_empty() {
            let list: Vec<String> = o.prefix_lengths.iter().map(u32::to_string).collect();
            items.push(format!("prefix_lengths({})", list.join(", ")));
        }
        attribute(out, "", "model", &[format!("index({})", items.join(", "))]);
    }
    for c in &t.constraints {
        let mut unnamed = c.clone();
        unnamed.set_name(None);
        let derived = t.constraint_name(&unnamed).name;
        let name = c
            .explicit_name()
            .filter(|n| *n != derived)
            .map(|n| format!("name = {}", lit(n)));
        let item = match c {
            Constraint::Unique { fields, .. } => {
                let mut items: Vec<String> = name.into_iter().collect();
                items.push(format!("fields{}", lit_list(&names.fields(&key, fields))));
                format!("unique({})", items.join(", "))
            }
            Constraint::Check { expr, .. } => {
                let mut items: Vec<String> = name.into_iter().collect();
                items.push(format!("expr = {}", lit(expr)));
                format!("check({})", items.join(", "))
            }
        };
        attribute(out, "", "model", &[item]);
    }
    if let Some(c) = &t.comment {
        attribute(out, "", "model", &[format!("comment = {}", lit(c))]);
    }
    let mut charset = Vec::new();
    if let Some(c) = &t.charset {
        charset.push(format!("charset = {}", lit(c)));
    }
    if let Some(c) = &t.collation {
        charset.push(format!("collation = {}", lit(c)));
    }
    if !charset.is_empty() {
        attribute(out, "", "model", &charset);
    }
    out.push_str(&format!("pub struct {ident} {{\n"));
    for f in &t.fields {
        render_field(out, t, f, names);
    }
    out.push_str("}\n");
}

fn render_field(out: &mut String, t: &Table, f: &Field, names: &Names) {
    let key = t.key();
    let ident = names.field(&key, &f.name);
    let mut items: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    if f.primary_key {
        items.push("primary_key".into());
    }
    match f.auto.as_str() {
        Some(form) => items.push(format!("auto = {}", lit(form))),
        None if f.primary_key && f.ty.is_integer() && !f.auto.is_auto() => {
            items.push("auto = false".into())
        }
        // A raw integer type, or a field that is not the key, is numbered
        // only when `auto` says so.
        None if f.auto.is_auto() && (!f.ty.is_integer() || !f.primary_key) => {
            items.push("auto".into())
        }
        None => {}
    }
    if f.unique {
        items.push("unique".into());
    }
    if f.index != f.default_index() {
        items.push(if f.index { "index" } else { "index = false" }.into());
    }
    if ident != f.name || f.column.is_some() {
        items.push(format!("column = {}", lit(f.column_name())));
    }
    let (rust, type_items) = rust_type(&f.ty);
    items.extend(type_items);
    if let Some(r) = &f.references {
        items.push(format!("references = {}", lit(&names.model_ref(&r.model))));
        if let Some(tf) = &r.to_field {
            items.push(format!("to_field = {}", lit(names.field(&r.model, tf))));
        }
        if r.on_delete != OnDelete::NoAction {
            items.push(format!("on_delete = {}", lit(r.on_delete.as_str())));
        }
        if r.on_update != OnDelete::NoAction {
            items.push(format!("on_update = {}", lit(r.on_update.as_str())));
        }
        if let Some(n) = &r.name {
            items.push(format!("fk_name = {}", lit(n)));
        }
    }
    match &f.default {
        Some(ColumnDefault::Value(v)) => match default_lit(v, &f.ty) {
            Ok(v) => items.push(format!("default = {v}")),
            Err(why) => notes.push(why),
        },
        Some(ColumnDefault::Sql(sql)) => items.push(format!("default_sql = {}", lit(sql))),
        None => {}
    }
    if let Some(sql) = &f.on_update_sql {
        items.push(format!("on_update_sql = {}", lit(sql)));
    }
    if let Some(g) = &f.generated {
        items.push(format!("generated = {}", lit(&g.expr)));
        if g.stored {
            items.push("stored".into());
        }
    }
    if let Some(c) = &f.comment {
        items.push(format!("comment = {}", lit(c)));
    }
    if let Some(c) = &f.charset {
        items.push(format!("charset = {}", lit(c)));
    }
    if let Some(c) = &f.collation {
        items.push(format!("collation = {}", lit(c)));
    }
    for note in notes {
        out.push_str(&format!("    // remodel: {note}\n"));
    }
    if !items.is_empty() {
        attribute(out, "    ", "field", &items);
    }
    let ty = if f.null {
        format!("Option<{rust}>")
    } else {
        rust
    };
    out.push_str(&format!("    pub {ident}: {ty},\n"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Index, Reference};

    // ------------------------------------------------------------------
    // Building schemas.

    fn id() -> Field {
        let mut f = Field::new("id", ColumnType::BigInt);
        f.primary_key = true;
        f.auto = crate::Auto::Yes;
        f
    }

    fn table(app: &str, name: &str, fields: Vec<Field>) -> Table {
        let mut t = Table::new(app, name);
        t.fields.push(id());
        t.fields.extend(fields);
        t
    }

    fn field(name: &str, ty: ColumnType) -> Field {
        Field::new(name, ty)
    }

    fn nullable(mut f: Field) -> Field {
        f.null = true;
        f
    }

    /// `f` with a default, in the normal form the reader gives it.
    fn with_default(mut f: Field, value: Literal) -> Field {
        let value = value.check_for(&f.ty).unwrap();
        f.default = Some(ColumnDefault::Value(value));
        f
    }

    fn with_sql_default(mut f: Field, sql: &str) -> Field {
        f.default = Some(ColumnDefault::Sql(crate::expr::normalize(sql).unwrap()));
        f
    }

    fn commented(mut f: Field, c: &str) -> Field {
        f.comment = Some(c.into());
        f
    }

    fn reference(name: &str, target: &str, on_delete: OnDelete) -> Field {
        let mut f = Field::new(name, ColumnType::BigInt);
        f.references = Some(Reference {
            on_delete,
            on_update: crate::OnDelete::NoAction,
            ..Reference::to(target)
        });
        f.index = f.default_index();
        f
    }

    fn schema(tables: Vec<Table>) -> Schema {
        let mut s = Schema::default();
        for t in tables {
            s.insert(t);
        }
        s
    }

    fn str_lit(s: &str) -> Literal {
        Literal::Str(s.into())
    }

    /// Every column type, NOT NULL with a default and nullable without.
    fn every_type() -> Table {
        let dec = ColumnType::Decimal {
            precision: 10,
            scale: 2,
        };
        let mut fields = vec![
            with_default(field("activo", ColumnType::Boolean), Literal::Bool(true)),
            with_default(field("nivel", ColumnType::SmallInt), Literal::Int(-3)),
            with_default(field("edad", ColumnType::Integer), Literal::Int(0)),
            with_default(field("grande", ColumnType::BigInt), Literal::Int(i64::MIN)),
            with_default(field("factor", ColumnType::Real), Literal::Float(2.5)),
            with_default(field("tiny", ColumnType::Double), Literal::Float(1e-7)),
            with_default(field("huge", ColumnType::Double), Literal::Float(-1.5e300)),
            with_default(field("whole", ColumnType::Double), Literal::Int(3)),
            with_default(field("estado", ColumnType::Varchar(20)), str_lit("ACTIVO")),
            with_default(
                field("nota", ColumnType::Text),
                str_lit("say \"hi\"\\ and\nthen\ttab \u{1} ñ \"#"),
            ),
            with_sql_default(field("archivo", ColumnType::Blob), "x'00'"),
            with_default(field("saldo", dec.clone()), str_lit("1.50")),
            with_default(field("deuda", dec.clone()), Literal::Int(-7)),
            with_default(field("fecha", ColumnType::Date), str_lit("2024-02-29")),
            with_default(field("hora", ColumnType::Time), str_lit("10:30:00.5")),
            with_default(
                field("creado", ColumnType::Timestamp),
                str_lit("2024-01-02 10:30:00"),
            ),
            with_sql_default(
                field("tomado", ColumnType::TimestampTz),
                "CURRENT_TIMESTAMP",
            ),
            with_default(
                field("registrado", ColumnType::TimestampTz),
                str_lit("2024-01-02 10:30:00+02:00"),
            ),
            with_default(
                field("muestra", ColumnType::Uuid),
                str_lit("67e55044-10b1-426f-9247-bb680e5fe0c8"),
            ),
            with_default(
                field("datos", ColumnType::Json),
                str_lit(r#"{"a": [1, "x"]}"#),
            ),
            with_sql_default(
                field("geo", ColumnType::Raw("geometry(Point, 4326)".into())),
                "NULL",
            ),
            with_default(
                field("enumerado", ColumnType::Raw("ENUM('a', 'b')".into())),
                str_lit("a"),
            ),
        ];
        let nullable_types = [
            ColumnType::Boolean,
            ColumnType::SmallInt,
            ColumnType::Integer,
            ColumnType::BigInt,
            ColumnType::Real,
            ColumnType::Double,
            ColumnType::Varchar(1),
            ColumnType::Text,
            ColumnType::Blob,
            ColumnType::Decimal {
                precision: 1000,
                scale: 0,
            },
            ColumnType::Date,
            ColumnType::Time,
            ColumnType::Timestamp,
            ColumnType::TimestampTz,
            ColumnType::Uuid,
            ColumnType::Json,
            ColumnType::Raw("int4range".into()),
        ];
        for (i, ty) in nullable_types.into_iter().enumerate() {
            fields.push(nullable(field(&format!("opt_{i}"), ty)));
        }
        fields.push(nullable(with_default(
            field("opt_default", ColumnType::Varchar(5)),
            str_lit(""),
        )));
        fields.push(commented(
            field("comentado", ColumnType::Integer),
            "national id, \"quoted\" \\ back\nline",
        ));
        fields.push(commented(field("vacio", ColumnType::Integer), ""));
        let mut unico = field("unico", ColumnType::Varchar(20));
        unico.unique = true;
        fields.push(unico);
        let mut indexado = field("indexado", ColumnType::Date);
        indexado.index = true;
        fields.push(indexado);
        let mut t = table("lab", "Everything", fields);
        t.comment = Some("all the types".into());
        t
    }

    /// Keys, indexes and constraints of every kind, named and derived.
    fn keys_and_names() -> Vec<Table> {
        // A composite primary key (no auto-increment) with a non-integer part.
        let mut lectura = Table::new("exams", "Lectura");
        lectura.fields = vec![
            field("paciente_id", ColumnType::BigInt),
            field("tomada", ColumnType::Timestamp),
            field("valor", ColumnType::Double),
            field("codigo", ColumnType::Varchar(8)),
        ];
        lectura.composite_primary_key = vec!["paciente_id".into(), "tomada".into()];
        lectura.indexes = vec![
            Index {
                name: None,
                fields: vec!["valor".into(), "tomada".into()],
                unique: false,
                concurrently: false,
                ..Default::default()
            },
            Index {
                name: Some("lectura_por_codigo".into()),
                fields: vec!["codigo".into()],
                unique: true,
                concurrently: true,
                ..Default::default()
            },
        ];
        lectura.constraints = vec![
            Constraint::Unique {
                name: None,
                fields: vec!["paciente_id".into(), "codigo".into()],
            },
            Constraint::Unique {
                name: Some("lectura_unica".into()),
                fields: vec!["codigo".into(), "valor".into()],
            },
            Constraint::Check {
                name: None,
                expr: crate::expr::normalize("valor >= 0 AND valor < 100").unwrap(),
            },
            Constraint::Check {
                name: Some("lectura_codigo_\"raro\"".into()),
                expr: crate::expr::normalize("codigo <> 'x''y'").unwrap(),
            },
        ];
        // An integer key that is not auto-increment, and a text key.
        let mut code = Field::new("number", ColumnType::Integer);
        code.primary_key = true;
        let factura = Table {
            fields: vec![code],
            ..Table::new("billing", "Factura")
        };
        let mut sku = Field::new("sku", ColumnType::Varchar(12));
        sku.primary_key = true;
        let producto = Table {
            fields: vec![sku],
            managed: false,
            db_table: Some("legacy_products".into()),
            comment: Some("owned by the ERP".into()),
            ..Table::new("billing", "Producto")
        };
        vec![lectura, factura, producto]
    }

    /// References within an app and across apps, with every option.
    fn references() -> Vec<Table> {
        let mut doc = field("documento", ColumnType::Varchar(20));
        doc.unique = true;
        let patient = table("patients", "Patient", vec![doc]);
        let mut by_doc = reference("paciente_doc", "patients.Patient", OnDelete::SetNull);
        by_doc.ty = ColumnType::Varchar(20);
        by_doc.null = true;
        by_doc.references.as_mut().unwrap().to_field = Some("documento".into());
        let mut no_index = reference("medico_id", "patients.Patient", OnDelete::Restrict);
        no_index.index = false;
        let mut unique = reference("unico_id", "patients.Patient", OnDelete::NoAction);
        unique.unique = true;
        unique.index = unique.default_index();
        let mut named = reference("paciente_id", "patients.Patient", OnDelete::Cascade);
        named.references.as_mut().unwrap().name = Some("exam_patient_id_fkey".into());
        let mut defaulted = reference("cama_id", "patients.Patient", OnDelete::SetDefault);
        defaulted.default = Some(ColumnDefault::Value(Literal::Int(0)));
        let mut to_pk = reference("otro_id", "patients.Patient", OnDelete::NoAction);
        to_pk.references.as_mut().unwrap().to_field = Some("id".into());
        to_pk.references.as_mut().unwrap().name = Some("exam_ibfk_1".into());
        let exam = table(
            "exams",
            "Exam",
            vec![named, by_doc, no_index, unique, defaulted, to_pk],
        );
        let mut parent = reference("parent_id", "exams.Node", OnDelete::Cascade);
        parent.null = true;
        let node = table("exams", "Node", vec![parent]);
        vec![patient, exam, node]
    }

    /// Names a struct cannot spell as they are.
    fn odd_names() -> Vec<Table> {
        let odd = vec![
            {
                let mut f = field("odd_col", ColumnType::Integer);
                f.column = Some("Odd Col".into());
                f
            },
            {
                let mut f = field("kind", ColumnType::Varchar(10));
                f.column = Some("type".into());
                f.unique = true;
                f
            },
            {
                let mut f = field("first", ColumnType::Integer);
                f.column = Some("1st".into());
                f
            },
            {
                let mut f = field("nombre", ColumnType::Text);
                f.column = Some("Ñame \"x\"".into());
                f
            },
        ];
        let mut t = table("legacy", "Weird", odd);
        t.db_table = Some("Weird-Table \"q\"".into());
        t.indexes.push(Index {
            name: None,
            fields: vec!["odd_col".into(), "first".into()],
            unique: false,
            concurrently: false,
            ..Default::default()
        });
        t.constraints.push(Constraint::Check {
            name: None,
            expr: crate::expr::normalize("\"Odd Col\" > 0").unwrap(),
        });
        // A table name equal to the struct's snake_case: no `table`.
        let plain = table("legacy", "HTTPRequest", vec![]);
        // A table name different from it.
        let mut renamed = table("legacy", "BookReview", vec![]);
        renamed.db_table = Some("reviews".into());
        vec![t, plain, renamed]
    }

    // ------------------------------------------------------------------
    // Reading the text back as the CLI does.

    /// Reads every `#[derive(Model)]` struct of `text` and resolves them,
    /// as `makemigrations` reads a crate named `adopted`.
    fn read_back(text: &str) -> Schema {
        let file = syn::parse_file(text).unwrap_or_else(|e| panic!("{e}\n\n{text}"));
        let mut defs = Vec::new();
        for item in file.items {
            let syn::Item::Struct(s) = item else { continue };
            let input: syn::DeriveInput = s.into();
            let mut def = crate::reader::read_model(&input).unwrap_or_else(|errs| {
                let shown: Vec<String> = errs.iter().map(|e| e.message.clone()).collect();
                panic!("reading failed:\n{}\n\n{text}", shown.join("\n"))
            });
            def.module_path = "adopted".into();
            defs.push(def);
        }
        crate::resolve(&defs, &crate::ResolveOptions::default()).unwrap_or_else(|errs| {
            let shown: Vec<String> = errs.iter().map(|e| format!("{e:?}")).collect();
            panic!("resolving failed:\n{}\n\n{text}", shown.join("\n"))
        })
    }

    /// Renders every table of `s`, reads the text back, and requires the
    /// same tables (and so the same catalog).
    fn round_trip(s: &Schema) -> String {
        let keys: Vec<String> = s.tables.keys().cloned().collect();
        let text = render(s, &keys);
        let back = read_back(&text);
        for (key, want) in &s.tables {
            let got = back
                .tables
                .get(key)
                .unwrap_or_else(|| panic!("{key} is missing from the text:\n{text}"));
            assert_eq!(got, want, "{key} reads back differently from:\n{text}");
        }
        assert_eq!(back.tables.len(), s.tables.len(), "{text}");
        assert_eq!(back.to_catalog(), s.to_catalog(), "{text}");
        text
    }

    // ------------------------------------------------------------------
    // Tests.

    #[test]
    fn a_small_table_prints_like_this() {
        let mut estado = field("estado", ColumnType::Varchar(20));
        estado.default = Some(ColumnDefault::Value(str_lit("ACTIVO")));
        let mut t = table(
            "exams",
            "Exam",
            vec![
                reference("patient_id", "patients.Patient", OnDelete::Cascade),
                nullable(field("notes", ColumnType::Text)),
                estado,
                field(
                    "uso",
                    ColumnType::Decimal {
                        precision: 5,
                        scale: 2,
                    },
                ),
            ],
        );
        t.fields[1].references.as_mut().unwrap().name = Some("exam_patient_id_fkey".into());
        t.db_table = Some("exam_results".into());
        t.constraints.push(Constraint::Check {
            name: Some("exam_uso_positivo".into()),
            expr: "uso >= 0".into(),
        });
        let s = schema(vec![t, table("patients", "Patient", vec![])]);
        let text = render(&s, &["exams.Exam".into()]);
        assert_eq!(
            text,
            r#"use remodel::Model;

#[derive(Model)]
#[model(app = "exams")]
#[model(table = "exam_results")]
#[model(check(name = "exam_uso_positivo", expr = "uso >= 0"))]
pub struct Exam {
    #[field(primary_key)]
    pub id: i64,
    #[field(
        references = "patients.Patient",
        on_delete = "cascade",
        fk_name = "exam_patient_id_fkey"
    )]
    pub patient_id: i64,
    pub notes: Option<String>,
    #[field(max_length = 20, default = "ACTIVO")]
    pub estado: String,
    #[field(max_digits = 5, decimal_places = 2)]
    pub uso: rust_decimal::Decimal,
}
"#
        );
        round_trip(&s);
    }

    #[test]
    fn long_attributes_are_split_one_item_per_line() {
        let mut f = field("estado_del_paciente", ColumnType::Varchar(200));
        f.default = Some(ColumnDefault::Value(str_lit("ACTIVO")));
        f.comment = Some("the state of the patient in the workflow".into());
        let s = schema(vec![table("patients", "Patient", vec![f])]);
        let text = render(&s, &["patients.Patient".into()]);
        assert!(
            text.contains(
                "    #[field(\n        max_length = 200,\n        default = \"ACTIVO\",\n        comment = \"the state of the patient in the workflow\"\n    )]\n    pub estado_del_paciente: String,\n"
            ),
            "{text}"
        );
        round_trip(&s);
    }

    #[test]
    fn every_column_type_default_and_comment_reads_back_the_same() {
        let text = round_trip(&schema(vec![every_type()]));
        for want in [
            "pub activo: bool,",
            "pub nivel: i16,",
            "pub edad: i32,",
            "pub grande: i64,",
            "pub factor: f32,",
            "pub tiny: f64,",
            "pub archivo: Vec<u8>,",
            "pub saldo: rust_decimal::Decimal,",
            "pub fecha: chrono::NaiveDate,",
            "pub hora: chrono::NaiveTime,",
            "pub creado: chrono::NaiveDateTime,",
            "pub tomado: chrono::DateTime<chrono::Utc>,",
            "pub muestra: uuid::Uuid,",
            "pub datos: serde_json::Value,",
            "#[field(sql_type = \"geometry(Point, 4326)\", default_sql = \"NULL\")]\n    pub geo: String,",
            "pub opt_0: Option<bool>,",
            "pub opt_16: Option<String>,",
            "default = -9223372036854775808",
            "default = 1e-7",
            "default = 3.0",
            "default = \"-7\"",
            r##"default = r#"{"a": [1, "x"]}"#"##,
            "#[model(comment = \"all the types\")]",
            "#[field(unique, max_length = 20)]",
            "#[field(index)]\n    pub indexado: chrono::NaiveDate,",
        ] {
            assert!(text.contains(want), "no `{want}` in:\n{text}");
        }
    }

    #[test]
    fn keys_indexes_and_constraints_read_back_the_same() {
        let text = round_trip(&schema(keys_and_names()));
        for want in [
            "#[model(primary_key(\"paciente_id\", \"tomada\"))]",
            "#[model(index(fields(\"valor\", \"tomada\")))]",
            "#[model(index(name = \"lectura_por_codigo\", fields(\"codigo\"), unique, concurrently))]",
            "#[model(unique(fields(\"paciente_id\", \"codigo\")))]",
            "#[model(unique(name = \"lectura_unica\", fields(\"codigo\", \"valor\")))]",
            "#[field(primary_key, auto = false)]\n    pub number: i32,",
            "#[field(primary_key, max_length = 12)]\n    pub sku: String,",
            "#[model(managed = false)]",
            "#[model(table = \"legacy_products\")]",
            "name = r#\"lectura_codigo_\"raro\"\"#",
        ] {
            assert!(text.contains(want), "no `{want}` in:\n{text}");
        }
    }

    #[test]
    fn references_across_apps_read_back_the_same() {
        let text = round_trip(&schema(references()));
        for want in [
            "        fk_name = \"exam_patient_id_fkey\"\n    )]\n    pub paciente_id: i64,",
            "        to_field = \"documento\",\n        on_delete = \"set_null\"\n    )]\n    pub paciente_doc: Option<String>,",
            "#[field(index = false, references = \"patients.Patient\", on_delete = \"restrict\")]",
            "#[field(unique, references = \"patients.Patient\")]",
            "#[field(references = \"exams.Node\", on_delete = \"cascade\")]\n    pub parent_id: Option<i64>,",
            "#[field(references = \"patients.Patient\", to_field = \"id\", fk_name = \"exam_ibfk_1\")]",
        ] {
            assert!(text.contains(want), "no `{want}` in:\n{text}");
        }
    }

    #[test]
    fn odd_column_and_table_names_read_back_the_same() {
        let text = round_trip(&schema(odd_names()));
        for want in [
            "#[field(column = \"Odd Col\")]\n    pub odd_col: i32,",
            "#[field(unique, column = \"type\", max_length = 10)]\n    pub kind: String,",
            "#[field(column = \"1st\")]\n    pub first: i32,",
            "#[field(column = r#\"Ñame \"x\"\"#)]\n    pub nombre: String,",
            "#[model(table = r#\"Weird-Table \"q\"\"#)]\n#[model(index(fields(\"odd_col\", \"first\")))]",
            "#[model(check(expr = r#\"\"Odd Col\" > 0\"#))]\npub struct Weird {",
            "#[model(app = \"legacy\")]\npub struct HTTPRequest {",
            "#[model(table = \"reviews\")]\npub struct BookReview {",
        ] {
            assert!(text.contains(want), "no `{want}` in:\n{text}");
        }
    }

    #[test]
    fn names_rust_cannot_spell_are_cleaned_up_and_keep_their_database_names() {
        // Field and model names straight from a database: not identifiers,
        // keywords, clashing once cleaned up.
        let mut t = Table::new("legacy", "order-lines");
        let mut pk = field("Line No", ColumnType::BigInt);
        pk.primary_key = true;
        pk.auto = crate::Auto::Yes;
        t.fields = vec![
            pk,
            field("type", ColumnType::Integer),
            field("1st", ColumnType::Integer),
            field("line_no", ColumnType::Integer),
            field("ñ", ColumnType::Integer),
            field("_", ColumnType::Integer),
        ];
        t.indexes.push(Index {
            name: None,
            fields: vec!["type".into(), "1st".into()],
            unique: false,
            concurrently: false,
            ..Default::default()
        });
        t.composite_primary_key = vec![];
        let mut child = table(
            "legacy",
            "Child",
            vec![reference("line", "legacy.order-lines", OnDelete::Cascade)],
        );
        child.fields[1].references.as_mut().unwrap().to_field = Some("type".into());
        child.fields[1].ty = ColumnType::Integer;
        let mut typ = t.fields[1].clone();
        typ.unique = true;
        t.fields[1] = typ;
        let s = schema(vec![t, child]);
        let keys: Vec<String> = s.tables.keys().cloned().collect();
        let text = render(&s, &keys);
        for want in [
            "#[model(table = \"order-lines\")]\n#[model(index(fields(\"type_\", \"f_1st\")))]\npub struct OrderLines {",
            "#[field(column = \"ñ\")]\n    pub f_: i32,\n    #[field(column = \"_\")]\n    pub f_2: i32,",
            "#[field(primary_key, column = \"Line No\")]\n    pub line_no_2: i64,",
            "#[field(unique, column = \"type\")]\n    pub type_: i32,",
            "#[field(column = \"1st\")]\n    pub f_1st: i32,",
            "pub line_no: i32,",
            "references = \"legacy.OrderLines\", to_field = \"type_\"",
        ] {
            assert!(text.contains(want), "no `{want}` in:\n{text}");
        }
        // The field names change; the database does not.
        let back = read_back(&text);
        assert_eq!(back.to_catalog(), s.to_catalog(), "{text}");
        assert_eq!(back.tables.len(), 2);
    }

    #[test]
    fn tables_print_in_the_order_given_and_unknown_keys_are_skipped() {
        let s = schema(references());
        let text = render(
            &s,
            &[
                "exams.Node".into(),
                "nope.Missing".into(),
                "patients.Patient".into(),
            ],
        );
        assert_eq!(text.matches("use remodel::Model;").count(), 1);
        let node = text.find("pub struct Node").unwrap();
        let patient = text.find("pub struct Patient").unwrap();
        assert!(node < patient, "{text}");
        assert!(!text.contains("Exam"), "{text}");
    }

    #[test]
    fn defaults_no_literal_can_write_are_noted() {
        let mut f = field("ratio", ColumnType::Double);
        f.default = Some(ColumnDefault::Value(Literal::Float(f64::INFINITY)));
        let s = schema(vec![table("lab", "Sample", vec![f])]);
        let text = render(&s, &["lab.Sample".into()]);
        assert!(
            text.contains(
                "    // remodel: the default inf cannot be written as a Rust literal\n    pub ratio: f64,"
            ),
            "{text}"
        );
        read_back(&text);
    }

    #[test]
    fn string_literals_read_back_as_written() {
        for s in [
            "",
            "plain",
            "quote \" inside",
            "back \\ slash",
            "raw \"# needs two hashes",
            "\"##\"#",
            "new\nline and \"quote\"",
            "tab\t nul\0 bell\u{7} del\u{7f}",
            "ñandú 🦀",
        ] {
            let text = lit(s);
            let parsed: syn::LitStr =
                syn::parse_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(parsed.value(), s, "{text}");
        }
    }

    #[test]
    fn unsigned_integers_get_unsigned_rust_types() {
        assert_eq!(unsigned_rust_type("int unsigned"), Some("u32"));
        assert_eq!(unsigned_rust_type("int(10) unsigned"), Some("u32"));
        assert_eq!(
            unsigned_rust_type("BIGINT(20) UNSIGNED ZEROFILL"),
            Some("u64")
        );
        assert_eq!(unsigned_rust_type("tinyint unsigned"), Some("u8"));
        assert_eq!(unsigned_rust_type("decimal(5,2) unsigned"), None);
        assert_eq!(unsigned_rust_type("int"), None);
        let (ty, attrs) = rust_type(&ColumnType::Raw("smallint unsigned".into()));
        assert_eq!(
            (ty.as_str(), attrs.as_slice()),
            (
                "u16",
                ["sql_type = \"smallint unsigned\"".to_string()].as_slice()
            )
        );
    }

    #[test]
    fn types_without_a_token_get_the_rust_type_of_their_values_and_read_back_the_same() {
        let cases = [
            // MySQL / MariaDB
            ("mediumblob", "Vec<u8>"),
            ("tinyblob", "Vec<u8>"),
            ("blob", "Vec<u8>"),
            ("binary(16)", "Vec<u8>"),
            ("varbinary(255)", "Vec<u8>"),
            ("timestamp", "chrono::DateTime<chrono::Utc>"),
            ("datetime", "chrono::NaiveDateTime"),
            ("time", "chrono::NaiveTime"),
            ("year", "i16"),
            ("tinyint", "i8"),
            ("mediumint", "i32"),
            ("float(10,2)", "f32"),
            ("float(53)", "f64"),
            ("enum('G','PG-13','NC-17')", "String"),
            ("set('Trailers','Deleted Scenes')", "String"),
            ("char(20)", "String"),
            ("mediumtext", "String"),
            ("bit(1)", "bool"),
            // PostgreSQL
            ("text[]", "Vec<String>"),
            ("integer[]", "Vec<i32>"),
            ("character varying(20)[]", "Vec<String>"),
            ("numeric[]", "Vec<rust_decimal::Decimal>"),
            ("timestamp(3) without time zone", "chrono::NaiveDateTime"),
            (
                "timestamp(3) with time zone",
                "chrono::DateTime<chrono::Utc>",
            ),
            ("time with time zone", "String"),
            ("interval", "String"),
            ("tsvector", "String"),
            ("inet", "String"),
            ("character(20)", "String"),
            ("numeric", "rust_decimal::Decimal"),
            ("json", "serde_json::Value"),
            ("mpaa_rating", "String"),
            // SQLite
            ("NVARCHAR(120)", "String"),
            ("UNSIGNED BIG INT", "String"),
        ];
        let mut fields = Vec::new();
        for (i, (sql, rust)) in cases.iter().enumerate() {
            assert_eq!(raw_rust_type(sql), *rust, "{sql}");
            fields.push(field(&format!("c{i}"), ColumnType::Raw(sql.to_string())));
            fields.push(nullable(field(
                &format!("n{i}"),
                ColumnType::Raw(sql.to_string()),
            )));
        }
        let text = round_trip(&schema(vec![table("legacy", "Everything", fields)]));
        for (i, (sql, rust)) in cases.iter().enumerate() {
            let attr = format!("#[field(sql_type = {})]", lit(sql));
            for want in [
                format!("{attr}\n    pub c{i}: {rust},"),
                format!("{attr}\n    pub n{i}: Option<{rust}>,"),
            ] {
                assert!(text.contains(&want), "no `{want}` in:\n{text}");
            }
        }
    }
}
