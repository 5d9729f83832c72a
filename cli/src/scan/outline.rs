//! What one source file says that the scanner needs, read with syn: its
//! module declarations and its models, in order. Plain data that depends
//! only on the file's text, so it is cached by content (DESIGN §9) and the
//! file is parsed again only when it changes. Which files the modules live
//! in is the filesystem's business, decided afresh on every run by the
//! walk in `scan`.

use crate::diagnostic::{Diagnostic, Spot};
use remodel_model::reader::{ReadError, read_enum, read_model};
use remodel_model::{EnumDef, TableDef};
use std::path::Path;
use syn::punctuated::Punctuated;
use syn::{Attribute, DeriveInput, Item, Token};

/// One thing a file says, in the order it says it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum Piece {
    /// `mod name;` (its own file) or `mod name { … }` (inline).
    Mod {
        /// The identifier as written (`r#type`), for the module path.
        ident: String,
        /// Without `r#`, for the file name.
        name: String,
        /// `#[path = "…"]`.
        path_attr: Option<String>,
        /// Whether a `#[cfg(…)]` may leave it out (then a missing file is fine).
        cfg: bool,
        /// The identifier's place, for "file not found".
        spot: Spot,
        /// An inline module's items.
        content: Option<Vec<Piece>>,
    },
    /// A model, read.
    Model {
        /// What it says (its module path is set by the walk).
        def: Box<TableDef>,
        /// Item indexes from the file down through inline modules, to find
        /// its syntax again for later messages.
        at: Vec<usize>,
    },
    /// A `#[derive(DbEnum)]` enum, read.
    Enum {
        /// What it says (its module path is set by the walk).
        def: Box<EnumDef>,
        /// Item indexes, as a model's.
        at: Vec<usize>,
    },
    /// A problem at this point of the file; files with problems are never
    /// cached, so it is never written.
    #[serde(skip)]
    Problem(Box<Diagnostic>),
}

/// A file's pieces, and whether any is a problem.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Outline {
    /// In order.
    pub pieces: Vec<Piece>,
    /// Whether a problem is among them (at any depth).
    pub has_problems: bool,
}

fn has_attr(attrs: &[Attribute], name: &str) -> bool {
    attrs.iter().any(|a| a.path().is_ident(name))
}

fn is_cfg_test(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg") && a.parse_args::<syn::Ident>().is_ok_and(|i| i == "test")
    })
}

fn path_attr(attrs: &[Attribute]) -> Option<String> {
    attrs
        .iter()
        .find(|a| a.path().is_ident("path"))
        .and_then(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
}

fn derives(attrs: &[Attribute], name: &str) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .any(|a| {
            a.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
                .map(|paths| {
                    paths
                        .iter()
                        .any(|p| p.segments.last().is_some_and(|s| s.ident == name))
                })
                .unwrap_or(false)
        })
}

fn derives_model(attrs: &[Attribute]) -> bool {
    derives(attrs, "Model")
}

/// Reads a file's text (`rel` names it in problems).
pub fn outline(rel: &Path, text: &str) -> Outline {
    let mut out = Outline {
        pieces: Vec::new(),
        has_problems: false,
    };
    match syn::parse_file(text) {
        Ok(file) => {
            out.pieces = items(rel, text, &file.items, &[], &mut out.has_problems);
        }
        Err(e) => {
            out.pieces
                .push(Piece::Problem(Box::new(parse_error(rel, text, &e))));
            out.has_problems = true;
        }
    }
    out
}

fn parse_error(rel: &Path, text: &str, e: &syn::Error) -> Diagnostic {
    let mut d = Diagnostic::at(
        rel.to_path_buf(),
        text,
        e.span(),
        format!("the file does not parse: {e}"),
        None,
    );
    if d.range.is_none() && d.line <= 1 && d.column <= 1 && !text.is_empty() {
        // "unexpected end of input" has no position: point at the end.
        let body = text.trim_end();
        d.line = body.matches('\n').count() + 1;
        d.column = body.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        d.range = (!body.is_empty())
            .then(|| body.len() - body.chars().last().map_or(0, char::len_utf8)..body.len());
    }
    d
}

/// The reader's errors about one item, as problems at their places.
fn push_problems(
    out: &mut Vec<Piece>,
    rel: &Path,
    text: &str,
    errors: Vec<ReadError>,
    problems: &mut bool,
) {
    *problems = true;
    for e in errors {
        out.push(Piece::Problem(Box::new(Diagnostic::at(
            rel.to_path_buf(),
            text,
            e.span,
            e.message,
            e.help,
        ))));
    }
}

fn items(rel: &Path, text: &str, items_: &[Item], at: &[usize], problems: &mut bool) -> Vec<Piece> {
    let mut out = Vec::new();
    for (index, item) in items_.iter().enumerate() {
        let here = || {
            let mut v = at.to_vec();
            v.push(index);
            v
        };
        let input = match item {
            // Test-only modules hold no models that need migrations.
            Item::Mod(m) if is_cfg_test(&m.attrs) => continue,
            Item::Mod(m) => {
                out.push(Piece::Mod {
                    ident: m.ident.to_string(),
                    // `r#type` lives in `type.rs`; module_path!() keeps the `r#`.
                    name: syn::ext::IdentExt::unraw(&m.ident).to_string(),
                    path_attr: path_attr(&m.attrs),
                    cfg: has_attr(&m.attrs, "cfg"),
                    spot: Spot::of(m.ident.span()),
                    content: m
                        .content
                        .as_ref()
                        .map(|(_, content)| items(rel, text, content, &here(), problems)),
                });
                continue;
            }
            Item::Enum(e) if derives(&e.attrs, "DbEnum") => {
                match read_enum(&DeriveInput::from(e.clone())) {
                    Ok(def) => out.push(Piece::Enum {
                        def: Box::new(def),
                        at: here(),
                    }),
                    Err(errors) => push_problems(&mut out, rel, text, errors, problems),
                }
                continue;
            }
            Item::Struct(s) if derives_model(&s.attrs) => DeriveInput::from(s.clone()),
            Item::Enum(e) if derives_model(&e.attrs) => DeriveInput::from(e.clone()),
            Item::Union(u) if derives_model(&u.attrs) => DeriveInput::from(u.clone()),
            _ => continue,
        };
        match read_model(&input) {
            Ok(def) => out.push(Piece::Model {
                def: Box::new(def),
                at: here(),
            }),
            Err(errors) => push_problems(&mut out, rel, text, errors, problems),
        }
    }
    out
}
