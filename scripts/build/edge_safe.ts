/**
 * The check that a build meant for runtimes without Node (the client, the
 * edge builds) needs nothing of Node: no Node built-in in its graph or its
 * text, no Node-only global, and in an ES module no CommonJS.
 *
 * @module
 */

import type { Metafile } from "esbuild";
import { builtinModules } from "node:module";
import type { Bundle } from "./bundle_plan.ts";
import { fail } from "./build_error.ts";

const NODE_BUILTINS = new Set(
  builtinModules.flatMap((m) => [m, `node:${m}`]),
);

/** Whether a module specifier names a Node built-in (`node:fs`, `fs`, `fs/promises`). */
export function isNodeBuiltin(spec: string): boolean {
  return spec.startsWith("node:") || NODE_BUILTINS.has(spec) ||
    NODE_BUILTINS.has(spec.split("/")[0]);
}

/** Node-only globals; probing `globalThis.process` (`g.process?.env`) is allowed. */
const NODE_GLOBALS =
  /(?<![\w$.'"`])(Buffer|process|__dirname|__filename|setImmediate|clearImmediate)\b/g;
/** CommonJS in an ES module bundle (esbuild's `__require` shim, a stray `require`). */
const CJS_IN_ESM =
  /(?<![\w$.'"`])(require(?=\s*\()|__require|module\.exports)/g;

/**
 * What ties a bundle to Node, one line each (empty when nothing does):
 * Node built-ins among the metafile's inputs, any import left in its output,
 * built-in specifiers that reached the code as text, and Node globals (with
 * their line in `b.out`).
 */
export function edgeSafetyProblems(
  b: Pick<Bundle, "out" | "format">,
  meta: Metafile,
  code: string,
): string[] {
  const problems: string[] = [];
  for (const input of Object.keys(meta.inputs)) {
    if (isNodeBuiltin(input)) problems.push(`input ${input}`);
  }
  for (const output of Object.values(meta.outputs)) {
    for (const imp of output.imports) {
      problems.push(
        `${imp.external ? "external " : ""}import "${imp.path}" (${imp.kind})`,
      );
    }
  }
  // Bare specifiers that reached the output as text (require("fs"), import("http")).
  for (
    const m of code.matchAll(
      /\b(?:require|import)\s*\(\s*["'`]([^"'`]+)["'`]\s*\)|\bfrom\s*["']([^"']+)["']/g,
    )
  ) {
    const spec = m[1] ?? m[2];
    if (isNodeBuiltin(spec)) problems.push(`module "${spec}"`);
  }
  // esbuild's `// src/file.ts` markers are comments, not code.
  const scanned = code.replace(/^\s*\/\/.*$/gm, "");
  const globals = b.format === "esm"
    ? [...scanned.matchAll(NODE_GLOBALS), ...scanned.matchAll(CJS_IN_ESM)]
    : [...scanned.matchAll(NODE_GLOBALS)];
  for (const m of globals) {
    const line = scanned.slice(0, m.index).split("\n").length;
    problems.push(`global ${m[1]} at ${b.out}:${line}`);
  }
  return [...new Set(problems)];
}

/** Fails when {@link edgeSafetyProblems} finds anything in `b`. */
export function checkEdgeSafe(
  b: Pick<Bundle, "out" | "entry" | "format">,
  meta: Metafile,
  code: string,
): void {
  const problems = edgeSafetyProblems(b, meta, code);
  if (problems.length > 0) {
    fail(
      `${b.out} (a build of ${b.entry} for runtimes without Node) must not need Node, but its graph has:\n  ${
        problems.join("\n  ")
      }`,
    );
  }
}
