//! One `migrate` against a database, shared by the CLI and the embedded
//! [`Migrator`](../../remodel/struct.Migrator.html): the history's checks
//! (deleted and edited applied files, failed rows, consistency), the
//! target, the plan rendered for the database, and `--fake-initial`'s
//! comparison with the live tables. The caller holds the migration lock
//! from before [`prepare_run`] until [`runner::execute`] returns.

use crate::graph::Graph;
use crate::history::{self, HistoryRow, RowState};
use crate::plan::{self, Direction, PlanError, Step, Target, check_consistent};
use crate::runner::{self, Prepared};
use remodel_dialect::{Database, DbError};
use remodel_differ::Op;
use remodel_model::catalog::Catalog;
use std::collections::BTreeSet;

/// Where to bring the database, as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Aim {
    /// A fixed target.
    Target(Target),
    /// A migration of an app by name or unambiguous prefix, looked up among
    /// the migrations the history uses (a squash, or what it replaces).
    Named {
        /// The app.
        app: String,
        /// The name or prefix.
        name: String,
    },
    /// `-N` (back N applied migrations of the app) or `+N` (forward N
    /// unapplied ones), counted against the history inside the lock.
    Relative {
        /// The app.
        app: String,
        /// Non-zero.
        n: i64,
    },
}

/// What a run should do besides planning.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Record every planned migration without running it.
    pub fake: bool,
    /// Record an app's initial migration without running it when its
    /// tables already exist exactly as it creates them.
    pub fake_initial: bool,
    /// Applied migrations (`app.name`) whose edited files are accepted: their
    /// stored checksums become the files'.
    pub accept_changed: Vec<String>,
    /// Only looking (`--plan`, `--check`): accepted edits are checked but
    /// not stored, so nothing at all is written.
    pub looking: bool,
    /// Describe the plan without rendering it (`--plan`): what cannot be
    /// unapplied is marked rather than refused.
    pub describe_only: bool,
}

/// A plan, ready to run or show.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The target the aim resolved to.
    pub target: Target,
    /// The history as read inside the lock.
    pub rows: Vec<HistoryRow>,
    /// The migrations to apply or unapply, rendered, in order.
    pub prepared: Vec<Prepared>,
}

/// Why a run cannot start. Nothing was written when one of these is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// The database could not be read or written.
    #[error("{0}")]
    Database(#[from] DbError),
    /// Applied migrations whose files are gone.
    #[error(
        "applied migration{} {} {} no file in the migrations folder\n  = help: restore {} from version control, or forget {} with `remodel migrate --prune`; nothing was done",
        plural(.0), .0.join(", "), if .0.len() > 1 { "have" } else { "has" },
        if .0.len() > 1 { "the files" } else { "the file" }, if .0.len() > 1 { "them" } else { "it" }
    )]
    Missing(Vec<String>),
    /// Applied migrations whose files changed since.
    #[error(
        "applied migration{} changed since {} applied: {}\n  = help: restore the file{} from version control; or, if the database already matches the new text, accept {} with `remodel migrate {}`; nothing was done",
        plural(.0), if .0.len() > 1 { "they were" } else { "it was" },
        .0.iter().map(|(k, p)| format!("{k} ({p})")).collect::<Vec<_>>().join(", "),
        plural(.0), if .0.len() > 1 { "them" } else { "it" },
        .0.iter().map(|(k, _)| format!("--accept-changed {k}")).collect::<Vec<_>>().join(" ")
    )]
    Changed(Vec<(String, String)>),
    /// `--accept-changed` names no applied migration.
    #[error("--accept-changed {0}: no applied migration has that name (write APP.NAME)")]
    UnknownAccepted(String),
    /// A migration failed part-way and was not reversed.
    #[error(
        "migration {key} failed part-way while {verb} ({count} statement{s} ran) and remodel could not reverse it\n  statements that ran (if remodel was interrupted, the last may not have completed):\n    {ran}\n  = help: put the database right, then record what it is: remodel migrate --resolve {key} --rolled-back (its changes are undone) or --applied (it is complete)",
        s = if *.count == 1 { "" } else { "s" },
        ran = if .ran.is_empty() { "(none)".to_string() } else { .ran.join(";\n    ") }
    )]
    Failed {
        /// `app.name`.
        key: String,
        /// "applying" or "unapplying".
        verb: &'static str,
        /// Statements recorded as done.
        count: u64,
        /// Their SQL.
        ran: Vec<String>,
    },
    /// The migrations do not load as this history sees them (a squash
    /// applied in part).
    #[error("{}\n  = help: fix the migration files (or restore them from version control); nothing was done", .0.join("\n"))]
    Load(Vec<String>),
    /// A conflict or an inconsistent history.
    #[error("{0}")]
    Plan(#[from] PlanError),
    /// `--prune` met a failed row whose file is gone.
    #[error(
        "{0} failed part-way and its file is gone; pruning would forget the only record of what it left in the database\n  = help: put the database right, then record what it is with `remodel migrate --resolve {0} --rolled-back` (or `--applied`); nothing was pruned"
    )]
    PruneFailed(String),
    /// A target naming no migration, or several.
    #[error("{0}")]
    Target(String),
    /// `-N`/`+N` beyond the app's applied or unapplied migrations.
    #[error("migrate {app} {n:+}: only {have} migration{s} of '{app}' {verb} {state}",
        s = if *.have == 1 { "" } else { "s" }, verb = if *.have == 1 { "is" } else { "are" },
        state = if *.n < 0 { "applied" } else { "unapplied" })]
    BeyondEnd {
        /// The app.
        app: String,
        /// As asked.
        n: i64,
        /// How many there are.
        have: usize,
    },
    /// A migration cannot be rendered for this database (or unapplied).
    #[error("{0}\nnothing was done")]
    Prepare(String),
    /// `--fake-initial` found the tables, but not as the migration creates them.
    #[error(
        "--fake-initial: the tables of {key} do not match the database, so it cannot be faked:\n  {}\n  = help: make the database match the migration (or the migration match the database), then run again; nothing was done",
        .differences.join("\n  ")
    )]
    FakeInitialMismatch {
        /// `app.name`.
        key: String,
        /// What differs, one line each.
        differences: Vec<String>,
    },
}

fn plural<T>(v: &[T]) -> &'static str {
    if v.len() > 1 { "s" } else { "" }
}

impl SessionError {
    /// Bad usage (exit 2) rather than a refusal (exit 1).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            SessionError::BeyondEnd { .. } | SessionError::UnknownAccepted(_)
        )
    }
}

/// Reads the history and checks it against the files, resolves the aim,
/// plans and renders. Accepted edits are the only thing written.
pub async fn prepare_run(
    db: &mut dyn Database,
    graph: &Graph,
    aim: &Aim,
    options: &Options,
) -> Result<Planned, SessionError> {
    prepare_run_reusing(db, graph, aim, options, None).await
}

/// [`prepare_run`], taking the rendered migrations from `offline` (made by
/// [`prepare_offline`] for a database that did not exist yet) instead of
/// rendering them again when the plan made here is the same, migration for
/// migration. Every check still runs against the history read here.
pub async fn prepare_run_reusing(
    db: &mut dyn Database,
    graph: &Graph,
    aim: &Aim,
    options: &Options,
    offline: Option<Vec<Prepared>>,
) -> Result<Planned, SessionError> {
    plan::check_conflicts(graph)?;
    let rows = history::read(db).await?;
    // Squashes are used or not depending on what the history holds.
    let resolved = graph_for_history(graph, &rows)?;
    let graph = resolved.as_ref().unwrap_or(graph);
    // A failed row first: its file may be gone too, and pruning it would
    // forget a half-applied migration.
    if let Some(r) = rows.iter().find(|r| r.state == RowState::Failed) {
        return Err(failed(graph, r, db.dialect()));
    }
    let missing: Vec<String> = rows
        .iter()
        .filter(|r| graph.get(&r.key()).is_none() && graph.replaced_by(&r.key()).is_none())
        .map(HistoryRow::key)
        .collect();
    if !missing.is_empty() {
        return Err(SessionError::Missing(missing));
    }
    let accepted = check_changed(graph, &rows, &options.accept_changed)?;
    let applied = applied_keys(graph, &rows);
    check_consistent(graph, &applied)?;
    let target = resolve_aim(graph, &rows, &applied, aim)?;
    let steps = plan::plan(graph, &applied, &target)?;
    // Faking renders nothing: even what cannot be unapplied can be recorded so.
    let prepare = if options.fake {
        runner::prepare_fake
    } else if options.describe_only {
        runner::describe
    } else {
        runner::prepare
    };
    let same = |p: &Vec<Prepared>| {
        p.len() == steps.len()
            && p.iter().zip(&steps).all(|(p, s)| {
                p.step.direction == s.direction && p.key == graph.migrations[s.index].key()
            })
    };
    let reusable = offline.filter(|p| !options.fake && !options.describe_only && same(p));
    let mut prepared = match reusable {
        Some(p) => p,
        None => prepare(graph, &steps, db.dialect())
            .map_err(|e| SessionError::Prepare(e.to_string()))?,
    };
    if options.fake_initial && !options.fake {
        fake_initial(db, graph, &mut prepared).await?;
    }
    // Every check passed: now, and only when applying, accept the edits.
    if !options.looking {
        for (app, name, checksum) in accepted {
            history::set_checksum(db, &app, &name, &checksum).await?;
        }
    }
    Ok(Planned {
        target,
        rows,
        prepared,
    })
}

/// The graph as a history sees it (squashes used or not); `None` when it
/// is `graph` itself.
pub fn graph_for_history(
    graph: &Graph,
    rows: &[HistoryRow],
) -> Result<Option<Graph>, SessionError> {
    let recorded: BTreeSet<String> = rows.iter().map(HistoryRow::key).collect();
    graph
        .for_history(&recorded)
        .map_err(|errors| SessionError::Load(errors.iter().map(ToString::to_string).collect()))
}

/// What a history says is applied: its rows, and each squash in use whose
/// replaced migrations all are.
pub fn applied_keys(graph: &Graph, rows: &[HistoryRow]) -> BTreeSet<String> {
    let mut applied: BTreeSet<String> = rows.iter().map(HistoryRow::key).collect();
    for m in &graph.migrations {
        if !m.file.replaces.is_empty() && m.file.replaces.iter().all(|r| applied.contains(r)) {
            applied.insert(m.key());
        }
    }
    applied
}

/// Plans without a database, as for a database whose history holds
/// `applied` (`--from`: a migration and everything it depends on; empty:
/// a new database), rendered for `dialect`. For `--plan --sql --offline`
/// and for a SQLite file that does not exist yet.
pub fn prepare_offline(
    graph: &Graph,
    applied: &BTreeSet<String>,
    aim: &Aim,
    dialect: &dyn remodel_dialect::Dialect,
) -> Result<Planned, SessionError> {
    plan::check_conflicts(graph)?;
    let resolved = graph
        .for_history(applied)
        .map_err(|errors| SessionError::Load(errors.iter().map(ToString::to_string).collect()))?;
    let graph = resolved.as_ref().unwrap_or(graph);
    // The history such a database would have, in the order it applied it.
    let mut rows: Vec<HistoryRow> = Vec::new();
    for m in &graph.migrations {
        for key in m.file.replaces.iter().chain(std::iter::once(&m.key())) {
            if applied.contains(key)
                && let Some((app, name)) = key.split_once('.')
            {
                rows.push(HistoryRow {
                    id: rows.len() as i64 + 1,
                    app: app.to_string(),
                    name: name.to_string(),
                    checksum: m.checksum.clone(),
                    applied_at: String::new(),
                    state: RowState::Applied,
                    progress: 0,
                });
            }
        }
    }
    let done = applied_keys(graph, &rows);
    check_consistent(graph, &done)?;
    let target = resolve_aim(graph, &rows, &done, aim)?;
    let steps = plan::plan(graph, &done, &target)?;
    let prepared = runner::prepare(graph, &steps, dialect)
        .map_err(|e| SessionError::Prepare(e.to_string()))?;
    Ok(Planned {
        target,
        rows,
        prepared,
    })
}

/// The target an aim names, in the graph this history uses.
fn resolve_aim(
    graph: &Graph,
    rows: &[HistoryRow],
    applied: &BTreeSet<String>,
    aim: &Aim,
) -> Result<Target, SessionError> {
    match aim {
        Aim::Target(t) => Ok(t.clone()),
        Aim::Named { app, name } => graph
            .resolve(app, name)
            .map(Target::Node)
            .map_err(SessionError::Target),
        Aim::Relative { app, n } => relative(graph, rows, applied, app, *n),
    }
}

/// `-N` unapplies the app's last N applied migrations, by history id (a
/// squash counts once, when the last of what it replaces was applied), and
/// what depends on them; `+N` applies up to its N-th unapplied migration in
/// graph order.
fn relative(
    graph: &Graph,
    rows: &[HistoryRow],
    applied: &BTreeSet<String>,
    app: &str,
    n: i64,
) -> Result<Target, SessionError> {
    let count = n.unsigned_abs() as usize;
    let beyond = |have: usize| SessionError::BeyondEnd {
        app: app.to_string(),
        n,
        have,
    };
    if n < 0 {
        let id_of = |key: &str| rows.iter().find(|r| r.key() == key).map(|r| r.id);
        let mut done: Vec<(i64, String)> = graph
            .app_migrations(app)
            .filter(|(_, m)| applied.contains(&m.key()))
            .map(|(_, m)| {
                let id = std::iter::once(m.key())
                    .chain(m.file.replaces.iter().cloned())
                    .filter_map(|k| id_of(&k))
                    .max()
                    .unwrap_or(0);
                (id, m.key())
            })
            .collect();
        if count > done.len() {
            return Err(beyond(done.len()));
        }
        done.sort_by(|a, b| b.cmp(a));
        return Ok(Target::Back(
            done.into_iter().take(count).map(|(_, k)| k).collect(),
        ));
    }
    let pending: Vec<String> = graph
        .app_migrations(app)
        .map(|(_, m)| m.key())
        .filter(|k| !applied.contains(k))
        .collect();
    if count > pending.len() {
        return Err(beyond(pending.len()));
    }
    Ok(Target::Node(pending[count - 1].clone()))
}

/// Applied migrations whose files changed since: refused, unless accepted
/// by name; returns the accepted ones' new checksums (`app`, `name`,
/// checksum), stored once the run is sure to go ahead.
fn check_changed(
    graph: &Graph,
    rows: &[HistoryRow],
    accepted: &[String],
) -> Result<Vec<(String, String, String)>, SessionError> {
    for key in accepted {
        if !rows.iter().any(|r| r.key() == *key) {
            return Err(SessionError::UnknownAccepted(key.clone()));
        }
    }
    let changed = changed(graph, rows);
    let refused: Vec<(String, String)> = changed
        .iter()
        .filter(|(key, _)| !accepted.contains(key))
        .cloned()
        .collect();
    if !refused.is_empty() {
        return Err(SessionError::Changed(refused));
    }
    Ok(changed
        .iter()
        .filter_map(|(key, _)| {
            let m = graph.get(key)?;
            Some((m.app.clone(), m.name.clone(), m.checksum.clone()))
        })
        .collect())
}

/// Applied migrations (`app.name`, file) whose files no longer match the
/// checksum stored when they were applied.
pub fn changed(graph: &Graph, rows: &[HistoryRow]) -> Vec<(String, String)> {
    rows.iter()
        .filter(|r| r.state == RowState::Applied)
        .filter_map(|r| {
            let m = graph.get(&r.key())?;
            (m.checksum != r.checksum).then(|| (r.key(), m.path.display().to_string()))
        })
        .collect()
}

/// Forgets history rows whose files were deleted; returns their keys.
/// Rows of migrations a squash in use replaces are not forgotten (the
/// squash stands on them); a row that failed part-way is refused: it is the
/// only record of a half-applied migration, for `--resolve`.
pub async fn prune(db: &mut dyn Database, graph: &Graph) -> Result<Vec<String>, SessionError> {
    plan::check_conflicts(graph)?;
    let rows = history::read(db).await?;
    let resolved = graph_for_history(graph, &rows)?;
    let graph = resolved.as_ref().unwrap_or(graph);
    let gone: Vec<&HistoryRow> = rows
        .iter()
        .filter(|r| graph.get(&r.key()).is_none() && graph.replaced_by(&r.key()).is_none())
        .collect();
    if let Some(r) = gone.iter().find(|r| r.state == RowState::Failed) {
        return Err(SessionError::PruneFailed(r.key()));
    }
    let mut pruned = Vec::new();
    for r in gone {
        history::remove(db, &r.app, &r.name).await?;
        pruned.push(r.key());
    }
    Ok(pruned)
}

/// A migration that failed part-way: what ran, and how to record what the
/// database now is.
fn failed(graph: &Graph, r: &HistoryRow, dialect: &dyn remodel_dialect::Dialect) -> SessionError {
    let direction = if r.progress < 0 {
        Direction::Backward
    } else {
        Direction::Forward
    };
    let count = r.progress.unsigned_abs();
    let ran = graph
        .position(&r.key())
        .and_then(|index| runner::prepare(graph, &[Step { index, direction }], dialect).ok())
        .map(|p| runner::statements_done(&p[0], count as usize))
        .unwrap_or_default();
    SessionError::Failed {
        key: r.key(),
        verb: if direction == Direction::Forward {
            "applying"
        } else {
            "unapplying"
        },
        count,
        ran,
    }
}

/// `--fake-initial`: an app's initial migration whose tables all exist, with
/// the columns, keys and indexes its CreateModel operations give them, is
/// marked fake; one whose tables partly exist or differ is refused with the
/// differences; one whose tables do not exist runs normally.
async fn fake_initial(
    db: &mut dyn Database,
    graph: &Graph,
    prepared: &mut [Prepared],
) -> Result<(), SessionError> {
    let dialect = db.dialect();
    let mut live: Option<Catalog> = None;
    for p in prepared.iter_mut() {
        let Some(i) = graph.position(&p.key) else {
            continue;
        };
        let m = &graph.migrations[i];
        if p.step.direction != Direction::Forward || !m.file.initial {
            continue;
        }
        let creates: Vec<String> = m
            .file
            .ops()
            .iter()
            .filter_map(|op| match op {
                Op::CreateModel { table } if table.managed => Some(table.table_name()),
                _ => None,
            })
            .collect();
        if creates.is_empty() {
            continue;
        }
        if live.is_none() {
            let mut catalog = db.introspect().await?;
            dialect.normalize(&mut catalog);
            live = Some(catalog);
        }
        let live = live.as_ref().expect("introspected above");
        let existing = creates
            .iter()
            .filter(|t| live.tables.contains_key(*t))
            .count();
        if existing == 0 {
            continue;
        }
        // The tables as the migration leaves them, as this database stores them.
        let mut expected = graph.state_before(i + 1).to_catalog();
        expected.tables.retain(|name, _| creates.contains(name));
        dialect.normalize(&mut expected);
        let mut actual = Catalog::default();
        for name in expected.tables.keys() {
            if let Some(t) = live.tables.get(name) {
                actual.tables.insert(name.clone(), t.clone());
            }
        }
        let mut differences = expected.differences_from(&actual, "the migration");
        if existing < creates.len() && differences.is_empty() {
            differences.push("some of its tables are missing".into());
        }
        if !differences.is_empty() {
            return Err(SessionError::FakeInitialMismatch {
                key: p.key.clone(),
                differences,
            });
        }
        p.fake = true;
    }
    Ok(())
}
