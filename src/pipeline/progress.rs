//! Progress on a terminal for a build that takes a while: nothing for the
//! first half second (most builds are done by then), then a spinner naming
//! the last stage done and, while pages render, how many are written.
//! indicatif draws nothing when stderr is not a terminal, so logs and CI
//! output carry only the summary line.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a build runs before its progress shows.
const DELAY: Duration = Duration::from_millis(500);
/// Between stages, and while pages render.
const STAGE: &str = "{spinner} {elapsed} {msg}";
const PAGES: &str = "{spinner} {elapsed} rendering [{bar:30}] {pos}/{len} pages";

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).expect("a valid progress template")
}

pub(super) struct Progress {
    bar: ProgressBar,
    /// Set when the build ends; the delayed start shows nothing after it.
    done: Arc<Mutex<bool>>,
}

impl Progress {
    pub(super) fn start() -> Progress {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(style(STAGE));
        let done = Arc::new(Mutex::new(false));
        let (shown, ended) = (bar.clone(), done.clone());
        std::thread::spawn(move || {
            std::thread::sleep(DELAY);
            let ended = ended.lock().unwrap_or_else(|e| e.into_inner());
            if !*ended {
                shown.set_draw_target(ProgressDrawTarget::stderr());
                shown.enable_steady_tick(Duration::from_millis(100));
            }
        });
        Progress { bar, done }
    }

    /// A stage of the build is done.
    pub(super) fn stage(&self, stage: &str) {
        self.bar.set_style(style(STAGE));
        self.bar.set_message(format!("{stage} done"));
    }

    /// Pages rendered and written so far, of `total`.
    pub(super) fn pages(&self, done: usize, total: usize) {
        if self.bar.length() != Some(total as u64) {
            self.bar.set_style(style(PAGES).progress_chars("=> "));
            self.bar.set_length(total as u64);
        }
        self.bar.set_position(done as u64);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        *self.done.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.bar.finish_and_clear();
    }
}
