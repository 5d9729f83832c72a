//! `check --adopt --app` on a database made by hand, with views (one over
//! another), a trigger and, on PostgreSQL, an enum type and a function a
//! default calls: one migration makes it all again (a RunSql before the
//! tables for what they use, the tables, a RunSql after them), recorded
//! without running; a fresh database migrated from it holds the same, and
//! unapplying it leaves nothing behind. And on a database with a history,
//! a view added by hand is adopted as a RunSql only when `--app` says
//! where. On every database.

use crate::realworld_adoption::{adopt_as_printed, migrated_fresh, pg_dump_diff, structure};
use crate::{BIN, TestProject};
use remodel_dialect::DialectKind;
use remodel_testkit::facts::{facts, rows};

const KINDS: [DialectKind; 3] = [
    DialectKind::Sqlite,
    DialectKind::Postgres,
    DialectKind::Mysql,
];

/// The hand-made database, statement by statement.
fn schema(kind: DialectKind) -> Vec<&'static str> {
    let mut out = Vec::new();
    if kind == DialectKind::Postgres {
        out.extend([
            "CREATE TYPE mood AS ENUM ('calm', 'busy')",
            "CREATE FUNCTION first_title() RETURNS text LANGUAGE sql AS $$ SELECT 'untitled'::text $$",
            "CREATE TABLE author (id integer PRIMARY KEY, name varchar(50) NOT NULL, mood mood)",
            "CREATE TABLE book (id integer PRIMARY KEY, author_id integer NOT NULL REFERENCES author (id), \
             title varchar(100) NOT NULL DEFAULT first_title())",
            "CREATE FUNCTION upper_title() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN NEW.title := upper(NEW.title); RETURN NEW; END $$",
            "CREATE TRIGGER book_title_upper BEFORE INSERT ON book FOR EACH ROW EXECUTE FUNCTION upper_title()",
        ]);
    } else {
        out.extend([
            // Types spelled as remodel spells them: SQLite keeps the spelling.
            "CREATE TABLE author (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL)",
            "CREATE TABLE book (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES author (id), \
             title VARCHAR(100) NOT NULL)",
        ]);
        out.push(match kind {
            DialectKind::Sqlite => {
                "CREATE TRIGGER book_title_upper AFTER INSERT ON book BEGIN \
                 UPDATE book SET title = upper(title) WHERE id = new.id; END"
            }
            _ => {
                "CREATE TRIGGER book_title_upper BEFORE INSERT ON book FOR EACH ROW SET NEW.title = UPPER(NEW.title)"
            }
        });
    }
    // A view over another, created first (MySQL lists views by name).
    out.extend([
        "CREATE VIEW book_titles AS SELECT b.title, a.name FROM book b JOIN author a ON a.id = b.author_id",
        "CREATE VIEW a_titles AS SELECT title FROM book_titles",
    ]);
    out
}

#[tokio::test]
async fn a_whole_database_is_adopted_and_made_again_on_every_database() {
    for kind in KINDS {
        let Some(p) = TestProject::on(BIN, kind).await else {
            continue;
        };
        for sql in schema(kind) {
            p.exec_script(sql).await;
        }
        let original = facts(&p).await;
        let inspect = p.remodel(&["inspectdb", "--app", "shop"]);
        inspect.ok();
        p.write("src/lib.rs", &inspect.stdout);

        let adopt = p.remodel(&["check", "--adopt", "--app", "shop"]);
        adopt.ok();
        assert!(
            adopt.stdout.contains("s Raw SQL operation creating"),
            "{kind:?}: {}",
            adopt.stdout
        );
        let file = p.read("migrations/shop/0001_initial.toml");
        let first_run_sql = file.find("op = \"RunSql\"").expect("a RunSql");
        let first_table = file.find("op = \"CreateModel\"").expect("a CreateModel");
        let last_run_sql = file.rfind("op = \"RunSql\"").unwrap();
        let last_table = file.rfind("op = \"CreateModel\"").unwrap();
        assert!(
            last_run_sql > last_table,
            "{kind:?}: views come after:\n{file}"
        );
        let after = file[last_run_sql..]
            .lines()
            .find(|l| l.starts_with("creates = ["))
            .expect("it says what it creates");
        let at = |what: &str| {
            after
                .find(&format!("\"{what}\""))
                .unwrap_or_else(|| panic!("{kind:?}: {what} in {after}"))
        };
        // The view another selects from comes first, though made later.
        assert!(at("view book_titles") < at("view a_titles"), "{after}");
        at("trigger book_title_upper on book");
        if kind == DialectKind::Postgres {
            // The trigger's function before the trigger.
            assert!(at("function upper_title()") < at("trigger book_title_upper on book"));
        }
        if kind == DialectKind::Postgres {
            assert!(first_run_sql < first_table, "{file}");
            assert!(
                file.contains("creates = [\"enum type mood\", \"function first_title()\"]"),
                "what the tables use comes before them:\n{file}"
            );
            assert!(file.contains("SET LOCAL check_function_bodies = false"));
        }
        assert!(file.contains("reverse_sql = {"), "{kind:?}: {file}");
        p.remodel(&["makemigrations", "--check"]).ok();
        p.remodel(&["check"]).ok();
        assert_eq!(
            facts(&p).await.diff(&original),
            Vec::<String>::new(),
            "{kind:?}: adopting runs nothing"
        );

        // A fresh database from the file: the same, and it works.
        let Some(q) = p.copy_on_fresh_database().await else {
            continue;
        };
        q.remodel(&["migrate"]).ok();
        q.remodel(&["check"]).ok();
        assert_eq!(
            original.diff(&facts(&q).await),
            Vec::<String>::new(),
            "{kind:?}: the fresh database (- original, + fresh)"
        );
        q.exec("INSERT INTO author (id, name) VALUES (1, 'Ann')")
            .await;
        q.exec("INSERT INTO book (id, author_id, title) VALUES (1, 1, 'dune')")
            .await;
        assert_eq!(
            rows(&q, "a_titles").await,
            [["'DUNE'".to_string()]],
            "{kind:?}: the views and the trigger work"
        );
        q.exec("DELETE FROM book").await;
        q.exec("DELETE FROM author").await;

        // Unapplied: nothing left, objects included; and applied again.
        q.remodel(&["migrate", "shop", "zero"]).ok();
        assert_eq!(facts(&q).await.lines(), Vec::<String>::new(), "{kind:?}");
        if kind == DialectKind::Postgres {
            let mut db = q.db().await;
            let left = db
                .query(
                    "SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
                     WHERE n.nspname = current_schema() AND t.typname = 'mood' \
                     UNION ALL SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
                     WHERE n.nspname = current_schema()",
                    &[],
                )
                .await
                .unwrap();
            db.close().await;
            assert!(
                left.iter().all(|r| r[0] == remodel_dialect::Value::Int(0)),
                "the type and the functions are dropped: {left:?}"
            );
        }
        q.remodel(&["migrate"]).ok();
        assert_eq!(facts(&q).await.diff(&original), Vec::<String>::new());
    }
}

const ITEM: &str = "use remodel::Model;\n#[derive(Model)]\npub struct Item {\n    #[field(primary_key)]\n    pub id: i64,\n    \
                    #[field(max_length = 50)]\n    pub name: String,\n}\n";

#[tokio::test]
async fn a_view_added_by_hand_is_adopted_only_into_the_app_named() {
    for kind in KINDS {
        let Some(p) = TestProject::on(BIN, kind).await else {
            continue;
        };
        p.write("src/lib.rs", ITEM);
        p.remodel(&["makemigrations"]).ok();
        p.remodel(&["migrate"]).ok();
        p.exec("CREATE VIEW item_names AS SELECT name FROM item")
            .await;

        // Not drift; without --app, left alone and counted.
        p.remodel(&["check"]).ok();
        let adopt = p.remodel(&["check", "--adopt"]);
        adopt.ok();
        assert!(
            adopt.stdout.contains("Nothing to adopt"),
            "{kind:?}: {}",
            adopt.stdout
        );
        assert!(
            adopt
                .stderr
                .contains("1 object no migration creates (views, triggers, functions, …) is not adopted; `remodel check --adopt --app APP` adopts it as RunSql"),
            "{kind:?}: {}",
            adopt.stderr
        );
        assert_eq!(p.files("migrations/shop").len(), 1);

        // With --app: a migration of that RunSql alone, recorded.
        let adopt = p.remodel(&["check", "--adopt", "--app", "shop"]);
        adopt.ok();
        assert!(
            adopt
                .stdout
                .contains("s Raw SQL operation creating view item_names"),
            "{kind:?}: {}",
            adopt.stdout
        );
        let files = p.files("migrations/shop");
        assert_eq!(files.len(), 2, "{kind:?}: {files:?}");
        let second = p.read(&files[1]);
        assert!(
            second.contains("dependencies = [\"shop.0001_initial\"]")
                && second.contains("creates = [\"view item_names\"]"),
            "{kind:?}: {second}"
        );
        p.remodel(&["makemigrations", "--check"]).ok();
        p.remodel(&["check"]).ok();
        p.remodel(&["check", "--adopt", "--app", "shop"]).ok();
        assert_eq!(p.files("migrations/shop").len(), 2, "adopted once");

        // Made again the same but for line breaks: not a change (SQLite
        // keeps the text as written).
        p.exec("DROP VIEW item_names").await;
        p.exec("CREATE VIEW item_names AS\n    SELECT name\n    FROM item")
            .await;
        let check = p.remodel(&["check"]);
        assert_eq!(check.code, 0, "{kind:?}: {}", check.stdout);

        // Now the history's: dropped by hand, it is drift naming it.
        p.exec("DROP VIEW item_names").await;
        let check = p.remodel(&["check"]);
        assert_eq!(check.code, 1, "{kind:?}: {}", check.stdout);
        assert!(
            check
                .stdout
                .contains("view item_names, which applied migration shop.0002_"),
            "{kind:?}: {}",
            check.stdout
        );
    }
}

/// PostgreSQL: a default taking the next value of a sequence no column
/// owns is printed as that default (the sequence is an object to adopt),
/// while a project adopted before, whose struct says `auto = "sequence"`
/// for it, stays clean.
#[tokio::test]
async fn a_sequence_no_column_owns_stays_an_object_and_old_structs_stay_clean() {
    let Some(p) = TestProject::on(BIN, DialectKind::Postgres).await else {
        return;
    };
    p.exec("CREATE SEQUENCE ticket_seq").await;
    p.exec("CREATE TABLE ticket (id integer PRIMARY KEY DEFAULT nextval('ticket_seq'))")
        .await;
    let inspect = p.remodel(&["inspectdb", "--app", "shop"]);
    inspect.ok();
    assert!(
        inspect.stdout.contains(
            "#[field(primary_key, auto = false, default_sql = \"nextval('ticket_seq')\")]"
        ),
        "{}",
        inspect.stdout
    );
    assert!(
        inspect
            .stderr
            .contains("sequence ticket_seq, which no column owns, is left out"),
        "{}",
        inspect.stderr
    );
    // As an earlier inspectdb printed it.
    p.write(
        "src/lib.rs",
        "use remodel::Model;\n#[derive(Model)]\n#[model(app = \"shop\", pk_name = \"ticket_pkey\")]\npub struct Ticket {\n    #[field(primary_key, auto = \"sequence\")]\n    pub id: i32,\n}\n",
    );
    p.remodel(&["makemigrations"]).ok();
    p.remodel(&["migrate", "--fake"]).ok();
    let check = p.remodel(&["check"]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
}

/// The schema `inspectdb`'s round trip uses (`fixtures/inspected`), with
/// what each database has beyond tables — views, triggers, functions,
/// procedures, events, enum and domain types, sequences, partitions —
/// adopted whole and made again on a fresh database: the same facts, and
/// on PostgreSQL the same `pg_dump --schema-only` up to order. This needs
/// no sample database.
#[tokio::test]
async fn the_inspected_schema_is_adopted_whole_and_made_again() {
    for kind in KINDS {
        let Some(p) = TestProject::on(BIN, kind).await else {
            continue;
        };
        let fixture = remodel_testkit::workspace_root().join("fixtures/inspected");
        let schema = std::fs::read_to_string(fixture.join(format!("schema/{}.sql", kind.name())))
            .expect("the schema script");
        p.exec_script(&schema).await;
        let original = facts(&p).await;
        adopt_as_printed(&p, "legacy");
        let Some(q) = migrated_fresh(&p).await else {
            continue;
        };
        // SQLite keeps each column's declared type and default as written;
        // remodel writes its own spelling of the same (the same affinity,
        // the same value).
        let spelled_otherwise: &[&str] = match kind {
            DialectKind::Sqlite => &[
                "- InvoiceLine: column order_id: INTEGER not null",
                "+ InvoiceLine: column order_id: BIGINT not null",
                "- customer: column active: BOOLEAN not null default 1",
                "+ customer: column active: BOOLEAN not null default TRUE",
                "- customer: column email: varchar(200) not null",
                "+ customer: column email: VARCHAR(200) not null",
            ],
            _ => &[],
        };
        let differ: Vec<String> = structure(&original)
            .diff(&structure(&facts(&q).await))
            .into_iter()
            .filter(|d| !spelled_otherwise.contains(&d.as_str()))
            .collect();
        assert_eq!(
            differ,
            Vec::<String>::new(),
            "{kind:?}: the fresh database (- original, + fresh)"
        );
        if kind == DialectKind::Postgres {
            assert_eq!(
                pg_dump_diff(&p, &q).unwrap_or_default(),
                Vec::<String>::new(),
                "pg_dump --schema-only (< original, > fresh), up to order"
            );
        }
        // Unapplied, nothing is left.
        q.remodel(&["migrate", "legacy", "zero"]).ok();
        assert_eq!(facts(&q).await.lines(), Vec::<String>::new(), "{kind:?}");
    }
}
