//! Template values: the site model as the `site`, `page` and `section`
//! values templates read. Each doc's value is a step of its own
//! ([`doc_value`]); a page's context ([`doc_context`]) and `get_section`'s
//! answers are put together from them, recording which values they took.
//!
//! Not for rendering nor for Tera functions; `get_page`/`get_section` in
//! [`super::functions`] hand out values made here.

use super::fields::Fields;
use crate::engine::{Fp, Key, Reads};
use crate::markdown::{Own, OwnRef, TocEntry};
use crate::site::{Image, Site};
use crate::yaml::{Extra, YamlValue};
use std::sync::Arc;
use tera::{Map, Value};

/// Template values for the whole site, built once and shared by every render.
pub struct Values {
    pub site: Value,
    /// The `site` value's fingerprint.
    pub site_fp: Fp,
    /// Per doc, in doc order.
    pub docs: Vec<Arc<DocValue>>,
    /// Per doc: for sections, `get_section`'s answer and its fingerprint
    /// ([`section_answer`]), filled in once every doc's value is made.
    pub sections: Vec<Option<(Value, Fp)>>,
    /// The data files `load_data` answers from ([`crate::data`]).
    pub data: Arc<crate::data::Data>,
    /// The fields templates read: a page's own fields ([`Part::Own`]) are
    /// made when it is rendered, from these.
    pub fields: Fields,
    /// In a clean build, the docs whose body waits in a scratch file until
    /// their page renders ([`Values::spilled_body`]).
    pub spilled: Option<Spilled>,
}

/// Docs' bodies put in a scratch file, by doc: their values hold none.
pub struct Spilled {
    pub spill: Arc<crate::output::spill::Spill>,
    pub places: Vec<Option<SpilledDoc>>,
}

/// Where a doc's parts were put in the scratch file: its body, and its own
/// page's parts ([`crate::markdown::Own`]) when the model holds none.
#[derive(Debug, Clone, Copy)]
pub struct SpilledDoc {
    pub body: crate::output::spill::Place,
    pub own: Option<crate::output::spill::Place>,
}

impl Values {
    /// Doc `i`'s body, read back from the scratch file if it waits there.
    pub fn spilled_body(&self, i: usize) -> Option<std::io::Result<Value>> {
        let (spill, doc) = self.spilled(i)?;
        Some(spill.get(doc.body).map(|html| Value::safe_string(&html)))
    }
    /// Doc `i`'s own page's parts, read back from the scratch file if they
    /// wait there.
    pub fn spilled_own(&self, i: usize) -> Option<std::io::Result<Own>> {
        let (spill, doc) = self.spilled(i)?;
        let read = |place| {
            postcard::from_bytes(&spill.get_bytes(place)?)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
        };
        doc.own.map(read)
    }
    fn spilled(&self, i: usize) -> Option<(&crate::output::spill::Spill, SpilledDoc)> {
        let spilled = self.spilled.as_ref()?;
        Some((&spilled.spill, (*spilled.places.get(i)?)?))
    }
}

/// One doc's value: as listings show it, and its body (`content`) when
/// templates read it; [`DocValue::full`] puts the two together. The fields
/// templates read of the rendered page alone ([`Part::Own`]) are in
/// neither: [`doc_context`] makes them for the page it renders.
#[derive(Debug)]
pub struct DocValue {
    pub listed: Value,
    pub body: Option<Value>,
    /// Fingerprints of the fields templates can read ([`Fields`]).
    pub full_fp: Fp,
    pub listed_fp: Fp,
}

/// The field a listing leaves out: a listed page's body. A template that
/// wants it asks `get_page(path=…)`.
pub const BODY_FIELD: &str = "content";

impl DocValue {
    /// The whole value, body included, as a map: made when a page is
    /// rendered or asked for, not kept for every doc.
    pub fn full_map(&self) -> Map {
        let mut full = self.listed.as_map().cloned().unwrap_or_default();
        if let Some(body) = &self.body {
            full.insert(BODY_FIELD.into(), body.clone());
        }
        full
    }
    pub fn full(&self) -> Value {
        map_value(self.full_map())
    }
}

/// A map as a value: tera copies it into a map of its own (its
/// `From<IndexMap>`), with room for what it holds and no more.
fn map_value(map: Map) -> Value {
    Value::from(map)
}

fn yaml_value(v: &YamlValue) -> Value {
    match v {
        YamlValue::Null => Value::none(),
        YamlValue::Bool(b) => Value::from(*b),
        YamlValue::Int(i) => Value::from(*i),
        YamlValue::Float(f) => Value::from(*f),
        YamlValue::String(s) => Value::from(s.as_str()),
        YamlValue::List(l) => Value::from(l.iter().map(yaml_value).collect::<Vec<_>>()),
        YamlValue::Map(m) => extra_value(m),
    }
}

fn extra_value(extra: &Extra) -> Value {
    // Most docs have no `extra`: they share one empty map (a count, not an
    // allocation each, in every doc's listed value).
    static EMPTY: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    if extra.is_empty() {
        return EMPTY.get_or_init(|| map_value(Map::new())).clone();
    }
    let mut map = Map::with_capacity(extra.len());
    for (k, v) in extra {
        map.insert(k.clone().into(), yaml_value(v));
    }
    map_value(map)
}

fn toc_value(toc: &[TocEntry]) -> Value {
    Value::from(
        toc.iter()
            .map(|t| {
                let mut m = Map::with_capacity(4);
                m.insert("level".into(), Value::from(t.level as u64));
                m.insert("id".into(), Value::from(t.id.as_str()));
                m.insert("title".into(), Value::from(t.title.as_str()));
                m.insert("children".into(), toc_value(&t.children));
                map_value(m)
            })
            .collect::<Vec<_>>(),
    )
}

/// The `site` value every template sees, and its fingerprint.
pub fn site_value(site: &Site, fields: &Fields) -> (Value, Fp) {
    let c = &site.config;
    let mut s = Kept::new(fields, Part::Listed);
    s.put("title", || Value::from(c.title.as_str()));
    s.put("base_url", || Value::from(c.base_url.as_str()));
    s.put("base_path", || Value::from(site.base_path.as_str()));
    s.put("permalink", || {
        Value::from(format!("{}{}", c.origin(), site.base_path))
    });
    let image = c.image.as_deref().and_then(|i| Image::named(None, i));
    s.put("image", || {
        Value::from(image.and_then(|i| site.image_url(&i)))
    });
    s.put("description", || Value::from(c.description.clone()));
    s.put("language", || Value::from(c.language.as_str()));
    s.put("theme", || Value::from(c.theme.as_str()));
    s.put("author", || Value::from(c.author.clone()));
    s.put("extra", || extra_value(&c.extra));
    let value = map_value(s.map);
    let fp = fields.fingerprint(&value);
    (value, fp)
}

/// The step that makes doc `i`'s value: everything [`base_value`] reads,
/// read through `reads`, and its Markdown's HTML as `content` (a value made
/// once by the Markdown step, whose large text is shared, not copied).
pub fn doc_value(
    site: &Site,
    i: usize,
    content: &Value,
    fields: &Fields,
    alike: &Alike,
    reads: &mut Reads,
) -> (Arc<DocValue>, Fp) {
    let doc = &site.docs[i];
    reads.read(Key::Front(doc.name.clone()));
    reads.read(Key::Place(doc.name.clone()));
    reads.read(Key::Markdown(doc.name.clone()));
    reads.read(Key::Config);
    reads.read(Key::CitedBy(doc.name.clone()));
    for id in &doc.rendered.citations {
        reads.read(Key::Source(id.as_str().into()));
    }
    for id in doc.file.front.updates.iter().flat_map(|u| &u.sources) {
        reads.read(Key::Source(id.value.as_str().into()));
    }
    if let Some(Image::Content(path)) = site.image(i) {
        reads.read(Key::Asset(path.into()));
    }
    // The listed value first; the whole one adds the body. Each holds only
    // the fields templates can read, so what a template can print of it,
    // even whole, is what its fingerprint counts.
    let listed = base_value(site, i, fields, alike, Part::Listed, None);
    let body = fields.reads(BODY_FIELD).then(|| content.clone());
    // Fingerprints serve the next build only: none when reads are not kept.
    // The whole value's counts the own fields, made here for it alone.
    let (listed_fp, full_fp) = match reads.recording() {
        false => (crate::engine::absent(), crate::engine::absent()),
        true => {
            let listed_fp = fields.fingerprint(&listed);
            let own = base_value(site, i, fields, alike, Part::Own, None);
            let own_fp = fields.fingerprint(&own);
            let body = body.as_ref().and_then(Value::as_str);
            let full_fp = crate::engine::fingerprint(&(listed_fp, body, own_fp));
            (listed_fp, full_fp)
        }
    };
    let value = DocValue {
        listed,
        body,
        full_fp,
        listed_fp,
    };
    let fp = value.full_fp;
    (Arc::new(value), fp)
}

/// Which of a doc's fields a value holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Those templates can read of docs other than the one rendered: a
    /// listing's value, kept for every doc.
    Listed,
    /// Those templates read of the rendered page alone (`page.toc`): made
    /// when it is rendered, not kept for every doc.
    Own,
}

/// Part of a doc's value without its body: the fields templates can read
/// ([`Fields`]) of that part, each made only when one can (a listing of ten
/// thousand pages makes ten thousand of these).
fn base_value(
    site: &Site,
    i: usize,
    fields: &Fields,
    alike: &Alike,
    part: Part,
    own: Option<OwnRef<'_>>,
) -> Value {
    let doc = &site.docs[i];
    let f = &doc.file.front;
    let r = &doc.rendered;
    let own = own.unwrap_or_else(|| r.own());
    let mut m = Kept::new(fields, part);
    m.put("title", || Value::from(f.title.as_str()));
    m.put("description", || Value::from(f.description.clone()));
    m.put("date", || {
        Value::from(f.date.as_ref().map(|d| d.iso.clone()))
    });
    m.put("updated", || {
        Value::from(f.updated.as_ref().map(|d| d.iso.clone()))
    });
    // The same as full timestamps, as feeds want them.
    m.put("date_rfc3339", || {
        Value::from(f.date.as_ref().map(|d| d.sort_key.clone()))
    });
    m.put("updated_rfc3339", || {
        Value::from(f.updated.as_ref().map(|d| d.sort_key.clone()))
    });
    m.put("image", || {
        Value::from(site.image(i).and_then(|image| site.image_url(&image)))
    });
    m.put("updates", || updates_value(site, &f.updates));
    m.put("status", || Value::from(f.status.clone()));
    // A source's citation id (`[@id]`); none for other pages.
    let source_id = doc.source_id();
    let is_source = site.sources.get(source_id) == Some(&i);
    m.put("source_id", || Value::from(is_source.then_some(source_id)));
    m.put("source_url", || Value::from(f.url.clone()));
    m.put("archived_url", || Value::from(f.archived_url.clone()));
    m.put("tags", || {
        Value::from(
            f.tags
                .iter()
                .map(|t| Value::from(t.as_str()))
                .collect::<Vec<_>>(),
        )
    });
    m.put("extra", || extra_value(&f.extra));
    m.put("weight", || Value::from(f.weight));
    m.put("draft", || Value::from(f.draft));
    m.put("slug", || Value::from(doc.slug()));
    m.put("summary", || r.summary.value().clone());
    m.put("toc", || toc_value(own.toc));
    m.put("url", || Value::from(&*doc.url));
    m.put("permalink", || {
        Value::from(format!("{}{}", site.config.origin(), doc.url))
    });
    m.put("path", || Value::from(doc.file.path.as_str()));
    m.put("word_count", || Value::from(r.word_count));
    m.put("reading_time", || {
        Value::from(r.word_count.div_ceil(200).max(1))
    });
    m.put("is_section", || Value::from(doc.is_section()));
    // Each source cited, by its doc, in order of first citation.
    let citations: Vec<(usize, Value)> = match m.wants("citations") || m.wants("cited") {
        false => Vec::new(),
        true => r
            .citations
            .iter()
            .filter_map(|id| site.sources.get(id).copied())
            .enumerate()
            .map(|(n, source)| {
                let made = alike.citation(source, n + 1, || citation_value(site, source, n + 1));
                (source, made)
            })
            .collect(),
    };
    // Each citation mark in the text, in order: its popover's number (`key`),
    // its source (as in `citations`) and the passage or locator it names.
    let marks = own.cited.iter().enumerate().filter_map(|(k, cited)| {
        let (source, value) = citations.get(cited.number.checked_sub(1)?)?;
        Some(alike.mark((k + 1, cited.number, *source), cited, || {
            let mut c = Map::new();
            c.insert("key".into(), Value::from(k + 1));
            c.insert("number".into(), Value::from(cited.number));
            c.insert("source".into(), value.clone());
            c.insert("passage".into(), Value::from(cited.passage.clone()));
            c.insert("locator".into(), Value::from(cited.locator.clone()));
            map_value(c)
        }))
    });
    let marks: Vec<Value> = match m.wants("cited") {
        true => marks.collect(),
        false => Vec::new(),
    };
    m.put("citations", || {
        Value::from(citations.into_iter().map(|c| c.1).collect::<Vec<_>>())
    });
    m.put("cited", || Value::from(marks));
    m.put("cited_by", || {
        let each = doc.cited_by.iter().map(|&i| {
            let d = &site.docs[i];
            let mut c = Map::new();
            c.insert("title".into(), Value::from(d.file.front.title.as_str()));
            c.insert("url".into(), Value::from(&*d.url));
            map_value(c)
        });
        Value::from(each.collect::<Vec<_>>())
    });
    map_value(m.map)
}

/// Source doc `source` as a page's citation number `number`: the same
/// value on every page that cites it with that number.
fn citation_value(site: &Site, source: usize, number: usize) -> Value {
    let s = &site.docs[source];
    let id = s.source_id();
    let mut c = Map::new();
    c.insert("number".into(), Value::from(number));
    c.insert("id".into(), Value::from(id));
    c.insert("title".into(), Value::from(s.file.front.title.as_str()));
    c.insert("url".into(), Value::from(&*s.url));
    c.insert(
        "permalink".into(),
        Value::from(format!("{}{}", site.config.origin(), s.url)),
    );
    c.insert(
        "description".into(),
        Value::from(s.file.front.description.clone()),
    );
    c.insert(
        "date".into(),
        Value::from(s.file.front.date.as_ref().map(|d| d.iso.clone())),
    );
    c.insert("source_url".into(), Value::from(s.file.front.url.clone()));
    c.insert(
        "archived_url".into(),
        Value::from(s.file.front.archived_url.clone()),
    );
    c.insert("extra".into(), extra_value(&s.file.front.extra));
    map_value(c)
}

/// The parts of doc values that many docs hold alike, made once per build
/// and shared by every doc value that holds them (a map value is reference
/// counted, so a shared one costs a count, not a copy): a source as a
/// page's n-th citation, and a citation mark (its place on the page, its
/// number, its source, passage and locator). Ten thousand pages that cite
/// the same report first hold one value for it, not ten thousand.
///
/// Each value is a function of its key and the model alone, so who makes
/// it first makes no difference; the doc steps that take one record their
/// reads of its source as before.
#[derive(Default)]
pub struct Alike {
    citations: std::sync::Mutex<crate::engine::Map<(usize, usize), Value>>,
    marks: std::sync::Mutex<crate::engine::Map<MarkKey, Value>>,
}

/// A citation mark's key: its place on the page, its number and its
/// source doc, then its passage and locator.
type MarkKey = ((usize, usize, usize), Option<String>, Option<String>);

impl Alike {
    fn citation(&self, source: usize, number: usize, make: impl FnOnce() -> Value) -> Value {
        let mut made = self.citations.lock().unwrap_or_else(|e| e.into_inner());
        made.entry((source, number)).or_insert_with(make).clone()
    }
    fn mark(
        &self,
        place: (usize, usize, usize),
        cited: &crate::markdown::Cited,
        make: impl FnOnce() -> Value,
    ) -> Value {
        let k = (place, cited.passage.clone(), cited.locator.clone());
        let mut made = self.marks.lock().unwrap_or_else(|e| e.into_inner());
        made.entry(k).or_insert_with(make).clone()
    }
}

/// A value's map, made of the fields of one part templates can read and
/// no others.
struct Kept<'f> {
    map: Map,
    fields: &'f Fields,
    part: Part,
}

impl<'f> Kept<'f> {
    fn new(fields: &'f Fields, part: Part) -> Self {
        // Room for every field a part may have (most go in listings): tera
        // copies the map into one its size ([`map_value`]).
        let room = match part {
            Part::Listed => 32,
            Part::Own => 8,
        };
        Kept {
            map: Map::with_capacity(room),
            fields,
            part,
        }
    }
    fn wants(&self, name: &str) -> bool {
        match self.part {
            Part::Listed => self.fields.listed(name),
            Part::Own => self.fields.own(name),
        }
    }
    /// Field `name` made by `make`, if templates can read it.
    fn put(&mut self, name: &'static str, make: impl FnOnce() -> Value) {
        if self.wants(name) {
            self.map.insert(name.into(), make());
        }
    }
}

/// The template context of doc `i`: `site`, and its value as `page` (and
/// `section` for sections) with what depends on other docs: neighbours,
/// parent, and for sections their pages and two levels of subsections, all
/// as listings show them. Every value it takes is read through `reads`.
/// `body` and `own`: its body and own page's parts, when the model holds
/// none ([`Values::spilled_body`], [`Values::spilled_own`]).
#[allow(clippy::too_many_arguments)]
pub fn doc_context(
    site: &Site,
    values: &Values,
    i: usize,
    body: Option<Value>,
    own: Option<&Own>,
    alike: &Alike,
    reads: &mut Reads,
) -> tera::Context {
    let doc = &site.docs[i];
    reads.read(Key::Site);
    reads.read(Key::Place(doc.name.clone()));
    let mut full = values.docs[i].full_map();
    if let Some(body) = body {
        full.insert(BODY_FIELD.into(), body);
    }
    // Room for the five fields added below.
    let mut m = with_own_fields(site, values, i, own, alike, full, 5, reads);
    let mut link = |j: Option<usize>| match j {
        Some(j) => listed(site, values, j, reads),
        None => Value::none(),
    };
    m.insert("previous".into(), link(doc.previous));
    m.insert("next".into(), link(doc.next));
    m.insert("parent".into(), link(doc.parent));
    if doc.is_section() {
        let (pages, subsections) = listing(site, values, i, 2, reads);
        m.insert("pages".into(), pages);
        m.insert("subsections".into(), subsections);
    }
    let value = map_value(m);
    let mut ctx = tera::Context::new();
    ctx.insert_value("site", values.site.clone());
    if doc.is_section() {
        // Section templates may share partials with pages.
        ctx.insert_value("section", value.clone());
    }
    ctx.insert_value("page", value);
    ctx
}

/// A page's log of corrections and updates, newest first, each with the
/// sources it names (as far as they exist).
fn updates_value(site: &Site, updates: &[crate::content::Update]) -> Value {
    let entries: Vec<Value> = updates
        .iter()
        .map(|u| map_value(update_map(site, u)))
        .collect();
    Value::from(entries)
}

/// One log entry as templates see it.
fn update_map(site: &Site, u: &crate::content::Update) -> Map {
    let mut e = Map::new();
    e.insert("date".into(), Value::from(u.date.iso.as_str()));
    e.insert("date_rfc3339".into(), Value::from(u.date.sort_key.as_str()));
    e.insert("kind".into(), Value::from(u.kind.as_str()));
    e.insert("text".into(), Value::from(u.text.as_str()));
    let sources: Vec<Value> = (u.sources.iter())
        .filter_map(|id| {
            let s = &site.docs[*site.sources.get(&id.value)?];
            let mut c = Map::new();
            c.insert("id".into(), Value::from(id.value.as_str()));
            c.insert("title".into(), Value::from(s.file.front.title.as_str()));
            c.insert("url".into(), Value::from(&*s.url));
            Some(map_value(c))
        })
        .collect();
    e.insert("sources".into(), Value::from(sources));
    e
}

/// The context of site file `name` ([`super::SITE_FILES`]): `site`, and
/// but for the not-found page, every page and section as listings show
/// them (`pages`, `sections`), the dated pages newest first (`dated`) and
/// the latest `updated` or `date` of any page as RFC 3339 (`last_updated`).
pub fn site_file_context(
    site: &Site,
    values: &Values,
    name: &str,
    reads: &mut Reads,
) -> tera::Context {
    reads.read(Key::Site);
    let mut ctx = tera::Context::new();
    ctx.insert_value("site", values.site.clone());
    if name != super::NOT_FOUND {
        let (mut pages, mut sections) = (Vec::new(), Vec::new());
        for (j, doc) in site.docs.iter().enumerate() {
            // Which docs there are, and in what order, is part of each one's place.
            reads.read(Key::Place(doc.name.clone()));
            let list = if doc.is_section() {
                &mut sections
            } else {
                &mut pages
            };
            list.push(listed(site, values, j, reads));
        }
        let date = |j: usize| site.docs[j].file.front.date.as_ref().map(|d| &d.sort_key);
        let mut dated: Vec<usize> = (0..site.docs.len())
            .filter(|&j| !site.docs[j].is_section() && date(j).is_some())
            .collect();
        dated.sort_by(|&a, &b| date(b).cmp(&date(a)));
        let last_updated = (0..site.docs.len())
            .filter(|&j| !site.docs[j].is_section())
            .filter_map(|j| {
                let f = &site.docs[j].file.front;
                f.updated.as_ref().or(f.date.as_ref()).map(|d| &d.sort_key)
            })
            .max();
        ctx.insert_value("pages", Value::from(pages));
        ctx.insert_value("sections", Value::from(sections));
        ctx.insert_value(
            "dated",
            Value::from(
                dated
                    .iter()
                    .map(|&j| values.docs[j].listed.clone())
                    .collect::<Vec<_>>(),
            ),
        );
        ctx.insert_value("last_updated", Value::from(last_updated.cloned()));
        // Every page's log entries, newest first, each with its page.
        let mut changes: Vec<(&str, Value)> = Vec::new();
        for (j, doc) in site.docs.iter().enumerate() {
            reads.read(Key::Front(doc.name.clone()));
            for u in &doc.file.front.updates {
                for id in &u.sources {
                    reads.read(Key::Source(id.value.as_str().into()));
                }
                let mut e = update_map(site, u);
                e.insert("page".into(), values.docs[j].listed.clone());
                changes.push((&u.date.sort_key, map_value(e)));
            }
        }
        changes.sort_by(|a, b| b.0.cmp(a.0));
        ctx.insert_value(
            "changes",
            Value::from(changes.into_iter().map(|c| c.1).collect::<Vec<_>>()),
        );
    }
    ctx
}

/// The context of a redirect to doc `i` ([`super::ALIAS`]): `site`, and the
/// doc as listings show it, with its own fields ([`Part::Own`]: templates
/// read them as `page.NAME`), as `page`.
pub fn alias_context(
    site: &Site,
    values: &Values,
    i: usize,
    own: Option<&Own>,
    alike: &Alike,
    reads: &mut Reads,
) -> tera::Context {
    reads.read(Key::Site);
    let listed = values.docs[i].listed.as_map().cloned().unwrap_or_default();
    let m = with_own_fields(site, values, i, own, alike, listed, 0, reads);
    let mut ctx = tera::Context::new();
    ctx.insert_value("site", values.site.clone());
    ctx.insert_value("page", map_value(m));
    ctx
}

/// Doc `i`'s value as the rendered doc sees it: `base` (its listed or
/// whole value) with the fields templates read of the rendered doc alone
/// ([`Part::Own`]), made now, and room for `more` fields. Its value's
/// fingerprint, which counts the own fields, is read through `reads`.
/// `own`: its own page's parts, when the model holds none.
#[allow(clippy::too_many_arguments)]
fn with_own_fields(
    site: &Site,
    values: &Values,
    i: usize,
    own: Option<&Own>,
    alike: &Alike,
    base: Map,
    more: usize,
    reads: &mut Reads,
) -> Map {
    reads.read(Key::Value(site.docs[i].name.clone()));
    let own = base_value(
        site,
        i,
        &values.fields,
        alike,
        Part::Own,
        own.map(Own::as_ref),
    );
    let own = own.into_map().unwrap_or_default();
    let mut m = base;
    m.reserve(own.len() + more);
    m.extend(own);
    m
}

/// Doc `j` as listings show it, read through `reads`.
fn listed(site: &Site, values: &Values, j: usize, reads: &mut Reads) -> Value {
    reads.read(Key::Listed(site.docs[j].name.clone()));
    values.docs[j].listed.clone()
}

/// A section's pages and, `depth` levels down, its subsections with theirs.
fn listing(
    site: &Site,
    values: &Values,
    i: usize,
    depth: usize,
    reads: &mut Reads,
) -> (Value, Value) {
    let doc = &site.docs[i];
    // Which pages and subsections it has is part of its place.
    reads.read(Key::Place(doc.name.clone()));
    let pages: Vec<Value> = doc
        .pages
        .iter()
        .map(|&p| listed(site, values, p, reads))
        .collect();
    let mut subsections = Vec::new();
    if depth > 0 {
        for &s in &doc.subsections {
            let mut m = listed(site, values, s, reads)
                .as_map()
                .cloned()
                .unwrap_or_default();
            let (p, sub) = listing(site, values, s, depth - 1, reads);
            m.insert("pages".into(), p);
            m.insert("subsections".into(), sub);
            subsections.push(map_value(m));
        }
    }
    (Value::from(pages), Value::from(subsections))
}

/// The step that makes `get_section`'s answer for section `i`, and its
/// fingerprint: its listed value with its pages and its subsections (these
/// without their pages, so a page that shows the site's sections is not
/// rebuilt for every page edit), every value read through `reads`.
pub fn section_answer(site: &Site, values: &Values, i: usize, reads: &mut Reads) -> (Value, Fp) {
    use std::hash::Hash;
    let doc = &site.docs[i];
    // Which pages and subsections it has is part of its place.
    reads.read(Key::Place(doc.name.clone()));
    let mut h = crate::engine::FpHasher::new();
    let mut take = |j: usize, h: &mut crate::engine::FpHasher| {
        values.docs[j].listed_fp.hash(h);
        listed(site, values, j, reads)
    };
    let mut m = take(i, &mut h).as_map().cloned().unwrap_or_default();
    for (field, ids) in [("pages", &doc.pages), ("subsections", &doc.subsections)] {
        ids.len().hash(&mut h);
        let list: Vec<Value> = ids.iter().map(|&j| take(j, &mut h)).collect();
        m.insert(field.into(), Value::from(list));
    }
    (map_value(m), h.finish128())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::output::spill::Spill;

    /// What waits in the scratch file comes back for the doc it belongs to;
    /// own parts that cannot be read back are an error, not empty parts.
    #[test]
    fn a_doc_s_spilled_parts_come_back_and_a_bad_one_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let spill = Arc::new(Spill::create(&dir.path().join("output")).unwrap());
        let body = spill.put("<p>Body</p>").unwrap();
        let toc = [crate::markdown::TocEntry {
            level: 2,
            id: "one".into(),
            title: "One".into(),
            children: Vec::new(),
        }];
        let own = crate::markdown::OwnRef {
            toc: &toc,
            cited: &[],
        };
        let own = postcard::to_allocvec(&own).unwrap();
        let bad = spill.put_bytes(&own[..own.len() - 1]).unwrap();
        let own = spill.put_bytes(&own).unwrap();
        let doc = |own| Some(SpilledDoc { body, own });
        let values = Values {
            site: Value::none(),
            site_fp: crate::engine::absent(),
            docs: Vec::new(),
            sections: Vec::new(),
            data: Default::default(),
            fields: Fields::All,
            spilled: Some(Spilled {
                spill,
                places: vec![doc(Some(own)), doc(None), doc(Some(bad)), None],
            }),
        };
        let body = values.spilled_body(0).unwrap().unwrap();
        assert_eq!(body.as_str(), Some("<p>Body</p>"));
        let own = values.spilled_own(0).unwrap().unwrap();
        assert_eq!(own.toc[0].title, "One");
        assert!(values.spilled_own(1).is_none());
        assert!(values.spilled_own(2).unwrap().is_err());
        assert!(values.spilled_body(3).is_none() && values.spilled_own(3).is_none());
        assert!(values.spilled_body(4).is_none());
    }
}
