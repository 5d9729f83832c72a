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
use remodel_model::reader::{ReadError, read_model};
use syn::{DeriveInput, parse_macro_input};

/// Derives `remodel::Model` for a struct with named fields.
///
/// Field options go in `#[field(...)]` (`primary_key`, `auto`, `unique`,
/// `index`, `skip`, `max_length`, `max_digits`, `decimal_places`, `default`,
/// `default_sql`, `column`, `comment`, `references`, `to_field`, `on_delete`,
/// `sql_type`, `renamed_from`); model options in `#[model(...)]` (`app`,
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
            quote! {
                #[automatically_derived]
                impl #impl_generics ::remodel::Model for #ident #ty_generics #where_clause {
                    fn table() -> ::remodel::TableDef {
                        ::remodel::TableDef::from_embedded(#json, ::core::module_path!())
                    }
                }
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

fn compile_error(e: &ReadError) -> TokenStream2 {
    let text = match &e.help {
        Some(help) => format!("{}\n\nhelp: {help}", e.message),
        None => e.message.clone(),
    };
    syn::Error::new(e.span, text).to_compile_error()
}
