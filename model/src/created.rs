//! What a RunSql migration says it creates (`creates = ["view film_list",
//! "trigger last_updated on film", "function film_in_stock(integer,
//! integer)", "index item_note_u"]`), so that `check` can find each object
//! in the database: one dropped by hand is drift, one there is the
//! history's and never adopted again.

use crate::catalog::{Catalog, ObjectKind};
use std::fmt;

/// The kind of a created object: an index, or one of the schema's other
/// objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreatedKind {
    /// An index (on any table).
    Index,
    /// A view, trigger, function, ….
    Object(ObjectKind),
}

/// One object a RunSql creates, as written in its `creates`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedObject {
    /// What it is.
    pub kind: CreatedKind,
    /// Its name as the database shows it (a function with its argument
    /// types).
    pub name: String,
    /// The table it is on (`trigger x on film`), where said.
    pub table: Option<String>,
}

impl CreatedObject {
    /// Reads `"<kind> <name>[ on <table>]"`; the error says what kinds there are.
    pub fn parse(text: &str) -> Result<CreatedObject, String> {
        let t = text.trim();
        let lower = t.to_ascii_lowercase();
        // The longest kind that starts the text ("materialized view" before "view").
        let mut kinds: Vec<(&str, CreatedKind)> = ObjectKind::ALL
            .iter()
            .map(|k| (k.noun(), CreatedKind::Object(*k)))
            .collect();
        kinds.push(("index", CreatedKind::Index));
        kinds.sort_by_key(|(noun, _)| std::cmp::Reverse(noun.len()));
        let Some((noun, kind)) = kinds.into_iter().find(|(noun, _)| {
            lower.starts_with(noun) && lower[noun.len()..].starts_with(char::is_whitespace)
        }) else {
            let mut nouns: Vec<&str> = ObjectKind::ALL.iter().map(|k| k.noun()).collect();
            nouns.push("index");
            return Err(format!(
                "`{t}` does not start with a kind of object: one of {}",
                nouns.join(", ")
            ));
        };
        let rest = t[noun.len()..].trim();
        let on_table = matches!(
            kind,
            CreatedKind::Object(ObjectKind::Trigger | ObjectKind::Rule)
        );
        let (name, table) = match rest.rsplit_once(" on ") {
            Some((n, tb)) if on_table => (n.trim(), Some(tb.trim().to_string())),
            _ => (rest, None),
        };
        if name.is_empty() || table.as_deref() == Some("") {
            return Err(format!("`{t}` names no object after `{noun}`"));
        }
        Ok(CreatedObject {
            kind,
            name: name.to_string(),
            table,
        })
    }

    /// Whether `other` names the same object (names compare ignoring case
    /// and spaces; a table, where both say one).
    pub fn matches(&self, other: &CreatedObject) -> bool {
        self.kind == other.kind
            && squash(&self.name) == squash(&other.name)
            && match (&self.table, &other.table) {
                (Some(a), Some(b)) => squash(a) == squash(b),
                _ => true,
            }
    }

    /// Whether the database holds it: an index on any table (read as one
    /// or kept as a fact), or an object of its kind and name (on its table,
    /// where said). Names compare ignoring case and spaces.
    pub fn is_in(&self, catalog: &Catalog) -> bool {
        let same = |a: &str, b: &str| squash(a) == squash(b);
        match self.kind {
            CreatedKind::Index => catalog.tables.values().any(|t| {
                t.indexes
                    .keys()
                    .chain(t.uniques.keys())
                    .any(|n| same(n, &self.name))
                    || t.unmodelled.contains_key(&format!("index {}", self.name))
            }),
            CreatedKind::Object(kind) => catalog.objects.iter().any(|o| {
                o.kind == kind
                    && same(&o.name, &self.name)
                    && self
                        .table
                        .as_ref()
                        .is_none_or(|t| o.table.as_deref().is_some_and(|ot| same(ot, t)))
            }),
        }
    }
}

impl fmt::Display for CreatedObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let noun = match self.kind {
            CreatedKind::Index => "index",
            CreatedKind::Object(k) => k.noun(),
        };
        write!(f, "{noun} {}", self.name)?;
        if let Some(t) = &self.table {
            write!(f, " on {t}")?;
        }
        Ok(())
    }
}

/// A name without case or spaces, to compare how users and databases spell it.
fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::CatalogObject;

    #[test]
    fn objects_are_read_as_written() {
        let v = CreatedObject::parse("materialized view rental_by_category").unwrap();
        assert_eq!(v.kind, CreatedKind::Object(ObjectKind::MaterializedView));
        assert_eq!(v.name, "rental_by_category");
        let t = CreatedObject::parse("trigger last_updated on film").unwrap();
        assert_eq!(t.kind, CreatedKind::Object(ObjectKind::Trigger));
        assert_eq!(
            (t.name.as_str(), t.table.as_deref()),
            ("last_updated", Some("film"))
        );
        let f = CreatedObject::parse("function film_in_stock(integer, integer)").unwrap();
        assert_eq!(f.name, "film_in_stock(integer, integer)");
        assert_eq!(f.to_string(), "function film_in_stock(integer, integer)");
        assert_eq!(
            CreatedObject::parse("index item_note_u").unwrap().kind,
            CreatedKind::Index
        );
        assert!(
            CreatedObject::parse("table x")
                .unwrap_err()
                .contains("one of view")
        );
        assert!(CreatedObject::parse("view ").is_err());
    }

    #[test]
    fn presence_ignores_case_and_spaces() {
        let mut c = Catalog::default();
        c.objects.push(CatalogObject {
            kind: ObjectKind::Function,
            name: "film_in_stock(integer, integer)".into(),
            table: None,
            definition: String::new(),
        });
        assert!(
            CreatedObject::parse("function FILM_IN_STOCK(integer,integer)")
                .unwrap()
                .is_in(&c)
        );
        assert!(!CreatedObject::parse("view film_list").unwrap().is_in(&c));
    }
}
