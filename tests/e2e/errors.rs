//! Bad input: clear errors with locations, the right exit code, nothing written.

use crate::{Run, TestProject, clinic, project, refused};

/// A one-model `shop` app whose `Item` has these extra field lines (each
/// indented by eight spaces). `Item` starts on line 4, the extra fields on
/// line 7.
fn item_with(fields: &str) -> String {
    format!(
        "pub mod shop {{\n    use remodel::Model;\n    #[derive(Model)]\n    pub struct Item {{\n        #[field(primary_key)]\n        pub id: i64,\n{fields}    }}\n}}\n"
    )
}

/// Runs remodel in the project with only `-C DIR`: the test gives the
/// database URL itself (in `args` or the environment).
fn own_url(p: &TestProject, args: &[&str], env: &[(&str, &str)]) -> Run {
    let dir = p.path().display().to_string();
    p.remodel_with(args, &["-C", &dir], env)
}

/// The history table's rows, in order.
async fn history(p: &TestProject) -> Vec<Vec<String>> {
    p.query("SELECT app, name, state FROM remodel_migrations ORDER BY id")
        .await
}

fn row(app: &str, name: &str) -> Vec<String> {
    vec![app.to_string(), name.to_string(), "applied".to_string()]
}

// ---------------------------------------------------------------- models

#[tokio::test]
async fn an_unknown_attribute_names_its_place_and_suggests_the_right_one() {
    let p = project();
    p.write(
        "src/lib.rs",
        &item_with("        #[field(maxlen = 3)]\n        pub name: String,\n"),
    );
    let run = p.remodel(&["makemigrations"]);
    refused(
        &run,
        1,
        &[
            "unknown attribute `maxlen`",
            "src/lib.rs:7:17",
            "#[field(maxlen = 3)]",
            "did you mean `max_length`?",
            "1 problem in the models; nothing was written",
        ],
    );
    assert!(p.files("migrations").is_empty(), "no migration written");
    // --check and --dry-run refuse the same way.
    refused(
        &p.remodel(&["makemigrations", "--check"]),
        1,
        &["src/lib.rs:7:17"],
    );
    refused(
        &p.remodel(&["makemigrations", "--dry-run"]),
        1,
        &["src/lib.rs:7:17"],
    );
    assert!(p.files("migrations").is_empty());
    assert!(!p.exists("db.sqlite3"), "makemigrations never connects");
}

#[tokio::test]
async fn a_model_error_does_not_block_migrate_on_the_existing_migrations() {
    let p = project();
    p.write(
        "src/lib.rs",
        &item_with("        #[field(max_length = 3)]\n        pub name: String,\n"),
    );
    p.remodel(&["makemigrations"]).ok();
    let before = p.files("migrations");
    assert_eq!(before, vec!["migrations/shop/0001_initial.toml"]);
    // Now the model is broken; migrate applies what the files say.
    p.write(
        "src/lib.rs",
        &item_with("        #[field(maxlen = 3)]\n        pub name: String,\n"),
    );
    let run = p.remodel(&["migrate"]);
    run.ok();
    assert_eq!(
        run.stdout,
        "Operations to perform:\n  Apply all migrations: shop\nRunning migrations:\n  \
         Applying shop.0001_initial... OK\n"
    );
    assert!(
        !run.stderr.contains("maxlen"),
        "migrate does not report model errors:\n{}",
        run.stderr
    );
    assert_eq!(history(&p).await, vec![row("shop", "0001_initial")]);
    p.assert_no_drift().await;
    // `migrate shop` still knows the app (from the history).
    let again = p.remodel(&["migrate", "shop"]);
    again.ok();
    assert!(
        again.stdout.ends_with("No migrations to apply.\n"),
        "{}",
        again.stdout
    );
    assert_eq!(p.files("migrations"), before);
    // makemigrations, which needs the models, still refuses.
    refused(&p.remodel(&["makemigrations"]), 1, &["src/lib.rs:7:17"]);
}

#[test]
fn a_type_with_no_column_type_names_the_field_and_suggests_sql_type() {
    let p = project();
    p.write("src/lib.rs", &item_with("        pub count: u128,\n"));
    let run = p.remodel(&["makemigrations"]);
    refused(
        &run,
        1,
        &[
            "field `count` has type `u128`",
            "src/lib.rs:7:20",
            "#[field(sql_type = \"…\")]",
            "1 problem in the models; nothing was written",
        ],
    );
    assert!(p.files("migrations").is_empty());
}

#[test]
fn a_custom_type_names_the_field_and_suggests_sql_type() {
    let p = project();
    // A type of the project's own that is no DbEnum, and a foreign one.
    p.write(
        "src/lib.rs",
        &item_with("        pub when: Thing,\n        pub other: Option<Vec<i64>>,\n"),
    );
    let run = p.remodel(&["makemigrations"]);
    refused(
        &run,
        1,
        &[
            "field `other`",
            "src/lib.rs:8:",
            "sql_type",
            "1 problem in the models; nothing was written",
        ],
    );
    assert!(p.files("migrations").is_empty());
    // Once the struct reads, the project's own type is looked up.
    p.write(
        "src/lib.rs",
        &item_with("        pub when: Thing,\n        pub other: Option<Stuff>,\n"),
    );
    let run = p.remodel(&["makemigrations"]);
    refused(
        &run,
        1,
        &[
            "field `when` has type `Thing`, which has no column type",
            "src/lib.rs:7:13",
            "field `other` has type `Stuff`",
            "src/lib.rs:8:13",
            "derive remodel::DbEnum on `Thing` to store its variants, or give the SQL type",
            "2 problems in the models; nothing was written",
        ],
    );
    assert!(p.files("migrations").is_empty());
    // With sql_type the same field is fine.
    p.write(
        "src/lib.rs",
        &item_with("        #[field(sql_type = \"TEXT\")]\n        pub when: Thing,\n"),
    );
    p.remodel(&["makemigrations"]).ok();
    assert_eq!(
        p.files("migrations"),
        vec!["migrations/shop/0001_initial.toml"]
    );
}

#[test]
fn a_reference_to_no_model_names_the_line() {
    let p = project();
    p.write(
        "src/lib.rs",
        &item_with("        #[field(references = \"Nope\")]\n        pub nope_id: i64,\n"),
    );
    let run = p.remodel(&["makemigrations"]);
    refused(
        &run,
        1,
        &[
            "`references = \"Nope\"` names no model",
            "src/lib.rs:7:17",
            "shop.Item",
            "1 problem in the models; nothing was written",
        ],
    );
    assert!(p.files("migrations").is_empty());
}

#[test]
fn errors_in_two_files_are_all_reported_with_the_count() {
    let p = project();
    p.write(
        "src/lib.rs",
        "pub mod shop;\npub mod billing {\n    use remodel::Model;\n    #[derive(Model)]\n    pub struct Invoice {\n        #[field(primary_key)]\n        pub id: i64,\n        pub total: u128,\n    }\n}\n",
    );
    p.write(
        "src/shop.rs",
        "use remodel::Model;\n\n#[derive(Model)]\npub struct Item {\n    #[field(primary_key)]\n    pub id: i64,\n    #[field(maxlen = 3)]\n    pub name: String,\n    #[field(max_digits = 5)]\n    pub price: i64,\n}\n",
    );
    let run = p.remodel(&["makemigrations"]);
    refused(
        &run,
        1,
        &[
            "src/lib.rs:8:20",
            "field `total` has type `u128`",
            "src/shop.rs:7:13",
            "unknown attribute `maxlen`",
            "src/shop.rs:9:13",
            "max_digits",
            "3 problems in the models; nothing was written",
        ],
    );
    assert_eq!(
        run.stderr.matches("error:").count(),
        4,
        "three errors and the count line:\n{}",
        run.stderr
    );
    assert!(p.files("migrations").is_empty());
}

// ------------------------------------------------------- migration files

/// The clinic with patients.0001 applied (exams.0001 still pending), and a
/// hand-written patients.0002 with this text.
async fn clinic_with_file(text: &str) -> TestProject {
    let p = clinic();
    p.remodel(&["migrate", "patients"]).ok();
    assert_eq!(history(&p).await, vec![row("patients", "0001_initial")]);
    p.write("migrations/patients/0002_hand.toml", text);
    p
}

/// Every command that loads the history refuses with these messages, and
/// nothing is written or applied.
async fn every_loader_refuses(p: &TestProject, stderr_has: &[&str]) {
    let files = p.files("migrations");
    for args in [
        &["makemigrations"][..],
        &["makemigrations", "--check"],
        &["makemigrations", "--empty", "exams"],
        &["migrate"],
        &["migrate", "exams"],
        &["showmigrations"],
        &["sqlmigrate", "exams", "0001"],
    ] {
        let run = p.remodel(args);
        eprintln!("remodel {}", args.join(" "));
        refused(&run, 1, stderr_has);
        assert!(
            run.stderr.contains("nothing was done"),
            "{args:?}: {}",
            run.stderr
        );
    }
    assert_eq!(p.files("migrations"), files, "nothing written");
    assert_eq!(
        history(p).await,
        vec![row("patients", "0001_initial")],
        "nothing applied"
    );
}

#[tokio::test]
async fn a_migration_file_that_is_not_toml() {
    let p = clinic_with_file("dependencies = [\"patients.0001_initial\"\n[[operations]]\n").await;
    every_loader_refuses(&p, &["migrations/patients/0002_hand.toml:2:"]).await;
}

#[tokio::test]
async fn a_migration_file_with_an_unknown_operation() {
    let p = clinic_with_file(
        r#"dependencies = ["patients.0001_initial"]

[[operations]]
op = "AddField"
model = "patients.Patient"
field = { name = "x", type = "text", null = true }

[[operations]]
op = "AddFeild"
model = "patients.Patient"
"#,
    )
    .await;
    every_loader_refuses(
        &p,
        &[
            "migrations/patients/0002_hand.toml:9:",
            "operation 2",
            "unknown operation `AddFeild`",
            "did you mean `AddField`?",
        ],
    )
    .await;
}

#[tokio::test]
async fn a_migration_file_with_an_unknown_column_type() {
    let p = clinic_with_file(
        r#"dependencies = ["patients.0001_initial"]

[[operations]]
op = "AddField"
model = "patients.Patient"
field = { name = "x", type = "strang", null = true }
"#,
    )
    .await;
    every_loader_refuses(
        &p,
        &[
            "migrations/patients/0002_hand.toml:6:",
            "operation 1 (AddField)",
            "field `x`",
            "unknown column type `strang`",
            "varchar(n)",
        ],
    )
    .await;
}

#[tokio::test]
async fn a_migration_file_removing_a_field_that_does_not_exist() {
    let p = clinic_with_file(
        r#"dependencies = ["patients.0001_initial"]

[[operations]]
op = "AddField"
model = "patients.Patient"
field = { name = "x", type = "text", null = true }

[[operations]]
op = "RemoveField"
model = "patients.Patient"
field = "barrio"
"#,
    )
    .await;
    every_loader_refuses(
        &p,
        &[
            "migrations/patients/0002_hand.toml",
            "operation 2 (RemoveField)",
            "no field `barrio`",
        ],
    )
    .await;
}

// ------------------------------------------------------ targets and apps

#[test]
fn an_unknown_migration_target_names_the_app_and_its_migrations() {
    let p = clinic();
    let run = p.remodel(&["migrate", "patients", "0009"]);
    refused(&run, 1, &["app 'patients'", "'0009'", "0001_initial"]);
    assert!(!p.exists("db.sqlite3"), "nothing done, no database created");
    let run = p.remodel(&["sqlmigrate", "patients", "0009"]);
    refused(&run, 1, &["app 'patients'", "'0009'", "0001_initial"]);
}

#[test]
fn an_ambiguous_target_lists_the_matches() {
    let p = clinic();
    p.write(
        "migrations/patients/0002_hand.toml",
        "dependencies = [\"patients.0001_initial\"]\n",
    );
    p.write(
        "migrations/patients/0003_more.toml",
        "dependencies = [\"patients.0002_hand\"]\n",
    );
    let run = p.remodel(&["migrate", "patients", "000"]);
    refused(
        &run,
        1,
        &[
            "'000' matches more than one migration of app 'patients'",
            "0001_initial, 0002_hand, 0003_more",
        ],
    );
    assert!(!p.exists("db.sqlite3"));
    refused(
        &p.remodel(&["sqlmigrate", "patients", "000"]),
        1,
        &["0001_initial, 0002_hand, 0003_more"],
    );
    // An unambiguous prefix works.
    let ok = p.remodel(&["migrate", "patients", "0002"]);
    ok.ok();
    assert!(
        ok.stdout
            .contains("Target specific migration: 0002_hand, from patients"),
        "{}",
        ok.stdout
    );
}

#[test]
fn an_unknown_app_is_bad_usage() {
    let p = clinic();
    for args in [
        &["migrate", "nope"][..],
        &["showmigrations", "nope"],
        &["makemigrations", "nope"],
        &["makemigrations", "--check", "nope"],
        &["sqlmigrate", "nope", "0001"],
    ] {
        eprintln!("remodel {}", args.join(" "));
        refused(&p.remodel(args), 2, &["'nope'", "exams, patients"]);
    }
    assert!(!p.exists("db.sqlite3"));
    assert_eq!(
        p.files("migrations"),
        vec![
            "migrations/exams/0001_initial.toml",
            "migrations/patients/0001_initial.toml"
        ]
    );
}

#[test]
fn a_relative_target_beyond_the_last_migration_is_bad_usage() {
    let p = clinic();
    refused(&p.remodel(&["migrate", "patients", "+5"]), 2, &["patients"]);
    assert!(!p.exists("db.sqlite3"));
}

// ------------------------------------------------------------ bad usage

#[test]
fn unknown_flags_and_commands_are_bad_usage() {
    let p = clinic();
    refused(
        &p.remodel(&["migrate", "--frobnicate"]),
        2,
        &["unexpected argument '--frobnicate'"],
    );
    refused(
        &p.remodel(&["makemigrations", "--frobnicate"]),
        2,
        &["'--frobnicate'"],
    );
    refused(
        &p.remodel(&["frobnicate"]),
        2,
        &["unrecognized subcommand 'frobnicate'"],
    );
    for args in [
        &["migrate", "--verbosity", "9"][..],
        &["-v", "9", "showmigrations"],
        &["makemigrations", "-v9"],
    ] {
        refused(&p.remodel(args), 2, &["'9'", "0..=3"]);
    }
    assert!(!p.exists("db.sqlite3"));
    assert_eq!(p.files("migrations").len(), 2);
}

#[test]
fn a_database_url_with_an_unknown_scheme_is_bad_usage() {
    let p = clinic();
    for args in [
        &["migrate", "--database", "foo://bar"][..],
        &["showmigrations", "--database", "foo://bar"],
        &["sqlmigrate", "patients", "0001", "--database", "foo://bar"],
    ] {
        let run = own_url(&p, args, &[]);
        refused(&run, 2, &["foo://bar", "unknown scheme `foo`"]);
    }
    // From the environment too.
    let run = own_url(&p, &["migrate"], &[("DATABASE_URL", "foo://bar")]);
    refused(&run, 2, &["unknown scheme `foo`"]);
    assert!(!p.exists("db.sqlite3"));
}

#[test]
fn makemigrations_with_an_unparseable_database_url_is_bad_usage() {
    let p = clinic();
    let run = own_url(&p, &["makemigrations", "--database", "foo://bar"], &[]);
    refused(&run, 2, &["unknown scheme `foo`"]);
}

#[test]
fn format_json_where_a_command_does_not_support_it_is_bad_usage() {
    let p = clinic();
    for args in [
        &["migrate", "--format", "json"][..],
        &["--format", "json", "sqlmigrate", "patients", "0001"],
        &["makemigrations", "--format", "json"],
        &["makemigrations", "--merge", "--dry-run", "--format", "json"],
    ] {
        eprintln!("remodel {}", args.join(" "));
        refused(&p.remodel(args), 2, &["--format json"]);
    }
    refused(&p.remodel(&["migrate", "--format", "yaml"]), 2, &["'yaml'"]);
    assert!(!p.exists("db.sqlite3"));
}

// ---------------------------------------------------------------- databases

#[test]
fn a_sqlite_database_in_a_missing_folder_names_the_folder() {
    let p = clinic();
    let run = own_url(
        &p,
        &["migrate", "--database", "sqlite:///nonexistent/dir/x.db"],
        &[],
    );
    refused(&run, 1, &["/nonexistent/dir", "does not exist"]);
    assert!(!std::path::Path::new("/nonexistent/dir").exists());
}

#[test]
fn showmigrations_without_a_database_file_creates_none() {
    let p = clinic();
    let run = p.remodel(&["showmigrations"]);
    run.ok();
    assert_eq!(
        run.stdout,
        "exams\n [ ] 0001_initial\npatients\n [ ] 0001_initial\n"
    );
    assert!(
        !p.exists("db.sqlite3"),
        "showmigrations created the database"
    );
    // Not with ?mode=rwc either (DESIGN §3: parameters do not change which
    // commands create the file).
    let url = format!("{}?mode=rwc", p.db_url());
    let run = own_url(&p, &["showmigrations", "--database", &url], &[]);
    run.ok();
    assert!(!p.exists("db.sqlite3"));
    assert!(p.files("").iter().all(|f| !f.starts_with("db.sqlite3")));
}

/// The clinic fully migrated with a row in `patient`, then a pending
/// patients.0002 that adds a column and a patients.0003 with this text.
async fn clinic_with_failing(third: &str) -> TestProject {
    let p = clinic();
    p.remodel(&["migrate", "patients", "0001"]).ok();
    p.exec("INSERT INTO patient (nombre, apellido, edad, documento, fecha_ingreso) VALUES ('Ana', 'Diaz', 30, 'A1', '2024-01-01')").await;
    p.write(
        "migrations/patients/0002_barrio.toml",
        r#"dependencies = ["patients.0001_initial"]

[[operations]]
op = "AddField"
model = "patients.Patient"
field = { name = "barrio", type = "text", null = true }
"#,
    );
    p.write("migrations/patients/0003_bad.toml", third);
    p
}

async fn the_failure_was_rolled_back(p: &TestProject) {
    // exams.0001 and patients.0002 of the same run stay applied.
    assert_eq!(
        history(p).await,
        vec![
            row("patients", "0001_initial"),
            row("exams", "0001_initial"),
            row("patients", "0002_barrio"),
        ]
    );
    p.assert_no_drift().await;
    assert_eq!(
        p.query("SELECT nombre, ciudad, barrio FROM patient").await,
        vec![vec!["Ana", "NULL", "NULL"]]
    );
    let show = p.remodel(&["showmigrations", "patients"]);
    show.ok();
    assert_eq!(
        show.stdout,
        "patients\n [X] 0001_initial\n [X] 0002_barrio\n [ ] 0003_bad\n"
    );
}

#[tokio::test]
async fn a_check_constraint_that_existing_rows_violate_rolls_its_migration_back() {
    let p = clinic_with_failing(
        r#"dependencies = ["patients.0002_barrio"]

[[operations]]
op = "AddField"
model = "patients.Patient"
field = { name = "x", type = "text", null = true }

[[operations]]
op = "AddConstraint"
model = "patients.Patient"
constraint = { name = "patient_edad_menor", check = "edad < 10" }
"#,
    )
    .await;
    let run = p.remodel(&["migrate"]);
    run.expect(1);
    assert_eq!(
        run.stdout,
        "Operations to perform:\n  Apply all migrations: exams, patients\nRunning migrations:\n  \
         Applying exams.0001_initial... OK\n  Applying patients.0002_barrio... OK\n  \
         Applying patients.0003_bad... FAILED\n"
    );
    for needle in [
        "while applying patients.0003_bad",
        "migrations/patients/0003_bad.toml",
        "operation 2 (Create constraint patient_edad_menor on model patient)",
        "CHECK constraint failed",
        "statement: ",
        "rolled back",
    ] {
        assert!(run.stderr.contains(needle), "{needle:?}:\n{}", run.stderr);
    }
    the_failure_was_rolled_back(&p).await;
    // The first operation of the failed migration is gone too.
    assert!(
        p.query("SELECT name FROM pragma_table_info('patient') WHERE name = 'x'")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn invalid_raw_sql_rolls_its_migration_back() {
    let p = clinic_with_failing(
        r#"dependencies = ["patients.0002_barrio"]

[[operations]]
op = "RunSql"
sql = "UPDATE patient SET ciudad = 'X'; SELEKT nonsense FROM nowhere"
reverse_sql = ""
"#,
    )
    .await;
    let run = p.remodel(&["migrate"]);
    run.expect(1);
    assert!(
        run.stdout
            .ends_with("  Applying patients.0003_bad... FAILED\n"),
        "{}",
        run.stdout
    );
    for needle in [
        "while applying patients.0003_bad",
        "operation 1 (Raw SQL operation)",
        "statement: SELEKT nonsense FROM nowhere",
        "rolled back",
    ] {
        assert!(run.stderr.contains(needle), "{needle:?}:\n{}", run.stderr);
    }
    // The UPDATE before the bad statement was rolled back with it.
    the_failure_was_rolled_back(&p).await;
    // Fixing the file lets migrate go on.
    p.write(
        "migrations/patients/0003_bad.toml",
        "dependencies = [\"patients.0002_barrio\"]\n\n[[operations]]\nop = \"RunSql\"\nsql = \"UPDATE patient SET ciudad = 'X'\"\nreverse_sql = \"\"\n",
    );
    let run = p.remodel(&["migrate"]);
    run.ok();
    assert!(run.stdout.ends_with("  Applying patients.0003_bad... OK\n"));
    assert_eq!(p.query("SELECT ciudad FROM patient").await, vec![vec!["X"]]);
}

#[tokio::test]
async fn a_deleted_applied_migration_stops_migrate() {
    let p = clinic();
    p.write(
        "migrations/patients/0002_hand.toml",
        "dependencies = [\"patients.0001_initial\"]\n",
    );
    p.remodel(&["migrate", "patients"]).ok();
    std::fs::remove_file(p.path().join("migrations/patients/0002_hand.toml")).unwrap();
    let run = p.remodel(&["migrate"]);
    refused(
        &run,
        1,
        &[
            "applied migration patients.0002_hand has no file",
            "migrations",
        ],
    );
    assert_eq!(
        history(&p).await,
        vec![
            row("patients", "0001_initial"),
            row("patients", "0002_hand")
        ],
        "exams.0001 was not applied"
    );
}

#[tokio::test]
async fn a_deleted_applied_migration_points_to_prune() {
    let p = clinic();
    p.write(
        "migrations/patients/0002_hand.toml",
        "dependencies = [\"patients.0001_initial\"]\n",
    );
    p.remodel(&["migrate", "patients"]).ok();
    std::fs::remove_file(p.path().join("migrations/patients/0002_hand.toml")).unwrap();
    refused(&p.remodel(&["migrate"]), 1, &["--prune"]);
    let pruned = p.remodel(&["migrate", "--prune"]);
    pruned.ok();
    assert_eq!(
        pruned.stdout,
        "Pruned patients.0002_hand (its file was deleted).\n"
    );
    assert_eq!(history(&p).await, vec![row("patients", "0001_initial")]);
    p.remodel(&["migrate"]).ok();
    assert_eq!(
        history(&p).await,
        vec![
            row("patients", "0001_initial"),
            row("exams", "0001_initial")
        ]
    );
    let again = p.remodel(&["migrate", "--prune"]);
    again.ok();
    assert!(
        again.stdout.starts_with("Nothing to prune"),
        "{}",
        again.stdout
    );
}
