import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";
import * as cli from "../../cli.ts";
import * as pkg from "../../mod.ts";
import * as testing from "../../testing.ts";
import {
  FAULTS,
  runCliScenario,
  runLargeFileCuts,
  runMatrix,
} from "./matrix.js";
import { DOC, withTable } from "./write_table.ts";

Deno.test("fault matrix: every call × every fault ends in its expected outcome", async () => {
  const results = await runMatrix({ pkg, testing });
  // Each cell's problems include going over its bound (CELL_BOUND_MS).
  const failed = results.filter((r) => r.problems.length > 0);
  assert.deepEqual(failed, []);
  const requests = results.reduce((n, r) => n + r.requests, 0);
  console.log(
    `fault matrix: ${results.length} scenarios, ${requests} requests, 0 failed`,
  );
});

Deno.test("fault matrix: a 5 MB download cut at random bytes resumes to the same bytes", async () => {
  const results = await runLargeFileCuts({ pkg, testing });
  assert.deepEqual(results.filter((r) => r.problems.length > 0), []);
  console.log(`large file: ${results.map((r) => r.name).join("; ")}`);
});

Deno.test("fault matrix: the CLI export exits 0, 1 or 130 as the call would end, leaving no partial file", async () => {
  const root = await mkdtemp(join(tmpdir(), "ale-matrix-"));
  try {
    const results = await Promise.all(FAULTS.map(async (faultCase, i) => {
      const dir = join(root, String(i));
      await Deno.mkdir(dir);
      return runCliScenario({ cli, testing }, faultCase, dir, { readdir });
    }));
    assert.deepEqual(results.filter((r) => r.problems.length > 0), []);
    console.log(`fault matrix (CLI): ${results.length} scenarios, 0 failed`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

Deno.test("fault matrix: RELIABILITY.md's table is the matrix's", async () => {
  const page = await Deno.readTextFile(DOC);
  assert.equal(
    page,
    withTable(page),
    "the table is stale: deno run --allow-read=RELIABILITY.md --allow-write=RELIABILITY.md tests/reliability/write_table.ts",
  );
});
