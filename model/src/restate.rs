//! What an operation that restates part of a table from the state would
//! lose: a SQLite rebuild writes the whole table again, a MySQL `MODIFY`
//! a whole column, PostgreSQL's `ALTER COLUMN … TYPE` drops a column's
//! collation, and dropping and adding a foreign key again drops what the
//! state does not say of it. Whatever the live table holds there that the
//! state does not know (made by hand, or by a database remodel adopted)
//! would be dropped silently; the guard before such a statement refuses
//! instead, naming each thing (DESIGN §11.1).
//!
//! Indexes and triggers are carried over by the SQLite rebuild, and stay
//! through a MySQL or PostgreSQL ALTER: only an index the state also has,
//! under its name but defined otherwise, would be restated.

use crate::catalog::{CatalogTable, column_differences, index_differences};
use serde::{Deserialize, Serialize};

/// The part of a table a statement restates from the state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    /// The whole table (a SQLite rebuild): its columns, key, constraints,
    /// the indexes the state names, and the table's own options.
    Table,
    /// These columns (by their names when the statement runs), each
    /// written out again whole.
    Columns(Vec<String>),
    /// A column dropped: what only it holds cannot come back when the
    /// operation is unapplied, and what uses it goes with it.
    DroppedColumn(String),
    /// A foreign key dropped and added again under its name.
    ForeignKey(String),
}

impl CatalogTable {
    /// What this table (the live one) holds within `scope` that none of
    /// `expected` (the table as the state describes it before the
    /// operation, and after it: what the statement writes back as it is
    /// is no loss), normalised alike, says: one line each (`column name has
    /// COLLATE NOCASE`, `foreign key c_p_fk has ON UPDATE CASCADE`, `column
    /// note, which no migration created`), in the words of the first;
    /// empty when the statement would lose nothing.
    pub fn unknown_to(&self, expected: &[&CatalogTable], scope: &Scope) -> Vec<String> {
        let Some((first, rest)) = expected.split_first() else {
            return Vec::new();
        };
        // What the operation writes back cannot hold a dropped column.
        if matches!(scope, Scope::DroppedColumn(_)) {
            return self.unknown_to_one(first, scope);
        }
        // What a line is about, whatever the migrations say of it.
        let subject = |line: &str| {
            line.split(" (the migrations say ")
                .next()
                .unwrap_or(line)
                .to_string()
        };
        let others: Vec<Vec<String>> = rest
            .iter()
            .map(|e| {
                self.unknown_to_one(e, scope)
                    .iter()
                    .map(|l| subject(l))
                    .collect()
            })
            .collect();
        self.unknown_to_one(first, scope)
            .into_iter()
            .filter(|l| others.iter().all(|o| o.contains(&subject(l))))
            .collect()
    }

    /// [`CatalogTable::unknown_to`] one expectation.
    fn unknown_to_one(&self, expected: &CatalogTable, scope: &Scope) -> Vec<String> {
        let mut out = Vec::new();
        match scope {
            Scope::Table => {
                for (name, col) in &self.columns {
                    match expected.columns.get(name) {
                        None => out.push(format!("column {name}, which no migration created")),
                        Some(want) => out.extend(
                            column_differences(col, want)
                                .into_iter()
                                .map(|t| format!("column {name} {}", said(&t))),
                        ),
                    }
                }
                if self.primary_key != expected.primary_key {
                    out.push(format!(
                        "primary key ({}) (the migrations say ({}))",
                        self.primary_key.join(", "),
                        expected.primary_key.join(", ")
                    ));
                } else if self.primary_key_name != expected.primary_key_name
                    && let Some(n) = &self.primary_key_name
                {
                    out.push(format!(
                        "primary key named {n} (the migrations say {})",
                        expected.primary_key_name.as_deref().unwrap_or("none")
                    ));
                }
                for (name, ix) in &self.indexes {
                    if let Some(want) = expected.indexes.get(name)
                        && want != ix
                    {
                        out.extend(
                            index_differences(ix, want)
                                .into_iter()
                                .map(|t| format!("index {name} {}", said(&t))),
                        );
                    }
                }
                self.constraints_unknown(expected, &|_| true, false, &mut out);
                for (object, fact) in &self.unmodelled {
                    // An index the state does not name is carried over with
                    // its definition, whatever it is.
                    let carried = object
                        .strip_prefix("index ")
                        .is_some_and(|ix| !expected.indexes.contains_key(ix));
                    if !carried && expected.unmodelled.get(object) != Some(fact) {
                        out.push(format!("{object} {}", fact.what));
                    }
                }
            }
            Scope::Columns(columns) => {
                for name in columns {
                    if let (Some(col), Some(want)) =
                        (self.columns.get(name), expected.columns.get(name))
                    {
                        out.extend(
                            column_differences(col, want)
                                .into_iter()
                                .map(|t| format!("column {name} {}", said(&t))),
                        );
                    }
                    self.column_facts(expected, name, &mut out);
                }
            }
            Scope::DroppedColumn(name) => {
                // Unapplying the drop writes the column as the state says.
                if let (Some(col), Some(want)) =
                    (self.columns.get(name), expected.columns.get(name))
                {
                    out.extend(
                        column_differences(col, want)
                            .into_iter()
                            .map(|t| format!("column {name} {}", said(&t))),
                    );
                }
                self.column_facts(expected, name, &mut out);
                let uses = |cols: &[String]| cols.contains(name);
                for (ix, def) in &self.indexes {
                    if uses(&def.columns) && !expected.indexes.contains_key(ix) {
                        out.push(format!(
                            "index {ix} on ({}), which no migration created",
                            def.columns.join(", ")
                        ));
                    }
                }
                self.constraints_unknown(expected, &uses, true, &mut out);
            }
            Scope::ForeignKey(name) => {
                if let (Some(fk), Some(want)) =
                    (self.foreign_keys.get(name), expected.foreign_keys.get(name))
                    && fk != want
                {
                    out.push(format!(
                        "foreign key {name} is {} (the migrations say {})",
                        crate::catalog::foreign_key_sql(fk),
                        crate::catalog::foreign_key_sql(want)
                    ));
                }
                let object = format!("foreign key {name}");
                if let Some(fact) = self.unmodelled.get(&object)
                    && expected.unmodelled.get(&object) != Some(fact)
                {
                    out.push(format!("{object} {}", fact.what));
                }
            }
        }
        out
    }

    /// The facts no model can declare of column `name` (its collation,
    /// character set, generated expression, `ON UPDATE`…).
    fn column_facts(&self, expected: &CatalogTable, name: &str, out: &mut Vec<String>) {
        let object = format!("column {name}");
        if let Some(fact) = self.unmodelled.get(&object)
            && expected.unmodelled.get(&object) != Some(fact)
        {
            out.push(format!("{object} {}", fact.what));
        }
    }

    /// Unique, check and foreign key constraints over columns `within`
    /// accepts that `expected` does not have as they are, and (with
    /// `fk_facts`) the facts of those foreign keys.
    fn constraints_unknown(
        &self,
        expected: &CatalogTable,
        within: &dyn Fn(&[String]) -> bool,
        fk_facts: bool,
        out: &mut Vec<String>,
    ) {
        for (name, cols) in &self.uniques {
            if within(cols) && expected.uniques.get(name) != Some(cols) {
                out.push(format!(
                    "unique constraint {name} on ({}), which no migration created",
                    cols.join(", ")
                ));
            }
        }
        for (name, e) in &self.checks {
            let cols = crate::expr::columns(e).unwrap_or_default();
            if !within(&cols) {
                continue;
            }
            match expected.checks.get(name) {
                Some(want) if want == e => {}
                Some(want) => out.push(format!(
                    "check {name} is ({e}) (the migrations say ({want}))"
                )),
                None => out.push(format!("check {name} ({e}), which no migration created")),
            }
        }
        for (name, fk) in &self.foreign_keys {
            if !within(&fk.columns) {
                continue;
            }
            match expected.foreign_keys.get(name) {
                Some(want) if want == fk => {}
                Some(want) => out.push(format!(
                    "foreign key {name} is {} (the migrations say {})",
                    crate::catalog::foreign_key_sql(fk),
                    crate::catalog::foreign_key_sql(want)
                )),
                None => out.push(format!(
                    "foreign key {name} {}, which no migration created",
                    crate::catalog::foreign_key_sql(fk)
                )),
            }
            let object = format!("foreign key {name}");
            if fk_facts
                && let Some(fact) = self.unmodelled.get(&object)
                && expected.unmodelled.get(&object) != Some(fact)
            {
                out.push(format!("{object} {}", fact.what));
            }
        }
    }

    /// Gives this table's (the live one's) foreign keys, unique and check
    /// constraints the names `expected` gives the same definitions, where
    /// this table has them under other names: for SQLite, which never uses
    /// a constraint's name, so that an unnamed one read back under a name
    /// derived from the table's names of now is the state's.
    pub fn align_names_to(&mut self, expected: &CatalogTable) {
        fn align<V: PartialEq + Clone>(
            live: &mut std::collections::BTreeMap<String, V>,
            want: &std::collections::BTreeMap<String, V>,
            renamed: &mut Vec<(String, String)>,
        ) {
            for (name, def) in want {
                if live.contains_key(name) {
                    continue;
                }
                let other = live
                    .iter()
                    .find(|(n, d)| *d == def && !want.contains_key(*n))
                    .map(|(n, _)| n.clone());
                if let Some(other) = other {
                    let d = live.remove(&other).expect("found above");
                    live.insert(name.clone(), d);
                    renamed.push((other, name.clone()));
                }
            }
        }
        let mut renamed = Vec::new();
        align(&mut self.foreign_keys, &expected.foreign_keys, &mut renamed);
        align(&mut self.uniques, &expected.uniques, &mut renamed);
        align(&mut self.checks, &expected.checks, &mut renamed);
        for (old, new) in renamed {
            let object = format!("foreign key {old}");
            if let Some(fact) = self.unmodelled.remove(&object) {
                self.unmodelled.insert(format!("foreign key {new}"), fact);
            }
        }
    }

    /// This table after renaming it (`table`: old → new) and its columns
    /// (`old → new`), as the database holds it once SQLite or PostgreSQL
    /// renamed them natively: keys, constraints, indexes and facts follow,
    /// and so do its foreign keys to itself.
    pub fn renamed(
        &self,
        table: Option<(&str, &str)>,
        renames: &[(String, String)],
    ) -> CatalogTable {
        let mut t = self.with_columns_renamed(renames);
        if let Some((old, new)) = table {
            let ren = |c: &String| {
                renames
                    .iter()
                    .find(|(o, _)| o == c)
                    .map(|(_, n)| n.clone())
                    .unwrap_or_else(|| c.clone())
            };
            for fk in t.foreign_keys.values_mut() {
                if fk.ref_table == old {
                    fk.ref_table = new.to_string();
                    fk.ref_columns = fk.ref_columns.iter().map(ren).collect();
                }
            }
        }
        t
    }

    /// This table after renaming columns (`old → new`), as the database
    /// holds it once SQLite or PostgreSQL renamed them natively: keys,
    /// constraints, indexes and facts follow.
    pub fn with_columns_renamed(&self, renames: &[(String, String)]) -> CatalogTable {
        if renames.is_empty() {
            return self.clone();
        }
        let ren = |c: &String| {
            renames
                .iter()
                .find(|(o, _)| o == c)
                .map(|(_, n)| n.clone())
                .unwrap_or_else(|| c.clone())
        };
        let all = |cols: &[String]| cols.iter().map(ren).collect::<Vec<_>>();
        let mut t = self.clone();
        t.columns = self
            .columns
            .iter()
            .map(|(c, v)| (ren(c), v.clone()))
            .collect();
        t.primary_key = all(&self.primary_key);
        for ix in t.indexes.values_mut() {
            ix.columns = all(&ix.columns);
        }
        for cols in t.uniques.values_mut() {
            *cols = all(cols);
        }
        for fk in t.foreign_keys.values_mut() {
            fk.columns = all(&fk.columns);
        }
        for e in t.checks.values_mut() {
            for (o, n) in renames {
                if let Ok(r) = crate::expr::rename_column(e, o, n) {
                    *e = r;
                }
            }
        }
        t.unmodelled = self
            .unmodelled
            .iter()
            .map(|(object, fact)| {
                let object = match object.strip_prefix("column ") {
                    Some(c) => format!("column {}", ren(&c.to_string())),
                    None => object.clone(),
                };
                (object, fact.clone())
            })
            .collect();
        t
    }
}

/// A difference's tail (`is varchar(20) in the database, varchar(10)
/// expected`) in the guard's words: what the database has, and what the
/// migrations say.
fn said(tail: &str) -> String {
    tail.replace(" in the database, ", " (the migrations say ")
        .replace(" expected", ")")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{CatalogColumn, CatalogForeignKey, CatalogIndex, Unmodelled};
    use crate::{Auto, ColumnType, OnDelete};

    fn column(ty: ColumnType) -> CatalogColumn {
        CatalogColumn {
            ty,
            null: false,
            default: None,
            comment: None,
            auto: Auto::No,
            collation: None,
            charset: None,
            on_update_sql: None,
            generated: None,
        }
    }

    /// `c (id key, name, p_id → p)` with an index on name.
    fn table() -> CatalogTable {
        let mut t = CatalogTable {
            primary_key: vec!["id".into()],
            primary_key_name: Some("c_id_pkey".into()),
            ..Default::default()
        };
        t.columns.insert("id".into(), column(ColumnType::Integer));
        t.columns
            .insert("name".into(), column(ColumnType::Varchar(10)));
        t.columns.insert("p_id".into(), column(ColumnType::Integer));
        t.indexes.insert(
            "c_name_idx".into(),
            CatalogIndex {
                columns: vec!["name".into()],
                unique: false,
                ..Default::default()
            },
        );
        t.foreign_keys.insert(
            "c_p_id_fk".into(),
            CatalogForeignKey {
                columns: vec!["p_id".into()],
                ref_table: "p".into(),
                ref_columns: vec!["id".into()],
                on_delete: OnDelete::NoAction,
                on_update: crate::OnDelete::NoAction,
            },
        );
        t
    }

    #[test]
    fn the_state_itself_loses_nothing() {
        for scope in [
            Scope::Table,
            Scope::Columns(vec!["name".into()]),
            Scope::DroppedColumn("name".into()),
            Scope::ForeignKey("c_p_id_fk".into()),
        ] {
            assert!(
                table().unknown_to(&[&table()], &scope).is_empty(),
                "{scope:?}"
            );
        }
    }

    #[test]
    fn a_rebuild_names_all_it_would_drop_but_indexes_it_carries() {
        let mut live = table();
        live.columns.insert("note".into(), column(ColumnType::Text));
        live.columns.get_mut("name").unwrap().default =
            Some(crate::ColumnDefault::Sql("'x'".into()));
        live.add_fact(
            "foreign key c_p_id_fk",
            Unmodelled::new("has ON UPDATE CASCADE", &["c_p_id_fk"]),
        );
        live.add_fact(
            "column name",
            Unmodelled::new("has COLLATE NOCASE", &["c", "name"]),
        );
        live.checks.insert("c_id_check".into(), "id > 0".into());
        // Carried over: an index the state does not name, with any definition.
        live.indexes.insert(
            "by_hand".into(),
            CatalogIndex {
                columns: vec!["p_id".into()],
                unique: true,
                ..Default::default()
            },
        );
        live.add_fact(
            "index lower_name",
            Unmodelled::new(
                "is `CREATE INDEX lower_name ON c (lower(name))`",
                &["lower_name"],
            ),
        );
        assert_eq!(
            live.unknown_to(&[&table()], &Scope::Table),
            [
                "column name has default 'x' (the migrations say none)",
                "column note, which no migration created",
                "check c_id_check (id > 0), which no migration created",
                "column name has COLLATE NOCASE",
                "foreign key c_p_id_fk has ON UPDATE CASCADE",
            ]
        );
    }

    #[test]
    fn restating_a_column_looks_at_that_column_only() {
        let mut live = table();
        live.add_fact(
            "column name",
            Unmodelled::new("has CHARACTER SET utf8mb3", &["c", "name"]),
        );
        live.columns.insert("note".into(), column(ColumnType::Text));
        assert_eq!(
            live.unknown_to(&[&table()], &Scope::Columns(vec!["name".into()])),
            ["column name has CHARACTER SET utf8mb3"]
        );
        assert!(
            live.unknown_to(&[&table()], &Scope::Columns(vec!["p_id".into()]))
                .is_empty()
        );
    }

    #[test]
    fn a_dropped_column_takes_what_uses_it() {
        let mut live = table();
        live.indexes.insert(
            "by_hand".into(),
            CatalogIndex {
                columns: vec!["name".into(), "id".into()],
                unique: false,
                ..Default::default()
            },
        );
        live.uniques.insert("name_u".into(), vec!["name".into()]);
        assert_eq!(
            live.unknown_to(&[&table()], &Scope::DroppedColumn("name".into())),
            [
                "index by_hand on (name, id), which no migration created",
                "unique constraint name_u on (name), which no migration created",
            ]
        );
        assert!(
            live.unknown_to(&[&table()], &Scope::DroppedColumn("p_id".into()))
                .is_empty()
        );
    }

    #[test]
    fn a_recreated_foreign_key_keeps_what_the_state_does_not_say() {
        let mut live = table();
        live.add_fact(
            "foreign key c_p_id_fk",
            Unmodelled::new("has ON UPDATE CASCADE, DEFERRABLE", &["c_p_id_fk"]),
        );
        assert_eq!(
            live.unknown_to(&[&table()], &Scope::ForeignKey("c_p_id_fk".into())),
            ["foreign key c_p_id_fk has ON UPDATE CASCADE, DEFERRABLE"]
        );
    }

    #[test]
    fn what_the_statement_writes_back_as_it_is_is_no_loss() {
        let mut live = table();
        live.columns.get_mut("id").unwrap().auto = Auto::RowId;
        let mut after = table();
        after.columns.get_mut("id").unwrap().auto = Auto::RowId;
        // The state before says otherwise, but the statement writes the row id.
        assert_eq!(
            live.unknown_to(&[&table()], &Scope::Table),
            [
                r#"column id is a row-id key (auto = "rowid") (the migrations say not auto-increment)"#
            ]
        );
        assert!(
            live.unknown_to(&[&table(), &after], &Scope::Table)
                .is_empty()
        );
    }

    #[test]
    fn sqlite_names_are_aligned_by_definition() {
        let mut live = table();
        let fk = live.foreign_keys.remove("c_p_id_fk").unwrap();
        live.foreign_keys.insert("c_parent_fk".into(), fk);
        live.add_fact(
            "foreign key c_parent_fk",
            Unmodelled::new("has ON UPDATE CASCADE", &["c_parent_fk"]),
        );
        live.align_names_to(&table());
        assert!(live.foreign_keys.contains_key("c_p_id_fk"));
        assert!(live.unmodelled.contains_key("foreign key c_p_id_fk"));
    }

    #[test]
    fn a_renamed_table_takes_its_self_references_along() {
        let mut t = table();
        t.foreign_keys.get_mut("c_p_id_fk").unwrap().ref_table = "c".into();
        let r = t.renamed(Some(("c", "kid")), &[("id".into(), "key".into())]);
        let fk = &r.foreign_keys["c_p_id_fk"];
        assert_eq!(
            (fk.ref_table.as_str(), fk.ref_columns.clone()),
            ("kid", vec!["key".to_string()])
        );
    }

    #[test]
    fn renamed_columns_carry_their_objects() {
        let mut t = table();
        t.checks.insert("c_name_check".into(), "name <> ''".into());
        t.add_fact(
            "column name",
            Unmodelled::new("has COLLATE NOCASE", &["c", "name"]),
        );
        let r = t.with_columns_renamed(&[("name".into(), "title".into())]);
        assert!(r.columns.contains_key("title") && !r.columns.contains_key("name"));
        assert_eq!(r.indexes["c_name_idx"].columns, ["title"]);
        assert_eq!(r.checks["c_name_check"], "title <> ''");
        assert!(r.unmodelled.contains_key("column title"));
    }
}
