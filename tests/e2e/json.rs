//! `--format json` (DESIGN §3): what scripts and CI read from `check`,
//! `showmigrations` and `makemigrations --dry-run`/`--check`. Each document
//! is parsed, and the fields a script would use are asserted.

use crate::clinic;
use serde_json::Value;

fn parse(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

#[test]
fn showmigrations_lists_each_migration_with_its_state() {
    let p = clinic();
    p.remodel(&["migrate", "patients"]).ok();
    let run = p.remodel(&["showmigrations", "--format", "json"]);
    run.ok();
    let v = parse(&run.stdout);
    let patients = &v["apps"]["patients"][0];
    assert_eq!(patients["name"], "0001_initial");
    assert_eq!(patients["state"], "applied");
    assert_eq!(patients["changed"], false);
    assert_eq!(patients["path"], "migrations/patients/0001_initial.toml");
    assert_eq!(v["apps"]["exams"][0]["state"], "pending");
    assert_eq!(
        v["apps"]["exams"][0]["dependencies"],
        serde_json::json!(["patients.0001_initial"])
    );

    // --plan: in apply order.
    let run = p.remodel(&["showmigrations", "--plan", "--format", "json"]);
    run.ok();
    let v = parse(&run.stdout);
    let order: Vec<String> = v["plan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            format!(
                "{}.{} {}",
                m["app"].as_str().unwrap(),
                m["name"].as_str().unwrap(),
                m["state"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            "patients.0001_initial applied",
            "exams.0001_initial pending"
        ]
    );
}

#[test]
fn makemigrations_dry_run_describes_what_it_would_write() {
    let p = clinic();
    let run = p.remodel(&["makemigrations", "--check", "--format", "json"]);
    run.ok();
    assert_eq!(parse(&run.stdout)["changes"], false);

    let models = p.read("src/exams.rs");
    p.write(
        "src/exams.rs",
        &models.replace(
            "pub uso_diario: rust_decimal::Decimal,",
            "pub uso_diario: rust_decimal::Decimal,\n    pub nota: Option<String>,",
        ),
    );
    let run = p.remodel(&["makemigrations", "--dry-run", "--format", "json"]);
    run.ok();
    let v = parse(&run.stdout);
    assert_eq!(v["changes"], true);
    let m = &v["migrations"][0];
    assert_eq!(m["app"], "exams");
    assert_eq!(m["path"], "migrations/exams/0002_monitoreo_nota.toml");
    assert_eq!(
        m["operations"][0]["description"],
        "Add field nota to monitoreo"
    );
    assert_eq!(m["operations"][0]["destructive"], false);
    assert!(m["text"].as_str().unwrap().contains("op = \"AddField\""));
    assert!(!p.exists("migrations/exams/0002_monitoreo_nota.toml"));

    // --check: the same document, exit 1.
    let run = p.remodel(&["makemigrations", "--check", "--format", "json"]);
    run.expect(1);
    assert_eq!(parse(&run.stdout)["changes"], true);
}

#[test]
fn check_reports_a_clean_database_and_then_drift() {
    let p = clinic();
    p.remodel(&["migrate"]).ok();
    let run = p.remodel(&["check", "--format", "json"]);
    run.ok();
    let v = parse(&run.stdout);
    assert_eq!(v["drift"], false);
    assert_eq!(v["differences"], serde_json::json!([]));

    p.exec_now("CREATE TABLE hand_made (id INTEGER PRIMARY KEY)");
    let run = p.remodel(&["check", "--format", "json"]);
    run.expect(1);
    let v = parse(&run.stdout);
    assert_eq!(v["drift"], true);
    assert_eq!(
        v["differences"],
        serde_json::json!([
            "table hand_made exists in the database but not in the applied migrations"
        ])
    );
    assert_eq!(v["operations"][0]["description"], "Create model HandMade");
    assert!(
        v["ddl_diff"]
            .as_str()
            .unwrap()
            .contains("+CREATE TABLE \"hand_made\"")
    );
}
