//! Template values: the site model as the `site`, `page` and `section`
//! values templates read, built once per build and shared by every render,
//! reusing the previous build's values for docs whose inputs are the same.
//!
//! Not for rendering nor for Tera functions; `get_page`/`get_section` in
//! [`super::functions`] hand out values made here.

use crate::markdown::TocEntry;
use crate::site::{Doc, Site};
use crate::yaml::{Extra, YamlValue};
use rayon::prelude::*;
use std::sync::Arc;
use tera::{Map, Value};

/// Template values for the whole site, built once and shared by every render.
pub struct Values {
    pub site: Value,
    /// Per doc: its value without neighbours or listings.
    pub base: Vec<Value>,
    /// Per doc: its base value differs from the previous build's (or is new).
    pub changed: Vec<bool>,
}

fn map_value(map: Map) -> Value {
    Value::from(map)
}

fn yaml_value(v: &YamlValue) -> Value {
    match v {
        YamlValue::Null => Value::none(),
        YamlValue::Bool(b) => Value::from(*b),
        YamlValue::Int(i) => Value::from(*i),
        YamlValue::Float(f) => Value::from(*f),
        YamlValue::String(s) => Value::from(s.as_str()),
        YamlValue::List(l) => Value::from(l.iter().map(yaml_value).collect::<Vec<_>>()),
        YamlValue::Map(m) => extra_value(m),
    }
}

fn extra_value(extra: &Extra) -> Value {
    let mut map = Map::with_capacity(extra.len());
    for (k, v) in extra {
        map.insert(k.clone().into(), yaml_value(v));
    }
    map_value(map)
}

fn toc_value(toc: &[TocEntry]) -> Value {
    Value::from(
        toc.iter()
            .map(|t| {
                let mut m = Map::new();
                m.insert("level".into(), Value::from(t.level as u64));
                m.insert("id".into(), Value::from(t.id.as_str()));
                m.insert("title".into(), Value::from(t.title.as_str()));
                m.insert("children".into(), toc_value(&t.children));
                map_value(m)
            })
            .collect::<Vec<_>>(),
    )
}

/// Build the values every template sees.
/// The rendered Markdown moves from the model into the values: nothing after
/// rendering reads it from the model, and on a large site it is the biggest part.
pub fn values(site: &mut Site, previous: Option<(&Site, &Values)>) -> Values {
    let html: Vec<(String, String)> = site
        .docs
        .iter_mut()
        .map(|d| {
            if d.markdown_reused {
                // Its HTML is in the previous build's values.
                return (String::new(), String::new());
            }
            let r = Arc::make_mut(&mut d.rendered);
            (std::mem::take(&mut r.html), std::mem::take(&mut r.summary))
        })
        .collect();
    let site = &*site;
    let c = &site.config;
    let mut s = Map::new();
    s.insert("title".into(), Value::from(c.title.as_str()));
    s.insert("base_url".into(), Value::from(c.base_url.as_str()));
    s.insert("base_path".into(), Value::from(site.base_path.as_str()));
    s.insert("description".into(), Value::from(c.description.clone()));
    s.insert("language".into(), Value::from(c.language.as_str()));
    s.insert("theme".into(), Value::from(c.theme.as_str()));
    s.insert("author".into(), Value::from(c.author.clone()));
    s.insert("extra".into(), extra_value(&c.extra));
    let (base, changed): (Vec<Value>, Vec<bool>) = site
        .docs
        .par_iter()
        .enumerate()
        .zip(html.into_par_iter())
        .map(|((i, d), (html, summary))| {
            let Some((old_site, old_values, j)) = previous
                .filter(|_| d.markdown_reused)
                .and_then(|(s, v)| Some((s, v, *s.by_path.get(&d.file.path)?)))
            else {
                return (base_value(site, d, &html, &summary), true);
            };
            if same_value_inputs(old_site, j, site, i) {
                return (old_values.base[j].clone(), false);
            }
            // Markdown was reused, so its HTML is in the previous value.
            let old = &old_values.base[j];
            let text = |key: &str| {
                old.get_from_path(key)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            (
                base_value(site, d, &text("content"), &text("summary")),
                true,
            )
        })
        .unzip();
    Values {
        site: map_value(s),
        base,
        changed,
    }
}

/// Whether doc `j` of `a` and doc `i` of `b` (whose Markdown is the same)
/// make the same base value: everything [`base_value`] reads.
fn same_value_inputs(a: &Site, j: usize, b: &Site, i: usize) -> bool {
    let (x, y) = (&a.docs[j], &b.docs[i]);
    let same_doc = |p: &Doc, q: &Doc| {
        p.url == q.url
            && p.file.path == q.file.path
            && (Arc::ptr_eq(&p.file, &q.file) || p.file.front == q.file.front)
    };
    let same_list = |p: &[usize], q: &[usize]| {
        p.len() == q.len()
            && p.iter()
                .zip(q)
                .all(|(&m, &n)| same_doc(&a.docs[m], &b.docs[n]))
    };
    let sources = |s: &Site, d: &Doc| -> Vec<Option<usize>> {
        d.rendered
            .citations
            .iter()
            .map(|id| s.sources.get(id).copied())
            .collect()
    };
    same_doc(x, y)
        && x.is_section() == y.is_section()
        && a.config.origin() == b.config.origin()
        && same_list(&x.cited_by, &y.cited_by)
        && {
            let (p, q) = (sources(a, x), sources(b, y));
            p.len() == q.len()
                && p.iter().zip(&q).all(|(m, n)| match (m, n) {
                    (Some(m), Some(n)) => same_doc(&a.docs[*m], &b.docs[*n]),
                    (None, None) => true,
                    _ => false,
                })
        }
}

/// [`values`] for a site patched from `previous`'s with only the docs at
/// `edited` rendered anew (see `Site::with_bodies_edited`): nothing else
/// moved, so every other doc keeps its value.
pub fn values_patched(site: &mut Site, previous: &Values, edited: &[usize]) -> Values {
    let mut base = previous.base.clone();
    let mut changed = vec![false; base.len()];
    for &i in edited {
        let r = Arc::make_mut(&mut site.docs[i].rendered);
        let (html, summary) = (std::mem::take(&mut r.html), std::mem::take(&mut r.summary));
        base[i] = base_value(site, &site.docs[i], &html, &summary);
        changed[i] = true;
    }
    Values {
        site: previous.site.clone(),
        base,
        changed,
    }
}

fn base_value(site: &Site, doc: &Doc, html: &str, summary: &str) -> Value {
    let f = &doc.file.front;
    let r = &doc.rendered;
    let mut m = Map::with_capacity(32);
    m.insert("title".into(), Value::from(f.title.as_str()));
    m.insert("description".into(), Value::from(f.description.clone()));
    m.insert(
        "date".into(),
        Value::from(f.date.as_ref().map(|d| d.iso.clone())),
    );
    m.insert(
        "updated".into(),
        Value::from(f.updated.as_ref().map(|d| d.iso.clone())),
    );
    m.insert(
        "tags".into(),
        Value::from(
            f.tags
                .iter()
                .map(|t| Value::from(t.as_str()))
                .collect::<Vec<_>>(),
        ),
    );
    m.insert("extra".into(), extra_value(&f.extra));
    m.insert("weight".into(), Value::from(f.weight));
    m.insert("draft".into(), Value::from(f.draft));
    m.insert("slug".into(), Value::from(doc.slug()));
    m.insert("content".into(), Value::safe_string(html));
    m.insert("summary".into(), Value::safe_string(summary));
    m.insert("toc".into(), toc_value(&r.toc));
    m.insert("url".into(), Value::from(doc.url.as_str()));
    m.insert(
        "permalink".into(),
        Value::from(format!("{}{}", site.config.origin(), doc.url)),
    );
    m.insert("path".into(), Value::from(doc.file.path.as_str()));
    m.insert("word_count".into(), Value::from(r.word_count));
    m.insert(
        "reading_time".into(),
        Value::from(r.word_count.div_ceil(200).max(1)),
    );
    m.insert("is_section".into(), Value::from(doc.is_section()));
    let citations: Vec<Value> = r
        .citations
        .iter()
        .enumerate()
        .filter_map(|(n, id)| {
            let s = &site.docs[*site.sources.get(id)?];
            let mut c = Map::new();
            c.insert("number".into(), Value::from(n + 1));
            c.insert("id".into(), Value::from(id.as_str()));
            c.insert("title".into(), Value::from(s.file.front.title.as_str()));
            c.insert("url".into(), Value::from(s.url.as_str()));
            c.insert(
                "description".into(),
                Value::from(s.file.front.description.clone()),
            );
            c.insert(
                "date".into(),
                Value::from(s.file.front.date.as_ref().map(|d| d.iso.clone())),
            );
            c.insert("extra".into(), extra_value(&s.file.front.extra));
            Some(map_value(c))
        })
        .collect();
    m.insert("citations".into(), Value::from(citations));
    let cited_by: Vec<Value> = doc
        .cited_by
        .iter()
        .map(|&i| {
            let d = &site.docs[i];
            let mut c = Map::new();
            c.insert("title".into(), Value::from(d.file.front.title.as_str()));
            c.insert("url".into(), Value::from(d.url.as_str()));
            map_value(c)
        })
        .collect();
    m.insert("cited_by".into(), Value::from(cited_by));
    map_value(m)
}

/// A doc's value with what depends on other docs: neighbours, pages, subsections.
pub(super) fn full_value(site: &Site, values: &Values, i: usize) -> Value {
    let doc = &site.docs[i];
    let mut m = values.base[i].as_map().cloned().unwrap_or_default();
    let link = |j: Option<usize>| {
        j.map(|j| values.base[j].clone())
            .unwrap_or_else(Value::none)
    };
    m.insert("previous".into(), link(doc.previous));
    m.insert("next".into(), link(doc.next));
    m.insert("parent".into(), link(doc.parent));
    if doc.is_section() {
        let listing = listing_value(site, values, i, 2);
        if let Some(l) = listing.as_map() {
            for key in ["pages", "subsections"] {
                if let Some(v) = l.get(&tera::value::Key::from(key)) {
                    m.insert(key.into(), v.clone());
                }
            }
        }
    }
    map_value(m)
}

/// A section's value with its pages and, `depth` levels down, its subsections.
fn listing_value(site: &Site, values: &Values, i: usize, depth: usize) -> Value {
    let doc = &site.docs[i];
    let mut m = values.base[i].as_map().cloned().unwrap_or_default();
    m.insert(
        "pages".into(),
        Value::from(
            doc.pages
                .iter()
                .map(|&p| values.base[p].clone())
                .collect::<Vec<_>>(),
        ),
    );
    let subsections: Vec<Value> = if depth == 0 {
        Vec::new()
    } else {
        doc.subsections
            .iter()
            .map(|&s| listing_value(site, values, s, depth - 1))
            .collect()
    };
    m.insert("subsections".into(), Value::from(subsections));
    map_value(m)
}

/// What `get_section` returns: the section with its pages, and its
/// subsections without theirs (ask `get_section` for each). Kept shallow so a
/// page that shows the site's sections is not rebuilt for every page edit.
pub(super) fn section_summary(site: &Site, values: &Values, i: usize) -> Value {
    let doc = &site.docs[i];
    let mut m = values.base[i].as_map().cloned().unwrap_or_default();
    let list = |ids: &[usize]| {
        Value::from(
            ids.iter()
                .map(|&p| values.base[p].clone())
                .collect::<Vec<_>>(),
        )
    };
    m.insert("pages".into(), list(&doc.pages));
    m.insert("subsections".into(), list(&doc.subsections));
    map_value(m)
}
