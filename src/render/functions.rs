//! What templates call: the `get_page`, `get_section`, `load_data` and `url` functions and
//! the `date` filter, and the recording of the `get_page`/`get_section`
//! questions a page asked, which become reads of its render step.
//!
//! Not for building the values themselves: those are in [`super::values`].

use super::Values;
use crate::engine::{Key, Name, Reads};
use crate::site::Site;
use std::sync::Arc;
use tera::{Kwargs, State, Tera, Value};

thread_local! {
    /// The `get_page`/`get_section` questions the page being rendered on
    /// this thread asked. Tera calls functions on the thread that renders,
    /// and one page renders on one thread from start to end, so this is the
    /// record of that one render step ([`recording`]).
    static CALLS: std::cell::RefCell<Option<Vec<Key>>> = const { std::cell::RefCell::new(None) };
}

fn record_call(key: Key) {
    CALLS.with(|c| {
        if let Some(calls) = c.borrow_mut().as_mut() {
            calls.push(key);
        }
    });
}

/// Render with `CALLS` collecting; every question asked is then read
/// through `reads`, so the render step's record holds each answer's
/// fingerprint.
pub fn recording<T>(reads: &mut Reads, render: impl FnOnce() -> T) -> T {
    let (out, calls) = calls_of(render);
    for key in calls {
        reads.read(key);
    }
    out
}

/// Render with `CALLS` collecting: what it gave, and what its functions read.
pub fn calls_of<T>(render: impl FnOnce() -> T) -> (T, Vec<Key>) {
    CALLS.with(|c| *c.borrow_mut() = Some(Vec::new()));
    let out = render();
    let calls = CALLS.with(|c| c.borrow_mut().take()).unwrap_or_default();
    (out, calls)
}

/// What the functions answer from while a template renders on a thread
/// ([`with_model`]): a build's site and template values (none while its
/// Markdown renders, shortcodes included: they come before the model),
/// and its data files. Set for each render rather than built into a copy
/// of the templates, so the compiled templates serve every build as they are.
#[derive(Default)]
pub struct Model {
    by_path: Arc<crate::engine::Map<Name, usize>>,
    values: Option<Arc<Values>>,
    data: Option<Arc<crate::data::Data>>,
    base_path: String,
}

impl Model {
    /// A build's model, once its values are made.
    pub fn of(site: &Site, values: &Arc<Values>) -> Arc<Model> {
        Arc::new(Model {
            by_path: site.by_path.clone(),
            values: Some(values.clone()),
            data: Some(values.data.clone()),
            base_path: site.base_path.clone(),
        })
    }
    /// The data files alone, for Markdown's shortcodes.
    pub fn data(data: Arc<crate::data::Data>) -> Arc<Model> {
        Arc::new(Model {
            data: Some(data),
            ..Model::default()
        })
    }
}

thread_local! {
    /// The model of the render running on this thread ([`with_model`]).
    static MODEL: std::cell::RefCell<Option<Arc<Model>>> = const { std::cell::RefCell::new(None) };
}

/// Run `render` with the functions answering from `model`; the model set
/// before is back afterwards, whatever happens.
pub fn with_model<T>(model: &Arc<Model>, render: impl FnOnce() -> T) -> T {
    struct Restore(Option<Arc<Model>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            MODEL.with(|m| *m.borrow_mut() = self.0.take());
        }
    }
    let _restore = Restore(MODEL.with(|m| m.replace(Some(model.clone()))));
    render()
}

/// `answer` of the model of the render on this thread, if any.
fn current<T>(answer: impl FnOnce(Option<&Model>) -> T) -> T {
    let model = MODEL.with(|m| m.borrow().clone());
    answer(model.as_deref())
}

/// `load_data(path=…)`: a data file's value ([`crate::data`]), each call
/// recorded as a read of the file.
fn register_load_data(tera: &mut Tera) {
    tera.register_function(
        "load_data",
        move |kwargs: Kwargs, _: &State| -> tera::TeraResult<Value> {
            let path = kwargs.must_get::<&str>("path")?;
            let path = path.trim_start_matches('/');
            let path = path.strip_prefix("data/").unwrap_or(path);
            record_call(Key::File(
                format!("{}/{path}", crate::data::DATA_DIR).into(),
            ));
            let value = current(|m| m?.data.as_ref()?.get(path).cloned());
            value.ok_or_else(|| {
                tera::Error::message(format!(
                    "load_data(path=\"{path}\"): no data file data/{path} (or it has errors)"
                ))
            })
        },
    );
}

/// Add dossier's functions and filters; `get_page`, `get_section`, `url`
/// and `load_data` answer from the model of the render ([`with_model`]).
pub(super) fn register_functions(tera: &mut Tera) {
    // A page's value, or a section's `get_section` answer; and whether a section.
    let answer = |path: &str| -> Option<(Value, bool)> {
        current(|m| {
            let m = m?;
            let (&i, values) = (m.by_path.get(path)?, m.values.as_ref()?);
            Some(match &values.sections[i] {
                Some((section, _)) => (section.clone(), true),
                None => (values.docs[i].full(), false),
            })
        })
    };
    let lookup = |kind: &'static str, want_section: bool| {
        move |kwargs: Kwargs, _: &State| -> tera::TeraResult<Value> {
            let path = kwargs.must_get::<&str>("path")?;
            let name: Name = path.into();
            record_call(if want_section {
                Key::Section(name)
            } else {
                Key::Page(name)
            });
            match answer(path) {
                Some((v, is_section)) if is_section == want_section => Ok(v),
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
    register_load_data(tera);
    tera.register_function("get_page", lookup("get_page", false));
    tera.register_function("get_section", lookup("get_section", true));
    tera.register_function(
        "url",
        move |kwargs: Kwargs, _: &State| -> tera::TeraResult<String> {
            let path = kwargs.must_get::<&str>("path")?;
            // The base path comes from site.yaml (or --base-url).
            record_call(Key::Config);
            let base_path = current(|m| m.map(|m| m.base_path.clone()).unwrap_or_default());
            Ok(format!("{base_path}{}", path.trim_start_matches('/')))
        },
    );
    tera.register_filter("date", date_filter);
    tera.register_filter("json", json_filter);
    tera.register_filter("ics_text", ics_text_filter);
    tera.register_filter("ics", ics_filter);
}

/// `{{ page.title | json }}`: the value as JSON, for a `<script>` block
/// (JSON-LD). `<`, `>` and `&` are written as `\u003c`… so that no text can
/// close the script element, and the result is not escaped again as HTML.
fn json_filter(value: Value, _: Kwargs, _: &State) -> tera::TeraResult<Value> {
    let text =
        serde_json::to_string(&value).map_err(|e| tera::Error::message(format!("json: {e}")))?;
    Ok(Value::safe_string(&script_safe_json(&text)))
}

/// `ics_text`: a value as iCalendar TEXT (RFC 5545 3.3.11): backslash,
/// `;`, `,` and line breaks escaped.
fn ics_text_filter(value: &str, _: Kwargs, _: &State) -> Value {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    Value::safe_string(&out)
}

/// `ics`: a whole iCalendar text as RFC 5545 wants its lines (3.1): blank
/// lines dropped, each line ended by CRLF and folded after 75 octets (at
/// a character's edge) with CRLF and a space.
fn ics_filter(value: &str, _: Kwargs, _: &State) -> Value {
    Value::safe_string(&ics_lines(value))
}

pub fn ics_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 32);
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let mut width = 0;
        for c in line.chars() {
            if width + c.len_utf8() > 75 {
                out.push_str("\r\n ");
                width = 1;
            }
            out.push(c);
            width += c.len_utf8();
        }
        out.push_str("\r\n");
    }
    out
}

/// JSON text that can stand inside a `<script>` element: `<`, `>` and `&`
/// (so no `</script>` or `<!--` can end it) and the two line separators
/// JavaScript once refused are written as `\u` escapes, which mean the same.
pub fn script_safe_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `url()`, and `load_data()` unless `url_only`, of a one-line
    /// template, as a render would call them.
    fn rendered_with(url_only: bool) -> String {
        let mut tera = Tera::new();
        register_functions(&mut tera);
        let text = match url_only {
            true => "{{ url(path='a/') }}",
            false => "{{ url(path='a/') }} {{ load_data(path='d.csv') }}",
        };
        tera.add_raw_template("t", text).unwrap();
        tera.render("t", &tera::Context::new())
            .unwrap_or_else(|e| crate::diagnostic::error_chain(&e))
    }
    fn rendered() -> String {
        rendered_with(false)
    }

    #[test]
    fn functions_answer_from_the_model_of_the_render_on_their_thread() {
        let mut data = crate::data::Data::new();
        data.insert("d.csv".into(), Value::from("rows"));
        let outer = Arc::new(Model {
            base_path: "/outer/".into(),
            data: Some(Arc::new(data)),
            ..Model::default()
        });
        let inner = Arc::new(Model {
            base_path: "/inner/".into(),
            ..Model::default()
        });
        assert!(rendered().contains("no data file data/d.csv"));
        with_model(&outer, || {
            assert_eq!(rendered(), "/outer/a/ rows");
            with_model(&inner, || {
                assert_eq!(rendered_with(true), "/inner/a/");
                assert!(rendered().contains("no data file data/d.csv"));
            });
            // The model set before is back.
            assert_eq!(rendered(), "/outer/a/ rows");
            // Another thread renders with its own model, or none.
            std::thread::scope(|s| {
                s.spawn(|| assert!(rendered().contains("no data file")))
                    .join()
                    .unwrap();
            });
        });
        assert!(rendered().contains("no data file data/d.csv"));
    }

    #[test]
    fn ics_lines_end_in_crlf_and_fold_at_75_octets_between_characters() {
        let long = format!("DESCRIPTION:{}", "é".repeat(60));
        let text = format!("BEGIN:VCALENDAR\n\n  {long}  \nEND:VCALENDAR\n");
        let out = ics_lines(&text);
        let lines: Vec<&str> = out.split("\r\n").collect();
        assert_eq!(lines.last(), Some(&""), "ends with CRLF");
        assert!(lines.iter().all(|l| l.len() <= 75), "{lines:?}");
        assert!(
            lines[2].starts_with(' '),
            "a folded line starts with a space"
        );
        // Unfolding (RFC 5545 3.1) gives the line back; blank lines are gone.
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(
            unfolded,
            format!("BEGIN:VCALENDAR\r\n{long}\r\nEND:VCALENDAR\r\n")
        );
    }
}
