/**
 * The classes users compare with `instanceof` across entries (the error
 * classes) must exist once in each module format: an error thrown through
 * `./testing` or `./fs` must be an instance of the client's classes. With
 * shared chunks that holds by construction; this check keeps it so (an edge
 * copy, for one, would duplicate a module), and checks that the CommonJS
 * files are exact twins of the ES modules, so what holds for one format
 * holds for the other.
 *
 * @module
 */

import type { Bundle } from "./bundle_plan.ts";
import { fail } from "./build_error.ts";
import { EDGE_COPY } from "./esbuild_bundle.ts";
import type { OutputFile, OutputGraph } from "./output_graph.ts";

/** Sources whose classes users compare with `instanceof` across entries. */
export const SHARED_CLASS_SOURCES = ["src/errors.ts"];

/** The source an input of esbuild's metafile is a copy of (`edge-copy:src/a.ts` → `src/a.ts`). */
export function sourceOf(input: string): string {
  return input.startsWith(`${EDGE_COPY}:`)
    ? input.slice(EDGE_COPY.length + 1)
    : input;
}

/**
 * Fails when a {@link SHARED_CLASS_SOURCES} file is in more than one of
 * `files` (the files of one module format).
 */
export function checkSharedOnce(
  files: readonly Pick<OutputFile, "out" | "inputs">[],
  shared: readonly string[] = SHARED_CLASS_SOURCES,
): void {
  for (const source of shared) {
    const holders = files.filter((f) =>
      f.inputs.some((i) => sourceOf(i) === source)
    ).map((f) => f.out);
    if (holders.length > 1) {
      fail(
        `${source} is bundled into ${
          holders.join(" and ")
        }: its classes would exist twice, and an error from one copy would fail \`instanceof\` against the other's. Keep the module out of edge copies (nothing on its path may import a Node module).`,
      );
    }
  }
}

/** The CommonJS twin of an ES module file of the package. */
export function twinOf(esmOut: string): string {
  return esmOut.replace(/^esm\//, "cjs/").replace(/\.js$/, ".cjs");
}

/**
 * Fails unless the CommonJS entry `b` is the exact twin of its ES module
 * (`b.mirrors`): the same files, each loading the twins of what its ES
 * module loads and exporting the same names. esbuild's metafile lists no
 * exports of a CommonJS output, so `exportsOf` gives the names each file
 * really exports once loaded.
 */
export async function checkTwins(
  graph: OutputGraph,
  esmFiles: readonly OutputFile[],
  b: Pick<Bundle, "out" | "mirrors">,
  exportsOf: (out: string) => Promise<readonly string[]>,
): Promise<void> {
  const problems: string[] = [];
  const list = (items: readonly string[]) =>
    [...items].sort().join(", ") || "nothing";
  for (const esm of esmFiles) {
    const cjs = graph.get(twinOf(esm.out));
    if (!cjs) {
      problems.push(`${twinOf(esm.out)} (twin of ${esm.out}) was not built`);
      continue;
    }
    const esmLoads = list(esm.loads.map((l) => twinOf(l.out)));
    const cjsLoads = list(cjs.loads.map((l) => l.out));
    if (esmLoads !== cjsLoads) {
      problems.push(
        `${cjs.out} loads ${cjsLoads}; as the twin of ${esm.out} it should load ${esmLoads}`,
      );
    }
    const esmNames = list(await exportsOf(esm.out));
    const cjsNames = list(await exportsOf(cjs.out));
    if (esmNames !== cjsNames) {
      problems.push(
        `${cjs.out} exports ${cjsNames}, but ${esm.out} exports ${esmNames}`,
      );
    }
  }
  if (problems.length > 0) {
    fail(
      `${b.out} is not the CommonJS twin of ${b.mirrors}:\n  ${
        problems.join("\n  ")
      }`,
    );
  }
}
