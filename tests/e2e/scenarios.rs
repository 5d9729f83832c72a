//! Scenario folders (`fixtures/scenarios/<name>/`): models before and after
//! a change, the flags that answer its questions, rows to keep, and the
//! expected operations and SQLite SQL as snapshots. Each runs end to end:
//! migrate the "before" models, insert the rows, change the models,
//! makemigrations, migrate, then require no drift and the rows' survival.
//! `INSTA_UPDATE=always cargo test` rewrites the snapshots.

use crate::{BIN, TestProject, project};
use remodel_dialect::DialectKind;
use std::path::Path;

/// Runs makemigrations in a pseudo-terminal, typing `answers` at its
/// prompts, and returns its summary (what it printed from
/// `Migrations for` on).
fn at_prompts(p: &TestProject, args: &[&str], answers: &[String]) -> String {
    let mut cmd = std::process::Command::new(BIN);
    cmd.arg("-C")
        .arg(p.path())
        .args(["--database", &p.db_url()])
        .args(args);
    cmd.current_dir(p.path())
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1");
    let mut s = rexpect::session::spawn_command(cmd, Some(30_000)).expect("spawn in a pty");
    for answer in answers {
        s.exp_regex(r"(\[y/N\] |Select [^:]*: |written as in default = [^:]*: )")
            .unwrap_or_else(|e| panic!("no prompt for answer {answer:?}: {e}"));
        s.send_line(answer).unwrap();
    }
    let rest = s.exp_eof().expect("makemigrations ends");
    let status = s.process().wait().expect("wait");
    assert!(
        matches!(status, rexpect::process::WaitStatus::Exited(_, 0)),
        "{status:?}\n{rest}"
    );
    let text = rest.replace('\r', "");
    match text.find("Migrations for") {
        Some(i) => text[i..].to_string(),
        None => panic!("no summary after the answers:\n{text}"),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Scenario {
    /// Extra makemigrations arguments (answers).
    #[serde(default)]
    args: Vec<String>,
    /// Lines typed at makemigrations' prompts, in order (run in a pseudo-terminal).
    #[serde(default)]
    answers: Vec<String>,
    /// SQL run after the "before" migration.
    #[serde(default)]
    seed: Vec<String>,
    /// Queries and their expected rows (one string per row, columns joined by `|`) after the change.
    #[serde(default)]
    expect: Vec<Expect>,
    /// Queries and their expected rows once the change is unapplied again.
    #[serde(default)]
    expect_after_unapply: std::collections::BTreeMap<String, Vec<String>>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    sql: String,
    rows: Vec<String>,
    /// The dialects the query is for (default: all; queries of SQLite's
    /// catalog are for SQLite only).
    #[serde(default)]
    dialects: Vec<String>,
}

/// Whether a scenario's query runs on a dialect.
fn runs_on(sql: &str, dialects: &[String], kind: DialectKind) -> bool {
    if !dialects.is_empty() {
        return dialects.iter().any(|d| d == kind.name());
    }
    kind == DialectKind::Sqlite || !(sql.contains("pragma_") || sql.contains("sqlite_"))
}

async fn run_scenario(dir: &Path) {
    let name = dir.file_name().unwrap().to_string_lossy().to_string();
    let scenario: Scenario = match std::fs::read_to_string(dir.join("scenario.toml")) {
        Ok(t) => toml::from_str(&t).unwrap_or_else(|e| panic!("{name}/scenario.toml: {e}")),
        Err(_) => Scenario::default(),
    };
    // SQLite always; it also records the operations and every dialect's SQL.
    let operations = run_on(dir, &scenario, project(), true).await;
    for kind in [DialectKind::Postgres, DialectKind::Mysql] {
        if let Some(p) = TestProject::on(BIN, kind).await {
            let ops = run_on(dir, &scenario, p, false).await;
            assert_eq!(
                ops, operations,
                "{name}: the operations do not depend on the database"
            );
        }
    }
}

/// One scenario on one database: migrate "before", seed, change, migrate,
/// check, unapply, check. Returns makemigrations' summary.
async fn run_on(dir: &Path, scenario: &Scenario, p: TestProject, snapshots: bool) -> String {
    let kind = p.dialect();
    let name = format!(
        "{} on {}",
        dir.file_name().unwrap().to_string_lossy(),
        kind.name()
    );
    p.write(
        "src/lib.rs",
        &std::fs::read_to_string(dir.join("before.rs")).unwrap(),
    );
    p.remodel(&["makemigrations"]).ok();
    p.remodel(&["migrate"]).ok();
    for sql in &scenario.seed {
        p.exec(sql).await;
    }
    p.write(
        "src/lib.rs",
        &std::fs::read_to_string(dir.join("after.rs")).unwrap(),
    );
    let mut args = vec!["makemigrations"];
    args.extend(scenario.args.iter().map(String::as_str));
    let stdout = if scenario.answers.is_empty() {
        let made = p.remodel(&args);
        made.ok();
        made.stdout
    } else {
        at_prompts(&p, &args, &scenario.answers)
    };
    let new: Vec<String> = stdout
        .lines()
        .filter(|l| l.ends_with(".toml"))
        .map(|l| l.trim().to_string())
        .collect();
    if snapshots {
        // sqlmigrate needs no database: every dialect's SQL is recorded here.
        let mut sql: Vec<(DialectKind, String)> = Vec::new();
        for d in [
            DialectKind::Sqlite,
            DialectKind::Postgres,
            DialectKind::Mysql,
        ] {
            let mut text = String::new();
            for path in &new {
                let parts: Vec<&str> = path.split('/').collect();
                let (app, file) = (
                    parts[parts.len() - 2],
                    parts[parts.len() - 1].trim_end_matches(".toml"),
                );
                let out = p.remodel(&["sqlmigrate", app, file, "--dialect", d.name()]);
                out.ok();
                text.push_str(&format!("-- {app}.{file}\n{}", out.stdout));
            }
            sql.push((d, text));
        }
        insta::with_settings!({ snapshot_path => dir, prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!("operations", stdout);
            for (d, text) in &sql {
                insta::assert_snapshot!(d.name(), text);
            }
        });
    }
    p.remodel(&["migrate"]).ok();
    p.remodel(&["makemigrations", "--check"]).ok();
    for e in scenario
        .expect
        .iter()
        .filter(|e| runs_on(&e.sql, &e.dialects, kind))
    {
        let rows: Vec<String> = p
            .query(&e.sql)
            .await
            .into_iter()
            .map(|r| r.join("|"))
            .collect();
        assert_eq!(rows, e.rows, "{name}: {}", e.sql);
    }
    // And back: unapplying the change leaves the "before" schema, rows kept
    // where the change dropped no data.
    for path in new.iter().rev() {
        let app = path.split('/').rev().nth(1).unwrap();
        let number: u32 = path.rsplit('/').next().unwrap()[..4].parse().unwrap();
        let target = if number == 1 {
            "zero".to_string()
        } else {
            format!("{:04}", number - 1)
        };
        p.remodel(&["migrate", app, &target]).ok();
    }
    for (sql, rows) in scenario
        .expect_after_unapply
        .iter()
        .filter(|(sql, _)| runs_on(sql, &[], kind))
    {
        let got: Vec<String> = p
            .query(sql)
            .await
            .into_iter()
            .map(|r| r.join("|"))
            .collect();
        assert_eq!(&got, rows, "{name} after unapplying: {sql}");
    }
    stdout
}

#[tokio::test]
async fn every_scenario() {
    let root = remodel_testkit::workspace_root().join("fixtures/scenarios");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no scenarios under {}", root.display());
    // REMODEL_SCENARIO=name runs one scenario.
    if let Ok(only) = std::env::var("REMODEL_SCENARIO") {
        dirs.retain(|d| d.file_name().is_some_and(|n| n == only.as_str()));
        assert!(!dirs.is_empty(), "no scenario named {only}");
    }
    // Each runs in its own task so one failure does not hide the others.
    let mut failed = Vec::new();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        if tokio::spawn(async move { run_scenario(&dir).await })
            .await
            .is_err()
        {
            failed.push(name);
        }
    }
    assert!(
        failed.is_empty(),
        "scenarios failed (see above): {}",
        failed.join(", ")
    );
}
