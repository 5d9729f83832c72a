//! SQLite: rendering (with the table-rebuild procedure for what SQLite cannot
//! ALTER), introspection from its catalog, and the connection that applies
//! migrations as DESIGN §6 describes.

#[cfg(feature = "sqlite")]
mod connection;
mod guard;
mod introspect;
mod objects;
mod render;
mod table;

#[cfg(feature = "sqlite")]
pub use connection::SqliteDatabase;

use crate::{Capabilities, Dialect, DialectKind, MigrationNotes, RenderError, Statement};
use remodel_differ::Op;
use remodel_model::catalog::Catalog;
use remodel_model::catalog::CatalogTable;
use remodel_model::names::{NameKind, derived_name};
use remodel_model::{Auto, ColumnType, Field, Schema};

/// The SQLite dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct SqliteDialect;

impl Dialect for SqliteDialect {
    fn kind(&self) -> DialectKind {
        DialectKind::Sqlite
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            transactional_ddl: true,
            alter_column: false,
            comments: false,
        }
    }

    fn quote(&self, ident: &str) -> String {
        table::q(ident)
    }

    fn column_type(&self, field: &Field) -> String {
        table::column_type(field)
    }

    fn render(
        &self,
        op: &Op,
        before: &Schema,
        after: &Schema,
    ) -> Result<Vec<Statement>, RenderError> {
        render::render(op, before, after)
    }

    fn guard_script(&self, guard: &crate::Guard) -> Vec<String> {
        guard::guard_script(guard)
    }

    fn placeholder(&self, _n: usize) -> String {
        "?".into()
    }

    fn now_iso_sql(&self) -> &'static str {
        r#"strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"#
    }

    fn migration_notes(&self) -> MigrationNotes {
        MigrationNotes {
            before: vec![
                "PRAGMA foreign_keys = OFF (outside the transaction, read back to confirm)",
            ],
            before_commit: vec![
                "PRAGMA foreign_key_check (any violation rolls the migration back)",
            ],
            after: vec!["PRAGMA foreign_keys = ON"],
        }
    }

    fn normalize(&self, catalog: &mut Catalog) {
        normalize(catalog, true);
    }

    /// Integer columns keep their width (`INTEGER` prints as `i32`, which
    /// renders `INTEGER` again when a rebuild restates the column), except
    /// where a foreign key joins two widths: a model's reference has its
    /// target's type, so both become `i64`.
    fn normalize_for_models(&self, catalog: &mut Catalog) {
        let widths: Vec<(String, String, ColumnType)> = catalog
            .tables
            .iter()
            .flat_map(|(t, tt)| {
                tt.columns.iter().filter_map(move |(c, col)| {
                    let ty = match &col.ty {
                        ColumnType::Raw(text) => introspect::parse_type(text),
                        other => other.clone(),
                    };
                    ty.is_integer().then(|| (t.clone(), c.clone(), ty))
                })
            })
            .collect();
        let width = |t: &str, c: &str| {
            widths
                .iter()
                .find(|(wt, wc, _)| wt == t && wc == c)
                .map(|(_, _, ty)| ty.clone())
        };
        // Folding one column may make another of its foreign keys join two
        // widths: fold until none does.
        let mut folded: Vec<(String, String)> = Vec::new();
        loop {
            let mut more = false;
            for (t, tt) in &catalog.tables {
                for fk in tt.foreign_keys.values() {
                    for (c, rc) in fk.columns.iter().zip(&fk.ref_columns) {
                        let (a, b) = ((t.clone(), c.clone()), (fk.ref_table.clone(), rc.clone()));
                        let w = |k: &(String, String)| {
                            if folded.contains(k) {
                                Some(ColumnType::BigInt)
                            } else {
                                width(&k.0, &k.1)
                            }
                        };
                        if let (Some(x), Some(y)) = (w(&a), w(&b))
                            && x != y
                        {
                            for k in [a, b] {
                                if !folded.contains(&k) {
                                    folded.push(k);
                                    more = true;
                                }
                            }
                        }
                    }
                }
            }
            if !more {
                break;
            }
        }
        normalize(catalog, false);
        for (t, c, ty) in widths {
            if let Some(col) = catalog
                .tables
                .get_mut(&t)
                .and_then(|tt| tt.columns.get_mut(&c))
            {
                col.ty = if folded.contains(&(t, c)) {
                    ColumnType::BigInt
                } else {
                    ty
                };
            }
        }
        // A type remodel would spell otherwise keeps its declared text
        // (`DATETIME`, `NUMERIC(10,2)`, `INT`), so that a rebuild restates
        // the same column; but numbered keys keep remodel's types, which
        // `auto` needs, and so do the two columns of a foreign key unless
        // the text is another spelling of the same integer type (a
        // reference needs its key's type).
        let in_foreign_key: Vec<(String, String)> = catalog
            .tables
            .iter()
            .flat_map(|(t, tt)| {
                tt.foreign_keys.values().flat_map(move |fk| {
                    fk.columns
                        .iter()
                        .map(move |c| (t.clone(), c.clone()))
                        .chain(
                            fk.ref_columns
                                .iter()
                                .map(|c| (fk.ref_table.clone(), c.clone())),
                        )
                })
            })
            .collect();
        let squeeze = |s: &str| s.split_whitespace().collect::<String>().to_uppercase();
        for (t, tt) in catalog.tables.iter_mut() {
            let declared = std::mem::take(&mut tt.declared_types.0);
            for (c, col) in tt.columns.iter_mut() {
                let Some(text) = declared.get(c) else {
                    continue;
                };
                let spelled = table::column_type(&Field::new(c.clone(), col.ty.clone()));
                // A key keeps its spelling too unless it is numbered (`auto`
                // needs an integer): `INT PRIMARY KEY` is no row id, and
                // as `i32` it would be rendered as one.
                let raw = ColumnType::Raw(text.trim().to_string());
                // A reference may spell its integer type otherwise.
                let referable = !in_foreign_key.contains(&(t.clone(), c.clone()))
                    || raw.plain_integer().is_some_and(|x| x == col.ty);
                if !text.trim().is_empty()
                    && squeeze(text) != squeeze(&spelled)
                    && !col.auto.is_auto()
                    && referable
                {
                    col.ty = ColumnType::Raw(text.trim().to_string());
                }
            }
            tt.declared_types.0 = declared;
        }
    }
}

/// Folds what SQLite cannot tell apart; `fold_integers` puts every integer
/// type in one (they are one INTEGER affinity, stored alike).
fn normalize(catalog: &mut Catalog, fold_integers: bool) {
    // An enum column is TEXT with a CHECK of its values, named
    // `<table>_<column>_enum`: no type of its own.
    let enums = std::mem::take(&mut catalog.enums);
    for (table, t) in catalog.tables.iter_mut() {
        let mut checks = Vec::new();
        for (column, c) in t.columns.iter_mut() {
            if let ColumnType::Enum(name) = &c.ty
                && let Some(values) = enums.get(name)
            {
                checks.push((
                    remodel_model::names::derived_name(
                        table,
                        &[column],
                        remodel_model::names::NameKind::Enum,
                    ),
                    remodel_model::db_enum::enum_check(column, values),
                ));
                c.ty = ColumnType::Text;
            }
        }
        t.checks.extend(checks);
    }
    for (table, t) in catalog.tables.iter_mut() {
        // SQLite keeps no comments.
        t.comment = None;
        let key = t.primary_key.clone();
        let declared: Vec<String> = t.declared_types.0.keys().cloned().collect();
        legacy_constraint_names(table, t);
        // SQLite keeps no character sets, nor a table default collation.
        t.charset = None;
        t.collation = None;
        for (name, c) in t.columns.iter_mut() {
            c.comment = None;
            c.charset = None;
            // Collation names are case-insensitive; BINARY is the default.
            c.collation = c
                .collation
                .take()
                .map(|n| n.to_ascii_uppercase())
                .filter(|n| n != "BINARY");

            // A model's single `i32` key is rendered `INTEGER PRIMARY KEY`,
            // the row id, whatever `auto` says (a model's catalog has no
            // declared types; a database's says what its key is, and the
            // introspector read its form from that).
            let state_side = !declared.contains(name);
            if state_side
                && key == [name.as_str()]
                && c.ty == ColumnType::Integer
                && c.auto == Auto::No
            {
                c.auto = Auto::RowId;
            }
            // A raw type SQLite spells like one of ours reads back as ours.
            if let ColumnType::Raw(text) = &c.ty {
                c.ty = introspect::parse_type(text);
            }
            // A sequence key is rendered AUTOINCREMENT.
            if c.auto == Auto::Sequence {
                c.auto = Auto::Yes;
            }
            // A row id is never NULL, declared NOT NULL or not (and a
            // model's key never is); another key SQLite lets hold NULLs
            // unless declared NOT NULL, which is a difference.
            if key.contains(name) && (c.auto.is_auto() || state_side) {
                c.null = false;
            }
            // REAL holds both f32 and f64.
            if c.ty == ColumnType::Real {
                c.ty = ColumnType::Double;
            }
            // Every integer type is one INTEGER affinity, stored alike
            // (and INTEGER PRIMARY KEY AUTOINCREMENT holds any integer key).
            if fold_integers && c.ty.is_integer() {
                c.ty = ColumnType::BigInt;
            }
        }
    }
}

/// Reads the names an earlier remodel gave unnamed SQLite constraints
/// (`<table>_fk_<n>`, `<table>_unique_<n>`, `<table>_check_<n>`, numbered by
/// position, so they changed whenever the table did) as the names unnamed
/// constraints read back as now: the derived ones. Models that `inspectdb`
/// printed with such names then stay equal to the database.
fn legacy_constraint_names(table: &str, t: &mut CatalogTable) {
    let legacy = |name: &str, kind: &str| {
        name.strip_prefix(table)
            .and_then(|r| r.strip_prefix('_'))
            .and_then(|r| r.strip_prefix(kind))
            .and_then(|r| r.strip_prefix('_'))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    fn rename<V>(
        map: &mut std::collections::BTreeMap<String, V>,
        is_legacy: impl Fn(&str) -> bool,
        derive: impl Fn(&V) -> String,
    ) {
        let names: Vec<String> = map.keys().filter(|n| is_legacy(n)).cloned().collect();
        for old in names {
            let value = map.remove(&old).expect("listed above");
            let base = derive(&value);
            let mut name = base.clone();
            let mut n = 2;
            while map.contains_key(&name) {
                name = format!("{base}_{n}");
                n += 1;
            }
            map.insert(name, value);
        }
    }
    rename(
        &mut t.foreign_keys,
        |n| legacy(n, "fk"),
        |fk| derived_name(table, &fk.columns, NameKind::ForeignKey),
    );
    rename(
        &mut t.uniques,
        |n| legacy(n, "unique"),
        |cols| derived_name(table, cols, NameKind::Unique),
    );
    rename(
        &mut t.checks,
        |n| legacy(n, "check"),
        |e| {
            let cols = remodel_model::expr::columns(e).unwrap_or_default();
            derived_name(table, &cols, NameKind::Check)
        },
    );
}

#[cfg(all(test, feature = "sqlite"))]
mod tests;
