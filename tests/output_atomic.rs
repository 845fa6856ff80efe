//! The output folder is replaced in one step: a build prepares the new
//! output beside the old one, links the files that did not change, and
//! swaps it in. A build killed at any moment leaves the old output or the
//! new one, never a mix, and the next run removes what the kill left.

mod fixture;

use fixture::{Fixture, snapshot};
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `count` pages, each holding `version`, so every page changes with it.
fn pages(f: &Fixture, count: usize, version: &str) {
    for i in 0..count {
        f.page(
            &format!("s{}/p{i:04}.md", i % 8),
            &format!("title: Page {i}"),
            &format!("{version} {}\n", "Words and more words. ".repeat(40)),
        );
    }
}

/// No scratch file or folder of a build is left beside the output or in it.
fn nothing_left_beside_or_inside(f: &Fixture) {
    assert_eq!(f.leftovers(), Vec::<String>::new());
    let inside: Vec<String> = snapshot(&f.path("output"))
        .into_keys()
        .filter(|k| k.contains("dossier-") && k != ".dossier-output")
        .collect();
    assert_eq!(inside, Vec::<String>::new());
}

#[test]
fn unchanged_files_are_linked_and_nothing_is_left_beside_or_inside() {
    let f = Fixture::new();
    pages(&f, 20, "one");
    f.page("steady.md", "title: Steady", "Never edited.\n");
    f.build();
    let inode = |rel: &str| std::fs::metadata(f.path(rel)).unwrap().ino();
    let steady = inode("output/steady/index.html");
    let edited = inode("output/s1/p0001/index.html");
    f.page("s1/p0001.md", "title: Page 1", "Edited.\n");
    let run = f.build();
    assert!(run.stdout.contains("1 files written"), "{}", run.stdout);
    // The same file, linked into the new output, not a copy.
    assert_eq!(inode("output/steady/index.html"), steady);
    assert_ne!(inode("output/s1/p0001/index.html"), edited);
    assert!(f.read("output/s1/p0001/index.html").contains("Edited."));
    nothing_left_beside_or_inside(&f);
}

#[test]
fn a_site_file_written_as_it_renders_is_linked_when_unchanged() {
    let f = Fixture::new();
    pages(&f, 20, "one");
    // Large (each page listed a thousand times, over 300 KiB): written to
    // its file as it renders, never whole in memory.
    f.write(
        "templates/sitemap.xml",
        "{% for i in range(end=1000) %}{% for p in pages %}{{ p.url }} {{ p.title }}\n{% endfor %}{% endfor %}",
    );
    f.build();
    let inode = |rel: &str| std::fs::metadata(f.path(rel)).unwrap().ino();
    let sitemap = inode("output/sitemap.xml");
    let before = f.read("output/sitemap.xml");
    assert!(before.len() > 300 << 10, "{}", before.len());
    assert!(before.contains("/s1/p0001/ Page 1\n"));
    // A body changes, not what the sitemap lists: the same file, linked.
    f.page("s1/p0001.md", "title: Page 1", "Edited.\n");
    let run = f.build();
    assert!(run.stdout.contains("1 files written"), "{}", run.stdout);
    assert_eq!(inode("output/sitemap.xml"), sitemap);
    assert_eq!(f.read("output/sitemap.xml"), before);
    // A title changes: written anew.
    f.page("s1/p0001.md", "title: Renamed", "Edited.\n");
    f.build();
    assert_ne!(inode("output/sitemap.xml"), sitemap);
    let after = f.read("output/sitemap.xml");
    assert_eq!(after, before.replace("Page 1\n", "Renamed\n"));
    nothing_left_beside_or_inside(&f);
}

#[test]
fn a_failed_build_leaves_the_output_as_it_was() {
    let f = Fixture::new();
    pages(&f, 10, "one");
    f.build();
    let before = snapshot(&f.path("output"));
    pages(&f, 10, "two");
    f.page("broken.md", "title: [unclosed", "x\n");
    f.build_fails();
    assert_eq!(snapshot(&f.path("output")), before);
    assert_eq!(f.leftovers(), Vec::<String>::new());
}

/// Start `dossier build` and kill it (SIGKILL) after `after`.
fn build_killed(root: &Path, after: Duration) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dossier"))
        .arg("build")
        .current_dir(root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(after);
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_build_killed_at_any_moment_leaves_the_old_output_or_the_new_one() {
    let f = Fixture::new();
    let count = 600;
    pages(&f, count, "one");
    f.build();
    let one = snapshot(&f.path("output"));
    pages(&f, count, "two");
    let start = Instant::now();
    f.build();
    let mut took = start.elapsed();
    let two = snapshot(&f.path("output"));
    assert_ne!(one, two);
    let mut outcomes: BTreeMap<&str, usize> = BTreeMap::new();
    // Kills every eighth of a build's time from its start, until two land
    // after the swap (a loaded machine builds slower than the first build).
    // A build's time is the shortest seen so far: the other tests of this
    // file load the machine while the first builds run, then end.
    for i in 0..48u32 {
        if outcomes.get("new").is_some_and(|&n| n >= 2) {
            break;
        }
        // Back to the first output (a build as long as the one killed),
        // then the second build, killed.
        pages(&f, count, "one");
        let start = Instant::now();
        f.build();
        took = took.min(start.elapsed());
        assert_eq!(snapshot(&f.path("output")), one);
        pages(&f, count, "two");
        let after = took / 8 * i;
        build_killed(f.root(), after);
        let now = snapshot(&f.path("output"));
        let outcome = if now == one {
            "old"
        } else if now == two {
            "new"
        } else {
            let differ: Vec<&String> = two
                .keys()
                .filter(|k| now.get(*k) != two.get(*k))
                .take(5)
                .collect();
            panic!(
                "killed after {after:?} of {took:?}: the output is a mix of two builds (e.g. {differ:?})"
            );
        };
        *outcomes.entry(outcome).or_default() += 1;
        // The next run clears what the kill left and finishes the job.
        f.build();
        assert_eq!(snapshot(&f.path("output")), two);
        assert_eq!(f.leftovers(), Vec::<String>::new());
    }
    // The kills landed both before and after the swap.
    assert!(outcomes.get("old").is_some_and(|&n| n >= 4), "{outcomes:?}");
    assert!(outcomes.get("new").is_some_and(|&n| n >= 2), "{outcomes:?}");
}
