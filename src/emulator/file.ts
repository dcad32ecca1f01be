/**
 * The CSV file of an export as an object store serves it: streamed whole
 * with its length, or a byte range of it, with a strong `ETag` and a
 * `Last-Modified` that let a client resuming a download (`If-Range`) tell
 * whether the file is still the one it started.
 *
 * @module
 */

import { csvHeader, csvRecord, eventCells } from "./csv_writer.ts";
import { objectStoreError } from "./http.ts";
import type { EmulatorEvent } from "./types.ts";

const ROWS_PER_CHUNK = 500;

/** One version of an export's file. */
export interface ExportFile {
  /** The events it holds, in file order. */
  readonly rows: readonly EmulatorEvent[];
  /** Target columns: as many as its widest event needs. */
  readonly targets: number;
  /** When this version was written, epoch ms: its `Last-Modified`. */
  readonly modifiedAt: number;
  /**
   * Whether `Last-Modified` tells this version from the one before it. It
   * does not when both were written within one second, the resolution of
   * an HTTP date: such a date must not validate a range (RFC 9110 §13.1.5).
   */
  readonly datedStrongly: boolean;
  /** Bytes and ETag, worked out at the first download of this version. */
  measured?: { size: number; etag: string };
}

/**
 * A new version of a file holding `rows`, written at `modifiedAt`, after
 * `previous` when it replaces one that was already served.
 */
export function newFile(
  rows: readonly EmulatorEvent[],
  modifiedAt: number,
  previous?: ExportFile,
): ExportFile {
  const second = (t: number) => Math.floor(t / 1000);
  return {
    rows,
    targets: rows.reduce((n, e) => Math.max(n, e.targets.length), 0),
    modifiedAt,
    datedStrongly: previous === undefined ||
      second(previous.modifiedAt) !== second(modifiedAt),
  };
}

/** The records of a file as text, in order: the header, then one per row. */
function* records(file: ExportFile): Generator<string> {
  yield csvRecord(csvHeader(file.targets));
  for (const row of file.rows) yield csvRecord(eventCells(row, file.targets));
}

/**
 * Bytes of the file in UTF-8, without encoding it, and its strong ETag: a
 * 64-bit hash of its text, so the same bytes keep their tag (as an object
 * store's MD5 does) and other bytes get another.
 */
function measure(file: ExportFile): { size: number; etag: string } {
  let size = 0;
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (const text of records(file)) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
      if (c < 0x80) size += 1;
      else if (c < 0x800) size += 2;
      else if (
        c >= 0xd800 && c <= 0xdbff &&
        (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00
      ) {
        // A surrogate pair: one character of four bytes.
        size += 4;
        i++;
        const low = text.charCodeAt(i);
        h1 = Math.imul(h1 ^ low, 2654435761);
        h2 = Math.imul(h2 ^ low, 1597334677);
      } else size += 3; // the rest of the BMP, and a lone surrogate's U+FFFD
    }
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^
    Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^
    Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const hex = (n: number) => (n >>> 0).toString(16).padStart(8, "0");
  return { size, etag: `"${hex(h2)}${hex(h1)}"` };
}

/** The strong ETag of `file`. */
export function etagOf(file: ExportFile): string {
  return (file.measured ??= measure(file)).etag;
}

/** The whole file, for a ranged read. */
function bytesOf(file: ExportFile): Uint8Array<ArrayBuffer> {
  let text = "";
  for (const record of records(file)) text += record;
  return new TextEncoder().encode(text);
}

/** The file streamed in batches, so a large one never sits in memory as one string. */
function streamOf(file: ExportFile): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const all = records(file);
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      let text = "";
      for (let n = 0; n < ROWS_PER_CHUNK; n++) {
        const next = all.next();
        if (next.done) break;
        text += next.value;
      }
      if (text === "") return controller.close();
      controller.enqueue(encoder.encode(text));
    },
  });
}

const IMF_FIXDATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * Whether `If-Range` names this version (RFC 9110 §13.1.5): an entity tag
 * by strong comparison, so a weak one never does; a date only when it is
 * this version's `Last-Modified` and that date is a strong validator.
 */
function ifRangeHolds(value: string, file: ExportFile, etag: string): boolean {
  const validator = value.trim();
  if (validator.startsWith('"') || validator.startsWith("W/")) {
    return validator === etag;
  }
  return IMF_FIXDATE.test(validator) && file.datedStrongly &&
    Date.parse(validator) === Math.floor(file.modifiedAt / 1000) * 1000;
}

/**
 * The answer to a download of `file` named `name`. A `Range` of
 * `bytes=N-` or `bytes=N-M` is a 206 with its `Content-Range` and length,
 * and one starting past the end a 416 whose `Content-Range` gives the size;
 * any other range (a suffix, several ranges, another unit, an end before its
 * start) is ignored, as is a range whose `If-Range` no longer names the
 * file: the whole file then comes in a 200.
 */
export function serveFile(
  request: Request,
  file: ExportFile,
  name: string,
): Response {
  const { size, etag } = file.measured ??= measure(file);
  const headers: Record<string, string> = {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="${name}"`,
    "accept-ranges": "bytes",
    etag,
    "last-modified": new Date(file.modifiedAt).toUTCString(),
  };
  const range = request.headers.get("range");
  const ifRange = request.headers.get("if-range");
  const m = range === null ? null : /^bytes=(\d+)-(\d*)$/.exec(range.trim());
  const start = m ? Number(m[1]) : NaN;
  const last = m?.[2] ? Number(m[2]) : Infinity;
  if (
    m === null || last < start ||
    (ifRange !== null && !ifRangeHolds(ifRange, file, etag))
  ) {
    return new Response(request.method === "HEAD" ? null : streamOf(file), {
      status: 200,
      headers: { ...headers, "content-length": String(size) },
    });
  }
  if (start >= size) {
    const refusal = objectStoreError(
      416,
      "InvalidRange",
      "The requested range is not satisfiable",
    );
    refusal.headers.set("content-range", `bytes */${size}`);
    return refusal;
  }
  const end = Math.min(last, size - 1);
  return new Response(bytesOf(file).subarray(start, end + 1), {
    status: 206,
    headers: {
      ...headers,
      "content-length": String(end - start + 1),
      "content-range": `bytes ${start}-${end}/${size}`,
    },
  });
}
