//! Data files: `load_data` in templates reads YAML, JSON, TOML and CSV
//! under data/; a syntax error is an error at its line; a rebuild after a
//! data file changes renders exactly the pages that loaded it.

mod fixture;

use dossier::pipeline;
use fixture::Fixture;

const TABLE: &str = r#"{% extends "base.html" %}{% block main %}{% set d = load_data(path=page.extra.data) %}<table>{% for r in d.rows %}<tr><td>{{ r.name }}</td><td>{{ r.sources | join(sep=",") }}</td></tr>{% endfor %}</table>{% endblock main %}"#;

const CSV: &str = r#"{% extends "base.html" %}{% block main %}{% set d = load_data(path="people.csv") %}<table><tr>{% for h in d.headers %}<th>{{ h }}</th>{% endfor %}</tr>{% for r in d.records %}<tr>{% for c in r %}<td>{{ c }}</td>{% endfor %}</tr>{% endfor %}</table>{% endblock main %}"#;

fn site() -> Fixture {
    let f = Fixture::new();
    f.write("templates/table.html", TABLE);
    f.write("templates/people.html", CSV);
    f.write(
        "data/a.yaml",
        "rows:\n  - name: Apple\n    sources: [x, y]\n",
    );
    f.write(
        "data/b.json",
        r#"{"rows": [{"name": "Alibaba", "sources": ["z"]}]}"#,
    );
    f.write(
        "data/nested/c.toml",
        "[[rows]]\nname = \"TikTok\"\nsources = [\"w\"]\n",
    );
    f.write(
        "data/people.csv",
        "name,role\nTim Cook,Apple\n\"Wu, Yongming\",Alibaba\n",
    );
    for (page, data) in [("a", "a.yaml"), ("b", "b.json"), ("c", "nested/c.toml")] {
        f.page(
            &format!("{page}.md"),
            &format!("title: {page}\ntemplate: table.html\nextra:\n  data: {data}"),
            "",
        );
    }
    f.page("people.md", "title: People\ntemplate: people.html", "");
    f.page("plain.md", "title: Plain", "No data.\n");
    f
}

#[test]
fn templates_load_every_format() {
    let f = site();
    f.build();
    assert!(
        f.read("output/a/index.html")
            .contains("<tr><td>Apple</td><td>x,y</td></tr>")
    );
    assert!(
        f.read("output/b/index.html")
            .contains("<tr><td>Alibaba</td><td>z</td></tr>")
    );
    assert!(
        f.read("output/c/index.html")
            .contains("<tr><td>TikTok</td><td>w</td></tr>")
    );
    let people = f.read("output/people/index.html");
    assert!(
        people.contains("<tr><th>name</th><th>role</th></tr>"),
        "{people}"
    );
    assert!(
        people.contains("<tr><td>Wu, Yongming</td><td>Alibaba</td></tr>"),
        "{people}"
    );
    // Data files are read, not published.
    assert!(!f.exists("output/data"));
}

#[test]
fn a_syntax_error_in_a_data_file_is_an_error_at_its_line() {
    let f = site();
    f.write("data/a.yaml", "rows:\n  - name: [Apple\n");
    f.write("data/b.json", "{\n  \"rows\": [1,,]\n}");
    let err = f.build_fails();
    assert!(err.contains("data/a.yaml:2:11: unclosed bracket"), "{err}");
    assert!(err.contains("data/b.json:2:14: invalid JSON"), "{err}");
    f.write("data/a.yaml", "rows: []\n");
    f.write("data/b.json", "{\"rows\": []}");
    f.page(
        "d.md",
        "title: d\ntemplate: table.html\nextra:\n  data: missing.yaml",
        "",
    );
    let err = f.build_fails();
    assert!(err.contains("no data file data/missing.yaml"), "{err}");
}

#[test]
fn a_changed_data_file_renders_again_exactly_the_pages_that_loaded_it() {
    let f = site();
    let first = pipeline::build(&f.options()).unwrap();
    f.write(
        "data/b.json",
        r#"{"rows": [{"name": "Alibaba Group", "sources": ["z"]}]}"#,
    );
    let second = f.rebuild(&first, &["data/b.json"], false);
    assert_eq!(second.rendered, 1, "only the page that loaded data/b.json");
    let clean = pipeline::build(&f.options()).unwrap();
    let bytes =
        |b: &pipeline::Built, rel: &str| b.plan.get(rel).unwrap().bytes().unwrap().into_owned();
    assert_eq!(
        bytes(&second, "b/index.html"),
        bytes(&clean, "b/index.html")
    );
    assert!(
        String::from_utf8(bytes(&second, "b/index.html"))
            .unwrap()
            .contains("Alibaba Group")
    );
}
