/**
 * The files of the built package and what each loads, read from esbuild's
 * metafiles: with shared chunks, what an entry needs is its file plus every
 * file it loads, and the checks look at all of them.
 *
 * @module
 */

import type { Metafile } from "esbuild";
import path from "node:path";

/** How one output loads another module (`"import-statement"`, `"dynamic-import"`, `"require-call"`, …). */
export type LoadKind = Metafile["outputs"][string]["imports"][number]["kind"];

/** One file of the package as esbuild wrote it. */
export interface OutputFile {
  /** Path relative to npm/ (`esm/chunks/chunk-ABC.js`). */
  out: string;
  format: "esm" | "cjs";
  /** The sources in it, as esbuild names them (relative to the repository). */
  inputs: string[];
  /** The names it exports. */
  exports: string[];
  /** Other files of the package it loads, by path relative to npm/. */
  loads: { out: string; kind: LoadKind }[];
  /** What it imports from outside the package (left external). */
  external: { path: string; kind: LoadKind }[];
}

/** Every file of the package by its path relative to npm/. */
export type OutputGraph = Map<string, OutputFile>;

/**
 * Adds the outputs of one esbuild build to `graph`. Paths in the metafile
 * are relative to `root` (esbuild's working directory); `outDir` is npm/.
 * An import of another output is a load, whether esbuild bundled it as a
 * chunk or left it external as a relative path (the CommonJS twins).
 */
export function addOutputs(
  graph: OutputGraph,
  meta: Metafile,
  { root, outDir, format }: {
    root: string;
    outDir: string;
    format: "esm" | "cjs";
  },
): void {
  const inPackage = (file: string) =>
    path.relative(outDir, file).split(path.sep).join("/");
  for (const [key, output] of Object.entries(meta.outputs)) {
    const file = path.resolve(root, key);
    const out = inPackage(file);
    const loads: OutputFile["loads"] = [];
    const external: OutputFile["external"] = [];
    for (const imp of output.imports) {
      if (!imp.external) {
        loads.push({
          out: inPackage(path.resolve(root, imp.path)),
          kind: imp.kind,
        });
      } else if (imp.path.startsWith(".")) {
        loads.push({
          out: inPackage(path.resolve(path.dirname(file), imp.path)),
          kind: imp.kind,
        });
      } else {
        external.push({ path: imp.path, kind: imp.kind });
      }
    }
    graph.set(out, {
      out,
      format,
      inputs: Object.keys(output.inputs),
      exports: output.exports,
      loads,
      external,
    });
  }
}

/**
 * `out` and every file it loads, directly or not, statically or lazily,
 * each once, `out` first. Fails on a load of a file the graph does not have.
 */
export function reachable(graph: OutputGraph, out: string): OutputFile[] {
  const seen = new Map<string, OutputFile>();
  const visit = (file: string, from?: string) => {
    if (seen.has(file)) return;
    const node = graph.get(file);
    if (!node) {
      throw new Error(
        from ? `${from} loads ${file}, which was not built` : `no ${file}`,
      );
    }
    seen.set(file, node);
    for (const load of node.loads) visit(load.out, file);
  };
  visit(out);
  return [...seen.values()];
}

/**
 * A cycle of static loads among `files`, as the list of files around it,
 * or `undefined`. CommonJS cannot load a cycle whole (one side sees the
 * other's exports half made); esbuild's chunks never form one, and the
 * build checks that it stays so.
 */
export function staticCycle(
  graph: OutputGraph,
  files: readonly OutputFile[],
): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (out: string): string[] | undefined => {
    if (state.get(out) === "done") return undefined;
    if (state.get(out) === "open") {
      return [...stack.slice(stack.indexOf(out)), out];
    }
    state.set(out, "open");
    stack.push(out);
    for (const load of graph.get(out)?.loads ?? []) {
      if (load.kind === "dynamic-import") continue;
      const cycle = visit(load.out);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(out, "done");
    return undefined;
  };
  for (const f of files) {
    const cycle = visit(f.out);
    if (cycle) return cycle;
  }
  return undefined;
}
