//! A PostgreSQL partitioned table's key (`#[model(partition_by = "RANGE
//! (payment_date)")]`), in one spelling: the method in capitals and the key
//! parts as [`crate::expr::normalize`] spells them.

/// The normal spelling of a partition key: `RANGE (payment_date)`.
pub fn normalize(key: &str) -> Result<String, String> {
    let (method, parts) = split(key)?;
    Ok(format!("{method} ({})", parts.join(", ")))
}

/// The columns a partition key names.
pub fn columns(key: &str) -> Vec<String> {
    let Ok((_, parts)) = split(key) else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for p in parts {
        for c in crate::expr::columns(&p).unwrap_or_default() {
            if !out.contains(&c) {
                out.push(c);
            }
        }
    }
    out
}

/// The key with column `old` written `new`.
pub fn rename_column(key: &str, old: &str, new: &str) -> Result<String, String> {
    let (method, parts) = split(key)?;
    let parts = parts
        .iter()
        .map(|p| crate::expr::rename_column(p, old, new))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(format!("{method} ({})", parts.join(", ")))
}

/// The method and the key parts, each in normal spelling.
fn split(key: &str) -> Result<(String, Vec<String>), String> {
    let bad = || {
        format!(
            "`{key}` is not a partition key: expected RANGE, LIST or HASH and the key in parentheses, as in \"RANGE (payment_date)\""
        )
    };
    let (method, rest) = key.trim().split_once('(').ok_or_else(bad)?;
    let method = method.trim().to_ascii_uppercase();
    if !matches!(method.as_str(), "RANGE" | "LIST" | "HASH") {
        return Err(bad());
    }
    let inner = rest.trim_end().strip_suffix(')').ok_or_else(bad)?;
    // The parts as the arguments of a call, which sqlparser splits.
    let call = crate::expr::normalize(&format!("partition_key({inner})")).map_err(|_| bad())?;
    let args = call
        .strip_prefix("partition_key(")
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(bad)?;
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    let mut quoted: Option<char> = None;
    for (i, ch) in args.char_indices() {
        match (quoted, ch) {
            (Some(q), c) if c == q => quoted = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quoted = Some(ch),
            (None, '(') => depth += 1,
            (None, ')') => depth -= 1,
            (None, ',') if depth == 0 => {
                parts.push(args[start..i].trim().to_string());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(args[start..].trim().to_string());
    if parts.iter().any(String::is_empty) {
        return Err(bad());
    }
    Ok((method, parts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_one_spelling() {
        assert_eq!(
            normalize("range(payment_date)").unwrap(),
            "RANGE (payment_date)"
        );
        assert_eq!(
            normalize("LIST (\"Region\", lower(city))").unwrap(),
            "LIST (\"Region\", lower(city))"
        );
        assert_eq!(columns("HASH (a, mod(b, 4))"), ["a", "b"]);
        assert_eq!(
            rename_column("RANGE (payment_date)", "payment_date", "paid_on").unwrap(),
            "RANGE (paid_on)"
        );
        assert!(normalize("BY RANGE payment_date").is_err());
        assert!(normalize("RANGE ()").is_err());
    }
}
