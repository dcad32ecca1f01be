/**
 * The bundles to build, derived from the entry points of `targets.mjs`: an
 * ES module and a CommonJS bundle of each library entry, its edge build when
 * it has one, and an ES module bundle for Node of the CLI.
 *
 * @module
 */

import { ENTRIES, type Entry } from "./targets.mjs";

/** One esbuild output and the checks it must pass. */
export interface Bundle {
  /** Output file, relative to npm/. */
  out: string;
  /** The deno.json export it is built from (`"./fs"`). */
  key: string;
  /** Source file, relative to the repository. */
  entry: string;
  /** Generated source to bundle instead of reading `entry` (still named after it in messages). */
  contents?: string;
  format: "esm" | "cjs";
  platform: "neutral" | "node";
  /** Must be free of Node: checked after the build. */
  edgeSafe: boolean;
  /** Replace `node:*` modules by a stub that throws when loaded (edge builds of the emulator). */
  stubNode?: boolean;
  /**
   * The bundle of the real entry this generated stand-in replaces: `contents`
   * is made from that entry's exports, and both must export the same names.
   */
  standsInFor?: string;
  /** Must not carry its own copy of the classes shared across entries. */
  isolated: boolean;
  /** The bundle the bin runs: it must export `main`. */
  bin?: boolean;
}

/**
 * The bundles of `entries`, each entry's in the order ESM, CommonJS, edge.
 * `sourceOf` maps an entry's key to its source file (deno.json's exports).
 *
 * Only the first library entry (`"."`, the client) may bundle the shared
 * error classes: a copy in another entry would fail `instanceof` against
 * the client's.
 */
export function planBundles(
  sourceOf: (key: string) => string,
  entries: readonly Entry[] = ENTRIES,
): Bundle[] {
  const bundles: Bundle[] = [];
  const main = entries.find((e) => e.kind === "library");
  for (const e of entries) {
    const entry = sourceOf(e.key);
    if (e.kind === "cli") {
      bundles.push({
        out: `esm/${e.name}.js`,
        key: e.key,
        entry,
        format: "esm",
        platform: "node",
        edgeSafe: false,
        isolated: false,
        bin: true,
      });
      continue;
    }
    const isolated = e !== main;
    const edgeSafe = e.edgeSafe ?? false;
    bundles.push(
      {
        out: `esm/${e.name}.js`,
        key: e.key,
        entry,
        format: "esm",
        platform: "neutral",
        edgeSafe,
        isolated,
      },
      {
        out: `cjs/${e.name}.cjs`,
        key: e.key,
        entry,
        format: "cjs",
        platform: "neutral",
        edgeSafe,
        isolated,
      },
    );
    if (e.edge === undefined) continue;
    bundles.push({
      out: `esm/${e.name}.edge.js`,
      key: e.key,
      entry,
      format: "esm",
      platform: "neutral",
      edgeSafe: true,
      isolated,
      ...(e.edge === "stub-node"
        ? { stubNode: true }
        : { standsInFor: `esm/${e.name}.js` }),
    });
  }
  return bundles;
}
