/**
 * Reading deno.json, the source of the package's name, version, licence and
 * entry files.
 *
 * @module
 */

import { fail } from "./build_error.ts";

/** What the build reads of deno.json. */
export interface DenoJson {
  name: string;
  version: string;
  license?: string;
  exports: Record<string, string>;
}

/**
 * Parses deno.json and checks what the build relies on: a name, a semver
 * version, and an export for each of `keys` (the entry points of the
 * targets).
 */
export function parseDenoJson(text: string, keys: readonly string[]): DenoJson {
  const json = JSON.parse(text) as Partial<DenoJson>;
  if (typeof json.name !== "string") fail("deno.json has no name");
  if (
    typeof json.version !== "string" || !/^\d+\.\d+\.\d+/.test(json.version)
  ) {
    fail("deno.json has no semver version");
  }
  const exports = json.exports;
  if (typeof exports !== "object" || exports === null) {
    fail("deno.json exports must be an object of subpaths");
  }
  for (const key of keys) {
    if (typeof exports[key] !== "string") {
      fail(`deno.json exports has no "${key}"`);
    }
  }
  return json as DenoJson;
}

/** The source file of an export, relative to the repository (`"./mod.ts"` → `"mod.ts"`). */
export function entrySource(deno: DenoJson, key: string): string {
  const file = deno.exports[key];
  if (file === undefined) fail(`deno.json exports has no "${key}"`);
  return file.replace(/^\.\//, "");
}
