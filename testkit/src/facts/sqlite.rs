//! SQLite's facts: `pragma_table_list`, `pragma_table_xinfo`,
//! `pragma_index_list`/`_xinfo`, `pragma_foreign_key_list`, `sqlite_master`
//! and `sqlite_sequence`, plus what only the `CREATE TABLE` text says
//! ([`super::sqlite_ddl`]).

use super::{Facts, flag, list, one_line, query, sqlite_ddl, text};
use remodel_dialect::Database;
use std::collections::BTreeMap;

/// Tables and views of the main schema (not SQLite's own `sqlite_*`).
const USER: &str = "m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";

pub(super) async fn facts(db: &mut dyn Database, out: &mut Facts) {
    // Tables and views, with their options and text.
    let sql = format!(
        "SELECT m.type, m.name, m.sql, l.type, l.wr, l.strict FROM sqlite_master m \
         LEFT JOIN pragma_table_list l ON l.schema = 'main' AND l.name = m.name \
         WHERE m.type IN ('table', 'view') AND {USER}"
    );
    let mut ddl = BTreeMap::new();
    let mut without_rowid = BTreeMap::new();
    for r in query(db, &sql).await {
        let (kind, name, sql) = (text(&r[0]), text(&r[1]).to_string(), text(&r[2]));
        if kind == "view" {
            out.add(&name, format!("view: {}", one_line(sql)));
            continue;
        }
        let wr = flag(&r[4]);
        let mut options = vec![match text(&r[3]) {
            "virtual" => format!("virtual table {}", one_line(sql)),
            "shadow" => "shadow table".to_string(),
            _ if wr => "without rowid".to_string(),
            _ => "rowid table".to_string(),
        }];
        if flag(&r[5]) {
            options.push("strict".into());
        }
        out.add(&name, format!("table: {}", options.join(", ")));
        without_rowid.insert(name.clone(), wr);
        ddl.insert(name, sqlite_ddl::parse(sql));
    }

    // Columns.
    let sql = format!(
        "SELECT m.name, x.cid, x.name, x.type, x.\"notnull\", x.dflt_value, x.pk, x.hidden \
         FROM sqlite_master m JOIN pragma_table_xinfo(m.name) x \
         WHERE m.type = 'table' AND {USER} ORDER BY m.name, x.cid"
    );
    let mut order: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut keys: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
    let rows = query(db, &sql).await;
    let mut key_columns: BTreeMap<String, usize> = BTreeMap::new();
    for r in &rows {
        if text(&r[6]) != "0" {
            *key_columns.entry(text(&r[0]).to_string()).or_default() += 1;
        }
    }
    for r in rows {
        let (table, column) = (text(&r[0]).to_string(), text(&r[2]).to_string());
        let d = ddl.get(&table).cloned().unwrap_or_default();
        let mut line = format!("column {column}: {}", text(&r[3]));
        if line.ends_with(": ") {
            line.push_str("(no type)");
        }
        // A row id is never NULL, declared NOT NULL or not: only a key that
        // is not the row id says something with it.
        let row_id = text(&r[6]) == "1"
            && key_columns.get(&table) == Some(&1)
            && text(&r[3]).eq_ignore_ascii_case("INTEGER")
            && without_rowid.get(&table) != Some(&true);
        if flag(&r[4]) && !row_id {
            line.push_str(" not null");
        }
        // An explicit DEFAULT NULL is what a column without a default has:
        // a rebuild that writes no default keeps it.
        if let Some(default) = r[5]
            .as_deref()
            .filter(|d| !d.trim().eq_ignore_ascii_case("null"))
        {
            line.push_str(&format!(" default {}", one_line(default)));
        }
        if let Some(c) = d.collation(&column) {
            line.push_str(&format!(" collate {c}"));
        }
        match text(&r[7]) {
            "2" | "3" => line.push_str(&format!(
                " generated always as ({}) {}",
                one_line(d.generated(&column).unwrap_or("?")),
                if text(&r[7]) == "3" {
                    "stored"
                } else {
                    "virtual"
                }
            )),
            "1" => line.push_str(" hidden"),
            _ => {}
        }
        out.add(&table, line);
        let pk: i64 = text(&r[6]).parse().unwrap_or(0);
        if pk > 0 {
            keys.entry(table.clone())
                .or_default()
                .push((pk, column.clone()));
        }
        order.entry(table).or_default().push(column);
    }
    for (table, columns) in &order {
        out.add(table, format!("columns: {}", list(columns)));
    }

    // Indexes: explicit ones by their text; those SQLite made for a key or a
    // UNIQUE constraint by their columns.
    let sql = format!(
        "SELECT m.name, il.name, il.\"unique\", il.origin, il.partial, s.sql \
         FROM sqlite_master m JOIN pragma_index_list(m.name) il \
         LEFT JOIN sqlite_master s ON s.type = 'index' AND s.name = il.name \
         WHERE m.type = 'table' AND {USER}"
    );
    let indexes = query(db, &sql).await;
    let sql = format!(
        "SELECT il.name, ix.seqno, ix.name, ix.\"desc\", ix.coll \
         FROM sqlite_master m JOIN pragma_index_list(m.name) il JOIN pragma_index_xinfo(il.name) ix \
         WHERE m.type = 'table' AND {USER} AND ix.key = 1 ORDER BY il.name, ix.seqno"
    );
    let mut index_columns: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in query(db, &sql).await {
        let mut c = r[2].clone().unwrap_or_else(|| "(expression)".into());
        if flag(&r[3]) {
            c.push_str(" desc");
        }
        if let Some(coll) = r[4].as_deref().filter(|c| *c != "BINARY") {
            c.push_str(&format!(" collate {coll}"));
        }
        index_columns
            .entry(text(&r[0]).to_string())
            .or_default()
            .push(c);
    }
    let mut own_key_index = BTreeMap::new();
    for r in indexes {
        let (table, index) = (text(&r[0]), text(&r[1]));
        let cols = index_columns.get(index).cloned().unwrap_or_default();
        match text(&r[3]) {
            "pk" => {
                // Its columns carry the key's order and collations.
                own_key_index.insert(table.to_string(), cols);
            }
            "u" => {
                // Named or not, SQLite never uses a UNIQUE constraint's name
                // (no pragma reports it, no error names it, nothing drops
                // it by name): it is not a fact of the table.
                out.add(table, format!("unique ({})", list(&cols)));
            }
            // A plain index by what it is (its text is only the spelling
            // it was created with); an expression or partial one by its
            // text, which is all that says what it is.
            _ if cols.iter().any(|c| c.starts_with("(expression)")) || flag(&r[4]) => {
                out.add(table, format!("index {index}: {}", one_line(text(&r[5]))))
            }
            _ => out.add(
                table,
                format!(
                    "index {index}: {}({})",
                    if flag(&r[2]) { "unique " } else { "" },
                    list(&cols)
                ),
            ),
        }
    }

    // The primary key and its form.
    for (table, mut cols) in keys {
        cols.sort();
        let names: Vec<String> = match own_key_index.get(&table) {
            Some(indexed) => indexed.clone(),
            None => cols.into_iter().map(|(_, c)| c).collect(),
        };
        let d = ddl.get(&table).cloned().unwrap_or_default();
        let form = if without_rowid.get(&table) == Some(&true) {
            "the table's key (without rowid)".to_string()
        } else if own_key_index.contains_key(&table) {
            "own index".to_string()
        } else if d.autoincrement {
            "rowid alias, autoincrement".to_string()
        } else {
            "rowid alias".to_string()
        };
        out.add(
            &table,
            format!(
                "primary key {} ({}): {form}",
                d.pk_name.as_deref().unwrap_or("-"),
                list(&names)
            ),
        );
    }

    // CHECK constraints exist only in the text. By what they check: remodel
    // writes every check it rebuilds with a name (an unnamed one gets the
    // name a model derives, which SQLite shows only in a violation's
    // message) and its identifiers quoted, which changes nothing it checks.
    for (table, d) in &ddl {
        for (_, expr) in &d.checks {
            out.add(
                table,
                format!("check: {}", one_line(&expr.replace('"', ""))),
            );
        }
    }

    // Foreign keys: the pragma's columns and actions; name and DEFERRABLE
    // from the text.
    let sql = format!(
        "SELECT m.name, f.id, f.seq, f.\"table\", f.\"from\", f.\"to\", f.on_update, f.on_delete, f.\"match\" \
         FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f \
         WHERE m.type = 'table' AND {USER} ORDER BY m.name, f.id, f.seq"
    );
    let mut fks: BTreeMap<(String, String), Vec<Vec<Option<String>>>> = BTreeMap::new();
    for r in query(db, &sql).await {
        fks.entry((text(&r[0]).to_string(), text(&r[1]).to_string()))
            .or_default()
            .push(r);
    }
    for ((table, _), parts) in fks {
        let from: Vec<String> = parts.iter().map(|r| text(&r[4]).to_string()).collect();
        let to: Vec<String> = parts
            .iter()
            .map(|r| r[5].clone().unwrap_or_else(|| "(its key)".into()))
            .collect();
        let r = &parts[0];
        let lower: Vec<String> = from.iter().map(|c| c.to_lowercase()).collect();
        let declared = ddl
            .get(&table)
            .and_then(|d| d.foreign_keys.iter().find(|(_, c, _)| *c == lower));
        // SQLite never uses a foreign key's name either (see `unique`).
        let mut line = format!(
            "foreign key ({}): references {} ({}) on delete {} on update {} match {}",
            list(&from),
            text(&r[3]),
            list(&to),
            text(&r[7]).to_lowercase(),
            text(&r[6]).to_lowercase(),
            text(&r[8]).to_lowercase(),
        );
        if let Some(d) = declared.and_then(|(_, _, d)| d.as_deref()) {
            line.push(' ');
            line.push_str(d);
        }
        out.add(&table, line);
    }

    // Triggers.
    for r in query(
        db,
        "SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'trigger'",
    )
    .await
    {
        out.add(
            text(&r[0]),
            format!("trigger {}: {}", text(&r[1]), one_line(text(&r[2]))),
        );
    }

    // AUTOINCREMENT's counter: the largest key ever handed out.
    let has_sequence = !query(
        db,
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'",
    )
    .await
    .is_empty();
    if has_sequence {
        for r in query(db, "SELECT name, seq FROM sqlite_sequence").await {
            out.add(text(&r[0]), format!("counter: {}", text(&r[1])));
        }
    }
}

/// The query [`super::rows`] runs: every column `quote()`d (so types stay
/// apart), in key order.
pub(super) async fn rows_sql(db: &mut dyn Database, table: &str) -> String {
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let lit = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let cols = query(
        db,
        &format!(
            "SELECT name, pk FROM pragma_table_xinfo({}) WHERE hidden <> 1 ORDER BY cid",
            lit(table)
        ),
    )
    .await;
    assert!(!cols.is_empty(), "no table {table}");
    let mut key: Vec<(i64, String)> = cols
        .iter()
        .filter_map(|r| {
            let pk: i64 = text(&r[1]).parse().ok()?;
            (pk > 0).then(|| (pk, q(text(&r[0]))))
        })
        .collect();
    key.sort();
    let all: Vec<String> = cols.iter().map(|r| q(text(&r[0]))).collect();
    let order: Vec<String> = if key.is_empty() {
        all.clone()
    } else {
        key.into_iter().map(|(_, c)| c).collect()
    };
    let select: Vec<String> = all.iter().map(|c| format!("quote({c})")).collect();
    format!(
        "SELECT {} FROM {} ORDER BY {}",
        select.join(", "),
        q(table),
        order.join(", ")
    )
}
