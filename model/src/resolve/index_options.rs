//! Index options each configured database can build (DESIGN §11.1): one
//! it cannot is a portability error naming the index, the option and the
//! database, as for column attributes.

use super::ResolveError;
use crate::IndexMethod;
use crate::schema::{Index, Schema};
use std::collections::BTreeMap;

/// What `dialect` cannot build of an index: (option, why), or nothing.
fn refusals(ix: &Index, dialect: &str) -> Vec<(&'static str, String)> {
    let o = &ix.options;
    let mut out: Vec<(&'static str, String)> = Vec::new();
    let mysql = matches!(dialect, "mysql" | "mariadb");
    if !ix.include.is_empty() && dialect != "postgres" {
        out.push((
            "include",
            "has no covering (INCLUDE) columns; add them to `fields` instead".into(),
        ));
    }
    if !o.opclasses.is_empty() && dialect != "postgres" {
        out.push((
            "opclasses",
            "has no operator classes; they are PostgreSQL's".into(),
        ));
    }
    if !o.prefix_lengths.is_empty() && !mysql {
        out.push((
            "prefix_lengths",
            "indexes whole values; prefix lengths are MySQL's and MariaDB's".into(),
        ));
    }
    if o.predicate.is_some() && mysql {
        out.push((
            "where",
            "has no partial indexes; a unique one may become a generated column with a unique index in a RunSql migration".into(),
        ));
    }
    if !o.expressions.is_empty() && dialect == "mariadb" {
        out.push((
            "expressions",
            "has no expression key parts (MySQL 8.0.13 has); index a generated column instead"
                .into(),
        ));
    }
    if let Some(m) = o.using {
        let can = match dialect {
            "postgres" => !m.is_mysql_kind(),
            "mysql" | "mariadb" => m.is_mysql_kind(),
            _ => false,
        };
        if !can {
            let why = match (dialect, m) {
                ("sqlite", _) => "builds only B-tree indexes".to_string(),
                ("postgres", IndexMethod::Fulltext) => {
                    "has no FULLTEXT index; a GIN index over to_tsvector(…) is its way".to_string()
                }
                ("postgres", IndexMethod::Spatial) => {
                    "has no SPATIAL index; a GiST index is its way".to_string()
                }
                (_, IndexMethod::Hash) => {
                    "builds a B-tree when InnoDB is asked for a hash index, so the table would never match the model".to_string()
                }
                _ => format!("has no `{m}` index method"),
            };
            out.push(("using", why));
        }
    }
    if mysql && o.using.is_some_and(IndexMethod::is_mysql_kind) {
        if !o.descending.is_empty() {
            out.push(("fields", "sorts no FULLTEXT or SPATIAL key part".into()));
        }
        if !o.prefix_lengths.is_empty() {
            out.push((
                "prefix_lengths",
                "takes no prefix length on a FULLTEXT or SPATIAL index".into(),
            ));
        }
    }
    out
}

/// Reports each index option `dialect` cannot build.
pub(super) fn check(
    schema: &Schema,
    owners: &BTreeMap<String, usize>,
    dialect: &str,
    errs: &mut Vec<ResolveError>,
) {
    let database = match dialect {
        "postgres" => "PostgreSQL",
        "mysql" => "MySQL",
        "mariadb" => "MariaDB",
        "sqlite" => "SQLite",
        _ => return,
    };
    for (key, &i) in owners {
        let t = &schema.tables[key];
        for ix in &t.indexes {
            for (attr, why) in refusals(ix, dialect) {
                errs.push(
                    ResolveError::new(
                        i,
                        None,
                        Some(attr),
                        format!(
                            "index {} says `{attr}`, but {database} {why} (dialects in remodel.toml include {dialect})",
                            t.index_name(ix)
                        ),
                    )
                    .help(format!(
                        "drop `{attr}` from the index, or leave {dialect} out of `dialects`"
                    )),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IndexOptions;

    fn index(options: IndexOptions, include: &[&str]) -> Index {
        Index {
            name: Some("film_x".into()),
            fields: vec!["title".into()],
            include: include.iter().map(|s| s.to_string()).collect(),
            options,
            ..Default::default()
        }
    }

    fn refused(options: IndexOptions, include: &[&str], dialect: &str) -> Vec<&'static str> {
        refusals(&index(options, include), dialect)
            .into_iter()
            .map(|(a, _)| a)
            .collect()
    }

    #[test]
    fn each_database_refuses_what_it_cannot_build() {
        let gin = IndexOptions {
            using: Some(IndexMethod::Gin),
            ..Default::default()
        };
        assert!(refused(gin.clone(), &[], "postgres").is_empty());
        assert_eq!(refused(gin.clone(), &[], "sqlite"), ["using"]);
        assert_eq!(refused(gin, &[], "mysql"), ["using"]);
        let fulltext = IndexOptions {
            using: Some(IndexMethod::Fulltext),
            ..Default::default()
        };
        assert!(refused(fulltext.clone(), &[], "mariadb").is_empty());
        assert_eq!(refused(fulltext, &[], "postgres"), ["using"]);
        let partial = IndexOptions {
            predicate: Some("active".into()),
            ..Default::default()
        };
        assert!(refused(partial.clone(), &[], "sqlite").is_empty());
        assert!(refused(partial.clone(), &[], "postgres").is_empty());
        assert_eq!(refused(partial, &[], "mysql"), ["where"]);
        let expr = IndexOptions {
            expressions: vec!["lower(title)".into()],
            ..Default::default()
        };
        assert!(refused(expr.clone(), &[], "mysql").is_empty());
        assert_eq!(refused(expr, &[], "mariadb"), ["expressions"]);
        assert_eq!(
            refused(IndexOptions::default(), &["year"], "sqlite"),
            ["include"]
        );
        let prefix = IndexOptions {
            prefix_lengths: vec![10],
            ..Default::default()
        };
        assert_eq!(refused(prefix, &[], "postgres"), ["prefix_lengths"]);
    }
}
