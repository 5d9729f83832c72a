//! What an index is beyond its key columns and uniqueness: expression key
//! parts, sort order, method, predicate, operator classes and prefix
//! lengths (DESIGN §11.1). The same description serves the model's
//! [`crate::Index`] and the catalog's [`crate::catalog::CatalogIndex`]; both
//! speak of columns here (expressions and predicates are SQL over column
//! names, as checks are).

use serde::{Deserialize, Serialize};
use std::fmt;

/// An index method (`USING …`). B-tree, every database's default, is no
/// method at all (`None`), so that saying `using = "btree"` is no change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IndexMethod {
    /// Hash (PostgreSQL).
    Hash,
    /// Generalized inverted index (PostgreSQL).
    Gin,
    /// Generalized search tree (PostgreSQL).
    Gist,
    /// Block range index (PostgreSQL).
    Brin,
    /// Space-partitioned GiST (PostgreSQL).
    Spgist,
    /// A FULLTEXT index (MySQL/MariaDB).
    Fulltext,
    /// A SPATIAL index (MySQL/MariaDB).
    Spatial,
}

impl IndexMethod {
    /// Every method by its model spelling, B-tree first.
    pub const NAMES: [&'static str; 8] = [
        "btree", "hash", "gin", "gist", "brin", "spgist", "fulltext", "spatial",
    ];

    /// The method a name (any case) stands for: `Some(None)` for B-tree,
    /// `None` for an unknown name.
    pub fn parse(name: &str) -> Option<Option<IndexMethod>> {
        Some(Some(match name.to_ascii_lowercase().as_str() {
            "btree" => return Some(None),
            "hash" => IndexMethod::Hash,
            "gin" => IndexMethod::Gin,
            "gist" => IndexMethod::Gist,
            "brin" => IndexMethod::Brin,
            "spgist" => IndexMethod::Spgist,
            "fulltext" => IndexMethod::Fulltext,
            "spatial" => IndexMethod::Spatial,
            _ => return None,
        }))
    }

    /// The model spelling (`gin`).
    pub fn as_str(self) -> &'static str {
        match self {
            IndexMethod::Hash => "hash",
            IndexMethod::Gin => "gin",
            IndexMethod::Gist => "gist",
            IndexMethod::Brin => "brin",
            IndexMethod::Spgist => "spgist",
            IndexMethod::Fulltext => "fulltext",
            IndexMethod::Spatial => "spatial",
        }
    }

    /// MySQL's and MariaDB's own kinds of index, written before `INDEX`.
    pub fn is_mysql_kind(self) -> bool {
        matches!(self, IndexMethod::Fulltext | IndexMethod::Spatial)
    }
}

impl fmt::Display for IndexMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An index's options. Per-key-part lists (`descending`, `opclasses`,
/// `prefix_lengths`) count the key parts in order, the columns then the
/// expressions, and are empty when no part has one (see
/// [`IndexOptions::tidy`]), so a plain index has every option at its default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IndexOptions {
    /// Key parts that are SQL expressions over column names, after the
    /// plain columns, in normal spelling (see [`crate::expr::normalize`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expressions: Vec<String>,
    /// Which key parts sort descending.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub descending: Vec<bool>,
    /// The method; `None` is B-tree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub using: Option<IndexMethod>,
    /// A partial index's predicate, SQL over column names in normal spelling.
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
    /// Each key part's operator class (PostgreSQL), empty for the default.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub opclasses: Vec<String>,
    /// Each key part's prefix length (MySQL/MariaDB), 0 for the whole value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prefix_lengths: Vec<u32>,
}

impl IndexOptions {
    /// No option differs from its default.
    pub fn is_plain(&self) -> bool {
        *self == IndexOptions::default()
    }

    /// The one spelling of these options for an index of `parts` key
    /// parts: a per-part list is empty when every part has the default,
    /// else exactly `parts` long (padded with defaults).
    pub fn tidy(mut self, parts: usize) -> IndexOptions {
        fn fit<T: Clone + Default + PartialEq>(v: &mut Vec<T>, parts: usize) {
            if v.iter().all(|x| *x == T::default()) {
                v.clear();
            } else {
                v.resize(parts.max(v.len()), T::default());
            }
        }
        fit(&mut self.descending, parts);
        fit(&mut self.opclasses, parts);
        fit(&mut self.prefix_lengths, parts);
        self
    }

    /// Whether key part `i` sorts descending.
    pub fn is_descending(&self, i: usize) -> bool {
        self.descending.get(i).copied().unwrap_or(false)
    }

    /// Key part `i`'s operator class, if it names one.
    pub fn opclass(&self, i: usize) -> Option<&str> {
        self.opclasses
            .get(i)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }

    /// Key part `i`'s prefix length, if it has one.
    pub fn prefix_length(&self, i: usize) -> Option<u32> {
        self.prefix_lengths.get(i).copied().filter(|n| *n > 0)
    }

    /// The options with every column reference `old` in expressions and
    /// the predicate written `new`.
    pub fn rename_column(&self, old: &str, new: &str) -> Result<IndexOptions, String> {
        let mut out = self.clone();
        for e in &mut out.expressions {
            *e = crate::expr::rename_column(e, old, new)?;
        }
        if let Some(p) = &mut out.predicate {
            *p = crate::expr::rename_column(p, old, new)?;
        }
        Ok(out)
    }

    /// The column names the expressions and the predicate refer to.
    pub fn columns(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for e in self.expressions.iter().chain(self.predicate.iter()) {
            for c in crate::expr::columns(e).unwrap_or_default() {
                if !out.contains(&c) {
                    out.push(c);
                }
            }
        }
        out
    }

    /// A short description of what is not plain, for messages:
    /// `using gin, where active`.
    pub fn describe(&self, columns: &[String]) -> String {
        let mut parts: Vec<String> = Vec::new();
        let keys: Vec<String> = columns
            .iter()
            .cloned()
            .chain(self.expressions.iter().map(|e| format!("({e})")))
            .enumerate()
            .map(|(i, k)| {
                let mut k = k;
                if let Some(n) = self.prefix_length(i) {
                    k = format!("{k}({n})");
                }
                if let Some(o) = self.opclass(i) {
                    k = format!("{k} {o}");
                }
                if self.is_descending(i) {
                    k.push_str(" DESC");
                }
                k
            })
            .collect();
        parts.push(format!("({})", keys.join(", ")));
        if let Some(m) = self.using {
            parts.push(format!("using {m}"));
        }
        if let Some(p) = &self.predicate {
            parts.push(format!("where {p}"));
        }
        parts.join(" ")
    }
}

/// Splits a trailing ` DESC` or ` ASC` (any case) off a key part as
/// written in `fields(…)` or `expressions(…)`: the part and whether it sorts
/// descending.
pub fn split_order(part: &str) -> (&str, bool) {
    let t = part.trim_end();
    for (word, desc) in [("desc", true), ("asc", false)] {
        if t.len() > word.len() {
            let (head, tail) = t.split_at(t.len() - word.len());
            if tail.eq_ignore_ascii_case(word) && head.ends_with(char::is_whitespace) {
                return (head.trim_end(), desc);
            }
        }
    }
    (t, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_split_off_a_key_part() {
        assert_eq!(split_order("name DESC"), ("name", true));
        assert_eq!(split_order("name  asc "), ("name", false));
        assert_eq!(split_order("lower(email) desc"), ("lower(email)", true));
        assert_eq!(split_order("description"), ("description", false));
        assert_eq!(split_order("desc"), ("desc", false));
    }

    #[test]
    fn tidy_gives_one_spelling() {
        let o = IndexOptions {
            descending: vec![false, false],
            opclasses: vec!["".into(), "text_pattern_ops".into()],
            prefix_lengths: vec![10],
            ..Default::default()
        }
        .tidy(2);
        assert!(o.descending.is_empty());
        assert_eq!(o.opclasses, ["", "text_pattern_ops"]);
        assert_eq!(o.prefix_lengths, [10, 0]);
        assert_eq!(o.opclass(0), None);
        assert_eq!(o.prefix_length(1), None);
    }

    #[test]
    fn methods_parse_with_btree_as_none() {
        assert_eq!(IndexMethod::parse("BTREE"), Some(None));
        assert_eq!(IndexMethod::parse("gin"), Some(Some(IndexMethod::Gin)));
        assert_eq!(IndexMethod::parse("rtree"), None);
    }
}
