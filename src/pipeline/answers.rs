//! What each [`Key`] answers in the build under way, as a fingerprint: the
//! one definition, used both when a step records a read and when a rebuild
//! checks that read ([`crate::engine::reusable`]). A key whose answer does
//! not exist (a page that is gone, a layer not built yet) answers
//! [`engine::absent`].

use super::inputs::Inputs;
use super::steps::{Markdown, ParsedTable};
use crate::engine::{self, Answers, Changes, Fp, Key, Table};
use crate::markdown::Resolver;
use crate::render::{self, Values};
use crate::site::Site;
use std::sync::{Arc, OnceLock};

/// The layers of the build so far; each is filled once complete, before
/// any step that reads it runs.
pub(super) struct Current<'a> {
    pub(super) inputs: &'a Inputs,
    pub(super) config: Fp,
    pub(super) templates: Fp,
    pub(super) fields: Fp,
    pub(super) search: Fp,
    pub(super) parsed: &'a ParsedTable,
    pub(super) site: Option<&'a Site>,
    /// Fingerprints worked out from the site, kept once asked for.
    pub(super) known: Option<&'a Known>,
    pub(super) markdown: Option<&'a Table<Arc<Markdown>>>,
    pub(super) values: Option<&'a Values>,
    /// In a rebuild, the answers known to have changed since the previous
    /// build, so far.
    pub(super) changes: Option<&'a Changes>,
    /// Whether steps record their reads ([`engine::Answers::recorded`]).
    pub(super) record: bool,
}

impl<'a> Current<'a> {
    /// The layers before the model: inputs, settings, templates, parsed files.
    pub(super) fn new(
        inputs: &'a Inputs,
        config: Fp,
        templates: Fp,
        (fields, search): (Fp, Fp),
        parsed: &'a ParsedTable,
        record: bool,
    ) -> Current<'a> {
        Current {
            inputs,
            config,
            templates,
            fields,
            search,
            parsed,
            site: None,
            known: None,
            markdown: None,
            values: None,
            changes: None,
            record,
        }
    }
}

/// Per doc, the fingerprints of its place and (for sources) its card: many
/// steps read them, so each is worked out once per build.
pub(super) struct Known {
    place: Vec<OnceLock<Fp>>,
    source: Vec<OnceLock<Fp>>,
}

impl Known {
    pub(super) fn new(site: &Site) -> Known {
        Known {
            place: site.docs.iter().map(|_| OnceLock::new()).collect(),
            source: site.docs.iter().map(|_| OnceLock::new()).collect(),
        }
    }
}

impl Answers for Current<'_> {
    fn fingerprint(&self, key: &Key) -> Fp {
        self.answer(key).unwrap_or_else(engine::absent)
    }
    fn changed(&self, key: &Key, read: Fp) -> bool {
        match self.changes.and_then(|c| c.get(key)) {
            Some(changed) => changed,
            None => self.fingerprint(key) != read,
        }
    }
    fn ruled_out(&self, record: &engine::Record) -> bool {
        self.changes.is_some_and(|c| c.rule_out(record))
    }
    fn recorded(&self) -> bool {
        self.record
    }
}

impl Current<'_> {
    fn answer(&self, key: &Key) -> Option<Fp> {
        let doc = |name: &str| {
            let site = self.site?;
            let &i = site.by_path.get(name)?;
            Some((site, i))
        };
        Some(match key {
            Key::File(path) => self.inputs.file(path),
            Key::Folder(dir) => self.inputs.folder_fp(dir),
            Key::Config => self.config,
            Key::Templates => self.templates,
            Key::Fields => self.fields,
            Key::Search => self.search,
            Key::Front(path) => self.parsed.get(path)?.value.as_ref().ok()?.front_fp,
            Key::Body(path) => self.parsed.get(path)?.value.as_ref().ok()?.body_fp,
            Key::Place(path) => {
                let (site, i) = doc(path)?;
                *self.known?.place[i].get_or_init(|| place(site, i))
            }
            Key::PageUrl(path) => engine::fingerprint(&self.site?.page_url(path)),
            Key::Asset(path) => engine::fingerprint(&self.site?.asset_url(path)),
            Key::Source(id) => {
                let site = self.site?;
                let i = *site.sources.get(&**id)?;
                *self.known?.source[i].get_or_init(|| source_card(site, i))
            }
            Key::Markdown(path) => self.markdown?.get(path)?.fp,
            Key::CitedBy(path) => {
                let (site, i) = doc(path)?;
                let citing: Vec<(&str, &str, &str)> = site.docs[i]
                    .cited_by
                    .iter()
                    .map(|&c| {
                        let d = &site.docs[c];
                        (&*d.name, d.file.front.title.as_str(), &*d.url)
                    })
                    .collect();
                engine::fingerprint(&citing)
            }
            Key::Value(path) => {
                let (_, i) = doc(path)?;
                self.values?.docs.get(i)?.full_fp
            }
            Key::Listed(path) => {
                let (_, i) = doc(path)?;
                self.values?.docs.get(i)?.listed_fp
            }
            Key::Page(path) => {
                let (site, i) = doc(path)?;
                if site.docs[i].is_section() {
                    return None;
                }
                self.values?.docs.get(i)?.full_fp
            }
            Key::Section(path) => {
                let (_, i) = doc(path)?;
                self.values?.sections.get(i)?.as_ref()?.1
            }
            Key::Site => self.values?.site_fp,
        })
    }
}

/// What a doc's place is: URL, output file, kind, section, neighbours,
/// members and template.
fn place(site: &Site, i: usize) -> Fp {
    let d = &site.docs[i];
    let name = |j: Option<usize>| j.map(|j| &*site.docs[j].name);
    let members =
        |ids: &[usize]| -> Vec<&str> { ids.iter().map(|&j| &*site.docs[j].name).collect() };
    engine::fingerprint(&(
        &d.url,
        &d.out_path,
        d.is_section(),
        name(d.parent),
        name(d.previous),
        name(d.next),
        members(&d.pages),
        members(&d.subsections),
        render::template_for(site, i).0,
    ))
}

/// What citing a source shows of it (title, URL, description, date, extra,
/// its addresses on the web) and where its text is.
fn source_card(site: &Site, i: usize) -> Fp {
    let s = &site.docs[i];
    let f = &s.file.front;
    let date = f.date.as_ref().map(|d| &d.iso);
    let extra = format!("{:?}", f.extra);
    let text = f.text.as_ref().map(|t| &t.value);
    let urls = (&f.url, &f.archived_url);
    engine::fingerprint(&(&f.title, &s.url, &f.description, date, extra, text, urls))
}
