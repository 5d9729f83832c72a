//! Upgrading is safe: a project and its databases made by the previous
//! release stay clean under the current remodel. `fixtures/upgrade_0_1_0`
//! is a project whose migrations remodel 0.1.0 (commit 16e6af5) wrote, and
//! `made_by_0_1_0/` holds, per database, what 0.1.0 left there (see the
//! fixture's README). Each test loads one of those into the project's own
//! scratch database and requires, with the current binary: no new
//! migration, no drift, no checksum change, every migration applied and
//! shown as such, nothing to migrate, every migration's SQL; then edits of
//! the models each written as exactly one migration of exactly that
//! operation, applied with no drift, and unapplied back to the old
//! database (its facts and rows read with SQL), still clean; last, the
//! whole history unapplied and applied again by the current code, giving
//! the database 0.1.0 made.

use crate::{BIN, TestProject};
use remodel_dialect::DialectKind;
use remodel_testkit::facts::{all_rows, facts};
use std::collections::BTreeMap;

const FIXTURE: &str = "upgrade_0_1_0";

/// Every migration 0.1.0 wrote for the fixture, in the order its history
/// records them.
const MIGRATIONS: [&str; 12] = [
    "catalog.0001_initial",
    "catalog.0002_renames",
    "catalog.0003_changes",
    "catalog.0004_stock",
    "misc.0001_initial",
    "misc.0002_sample_sample_big_idx",
    "misc.0003_seed_settings",
    "misc.0004_renames",
    "misc.0005_changes",
    "sales.0001_initial",
    "sales.0002_renames",
    "sales.0003_changes",
];

fn fixture_dir() -> std::path::PathBuf {
    remodel_testkit::workspace_root()
        .join("fixtures")
        .join(FIXTURE)
}

/// A script of `made_by_0_1_0/`.
fn made_by_0_1_0(script: &str) -> String {
    let path = fixture_dir().join("made_by_0_1_0").join(script);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// A copy of the fixture on a fresh database of `kind`, holding what
/// 0.1.0 left there (`script`); `None` when the server is not configured.
async fn upgraded(kind: DialectKind, script: &str) -> Option<TestProject> {
    let p = TestProject::fixture_on(BIN, FIXTURE, kind).await?;
    p.exec_script(&made_by_0_1_0(script)).await;
    Some(p)
}

/// The migration files and their text.
fn migration_files(p: &TestProject) -> BTreeMap<String, String> {
    p.files("migrations")
        .into_iter()
        .map(|f| {
            let text = p.read(&f);
            (f, text)
        })
        .collect()
}

/// Requires the database to hold exactly the fixture's history, applied,
/// with the checksums the current code computes for the files 0.1.0 wrote.
async fn assert_history_matches_files(p: &TestProject) {
    let rows = p
        .query("SELECT app, name, checksum, state FROM remodel_migrations ORDER BY id")
        .await;
    let keys: Vec<String> = rows.iter().map(|r| format!("{}.{}", r[0], r[1])).collect();
    assert_eq!(keys, MIGRATIONS, "the history 0.1.0 recorded");
    let (graph, _) = remodel_migrate::Graph::load(p.path(), &p.path().join("migrations"))
        .unwrap_or_else(|e| panic!("the files 0.1.0 wrote load: {e:?}"));
    assert_eq!(
        graph.migrations.len(),
        MIGRATIONS.len(),
        "one file per history row"
    );
    for row in &rows {
        let key = format!("{}.{}", row[0], row[1]);
        assert_eq!(row[3], "applied", "{key}: state");
        let file = graph
            .get(&key)
            .unwrap_or_else(|| panic!("{key}: no migration file"));
        assert_eq!(
            file.checksum, row[2],
            "{key}: the checksum the current code computes differs from the one 0.1.0 recorded"
        );
    }
}

/// Requires the current binary to see nothing to do and nothing wrong.
fn assert_clean(p: &TestProject, applied: usize) {
    let run = p.remodel(&["makemigrations", "--check"]);
    run.ok();
    assert_eq!(run.stdout, "No changes detected\n", "{}", run.stderr);

    let run = p.remodel(&["makemigrations", "--from-db", "--check"]);
    run.ok();
    assert_eq!(run.stdout, "No changes detected\n", "{}", run.stderr);

    let run = p.remodel(&["check"]);
    run.ok();
    assert_eq!(
        run.stdout,
        format!("No drift: the database matches the {applied} applied migrations.\n"),
        "{}",
        run.stderr
    );

    let run = p.remodel(&["showmigrations"]);
    run.ok();
    let marks: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with(' ')).collect();
    assert_eq!(marks.len(), applied, "{}", run.stdout);
    for line in marks {
        assert!(
            line.starts_with(" [X] ") && !line.contains('('),
            "every migration applied and unchanged: {line:?}\n{}",
            run.stdout
        );
    }

    // The drift check after it is TestProject's.
    let run = p.remodel(&["migrate"]);
    run.ok();
    assert!(
        run.stdout.ends_with("  No migrations to apply.\n"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
}

/// Every migration's SQL, both ways, for the project's database.
fn assert_sqlmigrate(p: &TestProject) {
    for key in MIGRATIONS {
        let (app, name) = key.split_once('.').unwrap();
        for backwards in [false, true] {
            let mut args = vec!["sqlmigrate", app, name];
            if backwards {
                args.push("--backwards");
            }
            let run = p.remodel(&args);
            assert_eq!(
                run.code,
                0,
                "sqlmigrate {key}{}:\n{}",
                if backwards { " --backwards" } else { "" },
                run.stderr
            );
            assert!(!run.stdout.trim().is_empty(), "sqlmigrate {key}: no SQL");
        }
    }
}

/// Rows in the tables the edits rebuild or restate, and in those that
/// reference them, so that the edits carry data (the history seeded
/// `setting` already).
const ROWS: [&str; 8] = [
    "INSERT INTO category (slug, title) VALUES ('tools', 'Tools')",
    "INSERT INTO product (sku, name, category_id, stock) VALUES ('T-1', 'Hammer', 1, 3)",
    "INSERT INTO tag (code) VALUES ('new')",
    "INSERT INTO product_tag (product_id, tag_code) VALUES (1, 'new')",
    "INSERT INTO client (id, email) VALUES (7, 'a@example.com')",
    "INSERT INTO orders (customer_id, number, total) VALUES (7, 1, 9.5)",
    "INSERT INTO order_line (order_id, product_id) VALUES (1, 1)",
    "INSERT INTO sample (body, data, doc, color) VALUES ('text', '', '{\"a\": 1}', '#00ff00')",
];

/// One edit of the models with the current binary: the file it writes.
struct Edit {
    /// The source file and the text replaced in it.
    source: &'static str,
    from: &'static str,
    to: &'static str,
    /// What makemigrations prints and the one file it writes.
    stdout: &'static str,
    path: &'static str,
    /// Its text after the header line.
    body: &'static str,
}

const EDITS: [Edit; 4] = [
    // Widening a column of a table with a named foreign key, a check, a
    // unique constraint and indexes, which other tables reference (SQLite
    // rebuilds it; MySQL restates the column; PostgreSQL changes its type).
    Edit {
        source: "src/catalog.rs",
        from: "    #[field(max_length = 40)]\n    pub sku: String,",
        to: "    #[field(max_length = 64)]\n    pub sku: String,",
        stdout: "Migrations for 'catalog':\n  migrations/catalog/0005_alter_product_sku.toml\n    ~ Alter field sku on product\n",
        path: "migrations/catalog/0005_alter_product_sku.toml",
        body: "dependencies = [\"catalog.0004_stock\"]\n\n[[operations]]\nop = \"AlterField\"\nmodel = \"catalog.Product\"\nfield = { name = \"sku\", type = \"varchar(64)\" }\n",
    },
    // Widening a column beside one of every type with a default of every
    // kind (SQLite restates them all in its rebuild).
    Edit {
        source: "src/misc.rs",
        from: "#[field(max_length = 10, default = \"abc\")]",
        to: "#[field(max_length = 20, default = \"abc\")]",
        stdout: "Migrations for 'misc':\n  migrations/misc/0006_alter_sample_short.toml\n    ~ Alter field short on sample\n",
        path: "migrations/misc/0006_alter_sample_short.toml",
        body: "dependencies = [\"misc.0005_changes\"]\n\n[[operations]]\nop = \"AlterField\"\nmodel = \"misc.Sample\"\nfield = { name = \"short\", type = \"varchar(20)\", default = \"abc\" }\npreserve_default = true\n",
    },
    // Widening a column of an i32 key with `auto = false`, a check, and an
    // index a RunSql created (SQLite rebuilds it and must keep both).
    Edit {
        source: "src/misc.rs",
        from: "#[field(unique, max_length = 64)]",
        to: "#[field(unique, max_length = 100)]",
        stdout: "Migrations for 'misc':\n  migrations/misc/0007_alter_setting_name.toml\n    ~ Alter field name on setting\n",
        path: "migrations/misc/0007_alter_setting_name.toml",
        body: "dependencies = [\"misc.0006_alter_sample_short\"]\n\n[[operations]]\nop = \"AlterField\"\nmodel = \"misc.Setting\"\nfield = { name = \"name\", type = \"varchar(100)\", unique = true }\n",
    },
    // A nullable field on the renamed model with a key given by hand.
    Edit {
        source: "src/sales.rs",
        from: "    pub phone: Option<String>,\n",
        to: "    pub phone: Option<String>,\n    pub note: Option<String>,\n",
        stdout: "Migrations for 'sales':\n  migrations/sales/0004_client_note.toml\n    + Add field note to client\n",
        path: "migrations/sales/0004_client_note.toml",
        body: "dependencies = [\"sales.0003_changes\"]\n\n[[operations]]\nop = \"AddField\"\nmodel = \"sales.Client\"\nfield = { name = \"note\", type = \"text\", null = true }\n",
    },
];

/// Each edit with the current binary: exactly one new file, exactly that
/// operation, applied with no drift (TestProject checks after `migrate`);
/// then all unapplied, back to the database 0.1.0 made, still clean.
fn assert_edits_apply_and_unapply(p: &TestProject) {
    let mut applied = MIGRATIONS.len();
    for edit in &EDITS {
        let source = p.read(edit.source);
        assert_eq!(
            source.matches(edit.from).count(),
            1,
            "{}: the text to edit",
            edit.source
        );
        p.write(edit.source, &source.replace(edit.from, edit.to));
        let before = p.files("migrations");
        let run = p.remodel(&["makemigrations"]);
        run.ok();
        assert_eq!(run.stdout, edit.stdout, "{}", run.stderr);
        let mut expected = before.clone();
        expected.push(edit.path.to_string());
        expected.sort();
        assert_eq!(p.files("migrations"), expected, "exactly one new file");
        let text = format!(
            "# Generated by remodel {}\n{}",
            env!("CARGO_PKG_VERSION"),
            edit.body
        );
        assert_eq!(p.read(edit.path), text, "{}", edit.path);

        let run = p.remodel(&["migrate"]);
        run.ok();
        let name = edit.path.trim_start_matches("migrations/");
        let (app, file) = name.split_once('/').unwrap();
        let line = format!(
            "  Applying {app}.{}... OK\n",
            file.trim_end_matches(".toml")
        );
        assert!(
            run.stdout.ends_with(&line),
            "{}\n{}",
            run.stdout,
            run.stderr
        );
        applied += 1;
        assert_clean(p, applied);
    }
    for (app, target) in [("catalog", "0004"), ("misc", "0005"), ("sales", "0003")] {
        p.remodel(&["migrate", app, target]).ok();
    }
    for edit in EDITS.iter().rev() {
        std::fs::remove_file(p.path().join(edit.path)).expect("remove the edit's file");
        let source = p.read(edit.source);
        p.write(edit.source, &source.replace(edit.to, edit.from));
    }
    assert_clean(p, MIGRATIONS.len());
}

/// `script` is what 0.1.0's `migrate` leaves (else its schema differs:
/// `sqlite_offline.sql`).
async fn stays_clean(kind: DialectKind, script: &str, as_migrate_leaves: bool) {
    let Some(p) = upgraded(kind, script).await else {
        return;
    };
    let files = migration_files(&p);
    assert_eq!(files.len(), MIGRATIONS.len(), "the fixture's migrations");
    assert_history_matches_files(&p).await;
    assert_clean(&p, MIGRATIONS.len());
    assert_sqlmigrate(&p);
    assert_eq!(
        migration_files(&p),
        files,
        "the current binary rewrote a file 0.1.0 wrote"
    );
    assert_history_matches_files(&p).await;

    let loaded = facts(&p).await;
    for sql in ROWS {
        p.exec(sql).await;
    }
    let (facts_before, rows_before) = (facts(&p).await, all_rows(&p).await);
    assert_edits_apply_and_unapply(&p);
    assert_eq!(migration_files(&p), files, "back to the files 0.1.0 wrote");
    let after = facts(&p).await;
    assert!(
        after == facts_before,
        "unapplying the edits gives back the database 0.1.0 made:\n{}",
        facts_before.diff(&after).join("\n")
    );
    assert_eq!(all_rows(&p).await, rows_before, "the rows are kept");
    assert_history_matches_files(&p).await;

    // The whole history unapplied by the current code and applied again:
    // the same database as 0.1.0's migrate made. (Not after 0.1.0's SQLite
    // script, which lost the index misc.0003's RunSql made, so unapplying
    // that RunSql fails on `DROP INDEX setting_name_lower`.)
    if as_migrate_leaves {
        for app in ["sales", "catalog", "misc"] {
            p.remodel(&["migrate", app, "zero"]).ok();
        }
        p.remodel(&["migrate"]).ok();
        assert_clean(&p, MIGRATIONS.len());
        let again = facts(&p).await;
        assert!(
            again == loaded,
            "the current code applies 0.1.0's files as 0.1.0 did:\n{}",
            loaded.diff(&again).join("\n")
        );
    }
}

/// SQLite, as 0.1.0's `migrate` left it (the file's `.dump`).
#[tokio::test]
async fn made_by_0_1_0_migrate_stays_clean_on_sqlite() {
    stays_clean(DialectKind::Sqlite, "sqlite.sql", true).await;
}

/// SQLite, as 0.1.0's `migrate --plan --sql --offline` script left it (a
/// DBA's run: the index misc.0003's RunSql made is gone, see the fixture's
/// README).
#[tokio::test]
async fn made_by_0_1_0_script_stays_clean_on_sqlite() {
    stays_clean(DialectKind::Sqlite, "sqlite_offline.sql", false).await;
}

#[tokio::test]
async fn made_by_0_1_0_stays_clean_on_postgres() {
    stays_clean(DialectKind::Postgres, "postgres.sql", true).await;
}

#[tokio::test]
async fn made_by_0_1_0_stays_clean_on_mysql() {
    stays_clean(DialectKind::Mysql, "mysql.sql", true).await;
}
