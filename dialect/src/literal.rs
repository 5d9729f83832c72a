//! Rendering literals and defaults as SQL.

use remodel_model::{ColumnDefault, ColumnType, Literal, expr};

/// A string as a single-quoted SQL literal.
pub(crate) fn quote_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// `expr NOT IN ('a', 'b')` with `quote` quoting each item, or `TRUE` when
/// there is nothing to exclude (an empty list is no SQL on every database).
pub(crate) fn not_in<'a>(
    expr: &str,
    items: impl Iterator<Item = &'a String>,
    quote: impl Fn(&str) -> String,
) -> String {
    let items: Vec<String> = items.map(|s| quote(s)).collect();
    if items.is_empty() {
        "TRUE".into()
    } else {
        format!("{expr} NOT IN ({})", items.join(", "))
    }
}

/// A literal value for a column of type `ty`.
pub(crate) fn literal(lit: &Literal, ty: &ColumnType, bool_words: bool) -> String {
    match lit {
        Literal::Bool(b) if bool_words => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Literal::Bool(b) => if *b { "1" } else { "0" }.to_string(),
        Literal::Int(i) => i.to_string(),
        Literal::Float(x) => remodel_model::default::format_float(*x),
        // Decimals are kept as strings but are numbers in SQL.
        Literal::Str(s) if matches!(ty, ColumnType::Decimal { .. }) => s.clone(),
        Literal::Str(s) => quote_string(s),
    }
}

/// The SQL of a default, with identifiers quoted by `quote`.
pub(crate) fn default_sql(
    d: &ColumnDefault,
    ty: &ColumnType,
    quote: char,
    bool_words: bool,
) -> String {
    match d {
        ColumnDefault::Value(lit) => literal(lit, ty, bool_words),
        ColumnDefault::Sql(sql) => expr::quoted(sql, quote).unwrap_or_else(|_| sql.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped() {
        assert_eq!(quote_string("it's"), "'it''s'");
        assert_eq!(
            literal(&Literal::Str("a'b".into()), &ColumnType::Text, true),
            "'a''b'"
        );
        assert_eq!(
            literal(
                &Literal::Str("1.50".into()),
                &ColumnType::Decimal {
                    precision: 5,
                    scale: 2
                },
                true
            ),
            "1.50"
        );
        assert_eq!(
            literal(&Literal::Bool(true), &ColumnType::Boolean, true),
            "TRUE"
        );
        assert_eq!(
            literal(&Literal::Float(2.0), &ColumnType::Double, true),
            "2.0"
        );
    }
}
