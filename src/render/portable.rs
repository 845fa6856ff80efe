//! Portable output (`--portable`, `portable: true`): every link and asset a
//! page points to inside the site becomes a path relative to the page that
//! ends in a file (`../memo/index.html`), so the output works opened from
//! disk, a USB stick or a zip, with no server. Applied to each rendered HTML
//! file as the last part of its render step.
//!
//! Not for absolute URLs (`https://…`: canonical links, share cards, feeds
//! keep them) nor for files that are not HTML.

use crate::output::links::{META, SRCSET, URL_ATTRIBUTES, refresh_url, srcset_urls};
use lol_html::{RewriteStrSettings, element, rewrite_str};

/// `html`, written at `out_path` (relative to the output folder), with every
/// URL under `base_path` made relative to it.
pub fn relativize(html: &str, out_path: &str, base_path: &str) -> Result<String, String> {
    let to = |url: &str| relative_url(url, out_path, base_path);
    let mut handlers = Vec::new();
    for (selector, attribute) in URL_ATTRIBUTES {
        handlers.push(element!(selector, move |el| {
            if let Some(url) = el.get_attribute(attribute).and_then(|u| to(&u)) {
                el.set_attribute(attribute, &url)?;
            }
            Ok(())
        }));
    }
    handlers.push(element!(SRCSET, move |el| {
        if let Some(set) = el.get_attribute("srcset") {
            el.set_attribute("srcset", &srcset(&set, &to))?;
        }
        Ok(())
    }));
    // A redirect page's `<meta http-equiv="refresh" content="0; url=…">`.
    handlers.push(element!(META, move |el| {
        let (equiv, content) = (el.get_attribute("http-equiv"), el.get_attribute("content"));
        let content = content.unwrap_or_default();
        if let Some((delay, url)) = refresh_url(&equiv.unwrap_or_default(), &content)
            && let Some(url) = to(url)
        {
            el.set_attribute("content", &format!("{delay}url={url}"))?;
        }
        Ok(())
    }));
    rewrite_str(
        html,
        RewriteStrSettings {
            element_content_handlers: handlers,
            ..RewriteStrSettings::new()
        },
    )
    .map_err(|e| e.to_string())
}

/// A `srcset` with each candidate's URL made relative.
fn srcset(set: &str, to: &dyn Fn(&str) -> Option<String>) -> String {
    srcset_urls(set)
        .map(|(url, rest)| format!("{}{rest}", to(url).unwrap_or_else(|| url.to_string())))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `url` as seen from the file at `out_path`, when it is a path under
/// `base_path`: relative, and naming a file (`index.html` for a folder).
/// `None` leaves it as it is.
pub fn relative_url(url: &str, out_path: &str, base_path: &str) -> Option<String> {
    if url.starts_with("//") {
        return None;
    }
    let rest = url.strip_prefix(base_path).or_else(|| {
        // The base path written without its last slash (`/sub`).
        (url == base_path.trim_end_matches('/')).then_some("")
    })?;
    let cut = rest.find(['?', '#']).unwrap_or(rest.len());
    let (path, tail) = rest.split_at(cut);
    let file = if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_string()
    };
    let depth = out_path.matches('/').count();
    Some(format!("{}{file}{tail}", "../".repeat(depth)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_under_the_base_path_become_relative_files() {
        let at = |url, out| relative_url(url, out, "/sub/");
        assert_eq!(
            at("/sub/memo/", "index.html").as_deref(),
            Some("memo/index.html")
        );
        assert_eq!(
            at("/sub/", "memo/index.html").as_deref(),
            Some("../index.html")
        );
        assert_eq!(
            at("/sub", "a/b/index.html").as_deref(),
            Some("../../index.html")
        );
        assert_eq!(
            at("/sub/memo/#who", "players/apple/index.html").as_deref(),
            Some("../../memo/index.html#who")
        );
        assert_eq!(
            at("/sub/style.css?v=2", "404.html").as_deref(),
            Some("style.css?v=2")
        );
        assert_eq!(at("#who", "memo/index.html"), None);
        assert_eq!(at("https://example.org/sub/memo/", "index.html"), None);
        assert_eq!(at("//cdn.example.org/sub/x", "index.html"), None);
        assert_eq!(at("/elsewhere/", "index.html"), None);
    }

    #[test]
    fn every_kind_of_link_in_a_page_is_rewritten() {
        let html = r##"<link rel="stylesheet" href="/sub/style.css"><link rel="canonical" href="https://e.org/sub/memo/">
<meta http-equiv="refresh" content="0; url=/sub/memo/"><a href="/sub/">home</a> <a href="#x">x</a>
<img src="/sub/memo/chart.png" srcset="/sub/memo/chart.png 1x, /sub/memo/chart@2x.png 2x">"##;
        let out = relativize(html, "old/index.html", "/sub/").unwrap();
        assert!(out.contains(r#"href="../style.css""#), "{out}");
        assert!(out.contains(r#"href="https://e.org/sub/memo/""#), "{out}");
        assert!(
            out.contains(r#"content="0; url=../memo/index.html""#),
            "{out}"
        );
        assert!(
            out.contains(r##"<a href="../index.html">home</a> <a href="#x">"##),
            "{out}"
        );
        assert!(
            out.contains(r#"srcset="../memo/chart.png 1x, ../memo/chart@2x.png 2x""#),
            "{out}"
        );
    }
}
