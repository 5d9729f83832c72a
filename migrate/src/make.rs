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
    /// New migrations of two apps would depend on each other.
    #[error(
        "the changes in apps {} and {} depend on each other (references in both directions); make them in two steps: add one side's reference in a later change",
        apps.0, apps.1
    )]
    AppCycle {
        /// The two apps.
        apps: (String, String),
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
    fields
        .iter()
        .filter_map(|f| f.references.as_ref().map(|r| r.model.clone()))
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

/// Splits `diff`'s operations into one new migration per app.
pub fn new_migrations(
    graph: &Graph,
    from: &Schema,
    diff: &Diff,
    opts: &MakeOptions,
) -> Result<Vec<NewMigration>, MakeError> {
    check_name(opts.name)?;
    // Operations by app, keeping their order.
    let mut by_app: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, op) in diff.ops.iter().enumerate() {
        by_app
            .entry(op.app().unwrap_or_default())
            .or_default()
            .push(i);
    }
    let app_of = |i: usize| diff.ops[i].app().unwrap_or_default();
    // Which new migrations each app's new migration depends on.
    let mut new_deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for &(i, j) in &diff.after {
        let (a, b) = (app_of(i), app_of(j));
        if a != b {
            new_deps.entry(a).or_default().insert(b);
        }
    }
    // A reference to another app that also gets a migration now depends on
    // that new migration, its latest, as Django does.
    for (app, indexes) in &by_app {
        for &i in indexes {
            for model in referenced_models(&diff.ops[i]) {
                let other = remodel_model::split_key(&model).0.to_string();
                if other != *app && by_app.contains_key(&other) {
                    new_deps.entry(app.clone()).or_default().insert(other);
                }
            }
        }
    }
    for (a, deps) in &new_deps {
        for b in deps {
            if new_deps.get(b).is_some_and(|d| d.contains(a)) {
                let mut pair = [a.clone(), b.clone()];
                pair.sort();
                let [x, y] = pair;
                return Err(MakeError::AppCycle { apps: (x, y) });
            }
        }
    }

    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut out = Vec::new();
    for (app, indexes) in &by_app {
        let all: Vec<Op> = indexes.iter().map(|&i| diff.ops[i].clone()).collect();
        // A `concurrently` index is built outside any transaction, so it goes
        // in a non-atomic migration of its own, after the rest (DESIGN §6).
        let (concurrent, ops): (Vec<Op>, Vec<Op>) = all
            .into_iter()
            .partition(|op| matches!(op, Op::AddIndex { index, .. } if index.concurrently));
        let mut number = graph.max_number(app);
        let mut previous: Option<String> = leaf(graph, app)?;
        let mut extra_deps: BTreeSet<String> = BTreeSet::new();
        // References to apps with no new migration: depend on that app's
        // latest migration (new ones are added below).
        for op in ops.iter().chain(&concurrent) {
            for model in referenced_models(op) {
                let other = remodel_model::split_key(&model).0.to_string();
                if other != *app
                    && !new_deps.get(app).is_some_and(|d| d.contains(&other))
                    && let Some(l) = leaf(graph, &other)?
                {
                    extra_deps.insert(l);
                }
            }
            // Renaming what other apps' migrations reference: those must
            // replay first, while the old name still exists.
            for other in referencing_apps(from, op) {
                if other != *app
                    && let Some(l) = leaf(graph, &other)?
                {
                    extra_deps.insert(l);
                }
            }
        }
        let mut state = from.clone();
        for (group, atomic) in [(ops, true), (concurrent, false)] {
            if group.is_empty() {
                continue;
            }
            number += 1;
            let initial = graph.app_migrations(app).next().is_none() && previous.is_none();
            let stem = match opts.name {
                Some(n) if atomic || number == graph.max_number(app) + 1 => n.to_string(),
                Some(n) => format!("{n}_concurrently"),
                None => suggest_name(&group, &state, initial, opts.now),
            };
            let name = format!("{number:04}_{stem}");
            names.entry(app.clone()).or_insert_with(|| name.clone());
            let mut deps: BTreeSet<String> = extra_deps.clone();
            deps.extend(previous.clone());
            let mut descriptions = Vec::new();
            for op in &group {
                descriptions.push(op.describe(&state));
                let _ = op.apply_to(&mut state);
            }
            let file = MigrationFile {
                dependencies: deps.into_iter().collect(),
                initial,
                atomic,
                replaces: Vec::new(),
                operations: Some(group),
            };
            previous = Some(format!("{app}.{name}"));
            out.push(NewMigration {
                app: app.clone(),
                path: opts.dir.join(app).join(format!("{name}.toml")),
                name,
                text: String::new(),
                file,
                descriptions,
            });
        }
    }
    // Dependencies on the other new migrations, now that all are named.
    for m in &mut out {
        if let Some(deps) = new_deps.get(&m.app) {
            for b in deps {
                m.file.dependencies.push(format!("{b}.{}", names[b]));
            }
            m.file.dependencies.sort();
            m.file.dependencies.dedup();
        }
        m.text = m.file.to_toml(from);
    }
    // Apps in the order their migrations must be applied.
    out.sort_by_key(|m| {
        let mut depth = 0;
        let mut frontier: Vec<String> = vec![m.app.clone()];
        while let Some(a) = frontier.pop() {
            if let Some(d) = new_deps.get(&a) {
                depth += d.len();
                frontier.extend(d.iter().cloned());
            }
        }
        (depth, m.app.clone())
    });
    Ok(out)
}

/// The history with the new migrations added, loaded as a later run will load
/// it: ordered by dependencies and replayed. Returns the state it describes.
pub fn replay_with(graph: &Graph, new: &[NewMigration]) -> Result<Schema, Vec<crate::LoadError>> {
    let mut migrations = graph.migrations.clone();
    for m in new {
        let file = crate::file::parse(&m.text, &m.app).map_err(|problem| {
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
            checksum: file.checksum(&Schema::default()),
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
