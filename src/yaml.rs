//! YAML reading shared by `site.yaml` and front matter: strict booleans,
//! positions shifted to the enclosing file, and unknown keys answered with
//! the nearest known one. Not for writing YAML.

use crate::diagnostic::{Diagnostic, nearest};
use serde::de::DeserializeOwned;
use std::path::Path;

/// Parse `text` (which starts at 1-based line `first_line` of `path`) into `T`.
/// An unknown key is answered with the nearest of the keys serde names for
/// its map (the type's own fields: no list kept beside them by hand).
pub fn parse<T: DeserializeOwned>(
    text: &str,
    path: &Path,
    first_line: usize,
    file_text: &str,
) -> Result<T, Diagnostic> {
    let mut options = serde_saphyr::Options::default();
    options.strict_booleans = true;
    serde_saphyr::from_str_with_options::<T>(text, options).map_err(|err| {
        let (line, column) = err
            .location()
            .map(|l| (l.line() as usize, l.column() as usize))
            .unwrap_or((0, 0));
        let line = if line > 0 {
            line + first_line - 1
        } else {
            first_line
        };
        let message = describe(&err);
        Diagnostic::error(path, line, column, message).with_source(file_text)
    })
}

/// A one-line message for a YAML error, without the crate's own position text.
fn describe(err: &serde_saphyr::Error) -> String {
    let full = err.to_string();
    let first = full.lines().next().unwrap_or("invalid YAML").trim();
    // serde-saphyr appends " at line X, column Y" to messages; positions are ours.
    let message = match first.find(" at line ") {
        Some(i) => &first[..i],
        None => first,
    };
    let message = strip_position_prefix(message.trim_start_matches("error: ")).to_string();
    if message == "expected mapping start" {
        return "expected `key: value` lines here, not a list or a single value".into();
    }
    if let Some(detail) = message.strip_prefix("budget breached: ") {
        return format!(
            "too much YAML to read ({detail}): aliases that expand without bound, or nesting too deep"
        );
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let key = rest.split('`').next().unwrap_or_default();
        // serde names the keys of the map the key is in (a nested one too).
        let expected: Vec<&str> = rest
            .split_once("expected one of ")
            .map(|(_, list)| list.split(", ").map(|k| k.trim_matches('`')).collect())
            .unwrap_or_default();
        let known_keys = &expected[..];
        let mut out = format!("unknown key `{key}`");
        if let Some(near) = nearest(key, known_keys) {
            out.push_str(&format!(" (did you mean `{near}`?)"));
        } else {
            out.push_str(&format!("; known keys: {}", known_keys.join(", ")));
        }
        return out;
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let key = rest.split('`').next().unwrap_or_default();
        return format!("missing required key `{key}`");
    }
    message
}

/// Drop a leading `line N column M: ` that serde-saphyr puts on some messages.
fn strip_position_prefix(message: &str) -> &str {
    if let Some(rest) = message.strip_prefix("line ")
        && let Some((position, tail)) = rest.split_once(": ")
        && position
            .chars()
            .all(|c| c.is_ascii_digit() || c == ' ' || c.is_ascii_alphabetic())
    {
        return tail;
    }
    message
}

/// Free-form YAML maps (`extra`), kept in their written order.
pub type Extra = indexmap::IndexMap<String, YamlValue>;

/// Any YAML value, ordered, so templates see maps in the order written.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(untagged)]
pub enum YamlValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    List(Vec<YamlValue>),
    Map(indexmap::IndexMap<String, YamlValue>),
}
