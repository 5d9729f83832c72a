//! Whole-database adoption of the public sample databases (DESIGN §11.1,
//! issue 14): `inspectdb --app legacy` as the crate's `src/lib.rs`, then
//! `check --adopt --app legacy` writes and records the migrations that
//! recreate the database (a RunSql of what the tables need, the tables, a
//! RunSql of what needs them), with no hand edit; `makemigrations --check`
//! and `check` exit 0; nothing in the database changed. Then a fresh
//! database migrated from those files has the same structure as the
//! original: the same facts read with SQL from the catalog (tables,
//! columns, types, defaults, keys and their names, indexes, constraints,
//! views, triggers, rules, sequences), and on PostgreSQL the same
//! `pg_dump --schema-only` up to order, functions, domains and types
//! included. A test skips with one line when the sample scripts, the
//! server or a client is absent.

use crate::BIN;
use remodel_dialect::DialectKind;
use remodel_testkit::TestProject;
use remodel_testkit::facts::{Facts, facts};
use remodel_testkit::realworld::{Sample, project_with};
use std::process::Command;

/// What a fresh database cannot have as the original does, per sample and
/// server: facts (as `Facts::diff` writes them, `-` original, `+` fresh)
/// and `pg_dump` lines (`<` original, `>` fresh), each with why. Anything
/// else that differs fails the test.
fn known_differences(sample: Sample, kind: DialectKind) -> &'static [&'static str] {
    match (sample, kind) {
        // Sakila's script comments the schema itself, which belongs to the
        // database rather than to a table or an object of the schema.
        (Sample::Sakila, DialectKind::Postgres) => {
            &["< COMMENT ON SCHEMA public IS 'Standard public schema';"]
        }
        // InnoDB records an ON UPDATE a key omits as RESTRICT, which is
        // how remodel writes "no action" (so that it applies earlier
        // releases' files as they did); Chinook's script said NO ACTION.
        (Sample::Chinook, DialectKind::Mysql) => &[
            "- Album: foreign key FK_AlbumArtistId (ArtistId): references Artist (ArtistId) on delete no action on update no action match none",
            "+ Album: foreign key FK_AlbumArtistId (ArtistId): references Artist (ArtistId) on delete no action on update restrict match none",
            "- Customer: foreign key FK_CustomerSupportRepId (SupportRepId): references Employee (EmployeeId) on delete no action on update no action match none",
            "+ Customer: foreign key FK_CustomerSupportRepId (SupportRepId): references Employee (EmployeeId) on delete no action on update restrict match none",
            "- Employee: foreign key FK_EmployeeReportsTo (ReportsTo): references Employee (EmployeeId) on delete no action on update no action match none",
            "+ Employee: foreign key FK_EmployeeReportsTo (ReportsTo): references Employee (EmployeeId) on delete no action on update restrict match none",
            "- Invoice: foreign key FK_InvoiceCustomerId (CustomerId): references Customer (CustomerId) on delete no action on update no action match none",
            "+ Invoice: foreign key FK_InvoiceCustomerId (CustomerId): references Customer (CustomerId) on delete no action on update restrict match none",
            "- InvoiceLine: foreign key FK_InvoiceLineInvoiceId (InvoiceId): references Invoice (InvoiceId) on delete no action on update no action match none",
            "+ InvoiceLine: foreign key FK_InvoiceLineInvoiceId (InvoiceId): references Invoice (InvoiceId) on delete no action on update restrict match none",
            "- InvoiceLine: foreign key FK_InvoiceLineTrackId (TrackId): references Track (TrackId) on delete no action on update no action match none",
            "+ InvoiceLine: foreign key FK_InvoiceLineTrackId (TrackId): references Track (TrackId) on delete no action on update restrict match none",
            "- PlaylistTrack: foreign key FK_PlaylistTrackPlaylistId (PlaylistId): references Playlist (PlaylistId) on delete no action on update no action match none",
            "+ PlaylistTrack: foreign key FK_PlaylistTrackPlaylistId (PlaylistId): references Playlist (PlaylistId) on delete no action on update restrict match none",
            "- PlaylistTrack: foreign key FK_PlaylistTrackTrackId (TrackId): references Track (TrackId) on delete no action on update no action match none",
            "+ PlaylistTrack: foreign key FK_PlaylistTrackTrackId (TrackId): references Track (TrackId) on delete no action on update restrict match none",
            "- Track: foreign key FK_TrackAlbumId (AlbumId): references Album (AlbumId) on delete no action on update no action match none",
            "+ Track: foreign key FK_TrackAlbumId (AlbumId): references Album (AlbumId) on delete no action on update restrict match none",
            "- Track: foreign key FK_TrackGenreId (GenreId): references Genre (GenreId) on delete no action on update no action match none",
            "+ Track: foreign key FK_TrackGenreId (GenreId): references Genre (GenreId) on delete no action on update restrict match none",
            "- Track: foreign key FK_TrackMediaTypeId (MediaTypeId): references MediaType (MediaTypeId) on delete no action on update no action match none",
            "+ Track: foreign key FK_TrackMediaTypeId (MediaTypeId): references MediaType (MediaTypeId) on delete no action on update restrict match none",
        ],
        _ => &[],
    }
}

/// Facts that are data, not structure: where a counter or sequence stands.
fn is_data(fact: &str) -> bool {
    fact.contains("counter:") || fact.contains("last value")
}

async fn adopt_whole(sample: Sample, kind: DialectKind) {
    let Some(p) = project_with(BIN, sample, kind).await else {
        return;
    };
    let original = facts(&p).await;
    adopt_as_printed(&p, "legacy");
    let file = p.read("migrations/legacy/0001_initial.toml");
    let tables = file.matches("op = \"CreateModel\"").count();
    let objects: usize = file
        .lines()
        .filter(|l| l.starts_with("creates = ["))
        .map(|l| l.matches("\", \"").count() + 1)
        .sum();
    assert_eq!(
        facts(&p).await.diff(&original),
        Vec::<String>::new(),
        "adopting changed nothing in the database"
    );
    let Some(q) = migrated_fresh(&p).await else {
        return;
    };
    let known = known_differences(sample, kind);
    let all_facts = structure(&original).diff(&structure(&facts(&q).await));
    let fact_diff: Vec<String> = all_facts
        .iter()
        .filter(|d| !known.contains(&d.as_str()))
        .cloned()
        .collect();
    let known_facts = all_facts.len() - fact_diff.len();
    let dump_diff = match kind {
        DialectKind::Postgres => pg_dump_diff(&p, &q),
        _ => None,
    };
    let dump_left: Vec<&String> = dump_diff
        .iter()
        .flatten()
        .filter(|d| !known.contains(&d.as_str()))
        .collect();
    println!(
        "{} on {}: adopted {tables} tables and {objects} objects; makemigrations --check and check exit 0; fresh database: {} facts compared, {} differ ({} known){}",
        sample.name(),
        kind.name(),
        original.lines().len(),
        fact_diff.len() + known_facts,
        known_facts,
        match &dump_diff {
            Some(d) => format!(
                "; pg_dump --schema-only: {} lines differ up to order ({} known)",
                d.len(),
                d.len() - dump_left.len()
            ),
            None if kind == DialectKind::Postgres => "; pg_dump absent, not compared".into(),
            None => String::new(),
        }
    );
    assert_eq!(
        fact_diff,
        Vec::<String>::new(),
        "the fresh database's facts (- original, + fresh)"
    );
    assert_eq!(
        dump_left,
        Vec::<&String>::new(),
        "pg_dump --schema-only (< original, > fresh), up to order"
    );
}

/// `inspectdb --app APP` as the crate's source, then `check --adopt --app
/// APP` with everything adopted; `makemigrations --check` and `check`
/// exit 0.
pub(crate) fn adopt_as_printed(p: &TestProject, app: &str) {
    let inspect = p.remodel(&["inspectdb", "--app", app]);
    inspect.ok();
    p.write("src/lib.rs", &inspect.stdout);
    let adopt = p.remodel(&["check", "--adopt", "--app", app]);
    adopt.ok();
    assert!(
        !adopt.stderr.contains("not adopted"),
        "everything is adopted:\n{}",
        adopt.stderr
    );
    let made = p.remodel(&["makemigrations", "--check"]);
    assert_eq!(made.code, 0, "{}{}", made.stdout, made.stderr);
    let check = p.remodel(&["check"]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
}

/// A fresh database of the same kind, migrated from `p`'s files, with no
/// drift and nothing for makemigrations; `None` without a server.
pub(crate) async fn migrated_fresh(p: &TestProject) -> Option<TestProject> {
    let q = p.copy_on_fresh_database().await?;
    q.remodel(&["migrate"]).ok();
    let check = q.remodel(&["check"]);
    assert_eq!(check.code, 0, "{}", check.stdout);
    q.remodel(&["makemigrations", "--check"]).ok();
    Some(q)
}

/// The facts that are structure (not where counters stand). SQLite keeps
/// a CHECK as its CREATE TABLE spelled it, and remodel writes its own
/// spelling of the same expression: those compare without case or blanks.
pub(crate) fn structure(f: &Facts) -> Facts {
    let mut out = Facts::default();
    for line in f.lines() {
        let Some((table, fact)) = line.split_once(": ") else {
            continue;
        };
        if is_data(fact) {
            continue;
        }
        if fact.starts_with("check") {
            let squashed: String = fact
                .replace("\\n", " ")
                .chars()
                .filter(|c| !c.is_whitespace())
                .flat_map(char::to_uppercase)
                .collect();
            out.add(table, squashed);
        } else {
            out.add(table, fact);
        }
    }
    out
}

/// The lines of `pg_dump --schema-only --no-owner --no-privileges` of the
/// two databases that only one has (remodel's own tables left out),
/// marked `<` (first) and `>` (second); `None` when pg_dump is absent.
pub(crate) fn pg_dump_diff(a: &TestProject, b: &TestProject) -> Option<Vec<String>> {
    let dump = |p: &TestProject| -> Option<Vec<String>> {
        let out = Command::new("pg_dump")
            .args([
                "--schema-only",
                "--no-owner",
                "--no-privileges",
                "--exclude-table=remodel_migrations*",
                "--exclude-table=remodel_objects*",
                "--dbname",
                &p.db_url(),
            ])
            .output()
            .ok()?;
        assert!(
            out.status.success(),
            "pg_dump: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            // Comments, blank lines and psql's per-dump random keys.
            .filter(|l| {
                !l.starts_with("--")
                    && !l.trim().is_empty()
                    && !l.starts_with("\\restrict")
                    && !l.starts_with("\\unrestrict")
            })
            .map(String::from)
            .collect();
        lines.sort();
        Some(lines)
    };
    let (Some(x), Some(y)) = (dump(a), dump(b)) else {
        println!("skipped: pg_dump is not installed, so the dumps are not compared");
        return None;
    };
    // Lines as a multiset: each line as often as one side has it more.
    let mut count: std::collections::BTreeMap<&String, i64> = Default::default();
    for l in &x {
        *count.entry(l).or_default() += 1;
    }
    for l in &y {
        *count.entry(l).or_default() -= 1;
    }
    let mut out = Vec::new();
    for (line, n) in count {
        let mark = if n > 0 { "<" } else { ">" };
        for _ in 0..n.abs() {
            out.push(format!("{mark} {line}"));
        }
    }
    Some(out)
}

#[tokio::test]
async fn chinook_on_sqlite() {
    adopt_whole(Sample::Chinook, DialectKind::Sqlite).await;
}

#[tokio::test]
async fn chinook_on_postgres() {
    adopt_whole(Sample::Chinook, DialectKind::Postgres).await;
}

#[tokio::test]
async fn chinook_on_mysql() {
    adopt_whole(Sample::Chinook, DialectKind::Mysql).await;
}

#[tokio::test]
async fn sakila_on_sqlite() {
    adopt_whole(Sample::Sakila, DialectKind::Sqlite).await;
}

#[tokio::test]
async fn sakila_on_postgres() {
    adopt_whole(Sample::Sakila, DialectKind::Postgres).await;
}

#[tokio::test]
async fn sakila_on_mysql() {
    adopt_whole(Sample::Sakila, DialectKind::Mysql).await;
}

#[tokio::test]
async fn pagila_on_postgres() {
    adopt_whole(Sample::Pagila, DialectKind::Postgres).await;
}
