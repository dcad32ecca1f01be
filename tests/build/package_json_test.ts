import assert from "node:assert/strict";
import { planBundles } from "../../scripts/build/bundle_plan.ts";
import { referencedFiles } from "../../scripts/build/pack_contents.ts";
import {
  cliExports,
  entryExports,
  packageJson,
  redirectDir,
  redirectPackageJson,
  repositoryFields,
} from "../../scripts/build/package_json.ts";
import {
  BIN_NAME,
  EDGE_CONDITIONS,
  ENTRIES,
  type Entry,
  NODES,
  NPM_NAME,
} from "../../scripts/build/targets.mjs";

const deno = { name: "@scope/pkg", version: "1.2.3", license: "MIT" };
const sourceOf = (key: string) => key === "." ? "mod.ts" : `${key.slice(2)}.ts`;

Deno.test("packageJson: every entry is an export, as on JSR; the CLI is also the bin", () => {
  const pkg = packageJson(deno);
  const exports = pkg.exports as Record<string, unknown>;
  assert.deepEqual(Object.keys(exports), [
    ...ENTRIES.filter((e) => e.kind === "library").map((e) => e.key),
    ...ENTRIES.filter((e) => e.kind === "cli").map((e) => e.key),
    "./package.json",
  ]);
  assert.deepEqual(exports["./cli"], {
    types: "./types/cli.d.ts",
    default: "./esm/cli.js",
  });
  assert.deepEqual(pkg.bin, { [BIN_NAME]: `./bin/${BIN_NAME}.js` });
  assert.equal(pkg.name, NPM_NAME);
  assert.equal(pkg.version, "1.2.3");
});

Deno.test("packageJson: no homepage, repository or bugs link until there is a public repository", () => {
  const pkg = packageJson(deno);
  for (const field of ["homepage", "repository", "bugs"]) {
    assert.equal(pkg[field], undefined, field);
  }
  const linked = packageJson(
    deno,
    ENTRIES,
    "https://github.com/owner/audit-log-export",
  );
  assert.equal(
    linked.homepage,
    "https://github.com/owner/audit-log-export#readme",
  );
  assert.deepEqual(linked.repository, {
    type: "git",
    url: "git+https://github.com/owner/audit-log-export.git",
  });
  assert.deepEqual(linked.bugs, {
    url: "https://github.com/owner/audit-log-export/issues",
  });
});

Deno.test("packageJson: every file it points at is one the build writes", () => {
  const written = new Set([
    ...planBundles(sourceOf).map((b) => b.out),
    ...ENTRIES.map((e) => `types/${e.name}.d.ts`),
    ...ENTRIES.filter((e) => e.kind === "library").map((e) =>
      `types/${e.name}.d.cts`
    ),
    `bin/${BIN_NAME}.js`,
    "package.json",
  ]);
  for (const file of referencedFiles(packageJson(deno))) {
    assert.ok(written.has(file), `package.json points at ${file}`);
  }
});

Deno.test("packageJson: files holds the output folders and each subpath's redirect", () => {
  assert.deepEqual(packageJson(deno).files, [
    "esm/",
    "cjs/",
    "types/",
    "bin/",
    "testing/",
    "fs/",
    "s3/",
  ]);
});

Deno.test("packageJson: engines promise the oldest Node the matrix tests", () => {
  const oldest = Math.min(...NODES.map((n) => n.major));
  assert.deepEqual(packageJson(deno).engines, { node: `>=${oldest}` });
});

Deno.test("packageJson: main, module and types are the client's", () => {
  const pkg = packageJson(deno);
  assert.equal(pkg.main, "./cjs/mod.cjs");
  assert.equal(pkg.module, "./esm/mod.js");
  assert.equal(pkg.types, "./types/mod.d.cts");
});

Deno.test('packageJson: entries without "." first are refused', () => {
  const entries: Entry[] = [
    { key: "./testing", name: "testing", kind: "library" },
    { key: ".", name: "mod", kind: "library" },
  ];
  assert.throws(() => packageJson(deno, entries), /must be "\."/);
});

Deno.test("entryExports: the edge build under each edge condition, then import, require, default", () => {
  const exports = entryExports({ name: "testing", edge: "stub-node" });
  assert.deepEqual(Object.keys(exports), [
    ...EDGE_CONDITIONS,
    "import",
    "require",
    "default",
  ]);
  for (const c of EDGE_CONDITIONS) {
    assert.deepEqual((exports as Record<string, unknown>)[c], {
      types: "./types/testing.d.ts",
      default: "./esm/testing.edge.js",
    });
  }
  assert.deepEqual(exports.require, {
    types: "./types/testing.d.cts",
    default: "./cjs/testing.cjs",
  });
});

Deno.test("entryExports: types come first in every condition", () => {
  for (const e of ENTRIES.filter((e) => e.kind === "library")) {
    for (const value of Object.values(entryExports(e))) {
      if (typeof value === "object") {
        assert.equal(Object.keys(value)[0], "types");
      }
    }
  }
});

Deno.test("entryExports: an entry without an edge build has no edge condition", () => {
  assert.deepEqual(Object.keys(entryExports({ name: "mod" })), [
    "import",
    "require",
    "default",
  ]);
});

Deno.test("redirectPackageJson: node10 finds a subpath's CommonJS build and types", () => {
  assert.equal(redirectDir({ key: "." }), undefined);
  assert.equal(redirectDir({ key: "./testing" }), "testing");
  assert.deepEqual(JSON.parse(redirectPackageJson({ name: "fs" })), {
    private: true,
    main: "../cjs/fs.cjs",
    types: "../types/fs.d.cts",
  });
});

Deno.test("cliExports: the CLI's types and ES module, under default so that Node 22 can require it", () => {
  assert.deepEqual(cliExports({ name: "cli" }), {
    types: "./types/cli.d.ts",
    default: "./esm/cli.js",
  });
});

Deno.test("repositoryFields: nothing without a repository", () => {
  assert.deepEqual(repositoryFields(undefined), {});
});
