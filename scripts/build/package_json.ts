/**
 * The generated package.json of the npm package, and the `node10` redirects
 * of its subpaths, derived from the entry points of `targets.mjs`.
 *
 * @module
 */

import type { DenoJson } from "./deno_json.ts";
import {
  BIN_NAME,
  EDGE_CONDITIONS,
  ENTRIES,
  type Entry,
  NODES,
  NPM_NAME,
} from "./targets.mjs";

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
/**
 * The public repository (`https://github.com/<owner>/<name>`), which gives
 * package.json its `repository`, `bugs` and `homepage`. There is none yet:
 * rather no link than a wrong one (npm then shows none). Set it when the
 * repository is public.
 */
export const REPOSITORY: string | undefined = undefined;

/**
 * The conditional exports of a library entry: its edge build (when it has
 * one) for runtimes without Node's modules, then ESM, CommonJS, and ESM as
 * the fallback. Types come first in each condition, as TypeScript requires.
 */
export function entryExports(entry: Pick<Entry, "name" | "edge">) {
  const { name } = entry;
  const edgeConditions = entry.edge
    ? Object.fromEntries(
      EDGE_CONDITIONS.map((c) => [c, {
        types: `./types/${name}.d.ts`,
        default: `./esm/${name}.edge.js`,
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

/**
 * The exports of the CLI entry: an ES module for Node (it imports Node's
 * modules), under `default` so that `require` of it works where Node can
 * require an ES module (22.12 and later) and says why where it cannot.
 */
export function cliExports(entry: Pick<Entry, "name">) {
  return {
    types: `./types/${entry.name}.d.ts`,
    default: `./esm/${entry.name}.js`,
  };
}

/** `repository`, `bugs` and `homepage` of a GitHub repository, or none without one. */
export function repositoryFields(
  repository: string | undefined,
): Record<string, unknown> {
  if (repository === undefined) return {};
  return {
    homepage: `${repository}#readme`,
    repository: { type: "git", url: `git+${repository}.git` },
    bugs: { url: `${repository}/issues` },
  };
}

/** The directory of a subpath's `node10` redirect (`"./testing"` → `"testing"`), or none for `"."`. */
export function redirectDir(entry: Pick<Entry, "key">): string | undefined {
  return entry.key === "." ? undefined : entry.key.replace(/^\.\//, "");
}

/**
 * `<subpath>/package.json`: `moduleResolution: node10` ignores `exports`,
 * and finds `audit-log-export/testing` through this file instead.
 */
export function redirectPackageJson(entry: Pick<Entry, "name">): string {
  return JSON.stringify(
    {
      private: true,
      main: `../cjs/${entry.name}.cjs`,
      types: `../types/${entry.name}.d.cts`,
    },
    null,
    2,
  ) + "\n";
}

/**
 * The npm package.json. The first library entry is `"."`, which `main`,
 * `module` and `types` point at; the CLI entry, if any, is the bin and an
 * ES module subpath (the same entries as on JSR).
 */
export function packageJson(
  deno: Pick<DenoJson, "name" | "version" | "license">,
  entries: readonly Entry[] = ENTRIES,
  repository: string | undefined = REPOSITORY,
): Record<string, unknown> {
  const libraries = entries.filter((e) => e.kind === "library");
  const main = libraries[0];
  if (main?.key !== ".") {
    throw new Error(`the first library entry must be ".", not ${main?.key}`);
  }
  const cli = entries.find((e) => e.kind === "cli");
  const redirects = libraries.flatMap((e) => redirectDir(e) ?? []);
  return {
    name: NPM_NAME,
    version: deno.version,
    description: DESCRIPTION,
    keywords: KEYWORDS,
    ...repositoryFields(repository),
    license: deno.license ?? "MIT",
    type: "module",
    sideEffects: false,
    // The oldest Node the matrix tests is the oldest the package promises.
    engines: { node: `>=${Math.min(...NODES.map((n) => n.major))}` },
    exports: {
      ...Object.fromEntries(libraries.map((e) => [e.key, entryExports(e)])),
      ...(cli ? { [cli.key]: cliExports(cli) } : {}),
      "./package.json": "./package.json",
    },
    main: `./cjs/${main.name}.cjs`,
    module: `./esm/${main.name}.js`,
    types: `./types/${main.name}.d.cts`,
    ...(cli ? { bin: { [BIN_NAME]: `./bin/${BIN_NAME}.js` } } : {}),
    files: [
      "esm/",
      "cjs/",
      "types/",
      ...(cli ? ["bin/"] : []),
      ...redirects.map((d) => `${d}/`),
    ],
  };
}
