import assert from "node:assert/strict";
import * as esbuild from "esbuild";
import { BuildError } from "../../scripts/build/build_error.ts";
import {
  type CheckedFile,
  checkEdgeSafe,
  edgeSafetyProblems,
  isNodeBuiltin,
  nodeGlobalsIn,
} from "../../scripts/build/edge_safe.ts";

/** A built file with this code, these sources and these imports left external. */
function file(
  code: string,
  { out = "esm/x.js", inputs = ["src/a.ts"], external = [] }: Partial<
    CheckedFile
  > = {},
): CheckedFile {
  return {
    out,
    format: out.endsWith(".cjs") ? "cjs" : "esm",
    inputs,
    external,
    code,
  };
}

/** esbuild's service outlives a test unless stopped. */
function test(name: string, fn: () => Promise<void> | void) {
  Deno.test(name, async () => {
    try {
      await fn();
    } finally {
      await esbuild.stop();
    }
  });
}

test("isNodeBuiltin: node: specifiers, bare built-ins and their subpaths", () => {
  for (const spec of ["node:fs", "fs", "fs/promises", "node:http", "crypto"]) {
    assert.ok(isNodeBuiltin(spec), spec);
  }
  for (const spec of ["valibot", "./fs.ts", "src/fs_store.ts", "fsx"]) {
    assert.ok(!isNodeBuiltin(spec), spec);
  }
});

test("edgeSafetyProblems: clean code passes, including a probe of globalThis.process, comments and strings", async () => {
  const code = [
    "// src/process.ts",
    "/** Reads process.env where there is one. */",
    "const env = globalThis.process?.env;",
    'const s = "Buffer";',
    "export { env, s };",
  ].join("\n");
  assert.deepEqual(await edgeSafetyProblems([file(code)]), []);
});

test("edgeSafetyProblems: a local or a parameter named like a Node global, a property, words in a template are not the global", async () => {
  const code = [
    "function lockHeld(where, process) {",
    "  const who = process ? [process] : [];",
    "  return `at once when its process has ended ${who}`;",
    "}",
    "const o = { process: 1, Buffer: 2 };",
    "const require = (x) => x;",
    "export { lockHeld, o, require };",
  ].join("\n");
  assert.deepEqual(await edgeSafetyProblems([file(code)]), []);
});

test("edgeSafetyProblems: a Node built-in among the sources", async () => {
  assert.deepEqual(
    await edgeSafetyProblems([
      file("", { inputs: ["src/a.ts", "node:http"] }),
    ]),
    ["esm/x.js: input node:http"],
  );
});

test("edgeSafetyProblems: any import left external", async () => {
  const problems = await edgeSafetyProblems([
    file("", {
      external: [{ path: "node:http", kind: "dynamic-import" }],
    }),
  ]);
  assert.deepEqual(problems, [
    'esm/x.js: external import "node:http" (dynamic-import)',
  ]);
});

test("edgeSafetyProblems: built-in specifiers that reached the code as text", async () => {
  const code = 'const a = require("fs");\nconst b = import("node:net");\n' +
    'import { x } from "os";';
  const problems = await edgeSafetyProblems([file(code, { out: "cjs/x.cjs" })]);
  assert.ok(problems.includes('cjs/x.cjs: module "fs"'), problems.join());
  assert.ok(problems.includes('cjs/x.cjs: module "node:net"'), problems.join());
  assert.ok(problems.includes('cjs/x.cjs: module "os"'), problems.join());
});

test("edgeSafetyProblems: Node globals, each with the line that uses it, in every file given", async () => {
  const problems = await edgeSafetyProblems([
    file("export const a = 1;\nexport const b = Buffer.from('x');"),
    file("process.exit(1);\nexport {};", { out: "esm/chunks/c.js" }),
  ]);
  assert.deepEqual(problems, [
    'esm/x.js: global Buffer in: export const b = Buffer.from("x");',
    "esm/chunks/c.js: global process in: process.exit(1);",
  ]);
});

test("edgeSafetyProblems: CommonJS is an error in an ES module, not in a CommonJS file", async () => {
  const code = "var x = require('y');\nmodule.exports = x;";
  const esm = await edgeSafetyProblems([file(code)]);
  assert.ok(
    esm.some((p) => p.startsWith("esm/x.js: global require")),
    esm.join(),
  );
  assert.ok(
    esm.some((p) => p.startsWith("esm/x.js: global module")),
    esm.join(),
  );
  assert.deepEqual(
    await edgeSafetyProblems([file(code, { out: "cjs/x.cjs" })]),
    [],
  );
  const shim = await edgeSafetyProblems([
    file("var __require = (x) => x;\nexport default __require('y');"),
  ]);
  assert.ok(shim.some((p) => p.includes("global __require")), shim.join());
});

test("nodeGlobalsIn: typeof and shorthand properties are free references too", async () => {
  const found = await nodeGlobalsIn(
    "export const a = typeof setImmediate;\nexport const b = { __dirname };",
    "esm",
  );
  assert.deepEqual(found.map((f) => f.name).sort(), [
    "__dirname",
    "setImmediate",
  ]);
});

test("checkEdgeSafe: stops the build naming the entry, its source and each problem", async () => {
  const b = { out: "esm/x.js", entry: "x.ts" };
  await assert.rejects(
    checkEdgeSafe(b, [
      file("export {};", { inputs: ["node:fs"] }),
      file("setImmediate(f);\nexport {};", { out: "esm/chunks/c.js" }),
    ]),
    (e) =>
      e instanceof BuildError &&
      e.message.startsWith("esm/x.js (a build of x.ts") &&
      e.message.includes("esm/x.js: input node:fs") &&
      e.message.includes("esm/chunks/c.js: global setImmediate in: "),
  );
  await checkEdgeSafe(b, [file("export {};")]);
});
