/**
 * Deno runner of the conformance suite. From the repository, the import map
 * of deno.json points `audit-log-export` at the sources; the matrix copies it
 * into a project where the name resolves to the installed npm package.
 *
 * @module
 */

import * as pkg from "audit-log-export";
import * as testing from "audit-log-export/testing";
import { saveResults } from "./results.js";
import { runSuite, serveForSuite } from "./suite.js";

Deno.test("conformance: audit-log-export on Deno", async (t) => {
  const server = await serveForSuite(testing);
  const results: { name: string; ok: boolean; ms: number; error?: string }[] =
    [];
  try {
    await runSuite({
      test: (name: string, fn: () => Promise<void>) => t.step(name, fn),
      pkg,
      testing,
      baseUrl: server.url,
      results,
    });
  } finally {
    await server.close();
    saveResults("deno", results);
  }
});
