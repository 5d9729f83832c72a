//! `remodel sqlmigrate APP NAME`: the SQL migrate runs for one migration,
//! without a database (DESIGN §3).

use super::load_graph;
use crate::args::{Global, SqlArgs};
use crate::fail::{Fail, Outcome};
use crate::output::Out;
use crate::project::Project;
use remodel_migrate::plan::{Direction, Step};
use remodel_migrate::runner;

/// Runs sqlmigrate.
pub fn run(project: &Project, g: &Global, a: &SqlArgs, out: Out) -> Outcome {
    let (graph, _) = load_graph(project)?;
    if !graph.apps().contains(&a.app) {
        return Err(Fail::usage(format!(
            "error: app '{}' has no migrations (apps with migrations: {})",
            a.app,
            graph.apps().join(", ")
        )));
    }
    // Any file, a squash or one it replaces, in a graph that uses it.
    let key = graph
        .resolve_any(&a.app, &a.name)
        .map_err(|e| Fail::user(format!("error: {e}")))?;
    let graph = graph
        .using(&key)
        .map_err(|errors| {
            let text: Vec<String> = errors.iter().map(|e| format!("error: {e}")).collect();
            Fail::user(text.join("\n"))
        })?
        .unwrap_or(graph);
    let Some(index) = graph.position(&key) else {
        return Err(Fail::user(format!(
            "error: {key} is replaced by a squash that replaces nothing else; show the squash instead"
        )));
    };
    let kind = match a.dialect {
        Some(d) => d.kind(),
        None => project.configured_dialect(g.database.as_deref())?,
    };
    let dialect = remodel_dialect::dialect_for(kind).ok_or_else(|| {
        Fail::user(format!(
            "error: rendering for {} is not available in this build",
            kind.name()
        ))
    })?;
    let direction = if a.backwards {
        Direction::Backward
    } else {
        Direction::Forward
    };
    let prepared = runner::prepare(&graph, &[Step { index, direction }], dialect)
        .map_err(|e| Fail::user(format!("error: {e}")))?;
    for p in &prepared {
        out.data(runner::sql_text(p, dialect).trim_end());
    }
    Ok(0)
}
