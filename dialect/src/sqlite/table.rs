//! SQLite table definitions with every name resolved, and the change from one
//! definition to another: native ALTERs where SQLite has them, otherwise the
//! table-rebuild procedure (<https://sqlite.org/lang_altertable.html#otheralter>).

use crate::keeps::Expected;
use crate::literal::{default_sql, literal};
use crate::reference::actions_sql;
use crate::{Guard, RenderError, Statement};
use remodel_model::restate::Scope;
use remodel_model::{
    Auto, ColumnDefault, Constraint, Field, IndexOptions, Literal, OnDelete, Schema, Table, expr,
};
use std::collections::BTreeMap;

pub(crate) fn q(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn q_list(cols: &[String]) -> String {
    cols.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")
}

/// How a column takes part in the primary key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pk {
    No,
    /// `PRIMARY KEY` on the column.
    Plain,
    /// `PRIMARY KEY AUTOINCREMENT` (the column is INTEGER).
    Auto,
    /// `INTEGER PRIMARY KEY` without AUTOINCREMENT: the row id (`auto = "rowid"`).
    RowId,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ColumnSql {
    pub name: String,
    ty: String,
    not_null: bool,
    pk: Pk,
    /// The name of a single-column primary key given with `pk_name`.
    pk_name: Option<String>,
    default: Option<String>,
    /// Its own collation (`NOCASE`, `RTRIM`, or one the application
    /// registers).
    collation: Option<String>,
    /// A generated column's expression (normal spelling) and whether it is stored.
    generated: Option<(String, bool)>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ConstraintSql {
    PrimaryKey {
        /// Given with `pk_name`; SQLite names an unnamed key nothing.
        name: Option<String>,
        columns: Vec<String>,
    },
    Unique {
        name: String,
        columns: Vec<String>,
    },
    ForeignKey {
        name: String,
        column: String,
        ref_table: String,
        ref_column: String,
        on_delete: OnDelete,
        on_update: OnDelete,
    },
    Check {
        name: String,
        expr: String,
    },
}

impl ConstraintSql {
    fn columns(&self) -> Vec<String> {
        match self {
            ConstraintSql::PrimaryKey { columns, .. } | ConstraintSql::Unique { columns, .. } => {
                columns.clone()
            }
            ConstraintSql::ForeignKey { column, .. } => vec![column.clone()],
            ConstraintSql::Check { expr: e, .. } => expr::columns(e).unwrap_or_default(),
        }
    }

    fn sql(&self) -> String {
        match self {
            ConstraintSql::PrimaryKey { name, columns } => format!(
                "{}PRIMARY KEY ({})",
                name.as_ref()
                    .map(|n| format!("CONSTRAINT {} ", q(n)))
                    .unwrap_or_default(),
                q_list(columns)
            ),
            ConstraintSql::Unique { name, columns } => {
                format!("CONSTRAINT {} UNIQUE ({})", q(name), q_list(columns))
            }
            ConstraintSql::ForeignKey {
                name,
                column,
                ref_table,
                ref_column,
                on_delete,
                on_update,
            } => format!(
                "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}){}",
                q(name),
                q(column),
                q(ref_table),
                q(ref_column),
                actions_sql(*on_delete, *on_update)
            ),
            ConstraintSql::Check { name, expr: e } => format!(
                "CONSTRAINT {} CHECK ({})",
                q(name),
                expr::quoted(e, '"').unwrap_or_else(|_| e.clone())
            ),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct IndexSql {
    pub name: String,
    columns: Vec<String>,
    unique: bool,
    options: IndexOptions,
}

impl IndexSql {
    fn create(&self, table: &str) -> Statement {
        let o = &self.options;
        let parts =
            crate::key_parts::key_parts(self.columns.iter().map(|c| q(c)).collect(), o, '"');
        let mut sql = format!(
            "CREATE {}INDEX {} ON {} ({})",
            if self.unique { "UNIQUE " } else { "" },
            q(&self.name),
            q(table),
            parts.join(", ")
        );
        if let Some(p) = &o.predicate {
            sql.push_str(&format!(
                " WHERE {}",
                expr::quoted(p, '"').unwrap_or_else(|_| p.clone())
            ));
        }
        Statement::new(sql)
    }

    fn drop(&self) -> Statement {
        Statement::new(format!("DROP INDEX {}", q(&self.name)))
    }
}

/// A table as SQLite stores it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TableSql {
    pub name: String,
    pub columns: Vec<ColumnSql>,
    pub constraints: Vec<ConstraintSql>,
    pub indexes: Vec<IndexSql>,
}

/// The SQLite column type of a field (DESIGN §2's normative table).
pub(crate) fn column_type(f: &Field) -> String {
    use remodel_model::ColumnType as T;
    if f.auto.is_auto() && f.primary_key {
        // Only `INTEGER PRIMARY KEY` aliases the rowid and takes AUTOINCREMENT.
        return "INTEGER".into();
    }
    match &f.ty {
        T::Boolean => "BOOLEAN".into(),
        T::SmallInt => "SMALLINT".into(),
        T::Integer => "INTEGER".into(),
        T::BigInt => "BIGINT".into(),
        T::Real | T::Double => "REAL".into(),
        T::Varchar(n) => format!("VARCHAR({n})"),
        T::Text => "TEXT".into(),
        T::Blob => "BLOB".into(),
        T::Decimal { precision, scale } => format!("DECIMAL({precision},{scale})"),
        T::Date => "DATE".into(),
        T::Time => "TIME".into(),
        T::Timestamp => "TIMESTAMP".into(),
        T::TimestampTz => "TIMESTAMPTZ".into(),
        T::Uuid => "UUID".into(),
        T::Json => "JSON".into(),
        // The next wider type, with a CHECK of the Rust range; u64 has
        // none (a portability error).
        T::Unsigned(8) => "SMALLINT".into(),
        T::Unsigned(16) => "INTEGER".into(),
        T::Unsigned(_) => "BIGINT".into(),
        T::Raw(s) => s.clone(),
        // Rendering gives an enum field TEXT and a CHECK first.
        T::Enum(_) => "TEXT".into(),
    }
}

/// The SQL for a default on SQLite: literals as they are, expressions in parentheses.
fn sqlite_default(d: &ColumnDefault, f: &Field) -> String {
    match d {
        ColumnDefault::Value(_) => default_sql(d, &f.ty, '"', true),
        ColumnDefault::Sql(_) => format!("({})", default_sql(d, &f.ty, '"', true)),
    }
}

impl TableSql {
    /// Resolves a model table's names against the schema it lives in.
    pub fn of(t: &Table, schema: &Schema) -> Result<TableSql, RenderError> {
        // An enum field is TEXT with a CHECK of its values.
        let t = &crate::enums::for_dialect(t, schema, crate::DialectKind::Sqlite)?;
        let pk = t.primary_key();
        let single_pk = (pk.len() == 1).then(|| pk[0].clone());
        let mut columns = Vec::new();
        let mut constraints = Vec::new();
        let mut indexes = Vec::new();
        if t.charset.is_some() || t.collation.is_some() {
            return Err(RenderError(format!(
                "{}: a table's character set and collation (#[model(charset, collation)]) are MySQL/MariaDB's; SQLite has a collation per column (#[field(collation)])",
                t.key()
            )));
        }
        for f in &t.fields {
            let col = f.column_name().to_string();
            let is_key = single_pk.as_deref() == Some(f.name.as_str());
            if f.charset.is_some() {
                return Err(RenderError(format!(
                    "field `{}` of {}: SQLite has no character set per column (charset is MySQL/MariaDB's)",
                    f.name,
                    t.key()
                )));
            }
            if f.on_update_sql.is_some() {
                return Err(RenderError(format!(
                    "field `{}` of {}: SQLite sets no column ON UPDATE (on_update_sql is MySQL/MariaDB's; a trigger in a RunSql migration does it)",
                    f.name,
                    t.key()
                )));
            }
            if f.auto.is_auto() && !is_key {
                return Err(RenderError(format!(
                    "SQLite cannot number field `{}` of {}: only the primary key takes generated values there (auto = \"sequence\" on another field is a PostgreSQL form)",
                    f.name,
                    t.key()
                )));
            }
            let pk_mode = match f.auto {
                _ if !is_key => Pk::No,
                Auto::No => Pk::Plain,
                Auto::RowId => Pk::RowId,
                // A sequence never gives an id twice, as AUTOINCREMENT.
                Auto::Yes | Auto::Sequence => Pk::Auto,
            };
            columns.push(ColumnSql {
                name: col.clone(),
                ty: column_type(f),
                not_null: !f.null,
                pk: pk_mode,
                pk_name: if is_key { t.pk_name.clone() } else { None },
                default: f.default.as_ref().map(|d| sqlite_default(d, f)),
                collation: f.collation.clone(),
                generated: f.generated.as_ref().map(|g| (g.expr.clone(), g.stored)),
            });
            if let Some(name) = t.field_unique_name(f) {
                constraints.push(ConstraintSql::Unique {
                    name,
                    columns: vec![col.clone()],
                });
            }
            if let (Some(name), Some(r)) = (t.field_fk_name(f), &f.references) {
                let (ref_table, ref_column) = crate::reference::referenced_column(schema, t, f, r)?;
                constraints.push(ConstraintSql::ForeignKey {
                    name,
                    column: col.clone(),
                    ref_table,
                    ref_column,
                    on_delete: r.on_delete,
                    on_update: r.on_update,
                });
            }
            if let Some(name) = t.field_index_name(f) {
                indexes.push(IndexSql {
                    name,
                    columns: vec![col.clone()],
                    ..Default::default()
                });
            }
        }
        if pk.len() > 1 {
            constraints.insert(
                0,
                ConstraintSql::PrimaryKey {
                    name: t.pk_name.clone(),
                    columns: t.columns_of(&pk),
                },
            );
        }
        // SQLite has no unsigned types: the next wider one, and a check.
        for f in &t.fields {
            if let Some(range) = f.ty.unsigned_range(f.column_name()) {
                constraints.push(ConstraintSql::Check {
                    name: remodel_model::names::derived_name(
                        &t.table_name(),
                        &[f.column_name()],
                        remodel_model::names::NameKind::Range,
                    ),
                    expr: range,
                });
            }
        }
        for c in &t.constraints {
            let name = t.constraint_name(c).name;
            constraints.push(match c {
                Constraint::Unique { fields, .. } => ConstraintSql::Unique {
                    name,
                    columns: t.columns_of(fields),
                },
                Constraint::Check { expr: e, .. } => ConstraintSql::Check {
                    name,
                    expr: e.clone(),
                },
            });
        }
        for ix in &t.indexes {
            indexes.push(IndexSql {
                name: t.index_name(ix).name,
                columns: t.columns_of(&ix.fields),
                unique: ix.unique,
                options: ix.options.clone(),
            });
        }
        Ok(TableSql {
            name: t.table_name(),
            columns,
            constraints,
            indexes,
        })
    }

    fn column_sql(c: &ColumnSql) -> String {
        let mut s = format!("{} {}", q(&c.name), c.ty);
        if let Some(co) = &c.collation {
            let plain = co.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_');
            s.push_str(" COLLATE ");
            s.push_str(&if plain { co.clone() } else { q(co) });
        }
        if let Some((g, stored)) = &c.generated {
            let g = expr::quoted(g, '"').unwrap_or_else(|_| g.clone());
            let kind = if *stored { "STORED" } else { "VIRTUAL" };
            s.push_str(&format!(" GENERATED ALWAYS AS ({g}) {kind}"));
        }
        if c.not_null {
            s.push_str(" NOT NULL");
        }
        if c.pk != Pk::No
            && let Some(n) = &c.pk_name
        {
            s.push_str(&format!(" CONSTRAINT {}", q(n)));
        }
        match c.pk {
            Pk::No => {}
            Pk::Plain | Pk::RowId => s.push_str(" PRIMARY KEY"),
            Pk::Auto => s.push_str(" PRIMARY KEY AUTOINCREMENT"),
        }
        if let Some(d) = &c.default {
            s.push_str(" DEFAULT ");
            s.push_str(d);
        }
        s
    }

    /// `CREATE TABLE "name" (…)`, one column or constraint per line.
    pub fn create_table(&self, name: &str) -> Statement {
        let mut lines: Vec<String> = self.columns.iter().map(Self::column_sql).collect();
        lines.extend(self.constraints.iter().map(ConstraintSql::sql));
        Statement::new(format!(
            "CREATE TABLE {} (\n    {}\n)",
            q(name),
            lines.join(",\n    ")
        ))
    }

    /// CREATE TABLE and its indexes.
    pub fn create(&self) -> Vec<Statement> {
        let mut out = vec![self.create_table(&self.name)];
        out.extend(self.indexes.iter().map(|ix| ix.create(&self.name)));
        out
    }

    fn has_auto(&self) -> bool {
        self.columns.iter().any(|c| c.pk == Pk::Auto)
    }

    /// This definition as SQLite holds it after renaming the table and columns
    /// natively: columns and references follow, constraint and index names do not.
    fn renamed(&self, new_name: &str, renames: &[(String, String)]) -> TableSql {
        let ren = |c: &str| {
            renames
                .iter()
                .find(|(o, _)| o == c)
                .map(|(_, n)| n.clone())
                .unwrap_or(c.to_string())
        };
        let ren_all = |cols: &[String]| cols.iter().map(|c| ren(c)).collect::<Vec<_>>();
        let mut t = self.clone();
        let old_name = t.name.clone();
        t.name = new_name.to_string();
        for c in &mut t.columns {
            c.name = ren(&c.name);
            if let Some((g, _)) = &mut c.generated {
                for (o, n) in renames {
                    if let Ok(r) = expr::rename_column(g, o, n) {
                        *g = r;
                    }
                }
            }
        }
        for c in &mut t.constraints {
            match c {
                ConstraintSql::PrimaryKey { columns, .. }
                | ConstraintSql::Unique { columns, .. } => *columns = ren_all(columns),
                ConstraintSql::ForeignKey {
                    column,
                    ref_table,
                    ref_column,
                    ..
                } => {
                    *column = ren(column);
                    if *ref_table == old_name {
                        *ref_table = new_name.to_string();
                        *ref_column = ren(ref_column);
                    }
                }
                ConstraintSql::Check { expr: e, .. } => {
                    for (o, n) in renames {
                        if let Ok(r) = expr::rename_column(e, o, n) {
                            *e = r;
                        }
                    }
                }
            }
        }
        for ix in &mut t.indexes {
            ix.columns = ren_all(&ix.columns);
            for (o, n) in renames {
                if let Ok(r) = ix.options.rename_column(o, n) {
                    ix.options = r;
                }
            }
        }
        t
    }
}

/// Values for columns of existing rows during a change: a one-off default, or
/// the default that replaces NULLs when a column becomes NOT NULL.
pub(crate) type Fills = BTreeMap<String, String>;

/// A fill value from a literal.
pub(crate) fn fill_literal(lit: &Literal, f: &Field) -> String {
    literal(lit, &f.ty, true)
}

/// The statements that turn table `old` into `new` (both resolved), given
/// column renames (old column → new column) and fill values by new column.
///
/// Renames run natively first — SQLite then rewrites the table's own
/// constraints and indexes, views, triggers and other tables' foreign keys —
/// and what remains is done with native ALTERs where SQLite has them, else by
/// rebuilding the table.
pub(crate) fn transition(
    old: &TableSql,
    new: &TableSql,
    renames: &[(String, String)],
    fills: &Fills,
    known: &Expected,
) -> Vec<Statement> {
    let mut out = Vec::new();
    if old.name != new.name {
        out.push(Statement::new(format!(
            "ALTER TABLE {} RENAME TO {}",
            q(&old.name),
            q(&new.name)
        )));
    }
    for (o, n) in renames {
        out.push(Statement::new(format!(
            "ALTER TABLE {} RENAME COLUMN {} TO {}",
            q(&new.name),
            q(o),
            q(n)
        )));
    }
    let mid = old.renamed(&new.name, renames);

    let added: Vec<&ColumnSql> = new
        .columns
        .iter()
        .filter(|c| !mid.columns.iter().any(|m| m.name == c.name))
        .collect();
    let removed: Vec<&ColumnSql> = mid
        .columns
        .iter()
        .filter(|c| !new.columns.iter().any(|n| n.name == c.name))
        .collect();
    let changed = new
        .columns
        .iter()
        .any(|c| mid.columns.iter().any(|m| m.name == c.name && m != c));
    let new_constraints: Vec<&ConstraintSql> = new
        .constraints
        .iter()
        .filter(|c| !mid.constraints.contains(c))
        .collect();
    let lost_constraints = mid.constraints.iter().any(|c| !new.constraints.contains(c));

    // ADD COLUMN takes no key, no unique, no expression default, and NOT NULL
    // only with a literal default.
    let added_ok = added.iter().all(|c| {
        // A generated column added in place must be VIRTUAL (and may be NULL).
        c.generated
            .as_ref()
            .is_none_or(|(_, stored)| !*stored && !c.not_null)
            && c.pk == Pk::No
            && !fills.contains_key(&c.name)
            && c.default.as_ref().is_none_or(|d| !d.starts_with('('))
            && (!c.not_null || c.default.is_some())
    });
    // Only foreign keys of added columns can ride on ADD COLUMN.
    let constraints_ok = !lost_constraints
        && new_constraints.iter().all(|c| {
            matches!(c, ConstraintSql::ForeignKey { column, .. } if added.iter().any(|a| a.name == *column))
        });
    // DROP COLUMN refuses key columns and columns a constraint uses.
    let removed_ok = removed.iter().all(|c| {
        c.pk == Pk::No
            && !mid
                .constraints
                .iter()
                .any(|k| k.columns().contains(&c.name))
    });
    let native = !changed && added_ok && constraints_ok && removed_ok && fills.is_empty();

    if !native {
        out.extend(rebuild(&mid, new, fills, known));
        return out;
    }
    for ix in mid.indexes.iter().filter(|ix| !new.indexes.contains(ix)) {
        out.push(ix.drop());
    }
    for c in &added {
        let mut sql = format!(
            "ALTER TABLE {} ADD COLUMN {}",
            q(&new.name),
            TableSql::column_sql(c)
        );
        for k in &new_constraints {
            if let ConstraintSql::ForeignKey {
                name,
                column,
                ref_table,
                ref_column,
                on_delete,
                on_update,
            } = k
                && *column == c.name
            {
                sql.push_str(&format!(
                    " CONSTRAINT {} REFERENCES {} ({}){}",
                    q(name),
                    q(ref_table),
                    q(ref_column),
                    actions_sql(*on_delete, *on_update)
                ));
            }
        }
        out.push(Statement::new(sql));
    }
    for c in &removed {
        out.push(known.keeps(&new.name, Scope::DroppedColumn(c.name.clone())));
        out.push(Statement::new(format!(
            "ALTER TABLE {} DROP COLUMN {}",
            q(&new.name),
            q(&c.name)
        )));
    }
    for ix in new.indexes.iter().filter(|ix| !mid.indexes.contains(ix)) {
        out.push(ix.create(&new.name));
    }
    out
}

/// The rebuild procedure: a new table, rows copied, the old one dropped, the
/// new one renamed into place, indexes recreated. Foreign keys are off while
/// it runs (the runner's job), so dropping the old table cascades nothing.
/// It runs inside a savepoint, so a failure part-way leaves nothing even in a
/// non-atomic migration, and between two guards: the first stops if the table
/// has columns no migration knows (their data would be lost) and saves the
/// table's other indexes and triggers; the second puts those back.
fn rebuild(mid: &TableSql, new: &TableSql, fills: &Fills, known: &Expected) -> Vec<Statement> {
    let table = &new.name;
    let temp = format!("new__{table}");
    let mut out = vec![
        Statement::new("SAVEPOINT \"remodel_rebuild\""),
        Statement::guard(Guard::RebuildStart {
            table: table.clone(),
            expected: Box::new(known.before.clone()),
            after: Box::new(known.after.clone()),
        }),
        new.create_table(&temp),
    ];
    let mut targets = Vec::new();
    let mut sources = Vec::new();
    for c in &new.columns {
        if c.generated.is_some() {
            continue; // computed, never written
        }
        let existed = mid.columns.iter().any(|m| m.name == c.name);
        let source = match (existed, fills.get(&c.name)) {
            (true, Some(fill)) => format!("COALESCE({}, {fill})", q(&c.name)),
            (true, None) => q(&c.name),
            (false, Some(fill)) => fill.clone(),
            // A new column with no value for existing rows takes its DEFAULT (or NULL).
            (false, None) => continue,
        };
        targets.push(q(&c.name));
        sources.push(source);
    }
    if !targets.is_empty() {
        out.push(Statement::new(format!(
            "INSERT INTO {} ({}) SELECT {} FROM {}",
            q(&temp),
            targets.join(", "),
            sources.join(", "),
            q(table)
        )));
    }
    if mid.has_auto() && new.has_auto() {
        // Keep AUTOINCREMENT's high-water mark, so ids of deleted rows are not reused.
        out.push(Statement::new(format!(
            "DELETE FROM sqlite_sequence WHERE name = '{temp}'"
        )));
        out.push(Statement::new(format!(
            "INSERT INTO sqlite_sequence (name, seq) SELECT '{temp}', seq FROM sqlite_sequence WHERE name = '{table}'"
        )));
    }
    out.push(Statement::new(format!("DROP TABLE {}", q(table))));
    // Legacy mode: views and triggers naming the table are not re-checked
    // while it is briefly missing.
    out.push(Statement::new("PRAGMA legacy_alter_table = ON"));
    out.push(Statement::new(format!(
        "ALTER TABLE {} RENAME TO {}",
        q(&temp),
        q(table)
    )));
    out.push(Statement::new("PRAGMA legacy_alter_table = OFF"));
    out.extend(new.indexes.iter().map(|ix| ix.create(table)));
    out.push(Statement::guard(Guard::RebuildEnd {
        table: table.clone(),
    }));
    out.push(Statement::new("RELEASE \"remodel_rebuild\""));
    out
}
