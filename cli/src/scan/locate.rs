//! Finding the span of a struct, field or attribute key, to point at it.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::{Attribute, Data, DeriveInput, Fields};

fn find_ident(tokens: TokenStream, name: &str) -> Option<Span> {
    for tt in tokens {
        match tt {
            TokenTree::Ident(i) if i == name => return Some(i.span()),
            TokenTree::Group(g) => {
                if let Some(s) = find_ident(g.stream(), name) {
                    return Some(s);
                }
            }
            _ => {}
        }
    }
    None
}

fn in_attrs(attrs: &[Attribute], kind: &str, key: &str) -> Option<Span> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident(kind))
        .find_map(|a| {
            a.meta
                .require_list()
                .ok()
                .and_then(|l| find_ident(l.tokens.clone(), key))
        })
}

/// The span of `attr` on `field` (or on the struct), else of the field, else the struct name.
pub fn locate(input: &DeriveInput, field: Option<&str>, attr: Option<&str>) -> Span {
    if let Some(name) = field
        && let Data::Struct(s) = &input.data
        && let Fields::Named(named) = &s.fields
        && let Some(f) = named
            .named
            .iter()
            .find(|f| f.ident.as_ref().is_some_and(|i| i == name))
    {
        let ident_span = f
            .ident
            .as_ref()
            .map(|i| i.span())
            .unwrap_or_else(|| input.ident.span());
        return attr
            .and_then(|a| in_attrs(&f.attrs, "field", a))
            .unwrap_or(ident_span);
    }
    attr.and_then(|a| in_attrs(&input.attrs, "model", a))
        .unwrap_or_else(|| input.ident.span())
}
