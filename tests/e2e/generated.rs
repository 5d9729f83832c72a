//! Generated columns (`#[field(generated = "…", stored)]`): created on each
//! database with their values computed, read back with no drift, printed
//! by inspectdb, given a new expression, made plain with the values kept,
//! unapplied; a virtual one on PostgreSQL is a portability error, and what
//! MySQL/MariaDB cannot change in place is refused with the way out.

use crate::{BIN, TestProject};
use remodel_dialect::DialectKind;

fn line(total: &str, doubled: &str) -> String {
    format!(
        "use remodel::Model;\n#[derive(Model)]\npub struct Line {{\n    #[field(primary_key)]\n    pub id: i64,\n    \
         pub price: i32,\n    pub qty: i32,\n    {total}\n    pub total: Option<i64>,\n    {doubled}\n    pub doubled: Option<i64>,\n}}\n"
    )
}

async fn values(p: &TestProject) -> Vec<Vec<String>> {
    p.query("SELECT price, qty, total, doubled FROM line ORDER BY id")
        .await
}

#[tokio::test]
async fn generated_columns_on_every_database() {
    for kind in [
        DialectKind::Sqlite,
        DialectKind::Postgres,
        DialectKind::Mysql,
    ] {
        let Some(p) = TestProject::on(BIN, kind).await else {
            continue;
        };
        // PostgreSQL 15 has stored generated columns only.
        let doubled_kind = if kind == DialectKind::Postgres {
            ", stored"
        } else {
            ""
        };
        p.write(
            "src/lib.rs",
            &line(
                "#[field(generated = \"price * qty\", stored)]",
                &format!("#[field(generated = \"price * 2\"{doubled_kind})]"),
            ),
        );
        p.remodel(&["makemigrations"]).ok();
        let file = p.read("migrations/shop/0001_initial.toml");
        assert!(
            file.contains(
                r#"{ name = "total", type = "bigint", null = true, generated = "price * qty", stored = true }"#
            ),
            "{kind:?}: {file}"
        );
        p.remodel(&["migrate"]).ok();
        p.exec("INSERT INTO line (price, qty) VALUES (3, 4)").await;
        assert_eq!(values(&p).await, [["3", "4", "12", "6"]], "{kind:?}");
        assert_eq!(p.remodel(&["check"]).code, 0, "{kind:?}");
        p.remodel(&["makemigrations", "--check"]).ok();
        let inspect = p.remodel(&["inspectdb"]);
        inspect.ok();
        assert!(
            inspect
                .stdout
                .contains(r#"#[field(generated = "price * qty", stored)]"#),
            "{kind:?}: {}",
            inspect.stdout
        );

        // A new expression of the same kind (PostgreSQL drops the column
        // and adds it again, its values computed anew).
        p.write(
            "src/lib.rs",
            &line(
                "#[field(generated = \"price * qty + 1\", stored)]",
                &format!("#[field(generated = \"price * 2\"{doubled_kind})]"),
            ),
        );
        p.remodel(&["makemigrations", "--name", "plus_one"]).ok();
        p.remodel(&["migrate"]).ok();
        assert_eq!(values(&p).await, [["3", "4", "13", "6"]], "{kind:?}");

        // No longer generated: the values computed so far stay.
        p.write(
            "src/lib.rs",
            &line(
                "",
                &format!("#[field(generated = \"price * 2\"{doubled_kind})]"),
            ),
        );
        p.remodel(&["makemigrations", "--name", "plain_total"]).ok();
        p.remodel(&["migrate"]).ok();
        assert_eq!(values(&p).await, [["3", "4", "13", "6"]], "{kind:?}");
        p.exec("UPDATE line SET price = 5").await;
        assert_eq!(values(&p).await, [["5", "4", "13", "10"]], "{kind:?}");

        p.remodel(&["migrate", "shop", "0001"]).ok();
        assert_eq!(values(&p).await, [["5", "4", "20", "10"]], "{kind:?}");
    }
}

/// PostgreSQL computes generated columns when rows are written only.
#[test]
fn a_virtual_generated_column_is_refused_for_postgres() {
    let p = crate::project();
    p.write("remodel.toml", "dialects = [\"sqlite\", \"postgres\"]\n");
    p.write(
        "src/lib.rs",
        &line(
            "#[field(generated = \"price * qty\")]",
            "#[field(generated = \"prize * 2\", stored)]",
        ),
    );
    let run = p.remodel(&["makemigrations"]);
    run.expect(1);
    for said in [
        "the generated expression of `doubled` refers to `prize`, not a column of `Line`",
        "src/lib.rs:",
    ] {
        assert!(run.stderr.contains(said), "{said} in\n{}", run.stderr);
    }
    p.write(
        "src/lib.rs",
        &line(
            "#[field(generated = \"price * qty\")]",
            "#[field(generated = \"price * 2\", stored)]",
        ),
    );
    let run = p.remodel(&["makemigrations"]);
    run.expect(1);
    assert!(
        run.stderr.contains(
            "PostgreSQL has no virtual generated columns, as `total` says (dialects in remodel.toml include postgres)"
        ),
        "{}",
        run.stderr
    );
    assert!(!p.path().join("migrations").exists());
}

/// MariaDB cannot make a virtual generated column plain in place: the
/// migration is refused before anything runs, naming the way out.
#[tokio::test]
async fn a_virtual_column_made_plain_is_refused_on_mysql() {
    let Some(p) = TestProject::on(BIN, DialectKind::Mysql).await else {
        return;
    };
    p.write(
        "src/lib.rs",
        &line(
            "#[field(generated = \"price * qty\", stored)]",
            "#[field(generated = \"price * 2\")]",
        ),
    );
    p.remodel(&["makemigrations"]).ok();
    p.remodel(&["migrate"]).ok();
    p.write(
        "src/lib.rs",
        &line("#[field(generated = \"price * qty\", stored)]", ""),
    );
    p.remodel(&["makemigrations", "--name", "plain"]).ok();
    let run = p.remodel(&["migrate"]);
    run.expect(1);
    assert!(
        run.stderr.contains("MySQL/MariaDB cannot change `doubled` on line as the model says: MariaDB cannot make a virtual generated column plain in place; remove the field in one migration and add it again in the next"),
        "{}",
        run.stderr
    );
    p.assert_no_drift().await;
}

/// Changing the type of a column a generated column uses: PostgreSQL will
/// not alter it while the generated column exists, so the generated column
/// is dropped and added again around the change (its values computed
/// anew, its index made again); the rows are kept. On every database.
#[tokio::test]
async fn a_column_a_generated_column_uses_changes_type() {
    for kind in [
        DialectKind::Sqlite,
        DialectKind::Postgres,
        DialectKind::Mysql,
    ] {
        let Some(p) = TestProject::on(BIN, kind).await else {
            continue;
        };
        let model = |price: &str| {
            format!(
                "use remodel::Model;\n#[derive(Model)]\n#[model(index(fields(\"total\")))]\npub struct Line {{\n    #[field(primary_key)]\n    pub id: i64,\n    \
                 pub price: {price},\n    pub qty: i32,\n    #[field(generated = \"price * qty\", stored)]\n    pub total: Option<i64>,\n}}\n"
            )
        };
        p.write("src/lib.rs", &model("i32"));
        p.remodel(&["makemigrations"]).ok();
        p.remodel(&["migrate"]).ok();
        p.exec("INSERT INTO line (price, qty) VALUES (3, 4)").await;
        p.write("src/lib.rs", &model("i64"));
        p.remodel(&["makemigrations"]).ok();
        let run = p.remodel(&["migrate"]);
        assert_eq!(run.code, 0, "{kind:?}: {}{}", run.stdout, run.stderr);
        assert_eq!(
            p.query("SELECT price, qty, total FROM line").await,
            [["3", "4", "12"]],
            "{kind:?}"
        );
        p.remodel(&["check"]).ok();
        // And back.
        p.remodel(&["migrate", "shop", "0001"]).ok();
        assert_eq!(
            p.query("SELECT price, qty, total FROM line").await,
            [["3", "4", "12"]],
            "{kind:?}"
        );
    }
}
