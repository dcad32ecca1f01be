/**
 * An in-memory WorkOS Audit Logs API as one web-standard fetch handler: the
 * wiring of its store, routes, idempotency, rate limit and faults.
 *
 * @module
 */

import { monthsBefore, RETENTION_MONTHS } from "../retention.ts";
import { sleep } from "../signals.ts";
import {
  DroppedConnection,
  faultBody,
  FaultQueue,
  followAbort,
  shapeResponse,
  untilAborted,
} from "./faults.ts";
import { json, randomId, readJson } from "./http.ts";
import { type IdempotencyStore, withIdempotency } from "./idempotency.ts";
import { type Handler, withRateLimit } from "./rate_limit.ts";
import { SAMPLE_ORGANIZATIONS, sampleEvents } from "./sample.ts";
import { createStore, DOWNLOAD_PREFIX } from "./store.ts";
import type {
  Emulator,
  EmulatorEvent,
  EmulatorOptions,
  RecordedRequest,
} from "./types.ts";

export { DOWNLOAD_PREFIX };

/** Requests kept in `Emulator.requests`; older ones are dropped. */
const MAX_RECORDED = 10_000;
const DAY = 86_400_000;

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
  const retentionMonths = options.retentionMonths ?? RETENTION_MONTHS;
  const maxBodyBytes = options.maxBodyBytes ?? 1 << 20;
  const organizations = [...(options.organizations ?? SAMPLE_ORGANIZATIONS)];
  const store = createStore({
    now,
    exportDelayMs: options.exportDelayMs ?? 1_000,
    retentionMonths,
    organizations,
    events: (options.events ??
      sampleSpan(organizations, now(), retentionMonths))
      .map((e) => ({ ...e, id: e.id ?? randomId("event") })),
  });
  const keys: IdempotencyStore = new Map();
  const posts: Record<
    string,
    (request: Request, body: Record<string, unknown>) => Promise<Response>
  > = {
    "/audit_logs/exports": withIdempotency(
      "/audit_logs/exports",
      (request, body) => store.createExport(body, new URL(request.url).origin),
      keys,
      now,
    ),
    "/audit_logs/events": withIdempotency(
      "/audit_logs/events",
      (_, body) => store.createEvent(body),
      keys,
      now,
    ),
  };
  const requests: RecordedRequest[] = [];
  // A request's log entry, for the route that reads its body into it.
  const logOf = new WeakMap<Request, RecordedRequest>();
  const faults = new FaultQueue();

  /** The API routes, for a request that carried the key. */
  const api: Handler = withRateLimit(
    async (request) => {
      const { pathname: path, origin } = new URL(request.url);
      const method = request.method;
      const post = Object.hasOwn(posts, path) ? posts[path] : undefined;
      if (post) {
        if (method !== "POST") {
          return json(405, { message: "Method not allowed." }, {
            allow: "POST",
          });
        }
        const body = await readJson(request, logOf.get(request)!, maxBodyBytes);
        return body instanceof Response ? body : post(request, body);
      }
      const m = /^\/audit_logs\/exports\/([^/]+)$/.exec(path);
      if (!m) return json(404, { message: `Not found: ${method} ${path}` });
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
      return store.getExport(id, origin);
    },
    options.rateLimit ?? { limit: 6_000, windowMs: 60_000 },
    () => apiKey,
    now,
  );

  function route(request: Request, path: string): Promise<Response> {
    // Presigned: a download carries its credential in its URL, not a key.
    if (path.startsWith(DOWNLOAD_PREFIX)) {
      const token = path.slice(DOWNLOAD_PREFIX.length).split("/")[0];
      return Promise.resolve(store.download(request, token));
    }
    if (request.headers.get("authorization") !== `Bearer ${apiKey}`) {
      return Promise.resolve(json(401, {
        message:
          "Could not authorize the request. Maybe your API key is invalid?",
      }));
    }
    return api(request);
  }

  function record(request: Request, path: string): void {
    const headers: Record<string, string> = {};
    // The log is for assertions, not a second copy of a key: it says only
    // whether the emulator's own key was sent.
    request.headers.forEach((v, k) =>
      headers[k] = k !== "authorization"
        ? v
        : v === `Bearer ${apiKey}`
        ? "Bearer [emulator key]"
        : `${/^([A-Za-z]+) +\S/.exec(v)?.[1] ?? ""} [redacted]`.trim()
    );
    const entry = { method: request.method, path, headers, time: now() };
    requests.push(entry);
    logOf.set(request, entry);
    // A long-lived emulator keeps its most recent requests, not all of them.
    if (requests.length > MAX_RECORDED + MAX_RECORDED / 10) {
      requests.splice(0, requests.length - MAX_RECORDED);
    }
  }

  async function handle(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    record(request, path);
    const fault = faults.take(request.method, path);
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
      response = await route(request, path);
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
    listExports: store.listExports,
    listEvents: store.listEvents,
    setExportState: store.setExportState,
  };
}
