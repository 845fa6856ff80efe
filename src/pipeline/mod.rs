//! The whole build: config → content → site model → templates → rendered
//! files, all in memory, as the steps of one engine ([`crate::engine`]).
//! Shared by `build`, `check` and `watch`; only the caller decides whether
//! to write the result. A rebuild is the same function as a build, given
//! the last good build to take unchanged answers from.
//!
//! This file runs the steps and plans the output; the steps up to rendering
//! and what each reads are declared in `steps.rs`, what each answer's
//! fingerprint is in `answers.rs`, and the files and folders the build
//! starts from in `inputs.rs`.

mod answers;
mod inputs;
mod progress;
mod steps;

use crate::diagnostic::Diagnostic;
use crate::engine;
use crate::output;
use crate::output::{Plan, Source};
use crate::render;
use crate::site::Site;
use inputs::Changed;
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
pub use steps::Memo;

/// Whether `path` is `dir` or lies inside it (both `/`-separated, relative
/// to the same root): how a changed path is matched against files and folders.
pub fn within(path: &str, dir: &str) -> bool {
    path.strip_prefix(dir)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct Options {
    pub root: PathBuf,
    pub base_url: Option<String>,
    pub drafts: bool,
    /// Relative links that end in a file, as `portable: true` in site.yaml.
    pub portable: bool,
    /// Minified pages and stylesheets, as `minify: true` in site.yaml.
    pub minify: bool,
}

/// A finished build, not yet written.
pub struct Built {
    pub site: Site,
    pub values: Arc<render::Values>,
    /// The static files copied to the output, by output path.
    pub statics: Vec<(String, PathBuf)>,
    pub plan: Plan,
    pub warnings: Vec<Diagnostic>,
    /// Pages rendered by this build; the others were taken from the previous one.
    pub rendered: usize,
    /// Every step's entry, for the next rebuild.
    pub memo: Memo,
    /// The search index is the previous build's ([`Previous::search_later`]).
    pub search_stale: bool,
}

impl Built {
    pub fn page_count(&self) -> usize {
        self.site.docs.iter().filter(|d| !d.is_section()).count()
    }
    pub fn section_count(&self) -> usize {
        self.site.docs.iter().filter(|d| d.is_section()).count()
    }
    /// Whether this build read the file at `path` (relative to the site
    /// root, as the watcher names it).
    pub fn read(&self, path: &str) -> bool {
        self.memo.inputs.knows(path)
    }
    /// Whether the file at `path` (relative to the site root, as the
    /// watcher names it) holds now the bytes this build read from it: a
    /// change to it since is no change to this build ([`inputs::Inputs::holds`]).
    pub fn read_as_it_is(&self, root: &Path, path: &str) -> bool {
        self.memo.inputs.holds(root, path)
    }
}

/// Run every step. On failure, every problem found (errors and warnings).
pub fn build(options: &Options) -> Result<Built, Vec<Diagnostic>> {
    rebuild(options, None)
}

/// The last good build and the paths changed since (relative to the root,
/// `/`-separated, as the watcher reports them).
pub struct Previous<'a> {
    pub built: &'a Built,
    /// Keep the previous build's search index even if out of date
    /// ([`Built::search_stale`] says so); a rebuild without it brings the
    /// index up to date.
    pub search_later: bool,
    pub changed: &'a BTreeSet<String>,
}

/// [`build`] again after an edit: the same steps, each taking its previous
/// answer when nothing it read changed ([`crate::engine::reusable`]). So the
/// result is what a clean build would produce, and an edit to one page
/// renders only the pages that show something of it.
pub fn rebuild(options: &Options, previous: Option<Previous>) -> Result<Built, Vec<Diagnostic>> {
    // On one of the build's threads: each parallel step then starts there,
    // not handed from the caller's thread to the pool and back (0.6 ms of a
    // 10,000-page site's 9 ms rebuild after a one-page edit).
    rayon::scope(|_| rebuild_in_pool(options, previous))
}

fn rebuild_in_pool(
    options: &Options,
    previous: Option<Previous>,
) -> Result<Built, Vec<Diagnostic>> {
    let old = previous.as_ref().map(|p| &p.built.memo);
    let mut prepared = steps::prepare(
        options,
        previous
            .as_ref()
            .map(|p| (&p.built.memo, Changed(p.changed))),
        false,
        None,
    )?;
    let indices: Vec<usize> = (0..prepared.site.docs.len()).collect();
    let site_wide = match previous.as_ref().is_some_and(|p| p.search_later) {
        true => render::SiteWide::SearchLater,
        false => render::SiteWide::Render,
    };
    let out = render::render_docs(
        &prepared.site,
        &prepared.compiled.tera,
        &prepared.compiled.files,
        &prepared.values,
        &indices,
        site_wide,
        &prepared.answers(),
        old.map(|m| &m.pages),
        None,
    );
    prepared.timer.lap("render");
    let mut diagnostics = std::mem::take(&mut prepared.diagnostics);
    let complete = out.errors.is_empty();
    let search_stale = out.search_stale;
    diagnostics.extend(out.errors);
    let shared = |(path, entry): &(engine::Name, engine::Entry<render::Bytes>)| {
        (path.clone(), Source::Bytes(entry.value.clone()))
    };
    let docs = &prepared.site.docs;
    // The pages by output path (the model keeps that order), then the rest:
    // the plan is made from the two without sorting the pages.
    let (pages, others): (Vec<Shared>, Vec<Shared>) = if complete {
        let (pages, others) = out.files.split_at(docs.len());
        // Each page's file counts one more owner: in a rebuild, counts gone
        // cold since the last one, each fetched a few pages ahead.
        let order = &prepared.site.by_out_path;
        let file = |(_, entry): &(engine::Name, engine::Entry<render::Bytes>)| {
            [Arc::as_ptr(&entry.value).cast::<u8>()]
        };
        (
            engine::copy_all(order.len(), |i| &pages[order[i]], file, shared),
            others.iter().map(shared).collect(),
        )
    } else {
        (Vec::new(), out.files.iter().map(shared).collect())
    };
    let plan = plan(
        &options.root,
        &prepared.site,
        &prepared.statics,
        (pages, others),
        &mut diagnostics,
    );
    prepared.timer.lap("plan");
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics);
    }
    let mut memo = prepared.memo;
    let mut pages = out.files.into_iter();
    memo.pages = render::Pages {
        docs: engine::Table {
            index: prepared.site.by_path.clone(),
            entries: pages.by_ref().take(indices.len()).map(|f| f.1).collect(),
        },
        others: pages.collect(),
        search_stale,
    };
    Ok(Built {
        site: prepared.site,
        values: prepared.values,
        statics: prepared.statics,
        plan,
        warnings: diagnostics,
        rendered: out.ran,
        memo,
        search_stale,
    })
}

/// What [`build_into`] built.
pub struct Summary {
    pub pages: usize,
    pub sections: usize,
    /// Files the output folder holds after the build.
    pub files: usize,
    pub written: output::Written,
    pub warnings: Vec<Diagnostic>,
    /// `check` only: the links to other sites the pages hold, with where
    /// each is written, for `check --external`.
    pub external: Vec<output::external::Link>,
    /// How to ask about them (site.yaml's `link_check`).
    pub link_check: crate::config::LinkCheck,
    /// Docs whose HTML waited for their render in the build's scratch file
    /// ([`output::spill`]), not in memory.
    pub spilled: usize,
    /// Of those, docs whose own page's parts (its table of contents and
    /// citation marks, [`crate::markdown::Own`]) waited there too.
    pub spilled_own: usize,
}

/// Pages rendered at once by [`build_into`]: enough to keep both cores busy,
/// few enough that a large site's pages are never all in memory. Each batch
/// ends when its last page is on disk, one core idle until then: 100,000
/// pages kept 1.90–1.91 cores busy while rendering with batches of 512,
/// 1.92–1.94 with 2,048 (three runs each, interleaved), at the same peak
/// memory; 10,000 pages showed no difference.
pub const BATCH: usize = 2048;

/// Build straight into `out_dir` (already checked with
/// [`output::check_folder`]): pages are rendered in batches and staged on
/// disk as they come, then moved into place only if the whole build
/// succeeded. The result is the same as [`build`] followed by [`output::write`].
/// Without `out_dir` (`check`), pages are rendered and dropped.
pub fn build_into(options: &Options, out_dir: Option<&Path>) -> Result<Summary, Vec<Diagnostic>> {
    let root = &options.root;
    // Nothing builds on this one: its memo goes, and each doc's Markdown
    // source as soon as its HTML is made.
    // Each page's HTML waits for its render on disk, beside the output,
    // rather than in memory (none where that cannot be done: it stays).
    let spill = out_dir.and_then(|o| output::spill::Spill::create(o).ok().map(Arc::new));
    let prepared = steps::prepare(options, None, true, spill)?;
    let answers = prepared.answers();
    let steps::Prepared {
        site,
        compiled,
        values,
        statics,
        timer,
        ..
    } = &prepared;
    let mut diagnostics = prepared.diagnostics.clone();
    let copies = plan(root, site, statics, Default::default(), &mut diagnostics);
    // The pages here; the site-wide files (site files, redirects, the search
    // index) as they are rendered, below.
    let generated = site.docs.iter().map(|d| &*d.out_path);
    diagnostics.extend(overwrites(root, &copies, generated));
    let io_error = |e: std::io::Error| vec![output::failure(root, out_dir.unwrap_or(root), &e)];
    let mut staging = out_dir
        .map(output::Staging::begin)
        .transpose()
        .map_err(io_error)?;
    let mut files = copies.len();
    let mut rendered = 0;
    // `check` looks at every page it renders (and writes none).
    let mut scanned: std::collections::BTreeMap<String, output::links::Scanned> =
        Default::default();
    let mut written: std::collections::BTreeSet<String> =
        copies.keys().map(|k| k.to_string()).collect();
    let indices: Vec<usize> = (0..site.docs.len()).collect();
    // The site-wide files render beside the last batch of pages (a batch
    // of none when there are no pages).
    let mut batches: Vec<(&[usize], render::SiteWide)> = (indices.chunks(BATCH))
        .map(|b| (b, render::SiteWide::Skip))
        .collect();
    match batches.last_mut() {
        Some(last) => last.1 = render::SiteWide::Render,
        None => batches.push((&[], render::SiteWide::Render)),
    }
    for (batch, site_wide) in batches {
        if site_wide != render::SiteWide::Skip {
            timer.lap("render and stage pages");
        }
        // Each file goes to the staging folder as soon as it is made (none
        // once the build has an error: then none would be moved into place).
        let no_error = !diagnostics.iter().any(Diagnostic::is_error);
        let to_staging = staging.as_ref().filter(|_| no_error);
        let out = render::render_docs(
            site,
            &compiled.tera,
            &compiled.files,
            values,
            batch,
            site_wide,
            &answers,
            None,
            to_staging.map(|s| s as render::Put),
        );
        diagnostics.extend(out.errors);
        if site_wide != render::SiteWide::Skip {
            // The pages were checked above.
            let pages: std::collections::HashSet<&str> =
                batch.iter().map(|&i| &*site.docs[i].out_path).collect();
            let made =
                (out.files.iter().map(|(rel, _)| &**rel)).chain(out.put.iter().map(|r| &**r));
            let made = made.filter(|rel| !pages.contains(rel));
            diagnostics.extend(overwrites(root, &copies, made));
        }
        files += out.files.len() + out.put.len();
        rendered += batch.len();
        timer.pages(rendered, site.docs.len());
        if let Some(e) = out.put_error {
            if let Some(staging) = staging.take() {
                staging.abort();
            }
            return Err(io_error(e));
        }
        if staging.is_none() {
            written.extend(out.files.iter().map(|(rel, _)| rel.to_string()));
            scanned.extend(
                out.files
                    .par_iter()
                    .filter(|(rel, _)| rel.ends_with(".html"))
                    .map(|(rel, entry)| (rel.to_string(), output::links::scan(&entry.value)))
                    .collect::<Vec<_>>(),
            );
            continue;
        }
        // The batch is on disk: the memory it took goes back to the system
        // before the next batch renders, rather than a second later.
        drop(out.files);
        crate::cli::release_freed_memory();
    }
    timer.lap("render and stage the last pages and the site's files");
    let mut external = Vec::new();
    if out_dir.is_none() && !diagnostics.iter().any(Diagnostic::is_error) {
        let stylesheets: Vec<(String, String)> = copies
            .iter()
            .filter(|(rel, _)| rel.ends_with(".css"))
            .filter_map(|(rel, source)| {
                let css = String::from_utf8(source.bytes().ok()?.into_owned()).ok()?;
                Some((rel.to_string(), css))
            })
            .collect();
        let docs: std::collections::HashMap<&str, usize> = (site.docs.iter().enumerate())
            .map(|(i, d)| (&*d.out_path, i))
            .collect();
        let shown = |rel: &str| match (docs.get(rel), copies.get(rel)) {
            (Some(&i), _) => site.docs[i].file.root_path().display().to_string(),
            (None, Some(Source::Copy(from))) => from
                .strip_prefix(root)
                .unwrap_or(from)
                .display()
                .to_string(),
            _ => rel.to_string(),
        };
        // A page's links come from its template as much as its Markdown.
        let page = |rel: &str| match docs.get(rel) {
            Some(&i) => {
                let template = compiled.files.source_of(render::template_for(site, i).0);
                format!("the page written to {rel} (by {})", template.display())
            }
            None => format!("the page written to {rel}"),
        };
        diagnostics.extend(output::links::verify(
            &written,
            &scanned,
            &stylesheets,
            &site.base_path,
            &shown,
            &page,
        ));
        external = external_links(site, &docs, &compiled.links, &scanned, &shown);
        timer.lap("links");
    }
    if let Some(out_dir) = out_dir {
        diagnostics.extend(dropped_updates(site, out_dir));
    }
    if diagnostics.iter().any(Diagnostic::is_error) {
        if let Some(staging) = staging {
            staging.abort();
        }
        return Err(diagnostics);
    }
    let written = match staging {
        Some(staging) => staging.commit(&copies).map_err(io_error)?,
        None => output::Written::default(),
    };
    timer.lap("write");
    let summary = Summary {
        pages: site.docs.iter().filter(|d| !d.is_section()).count(),
        sections: site.docs.iter().filter(|d| d.is_section()).count(),
        files,
        written,
        warnings: diagnostics,
        external,
        link_check: site.config.link_check.clone(),
        spilled: (values.spilled.iter())
            .map(|s| s.places.iter().flatten().count())
            .sum(),
        spilled_own: (values.spilled.iter())
            .map(|s| {
                s.places
                    .iter()
                    .flatten()
                    .filter(|p| p.own.is_some())
                    .count()
            })
            .sum(),
    };
    // Freeing a large site's model takes a while (a tenth of a second at
    // ten thousand pages) and nothing waits for it.
    std::thread::spawn(move || drop(prepared));
    Ok(summary)
}

/// The log entries (`updates:`) that the output in `out_dir` published
/// (its `changes.json`: entries with `path`, `date` and `kind`) and that
/// are gone from a page still in the site: a correction is never dropped
/// without a word. Nothing to compare with (a first build, a theme without
/// the file) is no warning.
pub fn dropped_updates(site: &Site, out_dir: &Path) -> Vec<Diagnostic> {
    let Ok(text) = std::fs::read_to_string(out_dir.join("changes.json")) else {
        return Vec::new();
    };
    let Ok(published) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Vec::new();
    };
    let entries = published["entries"].as_array().map_or(&[][..], |e| &e[..]);
    let mut found = Vec::new();
    for entry in entries {
        let (Some(path), Some(date), Some(kind)) = (
            entry["path"].as_str(),
            entry["date"].as_str(),
            entry["kind"].as_str(),
        ) else {
            continue;
        };
        let Some(&i) = site.by_path.get(path) else {
            continue; // the page went, and its log with it
        };
        let doc = &site.docs[i];
        let kept = (doc.file.front.updates.iter()).any(|u| u.date.iso == date && u.kind == kind);
        if !kept {
            found.push(Diagnostic::warning(
                doc.file.root_path(),
                0,
                0,
                format!(
                    "the {kind} of {date} that the published site logs is no longer in this page's `updates:`; keep logged entries (edit their text if need be) so readers see what changed"
                ),
            ));
        }
    }
    found
}

/// The links to other sites on the pages `check` rendered (`scanned`, by
/// output path), each with where it is written: the Markdown line that
/// writes it, else a template line that writes it as it is, else the page
/// (`shown`) whose template computed it; `docs`: each page's doc by its
/// output path. Absolute links into the site
/// itself are not another site's.
fn external_links(
    site: &Site,
    docs: &std::collections::HashMap<&str, usize>,
    templates: &[render::TemplateLink],
    scanned: &std::collections::BTreeMap<String, output::links::Scanned>,
    shown: &dyn Fn(&str) -> String,
) -> Vec<output::external::Link> {
    use std::collections::{BTreeMap, BTreeSet};
    let own = format!("{}{}", site.config.origin(), site.base_path);
    let mut found: BTreeMap<&str, BTreeSet<output::external::At>> = BTreeMap::new();
    for (page, scan) in scanned {
        let doc = docs.get(page.as_str()).map(|&i| &site.docs[i]);
        for url in &scan.urls {
            if !crate::markdown::is_web_url(url)
                || (!site.config.origin().is_empty() && url.starts_with(&own))
            {
                continue;
            }
            let mut here: BTreeSet<output::external::At> = doc
                .map(|doc| {
                    let file = doc.file.root_path();
                    let written = doc.rendered.external.iter().filter(|l| l.url == *url);
                    written.map(|l| (file.clone(), l.line, l.column)).collect()
                })
                .unwrap_or_default();
            if here.is_empty() {
                let literal = templates.iter().filter(|t| t.url == *url);
                here.extend(literal.map(|t| (t.path.clone(), t.line, t.column)));
            }
            if here.is_empty() {
                here.insert((shown(page).into(), 0, 0));
            }
            found.entry(url).or_default().extend(here);
        }
    }
    found
        .into_iter()
        .map(|(url, at)| output::external::Link {
            url: url.to_string(),
            at,
        })
        .collect()
}

/// A static stylesheet under `minify: true`: minified, or copied as it is
/// with a warning where the minifier cannot read it.
fn minified_stylesheet(root: &Path, abs: &Path, diagnostics: &mut Vec<Diagnostic>) -> Source {
    let shown = abs.strip_prefix(root).unwrap_or(abs);
    let css = match std::fs::read_to_string(abs) {
        Ok(css) => css,
        Err(e) => {
            diagnostics.push(Diagnostic::cannot_read(shown, &e));
            return Source::Copy(abs.to_path_buf());
        }
    };
    match render::minify::stylesheet(&css) {
        Ok(min) => Source::Bytes(min.into_bytes().into()),
        Err((line, column, why)) => {
            diagnostics.push(Diagnostic::warning(
                shown,
                line,
                column,
                format!("copied as it is, not minified: {why}"),
            ));
            Source::Copy(abs.to_path_buf())
        }
    }
}

/// A generated file's output path and its bytes, as the plan holds them.
type Shared = (engine::Name, Source);

/// Every file of the output: static files (theme, then site), content
/// assets, and the generated files: `pages` sorted by output path (as the
/// model keeps them), `others` in any order; at a path given twice, the
/// later of these.
pub fn plan(
    root: &Path,
    site: &Site,
    statics: &[(String, PathBuf)],
    (pages, others): (Vec<Shared>, Vec<Shared>),
    diagnostics: &mut Vec<Diagnostic>,
) -> Plan {
    let mut copies = Vec::new();
    for (rel, abs) in statics {
        let source = match site.config.minify && rel.ends_with(".css") {
            true => minified_stylesheet(root, abs, diagnostics),
            false => Source::Copy(abs.clone()),
        };
        copies.push((rel.as_str().into(), source));
    }
    for asset in &site.assets {
        copies.push((
            asset.out_path.as_str().into(),
            Source::Copy(asset.file.source.clone()),
        ));
    }
    // At a path given twice, the later file: a content asset over a static.
    let copies: Plan = copies.into_iter().collect();
    let generated = pages.iter().chain(&others).map(|(rel, _)| &**rel);
    diagnostics.extend(overwrites(root, &copies, generated));
    // A generated file wins over a copy at its path (reported above).
    let others: Plan = others.into_iter().collect();
    copies
        .with_run(pages)
        .with_run(others.into_iter().collect())
}

/// A copied file (static or content asset) at the path of a generated one.
fn overwrites<'a>(
    root: &Path,
    copies: &Plan,
    generated: impl Iterator<Item = &'a str>,
) -> Vec<Diagnostic> {
    generated
        .filter_map(|rel| match copies.get(rel) {
            Some(Source::Copy(from)) => Some(Diagnostic::error(
                from.strip_prefix(root).unwrap_or(from),
                0,
                0,
                format!("this file would overwrite the generated {rel}"),
            )),
            _ => None,
        })
        .collect()
}

/// The CPU time the process has used so far, all threads, user and system.
#[cfg(target_os = "linux")]
fn cpu_time() -> Option<std::time::Duration> {
    // SAFETY: getrusage fills the struct it is given and reads nothing else.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let time = |t: libc::timeval| {
        std::time::Duration::from_secs(t.tv_sec as u64)
            + std::time::Duration::from_micros(t.tv_usec as u64)
    };
    Some(time(usage.ru_utime) + time(usage.ru_stime))
}

/// Elsewhere the timings go without it.
#[cfg(not(target_os = "linux"))]
fn cpu_time() -> Option<std::time::Duration> {
    None
}

/// Stage timings on stderr when `DOSSIER_TIMINGS` is set, for profiling;
/// with `progress`, the build's progress on a terminal ([`progress`]).
struct Timer {
    on: bool,
    last: std::cell::Cell<std::time::Instant>,
    /// The process's CPU time (user and system) at the last lap.
    last_cpu: std::cell::Cell<Option<std::time::Duration>>,
    progress: Option<progress::Progress>,
}

impl Timer {
    fn new(progress: bool) -> Timer {
        Timer {
            on: std::env::var_os("DOSSIER_TIMINGS").is_some(),
            last: std::cell::Cell::new(std::time::Instant::now()),
            last_cpu: std::cell::Cell::new(cpu_time()),
            progress: progress.then(progress::Progress::start),
        }
    }
    /// Pages rendered so far, of `total`.
    fn pages(&self, done: usize, total: usize) {
        if let Some(progress) = &self.progress {
            progress.pages(done, total);
        }
    }
    fn lap(&self, stage: &str) {
        if let Some(progress) = &self.progress {
            progress.stage(stage);
        }
        if self.on {
            let now = std::time::Instant::now();
            let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
            // The memory in use now, and the most it has been so far.
            let field = |name: &str| {
                let line = status.lines().find(|l| l.starts_with(name));
                line.map_or("", |l| l[name.len()..].trim()).to_string()
            };
            let (rss, peak) = (field("VmRSS:"), field("VmHWM:"));
            let cpu = cpu_time();
            let wall = now - self.last.get();
            let used = match (cpu, self.last_cpu.get()) {
                (Some(now), Some(then)) => {
                    let used = now.saturating_sub(then).as_secs_f64();
                    let cores = used / wall.as_secs_f64().max(1e-9);
                    format!(", CPU {:.1} ms ({cores:.2} cores)", used * 1e3)
                }
                _ => String::new(),
            };
            eprintln!(
                "timing: {stage}: {:.1} ms{used}, rss {rss}, peak {peak}",
                wall.as_secs_f64() * 1e3,
            );
            self.last.set(now);
            self.last_cpu.set(cpu);
        }
    }
}
