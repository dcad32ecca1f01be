import assert from "node:assert/strict";
import { BuildError } from "../../scripts/build/build_error.ts";
import { checkVersion } from "../../scripts/build/version_check.ts";
import * as versionModule from "../../src/version.ts";

Deno.test("checkVersion: equal versions pass", () => {
  checkVersion({ VERSION: "1.2.3" }, "1.2.3");
});

Deno.test("checkVersion: a different VERSION stops the build, naming both", () => {
  assert.throws(
    () => checkVersion({ VERSION: "1.2.2" }, "1.2.3"),
    (e) =>
      e instanceof BuildError && e.message.includes('"1.2.2"') &&
      e.message.includes('"1.2.3"'),
  );
});

Deno.test("checkVersion: a module without VERSION stops the build", () => {
  assert.throws(() => checkVersion({}, "1.2.3"), /exports VERSION undefined/);
});

Deno.test("checkVersion: src/version.ts agrees with deno.json", async () => {
  const deno = JSON.parse(
    await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
  );
  checkVersion(versionModule, deno.version);
});
