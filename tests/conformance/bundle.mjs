/**
 * Helpers of the workerd and edge runners: bundling a conformance entry the
 * way an app on an edge platform bundles the package (by its name, with the
 * platform's export conditions), and loading the dev tools that do it.
 *
 * @module
 */

import { createRequire } from "node:module";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The workerd compatibility date of every worker the runners start. */
export const COMPATIBILITY_DATE = "2026-04-01";

/**
 * Loads a dev tool (esbuild, miniflare, @edge-runtime/vm) from the
 * repository's node_modules: the matrix runs these runners from a scratch
 * project that has only the packed package installed, and names the
 * repository in `$CONFORMANCE_TOOLS_FROM`.
 *
 * @param {string} name
 */
export async function importTool(name) {
  const from = process.env.CONFORMANCE_TOOLS_FROM ?? import.meta.url;
  const resolved = createRequire(from).resolve(name);
  return await import(pathToFileURL(resolved).href);
}

/**
 * @param {string} entry  file name next to this module
 * @param {{ format: "esm" | "iife", conditions: string[] }} options
 * @returns {Promise<string>} the bundled code
 */
export async function bundleEntry(entry, { format, conditions }) {
  const esbuild = await importTool("esbuild");
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
