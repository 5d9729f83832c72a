//! Shared test support, compiled once for every test crate: temporary
//! projects, running the `remodel` binary the way a user does, and checking
//! the database it leaves behind.

pub mod facts;
pub mod realworld;

use remodel_dialect::scratch::ScratchDatabase;
use remodel_dialect::{Database, DatabaseUrl, DialectKind, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root (for fixtures).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("testkit sits in the workspace")
        .to_path_buf()
}

/// What one run of the binary did.
#[derive(Debug, Clone)]
pub struct Run {
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
    /// Everything on stdout.
    pub stdout: String,
    /// Everything on stderr.
    pub stderr: String,
}

impl Run {
    /// Panics with both streams unless the exit code is `code`.
    #[track_caller]
    pub fn expect(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Panics unless it succeeded.
    #[track_caller]
    pub fn ok(&self) -> &Run {
        self.expect(0)
    }
}

/// A temporary project folder with its own SQLite database, removed on drop.
pub struct TestProject {
    dir: tempfile::TempDir,
    bin: PathBuf,
    /// The server database a PostgreSQL or MySQL test runs on (SQLite: none).
    scratch: Option<ScratchDatabase>,
    /// Whether the drift check after each `migrate` lets pass the facts no
    /// model can declare (a sample database's ON UPDATE actions).
    tolerate_unmodelled: bool,
    /// Whether `migrate` is followed by the drift check at all.
    drift_check: bool,
}

impl TestProject {
    /// An empty crate named `shop` (no models yet), driven by `bin`.
    pub fn new(bin: &str) -> TestProject {
        let dir = tempfile::Builder::new()
            .prefix("remodel-test-")
            .tempdir()
            .expect("a temporary folder");
        let p = TestProject {
            dir,
            bin: PathBuf::from(bin),
            scratch: None,
            tolerate_unmodelled: false,
            drift_check: true,
        };
        p.write(
            "Cargo.toml",
            "[package]\nname = \"shop\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
        );
        p.write("src/lib.rs", "");
        p
    }

    /// A copy of a fixture project (without its database).
    pub fn from_fixture(bin: &str, fixture: &str) -> TestProject {
        let p = TestProject::new(bin);
        copy_dir(&workspace_root().join("fixtures").join(fixture), p.path());
        let _ = std::fs::remove_file(p.path().join("db.sqlite3"));
        p
    }

    /// From now on, the drift check after each `migrate` lets pass what
    /// the database holds and no model can declare yet ("…, which no model
    /// can declare"): for databases made elsewhere, whose such facts a test
    /// compares by other means.
    pub fn tolerate_unmodelled(&mut self) {
        self.tolerate_unmodelled = true;
    }

    /// From now on, `migrate` is not followed by the drift check: for a
    /// test that holds what the history does not know on purpose (a column
    /// added by hand) and compares the database by other means.
    pub fn skip_drift_check(&mut self) {
        self.drift_check = false;
    }

    /// The project folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The project's SQLite file.
    pub fn db_path(&self) -> PathBuf {
        self.path().join("db.sqlite3")
    }

    /// An empty crate whose database is a fresh one on the test server of
    /// `kind` (SQLite: its own file). `None`, after one line saying why, when
    /// that server is not configured.
    pub async fn on(bin: &str, kind: DialectKind) -> Option<TestProject> {
        let mut p = TestProject::new(bin);
        if kind != DialectKind::Sqlite {
            p.scratch = Some(ScratchDatabase::create(kind).await?);
        }
        Some(p)
    }

    /// A copy of a fixture project on a fresh database of `kind`.
    pub async fn fixture_on(bin: &str, fixture: &str, kind: DialectKind) -> Option<TestProject> {
        let p = TestProject::on(bin, kind).await?;
        copy_dir(&workspace_root().join("fixtures").join(fixture), p.path());
        let _ = std::fs::remove_file(p.path().join("db.sqlite3"));
        Some(p)
    }

    /// A copy of this project's files (its migrations among them) on a
    /// fresh database of the same kind: what a teammate's or a new
    /// server's database is before `migrate`.
    pub async fn copy_on_fresh_database(&self) -> Option<TestProject> {
        let q = TestProject::on(&self.bin.display().to_string(), self.dialect()).await?;
        copy_dir(self.path(), q.path());
        Some(q)
    }

    /// The dialect the project's database speaks.
    pub fn dialect(&self) -> DialectKind {
        match &self.scratch {
            Some(s) => s.database_url().dialect(),
            None => DialectKind::Sqlite,
        }
    }

    /// Its URL (absolute for SQLite).
    pub fn db_url(&self) -> String {
        match &self.scratch {
            Some(s) => s.url.clone(),
            None => format!("sqlite://{}", self.db_path().display()),
        }
    }

    /// Writes a file (creating folders).
    pub fn write(&self, rel: &str, text: &str) {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("a file has a folder")).expect("create folders");
        std::fs::write(p, text).expect("write the file");
    }

    /// Reads a file.
    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    /// Whether a file exists.
    pub fn exists(&self, rel: &str) -> bool {
        self.path().join(rel).exists()
    }

    /// Every file below a folder, relative to the project, sorted.
    pub fn files(&self, rel: &str) -> Vec<String> {
        let mut out = Vec::new();
        walk(&self.path().join(rel), &mut |p| {
            out.push(
                p.strip_prefix(self.path())
                    .expect("below the project")
                    .display()
                    .to_string(),
            )
        });
        out.sort();
        out
    }

    /// Runs `remodel` in the project, as a user would, on its own database:
    /// `DATABASE_URL` removed, `--database` always given, no colours.
    ///
    /// After every `migrate` that succeeds (but `--plan`, `--check` and
    /// `--fake`), the database is introspected and compared with the applied
    /// migrations: any drift fails the test.
    pub fn remodel(&self, args: &[&str]) -> Run {
        let url = self.db_url();
        let run = self.remodel_with(
            args,
            &["-C", &self.path().display().to_string(), "--database", &url],
            &[],
        );
        let has_database = self.scratch.is_some() || self.db_path().exists();
        // What only looks, or records without running, changes no schema.
        let looks = ["--fake", "--plan", "--check"]
            .iter()
            .any(|f| args.contains(f));
        if self.drift_check
            && run.code == 0
            && args.first() == Some(&"migrate")
            && !looks
            && has_database
        {
            blocking(|| self.assert_no_drift());
        }
        run
    }

    /// Runs `remodel` with exactly these leading arguments and extra environment.
    pub fn remodel_with(&self, args: &[&str], lead: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = Command::new(&self.bin);
        cmd.args(lead)
            .args(args)
            .current_dir(self.path())
            .env_remove("DATABASE_URL")
            .env("NO_COLOR", "1");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run remodel");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Opens the project's SQLite database.
    pub async fn db(&self) -> Box<dyn Database> {
        let url = DatabaseUrl::parse(&self.db_url(), self.path()).expect("a test URL");
        remodel_dialect::connect(&url, false)
            .await
            .expect("connect")
            .expect("the database exists")
    }

    /// Runs SQL on the project's database.
    pub async fn exec(&self, sql: &str) {
        let mut db = self.db().await;
        db.execute(sql, &[])
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        db.close().await;
    }

    /// Runs a script as a user would by hand (statements split as
    /// RunSql's are), creating a SQLite file that does not exist yet.
    pub async fn exec_script(&self, script: &str) {
        let url = DatabaseUrl::parse(&self.db_url(), self.path()).expect("a test URL");
        let mut db = remodel_dialect::connect(&url, true)
            .await
            .expect("connect")
            .expect("the database exists");
        let statements = remodel_dialect::split::split(script, self.dialect())
            .unwrap_or_else(|e| panic!("split the script: {e}\n{script}"));
        for sql in statements {
            db.execute(&sql, &[])
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        db.close().await;
    }

    /// [`TestProject::exec_script`] that stops at the first statement that
    /// fails, as `sqlite3 -bail` or `psql -v ON_ERROR_STOP=1` would, and
    /// returns its error.
    pub async fn try_exec_script(&self, script: &str) -> Result<(), String> {
        let url = DatabaseUrl::parse(&self.db_url(), self.path()).expect("a test URL");
        let mut db = remodel_dialect::connect(&url, true)
            .await
            .expect("connect")
            .expect("the database exists");
        let statements = remodel_dialect::split::split(script, self.dialect())
            .unwrap_or_else(|e| panic!("split the script: {e}\n{script}"));
        let mut result = Ok(());
        for sql in statements {
            if let Err(e) = db.execute(&sql, &[]).await {
                result = Err(format!("{e}\n  in: {sql}"));
                break;
            }
        }
        db.close().await;
        result
    }

    /// Runs a query and returns its rows as text (NULL as `NULL`).
    pub async fn query(&self, sql: &str) -> Vec<Vec<String>> {
        let mut db = self.db().await;
        let rows = db
            .query(sql, &[])
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        db.close().await;
        rows.into_iter()
            .map(|r| {
                r.into_iter()
                    .map(|v| match v {
                        Value::Null => "NULL".into(),
                        Value::Int(i) => i.to_string(),
                        Value::Float(x) => x.to_string(),
                        Value::Text(s) => s,
                        Value::Bytes(b) => format!("{b:?}"),
                    })
                    .collect()
            })
            .collect()
    }

    /// [`TestProject::query`] for tests that are not async.
    pub fn query_now(&self, sql: &str) -> Vec<Vec<String>> {
        blocking(|| self.query(sql))
    }

    /// [`TestProject::exec`] for tests that are not async.
    pub fn exec_now(&self, sql: &str) {
        blocking(|| self.exec(sql))
    }

    /// Requires the database to hold exactly what its applied migrations
    /// describe: introspect, compare, and fail on any drift.
    pub async fn assert_no_drift(&self) {
        let (graph, _) = remodel_migrate::Graph::load(self.path(), &self.path().join("migrations"))
            .unwrap_or_else(|e| panic!("migrations load: {e:?}"));
        let mut db = self.db().await;
        // What `remodel check` compares, with nothing ignored.
        let found = remodel_migrate::drift::inspect_reading_back(
            db.as_mut(),
            &graph,
            &|_| false,
            "unowned",
            remodel_migrate::drift::ReadBack::Always,
        )
        .await
        .unwrap_or_else(|e| panic!("the history reads and replays: {e}"));
        db.close().await;
        let drift: Vec<&String> = found
            .differences
            .iter()
            .filter(|d| !(self.tolerate_unmodelled && d.ends_with("which no model can declare")))
            .collect();
        assert!(
            drift.is_empty(),
            "drift after apply:\n  {}",
            drift
                .iter()
                .map(|d| d.as_str())
                .collect::<Vec<_>>()
                .join("\n  ")
        );
        // And the database, read back in the history's words, is the
        // history's state exactly (what `check --adopt` and `--from-db` use).
        assert!(
            found.live == found.applied,
            "the database reads back differently from the applied state:\n  read back: {:#?}\n  applied: {:#?}",
            found.live,
            found.applied
        );
    }
}

/// Runs a future to completion from sync code, even inside an async test:
/// on a thread of its own with its own runtime.
fn blocking<'a, T: Send, F: std::future::Future<Output = T> + 'a>(
    make: impl FnOnce() -> F + Send + 'a,
) -> T {
    std::thread::scope(|s| {
        s.spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            rt.block_on(make())
        })
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e))
    })
}

fn walk(dir: &Path, f: &mut dyn FnMut(&Path)) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, f);
        } else {
            f(&p);
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from)
        .unwrap_or_else(|e| panic!("read {}: {e}", from.display()))
        .flatten()
    {
        let p = e.path();
        let name = e.file_name();
        if name == "target" || name.to_string_lossy().starts_with("db.sqlite3") {
            continue;
        }
        let dest = to.join(&name);
        if p.is_dir() {
            std::fs::create_dir_all(&dest).expect("create folder");
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).expect("copy file");
        }
    }
}
