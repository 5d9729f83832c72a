//! The public sample databases (issue 13), each loaded into a database of
//! its own and adopted the way a user adopts an existing database:
//! `inspectdb --app legacy` as the crate's `src/lib.rs`, `makemigrations`
//! with no edit (the structs must be accepted as printed), `migrate
//! --fake`; then six edits of one table — add a column, add a NOT NULL
//! column with a default, rename it, widen a column, add an index, drop a
//! column — each migrated with the rows kept and every other fact of the
//! database unchanged (read with SQL, not through remodel), all unapplied
//! back to exactly the adopted database, and applied again.
//!
//! What no model can declare yet (a character set, a
//! GiST index…) makes `check` report it; the test requires that it is
//! *only* such facts, and that the edits, which do not restate them, keep
//! them. A test skips with one line when the sample scripts, the server or
//! its client is absent.

use crate::{BIN, TestProject};
use remodel_dialect::DialectKind;
use remodel_testkit::facts::{Facts, all_rows, facts, facts_now, rows_now};
use remodel_testkit::realworld::{Sample, project_with};
use std::collections::BTreeMap;

/// The table the edits change, by its struct, and two of its fields: one
/// whose type is widened, one that gets an index.
struct Target {
    table: String,
    strukt: &'static str,
    widen: &'static str,
    index: &'static str,
}

fn target(sample: Sample, kind: DialectKind) -> Target {
    let t = |table: &str, strukt: &'static str, widen: &'static str, index: &'static str| Target {
        table: table.into(),
        strukt,
        widen,
        index,
    };
    match (sample, kind) {
        // Chinook's PostgreSQL script names its tables in snake_case.
        (Sample::Chinook, DialectKind::Postgres) => {
            t("invoice", "Invoice", "total", "billing_city")
        }
        (Sample::Chinook, _) => t("Invoice", "Invoice", "total", "billing_city"),
        // PostgreSQL refuses to change a column a view uses, and Sakila's
        // views use most of actor. address has a foreign key with ON
        // UPDATE CASCADE, which a SQLite rebuild must keep.
        (Sample::Sakila, DialectKind::Mysql) => t("actor", "Actor", "first_name", "first_name"),
        (Sample::Sakila, _) => t("address", "Address", "district", "postal_code"),
        // Pagila's strings are text, with no length to widen.
        (Sample::Pagila, _) => t("film", "Film", "replacement_cost", "length"),
    }
}

/// The source with `edit` applied to field `field` of struct `strukt`:
/// its attribute lines and its own line, given as one text.
fn edit_field(src: &str, strukt: &str, field: &str, edit: impl Fn(&str) -> String) -> String {
    let start = src
        .find(&format!("pub struct {strukt} {{"))
        .unwrap_or_else(|| panic!("struct {strukt} in\n{src}"));
    let end = start + src[start..].find("\n}\n").expect("the struct ends");
    let lines: Vec<&str> = src[start..end].split('\n').collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with(&format!("    pub {field}: ")))
        .unwrap_or_else(|| panic!("field {field} in\n{}", &src[start..end]));
    // Its attributes: the lines above it up to the previous field.
    let mut first = at;
    while first > 1 && !lines[first - 1].starts_with("    pub ") && !lines[first - 1].ends_with('{')
    {
        first -= 1;
    }
    let old = lines[first..=at].join("\n");
    let new = edit(&old);
    assert_ne!(old, new, "the edit of {strukt}.{field} changed nothing");
    let mut out: Vec<String> = lines[..first].iter().map(|l| l.to_string()).collect();
    out.push(new);
    out.extend(lines[at + 1..].iter().map(|l| l.to_string()));
    format!("{}{}{}", &src[..start], out.join("\n"), &src[end..])
}

/// A field appended to struct `strukt`.
fn add_field(src: &str, strukt: &str, field: &str) -> String {
    let start = src.find(&format!("pub struct {strukt} {{")).unwrap();
    let end = start + src[start..].find("\n}\n").unwrap();
    format!("{}\n{field}{}", &src[..end], &src[end..])
}

/// Widens a length or a precision in a field's attributes: `max_length =
/// 20` → 40, `max_digits = 10` → 12, `sql_type = "NUMERIC(10,2)"` → 12.
fn widen(text: &str) -> String {
    let number_after = |s: &str, key: &str| -> Option<(usize, usize, u32)> {
        let at = s.find(key)? + key.len();
        let digits: String = s[at..].chars().take_while(char::is_ascii_digit).collect();
        Some((at, at + digits.len(), digits.parse().ok()?))
    };
    if let Some((a, b, n)) = number_after(text, "max_length = ") {
        return format!("{}{}{}", &text[..a], n * 2, &text[b..]);
    }
    if let Some((a, b, n)) = number_after(text, "max_digits = ") {
        return format!("{}{}{}", &text[..a], n + 2, &text[b..]);
    }
    // A precision in a raw type: the first `(` followed by digits.
    for (at, _) in text.match_indices('(') {
        if let Some((a, b, n)) = number_after(&text[at..], "(") {
            return format!("{}{}{}", &text[..at + a], n + 2, &text[at + b..]);
        }
    }
    text.to_string()
}

/// The facts that differ, marked `-` (before) and `+` (after).
fn changed(before: &Facts, after: &Facts) -> Vec<String> {
    before.diff(after)
}

/// Asserts that only `table`'s facts differ, each about one of `about`.
#[track_caller]
fn only_changed(before: &Facts, after: &Facts, table: &str, about: &[&str], step: &str) {
    let diff = changed(before, after);
    assert!(!diff.is_empty(), "{step}: nothing changed");
    for line in &diff {
        let lower = line.to_lowercase();
        assert!(
            lower[2..].starts_with(&format!("{}:", table.to_lowercase()))
                && about.iter().any(|a| lower.contains(&a.to_lowercase())),
            "{step}: a fact changed that the edit does not touch: {line}\nall changes:\n  {}",
            diff.join("\n  ")
        );
    }
}

async fn adopt_and_edit(sample: Sample, kind: DialectKind) {
    let Some(mut p) = project_with(BIN, sample, kind).await else {
        return;
    };
    // What no model can declare yet stays drift (it is compared below,
    // with everything else, as facts read with SQL).
    p.tolerate_unmodelled();
    let loaded = facts(&p).await;
    let rows = all_rows(&p).await;
    assert!(
        loaded.tables().len() >= 11,
        "the sample did not load:\n{loaded}"
    );

    // Adopted: the structs are accepted as printed, and nothing is touched.
    let inspect = p.remodel(&["inspectdb", "--app", "legacy"]);
    inspect.ok();
    let warnings = inspect.stderr.matches("warning:").count();
    p.write("src/lib.rs", &inspect.stdout);
    let made = p.remodel(&["makemigrations", "--name", "initial"]);
    made.ok();
    p.remodel(&["migrate", "--fake"]).ok();
    let check = p.remodel(&["check"]);
    let facts_no_model_declares: Vec<&str> = check
        .stdout
        .lines()
        .filter(|l| l.starts_with("  ") && l.contains("which no model can declare"))
        .collect();
    let other_drift: Vec<&str> = check
        .stdout
        .lines()
        .skip_while(|l| *l != "What differs:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter(|l| !l.contains("which no model can declare"))
        .collect();
    println!(
        "{} on {}: inspectdb {warnings} warnings; structs accepted; check exit {} with {} facts no model can declare",
        sample.name(),
        kind.name(),
        check.code,
        facts_no_model_declares.len()
    );
    assert!(
        other_drift.is_empty(),
        "check finds drift beyond what no model can declare:\n{}",
        check.stdout
    );
    assert_eq!(changed(&loaded, &facts(&p).await), Vec::<String>::new());
    assert_eq!(all_rows(&p).await, rows);

    // Six edits of one table, each its own migration.
    let t = target(sample, kind);
    let src = || p.read("src/lib.rs");
    step(
        &p,
        &t,
        "add_note",
        add_field(
            &src(),
            t.strukt,
            "    #[field(max_length = 30)]\n    pub note: Option<String>,",
        ),
        &["note", "columns:"],
    );
    step(
        &p,
        &t,
        "add_flag",
        add_field(
            &src(),
            t.strukt,
            "    #[field(default = true)]\n    pub flag: bool,",
        ),
        &["flag", "columns:"],
    );
    step(
        &p,
        &t,
        "rename_note",
        src().replacen(
            "    #[field(max_length = 30)]\n    pub note: Option<String>,",
            "    #[field(max_length = 30, renamed_from = \"note\")]\n    pub remark: Option<String>,",
            1,
        ),
        &["note", "remark", "columns:"],
    );
    step(
        &p,
        &t,
        "widen",
        edit_field(&src(), t.strukt, t.widen, widen),
        &[t.widen],
    );
    let indexed = edit_field(&src(), t.strukt, t.index, |text| {
        if text.contains("#[field(") {
            text.replacen("#[field(", "#[field(index, ", 1)
        } else {
            format!("    #[field(index)]\n{text}")
        }
    });
    step(&p, &t, "index", indexed, &[t.index, "_idx"]);
    step(
        &p,
        &t,
        "drop_flag",
        src().replacen("    #[field(default = true)]\n    pub flag: bool,\n", "", 1),
        &["flag", "columns:"],
    );
    let edited = facts(&p).await;

    // All unapplied: exactly the adopted database, rows and all.
    p.remodel(&["migrate", "legacy", "0001"]).ok();
    assert_eq!(
        changed(&loaded, &facts(&p).await),
        Vec::<String>::new(),
        "unapplying the edits gives back the adopted database (- loaded, + now)"
    );
    assert_eq!(all_rows(&p).await, rows, "rows kept through the unapply");
    // And applied again.
    p.remodel(&["migrate"]).ok();
    assert_eq!(changed(&edited, &facts(&p).await), Vec::<String>::new());
    let now: BTreeMap<_, _> = all_rows(&p)
        .await
        .into_iter()
        .filter(|(table, _)| *table != t.table)
        .collect();
    let kept: BTreeMap<_, _> = rows
        .into_iter()
        .filter(|(table, _)| *table != t.table)
        .collect();
    assert_eq!(now, kept, "other tables' rows are untouched");
    println!(
        "{} on {}: 6 edits applied, unapplied and re-applied; {} facts and {} rows in {} tables compared, all kept",
        sample.name(),
        kind.name(),
        loaded.lines().len(),
        kept.values().map(Vec::len).sum::<usize>(),
        loaded.tables().len(),
    );
}

/// One edit: the new source, its migration, migrated; only `about` changed
/// in the edited table's facts, and its rows are as many as before.
fn step(p: &TestProject, t: &Target, name: &str, new: String, about: &[&str]) {
    p.write("src/lib.rs", &new);
    let before = facts_now(p);
    let rows_before = rows_now(p, &t.table);
    let run = p.remodel(&["makemigrations", "--name", name]);
    run.ok();
    assert!(
        run.stdout.contains(&format!("_{name}.toml")),
        "{name}: {}",
        run.stdout
    );
    p.remodel(&["migrate"]).ok();
    only_changed(&before, &facts_now(p), &t.table, about, name);
    assert_eq!(
        rows_now(p, &t.table).len(),
        rows_before.len(),
        "{name}: rows kept"
    );
}

#[tokio::test]
async fn chinook_on_sqlite() {
    adopt_and_edit(Sample::Chinook, DialectKind::Sqlite).await;
}

#[tokio::test]
async fn chinook_on_postgres() {
    adopt_and_edit(Sample::Chinook, DialectKind::Postgres).await;
}

#[tokio::test]
async fn chinook_on_mysql() {
    adopt_and_edit(Sample::Chinook, DialectKind::Mysql).await;
}

#[tokio::test]
async fn sakila_on_sqlite() {
    adopt_and_edit(Sample::Sakila, DialectKind::Sqlite).await;
}

#[tokio::test]
async fn sakila_on_postgres() {
    adopt_and_edit(Sample::Sakila, DialectKind::Postgres).await;
}

#[tokio::test]
async fn sakila_on_mysql() {
    adopt_and_edit(Sample::Sakila, DialectKind::Mysql).await;
}

#[tokio::test]
async fn pagila_on_postgres() {
    adopt_and_edit(Sample::Pagila, DialectKind::Postgres).await;
}
