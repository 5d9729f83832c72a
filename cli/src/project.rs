//! The project a command works on (DESIGN §1): its folder, settings, crate
//! name and database URL.

use crate::config::Config;
use crate::fail::Fail;
use remodel_dialect::{DatabaseUrl, DialectKind};
use std::path::{Path, PathBuf};

/// A user's project.
#[derive(Debug, Clone)]
pub struct Project {
    /// The project folder; paths in messages are relative to it.
    pub dir: PathBuf,
    /// `remodel.toml`.
    pub config: Config,
    /// The crate name as module paths spell it (`-` → `_`).
    pub crate_name: String,
}

impl Project {
    /// `-C DIR`, else the nearest folder upwards holding remodel.toml, else
    /// the nearest holding Cargo.toml.
    pub fn find(explicit: Option<&Path>) -> Result<Project, Fail> {
        let dir = match explicit {
            Some(d) => {
                if !d.is_dir() {
                    return Err(Fail::usage(format!(
                        "error: -C {}: no such folder",
                        d.display()
                    )));
                }
                d.to_path_buf()
            }
            None => {
                let cwd = std::env::current_dir().map_err(|e| {
                    Fail::user(format!("error: cannot read the current folder: {e}"))
                })?;
                let up = |file: &str| {
                    cwd.ancestors()
                        .find(|d| d.join(file).is_file())
                        .map(Path::to_path_buf)
                };
                up("remodel.toml").or_else(|| up("Cargo.toml")).ok_or_else(|| {
                    Fail::user(
                        "error: no project here: run remodel inside a Rust crate (a folder with Cargo.toml or remodel.toml), or pass -C DIR",
                    )
                })?
            }
        };
        let dir = dir.canonicalize().unwrap_or(dir);
        let config = Config::load(&dir)?;
        let crate_name = crate_name(&dir)?;
        Ok(Project {
            dir,
            config,
            crate_name,
        })
    }

    /// The migrations folder.
    pub fn migrations_dir(&self) -> PathBuf {
        self.dir.join(&self.config.migrations)
    }

    /// The migrations folder relative to the project.
    pub fn migrations_rel(&self) -> PathBuf {
        PathBuf::from(&self.config.migrations)
    }

    /// Where caches of parsed files live (`target/remodel/`), or `None` when
    /// caching is turned off (`REMODEL_NO_CACHE=1`).
    pub fn cache_dir(&self) -> Option<PathBuf> {
        remodel_migrate::cache::enabled().then(|| remodel_migrate::cache::dir(&self.dir))
    }

    /// The raw database URL: `--database`, else `DATABASE_URL` from the
    /// environment, else from `.env`, else remodel.toml, else the SQLite default.
    pub fn raw_database_url(&self, flag: Option<&str>) -> String {
        if let Some(u) = flag {
            return u.to_string();
        }
        if let Some(u) = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) {
            return u;
        }
        if let Some(u) = dotenv_value(&self.dir.join(".env"), "DATABASE_URL") {
            return u;
        }
        self.config
            .database
            .clone()
            .unwrap_or_else(|| "sqlite://db.sqlite3".into())
    }

    /// The parsed database URL; a malformed one is bad usage.
    pub fn database_url(&self, flag: Option<&str>) -> Result<DatabaseUrl, Fail> {
        DatabaseUrl::parse(&self.raw_database_url(flag), &self.dir)
            .map_err(|e| Fail::usage(format!("error: {e}")))
    }

    /// The dialect of the configured database (no connection is made).
    pub fn configured_dialect(&self, flag: Option<&str>) -> Result<DialectKind, Fail> {
        Ok(self.database_url(flag)?.dialect())
    }
}

fn crate_name(dir: &Path) -> Result<String, Fail> {
    let manifest = dir.join("Cargo.toml");
    let fallback = || {
        dir.file_name()
            .map(|n| n.to_string_lossy().replace('-', "_"))
            .unwrap_or_else(|| "crate".into())
    };
    if !manifest.is_file() {
        return Ok(fallback());
    }
    let text = std::fs::read_to_string(&manifest)
        .map_err(|e| Fail::user(format!("error: cannot read Cargo.toml: {e}")))?;
    let value: toml::Table = toml::from_str(&text)
        .map_err(|e| Fail::user(format!("error: Cargo.toml: {}", e.message().trim())))?;
    let lib_name = value
        .get("lib")
        .and_then(|l| l.get("name"))
        .and_then(|n| n.as_str());
    let pkg_name = value
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str());
    Ok(lib_name
        .or(pkg_name)
        .map(|n| n.replace('-', "_"))
        .unwrap_or_else(fallback))
}

/// A value from a `.env` file (`KEY=value`, optional quotes and `export`).
fn dotenv_value(path: &Path, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    for line in text.lines() {
        let line = line.trim();
        let line = line.strip_prefix("export ").unwrap_or(line);
        if line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        if k.trim() != key {
            continue;
        }
        let v = v.trim();
        let unquoted = v
            .strip_prefix('"')
            .and_then(|r| r.strip_suffix('"'))
            .or_else(|| v.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')))
            .unwrap_or(v);
        return Some(unquoted.to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_dotenv_values() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(".env");
        std::fs::write(
            &p,
            "# comment\nOTHER=1\nexport DATABASE_URL=\"sqlite://x.db\"\n",
        )
        .unwrap();
        assert_eq!(
            dotenv_value(&p, "DATABASE_URL").as_deref(),
            Some("sqlite://x.db")
        );
        assert_eq!(dotenv_value(&p, "MISSING"), None);
    }
}
