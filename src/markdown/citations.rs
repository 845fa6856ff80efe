//! Citations: `[@id]` and `[@a; @b]` become numbered links to the page's
//! reference list, numbered in order of first use, and an "accounts differ"
//! box (a `disputed` fenced block) shows each account with its source.
//!
//! Not for finding sources: they come through the [`super::Resolver`]; the
//! reference list itself is the theme's.

use super::{State, TemplateArgs};
use pulldown_cmark::{Event, Tag, TagEnd};
use serde::Serialize;
use serde_json::{Value, json};

impl<'a> State<'a> {
    /// `[@a; @b, "a passage"]` → numbered links to the page's reference
    /// list; each passage is checked against its source's text where the
    /// build has it.
    pub(super) fn citation(&mut self, refs: &str, offset: usize, in_box: bool) -> String {
        let items = match parse(refs) {
            Ok(items) => items,
            Err(why) => {
                self.error(offset, &why);
                return String::new();
            }
        };
        if items.is_empty() {
            self.error(offset, "empty citation: name a source, e.g. `[@source-id]`");
            return String::new();
        }
        // Each mark's source title and URL; the rest is its entry in
        // `cited`, pushed with it.
        let first = self.out.cited.len();
        let mut marks: Vec<(&'a str, &'a str)> = Vec::new();
        let resolver = self.resolver;
        for item in items {
            let id = item.source.as_str();
            let Some((title, url)) = resolver.source(id) else {
                self.error(
                    offset,
                    &format!("unknown source `@{id}`: no page with that id in content/sources/"),
                );
                continue;
            };
            if let Some(passage) = &item.passage {
                self.check_passage(id, passage, offset);
            }
            let number = match self.out.citations.iter().position(|c| c == id) {
                Some(i) => i + 1,
                None => {
                    self.out.citations.push(id.to_string());
                    self.out.citations.len()
                }
            };
            marks.push((title, url));
            self.out.cited.push(Cited { number, ..item });
        }
        if marks.is_empty() {
            return String::new();
        }
        let cited = &self.out.cited[first..];
        // The same marks in the same place make the same arguments: the
        // build renders them once, and makes them only then.
        let args = || {
            let items = (marks.iter().zip(cited).enumerate())
                .map(|(k, (&(title, url), c))| {
                    // The key of its popover, for a theme that renders the
                    // page's (`page.cited`).
                    json!({
                        "number": c.number,
                        "key": first + k + 1,
                        "source": c.source,
                        "title": title,
                        "url": url,
                        "passage": c.passage,
                        "locator": c.locator,
                    })
                })
                .collect();
            let mut args = TemplateArgs::new();
            args.insert("items".into(), Value::Array(items));
            args.insert("side".into(), Value::Bool(in_box));
            args
        };
        let key = crate::engine::fingerprint(&(first, &marks, cited, in_box));
        let template = component_template("citation");
        let answer = resolver.render_keyed(&template, key, &args, None);
        // Inline: without the template file's last line break.
        let mut html = self.component_answer(&template, answer, offset);
        html.truncate(html.trim_end().len());
        html
    }

    /// The theme's `components/NAME.html` (or the built-in one) rendered
    /// with `args`; what goes wrong is an error at `offset`.
    fn component(
        &mut self,
        name: &str,
        args: &TemplateArgs,
        body: Option<&str>,
        offset: usize,
    ) -> String {
        let template = component_template(name);
        let answer = self.resolver.render_template(&template, args, body);
        self.component_answer(&template, answer, offset)
    }

    /// What rendering component `template` gave: its HTML, or nothing and
    /// an error at `offset`.
    fn component_answer(
        &mut self,
        template: &str,
        answer: Option<Result<String, String>>,
        offset: usize,
    ) -> String {
        match answer {
            Some(Ok(html)) => html,
            Some(Err(why)) => {
                self.error(offset, &format!("{template}: {why}"));
                String::new()
            }
            None => {
                self.error(
                    offset,
                    &format!("no template {template}: the theme lost its built-in one"),
                );
                String::new()
            }
        }
    }

    /// A passage cited from source `id` must occur in its text, where the
    /// build has the text (a source that names one it cannot find is warned
    /// about once, on its own page).
    fn check_passage(&mut self, id: &str, passage: &str, offset: usize) {
        let Some((path, Some(text))) = self.resolver.source_text(id) else {
            return;
        };
        let wanted = normalise(passage);
        if wanted.is_empty() || !text.contains(&wanted) {
            let why = format!(
                "cited passage not found in the text of `@{id}` ({path}): \"{passage}\"; quote the source word for word (spaces, quote marks and dashes may differ)"
            );
            self.error(offset, &why);
        }
    }

    /// Claims marked with how solid they are (```` ```status confirmed ````):
    /// their Markdown in a block the theme labels and styles by its status.
    pub(super) fn status_block(
        &mut self,
        status: &str,
        inner: Option<(&'a str, usize)>,
        fence: usize,
    ) -> String {
        if !super::STATUSES.contains(&status) {
            let why = format!(
                "unknown status `{status}`: use one of {}, e.g. ```` ```status confirmed ````",
                super::STATUSES.join(", ")
            );
            self.error(fence, &why);
            return String::new();
        }
        let Some((inner, at)) = inner else {
            self.error(
                fence,
                "a `status` block is empty: put the claims it marks inside it",
            );
            return String::new();
        };
        let events: Vec<Event> = self.transform(inner, at, false).collect();
        let mut html = format!("<div class=\"claim-status status-{status}\">\n");
        pulldown_cmark::html::push_html(&mut html, events.into_iter());
        html.push_str("</div>\n");
        html
    }

    /// An "accounts differ" box: the question, then each account with its source.
    pub(super) fn disputed_box(
        &mut self,
        question: &str,
        inner: &'a str,
        inner_base: usize,
        fence: usize,
    ) -> String {
        // An account cites its source when the page's citations grew
        // between its start and end (its events are rewritten as taken).
        let mut events = Vec::new();
        let mut rewrite = self.transform(inner, inner_base, true);
        let (mut sides, mut depth, mut missing, mut cited_before) = (0, 0, 0, 0);
        while let Some(e) = rewrite.next() {
            let cited = rewrite.state.out.cited.len();
            match &e {
                Event::Start(Tag::List(_)) => depth += 1,
                Event::End(TagEnd::List(_)) => depth -= 1,
                Event::Start(Tag::Item) if depth == 1 => {
                    sides += 1;
                    cited_before = cited;
                }
                Event::End(TagEnd::Item) if depth == 1 && cited == cited_before => missing += 1,
                _ => {}
            }
            events.push(e);
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
        let mut args = TemplateArgs::new();
        args.insert("question".into(), Value::from(question));
        self.component("disputed", &args, Some(&body), fence)
    }
}

/// Component `name`'s template.
fn component_template(name: &str) -> String {
    format!("components/{name}.html")
}

/// One source a citation names, with what follows its comma: a passage in
/// quotation marks (checked against the source's text) or a locator such as
/// `p. 3`, as Pandoc writes them: `[@a; @b, "a passage"; @c, p. 3]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub struct Cited {
    pub source: String,
    /// Its number on the page (its place in the reference list); 0 until numbered.
    pub number: usize,
    pub passage: Option<String>,
    pub locator: Option<String>,
}

/// The items of a citation's text (after `[` and before `]`), or what is
/// wrong with it. `;` separates items, a comma starts an item's passage or
/// locator, and a backslash takes the next character as it is (`\"`,
/// `\]`, `\;`).
pub fn parse(refs: &str) -> Result<Vec<Cited>, String> {
    let mut items = Vec::new();
    let mut chars = refs.chars().peekable();
    let skip_space = |chars: &mut std::iter::Peekable<std::str::Chars>| {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
    };
    loop {
        skip_space(&mut chars);
        match chars.next() {
            Some('@') => {}
            None => break, // nothing, or after a last `;`
            _ => {
                return Err(
                    "a citation names each source with `@`: `[@source-id]`, `[@a; @b]` or `[@a, \"a passage\"]`".into(),
                );
            }
        }
        let mut source = String::new();
        while let Some(c) = chars.next_if(|c| !matches!(c, ',' | ';') && !c.is_whitespace()) {
            source.push(c);
        }
        skip_space(&mut chars);
        let (mut passage, mut locator) = (None, None);
        if chars.next_if_eq(&',').is_some() {
            skip_space(&mut chars);
            if let Some(open) = chars.next_if(|&c| c == '"' || c == '\u{201c}') {
                let close = if open == '"' { '"' } else { '\u{201d}' };
                let mut text = String::new();
                loop {
                    match chars.next() {
                        Some('\\') => text.extend(chars.next()),
                        Some(c) if c == close => break,
                        Some(c) => text.push(c),
                        None => {
                            return Err(format!(
                                "a cited passage has no closing `{close}`: write `[@source-id, \"the passage\"]`"
                            ));
                        }
                    }
                }
                if text.trim().is_empty() {
                    return Err("an empty cited passage: quote the words the source says, or leave the comma out".into());
                }
                passage = Some(text);
                skip_space(&mut chars);
            } else {
                let mut text = String::new();
                while let Some(c) = chars.next_if(|&c| c != ';') {
                    match c {
                        '\\' => text.extend(chars.next()),
                        c => text.push(c),
                    }
                }
                let text = text.trim();
                if text.is_empty() {
                    return Err("nothing after a citation's comma: add a passage in quotation marks or a locator such as `p. 3`".into());
                }
                locator = Some(text.to_string());
            }
        }
        if source.is_empty() {
            items.push(Cited::default());
        } else {
            items.push(Cited {
                source,
                number: 0,
                passage,
                locator,
            });
        }
        match chars.next() {
            None => break,
            Some(';') => continue,
            Some(c) => {
                return Err(format!(
                    "unexpected `{c}` in a citation: separate sources with `;` and put a passage in quotation marks"
                ));
            }
        }
    }
    // `[@]` and `[@; @]` name nothing.
    items.retain(|c| !c.source.is_empty());
    Ok(items)
}

/// Text as passages are compared: runs of whitespace as one space, curly
/// quotes as straight ones, every dash as `-`, `…` as `...`.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        match c {
            '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}' | '\u{2032}' => out.push('\''),
            '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{201f}' | '\u{2033}' => out.push('"'),
            '\u{2010}'..='\u{2015}' | '\u{2212}' => out.push('-'),
            '\u{2026}' => out.push_str("..."),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::parse;
    use crate::markdown::tests::render_at;

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
    fn citations_carry_passages_and_locators_pandoc_style() {
        let items = parse(r#"@a; @b, "one; two, three"; @c, p. 3 ; @d, “curly”"#).unwrap();
        let got: Vec<_> = items
            .iter()
            .map(|c| (&*c.source, c.passage.as_deref(), c.locator.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("a", None, None),
                ("b", Some("one; two, three"), None),
                ("c", None, Some("p. 3")),
                ("d", Some("curly"), None),
            ]
        );
        // A backslash keeps the next character: quotes, brackets, semicolons.
        let items = parse(r#"@a, "say \"hi\" \] ok"; @b, chap. 1\; verse 2"#).unwrap();
        assert_eq!(items[0].passage.as_deref(), Some(r#"say "hi" ] ok"#));
        assert_eq!(items[1].locator.as_deref(), Some("chap. 1; verse 2"));
        assert_eq!(parse("@a;").unwrap().len(), 1);
        for (bad, why) in [
            (r#"@a, "never closed"#, "no closing"),
            (r#"@a, "x" and more"#, "unexpected `a`"),
            ("see @a", "names each source with `@`"),
            ("@a,", "nothing after a citation's comma"),
            (r#"@a, "  ""#, "empty cited passage"),
        ] {
            let err = parse(bad).expect_err(bad);
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn cited_passages_must_be_in_the_source_text() {
        // Spaces, curly quotes and dashes may differ; brackets are escaped
        // (Markdown allows none unescaped in a citation).
        let body = "A [@ft, \"dated   November 1\"].\n\nB [@ft, “it’s short”] and \
                    [@ft, \"so it says — and\"] and [@ft, \"1\\\" \\[sic\\]\"].\n";
        let r = render_at("a.md", body);
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert_eq!(r.cited.len(), 4);
        assert_eq!(r.cited[3].passage.as_deref(), Some("1\" [sic]"));
        assert!(r.cited.iter().all(|c| c.source == "ft" && c.number == 1));
        // Not in the text: an error at the citation, naming passage and source.
        let r = render_at("a.md", "Line one.\n\nSaid [@ft, \"dated November 2\"].\n");
        assert_eq!(r.diagnostics.len(), 1, "{:?}", r.diagnostics);
        let d = &r.diagnostics[0];
        assert_eq!((d.line, d.column), (6, 6));
        assert!(
            d.message.contains("cited passage not found in the text of `@ft` (content/sources/ft.txt): \"dated November 2\""),
            "{}",
            d.message
        );
        // A source whose text the build does not have: not checked here.
        let r = render_at("a.md", "Said [@brief, \"anything at all\"].\n");
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert_eq!(r.cited[0].passage.as_deref(), Some("anything at all"));
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
    fn status_blocks_mark_their_claims() {
        let r = render_at(
            "a.md",
            "```status confirmed\n- The memo exists [@ft; @brief].\n```\n",
        );
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert!(
            r.html.starts_with("<div class=\"claim-status status-confirmed\">\n<ul>\n<li>The memo exists <sup class=\"cite\">"),
            "{}",
            r.html
        );
        assert_eq!(r.citations, ["ft", "brief"]);
        let r = render_at(
            "a.md",
            "Intro.\n\n```status sure\n- x\n```\n\n```status unverified\n```\n",
        );
        let messages: Vec<_> = r
            .diagnostics
            .iter()
            .map(|d| (d.line, d.message.as_str()))
            .collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert_eq!(messages[0].0, 6);
        assert!(messages[0].1.starts_with(
            "unknown status `sure`: use one of confirmed, one-source, disputed, unverified"
        ));
        assert!(messages[1].1.contains("a `status` block is empty"));
    }

    #[test]
    fn disputed_side_without_source_is_an_error() {
        let r = render_at(
            "a.md",
            "```disputed Q\n- The Pentagon [@ft]\n- The White House\n```\n",
        );
        assert_eq!(r.diagnostics.len(), 1, "{:?}", r.diagnostics);
    }
}
