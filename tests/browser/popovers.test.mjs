// Citation popovers in headless Chromium with JavaScript off: a cited
// claim's mark opens its source in place, by mouse and by keyboard (HTML
// `popover`, no script), shows the cited passage and the links onward, and
// closes again; with the popover open, axe-core finds no serious or
// critical violation.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { axeViolations, servedSite, SHOTS } from "./lib/site.mjs";

const served = servedSite();
const { dir, basePath } = served;

/** The home page, with scripts off unless `script`; and the mark whose popover cites a passage. */
async function home(script = false, viewport = { width: 1280, height: 900 }) {
  const context = await served.browser.newContext({ viewport, javaScriptEnabled: script });
  const page = await context.newPage();
  await page.goto(served.server.origin + basePath, { waitUntil: "load" });
  const popover = page.locator(".cite-pop:has(.cite-pop-passage)").first();
  const id = await popover.getAttribute("id");
  assert.ok(id, "no popover with a cited passage on the home page");
  const mark = page.locator(`button.citation-open[popovertarget="${id}"]`);
  return { context, page, popover, mark };
}

test("a mark opens its source in place by mouse, with the passage and the links onward", async () => {
  const { context, page, popover, mark } = await home();
  // Where popovers work, the button shows and the plain link steps aside.
  assert.equal(await mark.isVisible(), true);
  assert.equal(await page.locator("a.citation").first().isVisible(), false);
  assert.equal(await popover.isVisible(), false);
  await mark.click();
  assert.equal(await popover.isVisible(), true);
  const text = await popover.innerText();
  const title = /(News analysis|Market-news item) relaying the Financial Times report/;
  assert.match(text, title);
  // The cited passage, in quotation marks.
  assert.match(await popover.locator(".cite-pop-passage").innerText(), /^“.+”$/s);
  const links = await popover.locator("a").evaluateAll((as) => as.map((a) => a.textContent.trim()));
  assert.match(links[0], title);
  assert.equal(links[1], "About this source");
  assert.ok(links.includes("All sources for this page"), links.join(", "));
  await page.screenshot({ path: join(SHOTS, "popover-1280.png") });
  // Its close button, and a click elsewhere, close it.
  await popover.getByRole("button", { name: "Close" }).click();
  assert.equal(await popover.isVisible(), false);
  await mark.click();
  assert.equal(await popover.isVisible(), true);
  await page.mouse.click(5, 890);
  assert.equal(await popover.isVisible(), false);
  await context.close();
});

test("a mark opens by keyboard, its links come next in the tab order, Escape closes it", async () => {
  const { context, page, popover, mark } = await home();
  await mark.focus();
  await page.keyboard.press("Enter");
  assert.equal(await popover.isVisible(), true);
  await page.keyboard.press("Tab");
  const inside = await popover.evaluate((p) => p.contains(document.activeElement));
  assert.equal(inside, true, "Tab after the mark goes into its open popover");
  await page.keyboard.press("Escape");
  assert.equal(await popover.isVisible(), false);
  await context.close();
});

test("on a phone the popover is a sheet inside the screen", async () => {
  const { context, page, popover, mark } = await home(false, { width: 375, height: 800 });
  await mark.scrollIntoViewIfNeeded();
  await mark.click();
  const box = await popover.boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 375, `sideways: ${JSON.stringify(box)}`);
  assert.ok(box.y >= 0 && box.y + box.height <= 800, `off the screen: ${JSON.stringify(box)}`);
  await page.screenshot({ path: join(SHOTS, "popover-375.png") });
  await context.close();
});

test("axe-core finds no serious or critical violation with a popover open", async () => {
  for (const colorScheme of ["light", "dark"]) {
    const context = await served.browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme });
    const page = await context.newPage();
    await page.goto(served.server.origin + basePath, { waitUntil: "load" });
    const id = await page.locator(".cite-pop:has(.cite-pop-passage)").first().getAttribute("id");
    await page.locator(`button.citation-open[popovertarget="${id}"]`).click();
    assert.equal(await page.locator(`#${id}`).isVisible(), true);
    const bad = await axeViolations(page);
    assert.deepEqual(bad, [], `${colorScheme}:\n${bad.join("\n")}`);
    await context.close();
  }
});
