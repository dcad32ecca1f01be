/**
 * Where a runner leaves its outcomes for `scripts/test_matrix.mjs`: one JSON
 * file per runtime in `$CONFORMANCE_OUT`, when that is set. Uses `node:fs`,
 * which Deno, Node and Bun all provide (never bundled into a worker).
 *
 * @module
 */

import { mkdirSync, writeFileSync } from "node:fs";
import process from "node:process";

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
