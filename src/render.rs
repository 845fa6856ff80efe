//! Rendering: the site model through Tera templates into HTML, in parallel.
//! Loads the theme's templates with the site's `templates/` overriding them
//! file by file, turns the model into template values, and renders every page
//! in memory. Writes nothing: the output stage does that.

use crate::diagnostic::Diagnostic;
use crate::markdown::TocEntry;
use crate::site::{Doc, Site};
use crate::yaml::{Extra, YamlValue};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tera::{Context, ErrorKind, Kwargs, Map, State, Tera, Value};
use walkdir::WalkDir;

pub const THEMES_DIR: &str = "themes";
pub const TEMPLATES_DIR: &str = "templates";

/// Templates by name, with the file each came from (relative to the root).
#[derive(Debug, Clone, Default)]
pub struct TemplateFiles {
    pub files: BTreeMap<String, (PathBuf, String)>,
}

impl TemplateFiles {
    pub fn source_of(&self, name: &str) -> PathBuf {
        self.files
            .get(name)
            .map(|(p, _)| p.clone())
            .unwrap_or_else(|| PathBuf::from(name))
    }
}

/// Read `themes/THEME/templates/` then `templates/` (which wins, file by file).
pub fn read_templates(root: &Path, theme: &str) -> Result<TemplateFiles, Vec<Diagnostic>> {
    let theme_dir = Path::new(THEMES_DIR).join(theme);
    if !root.join(&theme_dir).is_dir() {
        return Err(vec![Diagnostic::error(
            crate::config::CONFIG_FILE,
            0,
            0,
            format!(
                "theme `{theme}` not found: no folder {}",
                theme_dir.display()
            ),
        )]);
    }
    let mut out = TemplateFiles::default();
    let mut errors = Vec::new();
    for dir in [theme_dir.join(TEMPLATES_DIR), PathBuf::from(TEMPLATES_DIR)] {
        let abs = root.join(&dir);
        if !abs.is_dir() {
            continue;
        }
        for entry in WalkDir::new(&abs)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
        {
            let name = entry.file_name().to_string_lossy();
            if !entry.file_type().is_file() || crate::content::is_ignored_name(&name) {
                continue;
            }
            let rel = entry.path().strip_prefix(&abs).unwrap_or(entry.path());
            let template_name = rel.to_string_lossy().replace('\\', "/");
            let shown = dir.join(rel);
            match std::fs::read(entry.path()).map(String::from_utf8) {
                Ok(Ok(text)) => {
                    out.files.insert(template_name, (shown, text));
                }
                Ok(Err(_)) => errors.push(Diagnostic::error(
                    shown,
                    0,
                    0,
                    "template is not valid UTF-8",
                )),
                Err(e) => errors.push(Diagnostic::error(shown, 0, 0, format!("cannot read: {e}"))),
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Turn a Tera error into a diagnostic at the template's file and line.
fn tera_diagnostic(err: &tera::Error, files: &TemplateFiles, fallback: &str) -> Diagnostic {
    match err.kind() {
        ErrorKind::SyntaxError(report) | ErrorKind::RenderingError(report) => {
            let name = if report.filename().is_empty() {
                fallback
            } else {
                report.filename()
            };
            let span = report.span();
            let path = files.source_of(name);
            let text = files
                .files
                .get(name)
                .map(|(_, t)| t.as_str())
                .unwrap_or_default();
            Diagnostic::error(
                path,
                span.start_line,
                span.start_col + 1,
                report.message().to_string(),
            )
            .with_source(text)
        }
        ErrorKind::MissingParent { current, parent } => Diagnostic::error(
            files.source_of(current),
            line_containing(files, current, parent),
            0,
            format!("extends `{parent}`, which is neither in the theme nor in templates/"),
        ),
        _ => {
            let mut message = err.to_string();
            let mut source = std::error::Error::source(err);
            while let Some(s) = source {
                message.push_str(&format!(": {s}"));
                source = s.source();
            }
            Diagnostic::error(files.source_of(fallback), 0, 0, message)
        }
    }
}

fn line_containing(files: &TemplateFiles, name: &str, needle: &str) -> usize {
    files
        .files
        .get(name)
        .and_then(|(_, t)| t.lines().position(|l| l.contains(needle)))
        .map_or(0, |i| i + 1)
}

/// A Tera with dossier's functions and filters over `site`, and no templates yet.
fn engine(site: &Site, values: &Arc<Values>) -> Tera {
    let mut tera = Tera::new();
    tera.autoescape_on([".html", ".htm", ".xml"]);
    register_functions(&mut tera, site, values);
    tera
}

/// Compile every template, reporting each broken one.
/// [`compile`], or when the template files are those of `previous`, its
/// compiled templates with functions over the new `site`.
pub fn compile_reusing(
    files: &TemplateFiles,
    site: &Site,
    values: &Arc<Values>,
    previous: Option<(&TemplateFiles, &Tera)>,
) -> Result<Tera, Vec<Diagnostic>> {
    match previous {
        Some((old_files, old_tera)) if old_files.files == files.files => {
            let mut tera = old_tera.clone();
            register_functions(&mut tera, site, values);
            Ok(tera)
        }
        _ => compile(files, site, values),
    }
}

pub fn compile(
    files: &TemplateFiles,
    site: &Site,
    values: &Arc<Values>,
) -> Result<Tera, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let blank = engine(site, values);
    // Each template alone first, so every syntax error is reported, not only the first.
    for (name, (_, text)) in &files.files {
        let mut alone = blank.clone();
        if let Err(e) = alone.add_raw_template(name, text)
            && matches!(e.kind(), ErrorKind::SyntaxError(_))
        {
            errors.push(tera_diagnostic(&e, files, name));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut tera = blank;
    if let Err(e) = tera.add_raw_templates(
        files
            .files
            .iter()
            .map(|(n, (_, t))| (n.as_str(), t.as_str())),
    ) {
        return Err(vec![tera_diagnostic(&e, files, "")]);
    }
    Ok(tera)
}

/// One rendered file for the output folder.
pub type Rendered = (String, Vec<u8>);

/// Per output file: the content paths its template asked `get_page` or
/// `get_section` for while rendering it.
pub type Calls = HashMap<String, Vec<String>>;

/// What rendering some docs gave.
pub struct RenderedDocs {
    pub files: Vec<Rendered>,
    pub calls: Calls,
    pub errors: Vec<Diagnostic>,
}

/// Template values for the whole site, built once and shared by every render.
pub struct Values {
    pub site: Value,
    /// Per doc: its value without neighbours or listings.
    pub base: Vec<Value>,
    /// Per doc: its base value differs from the previous build's (or is new).
    pub changed: Vec<bool>,
}

/// Render the docs at `indices`; `with_404` adds the not-found page.
pub fn render_docs(
    site: &Site,
    tera: &Tera,
    files: &TemplateFiles,
    values: &Values,
    indices: &[usize],
    with_404: bool,
) -> RenderedDocs {
    let results: Vec<Result<(Rendered, Vec<String>), (Diagnostic, usize)>> = indices
        .par_iter()
        .map(|&i| render_doc(site, tera, files, values, i).map_err(|d| (d, i)))
        .collect();
    let mut out = Vec::with_capacity(results.len() + 1);
    let mut calls = Calls::new();
    // One broken template fails every page that uses it: report each place once,
    // naming the first page and how many more.
    let mut errors: Vec<(Diagnostic, usize, usize)> = Vec::new();
    for r in results {
        match r {
            Ok((file, asked)) => {
                calls.insert(file.0.clone(), asked);
                out.push(file);
            }
            Err((d, i)) => match errors.iter_mut().find(|(e, _, _)| *e == d) {
                Some((_, _, more)) => *more += 1,
                None => errors.push((d, i, 0)),
            },
        }
    }
    let mut errors: Vec<Diagnostic> = errors
        .into_iter()
        .map(|(mut d, i, more)| {
            if d.path != site.docs[i].file.root_path() {
                let others = match more {
                    0 => String::new(),
                    1 => " and 1 other page".into(),
                    n => format!(" and {n} other pages"),
                };
                d.message = format!(
                    "{} (rendering content/{}{others})",
                    d.message, site.docs[i].file.path
                );
            }
            d
        })
        .collect();
    if with_404 && tera.get_template_names().any(|n| n == "404.html") {
        let mut ctx = Context::new();
        ctx.insert_value("site", values.site.clone());
        match recording(|| tera.render("404.html", &ctx)) {
            (Ok(html), asked) => {
                calls.insert("404.html".into(), asked);
                out.push(("404.html".into(), html.into_bytes()));
            }
            (Err(e), _) => errors.push(tera_diagnostic(&e, files, "404.html")),
        }
    }
    RenderedDocs {
        files: out,
        calls,
        errors,
    }
}

/// Everything the template of doc `i` reads besides Tera functions. `watch`
/// compares these between builds to find the pages that must be rendered again.
pub fn doc_context(site: &Site, values: &Values, i: usize) -> Context {
    let doc = &site.docs[i];
    let mut ctx = Context::new();
    ctx.insert_value("site", values.site.clone());
    let value = full_value(site, values, i);
    ctx.insert_value(
        if doc.is_section() { "section" } else { "page" },
        value.clone(),
    );
    if doc.is_section() {
        // Section templates may share partials with pages.
        ctx.insert_value("page", value);
    }
    ctx
}

/// Which template renders `doc`, and where that choice was written.
pub fn template_for(site: &Site, i: usize) -> (&str, Option<(usize, usize)>) {
    let doc = &site.docs[i];
    if let Some(t) = &doc.file.front.template {
        return (&t.value, Some((t.line, t.column)));
    }
    if !doc.is_section()
        && let Some(p) = doc.parent
        && let Some(t) = &site.docs[p].file.front.page_template
    {
        return (&t.value, None);
    }
    let name = if i == site.home {
        "index.html"
    } else if doc.is_section() {
        "section.html"
    } else {
        "page.html"
    };
    (name, None)
}

fn render_doc(
    site: &Site,
    tera: &Tera,
    files: &TemplateFiles,
    values: &Values,
    i: usize,
) -> Result<(Rendered, Vec<String>), Diagnostic> {
    let doc = &site.docs[i];
    let (template, written_at) = template_for(site, i);
    if !files.files.contains_key(template) {
        let (line, column) = written_at.unwrap_or((0, 0));
        let path = match (written_at, doc.parent) {
            (None, Some(p)) if site.docs[p].file.front.page_template.is_some() => {
                site.docs[p].file.root_path()
            }
            _ => doc.file.root_path(),
        };
        return Err(Diagnostic::error(
            path,
            line,
            column,
            format!("template `{template}` not found in the theme or templates/"),
        )
        .with_source(&doc.file.text));
    }
    let ctx = doc_context(site, values, i);
    let (result, calls) = recording(|| tera.render(template, &ctx));
    match result {
        Ok(mut html) => {
            // Tera grows its buffer by doubling; on a large site the slack adds up.
            html.shrink_to_fit();
            Ok(((doc.out_path.clone(), html.into_bytes()), calls))
        }
        Err(e) => Err(tera_diagnostic(&e, files, template)),
    }
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
    m.insert("slug".into(), Value::from(doc.source_id()));
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
fn full_value(site: &Site, values: &Values, i: usize) -> Value {
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

thread_local! {
    /// The `get_page`/`get_section` paths the page being rendered on this
    /// thread asked for: what its output depends on beyond its own context.
    static CALLS: std::cell::RefCell<Option<Vec<String>>> = const { std::cell::RefCell::new(None) };
}

fn record_call(path: &str) {
    CALLS.with(|c| {
        if let Some(calls) = c.borrow_mut().as_mut() {
            calls.push(path.to_string());
        }
    });
}

/// Render with `CALLS` collecting; returns the output and the paths asked for.
fn recording<T>(render: impl FnOnce() -> T) -> (T, Vec<String>) {
    CALLS.with(|c| *c.borrow_mut() = Some(Vec::new()));
    let out = render();
    let calls = CALLS.with(|c| c.borrow_mut().take()).unwrap_or_default();
    (out, calls)
}

/// The docs whose base values a doc's template context holds, in order, with
/// `None` marking an absent neighbour or the end of a list: two builds give
/// the same context when these match and none of their values changed.
pub fn context_deps(site: &Site, i: usize) -> Vec<Option<usize>> {
    let doc = &site.docs[i];
    let mut deps = vec![Some(i), doc.previous, doc.next, doc.parent];
    if doc.is_section() {
        listing_deps(site, i, 2, &mut deps);
    }
    deps
}

/// What `get_page`/`get_section` returns for `path` depends on; `None` if no such doc.
pub fn call_deps(site: &Site, path: &str) -> Option<Vec<Option<usize>>> {
    let i = *site.by_path.get(path)?;
    let mut deps = vec![Some(i)];
    if site.docs[i].is_section() {
        listing_deps(site, i, 0, &mut deps);
        deps.extend(site.docs[i].subsections.iter().map(|&s| Some(s)));
    }
    Some(deps)
}

/// Mirrors [`listing_value`].
fn listing_deps(site: &Site, i: usize, depth: usize, deps: &mut Vec<Option<usize>>) {
    let doc = &site.docs[i];
    deps.extend(doc.pages.iter().map(|&p| Some(p)));
    deps.push(None);
    if depth > 0 {
        for &s in &doc.subsections {
            deps.push(Some(s));
            listing_deps(site, s, depth - 1, deps);
        }
    }
    deps.push(None);
}

/// What `get_section` returns: the section with its pages, and its
/// subsections without theirs (ask `get_section` for each). Kept shallow so a
/// page that shows the site's sections is not rebuilt for every page edit.
fn section_summary(site: &Site, values: &Values, i: usize) -> Value {
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

fn register_functions(tera: &mut Tera, site: &Site, values: &Arc<Values>) {
    let by_path: Arc<HashMap<String, Value>> = Arc::new(
        site.docs
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let v = if d.is_section() {
                    section_summary(site, values, i)
                } else {
                    values.base[i].clone()
                };
                (d.file.path.clone(), v)
            })
            .collect(),
    );
    let lookup = |kind: &'static str, want_section: bool, by_path: Arc<HashMap<String, Value>>| {
        move |kwargs: Kwargs, _: &State| -> tera::TeraResult<Value> {
            let path = kwargs.must_get::<&str>("path")?;
            record_call(path);
            match by_path.get(path) {
                Some(v)
                    if v.get_from_path("is_section").and_then(Value::as_bool)
                        == Some(want_section) =>
                {
                    Ok(v.clone())
                }
                Some(_) => Err(tera::Error::message(format!(
                    "{kind}(path=\"{path}\"): content/{path} is not a {kind_name}",
                    kind_name = if want_section { "section" } else { "page" }
                ))),
                None => Err(tera::Error::message(format!(
                    "{kind}(path=\"{path}\"): no file content/{path}"
                ))),
            }
        }
    };
    tera.register_function("get_page", lookup("get_page", false, by_path.clone()));
    tera.register_function("get_section", lookup("get_section", true, by_path));
    let base_path = site.base_path.clone();
    tera.register_function(
        "url",
        move |kwargs: Kwargs, _: &State| -> tera::TeraResult<String> {
            let path = kwargs.must_get::<&str>("path")?;
            Ok(format!("{base_path}{}", path.trim_start_matches('/')))
        },
    );
    tera.register_filter("date", date_filter);
}

/// `{{ page.date | date(format="%-d %B %Y") }}`; a year or a month alone prints as such.
fn date_filter(value: &str, kwargs: Kwargs, _: &State) -> tera::TeraResult<String> {
    let format = kwargs.get::<&str>("format")?.unwrap_or("%-d %B %Y");
    match value.len() {
        4 => Ok(value.to_string()),
        7 => {
            let d: jiff::civil::Date = format!("{value}-01")
                .parse()
                .map_err(|e| tera::Error::message(format!("date: `{value}` is not a date: {e}")))?;
            Ok(d.strftime("%B %Y").to_string())
        }
        10 => {
            let d: jiff::civil::Date = value
                .parse()
                .map_err(|e| tera::Error::message(format!("date: `{value}` is not a date: {e}")))?;
            Ok(d.strftime(format).to_string())
        }
        _ => {
            let ts: jiff::Timestamp = value
                .parse()
                .map_err(|e| tera::Error::message(format!("date: `{value}` is not a date: {e}")))?;
            Ok(ts.strftime(format).to_string())
        }
    }
}
