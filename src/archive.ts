/**
 * The archive: an organization's audit trail kept beyond WorkOS's three
 * months, one window file at a time, gap-free and duplicate-free across
 * runs, crashes and retries.
 *
 * Each run exports every whole window not yet archived. A window is
 * half-open, `[start, end)`, and is requested with `range_end = end`; rows
 * outside it are dropped, so an event on a boundary lands in exactly one
 * window whether the API reads `range_end` as inclusive or not. A window's
 * file is written before the organization's checkpoint moves past it, so a
 * crash anywhere leaves at most one window to redo, and redoing it writes
 * the same key again.
 *
 * @module
 */

import {
  type ClientConfig,
  type FetchLike,
  requireApiKey,
  resolveConfig,
  type ResolvedConfig,
} from "./config.ts";
import { parseCsvTable } from "./csv.ts";
import { csvRecord } from "./csv_record.ts";
import { openSource } from "./download.ts";
import { fixed } from "./exports.ts";
import { AuditLogError, ValidationError } from "./errors.ts";
import { parseCsvEvents } from "./events.ts";
import { parseInstant } from "./instant.ts";
import { monthsBefore, RETENTION_MONTHS } from "./retention.ts";
import { sleep } from "./signals.ts";
import { retryAfterMs } from "./transport.ts";
import { requireObject, textProblem } from "./validation.ts";

/**
 * Where the archive keeps its files and checkpoints: anything with `get`
 * and `put`, such as a Cloudflare R2 bucket binding as it is, or
 * `directoryStore` from `audit-log-export/fs`. `put` must replace the whole
 * object at once (a reader never sees half of it) and resolve only once it
 * is stored.
 *
 * @example
 * ```ts
 * import type { ArchiveStore } from "@audit-log/export";
 * const objects = new Map<string, Uint8Array>();
 * const memory: ArchiveStore = {
 *   get: (key) => Promise.resolve(objects.has(key) ? new TextDecoder().decode(objects.get(key)) : null),
 *   put: (key, body) => Promise.resolve(void objects.set(key, body)),
 * };
 * ```
 */
export interface ArchiveStore {
  /** The object at `key` (its text, or anything with `text()`), or `null`/`undefined` when there is none. */
  get(
    key: string,
  ): Promise<string | { text(): Promise<string> } | null | undefined>;
  /** Stores `body` at `key`, replacing any object there. */
  put(key: string, body: Uint8Array): Promise<unknown>;
}

/**
 * Options of {@link archiveExports}.
 *
 * @example
 * ```ts
 * import { archiveExports, type ArchiveOptions, type ArchiveStore } from "@audit-log/export";
 * declare const bucket: ArchiveStore; // e.g. an R2 binding
 * const options: ArchiveOptions = {
 *   organizationIds: ["org_01EHZNVPK3SFK441A1RGBFSHRT"],
 *   store: bucket,
 *   window: 86_400_000, // one day, the default
 *   format: "ndjson",
 * };
 * await archiveExports(options, { apiKey: "sk_live_…" });
 * ```
 */
export interface ArchiveOptions {
  /** The organization to archive. Give this or `organizationIds`. */
  organizationId?: string;
  /** Several organizations, archived concurrently under one rate limit. */
  organizationIds?: readonly string[];
  /** Where window files and checkpoints go. */
  store: ArchiveStore;
  /**
   * The first instant of the first run (a `Date` or an ISO-8601 date-time
   * with a zone). Default: as far back as the API allows, from the next
   * window boundary. Later runs go on from their checkpoint.
   */
  from?: Date | string;
  /** Window length in ms: at least a minute, whole seconds. Default one day. */
  window?: number;
  /** How long after a window ends it is still left alone, in ms, so late-written events are caught. Default one hour. */
  settle?: number;
  /** `"csv"` (the export's columns) or `"ndjson"` (one `AuditLogEvent` a line). Default `"csv"`. */
  format?: "csv" | "ndjson";
  /** Organizations archived at the same time. Default 4. */
  concurrency?: number;
  /** Stops the run; windows already stored stay stored. */
  signal?: AbortSignal;
  /** Called after each window is stored and checkpointed. */
  onWindow?: (window: ArchivedWindow) => void;
  /** The clock, in epoch ms. Default `Date.now`. */
  now?: () => number;
  /** How many calendar months back the API can export. Default 3, as WorkOS documents. */
  retentionMonths?: number;
}

/**
 * One archived window.
 *
 * @example
 * ```ts
 * import type { ArchivedWindow } from "@audit-log/export";
 * const line = (w: ArchivedWindow) => `${w.organizationId} ${w.start.toISOString()} ${w.rows} rows → ${w.key}`;
 * ```
 */
export interface ArchivedWindow {
  /** The organization. */
  organizationId: string;
  /** First instant of the window (inclusive). */
  start: Date;
  /** End of the window (exclusive). */
  end: Date;
  /** Rows (events) in the window's file. */
  rows: number;
  /** Bytes of the window's file. */
  bytes: number;
  /** Where the file is in the store. */
  key: string;
}

/**
 * A span that could not be archived: it was already past what the API
 * still exports when the archive got to it.
 *
 * @example
 * ```ts
 * import type { ArchiveGap } from "@audit-log/export";
 * const warn = (g: ArchiveGap) => console.error(`${g.organizationId}: nothing between ${g.from.toISOString()} and ${g.to.toISOString()}`);
 * ```
 */
export interface ArchiveGap {
  /** The organization. */
  organizationId: string;
  /** Start of the missing span. */
  from: Date;
  /** End of the missing span, where archiving went on. */
  to: Date;
}

/**
 * What one run did.
 *
 * @example
 * ```ts
 * import { archiveExports, type ArchiveResult, type ArchiveStore } from "@audit-log/export";
 * declare const store: ArchiveStore;
 * const result: ArchiveResult = await archiveExports({ organizationId: "org_123", store });
 * if (result.gaps.length) console.error("the archive has gaps", result.gaps);
 * ```
 */
export interface ArchiveResult {
  /** The windows archived by this run, per organization in time order. */
  windows: ArchivedWindow[];
  /** Spans lost before this run could archive them. */
  gaps: ArchiveGap[];
  /** Wall time of the run, in ms. */
  durationMs: number;
}

/**
 * Some organizations could not be archived to the end. Every window in
 * `result` is stored and checkpointed; a rerun goes on from there.
 *
 * @example
 * ```ts
 * import { ArchiveError, archiveExports, type ArchiveStore } from "@audit-log/export";
 * declare const store: ArchiveStore;
 * try {
 *   await archiveExports({ organizationIds: ["org_1", "org_2"], store });
 * } catch (error) {
 *   if (error instanceof ArchiveError) {
 *     for (const f of error.failures) console.error(f.organizationId, f.error);
 *   }
 * }
 * ```
 */
export class ArchiveError extends AuditLogError {
  /** Always `"ArchiveError"`, minified or not. */
  override readonly name: string = "ArchiveError";
  /** What was archived before the failures. */
  readonly result: ArchiveResult;
  /** Each organization that failed, with its error. */
  readonly failures: readonly { organizationId: string; error: unknown }[];

  /**
   * Creates the error.
   *
   * @param result What was archived.
   * @param failures The organizations that failed and why.
   */
  constructor(
    result: ArchiveResult,
    failures: readonly { organizationId: string; error: unknown }[],
  ) {
    super(
      `Archiving failed for ${
        failures.map((f) => f.organizationId).join(", ")
      }: ${
        failures.map((f) =>
          f.error instanceof Error ? f.error.message : String(f.error)
        ).join("; ")
      }`,
      { cause: failures[0]?.error },
    );
    this.result = result;
    this.failures = failures;
  }
}

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Organization ids become key prefixes: nothing that could leave one. */
const ORGANIZATION_ID = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,254}$/;

interface Plan {
  organizations: string[];
  store: ArchiveStore;
  from: number | undefined;
  window: number;
  settle: number;
  format: "csv" | "ndjson";
  concurrency: number;
  onWindow: ((window: ArchivedWindow) => void) | undefined;
  now: () => number;
  retentionMonths: number;
}

function instantOf(x: unknown): number | undefined {
  if (x instanceof Date) return x.getTime();
  return typeof x === "string" ? parseInstant(x) : undefined;
}

const KNOWN = new Set([
  "organizationId",
  "organizationIds",
  "store",
  "from",
  "window",
  "settle",
  "format",
  "concurrency",
  "signal",
  "onWindow",
  "now",
  "retentionMonths",
]);

/** Every problem with the options at once, before anything is read or sent. */
function plan(options: ArchiveOptions): Plan {
  requireObject(options, "options");
  const o = options as unknown as Record<string, unknown>;
  const issues: { path: string; message: string }[] = [];
  const bad = (path: string, message: string) => issues.push({ path, message });
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key) && o[key] !== undefined) {
      bad(key, "is not a known option");
    }
  }
  const ids: unknown[] = [];
  if (o.organizationId !== undefined) ids.push(o.organizationId);
  if (o.organizationIds !== undefined) {
    if (!Array.isArray(o.organizationIds)) {
      bad("organizationIds", "must be an array of organization ids");
    } else ids.push(...o.organizationIds);
  }
  if (o.organizationId === undefined && o.organizationIds === undefined) {
    bad("organizationId", "is required (or organizationIds)");
  } else if (ids.length === 0) {
    bad("organizationIds", "must not be empty");
  }
  ids.forEach((id, i) => {
    const path = o.organizationIds === undefined
      ? "organizationId"
      : `organizationIds.${o.organizationId === undefined ? i : i - 1}`;
    const problem = textProblem("organization id", id, 255) ??
      (ORGANIZATION_ID.test(id as string) && id !== "." && id !== ".."
        ? undefined
        : "organization id must be letters, digits, _, - and . only (it names the store's folders)");
    if (problem) bad(path, problem);
  });
  if (new Set(ids).size !== ids.length) {
    bad("organizationIds", "must not name an organization twice");
  }
  const store = o.store as ArchiveStore | undefined;
  if (
    typeof store !== "object" || store === null ||
    typeof store.get !== "function" || typeof store.put !== "function"
  ) {
    bad("store", "must be a store with get(key) and put(key, body)");
  }
  const from = o.from === undefined ? undefined : instantOf(o.from);
  if (o.from !== undefined && from === undefined) {
    bad(
      "from",
      "must be a valid Date or an ISO-8601 date-time with a time zone",
    );
  }
  const duration = (
    key: string,
    fallback: number,
    min: number,
    max: number,
  ): number => {
    const v = o[key] ?? fallback;
    if (
      typeof v !== "number" || !Number.isInteger(v) || v < min || v > max
    ) {
      bad(key, `must be a whole number of ms from ${min} to ${max}`);
      return fallback;
    }
    return v;
  };
  const window = duration("window", DAY, MINUTE, 31 * DAY);
  if (window % 1000 !== 0) bad("window", "must be whole seconds");
  const settle = duration("settle", 3_600_000, 0, 31 * DAY);
  const concurrency = duration("concurrency", 4, 1, 64);
  const retentionMonths = duration(
    "retentionMonths",
    RETENTION_MONTHS,
    1,
    120,
  );
  const format = o.format ?? "csv";
  if (format !== "csv" && format !== "ndjson") {
    bad("format", 'must be "csv" or "ndjson"');
  }
  for (const key of ["onWindow", "now"]) {
    if (o[key] !== undefined && typeof o[key] !== "function") {
      bad(key, "must be a function");
    }
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    bad("signal", "must be an AbortSignal");
  }
  if (issues.length) throw new ValidationError(issues);
  return {
    organizations: ids as string[],
    store: store!,
    from,
    window,
    settle,
    format: format as "csv" | "ndjson",
    concurrency,
    onWindow: options.onWindow,
    now: options.now ?? Date.now,
    retentionMonths,
  };
}

/** `20261101T000000Z`: sortable, and free of characters file systems refuse. */
const compact = (ms: number): string =>
  new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, "");

/**
 * The key of a window's file: `<org>/<YYYY>/<MM>/<DD>/<start>_<end>.<ext>`,
 * by the UTC date of its start.
 */
export function windowKey(
  organizationId: string,
  start: number,
  end: number,
  format: "csv" | "ndjson",
): string {
  const day = new Date(start).toISOString().slice(0, 10).replaceAll("-", "/");
  return `${organizationId}/${day}/${compact(start)}_${compact(end)}.${format}`;
}

/** The key of an organization's checkpoint. */
export const checkpointKey = (organizationId: string): string =>
  `${organizationId}/checkpoint.json`;

async function readCheckpoint(
  store: ArchiveStore,
  organizationId: string,
): Promise<number | undefined> {
  const found = await store.get(checkpointKey(organizationId));
  if (found === null || found === undefined) return undefined;
  const text = typeof found === "string" ? found : await found.text();
  let end: unknown;
  try {
    end = (JSON.parse(text) as { end?: unknown }).end;
  } catch {
    end = undefined;
  }
  const ms = typeof end === "string" ? parseInstant(end) : undefined;
  if (ms === undefined) {
    // Guessing would risk a gap or a duplicate; a person must look.
    throw new AuditLogError(
      `The checkpoint ${
        checkpointKey(organizationId)
      } is not {"end": "<ISO-8601 date-time>"}; fix or remove it`,
    );
  }
  return ms;
}

// Pure: a bundle that never archives drops it.
const encoder = /* @__PURE__ */ new TextEncoder();

/** The file of one window: the export's rows inside `[start, end)`, in the chosen format. */
async function windowFile(
  config: ResolvedConfig,
  organizationId: string,
  start: number,
  end: number,
  format: "csv" | "ndjson",
): Promise<{ body: Uint8Array; rows: number }> {
  const stream = await openSource(fixed(config), {
    organizationId,
    rangeStart: new Date(start),
    rangeEnd: new Date(end),
  });
  let text = "";
  let rows = 0;
  const inside = (ms: number | undefined) =>
    ms !== undefined && ms >= start && ms < end;
  if (format === "ndjson") {
    for await (const event of parseCsvEvents(stream)) {
      if (!inside(event.occurredAt.getTime())) continue;
      text += JSON.stringify(event) + "\n";
      rows++;
    }
  } else {
    const records = parseCsvTable(stream, (header, line) => {
      const at = header.indexOf("occurred_at");
      if (at < 0) {
        throw new AuditLogError(
          `The export has no occurred_at column (line ${line}), so its rows cannot be placed in windows`,
        );
      }
      text = csvRecord(header);
      return (fields) => inside(parseInstant(fields[at])) ? fields : undefined;
    });
    for await (const fields of records) {
      if (fields === undefined) continue;
      text += csvRecord(fields);
      rows++;
    }
  }
  return { body: encoder.encode(text), rows };
}

/**
 * A `fetch` shared by every organization of a run: once the API asks for a
 * pause (`429` with `Retry-After`), every request of the run waits it out,
 * not only the one that was refused.
 */
function sharedRateLimit(inner: FetchLike): FetchLike {
  let until = 0;
  return async (url, init) => {
    const wait = until - Date.now();
    if (wait > 0) await sleep(wait, init.signal ?? undefined);
    const response = await inner(url, init);
    if (response.status === 429) {
      const ms = retryAfterMs(response.headers);
      if (ms !== undefined) until = Math.max(until, Date.now() + ms);
    }
    return response;
  };
}

const alignUp = (t: number, step: number): number => Math.ceil(t / step) * step;

async function archiveOne(
  p: Plan,
  config: ResolvedConfig,
  organizationId: string,
  result: ArchiveResult,
): Promise<void> {
  const now = p.now();
  // A minute of margin keeps the first window inside the retention window
  // even when the API's clock runs a little ahead of this one.
  const earliest = monthsBefore(now, p.retentionMonths) + MINUTE;
  const last = now - p.settle;
  const checkpoint = await readCheckpoint(p.store, organizationId);
  let start = checkpoint ?? p.from ?? alignUp(earliest, p.window);
  if (start < earliest) {
    const resume = checkpoint === undefined && p.from !== undefined
      ? start + Math.ceil((earliest - start) / p.window) * p.window
      : alignUp(earliest, p.window);
    result.gaps.push({
      organizationId,
      from: new Date(start),
      to: new Date(resume),
    });
    start = resume;
  }
  for (; start + p.window <= last; start += p.window) {
    config.signal?.throwIfAborted();
    const end = start + p.window;
    const { body, rows } = await windowFile(
      config,
      organizationId,
      start,
      end,
      p.format,
    );
    const key = windowKey(organizationId, start, end, p.format);
    await p.store.put(key, body);
    // Only once the file is stored does the checkpoint move past it.
    await p.store.put(
      checkpointKey(organizationId),
      encoder.encode(
        JSON.stringify({
          organizationId,
          end: new Date(end).toISOString(),
          key,
        }) + "\n",
      ),
    );
    const window: ArchivedWindow = {
      organizationId,
      start: new Date(start),
      end: new Date(end),
      rows,
      bytes: body.byteLength,
      key,
    };
    result.windows.push(window);
    p.onWindow?.(window);
  }
}

/**
 * Archives every whole window not yet archived, for one or several
 * organizations, into `store`: a file per window and a checkpoint per
 * organization. Run it from a daily cron job or a Cloudflare Cron Trigger;
 * each run picks up where the last one stopped, and a crash anywhere
 * leaves at most one window to redo, overwritten in place.
 *
 * An empty window is archived as an empty file. A checkpoint (or `from`)
 * older than what the API still exports is reported in `gaps`, and the
 * rest is archived. Organizations run concurrently (`concurrency`), and a
 * `Retry-After` from the API pauses all of them.
 *
 * @example
 * ```ts
 * import { archiveExports } from "@audit-log/export";
 * import { directoryStore } from "@audit-log/export/fs";
 * const result = await archiveExports({
 *   organizationIds: ["org_01EHZNVPK3SFK441A1RGBFSHRT"],
 *   store: directoryStore("./audit-archive"),
 *   format: "ndjson",
 *   onWindow: (w) => console.error(`${w.key}: ${w.rows} rows`),
 * });
 * console.log(`${result.windows.length} windows, ${result.gaps.length} gaps`);
 * ```
 */
export async function archiveExports(
  options: ArchiveOptions,
  config?: ClientConfig,
): Promise<ArchiveResult> {
  const started = Date.now();
  const p = plan(options);
  const resolved = resolveConfig(config);
  requireApiKey(resolved);
  const shared: ResolvedConfig = {
    ...resolved,
    fetch: sharedRateLimit(resolved.fetch),
    signal: options.signal ?? resolved.signal,
  };
  const result: ArchiveResult = { windows: [], gaps: [], durationMs: 0 };
  const failures: { organizationId: string; error: unknown }[] = [];
  const queue = [...p.organizations];
  const worker = async () => {
    for (let org = queue.shift(); org !== undefined; org = queue.shift()) {
      try {
        await archiveOne(p, shared, org, result);
      } catch (error) {
        if (shared.signal?.aborted) throw shared.signal.reason;
        failures.push({ organizationId: org, error });
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(p.concurrency, queue.length) }, worker),
  );
  result.durationMs = Date.now() - started;
  if (failures.length) throw new ArchiveError(result, failures);
  return result;
}
