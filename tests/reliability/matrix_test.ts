import assert from "node:assert/strict";
import * as pkg from "../../mod.ts";
import * as testing from "../../testing.ts";
import { runMatrix } from "./matrix.js";

Deno.test("fault matrix: every call × every fault ends in its expected outcome", async () => {
  const results = await runMatrix({ pkg, testing });
  const failed = results.filter((r) => r.problems.length > 0);
  assert.deepEqual(failed, []);
  for (const r of results) {
    assert.ok(
      r.elapsed < 15_000,
      `${r.call} × ${r.fault} took ${r.elapsed} ms`,
    );
  }
  const requests = results.reduce((n, r) => n + r.requests, 0);
  console.log(
    `fault matrix: ${results.length} scenarios, ${requests} requests, 0 failed`,
  );
});
