/**
 * The generated edge build of an entry that is useless without a file
 * system (`./fs`): every export of the real entry becomes a function that
 * throws an error saying what to use instead. Importing it stays harmless,
 * so code shared between Node and a worker still bundles.
 *
 * @module
 */

import type { Bundle } from "./bundle_plan.ts";
import { fail } from "./build_error.ts";

/**
 * What each stand-in throws, by the key of its entry: why, and what to use
 * instead. The directory store needs a real file system (workerd's
 * `node:fs`, where there is one, is a scratch space that does not outlive a
 * request).
 */
export const STAND_IN_MESSAGES: Readonly<Record<string, string>> = {
  "./fs":
    "audit-log-export/fs needs a file system that outlives a request (node:fs on Node, Deno or Bun), which this runtime does not have. On Cloudflare Workers pass an R2 bucket binding as the archive's store (store: env.BUCKET); anywhere else any object with get(key) and put(key, body) will do.",
};

/**
 * The source of the stand-in for `entryFile` (the entry `key`), given the
 * real entry's module namespace. Only functions can stand in that way, so
 * any other kind of export stops the build, as do an entry that exports
 * nothing and an entry without a message.
 */
export function standInSource(
  key: string,
  entryFile: string,
  real: Record<string, unknown>,
): string {
  const message = STAND_IN_MESSAGES[key];
  if (message === undefined) {
    fail(
      `the edge build of ${key} throws from every export, but STAND_IN_MESSAGES has no message for it`,
    );
  }
  const names = Object.keys(real).sort();
  if (names.length === 0) fail(`${entryFile} exports nothing`);
  const lines = [`const message = ${JSON.stringify(message)};`];
  for (const name of names) {
    if (typeof real[name] !== "function") {
      fail(
        `${entryFile} exports ${name}, a ${typeof real[
          name
        ]}: the edge build of ${key} can only stand in for functions (one that throws where there is no file system). Export a function, or give ${key} a hand-written edge build.`,
      );
    }
    lines.push(
      `export function ${name}() {\n  throw new Error(message);\n}`,
    );
  }
  return lines.join("\n") + "\n";
}

/**
 * The stand-in must offer every name the real entry does (each list as
 * esbuild's metafile gives an output's exports), so an import that works on
 * Node bundles everywhere.
 */
export function checkSameExports(
  real: readonly string[],
  edge: readonly string[],
  b: Pick<Bundle, "out" | "entry">,
): void {
  const names = (list: readonly string[]) => [...list].sort().join(", ");
  if (names(real) !== names(edge)) {
    fail(
      `${b.out} exports ${names(edge)} but ${b.entry} exports ${
        names(real)
      }: they must match`,
    );
  }
}
