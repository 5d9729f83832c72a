//! The same workflow on every database (DESIGN §6): SQLite always,
//! PostgreSQL and MySQL/MariaDB when their test servers are configured
//! (REMODEL_TEST_POSTGRES_URL, REMODEL_TEST_MYSQL_URL); each test gets a
//! database of its own.

use crate::{BIN, TestProject};
use remodel_dialect::DialectKind;

const ALL: [DialectKind; 3] = [
    DialectKind::Sqlite,
    DialectKind::Postgres,
    DialectKind::Mysql,
];

fn shop(fields: &str) -> String {
    format!(
        "pub mod shop {{\n    use remodel::Model;\n\n    #[derive(Model)]\n    pub struct Item {{\n        #[field(primary_key)]\n        pub id: i64,\n        #[field(max_length = 40)]\n        pub name: String,\n{fields}    }}\n}}\n"
    )
}

/// A project with `shop.0001_initial` applied and two rows.
async fn shop_on(kind: DialectKind) -> Option<TestProject> {
    let p = TestProject::on(BIN, kind).await?;
    p.write("src/lib.rs", &shop(""));
    p.remodel(&["makemigrations"]).ok();
    p.remodel(&["migrate"]).ok();
    p.exec("INSERT INTO item (name) VALUES ('pen'), ('ink')")
        .await;
    Some(p)
}

async fn columns(p: &TestProject, table: &str) -> Vec<String> {
    let mut db = p.db().await;
    let catalog = db.introspect().await.unwrap();
    db.close().await;
    catalog
        .tables
        .get(table)
        .map(|t| t.columns.keys().cloned().collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_clinic_workflow_on_every_database() {
    for kind in ALL {
        let Some(p) = TestProject::fixture_on(BIN, "clinic", kind).await else {
            continue;
        };
        let first = p.remodel(&["migrate"]);
        first.ok();
        assert!(
            first
                .stdout
                .contains("Applying patients.0001_initial... OK"),
            "{kind:?}: {}",
            first.stdout
        );
        p.remodel(&["makemigrations", "--check"]).ok();
        let show = p.remodel(&["showmigrations"]);
        assert_eq!(
            show.stdout, "exams\n [X] 0001_initial\npatients\n [X] 0001_initial\n",
            "{kind:?}"
        );
        p.exec("INSERT INTO patient (nombre, apellido, edad, documento, fecha_ingreso) VALUES ('Ana', 'Diaz', 30, 'A1', '2024-01-01')").await;
        p.exec("INSERT INTO ingreso (paciente_id, fecha_inicio) VALUES (1, '2024-01-02')")
            .await;

        let models = p.read("src/patients/models.rs").replace(
            "    pub fecha_ingreso: chrono::NaiveDate,",
            "    pub fecha_ingreso: Option<chrono::NaiveDate>,\n    #[field(max_length = 60, default = \"centro\")]\n    pub barrio: String,",
        );
        p.write("src/patients/models.rs", &models);
        p.remodel(&["makemigrations"]).ok();
        p.remodel(&["migrate"]).ok();
        assert_eq!(
            p.query("SELECT nombre, barrio FROM patient").await,
            vec![vec!["Ana", "centro"]],
            "{kind:?}"
        );
        assert_eq!(
            p.query("SELECT count(*) FROM ingreso").await,
            vec![vec!["1"]],
            "{kind:?}"
        );

        p.remodel(&["migrate", "patients", "0001"]).ok();
        assert!(
            !columns(&p, "patient").await.contains(&"barrio".to_string()),
            "{kind:?}"
        );
        p.remodel(&["migrate", "patients", "zero"]).ok();
        let mut db = p.db().await;
        let tables: Vec<String> = db
            .introspect()
            .await
            .unwrap()
            .tables
            .keys()
            .cloned()
            .collect();
        db.close().await;
        assert_eq!(tables, ["remodel_migrations"], "{kind:?}");
    }
}

fn failing_migration(p: &TestProject, atomic: bool, first: &str) {
    p.write(
        "migrations/shop/0002_break.toml",
        &format!(
            "dependencies = [\"shop.0001_initial\"]\n{}\n[[operations]]\n{first}\n\n[[operations]]\nop = \"RunSql\"\nsql = \"THIS IS NOT SQL\"\nreverse_sql = \"\"\n",
            if atomic { "" } else { "atomic = false\n" }
        ),
    );
}

const ADD_NOTE: &str = "op = \"AddField\"\nmodel = \"shop.Item\"\nfield = { name = \"note\", type = \"varchar(20)\", null = true }";

#[tokio::test]
async fn a_failing_statement_leaves_nothing_behind() {
    for kind in ALL {
        let Some(p) = shop_on(kind).await else {
            continue;
        };
        failing_migration(&p, true, ADD_NOTE);
        let run = p.remodel(&["migrate"]);
        run.expect(1);
        assert!(
            run.stderr.contains("while applying shop.0002_break"),
            "{kind:?}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("THIS IS NOT SQL"),
            "{kind:?}: {}",
            run.stderr
        );
        if kind == DialectKind::Mysql {
            // DDL commits as it goes: remodel undid the completed AddField.
            assert!(
                run.stderr.contains("1 completed operation was reversed"),
                "{}",
                run.stderr
            );
            assert!(
                run.stderr.contains("back where the migration started"),
                "{}",
                run.stderr
            );
        } else {
            assert!(
                run.stderr.contains("the migration was rolled back"),
                "{kind:?}: {}",
                run.stderr
            );
        }
        assert!(
            !columns(&p, "item").await.contains(&"note".to_string()),
            "{kind:?}: the column is gone"
        );
        let history = p
            .query("SELECT name FROM remodel_migrations ORDER BY id")
            .await;
        assert_eq!(history, vec![vec!["0001_initial"]], "{kind:?}");
        assert_eq!(
            p.query("SELECT count(*) FROM item").await,
            vec![vec!["2"]],
            "{kind:?}"
        );
        // Fixed, it applies.
        p.write(
            "migrations/shop/0002_break.toml",
            &format!("dependencies = [\"shop.0001_initial\"]\n\n[[operations]]\n{ADD_NOTE}\n"),
        );
        p.remodel(&["migrate"]).ok();
    }
}

#[tokio::test]
async fn mysql_records_a_failure_it_cannot_reverse_until_resolved() {
    let Some(p) = shop_on(DialectKind::Mysql).await else {
        return;
    };
    // RunSql without reverse_sql cannot be undone.
    failing_migration(
        &p,
        true,
        "op = \"RunSql\"\nsql = \"CREATE TABLE extra (id INT)\"",
    );
    let run = p.remodel(&["migrate"]);
    run.expect(1);
    assert!(run.stderr.contains("cannot be undone"), "{}", run.stderr);
    assert!(
        run.stderr.contains("--resolve shop.0002_break"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("CREATE TABLE extra (id INT)"),
        "the statements that ran: {}",
        run.stderr
    );
    let show = p.remodel(&["showmigrations", "shop"]);
    assert_eq!(show.stdout, "shop\n [X] 0001_initial\n [!] 0002_break\n");
    let refused = p.remodel(&["migrate"]);
    refused.expect(1);
    assert!(
        refused.stderr.contains("failed part-way"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("CREATE TABLE extra (id INT)"),
        "{}",
        refused.stderr
    );
    // The user puts the database right, then says so.
    p.exec("DROP TABLE extra").await;
    let resolved = p.remodel(&["migrate", "--resolve", "shop.0002_break", "--rolled-back"]);
    resolved.ok();
    assert_eq!(
        resolved.stdout,
        "Recorded shop.0002_break as rolled back.\n"
    );
    assert_eq!(
        p.query("SELECT name FROM remodel_migrations ORDER BY id")
            .await,
        vec![vec!["0001_initial"]]
    );
    p.write(
        "migrations/shop/0002_break.toml",
        &format!("dependencies = [\"shop.0001_initial\"]\n\n[[operations]]\n{ADD_NOTE}\n"),
    );
    p.remodel(&["migrate"]).ok();
    p.remodel(&["migrate", "--resolve", "shop.0002_break", "--applied"])
        .expect(1);
}

#[tokio::test]
async fn two_migrates_at_once_apply_each_migration_once() {
    for kind in ALL {
        let Some(p) = shop_on(kind).await else {
            continue;
        };
        // A slow first operation keeps the lock held while the second process starts.
        let slow = match kind {
            DialectKind::Postgres => "SELECT pg_sleep(1.5)",
            DialectKind::Mysql => "SELECT SLEEP(1.5)",
            DialectKind::Sqlite => {
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 4000000) SELECT count(*) FROM c"
            }
        };
        p.write(
            "migrations/shop/0002_slow.toml",
            &format!("dependencies = [\"shop.0001_initial\"]\n\n[[operations]]\nop = \"RunSql\"\nsql = \"{slow}\"\nreverse_sql = \"\"\n\n[[operations]]\n{ADD_NOTE}\n"),
        );
        let url = p.db_url();
        let dir = p.path().display().to_string();
        let spawn = || {
            std::process::Command::new(BIN)
                .args(["-C", &dir, "--database", &url, "migrate"])
                .env_remove("DATABASE_URL")
                .env("NO_COLOR", "1")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let first = spawn();
        std::thread::sleep(std::time::Duration::from_millis(300));
        let second = spawn();
        let (a, b) = (
            first.wait_with_output().unwrap(),
            second.wait_with_output().unwrap(),
        );
        assert!(
            a.status.success() && b.status.success(),
            "{kind:?}: {a:?}\n{b:?}"
        );
        let text = |o: &std::process::Output| {
            format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            )
        };
        let (ta, tb) = (text(&a), text(&b));
        assert!(
            tb.contains("Waiting for another migrate"),
            "{kind:?}: the second says it waits:\n{tb}"
        );
        assert!(
            tb.contains("No migrations to apply.")
                || tb.contains("already done by another process"),
            "{kind:?}: the second finds nothing to do:\n{tb}"
        );
        assert!(
            ta.contains("Applying shop.0002_slow... OK"),
            "{kind:?}:\n{ta}"
        );
        let history = p
            .query("SELECT name FROM remodel_migrations ORDER BY id")
            .await;
        assert_eq!(
            history,
            vec![vec!["0001_initial"], vec!["0002_slow"]],
            "{kind:?}: exactly once"
        );
    }
}

#[tokio::test]
async fn a_lock_held_too_long_is_a_timeout() {
    for kind in [DialectKind::Postgres, DialectKind::Mysql] {
        let Some(p) = shop_on(kind).await else {
            continue;
        };
        let mut holder = p.db().await;
        holder
            .set_lock_wait(std::time::Duration::from_secs(1), Box::new(|| {}))
            .await
            .unwrap();
        holder.lock().await.unwrap();
        let run = p.remodel(&["migrate", "--lock-timeout", "1"]);
        run.expect(1);
        assert!(
            run.stderr.contains("Waiting for another migrate"),
            "{kind:?}: {}",
            run.stderr
        );
        // --resolve takes the same lock, the same way.
        let started = std::time::Instant::now();
        let run = p.remodel(&[
            "migrate",
            "--resolve",
            "shop.0001_initial",
            "--applied",
            "--lock-timeout",
            "1",
        ]);
        run.expect(1);
        assert!(
            run.stderr.contains("Waiting for another migrate"),
            "{kind:?}: {}",
            run.stderr
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "{kind:?}: --resolve waited {:?} with --lock-timeout 1",
            started.elapsed()
        );
        // So does check --adopt, which records migrations: with a table
        // added by hand, it waits, gives up and writes nothing.
        p.exec_script("CREATE TABLE by_hand (id INTEGER NOT NULL PRIMARY KEY)")
            .await;
        let run = p.remodel(&["check", "--adopt", "--app", "shop", "--lock-timeout", "1"]);
        run.expect(1);
        assert!(
            run.stderr.contains("Waiting for another migrate"),
            "{kind:?}: {}",
            run.stderr
        );
        assert!(!p.exists("migrations/shop/0002_by_hand.toml"), "{kind:?}");
        p.exec_script("DROP TABLE by_hand").await;
        holder.unlock().await.unwrap();
        holder.close().await;
        p.remodel(&["migrate"]).ok();
    }
}

#[tokio::test]
async fn statements_that_cannot_run_in_a_transaction_need_a_non_atomic_migration() {
    let Some(p) = shop_on(DialectKind::Postgres).await else {
        return;
    };
    let index = "op = \"RunSql\"\nsql = \"CREATE INDEX CONCURRENTLY item_name_lower ON item (lower(name))\"\nreverse_sql = \"DROP INDEX CONCURRENTLY item_name_lower\"";
    p.write(
        "migrations/shop/0002_index.toml",
        &format!("dependencies = [\"shop.0001_initial\"]\n\n[[operations]]\n{index}\n"),
    );
    let run = p.remodel(&["migrate"]);
    run.expect(1);
    assert!(
        run.stderr.contains("cannot run inside a transaction")
            && run.stderr.contains("atomic = false"),
        "{}",
        run.stderr
    );
    p.write(
        "migrations/shop/0002_index.toml",
        &format!(
            "dependencies = [\"shop.0001_initial\"]\natomic = false\n\n[[operations]]\n{index}\n"
        ),
    );
    p.remodel(&["migrate"]).ok();
    p.remodel(&["migrate", "shop", "0001"]).ok();
}

#[tokio::test]
async fn a_concurrently_index_gets_a_non_atomic_migration_of_its_own() {
    let Some(p) = shop_on(DialectKind::Postgres).await else {
        return;
    };
    let models = shop("        pub qty: Option<i32>,\n")
        .replace("    #[derive(Model)]\n    pub struct Item", "    #[derive(Model)]\n    #[model(index(fields(\"name\"), concurrently))]\n    pub struct Item");
    p.write("src/lib.rs", &models);
    let made = p.remodel(&["makemigrations"]);
    made.ok();
    assert_eq!(
        made.stdout,
        "Migrations for 'shop':\n  migrations/shop/0002_item_qty.toml\n    + Add field qty to item\nMigrations for 'shop':\n  \
         migrations/shop/0003_item_item_name_idx.toml\n    + Create index item_name_idx on field(s) name of model item\n"
    );
    let file = p.read("migrations/shop/0003_item_item_name_idx.toml");
    assert!(file.contains("atomic = false"), "{file}");
    assert!(
        file.contains("dependencies = [\"shop.0002_item_qty\"]"),
        "{file}"
    );
    let sql = p.remodel(&["sqlmigrate", "shop", "0003"]);
    assert!(
        sql.stdout.contains("CREATE INDEX CONCURRENTLY"),
        "{}",
        sql.stdout
    );
    assert!(!sql.stdout.contains("BEGIN;"), "{}", sql.stdout);
    p.remodel(&["migrate"]).ok();
}

#[test]
fn sqlmigrate_renders_every_dialect_without_a_database() {
    let p = crate::clinic();
    for (dialect, begin) in [("sqlite", true), ("postgres", true), ("mysql", false)] {
        let out = p.remodel(&["sqlmigrate", "patients", "0001", "--dialect", dialect]);
        out.ok();
        assert_eq!(
            out.stdout.contains("BEGIN;"),
            begin,
            "{dialect}: {}",
            out.stdout
        );
        assert!(
            out.stdout.contains("CREATE TABLE"),
            "{dialect}: {}",
            out.stdout
        );
    }
    assert!(!p.exists("db.sqlite3"));
}
