/**
 * Node (`node --test`) and Bun (`bun test`) runner of the fault matrix against the installed
 * package, run by `scripts/test_matrix.mjs` in its scratch project: every call and the CLI's `export` against every injectable fault,
 * with unhandled rejections and timers left running counted as failures.
 *
 * @module
 */

import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import * as pkg from "audit-log-export";
import * as testing from "audit-log-export/testing";
import {
  FAULTS,
  runCliScenario,
  runLargeFileCuts,
  runMatrix,
} from "./matrix.js";
// Both are found by path in the scratch project the matrix script builds:
// the CLI is the package's bin, not one of its exports, and results.js is
// copied there from tests/conformance/.
const here = (file) => new URL(file, import.meta.url).href;
const cli = await import(here("./node_modules/audit-log-export/esm/cli.js"));
const { saveResults } = await import(here("./results.js"));

const major = process.versions.node.split(".")[0];
// Bun runs this file too (`bun test`), and reports a Node version of its own.
const bun = globalThis.Bun?.version;
const runtime = bun ? `Bun ${bun}` : `Node ${process.version}`;
const label = bun ? "bun-faults" : `node${major}-faults`;

test(`fault matrix on ${runtime} against the package`, async () => {
  const rejections = [];
  const onRejection = (reason) => rejections.push(reason);
  process.on("unhandledRejection", onRejection);
  const timersBefore =
    process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
  const root = await mkdtemp(join(tmpdir(), "ale-faults-"));
  const results = [];
  try {
    for (const r of await runMatrix({ pkg, testing })) {
      results.push({
        name: `${r.call} × ${r.fault}`,
        ok: r.problems.length === 0,
        problems: r.problems,
      });
    }
    for (const r of await runLargeFileCuts({ pkg, testing })) {
      results.push({
        name: r.name,
        ok: r.problems.length === 0,
        problems: r.problems,
      });
    }
    // All at once, as on Deno: each has its own emulator and directory.
    const cliRuns = await Promise.all(FAULTS.map(async (faultCase, i) => {
      const dir = join(root, String(i));
      await mkdir(dir);
      return runCliScenario({ cli, testing }, faultCase, dir, { readdir });
    }));
    for (const r of cliRuns) {
      results.push({
        name: `cli export × ${r.fault}`,
        ok: r.problems.length === 0,
        problems: r.problems,
      });
    }
  } finally {
    await rm(root, { recursive: true, force: true });
    saveResults(label, results);
  }
  // Let anything that was going to leak surface before counting.
  await new Promise((resolve) => setTimeout(resolve, 100));
  process.off("unhandledRejection", onRejection);
  const timersAfter =
    process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
  assert.deepEqual(results.filter((r) => !r.ok), []);
  assert.deepEqual(rejections, [], "unhandled rejections");
  assert.equal(timersAfter, timersBefore, "timers left running");
  console.log(
    `fault matrix on ${runtime}: ${results.length} scenarios, 0 failed`,
  );
});
