//! The search index: every page's title, headings and text (its Markdown's
//! HTML, not the theme's navigation or reference lists), written as small
//! JSON files so that a query downloads only what it needs: `meta.json`
//! (the list of term files), one file of terms per two-letter prefix
//! (`t/HEX.json`, where HEX is the prefix's UTF-8 in hex) and the pages'
//! titles and URLs in shards of [`SHARD`] (`d/N.json`). The theme's
//! `search.js` reads them.
//!
//! Not for deciding when the index is made (a step of the render stage,
//! [`crate::render`]) nor for the search page (the theme's).

use rustc_hash::FxHashMap;
use std::borrow::Cow;

/// The folder of the output the index is written to.
pub const DIR: &str = "search-index";

/// Pages per shard of titles and URLs.
pub const SHARD: usize = 128;

/// How much a word weighs in the page's title, in a heading, elsewhere.
const IN_TITLE: u32 = 10;
const IN_HEADING: u32 = 5;
const IN_TEXT: u32 = 1;
/// A term's weight in one page is capped (a word said fifty times is not
/// fifty times as relevant).
const MAX_WEIGHT: u32 = 60;

/// One page as the index sees it.
pub struct Page<'a> {
    /// Its URL relative to the site's root (`memo/`).
    pub url: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    /// The terms of its Markdown's HTML.
    pub terms: &'a Terms,
}

/// The terms of a page's text (its Markdown's HTML) with their weights,
/// each capped at [`MAX_WEIGHT`], in term order: made with the HTML, so
/// that the index merges them without reading any page again.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Terms {
    /// The terms, each followed by a space (terms hold none).
    text: String,
    weights: Vec<u8>,
}

impl Terms {
    /// The words of `html`'s text, weighed by whether they stand in a heading.
    pub fn of(html: &str) -> Terms {
        let mut weights: FxHashMap<String, u32> = FxHashMap::default();
        let mut buffer = String::new();
        text_of(html, &mut |text, heading| {
            let weight = if heading { IN_HEADING } else { IN_TEXT };
            each_word(text, &mut buffer, &mut |word| match weights.get_mut(word) {
                Some(total) => *total += weight,
                None => {
                    weights.insert(word.to_string(), weight);
                }
            });
        });
        let mut all: Vec<(String, u32)> = weights.into_iter().collect();
        all.sort_unstable();
        let mut terms = Terms {
            text: String::with_capacity(all.iter().map(|(w, _)| w.len() + 1).sum()),
            weights: Vec::with_capacity(all.len()),
        };
        for (word, weight) in all {
            terms.text.push_str(&word);
            terms.text.push(' ');
            terms.weights.push(weight.min(MAX_WEIGHT) as u8);
        }
        terms
    }

    /// Each term with its weight.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u32)> {
        let words = self.text.split_terminator(' ');
        words.zip(self.weights.iter().map(|&w| u32::from(w)))
    }
}

/// The words of `text` as the index and the search script split them:
/// runs of letters and digits, lower-cased, of two characters or more
/// (and no longer than [`MAX_WORD`] bytes).
pub fn words(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    each_word(text, &mut String::new(), &mut |w| found.push(w.to_string()));
    found
}

/// Longer words are not terms (a hash, a run of digits).
const MAX_WORD: usize = 64;

/// The key of a term's file: its first two characters.
fn prefix(term: &str) -> String {
    term.chars().take(2).collect()
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

/// A term's pages, with its weight in each, in page order, kept as the
/// index writes them: `page - previous page,weight`, comma-separated (a
/// posting takes the few bytes it is written in, not eight).
#[derive(Default)]
struct Postings {
    text: String,
    last: u32,
}

impl Postings {
    fn push(&mut self, page: u32, weight: u32) {
        let mut number = itoa::Buffer::new();
        if !self.text.is_empty() {
            self.text.push(',');
        }
        self.text.push_str(number.format(page - self.last));
        self.text.push(',');
        self.text.push_str(number.format(weight.min(MAX_WEIGHT)));
        self.last = page;
    }
}

/// The index files for `pages` (page numbers are their places), by path
/// under [`DIR`], each given to `emit` as soon as it is made: each page's
/// [`Terms`] merged, its title's words added. `meta.json` comes last.
pub fn index(pages: &[Page], emit: &mut dyn FnMut(String, Vec<u8>)) {
    let mut keys: Vec<String> = Vec::new();
    let mut done = |chunk: Option<(String, String)>, keys: &mut Vec<String>| {
        if let Some((p, mut text)) = chunk {
            text.push('}');
            let key = hex(&p);
            emit(format!("t/{key}.json"), text.into_bytes());
            keys.push(key);
        }
    };
    // A run of first bytes at a time, in order: only its terms' postings
    // are held at once, and a prefix's terms all fall in one run.
    for run in first_byte_runs(pages) {
        // Each prefix's terms: `{"term": [page, weight, page - previous, weight, …]}`,
        // written as they come (sorted, a prefix's terms are together), each
        // prefix's file given away once its last term is in.
        let mut chunk: Option<(String, String)> = None;
        let within = |t: &str| t.as_bytes().first().is_some_and(|b| run.contains(b));
        for (term, postings) in postings(pages, within) {
            let p = prefix(&term);
            match &mut chunk {
                Some((last, text)) if *last == p => text.push(','),
                _ => done(chunk.replace((p, "{".into())), &mut keys),
            }
            let (_, text) = chunk.as_mut().expect("just made");
            text.push_str(&serde_json::to_string(&*term).expect("a string serialises"));
            text.push_str(":[");
            text.push_str(&postings.text);
            text.push(']');
        }
        done(chunk, &mut keys);
    }
    for (k, shard) in pages.chunks(SHARD).enumerate() {
        let rows: Vec<[&str; 3]> = shard
            .iter()
            .map(|p| [p.url, p.title, p.description])
            .collect();
        let text = serde_json::to_string(&rows).unwrap_or_default();
        emit(format!("d/{k}.json"), text.into_bytes());
    }
    let meta = serde_json::json!({
        "version": 1,
        "pages": pages.len(),
        "shard": SHARD,
        "terms": keys,
    });
    emit("meta.json".to_string(), meta.to_string().into_bytes());
}

/// How many runs of first bytes [`index`] takes the terms in.
const RUNS: usize = 4;

/// Runs of terms' first bytes, in order, each holding about one
/// [`RUNS`]-th of the pages' terms (a title's own words aside).
fn first_byte_runs(pages: &[Page]) -> Vec<std::ops::RangeInclusive<u8>> {
    let mut counts = [0usize; 256];
    for page in pages {
        for (term, _) in page.terms.iter() {
            if let Some(&first) = term.as_bytes().first() {
                counts[usize::from(first)] += 1;
            }
        }
    }
    let share = counts.iter().sum::<usize>().div_ceil(RUNS).max(1);
    let mut runs = Vec::new();
    let (mut start, mut held) = (0u8, 0);
    for byte in 0..=255u8 {
        held += counts[usize::from(byte)];
        if held >= share || byte == 255 {
            runs.push(start..=byte);
            (start, held) = (byte.saturating_add(1), 0);
        }
    }
    runs
}

/// The postings of the terms `within` takes, sorted by term: each page's
/// [`Terms`] merged, its title's words added.
fn postings<'a>(
    pages: &[Page<'a>],
    within: impl Fn(&str) -> bool,
) -> Vec<(Cow<'a, str>, Postings)> {
    // term → (page, weight), in page order.
    let mut terms: FxHashMap<Cow<str>, Postings> = FxHashMap::default();
    let mut title: FxHashMap<String, u32> = FxHashMap::default();
    let mut buffer = String::new();
    for (n, page) in pages.iter().enumerate() {
        let n = n as u32;
        title.clear();
        each_word(page.title, &mut buffer, &mut |w| {
            if within(w) {
                *title.entry(w.to_string()).or_default() += IN_TITLE;
            }
        });
        for (term, weight) in page.terms.iter().filter(|(t, _)| within(t)) {
            let weight = weight + title.remove(term).unwrap_or(0);
            terms
                .entry(Cow::Borrowed(term))
                .or_default()
                .push(n, weight);
        }
        // The title's words its text does not have.
        for (term, weight) in title.drain() {
            match terms.get_mut(term.as_str()) {
                Some(postings) => postings.push(n, weight),
                None => {
                    let mut postings = Postings::default();
                    postings.push(n, weight);
                    terms.insert(Cow::Owned(term), postings);
                }
            }
        }
    }
    let mut terms: Vec<(Cow<str>, Postings)> = terms.into_iter().collect();
    terms.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    terms
}

/// Each of [`words`] of `text`: a run of ASCII letters and digits (most
/// words) as it stands, or lower-cased into `buffer` if it has capitals; a
/// run with other characters, a character at a time into `buffer`.
fn each_word(text: &str, buffer: &mut String, found: &mut impl FnMut(&str)) {
    // Each byte's class, by table: the scan is most of the index's cost.
    use crate::markdown::text::{ALPHANUMERIC, BYTE_CLASS, NOT_ASCII, UPPER};
    let bytes = text.as_bytes();
    let class = |i: usize| BYTE_CLASS[usize::from(bytes[i])];
    let mut i = 0;
    while i < bytes.len() {
        if class(i) & (ALPHANUMERIC | NOT_ASCII) == 0 {
            i += 1;
            continue;
        }
        let start = i;
        let mut seen = 0;
        while i < bytes.len() && class(i) & ALPHANUMERIC != 0 {
            seen |= class(i);
            i += 1;
        }
        let upper = seen & UPPER != 0;
        if i == bytes.len() || class(i) != NOT_ASCII {
            let word = &text[start..i];
            if (2..=MAX_WORD).contains(&word.len()) {
                match upper {
                    false => found(word),
                    true => {
                        buffer.clear();
                        buffer.push_str(word);
                        buffer.make_ascii_lowercase();
                        found(buffer);
                    }
                }
            }
            continue;
        }
        // Not ASCII: the word again from its start, a character at a time.
        buffer.clear();
        let mut chars = 0;
        i = start;
        for c in text[start..].chars() {
            if !c.is_alphanumeric() {
                break;
            }
            buffer.extend(c.to_lowercase());
            chars += 1;
            i += c.len_utf8();
        }
        if chars == 0 {
            // A character that is neither: skip it.
            i += text[start..].chars().next().map_or(1, char::len_utf8);
        } else if chars >= 2 && buffer.len() <= MAX_WORD {
            found(buffer);
        }
    }
}

/// The text of `html`, in runs, each with whether it is in a heading; tags
/// dropped, entities decoded, nothing from `<script>`, `<style>` or a
/// `<button>` (a citation's popover button repeats its mark).
fn text_of(html: &str, out: &mut dyn FnMut(&str, bool)) {
    let mut rest = html;
    let mut heading = 0usize;
    // The element whose text is not text, while inside it.
    let mut skip: Option<&str> = None;
    while !rest.is_empty() {
        let lt = rest.find('<').unwrap_or(rest.len());
        if skip.is_none() && lt > 0 {
            out(&decode(&rest[..lt]), heading > 0);
        }
        rest = &rest[lt..];
        if rest.is_empty() {
            break;
        }
        // A `<` that opens no tag is text.
        let Some(gt) = rest.find('>').map(|g| g + 1) else {
            if skip.is_none() {
                out(&decode(rest), heading > 0);
            }
            break;
        };
        let tag = &rest[1..gt - 1];
        let closing = tag.starts_with('/');
        let name = tag.trim_start_matches('/');
        let name = &name[..name.bytes().take_while(u8::is_ascii_alphanumeric).count()];
        let is = |names: &[&str]| names.iter().any(|n| name.eq_ignore_ascii_case(n));
        match (&skip, closing) {
            (Some(s), true) if s.eq_ignore_ascii_case(name) => skip = None,
            (Some(_), _) => {}
            (None, false) if is(&["script", "style", "button"]) => skip = Some(name),
            (None, _) if is(&["h1", "h2", "h3", "h4", "h5", "h6"]) => {
                heading = if closing {
                    heading.saturating_sub(1)
                } else {
                    heading + 1
                };
            }
            _ => {}
        }
        // A tag separates words (`<td>a</td><td>b</td>`).
        if skip.is_none() {
            out(" ", heading > 0);
        }
        rest = &rest[gt..];
    }
}

/// `&amp;`, `&#39;`, `&#x2019;` and the like, decoded; an unknown entity
/// stays as it is.
fn decode(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('&') {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        // An entity is short: its `;` within a few bytes (bytes: the text
        // after `&` may be any UTF-8).
        let Some(semi) = rest.bytes().take(12).position(|b| b == b';') else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out.into()
}

#[cfg(test)]
mod tests {

    /// The runs cover every first byte once, in order, each (but the last)
    /// with at least its share of the terms.
    #[test]
    fn first_byte_runs_cover_every_byte_in_order_by_share() {
        let texts: Vec<Terms> = [
            "alpha beta",
            "gamma delta",
            "epsilon zeta",
            "eta theta",
            "iota kappa",
        ]
        .iter()
        .map(|t| Terms::of(&format!("<p>{t} ünïcode</p>")))
        .collect();
        let pages: Vec<Page> = texts
            .iter()
            .map(|terms| Page {
                url: "",
                title: "",
                description: "",
                terms,
            })
            .collect();
        let runs = first_byte_runs(&pages);
        assert!(runs.len() > 1 && runs.len() <= RUNS + 1, "{runs:?}");
        assert_eq!(*runs[0].start(), 0);
        assert_eq!(*runs.last().unwrap().end(), 255);
        for pair in runs.windows(2) {
            assert_eq!(*pair[0].end() + 1, *pair[1].start(), "{runs:?}");
        }
        assert_eq!(first_byte_runs(&[]), vec![0..=255]);
    }

    /// The index's files, as [`index`] gives them.
    fn index_files(pages: &[Page]) -> Vec<(String, Vec<u8>)> {
        let mut files = Vec::new();
        index(pages, &mut |path, bytes| files.push((path, bytes)));
        files
    }
    use super::*;

    fn file(files: &[(String, Vec<u8>)], path: &str) -> serde_json::Value {
        let (_, bytes) = files.iter().find(|(p, _)| p == path).expect(path);
        serde_json::from_slice(bytes).unwrap()
    }

    #[test]
    fn terms_are_weighted_by_where_they_stand_and_split_by_prefix() {
        let pages = [
            Page {
                url: "memo/",
                title: "The memo",
                description: "What it says",
                terms: &Terms::of(
                    "<h2 id=\"x\">Who wrote it</h2>\n<p>The memo&#39;s author: &quot;unknown&quot; \
                     <sup class=\"cite\">[<a href=\"#ref-1\">1</a><button hidden>1</button>]</sup></p>\
                     <script>var memo;</script>",
                ),
            },
            Page {
                url: "deal/",
                title: "Apple & Alibaba",
                description: "",
                terms: &Terms::of(
                    "<p>Apple, the memo says nothing.</p><table><tr><td>Alibaba</td><td>Cloud</td></tr></table>",
                ),
            },
        ];
        let files = index_files(&pages);
        let meta = file(&files, "meta.json");
        assert_eq!(meta["pages"], 2);
        assert!(meta["terms"].as_array().unwrap().contains(&"6d65".into())); // "me"
        let me = file(&files, "t/6d65.json");
        // "memo": in page 0's title (10) and text (1), page 1's text (1);
        // the script's `memo` does not count. Pages are deltas.
        assert_eq!(me["memo"], serde_json::json!([0, 11, 1, 1]));
        let wh = file(&files, "t/7768.json");
        assert_eq!(wh["who"], serde_json::json!([0, 5]));
        // Entities decoded, quote marks split words; a button's text is not text.
        assert!(file(&files, "t/756e.json")["unknown"].is_array());
        assert!(file(&files, "t/6175.json")["author"].is_array());
        // Table cells are separate words.
        assert!(file(&files, "t/616c.json")["alibaba"].is_array());
        assert!(file(&files, "t/636c.json")["cloud"].is_array());
        assert_eq!(
            file(&files, "d/0.json"),
            serde_json::json!([
                ["memo/", "The memo", "What it says"],
                ["deal/", "Apple & Alibaba", ""]
            ])
        );
        // One-character words and the citation's number are not terms.
        assert!(!files.iter().any(|(p, _)| p == "t/31.json"));
    }

    #[test]
    fn a_title_word_missing_from_every_text_is_a_term_of_its_own_in_page_order() {
        let texts = [
            Terms::of("<p>memo here</p>"),
            Terms::of("<p>alpha appears</p>"),
        ];
        let page = |title, terms| Page {
            url: "",
            title,
            description: "",
            terms,
        };
        let pages = [page("Alpha memo", &texts[0]), page("Beta", &texts[1])];
        let files = index_files(&pages);
        // Only in page 0's title, then in page 1's text.
        assert_eq!(
            file(&files, "t/616c.json")["alpha"],
            serde_json::json!([0, 10, 1, 1])
        );
        // In no text at all.
        assert_eq!(
            file(&files, "t/6265.json")["beta"],
            serde_json::json!([1, 10])
        );
        // Title and text of the same page add up.
        assert_eq!(
            file(&files, "t/6d65.json")["memo"],
            serde_json::json!([0, 11])
        );
    }

    #[test]
    fn any_text_after_an_ampersand_or_a_lone_angle_bracket_is_read_whole() {
        let mut got = String::new();
        text_of(
            "<p>AT&amp;T’s “deal” &nosuch“ x &#x41; &#65;</p> 1 < é",
            &mut |t, _| got.push_str(t),
        );
        assert_eq!(got, " AT&T’s “deal” &nosuch“ x A A  1 < é");
    }

    #[test]
    fn words_are_runs_of_letters_and_digits_lower_cased_whatever_the_mix() {
        let long = "x".repeat(MAX_WORD + 1);
        let text = format!(
            "AT&T’s café2 CAFÉ x9 ÉCOLE a1 MiXeD123 阿里巴巴—–ab,ÅB é {long} y{} Ǆx",
            "z".repeat(MAX_WORD - 1)
        );
        let expected: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() >= 2)
            .map(|w| w.chars().flat_map(char::to_lowercase).collect::<String>())
            .filter(|w| w.len() <= MAX_WORD)
            .collect();
        assert!(expected.contains(&"café2".to_string()) && expected.len() == 12);
        assert_eq!(words(&text), expected);
    }

    #[test]
    fn words_are_letters_and_digits_of_any_script() {
        let got = words("Alibaba's AI-driven 2025 Überblick a 阿里巴巴 ÅB");
        assert_eq!(
            got,
            [
                "alibaba",
                "ai",
                "driven",
                "2025",
                "überblick",
                "阿里巴巴",
                "åb"
            ]
        );
    }
}
