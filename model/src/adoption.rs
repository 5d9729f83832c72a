//! A live catalog read back into a model state, in the words of another
//! state (the guide): tables are matched to the guide's models by table name
//! and columns to fields by column name, so what the database holds as the
//! guide says it is reads back exactly as the guide (the same field names,
//! explicit or derived names, expression spelling), and only what differs
//! takes the database's form. `remodel check --adopt`, `makemigrations
//! --from-db` and `inspectdb` diff or print what this returns.
//!
//! Objects are compared after the dialect's normalisation (passed in, so this
//! module stays pure): a column whose type the database spells differently
//! but means the same keeps the guide's type.

use crate::catalog::{Catalog, CatalogColumn, CatalogTable};
use crate::names::{NameKind, derived_name, is_identifier, snake_case};
use crate::schema::{Constraint, Field, Index, Reference, Schema, Table};
use crate::types::ColumnType;
use std::collections::{BTreeMap, BTreeSet};

/// What [`adopt`] could not express in a model, one line each
/// (`exam: foreign key exam_multi_fk over (a, b) has more than one column`).
pub type Unrepresentable = Vec<String>;

/// The state the live catalog `live` describes, named after `guide`. Tables
/// no guide model owns become models of `new_app`, named by PascalCase of
/// the table name. Unmanaged guide models are kept as they are; managed ones
/// whose table is absent are left out. `normalize` is the dialect's
/// normalisation, applied to copies of both sides before comparing.
pub fn adopt(
    live: &Catalog,
    guide: &Schema,
    normalize: &dyn Fn(&mut Catalog),
    new_app: &str,
) -> (Schema, Unrepresentable) {
    let mut guide_catalog = guide.to_catalog();
    normalize(&mut guide_catalog);
    let mut live_normal = live.clone();
    normalize(&mut live_normal);

    let owners: BTreeMap<String, &Table> = guide
        .tables
        .values()
        .filter(|t| t.managed)
        .map(|t| (t.table_name(), t))
        .collect();
    let mut out = Schema::default();
    for t in guide.tables.values().filter(|t| !t.managed) {
        out.insert(t.clone());
    }
    // The guide's enums: the database's are compared with them as
    // differences; a column of one reads back as it when they match.
    out.enums = guide.enums.clone();
    // Keys first: foreign keys need every table's model.
    let mut keys: BTreeMap<String, String> = BTreeMap::new();
    let mut taken: BTreeSet<String> = guide.tables.keys().cloned().collect();
    for name in live.tables.keys() {
        let key = match owners.get(name) {
            Some(t) => t.key(),
            None => {
                let base = struct_name(name);
                let mut candidate = base.clone();
                let mut n = 2;
                while taken.contains(&crate::model_key(new_app, &candidate)) {
                    candidate = format!("{base}{n}");
                    n += 1;
                }
                let key = crate::model_key(new_app, &candidate);
                taken.insert(key.clone());
                key
            }
        };
        keys.insert(name.clone(), key);
    }
    let mut problems = Vec::new();
    let mut pending_fks = Vec::new();
    for (name, raw) in &live.tables {
        let empty = CatalogTable::default();
        let normal = live_normal.tables.get(name).unwrap_or(&empty);
        let guide_table = owners.get(name).copied();
        let expected = guide_catalog.tables.get(name);
        let mut table = match (guide_table, expected) {
            (Some(g), Some(e)) => {
                let (t, fks) = rebuild(g, raw, normal, e, &mut problems);
                pending_fks.push((t.key(), fks));
                t
            }
            _ => {
                let (app, model) = crate::split_key(&keys[name]);
                let mut t = Table::new(app, model);
                if snake_case(model) != *name {
                    t.db_table = Some(name.clone());
                }
                let fks = fill(&mut t, raw, &BTreeSet::new(), &mut problems);
                pending_fks.push((t.key(), fks));
                t
            }
        };
        for key in &normal.primary_key {
            if normal.columns.get(key).is_some_and(|c| c.null) {
                problems.push(format!(
                    "{name}: key column {key} may hold NULL (SQLite lets a key that is not the row id), which no model can declare; the struct declares it NOT NULL, so `check` reports it until the column is NOT NULL in the database"
                ));
            }
        }
        if raw.primary_key.is_empty() && table.managed {
            problems.push(format!(
                "{name}: the table has no primary key, which every model needs; its struct does not compile until a field is `primary_key` (and the table has that key), or leave the table to `ignore_tables`"
            ));
        }
        for f in table
            .fields
            .iter()
            .filter(|f| f.ty == ColumnType::Raw(String::new()))
        {
            problems.push(format!(
                "{name}: column {} has no declared type, which no model can declare; give it one in the database (SQLite: rebuild the table), or leave the table to `ignore_tables`",
                f.column_name()
            ));
        }
        // A numbered column that is not the key is `auto` (a row id is
        // SQLite's key alone).
        for f in table
            .fields
            .iter_mut()
            .filter(|f| f.auto == crate::Auto::RowId && !f.primary_key)
        {
            f.auto = crate::Auto::Yes;
        }
        for f in table
            .fields
            .iter_mut()
            .filter(|f| f.auto.is_auto() && !f.ty.is_integer_like())
        {
            let ty = match &f.ty {
                ColumnType::Raw(sql) => sql.clone(),
                other => other.to_string(),
            };
            problems.push(format!(
                "{name}: column {} is {} with auto-increment, which no model can declare (a model's auto key is an integer); the struct declares it without `auto` — change the column to BIGINT, or leave the table to `ignore_tables`",
                f.column_name(),
                ty
            ));
            f.auto = crate::Auto::No;
        }
        out.insert(table);
    }
    for (key, fks) in pending_fks {
        for (column, fk_name) in fks {
            let table_name = out.tables[&key].table_name();
            let fk = &live.tables[&table_name].foreign_keys[&fk_name];
            let reference = match reference_for(&out, &keys, fk, &fk_name, &table_name, &column) {
                Ok(r) => r,
                Err(problem) => {
                    problems.push(problem);
                    continue;
                }
            };
            let t = out.tables.get_mut(&key).expect("built above");
            if let Some(f) = t.fields.iter_mut().find(|f| f.column_name() == column) {
                f.references = Some(reference);
            }
        }
    }
    (out, problems)
}

/// The guide's model `g` as the database holds it: what compares equal
/// after normalisation is kept from the guide, the rest is read from `raw`.
/// Returns the table and the foreign keys (column, name) still to attach.
fn rebuild(
    g: &Table,
    raw: &CatalogTable,
    normal: &CatalogTable,
    expected: &CatalogTable,
    problems: &mut Unrepresentable,
) -> (Table, Vec<(String, String)>) {
    let mut t = g.clone();
    // Columns: the guide's fields that still exist, with what differs read back.
    t.fields
        .retain(|f| raw.columns.contains_key(f.column_name()));
    for f in &mut t.fields {
        let col = f.column_name().to_string();
        let (got, want, read) = (
            &normal.columns[&col],
            expected.columns.get(&col),
            &raw.columns[&col],
        );
        let Some(want) = want else { continue };
        if got.ty != want.ty {
            f.ty = read.ty.clone();
        }
        if got.null != want.null {
            f.null = read.null;
        }
        if got.default != want.default {
            f.default = read.default.clone();
        }
        if got.comment != want.comment {
            f.comment = read.comment.clone();
        }
        if got.auto != want.auto {
            f.auto = read.auto;
        }
        if (&got.charset, &got.collation) != (&want.charset, &want.collation) {
            f.charset = read.charset.clone();
            f.collation = read.collation.clone();
        }
        if got.on_update_sql != want.on_update_sql {
            f.on_update_sql = read.on_update_sql.clone();
        }
        if got.generated != want.generated {
            f.generated = generated_spelling(&read.generated);
        }
    }
    for (col, c) in &raw.columns {
        if t.field_by_column(col).is_none() {
            let name = unique_field_name(&t, col);
            t.fields.push(new_field(name, col, c));
        }
    }
    if normal.primary_key != expected.primary_key {
        set_primary_key(&mut t, &raw.primary_key);
    }
    if normal.primary_key_name != expected.primary_key_name {
        set_primary_key_name(&mut t, raw);
    }
    if normal.comment != expected.comment {
        t.comment = raw.comment.clone();
    }
    if (&normal.charset, &normal.collation) != (&expected.charset, &expected.collation) {
        t.charset = raw.charset.clone();
        t.collation = raw.collation.clone();
    }
    if normal.partition_by != expected.partition_by {
        t.partition_by = raw.partition_by.clone();
    }
    // Indexes and constraints: those equal by name are kept as the guide
    // writes them; the guide's others are dropped and the database's added.
    // A name is kept when its object is equal on both sides, whatever kind
    // the dialect files it under (MySQL: a unique index is a unique constraint).
    let mut kept = equal_by_name(&expected.indexes, &normal.indexes);
    kept.extend(equal_by_name(&expected.uniques, &normal.uniques));
    kept.extend(equal_by_name(&expected.checks, &normal.checks));
    kept.extend(equal_by_name(&expected.foreign_keys, &normal.foreign_keys));
    let names: Vec<(Option<String>, Option<String>, Option<String>)> = t
        .fields
        .iter()
        .map(|f| {
            (
                t.field_index_name(f),
                t.field_unique_name(f),
                t.field_fk_name(f),
            )
        })
        .collect();
    for (f, (index, unique, fk)) in t.fields.iter_mut().zip(names) {
        if index.is_some_and(|n| !kept.contains(&n)) {
            f.index = false;
        }
        if unique.is_some_and(|n| !kept.contains(&n)) {
            f.unique = false;
        }
        if fk.is_some_and(|n| !kept.contains(&n)) {
            f.references = None;
        }
    }
    let index_names: Vec<String> = t.indexes.iter().map(|i| t.index_name(i).name).collect();
    let mut keep = index_names.iter().map(|n| kept.contains(n));
    t.indexes.retain(|_| keep.next().unwrap_or(false));
    let constraint_names: Vec<String> = t
        .constraints
        .iter()
        .map(|c| t.constraint_name(c).name)
        .collect();
    let mut keep = constraint_names.iter().map(|n| kept.contains(n));
    t.constraints.retain(|_| keep.next().unwrap_or(false));
    let fks = fill_objects(&mut t, raw, &kept, problems);
    (t, fks)
}

/// The names present in both maps with equal values.
fn equal_by_name<V: PartialEq>(
    want: &BTreeMap<String, V>,
    got: &BTreeMap<String, V>,
) -> BTreeSet<String> {
    want.iter()
        .filter(|(n, w)| got.get(*n) == Some(*w))
        .map(|(n, _)| n.clone())
        .collect()
}

/// A new model's fields, key and objects, all read from `raw`.
fn fill(
    t: &mut Table,
    raw: &CatalogTable,
    kept: &BTreeSet<String>,
    problems: &mut Unrepresentable,
) -> Vec<(String, String)> {
    // The database's order where the introspector read it; otherwise key
    // columns first, then the rest by name.
    let mut columns: Vec<&String> = raw
        .column_order
        .0
        .iter()
        .filter(|c| raw.columns.contains_key(*c))
        .collect();
    if columns.len() != raw.columns.len() {
        columns = raw.primary_key.iter().collect();
        columns.extend(raw.columns.keys().filter(|c| !raw.primary_key.contains(c)));
    }
    for col in columns {
        let Some(c) = raw.columns.get(col) else {
            continue;
        };
        let name = unique_field_name(t, col);
        t.fields.push(new_field(name, col, c));
    }
    set_primary_key(t, &raw.primary_key);
    set_primary_key_name(t, raw);
    t.comment = raw.comment.clone();
    t.charset = raw.charset.clone();
    t.collation = raw.collation.clone();
    t.partition_by = raw.partition_by.clone();
    fill_objects(t, raw, kept, problems)
}

/// Adds the indexes, uniques and checks of `raw` not in `kept`, and returns
/// its foreign keys not in `kept` as (column, name) for [`reference_for`].
fn fill_objects(
    t: &mut Table,
    raw: &CatalogTable,
    kept: &BTreeSet<String>,
    problems: &mut Unrepresentable,
) -> Vec<(String, String)> {
    let table = t.table_name();
    let field_names = |t: &Table, cols: &[String]| -> Vec<String> {
        cols.iter()
            .map(|c| {
                t.field_by_column(c)
                    .map(|f| f.name.clone())
                    .unwrap_or_else(|| c.clone())
            })
            .collect()
    };
    for (name, ix) in raw.indexes.iter().filter(|(n, _)| !kept.contains(*n)) {
        let derived = derived_name(&table, &ix.columns, NameKind::Index);
        if !ix.unique
            && ix.columns.len() == 1
            && ix.options.is_plain()
            && ix.include.is_empty()
            && derived == *name
            && let Some(f) = t
                .fields
                .iter_mut()
                .find(|f| f.column_name() == ix.columns[0])
            && !f.index
        {
            f.index = true;
            continue;
        }
        let fields = field_names(t, &ix.columns);
        let include = field_names(t, &ix.include);
        t.indexes.push(Index {
            // An index with expressions has no name to derive: it keeps its own.
            name: (derived != *name || !ix.options.expressions.is_empty()).then(|| name.clone()),
            fields,
            unique: ix.unique,
            concurrently: false,
            include,
            options: model_spelling(&ix.options),
        });
    }
    for (name, cols) in raw.uniques.iter().filter(|(n, _)| !kept.contains(*n)) {
        let derived = derived_name(&table, cols, NameKind::Unique);
        if cols.len() == 1
            && derived == *name
            && let Some(f) = t.fields.iter_mut().find(|f| f.column_name() == cols[0])
            && !f.unique
        {
            f.unique = true;
            continue;
        }
        let fields = field_names(t, cols);
        t.constraints.push(Constraint::Unique {
            name: (derived != *name).then(|| name.clone()),
            fields,
        });
    }
    for (name, expr) in raw.checks.iter().filter(|(n, _)| !kept.contains(*n)) {
        let cols = crate::expr::columns(expr).unwrap_or_default();
        let derived = derived_name(&table, &cols, NameKind::Check);
        t.constraints.push(Constraint::Check {
            name: (derived != *name).then(|| name.clone()),
            expr: expr.clone(),
        });
    }
    let mut fks = Vec::new();
    for (name, fk) in raw.foreign_keys.iter().filter(|(n, _)| !kept.contains(*n)) {
        if fk.columns.len() != 1 {
            problems.push(format!(
                "{table}: foreign key {name} over ({}) has more than one column, which a model cannot declare",
                fk.columns.join(", ")
            ));
            continue;
        }
        fks.push((fk.columns[0].clone(), name.clone()));
    }
    fks
}

/// The reference a single-column foreign key `name` of `table` makes, in
/// the models' terms.
fn reference_for(
    out: &Schema,
    keys: &BTreeMap<String, String>,
    fk: &crate::catalog::CatalogForeignKey,
    name: &str,
    table: &str,
    column: &str,
) -> Result<Reference, String> {
    let target_key = keys
        .get(&fk.ref_table)
        .cloned()
        .or_else(|| {
            out.tables
                .values()
                .find(|t| t.table_name() == fk.ref_table)
                .map(Table::key)
        })
        .ok_or_else(|| {
            format!(
                "{table}: foreign key {name} on {column} points at table {}, which is not among the tables compared (missing, or in ignore_tables)",
                fk.ref_table
            )
        })?;
    let target = &out.tables[&target_key];
    let ref_col = fk.ref_columns.first().cloned().unwrap_or_default();
    let to_field = target
        .field_by_column(&ref_col)
        .map(|f| f.name.clone())
        .unwrap_or(ref_col);
    let referencing = out
        .tables
        .values()
        .find(|t| t.table_name() == table)
        .and_then(|t| t.field_by_column(column))
        .map(|f| f.ty.clone());
    if let (Some(ty), Some(target_field)) = (referencing, target.field(&to_field))
        && !ty.can_reference(&target_field.ty)
    {
        return Err(format!(
            "{table}: foreign key {name} on {column} ({ty}) points at {}.{} ({}); a model's reference needs the same type, so it is left out",
            fk.ref_table, target_field.name, target_field.ty
        ));
    }
    let pk = target.primary_key();
    let derived = derived_name(table, &[column], NameKind::ForeignKey);
    Ok(Reference {
        model: target_key,
        to_field: (pk != [to_field.clone()]).then_some(to_field),
        on_delete: fk.on_delete,
        on_update: fk.on_update,
        name: (derived != name).then(|| name.to_string()),
    })
}

/// Marks the primary key columns `cols` (one: the field's flag; several: the
/// model's composite key).
fn set_primary_key(t: &mut Table, cols: &[String]) {
    t.composite_primary_key.clear();
    for f in &mut t.fields {
        f.primary_key = false;
    }
    match cols {
        [] => {}
        [one] => {
            if let Some(f) = t.fields.iter_mut().find(|f| f.column_name() == one) {
                f.primary_key = true;
                // A model's key is never nullable (SQLite may say otherwise).
                f.null = false;
            }
        }
        many => {
            t.composite_primary_key = many
                .iter()
                .map(|c| {
                    t.field_by_column(c)
                        .map(|f| f.name.clone())
                        .unwrap_or_else(|| c.clone())
                })
                .collect();
        }
    }
}

/// The database's name for the primary key, kept when it is not the
/// derived one.
fn set_primary_key_name(t: &mut Table, raw: &CatalogTable) {
    t.pk_name = None;
    if let Some(n) = &raw.primary_key_name
        && *n != t.derived_primary_key_name()
    {
        t.pk_name = Some(n.clone());
    }
}

/// A field for a column no model declares.
fn new_field(name: String, column: &str, c: &CatalogColumn) -> Field {
    let mut f = Field::new(name, c.ty.clone());
    if f.name != column {
        f.column = Some(column.to_string());
    }
    f.null = c.null;
    f.default = c.default.clone();
    f.comment = c.comment.clone();
    f.auto = c.auto;
    f.charset = c.charset.clone();
    f.collation = c.collation.clone();
    f.on_update_sql = c.on_update_sql.clone();
    f.generated = generated_spelling(&c.generated);
    f
}

/// A generated column's expression in the reader's spelling of SQL.
fn generated_spelling(g: &Option<crate::Generated>) -> Option<crate::Generated> {
    g.as_ref().map(|g| crate::Generated {
        expr: crate::expr::normalize(&g.expr).unwrap_or_else(|_| g.expr.clone()),
        stored: g.stored,
    })
}

/// A field name for `column` that the table does not use yet: the column
/// name when it is a plain lower-case identifier and not a Rust keyword,
/// else a cleaned-up spelling of it.
fn unique_field_name(t: &Table, column: &str) -> String {
    let base = field_name(column);
    let mut name = base.clone();
    let mut n = 2;
    while t.field(&name).is_some() {
        name = format!("{base}_{n}");
        n += 1;
    }
    name
}

/// A Rust field name for a column name.
pub fn field_name(column: &str) -> String {
    let mut name: String = snake_case(column)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    while name.contains("__") {
        name = name.replace("__", "_");
    }
    let name = name.trim_matches('_').to_string();
    let name = if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("f_{name}")
    } else {
        name
    };
    if is_keyword(&name) || !is_identifier(&name) {
        format!("{name}_")
    } else {
        name
    }
}

/// A struct name for a table name: PascalCase of its words, split where
/// [`snake_case`] splits them, so a table named in any case keeps its word
/// breaks (`patient_note`, `PatientNote` and `PATIENT_NOTE` → `PatientNote`;
/// `HTTPRequest` → `HttpRequest`).
pub fn struct_name(table: &str) -> String {
    let mut out = String::new();
    for word in snake_case(table).split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'T');
    }
    if is_keyword(&out) {
        out.push('_');
    }
    out
}

/// Rust's keywords (strict and reserved) and the names a struct field
/// cannot take.
fn is_keyword(s: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
        "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move",
        "mut", "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait",
        "true", "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do",
        "final", "gen", "macro", "override", "priv", "try", "typeof", "unsized", "virtual",
        "yield",
    ];
    KEYWORDS.contains(&s)
}

/// Index options in the reader's spelling of SQL, so that the structs
/// inspectdb prints read back as the state adoption records.
fn model_spelling(o: &crate::IndexOptions) -> crate::IndexOptions {
    let spell = |e: &String| crate::expr::normalize(e).unwrap_or_else(|_| e.clone());
    crate::IndexOptions {
        expressions: o.expressions.iter().map(spell).collect(),
        predicate: o.predicate.as_ref().map(spell),
        ..o.clone()
    }
}

#[cfg(test)]
mod tests;
