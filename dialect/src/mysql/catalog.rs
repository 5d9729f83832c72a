//! MySQL/MariaDB catalog rows to a [`Catalog`], and the folding that makes a
//! model state and an introspected catalog compare equal. Pure: the rows
//! come from `information_schema` (see `introspect.rs`), and the unit tests
//! below feed rows recorded from MySQL 8 and MariaDB 10.11.
//!
//! The two servers report the same schema differently:
//! - MySQL 8 returns `information_schema` text as binary strings (the
//!   queries cast every column to CHAR);
//! - literal defaults: MySQL 8 unquoted (`ACTIVO`), MariaDB quoted
//!   (`'ACTIVO'`), and MariaDB reports "no default" on a nullable column as
//!   the text `NULL`; expression defaults: MySQL 8 marks them
//!   `DEFAULT_GENERATED` in EXTRA and spells string literals with a charset
//!   introducer and escaped quotes (`_utf8mb4\'x\'`);
//! - integer display widths: MariaDB `int(11)`, MySQL 8 `int`;
//! - JSON: MySQL 8 `json`, MariaDB `longtext` plus a column CHECK
//!   `json_valid(col)` named after the column;
//! - checks: MySQL 8 adds parentheses, lower-cases keywords and introduces
//!   string literals with their charset.

use crate::Value;
use remodel_model::catalog::{
    Catalog, CatalogColumn, CatalogForeignKey, CatalogIndex, CatalogObject, CatalogTable,
    ObjectKind, Unmodelled,
};
use remodel_model::{
    Auto, ColumnDefault, ColumnType, Generated, IndexMethod, Literal, OnDelete, expr,
};
use sqlparser::ast::{Expr, ObjectNamePart, UnaryOperator, Value as SqlValue};
use sqlparser::dialect::{GenericDialect, MySqlDialect};
use sqlparser::parser::Parser;
use std::collections::BTreeMap;
use std::ops::ControlFlow;

/// Which server the rows come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Oracle MySQL (8.0.19+).
    Mysql,
    /// MariaDB (10.5.2+).
    Mariadb,
}

impl Flavor {
    /// The flavor a `SELECT VERSION()` string names.
    pub fn from_version(version: &str) -> Flavor {
        if version.to_ascii_lowercase().contains("mariadb") {
            Flavor::Mariadb
        } else {
            Flavor::Mysql
        }
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::Text(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Float(x) => x.to_string(),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        Value::Null => String::new(),
    }
}

fn opt_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        other => Some(text(other)),
    }
}

fn int(v: &Value) -> i64 {
    text(v).trim().parse().unwrap_or(0)
}

fn col(row: &[Value], i: usize) -> &Value {
    row.get(i).unwrap_or(&Value::Null)
}

/// Lower-cases `t` and collapses its runs of spaces, outside quoted
/// strings: the members of `ENUM('PG-13', 'deleted  scenes')` keep their
/// case and spaces, which are part of the values.
fn lower_outside_quotes(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let mut quote: Option<char> = None;
    let mut chars = t.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == '\\' {
                    out.extend(chars.next());
                } else if c == q {
                    if chars.peek() == Some(&q) {
                        out.extend(chars.next());
                    } else {
                        quote = None;
                    }
                }
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c.is_whitespace() => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            None => out.push(c.to_ascii_lowercase()),
        }
    }
    out
}

/// Removes integer display widths (`int(11)` → `int`), except `tinyint(1)`,
/// lower-cases and collapses spaces outside quoted values: the spelling raw
/// types are compared in.
fn canonical_raw(t: &str) -> String {
    let lower = lower_outside_quotes(t);
    let mut out = lower.clone();
    for name in [
        "tinyint",
        "smallint",
        "mediumint",
        "bigint",
        "integer",
        "int",
    ] {
        if let Some(rest) = lower.strip_prefix(name)
            && let Some(after) = rest.strip_prefix('(')
            && let Some((digits, tail)) = after.split_once(')')
            && digits.chars().all(|c| c.is_ascii_digit())
            && !(name == "tinyint" && digits == "1")
        {
            let base = if name == "integer" { "int" } else { name };
            out = format!("{base}{tail}");
            break;
        }
    }
    if let Some(tail) = out.strip_prefix("integer") {
        out = format!("int{tail}");
    }
    // MariaDB reports YEAR as `year(4)`, its only width.
    if out == "year(4)" {
        out = "year".into();
    }
    out
}

/// Maps a MySQL `COLUMN_TYPE` (or a raw type a model gives) back to a
/// column type; spellings that are not one of remodel's are raw.
pub fn parse_type(column_type: &str) -> ColumnType {
    let t = canonical_raw(column_type);
    let args = |prefix: &str| -> Option<Vec<u32>> {
        let rest = t.strip_prefix(prefix)?.trim_start();
        let inner = rest.strip_prefix('(')?.strip_suffix(')')?;
        inner.split(',').map(|p| p.trim().parse().ok()).collect()
    };
    match t.as_str() {
        "tinyint(1)" | "bool" | "boolean" => return ColumnType::Boolean,
        "tinyint unsigned" => return ColumnType::Unsigned(8),
        "smallint unsigned" => return ColumnType::Unsigned(16),
        "int unsigned" => return ColumnType::Unsigned(32),
        "bigint unsigned" => return ColumnType::Unsigned(64),
        "smallint" => return ColumnType::SmallInt,
        "int" => return ColumnType::Integer,
        "bigint" => return ColumnType::BigInt,
        "float" => return ColumnType::Real,
        // REAL is DOUBLE on MySQL unless REAL_AS_FLOAT is set.
        "double" | "double precision" | "real" => return ColumnType::Double,
        "longtext" => return ColumnType::Text,
        "longblob" => return ColumnType::Blob,
        "date" => return ColumnType::Date,
        "time(6)" => return ColumnType::Time,
        "datetime(6)" => return ColumnType::Timestamp,
        "char(36)" => return ColumnType::Uuid,
        "json" => return ColumnType::Json,
        "decimal" | "numeric" => {
            return ColumnType::Decimal {
                precision: 10,
                scale: 0,
            };
        }
        _ => {}
    }
    if let Some([n]) = args("varchar").as_deref() {
        return ColumnType::Varchar(*n);
    }
    for prefix in ["decimal", "numeric"] {
        match args(prefix).as_deref() {
            Some([p, s]) => {
                return ColumnType::Decimal {
                    precision: *p,
                    scale: *s,
                };
            }
            Some([p]) => {
                return ColumnType::Decimal {
                    precision: *p,
                    scale: 0,
                };
            }
            _ => {}
        }
    }
    ColumnType::Raw(column_type.trim().to_string())
}

/// Undoes MySQL 8's spelling of expressions in `information_schema`: quotes
/// escaped with backslashes (`\'`, with `unescape`) and charset introducers
/// before string literals (`_utf8mb4'x'`).
pub fn clean_expression(sql: &str, unescape: bool) -> String {
    let unescaped = if unescape && sql.contains("\\'") {
        // Every quote is escaped: the text was written with `\'` for `'`.
        let mut out = String::with_capacity(sql.len());
        let mut chars = sql.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.peek() {
                    Some('\'') => {
                        out.push('\'');
                        chars.next();
                    }
                    Some('\\') => {
                        out.push_str("\\\\");
                        chars.next();
                    }
                    _ => out.push(c),
                }
            } else {
                out.push(c);
            }
        }
        out
    } else {
        sql.to_string()
    };
    // Drop `_charset` right before a string literal, outside strings.
    let chars: Vec<char> = unescaped.chars().collect();
    let mut out = String::with_capacity(unescaped.len());
    let mut i = 0;
    let mut in_string = false;
    while i < chars.len() {
        let c = chars[i];
        if in_string {
            out.push(c);
            if c == '\\' && i + 1 < chars.len() {
                out.push(chars[i + 1]);
                i += 2;
                continue;
            }
            if c == '\'' {
                if chars.get(i + 1) == Some(&'\'') {
                    out.push('\'');
                    i += 2;
                    continue;
                }
                in_string = false;
            }
            i += 1;
            continue;
        }
        if c == '\'' {
            in_string = true;
            out.push(c);
            i += 1;
            continue;
        }
        let at_word_start = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if c == '_' && at_word_start {
            let mut j = i + 1;
            while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            if j > i + 1 && chars.get(j) == Some(&'\'') {
                i = j;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

fn parse_mysql_expr(sql: &str) -> Option<Expr> {
    let dialect = MySqlDialect {};
    let mut parser = Parser::new(&dialect).try_with_sql(sql).ok()?;
    let e = parser.parse_expr().ok()?;
    (parser.peek_token().token == sqlparser::tokenizer::Token::EOF).then_some(e)
}

/// A number read as a literal for a column of type `ty`.
fn number_literal(n: &str, ty: &ColumnType) -> Option<Literal> {
    let n = n.trim();
    Some(match ty {
        ColumnType::Boolean => Literal::Bool(n.parse::<f64>().ok()? != 0.0),
        ColumnType::SmallInt
        | ColumnType::Integer
        | ColumnType::BigInt
        | ColumnType::Unsigned(_) => Literal::Int(n.parse().ok()?),
        ColumnType::Real | ColumnType::Double => Literal::Float(n.parse().ok()?),
        ColumnType::Raw(_) => match n.parse::<i64>() {
            Ok(i) => Literal::Int(i),
            Err(_) => match n.parse::<f64>() {
                Ok(x) => Literal::Float(x),
                Err(_) => Literal::Str(n.to_string()),
            },
        },
        _ => Literal::Str(n.to_string()),
    })
}

/// A string read as a literal for a column of type `ty` (numbers stay numbers).
fn string_literal(s: &str, ty: &ColumnType) -> Literal {
    match ty {
        ColumnType::Boolean
        | ColumnType::SmallInt
        | ColumnType::Integer
        | ColumnType::BigInt
        | ColumnType::Unsigned(_)
        | ColumnType::Real
        | ColumnType::Double => number_literal(s, ty).unwrap_or_else(|| Literal::Str(s.into())),
        _ => Literal::Str(s.to_string()),
    }
}

/// Reads an SQL default expression: a literal becomes a value, anything
/// else stays SQL (in a canonical spelling).
fn expression_default(sql: &str, ty: &ColumnType) -> Option<ColumnDefault> {
    let Some(mut e) = parse_mysql_expr(sql) else {
        return Some(ColumnDefault::Sql(canonical_default_sql(sql)));
    };
    while let Expr::Nested(inner) = e {
        e = *inner;
    }
    let (negative, e) = match e {
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => (true, *expr),
        other => (false, other),
    };
    if let Expr::Value(v) = &e {
        match &v.value {
            SqlValue::Null if !negative => return None,
            SqlValue::SingleQuotedString(s) | SqlValue::DoubleQuotedString(s) if !negative => {
                return Some(ColumnDefault::Value(string_literal(s, ty)));
            }
            SqlValue::Boolean(b) if !negative => {
                return Some(ColumnDefault::Value(match ty {
                    ColumnType::Boolean => Literal::Bool(*b),
                    _ => Literal::Int(i64::from(*b)),
                }));
            }
            SqlValue::Number(n, _) => {
                let n = if negative { format!("-{n}") } else { n.clone() };
                if let Some(l) = number_literal(&n, ty) {
                    return Some(ColumnDefault::Value(l));
                }
            }
            _ => {}
        }
    }
    Some(ColumnDefault::Sql(canonical_default_sql(sql)))
}

/// Reads a column's `COLUMN_DEFAULT` (with its `EXTRA`) as a model default.
pub fn parse_default(
    flavor: Flavor,
    default: Option<&str>,
    extra: &str,
    ty: &ColumnType,
) -> Option<ColumnDefault> {
    let d = default?;
    match flavor {
        Flavor::Mariadb => {
            if d == "NULL" {
                return None;
            }
            expression_default(d, ty)
        }
        Flavor::Mysql => {
            let generated = extra.to_ascii_lowercase().contains("default_generated");
            if generated || crate::mysql::table::is_current_timestamp(d) {
                return expression_default(&clean_expression(d, true), ty);
            }
            // A literal, unquoted.
            Some(ColumnDefault::Value(match ty {
                ColumnType::Boolean
                | ColumnType::SmallInt
                | ColumnType::Integer
                | ColumnType::BigInt
                | ColumnType::Unsigned(_)
                | ColumnType::Real
                | ColumnType::Double => number_literal(d, ty)?,
                _ => Literal::Str(d.to_string()),
            }))
        }
    }
}

/// The canonical spelling of an SQL default: `CURRENT_TIMESTAMP` for its
/// synonyms (any precision), `CURRENT_DATE`, `CURRENT_TIME`, else the
/// expression as [`canonical_expr`] spells it.
pub fn canonical_default_sql(sql: &str) -> String {
    if crate::mysql::table::is_current_timestamp(sql) {
        return "CURRENT_TIMESTAMP".into();
    }
    let compact: String = sql
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    let compact = compact.trim_start_matches('(').trim_end_matches(')');
    match compact.split('(').next().unwrap_or(compact) {
        "curdate" | "current_date" => return "CURRENT_DATE".into(),
        "curtime" | "current_time" => return "CURRENT_TIME".into(),
        _ => {}
    }
    canonical_expr(sql)
}

fn is_compound(e: &Expr) -> bool {
    !matches!(
        e,
        Expr::Identifier(_)
            | Expr::CompoundIdentifier(_)
            | Expr::Value(_)
            | Expr::Function(_)
            | Expr::Nested(_)
            | Expr::Cast { .. }
            | Expr::TypedString(_)
    )
}

fn wrap(e: &mut Box<Expr>) {
    if is_compound(e) {
        let inner = std::mem::replace(e.as_mut(), Expr::value(SqlValue::Null));
        **e = Expr::Nested(Box::new(inner));
    }
}

/// Function names MariaDB reprints under another name (`length` is stored
/// as `octet_length`), mapped to one of them.
fn synonym(name: &str) -> &str {
    match name {
        "octet_length" => "length",
        "character_length" => "char_length",
        "lcase" => "lower",
        "ucase" => "upper",
        "substr" => "substring",
        "now" | "localtimestamp" | "localtime" => "current_timestamp",
        "curdate" => "current_date",
        "curtime" => "current_time",
        other => other,
    }
}

fn number(n: &str) -> Expr {
    Expr::value(SqlValue::Number(n.parse().expect("a number"), false))
}

/// `NOT e`, with the NOT pushed into `e` as MariaDB stores it (`e` already
/// in that form): comparisons, IS, IN, BETWEEN and LIKE negated, AND and OR
/// by De Morgan, a bare column compared with 0. Each rewrite keeps SQL's
/// three-valued meaning.
fn negate(e: Expr) -> Expr {
    use sqlparser::ast::BinaryOperator as B;
    let not = |e: Expr| Expr::UnaryOp {
        op: UnaryOperator::Not,
        expr: Box::new(e),
    };
    match e {
        Expr::Nested(inner) => negate(*inner),
        Expr::BinaryOp { left, op, right } => {
            let flipped = match op {
                B::And => {
                    return Expr::BinaryOp {
                        left: Box::new(negate(*left)),
                        op: B::Or,
                        right: Box::new(negate(*right)),
                    };
                }
                B::Or => {
                    return Expr::BinaryOp {
                        left: Box::new(negate(*left)),
                        op: B::And,
                        right: Box::new(negate(*right)),
                    };
                }
                B::Eq => Some(B::NotEq),
                B::NotEq => Some(B::Eq),
                B::Lt => Some(B::GtEq),
                B::GtEq => Some(B::Lt),
                B::Gt => Some(B::LtEq),
                B::LtEq => Some(B::Gt),
                _ => None,
            };
            match flipped {
                Some(op) => Expr::BinaryOp { left, op, right },
                None => not(Expr::BinaryOp { left, op, right }),
            }
        }
        Expr::IsNull(x) => Expr::IsNotNull(x),
        Expr::IsNotNull(x) => Expr::IsNull(x),
        Expr::IsTrue(x) => Expr::IsNotTrue(x),
        Expr::IsNotTrue(x) => Expr::IsTrue(x),
        Expr::IsFalse(x) => Expr::IsNotFalse(x),
        Expr::IsNotFalse(x) => Expr::IsFalse(x),
        Expr::InList {
            expr,
            list,
            negated,
        } => Expr::InList {
            expr,
            list,
            negated: !negated,
        },
        Expr::Between {
            expr,
            negated,
            low,
            high,
        } => Expr::Between {
            expr,
            negated: !negated,
            low,
            high,
        },
        Expr::Like {
            negated,
            any,
            expr,
            pattern,
            escape_char,
        } => Expr::Like {
            negated: !negated,
            any,
            expr,
            pattern,
            escape_char,
        },
        e @ (Expr::Identifier(_) | Expr::CompoundIdentifier(_)) => Expr::BinaryOp {
            left: Box::new(e),
            op: B::Eq,
            right: Box::new(number("0")),
        },
        other => not(other),
    }
}

/// The index just past the quoted text (at a quote) or the parenthesised
/// group (at `(`) that starts at `i`.
fn skip_group(chars: &[char], i: usize) -> usize {
    match chars[i] {
        q @ ('\'' | '"' | '`') => {
            let mut j = i + 1;
            while j < chars.len() {
                if chars[j] == '\\' && q != '`' {
                    j += 2;
                    continue;
                }
                if chars[j] == q {
                    if chars.get(j + 1) == Some(&q) {
                        j += 2;
                        continue;
                    }
                    return j + 1;
                }
                j += 1;
            }
            chars.len()
        }
        '(' => {
            let mut depth = 0usize;
            let mut j = i;
            while j < chars.len() {
                match chars[j] {
                    '\'' | '"' | '`' => {
                        j = skip_group(chars, j);
                        continue;
                    }
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            return j + 1;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            chars.len()
        }
        _ => i + 1,
    }
}

/// MariaDB prints NOT it cannot push down as `!x`, which the parser does
/// not read: `(NOT x)` instead, `x` being the parenthesised expression, or
/// the name (and the call's arguments) after the `!`.
fn bang_to_not(sql: &str) -> String {
    if !sql.contains('!') {
        return sql.to_string();
    }
    let chars: Vec<char> = sql.chars().collect();
    let mut out = String::with_capacity(sql.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if matches!(c, '\'' | '"' | '`') {
            let end = skip_group(&chars, i);
            out.extend(&chars[i..end]);
            i = end;
            continue;
        }
        if c == '!' && chars.get(i + 1) != Some(&'=') {
            let mut j = i + 1;
            while j < chars.len() && chars[j].is_whitespace() {
                j += 1;
            }
            let start = j;
            if chars.get(j) == Some(&'(') {
                j = skip_group(&chars, j);
            } else {
                while j < chars.len()
                    && (chars[j].is_alphanumeric() || matches!(chars[j], '_' | '.' | '$' | '`'))
                {
                    if chars[j] == '`' {
                        j = skip_group(&chars, j);
                    } else {
                        j += 1;
                    }
                }
                if chars.get(j) == Some(&'(') {
                    j = skip_group(&chars, j);
                }
            }
            if j == start {
                out.push(c);
                i += 1;
                continue;
            }
            let operand: String = chars[start..j].iter().collect();
            out.push_str("(NOT ");
            out.push_str(&bang_to_not(&operand));
            out.push(')');
            i = j;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// A spelling of an expression that does not depend on how a server
/// reprints it: MySQL's escapes and charset introducers undone, identifiers
/// in remodel's normal spelling, function names in lower case, and exactly
/// one pair of parentheses around every compound operand.
pub fn canonical_expr(sql: &str) -> String {
    let cleaned = bang_to_not(&clean_expression(sql, false));
    let base = expr::normalize(&cleaned).unwrap_or(cleaned);
    let dialect = GenericDialect {};
    let parsed = Parser::new(&dialect)
        .try_with_sql(&base)
        .and_then(|mut p| p.parse_expr());
    let Ok(mut e) = parsed else {
        return base;
    };
    let _ = sqlparser::ast::visit_expressions_mut(&mut e, |x| {
        if let Expr::Nested(inner) = x {
            let inner = std::mem::replace(inner.as_mut(), Expr::value(SqlValue::Null));
            *x = inner;
        }
        ControlFlow::<()>::Continue(())
    });
    while let Expr::Nested(inner) = e {
        e = *inner;
    }
    // As MariaDB stores them: NOT pushed down, TRUE and FALSE as 1 and 0.
    let _ = sqlparser::ast::visit_expressions_mut(&mut e, |x| {
        match x {
            Expr::UnaryOp {
                op: UnaryOperator::Not,
                expr,
            } => {
                let inner = std::mem::replace(expr.as_mut(), Expr::value(SqlValue::Null));
                *x = negate(inner);
            }
            Expr::Value(v) => {
                if let SqlValue::Boolean(b) = v.value {
                    *x = number(if b { "1" } else { "0" });
                }
            }
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
    let _ = sqlparser::ast::visit_expressions_mut(&mut e, |x| {
        match x {
            Expr::BinaryOp { left, right, .. } => {
                wrap(left);
                wrap(right);
            }
            Expr::UnaryOp { expr, .. }
            | Expr::IsNull(expr)
            | Expr::IsNotNull(expr)
            | Expr::IsTrue(expr)
            | Expr::IsFalse(expr)
            | Expr::IsNotTrue(expr)
            | Expr::IsNotFalse(expr) => wrap(expr),
            Expr::Between {
                expr, low, high, ..
            } => {
                wrap(expr);
                wrap(low);
                wrap(high);
            }
            Expr::InList { expr, .. } => wrap(expr),
            Expr::Like { expr, pattern, .. } => {
                wrap(expr);
                wrap(pattern);
            }
            Expr::Function(f) => {
                for part in &mut f.name.0 {
                    if let ObjectNamePart::Identifier(id) = part
                        && id.quote_style.is_none()
                    {
                        id.value = synonym(&id.value.to_ascii_lowercase()).to_string();
                    }
                }
            }
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
    e.to_string()
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A timestamp with an offset (`2024-01-01 00:00:00+02:00`, `…Z`) as the UTC
/// `DATETIME` text MySQL stores for `timestamptz`; `None` if it is not one.
pub fn to_utc(s: &str) -> Option<String> {
    let s = s.trim();
    let (ts, offset_minutes) = if let Some(rest) = s.strip_suffix('Z') {
        (rest, 0)
    } else {
        let pos = s.rfind(['+', '-']).filter(|&p| p > 10)?;
        let (ts, off) = s.split_at(pos);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let digits: String = off[1..].chars().filter(|c| *c != ':').collect();
        let (h, m) = match digits.len() {
            2 => (digits.parse::<i64>().ok()?, 0),
            4 => (digits[..2].parse().ok()?, digits[2..].parse().ok()?),
            _ => return None,
        };
        (ts, sign * (h * 60 + m))
    };
    let (date, time) = ts.split_once([' ', 'T'])?;
    let mut dp = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, mo, d) = (dp.next()??, dp.next()??, dp.next()??);
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let mut tp = hms.split(':').map(|p| p.parse::<i64>().ok());
    let (h, mi) = (tp.next()??, tp.next()??);
    let sec = tp.next().flatten().unwrap_or(0);
    let total = days_from_civil(y, mo, d) * 1440 + h * 60 + mi - offset_minutes;
    let (days, minutes) = (total.div_euclid(1440), total.rem_euclid(1440));
    let (y, mo, d) = civil_from_days(days);
    let mut out = format!(
        "{y:04}-{mo:02}-{d:02} {:02}:{:02}:{sec:02}",
        minutes / 60,
        minutes % 60
    );
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    Some(out)
}

/// `HH:MM[:SS[.f]]` with seconds and six fractional digits, as `TIME(6)` reads back.
fn canonical_time(s: &str) -> String {
    let (hms, frac) = s.split_once('.').unwrap_or((s, ""));
    let hms = if hms.matches(':').count() == 1 {
        format!("{hms}:00")
    } else {
        hms.to_string()
    };
    let mut frac: String = frac.chars().take(6).collect();
    while frac.len() < 6 {
        frac.push('0');
    }
    format!("{hms}.{frac}")
}

/// `YYYY-MM-DD[ T]HH:MM…` as `DATETIME(6)` reads back.
fn canonical_timestamp(s: &str) -> String {
    match s.trim().split_once([' ', 'T']) {
        Some((d, t)) => format!("{d} {}", canonical_time(t)),
        None => s.to_string(),
    }
}

/// A decimal's text with exactly `scale` fractional digits, as `DECIMAL(p,s)` reads back.
fn canonical_decimal(text: &str, scale: u32) -> String {
    let t = text.trim();
    let (sign, unsigned) = match t.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", t.strip_prefix('+').unwrap_or(t)),
    };
    let (int_part, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    if !int_part.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return t.to_string();
    }
    let int_part = int_part.trim_start_matches('0');
    let int_part = if int_part.is_empty() { "0" } else { int_part };
    let mut frac: String = frac.chars().take(scale as usize).collect();
    while frac.len() < scale as usize {
        frac.push('0');
    }
    let zero = int_part == "0" && frac.chars().all(|c| c == '0');
    let sign = if zero { "" } else { sign };
    if scale == 0 {
        format!("{sign}{int_part}")
    } else {
        format!("{sign}{int_part}.{frac}")
    }
}

fn literal_text(lit: &Literal) -> String {
    match lit {
        Literal::Bool(b) => if *b { "1" } else { "0" }.into(),
        Literal::Int(i) => i.to_string(),
        Literal::Float(x) => remodel_model::default::format_float(*x),
        Literal::Str(s) => s.clone(),
    }
}

/// A default as the column `ty` (after folding; `declared` before) reads it back.
fn normalize_default(d: ColumnDefault, declared: &ColumnType, ty: &ColumnType) -> ColumnDefault {
    let lit = match d {
        ColumnDefault::Sql(s) => return ColumnDefault::Sql(canonical_default_sql(&s)),
        ColumnDefault::Value(lit) => lit,
    };
    let text = literal_text(&lit);
    let lit = match ty {
        ColumnType::Boolean => match &lit {
            Literal::Bool(_) => lit,
            _ => match text.to_ascii_lowercase().as_str() {
                "true" => Literal::Bool(true),
                "false" => Literal::Bool(false),
                t => t
                    .parse::<f64>()
                    .map(|x| Literal::Bool(x != 0.0))
                    .unwrap_or(lit),
            },
        },
        ColumnType::SmallInt
        | ColumnType::Integer
        | ColumnType::BigInt
        | ColumnType::Unsigned(_) => text.parse().map(Literal::Int).unwrap_or(lit),
        ColumnType::Real | ColumnType::Double => text.parse().map(Literal::Float).unwrap_or(lit),
        ColumnType::Decimal { scale, .. } => Literal::Str(canonical_decimal(&text, *scale)),
        ColumnType::Time => Literal::Str(canonical_time(&text)),
        ColumnType::Timestamp => {
            let utc = if *declared == ColumnType::TimestampTz {
                to_utc(&text).unwrap_or(text)
            } else {
                text
            };
            Literal::Str(canonical_timestamp(&utc))
        }
        _ => lit,
    };
    ColumnDefault::Value(lit)
}

/// A character set's or collation's name as MariaDB reports it: lower
/// case, `utf8` as `utf8mb3`.
fn charset_name(name: &str) -> String {
    let lower = name.trim().to_ascii_lowercase();
    match lower.strip_prefix("utf8") {
        Some(rest) if rest.is_empty() || rest.starts_with('_') => format!("utf8mb3{rest}"),
        _ => lower,
    }
}

/// The character set a collation belongs to: its name up to the first
/// `_` (`utf8mb4_bin`, `latin1_swedish_ci`; `binary` is its own).
pub(crate) fn collation_charset(collation: &str) -> &str {
    collation.split('_').next().unwrap_or(collation)
}

/// One spelling of what a table and its columns say of character sets and
/// collations: a collation implies its character set, and what equals the
/// table's is not the column's own.
fn normalize_charsets(t: &mut CatalogTable) {
    t.charset = t.charset.as_deref().map(charset_name);
    t.collation = t.collation.as_deref().map(charset_name);
    if let Some(co) = &t.collation
        && t.charset.as_deref() == Some(collation_charset(co))
    {
        t.charset = None;
    }
    if t.charset.as_deref() == Some(DEFAULT_CHARSET) {
        t.charset = None;
    }
    let table_charset = t
        .charset
        .clone()
        .or_else(|| {
            t.collation
                .as_deref()
                .map(|c| collation_charset(c).to_string())
        })
        .unwrap_or_else(|| DEFAULT_CHARSET.to_string());
    for c in t.columns.values_mut() {
        c.charset = c.charset.as_deref().map(charset_name);
        c.collation = c.collation.as_deref().map(charset_name);
        if c.collation.is_some() && c.collation == t.collation {
            c.collation = None;
            c.charset = None;
        }
        if let Some(co) = &c.collation
            && c.charset.as_deref() == Some(collation_charset(co))
        {
            c.charset = None;
        }
        if c.collation.is_none() && c.charset.as_deref() == Some(table_charset.as_str()) {
            c.charset = None;
        }
    }
}

/// Folds what MySQL/MariaDB cannot tell apart (see [`super::MysqlDialect`]'s
/// `normalize`); applied to the model's catalog and to the introspected one.
pub fn normalize(catalog: &mut Catalog) {
    // An enum column is an inline ENUM of its values: no type of its own.
    let enums = std::mem::take(&mut catalog.enums);
    for t in catalog.tables.values_mut() {
        for c in t.columns.values_mut() {
            if let ColumnType::Enum(name) = &c.ty
                && let Some(values) = enums.get(name)
            {
                let values: Vec<String> = values
                    .iter()
                    .map(|v| format!("'{}'", v.replace('\'', "''")))
                    .collect();
                c.ty = ColumnType::Raw(format!("ENUM({})", values.join(",")));
            }
        }
    }
    for t in catalog.tables.values_mut() {
        if t.comment.as_deref() == Some("") {
            t.comment = None;
        }
        normalize_charsets(t);
        let primary_key = t.primary_key.clone();
        // MySQL names every primary key PRIMARY.
        t.primary_key_name = None;
        for (name, c) in t.columns.iter_mut() {
            // Key columns are NOT NULL on MySQL whatever they declare.
            if primary_key.contains(name) {
                c.null = false;
            }
            // AUTO_INCREMENT is MySQL's one key form.
            if c.auto.is_auto() {
                c.auto = Auto::Yes;
            }
            let declared = c.ty.clone();
            c.ty = match &declared {
                ColumnType::Raw(s) => match parse_type(s) {
                    ColumnType::Raw(_) => ColumnType::Raw(canonical_raw(s)),
                    known => known,
                },
                // DATETIME(6) holds both, timestamptz as UTC.
                ColumnType::TimestampTz => ColumnType::Timestamp,
                other => other.clone(),
            };
            if c.ty == ColumnType::TimestampTz {
                c.ty = ColumnType::Timestamp;
            }
            c.default = c
                .default
                .take()
                .map(|d| normalize_default(d, &declared, &c.ty));
            if c.comment.as_deref() == Some("") {
                c.comment = None;
            }
            // CURRENT_TIMESTAMP at any precision, and its synonyms.
            c.on_update_sql = c.on_update_sql.as_deref().map(canonical_default_sql);
        }
        // InnoDB's ON UPDATE RESTRICT is NO ACTION (and is what it reports
        // when a key says none).
        for fk in t.foreign_keys.values_mut() {
            if fk.on_update == OnDelete::Restrict {
                fk.on_update = OnDelete::NoAction;
            }
        }
        // The index InnoDB makes for a foreign key nothing else serves.
        let fks: Vec<(String, Vec<String>)> = t
            .foreign_keys
            .iter()
            .map(|(n, fk)| (n.clone(), fk.columns.clone()))
            .collect();
        t.indexes.retain(|name, ix| {
            ix.unique
                || !ix.options.is_plain()
                || !fks.iter().any(|(n, c)| n == name && *c == ix.columns)
        });
        // A UNIQUE constraint is a unique index on MySQL (one with options
        // stays an index).
        let uniques: Vec<String> = t
            .indexes
            .iter()
            .filter(|(_, ix)| ix.unique && ix.options.is_plain())
            .map(|(n, _)| n.clone())
            .collect();
        for n in uniques {
            if let Some(ix) = t.indexes.remove(&n) {
                t.uniques.insert(n, ix.columns);
            }
        }
        for e in t.checks.values_mut() {
            *e = canonical_expr(e);
        }
        for ix in t.indexes.values_mut() {
            for e in &mut ix.options.expressions {
                *e = canonical_expr(e);
            }
        }
        for c in t.columns.values_mut() {
            if let Some(g) = &mut c.generated {
                g.expr = canonical_expr(&g.expr);
                // MariaDB takes no NOT NULL on a generated column: it is
                // NULL when its expression is.
                c.null = true;
            }
        }
    }
}

/// The catalog rows the introspector reads, each a row of text values in
/// the order of its query (see `introspect.rs`).
#[derive(Debug, Clone, Default)]
pub struct CatalogRows {
    /// `TABLE_NAME, TABLE_COMMENT, TABLE_COLLATION`, and that collation's
    /// character set and `IS_DEFAULT`.
    pub tables: Vec<Vec<Value>>,
    /// `TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA,
    /// COLUMN_COMMENT, GENERATION_EXPRESSION, CHARACTER_SET_NAME,
    /// COLLATION_NAME`, the table's `TABLE_COLLATION` and its character
    /// set, and whether the column's collation is its character set's
    /// default (`IS_DEFAULT`).
    pub columns: Vec<Vec<Value>>,
    /// `TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME,
    /// SUB_PART, INDEX_TYPE, COLLATION, EXPRESSION` (MySQL 8; NULL on
    /// MariaDB, which has no expression key parts).
    pub indexes: Vec<Vec<Value>>,
    /// `TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, ORDINAL_POSITION,
    /// REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME, DELETE_RULE, UPDATE_RULE`.
    pub foreign_keys: Vec<Vec<Value>>,
    /// `TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE`.
    pub checks: Vec<Vec<Value>>,
    /// The schema's other objects: kind (as [`ObjectKind::noun`] spells
    /// it), name, table, definition.
    pub objects: Vec<Vec<Value>>,
}

fn delete_rule(s: &str) -> OnDelete {
    match s.trim().to_ascii_uppercase().as_str() {
        "CASCADE" => OnDelete::Cascade,
        "RESTRICT" => OnDelete::Restrict,
        "SET NULL" => OnDelete::SetNull,
        "SET DEFAULT" => OnDelete::SetDefault,
        _ => OnDelete::NoAction,
    }
}

/// A column's `ON UPDATE` expression from its `EXTRA` (`on update
/// current_timestamp(6)`, MariaDB; `DEFAULT_GENERATED on update
/// CURRENT_TIMESTAMP(6)`, MySQL 8), in the model's spelling.
fn on_update_of(extra: &str) -> Option<String> {
    let at = extra.to_ascii_lowercase().find("on update ")?;
    let sql = extra[at + "on update ".len()..].trim();
    Some(canonical_default_sql(sql))
}

/// What a column has that no model declares (`COLUMN_TYPE`, `EXTRA`,
/// `GENERATION_EXPRESSION`): that it is generated.
/// A generated column's expression and kind, from `EXTRA` (`VIRTUAL
/// GENERATED`, `STORED GENERATED`) and `GENERATION_EXPRESSION`.
fn generated_of(extra: &str, generation: &Value, flavor: Flavor) -> Option<Generated> {
    let lower = extra.to_ascii_lowercase();
    if !lower.contains(" generated") || lower.contains("default_generated") {
        return None;
    }
    let e = clean_expression(&text(generation), flavor == Flavor::Mysql);
    Some(Generated {
        expr: expr::normalize(&e).unwrap_or(e),
        stored: lower.contains("stored"),
    })
}

/// `IS_DEFAULT` says yes (`Yes` on both; MySQL 8 may say `YES`).
fn is_yes(v: &Value) -> bool {
    text(v).eq_ignore_ascii_case("yes")
}

/// A table's character set and collation as a model says them: none for
/// remodel's utf8mb4 with its default collation, the character set alone
/// when the collation is its default.
fn table_charset(
    collation: Option<String>,
    charset: Option<String>,
    is_default: bool,
) -> (Option<String>, Option<String>) {
    let charset = charset.filter(|c| !c.eq_ignore_ascii_case(DEFAULT_CHARSET));
    let collation = collation.filter(|_| !is_default);
    (charset, collation)
}

/// The character set remodel gives a table that says none.
pub(crate) const DEFAULT_CHARSET: &str = "utf8mb4";

/// Builds the catalog from its rows.
pub fn catalog_from_rows(flavor: Flavor, rows: &CatalogRows) -> Catalog {
    let mut catalog = Catalog::default();
    // (table, column, character set, collation) of columns whose collation
    // is not their table's, unless the column turns out to be JSON.
    let mut collated: Vec<(String, String, Option<String>, Option<String>)> = Vec::new();
    for r in &rows.tables {
        let comment = opt_text(col(r, 1)).filter(|c| !c.is_empty());
        let (charset, collation) =
            table_charset(opt_text(col(r, 2)), opt_text(col(r, 3)), is_yes(col(r, 4)));
        catalog.tables.insert(
            text(col(r, 0)),
            CatalogTable {
                comment,
                charset,
                collation,
                ..Default::default()
            },
        );
    }
    for r in &rows.columns {
        let Some(t) = catalog.tables.get_mut(&text(col(r, 0))) else {
            continue;
        };
        let name = text(col(r, 1));
        let extra = text(col(r, 5));
        let table = text(col(r, 0));
        if let (Some(charset), Some(collation), Some(table_collation)) = (
            opt_text(col(r, 8)),
            opt_text(col(r, 9)),
            opt_text(col(r, 10)),
        ) && !collation.eq_ignore_ascii_case(&table_collation)
        {
            // The character set when it is not the table's; the collation
            // unless it is the default of a character set said so.
            let own_charset = opt_text(col(r, 11))
                .is_none_or(|t| !t.eq_ignore_ascii_case(&charset))
                .then_some(charset);
            let own_collation = (own_charset.is_none() || !is_yes(col(r, 12))).then_some(collation);
            collated.push((table.clone(), name.clone(), own_charset, own_collation));
        }
        let generated = generated_of(&extra, col(r, 7), flavor);
        let ty = parse_type(&text(col(r, 2)));
        let default = parse_default(flavor, opt_text(col(r, 4)).as_deref(), &extra, &ty);
        let auto = Auto::from_flag(extra.to_ascii_lowercase().contains("auto_increment"));
        t.column_order.0.push(name.clone());
        t.columns.insert(
            name,
            CatalogColumn {
                ty,
                null: text(col(r, 3)).eq_ignore_ascii_case("YES"),
                default,
                comment: opt_text(col(r, 6)).filter(|c| !c.is_empty()),
                auto,
                collation: None,
                charset: None,
                on_update_sql: on_update_of(&extra),
                generated,
            },
        );
    }

    // (table, index) → (unique, kind, [(position, column, prefix, collation, expression)])
    type Part = (i64, Option<String>, Option<u32>, String, Option<String>);
    type IndexRows = BTreeMap<(String, String), (bool, String, Vec<Part>)>;
    let mut indexes: IndexRows = BTreeMap::new();
    for r in &rows.indexes {
        let e = indexes
            .entry((text(col(r, 0)), text(col(r, 1))))
            .or_insert_with(|| (int(col(r, 2)) == 0, text(col(r, 6)), Vec::new()));
        e.2.push((
            int(col(r, 3)),
            opt_text(col(r, 4)),
            opt_text(col(r, 5)).and_then(|n| n.parse().ok()),
            text(col(r, 7)),
            opt_text(col(r, 8)),
        ));
    }
    for ((table, name), (unique, kind, mut parts)) in indexes {
        let Some(t) = catalog.tables.get_mut(&table) else {
            continue;
        };
        parts.sort_by_key(|p| p.0);
        if name == "PRIMARY" {
            t.primary_key = parts.into_iter().filter_map(|p| p.1).collect();
            continue;
        }
        let using = match kind.to_ascii_uppercase().as_str() {
            "" | "BTREE" => Some(None),
            other => IndexMethod::parse(other)
                .filter(|m| m.is_some_and(|m| m.is_mysql_kind() || m == IndexMethod::Hash)),
        };
        let Some(using) = using else {
            let spelled: Vec<String> = parts
                .iter()
                .map(|p| p.1.clone().unwrap_or_else(|| "(expression)".into()))
                .collect();
            t.unmodelled.insert(
                format!("index {name}"),
                Unmodelled::new(
                    format!("is a {kind} index on ({})", spelled.join(", ")),
                    &[&name],
                ),
            );
            continue;
        };
        let mut ix = CatalogIndex {
            unique,
            ..Default::default()
        };
        ix.options.using = using;
        for (_, column, prefix, collation, expression) in parts {
            let o = &mut ix.options;
            match (column, expression) {
                // A column before any expression is a plain key column.
                (Some(c), _) if o.expressions.is_empty() => ix.columns.push(c),
                (Some(c), _) => o.expressions.push(c),
                (None, e) => {
                    let e = clean_expression(&e.unwrap_or_default(), flavor == Flavor::Mysql);
                    o.expressions.push(expr::normalize(&e).unwrap_or(e));
                }
            }
            o.descending.push(collation.eq_ignore_ascii_case("D"));
            // A SPATIAL index reports the length of its geometry key.
            o.prefix_lengths.push(
                prefix
                    .filter(|_| using != Some(IndexMethod::Spatial))
                    .unwrap_or(0),
            );
        }
        let count = ix.columns.len() + ix.options.expressions.len();
        ix.options = std::mem::take(&mut ix.options).tidy(count);
        if unique && ix.options.is_plain() {
            t.uniques.insert(name, ix.columns);
        } else {
            t.indexes.insert(name, ix);
        }
    }

    type FkRows = (String, OnDelete, String, Vec<(i64, String, String)>);
    let mut fks: BTreeMap<(String, String), FkRows> = BTreeMap::new();
    for r in &rows.foreign_keys {
        let e = fks
            .entry((text(col(r, 0)), text(col(r, 1))))
            .or_insert_with(|| {
                (
                    text(col(r, 4)),
                    delete_rule(&text(col(r, 6))),
                    text(col(r, 7)),
                    Vec::new(),
                )
            });
        e.3.push((int(col(r, 3)), text(col(r, 2)), text(col(r, 5))));
    }
    for ((table, name), (ref_table, on_delete, on_update, mut cols)) in fks {
        let Some(t) = catalog.tables.get_mut(&table) else {
            continue;
        };
        cols.sort();
        t.foreign_keys.insert(
            name,
            CatalogForeignKey {
                columns: cols.iter().map(|(_, c, _)| c.clone()).collect(),
                ref_table,
                ref_columns: cols.into_iter().map(|(_, _, r)| r).collect(),
                on_delete,
                on_update: delete_rule(&on_update),
            },
        );
    }

    for r in &rows.checks {
        let Some(t) = catalog.tables.get_mut(&text(col(r, 0))) else {
            continue;
        };
        let name = text(col(r, 1));
        let clause = clean_expression(&text(col(r, 2)), flavor == Flavor::Mysql);
        let normal = expr::normalize(&clause).unwrap_or(clause);
        // MariaDB's JSON: LONGTEXT with a column check `json_valid(col)` named after it.
        if flavor == Flavor::Mariadb
            && let Some(c) = t.columns.get_mut(&name)
            && c.ty == ColumnType::Text
            && expr::normalize(&format!("json_valid(`{}`)", name.replace('`', "``")))
                .is_ok_and(|j| j == normal)
        {
            c.ty = ColumnType::Json;
            continue;
        }
        t.checks.insert(name, normal);
    }
    for (table, column, charset, collation) in collated {
        let Some(c) = catalog
            .tables
            .get_mut(&table)
            .and_then(|t| t.columns.get_mut(&column))
        else {
            continue;
        };
        // JSON carries a collation of its own (utf8mb4_bin).
        if c.ty != ColumnType::Json {
            c.charset = charset;
            c.collation = collation;
        }
    }
    catalog.objects = rows
        .objects
        .iter()
        .filter_map(|r| {
            Some(CatalogObject {
                kind: ObjectKind::parse(&text(col(r, 0)))?,
                name: text(col(r, 1)),
                table: opt_text(col(r, 2)),
                definition: text(col(r, 3)),
            })
        })
        .collect();
    catalog
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }
    fn n() -> Value {
        Value::Null
    }

    #[test]
    fn types_map_back_to_tokens() {
        let cases = [
            ("tinyint(1)", ColumnType::Boolean),
            ("smallint(6)", ColumnType::SmallInt),
            ("smallint", ColumnType::SmallInt),
            ("int(11)", ColumnType::Integer),
            ("int", ColumnType::Integer),
            ("bigint(20)", ColumnType::BigInt),
            ("bigint", ColumnType::BigInt),
            ("float", ColumnType::Real),
            ("double", ColumnType::Double),
            ("varchar(20)", ColumnType::Varchar(20)),
            ("longtext", ColumnType::Text),
            ("longblob", ColumnType::Blob),
            (
                "decimal(5,2)",
                ColumnType::Decimal {
                    precision: 5,
                    scale: 2,
                },
            ),
            ("date", ColumnType::Date),
            ("time(6)", ColumnType::Time),
            ("datetime(6)", ColumnType::Timestamp),
            ("char(36)", ColumnType::Uuid),
            ("json", ColumnType::Json),
            (
                "int(10) unsigned",
                // A history's raw("int unsigned") compares equal to uint32.
                ColumnType::Unsigned(32),
            ),
            ("text", ColumnType::Raw("text".into())),
            ("datetime", ColumnType::Raw("datetime".into())),
        ];
        for (sql, want) in cases {
            assert_eq!(parse_type(sql), want, "{sql}");
        }
        assert_eq!(canonical_raw("INT(10) UNSIGNED"), "int unsigned");
        assert_eq!(canonical_raw("Integer  unsigned"), "int unsigned");
        // ENUM and SET members keep their case and spaces (they are data).
        assert_eq!(
            canonical_raw("ENUM('G','PG-13','NC-17')"),
            "enum('G','PG-13','NC-17')"
        );
        assert_eq!(
            canonical_raw("SET('Deleted  Scenes','it''s','a\\'B')  CHARACTER SET utf8mb4"),
            "set('Deleted  Scenes','it''s','a\\'B') character set utf8mb4"
        );
    }

    #[test]
    fn mariadb_defaults() {
        let d = |s: Option<&str>, ty: &ColumnType| parse_default(Flavor::Mariadb, s, "", ty);
        let v = |l: Literal| Some(ColumnDefault::Value(l));
        assert_eq!(
            d(Some("'ACTIVO'"), &ColumnType::Varchar(20)),
            v(Literal::Str("ACTIVO".into()))
        );
        assert_eq!(
            d(Some("'it''s \\\\ x'"), &ColumnType::Varchar(20)),
            v(Literal::Str("it's \\ x".into()))
        );
        assert_eq!(d(Some("NULL"), &ColumnType::Varchar(20)), None);
        assert_eq!(
            d(Some("'NULL'"), &ColumnType::Varchar(20)),
            v(Literal::Str("NULL".into()))
        );
        assert_eq!(d(None, &ColumnType::Integer), None);
        assert_eq!(d(Some("1"), &ColumnType::Boolean), v(Literal::Bool(true)));
        assert_eq!(d(Some("-3"), &ColumnType::Integer), v(Literal::Int(-3)));
        assert_eq!(d(Some("2.5"), &ColumnType::Double), v(Literal::Float(2.5)));
        assert_eq!(
            d(
                Some("1.50"),
                &ColumnType::Decimal {
                    precision: 5,
                    scale: 2
                }
            ),
            v(Literal::Str("1.50".into()))
        );
        assert_eq!(
            d(Some("'{\"a\": 1}'"), &ColumnType::Text),
            v(Literal::Str("{\"a\": 1}".into()))
        );
        assert_eq!(
            d(Some("current_timestamp(6)"), &ColumnType::Timestamp),
            Some(ColumnDefault::Sql("CURRENT_TIMESTAMP".into()))
        );
        assert_eq!(
            d(Some("curdate()"), &ColumnType::Date),
            Some(ColumnDefault::Sql("CURRENT_DATE".into()))
        );
        assert_eq!(
            d(Some("uuid()"), &ColumnType::Uuid),
            Some(ColumnDefault::Sql("uuid()".into()))
        );
    }

    #[test]
    fn mysql8_defaults() {
        let d = |s: Option<&str>, extra: &str, ty: &ColumnType| {
            parse_default(Flavor::Mysql, s, extra, ty)
        };
        let v = |l: Literal| Some(ColumnDefault::Value(l));
        assert_eq!(
            d(Some("ACTIVO"), "", &ColumnType::Varchar(20)),
            v(Literal::Str("ACTIVO".into()))
        );
        assert_eq!(
            d(Some("it's"), "", &ColumnType::Varchar(20)),
            v(Literal::Str("it's".into()))
        );
        assert_eq!(d(None, "", &ColumnType::Varchar(20)), None);
        assert_eq!(
            d(Some("0"), "", &ColumnType::Boolean),
            v(Literal::Bool(false))
        );
        assert_eq!(d(Some("-3"), "", &ColumnType::Integer), v(Literal::Int(-3)));
        assert_eq!(
            d(
                Some("1.50"),
                "",
                &ColumnType::Decimal {
                    precision: 5,
                    scale: 2
                }
            ),
            v(Literal::Str("1.50".into()))
        );
        assert_eq!(
            d(
                Some("2020-01-01 10:00:00.000000"),
                "",
                &ColumnType::Timestamp
            ),
            v(Literal::Str("2020-01-01 10:00:00.000000".into()))
        );
        // Expression defaults: `DEFAULT ('x')` on TEXT/JSON.
        assert_eq!(
            d(
                Some("_utf8mb4\\'x\\'"),
                "DEFAULT_GENERATED",
                &ColumnType::Text
            ),
            v(Literal::Str("x".into()))
        );
        assert_eq!(
            d(
                Some("_utf8mb4\\'{\"a\": 1}\\'"),
                "DEFAULT_GENERATED",
                &ColumnType::Json
            ),
            v(Literal::Str("{\"a\": 1}".into()))
        );
        assert_eq!(
            d(
                Some("CURRENT_TIMESTAMP(6)"),
                "DEFAULT_GENERATED",
                &ColumnType::Timestamp
            ),
            Some(ColumnDefault::Sql("CURRENT_TIMESTAMP".into()))
        );
        assert_eq!(
            d(Some("uuid()"), "DEFAULT_GENERATED", &ColumnType::Uuid),
            Some(ColumnDefault::Sql("uuid()".into()))
        );
    }

    #[test]
    fn checks_compare_across_spellings() {
        let model = canonical_expr("edad >= 0 AND edad < 200");
        assert_eq!(model, canonical_expr("((`edad` >= 0) and (`edad` < 200))"));
        assert_eq!(
            canonical_expr("estado IN ('A', 'B')"),
            canonical_expr(&clean_expression(
                "(`estado` in (_utf8mb4\\'A\\',_utf8mb4\\'B\\'))",
                true
            ))
        );
        assert_eq!(
            canonical_expr("LENGTH(nombre) > 0"),
            canonical_expr("(length(`nombre`) > 0)")
        );
        // MariaDB stores `length` as `octet_length`.
        assert_eq!(
            canonical_expr("length(nombre) > 0"),
            canonical_expr("octet_length(`nombre`) > 0")
        );
        assert_ne!(
            canonical_expr("(a OR b) AND c"),
            canonical_expr("a OR (b AND c)")
        );
        assert_eq!(
            canonical_expr("fecha_fin IS NULL OR fecha_fin >= fecha_inicio"),
            canonical_expr("((`fecha_fin` is null) or (`fecha_fin` >= `fecha_inicio`))")
        );
    }

    #[test]
    fn checks_compare_as_mariadb_rewrites_them() {
        // (model spelling, MariaDB 10.11's CHECK_CLAUSE)
        let cases = [
            (
                "CASE WHEN qty > 0 THEN true ELSE false END",
                "case when `qty` > 0 then 1 else 0 end",
            ),
            (
                "CASE WHEN qty IS NULL THEN TRUE ELSE qty >= 0 END",
                "case when `qty` is null then 1 else `qty` >= 0 end",
            ),
            ("NOT (qty IS NULL)", "`qty` is not null"),
            ("NOT (qty IS NOT NULL) OR a > 0", "`qty` is null or `a` > 0"),
            ("NOT (a = b)", "`a` <> `b`"),
            ("a != b", "`a` <> `b`"),
            ("NOT a > b", "`a` <= `b`"),
            ("a IS TRUE OR b = FALSE", "`a` is true or `b` = 0"),
            ("NOT (s LIKE 'x%')", "`s`  not like 'x%'"),
            ("NOT (a IN (1, 2))", "`a` not in (1,2)"),
            ("NOT (a BETWEEN 1 AND 2)", "`a` not between 1 and 2"),
            ("NOT (a > 0 AND b > 0)", "`a` <= 0 or `b` <= 0"),
            ("NOT (a > 0 OR NOT (b > 0))", "`a` <= 0 and `b` > 0"),
            (
                "NOT (a IS NOT NULL AND s IS NULL)",
                "`a` is null or `s` is not null",
            ),
            ("NOT a", "`a` = 0"),
            ("NOT NOT (a = b)", "`a` = `b`"),
            ("NOT length(s)", "!octet_length(`s`)"),
            ("NOT (a + b)", "!(`a` + `b`)"),
        ];
        for (model, stored) in cases {
            assert_eq!(
                canonical_expr(model),
                canonical_expr(stored),
                "{model} vs {stored}"
            );
        }
        // NOT IS TRUE is IS NOT TRUE, however it is spelt.
        assert_eq!(
            canonical_expr("NOT (a IS TRUE)"),
            canonical_expr("`a` is not true")
        );
        assert_eq!(
            canonical_expr("NOT (a IS NOT TRUE)"),
            canonical_expr("!(`a` is not true)")
        );
        assert_eq!(
            canonical_expr("CASE WHEN qty > 0 THEN true ELSE false END"),
            "CASE WHEN qty > 0 THEN 1 ELSE 0 END"
        );
        assert_eq!(canonical_expr("NOT (qty IS NULL)"), "qty IS NOT NULL");
        assert_eq!(
            canonical_expr("NOT (a > 0 AND b > 0)"),
            "(a <= 0) OR (b <= 0)"
        );
        // Different meanings stay different.
        assert_ne!(canonical_expr("NOT (a = b)"), canonical_expr("a = b"));
        assert_ne!(
            canonical_expr("NOT (a > 0 AND b > 0)"),
            canonical_expr("a <= 0 AND b <= 0")
        );
        assert_ne!(canonical_expr("NOT length(s)"), canonical_expr("length(s)"));
        // `!` inside strings and `!=` are left alone.
        assert_eq!(bang_to_not("s <> '!x' AND a != b"), "s <> '!x' AND a != b");
        assert_eq!(bang_to_not("!(`a!` + f(')'))"), "(NOT (`a!` + f(')')))");
        assert_eq!(
            bang_to_not("!`t`.`c` OR !f(x)"),
            "(NOT `t`.`c`) OR (NOT f(x))"
        );
    }

    #[test]
    fn mariadb_reports_year_with_its_width() {
        assert_eq!(canonical_raw("year(4)"), "year");
        assert_eq!(canonical_raw("YEAR"), "year");
        let mut c = Catalog::default();
        let mut t = CatalogTable::default();
        for (name, ty) in [("a", "year"), ("b", "year(4)")] {
            t.columns.insert(
                name.into(),
                CatalogColumn {
                    ty: ColumnType::Raw(ty.into()),
                    null: true,
                    default: None,
                    comment: None,
                    auto: Auto::No,
                    collation: None,
                    charset: None,
                    on_update_sql: None,
                    generated: None,
                },
            );
        }
        c.tables.insert("t".into(), t);
        normalize(&mut c);
        assert_eq!(c.tables["t"].columns["a"], c.tables["t"].columns["b"]);
    }

    #[test]
    fn introducers_are_removed_outside_strings_only() {
        assert_eq!(clean_expression("_utf8mb4'a'", false), "'a'");
        assert_eq!(clean_expression("'_utf8mb4''x'", false), "'_utf8mb4''x'");
        assert_eq!(clean_expression("a_b = 'x'", true), "a_b = 'x'");
        assert_eq!(clean_expression("_latin1\\'x\\'", true), "'x'");
        assert_eq!(clean_expression("'a\\\\'", true), "'a\\\\'");
    }

    #[test]
    fn offsets_are_applied_for_utc() {
        assert_eq!(
            to_utc("2024-01-01 00:00:00+02:00").unwrap(),
            "2023-12-31 22:00:00"
        );
        assert_eq!(
            to_utc("2024-02-28T23:30:00.5-01:00").unwrap(),
            "2024-02-29 00:30:00.5"
        );
        assert_eq!(
            to_utc("2024-01-01T00:00:00Z").unwrap(),
            "2024-01-01 00:00:00"
        );
        assert_eq!(to_utc("2024-01-01 00:00:00"), None);
    }

    #[test]
    fn decimals_and_times_read_back_padded() {
        assert_eq!(canonical_decimal("1.5", 2), "1.50");
        assert_eq!(canonical_decimal("-0.5", 2), "-0.50");
        assert_eq!(canonical_decimal("007", 0), "7");
        assert_eq!(canonical_time("10:00"), "10:00:00.000000");
        assert_eq!(canonical_time("10:00:01.5"), "10:00:01.500000");
        assert_eq!(
            canonical_timestamp("2020-01-01T10:00"),
            "2020-01-01 10:00:00.000000"
        );
    }

    /// Rows as the `mysql` client prints them with `--batch`, one per line,
    /// columns separated by `|`, `\\N` for SQL NULL.
    fn rows(text: &str) -> Vec<Vec<Value>> {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| {
                l.split('|')
                    .map(|v| if v == "\\N" { n() } else { t(v) })
                    .collect()
            })
            .collect()
    }

    /// The clinic's `patient` and `ingreso` tables as remodel creates them,
    /// in the catalog rows of MySQL 8.0 (8.0.19+: no integer display widths,
    /// unquoted literal defaults, expression defaults marked
    /// `DEFAULT_GENERATED` with introduced, backslash-escaped strings).
    fn mysql8_rows() -> CatalogRows {
        CatalogRows {
            tables: rows(
                "ingreso|
                 patient|pacientes",
            ),
            columns: rows(
                r"ingreso|id|bigint|NO|\N|auto_increment|
                  ingreso|paciente_id|bigint|NO|\N||
                  ingreso|nota|longtext|NO|_utf8mb4\'-\'|DEFAULT_GENERATED|
                  ingreso|datos|json|YES|\N||
                  ingreso|creado|datetime(6)|NO|CURRENT_TIMESTAMP(6)|DEFAULT_GENERATED|
                  patient|id|bigint|NO|\N|auto_increment|
                  patient|nombre|varchar(100)|NO|\N||
                  patient|edad|int|NO|\N||
                  patient|documento|varchar(20)|NO|\N||national id
                  patient|estado|varchar(20)|NO|ACTIVO||
                  patient|activo|tinyint(1)|NO|1||
                  patient|ciudad|longtext|YES|\N||",
            ),
            indexes: rows(
                "ingreso|PRIMARY|0|1|id
                 ingreso|ingreso_paciente_id_fk|1|1|paciente_id
                 patient|PRIMARY|0|1|id
                 patient|patient_documento_uniq|0|1|documento
                 patient|patient_nombre_edad_idx|1|2|edad
                 patient|patient_nombre_edad_idx|1|1|nombre",
            ),
            foreign_keys: rows("ingreso|ingreso_paciente_id_fk|paciente_id|1|patient|id|CASCADE"),
            checks: rows("patient|patient_edad_no_negativa|(`edad` >= 0)"),
            objects: rows(
                r"event|purge_old|\N|DELETE FROM ingreso WHERE creado < NOW() - INTERVAL 1 YEAR
                  function|edad_de|\N|RETURN 1
                  partition|p0|ingreso|1000
                  partitioned table|ingreso|ingreso|RANGE (`id`)
                  procedure|limpiar|\N|BEGIN END
                  trigger|ingreso_ai|ingreso|BEGIN END
                  view|patient_list|\N|select `patient`.`nombre` AS `nombre` from `patient`
                  weird thing|x|\N|",
            ),
        }
    }

    /// The same tables in the catalog rows of MariaDB 10.11 (display widths,
    /// quoted literal defaults, `NULL` as text for "no default", JSON as
    /// LONGTEXT with a `json_valid` column check).
    fn mariadb_rows() -> CatalogRows {
        CatalogRows {
            columns: rows(
                r"ingreso|id|bigint(20)|NO|\N|auto_increment|
                  ingreso|paciente_id|bigint(20)|NO|\N||
                  ingreso|nota|longtext|NO|'-'||
                  ingreso|datos|longtext|YES|NULL||
                  ingreso|creado|datetime(6)|NO|current_timestamp(6)||
                  patient|id|bigint(20)|NO|\N|auto_increment|
                  patient|nombre|varchar(100)|NO|\N||
                  patient|edad|int(11)|NO|\N||
                  patient|documento|varchar(20)|NO|\N||national id
                  patient|estado|varchar(20)|NO|'ACTIVO'||
                  patient|activo|tinyint(1)|NO|1||
                  patient|ciudad|longtext|YES|NULL||",
            ),
            checks: rows(
                "ingreso|datos|json_valid(`datos`)
                 patient|patient_edad_no_negativa|`edad` >= 0",
            ),
            ..mysql8_rows()
        }
    }

    /// What real tables hold is read as models say it: ON UPDATE
    /// CURRENT_TIMESTAMP, a generated column, a foreign key's ON UPDATE, a
    /// prefix, FULLTEXT, descending or expression index.
    #[test]
    fn unmodelled_facts_are_kept() {
        let r = CatalogRows {
            tables: rows("item|"),
            columns: rows(
                r"item|id|bigint|NO|\N|auto_increment||\N
                  item|name|varchar(100)|NO|\N|||\N
                  item|seen|datetime(6)|NO|CURRENT_TIMESTAMP(6)|DEFAULT_GENERATED on update CURRENT_TIMESTAMP(6)||\N
                  item|upper_name|varchar(100)|YES|\N|VIRTUAL GENERATED||upper(`name`)
                  item|owner_id|bigint|NO|\N|||\N",
            ),
            indexes: rows(
                r"item|PRIMARY|0|1|id|\N|BTREE|A
                  item|item_name_prefix|1|1|name|10|BTREE|A
                  item|item_name_text|1|1|name|\N|FULLTEXT|\N
                  item|item_name_desc|1|1|name|\N|BTREE|D
                  item|item_lower|1|1|\N|\N|BTREE|A|lower(`name`)
                  item|item_owner|1|1|owner_id|\N|BTREE|A",
            ),
            foreign_keys: rows("item|item_owner|owner_id|1|item|id|RESTRICT|CASCADE"),
            checks: Vec::new(),
            objects: Vec::new(),
        };
        let c = catalog_from_rows(Flavor::Mysql, &r);
        let t = &c.tables["item"];
        assert!(t.unmodelled.is_empty(), "{:?}", t.unmodelled);
        // A generated column is a column with its expression.
        assert_eq!(
            t.columns["upper_name"].generated,
            Some(Generated {
                expr: "upper(name)".into(),
                stored: false
            })
        );
        assert!(t.columns.contains_key("seen"));
        // Prefix, FULLTEXT, descending and (MySQL 8) expression indexes are
        // read as the model says them.
        let described: Vec<String> = t
            .indexes
            .iter()
            .map(|(n, ix)| format!("{n} {}", ix.options.describe(&ix.columns)))
            .collect();
        assert_eq!(
            described,
            [
                "item_lower ((lower(name)))",
                "item_name_desc (name DESC)",
                "item_name_prefix (name(10))",
                "item_name_text (name) using fulltext",
                "item_owner (owner_id)",
            ]
        );
        // ON UPDATE is said by the model, of a column and of a foreign key.
        assert_eq!(
            t.columns["seen"].on_update_sql.as_deref(),
            Some("CURRENT_TIMESTAMP")
        );
        let fk = &t.foreign_keys["item_owner"];
        assert_eq!(fk.on_update, remodel_model::OnDelete::Cascade);
        assert_eq!(fk.on_delete, remodel_model::OnDelete::Restrict);
    }

    /// Views, triggers, routines, events, sequences and partitions are
    /// read as objects, with what they belong to; an unknown kind is skipped.
    #[test]
    fn objects_other_than_tables_are_read() {
        let c = catalog_from_rows(Flavor::Mysql, &mysql8_rows());
        let objects: Vec<String> = c
            .objects
            .iter()
            .map(|o| {
                format!(
                    "{} {} on {}: {}",
                    o.kind.noun(),
                    o.name,
                    o.table.as_deref().unwrap_or("-"),
                    o.definition
                )
            })
            .collect();
        assert_eq!(
            objects,
            [
                "event purge_old on -: DELETE FROM ingreso WHERE creado < NOW() - INTERVAL 1 YEAR",
                "function edad_de on -: RETURN 1",
                "partition p0 on ingreso: 1000",
                "partitioned table ingreso on ingreso: RANGE (`id`)",
                "procedure limpiar on -: BEGIN END",
                "trigger ingreso_ai on ingreso: BEGIN END",
                "view patient_list on -: select `patient`.`nombre` AS `nombre` from `patient`",
            ]
        );
        // Objects are not compared as drift (yet).
        let mut bare = c.clone();
        bare.objects.clear();
        assert!(bare.differences(&c).is_empty());
    }

    #[test]
    fn mysql8_and_mariadb_rows_give_the_same_catalog() {
        let mut a = catalog_from_rows(Flavor::Mysql, &mysql8_rows());
        let mut b = catalog_from_rows(Flavor::Mariadb, &mariadb_rows());
        assert_eq!(a, b, "before normalising");
        normalize(&mut a);
        normalize(&mut b);
        assert!(a.differences(&b).is_empty(), "{:?}", a.differences(&b));

        let p = &a.tables["patient"];
        assert_eq!(p.comment.as_deref(), Some("pacientes"));
        assert_eq!(p.primary_key, ["id"]);
        assert_eq!(p.columns["id"].auto, Auto::Yes);
        assert_eq!(p.columns["activo"].ty, ColumnType::Boolean);
        assert_eq!(
            p.columns["estado"].default,
            Some(ColumnDefault::Value(Literal::Str("ACTIVO".into())))
        );
        assert_eq!(
            p.columns["documento"].comment.as_deref(),
            Some("national id")
        );
        assert_eq!(p.uniques["patient_documento_uniq"], ["documento"]);
        assert_eq!(
            p.indexes["patient_nombre_edad_idx"].columns,
            ["nombre", "edad"]
        );
        assert_eq!(
            p.checks["patient_edad_no_negativa"],
            canonical_expr("edad >= 0")
        );
        let i = &a.tables["ingreso"];
        assert_eq!(i.columns["datos"].ty, ColumnType::Json);
        assert!(i.checks.is_empty());
        assert!(
            i.indexes.is_empty(),
            "the implicit foreign key index is folded away"
        );
        assert_eq!(
            i.foreign_keys["ingreso_paciente_id_fk"].on_delete,
            OnDelete::Cascade
        );
        assert_eq!(
            i.columns["creado"].default,
            Some(ColumnDefault::Sql("CURRENT_TIMESTAMP".into()))
        );
        assert_eq!(
            i.columns["nota"].default,
            Some(ColumnDefault::Value(Literal::Str("-".into())))
        );
    }

    #[test]
    fn normalize_folds_model_spellings() {
        let mut c = Catalog::default();
        let mut t = CatalogTable::default();
        let column = |ty: ColumnType, default: Option<ColumnDefault>| CatalogColumn {
            ty,
            null: false,
            default,
            comment: Some(String::new()),
            auto: Auto::No,
            collation: None,
            charset: None,
            on_update_sql: None,
            generated: None,
        };
        t.columns.insert(
            "a".into(),
            column(
                ColumnType::TimestampTz,
                Some(ColumnDefault::Value(Literal::Str(
                    "2024-01-01 00:00:00+02:00".into(),
                ))),
            ),
        );
        t.columns
            .insert("b".into(), column(ColumnType::Raw("CHAR(36)".into()), None));
        t.columns.insert(
            "c".into(),
            column(
                ColumnType::Decimal {
                    precision: 5,
                    scale: 2,
                },
                Some(ColumnDefault::Value(Literal::Str("1.5".into()))),
            ),
        );
        t.columns.insert(
            "d".into(),
            column(
                ColumnType::Raw("INT(10) UNSIGNED".into()),
                Some(ColumnDefault::Sql("now()".into())),
            ),
        );
        c.tables.insert("t".into(), t);
        normalize(&mut c);
        let t = &c.tables["t"];
        assert_eq!(t.columns["a"].ty, ColumnType::Timestamp);
        assert_eq!(
            t.columns["a"].default,
            Some(ColumnDefault::Value(Literal::Str(
                "2023-12-31 22:00:00.000000".into()
            )))
        );
        assert_eq!(t.columns["a"].comment, None);
        assert_eq!(t.columns["b"].ty, ColumnType::Uuid);
        assert_eq!(
            t.columns["c"].default,
            Some(ColumnDefault::Value(Literal::Str("1.50".into())))
        );
        assert_eq!(t.columns["d"].ty, ColumnType::Unsigned(32));
        assert_eq!(
            t.columns["d"].default,
            Some(ColumnDefault::Sql("CURRENT_TIMESTAMP".into()))
        );
    }
}
