//! The live database against its history (`remodel check`, `check --adopt`,
//! `makemigrations --from-db`): the state the *applied* migrations describe,
//! the database as introspected and read back in that state's words, what
//! differs between them, and the history's own troubles (edited, deleted or
//! failed applied migrations).

use crate::graph::Graph;
use crate::history::{self, HistoryRow, RowState};
use crate::session::{SessionError, applied_keys, changed, graph_for_history};
use remodel_dialect::{Database, Dialect};
use remodel_differ::Op;
use remodel_model::adoption;
use remodel_model::catalog::{Catalog, CatalogObject};
use remodel_model::created::{CreatedKind, CreatedObject};
use remodel_model::{Schema, Table};

/// What `check` finds.
#[derive(Debug, Clone)]
pub struct Drift {
    /// The state the applied migrations describe (ignored tables left out).
    pub applied: Schema,
    /// The database read back in the words of `applied`; tables no model
    /// owns are models of the app given to [`inspect`].
    pub live: Schema,
    /// One line per difference between the two, in SQL terms (`patient:
    /// column nota exists in the database but not in the applied
    /// migrations`); empty when they match.
    pub differences: Vec<String>,
    /// What the database holds that a model cannot declare and no
    /// operation can record: multi-column foreign keys and the like (the
    /// facts of [`CatalogTable::unmodelled`] no applied RunSql names are
    /// among the differences instead).
    ///
    /// [`CatalogTable::unmodelled`]: remodel_model::catalog::CatalogTable::unmodelled
    pub unrepresentable: Vec<String>,
    /// The facts no model can declare that the database holds and no
    /// applied RunSql names (each also among `differences`): no operation
    /// can record them, a RunSql migration can.
    pub unmodelled: Vec<String>,
    /// Applied migrations (`app.name`, file) edited since they were applied.
    pub changed: Vec<(String, String)>,
    /// Applied migrations whose files are gone.
    pub missing: Vec<String>,
    /// Migrations that failed part-way (`app.name`).
    pub failed: Vec<String>,
    /// Migrations not applied, in graph order.
    pub pending: Vec<String>,
    /// The database's objects other than tables (views, triggers,
    /// functions, …) that no applied RunSql creates or names: not drift,
    /// but what `check --adopt --app` records.
    pub unrecorded_objects: Vec<CatalogObject>,
    /// The names of the tables remodel cannot read (those of `skipped`).
    pub unreadable_tables: Vec<String>,
    /// Tables no applied migration owns that the database holds in a form
    /// remodel cannot read, one line each (`table film is skipped: …`):
    /// warnings, since they are not compared.
    pub skipped: Vec<String>,
}

impl Drift {
    /// Whether the database and the history disagree in any way `check`
    /// reports (a pending migration is not drift).
    pub fn found(&self) -> bool {
        !self.differences.is_empty()
            || !self.changed.is_empty()
            || !self.missing.is_empty()
            || !self.failed.is_empty()
    }

    /// What in the history itself must be put right before the database
    /// can be read against it (`check --adopt`, `makemigrations --from-db`):
    /// a migration failed part-way, an applied file deleted or edited.
    pub fn history_problem(&self) -> Option<String> {
        if let Some(k) = self.failed.first() {
            return Some(format!(
                "migration {k} failed part-way\n  = help: put the database right, then run `remodel migrate --resolve {k} --rolled-back` (or `--applied`); nothing was written"
            ));
        }
        if !self.missing.is_empty() {
            return Some(SessionError::Missing(self.missing.clone()).to_string());
        }
        if !self.changed.is_empty() {
            return Some(SessionError::Changed(self.changed.clone()).to_string());
        }
        None
    }
}

/// Reads the history and the live catalog and compares them. `ignored`
/// says which tables are never looked at (`ignore_tables`); remodel's own
/// history table never is. Tables no model owns read back as models of
/// `new_app`.
pub async fn inspect(
    db: &mut dyn Database,
    graph: &Graph,
    ignored: &dyn Fn(&str) -> bool,
    new_app: &str,
) -> Result<Drift, SessionError> {
    inspect_reading_back(db, graph, ignored, new_app, ReadBack::WhenDrifted).await
}

/// When [`inspect_reading_back`] reads the database back into model terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadBack {
    /// Only when something differs; otherwise the read-back is the applied
    /// state itself, which is what reading back gives (the tests' property).
    WhenDrifted,
    /// Always: what the tests use to check that property.
    Always,
}

/// [`inspect`], saying when the database is read back into model terms.
pub async fn inspect_reading_back(
    db: &mut dyn Database,
    graph: &Graph,
    ignored: &dyn Fn(&str) -> bool,
    new_app: &str,
    read_back: ReadBack,
) -> Result<Drift, SessionError> {
    let rows = history::read(db).await?;
    let resolved = graph_for_history(graph, &rows)?;
    let graph = resolved.as_ref().unwrap_or(graph);
    let applied_set = applied_keys(graph, &rows);
    let mut applied = Schema::default();
    // What applied RunSql migrations ran: the facts no model can declare
    // that they name are recorded in the history, not drift.
    let mut run_sql = Vec::new();
    // What they say they create: (migration, object).
    let mut created: Vec<(String, CreatedObject)> = Vec::new();
    let dialect_name = db.dialect().kind().name();
    for m in graph
        .migrations
        .iter()
        .filter(|m| applied_set.contains(&m.key()))
    {
        for (i, op) in m.file.ops().iter().enumerate() {
            if let Op::RunSql { sql, creates, .. } = op
                && let Some(text) = sql.for_dialect(dialect_name)
            {
                run_sql.push(text.to_string());
                for c in creates {
                    if let Ok(object) = CreatedObject::parse(c) {
                        created.push((m.key(), object));
                    }
                }
            }
            op.apply_to(&mut applied).map_err(|e| {
                SessionError::Load(vec![format!(
                    "{}: operation {} does not replay on the migrations applied before it: {e}",
                    m.key(),
                    i + 1
                )])
            })?;
        }
    }
    applied.tables.retain(|_, t| !ignored(&t.table_name()));
    let mut live = db.introspect().await?;
    live.tables.retain(|name, _| {
        name != history::TABLE && name != history::OBJECTS_TABLE && !ignored(name)
    });
    live.unreadable.retain(|name, _| !ignored(name));
    // A table the history owns must be read to be compared; any other is
    // named and left out.
    let owned: Vec<String> = applied
        .tables
        .values()
        .filter(|t| t.managed)
        .map(Table::table_name)
        .collect();
    if let Some((name, why)) = live.unreadable.iter().find(|(n, _)| owned.contains(n)) {
        return Err(SessionError::Database(
            remodel_dialect::DbError::Introspect(format!(
                "cannot read table {name}, which the applied migrations create: {why}; remodel cannot compare it"
            )),
        ));
    }
    let skipped: Vec<String> = live
        .unreadable
        .iter()
        .map(|(name, why)| format!("table {name} is skipped: {why}"))
        .collect();
    // A reference into an ignored table, or one remodel cannot read, is as
    // unseen as the table.
    let unread: Vec<String> = live.unreadable.keys().cloned().collect();
    let unseen = |t: &str| ignored(t) || unread.iter().any(|u| u == t);
    let mut expected = applied.to_catalog();
    for t in expected.tables.values_mut() {
        t.foreign_keys.retain(|_, fk| !unseen(&fk.ref_table));
    }
    // Each object an applied RunSql creates must be there; an index it
    // creates is the history's, neither drift nor adopted again.
    let mut object_drift: Vec<String> = Vec::new();
    let recorded = history::objects::read(db).await?;
    for (migration, object) in &created {
        if !object.is_in(&live) {
            object_drift.push(format!(
                "{object}, which applied migration {migration} creates, is not in the database"
            ));
            continue;
        }
        // As the database showed it when the migration ran, if recorded.
        if let Some(then) = recorded.get(&(migration.clone(), object.to_string()))
            && !history::objects::definition(object, &live)
                .is_some_and(|now| history::objects::same_definition(&now, then))
        {
            object_drift.push(format!(
                "{object} is not as applied migration {migration} created it (its definition changed since)"
            ));
        }
        // Unless the history has it too (a model's index of that name).
        let in_history = expected.tables.values().any(|t| {
            t.indexes
                .keys()
                .chain(t.uniques.keys())
                .any(|n| n.eq_ignore_ascii_case(&object.name))
        });
        if object.kind == CreatedKind::Index && !in_history {
            for t in live.tables.values_mut() {
                let same = |n: &String| n.eq_ignore_ascii_case(&object.name);
                t.indexes.retain(|n, _| !same(n));
                t.uniques.retain(|n, _| !same(n));
                t.unmodelled
                    .retain(|k, _| !k.eq_ignore_ascii_case(&format!("index {}", object.name)));
            }
        }
    }
    // An enum type the history creates (CreateEnum) is the history's.
    let enum_types: Vec<String> = applied.enums.values().map(|e| e.db_name()).collect();
    let unrecorded_objects: Vec<CatalogObject> = live
        .objects
        .iter()
        .filter(|o| {
            !(o.kind == remodel_model::catalog::ObjectKind::EnumType
                && enum_types.contains(&o.name))
        })
        .filter(|o| {
            let as_created = CreatedObject {
                kind: CreatedKind::Object(o.kind),
                name: o.name.clone(),
                table: o.table.clone(),
            };
            // A function is named without its argument types in SQL.
            let bare = o.name.split('(').next().unwrap_or(&o.name);
            !created.iter().any(|(_, c)| c.matches(&as_created))
                && !run_sql
                    .iter()
                    .any(|sql| remodel_model::catalog::mentions(sql, bare))
        })
        .cloned()
        .collect();
    let mut unmodelled = Vec::new();
    for (name, t) in live.tables.iter_mut() {
        t.foreign_keys.retain(|_, fk| !unseen(&fk.ref_table));
        t.unmodelled
            .retain(|_, fact| !run_sql.iter().any(|sql| fact.mentioned_in(sql)));
        for (object, fact) in &t.unmodelled {
            unmodelled.push(format!("{name}: {object} {}", fact.what));
        }
        // An index an applied RunSql made (naming it) is the history's: not
        // drift, and never adopted again by an operation that would create it
        // a second time on a fresh database. Before models could say their
        // options, that was how an expression, partial or GIN index was kept.
        let want = expected.tables.get(name);
        let made_by_run_sql = |object: &str| {
            run_sql
                .iter()
                .any(|sql| remodel_model::catalog::mentions(sql, object))
        };
        let kept = |ix: &String| {
            want.is_some_and(|w| w.indexes.contains_key(ix) || w.uniques.contains_key(ix))
                || !made_by_run_sql(ix)
        };
        t.indexes.retain(|ix, _| kept(ix));
        t.uniques.retain(|ix, _| kept(ix));
        // So is a generated column one made (naming the table and the
        // column), the way to keep one before models could say `generated`.
        let known_columns: Vec<String> = want
            .map(|w| w.columns.keys().cloned().collect())
            .unwrap_or_default();
        let made: Vec<String> = t
            .columns
            .iter()
            .filter(|(c, col)| {
                col.generated.is_some()
                    && !known_columns.contains(c)
                    && run_sql.iter().any(|sql| {
                        remodel_model::catalog::mentions(sql, name)
                            && remodel_model::catalog::mentions(sql, c)
                    })
            })
            .map(|(c, _)| c.clone())
            .collect();
        for c in made {
            t.columns.remove(&c);
            t.column_order.0.retain(|o| *o != c);
        }
        // A column's ON UPDATE an applied RunSql made (before models could
        // say it, naming the table and the column) is recorded there while
        // the models say none.
        for (col_name, col) in t.columns.iter_mut() {
            if col.on_update_sql.is_some()
                && expected
                    .tables
                    .get(name)
                    .and_then(|e| e.columns.get(col_name))
                    .is_some_and(|want| want.on_update_sql.is_none())
                && run_sql.iter().any(|sql| {
                    remodel_model::catalog::mentions(sql, name)
                        && remodel_model::catalog::mentions(sql, col_name)
                })
            {
                col.on_update_sql = None;
            }
        }
        // A foreign key's ON UPDATE an applied RunSql made (before models
        // could say it) is recorded there, as any fact a RunSql names,
        // while the models say none.
        for (fk_name, fk) in t.foreign_keys.iter_mut() {
            if let Some(want) = expected
                .tables
                .get(name)
                .and_then(|e| e.foreign_keys.get(fk_name))
                && want.columns == fk.columns
                && want.on_update == remodel_model::OnDelete::NoAction
                && run_sql
                    .iter()
                    .any(|sql| remodel_model::catalog::mentions(sql, fk_name))
            {
                fk.on_update = want.on_update;
            }
        }
    }
    let dialect = db.dialect();
    dialect.normalize(&mut expected);
    let mut normal = live.clone();
    dialect.normalize(&mut normal);
    let mut differences = expected.differences_from(&normal, "the applied migrations");
    differences.extend(object_drift);
    let (read_back, unrepresentable) =
        if differences.is_empty() && read_back == ReadBack::WhenDrifted {
            (applied.clone(), Vec::new())
        } else {
            // Read as `inspectdb` reads it, so that an adopted table's
            // model is the struct `inspectdb` prints.
            let mut for_models = live.clone();
            dialect.normalize_for_models(&mut for_models);
            adoption::adopt(
                &for_models,
                &applied,
                &|c: &mut Catalog| dialect.normalize(c),
                new_app,
            )
        };
    Ok(Drift {
        differences,
        live: read_back,
        applied,
        unrepresentable,
        unmodelled,
        changed: changed(graph, &rows),
        missing: rows
            .iter()
            .filter(|r| graph.get(&r.key()).is_none() && graph.replaced_by(&r.key()).is_none())
            .map(HistoryRow::key)
            .collect(),
        failed: rows
            .iter()
            .filter(|r| r.state == RowState::Failed)
            .map(HistoryRow::key)
            .collect(),
        pending: graph
            .migrations
            .iter()
            .map(|m| m.key())
            .filter(|k| !applied_set.contains(k))
            .collect(),
        skipped,
        unreadable_tables: unread,
        unrecorded_objects,
    })
}

/// The DDL that creates every table of `state`, table by table in name
/// order, as `dialect` writes it: the text `check` diffs.
pub fn ddl(state: &Schema, dialect: &dyn Dialect) -> String {
    let mut tables: Vec<&Table> = state.tables.values().filter(|t| t.managed).collect();
    tables.sort_by_key(|t| t.table_name());
    let mut out = String::new();
    for t in tables {
        let op = Op::CreateModel { table: t.clone() };
        match dialect.render(&op, state, state) {
            Ok(statements) => {
                for s in statements.iter().filter(|s| s.guard.is_none()) {
                    out.push_str(&s.sql);
                    out.push_str(";\n");
                }
            }
            Err(e) => out.push_str(&format!("-- {}: {e}\n", t.table_name())),
        }
    }
    out
}
