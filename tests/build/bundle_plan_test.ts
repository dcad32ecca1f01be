import assert from "node:assert/strict";
import { planBundles } from "../../scripts/build/bundle_plan.ts";
import type { Entry } from "../../scripts/build/targets.mjs";

const sourceOf = (key: string) => key === "." ? "mod.ts" : `${key.slice(2)}.ts`;

Deno.test("planBundles: the targets give the package's eleven bundles, in build order", () => {
  assert.deepEqual(planBundles(sourceOf).map((b) => b.out), [
    "esm/mod.js",
    "cjs/mod.cjs",
    "esm/testing.js",
    "cjs/testing.cjs",
    "esm/testing.edge.js",
    "esm/fs.js",
    "cjs/fs.cjs",
    "esm/fs.edge.js",
    "esm/cli.js",
    "esm/s3.js",
    "cjs/s3.cjs",
  ]);
});

Deno.test("planBundles: the client, the S3 store and every edge build must be free of Node; the rest need not", () => {
  const edgeSafe = planBundles(sourceOf).filter((b) => b.edgeSafe).map((b) =>
    b.out
  );
  assert.deepEqual(edgeSafe, [
    "esm/mod.js",
    "cjs/mod.cjs",
    "esm/testing.edge.js",
    "esm/fs.edge.js",
    "esm/s3.js",
    "cjs/s3.cjs",
  ]);
});

Deno.test("planBundles: ES modules are entries of the split build; each CommonJS entry mirrors its ES module", () => {
  for (const b of planBundles(sourceOf)) {
    if (b.format === "cjs") {
      assert.equal(b.build, "mirror", b.out);
      assert.equal(
        b.mirrors,
        b.out.replace(/^cjs\//, "esm/").replace(/\.cjs$/, ".js"),
      );
    } else if (b.standsInFor === undefined) {
      assert.equal(b.build, "split", b.out);
      assert.equal(b.mirrors, undefined, b.out);
    } else {
      assert.equal(b.build, "alone", b.out);
    }
  }
});

Deno.test("planBundles: edge builds are made as their entry says", () => {
  const bundles = planBundles(sourceOf);
  const testingEdge = bundles.find((b) => b.out === "esm/testing.edge.js")!;
  assert.equal(testingEdge.stubNode, true);
  assert.equal(testingEdge.build, "split");
  assert.equal(testingEdge.standsInFor, undefined);
  const fsEdge = bundles.find((b) => b.out === "esm/fs.edge.js")!;
  assert.equal(fsEdge.standsInFor, "esm/fs.js");
  assert.equal(fsEdge.build, "alone");
  assert.equal(fsEdge.stubNode, undefined);
  assert.equal(fsEdge.key, "./fs");
});

Deno.test("planBundles: the CLI is one ES module, the bin's, with no CommonJS twin", () => {
  const cli = planBundles(sourceOf).filter((b) => b.entry === "cli.ts");
  assert.equal(cli.length, 1);
  assert.equal(cli[0].build, "split");
  assert.equal(cli[0].format, "esm");
  assert.equal(cli[0].bin, true);
  assert.equal(
    planBundles(sourceOf).filter((b) => b.bin).length,
    1,
  );
});

Deno.test("planBundles: a new entry point is one more entry", () => {
  const entries: Entry[] = [
    { key: ".", name: "mod", kind: "library", edgeSafe: true },
    { key: "./extra", name: "extra", kind: "library", edge: "stub-node" },
  ];
  const bundles = planBundles(sourceOf, entries);
  assert.deepEqual(bundles.map((b) => `${b.out} ${b.entry}`), [
    "esm/mod.js mod.ts",
    "cjs/mod.cjs mod.ts",
    "esm/extra.js extra.ts",
    "cjs/extra.cjs extra.ts",
    "esm/extra.edge.js extra.ts",
  ]);
  assert.deepEqual(
    bundles.filter((b) => b.entry === "extra.ts").map((b) => b.build),
    ["split", "mirror", "split"],
  );
});
