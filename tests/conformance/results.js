/**
 * Where a runner leaves its outcomes for `scripts/test_matrix.mjs`: one JSON
 * file per runtime in `$CONFORMANCE_OUT`, when that is set. Uses `node:fs`,
 * which Deno, Node and Bun all provide (never bundled into a worker).
 *
 * @module
 */

import { mkdirSync, writeFileSync } from "node:fs";
import process from "node:process";
import { runSuite, serveForSuite } from "./suite.js";

/**
 * @param {string} label  e.g. "node22-require"; `$CONFORMANCE_LABEL` overrides it
 * @param {Array<{ name: string, ok: boolean }>} results
 */
export function saveResults(label, results) {
  const dir = env("CONFORMANCE_OUT");
  if (!dir) return;
  const name = env("CONFORMANCE_LABEL") || label;
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    `${dir}/${name}.json`,
    JSON.stringify({ label: name, results }, null, 2),
  );
}

/** An environment variable, or undefined where reading it is not permitted (Deno without --allow-env). */
function env(name) {
  try {
    return process.env[name];
  } catch {
    return undefined;
  }
}

/**
 * Serves the emulator, runs the suite through the runtime's `test`, and
 * always closes the server and saves the outcomes, even when a case throws.
 *
 * @param {string} label  e.g. "node22-import"
 * @param {{ pkg: any, testing: any, fs?: import("./suite.js").FsHost, test: (name: string, fn: () => Promise<void>) => unknown }} options
 */
export async function runAndSave(label, { pkg, testing, fs, test }) {
  const server = await serveForSuite(testing);
  const results = [];
  try {
    await runSuite({ test, pkg, testing, fs, baseUrl: server.url, results });
  } finally {
    await server.close();
    saveResults(label, results);
  }
}
