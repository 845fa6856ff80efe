//! Entry points for fuzzing everything that reads untrusted text: a content
//! file (front matter splitting, YAML, validation), `site.yaml`, the
//! Markdown pipeline (citations, "accounts differ" boxes, link rewriting,
//! heading ids), slugs and paths, and the preview server's request paths.
//! Each takes arbitrary bytes and checks what must hold whatever they are
//! (no panic, nothing outside the site, bounded output). The cargo-fuzz
//! targets in `fuzz/` call them, and `tests/fuzz_corpus.rs` runs them over
//! the seed corpus and seeded mutations of it on every `cargo test`.
//!
//! Not part of dossier's interface: for the fuzzers and their tests.

use crate::markdown::{self, Origin, Resolver};
use std::path::Path;

/// A content file: front matter split, YAML read, fields validated.
pub fn content_file(data: &[u8]) {
    let _ = crate::content::parse_bytes("fuzz/page.md", data.to_vec());
}

/// `site.yaml`'s text.
pub fn site_config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = crate::yaml::parse::<crate::config::Config>(text, Path::new("site.yaml"), 1, text);
}

/// A site with a few pages, sources and files, as Markdown sees it.
struct Site;

impl Resolver for Site {
    fn page_url(&self, content_path: &str) -> Option<&str> {
        match content_path {
            "memo.md" => Some("/sub/memo/"),
            "players/_index.md" => Some("/sub/players/"),
            "players/apple.md" => Some("/sub/players/apple/"),
            _ => None,
        }
    }
    fn source(&self, id: &str) -> Option<(&str, &str)> {
        match id {
            "news-analysis" => Some(("News analysis", "/sub/sources/news-analysis/")),
            "market-brief" => Some(("Market brief", "/sub/sources/market-brief/")),
            _ => None,
        }
    }
    fn asset_url(&self, content_path: &str) -> Option<&str> {
        (content_path == "players/chart.png").then_some("/sub/players/chart.png")
    }
    fn base_path(&self) -> &str {
        "/sub/"
    }
    fn raw_html(&self) -> bool {
        true
    }
    fn search_terms(&self) -> bool {
        true
    }
    fn source_text(&self, id: &str) -> Option<(&str, Option<&str>)> {
        match id {
            "news-analysis" => Some((
                "texts/000.txt",
                Some("The memo was \"dated just weeks after\" the election - so it says."),
            )),
            "market-brief" => Some(("texts/001.txt", None)),
            _ => None,
        }
    }
    fn render_template(
        &self,
        name: &str,
        args: &crate::markdown::TemplateArgs,
        body: Option<&str>,
    ) -> Option<Result<String, String>> {
        match name {
            "shortcodes/note.html" => Some(Ok(format!(
                "<aside>{}{}</aside>",
                args.len(),
                body.unwrap_or("")
            ))),
            _ => crate::render::render_built_in(name, args, body),
        }
    }
}

/// A page's Markdown body, rendered: every link it writes stays on the
/// site's own paths or is the author's own URL, and the HTML stays within
/// a bound of the input's size.
pub fn markdown_body(data: &[u8]) {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    let origin = Origin {
        file: Path::new("content/players/page.md"),
        content_path: "players/page.md",
        first_line: 4,
        file_text: body,
    };
    let rendered = markdown::render(body, &origin, &Site);
    // Generous: a citation mark or a box adds markup, not a multiple of the page.
    assert!(
        rendered.html.len() <= 64 * body.len() + 4096,
        "{} bytes of HTML from {} of Markdown",
        rendered.html.len(),
        body.len()
    );
    for d in &rendered.diagnostics {
        assert!(d.line >= 4, "a problem placed before the body: {d}");
    }
}

/// Slugs, aliases and links between content paths: none leaves the site.
pub fn paths(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let slug = markdown::slugify(text);
    assert!(!slug.contains(['/', '\\', '.', '?', '#']), "slug {slug:?}");
    if let Some(out) = crate::content::alias_out_path(text) {
        assert!(
            !out.starts_with('/') && out.split('/').all(|s| s != ".." && s != "."),
            "alias {text:?} writes to {out:?}"
        );
    }
    if crate::content::is_safe_slug(text) {
        assert!(!text.contains(['/', '\\']) && text != ".." && text != ".");
    }
    if let Some(joined) = markdown::join_content_path("players/page.md", text) {
        assert!(
            !joined.starts_with('/') && joined.split('/').all(|s| s != ".."),
            "link {text:?} leads to {joined:?}"
        );
    }
    let _ = markdown::percent_decode(text);
}

/// The preview server's answer to a request for `data` as a path: nothing
/// outside the output folder is ever served. `output` holds `index.html`;
/// its parent holds `secret.txt`, which must never be answered.
pub fn serve_path(output: &Path, data: &[u8]) -> Option<(u16, Vec<u8>)> {
    let path = std::str::from_utf8(data).ok()?;
    let uri: axum::http::Uri = format!("/sub/{path}").parse().ok()?;
    let runtime = tokio::runtime::Builder::new_current_thread().build().ok()?;
    let live = crate::serve::live::Live::new("/sub/");
    let app = crate::serve::app(output.to_path_buf(), live);
    let answer = runtime.block_on(async {
        use tower::ServiceExt;
        let request = axum::http::Request::get(uri)
            .body(axum::body::Body::empty())
            .ok()?;
        let response = app.oneshot(request).await.ok()?;
        let status = response.status().as_u16();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .ok()?;
        Some((status, body.to_vec()))
    })?;
    let secret = b"SECRET outside the output folder";
    assert!(
        !answer.1.windows(secret.len()).any(|w| w == secret),
        "{path:?} served a file outside the output folder"
    );
    Some(answer)
}

/// The folders [`serve_path`] needs, made once per process: an output
/// folder with a page, a symlink from inside it to the file beside it, and
/// that file, which must never be served.
pub fn serve_fixture() -> &'static Path {
    static DIR: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let top = std::env::temp_dir().join(format!("dossier-fuzz-serve-{}", std::process::id()));
        let output = top.join("output");
        std::fs::create_dir_all(output.join("memo")).expect("fuzz fixture");
        std::fs::write(top.join("secret.txt"), "SECRET outside the output folder")
            .expect("fuzz fixture");
        std::fs::write(output.join("index.html"), "<p>home</p>").expect("fuzz fixture");
        std::fs::write(output.join("memo/index.html"), "<p>memo</p>").expect("fuzz fixture");
        #[cfg(unix)]
        {
            let _ = std::os::unix::fs::symlink("../secret.txt", output.join("leak.txt"));
            let _ = std::os::unix::fs::symlink("..", output.join("up"));
        }
        output
    })
}
