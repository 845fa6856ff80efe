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
/// non-whitespace holding a letter or digit. One pass over the bytes (this
/// runs over every page's whole text): runs of ASCII up to 64 bytes at once,
/// classed as [`BYTE_CLASS`] has them ([`ascii_classes`]), short runs and
/// other characters one at a time.
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
        while let Some(rest) = bytes.get(i..).filter(|r| !r.is_empty()) {
            // The ASCII bytes that come next, up to 64: at once when there
            // are enough of them to pay for it, else one by one; then one
            // character beyond ASCII.
            let block = &rest[..rest.len().min(64)];
            let ascii = match block.is_ascii() {
                true => block.len(),
                false => block.iter().position(|b| !b.is_ascii()).unwrap_or(0),
            };
            match ascii >= AT_ONCE_FROM {
                true => self.feed_ascii(&block[..ascii]),
                false => {
                    for &b in &block[..ascii] {
                        let class = BYTE_CLASS[usize::from(b)];
                        self.see(class & SPACE != 0, class & ALPHANUMERIC != 0);
                    }
                }
            }
            i += ascii;
            if ascii < block.len() {
                let Some(c) = text[i..].chars().next() else {
                    break;
                };
                i += c.len_utf8();
                self.see(c.is_whitespace(), c.is_alphanumeric());
            }
        }
    }

    /// One character: whether it is a space, and a letter or digit.
    fn see(&mut self, space: bool, alphanumeric: bool) {
        if space {
            self.counted = false;
        } else if alphanumeric && !self.counted {
            self.count += 1;
            self.counted = true;
        }
    }

    /// Up to 64 ASCII bytes at once, one bit per byte. A word is counted at
    /// a letter or digit whose nearest letter, digit or space before it is
    /// a space (or, for the block's first, none while nothing is counted).
    /// Adding the spaces to the bits of all but letters and digits finds
    /// them: each space's carry runs through what follows it up to the next
    /// letter or digit, which it sets; a carry out of the block means it
    /// ends after a space with no letter or digit since.
    fn feed_ascii(&mut self, block: &[u8]) {
        let (mut spaces, mut letters) = (0u64, 0u64);
        for (j, part) in block.chunks(8).enumerate() {
            // A short last part is filled with NUL, neither space nor letter.
            let mut eight = [0; 8];
            eight[..part.len()].copy_from_slice(part);
            let (s, l) = ascii_classes(eight);
            spaces |= s << (8 * j);
            letters |= l << (8 * j);
        }
        let width = block.len() as u32;
        let others = !letters & (u64::MAX >> (64 - width));
        let carry_in = u128::from(!self.counted);
        let sum = u128::from(others) + u128::from(spaces) + carry_in;
        self.count += ((sum as u64) & letters).count_ones() as usize;
        self.counted = (sum >> width) & 1 == 0;
    }

    pub(super) fn count(&self) -> usize {
        self.count
    }
}

/// Runs of ASCII bytes shorter than this are counted one byte at a time
/// ([`WordCount::feed`]): a block's setup costs more than a short run's
/// bytes one by one (16 was not tuned further).
const AT_ONCE_FROM: usize = 16;

/// Which of eight ASCII bytes are spaces and which letters or digits, as
/// [`BYTE_CLASS`] has them, one bit each (the first byte the lowest): the
/// eight compared at once, each a lane of a `u64` that no sum overflows.
fn ascii_classes(eight: [u8; 8]) -> (u64, u64) {
    const ONES: u64 = u64::MAX / 255;
    const HIGH: u64 = ONES * 0x80;
    let x = u64::from_le_bytes(eight);
    // Each lane's high bit: whether its byte is within `lo..=hi`.
    let within = |x: u64, lo: u8, hi: u8| {
        (x + ONES * u64::from(0x80 - lo)) & !(x + ONES * u64::from(0x7f - hi)) & HIGH
    };
    let spaces = within(x, b' ', b' ') | within(x, b'\t', b'\r');
    // A capital letter is its small one but for bit 5.
    let letters = within(x, b'0', b'9') | within(x | (ONES * 0x20), b'a', b'z');
    // The lanes' high bits gathered into the top byte, then brought down.
    let bits = |high: u64| ((high >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56;
    (bits(spaces), bits(letters))
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
        let long = [
            // Longer than a block of 64 bytes, which ASCII text is taken in.
            "a word, (two) -- !! x\t\n".repeat(9),
            format!("{}é {}", "ab ".repeat(30), "!!".repeat(40)),
            format!("{}x{}", " ".repeat(63), "-".repeat(70)),
            format!("{}\u{a0}{}", "y".repeat(70), " z".repeat(50)),
            // Beyond ASCII now and then, and mostly.
            "un mémo émis, données d'accès ".repeat(6),
            "слово, état — 字 x, «y» ".repeat(8),
        ];
        let short = [
            "",
            "one",
            "  two words  ",
            "a - b — c",
            "état\u{a0}civil 2020, «quoted» … ...",
            "tab\tnew\nline\u{2003}em-space\u{b}vt\u{c}ff\u{85}nel x\u{a0}y",
            "— – ... !!",
        ];
        for text in short.into_iter().chain(long.iter().map(String::as_str)) {
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
    }

    #[test]
    fn eight_bytes_at_once_are_classed_as_the_table_classes_each() {
        use super::{ALPHANUMERIC, BYTE_CLASS, SPACE, ascii_classes};
        for start in 0..128u8 {
            // Each ASCII byte in every lane, beside others.
            let eight: [u8; 8] =
                std::array::from_fn(|k| ((usize::from(start) + 37 * k) % 128) as u8);
            let (spaces, letters) = ascii_classes(eight);
            for (k, &b) in eight.iter().enumerate() {
                let class = BYTE_CLASS[usize::from(b)];
                assert_eq!(spaces >> k & 1 == 1, class & SPACE != 0, "{b}");
                assert_eq!(letters >> k & 1 == 1, class & ALPHANUMERIC != 0, "{b}");
            }
        }
        assert_eq!(word_count(&["wo", "rd", " ", "x"]), 2);
    }
}
