//! `dossier check` over what templates and raw HTML write: links, anchors,
//! assets and stylesheet `url()`s that lead nowhere are errors, and it
//! writes nothing.

mod fixture;

use fixture::Fixture;

fn check(f: &Fixture) -> (i32, String) {
    let run = f.run(&["check"]);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    (run.code, run.stderr)
}

#[test]
fn a_sound_site_passes_and_nothing_is_written() {
    let f = Fixture::new();
    f.page("a.md", "title: A", "Text with [a link](b.md#part).\n");
    f.page("b.md", "title: B", "## Part\n\nText.\n");
    let (code, err) = check(&f);
    assert_eq!(code, 0, "{err}");
    assert!(!f.exists("output"));
}

#[test]
fn what_templates_and_raw_html_point_to_must_exist() {
    let f = Fixture::new();
    f.write(
        "site.yaml",
        "title: Fixture\nbase_url: https://example.org/sub\ntheme: t\n",
    );
    f.write(
        "templates/page.html",
        "<link rel=\"stylesheet\" href=\"{{ url(path='style.css') }}\"><a href=\"{{ url(path='nowhere/') }}\">x</a>\
         <img src=\"{{ url(path='missing.png') }}\" srcset=\"{{ url(path='style.css') }} 1x, {{ url(path='gone@2x.png') }} 2x\">\
         <a href=\"/elsewhere/\">out</a><a href=\"https://example.com/\">web</a><main>{{ page.content | safe }}</main>",
    );
    f.page(
        "a.md",
        "title: A",
        "<a href=\"#nope\">raw</a> <a href=\"/sub/b/#here\">raw</a> <a href=\"../b/\">raw</a>\n",
    );
    f.page("b.md", "title: B", "<p id=\"here\">B</p>\n");
    f.write(
        "static/css/extra.css",
        "a{background:url(img/none.png)} b{background:url(data:x)} i{background:url(../style.css)}",
    );
    let (code, err) = check(&f);
    assert_eq!(code, 1, "{err}");
    for expected in [
        "content/a.md: the page written to a/index.html (by templates/page.html) links to `/sub/nowhere/`, but the site has no such file",
        "content/a.md: the page written to a/index.html (by templates/page.html) links to `/sub/missing.png`, but the site has no such file",
        "links to `/sub/gone@2x.png`, but the site has no such file",
        "links to `/elsewhere/`, which leaves the base path /sub/",
        "links to `#nope`, but a/index.html has no id `nope`",
        "static/css/extra.css: `url(img/none.png)` names no file the site writes",
    ] {
        assert!(err.contains(expected), "missing: {expected}\n{err}");
    }
    for fine in [
        "example.com",
        "#here",
        "`../b/`",
        "data:x",
        "../style.css",
        "`/sub/style.css`",
    ] {
        assert!(!err.contains(fine), "{fine} is fine:\n{err}");
    }
    assert!(!f.exists("output"));
}

#[test]
fn a_template_link_from_the_hosts_root_is_a_warning_under_a_base_path() {
    let f = Fixture::new();
    f.write(
        "templates/page.html",
        "{# <a href=\"/commented/\"> #}\n<main>{{ page.content | safe }}</main>\n  <a href=\"/about/\">About</a> <img src='/sub/logo.png'>",
    );
    f.write("static/logo.png", "png");
    f.page("a.md", "title: A", "Text.\n");
    let run = f.build();
    assert!(
        !run.stderr.contains("outside the base path"),
        "{}",
        run.stderr
    );
    f.write(
        "site.yaml",
        "title: Fixture\nbase_url: https://example.org/sub\ntheme: t\n",
    );
    let run = f.build();
    assert!(
        run.stderr.contains(
            "templates/page.html:3:12: warning: `/about/` points outside the base path /sub/: write {{ url(path=\"about/\") }}"
        ),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("commented") && !run.stderr.contains("logo"),
        "{}",
        run.stderr
    );
}

/// A web server on 127.0.0.1 for `check --external`, never the internet:
/// `/ok…` answers 200, `/moved` 301 to `/ok-new`, `/busy` 429 once and then
/// 200, `/slow` after 3 s, anything else 404. It notes each request's path
/// and when it came, and the host it was asked as.
type Hits = std::sync::Arc<std::sync::Mutex<Vec<(String, std::time::Instant, String)>>>;

struct Web {
    origin: String,
    port: u16,
    hits: Hits,
}

impl Web {
    fn start() -> Web {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let origin = format!("http://127.0.0.1:{port}");
        let hits: Hits = Default::default();
        let noted = hits.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let noted = noted.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(&stream);
                    let mut request = String::new();
                    let _ = reader.read_line(&mut request);
                    let mut header = String::new();
                    let mut host = String::new();
                    while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                        if let Some(h) = header.to_ascii_lowercase().strip_prefix("host:") {
                            host = h.trim().to_string();
                        }
                        header.clear();
                    }
                    let path = request.split(' ').nth(1).unwrap_or("").to_string();
                    let busy_before = {
                        let mut hits = noted.lock().unwrap();
                        let before = hits.iter().filter(|h| h.0 == path).count();
                        hits.push((path.clone(), std::time::Instant::now(), host));
                        before
                    };
                    let answer = match path.as_str() {
                        p if p.starts_with("/ok") => "200 OK\r\n",
                        "/moved" => "301 Moved Permanently\r\nLocation: /ok-new\r\n",
                        "/busy" if busy_before == 0 => {
                            "429 Too Many Requests\r\nRetry-After: 1\r\n"
                        }
                        "/busy" => "200 OK\r\n",
                        "/slow" => {
                            std::thread::sleep(std::time::Duration::from_secs(3));
                            "200 OK\r\n"
                        }
                        _ => "404 Not Found\r\n",
                    };
                    let _ = write!(
                        &stream,
                        "HTTP/1.1 {answer}Content-Length: 0\r\nConnection: close\r\n\r\n"
                    );
                });
            }
        });
        Web { origin, port, hits }
    }

    fn count(&self, path: &str) -> usize {
        self.hits
            .lock()
            .unwrap()
            .iter()
            .filter(|h| h.0 == path)
            .count()
    }
}

fn check_external(f: &Fixture, cache: &std::path::Path) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dossier"))
        .args(["check", "--external"])
        .current_dir(f.root())
        .env("DOSSIER_CACHE_DIR", cache)
        .output()
        .expect("run dossier");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.code().unwrap_or(-1), stdout, stderr)
}

#[test]
fn external_links_are_asked_for_paced_retried_cached_and_reported_where_written() {
    let web = Web::start();
    let o = &web.origin;
    let f = Fixture::new();
    f.write(
        "site.yaml",
        &format!(
            "title: Fixture\nbase_url: https://example.org\ntheme: t\nlink_check:\n  timeout: 1\n  per_host: 5\n  retries: 2\n  skip: [\"{o}/skipped\"]\n"
        ),
    );
    f.write(
        "templates/page.html",
        &format!(
            "<a href=\"{o}/ok-theme\">theme</a> <a href=\"{{{{ page.extra.home }}}}\">computed</a>\
             <a href=\"https://example.org/a/\">own</a><main>{{{{ page.content | safe }}}}</main>"
        ),
    );
    f.page(
        "a.md",
        &format!("title: A\nextra:\n  home: {o}/gone-computed"),
        &format!(
            "[fine]({o}/ok?a=1&b=2) and [gone]({o}/gone#part).\n\n\
             [moved]({o}/moved), [busy]({o}/busy),\n[slow]({o}/slow), [skipped]({o}/skipped/x).\n"
        ),
    );
    let cache = tempfile::tempdir().unwrap();
    let (code, out, err) = check_external(&f, cache.path());
    assert_eq!(code, 1, "{out}\n{err}");
    // Broken: at the Markdown line and column, or the page for a computed link.
    let gone_column = format!("[fine]({o}/ok?a=1&b=2) and ").len() + 1;
    for expected in [
        format!(
            "content/a.md:6:{gone_column}: external link `{o}/gone#part` answers 404 Not Found"
        ),
        format!("content/a.md:9:1: external link `{o}/slow` did not answer within 1 s"),
        format!("content/a.md: external link `{o}/gone-computed` answers 404 Not Found"),
        format!(
            "content/a.md:8:1: warning: external link `{o}/moved` moved for good to `{o}/ok-new`"
        ),
    ] {
        assert!(err.contains(&expected), "missing: {expected}\n{err}");
    }
    for fine in ["/ok?", "/busy", "/ok-theme", "example.org/a/", "/skipped"] {
        assert!(!err.contains(fine), "{fine} is fine:\n{err}");
    }
    // Entities decoded, fragments dropped, 429 asked again, skips left alone.
    assert_eq!(web.count("/ok?a=1&b=2"), 1);
    assert_eq!(web.count("/gone"), 1);
    assert_eq!(web.count("/busy"), 2);
    assert_eq!(web.count("/skipped/x"), 0);
    // One host, paced at 5 requests a second.
    let mut times: Vec<std::time::Instant> = web.hits.lock().unwrap().iter().map(|h| h.1).collect();
    times.sort();
    for pair in times.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(
            gap >= std::time::Duration::from_millis(180),
            "requests {gap:?} apart"
        );
    }
    // A second run asks only what did not work: the good answers are cached.
    let before = web.hits.lock().unwrap().len();
    let (code, _, err) = check_external(&f, cache.path());
    assert_eq!(code, 1, "{err}");
    assert_eq!(web.count("/ok?a=1&b=2"), 1, "asked again despite the cache");
    assert_eq!(web.count("/busy"), 2, "asked again despite the cache");
    assert_eq!(web.count("/ok-theme"), 1, "asked again despite the cache");
    assert_eq!(web.count("/gone"), 2, "a broken link must be asked again");
    let asked: Vec<String> = web.hits.lock().unwrap()[before..]
        .iter()
        .map(|h| h.0.clone())
        .collect();
    assert_eq!(asked.len(), 3, "{asked:?}");
    // Without --external nothing is asked.
    let before = web.hits.lock().unwrap().len();
    let (code, _) = check(&f);
    assert_eq!(code, 0);
    assert_eq!(web.hits.lock().unwrap().len(), before);
}

#[test]
fn a_template_link_to_another_site_is_reported_at_its_template_line() {
    let web = Web::start();
    let o = &web.origin;
    let f = Fixture::new();
    f.write(
        "templates/page.html",
        &format!("<main>{{{{ page.content | safe }}}}</main>\n<footer><a href=\"{o}/gone-theme\">x</a></footer>"),
    );
    f.page("a.md", "title: A", "Text.\n");
    f.page("b.md", "title: B", "Text.\n");
    let cache = tempfile::tempdir().unwrap();
    let (code, _, err) = check_external(&f, cache.path());
    assert_eq!(code, 1, "{err}");
    let expected =
        format!("templates/page.html:2:18: external link `{o}/gone-theme` answers 404 Not Found");
    assert!(err.contains(&expected), "missing: {expected}\n{err}");
    assert_eq!(err.matches("gone-theme").count(), 1, "{err}");
    assert_eq!(web.count("/gone-theme"), 1);
}

#[test]
fn link_check_settings_are_checked_where_written() {
    let f = Fixture::new();
    f.write(
        "site.yaml",
        "title: Fixture\nbase_url: https://example.org\ntheme: t\nlink_check:\n  timeout: 5\n  pace: 2\n",
    );
    let (code, err) = check(&f);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("site.yaml:6:3: unknown key `pace`; known keys: skip, timeout, per_host, retries, cache_hours"),
        "{err}"
    );
    f.write(
        "site.yaml",
        "title: Fixture\nbase_url: https://example.org\ntheme: t\nlink_check:\n  per_host: 0\n",
    );
    let (code, err) = check(&f);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("site.yaml:4: link_check: `timeout` and `per_host` must be above 0"),
        "{err}"
    );
}

#[test]
fn hosts_are_asked_side_by_side_each_at_its_own_pace() {
    let web = Web::start();
    let port = web.port;
    let f = Fixture::new();
    f.write(
        "site.yaml",
        "title: Fixture\nbase_url: https://example.org\ntheme: t\nlink_check:\n  per_host: 2\n",
    );
    // The one server, asked as two hosts.
    f.page(
        "a.md",
        "title: A",
        &format!(
            "[1](http://127.0.0.1:{port}/ok-1) [2](http://127.0.0.1:{port}/ok-2) \
             [3](http://localhost:{port}/ok-3) [4](http://localhost:{port}/ok-4)\n"
        ),
    );
    let cache = tempfile::tempdir().unwrap();
    let (code, out, err) = check_external(&f, cache.path());
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("4 external links (4 asked, 0 trusted from the cache, 0 skipped)"),
        "{out}"
    );
    let hits = web.hits.lock().unwrap().clone();
    let at = |path: &str| hits.iter().find(|h| h.0 == path).map(|h| h.1).unwrap();
    // Each host waits half a second between its requests…
    assert!(at("/ok-2") - at("/ok-1") >= std::time::Duration::from_millis(450));
    assert!(at("/ok-4") - at("/ok-3") >= std::time::Duration::from_millis(450));
    // …but not for the other host: both first requests come before either second.
    assert!(
        at("/ok-3") < at("/ok-2") && at("/ok-1") < at("/ok-4"),
        "{hits:?}"
    );
    assert!(
        hits.iter().any(|h| h.2.starts_with("localhost")),
        "{hits:?}"
    );
}

#[test]
fn a_sources_original_and_archived_addresses_are_checked() {
    let web = Web::start();
    let o = &web.origin;
    let f = Fixture::new();
    f.write(
        "templates/page.html",
        "<main>{{ page.content | safe }}</main><ol>{% for c in page.citations %}<li id=\"ref-{{ c.number }}\">{{ c.title }}</li>{% endfor %}</ol>{% if page.source_url %}<a href=\"{{ page.source_url }}\">original</a> <a href=\"{{ page.archived_url }}\">archived</a>{% endif %}",
    );
    f.page("sources/_index.md", "title: Sources", "");
    f.page(
        "sources/report.md",
        &format!("title: Report\nurl: {o}/ok-original\narchived_url: {o}/gone-archive"),
        "The report.\n",
    );
    f.page("a.md", "title: A", "Claim [@report].\n");
    let cache = tempfile::tempdir().unwrap();
    let (code, _, err) = check_external(&f, cache.path());
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!(
            "external link `{o}/gone-archive` answers 404 Not Found"
        )),
        "{err}"
    );
    assert_eq!(web.count("/ok-original"), 1);
}

/// A one-shot build runs without transparent huge pages (`cli::no_huge_pages`):
/// read off the process while it waits for an answer from a local server.
#[cfg(target_os = "linux")]
#[test]
fn a_one_shot_build_runs_without_transparent_huge_pages() {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let f = Fixture::new();
    f.page(
        "a.md",
        "title: A",
        &format!("[x](http://127.0.0.1:{port}/ok)\n"),
    );
    let cache = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dossier"))
        .args(["check", "--external"])
        .current_dir(f.root())
        .env("DOSSIER_CACHE_DIR", cache.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let (stream, _) = listener.accept().unwrap();
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
    let mut request = String::new();
    let mut reader = BufReader::new(&stream);
    while reader.read_line(&mut request).is_ok_and(|n| n > 2) {}
    let _ = write!(
        &stream,
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    assert!(child.wait().unwrap().success());
    let line = status.lines().find(|l| l.starts_with("THP_enabled:"));
    assert_eq!(
        line.map(|l| l.split_whitespace().collect::<Vec<_>>()),
        Some(vec!["THP_enabled:", "0"]),
        "{status}"
    );
}
