//! MySQL's and MariaDB's guards as statements a script runs: a check
//! writes a row into a temporary table whose CHECK constraint, named with
//! what is wrong, refuses it (`mysql` stops at the first error). Neither
//! database runs a conditional outside a stored program in both, so the
//! constraint says it.

use super::table::q;
use super::table::string_literal as quote_string;
use crate::Guard;
use remodel_model::restate::Scope;

/// `NOT IN ('a', 'b')`, or TRUE when there is nothing to exclude.
fn not_in<'a>(expr: &str, items: impl Iterator<Item = &'a String>) -> String {
    let items: Vec<String> = items.map(|s| quote_string(s)).collect();
    if items.is_empty() {
        "TRUE".into()
    } else {
        format!("{expr} NOT IN ({})", items.join(", "))
    }
}

/// The statements that fail unless `ok` holds. MySQL names a constraint in
/// at most 64 characters: the message says what and where to look.
fn fail_unless(table: &str, ok: &str) -> Vec<String> {
    let guard = q("remodel_guard");
    let mut message = format!("{table} holds what no migration created: run remodel migrate");
    if message.chars().count() > 64 {
        message = "a table holds what no migration created: run remodel migrate".into();
    }
    vec![
        format!(
            "CREATE TEMPORARY TABLE IF NOT EXISTS {guard} (`ok` INT, CONSTRAINT {} CHECK (`ok` = 1))",
            q(&message)
        ),
        format!("DELETE FROM {guard}"),
        format!("INSERT INTO {guard} SELECT {ok}"),
        format!("DROP TEMPORARY TABLE {guard}"),
    ]
}

/// The statements for a guard.
pub(crate) fn guard_script(guard: &Guard) -> Vec<String> {
    let Guard::Keeps {
        table,
        expected,
        scope,
    } = guard
    else {
        return Vec::new();
    };
    let t = quote_string(table);
    // A column's own facts: a collation other than its table's (but JSON's
    // own), ON UPDATE, a generated expression, INVISIBLE.
    let column_facts = |cols: &[String]| {
        let names: Vec<String> = cols.iter().map(|c| quote_string(c)).collect();
        format!(
            "NOT EXISTS (SELECT 1 FROM information_schema.COLUMNS c JOIN information_schema.TABLES tb \
             ON tb.TABLE_SCHEMA = c.TABLE_SCHEMA AND tb.TABLE_NAME = c.TABLE_NAME \
             WHERE c.TABLE_SCHEMA = DATABASE() AND c.TABLE_NAME = {t} AND c.COLUMN_NAME IN ({}) \
             AND ((c.COLLATION_NAME IS NOT NULL AND c.COLLATION_NAME <> tb.TABLE_COLLATION \
                   AND NOT (c.DATA_TYPE IN ('json', 'longtext') AND c.COLLATION_NAME LIKE '%\\_bin')) \
                  OR c.EXTRA LIKE '%on update%' OR c.EXTRA LIKE '%generated%' OR c.EXTRA LIKE '%invisible%'))",
            names.join(", ")
        )
    };
    let ok = match scope {
        Scope::Columns(cols) => column_facts(cols),
        Scope::DroppedColumn(column) => format!(
            "{} AND NOT EXISTS (SELECT 1 FROM information_schema.STATISTICS s \
             WHERE s.TABLE_SCHEMA = DATABASE() AND s.TABLE_NAME = {t} AND s.COLUMN_NAME = {} \
             AND s.INDEX_NAME <> 'PRIMARY' AND {})",
            column_facts(std::slice::from_ref(column)),
            quote_string(column),
            not_in(
                "s.INDEX_NAME",
                expected
                    .indexes
                    .keys()
                    .chain(expected.uniques.keys())
                    .chain(expected.foreign_keys.keys())
            ),
        ),
        Scope::ForeignKey(fk) => format!(
            "NOT EXISTS (SELECT 1 FROM information_schema.REFERENTIAL_CONSTRAINTS r \
             WHERE r.CONSTRAINT_SCHEMA = DATABASE() AND r.TABLE_NAME = {t} AND r.CONSTRAINT_NAME = {} \
             AND r.UPDATE_RULE NOT IN ('RESTRICT', 'NO ACTION'))",
            quote_string(fk)
        ),
        Scope::Table => return Vec::new(),
    };
    fail_unless(table, &ok)
}
