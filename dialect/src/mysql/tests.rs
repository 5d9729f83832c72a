//! MySQL/MariaDB rendering against a real server (`REMODEL_TEST_MYSQL_URL`):
//! every change applies, leaves exactly the target schema (introspected),
//! keeps the rows, and unapplies cleanly. Without a server these tests say
//! so in one line and pass; the rendering tests at the top need none.

use super::*;
use crate::scratch::ScratchDatabase;
use crate::{Database, DbError, Value};
use remodel_differ::{Answers, DefaultAnswer, Op, RenameAnswer, Source, diff};
use remodel_model::{
    ColumnDefault, ColumnType, Constraint, Field, Index, Literal, OnDelete, Reference, Table,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

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

fn with_default(mut f: Field, lit: Literal) -> Field {
    f.default = Some(ColumnDefault::Value(lit));
    f
}

fn schema(tables: Vec<Table>) -> Schema {
    let mut s = Schema::default();
    for t in tables {
        s.insert(t);
    }
    s
}

/// The clinic of DESIGN §2.
fn clinic() -> Schema {
    let mut doc = Field::new("documento", ColumnType::Varchar(20));
    doc.unique = true;
    doc.comment = Some("national id".into());
    let mut fecha = Field::new("fecha_ingreso", ColumnType::Date);
    fecha.index = true;
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
                Literal::Str("ACTIVO".into()),
            ),
            fecha,
        ],
    );
    patient.comment = Some("pacientes".into());
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
    let ingreso = table(
        "patients",
        "Ingreso",
        vec![
            fk("paciente_id", "patients.Patient", OnDelete::Cascade),
            Field::new("fecha_inicio", ColumnType::Date),
            nullable(Field::new("fecha_fin", ColumnType::Date)),
        ],
    );
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

/// The SQL an operation runs (its guards, checks made on the live table,
/// left out).
fn sqls(op: &Op, before: &Schema) -> Vec<String> {
    let mut after = before.clone();
    op.apply_to(&mut after).unwrap();
    MysqlDialect
        .render(op, before, &after)
        .unwrap()
        .into_iter()
        .filter(|s| s.guard.is_none())
        .map(|s| s.sql)
        .collect()
}

fn ops_sql(from: &Schema, to: &Schema, answers: &Answers) -> Vec<Vec<String>> {
    let d = diff(from, to, answers).unwrap();
    assert!(d.unanswered().is_empty(), "{:?}", d.unanswered());
    let mut state = from.clone();
    let mut out = Vec::new();
    for op in &d.ops {
        out.push(sqls(op, &state));
        op.apply_to(&mut state).unwrap();
    }
    out
}

/// A table's character set: CREATE TABLE says it; changing it restates
/// the text columns that follow the table, not those with their own.
#[test]
fn a_table_character_set_is_created_and_changed_with_its_columns() {
    let mut own = Field::new("code", ColumnType::Varchar(5));
    own.charset = Some("ascii".into());
    let mut t = table(
        "notes",
        "Note",
        vec![
            Field::new("title", ColumnType::Varchar(20)),
            nullable(Field::new("body", ColumnType::Text)),
            own,
            Field::new("n", ColumnType::Integer),
        ],
    );
    t.charset = Some("latin1".into());
    let from = schema(vec![t.clone()]);
    let create = ops_sql(&Schema::default(), &from, &Answers::default());
    assert!(
        create[0][0].contains("`code` VARCHAR(5) CHARACTER SET ascii NOT NULL")
            && create[0][0].ends_with(") ENGINE=InnoDB DEFAULT CHARSET=latin1"),
        "{create:?}"
    );
    t.charset = None;
    t.collation = Some("utf8mb4_bin".into());
    let to = schema(vec![t]);
    assert_eq!(
        ops_sql(&from, &to, &Answers::default()),
        [["ALTER TABLE `note`\n    \
             MODIFY COLUMN `title` VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,\n    \
             MODIFY COLUMN `body` LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,\n    \
             DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"]]
    );
}

fn rename_field(answers: &mut Answers, key: &str, old: &str) {
    answers
        .fields
        .insert(key.into(), (RenameAnswer::From(old.into()), Source::Flag));
}

fn rename_model(answers: &mut Answers, key: &str, old: &str) {
    answers
        .models
        .insert(key.into(), (RenameAnswer::From(old.into()), Source::Flag));
}

fn one_off(answers: &mut Answers, key: &str, lit: Literal) {
    answers
        .defaults
        .insert(key.into(), (DefaultAnswer::Value(lit), Source::Flag));
}

// ---------------------------------------------------------------------------
// Rendering (no server needed).

#[test]
fn create_table_is_one_statement_with_everything_inline() {
    let s = clinic();
    let mut before = s.clone();
    before.tables.remove("patients.Ingreso");
    let op = Op::CreateModel {
        table: s.tables["patients.Ingreso"].clone(),
    };
    assert_eq!(
        sqls(&op, &before),
        ["CREATE TABLE `ingreso` (\n    \
          `id` BIGINT NOT NULL AUTO_INCREMENT,\n    \
          `paciente_id` BIGINT NOT NULL,\n    \
          `fecha_inicio` DATE NOT NULL,\n    \
          `fecha_fin` DATE NULL,\n    \
          PRIMARY KEY (`id`),\n    \
          INDEX `ingreso_paciente_id_idx` (`paciente_id`),\n    \
          CONSTRAINT `ingreso_paciente_id_fk` FOREIGN KEY (`paciente_id`) REFERENCES `patient` (`id`) ON DELETE CASCADE\n\
          ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"]
    );
    let op = Op::CreateModel {
        table: s.tables["patients.Patient"].clone(),
    };
    let sql = sqls(&op, &Schema::default());
    assert_eq!(sql.len(), 1);
    for part in [
        "`documento` VARCHAR(20) NOT NULL COMMENT 'national id'",
        "`ciudad` LONGTEXT NULL",
        "`estado` VARCHAR(20) NOT NULL DEFAULT 'ACTIVO'",
        "UNIQUE INDEX `patient_documento_uniq` (`documento`)",
        "INDEX `patient_fecha_ingreso_idx` (`fecha_ingreso`)",
        "INDEX `patient_apellido_nombre_idx` (`apellido`, `nombre`)",
        "CONSTRAINT `patient_edad_no_negativa` CHECK (`edad` >= 0)",
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='pacientes'",
    ] {
        assert!(sql[0].contains(part), "{part} in {}", sql[0]);
    }
}

#[test]
fn types_follow_the_design_table() {
    let cases = [
        (ColumnType::Boolean, "TINYINT(1)"),
        (ColumnType::SmallInt, "SMALLINT"),
        (ColumnType::Integer, "INT"),
        (ColumnType::BigInt, "BIGINT"),
        (ColumnType::Real, "FLOAT"),
        (ColumnType::Double, "DOUBLE"),
        (ColumnType::Varchar(20), "VARCHAR(20)"),
        (ColumnType::Text, "LONGTEXT"),
        (ColumnType::Blob, "LONGBLOB"),
        (
            ColumnType::Decimal {
                precision: 5,
                scale: 2,
            },
            "DECIMAL(5,2)",
        ),
        (ColumnType::Date, "DATE"),
        (ColumnType::Time, "TIME(6)"),
        (ColumnType::Timestamp, "DATETIME(6)"),
        (ColumnType::TimestampTz, "DATETIME(6)"),
        (ColumnType::Uuid, "CHAR(36)"),
        (ColumnType::Json, "JSON"),
        (
            ColumnType::Raw("MEDIUMINT UNSIGNED".into()),
            "MEDIUMINT UNSIGNED",
        ),
    ];
    for (ty, sql) in cases {
        assert_eq!(MysqlDialect.column_type(&Field::new("x", ty)), sql);
    }
    assert_eq!(MysqlDialect.quote("a`b"), "`a``b`");
    assert_eq!(MysqlDialect.placeholder(3), "?");
    assert!(!MysqlDialect.capabilities().transactional_ddl);
}

#[test]
fn defaults_render_for_mysql() {
    let f = |ty: ColumnType, d: ColumnDefault| {
        let mut f = Field::new("x", ty);
        f.default = Some(d);
        table::column_sql(&f, false)
    };
    let v = |l: Literal| ColumnDefault::Value(l);
    assert_eq!(
        f(ColumnType::Text, v(Literal::Str("x".into()))),
        "LONGTEXT NOT NULL DEFAULT ('x')"
    );
    assert_eq!(
        f(ColumnType::Json, v(Literal::Str("{}".into()))),
        "JSON NOT NULL DEFAULT ('{}')"
    );
    assert_eq!(
        f(ColumnType::Boolean, v(Literal::Bool(true))),
        "TINYINT(1) NOT NULL DEFAULT 1"
    );
    assert_eq!(
        f(
            ColumnType::TimestampTz,
            v(Literal::Str("2024-01-01 00:00:00+02:00".into()))
        ),
        "DATETIME(6) NOT NULL DEFAULT '2023-12-31 22:00:00'"
    );
    assert_eq!(
        f(
            ColumnType::Timestamp,
            ColumnDefault::Sql("CURRENT_TIMESTAMP".into())
        ),
        "DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)"
    );
    assert_eq!(
        f(ColumnType::Uuid, ColumnDefault::Sql("uuid()".into())),
        "CHAR(36) NOT NULL DEFAULT (uuid())"
    );
    assert_eq!(
        f(ColumnType::Varchar(9), v(Literal::Str("a'b\\c".into()))),
        "VARCHAR(9) NOT NULL DEFAULT 'a''b\\\\c'"
    );
}

#[test]
fn field_changes_are_one_alter_table() {
    let from = clinic();
    // A new reference: column, its index and its foreign key together.
    let mut to = from.clone();
    to.table_mut("patients.Ingreso")
        .unwrap()
        .fields
        .push(nullable(fk(
            "medico_id",
            "patients.Patient",
            OnDelete::SetNull,
        )));
    let sql = ops_sql(&from, &to, &Answers::default());
    assert_eq!(
        sql,
        [["ALTER TABLE `ingreso`\n    \
             ADD COLUMN `medico_id` BIGINT NULL,\n    \
             ADD INDEX `ingreso_medico_id_idx` (`medico_id`),\n    \
             ADD CONSTRAINT `ingreso_medico_id_fk` FOREIGN KEY (`medico_id`) REFERENCES `patient` (`id`) ON DELETE SET NULL"]]
    );

    // A renamed reference: its column, index and foreign key in one statement.
    let mut to = from.clone();
    to.table_mut("patients.Ingreso")
        .unwrap()
        .field_mut("paciente_id")
        .unwrap()
        .name = "patient_id".into();
    let mut answers = Answers::default();
    rename_field(&mut answers, "patients.Ingreso.patient_id", "paciente_id");
    let sql = ops_sql(&from, &to, &answers);
    assert_eq!(
        sql,
        [["ALTER TABLE `ingreso`\n    \
             DROP FOREIGN KEY `ingreso_paciente_id_fk`,\n    \
             RENAME COLUMN `paciente_id` TO `patient_id`,\n    \
             RENAME INDEX `ingreso_paciente_id_idx` TO `ingreso_patient_id_idx`,\n    \
             ADD CONSTRAINT `ingreso_patient_id_fk` FOREIGN KEY (`patient_id`) REFERENCES `patient` (`id`) ON DELETE CASCADE"]]
    );

    // A renamed model: its table, derived index names and checks follow.
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
    let mut answers = Answers::default();
    rename_model(&mut answers, "patients.Person", "Patient");
    let sql = ops_sql(&from, &to, &answers);
    assert_eq!(sql.len(), 1, "{sql:#?}");
    assert_eq!(
        sql[0],
        [
            "RENAME TABLE `patient` TO `person`",
            "ALTER TABLE `person`\n    \
             RENAME INDEX `patient_documento_uniq` TO `person_documento_uniq`,\n    \
             RENAME INDEX `patient_fecha_ingreso_idx` TO `person_fecha_ingreso_idx`,\n    \
             RENAME INDEX `patient_apellido_nombre_idx` TO `person_apellido_nombre_idx`"
        ]
    );

    // A changed on_delete keeps the name: InnoDB needs two statements.
    let mut to = from.clone();
    to.table_mut("patients.Ingreso")
        .unwrap()
        .field_mut("paciente_id")
        .unwrap()
        .references
        .as_mut()
        .unwrap()
        .on_delete = OnDelete::Restrict;
    let sql = ops_sql(&from, &to, &Answers::default());
    assert_eq!(
        sql,
        [[
            "ALTER TABLE `ingreso`\n    DROP FOREIGN KEY `ingreso_paciente_id_fk`",
            "ALTER TABLE `ingreso`\n    ADD CONSTRAINT `ingreso_paciente_id_fk` FOREIGN KEY (`paciente_id`) REFERENCES `patient` (`id`) ON DELETE RESTRICT"
        ]]
    );

    // A one-off default fills the rows, then goes.
    let mut to = from.clone();
    to.table_mut("patients.Patient")
        .unwrap()
        .fields
        .push(Field::new("barrio", ColumnType::Varchar(30)));
    let mut answers = Answers::default();
    one_off(
        &mut answers,
        "patients.Patient.barrio",
        Literal::Str("Centro".into()),
    );
    assert_eq!(
        ops_sql(&from, &to, &answers),
        [[
            "ALTER TABLE `patient`\n    ADD COLUMN `barrio` VARCHAR(30) NOT NULL DEFAULT 'Centro'",
            "ALTER TABLE `patient` ALTER COLUMN `barrio` DROP DEFAULT"
        ]]
    );

    // NOT NULL with a default: NULLs are set first.
    let mut to = from.clone();
    let c = to
        .table_mut("patients.Patient")
        .unwrap()
        .field_mut("ciudad")
        .unwrap();
    c.null = false;
    c.default = Some(ColumnDefault::Value(Literal::Str("?".into())));
    assert_eq!(
        ops_sql(&from, &to, &Answers::default()),
        [[
            "UPDATE `patient` SET `ciudad` = '?' WHERE `ciudad` IS NULL",
            "ALTER TABLE `patient`\n    MODIFY COLUMN `ciudad` LONGTEXT NOT NULL DEFAULT ('?')"
        ]]
    );
}

/// A shop whose `Product` has an unnamed check (its derived name holds the
/// table name) and is referenced by `Line`.
fn shop() -> Schema {
    let mut name = Field::new("name", ColumnType::Varchar(50));
    name.index = true;
    let mut product = table("shop", "Product", vec![name]);
    product.constraints.push(Constraint::Check {
        name: None,
        expr: "name <> ''".into(),
    });
    let line = table(
        "shop",
        "Line",
        vec![fk("product_id", "shop.Product", OnDelete::Cascade)],
    );
    schema(vec![product, line])
}

fn rename_product_to_item() -> Op {
    Op::RenameModel {
        app: "shop".into(),
        old: "Product".into(),
        new: "Item".into(),
    }
}

/// The statements of `op` from `before`, with their undo.
fn rendered(op: &Op, before: &Schema) -> Vec<crate::Statement> {
    let mut after = before.clone();
    op.apply_to(&mut after).unwrap();
    MysqlDialect.render(op, before, &after).unwrap()
}

/// Each statement's SQL and its undo's SQL (guards left out).
fn with_undo(statements: &[crate::Statement]) -> Vec<(String, Option<Vec<String>>)> {
    statements
        .iter()
        .filter(|s| s.guard.is_none())
        .map(|s| {
            (
                s.sql.clone(),
                s.undo
                    .as_ref()
                    .map(|u| u.iter().map(|s| s.sql.clone()).collect()),
            )
        })
        .collect()
}

#[test]
fn a_table_is_renamed_in_a_statement_of_its_own() {
    // InnoDB leaves other tables' foreign keys on the old name when the
    // rename shares a statement with a clause that copies the table (here
    // the check whose derived name follows the table).
    let s = shop();
    for op in [
        rename_product_to_item(),
        Op::AlterModelTable {
            model: "shop.Product".into(),
            table: Some("item".into()),
        },
    ] {
        let st = rendered(&op, &s);
        assert_eq!(
            with_undo(&st),
            [
                (
                    "RENAME TABLE `product` TO `item`".to_string(),
                    Some(vec!["RENAME TABLE `item` TO `product`".to_string()])
                ),
                (
                    "ALTER TABLE `item`\n    \
                     DROP CONSTRAINT `product_name_check`,\n    \
                     RENAME INDEX `product_name_idx` TO `item_name_idx`,\n    \
                     ADD CONSTRAINT `item_name_check` CHECK (`name` <> '')"
                        .to_string(),
                    None
                ),
            ],
            "{op:?}"
        );
    }
    // A rename alone is one statement.
    let mut plain = shop();
    plain.table_mut("shop.Product").unwrap().constraints.clear();
    plain
        .table_mut("shop.Product")
        .unwrap()
        .field_mut("name")
        .unwrap()
        .index = false;
    assert_eq!(
        with_undo(&rendered(&rename_product_to_item(), &plain)),
        [("RENAME TABLE `product` TO `item`".to_string(), None)]
    );
}

#[test]
fn statements_before_another_carry_their_undo() {
    let from = clinic();
    let undo = |v: &[&str]| Some(v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    let st = |sql: &str| sql.to_string();

    // NOT NULL with a default: the UPDATE only changes data.
    let mut field = from.tables["patients.Patient"]
        .field("ciudad")
        .unwrap()
        .clone();
    field.null = false;
    field.default = Some(ColumnDefault::Value(Literal::Str("?".into())));
    let op = Op::AlterField {
        model: "patients.Patient".into(),
        field,
        preserve_default: true,
    };
    assert_eq!(
        with_undo(&rendered(&op, &from)),
        [
            (
                st("UPDATE `patient` SET `ciudad` = '?' WHERE `ciudad` IS NULL"),
                undo(&[])
            ),
            (
                st(
                    "ALTER TABLE `patient`\n    MODIFY COLUMN `ciudad` LONGTEXT NOT NULL DEFAULT ('?')"
                ),
                None
            ),
        ]
    );

    // A one-off default: the column it was added with goes.
    let op = Op::AddField {
        model: "patients.Patient".into(),
        field: with_default(
            Field::new("barrio", ColumnType::Varchar(30)),
            Literal::Str("Centro".into()),
        ),
        preserve_default: false,
    };
    assert_eq!(
        with_undo(&rendered(&op, &from)),
        [
            (
                st(
                    "ALTER TABLE `patient`\n    ADD COLUMN `barrio` VARCHAR(30) NOT NULL DEFAULT 'Centro'"
                ),
                undo(&["ALTER TABLE `patient`\n    DROP COLUMN `barrio`"])
            ),
            (
                st("ALTER TABLE `patient` ALTER COLUMN `barrio` DROP DEFAULT"),
                None
            ),
        ]
    );

    // A foreign key redefined under its name: dropped, then added; the
    // undo of the drop adds back the old definition exactly.
    let mut field = from.tables["patients.Ingreso"]
        .field("paciente_id")
        .unwrap()
        .clone();
    field.references.as_mut().unwrap().on_delete = OnDelete::Restrict;
    let op = Op::AlterField {
        model: "patients.Ingreso".into(),
        field,
        preserve_default: true,
    };
    assert_eq!(
        with_undo(&rendered(&op, &from)),
        [
            (
                st("ALTER TABLE `ingreso`\n    DROP FOREIGN KEY `ingreso_paciente_id_fk`"),
                undo(&[
                    "ALTER TABLE `ingreso`\n    ADD CONSTRAINT `ingreso_paciente_id_fk` FOREIGN KEY (`paciente_id`) REFERENCES `patient` (`id`) ON DELETE CASCADE"
                ])
            ),
            (
                st(
                    "ALTER TABLE `ingreso`\n    ADD CONSTRAINT `ingreso_paciente_id_fk` FOREIGN KEY (`paciente_id`) REFERENCES `patient` (`id`) ON DELETE RESTRICT"
                ),
                None
            ),
        ]
    );

    // A reference column's new type: its foreign key goes with the MODIFY,
    // whose undo restores the type and the key.
    let items = coded_items();
    let mut field = items.tables["shop.Line"]
        .field("item_code")
        .unwrap()
        .clone();
    field.ty = ColumnType::Varchar(40);
    let op = Op::AlterField {
        model: "shop.Line".into(),
        field,
        preserve_default: true,
    };
    assert_eq!(
        with_undo(&rendered(&op, &items)),
        [
            (
                st("ALTER TABLE `line`\n    \
                    DROP FOREIGN KEY `line_item_code_fk`,\n    \
                    MODIFY COLUMN `item_code` VARCHAR(40) NOT NULL"),
                undo(&["ALTER TABLE `line`\n    \
                        MODIFY COLUMN `item_code` VARCHAR(20) NOT NULL,\n    \
                        ADD CONSTRAINT `line_item_code_fk` FOREIGN KEY (`item_code`) REFERENCES `item` (`code`) ON DELETE CASCADE"])
            ),
            (
                st(
                    "ALTER TABLE `line`\n    ADD CONSTRAINT `line_item_code_fk` FOREIGN KEY (`item_code`) REFERENCES `item` (`code`) ON DELETE CASCADE"
                ),
                None
            ),
        ]
    );

    // A referenced column's new type: the children's foreign keys are
    // dropped first and added back last.
    let mut field = items.tables["shop.Item"].field("code").unwrap().clone();
    field.ty = ColumnType::Varchar(40);
    let op = Op::AlterField {
        model: "shop.Item".into(),
        field,
        preserve_default: true,
    };
    let add_fk = "ALTER TABLE `line` ADD CONSTRAINT `line_item_code_fk` FOREIGN KEY (`item_code`) REFERENCES `item` (`code`) ON DELETE CASCADE";
    assert_eq!(
        with_undo(&rendered(&op, &items)),
        [
            (
                st("ALTER TABLE `line` DROP FOREIGN KEY `line_item_code_fk`"),
                undo(&[add_fk])
            ),
            (
                st("ALTER TABLE `item`\n    MODIFY COLUMN `code` VARCHAR(40) NOT NULL"),
                undo(&["ALTER TABLE `item`\n    MODIFY COLUMN `code` VARCHAR(20) NOT NULL"])
            ),
            (st(add_fk), None),
        ]
    );

    // A renamed self-referencing table: renamed back, the new foreign key
    // swapped for the old one.
    let mut parent = nullable(fk("parent_id", "org.Node", OnDelete::Cascade));
    parent.index = false;
    let nodes = schema(vec![table("org", "Node", vec![parent])]);
    let op = Op::RenameModel {
        app: "org".into(),
        old: "Node".into(),
        new: "Unit".into(),
    };
    assert_eq!(
        with_undo(&rendered(&op, &nodes)),
        [
            (
                st("RENAME TABLE `node` TO `unit`"),
                undo(&["RENAME TABLE `unit` TO `node`"])
            ),
            (
                st("ALTER TABLE `unit`\n    \
                    DROP FOREIGN KEY `node_parent_id_fk`,\n    \
                    RENAME INDEX `node_parent_id_fk` TO `unit_parent_id_fk`,\n    \
                    ADD CONSTRAINT `unit_parent_id_fk` FOREIGN KEY (`parent_id`) REFERENCES `unit` (`id`) ON DELETE CASCADE"),
                None
            ),
        ]
    );
}

/// `Item` with a unique `code` that `Line.item_code` references (to_field).
fn coded_items() -> Schema {
    let mut code = Field::new("code", ColumnType::Varchar(20));
    code.unique = true;
    let item = table("shop", "Item", vec![code]);
    let mut r = fk("item_code", "shop.Item", OnDelete::Cascade);
    r.ty = ColumnType::Varchar(20);
    r.index = false;
    r.references.as_mut().unwrap().to_field = Some("code".into());
    schema(vec![item, table("shop", "Line", vec![r])])
}

#[test]
fn a_referenced_column_changes_type_only_where_innodb_allows_it() {
    let from = clinic();
    // bigint → integer for a key other tables reference: refused before
    // anything runs, with the way out.
    let mut to = from.clone();
    patient(&mut to).field_mut("id").unwrap().ty = ColumnType::Integer;
    let op = Op::AlterField {
        model: "patients.Patient".into(),
        field: to.tables["patients.Patient"].field("id").unwrap().clone(),
        preserve_default: true,
    };
    let err = MysqlDialect.render(&op, &from, &to).unwrap_err();
    assert!(
        err.0.contains("referenced by foreign key") && err.0.contains("RunSql"),
        "{err}"
    );
    // A reference whose type no longer matches its target: refused too.
    let mut to = from.clone();
    ingreso(&mut to).field_mut("paciente_id").unwrap().ty = ColumnType::Integer;
    let op = Op::AlterField {
        model: "patients.Ingreso".into(),
        field: to.tables["patients.Ingreso"]
            .field("paciente_id")
            .unwrap()
            .clone(),
        preserve_default: true,
    };
    let err = MysqlDialect.render(&op, &from, &to).unwrap_err();
    assert!(err.0.contains("refuses a foreign key"), "{err}");
}

#[test]
fn unmanaged_tables_render_nothing_and_run_sql_splits() {
    let mut t = table("a", "View", vec![]);
    t.managed = false;
    let op = Op::CreateModel { table: t };
    assert!(sqls(&op, &Schema::default()).is_empty());
    let op = Op::RunSql {
        sql: remodel_differ::SqlText::All("UPDATE a SET b = 'x;y'; DELETE FROM c".into()),
        reverse_sql: None,
        creates: Vec::new(),
    };
    assert_eq!(
        sqls(&op, &Schema::default()),
        ["UPDATE a SET b = 'x;y'", "DELETE FROM c"]
    );
}

#[test]
fn oversized_decimals_are_refused_when_rendering() {
    let t = table(
        "a",
        "Money",
        vec![Field::new(
            "amount",
            ColumnType::Decimal {
                precision: 80,
                scale: 2,
            },
        )],
    );
    let s = schema(vec![t.clone()]);
    let err = MysqlDialect
        .render(&Op::CreateModel { table: t }, &Schema::default(), &s)
        .unwrap_err();
    assert!(err.0.contains("at most 65 digits"), "{err}");
}

#[tokio::test]
async fn an_unreachable_server_names_the_host_and_reason() {
    let raw = "mysql://root@127.0.0.1:1/nothing";
    let url = crate::DatabaseUrl::parse(raw, std::path::Path::new("/")).unwrap();
    let err = match MysqlDatabase::open(url, raw).await {
        Err(e) => e,
        Ok(_) => panic!("connected to port 1"),
    };
    let msg = err.to_string();
    assert!(matches!(err, DbError::Connect { .. }), "{msg}");
    assert!(msg.contains("127.0.0.1"), "{msg}");
}

// ---------------------------------------------------------------------------
// Against a server.

struct Db {
    db: MysqlDatabase,
    scratch: ScratchDatabase,
}

async fn open() -> Option<Db> {
    let scratch = ScratchDatabase::create(crate::DialectKind::Mysql).await?;
    let db = MysqlDatabase::open(scratch.database_url(), &scratch.url)
        .await
        .unwrap();
    Some(Db { db, scratch })
}

impl Db {
    async fn second_connection(&self) -> MysqlDatabase {
        MysqlDatabase::open(self.scratch.database_url(), &self.scratch.url)
            .await
            .unwrap()
    }
}

/// Renders and applies `ops` from `from`, statement by statement as the
/// runner does; returns the state after them.
async fn apply(db: &mut MysqlDatabase, from: &Schema, ops: &[Op]) -> Result<Schema, DbError> {
    let mut state = from.clone();
    for op in ops {
        let before = state.clone();
        op.apply_to(&mut state).unwrap();
        for s in MysqlDialect.render(op, &before, &state).unwrap() {
            db.run(&s)
                .await
                .map_err(|e| DbError::Statement(format!("{e}\n  in: {}", s.sql)))?;
        }
    }
    Ok(state)
}

/// The operations that undo `ops` applied from `from`, in the order to run them.
fn inverse(from: &Schema, ops: &[Op]) -> Vec<Op> {
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

async fn assert_no_drift(db: &mut MysqlDatabase, want: &Schema, when: &str) {
    let mut expected = want.to_catalog();
    let mut actual = db.introspect().await.unwrap();
    MysqlDialect.normalize(&mut expected);
    MysqlDialect.normalize(&mut actual);
    let diffs = expected.differences(&actual);
    assert!(
        diffs.is_empty(),
        "drift {when}:\n{}\nexpected: {expected:#?}\nactual: {actual:#?}",
        diffs.join("\n")
    );
}

async fn count(db: &mut MysqlDatabase, sql: &str) -> i64 {
    db.query(sql, &[]).await.unwrap()[0][0].as_i64().unwrap()
}

async fn row_counts(db: &mut MysqlDatabase) -> Vec<(String, i64)> {
    let catalog = db.introspect().await.unwrap();
    let mut out = Vec::new();
    for name in catalog.tables.keys() {
        let n = count(db, &format!("SELECT count(*) FROM `{name}`")).await;
        out.push((name.clone(), n));
    }
    out
}

/// Diffs `from` → `to`, applies, requires the database to be exactly `to`
/// with the rows of every table that stays; unapplies and requires `from`
/// again (the rows too, unless the change drops data); applies once more.
async fn change(db: &mut MysqlDatabase, from: &Schema, to: &Schema, answers: &Answers) -> Vec<Op> {
    change_then(db, from, to, answers, &[]).await
}

/// [`change`], running `before_unapply` before unapplying (to empty tables
/// that a recreated NOT NULL unique or reference column could not fill).
async fn change_then(
    db: &mut MysqlDatabase,
    from: &Schema,
    to: &Schema,
    answers: &Answers,
    before_unapply: &[&str],
) -> Vec<Op> {
    let d = diff(from, to, answers).unwrap();
    assert!(d.unanswered().is_empty(), "{:?}", d.unanswered());
    assert!(!d.ops.is_empty(), "no change between the schemas");
    let rows_before = row_counts(db).await;
    let reached = apply(db, from, &d.ops).await.unwrap();
    let left = diff(&reached, to, answers).unwrap();
    assert!(
        left.ops.is_empty(),
        "the operations reach the target: {:#?}",
        left.ops
    );
    assert_no_drift(db, to, "after applying").await;
    let rows_after = row_counts(db).await;
    for (table, n) in &rows_before {
        if let Some((_, m)) = rows_after.iter().find(|(t, _)| t == table) {
            assert_eq!(n, m, "rows of {table} kept by {:#?}", d.ops);
        }
    }
    for sql in before_unapply {
        db.execute(sql, &[]).await.unwrap();
    }
    let rows_before = if before_unapply.is_empty() {
        rows_before
    } else {
        row_counts(db).await
    };
    let back = inverse(from, &d.ops);
    apply(db, to, &back)
        .await
        .unwrap_or_else(|e| panic!("unapplying {back:#?}: {e}"));
    assert_no_drift(db, from, "after unapplying").await;
    if !d.ops.iter().any(Op::is_destructive) {
        assert_eq!(row_counts(db).await, rows_before, "rows after unapplying");
    }
    apply(db, from, &d.ops).await.unwrap();
    assert_no_drift(db, to, "after applying again").await;
    d.ops
}

async fn seeded() -> Option<(Db, Schema)> {
    let mut h = open().await?;
    let s = clinic();
    let d = diff(&Schema::default(), &s, &Answers::default()).unwrap();
    apply(&mut h.db, &Schema::default(), &d.ops).await.unwrap();
    for sql in [
        "INSERT INTO patient (nombre, apellido, edad, documento, ciudad, fecha_ingreso) VALUES \
         ('Ana', 'Paz', 30, 'A1', NULL, '2024-01-02'), ('Luis', 'Rey', 40, 'B2', 'Lima', '2024-02-03')",
        "INSERT INTO ingreso (paciente_id, fecha_inicio) VALUES (1, '2024-01-02'), (1, '2024-03-04'), (2, '2024-02-03')",
        "INSERT INTO monitoreo (paciente_id, usu_diario) VALUES (1, 1.5), (2, 2.25)",
    ] {
        h.db.execute(sql, &[]).await.unwrap();
    }
    Some((h, s))
}

fn patient(s: &mut Schema) -> &mut Table {
    s.table_mut("patients.Patient").unwrap()
}

fn ingreso(s: &mut Schema) -> &mut Table {
    s.table_mut("patients.Ingreso").unwrap()
}

#[tokio::test]
async fn a_fresh_schema_introspects_equal_to_the_model() {
    let Some((mut h, s)) = seeded().await else {
        return;
    };
    assert_no_drift(&mut h.db, &s, "after creating").await;
    // Deleting and recreating every model.
    let ops = change(&mut h.db, &s, &Schema::default(), &Answers::default()).await;
    assert!(ops.iter().all(|o| matches!(o, Op::DeleteModel { .. })));
}

#[tokio::test]
async fn adding_fields() {
    let Some((mut h, from)) = seeded().await else {
        return;
    };
    let db = &mut h.db;
    // Nullable, with a kept default, with a reference, unique, indexed,
    // TEXT and JSON with literal defaults.
    let mut to = from.clone();
    let p = patient(&mut to);
    p.fields
        .push(nullable(Field::new("telefono", ColumnType::Varchar(30))));
    p.fields.push(with_default(
        Field::new("puntos", ColumnType::Integer),
        Literal::Int(10),
    ));
    let mut email = nullable(Field::new("email", ColumnType::Varchar(120)));
    email.unique = true;
    p.fields.push(email);
    let mut code = nullable(Field::new("codigo", ColumnType::Varchar(10)));
    code.index = true;
    p.fields.push(code);
    p.fields.push(with_default(
        Field::new("notas", ColumnType::Text),
        Literal::Str("sin notas".into()),
    ));
    p.fields.push(with_default(
        Field::new("extra", ColumnType::Json),
        Literal::Str("{\"a\": [1, 2]}".into()),
    ));
    ingreso(&mut to).fields.push(nullable(fk(
        "medico_id",
        "patients.Patient",
        OnDelete::SetNull,
    )));
    change(db, &from, &to, &Answers::default()).await;
    assert_eq!(
        count(
            db,
            "SELECT count(*) FROM patient WHERE puntos = 10 AND notas = 'sin notas'"
        )
        .await,
        2
    );

    // NOT NULL with a one-off default fills the rows and keeps no default.
    let from = to;
    let mut to = from.clone();
    patient(&mut to)
        .fields
        .push(Field::new("barrio", ColumnType::Varchar(30)));
    let mut answers = Answers::default();
    one_off(
        &mut answers,
        "patients.Patient.barrio",
        Literal::Str("Centro".into()),
    );
    change(db, &from, &to, &answers).await;
    assert_eq!(
        count(db, "SELECT count(*) FROM patient WHERE barrio = 'Centro'").await,
        2
    );
}

#[tokio::test]
async fn removing_fields() {
    let Some((mut h, from)) = seeded().await else {
        return;
    };
    // Nullable and indexed columns: unapplying recreates them on the rows.
    let mut to = from.clone();
    patient(&mut to)
        .fields
        .retain(|f| f.name != "ciudad" && f.name != "fecha_ingreso");
    change(&mut h.db, &from, &to, &Answers::default()).await;
    assert_eq!(count(&mut h.db, "SELECT count(*) FROM patient").await, 2);
    // A unique column and a reference: recreating them NOT NULL needs
    // values no row has, so the tables are emptied before unapplying.
    let from = to;
    let mut to = from.clone();
    patient(&mut to).fields.retain(|f| f.name != "documento");
    ingreso(&mut to).fields.retain(|f| f.name != "paciente_id");
    change_then(
        &mut h.db,
        &from,
        &to,
        &Answers::default(),
        &[
            "DELETE FROM ingreso",
            "DELETE FROM monitoreo",
            "DELETE FROM patient WHERE id = 2",
        ],
    )
    .await;
}

#[tokio::test]
async fn altering_fields() {
    let Some((mut h, mut from)) = seeded().await else {
        return;
    };
    let db = &mut h.db;
    type Edit = Box<dyn Fn(&mut Schema)>;
    let edits: Vec<(&str, Edit)> = vec![
        (
            "varchar length",
            Box::new(|s| patient(s).field_mut("nombre").unwrap().ty = ColumnType::Varchar(200)),
        ),
        (
            "integer to bigint",
            Box::new(|s| patient(s).field_mut("edad").unwrap().ty = ColumnType::BigInt),
        ),
        (
            "NOT NULL to nullable",
            Box::new(|s| patient(s).field_mut("apellido").unwrap().null = true),
        ),
        (
            "nullable to NOT NULL with a default",
            Box::new(|s| {
                let c = patient(s).field_mut("ciudad").unwrap();
                c.null = false;
                c.default = Some(ColumnDefault::Value(Literal::Str("?".into())));
            }),
        ),
        (
            "a new default",
            Box::new(|s| {
                patient(s).field_mut("estado").unwrap().default =
                    Some(ColumnDefault::Value(Literal::Str("NUEVO".into())))
            }),
        ),
        (
            "no default",
            Box::new(|s| patient(s).field_mut("estado").unwrap().default = None),
        ),
        (
            "unique on",
            Box::new(|s| patient(s).field_mut("apellido").unwrap().unique = true),
        ),
        (
            "unique off",
            Box::new(|s| patient(s).field_mut("documento").unwrap().unique = false),
        ),
        (
            "index on",
            Box::new(|s| patient(s).field_mut("estado").unwrap().index = true),
        ),
        (
            "index off",
            Box::new(|s| patient(s).field_mut("fecha_ingreso").unwrap().index = false),
        ),
        (
            "comment",
            Box::new(|s| {
                patient(s).field_mut("edad").unwrap().comment = Some("años, 'cumplidos'".into())
            }),
        ),
        (
            "on_delete",
            Box::new(|s| {
                ingreso(s)
                    .field_mut("paciente_id")
                    .unwrap()
                    .references
                    .as_mut()
                    .unwrap()
                    .on_delete = OnDelete::Restrict
            }),
        ),
        (
            "reference without its own index",
            Box::new(|s| ingreso(s).field_mut("paciente_id").unwrap().index = false),
        ),
        (
            "reference removed",
            Box::new(|s| {
                let f = ingreso(s).field_mut("paciente_id").unwrap();
                f.references = None;
                f.index = false;
            }),
        ),
        (
            "reference made nullable",
            Box::new(|s| {
                s.table_mut("exams.Monitoreo")
                    .unwrap()
                    .field_mut("paciente_id")
                    .unwrap()
                    .null = true;
            }),
        ),
        (
            "decimal precision",
            Box::new(|s| {
                s.table_mut("exams.Monitoreo")
                    .unwrap()
                    .field_mut("usu_diario")
                    .unwrap()
                    .ty = ColumnType::Decimal {
                    precision: 8,
                    scale: 3,
                }
            }),
        ),
    ];
    for (what, edit) in edits {
        let mut to = from.clone();
        edit(&mut to);
        let ops = change(db, &from, &to, &Answers::default()).await;
        assert!(
            ops.iter().all(|o| matches!(o, Op::AlterField { .. })),
            "{what}: {ops:#?}"
        );
        from = to;
    }
    assert_eq!(
        count(db, "SELECT count(*) FROM patient WHERE ciudad = '?'").await,
        1
    );
    assert_eq!(count(db, "SELECT count(*) FROM ingreso").await, 3);

    // Nullable to NOT NULL with a one-off value for the NULL rows.
    let mut to = from.clone();
    ingreso(&mut to).field_mut("fecha_fin").unwrap().null = false;
    let mut answers = Answers::default();
    one_off(
        &mut answers,
        "patients.Ingreso.fecha_fin",
        Literal::Str("2099-12-31".into()),
    );
    change(db, &from, &to, &answers).await;
    assert_eq!(
        count(
            db,
            "SELECT count(*) FROM ingreso WHERE fecha_fin = '2099-12-31'"
        )
        .await,
        3
    );
}

#[tokio::test]
async fn a_reference_column_changes_type() {
    let Some(mut h) = open().await else {
        return;
    };
    let db = &mut h.db;
    let mut code = Field::new("code", ColumnType::Varchar(20));
    code.unique = true;
    let item = table("shop", "Item", vec![code]);
    let mut r = fk("item_code", "shop.Item", OnDelete::Cascade);
    r.ty = ColumnType::Varchar(20);
    r.references.as_mut().unwrap().to_field = Some("code".into());
    let from = schema(vec![item, table("shop", "Line", vec![r])]);
    change(db, &Schema::default(), &from, &Answers::default()).await;
    db.execute("INSERT INTO item (code) VALUES ('A')", &[])
        .await
        .unwrap();
    db.execute("INSERT INTO line (item_code) VALUES ('A')", &[])
        .await
        .unwrap();
    // InnoDB refuses to change a column its foreign key uses: the foreign
    // key is dropped with the change and added again in a second statement.
    let mut to = from.clone();
    to.table_mut("shop.Line")
        .unwrap()
        .field_mut("item_code")
        .unwrap()
        .ty = ColumnType::Varchar(40);
    let sql = ops_sql(&from, &to, &Answers::default());
    assert_eq!(sql.len(), 1);
    assert_eq!(sql[0].len(), 2, "{sql:#?}");
    change(db, &from, &to, &Answers::default()).await;
    let err = db
        .execute("INSERT INTO line (item_code) VALUES ('nope')", &[])
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("foreign key constraint fails"),
        "{err}"
    );
}

#[tokio::test]
async fn a_reference_that_gains_a_reference_later() {
    let Some((mut h, from)) = seeded().await else {
        return;
    };
    // A plain column becomes a reference (with and without its own index).
    let mut to = from.clone();
    let mut referente = nullable(Field::new("referente_id", ColumnType::BigInt));
    patient(&mut to).fields.push(referente.clone());
    let from2 = {
        change(&mut h.db, &from, &to, &Answers::default()).await;
        to.clone()
    };
    h.db.execute("UPDATE patient SET referente_id = 1 WHERE id = 2", &[])
        .await
        .unwrap();
    referente.references = Some(Reference {
        model: "patients.Patient".into(),
        to_field: None,
        on_delete: OnDelete::SetNull,
        on_update: remodel_model::OnDelete::NoAction,
        name: None,
    });
    let mut to = from2.clone();
    *patient(&mut to).field_mut("referente_id").unwrap() = referente.clone();
    change(&mut h.db, &from2, &to, &Answers::default()).await;
    let mut to2 = to.clone();
    patient(&mut to2).field_mut("referente_id").unwrap().index = true;
    change(&mut h.db, &to, &to2, &Answers::default()).await;
    assert_eq!(
        count(
            &mut h.db,
            "SELECT count(*) FROM patient WHERE referente_id = 1"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn renaming_fields_keeps_values_and_renames_derived_objects() {
    let Some((mut h, from)) = seeded().await else {
        return;
    };
    let db = &mut h.db;
    // A reference, a column in a check and in a composite index, a unique one.
    let mut to = from.clone();
    ingreso(&mut to).field_mut("paciente_id").unwrap().name = "patient_id".into();
    let p = patient(&mut to);
    p.field_mut("edad").unwrap().name = "age".into();
    p.field_mut("nombre").unwrap().name = "first_name".into();
    p.field_mut("documento").unwrap().name = "doc".into();
    p.indexes[0].fields = vec!["apellido".into(), "first_name".into()];
    p.constraints[0] = Constraint::Check {
        name: Some("patient_edad_no_negativa".into()),
        expr: "age >= 0".into(),
    };
    let mut answers = Answers::default();
    rename_field(&mut answers, "patients.Ingreso.patient_id", "paciente_id");
    rename_field(&mut answers, "patients.Patient.age", "edad");
    rename_field(&mut answers, "patients.Patient.first_name", "nombre");
    rename_field(&mut answers, "patients.Patient.doc", "documento");
    let ops = change(db, &from, &to, &answers).await;
    assert!(ops.iter().all(|o| matches!(o, Op::RenameField { .. })));
    assert_eq!(
        count(db, "SELECT count(*) FROM ingreso WHERE patient_id = 1").await,
        2
    );
    assert_eq!(
        count(
            db,
            "SELECT count(*) FROM patient WHERE age = 40 AND first_name = 'Luis'"
        )
        .await,
        1
    );
    // The check still holds on the renamed column.
    let err = db
        .execute(
            "INSERT INTO patient (first_name, apellido, age, doc, fecha_ingreso) VALUES ('x', 'y', -1, 'Z9', '2024-01-01')",
            &[],
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("patient_edad_no_negativa"),
        "{err}"
    );

    // A column referenced by another table's foreign key (to_field).
    let mut code = Field::new("code", ColumnType::Varchar(20));
    code.unique = true;
    let item = table("shop", "Item", vec![code]);
    let mut r = fk("item_code", "shop.Item", OnDelete::Cascade);
    r.ty = ColumnType::Varchar(20);
    r.references.as_mut().unwrap().to_field = Some("code".into());
    let line = table("shop", "Line", vec![r]);
    let mut shop_from = to.clone();
    shop_from.insert(item);
    shop_from.insert(line);
    change(db, &to, &shop_from, &Answers::default()).await;
    db.execute("INSERT INTO item (code) VALUES ('A')", &[])
        .await
        .unwrap();
    db.execute("INSERT INTO line (item_code) VALUES ('A')", &[])
        .await
        .unwrap();
    let mut shop_to = shop_from.clone();
    shop_to
        .table_mut("shop.Item")
        .unwrap()
        .field_mut("code")
        .unwrap()
        .name = "sku".into();
    shop_to
        .table_mut("shop.Line")
        .unwrap()
        .field_mut("item_code")
        .unwrap()
        .references
        .as_mut()
        .unwrap()
        .to_field = Some("sku".into());
    let mut answers = Answers::default();
    rename_field(&mut answers, "shop.Item.sku", "code");
    change(db, &shop_from, &shop_to, &answers).await;
    assert_eq!(
        count(
            db,
            "SELECT count(*) FROM line JOIN item ON item.sku = line.item_code"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn renaming_models_and_tables() {
    let Some((mut h, from)) = seeded().await else {
        return;
    };
    let db = &mut h.db;
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
    let mut answers = Answers::default();
    rename_model(&mut answers, "patients.Person", "Patient");
    change(db, &from, &to, &answers).await;
    assert_eq!(
        count(
            db,
            "SELECT count(*) FROM ingreso JOIN person ON person.id = ingreso.paciente_id"
        )
        .await,
        3
    );

    // An explicit table name, then back to the derived one.
    let mut named = to.clone();
    named.table_mut("patients.Ingreso").unwrap().db_table = Some("admisiones".into());
    let ops = change(db, &to, &named, &Answers::default()).await;
    assert!(matches!(ops[..], [Op::AlterModelTable { .. }]));
    assert_eq!(count(db, "SELECT count(*) FROM admisiones").await, 3);
}

#[tokio::test]
async fn a_self_reference_follows_its_table_rename() {
    let Some(mut h) = open().await else {
        return;
    };
    let db = &mut h.db;
    let mut parent = nullable(fk("parent_id", "org.Node", OnDelete::Cascade));
    parent.index = false;
    let from = schema(vec![table("org", "Node", vec![parent])]);
    change(db, &Schema::default(), &from, &Answers::default()).await;
    db.execute("INSERT INTO node (parent_id) VALUES (NULL)", &[])
        .await
        .unwrap();
    db.execute("INSERT INTO node (parent_id) VALUES (1)", &[])
        .await
        .unwrap();
    let mut to = from.clone();
    let mut n = to.tables.remove("org.Node").unwrap();
    n.name = "Unit".into();
    n.fields[1].references.as_mut().unwrap().model = "org.Unit".into();
    to.insert(n);
    let mut answers = Answers::default();
    rename_model(&mut answers, "org.Unit", "Node");
    change(db, &from, &to, &answers).await;
    db.execute("DELETE FROM unit WHERE id = 1", &[])
        .await
        .unwrap();
    assert_eq!(
        count(db, "SELECT count(*) FROM unit").await,
        0,
        "cascade follows"
    );
}

/// The table a foreign key of `table` references, as the server reports it.
async fn referenced_table(db: &mut MysqlDatabase, table: &str) -> Vec<String> {
    let rows = db
        .query(
            "SELECT CAST(k.REFERENCED_TABLE_NAME AS CHAR), CAST(r.REFERENCED_TABLE_NAME AS CHAR) \
             FROM information_schema.KEY_COLUMN_USAGE k \
             JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
               ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME \
             WHERE k.TABLE_SCHEMA = DATABASE() AND k.TABLE_NAME = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL",
            &[Value::Text(table.into())],
        )
        .await
        .unwrap();
    rows.into_iter()
        .flat_map(|r| r.into_iter())
        .map(|v| match v {
            Value::Text(t) => t,
            other => format!("{other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn a_renamed_table_keeps_the_foreign_keys_that_point_at_it() {
    let Some(mut h) = open().await else {
        return;
    };
    let db = &mut h.db;
    let from = shop();
    change(db, &Schema::default(), &from, &Answers::default()).await;
    db.execute("INSERT INTO product (name) VALUES ('pen')", &[])
        .await
        .unwrap();
    db.execute("INSERT INTO line (product_id) VALUES (1)", &[])
        .await
        .unwrap();

    // RenameModel: the check's derived name changes with the table's.
    let mut to = from.clone();
    let mut p = to.tables.remove("shop.Product").unwrap();
    p.name = "Item".into();
    to.insert(p);
    to.table_mut("shop.Line")
        .unwrap()
        .field_mut("product_id")
        .unwrap()
        .references
        .as_mut()
        .unwrap()
        .model = "shop.Item".into();
    let mut answers = Answers::default();
    rename_model(&mut answers, "shop.Item", "Product");
    let ops = change(db, &from, &to, &answers).await;
    assert!(matches!(ops[..], [Op::RenameModel { .. }]), "{ops:#?}");
    assert_eq!(referenced_table(db, "line").await, ["item", "item"]);
    db.execute("INSERT INTO line (product_id) VALUES (1)", &[])
        .await
        .unwrap();

    // AlterModelTable.
    let mut named = to.clone();
    named.table_mut("shop.Item").unwrap().db_table = Some("articulo".into());
    let ops = change(db, &to, &named, &Answers::default()).await;
    assert!(matches!(ops[..], [Op::AlterModelTable { .. }]), "{ops:#?}");
    assert_eq!(referenced_table(db, "line").await, ["articulo", "articulo"]);
    db.execute("INSERT INTO line (product_id) VALUES (1)", &[])
        .await
        .unwrap();
    assert_eq!(count(db, "SELECT count(*) FROM line").await, 3);
}

/// Runs the first `k` statements of `op` from `from` (as if statement
/// `k + 1` failed), then the undos of those that ran, newest first, as the
/// runner does; the table must be back as `from` defines it, rows kept.
async fn stop_part_way(db: &mut MysqlDatabase, from: &Schema, op: &Op) {
    let mut after = from.clone();
    op.apply_to(&mut after).unwrap();
    let statements: Vec<crate::Statement> = MysqlDialect
        .render(op, from, &after)
        .unwrap()
        .into_iter()
        .filter(|s| s.guard.is_none())
        .collect();
    assert!(statements.len() > 1, "{op:?} renders to one statement");
    let rows = row_counts(db).await;
    for k in 1..statements.len() {
        for s in &statements[..k] {
            db.run(s)
                .await
                .unwrap_or_else(|e| panic!("{e}\n  in: {}", s.sql));
        }
        for s in statements[..k].iter().rev() {
            let undo = s
                .undo
                .as_ref()
                .unwrap_or_else(|| panic!("no undo for {}", s.sql));
            for u in undo {
                db.run(u)
                    .await
                    .unwrap_or_else(|e| panic!("undoing {}: {e}\n  in: {}", s.sql, u.sql));
            }
        }
        assert_no_drift(
            db,
            from,
            &format!("after {k} statements of {op:?} and their undo"),
        )
        .await;
        assert_eq!(row_counts(db).await, rows, "rows after undoing {op:?}");
    }
    // And the whole operation still applies, and the next test starts from `from`.
    apply(db, from, std::slice::from_ref(op)).await.unwrap();
    assert_no_drift(db, &after, "after applying").await;
    let back = inverse(from, std::slice::from_ref(op));
    apply(db, &after, &back).await.unwrap();
    assert_no_drift(db, from, "after unapplying").await;
}

#[tokio::test]
async fn an_operation_stopped_part_way_is_undone_by_its_statements() {
    let Some((mut h, clinic)) = seeded().await else {
        return;
    };
    let db = &mut h.db;
    let alter = |s: &Schema, model: &str, field: &str, edit: &dyn Fn(&mut Field)| {
        let mut f = s.tables[model].field(field).unwrap().clone();
        edit(&mut f);
        Op::AlterField {
            model: model.into(),
            field: f,
            preserve_default: true,
        }
    };
    // NOT NULL, its NULLs filled first.
    stop_part_way(
        db,
        &clinic,
        &alter(&clinic, "patients.Patient", "ciudad", &|f| {
            f.null = false;
            f.default = Some(ColumnDefault::Value(Literal::Str("?".into())));
        }),
    )
    .await;
    // A one-off default.
    let op = Op::AddField {
        model: "patients.Patient".into(),
        field: with_default(
            Field::new("barrio", ColumnType::Varchar(30)),
            Literal::Str("Centro".into()),
        ),
        preserve_default: false,
    };
    stop_part_way(db, &clinic, &op).await;
    // A foreign key redefined under its name.
    stop_part_way(
        db,
        &clinic,
        &alter(&clinic, "patients.Ingreso", "paciente_id", &|f| {
            f.references.as_mut().unwrap().on_delete = OnDelete::Restrict;
        }),
    )
    .await;

    // Columns on either side of a foreign key change type.
    let items = coded_items();
    let mut with_items = clinic.clone();
    for t in items.tables.values() {
        with_items.insert(t.clone());
    }
    apply(
        db,
        &clinic,
        &diff(&clinic, &with_items, &Answers::default()).unwrap().ops,
    )
    .await
    .unwrap();
    db.execute("INSERT INTO item (code) VALUES ('A')", &[])
        .await
        .unwrap();
    db.execute("INSERT INTO line (item_code) VALUES ('A')", &[])
        .await
        .unwrap();
    stop_part_way(
        db,
        &with_items,
        &alter(&with_items, "shop.Line", "item_code", &|f| {
            f.ty = ColumnType::Varchar(40)
        }),
    )
    .await;
    stop_part_way(
        db,
        &with_items,
        &alter(&with_items, "shop.Item", "code", &|f| {
            f.ty = ColumnType::Varchar(40)
        }),
    )
    .await;

    // Renamed tables: referenced, with a derived check name; self-referencing.
    let mut all = with_items.clone();
    let shop = shop();
    for t in shop.tables.values() {
        let mut t = t.clone();
        t.app = "store".into();
        if let Some(r) = t.fields.iter_mut().find_map(|f| f.references.as_mut()) {
            r.model = "store.Product".into();
        }
        all.insert(t);
    }
    let mut parent = nullable(fk("parent_id", "org.Node", OnDelete::Cascade));
    parent.index = false;
    all.insert(table("org", "Node", vec![parent]));
    // `store.Line` would clash with `shop.Line`'s table.
    all.table_mut("store.Line").unwrap().db_table = Some("store_line".into());
    apply(
        db,
        &with_items,
        &diff(&with_items, &all, &Answers::default()).unwrap().ops,
    )
    .await
    .unwrap();
    db.execute("INSERT INTO product (name) VALUES ('pen')", &[])
        .await
        .unwrap();
    db.execute("INSERT INTO store_line (product_id) VALUES (1)", &[])
        .await
        .unwrap();
    db.execute("INSERT INTO node (parent_id) VALUES (NULL), (1)", &[])
        .await
        .unwrap();
    for op in [
        Op::RenameModel {
            app: "store".into(),
            old: "Product".into(),
            new: "Article".into(),
        },
        Op::AlterModelTable {
            model: "store.Product".into(),
            table: Some("articulo".into()),
        },
        Op::RenameModel {
            app: "org".into(),
            old: "Node".into(),
            new: "Unit".into(),
        },
    ] {
        stop_part_way(db, &all, &op).await;
    }
    assert_eq!(
        referenced_table(db, "store_line").await,
        ["product", "product"]
    );
}

#[tokio::test]
async fn indexes_constraints_and_comments() {
    let Some((mut h, mut from)) = seeded().await else {
        return;
    };
    let db = &mut h.db;
    type Edit = Box<dyn Fn(&mut Schema)>;
    let edits: Vec<(&str, Edit)> = vec![
        (
            "add an index",
            Box::new(|s| {
                patient(s).indexes.push(Index {
                    name: Some("patient_por_ciudad".into()),
                    fields: vec!["estado".into(), "edad".into()],
                    unique: false,
                    concurrently: false,
                    ..Default::default()
                })
            }),
        ),
        (
            "rename an index",
            Box::new(|s| patient(s).indexes[1].name = Some("patient_estado_edad".into())),
        ),
        (
            "remove an index",
            Box::new(|s| {
                patient(s).indexes.remove(1);
            }),
        ),
        (
            "add a unique index",
            Box::new(|s| {
                patient(s).indexes.push(Index {
                    name: None,
                    fields: vec!["nombre".into(), "apellido".into(), "edad".into()],
                    unique: true,
                    concurrently: false,
                    ..Default::default()
                })
            }),
        ),
        (
            "add a unique constraint",
            Box::new(|s| {
                patient(s).constraints.push(Constraint::Unique {
                    name: None,
                    fields: vec!["apellido".into(), "fecha_ingreso".into()],
                })
            }),
        ),
        (
            "remove a unique constraint",
            Box::new(|s| {
                patient(s)
                    .constraints
                    .retain(|c| !matches!(c, Constraint::Unique { .. }))
            }),
        ),
        (
            "add a check",
            Box::new(|s| {
                patient(s).constraints.push(Constraint::Check {
                    name: None,
                    expr: "estado IN ('ACTIVO', 'ALTA') AND length(nombre) > 0".into(),
                })
            }),
        ),
        (
            "remove a check",
            Box::new(|s| {
                patient(s)
                    .constraints
                    .retain(|c| c.explicit_name() != Some("patient_edad_no_negativa"))
            }),
        ),
        (
            "table comment",
            Box::new(|s| patient(s).comment = Some("los pacientes".into())),
        ),
        ("no table comment", Box::new(|s| patient(s).comment = None)),
        (
            "an index over a reference's column, whose own index goes",
            Box::new(|s| {
                let i = ingreso(s);
                i.field_mut("paciente_id").unwrap().index = false;
                i.indexes.push(Index {
                    name: None,
                    fields: vec!["paciente_id".into(), "fecha_inicio".into()],
                    unique: false,
                    concurrently: false,
                    ..Default::default()
                });
            }),
        ),
        (
            "the index over a reference's column goes",
            Box::new(|s| {
                ingreso(s).indexes.clear();
            }),
        ),
    ];
    for (what, edit) in edits {
        let mut to = from.clone();
        edit(&mut to);
        let ops = change(db, &from, &to, &Answers::default()).await;
        assert!(!ops.is_empty(), "{what}");
        from = to;
    }
    assert_eq!(count(db, "SELECT count(*) FROM patient").await, 2);
}

#[tokio::test]
async fn composite_keys() {
    let Some(mut h) = open().await else {
        return;
    };
    let db = &mut h.db;
    let mut t = Table::new("shop", "Stock");
    t.fields = vec![
        Field::new("store", ColumnType::Integer),
        Field::new("sku", ColumnType::Varchar(20)),
        Field::new("qty", ColumnType::Integer),
    ];
    t.composite_primary_key = vec!["store".into(), "sku".into()];
    let from = schema(vec![t]);
    change(db, &Schema::default(), &from, &Answers::default()).await;
    db.execute("INSERT INTO stock VALUES (1, 'a', 5), (2, 'a', 7)", &[])
        .await
        .unwrap();
    let mut to = from.clone();
    let s = to.table_mut("shop.Stock").unwrap();
    s.field_mut("sku").unwrap().name = "code".into();
    s.composite_primary_key = vec!["store".into(), "code".into()];
    s.fields
        .push(nullable(Field::new("note", ColumnType::Text)));
    let mut answers = Answers::default();
    rename_field(&mut answers, "shop.Stock.code", "sku");
    change(db, &from, &to, &answers).await;
    assert_eq!(
        count(db, "SELECT sum(qty) FROM stock WHERE code = 'a'").await,
        12
    );
}

#[tokio::test]
async fn every_type_and_default_round_trips_through_the_catalog() {
    let Some(mut h) = open().await else {
        return;
    };
    let db = &mut h.db;
    let s = |v: &str| Literal::Str(v.into());
    let types: Vec<(ColumnType, Option<ColumnDefault>)> = vec![
        (
            ColumnType::Boolean,
            Some(ColumnDefault::Value(Literal::Bool(true))),
        ),
        (
            ColumnType::SmallInt,
            Some(ColumnDefault::Value(Literal::Int(-3))),
        ),
        (
            ColumnType::Integer,
            Some(ColumnDefault::Value(Literal::Int(7))),
        ),
        (
            ColumnType::BigInt,
            Some(ColumnDefault::Value(Literal::Int(1 << 40))),
        ),
        (
            ColumnType::Real,
            Some(ColumnDefault::Value(Literal::Float(0.5))),
        ),
        (
            ColumnType::Double,
            Some(ColumnDefault::Value(Literal::Float(2.25))),
        ),
        (
            ColumnType::Varchar(7),
            Some(ColumnDefault::Value(s("it's"))),
        ),
        (ColumnType::Text, Some(ColumnDefault::Value(s("a \\ b")))),
        (ColumnType::Blob, None),
        (
            ColumnType::Decimal {
                precision: 10,
                scale: 3,
            },
            Some(ColumnDefault::Value(s("1.5"))),
        ),
        (
            ColumnType::Date,
            Some(ColumnDefault::Value(s("2024-02-29"))),
        ),
        (ColumnType::Time, Some(ColumnDefault::Value(s("10:30")))),
        (
            ColumnType::Timestamp,
            Some(ColumnDefault::Sql("CURRENT_TIMESTAMP".into())),
        ),
        (
            ColumnType::TimestampTz,
            Some(ColumnDefault::Value(s("2024-01-01 00:00:00+02:00"))),
        ),
        (
            ColumnType::Uuid,
            Some(ColumnDefault::Value(s(
                "67e55044-10b1-426f-9247-bb680e5fe0c8",
            ))),
        ),
        (
            ColumnType::Json,
            Some(ColumnDefault::Value(s("{\"k\": [1, 2]}"))),
        ),
        (ColumnType::Raw("MEDIUMINT UNSIGNED".into()), None),
        (
            ColumnType::Raw("ENUM('a','b')".into()),
            Some(ColumnDefault::Value(s("b"))),
        ),
        (ColumnType::Raw("TEXT".into()), None),
        (ColumnType::Raw("DATETIME".into()), None),
    ];
    let mut fields = Vec::new();
    for (i, (ty, default)) in types.into_iter().enumerate() {
        // Each type twice: NOT NULL with its default, nullable without.
        let mut f = Field::new(format!("c{i}"), ty.clone());
        f.default = default;
        fields.push(f);
        fields.push(nullable(Field::new(format!("n{i}"), ty)));
    }
    let mut uuid_default = Field::new("uid", ColumnType::Uuid);
    uuid_default.default = Some(ColumnDefault::Sql("uuid()".into()));
    fields.push(uuid_default);
    let t = table("a", "AllTypes", fields);
    let to = schema(vec![t]);
    change(db, &Schema::default(), &to, &Answers::default()).await;
    db.execute(
        "INSERT INTO all_types (c8, c16, c18, c19) VALUES (x'00ff', 5, 't', '2024-01-01 10:00:00')",
        &[],
    )
    .await
    .unwrap();
    let rows = db
        .query(
            "SELECT c0, c3, c5, c6, c7, c9, c11, c12 IS NOT NULL, c13, c15 FROM all_types",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        rows[0],
        [
            Value::Int(1),
            Value::Int(1 << 40),
            Value::Float(2.25),
            Value::Text("it's".into()),
            Value::Text("a \\ b".into()),
            Value::Text("1.500".into()),
            Value::Text("10:30:00.000000".into()),
            Value::Int(1),
            Value::Text("2023-12-31 22:00:00.000000".into()),
            Value::Text("{\"k\": [1, 2]}".into()),
        ]
    );
    // Parameters and the binary protocol.
    let rows = db
        .query(
            "SELECT c8, c10, c13, c2 + ? FROM all_types WHERE c6 = ?",
            &[Value::Int(1), Value::Text("it's".into())],
        )
        .await
        .unwrap();
    assert_eq!(
        rows[0],
        [
            Value::Bytes(vec![0, 255]),
            Value::Text("2024-02-29".into()),
            Value::Text("2023-12-31 22:00:00".into()),
            Value::Int(8),
        ]
    );
}

#[tokio::test]
async fn checks_and_types_the_server_rewrites_show_no_drift() {
    let Some(mut h) = open().await else {
        return;
    };
    let mut t = table(
        "shop",
        "Stock",
        vec![
            nullable(Field::new("qty", ColumnType::Integer)),
            nullable(Field::new("min_qty", ColumnType::Integer)),
            nullable(Field::new("code", ColumnType::Varchar(10))),
            nullable(Field::new("made", ColumnType::Raw("year".into()))),
        ],
    );
    for (name, expr) in [
        (
            "stock_case",
            "CASE WHEN qty IS NULL THEN true ELSE qty >= 0 END",
        ),
        ("stock_not_null", "NOT (qty IS NULL) OR min_qty IS NULL"),
        ("stock_not_and", "NOT (qty < 0 AND min_qty < 0)"),
        ("stock_not_like", "NOT (code LIKE 'x%')"),
        ("stock_flag", "(qty > 0) = TRUE OR qty IS NULL OR qty <= 0"),
        (
            "stock_not_call",
            "NOT length(code) OR code IS NOT NULL OR code IS NULL",
        ),
    ] {
        t.constraints.push(Constraint::Check {
            name: Some(name.into()),
            expr: expr.into(),
        });
    }
    let to = schema(vec![t]);
    change(&mut h.db, &Schema::default(), &to, &Answers::default()).await;
    h.db.execute("INSERT INTO stock (qty, made) VALUES (1, 2024)", &[])
        .await
        .unwrap();
}

#[tokio::test]
async fn run_sql_runs_each_statement() {
    let Some((mut h, from)) = seeded().await else {
        return;
    };
    let ops = vec![Op::RunSql {
        sql: remodel_differ::SqlText::All(
            "UPDATE patient SET estado = 'ALTA' WHERE id = 1; UPDATE patient SET ciudad = 'a;b' WHERE id = 2".into(),
        ),
        reverse_sql: None,
        creates: Vec::new(),
    }];
    apply(&mut h.db, &from, &ops).await.unwrap();
    assert_eq!(
        count(
            &mut h.db,
            "SELECT count(*) FROM patient WHERE estado = 'ALTA' OR ciudad = 'a;b'"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn introspection_sends_a_fixed_number_of_queries() {
    let Some(mut h) = open().await else {
        return;
    };
    let mut sent = Vec::new();
    for n in [1, 50] {
        let tables: Vec<Table> = (0..n)
            .map(|i| {
                let mut t = table(
                    "bulk",
                    &format!("T{i}"),
                    vec![nullable(Field::new("name", ColumnType::Varchar(20)))],
                );
                if i > 0 {
                    t.fields.push(nullable(fk(
                        "prev_id",
                        &format!("bulk.T{}", i - 1),
                        OnDelete::Cascade,
                    )));
                }
                t.constraints.push(Constraint::Check {
                    name: None,
                    expr: "name <> ''".into(),
                });
                t
            })
            .collect();
        let to = schema(tables);
        let d = diff(&Schema::default(), &to, &Answers::default()).unwrap();
        let current = h.db.introspect().await.unwrap();
        let mut dropped = Schema::default();
        for name in current.tables.keys().rev() {
            h.db.execute(&format!("DROP TABLE `{name}`"), &[])
                .await
                .unwrap();
        }
        dropped.tables.clear();
        apply(&mut h.db, &dropped, &d.ops).await.unwrap();
        let before = h.db.queries_sent();
        let catalog = h.db.introspect().await.unwrap();
        sent.push(h.db.queries_sent() - before);
        assert_eq!(catalog.tables.len(), n);
        assert_no_drift(&mut h.db, &to, "bulk").await;
    }
    assert_eq!(sent[0], sent[1], "queries for 1 and 50 tables");
    assert_eq!(sent[0], 6);
}

#[tokio::test]
async fn the_lock_waits_once_times_out_and_is_taken_after_unlock() {
    let Some(mut h) = open().await else {
        return;
    };
    let mut other = h.second_connection().await;
    assert_eq!(h.db.lock_name(), other.lock_name());
    assert!(h.db.lock_name().starts_with("remodel:"));
    assert!(h.db.lock_name().len() <= 64);
    h.db.lock().await.unwrap();

    let waits = Arc::new(AtomicUsize::new(0));
    let w = waits.clone();
    other
        .set_lock_wait(
            Duration::from_secs(1),
            Box::new(move || {
                w.fetch_add(1, Ordering::SeqCst);
            }),
        )
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let err = other.lock().await.unwrap_err();
    assert!(matches!(err, DbError::LockTimeout(_)), "{err}");
    assert!(err.to_string().contains("lock-timeout"), "{err}");
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(waits.load(Ordering::SeqCst), 1, "told once that it waits");

    // Released while the other waits: it gets the lock.
    let w = waits.clone();
    other
        .set_lock_wait(
            Duration::from_secs(30),
            Box::new(move || {
                w.fetch_add(1, Ordering::SeqCst);
            }),
        )
        .await
        .unwrap();
    let waiter = tokio::spawn(async move {
        let r = other.lock().await;
        (other, r)
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    h.db.unlock().await.unwrap();
    let (mut other, r) = waiter.await.unwrap();
    r.unwrap();
    assert_eq!(waits.load(Ordering::SeqCst), 2);
    // Now the first connection is the one that cannot take it.
    h.db.set_lock_wait(Duration::from_secs(0), Box::new(|| {}))
        .await
        .unwrap();
    assert!(matches!(
        h.db.lock().await.unwrap_err(),
        DbError::LockTimeout(_)
    ));
    other.unlock().await.unwrap();
    h.db.lock().await.unwrap();
    h.db.unlock().await.unwrap();
}

#[tokio::test]
async fn the_session_is_strict_whatever_the_server_says() {
    let Some(h) = open().await else {
        return;
    };
    use sqlx::ConnectOptions;
    use std::str::FromStr;
    // A session as a non-strict server would give it.
    let mut conn = sqlx::mysql::MySqlConnectOptions::from_str(&h.scratch.url)
        .unwrap()
        .pipes_as_concat(false)
        .connect()
        .await
        .unwrap();
    for sql in [
        "SET SESSION sql_mode = 'ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'",
        "CREATE TABLE loose (s VARCHAR(10) NULL, n INT NULL)",
        "INSERT INTO loose VALUES ('abcdefgh', NULL)",
        "CREATE TABLE narrow LIKE loose",
        "INSERT INTO narrow SELECT * FROM loose",
        "CREATE TABLE nulls LIKE loose",
        "INSERT INTO nulls SELECT * FROM loose",
        // Non-strict: the narrowing goes through, the value cut short.
        "ALTER TABLE loose MODIFY s VARCHAR(5) NOT NULL, MODIFY n INT NOT NULL",
    ] {
        sqlx::Executor::execute(&mut conn, sql).await.unwrap();
    }
    // Through remodel, the same session is strict.
    let mut db = MysqlDatabase::with_connection(h.scratch.database_url(), conn)
        .await
        .unwrap();
    let modes = db.query("SELECT @@SESSION.sql_mode", &[]).await.unwrap();
    let Value::Text(modes) = &modes[0][0] else {
        panic!("{modes:?}");
    };
    let modes: Vec<&str> = modes.split(',').collect();
    assert!(modes.contains(&"STRICT_ALL_TABLES"), "{modes:?}");
    assert!(
        modes.contains(&"ERROR_FOR_DIVISION_BY_ZERO"),
        "kept: {modes:?}"
    );
    assert!(!modes.contains(&"PIPES_AS_CONCAT"), "{modes:?}");
    let err = db
        .execute("ALTER TABLE narrow MODIFY s VARCHAR(5) NOT NULL", &[])
        .await
        .unwrap_err();
    // 1265 Data truncated (1406 Data too long on some versions).
    let msg = err.to_string();
    assert!(
        msg.contains("(error 1265)") || msg.contains("(error 1406)"),
        "{msg}"
    );
    let err = db
        .execute("ALTER TABLE nulls MODIFY n INT NOT NULL", &[])
        .await
        .unwrap_err();
    // 1265 Data truncated for column 'n' (1138 Invalid use of NULL value on some versions).
    let msg = err.to_string();
    assert!(
        msg.contains("(error 1265)") || msg.contains("(error 1138)"),
        "{msg}"
    );
    assert_eq!(
        count(&mut db, "SELECT count(*) FROM narrow WHERE s = 'abcdefgh'").await,
        1
    );
    // A connection opened by URL is strict too.
    let mut fresh = h.second_connection().await;
    let modes = fresh.query("SELECT @@SESSION.sql_mode", &[]).await.unwrap();
    assert!(
        matches!(&modes[0][0], Value::Text(m) if m.split(',').any(|m| m == "STRICT_ALL_TABLES")),
        "{modes:?}"
    );
}

#[tokio::test]
async fn errors_give_the_server_error_number() {
    let Some(mut h) = open().await else {
        return;
    };
    let err =
        h.db.execute("SELECT * FROM nothing_here", &[])
            .await
            .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("nothing_here' doesn't exist (error 1146)"),
        "{msg}"
    );
    let err =
        h.db.query("SELECT * FROM nothing_here WHERE 1 = ?", &[Value::Int(1)])
            .await
            .unwrap_err();
    assert!(err.to_string().contains("(error 1146)"), "{err}");
}

#[tokio::test]
async fn migrations_open_no_transaction() {
    let Some(mut h) = open().await else {
        return;
    };
    h.db.begin_migration(true).await.unwrap();
    h.db.execute("CREATE TABLE t (id INT PRIMARY KEY)", &[])
        .await
        .unwrap();
    h.db.rollback_migration().await.unwrap();
    assert!(h.db.table_exists("t").await.unwrap(), "DDL has committed");
    assert!(!h.db.table_exists("u").await.unwrap());
    h.db.commit_migration(true).await.unwrap();
}

/// The clinic with `ingreso.paciente_id`'s foreign key named `name`.
fn with_fk_name(from: &Schema, name: &str) -> Schema {
    let mut to = from.clone();
    ingreso(&mut to)
        .field_mut("paciente_id")
        .unwrap()
        .references
        .as_mut()
        .unwrap()
        .name = Some(name.into());
    to
}

#[test]
fn a_changed_fk_name_drops_the_old_constraint_and_adds_the_new() {
    let from = clinic();
    let to = with_fk_name(&from, "ingreso_ibfk_1");
    let mut without = to.clone();
    without.tables.remove("patients.Ingreso");
    let create = sqls(
        &Op::CreateModel {
            table: to.tables["patients.Ingreso"].clone(),
        },
        &without,
    )
    .join("\n");
    assert!(
        create.contains("CONSTRAINT `ingreso_ibfk_1` FOREIGN KEY (`paciente_id`)"),
        "{create}"
    );
    assert_eq!(
        ops_sql(&from, &to, &Answers::default()),
        [["ALTER TABLE `ingreso`\n    \
             DROP FOREIGN KEY `ingreso_paciente_id_fk`,\n    \
             ADD CONSTRAINT `ingreso_ibfk_1` FOREIGN KEY (`paciente_id`) REFERENCES `patient` (`id`) ON DELETE CASCADE"]]
    );
    assert_eq!(
        ops_sql(&to, &from, &Answers::default()),
        [["ALTER TABLE `ingreso`\n    \
             DROP FOREIGN KEY `ingreso_ibfk_1`,\n    \
             ADD CONSTRAINT `ingreso_paciente_id_fk` FOREIGN KEY (`paciente_id`) REFERENCES `patient` (`id`) ON DELETE CASCADE"]]
    );
}

#[tokio::test]
async fn an_explicit_fk_name_comes_and_goes() {
    let Some((mut h, from)) = seeded().await else {
        return;
    };
    let to = with_fk_name(&from, "ingreso_ibfk_1");
    change(&mut h.db, &from, &to, &Answers::default()).await;
    let again = with_fk_name(&from, "ingreso_paciente_id_fkey");
    change(&mut h.db, &to, &again, &Answers::default()).await;
}

/// What the schema holds besides tables is read as objects, with the table
/// each belongs to, and none of them is drift.
#[tokio::test]
async fn objects_other_than_tables_are_read_and_are_not_drift() {
    let Some((mut h, s)) = seeded().await else {
        return;
    };
    for sql in [
        "CREATE VIEW patient_names AS SELECT nombre FROM patient",
        "CREATE TRIGGER patient_touch BEFORE UPDATE ON patient FOR EACH ROW SET NEW.edad = NEW.edad",
        "CREATE FUNCTION add2(a INT, b INT) RETURNS INT DETERMINISTIC RETURN a + b",
        "CREATE PROCEDURE noop() SELECT 1",
        "CREATE EVENT tidy ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM ingreso WHERE 1 = 0",
        "CREATE TABLE payment (id INT NOT NULL, paid DATE NOT NULL, PRIMARY KEY (id, paid)) \
         PARTITION BY RANGE (YEAR(paid)) (PARTITION p2023 VALUES LESS THAN (2024), \
         PARTITION p2024 VALUES LESS THAN (2025))",
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
            "event tidy on -",
            "function add2 on -",
            "partition p2023 on payment",
            "partition p2024 on payment",
            "partitioned table payment on payment",
            "procedure noop on -",
            "trigger patient_touch on patient",
            "view patient_names on -",
        ]
    );
    let partitioned = catalog
        .objects
        .iter()
        .find(|o| o.kind.noun() == "partitioned table")
        .unwrap();
    assert!(
        partitioned.definition.starts_with("RANGE ("),
        "{}",
        partitioned.definition
    );
    h.db.execute("DROP TABLE payment", &[]).await.unwrap();
    assert_no_drift(&mut h.db, &s, "adding objects other than tables").await;
}

#[tokio::test]
async fn one_table_reads_as_it_reads_among_all() {
    let Some(mut h) = open().await else {
        return;
    };
    let db = &mut h.db;
    change(db, &Schema::default(), &clinic(), &Answers::default()).await;
    let all = db.introspect().await.unwrap();
    let one = db.introspect_tables(&["ingreso".into()]).await.unwrap();
    assert_eq!(one.tables.keys().collect::<Vec<_>>(), ["ingreso"]);
    assert_eq!(one.tables["ingreso"], all.tables["ingreso"]);
    let none = db.introspect_tables(&["it's".into()]).await.unwrap();
    assert!(none.tables.is_empty());
}

/// MySQL 8's expression key parts (MariaDB has none), descending parts,
/// prefix lengths and FULLTEXT, as rendered.
#[test]
fn index_options_render_as_mysql_writes_them() {
    use remodel_model::{Index, IndexMethod, IndexOptions};
    let s = shop();
    let add = |index: Index| Op::AddIndex {
        model: "shop.Product".into(),
        index,
    };
    let sql = |op: Op| -> Vec<String> {
        with_undo(&rendered(&op, &s))
            .into_iter()
            .map(|(sql, _)| sql)
            .collect()
    };
    assert_eq!(
        sql(add(Index {
            name: Some("product_lower".into()),
            fields: vec!["name".into()],
            options: IndexOptions {
                expressions: vec!["lower(name)".into()],
                descending: vec![true, false],
                prefix_lengths: vec![10, 0],
                ..Default::default()
            },
            ..Default::default()
        })),
        ["ALTER TABLE `product`\n    ADD INDEX `product_lower` (`name`(10) DESC, (lower(`name`)))"]
    );
    assert_eq!(
        sql(add(Index {
            name: Some("product_search".into()),
            fields: vec!["name".into()],
            options: IndexOptions {
                using: Some(IndexMethod::Fulltext),
                ..Default::default()
            },
            ..Default::default()
        })),
        ["ALTER TABLE `product`\n    ADD FULLTEXT INDEX `product_search` (`name`)"]
    );
}
