/**
 * Late events: `occurred_at` is written by the application that records an
 * event, so an event can reach WorkOS days after the window it belongs to
 * was archived. The re-check exports the last few archived windows again,
 * in one export, compares it with what the store holds (as a multiset of
 * records: the export has no event id), and stores the records missing
 * from the archive as an addendum beside their window. Archived files are
 * never rewritten; records that the store holds and WorkOS no longer
 * exports are reported, never deleted.
 *
 * @module
 */

import type { DigestChain } from "./archive_chain.ts";
import {
  type Compression,
  decoded,
  encodedBytes,
  hashed,
} from "./archive_codec.ts";
import { DIGEST_SUFFIX } from "./archive_digest.ts";
import { addendumKey, extensionOf, windowStem } from "./archive_ledger.ts";
import { sha256Hex } from "./archive_sha256.ts";
import type { StoreAccess } from "./archive_store.ts";
import { concatBytes } from "./bytes.ts";
import { AuditLogError } from "./errors.ts";
import {
  eventLine,
  exportSpan,
  fingerprint,
  placedRecords,
  recordIdentity,
} from "./archive_window.ts";
import type { ResolvedConfig } from "./config.ts";
import { parseCsvEvents } from "./events.ts";

/** A window the re-check compares, with the keys of its stored files. */
export interface RecheckWindow {
  start: number;
  end: number;
  /** The window's file. */
  key: string;
  /** Every stored file of the window: its file and its addenda. */
  files: string[];
  /** The files among them without a digest beside them. */
  undigested: string[];
}

/** Late events stored as an addendum. */
export interface FoundLate {
  window: RecheckWindow;
  key: string;
  rows: number;
  bytes: number;
}

/** Records stored in a window that the API no longer exports. */
export interface FoundVanished {
  window: RecheckWindow;
  count: number;
}

const encoder = /* @__PURE__ */ new TextEncoder();
const LINE_BREAK = /* @__PURE__ */ encoder.encode("\r\n");

/**
 * The multiset of records of one stored file, added to `into`; resolves to
 * its rows and the hash of its stored bytes, or `undefined` when it is gone.
 */
export async function countStored(
  store: StoreAccess,
  key: string,
  format: "csv" | "ndjson",
  into: Map<string, number>,
  compress?: Compression,
): Promise<{ rows: number; bytes: number; sha256: string } | undefined> {
  const found = await store.read(key);
  if (!found) return undefined;
  const { stream: raw, hash } = hashed(found);
  const stream = decoded(raw, compress);
  let rows = 0;
  const add = (id: string) => {
    rows++;
    into.set(id, (into.get(id) ?? 0) + 1);
  };
  if (format === "csv") {
    let header: string[] = [];
    for await (const r of placedRecords(stream, (h) => header = h)) {
      if (!Number.isNaN(r.time)) add(recordIdentity(header, r.fields));
    }
    return { rows, ...hash() };
  }
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of stream) {
    rest += decoder.decode(chunk, { stream: true });
    const lines = rest.split("\n");
    rest = lines.pop()!;
    for (const line of lines) if (line !== "") add(fingerprint(line));
  }
  rest += decoder.decode();
  if (rest !== "") add(fingerprint(rest));
  return { rows, ...hash() };
}

/**
 * `key`, or when an object is there already (an addendum of an earlier run
 * at the same clock time, such as a retried Cron Trigger's), the first of
 * `<key stem>-2.<ext>`, `-3`, … that is free: an addendum is never
 * overwritten, or the late events it holds would be lost.
 */
async function freeKey(
  store: StoreAccess,
  key: string,
  extension: string,
): Promise<string> {
  const stem = key.slice(0, key.length - extension.length - 1);
  for (let n = 1;; n++) {
    const candidate = n === 1 ? key : `${stem}-${n}.${extension}`;
    const found = await store.read(candidate);
    if (!found) return candidate;
    await found.cancel();
  }
}

/**
 * Re-checks `windows` (consecutive, of one length, each with a stored
 * file) against one new export of their span, and stores what is missing
 * as addenda named after the run's time `at`. Nothing is stored unless the
 * whole export was read.
 */
export async function recheckWindows(
  config: ResolvedConfig,
  store: StoreAccess,
  organizationId: string,
  windows: readonly RecheckWindow[],
  format: "csv" | "ndjson",
  at: number,
  compress: Compression,
  chain: DigestChain,
): Promise<{ late: FoundLate[]; vanished: FoundVanished[] }> {
  const stored = new Map<RecheckWindow, Map<string, number>>();
  const undigested = new Map<
    string,
    { rows: number; bytes: number; sha256: string }
  >();
  for (const w of windows) {
    const counts = new Map<string, number>();
    for (const key of w.files) {
      const mine = new Map<string, number>();
      const found = await countStored(store, key, format, mine, compress);
      for (const [id, n] of mine) counts.set(id, (counts.get(id) ?? 0) + n);
      if (found && w.undigested.includes(key)) undigested.set(key, found);
    }
    stored.set(w, counts);
  }
  const first = windows[0].start;
  const length = windows[0].end - windows[0].start;
  const byStart = new Map(windows.map((w) => [w.start, w]));
  const windowOf = (time: number) =>
    byStart.get(first + Math.floor((time - first) / length) * length);
  const missing = new Map<RecheckWindow, Uint8Array[]>();
  const note = (w: RecheckWindow, id: string, bytes: () => Uint8Array) => {
    const counts = stored.get(w)!;
    const left = counts.get(id) ?? 0;
    if (left > 0) counts.set(id, left - 1);
    else {
      const list = missing.get(w) ?? [];
      list.push(bytes());
      missing.set(w, list);
    }
  };
  const span = await exportSpan(
    config,
    organizationId,
    first,
    windows.at(-1)!.end,
  );
  const stream = await span.open();
  let header: string[] = [];
  let headerBytes = new Uint8Array();
  if (format === "csv") {
    const records = placedRecords(stream, (h, bytes) => {
      header = h;
      headerBytes = bytes.slice();
    });
    for await (const r of records) {
      const w = Number.isNaN(r.time) ? undefined : windowOf(r.time);
      if (!w || r.time < w.start || r.time >= w.end) continue;
      note(w, recordIdentity(header, r.fields), () => {
        const last = r.bytes.at(-1);
        // The export's last record may end without a line break; in an
        // addendum another record may follow it.
        return last === 10 || last === 13
          ? r.bytes.slice()
          : concatBytes([r.bytes, LINE_BREAK]);
      });
    }
  } else {
    for await (const event of parseCsvEvents(stream)) {
      const time = event.occurredAt.getTime();
      const w = windowOf(time);
      if (!w || time < w.start || time >= w.end) continue;
      const line = eventLine(event);
      note(w, fingerprint(line), () => encoder.encode(line + "\n"));
    }
  }
  const vanished: FoundVanished[] = [];
  for (const w of windows) {
    let count = 0;
    for (const n of stored.get(w)!.values()) count += n;
    if (count > 0) vanished.push({ window: w, count });
  }
  // Files stored without a digest (a run stopped between a file and its
  // digest, or files from before digests) are digested once this export
  // holds every record of their window: then they are what an export
  // gives, not something put there since.
  const unverified: string[] = [];
  for (const w of windows) {
    const ok = !vanished.some((v) => v.window === w);
    for (const key of w.undigested) {
      const found = undigested.get(key);
      if (!found) continue;
      if (!ok) {
        unverified.push(key);
        continue;
      }
      await chain.append({
        organizationId,
        key,
        kind: key === w.key ? "window" : "addendum",
        ...found,
        start: w.start,
        end: w.end,
        exportId: span.exportId,
        archivedAt: at,
      });
    }
  }
  const extension = extensionOf(format, compress);
  const late: FoundLate[] = [];
  for (const w of windows) {
    const records = missing.get(w);
    if (!records) continue;
    const key = await freeKey(
      store,
      addendumKey(organizationId, w.start, w.end, format, at, compress),
      extension,
    );
    const body = await encodedBytes(
      concatBytes(format === "csv" ? [headerBytes, ...records] : records),
      compress,
    );
    await store.put(key, body);
    await chain.append({
      organizationId,
      key,
      kind: "addendum",
      bytes: body.byteLength,
      sha256: sha256Hex(body),
      rows: records.length,
      start: w.start,
      end: w.end,
      exportId: span.exportId,
      archivedAt: at,
    });
    late.push({ window: w, key, rows: records.length, bytes: body.byteLength });
  }
  if (unverified.length) {
    throw new AuditLogError({
      message: `${unverified.join(", ")} ${
        unverified.length === 1 ? "has" : "have"
      } no digest, and ${
        unverified.length === 1 ? "its" : "their"
      } window holds records the API no longer exports, so ${
        unverified.length === 1 ? "it" : "they"
      } cannot be told from files put there since: kept as ${
        unverified.length === 1 ? "it is" : "they are"
      }, undigested. Compare with a backup, and inspect the archive with verifyArchive`,
    });
  }
  return { late, vanished };
}

/**
 * The stored files of each window of `[from, to)` (of `length` each), from
 * the store's listing; windows with no file of their own (never archived,
 * such as those before the first run's start) are left out.
 */
export async function storedWindows(
  store: StoreAccess & { list: (prefix: string) => AsyncIterable<string> },
  organizationId: string,
  from: number,
  to: number,
  length: number,
  format: "csv" | "ndjson",
  compress?: Compression,
): Promise<RecheckWindow[]> {
  const windows: RecheckWindow[] = [];
  const extension = `.${extensionOf(format, compress)}`;
  for (let start = from; start + length <= to; start += length) {
    const stem = windowStem(organizationId, start, start + length);
    const key = `${stem}${extension}`;
    const files: string[] = [];
    const digests = new Set<string>();
    for await (const found of store.list(stem)) {
      if (
        found === key ||
        (found.startsWith(`${stem}.late-`) && found.endsWith(extension))
      ) files.push(found);
      else if (found.endsWith(DIGEST_SUFFIX)) {
        digests.add(found.slice(0, -DIGEST_SUFFIX.length));
      }
    }
    if (files.includes(key)) {
      windows.push({
        start,
        end: start + length,
        key,
        files: files.sort(),
        undigested: files.filter((f) => !digests.has(f)),
      });
    }
  }
  return windows;
}
