//! The repository's own explainer, built by the real binary: each topic the
//! issue asks for has its page, the timeline reads in date order with its
//! sources, and no page carries a dollar figure or a quotation that the
//! source texts in ../shared/sources do not contain.

mod site_common;

use site_common::{
    BASE, normalize_text, resolve, select, site, source_texts, sources_dir, text_of,
};

#[test]
fn every_topic_has_its_page() {
    let site = site();
    let topics = [
        "memo",
        "apple-alibaba-deal",
        "tiktok-precedent",
        "comparison",
        "timeline",
        "players",
        "what-we-know",
        "glossary",
        "sources",
    ];
    for topic in topics {
        let path = format!("{BASE}{topic}/");
        assert!(
            site.file_for(&path).is_some(),
            "no page for {topic} at {path}"
        );
        let html = site.html(&path);
        assert_eq!(select(&html, "h1").len(), 1, "{path} should have one h1");
        assert!(
            text_of(select(&html, "main")[0]).split_whitespace().count() > 60,
            "{path} has almost no text"
        );
    }
}

#[test]
fn the_comparison_is_a_table_of_tiktok_against_alibaba() {
    let html = site().html(&format!("{BASE}comparison/"));
    let headers: Vec<String> = select(&html, "table thead th")
        .into_iter()
        .map(text_of)
        .collect();
    assert!(headers.iter().any(|h| h.contains("TikTok")), "{headers:?}");
    assert!(headers.iter().any(|h| h.contains("Alibaba")), "{headers:?}");
    assert!(select(&html, "table tbody tr").len() >= 5);
}

/// The table is drawn from data/comparison.yaml: a row for each of its rows,
/// in order, and a source on every cell that says anything.
#[test]
fn the_comparison_comes_from_its_data_file_with_a_source_on_every_cell() {
    let yaml =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/comparison.yaml"))
            .unwrap();
    let data: serde_json::Value = serde_saphyr::from_str(&yaml).unwrap();
    let html = site().html(&format!("{BASE}comparison/"));
    let rows = select(&html, "table tbody tr");
    let wanted = data["rows"].as_array().unwrap();
    assert_eq!(rows.len(), wanted.len());
    for (row, want) in rows.iter().zip(wanted) {
        let label = want["label"].as_str().unwrap();
        let cells: Vec<_> = row.select(&site_common::sel("td")).collect();
        assert_eq!(text_of(cells[0]), label);
        assert_eq!(
            cells.len(),
            1 + want["cells"].as_array().unwrap().len(),
            "{label}"
        );
        for cell in &cells[1..] {
            let text = text_of(*cell);
            let cited = cell
                .select(&site_common::sel("sup.cite a.citation"))
                .count();
            assert!(
                cited > 0 || text == "Not stated in the sources",
                "the {label} row has a cell without a source: {text}"
            );
        }
    }
}

#[test]
fn the_key_players_and_glossary_terms_each_have_a_page() {
    let site = site();
    for player in [
        "alibaba",
        "pla",
        "us-government",
        "apple",
        "ustr",
        "bytedance-tiktok",
        "financial-times",
        "chinese-embassy",
    ] {
        assert!(
            site.file_for(&format!("{BASE}players/{player}/")).is_some(),
            "no player page {player}"
        );
    }
    for term in ["pla", "military-civil-fusion", "ustr", "apple-intelligence"] {
        assert!(
            site.file_for(&format!("{BASE}glossary/{term}/")).is_some(),
            "no glossary page {term}"
        );
    }
}

/// `2020`, `2025-01`, `2025-11-01` → comparable (year, month, day).
fn date_key(datetime: &str) -> (u32, u32, u32) {
    let mut parts = datetime.split('-').map(|p| {
        p.parse::<u32>()
            .unwrap_or_else(|_| panic!("bad datetime {datetime}"))
    });
    (
        parts.next().unwrap(),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

#[test]
fn the_timeline_lists_every_event_oldest_first_with_its_sources() {
    let site = site();
    let page = format!("{BASE}timeline/");
    let html = site.html(&page);
    let events = select(&html, "ol.timeline > li");
    let event_pages: Vec<String> = site
        .pages()
        .into_iter()
        .filter(|p| p.starts_with(&page) && *p != page)
        .collect();
    assert_eq!(
        events.len(),
        event_pages.len(),
        "the timeline should list every event page"
    );
    assert!(events.len() >= 3);
    let mut previous = (0, 0, 0);
    for li in events {
        let time = li
            .select(&site_common::sel("time[datetime]"))
            .next()
            .unwrap_or_else(|| panic!("an event without <time datetime>: {}", text_of(li)));
        let key = date_key(time.value().attr("datetime").unwrap());
        assert!(key >= previous, "out of order: {key:?} after {previous:?}");
        previous = key;
        let sources: Vec<_> = li
            .select(&site_common::sel(".event-sources a[href]"))
            .filter_map(|a| resolve(&page, a.value().attr("href").unwrap()))
            .filter(|(p, _)| {
                p.starts_with(&format!("{BASE}sources/")) && site.file_for(p).is_some()
            })
            .collect();
        assert!(
            !sources.is_empty(),
            "an event without its sources: {}",
            text_of(li)
        );
    }
    for event in event_pages {
        let html = site.html(&event);
        assert!(
            !select(&html, "time[datetime]").is_empty(),
            "{event} shows no <time datetime>"
        );
        assert!(
            !select(&html, ".references li").is_empty(),
            "{event} cites nothing"
        );
    }
}

/// The text a reader sees on a page: the body's text nodes, tags stripped.
fn page_text(path: &str) -> String {
    let html = site().html(path);
    let text = text_of(select(&html, "body")[0]);
    // "Cite this page" puts the page's own title in quotation marks: it
    // quotes us, not a source.
    match select(&html, ".cite-this").first() {
        Some(cite) => text.replace(&text_of(*cite), " "),
        None => text,
    }
}

/// Every “…” or "…" quotation in `text` (without its marks).
fn quotations(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (open, close) in [('\u{201C}', '\u{201D}'), ('"', '"')] {
        let mut rest = text;
        while let Some(start) = rest.find(open) {
            let after = &rest[start + open.len_utf8()..];
            let Some(end) = after.find(close) else { break };
            out.push(after[..end].to_string());
            rest = &after[end + close.len_utf8()..];
        }
    }
    out
}

/// Every dollar figure in `text`: `$60 billion`, `$1.5m`, `$300`.
fn dollar_figures(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices('$') {
        let after = &text[i + 1..];
        let number: String = after
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
            .collect();
        let number = number.trim_end_matches(['.', ',']);
        if number.is_empty() {
            continue;
        }
        let rest = after[number.len()..].trim_start();
        let unit = ["trillion", "billion", "million", "thousand", "bn", "m", "k"]
            .into_iter()
            .find(|u| rest.to_lowercase().starts_with(u))
            .map(|u| format!(" {u}"))
            .unwrap_or_default();
        out.push(format!("${number}{unit}"));
    }
    out
}

#[test]
fn quotation_and_figure_finders_find_what_they_should() {
    assert_eq!(quotations("a “b c” d \"e\" f"), ["b c", "e"]);
    assert_eq!(
        dollar_figures("a $60 billion stream, $5, $ none"),
        ["$60 billion", "$5"]
    );
}

#[test]
fn no_page_quotes_words_the_sources_do_not_contain() {
    let Some(dir) = sources_dir() else { return };
    let sources = source_texts(&dir);
    let mut invented = Vec::new();
    let mut checked = 0;
    for page in site().pages() {
        for quote in quotations(&page_text(&page)) {
            let wanted = normalize_text(&quote);
            let wanted = wanted.trim_matches(|c: char| c.is_whitespace() || ".,;:".contains(c));
            if wanted.is_empty() {
                continue;
            }
            checked += 1;
            if !sources.contains(wanted) {
                invented.push(format!("{page}: “{quote}”"));
            }
        }
    }
    assert!(
        checked > 20,
        "only {checked} quotations found: is the text extraction broken?"
    );
    assert!(
        invented.is_empty(),
        "quoted, but not in the sources:\n{}",
        invented.join("\n")
    );
}

#[test]
fn no_page_carries_a_dollar_figure_the_sources_do_not_contain() {
    let Some(dir) = sources_dir() else { return };
    let sources = source_texts(&dir);
    let mut invented = Vec::new();
    for page in site().pages() {
        for figure in dollar_figures(&page_text(&page)) {
            if !sources.contains(&normalize_text(&figure)) {
                invented.push(format!("{page}: {figure}"));
            }
        }
    }
    assert!(
        invented.is_empty(),
        "figures not in the sources:\n{}",
        invented.join("\n")
    );
}

#[test]
fn pages_need_no_javascript_and_load_nothing_from_elsewhere() {
    let site = site();
    for page in site.pages() {
        let html = site.html(&page);
        // JSON-LD is data for search engines, never run; the one script is
        // the theme's search, which only adds to a page that works without
        // it (tests/browser/search.test.mjs).
        for script in select(&html, "script") {
            let v = script.value();
            let search = v.attr("src").is_some_and(|s| s.ends_with("/search.js"));
            assert!(
                v.attr("type") == Some("application/ld+json") || search,
                "{page} has a script"
            );
        }
        for el in select(
            &html,
            "link[href], img[src], source[src], iframe, video, audio",
        ) {
            let v = el.value();
            if v.attr("rel") == Some("canonical") {
                continue;
            }
            let url = v.attr("href").or(v.attr("src")).unwrap_or_default();
            assert!(
                !url.contains("://") && !url.starts_with("//"),
                "{page} loads {url}"
            );
        }
    }
    let css = std::fs::read_to_string(site.out.join("style.css")).unwrap();
    assert!(
        !css.contains("@import") && !css.contains("url(http"),
        "the stylesheet loads something from elsewhere"
    );
}
