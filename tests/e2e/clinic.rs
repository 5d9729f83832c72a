//! The README's walk-through on the bundled example, step by step.

use crate::clinic;

#[tokio::test]
async fn the_example_migrates_twice_and_its_models_match() {
    let p = clinic();
    let first = p.remodel(&["migrate"]);
    first.ok();
    assert_eq!(
        first.stdout,
        "Operations to perform:\n  Apply all migrations: exams, patients\nRunning migrations:\n  \
         Applying patients.0001_initial... OK\n  Applying exams.0001_initial... OK\n"
    );
    p.assert_no_drift().await;
    let again = p.remodel(&["migrate"]);
    again.ok();
    assert!(
        again
            .stdout
            .ends_with("Running migrations:\n  No migrations to apply.\n"),
        "{}",
        again.stdout
    );
    let check = p.remodel(&["makemigrations", "--check"]);
    check.ok();
    assert_eq!(check.stdout, "No changes detected\n");
    let rows = p
        .query("SELECT app, name, state FROM remodel_migrations ORDER BY id")
        .await;
    assert_eq!(
        rows,
        vec![
            vec!["patients", "0001_initial", "applied"],
            vec!["exams", "0001_initial", "applied"]
        ]
    );
}

#[tokio::test]
async fn editing_a_struct_then_dry_run_makemigrations_and_migrate() {
    let p = clinic();
    p.remodel(&["migrate"]).ok();
    p.exec("INSERT INTO patient (nombre, apellido, edad, documento, fecha_ingreso) VALUES ('Ana', 'Diaz', 30, 'A1', '2024-01-01')").await;
    p.exec("INSERT INTO ingreso (paciente_id, fecha_inicio) VALUES (1, '2024-01-02')")
        .await;
    p.exec("INSERT INTO monitoreo (paciente_id, uso_diario) VALUES (1, 3.5)")
        .await;

    let models = p.read("src/patients/models.rs").replace(
        "    #[field(index)]\n    pub fecha_ingreso: chrono::NaiveDate,",
        "    #[field(index)]\n    pub fecha_ingreso: Option<chrono::NaiveDate>,",
    );
    p.write("src/patients/models.rs", &models);

    let dry = p.remodel(&["makemigrations", "--dry-run"]);
    dry.ok();
    let summary = "Migrations for 'patients':\n  migrations/patients/0002_alter_patient_fecha_ingreso.toml\n    ~ Alter field fecha_ingreso on patient\n";
    assert_eq!(dry.stdout, summary);
    assert!(
        !p.exists("migrations/patients/0002_alter_patient_fecha_ingreso.toml"),
        "--dry-run writes nothing"
    );
    p.remodel(&["makemigrations", "--check"]).expect(1);

    let made = p.remodel(&["makemigrations"]);
    made.ok();
    assert_eq!(made.stdout, summary);
    assert!(
        p.read("migrations/patients/0002_alter_patient_fecha_ingreso.toml")
            .contains("op = \"AlterField\"")
    );
    p.remodel(&["makemigrations", "--check"]).ok();

    p.remodel(&["migrate"]).ok();
    p.assert_no_drift().await;
    // The rebuild kept the parent's rows and never cascaded to the children.
    assert_eq!(
        p.query("SELECT nombre, fecha_ingreso FROM patient").await,
        vec![vec!["Ana", "2024-01-01"]]
    );
    assert_eq!(
        p.query("SELECT count(*) FROM ingreso").await,
        vec![vec!["1"]]
    );
    assert_eq!(
        p.query("SELECT count(*) FROM monitoreo").await,
        vec![vec!["1"]]
    );
    p.exec(
        "INSERT INTO patient (nombre, apellido, edad, documento) VALUES ('Sin', 'Fecha', 1, 'B2')",
    )
    .await;
}

#[tokio::test]
async fn unapply_to_a_target_and_to_zero() {
    let p = clinic();
    let models = p.read("src/patients/models.rs").replace(
        "    pub ciudad: Option<String>,",
        "    pub ciudad: Option<String>,\n    #[field(max_length = 60)]\n    pub barrio: Option<String>,",
    );
    p.write("src/patients/models.rs", &models);
    p.remodel(&["makemigrations"]).ok();
    p.remodel(&["migrate"]).ok();
    let show = p.remodel(&["showmigrations"]);
    assert_eq!(
        show.stdout,
        "exams\n [X] 0001_initial\npatients\n [X] 0001_initial\n [X] 0002_patient_barrio\n"
    );

    let back = p.remodel(&["migrate", "patients", "0001"]);
    back.ok();
    assert_eq!(
        back.stdout,
        "Operations to perform:\n  Target specific migration: 0001_initial, from patients\nRunning migrations:\n  \
         Unapplying patients.0002_patient_barrio... OK\n"
    );
    let cols = p
        .query("SELECT name FROM pragma_table_info('patient') WHERE name = 'barrio'")
        .await;
    assert!(cols.is_empty(), "the column is gone");

    // Zero unapplies the app and, first, the exams app that depends on it.
    let zero = p.remodel(&["migrate", "patients", "zero"]);
    zero.ok();
    assert_eq!(
        zero.stdout,
        "Operations to perform:\n  Unapply all migrations: patients\nRunning migrations:\n  \
         Unapplying exams.0001_initial... OK\n  Unapplying patients.0001_initial... OK\n"
    );
    let tables = p
        .query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .await;
    assert_eq!(tables, vec![vec!["remodel_migrations"]]);
    let show = p.remodel(&["showmigrations", "patients"]);
    assert_eq!(
        show.stdout,
        "patients\n [ ] 0001_initial\n [ ] 0002_patient_barrio\n"
    );
}

#[tokio::test]
async fn sqlmigrate_prints_what_migrate_runs() {
    let p = clinic();
    let out = p.remodel(&["sqlmigrate", "exams", "0001"]);
    out.ok();
    assert!(
        out.stdout
            .contains("BEGIN;\n--\n-- Create model Monitoreo\n--\nCREATE TABLE \"monitoreo\" ("),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("COMMIT;"));
    assert!(!p.exists("db.sqlite3"), "sqlmigrate needs no database");
    let back = p.remodel(&["sqlmigrate", "exams", "0001_initial", "--backwards"]);
    back.ok();
    assert!(
        back.stdout.contains("DROP TABLE \"monitoreo\";"),
        "{}",
        back.stdout
    );
}
