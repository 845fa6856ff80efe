//! Citations: `[@id]` and `[@a; @b]` become numbered links to the page's
//! reference list, numbered in order of first use, and an "accounts differ"
//! box (a `disputed` fenced block) shows each account with its source.
//!
//! Not for finding sources: they come through the [`super::Resolver`]; the
//! reference list itself is the theme's.

use super::State;
use super::text::escape;
use pulldown_cmark::{Event, Tag, TagEnd};
use std::fmt::Write;

impl<'a> State<'a> {
    /// `[@a; @b]` → numbered links to the page's reference list.
    pub(super) fn citation(&mut self, refs: &str, offset: usize, in_box: bool) -> String {
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
    pub(super) fn disputed_box(
        &mut self,
        question: &str,
        inner: &'a str,
        inner_base: usize,
        fence: usize,
    ) -> String {
        let events: Vec<Event> = self.transform(inner, inner_base, true).collect();
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
}

#[cfg(test)]
mod tests {
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
}
