/**
 * The emulator's state and what it does with it: events, exports that turn
 * ready after a delay (and, if asked, expired after a while), presigned
 * download URLs that expire, and the files of exports, which a test may
 * replace.
 *
 * @module
 */

import { parseInstant } from "../instant.ts";
import { monthsBefore } from "../retention.ts";
import { etagOf, type ExportFile, newFile, serveFile } from "./file.ts";
import { filterTest } from "./filters.ts";
import { json, objectStoreError, randomId } from "./http.ts";
import type { EmulatorEvent, EmulatorExport, RangeBounds } from "./types.ts";
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

interface ExportRecord {
  id: string;
  organizationId: string;
  createdAt: number;
  readyAt: number;
  forced?: { state: string; at: number };
  /** What it was created with, to export again when its file is replaced. */
  query: { q: ExportRequest; start: number; end: number };
  file: ExportFile;
}

/** What the store is made from. */
export interface StoreOptions {
  now: () => number;
  exportDelayMs: number;
  /** How long an export stays ready before it is expired; `Infinity` for ever. */
  exportExpiryMs: number;
  retentionMonths: number;
  /** Which ends of an export's range include an event exactly on them. */
  rangeBounds: RangeBounds;
  organizations: readonly string[];
  events: EmulatorEvent[];
}

/** The test an export makes of an event: its organization, range and filters. */
function selector(
  q: ExportRequest,
  start: number,
  end: number,
  bounds: RangeBounds,
): (event: EmulatorEvent) => boolean {
  const passes = filterTest(q.filters);
  return (event) => {
    // The organization first: it is a cheap test that rules most events out.
    if (event.organizationId !== q.organizationId) return false;
    const t = Date.parse(event.occurredAt);
    return (bounds[0] === "[" ? t >= start : t > start) &&
      (bounds[1] === "]" ? t <= end : t < end) && passes(event);
  };
}

/** The emulator's state, with the answers of the routes that use it. */
export function createStore(options: StoreOptions) {
  const { now, exportDelayMs, exportExpiryMs, retentionMonths, events } =
    options;
  const organizations = new Set(options.organizations);
  const exports = new Map<string, ExportRecord>();
  const downloads = new Map<string, { exportId: string; expiresAt: number }>();

  function stateOf(record: ExportRecord): { state: string; updatedAt: number } {
    if (record.forced) {
      return { state: record.forced.state, updatedAt: record.forced.at };
    }
    const t = now();
    if (t < record.readyAt) {
      return { state: "pending", updatedAt: record.createdAt };
    }
    const expiresAt = record.readyAt + exportExpiryMs;
    return t >= expiresAt
      ? { state: "expired", updatedAt: expiresAt }
      : { state: "ready", updatedAt: record.readyAt };
  }

  /** The events an export's filters select now, oldest first. */
  function select(q: ExportRequest, start: number, end: number) {
    return events.filter(selector(q, start, end, options.rangeBounds))
      .sort((a, b) =>
        Date.parse(a.occurredAt) - Date.parse(b.occurredAt) ||
        (a.id! < b.id! ? -1 : 1)
      );
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
    } else if (state === "expired") {
      // The spec's `url` is nullable: an expired export's file is gone.
      body.url = null;
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
      const rows = select(q, start, end);
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
        query: { q, start, end },
        // The file is written when the export turns ready.
        file: newFile(rows, created + exportDelayMs),
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
      // An expired export's file is deleted: its URLs are refused as an
      // object store refuses a presigned URL to a key that is gone.
      if (stateOf(record).state === "expired") {
        return objectStoreError(403, "AccessDenied", "Access Denied");
      }
      return serveFile(request, record.file, `${record.id}.csv`);
    },

    listExports: (): EmulatorExport[] =>
      [...exports.values()].map((r) => ({
        id: r.id,
        organizationId: r.organizationId,
        state: stateOf(r).state,
        createdAt: r.createdAt,
        rowCount: r.file.rows.length,
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

    replaceExportFile(id: string, rows?: readonly EmulatorEvent[]): string {
      const record = exports.get(id);
      if (!record) throw new TypeError(`No export ${id}`);
      const { q, start, end } = record.query;
      // Copies, so a test that changes its events afterwards does not
      // change the file behind its ETag.
      const next = rows?.map((e) => structuredClone(e)) ??
        select(q, start, end);
      const t = now();
      // A file not yet served is still being written: it keeps its time.
      record.file = t < record.readyAt
        ? newFile(next, record.readyAt)
        : newFile(next, t, record.file);
      return etagOf(record.file);
    },
  };
}

/** The store of one emulator. */
export type Store = ReturnType<typeof createStore>;
