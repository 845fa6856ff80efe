//! A build that takes more than about half a second shows its progress on
//! a terminal, and nothing of it when stderr is not a terminal.

mod fixture;

use fixture::Fixture;
use std::process::Command;
use std::time::Instant;

/// Pages `from..to` added to `f`.
fn add_pages(f: &Fixture, from: usize, to: usize) {
    for i in from..to {
        f.page(
            &format!("s{}/p{i:05}.md", i % 4),
            &format!("title: Page {i}"),
            &format!("## Part one\n\n{}\n", "Words and more words. ".repeat(60)),
        );
    }
}

#[test]
fn a_long_build_shows_progress_on_a_terminal_only() {
    let f = Fixture::new();
    // Not a terminal: the summary line alone. The site grows until its
    // build takes longer than the progress delay (half a second) with room
    // to spare, however fast the build (and the machine) is.
    let mut pages = 6000;
    add_pages(&f, 0, pages);
    let run = loop {
        let start = Instant::now();
        let run = f.build();
        let took = start.elapsed();
        if took.as_millis() > 800 {
            break run;
        }
        assert!(pages < 100_000, "{pages} pages built in {took:?}");
        add_pages(&f, pages, pages * 2);
        pages *= 2;
    };
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
        let all = format!("/{} pages", pages + 1);
        assert!(drawn[at..].contains(&all), "{drawn}");
    }
    // The bar is cleared; the summary line is last.
    let summary = (drawn.rfind(&format!("Built {pages} pages"))).expect("the summary line");
    assert!(!drawn[summary..].contains("rendering"), "{drawn}");
}
