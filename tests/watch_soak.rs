//! Watch soak: random edits, new pages, renames, deletes and editor
//! leftovers saved against a running `dossier watch` as fast as a script
//! can, while the server is asked for pages. The server keeps answering,
//! memory stays flat, and once the saves stop the output is byte for byte a
//! clean build. `cargo test` runs it for a few seconds; the long run:
//!
//! ```text
//! DOSSIER_SOAK_SECS=600 cargo test --release --test watch_soak -- --nocapture
//! ```

mod watch_common;

use std::time::{Duration, Instant};
use watch_common::{Site, Watch};

/// The resident memory of a process, in KiB (Linux's /proc).
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

#[test]
fn a_long_burst_of_random_edits_ends_in_a_clean_build() {
    let seconds: u64 = std::env::var("DOSSIER_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6);
    let site = Site::new();
    let mut pages: Vec<String> = (0..40).map(|i| format!("s{}/p{i}.md", i % 4)).collect();
    for p in &pages {
        site.page(p, &format!("Page {p}"), "First text.\n");
    }
    let watch = Watch::start(&site);
    let pid = watch.pid();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let start = Instant::now();
    let (mut ops, mut asked, mut next_name) = (0usize, 0usize, 1000usize);
    let mut rss = Vec::new();
    while start.elapsed() < Duration::from_secs(seconds) {
        let i = rng.below(pages.len());
        match rng.below(10) {
            0..=4 => site.page(&pages[i], &format!("Page {i}"), &format!("Edit {ops}.\n")),
            5 => {
                let title = format!("Retitled {ops}");
                site.page(&pages[i], &title, "Retitled.\n");
            }
            6 => {
                let new = format!("s{}/n{next_name}.md", rng.below(4));
                next_name += 1;
                site.page(
                    &new,
                    "New",
                    &format!("Linked to [a page](../{}).\n", pages[i]),
                );
                pages.push(new);
            }
            7 if pages.len() > 10 => {
                let gone = pages.swap_remove(i);
                // Links to it would break the build: rewrite linkers first.
                for p in &pages {
                    if site.read(&format!("content/{p}")).contains(&gone) {
                        site.page(p, "Relinked", "No link now.\n");
                    }
                }
                std::fs::remove_file(site.path(&format!("content/{gone}"))).unwrap();
            }
            8 => {
                let to = format!("s{}/m{next_name}.md", rng.below(4));
                next_name += 1;
                let from = pages[i].clone();
                for p in &pages {
                    if p != &from && site.read(&format!("content/{p}")).contains(&from) {
                        site.page(p, "Relinked", "No link now.\n");
                    }
                }
                std::fs::rename(
                    site.path(&format!("content/{from}")),
                    site.path(&format!("content/{to}")),
                )
                .unwrap();
                pages[i] = to;
            }
            _ => site.write(&format!("content/{}.swp", pages[i]), "editor leftover"),
        }
        ops += 1;
        if ops % 25 == 0 {
            let status = watch.get("/").status;
            assert_eq!(
                status, 200,
                "the server stopped answering after {ops} saves"
            );
            asked += 1;
            rss.push(rss_kib(pid));
        }
        // Mostly bursts, now and then a pause long enough for a rebuild.
        let pause = if ops % 8 == 0 {
            40 + rng.below(80)
        } else {
            rng.below(10)
        };
        std::thread::sleep(Duration::from_millis(pause as u64));
    }
    watch.settle(0);
    if std::env::var_os("DOSSIER_SOAK_SHOW").is_some() {
        println!("{}\n{}", watch.stdout(), watch.stderr());
    }
    site.assert_output_is_clean_build();
    // Memory: the second half of the run holds no more than the first, give or take.
    let half = rss.len() / 2;
    let first = rss[..half].iter().max().copied().unwrap_or(0);
    let last = rss[half..].iter().max().copied().unwrap_or(0);
    println!(
        "{ops} saves in {:?}, {asked} pages asked for, {} rebuilds; RSS {first} KiB → {last} KiB",
        start.elapsed(),
        watch.rebuilds().len()
    );
    assert!(
        last <= first + first / 4 + 16 * 1024,
        "memory grew: {first} KiB → {last} KiB"
    );
}
