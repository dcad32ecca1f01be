import assert from "node:assert/strict";
import { BuildError } from "../../scripts/build/build_error.ts";
import { entrySource, parseDenoJson } from "../../scripts/build/deno_json.ts";

const KEYS = [".", "./testing"];
const good = {
  name: "@scope/pkg",
  version: "1.2.3",
  exports: { ".": "./mod.ts", "./testing": "./testing.ts" },
};
const parse = (json: unknown) => parseDenoJson(JSON.stringify(json), KEYS);

Deno.test("parseDenoJson: reads name, version and exports", () => {
  const deno = parse(good);
  assert.equal(deno.name, "@scope/pkg");
  assert.equal(deno.version, "1.2.3");
  assert.equal(entrySource(deno, "./testing"), "testing.ts");
});

Deno.test("parseDenoJson: a missing name stops the build", () => {
  assert.throws(
    () => parse({ ...good, name: undefined }),
    (e) => e instanceof BuildError && /has no name/.test(e.message),
  );
});

Deno.test("parseDenoJson: a version that is not semver stops the build", () => {
  for (const version of [undefined, "1.2", "v1.2.3", 1]) {
    assert.throws(
      () => parse({ ...good, version }),
      /no semver version/,
      String(version),
    );
  }
});

Deno.test("parseDenoJson: exports that are not an object stop the build", () => {
  assert.throws(
    () => parse({ ...good, exports: "./mod.ts" }),
    /object of subpaths/,
  );
});

Deno.test("parseDenoJson: an entry point missing from exports is named", () => {
  assert.throws(
    () => parse({ ...good, exports: { ".": "./mod.ts" } }),
    /deno.json exports has no "\.\/testing"/,
  );
});

Deno.test("entrySource: an unknown export is an error, not undefined", () => {
  assert.throws(() => entrySource(parse(good), "./fs"), BuildError);
});
