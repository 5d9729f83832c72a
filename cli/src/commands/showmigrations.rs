//! `remodel showmigrations`: each app's migrations, `[X]` applied, `[ ]`
//! pending, `[!]` failed part-way; applied files edited since are marked, as
//! are the two leaves of a conflict. `--plan` lists them in apply order.

use super::{check_apps, connect, db_fail, known_apps, load_graph, scan_models};
use crate::args::{Global, ShowArgs};
use crate::fail::Outcome;
use crate::output::{Out, Style};
use crate::project::Project;
use remodel_migrate::Graph;
use remodel_migrate::history::{self, HistoryRow, RowState};
use std::collections::{BTreeMap, BTreeSet};

/// What is known of each migration: applied or not, and its marks.
struct Marks<'a> {
    rows: BTreeMap<String, &'a HistoryRow>,
    /// Applied, counting squashes whose replaced migrations all are.
    applied: BTreeSet<String>,
    changed: BTreeSet<String>,
    conflicting: BTreeSet<String>,
}

impl Marks<'_> {
    fn mark(&self, key: &str) -> &'static str {
        match self.rows.get(key) {
            Some(r) if r.state == RowState::Failed => "[!]",
            Some(_) => "[X]",
            None if self.applied.contains(key) => "[X]",
            None => "[ ]",
        }
    }

    fn suffix(&self, graph: &Graph, key: &str) -> String {
        let mut s = String::new();
        if let Some(m) = graph.get(key)
            && !m.file.replaces.is_empty()
        {
            let n = m.file.replaces.len();
            s.push_str(&format!(
                " ({n} squashed migration{})",
                if n == 1 { "" } else { "s" }
            ));
        }
        if self.changed.contains(key) {
            s.push_str(" (changed since applied)");
        }
        if self.conflicting.contains(key) {
            s.push_str(" (conflicting leaf)");
        }
        s
    }
}

/// Runs showmigrations.
pub async fn run(project: &Project, g: &Global, a: &ShowArgs, out: Out) -> Outcome {
    let (graph, _) = load_graph(project)?;
    // Apps with models but no migrations are listed too, when the models scan.
    let models = scan_models(
        project,
        g,
        Out {
            verbosity: 0,
            ..out
        },
    )
    .ok()
    .map(|(_, s)| s);
    let known = known_apps(&graph, models.as_ref());
    check_apps(&a.apps, &known)?;
    let rows = match connect(project, g, false).await? {
        Some(mut db) => {
            let rows = history::read(db.as_mut()).await.map_err(db_fail)?;
            db.close().await;
            rows
        }
        None => Vec::new(),
    };
    // Squashes are shown, or the migrations they replace, as the history decides.
    let recorded: BTreeSet<String> = rows.iter().map(HistoryRow::key).collect();
    let resolved = graph.for_history(&recorded).map_err(|errors| {
        let text: Vec<String> = errors.iter().map(|e| format!("error: {e}")).collect();
        crate::fail::Fail::user(format!("{}\nnothing was done", text.join("\n")))
    })?;
    let graph = resolved.unwrap_or(graph);
    let conflicts = graph.conflicts();
    let marks = Marks {
        rows: rows.iter().map(|r| (r.key(), r)).collect(),
        applied: remodel_migrate::session::applied_keys(&graph, &rows),
        changed: remodel_migrate::session::changed(&graph, &rows)
            .into_iter()
            .map(|(k, _)| k)
            .collect(),
        conflicting: conflicts
            .iter()
            .flat_map(|(_, leaves)| leaves.iter().cloned())
            .collect(),
    };
    // Applied migrations whose file is gone are listed too.
    let missing: Vec<&HistoryRow> = rows
        .iter()
        .filter(|r| graph.get(&r.key()).is_none() && graph.replaced_by(&r.key()).is_none())
        .collect();
    let shown = |app: &str| a.apps.is_empty() || a.apps.iter().any(|x| x == app);
    if g.format == Some(crate::args::Format::Json) {
        out.json(&json_report(&graph, &marks, &missing, &known, a));
        return Ok(0);
    }
    if a.plan {
        show_plan(&graph, &marks, &missing, &a.apps, out);
    } else {
        let mut apps = known;
        apps.extend(missing.iter().map(|r| r.app.clone()));
        for app in apps.iter().filter(|app| shown(app)) {
            out.data(&out.paint(Style::Heading, app));
            let mut any = false;
            for (_, m) in graph.app_migrations(app) {
                any = true;
                let key = m.key();
                out.data(&format!(
                    " {} {}{}",
                    marks.mark(&key),
                    m.name,
                    marks.suffix(&graph, &key)
                ));
            }
            for r in missing.iter().filter(|r| r.app == *app) {
                any = true;
                out.data(&format!(
                    " {} {} (file missing)",
                    marks.mark(&r.key()),
                    r.name
                ));
            }
            if !any {
                out.data(" (no migrations)");
            }
        }
    }
    for (app, leaves) in conflicts.iter().filter(|(app, _)| shown(app)) {
        out.note(&out.paint(
            Style::Warn,
            &format!(
                "warning: conflicting migrations in app '{app}': {} are both latest; run `remodel makemigrations --merge` to join them",
                leaves.join(" and ")
            ),
        ));
    }
    if !marks.changed.is_empty() {
        out.note(&out.paint(
            Style::Warn,
            "warning: applied migrations marked (changed since applied) differ from what was applied; restore them, or accept them with `remodel migrate --accept-changed APP.NAME`",
        ));
    }
    if !missing.is_empty() {
        out.note(&out.paint(
            Style::Warn,
            "warning: applied migrations marked (file missing) have no file; restore them, or forget them with `remodel migrate --prune`",
        ));
    }
    Ok(0)
}

/// `--format json`: every migration with its state and marks, by app (or,
/// with `--plan`, in apply order with its dependencies).
fn json_report(
    graph: &Graph,
    marks: &Marks,
    missing: &[&HistoryRow],
    known: &BTreeSet<String>,
    a: &ShowArgs,
) -> serde_json::Value {
    let shown = |app: &str| a.apps.is_empty() || a.apps.iter().any(|x| x == app);
    let entry = |i: Option<usize>, key: &str| {
        let state = match marks.mark(key) {
            "[!]" => "failed",
            "[X]" => "applied",
            _ => "pending",
        };
        let (app, name) = key.split_once('.').unwrap_or(("", key));
        let mut v = serde_json::json!({
            "app": app,
            "name": name,
            "state": state,
            "changed": marks.changed.contains(key),
            "conflicting_leaf": marks.conflicting.contains(key),
            "file_missing": i.is_none(),
        });
        if let Some(i) = i {
            let m = &graph.migrations[i];
            v["path"] = m.path.display().to_string().into();
            v["replaces"] = m.file.replaces.clone().into();
            v["dependencies"] = graph
                .dependencies(i)
                .iter()
                .map(|&d| graph.migrations[d].key())
                .collect::<Vec<_>>()
                .into();
        }
        v
    };
    if a.plan {
        let mut wanted: BTreeSet<usize> = BTreeSet::new();
        for (i, m) in graph.migrations.iter().enumerate() {
            if shown(&m.app) {
                wanted.insert(i);
                wanted.extend(graph.ancestors(i));
            }
        }
        let mut plan: Vec<serde_json::Value> = wanted
            .into_iter()
            .map(|i| entry(Some(i), &graph.migrations[i].key()))
            .collect();
        plan.extend(
            missing
                .iter()
                .filter(|r| shown(&r.app))
                .map(|r| entry(None, &r.key())),
        );
        return serde_json::json!({ "plan": plan });
    }
    let mut apps = serde_json::Map::new();
    let mut labels = known.clone();
    labels.extend(missing.iter().map(|r| r.app.clone()));
    for app in labels.iter().filter(|app| shown(app)) {
        let mut list: Vec<serde_json::Value> = graph
            .migrations
            .iter()
            .enumerate()
            .filter(|(_, m)| m.app == *app)
            .map(|(i, m)| entry(Some(i), &m.key()))
            .collect();
        list.extend(
            missing
                .iter()
                .filter(|r| r.app == *app)
                .map(|r| entry(None, &r.key())),
        );
        apps.insert(app.clone(), list.into());
    }
    serde_json::json!({ "apps": apps })
}

/// `--plan`: every migration in apply order (with APPs, theirs and what they
/// depend on); `-v 2` adds each one's dependencies.
fn show_plan(graph: &Graph, marks: &Marks, missing: &[&HistoryRow], apps: &[String], out: Out) {
    let mut wanted: BTreeSet<usize> = BTreeSet::new();
    for (i, m) in graph.migrations.iter().enumerate() {
        if apps.is_empty() || apps.contains(&m.app) {
            wanted.insert(i);
            wanted.extend(graph.ancestors(i));
        }
    }
    if wanted.is_empty() && missing.is_empty() {
        out.data("(no migrations)");
    }
    for i in wanted {
        let key = graph.migrations[i].key();
        let mut line = format!("{}  {key}{}", marks.mark(&key), marks.suffix(graph, &key));
        if out.verbosity >= 2 {
            let deps: Vec<String> = graph
                .dependencies(i)
                .iter()
                .map(|&d| graph.migrations[d].key())
                .collect();
            if !deps.is_empty() {
                line.push_str(&format!(" ... ({})", deps.join(", ")));
            }
        }
        out.data(&line);
    }
    for r in missing
        .iter()
        .filter(|r| apps.is_empty() || apps.contains(&r.app))
    {
        out.data(&format!(
            "{}  {} (file missing)",
            marks.mark(&r.key()),
            r.key()
        ));
    }
}
