//! The definitions of what RunSql migrations `creates`, as the database
//! showed them when each migration was applied, kept in a table of their
//! own beside the history (`remodel_objects`), so that `check` can tell an
//! object altered by hand from one as its migration made it. A database
//! whose migrations ran before this table existed has no rows: its objects
//! are checked for presence only.

use remodel_dialect::{Database, DbError, Value};
use remodel_differ::Op;
use remodel_model::catalog::Catalog;
use remodel_model::created::{CreatedKind, CreatedObject};
use remodel_model::{ColumnType, Field, Table};
use std::collections::BTreeMap;

/// The table of recorded definitions.
pub const OBJECTS_TABLE: &str = "remodel_objects";

/// The objects table as a model, rendered by each dialect like any other.
fn objects_table() -> Table {
    let mut t = Table::new("remodel", "RemodelObject");
    t.db_table = Some(OBJECTS_TABLE.into());
    let mut id = Field::new("id", ColumnType::BigInt);
    id.primary_key = true;
    id.auto = remodel_model::Auto::Yes;
    t.fields = vec![
        id,
        Field::new("app", ColumnType::Varchar(255)),
        Field::new("name", ColumnType::Varchar(255)),
        Field::new("object", ColumnType::Varchar(255)),
        Field::new("definition", ColumnType::Text),
    ];
    t
}

/// What the operations of a migration say they create.
pub fn created_by<'a>(ops: impl IntoIterator<Item = &'a Op>) -> Vec<CreatedObject> {
    ops.into_iter()
        .filter_map(|op| match op {
            Op::RunSql { creates, .. } => Some(creates),
            _ => None,
        })
        .flatten()
        .filter_map(|c| CreatedObject::parse(c).ok())
        .collect()
}

/// An object's definition as `catalog` shows it: an object's own text, an
/// index's key, method and predicate; `None` when it is not there.
pub fn definition(object: &CreatedObject, catalog: &Catalog) -> Option<String> {
    if !object.is_in(catalog) {
        return None;
    }
    let squash = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect()
    };
    match object.kind {
        CreatedKind::Index => catalog.tables.values().find_map(|t| {
            t.indexes
                .iter()
                .find(|(n, _)| squash(n) == squash(&object.name))
                .map(|(_, ix)| {
                    format!(
                        "{}{} include ({})",
                        if ix.unique { "unique " } else { "" },
                        ix.options.describe(&ix.columns),
                        ix.include.join(", ")
                    )
                })
                .or_else(|| {
                    t.unmodelled
                        .get(&format!("index {}", object.name))
                        .map(|u| u.what.clone())
                })
        }),
        CreatedKind::Object(kind) => catalog
            .objects
            .iter()
            .find(|o| o.kind == kind && squash(&o.name) == squash(&object.name))
            .map(|o| o.definition.clone()),
    }
}

/// Whether two definitions of an object say the same: equal but for runs
/// of blank space (SQLite keeps a view's or trigger's text as written, so
/// one made again with other line breaks is not a change).
pub fn same_definition(a: &str, b: &str) -> bool {
    let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    words(a) == words(b)
}

/// Records the definitions of what migration `app.name` created, as the
/// database holds them now (replacing any recorded before).
pub async fn record(
    db: &mut dyn Database,
    app: &str,
    name: &str,
    created: &[CreatedObject],
) -> Result<(), DbError> {
    if created.is_empty() {
        return Ok(());
    }
    ensure_table(db).await?;
    forget(db, app, name).await?;
    let catalog = db.introspect().await?;
    let d = db.dialect();
    let columns = ["app", "name", "object", "definition"];
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        d.quote(OBJECTS_TABLE),
        columns.map(|c| d.quote(c)).join(", "),
        (1..=columns.len())
            .map(|i| d.placeholder(i))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for object in created {
        let Some(def) = definition(object, &catalog) else {
            continue; // not there: `check` says so
        };
        let params = [
            Value::Text(app.into()),
            Value::Text(name.into()),
            Value::Text(object.to_string()),
            Value::Text(def),
        ];
        db.execute(&sql, &params).await?;
    }
    Ok(())
}

/// Forgets what migration `app.name` created (it is unapplied).
pub async fn forget(db: &mut dyn Database, app: &str, name: &str) -> Result<(), DbError> {
    if !db.table_exists(OBJECTS_TABLE).await? {
        return Ok(());
    }
    super::delete_rows(db, OBJECTS_TABLE, app, name).await
}

/// Every recorded definition: (`app.name`, object as written) → definition.
pub async fn read(db: &mut dyn Database) -> Result<BTreeMap<(String, String), String>, DbError> {
    if !db.table_exists(OBJECTS_TABLE).await? {
        return Ok(BTreeMap::new());
    }
    let d = db.dialect();
    let q = |s: &str| d.quote(s);
    let sql = format!(
        "SELECT {}, {}, {}, {} FROM {}",
        q("app"),
        q("name"),
        q("object"),
        q("definition"),
        q(OBJECTS_TABLE)
    );
    let rows = db.query(&sql, &[]).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let text = |i: usize| {
                r.get(i)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            ((format!("{}.{}", text(0), text(1)), text(2)), text(3))
        })
        .collect())
}

/// Creates the objects table if it does not exist.
async fn ensure_table(db: &mut dyn Database) -> Result<(), DbError> {
    if db.table_exists(OBJECTS_TABLE).await? {
        return Ok(());
    }
    let statements = super::table_sql(db.dialect(), objects_table())?;
    for sql in statements {
        db.execute(&sql, &[]).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_compare_without_blank_space() {
        assert!(same_definition(
            "CREATE VIEW v AS\n  SELECT a FROM t",
            "CREATE VIEW v AS SELECT a  FROM t"
        ));
        assert!(!same_definition(
            "CREATE VIEW v AS SELECT a FROM t",
            "CREATE VIEW v AS SELECT b FROM t"
        ));
    }
}
