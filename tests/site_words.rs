//! The repository's own explainer, built by the real binary, says things in
//! its own words: no page's visible text outside quotation marks carries a
//! run of ten or more consecutive words that also occurs in one of the
//! source texts in ../shared/sources. Short quotes are fine, marked as
//! such; a sentence lifted from a report without its marks is not.

mod site_common;

use scraper::{ElementRef, Node};
use site_common::{select, site, sources_dir};
use std::collections::HashSet;
use std::path::Path;

/// How many consecutive words make a copied run.
const RUN: usize = 10;

/// Marks the end of one stretch of text: a run never spans two.
const BREAK: char = '\u{0}';

/// Marks where a block (a paragraph, a list item, a heading) opens or
/// closes. A run may span blocks (a sentence lifted from a report stays
/// lifted when it is cut into list items), but quotation marks pair only
/// within one block, so a stray mark cannot hide the rest of the page.
const BLOCK: char = '\u{1}';

/// Elements whose text is skipped with a break in its place: code, quotes,
/// and the parts of a page that quote source titles or the page itself (the
/// reference list, the citation popovers, "Cite this page", "Cited on").
fn skipped(el: &ElementRef) -> bool {
    let v = el.value();
    matches!(
        v.name(),
        "script" | "style" | "template" | "q" | "blockquote" | "code" | "pre"
    ) || v.classes().any(|c| {
        matches!(
            c,
            "references" | "cite-pop" | "cite-this" | "cited-on" | "side-source"
        )
    })
}

/// Elements whose text is skipped without a break: a citation mark's
/// numbers sit inside a sentence, so a run may go on past it.
fn silent(el: &ElementRef) -> bool {
    el.value().name() == "sup" && el.value().classes().any(|c| c == "cite")
}

/// Elements that open and close a block.
fn block(el: &ElementRef) -> bool {
    matches!(
        el.value().name(),
        "p" | "li"
            | "ul"
            | "ol"
            | "dl"
            | "dt"
            | "dd"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "div"
            | "section"
            | "aside"
            | "article"
            | "header"
            | "footer"
            | "nav"
            | "table"
            | "tr"
            | "td"
            | "th"
            | "caption"
            | "figure"
            | "figcaption"
            | "details"
            | "summary"
            | "br"
            | "hr"
    )
}

/// The visible text of `el`, entities decoded (the parser does that), with
/// [`BLOCK`] wherever a block starts or ends and [`BREAK`] where a skipped
/// element was.
fn visible_text(el: ElementRef, out: &mut String) {
    for child in el.children() {
        match child.value() {
            Node::Text(t) => {
                out.push(' ');
                out.push_str(t);
                out.push(' ');
            }
            Node::Element(_) => {
                let Some(child) = ElementRef::wrap(child) else {
                    continue;
                };
                if silent(&child) {
                    out.push(' ');
                } else if skipped(&child) {
                    out.push(BREAK);
                } else if block(&child) {
                    out.push(BLOCK);
                    visible_text(child, out);
                    out.push(BLOCK);
                } else {
                    visible_text(child, out);
                }
            }
            _ => {}
        }
    }
}

/// `text` with every “…” or "…" quotation replaced by a [`BREAK`], and its
/// blocks joined. Quotes are paired within one block; an opening mark with
/// no close keeps its text.
fn drop_quotations(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, stretch) in text.split(BLOCK).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let stretch: String = stretch
            .chars()
            .map(|c| match c {
                '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' => '"',
                c => c,
            })
            .collect();
        let mut rest = stretch.as_str();
        while let Some(open) = rest.find('"') {
            let after = &rest[open + 1..];
            let Some(close) = after.find('"') else { break };
            out.push_str(&rest[..open]);
            out.push(BREAK);
            rest = &after[close + 1..];
        }
        out.push_str(rest);
    }
    out
}

/// The words of `text`: lowercase, dashes as spaces, quote marks,
/// apostrophes and other punctuation gone (`U.S.` → `us`, `Alibaba’s` →
/// `alibabas`).
fn words(text: &str) -> Vec<String> {
    let mut clean = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            '\'' | '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{2032}' => {}
            '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '/' => clean.push(' '),
            c if c.is_alphanumeric() || c.is_whitespace() => clean.push(c),
            _ => {}
        }
    }
    clean.split_whitespace().map(str::to_string).collect()
}

/// Every run of [`RUN`] consecutive words in the source texts.
fn source_runs(dir: &Path) -> HashSet<Vec<String>> {
    let mut runs = HashSet::new();
    for text in site_common::source_files(dir) {
        let w = words(&text);
        for window in w.windows(RUN) {
            runs.insert(window.to_vec());
        }
    }
    runs
}

/// The longest stretches of `text` (outside quotation marks) whose every
/// [`RUN`]-word window is in `runs`: each copied passage once, whole.
fn copied_runs(text: &str, runs: &HashSet<Vec<String>>) -> Vec<String> {
    let mut found = Vec::new();
    for stretch in drop_quotations(text).split(BREAK) {
        let w = words(stretch);
        if w.len() < RUN {
            continue;
        }
        let hits: Vec<bool> = w.windows(RUN).map(|win| runs.contains(win)).collect();
        let mut i = 0;
        while i < hits.len() {
            if !hits[i] {
                i += 1;
                continue;
            }
            let start = i;
            while i < hits.len() && hits[i] {
                i += 1;
            }
            found.push(w[start..i - 1 + RUN].join(" "));
        }
    }
    found
}

#[test]
fn the_finder_finds_unquoted_runs_and_ignores_quoted_ones() {
    let source = "The memo, dated November 1, came to light shortly after President \
                  Trump and Chinese President Xi Jinping agreed to a temporary halt.";
    let mut runs = HashSet::new();
    for win in words(source).windows(RUN) {
        runs.insert(win.to_vec());
    }
    // Copied whole, typography aside: found once, as the longest run.
    let copied = "It came to light shortly after President Trump and Chinese \
                  President Xi Jinping agreed to a temporary halt, it says.";
    assert_eq!(
        copied_runs(copied, &runs),
        [
            "came to light shortly after president trump and chinese president xi jinping agreed to a temporary halt"
        ]
    );
    // Quoted, or broken by a block: not a run.
    let quoted = "It came to light “shortly after President Trump and Chinese \
                  President Xi Jinping agreed to a temporary halt”.";
    assert!(copied_runs(quoted, &runs).is_empty());
    let split = format!(
        "came to light shortly after President Trump{BREAK}and Chinese President Xi Jinping"
    );
    assert!(copied_runs(&split, &runs).is_empty());
    // Cut into blocks, still copied.
    let blocks = format!(
        "came to light{BLOCK}{BLOCK}shortly after President Trump{BLOCK}and Chinese President Xi"
    );
    assert_eq!(copied_runs(&blocks, &runs).len(), 1);
    // Nine words are not ten.
    assert!(
        copied_runs(
            "light shortly after President Trump and Chinese President Xi",
            &runs
        )
        .is_empty()
    );
}

#[test]
fn the_text_taken_leaves_out_quotes_citations_and_references() {
    let html = scraper::Html::parse_document(
        "<main><p>Our words <q>their words</q> and</p><blockquote>more of theirs</blockquote>\
         <p>ours<sup class=\"cite\">[<a>1</a>]</sup> again &amp; again.</p>\
         <section class=\"references\"><p>A title</p></section>\
         <div class=\"cite-pop\">a popover</div><section class=\"cite-this\">“Us.”</section></main>",
    );
    let mut text = String::new();
    visible_text(select(&html, "main")[0], &mut text);
    let kept: Vec<String> = drop_quotations(&text)
        .split(BREAK)
        .map(|s| words(s).join(" "))
        .filter(|s| !s.is_empty())
        .collect();
    assert_eq!(kept, ["our words", "and", "ours again again"]);
    // A quotation mark left open in one block hides nothing in the next.
    let text = format!("one \"two{BLOCK}three \"four\" five");
    assert_eq!(
        words(&drop_quotations(&text).replace(BREAK, " ")),
        ["one", "two", "three", "five"]
    );
}

#[test]
fn no_page_copies_ten_words_in_a_row_from_a_source() {
    let Some(dir) = sources_dir() else { return };
    let runs = source_runs(&dir);
    assert!(
        runs.len() > 500,
        "only {} runs in the source texts",
        runs.len()
    );
    let site = site();
    let mut copied = Vec::new();
    let mut pages = 0;
    let mut words_checked = 0;
    for page in site.pages() {
        let html = site.html(&page);
        let Some(main) = select(&html, "main").into_iter().next() else {
            continue; // a redirect from an old address: no text of ours
        };
        pages += 1;
        let mut text = String::new();
        visible_text(main, &mut text);
        words_checked += words(&drop_quotations(&text).replace(BREAK, " ")).len();
        for run in copied_runs(&text, &runs) {
            copied.push(format!("{page}: {run}"));
        }
    }
    assert!(pages > 20, "only {pages} pages with a <main> checked");
    assert!(
        words_checked > 5_000,
        "only {words_checked} words checked: is the text extraction broken?"
    );
    assert!(
        copied.is_empty(),
        "{} runs of {RUN} or more words match a source outside quotation marks \
         (reword them, or quote a short phrase and cite it):\n{}",
        copied.len(),
        copied.join("\n")
    );
}
