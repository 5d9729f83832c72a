//! Where output goes (DESIGN §3 "Streams"): data on stdout; prompts,
//! progress, warnings and errors on stderr. Verbosity 0 prints only errors.

use std::io::{IsTerminal, Write};

/// The terminal as commands see it.
#[derive(Debug, Clone, Copy)]
pub struct Out {
    /// 0 quiet … 3 everything.
    pub verbosity: u8,
    /// Colour on stderr/stdout when they are terminals.
    pub color: bool,
}

/// Text styles.
#[derive(Debug, Clone, Copy)]
pub enum Style {
    /// Headings such as `Migrations for 'patients':`.
    Heading,
    /// Success (`OK`).
    Good,
    /// Warnings and destructive markers.
    Warn,
    /// Errors.
    Bad,
}

impl Out {
    /// From the global options and the environment (`NO_COLOR`).
    pub fn new(verbosity: u8, no_color: bool) -> Out {
        let color = !no_color
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            && std::io::stdout().is_terminal();
        Out { verbosity, color }
    }

    /// Wraps text in a style when colour is on.
    pub fn paint(&self, style: Style, text: &str) -> String {
        if !self.color {
            return text.to_string();
        }
        let code = match style {
            Style::Heading => "1",
            Style::Good => "32",
            Style::Warn => "33",
            Style::Bad => "31;1",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }

    /// Data on stdout, at verbosity 1 and above.
    pub fn data(&self, text: &str) {
        if self.verbosity >= 1 {
            let mut o = std::io::stdout().lock();
            let _ = writeln!(o, "{text}");
        }
    }

    /// Data on stdout without a newline (progress on one line).
    pub fn data_part(&self, text: &str) {
        if self.verbosity >= 1 {
            let mut o = std::io::stdout().lock();
            let _ = write!(o, "{text}");
            let _ = o.flush();
        }
    }

    /// A JSON document on stdout (`--format json`), whatever the verbosity.
    pub fn json(&self, value: &serde_json::Value) {
        let mut o = std::io::stdout().lock();
        let text = serde_json::to_string_pretty(value).unwrap_or_default();
        let _ = writeln!(o, "{text}");
    }

    /// Data shown only at `-v 3`.
    pub fn detail(&self, text: &str) {
        if self.verbosity >= 3 {
            self.data(text);
        }
    }

    /// A note or warning on stderr, at verbosity 1 and above.
    pub fn note(&self, text: &str) {
        if self.verbosity >= 1 {
            eprintln!("{text}");
        }
    }
}
