//! A build that takes more than about half a second shows its progress on
//! a terminal, and nothing of it when stderr is not a terminal.

mod fixture;

use fixture::Fixture;
use std::process::Command;
use std::time::Instant;

fn site() -> Fixture {
    let f = Fixture::new();
    for i in 0..6000 {
        f.page(
            &format!("s{}/p{i:04}.md", i % 4),
            &format!("title: Page {i}"),
            &format!("## Part one\n\n{}\n", "Words and more words. ".repeat(60)),
        );
    }
    f
}

#[test]
fn a_long_build_shows_progress_on_a_terminal_only() {
    let f = site();
    // Not a terminal: the summary line alone.
    let start = Instant::now();
    let run = f.build();
    let took = start.elapsed();
    assert!(
        took.as_millis() > 800,
        "the fixture must take longer than the progress delay; took {took:?}"
    );
    assert!(
        !run.stderr.contains('\r') && !run.stderr.contains("rendering"),
        "{}",
        run.stderr
    );
    // A terminal: `script` runs the build on a pseudo-terminal and copies
    // what it draws to its stdout.
    let command = format!(
        "{} build --root {}",
        env!("CARGO_BIN_EXE_dossier"),
        f.root().display()
    );
    let out = Command::new("script")
        .args(["-q", "-e", "-c", &command, "/dev/null"])
        .output()
        .expect("`script` (util-linux) runs the build on a terminal");
    assert!(out.status.success());
    let drawn = String::from_utf8_lossy(&out.stdout);
    // What is drawn depends on timing (at most one frame every 100 ms):
    // some stage's line, and the pages while they render when a frame
    // falls then.
    assert!(
        drawn.contains(" done") || drawn.contains("rendering ["),
        "{drawn}"
    );
    if let Some(at) = drawn.find("rendering [") {
        assert!(drawn[at..].contains("/6001 pages"), "{drawn}");
    }
    // The bar is cleared; the summary line is last.
    let summary = drawn.rfind("Built 6000 pages").expect("the summary line");
    assert!(!drawn[summary..].contains("rendering"), "{drawn}");
}
