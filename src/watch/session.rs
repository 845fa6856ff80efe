//! One `watch` session's state: the last good build, what the output folder
//! holds, and the live-reload handle. Each rebuild writes only the files
//! whose bytes differ from the last write, then tells open pages; a failed
//! rebuild changes nothing on disk.

use super::events::Changes;
use super::report;
use crate::diagnostic::Diagnostic;
use crate::output::{self, Plan, Source, Written};
use crate::pipeline::{self, Built};
use crate::serve::Live;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// How a rebuild ended ([`Session::rebuild`]).
pub enum Outcome {
    /// Written, and the open pages told.
    Shown,
    /// It failed: nothing changed on disk.
    Failed(Vec<Diagnostic>),
    /// Files changed while it ran, not as it read them: nothing written;
    /// build again with these changes too.
    Stale(Changes),
}

pub struct Session {
    options: pipeline::Options,
    out_dir: PathBuf,
    /// The last build that succeeded; its plan is what the output folder holds.
    last: Option<Built>,
    /// Every change since `last` was built: a failed rebuild's changes must
    /// still count for the next one.
    pending: Changes,
    /// The errors of the current broken build, if it is broken.
    failed: Option<Vec<Diagnostic>>,
    /// A write failed: the output folder may not match `last`.
    dirty: bool,
    warnings: Vec<Diagnostic>,
    live: Option<Live>,
    /// The output's second copy, where each rebuild is prepared ([`output::Spare`]).
    spare: output::Spare,
}

impl Session {
    pub fn new(options: pipeline::Options, out_dir: PathBuf) -> Session {
        Session {
            options,
            out_dir,
            last: None,
            pending: Changes::default(),
            failed: None,
            dirty: false,
            warnings: Vec::new(),
            live: None,
            spare: output::Spare::default(),
        }
    }

    /// The first, full build; the output folder is made to match it exactly.
    pub fn first_build(&mut self) {
        let start = Instant::now();
        match pipeline::build(&self.options) {
            Ok(built) => {
                let mut warnings = built.warnings.clone();
                warnings.extend(pipeline::dropped_updates(&built.site, &self.out_dir));
                self.show_warnings(&warnings);
                self.spare.forget(&self.out_dir);
                match output::write(&self.out_dir, &built.plan) {
                    Ok(w) => println!(
                        "Built {} pages, {} sections: {} files written, {} unchanged, {} removed in {} ms",
                        built.page_count(),
                        built.section_count(),
                        w.written.len(),
                        w.unchanged,
                        w.removed.len(),
                        start.elapsed().as_millis()
                    ),
                    Err(e) => self.write_failed(&e),
                }
                self.last = Some(built);
            }
            Err(diagnostics) => {
                report(&diagnostics);
                println!("The site does not build yet; fix the errors above and save");
                self.failed = Some(diagnostics);
            }
        }
    }

    /// Start live reload; pages opened now see the current errors, if any.
    pub fn serve(&mut self) -> Live {
        let base_path = match &self.last {
            Some(built) => built.site.base_path.clone(),
            None => crate::config::Config::load(&self.options.root, None)
                .map(|c| c.base_path())
                .unwrap_or_else(|_| "/".into()),
        };
        let live = Live::new(&base_path);
        if let Some(diagnostics) = &self.failed {
            live.failed(diagnostics);
        }
        self.live = Some(live.clone());
        live
    }

    /// Rebuild after `changes`, then ask `settle` what changed while it ran
    /// ([`super::events::Batches::unsettled`]): when nothing that counts,
    /// write, print one line and push the reload. On failure nothing
    /// changes: the caller decides when to show the errors
    /// ([`Session::failed`]). The search index may stay the previous
    /// build's ([`Session::update_search`]).
    pub fn rebuild(
        &mut self,
        changes: &Changes,
        start: Instant,
        settle: &mut dyn FnMut(&Built) -> Option<Changes>,
    ) -> Outcome {
        match self.rebuild_now(changes, start, true, settle) {
            Ok(None) => Outcome::Shown,
            Ok(Some(more)) => Outcome::Stale(more),
            Err(diagnostics) => Outcome::Failed(diagnostics),
        }
    }

    /// Whether the last good build read the file at `path` (relative to
    /// the root).
    pub fn read(&self, path: &str) -> bool {
        self.last.as_ref().is_some_and(|b| b.read(path))
    }

    /// Make the output's spare copy now, while nothing waits, if the next
    /// rebuild would have to ([`output::make_spare`]); a failure is left
    /// for that rebuild to meet.
    pub fn prepare_spare(&mut self) {
        if self.last.is_some() && !self.dirty {
            let _ = output::make_spare(&self.out_dir, &mut self.spare);
        }
    }

    /// Bring the search index up to date, if the last rebuild left it behind.
    pub fn update_search(&mut self) {
        if self.last.as_ref().is_some_and(|b| b.search_stale) {
            let _ = self.rebuild_now(&Changes::default(), Instant::now(), false, &mut |_| None);
        }
    }

    /// [`Session::rebuild`]; with `search_later`, the search index may stay
    /// the previous build's, to be brought up to date by a rebuild without.
    /// `Ok(Some(..))`: not written, since these changed while it ran.
    fn rebuild_now(
        &mut self,
        changes: &Changes,
        start: Instant,
        search_later: bool,
        settle: &mut dyn FnMut(&Built) -> Option<Changes>,
    ) -> Result<Option<Changes>, Vec<Diagnostic>> {
        self.pending.merge(changes.clone());
        let changes = &self.pending.clone();
        let incremental = !changes.rescan && !self.dirty;
        let previous = self.last.as_ref().filter(|_| incremental);
        let incremental = previous.is_some();
        let previous = previous.map(|built| pipeline::Previous {
            built,
            changed: &changes.paths,
            search_later,
        });
        let built = pipeline::rebuild(&self.options, previous)?;
        if let Some(more) = settle(&built) {
            // Its pending changes stay for the build that follows.
            std::thread::spawn(move || drop(built));
            return Ok(Some(more));
        }
        let when = clock();
        let what = changes.summary();
        self.failed = None;
        let mut warnings = built.warnings.clone();
        warnings.extend(pipeline::dropped_updates(&built.site, &self.out_dir));
        self.show_warnings(&warnings);
        let written = match self.write(&built, changes, incremental) {
            Ok(w) => w,
            Err(e) => {
                self.write_failed(&e);
                self.last = Some(built);
                self.pending = Changes::default();
                return Ok(None);
            }
        };
        let files = |n: usize| if n == 1 { "file" } else { "files" };
        match search_later {
            true => println!(
                "{when} {what} changed: {} page{} re-rendered, {} {} written, {} removed in {} ms",
                built.rendered,
                if built.rendered == 1 { "" } else { "s" },
                written.written.len(),
                files(written.written.len()),
                written.removed.len(),
                start.elapsed().as_millis()
            ),
            false => println!(
                "{when} search index updated: {} {} written, {} removed in {} ms",
                written.written.len(),
                files(written.written.len()),
                written.removed.len(),
                start.elapsed().as_millis()
            ),
        }
        if let Some(live) = &self.live {
            live.set_base_path(&built.site.base_path);
            let touched: Vec<String> = written
                .written
                .iter()
                .chain(&written.removed)
                .cloned()
                .collect();
            live.built(&touched);
        }
        // The previous build is large on a large site: free it off the edit's path.
        if let Some(old) = self.last.replace(built) {
            std::thread::spawn(move || drop(old));
        }
        self.pending = Changes::default();
        Ok(None)
    }

    /// Show a failed rebuild: in the terminal, and over the open pages. The
    /// last good site stays on disk and served.
    pub fn failed(&mut self, changes: &Changes, diagnostics: Vec<Diagnostic>, start: Instant) {
        report(&diagnostics);
        let errors = diagnostics.iter().filter(|d| d.is_error()).count();
        println!(
            "{} {} changed: {errors} error{} in {} ms; still serving the last good site",
            clock(),
            changes.summary(),
            if errors == 1 { "" } else { "s" },
            start.elapsed().as_millis()
        );
        if let Some(live) = &self.live {
            // The file just saved is most likely the culprit: its errors first.
            let mut shown = diagnostics.clone();
            shown.sort_by_key(|d| {
                !changes
                    .paths
                    .contains(&crate::diagnostic::display_path(&d.path))
            });
            live.failed(&shown);
        }
        self.failed = Some(diagnostics);
    }

    /// Bring the output folder to `built`: only what differs from the last
    /// write when that is known, else a full comparison.
    fn write(
        &mut self,
        built: &Built,
        changes: &Changes,
        incremental: bool,
    ) -> std::io::Result<Written> {
        if incremental && let Some(last) = &self.last {
            let (changed, removed) = diff(&last.plan, &built.plan, changes, &self.options.root);
            if let Ok(w) = output::write_some(
                &self.out_dir,
                &built.plan,
                &changed,
                &removed,
                &mut self.spare,
            ) {
                return Ok(w);
            }
        }
        self.spare.forget(&self.out_dir);
        let written = output::write(&self.out_dir, &built.plan)?;
        self.dirty = false;
        Ok(written)
    }

    /// Watch is stopping: the spare copy goes, so only the output stays.
    pub fn stop(&mut self) {
        self.spare.forget(&self.out_dir);
    }

    fn write_failed(&mut self, e: &std::io::Error) {
        eprintln!(
            "error: {}",
            output::failure(&self.options.root, &self.out_dir, e)
        );
        self.dirty = true;
    }

    /// Warnings are printed when they first appear, not on every rebuild.
    fn show_warnings(&mut self, warnings: &[Diagnostic]) {
        let new: Vec<Diagnostic> = warnings
            .iter()
            .filter(|w| !self.warnings.contains(w))
            .cloned()
            .collect();
        if !new.is_empty() {
            report(&new);
        }
        self.warnings = warnings.to_vec();
    }
}

/// Files of `new` that differ from `old` (copied files: when their source
/// moved or was touched by `changes`), and files of `old` that `new` drops.
fn diff(old: &Plan, new: &Plan, changes: &Changes, root: &Path) -> (Vec<String>, Vec<String>) {
    let differs = |a: &Source, b: &Source| match (a, b) {
        (Source::Bytes(a), Source::Bytes(b)) => !std::sync::Arc::ptr_eq(a, b) && a != b,
        (Source::Copy(a), Source::Copy(b)) => a != b || changes.touches(root, b),
        _ => true,
    };
    // Both plans are sorted by path: walk them side by side. Equal paths
    // first: most are the same shared name, told equal without reading it.
    let (mut changed, mut removed) = (Vec::new(), Vec::new());
    let (mut olds, mut news) = (old.iter().peekable(), new.iter().peekable());
    loop {
        match (olds.peek(), news.peek()) {
            (None, None) => break,
            (Some((o, a)), Some((n, b))) if o == n => {
                if differs(a, b) {
                    changed.push(n.to_string());
                }
                olds.next();
                news.next();
            }
            (Some((o, _)), Some((n, _))) if o < n => {
                removed.push(o.to_string());
                olds.next();
            }
            (Some(_), None) => removed.extend(olds.next().map(|(o, _)| o.to_string())),
            (_, Some(_)) => changed.extend(news.next().map(|(n, _)| n.to_string())),
        }
    }
    (changed, removed)
}

/// The time of day, for the rebuild lines.
fn clock() -> String {
    jiff::Zoned::now().strftime("%H:%M:%S").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn diff_names_new_changed_and_removed_files() {
        let bytes = |s: &str| Source::Bytes(Arc::from(s.as_bytes()));
        let same: Arc<[u8]> = Arc::from(&b"same"[..]);
        let old: Plan = [
            ("a.html".into(), bytes("gone")),
            ("b.html".into(), Source::Bytes(same.clone())),
            ("c.html".into(), bytes("old text")),
            ("e.css".into(), Source::Copy("/site/static/e.css".into())),
        ]
        .into_iter()
        .collect();
        let new: Plan = [
            ("b.html".into(), Source::Bytes(same)),
            ("c.html".into(), bytes("new text")),
            ("d.html".into(), bytes("added")),
            ("e.css".into(), Source::Copy("/site/static/e.css".into())),
        ]
        .into_iter()
        .collect();
        let (changed, removed) = diff(&old, &new, &Changes::default(), Path::new("/site"));
        assert_eq!(changed, ["c.html", "d.html"]);
        assert_eq!(removed, ["a.html"]);
        let mut touched = Changes::default();
        touched.paths.insert("static/e.css".into());
        let (changed, _) = diff(&old, &new, &touched, Path::new("/site"));
        assert_eq!(changed, ["c.html", "d.html", "e.css"]);
    }
}
