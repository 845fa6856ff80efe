//! Watch benchmark, run by hand: `cargo bench --bench watch` (add `-- 2000`
//! for another size, `-- --no-browser` to skip Chromium, `-- --edits 5` for
//! fewer saves than 25). On a generated site (default 1,000 pages, the
//! explainer theme) it measures:
//! - cold start: `dossier watch` launched → first build written and served;
//! - edit → files written: a page's Markdown saved → its output file holds the
//!   new text (wall clock, the watcher included), the rebuild's own time and the
//!   pages it rendered again (both from the rebuild line); saves are 150 ms
//!   apart, as a person's are;
//! - edit → page reloaded: the same in headless Chromium, from the save to the
//!   open page showing the new text (benches/watch_browser.mjs);
//! - the same edit on a theme whose templates call no Tera functions, where
//!   only the pages showing the edit are rendered again.
//!
//! `-- --explainer [N]` measures instead this repository's own site with N
//! generated pages added (default 2,000; `watch/explainer.rs`), under
//! `dossier watch --no-serve`: edits to a top-level page's body
//! (`content/memo.md`) and to one generated page's body.
//!
//! Reports medians and 90th percentiles; asserts nothing.

// In a folder without main.rs, so cargo does not take it for a bench of its own.
#[path = "watch/explainer.rs"]
mod explainer;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_dossier");
const EDITS: usize = 25;
/// The pause before each timed save.
const SETTLE: Duration = Duration::from_millis(150);

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let (mut size, mut edits, mut browser, mut explainer) = (None, EDITS, true, false);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--no-browser" => browser = false,
            "--explainer" => explainer = true,
            "--edits" => {
                edits = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--edits takes a number")
            }
            other => size = other.parse().ok().or(size),
        }
    }
    if explainer {
        return explainer::run(size.unwrap_or(2000), edits);
    }
    let pages = size.unwrap_or(1000);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    generate(&root, pages, None);
    println!(
        "watch benchmark: {pages} pages, explainer theme, {} ",
        root.display()
    );

    let cold: Vec<f64> = (0..3)
        .map(|_| {
            let _ = std::fs::remove_dir_all(root.join("output"));
            let start = Instant::now();
            let w = Watch::start(&root, true);
            let ms = ms(start.elapsed());
            drop(w);
            ms
        })
        .collect();
    report("cold start (empty output → served)", &cold);

    let watch = Watch::start(&root, true);
    report_edits(
        &watch,
        &edit(&watch, edits, |n| page_paths(&root, (n * 37) % pages)),
    );

    if browser {
        match browser_reloads(&root, watch.port.unwrap()) {
            Ok(times) => report("edit → page reloaded in Chromium", &times),
            Err(why) => println!("edit → page reloaded: skipped ({why})"),
        }
    }
    drop(watch);

    let plain = dir.path().join("plain");
    generate(&plain, pages, Some(PLAIN_THEME));
    let watch = Watch::start(&plain, true);
    println!("theme without Tera functions:");
    report_edits(
        &watch,
        &edit(&watch, edits, |n| page_paths(&plain, (n * 37) % pages)),
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn report(what: &str, samples: &[f64]) {
    let s = sorted(samples);
    println!(
        "{what}: p50 {:.1} ms, p90 {:.1} ms, min {:.1} ms ({} runs)",
        at(&s, 0.5),
        at(&s, 0.9),
        s[0],
        s.len()
    );
}

fn sorted(samples: &[f64]) -> Vec<f64> {
    let mut s = samples.to_vec();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap());
    s
}

/// The `q` quantile of sorted samples.
fn at(s: &[f64], q: f64) -> f64 {
    s[((s.len() - 1) as f64 * q).round() as usize]
}

/// What a series of saves measured: wall clock (save → output file holds the
/// edit), and from each save's rebuild line its own time and pages rendered.
struct Edits {
    wall: Vec<f64>,
    rebuild: Vec<f64>,
    rendered: Vec<f64>,
}

/// Save `count` times, one file at a time (`target(n)`: the Markdown file and
/// its output file), each save a changed sentence appended to the file's
/// original text; time until the output file shows it.
fn edit(watch: &Watch, count: usize, target: impl Fn(usize) -> (PathBuf, PathBuf)) -> Edits {
    let mut originals: HashMap<PathBuf, String> = HashMap::new();
    let mut edits = Edits {
        wall: Vec::new(),
        rebuild: Vec::new(),
        rendered: Vec::new(),
    };
    for n in 0..count {
        // Saves a person makes are far apart: let the last rebuild finish
        // cleaning up (it frees the previous build in the background) before
        // the next save, so each edit is timed on its own.
        std::thread::sleep(SETTLE);
        let (src, out) = target(n);
        let text = originals
            .entry(src.clone())
            .or_insert_with(|| std::fs::read_to_string(&src).unwrap());
        let token = format!("Bench edit {n}: this sentence changes on every save.");
        let before = watch.rebuild_lines().len();
        let start = Instant::now();
        std::fs::write(&src, format!("{text}\n\n{token}\n")).unwrap();
        loop {
            if std::fs::read_to_string(&out).is_ok_and(|t| t.contains(&token)) {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "edit never landed"
            );
            std::thread::sleep(Duration::from_micros(200));
        }
        edits.wall.push(ms(start.elapsed()));
        while watch.rebuild_lines().len() == before {
            std::thread::sleep(Duration::from_millis(1));
        }
        // "… changed: N pages re-rendered, M files written, K removed in T ms"
        let line = watch.rebuild_lines()[before].clone();
        let after = line.split(" changed: ").nth(1).unwrap_or_default();
        if let Some((n, rest)) = after.split_once(' ')
            && rest.starts_with("page")
            && let Ok(n) = n.parse()
        {
            edits.rendered.push(n);
        }
        if let Some(t) = line
            .rsplit(" in ")
            .next()
            .and_then(|t| t.trim_end_matches(" ms").parse::<f64>().ok())
        {
            edits.rebuild.push(t);
        }
        std::thread::sleep(Duration::from_millis(150));
    }
    edits
}

fn report_edits(watch: &Watch, edits: &Edits) {
    report(
        "edit → files written (wall, the watcher included)",
        &edits.wall,
    );
    report("edit → files written (rebuild alone)", &edits.rebuild);
    let pages = sorted(&edits.rendered);
    if let Some(max) = pages.last() {
        println!(
            "pages re-rendered per edit: p50 {}, max {max} ({} rebuilds)",
            at(&pages, 0.5),
            pages.len()
        );
    }
    println!(
        "  last rebuild: {}",
        watch.rebuild_lines().last().cloned().unwrap_or_default()
    );
}

fn page_paths(root: &Path, p: usize) -> (PathBuf, PathBuf) {
    let section = format!("s{:03}", p / 100);
    (
        root.join(format!("content/{section}/p{p}.md")),
        root.join(format!("output/{section}/p{p}/index.html")),
    )
}

fn browser_reloads(root: &Path, port: u16) -> Result<Vec<f64>, String> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !Path::new("/usr/bin/chromium").exists() && std::env::var_os("CHROMIUM").is_none() {
        return Err("no Chromium".into());
    }
    if !repo
        .join("tests/browser/node_modules/playwright-core")
        .is_dir()
    {
        return Err("no playwright-core in tests/browser".into());
    }
    let (src, _) = page_paths(root, 5);
    let out = Command::new("node")
        .arg(repo.join("benches/watch_browser.mjs"))
        .arg(format!("http://127.0.0.1:{port}/s000/p5/"))
        .arg(&src)
        .arg("20")
        .output()
        .map_err(|e| format!("node: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("{stdout}{}", String::from_utf8_lossy(&out.stderr)));
    }
    let list = stdout
        .split("\"reload_ms\":[")
        .nth(1)
        .and_then(|s| s.split(']').next())
        .ok_or("no figures")?;
    Ok(list.split(',').filter_map(|x| x.parse().ok()).collect())
}

/// A theme like the test fixtures': listings and neighbours, no Tera functions.
const PLAIN_THEME: &[(&str, &str)] = &[
    (
        "templates/base.html",
        "<!doctype html><html><head><title>{{ site.title }}</title></head><body>{% block body %}{% endblock %}</body></html>",
    ),
    (
        "templates/page.html",
        "{% extends \"base.html\" %}{% block body %}<h1>{{ page.title }}</h1>{{ page.content | safe }}\
         {% if page.previous %}<a href=\"{{ page.previous.url }}\">{{ page.previous.title }}</a>{% endif %}\
         {% if page.next %}<a href=\"{{ page.next.url }}\">{{ page.next.title }}</a>{% endif %}{% endblock %}",
    ),
    (
        "templates/section.html",
        "{% extends \"base.html\" %}{% block body %}<h1>{{ section.title }}</h1><ul>{% for p in section.pages %}\
         <li><a href=\"{{ p.url }}\">{{ p.title }}</a></li>{% endfor %}</ul>{% endblock %}",
    ),
    ("templates/index.html", "{% extends \"section.html\" %}"),
];

/// A site of `pages` pages in sections of 100, ~600 words each, with
/// headings, links and citations; the repository's themes, or `plain`.
fn generate(root: &Path, pages: usize, plain: Option<&[(&str, &str)]>) {
    let themes = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes");
    let theme = match plain {
        None => {
            copy_dir(&themes, &root.join("themes"));
            "explainer"
        }
        Some(files) => {
            for (rel, text) in files {
                let path = root.join("themes/plain").join(rel);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, text).unwrap();
            }
            "plain"
        }
    };
    let write = |rel: &str, text: &str| {
        let path = root.join("content").join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    std::fs::create_dir_all(root).unwrap();
    std::fs::write(
        root.join("site.yaml"),
        format!("title: Bench\nbase_url: https://example.org\ntheme: {theme}\n"),
    )
    .unwrap();
    write("_index.md", "---\ntitle: Home\n---\nThe bench site.\n");
    write("sources/_index.md", "---\ntitle: Sources\n---\n");
    write(
        "sources/report.md",
        "---\ntitle: A report\n---\nA source.\n",
    );
    for p in 0..pages {
        let section = format!("s{:03}", p / 100);
        if p % 100 == 0 {
            write(
                &format!("{section}/_index.md"),
                &format!("---\ntitle: Section {section}\n---\n"),
            );
        }
        let mut body = String::new();
        for h in 0..5 {
            body.push_str(&format!(
                "## Part {h}\n\n{}. [@report]\n\n{}. See [the next page](p{}.md).\n\n",
                paragraph(p + h),
                paragraph(p * 3 + h),
                (p + 1) % 100 + (p / 100) * 100
            ));
        }
        write(
            &format!("{section}/p{p}.md"),
            &format!(
                "---\ntitle: Page {p}\ndate: 2025-{:02}-{:02}\nweight: {}\n---\n{body}",
                p % 12 + 1,
                p % 28 + 1,
                p % 10
            ),
        );
    }
}

/// 58 words of filler prose, varied by `seed`, without a final full stop.
fn paragraph(seed: usize) -> String {
    const WORDS: [&str; 18] = [
        "memo", "alleges", "that", "the", "company", "gave", "access", "to", "data", "while",
        "reports", "differ", "on", "who", "issued", "it", "and", "when",
    ];
    (0..58)
        .map(|i| WORDS[(seed * 7 + i * 13) % WORDS.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from)
        .into_iter()
        .filter_map(Result::ok)
    {
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// `dossier watch` on a free port (or `--no-serve`), killed on drop.
struct Watch {
    child: Child,
    port: Option<u16>,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Watch {
    /// Launch and wait until the first build is written (and, when `serve`,
    /// the home page served).
    fn start(root: &Path, serve: bool) -> Watch {
        let port = serve.then(|| {
            TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        });
        let mut command = Command::new(BIN);
        match port {
            Some(port) => command.args(["watch", "--port", &port.to_string()]),
            None => command.args(["watch", "--no-serve"]),
        };
        let mut child = command
            .arg("--root")
            .arg(root)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        let watch = Watch { child, port, lines };
        let start = Instant::now();
        while !watch
            .lines
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("press Ctrl-C"))
        {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "watch did not start"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        while port.is_some_and(|port| !served(port)) {
            std::thread::sleep(Duration::from_millis(1));
        }
        watch
    }

    fn rebuild_lines(&self) -> Vec<String> {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(" changed: "))
            .cloned()
            .collect()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn served(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = write!(s, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let mut head = [0u8; 12];
    s.read_exact(&mut head).is_ok() && head.ends_with(b"200")
}
