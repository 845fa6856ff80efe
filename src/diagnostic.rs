//! Errors as data: every problem a build finds becomes a [`Diagnostic`] that
//! carries the file, line and column it belongs to. Stages collect them and
//! the CLI prints them once, so `build`, `check`, `watch` and the tests all
//! share one path. Not for internal bugs: those are panics and never expected.

use std::fmt;
use std::path::{Path, PathBuf};

/// How bad a diagnostic is: errors fail the build, warnings are printed only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found in the site, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Diagnostic {
    /// Path relative to the site root (e.g. `content/memo.md`); empty when none.
    pub path: PathBuf,
    /// 1-based line, 0 when unknown.
    pub line: usize,
    /// 1-based column, 0 when unknown.
    pub column: usize,
    pub severity: Severity,
    pub message: String,
    /// The offending source line, when there is one.
    pub snippet: Option<String>,
}

impl Diagnostic {
    pub fn error(
        path: impl Into<PathBuf>,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Self {
        Self {
            path: path.into(),
            line,
            column,
            severity: Severity::Error,
            message: message.into(),
            snippet: None,
        }
    }

    pub fn warning(
        path: impl Into<PathBuf>,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(path, line, column, message)
        }
    }

    /// Attach the source line `self.line` of `text` as the snippet.
    pub fn with_source(mut self, text: &str) -> Self {
        if self.line > 0 {
            self.snippet = text
                .lines()
                .nth(self.line - 1)
                .map(|l| l.trim_end().to_string());
        }
        self
    }

    /// A file of the site that could not be read, and what to do about it:
    /// the one wording every step uses.
    pub fn cannot_read(path: impl Into<PathBuf>, e: &std::io::Error) -> Self {
        Self::error(path, 0, 0, cannot_read(e))
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = display_path(&self.path);
        match (self.line, self.column) {
            (0, _) => write!(f, "{path}: ")?,
            (line, 0) => write!(f, "{path}:{line}: ")?,
            (line, column) => write!(f, "{path}:{line}:{column}: ")?,
        }
        if self.severity == Severity::Warning {
            write!(f, "warning: ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(snippet) = &self.snippet {
            write!(f, "\n    | {snippet}")?;
            if self.column > 0 {
                let pad: String = snippet
                    .chars()
                    .take(self.column - 1)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                write!(f, "\n    | {pad}^")?;
            }
        }
        Ok(())
    }
}

/// What [`Diagnostic::cannot_read`] says: the error, and a way out where
/// there is a likely one.
pub fn cannot_read(e: &std::io::Error) -> String {
    let hint = match e.kind() {
        std::io::ErrorKind::PermissionDenied => {
            "; make it readable by the user running dossier (chmod u+r) or move it out of the site"
        }
        std::io::ErrorKind::NotFound => "; it went away during the build: build again",
        _ => "",
    };
    format!("cannot read: {e}{hint}")
}

/// Paths are shown with `/` whatever the platform, relative to the root.
pub fn display_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// Sorted by file, then position, without repeats, so output is stable across runs.
pub fn sorted(mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diagnostics.sort_by(|a, b| {
        (&a.path, a.line, a.column, &a.message).cmp(&(&b.path, b.line, b.column, &b.message))
    });
    diagnostics.dedup();
    diagnostics
}

/// 1-based (line, column) of a byte offset in `text`; columns count characters.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// An error with its causes, which say what actually went wrong:
/// `error: cause: deeper cause`.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// Where each line of a text starts, for many [`line_col`] questions about
/// one text: each is a binary search, not a scan from the top (a page with
/// thousands of links would otherwise cost their number times its length).
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// The same answer as [`line_col`] for `text`, the text this was made from.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        (line, text[start..offset].chars().count() + 1)
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Levenshtein distance, for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The candidate nearest to `word`, if it is near enough to be a likely typo.
pub fn nearest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (edit_distance(word, c), *c))
        .filter(|(d, c)| *d <= (c.len() / 2).max(2))
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let text = "ab\ncdé\nf";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        assert_eq!(line_col(text, 7), (2, 4));
        assert_eq!(line_col(text, 8), (3, 1));
        let index = LineIndex::new(text);
        for offset in 0..=text.len() + 2 {
            assert_eq!(
                index.line_col(text, offset),
                line_col(text, offset),
                "{offset}"
            );
        }
    }

    #[test]
    fn nearest_suggests_typos_only() {
        let keys = ["title", "date", "draft"];
        assert_eq!(nearest("tittle", &keys), Some("title"));
        assert_eq!(nearest("drat", &keys), Some("draft"));
        assert_eq!(nearest("completely_else", &keys), None);
    }

    #[test]
    fn display_has_path_line_column_and_caret() {
        let d = Diagnostic::error("content/a.md", 2, 3, "bad").with_source("x\nabcdef\n");
        assert_eq!(
            d.to_string(),
            "content/a.md:2:3: bad\n    | abcdef\n    |   ^"
        );
    }
}
