//! A RunSql migration that says what it `creates`: each object is looked
//! for by `check` — there, it is the history's (an index it creates is
//! neither drift nor adopted again); dropped by hand, or made otherwise
//! than its migration made it, it is drift naming the migration. On every
//! database.

use crate::{BIN, TestProject};
use remodel_dialect::DialectKind;

const ITEM: &str = "use remodel::Model;\n#[derive(Model)]\npub struct Item {\n    #[field(primary_key)]\n    pub id: i64,\n    \
                    #[field(max_length = 50)]\n    pub name: String,\n}\n";

fn objects(kind: DialectKind) -> String {
    let drop_index = match kind {
        DialectKind::Mysql => "DROP INDEX item_name_lookup ON item",
        _ => "DROP INDEX item_name_lookup",
    };
    format!(
        "dependencies = [\"shop.0001_initial\"]\n\n[[operations]]\nop = \"RunSql\"\n\
         sql = \"CREATE VIEW item_names AS SELECT name FROM item; CREATE INDEX item_name_lookup ON item (name)\"\n\
         reverse_sql = \"{drop_index}; DROP VIEW item_names\"\n\
         creates = [\"view item_names\", \"index item_name_lookup\"]\n"
    )
}

#[tokio::test]
async fn what_a_run_sql_creates_is_checked_on_every_database() {
    for kind in [
        DialectKind::Sqlite,
        DialectKind::Postgres,
        DialectKind::Mysql,
    ] {
        let Some(p) = TestProject::on(BIN, kind).await else {
            continue;
        };
        p.write("src/lib.rs", ITEM);
        p.remodel(&["makemigrations"]).ok();
        p.write("migrations/shop/0002_objects.toml", &objects(kind));
        p.remodel(&["migrate"]).ok();
        let check = p.remodel(&["check"]);
        assert_eq!(check.code, 0, "{kind:?}: {}{}", check.stdout, check.stderr);
        // The index is the history's: nothing to adopt.
        p.remodel(&["check", "--adopt"]).ok();
        assert_eq!(p.files("migrations/shop").len(), 2, "{kind:?}");

        // Dropped by hand: drift, naming the migration.
        p.exec("DROP VIEW item_names").await;
        let check = p.remodel(&["check"]);
        assert_eq!(check.code, 1, "{kind:?}: {}", check.stdout);
        assert!(
            check.stdout.contains(
                "view item_names, which applied migration shop.0002_objects creates, is not in the database"
            ),
            "{kind:?}: {}",
            check.stdout
        );
        // No operation can make it again: --adopt refuses, writing nothing.
        let adopt = p.remodel(&["check", "--adopt"]);
        crate::refused(
            &adopt,
            1,
            &[
                "this drift cannot be recorded as a migration",
                "view item_names, which applied migration shop.0002_objects creates",
            ],
        );
        // Made otherwise by hand: drift too, against the definition
        // recorded when the migration ran.
        p.exec("CREATE VIEW item_names AS SELECT name, id FROM item")
            .await;
        let check = p.remodel(&["check"]);
        assert_eq!(check.code, 1, "{kind:?}: {}", check.stdout);
        assert!(
            check.stdout.contains(
                "view item_names is not as applied migration shop.0002_objects created it (its definition changed since)"
            ),
            "{kind:?}: {}",
            check.stdout
        );
        p.exec("DROP VIEW item_names").await;
        p.exec("CREATE VIEW item_names AS SELECT name FROM item")
            .await;
        assert_eq!(p.remodel(&["check"]).code, 0, "{kind:?}");

        // Unapplied, the objects go with it and nothing is missing.
        p.remodel(&["migrate", "shop", "0001"]).ok();
        assert_eq!(p.remodel(&["check"]).code, 0, "{kind:?}");
    }
}

#[test]
fn creates_names_a_kind_of_object() {
    let p = crate::project();
    p.write("src/lib.rs", ITEM);
    p.remodel(&["makemigrations"]).ok();
    p.write(
        "migrations/shop/0002_objects.toml",
        &objects(DialectKind::Sqlite).replace("\"view item_names\"", "\"table item_names\""),
    );
    let run = p.remodel(&["migrate"]);
    run.expect(1);
    for said in [
        "migrations/shop/0002_objects.toml",
        "`creates`: `table item_names` does not start with a kind of object: one of view",
    ] {
        assert!(run.stderr.contains(said), "{said} in\n{}", run.stderr);
    }
}
