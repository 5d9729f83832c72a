//! The schema model: what a set of models (or a replayed history) describes.
//!
//! Names that the user did not give (table, index and constraint names) are
//! stored as `None` and derived on demand, so a rename of a model or a column
//! carries its derived names along, as DESIGN §4 requires.

use crate::default::ColumnDefault;
use crate::names::{NameKind, derived_name, snake_case};
use crate::types::ColumnType;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Every model of a project (or of a replayed history), keyed by `app.Model`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    /// Tables keyed by [`Table::key`].
    pub tables: BTreeMap<String, Table>,
}

/// What a foreign key does when the referenced row is deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnDelete {
    /// `ON DELETE NO ACTION` (the default).
    #[default]
    NoAction,
    /// `ON DELETE CASCADE`.
    Cascade,
    /// `ON DELETE RESTRICT`.
    Restrict,
    /// `ON DELETE SET NULL`.
    SetNull,
    /// `ON DELETE SET DEFAULT`.
    SetDefault,
}

impl OnDelete {
    /// All values with their spelling in `on_delete = "…"`.
    pub const ALL: [(OnDelete, &'static str); 5] = [
        (OnDelete::Cascade, "cascade"),
        (OnDelete::Restrict, "restrict"),
        (OnDelete::SetNull, "set_null"),
        (OnDelete::SetDefault, "set_default"),
        (OnDelete::NoAction, "no_action"),
    ];

    /// Parses the spelling used in models and files.
    pub fn parse(s: &str) -> Option<OnDelete> {
        Self::ALL.iter().find(|(_, n)| *n == s).map(|(v, _)| *v)
    }

    /// The spelling used in models and files.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(v, _)| *v == self)
            .map(|(_, n)| *n)
            .unwrap_or("no_action")
    }

    /// The SQL action words.
    pub fn sql(self) -> &'static str {
        match self {
            OnDelete::NoAction => "NO ACTION",
            OnDelete::Cascade => "CASCADE",
            OnDelete::Restrict => "RESTRICT",
            OnDelete::SetNull => "SET NULL",
            OnDelete::SetDefault => "SET DEFAULT",
        }
    }
}

/// A foreign key from a field to another model's field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// The target model, `app.Model` once resolved (as written before).
    pub model: String,
    /// The target field; `None` means the target's primary key.
    pub to_field: Option<String>,
    /// The delete action.
    pub on_delete: OnDelete,
    /// An explicit foreign key constraint name (`fk_name = "…"`); `None`
    /// derives `<table>_<column>_fk`.
    #[serde(default)]
    pub name: Option<String>,
}

impl Reference {
    /// A reference to a model's primary key, with no delete action and a
    /// derived name.
    pub fn to(model: impl Into<String>) -> Reference {
        Reference {
            model: model.into(),
            to_field: None,
            on_delete: OnDelete::NoAction,
            name: None,
        }
    }
}

/// A column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// The field name in the struct.
    pub name: String,
    /// An explicit column name (`column = "…"`); `None` means the field name.
    pub column: Option<String>,
    /// The column type.
    pub ty: ColumnType,
    /// Whether NULL is allowed (`Option<T>`).
    pub null: bool,
    /// Whether this is the model's single primary-key field.
    pub primary_key: bool,
    /// Auto-increment (integer primary keys unless `auto = false`).
    pub auto: bool,
    /// A single-column unique constraint.
    pub unique: bool,
    /// A single-column index owned by the field (`index`, or any reference unless `index = false`).
    pub index: bool,
    /// The column default.
    pub default: Option<ColumnDefault>,
    /// The database comment.
    pub comment: Option<String>,
    /// A foreign key.
    pub references: Option<Reference>,
}

impl Field {
    /// A new NOT NULL field of a type, with nothing else set.
    pub fn new(name: impl Into<String>, ty: ColumnType) -> Field {
        Field {
            name: name.into(),
            column: None,
            ty,
            null: false,
            primary_key: false,
            auto: false,
            unique: false,
            index: false,
            default: None,
            comment: None,
            references: None,
        }
    }

    /// The column name: explicit or the field name.
    pub fn column_name(&self) -> &str {
        self.column.as_deref().unwrap_or(&self.name)
    }

    /// Whether the field's index is implied (references without `index = false`).
    pub fn default_index(&self) -> bool {
        self.references.is_some() && !self.unique && !self.primary_key
    }

    /// The field's definition with its name blanked, to compare definitions
    /// "apart from the name" (rename candidates).
    pub fn definition(&self) -> Field {
        Field {
            name: String::new(),
            ..self.clone()
        }
    }
}

/// A model-level index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    /// An explicit name; `None` derives `<table>_<columns>_idx`.
    pub name: Option<String>,
    /// Field names, in index order.
    pub fields: Vec<String>,
    /// A unique index.
    pub unique: bool,
    /// Built with CREATE INDEX CONCURRENTLY on PostgreSQL.
    pub concurrently: bool,
}

/// A model-level constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Constraint {
    /// A multi-column (or named) unique constraint over field names.
    Unique {
        /// An explicit name; `None` derives `<table>_<columns>_uniq`.
        name: Option<String>,
        /// Field names.
        fields: Vec<String>,
    },
    /// A check constraint over column names, in normal spelling.
    Check {
        /// An explicit name; `None` derives `<table>_<columns>_check`.
        name: Option<String>,
        /// The SQL expression (see [`crate::expr::normalize`]).
        expr: String,
    },
}

impl Constraint {
    /// The explicit name, if any.
    pub fn explicit_name(&self) -> Option<&str> {
        match self {
            Constraint::Unique { name, .. } | Constraint::Check { name, .. } => name.as_deref(),
        }
    }

    /// Sets the explicit name.
    pub fn set_name(&mut self, new: Option<String>) {
        match self {
            Constraint::Unique { name, .. } | Constraint::Check { name, .. } => *name = new,
        }
    }
}

/// A model: one table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// The app label.
    pub app: String,
    /// The struct name.
    pub name: String,
    /// An explicit table name (`table = "…"`); `None` derives snake_case of the name.
    pub db_table: Option<String>,
    /// The columns, in declaration order (order is not part of the schema).
    pub fields: Vec<Field>,
    /// A composite primary key's field names (`#[model(primary_key("a", "b"))]`);
    /// empty when one field is `primary_key`.
    pub composite_primary_key: Vec<String>,
    /// Model-level indexes.
    pub indexes: Vec<Index>,
    /// Model-level constraints.
    pub constraints: Vec<Constraint>,
    /// The table comment.
    pub comment: Option<String>,
    /// `false` for a table remodel never creates, alters or drops.
    pub managed: bool,
}

/// A name that is either explicit or derived, as the state records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveName {
    /// The name.
    pub name: String,
    /// Whether the user gave it (it does not follow renames).
    pub explicit: bool,
}

impl fmt::Display for EffectiveName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl Table {
    /// A new managed table with no fields.
    pub fn new(app: impl Into<String>, name: impl Into<String>) -> Table {
        Table {
            app: app.into(),
            name: name.into(),
            db_table: None,
            fields: Vec::new(),
            composite_primary_key: Vec::new(),
            indexes: Vec::new(),
            constraints: Vec::new(),
            comment: None,
            managed: true,
        }
    }

    /// `app.Model`.
    pub fn key(&self) -> String {
        model_key(&self.app, &self.name)
    }

    /// snake_case of the struct name, as messages name the model.
    pub fn snake_name(&self) -> String {
        snake_case(&self.name)
    }

    /// The table name: explicit or snake_case of the struct name.
    pub fn table_name(&self) -> String {
        self.db_table
            .clone()
            .unwrap_or_else(|| snake_case(&self.name))
    }

    /// A field by name.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// A field by name, mutable.
    pub fn field_mut(&mut self, name: &str) -> Option<&mut Field> {
        self.fields.iter_mut().find(|f| f.name == name)
    }

    /// A field by column name.
    pub fn field_by_column(&self, column: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.column_name() == column)
    }

    /// The primary key's field names, in key order.
    pub fn primary_key(&self) -> Vec<String> {
        if !self.composite_primary_key.is_empty() {
            return self.composite_primary_key.clone();
        }
        self.fields
            .iter()
            .filter(|f| f.primary_key)
            .map(|f| f.name.clone())
            .collect()
    }

    /// Column names of field names (unknown fields keep their name).
    pub fn columns_of(&self, fields: &[String]) -> Vec<String> {
        fields
            .iter()
            .map(|n| {
                self.field(n)
                    .map(|f| f.column_name().to_string())
                    .unwrap_or_else(|| n.clone())
            })
            .collect()
    }

    /// The primary key constraint's name.
    pub fn primary_key_name(&self) -> String {
        derived_name(
            &self.table_name(),
            &self.columns_of(&self.primary_key()),
            NameKind::PrimaryKey,
        )
    }

    /// The effective name of a model-level index.
    pub fn index_name(&self, index: &Index) -> EffectiveName {
        match &index.name {
            Some(n) => EffectiveName {
                name: n.clone(),
                explicit: true,
            },
            None => EffectiveName {
                name: derived_name(
                    &self.table_name(),
                    &self.columns_of(&index.fields),
                    NameKind::Index,
                ),
                explicit: false,
            },
        }
    }

    /// The effective name of a model-level constraint.
    pub fn constraint_name(&self, constraint: &Constraint) -> EffectiveName {
        match constraint {
            Constraint::Unique { name: Some(n), .. } | Constraint::Check { name: Some(n), .. } => {
                EffectiveName {
                    name: n.clone(),
                    explicit: true,
                }
            }
            Constraint::Unique { name: None, fields } => EffectiveName {
                name: derived_name(
                    &self.table_name(),
                    &self.columns_of(fields),
                    NameKind::Unique,
                ),
                explicit: false,
            },
            Constraint::Check { name: None, expr } => {
                let cols = crate::expr::columns(expr).unwrap_or_default();
                EffectiveName {
                    name: derived_name(&self.table_name(), &cols, NameKind::Check),
                    explicit: false,
                }
            }
        }
    }

    /// The name of a field's own single-column index, if it has one.
    pub fn field_index_name(&self, field: &Field) -> Option<String> {
        field.index.then(|| self.field_name(field, NameKind::Index))
    }

    /// The name of a field's own unique constraint, if it has one.
    pub fn field_unique_name(&self, field: &Field) -> Option<String> {
        field
            .unique
            .then(|| self.field_name(field, NameKind::Unique))
    }

    /// The name of a field's foreign key constraint, if it has one: the
    /// explicit `fk_name`, else derived.
    pub fn field_fk_name(&self, field: &Field) -> Option<String> {
        field.references.as_ref().map(|r| match &r.name {
            Some(n) => n.clone(),
            None => self.derived_fk_name(field),
        })
    }

    /// The derived name of a field's foreign key constraint, whether or not
    /// it has one or an explicit name.
    pub fn derived_fk_name(&self, field: &Field) -> String {
        self.field_name(field, NameKind::ForeignKey)
    }

    fn field_name(&self, field: &Field, kind: NameKind) -> String {
        derived_name(&self.table_name(), &[field.column_name()], kind)
    }

    /// Every index and constraint name this table uses, with what it names
    /// (for clash checks and messages).
    pub fn all_object_names(&self) -> Vec<(String, NamedObject<'_>)> {
        let mut out = Vec::new();
        for f in &self.fields {
            if let Some(n) = self.field_index_name(f) {
                out.push((n, NamedObject::FieldIndex(&f.name)));
            }
            if let Some(n) = self.field_unique_name(f) {
                out.push((n, NamedObject::FieldUnique(&f.name)));
            }
            if let Some(n) = self.field_fk_name(f) {
                out.push((n, NamedObject::ForeignKey(&f.name)));
            }
        }
        for i in &self.indexes {
            out.push((self.index_name(i).name, NamedObject::Index(i)));
        }
        for c in &self.constraints {
            out.push((self.constraint_name(c).name, NamedObject::Constraint(c)));
        }
        out
    }
}

/// What an index or constraint name of a table names; shown in messages
/// (formatted only when one is shown).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NamedObject<'a> {
    /// A field's own index.
    FieldIndex(&'a str),
    /// A field's own unique constraint.
    FieldUnique(&'a str),
    /// A field's foreign key.
    ForeignKey(&'a str),
    /// A model-level index.
    Index(&'a Index),
    /// A model-level constraint.
    Constraint(&'a Constraint),
}

impl std::fmt::Display for NamedObject<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NamedObject::FieldIndex(n) => write!(f, "index on field {n}"),
            NamedObject::FieldUnique(n) => write!(f, "unique constraint on field {n}"),
            NamedObject::ForeignKey(n) => write!(f, "foreign key of field {n}"),
            NamedObject::Index(i) => write!(f, "index on {}", i.fields.join(", ")),
            NamedObject::Constraint(Constraint::Unique { fields, .. }) => {
                write!(f, "unique constraint on {}", fields.join(", "))
            }
            NamedObject::Constraint(Constraint::Check { expr, .. }) => write!(f, "check `{expr}`"),
        }
    }
}

/// `app.Model`.
pub fn model_key(app: &str, name: &str) -> String {
    format!("{app}.{name}")
}

/// Splits `app.Model` into its parts.
pub fn split_key(key: &str) -> (&str, &str) {
    key.split_once('.').unwrap_or(("", key))
}

impl Schema {
    /// A table by `app.Model`.
    pub fn table(&self, key: &str) -> Option<&Table> {
        self.tables.get(key)
    }

    /// A table by `app.Model`, mutable.
    pub fn table_mut(&mut self, key: &str) -> Option<&mut Table> {
        self.tables.get_mut(key)
    }

    /// Inserts a table under its key.
    pub fn insert(&mut self, table: Table) {
        self.tables.insert(table.key(), table);
    }

    /// The tables of one app, in name order.
    pub fn app_tables<'a>(&'a self, app: &'a str) -> impl Iterator<Item = &'a Table> + 'a {
        self.tables.values().filter(move |t| t.app == app)
    }

    /// The app labels present, sorted.
    pub fn apps(&self) -> Vec<String> {
        let mut apps: Vec<String> = self.tables.values().map(|t| t.app.clone()).collect();
        apps.sort();
        apps.dedup();
        apps
    }

    /// The table and column a reference points at, if the target exists.
    pub fn referenced(&self, reference: &Reference) -> Option<(&Table, &Field)> {
        let target = self.table(&reference.model)?;
        let field_name = match &reference.to_field {
            Some(f) => f.clone(),
            None => {
                let pk = target.primary_key();
                if pk.len() != 1 {
                    return None;
                }
                pk[0].clone()
            }
        };
        let field = target.field(&field_name)?;
        Some((target, field))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patient() -> Table {
        let mut t = Table::new("patients", "Patient");
        let mut id = Field::new("id", ColumnType::BigInt);
        id.primary_key = true;
        id.auto = true;
        t.fields.push(id);
        let mut doc = Field::new("documento", ColumnType::Varchar(20));
        doc.unique = true;
        t.fields.push(doc);
        t.indexes.push(Index {
            name: None,
            fields: vec!["documento".into()],
            unique: false,
            concurrently: false,
        });
        t
    }

    #[test]
    fn derived_names_follow_the_table_name() {
        let mut t = patient();
        assert_eq!(t.table_name(), "patient");
        assert_eq!(t.index_name(&t.indexes[0]).name, "patient_documento_idx");
        assert_eq!(
            t.field_unique_name(&t.fields[1]).unwrap(),
            "patient_documento_uniq"
        );
        assert_eq!(t.primary_key_name(), "patient_id_pkey");
        t.name = "Person".into();
        assert_eq!(t.index_name(&t.indexes[0]).name, "person_documento_idx");
        t.db_table = Some("people".into());
        assert_eq!(t.index_name(&t.indexes[0]).name, "people_documento_idx");
    }

    #[test]
    fn check_names_use_the_columns_of_the_expression() {
        let t = patient();
        let c = Constraint::Check {
            name: None,
            expr: "edad >= 0".into(),
        };
        assert_eq!(t.constraint_name(&c).name, "patient_edad_check");
    }

    #[test]
    fn explicit_fk_names_win_and_do_not_follow_renames() {
        let mut t = patient();
        let mut f = Field::new("medico_id", ColumnType::BigInt);
        f.references = Some(Reference::to("patients.Medico"));
        t.fields.push(f);
        let f = t.fields.last().unwrap().clone();
        assert_eq!(t.field_fk_name(&f).unwrap(), "patient_medico_id_fk");
        let mut named = f.clone();
        named.references.as_mut().unwrap().name = Some("patient_ibfk_1".into());
        *t.fields.last_mut().unwrap() = named.clone();
        assert_eq!(t.field_fk_name(&named).unwrap(), "patient_ibfk_1");
        assert_eq!(t.derived_fk_name(&named), "patient_medico_id_fk");
        t.db_table = Some("people".into());
        assert_eq!(t.field_fk_name(&named).unwrap(), "patient_ibfk_1");
        assert!(
            t.all_object_names()
                .iter()
                .any(|(n, what)| n == "patient_ibfk_1"
                    && what.to_string() == "foreign key of field medico_id")
        );
        assert_ne!(f, named, "the name is part of the field's definition");
    }

    #[test]
    fn on_delete_round_trips() {
        for (v, s) in OnDelete::ALL {
            assert_eq!(OnDelete::parse(s), Some(v));
            assert_eq!(v.as_str(), s);
        }
        assert_eq!(OnDelete::parse("CASCADE"), None);
    }
}
