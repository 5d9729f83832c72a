//! SQLite rendering against a real database file: every change applies,
//! leaves exactly the target schema (introspected), and keeps the rows.

use super::*;
use crate::{Database, DatabaseUrl, DbError, Value};
use remodel_differ::{Answers, Op, diff};
use remodel_model::{
    ColumnDefault, ColumnType, Constraint, Field, Index, Literal, OnDelete, Reference, Table,
};

fn id() -> Field {
    let mut f = Field::new("id", ColumnType::BigInt);
    f.primary_key = true;
    f.auto = remodel_model::Auto::Yes;
    f
}

fn table(app: &str, name: &str, fields: Vec<Field>) -> Table {
    let mut t = Table::new(app, name);
    t.fields.push(id());
    t.fields.extend(fields);
    t
}

fn fk(name: &str, target: &str, on_delete: OnDelete) -> Field {
    let mut f = Field::new(name, ColumnType::BigInt);
    f.references = Some(Reference {
        model: target.into(),
        to_field: None,
        on_delete,
        on_update: remodel_model::OnDelete::NoAction,
        name: None,
    });
    f.index = true;
    f
}

fn schema(tables: Vec<Table>) -> Schema {
    let mut s = Schema::default();
    for t in tables {
        s.insert(t);
    }
    s
}

fn clinic() -> Schema {
    let mut doc = Field::new("documento", ColumnType::Varchar(20));
    doc.unique = true;
    let mut estado = Field::new("estado", ColumnType::Varchar(20));
    estado.default = Some(ColumnDefault::Value(Literal::Str("ACTIVO".into())));
    let mut ciudad = Field::new("ciudad", ColumnType::Text);
    ciudad.null = true;
    let mut patient = table(
        "patients",
        "Patient",
        vec![
            Field::new("nombre", ColumnType::Varchar(100)),
            Field::new("edad", ColumnType::Integer),
            doc,
            estado,
            ciudad,
        ],
    );
    patient.constraints.push(Constraint::Check {
        name: Some("patient_edad_no_negativa".into()),
        expr: "edad >= 0".into(),
    });
    patient.indexes.push(Index {
        name: None,
        fields: vec!["nombre".into(), "edad".into()],
        unique: false,
        concurrently: false,
        ..Default::default()
    });
    let ingreso = table(
        "patients",
        "Ingreso",
        vec![fk("paciente_id", "patients.Patient", OnDelete::Cascade)],
    );
    schema(vec![patient, ingreso])
}

struct Db {
    _dir: tempfile::TempDir,
    db: SqliteDatabase,
}

async fn open() -> Db {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.sqlite3");
    let db = SqliteDatabase::open(DatabaseUrl::Sqlite { path: path.clone() }, &path, true)
        .await
        .unwrap();
    Db { _dir: dir, db }
}

/// Renders and applies `ops` from `from` inside one migration transaction,
/// sent as the runner sends them ([`Database::run_all`]: batched, guards alone).
async fn apply(db: &mut SqliteDatabase, from: &Schema, ops: &[Op]) -> Result<Schema, DbError> {
    let mut state = from.clone();
    db.begin_migration(true).await?;
    let mut statements = Vec::new();
    for op in ops {
        let before = state.clone();
        op.apply_to(&mut state).unwrap();
        statements.extend(SqliteDialect.render(op, &before, &state).unwrap());
    }
    let refs: Vec<&crate::Statement> = statements.iter().collect();
    if let Err((i, e)) = db.run_all(&refs).await {
        db.rollback_migration().await.unwrap();
        return Err(DbError::Statement(format!("{e} in: {}", statements[i].sql)));
    }
    if let Err(e) = db.commit_migration(true).await {
        db.rollback_migration().await.unwrap();
        return Err(e);
    }
    Ok(state)
}

/// Diffs and applies, then requires the database to match `to` exactly.
async fn migrate(
    db: &mut SqliteDatabase,
    from: &Schema,
    to: &Schema,
    answers: &Answers,
) -> Vec<Op> {
    let d = diff(from, to, answers).unwrap();
    assert!(d.unanswered().is_empty(), "{:?}", d.unanswered());
    apply(db, from, &d.ops).await.unwrap();
    assert_no_drift(db, to).await;
    d.ops
}

async fn assert_no_drift(db: &mut SqliteDatabase, want: &Schema) {
    let mut expected = want.to_catalog();
    let mut actual = db.introspect().await.unwrap();
    SqliteDialect.normalize(&mut expected);
    SqliteDialect.normalize(&mut actual);
    let diffs = expected.differences(&actual);
    assert!(diffs.is_empty(), "drift after apply:\n{}", diffs.join("\n"));
}

async fn count(db: &mut SqliteDatabase, sql: &str) -> i64 {
    db.query(sql, &[]).await.unwrap()[0][0].as_i64().unwrap()
}

/// The clinic with a longer `nombre`: a change SQLite makes by rebuilding the table.
fn widen_nombre(from: &Schema) -> Schema {
    let mut to = from.clone();
    to.table_mut("patients.Patient")
        .unwrap()
        .field_mut("nombre")
        .unwrap()
        .ty = ColumnType::Varchar(200);
    to
}

async fn seeded() -> (Db, Schema) {
    let mut h = open().await;
    let s = clinic();
    migrate(&mut h.db, &Schema::default(), &s, &Answers::default()).await;
    for sql in [
        "INSERT INTO patient (nombre, edad, documento, ciudad) VALUES ('Ana', 30, 'A1', NULL), ('Luis', 40, 'B2', 'Lima')",
        "INSERT INTO ingreso (paciente_id) VALUES (1), (1), (2)",
    ] {
        h.db.execute(sql, &[]).await.unwrap();
    }
    (h, s)
}

#[tokio::test]
async fn create_table_sql_follows_the_model() {
    let s = clinic();
    let op = Op::CreateModel {
        table: s.tables["patients.Ingreso"].clone(),
    };
    let sql: Vec<String> = SqliteDialect
        .render(&op, &s, &s)
        .unwrap()
        .into_iter()
        .map(|s| s.sql)
        .collect();
    assert_eq!(
        sql,
        [
            "CREATE TABLE \"ingreso\" (\n    \"id\" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,\n    \"paciente_id\" BIGINT NOT NULL,\n    \
         CONSTRAINT \"ingreso_paciente_id_fk\" FOREIGN KEY (\"paciente_id\") REFERENCES \"patient\" (\"id\") ON DELETE CASCADE\n)",
            "CREATE INDEX \"ingreso_paciente_id_idx\" ON \"ingreso\" (\"paciente_id\")",
        ]
    );
}

#[tokio::test]
async fn a_fresh_schema_introspects_equal_to_the_model() {
    let (mut h, s) = seeded().await;
    assert_no_drift(&mut h.db, &s).await;
}

#[tokio::test]
async fn a_rebuild_keeps_rows_and_never_cascades_to_children() {
    let (mut h, from) = seeded().await;
    let to = widen_nombre(&from);
    let ops = migrate(&mut h.db, &from, &to, &Answers::default()).await;
    assert!(matches!(ops[..], [Op::AlterField { .. }]));
    assert_eq!(count(&mut h.db, "SELECT count(*) FROM patient").await, 2);
    assert_eq!(
        count(&mut h.db, "SELECT count(*) FROM ingreso").await,
        3,
        "children survive the parent's rebuild"
    );
    // Foreign keys are on again and still enforced.
    let err =
        h.db.execute("INSERT INTO ingreso (paciente_id) VALUES (99)", &[])
            .await
            .unwrap_err();
    assert!(err.to_string().contains("FOREIGN KEY"), "{err}");
    // The AUTOINCREMENT high-water mark survives.
    h.db.execute("DELETE FROM patient WHERE id = 2", &[])
        .await
        .ok();
    h.db.execute(
        "INSERT INTO patient (nombre, edad, documento) VALUES ('Eva', 1, 'C3')",
        &[],
    )
    .await
    .unwrap();
    assert_eq!(count(&mut h.db, "SELECT max(id) FROM patient").await, 3);
}

#[tokio::test]
async fn a_child_rebuild_keeps_its_rows_and_keys() {
    let (mut h, from) = seeded().await;
    let mut to = from.clone();
    let i = to.table_mut("patients.Ingreso").unwrap();
    i.field_mut("paciente_id")
        .unwrap()
        .references
        .as_mut()
        .unwrap()
        .on_delete = OnDelete::Restrict;
    migrate(&mut h.db, &from, &to, &Answers::default()).await;
    assert_eq!(count(&mut h.db, "SELECT count(*) FROM ingreso").await, 3);
    let err =
        h.db.execute("DELETE FROM patient WHERE id = 1", &[])
            .await
            .unwrap_err();
    assert!(
        err.to_string().contains("FOREIGN KEY"),
        "restrict now applies: {err}"
    );
}

#[tokio::test]
async fn adding_a_not_null_field_fills_existing_rows_with_the_one_off_value() {
    let (mut h, from) = seeded().await;
    let mut to = from.clone();
    to.table_mut("patients.Patient")
        .unwrap()
        .fields
        .push(Field::new("barrio", ColumnType::Varchar(30)));
    let mut answers = Answers::default();
    answers.defaults.insert(
        "patients.Patient.barrio".into(),
        (
            remodel_differ::DefaultAnswer::Value(Literal::Str("Centro".into())),
            remodel_differ::Source::Flag,
        ),
    );
    migrate(&mut h.db, &from, &to, &answers).await;
    assert_eq!(
        count(
            &mut h.db,
            "SELECT count(*) FROM patient WHERE barrio = 'Centro'"
        )
        .await,
        2
    );
    assert_eq!(count(&mut h.db, "SELECT count(*) FROM ingreso").await, 3);
}

#[tokio::test]
async fn nullable_to_not_null_with_a_default_fills_nulls() {
    let (mut h, from) = seeded().await;
    let mut to = from.clone();
    let c = to
        .table_mut("patients.Patient")
        .unwrap()
        .field_mut("ciudad")
        .unwrap();
    c.null = false;
    c.default = Some(ColumnDefault::Value(Literal::Str("?".into())));
    migrate(&mut h.db, &from, &to, &Answers::default()).await;
    assert_eq!(
        count(&mut h.db, "SELECT count(*) FROM patient WHERE ciudad = '?'").await,
        1
    );
    assert_eq!(
        count(
            &mut h.db,
            "SELECT count(*) FROM patient WHERE ciudad = 'Lima'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn renames_keep_values_and_rename_derived_objects() {
    let (mut h, from) = seeded().await;
    let mut to = from.clone();
    let i = to.table_mut("patients.Ingreso").unwrap();
    i.field_mut("paciente_id").unwrap().name = "patient_id".into();
    let mut answers = Answers::default();
    answers.fields.insert(
        "patients.Ingreso.patient_id".into(),
        (
            remodel_differ::RenameAnswer::From("paciente_id".into()),
            remodel_differ::Source::Flag,
        ),
    );
    migrate(&mut h.db, &from, &to, &answers).await;
    assert_eq!(
        count(
            &mut h.db,
            "SELECT count(*) FROM ingreso WHERE patient_id = 1"
        )
        .await,
        2
    );

    // Renaming the parent model renames its table and repoints the child.
    let mut renamed = to.clone();
    let mut p = renamed.tables.remove("patients.Patient").unwrap();
    p.name = "Person".into();
    renamed.insert(p);
    renamed
        .table_mut("patients.Ingreso")
        .unwrap()
        .field_mut("patient_id")
        .unwrap()
        .references
        .as_mut()
        .unwrap()
        .model = "patients.Person".into();
    let mut answers = Answers::default();
    answers.models.insert(
        "patients.Person".into(),
        (
            remodel_differ::RenameAnswer::From("Patient".into()),
            remodel_differ::Source::Flag,
        ),
    );
    migrate(&mut h.db, &to, &renamed, &answers).await;
    assert_eq!(count(&mut h.db, "SELECT count(*) FROM person").await, 2);
    assert_eq!(
        count(
            &mut h.db,
            "SELECT count(*) FROM ingreso JOIN person ON person.id = ingreso.patient_id"
        )
        .await,
        3
    );
}

#[tokio::test]
async fn removing_fields_natively_and_by_rebuild() {
    let (mut h, from) = seeded().await;
    let mut to = from.clone();
    to.table_mut("patients.Patient")
        .unwrap()
        .fields
        .retain(|f| f.name != "ciudad");
    to.table_mut("patients.Ingreso")
        .unwrap()
        .fields
        .retain(|f| f.name != "paciente_id");
    let d = diff(&from, &to, &Answers::default()).unwrap();
    let mut state = from.clone();
    let mut sqls = Vec::new();
    for op in &d.ops {
        let before = state.clone();
        op.apply_to(&mut state).unwrap();
        sqls.extend(
            SqliteDialect
                .render(op, &before, &state)
                .unwrap()
                .into_iter()
                .map(|s| s.sql),
        );
    }
    assert!(
        sqls.iter()
            .any(|s| s == "ALTER TABLE \"patient\" DROP COLUMN \"ciudad\""),
        "{sqls:#?}"
    );
    assert!(
        sqls.iter()
            .any(|s| s.starts_with("CREATE TABLE \"new__ingreso\"")),
        "a key column needs a rebuild: {sqls:#?}"
    );
    migrate(&mut h.db, &from, &to, &Answers::default()).await;
    assert_eq!(count(&mut h.db, "SELECT count(*) FROM ingreso").await, 3);
}

#[tokio::test]
async fn a_failing_check_rolls_everything_back() {
    let (mut h, from) = seeded().await;
    let mut to = from.clone();
    to.table_mut("patients.Patient")
        .unwrap()
        .constraints
        .push(Constraint::Check {
            name: None,
            expr: "edad > 35".into(),
        });
    let d = diff(&from, &to, &Answers::default()).unwrap();
    let err = apply(&mut h.db, &from, &d.ops).await.unwrap_err();
    assert!(err.to_string().contains("CHECK constraint failed"), "{err}");
    assert_no_drift(&mut h.db, &from).await;
    assert_eq!(count(&mut h.db, "SELECT count(*) FROM patient").await, 2);
}

#[tokio::test]
async fn foreign_key_violations_after_a_change_roll_back() {
    let (mut h, from) = seeded().await;
    // Hand-written SQL that orphans children: the check before commit refuses it.
    let ops = vec![Op::RunSql {
        sql: remodel_differ::SqlText::All("DELETE FROM patient WHERE id = 1".into()),
        reverse_sql: None,
        creates: Vec::new(),
    }];
    let err = apply(&mut h.db, &from, &ops).await.unwrap_err();
    assert!(matches!(err, DbError::ForeignKeys(_)), "{err}");
    assert_eq!(count(&mut h.db, "SELECT count(*) FROM patient").await, 2);
}

#[tokio::test]
async fn triggers_survive_a_rebuild() {
    let (mut h, from) = seeded().await;
    h.db.execute(
        "CREATE TRIGGER patient_upper AFTER INSERT ON patient BEGIN UPDATE patient SET nombre = upper(nombre) WHERE id = new.id; END",
        &[],
    )
    .await
    .unwrap();
    let to = widen_nombre(&from);
    migrate(&mut h.db, &from, &to, &Answers::default()).await;
    h.db.execute(
        "INSERT INTO patient (nombre, edad, documento) VALUES ('eva', 1, 'C3')",
        &[],
    )
    .await
    .unwrap();
    let rows =
        h.db.query("SELECT nombre FROM patient WHERE documento = 'C3'", &[])
            .await
            .unwrap();
    assert_eq!(rows[0][0], Value::Text("EVA".into()));
}

#[tokio::test]
async fn every_type_round_trips_through_the_catalog() {
    let mut h = open().await;
    let types = [
        ColumnType::Boolean,
        ColumnType::SmallInt,
        ColumnType::Integer,
        ColumnType::BigInt,
        ColumnType::Double,
        ColumnType::Varchar(7),
        ColumnType::Text,
        ColumnType::Blob,
        ColumnType::Decimal {
            precision: 10,
            scale: 3,
        },
        ColumnType::Date,
        ColumnType::Time,
        ColumnType::Timestamp,
        ColumnType::TimestampTz,
        ColumnType::Uuid,
        ColumnType::Json,
        ColumnType::Raw("geometry".into()),
    ];
    let fields = types.iter().enumerate().map(|(i, t)| {
        let mut f = Field::new(format!("c{i}"), t.clone());
        f.null = i % 2 == 0;
        f
    });
    let mut t = table("a", "AllTypes", fields.collect());
    let mut d = Field::new("with_default", ColumnType::Boolean);
    d.default = Some(ColumnDefault::Value(Literal::Bool(true)));
    t.fields.push(d);
    let mut ts = Field::new("stamp", ColumnType::Timestamp);
    ts.default = Some(ColumnDefault::Sql("CURRENT_TIMESTAMP".into()));
    t.fields.push(ts);
    let to = schema(vec![t]);
    migrate(&mut h.db, &Schema::default(), &to, &Answers::default()).await;
}

#[tokio::test]
async fn a_rebuild_refuses_a_table_with_columns_no_migration_knows() {
    let (mut h, from) = seeded().await;
    h.db.execute("ALTER TABLE patient ADD COLUMN notes TEXT", &[])
        .await
        .unwrap();
    h.db.execute("UPDATE patient SET notes = 'precious'", &[])
        .await
        .unwrap();
    let to = widen_nombre(&from);
    let d = diff(&from, &to, &Answers::default()).unwrap();
    let err = apply(&mut h.db, &from, &d.ops).await.unwrap_err();
    assert!(
        err.to_string().contains(
            "table \"patient\" holds what no migration created, which rebuilding it would drop:\n    column notes, which no migration created\n"
        ),
        "{err}"
    );
    assert_eq!(
        count(
            &mut h.db,
            "SELECT count(*) FROM patient WHERE notes = 'precious'"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn a_rebuild_keeps_indexes_and_triggers_it_does_not_manage() {
    let (mut h, from) = seeded().await;
    h.db.execute(
        "CREATE INDEX patient_lower_nombre ON patient (lower(nombre))",
        &[],
    )
    .await
    .unwrap();
    let to = widen_nombre(&from);
    let d = diff(&from, &to, &Answers::default()).unwrap();
    apply(&mut h.db, &from, &d.ops).await.unwrap();
    assert_eq!(
        count(
            &mut h.db,
            "SELECT count(*) FROM sqlite_master WHERE name = 'patient_lower_nombre'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_trigger_a_migration_drops_stays_dropped() {
    let (mut h, from) = seeded().await;
    h.db.execute(
        "CREATE TRIGGER t1 AFTER INSERT ON patient BEGIN SELECT 1; END",
        &[],
    )
    .await
    .unwrap();
    let ops = vec![Op::RunSql {
        sql: remodel_differ::SqlText::All("DROP TRIGGER t1".into()),
        reverse_sql: None,
        creates: Vec::new(),
    }];
    apply(&mut h.db, &from, &ops).await.unwrap();
    assert_eq!(
        count(
            &mut h.db,
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn renaming_a_column_another_table_references_updates_its_foreign_key() {
    let mut h = open().await;
    let mut code = Field::new("code", ColumnType::Varchar(20));
    code.unique = true;
    let item = table("shop", "Item", vec![code]);
    let mut r = fk("item_code", "shop.Item", OnDelete::Cascade);
    r.ty = ColumnType::Varchar(20);
    r.references.as_mut().unwrap().to_field = Some("code".into());
    let line = table("shop", "Line", vec![r]);
    let from = schema(vec![item, line]);
    migrate(&mut h.db, &Schema::default(), &from, &Answers::default()).await;
    h.db.execute("INSERT INTO item (code) VALUES ('A')", &[])
        .await
        .unwrap();
    h.db.execute("INSERT INTO line (item_code) VALUES ('A')", &[])
        .await
        .unwrap();
    let mut to = from.clone();
    to.table_mut("shop.Item")
        .unwrap()
        .field_mut("code")
        .unwrap()
        .name = "sku".into();
    to.table_mut("shop.Line")
        .unwrap()
        .field_mut("item_code")
        .unwrap()
        .references
        .as_mut()
        .unwrap()
        .to_field = Some("sku".into());
    let mut answers = Answers::default();
    answers.fields.insert(
        "shop.Item.sku".into(),
        (
            remodel_differ::RenameAnswer::From("code".into()),
            remodel_differ::Source::Flag,
        ),
    );
    migrate(&mut h.db, &from, &to, &answers).await;
    assert_eq!(
        count(
            &mut h.db,
            "SELECT count(*) FROM line JOIN item ON item.sku = line.item_code"
        )
        .await,
        1
    );
    let err =
        h.db.execute("INSERT INTO line (item_code) VALUES ('nope')", &[])
            .await
            .unwrap_err();
    assert!(err.to_string().contains("FOREIGN KEY"), "{err}");
}

#[tokio::test]
async fn introspection_sends_as_many_queries_for_fifty_tables_as_for_one() {
    let mut counts = Vec::new();
    for n in [1, 50] {
        let mut h = open().await;
        let tables = (0..n).map(|i| {
            let mut t = table(
                "a",
                &format!("T{i}"),
                vec![Field::new("x", ColumnType::Text)],
            );
            t.indexes.push(Index {
                name: None,
                fields: vec!["x".into()],
                unique: false,
                concurrently: false,
                ..Default::default()
            });
            t
        });
        migrate(
            &mut h.db,
            &Schema::default(),
            &schema(tables.collect()),
            &Answers::default(),
        )
        .await;
        let before = h.db.queries_sent();
        let catalog = h.db.introspect().await.unwrap();
        assert_eq!(catalog.tables.len(), n);
        counts.push(h.db.queries_sent() - before);
    }
    assert_eq!(counts[0], counts[1], "queries for 1 and for 50 tables");
}

#[tokio::test]
async fn a_changed_fk_name_rebuilds_the_table_with_the_new_name() {
    let (mut h, from) = seeded().await;
    let mut to = from.clone();
    to.table_mut("patients.Ingreso")
        .unwrap()
        .field_mut("paciente_id")
        .unwrap()
        .references
        .as_mut()
        .unwrap()
        .name = Some("ingreso_paciente_id_fkey".into());
    let ops = migrate(&mut h.db, &from, &to, &Answers::default()).await;
    assert!(matches!(ops[..], [Op::AlterField { .. }]), "{ops:?}");
    let sql: String =
        h.db.query(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'ingreso'",
            &[],
        )
        .await
        .unwrap()[0][0]
            .as_str()
            .unwrap()
            .to_string();
    assert!(
        sql.contains("CONSTRAINT \"ingreso_paciente_id_fkey\" FOREIGN KEY"),
        "{sql}"
    );
    assert_eq!(count(&mut h.db, "SELECT count(*) FROM ingreso").await, 3);
    migrate(&mut h.db, &to, &from, &Answers::default()).await;
}

#[tokio::test]
async fn a_failing_batch_names_the_statement_that_failed_and_nothing_after_it_runs() {
    let mut h = open().await;
    let db = &mut h.db;
    db.execute("CREATE TABLE t (n INTEGER NOT NULL UNIQUE)", &[])
        .await
        .unwrap();
    let plain = |sql: &str| crate::Statement {
        sql: sql.into(),
        guard: None,
        undo: None,
    };
    let statements = [
        plain("INSERT INTO t VALUES (1)"),
        // A statement ending in a line comment does not swallow the next one.
        plain("INSERT INTO t VALUES (2) -- two"),
        plain("INSERT INTO t VALUES (3)"),
        // Rows a statement returns are read and do not count as statements.
        plain("SELECT n FROM t"),
        plain("INSERT INTO t VALUES (1)"),
        plain("INSERT INTO t VALUES (4)"),
    ];
    let refs: Vec<&crate::Statement> = statements.iter().collect();
    db.begin_migration(true).await.unwrap();
    let (at, e) = db.run_all(&refs).await.unwrap_err();
    assert_eq!(at, 4, "{e}");
    assert!(e.to_string().contains("UNIQUE constraint failed"), "{e}");
    // What ran before the failure stands (the runner rolls the migration
    // back); nothing after it ran.
    assert_eq!(count(db, "SELECT count(*) FROM t").await, 3);
    db.rollback_migration().await.unwrap();
    assert_eq!(count(db, "SELECT count(*) FROM t").await, 0);

    db.begin_migration(true).await.unwrap();
    db.run_all(&refs[..4]).await.unwrap();
    db.commit_migration(true).await.unwrap();
    assert_eq!(count(db, "SELECT count(*) FROM t").await, 3);
}

/// The clinic's patient with a row-id key (`auto = "rowid"`) named with `pk_name`.
fn rowid_patient(from: &Schema) -> Schema {
    let mut to = from.clone();
    let p = to.table_mut("patients.Patient").unwrap();
    p.field_mut("id").unwrap().auto = remodel_model::Auto::RowId;
    p.pk_name = Some("PK_Patient".into());
    to
}

#[tokio::test]
async fn a_row_id_key_and_a_named_key_are_created_as_the_model_says() {
    let s = rowid_patient(&clinic());
    let op = Op::CreateModel {
        table: s.tables["patients.Patient"].clone(),
    };
    let sql = SqliteDialect.render(&op, &s, &s).unwrap()[0].sql.clone();
    assert!(
        sql.contains("\"id\" INTEGER NOT NULL CONSTRAINT \"PK_Patient\" PRIMARY KEY,"),
        "{sql}"
    );
    let mut composite = Table::new("patients", "Pair");
    composite.fields = vec![
        Field::new("a", ColumnType::Integer),
        Field::new("b", ColumnType::Integer),
    ];
    composite.composite_primary_key = vec!["a".into(), "b".into()];
    composite.pk_name = Some("pair_key".into());
    let s = schema(vec![composite.clone()]);
    let sql = SqliteDialect
        .render(&Op::CreateModel { table: composite }, &s, &s)
        .unwrap()[0]
        .sql
        .clone();
    assert!(
        sql.contains("CONSTRAINT \"pair_key\" PRIMARY KEY (\"a\", \"b\")"),
        "{sql}"
    );
}

#[tokio::test]
async fn a_rebuild_keeps_a_row_id_key_and_its_name() {
    let mut h = open().await;
    let s = rowid_patient(&clinic());
    migrate(&mut h.db, &Schema::default(), &s, &Answers::default()).await;
    h.db.execute(
        "INSERT INTO patient (nombre, edad, documento) VALUES ('Ana', 30, 'A1'), ('Luis', 40, 'B2')",
        &[],
    )
    .await
    .unwrap();
    let to = widen_nombre(&s);
    let ops = migrate(&mut h.db, &s, &to, &Answers::default()).await;
    assert!(matches!(ops[..], [Op::AlterField { .. }]));
    let sql =
        h.db.query("SELECT sql FROM sqlite_master WHERE name = 'patient'", &[])
            .await
            .unwrap()[0][0]
            .as_str()
            .unwrap()
            .to_string();
    assert!(
        sql.contains("\"id\" INTEGER NOT NULL CONSTRAINT \"PK_Patient\" PRIMARY KEY,")
            && !sql.contains("AUTOINCREMENT"),
        "the rebuilt table keeps its row-id key: {sql}"
    );
    // A row id: an insert without an id gets one, and an id freed by a
    // delete of the last row is given again (no AUTOINCREMENT).
    h.db.execute("DELETE FROM patient WHERE id = 2", &[])
        .await
        .unwrap();
    h.db.execute(
        "INSERT INTO patient (nombre, edad, documento) VALUES ('Eva', 1, 'C3')",
        &[],
    )
    .await
    .unwrap();
    assert_eq!(count(&mut h.db, "SELECT max(id) FROM patient").await, 2);
    assert_eq!(
        count(
            &mut h.db,
            "SELECT count(*) FROM sqlite_sequence WHERE name = 'patient'"
        )
        .await,
        0,
        "patient has no AUTOINCREMENT counter"
    );
}

#[tokio::test]
async fn key_forms_read_back_as_the_model_says() {
    let mut h = open().await;
    h.db.execute(
        "CREATE TABLE p (id INTEGER PRIMARY KEY); \
         CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT); \
         CREATE TABLE b (id BIGINT PRIMARY KEY); \
         CREATE TABLE w (id INTEGER PRIMARY KEY) WITHOUT ROWID; \
         CREATE TABLE n (id INTEGER NOT NULL, CONSTRAINT [PK_N] PRIMARY KEY (id)); \
         CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p (id), \
             q_id INTEGER, name TEXT COLLATE NOCASE, UNIQUE (name), CHECK (id > 0), \
             FOREIGN KEY (q_id) REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED)",
        &[],
    )
    .await
    .unwrap();
    let c = h.db.introspect().await.unwrap();
    let auto = |t: &str| c.tables[t].columns["id"].auto;
    use remodel_model::Auto;
    assert_eq!(auto("p"), Auto::RowId);
    assert_eq!(auto("a"), Auto::Yes);
    assert_eq!(auto("b"), Auto::No);
    assert_eq!(auto("w"), Auto::No, "WITHOUT ROWID has no row id");
    assert_eq!(auto("n"), Auto::RowId);
    assert_eq!(c.tables["n"].primary_key_name.as_deref(), Some("PK_N"));
    assert_eq!(c.tables["p"].primary_key_name.as_deref(), Some("p_id_pkey"));
    // Unnamed constraints read back with the names a model derives.
    let t = &c.tables["c"];
    assert_eq!(
        t.foreign_keys.keys().collect::<Vec<_>>(),
        ["c_p_id_fk", "c_q_id_fk"]
    );
    assert_eq!(t.uniques.keys().collect::<Vec<_>>(), ["c_name_uniq"]);
    assert_eq!(t.checks.keys().collect::<Vec<_>>(), ["c_id_check"]);
    // What no model can say yet is a fact of the table.
    let facts: Vec<String> = t
        .unmodelled
        .iter()
        .map(|(k, u)| format!("{k} {}", u.what))
        .collect();
    assert_eq!(
        facts,
        ["foreign key c_q_id_fk is DEFERRABLE INITIALLY DEFERRED"]
    );
    // A collation the model says.
    assert_eq!(t.columns["name"].collation.as_deref(), Some("NOCASE"));
    let w: Vec<String> = c.tables["w"]
        .unmodelled
        .iter()
        .map(|(k, u)| format!("{k} {}", u.what))
        .collect();
    assert_eq!(w, ["table is WITHOUT ROWID"]);
}

#[tokio::test]
async fn a_table_whose_definition_does_not_parse_is_named_and_the_others_read() {
    let mut h = open().await;
    h.db.execute(
        // SQLite takes a conflict clause on a table's CHECK; the parser does not.
        "CREATE TABLE film (id INTEGER PRIMARY KEY, d TEXT, CHECK (d) ON CONFLICT FAIL); \
         CREATE TABLE actor (id INTEGER PRIMARY KEY)",
        &[],
    )
    .await
    .unwrap();
    let c = h.db.introspect().await.unwrap();
    assert_eq!(c.tables.keys().collect::<Vec<_>>(), ["actor"]);
    assert!(
        c.unreadable["film"].starts_with("remodel cannot parse its definition"),
        "{:?}",
        c.unreadable
    );
    let only = h.db.introspect_tables(&["actor".into()]).await.unwrap();
    assert_eq!(only.tables.keys().collect::<Vec<_>>(), ["actor"]);
    assert!(only.unreadable.is_empty());
}

#[test]
fn names_an_earlier_remodel_gave_unnamed_constraints_read_as_derived() {
    let mut c = remodel_model::catalog::Catalog::default();
    let mut t = remodel_model::catalog::CatalogTable::default();
    t.foreign_keys.insert(
        "album_fk_5".into(),
        remodel_model::catalog::CatalogForeignKey {
            columns: vec!["artist_id".into()],
            ref_table: "artist".into(),
            ref_columns: vec!["id".into()],
            on_delete: OnDelete::NoAction,
            on_update: remodel_model::OnDelete::NoAction,
        },
    );
    t.uniques
        .insert("album_unique_2".into(), vec!["title".into()]);
    t.checks.insert("album_check_3".into(), "year > 0".into());
    t.checks
        .insert("album_year_check".into(), "year < 3000".into());
    c.tables.insert("album".into(), t);
    SqliteDialect.normalize(&mut c);
    let t = &c.tables["album"];
    assert_eq!(
        t.foreign_keys.keys().collect::<Vec<_>>(),
        ["album_artist_id_fk"]
    );
    assert_eq!(t.uniques.keys().collect::<Vec<_>>(), ["album_title_uniq"]);
    assert_eq!(
        t.checks.keys().collect::<Vec<_>>(),
        ["album_year_check", "album_year_check_2"]
    );
}
