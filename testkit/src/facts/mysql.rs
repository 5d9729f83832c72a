//! MySQL's and MariaDB's facts, from `information_schema` of the current
//! database: TABLES, COLUMNS (COLUMN_TYPE, character set, collation,
//! EXTRA, generation expression), STATISTICS (every index with prefix
//! lengths and type), CHECK_CONSTRAINTS, REFERENTIAL_CONSTRAINTS,
//! TRIGGERS, VIEWS and PARTITIONS. The two servers differ in a few
//! columns; each is read where it exists.

use super::{Facts, flag, list, one_line, query, quoted, text};
use remodel_dialect::Database;
use std::collections::BTreeMap;

const HERE: &str = "TABLE_SCHEMA = DATABASE()";

pub(super) async fn facts(db: &mut dyn Database, out: &mut Facts) {
    let version = query(db, "SELECT VERSION()").await;
    let mariadb = version
        .first()
        .and_then(|r| r[0].as_deref())
        .is_some_and(|v| v.contains("MariaDB"));
    if !mariadb {
        // MySQL 8 caches table statistics (AUTO_INCREMENT among them).
        db.execute("SET SESSION information_schema_stats_expiry = 0", &[])
            .await
            .unwrap_or_else(|e| panic!("turning off the statistics cache: {e}"));
    }

    // Tables and views with their options.
    let sql = format!(
        "SELECT TABLE_NAME, TABLE_TYPE, ENGINE, TABLE_COLLATION, ROW_FORMAT, CREATE_OPTIONS, \
         TABLE_COMMENT, AUTO_INCREMENT FROM information_schema.TABLES WHERE {HERE}"
    );
    let mut views = Vec::new();
    for r in query(db, &sql).await {
        let name = text(&r[0]);
        if text(&r[1]) == "VIEW" {
            views.push(name.to_string());
            continue;
        }
        let mut line = format!(
            "table: {}, engine {}, collation {}, row format {}",
            text(&r[1]).to_lowercase(),
            text(&r[2]),
            text(&r[3]),
            text(&r[4])
        );
        if let Some(o) = r[5].as_deref().filter(|o| !o.is_empty()) {
            line.push_str(&format!(", options {o}"));
        }
        out.add(name, line);
        if let Some(c) = r[6].as_deref().filter(|c| !c.is_empty()) {
            out.add(name, format!("comment: {}", quoted(c)));
        }
        if let Some(n) = &r[7] {
            out.add(name, format!("counter: auto_increment {n}"));
        }
    }
    let sql = format!(
        "SELECT TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, SECURITY_TYPE FROM information_schema.VIEWS WHERE {HERE}"
    );
    let here = query(db, "SELECT DATABASE()").await;
    // The server qualifies every name in a view with the database's; the
    // test's database has a name of its own each run.
    let qualifier = format!("`{}`.", here.first().map_or("", |r| text(&r[0])));
    for r in query(db, &sql).await {
        out.add(
            text(&r[0]),
            format!(
                "view: {} (check option {}, security {})",
                one_line(&text(&r[1]).replace(&qualifier, "")),
                text(&r[2]).to_lowercase(),
                text(&r[3]).to_lowercase()
            ),
        );
    }

    // Columns.
    let sql = format!(
        "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, \
         CHARACTER_SET_NAME, COLLATION_NAME, EXTRA, GENERATION_EXPRESSION, COLUMN_COMMENT \
         FROM information_schema.COLUMNS WHERE {HERE} ORDER BY TABLE_NAME, ORDINAL_POSITION"
    );
    let mut order: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut auto: BTreeMap<String, String> = BTreeMap::new();
    for r in query(db, &sql).await {
        let (table, column) = (text(&r[0]).to_string(), text(&r[1]).to_string());
        if views.contains(&table) {
            continue;
        }
        let mut line = format!("column {column}: {}", text(&r[2]));
        if text(&r[3]) == "NO" {
            line.push_str(" not null");
        }
        if let Some(d) = &r[4] {
            line.push_str(&format!(" default {}", one_line(d)));
        }
        if let Some(cs) = &r[5] {
            line.push_str(&format!(" charset {cs}"));
        }
        if let Some(co) = &r[6] {
            line.push_str(&format!(" collate {co}"));
        }
        if let Some(g) = r[8].as_deref().filter(|g| !g.is_empty()) {
            line.push_str(&format!(" as ({})", one_line(g)));
        }
        let extra = text(&r[7]);
        if !extra.is_empty() {
            line.push_str(&format!(" extra {}", extra.to_lowercase()));
        }
        if extra.to_lowercase().contains("auto_increment") {
            auto.insert(table.clone(), column.clone());
        }
        if let Some(c) = r[9].as_deref().filter(|c| !c.is_empty()) {
            line.push_str(&format!(" comment {}", quoted(c)));
        }
        out.add(&table, line);
        order.entry(table).or_default().push(column);
    }
    for (table, columns) in &order {
        out.add(table, format!("columns: {}", list(columns)));
    }

    // Every index, by its parts in order.
    let flavour = if mariadb {
        "IGNORED, NULL"
    } else {
        "IS_VISIBLE, EXPRESSION"
    };
    let sql = format!(
        "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, COLLATION, SUB_PART, INDEX_TYPE, \
         INDEX_COMMENT, {flavour} FROM information_schema.STATISTICS WHERE {HERE} \
         ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"
    );
    let mut indexes: BTreeMap<(String, String), Vec<Vec<Option<String>>>> = BTreeMap::new();
    for r in query(db, &sql).await {
        indexes
            .entry((text(&r[0]).to_string(), text(&r[1]).to_string()))
            .or_default()
            .push(r);
    }
    for ((table, index), parts) in indexes {
        let cols: Vec<String> = parts
            .iter()
            .map(|r| {
                let mut c = match (&r[3], &r[9]) {
                    (Some(c), _) => c.clone(),
                    (None, Some(e)) => format!("({})", one_line(e)),
                    (None, None) => "?".into(),
                };
                if let Some(n) = &r[5] {
                    c.push_str(&format!("({n})"));
                }
                if text(&r[4]) == "D" {
                    c.push_str(" desc");
                }
                c
            })
            .collect();
        let r = &parts[0];
        let mut line = format!(
            "index {index}: {}{} ({})",
            if flag(&r[2]) { "" } else { "unique " },
            text(&r[6]).to_lowercase(),
            list(&cols)
        );
        if let Some(c) = r[7].as_deref().filter(|c| !c.is_empty()) {
            line.push_str(&format!(" comment {}", quoted(c)));
        }
        // MariaDB's IGNORED is YES when ignored; MySQL's IS_VISIBLE is NO when invisible.
        match (mariadb, text(&r[8])) {
            (true, "YES") => line.push_str(" ignored"),
            (false, "NO") => line.push_str(" invisible"),
            _ => {}
        }
        if index == "PRIMARY" {
            let form = match auto.get(&table) {
                Some(c) => format!("auto_increment {c}"),
                None => "plain".into(),
            };
            out.add(
                &table,
                format!("primary key PRIMARY ({}): {form}", list(&cols)),
            );
        }
        out.add(&table, line);
    }

    // CHECK constraints (MariaDB's column-level ones are named after the column).
    let sql = if mariadb {
        "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE, LEVEL, 'YES' \
         FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()"
    } else {
        "SELECT tc.TABLE_NAME, tc.CONSTRAINT_NAME, cc.CHECK_CLAUSE, NULL, tc.ENFORCED \
         FROM information_schema.TABLE_CONSTRAINTS tc JOIN information_schema.CHECK_CONSTRAINTS cc \
         ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME \
         WHERE tc.CONSTRAINT_SCHEMA = DATABASE() AND tc.CONSTRAINT_TYPE = 'CHECK'"
    };
    for r in query(db, sql).await {
        let mut line = format!("check {}: {}", text(&r[1]), one_line(text(&r[2])));
        if let Some(level) = &r[3] {
            line.push_str(&format!(" ({} level)", level.to_lowercase()));
        }
        if text(&r[4]) == "NO" {
            line.push_str(" not enforced");
        }
        out.add(text(&r[0]), line);
    }

    // Foreign keys.
    let sql = "SELECT rc.TABLE_NAME, rc.CONSTRAINT_NAME, rc.REFERENCED_TABLE_NAME, rc.DELETE_RULE, \
         rc.UPDATE_RULE, rc.MATCH_OPTION, k.COLUMN_NAME, k.REFERENCED_COLUMN_NAME \
         FROM information_schema.REFERENTIAL_CONSTRAINTS rc JOIN information_schema.KEY_COLUMN_USAGE k \
         ON k.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA AND k.TABLE_NAME = rc.TABLE_NAME \
         AND k.CONSTRAINT_NAME = rc.CONSTRAINT_NAME \
         WHERE rc.CONSTRAINT_SCHEMA = DATABASE() \
         ORDER BY rc.TABLE_NAME, rc.CONSTRAINT_NAME, k.ORDINAL_POSITION";
    let mut fks: BTreeMap<(String, String), Vec<Vec<Option<String>>>> = BTreeMap::new();
    for r in query(db, sql).await {
        fks.entry((text(&r[0]).to_string(), text(&r[1]).to_string()))
            .or_default()
            .push(r);
    }
    for ((table, name), parts) in fks {
        let from: Vec<String> = parts.iter().map(|r| text(&r[6]).to_string()).collect();
        let to: Vec<String> = parts.iter().map(|r| text(&r[7]).to_string()).collect();
        let r = &parts[0];
        out.add(
            &table,
            format!(
                "foreign key {name} ({}): references {} ({}) on delete {} on update {} match {}",
                list(&from),
                text(&r[2]),
                list(&to),
                text(&r[3]).to_lowercase(),
                text(&r[4]).to_lowercase(),
                text(&r[5]).to_lowercase()
            ),
        );
    }

    // Triggers, with the sql_mode they run under (saved when created).
    let sql = "SELECT EVENT_OBJECT_TABLE, TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION, \
         ACTION_ORDER, ACTION_ORIENTATION, ACTION_STATEMENT, SQL_MODE \
         FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()";
    for r in query(db, sql).await {
        out.add(
            text(&r[0]),
            format!(
                "trigger {}: {} {} order {} for each {}: {} (sql_mode {})",
                text(&r[1]),
                text(&r[2]).to_lowercase(),
                text(&r[3]).to_lowercase(),
                text(&r[4]),
                text(&r[5]).to_lowercase(),
                one_line(text(&r[6])),
                text(&r[7])
            ),
        );
    }

    // Partitions.
    let sql = format!(
        "SELECT TABLE_NAME, PARTITION_NAME, PARTITION_METHOD, PARTITION_EXPRESSION, \
         PARTITION_DESCRIPTION, SUBPARTITION_NAME, SUBPARTITION_METHOD, SUBPARTITION_EXPRESSION \
         FROM information_schema.PARTITIONS WHERE {HERE} AND PARTITION_NAME IS NOT NULL"
    );
    for r in query(db, &sql).await {
        let mut line = format!(
            "partition {}: {} ({})",
            text(&r[1]),
            text(&r[2]).to_lowercase(),
            one_line(text(&r[3]))
        );
        if let Some(d) = &r[4] {
            line.push_str(&format!(" values {}", one_line(d)));
        }
        if let Some(s) = &r[5] {
            line.push_str(&format!(
                ", subpartition {s}: {} ({})",
                text(&r[6]).to_lowercase(),
                one_line(text(&r[7]))
            ));
        }
        out.add(text(&r[0]), line);
    }
}

/// The query [`super::rows`] runs: every column `QUOTE()`d, in key order.
pub(super) async fn rows_sql(db: &mut dyn Database, table: &str) -> String {
    let q = |s: &str| format!("`{}`", s.replace('`', "``"));
    let lit = |s: &str| format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"));
    let sql = format!(
        "SELECT c.COLUMN_NAME, k.ORDINAL_POSITION FROM information_schema.COLUMNS c \
         LEFT JOIN information_schema.KEY_COLUMN_USAGE k ON k.TABLE_SCHEMA = c.TABLE_SCHEMA \
         AND k.TABLE_NAME = c.TABLE_NAME AND k.COLUMN_NAME = c.COLUMN_NAME AND k.CONSTRAINT_NAME = 'PRIMARY' \
         WHERE c.TABLE_SCHEMA = DATABASE() AND c.TABLE_NAME = {} ORDER BY c.ORDINAL_POSITION",
        lit(table)
    );
    let cols = query(db, &sql).await;
    assert!(!cols.is_empty(), "no table {table}");
    let (all, key) = super::columns_and_key(&cols, q);
    let order = if key.is_empty() { all.clone() } else { key };
    let select: Vec<String> = all.iter().map(|c| format!("QUOTE({c})")).collect();
    format!(
        "SELECT {} FROM {} ORDER BY {}",
        select.join(", "),
        q(table),
        order.join(", ")
    )
}
