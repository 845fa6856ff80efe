//! Minified output (`minify: true` in site.yaml): pages through the
//! `minify-html` crate (white space a browser ignores, comments, optional
//! quotes; `<pre>` and `<textarea>` kept as written, every element's closing
//! tag kept), the JSON-LD blocks written compactly, and stylesheets through
//! `lightningcss`. What a page shows and where its links lead stay the same:
//! the browser test compares a minified build with a plain one.
//!
//! Not for deciding which files are minified (the render and plan steps
//! ask [`page`] and [`stylesheet`]).

use crate::render::functions::script_safe_json;
use lol_html::html_content::ContentType;
use lol_html::{HtmlRewriter, Settings, element, text};

/// A page's HTML, minified.
pub fn page(html: &str) -> Result<String, String> {
    let compact = compact_json_ld(html)?;
    let mut cfg = minify_html::Cfg::new();
    cfg.minify_css = true;
    // Pages carry no script of ours; a theme's own is left as written.
    cfg.minify_js = false;
    cfg.keep_closing_tags = true;
    cfg.keep_html_and_head_opening_tags = true;
    cfg.keep_comments = false;
    let out = minify_html::minify(compact.as_bytes(), &cfg);
    String::from_utf8(out).map_err(|e| e.to_string())
}

/// Each `<script type="application/ld+json">` block's JSON, parsed and
/// written again without white space, as safe inside a script as the
/// `json` filter's. A block that is not valid JSON is an error: a search
/// engine would drop it too.
fn compact_json_ld(html: &str) -> Result<String, String> {
    let mut out = Vec::with_capacity(html.len());
    let block = std::cell::RefCell::new(String::new());
    let failed = std::cell::RefCell::new(None);
    let mut rewriter = HtmlRewriter::new(
        Settings {
            element_content_handlers: vec![
                element!("script[type='application/ld+json']", |_| {
                    block.borrow_mut().clear();
                    Ok(())
                }),
                text!("script[type='application/ld+json']", |chunk| {
                    block.borrow_mut().push_str(chunk.as_str());
                    if chunk.last_in_text_node() {
                        let text = std::mem::take(&mut *block.borrow_mut());
                        match serde_json::from_str::<serde_json::Value>(&text) {
                            Ok(value) => {
                                let compact = serde_json::to_string(&value).unwrap_or(text);
                                chunk.replace(&script_safe_json(&compact), ContentType::Html);
                            }
                            Err(e) => {
                                failed.borrow_mut().get_or_insert(format!(
                                    "a JSON-LD block is not valid JSON ({e})"
                                ));
                                chunk.replace(&text, ContentType::Html);
                            }
                        }
                    } else {
                        chunk.remove();
                    }
                    Ok(())
                }),
            ],
            ..Settings::new()
        },
        |c: &[u8]| out.extend_from_slice(c),
    );
    rewriter.write(html.as_bytes()).map_err(|e| e.to_string())?;
    rewriter.end().map_err(|e| e.to_string())?;
    if let Some(why) = failed.into_inner() {
        return Err(why);
    }
    String::from_utf8(out).map_err(|e| e.to_string())
}

/// A stylesheet, minified; `Err` with where it cannot be read.
pub fn stylesheet(css: &str) -> Result<String, (usize, usize, String)> {
    use lightningcss::stylesheet::{MinifyOptions, ParserOptions, PrinterOptions, StyleSheet};
    let mut sheet = StyleSheet::parse(css, ParserOptions::default()).map_err(|e| {
        let (line, column) = e
            .loc
            .as_ref()
            .map_or((0, 0), |l| (l.line as usize + 1, l.column as usize));
        (line, column, e.kind.to_string())
    })?;
    sheet
        .minify(MinifyOptions::default())
        .map_err(|e| (0, 0, e.to_string()))?;
    let printed = sheet
        .to_css(PrinterOptions {
            minify: true,
            ..PrinterOptions::default()
        })
        .map_err(|e| (0, 0, e.to_string()))?;
    Ok(printed.code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_loses_what_a_browser_ignores_and_keeps_what_it_shows() {
        let html = "<!doctype html>\n<html lang=\"en\">\n<head>\n  <title>T</title>\n\
            <script type=\"application/ld+json\">\n{\"a\": \"x \\u003c/script>\",\n \"b\": [1, 2]}\n</script>\n</head>\n\
            <body>\n  <!-- a note -->\n  <p>One <a href=\"/a/?x=1&amp;y=2\">two</a> <em>three</em></p>\n\
            <pre>  keep\n    this </pre>\n</body>\n</html>\n";
        let min = page(html).unwrap();
        assert!(min.len() < html.len());
        assert!(!min.contains("a note"), "{min}");
        assert!(
            min.contains(r#"{"a":"x \u003c/script\u003e","b":[1,2]}"#),
            "{min}"
        );
        assert!(min.contains("<pre>  keep\n    this </pre>"), "{min}");
        assert!(min.contains("</a> <em>three</em>"), "{min}");
        assert!(
            min.contains("/a/?x=1&amp;y=2") || min.contains("/a/?x=1&y=2"),
            "{min}"
        );
    }

    #[test]
    fn a_broken_json_ld_block_is_an_error() {
        let html = "<script type=\"application/ld+json\">{\"a\": </script>";
        assert!(page(html).unwrap_err().contains("JSON-LD"));
    }

    #[test]
    fn a_stylesheet_is_minified_or_its_error_placed() {
        assert_eq!(
            stylesheet("a {\n  color: #ff0000;\n  margin: 0px 0px;\n}\n").unwrap(),
            "a{color:red;margin:0}"
        );
        let (line, _, why) = stylesheet("a { color: red; }\n}}} @media {").unwrap_err();
        assert!(line >= 1, "{why}");
    }
}
