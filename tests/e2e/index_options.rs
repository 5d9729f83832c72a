//! Index options in `#[model(index(...))]`: expressions, `where`, `using`,
//! descending key parts, `include`, `opclasses`, `prefix_lengths`. On each
//! database: created as said (read back from the catalog with no drift),
//! printed by inspectdb as written, rewritten by a column rename, changed
//! by a removal and an addition, unapplied; rows kept. Options a database
//! cannot build are refused, naming the index and the option.

use crate::{BIN, TestProject};
use remodel_dialect::DialectKind;

fn film(indexes: &str, title_column: &str) -> String {
    format!(
        "use remodel::Model;\n#[derive(Model)]\n#[model(\n{indexes})]\npub struct Film {{\n    \
         #[field(primary_key)]\n    pub id: i64,\n    \
         #[field(max_length = 100{title_column})]\n    pub title: String,\n    \
         pub year: i32,\n    pub rating: i32,\n    pub extra: serde_json::Value,\n}}\n"
    )
}

/// Each index of `film` as the database prints it.
async fn definitions(p: &TestProject) -> Vec<String> {
    let sql = match p.dialect() {
        DialectKind::Postgres => {
            "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() \
             AND tablename = 'film' AND indexname <> 'film_pkey' ORDER BY indexname"
        }
        DialectKind::Sqlite => {
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'film' \
             AND sql IS NOT NULL ORDER BY name"
        }
        DialectKind::Mysql => {
            "SELECT concat(INDEX_NAME, ' ', INDEX_TYPE, ' ', group_concat(concat(COLUMN_NAME, \
             coalesce(concat('(', SUB_PART, ')'), ''), ' ', coalesce(COLLATION, '-')) \
             ORDER BY SEQ_IN_INDEX)) FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'film' AND INDEX_NAME <> 'PRIMARY' \
             GROUP BY INDEX_NAME, INDEX_TYPE ORDER BY INDEX_NAME"
        }
    };
    p.query(sql)
        .await
        .into_iter()
        .map(|r| r[0].clone())
        .collect()
}

#[track_caller]
fn has(defs: &[String], needle: &str) {
    assert!(
        defs.iter().any(|d| d.contains(needle)),
        "no index has {needle:?}:\n  {}",
        defs.join("\n  ")
    );
}

#[tokio::test]
async fn postgres_index_options_are_created_renamed_changed_and_unapplied() {
    let Some(p) = TestProject::on(BIN, DialectKind::Postgres).await else {
        return;
    };
    let indexes = "    index(name = \"film_title_lower\", expressions(\"lower(title)\"), where = \"year > 1900\"),\n    \
         index(fields(\"title DESC\", \"year\"), include(\"rating\")),\n    \
         index(name = \"film_extra_gin\", fields(\"extra\"), using = \"gin\", opclasses(\"jsonb_path_ops\")),\n    \
         index(name = \"film_year_brin\", fields(\"year\"), using = \"brin\"),\n    \
         index(name = \"film_title_pattern\", fields(\"title\"), opclasses(\"varchar_pattern_ops\")),\n    \
         index(name = \"film_year_default\", fields(\"year\"), using = \"hash\", opclasses(\"int4_ops\")),\n";
    p.write("src/lib.rs", &film(indexes, ""));
    p.remodel(&["makemigrations"]).ok();
    let file = p.read("migrations/shop/0001_initial.toml");
    for written in [
        r#"{ name = "film_title_lower", expressions = ["lower(title)"], where = "year > 1900" }"#,
        r#"{ name = "film_title_year_idx", fields = ["title DESC", "year"], include = ["rating"] }"#,
        r#"{ name = "film_extra_gin", fields = ["extra"], using = "gin", opclasses = ["jsonb_path_ops"] }"#,
    ] {
        assert!(file.contains(written), "{written} in\n{file}");
    }
    p.remodel(&["migrate"]).ok();
    p.exec("INSERT INTO film (title, year, rating, extra) VALUES ('Alien', 1979, 5, '{}')")
        .await;
    let defs = definitions(&p).await;
    has(
        &defs,
        "USING btree (lower((title)::text)) WHERE (year > 1900)",
    );
    has(&defs, "(title DESC, year) INCLUDE (rating)");
    has(&defs, "USING gin (extra jsonb_path_ops)");
    has(&defs, "USING brin (year)");
    has(&defs, "(title varchar_pattern_ops)");
    // A default operator class named in the model reads back as none: no drift.
    has(&defs, "film_year_default ON public.film USING hash (year)");
    assert_eq!(p.remodel(&["check"]).code, 0);
    p.remodel(&["makemigrations", "--check"]).ok();

    // inspectdb prints them as the model says them.
    let inspect = p.remodel(&["inspectdb"]);
    inspect.ok();
    for printed in [
        r#"index(name = "film_title_lower", expressions("lower(title)"), where = "year > 1900")"#,
        r#"index(fields("title DESC", "year"), include("rating"))"#,
        r#"index(name = "film_extra_gin", fields("extra"), using = "gin", opclasses("jsonb_path_ops"))"#,
        r#"index(name = "film_year_brin", fields("year"), using = "brin")"#,
    ] {
        assert!(
            inspect.stdout.contains(printed),
            "{printed} in\n{}",
            inspect.stdout
        );
    }

    // A column rename rewrites the expression and keeps every index (the
    // model, like a check, says the expression over the new column name).
    let renamed = indexes.replace("lower(title)", "lower(name)");
    p.write("src/lib.rs", &film(&renamed, ", column = \"name\""));
    p.remodel(&["makemigrations", "--name", "name"]).ok();
    p.remodel(&["migrate"]).ok();
    let defs = definitions(&p).await;
    has(&defs, "(lower((name)::text)) WHERE (year > 1900)");
    has(&defs, "(name DESC, year) INCLUDE (rating)");

    // Dropping the predicate is a new index in place of the old one.
    let changed = renamed.replace(", where = \"year > 1900\"", "");
    p.write("src/lib.rs", &film(&changed, ", column = \"name\""));
    let made = p.remodel(&["makemigrations", "--name", "whole"]);
    made.ok();
    assert!(made.stdout.contains("film_title_lower"), "{}", made.stdout);
    p.remodel(&["migrate"]).ok();
    let defs = definitions(&p).await;
    assert!(
        defs.iter()
            .any(|d| d.contains("film_title_lower") && !d.contains("WHERE")),
        "{defs:?}"
    );

    p.remodel(&["migrate", "shop", "0001"]).ok();
    has(
        &definitions(&p).await,
        "(lower((title)::text)) WHERE (year > 1900)",
    );
    assert_eq!(
        p.query("SELECT title, year FROM film").await,
        [["Alien", "1979"]]
    );
}

#[tokio::test]
async fn sqlite_partial_expression_and_descending_indexes() {
    let Some(p) = TestProject::on(BIN, DialectKind::Sqlite).await else {
        return;
    };
    let indexes = "    index(name = \"film_title_lower\", expressions(\"lower(title) DESC\"), where = \"year > 1900\"),\n    \
         index(fields(\"year DESC\", \"rating\"), unique, where = \"rating > 0\"),\n";
    p.write("src/lib.rs", &film(indexes, ""));
    p.remodel(&["makemigrations"]).ok();
    p.remodel(&["migrate"]).ok();
    p.exec("INSERT INTO film (title, year, rating, extra) VALUES ('Alien', 1979, 5, '{}')")
        .await;
    let defs = definitions(&p).await;
    has(
        &defs,
        r#"ON "film" ((lower("title")) DESC) WHERE "year" > 1900"#,
    );
    has(
        &defs,
        r#"CREATE UNIQUE INDEX "film_year_rating_idx" ON "film" ("year" DESC, "rating") WHERE "rating" > 0"#,
    );
    assert_eq!(p.remodel(&["check"]).code, 0);
    let inspect = p.remodel(&["inspectdb"]);
    inspect.ok();
    assert!(
        inspect.stdout.contains(
            r#"index(name = "film_title_lower", expressions("lower(title) DESC"), where = "year > 1900")"#
        ),
        "{}",
        inspect.stdout
    );

    // A rename rebuilds the table on SQLite: the indexes come back with
    // their expression and predicate rewritten.
    let renamed = indexes.replace("lower(title)", "lower(name)");
    p.write("src/lib.rs", &film(&renamed, ", column = \"name\""));
    p.remodel(&["makemigrations", "--name", "name"]).ok();
    p.remodel(&["migrate"]).ok();
    has(
        &definitions(&p).await,
        r#"((lower("name")) DESC) WHERE "year" > 1900"#,
    );
    p.remodel(&["migrate", "shop", "0001"]).ok();
    has(&definitions(&p).await, r#"((lower("title")) DESC)"#);
    assert_eq!(
        p.query("SELECT title, year FROM film").await,
        [["Alien", "1979"]]
    );
}

#[tokio::test]
async fn mysql_fulltext_prefix_and_descending_indexes() {
    let Some(p) = TestProject::on(BIN, DialectKind::Mysql).await else {
        return;
    };
    let with_note = |indexes: &str| {
        film(indexes, "").replace(
            "    pub extra: serde_json::Value,\n",
            "    pub extra: serde_json::Value,\n    pub note: String,\n",
        )
    };
    let indexes = "    index(name = \"film_search\", fields(\"title\", \"note\"), using = \"fulltext\"),\n    \
         index(name = \"film_note_prefix\", fields(\"note\", \"year DESC\"), prefix_lengths(20)),\n";
    p.write("src/lib.rs", &with_note(indexes));
    p.remodel(&["makemigrations"]).ok();
    let file = p.read("migrations/shop/0001_initial.toml");
    assert!(
        file.contains(r#"{ name = "film_note_prefix", fields = ["note", "year DESC"], prefix_lengths = [20, 0] }"#),
        "{file}"
    );
    p.remodel(&["migrate"]).ok();
    p.exec("INSERT INTO film (title, year, rating, extra, note) VALUES ('Alien', 1979, 5, '{}', 'in space')")
        .await;
    let defs = definitions(&p).await;
    has(&defs, "film_search FULLTEXT title -,note -");
    has(&defs, "film_note_prefix BTREE note(20) A,year D");
    assert_eq!(p.remodel(&["check"]).code, 0);
    let inspect = p.remodel(&["inspectdb"]);
    inspect.ok();
    for printed in [
        r#"index(name = "film_search", fields("title", "note"), using = "fulltext")"#,
        r#"index(name = "film_note_prefix", fields("note", "year DESC"), prefix_lengths(20, 0))"#,
    ] {
        assert!(
            inspect.stdout.contains(printed),
            "{printed} in\n{}",
            inspect.stdout
        );
    }
    assert_eq!(
        p.query("SELECT title FROM film WHERE MATCH (title, note) AGAINST ('space')")
            .await,
        [["Alien"]]
    );

    // Without the prefix the TEXT column cannot be indexed: refused before
    // anything is written.
    let run = p.remodel(&["makemigrations", "--dry-run"]);
    run.ok();
    p.write(
        "src/lib.rs",
        &with_note(&indexes.replace(", prefix_lengths(20)", "")),
    );
    let refused = p.remodel(&["makemigrations"]);
    refused.expect(1);
    assert!(
        refused
            .stderr
            .contains("MySQL cannot index the TEXT column `note` (index film_note_prefix)"),
        "{}",
        refused.stderr
    );

    // Dropping the FULLTEXT index and unapplying brings it back.
    p.write(
        "src/lib.rs",
        &with_note("    index(name = \"film_note_prefix\", fields(\"note\", \"year DESC\"), prefix_lengths(20)),\n"),
    );
    p.remodel(&["makemigrations", "--name", "no_search"]).ok();
    p.remodel(&["migrate"]).ok();
    assert!(!definitions(&p).await.iter().any(|d| d.contains("FULLTEXT")));
    p.remodel(&["migrate", "shop", "0001"]).ok();
    has(&definitions(&p).await, "film_search FULLTEXT");
    assert_eq!(p.query("SELECT note FROM film").await, [["in space"]]);
}

/// What a database cannot build is refused where the model says it.
#[test]
fn index_options_a_database_cannot_build_are_refused() {
    let p = crate::project();
    p.write(
        "remodel.toml",
        "dialects = [\"sqlite\", \"postgres\", \"mariadb\"]\n",
    );
    p.write(
        "src/lib.rs",
        &film(
            "    index(name = \"film_gin\", fields(\"extra\"), using = \"gin\"),\n    \
             index(name = \"film_lower\", expressions(\"lower(title)\"), where = \"year > 0\"),\n",
            "",
        ),
    );
    let run = p.remodel(&["makemigrations"]);
    run.expect(1);
    for said in [
        "index film_gin says `using`, but SQLite builds only B-tree indexes (dialects in remodel.toml include sqlite)",
        "index film_gin says `using`, but MariaDB has no `gin` index method",
        "index film_lower says `where`, but MariaDB has no partial indexes",
        "index film_lower says `expressions`, but MariaDB has no expression key parts",
        "src/lib.rs:",
    ] {
        assert!(run.stderr.contains(said), "{said} in\n{}", run.stderr);
    }
    assert!(!p.path().join("migrations").exists());

    // Mistakes in the index itself, on any database.
    p.write("remodel.toml", "dialects = [\"postgres\"]\n");
    p.write(
        "src/lib.rs",
        &film(
            "    index(expressions(\"lower(titel)\")),\n    \
             index(fields(\"title\"), using = \"rtree\"),\n    \
             index(fields(\"title\"), unique, using = \"gin\"),\n",
            "",
        ),
    );
    let run = p.remodel(&["makemigrations"]);
    run.expect(1);
    for said in [
        "index expression refers to `titel`, not a column of `Film`",
        "an index with expressions needs a name",
        "unknown index method `rtree`",
        "a unique index is a B-tree",
    ] {
        assert!(run.stderr.contains(said), "{said} in\n{}", run.stderr);
    }
}

/// An index an applied RunSql made is the history's: `check` is clean and
/// `check --adopt` writes nothing that would create it again (which broke
/// the history on a fresh database). A GIN index kept that way before
/// models could say `using` stays clean too.
#[tokio::test]
async fn an_index_a_run_sql_made_is_not_drift_and_not_adopted() {
    for kind in [
        DialectKind::Sqlite,
        DialectKind::Postgres,
        DialectKind::Mysql,
    ] {
        let Some(p) = TestProject::on(BIN, kind).await else {
            continue;
        };
        p.write("src/lib.rs", &film("", ""));
        p.remodel(&["makemigrations"]).ok();
        let mut sql = vec![(
            "CREATE INDEX film_year_by_hand ON film (year)",
            "DROP INDEX film_year_by_hand",
        )];
        if kind == DialectKind::Postgres {
            sql.push((
                "CREATE INDEX film_extra_gin ON film USING gin (extra)",
                "DROP INDEX film_extra_gin",
            ));
        }
        let mut file = String::from("dependencies = [\"shop.0001_initial\"]\n");
        for (forward, back) in &sql {
            let back = if kind == DialectKind::Mysql {
                back.replace(
                    "DROP INDEX film_year_by_hand",
                    "DROP INDEX film_year_by_hand ON film",
                )
            } else {
                back.to_string()
            };
            file.push_str(&format!(
                "\n[[operations]]\nop = \"RunSql\"\nsql = \"{forward}\"\nreverse_sql = \"{back}\"\n"
            ));
        }
        p.write("migrations/shop/0002_by_hand.toml", &file);
        p.remodel(&["migrate"]).ok();
        let check = p.remodel(&["check"]);
        assert_eq!(check.code, 0, "{kind:?}: {}{}", check.stdout, check.stderr);
        let adopt = p.remodel(&["check", "--adopt"]);
        adopt.ok();
        assert_eq!(
            p.files("migrations/shop"),
            [
                "migrations/shop/0001_initial.toml",
                "migrations/shop/0002_by_hand.toml"
            ],
            "{kind:?}: {}",
            adopt.stdout
        );
        p.remodel(&["makemigrations", "--check"]).ok();
        p.remodel(&["migrate", "shop", "0001"]).ok();
        p.remodel(&["migrate"]).ok();
    }
}
