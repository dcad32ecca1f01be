/**
 * Row 1, bundle size, and the builds the other rows run: esbuild bundles of
 * edge apps (minified, gzip -9), the npm package as `npm pack` would
 * publish it, and plain ESM bundles of the package for Node and Deno, all
 * under `.bench/` (the npm package under `npm/`, where the build writes it).
 *
 * @module
 */

import * as esbuild from "esbuild";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { benchFile, ROOT, WORK } from "./paths.ts";
import { run } from "./proc.ts";

/** The edge apps compared, by key. */
export const EDGE_APPS = {
  createExport: {
    file: "apps/create_export.ts",
    label: "ours: app calling only `createExport`",
  },
  wholeClient: {
    file: "apps/whole_client.ts",
    label: "ours: app using the whole client",
  },
  sdk: {
    file: "apps/workos_sdk.mjs",
    label: "`@workos-inc/node` worker build, same `createExport` call",
  },
  floor: {
    file: "apps/floor.ts",
    label: "floor: hand-written valibot check + `fetch` POST",
  },
} as const;

/** Key of an edge app. */
export type EdgeApp = keyof typeof EDGE_APPS;

/** Size of one edge bundle and what it is made of. */
export interface BundleSize {
  minified: number;
  gzip: number;
  /** Bytes in the minified output per input, largest first (node_modules grouped by package). */
  inputs: [string, number][];
  /** min+gzip with valibot left out (external): the app's and the package's own code. */
  gzipWithoutValibot: number;
}

/** The npm package as `npm pack` would publish it. */
export interface TarballSize {
  /** The tarball (gzip), in bytes: what a user downloads. */
  packed: number;
  /** Its files unpacked, in bytes: what lands in `node_modules`. */
  unpacked: number;
  files: number;
  /**
   * Each top-level part (`esm/`, `cjs/`, `types/`, `README.md`, …): its
   * bytes unpacked and gzipped as one stream (about its share of the
   * tarball), largest share first.
   */
  parts: { name: string; unpacked: number; gzip: number; files: number }[];
}

/** The size of every edge app, plus the paths of the runtime bundles. */
export interface Builds {
  edge: Record<EdgeApp, BundleSize>;
  /** The npm package, or why it could not be built or packed. */
  tarball: TarballSize | { error: string };
  /** Plain ESM bundle of `mod.ts` (valibot inlined), as Node and Deno import it. */
  mod: string;
  /** Its size in bytes. */
  modBytes: number;
  /** CommonJS bundle of `mod.ts`, for Node's `require`. */
  modCjs: string;
  /** Plain ESM bundle of `src/schemas.ts`, for the validation micro-benchmark. */
  schemas: string;
  /** Entry files of the cold-start runs. */
  cold: {
    empty: string;
    ours: string;
    oursSource: string;
    sdk: string;
  };
}

/** The flags of the brief: `--bundle --minify --format=esm --conditions=workerd,worker --platform=neutral`. */
const EDGE_OPTIONS: esbuild.BuildOptions = {
  bundle: true,
  minify: true,
  format: "esm",
  conditions: ["workerd", "worker"],
  platform: "neutral",
  mainFields: ["module", "main"],
  target: "es2022",
  write: false,
  metafile: true,
  logLevel: "silent",
};

function packageOf(input: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return m ? m[1] : input;
}

async function edgeBundle(file: string): Promise<BundleSize> {
  const result = await esbuild.build({
    ...EDGE_OPTIONS,
    entryPoints: [benchFile(file)],
    outfile: `${WORK}/edge/${file.replace(/^apps\/|\.m?[jt]s$/g, "")}.js`,
  });
  const out = result.outputFiles![0].contents;
  await Deno.mkdir(`${WORK}/edge`, { recursive: true });
  await Deno.writeFile(result.outputFiles![0].path, out);
  const byInput = new Map<string, number>();
  for (const output of Object.values(result.metafile!.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const key = packageOf(input);
      byInput.set(key, (byInput.get(key) ?? 0) + bytesInOutput);
    }
  }
  const own = await esbuild.build({
    ...EDGE_OPTIONS,
    entryPoints: [benchFile(file)],
    external: ["valibot"],
    metafile: false,
  });
  return {
    minified: out.byteLength,
    gzip: gzipSync(out, { level: 9 }).byteLength,
    inputs: [...byInput].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]),
    gzipWithoutValibot:
      gzipSync(own.outputFiles![0].contents, { level: 9 }).byteLength,
  };
}

async function plainBundle(
  entry: string,
  outfile: string,
  format: "esm" | "cjs" = "esm",
): Promise<string> {
  await esbuild.build({
    entryPoints: [`${ROOT}/${entry}`],
    outfile,
    bundle: true,
    format,
    platform: "neutral",
    mainFields: ["module", "main"],
    target: "es2022",
    logLevel: "silent",
  });
  return outfile;
}

async function coldEntries(): Promise<Builds["cold"]> {
  const dir = `${WORK}/cold`;
  await Deno.mkdir(dir, { recursive: true });
  const entries = {
    empty: ["empty.mjs", ""],
    ours: ["ours.mjs", 'import "../mod.mjs";\n'],
    oursSource: ["ours_source.mjs", 'import "../../mod.ts";\n'],
    sdk: ["sdk.mjs", 'import "@workos-inc/node";\n'],
  } as const;
  const paths = {} as Record<keyof typeof entries, string>;
  for (const [key, [name, text]] of Object.entries(entries)) {
    paths[key as keyof typeof entries] = `${dir}/${name}`;
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  return paths;
}

/**
 * Builds the npm package into `npm/` with `scripts/build_npm.ts` and
 * measures what `npm pack` would publish. A build that fails is reported,
 * not fatal: the other rows do not need the package.
 */
export async function tarballSize(): Promise<TarballSize | { error: string }> {
  try {
    await run(Deno.execPath(), ["run", "-A", "scripts/build_npm.ts"]);
    // "./npm", not "npm": a bare name is a package of the registry.
    const { stdout } = await run("npm", [
      "pack",
      "./npm",
      "--dry-run",
      "--json",
    ]);
    const [packed] = JSON.parse(stdout) as {
      size: number;
      unpackedSize: number;
      files: { path: string; size: number }[];
    }[];
    const byPart = new Map<string, string[]>();
    for (const f of packed.files) {
      const name = f.path.includes("/") ? `${f.path.split("/")[0]}/` : f.path;
      byPart.set(name, [...byPart.get(name) ?? [], f.path]);
    }
    const parts = [...byPart].map(([name, paths]) => {
      const contents = paths.map((p) => readFileSync(`${ROOT}/npm/${p}`));
      const all = new Uint8Array(contents.reduce((n, c) => n + c.length, 0));
      contents.reduce((at, c) => (all.set(c, at), at + c.length), 0);
      return {
        name,
        unpacked: all.length,
        gzip: gzipSync(all, { level: 9 }).length,
        files: paths.length,
      };
    }).sort((a, b) => b.gzip - a.gzip);
    return {
      packed: packed.size,
      unpacked: packed.unpackedSize,
      files: packed.files.length,
      parts,
    };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/** What the rows other than row 1 run: the plain bundles and the cold-start entries. */
export type RuntimeBuilds = Omit<Builds, "edge" | "tarball">;

async function runtimeBundles(): Promise<RuntimeBuilds> {
  const mod = await plainBundle("mod.ts", `${WORK}/mod.mjs`);
  return {
    mod,
    modBytes: (await Deno.stat(mod)).size,
    modCjs: await plainBundle("mod.ts", `${WORK}/mod.cjs`, "cjs"),
    schemas: await plainBundle("src/schemas.ts", `${WORK}/schemas.mjs`),
    cold: await coldEntries(),
  };
}

/** Builds everything the benchmarks need and measures the edge bundles and the npm package. */
export async function build(): Promise<Builds> {
  try {
    const edge = {} as Record<EdgeApp, BundleSize>;
    for (const [key, app] of Object.entries(EDGE_APPS)) {
      edge[key as EdgeApp] = await edgeBundle(app.file);
    }
    const tarball = await tarballSize();
    return { edge, tarball, ...await runtimeBundles() };
  } finally {
    await esbuild.stop();
  }
}

/**
 * Builds only what the other rows run, without measuring row 1: for a run
 * of some rows, where the npm build and `npm pack` would only cost time.
 */
export async function buildRuntime(): Promise<RuntimeBuilds> {
  try {
    return await runtimeBundles();
  } finally {
    await esbuild.stop();
  }
}
