//! What publishing needs beyond the pages, built by the real binary with the
//! explainer theme under a subpath: share cards and metadata in every head,
//! the sitemap, the Atom feed and robots.txt, and share images checked.

mod fixture;

use fixture::Fixture;
use scraper::{Html, Selector};
use std::path::Path;

const BASE: &str = "https://example.org/sub/";

/// A small site on the explainer theme (copied from this repository).
fn site() -> Fixture {
    let f = Fixture::new();
    let theme = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/explainer");
    for entry in walk(&theme) {
        let rel = entry
            .strip_prefix(&theme)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        f.write_bytes(
            &format!("themes/explainer/{rel}"),
            &std::fs::read(&entry).unwrap(),
        );
    }
    f.write(
        "site.yaml",
        "title: Publish & share\nbase_url: https://example.org/sub\ndescription: A test site.\nauthor: The desk\nimage: /share.png\n",
    );
    f.write_bytes("static/share.png", b"\x89PNG\r\n\x1a\nfake");
    f.write("content/_index.md", "---\ntitle: Home\n---\nWelcome.\n");
    f.page(
        "news/_index.md",
        "title: News\nsort_by: date",
        "The news.\n",
    );
    f.page(
        "news/a.md",
        "title: A <first> & \"quoted\" ]]> </script>\ndescription: The first story.\ndate: 2024-01-02\nupdated: 2024-03-01",
        "Story A.\n",
    );
    f.page(
        "news/b/index.md",
        "title: B\ndate: 2024-02-01\nimage: card.png",
        "Story B.\n",
    );
    f.write_bytes("content/news/b/card.png", b"\x89PNG\r\n\x1a\ncard");
    f.page("news/c.md", "title: C, undated", "Story C.\n");
    f
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn xml(text: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("not XML: {e}\n{text}"))
}

fn children<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Vec<roxmltree::Node<'a, 'i>> {
    node.children().filter(|c| c.has_tag_name(name)).collect()
}

fn child_text(node: roxmltree::Node, name: &str) -> Option<String> {
    children(node, name)
        .first()
        .and_then(|c| c.text())
        .map(str::to_string)
}

const PAGES: [(&str, &str); 6] = [
    ("index.html", ""),
    ("news/index.html", "news/"),
    ("news/a/index.html", "news/a/"),
    ("news/b/index.html", "news/b/"),
    ("news/c/index.html", "news/c/"),
    ("404.html", ""),
];

#[test]
fn every_head_carries_share_tags_with_absolute_urls() {
    let f = site();
    f.build();
    for (file, path) in PAGES {
        let html = Html::parse_document(&f.read(&format!("output/{file}")));
        let attr = |css: &str, name: &str| -> String {
            let sel = Selector::parse(css).unwrap();
            let el = html
                .select(&sel)
                .next()
                .unwrap_or_else(|| panic!("{file}: no {css}"));
            el.value().attr(name).unwrap_or_default().to_string()
        };
        let meta = |property: &str| attr(&format!("meta[property=\"{property}\"]"), "content");
        let url = format!("{BASE}{path}");
        assert_eq!(attr("link[rel=canonical]", "href"), url, "{file}");
        assert_eq!(meta("og:url"), url, "{file}");
        assert_eq!(meta("og:site_name"), "Publish & share", "{file}");
        assert_eq!(meta("og:locale"), "en", "{file}");
        assert!(!meta("og:title").is_empty(), "{file}");
        assert!(!meta("og:description").is_empty(), "{file}");
        assert!(
            !attr("meta[name=description]", "content").is_empty(),
            "{file}"
        );
        let kind = if file.starts_with("news/") && file != "news/index.html" {
            "article"
        } else {
            "website"
        };
        assert_eq!(meta("og:type"), kind, "{file}");
        let image = if file == "news/b/index.html" {
            format!("{BASE}news/b/card.png")
        } else {
            format!("{BASE}share.png")
        };
        assert_eq!(meta("og:image"), image, "{file}");
        assert_eq!(
            attr("meta[name=\"twitter:image\"]", "content"),
            image,
            "{file}"
        );
        assert_eq!(
            attr("meta[name=\"twitter:card\"]", "content"),
            "summary_large_image",
            "{file}"
        );
        assert_eq!(
            attr("link[rel=alternate][type=\"application/atom+xml\"]", "href"),
            "/sub/atom.xml",
            "{file}"
        );
    }
    let a = Html::parse_document(&f.read("output/news/a/index.html"));
    let sel = Selector::parse("meta[property=\"og:title\"]").unwrap();
    let title = a
        .select(&sel)
        .next()
        .unwrap()
        .value()
        .attr("content")
        .unwrap();
    assert_eq!(title, "A <first> & \"quoted\" ]]> </script>");
    assert!(f.exists("output/share.png") && f.exists("output/news/b/card.png"));
}

#[test]
fn sitemap_lists_every_page_with_its_last_change() {
    let f = site();
    f.build();
    let text = f.read("output/sitemap.xml");
    let doc = xml(&text);
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "urlset");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.sitemaps.org/schemas/sitemap/0.9")
    );
    let mut listed: Vec<(String, Option<String>)> = children(root, "url")
        .into_iter()
        .map(|u| (child_text(u, "loc").unwrap(), child_text(u, "lastmod")))
        .collect();
    listed.sort();
    let mut want: Vec<(String, Option<String>)> = PAGES[..5]
        .iter()
        .map(|(_, p)| (format!("{BASE}{p}"), None))
        .collect();
    want[2].1 = Some("2024-03-01".into()); // updated wins over date
    want[3].1 = Some("2024-02-01".into());
    want.sort();
    assert_eq!(listed, want);
    let robots = f.read("output/robots.txt");
    assert!(
        robots.contains(&format!("Sitemap: {BASE}sitemap.xml")),
        "{robots}"
    );
}

#[test]
fn feed_holds_the_dated_pages_newest_first() {
    let f = site();
    f.build();
    let text = f.read("output/atom.xml");
    let doc = xml(&text);
    let feed = doc.root_element();
    const ATOM: &str = "http://www.w3.org/2005/Atom";
    assert_eq!(feed.tag_name().name(), "feed");
    assert_eq!(feed.tag_name().namespace(), Some(ATOM));
    // RFC 4287 4.1.1: a feed has id, title, updated and (here, as no entry
    // has its own) an author; a self link is recommended.
    assert_eq!(child_text(feed, "id").as_deref(), Some(BASE));
    assert_eq!(
        child_text(feed, "title").as_deref(),
        Some("Publish & share")
    );
    assert_eq!(
        child_text(feed, "updated").as_deref(),
        Some("2024-03-01T00:00:00Z")
    );
    assert!(
        children(feed, "author")
            .iter()
            .any(|a| child_text(*a, "name").is_some())
    );
    assert!(
        children(feed, "link")
            .iter()
            .any(|l| l.attribute("rel") == Some("self")
                && l.attribute("href") == Some(&*format!("{BASE}atom.xml")))
    );
    let entries = children(feed, "entry");
    let ids: Vec<String> = entries
        .iter()
        .map(|e| child_text(*e, "id").unwrap())
        .collect();
    assert_eq!(ids, [format!("{BASE}news/b/"), format!("{BASE}news/a/")]);
    for e in &entries {
        for required in ["id", "title", "updated"] {
            assert!(child_text(*e, required).is_some(), "{required} in {text}");
        }
        let link = children(*e, "link")[0].attribute("href").unwrap();
        assert!(link.starts_with(BASE), "{link}");
    }
    assert_eq!(
        child_text(entries[1], "title").as_deref(),
        Some("A <first> & \"quoted\" ]]> </script>")
    );
    assert_eq!(
        child_text(entries[1], "updated").as_deref(),
        Some("2024-03-01T00:00:00Z")
    );
    assert_eq!(
        child_text(entries[0], "updated").as_deref(),
        Some("2024-02-01T00:00:00Z")
    );
}

#[test]
fn a_share_image_that_names_no_file_is_an_error_where_it_is_written() {
    let f = site();
    f.page("news/c.md", "title: C\nimage: missing.png", "Story C.\n");
    let err = f.build_fails();
    assert!(
        err.contains("content/news/c.md:3:8: share image `missing.png`: there is no file content/news/missing.png"),
        "{err}"
    );
    f.page("news/c.md", "title: C", "Story C.\n");
    f.write(
        "site.yaml",
        "title: T\nbase_url: https://example.org/sub\nimage: /nowhere.png\n",
    );
    let err = f.build_fails();
    assert!(
        err.contains("site.yaml: share image `/nowhere.png`: the site publishes no /nowhere.png"),
        "{err}"
    );
    f.write(
        "site.yaml",
        "title: T\nbase_url: https://example.org/sub\nimage: https://cdn.example.net/card.png\n",
    );
    f.build();
    assert!(
        f.read("output/news/c/index.html")
            .contains("content=\"https://cdn.example.net/card.png\"")
    );
}

/// The JSON-LD blocks of a built page, parsed.
fn json_ld(html: &str) -> Vec<serde_json::Value> {
    let html = Html::parse_document(html);
    let sel = Selector::parse("script[type=\"application/ld+json\"]").unwrap();
    html.select(&sel)
        .map(|s| {
            let text: String = s.text().collect();
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON: {e}\n{text}"))
        })
        .collect()
}

fn of_type<'a>(blocks: &'a [serde_json::Value], kind: &str) -> &'a serde_json::Value {
    blocks
        .iter()
        .find(|b| b["@type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {blocks:?}"))
}

#[test]
fn structured_data_describes_each_page_and_cannot_be_broken_out_of() {
    let f = site();
    let hostile = "Break </script><script>alert(1)</script> & \\\"out\\\"";
    f.page("sources/_index.md", "title: Sources", "");
    f.page(
        "sources/report.md",
        "title: The report\ndate: 2024-01-01",
        "A report.\n",
    );
    f.page(
        "news/a.md",
        &format!("title: \"{hostile}\"\ndescription: The first story.\ndate: 2024-01-02\nupdated: 2024-03-01"),
        "Story A [@report].\n",
    );
    f.page(
        "events/_index.md",
        "title: Timeline\ntemplate: timeline.html\nsort_by: date",
        "The events.\n",
    );
    f.page("events/one.md", "title: First event\ndate: 2020", "One.\n");
    f.page(
        "events/two.md",
        "title: Second event\ndate: 2024-05-06",
        "Two.\n",
    );
    f.page("events/later.md", "title: Some day", "Undated.\n");
    f.build();

    let home = json_ld(&f.read("output/index.html"));
    let site = of_type(&home, "WebSite");
    assert_eq!(site["url"], BASE);
    assert_eq!(site["name"], "Publish & share");

    let page = f.read("output/news/a/index.html");
    assert!(
        !page.contains("</script><script>alert"),
        "the title broke out"
    );
    let blocks = json_ld(&page);
    let article = of_type(&blocks, "NewsArticle");
    assert_eq!(
        article["headline"],
        "Break </script><script>alert(1)</script> & \"out\""
    );
    assert_eq!(article["description"], "The first story.");
    assert_eq!(article["datePublished"], "2024-01-02T00:00:00Z");
    assert_eq!(article["dateModified"], "2024-03-01T00:00:00Z");
    assert_eq!(article["author"]["name"], "The desk");
    assert_eq!(article["publisher"]["name"], "The desk");
    assert_eq!(article["image"][0], format!("{BASE}share.png"));
    assert_eq!(article["mainEntityOfPage"]["@id"], format!("{BASE}news/a/"));
    assert_eq!(
        article["citation"][0]["url"],
        format!("{BASE}sources/report/")
    );
    assert_eq!(article["citation"][0]["name"], "The report");
    let crumbs = of_type(&blocks, "BreadcrumbList")["itemListElement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item"].as_str().unwrap().to_string())
        .collect::<Vec<_>>();
    assert_eq!(
        crumbs,
        [
            BASE.to_string(),
            format!("{BASE}news/"),
            format!("{BASE}news/a/")
        ]
    );

    let timeline = json_ld(&f.read("output/events/index.html"));
    let events: Vec<(String, String)> = of_type(&timeline, "ItemList")["itemListElement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            assert_eq!(i["item"]["@type"], "Event");
            (
                i["item"]["name"].as_str().unwrap().into(),
                i["item"]["startDate"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            ("First event".to_string(), "2020".to_string()),
            ("Second event".into(), "2024-05-06".into())
        ]
    );
    // Pages inside a section have a trail; a section under home has none.
    assert!(
        json_ld(&f.read("output/events/one/index.html"))
            .iter()
            .any(|b| b["@type"] == "BreadcrumbList")
    );
    assert!(
        !json_ld(&f.read("output/news/index.html"))
            .iter()
            .any(|b| b["@type"] == "BreadcrumbList")
    );
}

#[test]
fn an_alias_redirects_its_old_url_to_the_live_page() {
    let f = site();
    f.page(
        "news/a.md",
        "title: A\ndate: 2024-01-02\naliases: [old/story/, old.html, /older]",
        "Story A.\n",
    );
    f.build();
    for file in ["old/story/index.html", "old.html", "older/index.html"] {
        let html = Html::parse_document(&f.read(&format!("output/{file}")));
        let attr = |css: &str, name: &str| {
            let sel = Selector::parse(css).unwrap();
            let el = html
                .select(&sel)
                .next()
                .unwrap_or_else(|| panic!("{file}: no {css}"));
            el.value().attr(name).unwrap().to_string()
        };
        assert_eq!(
            attr("meta[http-equiv=refresh]", "content"),
            "0; url=/sub/news/a/",
            "{file}"
        );
        assert_eq!(
            attr("link[rel=canonical]", "href"),
            format!("{BASE}news/a/"),
            "{file}"
        );
        assert_eq!(attr("a", "href"), "/sub/news/a/", "{file}");
    }
    // Not pages of their own: the sitemap does not list them.
    assert!(!f.read("output/sitemap.xml").contains("old"));
    // A slug change moves the page; the redirect follows it.
    f.page(
        "news/a.md",
        "title: A\nslug: renamed\naliases: [old/story/]",
        "Story A.\n",
    );
    f.build();
    assert!(
        f.read("output/old/story/index.html")
            .contains("url=/sub/news/renamed/")
    );
    assert!(!f.exists("output/old.html"));
}

#[test]
fn two_claims_on_one_url_are_errors_at_the_alias() {
    let f = site();
    f.page("news/a.md", "title: A\naliases: [news/c/]", "Story A.\n");
    let err = f.build_fails();
    assert!(
        err.contains("content/news/a.md:3:11: alias `news/c/` claims /news/c/index.html, but content/news/c.md is published there"),
        "{err}"
    );
    f.page("news/a.md", "title: A\naliases: [gone/]", "Story A.\n");
    f.page("news/c.md", "title: C\naliases: [/gone/]", "Story C.\n");
    let err = f.build_fails();
    assert!(
        err.contains("alias `/gone/` claims /gone/index.html, but the alias `gone/` in content/news/a.md claims it too"),
        "{err}"
    );
    // news/c.md with these aliases fails with each of these errors.
    let fails = |aliases: &str, errors: &[&str]| {
        f.page(
            "news/c.md",
            &format!("title: C\naliases: {aliases}"),
            "Story C.\n",
        );
        let err = f.build_fails();
        for expected in errors {
            assert!(err.contains(expected), "missing: {expected}\n{err}");
        }
    };
    fails(
        "[../../etc/passwd]",
        &["content/news/c.md:3:11: invalid alias `../../etc/passwd`"],
    );
    // The site's own files are taken, and so is a folder where one is written.
    fails(
        "[404.html, atom.xml]",
        &[
            "content/news/c.md:3:11: alias `404.html` claims /404.html, but the site writes its own /404.html",
            "alias `atom.xml` claims /atom.xml/index.html, but the site writes its own /atom.xml",
        ],
    );
    // Nor may an alias need a page's file, or another alias's, as a folder
    // (before, the build stopped on writing it: "File exists").
    fails(
        "[news/a/index.html/, later/, later/index.html/x/]",
        &[
            "content/news/c.md:3:11: alias `news/a/index.html/` claims /news/a/index.html/index.html, but content/news/a.md is published at /news/a/index.html, where this needs a folder",
            "alias `later/index.html/x/` claims /later/index.html/x/index.html, but the alias `later/` in content/news/c.md claims /later/index.html, and one of them needs the other's path as a folder",
        ],
    );
    // In either order.
    fails(
        "[later/index.html/x/, later/]",
        &[
            "alias `later/` claims /later/index.html, but the alias `later/index.html/x/` in content/news/c.md claims /later/index.html/x/index.html, and one of them needs the other's path as a folder",
        ],
    );
}

#[test]
fn portable_output_works_opened_from_disk() {
    let f = site();
    f.page(
        "news/a.md",
        "title: A\ndate: 2024-01-02\naliases: [old/story/]",
        "Story A, see [B](b/index.md) and [home](/).\n\n## Part {#part}\n\n[Back](#part)\n",
    );
    let run = f.run(&["build", "--portable"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = f.root().join("output");
    let files: Vec<std::path::PathBuf> = walk(&out);
    let mut checked = 0;
    for file in files
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
    {
        let html = Html::parse_document(&std::fs::read_to_string(file).unwrap());
        let mut urls = Vec::new();
        for (css, attr) in [
            ("a[href]", "href"),
            ("link[href]", "href"),
            ("img[src]", "src"),
            ("script[src]", "src"),
        ] {
            let sel = Selector::parse(css).unwrap();
            for el in html.select(&sel) {
                urls.push(el.value().attr(attr).unwrap().to_string());
            }
        }
        let refresh = Selector::parse("meta[http-equiv=refresh]").unwrap();
        for el in html.select(&refresh) {
            let content = el.value().attr("content").unwrap();
            urls.push(content.split_once("url=").unwrap().1.to_string());
        }
        for url in urls {
            if url.contains("://") || url.starts_with('#') {
                continue;
            }
            let shown = file.strip_prefix(&out).unwrap().display().to_string();
            assert!(
                !url.starts_with('/'),
                "{shown}: {url} only works on a server"
            );
            let (path, fragment) = url.split_once('#').unwrap_or((&url, ""));
            // As a browser opens it from file://: a file, never a folder.
            let target = file.parent().unwrap().join(path);
            assert!(target.is_file(), "{shown}: {url} is no file");
            if !fragment.is_empty() {
                let text = std::fs::read_to_string(&target).unwrap();
                assert!(
                    text.contains(&format!("id=\"{fragment}\"")),
                    "{shown}: {url}: no #{fragment}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} links checked");
    // Absolute URLs stay absolute where the web needs them.
    let a = f.read("output/news/a/index.html");
    assert!(
        a.contains("href=\"https://example.org/sub/news/a/\""),
        "canonical"
    );
    assert!(a.contains("href=\"../../news/b/index.html\""), "{a}");
    assert!(
        f.read("output/old/story/index.html")
            .contains("url=../../news/a/index.html")
    );
}

#[test]
fn an_alias_needs_the_themes_redirect_template() {
    // The fixture's own theme has no alias.html.
    let f = Fixture::new();
    f.page("a.md", "title: A\naliases: [old/]", "Story A.\n");
    let err = f.build_fails();
    assert!(
        err.contains("content/a.md: template `alias.html` not found in the theme or templates/"),
        "{err}"
    );
    f.write(
        "templates/alias.html",
        "<a href=\"{{ page.url }}\">moved</a>",
    );
    f.build();
    assert_eq!(f.read("output/old/index.html"), "<a href=\"/a/\">moved</a>");
}

#[test]
fn a_relative_share_image_in_site_yaml_is_an_error() {
    let f = site();
    f.write(
        "site.yaml",
        "title: T\nbase_url: https://example.org/sub\nimage: share.png\n",
    );
    let err = f.build_fails();
    assert!(
        err.contains(
            "site.yaml: share image `share.png`: leaves content/ or is relative in site.yaml"
        ),
        "{err}"
    );
}

#[test]
fn minify_shrinks_pages_and_stylesheets_and_keeps_what_they_hold() {
    let f = site();
    f.page(
        "news/d.md",
        "title: D </script>\ndate: 2024-02-03",
        "Some *text* and [a link](a.md).\n\n```\n  indented\n    code\n```\n",
    );
    f.build();
    let plain = f.read("output/news/d/index.html");
    let plain_css = f.read("output/style.css");
    f.write(
        "site.yaml",
        "title: Publish & share\nbase_url: https://example.org/sub\ndescription: A test site.\nauthor: The desk\nimage: /share.png\nminify: true\n",
    );
    f.write("static/broken.css", "a { color: red; }\n}} @media {\n");
    let run = f.build();
    let min = f.read("output/news/d/index.html");
    assert!(
        min.len() * 100 < plain.len() * 95,
        "{} → {}",
        plain.len(),
        min.len()
    );
    assert!(f.read("output/style.css").len() * 100 < plain_css.len() * 90);
    // What the page holds is the same: code as written, links, the JSON-LD.
    assert!(
        min.contains("<pre><code>  indented\n    code\n</code></pre>"),
        "{min}"
    );
    let links = |html: &str| {
        let doc = scraper::Html::parse_document(html);
        let sel = scraper::Selector::parse("a[href], link[href], img[src]").unwrap();
        doc.select(&sel)
            .map(|e| {
                e.value()
                    .attr("href")
                    .or(e.value().attr("src"))
                    .unwrap()
                    .to_string()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(links(&min), links(&plain));
    assert_eq!(json_ld(&min), json_ld(&plain));
    assert!(
        !min.contains("</script>\",") && min.contains("D \\u003c/script\\u003e"),
        "{min}"
    );
    // Feeds and sitemaps are not pages: left as they are.
    assert!(f.read("output/sitemap.xml").contains("\n"));
    // A stylesheet the minifier cannot read is copied as it is, with a warning.
    assert_eq!(
        f.read("output/broken.css"),
        "a { color: red; }\n}} @media {\n"
    );
    assert!(
        run.stderr.contains("static/broken.css:")
            && run.stderr.contains("copied as it is, not minified"),
        "{}",
        run.stderr
    );
}
