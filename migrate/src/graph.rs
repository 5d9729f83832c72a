//! A project's migrations: loading them from `migrations/<app>/`, the
//! dependency graph, its one deterministic order, replaying it into the
//! history state, and plans to reach a target.

use crate::cache::{FileCache, content_hash};
use crate::file::{self, FileProblem, MigrationFile};
use remodel_model::Schema;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One migration file, loaded.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Migration {
    /// The app (its folder's name).
    pub app: String,
    /// The file name without `.toml`: `0002_alter_patient_fecha_ingreso`.
    pub name: String,
    /// The leading number.
    pub number: u32,
    /// The file, relative to the project folder.
    pub path: PathBuf,
    /// What it says (index and constraint names normalised against the state).
    pub file: MigrationFile,
    /// SHA-256 of its canonical form.
    pub checksum: String,
    /// The line of each `[[operations]]` header, for messages.
    pub op_lines: Vec<usize>,
}

impl Migration {
    /// `app.name`.
    pub fn key(&self) -> String {
        format!("{}.{}", self.app, self.name)
    }
}

/// Why the migrations cannot be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The folder cannot be read.
    #[error("cannot read {}: {reason}", path.display())]
    Io {
        /// Which.
        path: PathBuf,
        /// The OS error.
        reason: String,
    },
    /// A file is not a valid migration.
    #[error("{}{}: {problem}", path.display(), problem.line.map(|l| format!(":{l}")).unwrap_or_default())]
    File {
        /// Which file (relative to the project).
        path: PathBuf,
        /// What is wrong, and where.
        problem: FileProblem,
    },
    /// A dependency names a migration that does not exist.
    #[error("{}: depends on {dependency}, which does not exist", path.display())]
    MissingDependency {
        /// The file.
        path: PathBuf,
        /// The missing `app.name`.
        dependency: String,
    },
    /// Dependencies form a cycle.
    #[error(
        "migrations depend on each other in a cycle: {}\n  = help: remove one of these dependencies from its file (migrations/<app>/<name>.toml)",
        cycle.join(" → ")
    )]
    Cycle {
        /// The cycle, first node repeated at the end.
        cycle: Vec<String>,
    },
}

/// A project's migrations in their one order.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// In topological order (dependencies first; ties by app, then number).
    pub migrations: Vec<Migration>,
    index: BTreeMap<String, usize>,
    /// Direct dependencies, by index.
    deps: Vec<Vec<usize>>,
    /// Migrations left out by a squash (`replaces`): the replaced ones while
    /// the squash is used, or the squash while its replaced migrations are
    /// applied only in part. Kept to see the graph again with a history.
    set_aside: Vec<Migration>,
}

/// Which of a squash and the migrations it replaces a graph uses, as
/// Django's loader decides: the squash when none or all of the replaced
/// migrations are applied (dependencies on them point to it), else the
/// replaced ones (dependencies on the squash point to the last of them).
/// Returns the migrations used and those set aside.
fn replacements(
    all: Vec<Migration>,
    applied: &BTreeSet<String>,
) -> (Vec<Migration>, Vec<Migration>) {
    let mut redirect: BTreeMap<String, String> = BTreeMap::new();
    let mut out: BTreeSet<String> = BTreeSet::new();
    for m in all.iter().filter(|m| !m.file.replaces.is_empty()) {
        let replaced = &m.file.replaces;
        let done = replaced.iter().filter(|k| applied.contains(*k)).count();
        if done == 0 || done == replaced.len() {
            for k in replaced {
                out.insert(k.clone());
                redirect.insert(k.clone(), m.key());
            }
        } else {
            out.insert(m.key());
            if let Some(last) = replaced.last() {
                redirect.insert(m.key(), last.clone());
            }
        }
    }
    if out.is_empty() {
        return (all, Vec::new());
    }
    let (set_aside, mut used): (Vec<Migration>, Vec<Migration>) =
        all.into_iter().partition(|m| out.contains(&m.key()));
    for m in &mut used {
        let key = m.key();
        let mut deps: Vec<String> = Vec::new();
        for d in &m.file.dependencies {
            let d = redirect.get(d).cloned().unwrap_or_else(|| d.clone());
            if d != key && !deps.contains(&d) {
                deps.push(d);
            }
        }
        m.file.dependencies = deps;
    }
    (used, set_aside)
}

fn is_migration_file_name(stem: &str) -> Option<u32> {
    let (num, rest) = stem.split_once('_')?;
    if num.is_empty() || !num.chars().all(|c| c.is_ascii_digit()) || rest.is_empty() {
        return None;
    }
    if !rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    num.parse().ok()
}

fn io(path: &Path, e: std::io::Error) -> LoadError {
    LoadError::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// A migration file to read, found while listing the folders.
struct Job {
    app: String,
    path: PathBuf,
    rel: PathBuf,
    fname: String,
    /// How many listing errors came before it.
    first_error: usize,
}

/// `f` applied to every item, on as many threads as there are cores; the
/// results in the items' order.
pub(crate) fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(item) = items.get(i) else {
                return done;
            };
            done.push((i, f(item)));
        }
    };
    let mut slots: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    std::thread::scope(|s| {
        let helpers: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
        let mut all = work();
        for h in helpers {
            match h.join() {
                Ok(done) => all.extend(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        for (i, r) in all {
            slots[i] = Some(r);
        }
    });
    slots
        .into_iter()
        .map(|r| r.expect("every item is done once"))
        .collect()
}

/// Reads every migration below `dir` (`<project>/<migrations>`); paths in
/// messages are shown relative to `project`. A missing folder is no migrations.
pub fn read_files(project: &Path, dir: &Path) -> Result<Vec<Migration>, Vec<LoadError>> {
    read_files_cached(project, dir, &FileCache::none())
}

/// [`read_files`], taking every file whose content is unchanged from
/// `cache` instead of parsing it again, and writing the cache again when
/// files changed.
pub fn read_files_cached(
    project: &Path,
    dir: &Path,
    cache: &FileCache<Migration>,
) -> Result<Vec<Migration>, Vec<LoadError>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut jobs: Vec<Job> = Vec::new();
    if !dir.exists() {
        return Ok(out);
    }
    let rel = |p: &Path| p.strip_prefix(project).unwrap_or(p).to_path_buf();
    let apps = std::fs::read_dir(dir).map_err(|e| vec![io(dir, e)])?;
    let mut app_dirs: Vec<PathBuf> = apps
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    app_dirs.sort();
    for app_dir in app_dirs {
        let app = app_dir
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if app.starts_with('.') || app.starts_with('_') {
            continue;
        }
        if !remodel_model::names::is_identifier(&app) {
            errors.push(LoadError::File {
                path: rel(&app_dir),
                problem: FileProblem {
                    line: None,
                    operation: None,
                    message: format!("`{app}` is not an app label (letters, digits and _)"),
                },
            });
            continue;
        }
        let entries = match std::fs::read_dir(&app_dir) {
            Ok(e) => e,
            Err(e) => {
                errors.push(io(&app_dir, e));
                continue;
            }
        };
        let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        for path in files {
            let Some(fname) = path.file_name().map(|n| n.to_string_lossy().to_string()) else {
                continue;
            };
            if fname.starts_with('.')
                || fname.starts_with('_')
                || !fname.ends_with(".toml")
                || path.is_dir()
            {
                continue;
            }
            jobs.push(Job {
                app: app.clone(),
                rel: rel(&path),
                path,
                fname,
                first_error: errors.len(),
            });
        }
    }
    // Reading, parsing and checksumming files is independent work: done on
    // every core, the results taken in the files' order.
    let results = parallel_map(&jobs, |job| {
        let text = std::fs::read_to_string(&job.path).map_err(|e| io(&job.rel, e))?;
        let hash = content_hash(text.as_bytes());
        let key = cache_key(&job.rel);
        match cache.take(&key, &hash) {
            Some(m) => Ok(m),
            None => {
                let m = parse_migration(&job.app, &job.fname, job.rel.clone(), &text)?;
                cache.put(&key, &hash, &m);
                Ok(m)
            }
        }
    });
    // Errors found while listing folders keep their place among the files' errors.
    let listing = std::mem::take(&mut errors);
    let mut listed = listing.into_iter().enumerate().peekable();
    for (job, result) in jobs.iter().zip(results) {
        while let Some((_, e)) = listed.next_if(|(i, _)| *i < job.first_error) {
            errors.push(e);
        }
        match result {
            Ok(m) => out.push(m),
            Err(e) => errors.push(e),
        }
    }
    errors.extend(listed.map(|(_, e)| e));
    cache.store();
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A file's key in the cache: its path in the project, `/`-separated.
fn cache_key(rel: &Path) -> String {
    rel.to_string_lossy().replace('\\', "/")
}

/// One migration from its file's text: `file_name` is `NNNN_name.toml` in
/// the folder of `app`; `path` names it in messages. For files read from
/// disk and for migrations embedded in a binary alike.
pub fn parse_migration(
    app: &str,
    file_name: &str,
    path: PathBuf,
    text: &str,
) -> Result<Migration, LoadError> {
    let stem = file_name.trim_end_matches(".toml").to_string();
    let Some(number) = is_migration_file_name(&stem) else {
        return Err(LoadError::File {
            path,
            problem: FileProblem {
                line: None,
                operation: None,
                message: "a migration file is named NNNN_name.toml (digits, `_`, then letters, digits or `_`)"
                    .into(),
            },
        });
    };
    let f = file::parse(text, app).map_err(|problem| LoadError::File {
        path: path.clone(),
        problem,
    })?;
    let checksum = f.checksum(&Schema::default());
    let op_lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == "[[operations]]")
        .map(|(i, _)| i + 1)
        .collect();
    Ok(Migration {
        app: app.to_string(),
        name: stem,
        number,
        path,
        file: f,
        checksum,
        op_lines,
    })
}

impl Graph {
    /// Orders migrations by their dependencies; ties by app, then number. A
    /// squash is used instead of the migrations it replaces (as for a
    /// database where none of them is applied; see [`Graph::for_history`]).
    pub fn new(migrations: Vec<Migration>) -> Result<Graph, Vec<LoadError>> {
        Graph::with_applied(migrations, &BTreeSet::new())
    }

    /// The graph as a database whose history holds `applied` sees it: the
    /// squashes whose replaced migrations are applied only in part give way to
    /// those. `None` when that is this graph (no squash concerned).
    pub fn for_history(&self, applied: &BTreeSet<String>) -> Result<Option<Graph>, Vec<LoadError>> {
        let concerned = self
            .migrations
            .iter()
            .chain(&self.set_aside)
            .any(|m| !m.file.replaces.is_empty());
        if !concerned {
            return Ok(None);
        }
        let all: Vec<Migration> = self
            .migrations
            .iter()
            .chain(&self.set_aside)
            .cloned()
            .collect();
        let mut graph = Graph::with_applied(all, applied)?;
        graph.replay_all()?;
        Ok(Some(graph))
    }

    /// The migrations in use that a set-aside squash `key` replaces.
    fn replacements_of(&self, key: &str) -> Option<String> {
        let squash = self.set_aside.iter().find(|m| m.key() == key)?;
        (!squash.file.replaces.is_empty()).then(|| squash.file.replaces.join(", "))
    }

    /// A name or prefix among every migration file, squashes and what they
    /// replace alike (for `sqlmigrate` and `--from`, which name files).
    pub fn resolve_any(&self, app: &str, name: &str) -> Result<String, String> {
        let all: Vec<&Migration> = self
            .migrations
            .iter()
            .chain(&self.set_aside)
            .filter(|m| m.app == app)
            .collect();
        if all.iter().any(|m| m.name == name) {
            return Ok(format!("{app}.{name}"));
        }
        let matches: Vec<&str> = all
            .iter()
            .filter(|m| m.name.starts_with(name))
            .map(|m| m.name.as_str())
            .collect();
        match matches.as_slice() {
            [one] => Ok(format!("{app}.{one}")),
            [] => self.resolve(app, name),
            many => Err(format!(
                "'{name}' matches more than one migration of app '{app}': {}; give more of the name",
                many.join(", ")
            )),
        }
    }

    /// Every migration `key` depends on, by the files' own dependencies
    /// (squashes not applied), and `key` itself.
    pub fn closure(&self, key: &str) -> BTreeSet<String> {
        let all: BTreeMap<String, &Migration> = self
            .migrations
            .iter()
            .chain(&self.set_aside)
            .map(|m| (m.key(), m))
            .collect();
        let mut out = BTreeSet::new();
        let mut stack = vec![key.to_string()];
        while let Some(k) = stack.pop() {
            if let Some(m) = all.get(&k)
                && out.insert(k)
            {
                stack.extend(m.file.dependencies.iter().cloned());
            }
        }
        out
    }

    /// The graph in which migration `key` is used, even if a squash replaces
    /// it (for `sqlmigrate` of a replaced file). `None` when this graph
    /// already uses it.
    pub fn using(&self, key: &str) -> Result<Option<Graph>, Vec<LoadError>> {
        if self.index.contains_key(key) {
            return Ok(None);
        }
        // As a database that applied `key` alone of what a squash replaces.
        let all: Vec<Migration> = self
            .migrations
            .iter()
            .chain(&self.set_aside)
            .cloned()
            .collect();
        let mut graph = Graph::with_applied(all, &BTreeSet::from([key.to_string()]))?;
        graph.replay_all()?;
        Ok(Some(graph))
    }

    /// The checksum of any migration file, used or set aside.
    pub fn checksum_of(&self, key: &str) -> Option<&str> {
        self.get(key)
            .or_else(|| self.set_aside.iter().find(|m| m.key() == key))
            .map(|m| m.checksum.as_str())
    }

    /// The squash in this graph that replaces `key`, if any.
    pub fn replaced_by(&self, key: &str) -> Option<&Migration> {
        self.migrations
            .iter()
            .find(|m| m.file.replaces.iter().any(|r| r == key))
    }

    fn with_applied(
        migrations: Vec<Migration>,
        applied: &BTreeSet<String>,
    ) -> Result<Graph, Vec<LoadError>> {
        let (mut migrations, set_aside) = replacements(migrations, applied);
        migrations.sort_by(|a, b| (&a.app, a.number, &a.name).cmp(&(&b.app, b.number, &b.name)));
        let keys: BTreeMap<String, usize> = migrations
            .iter()
            .enumerate()
            .map(|(i, m)| (m.key(), i))
            .collect();
        let mut errors = Vec::new();
        let mut deps: Vec<Vec<usize>> = vec![Vec::new(); migrations.len()];
        for (i, m) in migrations.iter().enumerate() {
            for d in &m.file.dependencies {
                match keys.get(d) {
                    Some(&j) => deps[i].push(j),
                    None => errors.push(LoadError::MissingDependency {
                        path: m.path.clone(),
                        dependency: d.clone(),
                    }),
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        // Kahn's algorithm, always taking the smallest ready node.
        let n = migrations.len();
        let mut indegree: Vec<usize> = deps.iter().map(Vec::len).collect();
        let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, ds) in deps.iter().enumerate() {
            for &d in ds {
                dependents[d].push(i);
            }
        }
        let mut ready: BTreeSet<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
        let mut order = Vec::with_capacity(n);
        while let Some(&i) = ready.iter().next() {
            ready.remove(&i);
            order.push(i);
            for &d in &dependents[i] {
                indegree[d] -= 1;
                if indegree[d] == 0 {
                    ready.insert(d);
                }
            }
        }
        if order.len() < n {
            let stuck: BTreeSet<usize> = (0..n).filter(|i| !order.contains(i)).collect();
            return Err(vec![LoadError::Cycle {
                cycle: find_cycle(&deps, &stuck, &migrations),
            }]);
        }
        let mut slots: Vec<Option<Migration>> = migrations.into_iter().map(Some).collect();
        let ordered: Vec<Migration> = order
            .iter()
            .map(|&i| slots[i].take().expect("each index once"))
            .collect();
        let remap: BTreeMap<usize, usize> = order
            .iter()
            .enumerate()
            .map(|(new, &old)| (old, new))
            .collect();
        let new_deps: Vec<Vec<usize>> = order
            .iter()
            .map(|&old| deps[old].iter().map(|d| remap[d]).collect())
            .collect();
        let index = ordered
            .iter()
            .enumerate()
            .map(|(i, m)| (m.key(), i))
            .collect();
        Ok(Graph {
            migrations: ordered,
            index,
            deps: new_deps,
            set_aside,
        })
    }

    /// Loads and orders a project's migrations, and checks that they replay:
    /// returns the graph and the state the whole history describes.
    pub fn load(project: &Path, dir: &Path) -> Result<(Graph, Schema), Vec<LoadError>> {
        Graph::from_migrations(read_files(project, dir)?)
    }

    /// [`Graph::load`], taking unchanged files from `cache` (see
    /// [`read_files_cached`]).
    pub fn load_cached(
        project: &Path,
        dir: &Path,
        cache: &FileCache<Migration>,
    ) -> Result<(Graph, Schema), Vec<LoadError>> {
        Graph::from_migrations(read_files_cached(project, dir, cache)?)
    }

    /// Loads and orders a project's migrations without replaying them: for
    /// merging branches that do not replay together as they are.
    pub fn load_unreplayed(project: &Path, dir: &Path) -> Result<Graph, Vec<LoadError>> {
        Graph::new(read_files(project, dir)?)
    }

    /// Orders migrations and replays them (see [`Graph::load`]).
    pub fn from_migrations(migrations: Vec<Migration>) -> Result<(Graph, Schema), Vec<LoadError>> {
        let mut graph = Graph::new(migrations)?;
        let state = graph.replay_all()?;
        Ok((graph, state))
    }

    /// Replays every migration in order, normalising names against the state
    /// as it goes; a file that does not apply is an error naming it.
    fn replay_all(&mut self) -> Result<Schema, Vec<LoadError>> {
        let mut state = Schema::default();
        for m in &mut self.migrations {
            if let Some(ops) = &mut m.file.operations {
                for (i, op) in ops.iter_mut().enumerate() {
                    file::normalize_names(op, &state);
                    if let Err(e) = op.apply_to(&mut state) {
                        return Err(vec![LoadError::File {
                            path: m.path.clone(),
                            problem: FileProblem {
                                line: m.op_lines.get(i).copied(),
                                operation: Some((i + 1, op.kind().name().into())),
                                message: e.0,
                            },
                        }]);
                    }
                }
            }
        }
        Ok(state)
    }

    /// The state before migration `i` (every earlier migration replayed).
    pub fn state_before(&self, i: usize) -> Schema {
        let mut state = Schema::default();
        for m in &self.migrations[..i] {
            for op in m.file.ops() {
                // Loading checked that every operation applies.
                let _ = op.apply_to(&mut state);
            }
        }
        state
    }

    /// A migration's position by `app.name`.
    pub fn position(&self, key: &str) -> Option<usize> {
        self.index.get(key).copied()
    }

    /// A migration by `app.name`.
    pub fn get(&self, key: &str) -> Option<&Migration> {
        self.position(key).map(|i| &self.migrations[i])
    }

    /// The apps that have migrations, sorted.
    pub fn apps(&self) -> Vec<String> {
        let set: BTreeSet<&String> = self.migrations.iter().map(|m| &m.app).collect();
        set.into_iter().cloned().collect()
    }

    /// The migrations of an app, in order.
    pub fn app_migrations<'a>(
        &'a self,
        app: &'a str,
    ) -> impl Iterator<Item = (usize, &'a Migration)> + 'a {
        self.migrations
            .iter()
            .enumerate()
            .filter(move |(_, m)| m.app == app)
    }

    /// The migrations of `app` that no other migration of `app` depends on.
    pub fn leaves(&self, app: &str) -> Vec<String> {
        let mut depended: BTreeSet<usize> = BTreeSet::new();
        for (i, m) in self.migrations.iter().enumerate() {
            if m.app == app {
                depended.extend(
                    self.deps[i]
                        .iter()
                        .filter(|&&d| self.migrations[d].app == app),
                );
            }
        }
        self.app_migrations(app)
            .filter(|(i, _)| !depended.contains(i))
            .map(|(_, m)| m.key())
            .collect()
    }

    /// Apps with more than one leaf (two branches merged): `(app, leaves)`.
    pub fn conflicts(&self) -> Vec<(String, Vec<String>)> {
        self.apps()
            .into_iter()
            .filter_map(|app| {
                let leaves = self.leaves(&app);
                (leaves.len() > 1).then_some((app, leaves))
            })
            .collect()
    }

    /// The highest migration number of an app (0 when it has none).
    pub fn max_number(&self, app: &str) -> u32 {
        // Files a squash replaces keep their numbers taken.
        self.app_migrations(app)
            .map(|(_, m)| m)
            .chain(self.set_aside.iter().filter(|m| m.app == app))
            .map(|m| m.number)
            .max()
            .unwrap_or(0)
    }

    /// Direct dependencies of migration `i`.
    pub fn dependencies(&self, i: usize) -> &[usize] {
        &self.deps[i]
    }

    /// Every migration `i` depends on, directly or not.
    pub fn ancestors(&self, i: usize) -> BTreeSet<usize> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![i];
        while let Some(n) = stack.pop() {
            for &d in &self.deps[n] {
                if seen.insert(d) {
                    stack.push(d);
                }
            }
        }
        seen
    }

    /// Every migration that depends on `i`, directly or not.
    pub fn descendants(&self, i: usize) -> BTreeSet<usize> {
        let mut seen = BTreeSet::new();
        // Dependents always come later in the order.
        for j in i + 1..self.migrations.len() {
            if self.deps[j].iter().any(|d| *d == i || seen.contains(d)) {
                seen.insert(j);
            }
        }
        seen
    }

    /// Finds a migration of `app` by name or unambiguous prefix (`0002`, `0002_alter`).
    pub fn resolve(&self, app: &str, name: &str) -> Result<String, String> {
        let exact = format!("{app}.{name}");
        if self.index.contains_key(&exact) {
            return Ok(exact);
        }
        let matches: Vec<String> = self
            .app_migrations(app)
            .filter(|(_, m)| m.name.starts_with(name))
            .map(|(_, m)| m.name.clone())
            .collect();
        match matches.len() {
            1 => Ok(format!("{app}.{}", matches[0])),
            0 if self
                .set_aside
                .iter()
                .any(|m| m.app == app && m.name.starts_with(name)) =>
            {
                let aside: Vec<String> = self
                    .set_aside
                    .iter()
                    .filter(|m| m.app == app && m.name.starts_with(name))
                    .map(Migration::key)
                    .collect();
                let used: Vec<String> = aside
                    .iter()
                    .filter_map(|k| {
                        self.replaced_by(k)
                            .map(Migration::key)
                            .or_else(|| self.replacements_of(k))
                    })
                    .collect();
                Err(format!(
                    "'{name}' names {}, which this database does not use (it uses {} instead)",
                    aside.join(", "),
                    if used.is_empty() {
                        "another migration".to_string()
                    } else {
                        used.join(", ")
                    }
                ))
            }
            0 => {
                let names: Vec<String> = self
                    .app_migrations(app)
                    .map(|(_, m)| m.name.clone())
                    .collect();
                Err(format!(
                    "app '{app}' has no migration matching '{name}'{}",
                    if names.is_empty() {
                        String::new()
                    } else {
                        format!(" (it has: {})", names.join(", "))
                    }
                ))
            }
            _ => Err(format!(
                "'{name}' matches more than one migration of app '{app}': {}; give more of the name",
                matches.join(", ")
            )),
        }
    }
}

fn find_cycle(
    deps: &[Vec<usize>],
    stuck: &BTreeSet<usize>,
    migrations: &[Migration],
) -> Vec<String> {
    // Walk dependencies inside the stuck set until a node repeats.
    let Some(&start) = stuck.iter().next() else {
        return Vec::new();
    };
    let mut path = vec![start];
    let mut node = start;
    while let Some(&next) = deps[node].iter().find(|d| stuck.contains(d)) {
        if let Some(pos) = path.iter().position(|&p| p == next) {
            let mut cycle: Vec<String> = path[pos..].iter().map(|&i| migrations[i].key()).collect();
            cycle.push(migrations[next].key());
            return cycle;
        }
        path.push(next);
        node = next;
    }
    path.iter().map(|&i| migrations[i].key()).collect()
}

#[cfg(test)]
mod tests;
