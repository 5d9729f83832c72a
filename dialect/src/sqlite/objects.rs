//! The SQL that recreates the database's views and triggers: SQLite keeps
//! each one's creating statement as it was written.

use crate::object_sql::statement;
use crate::{DbError, ObjectSql, Value};
use remodel_model::catalog::ObjectKind;

/// Reads every view's and trigger's SQL, in the order they were created.
pub(crate) async fn object_sql(db: &mut dyn crate::Database) -> Result<Vec<ObjectSql>, DbError> {
    let rows = db
        .query(
            "SELECT m.type, m.name, m.tbl_name, m.sql, m.rowid FROM sqlite_master m \
             WHERE m.type IN ('view', 'trigger') AND m.sql IS NOT NULL \
             AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY m.rowid",
            &[],
        )
        .await
        .map_err(|e| DbError::Introspect(e.to_string()))?;
    Ok(rows.iter().filter_map(|r| object(r)).collect())
}

fn object(row: &[Value]) -> Option<ObjectSql> {
    let cell = |i: usize| match row.get(i) {
        Some(Value::Text(s)) => s.clone(),
        Some(Value::Int(n)) => n.to_string(),
        _ => String::new(),
    };
    let kind = ObjectKind::parse(&cell(0))?;
    let name = cell(1);
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    Some(ObjectSql {
        kind,
        table: (kind != ObjectKind::View).then(|| cell(2)),
        create: vec![statement(&cell(3))],
        drop: vec![format!(
            "DROP {} IF EXISTS {quoted}",
            if kind == ObjectKind::View {
                "VIEW"
            } else {
                "TRIGGER"
            }
        )],
        name,
        order: cell(4).parse().unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_and_triggers_keep_their_text() {
        let row = |cells: [&str; 4], order: i64| {
            let mut r: Vec<Value> = cells.map(|c| Value::Text(c.into())).to_vec();
            r.push(Value::Int(order));
            r
        };
        let v = object(&row(
            [
                "view",
                "film_list",
                "film_list",
                "CREATE VIEW film_list AS SELECT 1;",
            ],
            7,
        ))
        .unwrap();
        assert_eq!(v.create, ["CREATE VIEW film_list AS SELECT 1"]);
        assert_eq!(v.drop, ["DROP VIEW IF EXISTS \"film_list\""]);
        assert_eq!((v.table, v.order), (None, 7));
        let t = object(&row(
            [
                "trigger",
                "film_ai",
                "film",
                "CREATE TRIGGER film_ai AFTER INSERT ON film BEGIN SELECT 1; END",
            ],
            9,
        ))
        .unwrap();
        assert_eq!(t.table.as_deref(), Some("film"));
        assert_eq!(t.created().to_string(), "trigger film_ai on film");
        assert!(object(&row(["index", "x", "t", "CREATE INDEX x ON t (a)"], 1)).is_none());
    }
}
