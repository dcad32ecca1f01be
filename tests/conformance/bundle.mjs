/**
 * Bundles a conformance entry the way an app on an edge platform would
 * bundle the package: by its name, with the platform's export conditions.
 *
 * @module
 */

import * as esbuild from "esbuild";
import { fileURLToPath } from "node:url";

/**
 * @param {string} entry  file name next to this module
 * @param {{ format: "esm" | "iife", conditions: string[] }} options
 * @returns {Promise<string>} the bundled code
 */
export async function bundleEntry(entry, { format, conditions }) {
  const result = await esbuild.build({
    entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
    bundle: true,
    write: false,
    format,
    platform: format === "iife" ? "browser" : "neutral",
    conditions,
    mainFields: ["module", "main"],
    target: "es2022",
    // serveEmulator's lazy import("node:http") is never called in a worker.
    external: ["node:*"],
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}

/**
 * Reports each worker outcome as a subtest of `t`.
 *
 * @param {import("node:test").TestContext} t
 * @param {Array<{ name: string, ok: boolean, error?: string }>} results
 */
export async function reportResults(t, results) {
  for (const r of results) {
    await t.test(r.name, () => {
      if (!r.ok) throw new Error(r.error);
    });
  }
}
