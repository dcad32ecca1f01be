/**
 * Vercel edge-runtime runner (`node --test`, via `@edge-runtime/vm`): an
 * IIFE bundle of the package, by its name, is evaluated in an EdgeVM and runs
 * the suite against the emulator this Node process serves on loopback from
 * the package's `./testing`. Outcomes come back as JSON text.
 *
 * @module
 */

import { test } from "node:test";
import * as testing from "audit-log-export/testing";
import { bundleEntry, importTool, reportResults } from "./bundle.mjs";
import { saveResults } from "./results.js";
import { serveForSuite } from "./suite.js";

const { EdgeVM } = await importTool("@edge-runtime/vm");

test("conformance: audit-log-export on the Vercel edge runtime", async (t) => {
  const script = await bundleEntry("edge_entry.js", {
    format: "iife",
    conditions: ["edge-light", "worker", "browser"],
  });
  const server = await serveForSuite(testing);
  let results = [];
  try {
    const vm = new EdgeVM();
    vm.evaluate(script);
    const config = JSON.stringify({
      baseUrl: server.url,
      only: process.env.CONFORMANCE_ONLY,
    });
    results = JSON.parse(await vm.evaluate(`runConformance(${config})`));
    await reportResults(t, results);
  } finally {
    await server.close();
    saveResults("edge-runtime", results);
  }
});
