//! Column defaults: literals written as in `default = …`, and SQL expressions.

use crate::types::ColumnType;
use std::fmt;

/// A literal value, as written in `default = …` (a Rust literal; for `json`, the JSON text).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Literal {
    /// `true` / `false`
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string (also decimals, dates, times, uuids and JSON text).
    Str(String),
}

/// A column default.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum ColumnDefault {
    /// `default = <literal>`: stays in the schema as the column's DEFAULT.
    Value(Literal),
    /// `default_sql = "…"`: an SQL expression such as `CURRENT_TIMESTAMP`.
    Sql(String),
}

impl fmt::Display for Literal {
    /// Writes the literal as in `default = …` (Rust literal syntax).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Int(i) => write!(f, "{i}"),
            Literal::Float(x) => write!(f, "{}", format_float(*x)),
            Literal::Str(s) => write!(f, "{s:?}"),
        }
    }
}

/// A float as written back: always with a fractional part or exponent so it reads as a float.
pub fn format_float(x: f64) -> String {
    let s = format!("{x:?}");
    if s.contains(['.', 'e', 'E', 'i', 'N']) {
        s
    } else {
        format!("{s}.0")
    }
}

impl Literal {
    /// Parses a value written as in `default = …`: `"ACTIVO"`, `0`, `-3`, `2.5`, `true`.
    pub fn parse_rust(text: &str) -> Result<Literal, String> {
        let t = text.trim();
        if t == "true" {
            return Ok(Literal::Bool(true));
        }
        if t == "false" {
            return Ok(Literal::Bool(false));
        }
        if t.starts_with('"') {
            return parse_rust_string(t).map(Literal::Str);
        }
        let digits: String = t.chars().filter(|&c| c != '_').collect();
        if let Ok(i) = digits.parse::<i64>() {
            return Ok(Literal::Int(i));
        }
        if digits.chars().any(|c| c.is_ascii_digit())
            && let Ok(x) = digits.parse::<f64>()
            && x.is_finite()
        {
            return Ok(Literal::Float(x));
        }
        Err(format!(
            "`{t}` is not a literal: write a string in double quotes (\"ACTIVO\"), a number (0, 2.5) or true/false"
        ))
    }

    /// Checks this literal against a column type and returns its normal form
    /// (decimals become strings, integers given for floats become floats).
    pub fn check_for(&self, ty: &ColumnType) -> Result<Literal, String> {
        let wrong = |want: &str| {
            Err(format!(
                "the {ty} column's default must be {want}, not {self}"
            ))
        };
        match ty {
            ColumnType::Boolean => match self {
                Literal::Bool(_) => Ok(self.clone()),
                _ => wrong("true or false"),
            },
            ColumnType::SmallInt
            | ColumnType::Integer
            | ColumnType::BigInt
            | ColumnType::Unsigned(_) => match self {
                Literal::Int(i) => {
                    let (lo, hi) = match ty {
                        ColumnType::SmallInt => (i64::from(i16::MIN), i64::from(i16::MAX)),
                        ColumnType::Integer => (i64::from(i32::MIN), i64::from(i32::MAX)),
                        // A default is an i64: a u64 default stops at i64::MAX.
                        ColumnType::Unsigned(_) => (
                            0,
                            ty.unsigned_max()
                                .map_or(i64::MAX, |m| i64::try_from(m).unwrap_or(i64::MAX)),
                        ),
                        _ => (i64::MIN, i64::MAX),
                    };
                    if *i < lo || *i > hi {
                        Err(format!("default {i} does not fit in {ty} ({lo} to {hi})"))
                    } else {
                        Ok(self.clone())
                    }
                }
                _ => wrong("an integer"),
            },
            ColumnType::Real | ColumnType::Double => match self {
                Literal::Float(_) => Ok(self.clone()),
                Literal::Int(i) => Ok(Literal::Float(*i as f64)),
                _ => wrong("a number"),
            },
            ColumnType::Decimal { precision, scale } => {
                let text = match self {
                    Literal::Str(s) => s.trim().to_string(),
                    Literal::Int(i) => i.to_string(),
                    Literal::Float(x) => format_float(*x),
                    Literal::Bool(_) => return wrong("a number or a string such as \"1.50\""),
                };
                check_decimal_text(&text, *precision, *scale)?;
                Ok(Literal::Str(text))
            }
            ColumnType::Varchar(n) => match self {
                Literal::Str(s) if s.chars().count() > *n as usize => Err(format!(
                    "default {self} is {} characters, longer than max_length {n}",
                    s.chars().count()
                )),
                Literal::Str(_) => Ok(self.clone()),
                _ => wrong("a string"),
            },
            ColumnType::Text => match self {
                Literal::Str(_) => Ok(self.clone()),
                _ => wrong("a string"),
            },
            ColumnType::Date => self.check_text(ty, "a date \"YYYY-MM-DD\"", is_date),
            ColumnType::Time => self.check_text(ty, "a time \"HH:MM:SS\"", is_time),
            ColumnType::Timestamp => {
                self.check_text(ty, "a timestamp \"YYYY-MM-DD HH:MM:SS\"", is_timestamp)
            }
            ColumnType::TimestampTz => self.check_text(
                ty,
                "a timestamp with offset \"YYYY-MM-DD HH:MM:SS+00:00\"",
                is_timestamptz,
            ),
            ColumnType::Uuid => self.check_text(ty, "a uuid \"xxxxxxxx-xxxx-…\"", is_uuid),
            ColumnType::Json => match self {
                Literal::Str(s) => serde_json::from_str::<serde_json::Value>(s)
                    .map(|_| self.clone())
                    .map_err(|e| format!("the json default is not valid JSON: {e}")),
                _ => wrong("a string holding JSON text"),
            },
            ColumnType::Blob => {
                Err("a blob column takes no literal default; use default_sql = \"…\"".to_string())
            }
            ColumnType::Raw(_) => Ok(self.clone()),
            // Which values the enum has is checked where the enum is known.
            ColumnType::Enum(_) => match self {
                Literal::Str(_) => Ok(self.clone()),
                _ => wrong("one of the enum's values, as a string"),
            },
        }
    }

    fn check_text(
        &self,
        ty: &ColumnType,
        want: &str,
        ok: fn(&str) -> bool,
    ) -> Result<Literal, String> {
        match self {
            Literal::Str(s) if ok(s) => Ok(self.clone()),
            _ => Err(format!(
                "the {ty} column's default must be {want}, not {self}"
            )),
        }
    }
}

fn parse_rust_string(t: &str) -> Result<String, String> {
    let inner = t
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .filter(|_| t.len() >= 2)
        .ok_or_else(|| format!("`{t}`: unterminated string"))?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('0') => out.push('\0'),
                Some('\\') => out.push('\\'),
                Some('"') => out.push('"'),
                Some('\'') => out.push('\''),
                Some('u') => {
                    let rest: String = chars.by_ref().take_while(|&c| c != '}').collect();
                    let hex = rest
                        .strip_prefix('{')
                        .ok_or_else(|| format!("`{t}`: bad \\u escape"))?;
                    let code = u32::from_str_radix(hex, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .ok_or_else(|| format!("`{t}`: bad \\u escape"))?;
                    out.push(code);
                }
                other => {
                    return Err(format!(
                        "`{t}`: unknown escape \\{}",
                        other.map(String::from).unwrap_or_default()
                    ));
                }
            },
            '"' => {
                return Err(format!(
                    "`{t}`: a quote inside the string must be escaped as \\\""
                ));
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

fn check_decimal_text(text: &str, precision: u32, scale: u32) -> Result<(), String> {
    let bad = || format!("default \"{text}\" is not a decimal number");
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (int_part, frac_part) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(bad());
    }
    if !int_part.chars().all(|c| c.is_ascii_digit())
        || !frac_part.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    let int_digits = int_part.trim_start_matches('0').len() as u32;
    let frac_digits = frac_part.trim_end_matches('0').len() as u32;
    if frac_digits > scale || int_digits > precision - scale {
        return Err(format!(
            "default \"{text}\" does not fit in decimal({precision},{scale})"
        ));
    }
    Ok(())
}

fn digits(s: &str, n: usize) -> Option<u32> {
    (s.len() == n && s.chars().all(|c| c.is_ascii_digit())).then(|| s.parse().ok())?
}

fn is_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return false;
    };
    let (Some(y), Some(m), Some(d)) = (digits(y, 4), digits(m, 2), digits(d, 2)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

fn is_time(s: &str) -> bool {
    let (hms, frac) = s.split_once('.').unwrap_or((s, ""));
    if !frac.chars().all(|c| c.is_ascii_digit()) || frac.len() > 9 {
        return false;
    }
    let parts: Vec<&str> = hms.split(':').collect();
    let (h, m, sec) = match parts.as_slice() {
        [h, m] if frac.is_empty() => (*h, *m, "00"),
        [h, m, sec] => (*h, *m, *sec),
        _ => return false,
    };
    matches!((digits(h, 2), digits(m, 2), digits(sec, 2)),
        (Some(h), Some(m), Some(s)) if h < 24 && m < 60 && s < 60)
}

fn is_timestamp(s: &str) -> bool {
    match s.split_once([' ', 'T']) {
        Some((d, t)) => is_date(d) && is_time(t),
        None => false,
    }
}

fn is_timestamptz(s: &str) -> bool {
    if let Some(rest) = s.strip_suffix('Z') {
        return is_timestamp(rest);
    }
    let Some(pos) = s.rfind(['+', '-']) else {
        return false;
    };
    let (ts, offset) = s.split_at(pos);
    let off = &offset[1..];
    let off_ok = match off.split_once(':') {
        Some((h, m)) => digits(h, 2).is_some() && digits(m, 2).is_some(),
        None => digits(off, 2).is_some() || digits(off, 4).is_some(),
    };
    off_ok && is_timestamp(ts)
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rust_literals() {
        assert_eq!(
            Literal::parse_rust("\"ACTIVO\"").unwrap(),
            Literal::Str("ACTIVO".into())
        );
        assert_eq!(
            Literal::parse_rust("\"a\\\"b\\n\"").unwrap(),
            Literal::Str("a\"b\n".into())
        );
        assert_eq!(Literal::parse_rust("-3").unwrap(), Literal::Int(-3));
        assert_eq!(Literal::parse_rust("1_000").unwrap(), Literal::Int(1000));
        assert_eq!(Literal::parse_rust("2.5").unwrap(), Literal::Float(2.5));
        assert_eq!(Literal::parse_rust("true").unwrap(), Literal::Bool(true));
        assert!(
            Literal::parse_rust("ACTIVO")
                .unwrap_err()
                .contains("double quotes")
        );
        assert!(Literal::parse_rust("\"open").is_err());
        assert!(Literal::parse_rust("inf").is_err());
    }

    #[test]
    fn literals_print_as_written() {
        for text in ["\"ACTIVO\"", "0", "-3", "2.5", "true", "1.0", "\"a\\\"b\""] {
            assert_eq!(Literal::parse_rust(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn checks_literals_against_types() {
        let s = |v: &str| Literal::Str(v.into());
        assert!(
            Literal::Int(40000)
                .check_for(&ColumnType::SmallInt)
                .is_err()
        );
        assert_eq!(
            Literal::Int(2).check_for(&ColumnType::Double).unwrap(),
            Literal::Float(2.0)
        );
        assert_eq!(
            Literal::Float(2.5)
                .check_for(&ColumnType::Decimal {
                    precision: 5,
                    scale: 2
                })
                .unwrap(),
            s("2.5")
        );
        assert!(
            s("1234.5")
                .check_for(&ColumnType::Decimal {
                    precision: 5,
                    scale: 2
                })
                .is_err()
        );
        assert!(
            s("12.345")
                .check_for(&ColumnType::Decimal {
                    precision: 5,
                    scale: 2
                })
                .is_err()
        );
        assert!(
            s("toolong")
                .check_for(&ColumnType::Varchar(3))
                .unwrap_err()
                .contains("max_length 3")
        );
        assert!(s("2024-02-30").check_for(&ColumnType::Date).is_err());
        assert!(s("2024-02-29").check_for(&ColumnType::Date).is_ok());
        assert!(s("12:30:00.5").check_for(&ColumnType::Time).is_ok());
        assert!(
            s("2024-01-01 00:00:00")
                .check_for(&ColumnType::Timestamp)
                .is_ok()
        );
        assert!(
            s("2024-01-01T00:00:00Z")
                .check_for(&ColumnType::TimestampTz)
                .is_ok()
        );
        assert!(
            s("2024-01-01 00:00:00+02:00")
                .check_for(&ColumnType::TimestampTz)
                .is_ok()
        );
        assert!(
            s("2024-01-01 00:00:00")
                .check_for(&ColumnType::TimestampTz)
                .is_err()
        );
        assert!(
            s("67e55044-10b1-426f-9247-bb680e5fe0c8")
                .check_for(&ColumnType::Uuid)
                .is_ok()
        );
        assert!(s("{\"a\": 1}").check_for(&ColumnType::Json).is_ok());
        assert!(s("{a: 1}").check_for(&ColumnType::Json).is_err());
        assert!(
            Literal::Bool(true)
                .check_for(&ColumnType::Text)
                .unwrap_err()
                .contains("a string")
        );
        assert!(s("x").check_for(&ColumnType::Blob).is_err());
    }
}
