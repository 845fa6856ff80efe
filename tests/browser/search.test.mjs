// Search in headless Chromium: a query typed into the header's box finds
// the expected page on the search page, downloading only part of the
// index; without JavaScript, and opened from disk, the box gives way to
// the link to the site map and the search page says where to look.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readdirSync, statSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { axeViolations, servedSite, SHOTS } from "./lib/site.mjs";

const served = servedSite();
const { dir, basePath } = served;

/** Every file of the index and their total size. */
function indexFiles() {
  const files = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.push(statSync(path).size);
    }
  };
  walk(join(dir, "search-index"));
  return { count: files.length, bytes: files.reduce((a, b) => a + b, 0) };
}

for (const viewport of [{ width: 1280, height: 900 }, { width: 375, height: 800 }]) {
  test(`a query typed in the header's box finds its page (${viewport.width} px)`, async () => {
    const context = await served.browser.newContext({ viewport });
    const page = await context.newPage();
    const fetched = [];
    page.on("response", async (r) => {
      if (r.url().includes("/search-index/")) fetched.push([r.url(), (await r.body()).length]);
    });
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(served.server.origin + basePath + "memo/", { waitUntil: "load" });
    const box = page.locator("form.search-box input");
    assert.equal(await box.isVisible(), true, "the search box shows where scripts run");
    await box.fill("forced sale");
    await box.press("Enter");
    await page.waitForURL(/\/search\/\?q=forced\+sale$/);
    const results = page.locator("[data-search-results] li a");
    await results.first().waitFor();
    const hrefs = await results.evaluateAll((as) => as.map((a) => new URL(a.href).pathname));
    assert.ok(hrefs.includes(`${basePath}tiktok-precedent/`), hrefs.join(", "));
    assert.match(await page.locator("[data-search-status]").innerText(), /pages? match “forced sale”/);
    assert.equal(await page.locator("[data-search-fallback]").isVisible(), false);
    // A result leads to its page.
    const target = page.locator(`[data-search-results] a[href$="/tiktok-precedent/"]`);
    if (viewport.width === 1280) {
      assert.deepEqual(await axeViolations(page), []);
    }
    await page.screenshot({ path: join(SHOTS, `search-${viewport.width}.png`), fullPage: true });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= viewport.width, `the page is ${width} px wide on a ${viewport.width} px screen`);
    // Only what the query needs: meta.json, one term file per word, one title shard.
    const whole = indexFiles();
    const bytes = fetched.reduce((a, [, n]) => a + n, 0);
    const names = fetched.map(([u]) => u.replace(/.*\/search-index\//, "")).sort();
    assert.deepEqual(names.filter((n) => n.startsWith("t/")).length, 2, names.join(", "));
    assert.ok(names.includes("meta.json") && names.includes("d/0.json"), names.join(", "));
    assert.ok(bytes < whole.bytes / 4, `${bytes} B of ${whole.bytes}`);
    console.log(`search "forced sale": ${fetched.length} of ${whole.count} index files, ${bytes} of ${whole.bytes} bytes`);
    await target.click();
    await page.waitForURL(new RegExp(`${basePath}tiktok-precedent/$`));
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test("a query no page matches says so", async () => {
  const context = await served.browser.newContext();
  const page = await context.newPage();
  await page.goto(served.server.origin + basePath + "search/?q=zebra+memo", { waitUntil: "load" });
  await page.locator("[data-search-status]").filter({ hasText: "No page" }).waitFor();
  assert.equal(await page.locator("[data-search-results] li").count(), 0);
  await context.close();
});

test("without JavaScript the box gives way to the site map link", async () => {
  const context = await served.browser.newContext({ javaScriptEnabled: false, viewport: { width: 375, height: 800 } });
  const page = await context.newPage();
  await page.goto(served.server.origin + basePath + "memo/", { waitUntil: "load" });
  assert.equal(await page.locator("form.search-box").isVisible(), false);
  assert.equal(await page.locator("a.menu-link[href='#site-map']").isVisible(), true);
  await page.goto(served.server.origin + basePath + "search/?q=memo", { waitUntil: "load" });
  const fallback = page.locator("[data-search-fallback]");
  assert.equal(await fallback.isVisible(), true);
  assert.equal(await fallback.locator("a[href='#site-map']").count(), 1);
  assert.equal(await page.locator("[data-search-page]").isVisible(), false);
  await context.close();
});

test("opened from disk the search page points to the site map", async () => {
  const context = await served.browser.newContext();
  const page = await context.newPage();
  await page.goto(pathToFileURL(join(dir, "search", "index.html")).href + "?q=memo", { waitUntil: "load" });
  assert.equal(await page.locator("[data-search-fallback]").isVisible(), true);
  assert.equal(await page.locator("form.search-box").isVisible(), false);
  await context.close();
});
