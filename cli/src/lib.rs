//! The `remodel` command: clap options, one module per command, the source
//! scanner, and output. It wires the library crates together and holds no
//! schema logic of its own.

mod answers;
mod args;
mod commands;
mod config;
mod diagnostic;
mod fail;
mod output;
mod project;
mod questioner;
pub mod scan;

pub use project::Project;

use args::{Cli, Command, Format};
use clap::Parser;
use fail::Fail;
use output::Out;
use std::ffi::OsString;
use std::process::ExitCode;

/// Runs the command line and returns the exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let out = Out::new(cli.global.verbosity, cli.global.no_color);
    if cli.global.format == Some(Format::Json) && !cli.command.supports_json() {
        eprintln!("error: --format json is not supported by this command");
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(run(cli, out));
    match result {
        Ok(code) => ExitCode::from(code),
        Err(fail) => {
            let text = fail.message.trim_end();
            if !text.is_empty() {
                eprintln!("{text}");
            }
            ExitCode::from(fail.code)
        }
    }
}

async fn run(cli: Cli, out: Out) -> Result<u8, Fail> {
    let project = Project::find(cli.global.project.as_deref())?;
    let g = &cli.global;
    match cli.command {
        Command::Makemigrations(a) => commands::makemigrations::run(&project, g, &a, out).await,
        Command::Migrate(a) => commands::migrate::run(&project, g, &a, out).await,
        Command::Showmigrations(a) => commands::showmigrations::run(&project, g, &a, out).await,
        Command::Sqlmigrate(a) => commands::sqlmigrate::run(&project, g, &a, out),
        Command::Check(a) => commands::check::run(&project, g, &a, out).await,
        Command::Inspectdb(a) => commands::inspectdb::run(&project, g, &a, out).await,
    }
}
