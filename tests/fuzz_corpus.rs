//! The short version of the fuzzing (the long one: `fuzz/README.md`): each
//! fuzz target's entry point over its seed corpus in `fuzz/corpus/`, and
//! over seeded mutations of it (flipped, inserted, deleted and spliced
//! bytes, tokens that matter to the parsers). Any panic or broken promise
//! (a path out of the site, a file served from outside the output folder,
//! output out of proportion) fails the test with the input that caused it.
//! Crashes the fuzzers found are in the corpus too, so they stay fixed.

use dossier::fuzzing;
use std::path::Path;

/// Mutations per seed on every `cargo test`.
const MUTATIONS: usize = 200;

const TOKENS: &[&str] = &[
    "---\n",
    "[@",
    "]",
    "](",
    "../",
    "%2e",
    "%2f",
    "\\",
    "&a",
    "*a",
    "<script>",
    "{#",
    "> [!disputed]\n",
    "\n",
    "`",
    "<!--",
    "\0",
    "#",
    "?",
    "//",
    "\u{feff}",
    "\r\n",
    ": ",
    "- ",
    "[",
    "]]",
    "\"",
    "'",
];

/// xorshift64*: the same mutations on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut data = seed.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(data.len() + 1);
        match rng.below(5) {
            0 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] ^= 1 << rng.below(8);
            }
            1 => {
                let token = TOKENS[rng.below(TOKENS.len())].as_bytes();
                data.splice(at..at, token.iter().copied());
            }
            2 if !data.is_empty() => {
                let end = (at + rng.below(16)).min(data.len());
                data.drain(at.min(end)..end);
            }
            3 if !other.is_empty() => {
                let from = rng.below(other.len());
                let end = (from + rng.below(64)).min(other.len());
                data.splice(at..at, other[from..end].iter().copied());
            }
            _ => {
                let at = at.min(data.len());
                data.insert(at, rng.next() as u8);
            }
        }
    }
    data
}

fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut found: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    found.sort();
    assert!(found.len() >= 5, "too small a corpus for {target}");
    found
}

/// Run `entry` over `target`'s corpus and mutations of it.
fn run(target: &str, mutations: usize, entry: impl Fn(&[u8]) + std::panic::RefUnwindSafe) {
    let seeds = seeds(target);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ target.len() as u64);
    let mut failed = Vec::new();
    let mut check = |name: String, data: Vec<u8>| {
        if std::panic::catch_unwind(|| entry(&data)).is_err() {
            failed.push(format!("{name}: {:?}", String::from_utf8_lossy(&data)));
        }
    };
    for (name, seed) in &seeds {
        check(name.clone(), seed.clone());
    }
    // A YAML alias bomb costs its budget's worth on every run: read once,
    // not mutated here (the long fuzz runs mutate it).
    let mutated: Vec<&(String, Vec<u8>)> =
        seeds.iter().filter(|(n, _)| !n.contains("bomb")).collect();
    for i in 0..mutations * mutated.len() {
        let (name, seed) = mutated[i % mutated.len()];
        let other = &seeds[rng.below(seeds.len())].1;
        let data = mutate(&mut rng, seed, other);
        check(format!("mutation {i} of {name}"), data);
    }
    assert!(
        failed.is_empty(),
        "{} inputs failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

#[test]
fn content_files() {
    run("content_file", MUTATIONS, fuzzing::content_file);
}

#[test]
fn site_config() {
    run("site_config", MUTATIONS, fuzzing::site_config);
}

#[test]
fn markdown_bodies() {
    run("markdown_body", MUTATIONS, fuzzing::markdown_body);
}

#[test]
fn slugs_aliases_and_links() {
    run("paths", MUTATIONS, fuzzing::paths);
}

#[test]
fn preview_server_paths() {
    let output = fuzzing::serve_fixture();
    run("serve_path", MUTATIONS / 4, |data| {
        let _ = fuzzing::serve_path(output, data);
    });
    // The fixture's own page is served, so the check above has teeth.
    let (status, body) = fuzzing::serve_path(output, b"memo/").unwrap();
    assert_eq!(status, 200);
    assert!(
        body.starts_with(b"<p>memo</p>"),
        "{}",
        String::from_utf8_lossy(&body)
    );
}
