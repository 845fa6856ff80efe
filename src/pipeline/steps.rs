//! The steps of a build up to rendering, in order, each declared through
//! [`engine::step`]: read the templates, parse each content file, the
//! model's structure, each doc's Markdown, each doc's template value. A
//! clean build runs them with no previous entries; a rebuild with the last
//! good build's [`Memo`], and the engine reuses every entry whose reads are
//! unchanged. This file says what each step reads; it holds no reuse logic.

use super::answers::{Current, Known};
use super::inputs::{Changed, Inputs};
use super::{Options, Timer};
use crate::config::Config;
use crate::content::{self, Asset, Content, SourceFile};
use crate::diagnostic::Diagnostic;
use crate::engine::Map;
use crate::engine::{self, Entry, Fp, Key, Name, Reads, Record};
use crate::files::{CONTENT_DIR, Found, STATIC_DIR, TEMPLATES_DIR, THEMES_DIR};
use crate::markdown::{self, Origin, Rendered, Resolver};
use crate::render::{self, DocValue, Fields, TemplateFiles, Values};
use crate::site::{self, Doc, Site};
use rayon::prelude::*;
use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::Arc;

/// A parsed content file with the fingerprints of its two parts.
#[derive(Debug)]
pub struct Parsed {
    pub file: Arc<SourceFile>,
    /// Its path and front matter: what the model's structure reads.
    pub front_fp: Fp,
    /// Its path, body and the body's first line: what its Markdown reads.
    pub body_fp: Fp,
}

/// Compiled templates and the fields they can read.
pub struct Compiled {
    pub files: TemplateFiles,
    pub tera: tera::Tera,
    pub fields: Fields,
}

/// The model's structure and what building it reported.
pub struct Structure {
    pub site: Site,
    pub diagnostics: Vec<Diagnostic>,
}

pub(super) type Step<V> = Entry<Result<Arc<V>, Vec<Diagnostic>>>;

/// A doc's rendered Markdown, its HTML moved into the template value that
/// every later use shares.
pub struct Markdown {
    /// Everything but the HTML, which is in `content`.
    pub rendered: Arc<Rendered>,
    pub content: tera::Value,
}

/// Every step's entry of one build, for the next to reuse.
#[derive(Default)]
pub struct Memo {
    pub(super) inputs: Inputs,
    pub(super) templates: Option<Step<Compiled>>,
    pub(super) parsed: Map<Name, Step<Parsed>>,
    pub(super) structure: Option<Entry<Arc<Structure>>>,
    pub(super) markdown: Map<Name, Entry<Arc<Markdown>>>,
    pub(super) values: Map<Name, Entry<Arc<DocValue>>>,
    pub(super) pages: render::Pages,
}

/// Everything up to rendering.
pub(super) struct Prepared {
    pub(super) site: Site,
    pub(super) compiled: Arc<Compiled>,
    /// The compiled templates with functions over this build's model.
    pub(super) tera: tera::Tera,
    pub(super) values: Arc<Values>,
    pub(super) statics: Vec<(String, PathBuf)>,
    pub(super) memo: Memo,
    pub(super) known: Known,
    pub(super) config_fp: Fp,
    /// Warnings so far (errors end the build before this exists).
    pub(super) diagnostics: Vec<Diagnostic>,
    pub(super) timer: Timer,
}

impl Prepared {
    /// This build's answers, every layer complete.
    pub(super) fn answers(&self) -> Current<'_> {
        let fields = engine::fingerprint(&self.compiled.fields);
        let templates = fp_of(self.memo.templates.as_ref());
        let memo = &self.memo;
        Current {
            site: Some(&self.site),
            known: Some(&self.known),
            markdown: Some(&memo.markdown),
            values: Some(&self.values),
            ..Current::new(
                &memo.inputs,
                self.config_fp,
                templates,
                fields,
                &memo.parsed,
            )
        }
    }
}

fn fp_of<V>(entry: Option<&Entry<V>>) -> Fp {
    entry.map_or_else(engine::absent, |e| e.fp)
}

/// Every file a step read is an input the next build checks.
fn note_files(inputs: &mut Inputs, reads: &Record) {
    for (key, fp) in reads.iter() {
        if let Key::File(path) = key {
            inputs.note_file(path.clone(), *fp);
        }
    }
}

/// Run the steps up to rendering; `previous` is the last good build's memo
/// and what changed since.
pub(super) fn prepare(
    options: &Options,
    previous: Option<(&Memo, Changed)>,
) -> Result<Prepared, Vec<Diagnostic>> {
    let root = &options.root;
    let timer = Timer::new();
    let config = Config::load(root, options.base_url.as_deref()).map_err(|d| vec![d])?;
    let config_fp = engine::fingerprint(&(format!("{config:?}"), options.drafts));
    let old = previous.as_ref().map(|(m, _)| *m);
    let mut inputs = match &previous {
        Some((memo, changed)) => Inputs::refresh(root, &memo.inputs, changed),
        None => Inputs::default(),
    };
    let mut diagnostics = Vec::new();
    let mut unreadable = Vec::new();
    let theme = &config.theme;
    let template_dirs = [
        format!("{THEMES_DIR}/{theme}/{TEMPLATES_DIR}"),
        TEMPLATES_DIR.to_string(),
    ];
    let template_folders = template_dirs
        .each_ref()
        .map(|d| (d.as_str(), inputs.folder(root, d, &mut unreadable).0));
    let content_folder = inputs.folder(root, CONTENT_DIR, &mut unreadable).0;
    let statics: Vec<(String, PathBuf)> = [
        format!("{THEMES_DIR}/{theme}/{STATIC_DIR}"),
        STATIC_DIR.into(),
    ]
    .iter()
    .flat_map(|d| inputs.folder(root, d, &mut unreadable).0.to_vec())
    .map(|f| (f.rel, f.abs))
    .collect();
    for (path, e) in unreadable {
        diagnostics.push(Diagnostic::error(path, 0, 0, format!("cannot read: {e}")));
    }
    // Checked on every build, outside any step: their answers are no step's.
    if let Err(d) = render::check_theme(root, theme) {
        diagnostics.push(d);
    }
    if !root.join(CONTENT_DIR).is_dir() {
        diagnostics.push(Diagnostic::error(
            CONTENT_DIR,
            0,
            0,
            "no content/ folder in the site root",
        ));
    }
    timer.lap("inputs");

    let no_parsed = Map::default();
    let absent = engine::absent();
    let current = Current::new(&inputs, config_fp, absent, absent, &no_parsed);

    // Templates: the two folders' files, compiled.
    let (templates, _) = engine::step(old.and_then(|m| m.templates.as_ref()), &current, |reads| {
        // The theme's name says which folders to read.
        reads.read(Key::Config);
        for (dir, _) in &template_folders {
            reads.read(Key::Folder((*dir).into()));
        }
        let [(theme_dir, theme_files), (site_dir, site_files)] = &template_folders;
        let theme_folder = (*theme_dir, &theme_files[..]);
        let site_folder = (*site_dir, &site_files[..]);
        let compiled = render::read_templates(theme_folder, site_folder).and_then(|files| {
            for (shown, text) in files.files.values() {
                let path = shown.to_string_lossy().replace('\\', "/");
                reads.got(
                    Key::File(path.into()),
                    engine::fingerprint_bytes(text.as_bytes()),
                );
            }
            let tera = render::compile(&files)?;
            let fields = Fields::of(&files);
            Ok(Arc::new(Compiled {
                files,
                tera,
                fields,
            }))
        });
        let fp = match &compiled {
            Ok(c) => engine::fingerprint(&c.files.files),
            Err(_) => engine::absent(),
        };
        (compiled, fp)
    });
    timer.lap("templates");

    // Parse each content file.
    // Markdown files are docs; every other file of content/ is an asset.
    let (markdown_files, asset_files): (Vec<&Found>, Vec<&Found>) =
        content_folder.iter().partition(|f| f.rel.ends_with(".md"));
    let stepped: Vec<(Name, Step<Parsed>, bool)> = markdown_files
        .par_iter()
        .map(|found| {
            // The previous build's name, when it had the file: no new string.
            let (name, previous) = match old.and_then(|m| m.parsed.get_key_value(&*found.rel)) {
                Some((name, entry)) => (name.clone(), Some(entry)),
                None => (found.rel.as_str().into(), None),
            };
            let (entry, ran) = engine::step(previous, &current, |reads| parse(found, reads));
            (name, entry, ran)
        })
        .collect();
    // A reused step read what the inputs already hold.
    for (_, entry, _) in stepped.iter().filter(|s| s.2) {
        note_files(&mut inputs, &entry.reads);
    }
    note_files(&mut inputs, &templates.reads);
    let mut parsed: Map<Name, Step<Parsed>> = Map::default();
    parsed.reserve(stepped.len());
    parsed.extend(stepped.into_iter().map(|(name, entry, _)| (name, entry)));
    let templates_fp = fp_of(Some(&templates));
    timer.lap("parse");
    let compiled = match &templates.value {
        Ok(c) => Some(c.clone()),
        Err(errors) => {
            diagnostics.extend(errors.iter().cloned());
            None
        }
    };
    let fields = compiled.as_ref().map_or(Fields::All, |c| c.fields.clone());
    let fields_fp = engine::fingerprint(&fields);
    let current = Current::new(&inputs, config_fp, templates_fp, fields_fp, &parsed);

    // The model's structure, from every file's front matter.
    let (structure, _) = engine::step(old.and_then(|m| m.structure.as_ref()), &current, |reads| {
        reads.read(Key::Config);
        reads.read(Key::Folder(CONTENT_DIR.into()));
        let assets = asset_files
            .iter()
            .map(|found| Asset {
                path: found.rel.clone(),
                source: found.abs.clone(),
            })
            .collect();
        let mut files = Vec::new();
        // Every listed Markdown file has a parse entry (a failed one too).
        for (name, entry) in markdown_files
            .iter()
            .filter_map(|f| parsed.get_key_value(&*f.rel))
        {
            reads.read(Key::Front(name.clone()));
            if let Ok(p) = &entry.value
                && (options.drafts || !p.file.front.draft)
            {
                files.push(p.file.clone());
            }
        }
        let mut found = Vec::new();
        let site = site::structure(config.clone(), Content { files, assets }, &mut found);
        let structure = Structure {
            site,
            diagnostics: found,
        };
        (Arc::new(structure), 0)
    });
    for entry in parsed.values() {
        if let Err(errors) = &entry.value {
            diagnostics.extend(errors.iter().cloned());
        }
    }
    diagnostics.extend(structure.value.diagnostics.iter().cloned());
    let mut site = structure.value.site.clone();
    // The structure read front matter only: take each file as parsed now.
    for doc in &mut site.docs {
        if let Some(Ok(p)) = parsed.get(&doc.name).map(|e| &e.value) {
            doc.file = p.file.clone();
        }
    }
    timer.lap("structure");

    // Each doc's Markdown.
    let known = Known::new(&site);
    let current = Current {
        site: Some(&site),
        known: Some(&known),
        ..current
    };
    let stepped: Vec<Entry<Arc<Markdown>>> = site
        .docs
        .par_iter()
        .map(|doc| {
            let previous = old.and_then(|m| m.markdown.get(&doc.name));
            engine::step(previous, &current, |reads| {
                render_markdown(&site, doc, reads)
            })
            .0
        })
        .collect();
    let rendered: Vec<Arc<Rendered>> = stepped.iter().map(|e| e.value.rendered.clone()).collect();
    let contents: Vec<tera::Value> = stepped.iter().map(|e| e.value.content.clone()).collect();
    let markdown = by_name(&site, stepped);
    site::attach(&mut site, rendered, &mut diagnostics);
    timer.lap("markdown");

    // Each doc's template value.
    let current = Current {
        site: Some(&site),
        known: Some(&known),
        markdown: Some(&markdown),
        ..Current::new(&inputs, config_fp, templates_fp, fields_fp, &parsed)
    };
    let (site_value, site_fp) = render::site_value(&site, &fields);
    let entries: Vec<Entry<Arc<DocValue>>> = (0..site.docs.len())
        .into_par_iter()
        .map(|i| {
            let previous = old.and_then(|m| m.values.get(&site.docs[i].name));
            engine::step(previous, &current, |reads| {
                reads.read(Key::Fields);
                render::doc_value(&site, i, &contents[i], &fields, reads)
            })
            .0
        })
        .collect();
    let values = Arc::new(Values::new(
        &site,
        site_value,
        site_fp,
        entries.iter().map(|e| e.value.clone()).collect(),
    ));
    let values_memo = by_name(&site, entries);
    timer.lap("template values");

    let Some(compiled) = compiled else {
        return Err(diagnostics);
    };
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics);
    }
    let tera = render::with_functions(&compiled.tera, &site, &values);
    Ok(Prepared {
        site,
        compiled,
        tera,
        values,
        statics,
        memo: Memo {
            inputs,
            templates: Some(templates),
            parsed,
            structure: Some(structure),
            markdown,
            values: values_memo,
            pages: render::Pages::default(),
        },
        known,
        config_fp,
        diagnostics,
        timer,
    })
}

/// Per-doc entries (in doc order) by doc name, for the next build.
fn by_name<V>(site: &Site, entries: Vec<Entry<V>>) -> Map<Name, Entry<V>> {
    let mut map = Map::default();
    map.reserve(entries.len());
    map.extend(site.docs.iter().map(|d| d.name.clone()).zip(entries));
    map
}

/// The parse step of one content file: its bytes, read and split.
fn parse(found: &Found, reads: &mut Reads) -> (Result<Arc<Parsed>, Vec<Diagnostic>>, Fp) {
    let path: Name = format!("{CONTENT_DIR}/{}", found.rel).into();
    let bytes = match std::fs::read(&found.abs) {
        Ok(b) => b,
        Err(e) => {
            reads.got(Key::File(path.clone()), engine::absent());
            let error = Diagnostic::error(&*path, 0, 0, format!("cannot read: {e}"));
            return (Err(vec![error]), engine::absent());
        }
    };
    let fp = engine::fingerprint_bytes(&bytes);
    reads.got(Key::File(path), fp);
    let parsed = content::parse_bytes(&found.rel, bytes).map(|file| {
        let front = format!("{:?}", file.front);
        Arc::new(Parsed {
            front_fp: engine::fingerprint(&(
                &file.path,
                file.kind == content::Kind::Section,
                front,
            )),
            body_fp: engine::fingerprint(&(&file.path, file.body_line, file.body())),
            file: Arc::new(file),
        })
    });
    (parsed, fp)
}

/// The Markdown step of one doc: its body, with every question it asks the
/// model about URLs, sources and files read through `reads`.
fn render_markdown(site: &Site, doc: &Doc, reads: &mut Reads) -> (Arc<Markdown>, Fp) {
    reads.read(Key::Body(doc.name.clone()));
    let file = doc.file.root_path();
    let origin = Origin {
        file: &file,
        content_path: &doc.file.path,
        first_line: doc.file.body_line,
        file_text: &doc.file.text,
    };
    let asking = Asking {
        site,
        reads: RefCell::new(reads),
    };
    let mut rendered = markdown::render(doc.file.body(), &origin, &asking);
    let fp = rendered.fingerprint();
    let content = tera::Value::safe_string(&std::mem::take(&mut rendered.html));
    let markdown = Markdown {
        rendered: Arc::new(rendered),
        content,
    };
    (Arc::new(markdown), fp)
}

/// The model answering Markdown, each question read through the step's record.
struct Asking<'a, 'r> {
    site: &'a Site,
    reads: RefCell<&'a mut Reads<'r>>,
}

impl Resolver for Asking<'_, '_> {
    fn page_url(&self, content_path: &str) -> Option<&str> {
        self.reads
            .borrow_mut()
            .read(Key::PageUrl(content_path.into()));
        self.site.page_url(content_path)
    }
    fn source(&self, id: &str) -> Option<(&str, &str)> {
        self.reads.borrow_mut().read(Key::Source(id.into()));
        self.site.source(id)
    }
    fn asset_url(&self, content_path: &str) -> Option<&str> {
        self.reads
            .borrow_mut()
            .read(Key::Asset(content_path.into()));
        self.site.asset_url(content_path)
    }
}
