//! Column types and their file tokens (DESIGN §2, "Types").

use std::fmt;

/// A column's type, dialect-neutral. Its [`Display`](fmt::Display) is the file token.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ColumnType {
    /// `boolean`
    Boolean,
    /// `smallint` (i16)
    SmallInt,
    /// `integer` (i32)
    Integer,
    /// `bigint` (i64)
    BigInt,
    /// `real` (f32)
    Real,
    /// `double` (f64)
    Double,
    /// `varchar(n)`: a String with `max_length`.
    Varchar(u32),
    /// `text`: a String without `max_length`.
    Text,
    /// `blob`: `Vec<u8>`.
    Blob,
    /// `decimal(p,s)`.
    Decimal {
        /// Total digits (`max_digits`).
        precision: u32,
        /// Digits after the point (`decimal_places`).
        scale: u32,
    },
    /// `date`
    Date,
    /// `time`
    Time,
    /// `timestamp` (without time zone)
    Timestamp,
    /// `timestamptz` (with time zone; UTC on MySQL)
    TimestampTz,
    /// `uuid`
    Uuid,
    /// `json`
    Json,
    /// `uint8` … `uint64` (u8 … u64): MySQL's `TINYINT` … `BIGINT
    /// UNSIGNED`; elsewhere the next wider signed type with a CHECK of
    /// the Rust range. Holds the width in bits.
    Unsigned(u8),
    /// `raw("…")`: a type given verbatim with `sql_type`.
    Raw(String),
    /// `enum(app.Enum)`: a Rust enum of `#[derive(DbEnum)]`, by its key.
    Enum(String),
}

/// The families the rename questioner ranks by (DESIGN §4).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TypeFamily {
    /// smallint, integer, bigint
    Integer,
    /// varchar, text
    String,
    /// decimal, real, double
    Numeric,
    /// date, time, timestamp, timestamptz
    Temporal,
    /// anything else, by token
    Other(String),
}

impl ColumnType {
    /// Whether this is one of the integer types (auto-increment capable).
    pub fn is_integer(&self) -> bool {
        matches!(
            self,
            ColumnType::SmallInt
                | ColumnType::Integer
                | ColumnType::BigInt
                | ColumnType::Unsigned(_)
        )
    }

    /// The largest value of an unsigned type (`u8::MAX` for `uint8`).
    pub fn unsigned_max(&self) -> Option<u64> {
        match self {
            ColumnType::Unsigned(64) => Some(u64::MAX),
            ColumnType::Unsigned(bits) => Some((1u64 << bits) - 1),
            _ => None,
        }
    }

    /// The CHECK that keeps an unsigned column within its Rust range where
    /// the database has no unsigned type: `qty >= 0 AND qty <= 255`.
    pub fn unsigned_range(&self, column: &str) -> Option<String> {
        let max = self.unsigned_max()?;
        let c = crate::expr::normalize(&format!("\"{}\"", column.replace('"', "\"\"")))
            .unwrap_or_else(|_| column.to_string());
        Some(format!("{c} >= 0 AND {c} <= {max}"))
    }

    /// Whether this is an integer type, or a raw type spelled as one
    /// (`smallint(5) unsigned`, `int4`): a column `auto` can number.
    pub fn is_integer_like(&self) -> bool {
        match self {
            ColumnType::Raw(sql) => {
                let lower = sql.to_ascii_lowercase();
                let mut words = lower.split_whitespace();
                let base = words.next().unwrap_or("");
                let base = base.split('(').next().unwrap_or(base);
                matches!(
                    base,
                    "tinyint"
                        | "smallint"
                        | "mediumint"
                        | "int"
                        | "integer"
                        | "bigint"
                        | "int2"
                        | "int4"
                        | "int8"
                ) && words.all(|w| matches!(w, "unsigned" | "signed" | "zerofill"))
            }
            other => other.is_integer(),
        }
    }

    /// The integer type a raw type is another spelling of, on every
    /// database (`INT`, `int4` are `integer`); `None` for anything else.
    pub fn plain_integer(&self) -> Option<ColumnType> {
        let ColumnType::Raw(sql) = self else {
            return self.is_integer().then(|| self.clone());
        };
        match sql.trim().to_ascii_lowercase().as_str() {
            "smallint" | "int2" => Some(ColumnType::SmallInt),
            "int" | "integer" | "int4" => Some(ColumnType::Integer),
            "bigint" | "int8" => Some(ColumnType::BigInt),
            _ => None,
        }
    }

    /// Whether a referencing column of this type may point at a key of type
    /// `key`: the same type, or one integer type spelled two ways (a column
    /// declared `INT` keeps its spelling when adopted).
    pub fn can_reference(&self, key: &ColumnType) -> bool {
        self == key
            || self
                .plain_integer()
                .is_some_and(|x| Some(x) == key.plain_integer())
    }

    /// The family used to rank rename candidates.
    pub fn family(&self) -> TypeFamily {
        match self {
            ColumnType::SmallInt
            | ColumnType::Integer
            | ColumnType::BigInt
            | ColumnType::Unsigned(_) => TypeFamily::Integer,
            ColumnType::Varchar(_) | ColumnType::Text => TypeFamily::String,
            ColumnType::Real | ColumnType::Double | ColumnType::Decimal { .. } => {
                TypeFamily::Numeric
            }
            ColumnType::Date
            | ColumnType::Time
            | ColumnType::Timestamp
            | ColumnType::TimestampTz => TypeFamily::Temporal,
            other => TypeFamily::Other(other.to_string()),
        }
    }

    /// Parses a file token (`varchar(20)`, `decimal(5,2)`, `raw("geometry")`, …).
    pub fn parse_token(token: &str) -> Result<ColumnType, String> {
        let t = token.trim();
        let simple = match t {
            "boolean" => Some(ColumnType::Boolean),
            "smallint" => Some(ColumnType::SmallInt),
            "integer" => Some(ColumnType::Integer),
            "bigint" => Some(ColumnType::BigInt),
            "real" => Some(ColumnType::Real),
            "double" => Some(ColumnType::Double),
            "text" => Some(ColumnType::Text),
            "blob" => Some(ColumnType::Blob),
            "date" => Some(ColumnType::Date),
            "time" => Some(ColumnType::Time),
            "timestamp" => Some(ColumnType::Timestamp),
            "timestamptz" => Some(ColumnType::TimestampTz),
            "uuid" => Some(ColumnType::Uuid),
            "json" => Some(ColumnType::Json),
            "uint8" => Some(ColumnType::Unsigned(8)),
            "uint16" => Some(ColumnType::Unsigned(16)),
            "uint32" => Some(ColumnType::Unsigned(32)),
            "uint64" => Some(ColumnType::Unsigned(64)),
            _ => None,
        };
        if let Some(ty) = simple {
            return Ok(ty);
        }
        if let Some(args) = t.strip_prefix("varchar(").and_then(|r| r.strip_suffix(')')) {
            let n: u32 = args
                .trim()
                .parse()
                .map_err(|_| format!("`{token}`: varchar length must be a positive integer"))?;
            if n == 0 {
                return Err(format!("`{token}`: varchar length must be at least 1"));
            }
            return Ok(ColumnType::Varchar(n));
        }
        if let Some(args) = t.strip_prefix("decimal(").and_then(|r| r.strip_suffix(')')) {
            let (p, s) = args
                .split_once(',')
                .ok_or_else(|| format!("`{token}`: expected decimal(precision,scale)"))?;
            let precision: u32 = p
                .trim()
                .parse()
                .map_err(|_| format!("`{token}`: precision must be a positive integer"))?;
            let scale: u32 = s
                .trim()
                .parse()
                .map_err(|_| format!("`{token}`: scale must be a non-negative integer"))?;
            check_decimal(precision, scale).map_err(|e| format!("`{token}`: {e}"))?;
            return Ok(ColumnType::Decimal { precision, scale });
        }
        if let Some(key) = t.strip_prefix("enum(").and_then(|r| r.strip_suffix(')')) {
            let key = key.trim();
            // `app.Enum`; a bare `Enum` only before resolving names its app.
            let (app, name) = key.split_once('.').unwrap_or(("x", key));
            if !crate::names::is_identifier(app) || !crate::names::is_identifier(name) {
                return Err(format!("`{token}`: expected enum(app.Enum)"));
            }
            return Ok(ColumnType::Enum(key.to_string()));
        }
        if let Some(inner) = t.strip_prefix("raw(").and_then(|r| r.strip_suffix(')')) {
            let raw: String = serde_json::from_str(inner.trim()).map_err(|_| {
                format!("`{token}`: expected raw(\"SQL type\") with a quoted string")
            })?;
            if raw.trim().is_empty() {
                return Err(format!("`{token}`: the raw SQL type is empty"));
            }
            return Ok(ColumnType::Raw(raw));
        }
        Err(format!(
            "unknown column type `{token}` (expected one of boolean, smallint, integer, bigint, \
             uint8, uint16, uint32, uint64, real, double, varchar(n), text, blob, decimal(p,s), \
             date, time, timestamp, timestamptz, uuid, json, enum(app.Enum), raw(\"…\"))"
        ))
    }
}

/// Validates a decimal's precision and scale.
pub fn check_decimal(precision: u32, scale: u32) -> Result<(), String> {
    if precision == 0 || precision > 1000 {
        return Err(format!(
            "max_digits must be between 1 and 1000, not {precision}"
        ));
    }
    if scale > precision {
        return Err(format!(
            "decimal_places ({scale}) must not exceed max_digits ({precision})"
        ));
    }
    Ok(())
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnType::Boolean => f.write_str("boolean"),
            ColumnType::SmallInt => f.write_str("smallint"),
            ColumnType::Integer => f.write_str("integer"),
            ColumnType::BigInt => f.write_str("bigint"),
            ColumnType::Real => f.write_str("real"),
            ColumnType::Double => f.write_str("double"),
            ColumnType::Varchar(n) => write!(f, "varchar({n})"),
            ColumnType::Text => f.write_str("text"),
            ColumnType::Blob => f.write_str("blob"),
            ColumnType::Decimal { precision, scale } => write!(f, "decimal({precision},{scale})"),
            ColumnType::Date => f.write_str("date"),
            ColumnType::Time => f.write_str("time"),
            ColumnType::Timestamp => f.write_str("timestamp"),
            ColumnType::TimestampTz => f.write_str("timestamptz"),
            ColumnType::Uuid => f.write_str("uuid"),
            ColumnType::Json => f.write_str("json"),
            ColumnType::Unsigned(bits) => write!(f, "uint{bits}"),
            ColumnType::Raw(s) => {
                write!(
                    f,
                    "raw({})",
                    serde_json::to_string(s).map_err(|_| fmt::Error)?
                )
            }
            ColumnType::Enum(key) => write!(f, "enum({key})"),
        }
    }
}

impl serde::Serialize for ColumnType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for ColumnType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ColumnType::parse_token(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_token_round_trips() {
        for token in [
            "boolean",
            "smallint",
            "integer",
            "bigint",
            "real",
            "double",
            "varchar(20)",
            "text",
            "blob",
            "decimal(5,2)",
            "date",
            "time",
            "timestamp",
            "timestamptz",
            "uuid",
            "json",
            "enum(films.Rating)",
            r#"raw("geometry(Point, 4326)")"#,
            r#"raw("a \"quoted\" type")"#,
        ] {
            let ty = ColumnType::parse_token(token).unwrap();
            assert_eq!(ty.to_string(), token);
        }
    }

    #[test]
    fn bad_tokens_say_what_is_expected() {
        assert!(
            ColumnType::parse_token("varchar(0)")
                .unwrap_err()
                .contains("at least 1")
        );
        assert!(
            ColumnType::parse_token("decimal(2,5)")
                .unwrap_err()
                .contains("must not exceed")
        );
        assert!(
            ColumnType::parse_token("int")
                .unwrap_err()
                .contains("unknown column type `int`")
        );
        assert!(
            ColumnType::parse_token("raw(geometry)")
                .unwrap_err()
                .contains("quoted")
        );
    }

    #[test]
    fn families_group_types() {
        assert_eq!(ColumnType::Integer.family(), ColumnType::BigInt.family());
        assert_eq!(ColumnType::Text.family(), ColumnType::Varchar(3).family());
        assert_ne!(ColumnType::Text.family(), ColumnType::Uuid.family());
    }
}
