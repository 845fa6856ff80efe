//! The search index a theme with a search page gets: written beside the
//! pages, and in `watch` brought up to date after an edit is shown rather
//! than before (`Previous::search_later`), ending as a clean build's.

mod fixture;

use dossier::pipeline::{self, Built, Previous};
use fixture::Fixture;
use std::collections::BTreeSet;

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
    let options = f.options();
    let first = pipeline::build(&options).unwrap();
    assert!(holds(&first, "apples") && !holds(&first, "quinces"));

    f.page("a.md", "title: Apples", "Quinces grow on trees.\n");
    let changed: BTreeSet<String> = ["content/a.md".to_string()].into();
    let shown = pipeline::rebuild(
        &options,
        Some(Previous {
            built: &first,
            changed: &changed,
            search_later: true,
        }),
    )
    .unwrap();
    // The page is new; the index is the last one, and says so.
    let page = |b: &Built| {
        String::from_utf8(
            b.plan
                .get("a/index.html")
                .unwrap()
                .bytes()
                .unwrap()
                .into_owned(),
        )
        .unwrap()
    };
    assert!(page(&shown).contains("Quinces grow"));
    assert!(shown.search_stale);
    assert_eq!(index(&shown), index(&first));

    // Nothing else changed: a rebuild without waiting brings the index up to date.
    let none = BTreeSet::new();
    let caught_up = pipeline::rebuild(
        &options,
        Some(Previous {
            built: &shown,
            changed: &none,
            search_later: false,
        }),
    )
    .unwrap();
    assert!(!caught_up.search_stale);
    assert_eq!(caught_up.rendered, 0);
    assert!(holds(&caught_up, "quinces"));
    assert_eq!(
        index(&caught_up),
        index(&pipeline::build(&options).unwrap())
    );

    // With nothing to catch up, waiting changes nothing.
    let again = pipeline::rebuild(
        &options,
        Some(Previous {
            built: &caught_up,
            changed: &none,
            search_later: true,
        }),
    )
    .unwrap();
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
