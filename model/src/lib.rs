//! remodel's schema model.
//!
//! [`Schema`] is what a set of models — or a replayed migration history —
//! describes: tables keyed by `app.Model`, their fields, indexes and
//! constraints. It is pure data with no I/O. With the `reader` feature this
//! crate also holds the one reader of `#[derive(Model)]` items ([`reader`]),
//! used by both the derive macro and the CLI's source scanner, and
//! [`resolve()`], which turns the structs of a project into a [`Schema`].

pub mod adoption;
pub mod catalog;
pub mod created;
pub mod db_enum;
pub mod def;
pub mod default;
pub mod expr;
pub mod index;
pub mod names;
pub mod partition;
#[cfg(feature = "reader")]
pub mod reader;
pub mod resolve;
pub mod restate;
pub mod schema;
pub mod types;

pub use db_enum::{DbEnum, Variant};
pub use def::{EnumDef, Model, TableDef, app_from_module_path};
pub use default::{ColumnDefault, Literal};
pub use index::{IndexMethod, IndexOptions};
pub use resolve::{ResolveError, ResolveOptions, resolve};
pub use schema::{
    Auto, Constraint, Field, Generated, Index, NamedObject, OnDelete, Reference, Schema, Table,
    model_key, split_key,
};
pub use types::ColumnType;
