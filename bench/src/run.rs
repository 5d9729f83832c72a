//! The runner: a Python virtual environment with the pinned peers, a release
//! build of remodel, generated projects for each size, and every timed line,
//! printed as one Markdown table.

use crate::generate;
use crate::measure::{self, Sample, Spec};
use crate::pgproxy;
use crate::schema;
use anyhow::{Context as _, bail};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The peers' pinned versions (pip requirement specifiers).
pub const REQUIREMENTS: &[&str] = &[
    "Django~=5.2.0",
    "alembic~=1.20.0",
    "SQLAlchemy~=2.0.0",
    "psycopg2-binary~=2.9.0",
];

/// A peer line whose first run takes longer than this runs once.
const SINGLE_RUN_MS: f64 = 60_000.0;

/// `run` options.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// Model counts to benchmark, comma-separated.
    #[arg(long, default_value = "10,100,1000", value_delimiter = ',')]
    sizes: Vec<usize>,
    /// Runs per line (the median is reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Migrations per app in the history used by the no-op check and the added field.
    #[arg(long, default_value_t = 50)]
    history: usize,
    /// Apps the models are spread over.
    #[arg(long, default_value_t = 10)]
    apps: usize,
    /// PostgreSQL server (any database on it: the benchmark creates and drops its own).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    postgres: String,
    /// Leave out the PostgreSQL lines.
    #[arg(long)]
    no_postgres: bool,
    /// Leave out the peers (remodel's lines only).
    #[arg(long)]
    no_peers: bool,
    /// Skip Django's migrate from 1,000 models on (it takes many minutes).
    #[arg(long)]
    skip_slow: bool,
    /// Kill any one command after this many seconds (reported as such).
    #[arg(long, default_value_t = 1800.0)]
    timeout: f64,
    /// Scratch folder for the generated projects and databases.
    #[arg(long)]
    work: Option<PathBuf>,
    /// The Python virtual environment (created when missing).
    #[arg(long)]
    venv: Option<PathBuf>,
    /// The Python that creates the virtual environment.
    #[arg(long, default_value = "python3")]
    python: String,
    /// A remodel binary to use instead of building one (`cargo build --release`).
    #[arg(long)]
    remodel: Option<PathBuf>,
}

fn bench_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn workspace_dir() -> PathBuf {
    bench_dir()
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(bench_dir)
}

fn sh(cmd: &mut Command) -> anyhow::Result<String> {
    let out = cmd.output().with_context(|| format!("running {cmd:?}"))?;
    if !out.status.success() {
        bail!(
            "{cmd:?} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn progress(msg: &str) {
    eprintln!("[bench] {msg}");
}

/// Creates the virtual environment and installs the pinned peers when missing.
fn setup_venv(a: &RunArgs, venv: &Path) -> anyhow::Result<String> {
    let py = venv.join("bin").join("python");
    let probe = "import django, alembic, sqlalchemy, psycopg2; print('Django', django.get_version(), '· Alembic', alembic.__version__, '· SQLAlchemy', sqlalchemy.__version__, '· psycopg2', psycopg2.__version__.split()[0])";
    if let Ok(v) = sh(Command::new(&py).args(["-c", probe])) {
        return Ok(v.trim().to_string());
    }
    progress(&format!(
        "creating the virtual environment {}",
        venv.display()
    ));
    sh(Command::new(&a.python).arg("-m").arg("venv").arg(venv))?;
    sh(Command::new(&py)
        .args(["-m", "pip", "install", "-q", "--disable-pip-version-check"])
        .args(REQUIREMENTS))?;
    Ok(sh(Command::new(&py).args(["-c", probe]))?
        .trim()
        .to_string())
}

fn build_remodel() -> anyhow::Result<PathBuf> {
    progress("building remodel (cargo build --release -p remodel-cli)");
    let ws = workspace_dir();
    sh(
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(&ws)
            .args([
                "build",
                "--release",
                "-q",
                "-p",
                "remodel-cli",
                "--bin",
                "remodel",
            ]),
    )?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| ws.join("target"));
    let bin = target.join("release").join("remodel");
    if !bin.is_file() {
        bail!("built remodel, but {} is missing", bin.display());
    }
    Ok(bin)
}

/// Statistics of one tool on one line.
#[derive(Debug, Clone)]
struct Stat {
    samples: Vec<Sample>,
    /// Something unexpected (exit code, timeout), with the log to read.
    problem: Option<String>,
}

impl Stat {
    fn median_ms(&self) -> f64 {
        let mut v: Vec<f64> = self.samples.iter().map(|s| s.wall_ms).collect();
        v.sort_by(f64::total_cmp);
        match v.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => v[n / 2],
            n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
        }
    }
    fn peak_mb(&self) -> f64 {
        self.samples.iter().map(|s| s.max_rss_kb).max().unwrap_or(0) as f64 / 1024.0
    }
}

fn fmt_ms(ms: f64) -> String {
    if ms.is_nan() {
        "–".into()
    } else if ms < 10.0 {
        format!("{ms:.2} ms")
    } else if ms < 1000.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

fn cell(s: Option<&Stat>) -> (String, String) {
    match s {
        None => ("skipped".into(), "–".into()),
        Some(s) => {
            let mut t = fmt_ms(s.median_ms());
            if s.samples.len() > 1 {
                let _ = write!(t, " ({}×)", s.samples.len());
            }
            if s.samples.iter().any(|x| x.timed_out) {
                t = format!("> {} (killed)", fmt_ms(s.samples[0].wall_ms));
            } else if s.problem.is_some() {
                t.push_str(" ⚠");
            }
            (t, format!("{:.0} MB", s.peak_mb()))
        }
    }
}

/// One table row: remodel against one peer on one operation.
struct Row {
    n: usize,
    what: String,
    remodel: Option<Stat>,
    peer_name: String,
    peer: Option<Stat>,
}

struct Bench<'a> {
    args: &'a RunArgs,
    remodel: PathBuf,
    python: PathBuf,
    alembic: PathBuf,
    rows: Vec<Row>,
    notes: Vec<String>,
    logs: PathBuf,
    log_counter: usize,
    pg: Option<Pg>,
}

/// The PostgreSQL server and the databases the run created.
struct Pg {
    url: String,
    created: Vec<String>,
    counter: usize,
}

/// `scheme://user@host:port` and the query string of a URL, without its database.
fn split_pg_url(url: &str) -> (String, String) {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let after = base.find("://").map_or(0, |i| i + 3);
    let server = match base[after..].find('/') {
        Some(i) => &base[..after + i],
        None => base,
    };
    (server.to_string(), query)
}

impl Pg {
    fn url_for(&self, db: &str) -> String {
        let (server, query) = split_pg_url(&self.url);
        format!("{server}/{db}{query}")
    }
    fn host_port(&self) -> String {
        let (server, _) = split_pg_url(&self.url);
        let authority = server.rsplit("://").next().unwrap_or("");
        let hp = authority.rsplit('@').next().unwrap_or("127.0.0.1:5432");
        if hp.contains(':') {
            hp.to_string()
        } else {
            format!("{hp}:5432")
        }
    }
    fn psql(&self, sql: &str) -> anyhow::Result<String> {
        sh(Command::new("psql")
            .args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(&self.url)
            .arg("-c")
            .arg(sql))
    }
    fn create(&mut self) -> anyhow::Result<String> {
        self.counter += 1;
        let name = format!("remodel_bench_{}_{}", std::process::id(), self.counter);
        self.psql(&format!("CREATE DATABASE \"{name}\""))?;
        self.created.push(name.clone());
        Ok(name)
    }
    fn drop_db(&mut self, name: &str) {
        if let Err(e) = self.psql(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")) {
            progress(&format!("could not drop database {name}: {e:#}"));
        }
        self.created.retain(|n| n != name);
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        for name in self.created.clone() {
            self.drop_db(&name);
        }
    }
}

fn remove(path: &Path) {
    if path.is_dir() {
        let _ = std::fs::remove_dir_all(path);
    } else if path.exists() {
        let _ = std::fs::remove_file(path);
    }
}

/// Files in `dir` whose name starts with `prefix`.
fn files_starting(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with(prefix))
                })
                .collect()
        })
        .unwrap_or_default()
}

impl Bench<'_> {
    fn log(&mut self, tag: &str) -> PathBuf {
        self.log_counter += 1;
        self.logs.join(format!("{:03}-{tag}", self.log_counter))
    }

    /// Runs a line `runs` times (once when a peer's first run is over a
    /// minute), calling `prep` before each run (not timed). `ok` lists the
    /// expected exit codes.
    fn time(
        &mut self,
        tag: &str,
        peer: bool,
        ok: &[i32],
        mut prep: impl FnMut(&mut Bench) -> anyhow::Result<Spec>,
    ) -> anyhow::Result<Stat> {
        let mut samples = Vec::new();
        let mut problem = None;
        for i in 0..self.args.runs.max(1) {
            let mut spec = prep(self)?;
            let log = self.log(tag);
            spec.log = Some(log.clone());
            spec.timeout = Some(self.args.timeout);
            let s = measure::run(&spec)?;
            progress(&format!(
                "{tag} run {}: {} {}",
                i + 1,
                fmt_ms(s.wall_ms),
                match s.code {
                    Some(c) => format!("exit {c}"),
                    None => "killed".into(),
                }
            ));
            if s.timed_out || !s.code.is_some_and(|c| ok.contains(&c)) {
                let msg = format!(
                    "{tag}: {}; see {}",
                    match (s.timed_out, s.code) {
                        (true, _) => format!("killed after {} s", self.args.timeout),
                        (false, Some(c)) => format!("exit {c}"),
                        (false, None) => "killed by a signal".into(),
                    },
                    log.with_extension("err").display()
                );
                problem.get_or_insert(msg);
            }
            let stop = s.timed_out || (peer && s.wall_ms > SINGLE_RUN_MS);
            samples.push(s);
            if stop {
                break;
            }
        }
        if let Some(p) = &problem {
            self.notes.push(p.clone());
        }
        Ok(Stat { samples, problem })
    }

    fn remodel_spec(&self, project: &Path, args: &[&str]) -> Spec {
        let mut argv = vec![
            self.remodel.display().to_string(),
            "-C".into(),
            project.display().to_string(),
        ];
        argv.extend(args.iter().map(|s| s.to_string()));
        let mut spec = Spec::new(&argv);
        spec.env.push(("NO_COLOR".into(), "1".into()));
        spec
    }

    /// Django's `manage.py` with the project's database set to a SQLite file.
    fn django_on_sqlite(&self, project: &Path, args: &[&str], db: &Path) -> Spec {
        self.django_spec(
            project,
            args,
            &[("BENCH_SQLITE_PATH", db.display().to_string())],
        )
    }

    fn django_spec(&self, project: &Path, args: &[&str], env: &[(&str, String)]) -> Spec {
        let mut argv = vec![self.python.display().to_string(), "manage.py".into()];
        argv.extend(args.iter().map(|s| s.to_string()));
        let mut spec = Spec::new(&argv);
        spec.cwd = Some(project.to_path_buf());
        spec.env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        spec.env
            .push(("PYTHONDONTWRITEBYTECODE".into(), "1".into()));
        spec
    }

    fn row(&mut self, n: usize, what: &str, remodel: Option<Stat>, peer: &str, p: Option<Stat>) {
        self.rows.push(Row {
            n,
            what: what.into(),
            remodel,
            peer_name: peer.into(),
            peer: p,
        });
    }

    fn size(&mut self, n: usize, work: &Path) -> anyhow::Result<()> {
        let a = self.args;
        let k = a.history.max(1);
        let dir = work.join(format!("n{n}"));
        remove(&dir);
        let fresh = dir.join("h1");
        let hist = dir.join(format!("h{k}"));
        let p1 = schema::generate(n, a.apps, 1);
        let mut pk = schema::generate(n, a.apps, k);
        generate::write_all(&p1, &fresh)?;
        generate::write_all(&pk, &hist)?;
        progress(&format!(
            "N={n}: projects in {} and {}",
            fresh.display(),
            hist.display()
        ));
        let peers = !a.no_peers;

        // 1. Initial makemigrations (no migrations yet): without remodel's
        // cache of parsed files, then with it (the first run fills it).
        let rm = fresh.join("remodel");
        let cold = self.time(
            &format!("n{n}-remodel-makemigrations-initial-nocache"),
            false,
            &[0],
            |b| {
                remove(&rm.join("migrations"));
                let mut spec = b.remodel_spec(&rm, &["makemigrations"]);
                spec.env.push(("REMODEL_NO_CACHE".into(), "1".into()));
                Ok(spec)
            },
        )?;
        let r = self.time(
            &format!("n{n}-remodel-makemigrations-initial"),
            false,
            &[0],
            |b| {
                remove(&rm.join("migrations"));
                Ok(b.remodel_spec(&rm, &["makemigrations"]))
            },
        )?;
        let dj = fresh.join("django");
        let sqlite_scratch = dir.join("django-makemigrations.sqlite3");
        let d = if peers {
            Some(self.time(
                &format!("n{n}-django-makemigrations-initial"),
                true,
                &[0],
                |b| {
                    for app in 0..p1.apps {
                        let mig = dj.join(schema::app_label(app)).join("migrations");
                        for f in files_starting(&mig, "0") {
                            remove(&f);
                        }
                    }
                    Ok(b.django_on_sqlite(&dj, &["makemigrations"], &sqlite_scratch))
                },
            )?)
        } else {
            None
        };
        self.row(
            n,
            "initial `makemigrations`, no cache (`REMODEL_NO_CACHE=1`)",
            Some(cold),
            "Django",
            d.clone(),
        );
        self.row(n, "initial `makemigrations`", Some(r), "Django", d);

        // 2. No-op makemigrations --check on the long history, without and
        // with the cache.
        let rm = hist.join("remodel");
        let cold = self.time(
            &format!("n{n}-remodel-check-noop-nocache"),
            false,
            &[0],
            |b| {
                let mut spec = b.remodel_spec(&rm, &["makemigrations", "--check"]);
                spec.env.push(("REMODEL_NO_CACHE".into(), "1".into()));
                Ok(spec)
            },
        )?;
        let r = self.time(&format!("n{n}-remodel-check-noop"), false, &[0], |b| {
            Ok(b.remodel_spec(&rm, &["makemigrations", "--check"]))
        })?;
        let dj = hist.join("django");
        let d = if peers {
            Some(
                self.time(&format!("n{n}-django-check-noop"), true, &[0], |b| {
                    Ok(b.django_on_sqlite(
                        &dj,
                        &["makemigrations", "--check", "--dry-run"],
                        &sqlite_scratch,
                    ))
                })?,
            )
        } else {
            None
        };
        self.row(
            n,
            &format!("no-op `makemigrations --check`, {k} migrations/app, no cache"),
            Some(cold),
            "Django",
            d.clone(),
        );
        self.row(
            n,
            &format!("no-op `makemigrations --check`, {k} migrations/app"),
            Some(r),
            "Django",
            d,
        );

        // 3. One field added, on the long history.
        generate::add_field(&mut pk);
        generate::rewrite_models(&pk, &hist, pk.models[0].app)?;
        let app0 = schema::app_label(pk.models[0].app);
        let next = format!("{:04}_", pk.history[pk.models[0].app].len() + 1);
        let rmig = rm.join("migrations").join(&app0);
        let r = self.time(&format!("n{n}-remodel-add-field"), false, &[0], |b| {
            for f in files_starting(&rmig, &next) {
                remove(&f);
            }
            Ok(b.remodel_spec(&rm, &["makemigrations"]))
        })?;
        if files_starting(&rmig, &next).len() != 1 {
            self.notes.push(format!(
                "N={n}: remodel wrote no {next}* migration for the added field"
            ));
        }
        let dmig = dj.join(&app0).join("migrations");
        let d = if peers {
            let s = self.time(&format!("n{n}-django-add-field"), true, &[0], |b| {
                for f in files_starting(&dmig, &next) {
                    remove(&f);
                }
                Ok(b.django_on_sqlite(&dj, &["makemigrations"], &sqlite_scratch))
            })?;
            if files_starting(&dmig, &next).len() != 1 {
                self.notes.push(format!(
                    "N={n}: Django wrote no {next}* migration for the added field"
                ));
            }
            Some(s)
        } else {
            None
        };
        self.row(
            n,
            &format!("`makemigrations`, one field added, {k} migrations/app"),
            Some(r),
            "Django",
            d,
        );

        // 4. migrate from empty: SQLite.
        let rm = fresh.join("remodel");
        let db = dir.join("migrate.sqlite3");
        let db_url = format!("sqlite://{}", db.display());
        let script = dir.join("plan-sqlite.sql");
        let plan = sh(Command::new(&self.remodel).arg("-C").arg(&rm).args([
            "migrate",
            "--plan",
            "--sql",
            "--offline",
            "--dialect",
            "sqlite",
        ]))?;
        std::fs::write(&script, plan)?;
        let r = self.time(&format!("n{n}-remodel-migrate-sqlite"), false, &[0], |b| {
            remove(&db);
            Ok(b.remodel_spec(&rm, &["--database", &db_url, "migrate"]))
        })?;
        let tables = sh(Command::new("sqlite3").arg(&db).arg(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 'model%'",
        ))?;
        if tables.trim() != n.to_string() {
            self.notes.push(format!(
                "N={n}: remodel migrate left {} model tables in SQLite, expected {n}",
                tables.trim()
            ));
        }
        let s = self.time(&format!("n{n}-sqlite3-migrate"), true, &[0], |_| {
            remove(&db);
            let mut spec = Spec::new(&["sqlite3".to_string(), db.display().to_string()]);
            spec.stdin = Some(script.clone());
            Ok(spec)
        })?;
        self.row(
            n,
            "`migrate` from empty, SQLite",
            Some(r.clone()),
            "sqlite3 (same DDL)",
            Some(s),
        );
        let dj = fresh.join("django");
        let slow = a.skip_slow && n >= 1000;
        let d = if peers && !slow {
            Some(
                self.time(&format!("n{n}-django-migrate-sqlite"), true, &[0], |b| {
                    remove(&db);
                    Ok(b.django_on_sqlite(&dj, &["migrate", "--verbosity", "0"], &db))
                })?,
            )
        } else {
            None
        };
        if peers {
            self.row(n, "`migrate` from empty, SQLite", Some(r), "Django", d);
        }
        remove(&db);

        if self.pg.is_none() {
            return Ok(());
        }

        // 5. migrate from empty: PostgreSQL.
        let script = dir.join("plan-postgres.sql");
        let plan = sh(Command::new(&self.remodel).arg("-C").arg(&rm).args([
            "migrate",
            "--plan",
            "--sql",
            "--offline",
            "--dialect",
            "postgres",
        ]))?;
        std::fs::write(&script, plan)?;
        let mut last: Option<String> = None;
        let r = self.time(&format!("n{n}-remodel-migrate-pg"), false, &[0], |b| {
            let pg = b.pg.as_mut().context("no server")?;
            if let Some(old) = last.take() {
                pg.drop_db(&old);
            }
            let name = pg.create()?;
            let url = pg.url_for(&name);
            last = Some(name);
            Ok(b.remodel_spec(&rm, &["--database", &url, "migrate"]))
        })?;
        let live = last.take().context("no database migrated")?;
        let s = self.time(&format!("n{n}-psql-migrate"), true, &[0], |b| {
            let pg = b.pg.as_mut().context("no server")?;
            if let Some(old) = last.take() {
                pg.drop_db(&old);
            }
            let name = pg.create()?;
            let url = pg.url_for(&name);
            last = Some(name);
            Ok(Spec::new(&[
                "psql".to_string(),
                "-X".into(),
                "-q".into(),
                "-v".into(),
                "ON_ERROR_STOP=1".into(),
                "-d".into(),
                url,
                "-f".into(),
                script.display().to_string(),
            ]))
        })?;
        self.row(
            n,
            "`migrate` from empty, PostgreSQL",
            Some(r.clone()),
            "psql (same DDL)",
            Some(s),
        );
        if peers && !slow {
            let d = self.time(&format!("n{n}-django-migrate-pg"), true, &[0], |b| {
                let pg = b.pg.as_mut().context("no server")?;
                if let Some(old) = last.take() {
                    pg.drop_db(&old);
                }
                let name = pg.create()?;
                let url = pg.url_for(&name);
                last = Some(name);
                Ok(b.django_spec(
                    &dj,
                    &["migrate", "--verbosity", "0"],
                    &[("BENCH_DB", "postgres".into()), ("BENCH_PG_URL", url)],
                ))
            })?;
            self.row(
                n,
                "`migrate` from empty, PostgreSQL",
                Some(r),
                "Django",
                Some(d),
            );
        } else if peers {
            self.row(
                n,
                "`migrate` from empty, PostgreSQL",
                Some(r),
                "Django",
                None,
            );
        }
        if let Some(old) = last.take()
            && let Some(pg) = self.pg.as_mut()
        {
            pg.drop_db(&old);
        }

        // 6. Live diff with no changes, on the database remodel migrated.
        let pg = self.pg.as_ref().context("no server")?;
        let url = pg.url_for(&live);
        let host_port = pg.host_port();
        let server_url = pg.url.clone();
        let alembic_url = url
            .replacen("postgres://", "postgresql+psycopg2://", 1)
            .replacen("postgresql://", "postgresql+psycopg2://", 1);
        let r_check = self.time(&format!("n{n}-remodel-check"), false, &[0], |b| {
            Ok(b.remodel_spec(&rm, &["--database", &url, "check"]))
        })?;
        let r_fromdb = self.time(&format!("n{n}-remodel-from-db"), false, &[0], |b| {
            Ok(b.remodel_spec(
                &rm,
                &["--database", &url, "makemigrations", "--from-db", "--check"],
            ))
        })?;
        // 7. Statements remodel sends, through a counting proxy (before Alembic
        // adds its alembic_version table, which remodel would report as drift).
        let proxy = pgproxy::start(host_port)?;
        let (server, query) = split_pg_url(&server_url);
        let local = server.rsplit_once('@').map_or_else(
            || format!("postgres://127.0.0.1:{}", proxy.port),
            |(userinfo, _)| format!("{userinfo}@127.0.0.1:{}", proxy.port),
        );
        let proxied = format!("{local}/{live}{query}");
        for (label, args) in [
            ("check", vec!["check"]),
            (
                "makemigrations --from-db --check",
                vec!["makemigrations", "--from-db", "--check"],
            ),
        ] {
            let before = proxy.log.statements().len();
            let mut argv: Vec<&str> = vec!["--database", &proxied];
            argv.extend(args);
            let out = Command::new(&self.remodel)
                .arg("-C")
                .arg(&rm)
                .args(&argv)
                .env("NO_COLOR", "1")
                .output()?;
            // Let the proxy's threads finish reading the last messages.
            std::thread::sleep(std::time::Duration::from_millis(200));
            let stmts: Vec<String> = proxy.log.statements()[before..].to_vec();
            let catalog = stmts
                .iter()
                .filter(|s| pgproxy::is_catalog_query(s))
                .count();
            let dump = self.log(&format!(
                "n{n}-statements-{}",
                label.replace([' ', '-'], "_")
            ));
            std::fs::write(dump.with_extension("sql"), stmts.join(";\n\n"))?;
            std::fs::write(dump.with_extension("out"), &out.stdout)?;
            std::fs::write(dump.with_extension("err"), &out.stderr)?;
            let status = match out.status.code() {
                Some(0) => String::new(),
                Some(c) => format!(" (exit {c}: see {})", dump.with_extension("err").display()),
                None => " (killed)".into(),
            };
            self.notes.push(format!(
                "N={n}: `remodel {label}` sent {} statements through the counting proxy, {catalog} of them catalog queries{status}",
                stmts.len()
            ));
        }
        let al = fresh.join("alembic");
        let d = if peers {
            Some(self.time(&format!("n{n}-alembic-check"), true, &[0], |b| {
                let mut spec = Spec::new(&[b.alembic.display().to_string(), "check".into()]);
                spec.cwd = Some(al.clone());
                spec.env = vec![("BENCH_ALEMBIC_URL".into(), alembic_url.clone())];
                Ok(spec)
            })?)
        } else {
            None
        };
        self.row(
            n,
            "live diff, PostgreSQL, no changes: `check`",
            Some(r_check),
            "Alembic autogenerate (`alembic check`)",
            d.clone(),
        );
        self.row(
            n,
            "live diff, PostgreSQL, no changes: `makemigrations --from-db --check`",
            Some(r_fromdb),
            "Alembic autogenerate (`alembic check`)",
            d,
        );

        if let Some(pg) = self.pg.as_mut() {
            pg.drop_db(&live);
        }
        Ok(())
    }

    fn table(&self) -> String {
        let mut s = String::from(
            "| N | operation | remodel | remodel peak | peer | peer time | peer peak | peer / remodel |\n|---:|---|---:|---:|---|---:|---:|---:|\n",
        );
        for r in &self.rows {
            let (rt, rm) = cell(r.remodel.as_ref());
            let (pt, pm) = cell(r.peer.as_ref());
            let ratio = match (&r.remodel, &r.peer) {
                (Some(a), Some(b)) if a.median_ms() > 0.0 => {
                    let x = b.median_ms() / a.median_ms();
                    if b.samples.iter().any(|s| s.timed_out) {
                        format!("> {x:.1}×")
                    } else if x >= 10.0 {
                        format!("{x:.0}×")
                    } else {
                        format!("{x:.2}×")
                    }
                }
                _ => "–".into(),
            };
            let _ = writeln!(
                s,
                "| {} | {} | {rt} | {rm} | {} | {pt} | {pm} | {ratio} |",
                r.n, r.what, r.peer_name
            );
        }
        s
    }
}

/// The `run` subcommand.
pub fn run(a: &RunArgs) -> anyhow::Result<()> {
    let work = a.work.clone().unwrap_or_else(|| bench_dir().join(".work"));
    std::fs::create_dir_all(&work)?;
    let work = work.canonicalize()?;
    let logs = work.join("logs");
    remove(&logs);
    std::fs::create_dir_all(&logs)?;
    let venv = a.venv.clone().unwrap_or_else(|| bench_dir().join(".venv"));
    let versions = if a.no_peers {
        "peers not run".to_string()
    } else {
        setup_venv(a, &venv)?
    };
    let remodel = match &a.remodel {
        Some(p) => p.canonicalize()?,
        None => build_remodel()?,
    };
    let pg = if a.no_postgres {
        None
    } else {
        let pg = Pg {
            url: a.postgres.clone(),
            created: Vec::new(),
            counter: 0,
        };
        let v = pg.psql("SHOW server_version").with_context(|| {
            format!(
                "reaching PostgreSQL at {} (or pass --no-postgres)",
                a.postgres
            )
        })?;
        progress(&format!("PostgreSQL {}", v.trim()));
        Some(pg)
    };
    let pg_version = match &pg {
        Some(pg) => format!("PostgreSQL {}", pg.psql("SHOW server_version")?.trim()),
        None => "no PostgreSQL".into(),
    };
    let mut bench = Bench {
        args: a,
        remodel,
        python: venv.join("bin").join("python"),
        alembic: venv.join("bin").join("alembic"),
        rows: Vec::new(),
        notes: Vec::new(),
        logs,
        log_counter: 0,
        pg,
    };
    for &n in &a.sizes {
        if n == 0 {
            bail!("--sizes: a size must be at least 1");
        }
        bench.size(n, &work)?;
    }
    drop(bench.pg.take());
    let sqlite = sh(Command::new("sqlite3").arg("--version"))
        .map(|v| v.split_whitespace().next().unwrap_or("").to_string())
        .unwrap_or_default();
    let mut out = format!(
        "remodel-bench: {} runs per line (median; one run for a peer line over 60 s), {} apps, {} migrations/app for the history lines; {}; {pg_version}; SQLite {sqlite}; {} CPUs.\n\n",
        a.runs,
        a.apps,
        a.history.max(1),
        versions,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    out.push_str(&bench.table());
    if !bench.notes.is_empty() {
        out.push('\n');
        for n in &bench.notes {
            let _ = writeln!(out, "- {n}");
        }
    }
    let results = work.join("results.md");
    std::fs::write(&results, &out)?;
    println!("{out}");
    progress(&format!("table saved to {}", results.display()));
    Ok(())
}
