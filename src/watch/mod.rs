//! `dossier watch` (alias `serve`): build, serve, and rebuild on every change.
//! The loop is: a batch of changed paths ([`events`]) → a rebuild that
//! renders only the pages whose inputs changed ([`crate::pipeline::rebuild`])
//! → the files that differ from the last write ([`session`]) → a reload
//! pushed to open pages ([`crate::serve::Live`]). A broken edit keeps the
//! last good site on disk and served, and shows its errors in the page.

pub mod events;
mod session;

use crate::cli::{self, WatchArgs};
use crate::diagnostic::Diagnostic;
use crate::{config, output, pipeline, serve};
use events::{Signal, Watcher};
use session::{Outcome, Session};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// After a failed rebuild, how long to wait for more changes before showing the errors.
const SETTLE_AFTER_ERROR: Duration = Duration::from_millis(100);
/// After a rebuild is shown, how long the search index waits (for the open
/// pages to fetch what changed, and for more changes, which come first).
const SEARCH_AFTER: Duration = Duration::from_millis(50);

/// Run `watch` until Ctrl-C.
pub fn run(args: &WatchArgs) -> ExitCode {
    let root = output::absolute(&args.build.site.root);
    let out_dir = output::absolute(&cli::output_dir(&args.build.site.root, &args.build.output));
    if let Err(d) = output::check_folder(&root, &out_dir) {
        cli::report(vec![d]);
        return ExitCode::from(1);
    }
    // Without site.yaml there is nothing to watch: most likely a wrong --root.
    if let Err(d) = config::Config::load(&root, args.build.base_url.as_deref())
        && !root.join(config::CONFIG_FILE).is_file()
    {
        cli::report(vec![d]);
        return ExitCode::from(1);
    }
    let listener = if args.no_serve {
        None
    } else {
        match serve::bind(SocketAddr::new(args.bind, args.port)) {
            Ok(l) => Some(l),
            Err(message) => {
                eprintln!("error: {message}");
                return ExitCode::from(1);
            }
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the server's runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let (tx, rx) = mpsc::channel();
    // Watch before the first build, so an edit made during it is not missed.
    let mut watcher = match Watcher::start(&root, tx.clone()) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: cannot watch {}: {e}", root.display());
            return ExitCode::from(1);
        }
    };
    let stop = tx.clone();
    runtime.spawn(async move {
        stop_requested().await;
        let _ = stop.send(Signal::Stop);
    });

    let options = pipeline::Options {
        root: root.clone(),
        base_url: args.build.base_url.clone(),
        drafts: args.build.site.drafts,
        portable: args.build.portable,
        minify: args.build.minify,
    };
    let mut session = Session::new(options, out_dir.clone());
    session.first_build();

    let (shutdown_tx, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
    if let Some(listener) = listener {
        let live = session.serve();
        let addr = listener.local_addr().ok();
        let server = serve::run(listener, out_dir, live.clone(), async {
            let _ = shutdown_rx.await;
        });
        runtime.spawn(async move {
            if let Err(e) = server.await {
                eprintln!("error: the preview server stopped: {e}");
            }
        });
        let host = match addr {
            Some(a) if a.ip().is_unspecified() => format!("localhost:{}", a.port()),
            Some(a) => a.to_string(),
            None => format!("{}:{}", args.bind, args.port),
        };
        let url = format!("http://{host}{}", live.base_path());
        println!("Serving {url} and watching for changes; press Ctrl-C to stop");
        if args.open {
            open_browser(&url);
        }
    } else {
        println!("Watching for changes; press Ctrl-C to stop");
    }

    session.prepare_spare();
    let mut batches = events::Batches::new(rx, &root);
    'watching: while let Some(mut changes) = batches.next_batch(&|p| session.read(p)) {
        let start = Instant::now();
        let mut shown = false;
        let mut stale = false;
        loop {
            watcher.refresh(&changes);
            let mut settle =
                |built: &pipeline::Built| batches.unsettled(|p| built.read_as_it_is(&root, p));
            let diagnostics = match session.rebuild(&changes, start, &mut settle) {
                Outcome::Shown => {
                    shown = true;
                    break;
                }
                // More changed while it was built (the rest of a save
                // written in parts, a save by renaming): they make the next
                // build. Again, and a burst is under way: wait for quiet.
                Outcome::Stale(more) => {
                    changes.merge(more);
                    match batches.gather(&mut changes, stale, &|p| session.read(p)) {
                        true => {
                            stale = true;
                            continue;
                        }
                        false => break 'watching,
                    }
                }
                Outcome::Failed(diagnostics) => diagnostics,
            };
            // A file read while its editor was still writing it fails to
            // parse; if more changes follow at once, build again before
            // showing anyone an error.
            match batches.more_within(SETTLE_AFTER_ERROR) {
                events::More::Changed(more) => changes.merge(more),
                events::More::Quiet => {
                    session.failed(&changes, diagnostics, start);
                    break;
                }
                events::More::Stop => break 'watching,
            }
        }
        batches.idle();
        // The edit is on disk and the open pages told; once they have had
        // the time to fetch it (on two cores, the index's rebuild would
        // slow their fetch), the search index, unless more changes come
        // meanwhile: they come first, and the index follows them.
        if shown && !batches.waiting_within(SEARCH_AFTER) {
            session.update_search();
        }
        if !batches.waiting_within(Duration::ZERO) {
            session.prepare_spare();
        }
    }
    drop(watcher);
    session.stop();
    let _ = shutdown_tx.send(());
    runtime.shutdown_timeout(Duration::from_millis(500));
    println!("Stopped.");
    ExitCode::SUCCESS
}

/// Ctrl-C, or (on Unix) a polite `kill`.
async fn stop_requested() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Open `url` in the desktop's browser; a failure is only a note.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else if cfg!(windows) {
        ("cmd", vec!["/C", "start", "", url])
    } else {
        ("xdg-open", vec![url])
    };
    let spawned = std::process::Command::new(opener.0)
        .args(&opener.1)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Err(e) = spawned {
        eprintln!(
            "note: cannot open a browser ({}: {e}); open {url} yourself",
            opener.0
        );
    }
}

/// Print diagnostics like `build` does; true when any is an error.
fn report(diagnostics: &[Diagnostic]) -> bool {
    cli::report(diagnostics.to_vec())
}
