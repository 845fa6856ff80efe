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

/// Write `content/{rel}` with raw front matter lines.
fn raw_page(site: &Site, rel: &str, front: &str, body: &str) {
    site.write(
        &format!("content/{rel}"),
        &format!("---\n{front}---\n{body}"),
    );
}

#[test]
fn a_title_two_levels_down_updates_the_home_listing() {
    let site = Site::new();
    site.page("notes/deep/_index.md", "Deep", "Deep notes.\n");
    site.page("notes/deep/leaf.md", "Leaf", "A leaf.\n");
    site.write(
        "templates/index.html",
        "{% extends \"base.html\" %}{% block body %}<ul>{% for s in section.subsections %}\
         <li>{{ s.title }}<ul>{% for t in s.subsections %}<li>{{ t.title }}:\
         {% for p in t.pages %} {{ p.title }}{% endfor %}</li>{% endfor %}</ul></li>{% endfor %}</ul>{% endblock %}",
    );
    let watch = Watch::start(&site);
    assert!(body_of(&site, "index.html").contains("Deep: Leaf"));
    watch.edit(|| site.page("notes/deep/leaf.md", "Green leaf", "A leaf.\n"));
    assert!(body_of(&site, "index.html").contains("Deep: Green leaf"));
    site.assert_output_is_clean_build();
    watch.edit(|| site.page("notes/deep/_index.md", "Deeper", "Deep notes.\n"));
    assert!(body_of(&site, "index.html").contains("Deeper: Green leaf"));
    site.assert_output_is_clean_build();
}

#[test]
fn weight_and_date_changes_reorder_neighbours() {
    let site = Site::new();
    raw_page(&site, "notes/_index.md", "title: Notes\n", "Some notes.\n");
    for (n, w) in [("a", 1), ("b", 2), ("c", 3)] {
        raw_page(
            &site,
            &format!("notes/{n}.md"),
            &format!("title: N{n}\nweight: {w}\ndate: 2024-01-0{w}\n"),
            "Text.\n",
        );
    }
    let watch = Watch::start(&site);
    watch.edit(|| {
        raw_page(
            &site,
            "notes/a.md",
            "title: Na\nweight: 9\ndate: 2024-01-01\n",
            "Text.\n",
        )
    });
    assert!(body_of(&site, "notes/c/index.html").contains("rel=\"next\" href=\"/notes/a/\""));
    site.assert_output_is_clean_build();
    watch.edit(|| {
        raw_page(
            &site,
            "notes/_index.md",
            "title: Notes\nsort_by: date\n",
            "Some notes.\n",
        )
    });
    site.assert_output_is_clean_build();
    watch.edit(|| {
        raw_page(
            &site,
            "notes/b.md",
            "title: Nb\nweight: 2\ndate: 2023-12-31\n",
            "Text.\n",
        )
    });
    site.assert_output_is_clean_build();
    watch.edit(|| {
        raw_page(
            &site,
            "notes/_index.md",
            "title: Notes\nsort_by: title\n",
            "Some notes.\n",
        )
    });
    site.assert_output_is_clean_build();
}

#[test]
fn a_slug_change_updates_links_in_other_pages() {
    let site = Site::new();
    site.page("notes/one.md", "Note one", "Back to [beta](../beta.md).\n");
    let watch = Watch::start(&site);
    watch.edit(|| {
        raw_page(
            &site,
            "beta.md",
            "title: Beta\nslug: bravo\n",
            "The second page.\n",
        )
    });
    assert!(body_of(&site, "alpha/index.html").contains("href=\"/bravo/\""));
    assert!(body_of(&site, "notes/one/index.html").contains("href=\"/bravo/\""));
    assert!(!site.exists("output/beta/index.html"));
    site.assert_output_is_clean_build();
    watch.edit(|| site.page("beta.md", "Beta", "The second page.\n"));
    assert!(body_of(&site, "alpha/index.html").contains("href=\"/beta/\""));
    site.assert_output_is_clean_build();
}

#[test]
fn a_draft_toggle_hides_and_shows_the_page() {
    let site = Site::new();
    let watch = Watch::start(&site);
    watch.edit(|| {
        raw_page(
            &site,
            "notes/one.md",
            "title: Note one\ndraft: true\n",
            "A note.\n",
        )
    });
    assert!(!site.exists("output/notes/one/index.html"));
    site.assert_output_is_clean_build();
    watch.edit(|| {
        raw_page(
            &site,
            "notes/one.md",
            "title: Note one\ndraft: false\n",
            "Back.\n",
        )
    });
    assert!(body_of(&site, "notes/one/index.html").contains("Back."));
    site.assert_output_is_clean_build();
    // Body-only edits to a draft, then publish.
    watch.edit(|| {
        raw_page(
            &site,
            "gamma.md",
            "title: Gamma\ndraft: true\n",
            "Hidden.\n",
        )
    });
    site.assert_output_is_clean_build();
    watch.edit(|| {
        raw_page(
            &site,
            "gamma.md",
            "title: Gamma\ndraft: true\n",
            "Hidden, edited.\n",
        )
    });
    site.assert_output_is_clean_build();
    watch.edit(|| site.page("gamma.md", "Gamma", "Published.\n"));
    assert!(body_of(&site, "gamma/index.html").contains("Published."));
    site.assert_output_is_clean_build();
    // A linked page made a draft breaks the link; publishing it again fixes it.
    let lines =
        watch.edit(|| raw_page(&site, "beta.md", "title: Beta\ndraft: true\n", "Hidden.\n"));
    assert!(lines[0].contains("error"), "{lines:?}");
    watch.edit(|| site.page("beta.md", "Beta", "Visible again.\n"));
    assert!(body_of(&site, "beta/index.html").contains("Visible again."));
    site.assert_output_is_clean_build();
}

fn sources_site() -> Site {
    let site = Site::new();
    site.write(
        "templates/page.html",
        "{% extends \"base.html\" %}{% block body %}{{ page.content | safe }}\
         <ol>{% for c in page.citations %}<li>{{ c.title }} {{ c.date }}</li>{% endfor %}</ol>\
         <ul>{% for c in page.cited_by %}<li>cited on {{ c.title }}</li>{% endfor %}</ul>{% endblock %}",
    );
    site.page("sources/_index.md", "Sources", "");
    site.page("sources/report.md", "Report", "A report.\n");
    site.page("sources/memo.md", "Memo", "A memo.\n");
    site.page(
        "beta.md",
        "Beta",
        "Cites [@report].\n\n```disputed Who said it?\n- The agency [@report]\n- The office [@memo]\n```\n",
    );
    site
}

#[test]
fn a_source_title_edit_updates_citing_pages_and_boxes() {
    let site = sources_site();
    let watch = Watch::start(&site);
    watch.edit(|| site.page("sources/memo.md", "Internal memo", "A memo.\n"));
    assert!(body_of(&site, "beta/index.html").contains("Internal memo"));
    site.assert_output_is_clean_build();
    watch.edit(|| {
        raw_page(
            &site,
            "sources/report.md",
            "title: Report\ndate: 2020-05-01\n",
            "A report.\n",
        )
    });
    assert!(body_of(&site, "beta/index.html").contains("2020-05-01"));
    site.assert_output_is_clean_build();
    // A citing page's title shows in the source's "cited on" list.
    watch.edit(|| {
        site.page(
            "beta.md",
            "Bravo",
            "Cites [@report].\n\n```disputed Who said it?\n- The agency [@report]\n- The office [@memo]\n```\n",
        )
    });
    assert!(body_of(&site, "sources/memo/index.html").contains("cited on Bravo"));
    site.assert_output_is_clean_build();
    // A source's description, shown nowhere but in its citations' values.
    watch.edit(|| {
        raw_page(
            &site,
            "sources/memo.md",
            "title: Internal memo\ndescription: Leaked.\n",
            "A memo.\n",
        )
    });
    site.assert_output_is_clean_build();
}

#[test]
fn a_citation_dropped_then_restored() {
    let site = sources_site();
    site.page("alpha.md", "Alpha", "Also [@memo]. See [beta](beta.md).\n");
    let watch = Watch::start(&site);
    watch.edit(|| site.page("alpha.md", "Alpha", "No more. See [beta](beta.md).\n"));
    assert!(!body_of(&site, "sources/memo/index.html").contains("cited on Alpha"));
    site.assert_output_is_clean_build();
    watch.edit(|| {
        site.page(
            "alpha.md",
            "Alpha",
            "Again [@memo] and [@report]. See [beta](beta.md).\n",
        )
    });
    site.assert_output_is_clean_build();
}

#[test]
fn a_missing_anchor_becomes_valid_when_the_heading_is_added() {
    let site = Site::new();
    let watch = Watch::start(&site);
    let lines = watch.edit(|| site.page("alpha.md", "Alpha", "See [later](beta.md#later).\n"));
    assert!(lines[0].contains("error"), "{lines:?}");
    watch.edit(|| site.page("beta.md", "Beta", "## Later\n\nThe second page.\n"));
    assert!(body_of(&site, "alpha/index.html").contains("href=\"/beta/#later\""));
    site.assert_output_is_clean_build();
    // A heading rename that keeps the anchor: only the body.
    watch.edit(|| site.page("beta.md", "Beta", "## Later {#later}\n\nStill here.\n"));
    site.assert_output_is_clean_build();
}

#[test]
fn a_partial_edit_rerenders_the_templates_including_it() {
    let site = Site::new();
    site.write("templates/footer.html", "<footer>v1</footer>");
    site.write(
        "templates/page.html",
        "{% extends \"base.html\" %}{% block body %}{{ page.content | safe }}{% include \"footer.html\" %}{% endblock %}",
    );
    let watch = Watch::start(&site);
    watch.edit(|| site.write("templates/footer.html", "<footer>v2</footer>"));
    assert!(body_of(&site, "alpha/index.html").contains("v2"));
    site.assert_output_is_clean_build();
    watch.edit(|| {
        site.write("templates/inner.html", "<b>v3!</b>");
        site.write(
            "templates/footer.html",
            "<footer>{% include \"inner.html\" %}</footer>",
        );
    });
    site.assert_output_is_clean_build();
    watch.edit(|| site.write("templates/inner.html", "<i>v3?</i>"));
    assert!(body_of(&site, "alpha/index.html").contains("<i>v3?</i>"));
    site.assert_output_is_clean_build();
}

#[test]
fn a_base_url_change_updates_permalinks_and_links() {
    let site = Site::new();
    site.write(
        "templates/page.html",
        "{% extends \"base.html\" %}{% block body %}<a href=\"{{ page.permalink }}\">me</a>{{ page.content | safe }}{% endblock %}",
    );
    let watch = Watch::start(&site);
    let config = |url: &str| {
        site.write(
            "site.yaml",
            &format!("title: Fixture\nbase_url: \"{url}\"\ntheme: plain\n"),
        )
    };
    watch.edit(|| config("https://example.com"));
    assert!(body_of(&site, "alpha/index.html").contains("https://example.com/alpha/"));
    site.assert_output_is_clean_build();
    watch.edit(|| config("https://example.com/sub"));
    assert!(body_of(&site, "alpha/index.html").contains("href=\"/sub/beta/\""));
    site.assert_output_is_clean_build();
    watch.edit(|| config("https://example.org"));
    site.assert_output_is_clean_build();
}

#[test]
fn a_content_asset_shadows_a_static_file_and_back() {
    let site = Site::new();
    let watch = Watch::start(&site);
    watch.edit(|| site.write("content/style.css", "body { color: green; }\n"));
    site.assert_output_is_clean_build();
    watch.edit(|| site.write("content/style.css", "body { color: teal; }\n"));
    assert_eq!(body_of(&site, "style.css"), "body { color: teal; }\n");
    site.assert_output_is_clean_build();
    watch.edit(|| std::fs::remove_file(site.path("content/style.css")).unwrap());
    assert_eq!(body_of(&site, "style.css"), "body { color: black; }\n");
    site.assert_output_is_clean_build();
    watch.edit(|| site.write("static/style.css", "body { color: navy; }\n"));
    site.assert_output_is_clean_build();
    watch.edit(|| site.write("content/style.css", "body { color: olive; }\n"));
    site.assert_output_is_clean_build();
    watch.edit(|| std::fs::remove_file(site.path("static/style.css")).unwrap());
    site.assert_output_is_clean_build();
}

#[test]
fn deleting_a_sections_index_moves_its_pages_up() {
    let site = Site::new();
    let watch = Watch::start(&site);
    watch.edit(|| std::fs::remove_file(site.path("content/notes/_index.md")).unwrap());
    assert!(!site.exists("output/notes/index.html"));
    site.assert_output_is_clean_build();
    watch.edit(|| site.page("notes/_index.md", "Notes again", "Back.\n"));
    assert!(body_of(&site, "notes/index.html").contains("Notes again"));
    site.assert_output_is_clean_build();
}

#[test]
fn a_body_edit_and_a_front_matter_edit_in_one_batch() {
    let site = Site::new();
    let watch = Watch::start(&site);
    watch.edit(|| {
        site.page("alpha.md", "Alpha", "Body only. See [beta](beta.md).\n");
        site.page("beta.md", "Bravo", "Retitled.\n");
    });
    assert!(body_of(&site, "alpha/index.html").contains(">Bravo</a>"));
    assert!(body_of(&site, "alpha/index.html").contains("Body only."));
    site.assert_output_is_clean_build();
    watch.edit(|| {
        site.page("notes/one.md", "Note one", "Changed body.\n");
        raw_page(
            &site,
            "notes/_index.md",
            "title: Notes\nweight: 1\n",
            "Some notes.\n",
        );
    });
    site.assert_output_is_clean_build();
}

#[test]
fn summaries_and_tocs_in_listings_follow_body_edits() {
    let site = Site::new();
    site.write(
        "templates/section.html",
        "{% extends \"base.html\" %}{% block body %}{% for p in section.pages %}\
         <p>{{ p.title }}: {{ p.summary | safe }} ({{ p.word_count }} words;{% for t in p.toc %} {{ t.id }}{% endfor %})</p>\
         {% endfor %}{% endblock %}",
    );
    let watch = Watch::start(&site);
    watch.edit(|| {
        site.page(
            "notes/one.md",
            "Note one",
            "First para.\n\n<!-- more -->\n\n## Part\n\nMore words here.\n",
        )
    });
    assert!(body_of(&site, "notes/index.html").contains(" part)"));
    site.assert_output_is_clean_build();
    watch.edit(|| {
        site.page(
            "notes/one.md",
            "Note one",
            "Other para.\n\n<!-- more -->\n\n## Section two\n\nMore.\n",
        )
    });
    site.assert_output_is_clean_build();
}

#[test]
fn a_page_template_on_a_section_and_a_template_field_on_a_page() {
    let site = Site::new();
    site.write(
        "templates/note.html",
        "{% extends \"base.html\" %}{% block body %}<article>{{ page.title }}</article>{% endblock %}",
    );
    let watch = Watch::start(&site);
    watch.edit(|| {
        raw_page(
            &site,
            "notes/_index.md",
            "title: Notes\npage_template: note.html\n",
            "Some notes.\n",
        )
    });
    assert!(body_of(&site, "notes/one/index.html").contains("<article>Note one</article>"));
    site.assert_output_is_clean_build();
    watch.edit(|| site.page("notes/_index.md", "Notes", "Some notes.\n"));
    site.assert_output_is_clean_build();
    watch.edit(|| {
        raw_page(
            &site,
            "beta.md",
            "title: Beta\ntemplate: note.html\n",
            "Text.\n",
        )
    });
    assert!(body_of(&site, "beta/index.html").contains("<article>Beta</article>"));
    site.assert_output_is_clean_build();
    watch.edit(|| site.page("beta.md", "Beta", "Text.\n"));
    site.assert_output_is_clean_build();
}

#[test]
fn the_404_page_follows_the_sections_it_asks_for() {
    let site = Site::new();
    site.write(
        "templates/404.html",
        "{% set s = get_section(path=\"notes/_index.md\") %}<h1>{{ s.title }}</h1>\
         {% for p in s.pages %}<a href=\"{{ p.url }}\">{{ p.title }}</a>{% endfor %}\
         {% set b = get_page(path=\"beta.md\") %}<p>{{ b.title }} {{ b.word_count }}</p>",
    );
    let watch = Watch::start(&site);
    watch.edit(|| site.page("notes/one.md", "Note 1", "A note.\n"));
    assert!(body_of(&site, "404.html").contains(">Note 1</a>"));
    site.assert_output_is_clean_build();
    watch.edit(|| site.page("notes/two.md", "Note 2", "Another.\n"));
    assert!(body_of(&site, "404.html").contains(">Note 2</a>"));
    site.assert_output_is_clean_build();
    // A body edit changes the word count get_page hands out.
    watch.edit(|| site.page("beta.md", "Beta", "Now with several more words.\n"));
    site.assert_output_is_clean_build();
}

#[test]
fn switching_theme_and_back() {
    let site = Site::new();
    site.write(
        "themes/other/templates/base.html",
        "<title>{% block title %}{% endblock %}</title><body class=\"other\">{% block body %}{% endblock %}</body>",
    );
    for name in ["page.html", "section.html", "index.html", "404.html"] {
        let text = site.read(&format!("themes/plain/templates/{name}"));
        site.write(&format!("themes/other/templates/{name}"), &text);
    }
    site.write("themes/other/static/other.css", "body { color: gray; }\n");
    let watch = Watch::start(&site);
    let config = |theme: &str| {
        site.write(
            "site.yaml",
            &format!("title: Fixture\nbase_url: \"https://example.org\"\ntheme: {theme}\n"),
        )
    };
    watch.edit(|| config("other"));
    assert!(body_of(&site, "alpha/index.html").contains("class=\"other\""));
    assert!(!site.exists("output/style.css"));
    site.assert_output_is_clean_build();
    watch.edit(|| config("plain"));
    site.assert_output_is_clean_build();
}

#[test]
fn a_change_while_its_rebuild_runs_is_built_before_anything_is_written() {
    let site = Site::new();
    // A long page: its rebuild reads the file at once, then takes a while
    // to render it, long enough for the second write to land meanwhile.
    let long = "A sentence that makes the page long, and its rebuild slow. ".repeat(40_000);
    site.page("beta.md", "Beta", &format!("{long}\n\nFirst.\n"));
    let watch = Watch::start(&site);
    // Well after the first build, so that the save is not taken for part
    // of a burst (which waits for quiet, and would read both writes).
    std::thread::sleep(Duration::from_millis(300));
    let lines = watch.edit(|| {
        site.page("beta.md", "Beta", &format!("{long}\n\nSecond, part one.\n"));
        // Long after the rebuild read the file (which an unoptimised
        // build of dossier, as `cargo test` makes, takes longer to do).
        let meanwhile = if cfg!(debug_assertions) { 120 } else { 10 };
        std::thread::sleep(Duration::from_millis(meanwhile));
        site.page("beta.md", "Beta", &format!("{long}\n\nSecond, part two.\n"));
    });
    let page = body_of(&site, "beta/index.html");
    assert!(page.contains("Second, part two."), "{lines:?}");
    site.assert_output_is_clean_build();
}

#[cfg(unix)]
#[test]
fn the_spare_copy_is_made_before_the_first_edit_needs_it() {
    use std::os::unix::fs::MetadataExt;
    let site = Site::new();
    let _watch = Watch::start(&site);
    // Made while watch waits for the first save (a link per output file),
    // not by that save's rebuild.
    let spare = site.path(".output.dossier-spare/index.html");
    let start = std::time::Instant::now();
    while !spare.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no spare copy before any edit"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let output = site.path("output/index.html");
    assert_eq!(
        output.metadata().unwrap().ino(),
        spare.metadata().unwrap().ino()
    );
}

/// The checks of the docs that need the whole model (a share image names a
/// file the site publishes, no page where the theme writes a site file) are
/// taken from the previous build while the model's structure, the static
/// files and the templates are as they were: a static file or a template
/// that comes or goes finds the problem, and the repair clears it.
#[test]
fn share_image_and_site_file_checks_follow_static_files_and_templates() {
    let site = Site::new();
    site.write("static/img/share.png", "not really a png\n");
    site.write(
        "content/beta.md",
        "---\ntitle: Beta\nimage: /img/share.png\n---\nThe second page.\n",
    );
    site.page("changes.md", "Changes", "What changed.\n");
    let watch = Watch::start(&site);
    let lines = watch.edit(|| site.page("alpha.md", "Alpha", "Edited. See [beta](beta.md).\n"));
    assert!(lines[0].contains("re-rendered"), "{lines:?}");

    let lines = watch.edit(|| std::fs::remove_file(site.path("static/img/share.png")).unwrap());
    assert!(lines[0].contains("error"), "{lines:?}");
    let image = "share image `/img/share.png`: the site publishes no /img/share.png";
    assert!(watch.stderr().contains(image), "{}", watch.stderr());
    let lines = watch.edit(|| site.write("static/img/share.png", "back\n"));
    assert!(!lines[0].contains("error"), "{lines:?}");
    site.assert_output_is_clean_build();

    let template = "themes/plain/templates/changes/index.html";
    let lines = watch.edit(|| site.write(template, "<p>The theme's own log.</p>\n"));
    assert!(lines[0].contains("error"), "{lines:?}");
    let clash = "content/changes.md: this page would be written to changes/index.html, where the theme writes its own `changes/index.html`";
    assert!(watch.stderr().contains(clash), "{}", watch.stderr());
    let lines = watch.edit(|| std::fs::remove_file(site.path(template)).unwrap());
    assert!(!lines[0].contains("error"), "{lines:?}");
    site.assert_output_is_clean_build();

    // Front matter makes the structure again, and the checks with it.
    let alpha = "---\ntitle: Alpha\nimage: /nowhere.png\n---\nSee [beta](beta.md).\n";
    let lines = watch.edit(|| site.write("content/alpha.md", alpha));
    assert!(lines[0].contains("error"), "{lines:?}");
    let nowhere =
        "content/alpha.md:3:8: share image `/nowhere.png`: the site publishes no /nowhere.png";
    assert!(watch.stderr().contains(nowhere), "{}", watch.stderr());
    let lines = watch.edit(|| site.page("alpha.md", "Alpha", "See [beta](beta.md).\n"));
    assert!(!lines[0].contains("error"), "{lines:?}");
    site.assert_output_is_clean_build();
}
