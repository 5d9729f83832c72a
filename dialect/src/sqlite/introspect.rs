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
use remodel_model::{ColumnDefault, ColumnType, Literal, OnDelete, expr};
use sqlparser::ast::{ColumnOption, ReferentialAction, Statement, TableConstraint, UnaryOperator};
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

fn action(a: &Option<ReferentialAction>) -> OnDelete {
    match a {
        Some(ReferentialAction::Cascade) => OnDelete::Cascade,
        Some(ReferentialAction::Restrict) => OnDelete::Restrict,
        Some(ReferentialAction::SetNull) => OnDelete::SetNull,
        Some(ReferentialAction::SetDefault) => OnDelete::SetDefault,
        _ => OnDelete::NoAction,
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

/// Names and checks found in a CREATE TABLE text.
#[derive(Default)]
struct Named {
    /// (columns, name) of unique constraints.
    uniques: Vec<(Vec<String>, String)>,
    /// (referencing column, name) of foreign keys.
    fks: Vec<(Vec<String>, String, OnDelete)>,
    /// name → expression.
    checks: Vec<(String, String)>,
}

fn parse_constraints(table: &str, sql: &str) -> Result<Named, String> {
    let stmts = Parser::parse_sql(&SQLiteDialect {}, sql).map_err(|e| e.to_string())?;
    let Some(Statement::CreateTable(ct)) = stmts.into_iter().next() else {
        return Err("not a CREATE TABLE statement".into());
    };
    let mut named = Named::default();
    let unnamed = |kind: &str, n: usize| format!("{table}_{kind}_{n}");
    let ident_list = |cols: &[sqlparser::ast::IndexColumn]| -> Vec<String> {
        cols.iter()
            .map(|c| match &c.column.expr {
                sqlparser::ast::Expr::Identifier(i) => i.value.clone(),
                other => other.to_string(),
            })
            .collect()
    };
    let mut n = 0;
    for col in &ct.columns {
        for opt in &col.options {
            n += 1;
            let name = opt.name.as_ref().map(|i| i.value.clone());
            match &opt.option {
                ColumnOption::Unique(u) => named.uniques.push((
                    vec![col.name.value.clone()],
                    name.or(u.name.as_ref().map(|i| i.value.clone()))
                        .unwrap_or_else(|| unnamed("unique", n)),
                )),
                ColumnOption::ForeignKey(fk) => named.fks.push((
                    vec![col.name.value.clone()],
                    name.or(fk.name.as_ref().map(|i| i.value.clone()))
                        .unwrap_or_else(|| unnamed("fk", n)),
                    action(&fk.on_delete),
                )),
                ColumnOption::Check(c) => named.checks.push((
                    name.or(c.name.as_ref().map(|i| i.value.clone()))
                        .unwrap_or_else(|| unnamed("check", n)),
                    c.expr.to_string(),
                )),
                _ => {}
            }
        }
    }
    for c in &ct.constraints {
        n += 1;
        match c {
            TableConstraint::Unique(u) => named.uniques.push((
                ident_list(&u.columns),
                u.name
                    .as_ref()
                    .map(|i| i.value.clone())
                    .unwrap_or_else(|| unnamed("unique", n)),
            )),
            TableConstraint::ForeignKey(fk) => named.fks.push((
                fk.columns.iter().map(|i| i.value.clone()).collect(),
                fk.name
                    .as_ref()
                    .map(|i| i.value.clone())
                    .unwrap_or_else(|| unnamed("fk", n)),
                action(&fk.on_delete),
            )),
            TableConstraint::Check(ch) => named.checks.push((
                ch.name
                    .as_ref()
                    .map(|i| i.value.clone())
                    .unwrap_or_else(|| unnamed("check", n)),
                ch.expr.to_string(),
            )),
            _ => {}
        }
    }
    Ok(named)
}

/// A foreign key's pragma rows: referenced table, columns, referenced
/// columns, delete action, update action.
type FkRows = (String, Vec<String>, Vec<String>, OnDelete, String);

/// Reads every user table.
#[cfg(feature = "sqlite")]
pub(crate) async fn introspect(db: &mut SqliteDatabase) -> Result<Catalog, DbError> {
    let ie = |e: DbError| DbError::Introspect(e.to_string());
    let tables = db
        .query(
            &format!(
                "SELECT m.name, m.sql FROM sqlite_master m WHERE {USER_TABLES} ORDER BY m.name"
            ),
            &[],
        )
        .await
        .map_err(ie)?;
    let columns = db
        .query(
            &format!(
                "SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk, p.hidden \
                 FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p WHERE {USER_TABLES} ORDER BY m.name, p.cid"
            ),
            &[],
        )
        .await
        .map_err(ie)?;
    let fks = db
        .query(
            &format!(
                "SELECT m.name, f.id, f.\"table\", f.\"from\", f.\"to\", f.on_delete, f.on_update \
                 FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE {USER_TABLES} ORDER BY m.name, f.id, f.seq"
            ),
            &[],
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
                 WHERE {USER_TABLES} ORDER BY m.name, il.name, ii.seqno"
            ),
            &[],
        )
        .await
        .map_err(ie)?;

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

    let mut catalog = Catalog {
        objects: objects_from_rows(&objects),
        ..Catalog::default()
    };
    let mut sql_of: BTreeMap<String, String> = BTreeMap::new();
    for row in &tables {
        let name = text(&row[0]);
        sql_of.insert(name.clone(), text(&row[1]));
        catalog.tables.insert(name, CatalogTable::default());
    }

    let mut pk_order: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
    for row in &columns {
        let (table, col) = (text(&row[0]), text(&row[1]));
        let Some(t) = catalog.tables.get_mut(&table) else {
            continue;
        };
        if int(&row[6]) != 0 {
            // A generated column (hidden 2 or 3) is not a field: kept as a fact.
            t.unmodelled.insert(
                format!("column {col}"),
                Unmodelled::new(
                    format!("is a generated column of type {}", text(&row[2])),
                    &[&table, &col],
                ),
            );
            continue;
        }
        let ty = parse_type(&text(&row[2]));
        let default = match &row[4] {
            Value::Null => None,
            v => parse_default(&text(v), &ty),
        };
        t.column_order.0.push(col.clone());
        t.columns.insert(
            col.clone(),
            CatalogColumn {
                ty,
                null: int(&row[3]) == 0,
                default,
                comment: None,
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
        let autoinc = sql_of
            .get(&table)
            .is_some_and(|s| s.to_ascii_uppercase().contains("AUTOINCREMENT"));
        if autoinc && t.primary_key.len() == 1 {
            t.auto_increment = Some(t.primary_key[0].clone());
        }
    }

    let mut named_of: BTreeMap<String, Named> = BTreeMap::new();
    for (table, sql) in &sql_of {
        let named = parse_constraints(table, sql).map_err(|e| {
            DbError::Introspect(format!("cannot parse the definition of table {table}: {e}"))
        })?;
        named_of.insert(table.clone(), named);
    }

    // Foreign keys: pragma rows grouped by id, named from the parsed text.
    let mut grouped: BTreeMap<(String, i64), FkRows> = BTreeMap::new();
    for row in &fks {
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
    for ((table, id), (ref_table, cols, mut ref_cols, on_delete, on_update)) in grouped {
        // `to` is NULL when the reference names no column: the target's primary key.
        if ref_cols.iter().all(String::is_empty) {
            ref_cols = catalog
                .tables
                .get(&ref_table)
                .map(|t| t.primary_key.clone())
                .unwrap_or_default();
        }
        let name = named_of
            .get(&table)
            .and_then(|n| n.fks.iter().find(|(c, _, _)| *c == cols))
            .map(|(_, n, _)| n.clone())
            .unwrap_or_else(|| format!("{table}_fk_{id}"));
        if let Some(t) = catalog.tables.get_mut(&table) {
            let update = on_update.to_ascii_uppercase();
            if !update.is_empty() && update != "NO ACTION" {
                t.unmodelled.insert(
                    format!("foreign key {name}"),
                    Unmodelled::new(format!("has ON UPDATE {update}"), &[&name]),
                );
            }
            t.foreign_keys.insert(
                name,
                CatalogForeignKey {
                    columns: cols,
                    ref_table,
                    ref_columns: ref_cols,
                    on_delete,
                },
            );
        }
    }

    // Indexes: CREATE INDEX ones are indexes; those made for UNIQUE constraints are uniques.
    let mut idx: BTreeMap<(String, String), (bool, String, Vec<String>)> = BTreeMap::new();
    // Expression, partial and descending indexes, which no model can
    // declare, are kept only as facts, with their definition.
    let mut unmodelled: BTreeMap<(String, String), String> = BTreeMap::new();
    for row in &indexes {
        let key = (text(&row[0]), text(&row[1]));
        if matches!(row[4], Value::Null) || int(&row[5]) != 0 || int(&row[6]) != 0 {
            unmodelled.insert(key.clone(), text(&row[7]));
        }
        let e = idx
            .entry(key)
            .or_insert_with(|| (int(&row[2]) != 0, text(&row[3]), Vec::new()));
        e.2.push(text(&row[4]));
    }
    idx.retain(|key, _| !unmodelled.contains_key(key));
    for ((table, index), sql) in unmodelled {
        if let Some(t) = catalog.tables.get_mut(&table) {
            t.unmodelled.insert(
                format!("index {index}"),
                Unmodelled::new(format!("is `{sql}`"), &[&index]),
            );
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
                    },
                );
            }
            "u" => {
                let name = named_of
                    .get(&table)
                    .and_then(|n| n.uniques.iter().find(|(c, _)| *c == cols))
                    .map(|(_, n)| n.clone())
                    .unwrap_or(index);
                t.uniques.insert(name, cols);
            }
            _ => {}
        }
    }
    for (table, named) in named_of {
        let Some(t) = catalog.tables.get_mut(&table) else {
            continue;
        };
        for (name, e) in named.checks {
            t.checks.insert(name, expr::normalize(&e).unwrap_or(e));
        }
    }
    Ok(catalog)
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
