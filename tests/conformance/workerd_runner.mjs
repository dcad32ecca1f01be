/**
 * Cloudflare workerd runner (`node --test`, via miniflare): a module worker
 * bundling the package by its name, with workerd's export conditions, runs
 * the suite; the emulator it calls is served on loopback by this Node
 * process from the package's `./testing`. No `nodejs_compat` flag: the
 * package must need nothing from Node there.
 *
 * @module
 */

import { test } from "node:test";
import * as testing from "audit-log-export/testing";
import {
  bundleEntry,
  COMPATIBILITY_DATE,
  importTool,
  reportResults,
} from "./bundle.mjs";
import { saveResults } from "./results.js";
import { serveForSuite } from "./suite.js";

const { Miniflare } = await importTool("miniflare");

test("conformance: audit-log-export on Cloudflare workerd", async (t) => {
  const script = await bundleEntry("worker_entry.js", {
    format: "esm",
    conditions: ["workerd", "worker", "browser"],
  });
  const server = await serveForSuite(testing);
  let mf;
  let results = [];
  try {
    mf = new Miniflare({
      modules: true,
      script,
      compatibilityDate: COMPATIBILITY_DATE,
    });
    const response = await mf.dispatchFetch("http://worker.test/", {
      method: "POST",
      body: JSON.stringify({
        baseUrl: server.url,
        only: process.env.CONFORMANCE_ONLY,
      }),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`worker answered ${response.status}: ${text}`);
    }
    results = JSON.parse(text);
    await reportResults(t, results);
  } finally {
    await mf?.dispose();
    await server.close();
    saveResults("workerd", results);
  }
});
