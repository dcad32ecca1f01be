import assert from "node:assert/strict";
import { BuildError } from "../../scripts/build/build_error.ts";
import { binSource, checkCliMain } from "../../scripts/build/cli_bin.ts";

Deno.test("binSource: a Node script that runs the CLI bundle's main with the arguments", () => {
  const source = binSource("esm/cli.js");
  assert.ok(source.startsWith("#!/usr/bin/env node\n"));
  assert.match(source, /import \{ main \} from "\.\.\/esm\/cli\.js";/);
  assert.match(
    source,
    /process\.exitCode = await main\(process\.argv\.slice\(2\)\);/,
  );
});

Deno.test("checkCliMain: an output exporting main passes", () => {
  checkCliMain(["VERSION", "main"], "cli.ts");
});

Deno.test("checkCliMain: an output without main stops the build", () => {
  for (const exports of [["run"], ["mainly"], []]) {
    assert.throws(
      () => checkCliMain(exports, "cli.ts"),
      (e) =>
        e instanceof BuildError && /cli\.ts must export main/.test(e.message),
      exports.join(),
    );
  }
});
