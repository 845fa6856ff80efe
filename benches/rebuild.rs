//! The rebuild alone, in process, as `watch` runs it after a save: on a
//! generated site, one page's body edited, `pipeline::rebuild` from the
//! previous build (the search index left for later, as watch does), the
//! previous build freed on another thread, then a pause before the next
//! edit, so that the rebuild meets memory gone cold as it does between a
//! person's saves. Reports the rebuild's median, 10th and 90th percentile;
//! asserts nothing (`benches/build.rs -- --watch` times the whole path,
//! save → file, with the watcher). With `DOSSIER_TIMINGS=1` each rebuild
//! also prints its stages.
//!
//! ```text
//! cargo bench --bench build -- --generate /dev/shm/site 10000
//! cargo bench --bench rebuild -- /dev/shm/site [--edits 30] [--pause-ms 150]
//! ```
//!
//! The edited page is the first Markdown page of the site's third section
//! (the same page each time; the edit appends a different sentence).

// As the dossier binary allocates.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use dossier::pipeline::{self, Options, Previous};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn main() {
    // As `dossier watch` sets its allocator: freed memory kept for the next rebuild.
    dossier::cli::keep_freed_memory();
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let (mut site, mut edits, mut pause) = (None, 30, 150);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut number = |name: &str| -> usize {
            match it.next().and_then(|v| v.parse().ok()) {
                Some(n) => n,
                None => fail(&format!("{name} takes a number")),
            }
        };
        match arg.as_str() {
            "--edits" => edits = number("--edits").max(1),
            "--pause-ms" => pause = number("--pause-ms"),
            other if site.is_none() && !other.starts_with('-') => site = Some(PathBuf::from(other)),
            other => fail(&format!("unknown argument `{other}`")),
        }
    }
    let Some(root) = site else {
        fail("give a site folder (cargo bench --bench build -- --generate DIR N makes one)");
    };
    let options = Options {
        root: root.clone(),
        base_url: None,
        drafts: false,
        portable: false,
        minify: false,
    };
    let rel = edited_page(&root);
    let path = root.join(&rel);
    let original = std::fs::read_to_string(&path).unwrap_or_else(|e| fail(&e.to_string()));
    let start = Instant::now();
    let mut built = pipeline::build(&options)
        .unwrap_or_else(|d| fail(&format!("the site does not build: {d:?}")));
    println!(
        "{}: {} pages built in {:.0} ms; {edits} edits of {rel}, {pause} ms apart",
        root.display(),
        built.page_count(),
        start.elapsed().as_secs_f64() * 1e3
    );
    let changed: BTreeSet<String> = [rel.clone()].into();
    let mut times = Vec::new();
    for n in 0..edits {
        std::thread::sleep(Duration::from_millis(pause as u64));
        std::fs::write(&path, format!("{original}\nEdit number {n} here.\n"))
            .unwrap_or_else(|e| fail(&e.to_string()));
        let start = Instant::now();
        let previous = Previous {
            built: &built,
            search_later: true,
            changed: &changed,
        };
        let next = pipeline::rebuild(&options, Some(previous))
            .unwrap_or_else(|d| fail(&format!("the edited site does not build: {d:?}")));
        times.push(start.elapsed().as_secs_f64() * 1e3);
        let old = std::mem::replace(&mut built, next);
        std::thread::spawn(move || drop(old));
    }
    let _ = std::fs::write(&path, original);
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "rebuild: p50 {:.2} ms, p10 {:.2} ms, p90 {:.2} ms ({} edits)",
        at(0.5),
        at(0.1),
        at(0.9),
        times.len()
    );
}

/// The first page of the third section (`content/s002/…` on a generated site).
fn edited_page(root: &Path) -> String {
    let content = root.join("content");
    let mut sections: Vec<PathBuf> = std::fs::read_dir(&content)
        .unwrap_or_else(|e| fail(&format!("{}: {e}", content.display())))
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.is_dir())
        .collect();
    sections.sort();
    let section = sections
        .get(2)
        .unwrap_or_else(|| fail("the site has fewer than three sections"));
    let mut pages: Vec<PathBuf> = std::fs::read_dir(section)
        .unwrap_or_else(|e| fail(&e.to_string()))
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "md")
                && p.file_name().is_some_and(|n| n != "_index.md")
        })
        .collect();
    pages.sort();
    let page = pages
        .first()
        .unwrap_or_else(|| fail("the third section has no pages"));
    let rel = page.strip_prefix(root).unwrap_or(page);
    rel.to_string_lossy().replace('\\', "/")
}

fn fail(why: &str) -> ! {
    eprintln!("rebuild bench: {why}");
    std::process::exit(2)
}
