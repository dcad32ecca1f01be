import assert from "node:assert/strict";
import {
  CLI_CONSUMER,
  CONSUMER,
  CONSUMER_SETUPS,
  consumerTsconfig,
} from "../../scripts/build/consumer_types.ts";
import { ENTRIES, NPM_NAME } from "../../scripts/build/targets.mjs";

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

Deno.test("consumer types: the CLI entry, an ES module only, is compiled by every ESM setup and no CommonJS one", () => {
  const cli = ENTRIES.find((e) => e.kind === "cli")!;
  assert.match(
    CLI_CONSUMER,
    new RegExp(`from "${NPM_NAME}${cli.key.slice(1)}"`),
  );
  for (const [name, setup] of Object.entries(CONSUMER_SETUPS)) {
    const files = Object.entries(setup.files);
    const esm = files.filter(([f]) =>
      !f.endsWith(".cts") && setup.options.module !== "commonjs"
    );
    assert.equal(
      files.some(([, text]) => text === CLI_CONSUMER),
      esm.length > 0,
      name,
    );
    for (const [file, text] of files) {
      if (text === CLI_CONSUMER) {
        assert.ok(!file.endsWith(".cts"), `${name}: ${file}`);
      }
    }
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
