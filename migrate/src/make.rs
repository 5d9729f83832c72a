//! New migration files from the differ's operations (what `makemigrations`
//! writes): operations split by app, dependencies, numbers, names, text.

use crate::file::MigrationFile;
use crate::graph::Graph;
use crate::naming::{UtcTime, suggest_name};
use remodel_differ::{Description, Diff, Op};
use remodel_model::Schema;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A migration about to be written.
#[derive(Debug, Clone)]
pub struct NewMigration {
    /// The app.
    pub app: String,
    /// `0002_alter_patient_fecha_ingreso`.
    pub name: String,
    /// Its file, relative to the project folder.
    pub path: PathBuf,
    /// What it says.
    pub file: MigrationFile,
    /// The file's text.
    pub text: String,
    /// One line per operation.
    pub descriptions: Vec<Description>,
}

impl NewMigration {
    /// `app.name`.
    pub fn key(&self) -> String {
        format!("{}.{}", self.app, self.name)
    }
}

/// Why the new migrations cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MakeError {
    /// An app has two leaves: merge first.
    #[error(
        "conflicting migrations in app '{app}': {} are both latest; run `remodel makemigrations --merge` to join them",
        leaves.join(" and ")
    )]
    Conflict {
        /// The app.
        app: String,
        /// Its leaves.
        leaves: Vec<String>,
    },
    /// A `--name` that cannot be a file name.
    #[error("--name `{0}` must be letters, digits and _")]
    BadName(String),
}

/// Options for the new files.
#[derive(Debug, Clone)]
pub struct MakeOptions<'a> {
    /// `--name`: replaces the generated name.
    pub name: Option<&'a str>,
    /// Now, for `auto_<timestamp>` names.
    pub now: UtcTime,
    /// The migrations folder relative to the project (`migrations`).
    pub dir: &'a Path,
}

pub(crate) fn check_name(name: Option<&str>) -> Result<(), MakeError> {
    if let Some(n) = name
        && (n.is_empty() || !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
    {
        return Err(MakeError::BadName(n.to_string()));
    }
    Ok(())
}

fn leaf(graph: &Graph, app: &str) -> Result<Option<String>, MakeError> {
    let leaves = graph.leaves(app);
    if leaves.len() > 1 {
        return Err(MakeError::Conflict {
            app: app.to_string(),
            leaves,
        });
    }
    Ok(leaves.into_iter().next())
}

fn referenced_models(op: &Op) -> Vec<String> {
    let fields = match op {
        Op::CreateModel { table } => table.fields.iter().collect::<Vec<_>>(),
        Op::AddField { field, .. } | Op::AlterField { field, .. } => vec![field],
        _ => Vec::new(),
    };
    // An enum of another app is referenced like a model of it.
    fields
        .iter()
        .filter_map(|f| f.references.as_ref().map(|r| r.model.clone()))
        .chain(fields.iter().filter_map(|f| match &f.ty {
            remodel_model::ColumnType::Enum(key) => Some(key.clone()),
            _ => None,
        }))
        .collect()
}

/// The apps whose models reference what `op` renames (a model, or a field
/// referenced through `to_field`), in the state before the change.
fn referencing_apps(from: &Schema, op: &Op) -> BTreeSet<String> {
    let (target, field) = match op {
        Op::RenameModel { app, old, .. } => (remodel_model::model_key(app, old), None),
        Op::RenameField { model, old, .. } => (model.clone(), Some(old.as_str())),
        _ => return BTreeSet::new(),
    };
    from.tables
        .values()
        .filter(|t| {
            t.fields.iter().any(|f| {
                f.references.as_ref().is_some_and(|r| {
                    r.model == target
                        && field.is_none_or(|name| r.to_field.as_deref() == Some(name))
                })
            })
        })
        .map(|t| t.app.clone())
        .collect()
}

/// One new migration being planned: an app's `stage`-th of this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Node<'a> {
    app: &'a str,
    stage: usize,
}

/// Whether `from` depends, directly or through others, on `to`.
fn reaches(deps: &BTreeMap<Node, BTreeSet<Node>>, from: Node, to: Node) -> bool {
    let mut stack = vec![from];
    let mut seen = BTreeSet::new();
    while let Some(n) = stack.pop() {
        if n == to {
            return true;
        }
        if seen.insert(n) {
            stack.extend(deps.get(&n).into_iter().flatten().copied());
        }
    }
    false
}

/// Splits `diff`'s operations into new migrations: one per changed app,
/// unless its operations and another app's depend on each other both ways
/// (models referencing each other across apps). Then, as Django does, the
/// app's migration stops before the operation that needs the other app's,
/// and its remaining operations go in a second migration that depends on
/// that one — the differ has already split the referencing fields of new
/// models into later AddFields, so the graph stays acyclic.
pub fn new_migrations(
    graph: &Graph,
    from: &Schema,
    diff: &Diff,
    opts: &MakeOptions,
) -> Result<Vec<NewMigration>, MakeError> {
    check_name(opts.name)?;
    let apps: Vec<String> = diff
        .ops
        .iter()
        .map(|op| op.app().unwrap_or_default())
        .collect();
    let concurrent =
        |i: usize| matches!(&diff.ops[i], Op::AddIndex { index, .. } if index.concurrently);
    let changed: BTreeSet<&str> = (0..diff.ops.len())
        .filter(|&i| !concurrent(i))
        .map(|i| apps[i].as_str())
        .collect();
    let mut before: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for &(i, j) in &diff.after {
        before.entry(i).or_default().push(j);
    }

    // Each operation's migration, in the order the operations apply.
    let mut stage_of: Vec<Option<Node>> = vec![None; diff.ops.len()];
    let mut current: BTreeMap<&str, usize> = BTreeMap::new();
    let mut deps: BTreeMap<Node, BTreeSet<Node>> = BTreeMap::new();
    let mut ops_of: BTreeMap<Node, Vec<usize>> = BTreeMap::new();
    let mut leaves_of: BTreeMap<Node, BTreeSet<String>> = BTreeMap::new();
    for i in (0..diff.ops.len()).filter(|&i| !concurrent(i)) {
        let app = apps[i].as_str();
        let mut needs: BTreeSet<Node> = before
            .get(&i)
            .into_iter()
            .flatten()
            .filter_map(|&j| stage_of[j])
            .filter(|n| n.app != app)
            .collect();
        // A reference to another app: its latest new migration so far, as
        // Django does; without one, its latest existing migration.
        let mut leaf_apps = Vec::new();
        for model in referenced_models(&diff.ops[i]) {
            let other = remodel_model::split_key(&model).0;
            if other == app {
                continue;
            }
            match current.get_key_value(other) {
                Some((&key, &stage)) => {
                    needs.insert(Node { app: key, stage });
                }
                // An app whose operations come later in this run: its first
                // new migration (dropped below if that ends up empty).
                None => match changed.get(other) {
                    Some(&key) => {
                        needs.insert(Node { app: key, stage: 0 });
                    }
                    None => leaf_apps.push(other.to_string()),
                },
            }
        }
        let mut node = Node {
            app,
            stage: current.get(app).copied().unwrap_or(0),
        };
        if needs.iter().any(|&n| reaches(&deps, n, node)) {
            node.stage += 1;
            deps.entry(node).or_default().insert(Node {
                app,
                stage: node.stage - 1,
            });
        }
        current.insert(app, node.stage);
        deps.entry(node).or_default().extend(needs);
        leaves_of.entry(node).or_default().extend(leaf_apps);
        ops_of.entry(node).or_default().push(i);
        stage_of[i] = Some(node);
    }
    // A `concurrently` index is built outside any transaction, so it goes in
    // a non-atomic migration of its own, after the rest of its app (DESIGN §6).
    let mut non_atomic: BTreeSet<Node> = BTreeSet::new();
    for i in (0..diff.ops.len()).filter(|&i| concurrent(i)) {
        let app = apps[i].as_str();
        let last = current.get(app).copied();
        let node = Node {
            app,
            stage: last.map_or(0, |s| s + 1),
        };
        if non_atomic.insert(node)
            && let Some(s) = last
        {
            deps.entry(node).or_default().insert(Node { app, stage: s });
        }
        ops_of.entry(node).or_default().push(i);
    }

    // A first migration an app never got (its first operation had to wait
    // for another app): who depended on it depends on its latest existing one.
    let empty: BTreeSet<Node> = deps
        .values()
        .flatten()
        .chain(deps.keys())
        .copied()
        .filter(|n| !ops_of.contains_key(n))
        .collect();
    for (node, ds) in deps.iter_mut() {
        for e in &empty {
            if ds.remove(e) && e.app != node.app {
                leaves_of
                    .entry(*node)
                    .or_default()
                    .insert(e.app.to_string());
            }
        }
    }
    // Numbers follow each app's migrations of this run in order.
    let mut rank: BTreeMap<Node, usize> = BTreeMap::new();
    for &node in ops_of.keys() {
        let count = rank.keys().filter(|k| k.app == node.app).count();
        rank.insert(node, count);
    }

    // Names, numbers and dependencies on what exists already.
    let mut names: BTreeMap<Node, String> = BTreeMap::new();
    let mut out_of: BTreeMap<Node, NewMigration> = BTreeMap::new();
    let mut states: BTreeMap<&str, Schema> = BTreeMap::new();
    for (&node, indexes) in &ops_of {
        let app = node.app;
        let group: Vec<Op> = indexes.iter().map(|&i| diff.ops[i].clone()).collect();
        let atomic = !non_atomic.contains(&node);
        let number = graph.max_number(app) + 1 + rank[&node] as u32;
        let first = rank[&node] == 0;
        let initial = first && graph.app_migrations(app).next().is_none();
        let state = states.entry(app).or_insert_with(|| from.clone());
        let stem = match opts.name {
            Some(n) if atomic || first => n.to_string(),
            Some(n) => format!("{n}_concurrently"),
            None => suggest_name(&group, state, initial, opts.now),
        };
        let name = format!("{number:04}_{stem}");
        let mut dependencies: BTreeSet<String> = BTreeSet::new();
        if first {
            dependencies.extend(leaf(graph, app)?);
        }
        for other in leaves_of.get(&node).into_iter().flatten() {
            dependencies.extend(leaf(graph, other)?);
        }
        for op in &group {
            // Renaming what other apps' migrations reference: those must
            // replay first, while the old name still exists.
            for other in referencing_apps(from, op) {
                if other != app
                    && let Some(l) = leaf(graph, &other)?
                {
                    dependencies.insert(l);
                }
            }
        }
        let mut descriptions = Vec::new();
        for op in &group {
            descriptions.push(op.describe(state));
            let _ = op.apply_to(state);
        }
        names.insert(node, format!("{app}.{name}"));
        out_of.insert(
            node,
            NewMigration {
                app: app.to_string(),
                path: opts.dir.join(app).join(format!("{name}.toml")),
                name,
                text: String::new(),
                file: MigrationFile {
                    dependencies: dependencies.into_iter().collect(),
                    initial,
                    atomic,
                    replaces: Vec::new(),
                    operations: Some(group),
                },
                descriptions,
            },
        );
    }
    // Dependencies on the other new migrations, now that all are named; then
    // every migration after those it depends on.
    let mut out = Vec::new();
    let mut placed: BTreeSet<Node> = BTreeSet::new();
    while placed.len() < out_of.len() {
        let ready: Vec<Node> = out_of
            .keys()
            .copied()
            .filter(|n| !placed.contains(n))
            .filter(|n| {
                deps.get(n)
                    .into_iter()
                    .flatten()
                    .all(|d| placed.contains(d) || !out_of.contains_key(d))
            })
            .collect();
        let Some(&node) = ready.first() else {
            unreachable!("stages are only ever added without a cycle");
        };
        placed.insert(node);
        let mut m = out_of[&node].clone();
        for d in deps.get(&node).into_iter().flatten() {
            if let Some(name) = names.get(d) {
                m.file.dependencies.push(name.clone());
            }
        }
        m.file.dependencies.sort();
        m.file.dependencies.dedup();
        out.push(m);
    }
    // Each file's text, on every core.
    let texts = crate::graph::parallel_map(&out, |m| m.file.to_toml(from));
    for (m, text) in out.iter_mut().zip(texts) {
        m.text = text;
    }
    Ok(out)
}

/// The history with the new migrations added, loaded as a later run will load
/// it: ordered by dependencies and replayed. Returns the state it describes.
pub fn replay_with(graph: &Graph, new: &[NewMigration]) -> Result<Schema, Vec<crate::LoadError>> {
    let mut migrations = graph.migrations.clone();
    // Each file is read back from its text, on every core.
    let files = crate::graph::parallel_map(new, |m| crate::file::parse(&m.text, &m.app));
    for (m, file) in new.iter().zip(files) {
        let file = file.map_err(|problem| {
            vec![crate::LoadError::File {
                path: m.path.clone(),
                problem,
            }]
        })?;
        let number = m
            .name
            .split('_')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        migrations.push(crate::Migration {
            app: m.app.clone(),
            name: m.name.clone(),
            number,
            path: m.path.clone(),
            // Only the state is wanted here.
            checksum: String::new(),
            op_lines: Vec::new(),
            file,
        });
    }
    Graph::from_migrations(migrations).map(|(_, state)| state)
}

/// An empty migration for `app` (`makemigrations --empty`), ready for
/// operations to be added by hand.
pub fn empty_migration(
    graph: &Graph,
    app: &str,
    opts: &MakeOptions,
) -> Result<NewMigration, MakeError> {
    check_name(opts.name)?;
    let initial = graph.app_migrations(app).next().is_none();
    let number = graph.max_number(app) + 1;
    let stem = match opts.name {
        Some(n) => n.to_string(),
        None if initial => "initial".to_string(),
        None => format!("auto_{}", opts.now.stamp()),
    };
    let name = format!("{number:04}_{stem}");
    let file = MigrationFile {
        dependencies: leaf(graph, app)?.into_iter().collect(),
        initial,
        atomic: true,
        replaces: Vec::new(),
        operations: None,
    };
    let text = file.to_toml(&Schema::default());
    Ok(NewMigration {
        app: app.to_string(),
        path: opts.dir.join(app).join(format!("{name}.toml")),
        name,
        file,
        text,
        descriptions: Vec::new(),
    })
}

/// Puts `first` at the start of `app`'s first new migration and `last` at
/// the end of its last (`check --adopt --app`: the RunSql of what the
/// adopted tables need, and of what needs them). When `new` has no
/// migration for `app`, one of its own holds them, after all of `new`.
pub fn wrap_app(
    new: &mut Vec<NewMigration>,
    graph: &Graph,
    from: &Schema,
    app: &str,
    first: Option<Op>,
    last: Option<Op>,
    opts: &MakeOptions,
) -> Result<(), MakeError> {
    if first.is_none() && last.is_none() {
        return Ok(());
    }
    if !new.iter().any(|m| m.app == app) {
        let mut m = empty_migration(graph, app, opts)?;
        m.file.operations = Some(Vec::new());
        m.file
            .dependencies
            .extend(new.iter().map(NewMigration::key));
        m.file.dependencies.sort();
        m.file.dependencies.dedup();
        new.push(m);
    }
    let describe = |op: &Op| op.describe(&Schema::default());
    if let Some(op) = first {
        let m = new.iter_mut().find(|m| m.app == app).expect("one is there");
        m.descriptions.insert(0, describe(&op));
        m.file.operations.get_or_insert_with(Vec::new).insert(0, op);
    }
    if let Some(op) = last {
        let m = new
            .iter_mut()
            .rev()
            .find(|m| m.app == app)
            .expect("one is there");
        m.descriptions.push(describe(&op));
        m.file.operations.get_or_insert_with(Vec::new).push(op);
    }
    for m in new.iter_mut().filter(|m| m.app == app) {
        m.text = m.file.to_toml(from);
    }
    Ok(())
}

/// Writes new migration files under `project`: each to a temporary file
/// first, then renamed into place, so an error leaves no half-written file.
pub fn write(project: &Path, migrations: &[NewMigration]) -> std::io::Result<()> {
    let mut temps = Vec::new();
    let result = (|| {
        for m in migrations {
            let path = project.join(&m.path);
            let dir = path.parent().expect("a migration path has a folder");
            std::fs::create_dir_all(dir)?;
            if path.exists() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    format!("{} already exists", m.path.display()),
                ));
            }
            let temp = dir.join(format!(".{}.tmp", m.name));
            std::fs::write(&temp, &m.text)?;
            temps.push((temp, path));
        }
        Ok(())
    })();
    if let Err(e) = result {
        for (temp, _) in &temps {
            let _ = std::fs::remove_file(temp);
        }
        return Err(e);
    }
    for (temp, path) in &temps {
        std::fs::rename(temp, path)?;
    }
    Ok(())
}
