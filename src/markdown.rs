//! Markdown: one page's body text → HTML, plus what the site model needs to
//! know about it: heading ids and the table of contents, internal links (to
//! check), citations (to number and list), a summary and a word count.
//! Knows nothing of templates or files; URLs and sources come through a
//! [`Resolver`] so rendering stays independent of how the site is stored.

use crate::diagnostic::{Diagnostic, line_col};
use pulldown_cmark::{
    BrokenLink, CodeBlockKind, CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd,
};
use serde::Serialize;
use std::collections::HashSet;
use std::fmt::Write;
use std::path::Path;

/// What Markdown needs from the rest of the site.
pub trait Resolver: Sync {
    /// The URL of the page or section whose source is `content_path` (under content/).
    fn page_url(&self, content_path: &str) -> Option<&str>;
    /// The title and URL of the source page with this citation id.
    fn source(&self, id: &str) -> Option<(&str, &str)>;
}

/// One heading in the table of contents.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub title: String,
    pub children: Vec<TocEntry>,
}

/// An internal link to check once every page is rendered.
#[derive(Debug, Clone)]
pub struct AnchorRef {
    /// The target's path under content/ (`None`: this same page).
    pub target: Option<String>,
    pub anchor: String,
    pub line: usize,
    pub column: usize,
}

/// One page's rendered Markdown and what was learned while rendering it.
#[derive(Debug, Default, Clone)]
pub struct Rendered {
    pub html: String,
    pub summary: String,
    pub toc: Vec<TocEntry>,
    /// Every id the page's content defines (headings, footnotes, explicit ids).
    pub ids: Vec<String>,
    pub anchor_refs: Vec<AnchorRef>,
    /// Internal pages linked to, as paths under content/ (for dependencies).
    pub links_to: Vec<String>,
    /// Source ids in order of first citation; a citation's number is its index + 1.
    pub citations: Vec<String>,
    pub word_count: usize,
    pub diagnostics: Vec<Diagnostic>,
}

/// Where the body sits, for diagnostics.
pub struct Origin<'a> {
    /// Path relative to the site root (`content/memo.md`).
    pub file: &'a Path,
    /// The page's path under content/, to resolve relative links.
    pub content_path: &'a str,
    /// 1-based line of the file where `body` starts.
    pub first_line: usize,
    /// The whole file, for snippets.
    pub file_text: &'a str,
}

const CITE_PREFIX: &str = "dossier-cite:";
pub const MORE_MARKER: &str = "<!-- more -->";

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Render `body` to HTML.
pub fn render(body: &str, origin: &Origin, resolver: &dyn Resolver) -> Rendered {
    let mut state = State {
        origin,
        resolver,
        body,
        out: Rendered::default(),
        used_ids: HashSet::new(),
        headings: Vec::new(),
        plain: String::new(),
    };
    // Explicit `{#id}`s are reserved first, so automatic ids never take them
    // (a second parse, only for the pages that have any).
    if body.contains("{#") {
        for event in Parser::new_ext(body, options()) {
            if let Event::Start(Tag::Heading { id: Some(id), .. }) = event {
                state.used_ids.insert(id.to_string());
            }
        }
    }
    let events = state.transform(body, 0, false);
    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.iter().cloned());
    state.out.summary = summary(&events);
    html.shrink_to_fit();
    state.out.html = html;
    state.out.toc = nest_toc(std::mem::take(&mut state.headings));
    state.out.ids.extend(state.used_ids);
    state.out.ids.sort();
    state.out.word_count = state
        .plain
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count();
    state.out
}

struct State<'a> {
    origin: &'a Origin<'a>,
    resolver: &'a dyn Resolver,
    body: &'a str,
    out: Rendered,
    used_ids: HashSet<String>,
    headings: Vec<(u8, String, String)>,
    /// The page's text without markup, for counting words.
    plain: String,
}

impl<'a> State<'a> {
    /// Parse `text` (found at byte `base` of the body) and rewrite its events.
    /// `in_box`: inside an "accounts differ" box, citations name their source.
    fn transform(&mut self, text: &'a str, base: usize, in_box: bool) -> Vec<Event<'a>> {
        let callback = |link: BrokenLink<'a>| {
            let reference = link.reference.trim();
            (reference.starts_with('@') && link.link_type == LinkType::Shortcut).then(|| {
                (
                    CowStr::from(format!("{CITE_PREFIX}{reference}")),
                    CowStr::from(""),
                )
            })
        };
        let parser = Parser::new_with_broken_link_callback(text, options(), Some(callback));
        let mut events: Vec<Event<'a>> = Vec::new();
        let mut iter = parser.into_offset_iter();
        while let Some((event, range)) = iter.next() {
            let offset = base + range.start;
            match event {
                Event::Start(Tag::Heading {
                    level,
                    id,
                    classes,
                    attrs,
                }) => {
                    let mut inner = Vec::new();
                    let mut title = String::new();
                    for (e, r) in iter.by_ref() {
                        if matches!(e, Event::End(TagEnd::Heading(_))) {
                            break;
                        }
                        if let Event::Text(t) | Event::Code(t) = &e {
                            title.push_str(t);
                        }
                        inner.push((e, r));
                    }
                    let id = match id {
                        Some(id) => id.to_string(),
                        None => self.unique_id(&slugify(&title)),
                    };
                    if !in_box {
                        self.headings.push((
                            heading_number(level),
                            id.clone(),
                            title.trim().to_string(),
                        ));
                    }
                    events.push(Event::Start(Tag::Heading {
                        level,
                        id: Some(id.into()),
                        classes,
                        attrs,
                    }));
                    // Headings may hold links and citations too: rewrite them the same way.
                    events.extend(self.rewrite_inline(inner, base, in_box));
                    events.push(Event::End(TagEnd::Heading(level)));
                }
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                    if info.split_whitespace().next() == Some("disputed") =>
                {
                    let question = info
                        .trim_start()
                        .trim_start_matches("disputed")
                        .trim()
                        .to_string();
                    let mut inner_start = None;
                    let mut inner_end = offset;
                    for (e, r) in iter.by_ref() {
                        match e {
                            Event::End(TagEnd::CodeBlock) => break,
                            _ => {
                                inner_start.get_or_insert(r.start);
                                inner_end = r.end;
                            }
                        }
                    }
                    let html = match inner_start {
                        Some(start) => self.disputed_box(
                            &question,
                            &text[start..inner_end.min(text.len())],
                            base + start,
                            offset,
                        ),
                        None => {
                            self.error(offset, "an `accounts differ` block needs at least two accounts, one per list item");
                            String::new()
                        }
                    };
                    events.push(Event::Html(html.into()));
                }
                Event::Start(Tag::Link { .. }) => {
                    // Links span several events: gather up to their end, then rewrite.
                    let (group, _) = gather_link((event, range), &mut iter);
                    events.extend(self.rewrite_link_group(group, base, in_box));
                }
                other => events.extend(self.rewrite_inline(vec![(other, range)], base, in_box)),
            }
        }
        events
    }

    /// Rewrite a run of inline events, where links may start and end.
    fn rewrite_inline(
        &mut self,
        events: Vec<(Event<'a>, std::ops::Range<usize>)>,
        base: usize,
        in_box: bool,
    ) -> Vec<Event<'a>> {
        let mut out = Vec::new();
        let mut iter = events.into_iter();
        while let Some((event, range)) = iter.next() {
            match event {
                Event::Start(Tag::Link { .. }) => {
                    let (group, closed) = gather_link((event, range), &mut iter);
                    if !closed {
                        // Unclosed in this run (the caller gathers the rest): leave as is.
                        out.extend(group.into_iter().map(|(e, _)| e));
                    } else {
                        out.extend(self.rewrite_link_group(group, base, in_box));
                    }
                }
                Event::Text(ref t) | Event::Code(ref t) => {
                    self.plain.push_str(t);
                    out.push(event);
                }
                Event::Start(Tag::FootnoteDefinition(ref name)) => {
                    self.used_ids.insert(name.to_string());
                    out.push(event);
                }
                Event::Html(ref h) | Event::InlineHtml(ref h) => {
                    collect_html_ids(h, &mut self.used_ids);
                    out.push(event);
                }
                other => {
                    self.plain.push(' ');
                    out.push(other);
                }
            }
        }
        out
    }

    /// A complete link (start, contents, end): a citation, an internal link, or left as is.
    fn rewrite_link_group(
        &mut self,
        mut group: Vec<(Event<'a>, std::ops::Range<usize>)>,
        base: usize,
        in_box: bool,
    ) -> Vec<Event<'a>> {
        let (first, range) = group.remove(0);
        let offset = base + range.start;
        let Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) = first
        else {
            return std::iter::once(first)
                .chain(group.into_iter().map(|(e, _)| e))
                .collect();
        };
        if let Some(refs) = dest_url.strip_prefix(CITE_PREFIX) {
            return vec![Event::InlineHtml(
                self.citation(refs, offset, in_box).into(),
            )];
        }
        let dest = self
            .resolve_link(&dest_url, offset)
            .map(CowStr::from)
            .unwrap_or(dest_url);
        let mut out = vec![Event::Start(Tag::Link {
            link_type,
            dest_url: dest,
            title,
            id,
        })];
        // The last event is the link's end; everything between is its text.
        let mut inner = group;
        let end = inner.pop().map(|(e, _)| e);
        out.extend(self.rewrite_inline(inner, base, in_box));
        out.extend(end);
        out
    }

    /// A relative link to a `.md` file becomes the target's URL; `#id` links are checked.
    fn resolve_link(&mut self, dest: &str, offset: usize) -> Option<String> {
        if dest.contains("://") || dest.starts_with("mailto:") || dest.starts_with("//") {
            return None;
        }
        let (path, anchor) = match dest.split_once('#') {
            Some((p, a)) => (p, Some(a)),
            None => (dest, None),
        };
        let (line, column) = self.position(offset);
        if path.is_empty() {
            if let Some(anchor) = anchor {
                self.out.anchor_refs.push(AnchorRef {
                    target: None,
                    anchor: anchor.to_string(),
                    line,
                    column,
                });
            }
            return None;
        }
        if !path.ends_with(".md") {
            return None;
        }
        let target = match join_content_path(self.origin.content_path, path) {
            Some(t) => t,
            None => {
                self.error(offset, &format!("link `{dest}` points outside content/"));
                return None;
            }
        };
        let Some(url) = self.resolver.page_url(&target) else {
            self.error(
                offset,
                &format!("broken link `{dest}`: no page content/{target}"),
            );
            return None;
        };
        let url = url.to_string();
        self.out.links_to.push(target.clone());
        match anchor {
            Some(anchor) => {
                self.out.anchor_refs.push(AnchorRef {
                    target: Some(target),
                    anchor: anchor.to_string(),
                    line,
                    column,
                });
                Some(format!("{url}#{anchor}"))
            }
            None => Some(url),
        }
    }

    /// `[@a; @b]` → numbered links to the page's reference list.
    fn citation(&mut self, refs: &str, offset: usize, in_box: bool) -> String {
        let mut parts = Vec::new();
        for raw in refs.split(';') {
            let id = raw.trim().trim_start_matches('@').trim();
            if id.is_empty() {
                continue;
            }
            let Some((title, url)) = self.resolver.source(id) else {
                self.error(
                    offset,
                    &format!("unknown source `@{id}`: no page with that id in content/sources/"),
                );
                continue;
            };
            let number = match self.out.citations.iter().position(|c| c == id) {
                Some(i) => i + 1,
                None => {
                    self.out.citations.push(id.to_string());
                    self.out.citations.len()
                }
            };
            let mut html = String::new();
            if in_box {
                let _ = write!(
                    html,
                    "<cite class=\"side-source\"><a href=\"{}\">{}</a></cite> ",
                    escape(url),
                    escape(title)
                );
            }
            let _ = write!(
                html,
                "<a class=\"citation\" href=\"#ref-{number}\" title=\"{}\" aria-label=\"Source {number}: {}\">{number}</a>",
                escape(title),
                escape(title)
            );
            parts.push(html);
        }
        if parts.is_empty() {
            if refs
                .split(';')
                .all(|r| r.trim().trim_start_matches('@').trim().is_empty())
            {
                self.error(offset, "empty citation: name a source, e.g. `[@source-id]`");
            }
            return String::new();
        }
        format!("<sup class=\"cite\">[{}]</sup>", parts.join(", "))
    }

    /// An "accounts differ" box: the question, then each account with its source.
    fn disputed_box(
        &mut self,
        question: &str,
        inner: &'a str,
        inner_base: usize,
        fence: usize,
    ) -> String {
        let events = self.transform(inner, inner_base, true);
        let mut sides = 0;
        let mut depth = 0;
        let mut side_has_cite = true;
        let mut missing = 0;
        for e in &events {
            match e {
                Event::Start(Tag::List(_)) => depth += 1,
                Event::End(TagEnd::List(_)) => depth -= 1,
                Event::Start(Tag::Item) if depth == 1 => {
                    sides += 1;
                    side_has_cite = false;
                }
                Event::End(TagEnd::Item) if depth == 1 && !side_has_cite => missing += 1,
                Event::InlineHtml(h) if h.contains("class=\"citation\"") => side_has_cite = true,
                _ => {}
            }
        }
        if sides < 2 {
            self.error(
                fence,
                "an `accounts differ` block needs at least two accounts, one per list item",
            );
        } else if missing > 0 {
            self.error(fence, "each account in an `accounts differ` block must cite its source, e.g. `[@source-id]`");
        }
        let mut body = String::new();
        pulldown_cmark::html::push_html(&mut body, events.into_iter());
        let mut html = String::from(
            "<aside class=\"disputed\" role=\"note\">\n<p class=\"disputed-label\">Accounts differ</p>\n",
        );
        if !question.is_empty() {
            let _ = writeln!(
                html,
                "<p class=\"disputed-question\">{}</p>",
                escape(question)
            );
        }
        html.push_str(&body);
        html.push_str("</aside>\n");
        html
    }

    fn unique_id(&mut self, base: &str) -> String {
        let base = if base.is_empty() { "section" } else { base };
        let mut id = base.to_string();
        let mut n = 1;
        while self.used_ids.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        self.used_ids.insert(id.clone());
        id
    }

    /// 1-based line and column in the file of a byte offset in the body.
    fn position(&self, offset: usize) -> (usize, usize) {
        let (line, column) = line_col(self.body, offset);
        (line + self.origin.first_line - 1, column)
    }

    fn error(&mut self, offset: usize, message: &str) {
        let (line, column) = self.position(offset);
        self.out.diagnostics.push(
            Diagnostic::error(self.origin.file, line, column, message)
                .with_source(self.origin.file_text),
        );
    }
}

type Spanned<'a> = (Event<'a>, std::ops::Range<usize>);

/// A link's events from its start (`first`) to its matching end, taken from
/// `rest`; and whether the end was found.
fn gather_link<'a>(
    first: Spanned<'a>,
    rest: &mut impl Iterator<Item = Spanned<'a>>,
) -> (Vec<Spanned<'a>>, bool) {
    let mut group = vec![first];
    let mut depth = 1;
    for (e, r) in rest.by_ref() {
        match &e {
            Event::Start(Tag::Link { .. }) => depth += 1,
            Event::End(TagEnd::Link) => depth -= 1,
            _ => {}
        }
        group.push((e, r));
        if depth == 0 {
            return (group, true);
        }
    }
    (group, false)
}

fn heading_number(level: HeadingLevel) -> u8 {
    level as u8
}

/// The page's summary: everything before `<!-- more -->`, else its first
/// paragraph; citations are left out, since their reference list is not there.
fn summary(events: &[Event]) -> String {
    let range = match events
        .iter()
        .position(|e| matches!(e, Event::Html(h) if h.contains(MORE_MARKER)))
    {
        Some(cut) => 0..cut,
        None => {
            let Some(start) = events
                .iter()
                .position(|e| matches!(e, Event::Start(Tag::Paragraph)))
            else {
                return String::new();
            };
            let len = events[start..]
                .iter()
                .position(|e| matches!(e, Event::End(TagEnd::Paragraph)))
                .unwrap_or(events.len() - start - 1);
            start..start + len + 1
        }
    };
    let mut html = String::new();
    let kept = events[range]
        .iter()
        .filter(|e| !matches!(e, Event::InlineHtml(h) if h.starts_with("<sup class=\"cite\">")))
        .filter(|e| !matches!(e, Event::FootnoteReference(_)));
    pulldown_cmark::html::push_html(&mut html, kept.cloned());
    html
}

/// Turn a flat list of (level, id, title) into a tree.
fn nest_toc(flat: Vec<(u8, String, String)>) -> Vec<TocEntry> {
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

/// Resolve `link` relative to the folder of `from` (both under content/).
pub fn join_content_path(from: &str, link: &str) -> Option<String> {
    let link = percent_decode(link);
    let mut parts: Vec<&str> = if let Some(abs) = link.strip_prefix('/') {
        return normalise(abs.split('/').collect());
    } else {
        from.split('/').collect()
    };
    parts.pop();
    parts.extend(link.split('/'));
    normalise(parts)
}

fn normalise(parts: Vec<&str>) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    for p in parts {
        match p {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            p => out.push(p),
        }
    }
    Some(out.join("/"))
}

fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 3 <= bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Ids written as raw HTML (`<a id="x">`) count as anchors too.
fn collect_html_ids(html: &str, ids: &mut HashSet<String>) {
    let mut rest = html;
    while let Some(i) = rest.find(" id=\"") {
        rest = &rest[i + 5..];
        if let Some(end) = rest.find('"') {
            ids.insert(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
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

    struct Fixture;
    impl Resolver for Fixture {
        fn page_url(&self, path: &str) -> Option<&str> {
            match path {
                "memo.md" => Some("/memo/"),
                "players/apple.md" => Some("/players/apple/"),
                _ => None,
            }
        }
        fn source(&self, id: &str) -> Option<(&str, &str)> {
            match id {
                "ft" => Some(("FT report", "/sources/ft/")),
                "brief" => Some(("Brief", "/sources/brief/")),
                _ => None,
            }
        }
    }

    fn render_at(path: &str, body: &str) -> Rendered {
        let file = Path::new("content").join(path);
        let origin = Origin {
            file: &file,
            content_path: path,
            first_line: 4,
            file_text: body,
        };
        render(body, &origin, &Fixture)
    }

    #[test]
    fn headings_get_unique_slug_ids() {
        let r = render_at(
            "a.md",
            "# Who issued it?\n\n## Who issued it?\n\n## Custom {#mine}\n",
        );
        assert!(r.html.contains("<h1 id=\"who-issued-it\">"), "{}", r.html);
        assert!(r.html.contains("<h2 id=\"who-issued-it-1\">"), "{}", r.html);
        assert!(r.html.contains("<h2 id=\"mine\">"), "{}", r.html);
    }

    #[test]
    fn automatic_ids_avoid_explicit_ones() {
        let r = render_at("a.md", "## Intro\n\n## Other {#intro}\n");
        assert!(
            r.html.contains("<h2 id=\"intro-1\">Intro</h2>"),
            "{}",
            r.html
        );
    }

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
    fn relative_md_links_become_urls() {
        let r = render_at(
            "players/alibaba.md",
            "[a](apple.md) [m](../memo.md#who) [x](https://e.org/a.md)",
        );
        assert!(r.html.contains("href=\"/players/apple/\""), "{}", r.html);
        assert!(r.html.contains("href=\"/memo/#who\""), "{}", r.html);
        assert!(r.html.contains("href=\"https://e.org/a.md\""), "{}", r.html);
        assert_eq!(r.anchor_refs.len(), 1);
        assert_eq!(r.anchor_refs[0].target.as_deref(), Some("memo.md"));
        assert!(r.diagnostics.is_empty());
    }

    #[test]
    fn broken_link_is_reported_at_its_line() {
        let r = render_at("a.md", "Intro.\n\nSee [gone](gone.md).\n");
        assert_eq!(r.diagnostics.len(), 1);
        let d = &r.diagnostics[0];
        assert_eq!((d.line, d.column), (6, 5));
        assert!(d.message.contains("gone.md"));
    }

    #[test]
    fn join_resolves_dot_dot_and_refuses_escape() {
        assert_eq!(
            join_content_path("a/b.md", "../c.md").as_deref(),
            Some("c.md")
        );
        assert_eq!(
            join_content_path("a/b/index.md", "x.md").as_deref(),
            Some("a/b/x.md")
        );
        assert_eq!(join_content_path("a.md", "../../c.md"), None);
        assert_eq!(
            join_content_path("a/b.md", "/c%20d.md").as_deref(),
            Some("c d.md")
        );
    }

    #[test]
    fn citations_are_numbered_in_order_of_first_use() {
        let r = render_at("a.md", "One [@brief]. Two [@ft; @brief]. Three [@ft].");
        assert_eq!(r.citations, vec!["brief", "ft"]);
        assert!(r.html.contains("href=\"#ref-1\""));
        assert!(r.html.contains("href=\"#ref-2\""));
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    }

    #[test]
    fn unknown_citation_is_an_error() {
        let r = render_at("a.md", "Claim [@nope].");
        assert_eq!(r.diagnostics.len(), 1);
        assert!(r.diagnostics[0].message.contains("@nope"));
        assert_eq!(r.diagnostics[0].line, 4);
    }

    #[test]
    fn empty_citation_is_an_error() {
        for body in ["Claim [@].", "Claim [@;@]."] {
            let r = render_at("a.md", body);
            assert_eq!(r.diagnostics.len(), 1, "{body}");
            assert!(r.diagnostics[0].message.contains("empty citation"));
        }
    }

    #[test]
    fn disputed_block_names_each_side_source() {
        let r = render_at(
            "a.md",
            "```disputed Who issued it?\n- The Pentagon [@ft]\n- The White House [@brief]\n```\n",
        );
        assert!(r.html.contains("class=\"disputed\""), "{}", r.html);
        assert!(r.html.contains("Who issued it?"));
        assert!(
            r.html.contains(
                "<cite class=\"side-source\"><a href=\"/sources/ft/\">FT report</a></cite>"
            ),
            "{}",
            r.html
        );
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    }

    #[test]
    fn disputed_side_without_source_is_an_error() {
        let r = render_at(
            "a.md",
            "```disputed Q\n- The Pentagon [@ft]\n- The White House\n```\n",
        );
        assert_eq!(r.diagnostics.len(), 1, "{:?}", r.diagnostics);
    }

    #[test]
    fn summary_is_first_paragraph_or_before_more() {
        let r = render_at("a.md", "## H\n\nFirst para [@ft].\n\nSecond.\n");
        assert_eq!(r.summary.trim(), "<p>First para .</p>");
        let r = render_at("a.md", "One.\n\nTwo.\n\n<!-- more -->\n\nThree.\n");
        assert!(r.summary.contains("Two.") && !r.summary.contains("Three."));
    }

    #[test]
    fn words_are_counted() {
        let r = render_at("a.md", "# Title here\n\nOne two *three* `four`.\n");
        assert_eq!(r.word_count, 6);
    }
}
