//! The public sample databases (Chinook, Sakila, Pagila) loaded into a
//! test's own database, for tests of real schemas (issue 13).
//!
//! The scripts live in `../shared/realworld-data/` beside the project's
//! root, as CI lays them out; they are never copied into the repository.
//! A test that needs one skips with one line when the folder, the script or
//! the database's command-line client is absent.
//!
//! Each script is run as its authors meant it to be, by the database's own
//! client — `psql` (for `COPY … FROM stdin` and its other meta-commands) and
//! `mariadb`/`mysql` (for `DELIMITER`) — which every machine running the
//! servers has, CI's included; SQLite's scripts run through the project's
//! own bundled SQLite, so no `sqlite3` program is needed. Only what would
//! leave the test's own database is taken out: the scripts' `DROP`/`CREATE
//! DATABASE`/`SCHEMA` and `\c`/`USE` lines, and MySQL Sakila's `sakila.`
//! qualifiers in its views. Nothing else is changed, and no error is let
//! through: `psql -v ON_ERROR_STOP=1`, the MariaDB client's default (stop at
//! the first error) and SQLite's `execute` (stop at the first error) fail
//! the test with the client's message. On PostgreSQL 15 and MariaDB 10.11
//! every script loads without an error, so none is tolerated.

use crate::TestProject;
use remodel_dialect::{DatabaseUrl, DialectKind};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A public sample database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sample {
    /// Chinook 1.4.5, a music store: 11 tables with rows, on every database.
    Chinook,
    /// Sakila, a DVD rental: SQLite and MySQL schema only (no rows);
    /// PostgreSQL schema and rows, with inheritance-partitioned payments.
    Sakila,
    /// Pagila, Sakila for PostgreSQL with declarative partitions, domains,
    /// enums, arrays and full-text search, with rows (PostgreSQL only).
    Pagila,
}

impl Sample {
    /// Every sample.
    pub const ALL: [Sample; 3] = [Sample::Chinook, Sample::Sakila, Sample::Pagila];

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Sample::Chinook => "Chinook",
            Sample::Sakila => "Sakila",
            Sample::Pagila => "Pagila",
        }
    }

    /// The scripts that load it on a database, in order; `None` when the
    /// sample has no version for that database.
    pub fn files(self, kind: DialectKind) -> Option<&'static [&'static str]> {
        use DialectKind::{Mysql, Postgres, Sqlite};
        Some(match (self, kind) {
            (Sample::Chinook, Sqlite) => &["Chinook_Sqlite.sql"],
            (Sample::Chinook, Postgres) => &["Chinook_PostgreSql.sql"],
            (Sample::Chinook, Mysql) => &["Chinook_MySql.sql"],
            (Sample::Sakila, Sqlite) => &["sqlite-sakila-schema.sql"],
            (Sample::Sakila, Postgres) => &[
                "postgres-sakila-schema.sql",
                "postgres-sakila-insert-data-using-copy.sql",
            ],
            (Sample::Sakila, Mysql) => &["mysql-sakila-schema.sql"],
            (Sample::Pagila, Postgres) => &["pagila-schema.sql", "pagila-data.sql"],
            (Sample::Pagila, _) => return None,
        })
    }
}

/// Where the sample scripts are: `shared/realworld-data` beside the
/// project's root.
pub fn data_dir() -> PathBuf {
    crate::workspace_root()
        .parent()
        .expect("the workspace has a parent folder")
        .join("shared/realworld-data")
}

/// A fresh project on a database of `kind` (its own SQLite file or scratch
/// server database) with `sample` loaded. `None`, after one line saying
/// why, when the scripts, the client or the server is absent.
pub async fn project_with(bin: &str, sample: Sample, kind: DialectKind) -> Option<TestProject> {
    let scripts = scripts(sample, kind)?;
    // The project first: without a server, it says so.
    let p = TestProject::on(bin, kind).await?;
    let client = client(kind)?;
    run(&p, sample, &scripts, client.as_deref());
    Some(p)
}

/// Loads `sample` into the project's own database. `None`, after one line
/// saying why, when the scripts or the client is absent.
pub async fn load(p: &TestProject, sample: Sample) -> Option<()> {
    let scripts = scripts(sample, p.dialect())?;
    let client = client(p.dialect())?;
    run(p, sample, &scripts, client.as_deref());
    Some(())
}

/// The sample's scripts for a database, read and made to stay in the
/// test's database; `None` (after one line) when absent.
fn scripts(sample: Sample, kind: DialectKind) -> Option<Vec<String>> {
    scripts_in(&data_dir(), sample, kind)
}

fn scripts_in(dir: &Path, sample: Sample, kind: DialectKind) -> Option<Vec<String>> {
    let Some(files) = sample.files(kind) else {
        eprintln!("skipped: {} has no {} version", sample.name(), kind.name());
        return None;
    };
    let mut out = Vec::new();
    for f in files {
        let path = dir.join(f);
        match std::fs::read_to_string(&path) {
            // Only MySQL's Sakila names its own database (SQLite's does in a comment).
            Ok(text) => out.push(stay_here(
                &text,
                sample == Sample::Sakila && kind == DialectKind::Mysql,
            )),
            Err(e) => {
                eprintln!(
                    "skipped: the sample databases are not there ({}: {e}); CI puts them in shared/realworld-data beside the project's root",
                    path.display()
                );
                return None;
            }
        }
    }
    Some(out)
}

/// Takes out what would leave the test's database: creating, dropping or
/// switching databases (the test's is already chosen), and with `unqualify`
/// the `sakila.` qualifiers of MySQL Sakila's views (`sakila.film`, …).
fn stay_here(script: &str, unqualify: bool) -> String {
    let leaves = |line: &str| {
        let l = line.trim_start().to_ascii_uppercase();
        [
            "DROP DATABASE",
            "CREATE DATABASE",
            "DROP SCHEMA",
            "CREATE SCHEMA",
            "USE ",
            "\\C ",
        ]
        .iter()
        .any(|p| l.starts_with(p))
    };
    let mut out = String::with_capacity(script.len());
    for line in script.split_inclusive('\n') {
        if leaves(line) {
            // Keep the line count, so a client's "line N" still points into the file.
            out.push('\n');
        } else if unqualify {
            out.push_str(&line.replace(" sakila.", " "));
        } else {
            out.push_str(line);
        }
    }
    out
}

/// The command-line client a dialect's scripts need (`None` for SQLite,
/// which needs none); `None` outside, after one line, when it is absent.
fn client(kind: DialectKind) -> Option<Option<String>> {
    let candidates: &[&str] = match kind {
        DialectKind::Sqlite => return Some(None),
        DialectKind::Postgres => &["psql"],
        DialectKind::Mysql => &["mariadb", "mysql"],
    };
    for c in candidates {
        if Command::new(c)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
        {
            return Some(Some(c.to_string()));
        }
    }
    eprintln!(
        "skipped: no {} client ({}) is installed to load the sample scripts",
        kind.name(),
        candidates.join(" or ")
    );
    None
}

/// Runs the scripts on the project's database; any error fails the test.
fn run(p: &TestProject, sample: Sample, scripts: &[String], client: Option<&str>) {
    let what = format!("loading {} into {}", sample.name(), p.dialect().name());
    match (p.dialect(), client) {
        (DialectKind::Sqlite, _) => crate::blocking(|| sqlite(p, scripts, &what)),
        (DialectKind::Postgres, Some(psql)) => {
            let mut cmd = Command::new(psql);
            cmd.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d"])
                .arg(p.db_url())
                .env("PGOPTIONS", "--client-min-messages=warning");
            pipe(cmd, &scripts.concat(), &what);
        }
        (DialectKind::Mysql, Some(mysql)) => {
            let url = MysqlUrl::parse(&p.db_url());
            let mut cmd = Command::new(mysql);
            cmd.arg(format!("--host={}", url.host))
                .arg(format!("--port={}", url.port))
                .arg(format!("--user={}", url.user))
                .arg(format!("--database={}", url.database))
                .arg("--default-character-set=utf8mb4")
                .env("MYSQL_PWD", &url.password);
            pipe(cmd, &scripts.concat(), &what);
        }
        (_, None) => unreachable!("servers need their client"),
    }
}

/// Runs a client with the script on its standard input; fails the test
/// with its output unless it exits 0.
fn pipe(mut cmd: Command, script: &str, what: &str) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: cannot start {cmd:?}: {e}"));
    let mut stdin = child.stdin.take().expect("a piped stdin");
    let out = std::thread::scope(|s| {
        // Write on one thread while the client's output is read on this
        // one, so neither side waits on a full pipe.
        s.spawn(move || {
            let _ = stdin.write_all(script.as_bytes());
        });
        child.wait_with_output()
    })
    .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs SQLite scripts whole on the project's file, in one transaction.
async fn sqlite(p: &TestProject, scripts: &[String], what: &str) {
    let url = DatabaseUrl::parse(&p.db_url(), p.path()).expect("a test URL");
    let mut db = remodel_dialect::connect(&url, true)
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"))
        .expect("the file is created");
    let script = format!("BEGIN;\n{}\nCOMMIT;", scripts.concat());
    db.execute(&script, &[])
        .await
        .unwrap_or_else(|e| panic!("{what} failed: {e}"));
    db.close().await;
}

/// The parts of a `mysql://user:password@host:port/database` URL the
/// client takes as options.
#[derive(Debug, PartialEq)]
struct MysqlUrl {
    user: String,
    password: String,
    host: String,
    port: u16,
    database: String,
}

impl MysqlUrl {
    fn parse(url: &str) -> MysqlUrl {
        let rest = url
            .split_once("://")
            .map_or(url, |(_, r)| r)
            .split('?')
            .next()
            .unwrap_or_default();
        let (auth, hostpath) = rest.rsplit_once('@').unwrap_or(("", rest));
        let (user, password) = auth.split_once(':').unwrap_or((auth, ""));
        let (hostport, database) = hostpath.split_once('/').unwrap_or((hostpath, ""));
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (h, p.parse().expect("a port number")),
            None => (hostport, 3306),
        };
        MysqlUrl {
            user: percent_decode(if user.is_empty() { "root" } else { user }),
            password: percent_decode(password),
            host: if host.is_empty() { "localhost" } else { host }.to_string(),
            port,
            database: percent_decode(database),
        }
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_stay_in_the_test_database() {
        let script = "DROP DATABASE IF EXISTS chinook;\nCREATE DATABASE chinook;\n\\c chinook;\nCREATE TABLE a (id INT);\n  USE `Chinook`;\nDROP SCHEMA IF EXISTS sakila;\nCREATE SCHEMA sakila;\nINSERT INTO a VALUES (1);\n";
        assert_eq!(
            stay_here(script, false),
            "\n\n\nCREATE TABLE a (id INT);\n\n\n\nINSERT INTO a VALUES (1);\n"
        );
        assert_eq!(
            stay_here(
                "FROM sakila.film f\nJOIN sakila.actor a -- sakila.x\n",
                true
            ),
            "FROM film f\nJOIN actor a -- x\n"
        );
        assert_eq!(stay_here("x sakila.y\n", false), "x sakila.y\n");
    }

    #[test]
    fn every_sample_names_its_scripts() {
        assert_eq!(
            Sample::Pagila.files(DialectKind::Postgres),
            Some(&["pagila-schema.sql", "pagila-data.sql"][..])
        );
        assert_eq!(Sample::Pagila.files(DialectKind::Mysql), None);
        for s in Sample::ALL {
            assert!(s.files(DialectKind::Postgres).is_some(), "{s:?}");
        }
        assert!(data_dir().ends_with("shared/realworld-data"));
    }

    #[test]
    fn absent_scripts_skip() {
        let none = Path::new("/nonexistent/realworld-data");
        assert_eq!(scripts_in(none, Sample::Chinook, DialectKind::Sqlite), None);
        assert_eq!(scripts_in(none, Sample::Pagila, DialectKind::Sqlite), None);
    }

    #[test]
    fn mysql_urls_become_client_options() {
        assert_eq!(
            MysqlUrl::parse("mysql://root@127.0.0.1:3306/remodel_t1?ssl-mode=disabled"),
            MysqlUrl {
                user: "root".into(),
                password: String::new(),
                host: "127.0.0.1".into(),
                port: 3306,
                database: "remodel_t1".into(),
            }
        );
        assert_eq!(
            MysqlUrl::parse("mysql://me:p%40ss@db/x"),
            MysqlUrl {
                user: "me".into(),
                password: "p@ss".into(),
                host: "db".into(),
                port: 3306,
                database: "x".into(),
            }
        );
    }
}
