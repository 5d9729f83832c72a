//! `#[derive(DbEnum)]` with the `sqlx` feature: an enum binds and reads
//! back through sqlx as its value (SQLite here; PostgreSQL's enum type and
//! MySQL's ENUM in the project's end-to-end tests).

use remodel::DbEnum;
use sqlx::{Connection, Row};

#[derive(Debug, Clone, Copy, PartialEq, Eq, remodel::DbEnum)]
enum Rating {
    G,
    #[db_enum(value = "PG-13")]
    Pg13,
}

#[tokio::test]
async fn an_enum_binds_and_decodes_as_its_value() {
    let mut db = sqlx::SqliteConnection::connect("sqlite::memory:")
        .await
        .unwrap();
    sqlx::query("CREATE TABLE film (rating TEXT CHECK (rating IN ('G', 'PG-13')))")
        .execute(&mut db)
        .await
        .unwrap();
    sqlx::query("INSERT INTO film (rating) VALUES (?)")
        .bind(Rating::Pg13)
        .execute(&mut db)
        .await
        .unwrap();
    let stored: String = sqlx::query("SELECT rating FROM film")
        .fetch_one(&mut db)
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, Rating::Pg13.as_str());
    let back: Rating = sqlx::query_scalar("SELECT rating FROM film")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(back, Rating::Pg13);
    // A value the enum has not is a decoding error, not a panic.
    let bad = sqlx::query_scalar::<_, Rating>("SELECT 'NC-17'")
        .fetch_one(&mut db)
        .await
        .unwrap_err();
    assert!(
        bad.to_string()
            .contains("'NC-17' is not a value of enum Rating"),
        "{bad}"
    );
}
