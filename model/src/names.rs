//! Naming rules: snake_case of struct names and derived index/constraint names.

/// The longest identifier every supported database accepts (PostgreSQL: 63 bytes).
pub const MAX_IDENTIFIER_LEN: usize = 63;

/// snake_case of a struct name, as table names and model names in messages use it.
///
/// Splits before an upper-case letter that follows a lower-case letter or a digit,
/// and before the last capital of a run that is followed by a lower-case letter:
/// `BookReview` → `book_review`, `HTTPRequest` → `http_request`,
/// `Ipv4Address` → `ipv4_address`, `Model2` → `model2`.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let after_lower_or_digit = prev.is_lowercase() || prev.is_ascii_digit();
            let ends_capital_run = prev.is_uppercase() && next_is_lower;
            if (after_lower_or_digit || ends_capital_run) && !out.ends_with('_') {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// The kinds of derived names, each with its suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// A plain or unique index: `_idx`.
    Index,
    /// A unique constraint: `_uniq`.
    Unique,
    /// A foreign key constraint: `_fk`.
    ForeignKey,
    /// A check constraint: `_check`.
    Check,
    /// A primary key constraint: `_pkey`.
    PrimaryKey,
    /// The CHECK that keeps an unsigned column in range: `_range`.
    Range,
    /// The CHECK that holds a column to an enum's values where the
    /// database has no enum type (SQLite): `_enum`.
    Enum,
}

impl NameKind {
    /// The suffix appended to derived names of this kind.
    pub fn suffix(self) -> &'static str {
        match self {
            NameKind::Index => "idx",
            NameKind::Unique => "uniq",
            NameKind::ForeignKey => "fk",
            NameKind::Check => "check",
            NameKind::Range => "range",
            NameKind::Enum => "enum",
            NameKind::PrimaryKey => "pkey",
        }
    }
}

/// The name an index or constraint gets when the model gives none:
/// `<table>_<columns joined by _>_<suffix>`, shortened to 63 bytes.
pub fn derived_name<S: AsRef<str>>(table: &str, columns: &[S], kind: NameKind) -> String {
    let mut name = String::from(table);
    for c in columns {
        name.push('_');
        name.push_str(c.as_ref());
    }
    name.push('_');
    name.push_str(kind.suffix());
    shorten_identifier(&name)
}

/// Shortens a name longer than 63 bytes by keeping a prefix and appending
/// `_` and an 8-hex-digit hash of the full name, so distinct long names stay distinct.
pub fn shorten_identifier(name: &str) -> String {
    if name.len() <= MAX_IDENTIFIER_LEN {
        return name.to_string();
    }
    let hash = format!("{:08x}", fnv1a32(name.as_bytes()));
    let mut keep = MAX_IDENTIFIER_LEN - hash.len() - 1;
    while !name.is_char_boundary(keep) {
        keep -= 1;
    }
    format!("{}_{}", &name[..keep], hash)
}

/// FNV-1a, 32 bits: small, stable across versions and platforms.
fn fnv1a32(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in bytes {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// Whether `s` is a plain identifier (`[A-Za-z_][A-Za-z0-9_]*`).
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The closest known word to `word`, if it is close enough to be a likely typo.
pub fn closest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    let close = known
        .iter()
        .map(|k| (levenshtein(word, k), *k))
        .filter(|(d, k)| *d > 0 && *d <= 2.max(k.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k);
    // An abbreviation (`maxlen` for `max_length`): its letters appear in order.
    close.or_else(|| {
        let mut hits = known
            .iter()
            .filter(|k| word.len() >= 3 && **k != word && is_subsequence(word, k));
        match (hits.next(), hits.next()) {
            (Some(k), None) => Some(*k),
            _ => None,
        }
    })
}

fn is_subsequence(short: &str, long: &str) -> bool {
    let mut rest = long.chars();
    short.chars().all(|c| rest.any(|l| l == c))
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_follows_the_design_examples() {
        for (input, want) in [
            ("Ingreso", "ingreso"),
            ("BookReview", "book_review"),
            ("HTTPRequest", "http_request"),
            ("Ipv4Address", "ipv4_address"),
            ("Model2", "model2"),
            ("Patient", "patient"),
            ("ABC", "abc"),
            ("already_snake", "already_snake"),
            ("XMLHttpRequest2Go", "xml_http_request2_go"),
        ] {
            assert_eq!(snake_case(input), want, "{input}");
        }
    }

    #[test]
    fn derived_names_join_table_columns_and_suffix() {
        assert_eq!(
            derived_name("ingreso", &["paciente_id"], NameKind::Index),
            "ingreso_paciente_id_idx"
        );
        assert_eq!(
            derived_name("patient", &["apellido", "nombre"], NameKind::Unique),
            "patient_apellido_nombre_uniq"
        );
    }

    #[test]
    fn long_names_are_shortened_with_a_hash_and_stay_distinct() {
        let cols_a = [
            "a_very_long_column_name_number_one",
            "another_long_column_name",
        ];
        let cols_b = [
            "a_very_long_column_name_number_one",
            "another_long_column_namf",
        ];
        let a = derived_name("some_rather_long_table_name", &cols_a, NameKind::Index);
        let b = derived_name("some_rather_long_table_name", &cols_b, NameKind::Index);
        assert_eq!(a.len(), 63);
        assert_eq!(b.len(), 63);
        assert_ne!(a, b);
        assert!(a.starts_with("some_rather_long_table_name_a_very_long"));
    }

    #[test]
    fn closest_finds_typos_and_abbreviations() {
        let known = ["max_length", "max_digits", "primary_key", "unique"];
        assert_eq!(closest("max_lenght", &known), Some("max_length"));
        assert_eq!(closest("maxlen", &known), Some("max_length"));
        assert_eq!(closest("pk", &known), None);
        assert_eq!(closest("colour", &known), None);
    }

    #[test]
    fn shortening_respects_utf8_boundaries() {
        let name = "é".repeat(40);
        let short = shorten_identifier(&name);
        assert!(short.len() <= 63);
    }
}
