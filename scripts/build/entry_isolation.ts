/**
 * Code shared by the entries is duplicated in each bundle. That is safe only
 * while the entries other than the client export no class a user compares
 * with `instanceof` against the client's: this check keeps those classes out
 * of their graphs.
 *
 * @module
 */

import type { Metafile } from "esbuild";
import type { Bundle } from "./bundle_plan.ts";
import { fail } from "./build_error.ts";

/** Sources whose classes users compare with `instanceof` across entries. */
export const SHARED_CLASS_SOURCES = ["src/errors.ts"];

/** Fails when the graph of `b` (an isolated bundle) includes a {@link SHARED_CLASS_SOURCES} file. */
export function checkEntryIsolation(
  meta: Metafile,
  b: Pick<Bundle, "out" | "entry">,
  shared: readonly string[] = SHARED_CLASS_SOURCES,
): void {
  const copies = Object.keys(meta.inputs).filter((i) => shared.includes(i));
  if (copies.length > 0) {
    fail(
      `${b.out} bundles its own copy of ${
        copies.join(", ")
      }: an error thrown through ${b.entry} would fail \`instanceof\` against the client entry's classes. Keep that entry's graph free of them (or build with code splitting).`,
    );
  }
}
