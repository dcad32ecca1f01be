/**
 * An in-memory WorkOS Audit Logs API as one web-standard fetch handler.
 *
 * @module
 */

import { parseInstant } from "../instant.ts";
import { monthsBefore, RETENTION_MONTHS } from "../retention.ts";
import { randomBytes } from "../random.ts";
import { csvHeader, csvRecord, eventCells } from "./csv_writer.ts";
import {
  DroppedConnection,
  faultBody,
  FaultQueue,
  followAbort,
  shapeResponse,
  untilAborted,
} from "./faults.ts";
import { sleep } from "../signals.ts";
import { SAMPLE_ORGANIZATIONS, sampleEvents } from "./sample.ts";
import type {
  Emulator,
  EmulatorEvent,
  EmulatorExport,
  EmulatorOptions,
  RecordedRequest,
} from "./types.ts";
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
const IDEMPOTENCY_MS = 24 * 3_600_000;
const ROWS_PER_CHUNK = 500;
/** Requests kept in `Emulator.requests`; older ones are dropped. */
const MAX_RECORDED = 10_000;

interface ExportRecord {
  id: string;
  organizationId: string;
  createdAt: number;
  readyAt: number;
  forced?: { state: string; at: number };
  rows: EmulatorEvent[];
  /** Target columns of the file: as many as its widest event needs. */
  targets: number;
}

const DAY = 86_400_000;

/** The whole file of an export, for a ranged read. */
function csvText(
  rows: readonly EmulatorEvent[],
  targets: number,
): Uint8Array<ArrayBuffer> {
  let text = csvRecord(csvHeader(targets));
  for (const row of rows) text += csvRecord(eventCells(row, targets));
  return new TextEncoder().encode(text);
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

/** The default sample: up to 90 days back, but never before the retention window. */
function sampleSpan(
  organizations: readonly string[],
  at: number,
  retentionMonths: number,
): EmulatorEvent[] {
  const end = Math.floor(at / 3_600_000) * 3_600_000;
  const window = (end - monthsBefore(end, retentionMonths)) / DAY;
  return sampleEvents({
    organizations,
    now: end,
    days: Math.max(1 / 24, Math.min(90, window - 1 / 24)),
  });
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A ULID-looking random id, as WorkOS ids are. */
function randomId(prefix: string): string {
  const bytes = randomBytes(26);
  let id = "";
  for (const b of bytes) id += CROCKFORD[b & 31];
  return `${prefix}_${id}`;
}

const JSON_TYPE = "application/json";

function json(status: number, body: unknown, headers?: HeadersInit): Response {
  const h = new Headers(headers);
  h.set("content-type", JSON_TYPE);
  return new Response(JSON.stringify(body), { status, headers: h });
}

function objectStoreError(
  status: number,
  code: string,
  message: string,
): Response {
  return new Response(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
    {
      status,
      headers: { "content-type": "application/xml" },
    },
  );
}

function checkOptions(options: EmulatorOptions): void {
  const positive = (name: string, v: unknown) => {
    if (
      v !== undefined && (typeof v !== "number" || !Number.isFinite(v) || v < 0)
    ) {
      throw new TypeError(`${name} must be a non-negative number`);
    }
  };
  positive("exportDelayMs", options.exportDelayMs);
  positive("retentionMonths", options.retentionMonths);
  positive("maxBodyBytes", options.maxBodyBytes);
  if (
    options.apiKey !== undefined &&
    (typeof options.apiKey !== "string" || !options.apiKey)
  ) {
    throw new TypeError("apiKey must be a non-empty string");
  }
  const rl = options.rateLimit;
  if (rl !== undefined && rl !== false && !(rl.limit >= 1 && rl.windowMs > 0)) {
    throw new TypeError(
      "rateLimit needs limit >= 1 and windowMs > 0, or false",
    );
  }
}

/**
 * Creates an in-memory WorkOS Audit Logs API. Its `fetch` is a web-standard
 * handler: pass it as a client's `fetch`, or serve it with `serveEmulator`.
 *
 * @example
 * ```ts
 * import { createEmulator } from "@audit-log/export/testing";
 * const emulator = createEmulator({ exportDelayMs: 0 });
 * const response = await emulator.fetch("http://emulator.test/audit_logs/exports", {
 *   method: "POST",
 *   headers: { authorization: `Bearer ${emulator.apiKey}`, "content-type": "application/json" },
 *   body: JSON.stringify({
 *     organization_id: emulator.organizations[0],
 *     range_start: new Date(Date.now() - 86_400_000).toISOString(),
 *     range_end: new Date().toISOString(),
 *   }),
 * });
 * console.log(response.status); // 201
 * ```
 */
export function createEmulator(options: EmulatorOptions = {}): Emulator {
  checkOptions(options);
  const apiKey = options.apiKey ?? "sk_test_emulator";
  const now = options.now ?? Date.now;
  const exportDelayMs = options.exportDelayMs ?? 1_000;
  const retentionMonths = options.retentionMonths ?? RETENTION_MONTHS;
  const maxBodyBytes = options.maxBodyBytes ?? 1 << 20;
  const rateLimit = options.rateLimit ?? { limit: 6_000, windowMs: 60_000 };
  const organizations = [...(options.organizations ?? SAMPLE_ORGANIZATIONS)];
  const orgSet = new Set(organizations);
  const events: EmulatorEvent[] = (options.events ??
    sampleSpan(organizations, now(), retentionMonths))
    .map((e) => ({ ...e, id: e.id ?? randomId("event") }));
  const exports = new Map<string, ExportRecord>();
  const downloads = new Map<string, { exportId: string; expiresAt: number }>();
  // The answer is kept as a promise, stored before any await, so concurrent
  // requests with one key see the first one's slot and replay its answer.
  const idempotency = new Map<
    string,
    { body: string; status: number; text: Promise<string>; expiresAt: number }
  >();
  const windows = new Map<string, { start: number; count: number }>();
  const requests: RecordedRequest[] = [];
  const faults = new FaultQueue();

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

  async function readJson(
    request: Request,
    record: RecordedRequest,
  ): Promise<Record<string, unknown> | Response> {
    const type = request.headers.get("content-type") ?? "";
    if (!/^application\/json\s*(;|$)/i.test(type)) {
      return json(400, { message: "Content-Type must be application/json." });
    }
    const declared = Number(request.headers.get("content-length") ?? 0);
    const tooLarge = () =>
      json(400, {
        message: `Request body is larger than ${maxBodyBytes} bytes.`,
      });
    if (declared > maxBodyBytes) return tooLarge();
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (request.body) {
      const reader = request.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > maxBodyBytes) {
          await reader.cancel().catch(() => {});
          return tooLarge();
        }
        chunks.push(value);
      }
    }
    const bytes = new Uint8Array(size);
    let offset = 0;
    for (const c of chunks) {
      bytes.set(c, (offset += c.byteLength) - c.byteLength);
    }
    let body: unknown;
    try {
      record.body = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      body = JSON.parse(record.body);
    } catch {
      return json(400, { message: "Request body is not valid JSON." });
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      return json(400, { message: "Request body must be a JSON object." });
    }
    return body as Record<string, unknown>;
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

  function createExport(
    body: Record<string, unknown>,
    origin: string,
  ): Response {
    const checked = checkExportRequest(body);
    if (!checked.ok) {
      return json(422, {
        message: "Validation failed.",
        errors: checked.errors,
      });
    }
    const q = checked.value;
    const start = parseInstant(q.rangeStart);
    const end = parseInstant(q.rangeEnd);
    const oldest = new Date(monthsBefore(now(), retentionMonths));
    if (
      start === undefined || end === undefined || start > end ||
      start < oldest.getTime()
    ) {
      return json(400, {
        message: "Invalid date range",
        code: "invalid_audit_log_export_range_date",
      });
    }
    if (!orgSet.has(q.organizationId)) {
      return json(404, {
        message: `Organization not found: '${q.organizationId}'`,
      });
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
  }

  function createEvent(body: Record<string, unknown>): Response {
    const checked = checkEventRequest(body);
    if (!checked.ok) {
      return checked.status === 422
        ? json(422, { message: "Validation failed.", errors: checked.errors })
        : json(400, {
          message: "Invalid Audit Log event.",
          code: "invalid_audit_log_event",
          errors: checked.errors,
        });
    }
    const { organizationId, event } = checked.value;
    if (!orgSet.has(organizationId)) {
      return json(404, {
        message: `Organization not found: '${organizationId}'`,
      });
    }
    events.push({ id: randomId("event"), organizationId, ...event });
    return json(200, { success: true });
  }

  function download(request: Request, token: string): Response {
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
    const { rows, targets } = exports.get(grant.exportId)!;
    const headers = {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${grant.exportId}.csv"`,
      "accept-ranges": "bytes",
    };
    const range = request.headers.get("range");
    if (range !== null) return rangeOf(csvText(rows, targets), range, headers);
    const encoder = new TextEncoder();
    let i = -1;
    // Streamed in batches so a large export never sits in memory as one string.
    const body = new ReadableStream<Uint8Array>({
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
    return new Response(request.method === "HEAD" ? null : body, {
      status: 200,
      headers,
    });
  }

  function rateLimited(key: string): Response | undefined {
    if (!rateLimit) return undefined;
    const t = now();
    let w = windows.get(key);
    if (!w || t - w.start >= rateLimit.windowMs) {
      windows.set(key, w = { start: t, count: 0 });
    }
    if (++w.count <= rateLimit.limit) return undefined;
    const seconds = Math.max(
      1,
      Math.ceil((w.start + rateLimit.windowMs - t) / 1000),
    );
    return json(429, {
      message: "Too many requests.",
      code: "rate_limit_exceeded",
    }, {
      "retry-after": String(seconds),
    });
  }

  /** Runs a POST through the idempotency store: same key, same body → same answer. */
  async function idempotent(
    request: Request,
    route: string,
    body: Record<string, unknown>,
    handle: () => Response,
  ): Promise<Response> {
    const key = request.headers.get("idempotency-key");
    if (!key) return handle();
    const slot = `${route}\n${key}`;
    const text = JSON.stringify(body);
    const seen = idempotency.get(slot);
    if (seen && seen.expiresAt > now()) {
      if (seen.body !== text) {
        return json(409, {
          message:
            "This Idempotency-Key was already used with a different request body.",
          code: "idempotency_key_reused",
        });
      }
      return new Response(await seen.text, {
        status: seen.status,
        headers: { "content-type": JSON_TYPE, "idempotent-replayed": "true" },
      });
    }
    const response = handle();
    // Only successes are remembered, so a request fixed after a 4xx may reuse its key.
    if (response.ok) {
      idempotency.set(slot, {
        body: text,
        status: response.status,
        text: response.clone().text(),
        expiresAt: now() + IDEMPOTENCY_MS,
      });
    }
    return response;
  }

  async function route(
    request: Request,
    url: URL,
    record: RecordedRequest,
  ): Promise<Response> {
    const path = url.pathname;
    if (path.startsWith(DOWNLOAD_PREFIX)) {
      return download(
        request,
        path.slice(DOWNLOAD_PREFIX.length).split("/")[0],
      );
    }
    if (request.headers.get("authorization") !== `Bearer ${apiKey}`) {
      return json(401, {
        message:
          "Could not authorize the request. Maybe your API key is invalid?",
      });
    }
    const limited = rateLimited(apiKey);
    if (limited) return limited;
    const method = request.method;
    if (path === "/audit_logs/exports" || path === "/audit_logs/events") {
      if (method !== "POST") {
        return json(405, { message: "Method not allowed." }, { allow: "POST" });
      }
      const body = await readJson(request, record);
      if (body instanceof Response) return body;
      return path === "/audit_logs/events"
        ? idempotent(request, path, body, () => createEvent(body))
        : idempotent(request, path, body, () => createExport(body, url.origin));
    }
    const m = /^\/audit_logs\/exports\/([^/]+)$/.exec(path);
    if (m) {
      if (method !== "GET" && method !== "HEAD") {
        return json(405, { message: "Method not allowed." }, {
          allow: "GET, HEAD",
        });
      }
      let id: string;
      try {
        id = decodeURIComponent(m[1]);
      } catch {
        id = m[1];
      }
      const record = exports.get(id);
      if (!record) {
        return json(404, { message: `Audit Log Export not found: '${id}'` });
      }
      return json(200, exportBody(record, url.origin));
    }
    return json(404, { message: `Not found: ${method} ${path}` });
  }

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const headers: Record<string, string> = {};
    // The log is for assertions, not a second copy of a key: it says only
    // whether the emulator's own key was sent.
    request.headers.forEach((v, k) =>
      headers[k] = k !== "authorization"
        ? v
        : v === `Bearer ${apiKey}`
        ? "Bearer [emulator key]"
        : `${v.split(" ")[0]} [redacted]`
    );
    const record: RecordedRequest = {
      method: request.method,
      path: url.pathname,
      headers,
      time: now(),
    };
    requests.push(record);
    // A long-lived emulator keeps its most recent requests, not all of them.
    if (requests.length > MAX_RECORDED + MAX_RECORDED / 10) {
      requests.splice(0, requests.length - MAX_RECORDED);
    }
    const fault = faults.take(request.method, url.pathname);
    if (fault?.delayMs) await sleep(fault.delayMs, request.signal);
    if (fault?.drop) throw new DroppedConnection();
    if (fault?.hang) await untilAborted(request.signal);
    let response: Response;
    if (fault?.status !== undefined) {
      const { body, type } = faultBody(fault);
      response = new Response(body, {
        status: fault.status,
        headers: { "content-type": type, ...fault.headers },
      });
    } else {
      response = await route(request, url, record);
      if (
        fault &&
        (fault.truncate !== undefined || fault.stallAfter !== undefined ||
          fault.nonJson || fault.dripMs !== undefined)
      ) {
        response = await shapeResponse(fault, response, request.signal);
      }
    }
    if (request.method === "HEAD" && response.body) {
      // HEAD answers with the GET's status and headers, and no body.
      await response.body.cancel();
      response = new Response(null, response);
    }
    response.headers.set("x-request-id", randomId("req"));
    return followAbort(response, request.signal);
  }

  return {
    apiKey,
    organizations,
    requests,
    // async, so that even a malformed request rejects rather than throws.
    fetch: async (input, init) => await handle(new Request(input, init)),
    inject: (fault) => faults.add(fault),
    listExports: (): EmulatorExport[] =>
      [...exports.values()].map((r) => ({
        id: r.id,
        organizationId: r.organizationId,
        state: stateOf(r).state,
        createdAt: r.createdAt,
        rowCount: r.rows.length,
      })),
    listEvents: (organizationId) =>
      events.filter((e) =>
        organizationId === undefined || e.organizationId === organizationId
      )
        .map((e) => structuredClone(e)),
    setExportState(id, state) {
      const record = exports.get(id);
      if (!record) throw new TypeError(`No export ${id}`);
      record.forced = { state, at: now() };
    },
  };
}
