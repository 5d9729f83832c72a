//! PostgreSQL's guards as statements a script runs: a `DO` block that
//! raises, naming what is wrong, when the live table holds within the
//! statement's reach what no migration created (`psql -v ON_ERROR_STOP=1`
//! stops there).

use super::table::q;
use crate::Guard;
use crate::literal::quote_string;
use remodel_model::restate::Scope;

/// A `DO` block raising `message` when `condition` holds.
fn raise_if(condition: &str, message: &str) -> Vec<String> {
    vec![format!(
        "DO $$ BEGIN IF {condition} THEN RAISE EXCEPTION {}; END IF; END $$",
        quote_string(message)
    )]
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
    let rel = format!("to_regclass({})", quote_string(&q(table)));
    // A column's own facts: a collation of its own, a generated expression,
    // GENERATED ALWAYS.
    // A collation other than the state says, before or after the operation.
    let column_facts = |cols: &[String]| {
        let names: Vec<String> = cols.iter().map(|c| quote_string(c)).collect();
        let collations: Vec<String> = cols
            .iter()
            .map(|c| {
                let said: Vec<&String> = [expected, after]
                    .iter()
                    .filter_map(|t| t.columns.get(c).and_then(|col| col.collation.as_ref()))
                    .collect();
                format!(
                    "(a.attname = {} AND {})",
                    quote_string(c),
                    not_in_list("co.collname::text", said.into_iter())
                )
            })
            .collect();
        format!(
            "EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid \
             LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation \
             WHERE a.attrelid = {rel} AND a.attname IN ({}) AND NOT a.attisdropped \
             AND ((a.attcollation <> 0 AND a.attcollation <> ty.typcollation AND ({})) OR a.attgenerated <> '' OR a.attidentity = 'a'))",
            names.join(", "),
            collations.join(" OR ")
        )
    };
    match scope {
        Scope::Columns(cols) => raise_if(
            &column_facts(cols),
            &format!(
                "table {table}: a column remodel restates holds what no migration created (a collation, a generated expression…); run remodel migrate, which names it"
            ),
        ),
        Scope::DroppedColumn(column) => {
            let attnum = format!(
                "(SELECT attnum FROM pg_catalog.pg_attribute WHERE attrelid = {rel} AND attname = {})",
                quote_string(column)
            );
            let known_indexes = expected
                .indexes
                .keys()
                .chain(expected.uniques.keys())
                .chain(expected.primary_key_name.iter());
            let condition = format!(
                "{} OR EXISTS (SELECT 1 FROM pg_catalog.pg_index ix JOIN pg_catalog.pg_class i ON i.oid = ix.indexrelid \
                 WHERE ix.indrelid = {rel} AND {attnum} = ANY (ix.indkey::int2[]) AND {}) \
                 OR EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c WHERE c.conrelid = {rel} \
                 AND c.contype IN ('p', 'u', 'f', 'c', 'x') AND {attnum} = ANY (c.conkey) AND {})",
                column_facts(std::slice::from_ref(column)),
                not_in_list("i.relname", known_indexes),
                not_in_list(
                    "c.conname",
                    expected
                        .uniques
                        .keys()
                        .chain(expected.checks.keys())
                        .chain(expected.foreign_keys.keys())
                        .chain(expected.primary_key_name.iter())
                ),
            );
            raise_if(
                &condition,
                &format!(
                    "table {table}: column {column} holds, or an index or constraint no migration created uses, what dropping it would lose for good; run remodel migrate, which names it"
                ),
            )
        }
        Scope::ForeignKey(fk) => {
            // What the state says of it: its update action, never DEFERRABLE
            // or NOT VALID, MATCH SIMPLE.
            // (or as the operation writes it back)
            let mut codes: Vec<String> = [expected, after]
                .iter()
                .map(|t| {
                    let code = t
                        .foreign_keys
                        .get(fk)
                        .map_or("a", |k| action_code(k.on_update));
                    quote_string(code)
                })
                .collect();
            codes.dedup();
            let update = codes.join(", ");
            raise_if(
                &format!(
                    "EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = {rel} AND conname = {} \
                     AND (confupdtype NOT IN ({update}) OR condeferrable OR NOT convalidated OR confmatchtype <> 's'))",
                    quote_string(fk)
                ),
                &format!(
                    "table {table}: foreign key {fk} has what no migration created (ON UPDATE, DEFERRABLE…), which adding it again would drop; run remodel migrate, which names it"
                ),
            )
        }
        Scope::Table => Vec::new(),
    }
}

/// [`crate::literal::not_in`] with this database's string literals.
fn not_in_list<'a>(expr: &str, items: impl Iterator<Item = &'a String>) -> String {
    crate::literal::not_in(expr, items, quote_string)
}

/// `pg_constraint`'s one-letter code of a referential action.
fn action_code(action: remodel_model::OnDelete) -> &'static str {
    use remodel_model::OnDelete;
    match action {
        OnDelete::NoAction => "a",
        OnDelete::Restrict => "r",
        OnDelete::Cascade => "c",
        OnDelete::SetNull => "n",
        OnDelete::SetDefault => "d",
    }
}
