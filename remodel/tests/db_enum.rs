//! What `#[derive(DbEnum)]` gives application code: each variant's value,
//! `Display` and `FromStr` over the values, every variant in order.

use remodel::DbEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, remodel::DbEnum)]
#[db_enum(name = "mpaa_rating")]
enum Rating {
    G,
    #[db_enum(value = "PG-13", renamed_from = "Pg13Old")]
    Pg13,
    R,
}

#[test]
fn values_read_and_write_as_the_database_holds_them() {
    assert_eq!(Rating::Pg13.as_str(), "PG-13");
    assert_eq!(Rating::G.to_string(), "G");
    assert_eq!("PG-13".parse::<Rating>(), Ok(Rating::Pg13));
    let err = "NC-17".parse::<Rating>().unwrap_err();
    assert_eq!(err.to_string(), "'NC-17' is not a value of enum Rating");
    assert_eq!(Rating::VARIANTS, [Rating::G, Rating::Pg13, Rating::R]);
    assert_eq!(Rating::VALUES, ["G", "PG-13", "R"]);
}
