//! Reading the current schema's catalog into a [`Catalog`] with six
//! queries whatever the number of tables: tables (with comments and a
//! partitioned table's key), columns (types, nullability, defaults,
//! identity, generated expressions, collations, comments), constraints
//! (primary key, unique, foreign key, check, exclusion), indexes other than
//! those backing a constraint (per key part: column or expression, order,
//! operator class; method, predicate, INCLUDE columns), invalid indexes,
//! and the schema's other objects ([`Catalog::objects`]). Tables an
//! extension owns, partitions and internal schemas are not read as tables.
//! An unsigned column is read back from its range check. What no model can
//! declare (an index with NULLS FIRST/LAST against its order or an unknown
//! method, a GENERATED ALWAYS identity, a foreign key's DEFERRABLE or NOT
//! VALID, an exclusion constraint) is kept as [`CatalogTable::unmodelled`],
//! so that a change to it is still drift.

#[cfg(feature = "postgres")]
use super::connection::{PostgresDatabase, fetch};
use super::{sqlexpr, types};
use crate::{Database, DbError, Value};
use remodel_model::catalog::{
    Catalog, CatalogColumn, CatalogForeignKey, CatalogIndex, CatalogObject, CatalogTable,
    ObjectKind, Unmodelled,
};
use remodel_model::{Auto, ColumnDefault, Generated, IndexMethod, IndexOptions, OnDelete};
use std::collections::BTreeMap;

/// The user tables of the current schema (`oid`, `relname`), as a CTE
/// named `c` that every query starts with; with `only`, just those tables.
fn tables_cte(only: Option<&[String]>) -> String {
    let filter = match only {
        None => String::new(),
        Some(names) => {
            let names: Vec<String> = names
                .iter()
                .map(|n| crate::literal::quote_string(n))
                .collect();
            format!(
                " AND t.relname IN ({})",
                if names.is_empty() {
                    "NULL".to_string()
                } else {
                    names.join(", ")
                }
            )
        }
    };
    // Partitions and inherited tables are objects of the schema, not
    // tables of it — but a table named (what a guard checks) is read
    // whatever it is, so that no statement runs on it unchecked.
    let children = match only {
        None => {
            "AND NOT t.relispartition \
            AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits inh WHERE inh.inhrelid = t.oid) "
        }
        Some(_) => "",
    };
    format!(
        "WITH c AS (SELECT t.oid, t.relname FROM pg_catalog.pg_class t \
    JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace \
    WHERE n.nspname = current_schema() AND t.relkind IN ('r', 'p') {children}\
    AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep \
        WHERE dep.classid = 'pg_catalog.pg_class'::regclass AND dep.objid = t.oid AND dep.deptype = 'e'){filter})"
    )
}

/// Which server, database and schema a connection reads: a second
/// connection's catalog is used only when it reads the same.
const SERVER_IDENTITY: &str = "SELECT current_database()::text, current_schema()::text, \
    coalesce(host(inet_server_addr()), ''), coalesce(inet_server_port(), 0), \
    pg_postmaster_start_time()::text";

/// `NOT EXISTS` an extension owning the object `oid` of catalog `catalog`
/// (`pg_class`, `pg_proc`, `pg_type`): an extension's objects are its own.
pub(super) fn not_in_extension(catalog: &str, oid: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep \
         WHERE dep.classid = 'pg_catalog.{catalog}'::regclass AND dep.objid = {oid} AND dep.deptype = 'e')"
    )
}

/// The objects of the current schema that are not tables a model can
/// describe, one row each (kind as [`ObjectKind::noun`] spells it, name,
/// table, definition), in one query: views and materialized views,
/// partitioned tables (their key), partitions (their bounds) and inherited
/// tables, triggers other than those of constraints, rules other than
/// views' own, functions, procedures and aggregates (named with their
/// argument types), sequences no column owns (serial and identity ones are
/// owned), domains, enum types, and the database's extensions but plpgsql.
fn objects_sql() -> String {
    let ns = "(SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = current_schema())";
    let class = not_in_extension("pg_class", "c.oid");
    let proc = not_in_extension("pg_proc", "p.oid");
    let ty = not_in_extension("pg_type", "t.oid");
    format!(
        "SELECT kind, name, tbl, def FROM ( \
         SELECT CASE c.relkind WHEN 'v' THEN 'view' ELSE 'materialized view' END AS kind, \
             c.relname::text AS name, NULL::text AS tbl, pg_catalog.pg_get_viewdef(c.oid) AS def \
             FROM pg_catalog.pg_class c WHERE c.relnamespace = {ns} AND c.relkind IN ('v', 'm') AND {class} \
         UNION ALL SELECT 'partitioned table', c.relname::text, c.relname::text, \
             pg_catalog.pg_get_partkeydef(c.oid) \
             FROM pg_catalog.pg_class c WHERE c.relnamespace = {ns} AND c.relkind = 'p' AND {class} \
         UNION ALL SELECT CASE WHEN c.relispartition THEN 'partition' ELSE 'inherited table' END, \
             c.relname::text, pa.relname::text, \
             CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) ELSE '' END \
             FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid \
             JOIN pg_catalog.pg_class pa ON pa.oid = i.inhparent \
             WHERE c.relnamespace = {ns} AND c.relkind IN ('r', 'p') AND {class} \
         UNION ALL SELECT 'trigger', tg.tgname::text, c.relname::text, pg_catalog.pg_get_triggerdef(tg.oid) \
             FROM pg_catalog.pg_trigger tg JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid \
             WHERE c.relnamespace = {ns} AND NOT tg.tgisinternal AND {class} \
         UNION ALL SELECT 'rule', r.rulename::text, c.relname::text, pg_catalog.pg_get_ruledef(r.oid) \
             FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class \
             WHERE c.relnamespace = {ns} AND r.rulename <> '_RETURN' AND {class} \
         UNION ALL SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END, \
             p.proname::text || '(' || pg_catalog.oidvectortypes(p.proargtypes) || ')', NULL, \
             CASE WHEN p.prokind <> 'a' THEN pg_catalog.pg_get_functiondef(p.oid) ELSE '' END \
             FROM pg_catalog.pg_proc p WHERE p.pronamespace = {ns} AND {proc} \
         UNION ALL SELECT 'sequence', c.relname::text, NULL, '' \
             FROM pg_catalog.pg_class c WHERE c.relnamespace = {ns} AND c.relkind = 'S' AND {class} \
             AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend own \
                 WHERE own.classid = 'pg_catalog.pg_class'::regclass AND own.objid = c.oid \
                 AND own.refclassid = 'pg_catalog.pg_class'::regclass AND own.deptype IN ('a', 'i')) \
         UNION ALL SELECT 'domain', t.typname::text, NULL, \
             pg_catalog.format_type(t.typbasetype, t.typtypmod) || coalesce((SELECT ' ' || \
                 string_agg(pg_catalog.pg_get_constraintdef(con.oid), ' ' ORDER BY con.conname) \
                 FROM pg_catalog.pg_constraint con WHERE con.contypid = t.oid), '') \
             FROM pg_catalog.pg_type t WHERE t.typnamespace = {ns} AND t.typtype = 'd' AND {ty} \
         UNION ALL SELECT 'enum type', t.typname::text, NULL, \
             (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) \
                 FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid) \
             FROM pg_catalog.pg_type t WHERE t.typnamespace = {ns} AND t.typtype = 'e' AND {ty} \
         UNION ALL SELECT 'extension', x.extname::text, NULL, x.extversion::text \
             FROM pg_catalog.pg_extension x WHERE x.extname <> 'plpgsql' \
         ) o ORDER BY 1, 3 NULLS FIRST, 2"
    )
}

/// How long the second connection may take to open before its queries are
/// run on the first instead.
const HELPER_CONNECT: std::time::Duration = std::time::Duration::from_millis(500);

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::Text(s)) => s.clone(),
        Some(Value::Int(i)) => i.to_string(),
        Some(Value::Float(x)) => x.to_string(),
        _ => String::new(),
    }
}

fn opt_text(v: Option<&Value>) -> Option<String> {
    match v {
        None | Some(Value::Null) => None,
        other => Some(text(other)),
    }
}

fn int(v: Option<&Value>) -> i64 {
    match v {
        Some(Value::Int(i)) => *i,
        Some(Value::Text(s)) => s.parse().unwrap_or(0),
        _ => 0,
    }
}

fn flag(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Int(1))) || matches!(v, Some(Value::Text(s)) if s == "t")
}

fn on_delete(code: &str) -> OnDelete {
    match code {
        "c" => OnDelete::Cascade,
        "r" => OnDelete::Restrict,
        "n" => OnDelete::SetNull,
        "d" => OnDelete::SetDefault,
        _ => OnDelete::NoAction,
    }
}

/// One constraint's rows, gathered.
#[derive(Default)]
struct ConRows {
    kind: String,
    columns: Vec<String>,
    ref_table: String,
    ref_columns: Vec<String>,
    on_delete: String,
    check: Option<String>,
    on_update: String,
    deferrable: bool,
    validated: bool,
    definition: String,
}

/// Reads the current schema.
#[cfg(feature = "postgres")]
pub(crate) async fn introspect(
    db: &mut PostgresDatabase,
    only: Option<&[String]>,
) -> Result<Catalog, DbError> {
    let ie = |e: DbError| DbError::Introspect(e.to_string());
    let tables = tables_cte(only);
    let tables_sql = format!(
        "{tables} SELECT c.relname::text, ds.description, \
             CASE WHEN t.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END FROM c \
             JOIN pg_catalog.pg_class t ON t.oid = c.oid \
             LEFT JOIN pg_catalog.pg_description ds ON ds.objoid = c.oid \
                 AND ds.classoid = 'pg_catalog.pg_class'::regclass AND ds.objsubid = 0 \
             ORDER BY 1"
    );
    let columns_sql = format!(
        "{tables} SELECT c.relname::text, a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod), \
             a.attnotnull, pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, \
             a.attgenerated::text, ds.description, \
             CASE WHEN a.attcollation <> 0 AND a.attcollation <> ty.typcollation THEN co.collname::text END, \
             EXISTS (SELECT 1 FROM pg_catalog.pg_depend own \
                 WHERE own.classid = 'pg_catalog.pg_class'::regclass AND own.refclassid = 'pg_catalog.pg_class'::regclass \
                 AND own.refobjid = a.attrelid AND own.refobjsubid = a.attnum AND own.deptype IN ('a', 'i')) \
             FROM c \
             JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
             JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid \
             LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation \
             LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
             LEFT JOIN pg_catalog.pg_description ds ON ds.objoid = c.oid \
                 AND ds.classoid = 'pg_catalog.pg_class'::regclass AND ds.objsubid = a.attnum \
             ORDER BY 1, a.attnum"
    );
    let constraints_sql = format!(
        "{tables} SELECT c.relname::text, con.conname::text, con.contype::text, k.ord, a.attname::text, \
             fc.relname::text, fa.attname::text, con.confdeltype::text, \
             CASE WHEN con.contype = 'c' THEN pg_catalog.pg_get_expr(con.conbin, con.conrelid) END, \
             con.confupdtype::text, con.condeferrable, con.convalidated, \
             CASE WHEN con.contype = 'x' THEN pg_catalog.pg_get_constraintdef(con.oid) END \
             FROM c \
             JOIN pg_catalog.pg_constraint con ON con.conrelid = c.oid AND con.contype IN ('p', 'u', 'f', 'c', 'x') \
             LEFT JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(attnum, fattnum, ord) \
                 ON con.contype <> 'c' \
             LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum \
             LEFT JOIN pg_catalog.pg_class fc ON fc.oid = con.confrelid \
             LEFT JOIN pg_catalog.pg_attribute fa ON fa.attrelid = con.confrelid AND fa.attnum = k.fattnum \
             ORDER BY 1, 2, 4"
    );
    // Every valid index that backs no constraint, one row per column or
    // expression (key parts, then INCLUDE columns): the part's text, its
    // sort option and operator class (when not the default), the method,
    // the predicate, and the whole definition (on the first row) for a fact.
    let indexes_sql = format!(
        "{tables} SELECT c.relname::text, i.relname::text, ix.indisunique, k.ord, a.attname::text, \
             pg_catalog.pg_get_indexdef(ix.indexrelid, k.ord::int, true), am.amname::text, \
             ix.indoption[k.ord - 1]::int, CASE WHEN NOT oc.opcdefault THEN oc.opcname::text END, \
             ix.indnkeyatts::int, pg_catalog.pg_get_expr(ix.indpred, ix.indrelid, true), \
             CASE WHEN k.ord = 1 THEN pg_catalog.pg_get_indexdef(ix.indexrelid) END \
             FROM c \
             JOIN pg_catalog.pg_index ix ON ix.indrelid = c.oid \
             JOIN pg_catalog.pg_class i ON i.oid = ix.indexrelid \
             JOIN pg_catalog.pg_am am ON am.oid = i.relam \
             JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) ON true \
             LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum \
             AND k.attnum > 0 \
             LEFT JOIN pg_catalog.pg_opclass oc ON oc.oid = ix.indclass[k.ord - 1] AND k.ord <= ix.indnkeyatts \
             WHERE ix.indisvalid \
             AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con \
                 WHERE con.conindid = ix.indexrelid AND con.conrelid = c.oid AND con.contype IN ('p', 'u', 'x')) \
             ORDER BY 1, 2, 4"
    );
    let other_indexes_sql = format!(
        "{tables} SELECT c.relname::text, i.relname::text, ix.indisvalid, \
             pg_catalog.pg_get_indexdef(ix.indexrelid) \
             FROM c \
             JOIN pg_catalog.pg_index ix ON ix.indrelid = c.oid \
             JOIN pg_catalog.pg_class i ON i.oid = ix.indexrelid \
             WHERE NOT ix.indisvalid \
             AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con \
                 WHERE con.conindid = ix.indexrelid AND con.conrelid = c.oid AND con.contype IN ('p', 'u', 'x')) \
             ORDER BY 1, 2"
    );

    // Constraints and indexes are read on a second connection while the
    // rest is read on this one, when a second can be had quickly and reaches
    // the same server, database and schema; otherwise (or should anything go
    // wrong on it) they are read here afterwards.
    let helper = db.helper_options();
    let side_by_side = helper.is_some();
    let main = async {
        let identity = match side_by_side {
            true => Some(db.query(SERVER_IDENTITY, &[]).await?),
            false => None,
        };
        let tables = db.query(&tables_sql, &[]).await?;
        let columns = db.query(&columns_sql, &[]).await?;
        let other_indexes = db.query(&other_indexes_sql, &[]).await?;
        // What is not a table belongs to no one table: read with all of them.
        let objects = match only {
            None => db.query(&objects_sql(), &[]).await?,
            Some(_) => Vec::new(),
        };
        Ok::<_, DbError>((identity, tables, columns, other_indexes, objects))
    };
    let side = async {
        let connecting = sqlx::ConnectOptions::connect(helper.as_ref()?);
        let mut conn = tokio::time::timeout(HELPER_CONNECT, connecting)
            .await
            .ok()?
            .ok()?;
        let read = async {
            let identity = fetch(&mut conn, SERVER_IDENTITY, &[]).await?;
            let constraints = fetch(&mut conn, &constraints_sql, &[]).await?;
            let indexes = fetch(&mut conn, &indexes_sql, &[]).await?;
            Ok::<_, DbError>((identity, constraints, indexes))
        }
        .await;
        let _ = sqlx::Connection::close(conn).await;
        read.ok()
    };
    let (main, side) = tokio::join!(main, side);
    let (identity, tables, columns, other_indexes, objects) = main.map_err(ie)?;
    let (constraints, indexes) = match side {
        Some((theirs, constraints, indexes)) if identity.as_ref() == Some(&theirs) => {
            db.count_helper_queries(3);
            (constraints, indexes)
        }
        _ => (
            db.query(&constraints_sql, &[]).await.map_err(ie)?,
            db.query(&indexes_sql, &[]).await.map_err(ie)?,
        ),
    };

    let mut catalog = Catalog::default();
    for row in &tables {
        catalog.tables.insert(
            text(row.first()),
            CatalogTable {
                comment: opt_text(row.get(1)).filter(|c| !c.is_empty()),
                partition_by: opt_text(row.get(2))
                    .map(|k| remodel_model::partition::normalize(&k).unwrap_or(k)),
                ..CatalogTable::default()
            },
        );
    }

    for row in &columns {
        let Some(t) = catalog.tables.get_mut(&text(row.first())) else {
            continue;
        };
        let col = text(row.get(1));
        let table = text(row.first());
        // A generated column (PostgreSQL 15 has stored ones only): its
        // expression is what pg_attrdef holds, not a default.
        let generated = (!text(row.get(6)).is_empty()).then(|| Generated {
            expr: sqlexpr::canonical(&text(row.get(4))),
            stored: true,
        });
        let ty = types::from_sql(&text(row.get(2)));
        let identity = !text(row.get(5)).is_empty();
        if text(row.get(5)) == "a" {
            t.add_fact(
                format!("column {col}"),
                Unmodelled::new(
                    "is GENERATED ALWAYS AS IDENTITY (an auto key is GENERATED BY DEFAULT)",
                    &[&table, &col],
                ),
            );
        }
        let mut default = opt_text(row.get(4))
            .filter(|_| generated.is_none())
            .and_then(|d| sqlexpr::parse_default(&d, &ty));
        // An integer whose default takes the next value of a sequence it
        // owns (a `serial`) is the sequence key form, on the key or any
        // column. A sequence no column owns is an object of its own, and
        // the default that uses it stays as written.
        let owns_sequence = flag(row.get(9));
        let auto = if identity {
            Auto::Yes
        } else if ty.is_integer()
            && owns_sequence
            && matches!(&default, Some(ColumnDefault::Sql(s)) if sqlexpr::is_nextval(s))
        {
            default = None;
            Auto::Sequence
        } else {
            Auto::No
        };
        t.column_order.0.push(col.clone());
        t.columns.insert(
            col,
            CatalogColumn {
                ty,
                null: !flag(row.get(3)),
                default,
                comment: opt_text(row.get(7)).filter(|c| !c.is_empty()),
                auto,
                collation: opt_text(row.get(8)),
                charset: None,
                on_update_sql: None,
                generated,
            },
        );
    }

    let mut grouped: BTreeMap<(String, String), ConRows> = BTreeMap::new();
    for row in &constraints {
        let g = grouped
            .entry((text(row.first()), text(row.get(1))))
            .or_insert_with(|| ConRows {
                kind: text(row.get(2)),
                ref_table: text(row.get(5)),
                on_delete: text(row.get(7)),
                check: opt_text(row.get(8)),
                on_update: text(row.get(9)),
                deferrable: flag(row.get(10)),
                validated: flag(row.get(11)),
                definition: text(row.get(12)),
                ..ConRows::default()
            });
        if let Some(c) = opt_text(row.get(4)) {
            g.columns.push(c);
        }
        if let Some(c) = opt_text(row.get(6)) {
            g.ref_columns.push(c);
        }
    }
    for ((table, name), g) in grouped {
        let Some(t) = catalog.tables.get_mut(&table) else {
            continue;
        };
        if let Some(fact) = constraint_facts(&g) {
            t.add_fact(
                format!("{} {name}", constraint_noun(&g.kind)),
                Unmodelled::new(fact, &[&name]),
            );
        }
        match g.kind.as_str() {
            "p" => {
                t.primary_key = g.columns;
                t.primary_key_name = Some(name);
            }
            "u" => {
                t.uniques.insert(name, g.columns);
            }
            "f" => {
                t.foreign_keys.insert(
                    name,
                    CatalogForeignKey {
                        columns: g.columns,
                        ref_table: g.ref_table,
                        ref_columns: g.ref_columns,
                        on_delete: on_delete(&g.on_delete),
                        on_update: on_delete(&g.on_update),
                    },
                );
            }
            "c" => {
                let e = g.check.unwrap_or_default();
                t.checks.insert(name, sqlexpr::canonical(&e));
            }
            _ => {}
        }
    }

    for ((table, name), read) in indexes_from_rows(&indexes) {
        let Some(t) = catalog.tables.get_mut(&table) else {
            continue;
        };
        match read {
            Ok(ix) => {
                t.indexes.insert(name, ix);
            }
            Err(def) => {
                t.add_fact(
                    format!("index {name}"),
                    Unmodelled::new(format!("is `{def}`"), &[&name]),
                );
            }
        }
    }
    for row in &other_indexes {
        if let Some(t) = catalog.tables.get_mut(&text(row.first())) {
            let name = text(row.get(1));
            let def = text(row.get(3));
            let what = if flag(row.get(2)) {
                format!("is `{def}`")
            } else {
                format!("is INVALID (a CREATE INDEX CONCURRENTLY that failed), `{def}`")
            };
            t.add_fact(format!("index {name}"), Unmodelled::new(what, &[&name]));
        }
    }
    for (name, t) in catalog.tables.iter_mut() {
        t.recognize_unsigned(name, &sqlexpr::canonical, true);
    }
    catalog.objects = objects_from_rows(&objects);
    // Enum types with their values (the object's definition lists them).
    catalog.enums = catalog
        .objects
        .iter()
        .filter(|o| o.kind == ObjectKind::EnumType)
        .map(|o| (o.name.clone(), literal_list(&o.definition)))
        .collect();
    Ok(catalog)
}

/// The rows of the index query as indexes by (table, name): each one a
/// model can say, or its definition when it has what no model can (an
/// unknown method, NULLS FIRST/LAST against the sort order, a column at
/// a non-default collation is not read and so not among these).
pub(crate) fn indexes_from_rows(
    rows: &[Vec<Value>],
) -> BTreeMap<(String, String), Result<CatalogIndex, String>> {
    let mut out: BTreeMap<(String, String), Result<CatalogIndex, String>> = BTreeMap::new();
    let mut defs: BTreeMap<(String, String), String> = BTreeMap::new();
    for row in rows {
        let key = (text(row.first()), text(row.get(1)));
        if let Some(def) = opt_text(row.get(11)) {
            defs.insert(key.clone(), def);
        }
        let entry = out.entry(key.clone()).or_insert_with(|| {
            let method = text(row.get(6));
            let using =
                IndexMethod::parse(&method).filter(|m| m.is_none_or(|m| !m.is_mysql_kind()));
            let predicate = opt_text(row.get(10)).map(|p| sqlexpr::canonical(&p));
            match using {
                Some(using) => Ok(CatalogIndex {
                    unique: flag(row.get(2)),
                    options: IndexOptions {
                        using,
                        predicate,
                        ..Default::default()
                    },
                    ..Default::default()
                }),
                None => Err(String::new()),
            }
        });
        let Ok(ix) = entry else {
            continue;
        };
        let ord = int(row.get(3));
        let keys = int(row.get(9));
        let column = opt_text(row.get(4));
        if ord > keys {
            match column {
                Some(c) => ix.include.push(c),
                None => *entry = Err(String::new()),
            }
            continue;
        }
        // Bit 1 is DESC, bit 2 NULLS FIRST: only the pairs a sort order
        // implies (ASC NULLS LAST, DESC NULLS FIRST) can be said.
        let desc = match int(row.get(7)) {
            0 => false,
            3 => true,
            _ => {
                *entry = Err(String::new());
                continue;
            }
        };
        let o = &mut ix.options;
        match column {
            // A column before any expression is a plain key column; after
            // one, it is an expression that names the column.
            Some(c) if o.expressions.is_empty() => ix.columns.push(c),
            _ => o.expressions.push(sqlexpr::canonical(&text(row.get(5)))),
        }
        o.descending.push(desc);
        o.opclasses.push(opt_text(row.get(8)).unwrap_or_default());
    }
    out.into_iter()
        .map(|(key, read)| {
            let read = match read {
                Ok(mut ix) => {
                    let parts = ix.columns.len() + ix.options.expressions.len();
                    ix.options = ix.options.tidy(parts);
                    Ok(ix)
                }
                Err(_) => Err(defs.get(&key).cloned().unwrap_or_default()),
            };
            (key, read)
        })
        .collect()
}

/// The values of a list of string literals as `quote_literal` writes them
/// (`'G', 'PG-13', E'a\\b'`).
fn literal_list(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let escapes = c == 'E' && chars.peek() == Some(&'\'');
        if escapes {
            chars.next();
        } else if c != '\'' {
            continue;
        }
        let mut value = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    value.push('\'');
                }
                '\'' => break,
                '\\' if escapes => value.extend(chars.next()),
                other => value.push(other),
            }
        }
        out.push(value);
    }
    out
}

/// The rows of [`objects_sql`] as objects (rows of an unknown kind skipped).
fn objects_from_rows(rows: &[Vec<Value>]) -> Vec<CatalogObject> {
    rows.iter()
        .filter_map(|row| {
            Some(CatalogObject {
                kind: ObjectKind::parse(&text(row.first()))?,
                name: text(row.get(1)),
                table: opt_text(row.get(2)),
                definition: text(row.get(3)),
            })
        })
        .collect()
}

/// What a constraint kind is called in a difference.
fn constraint_noun(kind: &str) -> &'static str {
    match kind {
        "p" => "primary key",
        "u" => "unique constraint",
        "f" => "foreign key",
        "c" => "check",
        _ => "constraint",
    }
}

/// What a constraint has that no model declares, if anything, as the rest
/// of a sentence (`has ON UPDATE CASCADE, DEFERRABLE`).
fn constraint_facts(g: &ConRows) -> Option<String> {
    if g.kind == "x" {
        return Some(format!("is an exclusion constraint, `{}`", g.definition));
    }
    let mut parts = Vec::new();
    if g.deferrable {
        parts.push("DEFERRABLE".to_string());
    }
    if !g.validated {
        parts.push("NOT VALID".to_string());
    }
    (!parts.is_empty()).then(|| format!("has {}", parts.join(", ")))
}

#[cfg(test)]
mod literal_tests {
    use super::literal_list;

    #[test]
    fn enum_values_are_read_from_their_literals() {
        assert_eq!(
            literal_list("'G', 'PG-13', 'it''s', E'a\\\\b'"),
            ["G", "PG-13", "it's", "a\\b"]
        );
        assert!(literal_list("").is_empty());
    }
}
