/**
 * Bun runner (`bun test`; the matrix copies it as `bun_dual.test.mjs`): the
 * package through `import` and through `require` in one process, the
 * dual-package hazard (`dual_package_cases.js`).
 *
 * @module
 */

import { afterAll, test } from "bun:test";
import { createRequire } from "node:module";
import * as esm from "audit-log-export";
import { dualPackageCases } from "./dual_package_cases.js";
import { saveResults } from "./results.js";

const cjs = createRequire(import.meta.url)("audit-log-export");
const results = [];

afterAll(() => saveResults("bun-dual", results));

for (const c of dualPackageCases) {
  test(`dual package: ${c.name}`, async () => {
    const started = Date.now();
    try {
      await c.run({ esm, cjs });
      results.push({ name: c.name, ok: true, ms: Date.now() - started });
    } catch (error) {
      results.push({
        name: c.name,
        ok: false,
        ms: Date.now() - started,
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
  });
}
