//! `dossier new DIR`: a skeleton that builds as it is, with one page of each
//! kind showing its front matter, citations and an "accounts differ" box;
//! and a refusal to write into a folder that already holds something.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_dossier");

fn dossier(args: &[&str], dir: &Path) -> Output {
    Command::new(BIN)
        .args(args)
        .arg(dir)
        .output()
        .expect("run dossier")
}

fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path.as_ref())
        .unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

#[test]
fn new_site_builds_as_is_with_every_kind_of_page() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("story");
    let made = dossier(&["new"], &dir);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );

    let built = dossier(&["build", "--root"], &dir);
    let stderr = String::from_utf8_lossy(&built.stderr);
    assert!(built.status.success(), "{stderr}");
    assert!(
        !stderr.contains("warning"),
        "the skeleton should build without warnings:\n{stderr}"
    );

    let out = dir.join("output");
    for page in [
        "index.html",
        "topic/index.html",
        "timeline/index.html",
        "timeline/first-event/index.html",
        "players/index.html",
        "players/example-player/index.html",
        "sources/index.html",
        "sources/example-report/index.html",
        "glossary/index.html",
        "glossary/example-term/index.html",
        "404.html",
        "style.css",
    ] {
        assert!(
            out.join(page).is_file(),
            "no {page} in the new site's output"
        );
    }
    let topic = read(out.join("topic/index.html"));
    assert!(
        topic.contains("class=\"citation\""),
        "the topic page shows no citation"
    );
    assert!(
        topic.contains("id=\"ref-1\""),
        "the topic page has no reference list"
    );
    assert!(
        topic.contains("class=\"disputed\""),
        "the topic page shows no accounts-differ box"
    );
    let event = read(out.join("timeline/index.html"));
    assert!(
        event.contains("<time datetime=\"2025-01\">"),
        "the timeline shows no dated event"
    );
    let source = read(out.join("sources/example-report/index.html"));
    assert!(
        source.contains("Cited on"),
        "the source page does not list where it is cited"
    );
}

#[test]
fn every_example_file_shows_its_front_matter_and_a_citation() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("story");
    assert!(dossier(&["new"], &dir).status.success());
    for file in [
        "content/_index.md",
        "content/topic.md",
        "content/timeline/first-event.md",
        "content/players/example-player.md",
        "content/glossary/example-term.md",
        "content/sources/example-report.md",
    ] {
        let text = read(dir.join(file));
        assert!(
            text.starts_with("---\n") && text.contains("\ntitle: "),
            "{file} shows no front matter"
        );
        assert!(
            text.contains("[@example-report]"),
            "{file} shows no citation"
        );
    }
    assert!(read(dir.join("content/topic.md")).contains("```disputed "));
    assert!(read(dir.join("site.yaml")).contains("base_url:"));
    assert!(dir.join("themes/explainer/templates/base.html").is_file());
}

#[test]
fn new_writes_into_an_empty_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let made = dossier(&["new"], tmp.path());
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    assert!(tmp.path().join("site.yaml").is_file());
}

#[test]
fn new_refuses_a_folder_that_is_not_empty() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("notes.md"), "my notes").unwrap();
    let refused = dossier(&["new"], tmp.path());
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("not empty"), "{stderr}");
    assert_eq!(read(tmp.path().join("notes.md")), "my notes");
    assert!(
        !tmp.path().join("site.yaml").exists(),
        "wrote into a non-empty folder"
    );
}

#[test]
fn new_refuses_a_path_that_is_a_file() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("story");
    std::fs::write(&file, "a file").unwrap();
    let refused = dossier(&["new"], &file);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not a folder"));
}

#[test]
fn new_without_a_folder_is_a_usage_error() {
    let out = Command::new(BIN).arg("new").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
