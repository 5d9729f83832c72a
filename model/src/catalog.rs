//! The database's view of a schema: tables and columns by their database
//! names, as an introspector reads them back. A model state is turned into a
//! catalog with [`Schema::to_catalog`] so the two can be compared (the drift
//! check after every apply, `remodel check`).

use crate::default::ColumnDefault;
use crate::schema::{Constraint, OnDelete, Schema};
use crate::types::ColumnType;
use std::collections::BTreeMap;

/// Tables by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    /// Tables keyed by table name.
    pub tables: BTreeMap<String, CatalogTable>,
}

/// One table as the database holds it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CatalogTable {
    /// Columns keyed by column name.
    pub columns: BTreeMap<String, CatalogColumn>,
    /// Primary key columns, in key order.
    pub primary_key: Vec<String>,
    /// The auto-increment column, if any.
    pub auto_increment: Option<String>,
    /// Indexes by name (not those the database makes for UNIQUE constraints).
    pub indexes: BTreeMap<String, CatalogIndex>,
    /// Unique constraints by name: their columns.
    pub uniques: BTreeMap<String, Vec<String>>,
    /// Check constraints by name: their normalised expressions.
    pub checks: BTreeMap<String, String>,
    /// Foreign keys by name.
    pub foreign_keys: BTreeMap<String, CatalogForeignKey>,
    /// The table comment.
    pub comment: Option<String>,
}

/// One column.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogColumn {
    /// Its type.
    pub ty: ColumnType,
    /// NULL allowed.
    pub null: bool,
    /// Its default.
    pub default: Option<ColumnDefault>,
    /// Its comment.
    pub comment: Option<String>,
}

/// One index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogIndex {
    /// Indexed columns, in order.
    pub columns: Vec<String>,
    /// A unique index.
    pub unique: bool,
}

/// One foreign key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogForeignKey {
    /// Referencing columns.
    pub columns: Vec<String>,
    /// The referenced table.
    pub ref_table: String,
    /// The referenced columns.
    pub ref_columns: Vec<String>,
    /// The delete action.
    pub on_delete: OnDelete,
}

impl Schema {
    /// The catalog this state describes: every managed table, by its
    /// database names.
    pub fn to_catalog(&self) -> Catalog {
        let mut out = Catalog::default();
        for t in self.tables.values().filter(|t| t.managed) {
            let mut ct = CatalogTable {
                primary_key: t.columns_of(&t.primary_key()),
                comment: t.comment.clone(),
                ..Default::default()
            };
            for f in &t.fields {
                let col = f.column_name().to_string();
                ct.columns.insert(
                    col.clone(),
                    CatalogColumn {
                        ty: f.ty.clone(),
                        null: f.null,
                        default: f.default.clone(),
                        comment: f.comment.clone(),
                    },
                );
                if f.auto {
                    ct.auto_increment = Some(col.clone());
                }
                if let Some(n) = t.field_index_name(f) {
                    ct.indexes.insert(
                        n,
                        CatalogIndex {
                            columns: vec![col.clone()],
                            unique: false,
                        },
                    );
                }
                if let Some(n) = t.field_unique_name(f) {
                    ct.uniques.insert(n, vec![col.clone()]);
                }
                if let (Some(n), Some(r)) = (t.field_fk_name(f), &f.references) {
                    let (ref_table, ref_columns) = match self.referenced(r) {
                        Some((rt, rf)) => (rt.table_name(), vec![rf.column_name().to_string()]),
                        None => (
                            r.model.clone(),
                            vec![r.to_field.clone().unwrap_or_default()],
                        ),
                    };
                    ct.foreign_keys.insert(
                        n,
                        CatalogForeignKey {
                            columns: vec![col.clone()],
                            ref_table,
                            ref_columns,
                            on_delete: r.on_delete,
                        },
                    );
                }
            }
            for ix in &t.indexes {
                ct.indexes.insert(
                    t.index_name(ix).name,
                    CatalogIndex {
                        columns: t.columns_of(&ix.fields),
                        unique: ix.unique,
                    },
                );
            }
            for c in &t.constraints {
                let name = t.constraint_name(c).name;
                match c {
                    Constraint::Unique { fields, .. } => {
                        ct.uniques.insert(name, t.columns_of(fields));
                    }
                    Constraint::Check { expr, .. } => {
                        ct.checks.insert(name, expr.clone());
                    }
                }
            }
            out.tables.insert(t.table_name(), ct);
        }
        out
    }
}

impl Catalog {
    /// Every difference between `self` (expected) and `actual`, one line each,
    /// empty when they match.
    pub fn differences(&self, actual: &Catalog) -> Vec<String> {
        self.differences_from(actual, "the models")
    }

    /// [`Catalog::differences`], naming where `self` comes from (`the
    /// models`, `the migration`) in what the database has and it has not.
    pub fn differences_from(&self, actual: &Catalog, source: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (name, want) in &self.tables {
            let Some(got) = actual.tables.get(name) else {
                out.push(format!("table {name} is missing from the database"));
                continue;
            };
            table_differences(name, want, got, source, &mut out);
        }
        for name in actual.tables.keys() {
            if !self.tables.contains_key(name) {
                out.push(format!(
                    "table {name} exists in the database but not in {source}"
                ));
            }
        }
        out
    }
}

fn map_differences<V: PartialEq + std::fmt::Debug>(
    table: &str,
    what: &str,
    want: &BTreeMap<String, V>,
    got: &BTreeMap<String, V>,
    source: &str,
    out: &mut Vec<String>,
) {
    for (k, w) in want {
        match got.get(k) {
            None => out.push(format!("{table}: {what} {k} is missing from the database")),
            Some(g) if g != w => out.push(format!(
                "{table}: {what} {k} is {g:?} in the database, {w:?} expected"
            )),
            Some(_) => {}
        }
    }
    for k in got.keys() {
        if !want.contains_key(k) {
            out.push(format!(
                "{table}: {what} {k} exists in the database but not in {source}"
            ));
        }
    }
}

fn table_differences(
    name: &str,
    want: &CatalogTable,
    got: &CatalogTable,
    source: &str,
    out: &mut Vec<String>,
) {
    map_differences(name, "column", &want.columns, &got.columns, source, out);
    if want.primary_key != got.primary_key {
        out.push(format!(
            "{name}: primary key is {:?} in the database, {:?} expected",
            got.primary_key, want.primary_key
        ));
    }
    if want.auto_increment != got.auto_increment {
        out.push(format!(
            "{name}: auto-increment column is {:?} in the database, {:?} expected",
            got.auto_increment, want.auto_increment
        ));
    }
    map_differences(name, "index", &want.indexes, &got.indexes, source, out);
    map_differences(
        name,
        "unique constraint",
        &want.uniques,
        &got.uniques,
        source,
        out,
    );
    map_differences(name, "check", &want.checks, &got.checks, source, out);
    map_differences(
        name,
        "foreign key",
        &want.foreign_keys,
        &got.foreign_keys,
        source,
        out,
    );
    if want.comment != got.comment {
        out.push(format!(
            "{name}: comment is {:?} in the database, {:?} expected",
            got.comment, want.comment
        ));
    }
}
