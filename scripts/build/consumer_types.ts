/**
 * The check that the published types are complete and self-contained: a
 * consumer, compiled against the installed tarball with
 * `skipLibCheck: false` and no `@types/*`, under each module resolution a
 * user may have.
 *
 * @module
 */

import path from "node:path";
import type { Outcome } from "./check_outcome.ts";
import { exec, type Output } from "./exec.ts";

/**
 * Uses the package the way the README does. Only the contract's names:
 * the check is about the published types resolving and being complete.
 */
export const CONSUMER = `import {
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
import { s3Store, S3StoreError, type S3StoreOptions } from "audit-log-export/s3";

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
  const s3Options: S3StoreOptions = {
    bucket: "audit-archive",
    endpoint: "http://127.0.0.1:9000",
    credentials: { accessKeyId: "minio", secretAccessKey: "minio-secret" },
    objectLock: { mode: "GOVERNANCE", days: 30 },
  };
  const stores: ArchiveStore[] = [directoryStore(root), bucket, s3Store(s3Options)];
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
      if (error instanceof S3StoreError) console.error(error.status, error.code);
    }
  }
  return windows;
}
`;

/**
 * Uses the CLI entry in-process, as its docs do. It is an ES module only,
 * so only the ESM setups compile it.
 */
export const CLI_CONSUMER =
  `import { type CliIO, main } from "audit-log-export/cli";

let output = "";
const io: Partial<CliIO> = {
  stdout: async (chunk) => void (output += typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk)),
  env: (name) => (name === "WORKOS_API_KEY" ? "sk_test_emulator" : undefined),
  signal: AbortSignal.timeout(1_000),
};

export async function version(): Promise<string> {
  const code: number = await main(["--version"], io);
  return \`\${code} \${output}\`;
}
`;

/** A module resolution to compile the consumer under: its files and compiler options. */
export interface ConsumerSetup {
  files: Record<string, string>;
  options: Record<string, unknown>;
}

/** The setups, by name; a setup's directory is the first word of its name. */
export const CONSUMER_SETUPS: Record<string, ConsumerSetup> = {
  "nodenext (ESM .mts, CJS .cts, the CLI from ESM)": {
    files: {
      "esm.mts": CONSUMER,
      "cjs.cts": CONSUMER,
      "cli.mts": CLI_CONSUMER,
    },
    options: { module: "nodenext", moduleResolution: "nodenext" },
  },
  "bundler": {
    files: { "bundler.ts": CONSUMER, "cli.ts": CLI_CONSUMER },
    options: { module: "esnext", moduleResolution: "bundler" },
  },
  "node10": {
    files: { "node10.ts": CONSUMER },
    options: { module: "commonjs", moduleResolution: "node10" },
  },
};

/**
 * The tsconfig.json of a setup. `types: []` keeps `@types/node` out, so the
 * published declarations must not lean on Node's ambient types;
 * `skipLibCheck: false` checks the declarations themselves.
 */
export function consumerTsconfig(setup: ConsumerSetup): string {
  return JSON.stringify({
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
  });
}

/**
 * Installs `tarball` offline in a scratch project and compiles the consumer
 * of each setup there with `tsc` (called with the project directory).
 */
export async function checkConsumerTypes(
  tarball: string,
  tsc: (project: string) => Promise<Output>,
  setups: Record<string, ConsumerSetup> = CONSUMER_SETUPS,
): Promise<Outcome> {
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
    for (const [name, setup] of Object.entries(setups)) {
      const sub = path.join(dir, name.split(" ")[0]);
      await Deno.mkdir(sub);
      for (const [file, text] of Object.entries(setup.files)) {
        await Deno.writeTextFile(path.join(sub, file), text);
      }
      await Deno.writeTextFile(
        path.join(sub, "tsconfig.json"),
        consumerTsconfig(setup),
      );
      const out = await tsc(sub);
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
