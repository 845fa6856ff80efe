//! Input meant to break a build gets a clear error where it is, or a
//! bounded result: never a panic, a hang or memory without end.

mod fixture;

use fixture::Fixture;
use std::time::{Duration, Instant};

/// `dossier build` under a time limit; (exit code, stderr).
fn build_within(f: &Fixture, limit: Duration) -> (i32, String) {
    let start = Instant::now();
    let run = f.run(&["build"]);
    assert!(start.elapsed() < limit, "took {:?}", start.elapsed());
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    (run.code, run.stderr)
}

/// `dossier build` and its peak memory in bytes (the resident set the
/// kernel counted for the child); (exit code, stderr, peak).
#[allow(clippy::zombie_processes)] // reaped by wait4, which reports its memory
fn build_measured(f: &Fixture) -> (i32, String, u64) {
    use std::io::Read;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dossier"))
        .arg("build")
        .current_dir(f.root())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run dossier");
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        stderr.read_to_string(&mut text).unwrap();
        text
    });
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: plain out-parameters; the child is ours and not waited for elsewhere.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::wait4(pid, &mut status, 0, &mut usage) }, pid);
    let code = match libc::WIFEXITED(status) {
        true => libc::WEXITSTATUS(status),
        false => -1,
    };
    let stderr = reader.join().unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (code, stderr, usage.ru_maxrss as u64 * 1024)
}

const MB: u64 = 1024 * 1024;

#[test]
fn a_site_yaml_that_is_a_list_is_an_error_at_its_first_line() {
    let f = Fixture::new();
    f.write("site.yaml", "- title: x\n- base_url: /\n");
    let (code, err) = build_within(&f, Duration::from_secs(20));
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "site.yaml:1:1: expected `key: value` lines here, not a list or a single value"
        ),
        "{err}"
    );
}

#[test]
fn a_yaml_alias_bomb_is_an_error_not_a_flood() {
    let f = Fixture::new();
    let mut yaml = String::from("title: Bomb\nextra:\n  a: &a [x, x, x, x, x, x, x, x, x]\n");
    for (i, c) in "bcdefghi".chars().enumerate() {
        let p = (b'a' + i as u8) as char;
        yaml.push_str(&format!(
            "  {c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        ));
    }
    f.page("bomb.md", yaml.trim_end(), "Body.\n");
    let (code, err) = build_within(&f, Duration::from_secs(20));
    assert_eq!(code, 1);
    assert!(
        err.contains("content/bomb.md:") && err.contains("too much YAML to read"),
        "{err}"
    );
}

#[test]
fn templates_in_a_circle_are_an_error_naming_them() {
    let f = Fixture::new();
    f.write(
        "templates/page.html",
        "<main>{{ page.content | safe }}</main>\n{% include \"page.html\" %}",
    );
    f.page("a.md", "title: A", "Text.\n");
    let (code, err) = build_within(&f, Duration::from_secs(20));
    assert_eq!(code, 1);
    assert!(
        err.contains("templates/page.html:2: templates that include or extend each other in a circle: page.html → page.html"),
        "{err}"
    );
}

#[test]
fn deeply_nested_markdown_and_a_large_page_build_in_bounded_time_and_memory() {
    let f = Fixture::new();
    let deep = format!(
        "{} deep\n\n{}x\n\n{}\n",
        ">".repeat(5000),
        "- ".repeat(3000),
        "[".repeat(5000)
    );
    f.page("deep.md", "title: Deep", &deep);
    // Eight megabytes of prose in one page, thousands of links in it (a
    // quadratic step shows as minutes here; 50 MB takes 3.6 s and 1 GB in
    // release).
    let paragraph =
        "A sentence with *emphasis*, a [link](deep.md) and `code`. ".repeat(20) + "\n\n";
    let large = paragraph.repeat(8 * MB as usize / paragraph.len());
    f.page("large.md", "title: Large", &large);
    let start = Instant::now();
    let (code, err, peak) = build_measured(&f);
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(code, 0, "{err}");
    assert!(f.read("output/large/index.html").len() > 8 * MB as usize);
    // The page's text, its HTML (half as long again) and pulldown-cmark's
    // tree of it (14 times the text, in the crate alone): 233 MB here. Not
    // also every event of the page at once (395 MB).
    assert!(peak < 280 * MB, "peak memory {} MB", peak / MB);
}

#[test]
fn many_tiny_pages_build_in_bounded_time_and_memory() {
    // The short version of 100,000 (10 s and 500 MB in release): 20,000
    // pages in one section, whose listing names them all.
    const PAGES: usize = 20_000;
    let f = Fixture::new();
    for i in 0..PAGES {
        f.page(
            &format!("notes/n{i}.md"),
            &format!("title: Note {i}"),
            &format!("x{i}\n"),
        );
    }
    f.page("notes/_index.md", "title: Notes", "All notes.\n");
    let start = Instant::now();
    let (code, err, peak) = build_measured(&f);
    let took = start.elapsed();
    assert_eq!(code, 0, "{err}");
    assert!(took < Duration::from_secs(120), "took {took:?}");
    let listing = f.read("output/notes/index.html");
    assert_eq!(listing.matches("<li>Note ").count(), PAGES);
    assert!(f.read("output/notes/n19999/index.html").contains("x19999"));
    assert!(peak < 400 * MB, "peak memory {} MB", peak / MB);
    eprintln!("{PAGES} pages: {took:?}, peak memory {} MB", peak / MB);
}

#[test]
fn symlink_loops_and_odd_file_names_do_not_hang_or_crash() {
    let f = Fixture::new();
    f.page("a.md", "title: A", "Text.\n");
    std::os::unix::fs::symlink("..", f.path("content/up")).unwrap();
    std::os::unix::fs::symlink(".", f.path("content/self")).unwrap();
    std::os::unix::fs::symlink("nowhere", f.path("content/dangling.md")).unwrap();
    // A file name that is not UTF-8.
    let odd = std::ffi::OsStr::from_bytes(b"odd\xff.md");
    std::fs::write(f.path("content").join(odd), "---\ntitle: Odd\n---\nx\n").unwrap();
    let (code, err) = build_within(&f, Duration::from_secs(20));
    // The links are not followed, each with a warning; the pages are built.
    assert_eq!(code, 0, "{err}");
    assert!(f.exists("output/a/index.html") && !f.exists("output/up"));
    for link in ["content/up", "content/self", "content/dangling.md"] {
        let warning = format!("{link}: warning: a symbolic link, not followed");
        assert!(err.contains(&warning), "missing: {warning}\n{err}");
    }
}

#[test]
fn unreadable_files_are_errors_naming_them_and_the_output_stays() {
    let f = Fixture::new();
    f.page("a.md", "title: A", "Text.\n");
    f.write("static/open.css", "a{}");
    f.build();
    let before = fixture::snapshot(&f.path("output"));
    let mode = |rel: &str, mode: u32| {
        std::fs::set_permissions(f.path(rel), std::fs::Permissions::from_mode(mode)).unwrap()
    };
    let nothing_left_beside = || assert_eq!(f.leftovers(), Vec::<String>::new());
    // A page, a folder of pages and a template: every one reported at once.
    f.page("secret.md", "title: Secret", "Hidden.\n");
    f.page("private/b.md", "title: B", "Hidden.\n");
    f.write("themes/t/templates/extra.html", "x");
    mode("content/secret.md", 0o000);
    mode("content/private", 0o000);
    mode("themes/t/templates/extra.html", 0o000);
    let run = f.run_as_author(&["build"]);
    mode("content/private", 0o755); // so that the fixture can be removed
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    for path in [
        "content/secret.md",
        "content/private",
        "themes/t/templates/extra.html",
    ] {
        let error = format!(
            "{path}: cannot read: Permission denied (os error 13); make it readable by the user running dossier (chmod u+r) or move it out of the site"
        );
        assert!(
            run.stderr.contains(&error),
            "missing: {error}\n{}",
            run.stderr
        );
    }
    assert_eq!(fixture::snapshot(&f.path("output")), before);
    nothing_left_beside();

    // A static file is read only when the output is put together: the
    // error names it, not the output folder, and the output stays too.
    for rel in [
        "content/secret.md",
        "content/private/b.md",
        "themes/t/templates/extra.html",
    ] {
        f.remove(rel);
    }
    f.write("static/locked.css", "b{}");
    mode("static/locked.css", 0o000);
    let run = f.run_as_author(&["build"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "static/locked.css: cannot read: Permission denied (os error 13); make it readable"
        ),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("cannot write"), "{}", run.stderr);
    assert_eq!(fixture::snapshot(&f.path("output")), before);
    nothing_left_beside();
}

use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;

/// Files rewritten, deleted and put back by another program while builds
/// run: each build ends with a whole new output, or with an error naming a
/// file and the previous output as it was; nothing is left beside it; and
/// once the churn stops, a build equals a clean build.
#[test]
fn files_that_change_or_vanish_mid_build_give_a_clear_error_or_a_whole_build() {
    use std::sync::atomic::{AtomicU8, Ordering};
    const PAGES: usize = 1500;
    const STYLES: usize = 40;
    // What the churn touches during each build: pages and static files,
    // static files only (read last, when the output is put together), or
    // nothing; then it stops.
    const ALL: u8 = 0;
    const STATIC: u8 = 1;
    const QUIET: u8 = 2;
    const STOP: u8 = 3;
    let f = Fixture::new();
    let page = |i: usize, round: usize| {
        (
            format!("content/p/{i}.md"),
            format!(
                "---\ntitle: Page {i}\n---\nRound {round} of page {i}, *emphasis* and a [home link](/).\n"
            ),
        )
    };
    for i in 0..PAGES {
        let (rel, text) = page(i, 0);
        f.write(&rel, &text);
    }
    for j in 0..STYLES {
        f.write(&format!("static/s{j}.css"), &format!("p{{margin:{j}px}}"));
    }
    f.build();
    let mode = AtomicU8::new(QUIET);
    std::thread::scope(|scope| {
        let churn = scope.spawn(|| {
            let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
            let mut next = || {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed as usize
            };
            let mut ops = 0;
            loop {
                let (rel, text) = match mode.load(Ordering::Relaxed) {
                    STOP => return ops,
                    QUIET => {
                        std::thread::sleep(Duration::from_millis(1));
                        continue;
                    }
                    ALL if next() % 4 != 0 => page(next() % PAGES, ops),
                    _ => (
                        format!("static/s{}.css", next() % STYLES),
                        format!("p{{}}/*{ops}*/"),
                    ),
                };
                match next() % 3 {
                    0 => {
                        let _ = std::fs::remove_file(f.path(&rel));
                    }
                    _ => f.write(&rel, &text),
                }
                ops += 1;
                if ops % 20 == 0 {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        });
        let mut outcomes = Vec::new();
        for during in [ALL, STATIC, QUIET, ALL, STATIC, QUIET] {
            mode.store(during, Ordering::Relaxed);
            let before = fixture::snapshot(&f.path("output"));
            let run = f.run(&["build"]);
            mode.store(QUIET, Ordering::Relaxed);
            assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
            outcomes.push(run.code);
            match run.code {
                0 => assert!(f.exists("output/.dossier-output")),
                1 if during != QUIET => {
                    let errors = run
                        .stderr
                        .lines()
                        .filter(|l| !l.starts_with("error: build failed"));
                    for line in errors {
                        assert!(
                            line.starts_with("content/") || line.starts_with("static/"),
                            "an error that names no file: {line}\n{}",
                            run.stderr
                        );
                    }
                    assert!(
                        fixture::snapshot(&f.path("output")) == before,
                        "a failed build changed the output"
                    );
                }
                code => panic!("exit code {code}: {}", run.stderr),
            }
            assert_eq!(
                f.leftovers(),
                Vec::<String>::new(),
                "left beside the output"
            );
        }
        mode.store(STOP, Ordering::Relaxed);
        let ops = churn.join().unwrap();
        eprintln!("{ops} changes during builds ending {outcomes:?}");
        assert!(ops > 100, "the churn hardly ran: {ops} changes");
    });
    let run = f.run(&["build", "--output", "clean"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        fixture::snapshot(&f.path("output")) == fixture::snapshot(&f.path("clean")),
        "the last build differs from a clean build"
    );
}
