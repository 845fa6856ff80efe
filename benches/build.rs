//! Build benchmark: generates sites of 1,000 and 10,000 pages (~600 words
//! each, in sections of 1,000, with headings, links and citations) and times
//! `dossier build` on them, cold (empty output) and warm (nothing changed).
//! Reports wall-clock medians and peak memory; asserts nothing.
//!
//! Run: `cargo bench --bench build` (add `-- 1000` to pick sizes, or
//! `-- --generate DIR N` to only write a site for profiling).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const WORDS: &[&str] = &[
    "memo",
    "alleges",
    "that",
    "the",
    "company",
    "gave",
    "military",
    "access",
    "to",
    "customer",
    "data",
    "while",
    "reports",
    "differ",
    "on",
    "who",
    "issued",
    "it",
    "and",
    "when",
    "analysts",
    "say",
    "ownership",
    "matters",
    "for",
    "any",
    "comparison",
    "with",
    "earlier",
    "cases",
];

/// Pages per section: a large explainer has a few big sections, not hundreds.
const PER_SECTION: usize = 1_000;

fn paragraph(seed: usize, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(WORDS[(seed * 7 + i * 13) % WORDS.len()]);
    }
    s.push('.');
    s
}

fn generate(root: &Path, pages: usize) {
    let theme = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes");
    copy_dir(&theme, &root.join("themes"));
    std::fs::write(
        root.join("site.yaml"),
        "title: Bench\nbase_url: https://example.org\n",
    )
    .unwrap();
    let content = root.join("content");
    std::fs::create_dir_all(content.join("sources")).unwrap();
    std::fs::write(
        content.join("_index.md"),
        "---\ntitle: Home\n---\nThe bench site.\n",
    )
    .unwrap();
    std::fs::write(
        content.join("sources/_index.md"),
        "---\ntitle: Sources\n---\n",
    )
    .unwrap();
    std::fs::write(
        content.join("sources/report.md"),
        "---\ntitle: A report\n---\nA source.\n",
    )
    .unwrap();
    for p in 0..pages {
        let section = format!("s{:03}", p / PER_SECTION);
        let dir = content.join(&section);
        if p % PER_SECTION == 0 {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(
                dir.join("_index.md"),
                format!("---\ntitle: Section {section}\nsort_by: date\n---\n"),
            )
            .unwrap();
        }
        let mut body = String::new();
        for h in 0..5 {
            body.push_str(&format!(
                "## Part {h}\n\n{} [@report]\n\n",
                paragraph(p + h, 58)
            ));
            body.push_str(&format!(
                "{} See [the next page](p{}.md).\n\n",
                paragraph(p * 3 + h, 58),
                (p + 1) % PER_SECTION + (p / PER_SECTION) * PER_SECTION
            ));
        }
        let front = format!(
            "---\ntitle: Page {p}\ndescription: Generated page {p}\ndate: 2025-{:02}-{:02}\nweight: {}\n---\n",
            p % 12 + 1,
            p % 28 + 1,
            p % 10
        );
        std::fs::write(dir.join(format!("p{p}.md")), front + &body).unwrap();
    }
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from)
        .into_iter()
        .filter_map(Result::ok)
    {
        let rel = entry.path().strip_prefix(from).unwrap();
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// One build: wall time and peak RSS in KiB (when GNU time is available).
fn build(root: &Path) -> (Duration, Option<u64>) {
    let bin = env!("CARGO_BIN_EXE_dossier");
    let gnu_time = Path::new("/usr/bin/time").exists();
    let rss_file = root.join("rss.txt");
    let mut cmd = if gnu_time {
        let mut c = Command::new("/usr/bin/time");
        c.args(["-f", "%M", "-o"]).arg(&rss_file).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.args(["build", "--root"]).arg(root);
    let start = Instant::now();
    let out = cmd.output().expect("run dossier");
    let elapsed = start.elapsed();
    assert!(
        out.status.success(),
        "build failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rss = std::fs::read_to_string(&rss_file)
        .ok()
        .and_then(|s| s.trim().lines().last()?.parse().ok());
    (elapsed, rss)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    // `-- --generate DIR N`: only write a site of N pages to DIR, for profiling.
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--generate") {
        let dir = Path::new(&args[i + 1]);
        generate(dir, args[i + 2].parse().expect("page count"));
        return;
    }
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect::<Vec<_>>();
    let sizes = if sizes.is_empty() {
        vec![1_000, 10_000]
    } else {
        sizes
    };
    for pages in sizes {
        let dir = tempfile::tempdir().unwrap();
        generate(dir.path(), pages);
        let runs = 5;
        let mut cold = Vec::new();
        let mut warm = Vec::new();
        let mut peak = 0;
        for _ in 0..runs {
            let _ = std::fs::remove_dir_all(dir.path().join("output"));
            let (t, rss) = build(dir.path());
            cold.push(t);
            peak = peak.max(rss.unwrap_or(0));
            let (t, rss) = build(dir.path());
            warm.push(t);
            peak = peak.max(rss.unwrap_or(0));
        }
        println!(
            "{pages:>6} pages: cold build median {:>7.1} ms (min {:.1}), warm build median {:>7.1} ms, peak RSS {:.1} MB over {runs} runs each",
            median(cold.clone()).as_secs_f64() * 1e3,
            cold.iter().min().unwrap().as_secs_f64() * 1e3,
            median(warm).as_secs_f64() * 1e3,
            peak as f64 / 1024.0
        );
    }
}
