/**
 * Client configuration: the options every call takes, their defaults, and
 * their validation.
 *
 * @module
 */

import { readEnv } from "./env.ts";
import {
  at,
  checkOptions,
  type Issue,
  type Rule,
  type Rules,
} from "./rules.ts";
import type { AuditLogExport } from "./types.ts";
import { CONTROL_CHARS, textProblem } from "./validation.ts";

/**
 * A `fetch` implementation: the global one, a wrapper, or an emulator's.
 *
 * @example
 * ```ts
 * import { createClient } from "@audit-log/export";
 * const logging: typeof fetch = (input, init) => {
 *   console.error(init?.method ?? "GET", String(input));
 *   return fetch(input, init);
 * };
 * const client = createClient({ apiKey: "sk_test_123", fetch: logging });
 * ```
 */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/**
 * What `onAttempt` is told after every HTTP attempt, to the API or to the
 * file host. It never holds the API key, and a download URL comes without
 * its query (a presigned URL's signature is a credential).
 *
 * @example
 * ```ts
 * import { type AttemptInfo, createClient } from "@audit-log/export";
 * const log = (a: AttemptInfo) =>
 *   console.error(`${a.method} ${a.url} #${a.attempt} → ${a.status ?? a.error} in ${a.durationMs} ms`);
 * const client = createClient({ apiKey: "sk_test_123", onAttempt: log });
 * ```
 */
export interface AttemptInfo {
  /** `GET` or `POST`. */
  method: string;
  /** The URL; a download URL without its query. */
  url: string;
  /** 1 for the first attempt of a request, 2 for its first retry, … */
  attempt: number;
  /** The HTTP status, when a response arrived. */
  status?: number;
  /** `X-Request-ID` of the response, when there was one. */
  requestId?: string;
  /** From sending to the response headers (or to the failure), in ms. */
  durationMs: number;
  /** The class name of the attempt's error (`"RateLimitError"`, `"ConnectionError"`, …), when it failed. */
  error?: string;
  /** The wait before the next attempt, in ms, when there will be one. */
  retryInMs?: number;
}

/**
 * How a client reaches the API. Every field has a default.
 *
 * @example
 * ```ts
 * import { createClient } from "@audit-log/export";
 * const client = createClient({
 *   apiKey: "sk_test_123",
 *   timeout: 30_000,
 *   maxRetries: 5,
 *   headers: { "x-request-source": "nightly-export" },
 * });
 * ```
 */
export interface ClientConfig {
  /** WorkOS API key (`sk_…`). Default: `WORKOS_API_KEY` from the environment, where the runtime has one. */
  apiKey?: string;
  /** API origin. Default: `WORKOS_BASE_URL` from the environment where the runtime has one, else `"https://api.workos.com"`; plain `http:` only for loopback hosts. */
  baseUrl?: string;
  /** The `fetch` to use. Default `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Time budget of one attempt, in ms, until the response headers (and, for JSON, the body). Default 60 000. */
  timeout?: number;
  /** Retries after the first attempt, for retryable failures. Default 3. */
  maxRetries?: number;
  /** Extra request headers. `Authorization` and `Idempotency-Key` are set by the client. */
  headers?: Record<string, string>;
  /**
   * Called after every HTTP attempt (API calls and downloads), for logs and
   * metrics. Default: none, or one line per attempt on stderr where the
   * environment has `AUDIT_LOG_EXPORT_DEBUG=1`.
   */
  onAttempt?: (info: AttemptInfo) => void;
}

/**
 * Per-call options of every request.
 *
 * @example
 * ```ts
 * import { getExport } from "@audit-log/export";
 * const controller = new AbortController();
 * setTimeout(() => controller.abort(), 5_000);
 * await getExport("audit_log_export_123", { signal: controller.signal, maxRetries: 0 });
 * ```
 */
export interface RequestOptions {
  /** Aborts the call, including any retry sleep; the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /** `Idempotency-Key` of a POST. Default: a fresh UUID per logical call, the same on every retry. */
  idempotencyKey?: string;
  /** Overrides `ClientConfig.timeout` for this call. */
  timeout?: number;
  /** Overrides `ClientConfig.maxRetries` for this call. */
  maxRetries?: number;
}

/**
 * How far a download has got, as `onProgress` is told.
 *
 * @example
 * ```ts
 * import { type DownloadProgress, downloadExport } from "@audit-log/export";
 * const show = (p: DownloadProgress) =>
 *   console.error(`${p.received} of ${p.total ?? "?"} bytes, ${p.resumes} resumes`);
 * const bytes = await downloadExport("audit_log_export_123", { onProgress: show });
 * ```
 */
export interface DownloadProgress {
  /** Bytes of the file received so far (a download started over counts from 0 again). */
  received: number;
  /** The file's length, once the file host said it (`Content-Length`, or the `Content-Range` of a resume). */
  total?: number;
  /** How often the download was resumed after a cut or a stall so far. */
  resumes: number;
}

/**
 * Options of waiting for an export to be ready.
 *
 * @example
 * ```ts
 * import { waitForExport } from "@audit-log/export";
 * const ready = await waitForExport("audit_log_export_123", {
 *   maxWait: 120_000,
 *   pollInterval: 500,
 *   onPoll: (e) => console.error(`still ${e.state}`),
 * });
 * ```
 */
export interface WaitOptions extends RequestOptions {
  /** Budget of the whole wait, in ms. Default 600 000 (10 min). */
  maxWait?: number;
  /** First delay between polls, in ms. Default 1 000. Later delays grow with the time waited. */
  pollInterval?: number;
  /** Longest delay between polls, in ms. Default 10 000. */
  maxPollInterval?: number;
  /** Called with the export after every poll, for progress. */
  onPoll?: (auditLogExport: AuditLogExport) => void;
  /**
   * Called as a download goes, for a progress bar: once the file host
   * answers (0 bytes, and the length when it says it), after every chunk,
   * and when a cut is about to be resumed. Only calls that download
   * (`downloadExport`, `exportRows`, `exportEvents` of an export) call it;
   * what it throws fails the download.
   */
  onProgress?: (progress: DownloadProgress) => void;
}

/** Every option a call may be given. */
export type CallOptions = ClientConfig & WaitOptions;

/**
 * Configuration after defaults and validation: a plain value, resolved once
 * at the public edge of each call and passed as it is to everything inside.
 */
export interface ResolvedConfig {
  apiKey: string | undefined;
  baseUrl: string;
  fetch: FetchLike;
  timeout: number;
  maxRetries: number;
  headers: Record<string, string>;
  signal: AbortSignal | undefined;
  idempotencyKey: string | undefined;
  maxWait: number;
  pollInterval: number;
  maxPollInterval: number;
  onPoll: ((auditLogExport: AuditLogExport) => void) | undefined;
  onProgress: ((progress: DownloadProgress) => void) | undefined;
  onAttempt: ((info: AttemptInfo) => void) | undefined;
  /**
   * Awaited before each attempt's time-out starts: a pause shared by several
   * calls (a run's `Retry-After`) is waited here, outside every attempt's
   * own time budget. Only the archive sets it.
   */
  gate: ((signal: AbortSignal | undefined) => Promise<void>) | undefined;
}

/**
 * One attempt in words: `POST <url> attempt 1: 503 InternalServerError in
 * 41 ms (request id req_…); retry in 612 ms`. Holds no key and, for a
 * download, no query: `info` never has them.
 */
export function describeAttempt(info: AttemptInfo): string {
  const outcome = [info.status, info.error]
    .filter((part) => part !== undefined)
    .join(" ") || "no response";
  const id = info.requestId ? ` (request id ${info.requestId})` : "";
  const retry = info.retryInMs === undefined
    ? ""
    : `; retry in ${Math.round(info.retryInMs)} ms`;
  return `${info.method} ${info.url} attempt ${info.attempt}: ${outcome} ` +
    `in ${Math.round(info.durationMs)} ms${id}${retry}`;
}

/** One line per attempt on stderr, for `AUDIT_LOG_EXPORT_DEBUG=1`. */
const logAttempt = (info: AttemptInfo): void =>
  console.error(`[audit-log-export] ${describeAttempt(info)}`);

/**
 * The API's production origin.
 *
 * @example
 * ```ts
 * import { DEFAULT_BASE_URL } from "@audit-log/export";
 * console.log(DEFAULT_BASE_URL); // "https://api.workos.com"
 * ```
 */
export const DEFAULT_BASE_URL = "https://api.workos.com";
const MAX_TIMER = 2_147_483_647;

/** The defaults of `WaitOptions`, in ms. */
export const WAIT_DEFAULTS = {
  maxWait: 600_000,
  pollInterval: 1_000,
  maxPollInterval: 10_000,
} as const;

// NaN fails the comparisons too.
const duration = (what: string): Rule => (n) =>
  typeof n === "number" && n > 0 && n <= MAX_TIMER
    ? undefined
    : `${what} must be a number of ms, > 0 and at most ${MAX_TIMER}`;

const callable = (what: string): Rule => (f) =>
  typeof f === "function" ? undefined : `${what} must be a function`;

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Headers that describe the connection, not the request: `fetch` sets them
 * itself, and Node's refuses a request carrying one before sending it.
 */
const CONNECTION_HEADER =
  /^(connection|content-length|expect|host|keep-alive|proxy-connection|te|trailer|transfer-encoding|upgrade)$/i;

/** Header values are bytes: Latin-1 text with no control characters. */
const headerValueProblem = (what: string, v: string): string | undefined =>
  CONTROL_CHARS.test(v)
    ? `${what} must not contain control characters`
    : /[\u0100-\uffff]/.test(v)
    ? `${what} must be Latin-1 text (HTTP headers are bytes)`
    : undefined;

const apiKeyProblem: Rule = (s) =>
  typeof s !== "string"
    ? "apiKey must be a string"
    : s === ""
    ? "an API key is required: pass apiKey or set WORKOS_API_KEY"
    : /^[\x21-\x7e]*$/.test(s)
    ? undefined
    : "apiKey must be printable ASCII with no spaces";

const headerProblem = (name: string, v: unknown): string | undefined =>
  !HEADER_NAME.test(name)
    ? "header names must be HTTP tokens"
    : CONNECTION_HEADER.test(name)
    ? "is a header of the connection itself, set by fetch"
    : typeof v !== "string"
    ? "header values must be strings"
    : headerValueProblem("header values", v);

/** The entries of a headers option: a `Headers` object has no own enumerable keys. */
const headerEntries = (h: object): [string, unknown][] =>
  h instanceof Headers ? [...h.entries()] : Object.entries(h);

// Hand-written rules rather than a schema: these run on every call, where a
// schema's generic machinery costs more than these few comparisons.
const CLIENT_RULES: Rules<CallOptions> = {
  apiKey: apiKeyProblem,
  baseUrl: (s) =>
    typeof s === "string"
      ? checkBaseUrl(s).problem
      : "baseUrl must be a string",
  fetch: callable("fetch"),
  timeout: duration("timeout"),
  maxRetries: (n) =>
    Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 100
      ? undefined
      : "maxRetries must be an integer from 0 to 100",
  headers: (h, path, issues) => {
    if (typeof h !== "object" || h === null || Array.isArray(h)) {
      return "headers must be an object of strings";
    }
    for (const [name, v] of headerEntries(h)) {
      const message = headerProblem(name, v);
      if (message) issues.push({ path: at(path, name), message });
    }
    return undefined;
  },
  onAttempt: callable("onAttempt"),
  signal: (s) =>
    s instanceof AbortSignal ? undefined : "signal must be an AbortSignal",
  idempotencyKey: (s) =>
    textProblem("idempotencyKey", s, 255) ??
      headerValueProblem("idempotencyKey", s as string),
  maxWait: duration("maxWait"),
  pollInterval: duration("pollInterval"),
  maxPollInterval: duration("maxPollInterval"),
  onPoll: callable("onPoll"),
  onProgress: callable("onProgress"),
};

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname.endsWith(".localhost") ||
    hostname === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** The URL, or `undefined` when the text is not an absolute URL. */
export function parseUrl(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

/**
 * Whether a URL may carry a key or a presigned file: https, or plain http to
 * this machine only (the emulator).
 */
export function isSecureTransport(url: URL): boolean {
  return url.protocol === "https:" ||
    (url.protocol === "http:" && isLoopback(url.hostname));
}

/** A base URL checked: its problem, or its form without trailing slashes. */
interface CheckedBaseUrl {
  raw: string;
  problem: string | undefined;
  href: string;
}

function checkBaseUrl(raw: string): CheckedBaseUrl {
  const url = parseUrl(raw);
  const problem = !url
    ? "baseUrl must be an absolute URL"
    : !isSecureTransport(url)
    ? "baseUrl must use https: (http: only for loopback hosts)"
    : url.username || url.password
    ? "baseUrl must not contain credentials"
    : url.search || url.hash
    ? "baseUrl must not have a query or fragment"
    : undefined;
  const href = problem ? "" : url!.href.replace(/\/+$/, "");
  return { raw, problem, href };
}

/**
 * The defaults of every call, in ms where a duration. `baseUrl` yields to
 * `WORKOS_BASE_URL` and the API key comes from `WORKOS_API_KEY` where the
 * runtime has an environment.
 *
 * @example
 * ```ts
 * import { CLIENT_DEFAULTS } from "@audit-log/export";
 * console.log(CLIENT_DEFAULTS.timeout, CLIENT_DEFAULTS.maxRetries); // 60000 3
 * ```
 */
export const CLIENT_DEFAULTS: {
  readonly baseUrl: string;
  readonly timeout: number;
  readonly maxRetries: number;
  readonly maxWait: number;
  readonly pollInterval: number;
  readonly maxPollInterval: number;
} = {
  baseUrl: DEFAULT_BASE_URL,
  timeout: 60_000,
  maxRetries: 3,
  ...WAIT_DEFAULTS,
};

/**
 * The default `fetch`: the global one, looked up on every call, so that a
 * `fetch` installed later is the one used.
 */
export const globalFetch: FetchLike = (input, init) =>
  globalThis.fetch(input, init);

/**
 * Where every resolution starts: every field present, in one order, so each
 * resolved config has the same shape whatever options a call passes (a
 * changing shape makes every later read of it slower).
 */
const START: ResolvedConfig = {
  apiKey: undefined,
  baseUrl: CLIENT_DEFAULTS.baseUrl,
  fetch: globalFetch,
  timeout: CLIENT_DEFAULTS.timeout,
  maxRetries: CLIENT_DEFAULTS.maxRetries,
  // Shared by every call without headers of its own: frozen, so no call can
  // change another's.
  headers: Object.freeze({}) as Record<string, string>,
  signal: undefined,
  idempotencyKey: undefined,
  maxWait: CLIENT_DEFAULTS.maxWait,
  pollInterval: CLIENT_DEFAULTS.pollInterval,
  maxPollInterval: CLIENT_DEFAULTS.maxPollInterval,
  onPoll: undefined,
  onProgress: undefined,
  onAttempt: undefined,
  gate: undefined,
};

/**
 * `base` with a call's options laid over it: each option replaces the
 * base's, except that `headers` add to the base's (names lower-cased, so a
 * later layer replaces a header, never duplicates it). Problems go to
 * `issues`; the result is only meant to be used when there are none.
 */
export function overlayConfig(
  base: ResolvedConfig,
  call: CallOptions | undefined,
  issues: Issue[],
): ResolvedConfig {
  const out = { ...base };
  if (call === undefined) return out;
  if (!checkOptions(call, CLIENT_RULES, issues, "config")) return out;
  const given = call as Record<string, unknown>;
  for (const key in given) {
    const value = given[key];
    if (!Object.hasOwn(given, key) || value === undefined) continue;
    if (key === "baseUrl") {
      // Parsed again for its normal form: a checked URL is cheap to parse,
      // and a cache of the last one would be state shared by every call.
      out.baseUrl = checkBaseUrl(value as string).href;
    } else if (key === "headers") {
      const headers = { ...base.headers };
      for (const [name, v] of headerEntries(value as object)) {
        headers[name.toLowerCase()] = v as string;
      }
      out.headers = headers;
    } else {
      (out as unknown as Record<string, unknown>)[key] = value;
    }
  }
  return out;
}

/**
 * A config from the defaults, the environment and `config`: what a
 * standalone call and `createClient` start from. Problems go to `issues`.
 */
export function resolveConfig(
  config: CallOptions | undefined,
  issues: Issue[],
): ResolvedConfig {
  const out = overlayConfig(START, config, issues);
  out.apiKey ??= readEnv("WORKOS_API_KEY");
  // The same rules as `baseUrl`, which wins; an empty variable is unset.
  const envBaseUrl = config?.baseUrl === undefined
    ? readEnv("WORKOS_BASE_URL")
    : undefined;
  if (envBaseUrl) {
    const { problem, href } = checkBaseUrl(envBaseUrl);
    if (problem) {
      issues.push({
        path: "baseUrl",
        message: `${problem} (it came from WORKOS_BASE_URL)`,
      });
    } else {
      out.baseUrl = href;
    }
  }
  out.onAttempt ??= readEnv("AUDIT_LOG_EXPORT_DEBUG") === "1"
    ? logAttempt
    : undefined;
  return out;
}

/**
 * The API key, after adding its problem to `issues` when there is none or
 * it is malformed: a call checks it before any request.
 */
export function apiKeyOf(config: ResolvedConfig, issues: Issue[]): string {
  const key = config.apiKey ?? "";
  const message = apiKeyProblem(key, "apiKey", issues);
  if (message) issues.push({ path: "apiKey", message });
  return key;
}
