//! The command line: parse arguments, run a command, print diagnostics and
//! the one-line summary, and choose the exit code (0 ok, 1 site problem,
//! 2 wrong usage). Each command is a short function over the pipeline.

use crate::diagnostic::{self, Diagnostic};
use crate::{output, pipeline};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// dossier: build explainer microsites from Markdown, with every claim tied to its source.
#[derive(Debug, Parser)]
#[command(name = "dossier", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the site into the output folder.
    Build(BuildArgs),
    /// Do everything `build` does and report problems, but write nothing.
    Check(CheckArgs),
    /// Build, serve the site with live reload, and rebuild on every change.
    #[command(alias = "serve")]
    Watch(WatchArgs),
    /// Start a new explainer in DIR (new or empty) that builds as it is.
    New {
        /// The folder to create the site in.
        dir: PathBuf,
    },
}

#[derive(Debug, Args, Clone)]
pub struct SiteArgs {
    /// The site's folder (holding site.yaml and content/).
    #[arg(long, default_value = ".", value_name = "DIR")]
    pub root: PathBuf,
    /// Include pages marked `draft: true`.
    #[arg(long)]
    pub drafts: bool,
}

#[derive(Debug, Args, Clone)]
pub struct BuildArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// Where to write the site [default: ROOT/output].
    #[arg(long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Override site.yaml's base_url, e.g. https://example.org/explainer.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Write every internal link as a relative path to a file, so the
    /// output works opened from disk (as `portable: true` in site.yaml).
    #[arg(long)]
    pub portable: bool,
    /// Minify pages and stylesheets (as `minify: true` in site.yaml).
    #[arg(long)]
    pub minify: bool,
}

#[derive(Debug, Args, Clone)]
pub struct CheckArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// Also ask other sites whether the links to them work (see
    /// `link_check` in site.yaml for pace, retries and the cache).
    #[arg(long)]
    pub external: bool,
    /// Fail on warnings too (a source text that is missing, say), as a
    /// publishing pipeline may want.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args, Clone)]
pub struct WatchArgs {
    #[command(flatten)]
    pub build: BuildArgs,
    /// The port to serve on.
    #[arg(long, default_value_t = 1111)]
    pub port: u16,
    /// The address to serve on; the default is reachable from this machine only.
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDRESS")]
    pub bind: std::net::IpAddr,
    /// Rebuild on changes, but do not serve.
    #[arg(long)]
    pub no_serve: bool,
    /// Open the site in the default browser.
    #[arg(long, conflicts_with = "no_serve")]
    pub open: bool,
}

pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli.command {
        Command::Build(args) => {
            no_huge_pages();
            build(&args)
        }
        Command::Check(args) => {
            no_huge_pages();
            check(&args)
        }
        Command::Watch(args) => {
            keep_freed_memory();
            crate::watch::run(&args)
        }
        Command::New { dir } => crate::scaffold::run(&dir),
    }
}

/// Turns transparent huge pages off for the rest of a one-shot build.
/// mimalloc asks for them (`madvise`), and the kernel then clears each
/// 2 MiB page in full on its first touch: a quarter of a 10,000-page
/// build's CPU time went there (`clear_page_erms` in `perf`), for a process
/// that lives a second. Watch keeps them: its rebuilds reuse memory already
/// cleared and walk large tables, where fewer TLB misses pay (a save took
/// 15.4 ms with them, 18.2 ms without). Children inherit the setting
/// (`prctl(2)`); a build starts none.
pub fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and only sets the
    // process's flag; a failure (an old kernel) leaves the default.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// mimalloc's option number for how long freed memory waits before it goes
/// back to the system (`mi_option_purge_delay`, milliseconds; -1: never).
/// The same in its v2 and v3; the Rust bindings leave it unnamed.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keeps freed memory for watch's next rebuild rather than returning it to
/// the system a second after it is freed: each rebuild frees the tables the
/// one before made and makes new ones, and memory given back then comes
/// back page by page, each first touch a page fault. 10,000 pages, save →
/// file p50 15.3–16.4 → 14.6–15.1 ms (three runs each, interleaved). The
/// process holds its largest rebuild's memory, which it needs again on the
/// next.
pub fn keep_freed_memory() {
    // SAFETY: mi_option_set takes plain integers and changes one option of
    // the allocator, which reads it when it next purges.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}

/// Gives the memory freed so far back to the system now, on every thread
/// of the build's pool and this one, rather than a second later (mimalloc's
/// purge delay): a clean build calls it once its Markdown stage has freed
/// every page's source, and after each batch of pages is on disk, so that
/// what comes next starts from the memory in use. 10,000 pages: peak
/// 107–112 → 93–95 MiB; wall +3 % (five runs each, interleaved). Each
/// thread's freed memory is its own to give back (`mi_collect`).
pub fn release_freed_memory() {
    let collect = || {
        // SAFETY: mi_collect takes a plain flag and frees or returns memory
        // that no live allocation uses.
        unsafe { libmimalloc_sys::mi_collect(true) }
    };
    rayon::broadcast(|_| collect());
    collect();
}

/// Print diagnostics to stderr; true when any is an error.
pub fn report(diagnostics: Vec<Diagnostic>) -> bool {
    let sorted = diagnostic::sorted(diagnostics);
    let errors = sorted.iter().filter(|d| d.is_error()).count();
    for d in &sorted {
        eprintln!("{d}");
    }
    let failed = errors > 0;
    if failed {
        eprintln!(
            "error: build failed with {errors} error{}",
            if errors == 1 { "" } else { "s" }
        );
    }
    failed
}

pub fn output_dir(root: &std::path::Path, output: &Option<PathBuf>) -> PathBuf {
    output.clone().unwrap_or_else(|| root.join("output"))
}

fn build(args: &BuildArgs) -> ExitCode {
    let start = Instant::now();
    let options = pipeline::Options {
        root: args.site.root.clone(),
        base_url: args.base_url.clone(),
        drafts: args.site.drafts,
        portable: args.portable,
        minify: args.minify,
    };
    let out_dir = output_dir(&options.root, &args.output);
    if let Err(d) = output::check_folder(&options.root, &out_dir) {
        report(vec![d]);
        return ExitCode::from(1);
    }
    let summary = match pipeline::build_into(&options, Some(&out_dir)) {
        Ok(s) => s,
        Err(diagnostics) => {
            report(diagnostics);
            return ExitCode::from(1);
        }
    };
    report(summary.warnings);
    let written = summary.written;
    println!(
        "Built {} pages, {} sections: {} files written, {} unchanged, {} removed in {} ms",
        summary.pages,
        summary.sections,
        written.written.len(),
        written.unchanged,
        written.removed.len(),
        start.elapsed().as_millis()
    );
    ExitCode::SUCCESS
}

fn check(args: &CheckArgs) -> ExitCode {
    let start = Instant::now();
    let options = pipeline::Options {
        root: args.site.root.clone(),
        base_url: None,
        drafts: args.site.drafts,
        portable: false,
        minify: false,
    };
    let mut summary = match pipeline::build_into(&options, None) {
        Ok(summary) => summary,
        Err(diagnostics) => {
            report(diagnostics);
            return ExitCode::from(1);
        }
    };
    let mut external = String::new();
    if args.external {
        let cache = output::external::cache_file();
        let links = std::mem::take(&mut summary.external);
        let found = output::external::check(links, &summary.link_check, cache.as_deref());
        summary.warnings.extend(found.diagnostics);
        external = format!(
            ", {} external links ({} asked, {} trusted from the cache, {} skipped): {} broken",
            found.asked + found.cached + found.skipped,
            found.asked,
            found.cached,
            found.skipped,
            found.broken
        );
    }
    let warnings = summary.warnings.len();
    if report(summary.warnings) {
        return ExitCode::from(1);
    }
    if args.strict && warnings > 0 {
        eprintln!(
            "error: check --strict failed with {warnings} warning{}",
            if warnings == 1 { "" } else { "s" }
        );
        return ExitCode::from(1);
    }
    println!(
        "Checked {} pages, {} sections: {} files would be written{external}, no errors, in {} ms",
        summary.pages,
        summary.sections,
        summary.files,
        start.elapsed().as_millis()
    );
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    /// Option 15 is the purge delay: mimalloc v3's default, 1,000 ms, until
    /// watch sets it.
    #[test]
    fn the_option_watch_sets_is_mimallocs_purge_delay() {
        use libmimalloc_sys::mi_option_get;
        // SAFETY: reads and sets one option of the allocator (plain integers).
        let before = unsafe { mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        assert_eq!(before, 1000, "mimalloc's documented default purge delay");
        super::keep_freed_memory();
        let after = unsafe { mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        assert_eq!(after, -1);
    }
}
