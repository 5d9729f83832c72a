//! The generator's output: remodel accepts it as written (its own files
//! would say the same), and the three projects name the same tables and
//! columns.

use super::*;
use crate::schema::{self, app_label};
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::Path;
use std::process::ExitCode;

fn remodel(dir: &Path, args: &[&str]) -> ExitCode {
    let mut argv: Vec<OsString> = vec!["remodel".into(), "-C".into(), dir.into()];
    argv.extend(args.iter().map(OsString::from));
    remodel_cli::main(argv)
}

#[test]
fn remodel_project_with_history_has_no_pending_changes() {
    for (n, apps, history) in [(10, 10, 50), (30, 3, 7)] {
        let tmp = tempfile::tempdir().unwrap();
        let p = schema::generate(n, apps, history);
        write_all(&p, tmp.path()).unwrap();
        let dir = tmp.path().join("remodel");
        assert_eq!(
            remodel(&dir, &["makemigrations", "--check"]),
            ExitCode::SUCCESS,
            "{n} models, {history} migrations/app"
        );
    }
}

#[test]
fn added_field_is_a_pending_change() {
    let tmp = tempfile::tempdir().unwrap();
    let mut p = schema::generate(10, 10, 4);
    write_all(&p, tmp.path()).unwrap();
    add_field(&mut p);
    rewrite_models(&p, tmp.path(), 0).unwrap();
    let dir = tmp.path().join("remodel");
    assert_eq!(
        remodel(&dir, &["makemigrations", "--check"]),
        ExitCode::from(1)
    );
    assert_eq!(remodel(&dir, &["makemigrations"]), ExitCode::SUCCESS);
    let written: Vec<_> = std::fs::read_dir(dir.join("migrations").join("app00"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("0005_"))
        .collect();
    assert_eq!(written.len(), 1);
    let text = std::fs::read_to_string(written[0].path()).unwrap();
    assert!(
        text.contains("op = \"AddField\"") && text.contains(ADDED_FIELD),
        "{text}"
    );
}

/// The files written directly mean what remodel's own makemigrations writes.
#[test]
fn initial_files_are_what_remodel_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let p = schema::generate(40, 4, 1);
    write_all(&p, tmp.path()).unwrap();
    let dir = tmp.path().join("remodel");
    let ours = tmp.path().join("ours");
    std::fs::rename(dir.join("migrations"), &ours).unwrap();
    assert_eq!(remodel(&dir, &["makemigrations"]), ExitCode::SUCCESS);
    for a in 0..p.apps {
        let read = |base: &Path| -> toml::Value {
            let text =
                std::fs::read_to_string(base.join(app_label(a)).join("0001_initial.toml")).unwrap();
            toml::from_str(&text).unwrap()
        };
        assert_eq!(read(&ours), read(&dir.join("migrations")), "app {a}");
    }
}

/// `(table, column)` pairs of remodel's scanned schema.
fn remodel_columns(dir: &Path) -> BTreeSet<(String, String)> {
    let project = remodel_cli::Project::find(Some(dir)).unwrap();
    let scan = remodel_cli::scan::scan(&project).unwrap();
    let schema = remodel_cli::scan::resolve(&project, &scan, vec!["sqlite".into()]).unwrap();
    schema
        .tables
        .values()
        .flat_map(|t| {
            let table = t.table_name();
            t.fields
                .iter()
                .map(move |f| (table.clone(), f.column_name().to_string()))
        })
        .collect()
}

/// `(table, column)` pairs of generated Python classes: `table_marker` names
/// the line giving the table, `field_marker` the assignments that are columns.
fn python_columns(
    text: &str,
    table_marker: &str,
    field_marker: &str,
) -> BTreeSet<(String, String)> {
    let mut classes: Vec<(Option<String>, Vec<String>)> = Vec::new();
    for line in text.lines() {
        if line.starts_with("class ") {
            classes.push((None, Vec::new()));
        }
        let Some((table, columns)) = classes.last_mut() else {
            continue;
        };
        let t = line.trim();
        if let Some(rest) = t.strip_prefix(table_marker) {
            *table = Some(rest.trim().trim_matches('"').to_string());
        } else if line.starts_with("    ")
            && !line.starts_with("     ")
            && let Some((name, value)) = t.split_once(" = ")
            && value.starts_with(field_marker)
        {
            let column = if value.starts_with("models.ForeignKey") {
                format!("{name}_id")
            } else {
                name.to_string()
            };
            columns.push(column);
        }
    }
    classes
        .into_iter()
        .flat_map(|(t, cols)| {
            let t = t.expect("a class without a table");
            cols.into_iter().map(move |c| (t.clone(), c))
        })
        .collect()
}

#[test]
fn the_three_projects_name_the_same_tables_and_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let p = schema::generate(30, 10, 7);
    write_all(&p, tmp.path()).unwrap();
    let expected = remodel_columns(&tmp.path().join("remodel"));
    assert_eq!(
        expected
            .iter()
            .map(|(t, _)| t)
            .collect::<BTreeSet<_>>()
            .len(),
        30
    );
    let mut django = BTreeSet::new();
    let mut alchemy = BTreeSet::new();
    for a in 0..p.apps {
        let label = app_label(a);
        let text =
            std::fs::read_to_string(tmp.path().join("django").join(&label).join("models.py"))
                .unwrap();
        django.extend(python_columns(&text, "db_table = ", "models."));
        let text = std::fs::read_to_string(
            tmp.path()
                .join("alembic")
                .join("bench_models")
                .join(format!("{label}.py")),
        )
        .unwrap();
        alchemy.extend(python_columns(&text, "__tablename__ = ", "mapped_column("));
    }
    assert_eq!(django, expected);
    assert_eq!(alchemy, expected);
}

/// The Python files compile, when a python3 is at hand.
#[test]
fn python_files_compile() {
    let tmp = tempfile::tempdir().unwrap();
    write_all(&schema::generate(10, 10, 4), tmp.path()).unwrap();
    let Ok(out) = std::process::Command::new("python3")
        .args(["-m", "compileall", "-q"])
        .arg(tmp.path())
        .output()
    else {
        eprintln!("python3 not found: skipping the compile check of the Python files");
        return;
    };
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
