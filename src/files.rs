//! Which files count: the one rule, used by the content walk, the static
//! copy, the template loader and the watcher alike, so a file a build reads
//! is always a file the watcher reports, and the reverse.
//!
//! A file counts when it is `site.yaml` or lies under one of the folders a
//! build reads ([`SITE_DIRS`]), and no part of its path is an editor's
//! leftover (swap, backup and temporary files) or a version-control folder.
//! Hidden names count only under a `static/` folder, where hosts need them
//! (`.nojekyll`, `.well-known/`); in content and templates they are ignored.
//!
//! Not for deciding what a file means (content, template, static): the
//! stages that walk a folder decide that.

use std::path::{Path, PathBuf};
use walkdir::WalkDir;

pub const CONFIG_FILE: &str = crate::config::CONFIG_FILE;
pub const CONTENT_DIR: &str = "content";
pub const THEMES_DIR: &str = "themes";
pub const TEMPLATES_DIR: &str = "templates";
pub const STATIC_DIR: &str = "static";
pub const DATA_DIR: &str = crate::data::DATA_DIR;

/// The folders under the site root that a build reads.
pub const SITE_DIRS: [&str; 5] = [CONTENT_DIR, THEMES_DIR, TEMPLATES_DIR, STATIC_DIR, DATA_DIR];

/// Whether `rel` (relative to the site root, `/`-separated) is a file or
/// folder a build reads.
pub fn counts(rel: &str) -> bool {
    let mut parts = rel.split('/').filter(|p| !p.is_empty());
    let Some(top) = parts.next() else {
        return false;
    };
    let rest: Vec<&str> = parts.collect();
    if rest.is_empty() && top == CONFIG_FILE {
        return true;
    }
    if !SITE_DIRS.contains(&top) {
        return false;
    }
    // `static/…` or `themes/NAME/static/…`: hidden names are published there.
    let static_from = match top {
        STATIC_DIR => Some(0),
        THEMES_DIR if rest.get(1) == Some(&STATIC_DIR) => Some(2),
        _ => None,
    };
    rest.iter().enumerate().all(|(i, name)| {
        let hidden_allowed = static_from.is_some_and(|s| i >= s);
        !is_leftover(name) && (hidden_allowed || !name.starts_with('.'))
    })
}

/// What editors, file managers and version control leave beside files:
/// never content, never a template, never published.
pub fn is_leftover(name: &str) -> bool {
    const PREFIXES: [&str; 4] = ["#", ".#", ".goutputstream-", ".~lock."];
    const SUFFIXES: [&str; 10] = [
        "~",
        ".swp",
        ".swo",
        ".swx",
        ".bak",
        ".tmp",
        ".dossier-tmp",
        "___jb_tmp___",
        "___jb_old___",
        ".orig",
    ];
    const NAMES: [&str; 7] = [
        "4913",
        ".DS_Store",
        "Thumbs.db",
        "desktop.ini",
        ".git",
        ".hg",
        ".svn",
    ];
    PREFIXES.iter().any(|p| name.starts_with(p))
        || SUFFIXES.iter().any(|s| name.ends_with(s))
        || NAMES.contains(&name)
}

/// One file found by [`walk`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Path relative to the walked folder, `/`-separated.
    pub rel: String,
    pub abs: PathBuf,
}

/// An entry a walk did not take: one it could not read (an error), or a
/// symbolic link, which is never followed, so that nothing is read from
/// outside the site (a warning).
#[derive(Debug, Clone)]
pub struct Skipped {
    /// Relative to the site root.
    pub path: PathBuf,
    pub why: String,
    pub error: bool,
}

/// The files that count under `root/dir` (`dir` relative to the root,
/// `/`-separated), sorted by their path as a string; and the entries it
/// did not take.
pub fn walk(root: &Path, dir: &str) -> (Vec<Found>, Vec<Skipped>) {
    let abs_dir = root.join(dir);
    let mut found = Vec::new();
    let mut errors = Vec::new();
    if !abs_dir.is_dir() {
        return (found, errors);
    }
    let relative = |p: &Path| -> String {
        p.strip_prefix(&abs_dir)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/")
    };
    let walker = WalkDir::new(&abs_dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || counts(&format!("{dir}/{}", relative(e.path()))));
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_file() => found.push(Found {
                rel: relative(e.path()),
                abs: e.path().to_path_buf(),
            }),
            Ok(e) if e.path_is_symlink() => errors.push(Skipped {
                path: e.path().strip_prefix(root).unwrap_or(e.path()).to_path_buf(),
                why: "a symbolic link, not followed (so nothing is read from outside the site): copy the file here instead".into(),
                error: false,
            }),
            Ok(_) => {}
            Err(e) => {
                let path = e.path().unwrap_or(&abs_dir);
                errors.push(Skipped {
                    path: path.strip_prefix(root).unwrap_or(path).to_path_buf(),
                    why: match e.io_error() {
                        Some(io) => crate::diagnostic::cannot_read(io),
                        None => format!("cannot read: {e}"),
                    },
                    error: true,
                });
            }
        }
    }
    found.sort_by(|a, b| a.rel.cmp(&b.rel));
    (found, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_files_count() {
        for rel in [
            "site.yaml",
            "content/a.md",
            "content/memo/chart.png",
            "templates/page.html",
            "themes/x/templates/partials/nav.html",
            "static/.nojekyll",
            "static/.well-known/security.txt",
            "themes/x/static/.well-known/a.txt",
        ] {
            assert!(counts(rel), "{rel}");
        }
    }

    #[test]
    fn leftovers_hidden_names_and_other_folders_do_not() {
        for rel in [
            "output/index.html",
            ".git/index",
            "README.md",
            "content/a.md~",
            "content/.a.md.swp",
            "content/notes.bak",
            "content/#a.md#",
            "content/.#a.md",
            "content/4913",
            "content/.hidden/a.md",
            "content/.DS_Store",
            "templates/page.html.bak",
            "templates/page.html___jb_tmp___",
            "static/.style.css.swx",
            "static/.git/config",
            "themes/x/templates/.page.html.swp",
            "themes/.x/templates/page.html",
        ] {
            assert!(!counts(rel), "{rel}");
        }
    }
}
