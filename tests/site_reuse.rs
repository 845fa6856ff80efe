//! What the explainer offers for reuse, each file read by a real parser:
//! its sources as CSL-JSON, its timeline as JSON and as iCalendar, and
//! every cited passage checked against the sources' texts.

mod site_common;

use site_common::{BIN, site, sources_dir};
use std::collections::BTreeSet;
use std::path::Path;

fn read(rel: &str) -> String {
    std::fs::read_to_string(site().out.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Citation ids of the source pages: the files of content/sources/.
fn source_ids() -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("content/sources");
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".md")
                .map(String::from)
        })
        .filter(|id| id != "_index")
        .collect()
}

#[test]
fn sources_json_is_csl_json_with_every_source() {
    let csl: serde_json::Value = serde_json::from_str(&read("sources.json")).unwrap();
    let items = csl.as_array().expect("an array of CSL items");
    let ids: BTreeSet<String> = items
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, source_ids());
    for item in items {
        assert_eq!(item["type"], "article-newspaper", "{item}");
        assert!(
            item["title"].as_str().is_some_and(|t| !t.is_empty()),
            "{item}"
        );
        let url = item["URL"].as_str().unwrap();
        assert!(url.starts_with("http://127.0.0.1/sub/sources/"), "{url}");
    }
    let brief = items.iter().find(|i| i["id"] == "market-brief").unwrap();
    assert_eq!(brief["issued"]["raw"], "2025-11-15");
}

#[test]
fn timeline_json_lists_the_events_oldest_first_with_their_sources() {
    let timeline: serde_json::Value = serde_json::from_str(&read("timeline.json")).unwrap();
    let events = timeline["events"].as_array().unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("content/timeline");
    let pages = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name() != "_index.md")
        .count();
    assert_eq!(events.len(), pages);
    let dates: Vec<&str> = events.iter().map(|e| e["date"].as_str().unwrap()).collect();
    let mut sorted = dates.clone();
    sorted.sort();
    assert_eq!(dates, sorted, "not oldest first");
    for e in events {
        let sources = e["sources"].as_array().unwrap();
        assert!(!sources.is_empty(), "an event without sources: {e}");
        for s in sources {
            assert!(source_ids().contains(s["id"].as_str().unwrap()), "{s}");
        }
    }
}

#[test]
fn timeline_ics_is_icalendar_with_every_event_that_has_a_day() {
    use icalendar::{Calendar, Component, DatePerhapsTime};
    let text = read("timeline.ics");
    // RFC 5545's lines: CRLF, at most 75 octets each.
    for line in text.split("\r\n") {
        assert!(!line.contains('\n'), "a bare line feed: {line:?}");
        assert!(line.len() <= 75, "a line over 75 octets: {line:?}");
    }
    let calendar: Calendar = text.parse().expect("timeline.ics parses");
    let timeline: serde_json::Value = serde_json::from_str(&read("timeline.json")).unwrap();
    let with_a_day: Vec<(String, String)> = timeline["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["date"].as_str().unwrap().len() >= 10)
        .map(|e| {
            let date = &e["date"].as_str().unwrap()[..10];
            (e["title"].as_str().unwrap().to_string(), date.to_string())
        })
        .collect();
    assert!(!with_a_day.is_empty());
    let events: Vec<(String, String)> = calendar
        .components
        .iter()
        .filter_map(|c| c.as_event())
        .map(|e| {
            let day = match e.get_start() {
                Some(DatePerhapsTime::Date(d)) => d.to_string(),
                other => panic!("{:?}: not an all-day start: {other:?}", e.get_summary()),
            };
            assert!(e.get_uid().is_some_and(|u| u.starts_with("http")));
            (e.get_summary().unwrap().to_string(), day)
        })
        .collect();
    assert_eq!(events, with_a_day);
}

#[test]
fn every_cited_passage_is_in_its_source_text() {
    // `check --strict` fails on a passage not in its source (an error) and
    // on a source text it cannot find (a warning): with the texts present,
    // every passage the explainer cites is verified.
    let Some(_) = sources_dir() else { return };
    let run = std::process::Command::new(BIN)
        .args(["check", "--strict", "--root", env!("CARGO_MANIFEST_DIR")])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}
