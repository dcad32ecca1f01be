/**
 * Node runner (`node --test`), also run by Deno: the package through
 * `import` and through `require` in one process, the dual-package hazard
 * (`dual_package_cases.js`).
 *
 * @module
 */

import { createRequire } from "node:module";
import process from "node:process";
import { test } from "node:test";
import * as esm from "audit-log-export";
import { runDualPackage } from "./dual_package_cases.js";
import { saveResults } from "./results.js";

const cjs = createRequire(import.meta.url)("audit-log-export");
const runtime = typeof globalThis.Deno === "object"
  ? "deno"
  : `node${process.versions.node.split(".")[0]}`;

test(`dual package: import and require of "audit-log-export" in one ${runtime} process`, async (t) => {
  const results = [];
  try {
    await runDualPackage({
      esm,
      cjs,
      test: (name, fn) => t.test(name, fn),
      results,
    });
  } finally {
    saveResults(`${runtime}-dual`, results);
  }
});
