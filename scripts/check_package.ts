/**
 * Checks the built npm package (`npm/`) and the JSR publication:
 *
 * - `npm pack`: every file package.json points at is in the tarball;
 * - `publint --strict`: no errors, no warnings;
 * - `attw --pack`: no problems under node10, node16 (CJS and ESM), bundler
 *   (the CLI entry, an ES module only, under node16 ESM and bundler);
 * - a consumer compiled against the installed tarball with
 *   `skipLibCheck: false` and no `@types/*` (nodenext ESM and CJS, bundler,
 *   node10; the CLI entry from the ESM setups): the published types are
 *   complete and self-contained;
 * - `deno publish --dry-run --allow-dirty`: no slow types;
 * - `deno doc --lint` of the entries (`mod.ts testing.ts fs.ts cli.ts`):
 *   every public symbol documented.
 *
 * ```sh
 * deno run -A scripts/check_package.ts [--only publint,attw,types,jsr,doc]
 * ```
 *
 * Every check runs even when one fails; the exit code is 1 if any did. Each
 * check is a module of `scripts/build/`; the entries whose docs are linted
 * come from `scripts/build/targets.mjs`.
 *
 * @module
 */

import path from "node:path";
import { fileURLToPath } from "node:url";
import { formatReport, type Outcome } from "./build/check_outcome.ts";
import { checkConsumerTypes } from "./build/consumer_types.ts";
import { entrySource, parseDenoJson } from "./build/deno_json.ts";
import { exec as run } from "./build/exec.ts";
import { packProblems } from "./build/pack_contents.ts";
import { ENTRIES } from "./build/targets.mjs";
import {
  attwVerdict,
  docLintVerdict,
  jsrPublishVerdict,
  publintVerdict,
} from "./build/tool_verdicts.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const NPM_DIR = path.join(ROOT, "npm");
const BIN = path.join(ROOT, "node_modules", ".bin");
/** attw needs Node 20+; inside npm scripts plain `node` is the Node 18 alias. */
const NODE = path.join(ROOT, "node_modules", "node22", "bin", "node");

const exec = (cmd: string, args: string[], options: { cwd?: string } = {}) =>
  run(cmd, args, { cwd: options.cwd ?? ROOT });

const tool = (name: string, args: string[], cwd?: string) =>
  exec(NODE, [path.join(BIN, name), ...args], { cwd });

// --- npm pack --------------------------------------------------------------

interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}

async function checkPack(): Promise<Outcome> {
  const out = await exec("npm", ["pack", "--dry-run", "--json"], {
    cwd: NPM_DIR,
  });
  if (out.code !== 0) {
    return { ok: false, summary: "npm pack failed", details: out.text };
  }
  const packed = JSON.parse(out.stdout)[0] as Packed;
  const pkg = JSON.parse(
    await Deno.readTextFile(path.join(NPM_DIR, "package.json")),
  );
  const problems = packProblems(pkg, packed.files.map((f) => f.path));
  return {
    ok: problems.length === 0,
    summary: `${packed.filename}: ${
      (packed.size / 1000).toFixed(1)
    } kB packed, ${
      (packed.unpackedSize / 1000).toFixed(1)
    } kB unpacked, ${packed.files.length} files`,
    details: problems.join("\n") || undefined,
  };
}

// --- publint, attw ---------------------------------------------------------

async function checkPublint(): Promise<Outcome> {
  return publintVerdict(await tool("publint", [NPM_DIR, "--strict"]));
}

/**
 * The CLI entry is an ES module only, so under the CommonJS resolutions
 * (node10, node16 from CommonJS) attw rightly says it cannot be required.
 * It is checked alone under the ESM resolutions; every other entry under
 * all of them.
 */
async function checkAttw(): Promise<Outcome> {
  const esmOnly = ENTRIES.filter((e) => e.kind === "cli").map((e) => e.key);
  const all = await tool("attw", [
    "--pack",
    NPM_DIR,
    "--format",
    "table",
    ...(esmOnly.length ? ["--exclude-entrypoints", ...esmOnly] : []),
  ]);
  if (esmOnly.length === 0) return attwVerdict(all);
  const esm = await tool("attw", [
    "--pack",
    NPM_DIR,
    "--format",
    "json",
    "--profile",
    "esm-only",
    "--entrypoints",
    ...esmOnly,
  ]);
  return attwVerdict(all, { output: esm, entrypoints: esmOnly });
}

// --- consumer type check ---------------------------------------------------

async function checkTypes(): Promise<Outcome> {
  const dir = await Deno.makeTempDir({ prefix: "audit-log-export-pack-" });
  try {
    const out = await exec("npm", [
      "pack",
      NPM_DIR,
      "--pack-destination",
      dir,
      "--json",
    ], { cwd: dir });
    if (out.code !== 0) {
      return { ok: false, summary: "npm pack failed", details: out.text };
    }
    const [{ filename }] = JSON.parse(out.stdout);
    return await checkConsumerTypes(
      path.join(dir, filename),
      (project) => tool("tsc", ["-p", project]),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

// --- JSR -------------------------------------------------------------------

async function checkJsrPublish(): Promise<Outcome> {
  return jsrPublishVerdict(
    await exec(path.join(BIN, "deno"), [
      "publish",
      "--dry-run",
      "--allow-dirty",
    ]),
  );
}

/** Every entry, whose public symbols need docs (the CLI's too: `main` and `CliIO` are an npm and JSR subpath). */
async function docEntries(): Promise<string[]> {
  const deno = parseDenoJson(
    await Deno.readTextFile(path.join(ROOT, "deno.json")),
    ENTRIES.map((e) => e.key),
  );
  return ENTRIES.map((e) => entrySource(deno, e.key));
}

async function checkDocLint(): Promise<Outcome> {
  const entries = await docEntries();
  const out = await exec(path.join(BIN, "deno"), ["doc", "--lint", ...entries]);
  return docLintVerdict(out, entries);
}

// --- main ------------------------------------------------------------------

async function main(): Promise<number> {
  const onlyIndex = Deno.args.indexOf("--only");
  const only = onlyIndex >= 0 ? Deno.args[onlyIndex + 1].split(",") : [];
  const wanted = (name: string) => only.length === 0 || only.includes(name);
  try {
    await Deno.stat(path.join(NPM_DIR, "package.json"));
  } catch {
    console.error("check_package: npm/ is not built; run npm run build");
    return 1;
  }
  const started = performance.now();
  const pack = await checkPack();
  const checks: [string, () => Promise<Outcome>][] = [
    ["publint", checkPublint],
    ["attw", checkAttw],
    ["types", checkTypes],
    ["jsr", checkJsrPublish],
    ["doc", checkDocLint],
  ];
  const selected = checks.filter(([name]) => wanted(name));
  // Two at a time: this machine has two cores.
  const outcomes: [string, Outcome][] = [["pack", pack]];
  for (let i = 0; i < selected.length; i += 2) {
    const batch = selected.slice(i, i + 2);
    const done = await Promise.all(batch.map(([, fn]) => fn()));
    batch.forEach(([name], j) => outcomes.push([name, done[j]]));
  }
  const { text, failed } = formatReport(
    outcomes,
    (performance.now() - started) / 1000,
  );
  console.log(text);
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main());
