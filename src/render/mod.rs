//! Rendering: the site model through Tera templates into HTML, in parallel.
//! Loads the theme's templates with the site's `templates/` overriding them
//! file by file, turns the model into template values, and renders every page
//! in memory. Writes nothing: the output stage does that.
//!
//! This file renders docs: which template each doc uses, its context, and
//! the rendered files with what their templates asked for. Reading and
//! compiling templates is in `templates.rs`, the values templates see in
//! `values.rs`, and the functions and filters they call in `functions.rs`.

mod functions;
mod templates;
mod values;

pub use functions::{call_deps, context_deps};
pub use templates::{
    TEMPLATES_DIR, THEMES_DIR, TemplateFiles, compile, compile_reusing, read_templates,
};
pub use values::{Values, values, values_patched};

use crate::diagnostic::Diagnostic;
use crate::site::Site;
use functions::recording;
use rayon::prelude::*;
use std::collections::HashMap;
use templates::tera_diagnostic;
use tera::{Context, Tera};
use values::full_value;

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

/// Render the docs at `indices`; `with_404` adds the not-found page.
pub fn render_docs(
    site: &Site,
    tera: &Tera,
    files: &TemplateFiles,
    values: &Values,
    indices: &[usize],
    with_404: bool,
) -> RenderedDocs {
    type Outcome = Result<(Rendered, Vec<String>), (Diagnostic, usize)>;
    let results: Vec<Outcome> = indices
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
