//! Timing one command: wall time and peak memory of exactly that command.
//!
//! The runner re-executes this binary as `remodel-bench measure -- CMD…`. That
//! fresh process spawns CMD, times it from spawn to exit, and reads
//! `getrusage(RUSAGE_CHILDREN)`: since CMD is the only child it ever waited
//! for, `ru_maxrss` is CMD's own peak RSS (or its largest descendant's).

use anyhow::{Context as _, bail};
use nix::sys::resource::{UsageWho, getrusage};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// `measure` options.
#[derive(clap::Args, Debug)]
pub struct MeasureArgs {
    /// Kill the command after this many seconds.
    #[arg(long)]
    timeout: Option<f64>,
    /// Where the command's stdout goes (default: discarded).
    #[arg(long)]
    stdout: Option<PathBuf>,
    /// Where the command's stderr goes (default: discarded).
    #[arg(long)]
    stderr: Option<PathBuf>,
    /// Read the command's stdin from this file.
    #[arg(long)]
    stdin: Option<PathBuf>,
    /// The command.
    #[arg(last = true, required = true)]
    command: Vec<String>,
}

fn sink(p: Option<&Path>) -> anyhow::Result<Stdio> {
    Ok(match p {
        Some(p) => Stdio::from(
            std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
        ),
        None => Stdio::null(),
    })
}

fn measure_inner(a: &MeasureArgs) -> anyhow::Result<serde_json::Value> {
    let mut cmd = Command::new(&a.command[0]);
    cmd.args(&a.command[1..])
        .stdout(sink(a.stdout.as_deref())?)
        .stderr(sink(a.stderr.as_deref())?);
    cmd.stdin(match &a.stdin {
        Some(p) => {
            Stdio::from(std::fs::File::open(p).with_context(|| format!("opening {}", p.display()))?)
        }
        None => Stdio::null(),
    });
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .with_context(|| format!("starting {}", a.command[0]))?;
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let (killed_tx, killed_rx) = mpsc::channel::<bool>();
    let timeout = a.timeout;
    let watcher = std::thread::spawn(move || {
        let killed = match timeout {
            Some(t) => match done_rx.recv_timeout(Duration::from_secs_f64(t)) {
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
                    true
                }
                _ => false,
            },
            None => false,
        };
        let _ = killed_tx.send(killed);
    });
    let status = child.wait().context("waiting for the command")?;
    let wall = start.elapsed();
    let _ = done_tx.send(());
    let _ = watcher.join();
    let timed_out = killed_rx.recv().unwrap_or(false);
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).context("getrusage")?;
    Ok(serde_json::json!({
        "wall_ms": wall.as_secs_f64() * 1000.0,
        "max_rss_kb": usage.max_rss(),
        "code": status.code(),
        "timed_out": timed_out,
    }))
}

/// The `measure` subcommand: prints one JSON object.
pub fn measure_main(a: &MeasureArgs) -> ExitCode {
    match measure_inner(a) {
        Ok(v) => {
            println!("{v}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// One run of a command.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Wall time, milliseconds.
    pub wall_ms: f64,
    /// Peak resident set, KiB.
    pub max_rss_kb: i64,
    /// Exit code (None: killed by a signal).
    pub code: Option<i32>,
    /// Killed after the timeout.
    pub timed_out: bool,
}

/// What to run and how.
#[derive(Debug, Clone, Default)]
pub struct Spec {
    /// Program and arguments.
    pub argv: Vec<String>,
    /// Working folder.
    pub cwd: Option<PathBuf>,
    /// Extra environment.
    pub env: Vec<(String, String)>,
    /// Stdin from a file.
    pub stdin: Option<PathBuf>,
    /// Where to keep stdout and stderr (`<log>.out`, `<log>.err`).
    pub log: Option<PathBuf>,
    /// Kill after this many seconds.
    pub timeout: Option<f64>,
}

impl Spec {
    /// A command.
    pub fn new<S: AsRef<str>>(argv: &[S]) -> Spec {
        Spec {
            argv: argv.iter().map(|s| s.as_ref().to_string()).collect(),
            ..Spec::default()
        }
    }
}

/// Runs `spec` under `remodel-bench measure`.
pub fn run(spec: &Spec) -> anyhow::Result<Sample> {
    let exe = std::env::current_exe().context("locating remodel-bench")?;
    let mut cmd = Command::new(exe);
    cmd.arg("measure");
    if let Some(t) = spec.timeout {
        cmd.arg("--timeout").arg(t.to_string());
    }
    if let Some(log) = &spec.log {
        cmd.arg("--stdout").arg(log.with_extension("out"));
        cmd.arg("--stderr").arg(log.with_extension("err"));
    }
    if let Some(i) = &spec.stdin {
        cmd.arg("--stdin").arg(i);
    }
    cmd.arg("--").args(&spec.argv);
    if let Some(d) = &spec.cwd {
        cmd.current_dir(d);
    }
    for (k, v) in &spec.env {
        cmd.env(k, v);
    }
    let out = cmd.output().context("running remodel-bench measure")?;
    if !out.status.success() {
        bail!(
            "measuring {:?} failed: {}",
            spec.argv,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("reading measure's output")?;
    Ok(Sample {
        wall_ms: v["wall_ms"].as_f64().unwrap_or(f64::NAN),
        max_rss_kb: v["max_rss_kb"].as_i64().unwrap_or(0),
        code: v["code"].as_i64().map(|c| c as i32),
        timed_out: v["timed_out"].as_bool().unwrap_or(false),
    })
}
