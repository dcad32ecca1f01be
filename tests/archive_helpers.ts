/**
 * Helpers of the archive's evidence tests: the options of their emulator,
 * a raw hostile API on loopback, store wrappers that crash on cue, readers of
 * what a directory archive holds, and child processes that archive into
 * the same directory (and can be SIGKILLed).
 *
 * @module
 */

import { type ArchiveStore, exportRows } from "../mod.ts";
import { directoryStore } from "../fs.ts";
import type { Emulator, EmulatorEvent, ServeOptions } from "../testing.ts";
import { type Api, TEST_KEY } from "./helpers.ts";

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
export const encoder = new TextEncoder();
export const decoder = new TextDecoder();

const SPELLED =
  /^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d\d)(?::?(\d\d))?)$/;

/**
 * Epoch ms of an ISO-8601 time as the tests spell them (a fraction of any
 * length cut to the millisecond), or `undefined`: the tests' own reading,
 * independent of the library's.
 */
export function timeOf(text: string): number | undefined {
  const m = SPELLED.exec(text);
  if (!m) return undefined;
  const ms = Number((m[7] ?? "").padEnd(3, "0").slice(0, 3));
  const offset = m[8] ? 0 : (m[9] === "-" ? -1 : 1) *
    (Number(m[10]) * 60 + Number(m[11] ?? 0));
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] ?? 0), ms) -
    offset * 60_000;
}

/**
 * What an archive test's emulator needs besides its events: an archive run
 * creates an export per window, so they are ready at once and never
 * rate-limited.
 */
export const QUICK_API: ServeOptions = { exportDelayMs: 0, rateLimit: false };

/** Runs `fn` with a fresh temporary directory, removed afterwards. */
export async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "archive_evidence_" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** An event of `organizationId` whose action names it, so every copy of it can be counted. */
export function event(
  organizationId: string,
  action: string,
  occurredAt: string | number,
  patch: Partial<EmulatorEvent> = {},
): EmulatorEvent {
  return {
    organizationId,
    action,
    occurredAt: typeof occurredAt === "number"
      ? new Date(occurredAt).toISOString()
      : occurredAt,
    actor: { id: "user_1", type: "user", name: "Ada" },
    targets: [{ id: "team_1", type: "team" }],
    context: { location: "203.0.113.7" },
    ...patch,
  };
}

/** Posts one event through `POST /audit_logs/events`, as an application writes it. */
export async function postEvent(api: Api, e: EmulatorEvent): Promise<void> {
  const response = await fetch(`${api.url}/audit_logs/events`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${api.config.apiKey}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({
      organization_id: e.organizationId,
      event: {
        action: e.action,
        occurred_at: e.occurredAt,
        actor: e.actor,
        targets: e.targets,
        context: { location: e.context.location },
        ...(e.metadata ? { metadata: e.metadata } : {}),
      },
    }),
  });
  const text = await response.text();
  if (response.status !== 200) {
    throw new Error(`POST /audit_logs/events: ${response.status} ${text}`);
  }
}

/** How many `POST /audit_logs/exports` the emulator received, per organization. */
export function exportsPosted(emulator: Emulator): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of emulator.requests) {
    if (r.method !== "POST" || r.path !== "/audit_logs/exports") continue;
    const org = JSON.parse(r.body ?? "{}").organization_id as string;
    counts.set(org, (counts.get(org) ?? 0) + 1);
  }
  return counts;
}

/** Every file under `dir` (temporary `.part` files and locks left out), by key. */
export async function files(dir: string): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  const walk = async (path: string, prefix: string) => {
    for await (const entry of Deno.readDir(path)) {
      const key = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory) await walk(`${path}/${entry.name}`, key);
      else if (!entry.name.endsWith(".part") && !entry.name.endsWith(".lock")) {
        out.set(key, await Deno.readFile(`${path}/${entry.name}`));
      }
    }
  };
  await walk(dir, "");
  return new Map([...out].sort(([a], [b]) => a < b ? -1 : 1));
}

/** The names of the temporary files under `dir`. */
export async function partFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (path: string) => {
    for await (const entry of Deno.readDir(path)) {
      if (entry.isDirectory) await walk(`${path}/${entry.name}`);
      else if (entry.name.endsWith(".part")) out.push(entry.name);
    }
  };
  await walk(dir);
  return out.sort();
}

/** A window file or an addendum: `<org>/<yyyy>/<mm>/<dd>/<start>_<end>[.late-<t>].<ext>`. */
export const DATA_FILE =
  /^([^/]+)\/\d{4}\/\d\d\/\d\d\/(\d{8}T\d{6}Z)_(\d{8}T\d{6}Z)(\.late-[^/]+)?\.(csv|ndjson)$/;

const compactToMs = (s: string) =>
  Date.parse(
    `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${
      s.slice(11, 13)
    }:${s.slice(13, 15)}Z`,
  );

/** One stored event: where it is, its action, and its time. */
export interface StoredRow {
  key: string;
  organizationId: string;
  /** The span of the window the file belongs to. */
  start: number;
  end: number;
  late: boolean;
  action: string;
  time: number;
}

/** Every event of every window file and addendum among `objects`. */
export async function storedRows(
  objects: Map<string, Uint8Array>,
): Promise<StoredRow[]> {
  const rows: StoredRow[] = [];
  for (const [key, body] of objects) {
    const m = DATA_FILE.exec(key);
    if (!m) continue;
    const base = {
      key,
      organizationId: m[1],
      start: compactToMs(m[2]),
      end: compactToMs(m[3]),
      late: m[4] !== undefined,
    };
    if (m[5] === "csv") {
      if (body.byteLength === 0) continue;
      for await (const row of exportRows(new Response(body.slice()))) {
        const time = timeOf(row.occurred_at);
        if (time === undefined) throw new Error(`${key}: ${row.occurred_at}`);
        rows.push({ ...base, action: row.action, time });
      }
    } else {
      for (const line of decoder.decode(body).split("\n")) {
        if (line === "") continue;
        const e = JSON.parse(line);
        rows.push({
          ...base,
          action: e.action,
          time: Date.parse(e.occurredAt),
        });
      }
    }
  }
  return rows;
}

/**
 * Checks that every stored row lies in the span of its file, and returns
 * `org|action` of every stored row, sorted (duplicates kept).
 */
export async function union(
  objects: Map<string, Uint8Array>,
): Promise<string[]> {
  const rows = await storedRows(objects);
  for (const r of rows) {
    if (r.time < r.start || r.time >= r.end) {
      throw new Error(
        `${r.action} at ${new Date(r.time).toISOString()} is in ${r.key}`,
      );
    }
  }
  return rows.map((r) => `${r.organizationId}|${r.action}`).sort();
}

/** `org|action` of every event whose time is in `[from, to)`, sorted. */
export function expectedUnion(
  events: readonly EmulatorEvent[],
  from: number,
  to: number,
): string[] {
  return events.filter((e) => {
    const t = timeOf(e.occurredAt)!;
    return t >= from && t < to;
  }).map((e) => `${e.organizationId}|${e.action}`).sort();
}

/** The checkpoint of `org` in `dir`, parsed, or undefined. */
export async function checkpointOf(
  dir: string,
  org: string,
): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(`${dir}/${org}/checkpoint.json`));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** Writes `text` as `key` under `dir`. */
export async function writeKey(
  dir: string,
  key: string,
  text: string,
): Promise<void> {
  const path = `${dir}/${key}`;
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  await Deno.writeTextFile(path, text);
}

/**
 * A directory store whose `put` and `write` go through `hook` first (which
 * may throw: a crash at that moment), logging the key of each.
 */
export function hookedStore(
  dir: string,
  hook: (op: "put" | "write", key: string) => void,
): ArchiveStore & { log: string[] } {
  const inner = directoryStore(dir);
  const log: string[] = [];
  return {
    log,
    get: (key) => inner.get(key),
    put: (key, body) => {
      hook("put", key);
      log.push(key);
      return inner.put(key, body);
    },
    read: (key: string) => inner.read(key),
    write: (key: string, body: ReadableStream<Uint8Array>) => {
      try {
        hook("write", key);
      } catch (error) {
        return body.cancel().then(() => Promise.reject(error));
      }
      log.push(key);
      return inner.write(key, body);
    },
    keys: (prefix?: string) => inner.keys(prefix),
    lock: (key: string, holder: string) => inner.lock(key, holder),
  } as ArchiveStore & { log: string[] };
}

/** A CSV row source for {@link serveFakeApi}: the file for an export of `[start, end]`, or `null` for "No audit log events found". */
export type CsvFor = (
  start: number,
  end: number,
  organizationId: string,
) => Uint8Array | string | null;

/**
 * A raw API on loopback (not the emulator): exports are ready at once and
 * their file is whatever `csvFor` returns for the requested range, byte
 * for byte. Answers carry the real clock unless `now` says otherwise.
 */
export function serveFakeApi(
  csvFor: CsvFor,
  now: () => number = Date.now,
): Api & { close(): Promise<void>; posts: number } {
  const files = new Map<string, Uint8Array>();
  let next = 0;
  const apiKey = TEST_KEY;
  const state = { posts: 0 };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const url = new URL(request.url);
      const json = (status: number, body: unknown) =>
        new Response(JSON.stringify(body), {
          status,
          headers: {
            "content-type": "application/json",
            date: new Date(now()).toUTCString(),
          },
        });
      const exportOf = (id: string) => ({
        object: "audit_log_export",
        id,
        state: "ready",
        url: `${url.origin}/files/${id}.csv`,
        created_at: new Date(now()).toISOString(),
        updated_at: new Date(now()).toISOString(),
      });
      if (url.pathname.startsWith("/files/")) {
        const id = url.pathname.slice(7, -4);
        const body = files.get(id);
        return body
          ? new Response(body.slice(), {
            headers: { "content-type": "text/csv" },
          })
          : new Response("gone", { status: 403 });
      }
      if (request.headers.get("authorization") !== `Bearer ${apiKey}`) {
        return json(401, { message: "Unauthorized" });
      }
      if (request.method === "POST" && url.pathname === "/audit_logs/exports") {
        state.posts++;
        const body = await request.json();
        const csv = csvFor(
          Date.parse(body.range_start),
          Date.parse(body.range_end),
          body.organization_id,
        );
        if (csv === null) {
          return json(400, { message: "No audit log events found" });
        }
        const id = `audit_log_export_${++next}`;
        files.set(id, typeof csv === "string" ? encoder.encode(csv) : csv);
        return json(201, exportOf(id));
      }
      const m = /^\/audit_logs\/exports\/(.+)$/.exec(url.pathname);
      if (request.method === "GET" && m && files.has(m[1])) {
        return json(200, exportOf(m[1]));
      }
      return json(404, { message: "Not found" });
    },
  );
  const { port } = server.addr as Deno.NetAddr;
  const base = `http://127.0.0.1:${port}`;
  return {
    config: { apiKey, baseUrl: base },
    url: base,
    emulator: undefined as unknown as Emulator,
    get posts() {
      return state.posts;
    },
    close: () => server.shutdown(),
  };
}

/**
 * The records of RFC 4180-ish CSV bytes (CRLF, LF or CR endings, quotes
 * doubled inside quoted fields), each as its exact bytes: an oracle
 * independent of the library's reader.
 */
export function splitRecords(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x22) quoted = !quoted;
    else if (!quoted && (b === 0x0a || b === 0x0d)) {
      if (b === 0x0d && bytes[i + 1] === 0x0a) i++;
      out.push(bytes.subarray(start, i + 1));
      start = i + 1;
    }
  }
  if (start < bytes.length) out.push(bytes.subarray(start));
  return out;
}

/** Joins byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

const MOD_URL = new URL("../mod.ts", import.meta.url).href;
const FS_URL = new URL("../fs.ts", import.meta.url).href;

/** What a child archiver is told to do. */
export interface ChildJob {
  dir: string;
  baseUrl: string;
  apiKey: string;
  organizationIds: string[];
  from: number;
  now: number;
  format?: "csv" | "ndjson";
  window?: number;
  /** Only take the lock of this key and hold it (then sleep), instead of archiving. */
  holdLock?: string;
}

/**
 * A `deno eval` child that runs `archiveExports` into `job.dir` (or only
 * takes a lock and sleeps), printing `ok <json>` or `error <message>`.
 */
export function spawnChild(job: ChildJob): Deno.ChildProcess {
  const code = `
    import { archiveExports } from ${JSON.stringify(MOD_URL)};
    import { directoryStore } from ${JSON.stringify(FS_URL)};
    const job = JSON.parse(Deno.env.get("ARCHIVE_JOB"));
    const store = directoryStore(job.dir);
    if (job.holdLock) {
      await store.lock(job.holdLock, "a child that holds the lock");
      console.log("locked");
      await new Promise((r) => setTimeout(r, 60_000));
    } else {
      try {
        const result = await archiveExports({
          organizationIds: job.organizationIds,
          store,
          from: new Date(job.from),
          now: () => job.now,
          ...(job.format ? { format: job.format } : {}),
          ...(job.window ? { window: job.window } : {}),
        }, { apiKey: job.apiKey, baseUrl: job.baseUrl, maxRetries: 1 });
        console.log("ok " + JSON.stringify({ windows: result.windows.length, late: result.late.length }));
      } catch (error) {
        console.log("error " + (error && error.message));
        Deno.exit(3);
      }
    }
  `;
  return new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", "--no-check", code],
    env: { ARCHIVE_JOB: JSON.stringify(job), NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Reads what a child wrote, once it has ended. */
export async function childOutput(
  child: Deno.ChildProcess,
): Promise<{ code: number; signal: string | null; out: string }> {
  const { code, signal, stdout, stderr } = await child.output();
  return {
    code,
    signal,
    out: decoder.decode(stdout) + decoder.decode(stderr),
  };
}

/** A small seeded PRNG (mulberry32), for reproducible random schedules. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
