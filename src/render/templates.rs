//! Templates: reading them from the theme and the site's `templates/`,
//! compiling them into a Tera with dossier's functions, and turning Tera's
//! errors into diagnostics at the template's file and line.
//!
//! Not for rendering (the parent module) nor for what templates see: their
//! values are in [`super::values`], their functions in [`super::functions`].

use super::Values;
use super::functions::register_functions;
use crate::diagnostic::Diagnostic;
use crate::files::Found;
use crate::site::Site;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tera::{ErrorKind, Tera};

use crate::files::THEMES_DIR;

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

/// The theme's folder must exist; a problem at `site.yaml` if not.
pub fn check_theme(root: &Path, theme: &str) -> Result<(), Diagnostic> {
    let theme_dir = Path::new(THEMES_DIR).join(theme);
    if root.join(&theme_dir).is_dir() {
        return Ok(());
    }
    Err(Diagnostic::error(
        crate::config::CONFIG_FILE,
        0,
        0,
        format!(
            "theme `{theme}` not found: no folder {}",
            theme_dir.display()
        ),
    ))
}

/// Read the files of the theme's `templates/` and the site's (which wins,
/// file by file), as listed (each folder relative to the root, with the
/// files that count in it). A theme file the site overrides is not read.
pub fn read_templates(
    theme: (&str, &[Found]),
    site: (&str, &[Found]),
) -> Result<TemplateFiles, Vec<Diagnostic>> {
    let overridden = |f: &&Found| site.1.binary_search_by(|s| s.rel.cmp(&f.rel)).is_ok();
    let mut out = TemplateFiles::default();
    let mut errors = Vec::new();
    let theme_files = theme
        .1
        .iter()
        .filter(|f| !overridden(f))
        .map(|f| (theme.0, f));
    let site_files = site.1.iter().map(|f| (site.0, f));
    {
        for (dir, file) in theme_files.chain(site_files) {
            let shown = Path::new(dir).join(&file.rel);
            match std::fs::read(&file.abs).map(String::from_utf8) {
                Ok(Ok(text)) => {
                    out.files.insert(file.rel.clone(), (shown, text));
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
pub(super) fn tera_diagnostic(
    err: &tera::Error,
    files: &TemplateFiles,
    fallback: &str,
) -> Diagnostic {
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

/// Compile every template, reporting each broken one. The functions that
/// answer from the site are added per build ([`with_functions`]).
pub fn compile(files: &TemplateFiles) -> Result<Tera, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut blank = Tera::new();
    blank.autoescape_on([".html", ".htm", ".xml"]);
    register_functions(&mut blank, None);
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

/// The compiled templates with `get_page`, `get_section` and `url`
/// answering from this build's site and values.
pub fn with_functions(compiled: &Tera, site: &Site, values: &Arc<Values>) -> Tera {
    let mut tera = compiled.clone();
    register_functions(&mut tera, Some((site, values)));
    tera
}
