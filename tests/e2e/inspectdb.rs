//! `remodel inspectdb` round trip on every database: a schema built by
//! plain SQL (`fixtures/inspected/schema/<dialect>.sql`, with names, types
//! and spellings remodel does not write) → inspectdb → the structs (kept in
//! `fixtures/inspected/src/<dialect>.rs`, which the workspace compiles) →
//! makemigrations → `migrate --fake-initial` records the initial migration
//! without running it → `check` finds no drift and makemigrations nothing
//! more to do.

use crate::{BIN, TestProject};
use remodel_dialect::DialectKind;

async fn round_trip(kind: DialectKind) {
    let Some(p) = TestProject::on(BIN, kind).await else {
        return;
    };
    let fixture = remodel_testkit::workspace_root().join("fixtures/inspected");
    let schema = std::fs::read_to_string(fixture.join(format!("schema/{}.sql", kind.name())))
        .expect("the schema script");
    p.exec_script(&schema).await;

    let run = p.remodel(&["inspectdb", "--app", "legacy"]);
    run.ok();
    let kept = fixture.join(format!("src/{}.rs", kind.name()));
    if std::env::var_os("REMODEL_UPDATE_INSPECTED").is_some() {
        std::fs::write(&kept, &run.stdout).expect("update the fixture");
    }
    assert_eq!(
        run.stdout,
        std::fs::read_to_string(&kept).expect("the kept structs"),
        "inspectdb's output differs from {} (REMODEL_UPDATE_INSPECTED=1 rewrites it)",
        kept.display()
    );

    p.write("src/lib.rs", &run.stdout);
    let run = p.remodel(&["makemigrations"]);
    run.ok();
    assert!(
        run.stdout.contains("migrations/legacy/0001_initial.toml"),
        "{}",
        run.stdout
    );
    let run = p.remodel(&["migrate", "--fake-initial"]);
    run.ok();
    assert!(
        run.stdout.contains("Applying legacy.0001_initial... FAKED"),
        "{}",
        run.stdout
    );
    let run = p.remodel(&["check"]);
    run.ok();
    assert_eq!(
        run.stdout,
        "No drift: the database matches the 1 applied migration.\n"
    );
    let run = p.remodel(&["makemigrations", "--check"]);
    run.ok();
    assert_eq!(run.stdout, "No changes detected\n");
}

#[tokio::test]
async fn inspectdb_round_trip_on_sqlite() {
    round_trip(DialectKind::Sqlite).await;
}

#[tokio::test]
async fn inspectdb_round_trip_on_postgres() {
    round_trip(DialectKind::Postgres).await;
}

#[tokio::test]
async fn inspectdb_round_trip_on_mysql() {
    round_trip(DialectKind::Mysql).await;
}

#[tokio::test]
async fn inspectdb_prints_the_tables_asked_for_and_refuses_unknown_ones() {
    let p = crate::project();
    let run = p.remodel(&["inspectdb"]);
    crate::refused(&run, 1, &["does not exist, so there is nothing to inspect"]);
    assert!(!p.exists("db.sqlite3"), "inspectdb created the database");

    p.write("remodel.toml", "ignore_tables = [\"apscheduler_*\"]\n");
    p.exec_script(
        "CREATE TABLE author (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
         CREATE TABLE book (id INTEGER PRIMARY KEY, title TEXT NOT NULL);
         CREATE TABLE apscheduler_jobs (id VARCHAR(191) NOT NULL PRIMARY KEY);",
    )
    .await;
    let run = p.remodel(&["inspectdb", "--table", "book"]);
    run.ok();
    assert!(run.stdout.contains("pub struct Book {"), "{}", run.stdout);
    assert!(
        run.stdout.contains("#[model(app = \"shop\")]"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("Author"), "{}", run.stdout);

    let run = p.remodel(&["inspectdb"]);
    run.ok();
    assert!(run.stdout.contains("pub struct Author {"), "{}", run.stdout);
    assert!(
        !run.stdout.contains("Apscheduler"),
        "ignored: {}",
        run.stdout
    );

    let run = p.remodel(&["inspectdb", "--table", "bok"]);
    crate::refused(
        &run,
        2,
        &["--table bok: the database has no such table; did you mean 'book'?"],
    );
    let run = p.remodel(&["inspectdb", "--app", "no-such"]);
    crate::refused(&run, 2, &["--app `no-such` is not an app label"]);
}

/// What the printed structs cannot say is named on stderr, each with what
/// to do: no primary key, no declared type, an expression index, a
/// generated column, an unsigned auto-increment key (MySQL).
#[tokio::test]
async fn inspectdb_warns_about_what_the_structs_leave_out() {
    let p = crate::project();
    p.exec_script(
        "CREATE TABLE loose (a TEXT, b);
         CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL,
             upper_name TEXT GENERATED ALWAYS AS (upper(name)) VIRTUAL);
         CREATE INDEX item_lower ON item (lower(name));",
    )
    .await;
    let run = p.remodel(&["inspectdb"]);
    run.ok();
    for warning in [
        "warning: loose: the table has no primary key, which every model needs",
        "warning: loose: column b has no declared type, which no model can declare",
        "warning: item: index item_lower is `CREATE INDEX item_lower ON item (lower(name))`, which no model can declare; it is left out (a RunSql migration can create it)",
        "warning: item: column upper_name is a generated column of type TEXT, which no model can declare",
    ] {
        assert!(
            run.stderr.contains(warning),
            "lacks {warning:?}:\n{}",
            run.stderr
        );
    }
    assert!(!run.stdout.contains("upper_name"), "{}", run.stdout);
}

#[tokio::test]
async fn inspectdb_gives_unsigned_columns_unsigned_types_on_mysql() {
    let Some(p) = TestProject::on(BIN, DialectKind::Mysql).await else {
        return;
    };
    p.exec_script(
        "CREATE TABLE counter (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, hits BIGINT UNSIGNED NOT NULL);",
    )
    .await;
    let run = p.remodel(&["inspectdb"]);
    run.ok();
    assert!(run.stdout.contains("pub hits: u64,"), "{}", run.stdout);
    assert!(run.stdout.contains("pub id: u32,"), "{}", run.stdout);
    assert!(
        run.stderr.contains("warning: counter: column id is int unsigned with auto-increment, which no model can declare"),
        "{}",
        run.stderr
    );
}
