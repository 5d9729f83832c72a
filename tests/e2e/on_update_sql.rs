//! `on_update_sql = "CURRENT_TIMESTAMP"` (MySQL/MariaDB): a column an
//! update of its row sets. Created, removed and unapplied with the rows
//! kept and the column behaving as the model says; adopted by inspectdb;
//! one an applied RunSql made stays clean; refused where the database has
//! no such thing.

use crate::{BIN, TestProject};
use remodel_dialect::DialectKind;

fn note(touched: &str) -> String {
    format!(
        "use remodel::Model;\n#[derive(Model)]\npub struct Note {{\n    #[field(primary_key)]\n    pub id: i64,\n    \
         #[field(max_length = 20)]\n    pub title: String,\n    \
         #[field(default_sql = \"CURRENT_TIMESTAMP\"{touched})]\n    pub touched: chrono::NaiveDateTime,\n}}\n"
    )
}

/// Whether updating the row's title moves `touched` off a date set in the past.
async fn update_touches(p: &TestProject) -> bool {
    p.exec("UPDATE note SET touched = '2000-01-01 00:00:00' WHERE id = 1")
        .await;
    p.exec("UPDATE note SET title = concat(title, '!') WHERE id = 1")
        .await;
    let year = p.query("SELECT year(touched) FROM note WHERE id = 1").await;
    year[0][0] != "2000"
}

#[tokio::test]
async fn on_update_sql_is_created_removed_and_unapplied_on_mysql() {
    let Some(p) = TestProject::on(BIN, DialectKind::Mysql).await else {
        return;
    };
    p.write(
        "src/lib.rs",
        &note(", on_update_sql = \"CURRENT_TIMESTAMP\""),
    );
    p.remodel(&["makemigrations"]).ok();
    let file = p.read("migrations/shop/0001_initial.toml");
    assert!(
        file.contains(r#"default_sql = "CURRENT_TIMESTAMP", on_update_sql = "CURRENT_TIMESTAMP""#),
        "{file}"
    );
    p.remodel(&["migrate"]).ok();
    p.exec("INSERT INTO note (title) VALUES ('a')").await;
    assert!(update_touches(&p).await, "ON UPDATE sets the column");
    let extra = |p: &TestProject| {
        p.query_now(
            "SELECT LOWER(EXTRA) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
             AND TABLE_NAME = 'note' AND COLUMN_NAME = 'touched'",
        )[0][0]
            .clone()
    };
    assert!(
        extra(&p).contains("on update current_timestamp"),
        "{}",
        extra(&p)
    );

    // inspectdb says it as the model does.
    let inspect = p.remodel(&["inspectdb"]);
    inspect.ok();
    assert!(
        inspect
            .stdout
            .contains("on_update_sql = \"CURRENT_TIMESTAMP\""),
        "{}",
        inspect.stdout
    );

    p.write("src/lib.rs", &note(""));
    let made = p.remodel(&["makemigrations", "--name", "untouched"]);
    made.ok();
    assert!(
        made.stdout.contains("~ Alter field touched on note"),
        "{}",
        made.stdout
    );
    p.remodel(&["migrate"]).ok();
    assert!(!extra(&p).contains("on update"), "{}", extra(&p));
    assert!(!update_touches(&p).await, "no ON UPDATE any more");
    assert_eq!(p.query("SELECT title FROM note").await, [["a!!"]]);

    p.remodel(&["migrate", "shop", "0001"]).ok();
    assert!(
        extra(&p).contains("on update current_timestamp"),
        "{}",
        extra(&p)
    );
    assert!(update_touches(&p).await);
    assert_eq!(p.query("SELECT title FROM note").await, [["a!!!"]]);
}

/// Before models could say it, a RunSql naming the table and the column
/// recorded an ON UPDATE; that history stays clean, a migration that would
/// restate the column without it refuses, and saying it goes through.
#[tokio::test]
async fn an_on_update_a_run_sql_made_stays_clean_until_the_model_says_it() {
    let Some(p) = TestProject::on(BIN, DialectKind::Mysql).await else {
        return;
    };
    p.write("src/lib.rs", &note(""));
    p.remodel(&["makemigrations"]).ok();
    p.remodel(&["migrate"]).ok();
    p.exec("INSERT INTO note (title) VALUES ('a')").await;
    p.write(
        "migrations/shop/0002_touch.toml",
        "dependencies = [\"shop.0001_initial\"]\n\n[[operations]]\nop = \"RunSql\"\n\
         sql = \"ALTER TABLE note MODIFY touched DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)\"\n\
         reverse_sql = \"ALTER TABLE note MODIFY touched DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)\"\n",
    );
    p.remodel(&["migrate"]).ok();
    let check = p.remodel(&["check"]);
    assert_eq!(check.code, 0, "{}", check.stdout);
    p.remodel(&["makemigrations", "--check"]).ok();
    assert!(update_touches(&p).await);

    // Widening the title restates nothing of `touched`; a NOT NULL change
    // of `touched` itself would drop its ON UPDATE, and refuses.
    let mut p = p;
    p.skip_drift_check();
    p.write(
        "src/lib.rs",
        &note("").replace(
            "    pub touched: chrono::NaiveDateTime,",
            "    pub touched: Option<chrono::NaiveDateTime>,",
        ),
    );
    p.remodel(&["makemigrations", "--name", "nullable"]).ok();
    let run = p.remodel(&["migrate"]);
    run.expect(1);
    assert!(
        run.stderr
            .contains("column touched has ON UPDATE CURRENT_TIMESTAMP (the migrations say none)"),
        "{}",
        run.stderr
    );
    std::fs::remove_file(p.path().join("migrations/shop/0003_nullable.toml")).unwrap();

    p.write(
        "src/lib.rs",
        &note(", on_update_sql = \"CURRENT_TIMESTAMP\""),
    );
    p.remodel(&["makemigrations", "--name", "said"]).ok();
    p.remodel(&["migrate"]).ok();
    assert_eq!(p.remodel(&["check"]).code, 0);
    assert!(update_touches(&p).await);
}

/// SQLite and PostgreSQL set no column ON UPDATE: the model is refused
/// where it says it, naming the database and the way out.
#[tokio::test]
async fn on_update_sql_is_refused_where_the_database_has_none() {
    let p = crate::project();
    p.write(
        "src/lib.rs",
        &note(", on_update_sql = \"CURRENT_TIMESTAMP\""),
    );
    let run = p.remodel(&["makemigrations"]);
    run.expect(1);
    for what in [
        "SQLite sets no column ON UPDATE, as `touched` says (dialects in remodel.toml include sqlite)",
        "a trigger in a RunSql migration does it",
        "src/lib.rs:",
    ] {
        assert!(run.stderr.contains(what), "{what} in\n{}", run.stderr);
    }
    assert!(!p.path().join("migrations").exists());
    // Only CURRENT_TIMESTAMP is set on update.
    p.write("remodel.toml", "dialects = [\"mysql\"]\n");
    p.write("src/lib.rs", &note(", on_update_sql = \"now() + 1\""));
    p.remodel(&["makemigrations"]).ok();
    let sql = p.remodel(&["sqlmigrate", "shop", "0001", "--dialect", "mysql"]);
    sql.expect(1);
    assert!(
        sql.stderr
            .contains("MySQL/MariaDB set a column ON UPDATE only to CURRENT_TIMESTAMP"),
        "{}",
        sql.stderr
    );
}
