//! The preview server of `dossier watch`: what it serves, what it refuses,
//! and the live-reload events it pushes.

mod watch_common;
use std::time::Duration;
use watch_common::{BIN, Site, Watch, free_port};

#[test]
fn serves_pages_and_files_with_their_content_types() {
    let site = Site::new();
    site.write("static/data.json", "{\"a\": 1}");
    let watch = Watch::start(&site);
    let home = watch.get("/");
    assert_eq!(home.status, 200);
    assert!(
        home.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(home.text().contains("<h1>Home</h1>"));
    let page = watch.get("/notes/one/");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Note one"));
    assert_eq!(watch.get("/notes/one/index.html").status, 200);
    let css = watch.get("/style.css");
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    assert_eq!(css.text(), "body { color: black; }\n");
    let json = watch.get("/data.json");
    assert!(
        json.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
}

#[test]
fn folder_without_trailing_slash_redirects() {
    let site = Site::new();
    let watch = Watch::start(&site);
    let r = watch.get("/notes");
    assert!(r.status == 301 || r.status == 302 || r.status == 307 || r.status == 308);
    assert_eq!(r.header("location"), Some("/notes/"));
}

#[test]
fn unknown_path_gets_the_sites_404_page_with_status_404() {
    let site = Site::new();
    let watch = Watch::start(&site);
    let r = watch.get("/no/such/page/");
    assert_eq!(r.status, 404);
    assert!(r.text().contains("Nothing here"), "{}", r.text());
    assert!(r.text().contains("/__dossier/reload.js"));
}

#[test]
fn paths_escaping_the_output_folder_are_refused() {
    let site = Site::new();
    let watch = Watch::start(&site);
    for path in [
        "/../site.yaml",
        "/%2e%2e/site.yaml",
        "/..%2fsite.yaml",
        "/%2e%2e%2fsite.yaml",
        "/notes/../../site.yaml",
        "/..\\site.yaml",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
    ] {
        let r = watch.get(path);
        assert!(r.status >= 400, "{path}: {}", r.status);
        let text = r.text();
        assert!(!text.contains("base_url"), "{path} leaked site.yaml");
        assert!(!text.contains("root:"), "{path} leaked /etc/passwd");
    }
}

#[test]
fn folders_are_never_listed() {
    let site = Site::new();
    site.write("static/files/a.txt", "a");
    let watch = Watch::start(&site);
    assert_eq!(watch.get("/files/a.txt").status, 200);
    let r = watch.get("/files/");
    assert_eq!(r.status, 404);
    assert!(!r.text().contains("a.txt"));
}

#[test]
fn reload_script_is_served_but_never_written_to_disk() {
    let site = Site::new();
    let watch = Watch::start(&site);
    assert!(
        watch
            .get("/beta/")
            .text()
            .contains("<script src=\"/__dossier/reload.js\"")
    );
    for (name, bytes) in watch_common::files(&site.path("output")) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("__dossier"),
            "{name} on disk has the reload script"
        );
    }
    let script = watch.get("/__dossier/reload.js");
    assert_eq!(script.status, 200);
    assert!(
        script
            .header("content-type")
            .unwrap()
            .contains("javascript")
    );
    assert!(script.text().contains("EventSource"));
    // Not HTML: untouched.
    assert!(!watch.get("/style.css").text().contains("__dossier"));
}

#[test]
fn site_with_a_base_path_is_served_under_it() {
    let site = Site::with_base_url("https://example.org/sub");
    let watch = Watch::start(&site);
    assert!(
        watch
            .stdout()
            .contains(&format!("http://127.0.0.1:{}/sub/", watch.port))
    );
    let home = watch.get("/sub/");
    assert_eq!(home.status, 200);
    assert!(home.text().contains("href=\"/sub/alpha/\""));
    assert_eq!(watch.get("/sub/alpha/").status, 200);
    assert_eq!(watch.get("/sub/style.css").status, 200);
    assert_eq!(watch.get("/").header("location"), Some("/sub/"));
    assert_eq!(watch.get("/sub").header("location"), Some("/sub/"));
    assert_eq!(
        watch.get("/sub/notes").header("location"),
        Some("/sub/notes/")
    );
    let outside = watch.get("/alpha/");
    assert_eq!(outside.status, 404);
    assert!(outside.text().contains("Nothing here"));
}

#[test]
fn edit_pushes_a_reload_after_the_files_are_written() {
    let site = Site::new();
    let watch = Watch::start(&site);
    let events = watch.events();
    site.page("beta.md", "Beta", "Pushed.\n");
    let data = events.next_named("reload");
    assert!(data.contains("\"/beta/\""), "{data}");
    // By the time the reload arrives, the page is complete on disk and served.
    assert!(watch.get("/beta/").text().contains("Pushed."));
}

#[test]
fn css_only_change_names_only_stylesheets() {
    let site = Site::new();
    let watch = Watch::start(&site);
    let events = watch.events();
    site.write("themes/plain/static/style.css", "body { color: green; }\n");
    let data: serde_json::Value = serde_json::from_str(&events.next_named("reload")).unwrap();
    assert_eq!(data["paths"], serde_json::json!(["/style.css"]));
}

/// The build a served page names in its reload script tag.
fn page_build(html: &str) -> String {
    let at = html.find("data-build=\"").expect("a build id on the page") + 12;
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

#[test]
fn pages_and_the_event_stream_name_the_same_build() {
    let site = Site::new();
    let watch = Watch::start(&site);
    let first = page_build(&watch.get("/alpha/").text());
    let hello: serde_json::Value = serde_json::from_str(&watch.events().hello).unwrap();
    assert_eq!(hello["build"], first.as_str());
    // After an edit: a new id, in the reload, on the page, and in a new hello.
    let events = watch.events();
    site.write("content/alpha.md", "---\ntitle: Alpha\n---\nChanged.\n");
    let reload: serde_json::Value = serde_json::from_str(&events.next_named("reload")).unwrap();
    let second = reload["build"].as_str().unwrap().to_string();
    assert_ne!(second, first);
    assert_eq!(page_build(&watch.get("/alpha/").text()), second);
    let hello: serde_json::Value = serde_json::from_str(&watch.events().hello).unwrap();
    assert_eq!(hello["build"], second.as_str());
}

#[test]
fn broken_edit_sends_errors_with_file_and_line_then_ok_when_fixed() {
    let site = Site::new();
    let watch = Watch::start(&site);
    let events = watch.events();
    site.write(
        "content/beta.md",
        "---\ntitle: Beta\ntittle: typo\n---\nx\n",
    );
    let data = events.next_named("errors");
    assert!(data.contains("\"path\":\"content/beta.md\""), "{data}");
    assert!(data.contains("\"line\":3"), "{data}");
    assert!(data.contains("tittle"), "{data}");
    // A page opened while the site is broken sees the errors at once.
    let late = watch.events();
    assert!(late.next_named("errors").contains("content/beta.md"));
    assert!(
        watch.get("/beta/").text().contains("The second page."),
        "last good page"
    );
    site.page("beta.md", "Beta", "Fixed.\n");
    events.next_named("ok");
    assert!(events.next_named("reload").contains("/beta/"));
}

#[test]
fn port_in_use_is_a_clear_error_suggesting_another_port() {
    let site = Site::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let out = std::process::Command::new(BIN)
        .args(["watch", "--port", &port.to_string(), "--root"])
        .arg(site.dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("already in use") && stderr.contains("--port"),
        "{stderr}"
    );
}

#[test]
fn serve_is_an_alias_of_watch() {
    let out = std::process::Command::new(BIN)
        .args(["serve", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--port",
        "--bind",
        "--no-serve",
        "--open",
        "--drafts",
        "--base-url",
        "--output",
    ] {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
    }
}

#[test]
fn missing_site_is_an_error_not_a_wait() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(BIN)
        .args(["watch", "--port", &free_port().to_string(), "--root"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("site.yaml"));
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_cleanly() {
    let site = Site::new();
    let mut watch = Watch::start(&site);
    let sent = std::process::Command::new("kill")
        .args(["-INT", &watch.pid().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = watch
        .wait_exit(Duration::from_secs(5))
        .expect("still running");
    assert!(status.success(), "{status:?}");
    watch.wait_for_stdout("Stopped.");
}

/// The open file handles and threads of a process (Linux's /proc).
fn handles_and_threads(pid: u32) -> (usize, usize) {
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count());
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let threads = status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    (fds, threads)
}

#[test]
fn hundreds_of_clients_and_slow_ones_do_not_stop_the_server() {
    use std::io::{Read, Write};
    let site = Site::new();
    let watch = Watch::start(&site);
    let port = watch.port;
    let (fds_before, threads_before) = handles_and_threads(watch.pid());
    // Clients that start a request and never finish it.
    let slow: Vec<std::net::TcpStream> = (0..300)
        .map(|_| {
            let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
            s.write_all(b"GET /alpha/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .unwrap();
            s
        })
        .collect();
    // Meanwhile, two hundred readers at once are all answered.
    let start = std::time::Instant::now();
    let answered: Vec<u16> = std::thread::scope(|scope| {
        let readers: Vec<_> = (0..200)
            .map(|_| scope.spawn(|| watch_common::get(port, "/alpha/").status))
            .collect();
        readers.into_iter().map(|r| r.join().unwrap()).collect()
    });
    assert!(answered.iter().all(|&s| s == 200), "{answered:?}");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "took {:?}",
        start.elapsed()
    );
    // The slow ones are closed once their headers are overdue…
    std::thread::sleep(Duration::from_secs(11));
    for mut s in slow {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut rest = Vec::new();
        let closed = s.read_to_end(&mut rest).is_ok();
        assert!(
            closed,
            "a connection that never sent its headers is still open"
        );
    }
    // …and nothing is left behind: no handle or thread per client.
    std::thread::sleep(Duration::from_millis(300));
    let (fds_after, threads_after) = handles_and_threads(watch.pid());
    assert!(
        fds_after <= fds_before + 5,
        "{fds_before} → {fds_after} open handles"
    );
    assert!(
        threads_after <= threads_before + 2,
        "{threads_before} → {threads_after} threads"
    );
    assert_eq!(watch.get("/alpha/").status, 200);
}

/// Watch keeps transparent huge pages, which a one-shot build turns off
/// (`cli::no_huge_pages`): its rebuilds walk large tables in memory already
/// cleared, where huge pages pay.
#[cfg(target_os = "linux")]
#[test]
fn keeps_transparent_huge_pages() {
    let site = Site::new();
    let watch = Watch::start(&site);
    let status = std::fs::read_to_string(format!("/proc/{}/status", watch.pid())).unwrap();
    let line = status.lines().find(|l| l.starts_with("THP_enabled:"));
    assert_eq!(
        line.map(|l| l.split_whitespace().collect::<Vec<_>>()),
        Some(vec!["THP_enabled:", "1"]),
        "{status}"
    );
}
