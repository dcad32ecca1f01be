import assert from "node:assert/strict";
import { BuildError } from "../../scripts/build/build_error.ts";
import type {
  OutputFile,
  OutputGraph,
} from "../../scripts/build/output_graph.ts";
import {
  checkSharedOnce,
  checkTwins,
  SHARED_CLASS_SOURCES,
  sourceOf,
  twinOf,
} from "../../scripts/build/shared_once.ts";

const file = (
  out: string,
  inputs: string[],
  loads: string[] = [],
): OutputFile => ({
  out,
  format: out.endsWith(".cjs") ? "cjs" : "esm",
  inputs,
  exports: [],
  loads: loads.map((l) => ({ out: l, kind: "import-statement" as const })),
  external: [],
});

Deno.test("checkSharedOnce: the error classes are the shared ones; in one file they pass", () => {
  assert.ok(SHARED_CLASS_SOURCES.includes("src/errors.ts"));
  checkSharedOnce([
    file("esm/mod.js", ["mod.ts"]),
    file("esm/chunks/chunk-A.js", ["src/errors.ts", "src/transport.ts"]),
  ]);
});

Deno.test("checkSharedOnce: a second copy, edge copies included, stops the build", () => {
  assert.equal(sourceOf("edge-copy:src/errors.ts"), "src/errors.ts");
  assert.throws(
    () =>
      checkSharedOnce([
        file("esm/chunks/chunk-A.js", ["src/errors.ts"]),
        file("esm/testing.edge.js", ["edge-copy:src/errors.ts"]),
      ]),
    (e) =>
      e instanceof BuildError &&
      e.message.startsWith(
        "src/errors.ts is bundled into esm/chunks/chunk-A.js and esm/testing.edge.js",
      ) && e.message.includes("instanceof"),
  );
});

Deno.test("twinOf: esm/x.js ↔ cjs/x.cjs, chunks too", () => {
  assert.equal(twinOf("esm/mod.js"), "cjs/mod.cjs");
  assert.equal(twinOf("esm/chunks/chunk-A.js"), "cjs/chunks/chunk-A.cjs");
});

function twins(): OutputGraph {
  const files = [
    file("esm/mod.js", ["mod.ts"], ["esm/chunks/a.js"]),
    file("esm/chunks/a.js", ["src/a.ts"]),
    file("cjs/mod.cjs", ["npm/esm/mod.js"], ["cjs/chunks/a.cjs"]),
    file("cjs/chunks/a.cjs", ["npm/esm/chunks/a.js"]),
  ];
  return new Map(files.map((f) => [f.out, f]));
}

const esmOf = (
  g: OutputGraph,
) => [g.get("esm/mod.js")!, g.get("esm/chunks/a.js")!];
const b = { out: "cjs/mod.cjs", mirrors: "esm/mod.js" };
const sameNames = () => Promise.resolve(["createExport"]);

Deno.test("checkTwins: the same files, loads and exports pass", async () => {
  const g = twins();
  await checkTwins(g, esmOf(g), b, sameNames);
});

Deno.test("checkTwins: a missing twin, other loads or other exports stop the build", async () => {
  const missing = twins();
  missing.delete("cjs/chunks/a.cjs");
  await assert.rejects(
    checkTwins(missing, esmOf(missing), b, sameNames),
    /cjs\/chunks\/a\.cjs \(twin of esm\/chunks\/a\.js\) was not built/,
  );
  const loads = twins();
  loads.get("cjs/mod.cjs")!.loads = [];
  await assert.rejects(
    checkTwins(loads, esmOf(loads), b, sameNames),
    /cjs\/mod\.cjs loads nothing; as the twin of esm\/mod\.js it should load cjs\/chunks\/a\.cjs/,
  );
  const g = twins();
  await assert.rejects(
    checkTwins(
      g,
      esmOf(g),
      b,
      (out) => Promise.resolve(out.endsWith(".cjs") ? [] : ["createExport"]),
    ),
    (e) =>
      e instanceof BuildError &&
      e.message.startsWith(
        "cjs/mod.cjs is not the CommonJS twin of esm/mod.js",
      ) &&
      e.message.includes(
        "cjs/mod.cjs exports nothing, but esm/mod.js exports createExport",
      ),
  );
});
