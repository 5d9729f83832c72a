//! `remodel check`: the live database against the state of the applied
//! migrations (DESIGN §3). Drift is shown as a unified diff of the two
//! schemas' DDL and as the operations that would record it; edited, deleted
//! and failed applied migrations are reported too. `--adopt` writes those
//! operations as a migration per app and records it as applied.

use super::{connect, load_graph, take_lock};
use crate::args::{CheckArgs, Format, Global};
use crate::fail::{Fail, Outcome};
use crate::output::{Out, Style};
use crate::project::Project;
use remodel_differ::{Answers, Description, Op, diff};
use remodel_migrate::adoption::{self, ObjectAdoption};
use remodel_migrate::drift::{self, Drift};
use remodel_migrate::history;
use remodel_migrate::make::{
    MakeOptions, NewMigration, new_migrations, replay_with, wrap_app, write,
};
use remodel_migrate::naming::UtcTime;
use remodel_migrate::session::SessionError;
use remodel_model::Schema;
use serde_json::json;

/// The app tables no model owns are read into when `--app` is not given;
/// never written anywhere.
const NO_APP: &str = "_unowned";

/// Runs check.
pub async fn run(project: &Project, g: &Global, a: &CheckArgs, out: Out) -> Outcome {
    let (graph, _) = load_graph(project)?;
    if let Some(app) = &a.app
        && !remodel_model::names::is_identifier(app)
    {
        return Err(Fail::usage(format!(
            "error: --app `{app}` is not an app label (letters, digits and _)"
        )));
    }
    let json = g.format == Some(Format::Json);
    let Some(mut db) = connect(project, g, false).await? else {
        // A SQLite file that does not exist: an empty database.
        if a.adopt {
            if json {
                out.json(&json!({"adopted": [], "models": ""}));
            } else {
                out.data("Nothing to adopt: the database does not exist yet.");
            }
            return Ok(0);
        }
        return report_missing_file(project, g, &graph, json, out);
    };
    let new_app = a.app.clone().unwrap_or_else(|| NO_APP.to_string());
    let ignored = |t: &str| project.config.ignored(t);
    if a.adopt {
        take_lock(db.as_mut(), a.lock_timeout, out).await?;
        let result = adopt(project, &graph, db.as_mut(), a, &new_app, json, out).await;
        let _ = db.unlock().await;
        db.close().await;
        return result;
    }
    let found = drift::inspect(db.as_mut(), &graph, &ignored, &new_app).await;
    let url = db.url().display();
    let dialect = db.dialect();
    db.close().await;
    let found = found.map_err(session_fail)?;
    // The differences stand on their own; operations are a bonus when the
    // database's tables can be read as models at all.
    let (ops, ops_problem) = if found.differences.is_empty() {
        (Vec::new(), None)
    } else {
        match reconciling_ops(&found) {
            Ok(ops) => (ops, None),
            Err(fail) => (Vec::new(), Some(fail.message)),
        }
    };
    let descriptions = describe(&found.applied, &ops);
    if !json {
        for w in &found.skipped {
            out.note(&out.paint(Style::Warn, &format!("warning: {w}")));
        }
    }
    if json {
        let ddl_diff = if found.differences.is_empty() {
            String::new()
        } else {
            unified(
                &drift::ddl(&found.applied, dialect),
                &drift::ddl(&found.live, dialect),
            )
        };
        let value = json!({
            "database": url,
            "drift": found.found(),
            "differences": found.differences,
            "operations": descriptions.iter().map(|(app, d)| json!({
                "app": app,
                "symbol": d.symbol.to_string(),
                "description": d.text,
                "destructive": d.destructive,
            })).collect::<Vec<_>>(),
            "ddl_diff": ddl_diff,
            "unrepresentable": found.unrepresentable,
            "unmodelled": found.unmodelled,
            "skipped": found.skipped,
            "changed": found.changed.iter().map(|(k, p)| json!({"migration": k, "path": p})).collect::<Vec<_>>(),
            "missing": found.missing,
            "failed": found.failed,
            "pending": found.pending,
        });
        out.json(&value);
        return Ok(u8::from(found.found()));
    }
    if !found.found() {
        out.data(&format!(
            "No drift: the database matches the {} applied migration{}{}.",
            count_applied(&graph, &found),
            if count_applied(&graph, &found) == 1 {
                ""
            } else {
                "s"
            },
            pending_note(&found)
        ));
        return Ok(0);
    }
    if !found.differences.is_empty() {
        out.data(&out.paint(
            Style::Heading,
            "The database has drifted from the applied migrations:",
        ));
        print_unified(
            &drift::ddl(&found.applied, dialect),
            &drift::ddl(&found.live, dialect),
            out,
        );
        out.data("");
        out.data(&out.paint(Style::Heading, "What differs:"));
        for d in &found.differences {
            out.data(&format!("  {d}"));
        }
        if !descriptions.is_empty() {
            out.data("");
            out.data(&out.paint(
                Style::Heading,
                "Operations that would record it in the history (`remodel check --adopt` writes them):",
            ));
            for (app, d) in &descriptions {
                if app == NO_APP {
                    out.data(&format!(
                        "  {d}  (no model owns it: adopt it with --app APP)"
                    ));
                } else {
                    out.data(&format!("  {app}: {d}"));
                }
            }
        }
        for u in &found.unrepresentable {
            out.note(&out.paint(Style::Warn, &format!("warning: {u}")));
        }
        if !found.unmodelled.is_empty() {
            out.note(&format!(
                "note: no operation records what no model can declare ({} above)\n  = help: {RUNSQL_HELP}put it back as the migrations have it",
                found.unmodelled.len()
            ));
        }
        if let Some(p) = &ops_problem {
            out.note(&out.paint(
                Style::Warn,
                &format!("warning: no operations can record this drift: {p}"),
            ));
        }
    }
    report_history(&found, out);
    if !found.pending.is_empty() {
        out.note(&format!(
            "note: {} migration{} not applied yet ({}); `check` compares the database with the applied ones only",
            found.pending.len(),
            if found.pending.len() == 1 { " is" } else { "s are" },
            found.pending.join(", ")
        ));
    }
    Ok(1)
}

/// The applied migrations' troubles, each with what to do.
fn report_history(found: &Drift, out: Out) {
    let lines: Vec<String> = found
        .changed
        .iter()
        .map(|(k, p)| {
            format!(
                "applied migration {k} ({p}) changed since it was applied\n  = help: restore it from version control, or accept it with `remodel migrate --accept-changed {k}`"
            )
        })
        .chain(found.missing.iter().map(|k| {
            format!(
                "applied migration {k} has no file\n  = help: restore it from version control, or forget it with `remodel migrate --prune`"
            )
        }))
        .chain(found.failed.iter().map(|k| {
            format!(
                "migration {k} failed part-way\n  = help: put the database right, then `remodel migrate --resolve {k} --rolled-back` (or `--applied`)"
            )
        }))
        .collect();
    if !lines.is_empty() {
        out.data(&out.paint(Style::Heading, "The history:"));
        for l in lines {
            out.data(&format!("  {l}"));
        }
    }
}

fn count_applied(graph: &remodel_migrate::Graph, found: &Drift) -> usize {
    graph.migrations.len().saturating_sub(found.pending.len())
}

fn pending_note(found: &Drift) -> String {
    match found.pending.len() {
        0 => String::new(),
        n => format!(
            " ({n} pending migration{} not compared)",
            if n == 1 { "" } else { "s" }
        ),
    }
}

/// A SQLite file that does not exist holds nothing: drift only if some
/// migration is recorded as applied, which it cannot be.
fn report_missing_file(
    project: &Project,
    g: &Global,
    graph: &remodel_migrate::Graph,
    json: bool,
    out: Out,
) -> Outcome {
    let url = project.database_url(g.database.as_deref())?.display();
    if json {
        out.json(&json!({
            "database": url,
            "drift": false,
            "differences": [],
            "operations": [],
            "ddl_diff": "",
            "unrepresentable": [],
            "unmodelled": [],
            "skipped": [],
            "changed": [],
            "missing": [],
            "failed": [],
            "pending": graph.migrations.iter().map(|m| m.key()).collect::<Vec<_>>(),
        }));
    } else {
        out.data(&format!(
            "No drift: the database {url} does not exist yet, and no migration is applied."
        ));
    }
    Ok(0)
}

/// The operations that turn the applied state into the database's.
fn reconciling_ops(found: &Drift) -> Result<Vec<Op>, Fail> {
    let answers = Answers {
        no_renames: true,
        ..Default::default()
    };
    diff(&found.applied, &found.live, &answers)
        .map(|d| d.ops)
        .map_err(|e| Fail::user(format!("error: {e}")))
}

/// Each operation's app and one-line description, in order.
fn describe(from: &Schema, ops: &[Op]) -> Vec<(String, Description)> {
    let mut state = from.clone();
    let mut out = Vec::new();
    for op in ops {
        let d = op.describe(&state);
        let _ = op.apply_to(&mut state);
        out.push((op.app().unwrap_or_default(), d));
    }
    out
}

/// The unified diff of two DDL texts, without colour.
fn unified(from: &str, to: &str) -> String {
    similar::TextDiff::from_lines(from, to)
        .unified_diff()
        .context_radius(3)
        .header("applied migrations", "database")
        .to_string()
}

/// The unified diff, coloured when the terminal takes colour.
fn print_unified(from: &str, to: &str, out: Out) {
    for line in unified(from, to).lines() {
        let styled = if line.starts_with("+++") || line.starts_with("---") {
            out.paint(Style::Heading, line)
        } else if line.starts_with('+') {
            out.paint(Style::Good, line)
        } else if line.starts_with('-') {
            out.paint(Style::Bad, line)
        } else {
            line.to_string()
        };
        out.data(&styled);
    }
}

fn session_fail(e: SessionError) -> Fail {
    Fail::user(format!("error: {e}"))
}

/// `check --adopt`: inside the migration lock, records the drift as one new
/// migration per app, marked applied; then says what the models need.
async fn adopt(
    project: &Project,
    graph: &remodel_migrate::Graph,
    db: &mut dyn remodel_dialect::Database,
    a: &CheckArgs,
    new_app: &str,
    json: bool,
    out: Out,
) -> Outcome {
    let ignored = |t: &str| project.config.ignored(t);
    let found = drift::inspect(db, graph, &ignored, new_app)
        .await
        .map_err(session_fail)?;
    refuse_unsound(graph, &found)?;
    // Objects other than tables are adopted into the app `--app` names.
    let adopt_objects = a.app.is_some() && !found.unrecorded_objects.is_empty();
    if found.differences.is_empty() && !adopt_objects {
        if json {
            out.json(&json!({"adopted": [], "models": ""}));
        } else {
            out.data("Nothing to adopt: the database matches the applied migrations.");
            note_objects_left(&found, a, out);
        }
        return Ok(0);
    }
    let unowned: Vec<String> = found
        .live
        .tables
        .values()
        .filter(|t| t.app == NO_APP)
        .map(|t| t.table_name())
        .collect();
    if !unowned.is_empty() {
        return Err(Fail::user(format!(
            "error: no model owns table{} {}; say which app adopts {}: remodel check --adopt --app APP\nnothing was written",
            if unowned.len() == 1 { "" } else { "s" },
            unowned.join(", "),
            if unowned.len() == 1 { "it" } else { "them" }
        )));
    }
    let answers = Answers {
        no_renames: true,
        ..Default::default()
    };
    let mut d = diff(&found.applied, &found.live, &answers)
        .map_err(|e| Fail::user(format!("error: {e}")))?;
    // The tables are made again as the database has them, columns in order.
    adoption::keep_column_order(&mut d.ops, &found.live);
    if d.ops.is_empty() && !adopt_objects {
        let mut lines = found.differences.clone();
        lines.extend(found.unrepresentable.iter().cloned());
        let runsql = if found.unmodelled.is_empty() {
            ""
        } else {
            RUNSQL_HELP
        };
        return Err(Fail::user(format!(
            "error: this drift cannot be recorded as a migration (no model can declare it):\n  {}\n  = help: {runsql}put the database back as the migrations have it, or leave the table to `ignore_tables` in remodel.toml; nothing was written",
            lines.join("\n  ")
        )));
    }
    let objects = if adopt_objects {
        let scripts = db
            .object_sql()
            .await
            .map_err(|e| Fail::user(format!("error: {e}; nothing was written")))?;
        let dialect = db.dialect();
        adoption::plan(
            &found.unrecorded_objects,
            &scripts,
            &found.live,
            &drift::ddl(&found.live, dialect),
            &found.unreadable_tables,
            dialect.kind(),
        )
    } else {
        ObjectAdoption::default()
    };
    let dir = project.migrations_rel();
    let opts = MakeOptions {
        name: a.name.as_deref(),
        now: UtcTime::now(),
        dir: &dir,
    };
    let make_fail = |e: remodel_migrate::make::MakeError| match e {
        remodel_migrate::make::MakeError::BadName(_) => Fail::usage(format!("error: {e}")),
        other => Fail::user(format!("error: {other}")),
    };
    let mut new = if d.ops.is_empty() {
        Vec::new()
    } else {
        new_migrations(graph, &found.applied, &d, &opts).map_err(make_fail)?
    };
    if let Some(app) = &a.app {
        wrap_app(
            &mut new,
            graph,
            &found.applied,
            app,
            objects.before.clone(),
            objects.after.clone(),
            &opts,
        )
        .map_err(make_fail)?;
    }
    if new.is_empty() {
        // Only objects no SQL recreates: nothing to write.
        return Err(Fail::user(format!(
            "error: nothing can be adopted:\n  {}\nnothing was written",
            objects.left_out.join("\n  ")
        )));
    }
    // What the history will say once these are recorded: the database.
    let mut state = replay_with(graph, &new).map_err(|errors| {
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        Fail::user(format!(
            "internal error: the adopted migrations do not load with the history: {}; nothing was written",
            text.join("; ")
        ))
    })?;
    // Ignored tables are in neither side of the comparison.
    state.tables.retain(|_, t| !ignored(&t.table_name()));
    let left =
        diff(&state, &found.live, &answers).map_err(|e| Fail::user(format!("error: {e}")))?;
    // The files' spelling of an expression may differ from the catalog's
    // (`('now'::text)::date`): what counts is that both make the same
    // database, as `check` compares them.
    let same_database = || {
        let dialect = db.dialect();
        let mut want = state.to_catalog();
        dialect.normalize(&mut want);
        let mut got = found.live.to_catalog();
        dialect.normalize(&mut got);
        want.differences_from(&got, "the adopted migrations")
            .is_empty()
    };
    if !left.ops.is_empty() && !same_database() {
        let lines: Vec<String> = describe(&state, &left.ops)
            .iter()
            .map(|(_, d)| d.to_string())
            .collect();
        return Err(Fail::user(format!(
            "internal error: the adopted migrations do not describe the database; what they would still need:\n  {}\nnothing was written",
            lines.join("\n  ")
        )));
    }
    write(&project.dir, &new).map_err(|e| {
        Fail::user(format!(
            "error: cannot write the migration: {e}; nothing was written"
        ))
    })?;
    if let Err(e) = record(db, &new).await {
        for m in &new {
            let _ = std::fs::remove_file(project.dir.join(&m.path));
        }
        return Err(Fail::user(format!(
            "error: cannot record the adopted migrations: {e}; their files were removed again and nothing was recorded"
        )));
    }
    // What their RunSql creates, as the database shows it now, so that
    // `check` finds one altered later.
    for m in &new {
        let created = history::objects::created_by(m.file.ops());
        if let Err(e) = history::objects::record(db, &m.app, &m.name, &created).await {
            out.note(&out.paint(
                Style::Warn,
                &format!(
                    "warning: {} is recorded, but not the definitions of what it creates ({e}); `check` will compare their presence only",
                    m.key()
                ),
            ));
        }
    }
    let models = models_to_write(&found, &new);
    if json {
        out.json(&json!({
            "adopted": new.iter().map(|m| json!({
                "migration": m.key(),
                "path": m.path.display().to_string(),
                "operations": m.descriptions.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "models": models,
            "not_adopted": objects.left_out,
        }));
        return Ok(0);
    }
    for m in &new {
        out.data(&out.paint(
            Style::Heading,
            &format!("Adopted for '{}' (recorded as applied):", m.app),
        ));
        out.data(&format!("  {}", m.path.display()));
        for d in &m.descriptions {
            out.data(&format!("    {d}"));
        }
    }
    out.data("");
    out.data(&out.paint(
        Style::Heading,
        "Bring the models in line with the database (each struct as it now reads):",
    ));
    out.data(models.trim_end());
    out.note(&out.paint(
        Style::Warn,
        "warning: until the models say this, `remodel makemigrations` would write a migration that undoes what was just adopted (and drops any column or table it added, with its data)",
    ));
    if !objects.left_out.is_empty() {
        out.note(&out.paint(
            Style::Warn,
            &format!(
                "warning: not adopted, since the database gives no SQL that recreates {}:\n  {}\n  = help: add a RunSql migration that creates {} (naming each in `creates`) and apply it with `remodel migrate --fake`",
                if objects.left_out.len() == 1 { "it" } else { "them" },
                objects.left_out.join("\n  "),
                if objects.left_out.len() == 1 { "it" } else { "them" },
            ),
        ));
    }
    note_objects_left(&found, a, out);
    if !found.unmodelled.is_empty() {
        out.note(&out.paint(
            Style::Warn,
            &format!(
                "warning: not adopted, since no model can declare it:\n  {}\n  = help: {RUNSQL_HELP}or put it back as the migrations have it",
                found.unmodelled.join("\n  ")
            ),
        ));
    }
    Ok(0)
}

/// Without `--app`, the objects no migration creates are left alone:
/// says how many, and how to adopt them.
fn note_objects_left(found: &Drift, a: &CheckArgs, out: Out) {
    let n = found.unrecorded_objects.len();
    if a.app.is_some() || n == 0 {
        return;
    }
    let one = n == 1;
    out.note(&format!(
        "note: {n} object{} no migration creates (views, triggers, functions, …) {} not adopted; `remodel check --adopt --app APP` adopts {} as RunSql",
        if one { "" } else { "s" },
        if one { "is" } else { "are" },
        if one { "it" } else { "them" },
    ));
}

/// How to record what no model can declare.
const RUNSQL_HELP: &str = "to record what no model can declare, add a RunSql migration that creates it (naming each object; `remodel check` counts an object an applied RunSql names as recorded) and apply it with `remodel migrate --fake`; or ";

/// Adoption records what the database holds on top of a sound history:
/// not over a failed, edited or deleted migration, and not with migrations
/// pending (the new ones would depend on unapplied ones).
fn refuse_unsound(graph: &remodel_migrate::Graph, found: &Drift) -> Result<(), Fail> {
    if let Some(problem) = found.history_problem() {
        return Err(Fail::user(format!("error: {problem}")));
    }
    if let Some((app, leaves)) = graph.conflicts().into_iter().next() {
        return Err(Fail::user(format!(
            "error: conflicting migrations in app '{app}': {} are both latest; run `remodel makemigrations --merge` to join them; nothing was written",
            leaves.join(" and ")
        )));
    }
    if !found.pending.is_empty() {
        return Err(Fail::user(format!(
            "error: the database is not at the latest migration ({} not applied); adopted changes are recorded after the last migration\n  = help: run `remodel migrate` first (or `remodel check` to see the drift without adopting it); nothing was written",
            found.pending.join(", ")
        )));
    }
    Ok(())
}

/// Records the new migrations as applied, in one transaction where the
/// database allows.
async fn record(
    db: &mut dyn remodel_dialect::Database,
    new: &[NewMigration],
) -> Result<(), remodel_dialect::DbError> {
    history::ensure_table(db).await?;
    db.begin_migration(true).await?;
    let mut done: Vec<&NewMigration> = Vec::new();
    for m in new {
        // As `migrate` will read it: from its text.
        let checksum = remodel_migrate::file::parse(&m.text, &m.app)
            .unwrap_or_else(|_| m.file.clone())
            .checksum(&Schema::default());
        if let Err(e) = history::record_applied(db, &m.app, &m.name, &checksum).await {
            let _ = db.rollback_migration().await;
            // Where nothing rolls back (MySQL), forget what was recorded.
            for r in done {
                let _ = history::remove(db, &r.app, &r.name).await;
            }
            return Err(e);
        }
        done.push(m);
    }
    db.commit_migration(true).await
}

/// The structs of every model the adopted operations touch, as the
/// database now has them.
fn models_to_write(found: &Drift, new: &[NewMigration]) -> String {
    let mut keys: Vec<String> = Vec::new();
    for m in new {
        for op in m.file.ops() {
            for key in touched(op) {
                if found.live.tables.contains_key(&key) && !keys.contains(&key) {
                    keys.push(key);
                }
            }
        }
    }
    let mut text = remodel_model::reader::printer::render(&found.live, &keys);
    let removed: Vec<String> = new
        .iter()
        .flat_map(|m| m.file.ops())
        .filter_map(|op| match op {
            Op::DeleteModel { model } => Some(model.clone()),
            _ => None,
        })
        .collect();
    for key in removed {
        text.push_str(&format!(
            "\n// Remove the model {key}: its table is gone.\n"
        ));
    }
    text
}

/// The models an operation changes (`app.Model`).
fn touched(op: &Op) -> Vec<String> {
    match op {
        Op::CreateModel { table } => vec![table.key()],
        other => other.model_key().into_iter().collect(),
    }
}
