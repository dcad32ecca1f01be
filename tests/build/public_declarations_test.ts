import assert from "node:assert/strict";
import { BuildError } from "../../scripts/build/build_error.ts";
import { publicDeclarations } from "../../scripts/build/public_declarations.ts";

Deno.test("publicDeclarations: walks from the entries through relative imports only", () => {
  const emitted = new Map([
    ["mod.d.ts", 'export * from "./src/a.ts";\n'],
    ["src/a.d.ts", 'import type { B } from "./b.ts";\nexport type A = B;\n'],
    ["src/b.d.ts", "export type B = string;\n"],
    ["src/unused.d.ts", "export type U = 1;\n"],
  ]);
  const { files, pruned } = publicDeclarations(emitted, ["mod.ts"]);
  assert.deepEqual([...files.keys()].sort(), [
    "mod.d.ts",
    "src/a.d.ts",
    "src/b.d.ts",
  ]);
  assert.equal(pruned.size, 0);
});

Deno.test("publicDeclarations: bundled packages are pruned and reported", () => {
  const emitted = new Map([
    [
      "mod.d.ts",
      'import * as v from "valibot";\nexport declare const S: v.StringSchema<undefined>;\nexport type T = 1;\n',
    ],
  ]);
  const { files, pruned } = publicDeclarations(emitted, ["mod.ts"]);
  assert.deepEqual(pruned.get("mod.d.ts"), ["S"]);
  assert.ok(!files.get("mod.d.ts")!.includes("valibot"));
});

Deno.test("publicDeclarations: an import of a package that is not shipped stops the build", () => {
  const emitted = new Map([
    [
      "mod.d.ts",
      'import type { Server } from "node:http";\nexport type S = Server;\n',
    ],
  ]);
  assert.throws(
    () => publicDeclarations(emitted, ["mod.ts"]),
    (e) =>
      e instanceof BuildError &&
      /mod\.d\.ts imports "node:http", which the package does not ship/.test(
        e.message,
      ),
  );
});

Deno.test("publicDeclarations: a triple-slash reference stops the build", () => {
  const emitted = new Map([
    ["mod.d.ts", '/// <reference types="node" />\nexport type T = 1;\n'],
  ]);
  assert.throws(
    () => publicDeclarations(emitted, ["mod.ts"]),
    /triple-slash reference/,
  );
});

Deno.test("publicDeclarations: a relative import that is not a .ts path stops the build", () => {
  const emitted = new Map([["mod.d.ts", 'export * from "./a.js";\n']]);
  assert.throws(
    () => publicDeclarations(emitted, ["mod.ts"]),
    /imports "\.\/a\.js": expected a relative \.ts path/,
  );
});

Deno.test("publicDeclarations: a declaration tsc did not emit stops the build", () => {
  const emitted = new Map([["mod.d.ts", 'export * from "./gone.ts";\n']]);
  assert.throws(
    () => publicDeclarations(emitted, ["mod.ts"]),
    /tsc emitted no gone\.d\.ts/,
  );
});
