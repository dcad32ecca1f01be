import assert from "node:assert/strict";
import type { Metafile } from "esbuild";
import { BuildError } from "../scripts/build/build_error.ts";
import {
  checkEntryIsolation,
  SHARED_CLASS_SOURCES,
} from "../scripts/build/entry_isolation.ts";

const meta = (inputs: string[]): Metafile => ({
  inputs: Object.fromEntries(inputs.map((i) => [i, { bytes: 1, imports: [] }])),
  outputs: {},
});
const b = { out: "esm/testing.js", entry: "testing.ts" };

Deno.test("checkEntryIsolation: the error classes are the shared ones", () => {
  assert.ok(SHARED_CLASS_SOURCES.includes("src/errors.ts"));
});

Deno.test("checkEntryIsolation: a graph without the shared classes passes", () => {
  checkEntryIsolation(meta(["testing.ts", "src/emulator/emulator.ts"]), b);
});

Deno.test("checkEntryIsolation: a bundled copy of src/errors.ts stops the build", () => {
  assert.throws(
    () => checkEntryIsolation(meta(["testing.ts", "src/errors.ts"]), b),
    (e) =>
      e instanceof BuildError &&
      e.message.startsWith(
        "esm/testing.js bundles its own copy of src/errors.ts",
      ) &&
      e.message.includes("instanceof"),
  );
});

Deno.test("checkEntryIsolation: the shared sources can be given", () => {
  assert.throws(
    () => checkEntryIsolation(meta(["src/a.ts"]), b, ["src/a.ts"]),
    /own copy of src\/a\.ts/,
  );
});
