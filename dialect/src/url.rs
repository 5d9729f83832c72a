//! Database URLs (DESIGN §3): `sqlite://PATH` (relative to the project
//! folder), `sqlite:///abs/path`, `postgres://…`, `mysql://…`.

use crate::DialectKind;
use std::path::{Path, PathBuf};

/// A parsed database URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite file.
    Sqlite {
        /// The file, resolved against the project folder.
        path: PathBuf,
    },
    /// A PostgreSQL server URL, as given.
    Postgres(String),
    /// A MySQL/MariaDB server URL, as given.
    Mysql(String),
}

/// A URL that cannot be parsed: bad usage (exit 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid database URL `{url}`: {reason}")]
pub struct UrlError {
    /// The URL, with any password hidden.
    pub url: String,
    /// Why.
    pub reason: String,
}

/// The URL with its password replaced by `***`.
pub fn redact(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((auth, host)) = rest.split_once('@')
        && let Some((user, _)) = auth.split_once(':')
    {
        return format!("{scheme}://{user}:***@{host}");
    }
    url.to_string()
}

impl DatabaseUrl {
    /// Parses a URL; relative SQLite paths are resolved against `base`.
    pub fn parse(raw: &str, base: &Path) -> Result<DatabaseUrl, UrlError> {
        let bad = |reason: &str| UrlError {
            url: redact(raw),
            reason: reason.to_string(),
        };
        let raw = raw.trim();
        if let Some(rest) = raw.strip_prefix("sqlite:") {
            // Query parameters (`?mode=rwc`) are accepted and do not change
            // which commands create the file.
            let rest = rest.split('?').next().unwrap_or_default();
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() {
                return Err(bad("no file path after sqlite://"));
            }
            if path == ":memory:" {
                return Err(bad(
                    "an in-memory database keeps nothing between commands; give a file path",
                ));
            }
            let p = Path::new(path);
            let path = if p.is_absolute() {
                p.to_path_buf()
            } else {
                base.join(p)
            };
            return Ok(DatabaseUrl::Sqlite { path });
        }
        let scheme = raw
            .split_once("://")
            .map(|(s, _)| s)
            .ok_or_else(|| bad("expected scheme://…"))?;
        match scheme {
            "postgres" | "postgresql" => Ok(DatabaseUrl::Postgres(raw.to_string())),
            "mysql" | "mariadb" => Ok(DatabaseUrl::Mysql(raw.replacen(
                "mariadb://",
                "mysql://",
                1,
            ))),
            other => Err(bad(&format!(
                "unknown scheme `{other}` (expected sqlite, postgres or mysql)"
            ))),
        }
    }

    /// The dialect this URL speaks.
    pub fn dialect(&self) -> DialectKind {
        match self {
            DatabaseUrl::Sqlite { .. } => DialectKind::Sqlite,
            DatabaseUrl::Postgres(_) => DialectKind::Postgres,
            DatabaseUrl::Mysql(_) => DialectKind::Mysql,
        }
    }

    /// The URL for messages, without passwords.
    pub fn display(&self) -> String {
        match self {
            DatabaseUrl::Sqlite { path } => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(u) | DatabaseUrl::Mysql(u) => redact(u),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_paths_are_relative_to_the_project() {
        let base = Path::new("/proj");
        assert_eq!(
            DatabaseUrl::parse("sqlite://db.sqlite3", base).unwrap(),
            DatabaseUrl::Sqlite {
                path: "/proj/db.sqlite3".into()
            }
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///abs/db.sqlite3?mode=rwc", base).unwrap(),
            DatabaseUrl::Sqlite {
                path: "/abs/db.sqlite3".into()
            }
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:data/x.db", base).unwrap(),
            DatabaseUrl::Sqlite {
                path: "/proj/data/x.db".into()
            }
        );
    }

    #[test]
    fn servers_and_errors() {
        let base = Path::new("/");
        assert_eq!(
            DatabaseUrl::parse("postgres://u@h/db", base)
                .unwrap()
                .dialect(),
            DialectKind::Postgres
        );
        assert_eq!(
            DatabaseUrl::parse("mariadb://root@h/db", base).unwrap(),
            DatabaseUrl::Mysql("mysql://root@h/db".into())
        );
        let e = DatabaseUrl::parse("oracle://x", base).unwrap_err();
        assert!(e.to_string().contains("unknown scheme `oracle`"));
        assert!(DatabaseUrl::parse("nonsense", base).is_err());
        assert!(DatabaseUrl::parse("sqlite://", base).is_err());
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
    }
}
