//! Nothing a table holds is lost: tables made outside remodel, adopted with
//! `inspectdb`, keep every fact through later migrations and their
//! unapply — their key forms, key names, constraint names — read straight
//! from the catalog with SQL (`remodel_testkit::facts`), and their rows.

use crate::{BIN, TestProject};
use remodel_dialect::DialectKind;
use remodel_testkit::facts::{Facts, all_rows, facts};

/// Adopts what the database holds: `inspectdb` as the crate, the initial
/// migration, recorded with `--fake`, and `check` clean. Returns the
/// structs printed.
fn adopt(p: &TestProject) -> String {
    let inspect = p.remodel(&["inspectdb", "--app", "legacy"]);
    inspect.ok();
    p.write("src/lib.rs", &inspect.stdout);
    p.remodel(&["makemigrations"]).ok();
    p.remodel(&["migrate", "--fake"]).ok();
    let check = p.remodel(&["check"]);
    check.ok();
    assert_eq!(
        check.stdout,
        "No drift: the database matches the 1 applied migration.\n"
    );
    inspect.stdout
}

/// The facts that differ, marked `-` (before) and `+` (after).
fn changed(before: &Facts, after: &Facts) -> Vec<String> {
    before.diff(after)
}

/// Edits the structs (one replacement that must apply), writes the
/// migration and applies it; then unapplies it and requires the facts and
/// rows from before, and applies it again. Returns the facts after the
/// edit.
async fn edit_apply_unapply(p: &TestProject, from: &str, to: &str) -> Facts {
    let src = p.read("src/lib.rs");
    assert!(src.contains(from), "{from} in\n{src}");
    p.write("src/lib.rs", &src.replacen(from, to, 1));
    let before = facts(p).await;
    let rows = all_rows(p).await;
    p.remodel(&["makemigrations", "--name", "edit"]).ok();
    p.remodel(&["migrate"]).ok();
    let after = facts(p).await;
    assert_eq!(all_rows(p).await, rows, "rows are kept by the edit");
    p.remodel(&["migrate", "legacy", "0001"]).ok();
    assert_eq!(
        changed(&before, &facts(p).await),
        Vec::<String>::new(),
        "unapplying gives back every fact (- before, + after)"
    );
    assert_eq!(all_rows(p).await, rows, "rows are kept by the unapply");
    p.remodel(&["migrate"]).ok();
    assert_eq!(changed(&after, &facts(p).await), Vec::<String>::new());
    after
}

/// The SQLite tables of the report: row-id keys, an unnamed foreign key.
/// Widening a column rebuilds the table; the row id, the key's name and
/// the foreign key stay as they were, and an insert without an id works.
#[tokio::test]
async fn a_sqlite_row_id_key_survives_a_rebuild_and_its_unapply() {
    let p = crate::project();
    p.exec_script(
        "CREATE TABLE p (id INTEGER PRIMARY KEY);
         CREATE TABLE c (id INTEGER NOT NULL, name VARCHAR(10),
             p_id INTEGER NOT NULL REFERENCES p (id),
             CONSTRAINT PK_C PRIMARY KEY (id));
         INSERT INTO p (id) VALUES (1), (2);
         INSERT INTO c (id, name, p_id) VALUES (1, 'a', 1), (2, 'b', 2);",
    )
    .await;
    let structs = adopt(&p);
    for want in [
        "#[model(pk_name = \"PK_C\")]",
        "#[field(primary_key, auto = \"rowid\")]",
        "#[field(index = false, references = \"legacy.P\")]",
    ] {
        assert!(structs.contains(want), "{want} in\n{structs}");
    }
    let before = facts(&p).await;
    let after =
        edit_apply_unapply(&p, "#[field(max_length = 10)]", "#[field(max_length = 20)]").await;
    // Only the column's type changed.
    let diff = changed(&before, &after);
    assert_eq!(diff.len(), 2, "{diff:#?}");
    assert!(
        diff.iter().all(|l| l.contains("c: column name")),
        "{diff:#?}"
    );
    // Still a row id: an insert without an id is given one.
    p.exec("INSERT INTO c (name, p_id) VALUES ('c', 1)").await;
    assert_eq!(p.query("SELECT max(id) FROM c").await, [["3"]]);
    assert_eq!(p.remodel(&["check"]).code, 0);
}

/// A PostgreSQL `serial` that is not the key is read as `auto =
/// "sequence"`; a later migration and its unapply keep its sequence and
/// default, and the key keeps the name PostgreSQL gave it.
#[tokio::test]
async fn a_postgres_serial_beside_the_key_is_kept() {
    let Some(p) = TestProject::on(BIN, DialectKind::Postgres).await else {
        return;
    };
    p.exec_script(
        "CREATE TABLE s (id int PRIMARY KEY, n serial, label varchar(10));
         INSERT INTO s (id, label) VALUES (1, 'a'), (2, 'b');",
    )
    .await;
    let structs = adopt(&p);
    for want in [
        "#[model(pk_name = \"s_pkey\")]",
        "#[field(auto = \"sequence\")]\n    pub n: i32,",
    ] {
        assert!(structs.contains(want), "{want} in\n{structs}");
    }
    let sql = p.remodel(&["sqlmigrate", "legacy", "0001"]);
    sql.ok();
    assert!(
        sql.stdout.contains("\"n\" serial NOT NULL"),
        "{}",
        sql.stdout
    );
    let before = facts(&p).await;
    let after =
        edit_apply_unapply(&p, "#[field(max_length = 10)]", "#[field(max_length = 30)]").await;
    let diff = changed(&before, &after);
    assert_eq!(diff.len(), 2, "{diff:#?}");
    assert!(
        diff.iter().all(|l| l.contains("s: column label")),
        "{diff:#?}"
    );
    p.exec("INSERT INTO s (id) VALUES (3)").await;
    assert_eq!(p.query("SELECT n FROM s WHERE id = 3").await, [["3"]]);
}

/// One table whose definition remodel cannot parse: `inspectdb` and
/// `check` name it and read the others; asking for it, or a history that
/// created it, is an error.
#[tokio::test]
async fn a_table_remodel_cannot_read_is_named_and_skipped() {
    let p = crate::project();
    p.exec_script(
        "CREATE TABLE film (id INTEGER PRIMARY KEY, d BLOB SUB_TYPE TEXT);
         CREATE TABLE actor (id INTEGER PRIMARY KEY, name TEXT NOT NULL);",
    )
    .await;
    let run = p.remodel(&["inspectdb", "--app", "legacy"]);
    run.ok();
    assert!(run.stdout.contains("pub struct Actor {"), "{}", run.stdout);
    assert!(!run.stdout.contains("Film"), "{}", run.stdout);
    assert!(
        run.stderr
            .contains("warning: table film is skipped: remodel cannot parse its definition"),
        "{}",
        run.stderr
    );
    let asked = p.remodel(&["inspectdb", "--table", "film"]);
    crate::refused(
        &asked,
        1,
        &["--table film: remodel cannot parse its definition"],
    );
    // Adopted without it: check reads the rest and names it.
    p.write("src/lib.rs", &run.stdout);
    p.remodel(&["makemigrations"]).ok();
    p.remodel(&["migrate", "--fake"]).ok();
    let check = p.remodel(&["check"]);
    check.ok();
    assert!(
        check
            .stderr
            .contains("warning: table film is skipped: remodel cannot parse its definition"),
        "{}",
        check.stderr
    );
    // Once the history owns a table remodel cannot read, check refuses.
    p.exec("ALTER TABLE actor ADD COLUMN d BLOB SUB_TYPE TEXT")
        .await;
    let check = p.remodel(&["check"]);
    crate::refused(
        &check,
        1,
        &["cannot read table actor, which the applied migrations create"],
    );
}
