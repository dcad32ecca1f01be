/**
 * One span of the archive as bytes to store: the export of the span,
 * requested a little wider than the span (neither end of an export's range
 * is documented as inclusive or not), read record by record, each record
 * placed in time and kept when it falls inside `[start, end)`. A CSV
 * window keeps the export's own bytes (its header and each kept record as
 * received); an NDJSON window has one `AuditLogEvent` a line. A record
 * that cannot be placed fails the span: it is never taken for "outside".
 *
 * @module
 */

import { type Compression, decoded, hashed } from "./archive_codec.ts";
import type { ResolvedConfig } from "./config.ts";
import { checkHeader, checkWidth } from "./csv.ts";
import { csvRawRecords, type RawRecord } from "./csv_raw.ts";
import { openDownload } from "./download.ts";
import { ApiError, AuditLogError, NoEventsError } from "./errors.ts";
import { type AuditLogEvent, parseCsvEvents, unplacedRow } from "./events.ts";
import { fetchExport, postExport } from "./exports.ts";
import { parseEventTime } from "./instant.ts";

/**
 * How much wider than its span an export is requested, on each side: an
 * event exactly on a boundary is then inside the request whether the API
 * reads either end as inclusive or not, or rounds it to the second, and
 * the local filter alone decides its window.
 */
export const MARGIN_MS = 1_000;

/** The export of a span, created, with the API's own time. */
export interface SpanExport {
  /** The export's id, or `undefined` when the API found no event at all. */
  exportId: string | undefined;
  /**
   * The API's clock when it answered (the export's `created_at`, or the
   * `Date` of its answer), or `undefined` when it gave neither.
   */
  apiNow: number | undefined;
  /** Opens the export's CSV; an empty stream for a span with no event. */
  open(): Promise<ReadableStream<Uint8Array>>;
}

const empty = (): ReadableStream<Uint8Array> =>
  new ReadableStream({ start: (c) => c.close() });

/** Creates the export of `[start, end)`, widened by {@link MARGIN_MS} on each side. */
export async function exportSpan(
  config: ResolvedConfig,
  organizationId: string,
  start: number,
  end: number,
): Promise<SpanExport> {
  try {
    const created = await postExport(config, {
      organizationId,
      rangeStart: new Date(start - MARGIN_MS),
      rangeEnd: new Date(end + MARGIN_MS),
    });
    const apiNow = Date.parse(created.createdAt);
    return {
      exportId: created.id,
      apiNow: Number.isNaN(apiNow) ? undefined : apiNow,
      open: () => openDownload(config, created),
    };
  } catch (error) {
    // The API refuses a span with no event instead of exporting an empty file.
    if (!(error instanceof NoEventsError)) throw error;
    return {
      exportId: undefined,
      apiNow: dateOf(error.response),
      open: () => Promise.resolve(empty()),
    };
  }
}

/** The epoch ms of an answer's `Date` header, or `undefined` without one. */
const dateOf = (response: Response | undefined): number | undefined => {
  const date = Date.parse(response?.headers.get("date") ?? "");
  return Number.isNaN(date) ? undefined : date;
};

/**
 * The API's own clock, from the `Date` of an answer that changes nothing
 * (the read of an export no one has), or `undefined` when it gives none.
 * Near the edge of what the API still exports, its clock, not this host's,
 * says what can still be archived.
 */
export async function apiClock(
  config: ResolvedConfig,
): Promise<number | undefined> {
  try {
    await fetchExport(config, "audit_log_export_clock");
  } catch (error) {
    if (error instanceof ApiError) return dateOf(error.response);
    throw error;
  }
  return undefined;
}

/** What a span's stream counted once it is read to its end. */
export interface SpanCount {
  /** Records kept (inside the span). */
  rows: number;
}

/** One record of an export, placed in time. */
export interface PlacedRecord {
  /** Epoch ms of its `occurred_at`. */
  time: number;
  /** Its bytes in the file as received (CSV), including its line break. */
  bytes: Uint8Array;
  /** Its fields by column name. */
  fields: string[];
}

/**
 * Places the records of an export's CSV in time, one call per record as
 * `csvRawRecords` gives them: the header goes to `onHeader` (with its
 * bytes) and gives `undefined`; every other record comes back placed. A
 * record without a placeable `occurred_at` is an error naming its line and
 * value; so is a file with no `occurred_at` column, a duplicate column, or
 * a record of another width than the header. Bytes that hold no record
 * (empty lines at the end) come back with `time` `NaN`.
 */
function recordPlacer(
  onHeader: (header: string[], bytes: Uint8Array) => void,
): (record: RawRecord) => PlacedRecord | undefined {
  let at = -1;
  let columns = 0;
  return ({ bytes, fields, line }) => {
    if (fields.length === 0) return { time: NaN, bytes, fields };
    if (at < 0) {
      at = fields.indexOf("occurred_at");
      if (at < 0) {
        throw new AuditLogError({
          message:
            `The export has no occurred_at column (line ${line}), so its rows cannot be placed in windows`,
        });
      }
      checkHeader(fields, line);
      columns = fields.length;
      onHeader(fields, bytes);
      return undefined;
    }
    checkWidth(fields, columns, line);
    const time = parseEventTime(fields[at]);
    if (time === undefined) throw unplacedRow(fields[at], line);
    return { time, bytes, fields };
  };
}

/**
 * The records of an export's CSV, each placed in time (see
 * {@link recordPlacer}), after the header, which goes to `onHeader`.
 */
export async function* placedRecords(
  stream: ReadableStream<Uint8Array>,
  onHeader: (header: string[], bytes: Uint8Array) => void,
): AsyncGenerator<PlacedRecord, void, undefined> {
  const place = recordPlacer(onHeader);
  for await (const raw of csvRawRecords(stream)) {
    const placed = place(raw);
    if (placed) yield placed;
  }
}

const encoder = /* @__PURE__ */ new TextEncoder();

/** A byte stream pulled from an async source of chunks, cancelling it when cancelled. */
function pulled(
  source: AsyncGenerator<Uint8Array, void, undefined>,
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await source.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await source.return();
    },
  }, { highWaterMark: 0 });
}

/**
 * The bytes of the window `[start, end)` of an export's CSV: the header
 * and every record inside the window, each exactly as received, so a
 * window whose records all lie inside it is the export byte for byte. An
 * export with no byte at all (no event) is an empty window.
 *
 * Kept records that follow each other in one chunk of the download go out
 * as one slice of it: a write, and a turn of the stream, per record made a
 * long window slow and its garbage grow with its length.
 */
export function csvWindow(
  stream: ReadableStream<Uint8Array>,
  start: number,
  end: number,
  count: SpanCount,
): ReadableStream<Uint8Array> {
  async function* kept(): AsyncGenerator<Uint8Array, void, undefined> {
    // The run of kept bytes not yet handed on: a view of one chunk.
    let run: Uint8Array | undefined;
    const place = recordPlacer((_, bytes) => run = bytes);
    for await (const raw of csvRawRecords(stream)) {
      const placed = place(raw);
      if (placed === undefined) continue;
      const keep = Number.isNaN(placed.time) ||
        (placed.time >= start && placed.time < end);
      if (!keep) {
        if (run) yield run;
        run = undefined;
        continue;
      }
      if (!Number.isNaN(placed.time)) count.rows++;
      const bytes = placed.bytes;
      if (
        run && run.buffer === bytes.buffer &&
        run.byteOffset + run.byteLength === bytes.byteOffset
      ) {
        run = new Uint8Array(
          run.buffer,
          run.byteOffset,
          run.byteLength + bytes.byteLength,
        );
      } else {
        if (run) yield run;
        run = bytes;
      }
    }
    if (run) yield run;
  }
  return pulled(kept());
}

/**
 * The rows and bytes of a window file already in the store, read as a
 * stream: a window stored by a run that stopped before its checkpoint
 * moved, or one before a checkpoint that was moved back.
 */
export async function storedWindowCount(
  stored: ReadableStream<Uint8Array>,
  format: "csv" | "ndjson",
  compress?: Compression,
): Promise<{ rows: number; bytes: number; sha256: string }> {
  let rows = 0;
  // The digest is of the stored bytes; the rows are those of the records.
  const { stream, hash } = hashed(stored);
  const counted = decoded(stream, compress).pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        if (format === "ndjson") {
          // One event a line, each ended by a line feed.
          for (const byte of chunk) if (byte === 10) rows++;
        }
        controller.enqueue(chunk);
      },
    }),
  );
  if (format === "csv") {
    for await (const record of placedRecords(counted, () => {})) {
      if (!Number.isNaN(record.time)) rows++;
    }
  } else {
    for await (const _ of counted) { /* counted as it passes */ }
  }
  return { rows, ...hash() };
}

/** The line of one event in an NDJSON window. */
export const eventLine = (event: AuditLogEvent): string =>
  JSON.stringify(event);

/**
 * The window `[start, end)` of an export's CSV as NDJSON: one
 * `AuditLogEvent` a line, for every event inside the window.
 */
export function ndjsonWindow(
  stream: ReadableStream<Uint8Array>,
  start: number,
  end: number,
  count: SpanCount,
): ReadableStream<Uint8Array> {
  async function* lines(): AsyncGenerator<Uint8Array, void, undefined> {
    for await (const event of parseCsvEvents(stream)) {
      const time = event.occurredAt.getTime();
      if (time >= start && time < end) {
        count.rows++;
        yield encoder.encode(eventLine(event) + "\n");
      }
    }
  }
  return pulled(lines());
}

/**
 * A short fingerprint of a text: four 32-bit lanes of a multiply-rotate
 * hash, 128 bits in all. The re-check of late events holds one per stored
 * event of the span it compares, so it must be small; an accidental match
 * of two different events at this width is beyond any archive's size.
 */
export function fingerprint(text: string): string {
  let a = 0x9e3779b1, b = 0x85ebca77, c = 0xc2b2ae3d, d = 0x27d4eb2f;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    a = Math.imul(a ^ k, 0x85ebca6b);
    a = (a << 13) | (a >>> 19);
    b = Math.imul(b ^ k, 0xcc9e2d51);
    b = (b << 17) | (b >>> 15);
    c = Math.imul(c ^ k, 0x1b873593);
    c = (c << 11) | (c >>> 21);
    d = Math.imul(d ^ k, 0xe6546b64);
    d = (d << 19) | (d >>> 13);
  }
  const mix = (h: number, salt: number) => {
    h ^= text.length + salt;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return ((h ^ (h >>> 16)) >>> 0).toString(16).padStart(8, "0");
  };
  return mix(a ^ d, 1) + mix(b ^ a, 2) + mix(c ^ b, 3) + mix(d ^ c, 4);
}

/**
 * What identifies a CSV record whatever file it is in: its non-empty
 * cells by column name, in name order. Two exports of the same event may
 * differ in their columns (an export has as many target columns as its
 * widest event needs), never in these.
 */
export function recordIdentity(header: string[], fields: string[]): string {
  const cells: [string, string][] = [];
  for (let i = 0; i < header.length; i++) {
    if (fields[i] !== "") cells.push([header[i], fields[i]]);
  }
  cells.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  return fingerprint(JSON.stringify(cells));
}
