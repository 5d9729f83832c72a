//! Expressions as PostgreSQL stores them, and one canonical spelling for
//! comparing them with the model's.
//!
//! PostgreSQL prints check constraints and defaults from their parsed form:
//! `edad IN (1, 2)` comes back as `(edad = ANY (ARRAY[1, 2]))`, `nombre LIKE
//! 'A%'` as `((nombre)::text ~~ 'A%'::text)`, `x BETWEEN 0 AND 5` as `((x >= 0)
//! AND (x <= 5))`. [`canonical`] undoes those decorations on the sqlparser
//! tree (parentheses, casts of literals and columns, `= ANY (ARRAY[…])`,
//! `~~`, BETWEEN) and prints every compound operand in parentheses, so the
//! model's expression and the catalog's compare equal when they mean the same.

use super::types;
use remodel_model::{ColumnDefault, ColumnType, Literal};
use sqlparser::ast::{
    BinaryOperator, CastKind, DataType, Expr, Ident, ObjectNamePart, UnaryOperator, Value as V,
    visit_expressions_mut,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;
use std::ops::ControlFlow;

fn parse(sql: &str) -> Result<Expr, String> {
    let dialect = PostgreSqlDialect {};
    let mut parser = Parser::new(&dialect)
        .try_with_sql(sql)
        .map_err(|e| e.to_string())?;
    let expr = parser.parse_expr().map_err(|e| e.to_string())?;
    let next = parser.peek_token();
    if next.token != Token::EOF {
        return Err(format!("unexpected `{}` after the expression", next.token));
    }
    Ok(expr)
}

fn take(b: &mut Expr) -> Expr {
    std::mem::replace(b, Expr::Value(V::Null.into()))
}

fn is_plain(v: &str) -> bool {
    v.chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn fold(id: &mut Ident, quote_all: bool) {
    if id.quote_style.is_none() {
        id.value = id.value.to_lowercase();
    }
    id.quote_style = if quote_all || !is_plain(&id.value) {
        Some('"')
    } else {
        None
    };
}

/// A literal number as text, if `e` is one (`3`, `-3`, `'-3'`).
fn number_text(e: &Expr) -> Option<String> {
    match e {
        Expr::Value(v) => match &v.value {
            V::Number(n, _) => Some(n.clone()),
            _ => None,
        },
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => number_text(expr).map(|n| match n.strip_prefix('-') {
            Some(pos) => pos.to_string(),
            None => format!("-{n}"),
        }),
        _ => None,
    }
}

/// Whether a string literal holds a number (`-3`, `1.50`, `1e+20`).
fn is_number(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
        && s.parse::<f64>().is_ok_and(f64::is_finite)
}

/// Whether a cast over `e` is a decoration PostgreSQL adds (or a spelling
/// the user chose) that does not change what is compared.
fn castable_atom(e: &Expr) -> bool {
    matches!(
        e,
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::Value(_) | Expr::Array(_)
    ) || number_text(e).is_some()
}

fn simplify(e: &mut Expr, quote_all: bool) {
    match e {
        Expr::Nested(inner) => *e = take(inner),
        Expr::Cast {
            kind: CastKind::Cast | CastKind::DoubleColon,
            expr,
            format: None,
            ..
        } if castable_atom(expr) => {
            let inner = take(expr);
            // '-3'::integer is the number -3.
            *e = match &inner {
                Expr::Value(v) => match &v.value {
                    V::SingleQuotedString(s) if is_number(s) => {
                        Expr::Value(V::Number(s.clone(), false).into())
                    }
                    _ => inner,
                },
                _ => inner,
            };
        }
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            ..
        } if number_text(e).is_some() => {
            let n = number_text(e).unwrap_or_default();
            *e = Expr::Value(V::Number(n, false).into());
        }
        Expr::TypedString(ts) => *e = Expr::Value(ts.value.clone()),
        // `INTERVAL '1 day'` reads back as '1 day'::interval.
        Expr::Interval(i)
            if i.leading_field.is_none()
                && i.last_field.is_none()
                && i.leading_precision.is_none()
                && i.fractional_seconds_precision.is_none() =>
        {
            *e = take(&mut i.value);
        }
        // PostgreSQL reads `x IN (a)` as `x = a`.
        Expr::InList {
            expr,
            list,
            negated,
        } if list.len() == 1 => {
            *e = Expr::BinaryOp {
                left: Box::new(take(expr)),
                op: if *negated {
                    BinaryOperator::NotEq
                } else {
                    BinaryOperator::Eq
                },
                right: Box::new(list.remove(0)),
            };
        }
        Expr::AnyOp {
            left,
            compare_op: BinaryOperator::Eq,
            right,
            ..
        } if matches!(**right, Expr::Array(_)) => {
            let Expr::Array(arr) = take(right) else {
                return;
            };
            *e = Expr::InList {
                expr: Box::new(take(left)),
                list: arr.elem,
                negated: false,
            };
        }
        Expr::AllOp {
            left,
            compare_op: BinaryOperator::NotEq,
            right,
        } if matches!(**right, Expr::Array(_)) => {
            let Expr::Array(arr) = take(right) else {
                return;
            };
            *e = Expr::InList {
                expr: Box::new(take(left)),
                list: arr.elem,
                negated: true,
            };
        }
        Expr::BinaryOp { left, op, right }
            if matches!(
                op,
                BinaryOperator::PGLikeMatch
                    | BinaryOperator::PGNotLikeMatch
                    | BinaryOperator::PGILikeMatch
                    | BinaryOperator::PGNotILikeMatch
            ) =>
        {
            let negated = matches!(
                op,
                BinaryOperator::PGNotLikeMatch | BinaryOperator::PGNotILikeMatch
            );
            let ilike = matches!(
                op,
                BinaryOperator::PGILikeMatch | BinaryOperator::PGNotILikeMatch
            );
            let (expr, pattern) = (Box::new(take(left)), Box::new(take(right)));
            *e = if ilike {
                Expr::ILike {
                    negated,
                    any: false,
                    expr,
                    pattern,
                    escape_char: None,
                }
            } else {
                Expr::Like {
                    negated,
                    any: false,
                    expr,
                    pattern,
                    escape_char: None,
                }
            };
        }
        Expr::Between {
            expr,
            negated,
            low,
            high,
        } => {
            let (x, lo, hi) = (take(expr), take(low), take(high));
            let cmp = |l: Expr, op, r: Expr| Expr::BinaryOp {
                left: Box::new(l),
                op,
                right: Box::new(r),
            };
            *e = if *negated {
                cmp(
                    cmp(x.clone(), BinaryOperator::Lt, lo),
                    BinaryOperator::Or,
                    cmp(x, BinaryOperator::Gt, hi),
                )
            } else {
                cmp(
                    cmp(x.clone(), BinaryOperator::GtEq, lo),
                    BinaryOperator::And,
                    cmp(x, BinaryOperator::LtEq, hi),
                )
            };
        }
        Expr::Identifier(id) => fold(id, quote_all),
        Expr::CompoundIdentifier(ids) => ids.iter_mut().for_each(|id| fold(id, quote_all)),
        Expr::Function(f) => {
            for part in &mut f.name.0 {
                if let ObjectNamePart::Identifier(id) = part
                    && id.quote_style.is_none()
                {
                    id.value = id.value.to_lowercase();
                }
            }
        }
        _ => {}
    }
}

fn is_atom(e: &Expr) -> bool {
    matches!(
        e,
        Expr::Identifier(_)
            | Expr::CompoundIdentifier(_)
            | Expr::Value(_)
            | Expr::Function(_)
            | Expr::Cast { .. }
            | Expr::Nested(_)
            | Expr::Array(_)
            | Expr::TypedString(_)
            | Expr::Case { .. }
            | Expr::Subquery(_)
    )
}

fn wrap(b: &mut Box<Expr>) {
    if !is_atom(b) {
        let inner = take(b);
        **b = Expr::Nested(Box::new(inner));
    }
}

/// Puts every compound operand of an operator in parentheses.
fn parenthesize(e: &mut Expr) {
    match e {
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
        | Expr::IsNotFalse(expr)
        | Expr::IsUnknown(expr)
        | Expr::IsNotUnknown(expr)
        | Expr::InList { expr, .. } => wrap(expr),
        Expr::Like { expr, pattern, .. } | Expr::ILike { expr, pattern, .. } => {
            wrap(expr);
            wrap(pattern);
        }
        Expr::IsDistinctFrom(a, b) | Expr::IsNotDistinctFrom(a, b) => {
            wrap(a);
            wrap(b);
        }
        _ => {}
    }
}

/// Whether a type (as a cast spells it) holds strings: text, varchar,
/// char, name. Casts between them, and from them to `regclass`, are ones
/// PostgreSQL also makes by itself (`c = 'x'::varchar` on a varchar column
/// reads back as `(c)::text = ('x'::character varying)::text`).
fn is_string_type(spelled: &str) -> bool {
    match types::from_sql(spelled) {
        ColumnType::Text | ColumnType::Varchar(_) => true,
        ColumnType::Raw(raw) => {
            raw.starts_with("character")
                || matches!(raw.as_str(), "name" | "bpchar" | "\"char\"" | "regclass")
        }
        _ => false,
    }
}

/// A literal as it is written inside a cast chain: `'it''s'`, `5`, `-5`.
fn literal_sql(e: &Expr) -> Option<String> {
    let mut e = e;
    while let Expr::Nested(inner) = e {
        e = inner;
    }
    match e {
        Expr::Value(v) => match &v.value {
            V::SingleQuotedString(s) | V::EscapedStringLiteral(s) => {
                Some(format!("'{}'", s.replace('\'', "''")))
            }
            _ => number_text(e),
        },
        _ => number_text(e),
    }
}

/// The spelling of a type inside a cast chain: as `format_type` prints it.
fn cast_type(ty: &DataType) -> String {
    match types::from_sql(&ty.to_string()) {
        ColumnType::Raw(raw) => raw,
        known => types::format_type_of(&known),
    }
}

/// A literal cast to a string type and then to another type, as in
/// `DEFAULT ('now'::text)::date`: PostgreSQL converts the text when a row is
/// written, whereas `'now'::date` is converted once, when the table is
/// created, so the chain is an expression, not the literal it starts from.
/// Returns the chain in one spelling (`('now'::text)::date`), whether it
/// was written with `::` or `CAST`, with or without parentheses; chains over
/// such a chain are kept whole too. `None` for anything else, including the
/// casts between string types PostgreSQL adds by itself.
fn runtime_cast(e: &Expr) -> Option<String> {
    let Expr::Cast {
        kind: CastKind::Cast | CastKind::DoubleColon,
        expr,
        data_type,
        format: None,
    } = e
    else {
        return None;
    };
    let mut inner = &**expr;
    while let Expr::Nested(x) = inner {
        inner = x;
    }
    let operand = match inner {
        // An inner chain already spelled (see `canonical_with`).
        Expr::Value(v) => match &v.value {
            V::Placeholder(chain) if chain.starts_with('(') => chain.clone(),
            _ => return None,
        },
        Expr::Cast {
            kind: CastKind::Cast | CastKind::DoubleColon,
            expr: literal,
            data_type: via,
            format: None,
        } => {
            let via_text = cast_type(via);
            if !is_string_type(&via_text) || is_string_type(&cast_type(data_type)) {
                return None;
            }
            format!("{}::{via_text}", literal_sql(literal)?)
        }
        _ => return None,
    };
    Some(format!("({operand})::{}", cast_type(data_type)))
}

fn canonical_with(sql: &str, quote_all: bool) -> Result<String, String> {
    let mut expr = parse(sql)?;
    // Cast chains evaluated at run time are kept whole, as one opaque atom
    // the simplifications below leave alone.
    let _ = visit_expressions_mut(&mut expr, |e| {
        if let Some(chain) = runtime_cast(e) {
            *e = Expr::Value(V::Placeholder(chain).into());
        }
        ControlFlow::<()>::Continue(())
    });
    let _ = visit_expressions_mut(&mut expr, |e| {
        // Rewrites can expose another one (a cast inside parentheses).
        for _ in 0..4 {
            let before = e.clone();
            simplify(e, quote_all);
            if *e == before {
                break;
            }
        }
        ControlFlow::<()>::Continue(())
    });
    while let Expr::Nested(inner) = expr {
        expr = *inner;
    }
    let _ = visit_expressions_mut(&mut expr, |e| {
        parenthesize(e);
        ControlFlow::<()>::Continue(())
    });
    Ok(expr.to_string())
}

/// The canonical spelling of an expression (see the module docs); the text
/// itself when it does not parse.
pub(crate) fn canonical(sql: &str) -> String {
    match canonical_with(sql, false) {
        // An unquoted identifier that is a keyword may not read back: quote them all.
        Ok(text) if canonical_with(&text, false).as_deref() == Ok(text.as_str()) => text,
        Ok(_) => canonical_with(sql, true).unwrap_or_else(|_| sql.trim().to_string()),
        Err(_) => sql.trim().to_string(),
    }
}

/// Whether an expression is a call of `nextval(…)` (a serial column's default).
pub(crate) fn is_nextval(sql: &str) -> bool {
    matches!(parse(sql), Ok(Expr::Function(f)) if f.name.to_string().eq_ignore_ascii_case("nextval")
        || f.name.to_string().eq_ignore_ascii_case("pg_catalog.nextval"))
}

fn literal_from_number(n: &str, ty: &ColumnType) -> Option<Literal> {
    Some(match ty {
        ColumnType::Real | ColumnType::Double => Literal::Float(n.parse().ok()?),
        ColumnType::Decimal { .. } => Literal::Str(n.to_string()),
        ColumnType::Boolean => Literal::Bool(n.parse::<f64>().ok()? != 0.0),
        ColumnType::Varchar(_) | ColumnType::Text => Literal::Str(n.to_string()),
        _ => n
            .parse()
            .map(Literal::Int)
            .or_else(|_| n.parse().map(Literal::Float))
            .ok()?,
    })
}

fn literal_from_string(s: &str, ty: &ColumnType) -> Option<Literal> {
    match ty {
        ColumnType::SmallInt
        | ColumnType::Integer
        | ColumnType::BigInt
        | ColumnType::Unsigned(_)
        | ColumnType::Real
        | ColumnType::Double
        | ColumnType::Decimal { .. }
            if is_number(s.trim()) =>
        {
            literal_from_number(s.trim(), ty)
        }
        ColumnType::Boolean => match s.trim().to_ascii_lowercase().as_str() {
            "t" | "true" | "yes" | "on" | "1" => Some(Literal::Bool(true)),
            "f" | "false" | "no" | "off" | "0" => Some(Literal::Bool(false)),
            _ => None,
        },
        _ => Some(Literal::Str(s.to_string())),
    }
}

/// Reads a default as PostgreSQL prints it (`pg_get_expr`), or as a model's
/// `default_sql` says it, as a model default: literals (under any casts)
/// become values, anything else an expression in canonical spelling — a
/// literal converted at run time through a string type
/// (`('now'::text)::date`) included. `NULL` is no default.
pub(crate) fn parse_default(text: &str, ty: &ColumnType) -> Option<ColumnDefault> {
    let Ok(mut e) = parse(text) else {
        return Some(ColumnDefault::Sql(text.trim().to_string()));
    };
    loop {
        e = match e {
            Expr::Nested(inner) => *inner,
            Expr::Cast {
                kind: CastKind::Cast | CastKind::DoubleColon,
                expr,
                format: None,
                ..
            } if castable_atom(&expr) => *expr,
            Expr::TypedString(ts) => Expr::Value(ts.value),
            other => break e = other,
        };
    }
    let lit = match &e {
        Expr::Value(v) => match &v.value {
            V::Null => return None,
            V::SingleQuotedString(s) | V::EscapedStringLiteral(s) => literal_from_string(s, ty),
            V::Boolean(b) => Some(Literal::Bool(*b)),
            V::Number(n, _) => literal_from_number(n, ty),
            _ => None,
        },
        _ => number_text(&e).and_then(|n| literal_from_number(&n, ty)),
    };
    Some(match lit {
        Some(l) => ColumnDefault::Value(l),
        None => ColumnDefault::Sql(canonical(text)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(model: &str, catalog: &str) {
        assert_eq!(canonical(model), canonical(catalog), "{model} vs {catalog}");
    }

    #[test]
    fn checks_compare_equal_to_what_postgres_prints() {
        same("edad >= 0", "(edad >= 0)");
        same(
            "t2 in (1,2) and t2 between 0 and 5",
            "((t2 = ANY (ARRAY[1, 2])) AND ((t2 >= 0) AND (t2 <= 5)))",
        );
        same(
            "u like 'A%' and length(u) > 0",
            "(((u)::text ~~ 'A%'::text) AND (length((u)::text) > 0))",
        );
        same(
            "ai IN ('x', 'y')",
            "(ai = ANY (ARRAY['x'::text, 'y'::text]))",
        );
        same(
            "estado IN ('A', 'B')",
            "((estado)::text = ANY ((ARRAY['A'::character varying, 'B'::character varying])::text[]))",
        );
        same(
            "ai IS NOT NULL OR aj <> 'z'",
            "((ai IS NOT NULL) OR (aj <> 'z'::text))",
        );
        same("a > -3", "(a > '-3'::integer)");
        same("x IN (1)", "(x = 1)");
        same("x NOT IN (1, 2)", "(x <> ALL (ARRAY[1, 2]))");
        same("v > 0 AND NOT v > 5", "((v > 0) AND (NOT (v > 5)))");
        same("now() + interval '1 day'", "(now() + '1 day'::interval)");
        same("value > 0", "(value > (0)::double precision)");
        same("EDAD >= 0", "edad >= 0");
        same(
            "fecha_fin IS NULL OR fecha_fin >= fecha_inicio",
            "((fecha_fin IS NULL) OR (fecha_fin >= fecha_inicio))",
        );
        assert_ne!(canonical("(a OR b) AND c"), canonical("a OR (b AND c)"));
        assert_eq!(canonical("edad >= 0"), "edad >= 0");
        assert_eq!(canonical("a >= 0 AND a < 200"), "(a >= 0) AND (a < 200)");
    }

    #[test]
    fn defaults_read_back_as_literals() {
        let v = |l: Literal| Some(ColumnDefault::Value(l));
        assert_eq!(
            parse_default("'ACTIVO'::character varying", &ColumnType::Varchar(20)),
            v(Literal::Str("ACTIVO".into()))
        );
        assert_eq!(
            parse_default("'it''s'::text", &ColumnType::Text),
            v(Literal::Str("it's".into()))
        );
        assert_eq!(
            parse_default("'-3'::integer", &ColumnType::Integer),
            v(Literal::Int(-3))
        );
        assert_eq!(
            parse_default("'5000000000'::bigint", &ColumnType::BigInt),
            v(Literal::Int(5_000_000_000))
        );
        let dec = ColumnType::Decimal {
            precision: 5,
            scale: 2,
        };
        assert_eq!(
            parse_default("'-1.50'::numeric", &dec),
            v(Literal::Str("-1.50".into()))
        );
        assert_eq!(parse_default("1.5", &dec), v(Literal::Str("1.5".into())));
        assert_eq!(
            parse_default("'-2.5'::numeric", &ColumnType::Double),
            v(Literal::Float(-2.5))
        );
        assert_eq!(
            parse_default("true", &ColumnType::Boolean),
            v(Literal::Bool(true))
        );
        assert_eq!(
            parse_default("'2024-01-01'::date", &ColumnType::Date),
            v(Literal::Str("2024-01-01".into()))
        );
        assert_eq!(parse_default("NULL::text", &ColumnType::Text), None);
        assert_eq!(
            parse_default("CURRENT_TIMESTAMP", &ColumnType::Timestamp),
            Some(ColumnDefault::Sql("current_timestamp".into()))
        );
        assert_eq!(
            parse_default("now()", &ColumnType::TimestampTz),
            Some(ColumnDefault::Sql("now()".into()))
        );
        assert_eq!(
            parse_default("lower('ABC'::text)", &ColumnType::Text),
            parse_default("LOWER('ABC')", &ColumnType::Text),
        );
        assert_eq!(
            parse_default("'100000000000000000000'::numeric", &ColumnType::Double),
            v(Literal::Float(1e20))
        );
        assert!(is_nextval("nextval('t_s_seq'::regclass)"));
    }

    #[test]
    fn a_literal_converted_when_a_row_is_written_stays_an_expression() {
        // What PostgreSQL prints for `DEFAULT ('now'::text)::date` (Sakila),
        // and every way a model can write the same.
        let today = Some(ColumnDefault::Sql("('now'::text)::date".into()));
        for written in [
            "('now'::text)::date",
            "'now'::text::date",
            "CAST(CAST('now' AS TEXT) AS DATE)",
            "(('now'::text)::date)",
        ] {
            assert_eq!(
                parse_default(written, &ColumnType::Date),
                today,
                "{written}"
            );
            // As the reader stores a model's default_sql, then as normalised.
            let model = remodel_model::expr::normalize(written).unwrap();
            assert_eq!(parse_default(&model, &ColumnType::Date), today, "{model}");
        }
        assert_eq!(
            parse_default("'now'::text::timestamp", &ColumnType::Timestamp),
            parse_default(
                "('now'::text)::timestamp without time zone",
                &ColumnType::Timestamp
            )
        );
        assert_eq!(
            parse_default("('now'::character varying)::date", &ColumnType::Date),
            Some(ColumnDefault::Sql(
                "('now'::character varying)::date".into()
            ))
        );
        assert_eq!(
            canonical("(g > ('2020-01-01'::text)::date)"),
            canonical("g > '2020-01-01'::TEXT::DATE")
        );
        // Idempotent, as normalising twice must be.
        assert_eq!(canonical("('now'::text)::date"), "('now'::text)::date");
        // A cast of a literal to its own type is still the literal.
        assert_eq!(
            parse_default("'2024-01-01'::date", &ColumnType::Date),
            Some(ColumnDefault::Value(Literal::Str("2024-01-01".into())))
        );
        // Casts between string types are PostgreSQL's own decoration:
        // folded as before, so a check written `c = 'x'::varchar` still
        // compares equal to what PostgreSQL prints for it.
        same(
            "c = 'x'::varchar",
            "((c)::text = ('x'::character varying)::text)",
        );
        same("e = 'x'::varchar", "(e = ('x'::character varying)::text)");
        assert!(!is_nextval("now()"));
    }
}
