//! PostgreSQL table definitions with every name resolved, and the native
//! ALTERs that turn one definition into another.

use super::types::{IDENTITY, serial_type, sql_type, using};
use crate::keeps::Expected;
use crate::literal::{default_sql, quote_string};
use crate::{RenderError, Statement};
use remodel_model::names::{NameKind, derived_name};
use remodel_model::restate::Scope;
use remodel_model::{
    Auto, ColumnDefault, ColumnType, Constraint, Field, IndexOptions, OnDelete, Schema, Table, expr,
};
use std::collections::BTreeMap;

/// An identifier in double quotes.
pub(crate) fn q(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn q_list(cols: &[String]) -> String {
    cols.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")
}

/// A column.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ColumnDef {
    pub name: String,
    ty: ColumnType,
    not_null: bool,
    identity: bool,
    /// A `serial` column: its default takes the next value of a sequence it owns.
    sequence: bool,
    default: Option<String>,
    comment: Option<String>,
    /// Its own collation.
    collation: Option<String>,
    /// A generated column's expression (normal spelling).
    generated: Option<String>,
}

/// The primary key.
#[derive(Debug, Clone, PartialEq)]
struct PkDef {
    name: String,
    columns: Vec<String>,
}

/// A named table constraint other than the primary key.
#[derive(Debug, Clone, PartialEq)]
enum Con {
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

impl Con {
    fn name(&self) -> &str {
        match self {
            Con::Unique { name, .. } | Con::ForeignKey { name, .. } | Con::Check { name, .. } => {
                name
            }
        }
    }

    fn with_name(&self, new: &str) -> Con {
        let mut c = self.clone();
        match &mut c {
            Con::Unique { name, .. } | Con::ForeignKey { name, .. } | Con::Check { name, .. } => {
                *name = new.to_string()
            }
        }
        c
    }

    /// Drop order: foreign keys first (they may use a unique constraint), then checks, then uniques.
    /// Whether it involves column `col`.
    fn uses(&self, col: &str) -> bool {
        match self {
            Con::Unique { columns, .. } => columns.iter().any(|c| c == col),
            Con::ForeignKey { column, .. } => column == col,
            Con::Check { expr: e, .. } => expr::columns(e)
                .unwrap_or_default()
                .iter()
                .any(|c| c == col),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Con::ForeignKey { .. } => 0,
            Con::Check { .. } => 1,
            Con::Unique { .. } => 2,
        }
    }

    fn sql(&self) -> String {
        match self {
            Con::Unique { name, columns } => {
                format!("CONSTRAINT {} UNIQUE ({})", q(name), q_list(columns))
            }
            Con::ForeignKey {
                name,
                column,
                ref_table,
                ref_column,
                on_delete,
                on_update,
            } => {
                let action = crate::reference::actions_sql(*on_delete, *on_update);
                format!(
                    "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}){action}",
                    q(name),
                    q(column),
                    q(ref_table),
                    q(ref_column),
                )
            }
            Con::Check { name, expr: e } => format!(
                "CONSTRAINT {} CHECK ({})",
                q(name),
                expr::quoted(e, '"').unwrap_or_else(|_| e.clone())
            ),
        }
    }
}

/// An index.
#[derive(Debug, Clone, PartialEq)]
struct IndexDef {
    name: String,
    columns: Vec<String>,
    unique: bool,
    concurrently: bool,
    include: Vec<String>,
    options: IndexOptions,
}

impl IndexDef {
    fn same_definition(&self, other: &IndexDef) -> bool {
        self.columns == other.columns
            && self.unique == other.unique
            && self.include == other.include
            && self.options == other.options
    }

    fn create(&self, table: &str, concurrently: bool) -> Statement {
        let o = &self.options;
        let parts =
            crate::key_parts::key_parts(self.columns.iter().map(|c| q(c)).collect(), o, '"');
        let mut sql = format!(
            "CREATE {}INDEX {}{} ON {}",
            if self.unique { "UNIQUE " } else { "" },
            if concurrently && self.concurrently {
                "CONCURRENTLY "
            } else {
                ""
            },
            q(&self.name),
            q(table),
        );
        if let Some(m) = o.using {
            sql.push_str(&format!(" USING {}", m.as_str().to_uppercase()));
        }
        sql.push_str(&format!(" ({})", parts.join(", ")));
        if !self.include.is_empty() {
            sql.push_str(&format!(" INCLUDE ({})", q_list(&self.include)));
        }
        if let Some(p) = &o.predicate {
            sql.push_str(&format!(
                " WHERE {}",
                expr::quoted(p, '"').unwrap_or_else(|_| p.clone())
            ));
        }
        Statement::new(sql)
    }
}

/// A table as PostgreSQL holds it, every name resolved.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TableDef {
    pub name: String,
    columns: Vec<ColumnDef>,
    pk: Option<PkDef>,
    constraints: Vec<Con>,
    indexes: Vec<IndexDef>,
    comment: Option<String>,
    /// `RANGE (payment_date)`: a partitioned table's key.
    partition_by: Option<String>,
}

/// The SQL of a default for a column of type `ty`.
pub(crate) fn default_value(d: &ColumnDefault, ty: &ColumnType) -> String {
    default_sql(d, ty, '"', true)
}

fn comment_sql(c: &Option<String>) -> String {
    match c {
        Some(text) if !text.is_empty() => quote_string(text),
        _ => "NULL".into(),
    }
}

fn no_comment(c: &Option<String>) -> Option<String> {
    c.clone().filter(|s| !s.is_empty())
}

impl TableDef {
    /// Resolves a model table's names against the schema it lives in.
    pub fn of(t: &Table, schema: &Schema) -> Result<TableDef, RenderError> {
        // An enum field is a column of the enum's named type.
        let t = &crate::enums::for_dialect(t, schema, crate::DialectKind::Postgres)?;
        let pk = t.primary_key();
        let mut columns = Vec::new();
        let mut constraints = Vec::new();
        let mut indexes = Vec::new();
        if t.charset.is_some() || t.collation.is_some() {
            return Err(RenderError(format!(
                "{}: a table's character set and collation (#[model(charset, collation)]) are MySQL/MariaDB's; PostgreSQL has them per database, and a collation per column (#[field(collation)])",
                t.key()
            )));
        }
        for f in &t.fields {
            let col = f.column_name().to_string();
            if f.charset.is_some() {
                return Err(RenderError(format!(
                    "field `{}` of {}: PostgreSQL has no character set per column (charset is MySQL/MariaDB's)",
                    f.name,
                    t.key()
                )));
            }
            if f.on_update_sql.is_some() {
                return Err(RenderError(format!(
                    "field `{}` of {}: PostgreSQL sets no column ON UPDATE (on_update_sql is MySQL/MariaDB's; a trigger in a RunSql migration does it)",
                    f.name,
                    t.key()
                )));
            }
            columns.push(column_def(f));
            if let Some(name) = t.field_unique_name(f) {
                constraints.push(Con::Unique {
                    name,
                    columns: vec![col.clone()],
                });
            }
            if let (Some(name), Some(r)) = (t.field_fk_name(f), &f.references) {
                let (ref_table, ref_column) = crate::reference::referenced_column(schema, t, f, r)?;
                constraints.push(Con::ForeignKey {
                    name,
                    column: col.clone(),
                    ref_table,
                    ref_column,
                    on_delete: r.on_delete,
                    on_update: r.on_update,
                });
            }
            if let Some(name) = t.field_index_name(f) {
                indexes.push(IndexDef {
                    name,
                    columns: vec![col.clone()],
                    unique: false,
                    concurrently: false,
                    include: Vec::new(),
                    options: IndexOptions::default(),
                });
            }
        }
        // PostgreSQL has no unsigned types: the next wider one, and a check.
        for f in &t.fields {
            if let Some(range) = f.ty.unsigned_range(f.column_name()) {
                constraints.push(Con::Check {
                    name: derived_name(&t.table_name(), &[f.column_name()], NameKind::Range),
                    expr: range,
                });
            }
        }
        for c in &t.constraints {
            let name = t.constraint_name(c).name;
            constraints.push(match c {
                Constraint::Unique { fields, .. } => Con::Unique {
                    name,
                    columns: t.columns_of(fields),
                },
                Constraint::Check { expr: e, .. } => Con::Check {
                    name,
                    expr: expr::normalize(e).unwrap_or_else(|_| e.clone()),
                },
            });
        }
        for ix in &t.indexes {
            indexes.push(IndexDef {
                name: t.index_name(ix).name,
                columns: t.columns_of(&ix.fields),
                unique: ix.unique,
                concurrently: ix.concurrently,
                include: t.columns_of(&ix.include),
                options: ix.options.clone(),
            });
        }
        Ok(TableDef {
            name: t.table_name(),
            columns,
            pk: (!pk.is_empty()).then(|| PkDef {
                name: t.primary_key_name(),
                columns: t.columns_of(&pk),
            }),
            constraints,
            indexes,
            comment: no_comment(&t.comment),
            partition_by: t.partition_by.clone(),
        })
    }

    fn column_sql(c: &ColumnDef) -> String {
        let ty = if c.sequence {
            serial_type(&c.ty).to_string()
        } else {
            sql_type(&c.ty)
        };
        let mut s = format!("{} {ty}", q(&c.name));
        if let Some(co) = &c.collation {
            s.push_str(&format!(" COLLATE {}", q(co)));
        }
        if c.identity {
            s.push(' ');
            s.push_str(IDENTITY);
        }
        if let Some(d) = &c.default {
            s.push_str(" DEFAULT ");
            s.push_str(d);
        }
        if let Some(g) = &c.generated {
            let g = expr::quoted(g, '"').unwrap_or_else(|_| g.clone());
            s.push_str(&format!(" GENERATED ALWAYS AS ({g}) STORED"));
        }
        if c.not_null && !c.identity {
            s.push_str(" NOT NULL");
        }
        s
    }

    fn comments(&self) -> Vec<Statement> {
        self.columns
            .iter()
            .filter(|c| c.comment.is_some())
            .map(|c| {
                Statement::new(format!(
                    "COMMENT ON COLUMN {}.{} IS {}",
                    q(&self.name),
                    q(&c.name),
                    comment_sql(&c.comment)
                ))
            })
            .collect()
    }

    /// CREATE TABLE, its indexes and its comments.
    pub fn create(&self) -> Vec<Statement> {
        let mut lines: Vec<String> = self.columns.iter().map(Self::column_sql).collect();
        if let Some(pk) = &self.pk {
            lines.push(format!(
                "CONSTRAINT {} PRIMARY KEY ({})",
                q(&pk.name),
                q_list(&pk.columns)
            ));
        }
        lines.extend(self.constraints.iter().map(Con::sql));
        let partition = self
            .partition_by
            .as_ref()
            .map(|p| format!(" PARTITION BY {p}"))
            .unwrap_or_default();
        let mut out = vec![Statement::new(format!(
            "CREATE TABLE {} (\n    {}\n){partition}",
            q(&self.name),
            lines.join(",\n    ")
        ))];
        // The table is new and empty: a `concurrently` index gains nothing
        // from CONCURRENTLY here, and would take the migration out of its transaction.
        out.extend(self.indexes.iter().map(|ix| ix.create(&self.name, false)));
        if self.comment.is_some() {
            out.push(Statement::new(format!(
                "COMMENT ON TABLE {} IS {}",
                q(&self.name),
                comment_sql(&self.comment)
            )));
        }
        out.extend(self.comments());
        out
    }

    /// This definition after renaming the table and columns natively:
    /// columns follow, and so do references to the table itself; constraint
    /// and index names do not.
    fn renamed(&self, new_name: &str, renames: &[(String, String)]) -> TableDef {
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
            if let Some(g) = &mut c.generated {
                for (o, n) in renames {
                    if let Ok(r) = expr::rename_column(g, o, n) {
                        *g = r;
                    }
                }
            }
        }
        if let Some(pk) = &mut t.pk {
            pk.columns = ren_all(&pk.columns);
        }
        for c in &mut t.constraints {
            match c {
                Con::Unique { columns, .. } => *columns = ren_all(columns),
                Con::ForeignKey {
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
                Con::Check { expr: e, .. } => {
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
            ix.include = ren_all(&ix.include);
            for (o, n) in renames {
                if let Ok(r) = ix.options.rename_column(o, n) {
                    ix.options = r;
                }
            }
        }
        t
    }
}

fn column_def(f: &Field) -> ColumnDef {
    let int = f.ty.is_integer_like();
    let identity = int && matches!(f.auto, Auto::Yes | Auto::RowId);
    let sequence = int && f.auto == Auto::Sequence;
    ColumnDef {
        name: f.column_name().to_string(),
        ty: f.ty.clone(),
        not_null: !f.null || identity || sequence,
        identity,
        sequence,
        default: if identity || sequence {
            None
        } else {
            f.default.as_ref().map(|d| default_value(d, &f.ty))
        },
        comment: no_comment(&f.comment),
        collation: f.collation.clone(),
        generated: f.generated.as_ref().map(|g| g.expr.clone()),
    }
}

/// The name of the sequence a column gets when it becomes `serial` by
/// ALTER (`<table>_<column>_seq`, as PostgreSQL names a serial's).
fn sequence_name(table: &str, column: &str) -> String {
    remodel_model::names::shorten_identifier(&format!("{table}_{column}_seq"))
}

/// Runs `action` (`DROP SEQUENCE %s`) on the sequence a column owns, if it
/// owns one: its name is the database's (a table adopted with its own
/// sequence names), so it is looked up when the statement runs.
fn on_owned_sequence(table: &str, column: &str, action: &str) -> Statement {
    Statement::new(format!(
        "DO $$ DECLARE s text := pg_catalog.pg_get_serial_sequence({}, {}); BEGIN IF s IS NOT NULL THEN EXECUTE format({}, s); END IF; END $$",
        quote_string(&q(table)),
        quote_string(column),
        quote_string(action),
    ))
}

/// What an operation adds to the change between two definitions.
#[derive(Debug, Default)]
pub(crate) struct Extras {
    /// Column renames (old column → new column).
    pub renames: Vec<(String, String)>,
    /// A one-off DEFAULT for an added column: it fills the existing rows
    /// and is dropped right after.
    pub one_off: BTreeMap<String, String>,
    /// The value for NULL rows of an existing column that becomes NOT NULL.
    pub fills: BTreeMap<String, String>,
    /// Build indexes marked `concurrently` with CREATE INDEX CONCURRENTLY.
    pub concurrently: bool,
}

/// The statements that turn table `old` into `new` (both resolved).
pub(crate) fn transition(
    old: &TableDef,
    new: &TableDef,
    extras: &Extras,
    known: &Expected,
) -> Vec<Statement> {
    let mut out = guards(old, new, extras, known);
    let t = q(&new.name);
    let alter = |action: String| Statement::new(format!("ALTER TABLE {t} {action}"));
    if old.name != new.name {
        out.push(Statement::new(format!(
            "ALTER TABLE {} RENAME TO {t}",
            q(&old.name)
        )));
    }
    for (o, n) in &extras.renames {
        out.push(alter(format!("RENAME COLUMN {} TO {}", q(o), q(n))));
    }
    let mut mid = old.renamed(&new.name, &extras.renames);

    // A column given a new generation expression is dropped and added again
    // (PostgreSQL 15 sets none in place): its values are computed anew, and
    // the indexes and constraints on it, dropped with it, are made again.
    // So is one over a column whose type changes, which PostgreSQL will
    // not alter while a generated column uses it.
    let retyped: Vec<&str> = new
        .columns
        .iter()
        .filter(|c| {
            mid.columns.iter().any(|m| {
                m.name == c.name
                    && (sql_type(&m.ty) != sql_type(&c.ty) || m.collation != c.collation)
            })
        })
        .map(|c| c.name.as_str())
        .collect();
    let regenerated: Vec<String> = new
        .columns
        .iter()
        .filter(|c| {
            let Some(g) = &c.generated else {
                return false;
            };
            mid.columns.iter().any(|m| {
                m.name == c.name
                    && (m.generated != c.generated
                        || expr::columns(g)
                            .unwrap_or_default()
                            .iter()
                            .any(|used| retyped.contains(&used.as_str())))
            })
        })
        .map(|c| c.name.clone())
        .collect();
    for col in &regenerated {
        out.push(alter(format!("DROP COLUMN {}", q(col))));
        mid.columns.retain(|m| m.name != *col);
        mid.constraints.retain(|c| !c.uses(col));
        mid.indexes.retain(|ix| {
            !ix.columns.contains(col)
                && !ix.include.contains(col)
                && !ix.options.columns().contains(col)
        });
    }

    // Objects whose definition is unchanged but whose (derived) name changed are renamed.
    let mut renames: Vec<Statement> = Vec::new();
    let pk_changed = match (&mid.pk, &new.pk) {
        (Some(a), Some(b)) if a.columns == b.columns => {
            if a.name != b.name {
                renames.push(alter(format!(
                    "RENAME CONSTRAINT {} TO {}",
                    q(&a.name),
                    q(&b.name)
                )));
            }
            false
        }
        (a, b) => a != b,
    };
    for c in &new.constraints {
        if mid.constraints.contains(c) {
            continue;
        }
        let found = mid
            .constraints
            .iter()
            .position(|m| m.with_name(c.name()) == *c && !new.constraints.iter().any(|n| n == m));
        if let Some(pos) = found {
            renames.push(alter(format!(
                "RENAME CONSTRAINT {} TO {}",
                q(mid.constraints[pos].name()),
                q(c.name())
            )));
            mid.constraints[pos] = c.clone();
        }
    }
    for ix in &new.indexes {
        if mid
            .indexes
            .iter()
            .any(|m| m.name == ix.name && m.same_definition(ix))
        {
            continue;
        }
        let found = mid.indexes.iter().position(|m| {
            m.same_definition(ix)
                && !new
                    .indexes
                    .iter()
                    .any(|n| n.name == m.name && n.same_definition(m))
        });
        if let Some(pos) = found {
            renames.push(Statement::new(format!(
                "ALTER INDEX {} RENAME TO {}",
                q(&mid.indexes[pos].name),
                q(&ix.name)
            )));
            mid.indexes[pos].name = ix.name.clone();
        }
    }

    // Drops of what the new definition no longer has (or has differently).
    let mut dropped: Vec<&Con> = mid
        .constraints
        .iter()
        .filter(|c| !new.constraints.contains(c))
        .collect();
    dropped.sort_by_key(|c| c.rank());
    for c in dropped {
        out.push(alter(format!("DROP CONSTRAINT {}", q(c.name()))));
    }
    if pk_changed && let Some(pk) = &mid.pk {
        out.push(alter(format!("DROP CONSTRAINT {}", q(&pk.name))));
    }
    for ix in &mid.indexes {
        if !new
            .indexes
            .iter()
            .any(|n| n.name == ix.name && n.same_definition(ix))
        {
            out.push(Statement::new(format!("DROP INDEX {}", q(&ix.name))));
        }
    }
    out.extend(renames);

    for c in &mid.columns {
        if !new.columns.iter().any(|n| n.name == c.name) {
            out.push(alter(format!("DROP COLUMN {}", q(&c.name))));
        }
    }
    let mut commented: Vec<&ColumnDef> = Vec::new();
    for c in &new.columns {
        let Some(o) = mid.columns.iter().find(|m| m.name == c.name) else {
            // An added column.
            match extras.one_off.get(&c.name) {
                Some(value) if c.default.is_none() => {
                    let mut with = c.clone();
                    with.default = Some(value.clone());
                    out.push(alter(format!("ADD COLUMN {}", TableDef::column_sql(&with))));
                    out.push(alter(format!("ALTER COLUMN {} DROP DEFAULT", q(&c.name))));
                }
                _ => out.push(alter(format!("ADD COLUMN {}", TableDef::column_sql(c)))),
            }
            if c.comment.is_some() {
                commented.push(c);
            }
            continue;
        };
        out.extend(alter_column(&t, &new.name, o, c, extras.fills.get(&c.name)));
        if o.comment != c.comment {
            commented.push(c);
        }
    }

    if pk_changed && let Some(pk) = &new.pk {
        out.push(alter(format!(
            "ADD CONSTRAINT {} PRIMARY KEY ({})",
            q(&pk.name),
            q_list(&pk.columns)
        )));
    }
    let mut added: Vec<&Con> = new
        .constraints
        .iter()
        .filter(|c| !mid.constraints.contains(c))
        .collect();
    added.sort_by_key(|c| std::cmp::Reverse(c.rank()));
    for c in added {
        out.push(alter(format!("ADD {}", c.sql())));
    }
    for ix in &new.indexes {
        if !mid
            .indexes
            .iter()
            .any(|m| m.name == ix.name && m.same_definition(ix))
        {
            out.push(ix.create(&new.name, extras.concurrently));
        }
    }
    if mid.comment != new.comment {
        out.push(Statement::new(format!(
            "COMMENT ON TABLE {t} IS {}",
            comment_sql(&new.comment)
        )));
    }
    out.extend(commented.iter().map(|c| {
        Statement::new(format!(
            "COMMENT ON COLUMN {t}.{} IS {}",
            q(&c.name),
            comment_sql(&c.comment)
        ))
    }));
    out
}

/// The guards of a change from `old` to `new`, which precede everything it
/// runs (the table named as before it): a foreign key dropped and added
/// again is restated from the state, so is a column whose type changes
/// (its own collation resets), and a dropped column takes what only it
/// holds.
fn guards(old: &TableDef, new: &TableDef, extras: &Extras, known: &Expected) -> Vec<Statement> {
    let mid = old.renamed(&new.name, &extras.renames);
    let before = |c: &str| {
        extras
            .renames
            .iter()
            .find(|(_, n)| n == c)
            .map_or_else(|| c.to_string(), |(o, _)| o.clone())
    };
    let mut out = Vec::new();
    for c in mid
        .constraints
        .iter()
        .filter(|c| !new.constraints.contains(c))
    {
        if matches!(c, Con::ForeignKey { .. })
            && new.constraints.iter().any(|n| n.name() == c.name())
        {
            out.push(known.keeps(&old.name, Scope::ForeignKey(c.name().to_string())));
        }
    }
    for c in &mid.columns {
        if !new.columns.iter().any(|n| n.name == c.name) {
            out.push(known.keeps(&old.name, Scope::DroppedColumn(c.name.clone())));
        }
    }
    for c in &new.columns {
        if mid.columns.iter().any(|m| {
            m.name == c.name && (sql_type(&m.ty) != sql_type(&c.ty) || m.collation != c.collation)
        }) {
            out.push(known.keeps(&old.name, Scope::Columns(vec![before(&c.name)])));
        }
    }
    out
}

/// The ALTER COLUMN statements that change column `o` into `c`.
fn alter_column(
    t: &str,
    table: &str,
    o: &ColumnDef,
    c: &ColumnDef,
    fill: Option<&String>,
) -> Vec<Statement> {
    let mut out = Vec::new();
    let col = q(&c.name);
    let alter =
        |action: String| Statement::new(format!("ALTER TABLE {t} ALTER COLUMN {col} {action}"));
    if o.identity && !c.identity {
        out.push(alter("DROP IDENTITY".into()));
    }
    if o.generated.is_some() && c.generated.is_none() {
        // The values computed so far stay as plain values.
        out.push(alter("DROP EXPRESSION".into()));
    }
    if o.sequence && !c.sequence {
        // The sequence goes with the default that used it.
        out.push(alter("DROP DEFAULT".into()));
        out.push(on_owned_sequence(table, &c.name, "DROP SEQUENCE %s"));
    }
    // A new type resets the collation, and a new collation is set with
    // the type.
    // Types are compared as PostgreSQL spells them: a u16 is an integer
    // (its range check is a constraint of its own).
    let type_changed = sql_type(&o.ty) != sql_type(&c.ty) || o.collation != c.collation;
    let default_changed = o.default != c.default;
    // An old default may not convert to the new type: drop it first.
    if o.default.is_some() && (type_changed || (default_changed && c.default.is_none())) {
        out.push(alter("DROP DEFAULT".into()));
    }
    if type_changed {
        let mut sql = format!("TYPE {}", sql_type(&c.ty));
        // TYPE without COLLATE resets the column's collation.
        if c.collation.is_some() || o.collation != c.collation {
            let co = c.collation.as_deref().unwrap_or("default");
            sql.push_str(&format!(" COLLATE {}", q(co)));
        }
        if let Some(u) = using(&col, &o.ty, &c.ty) {
            sql.push_str(" USING ");
            sql.push_str(&u);
        }
        out.push(alter(sql));
        if o.sequence && c.sequence {
            // The sequence counts in the column's type.
            out.push(on_owned_sequence(
                table,
                &c.name,
                &format!("ALTER SEQUENCE %s AS {}", sql_type(&c.ty)),
            ));
        }
    }
    if let Some(d) = &c.default
        && (type_changed || default_changed)
    {
        out.push(alter(format!("SET DEFAULT {d}")));
    }
    if c.not_null && !o.not_null {
        if let Some(value) = fill {
            out.push(Statement::new(format!(
                "UPDATE {t} SET {col} = {value} WHERE {col} IS NULL"
            )));
        }
        out.push(alter("SET NOT NULL".into()));
    } else if !c.not_null && o.not_null {
        out.push(alter("DROP NOT NULL".into()));
    }
    if !o.sequence && c.sequence {
        let seq = sequence_name(table, &c.name);
        out.push(Statement::new(format!(
            "CREATE SEQUENCE {} AS {} OWNED BY {t}.{col}",
            q(&seq),
            sql_type(&c.ty)
        )));
        out.push(alter(format!(
            "SET DEFAULT nextval({}::regclass)",
            quote_string(&q(&seq))
        )));
        // Existing rows hold values: the sequence starts after the largest.
        out.push(Statement::new(format!(
            "SELECT setval({}, coalesce(max({col}), 0) + 1, false) FROM {t}",
            quote_string(&q(&seq))
        )));
    }
    if !o.identity && c.identity {
        out.push(alter(IDENTITY.replacen("GENERATED", "ADD GENERATED", 1)));
        // Existing rows hold keys: the sequence starts after the largest.
        out.push(Statement::new(format!(
            "SELECT setval(pg_get_serial_sequence({}, {}), coalesce(max({col}), 0) + 1, false) FROM {t}",
            quote_string(&q(table)),
            quote_string(&c.name),
        )));
    }
    out
}
