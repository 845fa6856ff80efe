// Edit → page reloaded, measured in headless Chromium for benches/watch.rs.
// Usage: node benches/watch_browser.mjs URL MARKDOWN_FILE ROUNDS
// Prints one JSON line: {"reload_ms": [...]}, each from just before the
// Markdown file is written to the reloaded page showing the new text.

import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";

const require = createRequire(fileURLToPath(new URL("../tests/browser/package.json", import.meta.url)));
const { chromium } = require("playwright-core");

const [url, file, rounds = "20"] = process.argv.slice(2);
const original = readFileSync(file, "utf8");
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync"],
});
const page = await browser.newPage();
// After a full reload, the new document notes the moment it shows the text.
await page.addInitScript(() => {
  document.addEventListener("DOMContentLoaded", () => {
    const t = sessionStorage.getItem("bench-token");
    if (t && document.body.innerText.includes(t)) {
      window.__shownAt = performance.timeOrigin + performance.now();
    }
  });
});
await page.goto(url);
await page.waitForFunction(() => window.__dossierLive && window.__dossierLive.connected);
const times = [];
// The moment the page shows the new text is taken inside the page, as the
// swapped body arrives (`dossier:refresh`, or a full load if the page had to
// reload), on the clock both sides share (time origin + high-resolution now):
// polling from here would add its own round trips, and a check that lays
// out the page every millisecond would slow the page it measures.
const now = () => performance.timeOrigin + performance.now();
for (let i = 0; i < Number(rounds); i++) {
  const token = `reload-token-${i}-${Date.now()}`;
  await page.evaluate((t) => {
    window.__shownAt = undefined;
    const seen = () => {
      if (window.__shownAt === undefined && document.body.innerText.includes(t)) {
        window.__shownAt = performance.timeOrigin + performance.now();
      }
    };
    document.removeEventListener("dossier:refresh", window.__seen);
    window.__seen = seen;
    document.addEventListener("dossier:refresh", seen);
    sessionStorage.setItem("bench-token", t);
  }, token);
  const start = now();
  writeFileSync(file, original.replace(/\n*$/, `\n\n${token}\n`));
  const shown = await page.waitForFunction(() => window.__shownAt, null, { timeout: 20000, polling: 5 });
  times.push((await shown.jsonValue()) - start);
  await page.waitForFunction(() => window.__dossierLive && window.__dossierLive.connected);
  await new Promise((r) => setTimeout(r, 150));
}
writeFileSync(file, original);
await browser.close();
console.log(JSON.stringify({ reload_ms: times }));
