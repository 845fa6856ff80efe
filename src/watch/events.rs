//! File events → the set of site paths that changed. Wraps notify's
//! watcher, watches only what a build reads (`site.yaml`, `content/`,
//! `themes/`, `templates/`, `static/`, `data/`), drops editor swap and temp
//! files and access events, and folds a burst of changes (a `git checkout`,
//! a formatter over the whole site) into one batch. Knows nothing of what a
//! change means for the site: the rebuild decides that.
//!
//! No debouncer sits between the watcher and the batches: a save's first
//! event starts a rebuild at once, and the events that follow it while the
//! rebuild runs (the rest of the same save, as a rule) are looked at before
//! its files are written ([`Batches::unsettled`]): those that leave a file
//! as the build read it change nothing. Holding every event for a quiet
//! time first, as notify's debouncers do, would add that time to every
//! save's way to the browser.

use notify::{EventKind, RecursiveMode, Watcher as _};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

/// A batch is complete once no further change arrives for this long: zero,
/// so a batch is what has arrived when its first change is read (a save's
/// later events are weighed after the rebuild, see [`Batches::unsettled`])...
const QUIET: Duration = Duration::ZERO;
/// ...or this long while changes keep coming (a checkout, a formatter, a
/// script), so a burst makes one or a few rebuilds rather than many.
const QUIET_WHEN_BUSY: Duration = Duration::from_millis(150);
/// Changes that came during the last rebuild or this soon after it mean a
/// burst is under way.
const BUSY_FOR: Duration = Duration::from_millis(100);
/// A changed path that no longer exists may be a save in progress (vim
/// renames the file away, then writes it anew): wait this long for it to
/// come back before building a site without it.
const QUIET_AFTER_REMOVAL: Duration = Duration::from_millis(60);
/// However busy the disk, rebuild at least this often.
const MAX_WAIT: Duration = Duration::from_millis(1000);

/// The folders under the root whose changes matter, watched recursively.
pub const WATCHED_DIRS: [&str; 5] = crate::files::SITE_DIRS;

/// What changed since the last batch.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Changes {
    /// Changed paths relative to the root, `/`-separated.
    pub paths: BTreeSet<String>,
    /// Events were lost (queue overflow, watcher error): rebuild everything.
    pub rescan: bool,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty() && !self.rescan
    }

    pub fn merge(&mut self, other: Changes) {
        self.paths.extend(other.paths);
        self.rescan |= other.rescan;
    }

    /// For the one-line report: `content/a.md`, `content/a.md and 3 more`.
    pub fn summary(&self) -> String {
        let mut paths = self.paths.iter();
        match (paths.next(), self.paths.len()) {
            (None, _) if self.rescan => "files changed (rescan)".into(),
            (None, _) => "nothing".into(),
            (Some(p), 1) => p.clone(),
            (Some(p), n) => format!("{p} and {} more", n - 1),
        }
    }

    /// Whether `file` (absolute, under `root`) is a changed path or lies in one.
    pub fn touches(&self, root: &Path, file: &Path) -> bool {
        let Ok(rel) = file.strip_prefix(root) else {
            return true;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        self.rescan || self.paths.iter().any(|p| crate::pipeline::within(&rel, p))
    }
}

/// What the watch loop hears: changes (with when the watcher sent them),
/// or the user asking to stop.
#[derive(Debug)]
pub enum Signal {
    Changed(Changes, Instant),
    Stop,
}

/// The running watcher; dropping it stops watching.
pub struct Watcher {
    watcher: notify::RecommendedWatcher,
    root: PathBuf,
    watched: BTreeSet<PathBuf>,
}

impl Watcher {
    /// Watch `root` (an absolute path) and send each event's changes to `tx`.
    pub fn start(root: &Path, tx: Sender<Signal>) -> notify::Result<Watcher> {
        let handler_root = root.to_path_buf();
        let watcher = notify::recommended_watcher(move |result: notify::Result<notify::Event>| {
            let changes = match result {
                Ok(e) => changes_of(
                    &handler_root,
                    [(&e.kind, e.need_rescan(), &e.paths[..])].into_iter(),
                ),
                Err(e) => {
                    eprintln!("warning: file watcher: {e}; rebuilding everything");
                    Changes {
                        rescan: true,
                        ..Changes::default()
                    }
                }
            };
            if !changes.is_empty() {
                let _ = tx.send(Signal::Changed(changes, Instant::now()));
            }
        })?;
        let mut watcher = Watcher {
            watcher,
            root: root.to_path_buf(),
            watched: BTreeSet::new(),
        };
        // The root itself, not recursively: site.yaml, and folders appearing or going.
        watcher.watcher.watch(root, RecursiveMode::NonRecursive)?;
        watcher.refresh(&Changes::default());
        Ok(watcher)
    }

    /// Start watching watched folders that appeared, and watch again those
    /// that were replaced (deleted and made anew) in `changes`.
    pub fn refresh(&mut self, changes: &Changes) {
        for dir in WATCHED_DIRS {
            let path = self.root.join(dir);
            let replaced = changes.rescan || changes.paths.contains(dir);
            if self.watched.contains(&path) && (replaced || !path.is_dir()) {
                let _ = self.watcher.unwatch(&path);
                self.watched.remove(&path);
            }
            if !self.watched.contains(&path) && path.is_dir() {
                match self.watcher.watch(&path, RecursiveMode::Recursive) {
                    Ok(()) => {
                        self.watched.insert(path);
                    }
                    Err(e) => eprintln!("warning: cannot watch {dir}/: {e}"),
                }
            }
        }
    }
}

/// Batches of changes from the watcher, folded so a burst rebuilds only a few times.
pub struct Batches {
    rx: Receiver<Signal>,
    root: PathBuf,
    /// A signal taken by [`Batches::waiting`], not yet handled.
    early: Option<Signal>,
    /// When the loop last finished a batch's rebuild ([`Batches::idle`]).
    idle_since: Instant,
}

impl Batches {
    pub fn new(rx: Receiver<Signal>, root: &Path) -> Batches {
        Batches {
            rx,
            root: root.to_path_buf(),
            early: None,
            idle_since: Instant::now(),
        }
    }

    /// The last batch is rebuilt: a change sent from now on is measured
    /// from here to tell a burst ([`BUSY_FOR`]), whatever the loop does
    /// before it reads it (the search index's rebuild).
    pub fn idle(&mut self) {
        self.idle_since = Instant::now();
    }

    /// Whether a change or a stop is waiting to be read, or comes within
    /// `wait` (it is kept for the next [`Batches::next_batch`]).
    pub fn waiting_within(&mut self, wait: Duration) -> bool {
        if self.early.is_none() {
            self.early = self.rx.recv_timeout(wait).ok();
        }
        self.early.is_some()
    }

    /// The signal taken early, else the next one within `wait` (or at all).
    fn receive(&mut self, wait: Option<Duration>) -> Result<Signal, RecvTimeoutError> {
        match (self.early.take(), wait) {
            (Some(signal), _) => Ok(signal),
            (None, Some(wait)) => self.rx.recv_timeout(wait),
            (None, None) => self.rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        }
    }

    /// Wait for the next batch: the first change, then every change that
    /// follows within the quiet time of the one before (up to [`MAX_WAIT`]).
    /// `None` when asked to stop. `was_read`: whether the last build read
    /// the file at a path (one that went may be coming back).
    pub fn next_batch(&mut self, was_read: &dyn Fn(&str) -> bool) -> Option<Changes> {
        let (mut batch, sent) = match self.receive(None) {
            Ok(Signal::Changed(c, sent)) => (c, sent),
            Ok(Signal::Stop) | Err(_) => return None,
        };
        let busy = sent.saturating_duration_since(self.idle_since) < BUSY_FOR;
        self.gather(&mut batch, busy, was_read).then_some(batch)
    }

    /// Add to `batch` every change that follows within the quiet time of
    /// the one before (up to [`MAX_WAIT`]); `busy`: a burst is under way.
    /// A file the last build read that is gone waits longer
    /// ([`QUIET_AFTER_REMOVAL`]); one it never read (a temporary file
    /// renamed over a page) does not. False when asked to stop.
    pub fn gather(
        &mut self,
        batch: &mut Changes,
        busy: bool,
        was_read: &dyn Fn(&str) -> bool,
    ) -> bool {
        let quiet = if busy { QUIET_WHEN_BUSY } else { QUIET };
        let start = Instant::now();
        while start.elapsed() < MAX_WAIT {
            let gone = (batch.paths.iter()).any(|p| was_read(p) && !self.root.join(p).exists());
            let wait = if gone {
                quiet.max(QUIET_AFTER_REMOVAL)
            } else {
                quiet
            };
            match self.more_within(wait) {
                More::Changed(c) => batch.merge(c),
                More::Quiet => break,
                More::Stop => return false,
            }
        }
        true
    }

    /// What changed while a batch was rebuilt, now that the rebuild is
    /// done and before its files are written: `None` when nothing did, or
    /// when every changed path is a file that holds the bytes the build
    /// read (`as_read`): the rest of the save that started the batch, read
    /// whole. Otherwise every change that arrived, for a rebuild that takes
    /// them in. A stop waits for [`Batches::next_batch`].
    pub fn unsettled(&mut self, as_read: impl Fn(&str) -> bool) -> Option<Changes> {
        let mut arrived = Changes::default();
        loop {
            match self.receive(Some(Duration::ZERO)) {
                Ok(Signal::Changed(c, _)) => arrived.merge(c),
                Ok(Signal::Stop) => {
                    self.early = Some(Signal::Stop);
                    break;
                }
                Err(_) => break,
            }
        }
        let settled = !arrived.rescan && arrived.paths.iter().all(|p| as_read(p));
        (!settled).then_some(arrived)
    }

    /// What arrives within `wait`.
    pub fn more_within(&mut self, wait: Duration) -> More {
        match self.receive(Some(wait)) {
            Ok(Signal::Changed(c, _)) => More::Changed(c),
            Ok(Signal::Stop) | Err(RecvTimeoutError::Disconnected) => More::Stop,
            Err(RecvTimeoutError::Timeout) => More::Quiet,
        }
    }
}

/// See [`Batches::more_within`].
pub enum More {
    Changed(Changes),
    Quiet,
    Stop,
}

/// The changes named by some raw events, relative to `root`.
pub fn changes_of<'a>(
    root: &Path,
    events: impl Iterator<Item = (&'a EventKind, bool, &'a [PathBuf])>,
) -> Changes {
    let mut changes = Changes::default();
    for (kind, rescan, paths) in events {
        if rescan {
            changes.rescan = true;
            continue;
        }
        if matches!(kind, EventKind::Access(_)) {
            continue;
        }
        for path in paths {
            if let Some(rel) = relevant(root, path) {
                changes.paths.insert(rel);
            }
        }
    }
    changes
}

/// `path` relative to `root` when a build reads it ([`crate::files::counts`]);
/// `None` for everything else: the output folder, `.git`, editor leftovers.
pub fn relevant(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let rel = rel.to_string_lossy().replace('\\', "/");
    crate::files::counts(&rel).then_some(rel)
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{AccessKind, CreateKind, ModifyKind};

    fn rel(path: &str) -> Option<String> {
        relevant(Path::new("/site"), &Path::new("/site").join(path))
    }

    #[test]
    fn only_what_a_build_reads_is_relevant() {
        assert_eq!(rel("site.yaml").as_deref(), Some("site.yaml"));
        assert_eq!(rel("content/a.md").as_deref(), Some("content/a.md"));
        assert_eq!(rel("content").as_deref(), Some("content"));
        assert_eq!(
            rel("themes/x/templates/page.html").as_deref(),
            Some("themes/x/templates/page.html")
        );
        assert_eq!(rel("output/index.html"), None);
        assert_eq!(rel(".git/index"), None);
        assert_eq!(rel("README.md"), None);
        assert_eq!(
            relevant(Path::new("/site"), Path::new("/elsewhere/a.md")),
            None
        );
    }

    #[test]
    fn editor_swap_and_temp_files_are_ignored() {
        for name in [
            "content/.a.md.swp",
            "content/a.md~",
            "content/4913",
            "content/#a.md#",
            "content/.#a.md",
            "content/a.md.tmp",
            "templates/page.html___jb_tmp___",
            "static/.style.css.swx",
        ] {
            assert_eq!(rel(name), None, "{name}");
        }
        assert_eq!(
            rel("static/.well-known/security.txt").as_deref(),
            Some("static/.well-known/security.txt")
        );
        assert_eq!(rel("content/.hidden/a.md"), None);
    }

    #[test]
    fn access_events_are_ignored_and_rescans_kept() {
        let root = Path::new("/site");
        let paths = [root.join("content/a.md")];
        let access = EventKind::Access(AccessKind::Any);
        let modify = EventKind::Modify(ModifyKind::Any);
        let c = changes_of(root, [(&access, false, &paths[..])].into_iter());
        assert!(c.is_empty());
        let c = changes_of(root, [(&modify, false, &paths[..])].into_iter());
        assert_eq!(c.summary(), "content/a.md");
        let create = EventKind::Create(CreateKind::Any);
        let c = changes_of(root, [(&create, true, &[][..])].into_iter());
        assert!(c.rescan);
    }

    /// A change of `path`, sent now.
    fn change(path: &str) -> Signal {
        let paths = [path.to_string()].into();
        let changes = Changes {
            paths,
            rescan: false,
        };
        Signal::Changed(changes, Instant::now())
    }

    /// A site holding `content/a.md`, and batches read from the returned sender.
    fn site_with_a_page() -> (tempfile::TempDir, std::sync::mpsc::Sender<Signal>, Batches) {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("content")).unwrap();
        std::fs::write(root.path().join("content/a.md"), "x").unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let batches = Batches::new(rx, root.path());
        (root, tx, batches)
    }

    #[test]
    fn a_batch_waits_for_a_removed_file_to_come_back() {
        let root = tempfile::tempdir().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let mut batches = Batches::new(rx, root.path());
        // content/a.md is gone (renamed away); it comes back 30 ms later.
        // Sent after BUSY_FOR, so the batch is not taken for a burst.
        let _keep_open = tx.clone();
        let writer = std::thread::spawn(move || {
            std::thread::sleep(BUSY_FOR + Duration::from_millis(20));
            tx.send(change("content/a.md")).unwrap();
            std::thread::sleep(Duration::from_millis(30));
            tx.send(change("content/b.md")).unwrap();
        });
        let batch = batches.next_batch(&|_| true).unwrap();
        writer.join().unwrap();
        assert_eq!(batch.paths.len(), 2, "{batch:?}");
    }

    #[test]
    fn a_batch_does_not_wait_for_a_file_the_last_build_never_read() {
        let root = tempfile::tempdir().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let mut batches = Batches::new(rx, root.path());
        // A temporary file renamed over content/a.md: gone, and never read.
        let _keep_open = tx.clone();
        let sent = std::thread::spawn(move || {
            std::thread::sleep(BUSY_FOR + Duration::from_millis(20));
            tx.send(change("content/a.md.new")).unwrap();
            Instant::now()
        });
        let batch = batches.next_batch(&|p| p == "content/a.md").unwrap();
        let waited = sent.join().unwrap().elapsed();
        assert_eq!(batch.summary(), "content/a.md.new");
        assert!(waited < QUIET_AFTER_REMOVAL / 2, "{waited:?}");
    }

    #[test]
    fn a_batch_of_present_files_does_not_wait() {
        let (_root, tx, mut batches) = site_with_a_page();
        let _keep_open = tx.clone();
        let sent = std::thread::spawn(move || {
            std::thread::sleep(BUSY_FOR + Duration::from_millis(20));
            tx.send(change("content/a.md")).unwrap();
            Instant::now()
        });
        batches.next_batch(&|_| true).unwrap();
        let waited = sent.join().unwrap().elapsed();
        assert!(waited < Duration::from_millis(30), "{waited:?}");
    }

    #[test]
    fn a_change_read_late_is_a_burst_only_if_sent_soon_after_the_last_rebuild() {
        let (_root, tx, mut batches) = site_with_a_page();
        // Sent well after the last rebuild, read only once the loop is free
        // again (the search index took a while): not a burst, no waiting.
        batches.idle();
        std::thread::sleep(BUSY_FOR + Duration::from_millis(20));
        tx.send(change("content/a.md")).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        assert!(batches.waiting_within(Duration::ZERO));
        let read = Instant::now();
        batches.next_batch(&|_| true).unwrap();
        assert!(
            read.elapsed() < Duration::from_millis(30),
            "{:?}",
            read.elapsed()
        );
        // Sent right after the rebuild: a burst, so the batch waits for quiet.
        batches.idle();
        tx.send(change("content/a.md")).unwrap();
        let read = Instant::now();
        batches.next_batch(&|_| true).unwrap();
        assert!(read.elapsed() >= QUIET_WHEN_BUSY, "{:?}", read.elapsed());
    }

    #[test]
    fn a_change_during_a_rebuild_counts_unless_the_build_read_it_as_it_is() {
        let (_root, tx, mut batches) = site_with_a_page();
        assert_eq!(batches.unsettled(|_| false), None, "nothing arrived");
        tx.send(change("content/a.md")).unwrap();
        assert_eq!(batches.unsettled(|p| p == "content/a.md"), None);
        tx.send(change("content/a.md")).unwrap();
        tx.send(change("content/b.md")).unwrap();
        let more = batches.unsettled(|p| p == "content/a.md");
        assert_eq!(
            more.map(|m| m.summary()).as_deref(),
            Some("content/a.md and 1 more")
        );
        let rescan = Changes {
            rescan: true,
            ..Changes::default()
        };
        tx.send(Signal::Changed(rescan, Instant::now())).unwrap();
        assert!(batches.unsettled(|_| true).is_some_and(|m| m.rescan));
        // A stop waits for the next batch.
        tx.send(change("content/a.md")).unwrap();
        tx.send(Signal::Stop).unwrap();
        assert_eq!(batches.unsettled(|_| true), None);
        assert!(batches.next_batch(&|_| true).is_none());
    }

    #[test]
    fn a_change_that_comes_while_waiting_is_kept_for_the_next_batch() {
        let (_root, tx, mut batches) = site_with_a_page();
        let waited = Instant::now();
        assert!(!batches.waiting_within(Duration::from_millis(30)));
        assert!(waited.elapsed() >= Duration::from_millis(30));
        let _keep_open = tx.clone();
        let sender = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            tx.send(change("content/a.md")).unwrap();
        });
        assert!(batches.waiting_within(Duration::from_secs(5)));
        sender.join().unwrap();
        let batch = batches.next_batch(&|_| true).unwrap();
        assert_eq!(batch.summary(), "content/a.md");
    }

    #[test]
    fn touches_matches_a_path_or_a_folder_above_it() {
        let mut c = Changes::default();
        c.paths.insert("static/css".into());
        let root = Path::new("/site");
        assert!(c.touches(root, Path::new("/site/static/css/a.css")));
        assert!(!c.touches(root, Path::new("/site/static/cssx/a.css")));
        assert!(!c.touches(root, Path::new("/site/static/b.css")));
    }
}
