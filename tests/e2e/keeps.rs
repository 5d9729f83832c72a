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
        // A table CHECK with a conflict clause: SQLite takes it, the parser does not.
        "CREATE TABLE film (id INTEGER PRIMARY KEY, d TEXT, CHECK (d <> '') ON CONFLICT FAIL);
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
    p.exec("ALTER TABLE actor ADD COLUMN d BLOB SUB_TYPE(1)")
        .await;
    let check = p.remodel(&["check"]);
    crate::refused(
        &check,
        1,
        &["cannot read table actor, which the applied migrations create"],
    );
}

/// Runs `migrate` and requires it to refuse, naming `what`, with the
/// facts and rows untouched.
async fn refuses_keeping_everything(p: &TestProject, what: &[&str]) {
    let before = facts(p).await;
    let rows = all_rows(p).await;
    let run = p.remodel(&["migrate"]);
    run.expect(1);
    for w in what {
        assert!(run.stderr.contains(w), "{w} in:\n{}", run.stderr);
    }
    assert_eq!(
        changed(&before, &facts(p).await),
        Vec::<String>::new(),
        "a refusal changes nothing (- before, + after)"
    );
    assert_eq!(all_rows(p).await, rows);
}

/// The report's SQLite case: a foreign key with ON UPDATE CASCADE, which
/// models say now (`on_update`), and here also DEFERRABLE, which none can
/// yet. Widening another column would rebuild the table and drop it:
/// migrate refuses before anything runs, naming it.
#[tokio::test]
async fn a_sqlite_rebuild_refuses_to_drop_a_deferrable_foreign_key() {
    let p = crate::project();
    p.exec_script(
        "CREATE TABLE p (id INTEGER PRIMARY KEY);
         CREATE TABLE c (id INTEGER PRIMARY KEY, name VARCHAR(10),
             p_id INTEGER NOT NULL REFERENCES p (id) ON UPDATE CASCADE
                 DEFERRABLE INITIALLY DEFERRED);
         INSERT INTO p (id) VALUES (1);
         INSERT INTO c (id, name, p_id) VALUES (1, 'a', 1);",
    )
    .await;
    let inspect = p.remodel(&["inspectdb", "--app", "legacy"]);
    inspect.ok();
    p.write(
        "src/lib.rs",
        &inspect
            .stdout
            .replacen("#[field(max_length = 10)]", "#[field(max_length = 20)]", 1),
    );
    p.remodel(&["makemigrations", "--name", "initial"]).ok();
    p.remodel(&["migrate", "--fake"]).ok();
    // The edit is already in the models: the initial migration holds it, so
    // unapply it by hand into a second migration instead.
    p.write("src/lib.rs", &inspect.stdout);
    p.remodel(&["makemigrations", "--name", "narrow"]).ok();
    refuses_keeping_everything(
        &p,
        &[
            "table \"c\" holds what no migration created, which rebuilding it would drop:",
            "foreign key c_p_id_fk is DEFERRABLE INITIALLY DEFERRED",
        ],
    )
    .await;
    // A script printed for the same step stops there too.
    let script = p.remodel(&["migrate", "--plan", "--sql"]);
    script.ok();
    assert!(
        script
            .stdout
            .contains("CREATE TEMP TABLE IF NOT EXISTS \"remodel_guard_c\""),
        "{}",
        script.stdout
    );
    let before = facts(&p).await;
    let db = p.db_path();
    let out = std::process::Command::new("sqlite3")
        .arg("-bail")
        .arg(&db)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let Ok(mut child) = out else {
        println!("skipped the script half: no sqlite3 client");
        return;
    };
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.stdout.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success(), "the script must fail");
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("CHECK constraint failed: table c holds what no migration created"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(changed(&before, &facts(&p).await), Vec::<String>::new());
}

/// The report's MariaDB case: a `utf8mb3` column in a `utf8mb4` table.
/// The model says it (`charset`), so a MODIFY keeps it; a character set
/// changed by hand afterwards is drift, and restating or dropping that
/// column refuses, naming it.
#[tokio::test]
async fn a_mysql_column_keeps_its_own_character_set() {
    let Some(p) = TestProject::on(BIN, DialectKind::Mysql).await else {
        return;
    };
    p.exec_script(
        "CREATE TABLE t (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
             name VARCHAR(10) CHARACTER SET utf8mb3 COLLATE utf8mb3_general_ci NOT NULL,
             note VARCHAR(10) CHARACTER SET utf8mb3 COLLATE utf8mb3_bin NULL)
             DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_general_ci;
         INSERT INTO t (name, note) VALUES ('a', 'x');",
    )
    .await;
    let structs = adopt(&p);
    // The character set's default collation goes without saying.
    for said in [
        "#[field(max_length = 10, charset = \"utf8mb3\")]\n    pub name: String,",
        "#[field(max_length = 10, collation = \"utf8mb3_bin\")]\n    pub note: Option<String>,",
    ] {
        assert!(structs.contains(said), "{said} in\n{structs}");
    }
    let after = edit_apply_unapply(
        &p,
        "max_length = 10, charset = \"utf8mb3\"",
        "max_length = 20, charset = \"utf8mb3\"",
    )
    .await;
    assert!(
        after.lines().iter().any(|l| l.contains(
            "column name: varchar(20) not null charset utf8mb3 collate utf8mb3_general_ci"
        )),
        "{after}"
    );

    // By hand: note gets another character set.
    p.exec("ALTER TABLE t MODIFY note VARCHAR(10) CHARACTER SET latin1 NULL")
        .await;
    let check = p.remodel(&["check"]);
    check.expect(1);
    assert!(
        check
            .stdout
            .contains("t: column note has character set latin1 in the database, none expected"),
        "{}",
        check.stdout
    );
    let src = p.read("src/lib.rs");
    p.write(
        "src/lib.rs",
        &src.replacen(
            "max_length = 10, collation = \"utf8mb3_bin\"",
            "max_length = 30, collation = \"utf8mb3_bin\"",
            1,
        ),
    );
    p.remodel(&["makemigrations", "--name", "widen_note"]).ok();
    refuses_keeping_everything(
        &p,
        &[
            "table \"t\" holds what no migration created, which restating column note would drop:",
            "column note has character set latin1",
        ],
    )
    .await;
    script_refuses(&p, "t: made by hand, run remodel migrate").await;
    std::fs::remove_file(p.path().join("migrations/legacy/0003_widen_note.toml")).unwrap();
    p.write(
        "src/lib.rs",
        &src.replacen(
            "    #[field(max_length = 10, collation = \"utf8mb3_bin\")]\n    pub note: Option<String>,\n",
            "",
            1,
        ),
    );
    p.remodel(&["makemigrations", "--name", "drop_note"]).ok();
    refuses_keeping_everything(
        &p,
        &[
            "which dropping column note would lose for good",
            "column note has character set latin1",
        ],
    )
    .await;
}

/// PostgreSQL: a column's own collation is said by the model and kept by
/// `ALTER COLUMN … TYPE`; one changed by hand is drift, and the change
/// refuses, naming it. A foreign key's DEFERRABLE would be lost to adding
/// it again (its ON UPDATE CASCADE the model says, and keeps).
#[tokio::test]
async fn postgres_refuses_to_drop_a_collation_or_a_deferrable_foreign_key() {
    let Some(p) = TestProject::on(BIN, DialectKind::Postgres).await else {
        return;
    };
    p.exec_script(
        "CREATE TABLE p (id int PRIMARY KEY);
         CREATE TABLE c (id int PRIMARY KEY, name varchar(10) COLLATE \"C\" NOT NULL,
             p_id int NOT NULL REFERENCES p (id) ON UPDATE CASCADE DEFERRABLE);
         INSERT INTO p VALUES (1); INSERT INTO c VALUES (1, 'a', 1);",
    )
    .await;
    let inspect = p.remodel(&["inspectdb", "--app", "legacy"]);
    inspect.ok();
    let src = inspect.stdout;
    assert!(
        src.contains("#[field(max_length = 10, collation = \"C\")]"),
        "{src}"
    );
    p.write("src/lib.rs", &src);
    p.remodel(&["makemigrations"]).ok();
    p.remodel(&["migrate", "--fake"]).ok();
    let mut p = p;
    p.tolerate_unmodelled();
    // Widening keeps the collation the model says.
    let widened = src.replacen(
        "#[field(max_length = 10, collation = \"C\")]",
        "#[field(max_length = 20, collation = \"C\")]",
        1,
    );
    p.write("src/lib.rs", &widened);
    p.remodel(&["makemigrations", "--name", "widen"]).ok();
    p.remodel(&["migrate"]).ok();
    assert_eq!(
        p.query(
            "SELECT collation_name, character_maximum_length::text FROM information_schema.columns \
             WHERE table_name = 'c' AND column_name = 'name'"
        )
        .await,
        [["C", "20"]]
    );
    // By hand: another collation; widening again refuses, naming it.
    p.exec("ALTER TABLE c ALTER COLUMN name TYPE varchar(20) COLLATE \"POSIX\"")
        .await;
    p.skip_drift_check();
    p.write(
        "src/lib.rs",
        &widened.replacen("max_length = 20", "max_length = 30", 1),
    );
    p.remodel(&["makemigrations", "--name", "widen_more"]).ok();
    refuses_keeping_everything(
        &p,
        &[
            "which restating column name would drop:",
            "column name has collation POSIX (the migrations say C)",
        ],
    )
    .await;
    script_refuses(
        &p,
        "a column remodel restates holds what no migration created",
    )
    .await;
    std::fs::remove_file(p.path().join("migrations/legacy/0003_widen_more.toml")).unwrap();
    p.exec("ALTER TABLE c ALTER COLUMN name TYPE varchar(20) COLLATE \"C\"")
        .await;
    assert!(widened.contains("references = \"legacy.P\""), "{widened}");
    p.write(
        "src/lib.rs",
        &widened.replacen(
            "references = \"legacy.P\"",
            "references = \"legacy.P\", on_delete = \"cascade\"",
            1,
        ),
    );
    p.remodel(&["makemigrations", "--name", "cascade"]).ok();
    refuses_keeping_everything(
        &p,
        &[
            "which adding foreign key c_p_id_fkey again would drop:",
            "foreign key c_p_id_fkey has DEFERRABLE",
        ],
    )
    .await;
    script_refuses(&p, "foreign key c_p_id_fkey has what no migration created").await;
}

/// The script `migrate --plan --sql` prints for what is pending stops, as
/// `migrate` did, with `message`, and changes nothing.
async fn script_refuses(p: &TestProject, message: &str) {
    let script = p.remodel(&["migrate", "--plan", "--sql"]);
    script.ok();
    let before = facts(p).await;
    let rows = all_rows(p).await;
    let err = p
        .try_exec_script(&script.stdout)
        .await
        .expect_err("the script must stop");
    assert!(err.contains(message), "{message} in {err}");
    assert_eq!(changed(&before, &facts(p).await), Vec::<String>::new());
    assert_eq!(all_rows(p).await, rows);
}

/// Renames of a SQLite table made elsewhere, whose constraints are unnamed
/// (they read back under names derived from the table's names of now): a
/// renamed foreign key, unique or checked column, and a renamed model,
/// all go through, keeping every fact.
#[tokio::test]
async fn renames_of_an_adopted_sqlite_table_keep_its_unnamed_constraints() {
    let p = crate::project();
    p.exec_script(
        "CREATE TABLE p (id INTEGER PRIMARY KEY);
         CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p (id),
             code VARCHAR(10) UNIQUE, qty INTEGER CHECK (qty > 0));
         INSERT INTO p VALUES (1); INSERT INTO c VALUES (1, 1, 'a', 2);",
    )
    .await;
    let structs = adopt(&p);
    let rename = |src: &str, old: &str, new: &str| {
        let line = format!("    pub {old}: ");
        assert!(src.contains(&line), "{old} in\n{src}");
        src.replacen(
            &line,
            &format!("    #[field(renamed_from = \"{old}\")]\n    pub {new}: "),
            1,
        )
    };
    let mut src = structs;
    for (n, (old, new)) in [("p_id", "parent_id"), ("code", "tag"), ("qty", "amount")]
        .into_iter()
        .enumerate()
    {
        // A check over the column says the new name too, as a user writes it.
        src = rename(&src, old, new).replace(
            &format!("expr = \"{old} > 0\""),
            &format!("expr = \"{new} > 0\""),
        );
        p.write("src/lib.rs", &src);
        p.remodel(&["makemigrations", "--name", &format!("rename_{n}")])
            .ok();
        let before = facts(&p).await;
        p.remodel(&["migrate"]).ok();
        let diff = changed(&before, &facts(&p).await);
        assert!(
            diff.iter().all(|l| l.contains(old) || l.contains(new)),
            "{old} → {new}: {diff:#?}"
        );
    }
    // The field hints are satisfied: removed, as makemigrations says.
    for old in ["p_id", "code", "qty"] {
        src = src.replace(&format!("    #[field(renamed_from = \"{old}\")]\n"), "");
    }
    src = src.replacen(
        "pub struct C {",
        "#[model(renamed_from = \"C\")]\npub struct Kid {",
        1,
    );
    p.write("src/lib.rs", &src);
    p.remodel(&["makemigrations", "--name", "kid"]).ok();
    p.remodel(&["migrate"]).ok();
    assert_eq!(
        p.query("SELECT parent_id, tag, amount FROM kid").await,
        [["1", "a", "2"]]
    );
    assert_eq!(p.remodel(&["check"]).code, 0);
}

/// A self-referencing model remodel made, renamed: SQLite rewrites the
/// foreign key to the new table, which is no loss.
#[tokio::test]
async fn a_self_referencing_model_is_renamed_on_sqlite() {
    let p = crate::project();
    p.write(
        "src/lib.rs",
        "use remodel::Model;\n#[derive(Model)]\npub struct Node {\n    #[field(primary_key)]\n    pub id: i64,\n    #[field(references = \"Node\", max_length = 0)]\n    pub parent_id: Option<i64>,\n    #[field(max_length = 10)]\n    pub name: String,\n}\n"
            .replace(", max_length = 0", "")
            .as_str(),
    );
    p.remodel(&["makemigrations"]).ok();
    p.remodel(&["migrate"]).ok();
    p.exec("INSERT INTO node (id, parent_id, name) VALUES (1, NULL, 'a'), (2, 1, 'b')")
        .await;
    let src = p.read("src/lib.rs").replacen(
        "pub struct Node {",
        "#[model(renamed_from = \"Node\")]\npub struct Tree {",
        1,
    );
    // The reference follows the rename; widen too, so SQLite rebuilds.
    let src = src
        .replace("references = \"Node\"", "references = \"Tree\"")
        .replace("max_length = 10", "max_length = 20");
    p.write("src/lib.rs", &src);
    p.remodel(&["makemigrations", "--name", "tree"]).ok();
    p.remodel(&["migrate"]).ok();
    assert_eq!(
        p.query("SELECT id, parent_id FROM tree ORDER BY id").await,
        [["1", "NULL"], ["2", "1"]]
    );
}

/// SQLite's `INT PRIMARY KEY` is no row id: inspectdb keeps its spelling,
/// and a rebuild keeps it so (no id is handed out). Declared without NOT
/// NULL, such a key may hold NULL, which no model can say: inspectdb and
/// check say so, and a rebuild, which would add NOT NULL, refuses.
#[tokio::test]
async fn an_int_key_that_is_no_row_id_stays_one() {
    let p = crate::project();
    p.exec_script(
        "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, name VARCHAR(10));
         INSERT INTO t VALUES (5, 'b');",
    )
    .await;
    let structs = adopt(&p);
    assert!(
        structs.contains("#[field(primary_key, sql_type = \"INT\")]"),
        "{structs}"
    );
    let before = facts(&p).await;
    edit_apply_unapply(&p, "#[field(max_length = 10)]", "#[field(max_length = 20)]").await;
    let after = facts(&p).await;
    let diff = changed(&before, &after);
    assert!(diff.iter().all(|l| l.contains("column name")), "{diff:#?}");
    assert!(after.has("t", "primary key - (id): own index"), "{after}");

    let p = crate::project();
    p.exec_script(
        "CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(10));
         INSERT INTO t VALUES (NULL, 'a'), (5, 'b');",
    )
    .await;
    let inspect = p.remodel(&["inspectdb", "--app", "legacy"]);
    inspect.ok();
    assert!(
        inspect.stderr.contains("t: key column id may hold NULL"),
        "{}",
        inspect.stderr
    );
    p.write("src/lib.rs", &inspect.stdout);
    p.remodel(&["makemigrations"]).ok();
    p.remodel(&["migrate", "--fake"]).ok();
    let check = p.remodel(&["check"]);
    check.expect(1);
    assert!(
        check
            .stdout
            .contains("t: column id is NULL in the database, NOT NULL expected"),
        "{}",
        check.stdout
    );
    p.write(
        "src/lib.rs",
        &inspect
            .stdout
            .replacen("#[field(max_length = 10)]", "#[field(max_length = 20)]", 1),
    );
    p.remodel(&["makemigrations", "--name", "widen"]).ok();
    refuses_keeping_everything(&p, &["column id is NULL (the migrations say NOT NULL)"]).await;
}

/// A row-id key an earlier version recorded as `auto = true` is drift;
/// saying `auto = "rowid"` in the model makes a migration that records it
/// (the rebuild writes what the table has), and then all is clean.
#[tokio::test]
async fn saying_what_the_table_has_is_never_refused() {
    let p = crate::project();
    p.exec_script("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL);")
        .await;
    let structs = adopt(&p);
    // As the previous version printed it: an auto key.
    let old = structs.replacen(
        "#[field(primary_key, auto = \"rowid\")]",
        "#[field(primary_key)]",
        1,
    );
    assert_ne!(old, structs);
    std::fs::remove_dir_all(p.path().join("migrations")).unwrap();
    p.exec("DELETE FROM remodel_migrations").await;
    p.write("src/lib.rs", &old);
    p.remodel(&["makemigrations"]).ok();
    p.remodel(&["migrate", "--fake"]).ok();
    let check = p.remodel(&["check"]);
    check.expect(1);
    assert!(
        check.stdout.contains("column id is a row-id key"),
        "{}",
        check.stdout
    );
    p.write("src/lib.rs", &structs);
    p.remodel(&["makemigrations", "--name", "rowid"]).ok();
    p.remodel(&["migrate"]).ok();
    assert_eq!(p.remodel(&["check"]).code, 0);
}

/// MySQL: making a column whose character set was changed by hand NOT NULL
/// with a default refuses before the UPDATE that would fill its NULLs runs.
#[tokio::test]
async fn a_mysql_refusal_comes_before_the_rows_are_filled() {
    let Some(p) = TestProject::on(BIN, DialectKind::Mysql).await else {
        return;
    };
    p.exec_script(
        "CREATE TABLE t (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(10) NULL)
             DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_general_ci;
         INSERT INTO t (name) VALUES (NULL), ('x');",
    )
    .await;
    let structs = adopt(&p);
    let mut p = p;
    p.skip_drift_check();
    p.exec("ALTER TABLE t MODIFY name VARCHAR(10) CHARACTER SET utf8mb3 NULL")
        .await;
    p.write(
        "src/lib.rs",
        &structs.replacen(
            "#[field(max_length = 10)]\n    pub name: Option<String>,",
            "#[field(max_length = 10, default = \"zz\")]\n    pub name: String,",
            1,
        ),
    );
    p.remodel(&["makemigrations", "--name", "not_null"]).ok();
    refuses_keeping_everything(&p, &["column name has character set utf8mb3"]).await;
    assert_eq!(
        p.query("SELECT count(*) FROM t WHERE name IS NULL").await,
        [["1"]]
    );
}

/// `pk_name` changed in a model is one operation that renames the key
/// (PostgreSQL renames the constraint, SQLite rebuilds, MySQL's key is
/// always PRIMARY), and unapplies.
#[tokio::test]
async fn a_primary_key_is_renamed_on_every_database() {
    for kind in [
        DialectKind::Sqlite,
        DialectKind::Postgres,
        DialectKind::Mysql,
    ] {
        let Some(p) = TestProject::on(BIN, kind).await else {
            continue;
        };
        let model = |attr: &str| {
            format!(
                "use remodel::Model;\n#[derive(Model)]\n{attr}pub struct Thing {{\n    #[field(primary_key)]\n    pub id: i64,\n    #[field(max_length = 10)]\n    pub name: String,\n}}\n"
            )
        };
        p.write("src/lib.rs", &model(""));
        p.remodel(&["makemigrations"]).ok();
        p.remodel(&["migrate"]).ok();
        p.exec("INSERT INTO thing (name) VALUES ('a')").await;
        let before = facts(&p).await;
        p.write("src/lib.rs", &model("#[model(pk_name = \"thing_key\")]\n"));
        let made = p.remodel(&["makemigrations"]);
        made.ok();
        assert!(
            made.stdout
                .contains("~ Rename primary key of thing to thing_key"),
            "{}",
            made.stdout
        );
        p.remodel(&["migrate"]).ok();
        let after = facts(&p).await;
        if kind == DialectKind::Mysql {
            assert_eq!(changed(&before, &after), Vec::<String>::new());
        } else {
            assert!(
                after
                    .lines()
                    .iter()
                    .any(|l| l.contains("primary key thing_key")),
                "{kind:?}: {after}"
            );
        }
        assert_eq!(p.remodel(&["check"]).code, 0);
        p.remodel(&["migrate", "shop", "0001"]).ok();
        assert_eq!(
            changed(&before, &facts(&p).await),
            Vec::<String>::new(),
            "{kind:?}"
        );
        assert_eq!(p.query("SELECT name FROM thing").await, [["a"]]);
    }
}

/// An ON UPDATE action an applied RunSql made, before models could say it
/// (as the first release's README advised), stays clean: no drift, no new
/// migration. A migration that would restate the foreign key without it is
/// refused, by `migrate` and by its script; saying it in the model writes
/// one migration that goes through and keeps it.
#[tokio::test]
async fn an_on_update_a_run_sql_made_stays_and_can_be_said() {
    for kind in [
        DialectKind::Sqlite,
        DialectKind::Postgres,
        DialectKind::Mysql,
    ] {
        let Some(p) = TestProject::on(BIN, kind).await else {
            continue;
        };
        let model = |actions: &str| {
            format!(
                "use remodel::Model;\n#[derive(Model)]\npub struct Category {{\n    #[field(primary_key)]\n    pub id: i64,\n}}\n\
                 #[derive(Model)]\npub struct Item {{\n    #[field(primary_key)]\n    pub id: i64,\n    \
                 #[field(references = \"Category\", {actions})]\n    pub category_id: i64,\n}}\n"
            )
        };
        p.write("src/lib.rs", &model("on_delete = \"cascade\""));
        p.remodel(&["makemigrations"]).ok();
        p.remodel(&["migrate"]).ok();
        p.exec("INSERT INTO category (id) VALUES (1)").await;
        p.exec("INSERT INTO item (id, category_id) VALUES (1, 1)")
            .await;
        let (sql, reverse) = match kind {
            DialectKind::Sqlite => {
                let ddl = &p
                    .query("SELECT sql FROM sqlite_master WHERE name = 'item'")
                    .await[0][0];
                let with = ddl.replacen(
                    "REFERENCES \"category\" (\"id\")",
                    "REFERENCES \"category\" (\"id\") ON UPDATE CASCADE",
                    1,
                );
                assert_ne!(&with, ddl);
                let rebuild = |ddl: &str| {
                    format!(
                        "{}; INSERT INTO item_new SELECT * FROM item; DROP TABLE item; \
                         ALTER TABLE item_new RENAME TO item; \
                         CREATE INDEX item_category_id_idx ON item (category_id)",
                        ddl.replacen("\"item\"", "item_new", 1)
                    )
                };
                (rebuild(&with), rebuild(ddl))
            }
            DialectKind::Postgres => {
                let fk = |update: &str| {
                    format!(
                        "ALTER TABLE item DROP CONSTRAINT item_category_id_fk; \
                         ALTER TABLE item ADD CONSTRAINT item_category_id_fk FOREIGN KEY (category_id) \
                         REFERENCES category (id) ON DELETE CASCADE{update}"
                    )
                };
                (fk(" ON UPDATE CASCADE"), fk(""))
            }
            DialectKind::Mysql => {
                let fk = |update: &str| {
                    format!(
                        "ALTER TABLE item DROP FOREIGN KEY item_category_id_fk; \
                         ALTER TABLE item ADD CONSTRAINT item_category_id_fk FOREIGN KEY (category_id) \
                         REFERENCES category (id) ON DELETE CASCADE{update}"
                    )
                };
                (fk(" ON UPDATE CASCADE"), fk(""))
            }
        };
        let toml_string = |s: &str| toml::Value::String(s.to_string()).to_string();
        p.write(
            "migrations/shop/0002_on_update.toml",
            &format!(
                "dependencies = [\"shop.0001_initial\"]\n\n[[operations]]\nop = \"RunSql\"\nsql = {}\nreverse_sql = {}\n",
                toml_string(&sql),
                toml_string(&reverse)
            ),
        );
        p.remodel(&["migrate"]).ok();
        let check = p.remodel(&["check"]);
        assert_eq!(check.code, 0, "{kind:?}: {}", check.stdout);
        p.remodel(&["makemigrations", "--check"]).ok();
        p.exec("UPDATE category SET id = 2 WHERE id = 1").await;
        assert_eq!(p.query("SELECT category_id FROM item").await, [["2"]]);

        // Restating the foreign key without its ON UPDATE is refused.
        p.write("src/lib.rs", &model("on_delete = \"restrict\""));
        p.remodel(&["makemigrations", "--name", "restrict"]).ok();
        refuses_keeping_everything(&p, &["ON UPDATE CASCADE"]).await;
        let message = match kind {
            DialectKind::Sqlite => "table item holds what no migration created",
            DialectKind::Postgres => {
                "foreign key item_category_id_fk has what no migration created"
            }
            DialectKind::Mysql => "item: made by hand, run remodel migrate",
        };
        script_refuses(&p, message).await;
        std::fs::remove_file(p.path().join("migrations/shop/0003_restrict.toml")).unwrap();

        // Said in the model, it is one migration; its script and migrate
        // both go through.
        p.write(
            "src/lib.rs",
            &model("on_delete = \"cascade\", on_update = \"cascade\""),
        );
        let made = p.remodel(&["makemigrations", "--name", "said"]);
        made.ok();
        assert!(
            made.stdout.contains("~ Alter field category_id on item"),
            "{kind:?}: {}",
            made.stdout
        );
        let script = p.remodel(&["migrate", "--plan", "--sql"]);
        script.ok();
        p.try_exec_script(&script.stdout)
            .await
            .unwrap_or_else(|e| panic!("{kind:?}: the script stops: {e}"));
        let plan = p.remodel(&["migrate", "--plan"]);
        plan.ok();
        assert!(
            !plan.stdout.contains("0003_said"),
            "{kind:?}: {}",
            plan.stdout
        );
        assert_eq!(p.remodel(&["check"]).code, 0, "{kind:?}");
        p.exec("UPDATE category SET id = 3 WHERE id = 2").await;
        assert_eq!(p.query("SELECT category_id FROM item").await, [["3"]]);
        p.remodel(&["makemigrations", "--check"]).ok();
    }
}
