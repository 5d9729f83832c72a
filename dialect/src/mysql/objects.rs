//! The SQL that recreates the database's views, triggers, routines, events
//! and (MariaDB) sequences, read with the server's `SHOW CREATE …`, without
//! the `DEFINER` (the account that made them need not exist on a fresh
//! server; the creating account becomes the definer, as a fresh install
//! would have it) and without the database's own name as a qualifier;
//! each made again under the session settings the server kept with it
//! (`sql_mode`, the client's character set and collation, an event's time
//! zone), the
//! connection's own restored after it.

use crate::object_sql::statement;
use crate::{Database, DbError, ObjectSql, Value};
use remodel_model::catalog::ObjectKind;

/// Every object, one row each: kind, name, table, creation time, the order
/// among triggers of one table. Routines first, then views, triggers,
/// events: the order they can be created in.
const LIST_SQL: &str = "SELECT CAST(LOWER(ROUTINE_TYPE) AS CHAR), CAST(ROUTINE_NAME AS CHAR), CAST(NULL AS CHAR), \
     CAST(CREATED AS CHAR), 0, 1 FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() \
     UNION ALL SELECT CAST('sequence' AS CHAR), CAST(TABLE_NAME AS CHAR), CAST(NULL AS CHAR), \
     CAST(CREATE_TIME AS CHAR), 0, 0 FROM information_schema.TABLES \
     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'SEQUENCE' \
     UNION ALL SELECT CAST('view' AS CHAR), CAST(TABLE_NAME AS CHAR), CAST(NULL AS CHAR), \
     CAST('' AS CHAR), 0, 2 FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() \
     UNION ALL SELECT CAST('trigger' AS CHAR), CAST(TRIGGER_NAME AS CHAR), CAST(EVENT_OBJECT_TABLE AS CHAR), \
     CAST(CREATED AS CHAR), ACTION_ORDER, 3 FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() \
     UNION ALL SELECT CAST('event' AS CHAR), CAST(EVENT_NAME AS CHAR), CAST(NULL AS CHAR), \
     CAST(CREATED AS CHAR), 0, 4 FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE() \
     UNION ALL SELECT DISTINCT CAST('partitioned table' AS CHAR), CAST(TABLE_NAME AS CHAR), \
     CAST(TABLE_NAME AS CHAR), CAST('' AS CHAR), 0, 5 \
     FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = DATABASE() AND PARTITION_NAME IS NOT NULL \
     UNION ALL SELECT CAST('partition' AS CHAR), CAST(PARTITION_NAME AS CHAR), CAST(TABLE_NAME AS CHAR), \
     CAST('' AS CHAR), PARTITION_ORDINAL_POSITION, 6 \
     FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = DATABASE() AND PARTITION_NAME IS NOT NULL \
     AND (SUBPARTITION_ORDINAL_POSITION IS NULL OR SUBPARTITION_ORDINAL_POSITION = 1) \
     ORDER BY 6, 4, 3, 5, 2";

fn cell(row: &[Value], i: usize) -> String {
    match row.get(i) {
        Some(Value::Text(s)) => s.clone(),
        Some(Value::Int(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// The session settings an object was made under, which the server keeps
/// with it (its `sql_mode`; the client's character set and collation; an
/// event's time zone), as
/// one `SET` from the row `SHOW CREATE` gives; `None` for a sequence.
fn settings(kind: ObjectKind, shown: &[Value]) -> Option<String> {
    // (sql_mode, character_set_client, collation_connection) columns.
    let (mode, client, collation) = match kind {
        ObjectKind::View => (None, 2, 3),
        ObjectKind::Trigger | ObjectKind::Function | ObjectKind::Procedure => (Some(1), 3, 4),
        ObjectKind::Event => (Some(1), 4, 5),
        _ => return None,
    };
    let literal = |i: usize| format!("'{}'", cell(shown, i).replace('\'', "''"));
    let mut parts = Vec::new();
    if let Some(m) = mode {
        parts.push(format!("sql_mode = {}", literal(m)));
    }
    // An event keeps the time zone its schedule was given in.
    if kind == ObjectKind::Event {
        parts.push(format!("time_zone = {}", literal(2)));
    }
    parts.push(format!("character_set_client = {}", literal(client)));
    parts.push(format!("collation_connection = {}", literal(collation)));
    Some(format!("SET SESSION {}", parts.join(", ")))
}

/// `name` quoted as MySQL quotes identifiers.
fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// Reads every object's SQL.
pub(crate) async fn object_sql(db: &mut dyn Database) -> Result<Vec<ObjectSql>, DbError> {
    let ie = |e: DbError| DbError::Introspect(e.to_string());
    let schema = db
        .query("SELECT CAST(DATABASE() AS CHAR)", &[])
        .await
        .map_err(ie)?
        .first()
        .map(|r| cell(r, 0))
        .unwrap_or_default();
    let list = db.query(LIST_SQL, &[]).await.map_err(ie)?;
    let mut out = Vec::new();
    for (order, row) in list.iter().enumerate() {
        let Some(kind) = ObjectKind::parse(&cell(row, 0)) else {
            continue;
        };
        let name = cell(row, 1);
        let table = match row.get(2) {
            Some(Value::Text(t)) => Some(t.clone()),
            _ => None,
        };
        // A table's partitioning is a clause of the table: added to the
        // table the model creates, removed as a whole; its partitions come
        // with it.
        match kind {
            ObjectKind::PartitionedTable => {
                let shown = db
                    .query(&format!("SHOW CREATE TABLE {}", quote(&name)), &[])
                    .await
                    .map_err(ie)?;
                let Some(clause) = shown.first().and_then(|r| partitioning(&cell(r, 1))) else {
                    continue;
                };
                out.push(ObjectSql {
                    kind,
                    create: vec![format!("ALTER TABLE {} {clause}", quote(&name))],
                    drop: vec![format!("ALTER TABLE {} REMOVE PARTITIONING", quote(&name))],
                    name,
                    table,
                    order: order as i64,
                });
                continue;
            }
            ObjectKind::Partition => {
                out.push(ObjectSql {
                    kind,
                    create: Vec::new(),
                    drop: Vec::new(),
                    name,
                    table,
                    order: order as i64,
                });
                continue;
            }
            _ => {}
        }
        let (show, column, noun) = match kind {
            ObjectKind::View => ("VIEW", 1, "VIEW"),
            ObjectKind::Trigger => ("TRIGGER", 2, "TRIGGER"),
            ObjectKind::Function => ("FUNCTION", 2, "FUNCTION"),
            ObjectKind::Procedure => ("PROCEDURE", 2, "PROCEDURE"),
            ObjectKind::Event => ("EVENT", 3, "EVENT"),
            ObjectKind::Sequence => ("SEQUENCE", 1, "SEQUENCE"),
            _ => continue,
        };
        let shown = db
            .query(&format!("SHOW CREATE {show} {}", quote(&name)), &[])
            .await
            .map_err(ie)?;
        let Some(text) = shown.first().map(|r| cell(r, column)) else {
            continue;
        };
        if text.is_empty() {
            continue;
        }
        let made = statement(&unqualified(&without_definer(&text), &schema));
        let create = match settings(kind, &shown[0]) {
            Some(set) => vec![
                "SET @remodel_sql_mode = @@SESSION.sql_mode, \
                 @remodel_client = @@SESSION.character_set_client, \
                 @remodel_collation = @@SESSION.collation_connection, \
                 @remodel_time_zone = @@SESSION.time_zone"
                    .to_string(),
                set,
                made,
                "SET SESSION sql_mode = @remodel_sql_mode, \
                 character_set_client = @remodel_client, \
                 collation_connection = @remodel_collation, \
                 time_zone = @remodel_time_zone"
                    .to_string(),
            ],
            None => vec![made],
        };
        out.push(ObjectSql {
            kind,
            create,
            drop: vec![format!("DROP {noun} IF EXISTS {}", quote(&name))],
            name,
            table,
            order: order as i64,
        });
    }
    Ok(out)
}

/// The `PARTITION BY …` clause of a table's `SHOW CREATE TABLE`, without
/// MySQL's version comment around it.
fn partitioning(create: &str) -> Option<String> {
    let at = create.find("PARTITION BY")?;
    let clause = create[at..].trim().trim_end_matches("*/").trim();
    Some(clause.to_string())
}

/// The statement without its `DEFINER=user@host` clause.
fn without_definer(sql: &str) -> String {
    let upper = sql.to_ascii_uppercase();
    let Some(at) = upper.find("DEFINER=") else {
        return sql.to_string();
    };
    // The account runs to the first blank outside quotes.
    let rest = &sql[at + "DEFINER=".len()..];
    let mut quote: Option<char> = None;
    let mut end = rest.len();
    for (i, c) in rest.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '`' || c == '\'' || c == '"' => quote = Some(c),
            None if c.is_whitespace() => {
                end = i;
                break;
            }
            None => {}
        }
    }
    let after = rest[end..].trim_start();
    format!("{}{after}", &sql[..at])
}

/// The statement without `` `schema`. `` qualifiers naming the database
/// itself, so it recreates the object in whichever database runs it.
fn unqualified(sql: &str, schema: &str) -> String {
    if schema.is_empty() {
        return sql.to_string();
    }
    sql.replace(&format!("{}.", quote(schema)), "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_made_under_the_settings_kept_with_them() {
        let row = |cells: &[&str]| {
            cells
                .iter()
                .map(|c| Value::Text(c.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            settings(
                ObjectKind::Trigger,
                &row(&[
                    "t",
                    "STRICT_TRANS_TABLES",
                    "CREATE …",
                    "utf8mb3",
                    "utf8mb3_general_ci"
                ])
            )
            .as_deref(),
            Some(
                "SET SESSION sql_mode = 'STRICT_TRANS_TABLES', character_set_client = 'utf8mb3', collation_connection = 'utf8mb3_general_ci'"
            )
        );
        assert_eq!(
            settings(
                ObjectKind::View,
                &row(&["v", "CREATE …", "utf8mb4", "utf8mb4_bin"])
            )
            .as_deref(),
            Some(
                "SET SESSION character_set_client = 'utf8mb4', collation_connection = 'utf8mb4_bin'"
            )
        );
        assert_eq!(
            settings(ObjectKind::Sequence, &row(&["s", "CREATE …"])),
            None
        );
    }

    #[test]
    fn a_tables_partitioning_is_its_clause() {
        let mariadb = "CREATE TABLE `log` (\n  `at` int(11) NOT NULL\n) ENGINE=InnoDB\n PARTITION BY RANGE (`at`)\n(PARTITION `p1` VALUES LESS THAN (2025) ENGINE = InnoDB)";
        assert_eq!(
            partitioning(mariadb).as_deref(),
            Some(
                "PARTITION BY RANGE (`at`)\n(PARTITION `p1` VALUES LESS THAN (2025) ENGINE = InnoDB)"
            )
        );
        let mysql = "CREATE TABLE `log` (\n  `at` int NOT NULL\n) ENGINE=InnoDB\n/*!50100 PARTITION BY RANGE (`at`)\n(PARTITION p1 VALUES LESS THAN (2025) ENGINE = InnoDB) */";
        assert_eq!(
            partitioning(mysql).as_deref(),
            Some(
                "PARTITION BY RANGE (`at`)\n(PARTITION p1 VALUES LESS THAN (2025) ENGINE = InnoDB)"
            )
        );
        assert_eq!(partitioning("CREATE TABLE t (a int)"), None);
    }

    #[test]
    fn definers_and_own_qualifiers_are_taken_out() {
        assert_eq!(
            without_definer(
                "CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`127.0.0.1` SQL SECURITY DEFINER VIEW `v` AS select 1"
            ),
            "CREATE ALGORITHM=UNDEFINED SQL SECURITY DEFINER VIEW `v` AS select 1"
        );
        assert_eq!(
            without_definer(
                "CREATE DEFINER=`a b`@`%` TRIGGER `t` BEFORE INSERT ON `x` FOR EACH ROW SET @a = 1"
            ),
            "CREATE TRIGGER `t` BEFORE INSERT ON `x` FOR EACH ROW SET @a = 1"
        );
        assert_eq!(
            without_definer("CREATE VIEW v AS select 1"),
            "CREATE VIEW v AS select 1"
        );
        assert_eq!(
            unqualified("select `shop`.`film`.`id` from `shop`.`film`", "shop"),
            "select `film`.`id` from `film`"
        );
    }
}
