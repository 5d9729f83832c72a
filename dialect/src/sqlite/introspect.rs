//! Reading SQLite's catalog into a [`Catalog`], with a fixed number of
//! queries whatever the table count (table-valued pragma functions).
//! Constraint names and check expressions exist only in the stored CREATE
//! TABLE text, so that text is parsed with sqlparser.

#[cfg(feature = "sqlite")]
use super::connection::SqliteDatabase;
use crate::{Database, DbError, Value};
use remodel_model::catalog::{
    Catalog, CatalogColumn, CatalogForeignKey, CatalogIndex, CatalogObject, CatalogTable,
    ObjectKind, Unmodelled,
};
use remodel_model::names::{NameKind, derived_name};
use remodel_model::{Auto, ColumnDefault, ColumnType, Generated, Literal, OnDelete, expr};
use sqlparser::ast::{
    ColumnOption, Expr as SqlExpr, OrderBySort, Statement, TableConstraint, UnaryOperator,
};
use sqlparser::dialect::SQLiteDialect;
use sqlparser::parser::Parser;
use std::collections::BTreeMap;

const USER_TABLES: &str = "m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";

fn text(v: &Value) -> String {
    match v {
        Value::Text(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Float(x) => x.to_string(),
        _ => String::new(),
    }
}

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

/// Maps a declared SQLite type back to a column type (unknown spellings are raw).
pub(crate) fn parse_type(declared: &str) -> ColumnType {
    let t = declared.trim();
    let upper = t.to_ascii_uppercase();
    let args = |prefix: &str| -> Option<Vec<u32>> {
        let rest = upper.strip_prefix(prefix)?.trim_start();
        let inner = rest.strip_prefix('(')?.strip_suffix(')')?;
        inner.split(',').map(|p| p.trim().parse().ok()).collect()
    };
    match upper.as_str() {
        "BOOLEAN" | "BOOL" => return ColumnType::Boolean,
        "SMALLINT" => return ColumnType::SmallInt,
        "INTEGER" | "INT" => return ColumnType::Integer,
        "BIGINT" => return ColumnType::BigInt,
        "REAL" | "DOUBLE" | "DOUBLE PRECISION" | "FLOAT" => return ColumnType::Double,
        "TEXT" => return ColumnType::Text,
        "BLOB" => return ColumnType::Blob,
        "DATE" => return ColumnType::Date,
        "TIME" => return ColumnType::Time,
        "TIMESTAMP" | "DATETIME" => return ColumnType::Timestamp,
        "TIMESTAMPTZ" => return ColumnType::TimestampTz,
        "UUID" => return ColumnType::Uuid,
        "JSON" => return ColumnType::Json,
        _ => {}
    }
    if let Some([n]) = args("VARCHAR").as_deref() {
        return ColumnType::Varchar(*n);
    }
    for prefix in ["DECIMAL", "NUMERIC"] {
        if let Some([p, s]) = args(prefix).as_deref() {
            return ColumnType::Decimal {
                precision: *p,
                scale: *s,
            };
        }
    }
    ColumnType::Raw(t.to_string())
}

/// Reads a stored default (pragma `dflt_value`) as a model default.
pub(crate) fn parse_default(text: &str, ty: &ColumnType) -> Option<ColumnDefault> {
    use sqlparser::ast::{Expr, Value as V};
    let dialect = SQLiteDialect {};
    let parsed = Parser::new(&dialect)
        .try_with_sql(text)
        .and_then(|mut p| p.parse_expr());
    let Ok(mut e) = parsed else {
        return Some(ColumnDefault::Sql(text.to_string()));
    };
    while let Expr::Nested(inner) = e {
        e = *inner;
    }
    let (negative, e) = match e {
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => (true, *expr),
        other => (false, other),
    };
    let number = |n: &str| -> Option<ColumnDefault> {
        let n = if negative {
            format!("-{n}")
        } else {
            n.to_string()
        };
        Some(ColumnDefault::Value(match ty {
            ColumnType::Boolean if n == "1" || n == "0" => Literal::Bool(n == "1"),
            ColumnType::Real | ColumnType::Double => Literal::Float(n.parse().ok()?),
            ColumnType::Decimal { .. } => Literal::Str(n),
            _ => n
                .parse()
                .map(Literal::Int)
                .or_else(|_| n.parse().map(Literal::Float))
                .ok()?,
        }))
    };
    match &e {
        Expr::Value(v) => match &v.value {
            V::Null => None,
            V::SingleQuotedString(s) if !negative => {
                Some(ColumnDefault::Value(Literal::Str(s.clone())))
            }
            V::Boolean(b) if !negative => Some(ColumnDefault::Value(Literal::Bool(*b))),
            V::Number(n, _) => number(n).or_else(|| Some(ColumnDefault::Sql(text.to_string()))),
            _ => Some(ColumnDefault::Sql(
                expr::normalize(text).unwrap_or_else(|_| text.to_string()),
            )),
        },
        _ => Some(ColumnDefault::Sql(
            expr::normalize(text).unwrap_or_else(|_| text.to_string()),
        )),
    }
}

fn pragma_action(s: &str) -> OnDelete {
    match s.to_ascii_uppercase().as_str() {
        "CASCADE" => OnDelete::Cascade,
        "RESTRICT" => OnDelete::Restrict,
        "SET NULL" => OnDelete::SetNull,
        "SET DEFAULT" => OnDelete::SetDefault,
        _ => OnDelete::NoAction,
    }
}

/// What only the stored CREATE TABLE text says: constraint names (`None`
/// when unnamed), check expressions, and facts no model can declare.
#[derive(Default)]
struct Parsed {
    /// The primary key constraint's name.
    pk_name: Option<String>,
    /// (columns, name) of unique constraints.
    uniques: Vec<(Vec<String>, Option<String>)>,
    /// (referencing columns, name, deferrable clause) of foreign keys.
    fks: Vec<(Vec<String>, Option<String>, Option<String>)>,
    /// (name, expression) of checks.
    checks: Vec<(Option<String>, String)>,
    /// (column, collation) of columns declared with COLLATE.
    collations: Vec<(String, String)>,
    /// Table options (`WITHOUT ROWID`, `STRICT`).
    options: Vec<&'static str>,
    /// (column, expression) of generated columns.
    generated: Vec<(String, String)>,
}

/// `sql` with each of `types` (declared types of several words), where it
/// follows a column's name, written as one quoted name.
fn quote_types(sql: &str, types: &[String]) -> String {
    let mut out = sql.to_string();
    for ty in types {
        let quoted = format!(" \"{}\"", ty.replace('"', "\"\""));
        // Only where a blank precedes it: a column's name comes first.
        out = out.replace(&format!(" {ty}"), &quoted);
    }
    out
}

fn parse_table(sql: &str) -> Result<Parsed, String> {
    let stmts = Parser::parse_sql(&SQLiteDialect {}, sql).map_err(|e| e.to_string())?;
    let Some(Statement::CreateTable(ct)) = stmts.into_iter().next() else {
        return Err("not a CREATE TABLE statement".into());
    };
    let mut parsed = Parsed::default();
    if ct.without_rowid {
        parsed.options.push("WITHOUT ROWID");
    }
    if ct.strict {
        parsed.options.push("STRICT");
    }
    let ident = |i: &Option<sqlparser::ast::Ident>| i.as_ref().map(|i| i.value.clone());
    let ident_list = |cols: &[sqlparser::ast::IndexColumn]| -> Vec<String> {
        cols.iter()
            .map(|c| match &c.column.expr {
                sqlparser::ast::Expr::Identifier(i) => i.value.clone(),
                other => other.to_string(),
            })
            .collect()
    };
    let deferrable = |c: &Option<sqlparser::ast::ConstraintCharacteristics>| {
        c.as_ref()
            .filter(|c| c.deferrable == Some(true))
            .map(|c| c.to_string())
    };
    for col in &ct.columns {
        let column = col.name.value.clone();
        for opt in &col.options {
            let name = ident(&opt.name);
            match &opt.option {
                ColumnOption::PrimaryKey(pk) => {
                    parsed.pk_name = name.or(ident(&pk.name));
                }
                ColumnOption::Unique(u) => parsed
                    .uniques
                    .push((vec![column.clone()], name.or(ident(&u.name)))),
                ColumnOption::ForeignKey(fk) => parsed.fks.push((
                    vec![column.clone()],
                    name.or(ident(&fk.name)),
                    deferrable(&fk.characteristics),
                )),
                ColumnOption::Check(c) => parsed
                    .checks
                    .push((name.or(ident(&c.name)), c.expr.to_string())),
                ColumnOption::Collation(c) => {
                    parsed.collations.push((column.clone(), c.to_string()));
                }
                ColumnOption::Generated {
                    generation_expr: Some(e),
                    ..
                } => parsed.generated.push((column.clone(), e.to_string())),
                _ => {}
            }
        }
    }
    for c in &ct.constraints {
        match c {
            TableConstraint::PrimaryKey(pk) => parsed.pk_name = ident(&pk.name),
            TableConstraint::Unique(u) => parsed
                .uniques
                .push((ident_list(&u.columns), ident(&u.name))),
            TableConstraint::ForeignKey(fk) => parsed.fks.push((
                fk.columns.iter().map(|i| i.value.clone()).collect(),
                ident(&fk.name),
                deferrable(&fk.characteristics),
            )),
            TableConstraint::Check(ch) => {
                parsed.checks.push((ident(&ch.name), ch.expr.to_string()))
            }
            _ => {}
        }
    }
    Ok(parsed)
}

/// The name an unnamed constraint reads back as: the one a model derives
/// (SQLite never uses a constraint's name, so an unnamed one and one named
/// as the model would name it are the same table), made unique within the
/// table when two would share it.
fn unnamed(taken: &mut Vec<String>, table: &str, columns: &[String], kind: NameKind) -> String {
    let base = derived_name(table, columns, kind);
    let mut name = base.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}_{n}");
        n += 1;
    }
    taken.push(name.clone());
    name
}

/// A foreign key's pragma rows: referenced table, columns, referenced
/// columns, delete action, update action.
type FkRows = (String, Vec<String>, Vec<String>, OnDelete, String);

/// Reads every user table, or with `only` just those tables.
#[cfg(feature = "sqlite")]
pub(crate) async fn introspect(
    db: &mut SqliteDatabase,
    only: Option<&[String]>,
) -> Result<Catalog, DbError> {
    let ie = |e: DbError| DbError::Introspect(e.to_string());
    // The tables read: all, or those of a JSON list bound as the one parameter.
    let (filter, params) = match only {
        None => (String::new(), vec![]),
        Some(names) => (
            " AND m.name IN (SELECT value FROM json_each(?))".to_string(),
            vec![Value::Text(json_list(names))],
        ),
    };
    let tables = db
        .query(
            &format!(
                "SELECT m.name, m.sql FROM sqlite_master m WHERE {USER_TABLES}{filter} ORDER BY m.name"
            ),
            &params,
        )
        .await
        .map_err(ie)?;
    let columns = db
        .query(
            &format!(
                "SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk, p.hidden \
                 FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p WHERE {USER_TABLES}{filter} ORDER BY m.name, p.cid"
            ),
            &params,
        )
        .await
        .map_err(ie)?;
    let fks = db
        .query(
            &format!(
                "SELECT m.name, f.id, f.\"table\", f.\"from\", f.\"to\", f.on_delete, f.on_update \
                 FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE {USER_TABLES}{filter} ORDER BY m.name, f.id, f.seq"
            ),
            &params,
        )
        .await
        .map_err(ie)?;
    let indexes = db
        .query(
            &format!(
                "SELECT m.name, il.name, il.\"unique\", il.origin, ii.name, il.partial, ix.\"desc\", s.sql \
                 FROM sqlite_master m JOIN pragma_index_list(m.name) il JOIN pragma_index_info(il.name) ii \
                 JOIN pragma_index_xinfo(il.name) ix ON ix.seqno = ii.seqno \
                 LEFT JOIN sqlite_master s ON s.type = 'index' AND s.name = il.name \
                 WHERE {USER_TABLES}{filter} ORDER BY m.name, il.name, ii.seqno"
            ),
            &params,
        )
        .await
        .map_err(ie)?;
    let mut catalog = catalog_from_rows(&tables, &columns, &fks, &indexes);
    if only.is_none() {
        // Views and triggers: what the schema holds besides tables and indexes.
        let objects = db
            .query(
                "SELECT m.type, m.name, m.tbl_name, m.sql FROM sqlite_master m \
                 WHERE m.type IN ('view', 'trigger') AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
                 ORDER BY m.type, m.tbl_name, m.name",
                &[],
            )
            .await
            .map_err(ie)?;
        catalog.objects = objects_from_rows(&objects);
    }
    Ok(catalog)
}

/// `["a","b"]` for names, as `json_each` reads them.
fn json_list(names: &[String]) -> String {
    let quoted: Vec<String> = names
        .iter()
        .map(|n| {
            let mut q = String::from('"');
            for c in n.chars() {
                match c {
                    '"' => q.push_str("\\\""),
                    '\\' => q.push_str("\\\\"),
                    c if (c as u32) < 0x20 => q.push_str(&format!("\\u{:04x}", c as u32)),
                    c => q.push(c),
                }
            }
            q.push('"');
            q
        })
        .collect();
    format!("[{}]", quoted.join(","))
}

/// The catalog the four queries' rows describe. A table whose stored
/// definition does not parse is left out and named in
/// [`Catalog::unreadable`], so one odd table does not hide the others.
fn catalog_from_rows(
    tables: &[Vec<Value>],
    columns: &[Vec<Value>],
    fks: &[Vec<Value>],
    indexes: &[Vec<Value>],
) -> Catalog {
    let mut catalog = Catalog::default();
    let mut parsed_of: BTreeMap<String, Parsed> = BTreeMap::new();
    let mut sql_of: BTreeMap<String, String> = BTreeMap::new();
    for row in tables {
        let name = text(&row[0]);
        let sql = text(&row[1]);
        // SQLite takes a type of several words (`BLOB SUB_TYPE TEXT`),
        // which the parser does not: such types, as the table's columns
        // declare them, are read as one quoted name instead.
        let several_words: Vec<String> = columns
            .iter()
            .filter(|c| text(&c[0]) == name)
            .map(|c| text(&c[2]))
            .filter(|ty| ty.split_whitespace().count() > 1 && !ty.contains('('))
            .collect();
        let parsed = parse_table(&sql).or_else(|e| {
            if several_words.is_empty() {
                return Err(e);
            }
            parse_table(&quote_types(&sql, &several_words)).map_err(|_| e)
        });
        match parsed {
            Ok(parsed) => {
                parsed_of.insert(name.clone(), parsed);
                sql_of.insert(name.clone(), sql);
                catalog.tables.insert(name, CatalogTable::default());
            }
            Err(e) => {
                catalog
                    .unreadable
                    .insert(name, format!("remodel cannot parse its definition ({e})"));
            }
        }
    }

    let mut pk_order: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
    let mut declared: BTreeMap<(String, String), String> = BTreeMap::new();
    for row in columns {
        let (table, col) = (text(&row[0]), text(&row[1]));
        let Some(t) = catalog.tables.get_mut(&table) else {
            continue;
        };
        // A generated column is hidden 2 (virtual) or 3 (stored); its
        // expression is read from the table's definition.
        let hidden = int(&row[6]);
        let generated = if hidden == 2 || hidden == 3 {
            let e = parsed_of
                .get(&table)
                .and_then(|p| p.generated.iter().find(|(c, _)| *c == col))
                .map(|(_, e)| expr::normalize(e).unwrap_or_else(|_| e.clone()));
            let Some(expr) = e else {
                t.add_fact(
                    format!("column {col}"),
                    Unmodelled::new(
                        format!("is a generated column of type {}", text(&row[2])),
                        &[&table, &col],
                    ),
                );
                continue;
            };
            Some(Generated {
                expr,
                stored: hidden == 3,
            })
        } else {
            None
        };
        let ty = parse_type(&text(&row[2]));
        let default = match &row[4] {
            Value::Null => None,
            v => parse_default(&text(v), &ty),
        };
        declared.insert((table.clone(), col.clone()), text(&row[2]));
        t.column_order.0.push(col.clone());
        t.declared_types.0.insert(col.clone(), text(&row[2]));
        t.columns.insert(
            col.clone(),
            CatalogColumn {
                ty,
                null: int(&row[3]) == 0,
                default,
                comment: None,
                auto: Auto::No,
                collation: None,
                charset: None,
                on_update_sql: None,
                generated,
            },
        );
        if int(&row[5]) > 0 {
            pk_order.entry(table).or_default().push((int(&row[5]), col));
        }
    }
    for (table, mut cols) in pk_order {
        cols.sort();
        let t = catalog
            .tables
            .get_mut(&table)
            .expect("pk rows come from known tables");
        t.primary_key = cols.into_iter().map(|(_, c)| c).collect();
        let parsed = &parsed_of[&table];
        t.primary_key_name = Some(
            parsed
                .pk_name
                .clone()
                .unwrap_or_else(|| derived_name(&table, &t.primary_key, NameKind::PrimaryKey)),
        );
        // A single INTEGER key of a rowid table is the row id; AUTOINCREMENT
        // (allowed only there) keeps ids of deleted rows from coming back.
        if let [key] = t.primary_key.as_slice()
            && declared
                .get(&(table.clone(), key.clone()))
                .is_some_and(|d| d.trim().eq_ignore_ascii_case("INTEGER"))
            && !parsed.options.contains(&"WITHOUT ROWID")
        {
            let autoinc = sql_of[&table]
                .to_ascii_uppercase()
                .contains("AUTOINCREMENT");
            let key = key.clone();
            if let Some(c) = t.columns.get_mut(&key) {
                c.auto = if autoinc { Auto::Yes } else { Auto::RowId };
            }
        }
    }

    // Foreign keys: pragma rows grouped by id, named from the parsed text.
    let mut grouped: BTreeMap<(String, i64), FkRows> = BTreeMap::new();
    for row in fks {
        let entry = grouped
            .entry((text(&row[0]), int(&row[1])))
            .or_insert_with(|| {
                (
                    text(&row[2]),
                    Vec::new(),
                    Vec::new(),
                    pragma_action(&text(&row[5])),
                    text(&row[6]),
                )
            });
        entry.1.push(text(&row[3]));
        entry.2.push(text(&row[4]));
    }
    let mut taken: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (table, parsed) in &parsed_of {
        let names = taken.entry(table.clone()).or_default();
        names.extend(parsed.fks.iter().filter_map(|(_, n, _)| n.clone()));
        names.extend(parsed.uniques.iter().filter_map(|(_, n)| n.clone()));
        names.extend(parsed.checks.iter().filter_map(|(n, _)| n.clone()));
    }
    // Pragma ids count foreign keys from the last one written.
    for ((table, _), (ref_table, cols, mut ref_cols, on_delete, on_update)) in
        grouped.into_iter().rev()
    {
        let Some(parsed) = parsed_of.get_mut(&table) else {
            continue;
        };
        // `to` is NULL when the reference names no column: the target's primary key.
        if ref_cols.iter().all(String::is_empty) {
            ref_cols = catalog
                .tables
                .get(&ref_table)
                .map(|t| t.primary_key.clone())
                .unwrap_or_default();
        }
        let found = parsed.fks.iter().position(|(c, _, _)| *c == cols);
        let (named, deferrable) = match found.map(|i| parsed.fks.remove(i)) {
            Some((_, n, d)) => (n, d),
            None => (None, None),
        };
        let names = taken.entry(table.clone()).or_default();
        let name = named.unwrap_or_else(|| unnamed(names, &table, &cols, NameKind::ForeignKey));
        if let Some(t) = catalog.tables.get_mut(&table) {
            if let Some(d) = deferrable {
                t.add_fact(
                    format!("foreign key {name}"),
                    Unmodelled::new(format!("is {d}"), &[&name]),
                );
            }
            t.foreign_keys.insert(
                name,
                CatalogForeignKey {
                    columns: cols,
                    ref_table,
                    ref_columns: ref_cols,
                    on_delete,
                    on_update: pragma_action(&on_update),
                },
            );
        }
    }

    // Indexes: CREATE INDEX ones are indexes; those made for UNIQUE constraints are uniques.
    let mut idx: BTreeMap<(String, String), (bool, String, Vec<String>)> = BTreeMap::new();
    // Expression, partial and descending indexes are read from the SQL
    // SQLite keeps; one that does not parse is kept as a fact.
    let mut special: BTreeMap<(String, String), String> = BTreeMap::new();
    for row in indexes {
        let key = (text(&row[0]), text(&row[1]));
        if !catalog.tables.contains_key(&key.0) {
            continue;
        }
        if matches!(row[4], Value::Null) || int(&row[5]) != 0 || int(&row[6]) != 0 {
            special.insert(key.clone(), text(&row[7]));
        }
        let e = idx
            .entry(key)
            .or_insert_with(|| (int(&row[2]) != 0, text(&row[3]), Vec::new()));
        e.2.push(text(&row[4]));
    }
    for ((table, index), sql) in special {
        let read = parse_index(&sql);
        let Some(t) = catalog.tables.get_mut(&table) else {
            continue;
        };
        idx.remove(&(table.clone(), index.clone()));
        match read {
            Some(ix) => {
                t.indexes.insert(index, ix);
            }
            None => t.add_fact(
                format!("index {index}"),
                Unmodelled::new(format!("is `{sql}`"), &[&index]),
            ),
        }
    }
    for ((table, index), (unique, origin, cols)) in idx {
        let Some(t) = catalog.tables.get_mut(&table) else {
            continue;
        };
        match origin.as_str() {
            "c" => {
                t.indexes.insert(
                    index,
                    CatalogIndex {
                        columns: cols,
                        unique,
                        ..Default::default()
                    },
                );
            }
            "u" => {
                let parsed = parsed_of.get_mut(&table).expect("a parsed table");
                let found = parsed.uniques.iter().position(|(c, _)| *c == cols);
                let named = found.and_then(|i| parsed.uniques.remove(i).1);
                let names = taken.entry(table.clone()).or_default();
                let name = named.unwrap_or_else(|| unnamed(names, &table, &cols, NameKind::Unique));
                t.uniques.insert(name, cols);
            }
            _ => {}
        }
    }
    for (table, parsed) in parsed_of {
        let Some(t) = catalog.tables.get_mut(&table) else {
            continue;
        };
        for (name, e) in parsed.checks {
            let e = expr::normalize(&e).unwrap_or(e);
            let name = name.unwrap_or_else(|| {
                let cols = expr::columns(&e).unwrap_or_default();
                unnamed(
                    taken.entry(table.clone()).or_default(),
                    &table,
                    &cols,
                    NameKind::Check,
                )
            });
            t.checks.insert(name, e);
        }
        for (col, collation) in parsed.collations {
            if let Some(c) = t.columns.get_mut(&col) {
                c.collation = Some(collation.trim_matches(['"', '`', '[', ']']).to_string());
            }
        }
        for option in parsed.options {
            t.add_fact("table", Unmodelled::new(format!("is {option}"), &[&table]));
        }
        t.recognize_unsigned(
            &table,
            &|e| expr::normalize(e).unwrap_or_else(|_| e.to_string()),
            false,
        );
    }
    catalog
}

/// A `CREATE INDEX` statement as SQLite keeps it, as an index: key
/// columns until the first expression, then expressions, each ascending or
/// descending, and the predicate; `None` for what no model can say (NULLS
/// FIRST/LAST, an unparsable statement).
pub(crate) fn parse_index(sql: &str) -> Option<CatalogIndex> {
    let statements = Parser::parse_sql(&SQLiteDialect {}, sql).ok()?;
    let [Statement::CreateIndex(ci)] = statements.as_slice() else {
        return None;
    };
    let mut ix = CatalogIndex {
        unique: ci.unique,
        ..Default::default()
    };
    for part in &ci.columns {
        let o = &part.column.options;
        if o.nulls_first.is_some() || part.operator_class.is_some() {
            return None;
        }
        let desc = match &o.sort {
            None | Some(OrderBySort::Asc) => false,
            Some(OrderBySort::Desc) => true,
            Some(OrderBySort::Using(_)) => return None,
        };
        ix.options.descending.push(desc);
        match &part.column.expr {
            SqlExpr::Identifier(id) if ix.options.expressions.is_empty() => {
                ix.columns.push(id.value.clone())
            }
            e => ix
                .options
                .expressions
                .push(expr::normalize(&e.to_string()).ok()?),
        }
    }
    if let Some(p) = &ci.predicate {
        ix.options.predicate = Some(expr::normalize(&p.to_string()).ok()?);
    }
    let parts = ix.columns.len() + ix.options.expressions.len();
    ix.options = std::mem::take(&mut ix.options).tidy(parts);
    Some(ix)
}

/// The rows of the objects query (type, name, table, SQL) as objects: a
/// view belongs to no table (SQLite names the view itself there).
fn objects_from_rows(rows: &[Vec<Value>]) -> Vec<CatalogObject> {
    rows.iter()
        .filter_map(|row| {
            let cell = |i: usize| row.get(i).map(text).unwrap_or_default();
            let kind = ObjectKind::parse(&cell(0))?;
            Some(CatalogObject {
                kind,
                name: cell(1),
                table: (kind != ObjectKind::View).then(|| cell(2)),
                definition: cell(3),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_of_several_words_are_read() {
        // Sakila's film table, as its SQLite script writes it.
        let sql = "CREATE TABLE film (\n  film_id int NOT NULL,\n  description BLOB SUB_TYPE TEXT DEFAULT NULL,\n  CONSTRAINT pk_film PRIMARY KEY (film_id)\n)";
        assert!(parse_table(sql).is_err());
        let quoted = quote_types(sql, &["BLOB SUB_TYPE TEXT".to_string()]);
        assert!(quoted.contains("description \"BLOB SUB_TYPE TEXT\" DEFAULT NULL"));
        assert_eq!(
            parse_table(&quoted).unwrap().pk_name.as_deref(),
            Some("pk_film")
        );
    }

    #[test]
    fn views_and_triggers_are_objects() {
        let row = |cells: [&str; 4]| cells.map(|c| Value::Text(c.into())).to_vec();
        let objects = objects_from_rows(&[
            row([
                "trigger",
                "film_ai",
                "film",
                "CREATE TRIGGER film_ai AFTER INSERT ON film BEGIN SELECT 1; END",
            ]),
            row([
                "view",
                "film_list",
                "film_list",
                "CREATE VIEW film_list AS SELECT 1",
            ]),
            row(["table", "film", "film", "CREATE TABLE film (id INTEGER)"]),
        ]);
        assert_eq!(
            objects,
            [
                CatalogObject {
                    kind: ObjectKind::Trigger,
                    name: "film_ai".into(),
                    table: Some("film".into()),
                    definition: "CREATE TRIGGER film_ai AFTER INSERT ON film BEGIN SELECT 1; END"
                        .into(),
                },
                CatalogObject {
                    kind: ObjectKind::View,
                    name: "film_list".into(),
                    table: None,
                    definition: "CREATE VIEW film_list AS SELECT 1".into(),
                },
            ]
        );
    }

    #[test]
    fn types_map_back_to_tokens() {
        assert_eq!(parse_type("VARCHAR(20)"), ColumnType::Varchar(20));
        assert_eq!(
            parse_type("decimal(5, 2)"),
            ColumnType::Decimal {
                precision: 5,
                scale: 2
            }
        );
        assert_eq!(parse_type("TIMESTAMPTZ"), ColumnType::TimestampTz);
        assert_eq!(
            parse_type("geometry(Point)"),
            ColumnType::Raw("geometry(Point)".into())
        );
    }

    #[test]
    fn defaults_map_back_to_literals() {
        let v = |l: Literal| Some(ColumnDefault::Value(l));
        assert_eq!(
            parse_default("'ACTIVO'", &ColumnType::Text),
            v(Literal::Str("ACTIVO".into()))
        );
        assert_eq!(
            parse_default("'it''s'", &ColumnType::Text),
            v(Literal::Str("it's".into()))
        );
        assert_eq!(
            parse_default("-3", &ColumnType::Integer),
            v(Literal::Int(-3))
        );
        assert_eq!(
            parse_default("2.5", &ColumnType::Double),
            v(Literal::Float(2.5))
        );
        assert_eq!(
            parse_default(
                "1.50",
                &ColumnType::Decimal {
                    precision: 5,
                    scale: 2
                }
            ),
            v(Literal::Str("1.50".into()))
        );
        assert_eq!(
            parse_default("TRUE", &ColumnType::Boolean),
            v(Literal::Bool(true))
        );
        assert_eq!(
            parse_default("1", &ColumnType::Boolean),
            v(Literal::Bool(true))
        );
        assert_eq!(parse_default("NULL", &ColumnType::Text), None);
        assert_eq!(
            parse_default("CURRENT_TIMESTAMP", &ColumnType::Timestamp),
            Some(ColumnDefault::Sql("CURRENT_TIMESTAMP".into()))
        );
    }
}
