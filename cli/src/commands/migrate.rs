//! `remodel migrate`: apply or unapply migrations to reach a target (DESIGN §3, §6).

use super::{check_apps, connect, db_fail, known_apps, load_graph, scan_models};
use crate::args::{Global, MigrateArgs};
use crate::fail::{Fail, Outcome};
use crate::output::{Out, Style};
use crate::project::Project;
use remodel_migrate::history::{self, RowState};
use remodel_migrate::plan::{self, Target, check_consistent};
use remodel_migrate::runner::{self, Outcome as StepOutcome, Prepared, Progress};
use remodel_migrate::{Direction, Graph, Step};
use std::collections::BTreeSet;

struct Printer {
    out: Out,
    fake: bool,
}

impl Progress for Printer {
    fn start(&mut self, m: &Prepared) {
        let verb = if m.step.direction == Direction::Forward {
            "Applying"
        } else {
            "Unapplying"
        };
        self.out.data_part(&format!("  {verb} {}...", m.key));
    }

    fn finish(&mut self, _m: &Prepared, outcome: StepOutcome) {
        let word = match outcome {
            StepOutcome::Done if self.fake => "FAKED",
            StepOutcome::Done => "OK",
            StepOutcome::Faked => "FAKED",
            StepOutcome::AlreadyDone => "already done by another process",
        };
        self.out
            .data(&format!(" {}", self.out.paint(Style::Good, word)));
    }
}

fn target(graph: &Graph, a: &MigrateArgs) -> Result<(Target, String), Fail> {
    Ok(match (&a.app, &a.target) {
        (None, _) => (
            Target::All,
            format!("Apply all migrations: {}", graph.apps().join(", ")),
        ),
        (Some(app), None) => (
            Target::App(app.clone()),
            format!("Apply all migrations: {app}"),
        ),
        (Some(app), Some(t)) if t == "zero" => (
            Target::Zero(app.clone()),
            format!("Unapply all migrations: {app}"),
        ),
        (Some(app), Some(t)) => {
            let key = graph
                .resolve(app, t)
                .map_err(|e| Fail::user(format!("error: {e}")))?;
            let name = key
                .split_once('.')
                .map(|(_, n)| n.to_string())
                .unwrap_or_default();
            (
                Target::Node(key),
                format!("Target specific migration: {name}, from {app}"),
            )
        }
    })
}

/// Runs migrate.
pub async fn run(project: &Project, g: &Global, a: &MigrateArgs, out: Out) -> Outcome {
    let (graph, history_state) = load_graph(project)?;
    if let Some(key) = &a.resolve {
        return resolve(project, g, &graph, key, a, out).await;
    }
    if let Some(app) = &a.app {
        // Apps known from the history, or from the models when they scan.
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
        check_apps(
            std::slice::from_ref(app),
            &known_apps(&graph, models.as_ref()),
        )?;
    }
    let (target, heading) = target(&graph, a)?;

    let Some(mut db) = connect(project, g, true).await? else {
        return Err(Fail::user("error: the database could not be opened"));
    };
    let quiet = out.verbosity == 0;
    let a_lock_timeout = a.lock_timeout;
    db.set_lock_wait(
        std::time::Duration::from_secs(a.lock_timeout),
        Box::new(move || {
            if !quiet {
                eprintln!(
                    "Waiting for another migrate to finish (up to {}s)…",
                    a_lock_timeout
                );
            }
        }),
    )
    .await
    .map_err(db_fail)?;
    // The lock is held from before the history is read until the run ends,
    // so a second migrate waits, then finds nothing left to do.
    db.lock().await.map_err(db_fail)?;
    let result = run_locked(project, &graph, db.as_mut(), &target, &heading, a, out).await;
    let _ = db.unlock().await;
    db.close().await;
    let applied_any = result?;
    if applied_any || matches!(target, Target::All | Target::App(_)) {
        warn_unmigrated(project, g, &history_state, out);
    }
    Ok(0)
}

/// Reads the history, plans, and runs; returns whether anything was to do.
async fn run_locked(
    project: &Project,
    graph: &Graph,
    db: &mut dyn remodel_dialect::Database,
    target: &Target,
    heading: &str,
    a: &MigrateArgs,
    out: Out,
) -> Result<bool, Fail> {
    let rows = history::read(db).await.map_err(db_fail)?;
    let known: BTreeSet<String> = graph.migrations.iter().map(|m| m.key()).collect();
    let missing: Vec<String> = rows
        .iter()
        .filter(|r| !known.contains(&r.key()))
        .map(|r| r.key())
        .collect();
    if !missing.is_empty() {
        return Err(Fail::user(format!(
            "error: applied migration{} {} {} no file in {}\n  = help: restore the file from version control; nothing was done",
            if missing.len() > 1 { "s" } else { "" },
            missing.join(", "),
            if missing.len() > 1 { "have" } else { "has" },
            project.migrations_rel().display()
        )));
    }
    if let Some(r) = rows.iter().find(|r| r.state == RowState::Failed) {
        return Err(failed_row(graph, r, db.dialect()));
    }
    let applied: BTreeSet<String> = rows.iter().map(|r| r.key()).collect();
    check_consistent(graph, &applied).map_err(|e| Fail::user(format!("error: {e}")))?;
    let steps =
        plan::plan(graph, &applied, target).map_err(|e| Fail::user(format!("error: {e}")))?;
    let prepared = runner::prepare(graph, &steps, db.dialect())
        .map_err(|e| Fail::user(format!("error: {e}\nnothing was applied")))?;

    out.data(&out.paint(Style::Heading, "Operations to perform:"));
    out.data(&format!("  {heading}"));
    out.data(&out.paint(Style::Heading, "Running migrations:"));
    if prepared.is_empty() {
        out.data("  No migrations to apply.");
    }
    let mut printer = Printer { out, fake: a.fake };
    if let Err(e) = runner::execute(db, &prepared, a.fake, &mut printer).await {
        out.data(&format!(" {}", out.paint(Style::Bad, "FAILED")));
        return Err(Fail::user(format!("error: {e}")));
    }
    Ok(!prepared.is_empty())
}

/// A migration that failed part-way blocks migrate until resolved: say what
/// ran and how to record what the database now is.
fn failed_row(
    graph: &Graph,
    r: &history::HistoryRow,
    dialect: &dyn remodel_dialect::Dialect,
) -> Fail {
    let direction = if r.progress < 0 {
        Direction::Backward
    } else {
        Direction::Forward
    };
    let verb = if direction == Direction::Forward {
        "applying"
    } else {
        "unapplying"
    };
    let ran = graph
        .position(&r.key())
        .and_then(|index| runner::prepare(graph, &[Step { index, direction }], dialect).ok())
        .map(|p| runner::statements_done(&p[0], r.progress.unsigned_abs() as usize))
        .unwrap_or_default();
    Fail::user(format!(
        "error: migration {} failed part-way while {verb} ({} statement{} ran) and remodel could not reverse it\n  statements that ran:\n    {}\n  = help: put the database right, then record what it is: remodel migrate --resolve {} --rolled-back (its changes are undone) or --applied (it is complete)",
        r.key(),
        r.progress.unsigned_abs(),
        if r.progress.unsigned_abs() == 1 {
            ""
        } else {
            "s"
        },
        if ran.is_empty() {
            "(none)".to_string()
        } else {
            ran.join(";\n    ")
        },
        r.key()
    ))
}

/// `migrate --resolve APP.NAME --rolled-back|--applied`.
async fn resolve(
    project: &Project,
    g: &Global,
    graph: &Graph,
    key: &str,
    a: &MigrateArgs,
    out: Out,
) -> Outcome {
    if !a.rolled_back && !a.applied {
        return Err(Fail::usage(
            "error: --resolve needs --rolled-back or --applied",
        ));
    }
    let Some((app, name)) = key.split_once('.') else {
        return Err(Fail::usage(format!(
            "error: --resolve {key}: expected APP.NAME"
        )));
    };
    let Some(mut db) = connect(project, g, false).await? else {
        return Err(Fail::user(format!(
            "error: {key} is not recorded: the database does not exist"
        )));
    };
    db.lock().await.map_err(db_fail)?;
    let rows = history::read(db.as_mut()).await.map_err(db_fail)?;
    let result = match rows.iter().find(|r| r.app == app && r.name == name) {
        Some(r) if r.state == RowState::Failed => {
            if a.rolled_back {
                history::remove(db.as_mut(), app, name)
                    .await
                    .map(|_| "rolled back")
            } else {
                let checksum = graph
                    .get(key)
                    .map(|m| m.checksum.clone())
                    .unwrap_or_else(|| r.checksum.clone());
                history::set_applied(db.as_mut(), app, name, &checksum)
                    .await
                    .map(|_| "applied")
            }
        }
        Some(_) => Err(remodel_dialect::DbError::Statement(format!(
            "{key} did not fail: it is recorded as applied"
        ))),
        None => Err(remodel_dialect::DbError::Statement(format!(
            "{key} is not recorded in the history"
        ))),
    };
    let _ = db.unlock().await;
    db.close().await;
    let how = result.map_err(db_fail)?;
    out.data(&format!("Recorded {key} as {how}."));
    Ok(0)
}

/// Like Django: say so when the models have changes no migration holds.
fn warn_unmigrated(project: &Project, g: &Global, history_state: &remodel_model::Schema, out: Out) {
    let Ok((_, models)) = scan_models(
        project,
        g,
        Out {
            verbosity: 0,
            ..out
        },
    ) else {
        return;
    };
    let answers = remodel_differ::Answers {
        no_renames: true,
        ..Default::default()
    };
    if let Ok(d) = remodel_differ::diff(history_state, &models, &answers)
        && !d.ops.is_empty()
    {
        out.note(&out.paint(
            Style::Warn,
            "  Your models have changes that are not yet reflected in a migration, and so won't be applied.\n  Run 'remodel makemigrations' to make new migrations, and then re-run 'remodel migrate' to apply them.",
        ));
    }
}
