/**
 * Choosing the declaration files to publish: those reachable from the entry
 * points, pruned of the bundled packages, and checked to be self-contained
 * (no import of a package that is not shipped, no ambient reference).
 *
 * @module
 */

import ts from "typescript";
import path from "node:path";
import { fail } from "./build_error.ts";
import { SPECIFIER_TS, specifiersOf } from "./declaration_specifiers.ts";
import { BUNDLED_PACKAGES, pruneBundledPackages } from "./prune_bundled.ts";

/** The declarations to publish. */
export interface Declarations {
  /** Path relative to npm/types → text, `.d.ts` flavour, specifiers still `.ts`. */
  files: Map<string, string>;
  /** Names removed by pruning, by file. */
  pruned: Map<string, string[]>;
}

/**
 * Walks from the declarations of `entries` (source files, relative to the
 * repository) through their relative imports. `emitted` maps paths relative
 * to npm/types to what tsc wrote.
 */
export function publicDeclarations(
  emitted: ReadonlyMap<string, string>,
  entries: readonly string[],
  bundledPackages: readonly string[] = BUNDLED_PACKAGES,
): Declarations {
  const files = new Map<string, string>();
  const pruned = new Map<string, string[]>();
  const queue = entries.map((e) => e.replace(/\.ts$/, ".d.ts"));
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (files.has(file)) continue;
    const original = emitted.get(file);
    if (original === undefined) fail(`tsc emitted no ${file}`);
    const { text, removed } = pruneBundledPackages(
      file,
      original,
      bundledPackages,
    );
    if (removed.length > 0) pruned.set(file, removed);
    files.set(file, text);
    const source = ts.createSourceFile(
      file,
      text,
      ts.ScriptTarget.Latest,
      true,
    );
    for (const spec of specifiersOf(source)) {
      if (spec.text.startsWith(".")) {
        if (!SPECIFIER_TS.test(spec.text)) {
          fail(`${file} imports "${spec.text}": expected a relative .ts path`);
        }
        queue.push(
          path.join(
            path.dirname(file),
            spec.text.replace(/\.(ts|mts|cts|tsx)$/, ".d.ts"),
          ),
        );
      } else {
        fail(
          `the published declaration ${file} imports "${spec.text}", which the package does not ship or depend on`,
        );
      }
    }
    if (/^\/\/\/\s*<reference\s/m.test(text)) {
      fail(
        `${file} has a triple-slash reference: published types must not need ambient types`,
      );
    }
  }
  return { files, pruned };
}
