/**
 * The check that a build meant for runtimes without Node (the client, the
 * edge builds) needs nothing of Node, in its own file and in every file it
 * loads: no Node built-in in their graph or their text, no Node-only
 * global, and in an ES module no CommonJS.
 *
 * @module
 */

import * as esbuild from "esbuild";
import { builtinModules } from "node:module";
import type { Bundle } from "./bundle_plan.ts";
import { fail } from "./build_error.ts";
import type { OutputFile } from "./output_graph.ts";

const NODE_BUILTINS = new Set(
  builtinModules.flatMap((m) => [m, `node:${m}`]),
);

/** Whether a module specifier names a Node built-in (`node:fs`, `fs`, `fs/promises`). */
export function isNodeBuiltin(spec: string): boolean {
  return spec.startsWith("node:") || NODE_BUILTINS.has(spec) ||
    NODE_BUILTINS.has(spec.split("/")[0]);
}

/** Node-only globals; probing `globalThis.process` (`g.process?.env`) is allowed. */
export const NODE_GLOBALS = [
  "Buffer",
  "process",
  "global",
  "__dirname",
  "__filename",
  "setImmediate",
  "clearImmediate",
] as const;

/** The globals of CommonJS, an error in an ES module. */
export const COMMONJS_GLOBALS = ["require", "module", "exports"] as const;

/** esbuild's shim for a `require` left in an ES module: there only when one is. */
const REQUIRE_SHIM = /\b__require\b/;

/** One built file as the check reads it. */
export type CheckedFile =
  & Pick<OutputFile, "out" | "format" | "inputs" | "external">
  & { code: string };

const marker = (name: string) => `__node_only_global_${name}__`;
const MARKERS = /__node_only_global_(\w+?)__/g;

/**
 * The Node-only globals `code` uses, each with the line that uses it. Only
 * free references count: a parameter or a local called `process`, a
 * property `.process`, or the word in a string is not the global. esbuild
 * tells them apart: its `define` replaces exactly the free references.
 */
export async function nodeGlobalsIn(
  code: string,
  format: "esm" | "cjs",
): Promise<{ name: string; line: string }[]> {
  const names = format === "esm"
    ? [...NODE_GLOBALS, ...COMMONJS_GLOBALS]
    : [...NODE_GLOBALS];
  const { code: marked } = await esbuild.transform(code, {
    loader: "js",
    define: Object.fromEntries(names.map((n) => [n, marker(n)])),
    logLevel: "silent",
  });
  const found: { name: string; line: string }[] = [];
  for (const text of marked.split("\n")) {
    for (const m of text.matchAll(MARKERS)) {
      const line = text.replace(MARKERS, "$1").trim();
      found.push({
        name: m[1],
        line: line.length > 100 ? `${line.slice(0, 97)}...` : line,
      });
    }
  }
  if (format === "esm" && REQUIRE_SHIM.test(code)) {
    found.push({ name: "__require", line: "esbuild's require shim" });
  }
  return found;
}

/**
 * What ties these files to Node, one line each (empty when nothing does):
 * Node built-ins among their sources, any import left external (in a file
 * that loads only files of the package, that can only be a Node module),
 * built-in specifiers that reached the code as text, and Node globals.
 */
export async function edgeSafetyProblems(
  files: readonly CheckedFile[],
): Promise<string[]> {
  const problems: string[] = [];
  for (const f of files) {
    for (const input of f.inputs) {
      if (isNodeBuiltin(input)) problems.push(`${f.out}: input ${input}`);
    }
    for (const imp of f.external) {
      problems.push(`${f.out}: external import "${imp.path}" (${imp.kind})`);
    }
    // Bare specifiers that reached the output as text (require("fs"), import("http")).
    for (
      const m of f.code.matchAll(
        /\b(?:require|import)\s*\(\s*["'`]([^"'`]+)["'`]\s*\)|\bfrom\s*["']([^"']+)["']/g,
      )
    ) {
      const spec = m[1] ?? m[2];
      if (isNodeBuiltin(spec)) problems.push(`${f.out}: module "${spec}"`);
    }
    for (const { name, line } of await nodeGlobalsIn(f.code, f.format)) {
      problems.push(`${f.out}: global ${name} in: ${line}`);
    }
  }
  return [...new Set(problems)];
}

/** Fails when {@link edgeSafetyProblems} finds anything in the files of `b`. */
export async function checkEdgeSafe(
  b: Pick<Bundle, "out" | "entry">,
  files: readonly CheckedFile[],
): Promise<void> {
  const problems = await edgeSafetyProblems(files);
  if (problems.length > 0) {
    fail(
      `${b.out} (a build of ${b.entry} for runtimes without Node) must not need Node, but it or a file it loads has:\n  ${
        problems.join("\n  ")
      }`,
    );
  }
}
