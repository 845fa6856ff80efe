//! Micro-benchmarks of the build's hot steps, so that a regression in one
//! shows as a number (criterion; `benches/build.rs` times whole builds):
//!
//! - `front_matter`: one typical page file (title, description, date, tags,
//!   weight, extra; ~600 words of body) split and its YAML read and checked
//!   (`content::parse_bytes`, the parse step's call), and the split alone.
//! - `markdown`: that page's ~625-word body (five `##` headings, so heading
//!   ids and a table of contents, `[@id]` citations, relative links to
//!   `other.md`) through `markdown::render`, the Markdown step's call, with
//!   the built site as the resolver, as in a build.
//! - `render`: that page through the real theme (`themes/`): its context,
//!   the templates, the render step's bookkeeping (`render::render_docs` for
//!   one doc).
//! - `listing`: a section page whose listing holds 1,000 pages, the same way.
//! - `rebuild`: one of those 1,000 pages' body edited, and the whole site
//!   built again from the previous build (`pipeline::rebuild`), as `watch`
//!   does after a save: the cost of everything a rebuild walks past, beside
//!   the one page it renders.
//!
//! The fixture sites are generated in a temporary folder and built once
//! with `pipeline::build`; the render benches then render one doc of that
//! build again, and each bench checks once, outside the timed loop, that its
//! output is what it should be (for the renders: byte for byte what the
//! build wrote), so none can quietly time an error path.
//!
//! Run: `cargo bench --bench steps` (short by default: 1 s warm-up, 3 s of
//! measurement per bench; pass `-- --warm-up-time S --measurement-time S`
//! to change that, or a name filter such as `-- markdown`).
//! Compare with a saved run: `cargo bench --bench steps -- --save-baseline main`
//! on the reference commit, then `cargo bench --bench steps -- --baseline main`
//! after the change; criterion prints the change and whether it is significant.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use dossier::engine::{self, Answers, Fp, Key};
use dossier::markdown::{self, Origin};
use dossier::output::Source;
use dossier::pipeline::{self, Built, Options, Previous};
use dossier::render::{self, Values};
use dossier::site::Site;
use dossier::{content, files};
use std::collections::BTreeSet;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

// The page text of benches/build.rs.
#[path = "common/words.rs"]
mod words;
use words::paragraph;

/// A typical page: full front matter and a ~625-word body with five `##`
/// headings (`part-0` … `part-4`), a citation of each source and a
/// relative link to `next` in each part.
fn page_file(p: usize, next: &str) -> String {
    let mut body = String::new();
    for h in 0..5 {
        body.push_str(&format!(
            "## Part {h}\n\n{} [@report]\n\n",
            paragraph(p + h, 58)
        ));
        body.push_str(&format!(
            "{} See [the next page]({next}) and [@brief].\n\n",
            paragraph(p * 3 + h, 58),
        ));
    }
    let front = format!(
        "---\ntitle: Page {p}\ndescription: Generated page {p}, one of a bench site\n\
         date: 2025-{:02}-{:02}\ntags: [memo, access, analysis]\nweight: {}\n\
         extra:\n  kind: company\n  role: Operator of the service\n  nav_title: Page {p}\n---\n",
        p % 12 + 1,
        p % 28 + 1,
        p % 10
    );
    front + &body
}

/// The page every bench measures, under `content/`.
const PAGE: &str = "guide/page.md";
/// The section whose listing holds [`LISTED`] pages, in the large site.
const LIST: &str = "list/_index.md";
const LISTED: usize = 1_000;

/// A site in `root`: the repo's themes, a home, two sources, a `guide`
/// section with [`PAGE`] and the `other.md` it links to, and with `listed`
/// pages, a `list` section holding them.
fn generate(root: &Path, listed: usize) {
    let theme = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes");
    copy_dir(&theme, &root.join("themes"));
    let write = |rel: &str, text: &str| {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("site.yaml", "title: Bench\nbase_url: https://example.org\n");
    write(
        "content/_index.md",
        "---\ntitle: Home\n---\nThe bench site.\n",
    );
    write("content/sources/_index.md", "---\ntitle: Sources\n---\n");
    write(
        "content/sources/report.md",
        "---\ntitle: A report\ndate: 2025-01-02\n---\nA source.\n",
    );
    write(
        "content/sources/brief.md",
        "---\ntitle: A brief\n---\nAnother source.\n",
    );
    write(
        "content/guide/_index.md",
        "---\ntitle: Guide\nsort_by: weight\n---\n",
    );
    write(&format!("content/{PAGE}"), &page_file(0, "other.md"));
    write("content/guide/other.md", &page_file(1, "page.md"));
    if listed > 0 {
        write(
            &format!("content/{LIST}"),
            "---\ntitle: The list\nsort_by: date\n---\nEvery page.\n",
        );
        for p in 0..listed {
            let next = format!("p{}.md", (p + 1) % listed);
            write(&format!("content/list/p{p}.md"), &page_file(p, &next));
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from)
        .into_iter()
        .filter_map(Result::ok)
    {
        let rel = entry.path().strip_prefix(from).unwrap();
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A generated site, built once, with what rendering one of its docs again needs.
struct Fixture {
    root: tempfile::TempDir,
    built: Built,
    files: render::TemplateFiles,
    /// The compiled templates, as the pipeline makes them (their functions
    /// answer from the model `render::render_docs` sets for each render).
    tera: tera::Tera,
}

impl Fixture {
    fn new(listed: usize) -> Fixture {
        let root = tempfile::tempdir().unwrap();
        generate(root.path(), listed);
        let options = Options {
            root: root.path().to_path_buf(),
            base_url: None,
            drafts: false,
            portable: false,
            minify: false,
        };
        let built = match pipeline::build(&options) {
            Ok(b) => b,
            Err(d) => panic!("the fixture site does not build: {d:?}"),
        };
        assert!(
            built.warnings.is_empty(),
            "the fixture site builds with warnings: {:?}",
            built.warnings
        );
        // The templates as the build reads them: the theme's, then the site's.
        let theme = &built.site.config.theme;
        let theme_dir = format!("{}/{theme}/{}", files::THEMES_DIR, files::TEMPLATES_DIR);
        let (theme_files, _) = files::walk(root.path(), &theme_dir);
        let (site_files, _) = files::walk(root.path(), files::TEMPLATES_DIR);
        let files = render::read_templates(
            (&theme_dir, &theme_files),
            (files::TEMPLATES_DIR, &site_files),
        )
        .expect("theme templates");
        let compiled = render::compile(&files).expect("theme compiles");
        let tera = compiled;
        Fixture {
            root,
            built,
            files,
            tera,
        }
    }

    fn index(&self, content_path: &str) -> usize {
        self.built.site.by_path[content_path]
    }

    /// Doc `i` rendered through the render steps, as a build renders it.
    fn render(&self, i: usize) -> render::Bytes {
        let answers = Answering {
            site: &self.built.site,
            values: &self.built.values,
        };
        let out = render::render_docs(
            &self.built.site,
            &self.tera,
            &self.files,
            &self.built.values,
            &[i],
            render::SiteWide::Skip,
            &answers,
            None,
            None,
        );
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        out.files[0].1.value.clone()
    }

    /// Render doc `content_path` once and check it is what the build wrote.
    fn check_render(&self, content_path: &str) -> String {
        let i = self.index(content_path);
        let doc = &self.built.site.docs[i];
        let html = self.render(i);
        let written = match self.built.plan.get(&doc.out_path) {
            Some(Source::Bytes(b)) => b,
            _ => panic!("the build wrote no page at {}", doc.out_path),
        };
        assert!(
            html[..] == written[..],
            "rendering {content_path} again differs from the build's page ({})",
            self.root.path().display()
        );
        String::from_utf8(html.to_vec()).unwrap()
    }
}

/// The answers a render step's reads are recorded with. The pipeline's own
/// (`pipeline::answers::Current`) is private; this one looks each doc key up
/// the same way (by path, then the value's stored fingerprint), so a read
/// costs what it costs in a build. Nothing compares them here: no previous
/// build is given, so every render runs.
struct Answering<'a> {
    site: &'a Site,
    values: &'a Values,
}

impl Answers for Answering<'_> {
    fn fingerprint(&self, key: &Key) -> Fp {
        let doc = |name: &str| self.site.by_path.get(name).copied();
        let fp = match key {
            Key::Site => Some(self.values.site_fp),
            Key::Value(n) | Key::Page(n) => doc(n).map(|i| self.values.docs[i].full_fp),
            Key::Listed(n) | Key::Place(n) => doc(n).map(|i| self.values.docs[i].listed_fp),
            Key::Section(n) => doc(n).and_then(|i| Some(self.values.sections[i].as_ref()?.1)),
            _ => None,
        };
        fp.unwrap_or_else(engine::absent)
    }
}

fn front_matter(c: &mut Criterion, site: &Fixture) {
    let bytes = std::fs::read(site.root.path().join("content").join(PAGE)).unwrap();
    let file = content::parse_bytes(PAGE, bytes.clone()).expect("the page parses");
    let f = &file.front;
    assert_eq!(f.title, "Page 0");
    assert_eq!(f.date.as_ref().map(|d| d.iso.as_str()), Some("2025-01-01"));
    assert_eq!(f.tags, ["memo", "access", "analysis"]);
    assert_eq!(f.weight, Some(0));
    assert_eq!(f.extra.len(), 3);
    assert!(file.body().starts_with("## Part 0\n"));
    let words = file.body().split_whitespace().count();
    assert!((580..700).contains(&words), "{words} words");
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(content::split_front_matter(&text).is_some());

    let mut g = c.benchmark_group("front_matter");
    g.bench_function("parse_page_file", |b| {
        // The parse step owns the bytes it read: a copy each time, not timed.
        b.iter_batched(
            || bytes.clone(),
            |bytes| content::parse_bytes(PAGE, bytes),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("split_only", |b| {
        b.iter(|| content::split_front_matter(black_box(&text)))
    });
    g.finish();
}

fn markdown_page(c: &mut Criterion, site: &Fixture) {
    let model = &site.built.site;
    let doc = &model.docs[site.index(PAGE)];
    let file = doc.file.root_path();
    // As the pipeline's Markdown step sets it up (`render_markdown`).
    let origin = Origin::of(&doc.file, &doc.file.text, &file);
    let body = doc.file.body();
    let r = markdown::render(body, &origin, model);
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    for h in 0..5 {
        assert!(
            r.html.contains(&format!("<h2 id=\"part-{h}\">")),
            "{}",
            r.html
        );
    }
    assert_eq!(r.toc.len(), 5);
    assert_eq!(r.citations, ["report", "brief"]);
    assert!(r.html.contains("<a class=\"citation\" href=\"#ref-1\""));
    assert!(r.html.contains("<a class=\"citation\" href=\"#ref-2\""));
    assert_eq!(r.html.matches("href=\"/guide/other/\"").count(), 5);
    assert!((600..700).contains(&r.word_count), "{} words", r.word_count);
    // What the build learned of this page (its HTML went into the page's value).
    assert_eq!(doc.rendered.citations, r.citations);
    assert_eq!(doc.rendered.toc, r.toc);
    assert_eq!(doc.rendered.ids, r.ids);

    let mut g = c.benchmark_group("markdown");
    g.bench_function("page_625_words", |b| {
        b.iter(|| markdown::render(black_box(body), &origin, model))
    });
    g.finish();
}

fn render_page(c: &mut Criterion, site: &Fixture) {
    let html = site.check_render(PAGE);
    for needle in [
        "<h1>Page 0</h1>",
        "<h2 id=\"part-4\">",
        "<nav class=\"toc\"",
        "href=\"#part-0\"",
        "href=\"#ref-1\"",
        "<li id=\"ref-2\">",
        "href=\"/sources/report/\"",
        "href=\"/guide/other/\"",
    ] {
        assert!(html.contains(needle), "no {needle} in the page");
    }
    let i = site.index(PAGE);
    let mut g = c.benchmark_group("render");
    g.bench_function("one_page", |b| b.iter(|| site.render(black_box(i))));
    g.finish();
}

fn render_listing(c: &mut Criterion, site: &Fixture) {
    let html = site.check_render(LIST);
    let cards = html.matches("<li class=\"card").count();
    assert_eq!(cards, LISTED, "cards in the listing");
    assert!(html.contains("href=\"/list/p999/\""));
    let i = site.index(LIST);
    let mut g = c.benchmark_group("listing");
    // Milliseconds per render: fewer samples fit the short measurement.
    g.sample_size(20);
    g.bench_function("section_1000_pages", |b| {
        b.iter(|| site.render(black_box(i)))
    });
    g.finish();
}

/// A listed page's body edited, then the site built again from the build
/// before the edit, each time (the edit differs each time, so no rebuild
/// can take the last one's answer).
fn rebuild_after_edit(c: &mut Criterion, site: &Fixture) {
    let rel = "content/list/p500.md";
    let path = site.root.path().join(rel);
    let original = std::fs::read_to_string(&path).unwrap();
    let edited = |n: usize| format!("{original}\nEdit number {n} here.\n");
    let options = Options {
        root: site.root.path().to_path_buf(),
        base_url: None,
        drafts: false,
        portable: false,
        minify: false,
    };
    let changed: BTreeSet<String> = [rel.to_string()].into();
    let rebuild = || {
        let previous = Previous {
            built: &site.built,
            search_later: true,
            changed: &changed,
        };
        match pipeline::rebuild(&options, Some(previous)) {
            Ok(built) => built,
            Err(d) => panic!("the edited site does not build: {d:?}"),
        }
    };
    std::fs::write(&path, edited(0)).unwrap();
    let built = rebuild();
    assert_eq!(built.rendered, 1, "pages rendered again after a body edit");
    let out_path = &built.site.docs[site.index("list/p500.md")].out_path;
    match built.plan.get(out_path) {
        Some(Source::Bytes(b)) => {
            assert!(String::from_utf8_lossy(b).contains("Edit number 0 here."));
        }
        _ => panic!("the rebuild wrote no page at {out_path}"),
    }
    let mut n = 0;
    let mut g = c.benchmark_group("rebuild");
    g.sample_size(20);
    g.bench_function("one_body_edit_1000_pages", |b| {
        b.iter_batched(
            || {
                n += 1;
                std::fs::write(&path, edited(n)).unwrap();
            },
            |()| rebuild(),
            BatchSize::PerIteration,
        )
    });
    g.finish();
    std::fs::write(&path, original).unwrap();
}

fn steps(c: &mut Criterion) {
    let small = Fixture::new(0);
    front_matter(c, &small);
    markdown_page(c, &small);
    render_page(c, &small);
    let large = Fixture::new(LISTED);
    render_listing(c, &large);
    rebuild_after_edit(c, &large);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = steps
}
criterion_main!(benches);
