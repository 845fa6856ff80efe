//! How Markdown asks the site about URLs and sources: [`Answers`] reads them
//! off the docs, both while the model is being built and from a built
//! [`Site`], and gives a key that changes whenever any answer would.
//!
//! Not for building the model nor for checking links: the parent module and
//! `tree.rs` do those.

use super::{Doc, Site};
use crate::markdown::Resolver;
use std::collections::{BTreeMap, HashMap};

/// Answers Markdown's questions about URLs and sources.
pub(super) struct Answers<'a> {
    pub(super) docs: &'a [Doc],
    pub(super) by_path: &'a HashMap<String, usize>,
    pub(super) sources: &'a BTreeMap<String, usize>,
    pub(super) assets: &'a [super::PlacedAsset],
    pub(super) assets_by_path: &'a HashMap<String, usize>,
}

impl Answers<'_> {
    /// Changes when any answer Markdown could get changes.
    pub(super) fn key(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        let mut paths: Vec<(&String, &usize)> = self.by_path.iter().collect();
        paths.sort();
        for (path, &i) in paths {
            (path, &self.docs[i].url).hash(&mut h);
        }
        for (id, &i) in self.sources {
            (id, &self.docs[i].file.front.title, &self.docs[i].url).hash(&mut h);
        }
        for a in self.assets {
            (&a.file.path, &a.url).hash(&mut h);
        }
        h.finish()
    }
}

/// The doc at `content_path`, or the section of a folder linked as `folder.md`.
pub(super) fn lookup(by_path: &HashMap<String, usize>, content_path: &str) -> Option<usize> {
    by_path
        .get(content_path)
        .or_else(|| {
            by_path.get(&format!(
                "{}/_index.md",
                content_path.trim_end_matches(".md")
            ))
        })
        .copied()
}

impl<'a> Answers<'a> {
    fn page_url(&self, content_path: &str) -> Option<&'a str> {
        lookup(self.by_path, content_path).map(|i| self.docs[i].url.as_str())
    }
    fn source(&self, id: &str) -> Option<(&'a str, &'a str)> {
        let doc = &self.docs[*self.sources.get(id)?];
        Some((doc.file.front.title.as_str(), doc.url.as_str()))
    }
    fn asset_url(&self, content_path: &str) -> Option<&'a str> {
        let i = *self.assets_by_path.get(content_path)?;
        Some(self.assets[i].url.as_str())
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
}

/// A built site answers exactly as it did while being built.
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
}

impl Site {
    fn answers(&self) -> Answers<'_> {
        Answers {
            docs: &self.docs,
            by_path: &self.by_path,
            sources: &self.sources,
            assets: &self.assets,
            assets_by_path: &self.assets_by_path,
        }
    }
}
