//! Adopting a database's objects other than tables (`check --adopt --app`):
//! the RunSql operations that recreate them on a fresh database, one before
//! the tables (what their columns use: types, domains, sequences,
//! extensions, functions their defaults call) and one after (views,
//! triggers, rules, partitions, …), each naming what it creates and with
//! the SQL that drops it again.

use remodel_dialect::{DialectKind, ObjectSql};
use remodel_differ::{Op, SqlText};
use remodel_model::catalog::{CatalogObject, ObjectKind, mentions};
use remodel_model::{Auto, Schema};
use std::collections::BTreeMap;

/// Rewrites the operations that adopt tables so the fresh tables keep the
/// database's column order: where a reference cycle made the differ create
/// a model without a field and add it later (DESIGN §7), the column is
/// created in its place without its foreign key, and the later operation
/// only adds the key (an AlterField). The state they reach is the same.
pub fn keep_column_order(ops: &mut [Op], to: &Schema) {
    for i in 0..ops.len() {
        let Op::AddField {
            model,
            field,
            preserve_default,
        } = &ops[i]
        else {
            continue;
        };
        if field.references.is_none() {
            continue;
        }
        let Some(order) = to.table(model).map(|t| &t.fields) else {
            continue;
        };
        let (model, field, preserve_default) = (model.clone(), field.clone(), *preserve_default);
        let Some(created) = ops[..i].iter_mut().find_map(|op| match op {
            Op::CreateModel { table } if table.key() == model => Some(table),
            _ => None,
        }) else {
            continue;
        };
        let mut column = field.clone();
        column.references = None;
        column.index = false;
        // Before the first field that follows it in the model.
        let after: Vec<&str> = order
            .iter()
            .map(|f| f.name.as_str())
            .skip_while(|n| *n != field.name)
            .skip(1)
            .collect();
        let at = created
            .fields
            .iter()
            .position(|f| after.contains(&f.name.as_str()))
            .unwrap_or(created.fields.len());
        created.fields.insert(at, column);
        ops[i] = Op::AlterField {
            model,
            field,
            preserve_default,
        };
    }
}

/// What adopting the objects writes, and what it cannot.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObjectAdoption {
    /// The RunSql creating what the tables need, if anything.
    pub before: Option<Op>,
    /// The RunSql creating what needs the tables, if anything.
    pub after: Option<Op>,
    /// Objects left out, one line each, with why (a warning).
    pub left_out: Vec<String>,
}

/// Plans the RunSql operations for `objects` (those no migration records)
/// given the database's SQL for each (`scripts`), the tables the adopted
/// models create (`tables`, as `tables_ddl` renders them), the tables
/// remodel cannot read (`unreadable`: an object on or using one cannot be
/// made again without it) and the dialect.
pub fn plan(
    objects: &[CatalogObject],
    scripts: &[ObjectSql],
    tables: &Schema,
    tables_ddl: &str,
    unreadable: &[String],
    dialect: DialectKind,
) -> ObjectAdoption {
    let mut out = ObjectAdoption::default();
    // Sequences a `serial` column creates again under the same name.
    let serial_sequences: Vec<String> = tables
        .tables
        .values()
        .flat_map(|t| {
            let name = t.table_name();
            t.fields
                .iter()
                .filter(|f| f.auto == Auto::Sequence)
                .map(move |f| format!("{name}_{}_seq", f.column_name()))
        })
        .collect();
    let mut before: Vec<&ObjectSql> = Vec::new();
    let mut after: Vec<&ObjectSql> = Vec::new();
    for o in objects {
        match o.kind {
            // The model says it (`partition_by`).
            ObjectKind::PartitionedTable
                if tables
                    .tables
                    .values()
                    .any(|t| t.table_name() == o.name && t.partition_by.is_some()) =>
            {
                continue;
            }
            ObjectKind::Sequence
                if dialect == DialectKind::Postgres
                    && serial_sequences.iter().any(|s| s == &o.name) =>
            {
                continue;
            }
            _ => {}
        }
        let Some(script) = scripts.iter().find(|s| {
            s.kind == o.kind
                && s.name == o.name
                && (s.table == o.table || !matches!(o.kind, ObjectKind::Trigger | ObjectKind::Rule))
        }) else {
            out.left_out.push(format!(
                "{} {}{}: the database gives no SQL that recreates it",
                o.kind.noun(),
                o.name,
                o.table
                    .as_ref()
                    .map(|t| format!(" on {t}"))
                    .unwrap_or_default()
            ));
            continue;
        };
        if let Some(t) = unreadable.iter().find(|t| {
            o.table.as_deref() == Some(t.as_str())
                || script.create.iter().any(|sql| mentions(sql, t))
        }) {
            out.left_out.push(format!(
                "{}: it needs table {t}, which remodel cannot read",
                script.created()
            ));
            continue;
        }
        let bare = o.name.split('(').next().unwrap_or(&o.name);
        let needed_by_tables = match o.kind {
            ObjectKind::Extension
            | ObjectKind::EnumType
            | ObjectKind::Domain
            | ObjectKind::Sequence => true,
            ObjectKind::Function => mentions(tables_ddl, bare),
            _ => false,
        };
        if needed_by_tables {
            before.push(script);
        } else {
            after.push(script);
        }
    }
    let setup: &[&str] = match dialect {
        // A function the tables' defaults call is made before the tables,
        // so its body cannot be checked against them yet (as pg_dump does).
        DialectKind::Postgres if before.iter().any(|s| is_routine(s.kind)) => {
            &["SET LOCAL check_function_bodies = false"]
        }
        _ => &[],
    };
    out.before = run_sql(&ordered(before), setup, dialect);
    out.after = run_sql(&ordered(after), &[], dialect);
    out
}

fn is_routine(kind: ObjectKind) -> bool {
    matches!(
        kind,
        ObjectKind::Function | ObjectKind::Procedure | ObjectKind::Aggregate
    )
}

/// The objects in the database's creation order, moved only where one's
/// SQL names another created later (MySQL keeps no creation order for
/// views): what each uses comes first.
fn ordered(mut objects: Vec<&ObjectSql>) -> Vec<&ObjectSql> {
    objects.sort_by_key(|o| o.order);
    let bare = |o: &ObjectSql| o.name.split('(').next().unwrap_or(&o.name).to_string();
    // uses[i]: the views and functions i's SQL names (never itself).
    let used = |o: &ObjectSql| {
        matches!(
            o.kind,
            ObjectKind::View | ObjectKind::MaterializedView | ObjectKind::Function
        )
    };
    let uses: Vec<Vec<usize>> = objects
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let text = o.create.join("\n");
            objects
                .iter()
                .enumerate()
                .filter(|&(j, other)| j != i && used(other) && mentions(&text, &bare(other)))
                .map(|(j, _)| j)
                .collect()
        })
        .collect();
    let mut placed = vec![false; objects.len()];
    let mut out = Vec::with_capacity(objects.len());
    while out.len() < objects.len() {
        // The first not placed whose uses are all placed; on a cycle, the first.
        let next = (0..objects.len())
            .find(|&i| !placed[i] && uses[i].iter().all(|&j| placed[j]))
            .or_else(|| (0..objects.len()).find(|&i| !placed[i]))
            .expect("an object is left");
        placed[next] = true;
        out.push(objects[next]);
    }
    out
}

/// One RunSql creating `objects` in order (after `setup`), naming each in
/// `creates`, whose reverse drops them newest first; `None` for none.
fn run_sql(objects: &[&ObjectSql], setup: &[&str], dialect: DialectKind) -> Option<Op> {
    if objects.is_empty() {
        return None;
    }
    let forward: Vec<String> = setup
        .iter()
        .map(|s| s.to_string())
        .chain(objects.iter().flat_map(|o| o.create.iter().cloned()))
        .collect();
    let reverse: Vec<String> = objects
        .iter()
        .rev()
        .flat_map(|o| o.drop.iter().cloned())
        .collect();
    let text = |statements: Vec<String>| {
        SqlText::PerDialect(BTreeMap::from([(
            dialect.name().to_string(),
            format!("{};\n", statements.join(";\n\n")),
        )]))
    };
    Some(Op::RunSql {
        sql: text(forward),
        reverse_sql: Some(text(reverse)),
        creates: objects.iter().map(|o| o.created().to_string()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use remodel_model::{ColumnType, Field, Table};

    fn object(kind: ObjectKind, name: &str, table: Option<&str>) -> CatalogObject {
        CatalogObject {
            kind,
            name: name.into(),
            table: table.map(String::from),
            definition: String::new(),
        }
    }

    fn script(
        kind: ObjectKind,
        name: &str,
        table: Option<&str>,
        sql: &str,
        order: i64,
    ) -> ObjectSql {
        ObjectSql {
            kind,
            name: name.into(),
            table: table.map(String::from),
            create: vec![sql.into()],
            drop: vec![format!("DROP {} {name}", kind.noun())],
            order,
        }
    }

    fn sql(op: &Op) -> (String, String, Vec<String>) {
        match op {
            Op::RunSql {
                sql,
                reverse_sql,
                creates,
            } => (
                sql.for_dialect("postgres").unwrap().to_string(),
                reverse_sql
                    .as_ref()
                    .unwrap()
                    .for_dialect("postgres")
                    .unwrap()
                    .to_string(),
                creates.clone(),
            ),
            other => panic!("not a RunSql: {other:?}"),
        }
    }

    #[test]
    fn what_tables_use_comes_before_them_and_the_rest_after_in_dependency_order() {
        let mut film = Table::new("legacy", "Film");
        film.db_table = Some("film".into());
        let mut id = Field::new("film_id", ColumnType::Integer);
        id.primary_key = true;
        id.auto = Auto::Sequence;
        film.fields = vec![id];
        let mut tables = Schema::default();
        tables.tables.insert(film.key(), film);
        let ddl =
            "CREATE TABLE film (film_id serial, rating mpaa_rating, code text DEFAULT next_code())";
        let objects = vec![
            object(ObjectKind::View, "film_list", None),
            object(ObjectKind::View, "nicer_list", None),
            object(ObjectKind::EnumType, "mpaa_rating", None),
            object(ObjectKind::Function, "next_code()", None),
            object(ObjectKind::Function, "last_updated()", None),
            object(ObjectKind::Trigger, "last_updated", Some("film")),
            object(ObjectKind::Sequence, "film_film_id_seq", None),
            object(ObjectKind::Rule, "no_scripts", Some("film")),
        ];
        let scripts = vec![
            // nicer_list uses film_list but came first (MySQL lists views by name).
            script(
                ObjectKind::View,
                "nicer_list",
                None,
                "CREATE VIEW nicer_list AS SELECT * FROM film_list",
                1,
            ),
            script(
                ObjectKind::View,
                "film_list",
                None,
                "CREATE VIEW film_list AS SELECT * FROM film",
                2,
            ),
            script(
                ObjectKind::EnumType,
                "mpaa_rating",
                None,
                "CREATE TYPE mpaa_rating AS ENUM ('G')",
                3,
            ),
            script(
                ObjectKind::Function,
                "next_code()",
                None,
                "CREATE FUNCTION next_code() …",
                4,
            ),
            script(
                ObjectKind::Function,
                "last_updated()",
                None,
                "CREATE FUNCTION last_updated() …",
                5,
            ),
            script(
                ObjectKind::Trigger,
                "last_updated",
                Some("film"),
                "CREATE TRIGGER last_updated BEFORE UPDATE ON film EXECUTE FUNCTION last_updated()",
                6,
            ),
            script(
                ObjectKind::Sequence,
                "film_film_id_seq",
                None,
                "CREATE SEQUENCE film_film_id_seq",
                7,
            ),
        ];
        let plan = plan(&objects, &scripts, &tables, ddl, &[], DialectKind::Postgres);
        let (before, undo_before, made_before) = sql(plan.before.as_ref().unwrap());
        assert_eq!(
            before,
            "SET LOCAL check_function_bodies = false;\n\nCREATE TYPE mpaa_rating AS ENUM ('G');\n\nCREATE FUNCTION next_code() …;\n"
        );
        assert_eq!(
            undo_before,
            "DROP function next_code();\n\nDROP enum type mpaa_rating;\n"
        );
        assert_eq!(
            made_before,
            ["enum type mpaa_rating", "function next_code()"]
        );
        let (after, _, made_after) = sql(plan.after.as_ref().unwrap());
        assert_eq!(
            made_after,
            [
                "view film_list",
                "view nicer_list",
                "function last_updated()",
                "trigger last_updated on film"
            ]
        );
        assert!(after.starts_with("CREATE VIEW film_list"), "{after}");
        // The serial column makes its sequence; the rule has no SQL.
        assert_eq!(
            plan.left_out,
            ["rule no_scripts on film: the database gives no SQL that recreates it"]
        );
    }

    #[test]
    fn a_cycle_keeps_the_column_in_its_place() {
        let mut staff = Table::new("legacy", "Staff");
        let mut id = Field::new("id", ColumnType::Integer);
        id.primary_key = true;
        let mut store = Field::new("store_id", ColumnType::Integer);
        store.references = Some(remodel_model::Reference::to("legacy.Store"));
        store.index = true;
        staff.fields = vec![
            id.clone(),
            store.clone(),
            Field::new("name", ColumnType::Text),
        ];
        let mut to = Schema::default();
        to.tables.insert(staff.key(), staff.clone());
        let mut created = staff.clone();
        created.fields.remove(1);
        let mut store_t = Table::new("legacy", "Store");
        store_t.fields = vec![id.clone()];
        let mut ops = vec![
            Op::CreateModel { table: created },
            Op::CreateModel { table: store_t },
            Op::AddField {
                model: "legacy.Staff".into(),
                field: store.clone(),
                preserve_default: true,
            },
        ];
        keep_column_order(&mut ops, &to);
        let Op::CreateModel { table } = &ops[0] else {
            panic!()
        };
        let names: Vec<&str> = table.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["id", "store_id", "name"]);
        assert!(table.fields[1].references.is_none() && !table.fields[1].index);
        assert!(matches!(&ops[2], Op::AlterField { field, .. } if *field == store));
        // Replayed, the two reach the model.
        let mut state = Schema::default();
        for op in &ops {
            op.apply_to(&mut state).unwrap();
        }
        assert_eq!(state.table("legacy.Staff"), to.table("legacy.Staff"));
    }

    #[test]
    fn nothing_to_adopt_writes_nothing() {
        let plan = plan(&[], &[], &Schema::default(), "", &[], DialectKind::Sqlite);
        assert_eq!(plan, ObjectAdoption::default());
    }

    #[test]
    fn what_needs_a_table_remodel_cannot_read_is_left_out() {
        let objects = [
            object(ObjectKind::Trigger, "film_ai", Some("film")),
            object(ObjectKind::View, "film_list", None),
            object(ObjectKind::View, "actors", None),
        ];
        let scripts = [
            script(
                ObjectKind::Trigger,
                "film_ai",
                Some("film"),
                "CREATE TRIGGER film_ai …",
                1,
            ),
            script(
                ObjectKind::View,
                "film_list",
                None,
                "CREATE VIEW film_list AS SELECT * FROM film",
                2,
            ),
            script(
                ObjectKind::View,
                "actors",
                None,
                "CREATE VIEW actors AS SELECT * FROM actor",
                3,
            ),
        ];
        let plan = plan(
            &objects,
            &scripts,
            &Schema::default(),
            "",
            &["film".into()],
            DialectKind::Postgres,
        );
        assert_eq!(
            plan.left_out,
            [
                "trigger film_ai on film: it needs table film, which remodel cannot read",
                "view film_list: it needs table film, which remodel cannot read"
            ]
        );
        let (_, _, made) = sql(plan.after.as_ref().unwrap());
        assert_eq!(made, ["view actors"]);
    }
}
