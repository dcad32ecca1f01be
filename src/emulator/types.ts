/**
 * Public types of the emulator.
 *
 * @module
 */

/**
 * Actor or target of an audit log event.
 *
 * @example
 * ```ts
 * import type { EmulatorEntity } from "@audit-log/export/testing";
 * const actor: EmulatorEntity = {
 *   id: "user_01GBNJC3MX9ZZJW1FSTF4C5938",
 *   type: "user",
 *   name: "Ada Lovelace",
 *   metadata: { email: "ada@example.com" },
 * };
 * ```
 */
export interface EmulatorEntity {
  /** The entity's id, e.g. `"user_01GBNJC3MX9ZZJW1FSTF4C5938"`. */
  id: string;
  /** The entity's type, e.g. `"user"` or `"team"`. */
  type: string;
  /** A display name. */
  name?: string;
  /** Free-form string metadata. */
  metadata?: Record<string, string>;
}

/**
 * Scalar values allowed in event metadata (strings up to 500 characters).
 *
 * @example
 * ```ts
 * import type { EmulatorMetadataValue } from "@audit-log/export/testing";
 * const metadata: Record<string, EmulatorMetadataValue> = { plan: "pro", seats: 12, mfa: true };
 * ```
 */
export type EmulatorMetadataValue = string | number | boolean;

/**
 * An audit log event as the emulator stores it: the event of
 * `POST /audit_logs/events` with its organization and an id.
 *
 * @example
 * ```ts
 * import { createEmulator, type EmulatorEvent } from "@audit-log/export/testing";
 * const signIn: EmulatorEvent = {
 *   organizationId: "org_01EHZNVPK3SFK441A1RGBFSHRT",
 *   action: "user.signed_in", occurredAt: "2026-10-01T09:30:00Z",
 *   actor: { id: "user_ada", type: "user", name: "Ada Lovelace" },
 *   targets: [{ id: "team_1", type: "team" }], context: { location: "203.0.113.7" },
 * };
 * const emulator = createEmulator({ events: [signIn] });
 * ```
 */
export interface EmulatorEvent {
  /** The event's id; generated when omitted. */
  id?: string;
  /** The organization the event belongs to. */
  organizationId: string;
  /** What happened, e.g. `"user.signed_in"`. */
  action: string;
  /** When it happened, an ISO-8601 date-time. */
  occurredAt: string;
  /** Who did it. */
  actor: EmulatorEntity;
  /** What it was done to. */
  targets: EmulatorEntity[];
  /** Where it was done from. */
  context: { location: string; userAgent?: string };
  /** Up to 50 keys of scalar metadata. */
  metadata?: Record<string, EmulatorMetadataValue>;
  /** Schema version of the event. */
  version?: number;
}

/**
 * How an export's range treats an event exactly on one of its ends: `[`/`]`
 * include it, `(`/`)` leave it out.
 *
 * @example
 * ```ts
 * import { createEmulator, type RangeBounds } from "@audit-log/export/testing";
 * const halfOpen: RangeBounds = "[)";
 * const emulator = createEmulator({ rangeBounds: halfOpen });
 * ```
 */
export type RangeBounds = "[]" | "[)" | "(]" | "()";

/**
 * Options of {@link createEmulator}; every one has a default
 * ({@link EMULATOR_DEFAULTS}). An option out of range, or one the emulator
 * does not know, is refused with one `TypeError` listing every problem.
 *
 * @example
 * ```ts
 * import { createEmulator, type EmulatorOptions } from "@audit-log/export/testing";
 * const options: EmulatorOptions = {
 *   apiKey: "sk_test_my_suite",
 *   exportDelayMs: 0, // exports are ready at once
 *   exportExpiryMs: 3_600_000, // … and expired an hour later
 *   rateLimit: false,
 *   now: () => Date.parse("2026-11-02T12:00:00Z"),
 * };
 * const emulator = createEmulator(options);
 * ```
 */
export interface EmulatorOptions {
  /** The only API key accepted. Default `"sk_test_emulator"`. */
  apiKey?: string;
  /** Organization ids that exist. Default: those of the sample data. */
  organizations?: readonly string[];
  /** The events present at start. Default: the seeded sample ({@link sampleEvents}). */
  events?: readonly EmulatorEvent[];
  /** How long a new export stays `pending`, in ms. Default 1 000; 0 makes it ready at once. */
  exportDelayMs?: number;
  /**
   * How long an export stays `ready`, in ms from when it became ready; then
   * it is `expired`, with `url: null`, and every download URL it gave out
   * is refused with 403. Default `Infinity`: never. WorkOS does not say
   * when a real export expires, so none does unless a test asks, and a
   * test whose clock leaps ahead (months of retention, days of an archive)
   * meets no expired export it did not ask for. 0 expires an export the
   * moment it is ready. A download URL still lasts 10 minutes either way.
   */
  exportExpiryMs?: number;
  /**
   * Which ends of `[range_start, range_end]` include an event that lies
   * exactly on them: `"[]"` both (the default), `"[)"`, `"(]"` or `"()"`.
   * WorkOS does not document it; tests run a client under each reading.
   */
  rangeBounds?: RangeBounds;
  /**
   * Whether `Idempotency-Key` deduplicates `POST /audit_logs/exports` as it
   * does `POST /audit_logs/events`. Default `false`, as the real API: it
   * accepts the header on every route but honours it on events only, so
   * two creates with one key make two exports. `true` replays the first
   * answer for 24 hours instead.
   */
  deduplicateExports?: boolean;
  /** The clock, in epoch ms. Default `Date.now`. Drives readiness, export and URL expiry, idempotency, rate limits and retention. */
  now?: () => number;
  /** Requests allowed per API key per window, or `false` for none. Default `{ limit: 6000, windowMs: 60000 }`. */
  rateLimit?: { limit: number; windowMs: number } | false;
  /** How many calendar months back an export may start. Default 3. */
  retentionMonths?: number;
  /** Largest request body accepted, in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
}

/**
 * A fault to inject into the next matching requests. Without a response
 * field (`status`, `drop`, `truncate`, `stallAfter`, `hang`, `dripMs`,
 * `nonJson`) only
 * `delayMs` applies and the request is then handled normally.
 *
 * @example
 * ```ts
 * import { createEmulator, type EmulatorFault } from "@audit-log/export/testing";
 * const emulator = createEmulator({ exportDelayMs: 0 });
 * const outage: EmulatorFault = { method: "POST", status: 503, times: 2 };
 * emulator.inject(outage); // the next two POSTs answer 503
 * emulator.inject({ path: /^\/_emulator\/downloads\//, truncate: true }); // the next download is cut
 * ```
 */
export interface EmulatorFault {
  /** Only requests with this method (any when omitted). */
  method?: string;
  /** Only requests whose path equals this string or matches this pattern (any when omitted). The download path starts with `/_emulator/downloads/`. */
  path?: string | RegExp;
  /** How many matching requests it applies to. Default 1. */
  times?: number;
  /** Extra latency before anything else, in ms. */
  delayMs?: number;
  /** Answer with this status instead of handling the request. */
  status?: number;
  /** The body of that answer: a string as is, anything else as JSON. Default: an error body of the status. */
  body?: unknown;
  /** Extra headers of that answer. */
  headers?: Record<string, string>;
  /** Drop the connection before any response (`fetch` rejects). */
  drop?: boolean;
  /**
   * Handle the request normally but cut the response body and break the
   * connection: `true` cuts it in half, a number after that many bytes.
   */
  truncate?: boolean | number;
  /**
   * Handle the request normally but stop sending after this many bytes of
   * the body, without closing: the connection stays open and silent until
   * the client gives up.
   */
  stallAfter?: number;
  /** Handle the request normally but answer with an HTML page instead of its JSON, keeping the status. */
  nonJson?: boolean;
  /** Never answer; the request ends only when the client gives up. */
  hang?: boolean;
  /** Handle the request normally but send the body a few bytes at a time, one chunk every `dripMs` ms. */
  dripMs?: number;
}

/**
 * A request the emulator received, for assertions in tests.
 *
 * @example
 * ```ts
 * import { createEmulator, type RecordedRequest } from "@audit-log/export/testing";
 * const emulator = createEmulator();
 * await emulator.fetch("http://localhost/audit_logs/exports/audit_log_export_123", {
 *   headers: { authorization: `Bearer ${emulator.apiKey}` },
 * });
 * const last: RecordedRequest | undefined = emulator.requests.at(-1);
 * console.log(last?.method, last?.path); // "GET" "/audit_logs/exports/audit_log_export_123"
 * ```
 */
export interface RecordedRequest {
  /** HTTP method. */
  method: string;
  /** Path of the URL, e.g. `"/audit_logs/exports"`. */
  path: string;
  /**
   * Request headers, lower-case names. `authorization` is never kept as
   * sent: it reads `"Bearer [emulator key]"` when it carried the emulator's
   * key, and `"<scheme> [redacted]"` otherwise.
   */
  headers: Record<string, string>;
  /** The request body as the text received (JSON, for the POST routes), for routes that read one. */
  body?: string;
  /** The emulator clock when it arrived. */
  time: number;
}

/**
 * An export as the emulator keeps it.
 *
 * @example
 * ```ts
 * import { createEmulator, type EmulatorExport } from "@audit-log/export/testing";
 * const emulator = createEmulator({ exportDelayMs: 0 });
 * // … run the code under test with `fetch: emulator.fetch` …
 * const exports: EmulatorExport[] = emulator.listExports();
 * for (const e of exports) console.log(e.id, e.organizationId, e.state, e.rowCount);
 * ```
 */
export interface EmulatorExport {
  /** The export id. */
  id: string;
  /** Its organization. */
  organizationId: string;
  /** Its state now: `pending`, `ready`, `expired` (see `exportExpiryMs`), or one forced with `setExportState`. */
  state: string;
  /** Creation time, epoch ms. */
  createdAt: number;
  /** How many events its file holds. */
  rowCount: number;
}

/**
 * An in-memory WorkOS Audit Logs API.
 *
 * @example
 * ```ts
 * import { createClient } from "@audit-log/export";
 * import { createEmulator, type Emulator } from "@audit-log/export/testing";
 * const emulator: Emulator = createEmulator({ exportDelayMs: 0 });
 * const client = createClient({ apiKey: emulator.apiKey, baseUrl: "http://localhost", fetch: emulator.fetch });
 * // … run the code under test with `client`, then assert on what the emulator saw:
 * console.log(emulator.requests.length, emulator.listExports().length);
 * ```
 */
export interface Emulator {
  /** The API key it accepts. */
  readonly apiKey: string;
  /** The organization ids it knows. */
  readonly organizations: readonly string[];
  /** The requests received so far, oldest first: the last 10,000 at least (older ones are dropped). */
  readonly requests: readonly RecordedRequest[];
  /** Handles one request; a web-standard fetch, so it can be passed as a client's `fetch`. */
  fetch(input: Request | URL | string, init?: RequestInit): Promise<Response>;
  /** Queues a fault for the next matching requests. */
  inject(fault: EmulatorFault): void;
  /** The exports created so far. */
  listExports(): EmulatorExport[];
  /** The stored events, optionally of one organization, oldest first. */
  listEvents(organizationId?: string): EmulatorEvent[];
  /**
   * Forces an export into a state, e.g. `"error"`, to test failure paths.
   * A forced `"expired"` reads as a timed-out one does: `url: null`, and its
   * download URLs refused.
   */
  setExportState(id: string, state: string): void;
  /**
   * Replaces an export's file, as when the file behind a download URL is
   * written anew: with `events`, exactly these, in this order; without,
   * the export run again over the events stored now (so an event posted
   * since is in it). URLs already given out serve the new file. Its
   * `Last-Modified` becomes the emulator's time, and its strong `ETag` (a
   * hash of the bytes) changes with the bytes — new bytes, a new tag; the
   * same bytes keep theirs, as an object store's do. So a download
   * resumed with `If-Range` naming the old file gets the whole new one in
   * a 200, never a range of it spliced onto the old.
   *
   * @param id The export's id.
   * @param events The events the new file holds; default: the export's
   * filters applied to the events stored now.
   * @returns The new file's `ETag`.
   * @throws {TypeError} For an unknown id.
   *
   * @example
   * ```ts
   * import { createEmulator } from "@audit-log/export/testing";
   * const emulator = createEmulator({ exportDelayMs: 0 });
   * const [org] = emulator.organizations;
   * const created = await emulator.fetch("http://localhost/audit_logs/exports", {
   *   method: "POST",
   *   headers: { authorization: `Bearer ${emulator.apiKey}`, "content-type": "application/json" },
   *   body: JSON.stringify({
   *     organization_id: org,
   *     range_start: new Date(Date.now() - 7 * 86_400_000).toISOString(),
   *     range_end: new Date().toISOString(),
   *   }),
   * }).then((r) => r.json());
   * const first = await emulator.fetch(created.url);
   * const etag = first.headers.get("etag")!;
   * await first.body?.cancel();
   * // Another file under the same URL: the organization's first ten events.
   * const newTag = emulator.replaceExportFile(created.id, emulator.listEvents(org).slice(0, 10));
   * const resumed = await emulator.fetch(created.url, {
   *   headers: { range: "bytes=100-", "if-range": etag },
   * });
   * console.log(newTag !== etag, resumed.status); // true 200: the whole new file
   * ```
   */
  replaceExportFile(id: string, events?: readonly EmulatorEvent[]): string;
}
