/**
 * Checks the built npm package (`npm/`) and the JSR publication:
 *
 * - `npm pack`: every file package.json points at is in the tarball;
 * - `publint --strict`: no errors, no warnings;
 * - `attw --pack`: no problems under node10, node16 (CJS and ESM), bundler;
 * - a consumer compiled against the installed tarball with
 *   `skipLibCheck: false` and no `@types/*` (nodenext ESM and CJS, bundler,
 *   node10): the published types are complete and self-contained;
 * - `deno publish --dry-run --allow-dirty`: no slow types;
 * - `deno doc --lint mod.ts testing.ts fs.ts`: every public symbol
 *   documented.
 *
 * ```sh
 * deno run -A scripts/check_package.ts [--only publint,attw,types,jsr,doc]
 * ```
 *
 * Every check runs even when one fails; the exit code is 1 if any did.
 *
 * @module
 */

import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const NPM_DIR = path.join(ROOT, "npm");
const BIN = path.join(ROOT, "node_modules", ".bin");
/** attw needs Node 20+; inside npm scripts plain `node` is the Node 18 alias. */
const NODE = path.join(ROOT, "node_modules", "node22", "bin", "node");
const decoder = new TextDecoder();

interface Outcome {
  ok: boolean;
  summary: string;
  details?: string;
}

interface Output {
  code: number;
  /** stdout alone (JSON answers). */
  stdout: string;
  /** stdout then stderr, for reports. */
  text: string;
}

async function exec(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Output> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: options.cwd ?? ROOT,
    env: { NO_COLOR: "1", FORCE_COLOR: "0", ...options.env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = decoder.decode(out.stdout);
  return {
    code: out.code,
    stdout,
    text: (stdout + decoder.decode(out.stderr)).trim(),
  };
}

const tool = (name: string, args: string[], cwd?: string) =>
  exec(NODE, [path.join(BIN, name), ...args], { cwd });

// --- npm pack --------------------------------------------------------------

interface PackedFile {
  path: string;
  size: number;
}

interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  files: PackedFile[];
}

/** Every path package.json refers to (exports, main, module, types, bin). */
function referencedFiles(pkg: Record<string, unknown>): string[] {
  const found: string[] = [];
  const walk = (value: unknown) => {
    if (typeof value === "string") found.push(value);
    else if (value && typeof value === "object") {
      Object.values(value).forEach(walk);
    }
  };
  walk(pkg.exports);
  walk(pkg.bin);
  for (const field of ["main", "module", "types"]) walk(pkg[field]);
  return [...new Set(found)].map((f) => f.replace(/^\.\//, ""));
}

async function checkPack(): Promise<Outcome & { packed?: Packed }> {
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
  const inTarball = new Set(packed.files.map((f) => f.path));
  const missing = referencedFiles(pkg).filter((f) =>
    f !== "package.json" && !inTarball.has(f)
  );
  const deps = ["dependencies", "peerDependencies", "optionalDependencies"]
    .filter((k) => pkg[k] && Object.keys(pkg[k]).length > 0);
  const problems = [
    ...missing.map((f) => `package.json refers to ${f}, not in the tarball`),
    ...deps.map((k) => `package.json has ${k}; the package must have none`),
  ];
  return {
    ok: problems.length === 0,
    summary: `${packed.filename}: ${
      (packed.size / 1000).toFixed(1)
    } kB packed, ${
      (packed.unpackedSize / 1000).toFixed(1)
    } kB unpacked, ${packed.files.length} files`,
    details: problems.join("\n") || undefined,
    packed,
  };
}

// --- publint, attw ---------------------------------------------------------

async function checkPublint(): Promise<Outcome> {
  const out = await tool("publint", [NPM_DIR, "--strict"]);
  const clean = out.code === 0 && /All good!/.test(out.text);
  return {
    ok: clean,
    summary: clean ? "publint --strict: all good" : "publint reported issues",
    details: clean ? undefined : out.text,
  };
}

async function checkAttw(): Promise<Outcome> {
  const out = await tool("attw", ["--pack", NPM_DIR, "--format", "table"]);
  const clean = out.code === 0 && /No problems found/.test(out.text);
  return {
    ok: clean,
    summary: clean
      ? "attw --pack: no problems (node10, node16-cjs, node16-esm, bundler)"
      : "attw reported problems",
    details: clean ? undefined : out.text,
  };
}

// --- consumer type check ---------------------------------------------------

/**
 * Uses the package the way the README does. Only the contract's names:
 * the check is about the published types resolving and being complete.
 */
const CONSUMER = `import {
  type ArchivedWindow,
  ArchiveError,
  archiveExports,
  type ArchiveResult,
  type ArchiveStore,
  type AuditLogEvent,
  type AuditLogExport,
  type ClientConfig,
  createClient,
  createExport,
  type CreateExportOptions,
  downloadExport,
  exportEvents,
  exportRows,
  getExport,
  NoEventsError,
  NotFoundError,
  ValidationError,
  VERSION,
  waitForExport,
} from "audit-log-export";
import {
  createEmulator,
  CSV_COLUMNS,
  csvHeader,
  type Emulator,
  type EmulatorOptions,
  serveEmulator,
} from "audit-log-export/testing";
import { directoryStore } from "audit-log-export/fs";

const emulatorOptions: EmulatorOptions = { exportDelayMs: 0 };
const emulator: Emulator = createEmulator(emulatorOptions);
const options: CreateExportOptions = {
  organizationId: emulator.organizations[0] ?? "org_1",
  rangeStart: new Date(Date.now() - 86_400_000),
  rangeEnd: "2026-01-01T00:00:00Z",
  actions: ["user.signed_in"],
  actor_ids: ["user_1"],
};

export async function job(): Promise<string[]> {
  const served = await serveEmulator({ port: 0 });
  const config: ClientConfig = { apiKey: served.emulator.apiKey, baseUrl: served.url };
  const lines: string[] = [VERSION];
  try {
    const created: AuditLogExport = await createExport(options, config);
    const ready = await waitForExport(created, { ...config, maxWait: 5_000 });
    const again = await getExport(ready.id, { ...config, signal: AbortSignal.timeout(1_000) });
    const stream: ReadableStream<Uint8Array> = await downloadExport(again, config);
    await stream.cancel();
    for await (const row of exportRows(ready, config)) lines.push(row.action ?? "");
    for await (const event of exportEvents(options, config)) {
      const typed: AuditLogEvent = event;
      lines.push(typed.occurredAt.toISOString(), typed.targets[0]?.id ?? "", typed.raw["id"] ?? "");
    }
    lines.push(csvHeader(1).join(","), CSV_COLUMNS.join(","));
    await createClient(config).getExport("audit_log_export_missing");
  } catch (error) {
    if (error instanceof NoEventsError) lines.push(error.message);
    if (error instanceof ValidationError) lines.push(...error.issues.map((i) => i.path));
    if (error instanceof NotFoundError) lines.push(String(error.status), error.requestId ?? "");
  } finally {
    await served.close();
  }
  return lines;
}

/** A bucket binding in the shape R2 has: get answers an object with text(). */
declare const bucket: {
  get(key: string): Promise<{ text(): Promise<string> } | null>;
  put(key: string, body: Uint8Array): Promise<{ key: string }>;
};

export async function archive(root: string): Promise<ArchivedWindow[]> {
  const stores: ArchiveStore[] = [directoryStore(root), bucket];
  const windows: ArchivedWindow[] = [];
  for (const store of stores) {
    try {
      const result: ArchiveResult = await archiveExports({
        organizationIds: ["org_1", "org_2"],
        store,
        from: "2026-11-01T00:00:00Z",
        window: 3_600_000,
        format: "ndjson",
        onWindow: (w) => windows.push(w),
      }, { apiKey: "sk_test_emulator" });
      windows.push(...result.windows);
      for (const gap of result.gaps) console.error(gap.from.toISOString(), gap.to.getTime());
    } catch (error) {
      if (error instanceof ArchiveError) windows.push(...error.result.windows);
    }
  }
  return windows;
}
`;

const CONSUMER_SETUPS: Record<
  string,
  { files: Record<string, string>; options: Record<string, unknown> }
> = {
  "nodenext (ESM .mts, CJS .cts)": {
    files: { "esm.mts": CONSUMER, "cjs.cts": CONSUMER },
    options: { module: "nodenext", moduleResolution: "nodenext" },
  },
  "bundler": {
    files: { "bundler.ts": CONSUMER },
    options: { module: "esnext", moduleResolution: "bundler" },
  },
  "node10": {
    files: { "node10.ts": CONSUMER },
    options: { module: "commonjs", moduleResolution: "node10" },
  },
};

async function checkConsumerTypes(tarball: string): Promise<Outcome> {
  const dir = await Deno.makeTempDir({ prefix: "audit-log-export-types-" });
  try {
    await Deno.writeTextFile(
      path.join(dir, "package.json"),
      JSON.stringify({ private: true }),
    );
    const install = await exec("npm", [
      "install",
      "--offline",
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
      tarball,
    ], { cwd: dir });
    if (install.code !== 0) {
      return {
        ok: false,
        summary: "installing the tarball failed",
        details: install.text,
      };
    }
    const failures: string[] = [];
    const passed: string[] = [];
    for (const [name, setup] of Object.entries(CONSUMER_SETUPS)) {
      const sub = path.join(dir, name.split(" ")[0]);
      await Deno.mkdir(sub);
      for (const [file, text] of Object.entries(setup.files)) {
        await Deno.writeTextFile(path.join(sub, file), text);
      }
      await Deno.writeTextFile(
        path.join(sub, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            target: "es2022",
            lib: ["es2022", "dom", "dom.iterable"],
            types: [],
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            ...setup.options,
          },
          files: Object.keys(setup.files),
        }),
      );
      const out = await tool("tsc", ["-p", sub]);
      if (out.code === 0) passed.push(name);
      else failures.push(`${name}:\n${out.text}`);
    }
    return {
      ok: failures.length === 0,
      summary: failures.length === 0
        ? `a consumer type-checks with skipLibCheck false and no @types: ${
          passed.join("; ")
        }`
        : `a consumer fails to type-check (${failures.length} setup(s))`,
      details: failures.join("\n\n") || undefined,
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

// --- JSR -------------------------------------------------------------------

async function checkJsrPublish(): Promise<Outcome> {
  const out = await exec(path.join(BIN, "deno"), [
    "publish",
    "--dry-run",
    "--allow-dirty",
  ]);
  const ok = out.code === 0 && /Dry run complete/.test(out.text);
  return {
    ok,
    summary: ok
      ? "deno publish --dry-run: no slow types, publishable"
      : "deno publish --dry-run failed",
    details: ok ? undefined : out.text,
  };
}

/** The library entries whose public symbols need docs (the CLI is documented by its --help). */
const DOC_ENTRIES = ["mod.ts", "testing.ts", "fs.ts"];

async function checkDocLint(): Promise<Outcome> {
  const out = await exec(path.join(BIN, "deno"), [
    "doc",
    "--lint",
    ...DOC_ENTRIES,
  ]);
  const ok = out.code === 0 && !/error/i.test(out.text);
  return {
    ok,
    summary: ok
      ? `deno doc --lint ${DOC_ENTRIES.join(" ")}: nothing reported`
      : "deno doc --lint reported problems",
    details: ok ? undefined : out.text,
  };
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
    ["types", async () => {
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
        return await checkConsumerTypes(path.join(dir, filename));
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    }],
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
  let failed = 0;
  for (const [name, outcome] of outcomes) {
    console.log(`${outcome.ok ? "✓" : "✗"} ${name}: ${outcome.summary}`);
    if (!outcome.ok) {
      failed++;
      if (outcome.details) {
        console.log(outcome.details.replace(/^/gm, "    "));
      }
    }
  }
  console.log(
    `${outcomes.length - failed} package checks passed, ${failed} failed (${
      ((performance.now() - started) / 1000).toFixed(1)
    } s)`,
  );
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main());
