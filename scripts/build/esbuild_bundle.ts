/**
 * Building the planned outputs with esbuild: the ES module build of all
 * entries with shared chunks, its CommonJS twins, and the builds that stand
 * alone.
 *
 * @module
 */

import * as esbuild from "esbuild";
import { readFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import path from "node:path";
import { type Bundle, CHUNK_DIR } from "./bundle_plan.ts";
import { fail } from "./build_error.ts";
import { isNodeBuiltin } from "./edge_safe.ts";

/** Where the build of an entry reads and writes: the repository and npm/. */
export interface Places {
  root: string;
  outDir: string;
}

/**
 * What every build shares. The emulator's server imports node:http lazily;
 * it stays a runtime import, as does every Node module of the CLI and the
 * directory store. In the builds for runtimes without Node such an import
 * fails the edge-safety check, with a clearer message than esbuild's "Could
 * not resolve".
 */
const COMMON = {
  bundle: true,
  platform: "neutral",
  target: "es2022",
  // valibot ships ESM under "module"/"import"; CJS output still bundles it.
  mainFields: ["module", "main"],
  external: ["node:*", ...builtinModules],
  charset: "utf8",
  legalComments: "inline",
  metafile: true,
  logLevel: "silent",
  write: true,
} satisfies esbuild.BuildOptions;

/** The message of the module that stands in for `spec` in an edge build. */
export function stubMessage(spec: string): string {
  return `${spec} is not available in this runtime: serveEmulator needs a Node-compatible HTTP server (Node, Deno, Bun). Here, pass emulator.fetch itself as the client's fetch instead (it takes the URL and init the client calls it with).`;
}

/**
 * Every `node:*` module becomes one that throws {@link stubMessage} when
 * loaded, so bundlers for workerd or edge runtimes (which refuse `node:*`
 * without Node compatibility) can bundle the rest.
 */
export const stubNodeModules: esbuild.Plugin = {
  name: "stub-node-modules",
  setup(build) {
    build.onResolve(
      { filter: /^node:/ },
      (args) => ({ path: args.path, namespace: "node-stub" }),
    );
    addStubLoader(build);
  },
};

function addStubLoader(build: esbuild.PluginBuild): void {
  build.onLoad({ filter: /.*/, namespace: "node-stub" }, (args) => ({
    loader: "js",
    contents: `throw new Error(${
      JSON.stringify(stubMessage(args.path))
    });\nexport {};\n`,
  }));
}

/** The namespace of the modules copied into an edge build (and the prefix of its entry). */
export const EDGE_COPY = "edge-copy";

/**
 * The sources of `entry`'s graph (relative to `root`, as esbuild names
 * them) from which a Node built-in can be reached: those importing one, and
 * everything importing those.
 */
export async function sourcesReachingNode(
  entry: string,
  root: string,
): Promise<Set<string>> {
  const result = await run(
    {
      ...COMMON,
      absWorkingDir: root,
      entryPoints: [path.join(root, entry)],
      format: "esm",
      write: false,
      outdir: root,
    },
    entry,
  );
  const importers = new Map<string, string[]>();
  const reaching = new Set<string>();
  const queue: string[] = [];
  for (const [input, { imports }] of Object.entries(result.metafile.inputs)) {
    for (const imp of imports) {
      if (imp.external) {
        if (isNodeBuiltin(imp.path)) queue.push(input);
        continue;
      }
      importers.set(imp.path, [...importers.get(imp.path) ?? [], input]);
    }
  }
  while (queue.length > 0) {
    const source = queue.pop()!;
    if (reaching.has(source)) continue;
    reaching.add(source);
    queue.push(...importers.get(source) ?? []);
  }
  return reaching;
}

/**
 * The edge copies of an ES module build with shared chunks. An entry
 * `edge-copy:<file>` is `<file>` loaded again under another namespace, so
 * esbuild treats it as a module of its own; so is each module it imports
 * from which a Node built-in can be reached (`reaching`), and each Node
 * built-in becomes a module that throws. Every other import resolves to
 * the ordinary module, which the chunks share with the other entries.
 */
export function edgeCopies(
  root: string,
  reaching: ReadonlySet<string>,
): esbuild.Plugin {
  return {
    name: "edge-copies",
    setup(build) {
      const prefix = `${EDGE_COPY}:`;
      build.onResolve({ filter: new RegExp(`^${prefix}`) }, (args) => ({
        path: args.path.slice(prefix.length),
        namespace: EDGE_COPY,
      }));
      build.onResolve(
        { filter: /.*/, namespace: EDGE_COPY },
        async (args) => {
          if (isNodeBuiltin(args.path)) {
            return { path: args.path, namespace: "node-stub" };
          }
          const resolved = await build.resolve(args.path, {
            kind: args.kind,
            resolveDir: args.resolveDir,
            namespace: "file",
          });
          if (resolved.errors.length > 0) return { errors: resolved.errors };
          const source = path.relative(root, resolved.path).split(path.sep)
            .join("/");
          return reaching.has(source)
            ? { path: source, namespace: EDGE_COPY }
            : resolved;
        },
      );
      build.onLoad({ filter: /.*/, namespace: EDGE_COPY }, async (args) => {
        const file = path.join(root, args.path);
        const ext = path.extname(file).slice(1);
        return {
          contents: await readFile(file, "utf8"),
          loader: ext === "ts" || ext === "mts" ? "ts" : "js",
          resolveDir: path.dirname(file),
        };
      });
      addStubLoader(build);
    },
  };
}

/**
 * Builds the `"split"` bundles, all ES modules under `esm/`, as one esbuild
 * build with code splitting: what several entries use goes to shared chunks
 * (`esm/chunks/`). Returns esbuild's metafile.
 */
export async function buildSplit(
  bundles: readonly Bundle[],
  { root, outDir }: Places,
): Promise<esbuild.Metafile> {
  const reaching = new Set<string>();
  const entryPoints: { in: string; out: string }[] = [];
  for (const b of bundles) {
    if (b.build !== "split" || !/^esm\/[^/]+\.js$/.test(b.out)) {
      throw new Error(`${b.out} is not an ES module entry of the split build`);
    }
    const out = b.out.slice("esm/".length, -".js".length);
    if (b.stubNode) {
      for (const s of await sourcesReachingNode(b.entry, root)) reaching.add(s);
      entryPoints.push({ in: `${EDGE_COPY}:${b.entry}`, out });
    } else {
      entryPoints.push({ in: path.join(root, b.entry), out });
    }
  }
  const result = await run(
    {
      ...COMMON,
      absWorkingDir: root,
      entryPoints,
      outdir: path.join(outDir, "esm"),
      format: "esm",
      splitting: true,
      chunkNames: `${CHUNK_DIR}/[name]-[hash]`,
      plugins: [edgeCopies(root, reaching)],
    },
    bundles.map((b) => b.out).join(", "),
  );
  return result.metafile;
}

/**
 * Twins of ES modules of the package: the CommonJS file
 * `cjs/<path>.cjs` of each `esm/<path>.js` in `files` (relative to
 * `outDir`). Each is converted alone: its imports of other files of the
 * package become `require`s of their twins, so the CommonJS files share
 * code exactly as the ES modules do.
 */
export async function buildMirrors(
  files: readonly string[],
  { root, outDir }: Places,
): Promise<esbuild.Metafile> {
  for (const f of files) {
    if (!/^esm\/.+\.js$/.test(f)) throw new Error(`${f} is not in esm/`);
  }
  const result = await run(
    {
      ...COMMON,
      absWorkingDir: root,
      entryPoints: files.map((f) => path.join(outDir, f)),
      outbase: path.join(outDir, "esm"),
      outdir: path.join(outDir, "cjs"),
      outExtension: { ".js": ".cjs" },
      format: "cjs",
      // Files of the package stay separate files (their twins), so nothing
      // is bundled twice; Node built-ins stay external as everywhere.
      plugins: [{
        name: "package-files-stay-files",
        setup(build) {
          build.onResolve(
            { filter: /.*/ },
            (args) =>
              args.kind === "entry-point" ? undefined : {
                path: args.path.startsWith(".")
                  ? args.path.replace(/\.js$/, ".cjs")
                  : args.path,
                external: true,
              },
          );
        },
      }],
    },
    files.join(", "),
  );
  return result.metafile;
}

/**
 * Builds `b` by itself (a generated stand-in that loads nothing else of
 * the package) from `root` into `outDir` and returns esbuild's metafile.
 */
export async function bundleAlone(
  b: Bundle,
  { root, outDir }: Places,
): Promise<esbuild.Metafile> {
  const result = await run(
    {
      ...COMMON,
      absWorkingDir: root,
      ...(b.contents === undefined
        ? { entryPoints: [path.join(root, b.entry)] }
        : {
          stdin: {
            contents: b.contents,
            resolveDir: root,
            sourcefile: `${b.entry} (edge stand-in)`,
            loader: "js" as const,
          },
        }),
      outfile: path.join(outDir, b.out),
      format: b.format,
      plugins: b.stubNode ? [stubNodeModules] : [],
    },
    b.out,
  );
  return result.metafile;
}

/** Runs one build; esbuild's own errors become one readable {@link BuildError}. */
async function run(
  options: esbuild.BuildOptions & { metafile: true },
  what: string,
): Promise<esbuild.BuildResult<{ metafile: true }>> {
  let result: esbuild.BuildResult<{ metafile: true }>;
  try {
    result = await esbuild.build(options);
  } catch (error) {
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
  }
  for (const w of result.warnings) {
    console.warn(`esbuild warning in ${what}: ${w.text}`);
  }
  return result;
}
