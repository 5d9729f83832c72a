//! Migrations embedded in an application, applied at startup without the
//! CLI: [`embed_migrations!`](crate::embed_migrations) puts the migration
//! files in the binary, and [`Migrator::run`] applies what a database lacks —
//! with the CLI's own code for loading and replaying the history, rendering,
//! checksums, the migration lock and transactions.

/// One migration file, embedded at compile time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmbeddedMigration {
    /// The app: the name of the folder holding the file.
    pub app: &'static str,
    /// The file name, `NNNN_name.toml`.
    pub file: &'static str,
    /// Its path relative to the crate, for messages.
    pub path: &'static str,
    /// Its text.
    pub text: &'static str,
}

/// A project's migrations, embedded in the binary (see
/// [`embed_migrations!`](crate::embed_migrations)).
#[derive(Debug, Clone, Copy)]
pub struct Migrator {
    migrations: &'static [EmbeddedMigration],
    lock_timeout_secs: u64,
}

impl Migrator {
    /// The migrations of these files; `embed_migrations!()` writes this call.
    pub const fn new(migrations: &'static [EmbeddedMigration]) -> Migrator {
        Migrator {
            migrations,
            lock_timeout_secs: 60,
        }
    }

    /// How long [`Migrator::run`] waits for another process's migration
    /// lock (default 60 seconds), as `remodel migrate --lock-timeout`.
    pub const fn lock_timeout(mut self, seconds: u64) -> Migrator {
        self.lock_timeout_secs = seconds;
        self
    }

    /// The embedded files, in app and file order.
    pub fn migrations(&self) -> &'static [EmbeddedMigration] {
        self.migrations
    }
}

#[cfg(feature = "_runtime")]
pub use runtime::{Applied, MigrateError, Pool};

#[cfg(feature = "_runtime")]
mod runtime {
    use super::Migrator;
    use remodel_dialect::{Database, DatabaseUrl, DbError};
    use remodel_migrate::plan::Target;
    use remodel_migrate::runner::{self, Outcome, Prepared, Progress, RunError};
    use remodel_migrate::session::{self, Aim, Options, SessionError};
    use remodel_migrate::{Graph, graph};
    use std::path::PathBuf;
    use std::time::Duration;

    /// Why [`Migrator::run`] failed. Its text says what, where and what to do,
    /// as the CLI's messages do.
    #[derive(Debug, thiserror::Error)]
    pub enum MigrateError {
        /// The embedded migration files do not load (a bad file, a missing
        /// dependency, a cycle, an operation that does not apply).
        #[error("the embedded migrations do not load:\n{}", .0.join("\n"))]
        Load(Vec<String>),
        /// The database could not be reached or answered with an error.
        #[error("{0}")]
        Database(#[from] DbError),
        /// The history stops the run before anything is applied (an edited
        /// or missing applied migration, a failed one, two leaves, …).
        #[error("{0}")]
        Refused(#[from] SessionError),
        /// A migration failed while running; the text says what was rolled
        /// back or reversed.
        #[error("{0}")]
        Failed(#[from] RunError),
    }

    /// What [`Migrator::run`] did.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct Applied {
        /// The migrations applied, `app.name`, in order (none when the
        /// database was up to date).
        pub migrations: Vec<String>,
    }

    /// A connection pool [`Migrator::run`] can migrate: sqlx's
    /// `SqlitePool`, `PgPool` and `MySqlPool`, each with its feature.
    pub trait Pool: private::Sealed {
        /// One connection of the pool, taken out of it for the run.
        #[doc(hidden)]
        fn database(
            &self,
        ) -> impl std::future::Future<Output = Result<Box<dyn Database>, DbError>> + Send;
    }

    mod private {
        pub trait Sealed {}
    }

    fn acquire_error(target: String, e: sqlx::Error) -> DbError {
        DbError::Connect {
            target,
            reason: e.to_string(),
        }
    }

    #[cfg(feature = "sqlite")]
    impl private::Sealed for sqlx::SqlitePool {}

    #[cfg(feature = "sqlite")]
    impl Pool for sqlx::SqlitePool {
        async fn database(&self) -> Result<Box<dyn Database>, DbError> {
            let path = PathBuf::from(self.connect_options().get_filename());
            let url = DatabaseUrl::Sqlite { path };
            // A connection of its own for the run: the migration lock and
            // PRAGMA foreign_keys are per connection. Kept, not detached:
            // closing goes back to the pool (rolled back, foreign keys and
            // busy_timeout as they were, see `from_pool_connection`). A
            // detached connection would be closed at the end, and with an
            // in-memory pool (`sqlite::memory:`, one database shared by the
            // pool's connections while one is open) closing its only
            // connection would drop the database just migrated.
            let conn = self
                .acquire()
                .await
                .map_err(|e| acquire_error(url.display(), e))?;
            remodel_dialect::sqlite::SqliteDatabase::from_pool_connection(url, conn)
                .await
                .map(|db| Box::new(db) as Box<dyn Database>)
        }
    }

    #[cfg(feature = "postgres")]
    impl private::Sealed for sqlx::PgPool {}

    #[cfg(feature = "postgres")]
    impl Pool for sqlx::PgPool {
        async fn database(&self) -> Result<Box<dyn Database>, DbError> {
            let o = self.connect_options();
            let url = DatabaseUrl::Postgres(format!(
                "postgres://{}:{}/{}",
                o.get_host(),
                o.get_port(),
                o.get_database().unwrap_or_default()
            ));
            // Detached, and closed at the end of the run rather than given
            // back: remodel holds a session-level advisory lock on it for
            // the run, which must never stay with a connection of the
            // application's pool (an unlock that failed, a transaction
            // left open); closing ends the session and all of it. The pool
            // opens a replacement when it needs one.
            let conn = self
                .acquire()
                .await
                .map_err(|e| acquire_error(url.display(), e))?
                .detach();
            Ok(Box::new(
                remodel_dialect::postgres::PostgresDatabase::from_connection(url, conn),
            ))
        }
    }

    #[cfg(feature = "mysql")]
    impl private::Sealed for sqlx::MySqlPool {}

    #[cfg(feature = "mysql")]
    impl Pool for sqlx::MySqlPool {
        async fn database(&self) -> Result<Box<dyn Database>, DbError> {
            let o = self.connect_options();
            let url = DatabaseUrl::Mysql(format!(
                "mysql://{}:{}/{}",
                o.get_host(),
                o.get_port(),
                o.get_database().unwrap_or_default()
            ));
            // Detached, and closed at the end of the run rather than given
            // back: remodel sets a strict sql_mode on the session and holds
            // a GET_LOCK lock on it, neither of which must reach the
            // application's pool. The pool opens a replacement when needed.
            let conn = self
                .acquire()
                .await
                .map_err(|e| acquire_error(url.display(), e))?
                .detach();
            remodel_dialect::mysql::MysqlDatabase::from_connection(url, conn)
                .await
                .map(|db| Box::new(db) as Box<dyn Database>)
        }
    }

    /// Collects what was applied.
    struct Collect(Vec<String>);

    impl Progress for Collect {
        fn start(&mut self, _m: &Prepared) {}

        fn finish(&mut self, m: &Prepared, outcome: Outcome) {
            if outcome == Outcome::Done {
                self.0.push(m.key.clone());
            }
        }
    }

    impl Migrator {
        /// The embedded migrations loaded into their graph and replayed, as
        /// `remodel` loads a migrations folder.
        pub fn graph(&self) -> Result<Graph, MigrateError> {
            let mut migrations = Vec::new();
            let mut errors = Vec::new();
            for m in self.migrations {
                match graph::parse_migration(m.app, m.file, PathBuf::from(m.path), m.text) {
                    Ok(m) => migrations.push(m),
                    Err(e) => errors.push(e.to_string()),
                }
            }
            if !errors.is_empty() {
                return Err(MigrateError::Load(errors));
            }
            Graph::from_migrations(migrations)
                .map(|(graph, _)| graph)
                .map_err(|errors| {
                    MigrateError::Load(errors.iter().map(ToString::to_string).collect())
                })
        }

        /// Applies every migration the database lacks, as `remodel migrate`
        /// does: on one connection taken from `pool`, under the migration
        /// lock (waiting for another process's run to finish), refusing
        /// edited, missing or failed applied migrations, each migration in
        /// a transaction with its history row where the database allows.
        pub async fn run(&self, pool: &impl Pool) -> Result<Applied, MigrateError> {
            let graph = self.graph()?;
            let mut db = pool.database().await?;
            let result = self.run_on(&graph, db.as_mut()).await;
            db.close().await;
            result
        }

        async fn run_on(
            &self,
            graph: &Graph,
            db: &mut dyn Database,
        ) -> Result<Applied, MigrateError> {
            db.set_lock_wait(Duration::from_secs(self.lock_timeout_secs), Box::new(|| {}))
                .await?;
            db.lock().await?;
            let result = async {
                let planned =
                    session::prepare_run(db, graph, &Aim::Target(Target::All), &Options::default())
                        .await?;
                let mut applied = Collect(Vec::new());
                runner::execute(db, &planned.prepared, false, &mut applied).await?;
                Ok(Applied {
                    migrations: applied.0,
                })
            }
            .await;
            let _ = db.unlock().await;
            result
        }
    }
}
