//! What only a SQLite table's `CREATE TABLE` text says — no pragma reports
//! it: constraint names, CHECK expressions, column collations, generated
//! expressions, AUTOINCREMENT and DEFERRABLE clauses. A small tokenizer of
//! its own (not remodel's parser, not sqlparser): SQLite accepts type names
//! and spellings other parsers refuse, and the facts must not depend on the
//! code under test.

/// One token of SQL text, with where it sits.
#[derive(Debug, Clone, PartialEq)]
struct Token {
    kind: Kind,
    /// Byte offsets in the text.
    start: usize,
    end: usize,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    /// A bare word (keyword or name), as written.
    Word(String),
    /// A quoted name (`"x"`, `` `x` ``, `[x]`), unquoted.
    Name(String),
    /// A string literal or number.
    Literal,
    /// Any other character.
    Punct(char),
}

fn tokens(sql: &str) -> Vec<Token> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'-' && b.get(i + 1) == Some(&b'-') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                i += 1;
            }
            i = (i + 2).min(b.len());
        } else if matches!(c, b'\'' | b'"' | b'`' | b'[') {
            let close = if c == b'[' { b']' } else { c };
            i += 1;
            let mut name = String::new();
            while i < b.len() {
                if b[i] == close {
                    // A doubled quote is one quote character (not for `[`).
                    if close != b']' && b.get(i + 1) == Some(&close) {
                        name.push(close as char);
                        i += 2;
                        continue;
                    }
                    break;
                }
                let ch = sql[i..].chars().next().expect("inside the text");
                name.push(ch);
                i += ch.len_utf8();
            }
            i = (i + 1).min(b.len());
            let kind = if c == b'\'' {
                Kind::Literal
            } else {
                Kind::Name(name)
            };
            out.push(Token {
                kind,
                start,
                end: i,
            });
        } else if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            while i < b.len()
                && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$' || b[i] >= 0x80)
            {
                i += 1;
            }
            out.push(Token {
                kind: Kind::Word(sql[start..i].to_string()),
                start,
                end: i,
            });
        } else if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                i += 1;
            }
            out.push(Token {
                kind: Kind::Literal,
                start,
                end: i,
            });
        } else {
            let ch = sql[i..].chars().next().expect("inside the text");
            i += ch.len_utf8();
            out.push(Token {
                kind: Kind::Punct(ch),
                start,
                end: i,
            });
        }
    }
    out
}

/// What a `CREATE TABLE` statement says beyond the pragmas.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Ddl {
    /// AUTOINCREMENT on the key.
    pub autoincrement: bool,
    /// The primary key's constraint name.
    pub pk_name: Option<String>,
    /// Per column (lowercased name): its COLLATE.
    pub collations: Vec<(String, String)>,
    /// Per column (lowercased name): its generated expression, as written.
    pub generated: Vec<(String, String)>,
    /// CHECK constraints: name, expression as written.
    pub checks: Vec<(Option<String>, String)>,
    /// UNIQUE constraints that have a name: name, lowercased columns.
    pub unique_names: Vec<(String, Vec<String>)>,
    /// Foreign keys: name, lowercased columns, DEFERRABLE clause (lowercase).
    pub foreign_keys: Vec<(Option<String>, Vec<String>, Option<String>)>,
}

impl Ddl {
    /// The collation declared on a column.
    pub fn collation(&self, column: &str) -> Option<&str> {
        let c = column.to_lowercase();
        self.collations
            .iter()
            .find(|(n, _)| *n == c)
            .map(|(_, v)| v.as_str())
    }

    /// The generated expression of a column.
    pub fn generated(&self, column: &str) -> Option<&str> {
        let c = column.to_lowercase();
        self.generated
            .iter()
            .find(|(n, _)| *n == c)
            .map(|(_, v)| v.as_str())
    }
}

struct Parser<'a> {
    sql: &'a str,
    toks: Vec<Token>,
}

impl Parser<'_> {
    fn word(&self, i: usize) -> Option<String> {
        match &self.toks.get(i)?.kind {
            Kind::Word(w) => Some(w.to_uppercase()),
            _ => None,
        }
    }

    fn is(&self, i: usize, w: &str) -> bool {
        self.word(i).as_deref() == Some(w)
    }

    fn is_punct(&self, i: usize, c: char) -> bool {
        self.toks.get(i).is_some_and(|t| t.kind == Kind::Punct(c))
    }

    /// A name token's text (quoted names unquoted).
    fn name(&self, i: usize) -> Option<String> {
        match &self.toks.get(i)?.kind {
            Kind::Word(w) => Some(w.clone()),
            Kind::Name(n) => Some(n.clone()),
            Kind::Literal => {
                let t = &self.toks[i];
                Some(self.sql[t.start..t.end].trim_matches('\'').to_string())
            }
            Kind::Punct(_) => None,
        }
    }

    /// The index of the `)` closing the `(` at `open`.
    fn close(&self, open: usize, end: usize) -> usize {
        let mut depth = 0;
        for i in open..end {
            match self.toks[i].kind {
                Kind::Punct('(') => depth += 1,
                Kind::Punct(')') => {
                    depth -= 1;
                    if depth == 0 {
                        return i;
                    }
                }
                _ => {}
            }
        }
        end
    }

    /// The text between the `(` at `open` and its `)`, as written.
    fn inside(&self, open: usize, end: usize) -> (String, usize) {
        let close = self.close(open, end);
        let from = self.toks[open].end;
        let to = self.toks.get(close).map_or(self.sql.len(), |t| t.start);
        (self.sql[from..to].to_string(), close)
    }

    /// The names listed in the parenthesised group at `open` (the first
    /// token of each comma-separated part), lowercased.
    fn names_in(&self, open: usize, end: usize) -> (Vec<String>, usize) {
        let close = self.close(open, end);
        let mut out = Vec::new();
        let mut first = true;
        let mut depth = 0;
        for i in open + 1..close {
            match self.toks[i].kind {
                Kind::Punct('(') => depth += 1,
                Kind::Punct(')') => depth -= 1,
                Kind::Punct(',') if depth == 0 => {
                    first = true;
                    continue;
                }
                _ => {}
            }
            if first && depth == 0 {
                if let Some(n) = self.name(i) {
                    out.push(n.to_lowercase());
                }
                first = false;
            }
        }
        (out, close)
    }

    /// A foreign key's clauses after `REFERENCES table (cols)`: returns the
    /// DEFERRABLE clause, if any, and where the clauses end.
    fn reference_tail(&self, mut i: usize, end: usize) -> (Option<String>, usize) {
        let mut deferrable = None;
        while i < end {
            if self.is(i, "ON") {
                // ON DELETE|UPDATE action (SET NULL, SET DEFAULT, NO ACTION: two words).
                i += 2;
                if self.is(i, "SET") || self.is(i, "NO") {
                    i += 1;
                }
                i += 1;
            } else if self.is(i, "MATCH") {
                i += 2;
            } else if self.is(i, "DEFERRABLE")
                || (self.is(i, "NOT") && self.is(i + 1, "DEFERRABLE"))
            {
                let mut words = Vec::new();
                if self.is(i, "NOT") {
                    words.push("not".to_string());
                    i += 1;
                }
                words.push("deferrable".into());
                i += 1;
                if self.is(i, "INITIALLY") {
                    words.push("initially".into());
                    if let Some(w) = self.word(i + 1) {
                        words.push(w.to_lowercase());
                    }
                    i += 2;
                }
                deferrable = Some(words.join(" "));
            } else {
                break;
            }
        }
        (deferrable, i)
    }

    /// Reads the constraints of one column definition (`column` set) or
    /// one table constraint, from `i` to `end`.
    fn constraints(&self, ddl: &mut Ddl, column: Option<&str>, mut i: usize, end: usize) {
        let own = || column.map(|c| vec![c.to_lowercase()]).unwrap_or_default();
        let mut name: Option<String> = None;
        while i < end {
            let Some(w) = self.word(i) else {
                if self.is_punct(i, '(') {
                    i = self.close(i, end);
                }
                i += 1;
                continue;
            };
            match w.as_str() {
                "CONSTRAINT" => {
                    name = self.name(i + 1);
                    i += 2;
                    continue;
                }
                "PRIMARY" => {
                    ddl.pk_name = name.take();
                    i += 2;
                    continue;
                }
                "AUTOINCREMENT" => ddl.autoincrement = true,
                "UNIQUE" => {
                    let n = name.take();
                    let (cols, next) = if self.is_punct(i + 1, '(') {
                        let (c, close) = self.names_in(i + 1, end);
                        (c, close + 1)
                    } else {
                        (own(), i + 1)
                    };
                    if let Some(n) = n {
                        ddl.unique_names.push((n, cols));
                    }
                    i = next;
                    continue;
                }
                "CHECK" if self.is_punct(i + 1, '(') => {
                    let (expr, close) = self.inside(i + 1, end);
                    ddl.checks.push((name.take(), expr));
                    i = close + 1;
                    continue;
                }
                "COLLATE" => {
                    name = None;
                    if let (Some(c), Some(coll)) = (column, self.name(i + 1)) {
                        ddl.collations.push((c.to_lowercase(), coll));
                    }
                    i += 2;
                    continue;
                }
                "AS" if self.is_punct(i + 1, '(') => {
                    name = None;
                    let (expr, close) = self.inside(i + 1, end);
                    if let Some(c) = column {
                        ddl.generated.push((c.to_lowercase(), expr));
                    }
                    i = close + 1;
                    continue;
                }
                "DEFAULT" => {
                    name = None;
                    // Skip the value, so nothing in it reads as a keyword.
                    i += 1;
                    if self.is_punct(i, '-') || self.is_punct(i, '+') {
                        i += 1;
                    }
                    if self.is_punct(i, '(') {
                        i = self.close(i, end);
                    }
                }
                "FOREIGN" | "REFERENCES" => {
                    let n = name.take();
                    let mut cols = own();
                    if w == "FOREIGN" {
                        i += 2; // FOREIGN KEY
                        if self.is_punct(i, '(') {
                            let (c, close) = self.names_in(i, end);
                            cols = c;
                            i = close + 1;
                        }
                    }
                    // REFERENCES table [(cols)]
                    i += 2;
                    if self.is_punct(i, '(') {
                        i = self.close(i, end) + 1;
                    }
                    let (deferrable, next) = self.reference_tail(i, end);
                    ddl.foreign_keys.push((n, cols, deferrable));
                    i = next;
                    continue;
                }
                "NOT" | "NULL" | "GENERATED" => name = None,
                _ => {}
            }
            i += 1;
        }
    }
}

/// Reads a `CREATE TABLE` statement; what it cannot read stays empty.
pub(crate) fn parse(sql: &str) -> Ddl {
    let p = Parser {
        sql,
        toks: tokens(sql),
    };
    let mut ddl = Ddl::default();
    let Some(open) = (0..p.toks.len()).find(|&i| p.is_punct(i, '(')) else {
        return ddl;
    };
    let close = p.close(open, p.toks.len());
    // Split the definitions at top-level commas.
    let mut items = Vec::new();
    let mut start = open + 1;
    let mut depth = 0;
    for i in open + 1..close {
        match p.toks[i].kind {
            Kind::Punct('(') => depth += 1,
            Kind::Punct(')') => depth -= 1,
            Kind::Punct(',') if depth == 0 => {
                items.push((start, i));
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push((start, close));
    for (from, to) in items {
        if from >= to {
            continue;
        }
        let table_constraint = matches!(
            p.word(from).as_deref(),
            Some("CONSTRAINT" | "PRIMARY" | "UNIQUE" | "CHECK" | "FOREIGN")
        );
        if table_constraint {
            p.constraints(&mut ddl, None, from, to);
        } else if let Some(column) = p.name(from) {
            p.constraints(&mut ddl, Some(&column), from + 1, to);
        }
    }
    ddl
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_no_pragma_says() {
        let ddl = parse(
            "CREATE TABLE \"c\" (\n  id INTEGER CONSTRAINT c_pk PRIMARY KEY AUTOINCREMENT,\n  \
             [Name] VARCHAR(10) COLLATE NOCASE NOT NULL DEFAULT 'CHECK (x)' CHECK (length(name) > 0),\n  \
             d BLOB SUB_TYPE TEXT, -- a comment, with a comma\n  \
             up TEXT GENERATED ALWAYS AS (upper(\"Name\")) STORED,\n  \
             p_id INTEGER NOT NULL CONSTRAINT c_p REFERENCES p(id) ON UPDATE CASCADE ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED,\n  \
             q_id INTEGER REFERENCES q ON DELETE NO ACTION NOT NULL,\n  \
             CONSTRAINT c_u UNIQUE (p_id, \"q_id\"),\n  \
             UNIQUE (d),\n  \
             CONSTRAINT two CHECK (p_id <> q_id),\n  \
             FOREIGN KEY (p_id, q_id) REFERENCES pq (a, b) MATCH SIMPLE NOT DEFERRABLE\n) WITHOUT ROWID",
        );
        assert_eq!(
            ddl,
            Ddl {
                autoincrement: true,
                pk_name: Some("c_pk".into()),
                collations: vec![("name".into(), "NOCASE".into())],
                generated: vec![("up".into(), "upper(\"Name\")".into())],
                checks: vec![
                    (None, "length(name) > 0".into()),
                    (Some("two".into()), "p_id <> q_id".into()),
                ],
                unique_names: vec![("c_u".into(), vec!["p_id".into(), "q_id".into()])],
                foreign_keys: vec![
                    (
                        Some("c_p".into()),
                        vec!["p_id".into()],
                        Some("deferrable initially deferred".into())
                    ),
                    (None, vec!["q_id".into()], None),
                    (
                        None,
                        vec!["p_id".into(), "q_id".into()],
                        Some("not deferrable".into())
                    ),
                ],
            }
        );
        assert_eq!(ddl.collation("NAME"), Some("NOCASE"));
        assert_eq!(ddl.generated("Up"), Some("upper(\"Name\")"));
    }

    #[test]
    fn a_table_key_and_plain_columns() {
        let ddl = parse(
            "CREATE TABLE t(a INT, b TEXT, CONSTRAINT t_key PRIMARY KEY (a, b) ON CONFLICT ABORT)",
        );
        assert_eq!(ddl.pk_name.as_deref(), Some("t_key"));
        assert!(!ddl.autoincrement);
        assert!(ddl.checks.is_empty() && ddl.foreign_keys.is_empty());
        assert_eq!(parse("CREATE TABLE t AS SELECT 1"), Ddl::default());
    }
}
