//! Histories whose order matters: renames other apps depend on, cycles,
//! names that are freed and taken again, non-atomic migrations. Each test
//! reproduces a change that once produced a broken or unsafe history.

use crate::{TestProject, project, refused};

fn models(p: &TestProject, apps: &[(&str, &str)]) {
    let mut src = String::new();
    for (app, body) in apps {
        src.push_str(&format!(
            "pub mod {app} {{\n    use remodel::Model;\n{body}}}\n"
        ));
    }
    p.write("src/lib.rs", &src);
}

const ITEM: &str =
    "    #[derive(Model)]\n    pub struct Item { #[field(primary_key)] pub id: i64, pub n: i32 }\n";

#[tokio::test]
async fn renaming_a_model_an_app_sorting_later_references() {
    let p = project();
    let line = |target: &str| {
        format!(
            "    #[derive(Model)]\n    pub struct Line {{ #[field(primary_key)] pub id: i64, #[field(references = \"{target}\")] pub item_id: i64 }}\n"
        )
    };
    models(&p, &[("alpha", ITEM), ("beta", &line("alpha.Item"))]);
    p.remodel(&["makemigrations"]).ok();
    p.remodel(&["migrate"]).ok();
    p.exec("INSERT INTO item (n) VALUES (1)").await;
    p.exec("INSERT INTO line (item_id) VALUES (1)").await;

    models(
        &p,
        &[
            ("alpha", &ITEM.replace("Item", "Product")),
            ("beta", &line("alpha.Product")),
        ],
    );
    let made = p.remodel(&["makemigrations", "--rename", "alpha.Item=Product"]);
    made.ok();
    assert_eq!(
        made.stdout,
        "Migrations for 'alpha':\n  migrations/alpha/0002_rename_item_product.toml\n    ~ Rename model Item to Product\n"
    );
    let file = p.read("migrations/alpha/0002_rename_item_product.toml");
    assert!(
        file.contains("dependencies = [\"alpha.0001_initial\", \"beta.0001_initial\"]"),
        "{file}"
    );
    p.remodel(&["migrate"]).ok();
    p.remodel(&["makemigrations", "--check"]).ok();
    p.remodel(&["showmigrations"]).ok();
    assert_eq!(
        p.query("SELECT count(*) FROM line JOIN product ON product.id = line.item_id")
            .await,
        vec![vec!["1"]]
    );
}

#[tokio::test]
async fn deleting_models_that_reference_each_other_can_be_undone() {
    let p = project();
    let pair = "    #[derive(Model)]\n    pub struct A { #[field(primary_key)] pub id: i64, #[field(references = \"B\")] pub b_id: Option<i64> }\n    \
                #[derive(Model)]\n    pub struct B { #[field(primary_key)] pub id: i64, #[field(references = \"A\")] pub a_id: Option<i64> }\n";
    models(&p, &[("shop", &format!("{pair}{ITEM}"))]);
    p.remodel(&["makemigrations"]).ok();
    p.remodel(&["migrate"]).ok();
    models(&p, &[("shop", ITEM)]);
    let made = p.remodel(&["makemigrations"]);
    made.ok();
    assert!(
        made.stdout.contains("- Remove field a_id from b"),
        "{}",
        made.stdout
    );
    p.remodel(&["migrate"]).ok();
    p.remodel(&["migrate", "shop", "0001"]).ok();
    let tables = p
        .query("SELECT name FROM sqlite_master WHERE name IN ('a', 'b') ORDER BY name")
        .await;
    assert_eq!(tables, vec![vec!["a"], vec!["b"]]);
}

#[tokio::test]
async fn a_freed_table_name_is_taken_after_the_references_to_it_are_gone() {
    let p = project();
    let before = "    #[derive(Model)]\n    pub struct B { #[field(primary_key)] pub id: i64 }\n    \
                  #[derive(Model)]\n    pub struct C { #[field(primary_key)] pub id: i64, #[field(references = \"B\")] pub b_id: Option<i64> }\n";
    models(&p, &[("shop", before)]);
    p.remodel(&["makemigrations"]).ok();
    p.remodel(&["migrate"]).ok();
    let after = "    #[derive(Model)]\n    #[model(table = \"b\")]\n    pub struct Bee { #[field(primary_key)] pub id: i64, pub x: Option<i32> }\n    \
                 #[derive(Model)]\n    pub struct C { #[field(primary_key)] pub id: i64 }\n";
    models(&p, &[("shop", after)]);
    let made = p.remodel(&["makemigrations", "--no-renames"]);
    made.ok();
    let lines: Vec<&str> = made.stdout.lines().skip(2).collect();
    assert_eq!(
        lines,
        [
            "    - Remove field b_id from c  (drops data)",
            "    - Delete model B  (drops data)",
            "    + Create model Bee"
        ]
    );
    p.remodel(&["migrate"]).ok();
    p.remodel(&["migrate", "shop", "0001"]).ok();
}

#[test]
fn moving_a_model_between_apps_is_asked_and_never_assumed() {
    let p = project();
    let other =
        "    #[derive(Model)]\n    pub struct Other { #[field(primary_key)] pub id: i64 }\n";
    models(&p, &[("beta", other), ("zeta", ITEM)]);
    p.remodel(&["makemigrations"]).ok();
    p.remodel(&["migrate"]).ok();
    models(&p, &[("beta", &format!("{other}{ITEM}")), ("zeta", "")]);
    let before = p.files("migrations");
    let run = p.remodel(&["makemigrations"]);
    refused(
        &run,
        1,
        &[
            "model zeta.Item disappeared while beta.Item appeared: remodel cannot move a model between apps",
            "#[model(app = \"zeta\")]",
            "--no-rename beta.Item",
        ],
    );
    assert_eq!(p.files("migrations"), before);
    refused(
        &p.remodel(&["makemigrations", "--rename", "zeta.Item=Item"]),
        2,
        &[],
    );
    // Confirmed as a new model: zeta drops its table before beta creates one with the same name.
    p.remodel(&["makemigrations", "--no-rename", "beta.Item"])
        .ok();
    let beta = p.read("migrations/beta/0002_item.toml");
    assert!(beta.contains("\"zeta.0002_delete_item\""), "{beta}");
    p.remodel(&["migrate"]).ok();
}

#[test]
fn swapping_table_names_is_refused_with_a_way_out() {
    let p = project();
    let two = |x: &str, y: &str| {
        format!(
            "    #[derive(Model)]\n    #[model(table = \"{x}\")]\n    pub struct P {{ #[field(primary_key)] pub id: i64 }}\n    \
             #[derive(Model)]\n    #[model(table = \"{y}\")]\n    pub struct Q {{ #[field(primary_key)] pub id: i64 }}\n"
        )
    };
    models(&p, &[("shop", &two("x", "y"))]);
    p.remodel(&["makemigrations"]).ok();
    models(&p, &[("shop", &two("y", "x"))]);
    refused(
        &p.remodel(&["makemigrations"]),
        1,
        &["swap table names", "temporary table name"],
    );
}

#[tokio::test]
async fn a_field_takes_the_column_of_a_removed_field() {
    let p = project();
    let before = "    #[derive(Model)]\n    pub struct Item { #[field(primary_key)] pub id: i64, pub legacy: Option<String>, pub x: Option<String> }\n";
    models(&p, &[("shop", before)]);
    p.remodel(&["makemigrations"]).ok();
    p.remodel(&["migrate"]).ok();
    p.exec("INSERT INTO item (legacy, x) VALUES ('old', 'new')")
        .await;
    let after = "    #[derive(Model)]\n    pub struct Item { #[field(primary_key)] pub id: i64, #[field(column = \"legacy\")] pub x: Option<String> }\n";
    models(&p, &[("shop", after)]);
    let made = p.remodel(&["makemigrations"]);
    made.ok();
    assert!(
        made.stdout.contains("- Remove field legacy from item"),
        "{}",
        made.stdout
    );
    p.remodel(&["migrate"]).ok();
    assert_eq!(p.query("SELECT legacy FROM item").await, vec![vec!["new"]]);
}

#[tokio::test]
async fn a_non_atomic_migration_that_fails_says_what_stays() {
    let p = project();
    let two = "    #[derive(Model)]\n    pub struct Item { #[field(primary_key)] pub id: i64 }\n    \
               #[derive(Model)]\n    pub struct Line { #[field(primary_key)] pub id: i64, #[field(references = \"Item\")] pub item_id: i64 }\n";
    models(&p, &[("shop", two)]);
    p.remodel(&["makemigrations"]).ok();
    p.remodel(&["migrate"]).ok();
    p.write(
        "migrations/shop/0002_orphan.toml",
        "dependencies = [\"shop.0001_initial\"]\natomic = false\n\n[[operations]]\nop = \"RunSql\"\nsql = \"INSERT INTO line (item_id) VALUES (99)\"\n",
    );
    let run = p.remodel(&["migrate"]);
    run.expect(1);
    assert!(
        run.stderr
            .contains("its statements ran, so the history marks shop.0002_orphan failed"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("remodel migrate --resolve shop.0002_orphan"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("rolled back"), "{}", run.stderr);
    let show = p.remodel(&["showmigrations"]);
    assert!(show.stdout.contains(" [!] 0002_orphan"), "{}", show.stdout);
    assert_eq!(p.query_now("SELECT item_id FROM line"), vec![vec!["99"]]);
}
