//! The site model: every page and section with its URL, its place in the
//! section tree, its rendered Markdown, its citations, and who depends on
//! whom. Built from loaded content in two steps (below); rendering reads it
//! and never changes it. Not for templates or files on disk.
//!
//! This file holds the model's types and builds it in two steps: its
//! structure from the front matter ([`structure`]: URLs, the section tree,
//! sources, assets, section order and neighbours), then, once every doc's
//! Markdown is rendered, who cites whom and the anchor checks ([`attach`]).
//! Answering Markdown's questions about URLs, sources and files is in
//! `resolve.rs`; routes, the section tree's lookups, sort order and anchor
//! checks are in `tree.rs`.

mod resolve;
mod tree;

use crate::config::Config;
use crate::content::{Asset, Content, Kind, SortBy, SourceFile};
use crate::diagnostic::Diagnostic;
use crate::engine::{Map, Name};
use crate::markdown::{Rendered, Resolver};
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use tree::{asset_out_path, check_anchors, compare, parent_section, route};

/// The section whose pages are citable sources (`[@id]`).
pub const SOURCES_SECTION: &str = "sources/_index.md";

/// A page or a section.
#[derive(Debug, Clone)]
pub struct Doc {
    pub file: Arc<SourceFile>,
    /// Path under the site, with the base path: `/sub/memo/claims/`.
    pub url: Name,
    /// File to write under the output folder: `memo/claims/index.html`.
    /// (Both shared, so a rebuild's copy of the model costs no new strings.)
    pub out_path: Name,
    /// The section this doc belongs to (a section's parent section); `None` for home.
    pub parent: Option<usize>,
    /// Sections only: pages in display order, and child sections.
    pub pages: Vec<usize>,
    pub subsections: Vec<usize>,
    pub previous: Option<usize>,
    pub next: Option<usize>,
    /// Shared, so a rebuild can keep it without copying.
    pub rendered: Arc<Rendered>,
    /// Sources only: the docs that cite it, in site order.
    pub cited_by: Vec<usize>,
    /// Its path under content/, as the build engine's keys name it.
    pub name: crate::engine::Name,
    /// Whether it is a section (its file's kind, which its path decides):
    /// kept beside the rest, as passes over every doc ask it.
    section: bool,
}

/// What a doc holds until its Markdown is rendered: one value every doc
/// shares, so that copying the model's docs copies no new one.
fn not_rendered() -> Arc<Rendered> {
    static EMPTY: std::sync::LazyLock<Arc<Rendered>> = std::sync::LazyLock::new(Arc::default);
    EMPTY.clone()
}

impl Doc {
    /// A doc not yet placed in the section tree nor rendered.
    fn new(file: Arc<SourceFile>, url: String, out_path: String) -> Doc {
        let name = file.path.as_str().into();
        Doc {
            section: file.kind == Kind::Section,
            file,
            url: url.into(),
            out_path: out_path.into(),
            parent: None,
            pages: Vec::new(),
            subsections: Vec::new(),
            previous: None,
            next: None,
            rendered: not_rendered(),
            cited_by: Vec::new(),
            name,
        }
    }

    pub fn is_section(&self) -> bool {
        self.section
    }
    /// The source id of a page in the sources section: its file name
    /// without `.md` (a bundle's folder name), whatever its slug.
    pub fn source_id(&self) -> &str {
        let path = self.file.path.trim_end_matches(".md");
        let path = path.strip_suffix("/index").unwrap_or(path);
        path.rsplit('/').next().unwrap_or_default()
    }
    /// The last segment of its URL: its slug, file name or folder name.
    pub fn slug(&self) -> &str {
        self.url
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default()
    }
}

/// A file of `content/` that is not Markdown, with where it is published:
/// its own path, or beside its bundle's page wherever that page's URL is.
#[derive(Debug, Clone)]
pub struct PlacedAsset {
    pub file: Asset,
    /// File to write under the output folder.
    pub out_path: String,
    /// Its URL, with the base path.
    pub url: String,
}

/// The whole site as a value.
#[derive(Debug)]
pub struct Site {
    pub config: Config,
    pub base_path: String,
    pub docs: Vec<Doc>,
    /// Content path (`memo/claims.md`) → index in `docs`.
    /// Shared, so a rebuild's copy of the model and the template functions
    /// hold it without copying.
    pub by_path: Arc<Map<Name, usize>>,
    /// Source id → index in `docs`.
    pub sources: BTreeMap<String, usize>,
    /// Non-Markdown files under content/, placed beside their pages.
    pub assets: Vec<PlacedAsset>,
    /// Content path of an asset → index in `assets`.
    pub assets_by_path: Map<String, usize>,
    /// The redirect files aliases ask for, in doc order.
    pub aliases: Vec<Alias>,
    /// The texts of the sources that name one, by source id (filled in by
    /// the pipeline, which reads them).
    pub texts: SourceTexts,
    /// Every doc's index, in the order of their output paths.
    pub by_out_path: Vec<usize>,
    pub home: usize,
}

/// The texts of sources, by source id.
pub type SourceTexts = BTreeMap<String, SourceText>;

/// A source's text, as the build found it.
#[derive(Debug, Clone, Default)]
pub struct SourceText {
    /// Where it is (from the site root), or the last place it was looked for.
    pub path: Name,
    /// The text as [`crate::markdown::normalise`] makes it; `None`: not found.
    pub text: Option<Arc<str>>,
    /// Every path looked at, in order.
    pub looked: Vec<Name>,
}

/// A redirect file written at an old URL of a doc (`aliases` in its front matter).
#[derive(Debug, Clone)]
pub struct Alias {
    pub out_path: String,
    /// The doc it redirects to.
    pub doc: usize,
}

/// What a share image (`image` in front matter or site.yaml) names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Image {
    /// A full URL (`https://…`).
    Url(String),
    /// A file of the published site by its path from the site's root
    /// (`/share.png`: a static file).
    Published(String),
    /// A content file, by its path under content/ (`chart.png` beside the page).
    Content(String),
}

impl Image {
    /// What `image` names when written in the content file at `from`, or in
    /// site.yaml (`None`); `None` when it leaves content/.
    pub fn named(from: Option<&str>, image: &str) -> Option<Image> {
        if crate::markdown::has_scheme(image) {
            Some(Image::Url(image.to_string()))
        } else if let Some(path) = image.strip_prefix('/') {
            Some(Image::Published(path.to_string()))
        } else {
            crate::markdown::join_content_path(from?, image).map(Image::Content)
        }
    }
}

/// A copy of the model, as each rebuild makes one: its docs are many, and
/// copying each counts one more owner of its shared parts, so those of the
/// docs a few places ahead are fetched first ([`crate::engine::copy_all`]).
impl Clone for Site {
    fn clone(&self) -> Site {
        let Site {
            config,
            base_path,
            docs,
            by_path,
            sources,
            assets,
            assets_by_path,
            aliases,
            texts,
            by_out_path,
            home,
        } = self;
        let counted = |d: &Doc| {
            [
                Arc::as_ptr(&d.file).cast::<u8>(),
                Arc::as_ptr(&d.url).cast(),
                Arc::as_ptr(&d.out_path).cast(),
                Arc::as_ptr(&d.name).cast(),
            ]
        };
        let docs = crate::engine::copy_all(docs.len(), |i| &docs[i], counted, Doc::clone);
        Site {
            config: config.clone(),
            base_path: base_path.clone(),
            docs,
            by_path: by_path.clone(),
            sources: sources.clone(),
            assets: assets.clone(),
            assets_by_path: assets_by_path.clone(),
            aliases: aliases.clone(),
            texts: texts.clone(),
            by_out_path: by_out_path.clone(),
            home: *home,
        }
    }
}

impl Site {
    /// Doc `i`'s share image: its own, else the site's.
    pub fn image(&self, i: usize) -> Option<Image> {
        let doc = &self.docs[i];
        match &doc.file.front.image {
            Some(image) => Image::named(Some(&doc.file.path), &image.value),
            None => Image::named(None, self.config.image.as_deref()?),
        }
    }

    /// An image's full URL; `None` for a content file that does not exist.
    pub fn image_url(&self, image: &Image) -> Option<String> {
        let origin = self.config.origin();
        Some(match image {
            Image::Url(url) => url.clone(),
            Image::Published(path) => format!("{origin}{}{path}", self.base_path),
            Image::Content(path) => format!("{origin}{}", self.asset_url(path)?),
        })
    }

    /// The checks of the model's docs that need the whole model, in this
    /// order: every share image that names no file (in front matter at its
    /// line, in site.yaml; `published` says whether the site publishes a
    /// path); each update log entry names existing sources only; and, when
    /// `theme_writes` answers whether the theme has a file's template, no
    /// page takes the place of a site file the theme writes
    /// (`content/changes.md` and the theme's `changes/index.html`, say).
    /// One pass over the docs, each doc's parts read fetched a few docs
    /// ahead: on a large site, memory gone cold.
    pub fn check_docs(
        &self,
        published: &dyn Fn(&str) -> bool,
        theme_writes: Option<&dyn Fn(&str) -> bool>,
    ) -> Vec<Diagnostic> {
        use crate::engine::prefetch;
        let (mut images, mut updates, mut site_files) = (Vec::new(), Vec::new(), Vec::new());
        let mut image = |named: Option<Image>, written: &str, at: (PathBuf, usize, usize)| {
            let problem = match named {
                None => "leaves content/ or is relative in site.yaml (start it with `/` for a static file)".to_string(),
                Some(Image::Content(path)) if self.asset_url(&path).is_none() => {
                    format!("there is no file content/{path}")
                }
                Some(Image::Published(path))
                    if !published(&path) && !self.assets.iter().any(|a| a.out_path == path) =>
                {
                    format!("the site publishes no /{path} (put it in static/)")
                }
                _ => return,
            };
            let (path, line, column) = at;
            images.push(Diagnostic::error(
                path,
                line,
                column,
                format!("share image `{written}`: {problem}"),
            ));
        };
        if let Some(written) = &self.config.image {
            let at = (PathBuf::from(crate::config::CONFIG_FILE), 0, 0);
            image(Image::named(None, written), written, at);
        }
        for (i, doc) in self.docs.iter().enumerate() {
            if let Some(ahead) = self.docs.get(i + 8) {
                let front = &ahead.file.front;
                prefetch(std::ptr::from_ref(&front.image).cast());
                prefetch(std::ptr::from_ref(&front.updates).cast());
                prefetch(ahead.out_path.as_ptr());
            }
            let front = &doc.file.front;
            if let Some(written) = &front.image {
                let at = (doc.file.root_path(), written.line, written.column);
                let named = Image::named(Some(&doc.file.path), &written.value);
                image(named, &written.value, at);
            }
            for id in front.updates.iter().flat_map(|u| &u.sources) {
                if !self.sources.contains_key(&id.value) {
                    updates.push(Diagnostic::error(
                        doc.file.root_path(),
                        id.line,
                        id.column,
                        format!("unknown source `{}` in updates: no page with that id in content/sources/", id.value),
                    ));
                }
            }
            let path = &*doc.out_path;
            // Its file, or its first folder (`sitemap.xml/index.html`: the
            // site files that could be one have a `.` in their name).
            let first = path.split_once('/').map_or(path, |(first, _)| first);
            let taken = match (path != NOT_FOUND && SITE_FILES.contains(&path), first) {
                (true, _) => Some(path),
                (false, first) if first != path && first.contains('.') => {
                    SITE_FILES.contains(&first).then_some(first)
                }
                _ => None,
            };
            if let (Some(theme_writes), Some(taken)) = (theme_writes, taken)
                && theme_writes(taken)
            {
                let clash = match taken == path {
                    true => format!("where the theme writes its own `{taken}`"),
                    false => format!(
                        "but the theme writes its own file `{taken}` where the page needs a folder"
                    ),
                };
                site_files.push(Diagnostic::error(
                    doc.file.root_path(),
                    0,
                    0,
                    format!("this page would be written to {path}, {clash}: give the page another file name or `slug`"),
                ));
            }
        }
        images.extend(updates);
        images.extend(site_files);
        images
    }

    pub fn doc(&self, content_path: &str) -> Option<&Doc> {
        self.by_path.get(content_path).map(|&i| &self.docs[i])
    }
}

/// The model's structure from loaded content: every doc's URL and place,
/// the sources and assets, section order and neighbours. Reads front matter
/// only; docs get their Markdown from [`attach`]. Errors and warnings go to
/// `diagnostics`.
/// The output path of the not-found page.
pub const NOT_FOUND: &str = "404.html";

/// The theme's search page: where a theme has one, the build also writes
/// the search index ([`crate::search`]) it reads.
pub const SEARCH_PAGE: &str = "search/index.html";

/// Files of the whole site, each written to the same path as the theme's
/// template it comes from: the not-found page, the search page, the
/// sitemap, the Atom feed, robots.txt, what the explainer knows in reusable
/// form (its sources as CSL-JSON, its timeline as JSON and iCalendar), and
/// the log of every page's corrections and updates (a page, an Atom feed,
/// JSON). No alias may claim their paths.
pub const SITE_FILES: [&str; 11] = [
    NOT_FOUND,
    SEARCH_PAGE,
    "sitemap.xml",
    "atom.xml",
    "robots.txt",
    "sources.json",
    "timeline.json",
    "timeline.ics",
    "changes/index.html",
    "changes.xml",
    "changes.json",
];

pub fn structure(config: Config, content: Content, diagnostics: &mut Vec<Diagnostic>) -> Site {
    let base_path = config.base_path();
    let mut files = content.files;
    // A stable order: by content path, sections before their pages.
    files.sort_by(|a, b| a.path.cmp(&b.path));

    // URLs, and two files claiming one URL.
    let mut docs: Vec<Doc> = Vec::with_capacity(files.len() + 1);
    let mut by_url: Map<String, usize> =
        Map::with_capacity_and_hasher(files.len(), Default::default());
    for file in files {
        let (rel, out_path) = route(&file);
        if let Some(&other) = by_url.get(&rel) {
            let other_path = docs[other].file.root_path();
            diagnostics.push(Diagnostic::error(
                file.root_path(),
                1,
                1,
                format!(
                    "two files claim the URL /{rel}: this one and {}",
                    other_path.display()
                ),
            ));
            continue;
        }
        by_url.insert(rel.clone(), docs.len());
        docs.push(Doc::new(file, format!("{base_path}{rel}"), out_path));
    }
    let mut by_path: Map<Name, usize> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (d.name.clone(), i))
        .collect();
    let home = match by_path.get("_index.md") {
        Some(&i) => i,
        None => {
            diagnostics.push(Diagnostic::error(
                "content/_index.md",
                0,
                0,
                "missing home page: create content/_index.md with front matter and at least a `title`",
            ));
            let mut front = crate::content::FrontMatter::default();
            front.title = config.title.clone();
            let file = SourceFile {
                path: "_index.md".into(),
                kind: Kind::Section,
                front,
                text: String::new(),
                body_start: 0,
                body_line: 1,
            };
            docs.push(Doc::new(
                Arc::new(file),
                base_path.clone(),
                "index.html".into(),
            ));
            by_path.insert("_index.md".into(), docs.len() - 1);
            docs.len() - 1
        }
    };

    // Non-Markdown files under content/ land beside their bundle's page (or
    // at the same relative path); they must not collide with a page's index.html.
    let page_files: HashSet<&str> = docs.iter().map(|d| &*d.out_path).collect();
    let assets: Vec<PlacedAsset> = content
        .assets
        .into_iter()
        .map(|file| {
            let out_path = asset_out_path(&file.path, &docs, &by_path);
            let url = format!("{base_path}{out_path}");
            PlacedAsset {
                file,
                out_path,
                url,
            }
        })
        .collect();
    for asset in &assets {
        if page_files.contains(asset.out_path.as_str()) {
            diagnostics.push(Diagnostic::error(
                PathBuf::from("content").join(&asset.file.path),
                0,
                0,
                format!(
                    "this file would overwrite a generated page ({})",
                    asset.out_path
                ),
            ));
        }
    }
    let assets_by_path: Map<String, usize> = assets
        .iter()
        .enumerate()
        .map(|(i, a)| (a.file.path.clone(), i))
        .collect();

    // The section tree: each doc belongs to the nearest section above it.
    for i in 0..docs.len() {
        if i == home {
            continue;
        }
        let parent = parent_section(&docs[i].file, &by_path).unwrap_or(home);
        docs[i].parent = Some(parent);
        if docs[i].is_section() {
            docs[parent].subsections.push(i);
        } else {
            docs[parent].pages.push(i);
        }
    }

    // Sources, for citations.
    let mut sources = BTreeMap::new();
    if let Some(&src) = by_path.get(SOURCES_SECTION) {
        for &p in &docs[src].pages {
            sources.insert(docs[p].source_id().to_string(), p);
        }
    }
    // Section order and neighbours.
    for s in 0..docs.len() {
        if !docs[s].is_section() {
            continue;
        }
        let sort_by = docs[s].file.front.sort_by;
        let mut pages = std::mem::take(&mut docs[s].pages);
        pages.sort_by(|&a, &b| compare(&docs[a].file, &docs[b].file, sort_by));
        for (n, &p) in pages.iter().enumerate() {
            docs[p].previous = n.checked_sub(1).map(|k| pages[k]);
            docs[p].next = pages.get(n + 1).copied();
        }
        docs[s].pages = pages;
        let mut subsections = std::mem::take(&mut docs[s].subsections);
        subsections.sort_by(|&a, &b| compare(&docs[a].file, &docs[b].file, SortBy::Weight));
        docs[s].subsections = subsections;
    }

    let aliases = place_aliases(&docs, diagnostics);
    let mut by_out_path: Vec<usize> = (0..docs.len()).collect();
    by_out_path.sort_by(|&a, &b| docs[a].out_path.cmp(&docs[b].out_path));
    Site {
        config,
        base_path,
        docs,
        by_path: Arc::new(by_path),
        sources,
        assets,
        assets_by_path,
        aliases,
        texts: SourceTexts::default(),
        by_out_path,
        home,
    }
}

/// Whether output path `path` lies inside `file`'s path, which it would
/// need as a folder (`sitemap.xml/index.html` inside `sitemap.xml`).
fn inside(path: &str, file: &str) -> bool {
    path.strip_prefix(file)
        .is_some_and(|rest| rest.starts_with('/'))
}

/// Each alias in front matter, as a redirect file to write; two claims on
/// one file (an alias and a page, or two aliases) are errors at the alias.
fn place_aliases(docs: &[Doc], diagnostics: &mut Vec<Diagnostic>) -> Vec<Alias> {
    if docs.iter().all(|d| d.file.front.aliases.is_empty()) {
        return Vec::new();
    }
    let pages: Map<&str, usize> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (&*d.out_path, i))
        .collect();
    // Alias file → the alias and the file that claimed it.
    let mut taken: Map<String, (&str, std::path::PathBuf)> = Map::default();
    let mut aliases = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        for alias in &doc.file.front.aliases {
            let Some(out_path) = crate::content::alias_out_path(&alias.value) else {
                continue; // reported with the front matter
            };
            // A site file's path, or a folder where a site file is written.
            let site_file = SITE_FILES
                .iter()
                .find(|f| out_path == **f || inside(&out_path, f));
            // A file where the alias needs a folder, or a redirect inside
            // the alias's own file.
            let folders = || out_path.match_indices('/').map(|(at, _)| &out_path[..at]);
            let page_in_the_way = folders().find_map(|f| Some((f, *pages.get(f)?)));
            let alias_in_the_way = (folders().find(|f| taken.contains_key(*f))).or_else(|| {
                taken
                    .keys()
                    .map(String::as_str)
                    .find(|t| inside(t, &out_path))
            });
            let claimed = |(value, file): &(&str, std::path::PathBuf)| {
                format!("the alias `{value}` in {} claims it too", file.display())
            };
            let other = match (
                pages.get(out_path.as_str()),
                taken.get(&out_path),
                site_file,
                page_in_the_way,
                alias_in_the_way,
            ) {
                (_, _, Some(file), _, _) => Some(format!("the site writes its own /{file}")),
                (Some(&j), _, _, _, _) => Some(format!(
                    "{} is published there",
                    docs[j].file.root_path().display()
                )),
                (None, Some(claim), _, _, _) => Some(claimed(claim)),
                (None, None, None, Some((file, j)), _) => Some(format!(
                    "{} is published at /{file}, where this needs a folder",
                    docs[j].file.root_path().display()
                )),
                (None, None, None, None, Some(file)) => {
                    let (value, by) = &taken[file];
                    Some(format!(
                        "the alias `{value}` in {} claims /{file}, and one of them needs the other's path as a folder",
                        by.display()
                    ))
                }
                (None, None, None, None, None) => None,
            };
            if let Some(other) = other {
                diagnostics.push(
                    Diagnostic::error(
                        doc.file.root_path(),
                        alias.line,
                        alias.column,
                        format!("alias `{}` claims /{out_path}, but {other}", alias.value),
                    )
                    .with_source(&doc.file.text),
                );
                continue;
            }
            taken.insert(out_path.clone(), (&alias.value, doc.file.root_path()));
            aliases.push(Alias { out_path, doc: i });
        }
    }
    aliases
}

/// Give each doc its rendered Markdown, check its links' anchors (against
/// its target's headings and the ids the theme gives every page, which
/// `theme_has` knows), and note who cites each source.
pub fn attach(
    site: &mut Site,
    rendered: Vec<Arc<Rendered>>,
    theme_has: &dyn Fn(&str) -> bool,
    diagnostics: &mut Vec<Diagnostic>,
) {
    use crate::engine::{prefetch, prefetch_arc};
    let docs = &mut site.docs;
    let sources = &site.sources;
    // What each doc's rendered Markdown holds for the site: its problems,
    // and the sources it cites (by doc: who cites each source). On a large
    // site that is memory gone cold: each doc's is fetched a few docs
    // ahead, its citations' list nearer, their ids nearer still.
    let mut cites = Vec::new();
    for (i, r) in rendered.iter().enumerate() {
        if let Some(next) = rendered.get(i + 24) {
            prefetch_arc(Arc::as_ptr(next));
        }
        if let Some(near) = rendered.get(i + 16) {
            prefetch(near.citations.as_ptr().cast());
        }
        for id in rendered.get(i + 8).iter().flat_map(|r| &r.citations) {
            prefetch(id.as_ptr());
        }
        diagnostics.extend(r.diagnostics.iter().cloned());
        let cited = r.citations.iter().filter_map(|id| sources.get(id));
        cites.extend(cited.map(|&s| (s, i)));
    }
    for (doc, r) in docs.iter_mut().zip(rendered) {
        doc.rendered = r;
        doc.cited_by.clear();
    }
    for (s, i) in cites {
        docs[s].cited_by.push(i);
    }
    check_anchors(docs, &site.by_path, theme_has, diagnostics);
    for &s in sources.values() {
        if docs[s].cited_by.is_empty() {
            diagnostics.push(Diagnostic::warning(
                docs[s].file.root_path(),
                0,
                0,
                format!("source `@{}` is not cited by any page", docs[s].source_id()),
            ));
        }
    }
}
