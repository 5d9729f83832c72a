//! `#[model(partition_by = "…")]`: a PostgreSQL partitioned table, its
//! partitions made by a RunSql migration. Created, filled through the
//! parent, read back with no drift (partitions are not tables of the
//! models), printed by inspectdb; a change of the key is refused, and so is
//! the attribute where a configured database has no such thing.

use crate::{BIN, TestProject};
use remodel_dialect::DialectKind;

fn payment(key: &str) -> String {
    format!(
        "use remodel::Model;\n#[derive(Model)]\n#[model(primary_key(\"id\", \"paid_on\"), partition_by = \"{key}\")]\n\
         pub struct Payment {{\n    pub id: i64,\n    pub paid_on: chrono::NaiveDate,\n    pub amount: i32,\n}}\n"
    )
}

#[tokio::test]
async fn a_partitioned_table_on_postgres() {
    let Some(p) = TestProject::on(BIN, DialectKind::Postgres).await else {
        return;
    };
    p.write("remodel.toml", "dialects = [\"postgres\"]\n");
    p.write("src/lib.rs", &payment("range(paid_on)"));
    p.remodel(&["makemigrations"]).ok();
    let file = p.read("migrations/shop/0001_initial.toml");
    assert!(
        file.contains(r#"partition_by = "RANGE (paid_on)""#),
        "{file}"
    );
    p.write(
        "migrations/shop/0002_partitions.toml",
        "dependencies = [\"shop.0001_initial\"]\n\n[[operations]]\nop = \"RunSql\"\n\
         sql = \"CREATE TABLE payment_2026 PARTITION OF payment FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')\"\n\
         reverse_sql = \"DROP TABLE payment_2026\"\n",
    );
    p.remodel(&["migrate"]).ok();
    p.exec("INSERT INTO payment (id, paid_on, amount) VALUES (1, '2026-03-01', 10)")
        .await;
    assert_eq!(
        p.query("SELECT amount FROM payment_2026").await,
        [["10"]],
        "the row is in its partition"
    );
    assert_eq!(p.remodel(&["check"]).code, 0);
    p.remodel(&["makemigrations", "--check"]).ok();
    let inspect = p.remodel(&["inspectdb"]);
    inspect.ok();
    assert!(
        inspect
            .stdout
            .contains(r#"partition_by = "RANGE (paid_on)""#),
        "{}",
        inspect.stdout
    );
    assert!(
        !inspect.stdout.contains("Payment2026"),
        "{}",
        inspect.stdout
    );

    // A new key would need a new table: refused, nothing written.
    p.write("src/lib.rs", &payment("LIST (paid_on)"));
    let run = p.remodel(&["makemigrations"]);
    run.expect(1);
    assert!(
        run.stderr.contains("shop.Payment: partition_by changes from `RANGE (paid_on)` to `LIST (paid_on)`, which PostgreSQL cannot do to an existing table"),
        "{}",
        run.stderr
    );
    assert_eq!(p.files("migrations/shop").len(), 2);

    p.remodel(&["migrate", "shop", "zero"]).ok();
}

#[test]
fn partition_by_is_refused_where_a_database_has_none() {
    let p = crate::project();
    p.write("src/lib.rs", &payment("RANGE (paid_on)"));
    let run = p.remodel(&["makemigrations"]);
    run.expect(1);
    assert!(
        run.stderr.contains(
            "partition_by is PostgreSQL's declarative partitioning, which sqlite has not (dialects in remodel.toml include sqlite)"
        ),
        "{}",
        run.stderr
    );
    p.write("remodel.toml", "dialects = [\"postgres\"]\n");
    p.write("src/lib.rs", &payment("RANGE (paid)"));
    let run = p.remodel(&["makemigrations"]);
    run.expect(1);
    assert!(
        run.stderr
            .contains("partition_by names `paid`, not a column of `Payment`"),
        "{}",
        run.stderr
    );
}
