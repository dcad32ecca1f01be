import assert from "node:assert/strict";
import type { Output } from "../../scripts/build/exec.ts";
import {
  attwJsonProblems,
  attwVerdict,
  docLintVerdict,
  jsrPublishVerdict,
  publintVerdict,
} from "../../scripts/build/tool_verdicts.ts";

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

/** attw's JSON of an ES-module-only entry: these problems, by kind. */
const attwJson = (
  problems: { kind: string; entrypoint: string; resolutionKind: string }[],
  code = 0,
) =>
  out(
    code,
    JSON.stringify({
      analysis: {},
      problems: Object.groupBy(problems, (p) => p.kind),
    }),
  );

const CJS_ONLY_PROBLEMS = [
  { kind: "NoResolution", entrypoint: "./cli", resolutionKind: "node10" },
  {
    kind: "CJSResolvesToESM",
    entrypoint: "./cli",
    resolutionKind: "node16-cjs",
  },
];

Deno.test("attwJsonProblems: problems under the CommonJS resolutions are by design for an ES-module-only entry", () => {
  assert.deepEqual(attwJsonProblems(attwJson(CJS_ONLY_PROBLEMS)), []);
  assert.deepEqual(
    attwJsonProblems(attwJson([...CJS_ONLY_PROBLEMS, {
      kind: "FalseESM",
      entrypoint: "./cli",
      resolutionKind: "node16-esm",
    }])),
    ["./cli: FalseESM under node16-esm"],
  );
  assert.match(attwJsonProblems(out(1, "not json"))[0], /no JSON/);
});

Deno.test("attwVerdict: with an ES-module-only run, both runs must be clean", () => {
  const clean = out(0, "No problems found 🌟");
  const esmOnly = (output: Output) => ({ output, entrypoints: ["./cli"] });
  const ok = attwVerdict(clean, esmOnly(attwJson(CJS_ONLY_PROBLEMS)));
  assert.equal(ok.ok, true);
  assert.match(ok.summary, /\.\/cli \(ES module only\): node16-esm, bundler/);
  const bad = attwVerdict(
    clean,
    esmOnly(attwJson([{
      kind: "InternalResolutionError",
      entrypoint: "./cli",
      resolutionKind: "bundler",
    }], 1)),
  );
  assert.equal(bad.ok, false);
  assert.match(bad.details!, /InternalResolutionError under bundler/);
  assert.equal(
    attwVerdict(out(1, "❌"), esmOnly(attwJson(CJS_ONLY_PROBLEMS))).ok,
    false,
  );
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
