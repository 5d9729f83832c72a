//! `#[derive(Model)]` for remodel.
//!
//! Use it through the `remodel` crate (`use remodel::Model;`), which re-exports
//! it next to the trait it implements. This crate is deliberately thin: every
//! check about a struct lives in `remodel_model::reader`, which the CLI's
//! source scanner shares, so the derive and the scanner always agree. The
//! macro only turns the reader's answer into tokens:
//!
//! - on success, an `impl ::remodel::Model` whose `table()` rebuilds the
//!   [`TableDef`](remodel_model::TableDef) from an embedded JSON literal, with
//!   the module path filled in by `module_path!()` where the struct is
//!   compiled;
//! - on errors, one `compile_error!` per problem at the offending attribute's
//!   span, plus a fallback impl so no cascade of "trait not implemented"
//!   errors hides the real ones.

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::quote;
use remodel_model::reader::{ReadError, read_enum, read_model};
use syn::{DeriveInput, parse_macro_input};

/// Derives `remodel::Model` for a struct with named fields.
///
/// Field options go in `#[field(...)]` (`primary_key`, `auto`, `unique`,
/// `index`, `skip`, `max_length`, `max_digits`, `decimal_places`, `default`,
/// `default_sql`, `column`, `comment`, `references`, `to_field`, `on_delete`,
/// `fk_name`, `sql_type`, `renamed_from`); model options in `#[model(...)]` (`app`,
/// `table`, `comment`, `managed`, `renamed_from`, `index(...)`, `unique(...)`,
/// `check(...)`, `primary_key(...)`). See the `remodel` crate and DESIGN §2
/// for their meaning.
///
/// ```ignore
/// use remodel::Model;
///
/// #[derive(Model)]
/// pub struct Patient {
///     #[field(primary_key)]
///     pub id: i64,
///     #[field(max_length = 100)]
///     pub nombre: String,
/// }
/// ```
///
/// Every mistake the reader finds is reported at once, each at the span of
/// the attribute (key or value), field or type it is about.
#[proc_macro_derive(Model, attributes(model, field))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand(&input).into()
}

fn expand(input: &DeriveInput) -> TokenStream2 {
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    match read_model(input) {
        Ok(def) => {
            let json = def.to_embedded();
            let enums = enum_fields_are_enums(input, &def);
            quote! {
                #[automatically_derived]
                impl #impl_generics ::remodel::Model for #ident #ty_generics #where_clause {
                    fn table() -> ::remodel::TableDef {
                        ::remodel::TableDef::from_embedded(#json, ::core::module_path!())
                    }
                }
                #enums
            }
        }
        Err(errors) => {
            let errors = errors.iter().map(compile_error);
            let what = format!(
                "remodel: `{ident}` has errors in its #[derive(Model)] attributes; \
                 they were reported when it was compiled"
            );
            quote! {
                #(#errors)*
                #[automatically_derived]
                impl #impl_generics ::remodel::Model for #ident #ty_generics #where_clause {
                    fn table() -> ::remodel::TableDef {
                        ::core::panic!(#what)
                    }
                }
            }
        }
    }
}

/// Derives `remodel::DbEnum` for an enum of unit variants, with `Display`
/// and `FromStr` over its values.
///
/// `#[db_enum(name = "…")]` on the enum names its database type (default:
/// snake_case of the enum's name); `#[db_enum(value = "…")]` on a variant
/// gives its value (default: the variant's name as written), and
/// `#[db_enum(renamed_from = "…")]` the variant it was called before.
///
/// ```ignore
/// #[derive(Clone, Copy, remodel::DbEnum)]
/// #[db_enum(name = "mpaa_rating")]
/// pub enum Rating {
///     G,
///     #[db_enum(value = "PG-13")]
///     Pg13,
/// }
/// ```
#[proc_macro_derive(DbEnum, attributes(db_enum))]
pub fn derive_db_enum(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand_enum(&input).into()
}

fn expand_enum(input: &DeriveInput) -> TokenStream2 {
    let ident = &input.ident;
    match read_enum(input) {
        Ok(def) => {
            let variants: Vec<syn::Ident> = def
                .db_enum
                .variants
                .iter()
                .map(|v| syn::Ident::new(&v.name, ident.span()))
                .collect();
            let values: Vec<&str> = def.db_enum.values();
            let name = ident.to_string();
            let type_name = def.db_enum.db_name();
            quote! {
                #[automatically_derived]
                impl ::remodel::DbEnum for #ident {
                    const VARIANTS: &'static [Self] = &[#(#ident::#variants),*];
                    const VALUES: &'static [&'static str] = &[#(#values),*];
                    fn as_str(&self) -> &'static str {
                        match self {
                            #(#ident::#variants => #values,)*
                        }
                    }
                }
                #[automatically_derived]
                impl ::core::fmt::Display for #ident {
                    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        f.write_str(::remodel::DbEnum::as_str(self))
                    }
                }
                #[automatically_derived]
                impl ::core::str::FromStr for #ident {
                    type Err = ::remodel::UnknownValue;
                    fn from_str(s: &str) -> ::core::result::Result<Self, Self::Err> {
                        match s {
                            #(#values => ::core::result::Result::Ok(#ident::#variants),)*
                            _ => ::core::result::Result::Err(::remodel::UnknownValue {
                                enum_name: #name,
                                value: s.into(),
                            }),
                        }
                    }
                }
                ::remodel::__db_enum_sqlx!(#ident, #type_name);
            }
        }
        Err(errors) => {
            let errors = errors.iter().map(compile_error);
            quote! { #(#errors)* }
        }
    }
}

/// A field of a type of the project's own is read as an enum: the
/// compiler checks that it is one (`T: remodel::DbEnum`), at the type's span.
fn enum_fields_are_enums(input: &DeriveInput, def: &remodel_model::TableDef) -> TokenStream2 {
    let syn::Data::Struct(data) = &input.data else {
        return TokenStream2::new();
    };
    let checks = data.fields.iter().filter_map(|f| {
        let name = f.ident.as_ref()?.to_string();
        let field = def.table.field(&name)?;
        if !matches!(field.ty, remodel_model::ColumnType::Enum(_)) {
            return None;
        }
        let ty = option_inner(&f.ty).unwrap_or(&f.ty);
        Some(quote::quote_spanned! {syn::spanned::Spanned::span(ty)=>
            const _: fn() = || {
                fn a_db_enum<T: ::remodel::DbEnum>() {}
                a_db_enum::<#ty>();
            };
        })
    });
    quote! { #(#checks)* }
}

/// The `T` of `Option<T>`.
fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    match &last.arguments {
        syn::PathArguments::AngleBracketed(a) => match a.args.first()? {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        },
        _ => None,
    }
}

fn compile_error(e: &ReadError) -> TokenStream2 {
    let text = match &e.help {
        Some(help) => format!("{}\n\nhelp: {help}", e.message),
        None => e.message.clone(),
    };
    syn::Error::new(e.span, text).to_compile_error()
}

/// Embeds a project's migrations in the binary: `embed_migrations!()` reads
/// the folder named by `migrations` in the crate's `remodel.toml` (default
/// `migrations`), or `embed_migrations!("path")` one given relative to the
/// crate, and expands to a `remodel::Migrator` holding every
/// `<app>/NNNN_name.toml` through `include_str!`, so editing a file rebuilds
/// the binary. A file added later is seen once the crate rebuilds: add
/// `println!("cargo:rerun-if-changed=migrations");` to a `build.rs`.
#[proc_macro]
pub fn embed_migrations(input: TokenStream) -> TokenStream {
    let given = if input.is_empty() {
        None
    } else {
        Some(parse_macro_input!(input as syn::LitStr))
    };
    let crate_dir = std::env::var("CARGO_MANIFEST_DIR").map(std::path::PathBuf::from);
    let result = match crate_dir {
        Ok(dir) => embedded(&dir, given.as_ref().map(syn::LitStr::value)),
        Err(_) => Err("CARGO_MANIFEST_DIR is not set (build with cargo)".to_string()),
    };
    match result {
        Ok(tokens) => tokens.into(),
        Err(message) => {
            let span = given.map_or_else(proc_macro2::Span::call_site, |l| l.span());
            syn::Error::new(span, message).to_compile_error().into()
        }
    }
}

/// The folder the migrations live in, relative to the crate.
fn migrations_folder(crate_dir: &std::path::Path) -> Result<String, String> {
    let config = crate_dir.join("remodel.toml");
    let Ok(text) = std::fs::read_to_string(&config) else {
        return Ok("migrations".into());
    };
    let table: toml::Table = text
        .parse()
        .map_err(|e| format!("{}: {e}", config.display()))?;
    match table.get("migrations") {
        None => Ok("migrations".into()),
        Some(toml::Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(format!(
            "{}: `migrations` must be a string",
            config.display()
        )),
    }
}

/// The `Migrator::new(&[…])` expression for the migrations of the crate in
/// `crate_dir`, in the folder `given` or the configured one.
fn embedded(crate_dir: &std::path::Path, given: Option<String>) -> Result<TokenStream2, String> {
    let folder = match given {
        Some(f) => f,
        None => migrations_folder(crate_dir)?,
    };
    let dir = crate_dir.join(&folder);
    let read = |d: &std::path::Path| -> Result<Vec<std::path::PathBuf>, String> {
        let mut entries: Vec<_> = std::fs::read_dir(d)
            .map_err(|e| format!("cannot read {}: {e}", d.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| !n.starts_with('.') && !n.starts_with('_'))
            })
            .collect();
        entries.sort();
        Ok(entries)
    };
    if !dir.is_dir() {
        return Err(format!(
            "no migrations folder at {}: run `remodel makemigrations` first, or name the folder: embed_migrations!(\"path\")",
            dir.display()
        ));
    }
    let mut entries = Vec::new();
    for app_dir in read(&dir)?.into_iter().filter(|p| p.is_dir()) {
        let app = app_dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        for file in read(&app_dir)? {
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            if !name.ends_with(".toml") || file.is_dir() {
                continue;
            }
            let absolute = file.to_string_lossy().to_string();
            let path = format!("{folder}/{app}/{name}");
            entries.push(quote! {
                ::remodel::EmbeddedMigration {
                    app: #app,
                    file: #name,
                    path: #path,
                    text: ::core::include_str!(#absolute),
                }
            });
        }
    }
    Ok(quote! {
        ::remodel::Migrator::new(&[#(#entries),*])
    })
}

#[cfg(test)]
mod tests {
    use super::embedded;

    fn write(dir: &std::path::Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn every_migration_file_is_included_in_order() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "migrations/shop/0002_b.toml", "");
        write(dir.path(), "migrations/shop/0001_initial.toml", "");
        write(dir.path(), "migrations/billing/0001_initial.toml", "");
        write(dir.path(), "migrations/shop/.0003_draft.toml", "");
        write(dir.path(), "migrations/shop/notes.md", "");
        let code = embedded(dir.path(), None).unwrap().to_string();
        let order: Vec<usize> = ["billing/0001_initial", "shop/0001_initial", "shop/0002_b"]
            .iter()
            .map(|f| {
                code.find(&format!("\"migrations/{f}.toml\""))
                    .unwrap_or_else(|| panic!("{f} in {code}"))
            })
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{code}");
        assert!(code.contains("include_str !"), "{code}");
        assert!(!code.contains("draft") && !code.contains("notes"), "{code}");
    }

    #[test]
    fn the_folder_comes_from_remodel_toml_or_the_argument() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "remodel.toml", "migrations = \"db/history\"\n");
        write(dir.path(), "db/history/shop/0001_initial.toml", "");
        write(dir.path(), "other/shop/0001_initial.toml", "");
        assert!(
            embedded(dir.path(), None)
                .unwrap()
                .to_string()
                .contains("\"db/history/shop/0001_initial.toml\"")
        );
        assert!(
            embedded(dir.path(), Some("other".into()))
                .unwrap()
                .to_string()
                .contains("\"other/shop/0001_initial.toml\"")
        );
    }

    #[test]
    fn a_missing_folder_says_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let e = embedded(dir.path(), None).unwrap_err();
        assert!(e.starts_with("no migrations folder at "), "{e}");
        assert!(e.contains("remodel makemigrations"), "{e}");
    }
}
