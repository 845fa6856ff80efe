//! The repository's own explainer, built by the real binary and served over
//! HTTP under a subpath: a crawl from home reaches every page, every link and
//! asset answers and every anchor exists, and every citation leads to a reference and on to a source page
//! that lists the citing page in return.

mod site_common;

use site_common::{BASE, get, resolve, select, site, text_of};
use std::collections::{BTreeMap, VecDeque};

/// A crawl from the home page over HTTP, served under the subpath as a host
/// would: every link, stylesheet, image (`src` and `srcset`) and script a
/// page points to stays under the base path and answers 200, every
/// `#anchor` is an id on the page it names, and every page is reached.
#[test]
fn a_crawl_from_home_over_http_reaches_every_page_and_finds_nothing_broken() {
    let site = site();
    let mut broken = Vec::new();
    let mut pages: BTreeMap<String, scraper::Html> = BTreeMap::new();
    let mut answered: BTreeMap<String, u16> = BTreeMap::new();
    let mut anchors: Vec<(String, String, String)> = Vec::new();
    let mut queue = VecDeque::from([BASE.to_string()]);
    answered.insert(BASE.to_string(), 0);
    while let Some(page) = queue.pop_front() {
        let (status, body) = get(&page);
        answered.insert(page.clone(), status);
        if status != 200 {
            continue; // reported with the link that leads here
        }
        let is_html = page.ends_with('/') || page.ends_with(".html");
        if !is_html {
            continue;
        }
        let html = scraper::Html::parse_document(&String::from_utf8_lossy(&body));
        let mut targets = Vec::new();
        for el in select(
            &html,
            "a[href], link[href], img[src], script[src], source[srcset], img[srcset]",
        ) {
            let v = el.value();
            if v.name() == "link" && v.attr("rel") == Some("canonical") {
                continue; // the page's address on the web, not on this host
            }
            targets.extend(v.attr("href").or(v.attr("src")).map(str::to_string));
            if let Some(set) = v.attr("srcset") {
                targets.extend(
                    set.split(',')
                        .filter_map(|c| c.split_whitespace().next())
                        .map(str::to_string),
                );
            }
        }
        for href in targets {
            let Some((path, fragment)) = resolve(&page, &href) else {
                continue; // another site
            };
            if !path.starts_with(BASE) {
                broken.push(format!("{page}: {href} leaves the base path {BASE}"));
                continue;
            }
            if let Some(f) = fragment.filter(|f| !f.is_empty()) {
                anchors.push((page.clone(), path.clone(), f));
            }
            if !answered.contains_key(&path) {
                answered.insert(path.clone(), 0);
                queue.push_back(path);
            }
        }
        pages.insert(page, html);
    }
    for (path, status) in &answered {
        if *status != 200 {
            broken.push(format!("{path} answers {status}"));
        }
    }
    for (from, path, anchor) in anchors {
        let has = pages.get(&path).is_some_and(|html| {
            select(html, "[id]")
                .iter()
                .any(|e| e.value().attr("id") == Some(anchor.as_str()))
        });
        if !has {
            broken.push(format!("{from}: {path}#{anchor} has no such id"));
        }
    }
    // An old address kept by `aliases:` is linked from nowhere on purpose;
    // it must lead to a page the crawl reached.
    let mut unreached = Vec::new();
    for p in site.pages() {
        if p.ends_with("404.html") || pages.contains_key(&p) {
            continue;
        }
        let html = site.html(&p);
        let target = select(&html, "meta[http-equiv='refresh']")
            .first()
            .and_then(|m| m.value().attr("content"))
            .and_then(|c| c.split_once("url=").map(|(_, u)| u.to_string()));
        match target.and_then(|u| resolve(&p, &u)) {
            Some((to, _)) if pages.contains_key(&to) => {}
            Some((to, _)) => broken.push(format!("{p} redirects to {to}, not a page")),
            None => unreached.push(p),
        }
    }
    assert!(
        unreached.is_empty(),
        "not reachable from home: {unreached:?}"
    );
    assert!(pages.len() >= 25, "only {} pages reached", pages.len());
    assert!(broken.is_empty(), "{}", broken.join("\n"));
    // The host's own answer for a missing page, as a reader would meet it.
    assert_eq!(get(&format!("{BASE}no/such/page/")).0, 404);
}

#[test]
fn every_citation_resolves_to_a_numbered_reference_naming_the_same_source() {
    let site = site();
    let mut problems = Vec::new();
    let mut citations = 0;
    for page in site.pages() {
        let html = site.html(&page);
        let references: BTreeMap<String, String> = select(&html, ".references ol > li[id]")
            .into_iter()
            .map(|li| {
                let title = select_in(li, "a").map(text_of).unwrap_or_default();
                (li.value().attr("id").unwrap().to_string(), title)
            })
            .collect();
        for a in select(&html, "a.citation") {
            citations += 1;
            let href = a.value().attr("href").unwrap_or_default();
            let number = text_of(a);
            let Some(id) = href.strip_prefix('#') else {
                problems.push(format!("{page}: citation [{number}] links to {href}"));
                continue;
            };
            if id != format!("ref-{number}") {
                problems.push(format!("{page}: citation [{number}] links to #{id}"));
            }
            match references.get(id) {
                None => problems.push(format!(
                    "{page}: citation [{number}] has no reference #{id}"
                )),
                Some(title) if a.value().attr("title") != Some(title.as_str()) => {
                    problems.push(format!(
                        "{page}: citation [{number}] says {:?}, reference says {title:?}",
                        a.value().attr("title")
                    ))
                }
                Some(_) => {}
            }
        }
        // Numbered 1..n in order, with nothing listed that the text does not cite.
        for (i, id) in select(&html, ".references ol > li[id]")
            .iter()
            .map(|li| li.value().attr("id").unwrap())
            .enumerate()
        {
            if id != format!("ref-{}", i + 1) {
                problems.push(format!("{page}: reference {} has id {id}", i + 1));
            }
            if select(&html, &format!("a.citation[href='#{id}']")).is_empty() {
                problems.push(format!(
                    "{page}: reference #{id} is cited nowhere on the page"
                ));
            }
        }
    }
    assert!(
        citations > 100,
        "only {citations} citations found: is the citation markup gone?"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_reference_links_to_a_source_page_that_lists_the_citing_page() {
    let site = site();
    let mut problems = Vec::new();
    for page in site.pages() {
        let html = site.html(&page);
        for li in select(&html, ".references ol > li") {
            let Some(a) = select_in(li, "a[href]") else {
                problems.push(format!("{page}: a reference without a link"));
                continue;
            };
            let href = a.value().attr("href").unwrap();
            let Some((target, _)) = resolve(&page, href) else {
                problems.push(format!("{page}: reference links off-site to {href}"));
                continue;
            };
            if !target.starts_with(&format!("{BASE}sources/"))
                || target == format!("{BASE}sources/")
            {
                problems.push(format!(
                    "{page}: reference links to {target}, not a source page"
                ));
                continue;
            }
            if site.file_for(&target).is_none() {
                problems.push(format!("{page}: reference links to missing {target}"));
                continue;
            }
            let source = site.html(&target);
            let cited_on: Vec<String> = select(&source, ".cited-on a[href]")
                .iter()
                .filter_map(|a| resolve(&target, a.value().attr("href").unwrap()).map(|(p, _)| p))
                .collect();
            if !cited_on.contains(&page) {
                problems.push(format!("{target} does not list {page} under Cited on"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_side_of_an_accounts_differ_box_names_its_source_page() {
    let site = site();
    let mut boxes = 0;
    let mut problems = Vec::new();
    for page in site.pages() {
        let html = site.html(&page);
        for aside in select(&html, "aside.disputed") {
            boxes += 1;
            if select_in(aside, ".disputed-question").is_none() {
                problems.push(format!("{page}: a box without its question"));
            }
            let sides: Vec<_> = aside.select(&site_common::sel("li")).collect();
            if sides.len() < 2 {
                problems.push(format!("{page}: a box with {} side(s)", sides.len()));
            }
            for li in sides {
                match select_in(li, "cite.side-source a[href]") {
                    Some(a)
                        if resolve(&page, a.value().attr("href").unwrap())
                            .is_some_and(|(p, _)| p.starts_with(&format!("{BASE}sources/"))) => {}
                    _ => problems.push(format!(
                        "{page}: a side without its source: {}",
                        text_of(li).trim()
                    )),
                }
            }
        }
    }
    assert!(boxes >= 5, "only {boxes} accounts-differ boxes");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn select_in<'a>(el: scraper::ElementRef<'a>, css: &str) -> Option<scraper::ElementRef<'a>> {
    el.select(&site_common::sel(css)).next()
}
