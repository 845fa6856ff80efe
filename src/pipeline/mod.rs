//! The whole build, stage after stage: config → content → site model →
//! templates → rendered files, all in memory. Shared by `build`, `check` and
//! `watch`; only the caller decides whether to write the result.
//!
//! This file runs the stages and plans the output; what a rebuild takes from
//! the previous build, and how it decides, is in `reuse.rs`.

mod reuse;

use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::output::{Plan, Source};
use crate::render::{self, TemplateFiles};
use crate::site::Site;
use crate::{content, output, site};
use rayon::prelude::*;
use reuse::{Reused, reusable_pages, same_files};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use crate::files::STATIC_DIR;

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
}

/// A finished build, not yet written.
pub struct Built {
    pub site: Site,
    pub templates: TemplateFiles,
    pub tera: tera::Tera,
    pub values: Arc<render::Values>,
    /// The static files copied to the output, by output path.
    pub statics: Vec<(String, PathBuf)>,
    pub plan: Plan,
    /// What each rendered file's template asked `get_page`/`get_section` for.
    pub calls: render::Calls,
    pub warnings: Vec<Diagnostic>,
    /// Pages rendered by this build; [`rebuild`] reuses the others' bytes.
    pub rendered: usize,
}

impl Built {
    pub fn page_count(&self) -> usize {
        self.site.docs.iter().filter(|d| !d.is_section()).count()
    }
    pub fn section_count(&self) -> usize {
        self.site.docs.iter().filter(|d| d.is_section()).count()
    }
}

/// Run every stage. On failure, every problem found (errors and warnings).
pub fn build(options: &Options) -> Result<Built, Vec<Diagnostic>> {
    rebuild(options, None)
}

/// The last good build and the paths changed since (relative to the root,
/// `/`-separated, as the watcher reports them).
pub struct Previous<'a> {
    pub built: &'a Built,
    pub changed: &'a BTreeSet<String>,
}

/// [`build`] again after an edit. Every stage runs as in a clean build, but
/// takes from `previous` what cannot have changed: the files not among the
/// changed paths, Markdown whose text and link answers are the same, template
/// values whose inputs are the same, compiled templates, and the bytes of
/// every page whose context and `get_page`/`get_section` answers are the
/// same. So the result is what a clean build would produce, and an edit to
/// one page renders only the pages that show something of it.
pub fn rebuild(options: &Options, previous: Option<Previous>) -> Result<Built, Vec<Diagnostic>> {
    let root = &options.root;
    let Prepared {
        site,
        templates,
        tera,
        values,
        mut diagnostics,
        timer,
    } = match previous.as_ref().and_then(|p| reuse::patched(options, p)) {
        Some(patched) => patched,
        None => prepare(options, previous.as_ref())?,
    };
    let reused = match &previous {
        Some(previous) => reusable_pages(previous.built, &site, &values, &templates),
        None => Reused::none(site.docs.len()),
    };
    timer.lap("reuse check");
    let indices: Vec<usize> = (0..site.docs.len())
        .filter(|&i| reused.pages[i].is_none())
        .collect();
    let with_404 = reused.not_found.is_none();
    let out = render::render_docs(&site, &tera, &templates, &values, &indices, with_404);
    timer.lap("render");
    diagnostics.extend(out.errors);
    let rendered_count = indices.len();
    let mut calls = out.calls;
    let mut rendered: Vec<Shared> = out
        .files
        .into_iter()
        .map(|(p, b)| (p, Arc::from(b)))
        .collect();
    for (file, asked) in reused.pages.into_iter().chain([reused.not_found]).flatten() {
        calls.insert(file.0.clone(), asked);
        rendered.push(file);
    }
    // Static files are listed again only when something under a static folder changed.
    let statics = match &previous {
        Some(p)
            if p.built.site.config.theme == site.config.theme
                && !p
                    .changed
                    .iter()
                    .any(|c| within(c, render::THEMES_DIR) || within(c, STATIC_DIR)) =>
        {
            p.built.statics.clone()
        }
        _ => statics(root, &site.config.theme),
    };
    let plan = plan(root, &site, &statics, rendered, &mut diagnostics);
    timer.lap("plan");
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics);
    }
    Ok(Built {
        site,
        templates,
        tera,
        values,
        statics,
        plan,
        calls,
        warnings: diagnostics,
        rendered: rendered_count,
    })
}

/// Everything up to rendering: the model, its template values, compiled templates.
struct Prepared {
    site: Site,
    templates: TemplateFiles,
    tera: tera::Tera,
    values: Arc<render::Values>,
    /// Warnings so far (errors end the build before this exists).
    diagnostics: Vec<Diagnostic>,
    timer: Timer,
}

fn prepare(options: &Options, previous: Option<&Previous>) -> Result<Prepared, Vec<Diagnostic>> {
    let root = &options.root;
    let config = Config::load(root, options.base_url.as_deref()).map_err(|d| vec![d])?;
    let mut diagnostics = Vec::new();
    let timer = Timer::new();
    let theme = config.theme.clone();
    let unchanged_file = |rel: &str| -> Option<Arc<content::SourceFile>> {
        let previous = previous?;
        let path = format!("{}/{rel}", content::CONTENT_DIR);
        let touched = previous.changed.iter().any(|c| within(&path, c));
        (!touched)
            .then(|| previous.built.site.doc(rel).map(|d| d.file.clone()))
            .flatten()
    };
    let (content, content_diagnostics) = match previous.and_then(|p| same_files(root, options, p)) {
        Some(content) => (content, Vec::new()),
        None => content::load(root, options.drafts, &unchanged_file),
    };
    timer.lap("load content");
    diagnostics.extend(content_diagnostics);
    let old = previous.map(|p| p.built);
    let mut site = site::build(config, content, &mut diagnostics, old.map(|b| &b.site));
    timer.lap("site model + markdown");
    let values = Arc::new(render::values(
        &mut site,
        old.map(|b| (&b.site, &*b.values)),
    ));
    timer.lap("template values");
    // Template problems are reported together with content problems.
    let templates_untouched = old.filter(|b| {
        b.site.config.theme == theme
            && !previous.is_some_and(|p| {
                p.changed
                    .iter()
                    .any(|c| within(c, render::THEMES_DIR) || within(c, render::TEMPLATES_DIR))
            })
    });
    let templates = match templates_untouched {
        Some(b) => Ok(b.templates.clone()),
        None => render::read_templates(root, &theme),
    };
    let compiled = templates.and_then(|t| {
        let old = old.map(|b| (&b.templates, &b.tera));
        render::compile_reusing(&t, &site, &values, old).map(|tera| (t, tera))
    });
    let (templates, tera) = match compiled {
        Ok(t) => t,
        Err(errors) => {
            diagnostics.extend(errors);
            return Err(diagnostics);
        }
    };
    timer.lap("templates");
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics);
    }
    Ok(Prepared {
        site,
        templates,
        tera,
        values,
        diagnostics,
        timer,
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
}

/// Pages rendered at once by [`build_into`]: enough to keep both cores busy,
/// few enough that a large site's pages are never all in memory.
const BATCH: usize = 512;

/// Build straight into `out_dir` (already checked with
/// [`output::check_folder`]): pages are rendered in batches and staged on
/// disk as they come, then moved into place only if the whole build
/// succeeded. The result is the same as [`build`] followed by [`output::write`].
/// Without `out_dir` (`check`), pages are rendered and dropped.
pub fn build_into(options: &Options, out_dir: Option<&Path>) -> Result<Summary, Vec<Diagnostic>> {
    let root = &options.root;
    let Prepared {
        mut site,
        templates,
        tera,
        values,
        mut diagnostics,
        timer,
    } = prepare(options, None)?;
    // Rendered from here on; a large site's bodies need not stay in memory.
    site.release_bodies();
    let statics = statics(root, &site.config.theme);
    let copies = plan(root, &site, &statics, Vec::new(), &mut diagnostics);
    let has_404 = templates.files.contains_key("404.html");
    let generated = site.docs.iter().map(|d| d.out_path.as_str());
    diagnostics.extend(overwrites(
        root,
        &copies,
        generated.chain(has_404.then_some("404.html")),
    ));
    let io_error = |e: std::io::Error| {
        let shown = out_dir.map(|d| d.display().to_string()).unwrap_or_default();
        vec![Diagnostic::error(shown, 0, 0, format!("cannot write: {e}"))]
    };
    let mut staging = out_dir
        .map(output::Staging::begin)
        .transpose()
        .map_err(io_error)?;
    let mut files = copies.len();
    let indices: Vec<usize> = (0..site.docs.len()).collect();
    let batches = indices
        .chunks(BATCH)
        .map(|b| (b, false))
        .chain([(&indices[..0], true)]);
    for (batch, with_404) in batches {
        let out = render::render_docs(&site, &tera, &templates, &values, batch, with_404);
        let rendered = out.files;
        diagnostics.extend(out.errors);
        files += rendered.len();
        let Some(staging_ref) = &staging else {
            continue;
        };
        if diagnostics.iter().any(Diagnostic::is_error) {
            continue; // keep rendering to report every error, but stage nothing more
        }
        let staged: std::io::Result<()> = rendered
            .par_iter()
            .try_for_each(|(rel, bytes)| staging_ref.put(rel, bytes));
        if let Err(e) = staged {
            if let Some(staging) = staging.take() {
                staging.abort();
            }
            return Err(io_error(e));
        }
    }
    timer.lap("render and stage");
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
    Ok(Summary {
        pages: site.docs.iter().filter(|d| !d.is_section()).count(),
        sections: site.docs.iter().filter(|d| d.is_section()).count(),
        files,
        written,
        warnings: diagnostics,
    })
}

/// A file's output path and its bytes, as the plan holds them.
type Shared = (String, Arc<[u8]>);

/// Every file of the output: static files (theme, then site), content assets, pages.
pub fn plan(
    root: &Path,
    site: &Site,
    statics: &[(String, PathBuf)],
    rendered: Vec<Shared>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Plan {
    let mut plan = Plan::new();
    for (rel, abs) in statics {
        plan.insert(rel.clone(), Source::Copy(abs.clone()));
    }
    for asset in &site.assets {
        plan.insert(asset.out_path.clone(), Source::Copy(asset.file.source.clone()));
    }
    diagnostics.extend(overwrites(
        root,
        &plan,
        rendered.iter().map(|(rel, _)| rel.as_str()),
    ));
    for (rel, bytes) in rendered {
        plan.insert(rel, Source::Bytes(bytes));
    }
    plan
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

/// The theme's static files, then the site's (which win), by output path.
pub fn statics(root: &Path, theme: &str) -> Vec<(String, PathBuf)> {
    let theme_static = format!("{}/{theme}/{STATIC_DIR}", render::THEMES_DIR);
    [theme_static.as_str(), STATIC_DIR]
        .iter()
        .flat_map(|dir| crate::files::walk(root, dir).0)
        .map(|f| (f.rel, f.abs))
        .collect()
}

/// Stage timings on stderr when `DOSSIER_TIMINGS` is set, for profiling.
struct Timer {
    on: bool,
    last: std::cell::Cell<std::time::Instant>,
}

impl Timer {
    fn new() -> Timer {
        Timer {
            on: std::env::var_os("DOSSIER_TIMINGS").is_some(),
            last: std::cell::Cell::new(std::time::Instant::now()),
        }
    }
    fn lap(&self, stage: &str) {
        if self.on {
            let now = std::time::Instant::now();
            let rss = std::fs::read_to_string("/proc/self/status")
                .ok()
                .and_then(|s| {
                    s.lines()
                        .find(|l| l.starts_with("VmRSS:"))
                        .map(|l| l[6..].trim().to_string())
                })
                .unwrap_or_default();
            eprintln!(
                "timing: {stage}: {:.1} ms, rss {rss}",
                (now - self.last.get()).as_secs_f64() * 1e3
            );
            self.last.set(now);
        }
    }
}
