//! `remodel-bench`: generates the same schema as a remodel project, a Django
//! project and SQLAlchemy models with an Alembic environment, and times
//! remodel against Django and Alembic on them (issue 7, DESIGN §9).
//!
//! ```text
//! remodel-bench generate --models 1000 --apps 10 --history 50 --out DIR
//! remodel-bench run [--sizes 10,100,1000] [--runs 5] [--postgres URL] [--skip-slow]
//! ```

mod generate;
mod measure;
mod pgproxy;
mod run;
mod schema;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "remodel-bench",
    about = "Benchmarks remodel against Django and Alembic"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write the same schema as a remodel project, a Django project and SQLAlchemy/Alembic.
    Generate {
        /// Number of models (tables).
        #[arg(long, default_value_t = 100)]
        models: usize,
        /// Number of apps the models are spread over.
        #[arg(long, default_value_t = 10)]
        apps: usize,
        /// Migrations per app (1: the initial migration only).
        #[arg(long, default_value_t = 1)]
        history: usize,
        /// Output folder (gets remodel/, django/, alembic/).
        #[arg(long)]
        out: PathBuf,
    },
    /// Time remodel and the peers and print one Markdown table.
    Run(run::RunArgs),
    /// (internal) Run a command and print its wall time, peak RSS and exit code as JSON.
    #[command(hide = true)]
    Measure(measure::MeasureArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate {
            models,
            apps,
            history,
            out,
        } => {
            if models == 0 {
                eprintln!("error: --models must be at least 1");
                return ExitCode::from(2);
            }
            let p = schema::generate(models, apps, history);
            generate::write_all(&p, &out).map(|()| {
                println!(
                    "wrote {} models in {} apps, {} migrations per app, to {}",
                    models,
                    p.apps,
                    history.max(1),
                    out.display()
                );
            })
        }
        Command::Run(args) => run::run(&args),
        Command::Measure(args) => return measure::measure_main(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
