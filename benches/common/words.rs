//! The generated pages' words, shared by the benchmarks (`build.rs`,
//! `steps.rs`), so both time pages of the same text.

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

/// A sentence of `words` words, different for each `seed`.
pub fn paragraph(seed: usize, words: usize) -> String {
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
