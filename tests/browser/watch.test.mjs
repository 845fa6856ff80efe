// `dossier watch` in headless Chromium (Debian's package): a copy of the
// repository's site is served by the real binary; the test edits its
// Markdown and sees the open page update by itself, breaks it and sees the
// error overlay naming file and line, fixes it and sees the overlay go, and
// edits the stylesheet and sees it swapped without a reload. A page whose
// event stream connects after a build (or after watch restarts) still ends
// up showing it.
//
// Run from `cargo test` (tests/watch_browser.rs), which passes DOSSIER_BIN.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO, launchChromium } from "./lib/site.mjs";

const BIN = process.env.DOSSIER_BIN || join(REPO, "target", "debug", "dossier");
const PAGE = "content/what-we-know.md";
const WAIT = { timeout: 15000 };

let root;
let watch;
let browser;
let page;
let port;
let output = "";

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function startWatch(port) {
  return new Promise((resolve, reject) => {
    watch = spawn(BIN, ["watch", "--root", root, "--port", String(port)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const timer = setTimeout(() => reject(new Error(`watch did not start:\n${output}`)), 20000);
    const listen = (chunk) => {
      output += chunk;
      if (output.includes("press Ctrl-C to stop")) {
        clearTimeout(timer);
        resolve();
      }
    };
    watch.stdout.on("data", listen);
    watch.stderr.on("data", (chunk) => (output += chunk));
    watch.once("exit", (code) => reject(new Error(`watch exited with ${code}:\n${output}`)));
  });
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), "dossier-watch-browser-"));
  // site.yaml and the folders a build reads, as dossier lists them
  // (tests/watch_browser.rs passes them).
  const parts = process.env.DOSSIER_SITE_PARTS;
  assert.ok(parts, "DOSSIER_SITE_PARTS names what a copy of the site needs");
  for (const part of parts.split(",")) {
    try {
      cpSync(join(REPO, part), join(root, part), { recursive: true });
    } catch (e) {
      if (e.code !== "ENOENT") throw e;
    }
  }
  port = await freePort();
  await startWatch(port);
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${port}/what-we-know/`);
  await page.waitForFunction(() => window.__dossierLive && window.__dossierLive.connected, null, WAIT);
});

after(async () => {
  await browser?.close();
  watch?.kill();
  if (root) rmSync(root, { recursive: true, force: true });
});

const original = () => readFileSync(join(REPO, PAGE), "utf8");
const overlayText = () =>
  page.evaluate(() => document.getElementById("dossier-error-overlay")?.shadowRoot?.textContent ?? null);

test("an edit to the Markdown shows in the open page by itself", async () => {
  await page.evaluate(() => (window.__notReloaded = true));
  const text = original().replace(/\n*$/, "\n\nFreshly added sentence for the live reload test.\n");
  writeFileSync(join(root, PAGE), text);
  await page.waitForFunction(
    () => document.body.innerText.includes("Freshly added sentence for the live reload test."),
    null,
    WAIT,
  );
  // Swapped in place: the same document, refreshed once, still listening.
  assert.equal(await page.evaluate(() => window.__notReloaded), true);
  assert.equal(await page.evaluate(() => window.__dossierLive.refreshed), 1);
  assert.equal(await page.evaluate(() => window.__dossierLive.connected), true);
});

test("a broken edit shows an overlay naming file and line; the fix removes it", async () => {
  // An unknown front-matter key on line 3.
  const broken = original().replace(/^---\n/, "---\ntittle: typo\n");
  writeFileSync(join(root, PAGE), broken);
  await page.waitForFunction(() => document.getElementById("dossier-error-overlay") !== null, null, WAIT);
  const shown = await overlayText();
  assert.match(shown, /content\/what-we-know\.md:2(:\d+)?/, shown);
  assert.match(shown, /tittle/, shown);
  // The last good page is still there under the overlay.
  assert.ok(await page.evaluate(() => document.body.innerText.includes("Freshly added sentence")));

  writeFileSync(join(root, PAGE), original().replace(/\n*$/, "\n\nFixed and reloaded.\n"));
  await page.waitForFunction(
    () => document.getElementById("dossier-error-overlay") === null && document.body.innerText.includes("Fixed and reloaded."),
    null,
    WAIT,
  );
});

test("a stylesheet edit is swapped in without reloading the page", async () => {
  await page.evaluate(() => (window.__notReloaded = true));
  const css = join(root, "themes", "explainer", "static", "style.css");
  writeFileSync(css, readFileSync(css, "utf8") + "\nbody { outline: 3px solid rgb(1, 2, 3); }\n");
  await page.waitForFunction(() => getComputedStyle(document.body).outlineColor === "rgb(1, 2, 3)", null, WAIT);
  assert.equal(await page.evaluate(() => window.__notReloaded), true);
});

const builtPage = () => readFileSync(join(root, "output", "what-we-know", "index.html"), "utf8");

async function until(condition, what) {
  const end = Date.now() + WAIT.timeout;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${output}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("an edit built before the page's event stream connects still shows", async () => {
  const late = await browser.newPage();
  try {
    // Hold the page's event stream until the edit is built and written.
    let release;
    const held = new Promise((resolve) => (release = resolve));
    await late.route("**/__dossier/events", async (route) => {
      await held;
      await route.continue();
    });
    await late.goto(`http://127.0.0.1:${port}/what-we-know/`);
    writeFileSync(join(root, PAGE), original().replace(/\n*$/, "\n\nBuilt while the stream was not yet there.\n"));
    await until(() => builtPage().includes("Built while the stream was not yet there."), "the rebuild");
    assert.ok(!(await late.evaluate(() => document.body.innerText.includes("Built while the stream"))));
    release();
    await late.waitForFunction(
      () => document.body.innerText.includes("Built while the stream was not yet there."),
      null,
      WAIT,
    );
    assert.equal(await late.evaluate(() => window.__dossierLive.missed), 1);
  } finally {
    await late.close();
  }
});

test("an open page shows an edit made while watch was stopped, once watch is back", async () => {
  const stopped = new Promise((resolve) => watch.once("exit", resolve));
  watch.kill();
  await stopped;
  writeFileSync(join(root, PAGE), original().replace(/\n*$/, "\n\nWritten while watch was stopped.\n"));
  output = "";
  await startWatch(port);
  // The page's event stream reconnects by itself, hears another build, refreshes.
  await page.waitForFunction(
    () => document.body.innerText.includes("Written while watch was stopped."),
    null,
    { timeout: 20000 },
  );
});
