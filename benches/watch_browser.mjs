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
await page.goto(url);
await page.waitForFunction(() => window.__dossierLive && window.__dossierLive.connected);
const times = [];
for (let i = 0; i < Number(rounds); i++) {
  const token = `reload-token-${i}-${Date.now()}`;
  const start = performance.now();
  writeFileSync(file, original.replace(/\n*$/, `\n\n${token}\n`));
  await page.waitForFunction((t) => document.body.innerText.includes(t), token, { timeout: 20000, polling: 1 });
  times.push(performance.now() - start);
  await page.waitForFunction(() => window.__dossierLive && window.__dossierLive.connected);
  await new Promise((r) => setTimeout(r, 150));
}
writeFileSync(file, original);
await browser.close();
console.log(JSON.stringify({ reload_ms: times }));
