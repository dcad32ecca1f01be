import assert from "node:assert/strict";
import {
  BIN_NAME,
  EDGE_CONDITIONS,
  ENTRIES,
  MATRIX,
  NODES,
  NPM_NAME,
  WORKER_HOST_NODE,
} from "../../scripts/build/targets.mjs";

const denoJson = JSON.parse(
  await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
) as { exports: Record<string, string> };

Deno.test("targets: every entry point is a deno.json export whose file exists", async () => {
  for (const entry of ENTRIES) {
    const file = denoJson.exports[entry.key];
    assert.equal(typeof file, "string", `deno.json has no export ${entry.key}`);
    await Deno.stat(new URL(`../../${file}`, import.meta.url));
  }
});

Deno.test("targets: every deno.json export is an entry point of the npm package", () => {
  assert.deepEqual(
    Object.keys(denoJson.exports).sort(),
    ENTRIES.map((e) => e.key).sort(),
  );
});

Deno.test("targets: entry keys and output names are unique", () => {
  assert.equal(new Set(ENTRIES.map((e) => e.key)).size, ENTRIES.length);
  assert.equal(new Set(ENTRIES.map((e) => e.name)).size, ENTRIES.length);
});

Deno.test('targets: the first library entry is the client at ".", and there is one CLI', () => {
  const libraries = ENTRIES.filter((e) => e.kind === "library");
  assert.equal(libraries[0]?.key, ".");
  assert.equal(ENTRIES.filter((e) => e.kind === "cli").length, 1);
});

Deno.test("targets: the CLI has no edge build and no edge-safety claim", () => {
  for (const e of ENTRIES.filter((e) => e.kind === "cli")) {
    assert.equal(e.edge, undefined);
    assert.equal(e.edgeSafe, undefined);
  }
});

Deno.test("targets: the package and bin names and the edge conditions are set", () => {
  assert.match(NPM_NAME, /^[a-z0-9-]+$/);
  assert.match(BIN_NAME, /^[a-z0-9-]+$/);
  assert.ok(EDGE_CONDITIONS.includes("workerd"));
  assert.equal(new Set(EDGE_CONDITIONS).size, EDGE_CONDITIONS.length);
});

Deno.test("targets: Node versions are distinct, ascending, and host the workers", () => {
  const majors = NODES.map((n) => n.major);
  assert.deepEqual(majors, [...new Set(majors)].sort((a, b) => a - b));
  assert.ok(majors.includes(WORKER_HOST_NODE));
});

Deno.test("targets: a Node binary of the matrix points into node_modules", () => {
  for (const node of NODES) {
    if (node.bin !== undefined) assert.match(node.bin, /^node_modules\//);
  }
});

Deno.test("targets: the matrix runs every suite somewhere", () => {
  const suites = new Set(
    MATRIX.flatMap((item) =>
      "perNode" in item ? item.perNode.map((j) => j.suite) : [item.suite]
    ),
  );
  assert.deepEqual(
    [...suites].sort(),
    [
      "cli",
      "conformance",
      "dual-package",
      "faults",
      "r2-cron",
      "r2-store",
      "readme",
      "s3",
      "workos-sdk",
    ],
  );
});

Deno.test("targets: Deno, every Node and Bun load the package through import and require in one process", () => {
  const dual = MATRIX.flatMap((item) =>
    "perNode" in item
      ? item.perNode.filter((j) => j.suite === "dual-package").map((j) =>
        j.labels.join()
      )
      : item.suite === "dual-package"
      ? [`${item.runtime}:${item.labels.join()}`]
      : []
  );
  assert.deepEqual(dual.sort(), [
    "bun:bun-dual",
    "deno:deno-dual",
    "{node}-dual",
  ]);
});
