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
 * of `scripts/build/`. Layout of `npm/`:
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
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { BuildError, fail } from "./build/build_error.ts";
import { planBundles } from "./build/bundle_plan.ts";
import { binSource, checkCliMain } from "./build/cli_bin.ts";
import { compileDeclarations } from "./build/compile_declarations.ts";
import { flavour, npmNameInDocs } from "./build/declaration_flavour.ts";
import { entrySource, parseDenoJson } from "./build/deno_json.ts";
import { checkEdgeSafe } from "./build/edge_safe.ts";
import { checkSameExports, standInSource } from "./build/edge_stand_in.ts";
import { checkEntryIsolation } from "./build/entry_isolation.ts";
import { bundle } from "./build/esbuild_bundle.ts";
import {
  packageJson,
  redirectDir,
  redirectPackageJson,
} from "./build/package_json.ts";
import { publicDeclarations } from "./build/public_declarations.ts";
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
  try {
    const metas = await Promise.all(
      bundles.map((b) => bundle(b, { root: ROOT, outDir: OUT })),
    );
    const metaOf = (out: string) =>
      metas[bundles.findIndex((b) => b.out === out)];
    for (const [i, b] of bundles.entries()) {
      const code = await Deno.readTextFile(path.join(OUT, b.out));
      if (b.edgeSafe) checkEdgeSafe(b, metas[i], code);
      if (b.isolated) checkEntryIsolation(metas[i], b);
      if (b.standsInFor) checkSameExports(metaOf(b.standsInFor), metas[i], b);
      if (b.bin) checkCliMain(code, b.entry);
    }
  } finally {
    await esbuild.stop();
  }

  const libraries = ENTRIES.filter((e) => e.kind === "library");
  const typesDir = path.join(OUT, "types");
  const emitted = compileDeclarations(libraries.map((e) => entry(e.key)), {
    root: ROOT,
    outDir: typesDir,
  });
  const { files, pruned } = publicDeclarations(
    new Map(
      [...emitted].map(([file, text]) => [path.relative(typesDir, file), text]),
    ),
    libraries.map((e) => entry(e.key)),
  );
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
