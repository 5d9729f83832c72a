//! Writes one [`Project`] three ways: `remodel/`, `django/` and `alembic/`
//! below the output folder.

pub mod alembic;
pub mod django;
pub mod remodel;

use crate::schema::{Field, Kind, Project, app_label};
use anyhow::Context as _;
use std::path::Path;

/// Writes `text` to `path`, creating its folder.
pub fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// Writes the three projects into `out/remodel`, `out/django` and `out/alembic`.
pub fn write_all(p: &Project, out: &Path) -> anyhow::Result<()> {
    remodel::write_project(p, &out.join("remodel"))?;
    django::write_project(p, &out.join("django"))?;
    alembic::write_project(p, &out.join("alembic"))
}

/// The name of the field [`add_field`] adds.
pub const ADDED_FIELD: &str = "bench_added";

/// Adds a nullable integer field to the first model (to its source only, not
/// to the history): the "one field added" change.
pub fn add_field(p: &mut Project) {
    p.models[0].fields.push(Field {
        name: ADDED_FIELD.into(),
        kind: Kind::Integer,
        null: true,
        references: None,
    });
}

/// Rewrites the model sources of app `a` (remodel and Django) after a change.
pub fn rewrite_models(p: &Project, out: &Path, a: usize) -> anyhow::Result<()> {
    let label = app_label(a);
    write(
        &out.join("remodel")
            .join("src")
            .join(&label)
            .join("models.rs"),
        &remodel::app_models(p, a),
    )?;
    write(
        &out.join("django").join(&label).join("models.py"),
        &django::app_models(p, a),
    )?;
    write(
        &out.join("alembic")
            .join("bench_models")
            .join(format!("{label}.py")),
        &alembic::app_models(p, a),
    )
}

#[cfg(test)]
mod tests;
