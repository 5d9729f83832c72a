//! Plans: which migrations to apply or unapply, in which order, to reach a target.

use crate::graph::Graph;
use std::collections::BTreeSet;

/// Where `migrate` should bring the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Every app to its latest migration.
    All,
    /// One app to its latest migration.
    App(String),
    /// To a migration (`app.name`): apply up to it, or unapply what follows it in its app.
    Node(String),
    /// Unapply every migration of an app.
    Zero(String),
    /// Unapply these migrations (`app.name`) and what depends on them
    /// (`migrate APP -N`).
    Back(Vec<String>),
}

/// Apply or unapply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Apply.
    Forward,
    /// Unapply.
    Backward,
}

/// One migration to apply or unapply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// Position in the graph.
    pub index: usize,
    /// Which way.
    pub direction: Direction,
}

/// Why no plan can be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// Two branches of an app were merged without a merge migration.
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
    /// A target that names no migration of the graph.
    #[error("no migration {0}")]
    UnknownTarget(String),
    /// A migration is recorded as applied while one it depends on is not.
    #[error(
        "migration {applied} is applied before its dependency {dependency}; the history is inconsistent\n  = help: either {dependency} was applied outside remodel (give it its row in remodel_migrations), or the dependencies of {applied} were edited after it was applied (restore its file); nothing was done"
    )]
    Inconsistent {
        /// The applied one.
        applied: String,
        /// Its unapplied dependency.
        dependency: String,
    },
}

/// Refuses a history with two latest migrations in an app, whatever the
/// target: which branch comes first is for the user to decide, by merging.
pub fn check_conflicts(graph: &Graph) -> Result<(), PlanError> {
    match graph.conflicts().into_iter().next() {
        Some((app, leaves)) => Err(PlanError::Conflict { app, leaves }),
        None => Ok(()),
    }
}

/// Checks that every applied migration's dependencies are applied.
pub fn check_consistent(graph: &Graph, applied: &BTreeSet<String>) -> Result<(), PlanError> {
    for (i, m) in graph.migrations.iter().enumerate() {
        if !applied.contains(&m.key()) {
            continue;
        }
        for &d in graph.dependencies(i) {
            let dep = graph.migrations[d].key();
            if !applied.contains(&dep) {
                return Err(PlanError::Inconsistent {
                    applied: m.key(),
                    dependency: dep,
                });
            }
        }
    }
    Ok(())
}

/// The steps that bring `applied` to `target`.
pub fn plan(
    graph: &Graph,
    applied: &BTreeSet<String>,
    target: &Target,
) -> Result<Vec<Step>, PlanError> {
    let is_applied = |i: usize| applied.contains(&graph.migrations[i].key());
    let forward = |set: BTreeSet<usize>| -> Vec<Step> {
        set.into_iter()
            .filter(|&i| !is_applied(i))
            .map(|index| Step {
                index,
                direction: Direction::Forward,
            })
            .collect()
    };
    let backward = |set: BTreeSet<usize>| -> Vec<Step> {
        set.into_iter()
            .rev()
            .filter(|&i| is_applied(i))
            .map(|index| Step {
                index,
                direction: Direction::Backward,
            })
            .collect()
    };
    let leaf_of = |app: &str| -> Result<Option<usize>, PlanError> {
        let leaves = graph.leaves(app);
        if leaves.len() > 1 {
            return Err(PlanError::Conflict {
                app: app.to_string(),
                leaves,
            });
        }
        Ok(leaves.first().and_then(|k| graph.position(k)))
    };
    match target {
        Target::All => {
            for app in graph.apps() {
                leaf_of(&app)?;
            }
            Ok(forward((0..graph.migrations.len()).collect()))
        }
        Target::App(app) => match leaf_of(app)? {
            Some(leaf) => {
                let mut set = graph.ancestors(leaf);
                set.insert(leaf);
                Ok(forward(set))
            }
            None => Ok(Vec::new()),
        },
        Target::Node(key) => {
            let Some(i) = graph.position(key) else {
                return Err(PlanError::UnknownTarget(key.clone()));
            };
            if is_applied(i) {
                // Unapply what follows it in its app, and everything that depends on that.
                let app = &graph.migrations[i].app;
                let mut set = BTreeSet::new();
                for (j, m) in graph.app_migrations(app) {
                    if j != i && graph.dependencies(j).contains(&i) && m.app == *app {
                        set.insert(j);
                        set.extend(graph.descendants(j));
                    }
                }
                Ok(backward(set))
            } else {
                let mut set = graph.ancestors(i);
                set.insert(i);
                Ok(forward(set))
            }
        }
        Target::Back(keys) => {
            let mut set = BTreeSet::new();
            for key in keys {
                let i = graph
                    .position(key)
                    .ok_or_else(|| PlanError::UnknownTarget(key.clone()))?;
                set.insert(i);
                set.extend(graph.descendants(i));
            }
            Ok(backward(set))
        }
        Target::Zero(app) => {
            let mut set = BTreeSet::new();
            for (j, _) in graph.app_migrations(app) {
                set.insert(j);
                set.extend(graph.descendants(j));
            }
            Ok(backward(set))
        }
    }
}
