use super::*;
use crate::catalog::CatalogIndex;
use crate::default::{ColumnDefault, Literal};
use crate::schema::{Auto, OnDelete};
use crate::types::ColumnType;

fn none(_: &mut Catalog) {}

fn guide() -> Schema {
    let mut s = Schema::default();
    let mut p = Table::new("patients", "Patient");
    let mut id = Field::new("id", ColumnType::BigInt);
    id.primary_key = true;
    id.auto = Auto::Yes;
    p.fields.push(id);
    p.fields
        .push(Field::new("nombre", ColumnType::Varchar(100)));
    let mut doc = Field::new("documento", ColumnType::Varchar(20));
    doc.unique = true;
    doc.comment = Some("national id".into());
    p.fields.push(doc);
    let mut fecha = Field::new("fecha_ingreso", ColumnType::Date);
    fecha.index = true;
    fecha.column = Some("ingreso".into());
    p.fields.push(fecha);
    let mut estado = Field::new("estado", ColumnType::Varchar(20));
    estado.default = Some(ColumnDefault::Value(Literal::Str("ACTIVO".into())));
    p.fields.push(estado);
    p.fields.push(Field::new("edad", ColumnType::Real));
    p.indexes.push(Index {
        name: None,
        fields: vec!["nombre".into(), "estado".into()],
        unique: false,
        concurrently: false,
        ..Default::default()
    });
    p.constraints.push(Constraint::Check {
        name: Some("patient_edad_no_negativa".into()),
        expr: "edad >= 0".into(),
    });
    s.insert(p);
    let mut i = Table::new("patients", "Ingreso");
    let mut id = Field::new("id", ColumnType::BigInt);
    id.primary_key = true;
    id.auto = Auto::Yes;
    i.fields.push(id);
    let mut fk = Field::new("paciente_id", ColumnType::BigInt);
    fk.index = true;
    fk.references = Some(Reference {
        model: "patients.Patient".into(),
        to_field: None,
        on_delete: OnDelete::Cascade,
        on_update: crate::OnDelete::NoAction,
        name: None,
    });
    i.fields.push(fk);
    s.insert(i);
    s
}

#[test]
fn a_database_as_the_guide_says_reads_back_as_the_guide() {
    let g = guide();
    let (s, problems) = adopt(&g.to_catalog(), &g, &none, "misc");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(s, g);
}

#[test]
fn what_the_dialect_folds_keeps_the_guides_spelling() {
    let g = guide();
    let mut live = g.to_catalog();
    live.tables
        .get_mut("patient")
        .unwrap()
        .columns
        .get_mut("edad")
        .unwrap()
        .ty = ColumnType::Double;
    let fold = |c: &mut Catalog| {
        for t in c.tables.values_mut() {
            for col in t.columns.values_mut() {
                if col.ty == ColumnType::Real {
                    col.ty = ColumnType::Double;
                }
            }
        }
    };
    let (s, _) = adopt(&live, &g, &fold, "misc");
    assert_eq!(s, g);
    // Without the fold it is a change of type, read from the database.
    let (s, _) = adopt(&live, &g, &none, "misc");
    let edad = s.table("patients.Patient").unwrap().field("edad").unwrap();
    assert_eq!(edad.ty, ColumnType::Double);
}

#[test]
fn out_of_band_changes_take_the_databases_form() {
    let g = guide();
    let mut live = g.to_catalog();
    let p = live.tables.get_mut("patient").unwrap();
    // A column added by hand, one dropped, a type changed, an index dropped,
    // an index added under a name of its own, a comment changed.
    p.columns.insert(
        "nota".into(),
        CatalogColumn {
            ty: ColumnType::Text,
            null: true,
            default: None,
            comment: None,
            auto: Auto::No,
            collation: None,
            charset: None,
            on_update_sql: None,
            generated: None,
        },
    );
    p.columns.remove("estado");
    p.indexes.retain(|n, _| n != "patient_nombre_estado_idx");
    p.columns.get_mut("nombre").unwrap().ty = ColumnType::Varchar(200);
    p.columns.get_mut("documento").unwrap().comment = Some("DNI".into());
    p.indexes.remove("patient_ingreso_idx");
    p.indexes.insert(
        "hand_made".into(),
        CatalogIndex {
            columns: vec!["ingreso".into()],
            unique: false,
            ..Default::default()
        },
    );
    let (s, problems) = adopt(&live, &g, &none, "misc");
    assert!(problems.is_empty());
    let t = s.table("patients.Patient").unwrap();
    let names: Vec<&str> = t.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        ["id", "nombre", "documento", "fecha_ingreso", "edad", "nota"]
    );
    assert_eq!(t.field("nombre").unwrap().ty, ColumnType::Varchar(200));
    assert_eq!(
        t.field("documento").unwrap().comment.as_deref(),
        Some("DNI")
    );
    assert!(t.field("documento").unwrap().unique);
    let fecha = t.field("fecha_ingreso").unwrap();
    assert!(!fecha.index);
    assert_eq!(
        t.indexes,
        [Index {
            name: Some("hand_made".into()),
            fields: vec!["fecha_ingreso".into()],
            unique: false,
            concurrently: false,
            ..Default::default()
        }]
    );
    let nota = t.field("nota").unwrap();
    assert!(nota.null && nota.column.is_none());
    // The result describes the database exactly.
    assert_eq!(s.to_catalog(), live);
}

#[test]
fn tables_no_model_owns_become_models_of_the_given_app() {
    let g = guide();
    let mut live = g.to_catalog();
    live.tables.remove("ingreso");
    let mut t = CatalogTable::default();
    for (name, ty) in [
        ("id", ColumnType::Integer),
        ("patient_id", ColumnType::BigInt),
        ("Weird Name", ColumnType::Text),
        ("type", ColumnType::Text),
    ] {
        t.columns.insert(
            name.into(),
            CatalogColumn {
                ty,
                null: false,
                default: None,
                comment: None,
                auto: Auto::No,
                collation: None,
                charset: None,
                on_update_sql: None,
                generated: None,
            },
        );
    }
    t.primary_key = vec!["id".into()];
    t.foreign_keys.insert(
        "lab_note_patient_id_fkey".into(),
        crate::catalog::CatalogForeignKey {
            columns: vec!["patient_id".into()],
            ref_table: "patient".into(),
            ref_columns: vec!["id".into()],
            on_delete: OnDelete::NoAction,
            on_update: crate::OnDelete::NoAction,
        },
    );
    t.foreign_keys.insert(
        "lab_note_pair_fk".into(),
        crate::catalog::CatalogForeignKey {
            columns: vec!["id".into(), "patient_id".into()],
            ref_table: "patient".into(),
            ref_columns: vec!["id".into(), "edad".into()],
            on_delete: OnDelete::NoAction,
            on_update: crate::OnDelete::NoAction,
        },
    );
    live.tables.insert("lab_note".into(), t);
    let (s, problems) = adopt(&live, &g, &none, "lab");
    assert!(s.table("patients.Ingreso").is_none(), "dropped by hand");
    let t = s.table("lab.LabNote").expect("a model for the new table");
    assert_eq!(t.table_name(), "lab_note");
    assert!(t.db_table.is_none());
    let names: Vec<&str> = t.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        ["id", "Weird Name", "patient_id", "type"].map(field_name)
    );
    assert_eq!(names, ["id", "weird_name", "patient_id", "type_"]);
    assert_eq!(
        t.field("weird_name").unwrap().column.as_deref(),
        Some("Weird Name")
    );
    assert!(t.field("id").unwrap().primary_key && !t.field("id").unwrap().auto.is_auto());
    let r = t.field("patient_id").unwrap().references.clone().unwrap();
    assert_eq!(r.model, "patients.Patient");
    assert_eq!(r.to_field, None);
    assert_eq!(r.name.as_deref(), Some("lab_note_patient_id_fkey"));
    assert!(!t.field("patient_id").unwrap().index);
    assert_eq!(problems.len(), 1);
    assert!(problems[0].contains("lab_note_pair_fk"), "{problems:?}");
}

#[test]
fn names_for_tables_and_columns() {
    assert_eq!(struct_name("patient_note"), "PatientNote");
    assert_eq!(struct_name("APSCHEDULER_JOBS"), "ApschedulerJobs");
    assert_eq!(struct_name("2fa"), "T2fa");
    // Word breaks are kept whatever the table's case.
    for table in ["InvoiceLine", "invoice_line", "INVOICE_LINE", "invoiceLine"] {
        assert_eq!(struct_name(table), "InvoiceLine", "{table}");
    }
    assert_eq!(struct_name("film_actor"), "FilmActor");
    assert_eq!(struct_name("HTTPRequest"), "HttpRequest");
    assert_eq!(struct_name("order-lines"), "OrderLines");
    assert_eq!(struct_name("ipv4_address"), "Ipv4Address");
    // A snake_case table is the struct's derived table name: no `table = …`.
    for table in ["film_actor", "ipv4_address", "model2", "payment"] {
        assert_eq!(snake_case(&struct_name(table)), table, "{table}");
    }
    assert_eq!(field_name("fechaIngreso"), "fecha_ingreso");
    assert_eq!(field_name("1st"), "f_1st");
    assert_eq!(field_name("self"), "self_");
    assert_eq!(field_name("a-b c"), "a_b_c");
}

#[test]
fn an_auto_increment_key_no_model_can_declare_is_reported() {
    let mut t = CatalogTable {
        primary_key: vec!["id".into()],
        ..Default::default()
    };
    t.columns.insert(
        "id".into(),
        CatalogColumn {
            ty: ColumnType::Raw("float".into()),
            null: false,
            default: None,
            comment: None,
            auto: Auto::Yes,
            collation: None,
            charset: None,
            on_update_sql: None,
            generated: None,
        },
    );
    let mut live = Catalog::default();
    live.tables.insert("legacy".into(), t);
    let (schema, problems) = adopt(&live, &Schema::default(), &none, "shop");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with(
            "legacy: column id is float with auto-increment, which no model can declare"
        ),
        "{}",
        problems[0]
    );
    // As the warning says: the struct has no `auto`.
    let t = schema.tables.values().next().unwrap();
    assert_eq!(t.field("id").unwrap().auto, Auto::No);
}
