use super::*;
use crate::default::Literal;
use crate::schema::Auto;

fn read(src: &str) -> Result<TableDef, Vec<ReadError>> {
    let input: DeriveInput = syn::parse_str(src).expect("test source parses");
    read_model(&input)
}

fn errors(src: &str) -> Vec<String> {
    match read(src) {
        Ok(_) => panic!("expected errors"),
        Err(e) => e.into_iter().map(|e| e.message).collect(),
    }
}

#[test]
fn reads_the_design_patient_model() {
    let def = read(
        r#"
        /// A person we treat.
        #[model(index(fields("apellido", "nombre")))]
        #[model(check(name = "patient_edad_no_negativa", expr = "edad >= 0"))]
        pub struct Patient {
            #[field(primary_key)]
            pub id: i64,
            #[field(max_length = 100)]
            pub nombre: String,
            #[field(max_length = 100)]
            pub apellido: String,
            pub edad: i32,
            #[field(unique, max_length = 20, comment = "national id")]
            pub documento: String,
            pub ciudad: Option<String>,
            #[field(default = "ACTIVO", max_length = 20)]
            pub estado: String,
            #[field(index)]
            pub fecha_ingreso: chrono::NaiveDate,
            #[field(skip)]
            pub cache: Vec<String>,
        }"#,
    )
    .unwrap();
    let t = &def.table;
    assert_eq!(t.name, "Patient");
    assert_eq!(t.table_name(), "patient");
    assert_eq!(t.fields.len(), 8, "skip leaves out cache");
    let id = t.field("id").unwrap();
    assert!(id.primary_key && id.auto.is_auto());
    assert_eq!(id.ty, ColumnType::BigInt);
    assert_eq!(t.field("nombre").unwrap().ty, ColumnType::Varchar(100));
    assert_eq!(t.field("ciudad").unwrap().ty, ColumnType::Text);
    assert!(t.field("ciudad").unwrap().null);
    let doc = t.field("documento").unwrap();
    assert!(doc.unique && !doc.index);
    assert_eq!(doc.comment.as_deref(), Some("national id"));
    assert_eq!(
        t.field("estado").unwrap().default,
        Some(ColumnDefault::Value(Literal::Str("ACTIVO".into())))
    );
    assert!(t.field("fecha_ingreso").unwrap().index);
    assert_eq!(t.indexes.len(), 1);
    assert_eq!(
        t.index_name(&t.indexes[0]).name,
        "patient_apellido_nombre_idx"
    );
    assert_eq!(
        t.constraints,
        vec![Constraint::Check {
            name: Some("patient_edad_no_negativa".into()),
            expr: "edad >= 0".into()
        }]
    );
    assert_eq!(def.doc.as_deref(), Some("A person we treat."));
}

#[test]
fn on_update_is_read_and_checked_like_on_delete() {
    let def = read(
        r#"struct Ingreso {
            #[field(primary_key)] id: i64,
            #[field(references = "Patient", on_update = "cascade")] paciente_id: i64,
            #[field(references = "Patient")] medico_id: i64,
        }"#,
    )
    .unwrap();
    let r = |f: &str| def.table.field(f).unwrap().references.clone().unwrap();
    assert_eq!(r("paciente_id").on_update, OnDelete::Cascade);
    assert_eq!(r("paciente_id").on_delete, OnDelete::NoAction);
    assert_eq!(r("medico_id").on_update, OnDelete::NoAction);
    let errs = errors(
        "struct A { #[field(primary_key)] id: i64, #[field(references = \"B\", on_update = \"sideways\")] x: i64 }",
    );
    assert!(errs[0].contains("sideways"), "{errs:?}");
    let errs = errors(
        "struct A { #[field(primary_key)] id: i64, #[field(references = \"B\", on_update = \"set_default\")] x: i64 }",
    );
    assert!(
        errs[0].contains("on_update = \"set_default\" needs a default on field `x`"),
        "{errs:?}"
    );
}

#[test]
fn on_update_sql_is_read_for_timestamps_only() {
    let def = read(
        r#"struct Nota {
            #[field(primary_key)] id: i64,
            #[field(default_sql = "CURRENT_TIMESTAMP", on_update_sql = "CURRENT_TIMESTAMP")] t: chrono::NaiveDateTime,
        }"#,
    )
    .unwrap();
    assert_eq!(
        def.table.field("t").unwrap().on_update_sql.as_deref(),
        Some("CURRENT_TIMESTAMP")
    );
    let errs = errors(
        "struct A { #[field(primary_key)] id: i64, #[field(on_update_sql = \"CURRENT_TIMESTAMP\")] n: i32 }",
    );
    assert!(
        errs[0].contains(
            "`on_update_sql` does not apply to field `n`: it is only for timestamp fields"
        ),
        "{errs:?}"
    );
}

#[test]
fn collations_and_character_sets_are_read() {
    let def = read(
        r#"#[model(charset = "latin1", collation = "latin1_bin")]
        struct Nota {
            #[field(primary_key)] id: i64,
            #[field(max_length = 10, collation = "NOCASE")] a: String,
            #[field(charset = "ascii")] b: Option<String>,
            #[field(sql_type = "CHAR(2)", collation = "C")] c: String,
        }"#,
    )
    .unwrap();
    let t = &def.table;
    assert_eq!(
        (t.charset.as_deref(), t.collation.as_deref()),
        (Some("latin1"), Some("latin1_bin"))
    );
    let f = |n: &str| {
        let f = t.field(n).unwrap();
        (f.charset.as_deref(), f.collation.as_deref())
    };
    assert_eq!(f("a"), (None, Some("NOCASE")));
    assert_eq!(f("b"), (Some("ascii"), None));
    assert_eq!(f("c"), (None, Some("C")));
    let errs =
        errors("struct A { #[field(primary_key)] id: i64, #[field(collation = \"C\")] n: i32 }");
    assert!(
        errs[0].contains("`collation` does not apply to field `n`: it is only for String fields"),
        "{errs:?}"
    );
    let errs = errors("#[model(charset = \"\")] struct A { #[field(primary_key)] id: i64 }");
    assert!(errs[0].contains("`charset` is empty"), "{errs:?}");
}

#[test]
fn references_get_an_index_unless_told_otherwise() {
    let def = read(
        r#"struct Ingreso {
            #[field(primary_key)] id: i64,
            #[field(references = "Patient", on_delete = "cascade")] paciente_id: i64,
            #[field(references = "Patient", index = false)] medico_id: Option<i64>,
            #[field(references = "patients.Patient", unique)] unico_id: i64,
        }"#,
    )
    .unwrap();
    let t = &def.table;
    let p = t.field("paciente_id").unwrap();
    assert!(p.index);
    assert_eq!(p.references.as_ref().unwrap().on_delete, OnDelete::Cascade);
    assert!(!t.field("medico_id").unwrap().index);
    assert!(
        !t.field("unico_id").unwrap().index,
        "unique already indexes"
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let errs = errors(
        r#"struct Bad {
            #[field(primary_key)] id: i64,
            #[field(maxlen = 3)] a: String,
            b: u128,
            #[field(max_length = 3)] c: i32,
        }"#,
    );
    assert_eq!(errs.len(), 3, "{errs:?}");
    assert!(errs[0].contains("unknown attribute `maxlen` in #[field(...)]"));
    assert!(errs[1].contains("field `b` has type `u128`"));
    assert!(errs[2].contains("`max_length` does not apply to field `c`"));
}

#[test]
fn unknown_attributes_suggest_the_closest_key() {
    let err =
        read("struct A { #[field(primary_key)] id: i64, #[field(max_lenght = 3)] a: String }")
            .unwrap_err();
    assert_eq!(err[0].help.as_deref(), Some("did you mean `max_length`?"));
}

#[test]
fn primary_key_rules() {
    let errs = errors("struct A { a: i64 }");
    assert!(errs[0].contains("has no primary key"));
    let err = read("struct A { #[field(primary_key)] a: i64, #[field(primary_key)] b: i64 }")
        .unwrap_err();
    assert!(err[0].message.contains("second primary key field"));
    assert!(
        err[0]
            .help
            .as_ref()
            .unwrap()
            .contains(r#"#[model(primary_key("a", "b"))]"#)
    );
    let def = read(r#"#[model(primary_key("a", "b"))] struct A { a: i64, b: i32 }"#).unwrap();
    assert_eq!(def.table.primary_key(), vec!["a", "b"]);
    assert!(
        !def.table.field("a").unwrap().auto.is_auto(),
        "composite keys do not auto-increment"
    );
    let def = read("struct A { #[field(primary_key, auto = false)] id: i64 }").unwrap();
    assert!(!def.table.field("id").unwrap().auto.is_auto());
    let errs = errors("struct A { #[field(primary_key, auto)] id: String }");
    assert!(errs[0].contains("only integer primary keys auto-increment"));
}

#[test]
fn decimals_need_both_attributes() {
    let errs =
        errors("struct A { #[field(primary_key)] id: i64, #[field(max_digits = 5)] d: Decimal }");
    assert!(
        errs[0].contains("Decimal field `d` needs `decimal_places`"),
        "{errs:?}"
    );
    let errs = errors("struct A { #[field(primary_key)] id: i64, d: rust_decimal::Decimal }");
    assert!(errs[0].contains("needs `max_digits`"), "{errs:?}");
    let def = read(
        "struct A { #[field(primary_key)] id: i64, #[field(max_digits = 5, decimal_places = 2, default = 1.5)] d: Decimal }",
    )
    .unwrap();
    assert_eq!(
        def.table.field("d").unwrap().ty,
        ColumnType::Decimal {
            precision: 5,
            scale: 2
        }
    );
    assert_eq!(
        def.table.field("d").unwrap().default,
        Some(ColumnDefault::Value(Literal::Str("1.5".into())))
    );
}

#[test]
fn defaults_are_checked_against_the_type() {
    let errs =
        errors("struct A { #[field(primary_key)] id: i64, #[field(default = \"x\")] n: i32 }");
    assert!(errs[0].contains("must be an integer"), "{errs:?}");
    let def =
        read("struct A { #[field(primary_key)] id: i64, #[field(default = -1)] n: i32 }").unwrap();
    assert_eq!(
        def.table.field("n").unwrap().default,
        Some(ColumnDefault::Value(Literal::Int(-1)))
    );
    let def = read(
        "struct A { #[field(primary_key)] id: i64, #[field(default_sql = \"current_timestamp\")] t: NaiveDateTime }",
    )
    .unwrap();
    assert_eq!(
        def.table.field("t").unwrap().default,
        Some(ColumnDefault::Sql("current_timestamp".into()))
    );
}

#[test]
fn model_level_items_must_name_fields_and_columns() {
    let errs = errors(
        r#"#[model(index(fields("nombre", "nope")), check(expr = "edad >= 0 AND x > 1"))]
        struct A { #[field(primary_key)] id: i64, nombre: String, edad: i32 }"#,
    );
    assert!(errs[0].contains("index names `nope`"), "{errs:?}");
    assert!(errs[1].contains("refers to `x`"), "{errs:?}");
    let errs = errors(
        r#"#[model(check(expr = "edad >="))] struct A { #[field(primary_key)] id: i64, edad: i32 }"#,
    );
    assert!(errs[0].contains("not valid SQL"), "{errs:?}");
}

#[test]
fn explicit_names_equal_to_derived_ones_are_stored_as_derived() {
    let def = read(
        r#"#[model(index(name = "a_nombre_idx", fields("nombre")))]
        struct A { #[field(primary_key)] id: i64, nombre: String }"#,
    )
    .unwrap();
    assert_eq!(def.table.indexes[0].name, None);
}

#[test]
fn options_and_attributes_that_do_not_apply() {
    let errs = errors("struct A { #[field(primary_key)] id: Option<i64> }");
    assert!(errs[0].contains("cannot be an Option"));
    let errs = errors(
        "struct A { #[field(primary_key)] id: i64, #[field(on_delete = \"cascade\")] x: i64 }",
    );
    assert!(errs[0].contains("`on_delete` does not apply"), "{errs:?}");
    let errs = errors(
        "struct A { #[field(primary_key)] id: i64, #[field(on_update = \"cascade\")] x: i64 }",
    );
    assert!(errs[0].contains("`on_update` does not apply"), "{errs:?}");
    let errs = errors("struct A { #[field(primary_key)] id: i64, #[field(skip, unique)] x: i64 }");
    assert!(errs[0].contains("no effect on a skipped field"), "{errs:?}");
    let errs = errors("enum A { X }");
    assert!(errs[0].contains("only be derived for structs"));
}

#[test]
fn sql_type_covers_any_type() {
    let def = read(
        r#"struct A { #[field(primary_key)] id: i64, #[field(sql_type = "geometry(Point, 4326)")] g: Vec<f64> }"#,
    )
    .unwrap();
    assert_eq!(
        def.table.field("g").unwrap().ty,
        ColumnType::Raw("geometry(Point, 4326)".into())
    );
}

#[test]
fn renamed_from_hints_are_kept() {
    let def = read(
        r#"#[model(renamed_from = "Old")] struct A { #[field(primary_key)] id: i64, #[field(renamed_from = "usu")] uso: i32 }"#,
    )
    .unwrap();
    assert_eq!(def.renamed_from.as_deref(), Some("Old"));
    assert_eq!(
        def.field_renamed_from.get("uso").map(String::as_str),
        Some("usu")
    );
}

#[test]
fn fk_name_gives_the_foreign_key_its_name() {
    let def = read(
        r#"#[model(table = "exam")]
        struct Exam {
            #[field(primary_key)] id: i64,
            #[field(references = "Patient", fk_name = "exam_patient_id_fkey")] patient_id: i64,
            #[field(references = "Patient", fk_name = "exam_other_id_fk")] other_id: i64,
            #[field(references = "Patient")] third_id: i64,
        }"#,
    )
    .unwrap();
    let t = &def.table;
    let p = t.field("patient_id").unwrap();
    assert_eq!(
        p.references.as_ref().unwrap().name.as_deref(),
        Some("exam_patient_id_fkey")
    );
    assert_eq!(t.field_fk_name(p).as_deref(), Some("exam_patient_id_fkey"));
    let other = t.field("other_id").unwrap();
    assert_eq!(
        other.references.as_ref().unwrap().name,
        None,
        "a name equal to the derived one is stored as derived"
    );
    assert_eq!(t.field_fk_name(other).as_deref(), Some("exam_other_id_fk"));
    let third = t.field("third_id").unwrap();
    assert_eq!(t.field_fk_name(third).as_deref(), Some("exam_third_id_fk"));
}

#[test]
fn fk_name_without_references_does_not_apply() {
    let err = read(
        r#"struct A { #[field(primary_key)] id: i64, #[field(fk_name = "a_x_fkey")] x: i64 }"#,
    )
    .unwrap_err();
    assert_eq!(err.len(), 1, "{err:?}");
    assert_eq!(
        err[0].message,
        "`fk_name` does not apply to field `x`: it has no `references`"
    );
    let errs = errors(
        r#"struct A { #[field(primary_key)] id: i64, #[field(references = "B", fk_name = "")] x: i64 }"#,
    );
    assert_eq!(errs, vec!["`fk_name` is empty".to_string()]);
    let errs = errors(&format!(
        r#"struct A {{ #[field(primary_key)] id: i64, #[field(references = "B", fk_name = "{}")] x: i64 }}"#,
        "n".repeat(64)
    ));
    assert!(errs[0].contains("longer than 63 bytes"), "{errs:?}");
}

#[test]
fn fk_names_clash_with_other_names_of_the_struct() {
    let src = r#"#[model(index(name = "dup", fields("nombre")))]
        struct A {
            #[field(primary_key)] id: i64,
            nombre: String,
            #[field(references = "B", fk_name = "dup")] x: i64,
        }"#;
    let err = read(src).unwrap_err();
    assert_eq!(err.len(), 1, "{err:?}");
    assert!(
        err[0].message.contains(
            "`A` has two objects named `dup`: foreign key of field x and index on nombre"
        ),
        "{err:?}"
    );
}

#[test]
fn key_forms_and_the_key_name() {
    let def = read(
        r#"#[model(pk_name = "PK_Album")]
        struct Album {
            #[field(primary_key, auto = "rowid")] id: i64,
            #[field(auto = "sequence")] turno: i32,
        }"#,
    )
    .unwrap();
    let t = &def.table;
    assert_eq!(t.field("id").unwrap().auto, Auto::RowId);
    assert_eq!(t.field("turno").unwrap().auto, Auto::Sequence);
    assert_eq!(t.pk_name.as_deref(), Some("PK_Album"));
    assert_eq!(t.primary_key_name(), "PK_Album");
    // The derived name written out is the derived name: it follows renames.
    let def = read(
        r#"#[model(pk_name = "album_id_pkey")] struct Album { #[field(primary_key)] id: i64 }"#,
    )
    .unwrap();
    assert_eq!(def.table.pk_name, None);
    for (src, want) in [
        (
            r#"struct A { #[field(primary_key, auto = "serial")] id: i64 }"#,
            "`auto` takes true or false, or a key form",
        ),
        (
            r#"struct A { #[field(primary_key)] id: i64, #[field(auto = "rowid")] n: i64 }"#,
            "`auto = \"rowid\"` does not apply to field `n`: it is not the primary key",
        ),
        (
            r#"struct A { #[field(primary_key)] id: i64, #[field(auto = false)] n: i64 }"#,
            "`auto = false` does not apply to field `n`",
        ),
        (
            r#"struct A { #[field(primary_key)] id: i64, #[field(auto = "sequence")] n: Option<i64> }"#,
            "`auto` field `n` cannot be an Option",
        ),
        (
            r#"struct A { #[field(primary_key)] id: i64, #[field(auto = "sequence")] n: String }"#,
            "only integer fields auto-increment",
        ),
        (
            r#"#[model(pk_name = " ")] struct A { #[field(primary_key)] id: i64 }"#,
            "`pk_name` is empty",
        ),
    ] {
        let errs = errors(src);
        assert!(errs.iter().any(|e| e.contains(want)), "{src}: {errs:?}");
    }
}

#[test]
fn set_null_on_a_field_that_is_not_an_option_reads_as_written() {
    // As databases made elsewhere have it; the scanner warns about it.
    let def = read(
        "struct A { #[field(primary_key)] id: i64, #[field(references = \"B\", on_delete = \"set_null\")] x: i64 }",
    )
    .unwrap();
    let x = def.table.field("x").unwrap();
    assert!(!x.null);
    assert_eq!(
        x.references.as_ref().map(|r| r.on_delete),
        Some(crate::schema::OnDelete::SetNull)
    );
}
