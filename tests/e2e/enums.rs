//! Rust enums as columns (`#[derive(DbEnum)]`, DESIGN §11.2): created as a
//! PostgreSQL enum type, a MySQL/MariaDB `ENUM(…)` column or SQLite `TEXT`
//! with a named CHECK, from the same migration file on every database; the
//! database refuses a value the enum does not have; no drift; unapplied
//! and deleted with the fields that use it.

use crate::{BIN, TestProject};
use remodel_dialect::DialectKind;
use sqlx::Connection;

/// The enum as application code has it, with sqlx's traits (the `sqlx`
/// feature).
#[derive(Debug, Clone, Copy, PartialEq, Eq, remodel::DbEnum)]
#[db_enum(name = "mpaa_rating")]
enum Rating {
    G,
    #[db_enum(value = "PG-13")]
    Pg13,
    R,
}

/// Binds a Rating into an insert and reads the column back as one, through
/// sqlx on the project's database.
async fn through_sqlx(p: &TestProject, kind: DialectKind) {
    let url = p.db_url();
    let read = match kind {
        DialectKind::Postgres => {
            let mut db = sqlx::PgConnection::connect(&url).await.unwrap();
            sqlx::query("INSERT INTO film (title, rating) VALUES ('Up', $1)")
                .bind(Rating::Pg13)
                .execute(&mut db)
                .await
                .unwrap();
            sqlx::query_scalar::<_, Rating>("SELECT rating FROM film WHERE title = 'Up'")
                .fetch_one(&mut db)
                .await
                .unwrap()
        }
        DialectKind::Mysql => {
            let mut db = sqlx::MySqlConnection::connect(&url).await.unwrap();
            sqlx::query("INSERT INTO film (title, rating) VALUES ('Up', ?)")
                .bind(Rating::Pg13)
                .execute(&mut db)
                .await
                .unwrap();
            sqlx::query_scalar::<_, Rating>("SELECT rating FROM film WHERE title = 'Up'")
                .fetch_one(&mut db)
                .await
                .unwrap()
        }
        DialectKind::Sqlite => return,
    };
    assert_eq!(read, Rating::Pg13, "{kind:?}");
    p.exec("DELETE FROM film WHERE title = 'Up'").await;
}

const KINDS: [DialectKind; 3] = [
    DialectKind::Sqlite,
    DialectKind::Postgres,
    DialectKind::Mysql,
];

const RATING: &str = "#[derive(Clone, Copy, remodel::DbEnum)]\n#[db_enum(name = \"mpaa_rating\")]\npub enum Rating {\n    G,\n    #[db_enum(value = \"PG-13\")]\n    Pg13,\n    R,\n}\n";

fn film(rating_field: &str) -> String {
    format!(
        "use remodel::Model;\n{RATING}\n#[derive(Model)]\npub struct Film {{\n    #[field(primary_key)]\n    pub id: i64,\n    \
         #[field(max_length = 50)]\n    pub title: String,\n{rating_field}}}\n"
    )
}

#[tokio::test]
async fn an_enum_column_on_every_database() {
    for kind in KINDS {
        let Some(p) = TestProject::on(BIN, kind).await else {
            continue;
        };
        p.write(
            "src/lib.rs",
            &film("    #[field(default = \"G\")]\n    pub rating: Rating,\n    pub second: Option<Rating>,\n"),
        );
        let made = p.remodel(&["makemigrations"]);
        made.ok();
        assert!(
            made.stdout
                .contains("+ Create enum Rating ('G', 'PG-13', 'R')\n    + Create model Film"),
            "{kind:?}: {}",
            made.stdout
        );
        let file = p.read("migrations/shop/0001_initial.toml");
        assert!(
            file.contains("op = \"CreateEnum\"\nname = \"Rating\"\ntype_name = \"mpaa_rating\"\nvariants = [\n  { name = \"G\", value = \"G\" },\n  { name = \"Pg13\", value = \"PG-13\" },\n  { name = \"R\", value = \"R\" },\n]\n"),
            "{file}"
        );
        assert!(
            file.contains(r#"{ name = "rating", type = "enum(shop.Rating)", default = "G" }"#),
            "{file}"
        );
        let sql = p.remodel(&["sqlmigrate", "shop", "0001"]);
        sql.ok();
        let expected = match kind {
            DialectKind::Postgres => "CREATE TYPE \"mpaa_rating\" AS ENUM ('G', 'PG-13', 'R')",
            DialectKind::Mysql => "`rating` ENUM('G','PG-13','R') NOT NULL DEFAULT 'G'",
            DialectKind::Sqlite => {
                "CONSTRAINT \"film_rating_enum\" CHECK (\"rating\" IN ('G', 'PG-13', 'R'))"
            }
        };
        assert!(sql.stdout.contains(expected), "{kind:?}: {}", sql.stdout);
        p.remodel(&["migrate"]).ok();
        p.exec("INSERT INTO film (title, rating, second) VALUES ('Alien', 'R', NULL)")
            .await;
        p.exec("INSERT INTO film (title) VALUES ('Heidi')").await;
        assert_eq!(
            p.query("SELECT title, rating FROM film ORDER BY id").await,
            [["Alien", "R"], ["Heidi", "G"]],
            "{kind:?}"
        );
        // A value the enum has not is refused by the database.
        let mut db = p.db().await;
        let bad = db
            .execute(
                "INSERT INTO film (title, rating) VALUES ('X', 'NC-17')",
                &[],
            )
            .await;
        db.close().await;
        assert!(bad.is_err(), "{kind:?}: 'NC-17' was accepted");
        through_sqlx(&p, kind).await;
        p.remodel(&["check"]).ok();
        p.remodel(&["makemigrations", "--check"]).ok();

        // The fields go, then the enum: one migration, in that order.
        p.write("src/lib.rs", &film("").replace(RATING, ""));
        let made = p.remodel(&["makemigrations", "--name", "no_rating"]);
        made.ok();
        let lines: Vec<&str> = made.stdout.lines().skip(2).collect();
        assert_eq!(
            lines,
            [
                "    - Remove field rating from film  (drops data)",
                "    - Remove field second from film  (drops data)",
                "    - Delete enum Rating"
            ],
            "{kind:?}"
        );
        p.remodel(&["migrate"]).ok();
        if kind == DialectKind::Postgres {
            assert_eq!(
                p.query("SELECT count(*) FROM pg_type WHERE typname = 'mpaa_rating'")
                    .await,
                [["0"]]
            );
        }
        // Unapplied: the enum and its columns are back, then gone again.
        p.remodel(&["migrate", "shop", "0001"]).ok();
        p.remodel(&["migrate", "shop", "zero"]).ok();
        if kind == DialectKind::Postgres {
            assert_eq!(
                p.query("SELECT count(*) FROM pg_type WHERE typname = 'mpaa_rating'")
                    .await,
                [["0"]]
            );
        }
        p.remodel(&["migrate"]).ok();
    }
}

#[test]
fn a_field_of_a_type_that_is_no_enum_says_how_to_give_it_a_column() {
    let p = crate::project();
    p.write(
        "src/lib.rs",
        "use remodel::Model;\npub struct Money(i64);\n#[derive(Model)]\npub struct Item {\n    #[field(primary_key)]\n    pub id: i64,\n    pub price: Money,\n}\n",
    );
    let run = p.remodel(&["makemigrations"]);
    crate::refused(
        &run,
        1,
        &[
            "field `price` has type `Money`, which has no column type",
            "src/lib.rs:7",
            "derive remodel::DbEnum on `Money` to store its variants, or give the SQL type",
        ],
    );
}

/// A value added to an enum by hand is drift, named as the database holds
/// the enum: PostgreSQL's type, MySQL's column.
#[tokio::test]
async fn a_value_added_by_hand_is_drift() {
    for kind in [DialectKind::Postgres, DialectKind::Mysql] {
        let Some(mut p) = TestProject::on(BIN, kind).await else {
            continue;
        };
        p.write("src/lib.rs", &film("    pub rating: Option<Rating>,\n"));
        p.remodel(&["makemigrations"]).ok();
        p.remodel(&["migrate"]).ok();
        let (by_hand, said) = match kind {
            DialectKind::Postgres => (
                "ALTER TYPE mpaa_rating ADD VALUE 'NC-17'",
                "enum type mpaa_rating has the values ('G', 'PG-13', 'R', 'NC-17') in the database, ('G', 'PG-13', 'R') in the applied migrations",
            ),
            _ => (
                "ALTER TABLE film MODIFY rating ENUM('G','PG-13','R','NC-17')",
                "film: column rating is raw(\"enum('G','PG-13','R','NC-17')\") in the database, raw(\"enum('G','PG-13','R')\") expected",
            ),
        };
        p.skip_drift_check();
        p.exec(by_hand).await;
        let check = p.remodel(&["check"]);
        assert_eq!(check.code, 1, "{kind:?}: {}", check.stdout);
        assert!(check.stdout.contains(said), "{kind:?}: {}", check.stdout);
    }
}
