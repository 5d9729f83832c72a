//! Command-line options (DESIGN §3).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Database migrations from Rust structs.
#[derive(Debug, Parser)]
#[command(
    name = "remodel",
    version,
    about = "Database migrations from Rust structs",
    propagate_version = true
)]
pub struct Cli {
    /// Options every command accepts.
    #[command(flatten)]
    pub global: Global,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Options accepted before or after the subcommand.
#[derive(Debug, Args)]
pub struct Global {
    /// The project folder (default: the nearest folder upwards with remodel.toml or Cargo.toml).
    #[arg(short = 'C', long = "project", global = true, value_name = "DIR")]
    pub project: Option<PathBuf>,
    /// The database URL (default: DATABASE_URL, then .env, then remodel.toml, then sqlite://db.sqlite3).
    #[arg(long, global = true, value_name = "URL")]
    pub database: Option<String>,
    /// 0 quiet, 1 normal, 2 more, 3 everything.
    #[arg(short = 'v', long = "verbosity", global = true, default_value_t = 1, value_parser = clap::value_parser!(u8).range(0..=3))]
    pub verbosity: u8,
    /// No colours (also when NO_COLOR is set).
    #[arg(long = "no-color", global = true)]
    pub no_color: bool,
    /// Output format, where a command supports it (text by default).
    #[arg(long, global = true, value_enum)]
    pub format: Option<Format>,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// For scripts.
    Json,
}

/// Dialect names for offline rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DialectArg {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MySQL / MariaDB.
    Mysql,
}

impl DialectArg {
    /// The dialect kind.
    pub fn kind(self) -> remodel_dialect::DialectKind {
        match self {
            DialectArg::Sqlite => remodel_dialect::DialectKind::Sqlite,
            DialectArg::Postgres => remodel_dialect::DialectKind::Postgres,
            DialectArg::Mysql => remodel_dialect::DialectKind::Mysql,
        }
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compare the models with the migration history and write new migrations.
    Makemigrations(MakeArgs),
    /// Apply or unapply migrations.
    Migrate(MigrateArgs),
    /// List migrations and whether each is applied.
    Showmigrations(ShowArgs),
    /// Print the SQL of one migration.
    Sqlmigrate(SqlArgs),
    /// Compare the live database with the applied migrations (exit 1 on drift).
    Check(CheckArgs),
    /// Print #[derive(Model)] structs for the tables of an existing database.
    Inspectdb(InspectArgs),
}

/// `makemigrations`.
#[derive(Debug, Args)]
pub struct MakeArgs {
    /// Only these apps (and the apps their changes depend on).
    pub apps: Vec<String>,
    /// Name the new migration(s) instead of the generated name.
    #[arg(long)]
    pub name: Option<String>,
    /// Print what would be written, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Exit 1 if migrations are missing, 0 if none; write nothing.
    #[arg(long)]
    pub check: bool,
    /// Write an empty migration for one app, to fill in by hand.
    #[arg(long)]
    pub empty: bool,
    /// Join the branches of apps with two latest migrations in a merge migration.
    #[arg(long, conflicts_with_all = ["empty", "check"])]
    pub merge: bool,
    /// Never ask: an unanswered question is an error.
    #[arg(long)]
    pub noinput: bool,
    /// Answer a rename question: app.Model.old=new (field) or app.Old=New (model).
    #[arg(long, value_name = "FROM=TO")]
    pub rename: Vec<String>,
    /// Answer "not a rename" for app.Model.field (or app.Model).
    #[arg(long = "no-rename", value_name = "APP.MODEL.FIELD")]
    pub no_rename: Vec<String>,
    /// Answer "not a rename" to every rename question.
    #[arg(long = "no-renames")]
    pub no_renames: bool,
    /// A one-off value for existing rows: app.Model.field=<value as in default = …>.
    #[arg(long, value_name = "APP.MODEL.FIELD=VALUE")]
    pub default: Vec<String>,
    /// With --dry-run: also print the SQL.
    #[arg(long)]
    pub sql: bool,
    /// The dialect for --sql (default: the configured database's).
    #[arg(long, value_enum)]
    pub dialect: Option<DialectArg>,
    /// Diff the models against the live database instead of the history
    /// (refused unless every migration is applied and nothing drifted).
    #[arg(long = "from-db", conflicts_with_all = ["empty", "merge"])]
    pub from_db: bool,
}

/// `migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Only this app.
    pub app: Option<String>,
    /// A migration name or unambiguous prefix, `zero`, or relative: `-N`
    /// (unapply the app's last N applied) or `+N` (apply its next N).
    #[arg(allow_hyphen_values = true)]
    pub target: Option<String>,
    /// Record migrations as applied (or unapplied) without running their SQL.
    #[arg(long)]
    pub fake: bool,
    /// Record an app's initial migration as applied without running its
    /// CreateModel operations when its tables already exist with matching
    /// columns (checked against the live database).
    #[arg(long = "fake-initial")]
    pub fake_initial: bool,
    /// List the operations that would run, in order, and stop.
    #[arg(long)]
    pub plan: bool,
    /// With --plan: print the plan's SQL instead.
    #[arg(long, requires = "plan")]
    pub sql: bool,
    /// With --plan --sql: plan without connecting, from an empty database or
    /// from --from.
    #[arg(long, requires = "sql")]
    pub offline: bool,
    /// With --offline: take APP.NAME and everything it depends on as applied
    /// (repeatable).
    #[arg(long, value_name = "APP.NAME", requires = "offline")]
    pub from: Vec<String>,
    /// The dialect for --offline (default: the configured database's).
    #[arg(long, value_enum, requires = "offline")]
    pub dialect: Option<DialectArg>,
    /// Exit 1 if any migration is unapplied; apply nothing.
    #[arg(long)]
    pub check: bool,
    /// Apply even though this applied migration's file changed since
    /// (repeatable); its stored checksum is updated.
    #[arg(long = "accept-changed", value_name = "APP.NAME")]
    pub accept_changed: Vec<String>,
    /// Forget history rows whose migration files were deleted, and stop.
    #[arg(long, conflicts_with_all = ["app", "target", "fake", "fake_initial", "plan", "check", "accept_changed"])]
    pub prune: bool,
    /// Never ask.
    #[arg(long)]
    pub noinput: bool,
    /// Seconds to wait for another migrate holding the lock.
    #[arg(long = "lock-timeout", default_value_t = 60, value_name = "SECS")]
    pub lock_timeout: u64,
    /// Record how a migration that failed part-way (MySQL) was put right: with
    /// --rolled-back (its changes undone) or --applied (completed by hand).
    #[arg(long, value_name = "APP.NAME", conflicts_with_all = ["app", "target", "fake"])]
    pub resolve: Option<String>,
    /// With --resolve: the migration's changes are undone.
    #[arg(long = "rolled-back", requires = "resolve", conflicts_with = "applied")]
    pub rolled_back: bool,
    /// With --resolve: the migration is complete.
    #[arg(long, requires = "resolve")]
    pub applied: bool,
}

/// `showmigrations`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Only these apps.
    pub apps: Vec<String>,
    /// One line per migration, in the order they apply.
    #[arg(long)]
    pub plan: bool,
}

/// `sqlmigrate`.
#[derive(Debug, Args)]
pub struct SqlArgs {
    /// The app.
    pub app: String,
    /// The migration: a name or unambiguous prefix.
    pub name: String,
    /// The SQL that unapplies it.
    #[arg(long)]
    pub backwards: bool,
    /// The dialect (default: the configured database's).
    #[arg(long, value_enum)]
    pub dialect: Option<DialectArg>,
}

/// `inspectdb`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Only these tables (repeatable; default: every table).
    #[arg(long, value_name = "T")]
    pub table: Vec<String>,
    /// The app the structs belong to (default: the crate's name).
    #[arg(long)]
    pub app: Option<String>,
}

/// `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Record the database's out-of-band changes: write a migration per app
    /// that reproduces them and mark it applied.
    #[arg(long)]
    pub adopt: bool,
    /// With --adopt: the app that takes tables no model owns.
    #[arg(long, requires = "adopt")]
    pub app: Option<String>,
    /// With --adopt: name the new migration(s) instead of the generated name.
    #[arg(long, requires = "adopt")]
    pub name: Option<String>,
    /// With --adopt: seconds to wait for a migrate holding the lock.
    #[arg(long = "lock-timeout", default_value_t = 60, value_name = "SECS")]
    pub lock_timeout: u64,
}

impl Command {
    /// Whether `--format json` applies to this command as given.
    pub fn supports_json(&self) -> bool {
        match self {
            Command::Check(_) | Command::Showmigrations(_) => true,
            Command::Makemigrations(a) => (a.dry_run || a.check) && !a.merge && !a.empty,
            Command::Migrate(_) | Command::Sqlmigrate(_) | Command::Inspectdb(_) => false,
        }
    }
}
