//! Shortcodes in Markdown, rendered by the theme's `shortcodes/` templates:
//! the explainer's, a site's override, and errors where written; and the
//! components Markdown is rendered with (`components/`): a citation mark
//! and an "accounts differ" box, overridden by a site, built in for a theme
//! without them.

mod fixture;

use fixture::{Fixture, built_text};

fn site() -> Fixture {
    let f = Fixture::new();
    f.use_repo_theme("explainer");
    f.page("sources/_index.md", "title: Sources", "");
    f.page("sources/report.md", "title: The report", "A report.\n");
    f
}

#[test]
fn the_explainer_shortcodes_render() {
    let f = site();
    f.write_bytes("content/chart.png", b"\x89PNG\r\n\x1a\n");
    f.page(
        "a.md",
        "title: A",
        "Intro [@report].\n\n\
         {{ figure(src=\"../chart.png\", alt=\"A chart\", caption=\"What the memo alleges\", width=800, height=450) }}\n\n\
         {% note(kind=\"caution\") %}\nRead *carefully* [@report].\n{% end %}\n\n\
         {% pullquote(by=\"Alibaba\") %}\n\"Nonsense\" [@report]\n{% end %}\n\n\
         {% keyfact(label=\"Memo dated\") %}\nNovember 1 [@report]\n{% end %}\n\n\
         {% unknowns() %}\n- Who wrote the memo\n{% end %}\n",
    );
    f.build();
    let html = f.read("output/a/index.html");
    for expected in [
        "<img src=\"../chart.png\" alt=\"A chart\" width=\"800\" height=\"450\" loading=\"lazy\" decoding=\"async\">",
        "<figcaption>What the memo alleges</figcaption>",
        "<aside class=\"note note-caution\" role=\"note\">",
        "<p class=\"note-label\">Caution</p>",
        "<p>Read <em>carefully</em>",
        "<figcaption>— Alibaba</figcaption>",
        "<p class=\"keyfact-label\">Memo dated</p>",
        "<p class=\"unknowns-label\">What we don&#39;t know</p>",
        "<li>Who wrote the memo</li>",
    ] {
        assert!(html.contains(expected), "missing {expected}\n{html}");
    }
    // Citations inside shortcodes are the page's: one source, numbered once.
    assert_eq!(html.matches("<li id=\"ref-").count(), 1);
}

#[test]
fn a_csv_data_file_renders_as_a_table_and_its_change_renders_the_page_again() {
    use dossier::pipeline;
    let f = site();
    f.write(
        "data/people.csv",
        "Name,Role\nTim Cook,Apple\n\"Wu, Yongming\",Alibaba\n",
    );
    f.page(
        "a.md",
        "title: A",
        "Who is who [@report].\n\n{{ table(data=\"people.csv\", caption=\"Key people\") }}\n",
    );
    f.page("b.md", "title: B", "No table [@report].\n");
    // The same call on a second page: rendered once per build, and read by both.
    f.page(
        "c.md",
        "title: C",
        "Again [@report].\n\n{{ table(data=\"people.csv\", caption=\"Key people\") }}\n",
    );
    let options = f.options();
    let first = pipeline::build(&options).unwrap();
    let page = |b: &pipeline::Built| built_text(b, "a/index.html");
    let again = |b: &pipeline::Built| built_text(b, "c/index.html");
    let html = page(&first);
    assert!(html.contains("<caption>Key people</caption>"), "{html}");
    assert!(
        html.contains("<th scope=\"col\">Name</th><th scope=\"col\">Role</th>"),
        "{html}"
    );
    assert!(
        html.contains("<tr><td>Wu, Yongming</td><td>Alibaba</td></tr>"),
        "{html}"
    );
    // A rebuild after the CSV changes renders that page again, as a clean build does.
    f.write("data/people.csv", "Name,Role\nTim Cook,Apple (CEO)\n");
    let second = f.rebuild(&first, &["data/people.csv"], false);
    assert!(page(&second).contains("<td>Apple (CEO)</td>"));
    assert!(again(&second).contains("<td>Apple (CEO)</td>"));
    let clean = pipeline::build(&options).unwrap();
    assert_eq!(page(&second), page(&clean));
    assert_eq!(again(&second), again(&clean));
}

#[test]
fn a_site_template_overrides_a_theme_shortcode() {
    let f = site();
    f.write(
        "templates/shortcodes/note.html",
        "<div class=\"mine\">{{ body }}</div>",
    );
    f.page(
        "a.md",
        "title: A",
        "{% note() %}\nHello [@report].\n{% end %}\n",
    );
    f.build();
    assert!(
        f.read("output/a/index.html")
            .contains("<div class=\"mine\"><p>Hello")
    );
}

#[test]
fn an_unknown_shortcode_or_a_missing_argument_is_an_error_at_its_line() {
    let f = site();
    f.page(
        "a.md",
        "title: A",
        "Intro [@report].\n\n{{ chart(x=1) }}\n\n{{ figure(alt=\"no source\") }}\n",
    );
    let err = f.build_fails();
    assert!(
        err.contains("content/a.md:6:1: shortcode `chart`: no such shortcode: add templates/shortcodes/chart.html"),
        "{err}"
    );
    assert!(
        err.contains("content/a.md:8:1: shortcode `figure`:"),
        "{err}"
    );
    assert!(err.contains("src"), "{err}");
}

/// A page with a citation of two sources and an "accounts differ" box.
fn cited_page(f: &Fixture) {
    f.page("sources/brief.md", "title: The brief", "A brief.\n");
    f.page(
        "a.md",
        "title: A",
        "Claim [@report; @brief, \"A brief\"].\n\n\
         ```disputed Who wrote it?\n- One [@report]\n- The other [@brief]\n```\n",
    );
}

#[test]
fn a_site_template_restyles_the_citation_mark_and_the_accounts_differ_box() {
    let f = site();
    cited_page(&f);
    f.write(
        "templates/components/citation.html",
        "{% for c in items %}<a class=\"mine\" href=\"#ref-{{ c.number }}\" data-key=\"{{ c.key }}\" \
         data-side=\"{{ side }}\">{{ c.number }}{% if c.passage %}: {{ c.passage }}{% endif %}</a>{% endfor %}\n",
    );
    f.write(
        "templates/components/disputed.html",
        "<section class=\"differ\"><h3>{{ question }}</h3>{{ body }}</section>\n",
    );
    f.build();
    let html = f.read("output/a/index.html");
    for expected in [
        // Inline: the file's last line break is not written into the sentence.
        "Claim <a class=\"mine\" href=\"#ref-1\" data-key=\"1\" data-side=\"false\">1</a>\
         <a class=\"mine\" href=\"#ref-2\" data-key=\"2\" data-side=\"false\">2: A brief</a>.",
        "<section class=\"differ\"><h3>Who wrote it?</h3><ul>",
        "<li>One <a class=\"mine\" href=\"#ref-1\" data-key=\"3\" data-side=\"true\">1</a></li>",
    ] {
        assert!(html.contains(expected), "missing {expected}\n{html}");
    }
    assert!(!html.contains("class=\"disputed\""), "{html}");
    // The popovers the theme draws for each mark still match their keys.
    assert!(html.contains("id=\"cite-3\""), "{html}");
}

#[test]
fn a_theme_without_components_gets_the_built_in_ones() {
    // The fixture's own theme has no components/ folder.
    let f = Fixture::new();
    f.page("sources/_index.md", "title: Sources", "");
    f.page("sources/report.md", "title: The report", "A report.\n");
    cited_page(&f);
    f.build();
    let html = f.read("output/a/index.html");
    let built_in = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/themes/explainer/templates/components/disputed.html"
    ))
    .unwrap();
    assert!(built_in.contains("<aside class=\"disputed\" role=\"note\">"));
    for expected in [
        "<sup class=\"cite\">[<a class=\"citation\" href=\"#ref-1\"",
        "popovertarget=\"cite-2\"",
        "<aside class=\"disputed\" role=\"note\">",
        "<p class=\"disputed-question\">Who wrote it?</p>",
        "<cite class=\"side-source\"><a href=\"/sources/report/\">The report</a></cite>",
    ] {
        assert!(html.contains(expected), "missing {expected}\n{html}");
    }
}

#[test]
fn a_broken_component_is_an_error_at_the_citation_and_in_the_template() {
    let f = site();
    cited_page(&f);
    f.write(
        "templates/components/citation.html",
        "{% for c in items %}{{ c.number | nosuchfilter }}{% endfor %}",
    );
    let err = f.build_fails();
    // At the template's file and line, once (not again at each citation).
    assert!(
        err.contains("templates/components/citation.html:1:35: Unknown filter `nosuchfilter`"),
        "{err}"
    );
    assert!(err.contains("build failed with 1 error"), "{err}");
    let f = site();
    cited_page(&f);
    f.write(
        "templates/components/disputed.html",
        "{{ body }}{{ missing.field }}",
    );
    let err = f.build_fails();
    assert!(
        err.contains("content/a.md:6:1: components/disputed.html:"),
        "{err}"
    );
    assert!(f.leftovers().is_empty() && !f.exists("output"));
}

#[test]
fn a_markdown_shortcode_draws_a_data_file_whose_cells_cite_and_a_change_renders_only_its_page() {
    use dossier::pipeline;
    let f = site();
    f.page("sources/brief.md", "title: The brief", "A brief.\n");
    f.write(
        "data/compare.yaml",
        "columns: [Then, Now]\nrows:\n  - label: When\n    cells: [\"2020 [@report]\", \"Now | later [@brief]\"]\n",
    );
    f.page(
        "a.md",
        "title: A",
        "Intro.\n\n{{ comparison(data=\"compare.yaml\") }}\n",
    );
    f.page("b.md", "title: B", "No table [@report].\n");
    let options = f.options();
    let first = pipeline::build(&options).unwrap();
    let page = |b: &pipeline::Built| built_text(b, "a/index.html");
    let html = page(&first);
    assert!(html.contains("<th>Then</th>"), "{html}");
    assert!(html.contains("<td><strong>When</strong></td>"), "{html}");
    // The cells' citations are the page's: numbered, listed, with popovers.
    assert!(
        html.contains("<td>2020 <sup class=\"cite\">[<a class=\"citation\" href=\"#ref-1\""),
        "{html}"
    );
    assert!(
        html.contains("<td>Now | later <sup class=\"cite\">"),
        "{html}"
    );
    assert_eq!(html.matches("<li id=\"ref-").count(), 2, "{html}");
    assert!(html.contains("id=\"cite-2\""), "{html}");

    // A cell's change renders again this page only, as a clean build would.
    f.write(
        "data/compare.yaml",
        "columns: [Then, Now]\nrows:\n  - label: Since\n    cells: [\"2020 [@report]\", \"Now [@brief]\"]\n",
    );
    let second = f.rebuild(&first, &["data/compare.yaml"], false);
    assert_eq!(second.rendered, 1);
    assert!(page(&second).contains("<strong>Since</strong>"));
    assert_eq!(page(&second), page(&pipeline::build(&options).unwrap()));

    // A cell citing what is not a source is an error at the shortcode.
    f.write(
        "data/compare.yaml",
        "columns: [Then]\nrows:\n  - label: When\n    cells: [\"2020 [@nobody]\"]\n",
    );
    let err = f.build_fails();
    assert!(
        err.contains("content/a.md:6:1: unknown source `@nobody`"),
        "{err}"
    );
}
