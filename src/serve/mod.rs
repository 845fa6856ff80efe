//! The preview server of `watch`: serves the output folder over HTTP under
//! the site's base path, with the site's own `404.html`, no directory
//! listings and nothing outside the folder (tower-http's `ServeDir` decodes
//! and checks paths). HTML responses get the live-reload script as they are
//! served; the files on disk never contain it. Not for deciding when to
//! reload: `watch` tells [`Live`] after the new files are written.

pub mod live;

pub use live::Live;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// Where the tool's own routes live, outside any site's base path.
pub const TOOL_PREFIX: &str = "/__dossier";
const SCRIPT_PATH: &str = "/__dossier/reload.js";
const EVENTS_PATH: &str = "/__dossier/events";
/// The live-reload and error-overlay script.
const RELOAD_JS: &str = include_str!("reload.js");

/// Connections the kernel holds for the server before it accepts them.
/// std's `TcpListener::bind` asks for 128, which a burst of a few hundred
/// clients at once (a page's assets, tabs reloading together) can fill
/// while the server is busy; the likely cause of a reset client seen once
/// in the server's stress test.
const BACKLOG: i32 = 1024;

/// A listening socket on `addr`, made as std's `bind` makes one (address
/// reuse on Unix, close-on-exec), with a longer queue ([`BACKLOG`]).
fn listen(addr: SocketAddr) -> io::Result<std::net::TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    #[cfg(unix)]
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
}

/// Listen on `addr`, explaining the usual failure.
pub fn bind(addr: SocketAddr) -> Result<std::net::TcpListener, String> {
    let listener = listen(addr).map_err(|e| match e.kind() {
        io::ErrorKind::AddrInUse => format!(
            "cannot serve on {addr}: the port is already in use (another `dossier watch`?); \
             choose another with --port, e.g. --port {}",
            addr.port().wrapping_add(1).max(1024)
        ),
        io::ErrorKind::AddrNotAvailable => {
            format!("cannot serve on {addr}: no such address on this machine (check --bind)")
        }
        io::ErrorKind::PermissionDenied => format!(
            "cannot serve on {addr}: permission denied; choose a port above 1023 with --port"
        ),
        _ => format!("cannot serve on {addr}: {e}"),
    })?;
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("cannot serve on {addr}: {e}"))?;
    Ok(listener)
}

/// How long a client may take to send a request's headers (and how long a
/// kept-alive connection may sit idle) before the server closes it: a client
/// that never finishes a request holds nothing for long.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Serve `output` on `listener` until `shutdown` completes. Each connection
/// is its own task, so hundreds of them, or slow ones, do not keep others
/// waiting; one whose request headers do not arrive within
/// [`HEADER_TIMEOUT`] is closed (axum's own `serve` sets no such timer).
pub async fn run(
    listener: std::net::TcpListener,
    output: PathBuf,
    live: Live,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let app = app(output, live);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file handles, say: wait a moment rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
        });
    }
    drop(listener);
    // Open event streams never finish by themselves: a moment, then go.
    let _ = tokio::time::timeout(Duration::from_millis(200), graceful.shutdown()).await;
    Ok(())
}

/// The preview server's routes: the reload script, the event stream, and
/// the output folder's files under the base path.
pub fn app(output: PathBuf, live: Live) -> Router {
    let state = Arc::new(Files {
        dir: ServeDir::new(&output).append_index_html_on_directories(true),
        output,
        live: live.clone(),
    });
    Router::new()
        .route(SCRIPT_PATH, get(script))
        .route(EVENTS_PATH, get(move || live::events(live.clone())))
        .fallback(files)
        .with_state(state)
}

struct Files {
    dir: ServeDir,
    output: PathBuf,
    live: Live,
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        RELOAD_JS,
    )
        .into_response()
}

/// A file of the output folder, found under the site's base path.
async fn files(State(files): State<Arc<Files>>, request: Request) -> Response {
    let base = files.live.base_path();
    // Read before the file: a page never claims a build newer than its bytes.
    let build = files.live.build();
    let path = request.uri().path().to_string();
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    // `/` and `/sub` lead to the site at `/sub/`.
    if base != "/" && (path == "/" || path == base.trim_end_matches('/')) {
        return redirect(&base);
    }
    let Some(rest) = path.strip_prefix(base.as_str()) else {
        return not_found(&files, &build).await;
    };
    // A symlink in the output folder may lead out of it: whatever the path
    // names must resolve to a place inside.
    let named = files.output.join(crate::markdown::percent_decode(rest));
    if let (Ok(real), Ok(top)) = (named.canonicalize(), files.output.canonicalize())
        && !real.starts_with(&top)
    {
        return not_found(&files, &build).await;
    }
    let (mut parts, body) = request.into_parts();
    let query = parts
        .uri
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    parts.uri = match format!("/{rest}{query}").parse::<Uri>() {
        Ok(uri) => uri,
        Err(_) => return not_found(&files, &build).await,
    };
    // Every response is fresh: a page rebuilt twice within a second would
    // otherwise look unmodified to a browser's conditional request.
    for name in [
        header::IF_MODIFIED_SINCE,
        header::IF_NONE_MATCH,
        header::IF_UNMODIFIED_SINCE,
    ] {
        parts.headers.remove(name);
    }
    let response = match files
        .dir
        .clone()
        .oneshot(Request::from_parts(parts, body))
        .await
    {
        Ok(r) => r.map(Body::new),
        Err(e) => match e {},
    };
    match response.status() {
        StatusCode::NOT_FOUND => not_found(&files, &build).await,
        s if s.is_redirection() => {
            // ServeDir adds the slash to a folder's path, without our base.
            let location = response
                .headers()
                .get(header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .and_then(|l| l.strip_prefix('/'))
                .map(|l| format!("{base}{l}"));
            match location {
                Some(l) => redirect(&l),
                None => response,
            }
        }
        _ => fresh(inject(response, false, &build).await),
    }
}

/// The site's `404.html` with status 404, or a bare page when there is none.
async fn not_found(files: &Files, build: &str) -> Response {
    let page = tokio::fs::read(files.output.join("404.html"))
        .await
        .unwrap_or_else(|_| {
            b"<!doctype html><title>Not found</title><h1>Not found</h1>\n".to_vec()
        });
    let response = (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response();
    fresh(inject(response, true, build).await)
}

fn redirect(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(l) => fresh((StatusCode::FOUND, [(header::LOCATION, l)]).into_response()),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

fn fresh(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.remove(header::LAST_MODIFIED);
    headers.remove(header::ETAG);
    response
}

/// Add the reload script to an HTML response; anything else passes as is.
async fn inject(response: Response, not_found: bool, build: &str) -> Response {
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let status = response.status();
    if !is_html || !(status == StatusCode::OK || status == StatusCode::NOT_FOUND) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let html = with_script(&bytes, not_found, build);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::ACCEPT_RANGES);
    Response::from_parts(parts, Body::from(html))
}

/// `html` with the script tag before its last `</body>`, or at its end.
pub fn with_script(html: &[u8], not_found: bool, build: &str) -> Vec<u8> {
    let tag = format!(
        "<script src=\"{SCRIPT_PATH}\" data-not-found=\"{not_found}\" data-build=\"{build}\" defer></script>"
    );
    let at = html
        .windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
        .unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + tag.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(tag.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_goes_before_the_closing_body_tag() {
        let html = with_script(b"<html><body><p>x</p></BODY></html>", false, "b-1");
        let html = String::from_utf8(html).unwrap();
        assert!(html.ends_with("defer></script></BODY></html>"), "{html}");
        let bare = String::from_utf8(with_script(b"<p>x", true, "b-1")).unwrap();
        assert!(bare.starts_with("<p>x<script"));
        assert!(bare.contains("data-not-found=\"true\""));
    }
}
