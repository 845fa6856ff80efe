//! What a rebuild takes from the previous build: the whole model patched when
//! only page bodies changed, the content files when only known files were
//! edited, and the bytes of every page whose template,
//! context and `get_page`/`get_section` answers are the same.
//!
//! Not for running the stages (the parent module) nor for knowing what a
//! template depends on: that is [`crate::render::context_deps`] and
//! [`crate::render::call_deps`].

use super::{Built, Options, Prepared, Previous, Shared, Timer};
use crate::content;
use crate::output::Source;
use crate::render::{self, TemplateFiles};
use crate::site::Site;
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// The previous build's files, when the changes only edited files it already
/// had (no file added, removed or renamed): the changed ones read again, the
/// others kept, and no walk over `content/`. `None` when a walk is needed,
/// or when a changed file does not parse (the full load reports it).
pub(super) fn same_files(
    root: &Path,
    options: &Options,
    previous: &Previous,
) -> Option<content::Content> {
    let old = &previous.built.site;
    let mut edited = std::collections::HashSet::new();
    for changed in previous.changed {
        let Some(rel) = changed.strip_prefix("content/") else {
            if changed == content::CONTENT_DIR {
                return None;
            }
            continue;
        };
        let known = old.doc(rel).is_some() || old.assets_by_path.contains_key(rel);
        if !known || !root.join(changed).is_file() {
            return None;
        }
        edited.insert(rel);
    }
    let dir = root.join(content::CONTENT_DIR);
    let mut files = Vec::with_capacity(old.docs.len());
    for doc in &old.docs {
        if !edited.contains(doc.file.path.as_str()) {
            files.push(doc.file.clone());
            continue;
        }
        let file = content::load_file(&dir, &doc.file.path).ok()?;
        if !file.front.draft || options.drafts {
            files.push(Arc::new(file));
        }
    }
    Some(content::Content {
        files,
        assets: old.assets.iter().map(|a| a.file.clone()).collect(),
    })
}

/// Rendered files a rebuild can take from the previous build, by doc index,
/// with what their templates asked for.
pub(super) struct Reused {
    pub(super) pages: Vec<Option<(Shared, Vec<String>)>>,
    pub(super) not_found: Option<(Shared, Vec<String>)>,
}

impl Reused {
    pub(super) fn none(docs: usize) -> Self {
        Reused {
            pages: vec![None; docs],
            not_found: None,
        }
    }
}

/// Which pages of `site` would render to the same bytes as in `previous`: the
/// same template sources and `site` value, the same template, and the same
/// docs behind the context and behind each `get_page`/`get_section` answer
/// the page asked for last time, none of whose values changed.
pub(super) fn reusable_pages(
    previous: &Built,
    site: &Site,
    values: &render::Values,
    templates: &TemplateFiles,
) -> Reused {
    let mut reused = Reused::none(site.docs.len());
    if previous.templates.files != templates.files || previous.values.site != values.site {
        return reused;
    }
    let old = &previous.site;
    // Same docs in the same places, none of whose values changed.
    let same_deps = |a: &[Option<usize>], b: &[Option<usize>]| {
        a.len() == b.len()
            && a.iter().zip(b).all(|(x, y)| match (x, y) {
                (None, None) => true,
                (Some(x), Some(y)) => {
                    let (a, b) = (&old.docs[*x].file, &site.docs[*y].file);
                    !values.changed[*y] && (Arc::ptr_eq(a, b) || a.path == b.path)
                }
                _ => false,
            })
    };
    // Most pages ask the same few questions (the nav's section): answer each once.
    let asked: std::collections::HashSet<&str> = previous
        .calls
        .values()
        .flatten()
        .map(String::as_str)
        .collect();
    let answer_same: HashMap<&str, bool> = asked
        .into_iter()
        .map(|path| {
            let same = match (render::call_deps(old, path), render::call_deps(site, path)) {
                (Some(a), Some(b)) => same_deps(&a, &b),
                _ => false,
            };
            (path, same)
        })
        .collect();
    let take = |out_path: &str| -> Option<(Shared, Vec<String>)> {
        let asked = previous.calls.get(out_path)?;
        let answers_same = asked
            .iter()
            .all(|path| answer_same.get(path.as_str()) == Some(&true));
        let Some(Source::Bytes(bytes)) = previous.plan.get(out_path) else {
            return None;
        };
        answers_same.then(|| ((out_path.to_string(), bytes.clone()), asked.clone()))
    };
    reused.pages = (0..site.docs.len())
        .into_par_iter()
        .map(|i| {
            let doc = &site.docs[i];
            let j = *old.by_path.get(&doc.file.path)?;
            let same = old.docs[j].out_path == doc.out_path
                && render::template_for(old, j).0 == render::template_for(site, i).0
                && same_deps(
                    &render::context_deps(old, j),
                    &render::context_deps(site, i),
                );
            if same { take(&doc.out_path) } else { None }
        })
        .collect();
    reused.not_found = take("404.html");
    reused
}

/// When every change is an edit to the text of pages the previous build had,
/// with their front matter unchanged: the previous model patched with the
/// new Markdown ([`Site::with_bodies_edited`]), its values and compiled
/// templates reused. No walk, no new URLs or sections, nothing re-sorted.
/// `None` when anything else changed; a full rebuild then handles it.
pub(super) fn patched(options: &Options, previous: &Previous) -> Option<Prepared> {
    let old = previous.built;
    let dir = options.root.join(content::CONTENT_DIR);
    let mut edits = Vec::new();
    let mut edited = Vec::new();
    for changed in previous.changed {
        let rel = changed.strip_prefix("content/")?;
        let &i = old.site.by_path.get(rel)?;
        let file = content::load_file(&dir, rel).ok()?;
        edits.push((i, file));
        edited.push(i);
    }
    if edits.is_empty() {
        return None;
    }
    let timer = Timer::new();
    let mut site = old.site.with_bodies_edited(edits)?;
    timer.lap("patched model + markdown");
    let values = Arc::new(render::values_patched(&mut site, &old.values, &edited));
    timer.lap("template values");
    let templates = old.templates.clone();
    let old_templates = Some((&old.templates, &old.tera));
    let tera = render::compile_reusing(&templates, &site, &values, old_templates).ok()?;
    timer.lap("templates");
    Some(Prepared {
        site,
        templates,
        tera,
        values,
        diagnostics: old.warnings.clone(),
        timer,
    })
}
