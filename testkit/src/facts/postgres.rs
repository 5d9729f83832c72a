//! PostgreSQL's facts, from `pg_catalog` in the connection's current schema:
//! `format_type`, `pg_get_expr`, `pg_get_constraintdef`, `pg_get_indexdef`,
//! `pg_get_triggerdef`, `pg_get_viewdef`, `pg_rules`, `pg_policies` and
//! `pg_sequences`. Every value is cast to text in SQL, so what the catalog
//! says is what the line says.

use super::{Facts, flag, list, one_line, query, quoted, text};
use remodel_dialect::Database;
use std::collections::BTreeMap;

/// Relations of the current schema.
const HERE: &str =
    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema()";

pub(super) async fn facts(db: &mut dyn Database, out: &mut Facts) {
    // Tables (and views) with their options.
    let sql = format!(
        "SELECT c.relname::text, c.relkind::text, c.relpersistence::text, c.reloptions::text, \
         CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END, \
         c.relispartition::text, pg_get_expr(c.relpartbound, c.oid), \
         (SELECT string_agg(p.relname::text, ', ' ORDER BY i.inhseqno) FROM pg_inherits i \
            JOIN pg_class p ON p.oid = i.inhparent WHERE i.inhrelid = c.oid), \
         c.relrowsecurity::text, c.relforcerowsecurity::text, c.relreplident::text, \
         obj_description(c.oid, 'pg_class'), \
         CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END \
         FROM pg_class c {HERE} AND c.relkind IN ('r', 'p', 'v', 'm', 'f')"
    );
    for r in query(db, &sql).await {
        let name = text(&r[0]);
        let mut options = vec![
            match text(&r[1]) {
                "r" => "table",
                "p" => "partitioned table",
                "v" => "view",
                "m" => "materialized view",
                "f" => "foreign table",
                _ => "relation",
            }
            .to_string(),
        ];
        if text(&r[2]) == "u" {
            options.push("unlogged".into());
        }
        if let Some(o) = &r[3] {
            options.push(format!("options {o}"));
        }
        if let Some(k) = &r[4] {
            options.push(format!("partition by {k}"));
        }
        match (flag(&r[5]), &r[7]) {
            (true, Some(parent)) => {
                options.push(format!("partition of {parent} {}", text(&r[6])));
            }
            (false, Some(parents)) => options.push(format!("inherits {parents}")),
            _ => {}
        }
        if flag(&r[8]) {
            options.push("row level security".into());
        }
        if flag(&r[9]) {
            options.push("forced row level security".into());
        }
        let table = matches!(text(&r[1]), "r" | "p");
        match text(&r[10]) {
            _ if !table => {}
            "n" => options.push("replica identity nothing".into()),
            "f" => options.push("replica identity full".into()),
            "i" => options.push("replica identity index".into()),
            _ => {}
        }
        out.add(name, format!("table: {}", options.join(", ")));
        if let Some(c) = &r[11] {
            out.add(name, format!("comment: {}", quoted(c)));
        }
        if let Some(v) = &r[12] {
            out.add(name, format!("definition: {}", one_line(v.trim())));
        }
    }

    // Columns. A generated column's expression sits where a default would.
    let sql = format!(
        "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), \
         a.attnotnull::text, pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, \
         a.attgenerated::text, \
         CASE WHEN a.attcollation <> t.typcollation THEN co.collname::text END, \
         col_description(c.oid, a.attnum) \
         FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
         JOIN pg_type t ON t.oid = a.atttypid \
         LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum \
         LEFT JOIN pg_collation co ON co.oid = a.attcollation \
         {HERE} AND c.relkind IN ('r', 'p', 'f') ORDER BY c.relname, a.attnum"
    );
    let mut order: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // What makes a key column count: its identity, or its sequence default.
    let mut key_forms: BTreeMap<(String, String), String> = BTreeMap::new();
    for r in query(db, &sql).await {
        let (table, column) = (text(&r[0]).to_string(), text(&r[1]).to_string());
        let mut line = format!("column {column}: {}", text(&r[2]));
        if flag(&r[3]) {
            line.push_str(" not null");
        }
        let generated = text(&r[6]) == "s";
        if let Some(d) = &r[4] {
            if generated {
                line.push_str(&format!(" generated always as ({}) stored", one_line(d)));
            } else {
                line.push_str(&format!(" default {}", one_line(d)));
                if d.starts_with("nextval(") {
                    key_forms.insert((table.clone(), column.clone()), format!("serial ({d})"));
                }
            }
        }
        let identity = match text(&r[5]) {
            "a" => Some("generated always as identity"),
            "d" => Some("generated by default as identity"),
            _ => None,
        };
        if let Some(i) = identity {
            line.push(' ');
            line.push_str(i);
            key_forms.insert((table.clone(), column.clone()), format!("identity ({i})"));
        }
        if let Some(c) = &r[7] {
            line.push_str(&format!(" collate \"{c}\""));
        }
        if let Some(c) = &r[8] {
            line.push_str(&format!(" comment {}", quoted(c)));
        }
        out.add(&table, line);
        order.entry(table).or_default().push(column);
    }
    for (table, columns) in &order {
        out.add(table, format!("columns: {}", list(columns)));
    }

    // Constraints (NOT NULL is on the columns).
    let sql = format!(
        "SELECT c.relname::text, con.conname::text, con.contype::text, pg_get_constraintdef(con.oid), \
         (SELECT string_agg(a.attname::text, ', ' ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY k(num, ord) \
            JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num), \
         rt.relname::text, \
         (SELECT string_agg(a.attname::text, ', ' ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY k(num, ord) \
            JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num), \
         con.confdeltype::text, con.confupdtype::text, con.confmatchtype::text, \
         con.condeferrable::text, con.condeferred::text, con.convalidated::text \
         FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid \
         LEFT JOIN pg_class rt ON rt.oid = con.confrelid \
         {HERE} AND con.contype IN ('p', 'u', 'c', 'f', 'x')"
    );
    for r in query(db, &sql).await {
        let (table, name, def) = (text(&r[0]), text(&r[1]), one_line(text(&r[3])));
        let cols = text(&r[4]);
        let line = match text(&r[2]) {
            "p" => {
                let form = (!cols.contains(", "))
                    .then(|| key_forms.get(&(table.to_string(), cols.to_string())))
                    .flatten()
                    .cloned()
                    .unwrap_or_else(|| "plain".into());
                let mut line = format!("primary key {name} ({cols}): {form}");
                if flag(&r[10]) {
                    line.push_str(&deferrable(flag(&r[11])));
                }
                line
            }
            "u" => format!("unique {name}: {def}"),
            "c" => format!("check {name}: {def}"),
            "x" => format!("exclusion {name}: {def}"),
            _ => {
                let mut line = format!(
                    "foreign key {name} ({cols}): references {} ({}) on delete {} on update {} match {}",
                    text(&r[5]),
                    text(&r[6]),
                    action(text(&r[7])),
                    action(text(&r[8])),
                    match text(&r[9]) {
                        "f" => "full",
                        "p" => "partial",
                        _ => "simple",
                    }
                );
                if flag(&r[10]) {
                    line.push_str(&deferrable(flag(&r[11])));
                }
                if !flag(&r[12]) {
                    line.push_str(" not valid");
                }
                line
            }
        };
        out.add(table, line);
    }

    // Every index, the keys' and constraints' included.
    let sql = format!(
        "SELECT c.relname::text, i.relname::text, pg_get_indexdef(ix.indexrelid), \
         ix.indisclustered::text, ix.indisvalid::text \
         FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class c ON c.oid = ix.indrelid {HERE}"
    );
    for r in query(db, &sql).await {
        let mut line = format!("index {}: {}", text(&r[1]), one_line(text(&r[2])));
        if flag(&r[3]) {
            line.push_str(" (clustered)");
        }
        if !flag(&r[4]) {
            line.push_str(" (invalid)");
        }
        out.add(text(&r[0]), line);
    }

    // Triggers the user made (not those behind foreign keys).
    let sql = format!(
        "SELECT c.relname::text, tg.tgname::text, pg_get_triggerdef(tg.oid), tg.tgenabled::text \
         FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid {HERE} AND NOT tg.tgisinternal"
    );
    for r in query(db, &sql).await {
        let mut line = format!("trigger {}: {}", text(&r[1]), one_line(text(&r[2])));
        match text(&r[3]) {
            "D" => line.push_str(" (disabled)"),
            "R" => line.push_str(" (replica only)"),
            "A" => line.push_str(" (always)"),
            _ => {}
        }
        out.add(text(&r[0]), line);
    }

    // Rules and row security policies.
    for r in query(
        db,
        "SELECT tablename::text, rulename::text, definition FROM pg_rules WHERE schemaname = current_schema()",
    )
    .await
    {
        out.add(
            text(&r[0]),
            format!("rule {}: {}", text(&r[1]), one_line(text(&r[2]))),
        );
    }
    for r in query(
        db,
        "SELECT tablename::text, policyname::text, permissive, roles::text, cmd, qual, with_check \
         FROM pg_policies WHERE schemaname = current_schema()",
    )
    .await
    {
        out.add(
            text(&r[0]),
            format!(
                "policy {}: {} for {} to {} using ({}) with check ({})",
                text(&r[1]),
                text(&r[2]).to_lowercase(),
                text(&r[4]).to_lowercase(),
                text(&r[3]),
                one_line(text(&r[5])),
                one_line(text(&r[6]))
            ),
        );
    }

    // Sequences a column owns (serial, identity), with where they stand.
    let sql = format!(
        "SELECT c.relname::text, a.attname::text, s.relname::text, ps.data_type::text, \
         ps.start_value::text, ps.increment_by::text, ps.min_value::text, ps.max_value::text, \
         ps.cycle::text, ps.last_value::text \
         FROM pg_depend dep JOIN pg_class s ON s.oid = dep.objid AND s.relkind = 'S' \
         JOIN pg_class c ON c.oid = dep.refobjid \
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = dep.refobjsubid \
         JOIN pg_sequences ps ON ps.schemaname = current_schema() AND ps.sequencename = s.relname \
         {HERE} AND dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass \
         AND dep.deptype IN ('a', 'i')"
    );
    for r in query(db, &sql).await {
        out.add(
            text(&r[0]),
            format!(
                "sequence {} owned by {}: {} start {} increment {} min {} max {}{}, last value {}",
                text(&r[2]),
                text(&r[1]),
                text(&r[3]),
                text(&r[4]),
                text(&r[5]),
                text(&r[6]),
                text(&r[7]),
                if flag(&r[8]) { " cycle" } else { "" },
                r[9].as_deref().unwrap_or("none"),
            ),
        );
    }
}

/// A referential action's words.
fn action(code: &str) -> &'static str {
    match code {
        "r" => "restrict",
        "c" => "cascade",
        "n" => "set null",
        "d" => "set default",
        _ => "no action",
    }
}

fn deferrable(initially_deferred: bool) -> String {
    format!(
        " deferrable initially {}",
        if initially_deferred {
            "deferred"
        } else {
            "immediate"
        }
    )
}

/// The query [`super::rows`] runs: every column as quoted text, the table's
/// own rows only, in key order.
pub(super) async fn rows_sql(db: &mut dyn Database, table: &str) -> String {
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let lit = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let sql = format!(
        "SELECT a.attname::text, \
         (SELECT k.ord FROM pg_index ix, unnest(ix.indkey) WITH ORDINALITY k(num, ord) \
            WHERE ix.indrelid = c.oid AND ix.indisprimary AND k.num = a.attnum)::text \
         FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
         {HERE} AND c.relname = {} ORDER BY a.attnum",
        lit(table)
    );
    let cols = query(db, &sql).await;
    assert!(!cols.is_empty(), "no table {table}");
    let (all, key) = super::columns_and_key(&cols, q);
    let order: Vec<String> = if key.is_empty() {
        all.iter().map(|c| format!("{c}::text")).collect()
    } else {
        key
    };
    let select: Vec<String> = all
        .iter()
        .map(|c| format!("quote_nullable({c}::text)"))
        .collect();
    format!(
        "SELECT {} FROM ONLY {} ORDER BY {}",
        select.join(", "),
        q(table),
        order.join(", ")
    )
}
