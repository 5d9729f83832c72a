//! `remodel inspectdb`: `#[derive(Model)]` structs for the tables of an
//! existing database (DESIGN §3), so a project can adopt remodel: paste
//! them into the sources, run `makemigrations`, then `migrate
//! --fake-initial`, which records the initial migration without running it
//! because the tables already are what it creates.
//!
//! The structs are what `makemigrations` accepts as printed (DESIGN §11.1),
//! and everything they cannot say is a warning on stderr, never a silent
//! omission: facts of a table no model declares, names the configured
//! dialects need unique, a NOT NULL column whose foreign key sets NULL,
//! arrays, and the schema's objects that are not tables (views, triggers,
//! routines, partitions, inherited tables, sequences, types, extensions,
//! events). Partitions and inherited tables are not printed.

use super::{connect, db_fail};
use crate::args::{Global, InspectArgs};
use crate::fail::{Fail, Outcome};
use crate::output::{Out, Style};
use crate::project::Project;
use remodel_model::ColumnType;
use remodel_model::Schema;
use remodel_model::adoption::adopt;
use remodel_model::catalog::{Catalog, CatalogObject, ObjectKind};
use remodel_model::resolve::{field_warnings, name_clashes};

/// Runs inspectdb.
pub async fn run(project: &Project, g: &Global, a: &InspectArgs, out: Out) -> Outcome {
    let app = a
        .app
        .clone()
        .unwrap_or_else(|| project.crate_name.replace('-', "_"));
    if !remodel_model::names::is_identifier(&app) {
        return Err(Fail::usage(format!(
            "error: --app `{app}` is not an app label (letters, digits and _)"
        )));
    }
    let Some(mut db) = connect(project, g, false).await? else {
        let url = project.database_url(g.database.as_deref())?.display();
        return Err(Fail::user(format!(
            "error: the database {url} does not exist, so there is nothing to inspect\n  = help: point --database (or DATABASE_URL) at the database to adopt"
        )));
    };
    let dialect = db.dialect();
    let live = db.introspect().await;
    db.close().await;
    let mut live = live.map_err(db_fail)?;
    live.tables.retain(|name, _| {
        name != remodel_migrate::history::TABLE
            && name != remodel_migrate::history::OBJECTS_TABLE
            && !project.config.ignored(name)
    });
    live.unreadable
        .retain(|name, _| !project.config.ignored(name));
    for t in &a.table {
        if let Some(why) = live.unreadable.get(t) {
            return Err(Fail::user(format!(
                "error: --table {t}: {why}, so it has no struct\n  = help: give the table a definition remodel reads, or leave it to `ignore_tables`"
            )));
        }
        if !live.tables.contains_key(t) {
            let names: Vec<&str> = live.tables.keys().map(String::as_str).collect();
            let hint = remodel_model::names::closest(t, &names)
                .map(|s| format!("; did you mean '{s}'?"))
                .unwrap_or_default();
            return Err(Fail::usage(format!(
                "error: --table {t}: the database has no such table{hint}"
            )));
        }
    }
    // The database's own spelling folded the way the drift check folds it,
    // so the printed models create exactly what compares equal.
    dialect.normalize_for_models(&mut live);
    let (schema, problems) = adopt(&live, &Schema::default(), &|_: &mut Catalog| {}, &app);
    let mut keys: Vec<(String, String)> = schema
        .tables
        .values()
        .filter(|t| a.table.is_empty() || a.table.contains(&t.table_name()))
        .map(|t| (t.table_name(), t.key()))
        .collect();
    keys.sort();
    let keys: Vec<String> = keys.into_iter().map(|(_, k)| k).collect();
    for p in &problems {
        out.note(&out.paint(Style::Warn, &format!("warning: {p}")));
    }
    for (name, why) in &live.unreadable {
        if a.table.is_empty() {
            out.note(&out.paint(
                Style::Warn,
                &format!("warning: table {name} is skipped: {why}; it has no struct"),
            ));
        }
    }
    // Names the database may repeat but the configured dialects need unique
    // (DESIGN §2): makemigrations would refuse the structs as printed.
    let dialects = super::check_dialects(project, g)?;
    let mut printed = Schema::default();
    for key in &keys {
        printed.insert(schema.tables[key].clone());
    }
    for clash in name_clashes(&printed, &dialects) {
        let ((first, first_what), (second, second_what)) = (clash.first, clash.second);
        out.note(&out.paint(
            Style::Warn,
            &format!(
                "warning: the name `{}` is used by {first} ({first_what}) and by {second} ({second_what}), but must be unique in the schema for the dialects {}; makemigrations refuses the structs until one is renamed in the database (then run inspectdb again) or `dialects` in remodel.toml changes",
                clash.name,
                dialects.join(", ")
            ),
        ));
    }
    // What the structs say as the database has it, but that does not behave
    // as it reads (the scanner warns about the same).
    for key in &keys {
        let t = &schema.tables[key];
        for w in field_warnings(t) {
            let column = t
                .field(&w.field)
                .map_or(w.field.as_str(), |f| f.column_name());
            out.note(&out.paint(
                Style::Warn,
                &format!(
                    "warning: {}: column {column} is NOT NULL but its foreign key is ON DELETE SET NULL: deleting a referenced row fails instead of setting it to NULL; printed as the database has it (on_delete = \"set_null\" on a field that is not an Option, which MySQL refuses)",
                    t.table_name()
                ),
            ));
        }
    }
    // What no model can declare is left out of the structs: say so, since
    // the models will not recreate it.
    for (name, t) in &live.tables {
        if !a.table.is_empty() && !a.table.contains(name) {
            continue;
        }
        for (object, fact) in &t.unmodelled {
            out.note(&out.paint(
                Style::Warn,
                &format!(
                    "warning: {name}: {object} {}, which no model can declare; it is left out (a RunSql migration can create it)",
                    fact.what
                ),
            ));
        }
    }
    // Arrays are printed, but only with the database's own type.
    for key in &keys {
        let t = &schema.tables[key];
        for f in &t.fields {
            if let ColumnType::Raw(sql) = &f.ty
                && sql.ends_with("[]")
            {
                out.note(&out.paint(
                    Style::Warn,
                    &format!(
                        "warning: {}: column {} is an array ({sql}), which no model type covers; it is printed as {} with sql_type = \"{sql}\", which only PostgreSQL can create",
                        t.table_name(),
                        f.column_name(),
                        remodel_model::reader::printer::raw_rust_type(sql)
                    ),
                ));
            }
        }
    }
    // The schema's other objects: never a silent omission.
    for o in &live.objects {
        // A partitioned table whose struct says `partition_by` is declared.
        if o.kind == ObjectKind::PartitionedTable
            && schema
                .tables
                .values()
                .any(|t| t.table_name() == o.name && t.partition_by.is_some())
        {
            continue;
        }
        let concerns = |name: &str| a.table.is_empty() || a.table.iter().any(|t| t == name);
        let shown = match &o.table {
            Some(t) => {
                !project.config.ignored(t)
                    && !project.config.ignored(&o.name)
                    && (concerns(t) || concerns(&o.name))
            }
            None => a.table.is_empty() && !project.config.ignored(&o.name),
        };
        if shown {
            out.note(&out.paint(Style::Warn, &format!("warning: {}", object_warning(o))));
        }
    }
    if keys.is_empty() {
        out.note("The database has no tables to inspect.");
        return Ok(0);
    }
    out.data(remodel_model::reader::printer::render(&schema, &keys).trim_end());
    Ok(0)
}

/// What `inspectdb` says about an object that is not a table: that no model
/// declares it, and what the printed structs do instead.
fn object_warning(o: &CatalogObject) -> String {
    let noun = o.kind.noun();
    let name = &o.name;
    let table = o.table.as_deref().unwrap_or("");
    let definition = if o.definition.is_empty() {
        String::new()
    } else {
        format!(" ({})", o.definition)
    };
    let runsql = "(a RunSql migration can create it)";
    match o.kind {
        ObjectKind::PartitionedTable => format!(
            "table {name} is partitioned{}, which no model can declare on this database; its struct creates a plain table and its partitions are left out (a RunSql migration can create them)",
            if o.definition.is_empty() {
                String::new()
            } else {
                format!(" (PARTITION BY {})", o.definition)
            }
        ),
        ObjectKind::Partition => format!(
            "partition {name} of table {table}{definition} is not printed: no model can declare it {runsql}"
        ),
        ObjectKind::InheritedTable => format!(
            "table {name} inherits from table {table} and is not printed: no model can declare it {runsql}"
        ),
        ObjectKind::Sequence => format!(
            "sequence {name}, which no column owns, is left out: no model can declare it {runsql}"
        ),
        ObjectKind::Domain | ObjectKind::EnumType | ObjectKind::Extension => format!(
            "{noun} {name} is left out: no model can declare it (a RunSql migration must create it before the tables that use it, whose columns keep it as their sql_type)"
        ),
        ObjectKind::Trigger | ObjectKind::Rule => {
            format!("{noun} {name} on table {table} is left out: no model can declare it {runsql}")
        }
        ObjectKind::View
        | ObjectKind::MaterializedView
        | ObjectKind::Function
        | ObjectKind::Procedure
        | ObjectKind::Aggregate
        | ObjectKind::Event => {
            format!("{noun} {name} is left out: no model can declare it {runsql}")
        }
    }
}
