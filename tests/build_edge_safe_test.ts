import assert from "node:assert/strict";
import type { Metafile } from "esbuild";
import { BuildError } from "../scripts/build/build_error.ts";
import {
  checkEdgeSafe,
  edgeSafetyProblems,
  isNodeBuiltin,
} from "../scripts/build/edge_safe.ts";

/** A metafile of one output with these inputs and imports. */
function meta(
  inputs: string[],
  imports: Metafile["outputs"][string]["imports"] = [],
): Metafile {
  return {
    inputs: Object.fromEntries(
      inputs.map((i) => [i, { bytes: 1, imports: [] }]),
    ),
    outputs: {
      "out.js": { bytes: 1, inputs: {}, imports, exports: [] },
    },
  };
}

const esm = { out: "esm/x.js", entry: "x.ts", format: "esm" as const };
const cjs = { out: "cjs/x.cjs", entry: "x.ts", format: "cjs" as const };

Deno.test("isNodeBuiltin: node: specifiers, bare built-ins and their subpaths", () => {
  for (const spec of ["node:fs", "fs", "fs/promises", "node:http", "crypto"]) {
    assert.ok(isNodeBuiltin(spec), spec);
  }
  for (const spec of ["valibot", "./fs.ts", "src/fs_store.ts", "fsx"]) {
    assert.ok(!isNodeBuiltin(spec), spec);
  }
});

Deno.test("edgeSafetyProblems: clean code passes, including a probe of globalThis.process and comment markers", () => {
  const code = [
    "// src/process.ts",
    "const env = globalThis.process?.env;",
    'const s = "Buffer";',
    "export { env, s };",
  ].join("\n");
  assert.deepEqual(edgeSafetyProblems(esm, meta(["src/a.ts"]), code), []);
});

Deno.test("edgeSafetyProblems: a Node built-in among the inputs", () => {
  assert.deepEqual(
    edgeSafetyProblems(esm, meta(["src/a.ts", "node:http"]), ""),
    ["input node:http"],
  );
});

Deno.test("edgeSafetyProblems: any import left in the output", () => {
  const problems = edgeSafetyProblems(
    esm,
    meta([], [{ path: "node:http", kind: "dynamic-import", external: true }]),
    "",
  );
  assert.deepEqual(problems, ['external import "node:http" (dynamic-import)']);
});

Deno.test("edgeSafetyProblems: built-in specifiers that reached the code as text", () => {
  const code = 'const a = require("fs");\nconst b = import("node:net");\n' +
    'import { x } from "os";';
  const problems = edgeSafetyProblems(cjs, meta([]), code);
  assert.ok(problems.includes('module "fs"'), problems.join());
  assert.ok(problems.includes('module "node:net"'), problems.join());
  assert.ok(problems.includes('module "os"'), problems.join());
});

Deno.test("edgeSafetyProblems: Node globals, with their line", () => {
  const code = "const a = 1;\nconst b = Buffer.from('x');\nprocess.exit(1);";
  assert.deepEqual(edgeSafetyProblems(esm, meta([]), code), [
    "global Buffer at esm/x.js:2",
    "global process at esm/x.js:3",
  ]);
});

Deno.test("edgeSafetyProblems: CommonJS is an error in an ES module, not in a CommonJS bundle", () => {
  const code = "var x = __require('y');\nmodule.exports = x;";
  assert.deepEqual(edgeSafetyProblems(esm, meta([]), code), [
    "global __require at esm/x.js:1",
    "global module.exports at esm/x.js:2",
  ]);
  assert.deepEqual(edgeSafetyProblems(cjs, meta([]), code), []);
});

Deno.test("checkEdgeSafe: stops the build naming the bundle, its entry and each problem", () => {
  assert.throws(
    () => checkEdgeSafe(esm, meta(["node:fs"]), "setImmediate(f);"),
    (e) =>
      e instanceof BuildError &&
      e.message.startsWith("esm/x.js (a build of x.ts") &&
      e.message.includes("input node:fs") &&
      e.message.includes("global setImmediate at esm/x.js:1"),
  );
  checkEdgeSafe(esm, meta(["src/a.ts"]), "export {};");
});
