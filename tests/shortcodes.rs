//! Shortcodes in Markdown, rendered by the theme's `shortcodes/` templates:
//! the explainer's five, a site's override, and errors where written.

mod fixture;

use fixture::Fixture;

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
    use dossier::pipeline::{self, Options, Previous};
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
    let options = Options {
        root: f.root().to_path_buf(),
        base_url: None,
        drafts: false,
        portable: false,
        minify: false,
    };
    let first = pipeline::build(&options).unwrap();
    let page = |b: &pipeline::Built| {
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
    let changed: std::collections::BTreeSet<String> = ["data/people.csv".to_string()].into();
    let previous = Previous {
        built: &first,
        changed: &changed,
    };
    let second = pipeline::rebuild(&options, Some(previous)).unwrap();
    assert!(page(&second).contains("<td>Apple (CEO)</td>"));
    assert_eq!(page(&second), page(&pipeline::build(&options).unwrap()));
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
