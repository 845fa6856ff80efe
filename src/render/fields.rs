//! Which fields of a doc's value the templates can read, found by reading
//! the templates' code, and fingerprints of values that count only those
//! fields. A page that lists other pages is then rendered again only when a
//! field it can show changed: an edit that changes a page's `word_count`
//! leaves a navigation that shows titles alone untouched, unless some
//! template names `word_count`.
//!
//! The rule is deliberately coarse and errs towards "read": a field counts
//! when its name appears anywhere in any template's code (`{{ … }}`,
//! `{% … %}`, string literals included, so `sort(attribute="date")` counts
//! `date`). Templates that could reach a field without naming it (a
//! subscript that is not one plain string, `for key, value in` over a map,
//! the `get`, `keys`, `values` and `pairs` filters, an `attribute=` that is
//! not a plain string, `__tera_context`) make every field count. Values
//! are then made with the fields that count only ([`Fields::keep`]), so a
//! template that prints a value whole sees exactly what was counted.
//!
//! Not for loading or compiling templates (`templates.rs`).

use super::TemplateFiles;
use crate::engine::{Fp, FpHasher};
use std::collections::BTreeSet;
use std::hash::Hasher;
use tera::Value;

/// The fields templates can read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Fields {
    All,
    Named {
        /// Every field templates can read.
        read: BTreeSet<String>,
        /// Those they can read of a doc other than the one rendered (a
        /// listing's, a neighbour's, `get_page`'s).
        listed: BTreeSet<String>,
        /// The others: read only as `page.NAME` or `section.NAME`
        /// ([`own_only`]).
        own: BTreeSet<String>,
    },
}

impl Fields {
    /// The fields the code of `files` can read.
    pub fn of(files: &TemplateFiles) -> Fields {
        let mut read = BTreeSet::new();
        let mut listed = BTreeSet::new();
        let mut rebound = false;
        for (_, text) in files.files.values() {
            for code in code_spans(text) {
                if reaches_fields_unnamed(code) {
                    return Fields::All;
                }
                read.extend(words(code).map(str::to_string));
                rebound |= own_only(code, &mut |w| {
                    listed.insert(w.to_string());
                });
            }
        }
        if rebound {
            listed = read.clone();
        }
        let own = read.difference(&listed).cloned().collect();
        Fields::Named { read, listed, own }
    }

    pub fn reads(&self, field: &str) -> bool {
        match self {
            Fields::All => true,
            Fields::Named { read, .. } => read.contains(field),
        }
    }

    /// Whether templates can read `field` of a doc other than the one
    /// rendered: if not, listings leave it out.
    pub fn listed(&self, field: &str) -> bool {
        match self {
            Fields::All => true,
            Fields::Named { listed, .. } => listed.contains(field),
        }
    }

    /// Whether templates read `field`, and of the rendered doc alone.
    pub fn own(&self, field: &str) -> bool {
        match self {
            Fields::All => false,
            Fields::Named { own, .. } => own.contains(field),
        }
    }

    /// The fingerprint of a value (a map of fields), counting only the
    /// fields templates can read; nested values count whole.
    pub fn fingerprint(&self, value: &Value) -> Fp {
        let mut h = FpHasher::new();
        match value.as_map() {
            Some(map) => {
                for (k, v) in map {
                    let name = k.as_str().unwrap_or_default();
                    if self.reads(name) {
                        h.write(name.as_bytes());
                        h.write_u8(0xff);
                        hash_value(v, &mut h);
                    }
                }
            }
            None => hash_value(value, &mut h),
        }
        h.finish128()
    }
}

/// Hash a template value whole, telling kinds apart.
pub fn hash_value(value: &Value, h: &mut FpHasher) {
    let kind = value.name();
    h.write(kind.as_bytes());
    h.write_u8(0xfe);
    if let Some(s) = value.as_str() {
        h.write_u8(value.is_safe() as u8);
        h.write_usize(s.len());
        h.write(s.as_bytes());
    } else if let Some(map) = value.as_map() {
        h.write_usize(map.len());
        for (k, v) in map {
            let other;
            let name = match k.as_str() {
                Some(name) => name,
                None => {
                    other = format!("{k:?}");
                    &other
                }
            };
            h.write_usize(name.len());
            h.write(name.as_bytes());
            hash_value(v, h);
        }
    } else if let Some(items) = value.as_array() {
        h.write_usize(items.len());
        for v in items {
            hash_value(v, h);
        }
    } else {
        let shown = value.to_string();
        h.write_usize(shown.len());
        h.write(shown.as_bytes());
    }
}

/// The code inside `{{ … }}` and `{% … %}` tags (comments left out).
fn code_spans(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        loop {
            let start = rest.find('{')?;
            let after = &rest[start + 1..];
            let close = match after.as_bytes().first() {
                Some(b'{') => "}}",
                Some(b'%') => "%}",
                Some(b'#') => "#}",
                _ => {
                    rest = after;
                    continue;
                }
            };
            let body = &after[1..];
            let end = if close == "#}" {
                body.find(close).unwrap_or(body.len())
            } else {
                tag_end(body, close)
            };
            rest = &body[(end + close.len()).min(body.len())..];
            if close != "#}" {
                return Some(&body[..end]);
            }
        }
    })
}

/// Where a tag's code ends: the first `close` outside a string literal.
fn tag_end(body: &str, close: &str) -> usize {
    let bytes = body.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        match (quote, bytes[i]) {
            (Some(q), b) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'' | b'`') => quote = Some(bytes[i]),
            (None, _) if body[i..].starts_with(close) => return i,
            (None, _) => {}
        }
        i += 1;
    }
    bytes.len()
}

/// Whether `c` is part of an identifier-like word.
fn in_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Identifier-like words of some code, string literals' included: slices
/// of `code`, so where each starts is known ([`word_at`]).
fn words(code: &str) -> impl Iterator<Item = &str> {
    code.split(|c: char| !in_word(c)).filter(|w| !w.is_empty())
}

/// Where `word`, one of [`words`]`(code)`, starts in `code`.
fn word_at(code: &str, word: &str) -> usize {
    word.as_ptr() as usize - code.as_ptr() as usize
}

/// The variables that hold the rendered doc's own value.
const OWN: [&str; 2] = ["page", "section"];

/// Sorts the words of some code: `listed` gets each word that may name a
/// field of another doc's value, that is every word but those written
/// right after the variable `page.` or `section.` (which hold the rendered
/// doc's whole value), and but the template paths of `include`, `extends`
/// and `import`. True if the code may bind `page` or `section` to another
/// value (`for page in`, `set section =`, a macro's argument): then no
/// field is the rendered doc's alone.
///
/// Errs towards "listed": `{% set p = page %}{{ p.toc }}` lists `toc`.
fn own_only(code: &str, listed: &mut impl FnMut(&str)) -> bool {
    let first = code
        .trim_start_matches(['-', '+'])
        .split_whitespace()
        .next();
    if matches!(first, Some("include" | "extends" | "import")) {
        return false;
    }
    let mut rebound = false;
    for word in words(code) {
        let start = word_at(code, word);
        let before = &code[..start];
        let own = before.strip_suffix('.').is_some_and(|b| {
            OWN.iter().any(|v| {
                b.strip_suffix(v)
                    .is_some_and(|r| !r.ends_with(|c: char| c == '.' || in_word(c)))
            })
        });
        if !own {
            listed(word);
        }
        if OWN.contains(&word) {
            let after = code[start + word.len()..].trim_start();
            let next = after.split(|c: char| !in_word(c)).next();
            let binds = after.starts_with([',', ')'])
                || (after.starts_with('=') && !after.starts_with("=="))
                || next == Some("in");
            rebound |= binds;
        }
    }
    rebound
}

/// Whether a subscript (the code after its `[`) is one string or number
/// literal and nothing else: `["title"]`, `[0]`.
fn plain_key(rest: &str) -> bool {
    let Some(end) = rest.find(']') else {
        return false;
    };
    let key = rest[..end].trim();
    is_string_literal(key) || key.trim_start_matches('-').parse::<i64>().is_ok()
}

/// One quoted string and nothing else: `"date"`, `'title'`.
fn is_string_literal(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() >= 2
        && matches!(b[0], b'"' | b'\'' | b'`')
        && b[b.len() - 1] == b[0]
        && !code[1..code.len() - 1].contains(['"', '\'', '`'])
}

/// Filters and variables that reach fields by a name computed at render time.
const UNNAMED_ACCESS: [&str; 5] = ["get", "keys", "values", "pairs", "__tera_context"];

/// Whether code can read a field without naming it.
fn reaches_fields_unnamed(code: &str) -> bool {
    if words(code).any(|w| UNNAMED_ACCESS.contains(&w)) {
        return true;
    }
    // `sort(attribute=name)`: an attribute that is not a plain string.
    let mut rest = code;
    while let Some(i) = rest.find("attribute") {
        rest = rest[i + "attribute".len()..].trim_start();
        if let Some(value) = rest.strip_prefix('=') {
            let value = value.trim_start();
            let end = value.find([',', ')']).unwrap_or(value.len());
            let literal = value[..end].trim();
            if !is_string_literal(literal) {
                return true;
            }
        }
    }
    // A subscript whose key is not a literal: `page[name]`.
    let bytes = code.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'[' && i > 0 {
            let before = bytes[..i].iter().rev().find(|c| !c.is_ascii_whitespace());
            let is_subscript = before
                .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b')' || c == b']');
            if is_subscript && !plain_key(&code[i + 1..]) {
                return true;
            }
        }
    }
    // `for key, value in …`: iterating a map reaches its every field.
    let mut tokens = code.split_whitespace();
    while let Some(t) = tokens.next() {
        if t == "for" {
            let rest: Vec<&str> = tokens.clone().take(4).collect();
            let joined = rest.join(" ");
            if joined
                .split(" in")
                .next()
                .is_some_and(|vars| vars.contains(','))
            {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(templates: &[&str]) -> Fields {
        let mut files = TemplateFiles::default();
        for (n, t) in templates.iter().enumerate() {
            files.files.insert(
                format!("t{n}.html"),
                (format!("t{n}.html").into(), t.to_string()),
            );
        }
        Fields::of(&files)
    }

    #[test]
    fn named_fields_count_and_others_do_not() {
        let f = fields(&[
            "<h1>{{ page.title }}</h1>{# page.word_count #}word_count",
            "{% for p in section.pages | sort(attribute=\"date\") %}{{ p.url }}{% endfor %}",
        ]);
        for name in ["title", "url", "date", "pages"] {
            assert!(f.reads(name), "{name}");
        }
        assert!(!f.reads("word_count"));
        assert!(!f.reads("content"));
    }

    #[test]
    fn unnamed_reads_make_every_field_count() {
        assert_eq!(fields(&["{{ page[key] }}"]), Fields::All);
        assert_eq!(
            fields(&["{% for k, v in page %}{{ k }}{% endfor %}"]),
            Fields::All
        );
        assert_eq!(
            fields(&["{% set f = \"word\" ~ \"_count\" %}{{ page | get(key=f) }}"]),
            Fields::All
        );
        assert_eq!(fields(&["{{ page | keys }}"]), Fields::All);
        assert_eq!(fields(&["{{ __tera_context }}"]), Fields::All);
        assert_eq!(fields(&["{{ pages | sort(attribute=k) }}"]), Fields::All);
        assert_eq!(fields(&["{{ \"}}\" ~ page[k] }}"]), Fields::All);
        assert_ne!(
            fields(&["{{ pages | sort(attribute=\"date\") }}"]),
            Fields::All
        );
        assert_eq!(fields(&["{{ page[\"word\" ~ \"_count\"] }}"]), Fields::All);
        assert_ne!(
            fields(&["{{ page[\"title\"] }} {{ [1, 2] }} {{ a.b[0] }}"]),
            Fields::All
        );
    }

    #[test]
    fn fields_read_as_page_or_section_alone_are_not_listed() {
        let f = fields(&[
            "{% include \"partials/toc.html\" %}{{ page.toc }}{{ section.cited }}",
            "{% for p in section.pages %}{{ p.title }}{{ p.citations }}{% endfor %}",
            "{% if page == other %}{{ page.citations | length }}{% endif %}",
        ]);
        for name in ["toc", "cited", "title", "citations"] {
            assert!(f.reads(name), "{name}");
        }
        assert!(!f.listed("toc") && !f.listed("cited"));
        assert!(f.own("toc") && f.own("cited"));
        assert!(f.listed("title") && f.listed("citations"));
        assert!(!f.own("title") && !f.own("citations") && !f.own("word_count"));
    }

    #[test]
    fn fields_read_of_other_docs_or_of_a_rebound_page_are_listed() {
        let listed = |template: &str| fields(&["{{ page.toc }}", template]).listed("toc");
        assert!(!listed("{{ page.title }}"));
        for other in [
            "{{ page.previous.toc }}",
            "{{ get_page(path=\"a.md\").toc }}",
            "{% set p = page %}{{ p.toc }}",
            "{{ \"toc\" }}",
            "{{ mypage.toc }}",
            "{{ x.page.toc }}",
            "{% for page in section.pages %}{{ page.title }}{% endfor %}",
            "{% for section in sections %}{% endfor %}",
            "{% set page = get_page(path=\"a.md\") %}",
            "{% set_global section = 1 %}",
            "{% macro card(page) %}{% endmacro %}",
            "{% macro card(x, page=1) %}{% endmacro %}",
        ] {
            assert!(listed(other), "{other}");
        }
    }

    #[test]
    fn fingerprints_ignore_unread_fields() {
        let f = fields(&["{{ page.title }}"]);
        let mut a = tera::Map::new();
        a.insert("title".into(), Value::from("T"));
        a.insert("word_count".into(), Value::from(10));
        let mut b = a.clone();
        b.insert("word_count".into(), Value::from(11));
        assert_eq!(
            f.fingerprint(&Value::from(a.clone())),
            f.fingerprint(&Value::from(b))
        );
        let mut c = a.clone();
        c.insert("title".into(), Value::from("U"));
        assert_ne!(
            f.fingerprint(&Value::from(a)),
            f.fingerprint(&Value::from(c))
        );
    }
}
