/**
 * Builds the npm package in `npm/` from the Deno sources, doing what dnt
 * would (dnt is not reachable here): esbuild bundles, TypeScript 5.9
 * declarations, a generated `package.json`.
 *
 * ```sh
 * deno run -A scripts/build_npm.ts
 * ```
 *
 * Layout of `npm/`:
 *
 * - `esm/mod.js`, `esm/testing.js`, `esm/fs.js`: ES module bundles
 *   (valibot inlined);
 * - `cjs/mod.cjs`, `cjs/testing.cjs`, `cjs/fs.cjs`: CommonJS bundles of the
 *   same;
 * - `esm/testing.edge.js`: `./testing` under the `workerd`, `edge-light` and
 *   `browser` conditions, where `serveEmulator`'s lazy `import("node:http")`
 *   is replaced by a module that throws a clear error (bundlers for those
 *   platforms refuse `node:*` without Node compatibility);
 * - `esm/fs.edge.js`: `./fs` under the same conditions. The directory store
 *   needs a real file system (workerd's `node:fs`, where there is one, is a
 *   scratch space that does not outlive a request), so there every export
 *   is a function that throws an error pointing at the store to use instead.
 *   Importing it is harmless, so code shared between Node and a worker still
 *   bundles;
 * - `esm/cli.js` + `bin/audit-log-export.js`: the CLI for Node;
 * - `types/**.d.ts` (ESM) and `types/**.d.cts` (CJS) declarations, only the
 *   files reachable from the entry points;
 * - `testing/package.json`, `fs/package.json`: redirects so
 *   `audit-log-export/testing` and `audit-log-export/fs` resolve under
 *   `moduleResolution: node10`, which ignores `exports`.
 *
 * Code shared by the entries is duplicated in each bundle. That is safe only
 * because the testing and fs entries export no class a user compares with
 * `instanceof` against the client's: the build checks that `src/errors.ts`
 * stays out of their graphs.
 *
 * The build fails when deno.json and `src/version.ts` disagree on the
 * version, when a build meant for runtimes without Node (the client, the edge
 * emulator, the edge stand-in of `./fs`) reaches a Node built-in or a Node
 * global, when the testing or fs entry carries its own copy of the error
 * classes, when the edge stand-in of `./fs` and the real one export different
 * names, when TypeScript 5.9 reports an error, or when the published
 * declarations reach a package that is not shipped.
 *
 * @module
 */

import * as esbuild from "esbuild";
import ts from "typescript";
import { builtinModules } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The npm name; the JSR name comes from deno.json. */
export const NPM_NAME = "audit-log-export";
const BIN_NAME = "audit-log-export";
const DESCRIPTION =
  "Client for the WorkOS Audit Logs export API: create an export, wait for it, download the CSV and stream its rows. With a local emulator of the API. Runs on Node, Deno, Bun, Cloudflare Workers and edge runtimes.";
const KEYWORDS = [
  "workos",
  "audit-logs",
  "audit-log",
  "export",
  "csv",
  "emulator",
  "deno",
  "cloudflare-workers",
  "edge",
];
// No git remote is configured in this checkout: confirm before publishing.
const REPOSITORY = "https://github.com/audit-log/export";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT = path.join(ROOT, "npm");

/** Module specifiers of the bundled code that are not shipped as packages. */
const BUNDLED_PACKAGES = ["valibot"];

/** The deno.json exports the package is built from. */
const ENTRY_KEYS = [".", "./testing", "./fs", "./cli"] as const;

class BuildError extends Error {}

function fail(message: string): never {
  throw new BuildError(message);
}

const rel = (p: string) => path.relative(ROOT, p) || ".";

// --- deno.json -------------------------------------------------------------

interface DenoJson {
  name: string;
  version: string;
  license?: string;
  exports: Record<string, string>;
}

async function readDenoJson(): Promise<DenoJson> {
  const json = JSON.parse(
    await Deno.readTextFile(path.join(ROOT, "deno.json")),
  ) as Partial<DenoJson>;
  if (typeof json.name !== "string") fail("deno.json has no name");
  if (
    typeof json.version !== "string" || !/^\d+\.\d+\.\d+/.test(json.version)
  ) {
    fail("deno.json has no semver version");
  }
  const exports = json.exports;
  if (typeof exports !== "object" || exports === null) {
    fail("deno.json exports must be an object of subpaths");
  }
  for (const key of ENTRY_KEYS) {
    if (typeof exports[key] !== "string") {
      fail(`deno.json exports has no "${key}"`);
    }
  }
  return json as DenoJson;
}

async function checkVersion(version: string): Promise<void> {
  const mod = await import("../src/version.ts") as { VERSION?: unknown };
  if (mod.VERSION !== version) {
    fail(
      `src/version.ts exports VERSION ${
        JSON.stringify(mod.VERSION)
      } but deno.json's version is "${version}": make them equal`,
    );
  }
}

// --- bundles ---------------------------------------------------------------

const NODE_BUILTINS = new Set(
  builtinModules.flatMap((m) => [m, `node:${m}`]),
);
const isNodeBuiltin = (spec: string) =>
  spec.startsWith("node:") || NODE_BUILTINS.has(spec) ||
  NODE_BUILTINS.has(spec.split("/")[0]);

/** Node-only globals; probing `globalThis.process` (`g.process?.env`) is allowed. */
const NODE_GLOBALS =
  /(?<![\w$.'"`])(Buffer|process|__dirname|__filename|setImmediate|clearImmediate)\b/g;
/** CommonJS in an ES module bundle (esbuild's `__require` shim, a stray `require`). */
const CJS_IN_ESM =
  /(?<![\w$.'"`])(require(?=\s*\()|__require|module\.exports)/g;

interface Bundle {
  /** Output file, relative to npm/. */
  out: string;
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
}

/**
 * The edge build of `./testing`: `serveEmulator`'s lazy `import("node:http")`
 * becomes a module that throws a clear error when loaded, so bundlers for
 * workerd or edge runtimes (which refuse `node:*` without Node compatibility)
 * can bundle `createEmulator`.
 */
const stubNodeModules: esbuild.Plugin = {
  name: "stub-node-modules",
  setup(build) {
    build.onResolve(
      { filter: /^node:/ },
      (args) => ({ path: args.path, namespace: "node-stub" }),
    );
    build.onLoad({ filter: /.*/, namespace: "node-stub" }, (args) => ({
      loader: "js",
      contents: `throw new Error(${
        JSON.stringify(
          `${args.path} is not available in this runtime: serveEmulator needs a Node-compatible HTTP server (Node, Deno, Bun). Here, pass (request) => emulator.fetch(request) as the client's fetch instead.`,
        )
      });\nexport {};\n`,
    }));
  },
};

async function bundle(b: Bundle): Promise<esbuild.Metafile> {
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    ...(b.contents === undefined
      ? { entryPoints: [path.join(ROOT, b.entry)] }
      : {
        stdin: {
          contents: b.contents,
          resolveDir: ROOT,
          sourcefile: `${b.entry} (edge stand-in)`,
          loader: "js" as const,
        },
      }),
    outfile: path.join(OUT, b.out),
    bundle: true,
    format: b.format,
    platform: b.platform,
    target: b.platform === "node" ? ["es2022", "node18"] : "es2022",
    // valibot ships ESM under "module"/"import"; CJS output still bundles it.
    mainFields: ["module", "main"],
    // The emulator's server imports node:http lazily; it stays a runtime import.
    // In the edge builds an external Node module fails checkEdgeSafe below,
    // with a clearer message than esbuild's "Could not resolve".
    external: ["node:*", ...builtinModules],
    plugins: b.stubNode ? [stubNodeModules] : [],
    charset: "utf8",
    legalComments: "inline",
    metafile: true,
    logLevel: "silent",
    write: true,
  });
  for (const w of result.warnings) {
    console.warn(`esbuild warning in ${b.out}: ${w.text}`);
  }
  return result.metafile;
}

function checkEdgeSafe(b: Bundle, meta: esbuild.Metafile, code: string): void {
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
  if (problems.length > 0) {
    fail(
      `${b.out} (a build of ${b.entry} for runtimes without Node) must not need Node, but its graph has:\n  ${
        [...new Set(problems)].join("\n  ")
      }`,
    );
  }
}

/** Sources whose classes users compare with `instanceof` across entries. */
const SHARED_CLASS_SOURCES = ["src/errors.ts"];

function checkEntryIsolation(meta: esbuild.Metafile, b: Bundle): void {
  const copies = Object.keys(meta.inputs).filter((i) =>
    SHARED_CLASS_SOURCES.includes(i)
  );
  if (copies.length > 0) {
    fail(
      `${b.out} bundles its own copy of ${
        copies.join(", ")
      }: an error thrown through ${b.entry} would fail \`instanceof\` against the client entry's classes. Keep that entry's graph free of them (or build with code splitting).`,
    );
  }
}

/** What the edge stand-in of `./fs` throws: why, and what to use there instead. */
const FS_EDGE_MESSAGE =
  "audit-log-export/fs needs a file system that outlives a request (node:fs on Node, Deno or Bun), which this runtime does not have. On Cloudflare Workers pass an R2 bucket binding as the archive's store (store: env.BUCKET); anywhere else any object with get(key) and put(key, body) will do.";

/**
 * The edge build of `./fs`: each export of the real entry becomes a function
 * that throws {@link FS_EDGE_MESSAGE} when called. Only functions can stand
 * in that way, so any other kind of export stops the build.
 */
async function fsEdgeSource(fsEntry: string): Promise<string> {
  const real = await import(
    pathToFileURL(path.join(ROOT, fsEntry)).href
  ) as Record<string, unknown>;
  const names = Object.keys(real).sort();
  if (names.length === 0) fail(`${fsEntry} exports nothing`);
  const lines = [`const message = ${JSON.stringify(FS_EDGE_MESSAGE)};`];
  for (const name of names) {
    if (typeof real[name] !== "function") {
      fail(
        `${fsEntry} exports ${name}, a ${typeof real[
          name
        ]}: the edge build of ./fs can only stand in for functions (one that throws where there is no file system). Export a function, or give ./fs a hand-written edge build.`,
      );
    }
    lines.push(
      `export function ${name}() {\n  throw new Error(message);\n}`,
    );
  }
  return lines.join("\n") + "\n";
}

/** The stand-in must offer every name the real entry does, so an import that works on Node bundles everywhere. */
function checkSameExports(
  real: esbuild.Metafile,
  edge: esbuild.Metafile,
  b: Bundle,
): void {
  const names = (m: esbuild.Metafile) =>
    Object.values(m.outputs).flatMap((o) => o.exports).sort().join(", ");
  if (names(real) !== names(edge)) {
    fail(
      `${b.out} exports ${names(edge)} but ${b.entry} exports ${
        names(real)
      }: they must match`,
    );
  }
}

// --- declarations ----------------------------------------------------------

const SPECIFIER_TS = /^\.\.?\/.*\.(ts|mts|cts|tsx)$/;

function compileDeclarations(entries: string[]): Map<string, string> {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts", "lib.dom.iterable.d.ts"],
    types: ["node"],
    typeRoots: [path.join(ROOT, "node_modules/@types")],
    strict: true,
    skipLibCheck: true,
    declaration: true,
    emitDeclarationOnly: true,
    allowImportingTsExtensions: true,
    rewriteRelativeImportExtensions: true,
    rootDir: ROOT,
    outDir: path.join(OUT, "types"),
    newLine: ts.NewLineKind.LineFeed,
  };
  const program = ts.createProgram(
    entries.map((e) => path.join(ROOT, e)),
    options,
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
          getCurrentDirectory: () => ROOT,
          getNewLine: () => "\n",
        })
      }`,
    );
  }
  return files;
}

interface Specifier {
  start: number;
  end: number;
  text: string;
}

/** Every module specifier of a declaration file, with its position (quotes excluded). */
function specifiersOf(source: ts.SourceFile): Specifier[] {
  const found: Specifier[] = [];
  const add = (node: ts.Node | undefined) => {
    if (node && ts.isStringLiteral(node)) {
      found.push({
        start: node.getStart(source) + 1,
        end: node.getEnd() - 1,
        text: node.text,
      });
    }
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      add(node.moduleSpecifier);
    } else if (
      ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)
    ) {
      add(node.argument.literal);
    } else if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) {
      add(node.name);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function splice(
  text: string,
  edits: { start: number; end: number; text: string }[],
): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) {
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
  }
  return out;
}

/**
 * Removes what refers to a bundled package from a declaration file: its
 * imports, then every top-level statement that mentions an imported name or
 * a name already removed. Internal helpers typed with valibot go; public
 * interfaces stay. Whatever a published file still needs is checked later
 * by compiling a consumer against the package.
 */
function pruneBundledPackages(
  file: string,
  text: string,
): { text: string; removed: string[] } {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const gone = new Set<string>();
  const dropped = new Set<ts.Statement>();
  for (const st of source.statements) {
    if (
      ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier) &&
      BUNDLED_PACKAGES.some((p) =>
        (st.moduleSpecifier as ts.StringLiteral).text === p ||
        (st.moduleSpecifier as ts.StringLiteral).text.startsWith(`${p}/`)
      )
    ) {
      dropped.add(st);
      const clause = st.importClause;
      if (clause?.name) gone.add(clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) {
        gone.add(bindings.name.text);
      } else if (bindings) {
        for (const el of bindings.elements) gone.add(el.name.text);
      }
    }
  }
  if (dropped.size === 0) return { text, removed: [] };
  const mentions = (node: ts.Node): boolean => {
    if (ts.isIdentifier(node) && gone.has(node.text)) return true;
    return ts.forEachChild(node, mentions) ?? false;
  };
  const declared = (st: ts.Statement): string[] => {
    if (ts.isVariableStatement(st)) {
      return st.declarationList.declarations.flatMap((d) =>
        ts.isIdentifier(d.name) ? [d.name.text] : []
      );
    }
    const name = (st as { name?: ts.Node }).name;
    return name && ts.isIdentifier(name) ? [name.text] : [];
  };
  const removed: string[] = [];
  for (let changed = true; changed;) {
    changed = false;
    for (const st of source.statements) {
      if (dropped.has(st) || !mentions(st)) continue;
      dropped.add(st);
      for (const name of declared(st)) {
        gone.add(name);
        removed.push(name);
      }
      changed = true;
    }
  }
  const edits = [...dropped].map((st) => ({
    // Imports keep their leading comments (the file's @module doc sits there);
    // removed declarations take their own JSDoc with them.
    start: ts.isImportDeclaration(st) ? st.getStart(source) : st.getFullStart(),
    end: st.getEnd(),
    text: "",
  }));
  return { text: splice(text, edits), removed };
}

interface Declarations {
  /** Path relative to npm/types → text, `.d.ts` flavour, specifiers still `.ts`. */
  files: Map<string, string>;
  /** Names removed by pruning, by file. */
  pruned: Map<string, string[]>;
}

function publicDeclarations(entries: string[]): Declarations {
  const emitted = compileDeclarations(entries);
  const typesDir = path.join(OUT, "types");
  const byRel = new Map<string, string>();
  for (const [file, text] of emitted) {
    byRel.set(path.relative(typesDir, file), text);
  }
  const files = new Map<string, string>();
  const pruned = new Map<string, string[]>();
  const queue = entries.map((e) => e.replace(/\.ts$/, ".d.ts"));
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (files.has(file)) continue;
    const original = byRel.get(file);
    if (original === undefined) fail(`tsc emitted no ${file}`);
    const { text, removed } = pruneBundledPackages(file, original);
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

/** The `.d.ts` (ESM, `./x.js`) or `.d.cts` (CJS, `./x.cjs`) flavour of a declaration. */
/** Doc examples import the JSR name; npm users import the npm name. */
function npmNameInDocs(text: string, jsrName: string): string {
  const quoted = new RegExp(
    `(["'])${jsrName.replace(/[/.]/g, "\\$&")}(/[\\w-]+)?\\1`,
    "g",
  );
  return text.replace(quoted, `$1${NPM_NAME}$2$1`);
}

function flavour(file: string, text: string, ext: ".js" | ".cjs"): string {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const edits = specifiersOf(source)
    .filter((s) => s.text.startsWith("."))
    .map((s) => ({
      start: s.start,
      end: s.end,
      text: s.text.replace(/\.(ts|mts|cts|tsx)$/, ext),
    }));
  return splice(text, edits);
}

// --- package.json ----------------------------------------------------------

function entryExports(name: string, edge?: string) {
  // Runtimes without Node's modules get the edge build (see stubNodeModules).
  const edgeConditions = edge
    ? Object.fromEntries(
      ["workerd", "edge-light", "browser"].map((c) => [c, {
        types: `./types/${name}.d.ts`,
        default: `./esm/${edge}.js`,
      }]),
    )
    : {};
  return {
    ...edgeConditions,
    import: {
      types: `./types/${name}.d.ts`,
      default: `./esm/${name}.js`,
    },
    require: {
      types: `./types/${name}.d.cts`,
      default: `./cjs/${name}.cjs`,
    },
    default: `./esm/${name}.js`,
  };
}

function packageJson(deno: DenoJson): Record<string, unknown> {
  return {
    name: NPM_NAME,
    version: deno.version,
    description: DESCRIPTION,
    keywords: KEYWORDS,
    homepage: `https://jsr.io/${deno.name}`,
    repository: { type: "git", url: `git+${REPOSITORY}.git` },
    bugs: { url: `${REPOSITORY}/issues` },
    license: deno.license ?? "MIT",
    type: "module",
    sideEffects: false,
    engines: { node: ">=18" },
    exports: {
      ".": entryExports("mod"),
      "./testing": entryExports("testing", "testing.edge"),
      "./fs": entryExports("fs", "fs.edge"),
      "./package.json": "./package.json",
    },
    main: "./cjs/mod.cjs",
    module: "./esm/mod.js",
    types: "./types/mod.d.cts",
    bin: { [BIN_NAME]: `./bin/${BIN_NAME}.js` },
    files: ["esm/", "cjs/", "types/", "bin/", "testing/", "fs/"],
  };
}

const BIN_SOURCE = `#!/usr/bin/env node
import { main } from "../esm/cli.js";

process.exitCode = await main(process.argv.slice(2));
`;

// --- main ------------------------------------------------------------------

async function writeFile(relPath: string, text: string): Promise<void> {
  const file = path.join(OUT, relPath);
  await Deno.mkdir(path.dirname(file), { recursive: true });
  await Deno.writeTextFile(file, text);
}

async function exists(file: string): Promise<boolean> {
  try {
    await Deno.stat(file);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

async function build(): Promise<void> {
  const started = performance.now();
  const deno = await readDenoJson();
  await checkVersion(deno.version);
  for (const doc of ["README.md", "LICENSE"]) {
    if (!await exists(path.join(ROOT, doc))) fail(`${doc} is missing`);
  }
  const entry = (key: string) => deno.exports[key].replace(/^\.\//, "");
  for (const key of ENTRY_KEYS) {
    if (!await exists(path.join(ROOT, entry(key)))) {
      fail(`${entry(key)} (deno.json export "${key}") does not exist`);
    }
  }

  await Deno.remove(OUT, { recursive: true }).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
  await Deno.mkdir(OUT, { recursive: true });

  const bundles: Bundle[] = [
    {
      out: "esm/mod.js",
      entry: entry("."),
      format: "esm",
      platform: "neutral",
      edgeSafe: true,
    },
    {
      out: "cjs/mod.cjs",
      entry: entry("."),
      format: "cjs",
      platform: "neutral",
      edgeSafe: true,
    },
    {
      out: "esm/testing.js",
      entry: entry("./testing"),
      format: "esm",
      platform: "neutral",
      edgeSafe: false,
    },
    {
      out: "cjs/testing.cjs",
      entry: entry("./testing"),
      format: "cjs",
      platform: "neutral",
      edgeSafe: false,
    },
    {
      out: "esm/testing.edge.js",
      entry: entry("./testing"),
      format: "esm",
      platform: "neutral",
      edgeSafe: true,
      stubNode: true,
    },
    {
      out: "esm/fs.js",
      entry: entry("./fs"),
      format: "esm",
      platform: "neutral",
      edgeSafe: false,
    },
    {
      out: "cjs/fs.cjs",
      entry: entry("./fs"),
      format: "cjs",
      platform: "neutral",
      edgeSafe: false,
    },
    {
      out: "esm/fs.edge.js",
      entry: entry("./fs"),
      contents: await fsEdgeSource(entry("./fs")),
      format: "esm",
      platform: "neutral",
      edgeSafe: true,
    },
    {
      out: "esm/cli.js",
      entry: entry("./cli"),
      format: "esm",
      platform: "node",
      edgeSafe: false,
    },
  ];
  try {
    const metas = await Promise.all(bundles.map(bundle)).catch((error) => {
      const errors = (error as { errors?: esbuild.Message[] }).errors;
      if (!errors) throw error;
      fail(
        `esbuild failed:\n${
          errors.map((m) =>
            `  ${
              m.location ? `${m.location.file}:${m.location.line}: ` : ""
            }${m.text}`
          ).join("\n")
        }`,
      );
    });
    const metaOf = (out: string) =>
      metas[bundles.findIndex((b) => b.out === out)];
    for (const [i, b] of bundles.entries()) {
      const code = await Deno.readTextFile(path.join(OUT, b.out));
      if (b.edgeSafe) checkEdgeSafe(b, metas[i], code);
      if (b.entry === entry("./testing") || b.entry === entry("./fs")) {
        checkEntryIsolation(metas[i], b);
      }
    }
    checkSameExports(
      metaOf("esm/fs.js"),
      metaOf("esm/fs.edge.js"),
      bundles.find((b) => b.out === "esm/fs.edge.js")!,
    );
    const cli = await Deno.readTextFile(path.join(OUT, "esm/cli.js"));
    if (!/export\s*\{[^}]*\bmain\b/.test(cli)) {
      fail(
        `${entry("./cli")} must export main(args): Promise<number> for the bin`,
      );
    }
  } finally {
    await esbuild.stop();
  }

  const { files, pruned } = publicDeclarations([
    entry("."),
    entry("./testing"),
    entry("./fs"),
  ]);
  for (const [file, declared] of files) {
    const text = npmNameInDocs(declared, deno.name);
    await writeFile(path.join("types", file), flavour(file, text, ".js"));
    await writeFile(
      path.join("types", file.replace(/\.d\.ts$/, ".d.cts")),
      flavour(file, text, ".cjs"),
    );
  }
  for (const [file, names] of pruned) {
    console.log(
      `  note: types/${file}: left out ${
        names.join(", ")
      } (typed with a bundled package, not public)`,
    );
  }

  await writeFile(`bin/${BIN_NAME}.js`, BIN_SOURCE);
  await Deno.chmod(path.join(OUT, `bin/${BIN_NAME}.js`), 0o755);
  for (const name of ["testing", "fs"]) {
    await writeFile(
      `${name}/package.json`,
      JSON.stringify(
        {
          private: true,
          main: `../cjs/${name}.cjs`,
          types: `../types/${name}.d.cts`,
        },
        null,
        2,
      ) + "\n",
    );
  }
  await writeFile(
    "package.json",
    JSON.stringify(packageJson(deno), null, 2) + "\n",
  );
  for (const doc of ["README.md", "LICENSE"]) {
    await Deno.copyFile(path.join(ROOT, doc), path.join(OUT, doc));
  }

  const sizes: string[] = [];
  for (const b of bundles) {
    const { size } = await Deno.stat(path.join(OUT, b.out));
    sizes.push(`${b.out} ${(size / 1000).toFixed(1)} kB`);
  }
  console.log(
    `built ${rel(OUT)}/ ${NPM_NAME}@${deno.version} in ${
      Math.round(performance.now() - started)
    } ms: ${sizes.join(", ")}; ${files.size * 2} declaration files`,
  );
}

if (import.meta.main) {
  try {
    await build();
  } catch (error) {
    if (!(error instanceof BuildError)) throw error;
    console.error(`build_npm: ${error.message}`);
    Deno.exit(1);
  }
}
