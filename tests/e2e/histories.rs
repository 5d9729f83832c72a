//! History scenarios (`fixtures/histories/<name>/steps.toml`): a project
//! (the clinic, or an empty crate plus the files the scenario lists) and a
//! script of commands, each with what the user must see — exit code, output,
//! the history rows, rows of the database — run on SQLite and on every
//! configured server. A step that fails must leave the migrations folder and
//! the history as they were. `INSTA_UPDATE=always cargo test` rewrites the
//! per-dialect output snapshots; `REMODEL_HISTORY=name` runs one scenario.

use crate::{BIN, TestProject};
use remodel_dialect::DialectKind;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Script {
    /// `clinic` to start from the bundled example; else an empty crate.
    #[serde(default)]
    base: Option<String>,
    /// Files written before the first step (path relative to the project = text).
    #[serde(default)]
    files: BTreeMap<String, String>,
    step: Vec<StepSpec>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StepSpec {
    /// The remodel arguments.
    run: Vec<String>,
    /// The dialects the step runs on (default: every one).
    #[serde(default)]
    dialects: Vec<String>,
    /// Files written before the command.
    #[serde(default)]
    write: BTreeMap<String, String>,
    /// Files removed before the command.
    #[serde(default)]
    remove: Vec<String>,
    /// SQL run before the command.
    #[serde(default)]
    exec: Vec<String>,
    /// SQL run before the command on one dialect (`postgres = ["ANALYZE t"]`).
    #[serde(default)]
    exec_on: BTreeMap<String, Vec<String>>,
    /// The expected exit code.
    #[serde(default)]
    code: i32,
    /// The exact standard output.
    #[serde(default)]
    stdout: Option<String>,
    /// Pieces the standard output must contain.
    #[serde(default)]
    stdout_has: Vec<String>,
    /// Pieces the standard output must contain on one dialect.
    #[serde(default)]
    stdout_has_on: BTreeMap<String, Vec<String>>,
    /// Pieces the standard error must contain.
    #[serde(default)]
    stderr_has: Vec<String>,
    /// Pieces the standard error must not contain.
    #[serde(default)]
    stderr_lacks: Vec<String>,
    /// The standard output is compared with `<snapshot>.<dialect>.snap`.
    #[serde(default)]
    snapshot: Option<String>,
    /// The history afterwards: `app.name` per row in id order (a failed row
    /// as `app.name (failed)`).
    #[serde(default)]
    history: Option<Vec<String>>,
    /// The user's tables afterwards, sorted.
    #[serde(default)]
    tables: Option<Vec<String>>,
    /// Queries afterwards and their rows (columns joined by `|`).
    #[serde(default)]
    query: Vec<Query>,
    /// Files and their exact text afterwards.
    #[serde(default)]
    contents: BTreeMap<String, String>,
    /// The files of the migrations folder afterwards.
    #[serde(default)]
    migrations: Option<Vec<String>>,
    /// The standard output is a script: run it on the database afterwards,
    /// as a DBA applying it by hand would.
    #[serde(default)]
    apply_output: bool,
    /// A failing step that may have written (a migration failing after
    /// others were applied).
    #[serde(default)]
    partial: bool,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    sql: String,
    rows: Vec<String>,
    /// The dialects the query is for (default: every one).
    #[serde(default)]
    dialects: Vec<String>,
}

/// A SQLite file exists only once migrate made it.
fn has_database(p: &TestProject) -> bool {
    p.dialect() != DialectKind::Sqlite || p.db_path().exists()
}

/// The history as `app.name` lines.
async fn history(p: &TestProject) -> Vec<String> {
    if !has_database(p) {
        return Vec::new();
    }
    let mut db = p.db().await;
    let exists = db
        .table_exists("remodel_migrations")
        .await
        .expect("read the catalog");
    db.close().await;
    if !exists {
        return Vec::new();
    }
    p.query("SELECT app, name, state FROM remodel_migrations ORDER BY id")
        .await
        .into_iter()
        .map(|r| match r[2].as_str() {
            "applied" => format!("{}.{}", r[0], r[1]),
            state => format!("{}.{} ({state})", r[0], r[1]),
        })
        .collect()
}

/// The user's tables (not remodel's history), sorted.
async fn tables(p: &TestProject) -> Vec<String> {
    if !has_database(p) {
        return Vec::new();
    }
    let mut db = p.db().await;
    let catalog = db.introspect().await.expect("introspect");
    db.close().await;
    catalog
        .tables
        .keys()
        .filter(|t| *t != "remodel_migrations")
        .cloned()
        .collect()
}

async fn run_script(dir: &Path, script: &Script, kind: DialectKind) {
    let name = format!(
        "{} on {}",
        dir.file_name().unwrap().to_string_lossy(),
        kind.name()
    );
    let p = match &script.base {
        Some(fixture) => TestProject::fixture_on(BIN, fixture, kind).await,
        None => TestProject::on(BIN, kind).await,
    };
    let Some(p) = p else { return };
    for (path, text) in &script.files {
        p.write(path, text);
    }
    for (n, step) in script.step.iter().enumerate() {
        if !step.dialects.is_empty() && !step.dialects.iter().any(|d| d == kind.name()) {
            continue;
        }
        let at = format!("{name}, step {} (`remodel {}`)", n + 1, step.run.join(" "));
        for (path, text) in &step.write {
            p.write(path, text);
        }
        for path in &step.remove {
            std::fs::remove_file(p.path().join(path))
                .unwrap_or_else(|e| panic!("{at}: remove {path}: {e}"));
        }
        for sql in step
            .exec
            .iter()
            .chain(step.exec_on.get(kind.name()).into_iter().flatten())
        {
            p.exec(sql).await;
        }
        let (files_before, history_before) = (p.files("migrations"), history(&p).await);
        let args: Vec<&str> = step.run.iter().map(String::as_str).collect();
        let run = p.remodel(&args);
        assert_eq!(
            run.code, step.code,
            "{at}: exit code\nstdout:\n{}\nstderr:\n{}",
            run.stdout, run.stderr
        );
        if let Some(expected) = &step.stdout {
            assert_eq!(
                &run.stdout, expected,
                "{at}: stdout\nstderr:\n{}",
                run.stderr
            );
        }
        let on_dialect = step.stdout_has_on.get(kind.name()).into_iter().flatten();
        for needle in step.stdout_has.iter().chain(on_dialect) {
            assert!(
                run.stdout.contains(needle),
                "{at}: stdout lacks {needle:?}:\n{}",
                run.stdout
            );
        }
        for needle in &step.stderr_has {
            assert!(
                run.stderr.contains(needle),
                "{at}: stderr lacks {needle:?}:\n{}",
                run.stderr
            );
        }
        for needle in &step.stderr_lacks {
            assert!(
                !run.stderr.contains(needle),
                "{at}: stderr has {needle:?}:\n{}",
                run.stderr
            );
        }
        if let Some(snapshot) = &step.snapshot {
            insta::with_settings!({ snapshot_path => dir, prepend_module_to_snapshot => false, omit_expression => true }, {
                insta::assert_snapshot!(format!("{snapshot}.{}", kind.name()), run.stdout);
            });
        }
        if step.code != 0 && !step.partial {
            // `--check` reports on stdout what it found; a refusal prints nothing there.
            let reports = step.stdout.is_some()
                || !step.stdout_has.is_empty()
                || !step.stdout_has_on.is_empty()
                || step.snapshot.is_some();
            assert!(
                reports || run.stdout.is_empty(),
                "{at}: a refusal prints nothing on stdout:\n{}",
                run.stdout
            );
            assert_eq!(
                p.files("migrations"),
                files_before,
                "{at}: a refusal writes no file"
            );
            assert_eq!(
                history(&p).await,
                history_before,
                "{at}: a refusal leaves the history"
            );
        }
        if step.apply_output {
            p.exec_script(&run.stdout).await;
        }
        if let Some(expected) = &step.history {
            assert_eq!(&history(&p).await, expected, "{at}: history");
        }
        if let Some(expected) = &step.tables {
            assert_eq!(&tables(&p).await, expected, "{at}: tables");
        }
        for q in step
            .query
            .iter()
            .filter(|q| q.dialects.is_empty() || q.dialects.iter().any(|d| d == kind.name()))
        {
            let rows: Vec<String> = p
                .query(&q.sql)
                .await
                .into_iter()
                .map(|r| r.join("|"))
                .collect();
            assert_eq!(rows, q.rows, "{at}: {}", q.sql);
        }
        for (path, text) in &step.contents {
            assert_eq!(&p.read(path), text, "{at}: the text of {path}");
        }
        if let Some(expected) = &step.migrations {
            assert_eq!(&p.files("migrations"), expected, "{at}: migration files");
        }
    }
}

/// Every scenario (or `REMODEL_HISTORY`'s) on one database; each in its own
/// task so that one failure does not hide the others.
async fn run_all(kind: DialectKind) {
    let root = remodel_testkit::workspace_root().join("fixtures/histories");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no scenarios under {}", root.display());
    if let Ok(only) = std::env::var("REMODEL_HISTORY") {
        dirs.retain(|d| d.file_name().is_some_and(|n| n == only.as_str()));
        assert!(!dirs.is_empty(), "no history scenario named {only}");
    }
    let mut failed = Vec::new();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(dir.join("steps.toml"))
            .unwrap_or_else(|e| panic!("{name}/steps.toml: {e}"));
        let script: Script =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{name}/steps.toml: {e}"));
        if tokio::spawn(async move { run_script(&dir, &script, kind).await })
            .await
            .is_err()
        {
            failed.push(name);
        }
    }
    assert!(
        failed.is_empty(),
        "history scenarios failed on {} (see above): {}",
        kind.name(),
        failed.join(", ")
    );
}

#[tokio::test]
async fn every_history_scenario_on_sqlite() {
    run_all(DialectKind::Sqlite).await;
}

#[tokio::test]
async fn every_history_scenario_on_postgres() {
    run_all(DialectKind::Postgres).await;
}

#[tokio::test]
async fn every_history_scenario_on_mysql() {
    run_all(DialectKind::Mysql).await;
}
