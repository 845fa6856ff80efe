//! Text helpers for rendered Markdown: heading slugs, the page's summary,
//! the nested table of contents, heading levels, and HTML escaping.
//!
//! Not for rewriting events nor for links and citations: those are in the
//! parent module, `links.rs` and `citations.rs`.

use super::{MORE_MARKER, TocEntry};
use pulldown_cmark::{Event, HeadingLevel, Tag, TagEnd};

pub(super) fn heading_number(level: HeadingLevel) -> u8 {
    level as u8
}

/// The page's summary: everything before `<!-- more -->`, else its first
/// paragraph; citations are left out, since their reference list is not there.
/// Made from the page's events as they go by ([`Summary::see`]), keeping
/// only what it may need.
pub(super) struct Summary<'a> {
    /// Events before the marker, while it may yet come (the body holds it).
    before_more: Option<Vec<Event<'a>>>,
    found_more: bool,
    /// The first paragraph so far, and whether it has ended.
    paragraph: Vec<Event<'a>>,
    paragraph_done: bool,
}

impl<'a> Summary<'a> {
    /// `may_have_more`: the body holds the marker's text somewhere.
    pub(super) fn new(may_have_more: bool) -> Self {
        Summary {
            before_more: may_have_more.then(Vec::new),
            found_more: false,
            paragraph: Vec::new(),
            paragraph_done: false,
        }
    }

    pub(super) fn see(&mut self, event: &Event<'a>) {
        if let Some(before) = &mut self.before_more
            && !self.found_more
        {
            match event {
                Event::Html(h) if h.contains(MORE_MARKER) => self.found_more = true,
                _ => before.push(event.clone()),
            }
        }
        if self.paragraph_done {
            return;
        }
        match event {
            Event::Start(Tag::Paragraph) if self.paragraph.is_empty() => {}
            _ if self.paragraph.is_empty() => return,
            Event::End(TagEnd::Paragraph) => self.paragraph_done = true,
            _ => {}
        }
        self.paragraph.push(event.clone());
    }

    pub(super) fn finish(self) -> String {
        let events = match (self.found_more, self.before_more) {
            (true, Some(before)) => before,
            _ => self.paragraph,
        };
        let kept = events
            .into_iter()
            .filter(|e| !matches!(e, Event::InlineHtml(h) if h.starts_with("<sup class=\"cite\">")))
            .filter(|e| !matches!(e, Event::FootnoteReference(_)));
        let mut html = String::new();
        pulldown_cmark::html::push_html(&mut html, kept);
        html
    }
}

/// Turn a flat list of (level, id, title) into a tree.
pub(super) fn nest_toc(flat: Vec<(u8, String, String)>) -> Vec<TocEntry> {
    let mut root: Vec<TocEntry> = Vec::new();
    for (level, id, title) in flat {
        let entry = TocEntry {
            level,
            id,
            title,
            children: Vec::new(),
        };
        insert_toc(&mut root, entry);
    }
    root
}

fn insert_toc(siblings: &mut Vec<TocEntry>, entry: TocEntry) {
    match siblings.last_mut() {
        Some(last) if last.level < entry.level => insert_toc(&mut last.children, entry),
        _ => siblings.push(entry),
    }
}

/// A heading's id: lowercase letters and digits, other runs become one `-`.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    let mut dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if dash && !slug.is_empty() {
                slug.push('-');
            }
            dash = false;
            slug.extend(c.to_lowercase());
        } else if c != '\'' && c != '’' {
            dash = true;
        }
    }
    slug
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::tests::render_at;

    #[test]
    fn toc_nests_by_level() {
        let r = render_at("a.md", "## A\n\n### A1\n\n### A2\n\n## B\n");
        assert_eq!(r.toc.len(), 2);
        assert_eq!(r.toc[0].children.len(), 2);
        assert_eq!(r.toc[0].children[1].id, "a2");
    }

    #[test]
    fn slugs_fold_case_and_punctuation() {
        assert_eq!(
            slugify("Apple–Alibaba: the AI deal"),
            "apple-alibaba-the-ai-deal"
        );
        assert_eq!(slugify("What’s next?"), "whats-next");
        assert_eq!(slugify("Ünïcode Text"), "ünïcode-text");
    }

    #[test]
    fn summary_is_first_paragraph_or_before_more() {
        let r = render_at("a.md", "## H\n\nFirst para [@ft].\n\nSecond.\n");
        assert_eq!(r.summary.trim(), "<p>First para .</p>");
        let r = render_at("a.md", "One.\n\nTwo.\n\n<!-- more -->\n\nThree.\n");
        assert!(r.summary.contains("Two.") && !r.summary.contains("Three."));
    }
}

/// What a byte is, for the scans that split a page's text into words (the
/// word count here, the search index's terms): one table, so both agree on
/// what an ASCII letter, digit or space is. Bits of [`BYTE_CLASS`]; ASCII
/// punctuation has none.
pub(crate) const SPACE: u8 = 1;
pub(crate) const ALPHANUMERIC: u8 = 2;
/// A capital letter (also [`ALPHANUMERIC`]).
pub(crate) const UPPER: u8 = 4;
/// Part of a character beyond ASCII: look at the character.
pub(crate) const NOT_ASCII: u8 = 8;
pub(crate) static BYTE_CLASS: [u8; 256] = {
    let mut table = [NOT_ASCII; 256];
    let mut b = 0;
    while b < 128 {
        table[b] = match b as u8 {
            b' ' | b'\t'..=b'\r' => SPACE,
            b'0'..=b'9' | b'a'..=b'z' => ALPHANUMERIC,
            b'A'..=b'Z' => ALPHANUMERIC | UPPER,
            _ => 0,
        };
        b += 1;
    }
    table
};

/// Words in a text given in pieces, as if they were joined: runs of
/// non-whitespace holding a letter or digit. One pass over the bytes, each
/// ASCII byte classed by [`BYTE_CLASS`] (this runs over every page's whole text).
#[derive(Default)]
pub(super) struct WordCount {
    count: usize,
    /// The current run of non-whitespace is counted already.
    counted: bool,
}

impl WordCount {
    pub(super) fn feed(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            i += 1;
            let class = BYTE_CLASS[usize::from(b)];
            let (space, alphanumeric) = match class {
                0 => continue,
                SPACE => (true, false),
                NOT_ASCII => {
                    let Some(c) = text[i - 1..].chars().next() else {
                        break;
                    };
                    i += c.len_utf8() - 1;
                    (c.is_whitespace(), c.is_alphanumeric())
                }
                _ => (false, true),
            };
            if space {
                self.counted = false;
            } else if alphanumeric && !self.counted {
                self.count += 1;
                self.counted = true;
            }
        }
    }

    pub(super) fn count(&self) -> usize {
        self.count
    }
}

#[cfg(test)]
mod word_count_tests {
    use super::WordCount;

    /// The words of `pieces` joined, counted piece by piece.
    fn word_count(pieces: &[&str]) -> usize {
        let mut words = WordCount::default();
        for piece in pieces {
            words.feed(piece);
        }
        words.count()
    }

    #[test]
    fn counts_runs_that_hold_a_letter_or_digit() {
        for text in [
            "",
            "one",
            "  two words  ",
            "a - b — c",
            "état\u{a0}civil 2020, «quoted» … ...",
            "tab\tnew\nline\u{2003}em-space\u{b}vt\u{c}ff\u{85}nel x\u{a0}y",
            "— – ... !!",
        ] {
            let expected = text
                .split_whitespace()
                .filter(|w| w.chars().any(char::is_alphanumeric))
                .count();
            assert_eq!(word_count(&[text]), expected, "{text:?}");
            // Cut anywhere, a word that goes on into the next piece is one.
            for (cut, _) in text.char_indices() {
                let (a, b) = text.split_at(cut);
                assert_eq!(word_count(&[a, b]), expected, "{a:?} + {b:?}");
            }
        }
        assert_eq!(word_count(&["a - b — c"]), 3);
        assert_eq!(word_count(&["wo", "rd", " ", "x"]), 2);
    }
}
