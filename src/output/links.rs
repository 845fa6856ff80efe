//! `dossier check`'s look at the finished output: every link and asset a
//! rendered page points to (`href`, `src`, `srcset`, a redirect's target)
//! and every `url()` in the stylesheets is a file the site writes, every
//! `#anchor` an id on the page it names, and no root link leaves the base
//! path. Markdown's own links are checked while it renders; this catches
//! what templates and raw HTML write.
//!
//! Not for links to other sites (their own check) nor for writing anything.

use crate::diagnostic::Diagnostic;
use lol_html::{HtmlRewriter, Settings, element};
use std::collections::{BTreeMap, BTreeSet};

/// What one HTML file holds: its ids and the URLs it points to.
#[derive(Debug, Default)]
pub struct Scanned {
    pub ids: BTreeSet<String>,
    pub urls: Vec<String>,
}

/// Where HTML holds one URL: elements and their attribute. (A `srcset`
/// holds several: [`srcset_urls`]; a redirect's is in its `content`:
/// [`refresh_url`].) Read by this check and by portable output.
pub const URL_ATTRIBUTES: [(&str, &str); 11] = [
    ("a[href]", "href"),
    ("link[href]", "href"),
    ("area[href]", "href"),
    ("img[src]", "src"),
    ("source[src]", "src"),
    ("script[src]", "src"),
    ("iframe[src]", "src"),
    ("video[src]", "src"),
    ("video[poster]", "poster"),
    ("audio[src]", "src"),
    ("form[action]", "action"),
];

/// Elements with a `srcset`.
pub const SRCSET: &str = "img[srcset], source[srcset]";

/// A `<meta>` that may be a redirect.
pub const META: &str = "meta[http-equiv][content]";

/// The URLs of a `srcset` (`a.png 1x, b.png 2x`), each with the rest of its
/// candidate (the descriptor, with its leading space).
pub fn srcset_urls(set: &str) -> impl Iterator<Item = (&str, &str)> {
    set.split(',').filter_map(|candidate| {
        let candidate = candidate.trim();
        let end = candidate
            .find(char::is_whitespace)
            .unwrap_or(candidate.len());
        (end > 0).then(|| candidate.split_at(end))
    })
}

/// A redirect's delay and URL: `content="0; url=/memo/"` of a
/// `<meta http-equiv="refresh">` (its two attributes as given).
pub fn refresh_url<'a>(http_equiv: &str, content: &'a str) -> Option<(&'a str, &'a str)> {
    if !http_equiv.eq_ignore_ascii_case("refresh") {
        return None;
    }
    let (delay, url) = content.split_once("url=")?;
    Some((delay, url.trim()))
}

/// An attribute's value as a browser reads it: lol_html gives it as
/// written, so `&amp;`, `&#x2F;` and the like (Tera's escaping) are decoded.
fn attribute(el: &lol_html::html_content::Element, name: &str) -> Option<String> {
    let raw = el.get_attribute(name)?;
    Some(match html_escape::decode_html_entities(&raw) {
        std::borrow::Cow::Borrowed(_) => raw,
        std::borrow::Cow::Owned(decoded) => decoded,
    })
}

/// The ids and URLs of an HTML file.
pub fn scan(html: &[u8]) -> Scanned {
    let found = std::cell::RefCell::new(Scanned::default());
    let mut handlers = vec![element!("[id]", |el| {
        if let Some(id) = attribute(el, "id") {
            found.borrow_mut().ids.insert(id);
        }
        Ok(())
    })];
    for (selector, name) in URL_ATTRIBUTES {
        let found = &found;
        handlers.push(element!(selector, move |el| {
            // The canonical link is the page's own address on the web.
            if attribute(el, "rel").is_some_and(|r| r == "canonical") {
                return Ok(());
            }
            if let Some(url) = attribute(el, name) {
                found.borrow_mut().urls.push(url);
            }
            Ok(())
        }));
    }
    handlers.push(element!(SRCSET, |el| {
        let set = attribute(el, "srcset").unwrap_or_default();
        let mut found = found.borrow_mut();
        found
            .urls
            .extend(srcset_urls(&set).map(|(url, _)| url.to_string()));
        Ok(())
    }));
    handlers.push(element!(META, |el| {
        let (equiv, content) = (attribute(el, "http-equiv"), attribute(el, "content"));
        if let Some((_, url)) =
            refresh_url(&equiv.unwrap_or_default(), &content.unwrap_or_default())
        {
            found.borrow_mut().urls.push(url.to_string());
        }
        Ok(())
    }));
    let mut rewriter = HtmlRewriter::new(
        Settings {
            element_content_handlers: handlers,
            ..Settings::new()
        },
        |_: &[u8]| {},
    );
    // A page the rewriter cannot read has nothing more to check.
    if rewriter.write(html).is_ok() {
        let _ = rewriter.end();
    } else {
        drop(rewriter);
    }
    found.into_inner()
}

/// The `url(…)` references of a stylesheet.
pub fn css_urls(css: &str) -> Vec<String> {
    let mut urls = Vec::new();
    let mut rest = css;
    while let Some(at) = rest.find("url(") {
        rest = &rest[at + 4..];
        let Some(end) = rest.find(')') else { break };
        let url = rest[..end].trim().trim_matches(['"', '\'']);
        if !url.is_empty() {
            urls.push(url.to_string());
        }
        rest = &rest[end..];
    }
    urls
}

/// Where a URL written in the file at `from` (an output path) leads: the
/// output path it names and its fragment; `Err` with why it leads nowhere
/// the site can say; `Ok(None)` for a URL outside the site (another site,
/// `mailto:`, `data:`).
fn target(url: &str, from: &str, base_path: &str) -> Result<Option<(String, String)>, String> {
    if url.is_empty() || url.starts_with("//") || crate::markdown::has_scheme(url) {
        return Ok(None);
    }
    let (rest, fragment) = url.split_once('#').unwrap_or((url, ""));
    let path = rest.split('?').next().unwrap_or_default();
    let joined = if path.is_empty() {
        from.to_string()
    } else if let Some(from_root) = path.strip_prefix('/') {
        let base = base_path.trim_start_matches('/');
        match from_root.strip_prefix(base) {
            Some(inside) => inside.to_string(),
            None if format!("{from_root}/") == base => String::new(),
            None => return Err(format!("leaves the base path {base_path}")),
        }
    } else {
        // Joined as Markdown joins its links (decoded, `..` resolved).
        let Some(mut joined) = crate::markdown::join_content_path(from, path) else {
            return Err("climbs out of the site".into());
        };
        if path.ends_with('/') && !joined.is_empty() {
            joined.push('/');
        }
        return Ok(Some((joined, fragment.to_string())));
    };
    let decoded = crate::markdown::percent_decode(&joined);
    Ok(Some((decoded, fragment.to_string())))
}

/// Check every page's URLs and every stylesheet's `url()`s against the
/// files the site writes (`files`). `pages`: each HTML file's scan, by
/// output path; `page`: how to name the page at an output path in a
/// message; `shown`: the file to name for an output path (its content
/// file, or the output path itself).
pub fn verify(
    files: &BTreeSet<String>,
    pages: &BTreeMap<String, Scanned>,
    stylesheets: &[(String, String)],
    base_path: &str,
    shown: &(dyn Fn(&str) -> String + Sync),
    page: &(dyn Fn(&str) -> String + Sync),
) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    let resolve = |path: &str| -> Option<String> {
        let candidates = if path.is_empty() || path.ends_with('/') {
            vec![format!("{path}index.html")]
        } else {
            vec![path.to_string(), format!("{path}/index.html")]
        };
        candidates.into_iter().find(|c| files.contains(c))
    };
    // Pages are checked in parallel; a URL from the root (most of a page's
    // navigation) means the same on every page, so it is looked at once.
    let from_root: std::sync::Mutex<std::collections::HashMap<String, Option<String>>> =
        Default::default();
    let check_url = |from: &str, url: &str| -> Option<String> {
        if url.starts_with('/')
            && !url.starts_with("//")
            && let Some(known) = from_root.lock().unwrap().get(url)
        {
            return known.clone();
        }
        let problem = match target(url, from, base_path) {
            Ok(None) => None,
            Err(why) => Some(format!("links to `{url}`, which {why}")),
            Ok(Some((path, fragment))) => match resolve(&path) {
                None => Some(format!("links to `{url}`, but the site has no such file")),
                Some(file) => match pages.get(&file).map(|p| &p.ids) {
                    Some(ids) if !fragment.is_empty() && !ids.contains(&fragment) => Some(format!(
                        "links to `{url}`, but {file} has no id `{fragment}`"
                    )),
                    _ => None,
                },
            },
        };
        if url.starts_with('/') && !url.starts_with("//") {
            from_root
                .lock()
                .unwrap()
                .insert(url.to_string(), problem.clone());
        }
        problem
    };
    use rayon::prelude::*;
    let per_page: Vec<Vec<Diagnostic>> = pages
        .par_iter()
        .map(|(from, scanned)| {
            let mut seen = BTreeSet::new();
            scanned
                .urls
                .iter()
                .filter(|u| seen.insert(u.as_str()))
                .filter_map(|url| check_url(from, url))
                .map(|problem| {
                    Diagnostic::error(shown(from), 0, 0, format!("{} {problem}", page(from)))
                })
                .collect()
        })
        .collect();
    found.extend(per_page.into_iter().flatten());
    for (sheet, css) in stylesheets {
        for url in css_urls(css) {
            let problem = match target(&url, sheet, base_path) {
                Ok(None) => continue,
                Err(why) => format!("`url({url})` {why}"),
                Ok(Some((path, _))) if resolve(&path).is_none() => {
                    format!("`url({url})` names no file the site writes")
                }
                Ok(Some(_)) => continue,
            };
            found.push(Diagnostic::error(shown(sheet), 0, 0, problem));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_yields_its_ids_and_every_url() {
        let s = scan(
            br#"<link rel="canonical" href="https://e.org/"><link rel="stylesheet" href="/s.css">
<h2 id="who">Who</h2><a href="/sub/memo/#who">m</a><img src="a.png" srcset="a.png 1x, b.png 2x">
<meta http-equiv="refresh" content="0; url=/sub/new/"><a href="https:&#x2F;&#x2F;e.org&#x2F;?a=1&amp;b=2">"#,
        );
        assert_eq!(s.ids, BTreeSet::from(["who".to_string()]));
        assert_eq!(
            s.urls,
            [
                "/s.css",
                "/sub/memo/#who",
                "a.png",
                "a.png",
                "b.png",
                "/sub/new/",
                "https://e.org/?a=1&b=2"
            ]
        );
    }

    #[test]
    fn urls_resolve_as_a_browser_would() {
        let t = |url, from| target(url, from, "/sub/");
        assert_eq!(
            t("/sub/memo/#who", "index.html"),
            Ok(Some(("memo/".into(), "who".into())))
        );
        assert_eq!(
            t("../a%20b.png", "memo/index.html"),
            Ok(Some(("a b.png".into(), String::new())))
        );
        assert_eq!(
            t("#top", "memo/index.html"),
            Ok(Some(("memo/index.html".into(), "top".into())))
        );
        assert_eq!(
            t("/sub", "x.html"),
            Ok(Some((String::new(), String::new())))
        );
        assert_eq!(t("https://e.org/", "x.html"), Ok(None));
        assert_eq!(t("mailto:a@b.c", "x.html"), Ok(None));
        assert!(t("/elsewhere/", "x.html").is_err());
        assert!(t("../../x", "memo/index.html").is_err());
    }

    #[test]
    fn stylesheet_urls_are_found() {
        assert_eq!(
            css_urls(
                "a{background:url(\"img/x.png\")} @font-face{src:url('f.woff2')} b{c:url(data:x)}"
            ),
            ["img/x.png", "f.woff2", "data:x"]
        );
    }
}
