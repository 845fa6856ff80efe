//! `dossier watch` in a real browser: runs tests/browser/watch.test.mjs
//! (node:test + playwright-core + Debian's Chromium). Where Chromium or the
//! Node packages are missing it is skipped with a note, except under CI
//! (`CI` set), where a skip would hide a regression: there it fails.

use std::path::Path;
use std::process::Command;

#[test]
fn live_reload_and_error_overlay_work_in_chromium() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let browser_dir = repo.join("tests/browser");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let missing: Vec<&str> = [
        (!Path::new(&chromium).exists()).then_some("Chromium (apt-get install chromium)"),
        (!browser_dir.join("node_modules/playwright-core").is_dir())
            .then_some("playwright-core (npm ci in tests/browser)"),
        Command::new("node")
            .arg("--version")
            .output()
            .is_err()
            .then_some("Node.js"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !missing.is_empty() {
        let note = format!("browser test needs {}", missing.join(", "));
        if std::env::var_os("CI").is_some() {
            panic!("{note}; CI must run it, so it fails rather than skips");
        }
        eprintln!("skipped: {note}");
        return;
    }
    let out = Command::new("node")
        .args(["--test", "--test-reporter=spec", "watch.test.mjs"])
        .current_dir(&browser_dir)
        .env("DOSSIER_BIN", env!("CARGO_BIN_EXE_dossier"))
        // What a copy of the site needs: site.yaml and the folders a build reads.
        .env(
            "DOSSIER_SITE_PARTS",
            [dossier::config::CONFIG_FILE]
                .into_iter()
                .chain(dossier::files::SITE_DIRS)
                .collect::<Vec<_>>()
                .join(","),
        )
        .env("CHROMIUM", &chromium)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser test failed:\n{stdout}\n{stderr}"
    );
}
