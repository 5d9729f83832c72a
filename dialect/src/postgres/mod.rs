//! PostgreSQL: rendering every operation as native ALTERs (DDL runs inside
//! the migration's transaction), introspection of the current schema with a
//! fixed number of catalog queries, and the connection that applies
//! migrations under a session-level advisory lock (DESIGN §6).

mod canon;
#[cfg(feature = "postgres")]
mod connection;
mod guard;
mod introspect;
mod objects;
mod render;
mod sqlexpr;
mod table;
mod types;
#[cfg(feature = "postgres")]
mod values;

#[cfg(feature = "postgres")]
pub use connection::PostgresDatabase;

use crate::{Capabilities, Dialect, DialectKind, MigrationNotes, RenderError, Statement};
use remodel_differ::Op;
use remodel_model::catalog::Catalog;
use remodel_model::{Auto, ColumnDefault, ColumnType, Field, Schema};
use sqlparser::dialect::PostgreSqlDialect as SqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, Tokenizer};
use std::collections::BTreeMap;

/// The PostgreSQL dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostgresDialect;

impl Dialect for PostgresDialect {
    fn kind(&self) -> DialectKind {
        DialectKind::Postgres
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            transactional_ddl: true,
            alter_column: true,
            comments: true,
        }
    }

    fn quote(&self, ident: &str) -> String {
        table::q(ident)
    }

    fn column_type(&self, field: &Field) -> String {
        let ty = types::sql_type(&field.ty);
        match field.auto {
            _ if !field.ty.is_integer_like() => ty,
            Auto::No => ty,
            Auto::Yes | Auto::RowId => format!("{ty} {}", types::IDENTITY),
            Auto::Sequence => types::serial_type(&field.ty).to_string(),
        }
    }

    fn render(
        &self,
        op: &Op,
        before: &Schema,
        after: &Schema,
    ) -> Result<Vec<Statement>, RenderError> {
        render::render(op, before, after)
    }

    fn normalize(&self, catalog: &mut Catalog) {
        normalize(catalog);
    }

    fn normalize_for_models(&self, catalog: &mut Catalog) {
        normalize_with(catalog, false);
    }

    fn guard_script(&self, guard: &crate::Guard) -> Vec<String> {
        guard::guard_script(guard)
    }

    fn placeholder(&self, n: usize) -> String {
        format!("${n}")
    }

    fn now_iso_sql(&self) -> &'static str {
        r#"to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"#
    }

    fn migration_notes(&self) -> MigrationNotes {
        MigrationNotes::default()
    }

    fn needs_autocommit(&self, statement: &str) -> bool {
        needs_autocommit(statement)
    }

    fn after_failure(&self, statement: &str) -> Option<Statement> {
        drop_invalid_index(statement).map(Statement::new)
    }
}

/// The keywords a statement starts with (up to `n` tokens, comments and
/// whitespace skipped; names, quoted words and punctuation are
/// `NoKeyword`); a statement that does not tokenize has none.
fn leading_keywords(sql: &str, n: usize) -> Vec<Keyword> {
    let Ok(tokens) = Tokenizer::new(&SqlDialect {}, sql).tokenize() else {
        return Vec::new();
    };
    tokens
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .take(n)
        .map(|t| match t {
            Token::Word(w) if w.quote_style.is_none() => w.keyword,
            _ => Keyword::NoKeyword,
        })
        .collect()
}

/// `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] name …` that failed
/// leaves an INVALID index named `name`: the statement that drops it.
fn drop_invalid_index(sql: &str) -> Option<String> {
    let dialect = SqlDialect {};
    let tokens = Tokenizer::new(&dialect, sql).tokenize().ok()?;
    let mut words = tokens
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .peekable();
    let keyword = |k: Keyword, words: &mut std::iter::Peekable<_>| {
        matches!(words.peek(), Some(Token::Word(w)) if w.quote_style.is_none() && w.keyword == k)
            .then(|| words.next())
            .is_some()
    };
    if !keyword(Keyword::CREATE, &mut words) {
        return None;
    }
    keyword(Keyword::UNIQUE, &mut words);
    if !keyword(Keyword::INDEX, &mut words) || !keyword(Keyword::CONCURRENTLY, &mut words) {
        return None;
    }
    if keyword(Keyword::IF, &mut words) {
        keyword(Keyword::NOT, &mut words);
        keyword(Keyword::EXISTS, &mut words);
    }
    // The name, possibly schema-qualified; an unnamed index has none to drop.
    let mut name = String::new();
    loop {
        match words.next()? {
            Token::Word(w) if w.keyword == Keyword::ON && w.quote_style.is_none() => break,
            Token::Word(w) => name.push_str(&w.to_string()),
            Token::Period => name.push('.'),
            _ => return None,
        }
    }
    (!name.is_empty()).then(|| format!("DROP INDEX CONCURRENTLY IF EXISTS {name}"))
}

/// Whether PostgreSQL refuses to run a statement inside a transaction block.
fn needs_autocommit(sql: &str) -> bool {
    let kw = leading_keywords(sql, 12);
    let has = |k: Keyword| kw.contains(&k);
    match kw.as_slice() {
        [Keyword::CREATE, Keyword::INDEX | Keyword::UNIQUE, ..]
        | [Keyword::DROP, Keyword::INDEX, ..] => {
            // CREATE [UNIQUE] INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY
            kw.iter().take(4).any(|k| *k == Keyword::CONCURRENTLY)
        }
        [Keyword::REINDEX, ..] => {
            has(Keyword::CONCURRENTLY)
                || kw
                    .iter()
                    .take(6)
                    .any(|k| matches!(k, Keyword::SCHEMA | Keyword::DATABASE | Keyword::SYSTEM))
        }
        [Keyword::ALTER, Keyword::TYPE, ..] => {
            kw.windows(2).any(|w| w == [Keyword::ADD, Keyword::VALUE])
        }
        [Keyword::ALTER, Keyword::TABLE, ..] => {
            // ALTER TABLE … DETACH PARTITION … CONCURRENTLY
            has(Keyword::DETACH) && has(Keyword::CONCURRENTLY)
        }
        [Keyword::ALTER, Keyword::SYSTEM, ..] | [Keyword::VACUUM, ..] => true,
        [
            Keyword::CREATE | Keyword::DROP,
            Keyword::DATABASE | Keyword::TABLESPACE,
            ..,
        ] => true,
        _ => false,
    }
}

/// Folds what PostgreSQL cannot tell apart (applied to a model state's
/// catalog and to an introspected one alike): raw types spelled like a known
/// type or a synonym, serial columns (an integer with a sequence default),
/// an identity column's default and nullability, NOT NULL on key columns,
/// the spelling of literal defaults (dates, uuids, JSON), default and check
/// expressions (PostgreSQL's casts, parentheses and rewrites), index
/// expressions and predicates alike, empty comments.
pub(crate) fn normalize(catalog: &mut Catalog) {
    normalize_with(catalog, true);
}

/// A type's name as `format_type` prints it: in double quotes when it is
/// not a plain lower-case identifier.
fn type_name(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// [`normalize`]; `fold_sequences` also reads a default that takes the
/// next value of a sequence as the sequence key form (for comparing: a
/// model's `default_sql = "nextval(…)"` and a serial column are alike),
/// which models must not (the introspector already reads a column that
/// owns its sequence that way; another's default is the user's own).
fn normalize_with(catalog: &mut Catalog, fold_sequences: bool) {
    for t in catalog.tables.values_mut() {
        if t.comment.as_deref() == Some("") {
            t.comment = None;
        }
        for (name, c) in t.columns.iter_mut() {
            if c.comment.as_deref() == Some("") {
                c.comment = None;
            }
            if let ColumnType::Raw(text) = &c.ty {
                // `serial` is an integer, NOT NULL, with a sequence default.
                if types::is_serial(text) {
                    c.null = false;
                    if c.auto == Auto::No {
                        c.auto = Auto::Sequence;
                    }
                }
                c.ty = types::from_sql(text);
            }
            // A column of an enum type reads as the type's name, as the
            // database spells it.
            if let ColumnType::Enum(name) = &c.ty {
                c.ty = ColumnType::Raw(type_name(name));
            }
            if let Some(ColumnDefault::Sql(s)) = &c.default
                && fold_sequences
                && sqlexpr::is_nextval(s)
                && c.ty.is_integer()
            {
                c.default = None;
                if c.auto == Auto::No {
                    c.auto = Auto::Sequence;
                }
            }
            // PostgreSQL has no row id: `auto = "rowid"` is its identity.
            if c.auto == Auto::RowId {
                c.auto = Auto::Yes;
            }
            c.default = match c.default.take() {
                Some(ColumnDefault::Sql(s)) => sqlexpr::parse_default(&s, &c.ty),
                other => other,
            }
            .map(|d| match d {
                ColumnDefault::Value(lit) => ColumnDefault::Value(canon::literal(&lit, &c.ty)),
                sql => sql,
            });
            if t.primary_key.contains(name) {
                c.null = false;
            }
            if c.auto.is_auto() {
                // An identity or a sequence column has no other default and is never NULL.
                c.default = None;
                c.null = false;
            }
        }
        for e in t.checks.values_mut() {
            *e = sqlexpr::canonical(e);
        }
        for c in t.columns.values_mut() {
            if let Some(g) = &mut c.generated {
                g.expr = sqlexpr::canonical(&g.expr);
            }
        }
        let types: BTreeMap<String, ColumnType> = t
            .columns
            .iter()
            .map(|(n, c)| (n.clone(), c.ty.clone()))
            .collect();
        for ix in t.indexes.values_mut() {
            // An operator class a model names that is the default for its
            // column's type and the method is what the catalog reads as none.
            let method = ix.options.using.map_or("btree", |m| m.as_str());
            for (i, col) in ix.columns.iter().enumerate() {
                if let (Some(class), Some(ty)) = (ix.options.opclasses.get_mut(i), types.get(col))
                    && !class.is_empty()
                    && types::default_opclass(method, ty) == Some(class.as_str())
                {
                    class.clear();
                }
            }
            let parts = ix.columns.len() + ix.options.expressions.len();
            ix.options = std::mem::take(&mut ix.options).tidy(parts);
            let o = &mut ix.options;
            for e in &mut o.expressions {
                *e = sqlexpr::canonical(e);
            }
            if let Some(p) = &mut o.predicate {
                *p = sqlexpr::canonical(p);
            }
        }
    }
}

#[cfg(all(test, feature = "postgres"))]
mod tests;
