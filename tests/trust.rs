//! Trust features: cited passages checked against the sources' texts.

mod fixture;

use fixture::Fixture;

/// A site with two sources: `report` keeps its text beside its page, `brief`
/// in the folder site.yaml names.
fn site() -> Fixture {
    let f = Fixture::new();
    f.write(
        "site.yaml",
        "title: Fixture\nbase_url: https://example.org\ntheme: t\nsource_texts: archive\n",
    );
    f.page("sources/_index.md", "title: Sources", "");
    f.page(
        "sources/report.md",
        "title: The report\ntext: report.txt",
        "A report.\n",
    );
    f.write(
        "content/sources/report.txt",
        "The memo was “dated just weeks after”\nthe election — so the report says.\n",
    );
    f.page(
        "sources/brief.md",
        "title: The brief\ntext: brief.txt",
        "A brief.\n",
    );
    f.write(
        "archive/brief.txt",
        "It could not independently confirm the allegations.\n",
    );
    f
}

#[test]
fn cited_passages_found_in_the_texts_build() {
    let f = site();
    f.page(
        "a.md",
        "title: A",
        "It was \"dated just weeks after\" the election [@report, \"dated just weeks after\"].\n\n\
         The FT could not confirm it [@brief, \"could not independently confirm\"; @report, \"the election - so\"].\n",
    );
    let run = f.build();
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    assert!(f.read("output/a/index.html").contains("href=\"#ref-2\""));
}

#[test]
fn a_passage_not_in_its_source_is_an_error_at_the_citation() {
    let f = site();
    f.page(
        "a.md",
        "title: A",
        "Fine [@report, \"dated just weeks after\"].\n\nNot so [@brief, \"confirmed the allegations\"].\n",
    );
    let err = f.build_fails();
    assert!(
        err.contains("content/a.md:6:8: cited passage not found in the text of `@brief` (archive/brief.txt): \"confirmed the allegations\""),
        "{err}"
    );
    assert!(!f.exists("output/a/index.html"));
}

#[test]
fn a_missing_text_is_a_warning_and_fails_check_strict() {
    let f = site();
    f.remove("archive/brief.txt");
    f.page(
        "a.md",
        "title: A",
        "Unchecked [@brief, \"anything\"; @report].\n",
    );
    let run = f.build();
    let warning = "content/sources/brief.md:3:7: warning: its text is not here (looked for content/sources/brief.txt and archive/brief.txt): the passages cited from it are not checked, and `dossier check --strict` fails";
    assert!(run.stderr.contains(warning), "{}", run.stderr);
    assert_eq!(f.run(&["check"]).code, 0);
    let strict = f.run(&["check", "--strict"]);
    assert_eq!(strict.code, 1, "{}", strict.stderr);
    assert!(strict.stderr.contains(warning), "{}", strict.stderr);
    assert!(
        strict
            .stderr
            .contains("check --strict failed with 1 warning"),
        "{}",
        strict.stderr
    );
}

#[test]
fn a_text_path_that_leaves_its_folder_is_an_error() {
    let f = site();
    f.page(
        "sources/brief.md",
        "title: The brief\ntext: ../../site.yaml",
        "A brief.\n",
    );
    let err = f.build_fails();
    assert!(
        err.contains("content/sources/brief.md:3:7: `text: ../../site.yaml`: name a file beside the source page"),
        "{err}"
    );
}

#[test]
fn sources_give_their_original_and_archived_addresses_to_each_mark() {
    let f = site();
    f.page(
        "sources/brief.md",
        "title: The brief\nurl: https://example.com/brief\narchived_url: https://web.archive.org/web/2025/https://example.com/brief",
        "A brief.\n",
    );
    f.write(
        "templates/page.html",
        "{% for c in page.cited %}<p id=\"cite-{{ c.key }}\">{{ c.number }} {{ c.source.title }} {{ c.source.source_url }} {{ c.source.archived_url }} [{{ c.passage }}] [{{ c.locator }}]</p>{% endfor %}{{ page.content | safe }}",
    );
    f.page(
        "a.md",
        "title: A",
        "One [@brief, p. 2]. Two [@report, \"dated just weeks after\"; @brief].\n",
    );
    f.build();
    let html = f.read("output/a/index.html");
    for expected in [
        "<p id=\"cite-1\">1 The brief https://example.com/brief https://web.archive.org/web/2025/https://example.com/brief [] [p. 2]</p>",
        "<p id=\"cite-2\">2 The report   [dated just weeks after] []</p>",
        "<p id=\"cite-3\">1 The brief",
    ] {
        assert!(html.contains(expected), "missing {expected}\n{html}");
    }
    // Each mark links to the reference list and has a hidden button that
    // opens its popover, for a theme that draws them.
    assert!(
        html.contains("<a class=\"citation\" href=\"#ref-1\" title=\"The brief\" aria-label=\"Source 1: The brief\">1</a><button type=\"button\" class=\"citation-open\" popovertarget=\"cite-3\" aria-label=\"Source 1: The brief\" hidden>1</button>"),
        "{html}"
    );
    f.page(
        "sources/brief.md",
        "title: The brief\nurl: example.com/brief",
        "A brief.\n",
    );
    let err = f.build_fails();
    assert!(
        err.contains("content/sources/brief.md:3:6: `url` must be a full web address (https://…), not `example.com/brief`"),
        "{err}"
    );
}

/// A site on the explainer theme (copied from the repository).
fn explainer_site() -> Fixture {
    let f = site();
    f.use_repo_theme("explainer");
    f.page("_index.md", "title: Home", "Welcome [@report; @brief].\n");
    f
}

const LOGGED: &str = "title: A\ndate: 2025-11-10\nupdates:\n  - date: 2025-11-20\n    kind: correction\n    text: The memo's date was wrong; it is November 1.\n    sources: [brief]\n  - date: 2025-11-18\n    kind: update\n    text: Added Alibaba's response.";

#[test]
fn updates_make_a_what_changed_box_a_changes_page_and_feed_and_the_modified_date() {
    let f = explainer_site();
    f.page("a.md", LOGGED, "Text [@report].\n");
    f.page(
        "b.md",
        "title: B\nupdates:\n  - date: 2025-11-19\n    kind: update\n    text: New section.",
        "More [@brief].\n",
    );
    f.build();
    let page = f.read("output/a/index.html");
    let what_changed = &page[page.find("What changed").expect("the box")..];
    let correction = what_changed
        .find("The memo&#39;s date was wrong")
        .expect("the correction");
    let update = what_changed.find("Added Alibaba").expect("the update");
    assert!(correction < update, "newest first");
    assert!(
        what_changed.contains("href=\"/sources/brief/\""),
        "the correction's source"
    );
    // The newest entry is the page's modified date, in JSON-LD and the feed.
    assert!(
        page.contains("\"dateModified\":\"2025-11-20T00:00:00Z\""),
        "{page}"
    );
    let atom = f.read("output/atom.xml");
    let feed = roxmltree::Document::parse(&atom).unwrap();
    let entry = feed
        .descendants()
        .find(|n| {
            n.has_tag_name("entry")
                && n.descendants()
                    .any(|t| t.has_tag_name("title") && t.text() == Some("A"))
        })
        .unwrap();
    let updated = entry
        .descendants()
        .find(|n| n.has_tag_name("updated"))
        .unwrap();
    assert_eq!(updated.text(), Some("2025-11-20T00:00:00Z"));
    // Site-wide, newest first: the page and the changes feed.
    let changes = f.read("output/changes/index.html");
    let (c, b, u) = (
        changes.find("was wrong").unwrap(),
        changes.find("New section").unwrap(),
        changes.find("Added Alibaba").unwrap(),
    );
    assert!(c < b && b < u, "not newest first");
    let xml = f.read("output/changes.xml");
    let feed = roxmltree::Document::parse(&xml).unwrap();
    let entries: Vec<_> = feed
        .descendants()
        .filter(|n| n.has_tag_name("entry"))
        .collect();
    assert_eq!(entries.len(), 3);
    let first_title = entries[0]
        .descendants()
        .find(|n| n.has_tag_name("title"))
        .unwrap();
    assert_eq!(first_title.text(), Some("Correction: A"));
    let json: serde_json::Value = serde_json::from_str(&f.read("output/changes.json")).unwrap();
    assert_eq!(json["entries"].as_array().unwrap().len(), 3);
    assert_eq!(json["entries"][0]["path"], "a.md");

    // Removing a logged entry from a page that is still there is a warning.
    f.page("a.md", "title: A\ndate: 2025-11-10\nupdates:\n  - date: 2025-11-18\n    kind: update\n    text: Added Alibaba's response.", "Text [@report].\n");
    let run = f.build();
    assert!(
        run.stderr.contains("content/a.md: warning: the correction of 2025-11-20 that the published site logs is no longer in this page's `updates:`"),
        "{}",
        run.stderr
    );
    // A page that goes takes its log with it: no warning.
    f.remove("content/b.md");
    let run = f.build();
    assert!(
        !run.stderr.contains("no longer in this page"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_source_page_and_its_popovers_show_its_original_and_archived_copy() {
    let f = explainer_site();
    f.page(
        "sources/brief.md",
        "title: The brief\ntext: brief.txt\nurl: https://example.com/brief\narchived_url: https://web.archive.org/web/2025/https://example.com/brief",
        "A brief.\n",
    );
    f.page(
        "a.md",
        "title: A",
        "Claim [@brief, \"could not independently confirm\"].\n",
    );
    f.build();
    let source = f.read("output/sources/brief/index.html");
    for link in [
        "<dt>Original</dt><dd><a href=\"https://example.com/brief\" rel=\"external\">",
        "<dt>Archived copy</dt><dd><a href=\"https://web.archive.org/web/2025/https://example.com/brief\" rel=\"external\">",
    ] {
        assert!(source.contains(link), "missing {link}");
    }
    // And the popover of a citation of it.
    let page = f.read("output/a/index.html");
    assert!(page.contains("<li><a href=\"https://web.archive.org/web/2025/https://example.com/brief\" rel=\"external\">Archived copy</a></li>"));
}

#[test]
fn a_wrong_update_is_an_error_where_it_is_written() {
    let f = explainer_site();
    f.page(
        "a.md",
        "title: A\nupdates:\n  - date: 2025-13-01\n    kind: fix\n    text: x\n    sources: [nobody]",
        "Text [@report; @brief].\n",
    );
    let err = f.build_fails();
    for expected in [
        "content/a.md:4:11: invalid update date `2025-13-01`",
        "content/a.md:5:11: invalid update kind `fix`: use correction or update",
    ] {
        assert!(err.contains(expected), "missing {expected}\n{err}");
    }
    f.page(
        "a.md",
        "title: A\nupdates:\n  - date: 2025-11-01\n    kind: update\n    text: x\n    sources: [nobody]",
        "Text [@report; @brief].\n",
    );
    let err = f.build_fails();
    assert!(
        err.contains("content/a.md:7:15: unknown source `nobody` in updates"),
        "{err}"
    );
}

#[test]
fn statuses_mark_pages_and_claims_with_a_legend() {
    let f = explainer_site();
    f.page(
        "a.md",
        "title: A\nstatus: one-source",
        "Intro [@report].\n\n```status confirmed\n- The memo exists [@report; @brief].\n```\n",
    );
    f.page("b.md", "title: B", "No status here [@brief].\n");
    f.build();
    let a = f.read("output/a/index.html");
    assert!(
        a.contains(
            "<p class=\"page-status\"><span class=\"status-chip status-one-source\"></span></p>"
        ),
        "{a}"
    );
    assert!(
        a.contains("<div class=\"claim-status status-confirmed\">"),
        "{a}"
    );
    assert!(a.contains("How solid is each part?"), "the legend");
    let b = f.read("output/b/index.html");
    assert!(
        !b.contains("How solid is each part?"),
        "a legend with nothing to explain"
    );
    // The theme words each status once, in its stylesheet.
    let css = f.read("output/style.css");
    for (status, words) in [
        ("confirmed", "Confirmed by both sources"),
        ("one-source", "Reported by one source"),
        ("disputed", "Disputed"),
        ("unverified", "Not independently verified"),
    ] {
        assert!(
            css.contains(&format!(
                ".status-{status}::before {{\n  content: \"{words}\";"
            )),
            "{status}"
        );
    }
    f.page(
        "a.md",
        "title: A\nstatus: certain",
        "Intro [@report; @brief].\n",
    );
    let err = f.build_fails();
    assert!(
        err.contains("content/a.md:3:9: unknown status `certain`: use one of confirmed, one-source, disputed, unverified"),
        "{err}"
    );
}

#[test]
fn a_page_where_the_theme_writes_the_changes_page_is_an_error() {
    let f = explainer_site();
    f.page("changes.md", "title: Changes", "Mine [@report; @brief].\n");
    let err = f.build_fails();
    assert!(
        err.contains("content/changes.md: this page would be written to changes/index.html, where the theme writes its own `changes/index.html`"),
        "{err}"
    );
    // Without that template in the theme, the page is the site's to have.
    std::fs::remove_file(f.path("themes/explainer/templates/changes/index.html")).unwrap();
    f.build();
    assert!(f.read("output/changes/index.html").contains("Mine"));
    // Nor may a page need a site file's path as its folder.
    f.page("sitemap.xml.md", "title: Map", "Mine.\n");
    let err = f.build_fails();
    assert!(
        err.contains("content/sitemap.xml.md: this page would be written to sitemap.xml/index.html, but the theme writes its own file `sitemap.xml` where the page needs a folder"),
        "{err}"
    );
}
