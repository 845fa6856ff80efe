//! Markdown: one page's body text → HTML, plus what the site model needs to
//! know about it: heading ids and the table of contents, internal links (to
//! check), citations (to number and list), a summary and a word count.
//! Knows nothing of templates or files; URLs and sources come through a
//! [`Resolver`] so rendering stays independent of how the site is stored.
//!
//! This file parses a page and rewrites its events: headings and their ids,
//! inline runs and whole links, and the state kept while rendering. Resolving
//! relative `.md` links is in `links.rs`, citations and the "accounts differ"
//! boxes in `citations.rs`, and the text helpers (slugs, the summary, the
//! table of contents, escaping) in `text.rs`.

mod citations;
mod links;
mod shortcodes;
pub(crate) mod text;

pub use citations::{Cited, normalise};
/// A template's arguments (a shortcode's, a component's), by name.
pub type TemplateArgs = serde_json::Map<String, serde_json::Value>;
pub use links::{has_scheme, is_web_url, join_content_path, percent_decode};
pub use text::{escape, slugify};

use crate::diagnostic::Diagnostic;
use links::collect_html_ids;
use pulldown_cmark::{
    BrokenLink, CodeBlockKind, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd,
};
use serde::Serialize;
use std::collections::{HashSet, VecDeque};
use std::path::Path;
use text::{heading_number, nest_toc};

/// What Markdown needs from the rest of the site.
pub trait Resolver {
    /// The URL of the page or section whose source is `content_path` (under content/).
    fn page_url(&self, content_path: &str) -> Option<&str>;
    /// The title and URL of the source page with this citation id.
    fn source(&self, id: &str) -> Option<(&str, &str)>;
    /// The URL of the non-Markdown file at `content_path` (under content/).
    fn asset_url(&self, content_path: &str) -> Option<&str>;
    /// The path every URL of the site starts with (`/` or `/sub/`).
    fn base_path(&self) -> &str;
    /// Whether raw HTML in Markdown passes through as HTML (site.yaml's
    /// `unsafe_html`, on by default) or is escaped as text.
    fn raw_html(&self) -> bool;
    /// Whether the page's search terms are wanted ([`Rendered::terms`]):
    /// only a build that makes a search index reads them.
    fn search_terms(&self) -> bool;
    /// The text of the source with this id, for checking cited passages:
    /// `None` when it names none, else its path from the site root and
    /// the text as [`normalise`] makes it, if the build has it.
    fn source_text(&self, id: &str) -> Option<(&str, Option<&str>)>;
    /// Template `name` of the site or its theme (`shortcodes/figure.html`,
    /// `components/citation.html`) rendered with `args` and, for a block
    /// shortcode, `body`; `None` when there is no such template, else what
    /// it made or what is wrong (an argument it lacks, a data file it cannot
    /// load).
    fn render_template(
        &self,
        name: &str,
        args: &TemplateArgs,
        body: Option<&str>,
    ) -> Option<Result<String, String>>;
    /// [`Resolver::render_template`] with the arguments `args` makes, which
    /// are the same whenever `key` is: a resolver that rendered the call for
    /// `key` before may answer again without making them.
    fn render_keyed(
        &self,
        name: &str,
        _key: crate::engine::Fp,
        args: &dyn Fn() -> TemplateArgs,
        body: Option<&str>,
    ) -> Option<Result<String, String>> {
        self.render_template(name, &args(), body)
    }
}

/// One heading in the table of contents.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Hash)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub title: String,
    pub children: Vec<TocEntry>,
}

/// An internal link to check once every page is rendered.
#[derive(Debug, Clone, Hash)]
pub struct AnchorRef {
    /// The target's path under content/ (`None`: this same page).
    pub target: Option<String>,
    pub anchor: String,
    pub line: usize,
    pub column: usize,
}

/// A link to another site (`http:` or `https:`) and where the Markdown
/// writes it, for `dossier check --external`.
#[derive(Debug, Clone, PartialEq, Hash)]
pub struct ExternalLink {
    pub url: String,
    pub line: usize,
    pub column: usize,
}

/// What of a page's rendered Markdown only its own page's template reads
/// (`page.toc`, `page.cited`) when no template reads it of another page:
/// in a clean build it waits for that render in the scratch file
/// ([`crate::output::spill`]), taken out of the model by [`Rendered::take_own`].
#[derive(Debug, Default, serde::Deserialize)]
pub struct Own {
    pub toc: Vec<TocEntry>,
    pub cited: Vec<Cited>,
}

/// [`Own`]'s parts, wherever they are held.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct OwnRef<'a> {
    pub toc: &'a [TocEntry],
    pub cited: &'a [Cited],
}

impl Own {
    pub fn as_ref(&self) -> OwnRef<'_> {
        OwnRef {
            toc: &self.toc,
            cited: &self.cited,
        }
    }
}

/// The names of [`Own`]'s parts as templates read them.
pub const OWN_FIELDS: [&str; 2] = ["toc", "cited"];

/// HTML as a template value (a safe string), made once and shared by every
/// value that shows it: cloning it copies no text.
#[derive(Debug, Clone)]
pub struct SharedHtml(tera::Value);

impl SharedHtml {
    pub fn new(html: &str) -> Self {
        SharedHtml(tera::Value::safe_string(html))
    }
    /// The template value, to put in a map.
    pub fn value(&self) -> &tera::Value {
        &self.0
    }
}

impl Default for SharedHtml {
    fn default() -> Self {
        SharedHtml::new("")
    }
}

impl std::ops::Deref for SharedHtml {
    type Target = str;
    fn deref(&self) -> &str {
        self.0.as_str().unwrap_or_default()
    }
}

/// One page's rendered Markdown and what was learned while rendering it.
#[derive(Debug, Default, Clone)]
pub struct Rendered {
    pub html: String,
    /// Its summary's HTML, made once as the value listings show: every
    /// listing that shows it holds this text rather than a copy.
    pub summary: SharedHtml,
    pub toc: Vec<TocEntry>,
    /// Every id the page's content defines (headings, footnotes, explicit ids).
    pub ids: Vec<String>,
    pub anchor_refs: Vec<AnchorRef>,
    pub external: Vec<ExternalLink>,
    /// Source ids in order of first citation; a citation's number is its index + 1.
    pub citations: Vec<String>,
    /// Every source named by a citation, in the order they are written.
    pub cited: Vec<Cited>,
    pub word_count: usize,
    /// The search index's terms of the HTML (made with it, so that the
    /// index reads no page's HTML again); none where no index is made
    /// ([`Resolver::search_terms`]).
    pub terms: crate::search::Terms,
    pub diagnostics: Vec<Diagnostic>,
}

impl Rendered {
    /// Drop what only the checks of the whole site read (the ids it defines
    /// and the links to anchors, checked by [`crate::site::attach`], and its
    /// diagnostics, collected there): a build that nothing builds on keeps
    /// the rest for its templates.
    pub fn drop_checked(&mut self) {
        self.ids = Vec::new();
        self.anchor_refs = Vec::new();
        self.diagnostics = Vec::new();
    }
    /// Its own page's parts ([`Own`]), taken out: what it keeps reads none.
    pub fn take_own(&mut self) -> Own {
        Own {
            toc: std::mem::take(&mut self.toc),
            cited: std::mem::take(&mut self.cited),
        }
    }
    /// Its own page's parts as it holds them.
    pub fn own(&self) -> OwnRef<'_> {
        OwnRef {
            toc: &self.toc,
            cited: &self.cited,
        }
    }
    /// A fingerprint of everything the rest of the build reads of it.
    pub fn fingerprint(&self) -> crate::engine::Fp {
        crate::engine::fingerprint(&(
            &self.html,
            &*self.summary,
            &self.toc,
            &self.ids,
            &self.anchor_refs,
            &self.external,
            &self.citations,
            &self.cited,
            self.word_count,
            self.diagnostics
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>(),
        ))
    }
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

impl<'a> Origin<'a> {
    /// Where a content file's body comes from: `text` is the whole file
    /// (its own, or read again if its body was dropped); `shown` is its
    /// path from the site root ([`crate::content::SourceFile::root_path`]).
    pub fn of(file: &'a crate::content::SourceFile, text: &'a str, shown: &'a Path) -> Origin<'a> {
        Origin {
            file: shown,
            content_path: &file.path,
            first_line: file.body_line,
            file_text: text,
        }
    }
}

const CITE_PREFIX: &str = "dossier-cite:";

/// How solid a claim is, as a page's `status:` or a `status` block gives
/// it: confirmed by both sources, reported by one, disputed, or not
/// independently verified. The theme words and styles each.
pub const STATUSES: [&str; 4] = ["confirmed", "one-source", "disputed", "unverified"];
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
    // Shortcodes become tokens before the page is parsed.
    let mut masked = shortcodes::mask(body);
    if let Some(m) = &mut masked {
        shortcodes::expand_markdown(m, &mut |call, inner| {
            let template = format!("shortcodes/{}.md", call.name);
            resolver.render_template(&template, &call.args, inner)
        });
    }
    let mut state = State {
        map: masked.as_ref().map(|m| m.map.clone()).unwrap_or_default(),
        origin,
        resolver,
        body,
        out: Rendered::default(),
        used_ids: HashSet::new(),
        headings: Vec::new(),
        words: text::WordCount::default(),
        lines: std::cell::OnceCell::new(),
    };
    // Explicit `{#id}`s are reserved first, so automatic ids never take them
    // (a second parse, only for the pages that have any).
    if body.contains("{#") {
        for (event, range) in Parser::new_ext(body, options()).into_offset_iter() {
            if let Event::Start(Tag::Heading { id: Some(id), .. }) = event
                && !state.used_ids.insert(id.to_string())
            {
                state.error(
                    range.start,
                    &format!(
                        "duplicate heading id `#{id}`: another heading on this page has it; give each a different {{#id}}"
                    ),
                );
            }
        }
    }
    // The page's events go straight from the parser, rewritten, into its
    // HTML: never all at once, so a page's size costs its text and HTML only.
    let mut summary = text::Summary::new(body.contains(MORE_MARKER));
    let mut html = String::with_capacity(body.len() * 3 / 2);
    let text = match &masked {
        Some(m) => m.text.as_str(),
        None => body,
    };
    let events = state.transform(text, 0, false).inspect(|e| summary.see(e));
    pulldown_cmark::html::push_html(&mut html, events);
    let mut summary_html = summary.finish();
    if let Some(m) = &masked {
        for (at, why) in &m.errors {
            state.error_in_body(*at, why);
        }
        let mut render = |n: usize, inner: Option<&str>| {
            let call = &m.calls[n];
            let template = format!("shortcodes/{}.html", call.name);
            match state.resolver.render_template(&template, &call.args, inner) {
                Some(Ok(made)) => made,
                None => {
                    let why =
                        format!("no such shortcode: add templates/{template} (or the theme's)");
                    state.error_in_body(call.at, &format!("shortcode `{}`: {why}", call.name));
                    String::new()
                }
                Some(Err(why)) => {
                    state.error_in_body(call.at, &format!("shortcode `{}`: {why}", call.name));
                    String::new()
                }
            }
        };
        html = shortcodes::splice(&html, &m.calls, &mut render);
        summary_html = shortcodes::splice(&summary_html, &m.calls, &mut render);
    }
    state.out.summary = SharedHtml::new(&summary_html);
    html.shrink_to_fit();
    if resolver.search_terms() {
        state.out.terms = crate::search::Terms::of(&html);
    }
    state.out.html = html;
    state.out.toc = nest_toc(std::mem::take(&mut state.headings));
    state.out.ids.extend(state.used_ids);
    state.out.ids.sort();
    state.out.word_count = state.words.count();
    state.out
}

struct State<'a> {
    origin: &'a Origin<'a>,
    resolver: &'a dyn Resolver,
    body: &'a str,
    out: Rendered,
    used_ids: HashSet<String>,
    headings: Vec<(u8, String, String)>,
    /// The words of the page's text without markup, counted as it goes by.
    words: text::WordCount,
    /// Made on the first question about a position.
    lines: std::cell::OnceCell<crate::diagnostic::LineIndex>,
    /// Where stretches of the parsed text (shortcodes as tokens) start in
    /// the body ([`shortcodes::unmask`]); empty when they are the same.
    map: Vec<shortcodes::Stretch>,
}

impl<'a> State<'a> {
    /// Parse `text` (found at byte `base` of the body) and rewrite its
    /// events as they are taken. `in_box`: inside an "accounts differ" box,
    /// citations name their source.
    fn transform<'s>(
        &'s mut self,
        text: &'a str,
        base: usize,
        in_box: bool,
    ) -> Rewrite<'s, 'a, impl Iterator<Item = Spanned<'a>> + use<'a>> {
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
        Rewrite {
            state: self,
            parsed: parser.into_offset_iter(),
            text,
            base,
            in_box,
            pending: VecDeque::new(),
        }
    }

    /// Rewrite one event of `text` (at `base` of the body) and what belongs
    /// with it (a heading's contents, a link's, a box's), taken from `parsed`,
    /// into `out`.
    fn rewrite(
        &mut self,
        (event, range): Spanned<'a>,
        parsed: &mut impl Iterator<Item = Spanned<'a>>,
        (text, base, in_box): (&'a str, usize, bool),
        out: &mut VecDeque<Event<'a>>,
    ) {
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
                for (e, r) in parsed.by_ref() {
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
                out.push_back(Event::Start(Tag::Heading {
                    level,
                    id: Some(id.into()),
                    classes,
                    attrs,
                }));
                // Headings may hold links and citations too: rewrite them the same way.
                self.rewrite_inline(inner, base, in_box, out);
                out.push_back(Event::End(TagEnd::Heading(level)));
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                if matches!(info.split_whitespace().next(), Some("disputed" | "status")) =>
            {
                let mut words = info.trim_start().splitn(2, char::is_whitespace);
                let kind = words.next().unwrap_or_default().to_string();
                let rest = words.next().unwrap_or_default().trim().to_string();
                let mut inner_start = None;
                let mut inner_end = offset;
                for (e, r) in parsed.by_ref() {
                    match e {
                        Event::End(TagEnd::CodeBlock) => break,
                        _ => {
                            inner_start.get_or_insert(r.start);
                            inner_end = r.end;
                        }
                    }
                }
                let inner = inner_start
                    .map(|start| (&text[start..inner_end.min(text.len())], base + start));
                let html = match (kind.as_str(), inner) {
                    ("disputed", Some((inner, at))) => self.disputed_box(&rest, inner, at, offset),
                    ("disputed", None) => {
                        self.error(offset, "an `accounts differ` block needs at least two accounts, one per list item");
                        String::new()
                    }
                    (_, inner) => self.status_block(&rest, inner, offset),
                };
                out.push_back(Event::Html(html.into()));
            }
            Event::Start(Tag::Link { .. }) => {
                // Links span several events: gather up to their end, then rewrite.
                let (group, _) = gather_link((event, range), parsed);
                self.rewrite_link_group(group, base, in_box, out);
            }
            other => self.inline(other, range, base, out),
        }
    }

    /// Rewrite a run of inline events, where links may start and end.
    fn rewrite_inline(
        &mut self,
        events: Vec<Spanned<'a>>,
        base: usize,
        in_box: bool,
        out: &mut VecDeque<Event<'a>>,
    ) {
        let mut iter = events.into_iter();
        while let Some((event, range)) = iter.next() {
            match event {
                Event::Start(Tag::Link { .. }) => {
                    let (group, closed) = gather_link((event, range), &mut iter);
                    if !closed {
                        // Unclosed in this run (the caller gathers the rest): leave as is.
                        out.extend(group.into_iter().map(|(e, _)| e));
                    } else {
                        self.rewrite_link_group(group, base, in_box, out);
                    }
                }
                other => self.inline(other, range, base, out),
            }
        }
    }

    /// Rewrite one event that is not a link's start.
    fn inline(
        &mut self,
        event: Event<'a>,
        range: std::ops::Range<usize>,
        base: usize,
        out: &mut VecDeque<Event<'a>>,
    ) {
        match event {
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest_url = self
                    .resolve_link(&dest_url, base + range.start)
                    .map(CowStr::from)
                    .unwrap_or(dest_url);
                out.push_back(Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            Event::Text(ref t) | Event::Code(ref t) => {
                self.words.feed(t);
                out.push_back(event);
            }
            Event::Start(Tag::FootnoteDefinition(ref name)) => {
                self.used_ids.insert(name.to_string());
                out.push_back(event);
            }
            Event::Html(ref h) | Event::InlineHtml(ref h) => {
                // The summary marker is ours, not the author's HTML.
                if h.trim() == MORE_MARKER || self.resolver.raw_html() {
                    collect_html_ids(h, &mut self.used_ids);
                    out.push_back(event);
                } else {
                    self.words.feed(h);
                    out.push_back(Event::Text(h.clone()));
                }
            }
            other => {
                self.words.feed(" ");
                out.push_back(other);
            }
        }
    }

    /// A complete link (start, contents, end): a citation, an internal link, or left as is.
    fn rewrite_link_group(
        &mut self,
        mut group: Vec<Spanned<'a>>,
        base: usize,
        in_box: bool,
        out: &mut VecDeque<Event<'a>>,
    ) {
        let (first, range) = group.remove(0);
        let offset = base + range.start;
        let Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) = first
        else {
            out.push_back(first);
            out.extend(group.into_iter().map(|(e, _)| e));
            return;
        };
        if let Some(refs) = dest_url.strip_prefix(CITE_PREFIX) {
            let html = self.citation(refs, offset, in_box);
            out.push_back(Event::InlineHtml(html.into()));
            return;
        }
        let dest = self
            .resolve_link(&dest_url, offset)
            .map(CowStr::from)
            .unwrap_or(dest_url);
        out.push_back(Event::Start(Tag::Link {
            link_type,
            dest_url: dest,
            title,
            id,
        }));
        // The last event is the link's end; everything between is its text.
        let mut inner = group;
        let end = inner.pop().map(|(e, _)| e);
        self.rewrite_inline(inner, base, in_box, out);
        out.extend(end);
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
        let offset = match self.map.is_empty() {
            true => offset,
            false => shortcodes::unmask(&self.map, offset),
        };
        self.body_position(offset)
    }

    /// 1-based line and column in the file of a byte offset in the body
    /// as written.
    fn body_position(&self, offset: usize) -> (usize, usize) {
        let lines = self
            .lines
            .get_or_init(|| crate::diagnostic::LineIndex::new(self.body));
        let (line, column) = lines.line_col(self.body, offset);
        (line + self.origin.first_line - 1, column)
    }

    /// An error at a byte offset of the body as written.
    fn error_in_body(&mut self, offset: usize, message: &str) {
        let (line, column) = self.body_position(offset);
        self.out.diagnostics.push(
            Diagnostic::error(self.origin.file, line, column, message)
                .with_source(self.origin.file_text),
        );
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

/// A text's events, rewritten as they are taken ([`State::transform`]).
struct Rewrite<'s, 'a, I> {
    state: &'s mut State<'a>,
    parsed: I,
    text: &'a str,
    base: usize,
    in_box: bool,
    /// Rewritten events not taken yet: those of one construct at most.
    pending: VecDeque<Event<'a>>,
}

impl<'a, I: Iterator<Item = Spanned<'a>>> Iterator for Rewrite<'_, 'a, I> {
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(event);
            }
            let spanned = self.parsed.next()?;
            let at = (self.text, self.base, self.in_box);
            self.state
                .rewrite(spanned, &mut self.parsed, at, &mut self.pending);
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixture;
    impl Resolver for Fixture {
        fn base_path(&self) -> &str {
            "/sub/"
        }
        fn raw_html(&self) -> bool {
            true
        }
        fn search_terms(&self) -> bool {
            true
        }
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
        fn asset_url(&self, path: &str) -> Option<&str> {
            match path {
                "players/chart.png" => Some("/players/chart.png"),
                _ => None,
            }
        }
        fn source_text(&self, id: &str) -> Option<(&str, Option<&str>)> {
            match id {
                "ft" => Some((
                    "content/sources/ft.txt",
                    Some("The memo was \"dated November 1\" [sic] - so it says - and it's short."),
                )),
                "brief" => Some(("texts/brief.txt", None)),
                _ => None,
            }
        }
        fn render_template(
            &self,
            name: &str,
            args: &TemplateArgs,
            body: Option<&str>,
        ) -> Option<Result<String, String>> {
            match name {
                "shortcodes/box.html" => Some(Ok(format!(
                    "<div class=\"{}\">{}</div>",
                    args.get("kind").and_then(|k| k.as_str()).unwrap_or("plain"),
                    body.unwrap_or("")
                ))),
                // A Markdown shortcode: a table row of its argument, cited.
                "shortcodes/row.md" => Some(Ok(format!(
                    "| Claim | Source |\n| --- | --- |\n| {} | [@{}] |\n",
                    args.get("claim").and_then(|k| k.as_str()).unwrap_or(""),
                    args.get("by").and_then(|k| k.as_str()).unwrap_or(""),
                ))),
                // A Markdown block: its body quoted, whatever it holds.
                "shortcodes/quoted.md" => Some(Ok(format!(
                    "> {}\n",
                    body.unwrap_or("").trim().replace('\n', "\n> ")
                ))),
                "shortcodes/tag.html" => Some(Ok(format!(
                    "<b>{}</b>",
                    serde_json::Value::Object(args.clone())
                ))),
                _ => crate::render::render_built_in(name, args, body),
            }
        }
    }

    pub(super) fn render_at(path: &str, body: &str) -> Rendered {
        let file = Path::new("content").join(path);
        let origin = Origin {
            file: &file,
            content_path: path,
            first_line: 4,
            file_text: body,
        };
        render(body, &origin, &Fixture)
    }

    /// The same site with `unsafe_html: false`.
    struct Escaping;
    impl Resolver for Escaping {
        fn base_path(&self) -> &str {
            Fixture.base_path()
        }
        fn raw_html(&self) -> bool {
            false
        }
        fn search_terms(&self) -> bool {
            true
        }
        fn page_url(&self, path: &str) -> Option<&str> {
            Fixture.page_url(path)
        }
        fn source(&self, id: &str) -> Option<(&str, &str)> {
            Fixture.source(id)
        }
        fn asset_url(&self, path: &str) -> Option<&str> {
            Fixture.asset_url(path)
        }
        fn source_text(&self, id: &str) -> Option<(&str, Option<&str>)> {
            Fixture.source_text(id)
        }
        fn render_template(
            &self,
            name: &str,
            args: &TemplateArgs,
            body: Option<&str>,
        ) -> Option<Result<String, String>> {
            Fixture.render_template(name, args, body)
        }
    }

    #[test]
    fn raw_html_is_escaped_when_the_site_turns_it_off() {
        let body = "Intro <b onclick=\"x()\">bold</b> [@ft].\n\n<!-- more -->\n\n<script>alert(1)</script>\n\n<div id=\"box\">x</div>\n";
        let origin = Origin {
            file: Path::new("content/a.md"),
            content_path: "a.md",
            first_line: 4,
            file_text: body,
        };
        let r = render(body, &origin, &Escaping);
        assert!(
            r.html.contains("&lt;b onclick=\"x()\"&gt;bold&lt;/b&gt;"),
            "{}",
            r.html
        );
        assert!(
            r.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{}",
            r.html
        );
        assert!(
            !r.html.contains("<script") && !r.html.contains("<div"),
            "{}",
            r.html
        );
        // An escaped element's id is no anchor.
        assert!(!r.ids.contains(&"box".to_string()));
        // Citations and the summary marker are dossier's own, not raw HTML.
        assert!(r.html.contains("class=\"cite\""), "{}", r.html);
        assert!(r.summary.contains("Intro"), "{}", &*r.summary);
        assert!(!r.summary.contains("script"), "{}", &*r.summary);
        let allowed = render_at("a.md", body);
        assert!(allowed.html.contains("<script>alert(1)</script>"));
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
    fn words_are_counted() {
        let r = render_at("a.md", "# Title here\n\nOne two *three* `four`.\n");
        assert_eq!(r.word_count, 6);
    }
}
