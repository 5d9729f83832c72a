use super::*;
use remodel_model::Schema;

fn ingreso() -> Table {
    let mut t = Table::new("patients", "Ingreso");
    let mut id = Field::new("id", ColumnType::BigInt);
    id.primary_key = true;
    id.auto = remodel_model::Auto::Yes;
    t.fields.push(id);
    let mut p = Field::new("paciente_id", ColumnType::BigInt);
    p.references = Some(Reference {
        model: "patients.Patient".into(),
        to_field: None,
        on_delete: OnDelete::Cascade,
        on_update: remodel_model::OnDelete::NoAction,
        name: None,
    });
    p.index = true;
    t.fields.push(p);
    t.fields.push(Field::new("fecha_inicio", ColumnType::Date));
    let mut fin = Field::new("fecha_fin", ColumnType::Date);
    fin.null = true;
    t.fields.push(fin);
    t
}

fn file(ops: Vec<Op>) -> MigrationFile {
    MigrationFile {
        dependencies: vec!["patients.0002_alter_patient_fecha_ingreso".into()],
        initial: false,
        atomic: true,
        replaces: vec![],
        operations: Some(ops),
    }
}

#[test]
fn writes_the_design_layout() {
    let mut estado = Field::new("estado", ColumnType::Varchar(20));
    estado.default = Some(ColumnDefault::Value(Literal::Str("ACTIVO".into())));
    let f = file(vec![
        Op::CreateModel { table: ingreso() },
        Op::RenameField {
            model: "patients.Ingreso".into(),
            old: "fecha_inicio".into(),
            new: "inicio".into(),
        },
        Op::AddField {
            model: "patients.Ingreso".into(),
            field: estado,
            preserve_default: true,
        },
        Op::RunSql {
            sql: SqlText::All("UPDATE ingreso SET estado = 'ACTIVO' WHERE estado = ''".into()),
            reverse_sql: Some(SqlText::All(String::new())),
            creates: Vec::new(),
        },
    ]);
    let text = f.to_toml(&Schema::default());
    let want = format!(
        r#"{HEADER}
dependencies = ["patients.0002_alter_patient_fecha_ingreso"]

[[operations]]
op = "CreateModel"
name = "Ingreso"
table = "ingreso"
fields = [
  {{ name = "id", type = "bigint", primary_key = true, auto = true }},
  {{ name = "paciente_id", type = "bigint", references = "patients.Patient", on_delete = "cascade" }},
  {{ name = "fecha_inicio", type = "date" }},
  {{ name = "fecha_fin", type = "date", null = true }},
]
indexes = [{{ name = "ingreso_paciente_id_idx", fields = ["paciente_id"] }}]

[[operations]]
op = "RenameField"
model = "patients.Ingreso"
old = "fecha_inicio"
new = "inicio"

[[operations]]
op = "AddField"
model = "patients.Ingreso"
field = {{ name = "estado", type = "varchar(20)", default = "ACTIVO" }}
preserve_default = true

[[operations]]
op = "RunSql"
sql = "UPDATE ingreso SET estado = 'ACTIVO' WHERE estado = ''"
reverse_sql = ""
"#
    );
    assert_eq!(text, want);
}

/// Every operation kind survives write → parse → write byte for byte.
#[test]
fn every_operation_round_trips_byte_for_byte() {
    let mut t = ingreso();
    t.db_table = Some("ingresos".into());
    t.comment = Some("stays".into());
    t.indexes.push(Index {
        name: Some("by_dates".into()),
        fields: vec!["fecha_inicio".into(), "fecha_fin".into()],
        unique: true,
        concurrently: true,
        ..Default::default()
    });
    t.constraints.push(Constraint::Check {
        name: None,
        expr: "fecha_fin IS NULL OR fecha_fin >= fecha_inicio".into(),
    });
    t.constraints.push(Constraint::Unique {
        name: Some("one_per_day".into()),
        fields: vec!["paciente_id".into(), "fecha_inicio".into()],
    });
    let mut odd = Field::new("odd", ColumnType::Raw("geometry(Point, 4326)".into()));
    odd.column = Some("odd col".into());
    odd.comment = Some("quote \" and\nnewline".into());
    odd.default = Some(ColumnDefault::Sql("CURRENT_TIMESTAMP".into()));
    let mut amount = Field::new(
        "amount",
        ColumnType::Decimal {
            precision: 5,
            scale: 2,
        },
    );
    amount.default = Some(ColumnDefault::Value(Literal::Str("1.50".into())));
    let mut ratio = Field::new("ratio", ColumnType::Double);
    ratio.default = Some(ColumnDefault::Value(Literal::Float(2.0)));
    let mut flag = Field::new("flag", ColumnType::Boolean);
    flag.default = Some(ColumnDefault::Value(Literal::Bool(false)));
    let mut fk = Field::new("other_id", ColumnType::BigInt);
    fk.references = Some(Reference {
        model: "patients.Patient".into(),
        to_field: Some("documento".into()),
        on_delete: OnDelete::SetNull,
        on_update: remodel_model::OnDelete::NoAction,
        name: None,
    });
    fk.null = true;
    fk.index = false;
    let m = "patients.Ingreso".to_string();
    let f = file(vec![
        Op::CreateModel { table: t },
        Op::AddField {
            model: m.clone(),
            field: odd,
            preserve_default: true,
        },
        Op::AddField {
            model: m.clone(),
            field: amount,
            preserve_default: false,
        },
        Op::AlterField {
            model: m.clone(),
            field: ratio,
            preserve_default: true,
        },
        Op::AddField {
            model: m.clone(),
            field: flag,
            preserve_default: true,
        },
        Op::AddField {
            model: m.clone(),
            field: fk,
            preserve_default: true,
        },
        Op::RemoveField {
            model: m.clone(),
            field: "odd".into(),
        },
        Op::RenameField {
            model: m.clone(),
            old: "a".into(),
            new: "b".into(),
        },
        Op::AddIndex {
            model: m.clone(),
            index: Index {
                name: None,
                fields: vec!["fecha_fin".into()],
                unique: false,
                concurrently: false,
                ..Default::default()
            },
        },
        Op::RemoveIndex {
            model: m.clone(),
            name: "x".into(),
        },
        Op::RenameIndex {
            model: m.clone(),
            old: "x".into(),
            new: "y".into(),
        },
        Op::AddConstraint {
            model: m.clone(),
            constraint: Constraint::Check {
                name: Some("c".into()),
                expr: "ratio > 0".into(),
            },
        },
        Op::RemoveConstraint {
            model: m.clone(),
            name: "c".into(),
        },
        Op::AlterModelTable {
            model: m.clone(),
            table: Some("t2".into()),
        },
        Op::AlterModelTable {
            model: m.clone(),
            table: None,
        },
        Op::AlterModelComment {
            model: m.clone(),
            comment: None,
        },
        Op::RenameModel {
            app: "patients".into(),
            old: "Ingreso".into(),
            new: "Admission".into(),
        },
        Op::DeleteModel {
            model: "patients.Admission".into(),
        },
        Op::RunSql {
            sql: SqlText::PerDialect(
                [
                    ("sqlite".to_string(), "SELECT 1;\nSELECT 2".to_string()),
                    ("postgres".to_string(), "SELECT 3".to_string()),
                ]
                .into(),
            ),
            reverse_sql: None,
            creates: Vec::new(),
        },
    ]);
    let mut f2 = f.clone();
    f2.initial = true;
    f2.atomic = false;
    f2.replaces = vec!["patients.0001_initial".into()];
    for f in [f, f2] {
        let text = f.to_toml(&Schema::default());
        let back = parse(&text, "patients").unwrap_or_else(|e| panic!("{e:?}\n{text}"));
        assert_eq!(back.to_toml(&Schema::default()), text);
        assert_eq!(back.initial, f.initial);
        assert_eq!(back.atomic, f.atomic);
    }
}

#[test]
fn the_checksum_ignores_comments_and_layout() {
    let a = "dependencies = []\n[[operations]]\nop = \"RemoveField\"\nmodel = \"patients.Patient\"\nfield = \"barrio\"\n";
    let b = "# hand edited\ndependencies=[ ]\n\n[[operations]]\nfield = 'barrio'   # why not\nop = \"RemoveField\"\nmodel = \"Patient\"\n";
    let c = a.replace("barrio", "ciudad");
    let s = Schema::default();
    let sum = |t: &str| parse(t, "patients").unwrap().checksum(&s);
    assert_eq!(sum(a), sum(b));
    assert_ne!(sum(a), sum(&c));
    assert_eq!(sum(a).len(), 64);
    // Dependencies are a set: their order is not a change.
    let d1 = "dependencies = [\"patients.0001_initial\", \"exams.0001_initial\"]\n";
    let d2 = "dependencies = [\"exams.0001_initial\", \"patients.0001_initial\"]\n";
    assert_eq!(sum(d1), sum(d2));
}

#[test]
fn an_empty_migration_has_no_operations_key() {
    let f = MigrationFile {
        dependencies: vec!["patients.0001_initial".into()],
        initial: false,
        atomic: true,
        replaces: vec![],
        operations: None,
    };
    let text = f.to_toml(&Schema::default());
    assert!(!text.contains("operations"));
    assert_eq!(parse(&text, "patients").unwrap(), f);
}

fn problem(text: &str) -> FileProblem {
    parse(text, "patients").unwrap_err()
}

#[test]
fn errors_name_the_line_and_operation() {
    // An unclosed array is named where it opens.
    let p = problem("dependencies = [\n");
    assert_eq!(p.line, Some(1), "{p:?}");
    assert!(p.message.contains("unclosed array"), "{p:?}");

    let p = problem("dependencies = []\nmystery = 1\n");
    assert!(p.message.contains("unknown field `mystery`"), "{p:?}");
    assert_eq!(p.line, Some(2));

    let text = "dependencies = []\n\n[[operations]]\nop = \"RemoveField\"\nmodel = \"patients.Patient\"\nfield = \"x\"\n\n[[operations]]\nop = \"AddFeild\"\nmodel = \"patients.Patient\"\n";
    let p = problem(text);
    assert_eq!(p.operation, Some((2, "AddFeild".into())));
    assert_eq!(p.line, Some(9));
    assert!(
        p.message
            .contains("unknown operation `AddFeild` (did you mean `AddField`?)"),
        "{p:?}"
    );

    let text = "dependencies = []\n[[operations]]\nop = \"AddField\"\nmodel = \"patients.Patient\"\nfield = { name = \"x\", type = \"int\" }\n";
    let p = problem(text);
    assert_eq!(p.line, Some(5));
    assert!(
        p.to_string()
            .starts_with("operation 1 (AddField): field `x`: unknown column type `int`"),
        "{p}"
    );

    let text = "dependencies = []\n[[operations]]\nop = \"RemoveField\"\nmodel = \"exams.Monitoreo\"\nfield = \"x\"\n";
    assert!(
        problem(text)
            .message
            .contains("names app `exams`, but this migration belongs to `patients`")
    );

    let text = "dependencies = []\n[[operations]]\nop = \"RemoveField\"\nmodel = \"patients.Patient\"\nfield = \"x\"\ncolour = 1\n";
    let p = problem(text);
    assert!(p.message.contains("unknown key `colour`"), "{p:?}");
    assert_eq!(p.line, Some(6));

    let text = "dependencies = []\n[[operations]]\nop = \"AddField\"\nmodel = \"patients.Patient\"\nfield = { name = \"x\", type = \"integer\", default = \"no\" }\n";
    assert!(problem(text).message.contains("must be an integer"));

    let text = "dependencies = [\"nodot\"]\n";
    assert!(
        problem(text)
            .message
            .contains("`nodot` is not a migration name")
    );
}

#[test]
fn an_explicit_fk_name_is_written_only_when_set_and_read_back() {
    let mut t = ingreso();
    let plain = file(vec![Op::CreateModel { table: t.clone() }]).to_toml(&Schema::default());
    assert!(!plain.contains("fk_name"), "{plain}");

    t.fields[1].references.as_mut().unwrap().name = Some("ingreso_paciente_id_fkey".into());
    let f = file(vec![
        Op::CreateModel { table: t.clone() },
        Op::AlterField {
            model: "patients.Ingreso".into(),
            field: t.fields[1].clone(),
            preserve_default: true,
        },
    ]);
    let text = f.to_toml(&Schema::default());
    assert!(
        text.contains(
            r#"{ name = "paciente_id", type = "bigint", references = "patients.Patient", on_delete = "cascade", fk_name = "ingreso_paciente_id_fkey" }"#
        ),
        "{text}"
    );
    let back = parse(&text, "patients").unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    assert_eq!(back, f);
    assert_eq!(back.to_toml(&Schema::default()), text);
    // The name is part of the meaning: changing it changes the checksum.
    let renamed = text.replace("ingreso_paciente_id_fkey", "ingreso_ibfk_1");
    let s = Schema::default();
    assert_ne!(
        parse(&renamed, "patients").unwrap().checksum(&s),
        back.checksum(&s)
    );
}

/// `on_update` is written only when it is not "no_action" (files of the
/// first release read as before), read back, and part of the checksum.
#[test]
fn on_update_is_written_only_when_set_and_read_back() {
    let mut t = ingreso();
    let plain = file(vec![Op::CreateModel { table: t.clone() }]).to_toml(&Schema::default());
    assert!(!plain.contains("on_update"), "{plain}");
    t.fields[1].references.as_mut().unwrap().on_update = OnDelete::SetNull;
    let f = file(vec![Op::CreateModel { table: t }]);
    let text = f.to_toml(&Schema::default());
    assert!(
        text.contains(
            r#"{ name = "paciente_id", type = "bigint", references = "patients.Patient", on_delete = "cascade", on_update = "set_null" }"#
        ),
        "{text}"
    );
    let back = parse(&text, "patients").unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    assert_eq!(back, f);
    assert_eq!(back.to_toml(&Schema::default()), text);
    let s = Schema::default();
    assert_ne!(
        parse(&text.replace("set_null", "cascade"), "patients")
            .unwrap()
            .checksum(&s),
        back.checksum(&s)
    );
    let bad = text.replace(r#"on_update = "set_null""#, r#"on_update = "sideways""#);
    assert!(
        problem(&bad).message.contains("sideways"),
        "{:?}",
        problem(&bad)
    );
}

/// Collations and character sets: written only when said, read back, part
/// of the checksum; a table's in CreateModel and in AlterModelCharset.
#[test]
fn collations_and_character_sets_are_written_only_when_set_and_read_back() {
    let mut t = ingreso();
    let plain = file(vec![Op::CreateModel { table: t.clone() }]).to_toml(&Schema::default());
    assert!(
        !plain.contains("collation") && !plain.contains("charset"),
        "{plain}"
    );
    t.charset = Some("latin1".into());
    t.fields.push({
        let mut f = Field::new("nota", ColumnType::Varchar(10));
        f.charset = Some("utf8mb3".into());
        f.collation = Some("utf8mb3_bin".into());
        f
    });
    t.fields.push({
        let mut f = Field::new("visto", ColumnType::Timestamp);
        f.on_update_sql = Some("CURRENT_TIMESTAMP".into());
        f
    });
    let f = file(vec![
        Op::CreateModel { table: t },
        Op::AlterModelCharset {
            model: "patients.Ingreso".into(),
            charset: None,
            collation: Some("utf8mb4_bin".into()),
        },
    ]);
    let text = f.to_toml(&Schema::default());
    for said in [
        "table = \"ingreso\"\ncharset = \"latin1\"\n",
        r#"{ name = "nota", type = "varchar(10)", charset = "utf8mb3", collation = "utf8mb3_bin" }"#,
        "op = \"AlterModelCharset\"\nmodel = \"patients.Ingreso\"\ncollation = \"utf8mb4_bin\"\n",
        r#"{ name = "visto", type = "timestamp", on_update_sql = "CURRENT_TIMESTAMP" }"#,
    ] {
        assert!(text.contains(said), "{said} in\n{text}");
    }
    let back = parse(&text, "patients").unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    assert_eq!(back, f);
    assert_eq!(back.to_toml(&Schema::default()), text);
    let s = Schema::default();
    assert_ne!(
        parse(
            &text.replace("utf8mb3_bin", "utf8mb3_general_ci"),
            "patients"
        )
        .unwrap()
        .checksum(&s),
        back.checksum(&s)
    );
    let empty = text.replace(r#"collation = "utf8mb3_bin""#, r#"collation = " ""#);
    assert!(
        problem(&empty).message.contains("`collation` is empty"),
        "{:?}",
        problem(&empty)
    );
}

#[test]
fn fk_name_needs_references_and_a_name() {
    let text = "dependencies = []\n[[operations]]\nop = \"AddField\"\nmodel = \"patients.Patient\"\nfield = { name = \"x\", type = \"integer\", fk_name = \"x_fk\" }\n";
    let p = problem(text);
    assert!(
        p.message.contains(
            "field `x`: `to_field`, `on_delete`, `on_update` and `fk_name` need `references`"
        ),
        "{p:?}"
    );
    let text = "dependencies = []\n[[operations]]\nop = \"AddField\"\nmodel = \"patients.Patient\"\nfield = { name = \"x\", type = \"bigint\", references = \"Other\", fk_name = \" \" }\n";
    assert!(
        problem(text).message.contains("`fk_name` is empty"),
        "{:?}",
        problem(text)
    );
}

/// TOML's dotted keys are the same table as an inline one: `sql.postgres =
/// "…"` reads as `sql = { postgres = "…" }` (an older TOML reader refused
/// dotted keys under spans).
#[test]
fn per_dialect_sql_reads_from_dotted_keys() {
    let text = r#"
[[operations]]
op = "RunSql"
sql.sqlite = "CREATE INDEX a ON t (lower(x))"
sql.postgres = "CREATE INDEX a ON t (lower(x))"
reverse_sql.sqlite = "DROP INDEX a"
reverse_sql.postgres = "DROP INDEX a"
"#;
    let f = parse(text, "shop").expect("dotted keys read");
    let Op::RunSql {
        sql, reverse_sql, ..
    } = &f.ops()[0]
    else {
        panic!("not RunSql: {:?}", f.ops());
    };
    assert_eq!(
        sql.for_dialect("postgres"),
        Some("CREATE INDEX a ON t (lower(x))")
    );
    assert_eq!(sql.for_dialect("mysql"), None);
    assert_eq!(
        reverse_sql.as_ref().and_then(|r| r.for_dialect("sqlite")),
        Some("DROP INDEX a")
    );
}

#[test]
fn key_forms_and_a_key_name_are_written_only_when_set_and_read_back() {
    use remodel_model::Auto;
    let mut t = ingreso();
    let plain = file(vec![Op::CreateModel { table: t.clone() }]).to_toml(&Schema::default());
    assert!(
        plain.contains(r#"{ name = "id", type = "bigint", primary_key = true, auto = true }"#)
            && !plain.contains("pk_name"),
        "{plain}"
    );
    t.fields[0].auto = Auto::RowId;
    t.pk_name = Some("PK_Ingreso".into());
    let mut turno = Field::new("turno", ColumnType::Integer);
    turno.auto = Auto::Sequence;
    let f = file(vec![
        Op::CreateModel { table: t.clone() },
        Op::AddField {
            model: "patients.Ingreso".into(),
            field: turno,
            preserve_default: true,
        },
    ]);
    let text = f.to_toml(&Schema::default());
    for want in [
        r#"{ name = "id", type = "bigint", primary_key = true, auto = "rowid" }"#,
        "pk_name = \"PK_Ingreso\"\n",
        r#"field = { name = "turno", type = "integer", auto = "sequence" }"#,
    ] {
        assert!(text.contains(want), "{want} in\n{text}");
    }
    let back = parse(&text, "patients").unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    assert_eq!(back, f);
    assert_eq!(back.to_toml(&Schema::default()), text);
    // A name equal to the derived one is the derived one.
    let derived = text.replace("PK_Ingreso", "ingreso_id_pkey");
    let back = parse(&derived, "patients").unwrap();
    let Some(ops) = back.operations else {
        panic!("operations")
    };
    let Op::CreateModel { table } = &ops[0] else {
        panic!("{ops:?}")
    };
    assert_eq!(table.pk_name, None);
}

#[test]
fn a_key_form_must_be_one_remodel_knows_on_a_field_that_can_have_it() {
    let field = |f: &str| {
        format!(
            "dependencies = []\n[[operations]]\nop = \"AddField\"\nmodel = \"patients.Patient\"\nfield = {f}\n"
        )
    };
    for (f, want) in [
        (
            r#"{ name = "x", type = "integer", auto = "serial" }"#,
            r#"field `x`: `auto = "serial"` is not a key form ("rowid" or "sequence")"#,
        ),
        (
            r#"{ name = "x", type = "integer", auto = 1 }"#,
            r#"field `x`: `auto` must be true, false, "rowid" or "sequence""#,
        ),
        (
            r#"{ name = "x", type = "text", auto = "sequence" }"#,
            "field `x`: `auto` needs an integer field",
        ),
        (
            r#"{ name = "x", type = "integer", auto = "rowid" }"#,
            "field `x`: `auto = \"rowid\"` needs the primary key",
        ),
    ] {
        let p = problem(&field(f));
        assert!(p.message.contains(want), "{f}: {p:?}");
    }
}

/// Index options: written only when said (a plain index is written as
/// before), a descending part as in the model (`"name DESC"`), read back
/// equal, part of the checksum; bad values name the index.
#[test]
fn index_options_are_written_only_when_set_and_read_back() {
    use remodel_model::{IndexMethod, IndexOptions};
    let mut t = ingreso();
    t.indexes.push(Index {
        name: None,
        fields: vec!["fecha_inicio".into()],
        ..Default::default()
    });
    let plain = file(vec![Op::CreateModel { table: t.clone() }]).to_toml(&Schema::default());
    assert!(
        plain.contains(r#"{ name = "ingreso_fecha_inicio_idx", fields = ["fecha_inicio"] }"#),
        "{plain}"
    );
    t.indexes[0] = Index {
        name: Some("ingreso_lower".into()),
        fields: vec!["fecha_inicio".into()],
        include: vec!["fecha_fin".into()],
        options: IndexOptions {
            expressions: vec!["lower(nota)".into()],
            descending: vec![true, false],
            using: Some(IndexMethod::Gist),
            predicate: Some("fecha_fin IS NULL".into()),
            opclasses: vec!["".into(), "gist_trgm_ops".into()],
            prefix_lengths: vec![],
        },
        ..Default::default()
    };
    let f = file(vec![Op::AddIndex {
        model: "patients.Ingreso".into(),
        index: t.indexes[0].clone(),
    }]);
    let text = f.to_toml(&Schema::default());
    assert!(
        text.contains(
            r#"index = { name = "ingreso_lower", fields = ["fecha_inicio DESC"], expressions = ["lower(nota)"], using = "gist", where = "fecha_fin IS NULL", include = ["fecha_fin"], opclasses = ["", "gist_trgm_ops"] }"#
        ),
        "{text}"
    );
    let back = parse(&text, "patients").unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    assert_eq!(back, f);
    assert_eq!(back.to_toml(&Schema::default()), text);
    let s = Schema::default();
    assert_ne!(
        parse(&text.replace("gist\"", "gin\""), "patients")
            .unwrap()
            .checksum(&s),
        back.checksum(&s)
    );
    for (from, to, said) in [
        (r#"using = "gist""#, r#"using = "rtree""#, "rtree"),
        (
            r#"where = "fecha_fin IS NULL""#,
            r#"where = "fecha_fin IS""#,
            "where",
        ),
        (
            r#"opclasses = ["", "gist_trgm_ops"]"#,
            r#"opclasses = ["", "a", "b"]"#,
            "opclasses",
        ),
    ] {
        let bad = text.replace(from, to);
        let p = problem(&bad);
        assert!(p.message.contains(said), "{said}: {p:?}");
    }
}

/// A generated column: written only when said (`stored` only when true),
/// read back equal, part of the checksum; `stored` alone is refused.
#[test]
fn generated_columns_are_written_only_when_set_and_read_back() {
    let mut t = ingreso();
    let plain = file(vec![Op::CreateModel { table: t.clone() }]).to_toml(&Schema::default());
    assert!(!plain.contains("generated"), "{plain}");
    let mut dias = Field::new("dias", ColumnType::Integer);
    dias.null = true;
    dias.generated = Some(remodel_model::Generated {
        expr: "fecha_fin - fecha_inicio".into(),
        stored: true,
    });
    t.fields.push(dias);
    let f = file(vec![Op::CreateModel { table: t }]);
    let text = f.to_toml(&Schema::default());
    assert!(
        text.contains(
            r#"{ name = "dias", type = "integer", null = true, generated = "fecha_fin - fecha_inicio", stored = true }"#
        ),
        "{text}"
    );
    let back = parse(&text, "patients").unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    assert_eq!(back, f);
    assert_eq!(back.to_toml(&Schema::default()), text);
    let virtual_text = text.replace(", stored = true", "");
    let s = Schema::default();
    assert_ne!(
        parse(&virtual_text, "patients").unwrap().checksum(&s),
        back.checksum(&s)
    );
    let bad = text.replace(r#"generated = "fecha_fin - fecha_inicio", "#, "");
    assert!(
        problem(&bad)
            .message
            .contains("`stored` without `generated`"),
        "{:?}",
        problem(&bad)
    );
}

/// `creates` is written only when given, read back, part of the checksum.
#[test]
fn what_a_run_sql_creates_is_written_only_when_given_and_read_back() {
    let op = |creates: Vec<String>| Op::RunSql {
        sql: SqlText::All("CREATE VIEW v AS SELECT 1".into()),
        reverse_sql: Some(SqlText::All("DROP VIEW v".into())),
        creates,
    };
    let plain = file(vec![op(vec![])]).to_toml(&Schema::default());
    assert!(!plain.contains("creates"), "{plain}");
    let f = file(vec![op(vec!["view v".into(), "trigger t on item".into()])]);
    let text = f.to_toml(&Schema::default());
    assert!(
        text.contains(r#"creates = ["view v", "trigger t on item"]"#),
        "{text}"
    );
    let back = parse(&text, "patients").unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    assert_eq!(back, f);
    let s = Schema::default();
    assert_ne!(
        parse(&plain, "patients").unwrap().checksum(&s),
        back.checksum(&s)
    );
}

#[test]
fn enums_are_written_and_read_back() {
    let mut e = remodel_model::DbEnum::new("patients", "Rating");
    e.type_name = Some("mpaa_rating".into());
    for (name, value) in [("G", "G"), ("Pg13", "PG-13")] {
        e.variants.push(remodel_model::Variant {
            name: name.into(),
            value: value.into(),
        });
    }
    let mut t = Table::new("patients", "Film");
    let mut id = Field::new("id", ColumnType::BigInt);
    id.primary_key = true;
    t.fields.push(id);
    let mut rating = Field::new("rating", ColumnType::Enum("patients.Rating".into()));
    rating.default = Some(ColumnDefault::Value(Literal::Str("G".into())));
    t.fields.push(rating);
    let f = file(vec![
        Op::CreateEnum { db_enum: e.clone() },
        Op::CreateModel { table: t },
        Op::DeleteEnum {
            name: "patients.Old".into(),
        },
    ]);
    let text = f.to_toml(&Schema::default());
    assert!(
        text.contains(
            "op = \"CreateEnum\"\nname = \"Rating\"\ntype_name = \"mpaa_rating\"\nvariants = [\n  { name = \"G\", value = \"G\" },\n  { name = \"Pg13\", value = \"PG-13\" },\n]\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"{ name = "rating", type = "enum(patients.Rating)", default = "G" }"#),
        "{text}"
    );
    assert!(
        text.contains("op = \"DeleteEnum\"\nenum = \"patients.Old\"\n"),
        "{text}"
    );
    let back = parse(&text, "patients").unwrap();
    assert_eq!(back, f);
    assert_eq!(back.to_toml(&Schema::default()), text);

    // A value given twice is an error at the operation.
    let bad = text.replace("value = \"PG-13\"", "value = \"G\"");
    let p = parse(&bad, "patients").unwrap_err();
    assert!(
        p.to_string()
            .contains("enum Rating: variants G and Pg13 have the same value 'G'"),
        "{p}"
    );
}
