//! Errors about the user's files, shown like rustc's: the message, the file,
//! line and column, the line itself with the offending part underlined, and
//! what to do.

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};
use std::ops::Range;
use std::path::PathBuf;

/// Where a span of a parsed file is, as plain data that outlives the syntax
/// tree (and can be cached with what was read from the file).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Spot {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Byte range in the file.
    pub range: Range<usize>,
}

impl Spot {
    /// Where `span` is.
    pub fn of(span: proc_macro2::Span) -> Spot {
        Spot {
            line: span.start().line,
            column: span.start().column + 1,
            range: span.byte_range(),
        }
    }
}

/// One problem in a source or settings file.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// The file, relative to the project.
    pub path: PathBuf,
    /// Its text, when it could be read.
    pub text: Option<String>,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Byte range of the offending text, when known.
    pub range: Option<Range<usize>>,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A problem with a whole file (no position).
    pub fn file(path: PathBuf, message: String) -> Diagnostic {
        Diagnostic {
            path,
            text: None,
            line: 0,
            column: 0,
            range: None,
            message,
            help: None,
        }
    }

    /// At a span of a parsed file.
    pub fn at(
        path: PathBuf,
        text: &str,
        span: proc_macro2::Span,
        message: String,
        help: Option<String>,
    ) -> Diagnostic {
        Diagnostic::at_spot(path, text, &Spot::of(span), message, help)
    }

    /// At a place in a file, kept from an earlier parse.
    pub fn at_spot(
        path: PathBuf,
        text: &str,
        spot: &Spot,
        message: String,
        help: Option<String>,
    ) -> Diagnostic {
        let range = spot.range.clone();
        let range = (range.end <= text.len() && range.start < range.end).then_some(range);
        Diagnostic {
            path,
            text: Some(text.to_string()),
            line: spot.line,
            column: spot.column,
            range,
            message,
            help,
        }
    }

    /// `path:line:col` (or just the path).
    pub fn location(&self) -> String {
        if self.line == 0 {
            self.path.display().to_string()
        } else {
            format!("{}:{}:{}", self.path.display(), self.line, self.column)
        }
    }
}

/// Renders diagnostics for stderr, one after the other.
pub fn render(diags: &[Diagnostic], color: bool) -> String {
    render_as(diags, color, Level::ERROR, "error")
}

/// Renders diagnostics for stderr as warnings (`warning: …`).
pub fn render_warnings(diags: &[Diagnostic], color: bool) -> String {
    render_as(diags, color, Level::WARNING, "warning")
}

fn render_as(diags: &[Diagnostic], color: bool, level: Level<'_>, word: &str) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for d in diags {
        let path = d.path.display().to_string();
        let report = match (&d.text, &d.range) {
            (Some(text), Some(range)) => {
                let mut group = level.clone().primary_title(d.message.as_str()).element(
                    Snippet::source(text.as_str())
                        .path(path.as_str())
                        .fold(true)
                        .annotation(AnnotationKind::Primary.span(range.clone())),
                );
                if let Some(h) = &d.help {
                    group = group.element(Level::HELP.message(h.as_str()));
                }
                renderer.render(&[group])
            }
            _ => {
                let mut s = format!("{word}: {}\n  --> {}", d.message, d.location());
                if let Some(h) = &d.help {
                    s.push_str(&format!("\n  = help: {h}"));
                }
                s
            }
        };
        out.push_str(&report);
        out.push_str("\n\n");
    }
    out
}
