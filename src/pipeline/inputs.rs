//! The build's inputs from outside: the files steps read (by content hash)
//! and the folders they list ([`crate::files::walk`]). A clean build starts
//! with none known; a rebuild starts from the previous build's and brings
//! up to date exactly what the changed paths name: those files are hashed
//! again, and a folder is listed again when a changed path in it may be a
//! file that appeared or went.
//!
//! Not for deciding what to reuse: the steps' records and
//! [`crate::engine::reusable`] do that, by comparing these fingerprints.

use super::within;
use crate::engine::Map;
use crate::engine::{self, Changes, Fp, Key, Name};
use crate::files::{self, Found};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

/// A folder's listing and its fingerprint.
pub type Listing = (Arc<Vec<Found>>, Fp);

/// What changed since the previous build, as the watcher reports it: paths
/// relative to the root, `/`-separated.
pub struct Changed<'a>(pub &'a BTreeSet<String>);

/// The files and folders known to this build.
#[derive(Debug, Default, Clone)]
pub struct Inputs {
    /// Fingerprints of the files steps read, by path relative to the root:
    /// a table shared with the builds before, and what changed in it since
    /// (`None`: the file went). A rebuild copies the changes, not the table
    /// (ten thousand shared paths on a large site, each a count to raise).
    files: Arc<Map<Name, Fp>>,
    since: Map<Name, Option<Fp>>,
    pub(super) folders: Map<Name, Listing>,
}

impl Inputs {
    /// The previous build's inputs brought up to date with `changed`; each
    /// file whose bytes changed is noted in `changes`.
    pub fn refresh(
        root: &Path,
        previous: &Inputs,
        changed: &Changed,
        changes: &mut Changes,
    ) -> Inputs {
        let folders = previous
            .folders
            .iter()
            .filter(|(dir, (found, _))| !may_differ(root, dir, found, changed))
            .map(|(dir, listing)| (dir.clone(), listing.clone()))
            .collect();
        let mut next = Inputs {
            files: previous.files.clone(),
            since: previous.since.clone(),
            folders,
        };
        // Changes pile up over a session: now and then, into a new table.
        if next.since.len() > SINCE_AT_MOST + next.files.len() / 8 {
            next.compact();
        }
        for c in changed.0 {
            // A changed path is a known file, or a folder holding some.
            let touched: Vec<Name> = match next.known(c) {
                Some(path) => vec![path],
                None => next.paths().filter(|p| within(p, c)).cloned().collect(),
            };
            for path in touched {
                let fp = hash_file(&root.join(&*path));
                // A file that is gone answers absent whether it is kept or
                // not: forget it, so a long session does not pile them up.
                let now = (fp != engine::absent()).then_some(fp);
                if let Some(old) = next.set(path.clone(), now) {
                    changes.note_if(Key::File(path), old, fp);
                }
            }
        }
        next
    }

    /// The fingerprint of the file at `path` as this build knows it.
    pub fn file(&self, path: &str) -> Fp {
        self.get(path).unwrap_or_else(engine::absent)
    }

    /// Whether this build read (or looked for) the file at `path`.
    pub fn knows(&self, path: &str) -> bool {
        self.get(path).is_some()
    }

    /// Whether the file at `path` holds now what this build read from it
    /// (or is still missing where it looked for one). False for a path it
    /// read nothing from: a folder, or a file it only listed.
    pub fn holds(&self, root: &Path, path: &str) -> bool {
        self.get(path)
            .is_some_and(|read| hash_file(&root.join(path)) == read)
    }

    fn get(&self, path: &str) -> Option<Fp> {
        match self.since.get(path) {
            Some(fp) => *fp,
            None => self.files.get(path).copied(),
        }
    }

    /// The name of a known file at `path`.
    fn known(&self, path: &str) -> Option<Name> {
        match self.since.get_key_value(path) {
            Some((name, Some(_))) => Some(name.clone()),
            Some((_, None)) => None,
            None => self.files.get_key_value(path).map(|(name, _)| name.clone()),
        }
    }

    /// Every known file's path.
    fn paths(&self) -> impl Iterator<Item = &Name> {
        let kept = self
            .files
            .keys()
            .filter(|p| !self.since.contains_key(&***p));
        kept.chain(
            self.since
                .iter()
                .filter(|(_, fp)| fp.is_some())
                .map(|(p, _)| p),
        )
    }

    /// Set what `path` holds (`None`: nothing); what it held before. A
    /// table no other build shares is changed in place.
    fn set(&mut self, path: Name, fp: Option<Fp>) -> Option<Fp> {
        let old = self.get(&path);
        if old != fp {
            match Arc::get_mut(&mut self.files) {
                Some(files) => {
                    self.since.remove(&path);
                    put(files, path, fp);
                }
                None => {
                    self.since.insert(path, fp);
                }
            }
        }
        old
    }

    /// The changes since the shared table, folded into a table of this build's own.
    fn compact(&mut self) {
        let since = std::mem::take(&mut self.since);
        let files = Arc::make_mut(&mut self.files);
        for (path, fp) in since {
            put(files, path, fp);
        }
    }

    /// The files that count under `dir`, listed again unless still known;
    /// entries that could not be read go to `unreadable`.
    pub fn folder(
        &mut self,
        root: &Path,
        dir: &str,
        unreadable: &mut Vec<crate::files::Skipped>,
    ) -> Listing {
        if let Some(listing) = self.folders.get(dir) {
            return listing.clone();
        }
        let (found, errors) = files::walk(root, dir);
        unreadable.extend(errors);
        let fp = engine::fingerprint(&found.iter().map(|f| &f.rel).collect::<Vec<_>>());
        let listing = (Arc::new(found), fp);
        self.folders.insert(dir.into(), listing.clone());
        listing
    }

    /// The fingerprint of a folder's listing; absent when not listed.
    pub fn folder_fp(&self, dir: &str) -> Fp {
        self.folders.get(dir).map_or_else(engine::absent, |l| l.1)
    }

    /// Note the fingerprint of a file a step read.
    pub fn note_file(&mut self, path: Name, fp: Fp) {
        self.set(path, Some(fp));
    }
}

/// `path` holding `fp` in `files` (`None`: not there).
fn put(files: &mut Map<Name, Fp>, path: Name, fp: Option<Fp>) {
    match fp {
        Some(fp) => files.insert(path, fp),
        None => files.remove(&path),
    };
}

/// Changes [`Inputs`] keeps beside the shared table before it makes a new
/// one (with an eighth of the table's size).
const SINCE_AT_MOST: usize = 64;

/// Whether `dir`'s listing may have changed: a changed path in it (or the
/// folder itself) that is not one of its files still there as a file.
fn may_differ(root: &Path, dir: &str, found: &[Found], changed: &Changed) -> bool {
    changed.0.iter().any(|c| {
        if within(dir, c) {
            return true; // the folder itself, or one above it
        }
        let Some(rel) = c.strip_prefix(dir).and_then(|r| r.strip_prefix('/')) else {
            return false;
        };
        let known = found.binary_search_by(|f| f.rel.as_str().cmp(rel)).is_ok();
        !(known && root.join(c).is_file())
    })
}

/// The fingerprint of a file's bytes; absent when it cannot be read.
pub fn hash_file(path: &Path) -> Fp {
    std::fs::read(path).map_or_else(|_| engine::absent(), |b| engine::fingerprint_bytes(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Kind;
    use std::collections::BTreeSet;

    #[test]
    fn a_file_that_went_is_noted_as_changed_and_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("a.md"), "a").unwrap();
        std::fs::write(root.join("b.md"), "b").unwrap();
        let mut known = Inputs::default();
        for name in ["a.md", "b.md"] {
            known.note_file(name.into(), hash_file(&root.join(name)));
        }
        std::fs::remove_file(root.join("a.md")).unwrap();
        std::fs::write(root.join("b.md"), "b, edited").unwrap();
        let changed: BTreeSet<String> = ["a.md".to_string(), "b.md".to_string()].into();
        let mut changes = Changes::default();
        let now = Inputs::refresh(root, &known, &Changed(&changed), &mut changes);
        changes.track(&[Kind::File]);
        assert!(now.known("a.md").is_none() && now.paths().all(|p| &**p != "a.md"));
        assert_eq!(now.file("a.md"), engine::absent());
        assert_eq!(now.file("b.md"), hash_file(&root.join("b.md")));
        assert_eq!(changes.get(&Key::File("a.md".into())), Some(true));
        assert_eq!(changes.get(&Key::File("b.md".into())), Some(true));
        assert_eq!(changes.get(&Key::File("c.md".into())), Some(false));
    }

    #[test]
    fn a_file_holds_what_was_read_until_its_bytes_change() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("a.md"), "a").unwrap();
        std::fs::write(root.join("listed.png"), "png").unwrap();
        let mut known = Inputs::default();
        known.note_file("a.md".into(), hash_file(&root.join("a.md")));
        // Looked for and not found (a source's text).
        known.note_file("text.txt".into(), engine::absent());
        assert!(known.holds(root, "a.md"));
        assert!(known.holds(root, "text.txt"));
        // Only read files: not one the build never read, nor a folder.
        assert!(!known.holds(root, "listed.png"));
        assert!(!known.holds(root, ""));
        // Written again with the same bytes: still as read.
        std::fs::write(root.join("a.md"), "a").unwrap();
        assert!(known.holds(root, "a.md"));
        std::fs::write(root.join("a.md"), "a, edited").unwrap();
        assert!(!known.holds(root, "a.md"));
        std::fs::write(root.join("text.txt"), "now here").unwrap();
        assert!(!known.holds(root, "text.txt"));
    }

    #[test]
    fn a_rebuild_shares_the_table_and_keeps_only_what_changed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let names: Vec<String> = (0..1000).map(|n| format!("p{n}.md")).collect();
        let mut known = Inputs::default();
        for name in &names {
            std::fs::write(root.join(name), name).unwrap();
            known.note_file(name.as_str().into(), hash_file(&root.join(name)));
        }
        assert!(known.since.is_empty(), "a first build fills its own table");
        // One file goes early; it stays gone through the tables made anew.
        std::fs::remove_file(root.join("p0.md")).unwrap();
        let gone: BTreeSet<String> = ["p0.md".to_string()].into();
        known = Inputs::refresh(root, &known, &Changed(&gone), &mut Changes::default());
        // A long session editing one file after another.
        for (n, name) in names.iter().enumerate().skip(1) {
            std::fs::write(root.join(name), format!("{name}, edit {n}")).unwrap();
            let changed: BTreeSet<String> = [name.clone()].into();
            let mut changes = Changes::default();
            let now = Inputs::refresh(root, &known, &Changed(&changed), &mut changes);
            changes.track(&[Kind::File]);
            assert_eq!(changes.get(&Key::File(name.as_str().into())), Some(true));
            assert_eq!(now.file(name), hash_file(&root.join(name)));
            assert!(now.since.len() <= SINCE_AT_MOST + 1000 / 8 + 1);
            if n % 97 == 0 {
                for other in &names {
                    assert_eq!(now.file(other), hash_file(&root.join(other)), "{other}");
                }
                assert!(now.known("p0.md").is_none());
                assert_eq!(now.paths().count(), names.len() - 1);
            }
            known = now;
        }
        // The table is shared from one rebuild to the next until it is made anew.
        let changed: BTreeSet<String> = ["p3.md".to_string()].into();
        let next = Inputs::refresh(root, &known, &Changed(&changed), &mut Changes::default());
        assert!(Arc::ptr_eq(&next.files, &known.files));
    }
}
