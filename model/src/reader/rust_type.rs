//! Mapping Rust field types to column types (DESIGN §2, "Types").

use syn::{GenericArgument, PathArguments, Type};

/// What a Rust type says about its column, before attributes refine it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RustKind {
    Bool,
    /// u8, u16, u32, u64: the width in bits.
    Unsigned(u8),
    I16,
    I32,
    I64,
    F32,
    F64,
    String,
    Bytes,
    Decimal,
    Date,
    Time,
    Timestamp,
    TimestampTz,
    Uuid,
    Json,
    /// A type of the project's own, named by a plain path (`Rating`,
    /// `crate::films::Rating`): a `#[derive(DbEnum)]` enum if the project
    /// has one of that name (the last segment), which resolving finds out.
    Named(String),
    /// Recognised as a Rust type but with no column type (`u128`, `i8`…),
    /// or not recognised at all: needs `sql_type`.
    Unknown(String),
}

/// Names of types the standard library and the supported crates give,
/// which a project's own enum cannot be taken for.
const FOREIGN_NAMES: &[&str] = &[
    "bool",
    "char",
    "str",
    "i8",
    "i16",
    "i32",
    "i64",
    "i128",
    "isize",
    "u8",
    "u16",
    "u32",
    "u64",
    "u128",
    "usize",
    "f32",
    "f64",
    "String",
    "Vec",
    "Option",
    "Box",
    "Decimal",
    "NaiveDate",
    "NaiveTime",
    "NaiveDateTime",
    "DateTime",
    "Utc",
    "Local",
    "Date",
    "Time",
    "PrimitiveDateTime",
    "OffsetDateTime",
    "Uuid",
    "Value",
    "HashMap",
    "BTreeMap",
    "HashSet",
    "BTreeSet",
];

/// A field's type: its kind and whether it was wrapped in `Option`.
pub(crate) struct FieldType {
    pub kind: RustKind,
    pub nullable: bool,
    /// `Option<Option<T>>` and similar: an error.
    pub nested_option: bool,
}

/// The crates whose prefix may stand before each known type name.
fn allowed_prefixes(name: &str) -> &'static [&'static str] {
    match name {
        "bool" | "i16" | "i32" | "i64" | "f32" | "f64" | "u8" | "u16" | "u32" | "u64" => {
            &["std", "core"]
        }
        "String" => &["std", "alloc", "string"],
        "Vec" => &["std", "alloc", "vec"],
        "Option" => &["std", "core", "option"],
        "Decimal" => &["rust_decimal"],
        "NaiveDate" | "NaiveTime" | "NaiveDateTime" | "DateTime" | "Utc" => &["chrono"],
        "Date" | "Time" | "PrimitiveDateTime" | "OffsetDateTime" => &["time"],
        "Uuid" => &["uuid"],
        "Value" => &["serde_json"],
        _ => &[],
    }
}

/// The last segment's name if the path's prefix (if any) is one this type may have.
fn type_name(path: &syn::Path) -> Option<(String, &PathArguments)> {
    let last = path.segments.last()?;
    let name = last.ident.to_string();
    let prefix: Vec<String> = path
        .segments
        .iter()
        .take(path.segments.len() - 1)
        .map(|s| s.ident.to_string())
        .collect();
    if !prefix.is_empty() {
        let allowed = allowed_prefixes(&name);
        // `chrono::NaiveDate`, `std::string::String`, `::uuid::Uuid`, `sqlx::types::Uuid`…
        let ok = prefix.iter().any(|p| allowed.contains(&p.as_str()));
        if !ok {
            return None;
        }
    }
    Some((name, &last.arguments))
}

fn single_type_arg(args: &PathArguments) -> Option<&Type> {
    match args {
        PathArguments::AngleBracketed(a) if a.args.len() == 1 => match &a.args[0] {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        },
        _ => None,
    }
}

fn display(ty: &Type) -> String {
    let text = quote_type(ty);
    text.replace(" :: ", "::")
        .replace(" < ", "<")
        .replace(" >", ">")
        .replace("< ", "<")
}

fn quote_type(ty: &Type) -> String {
    use quote::ToTokens;
    ty.to_token_stream().to_string()
}

fn kind_of(ty: &Type) -> RustKind {
    let unknown = || RustKind::Unknown(display(ty));
    let Type::Path(tp) = ty else { return unknown() };
    if tp.qself.is_some() {
        return unknown();
    }
    // A plain path of the project's own: maybe an enum.
    let plain = tp
        .path
        .segments
        .iter()
        .all(|s| matches!(s.arguments, PathArguments::None));
    if let Some(last) = tp.path.segments.last()
        && plain
        && !FOREIGN_NAMES.contains(&last.ident.to_string().as_str())
    {
        return RustKind::Named(last.ident.to_string());
    }
    let Some((name, args)) = type_name(&tp.path) else {
        return unknown();
    };
    let no_args = matches!(args, PathArguments::None);
    match name.as_str() {
        "bool" if no_args => RustKind::Bool,
        "u8" if no_args => RustKind::Unsigned(8),
        "u16" if no_args => RustKind::Unsigned(16),
        "u32" if no_args => RustKind::Unsigned(32),
        "u64" if no_args => RustKind::Unsigned(64),
        "i16" if no_args => RustKind::I16,
        "i32" if no_args => RustKind::I32,
        "i64" if no_args => RustKind::I64,
        "f32" if no_args => RustKind::F32,
        "f64" if no_args => RustKind::F64,
        "String" if no_args => RustKind::String,
        "Vec" => match single_type_arg(args).map(kind_of_u8) {
            Some(true) => RustKind::Bytes,
            _ => unknown(),
        },
        "Decimal" if no_args => RustKind::Decimal,
        "NaiveDate" | "Date" if no_args => RustKind::Date,
        "NaiveTime" | "Time" if no_args => RustKind::Time,
        "NaiveDateTime" | "PrimitiveDateTime" if no_args => RustKind::Timestamp,
        "OffsetDateTime" if no_args => RustKind::TimestampTz,
        "DateTime" => match single_type_arg(args) {
            Some(Type::Path(inner))
                if inner.qself.is_none()
                    && type_name(&inner.path)
                        .is_some_and(|(n, a)| n == "Utc" && matches!(a, PathArguments::None)) =>
            {
                RustKind::TimestampTz
            }
            _ => unknown(),
        },
        "Uuid" if no_args => RustKind::Uuid,
        "Value" if no_args => RustKind::Json,
        _ => unknown(),
    }
}

fn kind_of_u8(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none() && p.path.is_ident("u8"))
}

/// The `T` of `Option<T>`, if `ty` is an Option.
fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(tp) = ty else { return None };
    if tp.qself.is_some() {
        return None;
    }
    let (name, args) = type_name(&tp.path)?;
    if name != "Option" {
        return None;
    }
    single_type_arg(args)
}

/// Reads a field's Rust type.
pub(crate) fn field_type(ty: &Type) -> FieldType {
    match option_inner(ty) {
        Some(inner) => FieldType {
            kind: kind_of(inner),
            nullable: true,
            nested_option: option_inner(inner).is_some(),
        },
        None => FieldType {
            kind: kind_of(ty),
            nullable: false,
            nested_option: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(src: &str) -> (RustKind, bool) {
        let ty: Type = syn::parse_str(src).unwrap();
        let ft = field_type(&ty);
        (ft.kind, ft.nullable)
    }

    #[test]
    fn recognises_the_normative_types_with_or_without_prefix() {
        assert_eq!(kind("i64"), (RustKind::I64, false));
        assert_eq!(kind("Option<String>"), (RustKind::String, true));
        assert_eq!(
            kind("std::option::Option<std::string::String>"),
            (RustKind::String, true)
        );
        assert_eq!(kind("Vec<u8>"), (RustKind::Bytes, false));
        assert_eq!(kind("rust_decimal::Decimal"), (RustKind::Decimal, false));
        assert_eq!(kind("chrono::NaiveDate").0, RustKind::Date);
        assert_eq!(kind("time::Date").0, RustKind::Date);
        assert_eq!(kind("NaiveTime").0, RustKind::Time);
        assert_eq!(kind("time::PrimitiveDateTime").0, RustKind::Timestamp);
        assert_eq!(kind("DateTime<Utc>").0, RustKind::TimestampTz);
        assert_eq!(
            kind("chrono::DateTime<chrono::Utc>").0,
            RustKind::TimestampTz
        );
        assert_eq!(kind("time::OffsetDateTime").0, RustKind::TimestampTz);
        assert_eq!(kind("uuid::Uuid").0, RustKind::Uuid);
        assert_eq!(kind("serde_json::Value").0, RustKind::Json);
    }

    #[test]
    fn unknown_types_keep_their_spelling() {
        assert_eq!(kind("u32").0, RustKind::Unsigned(32));
        assert_eq!(kind("u128").0, RustKind::Unknown("u128".into()));
        assert_eq!(
            kind("Vec<String>").0,
            RustKind::Unknown("Vec<String>".into())
        );
        assert_eq!(
            kind("DateTime<Local>").0,
            RustKind::Unknown("DateTime<Local>".into())
        );
        assert_eq!(
            kind("mycrate::Uuid").0,
            RustKind::Unknown("mycrate::Uuid".into())
        );
        // A type of the project's own may be an enum.
        assert_eq!(kind("Rating").0, RustKind::Named("Rating".into()));
        assert_eq!(
            kind("Option<crate::films::Rating>"),
            (RustKind::Named("Rating".into()), true)
        );
    }

    #[test]
    fn nested_options_are_flagged() {
        let ty: Type = syn::parse_str("Option<Option<i32>>").unwrap();
        assert!(field_type(&ty).nested_option);
    }
}
