/**
 * The archive: an organization's audit trail kept beyond WorkOS's three
 * months, one window file at a time, every event exactly once across runs,
 * crashes, retries, changed settings and overlapping runs.
 *
 * Each run takes the organization's lock, exports every whole window not
 * yet archived, and re-checks the last few windows for late (back-dated)
 * events. A window is half-open, `[start, end)`, requested a little wider
 * and filtered locally, so an event on a boundary lands in exactly one
 * window whatever the API makes of either end. A window's file is written
 * (streamed) before the organization's checkpoint moves past it, and the
 * checkpoint records the settings it was made with, so a crash anywhere
 * leaves at most one window to redo under the same key, and a change of
 * `window` or `format` is refused instead of storing events twice. Spans
 * that can no longer be exported are written to a gaps ledger and reported
 * by every run until acknowledged. Every stored file gets a digest beside
 * it (`archive_digest.ts`), written before the checkpoint moves, chaining
 * the organization's files; a run that finds a file without one verifies
 * the file against a new export of its window before digesting it.
 *
 * @module
 */

import {
  type Checkpoint,
  type LedgerGap,
  lockKey,
  otherStoredWindow,
  readCheckpoint,
  readGaps,
  settingsConflict,
  windowKey,
  type WindowSettings,
  writeCheckpoint,
  writeGaps,
} from "./archive_ledger.ts";
import { DigestChain } from "./archive_chain.ts";
import { encoded, hashed } from "./archive_codec.ts";
import { recheckWindows, storedWindows } from "./archive_recheck.ts";
import { recheckStored } from "./archive_repair.ts";
import {
  keyProblem,
  type Signer,
  signerOf,
  type SigningKey,
} from "./archive_sign.ts";
import {
  accessStore,
  type ArchiveStore,
  type StoreAccess,
} from "./archive_store.ts";
import {
  apiClock,
  csvWindow,
  exportSpan,
  ndjsonWindow,
  type SpanCount,
  storedWindowCount,
} from "./archive_window.ts";
import {
  apiKeyOf,
  type ClientConfig,
  type FetchLike,
  type RequestOptions,
  resolveConfig,
  type ResolvedConfig,
} from "./config.ts";
import { AuditLogError, ValidationError } from "./errors.ts";
import { instantOf, TARGET_RULES } from "./archive_options.ts";
import { randomUUID } from "./random.ts";
import { monthsBefore, RETENTION_MONTHS } from "./retention.ts";
import { sleep } from "./signals.ts";
import { retryAfterMs } from "./transport.ts";
import {
  checkOptions,
  isRecord,
  type Issue,
  type Rule,
  type Rules,
} from "./rules.ts";

export { checkpointKey, windowKey } from "./archive_ledger.ts";
export type { ArchiveStore } from "./archive_store.ts";

/**
 * What a run means to archive of one organization, as `onPlan` is told.
 *
 * @example
 * ```ts
 * import type { ArchivePlan } from "@audit-log/export";
 * const line = (p: ArchivePlan) => `${p.organizationId}: ${p.windows} windows from ${p.from.toISOString()}`;
 * ```
 */
export interface ArchivePlan {
  /** The organization. */
  organizationId: string;
  /** Whole windows between the checkpoint (or `from`) and the last settled end. */
  windows: number;
  /** Where its first window starts. */
  from: Date;
}

/**
 * How {@link archiveExports} reaches the API: a client's configuration and,
 * as every call takes, a `signal` that stops the run (windows already stored
 * stay stored).
 *
 * @example
 * ```ts
 * import { archiveExports, type ArchiveConfig } from "@audit-log/export";
 * import { directoryStore } from "@audit-log/export/fs";
 * const config: ArchiveConfig = { maxRetries: 5, signal: AbortSignal.timeout(3_600_000) };
 * await archiveExports({ organizationId: "org_01EHZNVPK3SFK441A1RGBFSHRT", store: directoryStore("./archive") }, config);
 * ```
 */
export type ArchiveConfig = ClientConfig & Pick<RequestOptions, "signal">;

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
  /** Where window files, checkpoints, gaps ledgers and locks go. */
  store: ArchiveStore;
  /**
   * The first instant of the first run (a `Date` or an ISO-8601 date-time
   * with a zone). Default: as far back as the API allows, from the next
   * window boundary. Later runs go on from their checkpoint.
   */
  from?: Date | string;
  /** Window length in ms: at least a minute, whole seconds, at most 31 days. Default one day. Fixed for an archive once its first window is stored. */
  window?: number;
  /** How long after a window ends it is still left alone, in ms, so late-written events are caught. Default one hour. */
  settle?: number;
  /** `"csv"` (the export's own bytes) or `"ndjson"` (one `AuditLogEvent` a line). Default `"csv"`. Fixed for an archive once its first window is stored. */
  format?: "csv" | "ndjson";
  /**
   * How far back each run re-checks archived windows for late events, in
   * ms (whole windows before the checkpoint, bounded by what the API still
   * exports); `0` turns it off. Default seven days. It costs one export per
   * organization per run.
   */
  recheck?: number;
  /**
   * Acknowledges every gap in the gaps ledgers of these organizations:
   * they are marked accepted and no longer reported. Default `false`: a gap
   * is reported by every run until someone says they know.
   */
  acceptGaps?: boolean;
  /** Organizations archived at the same time. Default 4. */
  concurrency?: number;
  /** Called after each window is stored and checkpointed. */
  onWindow?: (window: ArchivedWindow) => void;
  /**
   * Called once per organization, under its lock, before its first window:
   * how many whole windows this run means to archive (a window the API's
   * clock says is not yet settled is left for a later run, so fewer may
   * come), for a progress bar.
   */
  onPlan?: (plan: ArchivePlan) => void;
  /** The clock, in epoch ms. Default `Date.now`. */
  now?: () => number;
  /** How many calendar months back the API can export. Default 3, as WorkOS documents. */
  retentionMonths?: number;
  /**
   * `"gzip"` stores windows and addenda compressed (`.csv.gz`,
   * `.ndjson.gz`), through the web's `CompressionStream`; digests are of
   * the stored bytes. Default: not compressed. Fixed for an archive once its
   * first window is stored, like `format`.
   */
  compress?: "gzip";
  /**
   * Signs every digest record: an Ed25519 private key (a `CryptoKey`, or a
   * JWK `{ kty: "OKP", crv: "Ed25519", d, x }`; Web Crypto, so not on Node
   * 18 without `--experimental-global-webcrypto`) or an HMAC-SHA-256 secret
   * (at least 32 bytes, a JWK `{ kty: "oct", k }`, or an HMAC `CryptoKey`;
   * every runtime). `verifyArchive` checks them with the public key (or
   * the secret). Default: digests are not signed. The key is never stored,
   * logged or quoted in an error.
   */
  signingKey?: SigningKey;
}

/**
 * The defaults of {@link ArchiveOptions}.
 *
 * @example
 * ```ts
 * import { ARCHIVE_DEFAULTS } from "@audit-log/export";
 * console.log(ARCHIVE_DEFAULTS.window / 3_600_000); // 24 (hours)
 * ```
 */
export const ARCHIVE_DEFAULTS: {
  readonly window: number;
  readonly settle: number;
  readonly format: "csv";
  readonly recheck: number;
  readonly concurrency: number;
  readonly retentionMonths: number;
  readonly acceptGaps: false;
  readonly now: () => number;
} = Object.freeze({
  window: 86_400_000,
  settle: 3_600_000,
  format: "csv",
  recheck: 7 * 86_400_000,
  concurrency: 4,
  retentionMonths: RETENTION_MONTHS,
  acceptGaps: false,
  now: () => Date.now(),
});

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
  /** The export it was read from; absent for a window with no event. */
  exportId?: string;
}

/**
 * A span that could not be archived: it was already past what the API
 * still exports when the archive got to it. It stays in the organization's
 * gaps ledger and is reported by every run until acknowledged.
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
  /** When a run first found it. */
  detectedAt: Date;
  /** When it was acknowledged (`acceptGaps`), if it was. */
  acceptedAt?: Date;
}

/**
 * Late events: events that reached WorkOS after their window was archived,
 * found by the re-check and stored as an addendum beside the window.
 *
 * @example
 * ```ts
 * import type { LateEvents } from "@audit-log/export";
 * const line = (l: LateEvents) => `${l.rows} late event(s) for ${l.window} → ${l.key}`;
 * ```
 */
export interface LateEvents {
  /** The organization. */
  organizationId: string;
  /** The window they belong to. */
  start: Date;
  /** End of that window (exclusive). */
  end: Date;
  /** The window's file. */
  window: string;
  /** The addendum that holds them. */
  key: string;
  /** How many. */
  rows: number;
  /** Bytes of the addendum. */
  bytes: number;
}

/**
 * Events the archive holds that WorkOS no longer exports (deleted there, or
 * changed): reported by the re-check, never deleted from the archive.
 *
 * @example
 * ```ts
 * import type { VanishedEvents } from "@audit-log/export";
 * const line = (v: VanishedEvents) => `${v.count} archived event(s) of ${v.window} are gone from WorkOS`;
 * ```
 */
export interface VanishedEvents {
  /** The organization. */
  organizationId: string;
  /** The window they are stored in. */
  start: Date;
  /** End of that window (exclusive). */
  end: Date;
  /** The window's file. */
  window: string;
  /** How many records. */
  count: number;
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
  /** Every gap not yet acknowledged, found by this run or an earlier one. */
  gaps: ArchiveGap[];
  /** The gaps this run acknowledged (`acceptGaps`). */
  acceptedGaps: ArchiveGap[];
  /** Late events this run found and stored. */
  late: LateEvents[];
  /** Archived events WorkOS no longer exports. */
  vanished: VanishedEvents[];
  /** Organizations whose re-check was skipped, and why. */
  recheckSkipped: { organizationId: string; reason: string }[];
  /** Wall time of the run, in ms. */
  durationMs: number;
}

const isoSpan = (g: ArchiveGap) =>
  `${g.organizationId} ${g.from.toISOString()} → ${g.to.toISOString()}`;

/**
 * What an {@link ArchiveError} is built from.
 *
 * @example
 * ```ts
 * import { ArchiveError, type ArchiveErrorInit } from "@audit-log/export";
 * const init: ArchiveErrorInit = {
 *   result: { windows: [], gaps: [], acceptedGaps: [], late: [], vanished: [], recheckSkipped: [], durationMs: 0 },
 *   failures: [{ organizationId: "org_1", error: new Error("down") }],
 * };
 * console.log(new ArchiveError(init).message); // "Archiving failed for org_1: down"
 * ```
 */
export interface ArchiveErrorInit {
  /** What was archived before the failures, and every open gap. */
  result: ArchiveResult;
  /** Each organization that failed, with its error. */
  failures: readonly { organizationId: string; error: unknown }[];
}

/**
 * Some organizations could not be archived to the end. Every window in
 * `result` is stored and checkpointed, and `result.gaps` holds every gap
 * not yet acknowledged (its message names them too); a rerun goes on from
 * each checkpoint.
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
 *     for (const g of error.result.gaps) console.error("gap", g.organizationId, g.from, g.to);
 *   }
 * }
 * ```
 */
export class ArchiveError extends AuditLogError {
  /** Always `"ArchiveError"`, minified or not: the class's own name too. */
  static override readonly name: string = "ArchiveError";
  /** Always `"ArchiveError"`, minified or not. */
  override readonly name: string = "ArchiveError";
  /** What was archived before the failures, and every open gap. */
  readonly result: ArchiveResult;
  /** Each organization that failed, with its error. */
  readonly failures: readonly { organizationId: string; error: unknown }[];

  /**
   * Creates the error.
   *
   * @param init What was archived, and the organizations that failed and why.
   */
  constructor(init: ArchiveErrorInit) {
    const { result, failures } = init;
    super({
      message: `Archiving failed for ${
        failures.map((f) => f.organizationId).join(", ")
      }: ${
        failures.map((f) =>
          f.error instanceof Error ? f.error.message : String(f.error)
        ).join("; ")
      }${
        result.gaps.length
          ? `. The archive also has gaps: ${
            result.gaps.map(isoSpan).join("; ")
          }`
          : ""
      }`,
      cause: failures[0]?.error,
    });
    this.result = result;
    this.failures = failures;
  }
}

const MINUTE = 60_000;
const DAY = 86_400_000;
/**
 * How close to the edge of what the API still exports a run's start must
 * be for the API's clock to be asked: further from it, a host clock days
 * wrong makes no difference to what is a gap.
 */
const EDGE_MS = 7 * DAY;

interface Plan extends WindowSettings {
  signingKey: SigningKey | undefined;
  signer?: Signer;
  organizations: string[];
  store: StoreAccess;
  from: number | undefined;
  settle: number;
  recheck: number;
  acceptGaps: boolean;
  concurrency: number;
  onWindow: ((window: ArchivedWindow) => void) | undefined;
  onPlan: ((plan: ArchivePlan) => void) | undefined;
  now: () => number;
  retentionMonths: number;
}

const wholeNumber = (min: number, max: number, unit = "ms"): Rule => (v) =>
  typeof v === "number" && Number.isInteger(v) && v >= min && v <= max
    ? undefined
    : `must be a whole number of ${unit} from ${min} to ${max}`;

const callable: Rule = (f) =>
  typeof f === "function" ? undefined : "must be a function";

/** The `compress` option, also of {@link verifyArchive}'s kin: only gzip, where the runtime has it. */
export const compressRule: Rule = (c) =>
  c !== "gzip"
    ? 'must be "gzip" (or left out)'
    : typeof CompressionStream === "undefined"
    ? "needs CompressionStream, which this runtime lacks"
    : undefined;

/** The rule of every option of {@link archiveExports}. */
const ARCHIVE_RULES: Rules<ArchiveOptions> = {
  // The options an archive shares with a read of it, by the same rules.
  organizationId: TARGET_RULES.organizationId,
  organizationIds: TARGET_RULES.organizationIds,
  store: TARGET_RULES.store,
  from: TARGET_RULES.from,
  window: (v, path, issues) =>
    wholeNumber(MINUTE, 31 * DAY)(v, path, issues) ??
      ((v as number) % 1000 === 0 ? undefined : "must be whole seconds"),
  settle: wholeNumber(0, 31 * DAY),
  format: (f) =>
    f === "csv" || f === "ndjson" ? undefined : 'must be "csv" or "ndjson"',
  recheck: wholeNumber(0, 366 * DAY),
  acceptGaps: (b) => typeof b === "boolean" ? undefined : "must be a boolean",
  concurrency: wholeNumber(1, 64, "organizations"),
  onWindow: callable,
  onPlan: callable,
  now: callable,
  retentionMonths: wholeNumber(1, 120, "months"),
  compress: compressRule,
  signingKey: (k) => keyProblem(k),
};

/**
 * The run's plan, with every problem with the options added to `issues` at
 * once, before anything is read or sent; `undefined` when there is any
 * (the config's included).
 */
function plan(options: ArchiveOptions, issues: Issue[]): Plan | undefined {
  if (isRecord(options) && options.store === undefined) {
    issues.push({
      path: "store",
      message: "must be a store with get(key) and put(key, body)",
    });
  }
  checkOptions(options, ARCHIVE_RULES, issues);
  if (isRecord(options)) {
    const one = options.organizationId;
    const many: unknown = options.organizationIds;
    if (one === undefined && many === undefined) {
      issues.push({
        path: "organizationId",
        message: "is required (or organizationIds)",
      });
    } else if (Array.isArray(many)) {
      if (one === undefined && many.length === 0) {
        issues.push({ path: "organizationIds", message: "must not be empty" });
      } else if (one !== undefined && many.includes(one)) {
        issues.push({
          path: "organizationIds",
          message: "must not name an organization twice",
        });
      }
    }
  }
  if (issues.length) return undefined;
  const o = { ...ARCHIVE_DEFAULTS, ...withoutUndefined(options) };
  return {
    organizations: [
      ...(o.organizationId === undefined ? [] : [o.organizationId]),
      ...(o.organizationIds ?? []),
    ],
    store: accessStore(options.store),
    from: o.from === undefined ? undefined : instantOf(o.from),
    window: o.window,
    settle: o.settle,
    recheck: o.recheck,
    acceptGaps: o.acceptGaps,
    format: o.format,
    concurrency: o.concurrency,
    onWindow: o.onWindow,
    onPlan: o.onPlan,
    now: o.now,
    retentionMonths: o.retentionMonths,
    ...(o.compress ? { compress: o.compress } : {}),
    signingKey: o.signingKey,
  };
}

/** The own keys of `o` whose value is not `undefined`: an `undefined` option takes its default. */
function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(o).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}

/**
 * A pause shared by every organization of a run: once the API asks for
 * one (`429` with `Retry-After`), every request of the run waits it out, not
 * only the one that was refused. The `fetch` notes the pause; the gate
 * waits it before each attempt's time-out starts, so a long pause never
 * times out a request the API would have answered at once.
 */
function sharedPause(
  inner: FetchLike,
): { fetch: FetchLike; gate: ResolvedConfig["gate"] } {
  let until = 0;
  return {
    fetch: async (url, init) => {
      const response = await inner(url, init);
      if (response.status === 429) {
        const ms = retryAfterMs(response.headers);
        if (ms !== undefined) until = Math.max(until, Date.now() + ms);
      }
      return response;
    },
    gate: async (signal) => {
      const wait = until - Date.now();
      if (wait > 0) await sleep(wait, signal);
    },
  };
}

/** The first instant at or after `t` on the grid of `step` through `anchor`. */
const onGrid = (anchor: number, t: number, step: number): number =>
  anchor + Math.ceil((t - anchor) / step) * step;

/** Adds the gaps of `ledger` that no one has acknowledged to `result.gaps`. */
function reportOpenGaps(
  result: ArchiveResult,
  organizationId: string,
  ledger: readonly LedgerGap[],
): void {
  for (const g of ledger) {
    if (g.acceptedAt === undefined) result.gaps.push(gapOf(organizationId, g));
  }
}

/** A ledger gap as the result reports it. */
const gapOf = (organizationId: string, g: LedgerGap): ArchiveGap => ({
  organizationId,
  from: new Date(g.from),
  to: new Date(g.to),
  detectedAt: new Date(g.detectedAt),
  ...(g.acceptedAt === undefined ? {} : { acceptedAt: new Date(g.acceptedAt) }),
});

/**
 * Where an organization's archive starts this run: at its checkpoint, at
 * `from`, or as far back as the API allows; and the gap, if that start is
 * older than what the API still exports.
 */
function startOf(
  p: Plan,
  checkpoint: Checkpoint | undefined,
  earliest: number,
): { start: number; gap?: { from: number; to: number } } {
  const start = checkpoint?.end ?? p.from ?? onGrid(0, earliest, p.window);
  if (start >= earliest) return { start };
  // The lost span ends on the same grid of windows as the archive's.
  const resume = onGrid(start, earliest, p.window);
  return { start: resume, gap: { from: start, to: resume } };
}

/**
 * A window file already stored (by a run that stopped before its
 * checkpoint moved, or before a checkpoint moved back): complete, as every
 * write is, and perhaps with addenda of late events beside it, so it is
 * kept as it is, never written anew, and no event lands in two files. Its
 * digest, when it has one, must match it; without one (the run stopped
 * before its digest), a new export must hold every record it holds before
 * a digest is written for it.
 */
async function storedWindow(
  p: Plan,
  config: ResolvedConfig,
  chain: DigestChain,
  existing: ReadableStream<Uint8Array>,
  window: { organizationId: string; key: string; start: number; end: number },
): Promise<ArchivedWindow> {
  const { organizationId, key, start, end } = window;
  const found = await storedWindowCount(existing, p.format, p.compress);
  const at = {
    organizationId,
    start: new Date(start),
    end: new Date(end),
    rows: found.rows,
    bytes: found.bytes,
    key,
  };
  const digest = await chain.existing(key, found);
  if (digest) {
    const exportId = digest.record.exportId;
    return { ...at, ...(exportId ? { exportId } : {}) };
  }
  const checked = await recheckStored(
    config,
    p.store,
    organizationId,
    key,
    start,
    end,
    p.format,
    p.compress,
  );
  if (
    !checked || checked.unexported > 0 || checked.sha256 !== found.sha256
  ) {
    throw new AuditLogError({
      message: `The window file ${key} has no digest, and ${
        checked
          ? checked.sha256 !== found.sha256
            ? "it changed while it was checked"
            : `${checked.unexported} of its records are not in a new export of its window`
          : "it is gone"
      }: it is kept as it is, and the archive does not go past it. Compare it with a backup, and inspect the archive with verifyArchive`,
    });
  }
  await chain.append({
    organizationId,
    key,
    kind: "window",
    ...found,
    start,
    end,
    exportId: checked.exportId,
    archivedAt: p.now(),
  });
  return { ...at, ...(checked.exportId ? { exportId: checked.exportId } : {}) };
}

/** Stores one window, streamed from its export; `undefined` when the API has not yet closed it. */
async function archiveWindow(
  p: Plan,
  config: ResolvedConfig,
  chain: DigestChain,
  organizationId: string,
  start: number,
  end: number,
): Promise<ArchivedWindow | undefined> {
  const key = windowKey(organizationId, start, end, p.format, p.compress);
  const existing = await p.store.read(key);
  if (existing) {
    return await storedWindow(p, config, chain, existing, {
      organizationId,
      key,
      start,
      end,
    });
  }
  const span = await exportSpan(config, organizationId, start, end);
  // The host's clock may run ahead of the API's: by the API's own time the
  // window may still be open, and events written later would land nowhere.
  if (span.apiNow !== undefined && span.apiNow - p.settle < end) {
    return undefined;
  }
  const count: SpanCount = { rows: 0 };
  const source = await span.open();
  // Hashed as it streams into the store: the digest needs no second read.
  const { stream: body, hash } = hashed(
    encoded(
      p.format === "csv"
        ? csvWindow(source, start, end, count)
        : ndjsonWindow(source, start, end, count),
      p.compress,
    ),
  );
  let bytes: number;
  try {
    bytes = await p.store.write(key, body);
  } catch (error) {
    throw new AuditLogError({
      message: `The window ${new Date(start).toISOString()} → ${
        new Date(end).toISOString()
      } of ${organizationId} was not stored (nothing of it is kept; the next run tries it again): ${
        error instanceof Error ? error.message : String(error)
      }`,
      cause: error,
    });
  }
  const stored = hash();
  if (stored.bytes !== bytes) {
    throw new AuditLogError({
      message:
        `The store reports ${bytes} bytes written to ${key}, and ${stored.bytes} were sent: its digest is not written, and the next run checks the file against a new export`,
    });
  }
  await chain.append({
    organizationId,
    key,
    kind: "window",
    ...stored,
    rows: count.rows,
    start,
    end,
    exportId: span.exportId,
    archivedAt: p.now(),
  });
  return {
    organizationId,
    start: new Date(start),
    end: new Date(end),
    rows: count.rows,
    bytes,
    key,
    ...(span.exportId ? { exportId: span.exportId } : {}),
  };
}

/** Re-checks the windows before `end` for late events, adding what it finds to `result`. */
async function recheck(
  p: Plan,
  config: ResolvedConfig,
  organizationId: string,
  end: number,
  earliest: number,
  result: ArchiveResult,
  chain: DigestChain,
): Promise<void> {
  const list = p.store.list;
  if (!list) {
    result.recheckSkipped.push({
      organizationId,
      reason:
        "the store cannot list its keys, so late events could not be told from stored ones",
    });
    return;
  }
  const count = Math.floor(p.recheck / p.window);
  let from = end - count * p.window;
  if (from < earliest) from = onGrid(from, earliest, p.window);
  if (from >= end) return;
  const windows = await storedWindows(
    { ...p.store, list },
    organizationId,
    from,
    end,
    p.window,
    p.format,
    p.compress,
  );
  if (windows.length === 0) return;
  const found = await recheckWindows(
    config,
    p.store,
    organizationId,
    windows,
    p.format,
    p.now(),
    p.compress,
    chain,
  );
  for (const l of found.late) {
    result.late.push({
      organizationId,
      start: new Date(l.window.start),
      end: new Date(l.window.end),
      window: l.window.key,
      key: l.key,
      rows: l.rows,
      bytes: l.bytes,
    });
  }
  for (const v of found.vanished) {
    result.vanished.push({
      organizationId,
      start: new Date(v.window.start),
      end: new Date(v.window.end),
      window: v.window.key,
      count: v.count,
    });
  }
}

/**
 * Archives one organization. Whatever stops it, the gaps on its ledger
 * are reported: a run that cannot go on (its lock held, its checkpoint
 * refused) still says what the archive lacks.
 */
async function archiveOne(
  p: Plan,
  config: ResolvedConfig,
  organizationId: string,
  runId: string,
  result: ArchiveResult,
): Promise<void> {
  const reported = { gaps: false };
  try {
    await archiveLocked(p, config, organizationId, runId, result, reported);
  } catch (error) {
    if (!reported.gaps) {
      const ledger = await readGaps(p.store, organizationId).catch(() => []);
      reportOpenGaps(result, organizationId, ledger);
    }
    throw error;
  }
}

/** The whole gap `gap`, less what gaps already on `ledger` cover of its start. */
function newPartOf(
  ledger: readonly LedgerGap[],
  gap: { from: number; to: number },
): { from: number; to: number } | undefined {
  let from = gap.from;
  for (let moved = true; moved;) {
    moved = false;
    for (const g of ledger) {
      if (g.from <= from && from < g.to) {
        from = g.to;
        moved = true;
      }
    }
  }
  return from < gap.to ? { from, to: gap.to } : undefined;
}

async function archiveLocked(
  p: Plan,
  config: ResolvedConfig,
  organizationId: string,
  runId: string,
  result: ArchiveResult,
  reported: { gaps: boolean },
): Promise<void> {
  const lock = await p.store.lock(
    lockKey(organizationId),
    `archive of ${organizationId}, run ${runId}`,
  );
  try {
    const now = p.now();
    // A minute of margin keeps the first window inside the retention window
    // even when the API's clock runs a little ahead of this one.
    let earliest = monthsBefore(now, p.retentionMonths) + MINUTE;
    const last = now - p.settle;
    const settings: WindowSettings = {
      window: p.window,
      format: p.format,
      ...(p.compress ? { compress: p.compress } : {}),
    };
    // Bounded by now, not by now − settle: a checkpoint made with a shorter
    // `settle` may lie inside this run's settle time, and that passes.
    const checkpoint = await readCheckpoint(
      p.store,
      organizationId,
      now,
      settings,
    );
    const ledger = await readGaps(p.store, organizationId);
    const first = checkpoint?.end ?? p.from;
    if (first !== undefined && Math.abs(first - earliest) < EDGE_MS) {
      // Near the edge of what the API still exports, the API's clock decides:
      // a host clock ahead would record a gap the API could still fill, one
      // behind would ask, run after run, for a window the API refuses.
      const apiNow = await apiClock(config);
      if (apiNow !== undefined) {
        earliest = monthsBefore(apiNow, p.retentionMonths) + MINUTE;
      }
    }
    let { start, gap } = startOf(p, checkpoint, earliest);
    let ledgerChanged = false;
    // Recorded before anything moves past it: a gap is never forgotten. A
    // run stopped after recording it, before its checkpoint moved, finds it
    // again: only what no gap on the ledger covers yet is new.
    const lost = gap && newPartOf(ledger, gap);
    if (lost) {
      ledger.push({ ...lost, detectedAt: now });
      ledgerChanged = true;
    }
    if (p.acceptGaps) {
      for (const g of ledger) {
        if (g.acceptedAt !== undefined) continue;
        g.acceptedAt = now;
        ledgerChanged = true;
        result.acceptedGaps.push(gapOf(organizationId, g));
      }
    }
    if (ledgerChanged) await writeGaps(p.store, organizationId, ledger);
    reportOpenGaps(result, organizationId, ledger);
    reported.gaps = true;
    if (!checkpoint?.format && p.store.list) {
      // No settings on record (no checkpoint, or one older than recorded
      // settings): the window files already stored say how the archive is
      // made, and files of other settings, or cut at other instants, would
      // double their events.
      const other = await otherStoredWindow(
        p.store.list,
        organizationId,
        settings,
        start,
      );
      if (other) {
        const where = `${other.key}; ${
          checkpoint ? "its checkpoint records no settings" : "no checkpoint"
        }`;
        const s = other.settings;
        if (s.window !== settings.window || s.format !== settings.format) {
          throw new AuditLogError({
            message: settingsConflict(organizationId, s, where, settings),
          });
        }
        const aligned = onGrid(other.start, start, p.window);
        throw new AuditLogError({
          message:
            `The archive of ${organizationId} holds windows that start at ${
              new Date(other.start).toISOString()
            } (${where}); this run's would start at ${
              new Date(start).toISOString()
            } and overlap them. Files of both would hold the same events twice: run from ${
              new Date(aligned).toISOString()
            }, on the same grid, or restore the checkpoint`,
        });
      }
    }
    const chain = new DigestChain(p.store, checkpoint?.head, p.signer);
    let lastKey = checkpoint?.key ?? null;
    if (!checkpoint?.format || gap) {
      // The settings are on record before the first window file exists, so
      // a run with other settings after a crash is refused, not doubled.
      await writeCheckpoint(
        p.store,
        organizationId,
        start,
        settings,
        null,
        chain.head,
      );
      lastKey = null;
    }
    p.onPlan?.({
      organizationId,
      windows: Math.max(0, Math.floor((last - start) / p.window)),
      from: new Date(start),
    });
    for (; start + p.window <= last; start += p.window) {
      config.signal?.throwIfAborted();
      const end = start + p.window;
      const window = await archiveWindow(
        p,
        config,
        chain,
        organizationId,
        start,
        end,
      );
      if (!window) break;
      // Only once the file and its digest are stored does the checkpoint
      // move past them, naming the digest as the chain's head.
      await writeCheckpoint(
        p.store,
        organizationId,
        end,
        settings,
        window.key,
        chain.head,
      );
      lastKey = window.key;
      await lock.refresh();
      result.windows.push(window);
      p.onWindow?.(window);
    }
    if (p.recheck > 0) {
      config.signal?.throwIfAborted();
      // A fresh lease for the re-check, which may add files of its own.
      await lock.refresh();
      const head = chain.head;
      try {
        await recheck(
          p,
          config,
          organizationId,
          start,
          earliest,
          result,
          chain,
        );
      } finally {
        // Digests of addenda move the head: the checkpoint follows, even
        // when the re-check stopped after some of them.
        if (chain.head !== head) {
          await writeCheckpoint(
            p.store,
            organizationId,
            start,
            settings,
            lastKey,
            chain.head,
          );
        }
      }
    }
  } finally {
    await lock.release();
  }
}

/**
 * Archives every whole window not yet archived, for one or several
 * organizations, into `store`: a file per window, a checkpoint, a gaps
 * ledger and a lock per organization. Run it from a daily cron job or a
 * Cloudflare Cron Trigger; each run picks up where the last one stopped,
 * and a crash anywhere leaves at most one window to redo.
 *
 * Each window streams from its export into the store (memory does not grow
 * with its size). A CSV window keeps the export's own bytes. An empty
 * window is archived as an empty file. A checkpoint (or `from`) older than
 * what the API still exports is a gap: written to the gaps ledger and
 * reported in `gaps` by every run until `acceptGaps`. Each run also
 * re-checks the last `recheck` of archived windows and stores late events
 * as addenda (`late`). Organizations run concurrently (`concurrency`), each
 * under its lock, and a `Retry-After` from the API pauses all of them.
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
 * console.log(`${result.windows.length} windows, ${result.late.length} addenda, ${result.gaps.length} gaps`);
 * ```
 */
export function archiveExports(
  options: ArchiveOptions,
  config?: ArchiveConfig,
): Promise<ArchiveResult> {
  const issues: Issue[] = [];
  return runArchive(resolveConfig(config, issues), options, issues);
}

/**
 * `archiveExports` on a resolved config. `issues` holds the config's own
 * problems, if any, reported together with the options' before anything is
 * read or sent.
 */
export async function runArchive(
  config: ResolvedConfig,
  options: ArchiveOptions,
  issues: Issue[] = [],
): Promise<ArchiveResult> {
  const started = Date.now();
  if (!issues.length) apiKeyOf(config, issues);
  const p = plan(options, issues);
  if (p === undefined) throw new ValidationError({ issues });
  if (p.signingKey !== undefined) {
    try {
      p.signer = await signerOf(p.signingKey);
    } catch (error) {
      // The message says what kind of key failed, never the key.
      throw new ValidationError({
        issues: [{
          path: "signingKey",
          message: error instanceof Error ? error.message : "cannot sign",
        }],
      });
    }
  }
  const pause = sharedPause(config.fetch);
  const shared: ResolvedConfig = {
    ...config,
    fetch: pause.fetch,
    gate: pause.gate,
  };
  const result: ArchiveResult = {
    windows: [],
    gaps: [],
    acceptedGaps: [],
    late: [],
    vanished: [],
    recheckSkipped: [],
    durationMs: 0,
  };
  const failures: { organizationId: string; error: unknown }[] = [];
  const queue = [...p.organizations];
  const runId = randomUUID();
  const worker = async () => {
    for (let org = queue.shift(); org !== undefined; org = queue.shift()) {
      if (shared.signal?.aborted) break;
      try {
        await archiveOne(p, shared, org, runId, result);
      } catch (error) {
        if (!shared.signal?.aborted) {
          failures.push({ organizationId: org, error });
        }
      }
    }
  };
  // Every worker is waited for, aborted or not: the run ends only once each
  // organization has let go of its lock.
  await Promise.all(
    Array.from({ length: Math.min(p.concurrency, queue.length) }, worker),
  );
  shared.signal?.throwIfAborted();
  result.durationMs = Date.now() - started;
  if (failures.length) throw new ArchiveError({ result, failures });
  return result;
}
