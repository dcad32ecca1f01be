import assert from "node:assert/strict";
import {
  CONSUMER,
  CONSUMER_SETUPS,
  consumerTsconfig,
} from "../scripts/build/consumer_types.ts";
import { ENTRIES, NPM_NAME } from "../scripts/build/targets.mjs";

Deno.test("consumer types: the consumer imports every library entry of the package by name", () => {
  const imported = new Set(
    [...CONSUMER.matchAll(/from "([^"]+)"/g)].map((m) => m[1]),
  );
  for (const e of ENTRIES.filter((e) => e.kind === "library")) {
    const specifier = NPM_NAME + e.key.slice(1);
    assert.ok(
      imported.has(specifier),
      `the consumer does not import ${specifier}`,
    );
  }
});

Deno.test("consumer types: ESM, CommonJS, bundler and node10 resolution are all compiled", () => {
  const resolutions = Object.values(CONSUMER_SETUPS).map((s) =>
    s.options.moduleResolution
  );
  assert.deepEqual(resolutions.sort(), ["bundler", "node10", "nodenext"]);
  const files = Object.values(CONSUMER_SETUPS).flatMap((s) =>
    Object.keys(s.files)
  );
  assert.ok(files.some((f) => f.endsWith(".mts")));
  assert.ok(files.some((f) => f.endsWith(".cts")));
});

Deno.test("consumer types: setups get distinct directories", () => {
  const dirs = Object.keys(CONSUMER_SETUPS).map((n) => n.split(" ")[0]);
  assert.equal(new Set(dirs).size, dirs.length);
});

Deno.test("consumer types: the tsconfig checks the published types themselves, without ambient @types", () => {
  const setup = CONSUMER_SETUPS["node10"];
  const config = JSON.parse(consumerTsconfig(setup));
  assert.equal(config.compilerOptions.skipLibCheck, false);
  assert.deepEqual(config.compilerOptions.types, []);
  assert.equal(config.compilerOptions.strict, true);
  assert.equal(config.compilerOptions.moduleResolution, "node10");
  assert.deepEqual(config.files, Object.keys(setup.files));
});
