//! `dossier new DIR`: write a starter explainer that builds as it is.
//!
//! The skeleton's content lives in `src/scaffold/` and the theme is the
//! repository's own `themes/explainer/`, both compiled into the binary with
//! `include_str!`, so an installed `dossier` can start a site anywhere and
//! the new site gets exactly the theme the showcase uses (no second copy to
//! drift). A test below fails when a theme file is added without being
//! listed here. Not for building: the new site is built like any other.

use crate::diagnostic::Diagnostic;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `(path in the new site, contents)` for each listed file under `$base`.
macro_rules! embed {
    ($base:literal, $prefix:literal, [$($path:literal),* $(,)?]) => {
        &[$((
            concat!($prefix, $path),
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/", $base, "/", $path)),
        )),*]
    };
}

/// The example content: one file of each kind, each showing its front matter.
const SKELETON: &[(&str, &str)] = embed!(
    "src/scaffold",
    "",
    [
        ".gitignore",
        "README.md",
        "site.yaml",
        "content/_index.md",
        "content/topic.md",
        "content/timeline/_index.md",
        "content/timeline/first-event.md",
        "content/players/_index.md",
        "content/players/example-player.md",
        "content/glossary/_index.md",
        "content/glossary/example-term.md",
        "content/sources/_index.md",
        "content/sources/example-report.md",
    ]
);

/// The explainer theme, copied whole so the new site can change it freely.
const THEME: &[(&str, &str)] = embed!(
    "themes/explainer",
    "themes/explainer/",
    [
        "README.md",
        "static/favicon.svg",
        "static/search.js",
        "static/style.css",
        "templates/404.html",
        "templates/components/citation.html",
        "templates/components/disputed.html",
        "templates/search/index.html",
        "templates/shortcodes/comparison.md",
        "templates/alias.html",
        "templates/base.html",
        "templates/event.html",
        "templates/index.html",
        "templates/page.html",
        "templates/player.html",
        "templates/robots.txt",
        "templates/atom.xml",
        "templates/section.html",
        "templates/sitemap.xml",
        "templates/sources.json",
        "templates/timeline.ics",
        "templates/timeline.json",
        "templates/term.html",
        "templates/timeline.html",
        "templates/partials/breadcrumb.html",
        "templates/partials/citation-popovers.html",
        "templates/partials/cite-this-page.html",
        "templates/partials/content.html",
        "templates/partials/page-meta.html",
        "templates/partials/pager.html",
        "templates/partials/references.html",
        "templates/partials/share.html",
        "templates/partials/status-legend.html",
        "templates/partials/source-facts.html",
        "templates/partials/toc.html",
        "templates/partials/updates.html",
        "templates/shortcodes/figure.html",
        "templates/shortcodes/keyfact.html",
        "templates/shortcodes/note.html",
        "templates/shortcodes/pullquote.html",
        "templates/shortcodes/table.html",
        "templates/shortcodes/unknowns.html",
        "templates/changes/index.html",
        "templates/changes.xml",
        "templates/changes.json",
    ]
);

/// Every file `dossier new` writes, relative to the new site's folder.
pub fn files() -> impl Iterator<Item = (&'static str, &'static str)> {
    SKELETON.iter().chain(THEME).copied()
}

/// Write the skeleton into `dir`, which must be missing or empty.
/// Returns how many files were written.
pub fn create(dir: &Path) -> Result<usize, Diagnostic> {
    let problem = |message: String| Diagnostic::error(dir, 0, 0, message);
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(problem(
                    "folder is not empty; `dossier new` only writes into a new or empty folder, \
                     so nothing already there is overwritten"
                        .into(),
                ));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(_) if dir.exists() => {
            return Err(problem(
                "exists and is not a folder; give `dossier new` a new or empty folder".into(),
            ));
        }
        Err(e) => return Err(problem(format!("cannot read: {e}"))),
    }
    let mut written = 0;
    for (rel, text) in files() {
        let path: PathBuf = dir.join(rel);
        let write = || -> std::io::Result<()> {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, text)
        };
        write().map_err(|e| Diagnostic::error(&path, 0, 0, format!("cannot write: {e}")))?;
        written += 1;
    }
    Ok(written)
}

/// The `new` command: create the site, or say why not (exit 1).
pub fn run(dir: &Path) -> ExitCode {
    match create(dir) {
        Ok(count) => {
            let shown = crate::diagnostic::display_path(dir);
            println!("Created a new explainer in {shown}: {count} files.");
            println!("Next: cd {shown} && dossier watch   (or: dossier build --root {shown})");
            ExitCode::SUCCESS
        }
        Err(d) => {
            eprintln!("{d}");
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn files_under(base: &str) -> BTreeSet<String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(base);
        walkdir::WalkDir::new(&root)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                e.path()
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect()
    }

    #[test]
    fn every_theme_file_is_embedded() {
        let embedded: BTreeSet<String> = THEME
            .iter()
            .map(|(p, _)| p.trim_start_matches("themes/explainer/").to_string())
            .collect();
        assert_eq!(embedded, files_under("themes/explainer"));
    }

    #[test]
    fn every_skeleton_file_is_embedded() {
        let embedded: BTreeSet<String> = SKELETON.iter().map(|(p, _)| p.to_string()).collect();
        assert_eq!(embedded, files_under("src/scaffold"));
    }

    #[test]
    fn refuses_a_folder_that_is_not_empty() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        let err = create(dir.path()).unwrap_err();
        assert!(err.message.contains("not empty"), "{}", err.message);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
            "mine"
        );
    }
}
