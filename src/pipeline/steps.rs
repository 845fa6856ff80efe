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
use crate::engine::{self, Changes, Entry, Fp, Key, Kind, Name, Reads, Record, Table};
use crate::files::{CONTENT_DIR, DATA_DIR, Found, STATIC_DIR, TEMPLATES_DIR, THEMES_DIR};
use crate::markdown::{self, Origin, Rendered, Resolver};
use crate::output::spill::Spill;
use crate::render::SpilledDoc;
use crate::render::{self, DocValue, Fields, TemplateAnchors, TemplateFiles, TemplateLink, Values};
use crate::site::{self, Doc, Site, SourceText, SourceTexts};
use rayon::prelude::*;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A parsed content file with the fingerprints of its two parts.
#[derive(Debug)]
pub struct Parsed {
    pub file: Arc<SourceFile>,
    /// Its path and front matter: what the model's structure reads.
    pub front_fp: Fp,
    /// Its path, body and the body's first line: what its Markdown reads.
    pub body_fp: Fp,
    /// In a build nothing builds on, whose `file` has no body: the file's
    /// whole text, kept for its Markdown step to take while the texts kept
    /// so stay within [`HELD_AT_MOST`] ([`Held`]); none, and that step reads
    /// the file again ([`read_again`]).
    held: std::sync::Mutex<Option<String>>,
}

impl Parsed {
    /// The file's whole text, if its parse kept it for its Markdown step:
    /// taken, so it goes as soon as that step is done with it.
    fn take_held(&self) -> Option<String> {
        self.held.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// How many bytes of texts a build nothing builds on keeps from its parse
/// steps for their Markdown steps ([`Parsed::held`]) rather than reading
/// the files again: every text of a site of 10,000 pages (38 MB of
/// Markdown), a sixth of one of 100,000, whose memory would otherwise grow
/// with its content.
const HELD_AT_MOST: usize = 64 << 20;

/// What the parse steps of a build nothing builds on have kept so far
/// ([`HELD_AT_MOST`]).
#[derive(Default)]
struct Held(std::sync::atomic::AtomicUsize);

impl Held {
    /// Whether `len` more bytes can be kept; counted if so.
    fn allow(&self, len: usize) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        self.0
            .fetch_update(Relaxed, Relaxed, |kept| {
                (kept + len <= HELD_AT_MOST).then_some(kept + len)
            })
            .is_ok()
    }
}

/// Compiled templates and the fields they can read.
pub struct Compiled {
    pub files: TemplateFiles,
    pub tera: tera::Tera,
    pub fields: Fields,
    pub anchors: TemplateAnchors,
    /// The URLs written as literal text ([`TemplateFiles::literal_links`]).
    pub links: Vec<TemplateLink>,
}

/// The model's structure and what building it reported.
pub struct Structure {
    pub site: Site,
    /// Per doc, where its file is in the parse steps' table.
    pub files: Vec<Option<usize>>,
    pub diagnostics: Vec<Diagnostic>,
}

/// What [`Site::check_docs`] found on the memo's structure, and what the
/// site published besides its pages then. While the structure is the same
/// one (not an equal one) and `besides` the same, so is what it finds: a
/// rebuild that changed no front matter, static file or template takes it
/// as it is rather than going over every doc again.
pub(super) struct Checked {
    besides: Fp,
    found: Vec<Diagnostic>,
}

pub(super) type Step<V> = Entry<Result<Arc<V>, Vec<Diagnostic>>>;

/// The parse steps' entries, in the order of the content folder's Markdown files.
pub(super) type ParsedTable = Table<Result<Arc<Parsed>, Vec<Diagnostic>>>;

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
    /// The content folder's listing the parse table follows, and its names.
    pub(super) content: Arc<Vec<Found>>,
    pub(super) content_names: Arc<[Name]>,
    pub(super) parsed: ParsedTable,
    pub(super) structure: Option<Entry<Arc<Structure>>>,
    pub(super) checked: Option<Checked>,
    /// Per doc, in the model's order.
    pub(super) markdown: Table<Arc<Markdown>>,
    pub(super) values: Table<Arc<DocValue>>,
    pub(super) sections: Map<Name, Entry<tera::Value>>,
    pub(super) pages: render::Pages,
    /// Answers no step makes, kept to tell whether they changed.
    pub(super) config_fp: Fp,
    pub(super) fields_fp: Fp,
    pub(super) search_fp: Fp,
    pub(super) site_fp: Fp,
}

/// Everything up to rendering.
pub(super) struct Prepared {
    pub(super) site: Site,
    pub(super) compiled: Arc<Compiled>,
    pub(super) values: Arc<Values>,
    pub(super) statics: Vec<(String, PathBuf)>,
    pub(super) memo: Memo,
    pub(super) known: Known,
    /// In a rebuild, the answers that changed since the previous build.
    pub(super) changes: Option<Changes>,
    /// Warnings so far (errors end the build before this exists).
    pub(super) diagnostics: Vec<Diagnostic>,
    pub(super) timer: Timer,
    /// Built with `lean` ([`prepare`]): nothing records its reads.
    pub(super) lean: bool,
}

impl Prepared {
    /// This build's answers, every layer complete.
    pub(super) fn answers(&self) -> Current<'_> {
        let templates = fp_of(self.memo.templates.as_ref());
        let memo = &self.memo;
        Current {
            site: Some(&self.site),
            known: Some(&self.known),
            markdown: Some(&memo.markdown),
            values: Some(&self.values),
            changes: self.changes.as_ref(),
            ..Current::new(
                &memo.inputs,
                memo.config_fp,
                templates,
                (memo.fields_fp, memo.search_fp),
                &memo.parsed,
                !self.lean,
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
/// `lean`: nothing builds on this build (no previous one is given, and
/// its memo is not kept): each doc's Markdown source is dropped as soon as
/// its HTML is made, which on a large site is a large part of the memory;
/// and with `spill`, the HTML waits there for its page's render when only
/// that render reads it.
pub(super) fn prepare(
    options: &Options,
    previous: Option<(&Memo, Changed)>,
    lean: bool,
    spill: Option<Arc<Spill>>,
) -> Result<Prepared, Vec<Diagnostic>> {
    let root = &options.root;
    // A build that ends the process shows its progress; watch's rebuilds do not.
    let timer = Timer::new(lean);
    let mut config = Config::load(root, options.base_url.as_deref()).map_err(|d| vec![d])?;
    config.portable |= options.portable;
    config.minify |= options.minify;
    let config_fp = engine::fingerprint(&(format!("{config:?}"), options.drafts));
    let old = previous.as_ref().map(|(m, _)| *m);
    // A clean build has no previous answers to compare with.
    let mut changes = old.map(|_| Changes::default());
    let mut inputs = match (&previous, &mut changes) {
        (Some((memo, changed)), Some(changes)) => {
            Inputs::refresh(root, &memo.inputs, changed, changes)
        }
        _ => Inputs::default(),
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
    let data_files = inputs.folder(root, DATA_DIR, &mut unreadable).0;
    for skipped in unreadable {
        diagnostics.push(match skipped.error {
            true => Diagnostic::error(skipped.path, 0, 0, skipped.why),
            false => Diagnostic::warning(skipped.path, 0, 0, skipped.why),
        });
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
    if let (Some(old), Some(changes)) = (old, &mut changes) {
        for (dir, (_, fp)) in &old.inputs.folders {
            changes.note_if(Key::Folder(dir.clone()), *fp, inputs.folder_fp(dir));
        }
        changes.note_if(Key::Config, old.config_fp, config_fp);
        changes.track(&[Kind::File, Kind::Folder, Kind::Config]);
    }
    // Data files: parsed on every build (outside any step, like the source
    // texts), each noted as a file read, so that a render step that loaded
    // one (`load_data`) runs again when it changes.
    let mut data = crate::data::Data::new();
    for found in data_files.iter() {
        let path: Name = format!("{DATA_DIR}/{}", found.rel).into();
        match std::fs::read(&found.abs) {
            Ok(bytes) => {
                inputs.note_file(path, engine::fingerprint_bytes(&bytes));
                match crate::data::parse(&found.rel, &bytes) {
                    Ok(value) => {
                        data.insert(found.rel.clone(), value);
                    }
                    Err(d) => diagnostics.push(d),
                }
            }
            Err(e) => diagnostics.push(Diagnostic::cannot_read(&*path, &e)),
        }
    }
    let data = Arc::new(data);
    timer.lap("inputs");

    let no_parsed = Table::default();
    let absent = engine::absent();
    let current = Current {
        changes: changes.as_ref(),
        ..Current::new(
            &inputs,
            config_fp,
            absent,
            (absent, absent),
            &no_parsed,
            !lean,
        )
    };

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
            let anchors = files.anchors();
            let links = files.literal_links();
            Ok(Arc::new(Compiled {
                files,
                tera,
                fields,
                anchors,
                links,
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
    // Their names and order, as the previous build had them while the
    // listing is the same.
    let (names, index) = match old.filter(|m| Arc::ptr_eq(&m.content, &content_folder)) {
        Some(m) => (m.content_names.clone(), m.parsed.index.clone()),
        None => {
            let names: Arc<[Name]> = markdown_files
                .iter()
                .map(|f| f.rel.as_str().into())
                .collect();
            let index = names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.clone(), i))
                .collect();
            (names, Arc::new(index))
        }
    };
    // A build something builds on keeps every body; one nothing builds on
    // as many as `held` allows, until their Markdown steps.
    let held = Held::default();
    let bodies = match lean {
        true => Bodies::Held(&held),
        false => Bodies::Kept,
    };
    let stepped: Vec<(Step<Parsed>, bool)> = markdown_files
        .par_iter()
        .enumerate()
        .map(|(i, found)| {
            let previous = old.and_then(|m| m.parsed.previous(&index, i, &names[i]));
            engine::step(previous, &current, |reads| parse(found, bodies, reads))
        })
        .collect();
    // A reused step read what the inputs already hold.
    let mut ran = Vec::new();
    for (i, (entry, _)) in stepped.iter().enumerate().filter(|(_, s)| s.1) {
        note_files(&mut inputs, &entry.reads);
        ran.push(names[i].clone());
    }
    let parts = |e: Option<&Step<Parsed>>| match e.map(|e| &e.value) {
        Some(Ok(p)) => (p.front_fp, p.body_fp),
        _ => (absent, absent),
    };
    note_files(&mut inputs, &templates.reads);
    let parsed = Table {
        index,
        entries: stepped.into_iter().map(|s| s.0).collect(),
    };
    let templates_fp = fp_of(Some(&templates));
    if let (Some(old), Some(changes)) = (old, &mut changes) {
        changes.note_if(Key::Templates, fp_of(old.templates.as_ref()), templates_fp);
        for name in &ran {
            let ((front0, body0), (front1, body1)) =
                (parts(old.parsed.get(name)), parts(parsed.get(name)));
            changes.note_if(Key::Front(name.clone()), front0, front1);
            changes.note_if(Key::Body(name.clone()), body0, body1);
        }
        // A file that went was in a folder whose listing changed.
        if changes.get(&Key::Folder(CONTENT_DIR.into())) == Some(true) {
            for name in old.content_names.iter().filter(|n| parsed.get(n).is_none()) {
                changes.note(Key::Front(name.clone()));
                changes.note(Key::Body(name.clone()));
            }
        }
        changes.track(&[Kind::Templates, Kind::Front, Kind::Body]);
    }
    timer.lap("parse");
    let compiled = match &templates.value {
        Ok(c) => Some(c.clone()),
        Err(errors) => {
            diagnostics.extend(errors.iter().cloned());
            None
        }
    };
    let fields = compiled.as_ref().map_or(Fields::All, |c| c.fields.clone());
    // Under a base path, a link from the host's root leaves the site.
    let base_path = config.base_path();
    for link in compiled.iter().flat_map(|c| &c.links) {
        let url = &link.url;
        if url.starts_with('/')
            && !url.starts_with("//")
            && base_path != "/"
            && !url.starts_with(&base_path)
        {
            let inside = url.trim_start_matches('/');
            diagnostics.push(Diagnostic::warning(
                &link.path,
                link.line,
                link.column,
                format!(
                    "`{url}` points outside the base path {base_path}: write {{{{ url(path=\"{inside}\") }}}} so it follows the base path"
                ),
            ));
        }
    }
    let fields_fp = engine::fingerprint(&fields);
    // Each page's search terms are made only for a search index.
    let search = compiled
        .as_ref()
        .is_some_and(|c| render::makes_search_index(&c.files));
    let search_fp = engine::fingerprint(&search);
    if let (Some(old), Some(changes)) = (old, &mut changes) {
        changes.note_if(Key::Fields, old.fields_fp, fields_fp);
        changes.note_if(Key::Search, old.search_fp, search_fp);
        changes.track(&[Kind::Fields, Kind::Search]);
    }
    // What the templates ask of the model besides the templates themselves.
    let asks = (fields_fp, search_fp);
    let current = Current {
        changes: changes.as_ref(),
        ..Current::new(&inputs, config_fp, templates_fp, asks, &parsed, !lean)
    };

    // The model's structure, from every file's front matter.
    let (structure, structure_ran) =
        engine::step(old.and_then(|m| m.structure.as_ref()), &current, |reads| {
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
            for (name, entry) in names.iter().zip(&parsed.entries) {
                reads.read(Key::Front(name.clone()));
                if let Ok(p) = &entry.value
                    && (options.drafts || !p.file.front.draft)
                {
                    files.push(p.file.clone());
                }
            }
            let mut found = Vec::new();
            let site = site::structure(config.clone(), Content { files, assets }, &mut found);
            let files = site
                .docs
                .iter()
                .map(|d| parsed.index.get(&d.name).copied())
                .collect();
            let structure = Structure {
                site,
                files,
                diagnostics: found,
            };
            (Arc::new(structure), 0)
        });
    for entry in &parsed.entries {
        if let Err(errors) = &entry.value {
            diagnostics.extend(errors.iter().cloned());
        }
    }
    diagnostics.extend(structure.value.diagnostics.iter().cloned());
    let mut site = structure.value.site.clone();
    // The structure read front matter only: take each file as parsed now.
    for (doc, file) in site.docs.iter_mut().zip(&structure.value.files) {
        if let Some(Ok(p)) = file.and_then(|f| parsed.entries.get(f)).map(|e| &e.value)
            && !Arc::ptr_eq(&doc.file, &p.file)
        {
            doc.file = p.file.clone();
        }
    }
    // Changes to what the model answers are followed only while the model
    // stands: when its structure was made again, every answer made from it
    // is compared instead (see `Current::changed`).
    let changes_followed = |changes: &mut Option<Changes>, kinds: &[Kind]| {
        if let Some(changes) = changes.as_mut().filter(|_| !structure_ran) {
            changes.track(kinds);
        }
    };
    changes_followed(
        &mut changes,
        &[Kind::Place, Kind::PageUrl, Kind::Source, Kind::Asset],
    );
    // Checked on every build, outside any step, like the theme.
    let published = |path: &str| statics.iter().any(|(rel, _)| rel == path);
    let writes = (compiled.as_ref()).map(|c| move |path: &str| c.files.files.contains_key(path));
    let theme_writes = writes.as_ref().map(|w| w as &dyn Fn(&str) -> bool);
    // The checks read the structure's model (not this build's copy) and
    // what `published` and `theme_writes` answer from: the static files'
    // paths, and the templates.
    let besides = engine::fingerprint(&(
        statics.iter().map(|(rel, _)| rel).collect::<Vec<_>>(),
        templates_fp,
    ));
    let same_structure =
        |m: &Memo| (m.structure.as_ref()).is_some_and(|s| Arc::ptr_eq(&s.value, &structure.value));
    let checked = match old
        .filter(|m| same_structure(m))
        .and_then(|m| m.checked.as_ref())
    {
        Some(c) if c.besides == besides => c.found.clone(),
        _ => (structure.value.site).check_docs(&published, theme_writes),
    };
    diagnostics.extend(checked.iter().cloned());
    let checked = (!lean).then_some(Checked {
        besides,
        found: checked,
    });
    let before = old.map(|m| &m.inputs);
    site.texts = source_texts(
        root,
        &site,
        &mut inputs,
        (before, &mut changes),
        &mut diagnostics,
    );
    timer.lap("structure");

    // Each doc's Markdown; shortcodes render with the templates and data.
    let shortcode_tera = ShortcodeTemplates::new(compiled.as_ref().map(|c| &c.tera), &data);
    let known = Known::new(&site);
    let current = Current {
        site: Some(&site),
        known: Some(&known),
        changes: changes.as_ref(),
        ..Current::new(&inputs, config_fp, templates_fp, asks, &parsed, !lean)
    };
    // A page's HTML goes to the scratch file as soon as it is made when no
    // template reads a body but its own page's (`page.content`).
    let spill = spill.filter(|_| lean && fields.own(render::BODY_FIELD));
    type Stepped = Vec<(Entry<Arc<Markdown>>, bool)>;
    // So do its own page's parts when no template reads them of another.
    let own_too = !crate::markdown::OWN_FIELDS.iter().any(|f| fields.listed(f));
    let (stepped, places): (Stepped, Vec<Option<SpilledDoc>>) = site
        .docs
        .par_iter()
        .enumerate()
        .map(|(i, doc)| {
            let previous = old.and_then(|m| m.markdown.previous(&site.by_path, i, &doc.name));
            let (mut entry, ran) = engine::step(previous, &current, |reads| {
                // A lean build's parse dropped the body: it is taken from
                // where the parse kept it, else read again.
                let again = match lean {
                    true => {
                        let file = structure.value.files[i];
                        let parsed = file.and_then(|f| parsed.entries[f].value.as_ref().ok());
                        Some(match parsed.and_then(|p| p.take_held()) {
                            Some(text) => Ok(text),
                            None => read_again(&doc.file, file.map(|f| markdown_files[f])),
                        })
                    }
                    false => None,
                };
                let text = match &again {
                    Some(again) => again.as_deref(),
                    None => Ok(doc.file.text.as_str()),
                };
                render_markdown(&site, doc, text, (&shortcode_tera, search), reads)
            });
            let place = spill
                .as_ref()
                .and_then(|s| spill_doc(s, &mut entry, own_too));
            ((entry, ran), place)
        })
        .unzip();
    let rendered: Vec<Arc<Rendered>> = stepped.iter().map(|e| e.0.value.rendered.clone()).collect();
    if let (Some(old), Some(changes)) = (old, &mut changes) {
        for (i, (entry, _)) in stepped.iter().enumerate().filter(|(_, s)| s.1) {
            let name = &site.docs[i].name;
            let before = old.markdown.get(name);
            changes.note_if(Key::Markdown(name.clone()), fp_of(before), entry.fp);
            // Who cites a source changes with what its citing pages cite.
            let cited_before = before.map_or(&[][..], |e| &e.value.rendered.citations[..]);
            let cited_now = &entry.value.rendered.citations;
            if cited_before != &cited_now[..] {
                for id in cited_before.iter().chain(cited_now) {
                    if let Some(&s) = site.sources.get(id) {
                        changes.note(Key::CitedBy(site.docs[s].name.clone()));
                    }
                }
            }
        }
    }
    changes_followed(&mut changes, &[Kind::Markdown, Kind::CitedBy]);
    let mut markdown = by_doc(&site, stepped);
    // Without templates (they failed), no anchor is the theme's.
    let theme_has = |anchor: &str| compiled.as_ref().is_some_and(|c| c.anchors.has(anchor));
    site::attach(&mut site, rendered, &theme_has, &mut diagnostics);
    // Every body went with its Markdown step; in a build nothing builds on,
    // the structure goes too.
    let structure = (!lean).then_some(structure);
    if lean {
        // The model keeps each doc's rendered Markdown alone, without what
        // only the checks just made read, and the memory all this held goes
        // back to the system before the stages that follow.
        let none = Arc::new(Rendered::default());
        for entry in &mut markdown.entries {
            if let Some(m) = Arc::get_mut(entry.value_mut()) {
                m.rendered = none.clone();
            }
        }
        for doc in &mut site.docs {
            if let Some(r) = Arc::get_mut(&mut doc.rendered) {
                r.drop_checked();
            }
        }
        crate::cli::release_freed_memory();
    }
    timer.lap("markdown");

    // Each doc's template value.
    let current = Current {
        site: Some(&site),
        known: Some(&known),
        markdown: Some(&markdown),
        changes: changes.as_ref(),
        ..Current::new(&inputs, config_fp, templates_fp, asks, &parsed, !lean)
    };
    let (site_value, site_fp) = render::site_value(&site, &fields);
    let alike = render::Alike::default();
    let stepped: Vec<(Entry<Arc<DocValue>>, bool)> = (0..site.docs.len())
        .into_par_iter()
        .map(|i| {
            let previous =
                old.and_then(|m| m.values.previous(&site.by_path, i, &site.docs[i].name));
            engine::step(previous, &current, |reads| {
                reads.read(Key::Fields);
                let content = &markdown.entries[i].value.content;
                render::doc_value(&site, i, content, &fields, &alike, reads)
            })
        })
        .collect();
    if let (Some(old), Some(changes)) = (old, &mut changes) {
        let fps = |v: Option<&Entry<Arc<DocValue>>>| {
            v.map_or((absent, absent), |e| (e.value.full_fp, e.value.listed_fp))
        };
        for (i, (entry, _)) in stepped.iter().enumerate().filter(|(_, s)| s.1) {
            let name = &site.docs[i].name;
            let ((full0, listed0), (full1, listed1)) =
                (fps(old.values.get(name)), fps(Some(entry)));
            changes.note_if(Key::Value(name.clone()), full0, full1);
            changes.note_if(Key::Page(name.clone()), full0, full1);
            changes.note_if(Key::Listed(name.clone()), listed0, listed1);
        }
        changes.note_if(Key::Site, old.site_fp, site_fp);
    }
    changes_followed(
        &mut changes,
        &[Kind::Value, Kind::Page, Kind::Listed, Kind::Site],
    );
    let mut values = Values {
        data: data.clone(),
        site: site_value,
        site_fp,
        docs: stepped.iter().map(|e| e.0.value.clone()).collect(),
        sections: Vec::new(),
        fields: fields.clone(),
        spilled: spill.map(|spill| render::Spilled { spill, places }),
    };
    let values_memo = by_doc(&site, stepped);

    // Each section's `get_section` answer, from the values of its members.
    let current = Current {
        site: Some(&site),
        known: Some(&known),
        markdown: Some(&markdown),
        values: Some(&values),
        changes: changes.as_ref(),
        ..Current::new(&inputs, config_fp, templates_fp, asks, &parsed, !lean)
    };
    let stepped: Vec<Option<(Entry<tera::Value>, bool)>> = (0..site.docs.len())
        .into_par_iter()
        .map(|i| {
            let doc = &site.docs[i];
            doc.is_section().then(|| {
                let previous = old.and_then(|m| m.sections.get(&doc.name));
                engine::step(previous, &current, |reads| {
                    render::section_answer(&site, &values, i, reads)
                })
            })
        })
        .collect();
    if let (Some(old), Some(changes)) = (old, &mut changes) {
        for (i, (entry, _)) in stepped
            .iter()
            .enumerate()
            .filter_map(|(i, s)| Some((i, s.as_ref().filter(|s| s.1)?)))
        {
            let name = &site.docs[i].name;
            changes.note_if(
                Key::Section(name.clone()),
                fp_of(old.sections.get(name)),
                entry.fp,
            );
        }
    }
    changes_followed(&mut changes, &[Kind::Section]);
    values.sections = stepped
        .iter()
        .map(|s| s.as_ref().map(|(e, _)| (e.value.clone(), e.fp)))
        .collect();
    let mut sections = Map::default();
    sections.extend(
        stepped
            .into_iter()
            .zip(&site.docs)
            .filter_map(|(s, d)| Some((d.name.clone(), s?.0))),
    );
    let values = Arc::new(values);
    timer.lap("template values");

    let Some(compiled) = compiled else {
        return Err(diagnostics);
    };
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics);
    }
    Ok(Prepared {
        site,
        compiled,
        values,
        statics,
        // A build nothing builds on keeps no steps for a next one: what
        // they hold goes now, before the pages render, not as the build ends.
        memo: match lean {
            true => Memo {
                config_fp,
                fields_fp,
                search_fp,
                site_fp,
                ..Memo::default()
            },
            false => Memo {
                inputs,
                templates: Some(templates),
                content: content_folder,
                content_names: names,
                parsed,
                structure,
                checked,
                markdown,
                values: values_memo,
                sections,
                pages: render::Pages::default(),
                config_fp,
                fields_fp,
                search_fp,
                site_fp,
            },
        },
        known,
        changes,
        diagnostics,
        timer,
        lean,
    })
}

/// Per-doc entries (in doc order), for the next build.
fn by_doc<V>(site: &Site, stepped: Vec<(Entry<V>, bool)>) -> Table<V> {
    Table {
        index: site.by_path.clone(),
        entries: stepped.into_iter().map(|s| s.0).collect(),
    }
}

/// What a parse step does with its file's body.
#[derive(Clone, Copy)]
enum Bodies<'a> {
    /// Kept in the parsed file, for every later build.
    Kept,
    /// Dropped from the parsed file; the whole text kept beside it for its
    /// Markdown step while `Held` allows, else read again by that step.
    Held(&'a Held),
}

/// The parse step of one content file: its bytes, read and split. In a
/// build nothing builds on ([`Bodies::Held`]), the parsed file has no body:
/// its Markdown step takes the text the parse kept, or reads it again
/// ([`read_again`]), so that no more than [`HELD_AT_MOST`] of sources wait
/// in memory from their parse to their Markdown, and each goes then.
fn parse(
    found: &Found,
    bodies: Bodies,
    reads: &mut Reads,
) -> (Result<Arc<Parsed>, Vec<Diagnostic>>, Fp) {
    let path: Name = format!("{CONTENT_DIR}/{}", found.rel).into();
    let bytes = match std::fs::read(&found.abs) {
        Ok(b) => b,
        Err(e) => {
            reads.got(Key::File(path.clone()), engine::absent());
            let error = Diagnostic::cannot_read(&*path, &e);
            return (Err(vec![error]), engine::absent());
        }
    };
    // Fingerprints serve the next build only: none when reads are not kept.
    let recording = reads.recording();
    let fp = match recording {
        true => engine::fingerprint_bytes(&bytes),
        false => engine::absent(),
    };
    reads.got(Key::File(path), fp);
    let parsed = content::parse_bytes(&found.rel, bytes).map(|mut file| {
        let (front_fp, body_fp) = match recording {
            true => (
                engine::fingerprint(&(
                    &file.path,
                    file.kind == content::Kind::Section,
                    format!("{:?}", file.front),
                )),
                engine::fingerprint(&(&file.path, file.body_line, file.body())),
            ),
            false => (engine::absent(), engine::absent()),
        };
        let mut held = None;
        if let Bodies::Held(kept) = bodies {
            if kept.allow(file.text.len()) {
                let head = file.text[..file.body_start].to_string();
                held = Some(std::mem::replace(&mut file.text, head));
            } else {
                file.drop_body();
            }
        }
        Arc::new(Parsed {
            front_fp,
            body_fp,
            file: Arc::new(file),
            held: std::sync::Mutex::new(held),
        })
    });
    (parsed, fp)
}

/// A doc's whole text, read again from its file (`found`, where the
/// parse steps read it) for its Markdown step, if what precedes its body
/// is what the parse step read.
fn read_again(file: &SourceFile, found: Option<&Found>) -> Result<String, Diagnostic> {
    let path = file.root_path();
    let found = found.ok_or_else(|| {
        Diagnostic::error(
            &path,
            0,
            0,
            "the file went while the site was being built: build again",
        )
    })?;
    let bytes = std::fs::read(&found.abs).map_err(|e| Diagnostic::cannot_read(&path, &e))?;
    file.read_again(bytes)
}

/// The Markdown step of one doc: the body of its file's `text` (the
/// whole file), with every question it asks the model about URLs, sources
/// and files read through `reads`.
fn render_markdown(
    site: &Site,
    doc: &Doc,
    text: Result<&str, &Diagnostic>,
    (tera, search): (&ShortcodeTemplates, bool),
    reads: &mut Reads,
) -> (Arc<Markdown>, Fp) {
    reads.read(Key::Body(doc.name.clone()));
    let whole = &doc.file;
    let text = match text {
        Ok(text) => text,
        Err(error) => {
            let rendered = Rendered {
                diagnostics: vec![error.clone()],
                ..Rendered::default()
            };
            let markdown = Markdown {
                rendered: Arc::new(rendered),
                content: tera::Value::safe_string(""),
            };
            return (Arc::new(markdown), engine::absent());
        }
    };
    let file = whole.root_path();
    let origin = Origin::of(whole, text, &file);
    let asking = Asking {
        site,
        tera,
        search,
        reads: RefCell::new(reads),
    };
    let recording = asking.reads.borrow().recording();
    let mut rendered = markdown::render(&text[whole.body_start..], &origin, &asking);
    let fp = match recording {
        true => rendered.fingerprint(),
        false => engine::absent(),
    };
    let content = tera::Value::safe_string(&std::mem::take(&mut rendered.html));
    let markdown = Markdown {
        rendered: Arc::new(rendered),
        content,
    };
    (Arc::new(markdown), fp)
}

/// Put a Markdown step's HTML in the scratch file, and with `own_too` its
/// own page's parts ([`crate::markdown::Own`]), its answer keeping the
/// rest; `None` (all stays) if that cannot be done.
fn spill_doc(spill: &Spill, entry: &mut Entry<Arc<Markdown>>, own_too: bool) -> Option<SpilledDoc> {
    let body = spill.put(entry.value.content.as_str()?).ok()?;
    let markdown = Arc::get_mut(entry.value_mut())?;
    markdown.content = tera::Value::none();
    let own = match Arc::get_mut(&mut markdown.rendered) {
        Some(rendered) if own_too => {
            let own = postcard::to_allocvec(&rendered.own()).ok();
            let place = own.and_then(|own| spill.put_bytes(&own).ok());
            if place.is_some() {
                rendered.take_own();
            }
            place
        }
        _ => None,
    };
    Some(SpilledDoc { body, own })
}

/// Each source's text (`text:` in its front matter), for checking the
/// passages cited from it: beside the source page, else in site.yaml's
/// `source_texts` folder. Read on every build (sources are few), outside any
/// step; each path looked at is noted as a file read, so that a Markdown
/// step that asked for the text ([`Asking::source_text`]) runs again when
/// the text changes, appears or goes: compared with the previous build's
/// (`before`) here, since the watcher may not see the folder.
fn source_texts(
    root: &Path,
    site: &Site,
    inputs: &mut Inputs,
    (before, changes): (Option<&Inputs>, &mut Option<Changes>),
    diagnostics: &mut Vec<Diagnostic>,
) -> SourceTexts {
    let mut note = |inputs: &mut Inputs, path: &Name, fp: Fp| {
        if let (Some(before), Some(changes)) = (before, changes.as_mut()) {
            changes.note_if(Key::File(path.clone()), before.file(path), fp);
        }
        inputs.note_file(path.clone(), fp);
    };
    let mut texts = SourceTexts::new();
    for (id, &i) in &site.sources {
        let doc = &site.docs[i];
        let Some(named) = &doc.file.front.text else {
            continue;
        };
        let shown = doc.file.root_path();
        let name = named.value.trim();
        let plain = !name.is_empty()
            && !name.starts_with('/')
            && name
                .split(['/', '\\'])
                .all(|s| !s.is_empty() && s != "." && s != "..");
        if !plain {
            diagnostics.push(Diagnostic::error(
                &shown,
                named.line,
                named.column,
                format!("`text: {name}`: name a file beside the source page, or in site.yaml's `source_texts` folder, by a path inside it"),
            ));
            continue;
        }
        let beside = match doc.file.path.rsplit_once('/') {
            Some((dir, _)) => format!("{CONTENT_DIR}/{dir}/{name}"),
            None => format!("{CONTENT_DIR}/{name}"),
        };
        let folder = (site.config.source_texts.as_deref())
            .map(|dir| format!("{}/{name}", dir.trim_end_matches('/')));
        let mut looked: Vec<Name> = Vec::new();
        let mut text = None;
        for path in std::iter::once(beside).chain(folder) {
            let read = std::fs::read(root.join(&path));
            let path: Name = path.into();
            looked.push(path.clone());
            match read {
                Ok(bytes) => {
                    note(inputs, &path, engine::fingerprint_bytes(&bytes));
                    text = Some(markdown::normalise(&String::from_utf8_lossy(&bytes)).into());
                    break;
                }
                Err(e) => {
                    note(inputs, &path, engine::absent());
                    if e.kind() != std::io::ErrorKind::NotFound {
                        diagnostics.push(Diagnostic::cannot_read(&*path, &e));
                    }
                }
            }
        }
        if text.is_none() {
            let places: Vec<&str> = looked.iter().map(|p| &**p).collect();
            diagnostics.push(Diagnostic::warning(
                &shown,
                named.line,
                named.column,
                format!(
                    "its text is not here (looked for {}): the passages cited from it are not checked, and `dossier check --strict` fails",
                    places.join(" and ")
                ),
            ));
        }
        let path = looked.last().cloned().unwrap_or_default();
        texts.insert(id.clone(), SourceText { path, text, looked });
    }
    texts
}

/// The templates as shortcodes use them: with the data files, before the
/// model is made.
struct ShortcodeTemplates<'a> {
    /// None when they failed to compile.
    compiled: Option<&'a tera::Tera>,
    /// What their functions answer from ([`render::with_model`]).
    model: Arc<render::Model>,
    /// Calls rendered so far, by a fingerprint of template, arguments (the
    /// key they are made from) and body: within a build a component's output
    /// follows from these alone (the templates and the data files it may
    /// load are the build's), and
    /// the same citation mark or shortcode recurs on many pages.
    renders: std::sync::Mutex<rustc_hash::FxHashMap<Fp, Arc<Call>>>,
}

/// A template called from Markdown: its output ([`render::render_with_args`])
/// and what its functions read.
type Call = (Option<Result<String, String>>, Vec<Key>);

/// Calls kept by [`ShortcodeTemplates::render`]; past that, they render every
/// time (a site whose calls all differ keeps no more than this).
const KEPT_CALLS: usize = 4096;

impl<'a> ShortcodeTemplates<'a> {
    fn new(compiled: Option<&'a tera::Tera>, data: &Arc<crate::data::Data>) -> Self {
        ShortcodeTemplates {
            compiled,
            model: render::Model::data(data.clone()),
            renders: Default::default(),
        }
    }

    /// Template `name` rendered with `body` and the arguments `args` makes,
    /// the same whenever `key` is: made once per build for the same three,
    /// the arguments only then; `None` when the templates failed to compile.
    fn render(
        &self,
        name: &str,
        key: Fp,
        args: &dyn Fn() -> crate::markdown::TemplateArgs,
        body: Option<&str>,
    ) -> Option<Arc<Call>> {
        let key = engine::fingerprint(&(name, key, body));
        let tera = self.compiled?;
        let renders = || self.renders.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(call) = renders().get(&key).cloned() {
            return Some(call);
        }
        let args = args();
        let call = Arc::new(render::calls_of(|| {
            render::with_model(&self.model, || {
                render::render_with_args(tera, name, &args, body)
            })
        }));
        let mut renders = renders();
        if renders.len() < KEPT_CALLS {
            renders.insert(key, call.clone());
        }
        Some(call)
    }
}

/// The model answering Markdown, each question read through the step's record.
struct Asking<'a, 'r> {
    site: &'a Site,
    /// The templates, for shortcodes.
    tera: &'a ShortcodeTemplates<'a>,
    /// Whether the templates make a search index.
    search: bool,
    reads: RefCell<&'a mut Reads<'r>>,
}

impl Asking<'_, '_> {
    /// What a template called from Markdown gave, its reads read by this
    /// step, with the templates'.
    fn answer(&self, call: Option<Arc<Call>>) -> Option<Result<String, String>> {
        self.reads.borrow_mut().read(Key::Templates);
        let Some(call) = call else {
            // The build fails on the templates' own errors: nothing to add
            // at each citation and shortcode.
            return Some(Ok(String::new()));
        };
        // What the template reads (`load_data`) is read by this step.
        let (out, calls) = &*call;
        let mut reads = self.reads.borrow_mut();
        for key in calls {
            reads.read(key.clone());
        }
        out.clone()
    }
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
    fn base_path(&self) -> &str {
        // The base path comes from site.yaml (or --base-url).
        self.reads.borrow_mut().read(Key::Config);
        &self.site.base_path
    }
    fn raw_html(&self) -> bool {
        self.reads.borrow_mut().read(Key::Config);
        self.site.config.unsafe_html
    }
    fn search_terms(&self) -> bool {
        self.reads.borrow_mut().read(Key::Search);
        self.search
    }
    fn render_template(
        &self,
        name: &str,
        args: &crate::markdown::TemplateArgs,
        body: Option<&str>,
    ) -> Option<Result<String, String>> {
        // Arguments as written (a shortcode's): known by their own fingerprint.
        let key = engine::fingerprint(args);
        self.render_keyed(name, key, &|| args.clone(), body)
    }
    fn render_keyed(
        &self,
        name: &str,
        key: Fp,
        args: &dyn Fn() -> crate::markdown::TemplateArgs,
        body: Option<&str>,
    ) -> Option<Result<String, String>> {
        self.answer(self.tera.render(name, key, args, body))
    }
    fn source_text(&self, id: &str) -> Option<(&str, Option<&str>)> {
        let mut reads = self.reads.borrow_mut();
        // Where the text is looked for: the source's `text:` and site.yaml.
        reads.read(Key::Source(id.into()));
        reads.read(Key::Config);
        if let Some(known) = self.site.texts.get(id) {
            for path in &known.looked {
                reads.read(Key::File(path.clone()));
            }
        }
        self.site.source_text(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Nothing;
    impl engine::Answers for Nothing {
        fn fingerprint(&self, _: &Key) -> Fp {
            engine::absent()
        }
    }

    #[test]
    fn a_file_that_vanished_after_the_walk_is_an_error_naming_it() {
        let found = Found {
            rel: "gone.md".into(),
            abs: std::env::temp_dir().join("dossier-no-such-file/gone.md"),
        };
        let mut reads = Reads::new(&Nothing);
        let (parsed, fp) = parse(&found, Bodies::Kept, &mut reads);
        assert_eq!(fp, engine::absent());
        let errors = parsed.map(|_| ()).expect_err("an error");
        let shown = errors[0].to_string();
        assert!(
            shown.starts_with("content/gone.md: cannot read:"),
            "{shown}"
        );
        // Recorded as absent, so the file's return re-runs the step.
        assert_eq!(
            &reads.finish()[..],
            &[(Key::File("content/gone.md".into()), engine::absent())]
        );
    }

    #[test]
    fn a_lean_parse_keeps_whole_texts_up_to_its_allowance_for_their_markdown_steps() {
        let dir = tempfile::tempdir().unwrap();
        let text = "---\ntitle: A\n---\nFirst\n";
        let found = |name: &str| {
            let abs = dir.path().join(name);
            std::fs::write(&abs, text).unwrap();
            Found {
                rel: name.into(),
                abs,
            }
        };
        let held = Held(HELD_AT_MOST.saturating_sub(text.len() + 1).into());
        let parse_held = |name| {
            let mut reads = Reads::new(&Nothing);
            parse(&found(name), Bodies::Held(&held), &mut reads)
                .0
                .expect("parsed")
        };
        let (a, b) = (parse_held("a.md"), parse_held("b.md"));
        // Each parsed file has no body; the first text fits and is kept,
        // whole, to be taken once; the second is past the allowance.
        for p in [&a, &b] {
            assert_eq!((p.file.front.title.as_str(), p.file.body()), ("A", ""));
        }
        assert_eq!(a.take_held().as_deref(), Some(text));
        assert_eq!(a.take_held(), None);
        assert_eq!(b.take_held(), None);
        assert!(held.allow(1) && !held.allow(1));
    }

    #[test]
    fn a_lean_parse_drops_the_body_that_its_markdown_step_reads_again() {
        let dir = tempfile::tempdir().unwrap();
        let found = Found {
            rel: "a.md".into(),
            abs: dir.path().join("a.md"),
        };
        std::fs::write(&found.abs, "---\ntitle: A\n---\nFirst\n").unwrap();
        let mut reads = Reads::new(&Nothing);
        // Nothing more can be kept.
        let held = Held(HELD_AT_MOST.into());
        let parsed = parse(&found, Bodies::Held(&held), &mut reads)
            .0
            .expect("parsed");
        assert_eq!(parsed.take_held(), None);
        let file = &parsed.file;
        assert_eq!((file.front.title.as_str(), file.body()), ("A", ""));
        let body = |text: String| text[file.body_start..].to_string();
        let again = read_again(file, Some(&found)).map(body);
        assert_eq!(again.as_deref(), Ok("First\n"));
        std::fs::write(&found.abs, "---\ntitle: A\n---\nSecond\n").unwrap();
        let again = read_again(file, Some(&found)).map(body);
        assert_eq!(again.as_deref(), Ok("Second\n"));
        std::fs::remove_file(&found.abs).unwrap();
        let error = read_again(file, Some(&found)).unwrap_err().to_string();
        assert!(error.starts_with("content/a.md: cannot read:"), "{error}");
        let error = read_again(file, None).unwrap_err().to_string();
        assert!(
            error.contains("went while the site was being built"),
            "{error}"
        );
    }
}
