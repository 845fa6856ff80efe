//! The repository's own explainer, built by the real binary: every page can
//! be reached from home, every link lands on a page and an anchor that
//! exist, and every citation leads to a reference and on to a source page
//! that lists the citing page in return.

mod site_common;

use site_common::{BASE, resolve, select, site, text_of};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

#[test]
fn every_page_is_reachable_from_home() {
    let site = site();
    let mut seen = BTreeSet::from([BASE.to_string()]);
    let mut queue = VecDeque::from([BASE.to_string()]);
    while let Some(page) = queue.pop_front() {
        let html = site.html(&page);
        for a in select(&html, "a[href]") {
            let href = a.value().attr("href").unwrap();
            if let Some((path, _)) = resolve(&page, href)
                && site
                    .file_for(&path)
                    .is_some_and(|f| f.extension().is_some_and(|x| x == "html"))
                && seen.insert(path.clone())
            {
                queue.push_back(path);
            }
        }
    }
    let unreachable: Vec<String> = site
        .pages()
        .into_iter()
        .filter(|p| !p.ends_with("404.html") && !seen.contains(p))
        .collect();
    assert!(
        unreachable.is_empty(),
        "not reachable from home: {unreachable:?}"
    );
    assert!(seen.len() >= 25, "only {} pages reached", seen.len());
}

#[test]
fn every_link_and_asset_stays_under_the_base_path_and_exists() {
    let site = site();
    let mut broken = Vec::new();
    let mut ids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for page in site.pages() {
        let html = site.html(&page);
        ids.insert(
            page.clone(),
            select(&html, "[id]")
                .iter()
                .map(|e| e.value().attr("id").unwrap().to_string())
                .collect(),
        );
    }
    for page in site.pages() {
        let html = site.html(&page);
        for el in select(&html, "a[href], link[href], img[src], script[src]") {
            let v = el.value();
            let href = v.attr("href").or(v.attr("src")).unwrap();
            if v.name() == "link" && v.attr("rel") == Some("canonical") {
                continue;
            }
            let Some((path, fragment)) = resolve(&page, href) else {
                broken.push(format!("{page}: off-site {href}"));
                continue;
            };
            if !path.starts_with(BASE) {
                broken.push(format!("{page}: {href} skips the base path {BASE}"));
                continue;
            }
            if site.file_for(&path).is_none() {
                broken.push(format!("{page}: {href} leads nowhere"));
                continue;
            }
            if let Some(f) = fragment.filter(|f| !f.is_empty())
                && !ids.get(&path).is_some_and(|set| set.contains(&f))
            {
                broken.push(format!("{page}: {href} has no #{f} there"));
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
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
