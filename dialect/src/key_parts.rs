//! An index's key parts as each database writes them: the columns (as the
//! caller quotes them), then the expressions in parentheses, each with its
//! operator class and DESC where the options say.

use remodel_model::{IndexOptions, expr};

/// The key parts of an index on `columns` (already quoted, with whatever
/// the dialect adds to a column, such as a prefix length) with `options`;
/// expressions' identifiers are quoted with `quote`.
pub(crate) fn key_parts(columns: Vec<String>, options: &IndexOptions, quote: char) -> Vec<String> {
    columns
        .into_iter()
        .chain(
            options
                .expressions
                .iter()
                .map(|e| format!("({})", expr::quoted(e, quote).unwrap_or_else(|_| e.clone()))),
        )
        .enumerate()
        .map(|(i, mut part)| {
            if let Some(class) = options.opclass(i) {
                part = format!("{part} {class}");
            }
            if options.is_descending(i) {
                part.push_str(" DESC");
            }
            part
        })
        .collect()
}
