// Search for the explainer theme. dossier writes the index to
// search-index/ (see src/search.rs): meta.json lists the term files,
// t/HEX.json holds the terms that start with one pair of characters (HEX:
// their UTF-8 in hex) and, per term, page numbers (as differences) and
// weights; d/N.json holds the titles, URLs and descriptions of 128 pages.
// A query fetches meta.json, one term file per word and the title shards
// of the pages it shows.
//
// Without JavaScript, or opened from disk (where the files cannot be
// fetched), the header keeps its link to the site map and the search
// page says where to look instead.
(() => {
  if (location.protocol === "file:") return;
  const script = document.currentScript;
  // search.js sits at the site's root.
  const root = new URL(".", script.src);
  const base = new URL("search-index/", root);

  const cache = new Map();
  const load = (path) => {
    if (!cache.has(path)) {
      cache.set(path, fetch(new URL(path, base)).then((r) => {
        if (!r.ok) throw new Error(`${path}: ${r.status}`);
        return r.json();
      }));
    }
    return cache.get(path);
  };
  // The words as the index splits them (src/search.rs): letters and digits
  // (Unicode's Alphabetic and Numeric, as Rust's is_alphanumeric),
  // lower-cased, two characters or more, at most 64 bytes.
  const encoder = new TextEncoder();
  const words = (text) =>
    text
      .toLowerCase()
      .split(/[^\p{Alphabetic}\p{N}]+/u)
      .filter((w) => [...w].length >= 2 && encoder.encode(w).length <= 64);
  const hex = (s) =>
    [...encoder.encode(s)].map((b) => b.toString(16).padStart(2, "0")).join("");

  // A word without an English ending ("forced" → "forc", "reports" →
  // "report"), so that it finds "force" and "reporting" too.
  const stem = (word) => {
    const short = word.replace(/(ing|ed|es|s)$/u, "");
    return [...short].length >= 3 ? short : word;
  };

  // Pages holding `word` or a word that starts with it or its stem: page →
  // weight (a whole-word match counts double).
  async function matches(word, meta) {
    const key = hex([...word].slice(0, 2).join(""));
    const found = new Map();
    if (!meta.terms.includes(key)) return found;
    const terms = await load(`t/${key}.json`);
    const start = stem(word);
    for (const [term, postings] of Object.entries(terms)) {
      if (!term.startsWith(start)) continue;
      const factor = term === word ? 2 : 1;
      let page = 0;
      for (let i = 0; i < postings.length; i += 2) {
        page += postings[i];
        const weight = postings[i + 1] * factor;
        if ((found.get(page) ?? 0) < weight) found.set(page, weight);
      }
    }
    return found;
  }

  async function search(query) {
    const meta = await load("meta.json");
    const wanted = [...new Set(words(query))];
    if (wanted.length === 0) return [];
    const each = await Promise.all(wanted.map((w) => matches(w, meta)));
    // Pages with every word, the heaviest first.
    const [first, ...rest] = each;
    const scored = [];
    for (const [page, weight] of first) {
      let total = weight;
      if (rest.every((m) => m.has(page))) {
        for (const m of rest) total += m.get(page);
        scored.push([page, total]);
      }
    }
    scored.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    const shown = scored.slice(0, 50);
    const shards = await Promise.all(
      [...new Set(shown.map(([p]) => Math.floor(p / meta.shard)))].map(async (n) => [n, await load(`d/${n}.json`)]),
    );
    const byShard = new Map(shards);
    return {
      count: scored.length,
      pages: shown.map(([p]) => byShard.get(Math.floor(p / meta.shard))[p % meta.shard]),
    };
  }

  // The box, and on the search page the query; again for each new body
  // `dossier watch` swaps in (its `dossier:refresh`).
  function setUp() {
    cache.clear();
    for (const box of document.querySelectorAll("[data-search-box]")) box.hidden = false;
    const form = document.querySelector("[data-search-page]");
    if (form) run(form);
  }

  // Runs the query in the address (`?q=…`) on the search page.
  function run(form) {
    const input = form.querySelector("input");
    const status = document.querySelector("[data-search-status]");
    const list = document.querySelector("[data-search-results]");
    document.querySelector("[data-search-fallback]").hidden = true;
    form.hidden = false;
    const query = new URLSearchParams(location.search).get("q") ?? "";
    input.value = query;
    if (!query.trim()) {
      input.focus();
      return;
    }
    status.textContent = "Searching…";
    search(query).then(
      (found) => {
        list.replaceChildren();
        if (!found.pages || found.pages.length === 0) {
          status.textContent = `No page holds every word of “${query}”.`;
          return;
        }
        status.textContent = found.count === 1 ? `1 page matches “${query}”.` : `${found.count} pages match “${query}”.`;
        for (const [url, title, description] of found.pages) {
          const item = document.createElement("li");
          const link = document.createElement("a");
          link.href = new URL(url, root).href;
          link.textContent = title;
          item.append(link);
          if (description) {
            const p = document.createElement("p");
            p.textContent = description;
            item.append(p);
          }
          list.append(item);
        }
      },
      (error) => {
        status.textContent = `Search failed to load its index (${error.message}). Every part of the explainer is listed in the site map.`;
      },
    );
  }

  // Run as the header is parsed: the box is there already, the rest of the
  // page (the search form) once it is read.
  for (const box of document.querySelectorAll("[data-search-box]")) box.hidden = false;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
  document.addEventListener("dossier:refresh", setUp);
})();
