//! `dossier check --external`: asks other sites whether the links to them
//! still work. Every `http:`/`https:` URL the finished pages point to is
//! asked for once (without its `#fragment`), hosts in parallel, each host
//! no faster than `link_check.per_host` requests a second; a 429 or 5xx
//! answer is asked again (after its `Retry-After`, or a growing pause), a
//! redirect is followed, and a link that worked is trusted for
//! `link_check.cache_hours` from a cache on disk, so a second run asks
//! only what it has not seen work lately. Each broken link is reported where
//! it is written: the Markdown line, the template line, or the page.
//!
//! Not for links inside the site (`links`), nor for deciding which URLs a
//! page holds (the pipeline gathers them from what it rendered).

use crate::config::LinkCheck;
use crate::diagnostic::Diagnostic;
use reqwest::{StatusCode, Url};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Redirects followed before a link counts as broken.
const MAX_REDIRECTS: usize = 10;
/// Requests in flight at once, over every host.
const IN_FLIGHT: usize = 16;
/// The longest `Retry-After` waited for; a host asking more is broken now.
const LONGEST_WAIT: Duration = Duration::from_secs(30);

/// Where a link is written: a content file or template, line and column
/// (0 when only the file is known).
pub type At = (PathBuf, usize, usize);

/// One URL to ask for, and everywhere it is written.
#[derive(Debug, Clone)]
pub struct Link {
    pub url: String,
    pub at: BTreeSet<At>,
}

/// What asking for the links found.
#[derive(Debug, Default)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    /// Distinct URLs asked for over the network.
    pub asked: usize,
    /// Distinct URLs trusted from the cache.
    pub cached: usize,
    /// Distinct URLs left alone (`link_check.skip`).
    pub skipped: usize,
    pub broken: usize,
}

/// How one URL answered.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    /// It works; `Some` with where it now lives when it moved for good.
    Works(Option<String>),
    Broken(String),
}

/// What one request found: an outcome, or "ask again" after a pause.
enum Attempt {
    Done(Outcome),
    Again(Option<Duration>, String),
}

/// The cache file: `$DOSSIER_CACHE_DIR`, else `$XDG_CACHE_HOME/dossier`,
/// else `~/.cache/dossier`, holding `links.json`.
pub fn cache_file() -> Option<PathBuf> {
    let dir = std::env::var_os("DOSSIER_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("dossier")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/dossier")))?;
    Some(dir.join("links.json"))
}

/// URL → when it last worked, in seconds since 1970.
type Cache = BTreeMap<String, u64>;

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn load_cache(file: &Path) -> Cache {
    std::fs::read(file)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// Written beside and renamed into place, so a run stopped half-way leaves
/// the old cache or the new one.
fn save_cache(file: &Path, cache: &Cache) -> std::io::Result<()> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let partial = file.with_extension(format!("json.{}", std::process::id()));
    std::fs::write(&partial, serde_json::to_vec(cache).unwrap_or_default())?;
    std::fs::rename(&partial, file)
}

/// Ask for every link; `cache`: the cache file, if any.
pub fn check(links: Vec<Link>, settings: &LinkCheck, cache: Option<&Path>) -> Report {
    let mut report = Report::default();
    let max_age = (settings.cache_hours * 3600.0) as u64;
    let mut known = cache.map(load_cache).unwrap_or_default();
    let now = now();
    known.retain(|_, at| now.saturating_sub(*at) < max_age);

    // One request per URL without its fragment.
    let mut asked: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, link) in links.iter().enumerate() {
        if settings
            .skip
            .iter()
            .any(|s| link.url.starts_with(s.as_str()))
        {
            report.skipped += 1;
            continue;
        }
        let url = link.url.split('#').next().unwrap_or_default().to_string();
        asked.entry(url).or_default().push(i);
    }
    let mut outcomes: HashMap<String, Outcome> = HashMap::new();
    let mut by_host: BTreeMap<String, Vec<Url>> = BTreeMap::new();
    for url in asked.keys() {
        if known.contains_key(url) {
            report.cached += 1;
            continue;
        }
        match Url::parse(url) {
            Ok(parsed) if parsed.host_str().is_some() => {
                let host = parsed.host_str().unwrap_or_default().to_string();
                by_host.entry(host).or_default().push(parsed);
            }
            _ => {
                outcomes.insert(url.clone(), Outcome::Broken("is not a valid URL".into()));
            }
        }
    }
    report.asked = by_host.values().map(Vec::len).sum();
    if report.asked > 0 {
        match ask_all(by_host, settings) {
            Ok(found) => outcomes.extend(found),
            Err(why) => {
                report.diagnostics.push(Diagnostic::error(
                    "",
                    0,
                    0,
                    format!("cannot check external links: {why}"),
                ));
                return report;
            }
        }
    }
    for (url, indices) in &asked {
        let Some(outcome) = outcomes.get(url) else {
            continue; // from the cache
        };
        let (message, broken) = match outcome {
            Outcome::Works(None) => {
                known.insert(url.clone(), now);
                continue;
            }
            Outcome::Works(Some(to)) => {
                known.insert(url.clone(), now);
                (
                    format!("moved for good to `{to}`: link there instead"),
                    false,
                )
            }
            Outcome::Broken(why) => (why.clone(), true),
        };
        report.broken += usize::from(broken);
        for &i in indices {
            let link = &links[i];
            for (path, line, column) in &link.at {
                let text = format!("external link `{}` {message}", link.url);
                report.diagnostics.push(if broken {
                    Diagnostic::error(path, *line, *column, text)
                } else {
                    Diagnostic::warning(path, *line, *column, text)
                });
            }
        }
    }
    if let Some(file) = cache
        && let Err(e) = save_cache(file, &known)
    {
        report.diagnostics.push(Diagnostic::warning(
            file,
            0,
            0,
            format!("cannot save the link cache: {e}"),
        ));
    }
    report
}

/// Ask every host's URLs, hosts side by side.
fn ask_all(
    by_host: BTreeMap<String, Vec<Url>>,
    settings: &LinkCheck,
) -> Result<Vec<(String, Outcome)>, String> {
    // reqwest is built without a TLS crypto provider of its own: ours is ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs_f64(settings.timeout))
        .user_agent(concat!(
            "dossier/",
            env!("CARGO_PKG_VERSION"),
            " (link check)"
        ))
        .build()
        .map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let settings = Arc::new(settings.clone());
    let in_flight = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    runtime.block_on(async move {
        let mut hosts = tokio::task::JoinSet::new();
        for (_, urls) in by_host {
            let (client, settings, in_flight) =
                (client.clone(), settings.clone(), in_flight.clone());
            hosts.spawn(async move { ask_host(&client, urls, &settings, &in_flight).await });
        }
        let mut found = Vec::new();
        while let Some(done) = hosts.join_next().await {
            found.extend(done.map_err(|e| e.to_string())?);
        }
        Ok(found)
    })
}

/// A host's pace: no request before `next`, then one `gap` later.
struct Pace {
    next: tokio::time::Instant,
    gap: Duration,
}

impl Pace {
    async fn wait(&mut self) {
        tokio::time::sleep_until(self.next).await;
        self.next = tokio::time::Instant::now() + self.gap;
    }
    /// Not before `wait` from now (a host asked us to wait).
    fn hold(&mut self, wait: Duration) {
        self.next = self.next.max(tokio::time::Instant::now() + wait);
    }
}

/// One host's URLs, one after another, no faster than its rate allows
/// (redirects included).
async fn ask_host(
    client: &reqwest::Client,
    urls: Vec<Url>,
    settings: &LinkCheck,
    in_flight: &tokio::sync::Semaphore,
) -> Vec<(String, Outcome)> {
    let mut pace = Pace {
        next: tokio::time::Instant::now(),
        gap: Duration::from_secs_f64(1.0 / settings.per_host),
    };
    let mut found = Vec::new();
    for url in urls {
        let mut tries = 0;
        let outcome = loop {
            let attempt = ask(client, &url, settings, &mut pace, in_flight).await;
            match attempt {
                Attempt::Done(outcome) => break outcome,
                Attempt::Again(wait, why) => {
                    if tries >= settings.retries {
                        break Outcome::Broken(why);
                    }
                    let wait = wait.unwrap_or(Duration::from_millis(500 << tries));
                    if wait > LONGEST_WAIT {
                        break Outcome::Broken(format!(
                            "{why}, asking to wait {} s",
                            wait.as_secs()
                        ));
                    }
                    tries += 1;
                    pace.hold(wait);
                }
            }
        };
        found.push((url.to_string(), outcome));
    }
    found
}

/// Ask for one URL, following redirects.
async fn ask(
    client: &reqwest::Client,
    url: &Url,
    settings: &LinkCheck,
    pace: &mut Pace,
    in_flight: &tokio::sync::Semaphore,
) -> Attempt {
    let mut at = url.clone();
    let mut moved = None;
    for hop in 0..=MAX_REDIRECTS {
        pace.wait().await;
        let sent = {
            let _permit = in_flight.acquire().await;
            client.get(at.clone()).send().await
        };
        let response = match sent {
            Ok(r) => r,
            Err(e) if e.is_timeout() => {
                return Attempt::Done(Outcome::Broken(format!(
                    "did not answer within {} s",
                    settings.timeout
                )));
            }
            Err(e) => {
                return Attempt::Done(Outcome::Broken(format!(
                    "cannot be reached: {}",
                    crate::diagnostic::error_chain(&e)
                )));
            }
        };
        let status = response.status();
        if status.is_redirection() {
            let next = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .and_then(|l| at.join(l).ok());
            let Some(next) = next else {
                return Attempt::Done(Outcome::Broken(format!(
                    "answers {} without a valid Location",
                    describe(status)
                )));
            };
            if hop == 0
                && matches!(
                    status,
                    StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT
                )
            {
                moved = Some(next.to_string());
            }
            at = next;
            continue;
        }
        if status.is_success() {
            return Attempt::Done(Outcome::Works(moved));
        }
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            let wait = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            return Attempt::Again(wait, format!("answers {}", describe(status)));
        }
        let via = if at == *url {
            String::new()
        } else {
            format!(" (redirected to `{at}`)")
        };
        return Attempt::Done(Outcome::Broken(format!(
            "answers {}{via}",
            describe(status)
        )));
    }
    Attempt::Done(Outcome::Broken(format!(
        "redirects more than {MAX_REDIRECTS} times"
    )))
}

fn describe(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}
