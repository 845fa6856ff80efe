//! `dossier build` over broken fixture sites: every problem is reported as
//! `path:line:column: message`, all together, with exit code 1 and no panic,
//! and a failed build leaves `output/` as it was.

mod fixture;
use fixture::{Fixture, snapshot};

#[test]
fn bad_yaml_points_at_its_line_in_the_md_file() {
    let f = Fixture::new();
    f.page("a.md", "title: A\ndescription: [unclosed", "");
    let err = f.build_fails();
    assert!(err.contains("content/a.md:3:"), "{err}");
}

#[test]
fn unknown_key_names_the_nearest_known_key() {
    let f = Fixture::new();
    f.page("a.md", "title: A\ndescripton: typo", "");
    let err = f.build_fails();
    assert!(
        err.contains("content/a.md:3:1: unknown key `descripton` (did you mean `description`?)"),
        "{err}"
    );
    assert!(
        err.contains("    | descripton: typo"),
        "offending line shown: {err}"
    );
}

#[test]
fn missing_title_is_an_error() {
    let f = Fixture::new();
    f.page("a.md", "description: no title", "");
    let err = f.build_fails();
    assert!(
        err.contains("content/a.md:") && err.contains("`title`"),
        "{err}"
    );
}

#[test]
fn wrong_types_are_errors() {
    let f = Fixture::new();
    f.page("w.md", "title: W\nweight: heavy", "");
    f.page("d.md", "title: D\ndraft: yes", "");
    let err = f.build_fails();
    assert!(err.contains("content/w.md:3:"), "{err}");
    assert!(err.contains("content/d.md:3:"), "strict booleans: {err}");
}

#[test]
fn invalid_date_is_an_error_at_its_value() {
    let f = Fixture::new();
    f.page("a.md", "title: A\ndate: 2025-02-30", "");
    let err = f.build_fails();
    assert!(
        err.contains("content/a.md:3:7: invalid date `2025-02-30`"),
        "{err}"
    );
}

#[test]
fn invalid_utf8_is_an_error_with_its_position() {
    let f = Fixture::new();
    f.write_bytes("content/bad.md", b"---\ntitle: A\n---\nok\nbad \xff here\n");
    let err = f.build_fails();
    assert!(
        err.contains("content/bad.md:5:5: file is not valid UTF-8"),
        "{err}"
    );
}

#[test]
fn missing_front_matter_is_an_error() {
    let f = Fixture::new();
    f.write("content/plain.md", "# Just markdown\n");
    let err = f.build_fails();
    assert!(
        err.contains("content/plain.md:1:1: missing front matter"),
        "{err}"
    );
}

#[test]
fn unsafe_slug_is_refused() {
    let f = Fixture::new();
    f.page("a.md", "title: A\nslug: ../../etc", "");
    let err = f.build_fails();
    assert!(
        err.contains("content/a.md:3:7: unsafe slug `../../etc`"),
        "{err}"
    );
}

#[test]
fn invalid_sort_by_suggests_a_value() {
    let f = Fixture::new();
    f.page("s/_index.md", "title: S\nsort_by: wieght", "");
    let err = f.build_fails();
    assert!(
        err.contains("content/s/_index.md:3:10: invalid sort_by `wieght`")
            && err.contains("did you mean `weight`"),
        "{err}"
    );
}

#[test]
fn two_files_for_one_url_name_both() {
    let f = Fixture::new();
    f.page("claims.md", "title: A", "");
    f.page("claims/index.md", "title: B", "");
    let err = f.build_fails();
    assert!(
        err.contains("/claims/")
            && err.contains("content/claims.md")
            && err.contains("content/claims/index.md"),
        "{err}"
    );
}

#[test]
fn broken_link_is_reported_at_file_line_column() {
    let f = Fixture::new();
    f.page("a.md", "title: A", "Intro.\n\nSee [the memo](memo.md).\n");
    let err = f.build_fails();
    assert!(
        err.contains("content/a.md:6:5: broken link `memo.md`"),
        "{err}"
    );
}

#[test]
fn broken_anchor_is_reported() {
    let f = Fixture::new();
    f.page("memo.md", "title: Memo", "## Who issued it\n");
    f.page(
        "a.md",
        "title: A",
        "[ok](memo.md#who-issued-it) [bad](memo.md#when)\n[self](#nowhere)\n",
    );
    let err = f.build_fails();
    assert!(
        err.contains("content/a.md:4:29: broken anchor `#when`"),
        "{err}"
    );
    assert!(
        err.contains("content/a.md:5:1: broken anchor `#nowhere`"),
        "{err}"
    );
    assert!(!err.contains("who-issued-it`"), "{err}");
}

#[test]
fn an_anchor_counts_when_the_theme_writes_that_id() {
    let f = Fixture::new();
    f.page(
        "a.md",
        "title: A",
        "[skip](#main) [ref](#ref-1) [none](#references)\n",
    );
    let err = f.build_fails();
    // The fixture's theme writes only id="ref-{{ c.number }}".
    for anchor in ["main", "references"] {
        assert!(err.contains(&format!("broken anchor `#{anchor}`")), "{err}");
    }
    assert!(!err.contains("`#ref-1`"), "{err}");
    f.write(
        "templates/page.html",
        "{# id=\"references\" #}<main id=\"main\"></main>",
    );
    // The site's page.html replaces the theme's, and its ids with it.
    let err = f.build_fails();
    assert!(err.contains("broken anchor `#references`"), "{err}");
    assert!(err.contains("broken anchor `#ref-1`"), "{err}");
    assert!(!err.contains("`#main`"), "{err}");
    f.write(
        "templates/section.html",
        "<nav id=\"references\"></nav><p id='ref-{{ n }}'></p>",
    );
    f.build();
}

#[test]
fn unknown_citation_is_an_error() {
    let f = Fixture::new();
    f.page("sources/_index.md", "title: Sources", "");
    f.page("sources/ft.md", "title: FT", "Cited [@ft].");
    f.page("a.md", "title: A", "Claim [@nope].\n");
    let err = f.build_fails();
    assert!(
        err.contains("content/a.md:4:7: unknown source `@nope`"),
        "{err}"
    );
}

#[test]
fn missing_template_is_an_error_where_it_is_named() {
    let f = Fixture::new();
    f.page("a.md", "title: A\ntemplate: fancy.html", "");
    let err = f.build_fails();
    assert!(
        err.contains("content/a.md:3:11: template `fancy.html` not found"),
        "{err}"
    );
}

#[test]
fn missing_theme_is_an_error() {
    let f = Fixture::new();
    f.write(
        "site.yaml",
        "title: F\nbase_url: https://e.org\ntheme: nope\n",
    );
    let err = f.build_fails();
    assert!(err.contains("site.yaml: theme `nope` not found"), "{err}");
}

#[test]
fn template_syntax_error_names_template_and_line() {
    let f = Fixture::new();
    f.write("templates/page.html", "line one\n{% if %}\n");
    f.write("templates/section.html", "ok\n{{ broken( }}\n");
    f.page("a.md", "title: A", "");
    let err = f.build_fails();
    assert!(err.contains("templates/page.html:2:7:"), "{err}");
    assert!(
        err.contains("templates/section.html:2:"),
        "every broken template is reported: {err}"
    );
}

#[test]
fn template_rendering_error_names_template_line_and_page() {
    let f = Fixture::new();
    f.write("templates/page.html", "<p>\n{{ page.missing_field }}\n</p>");
    f.page("a.md", "title: A", "");
    f.page("b.md", "title: B", "");
    let err = f.build_fails();
    assert!(err.contains("templates/page.html:2:9:"), "{err}");
    assert!(
        err.contains("rendering content/a.md and 1 other page"),
        "{err}"
    );
    assert_eq!(
        err.matches("templates/page.html:2:9:").count(),
        1,
        "reported once: {err}"
    );
}

#[test]
fn missing_parent_template_is_an_error() {
    let f = Fixture::new();
    f.write("templates/page.html", "{% extends \"nope.html\" %}");
    let err = f.build_fails();
    assert!(
        err.contains("templates/page.html:1:") && err.contains("nope.html"),
        "{err}"
    );
}

#[test]
fn bad_site_yaml_is_an_error() {
    let f = Fixture::new();
    f.write("site.yaml", "title: F\nbase_ur: https://e.org\n");
    let err = f.build_fails();
    assert!(
        err.contains("site.yaml:2:1: unknown key `base_ur` (did you mean `base_url`?)"),
        "{err}"
    );
}

#[test]
fn missing_site_yaml_is_an_error() {
    let f = Fixture::new();
    f.remove("site.yaml");
    let err = f.build_fails();
    assert!(err.contains("site.yaml: cannot read site.yaml"), "{err}");
}

#[test]
fn every_problem_is_reported_in_one_build() {
    let f = Fixture::new();
    f.page("a.md", "tittle: A", "");
    f.page("b.md", "title: B\ndate: someday", "");
    f.page("c.md", "title: C", "[x](nowhere.md)");
    let err = f.build_fails();
    for want in [
        "content/a.md:2:1:",
        "content/b.md:3:7:",
        "content/c.md:4:1:",
        "build failed with 3 errors",
    ] {
        assert!(err.contains(want), "{want} in {err}");
    }
}

#[test]
fn failed_build_leaves_output_untouched() {
    let f = Fixture::new();
    f.page("a.md", "title: A", "first");
    f.build();
    let before = snapshot(&f.path("output"));
    f.page("a.md", "title: A", "second [broken](nope.md)");
    f.page("new.md", "title: New", "");
    f.build_fails();
    assert_eq!(before, snapshot(&f.path("output")));
}

#[test]
fn output_folder_may_not_be_the_root_or_content() {
    let f = Fixture::new();
    for bad in [".", "content", "content/out", ".."] {
        let r = f.run(&["build", "--output", bad]);
        assert_eq!(r.code, 1, "--output {bad}: {}", r.stderr);
        assert!(r.stderr.contains("refusing output folder"), "{}", r.stderr);
    }
    assert!(f.exists("content/_index.md") && f.exists("site.yaml"));
}

#[test]
fn foreign_non_empty_output_folder_is_refused_and_kept() {
    let f = Fixture::new();
    f.write("mine/notes.txt", "precious");
    let r = f.run(&["build", "--output", "mine"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("not empty and was not made by dossier"),
        "{}",
        r.stderr
    );
    assert_eq!(f.read("mine/notes.txt"), "precious");
}

#[test]
fn empty_output_folder_is_accepted() {
    let f = Fixture::new();
    std::fs::create_dir_all(f.path("empty")).unwrap();
    let r = f.run(&["build", "--output", "empty"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(f.exists("empty/index.html"));
}

#[test]
fn wrong_usage_exits_with_2() {
    let f = Fixture::new();
    assert_eq!(f.run(&["bild"]).code, 2);
    assert_eq!(f.run(&["build", "--nope"]).code, 2);
    let help = f.run(&["build", "--help"]);
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("--base-url"), "{}", help.stdout);
}

#[test]
fn check_reports_errors_without_writing() {
    let f = Fixture::new();
    f.page("a.md", "title: A", "[x](gone.md)");
    let r = f.run(&["check"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("content/a.md:4:1: broken link"),
        "{}",
        r.stderr
    );
    assert!(!f.exists("output"));
}

#[test]
fn failed_render_leaves_output_untouched_and_nothing_staged() {
    let f = Fixture::new();
    f.page("a.md", "title: A", "first");
    f.build();
    let before = snapshot(&f.path("output"));
    f.page("a.md", "title: A", "second");
    f.write(
        "templates/page.html",
        "{{ page.content | safe }}{{ page.nope }}",
    );
    f.build_fails();
    assert_eq!(before, snapshot(&f.path("output")));
}

#[test]
fn failed_first_build_leaves_an_empty_output_folder() {
    let f = Fixture::new();
    std::fs::create_dir_all(f.path("output")).unwrap();
    // More pages than one rendering batch, the broken one last.
    for i in 0..dossier::pipeline::BATCH + 88 {
        f.page(&format!("p{i:04}.md"), "title: P", "");
    }
    f.page("zz.md", "title: Z\ntemplate: broken.html", "");
    f.write("templates/broken.html", "{{ page.nope }}");
    f.build_fails();
    let left: Vec<String> = snapshot(&f.path("output"))
        .into_keys()
        .filter(|k| k != ".dossier-output")
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn output_that_is_a_file_is_refused() {
    let f = Fixture::new();
    f.write("out.txt", "keep");
    let r = f.run(&["build", "--output", "out.txt"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("it is a file, not a folder"),
        "{}",
        r.stderr
    );
    assert_eq!(f.read("out.txt"), "keep");
}

#[test]
fn base_url_must_be_absolute_or_a_path() {
    let f = Fixture::new();
    f.write("site.yaml", "title: F\nbase_url: example.org\ntheme: t\n");
    let err = f.build_fails();
    assert!(
        err.contains("site.yaml:2:") && err.contains("base_url `example.org`"),
        "{err}"
    );
}

#[test]
fn theme_must_be_a_folder_name() {
    let f = Fixture::new();
    f.write("site.yaml", "title: F\nbase_url: /\ntheme: ../t\n");
    let err = f.build_fails();
    assert!(
        err.contains("site.yaml:3:") && err.contains("must be a folder name under themes/"),
        "{err}"
    );
}

#[test]
fn section_only_and_page_only_keys_are_errors_elsewhere() {
    let f = Fixture::new();
    f.page("s/_index.md", "title: S\nslug: other", "");
    f.page("p.md", "title: P\nsort_by: date\npage_template: x.html", "");
    let err = f.build_fails();
    assert!(
        err.contains("content/s/_index.md:3:7: `slug` is for pages"),
        "{err}"
    );
    assert!(
        err.contains("content/p.md:3:10: `sort_by` is for sections"),
        "{err}"
    );
    assert!(
        err.contains("content/p.md:4:16: `page_template` is for sections"),
        "{err}"
    );
}

#[test]
fn empty_front_matter_is_an_error() {
    let f = Fixture::new();
    f.write("content/e.md", "---\n---\nBody.\n");
    let err = f.build_fails();
    assert!(
        err.contains("content/e.md:2:1: empty front matter"),
        "{err}"
    );
}

#[test]
fn missing_content_folder_is_an_error() {
    let f = Fixture::new();
    std::fs::remove_dir_all(f.path("content")).unwrap();
    let err = f.build_fails();
    assert!(err.contains("content: no content/ folder"), "{err}");
}

#[test]
fn a_content_file_that_would_overwrite_a_generated_page_is_an_error() {
    let f = Fixture::new();
    f.page("a.md", "title: A", "");
    f.write("content/a/index.html", "<p>hand-made</p>");
    let err = f.build_fails();
    assert!(
        err.contains("content/a/index.html: this file would overwrite a generated page"),
        "{err}"
    );
}

#[test]
fn a_static_file_that_would_overwrite_a_generated_page_is_an_error() {
    let f = Fixture::new();
    f.write("static/index.html", "<p>hand-made</p>");
    for command in ["build", "check"] {
        let r = f.run(&[command]);
        assert_eq!(r.code, 1, "{command}");
        // Once: the page is looked at before it renders, not again with the
        // site's files that render beside it.
        let said = "static/index.html: this file would overwrite the generated index.html";
        assert_eq!(r.stderr.matches(said).count(), 1, "{}", r.stderr);
    }
    assert!(!f.exists("output/index.html"));
}

#[test]
fn a_static_file_where_the_search_index_goes_is_an_error() {
    let f = Fixture::new();
    f.use_repo_theme("explainer");
    f.write("static/search-index/meta.json", "{}");
    for command in ["build", "check"] {
        let r = f.run(&[command]);
        assert_eq!(r.code, 1, "{command}");
        assert!(
            r.stderr.contains(
                "static/search-index/meta.json: this file would overwrite the generated search-index/meta.json"
            ),
            "{command}: {}",
            r.stderr
        );
    }
    assert!(!f.exists("output"));
}

#[test]
fn duplicate_explicit_heading_id_is_an_error_at_its_line() {
    let f = Fixture::new();
    f.page(
        "a.md",
        "title: A",
        "## One {#same}\n\nText.\n\n## Two {#same}\n",
    );
    let err = f.build_fails();
    assert!(
        err.contains("content/a.md:8:1: duplicate heading id `#same`"),
        "{err}"
    );
}

#[test]
fn a_relative_image_or_file_link_to_no_file_is_an_error() {
    let f = Fixture::new();
    f.page(
        "memo/claims/index.md",
        "title: Claims",
        "![chart](chart.png)\n\nSee [the data](table.csv).\n",
    );
    let err = f.build_fails();
    assert!(
        err.contains("content/memo/claims/index.md:4:1: broken link `chart.png`: no file content/memo/claims/chart.png"),
        "{err}"
    );
    assert!(
        err.contains("content/memo/claims/index.md:6:5: broken link `table.csv`"),
        "{err}"
    );
}

#[test]
fn a_template_that_is_not_text_is_an_error_at_its_file() {
    let f = Fixture::new();
    f.write_bytes("templates/page.html", &[0xff, 0xfe, b'x']);
    let err = f.build_fails();
    assert!(
        err.contains("templates/page.html: template is not valid UTF-8"),
        "{err}"
    );
}

/// A site of one page, built once: there is an output to keep.
fn built_once() -> Fixture {
    let f = Fixture::new();
    f.page("a.md", "title: A", "first");
    f.build();
    f
}

/// A build that fails while staging its output: exit code 1, `named` in
/// its error, the output as it was and nothing left beside it.
fn fails_while_staging(f: &Fixture, named: &str) {
    let before = snapshot(&f.path("output"));
    let run = f.run(&["build"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains(named), "{named} in {}", run.stderr);
    assert_eq!(before, snapshot(&f.path("output")));
    assert_eq!(f.leftovers(), Vec::<String>::new());
}

#[test]
fn a_file_the_output_cannot_take_is_named_and_the_output_stays_as_it_was() {
    let f = built_once();
    // A static file where the page needs its folder (a/index.html).
    f.write("static/a", "in the way");
    fails_while_staging(&f, "cannot write: a: ");
}

#[test]
fn a_site_file_that_fails_as_it_is_written_fails_the_build() {
    let f = built_once();
    // Not HTML: written to its file as it renders. The template fails
    // half-way, after some of the file is written.
    f.write(
        "templates/sitemap.xml",
        "<urlset>\n{% for p in pages %}{{ p.url }}\n{% endfor %}{{ nope }}",
    );
    fails_while_staging(&f, "templates/sitemap.xml:3:");
}

#[test]
fn a_file_that_cannot_be_staged_as_it_is_rendered_fails_the_build_and_names_it() {
    let f = built_once();
    // Two pages where one's file (a/index.html) is the other's folder: the
    // second of the two to be staged, as soon as it is rendered, fails.
    f.page("a/index.html/b.md", "title: B", "x");
    fails_while_staging(&f, "cannot write: a/index.html");
}

#[test]
fn a_search_index_file_that_cannot_be_staged_fails_the_build_and_names_it() {
    let f = built_once();
    f.write("templates/search/index.html", "Search");
    f.build();
    assert!(f.exists("output/search-index/meta.json"));
    // A page whose folder is the index's file: the index, given to the
    // staging folder as each of its files is made, fails on that one.
    f.page("search-index/meta.json.md", "title: M", "x");
    fails_while_staging(&f, "cannot write: search-index/meta.json: ");
}
