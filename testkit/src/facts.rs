//! What a database holds, read straight from its catalog with plain SQL —
//! never through remodel's introspector — so a test can tell whether an
//! operation kept everything a table holds (DESIGN §11.1).
//!
//! [`facts`] gives one human-readable line per fact, per table: columns
//! (declared type as the catalog shows it, nullability, default, collation,
//! character set, generated expression, identity/serial/AUTO_INCREMENT and
//! MySQL's `EXTRA`), the primary key with its name and form, unique, check
//! and exclusion constraints, foreign keys with their actions, every index
//! with its definition, triggers, rules, sequences and auto-increment
//! counters, table options and comments. Views are listed under their own
//! names with their definitions. Tables named `remodel_migrations` are left
//! out. [`rows`] reads a table's rows as text, in key order.
//!
//! The lines name objects as the database spells them, unquoted; text that
//! spans lines (trigger bodies, view definitions) is kept on one line with
//! `\n` escapes, so a diff shows exactly what changed.

mod mysql;
mod postgres;
mod sqlite;
mod sqlite_ddl;

use crate::TestProject;
use remodel_dialect::{Database, DialectKind, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Every fact the catalog reports, per table (views under their own names).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    tables: BTreeMap<String, BTreeSet<String>>,
}

impl Facts {
    /// Records one fact about a table (or view).
    pub fn add(&mut self, table: &str, fact: impl Into<String>) {
        self.tables
            .entry(table.to_string())
            .or_default()
            .insert(fact.into());
    }

    /// The names of the tables and views that have facts, sorted.
    pub fn tables(&self) -> Vec<&str> {
        self.tables.keys().map(String::as_str).collect()
    }

    /// One table's facts only (empty when the table is absent).
    pub fn table(&self, name: &str) -> Facts {
        Facts {
            tables: self
                .tables
                .get_key_value(name)
                .map(|(k, v)| (k.clone(), v.clone()))
                .into_iter()
                .collect(),
        }
    }

    /// These facts without the named tables.
    pub fn without(&self, names: &[&str]) -> Facts {
        Facts {
            tables: self
                .tables
                .iter()
                .filter(|(k, _)| !names.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }

    /// Whether a table has exactly this fact (as its line after `table: `).
    pub fn has(&self, table: &str, fact: &str) -> bool {
        self.tables.get(table).is_some_and(|f| f.contains(fact))
    }

    /// Every fact as `table: fact`, sorted by table, then fact.
    pub fn lines(&self) -> Vec<String> {
        self.tables
            .iter()
            .flat_map(|(t, facts)| facts.iter().map(move |f| format!("{t}: {f}")))
            .collect()
    }

    /// The lines only one side has: `- table: fact` when only `self` has
    /// it, `+ table: fact` when only `other` does. Sorted by table, then by
    /// what the fact is about (the text before its first `: `, such as
    /// `column id`), `-` before `+`, so a changed column shows as its old
    /// line above its new one. Empty when both hold the same facts, so
    /// `assert_eq!(before.diff(&after), Vec::<String>::new())` fails with a
    /// readable list.
    pub fn diff(&self, other: &Facts) -> Vec<String> {
        let empty = BTreeSet::new();
        let names: BTreeSet<&String> = self.tables.keys().chain(other.tables.keys()).collect();
        let mut out = Vec::new();
        for t in names {
            let mine = self.tables.get(t).unwrap_or(&empty);
            let theirs = other.tables.get(t).unwrap_or(&empty);
            let mut lines: Vec<(&str, char, &str)> = mine
                .difference(theirs)
                .map(|f| (subject(f), '-', f.as_str()))
                .chain(
                    theirs
                        .difference(mine)
                        .map(|f| (subject(f), '+', f.as_str())),
                )
                .collect();
            // '+' sorts before '-' in ASCII: order the sign by hand.
            lines.sort_by_key(|(s, sign, f)| (*s, *sign == '+', *f));
            out.extend(
                lines
                    .into_iter()
                    .map(|(_, sign, f)| format!("{sign} {t}: {f}")),
            );
        }
        out
    }
}

/// What a fact is about: its text before the first `: `.
fn subject(fact: &str) -> &str {
    fact.split_once(": ").map_or(fact, |(s, _)| s)
}

impl fmt::Display for Facts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for l in self.lines() {
            writeln!(f, "{l}")?;
        }
        Ok(())
    }
}

/// Every fact the project's database holds, read with SQL from its catalog.
pub async fn facts(p: &TestProject) -> Facts {
    let mut db = p.db().await;
    let found = read_facts(db.as_mut()).await;
    db.close().await;
    found
}

/// [`facts`] for tests that are not async.
pub fn facts_now(p: &TestProject) -> Facts {
    crate::blocking(|| facts(p))
}

/// Every fact a database holds, on a connection the caller opened.
pub async fn read_facts(db: &mut dyn Database) -> Facts {
    let mut out = Facts::default();
    match db.dialect().kind() {
        DialectKind::Sqlite => sqlite::facts(db, &mut out).await,
        DialectKind::Postgres => postgres::facts(db, &mut out).await,
        DialectKind::Mysql => mysql::facts(db, &mut out).await,
    }
    // remodel's history table is remodel's, not the user's.
    out.tables.remove("remodel_migrations");
    out.tables.remove("remodel_objects");
    out
}

/// A table's rows, every column as text (SQL-quoted where the database can
/// quote, so `NULL`, `'NULL'` and `'1'` versus `1` stay apart), ordered by
/// the primary key or, without one, by every column. PostgreSQL reads the
/// table's own rows only (`FROM ONLY`), not its children's.
pub async fn rows(p: &TestProject, table: &str) -> Vec<Vec<String>> {
    let mut db = p.db().await;
    let found = read_rows(db.as_mut(), table).await;
    db.close().await;
    found
}

/// [`rows`] for tests that are not async.
pub fn rows_now(p: &TestProject, table: &str) -> Vec<Vec<String>> {
    crate::blocking(|| rows(p, table))
}

/// Every table's rows (as [`rows`] reads them), by table name; views and
/// `remodel_migrations` left out.
pub async fn all_rows(p: &TestProject) -> BTreeMap<String, Vec<Vec<String>>> {
    let mut db = p.db().await;
    let names = table_names(db.as_mut()).await;
    let mut out = BTreeMap::new();
    for t in names {
        let r = read_rows(db.as_mut(), &t).await;
        out.insert(t, r);
    }
    db.close().await;
    out
}

/// [`rows`] on a connection the caller opened.
pub async fn read_rows(db: &mut dyn Database, table: &str) -> Vec<Vec<String>> {
    let sql = match db.dialect().kind() {
        DialectKind::Sqlite => sqlite::rows_sql(db, table).await,
        DialectKind::Postgres => postgres::rows_sql(db, table).await,
        DialectKind::Mysql => mysql::rows_sql(db, table).await,
    };
    query(db, &sql)
        .await
        .into_iter()
        .map(|r| {
            r.into_iter()
                .map(|v| v.unwrap_or_else(|| "NULL".into()))
                .collect()
        })
        .collect()
}

/// The user's tables (not views, not `remodel_migrations`), sorted.
async fn table_names(db: &mut dyn Database) -> Vec<String> {
    let sql = match db.dialect().kind() {
        DialectKind::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
        }
        DialectKind::Postgres => {
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')"
        }
        DialectKind::Mysql => {
            "SELECT TABLE_NAME FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'"
        }
    };
    let mut names: Vec<String> = query(db, sql)
        .await
        .into_iter()
        .filter_map(|r| r.into_iter().next().flatten())
        .filter(|n| n != "remodel_migrations" && n != "remodel_objects")
        .collect();
    names.sort();
    names
}

/// Runs a catalog query; each value as text (`None` for NULL). A failure
/// fails the test with the SQL.
async fn query(db: &mut dyn Database, sql: &str) -> Vec<Vec<Option<String>>> {
    db.query(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("reading the catalog failed: {e}\n{sql}"))
        .into_iter()
        .map(|r| r.into_iter().map(cell).collect())
        .collect()
}

/// One value as text: integers and floats as written, bytes as hex.
fn cell(v: Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Int(i) => Some(i.to_string()),
        Value::Float(x) => Some(x.to_string()),
        Value::Text(s) => Some(s),
        Value::Bytes(b) => Some(format!(
            "x'{}'",
            b.iter().map(|x| format!("{x:02x}")).collect::<String>()
        )),
    }
}

/// Text on one line: backslashes, line breaks, tabs and other control
/// characters escaped, so no fact spans lines and none is lost.
pub fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Text quoted as an SQL string (for comments, whose emptiness matters).
fn quoted(s: &str) -> String {
    format!("'{}'", one_line(&s.replace('\'', "''")))
}

/// The text of a cell (empty for NULL).
fn text(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

/// Whether a cell is a true flag as catalogs spell it.
fn flag(v: &Option<String>) -> bool {
    matches!(text(v), "1" | "t" | "true" | "YES" | "yes")
}

/// Names joined by `, `.
/// From rows of (column, position in the primary key or NULL), each column
/// quoted with `q`: every column in table order, and the key's columns in
/// key order (empty when there is no key).
fn columns_and_key(
    cols: &[Vec<Option<String>>],
    q: impl Fn(&str) -> String,
) -> (Vec<String>, Vec<String>) {
    let mut key: Vec<(i64, String)> = cols
        .iter()
        .filter_map(|r| Some((r[1].as_deref()?.parse().ok()?, q(text(&r[0])))))
        .collect();
    key.sort();
    let all = cols.iter().map(|r| q(text(&r[0]))).collect();
    (all, key.into_iter().map(|(_, c)| c).collect())
}

fn list(names: &[String]) -> String {
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Facts {
        let mut f = Facts::default();
        f.add("album", "column title: varchar(160) not null");
        f.add("album", "primary key album_pkey (album_id)");
        f.add("artist", "columns: artist_id, name");
        f
    }

    #[test]
    fn lines_are_sorted_by_table_then_fact() {
        assert_eq!(
            sample().lines(),
            [
                "album: column title: varchar(160) not null",
                "album: primary key album_pkey (album_id)",
                "artist: columns: artist_id, name",
            ]
        );
        assert_eq!(
            sample().to_string(),
            "album: column title: varchar(160) not null\nalbum: primary key album_pkey (album_id)\nartist: columns: artist_id, name\n"
        );
    }

    #[test]
    fn the_diff_marks_each_side_and_is_empty_for_equal_facts() {
        let a = sample();
        assert!(a.diff(&a.clone()).is_empty());
        let mut b = sample();
        b.tables
            .get_mut("album")
            .unwrap()
            .remove("column title: varchar(160) not null");
        b.add("album", "column title: varchar(200) not null");
        b.add("genre", "columns: genre_id");
        b.tables.get_mut("artist").unwrap().clear();
        assert_eq!(
            a.diff(&b),
            [
                "- album: column title: varchar(160) not null",
                "+ album: column title: varchar(200) not null",
                "- artist: columns: artist_id, name",
                "+ genre: columns: genre_id",
            ]
        );
        assert_eq!(
            b.diff(&a),
            [
                "- album: column title: varchar(200) not null",
                "+ album: column title: varchar(160) not null",
                "+ artist: columns: artist_id, name",
                "- genre: columns: genre_id",
            ]
        );
    }

    #[test]
    fn one_table_can_be_selected_or_left_out() {
        let f = sample();
        assert_eq!(
            f.table("artist").lines(),
            ["artist: columns: artist_id, name"]
        );
        assert!(f.table("nope").lines().is_empty());
        assert_eq!(f.without(&["album"]).tables(), ["artist"]);
        assert!(f.has("album", "primary key album_pkey (album_id)"));
        assert!(!f.has("album", "primary key"));
    }

    #[test]
    fn text_stays_on_one_line_and_keeps_every_character() {
        assert_eq!(
            one_line("BEGIN\n\tUPDATE t SET a = 'x\\y';\r\nEND\u{7}"),
            "BEGIN\\n\\tUPDATE t SET a = 'x\\\\y';\\r\\nEND\\u{7}"
        );
        assert_eq!(one_line("bıgınt"), "bıgınt");
        assert_eq!(quoted("it's\nhere"), "'it''s\\nhere'");
    }

    #[test]
    fn cells_read_as_text() {
        assert_eq!(cell(Value::Null), None);
        assert_eq!(cell(Value::Int(-3)).as_deref(), Some("-3"));
        assert_eq!(cell(Value::Bytes(vec![0, 255])).as_deref(), Some("x'00ff'"));
        assert!(flag(&Some("t".into())) && flag(&Some("1".into())));
        assert!(!flag(&Some("f".into())) && !flag(&None));
    }
}
