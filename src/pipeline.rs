//! The whole build, stage after stage: config → content → site model →
//! templates → rendered files, all in memory. Shared by `build`, `check` and
//! `watch`; only the caller decides whether to write the result.

use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::output::{Plan, Source};
use crate::render::{self, TemplateFiles};
use crate::site::Site;
use crate::{content, site};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use walkdir::WalkDir;

pub const STATIC_DIR: &str = "static";

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
    pub plan: Plan,
    pub warnings: Vec<Diagnostic>,
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
    let root = &options.root;
    let config = Config::load(root, options.base_url.as_deref()).map_err(|d| vec![d])?;
    let mut diagnostics = Vec::new();
    let theme = config.theme.clone();
    let (content, content_diagnostics) = content::load(root, options.drafts);
    diagnostics.extend(content_diagnostics);
    let site = site::build(config, content, &mut diagnostics);
    let values = Arc::new(render::values(&site));
    // Template problems are reported together with content problems.
    let compiled = render::read_templates(root, &theme)
        .and_then(|t| render::compile(&t, &site, &values).map(|tera| (t, tera)));
    let (templates, tera) = match compiled {
        Ok(t) => t,
        Err(errors) => {
            diagnostics.extend(errors);
            return Err(diagnostics);
        }
    };
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics);
    }
    let (rendered, errors) = render::render_site(&site, &tera, &templates, &values);
    diagnostics.extend(errors);
    let plan = plan(root, &site, rendered, &mut diagnostics);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics);
    }
    Ok(Built {
        site,
        templates,
        tera,
        plan,
        warnings: diagnostics,
    })
}

/// Every file of the output: static files (theme, then site), content assets, pages.
pub fn plan(
    root: &Path,
    site: &Site,
    rendered: Vec<render::Rendered>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Plan {
    let mut plan = Plan::new();
    let theme_static = Path::new(render::THEMES_DIR)
        .join(&site.config.theme)
        .join(STATIC_DIR);
    for dir in [theme_static, PathBuf::from(STATIC_DIR)] {
        for (rel, abs) in static_files(root, &dir) {
            plan.insert(rel, Source::Copy(abs));
        }
    }
    for asset in &site.assets {
        plan.insert(asset.path.clone(), Source::Copy(asset.source.clone()));
    }
    for (rel, bytes) in rendered {
        if let Some(Source::Copy(from)) = plan.get(&rel) {
            let from = from.strip_prefix(root).unwrap_or(from).to_path_buf();
            diagnostics.push(Diagnostic::error(
                from,
                0,
                0,
                format!("this file would overwrite the generated {rel}"),
            ));
        }
        plan.insert(rel, Source::Bytes(bytes));
    }
    plan
}

/// Files under `root/dir`, as (path relative to `dir`, absolute path).
pub fn static_files(root: &Path, dir: &Path) -> Vec<(String, PathBuf)> {
    let abs = root.join(dir);
    if !abs.is_dir() {
        return Vec::new();
    }
    WalkDir::new(&abs)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_type().is_file() && !content::is_editor_temp(&e.file_name().to_string_lossy())
        })
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(&abs)
                .unwrap_or(e.path())
                .to_string_lossy()
                .replace('\\', "/");
            (rel, e.path().to_path_buf())
        })
        .collect()
}
