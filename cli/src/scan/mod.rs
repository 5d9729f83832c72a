//! The source scanner (DESIGN §1): reads the crate's sources with syn,
//! starting at its roots and following `mod` declarations as the compiler
//! would, and reads every `#[derive(Model)]` struct with the same reader as
//! the derive macro. It never compiles the user's crate.

pub mod locate;
pub mod outline;

use crate::diagnostic::Diagnostic;
use crate::project::Project;
use outline::{Outline, Piece};
use remodel_migrate::cache::{FileCache, content_hash};
use remodel_model::{EnumDef, ResolveOptions, Schema, TableDef};
use std::cell::OnceCell;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Condvar, Mutex, PoisonError};
use syn::{DeriveInput, Item};

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
    pub input: LazyInput,
}

/// A model's syntax, read again from its file's text when first needed (only
/// errors need it): files are parsed on other threads, whose syntax trees
/// cannot cross to this one.
#[derive(Debug, Clone)]
pub struct LazyInput {
    text: Rc<str>,
    /// Item indexes from the file down through inline modules.
    at: Vec<usize>,
    input: OnceCell<DeriveInput>,
}

impl Deref for LazyInput {
    type Target = DeriveInput;

    fn deref(&self) -> &DeriveInput {
        self.input.get_or_init(|| {
            let file = syn::parse_file(&self.text).expect("the file parsed before");
            let mut items = &file.items;
            let (last, outer) = self.at.split_last().expect("an item's place");
            for &i in outer {
                match &items[i] {
                    Item::Mod(syn::ItemMod {
                        content: Some((_, content)),
                        ..
                    }) => items = content,
                    _ => unreachable!("an inline module"),
                }
            }
            match &items[*last] {
                Item::Struct(s) => DeriveInput::from(s.clone()),
                Item::Enum(e) => DeriveInput::from(e.clone()),
                Item::Union(u) => DeriveInput::from(u.clone()),
                _ => unreachable!("a model item"),
            }
        })
    }
}

/// A `#[derive(DbEnum)]` enum.
#[derive(Debug, Clone)]
pub struct FoundEnum {
    /// What it says.
    pub def: EnumDef,
    /// Index into [`Scan::files`].
    pub file: usize,
    /// Its syntax, to point at it in later errors.
    pub input: LazyInput,
}

/// Everything the scanner found.
#[derive(Debug, Clone, Default)]
pub struct Scan {
    /// Files read.
    pub files: Vec<SourceFile>,
    /// Model structs, in the order met.
    pub found: Vec<Found>,
    /// DbEnum enums, in the order met.
    pub enums: Vec<FoundEnum>,
}

impl Scan {
    /// The definitions, in order.
    pub fn defs(&self) -> Vec<TableDef> {
        self.found.iter().map(|f| f.def.clone()).collect()
    }
}

/// A module file to read: the file, its module path, and where its child
/// modules live.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Job {
    path: PathBuf,
    module: Vec<String>,
    mod_dir: PathBuf,
}

/// What one file says, in the order it says it; plain data, so files can be
/// read on any thread.
#[derive(Debug)]
enum Event {
    /// A module in its own file.
    Child(Job),
    /// A problem at this point of the file.
    Problem(Box<Diagnostic>),
    /// A model, read (its module path set).
    Model { def: Box<TableDef>, at: Vec<usize> },
    /// An enum, read (its module path set).
    Enum { def: Box<EnumDef>, at: Vec<usize> },
}

/// One file read, and what it says.
#[derive(Debug)]
struct LoadedFile {
    rel: PathBuf,
    text: String,
    events: Vec<Event>,
}

/// One file read: `Err` when it cannot be read at all.
type Loaded = Result<LoadedFile, Box<Diagnostic>>;

fn rel_to(project: &Project, p: &Path) -> PathBuf {
    p.strip_prefix(&project.dir).unwrap_or(p).to_path_buf()
}

/// A file's key in the cache.
fn cache_key(rel: &Path) -> String {
    rel.to_string_lossy().replace('\\', "/")
}

/// Reads one module file, takes its outline from the cache or parses it,
/// and finds the files of its child modules.
fn load(project: &Project, job: &Job, cache: &FileCache<Outline>) -> Loaded {
    let path = &job.path;
    let rel = rel_to(project, path);
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            return Err(Box::new(Diagnostic::file(
                rel,
                format!("cannot read the file: {e}"),
            )));
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
            return Err(Box::new(d));
        }
    };
    // The parser skips a byte-order mark; drop it here too so byte offsets agree.
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    };
    let hash = content_hash(text.as_bytes());
    let key = cache_key(&rel);
    let outline = cache.take(&key, &hash).unwrap_or_else(|| {
        let outline = outline::outline(&rel, &text);
        if !outline.has_problems {
            cache.put(&key, &hash, &outline);
        }
        outline
    });
    let mut events = Vec::new();
    let file_dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
    let mut w = FileWalker {
        project,
        rel: &rel,
        text: &text,
        file_dir: &file_dir,
        events: &mut events,
    };
    w.pieces(outline.pieces, &job.module, &job.mod_dir, false);
    Ok(LoadedFile { rel, text, events })
}

struct FileWalker<'a> {
    project: &'a Project,
    rel: &'a Path,
    text: &'a str,
    file_dir: &'a Path,
    events: &'a mut Vec<Event>,
}

impl FileWalker<'_> {
    fn rel(&self, p: &Path) -> PathBuf {
        rel_to(self.project, p)
    }

    fn pieces(&mut self, pieces: Vec<Piece>, module: &[String], mod_dir: &Path, inline: bool) {
        let file_dir = self.file_dir;
        for piece in pieces {
            match piece {
                Piece::Mod {
                    ident,
                    name,
                    path_attr: explicit,
                    cfg,
                    spot,
                    content,
                } => {
                    let mut child_module = module.to_vec();
                    child_module.push(ident);
                    if let Some(content) = content {
                        let dir = mod_dir.join(explicit.as_deref().unwrap_or(&name));
                        self.pieces(content, &child_module, &dir, true);
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
                        Some((f, dir)) => self.events.push(Event::Child(Job {
                            path: f,
                            module: child_module,
                            mod_dir: dir,
                        })),
                        // A module behind a cfg may legitimately have no file.
                        None if cfg => {}
                        None => {
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
                            self.events
                                .push(Event::Problem(Box::new(Diagnostic::at_spot(
                                    self.rel.to_path_buf(),
                                    self.text,
                                    &spot,
                                    format!("file not found for module `{name}`"),
                                    Some(format!(
                                        "create {want}, as the compiler would look for it"
                                    )),
                                ))));
                        }
                    }
                }
                Piece::Model { mut def, at } => {
                    def.module_path = module.join("::");
                    self.events.push(Event::Model { def, at });
                }
                Piece::Enum { mut def, at } => {
                    def.module_path = module.join("::");
                    self.events.push(Event::Enum { def, at });
                }
                Piece::Problem(d) => self.events.push(Event::Problem(d)),
            }
        }
    }
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or(path.to_path_buf())
}

/// Reads every file reachable from `roots` on every core. Each file is read
/// once, for the first job naming it that a thread takes; the walk in order
/// reads again (on this thread) any file met first in another context.
fn load_all(project: &Project, roots: &[Job], cache: &FileCache<Outline>) -> HashMap<Job, Loaded> {
    struct Queue {
        jobs: Vec<Job>,
        busy: usize,
        seen: HashSet<PathBuf>,
    }
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let queue = Mutex::new(Queue {
        jobs: roots.iter().rev().cloned().collect(),
        busy: 0,
        seen: roots.iter().map(|j| canonical(&j.path)).collect(),
    });
    let ready = Condvar::new();
    let results: Mutex<HashMap<Job, Loaded>> = Mutex::new(HashMap::new());
    let work = || {
        loop {
            let job = {
                let mut q = queue.lock().unwrap_or_else(PoisonError::into_inner);
                loop {
                    if let Some(job) = q.jobs.pop() {
                        q.busy += 1;
                        break Some(job);
                    }
                    if q.busy == 0 {
                        break None;
                    }
                    q = ready.wait(q).unwrap_or_else(PoisonError::into_inner);
                }
            };
            let Some(job) = job else {
                ready.notify_all();
                return;
            };
            let loaded = load(project, &job, cache);
            let mut q = queue.lock().unwrap_or_else(PoisonError::into_inner);
            if let Ok(file) = &loaded {
                // Later children first out: the walk meets them in order.
                for e in file.events.iter().rev() {
                    if let Event::Child(child) = e
                        && q.seen.insert(canonical(&child.path))
                    {
                        q.jobs.push(child.clone());
                    }
                }
            }
            q.busy -= 1;
            drop(q);
            results
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(job, loaded);
            ready.notify_all();
        }
    };
    if threads <= 1 {
        work();
    } else {
        std::thread::scope(|s| {
            let helpers: Vec<_> = (1..threads)
                .filter_map(|_| {
                    // As much stack as the main thread: syn recurses.
                    std::thread::Builder::new()
                        .stack_size(8 << 20)
                        .spawn_scoped(s, work)
                        .ok()
                })
                .collect();
            work();
            for h in helpers {
                if let Err(panic) = h.join() {
                    std::panic::resume_unwind(panic);
                }
            }
        });
    }
    results.into_inner().unwrap_or_else(PoisonError::into_inner)
}

struct Walker<'a> {
    project: &'a Project,
    scan: Scan,
    problems: Vec<Diagnostic>,
    visited: BTreeSet<PathBuf>,
    loaded: HashMap<Job, Loaded>,
    cache: FileCache<Outline>,
}

impl Walker<'_> {
    /// Takes one module file's findings, and its child modules' in place.
    fn file(&mut self, job: Job) {
        if !self.visited.insert(canonical(&job.path)) {
            return;
        }
        let loaded = match self.loaded.remove(&job) {
            Some(l) => l,
            None => load(self.project, &job, &self.cache),
        };
        let LoadedFile { rel, text, events } = match loaded {
            Ok(l) => l,
            Err(d) => {
                self.problems.push(*d);
                return;
            }
        };
        let file_index = self.scan.files.len();
        let shared: Rc<str> = Rc::from(text.as_str());
        self.scan.files.push(SourceFile { rel, text });
        for e in events {
            match e {
                Event::Child(child) => self.file(child),
                Event::Problem(d) => self.problems.push(*d),
                Event::Model { def, at } => self.scan.found.push(Found {
                    def: *def,
                    file: file_index,
                    input: LazyInput {
                        text: shared.clone(),
                        at,
                        input: OnceCell::new(),
                    },
                }),
                Event::Enum { def, at } => self.scan.enums.push(FoundEnum {
                    def: *def,
                    file: file_index,
                    input: LazyInput {
                        text: shared.clone(),
                        at,
                        input: OnceCell::new(),
                    },
                }),
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
        loaded: HashMap::new(),
        cache: FileCache::open(project.cache_dir().as_deref(), "sources.cache"),
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
    let roots: Vec<Job> = roots
        .into_iter()
        .map(|(path, mod_dir)| Job {
            path,
            module: krate.clone(),
            mod_dir,
        })
        .collect();
    w.loaded = load_all(project, &roots, &w.cache);
    for root in roots {
        w.file(root);
    }
    w.cache.store();
    if w.problems.is_empty() {
        Ok(w.scan)
    } else {
        // Resolving will not run: say now of each field whose type is no
        // enum of the project what resolving would, so every problem is
        // reported at once.
        for found in &w.scan.found {
            for f in &found.def.table.fields {
                if let remodel_model::ColumnType::Enum(name) = &f.ty
                    && !w.scan.enums.iter().any(|e| e.def.db_enum.name == *name)
                {
                    let (message, help) = remodel_model::resolve::no_column_type(&f.name, name);
                    let src = &w.scan.files[found.file];
                    let span = locate::locate(&found.input, Some(&f.name), None);
                    w.problems.push(Diagnostic::at(
                        src.rel.clone(),
                        &src.text,
                        span,
                        message,
                        Some(help),
                    ));
                }
            }
        }
        Err(w.problems)
    }
}

/// What the scanned models may say but that does not behave as it reads
/// (`remodel_model::resolve::field_warnings`), each at the attribute
/// concerned; shown as warnings, never refused.
pub fn warnings(scan: &Scan) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for found in &scan.found {
        for w in remodel_model::resolve::field_warnings(&found.def.table) {
            let src = &scan.files[found.file];
            let span = locate::locate(&found.input, Some(&w.field), Some(w.attr));
            out.push(Diagnostic::at(
                src.rel.clone(),
                &src.text,
                span,
                w.message,
                None,
            ));
        }
    }
    out
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
        enums: scan.enums.iter().map(|e| e.def.clone()).collect(),
    };
    let defs: Vec<&TableDef> = scan.found.iter().map(|f| &f.def).collect();
    remodel_model::resolve(&defs, &opts).map_err(|errors| {
        errors
            .into_iter()
            .map(|e| {
                let (file, input) = if e.on_enum {
                    let found = &scan.enums[e.def];
                    (found.file, &found.input)
                } else {
                    let found = &scan.found[e.def];
                    (found.file, &found.input)
                };
                let src = &scan.files[file];
                let span = locate::locate(input, e.field.as_deref(), e.attr);
                Diagnostic::at(src.rel.clone(), &src.text, span, e.message, e.help)
            })
            .collect()
    })
}

#[cfg(test)]
mod tests;
