//! Rust enums stored as columns (`#[derive(DbEnum)]`, DESIGN §11.2): the
//! values in their order, each kept with the variant that declares it, so
//! that a variant whose value changes is a value renamed, not a question.

use crate::names::snake_case;
use serde::{Deserialize, Serialize};

/// An enum of a project (or of a replayed history), keyed like a model by
/// `app.Enum`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbEnum {
    /// The app it belongs to.
    pub app: String,
    /// The Rust enum's name.
    pub name: String,
    /// The database type's name (`#[db_enum(name = "…")]`); `None` derives
    /// snake_case of the enum's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_name: Option<String>,
    /// The variants, in order: the order of the values.
    pub variants: Vec<Variant>,
}

/// One variant and the value the database stores for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    /// The Rust variant's name.
    pub name: String,
    /// Its value (`#[db_enum(value = "…")]`, else the variant's name as
    /// written).
    pub value: String,
}

impl DbEnum {
    /// A new enum of `app` with no variants.
    pub fn new(app: impl Into<String>, name: impl Into<String>) -> DbEnum {
        DbEnum {
            app: app.into(),
            name: name.into(),
            type_name: None,
            variants: Vec::new(),
        }
    }

    /// `app.Enum`.
    pub fn key(&self) -> String {
        crate::model_key(&self.app, &self.name)
    }

    /// The database type's name: explicit, else snake_case of the name.
    pub fn db_name(&self) -> String {
        self.type_name
            .clone()
            .unwrap_or_else(|| snake_case(&self.name))
    }

    /// The values in order.
    pub fn values(&self) -> Vec<&str> {
        self.variants.iter().map(|v| v.value.as_str()).collect()
    }

    /// A variant by name.
    pub fn variant(&self, name: &str) -> Option<&Variant> {
        self.variants.iter().find(|v| v.name == name)
    }

    /// What is wrong with its variants, if anything: none at all, a value
    /// given twice.
    pub fn problem(&self) -> Option<String> {
        if self.variants.is_empty() {
            return Some(format!("enum {} has no variants", self.name));
        }
        for (i, v) in self.variants.iter().enumerate() {
            if let Some(other) = self.variants[..i].iter().find(|o| o.value == v.value) {
                return Some(format!(
                    "enum {}: variants {} and {} have the same value '{}'",
                    self.name, other.name, v.name, v.value
                ));
            }
            if v.value.is_empty() {
                return Some(format!(
                    "enum {}: variant {} has an empty value",
                    self.name, v.name
                ));
            }
        }
        None
    }

    /// The CHECK that holds a column to the values where the database has no
    /// enum type (SQLite): `rating IN ('G', 'PG-13')`, in the normal spelling
    /// of checks.
    pub fn check(&self, column: &str) -> String {
        enum_check(column, &self.values())
    }
}

/// The CHECK holding `column` to `values` (see [`DbEnum::check`]).
pub fn enum_check(column: &str, values: &[impl AsRef<str>]) -> String {
    let c = format!("\"{}\"", column.replace('"', "\"\""));
    let values: Vec<String> = values
        .iter()
        .map(|v| format!("'{}'", v.as_ref().replace('\'', "''")))
        .collect();
    let text = format!("{c} IN ({})", values.join(", "));
    crate::expr::normalize(&text).unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rating() -> DbEnum {
        let mut e = DbEnum::new("films", "Rating");
        for (name, value) in [("G", "G"), ("Pg13", "PG-13"), ("R", "R")] {
            e.variants.push(Variant {
                name: name.into(),
                value: value.into(),
            });
        }
        e
    }

    #[test]
    fn names_values_and_checks() {
        let mut e = rating();
        assert_eq!(e.key(), "films.Rating");
        assert_eq!(e.db_name(), "rating");
        e.type_name = Some("mpaa_rating".into());
        assert_eq!(e.db_name(), "mpaa_rating");
        assert_eq!(e.values(), ["G", "PG-13", "R"]);
        assert_eq!(e.variant("Pg13").unwrap().value, "PG-13");
        assert_eq!(e.check("rating"), "rating IN ('G', 'PG-13', 'R')");
        assert_eq!(e.problem(), None);
    }

    #[test]
    fn problems_are_named() {
        let mut e = rating();
        e.variants[2].value = "G".into();
        assert_eq!(
            e.problem().unwrap(),
            "enum Rating: variants G and R have the same value 'G'"
        );
        assert_eq!(
            DbEnum::new("a", "Empty").problem().unwrap(),
            "enum Empty has no variants"
        );
    }
}
