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
