//! Values to and from PostgreSQL without sqlx's optional type features:
//! parameters are bound from [`Value`]s, and every column is read from its
//! raw bytes, in text format (queries without parameters run on the simple
//! protocol) or binary format (prepared queries).
//!
//! Integers and booleans (1/0) read as [`Value::Int`], `real` and `double
//! precision` as [`Value::Float`], `bytea` as [`Value::Bytes`]; `numeric`,
//! dates, times, timestamps (`timestamptz` in UTC), uuids and JSON as the
//! text PostgreSQL prints; other types as text in text format and as their
//! raw bytes in binary format (cast them to text in the query to read them).

use super::canon::civil_from_days;
use crate::Value;
use sqlx::postgres::types::Oid;
use sqlx::postgres::{PgArgumentBuffer, PgArguments, PgRow, PgTypeInfo, PgTypeKind, PgValueFormat};
use sqlx::{Postgres, Row, ValueRef};

/// NULL of no declared type: PostgreSQL infers the parameter's type from
/// where it is used (a NULL typed as text could not go into an integer column).
pub(crate) struct UntypedNull;

impl sqlx::Type<Postgres> for UntypedNull {
    fn type_info() -> PgTypeInfo {
        PgTypeInfo::with_oid(Oid(0))
    }
}

impl sqlx::Encode<'_, Postgres> for UntypedNull {
    fn encode_by_ref(
        &self,
        _buf: &mut PgArgumentBuffer,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        Ok(sqlx::encode::IsNull::Yes)
    }
}

/// Binds parameters to a query.
pub(crate) fn bind<'q>(
    mut q: sqlx::query::Query<'q, Postgres, PgArguments>,
    params: &'q [Value],
) -> sqlx::query::Query<'q, Postgres, PgArguments> {
    for p in params {
        q = match p {
            Value::Null => q.bind(UntypedNull),
            Value::Int(i) => q.bind(*i),
            Value::Float(x) => q.bind(*x),
            Value::Text(s) => q.bind(s.as_str()),
            Value::Bytes(b) => q.bind(b.as_slice()),
        };
    }
    q
}

mod oid {
    pub const BOOL: u32 = 16;
    pub const BYTEA: u32 = 17;
    pub const CHAR: u32 = 18;
    pub const NAME: u32 = 19;
    pub const INT8: u32 = 20;
    pub const INT2: u32 = 21;
    pub const INT4: u32 = 23;
    pub const TEXT: u32 = 25;
    pub const OID: u32 = 26;
    pub const JSON: u32 = 114;
    pub const XML: u32 = 142;
    pub const FLOAT4: u32 = 700;
    pub const FLOAT8: u32 = 701;
    pub const UNKNOWN: u32 = 705;
    pub const BPCHAR: u32 = 1042;
    pub const VARCHAR: u32 = 1043;
    pub const DATE: u32 = 1082;
    pub const TIME: u32 = 1083;
    pub const TIMESTAMP: u32 = 1114;
    pub const TIMESTAMPTZ: u32 = 1184;
    pub const NUMERIC: u32 = 1700;
    pub const UUID: u32 = 2950;
    pub const JSONB: u32 = 3802;
}

/// A row's values.
pub(crate) fn row_values(row: &PgRow) -> Vec<Value> {
    (0..row.len())
        .map(|i| {
            let Ok(raw) = row.try_get_raw(i) else {
                return Value::Null;
            };
            if raw.is_null() {
                return Value::Null;
            }
            let info = raw.type_info();
            // A type made after the connection read the catalog (an enum a
            // migration just created) is one sqlx has not resolved, and has
            // no kind to ask: its value is read as text (an enum's label).
            if sqlx::TypeInfo::name(info.as_ref()) == "?" {
                return match raw.as_bytes() {
                    Ok(bytes) => utf8(bytes),
                    Err(_) => Value::Null,
                };
            }
            // A domain reads as its base type; an enum sends its label.
            let (type_oid, textual) = match info.kind() {
                PgTypeKind::Domain(base) => (base.oid().map_or(0, |o| o.0), false),
                PgTypeKind::Enum(_) => (oid::TEXT, true),
                _ => (info.oid().map_or(0, |o| o.0), false),
            };
            let format = raw.format();
            match raw.as_bytes() {
                Ok(bytes) => match format {
                    PgValueFormat::Text => from_text(type_oid, bytes),
                    PgValueFormat::Binary if textual => utf8(bytes),
                    PgValueFormat::Binary => from_binary(type_oid, bytes),
                },
                Err(_) => Value::Null,
            }
        })
        .collect()
}

fn utf8(bytes: &[u8]) -> Value {
    match std::str::from_utf8(bytes) {
        Ok(s) => Value::Text(s.to_string()),
        Err(_) => Value::Bytes(bytes.to_vec()),
    }
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A value in text format.
pub(crate) fn from_text(type_oid: u32, bytes: &[u8]) -> Value {
    let Ok(s) = std::str::from_utf8(bytes) else {
        return Value::Bytes(bytes.to_vec());
    };
    match type_oid {
        oid::BOOL => Value::Int(i64::from(s == "t")),
        oid::INT2 | oid::INT4 | oid::INT8 | oid::OID => {
            s.parse().map(Value::Int).unwrap_or(Value::Text(s.into()))
        }
        oid::FLOAT4 | oid::FLOAT8 => s.parse().map(Value::Float).unwrap_or(Value::Text(s.into())),
        oid::BYTEA => match s.strip_prefix("\\x").and_then(hex_decode) {
            Some(b) => Value::Bytes(b),
            None => Value::Bytes(s.as_bytes().to_vec()),
        },
        _ => Value::Text(s.to_string()),
    }
}

fn be<const N: usize>(bytes: &[u8]) -> Option<[u8; N]> {
    bytes.get(..N)?.try_into().ok()
}

fn frac_micros(micros: i64) -> String {
    if micros == 0 {
        String::new()
    } else {
        format!(".{:06}", micros).trim_end_matches('0').to_string()
    }
}

fn clock(micros_of_day: i64) -> String {
    let secs = micros_of_day.div_euclid(1_000_000);
    format!(
        "{:02}:{:02}:{:02}{}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        frac_micros(micros_of_day.rem_euclid(1_000_000))
    )
}

/// Days between 1970-01-01 and PostgreSQL's epoch, 2000-01-01.
const PG_EPOCH_DAYS: i64 = 10_957;

fn date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days + PG_EPOCH_DAYS);
    format!("{y:04}-{m:02}-{d:02}")
}

fn timestamp(micros: i64) -> String {
    const DAY: i64 = 86_400_000_000;
    format!(
        "{} {}",
        date(micros.div_euclid(DAY)),
        clock(micros.rem_euclid(DAY))
    )
}

/// `numeric` in binary format as PostgreSQL prints it.
fn numeric(bytes: &[u8]) -> Option<String> {
    let ndigits = i16::from_be_bytes(be(bytes)?) as usize;
    let weight = i16::from_be_bytes(be(&bytes[2..])?) as i64;
    let sign = u16::from_be_bytes(be(&bytes[4..])?);
    let dscale = u16::from_be_bytes(be(&bytes[6..])?) as usize;
    match sign {
        0xC000 => return Some("NaN".into()),
        0xD000 => return Some("Infinity".into()),
        0xF000 => return Some("-Infinity".into()),
        _ => {}
    }
    let digits: Vec<i64> = (0..ndigits)
        .map(|i| be::<2>(&bytes[8 + 2 * i..]).map(|b| i64::from(i16::from_be_bytes(b))))
        .collect::<Option<_>>()?;
    let digit = |i: i64| {
        if i >= 0 && (i as usize) < digits.len() {
            digits[i as usize]
        } else {
            0
        }
    };
    let mut out = String::new();
    if sign == 0x4000 {
        out.push('-');
    }
    if weight < 0 {
        out.push('0');
    } else {
        for i in 0..=weight {
            if i == 0 {
                out.push_str(&digit(i).to_string());
            } else {
                out.push_str(&format!("{:04}", digit(i)));
            }
        }
    }
    if dscale > 0 {
        let mut frac = String::new();
        let mut i = weight + 1;
        while frac.len() < dscale {
            frac.push_str(&format!("{:04}", digit(i)));
            i += 1;
        }
        frac.truncate(dscale);
        out.push('.');
        out.push_str(&frac);
    }
    Some(out)
}

fn uuid(bytes: &[u8]) -> Option<String> {
    let b: [u8; 16] = be(bytes)?;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Some(format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    ))
}

/// A value in binary format.
pub(crate) fn from_binary(type_oid: u32, bytes: &[u8]) -> Value {
    let decoded = match type_oid {
        oid::BOOL => bytes.first().map(|b| Value::Int(i64::from(*b != 0))),
        oid::INT2 => be(bytes).map(|b| Value::Int(i64::from(i16::from_be_bytes(b)))),
        oid::INT4 => be(bytes).map(|b| Value::Int(i64::from(i32::from_be_bytes(b)))),
        oid::OID => be(bytes).map(|b| Value::Int(i64::from(u32::from_be_bytes(b)))),
        oid::INT8 => be(bytes).map(|b| Value::Int(i64::from_be_bytes(b))),
        oid::FLOAT4 => be(bytes).map(|b| Value::Float(f64::from(f32::from_be_bytes(b)))),
        oid::FLOAT8 => be(bytes).map(|b| Value::Float(f64::from_be_bytes(b))),
        oid::BYTEA => Some(Value::Bytes(bytes.to_vec())),
        oid::CHAR
        | oid::NAME
        | oid::TEXT
        | oid::JSON
        | oid::XML
        | oid::UNKNOWN
        | oid::BPCHAR
        | oid::VARCHAR => Some(utf8(bytes)),
        // jsonb: a version byte, then the text.
        oid::JSONB => bytes.split_first().map(|(_, rest)| utf8(rest)),
        oid::NUMERIC => numeric(bytes).map(Value::Text),
        oid::UUID => uuid(bytes).map(Value::Text),
        oid::DATE => be(bytes).map(|b| {
            Value::Text(match i32::from_be_bytes(b) {
                i32::MAX => "infinity".into(),
                i32::MIN => "-infinity".into(),
                d => date(i64::from(d)),
            })
        }),
        oid::TIME => be(bytes).map(|b| Value::Text(clock(i64::from_be_bytes(b)))),
        oid::TIMESTAMP | oid::TIMESTAMPTZ => be(bytes).map(|b| {
            let suffix = if type_oid == oid::TIMESTAMPTZ {
                "+00"
            } else {
                ""
            };
            Value::Text(match i64::from_be_bytes(b) {
                i64::MAX => "infinity".into(),
                i64::MIN => "-infinity".into(),
                t => format!("{}{suffix}", timestamp(t)),
            })
        }),
        _ => None,
    };
    decoded.unwrap_or_else(|| Value::Bytes(bytes.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_format_values() {
        assert_eq!(from_text(oid::BOOL, b"t"), Value::Int(1));
        assert_eq!(from_text(oid::INT4, b"-3"), Value::Int(-3));
        assert_eq!(from_text(oid::FLOAT8, b"2.5"), Value::Float(2.5));
        assert_eq!(
            from_text(oid::BYTEA, b"\\x00ff"),
            Value::Bytes(vec![0, 255])
        );
        assert_eq!(from_text(oid::NUMERIC, b"1.50"), Value::Text("1.50".into()));
    }

    #[test]
    fn binary_format_values() {
        // numeric 12345.678 (dscale 3): digits 1, 2345, 6780; weight 1.
        let mut n = Vec::new();
        for v in [3i16, 1, 0, 3, 1, 2345, 6780] {
            n.extend(v.to_be_bytes());
        }
        n[4..6].copy_from_slice(&0u16.to_be_bytes());
        assert_eq!(
            from_binary(oid::NUMERIC, &n),
            Value::Text("12345.678".into())
        );
        // -0.05 (dscale 2): one digit 500 at weight -1.
        let mut n = Vec::new();
        for v in [1i16, -1] {
            n.extend(v.to_be_bytes());
        }
        n.extend(0x4000u16.to_be_bytes());
        n.extend(2u16.to_be_bytes());
        n.extend(500i16.to_be_bytes());
        assert_eq!(from_binary(oid::NUMERIC, &n), Value::Text("-0.05".into()));
        assert_eq!(
            from_binary(oid::DATE, &31i32.to_be_bytes()),
            Value::Text("2000-02-01".into())
        );
        let micros: i64 = 86_400_000_000 + 3_600_000_000 + 500_000;
        assert_eq!(
            from_binary(oid::TIMESTAMPTZ, &micros.to_be_bytes()),
            Value::Text("2000-01-02 01:00:00.5+00".into())
        );
        assert_eq!(
            from_binary(oid::JSONB, b"\x01{\"a\": 1}"),
            Value::Text("{\"a\": 1}".into())
        );
        assert_eq!(from_binary(oid::BOOL, &[1]), Value::Int(1));
    }
}
