//! The built explainer in a real browser and a real validator: runs
//! tests/browser/pages.test.mjs (headless Chromium from Debian + axe-core:
//! console errors, failed or third-party requests, landmarks, sideways
//! scrolling at 375 px, serious or critical accessibility violations, with
//! screenshots in target/screenshots/), tests/browser/popovers.test.mjs
//! (citation popovers by mouse and keyboard with JavaScript off, axe with one
//! open) and tests/browser/vnu.test.mjs (the Nu
//! HTML Checker on every page, and on a new skeleton). Where Chromium, Java,
//! Node or the npm packages are missing it is skipped with a note, except
//! under CI (`CI` set), where a skip would hide a regression: it fails.

mod site_common;

use site_common::BIN;
use std::path::{Path, PathBuf};
use std::process::Command;

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

fn chromium() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

/// What the Node tests need and this machine lacks; empty when all is there.
fn missing(needs_chromium: bool) -> Vec<&'static str> {
    let runs = |cmd: &str, arg: &str| Command::new(cmd).arg(arg).output().is_ok();
    let modules = browser_dir().join("node_modules");
    [
        (needs_chromium && !Path::new(&chromium()).exists())
            .then_some("Chromium (apt-get install chromium)"),
        (!runs("node", "--version")).then_some("Node.js"),
        (!needs_chromium && !runs("java", "-version")).then_some("Java (default-jre-headless)"),
        (!modules.join("playwright-core").is_dir()
            || !modules.join("axe-core").is_dir()
            || !modules.join("vnu-jar").is_dir())
        .then_some("the npm packages (npm ci in tests/browser)"),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// True when the test can run; a note (or, under CI, a failure) otherwise.
fn ready(needs_chromium: bool) -> bool {
    let missing = missing(needs_chromium);
    if missing.is_empty() {
        return true;
    }
    let note = format!("needs {}", missing.join(", "));
    if std::env::var_os("CI").is_some() {
        panic!("{note}; CI must run it, so it fails rather than skips");
    }
    eprintln!("skipped: {note}");
    false
}

/// Runs one Node test file against the repository's site, built once under
/// /sub/ (by `site_common`) for both Node tests.
fn node_test(file: &str) {
    node_test_with(file, &[]);
}

fn node_test_with(file: &str, env: &[(&str, &Path)]) {
    let out = Command::new("node")
        .args(["--test", "--test-reporter=spec", file])
        .current_dir(browser_dir())
        .env("DOSSIER_BIN", BIN)
        .env("DOSSIER_SITE_DIR", &site_common::site().out)
        .env("DOSSIER_BASE_PATH", site_common::BASE)
        .env("CHROMIUM", chromium())
        .env(
            "DOSSIER_SCREENSHOTS",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots"),
        )
        .envs(env.iter().map(|(k, v)| (*k, *v)))
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{file} failed:\n{stdout}\n{stderr}");
}

#[test]
fn every_page_loads_cleanly_and_passes_axe_in_chromium() {
    if ready(true) {
        node_test("pages.test.mjs");
    }
}

#[test]
fn citation_popovers_open_in_place_without_javascript() {
    if ready(true) {
        node_test("popovers.test.mjs");
    }
}

#[test]
fn a_query_in_the_search_box_finds_its_page_in_chromium() {
    if ready(true) {
        node_test("search.test.mjs");
    }
}

#[test]
fn every_page_is_valid_html() {
    if ready(false) {
        node_test("vnu.test.mjs");
    }
}

/// The repository's site built into `name` under the target's temp folder
/// with `flags`.
fn build_with(name: &str, flags: &[&str]) -> PathBuf {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&out);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = Command::new(BIN)
        .arg("build")
        .args(flags)
        .arg("--root")
        .arg(root)
        .arg("--output")
        .arg(&out)
        .output()
        .expect("run dossier build");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    out
}

#[test]
fn a_minified_build_shows_the_same_pages_in_chromium() {
    if ready(true) {
        let base_url = format!("http://127.0.0.1{}", site_common::BASE);
        let out = build_with("built-minified", &["--minify", "--base-url", &base_url]);
        node_test_with("minify.test.mjs", &[("DOSSIER_MINIFIED_DIR", &out)]);
    }
}

#[test]
fn the_portable_build_works_opened_from_disk_in_chromium() {
    if ready(true) {
        let out = build_with("built-portable", &["--portable"]);
        node_test_with("portable.test.mjs", &[("DOSSIER_PORTABLE_DIR", &out)]);
    }
}
