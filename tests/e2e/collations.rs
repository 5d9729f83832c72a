//! Collations and character sets said in models (`collation`, MySQL's
//! `charset`, `#[model(charset, collation)]`): created, changed, removed
//! and unapplied on every database, with the rows kept, the catalog read
//! with SQL, and comparisons behaving as the collation says; what a
//! database cannot hold is refused before anything is written.

use crate::{BIN, TestProject};
use remodel_dialect::DialectKind;

/// A collation each database has that compares otherwise than its default.
fn collation_of(kind: DialectKind) -> &'static str {
    match kind {
        // Case-blind.
        DialectKind::Sqlite => "NOCASE",
        // Byte order; case-sensitive like the default.
        DialectKind::Postgres => "C",
        // Case-sensitive, where the default is not.
        DialectKind::Mysql => "utf8mb4_bin",
    }
}

/// The column's collation as the catalog has it (`None` when the column
/// has its table's or the database's).
async fn column_collation(p: &TestProject, table: &str, column: &str) -> Option<String> {
    let sql = match p.dialect() {
        DialectKind::Sqlite => {
            let ddl = p
                .query(&format!(
                    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '{table}'"
                ))
                .await;
            let ddl = &ddl[0][0];
            // The column's line of the definition, and the word after COLLATE.
            let line = ddl
                .lines()
                .find(|l| l.trim_start().starts_with(&format!("\"{column}\"")))
                .unwrap_or_else(|| panic!("column {column} in {ddl}"));
            return line
                .split_once(" COLLATE ")
                .map(|(_, rest)| rest.split_whitespace().next().unwrap_or("").to_string());
        }
        DialectKind::Postgres => format!(
            "SELECT co.collname::text FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid \
             JOIN pg_collation co ON co.oid = a.attcollation \
             WHERE a.attrelid = '{table}'::regclass AND a.attname = '{column}' \
             AND a.attcollation <> ty.typcollation"
        ),
        DialectKind::Mysql => format!(
            "SELECT c.COLLATION_NAME FROM information_schema.COLUMNS c JOIN information_schema.TABLES t \
             ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME \
             WHERE c.TABLE_SCHEMA = DATABASE() AND c.TABLE_NAME = '{table}' AND c.COLUMN_NAME = '{column}' \
             AND c.COLLATION_NAME <> t.TABLE_COLLATION"
        ),
    };
    p.query(&sql).await.first().map(|r| r[0].clone())
}

fn item(name_attrs: &str, extra: &str) -> String {
    format!(
        "use remodel::Model;\n#[derive(Model)]\npub struct Item {{\n    #[field(primary_key)]\n    pub id: i64,\n    \
         #[field({name_attrs})]\n    pub name: String,\n{extra}}}\n"
    )
}

/// A field's collation is created with its table, changed (with its
/// type), removed, given to a new column, and unapplied back, on every
/// database; the rows stay and compare as the collation says.
#[tokio::test]
async fn a_collation_is_created_changed_removed_and_unapplied_on_every_database() {
    for kind in [
        DialectKind::Sqlite,
        DialectKind::Postgres,
        DialectKind::Mysql,
    ] {
        let Some(p) = TestProject::on(BIN, kind).await else {
            continue;
        };
        let co = collation_of(kind);
        let said = format!("max_length = 20, collation = \"{co}\"");
        p.write("src/lib.rs", &item(&said, ""));
        p.remodel(&["makemigrations"]).ok();
        p.remodel(&["migrate"]).ok();
        p.exec("INSERT INTO item (name) VALUES ('pen'), ('Ink')")
            .await;
        assert_eq!(
            column_collation(&p, "item", "name").await.as_deref(),
            Some(co),
            "{kind:?}"
        );
        let matches_pen = |p: &TestProject| {
            p.query_now("SELECT count(*) FROM item WHERE name = 'PEN'")[0][0].clone()
        };
        // NOCASE is case-blind; utf8mb4_bin is not, where MySQL's default is.
        let blind_with = if kind == DialectKind::Sqlite {
            "1"
        } else {
            "0"
        };
        assert_eq!(matches_pen(&p), blind_with, "{kind:?}");

        // Widened with the collation kept; then the collation removed; and
        // a new column given one.
        p.write(
            "src/lib.rs",
            &item(&format!("max_length = 30, collation = \"{co}\""), ""),
        );
        let made = p.remodel(&["makemigrations", "--name", "widen"]);
        made.ok();
        p.remodel(&["migrate"]).ok();
        assert_eq!(
            column_collation(&p, "item", "name").await.as_deref(),
            Some(co),
            "{kind:?}: widening keeps the collation"
        );
        p.write(
            "src/lib.rs",
            &item(
                "max_length = 30",
                &format!(
                    "    #[field(max_length = 10, collation = \"{co}\")]\n    pub code: Option<String>,\n"
                ),
            ),
        );
        let made = p.remodel(&["makemigrations", "--name", "move"]);
        made.ok();
        assert!(
            made.stdout.contains("~ Alter field name on item")
                && made.stdout.contains("+ Add field code to item"),
            "{kind:?}: {}",
            made.stdout
        );
        p.remodel(&["migrate"]).ok();
        assert_eq!(column_collation(&p, "item", "name").await, None, "{kind:?}");
        assert_eq!(
            column_collation(&p, "item", "code").await.as_deref(),
            Some(co),
            "{kind:?}"
        );
        let blind_without = if kind == DialectKind::Mysql { "1" } else { "0" };
        assert_eq!(matches_pen(&p), blind_without, "{kind:?}");
        assert_eq!(
            p.query("SELECT name FROM item ORDER BY id").await,
            [["pen"], ["Ink"]]
        );

        // Unapplied: the collation is back where it was.
        p.remodel(&["migrate", "shop", "0001"]).ok();
        assert_eq!(
            column_collation(&p, "item", "name").await.as_deref(),
            Some(co),
            "{kind:?}"
        );
        assert_eq!(matches_pen(&p), blind_with, "{kind:?}");
        assert_eq!(
            p.query("SELECT name FROM item ORDER BY id").await,
            [["pen"], ["Ink"]]
        );
        p.remodel(&["migrate"]).ok();
        assert_eq!(p.remodel(&["check"]).code, 0, "{kind:?}");
        assert_eq!(column_collation(&p, "item", "name").await, None, "{kind:?}");
    }
}

/// MySQL: a table's character set and collation (`#[model(charset,
/// collation)]`) and a column's own character set. Changing the table's
/// is one AlterModelCharset, which restates the columns that follow it
/// and leaves the one with its own; unapplying puts the old one back.
#[tokio::test]
async fn a_mysql_table_character_set_changes_with_the_columns_that_follow_it() {
    let Some(p) = TestProject::on(BIN, DialectKind::Mysql).await else {
        return;
    };
    let model = |table: &str| {
        format!(
            "use remodel::Model;\n#[derive(Model)]\n{table}pub struct Note {{\n    #[field(primary_key)]\n    pub id: i64,\n    \
             #[field(max_length = 20)]\n    pub title: String,\n    pub body: String,\n    \
             #[field(max_length = 5, charset = \"ascii\")]\n    pub code: String,\n}}\n"
        )
    };
    p.write("src/lib.rs", &model("#[model(charset = \"latin1\")]\n"));
    p.remodel(&["makemigrations"]).ok();
    p.remodel(&["migrate"]).ok();
    p.exec("INSERT INTO note (title, body, code) VALUES ('café', 'crème brûlée', 'AB')")
        .await;
    let charsets = |p: &TestProject| {
        p.query_now(
            "SELECT CONCAT(c.COLUMN_NAME, ' ', c.CHARACTER_SET_NAME, ' ', c.COLLATION_NAME) \
             FROM information_schema.COLUMNS c WHERE c.TABLE_SCHEMA = DATABASE() \
             AND c.TABLE_NAME = 'note' AND c.CHARACTER_SET_NAME IS NOT NULL ORDER BY c.COLUMN_NAME",
        )
        .into_iter()
        .map(|r| r[0].clone())
        .collect::<Vec<_>>()
    };
    let table_collation = |p: &TestProject| {
        p.query_now(
            "SELECT TABLE_COLLATION FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'note'",
        )[0][0]
            .clone()
    };
    assert_eq!(table_collation(&p), "latin1_swedish_ci");
    assert_eq!(
        charsets(&p),
        [
            "body latin1 latin1_swedish_ci",
            "code ascii ascii_general_ci",
            "title latin1 latin1_swedish_ci"
        ]
    );

    p.write(
        "src/lib.rs",
        &model("#[model(charset = \"utf8mb4\", collation = \"utf8mb4_bin\")]\n"),
    );
    let made = p.remodel(&["makemigrations", "--name", "utf8"]);
    made.ok();
    assert!(
        made.stdout
            .contains("~ Alter character set of note to utf8mb4 (utf8mb4_bin)"),
        "{}",
        made.stdout
    );
    let file = p.read("migrations/shop/0002_utf8.toml");
    assert!(
        file.contains(
            "op = \"AlterModelCharset\"\nmodel = \"shop.Note\"\ncharset = \"utf8mb4\"\ncollation = \"utf8mb4_bin\"\n"
        ),
        "{file}"
    );
    p.remodel(&["migrate"]).ok();
    assert_eq!(table_collation(&p), "utf8mb4_bin");
    assert_eq!(
        charsets(&p),
        [
            "body utf8mb4 utf8mb4_bin",
            "code ascii ascii_general_ci",
            "title utf8mb4 utf8mb4_bin"
        ]
    );
    let rows = [["café", "crème brûlée", "AB"]];
    assert_eq!(p.query("SELECT title, body, code FROM note").await, rows);

    // inspectdb says them as the model does.
    let inspect = p.remodel(&["inspectdb"]);
    inspect.ok();
    for said in [
        "#[model(collation = \"utf8mb4_bin\")]",
        "#[field(max_length = 5, charset = \"ascii\")]",
    ] {
        assert!(
            inspect.stdout.contains(said),
            "{said} in\n{}",
            inspect.stdout
        );
    }

    p.remodel(&["migrate", "shop", "0001"]).ok();
    assert_eq!(table_collation(&p), "latin1_swedish_ci");
    assert_eq!(
        charsets(&p),
        [
            "body latin1 latin1_swedish_ci",
            "code ascii ascii_general_ci",
            "title latin1 latin1_swedish_ci"
        ]
    );
    assert_eq!(p.query("SELECT title, body, code FROM note").await, rows);
}

/// What a database cannot hold is refused where the model says it, before
/// anything is written: a character set on SQLite or PostgreSQL (per
/// column or per table), and a collation on a column that holds no text.
#[tokio::test]
async fn character_sets_are_refused_where_the_database_has_none() {
    let p = crate::project();
    p.write(
        "src/lib.rs",
        "use remodel::Model;\n#[derive(Model)]\n#[model(charset = \"latin1\")]\npub struct Note {\n    #[field(primary_key)]\n    pub id: i64,\n    #[field(max_length = 5, charset = \"ascii\")]\n    pub code: String,\n}\n",
    );
    let run = p.remodel(&["makemigrations"]);
    run.expect(1);
    for what in [
        "SQLite has no table charset (dialects in remodel.toml include sqlite)",
        "SQLite has no character set per column, as `code` says",
        "src/lib.rs:3",
        "src/lib.rs:7",
    ] {
        assert!(run.stderr.contains(what), "{what} in\n{}", run.stderr);
    }
    assert!(!p.path().join("migrations").exists());

    p.write(
        "src/lib.rs",
        "use remodel::Model;\n#[derive(Model)]\npub struct Note {\n    #[field(primary_key)]\n    pub id: i64,\n    #[field(collation = \"NOCASE\")]\n    pub size: i32,\n}\n",
    );
    let run = p.remodel(&["makemigrations"]);
    run.expect(1);
    assert!(
        run.stderr
            .contains("`collation` does not apply to field `size`: it is only for String fields"),
        "{}",
        run.stderr
    );

    // A migration file that says one (written for MySQL) does not render
    // for PostgreSQL.
    p.write("remodel.toml", "dialects = [\"mysql\"]\n");
    p.write(
        "src/lib.rs",
        "use remodel::Model;\n#[derive(Model)]\npub struct Note {\n    #[field(primary_key)]\n    pub id: i64,\n    #[field(max_length = 5, charset = \"ascii\")]\n    pub code: String,\n}\n",
    );
    p.remodel(&["makemigrations"]).ok();
    let sql = p.remodel(&["sqlmigrate", "shop", "0001", "--dialect", "postgres"]);
    sql.expect(1);
    assert!(
        sql.stderr
            .contains("PostgreSQL has no character set per column (charset is MySQL/MariaDB's)"),
        "{}",
        sql.stderr
    );
    let sql = p.remodel(&["sqlmigrate", "shop", "0001", "--dialect", "mysql"]);
    sql.ok();
    assert!(
        sql.stdout
            .contains("`code` VARCHAR(5) CHARACTER SET ascii NOT NULL"),
        "{}",
        sql.stdout
    );
}
