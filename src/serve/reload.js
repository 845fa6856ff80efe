// dossier watch: live reload and the build-error overlay. The preview server
// adds this script to HTML pages as it serves them; files on disk never
// contain it. It listens to /__dossier/events (Server-Sent Events):
//   hello {build}                         connected; the output's current build
//   reload {paths: [...], build} or {all: true}  files were rewritten
//   errors {errors: [{path, line, column, message, snippet, text}]}
//   ok                                    the site builds again
(() => {
  "use strict";
  const me = document.currentScript;
  const notFound = me !== null && me.dataset.notFound === "true";
  // The build this page was served from. A build this page did not hear of
  // (it came before the stream connected, or while watch restarted) shows
  // as another id in `hello`: then the page refreshes.
  let build = me !== null ? me.dataset.build : undefined;
  const OVERLAY_ID = "dossier-error-overlay";

  // `/sub/memo/index.html` and `/sub/memo/` are one page.
  const pagePath = (path) => path.replace(/index\.html$/, "");
  const isPage = (path) => path.endsWith("/") || path.endsWith(".html");
  // Whether this page loaded `path` (an image, a script, a file it
  // fetched): a change to a file it did not load (the feed, the sitemap,
  // another page's data) leaves the open page as it is.
  const loadedHere = (path) =>
    performance.getEntriesByType("resource").some((r) => {
      const url = new URL(r.name);
      return url.origin === location.origin && decodeURI(url.pathname) === path;
    });
  const here = () => pagePath(decodeURI(location.pathname));

  function swapStylesheets(paths) {
    const changed = new Set(paths);
    for (const link of document.querySelectorAll('link[rel~="stylesheet"]')) {
      const url = new URL(link.href, location.href);
      if (url.origin !== location.origin || !changed.has(decodeURI(url.pathname))) continue;
      url.searchParams.set("dossier-reload", Date.now().toString());
      const fresh = link.cloneNode();
      fresh.href = url.href;
      // Keep the old sheet until the new one is in, so nothing flashes unstyled.
      fresh.addEventListener("load", () => link.remove(), { once: true });
      fresh.addEventListener("error", () => location.reload(), { once: true });
      link.after(fresh);
    }
  }

  function hideOverlay() {
    const overlay = document.getElementById(OVERLAY_ID);
    if (overlay) overlay.remove();
  }

  function showOverlay(errors) {
    hideOverlay();
    const host = document.createElement("div");
    host.id = OVERLAY_ID;
    host.setAttribute("role", "alert");
    const root = host.attachShadow({ mode: "open" });
    const style = document.createElement("style");
    style.textContent = `
      :host { all: initial; position: fixed; inset: 0; z-index: 2147483647;
        background: rgb(20 20 20 / 0.72); display: flex; align-items: flex-start;
        justify-content: center; overflow: auto; font: 15px/1.5 system-ui, sans-serif; }
      section { margin: 8vh 1rem; max-width: 56rem; width: 100%; background: #fff; color: #1a1a1a;
        border-top: 6px solid #c62828; border-radius: 6px; padding: 1.25rem 1.5rem;
        box-shadow: 0 10px 40px rgb(0 0 0 / 0.4); }
      h2 { margin: 0 0 0.75rem; font-size: 1.1rem; color: #b71c1c; }
      li { margin: 0 0 0.9rem; }
      code { font: 600 14px/1.4 ui-monospace, monospace; }
      pre { margin: 0.3rem 0 0; padding: 0.5rem 0.75rem; background: #f5f5f5; overflow: auto;
        font: 13px/1.4 ui-monospace, monospace; white-space: pre; }
      p { margin: 0.75rem 0 0; color: #555; font-size: 13px; }
      ul { margin: 0; padding-left: 1.2rem; }`;
    const box = document.createElement("section");
    const title = document.createElement("h2");
    title.textContent = errors.length === 1
      ? "The site did not build: 1 error"
      : `The site did not build: ${errors.length} errors`;
    const list = document.createElement("ul");
    for (const e of errors) {
      const item = document.createElement("li");
      const where = document.createElement("code");
      where.className = "location";
      where.textContent = e.path + (e.line ? `:${e.line}` : "") + (e.line && e.column ? `:${e.column}` : "");
      item.append(where, document.createTextNode(": " + e.message));
      if (e.snippet) {
        const pre = document.createElement("pre");
        pre.textContent = e.snippet;
        item.append(pre);
      }
      list.append(item);
    }
    const note = document.createElement("p");
    note.textContent = "Still showing the last version that built. Fix the file and save: this page reloads by itself.";
    box.append(title, list, note);
    root.append(style, box);
    document.documentElement.append(host);
  }

  // This page's own file changed: fetch it and swap the body in place, which
  // is faster than a reload, keeps the scroll position and does not flash.
  // Anything the swap cannot carry over (other scripts, different
  // stylesheets) falls back to a full reload. The page's own scripts (the
  // same files as before, already run) stay, and hear `dossier:refresh` on
  // the document after each swap, to set up the new body.
  const sheets = (doc) => [...doc.querySelectorAll('link[rel~="stylesheet"]')]
    .map((l) => new URL(l.getAttribute("href"), location.href).pathname).join("\n");
  // JSON-LD (structured data) is not run, and this script is ours: the rest.
  const scripts = (doc) => [...doc.scripts]
    .filter((s) => s.type !== "application/ld+json" && !s.src.includes("/__dossier/"))
    .map((s) => (s.src ? new URL(s.getAttribute("src"), location.href).pathname : `inline ${s.text}`))
    .join("\n");
  async function refreshInPlace() {
    try {
      const response = await fetch(location.href, { cache: "no-store" });
      if (!response.ok) throw new Error(String(response.status));
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      const inline = [...fresh.scripts].some((s) => !s.src && s.type !== "application/ld+json");
      if (inline || scripts(fresh) !== scripts(document) || sheets(fresh) !== sheets(document)) {
        throw new Error("needs a reload");
      }
      const [x, y] = [window.scrollX, window.scrollY];
      document.title = fresh.title;
      document.documentElement.lang = fresh.documentElement.lang;
      document.body.replaceWith(document.adoptNode(fresh.body));
      window.scrollTo(x, y);
      window.__dossierLive.refreshed += 1;
      document.dispatchEvent(new Event("dossier:refresh"));
    } catch {
      location.reload();
    }
  }

  const events = new EventSource("/__dossier/events");
  // For tests and the curious: whether this page is listening.
  window.__dossierLive = { connected: false, refreshed: 0, missed: 0 };
  events.addEventListener("hello", (event) => {
    window.__dossierLive.connected = true;
    const current = JSON.parse(event.data).build;
    if (current === build) return;
    build = current;
    window.__dossierLive.missed += 1;
    if (notFound) location.reload();
    else refreshInPlace();
  });
  events.addEventListener("reload", (event) => {
    const message = JSON.parse(event.data);
    if (message.build) build = message.build;
    const paths = message.paths || [];
    if (!message.all && paths.length > 0 && paths.every((p) => p.endsWith(".css"))) {
      swapStylesheets(paths);
      return;
    }
    const mine = here();
    const loaded = paths.filter(loadedHere);
    if (message.all || notFound || loaded.some((p) => !isPage(p) && !p.endsWith(".css"))) {
      location.reload();
      return;
    }
    const css = paths.filter((p) => p.endsWith(".css"));
    if (css.length > 0) swapStylesheets(css);
    if (paths.some((p) => isPage(p) && pagePath(p) === mine)) refreshInPlace();
  });
  events.addEventListener("errors", (event) => showOverlay(JSON.parse(event.data).errors));
  events.addEventListener("ok", hideOverlay);
})();
