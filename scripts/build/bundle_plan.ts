/**
 * The outputs to build, derived from the entry points of `targets.mjs`, and
 * how each is made. Every piece of code ships once per module format:
 *
 * - one ES module build of all entries, with code splitting: each entry's
 *   file (`esm/<name>.js`) holds only what no other entry uses, the rest is
 *   in shared chunks (`esm/chunks/`), so the CLI loads the same client,
 *   emulator and store modules as the library entries, and the error
 *   classes exist once;
 * - a CommonJS twin of each library entry's graph (`cjs/<name>.cjs` and
 *   `cjs/chunks/*.cjs`), converted file by file from the ES modules, so the
 *   CommonJS entries share code the same way (esbuild cannot split
 *   CommonJS itself);
 * - the edge build of an entry whose graph reaches a Node module
 *   (`esm/<name>.edge.js`) is one more entry of the ES module build: only
 *   the modules on a path to a Node module are copied into it (with the
 *   Node module replaced by one that throws), everything else comes from
 *   the shared chunks;
 * - a generated stand-in (the edge build of `./fs`) is built alone: it
 *   imports nothing.
 *
 * @module
 */

import { ENTRIES, type Entry } from "./targets.mjs";

/** Where the shared chunks go, inside `esm/` and `cjs/`. */
export const CHUNK_DIR = "chunks";

/** One entry file of the package and the checks it must pass. */
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
  /**
   * How it is made: `"split"`, an entry of the one ES module build with
   * shared chunks; `"mirror"`, the CommonJS twin of the `"split"` output
   * {@link Bundle.mirrors} and of every chunk that loads; `"alone"`, a
   * build of its own that loads no other file of the package.
   */
  build: "split" | "mirror" | "alone";
  /** With `"mirror"`: the ES module output it is the twin of. */
  mirrors?: string;
  /** Must be free of Node, with every file it loads: checked after the build. */
  edgeSafe: boolean;
  /**
   * An edge copy of `entry` (with `"split"`): the modules of its graph that
   * reach a `node:*` module are copied into this output, each such module
   * replaced by one that throws a clear error when loaded; the rest is
   * shared with the other entries.
   */
  stubNode?: boolean;
  /**
   * The output of the real entry this generated stand-in replaces:
   * `contents` is made from that entry's exports, and both must export the
   * same names.
   */
  standsInFor?: string;
  /** The output the bin runs: it must export `main`. */
  bin?: boolean;
}

/**
 * The entry files of `entries`, each entry's in the order ES module,
 * CommonJS, edge. `sourceOf` maps an entry's key to its source file
 * (deno.json's exports). The CLI is an ES module only: it is a Node program,
 * and its library use (`main`) is `import`ed.
 */
export function planBundles(
  sourceOf: (key: string) => string,
  entries: readonly Entry[] = ENTRIES,
): Bundle[] {
  const bundles: Bundle[] = [];
  for (const e of entries) {
    const entry = sourceOf(e.key);
    const esm = `esm/${e.name}.js`;
    const edgeSafe = e.edgeSafe ?? false;
    if (e.kind === "cli") {
      bundles.push({
        out: esm,
        key: e.key,
        entry,
        format: "esm",
        build: "split",
        edgeSafe: false,
        bin: true,
      });
      continue;
    }
    bundles.push(
      { out: esm, key: e.key, entry, format: "esm", build: "split", edgeSafe },
      {
        out: `cjs/${e.name}.cjs`,
        key: e.key,
        entry,
        format: "cjs",
        build: "mirror",
        mirrors: esm,
        edgeSafe,
      },
    );
    if (e.edge === undefined) continue;
    const edge = {
      out: `esm/${e.name}.edge.js`,
      key: e.key,
      entry,
      format: "esm" as const,
      edgeSafe: true,
    };
    bundles.push(
      e.edge === "stub-node"
        ? { ...edge, build: "split", stubNode: true }
        : { ...edge, build: "alone", standsInFor: esm },
    );
  }
  return bundles;
}
