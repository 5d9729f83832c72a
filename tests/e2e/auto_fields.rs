//! `#[field(auto)]` on an integer field that is not the sole key:
//! PostgreSQL's identity, MySQL's AUTO_INCREMENT on a column that leads an
//! index; added to a table with rows (each numbered), read back with no
//! drift, printed by inspectdb, unapplied. SQLite refuses, and MySQL
//! refuses a column no index starts with.

use crate::{BIN, TestProject};
use remodel_dialect::DialectKind;

fn ticket(seq: &str) -> String {
    format!(
        "use remodel::Model;\n#[derive(Model)]\npub struct Ticket {{\n    #[field(primary_key, max_length = 10)]\n    pub code: String,\n    \
         #[field(max_length = 20)]\n    pub note: String,\n{seq}}}\n"
    )
}

#[tokio::test]
async fn a_numbered_field_that_is_not_the_key() {
    for kind in [DialectKind::Postgres, DialectKind::Mysql] {
        let Some(p) = TestProject::on(BIN, kind).await else {
            continue;
        };
        p.write("src/lib.rs", &ticket(""));
        p.remodel(&["makemigrations"]).ok();
        p.remodel(&["migrate"]).ok();
        p.exec("INSERT INTO ticket (code, note) VALUES ('a', 'first')")
            .await;
        p.exec("INSERT INTO ticket (code, note) VALUES ('b', 'second')")
            .await;
        p.write(
            "src/lib.rs",
            &ticket("    #[field(auto, unique)]\n    pub seq: i64,\n"),
        );
        let made = p.remodel(&["makemigrations", "--name", "seq"]);
        made.ok();
        assert!(
            p.read("migrations/shop/0002_seq.toml")
                .contains(r#"{ name = "seq", type = "bigint", auto = true, unique = true }"#),
            "{kind:?}: {}",
            p.read("migrations/shop/0002_seq.toml")
        );
        p.remodel(&["migrate"]).ok();
        p.exec("INSERT INTO ticket (code, note) VALUES ('c', 'third')")
            .await;
        let seqs = p.query("SELECT code, seq FROM ticket ORDER BY code").await;
        let numbers: Vec<&str> = seqs.iter().map(|r| r[1].as_str()).collect();
        assert_eq!(numbers.len(), 3, "{kind:?}");
        assert!(
            numbers
                .iter()
                .all(|n| n.parse::<i64>().is_ok_and(|n| n > 0)),
            "{kind:?}: {seqs:?}"
        );
        assert_eq!(
            seqs[2][1], "3",
            "{kind:?}: the next number follows the rows"
        );
        assert_eq!(p.remodel(&["check"]).code, 0, "{kind:?}");
        let inspect = p.remodel(&["inspectdb"]);
        inspect.ok();
        assert!(
            inspect
                .stdout
                .contains("#[field(auto, unique)]\n    pub seq: i64,"),
            "{kind:?}: {}",
            inspect.stdout
        );
        p.remodel(&["migrate", "shop", "0001"]).ok();
        assert_eq!(
            p.query("SELECT code FROM ticket ORDER BY code").await,
            [["a"], ["b"], ["c"]]
        );
    }
}

#[test]
fn numbering_a_field_that_is_not_the_key_is_refused_where_it_cannot_be() {
    let p = crate::project();
    p.write(
        "src/lib.rs",
        &ticket("    #[field(auto, unique)]\n    pub seq: i64,\n"),
    );
    let run = p.remodel(&["makemigrations"]);
    run.expect(1);
    assert!(
        run.stderr.contains(
            "SQLite cannot number `seq`, which is not the primary key (dialects in remodel.toml include sqlite)"
        ),
        "{}",
        run.stderr
    );
    p.write("remodel.toml", "dialects = [\"mysql\"]\n");
    p.write(
        "src/lib.rs",
        &ticket("    #[field(auto)]\n    pub seq: i64,\n"),
    );
    let run = p.remodel(&["makemigrations"]);
    run.expect(1);
    for said in [
        "MySQL numbers only a column that leads an index, and no index starts with `seq`",
        "give the field `index` (or `unique`)",
    ] {
        assert!(run.stderr.contains(said), "{said} in\n{}", run.stderr);
    }
    assert!(!p.path().join("migrations").exists());
}
