//! SQL expressions kept in the schema: check constraints and `default_sql`.
//!
//! They are parsed with sqlparser so that the state holds one normal spelling
//! (spacing, keyword case, identifier quotes), renames can rewrite column
//! names, and each dialect can quote identifiers its own way.

use sqlparser::ast::{Expr, Ident, visit_expressions, visit_expressions_mut};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;
use std::ops::ControlFlow;

fn parse(sql: &str) -> Result<Expr, String> {
    let dialect = GenericDialect {};
    let mut parser = Parser::new(&dialect)
        .try_with_sql(sql)
        .map_err(|e| e.to_string())?;
    let expr = parser.parse_expr().map_err(|e| e.to_string())?;
    // Anything after the expression (a second statement, stray tokens) is an error.
    let next = parser.peek_token();
    if next.token != sqlparser::tokenizer::Token::EOF {
        return Err(format!("unexpected `{}` after the expression", next.token));
    }
    Ok(expr)
}

fn is_plain(ident: &Ident) -> bool {
    let v = &ident.value;
    !v.is_empty()
        && v.chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Sets the quote style of every column identifier.
fn quote_idents(expr: &mut Expr, style: impl Fn(&Ident) -> Option<char>) {
    let _ = visit_expressions_mut(expr, |e| {
        match e {
            Expr::Identifier(id) => id.quote_style = style(id),
            Expr::CompoundIdentifier(ids) => {
                for id in ids {
                    id.quote_style = style(id);
                }
            }
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
}

/// Unquoted identifiers are case-insensitive in SQL: fold them to lower case.
fn fold_case(expr: &mut Expr) {
    let _ = visit_expressions_mut(expr, |e| {
        let fold = |id: &mut Ident| {
            if id.quote_style.is_none() {
                id.value = id.value.to_lowercase();
            }
        };
        match e {
            Expr::Identifier(id) => fold(id),
            Expr::CompoundIdentifier(ids) => ids.iter_mut().for_each(fold),
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
}

/// Parses an SQL expression and returns its normal spelling: unquoted
/// identifiers folded to lower case, plain lower-case identifiers unquoted,
/// others double-quoted, sqlparser's spacing.
pub fn normalize(sql: &str) -> Result<String, String> {
    let mut expr = parse(sql)?;
    fold_case(&mut expr);
    // Databases store `DEFAULT (x)` and `CHECK (x)` with parentheses the user did not write.
    while let Expr::Nested(inner) = expr {
        expr = *inner;
    }
    quote_idents(&mut expr, |id| if is_plain(id) { None } else { Some('"') });
    let text = expr.to_string();
    // A plain identifier that is also a keyword might not parse back unquoted:
    // then keep every identifier quoted.
    match parse(&text) {
        Ok(back) if back.to_string() == text => Ok(text),
        _ => {
            quote_idents(&mut expr, |_| Some('"'));
            Ok(expr.to_string())
        }
    }
}

/// The column names an expression refers to, in order of first appearance.
pub fn columns(sql: &str) -> Result<Vec<String>, String> {
    let mut expr = parse(sql)?;
    fold_case(&mut expr);
    let mut out: Vec<String> = Vec::new();
    let _ = visit_expressions(&expr, |e| {
        let name = match e {
            Expr::Identifier(id) => Some(&id.value),
            Expr::CompoundIdentifier(ids) => ids.last().map(|id| &id.value),
            _ => None,
        };
        if let Some(n) = name
            && !out.contains(n)
        {
            out.push(n.clone());
        }
        ControlFlow::<()>::Continue(())
    });
    Ok(out)
}

/// Rewrites references to column `old` as `new` and returns the normal spelling.
pub fn rename_column(sql: &str, old: &str, new: &str) -> Result<String, String> {
    let mut expr = parse(sql)?;
    let _ = visit_expressions_mut(&mut expr, |e| {
        match e {
            Expr::Identifier(id) if id.value == old => id.value = new.to_string(),
            Expr::CompoundIdentifier(ids) => {
                if let Some(id) = ids.last_mut().filter(|id| id.value == old) {
                    id.value = new.to_string();
                }
            }
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
    normalize(&expr.to_string())
}

/// SQL's niladic functions that parse as identifiers: never quoted.
const NILADIC: [&str; 5] = [
    "current_schema",
    "current_user",
    "session_user",
    "current_catalog",
    "current_role",
];

/// The expression with every identifier quoted by `quote` (`"` or `` ` ``), for rendering.
pub fn quoted(sql: &str, quote: char) -> Result<String, String> {
    let mut expr = parse(sql)?;
    quote_idents(&mut expr, |id| {
        let niladic =
            id.quote_style.is_none() && NILADIC.contains(&id.value.to_lowercase().as_str());
        (!niladic).then_some(quote)
    });
    Ok(expr.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_spacing_and_quotes() {
        assert_eq!(normalize("edad>=0").unwrap(), "edad >= 0");
        assert_eq!(normalize("\"edad\" >= 0").unwrap(), "edad >= 0");
        assert_eq!(normalize("\"Edad\" >= 0").unwrap(), "\"Edad\" >= 0");
        assert_eq!(normalize("EDAD >= 0").unwrap(), "edad >= 0");
        assert_eq!(
            normalize("estado in ('A','B')").unwrap(),
            normalize("estado IN ('A', 'B')").unwrap()
        );
        assert_eq!(normalize("CURRENT_TIMESTAMP").unwrap(), "CURRENT_TIMESTAMP");
        assert_eq!(normalize("((a > 1))").unwrap(), "a > 1");
    }

    #[test]
    fn rejects_what_is_not_one_expression() {
        assert!(normalize("edad >=").is_err());
        assert!(normalize("a > 0; DROP TABLE x").is_err());
        assert!(normalize("a > 0 b").is_err());
    }

    #[test]
    fn lists_columns_once_in_order() {
        assert_eq!(
            columns("fecha_fin IS NULL OR fecha_fin >= fecha_inicio").unwrap(),
            vec!["fecha_fin", "fecha_inicio"]
        );
        assert_eq!(columns("length(nombre) > 0").unwrap(), vec!["nombre"]);
    }

    #[test]
    fn renames_columns_not_strings_or_functions() {
        assert_eq!(
            rename_column(
                "nombre <> 'nombre' AND length(nombre) > 0",
                "nombre",
                "name"
            )
            .unwrap(),
            "name <> 'nombre' AND length(name) > 0"
        );
    }

    #[test]
    fn quotes_for_a_dialect() {
        assert_eq!(quoted("edad >= 0", '`').unwrap(), "`edad` >= 0");
        assert_eq!(quoted("edad >= 0", '"').unwrap(), "\"edad\" >= 0");
        assert_eq!(quoted("CURRENT_SCHEMA", '"').unwrap(), "CURRENT_SCHEMA");
    }
}
