//! The SQL that recreates the current schema's objects other than models'
//! tables, read with PostgreSQL's own deparsers (`pg_get_viewdef`,
//! `pg_get_functiondef`, `pg_get_triggerdef`, …) and, where it has none
//! (sequences, domains, enum types, aggregates, inherited tables), built
//! from the catalog the way `pg_dump` prints them.

use super::introspect::not_in_extension;
use crate::object_sql::statement;
use crate::{DbError, ObjectSql, Value};
use remodel_model::catalog::ObjectKind;

/// One row per object: kind (as [`ObjectKind::noun`] spells it), name,
/// table, create, drop, order (the object's oid: PostgreSQL's creation
/// order). The kinds and filters are those of the introspector's object
/// list, so each listed object has its SQL.
fn objects_sql() -> String {
    let ns = "(SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = current_schema())";
    let class = not_in_extension("pg_class", "c.oid");
    let proc = not_in_extension("pg_proc", "p.oid");
    let ty = not_in_extension("pg_type", "t.oid");
    let opts = "coalesce(' WITH (' || array_to_string(c.reloptions, ', ') || ')', '')";
    format!(
        "SELECT kind, name, tbl, crt, drp, ord FROM ( \
         SELECT 'view' AS kind, c.relname::text AS name, NULL::text AS tbl, \
             'CREATE VIEW ' || quote_ident(c.relname) || {opts} || ' AS' || pg_catalog.pg_get_viewdef(c.oid) AS crt, \
             'DROP VIEW IF EXISTS ' || quote_ident(c.relname) AS drp, c.oid::bigint AS ord \
             FROM pg_catalog.pg_class c WHERE c.relnamespace = {ns} AND c.relkind = 'v' AND {class} \
         UNION ALL SELECT 'materialized view', c.relname::text, NULL, \
             'CREATE MATERIALIZED VIEW ' || quote_ident(c.relname) || {opts} || ' AS' \
                 || rtrim(pg_catalog.pg_get_viewdef(c.oid), ';'), \
             'DROP MATERIALIZED VIEW IF EXISTS ' || quote_ident(c.relname), c.oid::bigint \
             FROM pg_catalog.pg_class c WHERE c.relnamespace = {ns} AND c.relkind = 'm' AND {class} \
         UNION ALL SELECT CASE WHEN c.relispartition THEN 'partition' ELSE 'inherited table' END, \
             c.relname::text, pa.relname::text, \
             CASE WHEN c.relispartition THEN \
                 'CREATE TABLE ' || quote_ident(c.relname) || ' PARTITION OF ' || quote_ident(pa.relname) \
                 || ' ' || pg_catalog.pg_get_expr(c.relpartbound, c.oid) \
                 || CASE WHEN c.relkind = 'p' THEN ' PARTITION BY ' || pg_catalog.pg_get_partkeydef(c.oid) ELSE '' END \
             ELSE \
                 'CREATE TABLE ' || quote_ident(c.relname) || ' (' || coalesce((SELECT string_agg( \
                     quote_ident(a.attname) || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod) \
                     || coalesce(' DEFAULT ' || pg_catalog.pg_get_expr(d.adbin, d.adrelid), '') \
                     || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END, ', ' ORDER BY a.attnum) \
                     FROM pg_catalog.pg_attribute a LEFT JOIN pg_catalog.pg_attrdef d \
                         ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
                     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attinhcount = 0), '') \
                 || ') INHERITS (' || (SELECT string_agg(quote_ident(p2.relname), ', ' ORDER BY i2.inhseqno) \
                     FROM pg_catalog.pg_inherits i2 JOIN pg_catalog.pg_class p2 ON p2.oid = i2.inhparent \
                     WHERE i2.inhrelid = c.oid) || ')' \
             END, \
             'DROP TABLE IF EXISTS ' || quote_ident(c.relname), c.oid::bigint \
             FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid \
             JOIN pg_catalog.pg_class pa ON pa.oid = i.inhparent \
             WHERE c.relnamespace = {ns} AND c.relkind IN ('r', 'p') AND i.inhseqno = 1 AND {class} \
         UNION ALL SELECT 'trigger', tg.tgname::text, c.relname::text, pg_catalog.pg_get_triggerdef(tg.oid), \
             'DROP TRIGGER IF EXISTS ' || quote_ident(tg.tgname) || ' ON ' || quote_ident(c.relname), tg.oid::bigint \
             FROM pg_catalog.pg_trigger tg JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid \
             WHERE c.relnamespace = {ns} AND NOT tg.tgisinternal AND {class} \
         UNION ALL SELECT 'rule', r.rulename::text, c.relname::text, pg_catalog.pg_get_ruledef(r.oid), \
             'DROP RULE IF EXISTS ' || quote_ident(r.rulename) || ' ON ' || quote_ident(c.relname), r.oid::bigint \
             FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class \
             WHERE c.relnamespace = {ns} AND r.rulename <> '_RETURN' AND {class} \
         UNION ALL SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END, \
             p.proname::text || '(' || pg_catalog.oidvectortypes(p.proargtypes) || ')', NULL, \
             CASE WHEN p.prokind <> 'a' THEN pg_catalog.pg_get_functiondef(p.oid) ELSE \
                 (SELECT 'CREATE AGGREGATE ' || quote_ident(p.proname) || '(' \
                     || pg_catalog.pg_get_function_arguments(p.oid) || ') (SFUNC = ' || ag.aggtransfn::regproc::text \
                     || ', STYPE = ' || pg_catalog.format_type(ag.aggtranstype, NULL) \
                     || CASE WHEN ag.aggfinalfn <> 0 THEN ', FINALFUNC = ' || ag.aggfinalfn::regproc::text ELSE '' END \
                     || CASE WHEN ag.aggcombinefn <> 0 THEN ', COMBINEFUNC = ' || ag.aggcombinefn::regproc::text ELSE '' END \
                     || coalesce(', INITCOND = ' || quote_literal(ag.agginitval), '') \
                     || CASE WHEN ag.aggsortop <> 0 THEN ', SORTOP = OPERATOR(' || ag.aggsortop::regoperator::text || ')' ELSE '' END \
                     || ')' FROM pg_catalog.pg_aggregate ag WHERE ag.aggfnoid = p.oid) END, \
             'DROP ' || CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END \
                 || ' IF EXISTS ' || quote_ident(p.proname) || '(' || pg_catalog.oidvectortypes(p.proargtypes) || ')', \
             p.oid::bigint \
             FROM pg_catalog.pg_proc p WHERE p.pronamespace = {ns} AND {proc} \
         UNION ALL SELECT 'sequence', c.relname::text, NULL, \
             'CREATE SEQUENCE ' || quote_ident(c.relname) || ' AS ' || pg_catalog.format_type(s.seqtypid, NULL) \
                 || ' INCREMENT BY ' || s.seqincrement || ' MINVALUE ' || s.seqmin || ' MAXVALUE ' || s.seqmax \
                 || ' START WITH ' || s.seqstart || ' CACHE ' || s.seqcache \
                 || CASE WHEN s.seqcycle THEN ' CYCLE' ELSE '' END, \
             'DROP SEQUENCE IF EXISTS ' || quote_ident(c.relname), c.oid::bigint \
             FROM pg_catalog.pg_class c JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid \
             WHERE c.relnamespace = {ns} AND c.relkind = 'S' AND {class} \
             AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend own \
                 WHERE own.classid = 'pg_catalog.pg_class'::regclass AND own.objid = c.oid \
                 AND own.refclassid = 'pg_catalog.pg_class'::regclass AND own.deptype IN ('a', 'i')) \
         UNION ALL SELECT 'domain', t.typname::text, NULL, \
             'CREATE DOMAIN ' || quote_ident(t.typname) || ' AS ' || pg_catalog.format_type(t.typbasetype, t.typtypmod) \
                 || CASE WHEN t.typcollation <> 0 AND t.typcollation <> (SELECT bt.typcollation FROM pg_catalog.pg_type bt WHERE bt.oid = t.typbasetype) \
                     THEN ' COLLATE ' || (SELECT quote_ident(co.collname) FROM pg_catalog.pg_collation co WHERE co.oid = t.typcollation) ELSE '' END \
                 || coalesce(' DEFAULT ' || t.typdefault, '') \
                 || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END \
                 || coalesce((SELECT string_agg(' CONSTRAINT ' || quote_ident(con.conname) || ' ' \
                     || pg_catalog.pg_get_constraintdef(con.oid), '' ORDER BY con.conname) \
                     FROM pg_catalog.pg_constraint con WHERE con.contypid = t.oid AND con.contype = 'c'), ''), \
             'DROP DOMAIN IF EXISTS ' || quote_ident(t.typname), t.oid::bigint \
             FROM pg_catalog.pg_type t WHERE t.typnamespace = {ns} AND t.typtype = 'd' AND {ty} \
         UNION ALL SELECT 'enum type', t.typname::text, NULL, \
             'CREATE TYPE ' || quote_ident(t.typname) || ' AS ENUM (' || coalesce((SELECT \
                 string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) \
                 FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid), '') || ')', \
             'DROP TYPE IF EXISTS ' || quote_ident(t.typname), t.oid::bigint \
             FROM pg_catalog.pg_type t WHERE t.typnamespace = {ns} AND t.typtype = 'e' AND {ty} \
         UNION ALL SELECT 'extension', x.extname::text, NULL, \
             'CREATE EXTENSION IF NOT EXISTS ' || quote_ident(x.extname), \
             'DROP EXTENSION IF EXISTS ' || quote_ident(x.extname), x.oid::bigint \
             FROM pg_catalog.pg_extension x WHERE x.extname <> 'plpgsql' \
         ) o ORDER BY ord"
    )
}

/// What the tables that are objects (partitions, inherited tables,
/// materialized views) have of their own beyond what creating them gives:
/// indexes and constraints not cloned from a parent's. One row each:
/// table, statement, order.
fn table_parts_sql() -> String {
    let ns = "(SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = current_schema())";
    let object_tables = format!(
        "(SELECT c.oid FROM pg_catalog.pg_class c WHERE c.relnamespace = {ns} \
         AND (c.relkind = 'm' OR c.oid IN (SELECT inhrelid FROM pg_catalog.pg_inherits)))"
    );
    format!(
        "SELECT tbl, stmt, ord FROM ( \
         SELECT c.relname::text AS tbl, \
             'ALTER TABLE ' || quote_ident(c.relname) || ' ADD CONSTRAINT ' || quote_ident(con.conname) \
             || ' ' || pg_catalog.pg_get_constraintdef(con.oid) AS stmt, con.oid::bigint AS ord \
             FROM pg_catalog.pg_constraint con JOIN pg_catalog.pg_class c ON c.oid = con.conrelid \
             WHERE con.conrelid IN {object_tables} AND con.conislocal AND con.conparentid = 0 \
             AND con.contype IN ('p', 'u', 'f', 'c', 'x') \
         UNION ALL SELECT c.relname::text, pg_catalog.pg_get_indexdef(x.indexrelid), x.indexrelid::bigint \
             FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class c ON c.oid = x.indrelid \
             WHERE x.indrelid IN {object_tables} \
             AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits ih WHERE ih.inhrelid = x.indexrelid) \
             AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = x.indexrelid \
                 AND k.conrelid = x.indrelid AND k.contype IN ('p', 'u', 'x')) \
         ) o ORDER BY ord"
    )
}

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::Text(s)) => s.clone(),
        Some(Value::Int(i)) => i.to_string(),
        _ => String::new(),
    }
}

/// Reads every object's SQL.
pub(crate) async fn object_sql(db: &mut dyn crate::Database) -> Result<Vec<ObjectSql>, DbError> {
    let ie = |e: DbError| DbError::Introspect(e.to_string());
    let rows = db.query(&objects_sql(), &[]).await.map_err(ie)?;
    let parts = db.query(&table_parts_sql(), &[]).await.map_err(ie)?;
    Ok(objects_from_rows(&rows, &parts))
}

/// The rows of [`objects_sql`], each table object with its parts from
/// [`table_parts_sql`].
fn objects_from_rows(rows: &[Vec<Value>], parts: &[Vec<Value>]) -> Vec<ObjectSql> {
    rows.iter()
        .filter_map(|row| {
            let kind = ObjectKind::parse(&text(row.first()))?;
            let name = text(row.get(1));
            let create = statement(&text(row.get(3)));
            if create.is_empty() {
                return None;
            }
            let mut create = vec![create];
            // The parts of tables that are objects: their own indexes and
            // constraints.
            if matches!(
                kind,
                ObjectKind::Partition | ObjectKind::InheritedTable | ObjectKind::MaterializedView
            ) {
                create.extend(
                    parts
                        .iter()
                        .filter(|p| text(p.first()) == name)
                        .map(|p| statement(&text(p.get(1)))),
                );
            }
            Some(ObjectSql {
                kind,
                name,
                table: match row.get(2) {
                    Some(Value::Text(t)) => Some(t.clone()),
                    _ => None,
                },
                create,
                drop: vec![text(row.get(4))],
                order: text(row.get(5)).parse().unwrap_or(0),
            })
        })
        .collect()
}
