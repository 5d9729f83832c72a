//! Autodetector tests on hand-built schemas: each checks the operations a
//! user would see, and that they replay from `from` to exactly `to`.

use crate::*;
use remodel_model::{
    ColumnDefault, ColumnType, Constraint, Field, Index, Literal, OnDelete, Reference, Schema,
    Table,
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

fn fk(name: &str, target: &str) -> Field {
    let mut f = Field::new(name, ColumnType::BigInt);
    f.references = Some(Reference {
        model: target.into(),
        to_field: None,
        on_delete: OnDelete::Cascade,
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

fn schema(tables: Vec<Table>) -> Schema {
    let mut s = Schema::default();
    for t in tables {
        s.insert(t);
    }
    s
}

fn kinds(d: &Diff) -> Vec<String> {
    d.ops
        .iter()
        .map(|op| op.describe(&Schema::default()).to_string())
        .collect()
}

/// Replays the ops onto `from` and requires the result to diff as equal to `to`.
fn converges(from: &Schema, to: &Schema, d: &Diff) {
    let after = replay(from, &d.ops).unwrap_or_else(|(i, e)| panic!("op {i} does not replay: {e}"));
    let again = diff(
        &after,
        to,
        &Answers {
            no_renames: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(again.ops.is_empty(), "not converged: {:?}", again.ops);
}

/// Every op's inverse undoes it.
fn inverses_undo(from: &Schema, d: &Diff) {
    let mut state = from.clone();
    for op in &d.ops {
        let before = state.clone();
        op.apply_to(&mut state).unwrap();
        let mut undone = state.clone();
        for inv in op.inverse(&before).unwrap() {
            inv.apply_to(&mut undone).unwrap();
        }
        let again = diff(
            &undone,
            &before,
            &Answers {
                no_renames: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(
            again.ops.is_empty(),
            "inverse of {op:?} left {:?}",
            again.ops
        );
    }
}

fn no_answers() -> Answers {
    Answers::default()
}

#[test]
fn nothing_changed_is_no_ops() {
    let s = schema(vec![table(
        "patients",
        "Patient",
        vec![Field::new("nombre", ColumnType::Text)],
    )]);
    let d = diff(&s, &s, &no_answers()).unwrap();
    assert!(d.ops.is_empty() && d.asked.is_empty());
}

#[test]
fn field_order_is_not_a_change() {
    let a = schema(vec![table(
        "p",
        "P",
        vec![
            Field::new("a", ColumnType::Text),
            Field::new("b", ColumnType::Text),
        ],
    )]);
    let b = schema(vec![table(
        "p",
        "P",
        vec![
            Field::new("b", ColumnType::Text),
            Field::new("a", ColumnType::Text),
        ],
    )]);
    assert!(diff(&a, &b, &no_answers()).unwrap().ops.is_empty());
}

#[test]
fn adds_a_nullable_field_without_asking() {
    let from = schema(vec![table("patients", "Patient", vec![])]);
    let to = schema(vec![table(
        "patients",
        "Patient",
        vec![nullable(Field::new("ciudad", ColumnType::Text))],
    )]);
    let d = diff(&from, &to, &no_answers()).unwrap();
    assert_eq!(kinds(&d), ["+ Add field ciudad to patient"]);
    assert!(d.asked.is_empty());
    converges(&from, &to, &d);
    inverses_undo(&from, &d);
}

#[test]
fn a_not_null_field_without_default_asks_for_a_one_off_value() {
    let from = schema(vec![table("patients", "Patient", vec![])]);
    let to = schema(vec![table(
        "patients",
        "Patient",
        vec![Field::new("estado", ColumnType::Varchar(20))],
    )]);
    let d = diff(&from, &to, &no_answers()).unwrap();
    assert_eq!(d.unanswered().len(), 1);
    assert_eq!(d.unanswered()[0].id, "default:patients.Patient.estado");

    let mut answers = no_answers();
    answers.defaults.insert(
        "patients.Patient.estado".into(),
        (
            DefaultAnswer::Value(Literal::Str("ACTIVO".into())),
            Source::Flag,
        ),
    );
    let d = diff(&from, &to, &answers).unwrap();
    assert!(d.unanswered().is_empty());
    match &d.ops[0] {
        Op::AddField {
            field,
            preserve_default,
            ..
        } => {
            assert!(!preserve_default);
            assert_eq!(
                field.default,
                Some(ColumnDefault::Value(Literal::Str("ACTIVO".into())))
            );
        }
        other => panic!("{other:?}"),
    }
    converges(&from, &to, &d);

    answers.defaults.insert(
        "patients.Patient.estado".into(),
        (DefaultAnswer::Value(Literal::Int(3)), Source::Flag),
    );
    let err = diff(&from, &to, &answers).unwrap_err();
    assert!(err.to_string().contains("must be a string"), "{err}");
}

#[test]
fn alters_length_nullability_type_and_default() {
    let from = schema(vec![table(
        "p",
        "Patient",
        vec![
            Field::new("a", ColumnType::Varchar(10)),
            nullable(Field::new("b", ColumnType::Text)),
            Field::new("c", ColumnType::Integer),
            Field::new("d", ColumnType::Text),
        ],
    )]);
    let mut d_field = Field::new("d", ColumnType::Text);
    d_field.default = Some(ColumnDefault::Value(Literal::Str("x".into())));
    let mut b_field = Field::new("b", ColumnType::Text);
    b_field.default = Some(ColumnDefault::Value(Literal::Str("".into())));
    let to = schema(vec![table(
        "p",
        "Patient",
        vec![
            Field::new("a", ColumnType::Varchar(20)),
            b_field,
            Field::new("c", ColumnType::BigInt),
            d_field,
        ],
    )]);
    let d = diff(&from, &to, &no_answers()).unwrap();
    assert_eq!(
        kinds(&d),
        [
            "~ Alter field a on patient",
            "~ Alter field b on patient",
            "~ Alter field c on patient",
            "~ Alter field d on patient"
        ]
    );
    assert!(d.asked.is_empty(), "b has a default, so no question");
    converges(&from, &to, &d);
    inverses_undo(&from, &d);
}

#[test]
fn removes_a_field_as_destructive() {
    let from = schema(vec![table(
        "p",
        "Patient",
        vec![Field::new("barrio", ColumnType::Text)],
    )]);
    let to = schema(vec![table("p", "Patient", vec![])]);
    let d = diff(&from, &to, &no_answers()).unwrap();
    assert_eq!(
        kinds(&d),
        ["- Remove field barrio from patient  (drops data)"]
    );
    converges(&from, &to, &d);
    inverses_undo(&from, &d);
}

#[test]
fn creates_referenced_models_first_and_deletes_children_first() {
    let patient = table("patients", "Patient", vec![]);
    let ingreso = table(
        "patients",
        "Ingreso",
        vec![fk("paciente_id", "patients.Patient")],
    );
    let monitoreo = table(
        "exams",
        "Monitoreo",
        vec![fk("paciente_id", "patients.Patient")],
    );
    let empty = Schema::default();
    let full = schema(vec![patient, ingreso, monitoreo]);
    let d = diff(&empty, &full, &no_answers()).unwrap();
    // Referenced first, then by app and model.
    assert_eq!(
        kinds(&d),
        [
            "+ Create model Patient",
            "+ Create model Monitoreo",
            "+ Create model Ingreso"
        ]
    );
    // Monitoreo (exams) must come after Patient (patients): a cross-app dependency.
    assert!(d.after.contains(&(1, 0)));
    converges(&empty, &full, &d);

    let d = diff(&full, &empty, &no_answers()).unwrap();
    let k = kinds(&d);
    assert_eq!(k.last().unwrap(), "- Delete model Patient  (drops data)");
    converges(&full, &empty, &d);
}

#[test]
fn reference_cycles_are_split_into_a_later_add_field() {
    let a = table("x", "A", vec![fk("b_id", "x.B")]);
    let b = table("x", "B", vec![fk("a_id", "x.A")]);
    let empty = Schema::default();
    let to = schema(vec![a, b]);
    let d = diff(&empty, &to, &no_answers()).unwrap();
    assert_eq!(
        kinds(&d),
        [
            "+ Create model A",
            "+ Create model B",
            "+ Add field b_id to a"
        ]
    );
    assert!(
        d.asked.is_empty(),
        "a new table has no rows: no default question"
    );
    converges(&empty, &to, &d);
}

#[test]
fn a_new_model_referencing_a_field_added_now_gets_that_reference_after_it() {
    let from = schema(vec![table("shop", "Category", vec![])]);
    let mut code = Field::new("code", ColumnType::Varchar(10));
    code.unique = true;
    code.null = true;
    let mut r = fk("category_code", "shop.Category");
    r.ty = ColumnType::Varchar(10);
    r.references.as_mut().unwrap().to_field = Some("code".into());
    let to = schema(vec![
        table("shop", "Category", vec![code]),
        table("billing", "Invoice", vec![r]),
    ]);
    let d = diff(&from, &to, &no_answers()).unwrap();
    assert_eq!(
        kinds(&d),
        [
            "+ Create model Invoice",
            "+ Add field code to category",
            "+ Add field category_code to invoice"
        ]
    );
    // The billing AddField must run after the shop AddField: a cross-app edge.
    assert!(d.after.contains(&(2, 1)), "{:?}", d.after);
    converges(&from, &to, &d);
}

#[test]
fn only_models_on_a_cycle_are_split() {
    // A waits on the B ⇄ C cycle but is not on it: its reference stays in CreateModel.
    let a = table("x", "A", vec![fk("b_id", "x.B")]);
    let b = table("x", "B", vec![fk("c_id", "x.C")]);
    let c = table("x", "C", vec![fk("b_id", "x.B")]);
    let empty = Schema::default();
    let to = schema(vec![a, b, c]);
    let d = diff(&empty, &to, &no_answers()).unwrap();
    assert_eq!(
        kinds(&d),
        [
            "+ Create model B",
            "+ Create model A",
            "+ Create model C",
            "+ Add field c_id to b"
        ]
    );
    converges(&empty, &to, &d);
}

#[test]
fn a_model_that_loses_and_gains_fields_asks_and_never_drops_silently() {
    let dec = ColumnType::Decimal {
        precision: 5,
        scale: 2,
    };
    let from = schema(vec![table(
        "exams",
        "Monitoreo",
        vec![Field::new("usu_diario", dec.clone())],
    )]);
    let to = schema(vec![table(
        "exams",
        "Monitoreo",
        vec![Field::new("uso_diario", dec.clone())],
    )]);
    let d = diff(&from, &to, &no_answers()).unwrap();
    let q = d.unanswered();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].id, "rename-field:exams.Monitoreo.uso_diario");
    match &q[0].kind {
        QuestionKind::RenameField { candidates, .. } => {
            assert_eq!(candidates[0].old, "usu_diario");
            assert_eq!(candidates[0].reason, "same definition");
        }
        other => panic!("{other:?}"),
    }

    let mut answers = no_answers();
    answers.fields.insert(
        "exams.Monitoreo.uso_diario".into(),
        (RenameAnswer::From("usu_diario".into()), Source::Hint),
    );
    let d = diff(&from, &to, &answers).unwrap();
    assert_eq!(
        kinds(&d),
        ["~ Rename field usu_diario on monitoreo to uso_diario"]
    );
    converges(&from, &to, &d);
    inverses_undo(&from, &d);

    let answers = Answers {
        no_renames: true,
        ..Default::default()
    };
    let d = diff(&from, &to, &answers).unwrap();
    assert_eq!(
        kinds(&d),
        [
            "+ Add field uso_diario to monitoreo",
            "- Remove field usu_diario from monitoreo  (drops data)"
        ]
    );
    // Answered "new", the NOT NULL field now needs its default answered.
    assert_eq!(d.unanswered()[0].id, "default:exams.Monitoreo.uso_diario");
}

#[test]
fn rename_plus_change_is_rename_then_alter() {
    let from = schema(vec![table(
        "p",
        "P",
        vec![Field::new("nombre", ColumnType::Varchar(50))],
    )]);
    let to = schema(vec![table(
        "p",
        "P",
        vec![nullable(Field::new("name", ColumnType::Varchar(100)))],
    )]);
    let mut answers = no_answers();
    answers.fields.insert(
        "p.P.name".into(),
        (RenameAnswer::From("nombre".into()), Source::Flag),
    );
    let d = diff(&from, &to, &answers).unwrap();
    assert_eq!(
        kinds(&d),
        [
            "~ Rename field nombre on p to name",
            "~ Alter field name on p"
        ]
    );
    converges(&from, &to, &d);
}

#[test]
fn a_rename_keeping_its_column_alters_first_so_no_sql_is_needed() {
    let from = schema(vec![table(
        "p",
        "P",
        vec![Field::new("usu", ColumnType::Integer)],
    )]);
    let mut kept = Field::new("uso", ColumnType::Integer);
    kept.column = Some("usu".into());
    let to = schema(vec![table("p", "P", vec![kept])]);
    let mut answers = no_answers();
    answers.fields.insert(
        "p.P.uso".into(),
        (RenameAnswer::From("usu".into()), Source::Flag),
    );
    let d = diff(&from, &to, &answers).unwrap();
    assert_eq!(
        kinds(&d),
        ["~ Alter field usu on p", "~ Rename field usu on p to uso"]
    );
    converges(&from, &to, &d);
}

#[test]
fn a_bad_rename_answer_is_an_error() {
    let from = schema(vec![table(
        "p",
        "P",
        vec![Field::new("a", ColumnType::Integer)],
    )]);
    let to = schema(vec![table(
        "p",
        "P",
        vec![Field::new("b", ColumnType::Integer)],
    )]);
    let mut answers = no_answers();
    answers.fields.insert(
        "p.P.b".into(),
        (RenameAnswer::From("zzz".into()), Source::Flag),
    );
    let err = diff(&from, &to, &answers).unwrap_err();
    assert!(
        err.to_string()
            .contains("`zzz` is not a field that disappeared (candidates: a)"),
        "{err}"
    );
}

#[test]
fn unused_answers_are_reported() {
    let s = schema(vec![table("p", "P", vec![])]);
    let mut answers = no_answers();
    answers.fields.insert(
        "p.P.x".into(),
        (RenameAnswer::From("y".into()), Source::Flag),
    );
    let d = diff(&s, &s, &answers).unwrap();
    assert_eq!(
        d.unused,
        vec![("p.P.x".to_string(), AnswerKind::Field, Source::Flag)]
    );
}

#[test]
fn renaming_a_model_updates_references_in_other_apps() {
    let from = schema(vec![
        table(
            "patients",
            "Patient",
            vec![Field::new("nombre", ColumnType::Text)],
        ),
        table(
            "exams",
            "Monitoreo",
            vec![fk("paciente_id", "patients.Patient")],
        ),
    ]);
    let to = schema(vec![
        table(
            "patients",
            "Person",
            vec![Field::new("nombre", ColumnType::Text)],
        ),
        table(
            "exams",
            "Monitoreo",
            vec![fk("paciente_id", "patients.Person")],
        ),
    ]);
    let d = diff(&from, &to, &no_answers()).unwrap();
    assert_eq!(d.unanswered()[0].id, "rename-model:patients.Person");
    let mut answers = no_answers();
    answers.models.insert(
        "patients.Person".into(),
        (RenameAnswer::From("Patient".into()), Source::Flag),
    );
    let d = diff(&from, &to, &answers).unwrap();
    assert_eq!(kinds(&d), ["~ Rename model Patient to Person"]);
    converges(&from, &to, &d);
    inverses_undo(&from, &d);
}

#[test]
fn indexes_and_constraints_are_added_removed_and_renamed() {
    let base = |indexes: Vec<Index>, constraints: Vec<Constraint>| {
        let mut t = table(
            "p",
            "Patient",
            vec![
                Field::new("nombre", ColumnType::Varchar(10)),
                Field::new("apellido", ColumnType::Varchar(10)),
                Field::new("edad", ColumnType::Integer),
            ],
        );
        t.indexes = indexes;
        t.constraints = constraints;
        schema(vec![t])
    };
    let ix = |name: Option<&str>| Index {
        name: name.map(String::from),
        fields: vec!["apellido".into(), "nombre".into()],
        unique: false,
        concurrently: false,
        ..Default::default()
    };
    let check = Constraint::Check {
        name: None,
        expr: "edad >= 0".into(),
    };
    let from = base(vec![], vec![]);
    let to = base(vec![ix(None)], vec![check.clone()]);
    let d = diff(&from, &to, &no_answers()).unwrap();
    let before = from.clone();
    let described: Vec<String> = {
        let mut s = before.clone();
        d.ops
            .iter()
            .map(|op| {
                let t = op.describe(&s).to_string();
                op.apply_to(&mut s).unwrap();
                t
            })
            .collect()
    };
    assert_eq!(
        described,
        [
            "+ Create index patient_apellido_nombre_idx on field(s) apellido, nombre of model patient",
            "+ Create constraint patient_edad_check on model patient",
        ]
    );
    converges(&from, &to, &d);
    inverses_undo(&from, &d);

    let renamed = base(vec![ix(Some("by_name"))], vec![check]);
    let d = diff(&to, &renamed, &no_answers()).unwrap();
    assert_eq!(
        kinds(&d),
        ["~ Rename index patient_apellido_nombre_idx on patient to by_name"]
    );
    converges(&to, &renamed, &d);

    let d = diff(&to, &from, &no_answers()).unwrap();
    assert_eq!(
        kinds(&d),
        [
            "- Remove constraint patient_edad_check from model patient",
            "- Remove index patient_apellido_nombre_idx from patient",
        ]
    );
    converges(&to, &from, &d);
}

#[test]
fn removing_an_indexed_field_removes_its_index_first() {
    let mut t = table(
        "p",
        "P",
        vec![
            Field::new("a", ColumnType::Integer),
            Field::new("b", ColumnType::Integer),
        ],
    );
    t.indexes.push(Index {
        name: None,
        fields: vec!["a".into(), "b".into()],
        unique: false,
        concurrently: false,
        ..Default::default()
    });
    let from = schema(vec![t]);
    let to = schema(vec![table(
        "p",
        "P",
        vec![Field::new("b", ColumnType::Integer)],
    )]);
    let d = diff(&from, &to, &no_answers()).unwrap();
    assert_eq!(
        kinds(&d),
        [
            "- Remove index p_a_b_idx from p",
            "- Remove field a from p  (drops data)"
        ]
    );
    converges(&from, &to, &d);
}

#[test]
fn a_freed_table_name_is_dropped_before_it_is_reused() {
    let mut old = table("p", "Old", vec![]);
    old.db_table = Some("things".into());
    let mut new = table("p", "New", vec![Field::new("x", ColumnType::Integer)]);
    new.db_table = Some("things".into());
    let from = schema(vec![old]);
    let to = schema(vec![new]);
    let answers = Answers {
        no_renames: true,
        ..Default::default()
    };
    let d = diff(&from, &to, &answers).unwrap();
    assert_eq!(
        kinds(&d),
        ["- Delete model Old  (drops data)", "+ Create model New"]
    );
    converges(&from, &to, &d);
}

#[test]
fn changing_the_table_name_is_alter_model_table() {
    let from = schema(vec![table("p", "Patient", vec![])]);
    let mut t = table("p", "Patient", vec![]);
    t.db_table = Some("pacientes".into());
    let to = schema(vec![t]);
    let d = diff(&from, &to, &no_answers()).unwrap();
    assert_eq!(kinds(&d), ["~ Rename table for patient to pacientes"]);
    converges(&from, &to, &d);
    inverses_undo(&from, &d);
}

#[test]
fn names_follow_django() {
    let s = Schema::default();
    let op = Op::AlterField {
        model: "patients.Patient".into(),
        field: Field::new("fecha_ingreso", ColumnType::Date),
        preserve_default: true,
    };
    assert_eq!(op.name_fragment(&s).unwrap(), "alter_patient_fecha_ingreso");
    let op = Op::RemoveField {
        model: "patients.Patient".into(),
        field: "barrio".into(),
    };
    assert_eq!(op.name_fragment(&s).unwrap(), "remove_patient_barrio");
    let op = Op::RunSql {
        sql: SqlText::All("SELECT 1".into()),
        reverse_sql: None,
        creates: Vec::new(),
    };
    assert_eq!(op.name_fragment(&s), None);
}

#[test]
fn turning_concurrently_on_or_off_for_an_existing_index_is_no_change() {
    let with = |concurrently: bool| {
        let mut t = table(
            "p",
            "Patient",
            vec![Field::new("edad", ColumnType::Integer)],
        );
        t.indexes = vec![Index {
            name: Some("patient_edad_idx".into()),
            fields: vec!["edad".into()],
            unique: false,
            concurrently,
            ..Default::default()
        }];
        schema(vec![t])
    };
    assert!(
        diff(&with(false), &with(true), &no_answers())
            .unwrap()
            .ops
            .is_empty()
    );
    assert!(
        diff(&with(true), &with(false), &no_answers())
            .unwrap()
            .ops
            .is_empty()
    );
}

#[test]
fn a_changed_fk_name_is_an_alter_field() {
    let from = schema(vec![
        table("clinic", "Patient", vec![]),
        table("clinic", "Exam", vec![fk("patient_id", "clinic.Patient")]),
    ]);
    let mut to = from.clone();
    let f = to
        .table_mut("clinic.Exam")
        .unwrap()
        .field_mut("patient_id")
        .unwrap();
    f.references.as_mut().unwrap().name = Some("exam_patient_id_fkey".into());
    let d = diff(&from, &to, &no_answers()).unwrap();
    assert_eq!(kinds(&d), ["~ Alter field patient_id on exam"]);
    converges(&from, &to, &d);
    inverses_undo(&from, &d);
    // And back to the derived name.
    let d = diff(&to, &from, &no_answers()).unwrap();
    assert_eq!(kinds(&d), ["~ Alter field patient_id on exam"]);
    converges(&to, &from, &d);
}

#[test]
fn a_key_name_change_is_one_operation_and_its_inverse_undoes_it() {
    let from = schema(vec![table("shop", "Item", vec![])]);
    let mut to = from.clone();
    to.table_mut("shop.Item").unwrap().pk_name = Some("item_pkey".into());
    let d = diff(&from, &to, &no_answers()).unwrap();
    assert_eq!(kinds(&d), ["~ Rename primary key of item to item_pkey"]);
    assert_eq!(
        d.ops[0].name_fragment(&from).as_deref(),
        Some("alter_item_pk_name")
    );
    converges(&from, &to, &d);
    inverses_undo(&from, &d);
    // Back to the derived name.
    let d = diff(&to, &from, &no_answers()).unwrap();
    assert_eq!(
        kinds(&d),
        ["~ Rename primary key of item to its derived name"]
    );
    converges(&to, &from, &d);
}

#[test]
fn index_options_follow_a_field_rename_and_a_change_is_a_new_index() {
    use remodel_model::{IndexMethod, IndexOptions};
    let base = |column: &str, index: Index| {
        let mut t = table(
            "p",
            "Patient",
            vec![
                Field::new(column, ColumnType::Varchar(10)),
                Field::new("edad", ColumnType::Integer),
            ],
        );
        t.indexes = vec![index];
        schema(vec![t])
    };
    let lower = |column: &str, predicate: Option<&str>| Index {
        name: Some("patient_lower".into()),
        fields: vec!["edad".into()],
        options: IndexOptions {
            expressions: vec![format!("lower({column})")],
            descending: vec![true, false],
            predicate: predicate.map(String::from),
            ..Default::default()
        },
        ..Default::default()
    };
    let from = base("nombre", lower("nombre", Some("nombre <> ''")));
    let to = base("name", lower("name", Some("name <> ''")));
    let mut answers = no_answers();
    answers.fields.insert(
        "p.Patient.name".into(),
        (RenameAnswer::From("nombre".into()), Source::Hint),
    );
    let d = diff(&from, &to, &answers).unwrap();
    assert_eq!(kinds(&d), ["~ Rename field nombre on patient to name"]);
    converges(&from, &to, &d);
    inverses_undo(&from, &d);

    // Any other change of an option drops the index and creates it again.
    let changed = base("name", lower("name", None));
    let d = diff(&to, &changed, &no_answers()).unwrap();
    assert_eq!(
        kinds(&d),
        [
            "- Remove index patient_lower from patient",
            "+ Create index patient_lower (edad DESC, (lower(name))) of model patient",
        ]
    );
    converges(&to, &changed, &d);
    inverses_undo(&to, &d);
    let mut gin = lower("name", None);
    gin.options.using = Some(IndexMethod::Gin);
    let d = diff(&changed, &base("name", gin), &no_answers()).unwrap();
    assert_eq!(d.ops.len(), 2, "{:?}", kinds(&d));

    // A field the expression uses cannot go while the index stands.
    let mut state = to.clone();
    let err = Op::RemoveField {
        model: "p.Patient".into(),
        field: "name".into(),
    }
    .apply_to(&mut state)
    .unwrap_err();
    assert!(
        err.to_string().contains("index patient_lower uses it"),
        "{err}"
    );
}

#[test]
fn a_generated_field_is_added_after_the_fields_it_uses_change() {
    let mut qty = Field::new("qty", ColumnType::Integer);
    let from = schema(vec![table("p", "Line", vec![qty.clone()])]);
    qty.ty = ColumnType::BigInt;
    let mut total = Field::new("total", ColumnType::BigInt);
    total.null = true;
    total.generated = Some(remodel_model::Generated {
        expr: "qty * 2".into(),
        stored: true,
    });
    let to = schema(vec![table("p", "Line", vec![qty, total])]);
    let d = diff(&from, &to, &no_answers()).unwrap();
    assert_eq!(
        kinds(&d),
        ["~ Alter field qty on line", "+ Add field total to line",]
    );
    converges(&from, &to, &d);
}

fn rating(app: &str) -> remodel_model::DbEnum {
    let mut e = remodel_model::DbEnum::new(app, "Rating");
    for (name, value) in [("G", "G"), ("Pg13", "PG-13")] {
        e.variants.push(remodel_model::Variant {
            name: name.into(),
            value: value.into(),
        });
    }
    e
}

#[test]
fn an_enum_is_created_before_its_fields_and_deleted_after_them() {
    let mut rating_field = Field::new("rating", ColumnType::Enum("films.Rating".into()));
    rating_field.null = true;
    let mut to = schema(vec![table("films", "Film", vec![rating_field])]);
    to.enums.insert("films.Rating".into(), rating("films"));
    let empty = Schema::default();
    let d = diff(&empty, &to, &no_answers()).unwrap();
    assert_eq!(
        kinds(&d),
        ["+ Create enum Rating ('G', 'PG-13')", "+ Create model Film"]
    );
    assert_eq!(d.ops[0].name_fragment(&empty).as_deref(), Some("rating"));
    converges(&empty, &to, &d);

    let d = diff(&to, &empty, &no_answers()).unwrap();
    assert_eq!(
        kinds(&d),
        ["- Delete model Film  (drops data)", "- Delete enum Rating"]
    );
    converges(&to, &empty, &d);
    // Undone, a DeleteEnum makes the enum again.
    assert_eq!(
        d.ops[1].inverse(&to).unwrap(),
        [Op::CreateEnum {
            db_enum: rating("films")
        }]
    );
}

#[test]
fn an_enum_used_by_another_app_comes_first_and_a_changed_one_is_refused_for_now() {
    let mut f = Field::new("rating", ColumnType::Enum("films.Rating".into()));
    f.null = true;
    let mut to = schema(vec![table("shop", "Item", vec![f])]);
    to.enums.insert("films.Rating".into(), rating("films"));
    let d = diff(&Schema::default(), &to, &no_answers()).unwrap();
    assert!(d.after.contains(&(1, 0)), "{:?}", d.after);
    assert_eq!(d.ops[0].app().as_deref(), Some("films"));

    let mut changed = to.clone();
    changed
        .enums
        .get_mut("films.Rating")
        .unwrap()
        .variants
        .push(remodel_model::Variant {
            name: "R".into(),
            value: "R".into(),
        });
    let e = diff(&to, &changed, &no_answers()).unwrap_err();
    assert!(
        e.to_string().contains("enum films.Rating changed (rating ('G', Pg13 'PG-13') → rating ('G', Pg13 'PG-13', 'R'))"),
        "{e}"
    );
}

#[test]
fn an_enum_in_use_cannot_be_dropped_and_a_default_must_be_a_value() {
    let mut f = Field::new("rating", ColumnType::Enum("films.Rating".into()));
    f.default = Some(ColumnDefault::Value(remodel_model::Literal::Str(
        "X".into(),
    )));
    let mut state = Schema::default();
    Op::CreateEnum {
        db_enum: rating("films"),
    }
    .apply_to(&mut state)
    .unwrap();
    let e = Op::CreateModel {
        table: table("films", "Film", vec![f.clone()]),
    }
    .apply_to(&mut state)
    .unwrap_err();
    assert!(
        e.0.contains("defaults to 'X', which is not a value of enum films.Rating (G, PG-13)"),
        "{e}"
    );
    f.default = None;
    Op::CreateModel {
        table: table("films", "Film", vec![f]),
    }
    .apply_to(&mut state)
    .unwrap();
    let e = Op::DeleteEnum {
        name: "films.Rating".into(),
    }
    .apply_to(&mut state)
    .unwrap_err();
    assert_eq!(
        e.0,
        "enum films.Rating is still used by field `rating` of films.Film"
    );
}
