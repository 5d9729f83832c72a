//! `remodel.toml` (DESIGN §5): every key optional.

use crate::fail::Fail;
use std::path::Path;

/// The project's settings.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Extra scan roots: folders (their lib.rs/main.rs) or .rs files.
    #[serde(default)]
    pub src: Vec<String>,
    /// The migrations folder, one subfolder per app.
    #[serde(default = "default_migrations")]
    pub migrations: String,
    /// The database URL when neither --database nor DATABASE_URL gives one.
    pub database: Option<String>,
    /// The dialects portability checks apply to.
    #[serde(default)]
    pub dialects: Vec<String>,
    /// Tables never diffed or touched (glob patterns with `*`).
    #[serde(default)]
    pub ignore_tables: Vec<String>,
    /// Use doc comments as database comments.
    #[serde(default)]
    pub doc_comments: bool,
}

fn default_migrations() -> String {
    "migrations".into()
}

impl Default for Config {
    fn default() -> Config {
        Config {
            src: Vec::new(),
            migrations: default_migrations(),
            database: None,
            dialects: Vec::new(),
            ignore_tables: Vec::new(),
            doc_comments: false,
        }
    }
}

impl Config {
    /// Reads `remodel.toml` from the project folder, if there is one.
    pub fn load(dir: &Path) -> Result<Config, Fail> {
        let path = dir.join("remodel.toml");
        if !path.exists() {
            return Ok(Config::default());
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Fail::user(format!("cannot read remodel.toml: {e}")))?;
        let config: Config = toml::from_str(&text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start].matches('\n').count() + 1);
            Fail::user(format!(
                "error: remodel.toml{}: {}",
                line.map(|l| format!(":{l}")).unwrap_or_default(),
                e.message().trim()
            ))
        })?;
        for d in &config.dialects {
            if remodel_dialect::DialectKind::parse(d).is_none() {
                return Err(Fail::user(format!(
                    "error: remodel.toml: unknown dialect `{d}` in dialects (expected sqlite, postgres, mysql)"
                )));
            }
        }
        Ok(config)
    }

    /// Whether a table name matches `ignore_tables`.
    pub fn ignored(&self, table: &str) -> bool {
        self.ignore_tables.iter().any(|p| glob(p, table))
    }
}

/// `*` matches any run of characters; everything else matches itself.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => {
            let Some(tail) = text.strip_prefix(head) else {
                return false;
            };
            (0..=tail.len())
                .filter(|&i| tail.is_char_boundary(i))
                .any(|i| glob(rest, &tail[i..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("apscheduler_*", "apscheduler_jobs"));
        assert!(!glob("apscheduler_*", "jobs"));
        assert!(glob("*_tmp", "x_tmp"));
        assert!(glob("exact", "exact"));
        assert!(glob("a*b*c", "aXXbYYc"));
    }
}
