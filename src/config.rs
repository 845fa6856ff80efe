//! `site.yaml`: the site's title, base URL and theme. Loaded once per build;
//! everything downstream reads it, nothing writes it.

use crate::diagnostic::Diagnostic;
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const CONFIG_FILE: &str = "site.yaml";

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub title: String,
    pub base_url: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default = "default_theme")]
    pub theme: String,
    #[serde(default)]
    pub author: Option<String>,
    /// The share image of pages that name none: a `/`-path of a static file
    /// or a full URL.
    #[serde(default)]
    pub image: Option<String>,
    /// Links as relative paths to files, for output opened from disk
    /// ([`crate::render`]'s portable rewrite).
    #[serde(default)]
    pub portable: bool,
    /// Minified pages and stylesheets ([`crate::render`]'s minify).
    #[serde(default)]
    pub minify: bool,
    /// Raw HTML in Markdown passes through (the default); `false` escapes it.
    #[serde(default = "yes")]
    pub unsafe_html: bool,
    #[serde(default)]
    pub link_check: LinkCheck,
    /// A folder (from the site root; it may be outside it) of source texts
    /// that source pages name with `text:` and that stay out of the site.
    #[serde(default)]
    pub source_texts: Option<String>,
    #[serde(default)]
    pub extra: crate::yaml::Extra,
}

/// `link_check:` in site.yaml: how `dossier check --external` asks other
/// sites about the links to them.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LinkCheck {
    /// URLs starting with any of these are not asked for (sites that turn
    /// robots away, say).
    pub skip: Vec<String>,
    /// Seconds to wait for an answer.
    pub timeout: f64,
    /// Requests per second to one host, at most.
    pub per_host: f64,
    /// How often to ask again after a 429 (too many requests) or a 5xx answer.
    pub retries: u32,
    /// How long a link that worked is trusted without asking, in hours (0:
    /// ask every time).
    pub cache_hours: f64,
}

impl Default for LinkCheck {
    fn default() -> Self {
        LinkCheck {
            skip: Vec::new(),
            timeout: 10.0,
            per_host: 2.0,
            retries: 2,
            cache_hours: 24.0,
        }
    }
}

fn yes() -> bool {
    true
}

fn default_language() -> String {
    "en".into()
}
fn default_theme() -> String {
    "explainer".into()
}

impl Config {
    /// Read and validate `site.yaml` under `root`; `base_url` overrides the file's.
    pub fn load(root: &Path, base_url: Option<&str>) -> Result<Config, Diagnostic> {
        let path = Path::new(CONFIG_FILE);
        let text = match std::fs::read(root.join(CONFIG_FILE)) {
            Ok(bytes) => String::from_utf8(bytes)
                .map_err(|_| Diagnostic::error(path, 0, 0, "not valid UTF-8"))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Diagnostic::error(
                    path,
                    0,
                    0,
                    format!("cannot read {CONFIG_FILE}: {e} (is --root the site's folder?)"),
                ));
            }
            Err(e) => return Err(Diagnostic::cannot_read(path, &e)),
        };
        let text = text
            .strip_prefix('\u{feff}')
            .unwrap_or(&text)
            .replace("\r\n", "\n");
        let mut config: Config = crate::yaml::parse(&text, path, 1, &text)?;
        if let Some(url) = base_url {
            config.base_url = url.to_string();
        }
        config.base_url = config.base_url.trim_end_matches('/').to_string();
        if !(config.base_url.starts_with("http://")
            || config.base_url.starts_with("https://")
            || config.base_url.starts_with('/')
            || config.base_url.is_empty())
        {
            let line = line_of_key(&text, "base_url");
            return Err(Diagnostic::error(
                path,
                line,
                0,
                format!(
                    "base_url `{}` must be an absolute URL (https://example.org/sub) or a path (/sub)",
                    config.base_url
                ),
            )
            .with_source(&text));
        }
        let check = &config.link_check;
        if !(check.timeout > 0.0 && check.per_host > 0.0 && check.cache_hours >= 0.0) {
            return Err(Diagnostic::error(
                path,
                line_of_key(&text, "link_check"),
                0,
                "link_check: `timeout` and `per_host` must be above 0, `cache_hours` 0 or more",
            ));
        }
        if config.theme.is_empty()
            || config.theme.contains(['/', '\\'])
            || config.theme.starts_with('.')
        {
            return Err(Diagnostic::error(
                path,
                line_of_key(&text, "theme"),
                0,
                format!(
                    "theme `{}` must be a folder name under themes/",
                    config.theme
                ),
            ));
        }
        Ok(config)
    }

    /// The path part of the base URL with a trailing slash: `/` or `/sub/`.
    pub fn base_path(&self) -> String {
        let after_scheme = match self.base_url.split_once("://") {
            Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]),
            None => self.base_url.as_str(),
        };
        let trimmed = after_scheme.trim_matches('/');
        if trimmed.is_empty() {
            "/".into()
        } else {
            format!("/{trimmed}/")
        }
    }

    /// The scheme and host of the base URL (`https://example.org`), empty for path-only URLs.
    pub fn origin(&self) -> &str {
        match self.base_url.split_once("://") {
            Some((scheme, rest)) => {
                let host_end = rest.find('/').unwrap_or(rest.len());
                &self.base_url[..scheme.len() + 3 + host_end]
            }
            None => "",
        }
    }
}

fn line_of_key(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| l.starts_with(&format!("{key}:")))
        .map_or(0, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(base_url: &str) -> Config {
        Config {
            title: "t".into(),
            base_url: base_url.into(),
            description: None,
            language: "en".into(),
            theme: "explainer".into(),
            author: None,
            image: None,
            portable: false,
            minify: false,
            unsafe_html: true,
            link_check: Default::default(),
            source_texts: None,
            extra: Default::default(),
        }
    }

    #[test]
    fn base_path_comes_from_the_url_path() {
        assert_eq!(config("https://example.org").base_path(), "/");
        assert_eq!(config("https://example.org/sub").base_path(), "/sub/");
        assert_eq!(config("/a/b").base_path(), "/a/b/");
        assert_eq!(
            config("https://example.org/sub").origin(),
            "https://example.org"
        );
        assert_eq!(config("/sub").origin(), "");
    }
}
