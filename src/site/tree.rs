//! Where docs sit: the URL and output file of a content path, the section a
//! doc belongs to, the order of a section's pages, and checking that every
//! `#anchor` a page links to exists.
//!
//! Not for building the model (the parent module) nor for answering
//! Markdown's questions (`resolve.rs`).

use super::Doc;
use super::resolve::lookup;
use crate::content::{Kind, SortBy, SourceFile};
use crate::diagnostic::Diagnostic;
use crate::engine::{Map, Name};

/// URL path (without base) and output file for a content path.
pub(super) fn route(file: &SourceFile) -> (String, String) {
    let path = file.path.trim_end_matches(".md");
    let mut segments: Vec<&str> = path.split('/').collect();
    let last = segments.pop().unwrap_or_default();
    match (file.kind, last) {
        (Kind::Section, _) => {}
        (Kind::Page, "index") => {
            if let Some(slug) = &file.front.slug {
                segments.pop();
                segments.push(slug);
            }
        }
        (Kind::Page, stem) => segments.push(file.front.slug.as_deref().unwrap_or(stem)),
    }
    let rel = segments.join("/");
    if rel.is_empty() {
        (String::new(), "index.html".into())
    } else {
        (format!("{rel}/"), format!("{rel}/index.html"))
    }
}

/// Where a content file that is not Markdown is published: beside the page
/// of the nearest bundle folder above it (`memo/claims/index.md`), following
/// that page's URL when a `slug` moves it; otherwise at its own path.
pub(super) fn asset_out_path(path: &str, docs: &[Doc], by_path: &Map<Name, usize>) -> String {
    let mut dir = dirname(path);
    while !dir.is_empty() {
        if let Some(&i) = by_path.get(format!("{dir}/index.md").as_str()) {
            let page_dir = docs[i].out_path.trim_end_matches("index.html");
            return format!("{page_dir}{}", &path[dir.len() + 1..]);
        }
        dir = dirname(dir);
    }
    path.to_string()
}

pub(super) fn parent_section(file: &SourceFile, by_path: &Map<Name, usize>) -> Option<usize> {
    let mut dir = dirname(&file.path);
    // A section, or a bundle's index.md, belongs to the section above its own folder.
    if file.kind == Kind::Section || file.path.ends_with("/index.md") {
        dir = dirname(dir);
    }
    loop {
        let candidate = if dir.is_empty() {
            "_index.md".to_string()
        } else {
            format!("{dir}/_index.md")
        };
        if let Some(&i) = by_path.get(candidate.as_str()) {
            return Some(i);
        }
        if dir.is_empty() {
            return None;
        }
        dir = dirname(dir);
    }
}

fn dirname(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// Weight first (unweighted last), then date newest first, then title; or by `sort_by`.
pub(super) fn compare(a: &SourceFile, b: &SourceFile, sort_by: SortBy) -> std::cmp::Ordering {
    let by_weight = || match (a.front.weight, b.front.weight) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    };
    let by_date = || b.front.date.cmp(&a.front.date);
    let by_title = || {
        a.front
            .title
            .to_lowercase()
            .cmp(&b.front.title.to_lowercase())
    };
    let by_path = || a.path.cmp(&b.path);
    match sort_by {
        SortBy::Weight => by_weight().then_with(by_date).then_with(by_title),
        SortBy::Date => by_date().then_with(by_weight).then_with(by_title),
        SortBy::Title => by_title().then_with(by_weight).then_with(by_date),
    }
    .then_with(by_path)
}

pub(super) fn check_anchors(
    docs: &[Doc],
    by_path: &Map<Name, usize>,
    theme_has: &dyn Fn(&str) -> bool,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for doc in docs {
        for r in &doc.rendered.anchor_refs {
            let target = match &r.target {
                None => Some(doc),
                Some(path) => lookup(by_path, path).map(|i| &docs[i]),
            };
            let Some(target) = target else { continue };
            if r.anchor.is_empty() || target.rendered.ids.binary_search(&r.anchor).is_ok() {
                continue;
            }
            if theme_has(&r.anchor) {
                continue;
            }
            diagnostics.push(
                Diagnostic::error(
                    doc.file.root_path(),
                    r.line,
                    r.column,
                    format!(
                        "broken anchor `#{}`: content/{} has no heading with that id",
                        r.anchor, target.file.path
                    ),
                )
                .with_source(&doc.file.text),
            );
        }
    }
}
