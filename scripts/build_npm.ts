/**
 * Builds the npm package in `npm/` from the Deno sources, doing what dnt
 * would (dnt is not reachable here): esbuild bundles, TypeScript 5.9
 * declarations, a generated `package.json`.
 *
 * ```sh
 * deno run -A scripts/build_npm.ts
 * ```
 *
 * The entry points and what is built of each are listed once, in
 * `scripts/build/targets.mjs`; each step and check of the build is a module
 * of `scripts/build/`. Every piece of code ships once per module format.
 * Layout of `npm/`:
 *
 * - `esm/mod.js`, `esm/testing.js`, `esm/fs.js`, `esm/cli.js`: the entries
 *   of one ES module build with code splitting. Each holds what only it
 *   uses; everything two entries use (the client, valibot, the error
 *   classes, the emulator the CLI's `demo` serves, the directory store) is
 *   in shared chunks, `esm/chunks/*.js`, loaded by whichever entries need
 *   them. So the CLI runs the very client and emulator modules that
 *   `audit-log-export` and `audit-log-export/testing` export, and every
 *   class exists once;
 * - `cjs/mod.cjs`, `cjs/testing.cjs`, `cjs/fs.cjs` and `cjs/chunks/*.cjs`:
 *   the CommonJS twins of the library entries and of the chunks they load,
 *   each converted alone from its ES module, so they share code the same
 *   way (esbuild cannot split CommonJS);
 * - `esm/testing.edge.js`: `./testing` under the `workerd`, `edge-light` and
 *   `browser` conditions, an entry of the same ES module build: only the
 *   modules on the path to `serveEmulator`'s lazy `import("node:http")` are
 *   copied into it, with `node:http` replaced by a module that throws a
 *   clear error (bundlers for those platforms refuse `node:*` without Node
 *   compatibility); the emulator itself comes from the shared chunks;
 * - `esm/fs.edge.js`: `./fs` under the same conditions. The directory store
 *   needs a real file system (workerd's `node:fs`, where there is one, is a
 *   scratch space that does not outlive a request), so there every export
 *   is a function that throws an error pointing at the store to use instead.
 *   Importing it is harmless, so code shared between Node and a worker still
 *   bundles;
 * - `bin/audit-log-export.js` runs `esm/cli.js`, which is also the
 *   `./cli` subpath (as on JSR), an ES module only;
 * - `types/**.d.ts` (ESM) and `types/**.d.cts` (CJS) declarations, only the
 *   files reachable from the entry points;
 * - `testing/package.json`, `fs/package.json`: redirects so
 *   `audit-log-export/testing` and `audit-log-export/fs` resolve under
 *   `moduleResolution: node10`, which ignores `exports`.
 *
 * The ES module and CommonJS builds are still two copies when one process
 * loads both (`import` and `require` of the package in one Node program):
 * the error classes recognise each other's instances by their class names
 * up to a branded base class (`src/errors.ts`), so `instanceof` holds
 * across them too.
 *
 * The build fails when deno.json and `src/version.ts` disagree on the
 * version, when a build meant for runtimes without Node (the client, the edge
 * emulator, the edge stand-in of `./fs`) or a file it loads reaches a Node
 * built-in or a Node global, when the error classes end up in two files of
 * one format, when a CommonJS file is not the twin of its ES module, when
 * the edge stand-in of `./fs` and the real one export different names, when
 * TypeScript 5.9 reports an error, or when the published declarations reach
 * a package that is not shipped.
 *
 * @module
 */

import * as esbuild from "esbuild";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { BuildError, fail } from "./build/build_error.ts";
import { type Bundle, planBundles } from "./build/bundle_plan.ts";
import { binSource, checkCliMain } from "./build/cli_bin.ts";
import { compileDeclarations } from "./build/compile_declarations.ts";
import {
  esmFace,
  flavour,
  moduleDocOf,
  npmNameInDocs,
} from "./build/declaration_flavour.ts";
import { entrySource, parseDenoJson } from "./build/deno_json.ts";
import { checkEdgeSafe } from "./build/edge_safe.ts";
import { checkSameExports, standInSource } from "./build/edge_stand_in.ts";
import {
  buildMirrors,
  buildSplit,
  bundleAlone,
  type Places,
} from "./build/esbuild_bundle.ts";
import {
  addOutputs,
  type OutputGraph,
  reachable,
  staticCycle,
} from "./build/output_graph.ts";
import {
  packageJson,
  redirectDir,
  redirectPackageJson,
} from "./build/package_json.ts";
import { publicDeclarations } from "./build/public_declarations.ts";
import { checkSharedOnce, checkTwins } from "./build/shared_once.ts";
import { BIN_NAME, ENTRIES, NPM_NAME } from "./build/targets.mjs";
import { checkVersion } from "./build/version_check.ts";

/** The npm name (listed in `scripts/build/targets.mjs`). */
export { NPM_NAME };

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT = path.join(ROOT, "npm");

const rel = (p: string) => path.relative(ROOT, p) || ".";

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
  const deno = parseDenoJson(
    await Deno.readTextFile(path.join(ROOT, "deno.json")),
    ENTRIES.map((e) => e.key),
  );
  checkVersion(await import("../src/version.ts"), deno.version);
  for (const doc of ["README.md", "LICENSE"]) {
    if (!await exists(path.join(ROOT, doc))) fail(`${doc} is missing`);
  }
  const entry = (key: string) => entrySource(deno, key);
  for (const { key } of ENTRIES) {
    if (!await exists(path.join(ROOT, entry(key)))) {
      fail(`${entry(key)} (deno.json export "${key}") does not exist`);
    }
  }

  await Deno.remove(OUT, { recursive: true }).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
  await Deno.mkdir(OUT, { recursive: true });

  const bundles = planBundles(entry);
  // A stand-in offers the names the real entry exports at run time, so it is
  // generated from the loaded module rather than from its source text.
  for (const b of bundles) {
    if (b.standsInFor === undefined) continue;
    const real = await import(pathToFileURL(path.join(ROOT, b.entry)).href);
    b.contents = standInSource(b.key, b.entry, real);
  }
  const places: Places = { root: ROOT, outDir: OUT };
  const graph: OutputGraph = new Map();
  try {
    await buildAll(bundles, graph, places);
    await checkAll(bundles, graph);
  } finally {
    await esbuild.stop();
  }

  // Each declaration ships once. The library entries' graphs are written
  // as CommonJS declarations (`.d.cts`), and each library entry gets an ES
  // module face (`<name>.d.ts`) that re-exports its `.d.cts`: an ES module
  // may import CommonJS, not the other way round. What only the CLI (an ES
  // module only) uses is written as `.d.ts`, importing the shared `.d.cts`.
  const libraries = ENTRIES.filter((e) => e.kind === "library");
  const typesDir = path.join(OUT, "types");
  const emitted = new Map(
    [
      ...compileDeclarations(ENTRIES.map((e) => entry(e.key)), {
        root: ROOT,
        outDir: typesDir,
      }),
    ].map(([file, text]) => [path.relative(typesDir, file), text]),
  );
  const all = publicDeclarations(emitted, ENTRIES.map((e) => entry(e.key)));
  const shared = publicDeclarations(
    emitted,
    libraries.map((e) => entry(e.key)),
  ).files;
  const cts = (file: string) => file.replace(/\.d\.ts$/, ".d.cts");
  for (const [file, declared] of all.files) {
    const text = npmNameInDocs(declared, deno.name);
    if (shared.has(file)) {
      await writeFile(
        path.join("types", cts(file)),
        flavour(file, text, ".cjs"),
      );
      continue;
    }
    const target = (spec: string) =>
      path.join(path.dirname(file), spec).replace(/\.ts$/, ".d.ts");
    await writeFile(
      path.join("types", file),
      flavour(file, text, (spec) => shared.has(target(spec)) ? ".cjs" : ".js"),
    );
  }
  for (const e of libraries) {
    const file = entry(e.key).replace(/\.ts$/, ".d.ts");
    await writeFile(
      path.join("types", `${e.name}.d.ts`),
      esmFace(cts(file), moduleDocOf(all.files.get(file) ?? "")),
    );
  }
  for (const [file, names] of all.pruned) {
    console.log(
      `  note: types/${file}: left out ${
        names.join(", ")
      } (typed with a bundled package, not public)`,
    );
  }

  const cli = bundles.find((b) => b.bin);
  if (cli) {
    await writeFile(`bin/${BIN_NAME}.js`, binSource(cli.out));
    await Deno.chmod(path.join(OUT, `bin/${BIN_NAME}.js`), 0o755);
  }
  for (const e of libraries) {
    const dir = redirectDir(e);
    if (dir) await writeFile(`${dir}/package.json`, redirectPackageJson(e));
  }
  await writeFile(
    "package.json",
    JSON.stringify(packageJson(deno), null, 2) + "\n",
  );
  for (const doc of ["README.md", "LICENSE"]) {
    await Deno.copyFile(path.join(ROOT, doc), path.join(OUT, doc));
  }

  console.log(
    `built ${rel(OUT)}/ ${NPM_NAME}@${deno.version} in ${
      Math.round(performance.now() - started)
    } ms: ${sizeReport(bundles, graph)}; ${
      all.files.size + libraries.length
    } declaration files`,
  );
}

/**
 * Builds every planned output into `graph`: the ES module build of the
 * `"split"` entries, the CommonJS twins of every file a `"mirror"` entry's
 * ES module loads, then the outputs built alone.
 */
async function buildAll(
  bundles: readonly Bundle[],
  graph: OutputGraph,
  places: Places,
): Promise<void> {
  const split = bundles.filter((b) => b.build === "split");
  addOutputs(graph, await buildSplit(split, places), {
    ...places,
    format: "esm",
  });
  const twins = new Set(
    bundles.filter((b) => b.build === "mirror").flatMap((b) =>
      reachable(graph, b.mirrors!).map((f) => f.out)
    ),
  );
  addOutputs(graph, await buildMirrors([...twins].sort(), places), {
    ...places,
    format: "cjs",
  });
  for (const b of bundles.filter((b) => b.build === "alone")) {
    addOutputs(graph, await bundleAlone(b, places), {
      ...places,
      format: b.format,
    });
  }
}

/** Every check of the built files; each fails the build with its reason. */
async function checkAll(
  bundles: readonly Bundle[],
  graph: OutputGraph,
): Promise<void> {
  const exportsOf = (out: string) => graph.get(out)?.exports ?? [];
  for (const b of bundles) {
    const files = reachable(graph, b.out);
    if (b.edgeSafe) {
      await checkEdgeSafe(
        b,
        await Promise.all(files.map(async (f) => ({
          ...f,
          code: await Deno.readTextFile(path.join(OUT, f.out)),
        }))),
      );
    }
    if (b.mirrors) {
      await checkTwins(graph, reachable(graph, b.mirrors), b, loadedExports);
    }
    if (b.standsInFor) {
      checkSameExports(exportsOf(b.standsInFor), exportsOf(b.out), b);
    }
    if (b.bin) checkCliMain(exportsOf(b.out), b.entry);
  }
  const all = [...graph.values()];
  checkSharedOnce(all.filter((f) => f.format === "esm"));
  const cycle = staticCycle(graph, all.filter((f) => f.format === "cjs"));
  if (cycle) {
    fail(
      `the CommonJS files load each other in a cycle (${
        cycle.join(" → ")
      }): one would see the other's exports half made`,
    );
  }
}

const requireBuilt = createRequire(import.meta.url);

/** The names a built file exports once loaded, as `import` or `require` sees them. */
async function loadedExports(out: string): Promise<string[]> {
  const file = path.join(OUT, out);
  const module = out.endsWith(".cjs")
    ? requireBuilt(file)
    : await import(pathToFileURL(file).href);
  return Object.keys(module).filter((k) => k !== "__esModule");
}

/** Sizes of the entry files, then of the shared chunks of each format. */
function sizeReport(bundles: readonly Bundle[], graph: OutputGraph): string {
  const size = (out: string) => Deno.statSync(path.join(OUT, out)).size;
  const kB = (n: number) => `${(n / 1000).toFixed(1)} kB`;
  const entries = new Set(bundles.map((b) => b.out));
  const chunks = (dir: string) =>
    [...graph.keys()].filter((o) => o.startsWith(dir) && !entries.has(o));
  const shared = ["esm/", "cjs/"].map((dir) => {
    const files = chunks(dir);
    return `${dir}chunks ${
      kB(files.reduce((n, f) => n + size(f), 0))
    } in ${files.length} files`;
  });
  return [...bundles.map((b) => `${b.out} ${kB(size(b.out))}`), ...shared]
    .join(", ");
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
