//! `remodel makemigrations`: diff the models against the history state and
//! write the next migration of each changed app (DESIGN §3, §4, §7).

use super::{check_apps, connect, known_apps, load_graph, scan_models};
use crate::answers::{self, AnswerFlags};
use crate::args::{Global, MakeArgs};
use crate::diagnostic::{self, Diagnostic};
use crate::fail::{Fail, Outcome};
use crate::output::{Out, Style};
use crate::project::Project;
use crate::questioner::{self, Reply, Terminal};
use crate::scan::Scan;
use crate::scan::locate::locate;
use remodel_differ::{
    AnswerKind, Answers, DefaultAnswer, Diff, DiffError, Op, Question, QuestionKind, RenameAnswer,
    Source, diff,
};
use remodel_migrate::Graph;
use remodel_migrate::drift;
use remodel_migrate::make::{
    MakeError, MakeOptions, NewMigration, empty_migration, new_migrations, replay_with, write,
};
use remodel_migrate::naming::UtcTime;
use remodel_model::Schema;
use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::mem::ManuallyDrop;

/// Runs makemigrations.
pub async fn run(project: &Project, g: &Global, a: &MakeArgs, out: Out) -> Outcome {
    if a.merge {
        // Branches that do not replay together still merge (or are refused
        // for what they both change).
        let graph = match load_graph(project) {
            Ok((graph, _)) => graph,
            Err(fail) => {
                remodel_migrate::Graph::load_unreplayed(&project.dir, &project.migrations_dir())
                    .ok()
                    .filter(|g| !g.conflicts().is_empty())
                    .ok_or(fail)?
            }
        };
        return run_merge(project, &graph, a, out);
    }
    if a.empty {
        let (graph, _) = load_graph(project)?;
        return run_empty(project, g, &graph, a, out);
    }
    // The history and the models are read at the same time; the history's
    // problems are reported first.
    let (loaded, scan) = std::thread::scope(|s| {
        let loaded = s.spawn(|| load_graph(project));
        let scan = scan_models(project, g, out);
        (loaded.join(), scan)
    });
    let (graph, from) = loaded.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
    if let Some((app, leaves)) = graph.conflicts().into_iter().next() {
        return Err(Fail::user(format!(
            "error: conflicting migrations in app '{app}': {} are both latest; run `remodel makemigrations --merge` to join them",
            leaves.join(" and ")
        )));
    }
    let (scanned, to) = scan?;
    check_apps(&a.apps, &known_apps(&graph, Some(&to)))?;
    let from = if a.from_db {
        live_state(project, g, &graph).await?
    } else {
        from
    };
    // The process exits soon after: freeing the history and the models one
    // allocation at a time would cost ~10% of a no-op run on 1,000 models.
    let (graph, from, to, scanned) = (
        ManuallyDrop::new(graph),
        ManuallyDrop::new(from),
        ManuallyDrop::new(to),
        ManuallyDrop::new(scanned),
    );

    let flags = AnswerFlags {
        rename: a.rename.clone(),
        no_rename: a.no_rename.clone(),
        no_renames: a.no_renames,
        default: a.default.clone(),
    };
    let mut answers = answers::from_flags(&flags)?;
    answers::add_hints(&mut answers, &scanned.defs());

    // At a terminal, ask the first unanswered question, then diff again with
    // the answer: later questions depend on earlier answers. Nothing is
    // written until every question is answered.
    let interactive = !a.noinput && !a.dry_run && !a.check && std::io::stdin().is_terminal();
    if interactive {
        questioner::exit_130_on_ctrl_c();
    }
    let mut terminal = Terminal::new(std::io::stdin().lock(), std::io::stderr());
    let (d, kept) = loop {
        let mut d = diff(&from, &to, &answers).map_err(|e| match e {
            DiffError::BadAnswer {
                subject,
                kind,
                origin: Source::Hint,
                message,
            } => hint_fail(
                &scanned,
                &subject,
                kind,
                message,
                "fix the old name in the hint",
                out,
            ),
            DiffError::BadAnswer { message, .. } => Fail::usage(format!("error: {message}")),
            other => Fail::user(format!("error: {other}")),
        })?;
        // Flags and hints that no question can concern fail before anything is asked.
        check_unused(&graph, &scanned, &d, false, out)?;
        let kept: Option<BTreeSet<String>> =
            (!a.apps.is_empty()).then(|| restrict(&mut d, &a.apps));
        let Some(q) = d.unanswered().first().map(|q| (*q).clone()) else {
            break (d, kept);
        };
        if !interactive {
            break (d, kept);
        }
        let reply = terminal.ask(&q).map_err(|_| Fail {
            code: 130,
            message: "\ninterrupted; nothing was written".into(),
        })?;
        record(&mut answers, &q, reply)?;
    };

    let unanswered = d.unanswered();
    check_unused(&graph, &scanned, &d, true, out)?;
    if !unanswered.is_empty() && !a.dry_run {
        let renames = unanswered
            .iter()
            .any(|q| !matches!(q.kind, QuestionKind::OneOffDefault { .. }));
        let why = if a.noinput {
            "--noinput"
        } else {
            "there is no terminal to ask at"
        };
        let mut text = if renames {
            format!(
                "error: makemigrations will not guess whether a field or model was renamed (a wrong guess drops its data);\nanswer these ({why}):\n"
            )
        } else {
            format!(
                "error: existing rows need values makemigrations will not guess;\nanswer these ({why}):\n"
            )
        };
        for q in &unanswered {
            text.push_str(&answers::explain(q));
        }
        text.push_str("nothing was written");
        return Err(Fail::user(text));
    }

    let json = g.format == Some(crate::args::Format::Json);
    if d.ops.is_empty() {
        if json {
            out.json(&json_report(&[], &unanswered, None));
        } else {
            out.data(&no_changes(&a.apps));
        }
        return Ok(0);
    }
    let dir = project.migrations_rel();
    let opts = MakeOptions {
        name: a.name.as_deref(),
        now: UtcTime::now(),
        dir: &dir,
    };
    let new = new_migrations(&graph, &from, &d, &opts).map_err(make_fail)?;
    verify(&graph, &new, &to, kept.as_ref())?;

    // Rendered before anything is printed: a refusal prints nothing on stdout.
    let sql = if a.dry_run && a.sql {
        Some(render_sql(project, g, a, &from, &new)?)
    } else {
        None
    };
    if json {
        out.json(&json_report(&new, &unanswered, sql.as_deref()));
        return Ok(if a.check { 1 } else { 0 });
    }
    print_summary(&new, out);
    if a.dry_run {
        for m in &new {
            out.detail(&format!(
                "Full migrations file '{}':\n{}",
                m.path.display(),
                m.text
            ));
        }
        if let Some(sql) = &sql {
            out.data(sql.trim_end());
        }
        if !unanswered.is_empty() {
            eprintln!("\nUnanswered questions (the operations above take none of their answers):");
            for q in &unanswered {
                eprint!("{}", answers::explain(q));
            }
        }
    }
    if a.check {
        return Ok(1);
    }
    if a.dry_run {
        return Ok(0);
    }
    write(&project.dir, &new).map_err(|e| {
        Fail::user(format!(
            "error: cannot write the migration: {e}; nothing was written"
        ))
    })?;
    Ok(0)
}

/// `--from-db`: the live database, read back in the history's words. Only
/// a database at the head of the history, with nothing changed by hand, is
/// a sound base: the new migration must also replay on the history.
async fn live_state(project: &Project, g: &Global, graph: &Graph) -> Result<Schema, Fail> {
    let not_up_to_date = |pending: &[String]| {
        Fail::user(format!(
            "error: Target database is not up to date: {} migration{} not applied ({})\n  = help: run `remodel migrate` first, then makemigrations --from-db; nothing was written",
            pending.len(),
            if pending.len() == 1 { " is" } else { "s are" },
            pending.join(", ")
        ))
    };
    let Some(mut db) = connect(project, g, false).await? else {
        // A SQLite file not made yet: an empty database.
        let pending: Vec<String> = graph.migrations.iter().map(|m| m.key()).collect();
        if !pending.is_empty() {
            return Err(not_up_to_date(&pending));
        }
        return Ok(Schema::default());
    };
    let ignored = |t: &str| project.config.ignored(t);
    let found = drift::inspect(db.as_mut(), graph, &ignored, "_unowned").await;
    db.close().await;
    let found = found.map_err(|e| Fail::user(format!("error: {e}")))?;
    if let Some(problem) = found.history_problem() {
        return Err(Fail::user(format!("error: {problem}")));
    }
    if !found.pending.is_empty() {
        return Err(not_up_to_date(&found.pending));
    }
    if !found.differences.is_empty() {
        let mut lines: Vec<String> = found.differences.iter().take(10).cloned().collect();
        if found.differences.len() > 10 {
            lines.push(format!("… and {} more", found.differences.len() - 10));
        }
        return Err(Fail::user(format!(
            "error: the database has drifted from the applied migrations, so a migration made from it would not replay on the history:\n  {}\n  = help: record the drift with `remodel check --adopt` (or put the database back), then run makemigrations --from-db again; nothing was written",
            lines.join("\n  ")
        )));
    }
    Ok(found.live)
}

/// Records a terminal answer.
fn record(answers: &mut Answers, q: &Question, reply: Reply) -> Result<(), Fail> {
    let subject = q.subject();
    let rename = |r: Reply| match r {
        Reply::Renamed(old) => RenameAnswer::From(old),
        _ => RenameAnswer::New,
    };
    match (&q.kind, reply) {
        (QuestionKind::RenameField { .. }, r) => {
            answers.fields.insert(subject, (rename(r), Source::Prompt));
        }
        (QuestionKind::RenameModel { .. }, r) => {
            answers.models.insert(subject, (rename(r), Source::Prompt));
        }
        (QuestionKind::MovedModel { from, .. }, Reply::Quit) => {
            let old_app = remodel_model::split_key(from).0;
            return Err(Fail::user(format!(
                "keep the model in its app with #[model(app = \"{old_app}\")] and run makemigrations again; nothing was written"
            )));
        }
        (QuestionKind::MovedModel { .. }, _) => {
            answers
                .models
                .insert(subject, (RenameAnswer::New, Source::Prompt));
        }
        (QuestionKind::OneOffDefault { model, field, .. }, Reply::Quit) => {
            let m = remodel_model::split_key(model).1;
            return Err(Fail::user(format!(
                "add a default to {m}.{field} (#[field(default = …)]) and run makemigrations again; nothing was written"
            )));
        }
        (QuestionKind::OneOffDefault { .. }, Reply::Value(v)) => {
            answers
                .defaults
                .insert(subject, (DefaultAnswer::Value(v), Source::Prompt));
        }
        (QuestionKind::OneOffDefault { .. }, _) => {
            answers
                .defaults
                .insert(subject, (DefaultAnswer::Ignore, Source::Prompt));
        }
    }
    Ok(())
}

/// A bad `--name` is bad usage; the rest is for the user to act on.
fn make_fail(e: MakeError) -> Fail {
    match e {
        MakeError::BadName(_) => Fail::usage(format!("error: {e}")),
        other => Fail::user(format!("error: {other}")),
    }
}

fn no_changes(apps: &[String]) -> String {
    match apps {
        [] => "No changes detected".into(),
        [one] => format!("No changes detected in app '{one}'"),
        many => format!(
            "No changes detected in apps {}",
            many.iter()
                .map(|a| format!("'{a}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Keeps the operations of the given apps and of the apps they depend on;
/// returns the apps kept.
fn restrict(d: &mut Diff, apps: &[String]) -> BTreeSet<String> {
    let mut keep: BTreeSet<String> = apps.iter().cloned().collect();
    loop {
        let before = keep.len();
        for &(i, j) in &d.after {
            if keep.contains(&d.ops[i].app().unwrap_or_default()) {
                keep.insert(d.ops[j].app().unwrap_or_default());
            }
        }
        if keep.len() == before {
            break;
        }
    }
    let kept: Vec<usize> = (0..d.ops.len())
        .filter(|&i| keep.contains(&d.ops[i].app().unwrap_or_default()))
        .collect();
    let remap: std::collections::BTreeMap<usize, usize> =
        kept.iter().enumerate().map(|(n, &o)| (o, n)).collect();
    d.after = d
        .after
        .iter()
        .filter_map(|(i, j)| Some((*remap.get(i)?, *remap.get(j)?)))
        .collect();
    d.ops = kept.into_iter().map(|i| d.ops[i].clone()).collect();
    d.asked.retain(|q| {
        let subject = q.question.subject();
        let app = subject.split('.').next().unwrap_or_default().to_string();
        keep.contains(&app)
    });
    keep
}

/// An error about a `renamed_from` hint, shown at the hint in the source.
fn hint_fail(
    scanned: &Scan,
    subject: &str,
    kind: AnswerKind,
    message: String,
    help: &str,
    out: Out,
) -> Fail {
    let parts: Vec<&str> = subject.split('.').collect();
    let (app, model, field) = match (kind, parts.as_slice()) {
        (AnswerKind::Field, [app, model, field]) => (*app, *model, Some(*field)),
        (_, [app, model, ..]) => (*app, *model, None),
        _ => ("", subject, None),
    };
    let found = scanned
        .found
        .iter()
        .find(|f| f.def.app() == app && f.def.table.name == model);
    let Some(found) = found else {
        return Fail::user(format!(
            "error: {message}\n  = help: {help}; nothing was written"
        ));
    };
    let src = &scanned.files[found.file];
    let span = locate(&found.input, field, Some("renamed_from"));
    let d = Diagnostic::at(
        src.rel.clone(),
        &src.text,
        span,
        message,
        Some(help.to_string()),
    );
    let mut text = diagnostic::render(&[d], out.color);
    text.push_str("error: nothing was written");
    Fail::user(text)
}

/// Answers nobody asked for: a flag is bad usage; a hint is satisfied when
/// a migration already records the rename, and an error otherwise.
///
/// A field answer for a model whose own rename is still unanswered may yet be
/// asked for, so it waits; notes are printed only on the `last` check.
fn check_unused(graph: &Graph, scanned: &Scan, d: &Diff, last: bool, out: Out) -> Result<(), Fail> {
    let pending_models: Vec<String> = d
        .unanswered()
        .iter()
        .filter(|q| matches!(q.kind, QuestionKind::RenameModel { .. }))
        .map(|q| q.subject())
        .collect();
    let unused = d.unused.iter().filter(|(subject, kind, _)| {
        let model = match kind {
            AnswerKind::Model => subject.as_str(),
            _ => subject
                .rsplit_once('.')
                .map_or(subject.as_str(), |(m, _)| m),
        };
        !pending_models.iter().any(|p| p == model)
    });
    let unused: Vec<&(String, AnswerKind, Source)> = unused.collect();
    for (subject, kind, source) in &unused {
        if *source == Source::Flag {
            let flag = match kind {
                AnswerKind::Default => "--default",
                _ => "--rename/--no-rename",
            };
            return Err(Fail::usage(format!(
                "error: {flag} for {subject}: no pending question concerns it (nothing there was renamed, added or made NOT NULL)"
            )));
        }
    }
    for (subject, kind, source) in &unused {
        if *source != Source::Hint {
            continue;
        }
        let recorded = graph
            .migrations
            .iter()
            .flat_map(|m| m.file.ops())
            .any(|op| match (kind, op) {
                (AnswerKind::Field, Op::RenameField { model, new, .. }) => {
                    format!("{model}.{new}") == *subject
                }
                (AnswerKind::Model, Op::RenameModel { app, new, .. }) => {
                    format!("{app}.{new}") == *subject
                }
                _ => false,
            });
        if recorded {
            if last {
                out.note(&format!(
                    "note: the renamed_from hint on {subject} is recorded in a migration and can be removed"
                ));
            }
        } else {
            return Err(hint_fail(
                scanned,
                subject,
                *kind,
                format!(
                    "the renamed_from hint on {subject} names nothing that was removed and no rename a migration records"
                ),
                "check the old name for a typo, or remove the hint",
                out,
            ));
        }
    }
    Ok(())
}

/// The new files must replay to exactly the models: read them back as a
/// later run will, and diff again.
fn verify(
    graph: &Graph,
    new: &[NewMigration],
    to: &Schema,
    apps: Option<&BTreeSet<String>>,
) -> Result<(), Fail> {
    // Load the history with the new files exactly as the next run will.
    let state = replay_with(graph, new).map_err(|errors| {
        let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        Fail::user(format!(
            "internal error: the generated migrations do not load with the history: {}; nothing was written",
            text.join("; ")
        ))
    })?;
    // The same schema: nothing left to diff.
    if state == *to {
        return Ok(());
    }
    let again = diff(
        &state,
        to,
        &remodel_differ::Answers {
            no_renames: true,
            ..Default::default()
        },
    )
    .map_err(|e| Fail::user(format!("internal error: {e}")))?;
    // With `makemigrations APP…`, other apps' changes are left for later.
    let left: Vec<&Op> = again
        .ops
        .iter()
        .filter(|op| apps.is_none_or(|a| a.contains(&op.app().unwrap_or_default())))
        .collect();
    if !left.is_empty() {
        return Err(Fail::user(format!(
            "internal error: the generated migrations do not reach the models (left: {:?}); nothing was written",
            left.iter()
                .map(|o| o.describe(&state).text)
                .collect::<Vec<_>>()
        )));
    }
    Ok(())
}

/// `--dry-run`/`--check` with `--format json`: what would be written.
fn json_report(
    new: &[NewMigration],
    unanswered: &[&Question],
    sql: Option<&str>,
) -> serde_json::Value {
    let mut report = serde_json::json!({
        "changes": !new.is_empty(),
        "migrations": new.iter().map(|m| serde_json::json!({
            "app": m.app,
            "name": m.name,
            "path": m.path.display().to_string(),
            "operations": m.descriptions.iter().map(|d| serde_json::json!({
                "symbol": d.symbol.to_string(),
                "description": d.text,
                "destructive": d.destructive,
            })).collect::<Vec<_>>(),
            "text": m.text,
        })).collect::<Vec<_>>(),
        "unanswered": unanswered.iter().map(|q| serde_json::json!({
            "id": q.id,
            "explanation": answers::explain(q).trim_end(),
        })).collect::<Vec<_>>(),
    });
    if let Some(sql) = sql {
        report["sql"] = serde_json::Value::String(sql.to_string());
    }
    report
}

fn print_summary(new: &[NewMigration], out: Out) {
    for m in new {
        out.data(&out.paint(Style::Heading, &format!("Migrations for '{}':", m.app)));
        out.data(&format!("  {}", m.path.display()));
        for d in &m.descriptions {
            let line = format!("    {d}");
            out.data(&if d.destructive {
                out.paint(Style::Warn, &line)
            } else {
                line
            });
        }
    }
}

fn render_sql(
    project: &Project,
    g: &Global,
    a: &MakeArgs,
    from: &Schema,
    new: &[NewMigration],
) -> Result<String, Fail> {
    let kind = match a.dialect {
        Some(d) => d.kind(),
        None => project.configured_dialect(g.database.as_deref())?,
    };
    let dialect = remodel_dialect::dialect_for(kind).ok_or_else(|| {
        Fail::user(format!(
            "error: rendering for {} is not available in this build",
            kind.name()
        ))
    })?;
    let mut text = String::new();
    let mut state = from.clone();
    for m in new {
        text.push_str(&format!("-- {}\n", m.key()));
        for op in m.file.ops() {
            let before = state.clone();
            let _ = op.apply_to(&mut state);
            let stmts = dialect
                .render(op, &before, &state)
                .map_err(|e| Fail::user(format!("error: {e}")))?;
            text.push_str(&format!("-- {}\n", op.describe(&before).text));
            for s in stmts {
                text.push_str(&remodel_migrate::runner::statement_text(&s, dialect));
            }
        }
    }
    Ok(text)
}

fn run_empty(project: &Project, g: &Global, graph: &Graph, a: &MakeArgs, out: Out) -> Outcome {
    let [app] = a.apps.as_slice() else {
        return Err(Fail::usage(
            "error: --empty needs exactly one app: remodel makemigrations --empty APP",
        ));
    };
    let (_, models) = scan_models(project, g, out)?;
    check_apps(std::slice::from_ref(app), &known_apps(graph, Some(&models)))?;
    let dir = project.migrations_rel();
    let opts = MakeOptions {
        name: a.name.as_deref(),
        now: UtcTime::now(),
        dir: &dir,
    };
    let m = empty_migration(graph, app, &opts).map_err(make_fail)?;
    print_summary(std::slice::from_ref(&m), out);
    out.detail(&m.text);
    if a.check {
        return Ok(1);
    }
    if !a.dry_run {
        write(&project.dir, std::slice::from_ref(&m)).map_err(|e| {
            Fail::user(format!(
                "error: cannot write the migration: {e}; nothing was written"
            ))
        })?;
    }
    Ok(0)
}

/// `--merge`: one merge migration per app with two latest migrations, after
/// showing what each branch does and asking (unless `--noinput`). Branches
/// that change the same model or field are refused: the user must decide.
fn run_merge(project: &Project, graph: &Graph, a: &MakeArgs, out: Out) -> Outcome {
    check_apps(&a.apps, &known_apps(graph, None))?;
    let merges = remodel_migrate::merge::merges(graph, &a.apps);
    if merges.is_empty() {
        out.data("No conflicts detected to merge.");
        return Ok(0);
    }
    let mut refused = String::new();
    for m in merges.iter().filter(|m| !m.overlaps.is_empty()) {
        let leaves: Vec<&str> = m.branches.iter().map(|b| b.leaf.as_str()).collect();
        refused.push_str(&format!(
            "error: the branches of '{}' ({}) change the same things, so they cannot be merged as they are:\n",
            m.app,
            leaves.join(" and ")
        ));
        for o in &m.overlaps {
            refused.push_str(&format!(
                "  {}: {} ({}) and {} ({})\n",
                o.subject, o.sides[0].0, o.sides[0].1, o.sides[1].0, o.sides[1].1
            ));
        }
    }
    if !refused.is_empty() {
        refused.push_str("  = help: decide what the result should be: make one branch's migration depend on the other's leaf and edit it to follow it (or delete one, if it was never applied), then run makemigrations; nothing was written");
        return Err(Fail::user(refused));
    }
    let dir = project.migrations_rel();
    let opts = MakeOptions {
        name: a.name.as_deref(),
        now: UtcTime::now(),
        dir: &dir,
    };
    let mut new = Vec::new();
    for m in &merges {
        new.push(remodel_migrate::merge::merge_migration(graph, m, &opts).map_err(make_fail)?);
    }
    if let Err(errors) = replay_with(graph, &new) {
        let text: Vec<String> = errors.iter().map(|e| format!("error: {e}")).collect();
        return Err(Fail::user(format!(
            "{}\nthe merged history does not replay; nothing was written",
            text.join("\n")
        )));
    }
    let interactive = !a.noinput && !a.dry_run && std::io::stdin().is_terminal();
    if !interactive && !a.noinput && !a.dry_run {
        return Err(Fail::user(
            "error: merging asks for confirmation and there is no terminal to ask at; see the branches with `remodel makemigrations --merge --dry-run`, then merge with `remodel makemigrations --merge --noinput`; nothing was written",
        ));
    }
    for m in &merges {
        out.data(&out.paint(Style::Heading, &format!("Merging {}", m.app)));
        for b in &m.branches {
            out.data(&format!(
                "  Branch {}",
                b.leaf.split_once('.').map_or(b.leaf.as_str(), |(_, n)| n)
            ));
            for (name, descriptions) in &b.migrations {
                let indent = if b.migrations.len() > 1 {
                    out.data(&format!("    {name}"));
                    "      "
                } else {
                    "    "
                };
                if descriptions.is_empty() {
                    out.data(&format!("{indent}(no operations)"));
                }
                for d in descriptions {
                    out.data(&format!("{indent}{d}"));
                }
            }
        }
    }
    if a.dry_run {
        for m in &new {
            out.data(&format!(
                "Merge migration {} (not written: --dry-run)",
                m.path.display()
            ));
            out.detail(&m.text);
        }
        return Ok(0);
    }
    if interactive {
        questioner::exit_130_on_ctrl_c();
        let mut terminal = Terminal::new(std::io::stdin().lock(), std::io::stderr());
        let yes = terminal
            .confirm("Do you want to merge these migration branches?")
            .map_err(|_| Fail {
                code: 130,
                message: "\ninterrupted; nothing was written".into(),
            })?;
        if !yes {
            out.note("Nothing was written.");
            return Ok(0);
        }
    }
    write(&project.dir, &new).map_err(|e| {
        Fail::user(format!(
            "error: cannot write the migration: {e}; nothing was written"
        ))
    })?;
    for m in &new {
        out.data(&format!("Created new merge migration {}", m.path.display()));
    }
    Ok(0)
}
