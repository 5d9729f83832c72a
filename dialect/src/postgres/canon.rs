//! One spelling for literal defaults PostgreSQL stores in its own form:
//! times and timestamps (`T` or space, optional seconds, trailing zeros,
//! offsets — a `timestamptz` is compared as its UTC instant), uuids (lower
//! case) and JSON (`jsonb` orders keys, drops duplicates and spaces its
//! output its own way).

use remodel_model::{ColumnType, Literal};

/// A literal default in the spelling PostgreSQL prints back for a column type.
pub(crate) fn literal(lit: &Literal, ty: &ColumnType) -> Literal {
    match (lit, ty) {
        (Literal::Int(i), ColumnType::Real | ColumnType::Double) => Literal::Float(*i as f64),
        (Literal::Int(i), ColumnType::Decimal { .. }) => Literal::Str(i.to_string()),
        (Literal::Float(x), ColumnType::Decimal { .. }) => {
            Literal::Str(remodel_model::default::format_float(*x))
        }
        (Literal::Str(s), ColumnType::Time) => Literal::Str(time(s).unwrap_or_else(|| s.clone())),
        (Literal::Str(s), ColumnType::Timestamp) => {
            Literal::Str(timestamp(s).unwrap_or_else(|| s.clone()))
        }
        (Literal::Str(s), ColumnType::TimestampTz) => {
            Literal::Str(timestamptz(s).unwrap_or_else(|| s.clone()))
        }
        (Literal::Str(s), ColumnType::Uuid) => Literal::Str(s.trim().to_ascii_lowercase()),
        (Literal::Str(s), ColumnType::Json) => Literal::Str(json(s).unwrap_or_else(|| s.clone())),
        (Literal::Str(s), ColumnType::Decimal { .. }) => {
            Literal::Str(s.trim().trim_start_matches('+').to_string())
        }
        _ => lit.clone(),
    }
}

fn num(s: &str) -> Option<i64> {
    (!s.is_empty() && s.chars().all(|c| c.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// `HH:MM[:SS[.f]]` → (seconds of the day, fraction digits without trailing zeros).
fn parse_time(s: &str) -> Option<(i64, String)> {
    let (hms, frac) = s.split_once('.').unwrap_or((s, ""));
    if !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<&str> = hms.split(':').collect();
    let (h, m, sec) = match parts.as_slice() {
        [h, m] => (num(h)?, num(m)?, 0),
        [h, m, s] => (num(h)?, num(m)?, num(s)?),
        _ => return None,
    };
    Some((
        h * 3600 + m * 60 + sec,
        frac.trim_end_matches('0').to_string(),
    ))
}

fn print_time(secs: i64, frac: &str) -> String {
    let mut out = format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

fn time(s: &str) -> Option<String> {
    let (secs, frac) = parse_time(s.trim())?;
    Some(print_time(secs, &frac))
}

fn parse_date(s: &str) -> Option<(i64, i64, i64)> {
    let mut it = s.split('-');
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || y.len() != 4 {
        return None;
    }
    Some((num(y)?, num(m)?, num(d)?))
}

fn split_timestamp(s: &str) -> Option<(&str, &str)> {
    s.trim().split_once(['T', ' '])
}

fn timestamp(s: &str) -> Option<String> {
    let (d, t) = split_timestamp(s)?;
    let (y, m, day) = parse_date(d)?;
    Some(format!("{y:04}-{m:02}-{day:02} {}", time(t)?))
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// A timestamp with an offset as its UTC instant, `YYYY-MM-DD HH:MM:SS[.f]+00`.
fn timestamptz(s: &str) -> Option<String> {
    let s = s.trim();
    let (body, offset_secs) = if let Some(b) = s.strip_suffix('Z').or_else(|| s.strip_suffix('z')) {
        (b, 0)
    } else {
        let (d, t) = split_timestamp(s)?;
        let pos = t.rfind(['+', '-'])?;
        let (clock, off) = t.split_at(pos);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let off = &off[1..];
        let (h, m, sec) = match off.split(':').collect::<Vec<_>>().as_slice() {
            [h] if h.len() == 4 => (num(&h[..2])?, num(&h[2..])?, 0),
            [h] => (num(h)?, 0, 0),
            [h, m] => (num(h)?, num(m)?, 0),
            [h, m, s] => (num(h)?, num(m)?, num(s)?),
            _ => return None,
        };
        let len = d.len() + 1 + clock.len();
        (&s[..len], sign * (h * 3600 + m * 60 + sec))
    };
    let (d, t) = split_timestamp(body)?;
    let (y, m, day) = parse_date(d)?;
    let (secs, frac) = parse_time(t.trim())?;
    let total = days_from_civil(y, m, day) * 86_400 + secs - offset_secs;
    let (y, m, day) = civil_from_days(total.div_euclid(86_400));
    Some(format!(
        "{y:04}-{m:02}-{day:02} {}+00",
        print_time(total.rem_euclid(86_400), &frac)
    ))
}

// ---- JSON, printed as jsonb prints it ----

enum Json {
    Null,
    Bool(bool),
    Number(String),
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

struct Reader<'a> {
    s: &'a [u8],
    i: usize,
}

impl Reader<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        self.ws();
        if self.s.get(self.i) == Some(&b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn word(&mut self, w: &str) -> bool {
        if self.s[self.i..].starts_with(w.as_bytes()) {
            self.i += w.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Option<Json> {
        self.ws();
        match *self.s.get(self.i)? {
            b'n' if self.word("null") => Some(Json::Null),
            b't' if self.word("true") => Some(Json::Bool(true)),
            b'f' if self.word("false") => Some(Json::Bool(false)),
            b'"' => self.string().map(Json::Str),
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                if self.eat(b']') {
                    return Some(Json::Array(items));
                }
                loop {
                    items.push(self.value()?);
                    if self.eat(b']') {
                        return Some(Json::Array(items));
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            b'{' => {
                self.i += 1;
                let mut members: Vec<(String, Json)> = Vec::new();
                if self.eat(b'}') {
                    return Some(Json::Object(members));
                }
                loop {
                    self.ws();
                    let k = self.string()?;
                    if !self.eat(b':') {
                        return None;
                    }
                    let v = self.value()?;
                    // The last of duplicate keys wins, as in jsonb.
                    members.retain(|(key, _)| *key != k);
                    members.push((k, v));
                    if self.eat(b'}') {
                        return Some(Json::Object(members));
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            b'-' | b'0'..=b'9' => {
                let start = self.i;
                while self.i < self.s.len()
                    && matches!(
                        self.s[self.i],
                        b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
                    )
                {
                    self.i += 1;
                }
                let text = std::str::from_utf8(&self.s[start..self.i]).ok()?;
                Some(Json::Number(number(text)?))
            }
            _ => None,
        }
    }

    fn string(&mut self) -> Option<String> {
        if self.s.get(self.i) != Some(&b'"') {
            return None;
        }
        self.i += 1;
        let mut out: Vec<u16> = Vec::new();
        let mut bytes: Vec<u8> = Vec::new();
        let flush = |bytes: &mut Vec<u8>, out: &mut Vec<u16>| -> Option<()> {
            out.extend(std::str::from_utf8(bytes).ok()?.encode_utf16());
            bytes.clear();
            Some(())
        };
        loop {
            let b = *self.s.get(self.i)?;
            self.i += 1;
            match b {
                b'"' => {
                    flush(&mut bytes, &mut out)?;
                    return String::from_utf16(&out).ok();
                }
                b'\\' => {
                    flush(&mut bytes, &mut out)?;
                    let e = *self.s.get(self.i)?;
                    self.i += 1;
                    let c = match e {
                        b'"' => '"' as u16,
                        b'\\' => '\\' as u16,
                        b'/' => '/' as u16,
                        b'b' => 8,
                        b'f' => 12,
                        b'n' => '\n' as u16,
                        b'r' => '\r' as u16,
                        b't' => '\t' as u16,
                        b'u' => {
                            let hex = std::str::from_utf8(self.s.get(self.i..self.i + 4)?).ok()?;
                            self.i += 4;
                            u16::from_str_radix(hex, 16).ok()?
                        }
                        _ => return None,
                    };
                    out.push(c);
                }
                other => bytes.push(other),
            }
        }
    }
}

/// A JSON number as `numeric` prints it: exponents expanded.
fn number(text: &str) -> Option<String> {
    let (neg, t) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text),
    };
    let (mant, exp) = match t.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.trim_start_matches('+').parse::<i64>().ok()?),
        None => (t, 0),
    };
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    if int.is_empty() || !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    if exp == 0 {
        return Some(text.to_string());
    }
    let digits = format!("{int}{frac}");
    let point = int.len() as i64 + exp;
    let (int, frac) = if point <= 0 {
        (
            "0".to_string(),
            format!("{}{digits}", "0".repeat((-point) as usize)),
        )
    } else if point as usize >= digits.len() {
        (
            format!("{digits}{}", "0".repeat(point as usize - digits.len())),
            String::new(),
        )
    } else {
        (
            digits[..point as usize].to_string(),
            digits[point as usize..].to_string(),
        )
    };
    let int = match int.trim_start_matches('0') {
        "" => "0",
        i => i,
    };
    let sign = if neg { "-" } else { "" };
    Some(if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    })
}

fn print_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn print_json(v: &Json, out: &mut String) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => out.push_str(n),
        Json::Str(s) => print_string(s, out),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                print_json(item, out);
            }
            out.push(']');
        }
        Json::Object(members) => {
            // jsonb orders keys by length, then bytewise.
            let mut sorted: Vec<&(String, Json)> = members.iter().collect();
            sorted.sort_by(|a, b| (a.0.len(), a.0.as_bytes()).cmp(&(b.0.len(), b.0.as_bytes())));
            out.push('{');
            for (i, (k, v)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                print_string(k, out);
                out.push_str(": ");
                print_json(v, out);
            }
            out.push('}');
        }
    }
}

/// JSON text as `jsonb` prints it back; `None` if it is not JSON.
pub(crate) fn json(text: &str) -> Option<String> {
    let mut r = Reader {
        s: text.as_bytes(),
        i: 0,
    };
    let v = r.value()?;
    r.ws();
    if r.i != r.s.len() {
        return None;
    }
    let mut out = String::new();
    print_json(&v, &mut out);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Literal {
        Literal::Str(v.into())
    }

    #[test]
    fn temporal_literals_compare_as_postgres_prints_them() {
        assert_eq!(literal(&s("12:30"), &ColumnType::Time), s("12:30:00"));
        assert_eq!(
            literal(&s("12:30:00.500"), &ColumnType::Time),
            s("12:30:00.5")
        );
        assert_eq!(
            literal(&s("2024-01-01T10:00:00"), &ColumnType::Timestamp),
            s("2024-01-01 10:00:00")
        );
        assert_eq!(
            literal(&s("2024-01-01 10:00:00+02:00"), &ColumnType::TimestampTz),
            s("2024-01-01 08:00:00+00")
        );
        assert_eq!(
            literal(&s("2024-01-01 08:00:00+00"), &ColumnType::TimestampTz),
            s("2024-01-01 08:00:00+00")
        );
        assert_eq!(
            literal(&s("2024-01-01T01:00:00Z"), &ColumnType::TimestampTz),
            literal(&s("2023-12-31 20:00:00-05"), &ColumnType::TimestampTz)
        );
        assert_eq!(
            literal(
                &s("67E55044-10B1-426F-9247-BB680E5FE0C8"),
                &ColumnType::Uuid
            ),
            s("67e55044-10b1-426f-9247-bb680e5fe0c8")
        );
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        assert_eq!(days_from_civil(2000, 1, 1), 10_957);
    }

    #[test]
    fn json_prints_as_jsonb_does() {
        assert_eq!(
            json(r#"{"b":1, "a": [1,2.50, 1e2], "a": [1, 2.50, 100]}"#).unwrap(),
            r#"{"a": [1, 2.50, 100], "b": 1}"#
        );
        assert_eq!(
            json(r#"{"bb": "x\u00e9\/", "c": null, "a": {}}"#).unwrap(),
            r#"{"a": {}, "c": null, "bb": "xé/"}"#
        );
        assert_eq!(json("[1.5e-2, -2E1]").unwrap(), "[0.015, -20]");
        assert!(json("{a: 1}").is_none());
    }
}
