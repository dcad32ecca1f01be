/**
 * Node runner (`node --test`): the package through `import`, i.e. its ESM
 * build and `.d.ts` types.
 *
 * @module
 */

import { test } from "node:test";
import * as pkg from "audit-log-export";
import * as testing from "audit-log-export/testing";
import { saveResults } from "./results.js";
import { runSuite, serveForSuite } from "./suite.js";

const major = process.versions.node.split(".")[0];

test(`conformance: import "audit-log-export" on Node ${process.version}`, async (t) => {
  const server = await serveForSuite(testing);
  const results = [];
  try {
    await runSuite({
      test: (name, fn) => t.test(name, fn),
      pkg,
      testing,
      baseUrl: server.url,
      results,
    });
  } finally {
    await server.close();
    saveResults(`node${major}-import`, results);
  }
});
