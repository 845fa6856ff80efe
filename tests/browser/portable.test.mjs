// A portable build of the explainer (`dossier build --portable`), opened
// from disk as a reader would open a zip attachment: every page loads over
// file:// with no failed request and no console error, and following every
// link from the home page reaches only files that exist.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { launchChromium } from "./lib/site.mjs";

const dir = process.env.DOSSIER_PORTABLE_DIR;
let browser;

function htmlFiles(folder) {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return htmlFiles(path);
    return name.endsWith(".html") ? [path] : [];
  });
}

before(async () => {
  assert.ok(dir, "DOSSIER_PORTABLE_DIR names the portable build");
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

test("every page of the portable build loads from file:// with nothing missing", async () => {
  const files = htmlFiles(dir);
  assert.ok(files.length > 20, `only ${files.length} pages`);
  const context = await browser.newContext();
  const problems = [];
  const linked = new Set();
  for (const file of files) {
    const page = await context.newPage();
    const shown = relative(dir, file);
    page.on("console", (msg) => {
      if (msg.type() === "error") problems.push(`${shown}: console error: ${msg.text()}`);
    });
    page.on("requestfailed", (req) => problems.push(`${shown}: request failed: ${req.url()} (${req.failure()?.errorText})`));
    page.on("request", (req) => {
      if (!req.url().startsWith("file://") && !req.url().startsWith("data:")) {
        problems.push(`${shown}: request off the disk: ${req.url()}`);
      }
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    // A redirect left at an old URL (`aliases:`) goes on to its page: that
    // page must load from disk too.
    if (/<meta http-equiv="?refresh/i.test(readFileSync(file, "utf8"))) {
      await page.waitForURL((url) => url.href !== pathToFileURL(file).href);
      await page.waitForLoadState("load");
    }
    for (const href of await page.$$eval("a[href]", (as) => as.map((a) => a.href))) {
      if (href.startsWith("file://")) linked.add(href.split("#")[0]);
    }
    await page.close();
  }
  await context.close();
  for (const href of linked) {
    const path = decodeURIComponent(new URL(href).pathname);
    let isFile = false;
    try {
      isFile = statSync(path).isFile();
    } catch {}
    if (!isFile) problems.push(`a link leads to no file: ${href}`);
  }
  assert.deepEqual(problems, []);
});
