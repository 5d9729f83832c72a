//! PostgreSQL rendering and the connection, against a real server when
//! `REMODEL_TEST_POSTGRES_URL` is set (each test in a scratch database of its
//! own): every change applies inside one transaction, leaves exactly the
//! target schema (introspected and normalised: "drift after apply" fails),
//! keeps the rows, and unapplies cleanly through the inverse operations.

use super::*;
use crate::scratch::ScratchDatabase;
use crate::{Database, DbError, Value};
use remodel_differ::{Answers, DefaultAnswer, Op, RenameAnswer, Source, SqlText, diff};
use remodel_model::{
    ColumnDefault, ColumnType, Constraint, Field, Index, Literal, OnDelete, Reference, Table,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

// ---------- models ----------

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

fn nullable(mut f: Field) -> Field {
    f.null = true;
    f
}

fn with_default(mut f: Field, d: Literal) -> Field {
    f.default = Some(ColumnDefault::Value(d));
    f
}

fn schema(tables: Vec<Table>) -> Schema {
    let mut s = Schema::default();
    for t in tables {
        s.insert(t);
    }
    s
}

fn str_lit(s: &str) -> Literal {
    Literal::Str(s.into())
}

/// The clinic of DESIGN §2: patients, their admissions, and monitoring in another app.
fn clinic() -> Schema {
    let mut doc = Field::new("documento", ColumnType::Varchar(20));
    doc.unique = true;
    doc.comment = Some("national id".into());
    let mut fecha = Field::new("fecha_ingreso", ColumnType::Date);
    fecha.index = true;
    fecha.default = Some(ColumnDefault::Sql("CURRENT_DATE".into()));
    let mut patient = table(
        "patients",
        "Patient",
        vec![
            Field::new("nombre", ColumnType::Varchar(100)),
            Field::new("apellido", ColumnType::Varchar(100)),
            Field::new("edad", ColumnType::Integer),
            doc,
            nullable(Field::new("ciudad", ColumnType::Text)),
            with_default(
                Field::new("estado", ColumnType::Varchar(20)),
                str_lit("ACTIVO"),
            ),
            fecha,
        ],
    );
    patient.comment = Some("people we treat".into());
    patient.constraints.push(Constraint::Check {
        name: Some("patient_edad_no_negativa".into()),
        expr: "edad >= 0".into(),
    });
    patient.indexes.push(Index {
        name: None,
        fields: vec!["apellido".into(), "nombre".into()],
        unique: false,
        concurrently: false,
        ..Default::default()
    });
    let mut ingreso = table(
        "patients",
        "Ingreso",
        vec![
            fk("paciente_id", "patients.Patient", OnDelete::Cascade),
            Field::new("fecha_inicio", ColumnType::Date),
            nullable(Field::new("fecha_fin", ColumnType::Date)),
        ],
    );
    ingreso.constraints.push(Constraint::Check {
        name: None,
        expr: "fecha_fin IS NULL OR fecha_fin >= fecha_inicio".into(),
    });
    let monitoreo = table(
        "exams",
        "Monitoreo",
        vec![
            fk("paciente_id", "patients.Patient", OnDelete::Cascade),
            Field::new(
                "usu_diario",
                ColumnType::Decimal {
                    precision: 5,
                    scale: 2,
                },
            ),
        ],
    );
    schema(vec![patient, ingreso, monitoreo])
}

// ---------- database helpers ----------

struct Db {
    db: PostgresDatabase,
    _scratch: ScratchDatabase,
}

async fn open() -> Option<Db> {
    let scratch = ScratchDatabase::create(DialectKind::Postgres).await?;
    let db = PostgresDatabase::open(scratch.database_url(), &scratch.url)
        .await
        .unwrap();
    Some(Db {
        db,
        _scratch: scratch,
    })
}

/// Renders `ops` from `from`, as the runner would.
fn render_all(from: &Schema, ops: &[Op]) -> Vec<String> {
    let mut state = from.clone();
    let mut out = Vec::new();
    for op in ops {
        let before = state.clone();
        op.apply_to(&mut state).unwrap();
        out.extend(
            PostgresDialect
                .render(op, &before, &state)
                .unwrap()
                .into_iter()
                .map(|s| s.sql),
        );
    }
    out
}

/// Renders and applies `ops` from `from` inside one migration transaction.
async fn apply(db: &mut PostgresDatabase, from: &Schema, ops: &[Op]) -> Result<Schema, DbError> {
    let mut state = from.clone();
    db.begin_migration(true).await?;
    for op in ops {
        let before = state.clone();
        op.apply_to(&mut state).unwrap();
        let statements = PostgresDialect.render(op, &before, &state).unwrap();
        for s in statements {
            assert!(
                !PostgresDialect.needs_autocommit(&s.sql),
                "an atomic migration got {}",
                s.sql
            );
            if let Err(e) = db.run(&s).await {
                db.rollback_migration().await.unwrap();
                return Err(DbError::Statement(format!("{e} in: {}", s.sql)));
            }
        }
    }
    db.commit_migration(true).await?;
    Ok(state)
}

/// The operations that undo `ops` (applied from `from`), in order.
fn inverse_ops(from: &Schema, ops: &[Op]) -> Vec<Op> {
    let mut states = vec![from.clone()];
    for op in ops {
        let mut s = states.last().unwrap().clone();
        op.apply_to(&mut s).unwrap();
        states.push(s);
    }
    let mut out = Vec::new();
    for (i, op) in ops.iter().enumerate().rev() {
        out.extend(op.inverse(&states[i]).unwrap());
    }
    out
}

async fn assert_no_drift(db: &mut PostgresDatabase, want: &Schema, when: &str) {
    let mut expected = want.to_catalog();
    let mut actual = db.introspect().await.unwrap();
    PostgresDialect.normalize(&mut expected);
    PostgresDialect.normalize(&mut actual);
    let diffs = expected.differences(&actual);
    assert!(
        diffs.is_empty(),
        "drift after {when}:\n{}\n(expected {expected:#?}\nactual {actual:#?})",
        diffs.join("\n")
    );
}

async fn count(db: &mut PostgresDatabase, sql: &str) -> i64 {
    db.query(sql, &[]).await.unwrap()[0][0].as_i64().unwrap()
}

/// Row counts of every table both states have.
async fn rows(db: &mut PostgresDatabase, a: &Schema, b: &Schema) -> Vec<(String, i64)> {
    let names: Vec<String> = a
        .tables
        .values()
        .filter(|t| t.managed)
        .map(|t| t.table_name())
        .filter(|n| b.tables.values().any(|t| t.table_name() == *n))
        .collect();
    let mut out = Vec::new();
    for n in names {
        let c = count(db, &format!("SELECT count(*) FROM {}", table::q(&n))).await;
        out.push((n, c));
    }
    out
}

/// Diffs `from` → `to`, applies, checks there is no drift and that the rows
/// are kept; then unapplies (inverse operations), checks again, and applies
/// once more so the database is left at `to`. Returns the operations.
async fn roundtrip(
    db: &mut PostgresDatabase,
    from: &Schema,
    to: &Schema,
    answers: &Answers,
) -> Vec<Op> {
    let d = diff(from, to, answers).unwrap();
    assert!(d.unanswered().is_empty(), "{:?}", d.unanswered());
    assert!(!d.ops.is_empty(), "no operations from {from:#?} to {to:#?}");
    let kept = rows(db, from, to).await;
    let applied = apply(db, from, &d.ops)
        .await
        .unwrap_or_else(|e| panic!("apply failed: {e}\n{:#?}", render_all(from, &d.ops)));
    assert_no_drift(db, to, "apply").await;
    assert_eq!(applied.to_catalog(), to.to_catalog());
    assert_eq!(rows(db, from, to).await, kept, "rows are kept");

    let back = inverse_ops(from, &d.ops);
    apply(db, to, &back)
        .await
        .unwrap_or_else(|e| panic!("unapply failed: {e}\n{:#?}", render_all(to, &back)));
    assert_no_drift(db, from, "unapply").await;
    assert_eq!(rows(db, from, to).await, kept, "rows are kept by unapply");

    apply(db, from, &d.ops).await.unwrap();
    assert_no_drift(db, to, "re-apply").await;
    d.ops
}

async fn seeded() -> Option<(Db, Schema)> {
    let mut h = open().await?;
    let s = clinic();
    roundtrip(&mut h.db, &Schema::default(), &s, &Answers::default()).await;
    for sql in [
        "INSERT INTO patient (nombre, apellido, edad, documento, ciudad) VALUES \
         ('Ana', 'Paz', 30, 'A1', NULL), ('Luis', 'Rey', 40, 'B2', 'Lima')",
        "INSERT INTO ingreso (paciente_id, fecha_inicio) VALUES (1, '2024-01-01'), (1, '2024-02-01'), (2, '2024-03-01')",
        "INSERT INTO monitoreo (paciente_id, usu_diario) VALUES (1, 1.50), (2, 2.25)",
    ] {
        h.db.execute(sql, &[]).await.unwrap();
    }
    Some((h, s))
}

fn field_rename(key: &str, old: &str) -> Answers {
    let mut a = Answers::default();
    a.fields
        .insert(key.into(), (RenameAnswer::From(old.into()), Source::Flag));
    a
}

fn model_rename(key: &str, old: &str) -> Answers {
    let mut a = Answers::default();
    a.models
        .insert(key.into(), (RenameAnswer::From(old.into()), Source::Flag));
    a
}

fn one_off(key: &str, value: Literal) -> Answers {
    let mut a = Answers::default();
    a.defaults
        .insert(key.into(), (DefaultAnswer::Value(value), Source::Flag));
    a
}

fn patient(s: &mut Schema) -> &mut Table {
    s.table_mut("patients.Patient").unwrap()
}

fn patient_field<'a>(s: &'a mut Schema, name: &str) -> &'a mut Field {
    patient(s).field_mut(name).unwrap()
}

// ---------- offline ----------

#[test]
fn create_table_sql_follows_the_model() {
    let s = clinic();
    let op = Op::CreateModel {
        table: s.tables["patients.Ingreso"].clone(),
    };
    let sql: Vec<String> = PostgresDialect
        .render(&op, &s, &s)
        .unwrap()
        .into_iter()
        .map(|s| s.sql)
        .collect();
    assert_eq!(
        sql,
        [
            "CREATE TABLE \"ingreso\" (\n    \"id\" bigint GENERATED BY DEFAULT AS IDENTITY,\n    \
             \"paciente_id\" bigint NOT NULL,\n    \"fecha_inicio\" date NOT NULL,\n    \"fecha_fin\" date,\n    \
             CONSTRAINT \"ingreso_id_pkey\" PRIMARY KEY (\"id\"),\n    \
             CONSTRAINT \"ingreso_paciente_id_fk\" FOREIGN KEY (\"paciente_id\") REFERENCES \"patient\" (\"id\") ON DELETE CASCADE,\n    \
             CONSTRAINT \"ingreso_fecha_fin_fecha_inicio_check\" CHECK (\"fecha_fin\" IS NULL OR \"fecha_fin\" >= \"fecha_inicio\")\n)",
            "CREATE INDEX \"ingreso_paciente_id_idx\" ON \"ingreso\" (\"paciente_id\")",
        ]
    );
    let p = PostgresDialect
        .render(
            &Op::CreateModel {
                table: s.tables["patients.Patient"].clone(),
            },
            &s,
            &s,
        )
        .unwrap();
    let p: Vec<&str> = p.iter().map(|s| s.sql.as_str()).collect();
    assert!(
        p[0].contains("\"estado\" varchar(20) DEFAULT 'ACTIVO' NOT NULL"),
        "{}",
        p[0]
    );
    assert!(p[0].contains("CONSTRAINT \"patient_documento_uniq\" UNIQUE (\"documento\")"));
    assert!(
        p.contains(&"COMMENT ON TABLE \"patient\" IS 'people we treat'"),
        "{p:#?}"
    );
    assert!(p.contains(&"COMMENT ON COLUMN \"patient\".\"documento\" IS 'national id'"));
}

#[test]
fn the_dialect_speaks_postgres() {
    let d = PostgresDialect;
    assert_eq!(d.placeholder(3), "$3");
    assert_eq!(d.quote("a\"b"), "\"a\"\"b\"");
    assert!(d.capabilities().transactional_ddl);
    assert_eq!(
        d.column_type(&id()),
        "bigint GENERATED BY DEFAULT AS IDENTITY"
    );
    assert_eq!(d.column_type(&Field::new("j", ColumnType::Json)), "jsonb");
    assert_eq!(d.migration_notes(), MigrationNotes::default());
}

#[test]
fn statements_that_cannot_run_in_a_transaction_are_detected() {
    let d = PostgresDialect;
    for sql in [
        "CREATE INDEX CONCURRENTLY i ON t (a)",
        "create unique index concurrently if not exists i on t (a)",
        "/* why */ DROP INDEX CONCURRENTLY i",
        "REINDEX INDEX CONCURRENTLY i",
        "REINDEX (VERBOSE) TABLE CONCURRENTLY t",
        "REINDEX DATABASE d",
        "ALTER TYPE mood ADD VALUE 'meh'",
        "ALTER TYPE public.mood ADD VALUE IF NOT EXISTS 'meh' AFTER 'ok'",
        "VACUUM FULL t",
        "vacuum",
        "CREATE DATABASE x",
        "DROP DATABASE x",
        "-- comment\nALTER TABLE t DETACH PARTITION p CONCURRENTLY",
    ] {
        assert!(d.needs_autocommit(sql), "{sql}");
    }
    for sql in [
        "CREATE INDEX i ON t (a)",
        "CREATE INDEX concurrently_named ON t (a)",
        "CREATE INDEX \"concurrently\" ON t (a)",
        "DROP INDEX i",
        "REINDEX TABLE t",
        "ALTER TYPE mood RENAME VALUE 'a' TO 'b'",
        "ALTER TABLE t ADD COLUMN value int",
        "SELECT 'VACUUM'",
        "UPDATE t SET a = 'CREATE INDEX CONCURRENTLY'",
        "",
    ] {
        assert!(!d.needs_autocommit(sql), "{sql}");
    }
}

#[test]
fn unmanaged_models_render_nothing_and_run_sql_needs_postgres_text() {
    let mut s = clinic();
    let mut view = table("patients", "Summary", vec![]);
    view.managed = false;
    s.insert(view.clone());
    let d = PostgresDialect;
    assert!(
        d.render(&Op::CreateModel { table: view }, &s, &s)
            .unwrap()
            .is_empty()
    );
    let op = Op::RunSql {
        sql: SqlText::PerDialect([("sqlite".to_string(), "SELECT 1".to_string())].into()),
        reverse_sql: None,
        creates: Vec::new(),
    };
    let err = d.render(&op, &s, &s).unwrap_err();
    assert!(err.0.contains("no SQL for postgres"), "{err}");
    let op = Op::RunSql {
        sql: SqlText::All(
            "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql; SELECT f();".into(),
        ),
        reverse_sql: None,
        creates: Vec::new(),
    };
    let sql: Vec<String> = d
        .render(&op, &s, &s)
        .unwrap()
        .into_iter()
        .map(|s| s.sql)
        .collect();
    assert_eq!(sql.len(), 2, "{sql:?}");
}

#[test]
fn type_changes_cast_only_where_postgres_cannot() {
    let from = clinic();
    let mut to = from.clone();
    patient_field(&mut to, "nombre").ty = ColumnType::Varchar(200);
    patient_field(&mut to, "ciudad").ty = ColumnType::Integer;
    let d = diff(&from, &to, &Answers::default()).unwrap();
    let sql = render_all(&from, &d.ops);
    assert!(
        sql.contains(
            &"ALTER TABLE \"patient\" ALTER COLUMN \"nombre\" TYPE varchar(200)".to_string()
        ),
        "{sql:#?}"
    );
    assert!(
        sql.contains(
            &"ALTER TABLE \"patient\" ALTER COLUMN \"ciudad\" TYPE integer USING \"ciudad\"::integer"
                .to_string()
        ),
        "{sql:#?}"
    );
}

#[tokio::test]
async fn a_server_that_cannot_be_reached_is_named() {
    let raw = "postgres://nobody@127.0.0.1:1/none";
    let url = crate::DatabaseUrl::parse(raw, std::path::Path::new("/")).unwrap();
    let Err(err) = PostgresDatabase::open(url, raw).await else {
        panic!("connected to port 1");
    };
    assert!(matches!(err, DbError::Connect { .. }), "{err}");
    assert!(err.to_string().contains("127.0.0.1:1"), "{err}");
}

// ---------- live ----------

#[tokio::test]
async fn a_fresh_clinic_introspects_equal_to_the_model() {
    let Some((mut h, s)) = seeded().await else {
        return;
    };
    assert_no_drift(&mut h.db, &s, "seeding").await;
    // The introspector is not blind: a hand-made index is drift.
    h.db.execute("CREATE INDEX extra_idx ON patient (edad)", &[])
        .await
        .unwrap();
    let mut actual = h.db.introspect().await.unwrap();
    let mut expected = s.to_catalog();
    PostgresDialect.normalize(&mut actual);
    PostgresDialect.normalize(&mut expected);
    let diffs = expected.differences(&actual);
    assert_eq!(
        diffs,
        ["patient: index extra_idx exists in the database but not in the models"]
    );
}

#[tokio::test]
async fn adding_fields() {
    let Some((mut h, from)) = seeded().await else {
        return;
    };
    // Nullable, with a kept default, unique, and a nullable reference.
    let mut to = from.clone();
    let p = patient(&mut to);
    p.fields
        .push(nullable(Field::new("barrio", ColumnType::Varchar(30))));
    p.fields.push(with_default(
        Field::new("visitas", ColumnType::Integer),
        Literal::Int(0),
    ));
    let mut code = Field::new("codigo", ColumnType::Varchar(10));
    code.unique = true;
    code.null = true;
    p.fields.push(code);
    let mut medico = nullable(fk("medico_id", "patients.Patient", OnDelete::SetNull));
    medico.comment = Some("referring patient".into());
    p.fields.push(medico);
    roundtrip(&mut h.db, &from, &to, &Answers::default()).await;
    assert_eq!(
        count(&mut h.db, "SELECT count(*) FROM patient WHERE visitas = 0").await,
        2
    );
    h.db.execute("UPDATE patient SET medico_id = 1 WHERE id = 2", &[])
        .await
        .unwrap();
    h.db.execute("DELETE FROM patient WHERE id = 1", &[])
        .await
        .unwrap();
    assert_eq!(
        count(
            &mut h.db,
            "SELECT count(*) FROM patient WHERE medico_id IS NULL"
        )
        .await,
        1,
        "ON DELETE SET NULL applies"
    );
}

#[tokio::test]
async fn adding_a_not_null_field_fills_existing_rows_with_the_one_off_value() {
    let Some((mut h, from)) = seeded().await else {
        return;
    };
    let mut to = from.clone();
    patient(&mut to)
        .fields
        .push(Field::new("barrio", ColumnType::Varchar(30)));
    let answers = one_off("patients.Patient.barrio", str_lit("Centro"));
    let ops = roundtrip(&mut h.db, &from, &to, &answers).await;
    let sql = render_all(&from, &ops);
    assert_eq!(
        sql,
        [
            "ALTER TABLE \"patient\" ADD COLUMN \"barrio\" varchar(30) DEFAULT 'Centro' NOT NULL",
            "ALTER TABLE \"patient\" ALTER COLUMN \"barrio\" DROP DEFAULT",
        ]
    );
    assert_eq!(
        count(
            &mut h.db,
            "SELECT count(*) FROM patient WHERE barrio = 'Centro'"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn removing_fields() {
    let Some((mut h, from)) = seeded().await else {
        return;
    };
    let mut to = from.clone();
    patient(&mut to)
        .fields
        .retain(|f| f.name != "ciudad" && f.name != "estado" && f.name != "fecha_ingreso");
    // A reference goes with its key and index (its rows first: the inverse
    // adds the NOT NULL column back, which needs an empty table).
    h.db.execute("DELETE FROM monitoreo", &[]).await.unwrap();
    to.table_mut("exams.Monitoreo")
        .unwrap()
        .fields
        .retain(|f| f.name != "paciente_id");
    let ops = roundtrip(&mut h.db, &from, &to, &Answers::default()).await;
    let sql = render_all(&from, &ops);
    assert!(
        sql.contains(
            &"ALTER TABLE \"monitoreo\" DROP CONSTRAINT \"monitoreo_paciente_id_fk\"".to_string()
        ),
        "{sql:#?}"
    );
    assert_eq!(count(&mut h.db, "SELECT count(*) FROM patient").await, 2);
}

#[tokio::test]
async fn an_auto_increment_key_can_be_turned_off_and_on() {
    let Some((mut h, from)) = seeded().await else {
        return;
    };
    let mut to = from.clone();
    patient_field(&mut to, "id").auto = remodel_model::Auto::No;
    roundtrip(&mut h.db, &from, &to, &Answers::default()).await;
    // Back on, the identity counts on from the largest key.
    roundtrip(&mut h.db, &to, &from, &Answers::default()).await;
    h.db.execute(
        "INSERT INTO patient (nombre, apellido, edad, documento) VALUES ('Eva', 'Sol', 1, 'C3')",
        &[],
    )
    .await
    .unwrap();
    assert_eq!(count(&mut h.db, "SELECT max(id) FROM patient").await, 3);
}

#[tokio::test]
async fn a_key_moves_between_identity_sequence_and_none_keeping_its_count() {
    let Some((mut h, from)) = seeded().await else {
        return;
    };
    use remodel_model::Auto;
    let mut serial = from.clone();
    patient_field(&mut serial, "id").auto = Auto::Sequence;
    // A column that is not the key numbered by a sequence of its own.
    let mut turno = Field::new("turno", ColumnType::Integer);
    turno.auto = Auto::Sequence;
    patient(&mut serial).fields.push(turno);
    let ops = roundtrip(&mut h.db, &from, &serial, &Answers::default()).await;
    let sql = render_all(&from, &ops).join("\n");
    assert!(
        sql.contains("ADD COLUMN \"turno\" serial NOT NULL")
            && sql.contains("CREATE SEQUENCE \"patient_id_seq\" AS bigint OWNED BY"),
        "{sql}"
    );
    // The existing rows were numbered, and the key counts on from the largest.
    assert_eq!(
        count(&mut h.db, "SELECT count(DISTINCT turno) FROM patient").await,
        2
    );
    h.db.execute(
        "INSERT INTO patient (nombre, apellido, edad, documento) VALUES ('Eva', 'Sol', 1, 'C3')",
        &[],
    )
    .await
    .unwrap();
    assert_eq!(count(&mut h.db, "SELECT max(id) FROM patient").await, 3);
    let cat = h.db.introspect().await.unwrap();
    assert_eq!(cat.tables["patient"].columns["id"].auto, Auto::Sequence);
    assert_eq!(cat.tables["patient"].columns["turno"].auto, Auto::Sequence);
    // No key numbering at all, then back: the sequence goes and comes back.
    let mut none = serial.clone();
    patient_field(&mut none, "id").auto = Auto::No;
    roundtrip(&mut h.db, &serial, &none, &Answers::default()).await;
    assert_eq!(
        count(
            &mut h.db,
            "SELECT count(*) FROM pg_class WHERE relkind = 'S' AND relname = 'patient_id_seq'"
        )
        .await,
        0,
        "the key's sequence went with its default (the round trip ends without it)"
    );
}

#[tokio::test]
async fn a_serial_column_that_is_not_the_key_keeps_its_form() {
    let Some(mut h) = open().await else {
        return;
    };
    h.db.execute(
        "CREATE TABLE s (id int CONSTRAINT s_key PRIMARY KEY, n serial)",
        &[],
    )
    .await
    .unwrap();
    let mut cat = h.db.introspect().await.unwrap();
    PostgresDialect.normalize(&mut cat);
    let t = &cat.tables["s"];
    assert_eq!(t.columns["n"].auto, remodel_model::Auto::Sequence);
    assert_eq!(t.columns["n"].default, None);
    assert_eq!(t.columns["id"].auto, remodel_model::Auto::No);
    assert_eq!(t.primary_key_name.as_deref(), Some("s_key"));
}

#[test]
fn a_named_key_and_a_sequence_key_are_created_as_the_model_says() {
    let mut s = clinic();
    let p = s.table_mut("patients.Patient").unwrap();
    p.pk_name = Some("patient_pkey".into());
    p.field_mut("id").unwrap().auto = remodel_model::Auto::Sequence;
    let sql = render_all(
        &Schema::default(),
        &[Op::CreateModel {
            table: s.tables["patients.Patient"].clone(),
        }],
    )[0]
    .clone();
    assert!(sql.contains("\"id\" bigserial NOT NULL,"), "{sql}");
    assert!(
        sql.contains("CONSTRAINT \"patient_pkey\" PRIMARY KEY (\"id\")"),
        "{sql}"
    );
}

#[tokio::test]
async fn run_sql_runs_every_statement() {
    let Some((mut h, from)) = seeded().await else {
        return;
    };
    let ops = vec![Op::RunSql {
        sql: SqlText::PerDialect(
            [(
                "postgres".to_string(),
                "CREATE FUNCTION shout(t text) RETURNS text AS $$ SELECT upper(t); $$ LANGUAGE sql;\n\
                 UPDATE patient SET ciudad = shout('lima') WHERE ciudad IS NULL; -- fill"
                    .to_string(),
            )]
            .into(),
        ),
        reverse_sql: Some(SqlText::All("DROP FUNCTION shout(text)".into())),
        creates: Vec::new(),
    }];
    apply(&mut h.db, &from, &ops).await.unwrap();
    assert_eq!(
        count(
            &mut h.db,
            "SELECT count(*) FROM patient WHERE ciudad = 'LIMA'"
        )
        .await,
        1
    );
    apply(&mut h.db, &from, &inverse_ops(&from, &ops))
        .await
        .unwrap();
    assert_no_drift(&mut h.db, &from, "RunSql").await;
}

#[tokio::test]
async fn altering_types_lengths_and_nullability() {
    let Some((mut h, from)) = seeded().await else {
        return;
    };
    let mut to = from.clone();
    patient_field(&mut to, "nombre").ty = ColumnType::Varchar(200);
    patient_field(&mut to, "apellido").ty = ColumnType::Text;
    patient_field(&mut to, "edad").ty = ColumnType::BigInt;
    patient_field(&mut to, "documento").ty = ColumnType::Varchar(30);
    patient_field(&mut to, "fecha_ingreso").null = true;
    let m = to.table_mut("exams.Monitoreo").unwrap();
    m.field_mut("usu_diario").unwrap().ty = ColumnType::Decimal {
        precision: 8,
        scale: 3,
    };
    roundtrip(&mut h.db, &from, &to, &Answers::default()).await;
    assert_eq!(
        count(
            &mut h.db,
            "SELECT count(*) FROM monitoreo WHERE usu_diario = 2.25"
        )
        .await,
        1
    );

    // Text holding numbers becomes an integer (a USING cast), and back.
    h.db.execute(
        "UPDATE patient SET ciudad = '7' WHERE ciudad IS NOT NULL",
        &[],
    )
    .await
    .unwrap();
    let mut ints = to.clone();
    patient_field(&mut ints, "ciudad").ty = ColumnType::Integer;
    roundtrip(&mut h.db, &to, &ints, &Answers::default()).await;
    assert_eq!(count(&mut h.db, "SELECT sum(ciudad) FROM patient").await, 7);
}

#[tokio::test]
async fn nullable_to_not_null_fills_nulls_with_the_default() {
    let Some((mut h, from)) = seeded().await else {
        return;
    };
    let mut to = from.clone();
    let c = patient_field(&mut to, "ciudad");
    c.null = false;
    c.default = Some(ColumnDefault::Value(str_lit("?")));
    let ops = roundtrip(&mut h.db, &from, &to, &Answers::default()).await;
    assert_eq!(
        render_all(&from, &ops),
        [
            "ALTER TABLE \"patient\" ALTER COLUMN \"ciudad\" SET DEFAULT '?'",
            "UPDATE \"patient\" SET \"ciudad\" = '?' WHERE \"ciudad\" IS NULL",
            "ALTER TABLE \"patient\" ALTER COLUMN \"ciudad\" SET NOT NULL",
        ]
    );
    // Unapplied and applied again: the NULL row was filled once and stays filled.
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
async fn nullable_to_not_null_with_a_one_off_value() {
    let Some((mut h, from)) = seeded().await else {
        return;
    };
    let mut to = from.clone();
    patient_field(&mut to, "ciudad").null = false;
    let answers = one_off("patients.Patient.ciudad", str_lit("Quito"));
    roundtrip(&mut h.db, &from, &to, &answers).await;
    assert_eq!(
        count(
            &mut h.db,
            "SELECT count(*) FROM patient WHERE ciudad = 'Quito'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn altering_defaults_unique_index_references_and_comments() {
    let Some((mut h, from)) = seeded().await else {
        return;
    };
    let mut to = from.clone();
    let e = patient_field(&mut to, "estado");
    e.default = Some(ColumnDefault::Value(str_lit("NUEVO")));
    e.comment = Some("workflow state".into());
    let d = patient_field(&mut to, "documento");
    d.unique = false;
    d.index = true;
    d.comment = None;
    patient_field(&mut to, "nombre").unique = true;
    patient_field(&mut to, "fecha_ingreso").default = None;
    patient_field(&mut to, "edad").default = Some(ColumnDefault::Value(Literal::Int(18)));
    let ing = to.table_mut("patients.Ingreso").unwrap();
    let r = ing.field_mut("paciente_id").unwrap();
    r.references.as_mut().unwrap().on_delete = OnDelete::Restrict;
    r.index = false;
    let m = to.table_mut("exams.Monitoreo").unwrap();
    m.field_mut("paciente_id").unwrap().references = None;
    roundtrip(&mut h.db, &from, &to, &Answers::default()).await;
    let err =
        h.db.execute("DELETE FROM patient WHERE id = 1", &[])
            .await
            .unwrap_err();
    assert!(
        err.to_string().contains("foreign key"),
        "restrict applies: {err}"
    );
    h.db.execute(
        "INSERT INTO patient (nombre, apellido, documento, fecha_ingreso) VALUES ('Eva', 'Sol', 'C3', '2024-05-01')",
        &[],
    )
    .await
    .unwrap();
    let r =
        h.db.query(
            "SELECT estado, edad FROM patient WHERE documento = 'C3'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(r[0], [Value::Text("NUEVO".into()), Value::Int(18)]);
}

#[tokio::test]
async fn renaming_fields_renames_columns_and_derived_names() {
    let Some((mut h, from)) = seeded().await else {
        return;
    };
    let mut to = from.clone();
    let p = patient(&mut to);
    p.field_mut("edad").unwrap().name = "age".into();
    p.field_mut("documento").unwrap().name = "dni".into();
    p.field_mut("apellido").unwrap().name = "surname".into();
    p.indexes[0].fields = vec!["surname".into(), "nombre".into()];
    p.constraints[0] = Constraint::Check {
        name: Some("patient_edad_no_negativa".into()),
        expr: "age >= 0".into(),
    };
    let mut answers = field_rename("patients.Patient.age", "edad");
    answers
        .fields
        .extend(field_rename("patients.Patient.dni", "documento").fields);
    answers
        .fields
        .extend(field_rename("patients.Patient.surname", "apellido").fields);
    let ops = roundtrip(&mut h.db, &from, &to, &answers).await;
    let sql = render_all(&from, &ops);
    assert!(
        sql.contains(&"ALTER TABLE \"patient\" RENAME CONSTRAINT \"patient_documento_uniq\" TO \"patient_dni_uniq\"".to_string()),
        "{sql:#?}"
    );
    assert!(
        sql.contains(
            &"ALTER INDEX \"patient_apellido_nombre_idx\" RENAME TO \"patient_surname_nombre_idx\""
                .to_string()
        ),
        "{sql:#?}"
    );
    assert!(
        !sql.iter().any(|s| s.contains("DROP") || s.contains("ADD")),
        "renames only: {sql:#?}"
    );
    assert_eq!(count(&mut h.db, "SELECT sum(age) FROM patient").await, 70);

    // An explicit column name, then a rename that keeps it: the column follows the field.
    let mut col = to.clone();
    patient_field(&mut col, "ciudad").column = Some("city".into());
    roundtrip(&mut h.db, &to, &col, &Answers::default()).await;
}

#[tokio::test]
async fn renaming_a_referenced_key_keeps_the_foreign_keys() {
    let Some(mut h) = open().await else {
        return;
    };
    let mut code = Field::new("code", ColumnType::Varchar(20));
    code.unique = true;
    let item = table("shop", "Item", vec![code]);
    let mut r = fk("item_code", "shop.Item", OnDelete::Cascade);
    r.ty = ColumnType::Varchar(20);
    r.references.as_mut().unwrap().to_field = Some("code".into());
    let line = table("shop", "Line", vec![r]);
    let from = schema(vec![item, line]);
    roundtrip(&mut h.db, &Schema::default(), &from, &Answers::default()).await;
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
    roundtrip(
        &mut h.db,
        &from,
        &to,
        &field_rename("shop.Item.sku", "code"),
    )
    .await;
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
    assert!(err.to_string().contains("foreign key"), "{err}");
}

#[tokio::test]
async fn renaming_models_and_tables() {
    let Some((mut h, from)) = seeded().await else {
        return;
    };
    // A struct rename: the derived table and every derived name follow; children follow.
    let mut to = from.clone();
    let mut p = to.tables.remove("patients.Patient").unwrap();
    p.name = "Person".into();
    to.insert(p);
    for key in ["patients.Ingreso", "exams.Monitoreo"] {
        to.table_mut(key)
            .unwrap()
            .field_mut("paciente_id")
            .unwrap()
            .references
            .as_mut()
            .unwrap()
            .model = "patients.Person".into();
    }
    let ops = roundtrip(
        &mut h.db,
        &from,
        &to,
        &model_rename("patients.Person", "Patient"),
    )
    .await;
    assert!(matches!(ops[..], [Op::RenameModel { .. }]), "{ops:#?}");
    assert_eq!(count(&mut h.db, "SELECT count(*) FROM person").await, 2);
    assert_eq!(
        count(
            &mut h.db,
            "SELECT count(*) FROM ingreso JOIN person ON person.id = ingreso.paciente_id"
        )
        .await,
        3
    );
    // The key still counts up.
    h.db.execute(
        "INSERT INTO person (nombre, apellido, edad, documento) VALUES ('Eva', 'Sol', 1, 'C3')",
        &[],
    )
    .await
    .unwrap();

    // An explicit table name, then back to the derived one.
    let mut named = to.clone();
    named.table_mut("patients.Person").unwrap().db_table = Some("people".into());
    roundtrip(&mut h.db, &to, &named, &Answers::default()).await;
    assert_eq!(count(&mut h.db, "SELECT count(*) FROM people").await, 3);
}

#[tokio::test]
async fn a_self_reference_follows_a_model_rename() {
    let Some(mut h) = open().await else {
        return;
    };
    let mut parent = nullable(fk("parent_id", "org.Node", OnDelete::Cascade));
    parent.comment = Some("up".into());
    let from = schema(vec![table("org", "Node", vec![parent])]);
    roundtrip(&mut h.db, &Schema::default(), &from, &Answers::default()).await;
    h.db.execute("INSERT INTO node (parent_id) VALUES (NULL)", &[])
        .await
        .unwrap();
    h.db.execute("INSERT INTO node (parent_id) VALUES (1)", &[])
        .await
        .unwrap();
    let mut to = Schema::default();
    let mut t = from.tables["org.Node"].clone();
    t.name = "Unit".into();
    t.field_mut("parent_id")
        .unwrap()
        .references
        .as_mut()
        .unwrap()
        .model = "org.Unit".into();
    to.insert(t);
    roundtrip(&mut h.db, &from, &to, &model_rename("org.Unit", "Node")).await;
    h.db.execute("DELETE FROM unit WHERE id = 1", &[])
        .await
        .unwrap();
    assert_eq!(count(&mut h.db, "SELECT count(*) FROM unit").await, 0);
}

#[tokio::test]
async fn indexes_uniques_and_checks_come_and_go() {
    let Some((mut h, from)) = seeded().await else {
        return;
    };
    let mut to = from.clone();
    let p = patient(&mut to);
    p.indexes.clear();
    p.indexes.push(Index {
        name: Some("patient_edad_estado".into()),
        fields: vec!["edad".into(), "estado".into()],
        unique: false,
        concurrently: false,
        ..Default::default()
    });
    p.indexes.push(Index {
        name: None,
        fields: vec!["documento".into(), "ciudad".into()],
        unique: true,
        concurrently: false,
        ..Default::default()
    });
    p.constraints.clear();
    p.constraints.push(Constraint::Unique {
        name: None,
        fields: vec!["nombre".into(), "apellido".into()],
    });
    p.constraints.push(Constraint::Check {
        name: None,
        expr: "estado IN ('ACTIVO', 'INACTIVO') AND edad BETWEEN 0 AND 150".into(),
    });
    p.constraints.push(Constraint::Check {
        name: Some("patient_nombre_a".into()),
        expr: "nombre LIKE '%a%' OR length(nombre) > 3".into(),
    });
    roundtrip(&mut h.db, &from, &to, &Answers::default()).await;
    let err = h
        .db
        .execute(
            "INSERT INTO patient (nombre, apellido, edad, documento, estado) VALUES ('Ana', 'Paz', 1, 'Z9', 'ACTIVO')",
            &[],
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("patient_nombre_apellido_uniq"),
        "{err}"
    );

    // A renamed index.
    let mut renamed = to.clone();
    patient(&mut renamed).indexes[0].name = Some("patient_by_age".into());
    let ops = roundtrip(&mut h.db, &to, &renamed, &Answers::default()).await;
    assert!(matches!(ops[..], [Op::RenameIndex { .. }]), "{ops:#?}");
}

#[tokio::test]
async fn a_concurrent_index_is_built_outside_the_transaction() {
    let Some((mut h, from)) = seeded().await else {
        return;
    };
    let mut to = from.clone();
    patient(&mut to).indexes.push(Index {
        name: None,
        fields: vec!["ciudad".into()],
        unique: false,
        concurrently: true,
        ..Default::default()
    });
    let d = diff(&from, &to, &Answers::default()).unwrap();
    let sql = render_all(&from, &d.ops);
    assert_eq!(
        sql,
        ["CREATE INDEX CONCURRENTLY \"patient_ciudad_idx\" ON \"patient\" (\"ciudad\")"]
    );
    assert!(PostgresDialect.needs_autocommit(&sql[0]));
    // Inside a transaction PostgreSQL refuses it ...
    h.db.begin_migration(true).await.unwrap();
    let err = h.db.execute(&sql[0], &[]).await.unwrap_err();
    assert!(err.to_string().contains("transaction block"), "{err}");
    let err = h.db.commit_migration(true).await.unwrap_err();
    assert!(err.to_string().contains("rolled back"), "{err}");
    // ... and a non-atomic migration runs it.
    h.db.begin_migration(false).await.unwrap();
    h.db.execute(&sql[0], &[]).await.unwrap();
    h.db.commit_migration(false).await.unwrap();
    assert_no_drift(&mut h.db, &to, "a concurrent index").await;

    // In a new model the index is plain: the table is empty and the
    // migration keeps its transaction.
    let mut t = table(
        "patients",
        "Visit",
        vec![nullable(Field::new("note", ColumnType::Text))],
    );
    t.indexes.push(Index {
        name: None,
        fields: vec!["note".into()],
        unique: false,
        concurrently: true,
        ..Default::default()
    });
    let mut with_visit = to.clone();
    with_visit.insert(t);
    roundtrip(&mut h.db, &to, &with_visit, &Answers::default()).await;
}

#[tokio::test]
async fn comments_on_tables_and_columns() {
    let Some((mut h, from)) = seeded().await else {
        return;
    };
    let mut to = from.clone();
    patient(&mut to).comment = Some("it's the patients".into());
    to.table_mut("patients.Ingreso").unwrap().comment = Some("admissions".into());
    patient_field(&mut to, "nombre").comment = Some("given name".into());
    patient_field(&mut to, "documento").comment = None;
    roundtrip(&mut h.db, &from, &to, &Answers::default()).await;
    let mut none = to.clone();
    patient(&mut none).comment = None;
    roundtrip(&mut h.db, &to, &none, &Answers::default()).await;
}

#[tokio::test]
async fn composite_keys() {
    let Some(mut h) = open().await else {
        return;
    };
    let mut t = Table::new("lab", "Reading");
    t.fields = vec![
        Field::new("device", ColumnType::Varchar(10)),
        Field::new("taken_at", ColumnType::TimestampTz),
        Field::new("value", ColumnType::Double),
    ];
    t.composite_primary_key = vec!["device".into(), "taken_at".into()];
    let from = schema(vec![t]);
    roundtrip(&mut h.db, &Schema::default(), &from, &Answers::default()).await;
    h.db.execute(
        "INSERT INTO reading VALUES ('a', '2024-01-01 00:00:00+00', 1.5), ('a', '2024-01-02 00:00:00+00', 2.5)",
        &[],
    )
    .await
    .unwrap();
    let mut to = from.clone();
    let r = to.table_mut("lab.Reading").unwrap();
    r.field_mut("device").unwrap().name = "sensor".into();
    r.composite_primary_key = vec!["sensor".into(), "taken_at".into()];
    r.fields
        .push(nullable(Field::new("unit", ColumnType::Varchar(5))));
    let ops = roundtrip(
        &mut h.db,
        &from,
        &to,
        &field_rename("lab.Reading.sensor", "device"),
    )
    .await;
    let sql = render_all(&from, &ops);
    assert!(
        sql.contains(&"ALTER TABLE \"reading\" RENAME CONSTRAINT \"reading_device_taken_at_pkey\" TO \"reading_sensor_taken_at_pkey\"".to_string()),
        "{sql:#?}"
    );
    let err = h
        .db
        .execute(
            "INSERT INTO reading (sensor, taken_at, value) VALUES ('a', '2024-01-01 00:00:00+00', 0)",
            &[],
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("reading_sensor_taken_at_pkey"),
        "{err}"
    );
}

fn all_types() -> Table {
    let dec = ColumnType::Decimal {
        precision: 10,
        scale: 3,
    };
    let cases: Vec<(ColumnType, Option<ColumnDefault>)> = vec![
        (
            ColumnType::Boolean,
            Some(ColumnDefault::Value(Literal::Bool(true))),
        ),
        (
            ColumnType::SmallInt,
            Some(ColumnDefault::Value(Literal::Int(-7))),
        ),
        (
            ColumnType::Integer,
            Some(ColumnDefault::Value(Literal::Int(-3))),
        ),
        (
            ColumnType::BigInt,
            Some(ColumnDefault::Value(Literal::Int(5_000_000_000))),
        ),
        (
            ColumnType::Real,
            Some(ColumnDefault::Value(Literal::Float(2.5))),
        ),
        (
            ColumnType::Double,
            Some(ColumnDefault::Value(Literal::Float(-2.5))),
        ),
        (
            ColumnType::Varchar(7),
            Some(ColumnDefault::Value(str_lit("it's"))),
        ),
        (
            ColumnType::Text,
            Some(ColumnDefault::Sql("lower('ABC')".into())),
        ),
        (ColumnType::Blob, None),
        (dec.clone(), Some(ColumnDefault::Value(str_lit("-1.50")))),
        (dec, Some(ColumnDefault::Value(str_lit("2.5")))),
        (
            ColumnType::Date,
            Some(ColumnDefault::Value(str_lit("2024-02-29"))),
        ),
        (
            ColumnType::Time,
            Some(ColumnDefault::Value(str_lit("12:30"))),
        ),
        (
            ColumnType::Timestamp,
            Some(ColumnDefault::Value(str_lit("2024-01-01T10:00:00"))),
        ),
        (
            ColumnType::Timestamp,
            Some(ColumnDefault::Sql("CURRENT_TIMESTAMP".into())),
        ),
        (
            ColumnType::TimestampTz,
            Some(ColumnDefault::Value(str_lit("2024-01-01 10:00:00+02:00"))),
        ),
        (
            ColumnType::TimestampTz,
            Some(ColumnDefault::Sql("now()".into())),
        ),
        (
            ColumnType::Uuid,
            Some(ColumnDefault::Value(str_lit(
                "67E55044-10B1-426F-9247-BB680E5FE0C8",
            ))),
        ),
        (
            ColumnType::Uuid,
            Some(ColumnDefault::Sql("gen_random_uuid()".into())),
        ),
        (
            ColumnType::Json,
            Some(ColumnDefault::Value(str_lit(
                r#"{"b":1, "a": [1,2.50, 1e2]}"#,
            ))),
        ),
        (
            ColumnType::Raw("int4".into()),
            Some(ColumnDefault::Value(Literal::Int(4))),
        ),
        (ColumnType::Raw("timestamp(3)".into()), None),
        (
            ColumnType::Raw("character(4)".into()),
            Some(ColumnDefault::Value(str_lit("ab"))),
        ),
        (ColumnType::Raw("int[]".into()), None),
        (
            ColumnType::Raw("inet".into()),
            Some(ColumnDefault::Value(str_lit("127.0.0.1"))),
        ),
        (ColumnType::Raw("json".into()), None),
        (ColumnType::Raw("serial".into()), None),
        (ColumnType::Raw("VARCHAR(12)".into()), None),
        (ColumnType::Raw("interval".into()), None),
    ];
    let fields = cases.into_iter().enumerate().map(|(i, (ty, default))| {
        let mut f = Field::new(format!("c{i}"), ty);
        // Columns without a default are nullable, so a row of defaults fits.
        f.null = i % 2 == 0 || default.is_none();
        f.default = default;
        f
    });
    let mut t = table("a", "AllTypes", fields.collect());
    t.fields[0].ty = ColumnType::Integer; // an integer identity key
    t
}

#[tokio::test]
async fn every_type_and_default_round_trips_through_the_catalog() {
    let Some(mut h) = open().await else {
        return;
    };
    let to = schema(vec![all_types()]);
    roundtrip(&mut h.db, &Schema::default(), &to, &Answers::default()).await;
    h.db.execute("INSERT INTO all_types DEFAULT VALUES", &[])
        .await
        .unwrap();
    h.db.execute("INSERT INTO all_types DEFAULT VALUES", &[])
        .await
        .unwrap();
    assert_eq!(count(&mut h.db, "SELECT max(id) FROM all_types").await, 2);
}

#[tokio::test]
async fn a_serial_key_made_by_hand_reads_as_auto_increment() {
    let Some(mut h) = open().await else {
        return;
    };
    h.db.execute(
        "CREATE TABLE legacy (id serial PRIMARY KEY, name text NOT NULL DEFAULT 'x'::text)",
        &[],
    )
    .await
    .unwrap();
    let cat = h.db.introspect().await.unwrap();
    let t = &cat.tables["legacy"];
    assert_eq!(t.columns["id"].auto, remodel_model::Auto::Sequence);
    assert_eq!(t.columns["id"].ty, ColumnType::Integer);
    assert_eq!(t.columns["id"].default, None);
    assert_eq!(
        t.columns["name"].default,
        Some(ColumnDefault::Value(str_lit("x")))
    );
}

#[tokio::test]
async fn a_failing_statement_rolls_the_whole_migration_back() {
    let Some((mut h, from)) = seeded().await else {
        return;
    };
    let mut to = from.clone();
    patient(&mut to)
        .fields
        .push(nullable(Field::new("barrio", ColumnType::Text)));
    patient(&mut to).constraints.push(Constraint::Check {
        name: None,
        expr: "edad > 35".into(),
    });
    let d = diff(&from, &to, &Answers::default()).unwrap();
    let err = apply(&mut h.db, &from, &d.ops).await.unwrap_err();
    assert!(err.to_string().contains("violated by some row"), "{err}");
    assert_no_drift(&mut h.db, &from, "a rolled-back migration").await;
    assert_eq!(count(&mut h.db, "SELECT count(*) FROM patient").await, 2);
    // The connection is usable again, outside any transaction.
    h.db.rollback_migration().await.unwrap();
    assert!(h.db.table_exists("patient").await.unwrap());
    assert!(!h.db.table_exists("nope").await.unwrap());
}

#[tokio::test]
async fn deleting_models_and_creating_them_again() {
    let Some((mut h, from)) = seeded().await else {
        return;
    };
    let mut to = from.clone();
    to.tables.remove("exams.Monitoreo");
    to.tables.remove("patients.Ingreso");
    let d = diff(&from, &to, &Answers::default()).unwrap();
    apply(&mut h.db, &from, &d.ops).await.unwrap();
    assert_no_drift(&mut h.db, &to, "deleting models").await;
    let back = inverse_ops(&from, &d.ops);
    apply(&mut h.db, &to, &back).await.unwrap();
    assert_no_drift(&mut h.db, &from, "recreating models").await;
}

#[tokio::test]
async fn values_go_in_and_come_out_in_both_protocols() {
    let Some(mut h) = open().await else {
        return;
    };
    h.db.execute(
        "CREATE TABLE v (i integer, b bigint, f double precision, t text, y bytea, n numeric(6,2), \
         d date, ts timestamp, tz timestamptz, u uuid, j jsonb, ok boolean, tm time)",
        &[],
    )
    .await
    .unwrap();
    let n =
        h.db.execute(
            "INSERT INTO v (i, b, f, t, y) VALUES ($1, $2, $3, $4, $5)",
            &[
                Value::Null,
                Value::Int(5_000_000_000),
                Value::Float(2.5),
                Value::Text("ñandú".into()),
                Value::Bytes(vec![0, 1, 255]),
            ],
        )
        .await
        .unwrap();
    assert_eq!(n, 1);
    h.db.execute(
        "UPDATE v SET n = -1234.5, d = '2024-02-29', ts = '2024-01-01 10:00:00.25', \
         tz = '2024-01-01 10:00:00+02', u = '67e55044-10b1-426f-9247-bb680e5fe0c8', \
         j = '{\"b\": 1, \"a\": 2}', ok = true, tm = '12:30:01'",
        &[],
    )
    .await
    .unwrap();
    let select = "SELECT i, b, f, t, y, n, d, ts, tz AT TIME ZONE 'UTC', u, j, ok, tm FROM v";
    let text = h.db.query(select, &[]).await.unwrap();
    let binary =
        h.db.query(
            &format!("{select} WHERE b = $1"),
            &[Value::Int(5_000_000_000)],
        )
        .await
        .unwrap();
    let want = vec![
        Value::Null,
        Value::Int(5_000_000_000),
        Value::Float(2.5),
        Value::Text("ñandú".into()),
        Value::Bytes(vec![0, 1, 255]),
        Value::Text("-1234.50".into()),
        Value::Text("2024-02-29".into()),
        Value::Text("2024-01-01 10:00:00.25".into()),
        Value::Text("2024-01-01 08:00:00".into()),
        Value::Text("67e55044-10b1-426f-9247-bb680e5fe0c8".into()),
        Value::Text("{\"a\": 2, \"b\": 1}".into()),
        Value::Int(1),
        Value::Text("12:30:01".into()),
    ];
    assert_eq!(text, std::slice::from_ref(&want));
    assert_eq!(binary, [want]);
    let tz =
        h.db.query(
            "SELECT tz FROM v WHERE i IS NULL AND $1::int = 1",
            &[Value::Int(1)],
        )
        .await
        .unwrap();
    assert_eq!(tz[0][0], Value::Text("2024-01-01 08:00:00+00".into()));
}

#[tokio::test]
async fn introspection_costs_the_same_queries_for_1_and_50_tables() {
    let (Some(mut one), Some(mut fifty)) = (open().await, open().await) else {
        return;
    };
    let mut cost = Vec::new();
    for (h, n) in [(&mut one, 1), (&mut fifty, 50)] {
        let mut s = Schema::default();
        for i in 0..n {
            let mut t = table(
                "bulk",
                &format!("T{i}"),
                vec![
                    Field::new("name", ColumnType::Varchar(20)),
                    nullable(Field::new("note", ColumnType::Text)),
                ],
            );
            t.indexes.push(Index {
                name: None,
                fields: vec!["name".into()],
                unique: true,
                concurrently: false,
                ..Default::default()
            });
            s.insert(t);
        }
        let d = diff(&Schema::default(), &s, &Answers::default()).unwrap();
        apply(&mut h.db, &Schema::default(), &d.ops).await.unwrap();
        let before = h.db.queries_sent();
        let catalog = h.db.introspect().await.unwrap();
        cost.push(h.db.queries_sent() - before);
        assert_eq!(catalog.tables.len(), n);
        assert_no_drift(&mut h.db, &s, "creating tables").await;
    }
    assert_eq!(cost[0], cost[1], "queries for 1 and for 50 tables");
    // Six catalog queries, and on a connection remodel opened a check on
    // each of its two connections that both read the same server.
    assert!(cost[0] <= 8, "{cost:?}");

    // Read on one connection only (an application's), the catalog is the same.
    use sqlx::Connection;
    let conn = sqlx::PgConnection::connect(&fifty._scratch.url)
        .await
        .unwrap();
    let mut alone = PostgresDatabase::from_connection(fifty._scratch.database_url(), conn);
    let before = alone.queries_sent();
    let read_alone = alone.introspect().await.unwrap();
    assert_eq!(alone.queries_sent() - before, 6);
    let side_by_side = fifty.db.introspect().await.unwrap();
    assert_eq!(read_alone.tables.len(), 50);
    assert!(
        read_alone.differences(&side_by_side).is_empty(),
        "{:?}",
        read_alone.differences(&side_by_side)
    );
    assert_eq!(read_alone, side_by_side);
}

#[tokio::test]
async fn the_migration_lock_waits_then_times_out_and_is_free_after_unlock() {
    let Some(mut first) = open().await else {
        return;
    };
    let mut second = PostgresDatabase::open(first._scratch.database_url(), &first._scratch.url)
        .await
        .unwrap();
    first.db.lock().await.unwrap();
    // Locking again on the same connection is a no-op.
    first.db.lock().await.unwrap();

    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    second
        .set_lock_wait(
            Duration::from_millis(700),
            Box::new(move || {
                seen.fetch_add(1, Ordering::SeqCst);
            }),
        )
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let err = second.lock().await.unwrap_err();
    assert!(matches!(err, DbError::LockTimeout(_)), "{err}");
    assert!(started.elapsed() >= Duration::from_millis(700));
    assert!(err.to_string().contains("migration lock"), "{err}");
    assert!(err.to_string().contains("held by server process"), "{err}");
    assert_eq!(calls.load(Ordering::SeqCst), 1, "told once that it waits");

    // Released while the second waits: it gets the lock.
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    second
        .set_lock_wait(
            Duration::from_secs(10),
            Box::new(move || {
                seen.fetch_add(1, Ordering::SeqCst);
            }),
        )
        .await
        .unwrap();
    let waiter = tokio::spawn(async move { second.lock().await.map(|_| second) });
    tokio::time::sleep(Duration::from_millis(400)).await;
    first.db.unlock().await.unwrap();
    let mut second = waiter.await.unwrap().unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // Now the first waits for the second.
    first
        .db
        .set_lock_wait(Duration::from_millis(300), Box::new(|| {}))
        .await
        .unwrap();
    assert!(matches!(
        first.db.lock().await,
        Err(DbError::LockTimeout(_))
    ));
    second.unlock().await.unwrap();
    first.db.lock().await.unwrap();
    first.db.unlock().await.unwrap();
    Box::new(second).close().await;
}

#[test]
fn lock_keys_are_stable() {
    assert_eq!(
        connection::advisory_key("remodel:clinic:public"),
        connection::advisory_key("remodel:clinic:public")
    );
    assert_ne!(
        connection::advisory_key("remodel:clinic:public"),
        connection::advisory_key("remodel:clinic:other")
    );
    // FNV-1a 64 of the empty string: a fixed value, so every version agrees.
    assert_eq!(
        connection::advisory_key(""),
        0xcbf2_9ce4_8422_2325_u64 as i64
    );
}

#[test]
fn a_failed_concurrent_index_build_is_cleaned_up_by_name() {
    let d = PostgresDialect;
    let drop = |sql: &str| d.after_failure(sql).map(|s| s.sql);
    assert_eq!(
        drop("CREATE UNIQUE INDEX CONCURRENTLY \"item_e_idx\" ON \"item\" (\"e\")").as_deref(),
        Some("DROP INDEX CONCURRENTLY IF EXISTS \"item_e_idx\"")
    );
    assert_eq!(
        drop("create index concurrently if not exists s.i on t (a)").as_deref(),
        Some("DROP INDEX CONCURRENTLY IF EXISTS s.i")
    );
    // Nothing is left behind by these.
    assert_eq!(drop("CREATE INDEX i ON t (a)"), None);
    assert_eq!(drop("CREATE INDEX CONCURRENTLY ON t (a)"), None);
    assert_eq!(drop("ALTER TABLE t ADD COLUMN c int"), None);
}

/// The clinic with `ingreso.paciente_id`'s foreign key named `name`.
fn with_fk_name(from: &Schema, name: &str) -> Schema {
    let mut to = from.clone();
    to.table_mut("patients.Ingreso")
        .unwrap()
        .field_mut("paciente_id")
        .unwrap()
        .references
        .as_mut()
        .unwrap()
        .name = Some(name.into());
    to
}

#[test]
fn an_explicit_fk_name_is_used_and_a_changed_one_renames_the_constraint() {
    let from = clinic();
    let to = with_fk_name(&from, "ingreso_paciente_id_fkey");
    let op = Op::CreateModel {
        table: to.tables["patients.Ingreso"].clone(),
    };
    let mut without = to.clone();
    without.tables.remove("patients.Ingreso");
    let create = render_all(&without, std::slice::from_ref(&op)).join("\n");
    assert!(
        create.contains("CONSTRAINT \"ingreso_paciente_id_fkey\" FOREIGN KEY (\"paciente_id\")"),
        "{create}"
    );
    let d = diff(&from, &to, &Answers::default()).unwrap();
    assert!(matches!(d.ops[..], [Op::AlterField { .. }]), "{:?}", d.ops);
    assert_eq!(
        render_all(&from, &d.ops),
        [
            "ALTER TABLE \"ingreso\" RENAME CONSTRAINT \"ingreso_paciente_id_fk\" TO \"ingreso_paciente_id_fkey\""
        ]
    );
    // A new name with a new definition: the old constraint is dropped by its old name.
    let mut to2 = with_fk_name(&from, "ingreso_paciente_id_fkey");
    to2.table_mut("patients.Ingreso")
        .unwrap()
        .field_mut("paciente_id")
        .unwrap()
        .references
        .as_mut()
        .unwrap()
        .on_delete = OnDelete::Restrict;
    let d = diff(&from, &to2, &Answers::default()).unwrap();
    assert_eq!(
        render_all(&from, &d.ops),
        [
            "ALTER TABLE \"ingreso\" DROP CONSTRAINT \"ingreso_paciente_id_fk\"",
            "ALTER TABLE \"ingreso\" ADD CONSTRAINT \"ingreso_paciente_id_fkey\" FOREIGN KEY (\"paciente_id\") REFERENCES \"patient\" (\"id\") ON DELETE RESTRICT"
        ]
    );
}

#[tokio::test]
async fn an_explicit_fk_name_comes_and_goes() {
    let Some((mut h, from)) = seeded().await else {
        return;
    };
    let to = with_fk_name(&from, "ingreso_paciente_id_fkey");
    roundtrip(&mut h.db, &from, &to, &Answers::default()).await;
    let mut again = with_fk_name(&from, "ingreso_ibfk_1");
    again
        .table_mut("patients.Ingreso")
        .unwrap()
        .field_mut("paciente_id")
        .unwrap()
        .references
        .as_mut()
        .unwrap()
        .on_delete = OnDelete::Restrict;
    roundtrip(&mut h.db, &to, &again, &Answers::default()).await;
}

/// What no model can declare is read as a fact of its table, so a change
/// to it by hand is drift: an identity GENERATED ALWAYS, a deferrable
/// foreign key, an exclusion constraint, an index with NULLS FIRST against
/// its order. What models say is read as they say it: a generated column,
/// a collation, ON UPDATE, expression, partial, hash and covering indexes.
#[tokio::test]
async fn unmodelled_facts_are_read() {
    let Some(mut h) = open().await else {
        return;
    };
    for sql in [
        "CREATE TABLE owner (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text COLLATE \"C\" NOT NULL, \
         name_len int GENERATED ALWAYS AS (length(name)) STORED)",
        "CREATE TABLE pet (id bigint PRIMARY KEY, owner_id bigint NOT NULL, \
         CONSTRAINT pet_owner_fk FOREIGN KEY (owner_id) REFERENCES owner (id) ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED, \
         CONSTRAINT pet_no_overlap EXCLUDE USING btree (owner_id WITH =))",
        "CREATE INDEX owner_lower_name ON owner (lower(name)) WHERE name_len > 2",
        "CREATE INDEX owner_name_hash ON owner USING hash (name)",
        "CREATE INDEX owner_name_nulls ON owner (name NULLS FIRST)",
        "CREATE INDEX owner_covering ON owner (name DESC, id) INCLUDE (name_len)",
        "CREATE INDEX pet_owner ON pet (owner_id)",
    ] {
        h.db.execute(sql, &[]).await.unwrap();
    }
    let c = h.db.introspect().await.unwrap();
    let facts = |t: &str| -> Vec<String> {
        c.tables[t]
            .unmodelled
            .iter()
            .map(|(k, u)| format!("{k} {}", u.what))
            .collect()
    };
    assert_eq!(
        facts("owner"),
        [
            "column id is GENERATED ALWAYS AS IDENTITY (an auto key is GENERATED BY DEFAULT)",
            "index owner_name_nulls is `CREATE INDEX owner_name_nulls ON public.owner USING btree (name NULLS FIRST)`",
        ]
    );
    assert_eq!(
        facts("pet"),
        [
            "constraint pet_no_overlap is an exclusion constraint, `EXCLUDE USING btree (owner_id WITH =)`",
            "foreign key pet_owner_fk has DEFERRABLE",
        ]
    );
    let owner = &c.tables["owner"];
    assert_eq!(owner.columns["name"].collation.as_deref(), Some("C"));
    assert_eq!(
        owner.columns["name_len"].generated,
        Some(remodel_model::Generated {
            expr: "length(name)".into(),
            stored: true
        })
    );
    assert_eq!(owner.columns["id"].auto, remodel_model::Auto::Yes);
    // Expression, partial, hash, descending and covering indexes are read
    // as models say them.
    let described: Vec<String> = owner
        .indexes
        .iter()
        .map(|(n, ix)| {
            format!(
                "{n} {} include {:?}",
                ix.options.describe(&ix.columns),
                ix.include
            )
        })
        .collect();
    assert_eq!(
        described,
        [
            "owner_covering (name DESC, id) include [\"name_len\"]",
            "owner_lower_name ((lower(name))) where name_len > 2 include []",
            "owner_name_hash (name) using hash include []",
        ]
    );
    assert_eq!(
        c.tables["pet"].indexes.keys().collect::<Vec<_>>(),
        ["pet_owner"]
    );
    assert_eq!(
        c.tables["pet"].foreign_keys["pet_owner_fk"].on_update,
        remodel_model::OnDelete::Cascade
    );
}

/// What the schema holds besides tables is read as objects, with the table
/// each belongs to; partitions and inherited tables are objects, not
/// tables a model must own, and none of them is drift.
#[tokio::test]
async fn objects_other_than_tables_are_read_and_are_not_drift() {
    let Some((mut h, s)) = seeded().await else {
        return;
    };
    for sql in [
        "CREATE VIEW patient_names AS SELECT nombre FROM patient",
        "CREATE MATERIALIZED VIEW patient_count AS SELECT count(*) AS n FROM patient",
        "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
        "CREATE TRIGGER patient_touch BEFORE UPDATE ON patient FOR EACH ROW EXECUTE FUNCTION touch()",
        "CREATE FUNCTION add2(integer, integer) RETURNS integer LANGUAGE sql AS 'SELECT $1 + $2'",
        "CREATE PROCEDURE noop() LANGUAGE sql AS 'SELECT 1'",
        "CREATE AGGREGATE total(integer) (SFUNC = add2, STYPE = integer)",
        "CREATE RULE patient_no_delete AS ON DELETE TO ingreso DO INSTEAD NOTHING",
        "CREATE SEQUENCE loose_seq",
        "CREATE DOMAIN year AS integer CHECK (VALUE >= 1901)",
        "CREATE TYPE mpaa_rating AS ENUM ('G', 'PG-13')",
        "CREATE TABLE payment (id integer, paid date) PARTITION BY RANGE (paid)",
        "CREATE TABLE payment_2024 PARTITION OF payment FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
        "CREATE TABLE old_payment (id integer)",
        "CREATE TABLE old_payment_2007 () INHERITS (old_payment)",
    ] {
        h.db.execute(sql, &[]).await.unwrap();
    }
    let catalog = h.db.introspect().await.unwrap();
    let objects: Vec<String> = catalog
        .objects
        .iter()
        .map(|o| {
            format!(
                "{} {} on {}",
                o.kind.noun(),
                o.name,
                o.table.as_deref().unwrap_or("-")
            )
        })
        .collect();
    assert_eq!(
        objects,
        [
            "aggregate total(integer) on -",
            "domain year on -",
            "enum type mpaa_rating on -",
            "function add2(integer, integer) on -",
            "function touch() on -",
            "inherited table old_payment_2007 on old_payment",
            "materialized view patient_count on -",
            "partition payment_2024 on payment",
            "partitioned table payment on payment",
            "procedure noop() on -",
            "rule patient_no_delete on ingreso",
            "sequence loose_seq on -",
            "trigger patient_touch on patient",
            "view patient_names on -",
        ]
    );
    let definition = |noun: &str| {
        catalog
            .objects
            .iter()
            .find(|o| o.kind.noun() == noun)
            .map(|o| o.definition.clone())
            .unwrap()
    };
    assert_eq!(definition("enum type"), "'G', 'PG-13'");
    assert_eq!(definition("partitioned table"), "RANGE (paid)");
    assert!(
        definition("domain").starts_with("integer CHECK"),
        "{}",
        definition("domain")
    );
    assert!(definition("trigger").contains("EXECUTE FUNCTION touch()"));
    // The partition is not a table; the others are, and the models' tables
    // show no drift.
    assert!(!catalog.tables.contains_key("payment_2024"));
    for t in ["payment", "old_payment"] {
        h.db.execute(&format!("DROP TABLE {t} CASCADE"), &[])
            .await
            .unwrap();
    }
    assert_no_drift(&mut h.db, &s, "adding objects other than tables").await;
}

#[tokio::test]
async fn one_table_reads_as_it_reads_among_all() {
    let Some((mut h, _)) = seeded().await else {
        return;
    };
    let all = h.db.introspect().await.unwrap();
    let one = h.db.introspect_tables(&["ingreso".into()]).await.unwrap();
    assert_eq!(one.tables.keys().collect::<Vec<_>>(), ["ingreso"]);
    assert_eq!(one.tables["ingreso"], all.tables["ingreso"]);
    let none = h.db.introspect_tables(&["nope".into()]).await.unwrap();
    assert!(none.tables.is_empty());
}
