//! The database's view of a schema: tables and columns by their database
//! names, as an introspector reads them back. A model state is turned into a
//! catalog with [`Schema::to_catalog`] so the two can be compared (the drift
//! check after every apply, `remodel check`).

use crate::default::{ColumnDefault, Literal, format_float};
use crate::index::IndexOptions;
use crate::schema::{Auto, Constraint, Generated, OnDelete, Schema};
use crate::types::ColumnType;
use std::collections::BTreeMap;

/// Tables by name, and the other objects of the schema.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    /// Tables keyed by table name.
    pub tables: BTreeMap<String, CatalogTable>,
    /// Tables the introspector could not read (a definition it cannot
    /// parse), with why; they are not in `tables`. Callers warn about each,
    /// and refuse only when the history owns one.
    pub unreadable: BTreeMap<String, String>,
    /// What the schema holds besides tables (views, triggers, functions,
    /// partitions, sequences no column owns, types…), in the order the
    /// introspector read them. Only introspectors fill it, never
    /// [`Schema::to_catalog`]: no model declares these, so `inspectdb` names
    /// each one it cannot print. [`Catalog::differences`] does not compare
    /// them (a later change will, with their definitions).
    pub objects: Vec<CatalogObject>,
    /// Enum types by their database name, each with its values in order:
    /// what a PostgreSQL database holds (`pg_enum`), and what
    /// [`Schema::to_catalog`] expects. A column of one has the type
    /// [`ColumnType::Enum`] holding that name. Databases without enum types
    /// fold them into their columns when they normalise, and clear this.
    pub enums: BTreeMap<String, Vec<String>>,
}

/// An object of the schema that is not a table a model can describe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogObject {
    /// What it is.
    pub kind: ObjectKind,
    /// Its name as the database shows it; a PostgreSQL function, procedure
    /// or aggregate with its argument types (`film_in_stock(integer,
    /// integer)`), since those may be overloaded.
    pub name: String,
    /// The table it belongs to: a trigger's or rule's table, a partition's
    /// or inherited table's parent, a partitioned table itself.
    pub table: Option<String>,
    /// Its definition as the database prints it (a view's query, a
    /// trigger's statement, a partition's bounds, an enum type's values),
    /// empty where one catalog query cannot read it cheaply.
    pub definition: String,
}

/// The kinds of [`CatalogObject`], named as DESIGN §11.1's RunSql `creates`
/// names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectKind {
    /// A view.
    View,
    /// A PostgreSQL materialized view.
    MaterializedView,
    /// A trigger on a table.
    Trigger,
    /// A PostgreSQL rule on a table (other than a view's own).
    Rule,
    /// A function (PostgreSQL window functions included).
    Function,
    /// A stored procedure.
    Procedure,
    /// A PostgreSQL aggregate.
    Aggregate,
    /// A sequence no column owns (PostgreSQL; MariaDB's sequences).
    Sequence,
    /// A PostgreSQL domain.
    Domain,
    /// A PostgreSQL enum type.
    EnumType,
    /// A PostgreSQL extension (other than plpgsql, which every database has).
    Extension,
    /// A table partitioned by the database (`PARTITION BY`); its table is
    /// itself and its definition the partition key.
    PartitionedTable,
    /// A partition of a partitioned table; its table is the parent.
    Partition,
    /// A PostgreSQL table that inherits from another (`INHERITS`, not a
    /// partition); its table is the parent.
    InheritedTable,
    /// A MySQL/MariaDB scheduled event.
    Event,
}

impl ObjectKind {
    /// The kind in words: `view`, `materialized view`, `enum type`, ….
    pub fn noun(self) -> &'static str {
        match self {
            ObjectKind::View => "view",
            ObjectKind::MaterializedView => "materialized view",
            ObjectKind::Trigger => "trigger",
            ObjectKind::Rule => "rule",
            ObjectKind::Function => "function",
            ObjectKind::Procedure => "procedure",
            ObjectKind::Aggregate => "aggregate",
            ObjectKind::Sequence => "sequence",
            ObjectKind::Domain => "domain",
            ObjectKind::EnumType => "enum type",
            ObjectKind::Extension => "extension",
            ObjectKind::PartitionedTable => "partitioned table",
            ObjectKind::Partition => "partition",
            ObjectKind::InheritedTable => "inherited table",
            ObjectKind::Event => "event",
        }
    }

    /// The kind for its [`noun`](ObjectKind::noun) (as the introspectors'
    /// queries spell it).
    pub fn parse(noun: &str) -> Option<ObjectKind> {
        ObjectKind::ALL.into_iter().find(|k| k.noun() == noun)
    }

    /// Every kind.
    pub const ALL: [ObjectKind; 15] = [
        ObjectKind::View,
        ObjectKind::MaterializedView,
        ObjectKind::Trigger,
        ObjectKind::Rule,
        ObjectKind::Function,
        ObjectKind::Procedure,
        ObjectKind::Aggregate,
        ObjectKind::Sequence,
        ObjectKind::Domain,
        ObjectKind::EnumType,
        ObjectKind::Extension,
        ObjectKind::PartitionedTable,
        ObjectKind::Partition,
        ObjectKind::InheritedTable,
        ObjectKind::Event,
    ];
}

/// One table as the database holds it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CatalogTable {
    /// Columns keyed by column name.
    pub columns: BTreeMap<String, CatalogColumn>,
    /// Primary key columns, in key order.
    pub primary_key: Vec<String>,
    /// The primary key constraint's name, when there is a key: the name the
    /// database gives it, or for an unnamed one (SQLite) the derived name,
    /// since nothing can tell the two apart.
    pub primary_key_name: Option<String>,
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
    /// The table's default character set and collation (MySQL/MariaDB;
    /// `None` for remodel's defaults).
    pub charset: Option<String>,
    /// See [`CatalogTable::charset`].
    pub collation: Option<String>,
    /// A partitioned table's key (PostgreSQL), as
    /// [`crate::partition::normalize`] spells it.
    pub partition_by: Option<String>,
    /// What the database holds on this table that no model can declare (an
    /// expression index, a foreign key's ON UPDATE, a generated column),
    /// keyed by the object it is on (`index users_lower_email`, `foreign key
    /// fk_x`, `column total`). Only introspectors fill it, never
    /// [`Schema::to_catalog`], so each entry is drift unless the history
    /// accounts for it (see [`Unmodelled::names`]).
    pub unmodelled: BTreeMap<String, Unmodelled>,
    /// The columns in the order the database lists them (empty when not
    /// known); not part of the table's equality, since the order of fields
    /// is no change (DESIGN §2).
    pub column_order: ColumnOrder,
    /// Each column's type as the database spells it, where that spelling
    /// says more than [`CatalogColumn::ty`] (SQLite keeps the declared text:
    /// `DATETIME`, `INT`, `NVARCHAR(40)`); not part of the table's equality,
    /// since spellings of one type are one type. `inspectdb` prints it
    /// where remodel would spell the type otherwise, so a rebuild restates
    /// the same text.
    pub declared_types: DeclaredTypes,
}

/// Column name → declared type, equal to any other map.
#[derive(Debug, Clone, Default)]
pub struct DeclaredTypes(pub BTreeMap<String, String>);

impl PartialEq for DeclaredTypes {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// Column names in the database's order, equal to any other order.
#[derive(Debug, Clone, Default)]
pub struct ColumnOrder(pub Vec<String>);

impl PartialEq for ColumnOrder {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// One fact of the database no model can declare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmodelled {
    /// What it is, as the rest of a sentence about the object: `is an
    /// expression index (CREATE INDEX …)`, `has ON UPDATE CASCADE`.
    pub what: String,
    /// The identifiers an applied RunSql migration must all mention for the
    /// fact to count as recorded in the history (the index or constraint
    /// name; the table and column names for a column's attribute).
    pub names: Vec<String>,
}

impl CatalogTable {
    /// Records a fact no model can declare on `object`; a second fact on the
    /// same object joins the first (`has ON UPDATE CASCADE; is DEFERRABLE`).
    pub fn add_fact(&mut self, object: impl Into<String>, fact: Unmodelled) {
        use std::collections::btree_map::Entry;
        match self.unmodelled.entry(object.into()) {
            Entry::Vacant(v) => {
                v.insert(fact);
            }
            Entry::Occupied(mut o) => {
                let known = o.get_mut();
                known.what = format!("{}; {}", known.what, fact.what);
                for n in fact.names {
                    if !known.names.contains(&n) {
                        known.names.push(n);
                    }
                }
            }
        }
    }
}

impl Unmodelled {
    /// A fact `what` that a RunSql mentioning every one of `names` records.
    pub fn new(what: impl Into<String>, names: &[&str]) -> Self {
        Unmodelled {
            what: what.into(),
            names: names.iter().map(|n| n.to_string()).collect(),
        }
    }

    /// Whether `sql` (a RunSql's statements) mentions every name, each as a
    /// whole identifier (quoted or not), case-insensitively.
    pub fn mentioned_in(&self, sql: &str) -> bool {
        let lower = sql.to_lowercase();
        self.names
            .iter()
            .all(|n| mentions_identifier(&lower, &n.to_lowercase()))
    }
}

/// Whether SQL text mentions `name` as a whole identifier (quoted or not),
/// case-insensitively: how an applied RunSql records what it made.
pub fn mentions(sql: &str, name: &str) -> bool {
    mentions_identifier(&sql.to_lowercase(), &name.to_lowercase())
}

/// Whether `haystack` holds `name` not as part of a longer identifier.
fn mentions_identifier(haystack: &str, name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    let ident = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    haystack.match_indices(name).any(|(at, _)| {
        let before = haystack[..at].chars().next_back();
        let after = haystack[at + name.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
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
    /// How it gets values an insert does not give (the key forms).
    pub auto: Auto,
    /// Its own collation, when it has one (see [`crate::Field::collation`]).
    pub collation: Option<String>,
    /// Its own character set (MySQL/MariaDB).
    pub charset: Option<String>,
    /// What an update of its row sets it to (MySQL's `ON UPDATE`).
    pub on_update_sql: Option<String>,
    /// A generated column's expression and kind.
    pub generated: Option<Generated>,
}

/// One index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogIndex {
    /// The plain key columns, in order (expression key parts follow them,
    /// in [`CatalogIndex::options`]).
    pub columns: Vec<String>,
    /// A unique index.
    pub unique: bool,
    /// Non-key columns the index carries (PostgreSQL INCLUDE).
    pub include: Vec<String>,
    /// Expressions, order, method, predicate, operator classes, prefix lengths.
    pub options: IndexOptions,
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
    /// The update action.
    pub on_update: OnDelete,
}

impl CatalogTable {
    /// Reads an unsigned column back where the database has no unsigned
    /// type: a signed integer column whose range check, named
    /// `<table>_<column>_range` (any name where names mean nothing, as on
    /// SQLite, whose rename of a column keeps the old one), says the Rust
    /// range (compared as `canon` spells expressions) is the unsigned type,
    /// and the check is part of it.
    pub fn recognize_unsigned(
        &mut self,
        table: &str,
        canon: &dyn Fn(&str) -> String,
        by_name: bool,
    ) {
        let names: Vec<String> = self.columns.keys().cloned().collect();
        for col in names {
            // SQLite's numbered key is INTEGER whatever its width.
            let carrier = matches!(
                self.columns[&col].ty,
                ColumnType::SmallInt
                    | ColumnType::Integer
                    | ColumnType::BigInt
                    | ColumnType::Decimal {
                        precision: 20,
                        scale: 0
                    }
            );
            if !carrier {
                continue;
            }
            let derived = crate::names::derived_name(table, &[&col], crate::names::NameKind::Range);
            let found = [8, 16, 32, 64].into_iter().find_map(|bits| {
                let ty = ColumnType::Unsigned(bits);
                let range = canon(&ty.unsigned_range(&col)?);
                self.checks
                    .iter()
                    .find(|(name, e)| (!by_name || **name == derived) && canon(e) == range)
                    .map(|(name, _)| (ty, name.clone()))
            });
            if let Some((ty, check)) = found {
                if let Some(c) = self.columns.get_mut(&col) {
                    c.ty = ty;
                }
                self.checks.remove(&check);
            }
        }
    }
}

impl Schema {
    /// The catalog this state describes: every managed table, by its
    /// database names.
    pub fn to_catalog(&self) -> Catalog {
        let mut out = Catalog::default();
        for t in self.tables.values().filter(|t| t.managed) {
            out.tables.insert(t.table_name(), self.table_catalog(t));
        }
        for e in self.enums.values() {
            out.enums.insert(
                e.db_name(),
                e.values().into_iter().map(String::from).collect(),
            );
        }
        out
    }

    /// A column type as a catalog holds it: an enum by its database name.
    fn catalog_type(&self, ty: &ColumnType) -> ColumnType {
        match ty {
            ColumnType::Enum(key) => match self.enums.get(key) {
                Some(e) => ColumnType::Enum(e.db_name()),
                None => ty.clone(),
            },
            other => other.clone(),
        }
    }

    /// One table of this state as the database holds it (its references
    /// resolved against this state).
    pub fn table_catalog(&self, t: &crate::Table) -> CatalogTable {
        let primary_key = t.columns_of(&t.primary_key());
        let mut ct = CatalogTable {
            primary_key_name: (!primary_key.is_empty()).then(|| t.primary_key_name()),
            primary_key,
            comment: t.comment.clone(),
            charset: t.charset.clone(),
            collation: t.collation.clone(),
            partition_by: t.partition_by.clone(),
            ..Default::default()
        };
        for f in &t.fields {
            let col = f.column_name().to_string();
            ct.columns.insert(
                col.clone(),
                CatalogColumn {
                    ty: self.catalog_type(&f.ty),
                    null: f.null,
                    default: f.default.clone(),
                    comment: f.comment.clone(),
                    auto: f.auto,
                    collation: f.collation.clone(),
                    charset: f.charset.clone(),
                    on_update_sql: f.on_update_sql.clone(),
                    generated: f.generated.clone(),
                },
            );
            if let Some(n) = t.field_index_name(f) {
                ct.indexes.insert(
                    n,
                    CatalogIndex {
                        columns: vec![col.clone()],
                        unique: false,
                        ..Default::default()
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
                        on_update: r.on_update,
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
                    include: t.columns_of(&ix.include),
                    options: ix.options.clone(),
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
        ct
    }
}

impl Catalog {
    /// Every difference between `self` (expected) and `actual`, one line each,
    /// empty when they match. A line names the table and object and says, in
    /// SQL terms, only what differs: `item: column uso_diario is
    /// decimal(6,2) in the database, decimal(5,2) expected`; an object with
    /// several differing attributes (a column's type and nullability, say)
    /// gets one line per attribute.
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
        // An enum type the database has and no model declares is one of
        // its objects, not a difference.
        let quoted = |values: &[String]| -> String {
            values
                .iter()
                .map(|v| format!("'{}'", v.replace('\'', "''")))
                .collect::<Vec<_>>()
                .join(", ")
        };
        for (name, want) in &self.enums {
            match actual.enums.get(name) {
                None => out.push(format!("enum type {name} is missing from the database")),
                Some(got) if got != want => out.push(format!(
                    "enum type {name} has the values ({}) in the database, ({}) in {source}",
                    quoted(got),
                    quoted(want)
                )),
                Some(_) => {}
            }
        }
        out
    }
}

/// Every difference between the `want` and `got` maps of one kind of
/// object (`column`, `index`, …): what is missing, what is extra, and for
/// each object both have but unequal, one line per tail `describe(got,
/// want)` gives ("{table}: {what} {name} {tail}").
fn map_differences<V: PartialEq>(
    table: &str,
    what: &str,
    want: &BTreeMap<String, V>,
    got: &BTreeMap<String, V>,
    source: &str,
    describe: impl Fn(&V, &V) -> Vec<String>,
    out: &mut Vec<String>,
) {
    for (k, w) in want {
        match got.get(k) {
            None => out.push(format!("{table}: {what} {k} is missing from the database")),
            Some(g) if g != w => out.extend(
                describe(g, w)
                    .into_iter()
                    .map(|t| format!("{table}: {what} {k} {t}")),
            ),
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

/// `got` (the database's) against `want`: "G in the database, W expected".
fn versus(got: impl std::fmt::Display, want: impl std::fmt::Display) -> String {
    format!("{got} in the database, {want} expected")
}

/// An optional attribute `noun` that differs, as the tail of a line: "has
/// N G in the database, W expected", "has N G in the database, none
/// expected" or "has no N in the database, W expected"; `None` when both
/// are absent.
fn optional_attribute(noun: &str, got: Option<String>, want: Option<String>) -> Option<String> {
    match (got, want) {
        (Some(g), w) => Some(format!(
            "has {noun} {}",
            versus(g, w.as_deref().unwrap_or("none"))
        )),
        (None, Some(w)) => Some(format!("has no {noun} in the database, {w} expected")),
        (None, None) => None,
    }
}

/// A string as an SQL literal: `'it''s'`.
fn sql_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A default as SQL: a literal (`'ACTIVO'`, `0`, `2.5`, `TRUE`) or the
/// expression itself (`CURRENT_TIMESTAMP`).
fn default_sql(d: &ColumnDefault) -> String {
    match d {
        ColumnDefault::Value(Literal::Bool(b)) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        ColumnDefault::Value(Literal::Int(i)) => i.to_string(),
        ColumnDefault::Value(Literal::Float(x)) => format_float(*x),
        ColumnDefault::Value(Literal::Str(s)) => sql_string(s),
        ColumnDefault::Sql(e) => e.clone(),
    }
}

/// Two unequal defaults as text, told apart when a literal and an
/// expression read the same (`TRUE` and `default_sql = "TRUE"`).
fn default_pair(got: &ColumnDefault, want: &ColumnDefault) -> (String, String) {
    let (g, w) = (default_sql(got), default_sql(want));
    if g != w {
        return (g, w);
    }
    let kind = |d: &ColumnDefault| match d {
        ColumnDefault::Value(_) => "literal",
        ColumnDefault::Sql(_) => "SQL expression",
    };
    (
        format!("{g} ({})", kind(got)),
        format!("{w} ({})", kind(want)),
    )
}

/// Column names as SQL lists them: `(a, b)`.
fn column_list(columns: &[String]) -> String {
    format!("({})", columns.join(", "))
}

/// How one column differs: one tail per differing attribute.
pub(crate) fn column_differences(got: &CatalogColumn, want: &CatalogColumn) -> Vec<String> {
    let mut out = Vec::new();
    if got.ty != want.ty {
        out.push(format!("is {}", versus(&got.ty, &want.ty)));
    }
    if got.null != want.null {
        let null = |n: bool| if n { "NULL" } else { "NOT NULL" };
        out.push(format!("is {}", versus(null(got.null), null(want.null))));
    }
    if got.default != want.default {
        let (g, w) = match (&got.default, &want.default) {
            (Some(g), Some(w)) => {
                let (g, w) = default_pair(g, w);
                (Some(g), Some(w))
            }
            (g, w) => (g.as_ref().map(default_sql), w.as_ref().map(default_sql)),
        };
        out.extend(optional_attribute("default", g, w));
    }
    if got.comment != want.comment {
        out.extend(optional_attribute(
            "comment",
            got.comment.as_deref().map(sql_string),
            want.comment.as_deref().map(sql_string),
        ));
    }
    if got.auto != want.auto {
        out.push(format!(
            "is {}",
            versus(got.auto.describe(), want.auto.describe())
        ));
    }
    if got.charset != want.charset {
        out.extend(optional_attribute(
            "character set",
            got.charset.clone(),
            want.charset.clone(),
        ));
    }
    if got.collation != want.collation {
        out.extend(optional_attribute(
            "collation",
            got.collation.clone(),
            want.collation.clone(),
        ));
    }
    if got.on_update_sql != want.on_update_sql {
        out.extend(optional_attribute(
            "ON UPDATE",
            got.on_update_sql.clone(),
            want.on_update_sql.clone(),
        ));
    }
    if got.generated != want.generated {
        let spell = |g: &Option<Generated>| {
            g.as_ref().map(|g| {
                format!(
                    "({}) {}",
                    g.expr,
                    if g.stored { "STORED" } else { "VIRTUAL" }
                )
            })
        };
        out.extend(optional_attribute(
            "the generation expression",
            spell(&got.generated),
            spell(&want.generated),
        ));
    }
    out
}

/// How one index differs: its uniqueness and columns, whichever differ.
pub(crate) fn index_differences(got: &CatalogIndex, want: &CatalogIndex) -> Vec<String> {
    let describe = |ix: &CatalogIndex| {
        let mut parts = Vec::new();
        if got.unique != want.unique {
            parts.push(if ix.unique { "unique" } else { "not unique" }.to_string());
        }
        if got.columns != want.columns || got.options != want.options {
            parts.push(format!("on {}", ix.options.describe(&ix.columns)));
        }
        if got.include != want.include {
            parts.push(if ix.include.is_empty() {
                "including no other column".to_string()
            } else {
                format!("including {}", column_list(&ix.include))
            });
        }
        parts.join(" ")
    };
    vec![format!("is {}", versus(describe(got), describe(want)))]
}

/// A foreign key as SQL-ish text: `(p_id) → patient(id) ON DELETE CASCADE`.
pub(crate) fn foreign_key_sql(fk: &CatalogForeignKey) -> String {
    let update = if fk.on_update == OnDelete::NoAction {
        String::new()
    } else {
        format!(" ON UPDATE {}", fk.on_update.sql())
    };
    format!(
        "{} → {}{} ON DELETE {}{update}",
        column_list(&fk.columns),
        fk.ref_table,
        column_list(&fk.ref_columns),
        fk.on_delete.sql()
    )
}

fn table_differences(
    name: &str,
    want: &CatalogTable,
    got: &CatalogTable,
    source: &str,
    out: &mut Vec<String>,
) {
    map_differences(
        name,
        "column",
        &want.columns,
        &got.columns,
        source,
        column_differences,
        out,
    );
    if want.primary_key != got.primary_key {
        let key = |k: &[String]| (!k.is_empty()).then(|| column_list(k));
        out.extend(
            optional_attribute("primary key", key(&got.primary_key), key(&want.primary_key))
                .map(|t| format!("{name}: {t}")),
        );
    }
    if want.primary_key_name != got.primary_key_name
        && !want.primary_key.is_empty()
        && want.primary_key == got.primary_key
    {
        out.extend(
            optional_attribute(
                "primary key named",
                got.primary_key_name.clone(),
                want.primary_key_name.clone(),
            )
            .map(|t| format!("{name}: {t}")),
        );
    }
    map_differences(
        name,
        "index",
        &want.indexes,
        &got.indexes,
        source,
        index_differences,
        out,
    );
    map_differences(
        name,
        "unique constraint",
        &want.uniques,
        &got.uniques,
        source,
        |g, w| {
            vec![format!(
                "is on {}",
                versus(column_list(g), format!("on {}", column_list(w)))
            )]
        },
        out,
    );
    map_differences(
        name,
        "check",
        &want.checks,
        &got.checks,
        source,
        |g, w| vec![format!("is ({g}) in the database, ({w}) expected")],
        out,
    );
    map_differences(
        name,
        "foreign key",
        &want.foreign_keys,
        &got.foreign_keys,
        source,
        |g, w| {
            vec![format!(
                "is {}",
                versus(foreign_key_sql(g), foreign_key_sql(w))
            )]
        },
        out,
    );
    if want.comment != got.comment {
        out.extend(
            optional_attribute(
                "comment",
                got.comment.as_deref().map(sql_string),
                want.comment.as_deref().map(sql_string),
            )
            .map(|t| format!("{name}: {t}")),
        );
    }
    for (noun, g, w) in [
        ("character set", &got.charset, &want.charset),
        ("collation", &got.collation, &want.collation),
        ("partition key", &got.partition_by, &want.partition_by),
    ] {
        if g != w {
            out.extend(
                optional_attribute(noun, g.clone(), w.clone()).map(|t| format!("{name}: {t}")),
            );
        }
    }
    for (object, u) in &got.unmodelled {
        if want.unmodelled.get(object) != Some(u) {
            out.push(format!(
                "{name}: {object} {}, which no model can declare",
                u.what
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    /// A catalog with one table `item`: `id` (the auto-increment primary
    /// key), `a`, `b`, `p_id`, and whatever `edit` changes.
    fn item(edit: impl FnOnce(&mut CatalogTable)) -> Catalog {
        let mut t = CatalogTable {
            primary_key: names(&["id"]),
            primary_key_name: Some("item_id_pkey".into()),
            ..Default::default()
        };
        for c in ["id", "a", "b", "p_id"] {
            t.columns.insert(c.into(), column(ColumnType::Integer));
        }
        col(&mut t, "id").auto = Auto::Yes;
        edit(&mut t);
        let mut c = Catalog::default();
        c.tables.insert("item".into(), t);
        c
    }

    /// The differences of `database` from `expected`, both edits of [`item`].
    fn diff(
        database: impl FnOnce(&mut CatalogTable),
        expected: impl FnOnce(&mut CatalogTable),
    ) -> Vec<String> {
        item(expected).differences(&item(database))
    }

    fn col<'a>(t: &'a mut CatalogTable, name: &str) -> &'a mut CatalogColumn {
        t.columns.get_mut(name).unwrap()
    }

    #[test]
    fn equal_catalogs_have_no_differences() {
        assert!(diff(|_| {}, |_| {}).is_empty());
    }

    #[test]
    fn tables_missing_and_extra() {
        let mut db = item(|_| {});
        db.tables.insert("extra".into(), CatalogTable::default());
        let mut want = item(|_| {});
        want.tables.insert("gone".into(), CatalogTable::default());
        assert_eq!(
            want.differences_from(&db, "the migration"),
            [
                "table gone is missing from the database",
                "table extra exists in the database but not in the migration",
            ]
        );
    }

    #[test]
    fn objects_missing_and_extra() {
        assert_eq!(
            diff(
                |t| {
                    t.columns.remove("b");
                    t.checks.insert("item_x_check".into(), "a > 0".into());
                },
                |t| {
                    t.columns.insert("c".into(), column(ColumnType::Text));
                },
            ),
            [
                "item: column b is missing from the database",
                "item: column c is missing from the database",
                "item: check item_x_check exists in the database but not in the models",
            ]
        );
    }

    #[test]
    fn column_type() {
        assert_eq!(
            diff(
                |t| col(t, "a").ty = ColumnType::Decimal {
                    precision: 6,
                    scale: 2
                },
                |t| col(t, "a").ty = ColumnType::Decimal {
                    precision: 5,
                    scale: 2
                },
            ),
            ["item: column a is decimal(6,2) in the database, decimal(5,2) expected"]
        );
        assert_eq!(
            diff(
                |t| col(t, "a").ty = ColumnType::Raw("citext".into()),
                |t| col(t, "a").ty = ColumnType::Varchar(20),
            ),
            [r#"item: column a is raw("citext") in the database, varchar(20) expected"#]
        );
    }

    #[test]
    fn column_nullability() {
        assert_eq!(
            diff(|t| col(t, "a").null = true, |_| {}),
            ["item: column a is NULL in the database, NOT NULL expected"]
        );
        assert_eq!(
            diff(|_| {}, |t| col(t, "a").null = true),
            ["item: column a is NOT NULL in the database, NULL expected"]
        );
    }

    #[test]
    fn column_default() {
        let str_default = |s: &str| Some(ColumnDefault::Value(Literal::Str(s.into())));
        assert_eq!(
            diff(|t| col(t, "a").default = str_default("ACTIVO"), |_| {}),
            ["item: column a has default 'ACTIVO' in the database, none expected"]
        );
        assert_eq!(
            diff(|_| {}, |t| col(t, "a").default = str_default("it's")),
            ["item: column a has no default in the database, 'it''s' expected"]
        );
        assert_eq!(
            diff(
                |t| col(t, "a").default = Some(ColumnDefault::Value(Literal::Int(-3))),
                |t| col(t, "a").default = Some(ColumnDefault::Value(Literal::Float(2.0))),
            ),
            ["item: column a has default -3 in the database, 2.0 expected"]
        );
        assert_eq!(
            diff(
                |t| col(t, "a").default = Some(ColumnDefault::Sql("CURRENT_TIMESTAMP".into())),
                |t| col(t, "a").default = Some(ColumnDefault::Value(Literal::Bool(false))),
            ),
            ["item: column a has default CURRENT_TIMESTAMP in the database, FALSE expected"]
        );
        // A literal and an expression that read the same are told apart.
        assert_eq!(
            diff(
                |t| col(t, "a").default = Some(ColumnDefault::Sql("TRUE".into())),
                |t| col(t, "a").default = Some(ColumnDefault::Value(Literal::Bool(true))),
            ),
            [
                "item: column a has default TRUE (SQL expression) in the database, TRUE (literal) expected"
            ]
        );
    }

    #[test]
    fn column_comment() {
        assert_eq!(
            diff(
                |t| col(t, "a").comment = Some("old".into()),
                |t| { col(t, "a").comment = Some("new".into()) }
            ),
            ["item: column a has comment 'old' in the database, 'new' expected"]
        );
        assert_eq!(
            diff(|t| col(t, "a").comment = Some("old".into()), |_| {}),
            ["item: column a has comment 'old' in the database, none expected"]
        );
        assert_eq!(
            diff(|_| {}, |t| col(t, "a").comment = Some("new".into())),
            ["item: column a has no comment in the database, 'new' expected"]
        );
    }

    #[test]
    fn several_column_attributes_one_line_each() {
        assert_eq!(
            diff(
                |t| {
                    let c = col(t, "a");
                    c.ty = ColumnType::BigInt;
                    c.null = true;
                    c.default = Some(ColumnDefault::Value(Literal::Int(0)));
                },
                |_| {},
            ),
            [
                "item: column a is bigint in the database, integer expected",
                "item: column a is NULL in the database, NOT NULL expected",
                "item: column a has default 0 in the database, none expected",
            ]
        );
    }

    #[test]
    fn primary_key() {
        assert_eq!(
            diff(|t| t.primary_key = names(&["id", "a"]), |_| {}),
            ["item: has primary key (id, a) in the database, (id) expected"]
        );
        assert_eq!(
            diff(|t| t.primary_key.clear(), |_| {}),
            ["item: has no primary key in the database, (id) expected"]
        );
        assert_eq!(
            diff(|_| {}, |t| t.primary_key.clear()),
            ["item: has primary key (id) in the database, none expected"]
        );
    }

    #[test]
    fn key_forms() {
        assert_eq!(
            diff(|t| col(t, "id").auto = Auto::No, |_| {}),
            ["item: column id is not auto-increment in the database, auto-increment expected"]
        );
        assert_eq!(
            diff(|t| col(t, "id").auto = Auto::RowId, |_| {}),
            [
                r#"item: column id is a row-id key (auto = "rowid") in the database, auto-increment expected"#
            ]
        );
        assert_eq!(
            diff(
                |t| col(t, "a").auto = Auto::Sequence,
                |t| col(t, "id").auto = Auto::No
            ),
            [
                "item: column a is a sequence default (auto = \"sequence\") in the database, not auto-increment expected",
                "item: column id is auto-increment in the database, not auto-increment expected",
            ]
        );
    }

    #[test]
    fn primary_key_name() {
        assert_eq!(
            diff(|t| t.primary_key_name = Some("pk_item".into()), |_| {}),
            ["item: has primary key named pk_item in the database, item_id_pkey expected"]
        );
        // A key on other columns says so once, not its name too.
        assert_eq!(
            diff(
                |t| {
                    t.primary_key = names(&["a"]);
                    t.primary_key_name = Some("pk_item".into());
                },
                |_| {}
            ),
            ["item: has primary key (a) in the database, (id) expected"]
        );
    }

    #[test]
    fn index() {
        let index = |columns: &[&str], unique| CatalogIndex {
            columns: names(columns),
            unique,
            ..Default::default()
        };
        let with = |ix: CatalogIndex| {
            move |t: &mut CatalogTable| {
                t.indexes.insert("item_a_idx".into(), ix);
            }
        };
        assert_eq!(
            diff(with(index(&["a", "b"], false)), with(index(&["a"], false))),
            ["item: index item_a_idx is on (a, b) in the database, on (a) expected"]
        );
        assert_eq!(
            diff(with(index(&["a"], true)), with(index(&["a"], false))),
            ["item: index item_a_idx is unique in the database, not unique expected"]
        );
        assert_eq!(
            diff(with(index(&["a"], false)), with(index(&["a", "b"], true))),
            [
                "item: index item_a_idx is not unique on (a) in the database, unique on (a, b) expected"
            ]
        );
    }

    #[test]
    fn unique_constraint() {
        let with = |columns: &'static [&'static str]| {
            move |t: &mut CatalogTable| {
                t.uniques.insert("item_a_uniq".into(), names(columns));
            }
        };
        assert_eq!(
            diff(with(&["b", "a"]), with(&["a", "b"])),
            [
                "item: unique constraint item_a_uniq is on (b, a) in the database, on (a, b) expected"
            ]
        );
    }

    #[test]
    fn check() {
        let with = |expr: &'static str| {
            move |t: &mut CatalogTable| {
                t.checks.insert("item_x_check".into(), expr.into());
            }
        };
        assert_eq!(
            diff(with("x >= 0"), with("x > 0")),
            ["item: check item_x_check is (x >= 0) in the database, (x > 0) expected"]
        );
    }

    #[test]
    fn foreign_key() {
        let with = |on_delete| {
            move |t: &mut CatalogTable| {
                t.foreign_keys.insert(
                    "item_p_fk".into(),
                    CatalogForeignKey {
                        columns: names(&["p_id"]),
                        ref_table: "patient".into(),
                        ref_columns: names(&["id"]),
                        on_delete,
                        on_update: crate::OnDelete::NoAction,
                    },
                );
            }
        };
        assert_eq!(
            diff(with(OnDelete::Cascade), with(OnDelete::Restrict)),
            [
                "item: foreign key item_p_fk is (p_id) → patient(id) ON DELETE CASCADE in the database, (p_id) → patient(id) ON DELETE RESTRICT expected"
            ]
        );
    }

    #[test]
    fn table_comment() {
        assert_eq!(
            diff(
                |t| t.comment = Some("Items".into()),
                |t| { t.comment = Some("Stock items".into()) }
            ),
            ["item: has comment 'Items' in the database, 'Stock items' expected"]
        );
        assert_eq!(
            diff(|t| t.comment = Some("Items".into()), |_| {}),
            ["item: has comment 'Items' in the database, none expected"]
        );
        assert_eq!(
            diff(|_| {}, |t| t.comment = Some("Items".into())),
            ["item: has no comment in the database, 'Items' expected"]
        );
    }

    #[test]
    fn no_line_uses_debug_output() {
        let lines = diff(
            |t| {
                col(t, "a").ty = ColumnType::Decimal {
                    precision: 6,
                    scale: 2,
                };
                col(t, "b").default = Some(ColumnDefault::Value(Literal::Str("X".into())));
                t.primary_key.clear();
                col(t, "id").auto = Auto::No;
                t.comment = Some("c".into());
            },
            |t| {
                col(t, "p_id").comment = Some("p".into());
            },
        );
        assert_eq!(lines.len(), 6, "{lines:#?}");
        for l in &lines {
            assert!(
                !l.contains(['{', '"']) && !l.contains("Some(") && !l.contains("None"),
                "{l}"
            );
        }
    }

    #[test]
    fn objects_are_not_differences_yet() {
        let mut db = item(|_| {});
        db.objects.push(CatalogObject {
            kind: ObjectKind::View,
            name: "item_list".into(),
            table: None,
            definition: "SELECT * FROM item".into(),
        });
        assert!(item(|_| {}).differences(&db).is_empty());
        for kind in ObjectKind::ALL {
            assert_eq!(ObjectKind::parse(kind.noun()), Some(kind));
        }
        assert_eq!(ObjectKind::parse("table"), None);
    }

    #[test]
    fn unmodelled_facts_are_differences_and_runsql_can_name_them() {
        let fact = Unmodelled::new("has ON UPDATE CASCADE", &["item_p_id_fk"]);
        let lines = diff(
            |t| {
                t.unmodelled
                    .insert("foreign key item_p_id_fk".into(), fact.clone());
            },
            |_| {},
        );
        assert_eq!(
            lines,
            ["item: foreign key item_p_id_fk has ON UPDATE CASCADE, which no model can declare"]
        );
        assert!(
            fact.mentioned_in("ALTER TABLE item ADD CONSTRAINT \"ITEM_P_ID_FK\" FOREIGN KEY …")
        );
        assert!(!fact.mentioned_in("ALTER TABLE item ADD CONSTRAINT item_p_id_fk2 …"));
        let column = Unmodelled::new("is a generated column", &["item", "total"]);
        assert!(
            column.mentioned_in("ALTER TABLE item ADD total int GENERATED ALWAYS AS (a) STORED")
        );
        assert!(!column.mentioned_in("ALTER TABLE item_total ADD x int"));
    }
}
