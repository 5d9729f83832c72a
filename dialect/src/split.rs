//! Splitting RunSql text into statements with sqlparser's tokenizer, so a
//! semicolon inside a string, a comment or the body of a compound statement
//! (trigger, routine, event, block) does not split; and recognising the
//! statements that control the transaction, which remodel manages itself.

use crate::DialectKind;
use sqlparser::dialect::{Dialect as SqlDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer};

fn sql_dialect(kind: DialectKind) -> Box<dyn SqlDialect> {
    match kind {
        DialectKind::Sqlite => Box::new(SQLiteDialect {}),
        DialectKind::Postgres => Box::new(PostgreSqlDialect {}),
        DialectKind::Mysql => Box::new(MySqlDialect {}),
    }
}

/// The tokens of `sql` other than whitespace and comments.
fn significant_tokens(sql: &str, kind: DialectKind) -> Result<Vec<TokenWithSpan>, String> {
    let dialect = sql_dialect(kind);
    let mut tokens = Tokenizer::new(dialect.as_ref(), sql)
        .tokenize_with_location()
        .map_err(|e| e.to_string())?;
    tokens.retain(|t| !matches!(t.token, Token::Whitespace(_)));
    Ok(tokens)
}

/// The upper-cased text of an unquoted word: a quoted identifier is never a
/// keyword. Compared as text because sqlparser has no keyword for some
/// (LOOP, REPEAT, FOLLOWS, XA).
fn word(t: Option<&Token>) -> Option<String> {
    match t {
        Some(Token::Word(w)) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
        _ => None,
    }
}

/// Whether `t` is the unquoted word `kw` (given in upper case).
fn is_word(t: Option<&Token>, kw: &str) -> bool {
    matches!(t, Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw))
}

/// Whether `t` is one of the unquoted words `kws`.
fn is_any(t: Option<&Token>, kws: &[&str]) -> bool {
    kws.iter().any(|kw| is_word(t, kw))
}

/// The token at `i`, if any.
fn at(tokens: &[TokenWithSpan], i: usize) -> Option<&Token> {
    tokens.get(i).map(|t| &t.token)
}

/// Whether the statement starting at `tokens[0]` has a body of statements
/// that END closes: `CREATE … TRIGGER|PROCEDURE|FUNCTION|EVENT` (past OR
/// REPLACE, DEFINER = user, TEMP/TEMPORARY and AGGREGATE), `ALTER … EVENT`
/// (its DO may hold a new body), or, on MariaDB,
/// a compound statement outside a routine (`BEGIN NOT ATOMIC`, IF, CASE,
/// LOOP, WHILE, REPEAT, or one of those labelled).
fn has_body(tokens: &[TokenWithSpan], kind: DialectKind) -> bool {
    if kind == DialectKind::Mysql
        && ((is_word(at(tokens, 0), "BEGIN") && is_word(at(tokens, 2), "ATOMIC"))
            || is_any(at(tokens, 0), &["IF", "CASE", "LOOP", "WHILE", "REPEAT"])
            || matches!(at(tokens, 1), Some(Token::Colon)))
    {
        return true;
    }
    if !is_any(at(tokens, 0), &["CREATE", "ALTER"]) {
        return false;
    }
    let mut i = 1;
    if is_word(at(tokens, i), "OR") && is_word(at(tokens, i + 1), "REPLACE") {
        i += 2;
    }
    if is_word(at(tokens, i), "DEFINER") {
        i = skip_user(tokens, i + 1);
    }
    if is_any(at(tokens, i), &["TEMP", "TEMPORARY", "AGGREGATE"]) {
        i += 1;
    }
    is_any(
        at(tokens, i),
        &["TRIGGER", "PROCEDURE", "FUNCTION", "EVENT"],
    )
}

/// The index past `= user` starting at `i`; the tokenizer gives `'u'@'h'`,
/// `` `u`@`h` ``, `u@h`, `u@'h'` and `CURRENT_USER()` in different shapes.
fn skip_user(tokens: &[TokenWithSpan], mut i: usize) -> usize {
    if matches!(at(tokens, i), Some(Token::Eq)) {
        i += 1;
    }
    let name_ends_with_at = matches!(at(tokens, i), Some(Token::Word(w)) if w.value.ends_with('@'));
    i += if name_ends_with_at { 2 } else { 1 };
    match (at(tokens, i), at(tokens, i + 1)) {
        (Some(Token::AtSign), _) => i + 2,
        (Some(Token::LParen), Some(Token::RParen)) => i + 2,
        _ => i,
    }
}

/// A construct inside a compound statement's body that END closes, so a
/// semicolon inside it does not end the statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    Begin,
    Case,
    If,
    Loop,
    While,
    Repeat,
}

impl Block {
    /// The construct MySQL's `END <word>` closes (`END IF`, `END CASE`, …).
    fn named(t: Option<&Token>) -> Option<Block> {
        match word(t)?.as_str() {
            "CASE" => Some(Block::Case),
            "IF" => Some(Block::If),
            "LOOP" => Some(Block::Loop),
            "WHILE" => Some(Block::While),
            "REPEAT" => Some(Block::Repeat),
            _ => None,
        }
    }
}

/// Whether a BEGIN or END after `prev` and before `next` is a name rather
/// than a keyword: MySQL and SQLite let columns and routines be called so
/// (`NEW.end`, `SET begin = 1`, `UPDATE OF end`, `CREATE FUNCTION begin()`).
fn is_name(prev: Option<&Token>, next: Option<&Token>) -> bool {
    const BEFORE_NAMES: &[&str] = &[
        "SET",
        "SELECT",
        "WHERE",
        "AND",
        "OR",
        "ON",
        "BY",
        "AS",
        "WHEN",
        "INTO",
        "TABLE",
        "OF",
        "FUNCTION",
        "PROCEDURE",
    ];
    matches!(
        prev,
        Some(Token::Period | Token::Comma | Token::LParen | Token::Eq)
    ) || is_any(prev, BEFORE_NAMES)
        || matches!(next, Some(Token::Period | Token::LParen))
}

/// Whether a MySQL statement can start at `tokens[i]`: first in the text,
/// after a semicolon, a label, a keyword that opens a list of statements,
/// or where a trigger's, event's or routine's header ends. IF and REPEAT
/// elsewhere are functions.
fn starts_statement(tokens: &[TokenWithSpan], i: usize) -> bool {
    const BEFORE_STATEMENTS: &[&str] = &[
        "BEGIN",
        "THEN",
        "ELSE",
        "DO",
        "LOOP",
        "REPEAT",
        "ROW",
        "DETERMINISTIC",
        "SQL",
        "DATA",
        "INVOKER",
        "DEFINER",
    ];
    let Some(j) = i.checked_sub(1) else {
        return true;
    };
    let prev = at(tokens, j);
    matches!(prev, Some(Token::SemiColon | Token::Colon | Token::RParen))
        || is_any(prev, BEFORE_STATEMENTS)
        // FOR EACH ROW {FOLLOWS|PRECEDES} other_trigger
        || j.checked_sub(1).is_some_and(|k| is_any(at(tokens, k), &["FOLLOWS", "PRECEDES"]))
}

/// The constructs open at a point of a compound statement's body.
#[derive(Debug, Default)]
struct Nesting(Vec<Block>);

impl Nesting {
    /// Takes the token at `i` of the statement beginning at `tokens[0]` into
    /// account.
    fn step(&mut self, tokens: &[TokenWithSpan], i: usize, kind: DialectKind) {
        let prev = i.checked_sub(1).and_then(|j| at(tokens, j));
        let next = at(tokens, i + 1);
        // The word after END is what it closes or a label, never an opener.
        let before_prev = i.checked_sub(2).and_then(|j| at(tokens, j));
        if is_word(prev, "END") && !is_name(before_prev, at(tokens, i)) {
            return;
        }
        let Some(w) = word(at(tokens, i)) else {
            return;
        };
        match w.as_str() {
            "BEGIN" if !is_name(prev, next) => self.0.push(Block::Begin),
            "CASE" => self.0.push(Block::Case),
            "END" if !is_name(prev, next) => self.close(Block::named(next)),
            // MySQL's statements that END IF/LOOP/WHILE/REPEAT close.
            "IF" | "LOOP" | "WHILE" | "REPEAT"
                if kind == DialectKind::Mysql && starts_statement(tokens, i) =>
            {
                self.0.extend(Block::named(at(tokens, i)));
            }
            _ => {}
        }
    }

    /// Closes a construct: `END <construct>` only that one, when it is the
    /// innermost (END IF never closes a BEGIN); a plain END the innermost
    /// BEGIN or CASE, with anything left open inside it (an IF() function
    /// taken for a statement).
    fn close(&mut self, named: Option<Block>) {
        match named {
            Some(block) if self.0.last() == Some(&block) => {
                self.0.pop();
            }
            Some(_) => {}
            None => {
                while let Some(block) = self.0.pop() {
                    if matches!(block, Block::Begin | Block::Case) {
                        break;
                    }
                }
            }
        }
    }
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
/// written; statements made only of comments are dropped. A semicolon inside
/// a string, a comment, a dollar-quoted body or the body of a compound
/// statement (BEGIN … END, MySQL's IF … END IF and the like) does not split.
pub fn split(sql: &str, kind: DialectKind) -> Result<Vec<String>, String> {
    let tokens = significant_tokens(sql, kind)?;
    let mut line_starts = vec![0];
    line_starts.extend(sql.match_indices('\n').map(|(i, _)| i + 1));
    let text = |statement: &[TokenWithSpan]| {
        let (first, last) = (statement.first()?, statement.last()?);
        let a = offset(&line_starts, sql, first.span.start);
        let b = offset(&line_starts, sql, last.span.end);
        Some(sql[a..b].to_string())
    };

    let mut out = Vec::new();
    let mut start = 0;
    let mut body = has_body(&tokens, kind);
    let mut nesting = Nesting::default();
    for (i, t) in tokens.iter().enumerate() {
        if t.token == Token::SemiColon && nesting.0.is_empty() {
            out.extend(text(&tokens[start..i]));
            start = i + 1;
            body = has_body(&tokens[start..], kind);
        } else if body {
            nesting.step(&tokens[start..], i - start, kind);
        }
    }
    out.extend(text(&tokens[start..]));
    Ok(out)
}

/// For one statement as [`split`] returns it, the keyword(s) it starts with
/// when it controls the transaction (BEGIN, START TRANSACTION, COMMIT, END,
/// ROLLBACK, ABORT, SAVEPOINT, RELEASE, PREPARE TRANSACTION; MySQL's XA and
/// LOCK/UNLOCK TABLES, which commit implicitly), upper-cased; `None`
/// otherwise. remodel manages each migration's transaction itself, so the
/// runner refuses RunSql holding such a statement. Leading comments are
/// skipped; a block (`BEGIN ATOMIC`, `BEGIN NOT ATOMIC`) is not a BEGIN.
pub fn transaction_control(statement: &str, kind: DialectKind) -> Option<String> {
    use DialectKind::{Mysql, Postgres, Sqlite};
    let tokens = significant_tokens(statement, kind).ok()?;
    let w = |i: usize| word(at(&tokens, i));
    let first = w(0)?;
    let second = w(1).unwrap_or_default();
    let words = match (first.as_str(), kind) {
        ("BEGIN", _)
            if second == "ATOMIC" || (second == "NOT" && w(2).as_deref() == Some("ATOMIC")) =>
        {
            return None;
        }
        ("BEGIN" | "COMMIT" | "ROLLBACK" | "SAVEPOINT" | "RELEASE", _) => 1,
        // END is COMMIT on PostgreSQL and SQLite; ABORT is ROLLBACK.
        ("END", Postgres | Sqlite) | ("ABORT", Postgres) | ("XA", Mysql) => 1,
        ("START", _) | ("PREPARE", Postgres) if second == "TRANSACTION" => 2,
        ("LOCK" | "UNLOCK", Mysql) if second == "TABLE" || second == "TABLES" => 2,
        _ => return None,
    };
    Some((0..words).filter_map(w).collect::<Vec<_>>().join(" "))
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

    /// Splits and checks the number of statements, showing them on failure.
    fn parts(sql: &str, kind: DialectKind, n: usize) -> Vec<String> {
        let parts = split(sql, kind).unwrap();
        assert_eq!(parts.len(), n, "{parts:#?}");
        parts
    }

    #[test]
    fn mysql_end_if_loop_while_repeat_do_not_end_a_trigger_body() {
        let sql = "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN \
                   IF NEW.a < 0 THEN SET NEW.a = 0; ELSEIF NEW.a > 9 THEN SET NEW.a = 9; END IF; \
                   l1: LOOP LEAVE l1; END LOOP l1; \
                   WHILE @i < 3 DO SET @i = @i + 1; END WHILE; \
                   REPEAT SET @i = @i - 1; UNTIL @i = 0 END REPEAT; \
                   SET NEW.b = 1; END; SELECT 1";
        let parts = parts(sql, DialectKind::Mysql, 2);
        assert!(parts[0].ends_with("SET NEW.b = 1; END"), "{parts:#?}");
        assert_eq!(parts[1], "SELECT 1");
    }

    #[test]
    fn mysql_case_closes_with_end_or_end_case() {
        let sql = "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN \
                   SET NEW.a = CASE WHEN NEW.b THEN 1 ELSE 0 END; \
                   CASE NEW.c WHEN 1 THEN SET NEW.d = 1; ELSE SET NEW.d = 2; END CASE; \
                   SET NEW.e = 1; END; SELECT 1";
        let parts = parts(sql, DialectKind::Mysql, 2);
        assert!(parts[0].ends_with("SET NEW.e = 1; END"), "{parts:#?}");
        for kind in [
            DialectKind::Mysql,
            DialectKind::Postgres,
            DialectKind::Sqlite,
        ] {
            assert_eq!(
                split("SELECT CASE WHEN a THEN 1 ELSE 0 END; SELECT 2", kind).unwrap(),
                vec!["SELECT CASE WHEN a THEN 1 ELSE 0 END", "SELECT 2"]
            );
        }
    }

    #[test]
    fn mysql_trigger_body_without_begin_stays_whole() {
        let sql = "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW \
                   IF NEW.a < 0 THEN SET NEW.a = 0; IF NEW.b THEN SET NEW.b = 0; END IF; END IF; \
                   SELECT 1";
        let parts = parts(sql, DialectKind::Mysql, 2);
        assert!(parts[0].ends_with("END IF; END IF"), "{parts:#?}");
    }

    #[test]
    fn mysql_routines_and_events_stay_whole() {
        for head in [
            "CREATE PROCEDURE p() BEGIN",
            "CREATE PROCEDURE p(IN x INT) READS SQL DATA COMMENT 'c;' BEGIN",
            "CREATE FUNCTION f() RETURNS INT DETERMINISTIC BEGIN",
            "CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO BEGIN",
            "CREATE DEFINER = 'u'@'localhost' PROCEDURE p() BEGIN",
            "CREATE DEFINER=root@localhost FUNCTION f() RETURNS INT BEGIN",
            "CREATE DEFINER = `u`@`%` EVENT e ON SCHEDULE EVERY 1 DAY DO BEGIN",
            "CREATE DEFINER = CURRENT_USER() TRIGGER tr AFTER INSERT ON t FOR EACH ROW BEGIN",
            "CREATE DEFINER = CURRENT_USER TRIGGER tr AFTER INSERT ON t FOR EACH ROW BEGIN",
            "CREATE OR REPLACE PROCEDURE p() BEGIN",
            "CREATE OR REPLACE DEFINER = u@'%' TRIGGER tr AFTER INSERT ON t FOR EACH ROW BEGIN",
            "BEGIN NOT ATOMIC",
        ] {
            let sql = format!(
                "{head} SELECT 1; inner_block: BEGIN SELECT 2; BEGIN SELECT 3; END; END inner_block; \
                 SELECT CASE WHEN 1 THEN 2 END; END; SELECT 4"
            );
            let parts = parts(&sql, DialectKind::Mysql, 2);
            assert!(
                parts[0].starts_with(head) && parts[0].ends_with("END; END"),
                "{parts:#?}"
            );
            assert_eq!(parts[1], "SELECT 4");
        }
    }

    #[test]
    fn mariadb_top_level_compound_statements_stay_whole() {
        let sql = "IF @a THEN SELECT 1; ELSE SELECT 2; END IF; \
                   lbl: LOOP SELECT 3; LEAVE lbl; END LOOP lbl; SELECT 4";
        let parts = parts(sql, DialectKind::Mysql, 3);
        assert!(parts[0].ends_with("END IF"), "{parts:#?}");
        assert!(parts[1].ends_with("END LOOP lbl"), "{parts:#?}");
    }

    #[test]
    fn mysql_transaction_begin_is_not_a_block() {
        assert_eq!(
            split(
                "BEGIN; INSERT INTO t VALUES (1); COMMIT",
                DialectKind::Mysql
            )
            .unwrap(),
            vec!["BEGIN", "INSERT INTO t VALUES (1)", "COMMIT"]
        );
    }

    #[test]
    fn columns_and_routines_named_begin_or_end_are_not_blocks() {
        let mysql = "CREATE TRIGGER tr BEFORE UPDATE ON t FOR EACH ROW \
                     SET NEW.end = NEW.begin; SELECT 1";
        parts(mysql, DialectKind::Mysql, 2);
        let sqlite = "CREATE TRIGGER tr AFTER INSERT ON t BEGIN \
                      UPDATE t SET begin = 1, end = new.end; END; SELECT 1";
        parts(sqlite, DialectKind::Sqlite, 2);
        let pg = "CREATE FUNCTION begin() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql; SELECT 2";
        parts(pg, DialectKind::Postgres, 2);
    }

    #[test]
    fn sqlite_temp_triggers_stay_whole() {
        for head in [
            "CREATE TEMP TRIGGER",
            "CREATE TEMPORARY TRIGGER IF NOT EXISTS",
        ] {
            let sql = format!(
                "{head} tr AFTER INSERT ON t WHEN new.a IS NULL BEGIN SELECT 1; SELECT 2; END; SELECT 3"
            );
            parts(&sql, DialectKind::Sqlite, 2);
        }
    }

    #[test]
    fn postgres_begin_atomic_bodies_stay_whole() {
        for sql in [
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END; SELECT 3",
            "CREATE OR REPLACE FUNCTION f(a int) RETURNS int LANGUAGE sql \
             BEGIN ATOMIC SELECT CASE WHEN a > 0 THEN 1 END; SELECT 2; END; SELECT 3",
            "CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); DELETE FROM u; END; SELECT 3",
        ] {
            let parts = parts(sql, DialectKind::Postgres, 2);
            assert!(parts[0].ends_with("; END"), "{parts:#?}");
            assert_eq!(parts[1], "SELECT 3");
        }
    }

    #[test]
    fn postgres_tagged_dollar_quotes_stay_whole() {
        let sql = "CREATE FUNCTION f() RETURNS int AS $fn$ BEGIN RETURN 1; END; $x$ ; $fn$ LANGUAGE plpgsql; SELECT 2";
        let parts = parts(sql, DialectKind::Postgres, 2);
        assert!(parts[0].ends_with("$fn$ LANGUAGE plpgsql"), "{parts:#?}");
    }

    #[test]
    fn a_block_after_a_column_named_end_opens() {
        // `end` is a column here, so the BEGIN after it is not what END closes.
        let sql = "CREATE TRIGGER tr AFTER INSERT ON t WHEN new.a = new.end BEGIN \
                   SELECT 1; SELECT 2; END; SELECT 3";
        parts(sql, DialectKind::Sqlite, 2);
    }

    #[test]
    fn mysql_if_and_repeat_functions_open_nothing() {
        for body in [
            "BEGIN SET NEW.a = CASE WHEN NEW.b THEN IF(NEW.c, 1, 2) ELSE REPEAT('x', 2) END; \
             DO IF(1, 2, 3); SET NEW.d = IF(NEW.e, 1, 2); END",
            "SET NEW.a = CASE WHEN NEW.b THEN IF(NEW.c, 1, 2) ELSE REPEAT('x', 2) END",
            "FOLLOWS other IF NEW.a THEN SET NEW.b = 1; END IF",
        ] {
            let sql = format!(
                "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW {body}; SELECT IF(1, 2, 3); SELECT 4"
            );
            let parts = parts(&sql, DialectKind::Mysql, 3);
            assert_eq!(parts[1..], ["SELECT IF(1, 2, 3)", "SELECT 4"]);
        }
    }

    #[test]
    fn alter_event_bodies_and_triggers_on_a_column_named_begin_stay_whole() {
        let mysql =
            "ALTER DEFINER = CURRENT_USER EVENT e DO BEGIN SELECT 1; SELECT 2; END; SELECT 3";
        parts(mysql, DialectKind::Mysql, 2);
        let sqlite =
            "CREATE TRIGGER tr AFTER UPDATE OF begin ON t BEGIN SELECT 1; SELECT 2; END; SELECT 3";
        parts(sqlite, DialectKind::Sqlite, 2);
    }

    /// `transaction_control` over each statement, for one dialect.
    fn controls(kind: DialectKind, statements: &[&str]) -> Vec<Option<String>> {
        statements
            .iter()
            .map(|s| transaction_control(s, kind))
            .collect()
    }

    fn some(words: &[&str]) -> Vec<Option<String>> {
        words.iter().map(|w| Some(w.to_string())).collect()
    }

    #[test]
    fn transaction_control_in_every_dialect() {
        for kind in [
            DialectKind::Sqlite,
            DialectKind::Postgres,
            DialectKind::Mysql,
        ] {
            assert_eq!(
                controls(
                    kind,
                    &[
                        "BEGIN",
                        "-- why\n/* now */ begin work",
                        "START TRANSACTION",
                        "COMMIT",
                        "rollback to savepoint s",
                        "SAVEPOINT s",
                        "RELEASE SAVEPOINT s",
                    ]
                ),
                some(&[
                    "BEGIN",
                    "BEGIN",
                    "START TRANSACTION",
                    "COMMIT",
                    "ROLLBACK",
                    "SAVEPOINT",
                    "RELEASE"
                ]),
                "{kind:?}"
            );
            let none = controls(
                kind,
                &[
                    "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
                    "UPDATE t SET begin = 1",
                    "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW BEGIN UPDATE u SET a = 1; END",
                    "SELECT 'COMMIT'",
                    "\"begin\"",
                    "START REPLICA",
                    "-- COMMIT",
                ],
            );
            assert!(none.iter().all(Option::is_none), "{kind:?}: {none:?}");
        }
    }

    #[test]
    fn transaction_control_per_dialect() {
        use DialectKind::{Mysql, Postgres, Sqlite};
        assert_eq!(
            controls(Sqlite, &["END TRANSACTION", "BEGIN IMMEDIATE", "RELEASE s"]),
            some(&["END", "BEGIN", "RELEASE"])
        );
        assert_eq!(
            controls(
                Postgres,
                &[
                    "END",
                    "ABORT",
                    "BEGIN ISOLATION LEVEL SERIALIZABLE",
                    "PREPARE TRANSACTION 'x'",
                    "COMMIT PREPARED 'x'",
                ]
            ),
            some(&["END", "ABORT", "BEGIN", "PREPARE TRANSACTION", "COMMIT"])
        );
        assert_eq!(
            controls(
                Postgres,
                &[
                    "BEGIN ATOMIC SELECT 1; END",
                    "LOCK TABLE t",
                    "PREPARE q AS SELECT 1"
                ]
            ),
            vec![None, None, None]
        );
        assert_eq!(
            controls(
                Mysql,
                &[
                    "LOCK TABLES t WRITE",
                    "lock table t read",
                    "UNLOCK TABLES",
                    "XA START 'x'"
                ]
            ),
            some(&["LOCK TABLES", "LOCK TABLE", "UNLOCK TABLES", "XA"])
        );
        assert_eq!(
            controls(
                Mysql,
                &[
                    "BEGIN NOT ATOMIC SELECT 1; END",
                    "lbl: BEGIN SELECT 1; END lbl",
                    "END",
                    "ABORT",
                    "LOCK INSTANCE FOR BACKUP",
                ]
            ),
            vec![None, None, None, None, None]
        );
        assert_eq!(
            controls(Sqlite, &["ABORT", "LOCK TABLES t"]),
            vec![None, None]
        );
    }
}
