//! The source scanner (DESIGN §1): reads the crate's sources with syn,
//! starting at its roots and following `mod` declarations as the compiler
//! would, and reads every `#[derive(Model)]` struct with the same reader as
//! the derive macro. It never compiles the user's crate.

pub mod locate;

use crate::diagnostic::Diagnostic;
use crate::project::Project;
use remodel_model::reader::read_model;
use remodel_model::{ResolveOptions, Schema, TableDef};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use syn::punctuated::Punctuated;
use syn::{Attribute, DeriveInput, Item, Token};

/// A source file that was read.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Relative to the project.
    pub rel: PathBuf,
    /// Its text.
    pub text: String,
}

/// A struct deriving Model.
#[derive(Debug, Clone)]
pub struct Found {
    /// What it says.
    pub def: TableDef,
    /// Index into [`Scan::files`].
    pub file: usize,
    /// Its syntax, to point at attributes in later errors.
    pub input: DeriveInput,
}

/// Everything the scanner found.
#[derive(Debug, Clone, Default)]
pub struct Scan {
    /// Files read.
    pub files: Vec<SourceFile>,
    /// Model structs, in the order met.
    pub found: Vec<Found>,
}

impl Scan {
    /// The definitions, in order.
    pub fn defs(&self) -> Vec<TableDef> {
        self.found.iter().map(|f| f.def.clone()).collect()
    }
}

struct Walker<'a> {
    project: &'a Project,
    scan: Scan,
    problems: Vec<Diagnostic>,
    visited: BTreeSet<PathBuf>,
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

fn derives_model(attrs: &[Attribute]) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .any(|a| {
            a.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
                .map(|paths| {
                    paths
                        .iter()
                        .any(|p| p.segments.last().is_some_and(|s| s.ident == "Model"))
                })
                .unwrap_or(false)
        })
}

impl Walker<'_> {
    fn rel(&self, p: &Path) -> PathBuf {
        p.strip_prefix(&self.project.dir).unwrap_or(p).to_path_buf()
    }

    /// Reads and walks one module file. `mod_dir` is where its child modules live.
    fn file(&mut self, path: &Path, module: Vec<String>, mod_dir: PathBuf) {
        let canonical = path.canonicalize().unwrap_or(path.to_path_buf());
        if !self.visited.insert(canonical) {
            return;
        }
        let rel = self.rel(path);
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                self.problems
                    .push(Diagnostic::file(rel, format!("cannot read the file: {e}")));
                return;
            }
        };
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let offset = e.utf8_error().valid_up_to();
                let head = String::from_utf8_lossy(&e.as_bytes()[..offset]).to_string();
                let line = head.matches('\n').count() + 1;
                let mut d = Diagnostic::file(rel, "the file is not valid UTF-8".into());
                d.line = line;
                d.column = head.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                self.problems.push(d);
                return;
            }
        };
        // The parser skips a byte-order mark; drop it here too so byte offsets agree.
        let text = match text.strip_prefix('\u{feff}') {
            Some(rest) => rest.to_string(),
            None => text,
        };
        let file_index = self.scan.files.len();
        self.scan.files.push(SourceFile {
            rel: rel.clone(),
            text: text.clone(),
        });
        let parsed = match syn::parse_file(&text) {
            Ok(f) => f,
            Err(e) => {
                let mut d = Diagnostic::at(
                    rel,
                    &text,
                    e.span(),
                    format!("the file does not parse: {e}"),
                    None,
                );
                if d.range.is_none() && d.line <= 1 && d.column <= 1 && !text.is_empty() {
                    // "unexpected end of input" has no position: point at the end.
                    let body = text.trim_end();
                    d.line = body.matches('\n').count() + 1;
                    d.column = body.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                    d.range = (!body.is_empty()).then(|| {
                        body.len() - body.chars().last().map_or(0, char::len_utf8)..body.len()
                    });
                }
                self.problems.push(d);
                return;
            }
        };
        let file_dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
        self.items(
            &parsed.items,
            file_index,
            &module,
            &mod_dir,
            &file_dir,
            false,
        );
    }

    fn items(
        &mut self,
        items: &[Item],
        file: usize,
        module: &[String],
        mod_dir: &Path,
        file_dir: &Path,
        inline: bool,
    ) {
        for item in items {
            match item {
                // Test-only modules hold no models that need migrations.
                Item::Mod(m) if is_cfg_test(&m.attrs) => {}
                Item::Mod(m) => {
                    // `r#type` lives in `type.rs`; module_path!() keeps the `r#`.
                    let name = syn::ext::IdentExt::unraw(&m.ident).to_string();
                    let mut child_module = module.to_vec();
                    child_module.push(m.ident.to_string());
                    let explicit = path_attr(&m.attrs);
                    if let Some((_, content)) = &m.content {
                        let dir = mod_dir.join(explicit.as_deref().unwrap_or(&name));
                        self.items(content, file, &child_module, &dir, file_dir, true);
                        continue;
                    }
                    let candidates: Vec<(PathBuf, PathBuf)> = match &explicit {
                        // A #[path] file behaves like a mod.rs: its children sit beside it.
                        Some(p) => {
                            let base = if inline { mod_dir } else { file_dir };
                            let f = base.join(p);
                            let dir = f.parent().unwrap_or(base).to_path_buf();
                            vec![(f, dir)]
                        }
                        None => vec![
                            (mod_dir.join(format!("{name}.rs")), mod_dir.join(&name)),
                            (mod_dir.join(&name).join("mod.rs"), mod_dir.join(&name)),
                        ],
                    };
                    match candidates.into_iter().find(|(f, _)| f.is_file()) {
                        Some((f, dir)) => self.file(&f, child_module, dir),
                        // A module behind a cfg may legitimately have no file.
                        None if has_attr(&m.attrs, "cfg") => {}
                        None => {
                            let text = self.scan.files[file].text.clone();
                            let rel = self.scan.files[file].rel.clone();
                            let want = match &explicit {
                                Some(p) => self
                                    .rel(&(if inline { mod_dir } else { file_dir }).join(p))
                                    .display()
                                    .to_string(),
                                None => format!(
                                    "{} or {}",
                                    self.rel(&mod_dir.join(format!("{name}.rs"))).display(),
                                    self.rel(&mod_dir.join(&name).join("mod.rs")).display()
                                ),
                            };
                            self.problems.push(Diagnostic::at(
                                rel,
                                &text,
                                m.ident.span(),
                                format!("file not found for module `{name}`"),
                                Some(format!("create {want}, as the compiler would look for it")),
                            ));
                        }
                    }
                }
                Item::Struct(s) if derives_model(&s.attrs) => {
                    self.model(DeriveInput::from(s.clone()), file, module)
                }
                Item::Enum(e) if derives_model(&e.attrs) => {
                    self.model(DeriveInput::from(e.clone()), file, module)
                }
                Item::Union(u) if derives_model(&u.attrs) => {
                    self.model(DeriveInput::from(u.clone()), file, module)
                }
                _ => {}
            }
        }
    }

    fn model(&mut self, input: DeriveInput, file: usize, module: &[String]) {
        let module_path = module.join("::");
        match read_model(&input) {
            Ok(mut def) => {
                def.module_path = module_path;
                self.scan.found.push(Found { def, file, input });
            }
            Err(errors) => {
                let src = &self.scan.files[file];
                for e in errors {
                    self.problems.push(Diagnostic::at(
                        src.rel.clone(),
                        &src.text,
                        e.span,
                        e.message,
                        e.help,
                    ));
                }
            }
        }
    }
}

/// Scans a project's sources.
pub fn scan(project: &Project) -> Result<Scan, Vec<Diagnostic>> {
    let mut w = Walker {
        project,
        scan: Scan::default(),
        problems: Vec::new(),
        visited: BTreeSet::new(),
    };
    let krate = vec![project.crate_name.clone()];
    let src = project.dir.join("src");
    let mut roots: Vec<(PathBuf, PathBuf)> = ["lib.rs", "main.rs"]
        .iter()
        .map(|f| (src.join(f), src.clone()))
        .filter(|(f, _)| f.is_file())
        .collect();
    for extra in &project.config.src {
        let p = project.dir.join(extra);
        if p.is_dir() {
            let found: Vec<(PathBuf, PathBuf)> = ["lib.rs", "main.rs"]
                .iter()
                .map(|f| (p.join(f), p.clone()))
                .filter(|(f, _)| f.is_file())
                .collect();
            if found.is_empty() {
                w.problems.push(Diagnostic::file(
                    PathBuf::from("remodel.toml"),
                    format!("src entry `{extra}` is a folder without lib.rs or main.rs"),
                ));
            }
            roots.extend(found);
        } else if p.is_file() && extra.ends_with(".rs") {
            roots.push((p.clone(), p.parent().unwrap_or(&project.dir).to_path_buf()));
        } else {
            w.problems.push(Diagnostic::file(
                PathBuf::from("remodel.toml"),
                format!("src entry `{extra}` is neither a folder nor a .rs file"),
            ));
        }
    }
    if roots.is_empty() && w.problems.is_empty() {
        w.problems.push(Diagnostic::file(
            PathBuf::from("src"),
            "no crate root: neither src/lib.rs nor src/main.rs exists (list other roots in remodel.toml: src = [\"…\"])".into(),
        ));
    }
    for (root, dir) in roots {
        w.file(&root, krate.clone(), dir);
    }
    if w.problems.is_empty() {
        Ok(w.scan)
    } else {
        Err(w.problems)
    }
}

/// Resolves the scanned structs into the models' schema; cross-struct
/// problems point at the struct, field or attribute concerned.
pub fn resolve(
    project: &Project,
    scan: &Scan,
    dialects: Vec<String>,
) -> Result<Schema, Vec<Diagnostic>> {
    let opts = ResolveOptions {
        doc_comments: project.config.doc_comments,
        dialects,
    };
    remodel_model::resolve(&scan.defs(), &opts).map_err(|errors| {
        errors
            .into_iter()
            .map(|e| {
                let found = &scan.found[e.def];
                let src = &scan.files[found.file];
                let span = locate::locate(&found.input, e.field.as_deref(), e.attr);
                Diagnostic::at(src.rel.clone(), &src.text, span, e.message, e.help)
            })
            .collect()
    })
}

#[cfg(test)]
mod tests;
