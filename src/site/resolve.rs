//! How Markdown asks the site about URLs and sources: [`Urls`] answers while
//! the model is being built (and gives a key that changes when any answer
//! would), and a built [`Site`] answers the same way afterwards.
//!
//! Not for building the model nor for checking links: the parent module and
//! `tree.rs` do those.

use super::Site;
use crate::markdown::Resolver;
use std::collections::HashMap;

/// Answers Markdown's questions about URLs and sources.
pub(super) struct Urls<'a> {
    pub(super) by_path: &'a HashMap<String, usize>,
    pub(super) urls: Vec<String>,
    pub(super) sources: HashMap<String, (String, String)>,
}

impl Urls<'_> {
    /// Changes when any answer Markdown could get changes.
    pub(super) fn key(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        let mut paths: Vec<(&String, &usize)> = self.by_path.iter().collect();
        paths.sort();
        for (path, &i) in paths {
            (path, &self.urls[i]).hash(&mut h);
        }
        let mut sources: Vec<_> = self.sources.iter().collect();
        sources.sort();
        sources.hash(&mut h);
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

/// A built site answers Markdown's questions the same way [`Urls`] did
/// while building it.
impl Resolver for Site {
    fn page_url(&self, content_path: &str) -> Option<&str> {
        lookup(&self.by_path, content_path).map(|i| self.docs[i].url.as_str())
    }
    fn source(&self, id: &str) -> Option<(&str, &str)> {
        let doc = &self.docs[*self.sources.get(id)?];
        Some((doc.file.front.title.as_str(), doc.url.as_str()))
    }
}

impl Resolver for Urls<'_> {
    fn page_url(&self, content_path: &str) -> Option<&str> {
        let i = &lookup(self.by_path, content_path)?;
        Some(&self.urls[*i])
    }
    fn source(&self, id: &str) -> Option<(&str, &str)> {
        self.sources.get(id).map(|(t, u)| (t.as_str(), u.as_str()))
    }
}
