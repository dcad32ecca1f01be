import assert from "node:assert/strict";
import { formatReport } from "../../scripts/build/check_outcome.ts";

Deno.test("formatReport: all passed", () => {
  const { text, failed } = formatReport([
    ["pack", { ok: true, summary: "x.tgz: 1 kB" }],
    ["publint", { ok: true, summary: "all good" }],
  ], 1.25);
  assert.equal(failed, 0);
  assert.equal(
    text,
    "✓ pack: x.tgz: 1 kB\n✓ publint: all good\n2 package checks passed, 0 failed (1.3 s)",
  );
});

Deno.test("formatReport: a failure is counted and its details indented under it", () => {
  const { text, failed } = formatReport([
    ["attw", { ok: false, summary: "attw reported problems", details: "a\nb" }],
    ["doc", { ok: true, summary: "fine", details: "ignored when ok" }],
  ], 0);
  assert.equal(failed, 1);
  assert.equal(
    text,
    "✗ attw: attw reported problems\n    a\n    b\n✓ doc: fine\n1 package checks passed, 1 failed (0.0 s)",
  );
});
