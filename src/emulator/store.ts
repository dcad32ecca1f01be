/**
 * The emulator's state and what it does with it: events, exports that turn
 * ready after a delay, presigned download URLs that expire, and the CSV
 * files of exports, whole or from a byte on.
 *
 * @module
 */

import { parseInstant } from "../instant.ts";
import { monthsBefore } from "../retention.ts";
import { csvHeader, csvRecord, eventCells } from "./csv_writer.ts";
import { json, objectStoreError, randomId } from "./http.ts";
import type { EmulatorEvent, EmulatorExport } from "./types.ts";
import {
  checkEventRequest,
  checkExportRequest,
  type ExportRequest,
} from "./validate.ts";

/**
 * Where download URLs live; paths under it need no API key, as presigned URLs.
 *
 * @example
 * ```ts
 * import { createEmulator, DOWNLOAD_PREFIX } from "@audit-log/export/testing";
 * const emulator = createEmulator();
 * emulator.inject({ path: new RegExp(`^${DOWNLOAD_PREFIX}`), status: 403 }); // an expired URL
 * ```
 */
export const DOWNLOAD_PREFIX = "/_emulator/downloads/";
const URL_VALIDITY_MS = 10 * 60_000;
const ROWS_PER_CHUNK = 500;

interface ExportRecord {
  id: string;
  organizationId: string;
  createdAt: number;
  readyAt: number;
  forced?: { state: string; at: number };
  rows: EmulatorEvent[];
  /** Target columns of the file: as many as its widest event needs. */
  targets: number;
  /** Bytes of the file, counted at its first download. */
  size?: number;
}

/** What the store is made from. */
export interface StoreOptions {
  now: () => number;
  exportDelayMs: number;
  retentionMonths: number;
  organizations: readonly string[];
  events: EmulatorEvent[];
}

/** The whole file of an export, for a ranged read. */
function csvText(
  rows: readonly EmulatorEvent[],
  targets: number,
): Uint8Array<ArrayBuffer> {
  let text = csvRecord(csvHeader(targets));
  for (const row of rows) text += csvRecord(eventCells(row, targets));
  return new TextEncoder().encode(text);
}

/** Bytes of `text` in UTF-8, without encoding it. */
function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (
      c >= 0xd800 && c <= 0xdbff &&
      (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00
    ) {
      n += 4; // a surrogate pair: one character of four bytes
      i++;
    } else n += 3; // the rest of the BMP, and a lone surrogate's U+FFFD
  }
  return n;
}

/** The size of an export's file, so its download can say it, as an object store does. */
function csvSize(rows: readonly EmulatorEvent[], targets: number): number {
  let size = utf8Length(csvRecord(csvHeader(targets)));
  for (const row of rows) {
    size += utf8Length(csvRecord(eventCells(row, targets)));
  }
  return size;
}

/** The file of an export streamed in batches, so a large one never sits in memory as one string. */
function csvStream(
  rows: readonly EmulatorEvent[],
  targets: number,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let i = -1;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i >= rows.length) return controller.close();
      let text = "";
      if (i < 0) {
        text = csvRecord(csvHeader(targets));
        i = 0;
      }
      for (
        const stop = Math.min(rows.length, i + ROWS_PER_CHUNK);
        i < stop;
        i++
      ) {
        text += csvRecord(eventCells(rows[i], targets));
      }
      controller.enqueue(encoder.encode(text));
      if (i >= rows.length) controller.close();
    },
  });
}

/**
 * A ranged answer as an object store gives it: `bytes=N-` (and `bytes=N-M`)
 * is a 206 with its `Content-Range`; a start past the end is a 416; any
 * other range is ignored, with the whole file in a 200.
 */
function rangeOf(
  bytes: Uint8Array<ArrayBuffer>,
  range: string,
  headers: Record<string, string>,
): Response {
  const m = /^bytes=(\d+)-(\d*)$/.exec(range.trim());
  if (!m) return new Response(bytes, { status: 200, headers });
  const start = Number(m[1]);
  const end = Math.min(m[2] ? Number(m[2]) : Infinity, bytes.length - 1);
  if (start >= bytes.length || end < start) {
    return new Response(null, {
      status: 416,
      headers: { ...headers, "content-range": `bytes */${bytes.length}` },
    });
  }
  return new Response(bytes.subarray(start, end + 1), {
    status: 206,
    headers: {
      ...headers,
      "content-range": `bytes ${start}-${end}/${bytes.length}`,
    },
  });
}

function matches(
  event: EmulatorEvent,
  q: ExportRequest,
  start: number,
  end: number,
): boolean {
  // The organization first: it is a cheap test that rules most events out.
  if (event.organizationId !== q.organizationId) return false;
  const t = Date.parse(event.occurredAt);
  return t >= start && t <= end &&
    (!q.actions?.length || q.actions.includes(event.action)) &&
    (!q.actorIds?.length || q.actorIds.includes(event.actor.id)) &&
    (!q.actorNames?.length ||
      (event.actor.name !== undefined &&
        q.actorNames.includes(event.actor.name))) &&
    (!q.targets?.length ||
      event.targets.some((x) => q.targets!.includes(x.type)));
}

/** The emulator's state, with the answers of the routes that use it. */
export function createStore(options: StoreOptions) {
  const { now, exportDelayMs, retentionMonths, events } = options;
  const organizations = new Set(options.organizations);
  const exports = new Map<string, ExportRecord>();
  const downloads = new Map<string, { exportId: string; expiresAt: number }>();

  function stateOf(record: ExportRecord): { state: string; updatedAt: number } {
    if (record.forced) {
      return { state: record.forced.state, updatedAt: record.forced.at };
    }
    return now() >= record.readyAt
      ? { state: "ready", updatedAt: record.readyAt }
      : { state: "pending", updatedAt: record.createdAt };
  }

  function exportBody(
    record: ExportRecord,
    origin: string,
  ): Record<string, unknown> {
    const { state, updatedAt } = stateOf(record);
    const body: Record<string, unknown> = {
      object: "audit_log_export",
      id: record.id,
      state,
      created_at: new Date(record.createdAt).toISOString(),
      updated_at: new Date(updatedAt).toISOString(),
    };
    if (state === "ready") {
      // Every read presigns a fresh URL, as the real API does.
      const token = randomId("dl").slice(3).toLowerCase();
      const expiresAt = now() + URL_VALIDITY_MS;
      downloads.set(token, { exportId: record.id, expiresAt });
      // Every read presigns anew: forget expired grants before they pile up.
      if (downloads.size > 1_000) {
        for (const [key, grant] of downloads) {
          if (now() > grant.expiresAt) downloads.delete(key);
        }
      }
      body.url =
        `${origin}${DOWNLOAD_PREFIX}${token}/${record.id}.csv?X-Expires=${expiresAt}`;
    }
    return body;
  }

  const unknownOrganization = (id: string) =>
    json(404, { message: `Organization not found: '${id}'` });

  return {
    /** `POST /audit_logs/exports`. */
    createExport(body: Record<string, unknown>, origin: string): Response {
      const checked = checkExportRequest(body);
      if (!checked.ok) {
        return json(422, {
          message: "Validation failed.",
          errors: checked.issues.errors,
        });
      }
      const q = checked.value;
      const start = parseInstant(q.rangeStart);
      const end = parseInstant(q.rangeEnd);
      const oldest = monthsBefore(now(), retentionMonths);
      if (
        start === undefined || end === undefined || start > end ||
        start < oldest
      ) {
        return json(400, {
          message: "Invalid date range",
          code: "invalid_audit_log_export_range_date",
        });
      }
      if (!organizations.has(q.organizationId)) {
        return unknownOrganization(q.organizationId);
      }
      const rows = events.filter((e) => matches(e, q, start, end))
        .sort((a, b) =>
          Date.parse(a.occurredAt) - Date.parse(b.occurredAt) ||
          (a.id! < b.id! ? -1 : 1)
        );
      // The real API refuses an empty period at creation, with no error code.
      if (rows.length === 0) {
        return json(400, { message: "No audit log events found" });
      }
      const created = now();
      const record: ExportRecord = {
        id: randomId("audit_log_export"),
        organizationId: q.organizationId,
        createdAt: created,
        readyAt: created + exportDelayMs,
        rows,
        targets: rows.reduce((n, e) => Math.max(n, e.targets.length), 0),
      };
      exports.set(record.id, record);
      return json(201, exportBody(record, origin));
    },

    /** `POST /audit_logs/events`. */
    createEvent(body: Record<string, unknown>): Response {
      const checked = checkEventRequest(body);
      if (!checked.ok) {
        const { status, errors } = checked.issues;
        return status === 422
          ? json(422, { message: "Validation failed.", errors })
          : json(400, {
            message: "Invalid Audit Log event.",
            code: "invalid_audit_log_event",
            errors,
          });
      }
      const { organizationId, event } = checked.value;
      if (!organizations.has(organizationId)) {
        return unknownOrganization(organizationId);
      }
      events.push({ id: randomId("event"), organizationId, ...event });
      return json(200, { success: true });
    },

    /** `GET /audit_logs/exports/{id}`. */
    getExport(id: string, origin: string): Response {
      const record = exports.get(id);
      return record
        ? json(200, exportBody(record, origin))
        : json(404, { message: `Audit Log Export not found: '${id}'` });
    },

    /** The presigned download URL of a ready export. */
    download(request: Request, token: string): Response {
      if (request.method !== "GET" && request.method !== "HEAD") {
        return objectStoreError(
          405,
          "MethodNotAllowed",
          "The specified method is not allowed.",
        );
      }
      if (request.headers.has("authorization")) {
        return objectStoreError(
          400,
          "InvalidArgument",
          "Only one auth mechanism allowed; the URL is already signed.",
        );
      }
      const grant = downloads.get(token);
      if (!grant) return objectStoreError(403, "AccessDenied", "Access Denied");
      if (now() > grant.expiresAt) {
        return objectStoreError(403, "AccessDenied", "Request has expired");
      }
      const record = exports.get(grant.exportId)!;
      const { rows, targets } = record;
      const headers = {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="${grant.exportId}.csv"`,
        "accept-ranges": "bytes",
      };
      const range = request.headers.get("range");
      if (range !== null) {
        return rangeOf(csvText(rows, targets), range, headers);
      }
      record.size ??= csvSize(rows, targets);
      return new Response(
        request.method === "HEAD" ? null : csvStream(rows, targets),
        {
          status: 200,
          headers: { ...headers, "content-length": String(record.size) },
        },
      );
    },

    listExports: (): EmulatorExport[] =>
      [...exports.values()].map((r) => ({
        id: r.id,
        organizationId: r.organizationId,
        state: stateOf(r).state,
        createdAt: r.createdAt,
        rowCount: r.rows.length,
      })),

    listEvents: (organizationId?: string): EmulatorEvent[] =>
      events.filter((e) =>
        organizationId === undefined || e.organizationId === organizationId
      ).map((e) => structuredClone(e)),

    setExportState(id: string, state: string): void {
      const record = exports.get(id);
      if (!record) throw new TypeError(`No export ${id}`);
      record.forced = { state, at: now() };
    },
  };
}

/** The store of one emulator. */
export type Store = ReturnType<typeof createStore>;
