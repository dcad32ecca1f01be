/**
 * Running the CLI the way a user does: `cli.ts` as a subprocess (or `main`
 * in-process), against an emulator served by the test, with the test key,
 * which every run checks never leaks; and the checks the `tests/cli_*_test.ts`
 * files share.
 *
 * @module
 */

import assert from "node:assert/strict";
import { exportRows } from "../mod.ts";
import { main } from "../cli.ts";
import {
  CSV_COLUMNS,
  type Emulator,
  type EmulatorEntity,
  type EmulatorEvent,
  type ServeOptions,
} from "../testing.ts";
import { type Api, TEST_KEY, withEmulator } from "./helpers.ts";

/** The repository root, with a trailing slash. */
export const ROOT = new URL("..", import.meta.url).pathname;
/** The CLI's entry, run as a subprocess. */
export const CLI = `${ROOT}cli.ts`;
/** The `deno.json` the subprocess runs with. */
export const CONFIG = `${ROOT}deno.json`;

/** What a run of the CLI gave: its exit code and output. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** How to run the CLI. */
export interface RunOptions {
  /** The served emulator to point --base-url at (omit for commands that need none). */
  server?: { url: string };
  /** WORKOS_API_KEY; `""` to leave it unset. Default {@link TEST_KEY}, which must never appear in the output. */
  key?: string;
  /** Working directory. Default the repository root. */
  cwd?: string;
  /** Keys that must appear nowhere in the output. */
  secrets?: string[];
  /** Deno's permission flags, instead of network to loopback, env, read and write. */
  allow?: string[];
  /** More environment variables. */
  env?: Record<string, string>;
  /**
   * Kills the run after this many ms, so a hang fails the test instead of
   * stalling the suite; far above any normal run, never a timing check.
   */
  killAfterMs?: number;
}

/** Runs `cli.ts` as a subprocess, the way a user would, and checks the key never leaks. */
export async function cli(
  args: string[],
  options: RunOptions = {},
): Promise<Run> {
  const child = spawn(args, options);
  let killed = false;
  const timer = options.killAfterMs === undefined
    ? undefined
    : setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, options.killAfterMs);
  try {
    const out = await child.output();
    assert.ok(!killed, `${args.join(" ")}: hung, killed`);
    return checked(out, options);
  } finally {
    clearTimeout(timer);
  }
}

const DEFAULT_ALLOW = [
  "--allow-net=127.0.0.1,localhost",
  "--allow-env",
  "--allow-read",
  "--allow-write",
];

/** Starts `cli.ts` as a subprocess with `args`, as {@link cli} does, for a test that signals it. */
export function spawn(args: string[], options: RunOptions): Deno.ChildProcess {
  const base = options.server ? ["--base-url", options.server.url] : [];
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--config",
      CONFIG,
      ...(options.allow ?? DEFAULT_ALLOW),
      CLI,
      ...args,
      ...base,
    ],
    cwd: options.cwd ?? ROOT,
    env: {
      WORKOS_API_KEY: options.key ?? TEST_KEY,
      WORKOS_BASE_URL: "",
      // Set in a developer's shell, it would add lines to every stderr.
      AUDIT_LOG_EXPORT_DEBUG: "",
      NO_COLOR: "1",
      ...options.env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** The output of a finished subprocess, checked for the key (and `options.secrets`). */
export function checked(out: Deno.CommandOutput, options: RunOptions): Run {
  const run = {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
  for (const secret of [TEST_KEY, ...(options.secrets ?? [])]) {
    assert.ok(!run.stdout.includes(secret), "the API key leaked to stdout");
    assert.ok(!run.stderr.includes(secret), "the API key leaked to stderr");
  }
  return run;
}

/** The path of every download URL of the emulator. */
export const DOWNLOADS = /^\/_emulator\/downloads\//;
/** How every export file starts: the fixed columns, then the first target's. */
export const HEADER = `${CSV_COLUMNS.join(",")},target_id_1,`;

/** The emulator of most CLI tests: exports ready at once, so no run waits. */
export const READY: ServeOptions = { exportDelayMs: 0 };

/**
 * {@link withEmulator}, and a fresh directory for the run's files (symlinks
 * resolved, so a path the CLI prints can be compared with it), removed
 * afterwards.
 */
export function withEmulatorAndDir<T>(
  options: ServeOptions,
  fn: (s: Api & { dir: string }) => Promise<T>,
): Promise<T> {
  return withEmulator(options, async (api) => {
    const made = await Deno.makeTempDir({ prefix: "cli_test_" });
    try {
      return await fn({ ...api, dir: await Deno.realPath(made) });
    } finally {
      await Deno.remove(made, { recursive: true });
    }
  });
}

/** The instant `days` days before now, as an ISO string. */
export const daysAgo = (days: number) =>
  new Date(Date.now() - days * 86_400_000).toISOString();

/** The rows of the CSV file at `path`, read by the library. */
export async function csvRows(path: string): Promise<Record<string, string>[]> {
  const rows: Record<string, string>[] = [];
  const file = await Deno.open(path);
  for await (const row of exportRows(file.readable)) rows.push(row);
  return rows;
}

/** Creates an export through the CLI and returns its id. */
export async function createdId(
  server: { url: string },
  org: string,
  from: string,
): Promise<string> {
  const created = await cli(
    ["create", "--org", org, "--from", from, "--json"],
    {
      server,
    },
  );
  assert.equal(created.code, 0, created.stderr);
  return JSON.parse(created.stdout).id;
}

/** The names in a directory, sorted. */
export const listDir = async (dir: string) =>
  (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();

/** A day in ms. */
export const DAY = 86_400_000;

/** An emulator event as a line of `--format ndjson` holds it, parsed. */
export function asExported(e: EmulatorEvent): unknown {
  // Empty cells read back as absent members, as the reader documents.
  const entity = (x: EmulatorEntity) => ({
    id: x.id,
    type: x.type,
    name: x.name || undefined,
    metadata: x.metadata,
  });
  return JSON.parse(JSON.stringify({
    action: e.action,
    occurredAt: new Date(e.occurredAt).toISOString(),
    actor: entity(e.actor),
    targets: e.targets.map(entity),
    context: {
      location: e.context.location || undefined,
      userAgent: e.context.userAgent || undefined,
    },
    metadata: e.metadata,
    raw: {},
  }));
}

/** The events an export of `[from, to]` holds, in the emulator's file order. */
export function eventsIn(
  emulator: Emulator,
  org: string,
  from: string,
  to: string,
  keep: (e: EmulatorEvent) => boolean = () => true,
): EmulatorEvent[] {
  const [start, end] = [Date.parse(from), Date.parse(to)];
  return emulator.listEvents(org).filter((e) => {
    const t = Date.parse(e.occurredAt);
    return t >= start && t <= end && keep(e);
  }).sort((a, b) =>
    Date.parse(a.occurredAt) - Date.parse(b.occurredAt) ||
    (a.id! < b.id! ? -1 : 1)
  );
}

/** The objects of NDJSON text; every line, the last included, ends in a newline. */
export function ndjsonLines(text: string): unknown[] {
  assert.ok(text === "" || text.endsWith("\n"), "the last line is terminated");
  return text.split("\n").slice(0, -1).map((line) => JSON.parse(line));
}

/** Checks a usage error: exit 2, the message, the usage hint, nothing on stdout, nothing a terminal would act on. */
export function assertUsage(run: Run, pattern: RegExp, what: string): void {
  assert.equal(run.code, 2, `${what}\n${run.stderr}`);
  assert.match(run.stderr, pattern, what);
  assert.match(run.stderr, /Usage: audit-log-export/, what);
  assert.equal(run.stdout, "", what);
  assert.ok(
    !["\u001b", "\u009b", "\u202e"].some((c) => run.stderr.includes(c)),
    `${what}: a typed control character reached the terminal`,
  );
  // A huge value is clipped, not echoed whole.
  assert.ok(run.stderr.length < 2_000, `${what}: ${run.stderr.length} chars`);
}

/** Runs `main` in-process with captured output and the given environment and clock. */
export async function inProcess(
  args: string[],
  options: {
    env?: Record<string, string>;
    now?: () => number;
    isTTY?: boolean;
    stdout?: (chunk: string | Uint8Array) => Promise<void>;
    stdin?: () => ReadableStream<Uint8Array>;
  } = {},
): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: options.stdout ?? ((chunk) => {
      stdout += typeof chunk === "string"
        ? chunk
        : new TextDecoder().decode(chunk);
      return Promise.resolve();
    }),
    stderr: (text) => void (stderr += text),
    env: (name) => options.env?.[name],
    isTTY: options.isTTY ?? false,
    columns: undefined,
    now: options.now,
    ...(options.stdin ? { stdin: options.stdin } : {}),
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

/** A pattern matching `text` literally. */
export const literal = (text: string) =>
  text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** The `[http]` lines of a run's stderr, after checking none shows a query, the key or a trace of its redaction. */
export function attemptLines(run: Run): string[] {
  assert.doesNotMatch(run.stderr, /X-Expires|\[redacted\]/);
  const lines = run.stderr.split("\n").filter((l) => l.startsWith("[http] "));
  for (const line of lines) assert.ok(!line.includes("?"), line);
  return lines;
}
