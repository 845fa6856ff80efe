//! The search index a theme with a search page gets: written beside the
//! pages, and in `watch` brought up to date after an edit is shown rather
//! than before (`Previous::search_later`), ending as a clean build's.

mod fixture;

use dossier::pipeline::{self, Built};
use fixture::{Fixture, built_text};

/// The index's files and the bytes of each.
fn index(b: &Built) -> Vec<(String, Vec<u8>)> {
    b.plan
        .iter()
        .filter(|(path, _)| path.starts_with("search-index/"))
        .map(|(path, source)| (path.to_string(), source.bytes().unwrap().into_owned()))
        .collect()
}

fn holds(b: &Built, word: &str) -> bool {
    index(b).iter().any(|(path, bytes)| {
        path.starts_with("search-index/t/")
            && String::from_utf8_lossy(bytes).contains(&format!("\"{word}\""))
    })
}

#[test]
fn an_edit_shows_first_and_the_index_catches_up_to_a_clean_build() {
    let f = Fixture::new();
    f.use_repo_theme("explainer");
    f.page("a.md", "title: Apples", "Apples grow on trees.\n");
    f.page("b.md", "title: Pears", "Pears too.\n");
    let first = pipeline::build(&f.options()).unwrap();
    assert!(holds(&first, "apples") && !holds(&first, "quinces"));

    f.page("a.md", "title: Apples", "Quinces grow on trees.\n");
    let shown = f.rebuild(&first, &["content/a.md"], true);
    // The page is new; the index is the last one, and says so.
    assert!(built_text(&shown, "a/index.html").contains("Quinces grow"));
    assert!(shown.search_stale);
    assert_eq!(index(&shown), index(&first));

    // Nothing else changed: a rebuild without waiting brings the index up to date.
    let caught_up = f.rebuild(&shown, &[], false);
    assert!(!caught_up.search_stale);
    assert_eq!(caught_up.rendered, 0);
    assert!(holds(&caught_up, "quinces"));
    assert_eq!(
        index(&caught_up),
        index(&pipeline::build(&f.options()).unwrap())
    );

    // With nothing to catch up, waiting changes nothing.
    let again = f.rebuild(&caught_up, &[], true);
    assert!(!again.search_stale);
}

#[test]
fn a_theme_without_a_search_page_gets_no_index() {
    let f = Fixture::new();
    f.page("a.md", "title: Apples", "Apples.\n");
    let built = pipeline::build(&f.options()).unwrap();
    assert!(index(&built).is_empty());
    assert!(!built.search_stale);
}

/// Markdown makes a page's search terms only for a search index: a theme
/// without a search page gets none, and one that gains a search page in
/// `watch` gets every page's terms, as a clean build does.
#[test]
fn terms_are_made_only_for_an_index_and_a_search_page_added_in_watch_gets_them() {
    let f = Fixture::new();
    f.page("a.md", "title: Apples", "Apples grow on trees.\n");
    f.page("b.md", "title: Pears", "Pears too.\n");
    let first = pipeline::build(&f.options()).unwrap();
    let terms = |b: &Built| -> usize {
        b.site
            .docs
            .iter()
            .map(|d| d.rendered.terms.iter().count())
            .sum()
    };
    assert_eq!(terms(&first), 0);

    let search_page = "themes/t/templates/search/index.html";
    f.write(search_page, "<h1>Search</h1>");
    let added = f.rebuild(&first, &[search_page], false);
    assert!(terms(&added) > 0);
    // The pages' bodies, not only their titles, are in the index.
    assert!(holds(&added, "trees") && holds(&added, "too"));
    let clean = pipeline::build(&f.options()).unwrap();
    assert_eq!(terms(&added), terms(&clean));
    assert_eq!(index(&added), index(&clean));

    f.remove(search_page);
    let removed = f.rebuild(&added, &[search_page], false);
    assert!(index(&removed).is_empty());
    assert_eq!(terms(&removed), 0);
}
