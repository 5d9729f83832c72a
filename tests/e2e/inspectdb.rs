//! `remodel inspectdb` round trip on every database: a schema built by
//! plain SQL (`fixtures/inspected/schema/<dialect>.sql`, with names, types
//! and spellings remodel does not write, and objects that are not tables)
//! → inspectdb, which warns about what it cannot print → the structs (kept
//! in `fixtures/inspected/src/<dialect>.rs`, which the workspace compiles)
//! → makemigrations accepts them as printed → `migrate --fake-initial`
//! records the initial migration without running it → `check` finds no
//! drift and makemigrations nothing more to do.

use crate::{BIN, TestProject};
use remodel_dialect::DialectKind;

/// What makemigrations says about a NOT NULL column whose foreign key sets
/// NULL (the fixtures of SQLite and PostgreSQL have one; MySQL cannot).
const SET_NULL_WARNING: &str = "warning: field `order_id` is NOT NULL (not an Option) but on_delete = \"set_null\": deleting a referenced row fails instead of setting it to NULL";

async fn round_trip(kind: DialectKind, warnings: &[&str], silent_about: &[&str]) {
    let Some(p) = TestProject::on(BIN, kind).await else {
        return;
    };
    let fixture = remodel_testkit::workspace_root().join("fixtures/inspected");
    let schema = std::fs::read_to_string(fixture.join(format!("schema/{}.sql", kind.name())))
        .expect("the schema script");
    p.exec_script(&schema).await;

    let run = p.remodel(&["inspectdb", "--app", "legacy"]);
    run.ok();
    for warning in warnings {
        assert!(
            run.stderr.contains(warning),
            "lacks {warning:?}:\n{}",
            run.stderr
        );
    }
    for name in silent_about {
        assert!(!run.stderr.contains(name), "{name}:\n{}", run.stderr);
    }
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
    assert_eq!(
        run.stderr.contains(SET_NULL_WARNING),
        kind != DialectKind::Mysql,
        "{}",
        run.stderr
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
    round_trip(
        DialectKind::Sqlite,
        &[
            "warning: InvoiceLine: column order_id is NOT NULL but its foreign key is ON DELETE SET NULL: deleting a referenced row fails instead of setting it to NULL; printed as the database has it",
            "warning: view customer_names is left out: no model can declare it (a RunSql migration can create it)",
            "warning: trigger order_touch on table order is left out: no model can declare it (a RunSql migration can create it)",
        ],
        &[],
    )
    .await;
}

#[tokio::test]
async fn inspectdb_round_trip_on_postgres() {
    round_trip(
        DialectKind::Postgres,
        &[
            "warning: InvoiceLine: column order_id is NOT NULL but its foreign key is ON DELETE SET NULL",
            "warning: InvoiceLine: column tags is an array (text[]), which no model type covers; it is printed as Vec<String> with sql_type = \"text[]\", which only PostgreSQL can create",
            "warning: InvoiceLine: column counts is an array (integer[]), which no model type covers; it is printed as Vec<i32>",
            "warning: view customer_names is left out: no model can declare it (a RunSql migration can create it)",
            "warning: function order_total(bigint) is left out",
            "warning: function touch() is left out",
            "warning: trigger order_touch on table order is left out",
            "warning: enum type mpaa_rating is left out: no model can declare it (a RunSql migration must create it before the tables that use it, whose columns keep it as their sql_type)",
            "warning: domain year is left out",
            "warning: sequence ticket_seq, which no column owns, is left out",
            "warning: partition event_log_2024 of table event_log (FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')) is not printed",
        ],
        // Sequences owned by a serial column, and plpgsql, are not objects to
        // warn about; nor is the partitioned table its struct declares.
        &[
            "InvoiceLine_InvoiceLineId_seq",
            "customer_id_seq",
            "plpgsql",
            "is partitioned",
        ],
    )
    .await;
}

#[tokio::test]
async fn inspectdb_round_trip_on_mysql() {
    round_trip(
        DialectKind::Mysql,
        &[
            "warning: view customer_names is left out",
            "warning: trigger order_touch on table order is left out",
            "warning: function order_total is left out",
            "warning: procedure noop is left out",
            "warning: event tidy is left out",
            "warning: table event_log is partitioned (PARTITION BY RANGE (",
            "warning: partition p2024 of table event_log (2025) is not printed",
            "warning: partition pmax of table event_log (MAXVALUE) is not printed",
        ],
        // One index name on two tables is fine where the dialects are only
        // MySQL's.
        &["the name `idx_placed`"],
    )
    .await;
}

/// What PostgreSQL allows and the structs cannot say as printed: tables
/// that inherit from another are not printed (they are objects), and a
/// CHECK name two tables share is a clash makemigrations refuses (names
/// of checks are unique per schema for every dialect), so inspectdb warns.
#[tokio::test]
async fn inspectdb_warns_about_inherited_tables_and_shared_check_names_on_postgres() {
    let Some(p) = TestProject::on(BIN, DialectKind::Postgres).await else {
        return;
    };
    p.exec_script(
        "CREATE TABLE payment (id integer PRIMARY KEY, amount integer CONSTRAINT positive CHECK (amount > 0));
         CREATE TABLE payment_2007 () INHERITS (payment);
         CREATE TABLE refund (id integer PRIMARY KEY, amount integer CONSTRAINT positive CHECK (amount > 0));",
    )
    .await;
    let run = p.remodel(&["inspectdb", "--app", "legacy"]);
    run.ok();
    assert!(
        run.stdout.contains("pub struct Payment {"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("pub struct Refund {"), "{}", run.stdout);
    assert!(!run.stdout.contains("Payment2007"), "{}", run.stdout);
    for warning in [
        "warning: table payment_2007 inherits from table payment and is not printed: no model can declare it (a RunSql migration can create it)",
        "warning: the name `positive` is used by legacy.Payment (check `amount > 0`) and by legacy.Refund (check `amount > 0`), but must be unique in the schema for the dialects postgres; makemigrations refuses the structs until one is renamed in the database (then run inspectdb again)",
    ] {
        assert!(
            run.stderr.contains(warning),
            "lacks {warning:?}:\n{}",
            run.stderr
        );
    }
    p.write("src/lib.rs", &run.stdout);
    let run = p.remodel(&["makemigrations"]);
    crate::refused(&run, 1, &["the name `positive` is used by legacy.Payment"]);
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
/// to do: no primary key, no declared type. An expression index and a
/// generated column are printed as the model says them.
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
    ] {
        assert!(
            run.stderr.contains(warning),
            "lacks {warning:?}:\n{}",
            run.stderr
        );
    }
    assert!(
        run.stdout
            .contains("#[field(generated = \"upper(name)\")]\n    pub upper_name: Option<String>,"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains(r#"index(name = "item_lower", expressions("lower(name)"))"#),
        "{}",
        run.stdout
    );
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
    // An unsigned auto-increment key is an auto key of an unsigned type.
    assert!(
        run.stdout
            .contains("#[field(primary_key)]\n    pub id: u32,"),
        "{}",
        run.stdout
    );
    assert!(!run.stderr.contains("auto-increment"), "{}", run.stderr);
    p.write("src/lib.rs", &run.stdout);
    p.remodel(&["makemigrations"]).ok();
    p.remodel(&["migrate", "--fake"]).ok();
    let check = p.remodel(&["check"]);
    assert_eq!(check.code, 0, "{}", check.stdout);
}
