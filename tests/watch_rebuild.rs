//! `dossier watch` rebuilds on every way editors save, renders only what an
//! edit affects, and leaves `output/` exactly as a clean build would.

mod watch_common;
use std::time::Duration;
use watch_common::{Site, Watch};

fn body_of(site: &Site, rel: &str) -> String {
    site.read(&format!("output/{rel}"))
}

#[test]
fn first_build_writes_output_like_build() {
    let site = Site::new();
    let watch = Watch::start(&site);
    assert!(
        watch.stdout().contains("Built 3 pages, 2 sections"),
        "{}",
        watch.stdout()
    );
    site.assert_output_is_clean_build();
}

#[test]
fn in_place_write_rebuilds_the_page() {
    let site = Site::new();
    let watch = Watch::start(&site);
    let lines = watch.edit(|| site.page("beta.md", "Beta", "Edited in place.\n"));
    assert!(body_of(&site, "beta/index.html").contains("Edited in place."));
    assert!(lines[0].contains("content/beta.md changed: "), "{lines:?}");
    site.assert_output_is_clean_build();
}

#[test]
fn write_temp_then_rename_rebuilds_the_page() {
    let site = Site::new();
    let watch = Watch::start(&site);
    watch.edit(|| {
        site.write(
            "content/beta.md.tmp",
            "---\ntitle: Beta\n---\nSaved atomically.\n",
        );
        std::fs::rename(
            site.path("content/beta.md.tmp"),
            site.path("content/beta.md"),
        )
        .unwrap();
    });
    assert!(body_of(&site, "beta/index.html").contains("Saved atomically."));
    assert!(!site.exists("output/beta.md.tmp"));
    site.assert_output_is_clean_build();
}

#[test]
fn vim_backup_and_rewrite_rebuilds_the_page() {
    let site = Site::new();
    let watch = Watch::start(&site);
    watch.edit(|| {
        // What vim does with `backupcopy=no`: probe, move aside, write anew, drop the backup.
        site.write("content/4913", "");
        std::fs::remove_file(site.path("content/4913")).unwrap();
        site.write("content/.beta.md.swp", "swap");
        std::fs::rename(site.path("content/beta.md"), site.path("content/beta.md~")).unwrap();
        site.write("content/beta.md", "---\ntitle: Beta\n---\nSaved by vim.\n");
        std::fs::remove_file(site.path("content/beta.md~")).unwrap();
        std::fs::remove_file(site.path("content/.beta.md.swp")).unwrap();
    });
    assert!(body_of(&site, "beta/index.html").contains("Saved by vim."));
    site.assert_output_is_clean_build();
}

#[test]
fn deleted_page_disappears_from_output() {
    let site = Site::new();
    let watch = Watch::start(&site);
    watch.edit(|| std::fs::remove_file(site.path("content/notes/one.md")).unwrap());
    assert!(!site.exists("output/notes/one/index.html"));
    assert!(!body_of(&site, "notes/index.html").contains("Note one"));
    site.assert_output_is_clean_build();
}

#[test]
fn renamed_page_moves_in_output() {
    let site = Site::new();
    let watch = Watch::start(&site);
    watch.edit(|| {
        std::fs::rename(
            site.path("content/notes/one.md"),
            site.path("content/notes/first.md"),
        )
        .unwrap()
    });
    assert!(!site.exists("output/notes/one/index.html"));
    assert!(body_of(&site, "notes/first/index.html").contains("Note one"));
    site.assert_output_is_clean_build();
}

#[test]
fn renamed_folder_moves_its_pages() {
    let site = Site::new();
    let watch = Watch::start(&site);
    watch.edit(|| {
        std::fs::rename(site.path("content/notes"), site.path("content/journal")).unwrap()
    });
    assert!(!site.exists("output/notes"));
    assert!(body_of(&site, "journal/one/index.html").contains("Note one"));
    site.assert_output_is_clean_build();
}

#[test]
fn new_folder_with_pages_is_built() {
    let site = Site::new();
    let watch = Watch::start(&site);
    watch.edit(|| {
        site.page("events/_index.md", "Events", "What happened.\n");
        site.page("events/launch.md", "Launch", "It launched.\n");
        site.page("events/deep/nested.md", "Nested", "Deep down.\n");
    });
    // The folder's files may land in more than one batch; wait for the last.
    let start = std::time::Instant::now();
    while !site.exists("output/events/deep/nested/index.html") {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{}",
            watch.stdout()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    watch.settle(0);
    assert!(body_of(&site, "events/launch/index.html").contains("It launched."));
    site.assert_output_is_clean_build();
}

#[test]
fn template_edit_rerenders_the_pages_using_it() {
    let site = Site::new();
    let watch = Watch::start(&site);
    let before = body_of(&site, "notes/index.html");
    let page = site.read("themes/plain/templates/page.html");
    watch.edit(|| {
        site.write(
            "themes/plain/templates/page.html",
            &page.replace("<main>", "<main class=\"edited\">"),
        )
    });
    assert!(body_of(&site, "alpha/index.html").contains("<main class=\"edited\">"));
    assert_eq!(
        body_of(&site, "notes/index.html"),
        before,
        "sections do not use page.html"
    );
    site.assert_output_is_clean_build();
}

#[test]
fn site_templates_override_and_unoverride_the_theme() {
    let site = Site::new();
    let watch = Watch::start(&site);
    watch.edit(|| {
        site.write(
            "templates/404.html",
            "{% extends \"base.html\" %}{% block body %}<h1>Lost</h1>{% endblock %}",
        )
    });
    assert!(body_of(&site, "404.html").contains("Lost"));
    site.assert_output_is_clean_build();
    watch.edit(|| std::fs::remove_dir_all(site.path("templates")).unwrap());
    assert!(body_of(&site, "404.html").contains("Nothing here"));
    site.assert_output_is_clean_build();
}

#[test]
fn static_edit_copies_only_that_file() {
    let site = Site::new();
    let watch = Watch::start(&site);
    let lines =
        watch.edit(|| site.write("themes/plain/static/style.css", "body { color: red; }\n"));
    assert_eq!(body_of(&site, "style.css"), "body { color: red; }\n");
    assert!(
        lines[0].contains("0 pages re-rendered, 1 file written"),
        "{lines:?}"
    );
    watch.edit(|| site.write("static/extra/logo.svg", "<svg/>"));
    assert_eq!(body_of(&site, "extra/logo.svg"), "<svg/>");
    watch.edit(|| std::fs::remove_file(site.path("static/extra/logo.svg")).unwrap());
    assert!(!site.exists("output/extra"));
    site.assert_output_is_clean_build();
}

/// (pages re-rendered, files written) from a rebuild's line.
fn counts(line: &str) -> (usize, usize) {
    let number_before = |word: &str| -> usize {
        let at = line
            .find(word)
            .unwrap_or_else(|| panic!("no `{word}` in {line}"));
        line[..at]
            .split_whitespace()
            .last()
            .unwrap()
            .parse()
            .unwrap()
    };
    (number_before(" page"), number_before(" file"))
}

#[test]
fn page_edit_renders_only_the_pages_showing_it() {
    let site = Site::new();
    let watch = Watch::start(&site);
    // Five docs in all. A note's text is shown by the note alone.
    let lines = watch.edit(|| site.page("notes/one.md", "Note one", "A longer note.\n"));
    let (rendered, written) = counts(&lines[0]);
    assert!(rendered < 5 && written == 1, "{lines:?}");
    // Its title also shows in its section's listing.
    let lines = watch.edit(|| site.page("notes/one.md", "Note 1", "A longer note.\n"));
    let (rendered, written) = counts(&lines[0]);
    assert!(rendered < 5 && written == 2, "{lines:?}");
    assert!(body_of(&site, "notes/index.html").contains("Note 1"));
    // Beta's title shows on alpha (its next link) and on the home listing.
    let lines = watch.edit(|| site.page("beta.md", "Bravo", "The second page.\n"));
    let (rendered, written) = counts(&lines[0]);
    assert!(rendered < 5 && written == 3, "{lines:?}");
    assert!(body_of(&site, "alpha/index.html").contains(">Bravo</a>"));
    site.assert_output_is_clean_build();
}

#[test]
fn a_nav_from_get_section_does_not_rerender_every_page() {
    let site = Site::new();
    // Every page lists the home's sections, as the explainer theme's nav does.
    site.write(
        "templates/base.html",
        "<title>{% block title %}{% endblock %}</title><nav>{% set home = get_section(path=\"_index.md\") %}{% for s in home.subsections %}\
         <a href=\"{{ s.url }}\">{{ s.title }}</a>{% endfor %}</nav>{% block body %}{% endblock %}",
    );
    for i in 0..12 {
        site.page(&format!("notes/n{i:02}.md"), &format!("N{i}"), "Text.\n");
    }
    let watch = Watch::start(&site);
    let lines = watch.edit(|| site.page("notes/n05.md", "N5", "New text.\n"));
    let (rendered, written) = counts(&lines[0]);
    // The page, its neighbours, its section and the home listing at most.
    assert!(rendered <= 5 && written == 1, "{lines:?}");
    // A section's title is in every page's nav: everything renders again.
    let lines = watch.edit(|| site.page("notes/_index.md", "Jottings", "Some notes.\n"));
    let (rendered, _) = counts(&lines[0]);
    assert!(rendered >= 17, "{lines:?}");
    assert!(body_of(&site, "alpha/index.html").contains(">Jottings</a>"));
    site.assert_output_is_clean_build();
}

#[test]
fn config_edit_rebuilds_everything() {
    let site = Site::new();
    let watch = Watch::start(&site);
    watch.edit(|| {
        site.write(
            "site.yaml",
            "title: Renamed\nbase_url: \"https://example.org\"\ntheme: plain\nlanguage: fr\n",
        )
    });
    assert!(body_of(&site, "alpha/index.html").contains("lang=\"fr\""));
    site.assert_output_is_clean_build();
}

#[test]
fn broken_edit_keeps_the_last_good_site_until_fixed() {
    let site = Site::new();
    let watch = Watch::start(&site);
    let good = body_of(&site, "beta/index.html");
    let lines = watch.edit(|| site.write("content/beta.md", "---\ntitle: [Beta\n---\nBroken.\n"));
    assert!(lines[0].contains("error"), "{lines:?}");
    assert!(
        watch.stderr().contains("content/beta.md:2:"),
        "{}",
        watch.stderr()
    );
    assert_eq!(
        body_of(&site, "beta/index.html"),
        good,
        "the last good page stays"
    );
    let lines = watch.edit(|| site.page("beta.md", "Beta", "Fixed.\n"));
    assert!(lines[0].contains("re-rendered"), "{lines:?}");
    assert!(body_of(&site, "beta/index.html").contains("Fixed."));
    site.assert_output_is_clean_build();
}

#[test]
fn an_edit_after_a_broken_one_still_sees_the_broken_file() {
    let site = Site::new();
    let watch = Watch::start(&site);
    watch.edit(|| site.write("content/beta.md", "---\ntitle: [Beta\n---\nBroken.\n"));
    // Another file changes while beta.md is still broken: beta.md must not be
    // taken from the last good build.
    let lines = watch.edit(|| site.page("alpha.md", "Alpha", "Changed alpha.\n"));
    assert!(lines[0].contains("error"), "{lines:?}");
    // Fixed differently from the last good version: the new text shows.
    watch.edit(|| site.page("beta.md", "Beta", "Fixed anew.\n"));
    assert!(body_of(&site, "beta/index.html").contains("Fixed anew."));
    assert!(body_of(&site, "alpha/index.html").contains("Changed alpha."));
    site.assert_output_is_clean_build();
}

#[test]
fn a_slow_rename_away_and_back_is_one_rebuild_that_keeps_the_page() {
    let site = Site::new();
    let watch = Watch::start(&site);
    let lines = watch.edit(|| {
        // vim's backup dance, with a slow disk between its steps.
        // (A page no other page links to, so its absence alone is no error.)
        let (page, backup) = (
            site.path("content/notes/one.md"),
            site.path("content/notes/one.md~"),
        );
        std::fs::rename(&page, &backup).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(40));
        site.page("notes/one.md", "Note one", "Rewritten slowly.\n");
        std::fs::remove_file(&backup).unwrap();
    });
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains(" 0 removed"), "{lines:?}");
    assert!(body_of(&site, "notes/one/index.html").contains("Rewritten slowly."));
    site.assert_output_is_clean_build();
}

#[test]
fn a_body_edit_that_breaks_another_pages_anchor_is_an_error() {
    let site = Site::new();
    site.page("beta.md", "Beta", "## Details\n\nThe second page.\n");
    site.page("alpha.md", "Alpha", "See [details](beta.md#details).\n");
    let watch = Watch::start(&site);
    let lines = watch.edit(|| site.page("beta.md", "Beta", "## Summary\n\nThe second page.\n"));
    assert!(lines[0].contains("error"), "{lines:?}");
    assert!(
        watch
            .stderr()
            .contains("content/alpha.md:4:5: broken anchor `#details`"),
        "{}",
        watch.stderr()
    );
    watch.edit(|| site.page("beta.md", "Beta", "## Details\n\nBack again.\n"));
    assert!(body_of(&site, "beta/index.html").contains("Back again."));
    site.assert_output_is_clean_build();
}

#[test]
fn a_body_edit_that_cites_a_source_updates_the_source_page() {
    let site = Site::new();
    site.write(
        "templates/page.html",
        "{% extends \"base.html\" %}{% block body %}{{ page.content | safe }}\
         <ul>{% for c in page.cited_by %}<li>cited on {{ c.title }}</li>{% endfor %}</ul>{% endblock %}",
    );
    site.page("sources/_index.md", "Sources", "");
    site.page("sources/report.md", "Report", "A report.\n");
    site.page("beta.md", "Beta", "Cites [@report].\n");
    let watch = Watch::start(&site);
    assert!(!body_of(&site, "sources/report/index.html").contains("cited on Alpha"));
    watch.edit(|| site.page("alpha.md", "Alpha", "Now cites it too [@report].\n"));
    assert!(body_of(&site, "sources/report/index.html").contains("cited on Alpha"));
    site.assert_output_is_clean_build();
}

#[test]
fn broken_link_then_fix() {
    let site = Site::new();
    let watch = Watch::start(&site);
    watch.edit(|| site.page("alpha.md", "Alpha", "See [gone](gone.md).\n"));
    assert!(
        watch.stderr().contains("content/alpha.md:4:"),
        "{}",
        watch.stderr()
    );
    watch.edit(|| site.page("gone.md", "Gone", "Here after all.\n"));
    assert!(body_of(&site, "alpha/index.html").contains("href=\"/gone/\""));
    site.assert_output_is_clean_build();
}

#[test]
fn editor_swap_and_temp_files_do_not_rebuild() {
    let site = Site::new();
    let watch = Watch::start(&site);
    site.write("content/.alpha.md.swp", "swap");
    site.write("content/alpha.md~", "backup");
    site.write("content/#alpha.md#", "emacs");
    site.write("README.md", "not part of the site");
    std::thread::sleep(Duration::from_millis(400));
    assert!(watch.rebuilds().is_empty(), "{:?}", watch.rebuilds());
}

#[test]
fn burst_of_200_edits_rebuilds_a_few_times_and_matches_a_clean_build() {
    let site = Site::new();
    for n in 0..20 {
        site.page(
            &format!("notes/n{n:02}.md"),
            &format!("N{n:02}"),
            "Start.\n",
        );
    }
    let watch = Watch::start(&site);
    let lines = watch.edit(|| {
        // 200 saves within a second, across 20 files, like a formatter or a checkout.
        for round in 0..10 {
            for n in 0..20 {
                site.page(
                    &format!("notes/n{n:02}.md"),
                    &format!("N{n:02}"),
                    &format!("Round {round}.\n"),
                );
                std::thread::sleep(Duration::from_micros(4500));
            }
        }
    });
    assert!(
        lines.len() <= 5,
        "200 edits gave {} rebuilds:\n{}",
        lines.len(),
        lines.join("\n")
    );
    assert!(body_of(&site, "notes/n07/index.html").contains("Round 9."));
    site.assert_output_is_clean_build();
}

#[test]
fn checkout_like_bulk_change_is_one_rebuild() {
    let site = Site::new();
    let watch = Watch::start(&site);
    let lines = watch.edit(|| {
        for n in 0..100 {
            site.page(
                &format!("bulk/p{n:03}.md"),
                &format!("P{n}"),
                "Checked out.\n",
            );
        }
        std::fs::remove_file(site.path("content/notes/one.md")).unwrap();
        site.write("themes/plain/static/style.css", "body { color: blue; }\n");
    });
    // One rebuild; a second only if the machine stalls the writer mid-way.
    assert!(lines.len() <= 2, "{lines:?}");
    site.assert_output_is_clean_build();
}

#[test]
fn drafts_flag_is_kept_across_rebuilds() {
    let site = Site::new();
    site.write(
        "content/wip.md",
        "---\ntitle: WIP\ndraft: true\n---\nDraft.\n",
    );
    let watch = Watch::start_with(&site, &["--drafts", "--no-serve"]);
    assert!(site.exists("output/wip/index.html"));
    watch.edit(|| {
        site.write(
            "content/wip.md",
            "---\ntitle: WIP\ndraft: true\n---\nStill a draft.\n",
        )
    });
    assert!(body_of(&site, "wip/index.html").contains("Still a draft."));
    let clean = site.clean_build(&["--drafts"]);
    assert_eq!(
        clean["wip/index.html"],
        std::fs::read(site.path("output/wip/index.html")).unwrap()
    );
}
