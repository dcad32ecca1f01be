// @ts-check
/**
 * The build targets of the npm package, each written once: the entry points
 * and what is built of each (read by `scripts/build_npm.ts` and
 * `scripts/check_package.ts`), and the runtimes the packed package is tested
 * in (read by `scripts/test_matrix.mjs`). Adding an entry point or a runtime
 * is one edit here.
 *
 * Plain JavaScript with JSDoc types because the matrix runs under plain Node,
 * without a TypeScript loader; Deno imports it as it is.
 *
 * @module
 */

/** The npm name; the JSR name comes from deno.json. */
export const NPM_NAME = "audit-log-export";

/** The command the package installs (`bin/<name>.js`, running the CLI entry). */
export const BIN_NAME = "audit-log-export";

/**
 * Export conditions of runtimes without Node's modules. An entry with an
 * edge build serves it under each of them; bundlers for these platforms
 * refuse `node:*` without Node compatibility.
 */
export const EDGE_CONDITIONS = ["workerd", "edge-light", "browser"];

/**
 * How the build for runtimes without Node (`esm/<name>.edge.js`) of an entry
 * is made:
 *
 * - `"stub-node"`: the real entry, with every `node:*` module replaced by one
 *   that throws a clear error when loaded (a lazy `import("node:http")` that
 *   only one function reaches);
 * - `"throwing-exports"`: a generated stand-in exporting the same names, each
 *   a function that throws an error saying what to use instead (an entry that
 *   is useless without a file system, but harmless to import).
 *
 * @typedef {"stub-node" | "throwing-exports"} EdgeBuild
 */

/**
 * One export of deno.json built into the npm package. Its source file is
 * deno.json's `exports[key]`.
 *
 * @typedef {object} Entry
 * @property {string} key  The deno.json export, and the npm subpath of a
 *   library entry (`"."`, `"./testing"`).
 * @property {string} name  Base name of its outputs: `esm/<name>.js`,
 *   `cjs/<name>.cjs`, `types/<name>.d.ts`.
 * @property {"library" | "cli"} kind  A library entry is an npm subpath with
 *   ES module and CommonJS builds and declarations (and, except `"."`, a
 *   `<subpath>/package.json` redirect for `moduleResolution: node10`); the
 *   CLI is an npm subpath too, with declarations, but an ES module only (a
 *   Node program, whose `main` is imported), and the bin runs it.
 * @property {boolean} [edgeSafe]  Its ESM and CommonJS bundles themselves
 *   must run without Node (checked after bundling).
 * @property {EdgeBuild} [edge]  Also build `esm/<name>.edge.js` for the
 *   {@link EDGE_CONDITIONS}.
 */

/**
 * The entry points, in build order. `"."` comes first: `main`, `module` and
 * `types` of package.json point at it. What several entries use is built
 * once, into shared chunks, so the error classes exist once per module
 * format and `instanceof` holds across entries (the build checks it).
 *
 * @type {readonly Entry[]}
 */
export const ENTRIES = [
  { key: ".", name: "mod", kind: "library", edgeSafe: true },
  { key: "./testing", name: "testing", kind: "library", edge: "stub-node" },
  { key: "./fs", name: "fs", kind: "library", edge: "throwing-exports" },
  { key: "./cli", name: "cli", kind: "cli" },
  { key: "./s3", name: "s3", kind: "library", edgeSafe: true },
];

/**
 * A Node version of the matrix. Per-Node jobs run once on each, in this
 * order.
 *
 * @typedef {object} NodeRuntime
 * @property {number} major
 * @property {string} [bin]  Its binary, relative to the repository (an npm
 *   alias package); without one, the system `node` of that major version.
 */

/** @type {readonly NodeRuntime[]} */
export const NODES = [
  { major: 18, bin: "node_modules/node18/bin/node" },
  { major: 20 },
  { major: 22, bin: "node_modules/node22/bin/node" },
];

/**
 * The Node that hosts workerd (miniflare) and the edge runtime: the miniflare
 * pinned here is the last release that accepts Node 20.
 */
export const WORKER_HOST_NODE = 20;

/**
 * What a job runs, which fixes how many results each of its labels must
 * report: the conformance suite (`tests/conformance/suite.js`), the fault
 * matrix (`tests/reliability/matrix.js`), the official SDK's cases, the
 * installed bin, the archive as a Cron Trigger writing to R2, the archive's
 * store layer on a real R2 binding (streamed multipart writes, listing,
 * locks; from the sources), or the package loaded through both `import`
 * and `require` in one process
 * (`tests/conformance/dual_package_cases.js`), or the README's programs
 * against the installed package (`tests/conformance/readme_node_runner.mjs`),
 * or `s3Store` of the installed package against moto, the archive into it
 * included (`tests/conformance/s3_cases.js`).
 *
 * @typedef {"conformance" | "faults" | "workos-sdk" | "cli" | "r2-cron" | "r2-store" | "dual-package" | "readme" | "s3"} Suite
 */

/**
 * One process of the matrix.
 *
 * @typedef {object} MatrixJob
 * @property {string[]} labels  The result files it writes, one per runner
 *   file; in a per-Node job `{node}` stands for `node<major>`.
 * @property {"deno" | "bun" | "worker-host"} [runtime]  What runs it
 *   (`"worker-host"`: the Node of {@link WORKER_HOST_NODE}); a per-Node job
 *   names none.
 * @property {Suite} suite
 * @property {string[]} [args]  Arguments after the runtime's binary. The
 *   `"cli"` suite has none: it runs the installed bin.
 * @property {"repository" | "scratch"} [cwd]  Where it runs; by default the
 *   scratch project that has the packed package installed.
 * @property {Record<string, string>} [env]
 * @property {string[]} [needs]  For the conformance suite: run the cases
 *   these capabilities allow (default `["fs"]`; runtimes without a file
 *   system run the `"edge-fs"` ones).
 */

/**
 * Jobs run once on each Node of {@link NODES} that `where` accepts (all by
 * default), the group's jobs in order for one Node before the next.
 *
 * @typedef {object} PerNode
 * @property {readonly MatrixJob[]} perNode
 * @property {(node: NodeRuntime) => boolean} [where]
 */

/**
 * The runtimes the packed package is tested in, in the order the matrix
 * starts them.
 *
 * @type {readonly (MatrixJob | PerNode)[]}
 */
export const MATRIX = [
  {
    labels: ["deno-src"],
    runtime: "deno",
    suite: "conformance",
    cwd: "repository",
    args: [
      "test",
      "--allow-net=127.0.0.1,localhost",
      "--allow-env",
      "--allow-read",
      "--allow-write",
      "tests/conformance/deno_test.ts",
    ],
    env: { CONFORMANCE_LABEL: "deno-src" },
  },
  {
    labels: ["deno-npm"],
    runtime: "deno",
    suite: "conformance",
    args: ["test", "-A", "--config", "deno.json", "deno_test.ts"],
    env: { CONFORMANCE_LABEL: "deno-npm" },
  },
  {
    labels: ["deno-dual"],
    runtime: "deno",
    suite: "dual-package",
    args: ["test", "-A", "--config", "deno.json", "node_dual.mjs"],
  },
  {
    perNode: [
      {
        labels: ["{node}-import", "{node}-require"],
        suite: "conformance",
        args: ["--test", "node_import.mjs", "node_require.cjs"],
      },
      {
        labels: ["{node}-dual"],
        suite: "dual-package",
        args: ["--test", "node_dual.mjs"],
      },
    ],
  },
  {
    labels: ["bun-import", "bun-require"],
    runtime: "bun",
    suite: "conformance",
    args: ["test", "./bun_import.test.mjs", "./bun_require.test.mjs"],
  },
  {
    labels: ["bun-dual"],
    runtime: "bun",
    suite: "dual-package",
    args: ["test", "./bun_dual.test.mjs"],
  },
  {
    labels: ["bun-faults"],
    runtime: "bun",
    suite: "faults",
    args: ["test", "--timeout", "180000", "./node_faults.mjs"],
  },
  {
    labels: ["workerd"],
    runtime: "worker-host",
    suite: "conformance",
    needs: ["edge-fs"],
    args: ["--test", "workerd_runner.mjs"],
  },
  {
    labels: ["workerd-r2-cron"],
    runtime: "worker-host",
    suite: "r2-cron",
    args: ["--test", "workerd_archive_runner.mjs"],
  },
  {
    labels: ["workerd-r2-store"],
    runtime: "worker-host",
    suite: "r2-store",
    cwd: "repository",
    args: ["--test", "tests/conformance/r2_store_runner.mjs"],
  },
  {
    labels: ["edge-runtime"],
    runtime: "worker-host",
    suite: "conformance",
    needs: ["edge-fs"],
    args: ["--test", "edge_runner.mjs"],
  },
  {
    perNode: [{
      labels: ["{node}-readme"],
      suite: "readme",
      args: ["--test", "readme_node_runner.mjs"],
    }],
    // The README's programs as a Node user runs them; Deno runs them from
    // the sources in tests/readme_test.ts.
    where: (node) => node.major === 20,
  },
  {
    perNode: [{
      labels: ["{node}-workos-sdk"],
      suite: "workos-sdk",
      args: ["--test", "workos_sdk_runner.mjs"],
    }],
    // The official SDK declares Node >= 22.11 and still loads on 20; not on 18.
    where: (node) => node.major >= 20,
  },
  {
    perNode: [
      { labels: ["{node}-cli"], suite: "cli" },
      {
        labels: ["{node}-faults"],
        suite: "faults",
        args: ["--test", "node_faults.mjs"],
      },
    ],
  },
  // s3Store against moto, which each runner starts on a free loopback port.
  {
    labels: ["deno-s3"],
    runtime: "deno",
    suite: "s3",
    args: ["run", "-A", "--config", "deno.json", "s3_runner.mjs"],
  },
  {
    labels: ["bun-s3"],
    runtime: "bun",
    suite: "s3",
    args: ["s3_runner.mjs"],
  },
  {
    labels: ["workerd-s3"],
    runtime: "worker-host",
    suite: "s3",
    args: ["--test", "s3_workerd_runner.mjs"],
  },
  {
    perNode: [{
      labels: ["{node}-s3"],
      suite: "s3",
      args: ["--experimental-global-webcrypto", "s3_runner.mjs"],
    }],
    // Node 18 has no global `crypto` without this flag, and the store signs
    // with Web Crypto (its own hashing and aws4fetch's): without it every
    // request fails with "crypto is not defined".
    where: (node) => node.major === 18,
  },
  {
    perNode: [{
      labels: ["{node}-s3"],
      suite: "s3",
      args: ["s3_runner.mjs"],
    }],
    where: (node) => node.major !== 18,
  },
];
