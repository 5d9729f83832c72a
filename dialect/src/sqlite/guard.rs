//! SQLite's guards as statements a script runs: each check fails the
//! script (`sqlite3 -bail`) through a temporary table whose CHECK
//! constraint, named with what is wrong, refuses the row the check writes.
//! A script cannot carry a table's indexes and triggers over a rebuild as
//! `migrate` does, nor read a column's collation but from the table's
//! stored text, so it stops where `migrate` would go on: it is stricter,
//! never looser.

use super::table::q;
use crate::Guard;
use crate::literal::quote_string;
use remodel_model::Field;
use remodel_model::catalog::CatalogTable;
use remodel_model::restate::Scope;

/// `('a', 'b')` (SQLite accepts an empty list).
fn list<'a>(items: impl Iterator<Item = &'a String>) -> String {
    let items: Vec<String> = items.map(|s| quote_string(s)).collect();
    format!("({})", items.join(", "))
}

/// The two statements that fail unless `ok` (an SQL condition) holds,
/// saying `what` of `table`.
fn fail_unless(table: &str, what: &str, ok: &[String]) -> Vec<String> {
    let guard = q(&format!("remodel_guard_{table}"));
    let message = q(&format!(
        "table {table} holds {what}; run remodel migrate, which names it"
    ));
    vec![
        format!(
            "CREATE TEMP TABLE IF NOT EXISTS {guard} (\"ok\" INTEGER CONSTRAINT {message} CHECK (\"ok\"))"
        ),
        format!(
            "INSERT INTO temp.{guard} SELECT\n    {}",
            ok.join("\n    AND ")
        ),
    ]
}

/// How many columns of a table the state gives a collation.
fn collated(t: &CatalogTable) -> usize {
    t.columns.values().filter(|c| c.collation.is_some()).count()
}

/// What a table's stored text says that no model can, given how many
/// checks and collated columns the state has: more collations or CHECKs
/// than the state's, a DEFERRABLE foreign key, a table option. Words are
/// matched with what follows them in a definition (and in the text without
/// blanks), so a column named `checked` or `collated` is not one.
fn text_facts_absent(table: &str, checks: usize, collations: usize) -> String {
    format!(
        "(SELECT (length(u) - length(replace(u, 'COLLATE ', ''))) / 8 <= {collations} AND instr(u, 'DEFERRABLE') = 0 \
         AND instr(s, ')WITHOUTROWID') = 0 AND instr(s, ')STRICT') = 0 \
         AND (length(s) - length(replace(s, 'CHECK(', ''))) / 6 <= {checks} \
         FROM (SELECT upper(sql) AS u, replace(replace(replace(upper(sql), ' ', ''), char(10), ''), char(9), '') AS s \
         FROM sqlite_master WHERE type = 'table' AND name = {}))",
        quote_string(table)
    )
}

/// No generated column but those the state has.
fn no_generated_columns(table: &str, expected: &CatalogTable) -> String {
    let known = expected
        .columns
        .iter()
        .filter(|(_, c)| c.generated.is_some())
        .map(|(n, _)| n);
    format!(
        "NOT EXISTS (SELECT 1 FROM pragma_table_xinfo({}) WHERE hidden IN (2, 3) AND name NOT IN {})",
        quote_string(table),
        list(known)
    )
}

/// The CHECKs a table's text holds for the state: its checks, and one per
/// unsigned column (its range).
fn checks_of(t: &CatalogTable) -> usize {
    t.checks.len()
        + t.columns
            .values()
            .filter(|c| c.ty.unsigned_max().is_some())
            .count()
}

/// The statements for a guard.
pub(crate) fn guard_script(guard: &Guard) -> Vec<String> {
    match guard {
        Guard::RebuildStart {
            table,
            expected,
            after,
        }
        | Guard::Keeps {
            table,
            expected,
            after,
            scope: Scope::Table,
        } => rebuild(table, expected, after),
        Guard::Keeps {
            table,
            expected,
            scope: Scope::DroppedColumn(column),
            ..
        } => {
            let t = quote_string(table);
            let ok = vec![
                format!(
                    "NOT EXISTS (SELECT 1 FROM pragma_index_list({t}) il JOIN pragma_index_info(il.name) ii \
                     WHERE ii.name = {} AND il.origin = 'c' AND il.name NOT IN {})",
                    quote_string(column),
                    list(expected.indexes.keys()),
                ),
                no_generated_columns(table, expected),
                text_facts_absent(table, checks_of(expected), collated(expected)),
            ];
            fail_unless(
                table,
                &format!("what dropping column {column} would lose (an index, a collation…)"),
                &ok,
            )
        }
        // SQLite restates columns and foreign keys only by rebuilding.
        Guard::Keeps { .. } | Guard::RebuildEnd { .. } => Vec::new(),
    }
}

/// `(a, b) NOT IN (VALUES (…), …)` for rows of quoted values, or `TRUE`
/// for no rows.
fn none_but(tuple: &str, rows: &[Vec<String>]) -> String {
    if rows.is_empty() {
        return "TRUE".into();
    }
    let rows: Vec<String> = rows.iter().map(|r| format!("({})", r.join(", "))).collect();
    format!("({tuple}) NOT IN (VALUES {})", rows.join(", "))
}

fn rebuild(table: &str, expected: &CatalogTable, after: &CatalogTable) -> Vec<String> {
    let t = quote_string(table);
    // Each column as the state writes it: its declared type (without
    // blanks, in capitals) and NOT NULL (a row id is never NULL).
    let columns: Vec<Vec<String>> = expected
        .columns
        .iter()
        .map(|(name, c)| {
            let mut f = Field::new(name.clone(), c.ty.clone());
            f.auto = c.auto;
            f.primary_key = expected.primary_key == [name.as_str()];
            let ty: String = super::table::column_type(&f)
                .split_whitespace()
                .collect::<String>()
                .to_uppercase();
            let not_null = !c.null || expected.primary_key.contains(name);
            vec![
                quote_string(name),
                quote_string(&ty),
                u8::from(not_null).to_string(),
            ]
        })
        .collect();
    let row_id = format!(
        "(pk > 0 AND upper(type) = 'INTEGER' AND (SELECT count(*) FROM pragma_table_xinfo({t}) WHERE pk > 0) = 1)"
    );
    // Each foreign key as the state writes it, or as the rebuild writes it
    // back: column, target, actions.
    let mut foreign_keys: Vec<Vec<String>> = expected
        .foreign_keys
        .values()
        .chain(after.foreign_keys.values())
        .map(|fk| {
            vec![
                quote_string(fk.columns.first().map_or("", String::as_str)),
                quote_string(&fk.ref_table),
                quote_string(fk.on_delete.sql()),
                quote_string(fk.on_update.sql()),
            ]
        })
        .collect();
    foreign_keys.sort();
    foreign_keys.dedup();
    let ok = vec![
        format!(
            "NOT EXISTS (SELECT 1 FROM pragma_table_xinfo({t}) WHERE hidden = 0 AND {})",
            none_but(
                &format!(
                    "name, replace(upper(type), ' ', ''), CASE WHEN {row_id} THEN 1 ELSE \"notnull\" END"
                ),
                &columns
            )
        ),
        no_generated_columns(table, expected),
        format!(
            "NOT EXISTS (SELECT 1 FROM pragma_foreign_key_list({t}) WHERE {})",
            none_but(
                "\"from\", \"table\", upper(on_delete), upper(on_update)",
                &foreign_keys
            )
        ),
        format!(
            "(SELECT count(*) FROM pragma_index_list({t}) WHERE origin = 'u') <= {}",
            expected.uniques.len()
        ),
        // A script cannot carry indexes and triggers over, as migrate does.
        format!(
            "NOT EXISTS (SELECT 1 FROM sqlite_master WHERE tbl_name = {t} AND type IN ('index', 'trigger') \
             AND sql IS NOT NULL AND name NOT IN {})",
            list(expected.indexes.keys())
        ),
        text_facts_absent(
            table,
            checks_of(expected),
            collated(expected).max(collated(after)),
        ),
    ];
    fail_unless(
        table,
        "what no migration created (a column, an index or trigger a script cannot carry over, a collation, a check, ON UPDATE…)",
        &ok,
    )
}
