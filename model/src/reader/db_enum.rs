//! Reading `#[derive(DbEnum)]` enums (DESIGN §11.2): the derive and the
//! scanner both call [`read_enum`], so both report the same errors.

use super::{Errors, ReadError};
use crate::db_enum::{DbEnum, Variant};
use crate::def::EnumDef;
use std::collections::BTreeMap;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitStr};

/// PostgreSQL's longest enum label, in bytes.
const MAX_VALUE_BYTES: usize = 63;

/// Reads one enum deriving `DbEnum`. Its `module_path` is left empty: the
/// caller knows where the enum lives.
pub fn read_enum(input: &DeriveInput) -> Result<EnumDef, Vec<ReadError>> {
    let mut errs = Errors::default();
    let name = input.ident.to_string();
    let Data::Enum(data) = &input.data else {
        return Err(vec![ReadError {
            span: input.ident.span(),
            message: "DbEnum can only be derived for enums of unit variants".into(),
            help: None,
        }]);
    };
    let mut db_enum = DbEnum::new("", name.clone());
    let mut app_label = None;
    string_keys(
        &input.attrs,
        &mut errs,
        &["name", "app"],
        |key, v, errs| match key {
            "name" if v.value().trim().is_empty() => {
                errs.push(v.span(), "`name` is empty".into(), None)
            }
            "name" => db_enum.type_name = Some(v.value()),
            "app" if crate::names::is_identifier(&v.value()) => app_label = Some(v.value()),
            _ => errs.push(
                v.span(),
                format!("`app = \"{}\"` is not an app label", v.value()),
                Some("letters, digits and _".into()),
            ),
        },
    );
    if data.variants.is_empty() {
        errs.push(
            input.ident.span(),
            format!("enum `{name}` has no variants: a column of it could hold nothing"),
            None,
        );
    }
    let mut renamed_from = BTreeMap::new();
    let mut seen: Vec<(String, String)> = Vec::new();
    for v in &data.variants {
        let vname = v.ident.to_string();
        if !matches!(v.fields, Fields::Unit) {
            errs.push(
                v.span(),
                format!(
                    "variant `{vname}` of `{name}` has fields; a DbEnum has unit variants only"
                ),
                None,
            );
            continue;
        }
        let mut value = vname.clone();
        let mut value_span = v.ident.span();
        string_keys(
            &v.attrs,
            &mut errs,
            &["value", "renamed_from"],
            |key, lit, _| {
                if key == "value" {
                    value = lit.value();
                    value_span = lit.span();
                } else {
                    renamed_from.insert(vname.clone(), lit.value());
                }
            },
        );
        if value.is_empty() {
            errs.push(
                value_span,
                format!("variant `{vname}` has an empty value"),
                None,
            );
        } else if value.len() > MAX_VALUE_BYTES {
            errs.push(
                value_span,
                format!(
                    "the value of variant `{vname}` is {} bytes; PostgreSQL's enum values are at most {MAX_VALUE_BYTES}",
                    value.len()
                ),
                None,
            );
        }
        if let Some((other, _)) = seen.iter().find(|(_, v)| *v == value) {
            errs.push(
                value_span,
                format!("variants `{other}` and `{vname}` have the same value '{value}'"),
                Some("give one of them another #[db_enum(value = \"…\")]".into()),
            );
        }
        seen.push((vname.clone(), value.clone()));
        db_enum.variants.push(Variant { name: vname, value });
    }
    if !errs.0.is_empty() {
        return Err(errs.0);
    }
    Ok(EnumDef {
        module_path: String::new(),
        app_label,
        db_enum,
        renamed_from,
    })
}

/// Reads each `key = "…"` of the `#[db_enum(…)]` attributes in `attrs`,
/// handing the `known` keys to `take`; an unknown key is an error saying
/// which keys there are, a value that is not a string one saying so.
fn string_keys(
    attrs: &[syn::Attribute],
    errs: &mut Errors,
    known: &[&str],
    mut take: impl FnMut(&str, LitStr, &mut Errors),
) {
    for attr in attrs.iter().filter(|a| a.path().is_ident("db_enum")) {
        let result = attr.parse_nested_meta(|meta| {
            let key = meta
                .path
                .get_ident()
                .map(|i| i.to_string())
                .unwrap_or_default();
            if !known.contains(&key.as_str()) {
                // Its value, if any, is left unread.
                if meta.input.peek(syn::Token![=]) {
                    let _: syn::Expr = meta.value()?.parse()?;
                }
                let takes: Vec<String> = known.iter().map(|k| format!("`{k} = \"…\"`")).collect();
                errs.push(
                    meta.path.span(),
                    format!("unknown db_enum attribute `{key}`"),
                    Some(format!("it takes {}", takes.join(" and "))),
                );
                return Ok(());
            }
            take(&key, meta.value()?.parse()?, errs);
            Ok(())
        });
        if let Err(e) = result {
            errs.push(e.span(), e.to_string(), None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(src: &str) -> Result<EnumDef, Vec<String>> {
        let input: DeriveInput = syn::parse_str(src).unwrap();
        read_enum(&input).map_err(|e| e.into_iter().map(|e| e.message).collect())
    }

    #[test]
    fn values_names_and_hints_are_read() {
        let def = read(
            r#"#[db_enum(name = "mpaa_rating")]
            enum Rating {
                #[db_enum(value = "G")] G,
                #[db_enum(value = "PG-13", renamed_from = "Pg13Old")] Pg13,
                R,
            }"#,
        )
        .unwrap();
        assert_eq!(def.db_enum.db_name(), "mpaa_rating");
        assert_eq!(def.db_enum.values(), ["G", "PG-13", "R"]);
        assert_eq!(def.renamed_from["Pg13"], "Pg13Old");
    }

    #[test]
    fn what_cannot_be_a_column_is_an_error() {
        assert_eq!(
            read("enum E { A(i32), B }").unwrap_err(),
            ["variant `A` of `E` has fields; a DbEnum has unit variants only"]
        );
        assert_eq!(
            read(r#"enum E { #[db_enum(value = "x")] A, #[db_enum(value = "x")] B }"#).unwrap_err(),
            ["variants `A` and `B` have the same value 'x'"]
        );
        assert_eq!(
            read("enum E {}").unwrap_err(),
            ["enum `E` has no variants: a column of it could hold nothing"]
        );
        let long = "v".repeat(64);
        assert_eq!(
            read(&format!(r#"enum E {{ #[db_enum(value = "{long}")] A }}"#)).unwrap_err(),
            ["the value of variant `A` is 64 bytes; PostgreSQL's enum values are at most 63"]
        );
        assert!(read("struct S;").unwrap_err()[0].contains("only be derived for enums"));
        assert_eq!(
            read(r#"#[db_enum(nme = "x")] enum E { A }"#).unwrap_err(),
            ["unknown db_enum attribute `nme`"]
        );
        assert_eq!(
            read("enum E { #[db_enum(value = 3)] A }").unwrap_err(),
            ["expected string literal"]
        );
    }
}
