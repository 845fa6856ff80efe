//! Content files: split each Markdown file into YAML front matter and body,
//! and validate the front matter. Produces [`SourceFile`]s; the pipeline
//! lists `content/` and hands the Markdown files here, the others being
//! assets. Knows nothing of URLs, Markdown rendering or templates.

use crate::diagnostic::{Diagnostic, nearest};
use crate::yaml::Extra;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use crate::files::CONTENT_DIR;

/// How a section orders its pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SortBy {
    #[default]
    Weight,
    Date,
    Title,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFrontMatter {
    title: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    date: Option<Spanned<String>>,
    #[serde(default)]
    updated: Option<Spanned<String>>,
    #[serde(default)]
    draft: bool,
    #[serde(default)]
    weight: Option<i64>,
    #[serde(default)]
    slug: Option<Spanned<String>>,
    #[serde(default)]
    template: Option<Spanned<String>>,
    #[serde(default)]
    page_template: Option<Spanned<String>>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    image: Option<Spanned<String>>,
    #[serde(default)]
    aliases: Vec<Spanned<String>>,
    #[serde(default)]
    sort_by: Option<Spanned<String>>,
    #[serde(default)]
    text: Option<Spanned<String>>,
    #[serde(default)]
    url: Option<Spanned<String>>,
    #[serde(default)]
    archived_url: Option<Spanned<String>>,
    #[serde(default)]
    updates: Vec<RawUpdate>,
    #[serde(default)]
    status: Option<Spanned<String>>,
    #[serde(default)]
    extra: Extra,
}

/// One entry of `updates:` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUpdate {
    date: Spanned<String>,
    kind: Spanned<String>,
    text: Spanned<String>,
    #[serde(default)]
    sources: Vec<Spanned<String>>,
}

/// The file an alias (an old URL path) is written to: `old/path/` and
/// `old/path` to `old/path/index.html`, `old.html` to itself; `None` for
/// a path that is not a plain path of the site.
pub fn alias_out_path(alias: &str) -> Option<String> {
    let path = alias.trim_start_matches('/');
    let plain = !path.is_empty()
        && !path.contains(['?', '#', '\\', ':'])
        && path.split('/').all(|s| s != ".." && s != ".")
        && !path.contains("//");
    if !plain {
        return None;
    }
    Some(if path.ends_with(".html") || path.ends_with(".htm") {
        path.to_string()
    } else {
        format!("{}/index.html", path.trim_end_matches('/'))
    })
}

/// Validated front matter: what every page has, and what few have
/// ([`More`], read through this as if it were here: `front.url`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrontMatter {
    pub title: String,
    pub description: Option<String>,
    pub date: Option<Date>,
    pub updated: Option<Date>,
    pub draft: bool,
    pub weight: Option<i64>,
    pub sort_by: SortBy,
    /// None when every field of it is empty: a site of many pages holds
    /// one pointer each for these (about 400 bytes) rather than the fields.
    more: Option<Box<More>>,
}

/// The fields of front matter most pages leave out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct More {
    pub slug: Option<String>,
    pub template: Option<Located<String>>,
    pub page_template: Option<Located<String>>,
    pub tags: Vec<String>,
    /// The share image: a file beside the page, a `/`-path of a static
    /// file, or a full URL ([`crate::site::Site::image_url`]).
    pub image: Option<Located<String>>,
    /// Old URLs (`old/path/`, `old.html`) that redirect here, as written.
    pub aliases: Vec<Located<String>>,
    /// A source page's text: a file beside it, or in site.yaml's
    /// `source_texts` folder; passages cited from the source must occur in it.
    pub text: Option<Located<String>>,
    /// A source's original address on the web, and a copy of it in an
    /// archive (the Wayback Machine, say).
    pub url: Option<String>,
    pub archived_url: Option<String>,
    /// The page's log of corrections and updates, newest first.
    pub updates: Vec<Update>,
    /// How solid the page's account is ([`crate::markdown::STATUSES`]).
    pub status: Option<String>,
    pub extra: Extra,
}

impl FrontMatter {
    /// The fields `more` holds kept apart, or not at all when all are empty.
    pub fn with(mut self, more: More) -> FrontMatter {
        self.more = (more != More::default()).then(|| Box::new(more));
        self
    }
}

impl std::ops::Deref for FrontMatter {
    type Target = More;
    fn deref(&self) -> &More {
        static EMPTY: std::sync::LazyLock<More> = std::sync::LazyLock::new(More::default);
        self.more.as_deref().unwrap_or(&EMPTY)
    }
}

/// One entry of a page's log (`updates:` in front matter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    pub date: Date,
    /// `correction` or `update`.
    pub kind: String,
    pub text: String,
    /// Ids of the sources it rests on.
    pub sources: Vec<Located<String>>,
    /// Where the entry is written.
    pub line: usize,
    pub column: usize,
}

/// A value with the 1-based line and column it was written at in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub line: usize,
    pub column: usize,
}

/// A date as written: a year, a month, a day, or a full RFC 3339 timestamp.
/// Partial dates let a timeline place an event whose day the sources do not give.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Sorts chronologically: `YYYY-MM-DDTHH:MM:SSZ` in UTC, missing parts as their minimum.
    pub sort_key: String,
    /// The value for `<time datetime>`: `2020`, `2025-01`, `2025-11-15` or RFC 3339.
    pub iso: String,
}

impl Date {
    pub fn parse(text: &str) -> Option<Date> {
        let text = text.trim();
        let bytes = text.as_bytes();
        let digits = |r: std::ops::Range<usize>| bytes[r].iter().all(u8::is_ascii_digit);
        let (key, iso) = match text.len() {
            4 if digits(0..4) => (format!("{text}-01-01T00:00:00Z"), text.to_string()),
            7 if digits(0..4) && bytes[4] == b'-' && digits(5..7) => {
                let d: jiff::civil::Date = format!("{text}-01").parse().ok()?;
                (format!("{d}T00:00:00Z"), text.to_string())
            }
            10 => {
                let d: jiff::civil::Date = text.parse().ok()?;
                (format!("{d}T00:00:00Z"), d.to_string())
            }
            _ => {
                let ts: jiff::Timestamp = text.parse().ok()?;
                (
                    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
                    text.to_string(),
                )
            }
        };
        Some(Date { sort_key: key, iso })
    }
}

/// Whether a file is a section index or a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Section,
    Page,
}

/// One Markdown file of `content/`, its front matter parsed and checked.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path under `content/`, `/`-separated (e.g. `memo/claims.md`).
    pub path: String,
    pub kind: Kind,
    pub front: FrontMatter,
    /// The whole file, BOM removed and line endings normalised to `\n`
    /// (up to its body once [`SourceFile::drop_body`] dropped that).
    pub text: String,
    /// Byte offset of the body in `text`.
    pub body_start: usize,
    /// 1-based line of `text` where the body starts.
    pub body_line: usize,
}

impl SourceFile {
    pub fn body(&self) -> &str {
        &self.text[self.body_start..]
    }
    /// Drop the body, keeping the front matter and the text up to the
    /// body (for error snippets).
    pub fn drop_body(&mut self) {
        self.text.truncate(self.body_start);
        self.text.shrink_to_fit();
    }
    /// This file's text read again ([`text_of`]), if what precedes its
    /// body (its front matter) is still what this holds: its body may
    /// have been dropped ([`SourceFile::drop_body`]).
    pub fn read_again(&self, bytes: Vec<u8>) -> Result<String, Diagnostic> {
        let text = text_of(&self.path, bytes)?;
        match text.get(..self.body_start) == Some(&self.text[..self.body_start]) {
            true => Ok(text),
            false => Err(Diagnostic::error(
                self.root_path(),
                1,
                1,
                "the file's front matter changed while the site was being built: build again",
            )),
        }
    }
    /// Path relative to the site root, for diagnostics.
    pub fn root_path(&self) -> PathBuf {
        Path::new(CONTENT_DIR).join(&self.path)
    }
}

/// A non-Markdown file under `content/`, copied to the same relative place.
#[derive(Debug, Clone)]
pub struct Asset {
    pub path: String,
    pub source: PathBuf,
}

/// Everything loaded from `content/`.
#[derive(Debug, Default)]
pub struct Content {
    /// Shared, so a rebuild can keep unchanged files without copying them.
    pub files: Vec<Arc<SourceFile>>,
    pub assets: Vec<Asset>,
}

/// Parse a file's bytes, as read from `content/REL`, into a [`SourceFile`].
pub fn parse_bytes(rel: &str, bytes: Vec<u8>) -> Result<SourceFile, Vec<Diagnostic>> {
    parse_file(rel, text_of(rel, bytes).map_err(|d| vec![d])?)
}

/// A content file's bytes, as read from `content/REL`, as the text a
/// [`SourceFile`] holds: UTF-8, BOM removed, line endings `\n`.
pub fn text_of(rel: &str, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(normalised(text)),
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let valid = std::str::from_utf8(&e.as_bytes()[..offset]).unwrap_or_default();
            let (line, column) = crate::diagnostic::line_col(valid, offset);
            let path = Path::new(CONTENT_DIR).join(rel);
            Err(Diagnostic::error(
                path,
                line,
                column,
                "file is not valid UTF-8",
            ))
        }
    }
}

/// `text` with its BOM removed and its line endings `\n`.
fn normalised(mut text: String) -> String {
    if text.starts_with('\u{feff}') {
        text.drain(..3);
    }
    if text.contains('\r') {
        text = text.replace("\r\n", "\n");
    }
    text
}

/// Parse a file's text (already read) into a [`SourceFile`].
pub fn parse_file(rel: &str, text: String) -> Result<SourceFile, Vec<Diagnostic>> {
    let root_path = Path::new(CONTENT_DIR).join(rel);
    let text = normalised(text);
    let Some(split) = split_front_matter(&text) else {
        return Err(vec![Diagnostic::error(
            &root_path,
            1,
            1,
            "missing front matter: the file must start with a `---` line, YAML with at least `title`, and a closing `---` line",
        )
        .with_source(&text)]);
    };
    let yaml = &text[split.yaml.clone()];
    if yaml.trim().is_empty() {
        return Err(vec![
            Diagnostic::error(&root_path, 2, 1, "empty front matter: `title` is required")
                .with_source(&text),
        ]);
    }
    let raw: RawFrontMatter =
        crate::yaml::parse(yaml, &root_path, 2, &text).map_err(|d| vec![d])?;
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let kind = if name == "_index.md" {
        Kind::Section
    } else {
        Kind::Page
    };
    let (front, errors) = validate(raw, kind, &root_path, &text);
    if !errors.is_empty() {
        return Err(errors);
    }
    let body_line = text[..split.body].matches('\n').count() + 1;
    Ok(SourceFile {
        path: rel.to_string(),
        kind,
        front,
        body_start: split.body,
        body_line,
        text,
    })
}

/// Byte ranges of the YAML and the start of the body.
#[derive(Debug, PartialEq)]
pub struct Split {
    pub yaml: std::ops::Range<usize>,
    pub body: usize,
}

/// Find the `---` fenced front matter at the top of `text` (BOM and `\r` removed).
pub fn split_front_matter(text: &str) -> Option<Split> {
    let first_end = text.find('\n')?;
    if text[..first_end].trim_end() != "---" {
        return None;
    }
    let yaml_start = first_end + 1;
    let mut pos = yaml_start;
    while pos <= text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        if text[pos..end].trim_end() == "---" {
            let body = (end + 1).min(text.len());
            return Some(Split {
                yaml: yaml_start..pos,
                body,
            });
        }
        if end == text.len() {
            break;
        }
        pos = end + 1;
    }
    None
}

fn validate(
    raw: RawFrontMatter,
    kind: Kind,
    path: &Path,
    text: &str,
) -> (FrontMatter, Vec<Diagnostic>) {
    let mut errors = Vec::new();
    let at = |s: &Spanned<String>| {
        (
            s.referenced.line() as usize + 1,
            s.referenced.column() as usize,
        )
    };
    let mut error = |loc: (usize, usize), msg: String| {
        errors.push(Diagnostic::error(path, loc.0, loc.1, msg).with_source(text));
    };
    let date_of = |field: &str,
                   value: &Option<Spanned<String>>,
                   error: &mut dyn FnMut((usize, usize), String)| {
        let v = value.as_ref()?;
        let parsed = Date::parse(&v.value);
        if parsed.is_none() {
            error(
                at(v),
                format!(
                    "invalid {field} `{}`: use YYYY-MM-DD (or YYYY, YYYY-MM, or an RFC 3339 timestamp)",
                    v.value
                ),
            );
        }
        parsed
    };
    let date = date_of("date", &raw.date, &mut error);
    let mut updated = date_of("updated", &raw.updated, &mut error);
    let mut updates = Vec::new();
    for u in &raw.updates {
        let (line, column) = at(&u.date);
        let date = date_of("update date", &Some(u.date.clone()), &mut error);
        if !matches!(u.kind.value.as_str(), "correction" | "update") {
            error(
                at(&u.kind),
                format!(
                    "invalid update kind `{}`: use correction or update",
                    u.kind.value
                ),
            );
        }
        if u.text.value.trim().is_empty() {
            error(
                at(&u.text),
                "an update needs a `text`: say what changed".into(),
            );
        }
        if let Some(date) = date {
            updates.push(Update {
                date,
                kind: u.kind.value.clone(),
                text: u.text.value.trim().to_string(),
                sources: (u.sources.iter())
                    .map(|s| Located {
                        value: s.value.trim().trim_start_matches('@').to_string(),
                        line: at(s).0,
                        column: at(s).1,
                    })
                    .collect(),
                line,
                column,
            });
        }
    }
    // Newest first; the newest entry is the page's updated date when later.
    updates.sort_by(|a, b| b.date.cmp(&a.date));
    if let Some(newest) = updates.first()
        && updated.as_ref().is_none_or(|u| u < &newest.date)
    {
        updated = Some(newest.date.clone());
    }
    if raw.title.trim().is_empty() {
        error((2, 1), "`title` must not be empty".into());
    }
    if let Some(slug) = &raw.slug {
        if kind == Kind::Section {
            error(
                at(slug),
                "`slug` is for pages; a section's URL is its folder".into(),
            );
        } else if !is_safe_slug(&slug.value) {
            error(
                at(slug),
                format!(
                    "unsafe slug `{}`: use one URL segment of letters, digits, `-`, `_` or `.` (no `/`, no `..`)",
                    slug.value
                ),
            );
        }
    }
    for alias in &raw.aliases {
        if alias_out_path(&alias.value).is_none() {
            error(
                at(alias),
                format!(
                    "invalid alias `{}`: give an old URL path of this site, like `old/path/` or `old.html` (no `..`, `?`, `#` or scheme)",
                    alias.value
                ),
            );
        }
    }
    let sort_by = match &raw.sort_by {
        None => SortBy::Weight,
        Some(s) => match s.value.as_str() {
            "weight" => SortBy::Weight,
            "date" => SortBy::Date,
            "title" => SortBy::Title,
            other => {
                let hint = nearest(other, &["weight", "date", "title"])
                    .map(|n| format!(" (did you mean `{n}`?)"))
                    .unwrap_or_default();
                error(
                    at(s),
                    format!("invalid sort_by `{other}`: use weight, date or title{hint}"),
                );
                SortBy::Weight
            }
        },
    };
    for (key, value) in [("url", &raw.url), ("archived_url", &raw.archived_url)] {
        if let Some(v) = value
            && !crate::markdown::is_web_url(v.value.trim())
        {
            error(
                at(v),
                format!(
                    "`{key}` must be a full web address (https://…), not `{}`",
                    v.value
                ),
            );
        }
    }
    if let Some(status) = &raw.status
        && !crate::markdown::STATUSES.contains(&status.value.as_str())
    {
        error(
            at(status),
            format!(
                "unknown status `{}`: use one of {}",
                status.value,
                crate::markdown::STATUSES.join(", ")
            ),
        );
    }
    if kind == Kind::Page && raw.sort_by.is_some() {
        let s = raw.sort_by.as_ref().map(at).unwrap_or((2, 1));
        error(s, "`sort_by` is for sections (_index.md)".into());
    }
    if kind == Kind::Page && raw.page_template.is_some() {
        let s = raw.page_template.as_ref().map(at).unwrap_or((2, 1));
        error(s, "`page_template` is for sections (_index.md)".into());
    }
    let located = |s: Spanned<String>| {
        let (line, column) = at(&s);
        Located {
            value: s.value,
            line,
            column,
        }
    };
    let front = FrontMatter {
        title: raw.title,
        description: raw.description,
        date,
        updated,
        draft: raw.draft,
        weight: raw.weight,
        sort_by,
        ..Default::default()
    }
    .with(More {
        slug: raw.slug.map(|s| s.value),
        template: raw.template.map(located),
        page_template: raw.page_template.map(located),
        tags: raw.tags,
        image: raw.image.map(located),
        aliases: raw.aliases.into_iter().map(located).collect(),
        text: raw.text.map(located),
        url: raw.url.map(|u| u.value.trim().to_string()),
        archived_url: raw.archived_url.map(|u| u.value.trim().to_string()),
        updates,
        status: raw.status.map(|s| s.value),
        extra: raw.extra,
    });
    (front, errors)
}

/// One URL segment that cannot escape its folder or need escaping.
pub fn is_safe_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug != "."
        && slug != ".."
        && !slug.starts_with('.')
        && slug
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page holds the fields few pages have ([`More`]) only when it has
    /// one, and reads them the same either way.
    #[test]
    fn rare_fields_are_kept_apart_only_where_a_page_has_one() {
        let front = |text: &str| parse_file("a.md", text.into()).unwrap().front;
        let plain = front("---\ntitle: A\nweight: 2\n---\nx\n");
        assert!(plain.more.is_none());
        assert_eq!((plain.url.as_deref(), plain.tags.len()), (None, 0));
        assert_eq!(plain.weight, Some(2));
        let source = front("---\ntitle: B\nurl: ' https://e.org/r '\n---\n");
        assert!(source.more.is_some());
        assert_eq!(source.url.as_deref(), Some("https://e.org/r"));
        assert_eq!(source.status, None);
        assert_eq!(plain, front("---\ntitle: A\nweight: 2\n---\ny\n"));
        assert_ne!(
            plain,
            front("---\ntitle: A\nweight: 2\nstatus: confirmed\n---\n")
        );
    }

    #[test]
    fn front_matter_split_finds_yaml_and_body() {
        let text = "---\ntitle: A\n---\nBody\n";
        let s = split_front_matter(text).unwrap();
        assert_eq!(&text[s.yaml.clone()], "title: A\n");
        assert_eq!(&text[s.body..], "Body\n");
    }

    #[test]
    fn front_matter_split_accepts_empty_body_and_trailing_spaces() {
        let text = "---  \ntitle: A\n---";
        let s = split_front_matter(text).unwrap();
        assert_eq!(&text[s.yaml.clone()], "title: A\n");
        assert_eq!(s.body, text.len());
    }

    #[test]
    fn front_matter_split_requires_both_fences() {
        assert!(split_front_matter("title: A\n---\n").is_none());
        assert!(split_front_matter("---\ntitle: A\n").is_none());
    }

    #[test]
    fn bom_and_crlf_are_accepted() {
        let f = parse_file("a.md", "\u{feff}---\r\ntitle: A\r\n---\r\nHi\r\n".into()).unwrap();
        assert_eq!(f.front.title, "A");
        assert_eq!(f.body(), "Hi\n");
        assert_eq!(f.body_line, 4);
    }

    #[test]
    fn a_dropped_body_is_read_again_only_under_the_same_front_matter() {
        let whole = "\u{feff}---\r\ntitle: A\r\n---\r\nHi\r\n";
        let mut f = parse_bytes("a.md", whole.as_bytes().to_vec()).unwrap();
        f.drop_body();
        assert_eq!(f.body(), "");
        // The body may change: the build reads the one there is.
        let again = f
            .read_again(b"---\ntitle: A\n---\nHello\n".to_vec())
            .unwrap();
        assert_eq!(&again[f.body_start..], "Hello\n");
        // As read the first time (BOM and line endings as parse_bytes has them).
        let again = f.read_again(whole.as_bytes().to_vec()).unwrap();
        assert_eq!(&again[f.body_start..], "Hi\n");
        // Its front matter may not: what was built from it would be stale.
        for changed in ["---\ntitle: B\n---\nHi\n", "---\ntitle: A\n"] {
            let error = f.read_again(changed.as_bytes().to_vec()).unwrap_err();
            assert_eq!(error.path, Path::new("content/a.md"));
            assert!(
                error.message.contains("front matter changed"),
                "{}",
                error.message
            );
        }
        let error = f.read_again(vec![b'-', 0xff]).unwrap_err();
        assert!(error.message.contains("UTF-8"), "{}", error.message);
    }

    #[test]
    fn dates_of_every_precision_parse_and_sort() {
        let y = Date::parse("2020").unwrap();
        let m = Date::parse("2025-01").unwrap();
        let d = Date::parse("2025-11-15").unwrap();
        let t = Date::parse("2025-11-15T10:00:00+01:00").unwrap();
        assert_eq!(y.iso, "2020");
        assert!(y < m && m < d && d < t);
        assert!(Date::parse("2025-13-01").is_none());
        assert!(Date::parse("2025-02-30").is_none());
        assert!(Date::parse("yesterday").is_none());
    }

    #[test]
    fn unknown_key_names_the_nearest() {
        let err = parse_file("a.md", "---\ntittle: A\n---\n".into()).unwrap_err();
        assert!(err[0].message.contains("`tittle`"), "{}", err[0].message);
        assert!(
            err[0].message.contains("did you mean `title`"),
            "{}",
            err[0].message
        );
        assert_eq!(err[0].line, 2);
    }

    #[test]
    fn unsafe_slugs_are_refused() {
        for slug in ["../x", "a/b", "..", ".hidden", ""] {
            assert!(!is_safe_slug(slug), "{slug}");
        }
        assert!(is_safe_slug("claims-2025"));
    }
}
