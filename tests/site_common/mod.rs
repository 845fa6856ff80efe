//! Shared by the `site_*` tests: the repository's own explainer, built once
//! per test binary by the real `dossier build` under a subpath (`/sub/`),
//! with helpers to list its pages, parse them and resolve links.
#![allow(dead_code)]

use scraper::{ElementRef, Html, Selector};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub const BIN: &str = env!("CARGO_BIN_EXE_dossier");
/// The site is built as if served from a subfolder, so a link that skips
/// the base path shows up as broken.
pub const BASE: &str = "/sub/";

pub struct Site {
    pub out: PathBuf,
}

/// The repository's site, built once for this test binary.
pub fn site() -> &'static Site {
    static SITE: OnceLock<Site> = OnceLock::new();
    SITE.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let name = std::env::current_exe()
            .ok()
            .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "site".into());
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("built-{name}"));
        let _ = std::fs::remove_dir_all(&out);
        let run = Command::new(BIN)
            .args(["build", "--root"])
            .arg(root)
            .arg("--output")
            .arg(&out)
            .args(["--base-url", "http://127.0.0.1/sub/"])
            .output()
            .expect("run dossier build");
        assert!(
            run.status.success(),
            "the repository's site does not build:\n{}",
            String::from_utf8_lossy(&run.stderr)
        );
        Site { out }
    })
}

impl Site {
    /// Every HTML page as its URL path (`/sub/memo/`), 404.html included.
    pub fn pages(&self) -> Vec<String> {
        let mut out = Vec::new();
        for entry in walkdir(&self.out) {
            let rel = entry
                .strip_prefix(&self.out)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if let Some(dir) = rel.strip_suffix("index.html") {
                out.push(format!("{BASE}{dir}"));
            } else if rel.ends_with(".html") {
                out.push(format!("{BASE}{rel}"));
            }
        }
        out.sort();
        out
    }

    /// The file a URL path is served from, if it exists.
    pub fn file_for(&self, url_path: &str) -> Option<PathBuf> {
        let rest = url_path.strip_prefix(BASE)?;
        let file = if rest.is_empty() || rest.ends_with('/') {
            self.out.join(rest).join("index.html")
        } else {
            self.out.join(rest)
        };
        file.is_file().then_some(file)
    }

    pub fn html(&self, url_path: &str) -> Html {
        let file = self
            .file_for(url_path)
            .unwrap_or_else(|| panic!("no page at {url_path}"));
        Html::parse_document(&std::fs::read_to_string(file).unwrap())
    }
}

fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

pub fn sel(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css}: {e:?}"))
}

pub fn select<'a>(html: &'a Html, css: &str) -> Vec<ElementRef<'a>> {
    html.select(&sel(css)).collect()
}

pub fn text_of(el: ElementRef) -> String {
    el.text().collect::<String>()
}

/// Resolve `href` found on the page at `from` to (URL path, fragment), for
/// links inside the site; `None` for other schemes and hosts.
pub fn resolve(from: &str, href: &str) -> Option<(String, Option<String>)> {
    if href.starts_with("mailto:") || href.contains("://") || href.starts_with("//") {
        return None;
    }
    let (path, fragment) = match href.split_once('#') {
        Some((p, f)) => (p, Some(f.to_string())),
        None => (href, None),
    };
    let path = if path.is_empty() {
        from.to_string()
    } else if path.starts_with('/') {
        path.to_string()
    } else {
        let dir = &from[..from.rfind('/').map_or(0, |i| i + 1)];
        normalize(&format!("{dir}{path}"))
    };
    Some((path, fragment))
}

fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            ".." => {
                parts.pop();
            }
            "." => {}
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    if joined.starts_with('/') {
        joined
    } else {
        format!("/{joined}")
    }
}

/// The folder of source texts the content must stay faithful to:
/// `../shared/sources` beside the clone. `None` (with a note) when it is
/// missing on a developer's machine; a failure when CI is set.
pub fn sources_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/sources");
    let has_texts = std::fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == "txt"))
        })
        .unwrap_or(false);
    if has_texts {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "CI is set but {} holds no source texts (*.txt): the content checks cannot run",
            dir.display()
        );
    }
    eprintln!(
        "note: skipped, {} not found (it sits beside the clone in CI)",
        dir.display()
    );
    None
}

/// The text of each source (each `.txt` file of `dir`), in name order.
pub fn source_files(dir: &Path) -> Vec<String> {
    let names: BTreeSet<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    names
        .into_iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// The words of every source text, normalized with [`normalize_text`].
pub fn source_texts(dir: &Path) -> String {
    let mut all = String::new();
    for text in source_files(dir) {
        all.push_str(&normalize_text(&text));
        all.push('\n');
    }
    all
}

/// Lowercase, one kind of quote and apostrophe, single spaces: so a short
/// quote matches the source whatever its typography.
pub fn normalize_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        let c = match c {
            '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{2032}' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201F}' | '\u{2033}' => '"',
            '\u{00A0}' => ' ',
            c => c,
        };
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.extend(c.to_lowercase());
    }
    out
}

/// The built site served over HTTP on 127.0.0.1 under [`BASE`], as a static
/// host serves a subfolder: `…/` answers its `index.html`, anything else
/// missing answers 404. Started once per test binary; returns the port.
pub fn serve() -> u16 {
    static PORT: OnceLock<u16> = OnceLock::new();
    *PORT.get_or_init(|| {
        use std::io::{BufRead, BufReader, Write};
        let out = site().out.clone();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let out = out.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(&stream);
                    let mut request = String::new();
                    let _ = reader.read_line(&mut request);
                    let mut header = String::new();
                    while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                        header.clear();
                    }
                    let path = request.split(' ').nth(1).unwrap_or("/");
                    let path = path.split(['?', '#']).next().unwrap_or("/");
                    let file = path
                        .strip_prefix(BASE)
                        .filter(|rest| !rest.split('/').any(|s| s == ".."))
                        .map(|rest| match rest.is_empty() || rest.ends_with('/') {
                            true => out.join(rest).join("index.html"),
                            false => out.join(rest),
                        })
                        .filter(|f| f.is_file());
                    let (status, body) = match file {
                        Some(f) => ("200 OK", std::fs::read(f).unwrap_or_default()),
                        None => ("404 Not Found", b"not found".to_vec()),
                    };
                    let mut stream = &stream;
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(&body);
                });
            }
        });
        port
    })
}

/// GET a URL path from [`serve`]: the status code and the body.
pub fn get(path: &str) -> (u16, Vec<u8>) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", serve())).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let head_end = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP answer");
    let head = String::from_utf8_lossy(&answer[..head_end]);
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status code");
    (status, answer[head_end + 4..].to_vec())
}
