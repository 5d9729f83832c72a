//! Splitting RunSql text into statements with sqlparser's tokenizer, so a
//! semicolon inside a string, a comment or a trigger body does not split.

use crate::DialectKind;
use sqlparser::dialect::{Dialect as SqlDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer};

fn sql_dialect(kind: DialectKind) -> Box<dyn SqlDialect> {
    match kind {
        DialectKind::Sqlite => Box::new(SQLiteDialect {}),
        DialectKind::Postgres => Box::new(PostgreSqlDialect {}),
        DialectKind::Mysql => Box::new(MySqlDialect {}),
    }
}

fn keyword(t: &Token) -> Option<Keyword> {
    match t {
        Token::Word(w) => Some(w.keyword),
        _ => None,
    }
}

/// Whether the statement so far begins `CREATE [TEMP|TEMPORARY] TRIGGER`.
fn is_trigger(tokens: &[&Token]) -> bool {
    let words: Vec<Keyword> = tokens.iter().filter_map(|t| keyword(t)).take(3).collect();
    matches!(
        words.as_slice(),
        [Keyword::CREATE, Keyword::TRIGGER, ..]
            | [
                Keyword::CREATE,
                Keyword::TEMP | Keyword::TEMPORARY,
                Keyword::TRIGGER
            ]
    )
}

/// Byte offset of a 1-based (line, column-in-characters) location.
fn offset(line_starts: &[usize], text: &str, loc: Location) -> usize {
    let Some(&start) = line_starts.get((loc.line as usize).saturating_sub(1)) else {
        return text.len();
    };
    text[start..]
        .char_indices()
        .nth((loc.column as usize).saturating_sub(1))
        .map_or(text.len(), |(i, _)| start + i)
}

/// Splits SQL into statements (without their semicolons), each exactly as
/// written; statements made only of comments are dropped.
pub fn split(sql: &str, kind: DialectKind) -> Result<Vec<String>, String> {
    let dialect = sql_dialect(kind);
    let tokens = Tokenizer::new(dialect.as_ref(), sql)
        .tokenize_with_location()
        .map_err(|e| e.to_string())?;
    let mut line_starts = vec![0];
    line_starts.extend(sql.match_indices('\n').map(|(i, _)| i + 1));

    let mut out = Vec::new();
    // Tokens of the current statement that are not whitespace or comments.
    let mut current: Vec<&TokenWithSpan> = Vec::new();
    let mut depth = 0usize;
    let mut finish = |current: &mut Vec<&TokenWithSpan>| {
        if let (Some(first), Some(last)) = (current.first(), current.last()) {
            let (a, b) = (
                offset(&line_starts, sql, first.span.start),
                offset(&line_starts, sql, last.span.end),
            );
            out.push(sql[a..b].to_string());
        }
        current.clear();
    };
    for t in &tokens {
        match &t.token {
            Token::Whitespace(_) => continue,
            Token::SemiColon if depth == 0 => {
                finish(&mut current);
                continue;
            }
            Token::Word(w) if is_trigger(&current.iter().map(|t| &t.token).collect::<Vec<_>>()) => {
                match w.keyword {
                    Keyword::BEGIN | Keyword::CASE => depth += 1,
                    Keyword::END => depth = depth.saturating_sub(1),
                    _ => {}
                }
            }
            _ => {}
        }
        current.push(t);
    }
    finish(&mut current);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_top_level_semicolons_only() {
        let sql =
            "UPDATE t SET a = 'x;y'; -- a comment; still a comment\nINSERT INTO t VALUES (1);;";
        assert_eq!(
            split(sql, DialectKind::Sqlite).unwrap(),
            vec!["UPDATE t SET a = 'x;y'", "INSERT INTO t VALUES (1)"]
        );
    }

    #[test]
    fn keeps_trigger_bodies_whole() {
        let sql = "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET a = CASE WHEN 1 THEN 2 END; DELETE FROM u; END; SELECT 1";
        let parts = split(sql, DialectKind::Sqlite).unwrap();
        assert_eq!(parts.len(), 2, "{parts:?}");
        assert!(parts[0].ends_with("DELETE FROM u; END"));
        assert!(parts[0].starts_with("CREATE TRIGGER tr"));
    }

    #[test]
    fn keeps_postgres_dollar_quotes_whole() {
        let sql = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql; SELECT 2";
        assert_eq!(
            split(sql, DialectKind::Postgres).unwrap(),
            vec![
                "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql",
                "SELECT 2"
            ]
        );
    }

    #[test]
    fn keeps_text_exactly_across_lines_and_unicode() {
        let sql = "UPDATE t\n   SET a = 'ñandú'  -- keep\n WHERE b = 1;\nSELECT 'é'";
        assert_eq!(
            split(sql, DialectKind::Sqlite).unwrap(),
            vec![
                "UPDATE t\n   SET a = 'ñandú'  -- keep\n WHERE b = 1",
                "SELECT 'é'"
            ]
        );
    }

    #[test]
    fn comments_alone_are_dropped_and_bad_tokens_are_errors() {
        assert!(
            split("-- nothing\n", DialectKind::Sqlite)
                .unwrap()
                .is_empty()
        );
        assert!(split("SELECT 'unterminated", DialectKind::Sqlite).is_err());
    }
}
