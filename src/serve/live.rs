//! Live reload over Server-Sent Events. `watch` calls [`Live`] after each
//! rebuild; every open page's script hears `reload` (with the URL paths
//! whose files changed), `errors` (the diagnostics of a broken edit, for
//! the overlay) or `ok` (the site builds again).
//!
//! So that no page misses a build, each build that changed files has an id:
//! a served page carries the id current when it was read, the stream's first
//! message (`hello`) names the current one, and every `reload` names its
//! own. A page that connects (or reconnects, to a restarted `watch`) after a
//! build it did not hear of sees a different id and refreshes.

use crate::diagnostic::{Diagnostic, display_path};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream, StreamExt};
use serde_json::json;
use std::convert::Infallible;
use std::sync::{Arc, RwLock};
use tokio::sync::broadcast;

/// The handle `watch` and the server share.
#[derive(Clone)]
pub struct Live {
    inner: Arc<Inner>,
}

struct Inner {
    tx: broadcast::Sender<Message>,
    state: RwLock<State>,
}

struct State {
    base_path: String,
    /// This process's start (unique across restarts) and builds since.
    started: u128,
    builds: u64,
    /// The `errors` event of the current broken build, sent to pages as they connect.
    errors: Option<String>,
}

#[derive(Clone, Debug)]
struct Message {
    event: &'static str,
    data: String,
}

impl Live {
    pub fn new(base_path: &str) -> Live {
        let (tx, _) = broadcast::channel(64);
        Live {
            inner: Arc::new(Inner {
                tx,
                state: RwLock::new(State {
                    base_path: base_path.to_string(),
                    started: std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_millis()),
                    builds: 0,
                    errors: None,
                }),
            }),
        }
    }

    /// The path the site is served under, `/` or `/sub/`.
    pub fn base_path(&self) -> String {
        self.read(|s| s.base_path.clone())
    }

    /// The id of the output folder's current build.
    pub fn build(&self) -> String {
        self.read(State::build)
    }

    pub fn set_base_path(&self, base_path: &str) {
        self.write(|s| s.base_path = base_path.to_string());
    }

    /// The site built: clear any error overlay, and reload pages showing
    /// `files` (paths under the output folder) once they are written.
    pub fn built(&self, files: &[String]) {
        let had_errors = self.write(|s| s.errors.take().is_some());
        if had_errors {
            self.send("ok", "{}".into());
        }
        if files.is_empty() {
            return;
        }
        let build = self.write(|s| {
            s.builds += 1;
            s.build()
        });
        let base = self.base_path();
        let paths: Vec<String> = files.iter().map(|f| url_path(&base, f)).collect();
        self.send(
            "reload",
            json!({ "paths": paths, "build": build }).to_string(),
        );
    }

    /// The site failed to build: show `diagnostics` over every open page.
    pub fn failed(&self, diagnostics: &[Diagnostic]) {
        let list: Vec<_> = diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| {
                json!({
                    "path": display_path(&d.path),
                    "line": d.line,
                    "column": d.column,
                    "message": d.message,
                    "snippet": d.snippet,
                    "text": d.to_string(),
                })
            })
            .collect();
        let data = json!({ "errors": list }).to_string();
        self.write(|s| s.errors = Some(data.clone()));
        self.send("errors", data);
    }

    fn send(&self, event: &'static str, data: String) {
        // No receiver means no open page: nothing to do.
        let _ = self.inner.tx.send(Message { event, data });
    }

    fn read<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        f(&self.inner.state.read().unwrap_or_else(|e| e.into_inner()))
    }

    fn write<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.inner.state.write().unwrap_or_else(|e| e.into_inner()))
    }
}

impl State {
    fn build(&self) -> String {
        format!("{:x}-{}", self.started, self.builds)
    }
}

/// The URL path of an output file: `memo/index.html` → `/sub/memo/`.
pub fn url_path(base: &str, file: &str) -> String {
    let page = if file == "index.html" {
        ""
    } else {
        file.strip_suffix("/index.html")
            .map(|dir| &file[..dir.len() + 1])
            .unwrap_or(file)
    };
    format!("{base}{page}")
}

/// The event stream of one open page: the current errors first, if any.
pub async fn events(live: Live) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    // Subscribe before reading the state, so no message falls in between.
    let rx = live.inner.tx.subscribe();
    let first = live.read(|s| s.errors.clone()).map(|data| Message {
        event: "errors",
        data,
    });
    let hello = Message {
        event: "hello",
        data: json!({ "build": live.build() }).to_string(),
    };
    let rest = stream::unfold(rx, |mut rx| async move {
        let message = match rx.recv().await {
            Ok(m) => m,
            // Too slow to keep up: a full reload is always right.
            Err(broadcast::error::RecvError::Lagged(_)) => Message {
                event: "reload",
                data: json!({ "all": true }).to_string(),
            },
            Err(broadcast::error::RecvError::Closed) => return None,
        };
        Some((message, rx))
    });
    let messages = stream::iter([Some(hello), first].into_iter().flatten()).chain(rest);
    Sse::new(messages.map(|m| Ok(Event::default().event(m.event).data(m.data))))
        .keep_alive(KeepAlive::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_files_map_to_url_paths() {
        assert_eq!(url_path("/", "index.html"), "/");
        assert_eq!(url_path("/sub/", "memo/index.html"), "/sub/memo/");
        assert_eq!(url_path("/", "style.css"), "/style.css");
        assert_eq!(url_path("/", "404.html"), "/404.html");
    }
}
