//! Throwaway databases for tests: each test gets its own PostgreSQL or
//! MySQL database with a unique name, dropped when the handle goes, so tests
//! run in parallel and never touch a user's databases.

use crate::{DatabaseUrl, DialectKind};
use sqlx::Connection;
use std::sync::atomic::{AtomicU64, Ordering};

/// The environment variable naming a test server for a dialect.
pub fn env_var(kind: DialectKind) -> Option<&'static str> {
    match kind {
        DialectKind::Sqlite => None,
        DialectKind::Postgres => Some("REMODEL_TEST_POSTGRES_URL"),
        DialectKind::Mysql => Some("REMODEL_TEST_MYSQL_URL"),
    }
}

/// The test server's URL for a dialect, if one is configured.
pub fn server_url(kind: DialectKind) -> Option<String> {
    std::env::var(env_var(kind)?).ok().filter(|u| !u.is_empty())
}

/// A database created for one test, dropped on drop.
#[derive(Debug)]
pub struct ScratchDatabase {
    kind: DialectKind,
    server: String,
    /// Its name.
    pub name: String,
    /// Its URL.
    pub url: String,
}

fn with_database(server: &str, name: &str) -> String {
    // Replace the path (database name) of the server URL, keeping its query.
    let (base, query) = server.split_once('?').map_or((server, ""), |(b, q)| (b, q));
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[after_scheme..]
        .find('/')
        .map_or(base.len(), |i| after_scheme + i);
    let mut url = format!("{}/{name}", &base[..path_start]);
    if !query.is_empty() {
        url.push('?');
        url.push_str(query);
    }
    url
}

fn unique_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("remodel_t{}_{n}_{nanos:x}", std::process::id())
}

async fn admin(kind: DialectKind, server: &str, sql: &str) -> Result<(), String> {
    let run = async {
        match kind {
            DialectKind::Postgres => {
                let mut c = sqlx::PgConnection::connect(server).await?;
                sqlx::Executor::execute(&mut c, sql).await?;
                c.close().await
            }
            DialectKind::Mysql => {
                let mut c = sqlx::MySqlConnection::connect(server).await?;
                sqlx::Executor::execute(&mut c, sql).await?;
                c.close().await
            }
            DialectKind::Sqlite => Ok(()),
        }
    };
    run.await.map_err(|e: sqlx::Error| e.to_string())
}

impl ScratchDatabase {
    /// Creates a database on the dialect's test server; `None` (after one
    /// line on stderr saying why) when no server is configured.
    pub async fn create(kind: DialectKind) -> Option<ScratchDatabase> {
        let Some(server) = server_url(kind) else {
            eprintln!(
                "skipped: {} is not set, so no {} server to test on",
                env_var(kind)?,
                kind.name()
            );
            return None;
        };
        let name = unique_name();
        let quote = if kind == DialectKind::Mysql { '`' } else { '"' };
        admin(
            kind,
            &server,
            &format!("CREATE DATABASE {quote}{name}{quote}"),
        )
        .await
        .unwrap_or_else(|e| {
            panic!(
                "cannot create a test database on {}: {e}",
                crate::url::redact(&server)
            )
        });
        let url = with_database(&server, &name);
        Some(ScratchDatabase {
            kind,
            server,
            name,
            url,
        })
    }

    /// Its URL, parsed.
    pub fn database_url(&self) -> DatabaseUrl {
        DatabaseUrl::parse(&self.url, std::path::Path::new("/")).expect("a valid test URL")
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        let (kind, server, name) = (self.kind, self.server.clone(), self.name.clone());
        // Drop may run inside an async test: use a thread with its own runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            let sql = match kind {
                DialectKind::Postgres => format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
                _ => format!("DROP DATABASE IF EXISTS `{name}`"),
            };
            rt.block_on(admin(kind, &server, &sql)).ok()
        })
        .join();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swaps_the_database_of_a_url() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("mysql://root@127.0.0.1:3306/test?ssl-mode=disabled", "y"),
            "mysql://root@127.0.0.1:3306/y?ssl-mode=disabled"
        );
        assert_eq!(with_database("postgres://h", "z"), "postgres://h/z");
    }
}

#[cfg(test)]
mod live {
    use super::*;

    async fn exists(kind: DialectKind, name: &str) -> bool {
        let server = server_url(kind).unwrap();
        let sql = match kind {
            DialectKind::Postgres => format!("SELECT 1 FROM pg_database WHERE datname = '{name}'"),
            _ => format!("SELECT 1 FROM information_schema.schemata WHERE schema_name = '{name}'"),
        };
        match kind {
            DialectKind::Postgres => {
                let mut c = sqlx::PgConnection::connect(&server).await.unwrap();
                sqlx::query(&sql)
                    .fetch_optional(&mut c)
                    .await
                    .unwrap()
                    .is_some()
            }
            _ => {
                let mut c = sqlx::MySqlConnection::connect(&server).await.unwrap();
                sqlx::query(&sql)
                    .fetch_optional(&mut c)
                    .await
                    .unwrap()
                    .is_some()
            }
        }
    }

    #[tokio::test]
    async fn databases_are_created_and_dropped() {
        for kind in [DialectKind::Postgres, DialectKind::Mysql] {
            let Some(db) = ScratchDatabase::create(kind).await else {
                continue;
            };
            let name = db.name.clone();
            assert!(exists(kind, &name).await, "{name} exists while in use");
            drop(db);
            assert!(!exists(kind, &name).await, "{name} is dropped");
        }
    }
}
