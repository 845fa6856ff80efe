//! Links `dossier` as a position-dependent executable on Linux.
//!
//! Why: minify-html (`minify: true`) carries a generated trie of HTML
//! entities, about 10 MB of static data made of pointers. In a
//! position-independent executable the loader must rewrite every one of
//! those pointers at start, so each run, minified or not, begins with 10 MB
//! of memory written (`dossier --help`: 19 MB resident). In a
//! position-dependent one the linker fixes them, and the data stays on disk
//! until a minified build reads it (`--help`: 9 MB; a 1,000-page build's
//! peak 52 → 41 MB). The cost is that the executable's own code is not
//! placed at a random address (its libraries, stack and heap still are), as
//! with Hugo's and most Go binaries.
fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo::rustc-link-arg-bins=-no-pie");
    }
}
