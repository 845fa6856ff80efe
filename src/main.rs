fn main() -> std::process::ExitCode {
    dossier::cli::run()
}

// A build allocates millions of small values (Markdown events, template
// values, strings) from both cores at once; mimalloc's per-thread heaps
// make that markedly cheaper than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
