//! What templates call: the `get_page`, `get_section` and `url` functions and
//! the `date` filter, the recording of which paths a page asked
//! `get_page`/`get_section` for, and which docs a page's context and each
//! such answer depend on, so a rebuild can tell which pages to render again.
//!
//! Not for building the values themselves: those are in [`super::values`].

use super::Values;
use super::values::section_summary;
use crate::site::Site;
use std::collections::HashMap;
use std::sync::Arc;
use tera::{Kwargs, State, Tera, Value};

thread_local! {
    /// The `get_page`/`get_section` paths the page being rendered on this
    /// thread asked for: what its output depends on beyond its own context.
    static CALLS: std::cell::RefCell<Option<Vec<String>>> = const { std::cell::RefCell::new(None) };
}

fn record_call(path: &str) {
    CALLS.with(|c| {
        if let Some(calls) = c.borrow_mut().as_mut() {
            calls.push(path.to_string());
        }
    });
}

/// Render with `CALLS` collecting; returns the output and the paths asked for.
pub(super) fn recording<T>(render: impl FnOnce() -> T) -> (T, Vec<String>) {
    CALLS.with(|c| *c.borrow_mut() = Some(Vec::new()));
    let out = render();
    let calls = CALLS.with(|c| c.borrow_mut().take()).unwrap_or_default();
    (out, calls)
}

/// The docs whose base values a doc's template context holds, in order, with
/// `None` marking an absent neighbour or the end of a list: two builds give
/// the same context when these match and none of their values changed.
pub fn context_deps(site: &Site, i: usize) -> Vec<Option<usize>> {
    let doc = &site.docs[i];
    let mut deps = vec![Some(i), doc.previous, doc.next, doc.parent];
    if doc.is_section() {
        listing_deps(site, i, 2, &mut deps);
    }
    deps
}

/// What `get_page`/`get_section` returns for `path` depends on; `None` if no such doc.
pub fn call_deps(site: &Site, path: &str) -> Option<Vec<Option<usize>>> {
    let i = *site.by_path.get(path)?;
    let mut deps = vec![Some(i)];
    if site.docs[i].is_section() {
        listing_deps(site, i, 0, &mut deps);
        deps.extend(site.docs[i].subsections.iter().map(|&s| Some(s)));
    }
    Some(deps)
}

/// Mirrors [`listing_value`](super::values::listing_value).
fn listing_deps(site: &Site, i: usize, depth: usize, deps: &mut Vec<Option<usize>>) {
    let doc = &site.docs[i];
    deps.extend(doc.pages.iter().map(|&p| Some(p)));
    deps.push(None);
    if depth > 0 {
        for &s in &doc.subsections {
            deps.push(Some(s));
            listing_deps(site, s, depth - 1, deps);
        }
    }
    deps.push(None);
}

pub(super) fn register_functions(tera: &mut Tera, site: &Site, values: &Arc<Values>) {
    let by_path: Arc<HashMap<String, Value>> = Arc::new(
        site.docs
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let v = if d.is_section() {
                    section_summary(site, values, i)
                } else {
                    values.base[i].clone()
                };
                (d.file.path.clone(), v)
            })
            .collect(),
    );
    let lookup = |kind: &'static str, want_section: bool, by_path: Arc<HashMap<String, Value>>| {
        move |kwargs: Kwargs, _: &State| -> tera::TeraResult<Value> {
            let path = kwargs.must_get::<&str>("path")?;
            record_call(path);
            match by_path.get(path) {
                Some(v)
                    if v.get_from_path("is_section").and_then(Value::as_bool)
                        == Some(want_section) =>
                {
                    Ok(v.clone())
                }
                Some(_) => Err(tera::Error::message(format!(
                    "{kind}(path=\"{path}\"): content/{path} is not a {kind_name}",
                    kind_name = if want_section { "section" } else { "page" }
                ))),
                None => Err(tera::Error::message(format!(
                    "{kind}(path=\"{path}\"): no file content/{path}"
                ))),
            }
        }
    };
    tera.register_function("get_page", lookup("get_page", false, by_path.clone()));
    tera.register_function("get_section", lookup("get_section", true, by_path));
    let base_path = site.base_path.clone();
    tera.register_function(
        "url",
        move |kwargs: Kwargs, _: &State| -> tera::TeraResult<String> {
            let path = kwargs.must_get::<&str>("path")?;
            Ok(format!("{base_path}{}", path.trim_start_matches('/')))
        },
    );
    tera.register_filter("date", date_filter);
}

/// `{{ page.date | date(format="%-d %B %Y") }}`; a year or a month alone prints as such.
fn date_filter(value: &str, kwargs: Kwargs, _: &State) -> tera::TeraResult<String> {
    let format = kwargs.get::<&str>("format")?.unwrap_or("%-d %B %Y");
    match value.len() {
        4 => Ok(value.to_string()),
        7 => {
            let d: jiff::civil::Date = format!("{value}-01")
                .parse()
                .map_err(|e| tera::Error::message(format!("date: `{value}` is not a date: {e}")))?;
            Ok(d.strftime("%B %Y").to_string())
        }
        10 => {
            let d: jiff::civil::Date = value
                .parse()
                .map_err(|e| tera::Error::message(format!("date: `{value}` is not a date: {e}")))?;
            Ok(d.strftime(format).to_string())
        }
        _ => {
            let ts: jiff::Timestamp = value
                .parse()
                .map_err(|e| tera::Error::message(format!("date: `{value}` is not a date: {e}")))?;
            Ok(ts.strftime(format).to_string())
        }
    }
}
