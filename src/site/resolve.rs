//! How Markdown asks the site about URLs, sources and files: [`Answers`]
//! reads them off the model's structure.
//!
//! Not for building the model nor for checking links: the parent module and
//! `tree.rs` do those.

use super::{Doc, Site};
use crate::engine::{Map, Name};
use crate::markdown::Resolver;
use std::collections::BTreeMap;

/// Answers Markdown's questions about URLs and sources.
pub(super) struct Answers<'a> {
    pub(super) base_path: &'a str,
    pub(super) raw_html: bool,
    pub(super) docs: &'a [Doc],
    pub(super) by_path: &'a Map<Name, usize>,
    pub(super) sources: &'a BTreeMap<String, usize>,
    pub(super) assets: &'a [super::PlacedAsset],
    pub(super) assets_by_path: &'a Map<String, usize>,
    pub(super) texts: &'a super::SourceTexts,
}

/// The doc at `content_path`, or the section of a folder linked as `folder.md`.
pub(super) fn lookup(by_path: &Map<Name, usize>, content_path: &str) -> Option<usize> {
    by_path
        .get(content_path)
        .or_else(|| {
            by_path.get(format!("{}/_index.md", content_path.trim_end_matches(".md")).as_str())
        })
        .copied()
}

impl<'a> Answers<'a> {
    fn page_url(&self, content_path: &str) -> Option<&'a str> {
        lookup(self.by_path, content_path).map(|i| &*self.docs[i].url)
    }
    fn source(&self, id: &str) -> Option<(&'a str, &'a str)> {
        let doc = &self.docs[*self.sources.get(id)?];
        Some((doc.file.front.title.as_str(), &*doc.url))
    }
    fn asset_url(&self, content_path: &str) -> Option<&'a str> {
        let i = *self.assets_by_path.get(content_path)?;
        Some(self.assets[i].url.as_str())
    }
    fn source_text(&self, id: &str) -> Option<(&'a str, Option<&'a str>)> {
        let known = self.texts.get(id)?;
        Some((&*known.path, known.text.as_deref()))
    }
}

impl Resolver for Answers<'_> {
    fn page_url(&self, content_path: &str) -> Option<&str> {
        Answers::page_url(self, content_path)
    }
    fn source(&self, id: &str) -> Option<(&str, &str)> {
        Answers::source(self, id)
    }
    fn asset_url(&self, content_path: &str) -> Option<&str> {
        Answers::asset_url(self, content_path)
    }
    fn base_path(&self) -> &str {
        self.base_path
    }
    fn raw_html(&self) -> bool {
        self.raw_html
    }
    fn search_terms(&self) -> bool {
        true
    }
    fn source_text(&self, id: &str) -> Option<(&str, Option<&str>)> {
        Answers::source_text(self, id)
    }
    /// The built-in components; shortcodes need a build, with the theme's
    /// templates.
    fn render_template(
        &self,
        name: &str,
        args: &crate::markdown::TemplateArgs,
        body: Option<&str>,
    ) -> Option<Result<String, String>> {
        crate::render::render_built_in(name, args, body).or_else(|| {
            // A Markdown shortcode is asked for first: no answer, so the
            // HTML one is asked next and the call reported once.
            (!name.ends_with(".md")).then(|| {
                Err(format!(
                    "`{name}` is rendered by a build, with the theme's templates"
                ))
            })
        })
    }
}

/// A built site answers as it did while being built (but for templates:
/// only the built-in components, see [`Answers::render_template`]; and it
/// asks for search terms whether or not its theme has a search page).
impl Resolver for Site {
    fn page_url(&self, content_path: &str) -> Option<&str> {
        self.answers().page_url(content_path)
    }
    fn source(&self, id: &str) -> Option<(&str, &str)> {
        self.answers().source(id)
    }
    fn asset_url(&self, content_path: &str) -> Option<&str> {
        self.answers().asset_url(content_path)
    }
    fn base_path(&self) -> &str {
        &self.base_path
    }
    fn raw_html(&self) -> bool {
        self.config.unsafe_html
    }
    fn search_terms(&self) -> bool {
        true
    }
    fn source_text(&self, id: &str) -> Option<(&str, Option<&str>)> {
        self.answers().source_text(id)
    }
    fn render_template(
        &self,
        name: &str,
        args: &crate::markdown::TemplateArgs,
        body: Option<&str>,
    ) -> Option<Result<String, String>> {
        self.answers().render_template(name, args, body)
    }
}

impl Site {
    fn answers(&self) -> Answers<'_> {
        Answers {
            base_path: &self.base_path,
            raw_html: self.config.unsafe_html,
            docs: &self.docs,
            by_path: &self.by_path,
            sources: &self.sources,
            assets: &self.assets,
            assets_by_path: &self.assets_by_path,
            texts: &self.texts,
        }
    }
}
