//! Data files: `data/` holds YAML, JSON, TOML and CSV files that templates
//! read with `load_data(path=…)`. Each is parsed once per build into a
//! template value; a file with a syntax error is an error at its line and
//! column. A CSV file becomes `{headers: [...], records: [[...], ...]}`.
//!
//! Not for deciding who read which file: the render step records
//! `load_data` calls as reads of the file ([`crate::render`]).

use crate::diagnostic::{Diagnostic, line_col};
use std::collections::BTreeMap;
use std::path::Path;

pub const DATA_DIR: &str = "data";

/// The file formats `load_data` reads, by file extension.
pub const FORMATS: [&str; 5] = ["yaml", "yml", "json", "toml", "csv"];

/// Every data file's value, by its path under `data/` (`comparison.yaml`).
pub type Data = BTreeMap<String, tera::Value>;

/// The value of data file `rel` (shown as `data/rel`) holding `bytes`.
pub fn parse(rel: &str, bytes: &[u8]) -> Result<tera::Value, Diagnostic> {
    let shown = format!("{DATA_DIR}/{rel}");
    let at = |line: usize, column: usize, why: String| Diagnostic::error(&shown, line, column, why);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let (line, column) = line_col(&String::from_utf8_lossy(bytes), e.valid_up_to());
        at(line, column, "not valid UTF-8".into())
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let extension = rel.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    let value: serde_json::Value = match extension.as_deref() {
        Some("yaml" | "yml") => {
            crate::yaml::parse(text, Path::new(&shown), 1, text).map_err(|d| d.with_source(text))?
        }
        Some("json") => serde_json::from_str(text).map_err(|e| {
            let why = e.to_string();
            let why = why
                .rsplit_once(" at line ")
                .map_or(why.as_str(), |(w, _)| w);
            at(e.line(), e.column(), format!("invalid JSON: {why}")).with_source(text)
        })?,
        Some("toml") => toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((0, 0), |s| line_col(text, s.start));
            at(line, column, format!("invalid TOML: {}", e.message())).with_source(text)
        })?,
        Some("csv") => csv_value(text).map_err(|(line, why)| at(line, 0, why).with_source(text))?,
        _ => {
            return Err(at(
                0,
                0,
                format!("not a data file: use one of .{}", FORMATS.join(", .")),
            ));
        }
    };
    Ok(tera::Value::from_serializable(&value))
}

/// A CSV text as `{headers, records}`; or the line and what is wrong.
fn csv_value(text: &str) -> Result<serde_json::Value, (usize, String)> {
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let line_of = |e: &csv::Error| e.position().map_or(0, |p| p.line() as usize);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| (line_of(&e), format!("invalid CSV: {e}")))?
        .iter()
        .map(String::from)
        .collect();
    let mut records = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| (line_of(&e), format!("invalid CSV: {e}")))?;
        records.push(record.iter().map(String::from).collect::<Vec<_>>());
    }
    Ok(serde_json::json!({ "headers": headers, "records": records }))
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn every_format_reads_and_a_syntax_error_is_placed() {
        let cases: [(&str, &str); 4] = [
            ("a.yaml", "rows:\n  - name: Apple\n    sources: [a, b]\n"),
            (
                "a.json",
                "{\"rows\": [{\"name\": \"Apple\", \"sources\": [\"a\", \"b\"]}]}",
            ),
            (
                "a.toml",
                "[[rows]]\nname = \"Apple\"\nsources = [\"a\", \"b\"]\n",
            ),
            ("a.csv", "name,sources\nApple,a b\n"),
        ];
        for (rel, text) in cases {
            let value = parse(rel, text.as_bytes()).unwrap_or_else(|d| panic!("{rel}: {d}"));
            let json = serde_json::to_string(&value).unwrap();
            assert!(json.contains("Apple"), "{rel}: {json}");
        }
        let csv = serde_json::to_string(&parse("a.csv", b"name,n\nx,1\ny,2\n").unwrap()).unwrap();
        assert_eq!(
            csv,
            r#"{"headers":["name","n"],"records":[["x","1"],["y","2"]]}"#
        );
        for (rel, text, line) in [
            ("b.yaml", "rows:\n  - name: [unclosed\n", 2),
            ("b.json", "{\n  \"rows\": [1, 2,,]\n}", 2),
            ("b.toml", "ok = 1\nbad = = 2\n", 2),
            ("b.csv", "a,b\n1,2\n3,4,5\n", 3),
        ] {
            let d = parse(rel, text.as_bytes()).expect_err(rel);
            assert_eq!(d.path.to_string_lossy(), format!("data/{rel}"));
            assert_eq!(d.line, line, "{rel}: {d}");
        }
        let d = parse("c.xml", b"<a/>").unwrap_err();
        assert!(d.message.contains("not a data file"), "{d}");
    }
}
