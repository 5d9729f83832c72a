//! Unsigned integers (`u8` … `u64`): MySQL's UNSIGNED types; elsewhere the
//! next wider type with a CHECK of the Rust range named
//! `<table>_<column>_range`. Created, enforced, read back as the unsigned
//! type with no drift, printed by inspectdb as written, renamed (the check
//! follows), changed to a signed type, unapplied; rows kept.

use crate::{BIN, TestProject};
use remodel_dialect::DialectKind;

fn counter(hits: &str, big: bool) -> String {
    let big = if big { "    pub total: u64,\n" } else { "" };
    format!(
        "use remodel::Model;\n#[derive(Model)]\npub struct Counter {{\n    #[field(primary_key)]\n    pub id: u32,\n    \
         pub level: u8,\n{hits}{big}}}\n"
    )
}

#[tokio::test]
async fn unsigned_fields_on_every_database() {
    for kind in [
        DialectKind::Sqlite,
        DialectKind::Postgres,
        DialectKind::Mysql,
    ] {
        let Some(p) = TestProject::on(BIN, kind).await else {
            continue;
        };
        let big = kind != DialectKind::Sqlite;
        p.write("src/lib.rs", &counter("    pub hits: u16,\n", big));
        p.remodel(&["makemigrations"]).ok();
        let file = p.read("migrations/shop/0001_initial.toml");
        assert!(
            file.contains(r#"{ name = "level", type = "uint8" }"#)
                && file.contains(
                    r#"{ name = "id", type = "uint32", primary_key = true, auto = true }"#
                ),
            "{kind:?}: {file}"
        );
        p.remodel(&["migrate"]).ok();
        let insert = if big {
            "INSERT INTO counter (level, hits, total) VALUES (255, 65535, 18446744073709551615)"
        } else {
            "INSERT INTO counter (level, hits) VALUES (255, 65535)"
        };
        p.exec(insert).await;
        // Out of range is refused by the database.
        let mut db = p.db().await;
        let refused = db
            .execute("INSERT INTO counter (level, hits) VALUES (256, 1)", &[])
            .await;
        let negative = db
            .execute("INSERT INTO counter (level, hits) VALUES (1, -1)", &[])
            .await;
        db.close().await;
        assert!(refused.is_err() && negative.is_err(), "{kind:?}");
        assert_eq!(p.remodel(&["check"]).code, 0, "{kind:?}");
        p.remodel(&["makemigrations", "--check"]).ok();
        let inspect = p.remodel(&["inspectdb"]);
        inspect.ok();
        for printed in ["pub id: u32,", "pub level: u8,", "pub hits: u16,"] {
            assert!(
                inspect.stdout.contains(printed),
                "{kind:?}: {printed} in\n{}",
                inspect.stdout
            );
        }

        // A rename: the range check follows the column.
        p.write(
            "src/lib.rs",
            &counter(
                "    #[field(column = \"visits\")]\n    pub hits: u16,\n",
                big,
            ),
        );
        p.remodel(&["makemigrations", "--name", "visits"]).ok();
        p.remodel(&["migrate"]).ok();

        // Signed again: the check goes.
        p.write(
            "src/lib.rs",
            &counter(
                "    #[field(column = \"visits\")]\n    pub hits: i32,\n",
                big,
            ),
        );
        p.remodel(&["makemigrations", "--name", "signed"]).ok();
        p.remodel(&["migrate"]).ok();
        p.exec("UPDATE counter SET visits = -5").await;

        p.exec("UPDATE counter SET visits = 7").await;
        p.remodel(&["migrate", "shop", "0001"]).ok();
        assert_eq!(
            p.query("SELECT level, hits FROM counter").await,
            [["255", "7"]],
            "{kind:?}"
        );
    }
}

#[test]
fn a_u64_is_refused_for_sqlite() {
    let p = crate::project();
    p.write("src/lib.rs", &counter("", true));
    let run = p.remodel(&["makemigrations"]);
    run.expect(1);
    assert!(
        run.stderr.contains(
            "SQLite has no type for the u64 field `total`: its integers stop at i64::MAX (dialects in remodel.toml include sqlite)"
        ),
        "{}",
        run.stderr
    );
}
