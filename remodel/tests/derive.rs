//! `#[derive(Model)]` end to end: what `T::table()` returns for structs
//! compiled by the derive.

// The structs exist to be read by the derive; their fields are never read.
#![allow(dead_code)]

use remodel::Model;
use remodel::model::{ColumnDefault, ColumnType, Constraint, Index, Literal, OnDelete, Reference};

/// Stand-ins for third-party types: the reader recognises types by name.
mod types {
    pub struct Decimal;
    pub struct NaiveDate;
    pub struct NaiveTime;
    pub struct NaiveDateTime;
    pub struct OffsetDateTime;
    pub struct Utc;
    pub struct DateTime<Tz>(pub Tz);
    pub struct Uuid;
    pub struct Value;
    pub struct Point;
}

mod patients {
    use super::types::{Decimal, NaiveDate, Point};
    use remodel::Model;

    /// A person we treat.
    ///
    /// Second paragraph.
    #[derive(Model)]
    #[model(index(fields("apellido", "nombre")))]
    #[model(check(name = "patient_edad_no_negativa", expr = "edad >= 0"))]
    #[model(comment = "patients of the clinic")]
    pub struct Patient {
        #[field(primary_key)]
        pub id: i64,
        /// Given name.
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
        pub fecha_ingreso: NaiveDate,
        #[field(
            renamed_from = "saldo_viejo",
            max_digits = 10,
            decimal_places = 2,
            default = "0.00"
        )]
        pub saldo: Decimal,
        #[field(sql_type = "geometry(Point, 4326)", column = "ubicacion_geo")]
        pub ubicacion: Option<Point>,
        #[field(skip)]
        pub cache: Vec<String>,
    }

    #[derive(Model)]
    pub struct Ingreso {
        #[field(primary_key)]
        pub id: i64,
        #[field(references = "Patient", on_delete = "cascade")]
        pub paciente_id: i64,
        #[field(
            references = "exams.Medico",
            to_field = "codigo",
            on_delete = "set_null",
            index = false
        )]
        pub medico_codigo: Option<String>,
        #[field(references = "Patient", unique, fk_name = "ingreso_unico_fkey")]
        pub unico_id: i64,
        #[field(references = "Cama", on_delete = "set_default", default = 0)]
        pub cama_id: i32,
        pub fecha_inicio: NaiveDate,
        pub fecha_fin: Option<NaiveDate>,
    }

    pub mod nested {
        use remodel::Model;

        #[derive(Model)]
        #[model(
            app = "billing",
            table = "facturas",
            renamed_from = "Bill",
            managed = false
        )]
        pub struct Invoice {
            #[field(primary_key, auto = false)]
            pub number: i64,
        }
    }
}

mod exams {
    use super::types::{DateTime, NaiveDateTime, NaiveTime, OffsetDateTime, Utc, Uuid, Value};
    use remodel::Model;

    #[derive(Model)]
    #[model(primary_key("paciente_id", "fecha"))]
    #[model(unique(name = "monitoreo_unico", fields("paciente_id", "codigo")))]
    #[model(unique(fields("codigo", "hora")))]
    #[model(index(
        name = "monitoreo_lecturas",
        fields("lectura", "fecha"),
        unique,
        concurrently
    ))]
    #[model(check(expr = "lectura  >  0 and lectura < 100"))]
    pub struct Monitoreo {
        pub paciente_id: i64,
        pub fecha: NaiveDateTime,
        pub hora: NaiveTime,
        pub tomado: DateTime<Utc>,
        pub registrado: OffsetDateTime,
        #[field(max_length = 8)]
        pub codigo: String,
        #[field(default = 1)]
        pub lectura: f64,
        pub factor: f32,
        #[field(default = true)]
        pub activo: bool,
        #[field(default = -3)]
        pub nivel: i16,
        pub muestra: Uuid,
        #[field(default = r#"{"a": 1}"#)]
        pub datos: Value,
        pub archivo: Option<Vec<u8>>,
        #[field(default_sql = "CURRENT_TIMESTAMP")]
        pub creado: NaiveDateTime,
    }
}

/// A NOT NULL column whose foreign key sets NULL on delete, as databases
/// made elsewhere have it: the derive accepts it (the scanner warns).
#[derive(Model)]
struct Alta {
    #[field(primary_key)]
    id: i64,
    #[field(references = "patients.Patient", on_delete = "set_null")]
    paciente_id: i64,
}

#[test]
fn set_null_on_a_field_that_is_not_an_option_is_accepted() {
    let def = Alta::table();
    let f = def.table.field("paciente_id").unwrap();
    assert!(!f.null);
    assert_eq!(
        f.references.as_ref().map(|r| r.on_delete),
        Some(OnDelete::SetNull)
    );
}

/// Structs with generic parameters derive too.
#[derive(Model)]
struct Tagged<T: Default> {
    #[field(primary_key)]
    id: i32,
    #[field(skip)]
    tag: T,
}

#[test]
fn the_design_patient_model() {
    let def = patients::Patient::table();
    assert_eq!(def.module_path, "derive::patients");
    assert_eq!(def.app_label, None);
    assert_eq!(def.app(), "patients");
    assert_eq!(
        def.doc.as_deref(),
        Some("A person we treat.\n\nSecond paragraph.")
    );
    assert_eq!(def.renamed_from, None);

    let t = &def.table;
    assert_eq!(t.name, "Patient");
    assert_eq!(t.app, "", "the app is filled in by resolution");
    assert_eq!(t.db_table, None);
    assert_eq!(t.table_name(), "patient");
    assert_eq!(t.comment.as_deref(), Some("patients of the clinic"));
    assert!(t.managed);
    assert_eq!(t.primary_key(), ["id"]);
    assert!(t.composite_primary_key.is_empty());

    let names: Vec<&str> = t.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "id",
            "nombre",
            "apellido",
            "edad",
            "documento",
            "ciudad",
            "estado",
            "fecha_ingreso",
            "saldo",
            "ubicacion"
        ],
        "skip leaves out cache"
    );

    let id = t.field("id").unwrap();
    assert_eq!(id.ty, ColumnType::BigInt);
    assert!(id.primary_key && id.auto.is_auto() && !id.null && !id.unique && !id.index);
    assert_eq!(id.default, None);

    let nombre = t.field("nombre").unwrap();
    assert_eq!(nombre.ty, ColumnType::Varchar(100));
    assert!(!nombre.null && !nombre.primary_key && !nombre.auto.is_auto());

    assert_eq!(t.field("edad").unwrap().ty, ColumnType::Integer);

    let documento = t.field("documento").unwrap();
    assert_eq!(documento.ty, ColumnType::Varchar(20));
    assert!(documento.unique && !documento.index);
    assert_eq!(documento.comment.as_deref(), Some("national id"));

    let ciudad = t.field("ciudad").unwrap();
    assert_eq!(ciudad.ty, ColumnType::Text);
    assert!(ciudad.null);

    assert_eq!(
        t.field("estado").unwrap().default,
        Some(ColumnDefault::Value(Literal::Str("ACTIVO".into())))
    );

    let fecha = t.field("fecha_ingreso").unwrap();
    assert_eq!(fecha.ty, ColumnType::Date);
    assert!(fecha.index && !fecha.unique);

    let saldo = t.field("saldo").unwrap();
    assert_eq!(
        saldo.ty,
        ColumnType::Decimal {
            precision: 10,
            scale: 2
        }
    );
    assert_eq!(
        saldo.default,
        Some(ColumnDefault::Value(Literal::Str("0.00".into())))
    );

    let ubicacion = t.field("ubicacion").unwrap();
    assert_eq!(
        ubicacion.ty,
        ColumnType::Raw("geometry(Point, 4326)".into())
    );
    assert!(ubicacion.null);
    assert_eq!(ubicacion.column.as_deref(), Some("ubicacion_geo"));
    assert_eq!(ubicacion.column_name(), "ubicacion_geo");
    assert_eq!(t.field("nombre").unwrap().column, None);

    assert_eq!(
        t.indexes,
        [Index {
            name: None,
            fields: vec!["apellido".into(), "nombre".into()],
            unique: false,
            concurrently: false,
            ..Default::default()
        }]
    );
    assert_eq!(
        t.index_name(&t.indexes[0]).name,
        "patient_apellido_nombre_idx"
    );
    assert_eq!(
        t.constraints,
        [Constraint::Check {
            name: Some("patient_edad_no_negativa".into()),
            expr: "edad >= 0".into(),
        }]
    );

    assert_eq!(
        def.field_renamed_from.get("saldo").map(String::as_str),
        Some("saldo_viejo")
    );
    assert_eq!(def.field_renamed_from.len(), 1);
    assert_eq!(
        def.field_docs.get("nombre").map(String::as_str),
        Some("Given name.")
    );
    assert_eq!(def.field_docs.len(), 1);
}

#[test]
fn references_are_kept_as_written() {
    let def = patients::Ingreso::table();
    assert_eq!(def.module_path, "derive::patients");
    assert_eq!(def.app(), "patients");
    assert_eq!(def.doc, None);
    let t = &def.table;
    assert_eq!(t.table_name(), "ingreso");

    let paciente = t.field("paciente_id").unwrap();
    assert_eq!(
        paciente.references,
        Some(Reference {
            model: "Patient".into(),
            to_field: None,
            on_delete: OnDelete::Cascade,
            on_update: remodel_model::OnDelete::NoAction,
            name: None,
        })
    );
    assert!(paciente.index, "a reference is indexed by default");
    assert_eq!(paciente.ty, ColumnType::BigInt);

    let medico = t.field("medico_codigo").unwrap();
    assert_eq!(
        medico.references,
        Some(Reference {
            model: "exams.Medico".into(),
            to_field: Some("codigo".into()),
            on_delete: OnDelete::SetNull,
            on_update: remodel_model::OnDelete::NoAction,
            name: None,
        })
    );
    assert!(medico.null && !medico.index, "index = false");

    let unico = t.field("unico_id").unwrap();
    assert_eq!(
        unico.references,
        Some(Reference {
            model: "Patient".into(),
            to_field: None,
            on_delete: OnDelete::NoAction,
            on_update: remodel_model::OnDelete::NoAction,
            name: Some("ingreso_unico_fkey".into()),
        })
    );
    assert_eq!(
        t.field_fk_name(unico).as_deref(),
        Some("ingreso_unico_fkey")
    );
    assert_eq!(
        t.field_fk_name(paciente).as_deref(),
        Some("ingreso_paciente_id_fk")
    );
    assert!(unico.unique && !unico.index, "unique already indexes");

    let cama = t.field("cama_id").unwrap();
    assert_eq!(
        cama.references.as_ref().unwrap().on_delete,
        OnDelete::SetDefault
    );
    assert_eq!(cama.default, Some(ColumnDefault::Value(Literal::Int(0))));

    let fin = t.field("fecha_fin").unwrap();
    assert!(fin.null && fin.references.is_none());
}

#[test]
fn model_level_options() {
    let def = patients::nested::Invoice::table();
    assert_eq!(def.module_path, "derive::patients::nested");
    assert_eq!(def.app_label.as_deref(), Some("billing"));
    assert_eq!(def.app(), "billing");
    assert_eq!(def.renamed_from.as_deref(), Some("Bill"));
    let t = &def.table;
    assert_eq!(t.name, "Invoice");
    assert_eq!(t.db_table.as_deref(), Some("facturas"));
    assert_eq!(t.table_name(), "facturas");
    assert!(!t.managed);
    let number = t.field("number").unwrap();
    assert!(number.primary_key && !number.auto.is_auto(), "auto = false");
}

#[test]
fn every_normative_type_and_composite_keys() {
    let def = exams::Monitoreo::table();
    assert_eq!(def.module_path, "derive::exams");
    assert_eq!(def.app(), "exams");
    let t = &def.table;
    assert_eq!(t.table_name(), "monitoreo");

    let ty = |name: &str| t.field(name).unwrap().ty.clone();
    assert_eq!(ty("paciente_id"), ColumnType::BigInt);
    assert_eq!(ty("fecha"), ColumnType::Timestamp);
    assert_eq!(ty("hora"), ColumnType::Time);
    assert_eq!(ty("tomado"), ColumnType::TimestampTz);
    assert_eq!(ty("registrado"), ColumnType::TimestampTz);
    assert_eq!(ty("codigo"), ColumnType::Varchar(8));
    assert_eq!(ty("lectura"), ColumnType::Double);
    assert_eq!(ty("factor"), ColumnType::Real);
    assert_eq!(ty("activo"), ColumnType::Boolean);
    assert_eq!(ty("nivel"), ColumnType::SmallInt);
    assert_eq!(ty("muestra"), ColumnType::Uuid);
    assert_eq!(ty("datos"), ColumnType::Json);
    assert_eq!(ty("archivo"), ColumnType::Blob);
    assert!(t.field("archivo").unwrap().null);

    assert_eq!(t.primary_key(), ["paciente_id", "fecha"]);
    assert_eq!(t.composite_primary_key, ["paciente_id", "fecha"]);
    let pk = t.field("paciente_id").unwrap();
    assert!(
        !pk.primary_key && !pk.auto.is_auto(),
        "a composite key is on the model, and does not auto-increment"
    );

    let default = |name: &str| t.field(name).unwrap().default.clone();
    assert_eq!(
        default("lectura"),
        Some(ColumnDefault::Value(Literal::Float(1.0))),
        "an integer default on a float column becomes a float"
    );
    assert_eq!(
        default("activo"),
        Some(ColumnDefault::Value(Literal::Bool(true)))
    );
    assert_eq!(
        default("nivel"),
        Some(ColumnDefault::Value(Literal::Int(-3)))
    );
    assert_eq!(
        default("datos"),
        Some(ColumnDefault::Value(Literal::Str(r#"{"a": 1}"#.into())))
    );
    assert_eq!(
        default("creado"),
        Some(ColumnDefault::Sql("CURRENT_TIMESTAMP".into()))
    );

    assert_eq!(
        t.indexes,
        [Index {
            name: Some("monitoreo_lecturas".into()),
            fields: vec!["lectura".into(), "fecha".into()],
            unique: true,
            concurrently: true,
            ..Default::default()
        }]
    );
    assert_eq!(
        t.constraints,
        [
            Constraint::Unique {
                name: Some("monitoreo_unico".into()),
                fields: vec!["paciente_id".into(), "codigo".into()],
            },
            Constraint::Unique {
                name: None,
                fields: vec!["codigo".into(), "hora".into()],
            },
            Constraint::Check {
                name: None,
                expr: "lectura > 0 AND lectura < 100".into(),
            },
        ]
    );
}

#[test]
fn generic_structs_and_the_crate_root() {
    let def = Tagged::<String>::table();
    assert_eq!(def.module_path, "derive");
    assert_eq!(
        def.app(),
        "derive",
        "structs at the crate root use the crate name"
    );
    assert_eq!(def.table.table_name(), "tagged");
    assert_eq!(def.table.fields.len(), 1);
    assert_eq!(def.table.field("id").unwrap().ty, ColumnType::Integer);
    assert!(def.table.field("id").unwrap().auto.is_auto());
}

#[test]
fn table_is_callable_through_the_trait() {
    fn table_of<M: Model>() -> remodel::TableDef {
        M::table()
    }
    assert_eq!(table_of::<patients::Patient>(), patients::Patient::table());
}
