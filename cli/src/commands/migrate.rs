//! `remodel migrate`: apply or unapply migrations to reach a target (DESIGN §3, §6).

use super::{check_apps, connect, db_fail, known_apps, load_graph, scan_models, take_lock};
use crate::args::{Global, MigrateArgs};
use crate::fail::{Fail, Outcome};
use crate::output::{Out, Style};
use crate::project::Project;
use remodel_dialect::{Database, Dialect};
use remodel_migrate::history::{self, RowState};
use remodel_migrate::runner::{self, Outcome as StepOutcome, Prepared, Progress};
use remodel_migrate::session::{self, Aim, Options, SessionError};
use remodel_migrate::{Direction, Graph, Target};

struct Printer {
    out: Out,
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
            StepOutcome::Done => "OK",
            StepOutcome::Faked => "FAKED",
            StepOutcome::AlreadyDone => "already done by another process",
        };
        self.out
            .data(&format!(" {}", self.out.paint(Style::Good, word)));
    }
}

const NOTHING_TO_PRUNE: &str = "Nothing to prune: every applied migration has its file.";

/// The target as asked on the command line, and the heading migrate prints.
fn aim(graph: &Graph, a: &MigrateArgs) -> Result<(Aim, String), Fail> {
    Ok(match (&a.app, &a.target) {
        (None, _) => (
            Aim::Target(Target::All),
            format!("Apply all migrations: {}", graph.apps().join(", ")),
        ),
        (Some(app), None) => (
            Aim::Target(Target::App(app.clone())),
            format!("Apply all migrations: {app}"),
        ),
        (Some(app), Some(t)) if t == "zero" => (
            Aim::Target(Target::Zero(app.clone())),
            format!("Unapply all migrations: {app}"),
        ),
        (Some(app), Some(t)) if t.starts_with(['-', '+']) => {
            let n: i64 = t.parse().ok().filter(|n: &i64| *n != 0).ok_or_else(|| {
                Fail::usage(format!(
                    "error: `{t}` is not a relative target (write -N or +N, N ≥ 1)"
                ))
            })?;
            (
                Aim::Relative {
                    app: app.clone(),
                    n,
                },
                String::new(),
            )
        }
        // Looked up in the graph the database's history uses (squashes).
        (Some(app), Some(t)) => (
            Aim::Named {
                app: app.clone(),
                name: t.clone(),
            },
            String::new(),
        ),
    })
}

/// The heading for a target a named or relative aim resolved to.
fn heading_for(target: &Target) -> String {
    match target {
        Target::Node(key) => {
            let (app, name) = key.split_once('.').unwrap_or((key, ""));
            format!("Target specific migration: {name}, from {app}")
        }
        Target::Zero(app) => format!("Unapply all migrations: {app}"),
        Target::App(app) => format!("Apply all migrations: {app}"),
        Target::All => "Apply all migrations".into(),
        Target::Back(keys) => {
            let app = keys
                .first()
                .and_then(|k| k.split_once('.'))
                .map_or("", |(a, _)| a);
            let names: Vec<&str> = keys
                .iter()
                .filter_map(|k| k.split_once('.').map(|(_, n)| n))
                .collect();
            format!(
                "Unapply the last {} migration{} of {app}: {}",
                keys.len(),
                if keys.len() == 1 { "" } else { "s" },
                names.join(", ")
            )
        }
    }
}

fn session_fail(e: SessionError) -> Fail {
    if e.is_usage() {
        Fail::usage(format!("error: {e}"))
    } else {
        Fail::user(format!("error: {e}"))
    }
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
    let (aim, heading) = aim(&graph, a)?;
    if a.offline {
        return offline_plan(project, g, &graph, &aim, a, out);
    }

    // Only a run that applies creates a missing SQLite file, and only once
    // its plan is known to be sound.
    let looks = a.plan || a.check || a.prune;
    // For a new SQLite file: the plan made before creating it, rendered once.
    let mut offline = None;
    let db = match connect(project, g, false).await? {
        Some(db) => db,
        None if looks => return run_unconnected(project, g, &graph, &aim, a, out).map(|(c, _)| c),
        None => {
            let (_, planned) = run_unconnected(
                project,
                g,
                &graph,
                &aim,
                a,
                Out {
                    verbosity: 0,
                    ..out
                },
            )?;
            offline = planned.map(|p| p.prepared);
            connect(project, g, true)
                .await?
                .expect("a created database")
        }
    };
    let mut db = db;
    // The lock is held from before the history is read until the run ends,
    // so a second migrate waits, then finds nothing left to do.
    take_lock(db.as_mut(), a.lock_timeout, out).await?;
    let result = run_locked(&graph, db.as_mut(), &aim, heading, a, offline, out).await;
    let _ = db.unlock().await;
    db.close().await;
    let (code, applied_any, whole) = result?;
    if code == 0 && !looks && (applied_any || whole) {
        warn_unmigrated(project, g, &history_state, out);
    }
    Ok(code)
}

/// `--plan` or `--check` on a SQLite file that does not exist yet: an
/// empty history, nothing to lock. Also returns the plan, when one was made.
fn run_unconnected(
    project: &Project,
    g: &Global,
    graph: &Graph,
    aim: &Aim,
    a: &MigrateArgs,
    out: Out,
) -> Result<(u8, Option<session::Planned>), Fail> {
    if a.prune {
        out.data(NOTHING_TO_PRUNE);
        return Ok((0, None));
    }
    let kind = project.configured_dialect(g.database.as_deref())?;
    let dialect = remodel_dialect::dialect_for(kind).expect("every dialect renders");
    let planned =
        session::prepare_offline(graph, &Default::default(), aim, dialect).map_err(session_fail)?;
    if a.check {
        return Ok((check_report(&planned.prepared, out), None));
    }
    if a.plan {
        if a.sql {
            print_script(&planned.prepared, true, dialect, out)?;
        } else {
            print_plan(&planned.prepared, &Estimates::default(), out);
        }
    }
    Ok((0, Some(planned)))
}

/// Checks the history, plans, and runs (or shows the plan). Returns the
/// exit code, whether anything was applied, and whether the target was a
/// whole app or project.
async fn run_locked(
    graph: &Graph,
    db: &mut dyn Database,
    aim: &Aim,
    heading: String,
    a: &MigrateArgs,
    offline: Option<Vec<Prepared>>,
    out: Out,
) -> Result<(u8, bool, bool), Fail> {
    if a.prune {
        let pruned = session::prune(db, graph).await.map_err(session_fail)?;
        if pruned.is_empty() {
            out.data(NOTHING_TO_PRUNE);
        }
        for key in pruned {
            out.data(&format!("Pruned {key} (its file was deleted)."));
        }
        return Ok((0, false, false));
    }
    let options = Options {
        fake: a.fake,
        fake_initial: a.fake_initial,
        accept_changed: a.accept_changed.clone(),
        looking: a.plan || a.check,
        describe_only: a.plan && !a.sql,
    };
    let planned = session::prepare_run_reusing(db, graph, aim, &options, offline)
        .await
        .map_err(session_fail)?;
    let heading = if heading.is_empty() {
        heading_for(&planned.target)
    } else {
        heading
    };
    let whole = matches!(planned.target, Target::All | Target::App(_));
    let prepared = planned.prepared;
    if a.check {
        return Ok((check_report(&prepared, out), false, whole));
    }
    if a.plan {
        if a.sql {
            let create = !db.table_exists(history::TABLE).await.map_err(db_fail)?;
            print_script(&prepared, create, db.dialect(), out)?;
        } else {
            let estimates = estimate(db, &prepared).await;
            print_plan(&prepared, &estimates, out);
        }
        return Ok((0, false, whole));
    }

    out.data(&out.paint(Style::Heading, "Operations to perform:"));
    out.data(&format!("  {heading}"));
    out.data(&out.paint(Style::Heading, "Running migrations:"));
    if prepared.is_empty() {
        out.data("  No migrations to apply.");
    }
    let mut printer = Printer { out };
    if let Err(e) = runner::execute(db, &prepared, false, &mut printer).await {
        out.data(&format!(" {}", out.paint(Style::Bad, "FAILED")));
        let mut message = format!("error: {e}");
        let initial = e
            .migration
            .as_ref()
            .and_then(|k| graph.get(k))
            .is_some_and(|m| m.file.initial);
        if initial && !e.unapplying && e.message.contains("already exists") {
            message.push_str(
                "\n  = help: if the database already has the tables this migration creates, exactly as it creates them, record it without running it: remodel migrate --fake-initial",
            );
        }
        return Err(Fail::user(message));
    }
    Ok((0, !prepared.is_empty(), whole))
}

/// `--check`: exit 1, listing them, when migrations are unapplied.
fn check_report(prepared: &[Prepared], out: Out) -> u8 {
    let pending: Vec<&Prepared> = prepared
        .iter()
        .filter(|p| p.step.direction == Direction::Forward)
        .collect();
    if pending.is_empty() {
        return 0;
    }
    out.data("Unapplied migrations:");
    for p in pending {
        out.data(&format!("  {}", p.key));
    }
    1
}

/// Row estimates of the tables the plan drops data from, by table name.
#[derive(Default)]
struct Estimates(std::collections::BTreeMap<String, i64>);

/// Asks the database about the tables the plan drops data from (best effort:
/// a catalog estimate where the database keeps one).
async fn estimate(db: &mut dyn Database, prepared: &[Prepared]) -> Estimates {
    let mut out = Estimates::default();
    for op in prepared
        .iter()
        .flat_map(|p| &p.ops)
        .filter(|o| o.drops_data)
    {
        let Some(table) = &op.table else { continue };
        if out.0.contains_key(table) {
            continue;
        }
        if let Ok(Some(n)) = db.estimate_rows(table).await {
            out.0.insert(table.clone(), n);
        }
    }
    out
}

/// `--plan --sql`: the plan as a script to apply by hand, recording each
/// migration in the history as migrate would; it creates the history table
/// when the database (as far as is known) has none.
fn print_script(
    prepared: &[Prepared],
    create_history: bool,
    dialect: &dyn Dialect,
    out: Out,
) -> Result<(), Fail> {
    if create_history && !prepared.is_empty() {
        out.data(&format!("-- the history table, {}", history::TABLE));
        for sql in history::create_sql(dialect).map_err(db_fail)? {
            out.data(&format!("{sql};"));
        }
    }
    for p in prepared {
        let undo = if p.step.direction == Direction::Backward {
            " (unapply)"
        } else {
            ""
        };
        if p.fake {
            out.data(&format!(
                "-- {}{undo}: recorded without running (fake)",
                p.key
            ));
            let record =
                history::record_sql(dialect, &p.app, &p.name, &p.checksum, undo.is_empty());
            out.data(&format!("{record};"));
            continue;
        }
        out.data(&format!("-- {}{undo}", p.key));
        out.data(runner::script_text(p, dialect).trim_end());
    }
    Ok(())
}

/// `--plan`: each migration's operations in the order they run, what drops
/// data marked (with the rows at stake when the database estimates them).
fn print_plan(prepared: &[Prepared], estimates: &Estimates, out: Out) {
    out.data(&out.paint(Style::Heading, "Planned operations:"));
    if prepared.is_empty() {
        out.data("  No planned migration operations.");
    }
    for p in prepared {
        let undo = p.step.direction == Direction::Backward;
        out.data(&format!(
            "{}{}{}",
            p.key,
            if undo { " (unapply)" } else { "" },
            if p.fake { " (fake)" } else { "" }
        ));
        for op in &p.ops {
            let d = &op.description;
            let mut line = if undo {
                format!("    Undo: {}", d.text)
            } else {
                format!("    {} {}", d.symbol, d.text)
            };
            if op.irreversible {
                line.push_str("  (IRREVERSIBLE: migrate refuses this plan)");
                out.data(&out.paint(Style::Bad, &line));
                continue;
            }
            if !op.drops_data {
                out.data(&line);
                continue;
            }
            line.push_str("  (drops data");
            if let Some(n) = op.table.as_ref().and_then(|t| estimates.0.get(t)) {
                line.push_str(&format!(
                    ": about {} row{}",
                    thousands(*n),
                    if *n == 1 { "" } else { "s" }
                ));
            }
            line.push(')');
            out.data(&out.paint(Style::Warn, &line));
        }
    }
}

/// 1200 → "1,200".
fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// `--plan --sql --offline`: the SQL of a plan without connecting, from an
/// empty database or from `--from APP.NAME` (it and what it depends on applied).
fn offline_plan(
    project: &Project,
    g: &Global,
    graph: &Graph,
    aim: &Aim,
    a: &MigrateArgs,
    out: Out,
) -> Outcome {
    // Each --from names a file (a squash, or one it replaces) applied with
    // everything it depends on.
    let mut applied = std::collections::BTreeSet::new();
    for from in &a.from {
        let (app, name) = from
            .split_once('.')
            .ok_or_else(|| Fail::usage(format!("error: --from {from}: expected APP.NAME")))?;
        let key = graph
            .resolve_any(app, name)
            .map_err(|e| Fail::user(format!("error: --from {from}: {e}")))?;
        applied.extend(graph.closure(&key));
    }
    let kind = match a.dialect {
        Some(d) => d.kind(),
        None => project.configured_dialect(g.database.as_deref())?,
    };
    let dialect = remodel_dialect::dialect_for(kind).expect("every dialect renders");
    let planned = session::prepare_offline(graph, &applied, aim, dialect).map_err(session_fail)?;
    print_script(&planned.prepared, a.from.is_empty(), dialect, out)?;
    Ok(0)
}

/// Takes the migration lock, waiting up to `--lock-timeout` and saying so.
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
    remodel_migrate::plan::check_conflicts(graph).map_err(|e| Fail::user(format!("error: {e}")))?;
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
    take_lock(db.as_mut(), a.lock_timeout, out).await?;
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

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn groups_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1200), "1,200");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
