//! What one `#[derive(Model)]` struct says, before references are resolved
//! across the project.

use crate::schema::Table;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Implemented by `#[derive(Model)]`: the table a struct describes.
pub trait Model {
    /// The struct's table definition (references as written, not yet resolved).
    fn table() -> TableDef;
}

/// One model as its struct declares it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableDef {
    /// The module path of the struct, crate name first (`clinic::patients::models`).
    pub module_path: String,
    /// `#[model(app = "…")]`, if given.
    pub app_label: Option<String>,
    /// The table. Its `app` is empty and references are as written until
    /// [`crate::resolve()`] fills them in.
    pub table: Table,
    /// `#[model(renamed_from = "…")]`.
    pub renamed_from: Option<String>,
    /// The struct's doc comment.
    pub doc: Option<String>,
    /// `renamed_from` per field name.
    pub field_renamed_from: BTreeMap<String, String>,
    /// Doc comments per field name.
    pub field_docs: BTreeMap<String, String>,
}

impl TableDef {
    /// The app label: `#[model(app)]`, else the first module segment after the
    /// crate name, else the crate name (DESIGN §1).
    pub fn app(&self) -> String {
        if let Some(app) = &self.app_label {
            return app.clone();
        }
        app_from_module_path(&self.module_path)
    }

    /// Rebuilds a definition that the derive macro embedded, with the module
    /// path known only where the struct is compiled.
    ///
    /// The text is produced by the derive itself, so a failure is a bug in
    /// remodel, not a user error.
    #[doc(hidden)]
    pub fn from_embedded(json: &str, module_path: &str) -> TableDef {
        let mut def: TableDef = serde_json::from_str(json)
            .unwrap_or_else(|e| panic!("remodel: corrupt embedded model definition: {e}"));
        def.module_path = module_path.to_string();
        def
    }

    /// The text the derive macro embeds.
    #[doc(hidden)]
    pub fn to_embedded(&self) -> String {
        serde_json::to_string(self).expect("a TableDef always serializes")
    }
}

/// One `#[derive(DbEnum)]` enum as its source declares it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnumDef {
    /// The module path of the enum, crate name first.
    pub module_path: String,
    /// `#[db_enum(app = "…")]`, if given.
    pub app_label: Option<String>,
    /// The enum; its `app` is empty until [`crate::resolve()`] fills it in.
    pub db_enum: crate::DbEnum,
    /// `renamed_from` per variant name.
    pub renamed_from: BTreeMap<String, String>,
}

impl EnumDef {
    /// The app label, as a model's: `#[db_enum(app)]`, else from the module
    /// path.
    pub fn app(&self) -> String {
        self.app_label
            .clone()
            .unwrap_or_else(|| app_from_module_path(&self.module_path))
    }
}

/// The app label for a module path (`clinic::patients::models` → `patients`;
/// `clinic` → `clinic`; `my-crate` → `my_crate`).
pub fn app_from_module_path(module_path: &str) -> String {
    let mut segments = module_path.split("::");
    let krate = segments.next().unwrap_or_default();
    match segments.next() {
        // `r#type` is the module `type`.
        Some(first) if !first.is_empty() => first.trim_start_matches("r#").to_string(),
        _ => krate.replace('-', "_"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_labels_come_from_the_first_module_segment() {
        assert_eq!(app_from_module_path("clinic::patients::models"), "patients");
        assert_eq!(app_from_module_path("clinic::exams"), "exams");
        assert_eq!(app_from_module_path("clinic"), "clinic");
        assert_eq!(app_from_module_path("my-crate"), "my_crate");
        assert_eq!(app_from_module_path("shop::r#type::models"), "type");
    }
}
