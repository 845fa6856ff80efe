// Shared by the browser tests: a fresh build of the repository's site, the
// list of its pages, and a tiny static server for it on 127.0.0.1 under a
// subpath (so every URL must honour base_path, as on a real subfolder host).
//
// The Rust test tests/site_browser.rs builds once and passes the folder in
// DOSSIER_SITE_DIR (and DOSSIER_BASE_PATH). Run alone (`npm test`), each test
// file builds its own copy with DOSSIER_BIN, or `cargo run` as a fallback.

import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { after, before } from "node:test";
import { tmpdir } from "node:os";
import { extname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

/** axe-core's serious and critical violations on `page`, one line each. */
export async function axeViolations(page) {
  await page.addScriptTag({ path: AXE });
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
}

export const REPO = resolve(fileURLToPath(new URL("../../..", import.meta.url)));

/** Where the browser tests put their screenshots. */
export const SHOTS = process.env.DOSSIER_SCREENSHOTS || join(REPO, "target", "screenshots");

/**
 * The built site served under its base path and a Chromium, for the tests
 * of one file: started before them, closed after. `server` and `browser`
 * are there once its tests run.
 */
export function servedSite() {
  const served = { ...site(), server: null, browser: null };
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    served.server = await serve(served.dir, served.basePath);
    served.browser = await launchChromium();
  });
  after(async () => {
    await served.browser?.close();
    await served.server?.close();
  });
  return served;
}

// Debian's Chromium, started as this machine needs: without the networking
// flags its background connections fail against the closed network.
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
    ],
  });
}

export function site() {
  const basePath = process.env.DOSSIER_BASE_PATH || "/sub/";
  if (process.env.DOSSIER_SITE_DIR) {
    return { dir: process.env.DOSSIER_SITE_DIR, basePath };
  }
  const dir = mkdtempSync(join(tmpdir(), "dossier-browser-"));
  const args = ["build", "--root", REPO, "--output", join(dir, "out"), "--base-url", `http://127.0.0.1${basePath}`];
  if (process.env.DOSSIER_BIN) {
    execFileSync(process.env.DOSSIER_BIN, args, { stdio: "inherit" });
  } else {
    execFileSync("cargo", ["run", "-q", "--", ...args], { cwd: REPO, stdio: "inherit" });
  }
  return { dir: join(dir, "out"), basePath };
}

/** A fresh `dossier new` skeleton, built the same way: the theme as a new user gets it. */
export function skeleton() {
  const basePath = process.env.DOSSIER_BASE_PATH || "/sub/";
  const dir = mkdtempSync(join(tmpdir(), "dossier-new-"));
  const run = (args) =>
    process.env.DOSSIER_BIN
      ? execFileSync(process.env.DOSSIER_BIN, args, { stdio: "inherit" })
      : execFileSync("cargo", ["run", "-q", "--", ...args], { cwd: REPO, stdio: "inherit" });
  run(["new", join(dir, "site")]);
  run(["build", "--root", join(dir, "site"), "--output", join(dir, "out"), "--base-url", `http://127.0.0.1${basePath}`]);
  return { dir: join(dir, "out"), basePath };
}

/** Every HTML file of the built site as a URL path under the base path. */
export function pages(dir, basePath) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      // A redirect left at an old URL (`aliases:`) is not a page to look at.
      else if (name.endsWith(".html") && !/<meta http-equiv="?refresh/i.test(readFileSync(full, "utf8"))) {
        const rel = relative(dir, full).split(sep).join("/");
        out.push(basePath + rel.replace(/(^|\/)index\.html$/, "$1"));
      }
    }
  };
  walk(dir);
  return out;
}

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** Serve `dir` at http://127.0.0.1:PORT{basePath}; resolves to { origin, close }. */
export function serve(dir, basePath) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    let file = null;
    if (path.startsWith(basePath)) {
      const candidate = resolve(dir, "." + path.slice(basePath.length - 1));
      if (candidate.startsWith(resolve(dir))) {
        if (existsSync(candidate) && statSync(candidate).isDirectory()) {
          const index = join(candidate, "index.html");
          if (path.endsWith("/") && existsSync(index)) file = index;
        } else if (existsSync(candidate)) file = candidate;
      }
    }
    if (!file) {
      const notFound = join(dir, "404.html");
      res.writeHead(404, { "content-type": TYPES[".html"] });
      res.end(existsSync(notFound) ? readFileSync(notFound) : "not found");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] || "application/octet-stream" });
    res.end(readFileSync(file));
  });
  return new Promise((ok) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      ok({ origin: `http://127.0.0.1:${port}`, close: () => new Promise((done) => server.close(done)) });
    });
  });
}

/**
 * A full-page screenshot. Headless Chromium now and then answers one with
 * "Protocol error (Page.captureScreenshot): Unable to capture screenshot"
 * (once in a CI run's 60 shots of /players/apple/, whose next run passed):
 * that shot is taken again, up to twice; any other error stands.
 */
async function shot(page) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await page.screenshot({ fullPage: true });
    } catch (e) {
      if (attempt >= 2 || !String(e.message).includes("Unable to capture screenshot")) throw e;
      await page.waitForTimeout(100);
    }
  }
}

/**
 * A full-page screenshot of `page` once its paint has settled: shots 100 ms
 * apart until two in a row are the same (as Playwright's own
 * `toHaveScreenshot` waits). Just after `load`, Chromium may still repaint
 * (a focus ring set by a script showed one pixel of difference in about a
 * third of the shots); a page that never settles fails.
 */
export async function settledScreenshot(page) {
  let last = await shot(page);
  for (let i = 0; i < 20; i++) {
    await page.waitForTimeout(100);
    const next = await shot(page);
    if (next.equals(last)) return next;
    last = next;
  }
  throw new Error(`${page.url()}: the page kept repainting for two seconds`);
}

/**
 * How many pixels differ between two PNG screenshots (Infinity when their
 * sizes differ), counted in a page of `browser`. Headless Chromium, with
 * no GPU, now and then rasterises an edge of a glyph or a ring a shade
 * apart between two loads of the very same page (two pixels of a 1280×5479
 * page, in a third of the loads of /memo/): a comparison that must hold
 * whatever the timing allows a few.
 */
export async function differingPixels(browser, a, b) {
  const page = await browser.newPage();
  try {
    return await page.evaluate(async ([a, b]) => {
      const load = (png) =>
        new Promise((resolve, reject) => {
          const image = new Image();
          image.onload = () => resolve(image);
          image.onerror = reject;
          image.src = `data:image/png;base64,${png}`;
        });
      const [x, y] = [await load(a), await load(b)];
      if (x.width !== y.width || x.height !== y.height) return Infinity;
      const pixels = (image) => {
        const canvas = new OffscreenCanvas(image.width, image.height);
        const context = canvas.getContext("2d");
        context.drawImage(image, 0, 0);
        return context.getImageData(0, 0, image.width, image.height).data;
      };
      const [p, q] = [pixels(x), pixels(y)];
      let differ = 0;
      for (let i = 0; i < p.length; i += 4) {
        if (p[i] !== q[i] || p[i + 1] !== q[i + 1] || p[i + 2] !== q[i + 2] || p[i + 3] !== q[i + 3]) differ++;
      }
      return differ;
    }, [a.toString("base64"), b.toString("base64")]);
  } finally {
    await page.close();
  }
}
