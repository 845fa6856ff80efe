fn main() -> std::process::ExitCode {
    no_huge_pages();
    dossier::cli::run()
}

// A build allocates millions of small values (Markdown events, template
// values, strings) from both cores at once; mimalloc's per-thread heaps
// make that markedly cheaper than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Turns transparent huge pages off for this process. mimalloc asks for
/// them (`madvise`), and the kernel then clears each 2 MiB page in full on
/// its first touch, compacting memory to find one if need be: a quarter of
/// a 10,000-page build's CPU time went there (`clear_page_erms` in `perf`),
/// for a build that lives a second and gains little from fewer TLB misses.
/// Children inherit the setting (`prctl(2)`); dossier starts none that care.
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and only sets the
    // process's flag; a failure (an old kernel) leaves the default.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
