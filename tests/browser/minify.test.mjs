// A minified build of the explainer (`dossier build --minify`) against the
// plain one, page by page in headless Chromium: the same rendered text, the
// same links and images, the same JSON-LD, and the same pixels at phone and
// desktop widths. Minifying may drop bytes, never what a reader sees.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { join } from "node:path";
import { differingPixels, launchChromium, pages, serve, settledScreenshot, site } from "./lib/site.mjs";

const { dir, basePath } = site();
const minified = process.env.DOSSIER_MINIFIED_DIR;
const paths = pages(dir, basePath);
let plainServer;
let minServer;
let browser;

before(async () => {
  assert.ok(minified, "DOSSIER_MINIFIED_DIR names the minified build");
  plainServer = await serve(dir, basePath);
  minServer = await serve(minified, basePath);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await plainServer?.close();
  await minServer?.close();
});

/** At most this many pixels of a page may differ ([`differingPixels`]). */
const RASTER_NOISE = 16;

const VIEWS = [
  { width: 1280, height: 900 },
  { width: 375, height: 800 },
];

/** What a reader gets from one page: text, links, images, data, pixels. */
async function read(origin, path, viewport) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  try {
    const response = await page.goto(origin + path, { waitUntil: "load" });
    assert.equal(response.status(), 200, `${origin}${path}`);
    const seen = await page.evaluate((origin) => {
      const local = (url) => (url.startsWith(origin) ? url.slice(origin.length) : url);
      return {
        title: document.title,
        text: document.body.innerText,
        links: [...document.querySelectorAll("a[href], link[href]")].map((a) => `${a.rel || ""} ${local(a.href)}`),
        images: [...document.querySelectorAll("img")].map((i) => `${local(i.currentSrc || i.src)} ${i.alt}`),
        ids: [...document.querySelectorAll("[id]")].map((e) => e.id),
        data: [...document.querySelectorAll('script[type="application/ld+json"]')].map((s) => JSON.parse(s.textContent)),
        // The viewport list may lose its spaces (`a=1,b=2` means the same).
        meta: [...document.querySelectorAll("meta")].map(
          (m) => `${m.name || m.getAttribute("property") || ""}=${m.name === "viewport" ? m.content.replace(/,\s+/g, ",") : m.content}`,
        ),
      };
    }, origin);
    const pixels = await settledScreenshot(page);
    return { seen, pixels };
  } finally {
    await context.close();
  }
}

describe("a minified build shows what the plain one shows", () => {
  test("the minified build is smaller", () => {
    const size = (root, rel) => statSync(join(root, rel)).size;
    assert.ok(size(minified, "index.html") < size(dir, "index.html"), "home page not smaller");
    assert.ok(size(minified, "style.css") < size(dir, "style.css"), "stylesheet not smaller");
  });

  for (const path of paths) {
    test(path, async () => {
      for (const viewport of VIEWS) {
        let plain = await read(plainServer.origin, path, viewport);
        let min = await read(minServer.origin, path, viewport);
        assert.deepEqual(min.seen, plain.seen, `${path} at ${viewport.width}px`);
        // Under load (other browser tests run beside this one) Chromium
        // now and then paints a frame differently; a real difference stays,
        // so the pair is taken again, twice at most, before it fails. A
        // few pixels apart is Chromium's rasteriser, not the page
        // ([`differingPixels`]): anything minifying could change (a space
        // between words, a margin) moves far more.
        let differ = 0;
        for (let again = 0; again < 3; again++) {
          if (again > 0) {
            plain = await read(plainServer.origin, path, viewport);
            min = await read(minServer.origin, path, viewport);
          }
          differ = min.pixels.equals(plain.pixels) ? 0 : await differingPixels(browser, plain.pixels, min.pixels);
          if (differ <= RASTER_NOISE) break;
        }
        assert.ok(differ <= RASTER_NOISE, `${path} at ${viewport.width}px: ${differ} pixels differ`);
      }
    });
  }
});
