import assert from "node:assert/strict";
import type { Metafile } from "esbuild";
import {
  addOutputs,
  type OutputGraph,
  reachable,
  staticCycle,
} from "../../scripts/build/output_graph.ts";

const places = { root: "/repo", outDir: "/repo/npm" };

/** A metafile output: its sources, imports and exports. */
const output = (
  inputs: string[],
  imports: Metafile["outputs"][string]["imports"] = [],
  exports: string[] = [],
): Metafile["outputs"][string] => ({
  bytes: 1,
  inputs: Object.fromEntries(
    inputs.map((i) => [i, { bytesInOutput: 1 }]),
  ),
  imports,
  exports,
});

/** The split build: two entries and a chunk, as esbuild names them. */
const SPLIT: Metafile = {
  inputs: {},
  outputs: {
    "npm/esm/mod.js": output(["mod.ts"], [
      { path: "npm/esm/chunks/chunk-A.js", kind: "import-statement" },
    ], ["createExport"]),
    "npm/esm/testing.js": output(["testing.ts"], [
      { path: "npm/esm/chunks/chunk-A.js", kind: "import-statement" },
      { path: "node:http", kind: "dynamic-import", external: true },
    ]),
    "npm/esm/chunks/chunk-A.js": output(["src/errors.ts"]),
  },
};

/** Its CommonJS twins, whose imports of package files are left external. */
const TWINS: Metafile = {
  inputs: {},
  outputs: {
    "npm/cjs/mod.cjs": output(["npm/esm/mod.js"], [
      { path: "./chunks/chunk-A.cjs", kind: "require-call", external: true },
    ]),
    "npm/cjs/chunks/chunk-A.cjs": output(["npm/esm/chunks/chunk-A.js"]),
  },
};

function graph(): OutputGraph {
  const g: OutputGraph = new Map();
  addOutputs(g, SPLIT, { ...places, format: "esm" });
  addOutputs(g, TWINS, { ...places, format: "cjs" });
  return g;
}

Deno.test("addOutputs: paths relative to npm/; bundled chunks and relative imports are loads, the rest external", () => {
  const g = graph();
  assert.deepEqual([...g.keys()], [
    "esm/mod.js",
    "esm/testing.js",
    "esm/chunks/chunk-A.js",
    "cjs/mod.cjs",
    "cjs/chunks/chunk-A.cjs",
  ]);
  const testing = g.get("esm/testing.js")!;
  assert.deepEqual(testing.loads, [
    { out: "esm/chunks/chunk-A.js", kind: "import-statement" },
  ]);
  assert.deepEqual(testing.external, [
    { path: "node:http", kind: "dynamic-import" },
  ]);
  assert.deepEqual(g.get("cjs/mod.cjs")!.loads, [
    { out: "cjs/chunks/chunk-A.cjs", kind: "require-call" },
  ]);
  assert.equal(g.get("cjs/mod.cjs")!.format, "cjs");
  assert.deepEqual(g.get("esm/mod.js")!.exports, ["createExport"]);
});

Deno.test("reachable: the file first, then everything it loads, once each", () => {
  assert.deepEqual(reachable(graph(), "esm/mod.js").map((f) => f.out), [
    "esm/mod.js",
    "esm/chunks/chunk-A.js",
  ]);
  const g = graph();
  g.get("esm/chunks/chunk-A.js")!.loads.push({
    out: "esm/chunks/missing.js",
    kind: "import-statement",
  });
  assert.throws(
    () => reachable(g, "esm/mod.js"),
    /esm\/chunks\/chunk-A\.js loads esm\/chunks\/missing\.js, which was not built/,
  );
});

Deno.test("staticCycle: none in a tree; a static cycle is named; a lazy load does not make one", () => {
  const g = graph();
  assert.equal(staticCycle(g, [...g.values()]), undefined);
  g.get("cjs/chunks/chunk-A.cjs")!.loads.push({
    out: "cjs/mod.cjs",
    kind: "require-call",
  });
  assert.deepEqual(staticCycle(g, [g.get("cjs/mod.cjs")!]), [
    "cjs/mod.cjs",
    "cjs/chunks/chunk-A.cjs",
    "cjs/mod.cjs",
  ]);
  const lazy = graph();
  lazy.get("esm/chunks/chunk-A.js")!.loads.push({
    out: "esm/mod.js",
    kind: "dynamic-import",
  });
  assert.equal(staticCycle(lazy, [...lazy.values()]), undefined);
});
