import assert from "node:assert/strict";
import { BuildError } from "../scripts/build/build_error.ts";
import { binSource, checkCliMain } from "../scripts/build/cli_bin.ts";

Deno.test("binSource: a Node script that runs the CLI bundle's main with the arguments", () => {
  const source = binSource("esm/cli.js");
  assert.ok(source.startsWith("#!/usr/bin/env node\n"));
  assert.match(source, /import \{ main \} from "\.\.\/esm\/cli\.js";/);
  assert.match(
    source,
    /process\.exitCode = await main\(process\.argv\.slice\(2\)\);/,
  );
});

Deno.test("checkCliMain: a bundle exporting main passes", () => {
  checkCliMain(
    "function main() {}\nexport {\n  VERSION,\n  main\n};\n",
    "cli.ts",
  );
});

Deno.test("checkCliMain: a bundle without main stops the build", () => {
  for (
    const code of [
      "function main() {}\nexport {\n  run\n};\n",
      "export {\n  mainly\n};\n",
      "const main = 1;\n",
    ]
  ) {
    assert.throws(
      () => checkCliMain(code, "cli.ts"),
      (e) =>
        e instanceof BuildError && /cli\.ts must export main/.test(e.message),
      code,
    );
  }
});
