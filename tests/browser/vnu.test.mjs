// The Nu HTML Checker (npm's vnu-jar, run with the machine's Java) finds no
// errors in any page or stylesheet of a fresh build, nor in a fresh
// `dossier new` skeleton.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { site, skeleton } from "./lib/site.mjs";

const require = createRequire(import.meta.url);
const VNU = join(dirname(require.resolve("vnu-jar/package.json")), "build", "dist", "vnu.jar");

// CSS properties newer than the checker's CSS grammar, each checked in the
// browser tests instead: CSS Anchor Positioning (Chromium 125 and later),
// which places citation popovers beside their mark.
const NEWER_CSS = ["position-area", "position-try-fallbacks"];

function newerCss(m) {
  return NEWER_CSS.some((p) => m.message === `CSS: “${p}”: Property “${p}” doesn't exist.`);
}

function validate(dir) {
  const run = spawnSync(
    "java",
    ["-jar", VNU, "--errors-only", "--format", "json", "--also-check-css", "--skip-non-html", dir],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  assert.equal(run.error, undefined, `cannot run java: ${run.error}`);
  const { messages } = JSON.parse(run.stderr || '{"messages": []}');
  return messages
    .filter((m) => m.type === "error" || m.type === "non-document-error")
    .filter((m) => !newerCss(m))
    .map((m) => `${relative(dir, new URL(m.url).pathname)}:${m.lastLine ?? "?"}: ${m.message}${m.extract ? `\n    ${m.extract.trim()}` : ""}`);
}

test("every page of the explainer is valid HTML", () => {
  const { dir } = site();
  assert.deepEqual(validate(dir), []);
});

test("every page of a new skeleton is valid HTML", () => {
  const { dir } = skeleton();
  assert.deepEqual(validate(dir), []);
});
