import assert from "node:assert/strict";
import type { Output } from "../scripts/build/exec.ts";
import {
  attwVerdict,
  docLintVerdict,
  jsrPublishVerdict,
  publintVerdict,
} from "../scripts/build/tool_verdicts.ts";

const out = (code: number, text: string): Output => ({
  code,
  stdout: text,
  text,
});

Deno.test("publintVerdict: clean only with exit 0 and All good!", () => {
  assert.equal(publintVerdict(out(0, "Linting...\nAll good!")).ok, true);
  const warned = publintVerdict(
    out(0, 'Warnings:\n1. pkg.exports["."].types should be first'),
  );
  assert.equal(warned.ok, false);
  assert.match(warned.details!, /should be first/);
  assert.equal(publintVerdict(out(1, "All good!")).ok, false);
});

Deno.test("attwVerdict: clean only with exit 0 and No problems found", () => {
  assert.equal(attwVerdict(out(0, "No problems found 🌟")).ok, true);
  const bad = attwVerdict(out(1, "❌ Masquerading as CJS"));
  assert.equal(bad.ok, false);
  assert.equal(bad.summary, "attw reported problems");
  assert.match(bad.details!, /Masquerading/);
});

Deno.test("jsrPublishVerdict: passed only when the dry run completed", () => {
  assert.equal(
    jsrPublishVerdict(
      out(0, "Checking for slow types...\nSuccess Dry run complete"),
    ).ok,
    true,
  );
  assert.equal(
    jsrPublishVerdict(out(1, "error[missing-explicit-return-type]")).ok,
    false,
  );
  assert.equal(jsrPublishVerdict(out(0, "Publishing...")).ok, false);
});

Deno.test("docLintVerdict: any error in the output fails, even with exit 0", () => {
  const entries = ["mod.ts", "fs.ts"];
  const ok = docLintVerdict(out(0, "Checked 2 files"), entries);
  assert.equal(ok.ok, true);
  assert.equal(ok.summary, "deno doc --lint mod.ts fs.ts: nothing reported");
  assert.equal(
    docLintVerdict(
      out(0, "error[missing-jsdoc]: exported symbol is missing JSDoc"),
      entries,
    ).ok,
    false,
  );
  assert.equal(docLintVerdict(out(1, ""), entries).ok, false);
});
