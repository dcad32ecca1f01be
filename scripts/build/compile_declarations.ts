/**
 * Emitting declarations with TypeScript 5.9 (the last compiler with an API),
 * which also type-checks the sources as a Node user's compiler would.
 *
 * @module
 */

import ts from "typescript";
import path from "node:path";
import { fail } from "./build_error.ts";

/**
 * Globals of the Deno-first sources that a Node user's libraries lack:
 * `import.meta.main` (Deno, Bun and Node 24+), which the CLI entry reads to
 * run when started directly. Declared for the compile only; no published
 * declaration mentions it.
 */
export const SOURCE_GLOBALS = `interface ImportMeta {
  /** Whether this module is the program's entry point. */
  main: boolean;
}
`;

/**
 * Every runtime the package supports (Deno, Node 18+, Bun, workerd, the
 * edge runtime) reads a `ReadableStream` with `for await`, as Deno's own
 * check allows; TypeScript keeps that in `dom.asynciterable`.
 */
const LIBS = [
  "lib.es2022.d.ts",
  "lib.dom.d.ts",
  "lib.dom.iterable.d.ts",
  "lib.dom.asynciterable.d.ts",
];

/**
 * Compiles `entries` (relative to `root`) and returns the emitted
 * declaration files by absolute path under `outDir`. Fails with the
 * formatted diagnostics when TypeScript reports an error. `typeRoots` holds
 * `@types/node`: the emulator's server is typed with Node's modules.
 */
export function compileDeclarations(
  entries: readonly string[],
  { root, outDir, typeRoots = [path.join(root, "node_modules/@types")] }: {
    root: string;
    outDir: string;
    typeRoots?: string[];
  },
): Map<string, string> {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: LIBS,
    types: ["node"],
    typeRoots,
    strict: true,
    skipLibCheck: true,
    declaration: true,
    emitDeclarationOnly: true,
    allowImportingTsExtensions: true,
    rewriteRelativeImportExtensions: true,
    rootDir: root,
    outDir,
    newLine: ts.NewLineKind.LineFeed,
  };
  const globals = path.join(root, "__source_globals__.d.ts");
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (file, version, ...rest) =>
    path.resolve(file) === globals
      ? ts.createSourceFile(file, SOURCE_GLOBALS, version)
      : getSourceFile.call(host, file, version, ...rest);
  host.fileExists = (file) =>
    path.resolve(file) === globals || fileExists.call(host, file);
  host.readFile = (file) =>
    path.resolve(file) === globals ? SOURCE_GLOBALS : readFile.call(host, file);
  const program = ts.createProgram(
    [...entries.map((e) => path.join(root, e)), globals],
    options,
    host,
  );
  const diagnostics = ts.getPreEmitDiagnostics(program);
  const files = new Map<string, string>();
  const emit = program.emit(
    undefined,
    (file, text) => void files.set(path.resolve(file), text),
    undefined,
    true,
  );
  const all = [...diagnostics, ...emit.diagnostics].filter((d) =>
    d.category === ts.DiagnosticCategory.Error
  );
  if (all.length > 0) {
    fail(
      `TypeScript ${ts.version} reports errors in the sources:\n${
        ts.formatDiagnostics(all, {
          getCanonicalFileName: (f) => f,
          getCurrentDirectory: () => root,
          getNewLine: () => "\n",
        })
      }`,
    );
  }
  return files;
}
