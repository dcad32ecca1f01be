import assert from "node:assert/strict";
import {
  packProblems,
  referencedFiles,
} from "../../scripts/build/pack_contents.ts";

const pkg = {
  name: "x",
  exports: {
    ".": {
      import: { types: "./types/mod.d.ts", default: "./esm/mod.js" },
      require: { types: "./types/mod.d.cts", default: "./cjs/mod.cjs" },
      default: "./esm/mod.js",
    },
    "./package.json": "./package.json",
  },
  main: "./cjs/mod.cjs",
  types: "./types/mod.d.cts",
  bin: { x: "./bin/x.js" },
};
const packed = [
  "package.json",
  "types/mod.d.ts",
  "types/mod.d.cts",
  "esm/mod.js",
  "cjs/mod.cjs",
  "bin/x.js",
];

Deno.test("referencedFiles: every path of exports, bin, main, module and types, once", () => {
  assert.deepEqual(referencedFiles(pkg).sort(), [
    "bin/x.js",
    "cjs/mod.cjs",
    "esm/mod.js",
    "package.json",
    "types/mod.d.cts",
    "types/mod.d.ts",
  ]);
});

Deno.test("packProblems: a tarball with every referenced file and no dependency passes", () => {
  assert.deepEqual(packProblems(pkg, packed), []);
});

Deno.test("packProblems: a referenced file missing from the tarball is reported", () => {
  assert.deepEqual(
    packProblems(pkg, packed.filter((f) => f !== "cjs/mod.cjs")),
    ["package.json refers to cjs/mod.cjs, not in the tarball"],
  );
});

Deno.test("packProblems: any kind of dependency is reported; empty ones are not", () => {
  assert.deepEqual(
    packProblems({
      ...pkg,
      dependencies: { valibot: "^1" },
      peerDependencies: { typescript: "*" },
      optionalDependencies: {},
    }, packed),
    [
      "package.json has dependencies; the package must have none",
      "package.json has peerDependencies; the package must have none",
    ],
  );
});
