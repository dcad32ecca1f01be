/**
 * The archive's own records in the store, beside the window files: where
 * each organization's archive has got to and with which settings (the
 * checkpoint), and the spans it could never archive (the gaps ledger). Both
 * are small JSON objects, read and checked strictly: a record that cannot
 * be right stops the organization's run with a message naming the object
 * and how to repair it, because guessing would risk a gap or a duplicate.
 *
 * @module
 */

import type { ChainHead } from "./archive_digest.ts";
import type { StoreAccess } from "./archive_store.ts";
import { AuditLogError } from "./errors.ts";
import { parseInstant } from "./instant.ts";

/** How windows are cut and written: the settings a checkpoint records. */
export interface WindowSettings {
  /** Window length in ms. */
  window: number;
  /** File format of the windows. */
  format: "csv" | "ndjson";
  /** `"gzip"` when the files are stored compressed (`.gz`); absent when not. */
  compress?: "gzip";
}

/** An organization's checkpoint: every window before `end` is archived. */
export interface Checkpoint extends Partial<WindowSettings> {
  end: number;
  /** The last window's key, as recorded. */
  key?: string | null;
  /** The latest digest; absent in an archive made before digests. */
  head?: ChainHead;
}

/** The extension of a data file: its format, then `.gz` when compressed. */
export const extensionOf = (
  format: "csv" | "ndjson",
  compress?: "gzip",
): string => compress === "gzip" ? `${format}.gz` : format;

/** A span the archive could not fill, as the ledger keeps it. */
export interface LedgerGap {
  from: number;
  to: number;
  /** When a run first found it. */
  detectedAt: number;
  /** When a person acknowledged it (`acceptGaps`); until then every run reports it. */
  acceptedAt?: number;
}

/** `20261101T000000Z`: sortable, and free of characters file systems refuse. */
export const compact = (ms: number): string =>
  new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, "");

/**
 * The key of a window's file without its extension:
 * `<org>/<YYYY>/<MM>/<DD>/<start>_<end>`, by the UTC date of its start. Its
 * late-event addenda share it as a prefix.
 */
export function windowStem(
  organizationId: string,
  start: number,
  end: number,
): string {
  const day = new Date(start).toISOString().slice(0, 10).replaceAll("-", "/");
  return `${organizationId}/${day}/${compact(start)}_${compact(end)}`;
}

/**
 * The key of a window's file: `<org>/<YYYY>/<MM>/<DD>/<start>_<end>.<ext>`,
 * by the UTC date of its start.
 *
 * @example
 * ```ts ignore
 * windowKey("org_1", Date.UTC(2026, 10, 1), Date.UTC(2026, 10, 2), "csv");
 * // "org_1/2026/11/01/20261101T000000Z_20261102T000000Z.csv"
 * ```
 */
export function windowKey(
  organizationId: string,
  start: number,
  end: number,
  format: "csv" | "ndjson",
  compress?: "gzip",
): string {
  return `${windowStem(organizationId, start, end)}.${
    extensionOf(format, compress)
  }`;
}

/** The key of an addendum of late events of a window, found by the run at `at`. */
export function addendumKey(
  organizationId: string,
  start: number,
  end: number,
  format: "csv" | "ndjson",
  at: number,
  compress?: "gzip",
): string {
  return `${windowStem(organizationId, start, end)}.late-${compact(at)}.${
    extensionOf(format, compress)
  }`;
}

/** The key of an organization's checkpoint. */
export const checkpointKey = (organizationId: string): string =>
  `${organizationId}/checkpoint.json`;

/** The key of an organization's gaps ledger. */
export const gapsKey = (organizationId: string): string =>
  `${organizationId}/gaps.json`;

/** The key of an organization's lock. */
export const lockKey = (organizationId: string): string =>
  `${organizationId}/archive.lock`;

const encoder = /* @__PURE__ */ new TextEncoder();

const day = (ms: number) => {
  const days = ms / 86_400_000;
  return Number.isInteger(days) ? `${days}d` : `${ms / 1000}s`;
};

/** Parses a stored JSON object, or fails naming the key and how to repair it. */
function parseObject(key: string, text: string, shape: string, repair: string) {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new AuditLogError({
      message: `The archive's ${key} is not ${shape}; ${repair}`,
    });
  }
  return value as Record<string, unknown>;
}

/**
 * Why a run with `asked` must not go on in an archive made with
 * `recorded` (as `where` says): both kinds of files would hold the same
 * events.
 */
export function settingsConflict(
  organizationId: string,
  recorded: WindowSettings,
  where: string,
  asked: WindowSettings,
): string {
  if (
    recorded.format === asked.format && recorded.window === asked.window &&
    recorded.compress !== asked.compress
  ) {
    const how = (s: WindowSettings) =>
      s.compress === "gzip" ? "compressed (gzip)" : "uncompressed";
    return `The archive of ${organizationId} is made of ${
      how(recorded)
    } files (${where}); this run asks for ${
      how(asked)
    } ones. Both kinds of files would hold the same events twice: run with compress ${
      recorded.compress === "gzip" ? '"gzip"' : "unset"
    }, or archive into a new store`;
  }
  return `The archive of ${organizationId} is made of ${
    JSON.stringify(recorded.format)
  } windows of ${day(recorded.window)} (${where}); this run asks for ${
    JSON.stringify(asked.format)
  } windows of ${
    day(asked.window)
  }. Files of both would hold the same events twice: run with format ${recorded.format} and window ${
    day(recorded.window)
  }, or archive into a new store`;
}

/** `20261101T000000Z` back to epoch ms. */
const fromCompact = (s: string): number =>
  Date.UTC(
    +s.slice(0, 4),
    +s.slice(4, 6) - 1,
    +s.slice(6, 8),
    +s.slice(9, 11),
    +s.slice(11, 13),
    +s.slice(13, 15),
  );

const WINDOW_FILE =
  /^\d{4}\/\d\d\/\d\d\/(\d{8}T\d{6}Z)_(\d{8}T\d{6}Z)\.(csv|ndjson)(\.gz)?$/;

const DATA_FILE =
  /^\d{4}\/\d\d\/\d\d\/(\d{8}T\d{6}Z)_(\d{8}T\d{6}Z)(\.late-\d{8}T\d{6}Z(?:-\d+)?)?\.(csv|ndjson)(\.gz)?$/;

/** A window file or an addendum, as its key describes it. */
export interface DataFile {
  key: string;
  start: number;
  end: number;
  /** An addendum of late events, not the window's own file. */
  addendum: boolean;
  format: "csv" | "ndjson";
  compress?: "gzip";
}

/** The window file or addendum `key` of `organizationId`, or `undefined` when it is neither. */
export function dataFileOf(
  organizationId: string,
  key: string,
): DataFile | undefined {
  const prefix = `${organizationId}/`;
  if (!key.startsWith(prefix)) return undefined;
  const m = DATA_FILE.exec(key.slice(prefix.length));
  if (!m) return undefined;
  return {
    key,
    start: fromCompact(m[1]),
    end: fromCompact(m[2]),
    addendum: m[3] !== undefined,
    format: m[4] as "csv" | "ndjson",
    ...(m[5] ? { compress: "gzip" as const } : {}),
  };
}

/** A stored window file, as its key describes it. */
export interface StoredWindowFile {
  key: string;
  start: number;
  settings: WindowSettings;
}

/**
 * A window file stored under `organizationId/` that windows of `settings`
 * cut from `start` would double: one of another span or format, or of the
 * same ones on another grid (starting at other instants), as its key says;
 * `undefined` when there is none. For an archive whose checkpoint does not
 * say how it was made (there is none, or it predates recorded settings):
 * its files do.
 */
export async function otherStoredWindow(
  list: (prefix: string) => AsyncIterable<string>,
  organizationId: string,
  settings: WindowSettings,
  start: number,
): Promise<StoredWindowFile | undefined> {
  const prefix = `${organizationId}/`;
  for await (const key of list(prefix)) {
    const m = WINDOW_FILE.exec(key.slice(prefix.length));
    if (!m) continue;
    const from = fromCompact(m[1]);
    const found = {
      key,
      start: from,
      settings: {
        window: fromCompact(m[2]) - from,
        format: m[3] as "csv" | "ndjson",
        ...(m[4] ? { compress: "gzip" as const } : {}),
      },
    };
    if (
      found.settings.window !== settings.window ||
      found.settings.format !== settings.format ||
      found.settings.compress !== settings.compress ||
      (from - start) % settings.window !== 0
    ) {
      return found;
    }
  }
  return undefined;
}

/**
 * Reads and checks an organization's checkpoint. It must name this
 * organization, hold an `end` no later than `latest`, the run's now (a
 * checkpoint in the future would silence every run while events age out),
 * and, when it
 * records settings, the ones of this run: changing `window` or `format`
 * midway would archive some events twice, in files of both settings.
 */
export async function readCheckpoint(
  store: StoreAccess,
  organizationId: string,
  latest: number,
  settings: WindowSettings,
): Promise<Checkpoint | undefined> {
  const key = checkpointKey(organizationId);
  const text = await store.readText(key);
  if (text === undefined) return undefined;
  const o = parseObject(
    key,
    text,
    '{"end": "<ISO-8601 date-time>", …}',
    "repair it from a backup, or remove it to start that organization's archive anew",
  );
  const end = typeof o.end === "string" ? parseInstant(o.end) : undefined;
  const problem = end === undefined
    ? `has no "end" date-time`
    : o.organizationId !== undefined && o.organizationId !== organizationId
    ? `belongs to ${JSON.stringify(o.organizationId)}, not ${organizationId}`
    : end > latest
    ? `says the archive reaches ${
      new Date(end).toISOString()
    }, later than any window can end yet (${
      new Date(latest).toISOString()
    }): it may have been copied from another archive or written by hand`
    : undefined;
  if (problem) {
    throw new AuditLogError({
      message:
        `The checkpoint ${key} ${problem}. Repair its "end" to the end of the last window file stored under ${organizationId}/, or remove it to start anew from --from`,
    });
  }
  const checkpoint: Checkpoint = { end: end! };
  if (o.window !== undefined || o.format !== undefined) {
    const window = o.window;
    const format = o.format;
    if (
      typeof window !== "number" || !Number.isSafeInteger(window) ||
      window <= 0 || (format !== "csv" && format !== "ndjson")
    ) {
      throw new AuditLogError({
        message:
          `The checkpoint ${key} records settings that cannot be right (window ${
            JSON.stringify(window)
          }, format ${
            JSON.stringify(format)
          }). Repair them to the window length in ms and the format ("csv" or "ndjson") of the window files stored under ${organizationId}/, or remove the checkpoint to start anew from --from`,
      });
    }
    if (o.compress !== undefined && o.compress !== "gzip") {
      throw new AuditLogError({
        message:
          `The checkpoint ${key} records a compression that cannot be right (${
            JSON.stringify(o.compress)
          }). Repair it to "gzip" if the files stored under ${organizationId}/ end in .gz, or remove the member if they do not`,
      });
    }
    const compress = o.compress === "gzip" ? "gzip" as const : undefined;
    checkpoint.window = window;
    checkpoint.format = format;
    if (compress) checkpoint.compress = compress;
    if (
      window !== settings.window || format !== settings.format ||
      compress !== settings.compress
    ) {
      throw new AuditLogError({
        message: settingsConflict(
          organizationId,
          { window, format, ...(compress ? { compress } : {}) },
          key,
          settings,
        ),
      });
    }
    // The window it names ends on the grid of every window of the archive:
    // an `end` off that grid (written by hand) would cut windows that
    // overlap the stored ones.
    const last =
      typeof o.key === "string" && o.key.startsWith(`${organizationId}/`)
        ? WINDOW_FILE.exec(o.key.slice(organizationId.length + 1))
        : null;
    if (last && (end! - fromCompact(last[2])) % window !== 0) {
      throw new AuditLogError({
        message: `The checkpoint ${key} says the archive reaches ${
          new Date(end!).toISOString()
        }, which is not where any of its windows can end (${o.key} ends at ${
          new Date(fromCompact(last[2])).toISOString()
        }, and windows are ${
          day(window)
        } long). Repair its "end" to the end of the last window file stored under ${organizationId}/, or remove it to start anew from --from`,
      });
    }
  }
  if (typeof o.key === "string" || o.key === null) checkpoint.key = o.key;
  if (o.head !== undefined) checkpoint.head = headOf(key, o.head);
  return checkpoint;
}

/** The checkpoint's chain head, checked: a head that cannot be right is refused, never guessed. */
function headOf(key: string, head: unknown): ChainHead {
  const h = head as Partial<ChainHead> | null;
  if (
    typeof h?.key !== "string" || typeof h.sha256 !== "string" ||
    !/^[0-9a-f]{64}$/.test(h.sha256)
  ) {
    throw new AuditLogError({
      message:
        `The checkpoint ${key} records a digest chain head that cannot be right (it must be {"key", "sha256"} of the latest digest). Repair it from a backup; verifyArchive lists the digests`,
    });
  }
  return { key: h.key, sha256: h.sha256 };
}

/**
 * Stores an organization's checkpoint: archived up to `end`, with
 * `settings`, the digest chain at `head`.
 */
export async function writeCheckpoint(
  store: StoreAccess,
  organizationId: string,
  end: number,
  settings: WindowSettings,
  key: string | null,
  head?: ChainHead,
): Promise<void> {
  await store.put(
    checkpointKey(organizationId),
    encoder.encode(
      JSON.stringify({
        organizationId,
        end: new Date(end).toISOString(),
        key,
        window: settings.window,
        format: settings.format,
        ...(settings.compress ? { compress: settings.compress } : {}),
        ...(head ? { head: { key: head.key, sha256: head.sha256 } } : {}),
      }) + "\n",
    ),
  );
}

/** Reads an organization's gaps ledger: every gap ever found, acknowledged or not. */
export async function readGaps(
  store: StoreAccess,
  organizationId: string,
): Promise<LedgerGap[]> {
  const key = gapsKey(organizationId);
  const text = await store.readText(key);
  if (text === undefined) return [];
  const o = parseObject(
    key,
    text,
    '{"gaps": [...]}',
    "repair it from a backup (never remove it: it is the record of what the archive lacks)",
  );
  const gaps = Array.isArray(o.gaps) ? o.gaps : undefined;
  const read = gaps?.map((g: Record<string, unknown> | null) => {
    const at = (name: string) =>
      typeof g?.[name] === "string" ? parseInstant(g[name] as string) : NaN;
    const gap: LedgerGap = {
      from: at("from") ?? NaN,
      to: at("to") ?? NaN,
      detectedAt: at("detectedAt") ?? NaN,
    };
    if (g?.acceptedAt !== undefined) gap.acceptedAt = at("acceptedAt") ?? NaN;
    return gap;
  });
  if (
    !read ||
    read.some((g) => Object.values(g).some((v) => !Number.isFinite(v)))
  ) {
    throw new AuditLogError({
      message:
        `The gaps ledger ${key} is not {"gaps": [{"from", "to", "detectedAt", "acceptedAt"?}]} with ISO-8601 date-times; repair it from a backup (never remove it: it is the record of what the archive lacks)`,
    });
  }
  return read;
}

/** Stores an organization's gaps ledger. */
export async function writeGaps(
  store: StoreAccess,
  organizationId: string,
  gaps: readonly LedgerGap[],
): Promise<void> {
  const iso = (ms: number) => new Date(ms).toISOString();
  await store.put(
    gapsKey(organizationId),
    encoder.encode(
      JSON.stringify(
        {
          organizationId,
          gaps: gaps.map((g) => ({
            from: iso(g.from),
            to: iso(g.to),
            detectedAt: iso(g.detectedAt),
            ...(g.acceptedAt === undefined
              ? {}
              : { acceptedAt: iso(g.acceptedAt) }),
          })),
        },
        null,
        2,
      ) + "\n",
    ),
  );
}
