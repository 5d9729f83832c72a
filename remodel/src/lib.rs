//! Database migrations generated from Rust structs.
//!
//! This is the crate an application depends on. It gives you
//! `#[derive(Model)]`, which describes a table with a plain struct, and the
//! [`Model`] trait it implements. The `remodel` command-line tool reads the
//! same structs from your sources, compares them with your migration history,
//! and writes the migrations (`remodel makemigrations`, `remodel migrate`).
//!
//! ```
//! use remodel::Model;
//!
//! /// A patient of the clinic.
//! #[derive(Model)]
//! #[model(index(fields("apellido", "nombre")))]
//! #[model(check(name = "patient_edad_no_negativa", expr = "edad >= 0"))]
//! pub struct Patient {
//!     #[field(primary_key)]               // integer key: auto-increment
//!     pub id: i64,
//!     #[field(max_length = 100)]
//!     pub nombre: String,                 // VARCHAR(100) NOT NULL
//!     #[field(max_length = 100)]
//!     pub apellido: String,
//!     pub edad: i32,
//!     #[field(unique, max_length = 20, comment = "national id")]
//!     pub documento: String,
//!     pub ciudad: Option<String>,         // NULL allowed; TEXT
//!     #[field(default = "ACTIVO", max_length = 20)]
//!     pub estado: String,
//!     #[field(skip)]
//!     pub cache: Vec<String>,             // not a column
//! }
//!
//! let def = Patient::table();
//! assert_eq!(def.table.table_name(), "patient");
//! assert_eq!(def.table.primary_key(), ["id"]);
//! assert!(def.table.field("ciudad").unwrap().null);
//! assert!(def.table.field("cache").is_none());
//! ```
//!
//! Field options go in `#[field(...)]`: `primary_key`, `auto = false`,
//! `unique`, `index`, `skip`, `max_length`, `max_digits` and
//! `decimal_places` (for `rust_decimal::Decimal`), `default = <literal>`,
//! `default_sql = "…"`, `column`, `comment`, `references = "Model"` or
//! `"app.Model"` with `to_field`, `on_delete` and `fk_name` (the foreign key
//! constraint's name, when it is not `<table>_<column>_fk`), `sql_type` for
//! any other type, and `renamed_from`. Model options go in `#[model(...)]`: `app`,
//! `table`, `comment`, `managed = false`, `renamed_from`,
//! `index(name = …, fields(…), unique, concurrently)`,
//! `unique(name = …, fields(…))`, `check(name = …, expr = "…")` and
//! `primary_key("a", "b")`.
//!
//! Mistakes in these attributes are compile errors pointing at the attribute.
//! Checks that need the whole project (a reference naming a model that does
//! not exist, two models on one table) are made by the `remodel` tool.

// The derive names `::remodel::…`; this lets it work inside this crate too.
extern crate self as remodel;

/// `#[derive(Model)]`: implements [`Model`](trait@Model) for a struct.
pub use remodel_derive::Model;
pub use remodel_model::{Model, TableDef};

mod db_enum;
#[cfg(feature = "sqlx")]
#[doc(hidden)]
pub use db_enum::__sqlx;
pub use db_enum::{DbEnum, UnknownValue};
/// `#[derive(DbEnum)]`: implements [`DbEnum`](trait@DbEnum), `Display` and
/// `FromStr` for an enum of unit variants stored as a column.
pub use remodel_derive::DbEnum;

/// The schema model: tables, fields, column types, indexes and constraints
/// (the types [`TableDef`] is made of).
pub use remodel_model as model;

pub mod migrator;
#[cfg(feature = "_runtime")]
pub use migrator::{Applied, MigrateError, Pool};
pub use migrator::{EmbeddedMigration, Migrator};
/// `embed_migrations!()`: the project's migration files, embedded in the
/// binary as a [`Migrator`] (see [`migrator`]).
pub use remodel_derive::embed_migrations;
