//! Shared by the `watch_*` tests: a small fixture site in a temp folder, the
//! real `dossier watch` running on it on a free port (killed on drop), a
//! tiny HTTP client over `TcpStream`, and a comparison with a clean build.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_dossier");
/// Upper bound for anything a test waits for; a passing test waits far less.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// A fixture site: a theme without Tera functions (so rebuilds can be
/// partial), a home page, two pages, and a section with one page.
pub struct Site {
    pub dir: tempfile::TempDir,
}

impl Site {
    pub fn new() -> Site {
        Self::with_base_url("https://example.org")
    }

    pub fn with_base_url(base_url: &str) -> Site {
        let site = Site {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        site.write(
            "site.yaml",
            &format!("title: Fixture\nbase_url: \"{base_url}\"\ntheme: plain\n"),
        );
        site.write(
            "themes/plain/templates/base.html",
            "<!doctype html>\n<html lang=\"{{ site.language }}\">\n<head><meta charset=\"utf-8\">\
             <title>{% block title %}{{ site.title }}{% endblock %}</title>\
             <link rel=\"stylesheet\" href=\"{{ url(path='style.css') }}\"></head>\n\
             <body>\n{% block body %}{% endblock %}\n</body>\n</html>\n",
        );
        site.write(
            "themes/plain/templates/page.html",
            "{% extends \"base.html\" %}{% block title %}{{ page.title }}{% endblock %}\
             {% block body %}<main><h1>{{ page.title }}</h1>\n{{ page.content | safe }}</main>\n\
             {% if page.previous %}<a rel=\"prev\" href=\"{{ page.previous.url }}\">{{ page.previous.title }}</a>{% endif %}\n\
             {% if page.next %}<a rel=\"next\" href=\"{{ page.next.url }}\">{{ page.next.title }}</a>{% endif %}\n\
             {% endblock %}",
        );
        site.write(
            "themes/plain/templates/section.html",
            "{% extends \"base.html\" %}{% block body %}<main><h1>{{ section.title }}</h1>\n\
             {{ section.content | safe }}<ul>\n{% for p in section.pages %}<li><a href=\"{{ p.url }}\">{{ p.title }}</a></li>\n{% endfor %}</ul>\n\
             </main>{% endblock %}",
        );
        site.write(
            "themes/plain/templates/index.html",
            "{% extends \"section.html\" %}",
        );
        site.write(
            "themes/plain/templates/404.html",
            "{% extends \"base.html\" %}{% block body %}<h1>Nothing here</h1>{% endblock %}",
        );
        site.write("themes/plain/static/style.css", "body { color: black; }\n");
        site.page("_index.md", "Home", "Welcome home.\n");
        site.page(
            "alpha.md",
            "Alpha",
            "The first page. See [beta](beta.md).\n",
        );
        site.page("beta.md", "Beta", "The second page.\n");
        site.page("notes/_index.md", "Notes", "Some notes.\n");
        site.page("notes/one.md", "Note one", "A note.\n");
        site
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    pub fn page(&self, rel: &str, title: &str, body: &str) {
        self.write(
            &format!("content/{rel}"),
            &format!("---\ntitle: {title}\n---\n{body}"),
        );
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.path(rel).exists()
    }

    /// Build the site from scratch into a new folder and return its files.
    pub fn clean_build(&self, extra: &[&str]) -> BTreeMap<String, Vec<u8>> {
        let out = tempfile::tempdir().unwrap();
        let status = Command::new(BIN)
            .arg("build")
            .arg("--root")
            .arg(self.dir.path())
            .arg("--output")
            .arg(out.path().join("site"))
            .args(extra)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "clean build failed");
        files(&out.path().join("site"))
    }

    /// `output/` holds exactly what a clean build produces.
    pub fn assert_output_is_clean_build(&self) {
        let clean = self.clean_build(&[]);
        let watched = files(&self.path("output"));
        let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
        assert_eq!(names(&watched), names(&clean), "different files");
        for (name, bytes) in &clean {
            assert!(
                watched[name] == *bytes,
                "{name} differs from a clean build:\n--- watch\n{}\n--- build\n{}",
                String::from_utf8_lossy(&watched[name]),
                String::from_utf8_lossy(bytes)
            );
        }
    }
}

/// Every file under `dir`, by `/`-separated relative path.
pub fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `dossier watch` on a site; killed when dropped.
pub struct Watch {
    child: Child,
    pub port: u16,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Watch {
    /// Start serving `site` and wait until it is ready.
    pub fn start(site: &Site) -> Watch {
        Self::start_with(site, &[])
    }

    pub fn start_with(site: &Site, extra: &[&str]) -> Watch {
        let port = free_port();
        let mut child = Command::new(BIN)
            .arg("watch")
            .arg("--root")
            .arg(site.dir.path())
            .arg("--port")
            .arg(port.to_string())
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start dossier watch");
        let stdout = collect(child.stdout.take().unwrap());
        let stderr = collect(child.stderr.take().unwrap());
        let watch = Watch {
            child,
            port,
            stdout,
            stderr,
        };
        watch.wait_for_stdout("press Ctrl-C to stop");
        watch
    }

    pub fn stdout(&self) -> String {
        self.stdout.lock().unwrap().join("\n")
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }

    /// The one-line reports of rebuilds so far.
    pub fn rebuilds(&self) -> Vec<String> {
        self.stdout
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(" changed: "))
            .cloned()
            .collect()
    }

    pub fn wait_for_stdout(&self, needle: &str) {
        let start = Instant::now();
        while !self.stdout().contains(needle) {
            assert!(
                start.elapsed() < PATIENCE,
                "no `{needle}` on stdout after {PATIENCE:?}\nstdout:\n{}\nstderr:\n{}",
                self.stdout(),
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Wait for more than `before` rebuilds, then until none follows for a while.
    pub fn settle(&self, before: usize) -> Vec<String> {
        let start = Instant::now();
        while self.rebuilds().len() <= before {
            assert!(
                start.elapsed() < PATIENCE,
                "no rebuild after {PATIENCE:?}\nstdout:\n{}\nstderr:\n{}",
                self.stdout(),
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        let mut count = self.rebuilds().len();
        let mut quiet_since = Instant::now();
        while quiet_since.elapsed() < Duration::from_millis(400) {
            std::thread::sleep(Duration::from_millis(20));
            let now = self.rebuilds().len();
            if now != count {
                count = now;
                quiet_since = Instant::now();
            }
            assert!(start.elapsed() < PATIENCE, "rebuilds never stopped");
        }
        self.rebuilds()[before..].to_vec()
    }

    /// Let a change land: `f` edits files, then wait for its rebuild(s) to finish.
    pub fn edit(&self, f: impl FnOnce()) -> Vec<String> {
        let before = self.rebuilds().len();
        f();
        self.settle(before)
    }

    pub fn get(&self, path: &str) -> Response {
        get(self.port, path)
    }

    /// Subscribe to live-reload events.
    pub fn events(&self) -> Events {
        Events::connect(self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Wait for the process to exit by itself.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn collect(stream: impl Read + Send + 'static) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            match line {
                Ok(l) => sink.lock().unwrap().push(l),
                Err(_) => break,
            }
        }
    });
    lines
}

/// An HTTP response, as read off the socket.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// `GET path` on 127.0.0.1:`port`; `path` is sent exactly as given.
pub fn get(port: u16, path: &str) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read response");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let chunked = headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    if chunked {
        body = dechunk(&body);
    }
    Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = raw.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(std::str::from_utf8(&raw[..eol]).unwrap().trim(), 16)
            .unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&raw[eol + 2..eol + 2 + size]);
        raw = &raw[eol + 2 + size + 2..];
    }
    out
}

/// Server-Sent Events from `/__dossier/events`, as (event, data) pairs.
pub struct Events {
    rx: Receiver<(String, String)>,
    _stream: TcpStream,
    /// The data of the greeting every stream starts with.
    pub hello: String,
}

impl Events {
    pub fn connect(port: u16) -> Events {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        write!(
            stream,
            "GET /__dossier/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        let reader = stream.try_clone().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut event = String::new();
            for line in BufReader::new(reader).lines() {
                let Ok(line) = line else { break };
                if let Some(e) = line.strip_prefix("event: ") {
                    event = e.trim().to_string();
                } else if let Some(d) = line.strip_prefix("data: ")
                    && tx
                        .send((std::mem::take(&mut event), d.to_string()))
                        .is_err()
                {
                    break;
                }
            }
        });
        let mut events = Events {
            rx,
            _stream: stream,
            hello: String::new(),
        };
        // The server greets every page, so we know the subscription is live.
        events.hello = events.next_named("hello");
        events
    }

    /// The next event called `name` (others are skipped); panics after a while.
    pub fn next_named(&self, name: &str) -> String {
        let start = Instant::now();
        loop {
            let left = PATIENCE.saturating_sub(start.elapsed());
            match self.rx.recv_timeout(left) {
                Ok((event, data)) if event == name => return data,
                Ok(_) => continue,
                Err(_) => panic!("no `{name}` event within {PATIENCE:?}"),
            }
        }
    }

    /// Events that arrive within `wait`.
    pub fn drain(&self, wait: Duration) -> Vec<(String, String)> {
        let start = Instant::now();
        let mut out = Vec::new();
        while let Ok(e) = self.rx.recv_timeout(wait.saturating_sub(start.elapsed())) {
            out.push(e);
        }
        out
    }
}
