//! Rendering: the site model through Tera templates into HTML, in parallel.
//! Loads the theme's templates with the site's `templates/` overriding them
//! file by file, turns the model into template values, and renders every page
//! in memory. Writes nothing: the output stage does that.
//!
//! This file renders docs, each page a step that records what its template
//! read (its context, `get_page`/`get_section` answers) and is taken from
//! the previous build when none of it changed. Reading and
//! compiling templates is in `templates.rs`, the values templates see in
//! `values.rs`, and the functions and filters they call in `functions.rs`.

mod fields;
mod functions;
pub use functions::{Model, calls_of, recording, with_model};
pub mod minify;
mod portable;
mod templates;
mod values;

pub use fields::Fields;
pub use templates::{
    BUILT_IN, TemplateAnchors, TemplateFiles, TemplateLink, check_theme, compile, read_templates,
    render_built_in, render_with_args,
};
pub use values::{
    Alike, BODY_FIELD, DocValue, Spilled, SpilledDoc, Values, alias_context, doc_context,
    doc_value, section_answer, site_file_context, site_value,
};

use crate::diagnostic::Diagnostic;
use crate::engine::{self, Answers, Entry, Key, Map, Name, Reads, Table};
use crate::site::Site;
use rayon::prelude::*;
use std::sync::Arc;
use templates::tera_diagnostic;
use tera::Tera;

/// A rendered file's bytes, shared between builds.
pub type Bytes = Arc<[u8]>;

/// The render steps' entries of a build: per doc, in the model's order, and
/// per site file ([`SITE_FILES`]) and alias redirect, by output path.
#[derive(Default)]
pub struct Pages {
    pub docs: Table<Bytes>,
    pub others: Map<Name, Entry<Bytes>>,
    /// The search index among `others` was out of date already (kept from
    /// the build before, [`SiteWide::SearchLater`]): not to be reused.
    pub search_stale: bool,
}

/// The template of the redirect pages written at a doc's old URLs
/// (`aliases`), with `site` and the doc as listings show it as `page`.
pub const ALIAS: &str = "alias.html";

/// The site files ([`crate::site::SITE_FILES`]) are rendered from the
/// theme's template of the same name when it has one: the not-found page
/// with `site` in scope, the others with `site`, `pages` and `sections`
/// (every page and section as listings show them, in the site's order).
pub use crate::site::{NOT_FOUND, SEARCH_PAGE, SITE_FILES};

/// Whether the templates make a search index: the theme (or the site) has
/// a search page. The one rule for the index and for the terms Markdown
/// makes for it.
pub fn makes_search_index(files: &TemplateFiles) -> bool {
    files.files.contains_key(SEARCH_PAGE)
}

/// What rendering some docs gave.
pub struct RenderedDocs {
    /// By output path, with what each render step read: the docs asked for,
    /// in their order, then the site files.
    pub files: Vec<(Name, Entry<Bytes>)>,
    /// The files given to `put` ([`Put`]) instead, by output path, in the
    /// same order.
    pub put: Vec<Name>,
    /// The first error `put` gave.
    pub put_error: Option<std::io::Error>,
    /// How many of them were rendered rather than taken from `previous`.
    pub ran: usize,
    pub errors: Vec<Diagnostic>,
    /// The search index is the previous build's, out of date
    /// ([`SiteWide::SearchLater`]).
    pub search_stale: bool,
}

/// Where [`render_docs`] puts each file as soon as it is made, by output
/// path, rather than returning it: a build that keeps no file holds no
/// batch of pages at once, nor the whole site's files.
pub type Put<'a> = &'a dyn Sink;

/// A place for files by output path ([`Put`]): the staging folder.
pub trait Sink: Sync {
    /// A file, made.
    fn put(&self, rel: &str, bytes: &[u8]) -> std::io::Result<()>;
    /// A file written by `write` as it is made, never whole in memory (a
    /// feed or sitemap of every page). An error from `write` is returned.
    fn put_with(
        &self,
        rel: &str,
        write: &mut dyn FnMut(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> std::io::Result<()>;
}

/// A file [`render_docs`] made: returned, or given to its [`Put`].
enum Made {
    Kept((Name, Entry<Bytes>)),
    Put(Name),
}

/// Whether [`render_docs`] renders the files of the whole site too (the
/// site files, the aliases' redirects, the search index), and whether the
/// search index may wait: `dossier watch` shows an edit first, then brings
/// the index up to date in a second rebuild.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteWide {
    Skip,
    Render,
    SearchLater,
}

/// The render steps of the docs at `indices` (and with `site_wide`, of
/// the site files and the aliases' redirects): each is taken from `previous`
/// when everything it read is unchanged ([`engine::reusable`]), else rendered.
#[allow(clippy::too_many_arguments)]
pub fn render_docs(
    site: &Site,
    tera: &Tera,
    files: &TemplateFiles,
    values: &Arc<Values>,
    indices: &[usize],
    site_wide: SiteWide,
    answers: &dyn Answers,
    previous: Option<&Pages>,
    put: Option<Put>,
) -> RenderedDocs {
    type Outcome = Result<(Made, bool), (Diagnostic, usize)>;
    let given = Out {
        put,
        error: Default::default(),
    };
    let to = &given;
    let made = |out_path: Name, entry: Entry<Bytes>| match put {
        None => Made::Kept((out_path, entry)),
        Some(_) => {
            to.give(&out_path, &entry.value);
            Made::Put(out_path)
        }
    };
    // What the templates' functions answer from, as each file renders.
    let model = Model::of(site, values);
    // Citations alike on the pages rendered here, made once ([`Alike`]).
    let alike = Alike::default();
    let step =
        |out_path: Name, old: Option<&Entry<Bytes>>, render: &dyn Fn(&mut Reads) -> Rendering| {
            let (entry, ran) = engine::try_step(old, answers, |reads| {
                let Some(bytes) = with_model(&model, || render(reads))? else {
                    return Ok((Bytes::default(), engine::absent()));
                };
                let fp = match reads.recording() {
                    true => engine::fingerprint_bytes(&bytes),
                    false => engine::absent(),
                };
                match put {
                    // Given to `put` as it is: its entry keeps no copy.
                    Some(_) => {
                        to.give(&out_path, &bytes);
                        Ok((Bytes::default(), fp))
                    }
                    None => Ok((Bytes::from(bytes), fp)),
                }
            })?;
            let made = match (put, ran) {
                (Some(_), true) => Made::Put(out_path),
                _ => made(out_path, entry),
            };
            Ok((made, ran))
        };
    let site_files: Vec<&str> = SITE_FILES
        .iter()
        .copied()
        .filter(|name| site_wide != SiteWide::Skip && files.files.contains_key(*name))
        .collect();
    let others = previous.map(|p| &p.others);
    // The site files, then the aliases' redirects. All but the not-found
    // page share one context (every page and section): made once, by the
    // first that runs, and its reads read by each.
    // In parallel, and beside the search index: on a large site each
    // lists every page.
    let shared: std::sync::OnceLock<(tera::Context, engine::Record)> = Default::default();
    let site_file = |name: &str| {
        step(name.into(), others.and_then(|o| o.get(name)), &|reads| {
            reads.read(Key::Templates);
            let own;
            let ctx = if name == NOT_FOUND {
                own = site_file_context(site, values, name, reads);
                &own
            } else {
                let (ctx, read) = shared.get_or_init(|| {
                    let mut first = Reads::new(answers);
                    let ctx = site_file_context(site, values, name, &mut first);
                    (ctx, first.finish())
                });
                for (key, fp) in read.iter() {
                    reads.got(key.clone(), *fp);
                }
                ctx
            };
            let file = File {
                template: name,
                out_path: name,
                html: name.ends_with(".html"),
            };
            render_file(site, tera, files, &file, ctx, reads, to)
        })
    };
    let aliases: Vec<_> = match site_wide {
        SiteWide::Skip => Vec::new(),
        _ => site.aliases.iter().collect(),
    };
    let redirect = |alias: &&crate::site::Alias| {
        let doc = &site.docs[alias.doc];
        let old = others.and_then(|o| o.get(alias.out_path.as_str()));
        step(alias.out_path.as_str().into(), old, &|reads| {
            reads.read(Key::Templates);
            if !files.files.contains_key(ALIAS) {
                return Err(Diagnostic::error(
                    doc.file.root_path(),
                    0,
                    0,
                    format!(
                        "template `{ALIAS}` not found in the theme or templates/: it renders the redirects that `aliases` asks for"
                    ),
                ));
            }
            let own = read_back(values.spilled_own(alias.doc), &alias.out_path)?;
            let ctx = alias_context(site, values, alias.doc, own.as_ref(), &alike, reads);
            let file = File {
                template: ALIAS,
                out_path: &alias.out_path,
                html: true,
            };
            render_file(site, tera, files, &file, &ctx, reads, to)
        })
    };
    let search = || {
        if site_wide == SiteWide::Skip || !makes_search_index(files) {
            return (Vec::new(), false);
        }
        let later = site_wide == SiteWide::SearchLater;
        let stale_before = previous.is_some_and(|p| p.search_stale);
        search_index(site, answers, others, later, stale_before, to)
    };
    let pages = || -> Vec<Outcome> {
        indices
            .par_iter()
            .map(|&i| {
                let doc = &site.docs[i];
                let old = previous.and_then(|p| p.docs.previous(&site.by_path, i, &doc.name));
                step(doc.out_path.clone(), old, &|reads| {
                    render_doc(site, tera, files, values, i, &alike, reads, to)
                })
                .map_err(|d| (d, i))
            })
            .collect()
    };
    // The pages beside the site-wide files: on a large site one file (the
    // sitemap, a listing of every page) takes as long as many pages.
    let (results, (whole_site, (index, search_stale))) = rayon::join(pages, || {
        rayon::join(
            || {
                let mut made: Vec<_> = site_files.par_iter().map(|name| site_file(name)).collect();
                made.par_extend(aliases.par_iter().map(redirect));
                made
            },
            search,
        )
    });
    let mut out = Vec::new();
    let mut put_names = Vec::new();
    let mut keep = |made: Made| match made {
        Made::Kept(file) => out.push(file),
        Made::Put(name) => put_names.push(name),
    };
    let mut ran = 0;
    // One broken template fails every page that uses it: report each place once,
    // naming the first page and how many more.
    let mut errors: Vec<(Diagnostic, usize, usize)> = Vec::new();
    for r in results {
        match r {
            Ok((file, rendered)) => {
                ran += rendered as usize;
                keep(file);
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
    // Not a page: not counted among those rendered.
    for file in index {
        keep(file);
    }
    for rendered in whole_site {
        match rendered {
            Ok((file, rendered)) => {
                ran += rendered as usize;
                keep(file);
            }
            Err(d) => errors.push(d),
        }
    }
    RenderedDocs {
        files: out,
        put: put_names,
        put_error: given.error.into_inner().unwrap_or_else(|e| e.into_inner()),
        ran,
        errors,
        search_stale,
    }
}

/// A file's bytes as a render step makes them, or none when it gave the
/// file to its [`Put`] itself ([`Sink::put_with`]).
type Rendering = Result<Option<Vec<u8>>, Diagnostic>;

/// A writer that keeps the first error its own writer gave: a template
/// rendered into it ([`tera::Tera::render_to`]) fails either way, and this
/// tells a write that failed from a template that did.
struct Written<'a> {
    out: &'a mut dyn std::io::Write,
    error: Option<std::io::Error>,
}

impl std::io::Write for Written<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.out.write(bytes).map_err(|e| {
            let copy = std::io::Error::new(e.kind(), e.to_string());
            if e.kind() != std::io::ErrorKind::Interrupted {
                self.error.get_or_insert(e);
            }
            copy
        })
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// The search index's files, one step: each doc's front matter, place and
/// Markdown read, the files sharing that record; taken whole from
/// `previous` when nothing it read changed (and it was up to date), or with
/// `later` when there is one at all. The flag tells whether they are out of
/// date. Where `to` streams ([`Out::streaming`]), each file goes to it as
/// soon as it is made.
fn search_index(
    site: &Site,
    answers: &dyn Answers,
    previous: Option<&Map<Name, Entry<Bytes>>>,
    later: bool,
    stale_before: bool,
    to: &Out,
) -> (Vec<Made>, bool) {
    let within = |name: &str| {
        name.strip_prefix(crate::search::DIR)
            .is_some_and(|rest| rest.starts_with('/'))
    };
    let meta = format!("{}/meta.json", crate::search::DIR);
    let old = previous.and_then(|o| o.get(meta.as_str()));
    let current = !stale_before && engine::reusable(old, answers);
    if let (true, Some(previous)) = (current || (later && old.is_some()), previous) {
        let files = previous
            .iter()
            .filter(|(name, _)| within(name))
            .map(|(name, entry)| Made::Kept((name.clone(), entry.clone())))
            .collect();
        return (files, !current);
    }
    // What it takes of each doc: its front matter (title, description),
    // place (URL, and the docs there are) and Markdown.
    let mut reads = Reads::new(answers);
    for doc in &site.docs {
        reads.read(Key::Front(doc.name.clone()));
        reads.read(Key::Place(doc.name.clone()));
        reads.read(Key::Markdown(doc.name.clone()));
    }
    let pages = site
        .docs
        .iter()
        .map(|doc| crate::search::Page {
            url: doc.url.strip_prefix(&*site.base_path).unwrap_or(&doc.url),
            title: &doc.file.front.title,
            description: doc.file.front.description.as_deref().unwrap_or(""),
            terms: &doc.rendered.terms,
        })
        .collect::<Vec<_>>();
    let recording = reads.recording();
    let streaming = to.streaming(&reads).is_some();
    let record = reads.finish();
    let mut files = Vec::new();
    crate::search::index(&pages, &mut |path, bytes| {
        let name: Name = format!("{}/{path}", crate::search::DIR).into();
        if streaming {
            to.give(&name, &bytes);
            files.push(Made::Put(name));
            return;
        }
        let fp = match recording {
            true => engine::fingerprint_bytes(&bytes),
            false => engine::absent(),
        };
        let entry = Entry::new(Bytes::from(bytes), fp, record.clone());
        files.push(Made::Kept((name, entry)));
    });
    (files, false)
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

/// The render step of doc `i`: its template over its context.
#[allow(clippy::too_many_arguments)]
fn render_doc(
    site: &Site,
    tera: &Tera,
    files: &TemplateFiles,
    values: &Values,
    i: usize,
    alike: &Alike,
    reads: &mut Reads,
    out: &Out,
) -> Rendering {
    let doc = &site.docs[i];
    reads.read(Key::Templates);
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
    let body = read_back(values.spilled_body(i), &doc.out_path)?;
    let own = read_back(values.spilled_own(i), &doc.out_path)?;
    let ctx = doc_context(site, values, i, body, own.as_ref(), alike, reads);
    let file = File {
        template,
        out_path: &doc.out_path,
        html: true,
    };
    render_file(site, tera, files, &file, &ctx, reads, out)
}

/// Where [`render_docs`] puts what it makes, if anywhere ([`Put`]), and
/// the first error that gave ([`RenderedDocs::put_error`]).
struct Out<'a> {
    put: Option<Put<'a>>,
    error: std::sync::Mutex<Option<std::io::Error>>,
}

impl<'a> Out<'a> {
    /// Where to write a file as it is made: only where no record is kept
    /// (a file never whole in memory has no fingerprint).
    fn streaming(&self, reads: &Reads) -> Option<Put<'a>> {
        self.put.filter(|_| !reads.recording())
    }
    /// A file made, given to `put`.
    fn give(&self, rel: &str, bytes: &[u8]) {
        if let Some(put) = self.put
            && let Err(e) = put.put(rel, bytes)
        {
            self.failed(e);
        }
    }
    fn failed(&self, e: std::io::Error) {
        let mut first = self.error.lock().unwrap_or_else(|e| e.into_inner());
        first.get_or_insert(e);
    }
}

/// A file to render: with which template, where, and whether it is a page
/// ([`finish`] makes its last touch).
struct File<'a> {
    template: &'a str,
    out_path: &'a str,
    html: bool,
}

/// `file` rendered with `ctx`: given to the [`Out`]'s `put` as it renders
/// when nothing is done to it after and no build reads it back (a page
/// listing ten thousand others is never whole in memory), else made whole.
fn render_file(
    site: &Site,
    tera: &Tera,
    files: &TemplateFiles,
    file: &File,
    ctx: &tera::Context,
    reads: &mut Reads,
    out: &Out,
) -> Rendering {
    let name = file.template;
    let error = |e: &tera::Error| tera_diagnostic(e, files, name);
    if file.html {
        reads.read(Key::Config);
    }
    let (relative, minified) = finishing(site, file.out_path);
    let finished = file.html && (relative || minified);
    if let Some(put) = out.streaming(reads).filter(|_| !finished) {
        let mut template_error = None;
        let written = put.put_with(file.out_path, &mut |w| {
            let mut w = Written {
                out: w,
                error: None,
            };
            match recording(reads, || tera.render_to(name, ctx, &mut w)) {
                Ok(()) => Ok(()),
                Err(e) => Err(w.error.take().unwrap_or_else(|| {
                    template_error = Some(e);
                    std::io::Error::other("the template failed")
                })),
            }
        });
        if let Some(e) = template_error {
            return Err(error(&e));
        }
        if let Err(e) = written {
            out.failed(e);
        }
        return Ok(None);
    }
    let text = recording(reads, || tera.render(name, ctx)).map_err(|e| error(&e))?;
    match finished {
        true => finish(site, text, file.out_path).map(Some),
        false => Ok(Some(text.into_bytes())),
    }
}

/// What [`finish`] does to a page at `out_path`: make its links relative
/// (portable output), minify it.
fn finishing(site: &Site, out_path: &str) -> (bool, bool) {
    let c = &site.config;
    (c.portable, c.minify && out_path.ends_with(".html"))
}

/// A doc's part read back from the build's scratch file for the file at
/// `out_path`, if it waits there.
fn read_back<T>(part: Option<std::io::Result<T>>, out_path: &str) -> Result<Option<T>, Diagnostic> {
    part.transpose().map_err(|e| {
        Diagnostic::error(
            out_path,
            0,
            0,
            format!("cannot read its page back from the build's scratch file: {e}"),
        )
    })
}

/// A rendered file's last touch: in portable output, its links made
/// relative ([`portable`]); under `minify: true`, a page minified ([`minify`]).
fn finish(site: &Site, mut html: String, out_path: &str) -> Result<Vec<u8>, Diagnostic> {
    let (relative, minified) = finishing(site, out_path);
    if relative {
        html = portable::relativize(&html, out_path, &site.base_path).map_err(|e| {
            Diagnostic::error(
                out_path,
                0,
                0,
                format!("cannot make the links relative: {e}"),
            )
        })?;
    }
    if minified {
        html = minify::page(&html)
            .map_err(|e| Diagnostic::error(out_path, 0, 0, format!("cannot minify: {e}")))?;
    }
    Ok(html.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::Written;
    use std::io::{self, Write};

    /// A template rendered into [`Written`] fails both when the writer
    /// fails and when the template does; only the first keeps an error.
    #[test]
    fn a_template_written_out_tells_a_failed_write_from_a_failed_template() {
        let mut tera = tera::Tera::new();
        tera.add_raw_template("list", "{% for i in [1, 2, 3] %}{{ i }} {% endfor %}")
            .unwrap();
        tera.add_raw_template("broken", "a {{ nope }}").unwrap();
        let ctx = tera::Context::new();
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::other("no room"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut full = Full;
        let mut out = Written {
            out: &mut full,
            error: None,
        };
        assert!(tera.render_to("list", &ctx, &mut out).is_err());
        assert_eq!(out.error.map(|e| e.to_string()).as_deref(), Some("no room"));
        let mut bytes = Vec::new();
        let mut out = Written {
            out: &mut bytes,
            error: None,
        };
        assert!(tera.render_to("broken", &ctx, &mut out).is_err());
        assert!(out.error.is_none());
        let mut out = Written {
            out: &mut bytes,
            error: None,
        };
        tera.render_to("list", &ctx, &mut out).unwrap();
        assert!(out.error.is_none());
        assert!(String::from_utf8_lossy(&bytes).ends_with("1 2 3 "));
    }
}
