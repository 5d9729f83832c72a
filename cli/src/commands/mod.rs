//! One module per command, and what they share: loading the history,
//! scanning the models, connecting.

pub mod check;
pub mod inspectdb;
pub mod makemigrations;
pub mod migrate;
pub mod showmigrations;
pub mod sqlmigrate;

use crate::args::Global;
use crate::diagnostic;
use crate::fail::Fail;
use crate::output::Out;
use crate::project::Project;
use crate::scan::{self, Scan};
use remodel_dialect::{Database, DbError};
use remodel_migrate::Graph;
use remodel_migrate::cache::FileCache;
use remodel_model::Schema;
use std::collections::BTreeSet;

/// Loads the migrations and replays them; every problem is reported.
pub fn load_graph(project: &Project) -> Result<(Graph, Schema), Fail> {
    let cache = FileCache::open(project.cache_dir().as_deref(), "migrations.cache");
    Graph::load_cached(&project.dir, &project.migrations_dir(), &cache).map_err(|errors| {
        // Two branches that do not replay together: the conflict is the news.
        if let Ok(g) = Graph::load_unreplayed(&project.dir, &project.migrations_dir())
            && let Some((app, leaves)) = g.conflicts().into_iter().next()
        {
            return Fail::user(format!(
                "error: conflicting migrations in app '{app}': {} are both latest; run `remodel makemigrations --merge` to join them\n  (as they are, they do not even replay together: {})",
                leaves.join(" and "),
                errors.first().map(ToString::to_string).unwrap_or_default()
            ));
        }
        let mut text = String::new();
        for e in &errors {
            text.push_str(&format!("error: {e}\n"));
        }
        text.push_str(
            "fix the migration file (or restore it from version control); nothing was done",
        );
        Fail::user(text)
    })
}

/// The dialects portability checks cover: `dialects` from remodel.toml, else
/// the configured database's (a URL that cannot be parsed is bad usage).
pub fn check_dialects(project: &Project, g: &Global) -> Result<Vec<String>, Fail> {
    if !project.config.dialects.is_empty() {
        return Ok(project.config.dialects.clone());
    }
    Ok(vec![
        project
            .configured_dialect(g.database.as_deref())?
            .name()
            .to_string(),
    ])
}

/// Scans the sources and resolves the models' schema.
pub fn scan_models(project: &Project, g: &Global, out: Out) -> Result<(Scan, Schema), Fail> {
    let fail = |diags: Vec<diagnostic::Diagnostic>| {
        let mut text = diagnostic::render(&diags, out.color);
        text.push_str(&format!(
            "error: {} in the models; nothing was written",
            if diags.len() == 1 {
                "1 problem".to_string()
            } else {
                format!("{} problems", diags.len())
            }
        ));
        Fail::user(text)
    };
    let scanned = scan::scan(project).map_err(fail)?;
    let schema = scan::resolve(project, &scanned, check_dialects(project, g)?).map_err(fail)?;
    let warnings = scan::warnings(&scanned);
    if !warnings.is_empty() {
        out.note(diagnostic::render_warnings(&warnings, out.color).trim_end_matches('\n'));
    }
    Ok((scanned, schema))
}

/// Every app label the project knows: from the models and the history.
pub fn known_apps(graph: &Graph, models: Option<&Schema>) -> BTreeSet<String> {
    let mut apps: BTreeSet<String> = graph.apps().into_iter().collect();
    if let Some(m) = models {
        apps.extend(m.apps());
    }
    apps
}

/// Checks app labels given on the command line: an unknown one is bad usage.
pub fn check_apps(given: &[String], known: &BTreeSet<String>) -> Result<(), Fail> {
    for a in given {
        if !known.contains(a) {
            let list: Vec<&str> = known.iter().map(String::as_str).collect();
            let hint = remodel_model::names::closest(a, &list)
                .map(|s| format!("; did you mean '{s}'?"))
                .unwrap_or_default();
            return Err(Fail::usage(format!(
                "error: no app '{a}'{hint} (apps: {})",
                if list.is_empty() {
                    "none".to_string()
                } else {
                    list.join(", ")
                }
            )));
        }
    }
    Ok(())
}

/// Connects to the configured database. `create` makes a missing SQLite
/// file (only `migrate` does); otherwise `None` stands for an empty database.
pub async fn connect(
    project: &Project,
    g: &Global,
    create: bool,
) -> Result<Option<Box<dyn Database>>, Fail> {
    let url = project.database_url(g.database.as_deref())?;
    remodel_dialect::connect(&url, create)
        .await
        .map_err(|e| Fail::user(format!("error: {e}")))
}

/// A database error as a failure.
pub fn db_fail(e: DbError) -> Fail {
    Fail::user(format!("error: {e}"))
}

/// Takes the migration lock, waiting up to `seconds` and saying so when
/// another process holds it.
pub async fn take_lock(db: &mut dyn Database, seconds: u64, out: Out) -> Result<(), Fail> {
    let quiet = out.verbosity == 0;
    db.set_lock_wait(
        std::time::Duration::from_secs(seconds),
        Box::new(move || {
            if !quiet {
                eprintln!("Waiting for another migrate to finish (up to {seconds}s)…");
            }
        }),
    )
    .await
    .map_err(db_fail)?;
    db.lock().await.map_err(db_fail)
}
