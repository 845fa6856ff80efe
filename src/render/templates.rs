//! Templates: reading them from the theme and the site's `templates/`,
//! compiling them into a Tera with dossier's functions, and turning Tera's
//! errors into diagnostics at the template's file and line.
//!
//! Not for rendering (the parent module) nor for what templates see: their
//! values are in [`super::values`], their functions in [`super::functions`].

use super::functions::register_functions;
use crate::diagnostic::Diagnostic;
use crate::files::Found;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tera::{ErrorKind, Tera};

use crate::files::THEMES_DIR;

/// Templates by name, with the file each came from (relative to the root).
#[derive(Debug, Clone, Default)]
pub struct TemplateFiles {
    pub files: BTreeMap<String, (PathBuf, String)>,
}

/// The ids a theme's templates put on every page they render
/// ([`TemplateFiles::anchors`]).
#[derive(Debug, Default, Clone)]
pub struct TemplateAnchors {
    exact: std::collections::BTreeSet<String>,
    prefixes: std::collections::BTreeSet<String>,
}

impl TemplateAnchors {
    pub fn has(&self, anchor: &str) -> bool {
        self.exact.contains(anchor) || self.prefixes.iter().any(|p| anchor.starts_with(p.as_str()))
    }
}

/// A template's text with its `{# … #}` comments blanked out (their line
/// breaks kept, so positions stay where they were).
fn without_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{#") {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find("#}")
            .map_or(rest.len(), |e| start + e + 2);
        out.extend(
            rest[start..end]
                .chars()
                .map(|c| if c == '\n' { c } else { ' ' }),
        );
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Each `name=` attribute value a template writes, with its byte offset,
/// for `name="…"` and `name='…'` with white space before the name.
fn attribute_values<'t>(code: &'t str, name: &str) -> Vec<(usize, &'t str)> {
    let mut found = Vec::new();
    for quote in ['"', '\''] {
        let opening = format!("{name}={quote}");
        let mut from = 0;
        while let Some(at) = code[from..].find(&opening) {
            let start = from + at;
            let value_start = start + opening.len();
            from = value_start;
            let attribute = code[..start]
                .chars()
                .next_back()
                .is_none_or(char::is_whitespace);
            let Some(len) = code[value_start..].find(quote) else {
                break;
            };
            if attribute {
                found.push((value_start, &code[value_start..value_start + len]));
            }
        }
    }
    found
}

/// A URL a template writes as it is, and where.
#[derive(Debug, Clone)]
pub struct TemplateLink {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub url: String,
}

impl TemplateFiles {
    /// The ids the templates give elements (`id="main"`), which a link to
    /// `#main` on any page may point to; an id that starts with a literal and
    /// goes on with a value (`id="ref-{{ c.number }}"`) gives a prefix.
    pub fn anchors(&self) -> TemplateAnchors {
        let mut anchors = TemplateAnchors::default();
        for (_, text) in self.files.values() {
            let code = without_comments(text);
            // `data-id="…"` is not an id: `attribute_values` wants a space before.
            for (_, value) in attribute_values(&code, "id") {
                match value.find("{{").or_else(|| value.find("{%")) {
                    None if !value.is_empty() => anchors.exact.insert(value.to_string()),
                    // Wholly computed: nothing to go on.
                    None | Some(0) => false,
                    Some(n) => anchors.prefixes.insert(value[..n].to_string()),
                };
            }
        }
        anchors
    }

    /// The URLs the templates write as literal text in a link attribute
    /// (`href="/about/"`, `src="https://…"`; not `href="{{ page.url }}"`),
    /// each with its template file, line and column: a root link leaves the
    /// site under a base path other than `/`, and `check --external` names
    /// where a link to another site is written.
    pub fn literal_links(&self) -> Vec<TemplateLink> {
        let mut found = Vec::new();
        for (shown, text) in self.files.values() {
            let code = without_comments(text);
            for name in ["href", "src", "action", "poster"] {
                for (offset, value) in attribute_values(&code, name) {
                    if value.is_empty() || value.contains("{{") || value.contains("{%") {
                        continue;
                    }
                    let before = &code[..offset];
                    found.push(TemplateLink {
                        path: shown.clone(),
                        line: before.matches('\n').count() + 1,
                        column: before.len() - before.rfind('\n').map_or(0, |n| n + 1) + 1,
                        url: value.to_string(),
                    });
                }
            }
        }
        found
    }
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
                Err(e) => errors.push(Diagnostic::cannot_read(shown, &e)),
            }
        }
    }
    for (name, text) in BUILT_IN {
        if !out.files.contains_key(*name) {
            let shown = PathBuf::from(format!(
                "{THEMES_DIR}/explainer/templates/{name} (built in)"
            ));
            out.files
                .insert(name.to_string(), (shown, text.to_string()));
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The components Markdown is rendered with (a citation mark, an "accounts
/// differ" box), as the explainer theme writes them: every theme has them,
/// its own if it ships them, else these.
pub const BUILT_IN: &[(&str, &str)] = &[
    (
        "components/citation.html",
        include_str!("../../themes/explainer/templates/components/citation.html"),
    ),
    (
        "components/disputed.html",
        include_str!("../../themes/explainer/templates/components/disputed.html"),
    ),
];

/// Template `name` rendered with `args` and `body` (as HTML, not escaped)
/// as Markdown asks for it ([`crate::markdown::Resolver::render_template`]):
/// `None` when `tera` has no such template.
pub fn render_with_args(
    tera: &Tera,
    name: &str,
    args: &crate::markdown::TemplateArgs,
    body: Option<&str>,
) -> Option<Result<String, String>> {
    if !tera.contains_template(name) {
        return None;
    }
    let mut context = tera::Context::new();
    for (key, value) in args {
        context.insert_value(key.clone(), tera::Value::from_serializable(value));
    }
    if let Some(body) = body {
        context.insert_value("body", tera::Value::safe_string(body));
    }
    Some(
        tera.render(name, &context)
            .map_err(|e| crate::diagnostic::error_chain(&e)),
    )
}

/// A built-in component rendered as [`render_with_args`] renders it, for
/// Markdown rendered outside a build (tests, fuzzing, benchmarks): `None`
/// for any other template.
pub fn render_built_in(
    name: &str,
    args: &crate::markdown::TemplateArgs,
    body: Option<&str>,
) -> Option<Result<String, String>> {
    static TERA: std::sync::OnceLock<Tera> = std::sync::OnceLock::new();
    // Compiled as a theme's templates are, from these alone.
    let tera = TERA.get_or_init(|| {
        let files = BUILT_IN
            .iter()
            .map(|&(name, text)| (name.to_string(), (PathBuf::from(name), text.to_string())))
            .collect();
        compile(&TemplateFiles { files }).expect("the built-in components compile")
    });
    render_with_args(tera, name, args, body)
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
        ErrorKind::CircularExtend {
            tpl,
            inheritance_chain: chain,
        }
        | ErrorKind::CircularInclude {
            tpl,
            include_chain: chain,
        } => {
            let next = chain.get(1).map_or(tpl.as_str(), String::as_str);
            Diagnostic::error(
                files.source_of(tpl),
                line_containing(files, tpl, next),
                0,
                format!(
                    "templates that include or extend each other in a circle: {}; break the circle",
                    chain.join(" → ")
                ),
            )
        }
        ErrorKind::MissingParent { current, parent } => Diagnostic::error(
            files.source_of(current),
            line_containing(files, current, parent),
            0,
            format!("extends `{parent}`, which is neither in the theme nor in templates/"),
        ),
        _ => Diagnostic::error(
            files.source_of(fallback),
            0,
            0,
            crate::diagnostic::error_chain(err),
        ),
    }
}

fn line_containing(files: &TemplateFiles, name: &str, needle: &str) -> usize {
    files
        .files
        .get(name)
        .and_then(|(_, t)| t.lines().position(|l| l.contains(needle)))
        .map_or(0, |i| i + 1)
}

/// Tera's reports of what no template alone shows (an unknown filter,
/// function, test or include), each `error: WHAT` then ` --> NAME:LINE:COL`,
/// as diagnostics at the template's file.
fn reported(reports: &str, files: &TemplateFiles) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    let mut what = None;
    for line in reports.lines() {
        if let Some(message) = line.strip_prefix("error: ") {
            what = Some(message);
        } else if let (Some(message), Some(at)) = (what, line.trim_start().strip_prefix("--> ")) {
            let mut parts = at.rsplitn(3, ':');
            let (col, line, name) = (parts.next(), parts.next(), parts.next());
            let (Some(col), Some(line), Some(name)) = (col, line, name) else {
                continue;
            };
            let text = files
                .files
                .get(name)
                .map(|(_, t)| t.as_str())
                .unwrap_or_default();
            found.push(
                Diagnostic::error(
                    files.source_of(name),
                    line.parse().unwrap_or(0),
                    col.parse().unwrap_or(0),
                    message.to_string(),
                )
                .with_source(text),
            );
            what = None;
        }
    }
    if found.is_empty() {
        found.push(Diagnostic::error("templates", 0, 0, reports.to_string()));
    }
    found
}

/// Compile every template, reporting each broken one. The functions
/// answer from the model each render sets ([`super::functions::with_model`]).
pub fn compile(files: &TemplateFiles) -> Result<Tera, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut blank = Tera::new();
    blank.autoescape_on([".html", ".htm", ".xml"]);
    register_functions(&mut blank);
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
        return Err(match e.kind() {
            ErrorKind::Msg(reports) => reported(reports, files),
            _ => vec![tera_diagnostic(&e, files, "")],
        });
    }
    Ok(tera)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(texts: &[(&str, &str)]) -> TemplateFiles {
        TemplateFiles {
            files: texts
                .iter()
                .map(|(name, text)| (name.to_string(), (PathBuf::from(name), text.to_string())))
                .collect(),
        }
    }

    #[test]
    fn anchors_are_the_ids_the_templates_write() {
        let anchors = files(&[
            (
                "base.html",
                "{# id=\"commented\" #}<main id=\"main\"><li id='ref-{{ n }}'>\
                 <p data-id=\"data\" id=\"{{ page.slug }}\">",
            ),
            ("page.html", "<h2 id=\"toc-title\">"),
        ])
        .anchors();
        for yes in ["main", "ref-1", "ref-12", "toc-title"] {
            assert!(anchors.has(yes), "{yes}");
        }
        for no in ["commented", "data", "ref", "top", "toc", "anything"] {
            assert!(!anchors.has(no), "{no}");
        }
    }
}
