//! `remodel showmigrations`: each app's migrations, `[X]` applied, `[ ]` pending.

use super::{check_apps, connect, db_fail, known_apps, load_graph, scan_models};
use crate::args::{Global, ShowArgs};
use crate::fail::Outcome;
use crate::output::{Out, Style};
use crate::project::Project;
use remodel_migrate::history::{self, RowState};
use std::collections::BTreeMap;

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
    let state: BTreeMap<String, &history::HistoryRow> = rows.iter().map(|r| (r.key(), r)).collect();
    let mut apps = known;
    // Applied migrations whose file is gone are listed under their app too.
    let missing: Vec<&history::HistoryRow> = rows
        .iter()
        .filter(|r| graph.get(&r.key()).is_none())
        .collect();
    apps.extend(missing.iter().map(|r| r.app.clone()));
    for app in apps
        .iter()
        .filter(|app| a.apps.is_empty() || a.apps.contains(app))
    {
        out.data(&out.paint(Style::Heading, app));
        let mut any = false;
        for (_, m) in graph.app_migrations(app) {
            any = true;
            let mark = match state.get(&m.key()) {
                Some(r) if r.state == RowState::Failed => "[!]",
                Some(_) => "[X]",
                None => "[ ]",
            };
            out.data(&format!(" {mark} {}", m.name));
        }
        for r in missing.iter().filter(|r| r.app == *app) {
            any = true;
            out.data(&format!(" [X] {} (file missing)", r.name));
        }
        if !any {
            out.data(" (no migrations)");
        }
    }
    Ok(0)
}
