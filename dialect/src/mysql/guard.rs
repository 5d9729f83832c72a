//! MySQL's and MariaDB's guards as statements a script runs: a check
//! writes a row into a temporary table whose CHECK constraint, named with
//! what is wrong, refuses it (`mysql` stops at the first error). Neither
//! database runs a conditional outside a stored program in both, so the
//! constraint says it.

use super::table::q;
use super::table::string_literal as quote_string;
use crate::Guard;
use remodel_model::OnDelete;
use remodel_model::restate::Scope;

/// The statements that fail unless `ok` holds. MySQL names a constraint in
/// at most 64 characters: the message says what and where to look.
fn fail_unless(table: &str, ok: &str) -> Vec<String> {
    let guard = q("remodel_guard");
    let tail = ": made by hand, run remodel migrate";
    let room = 64 - tail.chars().count();
    let mut name: String = table.chars().take(room).collect();
    if name.chars().count() < table.chars().count() {
        name = table.chars().take(room - 1).collect::<String>() + "…";
    }
    let message = format!("{name}{tail}");
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

/// What a column's collation may be, as SQL over `c` (a COLUMNS row) and
/// `tb` (its TABLES row), for what the state says of the column: its
/// collation, its character set's default, or its table's.
fn said_collation(column: Option<&remodel_model::catalog::CatalogColumn>) -> String {
    match column.map(|c| (&c.charset, &c.collation)) {
        Some((_, Some(co))) => format!("c.COLLATION_NAME = {}", quote_string(co)),
        Some((Some(cs), None)) => format!(
            "EXISTS (SELECT 1 FROM information_schema.COLLATIONS k WHERE k.COLLATION_NAME = c.COLLATION_NAME \
             AND k.CHARACTER_SET_NAME = {} AND k.IS_DEFAULT IN ('Yes', 'YES'))",
            quote_string(cs)
        ),
        _ => "c.COLLATION_NAME = tb.TABLE_COLLATION".into(),
    }
}

/// The statements for a guard.
pub(crate) fn guard_script(guard: &Guard) -> Vec<String> {
    let Guard::Keeps {
        table,
        expected,
        after,
        scope,
    } = guard
    else {
        return Vec::new();
    };
    let t = quote_string(table);
    // A column's own facts: a collation other than the one the state says
    // (before or after the operation; the table's when it says none, but
    // JSON's own: MySQL's JSON type, MariaDB's LONGTEXT checked by
    // `json_valid` under the column's name), ON UPDATE, a generated
    // expression, INVISIBLE.
    let column_facts = |cols: &[String]| {
        let names: Vec<String> = cols.iter().map(|c| quote_string(c)).collect();
        let collations: Vec<String> = cols
            .iter()
            .map(|c| {
                let allowed: Vec<String> = [expected, after]
                    .iter()
                    .map(|tb| said_collation(tb.columns.get(c)))
                    .collect();
                format!(
                    "(c.COLUMN_NAME = {} AND NOT ({}))",
                    quote_string(c),
                    allowed.join(" OR ")
                )
            })
            .collect();
        // ON UPDATE where the state says none.
        let unsaid: Vec<String> = cols
            .iter()
            .filter(|c| {
                [expected, after].iter().all(|t| {
                    t.columns
                        .get(*c)
                        .is_none_or(|col| col.on_update_sql.is_none())
                })
            })
            .map(|c| quote_string(c))
            .collect();
        // A generation expression where the state says none.
        let ungenerated: Vec<String> = cols
            .iter()
            .filter(|c| {
                [expected, after]
                    .iter()
                    .all(|t| t.columns.get(*c).is_none_or(|col| col.generated.is_none()))
            })
            .map(|c| quote_string(c))
            .collect();
        let generated = if ungenerated.is_empty() {
            "FALSE".to_string()
        } else {
            format!(
                "(c.GENERATION_EXPRESSION <> '' AND c.COLUMN_NAME IN ({}))",
                ungenerated.join(", ")
            )
        };
        let on_update = if unsaid.is_empty() {
            "FALSE".to_string()
        } else {
            format!(
                "(c.EXTRA LIKE '%on update%' AND c.COLUMN_NAME IN ({}))",
                unsaid.join(", ")
            )
        };
        format!(
            "NOT EXISTS (SELECT 1 FROM information_schema.COLUMNS c JOIN information_schema.TABLES tb \
             ON tb.TABLE_SCHEMA = c.TABLE_SCHEMA AND tb.TABLE_NAME = c.TABLE_NAME \
             WHERE c.TABLE_SCHEMA = DATABASE() AND c.TABLE_NAME = {t} AND c.COLUMN_NAME IN ({}) \
             AND ((c.COLLATION_NAME IS NOT NULL AND ({}) \
                   AND NOT (c.DATA_TYPE = 'json' OR EXISTS (SELECT 1 FROM information_schema.CHECK_CONSTRAINTS k \
                       WHERE k.CONSTRAINT_SCHEMA = DATABASE() \
                       AND k.CONSTRAINT_NAME = c.COLUMN_NAME AND k.CHECK_CLAUSE LIKE 'json_valid(%'))) \
                  OR {on_update} OR {generated} OR c.EXTRA LIKE '%invisible%'))",
            names.join(", "),
            collations.join(" OR ")
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
            not_in_list(
                "s.INDEX_NAME",
                expected
                    .indexes
                    .keys()
                    .chain(expected.uniques.keys())
                    .chain(expected.foreign_keys.keys())
            ),
        ),
        Scope::ForeignKey(fk) => {
            // Its update action as the state says it, or as the operation
            // writes it back (RESTRICT and NO ACTION are one on InnoDB).
            let mut rules: Vec<String> = Vec::new();
            for table in [expected, after] {
                match table.foreign_keys.get(fk).map(|k| k.on_update) {
                    None | Some(OnDelete::NoAction) | Some(OnDelete::Restrict) => {
                        rules.extend(["RESTRICT".to_string(), "NO ACTION".to_string()])
                    }
                    Some(other) => rules.push(other.sql().to_string()),
                }
            }
            rules.sort();
            rules.dedup();
            let update: Vec<String> = rules.iter().map(|r| quote_string(r)).collect();
            let update = update.join(", ");
            format!(
                "NOT EXISTS (SELECT 1 FROM information_schema.REFERENTIAL_CONSTRAINTS r \
                 WHERE r.CONSTRAINT_SCHEMA = DATABASE() AND r.TABLE_NAME = {t} AND r.CONSTRAINT_NAME = {} \
                 AND r.UPDATE_RULE NOT IN ({update}))",
                quote_string(fk)
            )
        }
        Scope::Table => return Vec::new(),
    };
    fail_unless(table, &ok)
}

/// [`crate::literal::not_in`] with this database's string literals.
fn not_in_list<'a>(expr: &str, items: impl Iterator<Item = &'a String>) -> String {
    crate::literal::not_in(expr, items, quote_string)
}
