//! `dossier check` over what templates and raw HTML write: links, anchors,
//! assets and stylesheet `url()`s that lead nowhere are errors, and it
//! writes nothing.

mod fixture;

use fixture::Fixture;

fn check(f: &Fixture) -> (i32, String) {
    let run = f.run(&["check"]);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    (run.code, run.stderr)
}

#[test]
fn a_sound_site_passes_and_nothing_is_written() {
    let f = Fixture::new();
    f.page("a.md", "title: A", "Text with [a link](b.md#part).\n");
    f.page("b.md", "title: B", "## Part\n\nText.\n");
    let (code, err) = check(&f);
    assert_eq!(code, 0, "{err}");
    assert!(!f.exists("output"));
}

#[test]
fn what_templates_and_raw_html_point_to_must_exist() {
    let f = Fixture::new();
    f.write(
        "site.yaml",
        "title: Fixture\nbase_url: https://example.org/sub\ntheme: t\n",
    );
    f.write(
        "templates/page.html",
        "<link rel=\"stylesheet\" href=\"{{ url(path='style.css') }}\"><a href=\"{{ url(path='nowhere/') }}\">x</a>\
         <img src=\"{{ url(path='missing.png') }}\" srcset=\"{{ url(path='style.css') }} 1x, {{ url(path='gone@2x.png') }} 2x\">\
         <a href=\"/elsewhere/\">out</a><a href=\"https://example.com/\">web</a><main>{{ page.content | safe }}</main>",
    );
    f.page(
        "a.md",
        "title: A",
        "<a href=\"#nope\">raw</a> <a href=\"/sub/b/#here\">raw</a> <a href=\"../b/\">raw</a>\n",
    );
    f.page("b.md", "title: B", "<p id=\"here\">B</p>\n");
    f.write(
        "static/css/extra.css",
        "a{background:url(img/none.png)} b{background:url(data:x)} i{background:url(../style.css)}",
    );
    let (code, err) = check(&f);
    assert_eq!(code, 1, "{err}");
    for expected in [
        "content/a.md: the page written to a/index.html links to `/sub/nowhere/`, but the site has no such file",
        "content/a.md: the page written to a/index.html links to `/sub/missing.png`, but the site has no such file",
        "links to `/sub/gone@2x.png`, but the site has no such file",
        "links to `/elsewhere/`, which leaves the base path /sub/",
        "links to `#nope`, but a/index.html has no id `nope`",
        "static/css/extra.css: `url(img/none.png)` names no file the site writes",
    ] {
        assert!(err.contains(expected), "missing: {expected}\n{err}");
    }
    for fine in [
        "example.com",
        "#here",
        "`../b/`",
        "data:x",
        "../style.css",
        "`/sub/style.css`",
    ] {
        assert!(!err.contains(fine), "{fine} is fine:\n{err}");
    }
    assert!(!f.exists("output"));
}

#[test]
fn a_template_link_from_the_hosts_root_is_a_warning_under_a_base_path() {
    let f = Fixture::new();
    f.write(
        "templates/page.html",
        "{# <a href=\"/commented/\"> #}\n<main>{{ page.content | safe }}</main>\n  <a href=\"/about/\">About</a> <img src='/sub/logo.png'>",
    );
    f.write("static/logo.png", "png");
    f.page("a.md", "title: A", "Text.\n");
    let run = f.build();
    assert!(
        !run.stderr.contains("outside the base path"),
        "{}",
        run.stderr
    );
    f.write(
        "site.yaml",
        "title: Fixture\nbase_url: https://example.org/sub\ntheme: t\n",
    );
    let run = f.build();
    assert!(
        run.stderr.contains(
            "templates/page.html:3:12: warning: `/about/` points outside the base path /sub/: write {{ url(path=\"about/\") }}"
        ),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("commented") && !run.stderr.contains("logo"),
        "{}",
        run.stderr
    );
}
