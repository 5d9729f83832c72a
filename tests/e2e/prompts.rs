//! Questions asked in a real pseudo-terminal (DESIGN §4): the exact prompts,
//! the answers typed, the file written, and the data after migrate.

use crate::{BIN, TestProject, project};
use rexpect::process::WaitStatus;
use rexpect::session::PtySession;
use std::process::Command;

fn shop(fields: &str) -> String {
    format!(
        "pub mod shop {{\n    use remodel::Model;\n\n    #[derive(Model)]\n    pub struct Item {{\n        #[field(primary_key)]\n        pub id: i64,\n{fields}    }}\n}}\n"
    )
}

/// A project whose first migration is applied, with two rows.
fn applied(fields: &str, rows: &[&str]) -> TestProject {
    let p = project();
    p.write("src/lib.rs", &shop(fields));
    p.remodel(&["makemigrations"]).ok();
    p.remodel(&["migrate"]).ok();
    for r in rows {
        p.exec_now(r);
    }
    p
}

fn spawn(p: &TestProject, args: &[&str]) -> PtySession {
    let mut cmd = Command::new(BIN);
    cmd.arg("-C")
        .arg(p.path())
        .args(["--database", &p.db_url()])
        .args(args);
    cmd.current_dir(p.path())
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1");
    rexpect::session::spawn_command(cmd, Some(30_000)).expect("spawn in a pty")
}

/// Everything printed until exit, and the exit code.
fn finish(mut s: PtySession) -> (i32, String) {
    let rest = s.exp_eof().expect("the process ends");
    let code = match s.process().wait().expect("wait") {
        WaitStatus::Exited(_, code) => code,
        other => panic!("ended by {other:?}\n{rest}"),
    };
    (code, rest)
}

fn migrations(p: &TestProject) -> Vec<String> {
    p.files("migrations/shop")
}

#[test]
fn answering_yes_renames_the_field_and_keeps_its_values() {
    let p = applied(
        "        #[field(max_length = 20)]\n        pub a: String,\n",
        &["INSERT INTO item (a) VALUES ('one'), ('two')"],
    );
    p.write(
        "src/lib.rs",
        &shop("        #[field(max_length = 20)]\n        pub b: String,\n"),
    );
    let mut s = spawn(&p, &["makemigrations"]);
    s.exp_string("Did you rename item.a to item.b (varchar(20))? [y/N] ")
        .unwrap();
    s.send_line("y").unwrap();
    let (code, out) = finish(s);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("~ Rename field a on item to b"), "{out}");
    let file = p.read("migrations/shop/0002_rename_a_item_b.toml");
    assert!(
        file.contains("op = \"RenameField\"\nmodel = \"shop.Item\"\nold = \"a\"\nnew = \"b\""),
        "{file}"
    );
    p.remodel(&["migrate"]).ok();
    assert_eq!(
        p.query_now("SELECT b FROM item ORDER BY id"),
        vec![vec!["one"], vec!["two"]]
    );
}

#[test]
fn answering_no_then_giving_a_one_off_value() {
    let p = applied(
        "        #[field(max_length = 20)]\n        pub a: String,\n",
        &["INSERT INTO item (a) VALUES ('one')"],
    );
    p.write(
        "src/lib.rs",
        &shop("        #[field(max_length = 20)]\n        pub b: String,\n"),
    );
    let mut s = spawn(&p, &["makemigrations"]);
    s.exp_string("Did you rename item.a to item.b (varchar(20))? [y/N] ")
        .unwrap();
    s.send_line("n").unwrap();
    s.exp_string("It is impossible to add a non-nullable field 'b' to item without a default;")
        .unwrap();
    s.exp_string("Select an option: ").unwrap();
    s.send_line("1").unwrap();
    // rexpect reads bytes one by one, so the prompt's "…" is matched around.
    s.exp_string("Value for item.b (varchar(20)), written as in default = ")
        .unwrap();
    s.send_line("x").unwrap();
    s.exp_string("is not a literal").unwrap();
    s.exp_string("written as in default = ").unwrap();
    s.send_line("\"x\"").unwrap();
    let (code, out) = finish(s);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("+ Add field b to item")
            && out.contains("- Remove field a from item  (drops data)"),
        "{out}"
    );
    let file = p.read("migrations/shop/0002_item_b_remove_item_a.toml");
    assert!(file.contains("field = { name = \"b\", type = \"varchar(20)\", default = \"x\" }\npreserve_default = false"), "{file}");
    p.remodel(&["migrate"]).ok();
    assert_eq!(p.query_now("SELECT b FROM item"), vec![vec!["x"]]);
}

#[test]
fn choosing_the_second_of_two_candidates() {
    let dec = "        #[field(max_digits = 5, decimal_places = 2)]\n";
    let before = format!(
        "{dec}        pub usu_diario: rust_decimal::Decimal,\n{dec}        pub uso_total: rust_decimal::Decimal,\n"
    );
    let p = applied(
        &before,
        &["INSERT INTO item (usu_diario, uso_total) VALUES (1.5, 7.25)"],
    );
    p.write(
        "src/lib.rs",
        &shop(&format!(
            "{dec}        pub uso_diario: rust_decimal::Decimal,\n"
        )),
    );
    let mut s = spawn(&p, &["makemigrations"]);
    s.exp_string("Field item.uso_diario (decimal(5,2)) was added. Is it:")
        .unwrap();
    s.exp_string(" 1) a new field").unwrap();
    s.exp_string(" 2) renamed from usu_diario (same definition)")
        .unwrap();
    s.exp_string(" 3) renamed from uso_total (same definition)")
        .unwrap();
    s.exp_string("Select 1-3: ").unwrap();
    s.send_line("3").unwrap();
    let (code, out) = finish(s);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("~ Rename field uso_total on item to uso_diario"),
        "{out}"
    );
    assert!(
        out.contains("- Remove field usu_diario from item  (drops data)"),
        "{out}"
    );
    p.remodel(&["migrate"]).ok();
    assert_eq!(
        p.query_now("SELECT uso_diario FROM item"),
        vec![vec!["7.25"]]
    );
}

#[test]
fn choosing_a_new_field() {
    let p = applied(
        "        pub a: Option<i32>,\n        pub c: Option<i32>,\n",
        &[],
    );
    p.write("src/lib.rs", &shop("        pub b: Option<i32>,\n"));
    let mut s = spawn(&p, &["makemigrations"]);
    s.exp_string("Select 1-3: ").unwrap();
    s.send_line("1").unwrap();
    let (code, out) = finish(s);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("+ Add field b to item"), "{out}");
    assert!(
        out.contains("- Remove field a from item  (drops data)"),
        "{out}"
    );
    assert!(
        out.contains("- Remove field c from item  (drops data)"),
        "{out}"
    );
}

#[test]
fn end_of_input_at_a_prompt_exits_130_and_writes_nothing() {
    let p = applied("        pub a: Option<i32>,\n", &[]);
    p.write("src/lib.rs", &shop("        pub b: Option<i32>,\n"));
    let before = migrations(&p);
    let mut s = spawn(&p, &["makemigrations"]);
    s.exp_string("[y/N] ").unwrap();
    s.send_control('d').unwrap();
    let (code, out) = finish(s);
    assert_eq!(code, 130, "{out}");
    assert!(out.contains("nothing was written"), "{out}");
    assert_eq!(migrations(&p), before);
}

#[test]
fn ctrl_c_at_a_prompt_exits_130_and_writes_nothing() {
    let p = applied("        pub a: Option<i32>,\n", &[]);
    p.write("src/lib.rs", &shop("        pub b: Option<i32>,\n"));
    let before = migrations(&p);
    let mut s = spawn(&p, &["makemigrations"]);
    s.exp_string("[y/N] ").unwrap();
    s.send_control('c').unwrap();
    let (code, out) = finish(s);
    assert_eq!(code, 130, "{out}");
    assert_eq!(migrations(&p), before);
}

#[test]
fn quitting_to_add_a_default_writes_nothing() {
    let p = applied(
        "        pub a: Option<i32>,\n",
        &["INSERT INTO item (a) VALUES (1)"],
    );
    p.write(
        "src/lib.rs",
        &shop("        pub a: Option<i32>,\n        pub n: i32,\n"),
    );
    let before = migrations(&p);
    let mut s = spawn(&p, &["makemigrations"]);
    s.exp_string(" 2) Quit, and add a default in the model")
        .unwrap();
    s.exp_string("Select an option: ").unwrap();
    s.send_line("2").unwrap();
    let (code, out) = finish(s);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("add a default to Item.n"), "{out}");
    assert_eq!(migrations(&p), before);
}

#[test]
fn making_a_field_not_null_can_be_left_to_fail_at_migrate() {
    let p = applied(
        "        pub a: Option<i32>,\n",
        &["INSERT INTO item (a) VALUES (NULL)"],
    );
    p.write("src/lib.rs", &shop("        pub a: i32,\n"));
    let mut s = spawn(&p, &["makemigrations"]);
    s.exp_string(
        "It is impossible to make the nullable field 'a' on item NOT NULL without a default;",
    )
    .unwrap();
    s.exp_string(" 3) Ignore for now: migrate fails if NULL rows exist")
        .unwrap();
    s.send_line("3").unwrap();
    let (code, out) = finish(s);
    assert_eq!(code, 0, "{out}");
    let run = p.remodel(&["migrate"]);
    run.expect(1);
    assert!(
        run.stderr.contains("NOT NULL constraint failed"),
        "{}",
        run.stderr
    );
}

#[test]
fn renaming_a_model_at_the_prompt() {
    let p = applied(
        "        pub a: Option<i32>,\n",
        &["INSERT INTO item (a) VALUES (5)"],
    );
    let renamed =
        shop("        pub a: Option<i32>,\n").replace("pub struct Item", "pub struct Article");
    p.write("src/lib.rs", &renamed);
    let mut s = spawn(&p, &["makemigrations"]);
    s.exp_string("Did you rename the shop.Item model to Article? [y/N] ")
        .unwrap();
    s.send_line("y").unwrap();
    let (code, out) = finish(s);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("~ Rename model Item to Article"), "{out}");
    p.remodel(&["migrate"]).ok();
    assert_eq!(p.query_now("SELECT a FROM article"), vec![vec!["5"]]);
}

#[test]
fn noinput_never_asks_even_at_a_terminal() {
    let p = applied("        pub a: Option<i32>,\n", &[]);
    p.write("src/lib.rs", &shop("        pub b: Option<i32>,\n"));
    let s = spawn(&p, &["makemigrations", "--noinput"]);
    let (code, out) = finish(s);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("answer these (--noinput)") && out.contains("--rename shop.Item.a=b"),
        "{out}"
    );
    assert!(!out.contains("[y/N]"));
}

/// An app with two latest migrations, each adding a field.
fn two_branches() -> TestProject {
    let p = project();
    p.write(
        "migrations/shop/0001_initial.toml",
        "initial = true\n\n[[operations]]\nop = \"CreateModel\"\nname = \"Item\"\ntable = \"item\"\nfields = [{ name = \"id\", type = \"bigint\", primary_key = true, auto = true }]\n",
    );
    for (name, field) in [("0002_item_a", "a"), ("0002_item_b", "b")] {
        p.write(
            &format!("migrations/shop/{name}.toml"),
            &format!(
                "dependencies = [\"shop.0001_initial\"]\n\n[[operations]]\nop = \"AddField\"\nmodel = \"shop.Item\"\nfield = {{ name = \"{field}\", type = \"integer\", null = true }}\n"
            ),
        );
    }
    p
}

#[test]
fn a_merge_is_written_once_confirmed() {
    let p = two_branches();
    let mut s = spawn(&p, &["makemigrations", "--merge"]);
    s.exp_string("Branch 0002_item_a").unwrap();
    s.exp_string("+ Add field a to item").unwrap();
    s.exp_string("Do you want to merge these migration branches? [y/N] ")
        .unwrap();
    s.send_line("y").unwrap();
    let (code, out) = finish(s);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(
            "Created new merge migration migrations/shop/0003_merge_0002_item_a_0002_item_b.toml"
        ),
        "{out}"
    );
    assert_eq!(
        p.read("migrations/shop/0003_merge_0002_item_a_0002_item_b.toml"),
        "# Generated by remodel 0.1.0\ndependencies = [\"shop.0002_item_a\", \"shop.0002_item_b\"]\n"
    );
    p.remodel(&["migrate"]).ok();
}

#[test]
fn a_merge_declined_writes_nothing() {
    let p = two_branches();
    let mut s = spawn(&p, &["makemigrations", "--merge"]);
    s.exp_string("Do you want to merge these migration branches? [y/N] ")
        .unwrap();
    s.send_line("").unwrap();
    let (code, out) = finish(s);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Nothing was written."), "{out}");
    assert_eq!(
        migrations(&p),
        vec![
            "migrations/shop/0001_initial.toml",
            "migrations/shop/0002_item_a.toml",
            "migrations/shop/0002_item_b.toml"
        ]
    );
}
