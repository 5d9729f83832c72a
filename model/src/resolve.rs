//! From the structs of a project to a [`Schema`]: the checks that span
//! several structs (DESIGN §2): app labels, references, table and object name
//! clashes, and portability to the declared dialects.

use crate::def::TableDef;
use crate::schema::{Constraint, NamedObject, OnDelete, Schema, Table, model_key};
use crate::types::ColumnType;
use std::collections::{BTreeMap, HashMap};

/// Settings from `remodel.toml` that shape resolution.
#[derive(Debug, Clone, Default)]
pub struct ResolveOptions {
    /// Use doc comments as database comments where no `comment` is given.
    pub doc_comments: bool,
    /// The dialects portability checks apply to (`sqlite`, `postgres`, `mysql`).
    pub dialects: Vec<String>,
    /// The project's `#[derive(DbEnum)]` enums.
    pub enums: Vec<crate::def::EnumDef>,
}

/// A problem found across structs, located by model, field and attribute so
/// the caller can point at the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveError {
    /// Index into the definitions given to [`resolve`] (into
    /// [`ResolveOptions::enums`] when `on_enum`).
    pub def: usize,
    /// Whether `def` indexes the enums rather than the models.
    pub on_enum: bool,
    /// The field concerned, if any.
    pub field: Option<String>,
    /// The attribute key concerned (`references`, `to_field`, `table`, …), if any.
    pub attr: Option<&'static str>,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub help: Option<String>,
}

impl ResolveError {
    fn new(def: usize, field: Option<&str>, attr: Option<&'static str>, message: String) -> Self {
        ResolveError {
            def,
            on_enum: false,
            field: field.map(str::to_string),
            attr,
            message,
            help: None,
        }
    }

    fn on_enum(def: usize, message: String, help: Option<&str>) -> Self {
        ResolveError {
            def,
            on_enum: true,
            field: None,
            attr: None,
            message,
            help: help.map(str::to_string),
        }
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Something a model may declare but that does not behave as it reads:
/// the scanner shows it as a warning and goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldWarning {
    /// The field concerned.
    pub field: String,
    /// The attribute concerned.
    pub attr: &'static str,
    /// What happens, as a sentence.
    pub message: String,
}

/// The warnings about the fields of one model: a field that is not an
/// Option (NOT NULL) whose reference sets NULL on delete. PostgreSQL and
/// SQLite create such a foreign key, and databases made elsewhere have
/// them, so a model may say so (inspectdb prints it as the database has
/// it); but deleting a referenced row then fails on the NOT NULL column
/// instead of setting it to NULL. MySQL refuses to create it (see the
/// portability check).
pub fn field_warnings(t: &Table) -> Vec<FieldWarning> {
    let mut out = Vec::new();
    for f in t.fields.iter().filter(|f| !f.null) {
        let Some(r) = &f.references else { continue };
        for (action, attr, verb) in actions(r) {
            if action == OnDelete::SetNull {
                out.push(FieldWarning {
                    field: f.name.clone(),
                    attr,
                    message: format!(
                        "field `{}` is NOT NULL (not an Option) but {attr} = \"set_null\": {verb} a referenced row fails instead of setting it to NULL",
                        f.name
                    ),
                });
            }
        }
    }
    out
}

/// A reference's two actions: the action, its attribute, and what a user
/// does to the referenced row that makes it act.
fn actions(r: &crate::schema::Reference) -> [(OnDelete, &'static str, &'static str); 2] {
    [
        (r.on_delete, "on_delete", "deleting"),
        (r.on_update, "on_update", "changing the key of"),
    ]
}

/// Resolves a project's struct definitions into a schema, or every error
/// found. `defs` may be definitions or references to them.
pub fn resolve<D: std::borrow::Borrow<TableDef>>(
    defs: &[D],
    opts: &ResolveOptions,
) -> Result<Schema, Vec<ResolveError>> {
    let defs: Vec<&TableDef> = defs.iter().map(std::borrow::Borrow::borrow).collect();
    let mut errs = Vec::new();
    let mut schema = Schema::default();
    // key → def index
    let mut owners: BTreeMap<String, usize> = BTreeMap::new();

    for (i, def) in defs.iter().enumerate() {
        let mut table = def.table.clone();
        table.app = def.app();
        if opts.doc_comments {
            if table.comment.is_none() {
                table.comment = def.doc.clone();
            }
            for f in &mut table.fields {
                if f.comment.is_none() {
                    f.comment = def.field_docs.get(&f.name).cloned();
                }
            }
        }
        let key = table.key();
        if let Some(&other) = owners.get(&key) {
            errs.push(
                ResolveError::new(
                    i,
                    None,
                    None,
                    format!(
                        "two models are named {key}: in {} and in {}",
                        defs[other].module_path, def.module_path
                    ),
                )
                .help("rename one struct, or give it another app with #[model(app = \"…\")]"),
            );
            continue;
        }
        owners.insert(key, i);
        schema.insert(table);
    }

    // Table names: one model per table.
    let mut tables: BTreeMap<String, usize> = BTreeMap::new();
    for (key, &i) in &owners {
        let name = schema.tables[key].table_name().to_lowercase();
        if let Some(&other) = tables.get(&name) {
            let (a, b) = (
                model_key(&defs[other].app(), &defs[other].table.name),
                key.clone(),
            );
            errs.push(
                ResolveError::new(
                    i,
                    None,
                    if defs[i].table.db_table.is_some() {
                        Some("table")
                    } else {
                        None
                    },
                    format!("models {a} and {b} both map to table `{name}`"),
                )
                .help("give one of them #[model(table = \"…\")]"),
            );
        } else {
            tables.insert(name, i);
        }
    }

    enums::resolve(&mut schema, &opts.enums, &owners, &opts.dialects, &mut errs);
    resolve_references(&mut schema, &owners, &mut errs);
    check_object_names(&schema, &owners, &opts.dialects, &mut errs);
    if opts.dialects.iter().any(|d| d == "mysql" || d == "mariadb") {
        check_mysql(&schema, &owners, &mut errs);
    }
    for dialect in &opts.dialects {
        if matches!(dialect.as_str(), "mysql" | "mariadb" | "sqlite") {
            check_sequence_fields(&schema, &owners, dialect, &mut errs);
        }
        if matches!(dialect.as_str(), "postgres" | "sqlite") {
            check_charsets(&schema, &owners, dialect, &mut errs);
        }
        index_options::check(&schema, &owners, dialect, &mut errs);
        if dialect == "postgres" {
            check_virtual_columns(&schema, &owners, &mut errs);
        }
        if matches!(dialect.as_str(), "postgres" | "sqlite") {
            check_u64(&schema, &owners, dialect, &mut errs);
        }
        if dialect != "postgres" {
            for (key, &i) in &owners {
                if schema.tables[key].partition_by.is_some() {
                    errs.push(
                        ResolveError::new(
                            i,
                            None,
                            Some("partition_by"),
                            format!(
                                "partition_by is PostgreSQL's declarative partitioning, which {dialect} has not (dialects in remodel.toml include {dialect})"
                            ),
                        )
                        .help("leave the dialect out of `dialects`, or the table unpartitioned"),
                    );
                }
            }
        }
    }

    if errs.is_empty() {
        Ok(schema)
    } else {
        errs.sort_by_key(|e| e.def);
        Err(errs)
    }
}

mod enums;
mod index_options;

pub use enums::no_column_type;

fn resolve_references(
    schema: &mut Schema,
    owners: &BTreeMap<String, usize>,
    errs: &mut Vec<ResolveError>,
) {
    // Models by struct name, for references that leave out the app.
    let mut by_name: HashMap<&str, Vec<String>> = HashMap::new();
    for t in schema.tables.values() {
        by_name.entry(t.name.as_str()).or_default().push(t.key());
    }
    // Found on the unchanged schema, then written: (model, field, target).
    let mut resolved: Vec<(&str, usize, String)> = Vec::new();
    let snapshot = &*schema;
    for (key, &i) in owners {
        let table = &snapshot.tables[key];
        let app = &table.app;
        for (field_index, field) in table.fields.iter().enumerate() {
            let Some(reference) = &field.references else {
                continue;
            };
            let written = &reference.model;
            let target_key = match written.split_once('.') {
                Some(_) if snapshot.tables.contains_key(written) => Some(written.clone()),
                Some(_) => None,
                None => {
                    let own = model_key(app, written);
                    if snapshot.tables.contains_key(&own) {
                        Some(own)
                    } else {
                        let keys: &[String] =
                            by_name.get(written.as_str()).map_or(&[], Vec::as_slice);
                        match keys.len() {
                            1 => Some(keys[0].clone()),
                            0 => None,
                            _ => {
                                errs.push(
                                    ResolveError::new(
                                        i,
                                        Some(&field.name),
                                        Some("references"),
                                        format!(
                                            "`references = \"{written}\"` is ambiguous: it matches {}",
                                            keys.join(", ")
                                        ),
                                    )
                                    .help(format!("write the app: references = \"{}\"", keys[0])),
                                );
                                continue;
                            }
                        }
                    }
                }
            };
            let Some(target_key) = target_key else {
                let names: Vec<String> = snapshot.tables.values().map(Table::key).collect();
                let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
                let bare: Vec<&str> = snapshot.tables.values().map(|t| t.name.as_str()).collect();
                let hint = crate::names::closest(written, &name_refs)
                    .or_else(|| crate::names::closest(written, &bare))
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| {
                        if names.is_empty() {
                            "no models were found".to_string()
                        } else {
                            format!("known models: {}", names.join(", "))
                        }
                    });
                errs.push(
                    ResolveError::new(
                        i,
                        Some(&field.name),
                        Some("references"),
                        format!("`references = \"{written}\"` names no model in the project"),
                    )
                    .help(hint),
                );
                continue;
            };
            let target = &snapshot.tables[&target_key];
            let to_field = match &reference.to_field {
                Some(f) => f.clone(),
                None => {
                    let pk = target.primary_key();
                    if pk.len() != 1 {
                        errs.push(
                            ResolveError::new(
                                i,
                                Some(&field.name),
                                Some("references"),
                                format!("{target_key} has a composite primary key, so a reference to it needs to_field"),
                            )
                            .help("add to_field = \"…\" naming a unique field of the target"),
                        );
                        continue;
                    }
                    pk[0].clone()
                }
            };
            let Some(tf) = target.field(&to_field) else {
                errs.push(ResolveError::new(
                    i,
                    Some(&field.name),
                    Some("to_field"),
                    format!("`to_field = \"{to_field}\"`: {target_key} has no field `{to_field}`"),
                ));
                continue;
            };
            let is_single_unique = tf.primary_key
                || tf.unique
                || target.constraints.iter().any(|c| matches!(c, Constraint::Unique { fields, .. } if fields == std::slice::from_ref(&to_field)))
                || target.indexes.iter().any(|ix| {
                    ix.unique
                        && ix.fields == [to_field.clone()]
                        && ix.options.expressions.is_empty()
                        && ix.options.predicate.is_none()
                        && ix.options.prefix_lengths.is_empty()
                });
            if !is_single_unique {
                errs.push(
                    ResolveError::new(
                        i,
                        Some(&field.name),
                        Some("to_field"),
                        format!("{target_key}.{to_field} is neither the primary key nor unique, so it cannot be referenced"),
                    )
                    .help(format!("mark {to_field} as #[field(unique)] in {target_key}")),
                );
                continue;
            }
            if !field.ty.can_reference(&tf.ty) {
                errs.push(
                    ResolveError::new(
                        i,
                        Some(&field.name),
                        Some("references"),
                        format!(
                            "field `{}` ({}) references {target_key}.{to_field}, which is {}",
                            field.name, field.ty, tf.ty
                        ),
                    )
                    .help(format!(
                        "give `{}` the type of the field it references",
                        field.name
                    )),
                );
            }
            resolved.push((key.as_str(), field_index, target_key));
        }
    }
    for (key, field_index, target) in resolved {
        if let Some(r) = schema
            .tables
            .get_mut(key)
            .and_then(|t| t.fields.get_mut(field_index))
            .and_then(|f| f.references.as_mut())
        {
            r.model = target;
        }
    }
}

/// Two objects of different models with one name, in a scope where the
/// dialects need names unique.
#[derive(Debug, Clone, PartialEq)]
pub struct NameClash<'a> {
    /// The name both objects have.
    pub name: String,
    /// The model (`app.Model`) and object met first, in key order.
    pub first: (&'a str, NamedObject<'a>),
    /// The model and object met second.
    pub second: (&'a str, NamedObject<'a>),
}

/// Whether the dialects are only MySQL/MariaDB, where an index name is the
/// table's own (DESIGN §2); an empty list stands for every dialect.
fn indexes_named_per_table(dialects: &[String]) -> bool {
    !dialects.is_empty() && dialects.iter().all(|d| d == "mysql" || d == "mariadb")
}

/// The names two models share where the dialects need them unique (DESIGN
/// §2): index names (indexes and unique constraints, which are indexes) per
/// schema for PostgreSQL and SQLite but per table when the dialects are only
/// MySQL/MariaDB; CHECK and foreign key names per schema everywhere. Two
/// objects of one model are the reader's concern.
pub fn name_clashes<'a>(schema: &'a Schema, dialects: &[String]) -> Vec<NameClash<'a>> {
    let per_table = indexes_named_per_table(dialects);
    let mut seen: HashMap<String, (&str, NamedObject<'_>)> = HashMap::new();
    let mut out = Vec::new();
    for (key, table) in &schema.tables {
        for (name, what) in table.all_object_names() {
            if per_table && is_index(&what) {
                continue;
            }
            match seen.get(&name) {
                Some(&(other_key, other_what)) if other_key != key => out.push(NameClash {
                    name,
                    first: (other_key, other_what),
                    second: (key.as_str(), what),
                }),
                _ => {
                    seen.insert(name, (key.as_str(), what));
                }
            }
        }
    }
    out
}

/// Whether an object is an index (a unique constraint is one too).
fn is_index(what: &NamedObject<'_>) -> bool {
    matches!(
        what,
        NamedObject::FieldIndex(_)
            | NamedObject::FieldUnique(_)
            | NamedObject::Index(_)
            | NamedObject::Constraint(Constraint::Unique { .. })
    )
}

fn check_object_names(
    schema: &Schema,
    owners: &BTreeMap<String, usize>,
    dialects: &[String],
    errs: &mut Vec<ResolveError>,
) {
    for clash in name_clashes(schema, dialects) {
        let (key, what) = clash.second;
        let (other_key, other_what) = clash.first;
        let name = &clash.name;
        let table = &schema.tables[key];
        // An explicit foreign key name is pointed at where it is written.
        let fk_field = table.fields.iter().find(|f| {
            f.references
                .as_ref()
                .is_some_and(|r| r.name.as_deref() == Some(name.as_str()))
        });
        let scope = if is_index(&what) && is_index(&other_what) {
            "index names must be unique in the schema where the dialects include PostgreSQL or SQLite (remodel.toml `dialects`, else the configured database's)"
        } else {
            "index and constraint names must be unique across the project"
        };
        errs.push(
            ResolveError::new(
                owners[key],
                fk_field.map(|f| f.name.as_str()),
                fk_field.map(|_| "fk_name"),
                format!(
                    "the name `{name}` is used by {other_key} ({other_what}) and by {key} ({what})"
                ),
            )
            .help(if fk_field.is_some() {
                format!("{scope}; give one another fk_name = \"…\"")
            } else {
                format!("{scope}; give one another name = \"…\"")
            }),
        )
    }
}

/// Character sets, a table's collation and a column's ON UPDATE are MySQL's
/// and MariaDB's: PostgreSQL and SQLite have a collation per column only.
fn check_charsets(
    schema: &Schema,
    owners: &BTreeMap<String, usize>,
    dialect: &str,
    errs: &mut Vec<ResolveError>,
) {
    let database = if dialect == "postgres" {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let why = format!("(dialects in remodel.toml include {dialect})");
    for (key, &i) in owners {
        let t = &schema.tables[key];
        for (attr, given) in [("charset", &t.charset), ("collation", &t.collation)] {
            if given.is_some() {
                errs.push(
                    ResolveError::new(
                        i,
                        None,
                        Some(attr),
                        format!("{database} has no table {attr} {why}"),
                    )
                    .help("give the columns that need one #[field(collation = \"…\")], or leave the dialect out of `dialects`"),
                );
            }
        }
        for f in t.fields.iter().filter(|f| f.on_update_sql.is_some()) {
            errs.push(
                ResolveError::new(
                    i,
                    Some(&f.name),
                    Some("on_update_sql"),
                    format!(
                        "{database} sets no column ON UPDATE, as `{}` says {why}",
                        f.name
                    ),
                )
                .help("on_update_sql is MySQL's and MariaDB's; elsewhere a trigger in a RunSql migration does it"),
            );
        }
        for f in t.fields.iter().filter(|f| f.charset.is_some()) {
            errs.push(
                ResolveError::new(
                    i,
                    Some(&f.name),
                    Some("charset"),
                    format!(
                        "{database} has no character set per column, as `{}` says {why}",
                        f.name
                    ),
                )
                .help("a collation (#[field(collation = \"…\")]) is per column everywhere; a character set is MySQL's and MariaDB's"),
            );
        }
    }
}

/// A u64 is `numeric(20,0)` on PostgreSQL, which no identity numbers, and
/// has no SQLite type (its integers stop at i64::MAX).
fn check_u64(
    schema: &Schema,
    owners: &BTreeMap<String, usize>,
    dialect: &str,
    errs: &mut Vec<ResolveError>,
) {
    for (key, &i) in owners {
        let t = &schema.tables[key];
        for f in t.fields.iter().filter(|f| f.ty == ColumnType::Unsigned(64)) {
            let (message, help) = if dialect == "sqlite" {
                (
                    format!(
                        "SQLite has no type for the u64 field `{}`: its integers stop at i64::MAX (dialects in remodel.toml include sqlite)",
                        f.name
                    ),
                    "make it an i64 (or a u32), or leave sqlite out of `dialects`",
                )
            } else if f.auto.is_auto() {
                (
                    format!(
                        "PostgreSQL cannot number the u64 field `{}`: it is numeric(20,0) there, which no identity numbers (dialects in remodel.toml include postgres)",
                        f.name
                    ),
                    "make it an i64, or `auto = false`",
                )
            } else {
                continue;
            };
            errs.push(ResolveError::new(i, Some(&f.name), None, message).help(help));
        }
    }
}

/// PostgreSQL 15 computes generated columns when rows are written only.
fn check_virtual_columns(
    schema: &Schema,
    owners: &BTreeMap<String, usize>,
    errs: &mut Vec<ResolveError>,
) {
    for (key, &i) in owners {
        let t = &schema.tables[key];
        for f in t
            .fields
            .iter()
            .filter(|f| f.generated.as_ref().is_some_and(|g| !g.stored))
        {
            errs.push(
                ResolveError::new(
                    i,
                    Some(&f.name),
                    Some("generated"),
                    format!(
                        "PostgreSQL has no virtual generated columns, as `{}` says (dialects in remodel.toml include postgres)",
                        f.name
                    ),
                )
                .help("add `stored` to the field, or leave postgres out of `dialects`"),
            );
        }
    }
}

/// Numbering a field that is not the sole key: PostgreSQL with an
/// identity (or a sequence), MySQL with AUTO_INCREMENT on a column that
/// leads an index (one per table); SQLite numbers only its row id.
fn check_sequence_fields(
    schema: &Schema,
    owners: &BTreeMap<String, usize>,
    dialect: &str,
    errs: &mut Vec<ResolveError>,
) {
    let mysql = matches!(dialect, "mysql" | "mariadb");
    let database = match dialect {
        "mysql" => "MySQL",
        "mariadb" => "MariaDB",
        _ => "SQLite",
    };
    let why = format!("(dialects in remodel.toml include {dialect})");
    for (key, &i) in owners {
        let t = &schema.tables[key];
        let numbered: Vec<&crate::Field> = t.fields.iter().filter(|f| f.auto.is_auto()).collect();
        for f in numbered.iter().filter(|f| !f.primary_key) {
            let (message, help) = if !mysql {
                (
                    format!("{database} cannot number `{}`, which is not the primary key {why}", f.name),
                    "SQLite numbers only its row id, the key; fill the column yourself, or leave the dialect out of `dialects`".to_string(),
                )
            } else if numbered.len() > 1 {
                (
                    format!(
                        "{database} numbers one column per table, and {} are `auto` ({}) {why}",
                        numbered.len(),
                        numbered
                            .iter()
                            .map(|f| format!("`{}`", f.name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    "keep `auto` on one of them (the key is `auto` unless it says `auto = false`)"
                        .to_string(),
                )
            } else if !t.leads_an_index(&f.name) {
                (
                    format!(
                        "{database} numbers only a column that leads an index, and no index starts with `{}` {why}",
                        f.name
                    ),
                    format!(
                        "give the field `index` (or `unique`), or add #[model(index(fields(\"{}\", …)))]",
                        f.name
                    ),
                )
            } else {
                continue;
            };
            errs.push(ResolveError::new(i, Some(&f.name), Some("auto"), message).help(help));
        }
    }
}

/// MySQL/MariaDB portability (DESIGN §5): TEXT cannot be indexed, InnoDB
/// rejects SET DEFAULT, and a literal default on TEXT/BLOB/JSON needs MySQL 8's
/// expression defaults.
fn check_mysql(schema: &Schema, owners: &BTreeMap<String, usize>, errs: &mut Vec<ResolveError>) {
    const WHY: &str = "(dialects in remodel.toml include mysql)";
    for (key, &i) in owners {
        let t = &schema.tables[key];
        let unbounded = |f: &str| t.field(f).is_some_and(|f| f.ty == ColumnType::Text);
        for f in &t.fields {
            let indexed = f.unique || f.index || t.primary_key().contains(&f.name);
            if indexed && f.ty == ColumnType::Text {
                errs.push(
                    ResolveError::new(
                        i,
                        Some(&f.name),
                        None,
                        format!("MySQL cannot index the TEXT column `{}` {WHY}", f.name),
                    )
                    .help("give it a max_length"),
                );
            }
            for (action, attr, _) in f.references.iter().flat_map(actions) {
                let clause = if attr == "on_delete" {
                    "ON DELETE"
                } else {
                    "ON UPDATE"
                };
                if action == OnDelete::SetDefault {
                    errs.push(
                        ResolveError::new(
                            i,
                            Some(&f.name),
                            Some(attr),
                            format!(
                                "MySQL (InnoDB) rejects {clause} SET DEFAULT on `{}` {WHY}",
                                f.name
                            ),
                        )
                        .help(format!("use another {attr} action")),
                    );
                }
                if action == OnDelete::SetNull && !f.null {
                    errs.push(
                        ResolveError::new(
                            i,
                            Some(&f.name),
                            Some(attr),
                            format!(
                                "MySQL (InnoDB) rejects {clause} SET NULL on the NOT NULL column `{}` {WHY}",
                                f.name
                            ),
                        )
                        .help(format!("make the field an Option, or use another {attr} action")),
                    );
                }
            }
            if matches!(f.default, Some(crate::ColumnDefault::Value(_)))
                && matches!(f.ty, ColumnType::Text | ColumnType::Blob | ColumnType::Json)
            {
                errs.push(
                    ResolveError::new(i, Some(&f.name), Some("default"), format!("MySQL before 8.0.13 rejects a literal DEFAULT on the {} column `{}` {WHY}", f.ty, f.name))
                        .help("give the field a max_length, or drop the default"),
                );
            }
        }
        for ix in &t.indexes {
            // A prefix length or a FULLTEXT index is how MySQL indexes TEXT.
            let prefixed = |p: usize| {
                ix.options.prefix_length(p).is_some()
                    || ix.options.using == Some(crate::IndexMethod::Fulltext)
            };
            if let Some((_, f)) = ix
                .fields
                .iter()
                .enumerate()
                .find(|(p, f)| unbounded(f) && !prefixed(*p))
            {
                errs.push(
                    ResolveError::new(
                        i,
                        Some(f),
                        None,
                        format!(
                            "MySQL cannot index the TEXT column `{f}` (index {}) {WHY}",
                            t.index_name(ix)
                        ),
                    )
                    .help("give it a max_length, or the index prefix_lengths(…)"),
                );
            }
        }
        for c in &t.constraints {
            // MySQL and MariaDB refuse a CHECK over an AUTO_INCREMENT column.
            if let Constraint::Check { expr, .. } = c
                && let Some(f) = crate::expr::columns(expr)
                    .unwrap_or_default()
                    .iter()
                    .find_map(|col| t.field_by_column(col).filter(|f| f.auto.is_auto()))
            {
                errs.push(
                    ResolveError::new(
                        i,
                        None,
                        None,
                        format!(
                            "MySQL refuses the check {} on the auto-increment column `{}` {WHY}",
                            t.constraint_name(c),
                            f.name
                        ),
                    )
                    .help("check another column, or drop the check (the database numbers the column itself)"),
                );
            }
            if let Constraint::Unique { fields, .. } = c
                && let Some(f) = fields.iter().find(|f| unbounded(f))
            {
                errs.push(
                    ResolveError::new(
                        i,
                        Some(f),
                        None,
                        format!(
                            "MySQL cannot index the TEXT column `{f}` (unique {}) {WHY}",
                            t.constraint_name(c)
                        ),
                    )
                    .help("give it a max_length"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Field, Reference};

    fn def(module: &str, name: &str, fields: Vec<Field>) -> TableDef {
        let mut table = Table::new("", name);
        let mut id = Field::new("id", ColumnType::BigInt);
        id.primary_key = true;
        id.auto = crate::Auto::Yes;
        table.fields.push(id);
        table.fields.extend(fields);
        TableDef {
            module_path: module.into(),
            app_label: None,
            table,
            renamed_from: None,
            doc: None,
            field_renamed_from: Default::default(),
            field_docs: Default::default(),
        }
    }

    fn fk(name: &str, target: &str) -> Field {
        let mut f = Field::new(name, ColumnType::BigInt);
        f.references = Some(Reference {
            model: target.into(),
            to_field: None,
            on_delete: OnDelete::Cascade,
            on_update: crate::OnDelete::NoAction,
            name: None,
        });
        f.index = true;
        f
    }

    #[test]
    fn resolves_bare_and_qualified_references() {
        let defs = vec![
            def("clinic::patients::models", "Patient", vec![]),
            def(
                "clinic::patients::models",
                "Ingreso",
                vec![fk("paciente_id", "Patient")],
            ),
            def(
                "clinic::exams",
                "Monitoreo",
                vec![fk("paciente_id", "patients.Patient")],
            ),
            def("clinic::exams", "Other", vec![fk("paciente_id", "Patient")]),
        ];
        let schema = resolve(&defs, &ResolveOptions::default()).unwrap();
        for key in ["patients.Ingreso", "exams.Monitoreo", "exams.Other"] {
            let f = schema.tables[key].field("paciente_id").unwrap();
            assert_eq!(
                f.references.as_ref().unwrap().model,
                "patients.Patient",
                "{key}"
            );
        }
    }

    #[test]
    fn unknown_and_ambiguous_references_are_errors() {
        let defs = vec![
            def("c::a", "Patient", vec![]),
            def("c::b", "Patient", vec![]),
            def(
                "c::x",
                "Ref",
                vec![fk("p_id", "Patient"), fk("q_id", "Patinet")],
            ),
        ];
        let errs = resolve(&defs, &ResolveOptions::default()).unwrap_err();
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(errs[0].message.contains("both map to table `patient`"));
        assert!(
            errs[1]
                .message
                .contains("ambiguous: it matches a.Patient, b.Patient")
        );
        assert!(errs[2].message.contains("names no model"));
        assert_eq!(errs[2].help.as_deref(), Some("did you mean `Patient`?"));
        assert_eq!(errs[2].attr, Some("references"));
    }

    #[test]
    fn explicit_fk_names_must_be_unique_across_the_project() {
        let mut a = fk("p_id", "Patient");
        a.references.as_mut().unwrap().name = Some("shared_fk".into());
        let mut b = fk("q_id", "Patient");
        b.references.as_mut().unwrap().name = Some("shared_fk".into());
        let defs = vec![
            def("c::a", "Patient", vec![]),
            def("c::a", "One", vec![a]),
            def("c::a", "Two", vec![b]),
        ];
        let errs = resolve(&defs, &ResolveOptions::default()).unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(
            errs[0].message.contains(
                "the name `shared_fk` is used by a.One (foreign key of field p_id) and by a.Two (foreign key of field q_id)"
            ),
            "{errs:?}"
        );
        assert_eq!(errs[0].field.as_deref(), Some("q_id"));
        assert_eq!(errs[0].attr, Some("fk_name"));
    }

    #[test]
    fn index_names_are_per_table_when_the_dialects_are_only_mysql() {
        // Sakila on MySQL: one index name on several tables.
        let indexed = |fk_name: &str| {
            let mut t = def(
                "c::a",
                fk_name,
                vec![Field::new("film_id", ColumnType::BigInt)],
            );
            t.table.indexes.push(crate::schema::Index {
                name: Some("idx_fk_film_id".into()),
                fields: vec!["film_id".into()],
                unique: false,
                concurrently: false,
                ..Default::default()
            });
            t.table.constraints.push(Constraint::Check {
                name: Some("film_positive".into()),
                expr: "film_id > 0".into(),
            });
            t
        };
        let defs = vec![indexed("FilmActor"), indexed("Inventory")];
        let opts = |dialects: &[&str]| ResolveOptions {
            dialects: dialects.iter().map(|d| d.to_string()).collect(),
            ..Default::default()
        };
        // Only MySQL/MariaDB: the index names may repeat, check names not.
        for dialects in [&["mysql"][..], &["mariadb"], &["mysql", "mariadb"]] {
            let errs = resolve(&defs, &opts(dialects)).unwrap_err();
            assert_eq!(errs.len(), 1, "{dialects:?}: {errs:?}");
            assert!(errs[0].message.contains("`film_positive`"), "{errs:?}");
        }
        // With PostgreSQL or SQLite too (or unknown: every dialect), both clash.
        for dialects in [&["mysql", "postgres"][..], &["sqlite"], &[]] {
            let errs = resolve(&defs, &opts(dialects)).unwrap_err();
            assert_eq!(errs.len(), 2, "{dialects:?}: {errs:?}");
            assert!(
                errs.iter().any(|e| e.message.contains(
                    "the name `idx_fk_film_id` is used by a.FilmActor (index on film_id) and by a.Inventory (index on film_id)"
                )),
                "{errs:?}"
            );
        }
        let schema = resolve(&defs[..1], &opts(&["postgres"])).unwrap();
        assert!(name_clashes(&schema, &["postgres".into()]).is_empty());
    }

    #[test]
    fn two_models_on_one_table_is_an_error() {
        let mut a = def("c::a", "Thing", vec![]);
        a.table.db_table = Some("shared".into());
        let mut b = def("c::b", "Other", vec![]);
        b.table.db_table = Some("shared".into());
        let errs = resolve(&[a, b], &ResolveOptions::default()).unwrap_err();
        assert!(errs[0].message.contains("both map to table `shared`"));
    }

    #[test]
    fn reference_types_must_match() {
        let mut f = fk("p_id", "Patient");
        f.ty = ColumnType::Integer;
        let defs = vec![def("c::a", "Patient", vec![]), def("c::a", "Ref", vec![f])];
        let errs = resolve(&defs, &ResolveOptions::default()).unwrap_err();
        assert!(
            errs[0]
                .message
                .contains("(integer) references a.Patient.id, which is bigint")
        );
    }

    #[test]
    fn a_reference_may_spell_its_integer_type_otherwise() {
        let with_type = |ty: &str| {
            let mut f = fk("p_id", "Patient");
            f.ty = ColumnType::Raw(ty.into());
            let defs = vec![def("c::a", "Patient", vec![]), def("c::a", "Ref", vec![f])];
            resolve(&defs, &ResolveOptions::default())
        };
        // The key is bigint.
        assert!(with_type("INT8").is_ok());
        assert!(with_type("BIGINT").is_ok());
        assert!(with_type("INT").is_err());
        assert!(with_type("BIGINT UNSIGNED").is_err());
    }

    #[test]
    fn mysql_portability_only_when_declared() {
        let mut f = Field::new("nombre", ColumnType::Text);
        f.unique = true;
        let defs = vec![def("c::a", "Patient", vec![f])];
        assert!(resolve(&defs, &ResolveOptions::default()).is_ok());
        let opts = ResolveOptions {
            dialects: vec!["mysql".into()],
            ..Default::default()
        };
        let errs = resolve(&defs, &opts).unwrap_err();
        assert!(
            errs[0]
                .message
                .contains("MySQL cannot index the TEXT column `nombre`")
        );
    }

    #[test]
    fn character_sets_and_table_collations_are_mysql_only() {
        let mut f = Field::new("nombre", ColumnType::Varchar(10));
        f.charset = Some("latin1".into());
        f.collation = Some("latin1_bin".into());
        let mut d = def("c::a", "Patient", vec![f]);
        d.table.collation = Some("utf8mb4_bin".into());
        let defs = vec![d];
        for only in [vec![], vec!["mysql".to_string(), "mariadb".to_string()]] {
            let opts = ResolveOptions {
                dialects: only,
                ..Default::default()
            };
            assert!(resolve(&defs, &opts).is_ok());
        }
        for (dialect, database) in [("postgres", "PostgreSQL"), ("sqlite", "SQLite")] {
            let opts = ResolveOptions {
                dialects: vec!["mysql".into(), dialect.into()],
                ..Default::default()
            };
            let errs: Vec<(Option<&str>, String)> = resolve(&defs, &opts)
                .unwrap_err()
                .into_iter()
                .map(|e| (e.attr, e.message))
                .collect();
            assert_eq!(
                errs,
                [
                    (
                        Some("collation"),
                        format!(
                            "{database} has no table collation (dialects in remodel.toml include {dialect})"
                        )
                    ),
                    (
                        Some("charset"),
                        format!(
                            "{database} has no character set per column, as `nombre` says (dialects in remodel.toml include {dialect})"
                        )
                    ),
                ]
            );
        }
    }

    #[test]
    fn numbering_another_field_is_postgres_and_mysql_with_an_index() {
        let mut f = Field::new("turno", ColumnType::Integer);
        f.auto = crate::Auto::Yes;
        let defs = vec![def("c::a", "Patient", vec![f.clone()])];
        let with = |dialect: &str| ResolveOptions {
            dialects: vec!["postgres".into(), dialect.into()],
            ..Default::default()
        };
        let only_postgres = ResolveOptions {
            dialects: vec!["postgres".into()],
            ..Default::default()
        };
        assert!(resolve(&defs, &only_postgres).is_ok());
        let messages = |defs: &[TableDef], dialect: &str| -> Vec<String> {
            resolve(defs, &with(dialect))
                .err()
                .unwrap_or_default()
                .iter()
                .map(|e| e.message.clone())
                .collect()
        };
        assert_eq!(
            messages(&defs, "sqlite"),
            [
                "SQLite cannot number `turno`, which is not the primary key (dialects in remodel.toml include sqlite)"
            ]
        );
        // MySQL numbers one column per table: the key is `auto` too.
        assert_eq!(
            messages(&defs, "mysql"),
            [
                "MySQL numbers one column per table, and 2 are `auto` (`id`, `turno`) (dialects in remodel.toml include mysql)"
            ]
        );
        let mut keyed = def("c::a", "Patient", vec![f.clone()]);
        keyed.table.fields[0].auto = crate::Auto::No;
        assert_eq!(
            messages(std::slice::from_ref(&keyed), "mariadb"),
            [
                "MariaDB numbers only a column that leads an index, and no index starts with `turno` (dialects in remodel.toml include mariadb)"
            ]
        );
        keyed.table.fields[1].unique = true;
        assert!(messages(&[keyed], "mysql").is_empty());
    }

    #[test]
    fn mysql_refuses_a_check_on_the_auto_increment_column() {
        let mut id = Field::new("id", ColumnType::BigInt);
        id.primary_key = true;
        id.auto = crate::Auto::Yes;
        let mut d = def("c::a", "Patient", vec![id]);
        d.table.constraints.push(Constraint::Check {
            name: None,
            expr: "id > 0".into(),
        });
        let defs = vec![d];
        assert!(resolve(&defs, &ResolveOptions::default()).is_ok());
        let opts = ResolveOptions {
            dialects: vec!["mysql".into()],
            ..Default::default()
        };
        let errs = resolve(&defs, &opts).unwrap_err();
        assert!(
            errs[0].message.contains(
                "MySQL refuses the check patient_id_check on the auto-increment column `id`"
            ),
            "{}",
            errs[0].message
        );
    }

    #[test]
    fn set_null_on_a_not_null_field_is_a_warning_and_a_mysql_portability_error() {
        let mut f = fk("p_id", "Patient");
        f.references.as_mut().unwrap().on_delete = OnDelete::SetNull;
        let mut optional = fk("q_id", "Patient");
        optional.null = true;
        optional.references.as_mut().unwrap().on_delete = OnDelete::SetNull;
        let defs = vec![
            def("c::a", "Patient", vec![]),
            def("c::a", "Ref", vec![f, optional]),
        ];
        let schema = resolve(&defs, &ResolveOptions::default()).unwrap();
        let warnings = field_warnings(&schema.tables["a.Ref"]);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert_eq!(warnings[0].field, "p_id");
        assert_eq!(warnings[0].attr, "on_delete");
        assert!(
            warnings[0]
                .message
                .contains("deleting a referenced row fails instead of setting it to NULL"),
            "{warnings:?}"
        );
        for dialect in ["mysql", "mariadb"] {
            let opts = ResolveOptions {
                dialects: vec!["postgres".into(), dialect.into()],
                ..Default::default()
            };
            let errs = resolve(&defs, &opts).unwrap_err();
            assert_eq!(errs.len(), 1, "{errs:?}");
            assert!(
                errs[0]
                    .message
                    .contains("rejects ON DELETE SET NULL on the NOT NULL column `p_id`"),
                "{errs:?}"
            );
            assert_eq!(errs[0].attr, Some("on_delete"));
        }
    }

    #[test]
    fn on_update_has_the_warnings_and_portability_errors_of_on_delete() {
        let mut f = fk("p_id", "Patient");
        f.references.as_mut().unwrap().on_update = OnDelete::SetNull;
        let mut g = fk("q_id", "Patient");
        g.default = Some(crate::ColumnDefault::Sql("1".into()));
        g.references.as_mut().unwrap().on_update = OnDelete::SetDefault;
        let defs = vec![
            def("c::a", "Patient", vec![]),
            def("c::a", "Ref", vec![f, g]),
        ];
        let schema = resolve(&defs, &ResolveOptions::default()).unwrap();
        let warnings = field_warnings(&schema.tables["a.Ref"]);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert_eq!(
            (warnings[0].field.as_str(), warnings[0].attr),
            ("p_id", "on_update")
        );
        assert!(
            warnings[0]
                .message
                .contains("changing the key of a referenced row fails"),
            "{warnings:?}"
        );
        let opts = ResolveOptions {
            dialects: vec!["mariadb".into()],
            ..Default::default()
        };
        let errs: Vec<String> = resolve(&defs, &opts)
            .unwrap_err()
            .into_iter()
            .map(|e| format!("{:?} {}", e.attr, e.message))
            .collect();
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(errs[0].contains("Some(\"on_update\") MySQL (InnoDB) rejects ON UPDATE SET NULL on the NOT NULL column `p_id`"), "{errs:?}");
        assert!(
            errs[1].contains(
                "Some(\"on_update\") MySQL (InnoDB) rejects ON UPDATE SET DEFAULT on `q_id`"
            ),
            "{errs:?}"
        );
    }

    #[test]
    fn doc_comments_become_comments_when_enabled() {
        let mut d = def("c::a", "Patient", vec![]);
        d.doc = Some("People".into());
        let opts = ResolveOptions {
            doc_comments: true,
            ..Default::default()
        };
        let s = resolve(std::slice::from_ref(&d), &opts).unwrap();
        assert_eq!(s.tables["a.Patient"].comment.as_deref(), Some("People"));
        let s = resolve(&[d], &ResolveOptions::default()).unwrap();
        assert_eq!(s.tables["a.Patient"].comment, None);
    }
}
