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
