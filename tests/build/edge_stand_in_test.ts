import assert from "node:assert/strict";
import { BuildError } from "../../scripts/build/build_error.ts";
import {
  checkSameExports,
  STAND_IN_MESSAGES,
  standInSource,
} from "../../scripts/build/edge_stand_in.ts";
import { ENTRIES } from "../../scripts/build/targets.mjs";

Deno.test("standInSource: every entry built as throwing exports has a message", () => {
  for (const e of ENTRIES.filter((e) => e.edge === "throwing-exports")) {
    assert.equal(typeof STAND_IN_MESSAGES[e.key], "string", e.key);
  }
});

Deno.test("standInSource: each export becomes a function that throws the entry's message", async () => {
  const source = standInSource("./fs", "fs.ts", {
    directoryStore: () => {},
    another: function () {},
  });
  const url = `data:text/javascript;base64,${btoa(source)}`;
  const mod = await import(url) as Record<string, () => void>;
  assert.deepEqual(Object.keys(mod).sort(), ["another", "directoryStore"]);
  assert.throws(() => mod.directoryStore(), {
    message: STAND_IN_MESSAGES["./fs"],
  });
});

Deno.test("standInSource: an export that is not a function stops the build", () => {
  assert.throws(
    () => standInSource("./fs", "fs.ts", { directoryStore() {}, LIMIT: 3 }),
    (e) =>
      e instanceof BuildError &&
      e.message.startsWith("fs.ts exports LIMIT, a number"),
  );
});

Deno.test("standInSource: an entry that exports nothing stops the build", () => {
  assert.throws(() => standInSource("./fs", "fs.ts", {}), /exports nothing/);
});

Deno.test("standInSource: an entry without a message stops the build", () => {
  assert.throws(
    () => standInSource("./other", "other.ts", { f() {} }),
    /no message for it/,
  );
});

Deno.test("checkSameExports: the same names pass, in any order", () => {
  checkSameExports(["a", "b"], ["b", "a"], {
    out: "esm/fs.edge.js",
    entry: "fs.ts",
  });
});

Deno.test("checkSameExports: a name the stand-in lacks stops the build", () => {
  assert.throws(
    () =>
      checkSameExports(["a", "b"], ["a"], {
        out: "esm/fs.edge.js",
        entry: "fs.ts",
      }),
    /esm\/fs\.edge\.js exports a but fs\.ts exports a, b: they must match/,
  );
});
