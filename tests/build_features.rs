//! `dossier build` over fixture sites: what a successful build produces.

mod fixture;
use fixture::{Fixture, snapshot};

#[test]
fn pages_and_sections_map_to_folder_urls() {
    let f = Fixture::new();
    f.page("memo/_index.md", "title: The memo", "About the memo.\n");
    f.page("memo/claims.md", "title: Claims", "Claims.\n");
    f.page("memo/origin/index.md", "title: Origin", "Bundle.\n");
    let r = f.build();
    assert!(f.read("output/index.html").contains("<h1>Home</h1>"));
    assert!(
        f.read("output/memo/index.html")
            .contains("<h1>The memo</h1>")
    );
    assert!(
        f.read("output/memo/claims/index.html")
            .contains("<h1>Claims</h1>")
    );
    assert!(
        f.read("output/memo/origin/index.html")
            .contains("<h1>Origin</h1>")
    );
    assert!(f.read("output/404.html").contains("Not found"));
    assert!(f.exists("output/style.css"));
    assert!(
        r.stdout.contains("Built 2 pages, 2 sections"),
        "{}",
        r.stdout
    );
}

#[test]
fn bundle_files_are_copied_next_to_their_page() {
    let f = Fixture::new();
    f.page(
        "memo/origin/index.md",
        "title: Origin",
        "![chart](chart.png)\n",
    );
    f.write_bytes("content/memo/origin/chart.png", b"\x89PNG fake");
    f.build();
    assert_eq!(
        std::fs::read(f.path("output/memo/origin/chart.png")).unwrap(),
        b"\x89PNG fake"
    );
    assert!(
        f.read("output/memo/origin/index.html")
            .contains("src=\"/memo/origin/chart.png\"")
    );
}

#[test]
fn bundle_files_follow_their_page_when_a_slug_moves_it() {
    let f = Fixture::new();
    f.page(
        "memo/claims/index.md",
        "title: Claims\nslug: what-it-says",
        "![chart](chart.png) [data](data/table.csv)\n",
    );
    f.write_bytes("content/memo/claims/chart.png", b"\x89PNG fake");
    f.write("content/memo/claims/data/table.csv", "a,b\n");
    f.build();
    assert!(f.exists("output/memo/what-it-says/chart.png"));
    assert!(f.exists("output/memo/what-it-says/data/table.csv"));
    assert!(!f.exists("output/memo/claims"));
    let html = f.read("output/memo/what-it-says/index.html");
    assert!(
        html.contains("src=\"/memo/what-it-says/chart.png\""),
        "{html}"
    );
    assert!(
        html.contains("href=\"/memo/what-it-says/data/table.csv\""),
        "{html}"
    );
}

#[test]
fn a_file_linked_from_a_plain_page_gets_its_published_url() {
    let f = Fixture::new();
    f.write(
        "site.yaml",
        "title: F\nbase_url: https://example.org/sub\ntheme: t\n",
    );
    f.page("memo/claims.md", "title: Claims", "![chart](chart.png)\n");
    f.write_bytes("content/memo/chart.png", b"\x89PNG fake");
    f.build();
    assert!(f.exists("output/memo/chart.png"));
    let html = f.read("output/memo/claims/index.html");
    assert!(html.contains("src=\"/sub/memo/chart.png\""), "{html}");
}

#[test]
fn editor_leftovers_are_ignored_and_host_dotfiles_copied() {
    let f = Fixture::new();
    f.write("content/notes.bak", "old");
    f.write("content/a.md~", "---\ntitle: Old\n---\n");
    f.write("themes/t/templates/page.html.bak", "{{ broken");
    f.write("templates/#page.html#", "{{ broken");
    f.write("static/.nojekyll", "");
    f.write("static/.well-known/security.txt", "Contact: x\n");
    f.write("static/style.css.swp", "swap");
    f.build();
    assert!(!f.exists("output/notes.bak"));
    assert!(!f.exists("output/a.md~"));
    assert!(!f.exists("output/style.css.swp"));
    assert!(f.exists("output/.nojekyll"));
    assert!(f.exists("output/.well-known/security.txt"));
}

#[test]
fn slug_replaces_the_last_url_segment() {
    let f = Fixture::new();
    f.page("memo/claims.md", "title: Claims\nslug: what-it-says", "x\n");
    f.build();
    assert!(f.exists("output/memo/what-it-says/index.html"));
    assert!(!f.exists("output/what-it-says/index.html"));
    assert!(!f.exists("output/memo/claims/index.html"));
}

#[test]
fn a_source_is_cited_by_its_file_name_whatever_its_slug() {
    let f = Fixture::new();
    f.page("sources/_index.md", "title: Sources", "");
    f.page(
        "sources/ft.md",
        "title: FT report\nslug: financial-times",
        "",
    );
    f.page("memo.md", "title: Memo", "A claim [@ft].\n");
    f.build();
    let memo = f.read("output/memo/index.html");
    assert!(
        memo.contains("href=\"/sources/financial-times/\""),
        "{memo}"
    );
}

#[test]
fn drafts_are_left_out_unless_asked_for() {
    let f = Fixture::new();
    f.page("wip.md", "title: Work in progress\ndraft: true", "x\n");
    f.build();
    assert!(!f.exists("output/wip/index.html"));
    let r = f.run(&["build", "--drafts"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(f.exists("output/wip/index.html"));
}

#[test]
fn sections_sort_by_weight_then_date_then_title() {
    let f = Fixture::new();
    f.page("s/_index.md", "title: S", "");
    f.page("s/c.md", "title: C\nweight: 2", "");
    f.page("s/a.md", "title: A\nweight: 1", "");
    f.page("s/old.md", "title: Old\ndate: 2020-01-01", "");
    f.page("s/new.md", "title: New\ndate: 2024-01-01", "");
    f.page("s/b.md", "title: B", "");
    f.build();
    let html = f.read("output/s/index.html");
    let order: Vec<&str> = [
        "<li>A</li>",
        "<li>C</li>",
        "<li>New</li>",
        "<li>Old</li>",
        "<li>B</li>",
    ]
    .into_iter()
    .collect();
    let positions: Vec<usize> = order
        .iter()
        .map(|t| html.find(t).unwrap_or_else(|| panic!("{t} in {html}")))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{html}");
}

#[test]
fn sort_by_title_and_date_are_honoured() {
    let f = Fixture::new();
    f.page("s/_index.md", "title: S\nsort_by: title", "");
    f.page("s/z.md", "title: Zebra\nweight: 1", "");
    f.page("s/a.md", "title: apple\nweight: 2", "");
    f.page("d/_index.md", "title: D\nsort_by: date", "");
    f.page("d/y.md", "title: Year\ndate: 2020", "");
    f.page("d/m.md", "title: Month\ndate: 2025-01", "");
    f.page("d/d.md", "title: Day\ndate: 2025-11-15", "");
    f.build();
    let s = f.read("output/s/index.html");
    assert!(s.find("apple").unwrap() < s.find("Zebra").unwrap(), "{s}");
    let d = f.read("output/d/index.html");
    let (day, month, year) = (
        d.find("Day").unwrap(),
        d.find("Month").unwrap(),
        d.find("Year").unwrap(),
    );
    assert!(day < month && month < year, "newest first: {d}");
}

#[test]
fn previous_and_next_follow_the_section_order() {
    let f = Fixture::new();
    f.page("s/_index.md", "title: S", "");
    f.page("s/one.md", "title: One\nweight: 1", "");
    f.page("s/two.md", "title: Two\nweight: 2", "");
    f.page("s/three.md", "title: Three\nweight: 3", "");
    f.build();
    assert!(f.read("output/s/one/index.html").contains("prev= next=Two"));
    assert!(
        f.read("output/s/two/index.html")
            .contains("prev=One next=Three")
    );
    assert!(
        f.read("output/s/three/index.html")
            .contains("prev=Two next=")
    );
}

#[test]
fn markdown_extensions_are_on() {
    let f = Fixture::new();
    f.page(
        "m.md",
        "title: M",
        "| a | b |\n|---|---|\n| 1 | 2 |\n\nNote[^n].\n\n[^n]: The note.\n\n~~gone~~\n\n- [x] done\n- [ ] todo\n\n\"Quoted\" -- dash\n\n## Custom {#my-id}\n",
    );
    f.build();
    let html = f.read("output/m/index.html");
    assert!(html.contains("<table>"), "{html}");
    assert!(
        html.contains("footnote-definition") || html.contains("footnote"),
        "{html}"
    );
    assert!(html.contains("<del>gone</del>"), "{html}");
    assert!(html.contains("type=\"checkbox\""), "{html}");
    assert!(html.contains("“Quoted”") && html.contains("–"), "{html}");
    assert!(html.contains("<h2 id=\"my-id\">Custom</h2>"), "{html}");
}

#[test]
fn headings_get_unique_ids_and_a_nested_toc() {
    let f = Fixture::new();
    f.page(
        "t.md",
        "title: T",
        "## Background\n\n### Details\n\n## Background\n",
    );
    f.build();
    let html = f.read("output/t/index.html");
    assert!(
        html.contains("<h2 id=\"background\">") && html.contains("<h2 id=\"background-1\">"),
        "{html}"
    );
    assert!(
        html.contains(
            "<a href=\"#background\">Background</a><a class=\"child\" href=\"#details\">Details</a>"
        ),
        "{html}"
    );
}

#[test]
fn relative_md_links_become_urls_under_the_base_path() {
    let f = Fixture::new();
    f.write(
        "site.yaml",
        "title: F\nbase_url: https://example.org/sub/\ntheme: t\n",
    );
    f.page("memo/_index.md", "title: Memo", "");
    f.page("memo/claims.md", "title: Claims", "## Who {#who}\n");
    f.page(
        "players/apple.md",
        "title: Apple",
        "See [claims](../memo/claims.md#who) and [memo](../memo/_index.md).\n",
    );
    f.build();
    let html = f.read("output/players/apple/index.html");
    assert!(html.contains("href=\"/sub/memo/claims/#who\""), "{html}");
    assert!(html.contains("href=\"/sub/memo/\""), "{html}");
    assert!(
        html.contains("href=\"/sub/style.css\""),
        "url() under base path: {html}"
    );
    assert!(
        html.contains("url=/sub/players/apple/ permalink=https://example.org/sub/players/apple/"),
        "{html}"
    );
}

#[test]
fn base_url_flag_overrides_site_yaml() {
    let f = Fixture::new();
    f.page("a.md", "title: A", "");
    let r = f.run(&["build", "--base-url", "http://127.0.0.1:8000/preview"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(f.read("output/a/index.html").contains("url=/preview/a/"));
}

#[test]
fn page_variables_reach_templates() {
    let f = Fixture::new();
    let words = "word ".repeat(450);
    f.page(
        "v.md",
        "title: V\ndescription: About V\ndate: 2025-11-15\nupdated: 2025-11-20T10:00:00Z\ntags: [a, b]\nweight: 3",
        &format!("First paragraph here.\n\n{words}\n"),
    );
    f.build();
    let html = f.read("output/v/index.html");
    for want in [
        "desc=About V",
        "date=2025-11-15",
        "updated=2025-11-20T10:00:00Z",
        "words=453",
        "minutes=3",
        "slug=v",
        "path=v.md",
        "weight=3",
        "tags=a,b",
    ] {
        assert!(html.contains(want), "{want} in {html}");
    }
    assert!(
        html.contains("<div class=\"summary\"><p>First paragraph here.</p>"),
        "{html}"
    );
}

#[test]
fn more_marker_ends_the_summary() {
    let f = Fixture::new();
    f.page(
        "v.md",
        "title: V",
        "One.\n\nTwo.\n\n<!-- more -->\n\nThree.\n",
    );
    f.build();
    let html = f.read("output/v/index.html");
    let summary =
        &html[html.find("class=\"summary\"").unwrap()..html.find("class=\"content\"").unwrap()];
    assert!(
        summary.contains("Two.") && !summary.contains("Three."),
        "{summary}"
    );
}

#[test]
fn get_page_get_section_and_url_work_in_templates() {
    let f = Fixture::new();
    f.page("memo/_index.md", "title: Memo", "");
    f.page("memo/claims.md", "title: Claims", "");
    f.page("special.md", "title: Special\ntemplate: special.html", "");
    f.write(
        "templates/special.html",
        r#"{% set p = get_page(path="memo/claims.md") %}{% set s = get_section(path="memo/_index.md") %}<p>{{ p.title }}|{{ p.url }}|{{ s.title }}|{{ s.pages | length }}|{{ url(path="img/x.png") }}</p>"#,
    );
    f.build();
    assert!(
        f.read("output/special/index.html")
            .contains("<p>Claims|/memo/claims/|Memo|1|/img/x.png</p>")
    );
}

#[test]
fn site_templates_and_static_override_the_theme_file_by_file() {
    let f = Fixture::new();
    f.page("a.md", "title: A", "");
    f.write("templates/page.html", "OVERRIDE {{ page.title }}");
    f.write("static/style.css", "/* site */");
    f.write("static/extra/file.txt", "hello");
    f.build();
    assert_eq!(f.read("output/a/index.html"), "OVERRIDE A");
    assert_eq!(f.read("output/style.css"), "/* site */");
    assert_eq!(f.read("output/extra/file.txt"), "hello");
    assert!(
        f.read("output/index.html").contains("<h1>Home</h1>"),
        "theme's index.html still used"
    );
}

#[test]
fn section_template_and_page_template_choose_templates() {
    let f = Fixture::new();
    f.page(
        "tl/_index.md",
        "title: TL\ntemplate: timeline.html\npage_template: event.html",
        "",
    );
    f.page("tl/e.md", "title: E", "");
    f.write(
        "templates/timeline.html",
        "TIMELINE {{ section.title }} {{ section.pages | length }}",
    );
    f.write("templates/event.html", "EVENT {{ page.title }}");
    f.build();
    assert_eq!(f.read("output/tl/index.html"), "TIMELINE TL 1");
    assert_eq!(f.read("output/tl/e/index.html"), "EVENT E");
}

#[test]
fn citations_are_numbered_listed_and_cited_on() {
    let f = Fixture::new();
    f.page("sources/_index.md", "title: Sources", "");
    f.page("sources/ft.md", "title: FT report", "");
    f.page("sources/brief.md", "title: Brief", "");
    f.page(
        "memo.md",
        "title: Memo",
        "The memo exists [@brief]. It says more [@ft; @brief].\n",
    );
    let r = f.build();
    let memo = f.read("output/memo/index.html");
    assert!(
        memo.contains("href=\"#ref-1\"") && memo.contains("href=\"#ref-2\""),
        "{memo}"
    );
    assert!(memo.contains("<li id=\"ref-1\"><a href=\"/sources/brief/\">Brief</a></li><li id=\"ref-2\"><a href=\"/sources/ft/\">FT report</a></li>"), "{memo}");
    assert!(
        f.read("output/sources/ft/index.html")
            .contains("<ul class=\"cited-by\"><li><a href=\"/memo/\">Memo</a></li></ul>")
    );
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
}

#[test]
fn uncited_source_is_a_warning_not_an_error() {
    let f = Fixture::new();
    f.page("sources/_index.md", "title: Sources", "");
    f.page("sources/lonely.md", "title: Lonely", "");
    let r = f.build();
    assert!(
        r.stderr
            .contains("content/sources/lonely.md: warning: source `@lonely` is not cited"),
        "{}",
        r.stderr
    );
}

#[test]
fn disputed_block_renders_an_accounts_differ_box() {
    let f = Fixture::new();
    f.page("sources/_index.md", "title: Sources", "");
    f.page("sources/a.md", "title: Report A", "");
    f.page("sources/b.md", "title: Report B", "");
    f.page(
        "memo.md",
        "title: Memo",
        "```disputed Who issued it?\n- The Pentagon [@a]\n- The White House [@b]\n```\n",
    );
    f.build();
    let html = f.read("output/memo/index.html");
    assert!(html.contains("<aside class=\"disputed\""), "{html}");
    assert!(html.contains("Who issued it?"));
    assert!(
        html.contains(">Report A</a></cite>") && html.contains(">Report B</a></cite>"),
        "{html}"
    );
}

#[test]
fn front_matter_with_bom_and_crlf_builds() {
    let f = Fixture::new();
    f.write(
        "content/w.md",
        "\u{feff}---\r\ntitle: Windows\r\n---\r\nLine one\r\n",
    );
    f.build();
    assert!(f.read("output/w/index.html").contains("<h1>Windows</h1>"));
}

#[test]
fn two_builds_are_byte_identical() {
    let f = Fixture::new();
    for i in 0..40 {
        f.page(
            &format!("s{}/p{i}.md", i % 4),
            &format!("title: P{i}\nweight: {}", i % 3),
            "## A\n\ntext [x](../_index.md)\n",
        );
    }
    f.build();
    let first = snapshot(&f.path("output"));
    std::fs::remove_dir_all(f.path("output")).unwrap();
    f.build();
    assert_eq!(first, snapshot(&f.path("output")));
}

#[test]
fn deleted_page_disappears_from_output() {
    let f = Fixture::new();
    f.page("gone/away.md", "title: Gone", "");
    f.page("kept.md", "title: Kept", "");
    f.build();
    assert!(f.exists("output/gone/away/index.html"));
    f.remove("content/gone/away.md");
    let r = f.build();
    assert!(!f.exists("output/gone/away/index.html"));
    assert!(!f.exists("output/gone"), "empty folders go too");
    assert!(f.exists("output/kept/index.html"));
    assert!(r.stdout.contains("removed"), "{}", r.stdout);
}

#[test]
fn unchanged_files_are_not_rewritten() {
    let f = Fixture::new();
    f.page("a.md", "title: A", "");
    f.build();
    let r = f.build();
    assert!(r.stdout.contains(": 0 files written"), "{}", r.stdout);
}

#[test]
fn check_writes_nothing() {
    let f = Fixture::new();
    f.page("a.md", "title: A", "");
    let r = f.run(&["check"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!f.exists("output"));
    assert!(r.stdout.contains("Checked 1 pages"), "{}", r.stdout);
}

#[test]
fn output_flag_writes_elsewhere() {
    let f = Fixture::new();
    let other = tempfile::tempdir().unwrap();
    let target = other.path().join("site");
    let r = f.run(&["build", "--output", target.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(target.join("index.html").exists());
    assert!(!f.exists("output"));
}

#[test]
fn root_flag_builds_another_folder() {
    let f = Fixture::new();
    let r = std::process::Command::new(env!("CARGO_BIN_EXE_dossier"))
        .args(["build", "--root", f.root().to_str().unwrap()])
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(f.exists("output/index.html"));
}

#[test]
fn page_parent_is_its_section() {
    let f = Fixture::new();
    f.page("notes/_index.md", "title: Notes", "");
    f.page("notes/one.md", "title: One\ntemplate: crumb.html", "");
    f.write(
        "templates/crumb.html",
        "{{ page.parent.title }}|{{ page.parent.url }}",
    );
    f.build();
    assert_eq!(f.read("output/notes/one/index.html"), "Notes|/notes/");
}

#[test]
fn get_section_lists_subsections_without_their_pages() {
    let f = Fixture::new();
    f.page("notes/_index.md", "title: Notes", "");
    f.page("notes/one.md", "title: One", "");
    f.page("top.md", "title: Top\ntemplate: nav.html", "");
    f.write(
        "templates/nav.html",
        r#"{% set home = get_section(path="_index.md") %}{% for p in home.pages %}[{{ p.title }}]{% endfor %}{% for s in home.subsections %}<{{ s.title }}:{{ s.pages | default(value="none") }}>{% endfor %}"#,
    );
    f.build();
    assert_eq!(f.read("output/top/index.html"), "[Top]<Notes:none>");
}

/// Pages that cite a source with the same number hold one value for it,
/// and marks alike one value each (`render::Alike`), and each page still
/// shows its own numbers.
#[test]
fn pages_citing_alike_share_their_citation_values() {
    let f = Fixture::new();
    f.write(
        "themes/t/templates/page.html",
        "{% for c in page.citations %}[{{ c.number }} {{ c.title }}]{% endfor %}\
         {% for m in page.cited %}({{ m.key }}:{{ m.number }}:{{ m.passage }}){% endfor %}",
    );
    // A listing that reads both, so that every doc's listed value holds them.
    f.write(
        "themes/t/templates/index.html",
        "{% for p in section.pages %}{{ p.citations | length }}{{ p.cited | length }}{% endfor %}",
    );
    f.page("sources/_index.md", "title: Sources", "");
    f.page("sources/report.md", "title: The report", "A report.\n");
    f.page("sources/brief.md", "title: The brief", "A brief.\n");
    f.page("a.md", "title: A", "One [@report]. Two [@brief].\n");
    f.page("b.md", "title: B", "One [@report]. Two [@brief].\n");
    f.page("c.md", "title: C", "One [@brief]. Two [@report, p. 2].\n");
    let built = dossier::pipeline::build(&f.options()).unwrap_or_else(|e| panic!("{e:?}"));
    let doc = |path: &str| built.site.by_path[path];
    let list = |path: &str, field: &'static str| {
        let listed = built.values.docs[doc(path)].listed.as_map().unwrap();
        listed[&tera::value::Key::from(field)]
            .as_array()
            .unwrap()
            .to_vec()
    };
    let same =
        |x: &tera::Value, y: &tera::Value| std::ptr::eq(x.as_map().unwrap(), y.as_map().unwrap());
    let (a, b, c) = (
        list("a.md", "citations"),
        list("b.md", "citations"),
        list("c.md", "citations"),
    );
    assert!(same(&a[0], &b[0]) && same(&a[1], &b[1]));
    // The report is c's second source: another number, another value.
    assert!(!same(&a[0], &c[1]) && !same(&a[0], &c[0]));
    let (a, b, c) = (
        list("a.md", "cited"),
        list("b.md", "cited"),
        list("c.md", "cited"),
    );
    assert!(same(&a[0], &b[0]) && same(&a[1], &b[1]));
    assert!(!same(&a[1], &c[1]));
    let page = |path: &str| fixture::built_text(&built, path);
    assert_eq!(
        page("a/index.html"),
        "[1 The report][2 The brief](1:1:)(2:2:)"
    );
    assert_eq!(
        page("b/index.html"),
        "[1 The report][2 The brief](1:1:)(2:2:)"
    );
    assert_eq!(
        page("c/index.html"),
        "[1 The brief][2 The report](1:1:)(2:2:)"
    );
}

/// A field templates read of the rendered page alone (`page.toc`) is made
/// when that page is rendered, not kept in every doc's listed value, and
/// counts in its fingerprint (a rebuild shows an edited heading); once a
/// listing reads it of other pages, it is listed.
#[test]
fn a_pages_own_fields_are_made_when_it_is_rendered_and_listed_when_listings_read_them() {
    let f = Fixture::new();
    f.write(
        "themes/t/templates/page.html",
        "{% for h in page.toc %}[{{ h.title }}]{% endfor %}{{ page.title }}",
    );
    f.write(
        "themes/t/templates/index.html",
        "{% for p in section.pages %}{{ p.title }}{% endfor %}",
    );
    // No template reads `content`: only the headings tell the edit below.
    f.write("themes/t/templates/section.html", "{{ section.title }}");
    f.page("a.md", "title: A", "## One\n\n## Two\n");
    let field = |built: &dossier::pipeline::Built, name: &'static str| {
        let a = built.site.by_path["a.md"];
        let listed = built.values.docs[a].listed.as_map().unwrap();
        listed.contains_key(&tera::value::Key::from(name))
    };
    let built = dossier::pipeline::build(&f.options()).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(field(&built, "title") && !field(&built, "toc"));
    assert_eq!(fixture::built_text(&built, "a/index.html"), "[One][Two]A");
    assert_eq!(fixture::built_text(&built, "index.html"), "A");
    f.page("a.md", "title: A", "## One\n\n## Three\n");
    let again = f.rebuild(&built, &["content/a.md"], false);
    assert_eq!(fixture::built_text(&again, "a/index.html"), "[One][Three]A");

    f.write(
        "themes/t/templates/index.html",
        "{% for p in section.pages %}{% for h in p.toc %}<{{ h.title }}>{% endfor %}{% endfor %}",
    );
    let built = dossier::pipeline::build(&f.options()).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(field(&built, "toc"));
    assert_eq!(fixture::built_text(&built, "index.html"), "<One><Three>");
    assert_eq!(fixture::built_text(&built, "a/index.html"), "[One][Three]A");
}

#[test]
fn a_clean_build_keeps_each_page_s_html_on_disk_until_it_renders_unless_another_reads_it() {
    let f = Fixture::new();
    f.page("memo/_index.md", "title: The memo", "About the memo.\n");
    f.page("memo/a.md", "title: A", "Alpha's *body*.\n");
    f.page("memo/b.md", "title: B", "Beta's body.\n");
    let out = f.path("output");
    // The theme reads a body only as the rendered page's own `page.content`.
    let built = dossier::pipeline::build_into(&f.options(), Some(&out)).unwrap();
    assert_eq!(built.spilled, built.pages + built.sections);
    assert!(
        f.read("output/memo/a/index.html")
            .contains("Alpha’s <em>body</em>")
    );
    assert!(!f.read("output/memo/index.html").contains("Alpha"));
    // A section that shows its pages' bodies reads them through `get_page`:
    // every body stays in memory, and the section shows them.
    f.write(
        "templates/section.html",
        "{% for p in section.pages %}{% set full = get_page(path=p.path) %}<div>{{ full.content }}</div>{% endfor %}",
    );
    let built = dossier::pipeline::build_into(&f.options(), Some(&out)).unwrap();
    assert_eq!(built.spilled, 0);
    let section = f.read("output/memo/index.html");
    assert!(
        section.contains("<div><p>Alpha’s <em>body</em>.</p>"),
        "{section}"
    );
    assert!(section.contains("Beta’s body"), "{section}");
    assert!(
        f.read("output/memo/a/index.html")
            .contains("Alpha’s <em>body</em>")
    );
}

#[test]
fn a_clean_build_keeps_each_page_s_toc_and_marks_on_disk_until_it_renders_unless_a_listing_reads_them()
 {
    let f = Fixture::new();
    f.write(
        "themes/t/templates/page.html",
        "{% for h in page.toc %}[{{ h.title }}]{% endfor %}\
         {% for m in page.cited %}({{ m.key }}:{{ m.source.title }}:{{ m.locator }}){% endfor %}",
    );
    f.page("sources/_index.md", "title: Sources", "");
    f.page("sources/report.md", "title: The report", "A report.\n");
    f.page(
        "a.md",
        "title: A",
        "## One\n\nA claim [@report, p. 2].\n\n## Two\n",
    );
    let out = f.path("output");
    // Only each page's own template reads its table of contents and marks.
    let built = dossier::pipeline::build_into(&f.options(), Some(&out)).unwrap();
    assert_eq!(built.spilled_own, built.pages + built.sections);
    assert_eq!(
        f.read("output/a/index.html"),
        "[One][Two](1:The report:p. 2)"
    );
    // A listing that reads them of its pages keeps them in memory.
    f.write(
        "themes/t/templates/index.html",
        "{% for p in section.pages %}{{ p.toc | length }}{{ p.cited | length }}{% endfor %}",
    );
    let built = dossier::pipeline::build_into(&f.options(), Some(&out)).unwrap();
    assert_eq!(built.spilled_own, 0);
    assert!(built.spilled > 0);
    assert_eq!(
        f.read("output/a/index.html"),
        "[One][Two](1:The report:p. 2)"
    );
    assert!(f.read("output/index.html").contains("21"));
}

/// Where no scratch file can be made beside the output (here a folder
/// stands at its name), each page's HTML waits in memory instead, and
/// the build writes the same pages.
#[cfg(unix)]
#[test]
fn a_clean_build_without_its_scratch_file_keeps_the_html_in_memory_and_writes_the_same() {
    let f = Fixture::new();
    f.page("memo/_index.md", "title: The memo", "About the memo.\n");
    f.page("memo/a.md", "title: A", "Alpha's *body*.\n");
    let spilled_out = f.path("spilled");
    let spilled = dossier::pipeline::build_into(&f.options(), Some(&spilled_out)).unwrap();
    assert_eq!(spilled.spilled, spilled.pages + spilled.sections);
    let out = f.path("output");
    let blocker = f.path(".output.dossier-html");
    std::fs::create_dir_all(blocker.join("in-the-way")).unwrap();
    let built = dossier::pipeline::build_into(&f.options(), Some(&out)).unwrap();
    assert_eq!(built.spilled, 0);
    for page in ["memo/a/index.html", "memo/index.html", "index.html"] {
        assert_eq!(
            f.read(&format!("output/{page}")),
            f.read(&format!("spilled/{page}")),
            "{page}"
        );
    }
    assert!(
        f.read("output/memo/a/index.html")
            .contains("Alpha’s <em>body</em>")
    );
}

/// A citation mark is rendered once per build for the same arguments:
/// every page that cites alike shows the same mark, and one that differs
/// in any argument (its source's title, its number, its passage, its
/// locator, its place among the page's marks, or its being in an "accounts
/// differ" box) shows its own.
#[test]
fn each_citation_mark_shows_its_own_arguments_where_pages_cite_alike_and_not() {
    let f = Fixture::new();
    f.write(
        "themes/t/templates/components/citation.html",
        "{% for c in items %}<m>{{ c.number }}|{{ c.key }}|{{ c.source }}|{{ c.title }}|{{ c.url }}|{{ c.passage }}|{{ c.locator }}|{{ side }}</m>{% endfor %}",
    );
    f.write("themes/t/templates/page.html", "{{ page.content | safe }}");
    f.page("sources/_index.md", "title: Sources", "");
    f.page("sources/report.md", "title: The report", "A report.\n");
    f.page("sources/memo.md", "title: The memo", "A memo.\n");
    let pages = [
        ("a.md", "One [@report, p. 3]. Two [@memo]."),
        ("b.md", "One [@report, p. 3]. Two [@memo]."),
        ("c.md", "One [@report, p. 4]. Two [@report, p. 3]."),
        ("d.md", "One [@memo]. Two [@report, p. 3]."),
        (
            "e.md",
            "```disputed\nWho?\n\n- Yes [@report, p. 3].\n- No [@memo].\n```\n",
        ),
    ];
    for (path, body) in pages {
        f.page(path, "title: Page", &format!("{body}\n"));
    }
    f.build();
    let marks = |path: &str| -> Vec<String> {
        let html = f.read(&format!("output/{path}/index.html"));
        html.split("<m>")
            .skip(1)
            .map(|m| m.split("</m>").next().unwrap().to_string())
            .collect()
    };
    let report = "/sources/report/";
    let memo = "/sources/memo/";
    assert_eq!(
        marks("a"),
        [
            format!("1|1|report|The report|{report}||p. 3|false"),
            format!("2|2|memo|The memo|{memo}|||false"),
        ]
    );
    assert_eq!(marks("b"), marks("a"));
    assert_eq!(
        marks("c"),
        [
            format!("1|1|report|The report|{report}||p. 4|false"),
            format!("1|2|report|The report|{report}||p. 3|false"),
        ]
    );
    assert_eq!(
        marks("d"),
        [
            format!("1|1|memo|The memo|{memo}|||false"),
            format!("2|2|report|The report|{report}||p. 3|false"),
        ]
    );
    assert_eq!(
        marks("e"),
        [
            format!("1|1|report|The report|{report}||p. 3|true"),
            format!("2|2|memo|The memo|{memo}|||true"),
        ]
    );
}
