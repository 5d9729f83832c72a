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
