//! Links between pages: a relative link to a `.md` file becomes the target's
//! URL, and its `#anchor` (like a same-page `#id` link) is noted for checking
//! once every page is rendered; ids written as raw HTML count as anchors.
//!
//! Not for deciding what a link is (the parent module gathers and rewrites
//! link events) nor for checking anchors, which the site model does.

use super::{AnchorRef, State};
use std::collections::HashSet;

impl State<'_> {
    /// A relative link to a `.md` file becomes the target's URL, and one to
    /// another file (`chart.png`, `data.csv`) the URL that file is published
    /// at; either must exist. `#id` links are checked. A link from the site's
    /// root (`/memo/`) is put under the base path.
    /// A link to `#anchor` of `target` (`None`: this page), kept to be
    /// checked once every page is rendered. Where it is is worked out only
    /// here: a page without one builds no line index.
    fn anchor_ref(&mut self, target: Option<String>, anchor: &str, offset: usize) {
        let (line, column) = self.position(offset);
        self.out.anchor_refs.push(AnchorRef {
            target,
            anchor: anchor.to_string(),
            line,
            column,
        });
    }

    pub(super) fn resolve_link(&mut self, dest: &str, offset: usize) -> Option<String> {
        if has_scheme(dest) || dest.starts_with("//") {
            if is_web_url(dest) {
                let (line, column) = self.position(offset);
                self.out.external.push(super::ExternalLink {
                    url: dest.to_string(),
                    line,
                    column,
                });
            }
            return None;
        }
        if let Some(from_root) = dest.strip_prefix('/') {
            let base_path = self.resolver.base_path();
            return Some(format!("{base_path}{from_root}"));
        }
        let (path, anchor) = match dest.split_once('#') {
            Some((p, a)) => (p, Some(a)),
            None => (dest, None),
        };
        if path.is_empty() {
            if let Some(anchor) = anchor {
                self.anchor_ref(None, anchor, offset);
            }
            return None;
        }
        let (path, query) = match path.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (path, None),
        };
        let is_page = path.ends_with(".md");
        if !is_page && !is_file_name(path.rsplit('/').next().unwrap_or_default()) {
            return None; // a folder-like link (`../memo/`): a URL, not a file
        }
        let target = match join_content_path(self.origin.content_path, path) {
            Some(t) => t,
            None => {
                self.error(offset, &format!("link `{dest}` points outside content/"));
                return None;
            }
        };
        if !is_page {
            let Some(url) = self.resolver.asset_url(&target) else {
                self.error(
                    offset,
                    &format!("broken link `{dest}`: no file content/{target}"),
                );
                return None;
            };
            let query = query.map(|q| format!("?{q}")).unwrap_or_default();
            let anchor = anchor.map(|a| format!("#{a}")).unwrap_or_default();
            return Some(format!("{url}{query}{anchor}"));
        }
        let Some(url) = self.resolver.page_url(&target) else {
            self.error(
                offset,
                &format!("broken link `{dest}`: no page content/{target}"),
            );
            return None;
        };
        let url = url.to_string();
        match anchor {
            Some(anchor) => {
                self.anchor_ref(Some(target), anchor, offset);
                Some(format!("{url}#{anchor}"))
            }
            None => Some(url),
        }
    }
}

/// `https:`, `mailto:`, `data:` …: a URL of its own, not a path in the site.
/// A link to another site that `dossier check --external` can ask for.
pub fn is_web_url(url: &str) -> bool {
    let scheme = url.split_once(':').map_or("", |(s, _)| s);
    scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")
}

pub fn has_scheme(dest: &str) -> bool {
    dest.split_once(':').is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// A name with an extension (`chart.png`), as files have and folders rarely do.
fn is_file_name(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(stem, ext)| !stem.is_empty() && !ext.is_empty() && stem != ".")
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

pub fn percent_decode(s: &str) -> String {
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
pub(super) fn collect_html_ids(html: &str, ids: &mut HashSet<String>) {
    let mut rest = html;
    while let Some(i) = rest.find(" id=\"") {
        rest = &rest[i + 5..];
        if let Some(end) = rest.find('"') {
            ids.insert(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::tests::render_at;

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
    fn links_from_the_root_go_under_the_base_path() {
        let r = render_at(
            "players/alibaba.md",
            "[t](/timeline/#x) ![i](/share.png) [home](/) [p](//cdn.example.org/x.js)",
        );
        assert!(r.html.contains("href=\"/sub/timeline/#x\""), "{}", r.html);
        assert!(r.html.contains("src=\"/sub/share.png\""), "{}", r.html);
        assert!(r.html.contains("href=\"/sub/\""), "{}", r.html);
        assert!(
            r.html.contains("href=\"//cdn.example.org/x.js\""),
            "{}",
            r.html
        );
        assert!(r.diagnostics.is_empty());
    }

    #[test]
    fn relative_file_links_become_their_urls_and_must_exist() {
        let r = render_at(
            "players/alibaba.md",
            "![c](chart.png) [d](chart.png?v=2#x) [up](../) [m](mailto:a@b.c) ![i](data:image/png;base64,AA.A) [g](missing.csv)",
        );
        assert!(r.html.contains("src=\"/players/chart.png\""), "{}", r.html);
        assert!(
            r.html.contains("href=\"/players/chart.png?v=2#x\""),
            "{}",
            r.html
        );
        assert!(r.html.contains("href=\"../\""), "{}", r.html);
        assert_eq!(r.diagnostics.len(), 1, "{:?}", r.diagnostics);
        assert!(
            r.diagnostics[0]
                .message
                .contains("no file content/players/missing.csv")
        );
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
}
